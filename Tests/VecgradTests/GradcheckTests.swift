import Testing
@testable import Vecgrad

// Every op's backward against central finite differences in float64 (eps 1e-6, atol 1e-5, rtol 1e-3).

private let positive = Tensor(shape: [2, 3], scalars: [0.3, 0.7, 1.1, 1.9, 2.6, 3.4], dtype: .float64)
private let mixed = Tensor(shape: [2, 3], scalars: [-1.3, 0.4, 2.2, -0.6, 1.7, -2.9], dtype: .float64)

/// Inputs inside the op's gradcheck range (its record's domain), away from its kinks.
func gradcheckInput(_ op: UnaryOp) -> Tensor {
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

let binaryOpNames = ["add", "sub", "mul", "div", "maximum", "minimum", "scalarOps", "remainder"]

/// A binary op by name on a [2, 1, 3] and a [4, 1] input (they broadcast), and the inputs:
/// remainder jumps where a / b is a whole number (1.4 / -0.7), so its b keeps away from those.
func binaryCase(_ op: String) -> (inputs: [Tensor], f: ([Tensor]) throws -> Tensor) {
    let a = Tensor(shape: [2, 1, 3], scalars: [0.5, -1.2, 2.0, 1.4, 0.3, -0.8], dtype: .float64)
    let b = Tensor(shape: [4, 1], scalars: op == "remainder" ? [1.3, -0.75, 0.95, 2.15] : [1.5, -0.7, 0.9, 2.1],
                   dtype: .float64)
    return ([a, b], { xs in
        switch op {
        case "add": return try xs[0] + xs[1]
        case "sub": return try xs[0] - xs[1]
        case "mul": return try xs[0] * xs[1]
        case "div": return try xs[0] / xs[1]
        case "maximum": return try Tensor.maximum(xs[0], xs[1])
        case "minimum": return try Tensor.minimum(xs[0], xs[1])
        case "remainder": return try xs[0].remainder(xs[1]) * xs[0]
        default: return try (2 - xs[0] * 3 + 1) / 2 * (3 / xs[1])
        }
    })
}

@Test(arguments: binaryOpNames)
func binaryGradcheckWithBroadcasting(_ op: String) throws {
    let (inputs, f) = binaryCase(op)
    let failure = try gradcheck(inputs, f)
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

/// The view ops by name, on a [3, 1, 2] input (gradcheck here, gradgradcheck in DoubleBackwardTests).
func viewed(_ op: String, _ x: Tensor) throws -> Tensor {
    switch op {
    case "reshape": return try x.reshaped(to: [2, -1])
    case "transpose": return try x.squeezed(1).transposed()
    case "transposeDims": return try x.transposed(0, 2)
    case "squeeze": return x.squeezed()
    case "unsqueeze": return try x.unsqueezed(1)
    case "select": return try x[1]
    case "slice": return try x[1...]
    default: return x.flattened()
    }
}

let viewOpNames = ["reshape", "transpose", "transposeDims", "squeeze", "unsqueeze", "select", "slice", "flatten"]

@Test(arguments: viewOpNames)
func viewGradcheck(_ op: String) throws {
    let x = Tensor(shape: [3, 1, 2], scalars: [0.5, -1.5, 2.5, 0.25, -0.75, 1.0], dtype: .float64)
    let failure = try gradcheck([x]) { try viewed(op, $0[0]).sin() }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

/// Linear, MSE and cross-entropy cases (name, float64 inputs, function), checked by gradcheck
/// here and by gradgradcheck in DoubleBackwardTests.
func lossAndLinearCases() throws -> [(String, [Tensor], ([Tensor]) throws -> Tensor)] {
    let x = try Tensor.randn([4, 3], seed: 1, dtype: .float64)
    let w = try Tensor.randn([2, 3], seed: 2, dtype: .float64)
    let b = try Tensor.randn([2], seed: 3, dtype: .float64)
    let t = try Tensor.randn([4, 2], seed: 4, dtype: .float64)
    var cases: [(String, [Tensor], ([Tensor]) throws -> Tensor)] = [
        ("linear+bias", [x, w, b], { try linear($0[0], weight: $0[1], bias: $0[2]).tanh() }),
        ("linear", [x, w], { try linear($0[0], weight: $0[1]) }),
        ("linear 1-D", [try Tensor.randn([3], seed: 5, dtype: .float64), w, b], { try linear($0[0], weight: $0[1], bias: $0[2]) }),
    ]
    let classes = Tensor([0, 2, 1, 2], dtype: .int64)
    let logits = try Tensor.randn([4, 3], seed: 7, dtype: .float64)
    for reduction in [Reduction.mean, .sum, .none] {
        cases.append(("mse \(reduction)", [t, try Tensor.randn([4, 2], seed: 6, dtype: .float64)], {
            try mseLoss($0[0], $0[1], reduction: reduction)
        }))
        cases.append(("cross entropy \(reduction)", [logits], { try crossEntropy($0[0], classes, reduction: reduction) }))
    }
    let probabilities = try Tensor.rand([4, 3], seed: 8, dtype: .float64).softmax(dim: 1)
    cases.append(("cross entropy, probabilities", [logits], { try crossEntropy($0[0], probabilities) }))
    return cases
}

@Test func lossAndLinearGradcheck() throws {
    for (name, inputs, f) in try lossAndLinearCases() {
        let failure = try gradcheck(inputs, f)
        #expect(failure == nil, "\(name): \(failure ?? "")")
    }
}
