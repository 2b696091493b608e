import Foundation

// exp, log and sqrt: one VectorMath call forward; backward as PyTorch's autograd writes it
// (gy * y, gy / x, gy / 2y), which is exact to one rounding.

struct ExpOp: UnaryDefinition {
    var name: String { "exp" }
    var torchNode: String { "ExpBackward0" }
    var torchForward: String { "torch.exp(x, out=y)" }
    var torchBackward: String { "torch.mul(gy, y, out=gx)" }
    var saved: UnarySaved { .inputAndOutput }
    var flops: Double { 15 }
    var ulpBound32: Double { 3 }  // gy * y inherits y's rounding, as in PyTorch
    var domain: UnaryDomain {
        UnaryDomain(bench: -20...20, sweep: -800...800, edges: [88.72, 88.73, -87.3, -103.9, -104, 709.78, 709.79, -745.1],
                    gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { Foundation.exp(x) }
    func gradient(x: R, gy: R) -> R { gy * Foundation.exp(x) }
    func secondDerivative(_ x: R) -> R { Foundation.exp(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.exp(x) }
    /// gy * y (PyTorch). Where y overflowed but gy * e^x need not (|gy| < 1), that lane is
    /// recomputed with float64 libm: rare, so behind a branch.
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        var gx = gy * y
        let overflowed = y .== .infinity
        if !VectorMath.anyTrue(overflowed) { return gx }
        for i in 0..<16 where overflowed[i] {
            gx[i] = Float(Double(gy[i]) * Foundation.exp(Double(x[i])))
        }
        return gx
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.exp(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.expBackward(x: x, y: y, gy: gy) }
}

struct LogOp: UnaryDefinition {
    var name: String { "log" }
    var torchNode: String { "LogBackward0" }
    var torchForward: String { "torch.log(x, out=y)" }
    var torchBackward: String { "torch.div(gy, x, out=gx)" }
    var flops: Double { 20 }
    var ulpBound32: Double { 2 }
    var domain: UnaryDomain {
        UnaryDomain(bench: 0.01...100, sweep: 1e-300...1e300,
                    edges: [-1, 1e-40, 0.5, 2, Double.leastNonzeroMagnitude, Double.leastNormalMagnitude / 8], gradcheck: 0.05...50)
    }

    func reference(_ x: R) -> R { Foundation.log(x) }
    func gradient(x: R, gy: R) -> R { gy / x }
    func secondDerivative(_ x: R) -> R { -1 / (x * x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.log(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { gy / x }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.log(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy / x }
}

struct SqrtOp: UnaryDefinition {
    var name: String { "sqrt" }
    var torchNode: String { "SqrtBackward0" }
    var torchForward: String { "torch.sqrt(x, out=y)" }
    var torchBackward: String { "torch.div(gy, 2 * y, out=gx)" }
    var saved: UnarySaved { .inputAndOutput }
    var flops: Double { 2 }
    var ulpBound32: Double { 2 }
    var domain: UnaryDomain {
        UnaryDomain(bench: 0.01...100, sweep: 0...1e300, edges: [-1, 1e-40, Double.leastNonzeroMagnitude], gradcheck: 0.05...50)
    }

    func reference(_ x: R) -> R { x.squareRoot() }
    func gradient(x: R, gy: R) -> R { gy / (2 * x.squareRoot()) }
    func secondDerivative(_ x: R) -> R { -1 / (4 * x * x.squareRoot()) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.sqrt(x) }
    /// PyTorch: gy / (2 y); sqrt'(0) = inf.
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { gy / (y + y) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.sqrt(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy / (y + y) }
}
