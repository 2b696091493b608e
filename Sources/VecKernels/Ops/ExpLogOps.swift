import Foundation

// exp, expm1, log, log1p and sqrt: one VectorMath call forward; backward as PyTorch's autograd
// writes it (gy * y, gy / x, gy / (1 + x), gy / 2y), except expm1's: gy e^x from a saved e^x
// where PyTorch's gy (y + 1) cancels.

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
        if _fastPath(!VectorMath.anyTrue(overflowed)) { return gx }
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

/// e^x - 1 (torch.expm1), accurate near 0 where exp(x) - 1 cancels. The gradient is gy e^x: in
/// grad mode the forward saves c = e^x from its own reduction (VectorMath+Expm1Complement) and the
/// backward is gy c, where PyTorch's gy (y + 1) loses every digit of e^x where y is near -1 (x
/// below about -37 in float64, -17 in float32); from x (ExpOp's backward on a recomputed e^x)
/// for callers that hold no c.
struct Expm1Op: UnaryDefinition {
    var name: String { "expm1" }
    var torchNode: String { "Expm1Backward0" }
    var torchForward: String { "torch.expm1(x, out=y)" }
    var torchBackward: String { "torch.mul(gy, y + 1, out=gx)" }
    var flops: Double { 15 }
    var ulpBound32: Double { 3 }  // the gradient: gy times a rounded e^x, as exp's
    var domain: UnaryDomain {
        UnaryDomain(bench: -5...5, sweep: -800...800,
                    // the float32 (-30) and float64 (-40) clamps, where y + 1 rounds to 0 (-17.3, -37.4), overflow
                    edges: [1e-40, -1e-40, 0.35, -0.35, 0.347, -17.3, -30, -37.4, -40, 88.72, 88.73, 709.78, 709.79],
                    gradcheck: -5...5)
    }

    func reference(_ x: R) -> R { Foundation.expm1(x) }
    func gradient(x: R, gy: R) -> R { gy * Foundation.exp(x) }
    func secondDerivative(_ x: R) -> R { Foundation.exp(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.expm1(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { ExpOp().backward(x: x, y: VectorMath.exp(x), gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.expm1(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        VectorMath.expBackward(x: x, y: VectorMath.exp(x), gy: gy)
    }

    var saved: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) { VectorMath.expm1WithExp(x) }
    @inline(__always) func backward(c: F, gy: F) -> F { VectorMath.expm1Backward(complement: c, gy: gy) }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.expm1WithExp(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { VectorMath.expm1Backward(complement: c, gy: gy) }
}

/// log(1 + x) (torch.log1p), accurate near 0 where log(1 + x) rounds 1 + x first. NaN below -1,
/// -inf at -1; the gradient gy / (1 + x) is PyTorch's formula (float32: 1 + x carried exactly,
/// within 0.6 ulp, VectorMath.divideByOnePlus).
struct Log1pOp: UnaryDefinition {
    var name: String { "log1p" }
    var torchNode: String { "Log1PBackward0" }
    var torchForward: String { "torch.log1p(x, out=y)" }
    var torchBackward: String { "torch.div(gy, x + 1, out=gx)" }
    var flops: Double { 20 }
    var ulpBound32: Double { 2 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -0.9...10, sweep: -1...1e300,
                    edges: [-2, -1, -0.9999999, -0.5, 1e-40, -1e-40, 0.4142, -0.2929, Double.leastNonzeroMagnitude],
                    gradcheck: -0.5...10)
    }

    func reference(_ x: R) -> R { Foundation.log1p(x) }
    func gradient(x: R, gy: R) -> R { gy / (1 + x) }
    func secondDerivative(_ x: R) -> R { -1 / ((1 + x) * (1 + x)) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.log1p(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.divideByOnePlus(gy, x) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.log1p(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy / (x + 1) }
}
