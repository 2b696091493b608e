import Foundation

/// pow's record for every exponent; the structs below differ only in their float32 kernels.
protocol PowRecord: UnaryDefinition {
    var p: Double { get }
}

extension PowRecord {
    var name: String { "pow(\(p))" }
    var torchNode: String { "PowBackward0" }
    var torchForward: String { "torch.pow(x, \(p), out=y)" }
    var torchBackward: String { p == 0 ? "torch.zeros_like(x)" : "torch.mul(gy, \(p) * torch.pow(x, \(p - 1)), out=gx)" }
    var flops: Double { [0, 1, 2, 3, 0.5, 1.5, -1].contains(p) ? 2 : 40 }
    var ulpBound32: Double { p == 0 || p == 1 ? 0 : 1 }
    var domain: UnaryDomain {
        // Non-integer exponents of negative numbers are NaN: sweep those from 0 only.
        let integral = p.rounded() == p
        return UnaryDomain(bench: integral ? -10...10 : 0.01...10, sweep: integral ? -1e30...1e30 : 0...1e30,
                           edges: [0, -0.0, 1e-40], gradcheck: integral ? -3...3 : 0.1...3)
    }

    func reference(_ x: R) -> R { p == 0 ? 1 : Foundation.pow(x, R(p)) }
    /// The gradient of x^0 is 0 everywhere (PyTorch's zeros_like).
    func gradient(x: R, gy: R) -> R { p == 0 ? 0 : gy * (R(p) * Foundation.pow(x, R(p) - 1)) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.powSecondDerivative(x, R(p)) }
}

// pow: the common exponents get exact or once-rounded forms; any other exponent goes through the
// float64 vector pow (VectorMath64+Pow, within 1 ulp), float32 through e^(p log|x|) in float64
// lanes, rounded once (it called libm per lane before).

/// x^0 = 1 for every x, NaN included; the gradient is 0 everywhere (PyTorch's zeros_like).
struct PowZeroOp: PowRecord {
    var p: Double { 0 }
    @inline(__always) func forward(_ x: F) -> F { F(repeating: 1) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { F(repeating: 0) }
    @inline(__always) func forward(_ x: D) -> D { D(repeating: 1) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { D(repeating: 0) }
}

struct PowOneOp: PowRecord {
    var p: Double { 1 }
    @inline(__always) func forward(_ x: F) -> F { x }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { gy }
    @inline(__always) func forward(_ x: D) -> D { x }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy }
}

struct PowTwoOp: PowRecord {
    var p: Double { 2 }
    @inline(__always) func forward(_ x: F) -> F { x * x }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.inDouble(x, gy) { x, g in g * (2 * x) } }  // 2x may overflow
    @inline(__always) func forward(_ x: D) -> D { x * x }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy * (x + x) }
}

struct PowThreeOp: PowRecord {
    var p: Double { 3 }
    @inline(__always) func forward(_ x: F) -> F { VectorMath.inDouble(x, x) { x, _ in x * x * x } }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.inDouble(x, gy) { x, g in g * (3 * (x * x)) } }
    @inline(__always) func forward(_ x: D) -> D { x * x * x }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy * (3 * (x * x)) }
}

/// sqrt with pow's edges: pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf.
@inline(__always)
private func powHalf(_ x: SIMD16<Float>) -> SIMD16<Float> {
    VectorMath.sqrt(x + 0).replacing(with: .infinity, where: x .== -.infinity)
}

struct PowHalfOp: PowRecord {
    var p: Double { 0.5 }
    @inline(__always) func forward(_ x: F) -> F { powHalf(x) }
    /// gy * 0.5 x^-0.5 (inf at 0, as for sqrt).
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.inDouble(x, gy) { x, g in g * (0.5 / VectorMath.powHalf(x)) } }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.powHalf(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy * (0.5 / VectorMath.powHalf(x)) }
}

/// x^1.5 from one square root and its residual (VectorMath+PowThreeHalves) instead of pow's
/// e^(1.5 ln x); the float64 backward is the root times gy 1.5 rounded once, two vectors at a
/// time (one root from vsqrtpd, one from FMAs: the pair loop ran 605 -> 453 us per 2^20).
struct PowThreeHalvesOp: PowRecord {
    var p: Double { 1.5 }
    @inline(__always) func forward(_ x: F) -> F { VectorMath.powThreeHalves(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.powThreeHalvesBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.powThreeHalves(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.powThreeHalvesBackward(x: x, gy: gy) }
    var pairsBackward64: Bool { true }
    @inline(__always) func backward(x0: D, gy0: D, x1: D, gy1: D) -> (D, D) {
        VectorMath.powThreeHalvesBackward(x0: x0, gy0: gy0, x1: x1, gy1: gy1)
    }
}

struct PowMinusOneOp: PowRecord {
    var p: Double { -1 }
    @inline(__always) func forward(_ x: F) -> F { 1 / x }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.inDouble(x, gy) { x, g in g * (-1 / (x * x)) } }
    @inline(__always) func forward(_ x: D) -> D { 1 / x }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy * (-1 / (x * x)) }
}

struct PowGeneralOp: PowRecord {
    let p: Double
    @inline(__always) func forward(_ x: F) -> F { VectorMath.inDouble(x, x) { x, _ in VectorMath.powForFloat32(x, p) } }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        VectorMath.inDouble(x, gy) { x, g in VectorMath.powBackwardForFloat32(x: x, gy: g, p: p) }
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.pow(x, p) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.powBackward(x: x, gy: gy, p: p) }
}
