import VecKernels

// Elementwise unary ops: one kernel call forward, one backward (gx = gy * op'(x), computed by the
// kernel in non-cancelling forms), recorded under PyTorch's node name. Each method is one line:
// what the op is (node name, what backward saves, int64 behaviour) comes from its record in
// VecKernels (UnaryDefinition).

extension Tensor {
    /// |x|, elementwise (torch.abs). int64 stays int64; abs'(0) = abs'(NaN) = 0 (PyTorch's sgn).
    public func abs() -> Tensor { applying(.abs) }
    /// -x (torch.neg). int64 stays int64 (wrapping).
    public func neg() -> Tensor { applying(.neg) }
    /// max(x, 0) keeping -0 and NaN (torch.relu); relu'(0) = 0. int64 stays int64.
    public func relu() -> Tensor { applying(.relu) }
    /// 1/(1+e^-x) (torch.sigmoid). Within 4 ulp (float32) of exact, gradient included, tails too:
    /// in grad mode the forward also saves c = sigmoid(-|x|) beside y (the graph keeps y and c, not
    /// x) and the backward is gy c (1 - c), which does not cancel where PyTorch's y (1 - y) does.
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    /// Hyperbolic tangent (torch.tanh); in grad mode the forward also saves c = 1 - |tanh x| beside
    /// y (the graph keeps y and c, not x) and the gradient is gy c (2 - c), accurate in the tails.
    public func tanh() -> Tensor { applying(.tanh) }
    /// e^x (torch.exp); gradient gy * y.
    public func exp() -> Tensor { applying(.exp) }
    /// e^x - 1 (torch.expm1), accurate near 0: float64 within 0.6 ulp of exact, float32 rounded
    /// once from float64. Gradient gy e^x, from the e^x the grad-mode forward saves (PyTorch's
    /// gy (y + 1) cancels where y is near -1).
    public func expm1() -> Tensor { applying(.expm1) }
    /// Natural logarithm (torch.log): NaN below 0, -inf at 0.
    public func log() -> Tensor { applying(.log) }
    /// log(1 + x) (torch.log1p), accurate near 0: NaN below -1, -inf at -1; gradient gy / (1 + x).
    public func log1p() -> Tensor { applying(.log1p) }
    /// Square root (torch.sqrt): NaN below 0; the gradient at 0 is inf.
    public func sqrt() -> Tensor { applying(.sqrt) }
    /// Sine of radians (torch.sin), accurate for huge arguments.
    public func sin() -> Tensor { applying(.sin) }
    /// Cosine of radians (torch.cos), accurate for huge arguments.
    public func cos() -> Tensor { applying(.cos) }

    /// x^exponent (torch.pow with a scalar exponent), with C's pow edges (NaN for finite x < 0
    /// and a non-integer exponent; pow(-inf, 0.5) = +inf and pow(-0, 0.5) = +0, where PyTorch's
    /// sqrt gives NaN and -0); the gradient gy p x^(p-1) from the same x^(p-1), 0 everywhere for
    /// x^0 (PyTorch).
    /// Exponents 0, 1, 2, 3, 0.5, 1.5 and -1 take direct forms (products, one square root, 1/x;
    /// x^1.5 from the root and its residual, float32 within 0.5 ulp, its gradient too); any other
    /// goes through e^(p ln|x|), within 1 ulp.
    public func pow(_ exponent: Double) -> Tensor { applying(.pow(exponent)) }

