import VecKernels

// Elementwise unary ops: one kernel call forward, one backward (gx = gy * op'(x), computed by the
// kernel in non-cancelling forms), recorded under PyTorch's node name.

extension Tensor {
    public func abs() -> Tensor { unary(.abs, "AbsBackward0") }
    public func neg() -> Tensor { unary(.neg, "NegBackward0") }
    public func relu() -> Tensor { unary(.relu, "ReluBackward0") }
    public func sigmoid() -> Tensor { unary(.sigmoid, "SigmoidBackward0") }
    public func tanh() -> Tensor { unary(.tanh, "TanhBackward0") }
    public func exp() -> Tensor { unary(.exp, "ExpBackward0") }
    public func log() -> Tensor { unary(.log, "LogBackward0") }
    public func sqrt() -> Tensor { unary(.sqrt, "SqrtBackward0") }
    public func sin() -> Tensor { unary(.sin, "SinBackward0") }
    public func cos() -> Tensor { unary(.cos, "CosBackward0") }

    /// x^exponent; the gradient of x^0 is 0 (PyTorch).
    public func pow(_ exponent: Double) -> Tensor { unary(.pow(exponent), "PowBackward0") }

    /// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's defaults).
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        unary(.softplus(beta: beta, threshold: threshold), "SoftplusBackward0")
    }

    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    /// Runs `op` forward and records its backward. int64 input: abs, neg and relu stay int64
    /// (exact, IntegerKernels); the others compute in float32, as PyTorch promotes integers for them.
    func unary(_ op: UnaryOp, _ name: String) -> Tensor {
        if dtype == .int64 {
            let integerOp: IntegerUnaryOp
            switch op {
            case .abs: integerOp = .abs
            case .neg: integerOp = .neg
            case .relu: integerOp = .relu
            default: return to(.float32).unary(op, name)
            }
            let y = Tensor(uninitializedShape: shape, dtype: .int64)
            IntegerKernels.unary(integerOp, pointer(Int64.self), y.pointer(Int64.self), count: count)
            return y
        }
        let x = self
        let y = Tensor(uninitializedShape: shape, dtype: dtype)
        let o = Execution.options
        if dtype == .float32 {
            Elementwise.forward(op, x.pointer(Float.self), y.pointer(Float.self), count: count,
                                variant: o.variant, threads: o.threads)
        } else {
            Elementwise.forward(op, x.pointer(Double.self), y.pointer(Double.self), count: count,
                                variant: o.variant, threads: o.threads)
        }
        if Autograd.needsGrad(x) {
            let yStorage = y.impl.storage   // fresh output: its data starts at the storage base
            y.record(name, x, saving: x, savingOutput: true) { gy in
                let gx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
                let o = Execution.options
                if x.dtype == .float32 {
                    Elementwise.backward(op, x: x.pointer(Float.self), y: yStorage.base.assumingMemoryBound(to: Float.self),
                                         gy: gy.pointer(Float.self), gx: gx.pointer(Float.self), count: x.count,
                                         variant: o.variant, threads: o.threads)
                } else {
                    Elementwise.backward(op, x: x.pointer(Double.self), y: yStorage.base.assumingMemoryBound(to: Double.self),
                                         gy: gy.pointer(Double.self), gx: gx.pointer(Double.self), count: x.count,
                                         variant: o.variant, threads: o.threads)
                }
                return [gx]
            }
        }
        return y
    }
}
