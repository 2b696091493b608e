import Foundation

// mish, x tanh(softplus(x)): tanh(softplus) from e^-|x| (no overflow, no cancellation), and a
// Taylor series at the gradient's zero (x0 = -1.1924) so it keeps relative precision there
// (VectorMath+Mish).

struct MishOp: UnaryDefinition {
    var name: String { "mish" }
    var torchNode: String { "MishBackward0" }
    var torchForward: String { "torch._C._nn.mish(x, out=y)" }
    var torchBackward: String { "torch.ops.aten.mish_backward(gy, x)" }
    var flops: Double { 40 }
    var ulpBound32: Double { 1 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -8...8, sweep: -800...1e30, edges: [-1.1924, -87.3, -103, -108, -745, 9, 20], gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { ReferenceMath.mish(x) }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.mishDerivativeNearRoot(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.mishSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.mish(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.mishBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.mish(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.mishBackward(x: x, gy: gy) }

    // Grad mode saves c = mish'(x) in float64 (VectorMath64+GeluComplement): the backward is gy c.
    var saved: UnarySaved { .complement }
    // float32 keeps x and its backward from x: the float32 y and f' as two calls took 1.7-3x
    // the no-grad forward (no shared parts), more than gy c saved.
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.mishWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}
