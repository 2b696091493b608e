#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VecKernels

// torch.optim.Adam and AdamW, single-tensor algorithm (foreach=False), one fused pass per parameter.

/// Adam (PyTorch's `torch.optim.Adam`), exactly PyTorch's single-tensor algorithm, per parameter p
/// with gradient g at step t (counted per parameter, from 1):
///
///     g = maximize ? -g : g
///     p = p * (1 - lr * weightDecay)               (decoupled, i.e. AdamW)
///     g = g + weightDecay * p                      (otherwise, weightDecay != 0)
///     m = lerp(m, g, 1 - beta1)                    (m + (1 - beta1) * (g - m))
///     v = v * beta2 + (1 - beta2) * g * g
///     vmax = max(vmax, v)                          (amsgrad; the denominator then uses vmax)
///     denom = sqrt(v) / sqrt(1 - beta2^t) + eps
///     p = p - lr / (1 - beta1^t) * m / denom
///
/// The bias corrections and step size are computed in Double, as Python computes them, and rounded
/// to the parameter's dtype where PyTorch's kernels take them. Each step is one pass over the
/// parameter's storage; no tensor is allocated after the first step (which allocates the moments).
public class Adam: Optimizer {
    /// The tensors `step()` updates.
    public let parameters: [Tensor]
    /// Learning rate.
    public var lr: Double
    /// Decay rates of the first and second moment averages.
    public var betas: (Double, Double)
    /// Added to the denominator after the square root, for stability.
    public var eps: Double
    /// Weight decay: an L2 penalty added to the gradient, or with `decoupledWeightDecay` a shrink
    /// of the parameter by `1 - lr * weightDecay` before the update (AdamW).
    public var weightDecay: Double
    /// AMSGrad: the denominator uses the largest second moment seen so far.
    public var amsgrad: Bool
    /// Ascends the objective instead.
    public var maximize: Bool
    /// AdamW's decoupled weight decay (PyTorch's `decoupled_weight_decay`).
    public var decoupledWeightDecay: Bool
    /// Steps taken per parameter (PyTorch's `state[p]["step"]`).
    private var steps: [Int]
    /// Per parameter: exp_avg, exp_avg_sq and max_exp_avg_sq (the last only with amsgrad), nil
    /// before the parameter's first step.
    private var moments: [[String: Tensor]?]

