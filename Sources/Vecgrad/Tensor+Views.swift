// Shape changes and indexing. Storage is contiguous row-major only, so reshape, squeeze,
// unsqueeze, x[i] and x[a..<b] are zero-copy views (a sub-block at an offset); a transpose is
// materialised with Broadcast.copyStrided.

extension Tensor {
    /// The same elements in another shape; one size may be -1 (inferred). Zero-copy.
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        let target = try Shape.inferReshape(newShape, count: count)
        return viewOp(target, "ViewBackward0")
    }

    /// All elements as one dim.
    public func flattened() -> Tensor { viewOp([count], "ViewBackward0") }

    /// Without every size-1 dim.
    public func squeezed() -> Tensor { viewOp(shape.filter { $0 != 1 }, "SqueezeBackward0") }

    /// Without `dim` if its size is 1 (unchanged otherwise, as PyTorch).
    public func squeezed(_ dim: Int) throws -> Tensor {
        let d = try Shape.normalize(dim, rank: rank)
        var s = shape
        if !s.isEmpty && s[d] == 1 { s.remove(at: d) }
        return viewOp(s, "SqueezeBackward1")
    }

    /// Same as `squeezed(_:)`.
    public func squeezed(dim: Int) throws -> Tensor { try squeezed(dim) }

    /// With a new size-1 dim at `dim` (in `[-rank-1, rank]`).
    public func unsqueezed(_ dim: Int) throws -> Tensor {
        let d = try Shape.normalize(dim, rank: rank + 1)
        var s = shape
        s.insert(1, at: d)
        return viewOp(s, "UnsqueezeBackward0")
    }

    /// Same as `unsqueezed(_:)`.
    public func unsqueezed(dim: Int) throws -> Tensor { try unsqueezed(dim) }

    /// The matrix transpose (PyTorch's `t()`): 0-d and 1-d tensors come back unchanged, a 2-d
    /// tensor is transposed. For more dims (where `t()` raises) it swaps the last two, like `mT`,
    /// so that this non-throwing form always has an answer.
    public func transposed() -> Tensor {
        if rank <= 1 { return viewOp(shape, "TBackward0") }
        return swapping(rank - 2, rank - 1, rank == 2 ? "TBackward0" : "TransposeBackward0")
    }

    /// `dim0` and `dim1` swapped (negative dims count from the end). Materialised.
    public func transposed(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        let d0 = try Shape.normalize(dim0, rank: rank), d1 = try Shape.normalize(dim1, rank: rank)
        if rank == 0 { return viewOp(shape, "TransposeBackward0") }
        return swapping(d0, d1, "TransposeBackward0")
    }

    /// Select along dim 0 (negative counts from the end): `x[1]` of a [3, 4] tensor is a [4] tensor.
    public subscript(_ index: Int) -> Tensor {
        get throws {
            guard rank > 0 else { throw TensorError.indexingScalar(op: "select") }
            let n = shape[0]
            guard index >= -n && index < n else { throw TensorError.indexOutOfRange(index: index, dim: 0, size: n) }
            let i = index < 0 ? index + n : index
            let inner = count / Swift.max(n, 1)
            return sliceOp(rowStart: i, rows: 1, keepDim: false, inner: inner, "SelectBackward0")
        }
    }

    /// `x[i][j]`, as PyTorch's `x[i, j]`.
    public subscript(_ i: Int, _ j: Int) -> Tensor {
        get throws { try self[i][j] }
    }

    /// Rows `range` of dim 0, Python-style: negative bounds count from the end, bounds clamp.
    public subscript(_ range: Range<Int>) -> Tensor {
        get throws { try slice(range.lowerBound, range.upperBound) }
    }

    /// Rows `range` of dim 0 including the upper bound; bounds clamp as for `Range` (an upper
    /// bound of -1 or `Int.max` reaches the end).
    public subscript(_ range: ClosedRange<Int>) -> Tensor {
        get throws { try slice(range.lowerBound, Tensor.exclusiveEnd(range.upperBound)) }
    }

    /// Rows `range.lowerBound...` of dim 0 (`x[a:]`), a zero-copy view; negative bounds count from the
    /// end, bounds clamp. Throws `indexingScalar` ("slice() cannot be applied to a 0-dim tensor.").
    public subscript(_ range: PartialRangeFrom<Int>) -> Tensor {
        get throws { try slice(range.lowerBound, Int.max) }
    }

    /// Rows `..<upperBound` of dim 0 (`x[:b]`), a zero-copy view; bounds as `x[a...]`, and so are its errors.
    public subscript(_ range: PartialRangeUpTo<Int>) -> Tensor {
        get throws { try slice(0, range.upperBound) }
    }

    /// Rows `...upperBound` of dim 0 (`x[:b+1]`; -1 or `Int.max` reach the end), a zero-copy view;
    /// errors as `x[a...]`.
    public subscript(_ range: PartialRangeThrough<Int>) -> Tensor {
        get throws { try slice(0, Tensor.exclusiveEnd(range.upperBound)) }
    }

    /// The exclusive end of an inclusive bound: -1 (the last row) and Int.max mean "to the end".
    private static func exclusiveEnd(_ upper: Int) -> Int {
        upper == -1 || upper == Int.max ? Int.max : upper + 1
    }

    private func slice(_ lower: Int, _ upper: Int) throws -> Tensor {
        guard rank > 0 else { throw TensorError.indexingScalar(op: "slice") }
        let n = shape[0]
        func clamp(_ i: Int) -> Int { Swift.min(n, Swift.max(0, i < 0 ? i + n : i)) }
        let lo = clamp(lower), hi = Swift.max(lo, clamp(upper))
        let inner = n == 0 ? 0 : count / n
        return sliceOp(rowStart: lo, rows: hi - lo, keepDim: true, inner: inner, "SliceBackward0")
    }

    // MARK: implementations

    /// A zero-copy reshape recorded under `name`; backward reshapes the gradient back.
    private func viewOp(_ newShape: [Int], _ name: String) -> Tensor {
        let x = self
        let out = view(shape: newShape)
        if Autograd.needsGrad(x) {
            out.record(name, x) { gy in [gy.viewRecorded(x.shape)] }
        }
        return out
    }

    /// Rows [rowStart, rowStart+rows) of dim 0 (each `inner` elements) as a zero-copy view;
    /// backward scatters the gradient into zeros of the input's shape.
    private func sliceOp(rowStart: Int, rows: Int, keepDim: Bool, inner: Int, _ name: String) -> Tensor {
        let x = self
        var newShape = shape
        if keepDim { newShape[0] = rows } else { newShape.removeFirst() }
        let out = view(shape: newShape, offset: rowStart * inner)
        if Autograd.needsGrad(x) {
            out.record(name, x) { gy in
                let gx = Tensor.zeroed(x.shape, dtype: x.dtype)
                let size = x.dtype.byteSize
                (gx.impl.data + rowStart * inner * size).copyMemory(from: gy.impl.data, byteCount: gy.count * size)
                // Double backward: the scatter's own gradient is the same slice of its gradient.
                if Autograd.needsGrad(gy) {
                    gx.record("SliceBackwardBackward0", gy) { g in
                        [g.sliceOp(rowStart: rowStart, rows: rows, keepDim: keepDim, inner: inner, name)]
                    }
                }
                return [gx]
            }
        }
        return out
    }

    /// Dims d0 and d1 swapped, materialised; backward swaps the gradient back.
    private func swapping(_ d0: Int, _ d1: Int, _ name: String) -> Tensor {
        let x = self
        let out = swappedCopy(d0, d1)
        if Autograd.needsGrad(x) {
            out.record(name, x) { gy in [gy.swapping(d0, d1, name)] }
        }
        return out
    }

    private func swappedCopy(_ d0: Int, _ d1: Int) -> Tensor {
        if d0 == d1 { return view(shape: shape) }
        var newShape = shape, strides = Shape.strides(shape)
        newShape.swapAt(d0, d1)
        strides.swapAt(d0, d1)
        return copied(shape: newShape, strides: strides)
    }
}
