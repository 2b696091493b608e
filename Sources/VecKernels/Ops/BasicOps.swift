import Foundation

// abs, neg and relu: exact in every dtype (one select or sign flip), memory-bound; int64 input
// stays int64. Their records are grouped here because they share everything but the formula.

private let wide: ClosedRange<Double> = -1e30...1e30

/// sign(x) as PyTorch's sgn: ±1, and 0 at ±0 and at NaN (abs'(NaN) = 0).
@inline(__always)
private func sign(_ x: ReferenceFloat) -> ReferenceFloat { x > 0 ? 1 : x < 0 ? -1 : 0 }

@inline(__always)
private func flipSign(_ x: SIMD8<Double>) -> SIMD8<Double> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt64>.self) ^ (1 << 63), to: SIMD8<Double>.self)
}

struct AbsOp: UnaryDefinition {
    var name: String { "abs" }
    var torchNode: String { "AbsBackward0" }
    var torchForward: String { "torch.abs(x, out=y)" }
    var torchBackward: String { "torch.mul(gy, torch.sgn(x), out=gx)" }
    var flops: Double { 1 }
    var domain: UnaryDomain { UnaryDomain(bench: -5...5, sweep: wide, kinks: [0], gradcheck: -3...3) }
    var integerOp: IntegerUnaryOp? { .abs }
    var ulpBound32: Double { 0 }
    var ulpBound64: Double { 0 }

    func reference(_ x: R) -> R { Swift.abs(x) }
    func gradient(x: R, gy: R) -> R { gy * sign(x) }
    func secondDerivative(_ x: R) -> R { 0 }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.absolute(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        var s = VectorMath.withSign(F(repeating: 1), of: x)
        s = s.replacing(with: 0, where: x .== 0)
        return gy * s.replacing(with: 0, where: x .!= x)
    }
    @inline(__always) func forward(_ x: D) -> D { unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: D.self) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        let s = D(repeating: 0).replacing(with: 1, where: x .> 0).replacing(with: -1, where: x .< 0)
        return gy * s
    }
}

struct NegOp: UnaryDefinition {
    var name: String { "neg" }
    var torchNode: String { "NegBackward0" }
    var torchForward: String { "torch.neg(x, out=y)" }
    var torchBackward: String { "torch.neg(gy, out=gx)" }
    var flops: Double { 1 }
    var domain: UnaryDomain { UnaryDomain(bench: -5...5, sweep: wide, gradcheck: -3...3) }
    var integerOp: IntegerUnaryOp? { .neg }
    var ulpBound32: Double { 0 }
    var ulpBound64: Double { 0 }

    func reference(_ x: R) -> R { -x }
    func gradient(x: R, gy: R) -> R { -gy }
    func secondDerivative(_ x: R) -> R { 0 }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.negate(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.negate(gy) }
    // Sign-bit flips: SIMD's prefix minus is 0 - x, which turns -0 into +0.
    @inline(__always) func forward(_ x: D) -> D { flipSign(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { flipSign(gy) }
}

struct ReluOp: UnaryDefinition {
    var name: String { "relu" }
    var torchNode: String { "ReluBackward0" }
    var torchForward: String { "torch.clamp_min(x, 0, out=y)" }
    var torchBackward: String { "torch.ops.aten.threshold_backward(gy, x, 0)" }
    var flops: Double { 1 }
    var domain: UnaryDomain { UnaryDomain(bench: -5...5, sweep: wide, kinks: [0], gradcheck: -3...3) }
    var integerOp: IntegerUnaryOp? { .relu }
    var ulpBound32: Double { 0 }
    var ulpBound64: Double { 0 }

    /// clamp_min(x, 0): keeps -0 and NaN.
    func reference(_ x: R) -> R { x < 0 ? 0 : x }
    /// threshold_backward: 0 where x <= 0 (relu'(0) = 0), gy elsewhere, NaN included.
    func gradient(x: R, gy: R) -> R { x <= 0 ? 0 : gy }
    func secondDerivative(_ x: R) -> R { 0 }

    @inline(__always) func forward(_ x: F) -> F { x.replacing(with: 0, where: x .< 0) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { gy.replacing(with: 0, where: x .<= 0) }
    @inline(__always) func forward(_ x: D) -> D { x.replacing(with: 0, where: x .< 0) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy.replacing(with: 0, where: x .<= 0) }
}
