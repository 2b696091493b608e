import Foundation
import Testing
@testable import Vecgrad

// Gradients of gradients (createGraph) against central finite differences of the first
// gradient, as torch.autograd.gradgradcheck, in float64 for every differentiable op.

/// torch.autograd.gradgradcheck in spirit: with random output weights v (which require grad) and
/// input weights w, s(x, v) = sum_k <w_k, J_k(x)^T v> is computed with `createGraph`, and its
/// gradient with respect to every input and to v must match central differences of s computed
/// by first-order passes. Returns a description of the first mismatch, or nil.
func gradgradcheck(_ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3,
                   seed: Int = 11, _ f: ([Tensor]) throws -> Tensor) throws -> String? {
    let xs = inputs.map { Tensor(shape: $0.shape, scalars: $0.doubles, dtype: .float64, requiresGrad: true) }
    let v = try Tensor.randn(try f(xs).shape, seed: seed, dtype: .float64).requiringGrad()
    let ws = try xs.enumerated().map { k, x in try Tensor.randn(x.shape, seed: seed + 1 + k, dtype: .float64) }
    func weighted(_ xs: [Tensor], _ v: Tensor, createGraph: Bool) throws -> Tensor {
        let gs = try grad(of: try f(xs), wrt: xs, gradOutputs: [v], createGraph: createGraph, allowUnused: true)
        var total = try Tensor.zeros([], dtype: .float64)
        for (g, w) in zip(gs, ws) { total = try total + (g * w).sum() }
        return total
    }
    let all = xs + [v]
    let s = try weighted(xs, v, createGraph: true)
    let analytic = s.requiresGrad ? try grad(of: s, wrt: all, allowUnused: true).map(\.doubles) : all.map { [Double](repeating: 0, count: $0.count) }
    func value(_ values: [[Double]]) throws -> Double {
        let ts = zip(all, values).map { Tensor(shape: $0.shape, scalars: $1, dtype: .float64, requiresGrad: true) }
        return try weighted(Array(ts.dropLast()), ts[ts.count - 1].detach(), createGraph: false).doubles[0]
    }
    let base = all.map(\.doubles)
    for k in all.indices {
        for i in 0..<all[k].count {
            var plus = base, minus = base
            plus[k][i] += eps
            minus[k][i] -= eps
            let numeric = (try value(plus) - value(minus)) / (2 * eps)
            if !(abs(analytic[k][i] - numeric) <= atol + rtol * abs(numeric)) {
                let which = k == xs.count ? "grad_output" : "input \(k)"
                return "\(which) element \(i): analytic \(analytic[k][i]) numeric \(numeric)"
            }
        }
    }
    return nil
}

@Test(arguments: UnaryOp.examples + [.pow(-1.5), .softplus(beta: 2, threshold: 1)])
func unaryGradgradcheck(_ op: UnaryOp) throws {
    let failure = try gradgradcheck([gradcheckInput(op)]) { $0[0].applying(op) }
    #expect(failure == nil, "\(op.name): \(failure ?? "")")
}

@Test(arguments: binaryOpNames)
func binaryGradgradcheck(_ op: String) throws {
    let (inputs, f) = binaryCase(op)
    let failure = try gradgradcheck(inputs, f)
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["sum", "sumDim", "sumKeep", "mean", "meanDim", "max", "maxDim", "min", "minDim", "softmax",
                  "logSoftmax", "softmax0"])
