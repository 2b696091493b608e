import VecKernels

// Picking elements by int64 indices: indexSelect (whole slices, moved with memcpy by BlockCopy)
// and gather (one element per index). Every index is checked before anything is written, so an
// out-of-range index throws PyTorch's error and never reads outside the storage. Their backwards
// add the gradient back at the indices (index_add, scatter_add), accumulating repeats.

extension Tensor {
    /// The slices `index[0], index[1], ...` of dim `dim` (PyTorch's `index_select`): the result
    /// has this tensor's shape with size `index.count` at `dim` (a 0-d tensor takes a single index
    /// and stays 0-d), this dtype and new storage. `index` is an int64 tensor of at most 1 dim;
    /// repeats are allowed and negative indices are not. Backward (`IndexSelectBackward0`) adds each
    /// gradient slice at its index. Throws `dimensionOutOfRange`, "index_select(): Index is supposed
    /// to be a vector", "index_select(): Index to scalar can have only 1 value, got 2 value(s)",
    /// "index_select(): Expected dtype int32 or int64 for index", "index_select(): self indexing axis
    /// dim should be positive", and for an index out of range PyTorch's CPU words: "INDICES element
    /// is out of DATA bounds, id=5 axis_dim=3" along dim 1 of a tensor of 2 or more dims, "index out
    /// of range in self" otherwise.
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        let d = try Shape.normalize(dim, rank: rank)
        let k = index.count
        guard index.rank <= 1 else { throw TensorError.invalidArgument("index_select(): Index is supposed to be a vector") }
        guard rank > 0 || k == 1 else {
            throw TensorError.invalidArgument("index_select(): Index to scalar can have only 1 value, got \(k) value(s)")
        }
        guard index.dtype == .int64 else {
            throw TensorError.invalidArgument("index_select(): Expected dtype int32 or int64 for index")
        }
        let size = rank == 0 ? 1 : shape[d]
        if rank > 1 && k > 0 && count == 0 && size == 0 {
            throw TensorError.invalidArgument("index_select(): self indexing axis dim should be positive")
        }
        let indices = UnsafeBufferPointer(start: index.pointer(Int64.self), count: k)
        for i in indices where i < 0 || i >= size {
            if rank > 1 && d == 1 && count > 0 {
                throw TensorError.invalidArgument("INDICES element is out of DATA bounds, id=\(i) axis_dim=\(size)")
            }
            throw TensorError.invalidArgument("index out of range in self")
        }
        var outShape = shape
        if rank > 0 { outShape[d] = k }
        let (outer, _, inner) = rank == 0 ? (1, 1, 1) : Shape.split(shape, at: d)
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        if out.count > 0 {
            let bytes = inner * dtype.byteSize
            let parts = indices.enumerated().map { j, i in
                BlockCopyPart(source: UnsafeRawPointer(impl.data + Int(i) * bytes), sourceStride: size * bytes,
                              destination: out.impl.data + j * bytes, destinationStride: k * bytes, rowBytes: bytes)
            }
            let o = Execution.options
            BlockCopy.run(parts, rows: outer, variant: o.variant, threads: o.threads)
        }
        if Autograd.needsGrad(self) {
            let inShape = shape, held = index.copied()
            out.record("IndexSelectBackward0", self) { gy in
                let gx = gy.indexAdded(into: inShape, outer: outer, size: size, inner: inner, index: held)
                // Double backward: the index-add's own gradient selects the same rows.
                if Autograd.needsGrad(gy) { gx.record("IndexAddBackward0", gy) { g in [try g.indexSelect(dim: d, index: held)] } }
                return [gx]
            }
        }
        return out
    }

    /// The elements of this tensor picked along `dim` by `index` (PyTorch's `gather`): the result
    /// has `index`'s shape and this dtype, `out[i][j][k] = self[index[i][j][k]][j][k]` for dim 0.
    /// `index` is int64 with as many dims as this tensor (0-d counts as 1-d) and no larger than it
    /// in the other dims; an empty index gives an empty result without any check but `dim`.
    /// Backward (`GatherBackward0`) is a scatter-add of the gradient into zeros of this shape.
    /// Throws `dimensionOutOfRange`, "gather(): Expected dtype int32/int64 for index", "Index tensor
    /// must have the same number of dimensions as input tensor", "Size does not match at dimension 1
    /// expected index [1, 5] to be no larger than self [3, 4] apart from dimension 0" and "index 5
    /// is out of bounds for dimension 0 with size 3" (negative indices included).
    public func gather(dim: Int, index: Tensor) throws -> Tensor {
        let d = try Shape.normalize(dim, rank: rank)
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype)
        guard index.count > 0 else { return recordGather(out, dim: d, index: index) }
        guard index.dtype == .int64 else {
            throw TensorError.invalidArgument("gather(): Expected dtype int32/int64 for index")
        }
        let selfShape = rank == 0 ? [1] : shape, indexShape = index.rank == 0 ? [1] : index.shape
        guard selfShape.count == indexShape.count else {
            throw TensorError.invalidArgument("Index tensor must have the same number of dimensions as input tensor")
        }
        for i in selfShape.indices where i != d && indexShape[i] > selfShape[i] {
            throw TensorError.invalidArgument("Size does not match at dimension \(i) expected index \(shapeList(index.shape)) "
                + "to be no larger than self \(shapeList(shape)) apart from dimension \(d)")
        }
        let size = selfShape[d]
        let indices = UnsafeBufferPointer(start: index.pointer(Int64.self), count: index.count)
        for i in indices where i < 0 || i >= size {
            throw TensorError.indexOutOfRange(index: Int(i), dim: d, size: size)
        }
        let strides = Shape.strides(selfShape)
        func pick<W>(_: W.Type) {
            let src = impl.data.assumingMemoryBound(to: W.self), dst = out.impl.data.assumingMemoryBound(to: W.self)
            Tensor.forEachGathered(indexShape: indexShape, strides: strides, dim: d, indices: indices) { p, s in dst[p] = src[s] }
        }
        switch dtype.byteSize {
        case 1: pick(UInt8.self)
        case 4: pick(UInt32.self)
        default: pick(UInt64.self)
        }
        return recordGather(out, dim: d, index: index)
    }

    // MARK: implementations

    private func recordGather(_ out: Tensor, dim: Int, index: Tensor) -> Tensor {
        if Autograd.needsGrad(self) {
            let inShape = shape, held = index.copied()
            out.record("GatherBackward0", self) { gy in
                let gx = gy.scatterAdded(into: inShape, dim: dim, index: held)
                // Double backward: the scatter-add's own gradient gathers the same elements.
                if Autograd.needsGrad(gy) { gx.record("ScatterAddBackward0", gy) { g in [try g.gather(dim: dim, index: held)] } }
                return [gx]
            }
        }
        return out
    }

    /// Calls `body(p, s)` for every element of an index of `indexShape` (flat position p), where
    /// s is the element of a tensor with `strides` it names along `dim`. Row-major, last dim inner.
    /// Inlined so that `body` is too: a closure call per element made gather 10x slower.
    @inline(__always)
    private static func forEachGathered(indexShape: [Int], strides: [Int], dim: Int, indices: UnsafeBufferPointer<Int64>,
                                        _ body: (Int, Int) -> Void) {
        let r = indexShape.count, last = indexShape[r - 1]
        guard last > 0 else { return }
        // Steps of the position counter, with `dim` contributing through the index instead.
        var steps = strides
        steps[dim] = 0
        let dimStride = strides[dim], lastStep = steps[r - 1]
        // The offset of each row (all dims but the last) from its multi-index: a few divisions per
        // row of `last` elements.
        let rowStrides = Shape.strides(Array(indexShape.dropLast()))
        for row in 0..<(indices.count / last) {
            var base = 0
            for d in 0..<(r - 1) { base += (row / rowStrides[d]) % indexShape[d] * steps[d] }
            let p0 = row * last
            for j in 0..<last { body(p0 + j, base + j * lastStep + Int(indices[p0 + j]) * dimStride) }
        }
    }

    /// Zeros of `shape` (viewed as [outer, size, inner]) with this gradient's slice j added at
    /// `index[j]` along the middle dim (PyTorch's index_add). No grad tracking.
    private func indexAdded(into shape: [Int], outer: Int, size: Int, inner: Int, index: Tensor) -> Tensor {
        let gx = Tensor.zeroed(shape, dtype: dtype)
        let k = index.count, idx = index.pointer(Int64.self)
        func add<T: KernelFloat>(_: T.Type) {
            let g = pointer(T.self), x = gx.pointer(T.self)
            for o in 0..<outer {
                for j in 0..<k {
                    let s = g + (o * k + j) * inner, t = x + (o * size + Int(idx[j])) * inner
                    for e in 0..<inner { t[e] += s[e] }
                }
            }
        }
        if let element = dtype.floating { add(element) }
        return gx
    }

    /// Zeros of `shape` with each element of this gradient added where `index` picked it from
    /// along `dim` (PyTorch's scatter_add, the backward of gather). No grad tracking.
    private func scatterAdded(into shape: [Int], dim: Int, index: Tensor) -> Tensor {
        let gx = Tensor.zeroed(shape, dtype: dtype)
        guard index.count > 0 else { return gx }
        let selfShape = shape.isEmpty ? [1] : shape, indexShape = index.rank == 0 ? [1] : index.shape
        let indices = UnsafeBufferPointer(start: index.pointer(Int64.self), count: index.count)
        func add<T: KernelFloat>(_: T.Type) {
            let g = pointer(T.self), x = gx.pointer(T.self)
            Tensor.forEachGathered(indexShape: indexShape, strides: Shape.strides(selfShape), dim: dim,
                                   indices: indices) { p, s in x[s] += g[p] }
        }
        if let element = dtype.floating { add(element) }
        return gx
    }
}
