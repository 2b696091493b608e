import Foundation

// sigmoid, tanh and softplus: the logistic family. Forward from VectorMath's careful tails.
// sigmoid and tanh save the complement c (UnarySaved.complement) in grad mode and their backward
// reads it, as PyTorch's reads y, but never y(1-y) or 1-y^2, which cancel to 0 in the tails
// (PyTorch's float32 sigmoid gradient is off by millions of ulp there); `backward(x:y:gy:)`, from
// x with Logistic.slope, stays for callers of Elementwise.backward that hold no c. float64
// softplus saves its derivative itself; float32 softplus recomputes from x.

struct SigmoidOp: UnaryDefinition {
    var name: String { "sigmoid" }
    var torchNode: String { "SigmoidBackward0" }
    var torchForward: String { "torch.sigmoid(x, out=y)" }
    var torchBackward: String { "torch.ops.aten.sigmoid_backward(gy, y)" }
    var derivativeSlopeInOutput: (a: Double, b: Double)? { (1, -2) }  // y (1 - y)
    var flops: Double { 20 }
    var complementBackwardFlops: Double { 11 }  // c - c^2 in two parts, times gy with its product error
    // float32 gradient from c: 1.83 ulp measured (vecbench accuracy, gy = 1; 1.83 from x with
    // Logistic.slope before), 2.30 with random gy in [-1, 1] (vecbench run's check; 3.14 before).
    var ulpBound32: Double { 3 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -12...12, sweep: -800...800, edges: [-88, -87.3, -103, 88.7, 17, -17, -745, -708], gradcheck: -20...20)
    }

    func reference(_ x: R) -> R { ReferenceMath.sigmoid(x) }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.sigmoidDerivative(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.sigmoidSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.sigmoid(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        Logistic.slope(gy, exponent: VectorMath.negativeAbsolute(x), log2Scale: 0)
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.sigmoid(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.sigmoidBackward(x: x, gy: gy) }

    var saved: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) { VectorMath.sigmoidWithComplement(x) }
    @inline(__always) func backward(c: F, gy: F) -> F { VectorMath.sigmoidBackward(complement: c, gy: gy) }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.sigmoidWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { VectorMath.sigmoidBackward(complement: c, gy: gy) }
}

struct TanhOp: UnaryDefinition {
    var name: String { "tanh" }
    var torchNode: String { "TanhBackward0" }
    var torchForward: String { "torch.tanh(x, out=y)" }
    var torchBackward: String { "torch.ops.aten.tanh_backward(gy, y)" }
    var derivativeSlopeInOutput: (a: Double, b: Double)? { (0, -2) }  // 1 - y^2
    var flops: Double { 22 }
    var complementBackwardFlops: Double { 12 }  // 2c - c^2 in two parts, times gy with its product error
    // float32 gradient from c: 2.42 ulp measured (vecbench accuracy, gy = 1; 1.23 from x with
    // Logistic.slope before), 3.26 with random gy in [-1, 1] (vecbench run's check; 3.23 before).
    var ulpBound32: Double { 4 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -6...6, sweep: -400...400, edges: [0.625, -0.625, 9, 10, 19, 355], gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { ReferenceMath.tanh(x) }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.tanhDerivative(x) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.tanhSecondDerivative(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.tanh(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        let a = VectorMath.absolute(x)
        return Logistic.slope(gy, exponent: VectorMath.negate(a + a), log2Scale: 2)
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.tanh(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.tanhBackward(x: x, gy: gy) }
    var pairsForward64: Bool { true }
    @inline(__always) func forward(pair x: SIMD16<Double>) -> SIMD16<Double> { VectorMath.tanhFast(x) }

    var saved: UnarySaved { .complement }
    @inline(__always) func forwardWithComplement(_ x: F) -> (y: F, c: F) { VectorMath.tanhWithComplement(x) }
    @inline(__always) func backward(c: F, gy: F) -> F { VectorMath.tanhBackward(complement: c, gy: gy) }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.tanhWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { VectorMath.tanhBackward(complement: c, gy: gy) }
}

/// softplus's reference and gradient for any beta and threshold.
private protocol SoftplusRecord: UnaryDefinition {
    var beta: Double { get }
    var threshold: Double { get }
}

extension SoftplusRecord {
    var name: String { beta == 1 && threshold == 20 ? "softplus" : "softplus(beta=\(beta),threshold=\(threshold))" }
    var torchNode: String { "SoftplusBackward0" }
    var torchForward: String { "torch._C._nn.softplus(x, \(beta), \(threshold), out=y)" }
    var torchBackward: String { "torch.ops.aten.softplus_backward(gy, x, \(beta), \(threshold))" }
    var flops: Double { 30 }
    var ulpBound32: Double { 3 }  // the beta = 1 gradient (Logistic.sigmoidTimes) 2.5
    var domain: UnaryDomain {
        UnaryDomain(bench: -25...25, sweep: -800...800, edges: [20, 19.999, 20.001, -20, 88, -88, -745], gradcheck: -19...19)
    }

    // Inputs are float32 or float64 values, so Double(x) is exact.
    func reference(_ x: R) -> R { ReferenceMath.softplus(Double(x), beta: beta, threshold: threshold) }
    func gradient(x: R, gy: R) -> R { gy * ReferenceMath.softplusDerivative(Double(x), beta: beta, threshold: threshold) }
    func secondDerivative(_ x: R) -> R { ReferenceMath.softplusSecondDerivative(Double(x), beta: beta, threshold: threshold) }

    // float64 saves c = sigmoid(beta x) (1 above the threshold) from the forward's own exponential
    // (VectorMath64+Logistic softplusWithSlope): the backward is gy c. float32 keeps x and its
    // backward from x, already faster than PyTorch's.
    var saved: UnarySaved { .complement }
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) {
        VectorMath.softplusWithComplement(x, beta: beta, threshold: threshold)
    }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}

/// softplus with beta = 1, the common case: no scaling of x.
struct SoftplusUnitOp: SoftplusRecord {
    var beta: Double { 1 }
    let threshold: Double

    @inline(__always) func forward(_ x: F) -> F { VectorMath.softplusUnit(x, threshold: Float(threshold)) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        Logistic.sigmoidTimes(gy, x).replacing(with: gy, where: x .> Float(threshold))
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.softplus(x, beta: 1, threshold: threshold) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        VectorMath.softplusBackward(x: x, gy: gy, beta: 1, threshold: threshold)
    }
}

struct SoftplusOp: SoftplusRecord {
    let beta: Double
    let threshold: Double

    @inline(__always) func forward(_ x: F) -> F {
        VectorMath.softplusScaled(x, beta: Float(beta), threshold: Float(threshold))
    }
    /// gy * sigmoid(beta x), and gy where beta x > threshold (the forward's test).
    @inline(__always) func backward(x: F, y: F, gy: F) -> F {
        let bx = Float(beta) * x
        return Logistic.value(gy, bx).replacing(with: gy, where: bx .> Float(threshold))
    }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.softplus(x, beta: beta, threshold: threshold) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D {
        VectorMath.softplusBackward(x: x, gy: gy, beta: beta, threshold: threshold)
    }
}
