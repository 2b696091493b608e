import VecKernels

// Reductions: sum, mean, max (with indices), argmax; over everything or along one dim.
// Sums go through Reduce.sum (deterministic for any thread count; float32 within 2u sum|x| + u|sum|,
// u = 2^-24: groups of four vectors in float32, then float64).

extension Tensor {
    /// Sum of all elements (0-d). int64 stays int64 (exact, wrapping on overflow as PyTorch).
    public func sum() -> Tensor {
        if dtype == .bool { return to(.int64).sum() }   // counts the true elements, as PyTorch
        if dtype == .int64 { return try! integerSum(outer: 1, size: count, inner: 1, shape: []) }   // a 0-d result always fits
        let x = self
        let out = Tensor(uninitializedShape: [], dtype: dtype)
        let o = Execution.options
        func sum<T: KernelFloat>(_: T.Type) {
            out.pointer(T.self).pointee = Reduce.sum(pointer(T.self), count: count, variant: o.variant, threads: o.threads)
        }
        if let element = dtype.floating { sum(element) }
        if Autograd.needsGrad(x) {
            out.record("SumBackward0", x) { gy in [gy.expanded(toShape: x.shape)] }
        }
        return out
    }

    /// Sum along `dim` (negative counts from the end), keeping it as size 1 when `keepdim`.
    public func sum(dim: Int, keepdim: Bool = false) throws -> Tensor {
        if dtype == .bool { return try to(.int64).sum(dim: dim, keepdim: keepdim) }
        let d = try Shape.normalize(dim, rank: rank)
        let (outer, size, inner) = Shape.split(shape, at: d)
        let kept = keptShape(d)
        if dtype == .int64 { return try integerSum(outer: outer, size: size, inner: inner, shape: keepdim ? kept : reducedShape(d)) }
        let x = self
        // An empty dim may hold up a huge output ([2^62, 0] summed along 1): checked, as creation.
        let out = try Tensor(checkedShape: keepdim ? kept : reducedShape(d), dtype: dtype)
        let o = Execution.options
        if count == 0 {
            out.fill(0)   // empty sums; the split of an empty input may saturate
        } else {
            func sum<T: KernelFloat>(_: T.Type) {
                Reduce.sum(pointer(T.self), outer: outer, size: size, inner: inner, out.pointer(T.self),
                           variant: o.variant, threads: o.threads)
            }
            if let element = dtype.floating { sum(element) }
        }
        if Autograd.needsGrad(x) {
            out.record("SumBackward1", x) { gy in
                [gy.viewRecorded(kept).expanded(toShape: x.shape)]
            }
        }
        return out
    }

    /// Mean of all elements (0-d); NaN for an empty tensor. An int64 tensor is averaged in float32
    /// (PyTorch refuses; `mean` does not throw here).
    public func mean() -> Tensor {
        if !dtype.isFloatingPoint { return to(.float32).mean() }
        let x = self
        let n = Double(count)
        let out = Tensor(uninitializedShape: [], dtype: dtype)
        let o = Execution.options
        func mean<T: KernelFloat>(_: T.Type) {
            out.pointer(T.self).pointee = Reduce.sum(pointer(T.self), count: count, variant: o.variant, threads: o.threads) / T(n)
        }
        if let element = dtype.floating { mean(element) }
        if Autograd.needsGrad(x) {
            out.record("MeanBackward0", x) { gy in [gy.expandedMean(count: n, kept: [], to: x.shape)] }
        }
        return out
    }

    /// Mean along `dim`, keeping it as size 1 when `keepdim`.
    public func mean(dim: Int, keepdim: Bool = false) throws -> Tensor {
        if !dtype.isFloatingPoint { throw TensorError.invalidArgument("mean(): could not infer output dtype. Input dtype "
            + "must be either a floating point or complex dtype. Got: \(dtype.scalarTypeName)") }
        let d = try Shape.normalize(dim, rank: rank)
        let n = Double(rank == 0 ? 1 : shape[d])
        let kept = keptShape(d)
        let x = self
        let out = try withNoGrad { try sum(dim: d, keepdim: keepdim) }
        out.divideInPlace(by: n)   // a fresh tensor: no second one for the division
        if Autograd.needsGrad(x) {
            out.record("MeanBackward1", x) { gy in [gy.expandedMean(count: n, kept: kept, to: x.shape)] }
        }
        return out
    }

    /// mean's gradient, gy / n spread over `shape` (gy viewed as `kept` first), in one new tensor:
    /// the expansion is a fresh copy, divided in place (bitwise `(gy / n).expanded(...)`: the same
    /// division per element). Where nothing is expanded the expansion is gy itself, never written.
    func expandedMean(count n: Double, kept: [Int], to shape: [Int]) -> Tensor {
        let e = viewRecorded(kept.isEmpty ? self.shape : kept).expanded(toShape: shape)
        if Autograd.needsGrad(self) { return e / n }   // double backward: a recorded division
        if e.impl.storage === impl.storage { return e / n }
        e.divideInPlace(by: n)
        return e
    }

