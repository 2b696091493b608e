import VecKernels

// torch.optim.SGD, single-tensor algorithm (foreach=False), one fused pass over each parameter.

/// Stochastic gradient descent with momentum (PyTorch's `torch.optim.SGD`), in PyTorch's order,
/// per parameter p with gradient g:
///
///     g = maximize ? -g : g
///     g = g + weightDecay * p                      (weightDecay != 0)
///     buf = first step ? g : momentum * buf + (1 - dampening) * g      (momentum != 0)
///     g = nesterov ? g + momentum * buf : buf      (momentum != 0)
///     p = p - lr * g
///
/// Each step is one pass over the parameter's storage, in its dtype (the settings are rounded to
/// float32 for float32 parameters, as PyTorch's kernels take them); no tensor is allocated after
/// the first step (which allocates the momentum buffers).
public final class SGD: Optimizer {
    /// The tensors `step()` updates.
    public let parameters: [Tensor]
    /// Learning rate.
    public var lr: Double
    /// Momentum factor (0: plain SGD, no buffers).
    public var momentum: Double
    /// Dampening of the gradient's share of the momentum buffer (PyTorch's `dampening`).
    public var dampening: Double
    /// L2 penalty added to each gradient as `weightDecay * p` (0: none).
    public var weightDecay: Double
    /// Nesterov momentum (needs momentum > 0 and dampening 0).
    public var nesterov: Bool
    /// Ascends the objective instead (PyTorch's `maximize`).
    public var maximize: Bool
    /// The momentum buffers (PyTorch's `state[p]["momentum_buffer"]`), nil before a parameter's first step.
    private var buffers: [Tensor?]

    /// `torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov, maximize=)`, with
    /// PyTorch's checks: throws `invalidArgument` with "Invalid learning rate: -1.0" (lr < 0),
    /// "Invalid momentum value: -0.5", "Invalid weight_decay value: -0.01", and "Nesterov momentum
    /// requires a momentum and zero dampening"; "can't optimize a non-leaf Tensor" for a computed tensor.
    public init(parameters: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) throws {
        try SGD.check(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
        try checkLeaves(parameters)
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.maximize = maximize
        buffers = Array(repeating: nil, count: parameters.count)
    }

    static func check(lr: Double, momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool) throws {
        // PyTorch tests `lr < 0.0` here (a NaN passes), where Adam tests `not 0.0 <= lr`.
        try checkSetting(!(lr < 0), "learning rate", lr)
        try checkSetting(!(momentum < 0), "momentum value", momentum)
        try checkSetting(!(weightDecay < 0), "weight_decay value", weightDecay)
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TensorError.invalidArgument("Nesterov momentum requires a momentum and zero dampening")
        }
    }

    /// Updates every parameter that has a gradient, in place (see the type's comment). Cannot fail.
    public func step() {
        forEachGradient(parameters) { i, p, g in
            let first = momentum != 0 && buffers[i] == nil
            if momentum != 0 && first { buffers[i] = stateBuffer(like: p) }
            let b = momentum != 0 ? buffers[i] : nil
            switch p.dtype {
            case .float32: update(SGDKernel<Float>(self, p, g, b, first: first), count: p.count)
            case .float64: update(SGDKernel<Double>(self, p, g, b, first: first), count: p.count)
            case .int64, .bool: break
            }
        }
    }

    private func update<T: KernelFloat>(_ k: SGDKernel<T>, count: Int) {
        // One loop per case, so that each is a plain vectorisable loop.
        switch (k.b != nil, k.decay) {
        case (false, false): updateInChunks(count: count) { k.run($0, momentum: false, decay: false) }
        case (false, true): updateInChunks(count: count) { k.run($0, momentum: false, decay: true) }
        case (true, false): updateInChunks(count: count) { k.run($0, momentum: true, decay: false) }
        case (true, true): updateInChunks(count: count) { k.run($0, momentum: true, decay: true) }
        }
    }

    /// The settings and momentum buffers (PyTorch's `state_dict()`: `momentum_buffer` per parameter).
    public func stateDict() -> OptimizerState {
        let settings = OptimizerState.Settings(lr: lr, weightDecay: weightDecay, maximize: maximize, momentum: momentum,
                                               dampening: dampening, nesterov: nesterov)
        let state = buffers.map { b in b.map { OptimizerState.ParameterState(buffers: ["momentum_buffer": .init($0)]) } }
        return OptimizerState(optimizer: "SGD", settings: settings, state: state)
    }

    /// Restores a state saved by an SGD over parameters of the same shapes (buffers are converted to
    /// each parameter's dtype, as PyTorch does). Throws, changing nothing, what
    /// `OptimizerState.validated(for:parameters:buffers:)` throws and PyTorch's setting errors.
    public func loadStateDict(_ saved: OptimizerState) throws {
        let loaded = try saved.validated(for: "SGD", parameters: parameters, buffers: ["momentum_buffer"])
        let s = saved.settings
        let (m, d, n) = (s.momentum ?? 0, s.dampening ?? 0, s.nesterov ?? false)
        try SGD.check(lr: s.lr, momentum: m, dampening: d, weightDecay: s.weightDecay, nesterov: n)
        (lr, momentum, dampening, weightDecay, nesterov, maximize) = (s.lr, m, d, s.weightDecay, n, s.maximize)
        buffers = loaded.map { $0?.buffers["momentum_buffer"] }
    }
}

/// SGD's settings in the parameter's precision and the storages of one parameter's step.
struct SGDKernel<T: KernelFloat> {
    let w: UnsafeMutablePointer<T>, g: UnsafePointer<T>, b: UnsafeMutablePointer<T>?
    let decay: Bool, first: Bool, nesterov: Bool
    let sign: T, wd: T, alpha: T, momentum: T, keep: T

    init(_ sgd: SGD, _ p: Tensor, _ grad: Tensor, _ buffer: Tensor?, first: Bool) {
        w = p.pointer(T.self)
        g = UnsafePointer(grad.pointer(T.self))
        b = buffer?.pointer(T.self)
        decay = sgd.weightDecay != 0
        self.first = first
        nesterov = sgd.nesterov
        sign = sgd.maximize ? -1 : 1
        wd = T(sgd.weightDecay)
        alpha = T(-sgd.lr)
        momentum = T(sgd.momentum)
        keep = T(1 - sgd.dampening)
    }

    /// The step of elements `range` (the type comment of `SGD` gives the formulas). Every setting
    /// is read into a local first: the loop's stores through the pointers could otherwise alias the
    /// kernel's fields, and the compiler would reload them each element instead of vectorising.
    @inline(__always) func run(_ range: Range<Int>, momentum withMomentum: Bool, decay: Bool) {
        let (w, g, first, nesterov) = (w, g, first, nesterov)
        let (sign, wd, alpha, momentum, keep) = (sign, wd, alpha, momentum, keep)
        // Separate roundings, not fused multiply-adds: the update is bit for bit the manual step
        // `w -= lr * w.grad` (and what this optimizer gave before it had dampening and nesterov).
        guard withMomentum, let b else {
            for j in range { w[j] = w[j] + alpha * (decay ? sign * g[j] + wd * w[j] : sign * g[j]) }
            return
        }
        for j in range {
            // PyTorch's grad.add(param, alpha=wd), then buf.mul_(momentum).add_(grad, alpha=1 - dampening).
            let d = decay ? sign * g[j] + wd * w[j] : sign * g[j]
            let buf = first ? d : b[j] * momentum + keep * d
            b[j] = buf
            w[j] = w[j] + alpha * (nesterov ? d + momentum * buf : buf)
        }
    }
}
