// view, flatten and unflatten: new shapes over the same elements. Storage is contiguous row-major,
// so every one is a zero-copy view sharing this tensor's storage (and version counter), exactly
// as in PyTorch, and PyTorch's "view size is not compatible with input tensor's size and stride"
// cannot happen: results that PyTorch would make strided (t, permute) are contiguous copies here.

extension Tensor {
    /// The same elements in another shape, sharing storage (PyTorch's `view`): one size may be -1,
    /// inferred from the element count. Any dtype. Backward: `ViewBackward0`. Throws "shape '[5, -1]'
    /// is invalid for input of size 24", "only one dimension can be inferred", "invalid shape
    /// dimension -2 at index 0 of shape [-2, 12]" and, for a -1 beside a 0, "cannot reshape tensor
    /// of 0 elements into shape [-1, 0] because the unspecified dimension size -1 can be any value
    /// and is ambiguous". Same as `reshaped(to:)` (always a view here).
    public func view(_ shape: [Int]) throws -> Tensor { try reshaped(to: shape) }

    /// `view(_:)` with the sizes as arguments: `x.view(4, -1)`.
    public func view(_ shape: Int...) throws -> Tensor { try reshaped(to: shape) }

    /// Dims `startDim` through `endDim` merged into one, sharing storage (PyTorch's `flatten`;
    /// negative dims count from the end). A 0-d tensor becomes shape [1]; `startDim == endDim`
    /// returns this tensor itself (no new node, as PyTorch). Backward: `ViewBackward0`. Throws
    /// `dimensionOutOfRange` and "flatten() has invalid args: start_dim cannot come after end_dim".
    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        let s = try Shape.normalize(startDim, rank: rank), e = try Shape.normalize(endDim, rank: rank)
        guard s <= e else {
            throw TensorError.invalidArgument("flatten() has invalid args: start_dim cannot come after end_dim")
        }
        if rank == 0 { return try reshaped(to: [1]) }
        if s == e { return self }
        let merged = Shape.saturatingCount(shape[s...e])   // the product of existing sizes: no overflow
        return try reshaped(to: Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Dim `dim` split into `sizes`, sharing storage (PyTorch's `unflatten`): one size may be -1,
    /// and the sizes must multiply to the size of `dim`. Backward: `ViewBackward0`. Throws
    /// `dimensionOutOfRange`, "unflatten: sizes must be non-empty", "unflatten: Provided sizes
    /// [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor", and PyTorch's
    /// "unflatten got an unexpected error:" followed by a newline and the reshape error (only one
    /// dimension can be inferred, ...) or, for a 0-d tensor, "Dimension specified as 0 but tensor
    /// has no dimensions" (PyTorch then adds its C++ stack trace, left out here).
    public func unflatten(dim: Int, sizes: [Int]) throws -> Tensor {
        let d = try Shape.normalize(dim, rank: rank)
        guard !sizes.isEmpty else { throw TensorError.invalidArgument("unflatten: sizes must be non-empty") }
        let unexpected = "unflatten got an unexpected error:\n"
        guard rank > 0 else {
            throw TensorError.invalidArgument(unexpected + "Dimension specified as 0 but tensor has no dimensions")
        }
        let inferred: [Int]
        do {
            inferred = try Shape.inferReshape(sizes, count: shape[d])
        } catch TensorError.invalidShape {
            throw TensorError.invalidArgument("unflatten: Provided sizes \(shapeList(sizes)) don't multiply up to the size "
                + "of dim \(d) (\(shape[d])) in the input tensor")
        } catch {
            throw TensorError.invalidArgument(unexpected + "\(error)")
        }
        return try reshaped(to: Array(shape[..<d]) + inferred + Array(shape[(d + 1)...]))
    }
}
