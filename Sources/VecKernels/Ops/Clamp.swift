import Foundation

// leaky_relu, hardtanh and clamp: selects and one multiply, exact in every dtype. hardtanh and
// clamp compute the same values and both pass the gradient only strictly inside (min, max) (as
// PyTorch 2.15 measured here: clamp's gradient is 0 at x == min too), but differ at NaN: clamp's
// gradient is 0 there, hardtanh's is gy.

struct LeakyReluOp: UnaryDefinition {
    let negativeSlope: Double
    var name: String { negativeSlope == 0.01 ? "leaky_relu" : "leaky_relu(negative_slope=\(negativeSlope))" }
    var torchNode: String { "LeakyReluBackward0" }
    var torchForward: String { "torch._C._nn.leaky_relu(x, \(negativeSlope), out=y)" }
    var torchBackward: String { "torch.ops.aten.leaky_relu_backward(gy, x, \(negativeSlope), False)" }
    var flops: Double { 2 }
    // The float32 kernel multiplies by the slope rounded to float32, as PyTorch does: within 1 of
    // the correctly rounded x * slope.
    var ulpBound32: Double { 1 }
    var ulpBound64: Double { 1 }  // x * slope rounds once; the reference's product is exact
    var domain: UnaryDomain { UnaryDomain(bench: -5...5, sweep: -1e30...1e30, kinks: [0], gradcheck: -3...3) }

    func reference(_ x: R) -> R { x > 0 ? x : x * R(negativeSlope) }
    func gradient(x: R, gy: R) -> R { x > 0 ? gy : gy * R(negativeSlope) }
    func secondDerivative(_ x: R) -> R { 0 }

    @inline(__always) func forward(_ x: F) -> F { (x * Float(negativeSlope)).replacing(with: x, where: x .> 0) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { (gy * Float(negativeSlope)).replacing(with: gy, where: x .> 0) }
    @inline(__always) func forward(_ x: D) -> D { (x * negativeSlope).replacing(with: x, where: x .> 0) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { (gy * negativeSlope).replacing(with: gy, where: x .> 0) }
}

/// min(max(x, low), high) keeping NaN (every comparison with NaN is false), and `high` for every
/// number when low > high, as torch.clamp. One overload per vector type: the generic SIMD form
/// ran 70x slower (its lane operations were not specialised).
@inline(__always)
private func clamped(_ x: SIMD16<Float>, _ low: Float, _ high: Float) -> SIMD16<Float> {
    if low > high { return x.replacing(with: high, where: x .== x) }
    return x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
}

@inline(__always)
private func clamped(_ x: SIMD8<Double>, _ low: Double, _ high: Double) -> SIMD8<Double> {
    if low > high { return x.replacing(with: high, where: x .== x) }
    return x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
}

private protocol ClampRecord: UnaryDefinition {
    var low: Double { get }
    var high: Double { get }
}

extension ClampRecord {
    var flops: Double { 2 }
    var ulpBound32: Double { 0 }
    var ulpBound64: Double { 0 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -3...3, sweep: -1e30...1e30, edges: [low, high], kinks: [low, high], gradcheck: -3...3)
    }

    func reference(_ x: R) -> R { low > high ? (x.isNaN ? x : R(high)) : x < R(low) ? R(low) : x > R(high) ? R(high) : x }
}

struct HardtanhOp: ClampRecord {
    let low: Double
    let high: Double
    var name: String { low == -1 && high == 1 ? "hardtanh" : "hardtanh(min_val=\(low),max_val=\(high))" }
    var torchNode: String { "HardtanhBackward0" }
    var torchForward: String { "torch._C._nn.hardtanh(x, \(low), \(high), out=y)" }
    var torchBackward: String { "torch.ops.aten.hardtanh_backward(gy, x, \(low), \(high))" }

    /// 0 where x <= min or x >= max, gy elsewhere (NaN included).
    func gradient(x: R, gy: R) -> R { x <= R(low) || x >= R(high) ? 0 : gy }
    func secondDerivative(_ x: R) -> R { 0 }

    // Kernels in the struct itself, not the protocol extension, so each is specialised for it.
    @inline(__always) func forward(_ x: F) -> F { clamped(x, Float(low), Float(high)) }
    @inline(__always) func forward(_ x: D) -> D { clamped(x, low, high) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        gy.replacing(with: 0, where: (x .<= Float(low)) .| (x .>= Float(high)))
    }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { gy.replacing(with: 0, where: (x .<= low) .| (x .>= high)) }
}

struct ClampOp: ClampRecord {
    let low: Double
    let high: Double
    var name: String { "clamp(min=\(low),max=\(high))" }
    var torchNode: String { "ClampBackward1" }
    var torchForward: String { "torch.clamp(x, \(low), \(high), out=y)" }
    var torchBackward: String { "torch.where((x > \(low)) & (x < \(high)), gy, 0)" }

    /// gy where min < x < max, 0 elsewhere (NaN included).
    func gradient(x: R, gy: R) -> R { x > R(low) && x < R(high) ? gy : 0 }
    func secondDerivative(_ x: R) -> R { 0 }

    // Kernels in the struct itself, not the protocol extension, so each is specialised for it.
    @inline(__always) func forward(_ x: F) -> F { clamped(x, Float(low), Float(high)) }
    @inline(__always) func forward(_ x: D) -> D { clamped(x, low, high) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        F(repeating: 0).replacing(with: gy, where: (x .> Float(low)) .& (x .< Float(high)))
    }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        D(repeating: 0).replacing(with: gy, where: (x .> low) .& (x .< high))
    }
}