func reductionGradgradcheck(_ op: String) throws {
    let x = Tensor(shape: [2, 3, 2], scalars: [0.1, 1.5, -0.3, 2.2, 0.9, -1.1, 1.3, 0.4, -2.0, 0.8, 1.9, -0.5],
                   dtype: .float64)
    let failure = try gradgradcheck([x]) { xs in
        // Products with x make the first gradient depend on x even for linear reductions.
        let x = xs[0]
        switch op {
        case "sum": return try x.sum() * x
        case "sumDim": return try x.sum(dim: 1) * x.sum(dim: 1)
        case "sumKeep": return try x.sum(dim: -1, keepdim: true) * x
        case "mean": return try x.mean() * x
        case "meanDim": return try x.mean(dim: 0) * x.mean(dim: 0)
        case "max": return try x.max() * x
        case "maxDim": return try x.max(dim: 1).values.exp()
        case "min": return try x.min() * x
        case "minDim": return try x.min(dim: 2).values.sin()
        case "softmax": return try x.softmax(dim: 1)
        case "logSoftmax": return try x.logSoftmax(dim: -1)
        default: return try x.softmax(dim: 0)
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: viewOpNames)
func viewGradgradcheck(_ op: String) throws {
    let x = Tensor(shape: [3, 1, 2], scalars: [0.5, -1.5, 2.5, 0.25, -0.75, 1.0], dtype: .float64)
    let failure = try gradgradcheck([x]) { xs in
        let y = try viewed(op, xs[0])
        return try y * y.sin()
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["mm", "mv", "dot", "vecmat", "batched", "broadcastBatch", "foldedBatch"])
func matmulGradgradcheck(_ op: String) throws {
    let shapes: ([Int], [Int])
    switch op {
    case "mm": shapes = ([2, 3], [3, 4])
    case "mv": shapes = ([2, 3], [3])
    case "dot": shapes = ([3], [3])
    case "vecmat": shapes = ([3], [3, 2])
    case "batched": shapes = ([2, 2, 3], [2, 3, 2])
    case "broadcastBatch": shapes = ([2, 1, 2, 3], [3, 3, 2])
    default: shapes = ([2, 2, 3], [3, 2])
    }
    let a = try Tensor.randn(shapes.0, seed: 1, dtype: .float64), b = try Tensor.randn(shapes.1, seed: 2, dtype: .float64)
    let failure = try gradgradcheck([a, b]) { try $0[0].matmul($0[1]) }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test func lossAndLinearGradgradcheck() throws {
    for (name, inputs, f) in try lossAndLinearCases() {
        let failure = try gradgradcheck(inputs, f)
        #expect(failure == nil, "\(name): \(failure ?? "")")
    }
}

@Test func backwardWithCreateGraphGivesDifferentiableGrads() throws {
    // y = x^3 by products: dy/dx = 3x^2 and d2y/dx2 = 6x at x = 2, and the third derivative 6.
    let x = Tensor(shape: [], scalars: [2.0], dtype: .float64, requiresGrad: true)
    let y = try x * x * x
    try y.backward(createGraph: true)
    let g = try #require(x.grad)
    #expect(g.doubles == [12])
    #expect(g.requiresGrad && g.gradFn != nil)
    let g2 = try grad(of: g, wrt: [x], createGraph: true)[0]
    #expect(g2.doubles == [12])
    let g3 = try grad(of: g2, wrt: [x])[0]
    #expect(g3.doubles == [6])
    // The factor op'(x) of a graph-creating backward has its own node name, not the forward's.
    let w = Tensor(shape: [2], scalars: [0.5, 2], dtype: .float64, requiresGrad: true)
    try w.log1p().sum().backward(createGraph: true)
    let names = try #require(w.grad?.gradFn?.nextFunctions).compactMap { $0?.name }
    #expect(w.grad?.gradFn?.name == "MulBackward0" && names.contains("Log1PBackwardBackward0"), "\(names)")
    // A plain backward leaves a gradient without a graph.
    let z = Tensor(shape: [], scalars: [2.0], dtype: .float64, requiresGrad: true)
    try (z * z).backward()
    #expect(z.grad?.gradFn == nil && z.grad?.requiresGrad == false)
}

@Test func hessianVectorProductOfSoftplusMLP() throws {
    // f(w) = sum(softplus(X w)); H = X^T diag(sigmoid'(X w)) X; Hv by double backward vs directly.
    let xData = try Tensor.randn([5, 3], seed: 21, dtype: .float64)
    let w = try Tensor.randn([3], seed: 22, dtype: .float64).requiringGrad()
    let v = try Tensor.randn([3], seed: 23, dtype: .float64)
    let f = try xData.matmul(w).softplus().sum()
    let g = try grad(of: f, wrt: [w], createGraph: true)[0]
    let hv = try grad(of: try (g * v).sum(), wrt: [w])[0].doubles
    let z = try withNoGrad { try xData.matmul(w) }.doubles
    let xs = xData.doubles
    var expected = [Double](repeating: 0, count: 3)
    for i in 0..<5 {
        let s = 1 / (1 + Foundation.exp(-z[i])), curvature = s * (1 - s)
        let xv = (0..<3).reduce(0.0) { $0 + xs[i * 3 + $1] * v.doubles[$1] }
        for j in 0..<3 { expected[j] += xs[i * 3 + j] * curvature * xv }
    }
    #expect(allClose(hv, expected, atol: 1e-12, rtol: 1e-10), "\(hv) vs \(expected)")
}

@Test func aThirdDerivativeOfARecordedActivationThrows() throws {
    let x = Tensor(shape: [2], scalars: [0.3, -0.4], dtype: .float64, requiresGrad: true)
    let g = try grad(of: x.silu().sum(), wrt: [x], createGraph: true)[0]
    let g2 = try grad(of: g.sum(), wrt: [x], createGraph: true)[0]
    #expect(throws: TensorError.self) { _ = try grad(of: g2.sum(), wrt: [x]) }
    // relu's higher derivatives are all zero: (relu(x) x)'' = 2 relu'(x), a constant.
    let r = try grad(of: try (x.relu() * x).sum(), wrt: [x], createGraph: true)[0]
    let r2 = try grad(of: r.sum(), wrt: [x], createGraph: true)[0]
    #expect(r2.doubles == [2, 0])
}

@Test func sigmoidAndTanhDifferentiateToAnyOrderThroughTheirOutput() throws {
    // Their graphs keep y, not x (as PyTorch's): each order is recorded through y.
    let xs = [0.3, -0.4, 2.5]
    let x = Tensor(shape: [3], scalars: xs, dtype: .float64, requiresGrad: true)
    func derivatives(_ f: (Tensor) -> Tensor) throws -> [[Double]] {
        let g1 = try grad(of: f(x).sum(), wrt: [x], createGraph: true)[0]
        let g2 = try grad(of: g1.sum(), wrt: [x], createGraph: true)[0]
        let g3 = try grad(of: g2.sum(), wrt: [x])[0]
        return [g1.doubles, g2.doubles, g3.doubles]
    }
    let sig = try derivatives { $0.sigmoid() }, tanh = try derivatives { $0.tanh() }
    for (i, v) in xs.enumerated() {
        let s = 1 / (1 + Foundation.exp(-v)), s1 = s * (1 - s), s2 = s1 * (1 - 2 * s)
        let t = Foundation.tanh(v), t1 = 1 - t * t, t2 = -2 * t * t1
        let expected = [[s1, s2, s2 * (1 - 2 * s) - 2 * s1 * s1], [t1, t2, -2 * t1 * t1 - 2 * t * t2]]
        for (k, got) in [sig, tanh].enumerated() {
            for order in 0..<3 {
                #expect(abs(got[order][i] - expected[k][order]) <= 1e-14 * max(1, abs(expected[k][order])),
                        "op \(k) order \(order + 1) at \(v): \(got[order][i]) vs \(expected[k][order])")
            }
        }
    }
}

@Test func sigmoidAndTanhGraphsDoNotKeepTheirInput() throws {
    // PyTorch's sigmoid and tanh save only their result; ours save it and the complement c.
    for op in [UnaryOp.sigmoid, .tanh] {
        let w = Tensor(shape: [3], scalars: [0.5, -1, 3], dtype: .float64, requiresGrad: true)
        weak var input: Storage?
        let y: Tensor = {
            let z = w * 2
            input = z.impl.storage
            return z.applying(op)
        }()
        #expect(input == nil, "\(op.name) kept its input alive")
        try y.sum().backward()
        let expected = w.doubles.map { v in
            op == .sigmoid ? 2 / (2 + 2 * Foundation.cosh(2 * v)) : 2 / (Foundation.cosh(2 * v) * Foundation.cosh(2 * v))
        }
        #expect(allClose(w.grad!.doubles, expected, atol: 0, rtol: 1e-15), "\(op.name)")
        // y is saved: changing it in place before backward is an error, as in PyTorch.
        let y2 = (w * 2).applying(op)
        _ = try withNoGrad { try y2.add_(1) }
        #expect(throws: TensorError.self) { try y2.sum().backward() }
    }
}

@Test func aGradientRecordedThroughYChecksThatYIsUnchanged() throws {
    // As PyTorch: y changed in place after a graph-creating backward makes the next order throw.
    let x = Tensor(shape: [2], scalars: [0.3, -0.4], dtype: .float64, requiresGrad: true)
    let y = x.tanh()
    let g = try grad(of: y.sum(), wrt: [x], createGraph: true)[0]
    _ = try withNoGrad { try y.add_(1) }
    #expect(throws: TensorError.self) { _ = try grad(of: g.sum(), wrt: [x]) }
}