    /// `torch.optim.Adam(params, lr, betas, eps, weight_decay, amsgrad, maximize=,
    /// decoupled_weight_decay=)` with PyTorch's defaults and checks: throws `invalidArgument` with
    /// "Invalid learning rate: -1.0", "Invalid epsilon value: -1e-08", "Invalid beta parameter at
    /// index 0: 1.0" (each beta must be in [0, 1)), "Invalid weight_decay value: -0.5" or "can't
    /// optimize a non-leaf Tensor".
    public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
                decoupledWeightDecay: Bool = false) throws {
        try Adam.check(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        try checkLeaves(parameters)
        self.parameters = parameters
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupledWeightDecay = decoupledWeightDecay
        steps = Array(repeating: 0, count: parameters.count)
        moments = Array(repeating: nil, count: parameters.count)
    }

    static func check(lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double) throws {
        try checkSetting(0 <= lr, "learning rate", lr)
        try checkSetting(0 <= eps, "epsilon value", eps)
        try checkSetting(0 <= betas.0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        try checkSetting(0 <= betas.1 && betas.1 < 1, "beta parameter at index 1", betas.1)
        try checkSetting(0 <= weightDecay, "weight_decay value", weightDecay)
    }

    /// The type name saved in `stateDict()` and checked by `loadStateDict(_:)`.
    var kind: String { "Adam" }

    /// Updates every parameter that has a gradient, in place (see the type's comment). Cannot fail.
    public func step() {
        forEachGradient(parameters) { i, p, g in
            var state = moments[i] ?? ["exp_avg": stateBuffer(like: p), "exp_avg_sq": stateBuffer(like: p)]
            if amsgrad && state["max_exp_avg_sq"] == nil { state["max_exp_avg_sq"] = stateBuffer(like: p) }
            moments[i] = state
            steps[i] += 1
            guard let m = state["exp_avg"], let v = state["exp_avg_sq"] else { return }
            let vmax = amsgrad ? state["max_exp_avg_sq"] : nil
            switch p.dtype {
            case .float32: update(AdamKernel<Float>(self, step: steps[i], p, g, m, v, vmax), count: p.count)
            case .float64: update(AdamKernel<Double>(self, step: steps[i], p, g, m, v, vmax), count: p.count)
            case .int64, .bool: break
            }
        }
    }

    private final func update<T: KernelFloat>(_ k: AdamKernel<T>, count: Int) {
        // One loop per case, so that each is a plain vectorisable loop.
        let decay: AdamKernel<T>.Decay = weightDecay == 0 ? .none : decoupledWeightDecay ? .decoupled : .l2
        switch (decay, k.vmax != nil) {
        case (.none, false): updateInChunks(count: count) { k.run($0, decay: .none, amsgrad: false) }
        case (.none, true): updateInChunks(count: count) { k.run($0, decay: .none, amsgrad: true) }
        case (.l2, false): updateInChunks(count: count) { k.run($0, decay: .l2, amsgrad: false) }
        case (.l2, true): updateInChunks(count: count) { k.run($0, decay: .l2, amsgrad: true) }
        case (.decoupled, false): updateInChunks(count: count) { k.run($0, decay: .decoupled, amsgrad: false) }
        case (.decoupled, true): updateInChunks(count: count) { k.run($0, decay: .decoupled, amsgrad: true) }
        }
    }

    /// The settings and state (PyTorch's `state_dict()`: `step`, `exp_avg`, `exp_avg_sq` and with
    /// amsgrad `max_exp_avg_sq` per parameter stepped).
    public func stateDict() -> OptimizerState {
        let settings = OptimizerState.Settings(lr: lr, weightDecay: weightDecay, maximize: maximize, betas: [betas.0, betas.1],
                                               eps: eps, amsgrad: amsgrad, decoupledWeightDecay: decoupledWeightDecay)
        let state = zip(steps, moments).map { step, buffers in
            buffers.map { OptimizerState.ParameterState(step: step, buffers: $0.mapValues(OptimizerState.SavedTensor.init)) }
        }
        return OptimizerState(optimizer: kind, settings: settings, state: state)
    }

    /// Restores a state saved by the same kind of optimizer (Adam or AdamW) over parameters of the
    /// same shapes (buffers are converted to each parameter's dtype, as PyTorch does). Throws,
    /// changing nothing, what `OptimizerState.validated(for:parameters:buffers:)` throws, PyTorch's
    /// setting errors, and `invalidArgument` for a state without `betas`, `eps` or a step count.
    public func loadStateDict(_ saved: OptimizerState) throws {
        let loaded = try saved.validated(for: kind, parameters: parameters,
                                         buffers: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        let s = saved.settings
        guard let b = s.betas, b.count == 2, let eps = s.eps else {
            throw TensorError.invalidArgument("loaded state dict of \(kind) lacks betas or eps")
        }
        try Adam.check(lr: s.lr, betas: (b[0], b[1]), eps: eps, weightDecay: s.weightDecay)
        for state in loaded.compactMap({ $0 }) {
            guard state.step.map({ $0 >= 0 }) == true, state.buffers["exp_avg"] != nil, state.buffers["exp_avg_sq"] != nil else {
                throw TensorError.invalidArgument("loaded state dict of \(kind) lacks a step, exp_avg or exp_avg_sq")
            }
        }
        (lr, betas, self.eps, weightDecay, maximize) = (s.lr, (b[0], b[1]), eps, s.weightDecay, s.maximize)
        amsgrad = s.amsgrad ?? false
        // AdamW always decouples (PyTorch forces it when it restores one).
        decoupledWeightDecay = kind == "AdamW" || s.decoupledWeightDecay == true
        steps = loaded.map { $0?.step ?? 0 }
        moments = loaded.map { $0?.buffers }
    }
}

/// AdamW (PyTorch's `torch.optim.AdamW`): Adam with decoupled weight decay, p = p * (1 - lr *
/// weightDecay) before the update, default weightDecay 1e-2. Same algorithm and state as `Adam`.
public final class AdamW: Adam {
    /// `torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad, maximize=)` with PyTorch's
    /// defaults; throws what `Adam`'s initializer throws.
    public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) throws {
        try super.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                       amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: true)
    }

    override var kind: String { "AdamW" }
}

