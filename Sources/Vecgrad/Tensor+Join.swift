import VecKernels

// Joining tensors: cat and stack. Both are rows of contiguous blocks (the dims before the join
// dim are the rows, each input contributes one block per row), moved by BlockCopy with memcpy.
// Backward cuts the gradient back into the inputs' blocks with the same kernel.

extension Tensor {
    /// Concatenates `tensors` along `dim` (PyTorch's `torch.cat`). Every tensor must have the
    /// same number of dims and the same sizes except in `dim`; a 1-d tensor of size 0 is skipped
    /// whatever its shape (PyTorch's legacy rule; other empty shapes must match). The result has
    /// the promoted dtype of all inputs (float64 > float32 > int64) and new storage; negative
    /// `dim` counts from the end of the first non-skipped tensor's dims.
    /// Backward (`CatBackward0`) hands each input its slice of the gradient, in its own dtype.
    /// Throws: an empty list ("torch.cat(): expected a non-empty list of Tensors"), a 0-d input
    /// ("zero-dimensional tensor (at position 0) cannot be concatenated"), `dimensionOutOfRange`,
    /// "Tensors must have same number of dimensions: got 2 and 3", and "Sizes of tensors must
    /// match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 in the list."
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument("torch.cat(): expected a non-empty list of Tensors")
        }
        for (i, t) in tensors.enumerated() where t.rank == 0 {
            throw TensorError.invalidArgument("zero-dimensional tensor (at position \(i)) cannot be concatenated")
        }
        let dtype = tensors.dropFirst().reduce(first.dtype) { DType.promoted($0, $1.dtype) }
        let isSkipped = { (t: Tensor) in t.shape == [0] }
        guard let ref = tensors.first(where: { !isSkipped($0) }) else {
            return join(tensors, parts: [], rows: 0, blocks: [], shape: [0], dtype: dtype, name: "CatBackward0")
        }
        let d = try Shape.normalize(dim, rank: ref.rank)
        var joined = 0
        for (i, t) in tensors.enumerated() where !isSkipped(t) {
            guard t.rank == ref.rank else {
                throw TensorError.invalidArgument("Tensors must have same number of dimensions: got \(ref.rank) and \(t.rank)")
            }
            for k in 0..<ref.rank where k != d && t.shape[k] != ref.shape[k] {
                throw TensorError.invalidArgument("Sizes of tensors must match except in dimension \(d). Expected size "
                    + "\(ref.shape[k]) but got size \(t.shape[k]) for tensor number \(i) in the list.")
            }
            let (sum, overflow) = joined.addingReportingOverflow(t.shape[d])
            guard !overflow else { throw TensorError.sizeOverflow(shape: ref.shape) }
            joined = sum
        }
        var shape = ref.shape
        shape[d] = joined
        let (rows, _, inner) = Shape.split(ref.shape, at: d)
        let kept = tensors.enumerated().filter { !isSkipped($0.element) }
        return try joinChecked(tensors, parts: kept.map(\.offset), rows: rows,
                               blocks: kept.map { $0.element.shape[d] * inner }, shape: shape, dtype: dtype, name: "CatBackward0")
    }

    /// Stacks `tensors` along a new dim `dim` (PyTorch's `torch.stack`): all must have the same
    /// shape S; the result has shape S with `tensors.count` inserted at `dim` (in `[-rank-1, rank]`
    /// of S), the promoted dtype of the inputs and new storage. 0-d tensors stack into a 1-d one.
    /// Backward (`StackBackward0`) hands each input its slice of the gradient, in its own dtype.
    /// Throws "stack expects a non-empty TensorList", `dimensionOutOfRange`, and "stack expects each
    /// tensor to be equal size, but got [2] at entry 0 and [3] at entry 1".
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument("stack expects a non-empty TensorList")
        }
        let d = try Shape.normalize(dim, rank: first.rank + 1)
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError.invalidArgument("stack expects each tensor to be equal size, but got "
                + "\(shapeList(first.shape)) at entry 0 and \(shapeList(t.shape)) at entry \(i)")
        }
        let dtype = tensors.dropFirst().reduce(first.dtype) { DType.promoted($0, $1.dtype) }
        var shape = first.shape
        shape.insert(tensors.count, at: d)
        let rows = Shape.saturatingCount(first.shape[..<d])
        let block = Shape.saturatingCount(first.shape[d...])
        return try joinChecked(tensors, parts: Array(tensors.indices), rows: rows,
                               blocks: [Int](repeating: block, count: tensors.count), shape: shape, dtype: dtype,
                               name: "StackBackward0")
    }

    /// `join` after checking that `shape` can be allocated (it comes from user input).
    private static func joinChecked(_ tensors: [Tensor], parts: [Int], rows: Int, blocks: [Int], shape: [Int],
                                    dtype: DType, name: String) throws -> Tensor {
        let count = try Shape.elementCount(shape, byteSize: dtype.byteSize)
        try Storage.checkAllocatable(byteCount: count * dtype.byteSize)
        return join(tensors, parts: parts, rows: rows, blocks: blocks, shape: shape, dtype: dtype, name: name)
    }

    /// The tensors at indices `parts` (each `rows` rows of `blocks[k]` elements) side by side in
    /// a new tensor of `shape`; the other tensors (skipped empties) only get a gradient of zeros.
    private static func join(_ tensors: [Tensor], parts: [Int], rows: Int, blocks: [Int], shape: [Int],
                             dtype: DType, name: String) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        // Inputs of another dtype are converted first (without grad: backward converts back).
        let sources = parts.map { tensors[$0].dtype == dtype ? tensors[$0] : tensors[$0].detach().to(dtype) }
        let size = dtype.byteSize
        let rowBytes = blocks.reduce(0, +) * size
        var offset = 0
        let copies = zip(sources, blocks).map { t, block in
            defer { offset += block * size }
            return BlockCopyPart(source: UnsafeRawPointer(t.impl.data), sourceStride: block * size,
                                 destination: out.impl.data + offset, destinationStride: rowBytes, rowBytes: block * size)
        }
        let o = Execution.options
        BlockCopy.run(copies, rows: rows, variant: o.variant, threads: o.threads)
        if Autograd.needsGrad(tensors) {
            // Shapes and dtypes only: capturing the inputs would keep them alive with the graph.
            let shapes = tensors.map(\.shape), dtypes = tensors.map(\.dtype), needs = tensors.map(\.requiresGrad)
            let skipped = Set(tensors.indices).subtracting(parts)
            out.record(name, inputs: tensors) { gy in
                var grads = [Tensor?](repeating: nil, count: shapes.count)
                for i in skipped where needs[i] { grads[i] = Tensor.zeroed(shapes[i], dtype: dtypes[i]) }
                let pieceShapes = parts.map { shapes[$0] }
                let cuts = gy.split(rows: rows, blocks: blocks, shapes: pieceShapes)
                if Autograd.needsGrad(gy) {
                    // Double backward: a cut's gradient goes back to its place among zeros (a join).
                    let gyShape = gy.shape
                    for (k, cut) in cuts.enumerated() {
                        cut.record("SplitBackward0", gy) { g in
                            let pieces = pieceShapes.enumerated().map { j, s in j == k ? g : Tensor.zeroed(s, dtype: g.dtype) }
                            return [join(pieces, parts: Array(pieces.indices), rows: rows, blocks: blocks, shape: gyShape,
                                         dtype: g.dtype, name: "CatBackward0")]
                        }
                    }
                }
                for (k, i) in parts.enumerated() where needs[i] { grads[i] = cuts[k].to(dtypes[i]) }
                return grads
            }
        }
        return out
    }

    /// This tensor, seen as `rows` rows of `blocks` side by side, cut into one new tensor per
    /// block (of the given shapes): the inverse of `join`. No grad tracking.
    private func split(rows: Int, blocks: [Int], shapes: [[Int]]) -> [Tensor] {
        let size = dtype.byteSize
        let rowBytes = blocks.reduce(0, +) * size
        let outs = shapes.map { Tensor(uninitializedShape: $0, dtype: dtype) }
        var offset = 0
        let copies = zip(outs, blocks).map { t, block in
            defer { offset += block * size }
            return BlockCopyPart(source: UnsafeRawPointer(impl.data + offset), sourceStride: rowBytes,
                                 destination: t.impl.data, destinationStride: block * size, rowBytes: block * size)
        }
        let o = Execution.options
        BlockCopy.run(copies, rows: rows, variant: o.variant, threads: o.threads)
        return outs
    }
}