    /// Divides every element by `n` in this tensor's own memory (floating dtypes), as `self / n`
    /// would per element. Only for a tensor that nothing else can see yet.
    func divideInPlace(by n: Double) {
        func divide<T: KernelFloat>(_: T.Type) {
            let p = pointer(T.self), d = T(n)
            for i in 0..<count { p[i] = p[i] / d }
        }
        if let element = dtype.floating { divide(element) }
    }

    /// The largest element (0-d); NaN if any element is NaN. The gradient is split evenly among
    /// all elements equal to it (PyTorch's `max()`).
    public func max() throws -> Tensor {
        guard count > 0 else { throw TensorError.emptyReduction(op: "max") }
        if dtype == .bool { return try to(.int64).max().to(.bool) }
        if dtype == .int64 { return try view(shape: [count]).max(dim: 0).values }
        let (out, ties) = largestElement()
        if Autograd.needsGrad(self) { out.recordExtremum("MaxBackward1", of: self, ties: ties) }
        return out
    }

    /// The largest element (0-d, not recorded) of a non-empty floating tensor, and how many
    /// elements equal it (NaN counting as equal to NaN), from one kernel pass.
    private func largestElement() -> (value: Tensor, ties: Int) {
        let out = Tensor(uninitializedShape: [], dtype: dtype)
        let o = Execution.options
        func max<T: KernelFloat>(_: T.Type) -> Int {
            let r = Reduce.maxAll(pointer(T.self), count: count, variant: o.variant, threads: o.threads)
            out.pointer(T.self).pointee = r.value
            return r.ties
        }
        return (out, dtype.floating.map { max($0) } ?? 0)
    }

    /// Records the node of max() or min(): the gradient is split evenly among the `ties` elements
    /// of x equal to this (0-d) result, NaN matching NaN.
    private func recordExtremum(_ name: String, of x: Tensor, ties: Int) {
        let value = element(0)
        record(name, x, saving: x) { gy in
            let recorded = Tensor.recordsBackward
            let share = recorded ? 1 / Double(ties) : gy.element(0) / Double(ties)
            let gx = Tensor.zeroed(x.shape, dtype: x.dtype)
            for i in 0..<x.count {
                let v = x.element(i)
                if v == value || (v.isNaN && value.isNaN) { gx.setElement(i, share) }
            }
            // Double backward: the same split as a recorded product of gy and a constant mask.
            return [recorded ? try gy.expanded(toShape: x.shape) * gx : gx]
        }
    }

    /// The largest element along `dim` and the index of its first occurrence (int64); NaN wins.
    /// The gradient goes to that index only (PyTorch's `max(dim)`).
    public func max(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shape.normalize(dim, rank: rank)
        if rank > 0 && shape[d] == 0 { throw TensorError.emptyReductionDim(op: "max", dim: d) }
        if dtype == .bool { return try boolExtremum(dim: d, keepdim: keepdim, largest: true) }
        let (outer, size, inner) = Shape.split(shape, at: d)
        let kept = keptShape(d)
        let outShape = keepdim ? kept : reducedShape(d)
        if dtype == .int64 { return try integerExtremum(d, keepdim: keepdim, largest: true) }
        let x = self
        let values = try Tensor(checkedShape: outShape, dtype: dtype)
        let indices = try Tensor(checkedShape: outShape, dtype: .int64)
        let o = Execution.options
        if count == 0 {
            // Nothing to reduce (size > 0 here, so the outputs are empty too); the split may saturate.
        } else {
            func max<T: KernelFloat>(_: T.Type) {
                Reduce.max(pointer(T.self), outer: outer, size: size, inner: inner, values: values.pointer(T.self),
                           indices: indices.pointer(Int64.self), variant: o.variant, threads: o.threads)
            }
            if let element = dtype.floating { max(element) }
        }
        if Autograd.needsGrad(x) { values.recordExtremum("MaxBackward0", of: x, dim: d, indices: indices) }
        return (values, indices)
    }

    /// Records the node of max(dim:) or min(dim:): each gradient goes to the position along `dim`
    /// its result came from (`indices`).
    private func recordExtremum(_ name: String, of x: Tensor, dim d: Int, indices: Tensor) {
        let (outer, size, inner) = Shape.split(x.shape, at: d)
        let kept = x.keptShape(d)
        record(name, x, saving: indices) { gy in
            let gx = Tensor.zeroed(x.shape, dtype: x.dtype)
            if x.count == 0 { return [gx] }   // outer may be saturated beside an empty inner
            let idx = indices.pointer(Int64.self)
            let recorded = Tensor.recordsBackward
            for oi in 0..<outer {
                for j in 0..<inner {
                    let r = oi * inner + j
                    gx.setElement((oi * size + Int(idx[r])) * inner + j, recorded ? 1 : gy.element(r))
                }
            }
            // Double backward: gy spread over the dim times a constant one-hot mask, recorded.
            return [recorded ? try gy.viewRecorded(kept).expanded(toShape: x.shape) * gx : gx]
        }
    }

    /// The index (int64) of the first largest element along `dim`.
    public func argmax(dim: Int, keepdim: Bool = false) throws -> Tensor {
        if dtype == .bool { throw TensorError.invalidArgument("argmax(): does not support bool input") }
        return try withNoGrad { try max(dim: dim, keepdim: keepdim).indices }
    }

