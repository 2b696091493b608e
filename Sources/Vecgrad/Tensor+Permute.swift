import VecKernels

// Reordering and repeating dims: permute, t, expand, expandAs, clone. PyTorch returns strided
// views for permute, t and expand; Vecgrad's storage is contiguous row-major only, so they are
// materialised by the strided copy kernel (tiled for transposes, stride 0 for expanded dims, SIMD
// and threads as the binary ops). Values, shapes, dtypes, errors and gradients are PyTorch's; the
// only difference is aliasing: writing into the result in place does not change the input.

extension Tensor {
    /// The dims reordered: dim `i` of the result is dim `dims[i]` of this tensor (PyTorch's
    /// `permute`; negative dims count from the end). Any dtype. A copy, where PyTorch returns a
    /// view (the identity order is a zero-copy view). Backward (`PermuteBackward0`) permutes the
    /// gradient back. Throws "permute(sparse_coo): number of dimensions in the tensor input does not
    /// match the length of the desired ordering of dimensions i.e. input.dim() = 3 is not equal to
    /// len(dims) = 2" (PyTorch's words), `dimensionOutOfRange` and "permute(): duplicate dims are
    /// not allowed.".
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == rank else {
            throw TensorError.invalidArgument("permute(sparse_coo): number of dimensions in the tensor input does not match "
                + "the length of the desired ordering of dimensions i.e. input.dim() = \(rank) is not equal to len(dims) = "
                + "\(dims.count)")
        }
        var order: [Int] = [], seen = [Bool](repeating: false, count: rank)
        for dim in dims {
            let d = try Shape.normalize(dim, rank: rank)
            guard !seen[d] else { throw TensorError.invalidArgument("permute(): duplicate dims are not allowed.") }
            seen[d] = true
            order.append(d)
        }
        return permuted(order)
    }

    /// `permute(_:)` with the dims as arguments: `x.permute(2, 0, 1)`.
    public func permute(_ dims: Int...) throws -> Tensor { try permute(dims) }

    /// The matrix transpose with PyTorch's `t()` rule: a 2-d tensor is transposed (a copy, where
    /// PyTorch returns a view), 0-d and 1-d tensors come back as they are (a zero-copy view).
    /// Backward: `TBackward0`. Throws "t() expects a tensor with <= 2 dimensions, but self is 3D"
    /// for more dims (`transposed()` swaps the last two instead).
    public func t() throws -> Tensor {
        guard rank <= 2 else {
            throw TensorError.invalidArgument("t() expects a tensor with <= 2 dimensions, but self is \(rank)D")
        }
        return transposed()
    }

    /// This tensor repeated along its size-1 dims (and new leading dims) to `sizes` (PyTorch's
    /// `expand`): -1 keeps a dim's size; a dim of size 1 takes any size, 0 included. Any dtype.
    /// A copy, where PyTorch returns a view with stride 0 (so this can run out of memory where
    /// PyTorch would not; the same shape is a zero-copy view). Backward (`ExpandBackward0`) sums
    /// the gradient over the repeated dims. Throws "expand(torch.FloatTensor{[2, 1]}, size=[2]):
    /// the number of sizes provided (1) must be greater or equal to the number of dimensions in the
    /// tensor (2)", "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing
    /// dimension 0", "The expanded size of the tensor (3) must match the existing size (2) at
    /// non-singleton dimension 1.  Target sizes: [2, 3].  Tensor sizes: [2, 2]", and for another
    /// negative size PyTorch's "numel: integer multiplication overflow".
    public func expand(_ sizes: [Int]) throws -> Tensor {
        let (target, strides) = try expandGeometry(sizes)
        let count = try Shape.elementCount(target, byteSize: dtype.byteSize)
        try Storage.checkAllocatable(byteCount: count * dtype.byteSize)
        let x = self
        let out = target == shape ? view(shape: shape) : copied(shape: target, strides: strides)
        if Autograd.needsGrad(x) {
            out.record("ExpandBackward0", x) { gy in [gy.summed(toShape: x.shape)] }
        }
        return out
    }

    /// `expand(_:)` with the sizes as arguments: `x.expand(2, -1)`.
    public func expand(_ sizes: Int...) throws -> Tensor { try expand(sizes) }

    /// This tensor expanded to `other`'s shape (PyTorch's `expand_as`); see `expand(_:)` for the
    /// copy, the gradient and the errors.
    public func expandAs(_ other: Tensor) throws -> Tensor { try expand(other.shape) }

    /// A copy with its own storage, same shape and dtype (PyTorch's `clone`). Backward
    /// (`CloneBackward0`) passes the gradient through. Does not throw.
    public func clone() -> Tensor {
        let out = copied()
        if Autograd.needsGrad(self) {
            out.record("CloneBackward0", self) { gy in [gy] }
        }
        return out
    }

    // MARK: implementations

    /// Dims reordered by a valid permutation; backward applies the inverse one.
    private func permuted(_ order: [Int]) -> Tensor {
        let x = self
        let out: Tensor
        if order == Array(0..<rank) {
            out = view(shape: shape)
        } else {
            let own = Shape.strides(shape)
            out = copied(shape: order.map { shape[$0] }, strides: order.map { own[$0] })
        }
        if Autograd.needsGrad(x) {
            var inverse = order
            for (i, d) in order.enumerated() { inverse[d] = i }
            out.record("PermuteBackward0", x) { gy in [gy.permuted(inverse)] }
        }
        return out
    }

    /// PyTorch's infer_expand_geometry: the expanded shape and the element strides that read this
    /// tensor's storage as that shape (0 along repeated dims), with PyTorch's errors.
    private func expandGeometry(_ sizes: [Int]) throws -> (shape: [Int], strides: [Int]) {
        let overflow = TensorError.invalidArgument("numel: integer multiplication overflow")
        if rank == 0 {
            guard sizes.allSatisfy({ $0 >= 0 }) else { throw overflow }
            return (sizes, [Int](repeating: 0, count: sizes.count))
        }
        guard sizes.count >= rank else {
            throw TensorError.invalidArgument("expand(\(dtype.legacyTypeName){\(shapeList(shape))}, size=\(shapeList(sizes))): "
                + "the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the "
                + "tensor (\(rank))")
        }
        let own = Shape.strides(shape)
        var target = sizes, strides = [Int](repeating: 0, count: sizes.count)
        for i in stride(from: sizes.count - 1, through: 0, by: -1) {
            let d = i - (sizes.count - rank)
            var size = d >= 0 ? shape[d] : 1
            var step = d >= 0 ? own[d] : 0
            var wanted = sizes[i]
            if wanted == -1 {
                guard d >= 0 else {
                    throw TensorError.invalidArgument("The expanded size of the tensor (-1) isn't allowed in a leading, "
                        + "non-existing dimension \(i)")
                }
                wanted = size
            }
            if size != wanted {
                guard size == 1 else {
                    throw TensorError.invalidArgument("The expanded size of the tensor (\(wanted)) must match the existing "
                        + "size (\(size)) at non-singleton dimension \(i).  Target sizes: \(shapeList(sizes)).  "
                        + "Tensor sizes: \(shapeList(shape))")
                }
                size = wanted
                step = 0
            }
            target[i] = size
            strides[i] = step
        }
        guard target.allSatisfy({ $0 >= 0 }) else { throw overflow }
        return (target, strides)
    }
}
