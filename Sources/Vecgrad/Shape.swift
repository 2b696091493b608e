import VecKernels

// Shape rules shared by the ops, each throwing PyTorch's error for its mistake.

enum Shape {
    /// A dim in `[-rank, rank-1]` mapped to `[0, rank-1]`. A 0-d tensor accepts -1 and 0 (as PyTorch).
    static func normalize(_ dim: Int, rank: Int) throws -> Int {
        let n = Swift.max(rank, 1)
        guard dim >= -n && dim < n else {
            throw TensorError.dimensionOutOfRange(dim: dim, min: -n, max: n - 1)
        }
        return dim < 0 ? dim + n : dim
    }

    /// The NumPy broadcast of two shapes, or PyTorch's error naming the rightmost clashing dim.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        if a == b { return a }
        if let s = Broadcast.shape(a, b) { return s }
        let n = Swift.max(a.count, b.count)
        for i in stride(from: n - 1, through: 0, by: -1) {
            let x = i - (n - a.count) >= 0 ? a[i - (n - a.count)] : 1
            let y = i - (n - b.count) >= 0 ? b[i - (n - b.count)] : 1
            if x != y && x != 1 && y != 1 {
                throw TensorError.broadcastMismatch(sizeA: x, sizeB: y, dim: i)
            }
        }
        throw TensorError.invalidArgument("shapes \(shapeList(a)) and \(shapeList(b)) do not broadcast")
    }

    /// The element count of a tensor of `shape` whose elements take `byteSize` bytes each: the one
    /// place shape arithmetic is checked. Throws for a negative size and for an element or byte
    /// count that overflows Int (a corrupt count would allocate too little and write past it).
    @discardableResult
    static func elementCount(_ shape: [Int], byteSize: Int = 1) throws -> Int {
        for s in shape where s < 0 { throw TensorError.negativeDimension(s, shape: shape) }
        if shape.contains(0) { return 0 }   // [2^40, 2^40, 0] is empty, not an overflow
        var n = 1
        for s in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: s)
            guard !overflow else { throw TensorError.sizeOverflow(shape: shape) }
            n = p
        }
        guard !n.multipliedReportingOverflow(by: byteSize).overflow else { throw TensorError.sizeOverflow(shape: shape) }
        return n
    }

    /// The element count of a shape derived from an existing tensor's (a view, a reduced shape):
    /// valid by construction, so a failure is a bug and stops with the message.
    static func knownCount(_ shape: [Int]) -> Int {
        do { return try elementCount(shape) } catch { fatalError("\(error)") }
    }

    /// The element count, or Int.max where it overflows: for sizes that only bound loops or
    /// name sizes in messages, where the result is checked (or empty) before any memory is used.
    static func saturatingCount(_ shape: some Collection<Int>) -> Int {
        (try? elementCount(Array(shape))) ?? Int.max
    }

    /// `shape` with one -1 replaced by the size that makes the element count `count`.
    static func inferReshape(_ shape: [Int], count: Int) throws -> [Int] {
        var inferred: Int? = nil
        for (i, s) in shape.enumerated() {
            if s == -1 {
                if inferred != nil { throw TensorError.multipleInferredDimensions }
                inferred = i
            } else if s < 0 {
                throw TensorError.invalidArgument("invalid shape dimension \(s) at index \(i) of shape \(shapeList(shape))")
            }
        }
        // An overflowing product can never equal an existing tensor's count.
        guard let known = try? elementCount(shape.filter { $0 != -1 }) else {
            throw TensorError.invalidShape(shape: shape, count: count)
        }
        var result = shape
        if let i = inferred {
            // PyTorch: -1 cannot be inferred when the other dims multiply to 0.
            guard known != 0 else {
                if count == 0 { throw TensorError.ambiguousInferredDimension(shape: shape, count: count) }
                throw TensorError.invalidShape(shape: shape, count: count)
            }
            guard count % known == 0 else { throw TensorError.invalidShape(shape: shape, count: count) }
            result[i] = count / known
        } else if known != count {
            throw TensorError.invalidShape(shape: shape, count: count)
        }
        return result
    }

    /// Row-major element strides of a contiguous tensor of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var step = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            result[d] = step
            step &*= shape[d]   // can wrap only for an empty tensor, whose strides are never used
        }
        return result
    }

    /// (outer, size, inner) of a reduction or softmax along `dim`: the kernels' layout.
    static func split(_ shape: [Int], at dim: Int) -> (outer: Int, size: Int, inner: Int) {
        if shape.isEmpty { return (1, 1, 1) }
        // Saturating: beside a 0 size, the others may multiply past Int.max ([2^40, 2^40, 0]);
        // callers check their output shapes before any kernel runs such a split.
        let outer = saturatingCount(shape[..<dim])
        let inner = saturatingCount(shape[(dim + 1)...])
        return (outer, shape[dim], inner)
    }
}