    /// The flat index (int64, 0-d) of the first largest element. Throws `emptyReduction` when empty.
    public func argmax() throws -> Tensor { try flatIndex("argmax") { try $0.max(dim: 0).indices } }

    /// The smallest element (0-d); NaN if any element is NaN. The gradient is split evenly among
    /// the elements equal to it. Throws `emptyReduction` for an empty tensor.
    public func min() throws -> Tensor {
        guard count > 0 else { throw TensorError.emptyReduction(op: "min") }
        if dtype == .bool { return try to(.int64).min().to(.bool) }
        if dtype == .int64 { return try view(shape: [count]).min(dim: 0).values }
        // Negation is exact: min(x) = -max(-x), ties and NaN alike; the node is min's own.
        let (negated, ties) = withNoGrad { neg() }.largestElement()
        let out = withNoGrad { negated.neg() }
        if Autograd.needsGrad(self) { out.recordExtremum("MinBackward1", of: self, ties: ties) }
        return out
    }

    /// The smallest element along `dim` and the index (int64) of its first occurrence; NaN wins.
    /// Throws `dimensionOutOfRange`, `emptyReductionDim`.
    public func min(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shape.normalize(dim, rank: rank)
        if rank > 0 && shape[d] == 0 { throw TensorError.emptyReductionDim(op: "min", dim: d) }
        if dtype == .bool { return try boolExtremum(dim: d, keepdim: keepdim, largest: false) }
        if dtype == .int64 { return try integerExtremum(d, keepdim: keepdim, largest: false) }
        let x = self
        let r = try withNoGrad { try neg().max(dim: d, keepdim: keepdim) }
        let values = withNoGrad { r.values.neg() }
        if Autograd.needsGrad(x) { values.recordExtremum("MinBackward0", of: x, dim: d, indices: r.indices) }
        return (values, r.indices)
    }

    /// The index (int64) of the first smallest element along `dim`.
    public func argmin(dim: Int, keepdim: Bool = false) throws -> Tensor {
        if dtype == .bool { throw TensorError.invalidArgument("argmin(): does not support bool input") }
        return try withNoGrad { try min(dim: dim, keepdim: keepdim).indices }
    }

    /// The flat index (int64, 0-d) of the first smallest element. Throws `emptyReduction` when empty.
    public func argmin() throws -> Tensor { try flatIndex("argmin") { try $0.min(dim: 0).indices } }

    /// `reduce` of this tensor flattened to 1-D, without grad; `op`'s error when empty.
    private func flatIndex(_ op: String, _ reduce: (Tensor) throws -> Tensor) throws -> Tensor {
        if dtype == .bool { throw TensorError.invalidArgument("\(op)(): does not support bool input") }
        guard count > 0 else { throw TensorError.emptyReduction(op: op) }
        return try withNoGrad { try reduce(view(shape: [count])) }
    }

    /// max/min of an int64 tensor along the (normalized, non-empty) dim `d`, exact.
    private func integerExtremum(_ d: Int, keepdim: Bool, largest: Bool) throws -> (values: Tensor, indices: Tensor) {
        let (outer, size, inner) = Shape.split(shape, at: d)
        let outShape = keepdim ? keptShape(d) : reducedShape(d)
        let values = try Tensor(checkedShape: outShape, dtype: .int64)
        let indices = try Tensor(checkedShape: outShape, dtype: .int64)
        if count == 0 { return (values, indices) }   // size > 0 here, so both are empty too
        IntegerKernels.extremum(pointer(Int64.self), outer: outer, size: size, inner: inner, largest: largest,
                                values: values.pointer(Int64.self), indices: indices.pointer(Int64.self))
        return (values, indices)
    }

    /// Exact int64 sum over [outer, size, inner] into a tensor of `shape`.
    private func integerSum(outer: Int, size: Int, inner: Int, shape: [Int]) throws -> Tensor {
        let out = try Tensor(checkedShape: shape, dtype: .int64)
        if count == 0 { out.fill(0); return out }   // the split of an empty input may saturate
        IntegerKernels.sum(pointer(Int64.self), outer: outer, size: size, inner: inner, out.pointer(Int64.self))
        return out
    }

    /// The shape with dim `d` set to 1 (what keepdim gives).
    func keptShape(_ d: Int) -> [Int] {
        var s = shape
        if !s.isEmpty { s[d] = 1 }
        return s
    }

    /// The shape without dim `d`.
    func reducedShape(_ d: Int) -> [Int] {
        var s = shape
        if !s.isEmpty { s.remove(at: d) }
        return s
    }

    /// Writes element `i` (used by the few scatter-style backward passes).
    func setElement(_ i: Int, _ v: Double) {
        switch dtype {
        case .float32: pointer(Float.self)[i] = Float(v)
        case .float64: pointer(Double.self)[i] = v
        case .int64: pointer(Int64.self)[i] = truncatingToInt64(v)
        case .bool: pointer(UInt8.self)[i] = v != 0 ? 1 : 0
        }
    }
}