    /// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch.nn.functional.softplus,
    /// with PyTorch's defaults).
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        applying(.softplus(beta: beta, threshold: threshold))
    }

    /// GELU, x Phi(x) (torch.nn.functional.gelu): exact through erf by default, or PyTorch's
    /// tanh approximation. float32 within 4 ulp of exact (2.53 measured forward, 0.5 gradient;
    /// the tanh form 0.5 both), tails included.
    public func gelu(approximate: GeluApproximation = .none) -> Tensor { applying(.gelu(approximate: approximate)) }

    /// SiLU (swish), x sigmoid(x) (torch.nn.functional.silu); float32 within 4 ulp of exact (1.85
    /// forward, 2.36 gradient measured), also near the gradient's zero at x = -1.2785.
    public func silu() -> Tensor { applying(.silu) }

    /// log(sigmoid(x)) (torch.nn.functional.logsigmoid), without overflow for any x; float32
    /// within 4 ulp of exact, gradient included (forward 1.10 measured; the gradient autograd
    /// takes, from the derivative saved in grad mode, 1.46).
    public func logSigmoid() -> Tensor { applying(.logSigmoid) }

    /// Mish, x tanh(softplus(x)) (torch.nn.functional.mish); float32 within 1 ulp of exact,
    /// gradient included (also near its zero at x = -1.1924).
    public func mish() -> Tensor { applying(.mish) }

    /// ELU (torch.nn.functional.elu): x for x > 0, else alpha (e^x - 1); float32 within 1 ulp.
    public func elu(alpha: Double = 1) -> Tensor { applying(.elu(alpha: alpha, scale: 1, inputScale: 1)) }

    /// SELU (torch.nn.functional.selu): scale * elu(x, alpha) with PyTorch's constants; its
    /// autograd node is EluBackward0, as in PyTorch.
    public func selu() -> Tensor { applying(.selu) }

    /// x for x > 0, else negativeSlope x (torch.nn.functional.leaky_relu); exact.
    public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor { applying(.leakyRelu(negativeSlope: negativeSlope)) }

    /// min(max(x, min), max) (torch.nn.functional.hardtanh); the gradient passes only strictly
    /// inside (min, max), as PyTorch's.
    public func hardtanh(min: Double = -1, max: Double = 1) -> Tensor { applying(.hardtanh(min: min, max: max)) }

    /// Each element clamped to [min, max] (torch.clamp with scalar bounds; nil is no bound).
    /// NaN stays NaN; min > max gives max for every number. The gradient passes gy strictly
    /// inside (min, max), 0 at the bounds and at NaN (PyTorch 2.15). Throws "torch.clamp: At least one of 'min' or 'max' must not be None"
    /// when both are nil. int64 input computes in float32.
    public func clamp(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        guard min != nil || max != nil else {
            throw TensorError.invalidArgument("torch.clamp: At least one of 'min' or 'max' must not be None")
        }
        return applying(.clamp(min: min ?? -.infinity, max: max ?? .infinity))
    }

    /// `-x`, the same as `x.neg()` (torch.neg): int64 stays int64 (wrapping at Int64.min).
    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    /// Applies any elementwise op (every named method above calls this), recording its backward
    /// under PyTorch's node name. Same shape and dtype out; int64 input stays int64 for abs, neg
    /// and relu (exact) and computes in float32 for the others, as PyTorch promotes integers. A bool
    /// input computes as int64 for abs, neg and relu (PyTorch refuses those; these cannot throw) and
    /// in float32 for the others (`torch.sin(mask)` is float32; `clamp`, int64 in PyTorch, too).
    public func applying(_ op: UnaryOp) -> Tensor {
        if dtype == .bool { return (op.integerOp == nil ? to(.float32) : to(.int64)).applying(op) }
        if dtype == .int64 {
            guard let integerOp = op.integerOp else { return to(.float32).applying(op) }
            let y = Tensor(uninitializedShape: shape, dtype: .int64)
            IntegerKernels.unary(integerOp, pointer(Int64.self), y.pointer(Int64.self), count: count)
            return y
        }
        let x = self
        let y = Tensor(uninitializedShape: shape, dtype: dtype)
        let o = Execution.options
        let needsGrad = Autograd.needsGrad(x)
        // Ops that save a complement in this dtype (UnaryOp.saved(for:): sigmoid, tanh, silu,
        // log_sigmoid, and more per dtype): in grad mode the forward also writes the c that their
        // backward reads (UnarySaved.complement), one more buffer of x's size kept while the graph
        // lives.
        let saved = dtype == .float32 ? op.saved(for: Float.self) : op.saved(for: Double.self)
        let c = needsGrad && saved == .complement ? Tensor(uninitializedShape: shape, dtype: dtype) : nil
        func forward<T: KernelFloat>(_: T.Type) {
            if let c {
                Elementwise.forwardWithComplement(op, x.pointer(T.self), y: y.pointer(T.self), c: c.pointer(T.self), count: count,
                                                  variant: o.variant, threads: o.threads)
            } else {
                Elementwise.forward(op, x.pointer(T.self), y.pointer(T.self), count: count, variant: o.variant, threads: o.threads)
            }
        }
        if let element = dtype.floating { forward(element) }
        if needsGrad, let c, let slope = op.derivativeSlopeInOutput {
            y.recordThroughOutput(op, input: x, complement: c, slope: slope)
        } else if needsGrad {
            // Backward reads y only for ops that say so; the others do not keep it alive.
            let yStorage = op.saved == .inputAndOutput ? y.impl.storage : nil  // fresh output: data at the storage base
            y.record(op.torchNode, x, saving: x, savingOutput: yStorage != nil) { gy in
                let yBase = yStorage?.base ?? x.impl.storage.base  // not read when y is not saved
                if Tensor.recordsBackward { return [try gy * x.unaryDerivative(op, y: UnsafeRawPointer(yBase))] }
                if let c { return [gy.timesDerivative(op, complement: c)] }
                let gx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
                let o = Execution.options
                func backward<T: KernelFloat>(_: T.Type) {
                    Elementwise.backward(op, x: x.pointer(T.self), y: yBase.assumingMemoryBound(to: T.self), gy: gy.pointer(T.self),
                                         gx: gx.pointer(T.self), count: x.count, variant: o.variant, threads: o.threads)
                }
                if let element = x.dtype.floating { backward(element) }
                return [gx]
            }
        }
        return y
    }

    /// Records y = op(x) for the ops whose derivative is a function of y (sigmoid, tanh): the node
    /// keeps y (version-checked, as PyTorch's saved result) and the complement c, and lets x go,
    /// one buffer of x's size less while the graph lives. A first backward is the kernel's
    /// gy f'(x) from c. A graph-creating one returns gy D, D = f'(x) from c (the same accurate
    /// values), with D's derivative a + b y recorded through y, which is unpacked as an output of
    /// this very node (PyTorch's SavedVariable(is_output)): every higher order follows.
    private func recordThroughOutput(_ op: UnaryOp, input x: Tensor, complement c: Tensor, slope: (a: Double, b: Double)) {
        let storage = impl.storage  // a fresh output: its data is at the storage base
        let (shape, dtype, count) = (x.shape, x.dtype, x.count)
        let node = WeakNode()
        record(op.torchNode, x, savingOutput: true) { gy in
            guard Tensor.recordsBackward, let fn = node.value else { return [gy.timesDerivative(op, complement: c)] }
            let y = Tensor(impl: TensorImpl(storage: storage, offset: 0, shape: shape, count: count, dtype: dtype))
            y.impl.requiresGrad = true
            y.impl.gradFn = fn
            let d = try Tensor.ones(shape, dtype: dtype).timesDerivative(op, complement: c)
            d.record("\(op.torchNode.dropLast())Backward0", y, saving: y) { g in [try g * (y * slope.b + slope.a)] }
            return [try gy * d]
        }
        node.value = impl.gradFn
    }

    /// self * op'(x) elementwise, from the complement c that the grad-mode forward saved (the
    /// kernel's backward from c; not recorded). self is a contiguous gradient of c's shape.
    fileprivate func timesDerivative(_ op: UnaryOp, complement c: Tensor) -> Tensor {
        let gx = Tensor(uninitializedShape: c.shape, dtype: c.dtype)
        let o = Execution.options
        func backward<T: KernelFloat>(_: T.Type) {
            Elementwise.backward(op, complement: c.pointer(T.self), gy: pointer(T.self), gx: gx.pointer(T.self),
                                 count: c.count, variant: o.variant, threads: o.threads)
        }
        if let element = c.dtype.floating { backward(element) }
        return gx
    }
}

/// A node held weakly: a closure that refers to its own node (to unpack a saved output) without
/// keeping it alive.
private final class WeakNode {
    weak var value: GradNode?
}
