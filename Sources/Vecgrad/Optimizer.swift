import VecKernels

// What the optimizers (SGD, Adam, AdamW) share: the protocol, the per-parameter walk of `step()`
// and the checks of their settings, worded as torch.optim words them.

/// A gradient-based optimizer over a fixed list of parameters (PyTorch's `torch.optim.Optimizer`
/// with one parameter group).
///
/// `step()` updates each parameter that has a gradient in its own storage (views and `.data`
/// aliases see the new values) and bumps its version counter, so a graph that saved the old values
/// refuses to run backward, as in PyTorch. Parameters without a gradient are skipped and their
/// state does not advance. float32 and float64 parameters are updated in their own precision.
public protocol Optimizer: AnyObject {
    /// The tensors `step()` updates, in the order their state is saved.
    var parameters: [Tensor] { get }
    /// One update of every parameter that has a gradient (PyTorch's `optimizer.step()`).
    func step()
    /// The hyper-parameters and per-parameter state (PyTorch's `optimizer.state_dict()`).
    func stateDict() -> OptimizerState
    /// Restores what `stateDict()` saved (PyTorch's `load_state_dict`); throws, changing nothing, for a
    /// state of another optimizer or another parameter list.
    func loadStateDict(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Clears every parameter's gradient (PyTorch's `zero_grad()` with its default `set_to_none=True`).
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// One parameter's update, written once for both float dtypes.
protocol ParameterUpdate {
    /// Updates parameter `index`, `w`, from its gradient `g` (both `count` elements of `T`).
    func update<T: KernelFloat>(index: Int, _ w: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, count: Int)
}

extension ParameterUpdate {
    /// Runs `update` on every parameter with a gradient and bumps its version counter. A gradient
    /// always has its parameter's shape and dtype (the `grad` setter and the engine guarantee it),
    /// and tensors are contiguous, so the element loops may walk both storages side by side.
    func updateAll(_ parameters: [Tensor]) {
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad, g.dtype == p.dtype, g.count == p.count, let element = p.dtype.floating else { continue }
            func run<T: KernelFloat>(_: T.Type) { update(index: i, p.pointer(T.self), UnsafePointer(g.pointer(T.self)), count: p.count) }
            run(element)
            p.bumpVersion()
        }
    }
}

/// torch.optim's checks of a setting: `valid` false throws "Invalid <what>: <value>" with the
/// value printed as Python prints a float (`-1.0`, `1e-08`).
func checkSetting(_ valid: Bool, _ what: String, _ value: Double) throws {
    guard valid else { throw TensorError.invalidArgument("Invalid \(what): \(value)") }
}

/// A zero-filled state buffer shaped and typed as `parameter` (a moment or momentum buffer).
func stateBuffer(like parameter: Tensor) -> Tensor { Tensor.zeroed(parameter.shape, dtype: parameter.dtype) }
