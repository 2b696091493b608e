import Foundation

// elu with PyTorch's alpha, scale and input_scale: selu is elu with fixed constants, so both
// share this record (and PyTorch's node, EluBackward0). e^(input_scale x) - 1 through expm1, so
// the small negative inputs keep their relative precision (VectorMath+Elu).

struct EluOp: UnaryDefinition {
    let alpha: Double
    let scale: Double
    let inputScale: Double

    /// SELU's constants (torch.nn.functional.selu).
    static let seluAlpha = 1.6732632423543772848170429916717
    static let seluScale = 1.0507009873554804934193349852946

    var name: String {
        if alpha == Self.seluAlpha && scale == Self.seluScale && inputScale == 1 { return "selu" }
        return scale == 1 && inputScale == 1 ? (alpha == 1 ? "elu" : "elu(alpha=\(alpha))")
            : "elu(alpha=\(alpha),scale=\(scale),input_scale=\(inputScale))"
    }
    var torchNode: String { "EluBackward0" }
    var torchForward: String { "torch._C._nn.elu(x, \(alpha), \(scale), \(inputScale), out=y)" }
    var torchBackward: String { "torch.ops.aten.elu_backward(gy, \(alpha), \(scale), \(inputScale), False, x)" }
    var flops: Double { 16 }
    // The float32 kernel takes alpha, scale and input_scale rounded to float32, as PyTorch does;
    // the bound holds for parameters that float32 represents (1, SELU's constants in its tests).
    var ulpBound32: Double { 3 }  // float32 gradient 1.99 ulp measured (VectorMath+Elu)
    var domain: UnaryDomain {
        UnaryDomain(bench: -8...8, sweep: -1e30...1e30, edges: [-1e-30, -1e-8, -17, -88, -104, -745], gradcheck: -5...5)
    }

    func reference(_ x: R) -> R { ReferenceMath.elu(x, alpha: R(alpha), scale: R(scale), inputScale: R(inputScale)) }
    func gradient(x: R, gy: R) -> R {
        gy * ReferenceMath.eluDerivative(x, alpha: R(alpha), scale: R(scale), inputScale: R(inputScale))
    }
    func secondDerivative(_ x: R) -> R {
        ReferenceMath.eluSecondDerivative(x, alpha: R(alpha), scale: R(scale), inputScale: R(inputScale))
    }

    @inline(__always) func forward(_ x: F) -> F {
        VectorMath.elu(x, alpha: Float(alpha), scale: Float(scale), inputScale: Float(inputScale))
    }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        VectorMath.eluBackward(x: x, gy: gy, alpha: Float(alpha), scale: Float(scale), inputScale: Float(inputScale))
    }
    @inline(__always) func forward(_ x: D) -> D {
        VectorMath.elu(x, alpha: alpha, scale: scale, inputScale: inputScale)
    }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        VectorMath.eluBackward(x: x, gy: gy, alpha: alpha, scale: scale, inputScale: inputScale)
    }

    // float64 saves c = elu'(x) from the forward's own exponential (VectorMath64+SavedSlope): the
    // backward is gy c. float32 keeps x and its backward from x, already faster than PyTorch's.
    var saved: UnarySaved { .complement }
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) {
        VectorMath.eluWithComplement(x, alpha: alpha, scale: scale, inputScale: inputScale)
    }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}