/// Adam's settings in the parameter's precision (the bias corrections of this step included) and
/// the storages of one parameter's step.
struct AdamKernel<T: KernelFloat> {
    enum Decay { case none, l2, decoupled }

    let w: UnsafeMutablePointer<T>, g: UnsafePointer<T>
    let m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>, vmax: UnsafeMutablePointer<T>?
    let sign: T, wd: T, shrink: T, beta2: T, keep2: T, c2: T, eps: T, alpha: T
    /// lerp as ATen computes it: m + weight * (g - m) for a weight below 1/2, else g + (weight - 1) * (g - m).
    let smallWeight: Bool, weight: T, weightFromEnd: T

    init(_ adam: Adam, step: Int, _ p: Tensor, _ grad: Tensor, _ m: Tensor, _ v: Tensor, _ vmax: Tensor?) {
        w = p.pointer(T.self)
        g = UnsafePointer(grad.pointer(T.self))
        self.m = m.pointer(T.self)
        self.v = v.pointer(T.self)
        self.vmax = vmax?.pointer(T.self)
        // Python's arithmetic on floats: in Double, then rounded where the kernels take the value.
        let t = Double(step), (beta1, b2) = adam.betas
        let stepSize = adam.lr / (1 - pow(beta1, t)), correction2 = pow(1 - pow(b2, t), 0.5)
        sign = adam.maximize ? -1 : 1
        wd = T(adam.weightDecay)
        shrink = T(1 - adam.lr * adam.weightDecay)
        beta2 = T(b2)
        keep2 = T(1 - b2)
        c2 = T(correction2)
        eps = T(adam.eps)
        alpha = T(-stepSize)
        weight = T(1 - beta1)
        smallWeight = abs(weight) < 0.5
        weightFromEnd = weight - 1
    }

    /// The step of elements `range` (the type comment of `Adam` gives the formulas). Every setting
    /// is read into a local first: the loop's stores through the pointers could otherwise alias the
    /// kernel's fields, and the compiler would reload them each element instead of vectorising.
    @inline(__always) func run(_ range: Range<Int>, decay: Decay, amsgrad: Bool) {
        let (w, g, m, v, vmax) = (w, g, m, v, vmax)
        let (sign, wd, shrink, beta2, keep2, c2, eps, alpha) = (sign, wd, shrink, beta2, keep2, c2, eps, alpha)
        let (smallWeight, weight, weightFromEnd) = (smallWeight, weight, weightFromEnd)
        for j in range {
            var d = sign * g[j]
            switch decay {
            case .none: break
            case .l2: d = d.addingProduct(wd, w[j])
            case .decoupled: w[j] *= shrink
            }
            let mj = m[j]
            let mNew = smallWeight ? mj.addingProduct(weight, d - mj) : d.addingProduct(weightFromEnd, d - mj)
            m[j] = mNew
            let vNew = v[j] * beta2 + keep2 * d * d
            v[j] = vNew
            var second = vNew
            if amsgrad, let vmax {
                // torch.maximum: NaN wins.
                second = vmax[j].isNaN || vNew.isNaN ? T.nan : Swift.max(vmax[j], vNew)
                vmax[j] = second
            }
            w[j] += alpha * mNew / (second.squareRoot() / c2 + eps)
        }
    }
}
