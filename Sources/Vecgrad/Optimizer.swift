import VecKernels
import VecPlatform

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

/// Runs `body` on each parameter that has a gradient (index, parameter, gradient), then bumps the
/// parameter's version counter. A gradient always has its parameter's shape and dtype (the `grad`
/// setter and the engine guarantee it) and tensors are contiguous, so the optimizers' element loops
/// walk both storages side by side.
func forEachGradient(_ parameters: [Tensor], _ body: (Int, Tensor, Tensor) -> Void) {
    for (i, p) in parameters.enumerated() {
        guard let g = p.grad, g.dtype == p.dtype, g.count == p.count, p.dtype.isFloatingPoint else { continue }
        body(i, p, g)
        p.bumpVersion()
    }
}

/// Runs `body` over 0..<count, in chunks on the threads in force (`Threading.withThreads`,
/// `withKernelVariant(_:threads:)`) from 2^16 elements up, as ATen splits its elementwise loops;
/// each element is updated by itself, so the result does not depend on the split. `.scalar` and
/// `.simd` variants keep one thread.
func updateInChunks(count: Int, _ body: (Range<Int>) -> Void) {
    let o = Execution.options
    let threads = o.variant == .scalar || o.variant == .simd ? 1 : Threading.usableThreads(o.threads ?? Threading.currentThreads)
    let chunks = count >= 1 << 16 ? Threading.chunkCount(total: count, grain: 1 << 15, threads: threads) : 1
    guard chunks > 1 else { return body(0..<count) }
    let size = (count + chunks - 1) / chunks
    Threading.parallelFor(chunks, threads: threads) { c in body(c * size ..< Swift.min(count, (c + 1) * size)) }
}

/// torch.optim's checks of a setting: `valid` false throws "Invalid <what>: <value>" with the
/// value printed as Python prints a float (`-1.0`, `1e-08`).
func checkSetting(_ valid: Bool, _ what: String, _ value: Double) throws {
    guard valid else { throw TensorError.invalidArgument("Invalid \(what): \(value)") }
}

/// torch.optim's check of the parameters: a tensor computed by a recorded op never gets a
/// `.grad`, so optimizing it would silently do nothing ("can't optimize a non-leaf Tensor").
func checkLeaves(_ parameters: [Tensor]) throws {
    guard parameters.allSatisfy(\.isLeaf) else { throw TensorError.invalidArgument("can't optimize a non-leaf Tensor") }
}

/// A zero-filled state buffer shaped and typed as `parameter` (a moment or momentum buffer).
func stateBuffer(like parameter: Tensor) -> Tensor { Tensor.zeroed(parameter.shape, dtype: parameter.dtype) }
