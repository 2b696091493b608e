import Foundation

/// How `gelu` evaluates Phi(x): exactly (through erf), or with PyTorch's tanh approximation.
public enum GeluApproximation: String, Sendable, Hashable, Codable {
    /// x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's approximate="none").
    case none
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (PyTorch's approximate="tanh").
    case tanh
}

// gelu: the left tail through erfc (1 + erf cancels there), and a Taylor series at the
// derivative's zero (x0 = -0.7518) so the gradient keeps its relative precision (VectorMath+Gelu).

struct GeluOp: UnaryDefinition {
    var name: String { "gelu" }
    var torchNode: String { "GeluBackward0" }
    var torchForward: String { "torch._C._nn.gelu(x, approximate='none', out=y)" }
    var torchBackward: String { "torch.ops.aten.gelu_backward(gy, x, approximate='none')" }
    var flops: Double { 40 }
    var ulpBound32: Double { 4 }  // forward 2.48 (ActivationMathTests), 2.78 on the bench inputs; gradient 1.77 (2.22 random gy)
    var ulpBound64: Double { 1.5 }  // 1.00 forward and backward over the sweep and the bench inputs (VectorMath64+Gelu)
    var domain: UnaryDomain {
        UnaryDomain(bench: -6...6, sweep: -40...1e30, edges: [-0.7518, -14.3, -14.4, -38.5, -39, 5.9, 6], gradcheck: -6...6)
    }

    func reference(_ x: R) -> R { ReferenceMath.gelu(x) }
    // Near gelu''s zero the plain formula cancels even in Float80: the Taylor series there.
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.geluDerivativeNearRoot(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.geluSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.gelu(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.geluBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.gelu(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.geluBackward(x: x, gy: gy) }

    // Grad mode saves c = gelu'(x) in float64 (VectorMath64+GeluComplement): the backward is gy c.
    var saved: UnarySaved { .complement }
    // float32 keeps x and its backward from x: the float32 y and f' as two calls took 1.7-3x
    // the no-grad forward (no shared parts), more than gy c saved.
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.geluWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}

struct GeluTanhOp: UnaryDefinition {
    var name: String { "gelu(approximate=tanh)" }
    var torchNode: String { "GeluBackward0" }
    var torchForward: String { "torch._C._nn.gelu(x, approximate='tanh', out=y)" }
    var torchBackward: String { "torch.ops.aten.gelu_backward(gy, x, approximate='tanh')" }
    var flops: Double { 30 }
    var ulpBound32: Double { 4 }  // float32 lanes (VectorMath+GeluTanh)
    var domain: UnaryDomain {
        UnaryDomain(bench: -6...6, sweep: -40...1e30, edges: [-0.7518, -10, -20, 5.9, 6], gradcheck: -6...6)
    }

    func reference(_ x: R) -> R { ReferenceMath.geluTanh(x) }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.geluTanhDerivativeNearRoot(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.geluTanhSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.geluTanh(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.geluTanhBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.geluTanh(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.geluTanhBackward(x: x, gy: gy) }

    // Both dtypes save c = f'(x) in grad mode: y and f' share w, e^-|w| and the reciprocal
    // (float32: w formed in float64), so the grad-mode forward costs little more than the forward,
    // and the backward is gy c instead of all of it again. Like every saved derivative, c keeps
    // only its absolute precision where it is denormal (float64: x below about -21.3; 0 below
    // -21.6, where PyTorch's gradient is 0 too), so a |gy| > 1 there gets less than the backward
    // from x would give.
    var saved: UnarySaved { .complement }
    var savedFloat32: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) { VectorMath.geluTanhWithComplement(x) }
    @inline(__always) func backward(c: F, gy: F) -> F { gy * c }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.geluTanhWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}
