import VecKernels

// softmax and log-softmax along a dim: stable (row max subtracted), an all -inf row gives NaN.
// Backward needs only the output, so the node saves y (detached) and not x.

extension Tensor {
    /// exp(x) / sum(exp(x)) along `dim` (`torch.softmax(x, dim)`): same shape and dtype (int64 is
    /// computed as float32), stable for huge logits, NaN for a row of all -inf or one holding NaN or
    /// +inf. float32 within 2 ulp of a float64 reference, its gradient too.
    /// - Throws: `TensorError` when `dim` is out of range for the rank (PyTorch's IndexError wording).
    public func softmax(dim: Int) throws -> Tensor { try softmax(dim: dim, log: false) }

    /// x - max - log(sum(exp(x - max))) along `dim` (`torch.log_softmax(x, dim)`): same shape and
    /// dtype (int64 as float32), -inf where softmax underflows, NaN rows as in `softmax`. float32
    /// within 2 ulp of a float64 reference, its gradient gy - exp(y) * sum(gy) too.
    /// - Throws: `TensorError` when `dim` is out of range for the rank (PyTorch's IndexError wording).
    public func logSoftmax(dim: Int) throws -> Tensor { try softmax(dim: dim, log: true) }

    private func softmax(dim: Int, log: Bool) throws -> Tensor {
        if dtype == .bool { throw TensorError.unsupportedDType(op: "softmax_lastdim_kernel_impl", dtype: dtype) }
        if dtype == .int64 { return try to(.float32).softmax(dim: dim, log: log) }
        let d = try Shape.normalize(dim, rank: rank)
        let (rows, size, inner) = Shape.split(shape, at: d)
        // An empty tensor has nothing to compute, and its split may saturate ([2^40, 2^40, 0]).
        let outer = count == 0 ? 0 : rows
        let x = self
        let y = Tensor(uninitializedShape: shape, dtype: dtype)
        let o = Execution.options
        func forward<T: KernelFloat>(_: T.Type) {
            Softmax.forward(pointer(T.self), y.pointer(T.self), outer: outer, size: size, inner: inner,
                            log: log, variant: o.variant, threads: o.threads)
        }
        if let element = dtype.floating { forward(element) }
        if Autograd.needsGrad(x) {
            let yStorage = y.impl.storage   // fresh output: its data starts at the storage base
            y.record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", x, savingOutput: true) { gy in
                if Tensor.recordsBackward {
                    // Double backward: the same formulas from recorded ops, y recomputed from x so
                    // that its dependence on x is in the graph (the saved y is a constant).
                    let y = try x.softmax(dim: d, log: log)
                    if log { return [try gy - y.exp() * gy.sum(dim: d, keepdim: true)] }
                    return [try y * (gy - (gy * y).sum(dim: d, keepdim: true))]
                }
                let gx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
                let o = Execution.options
                func backward<T: KernelFloat>(_: T.Type) {
                    Softmax.backward(y: yStorage.base.assumingMemoryBound(to: T.self), gy: gy.pointer(T.self), gx: gx.pointer(T.self),
                                     outer: outer, size: size, inner: inner, log: log, variant: o.variant, threads: o.threads)
                }
                if let element = x.dtype.floating { backward(element) }
                return [gx]
            }
        }
        return y
    }
}
