import Testing
@testable import Vecgrad

// Every op's backward against central finite differences in float64 (eps 1e-6, atol 1e-5, rtol 1e-3).

private let positive = Tensor(shape: [2, 3], scalars: [0.3, 0.7, 1.1, 1.9, 2.6, 3.4], dtype: .float64)
private let mixed = Tensor(shape: [2, 3], scalars: [-1.3, 0.4, 2.2, -0.6, 1.7, -2.9], dtype: .float64)

/// Inputs inside the op's gradcheck range (its record's domain), away from its kinks.
private func gradcheckInput(_ op: UnaryOp) -> Tensor {
    let d = op.info.domain, r = d.gradcheck
    let xs = (0..<6).map { i in r.lowerBound + (r.upperBound - r.lowerBound) * (0.09 + 0.163 * Double(i)) }
        .map { x in d.kinks.contains { Swift.abs($0 - x) < 1e-3 } ? x + 0.01 : x }
    return Tensor(shape: [2, 3], scalars: xs, dtype: .float64)
}

@Test(arguments: UnaryOp.examples + [.pow(-1.5), .softplus(beta: 2, threshold: 1)])
func unaryGradcheck(_ op: UnaryOp) throws {
    let failure = try gradcheck([gradcheckInput(op)]) { $0[0].applying(op) }
    #expect(failure == nil, "\(op.name): \(failure ?? "")")
}

@Test(arguments: ["add", "sub", "mul", "div", "maximum", "minimum", "scalarOps"])
func binaryGradcheckWithBroadcasting(_ op: String) throws {
    let a = Tensor(shape: [2, 1, 3], scalars: [0.5, -1.2, 2.0, 1.4, 0.3, -0.8], dtype: .float64)
    let b = Tensor(shape: [4, 1], scalars: [1.5, -0.7, 0.9, 2.1], dtype: .float64)
    let failure = try gradcheck([a, b]) { xs in
        switch op {
        case "add": return try xs[0] + xs[1]
        case "sub": return try xs[0] - xs[1]
        case "mul": return try xs[0] * xs[1]
        case "div": return try xs[0] / xs[1]
        case "maximum": return try Tensor.maximum(xs[0], xs[1])
        case "minimum": return try Tensor.minimum(xs[0], xs[1])
        default: return try (2 - xs[0] * 3 + 1) / 2 * (3 / xs[1])
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["sum", "sumDim", "sumKeep", "mean", "meanDim", "max", "maxDim", "softmax", "logSoftmax", "softmax0"])
func reductionGradcheck(_ op: String) throws {
    let x = Tensor(shape: [2, 3, 2], scalars: [0.1, 1.5, -0.3, 2.2, 0.9, -1.1, 1.3, 0.4, -2.0, 0.8, 1.9, -0.5],
                   dtype: .float64)
    let failure = try gradcheck([x]) { xs in
        let x = xs[0]
        switch op {
        case "sum": return x.sum()
        case "sumDim": return try x.sum(dim: 1)
        case "sumKeep": return try x.sum(dim: -1, keepdim: true)
        case "mean": return x.mean()
        case "meanDim": return try x.mean(dim: 0)
        case "max": return try x.max()
        case "maxDim": return try x.max(dim: 1).values
        case "softmax": return try x.softmax(dim: 1)
        case "logSoftmax": return try x.logSoftmax(dim: -1)
        default: return try x.softmax(dim: 0)
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["reshape", "transpose", "transposeDims", "squeeze", "unsqueeze", "select", "slice"])
func viewGradcheck(_ op: String) throws {
    let x = Tensor(shape: [3, 1, 2], scalars: [0.5, -1.5, 2.5, 0.25, -0.75, 1.0], dtype: .float64)
    let w = try Tensor.randn([6], seed: 11, dtype: .float64)
    let failure = try gradcheck([x]) { xs in
        let x = xs[0]
        let y: Tensor
        switch op {
        case "reshape": y = try x.reshaped(to: [2, -1])
        case "transpose": y = try x.squeezed(1).transposed()
        case "transposeDims": y = try x.transposed(0, 2)
        case "squeeze": y = x.squeezed()
        case "unsqueeze": y = try x.unsqueezed(1)
        case "select": return try x[1].sin()
        default: return try x[1...].sin()
        }
        return try y.flattened() * w
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test func lossAndLinearGradcheck() throws {
    let x = try Tensor.randn([4, 3], seed: 1, dtype: .float64)
    let w = try Tensor.randn([2, 3], seed: 2, dtype: .float64)
    let b = try Tensor.randn([2], seed: 3, dtype: .float64)
    let t = try Tensor.randn([4, 2], seed: 4, dtype: .float64)
    #expect(try gradcheck([x, w, b]) { try linear($0[0], weight: $0[1], bias: $0[2]) } == nil)
    #expect(try gradcheck([x, w]) { try linear($0[0], weight: $0[1]) } == nil)
    #expect(try gradcheck([try Tensor.randn([3], seed: 5, dtype: .float64), w, b]) {
        try linear($0[0], weight: $0[1], bias: $0[2])
    } == nil)
    for reduction in [Reduction.mean, .sum, .none] {
        #expect(try gradcheck([t, try Tensor.randn([4, 2], seed: 6, dtype: .float64)]) {
            try mseLoss($0[0], $0[1], reduction: reduction)
        } == nil)
    }
    let classes = Tensor([0, 2, 1, 2], dtype: .int64)
    let logits = try Tensor.randn([4, 3], seed: 7, dtype: .float64)
    for reduction in [Reduction.mean, .sum, .none] {
        #expect(try gradcheck([logits]) { try crossEntropy($0[0], classes, reduction: reduction) } == nil)
    }
    let probabilities = try Tensor.rand([4, 3], seed: 8, dtype: .float64).softmax(dim: 1)
    #expect(try gradcheck([logits]) { try crossEntropy($0[0], probabilities) } == nil)
}
