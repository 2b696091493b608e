import Foundation

// silu (x sigmoid(x)) and logSigmoid (log sigmoid(x) = -softplus(-x)): the logistic function's
// two common compositions. silu's gradient uses a Taylor series at its zero (x0 = -1.2785) so it
// keeps relative precision there (VectorMath+Silu).

struct SiluOp: UnaryDefinition {
    var name: String { "silu" }
    var torchNode: String { "SiluBackward0" }
    var torchForward: String { "torch._C._nn.silu(x, out=y)" }
    var torchBackward: String { "torch.ops.aten.silu_backward(gy, x)" }
    var flops: Double { 22 }
    var ulpBound32: Double { 4 }  // forward 1.98, float32 gradient 3.04 ulp measured (VectorMath+Silu)
    var domain: UnaryDomain {
        UnaryDomain(bench: -8...8, sweep: -800...1e30, edges: [-1.2785, -87.3, -103, -108, -745, 17, -17], gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { ReferenceMath.silu(x) }
    // Near silu''s zero the plain formula cancels even in Float80 (its error is then up to 7
    // float64 ulp at x = -1.2785): the Taylor series there keeps the reference exact.
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.siluDerivativeNearRoot(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.siluSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.silu(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.siluBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.silu(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.siluBackward(x: x, gy: gy) }

    // Both dtypes save c = silu'(x) in grad mode (VectorMath+LogisticComplement,
    // VectorMath64+LogisticComplement): the backward is gy c instead of a second exponential,
    // reciprocal and root series, for one more output stream in the forward.
    var saved: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) { VectorMath.siluWithComplement(x) }
    @inline(__always) func backward(c: F, gy: F) -> F { VectorMath.siluBackward(complement: c, gy: gy) }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.siluWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { VectorMath.siluBackward(complement: c, gy: gy) }
}

struct LogSigmoidOp: UnaryDefinition {
    var name: String { "log_sigmoid" }
    var torchNode: String { "LogSigmoidBackward0" }
    var torchForward: String { "torch._C._nn.log_sigmoid(x, out=y)" }
    var torchSetup: String { "buf = torch.ops.aten.log_sigmoid_forward(x)[1]" }
    var torchBackward: String { "torch.ops.aten.log_sigmoid_backward(gy, x, buf)" }
    var flops: Double { 30 }
    // float32 gradient from c 1.46 ulp; the backward from x (no grad-mode forward, e.g. the harness's
    // simd variant) 2.88 over the test sweep and 3.13 on the bench inputs: the bound of 4.
    var ulpBound32: Double { 4 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -20...20, sweep: -1e30...800, edges: [-20, 20, 88, -88, 104, 745], gradcheck: -19...19)
    }

    // + 0 turns the -0 of the limit at +inf into PyTorch's +0 (min(x, 0) - log1p(e^-|x|)).
    func reference(_ x: R) -> R { ReferenceMath.logSigmoid(x) + 0 }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.logSigmoidDerivative(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.logSigmoidSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.logSigmoid(x) + 0 }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.logSigmoidBackward(x: x, gy: gy) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.logSigmoid(x) + 0 }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.logSigmoidBackward(x: x, gy: gy) }

    // Grad mode saves c = sigmoid(-x), the derivative, from the forward's own exponential in both
    // dtypes (VectorMath+LogSigmoidComplement, VectorMath64+SavedSlope): the backward is gy c.
    var saved: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) {
        let (y, c) = VectorMath.logSigmoidWithComplement(x)
        return (y + 0, c)
    }
    @inline(__always) func backward(c: F, gy: F) -> F { gy * c }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) {
        let (y, c) = VectorMath.logSigmoidWithComplement(x)
        return (y + 0, c)
    }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}
