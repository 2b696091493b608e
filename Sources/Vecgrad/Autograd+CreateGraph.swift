import VecKernels

// Double backward (`createGraph`): the engine runs the backward closures with grad mode on, so
// every Tensor op they call is recorded. Most closures call fast kernels that record nothing; each
// checks `Tensor.recordsBackward` and, when it is set, computes the same gradient from recorded
// pieces instead. The pieces that have no public op are here.

extension Tensor {
    /// True inside a backward closure of a pass that creates a graph: the closure must then build
    /// its gradient from recorded ops (the engine turns grad mode on only for such passes).
    static var recordsBackward: Bool { Execution.options.gradEnabled }

    /// A copy recorded as `CloneBackward0` (the leaf's `.grad` of a graph-creating pass when the
    /// gradient is shared).
    func clonedRecorded() -> Tensor {
        let out = copied()
        if Autograd.needsGrad(self) { out.record("CloneBackward0", self) { gy in [gy] } }
        return out
    }

    /// A zero-copy reshape recorded as `ViewBackward0`, whose gradient is reshaped back.
    func viewRecorded(_ newShape: [Int]) -> Tensor {
        let x = self
        let out = view(shape: newShape)
        if Autograd.needsGrad(x) { out.record("ViewBackward0", x) { gy in [gy.viewRecorded(x.shape)] } }
        return out
    }

    /// op'(x) elementwise, recorded: the factor of the first backward's gy * op'(x) as a function
    /// of x. Its own gradient is gy * op''(x) from the op's record, so gradients of gradients are
    /// exact; a backward through a third derivative throws (op''' is not recorded) except for the
    /// piecewise-linear ops, whose higher derivatives are all zero. `y` is the forward output for ops whose backward
    /// reads it. The factor's node is named after the op's first backward node with "Backward0"
    /// appended (Log1PBackward0 -> Log1PBackwardBackward0), as PyTorch names the node of
    /// sigmoid_backward and tanh_backward; PyTorch builds most other first backwards from ordinary
    /// ops (log1p's gy / (x + 1): DivBackward0), which this one node stands for.
    func unaryDerivative(_ op: UnaryOp, y: UnsafeRawPointer) throws -> Tensor {
        let x = self
        let ones = try Tensor.ones(shape, dtype: dtype)
        let d = Tensor(uninitializedShape: shape, dtype: dtype)
        let o = Execution.options
        func derivative<T: KernelFloat>(_: T.Type) {
            Elementwise.backward(op, x: x.pointer(T.self), y: y.assumingMemoryBound(to: T.self), gy: ones.pointer(T.self),
                                 gx: d.pointer(T.self), count: count, variant: o.variant, threads: o.threads)
        }
        if let element = dtype.floating { derivative(element) }
        guard Autograd.needsGrad(x), !op.isPiecewiseLinear else { return d }
        let name = "\(op.torchNode.dropLast())Backward0"
        d.record(name, x, saving: x) { g in
            let second = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            for i in 0..<x.count { second.setElement(i, op.secondDerivative(x.element(i))) }
            if Autograd.needsGrad(x) {
                // A graph of this second derivative may be built (createGraph again), but running
                // backward through it would need op''': say so then, rather than return zeros.
                second.record("\(name.dropLast())Backward0", x) { _ in
                    throw TensorError.invalidArgument(
                        "the third derivative of \(op.name) is not implemented: differentiate its gradient at most twice")
                }
            }
            return [try g * second]
        }
        return d
    }
}
