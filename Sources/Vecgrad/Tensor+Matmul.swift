import VecKernels

// Matrix products: mm, bmm and matmul with PyTorch's rank and broadcasting rules, forward and
// backward side by side. Every case becomes one batched product over contiguous operands
// A[batchA..., m, k] x B[batchB..., k, n] with the batch dims broadcast by element offsets (a
// broadcast operand is never copied). Backward is two more batched products with a transposed
// operand read in place: dA = dC B^T and dB = A^T dC, where batches that share an A (or B) offset
// accumulate into it, which is the sum over broadcast batch dims.

extension Tensor {
    /// PyTorch's `mm`: [m, k] x [k, n] -> [m, n].
    public func mm(_ other: Tensor) throws -> Tensor {
        guard rank == 2 else { throw TensorError.invalidArgument("self must be a matrix") }
        guard other.rank == 2 else { throw TensorError.invalidArgument("mat2 must be a matrix") }
        let dt = try Matmul.commonDType(self, other)
        guard shape[1] == other.shape[0] else {
            throw TensorError.matmulShapes(rows1: shape[0], cols1: shape[1], rows2: other.shape[0], cols2: other.shape[1])
        }
        return try Matmul.product(self, other, dtype: dt, m: shape[0], k: shape[1], n: other.shape[1],
                              aBatch: [], bBatch: [], outShape: [shape[0], other.shape[1]], name: "MmBackward0")
    }

    /// PyTorch's `bmm`: [b, m, k] x [b, k, n] -> [b, m, n] (no broadcasting).
    public func bmm(_ other: Tensor) throws -> Tensor {
        guard rank == 3 else { throw TensorError.invalidArgument("batch1 must be a 3D tensor") }
        guard other.rank == 3 else { throw TensorError.invalidArgument("batch2 must be a 3D tensor") }
        let dt = try Matmul.commonDType(self, other)
        guard other.shape[0] == shape[0] && other.shape[1] == shape[2] else {
            throw Matmul.batch2Error(expected: [shape[0], shape[2]], got: [other.shape[0], other.shape[1]])
        }
        return try Matmul.product(self, other, dtype: dt, m: shape[1], k: shape[2], n: other.shape[2],
                              aBatch: [shape[0]], bBatch: [shape[0]], outShape: [shape[0], shape[1], other.shape[2]],
                              name: "BmmBackward0")
    }

    /// PyTorch's `matmul`: dot for 1-D x 1-D, matrix-vector and vector-matrix products, and
    /// batched products whose batch dims broadcast ([16, 1, 128, 256] x [8, 256, 128] ->
    /// [16, 8, 128, 128]; [2, 3, 4] x [4] -> [2, 3]).
    public func matmul(_ other: Tensor) throws -> Tensor {
        let (r1, r2) = (rank, other.rank)
        guard r1 >= 1 && r2 >= 1 else {
            throw TensorError.invalidArgument(
                "both arguments to matmul need to be at least 1D, but they are \(r1)D and \(r2)D")
        }
        let dt = try Matmul.commonDType(self, other)
        let a = shape, b = other.shape
        switch (r1, r2) {
        case (1, 1):
            guard a[0] == b[0] else {
                throw TensorError.invalidArgument(
                    "inconsistent tensor size, expected tensor [\(a[0])] and src [\(b[0])] to have the same number "
                    + "of elements, but got \(a[0]) and \(b[0]) elements respectively")
            }
            return try Matmul.product(self, other, dtype: dt, m: 1, k: a[0], n: 1, aBatch: [], bBatch: [],
                                  outShape: [], name: "DotBackward0")
        case (2, 1):
            try Matmul.checkVector(rows: a[0], cols: a[1], vector: b[0])
            return try Matmul.product(self, other, dtype: dt, m: a[0], k: a[1], n: 1, aBatch: [], bBatch: [],
                                  outShape: [a[0]], name: "MvBackward0")
        case (1, 2):
            guard a[0] == b[0] else { throw TensorError.matmulShapes(rows1: 1, cols1: a[0], rows2: b[0], cols2: b[1]) }
            return try Matmul.product(self, other, dtype: dt, m: 1, k: a[0], n: b[1], aBatch: [], bBatch: [],
                                  outShape: [b[1]], name: "SqueezeBackward4")
        case (2, 2):
            return try mm(other)
        case (3..., 1...2):
            // Fold the batch dims of A into its rows: one product, as PyTorch does.
            let k = a[r1 - 1], rows = Shape.saturatingCount(a.dropLast())   // too many: the output check throws
            let n = r2 == 2 ? b[1] : 1
            if r2 == 1 {
                try Matmul.checkVector(rows: rows, cols: k, vector: b[0])
            } else if b[0] != k {
                throw TensorError.matmulShapes(rows1: rows, cols1: k, rows2: b[0], cols2: b[1])
            }
            let outShape = Array(a.dropLast()) + (r2 == 2 ? [n] : [])
            return try Matmul.product(self, other, dtype: dt, m: rows, k: k, n: n, aBatch: [], bBatch: [],
                                  outShape: outShape, name: "UnsafeViewBackward0")
        default:
            // Batched, with a 1-D operand read as [1, k] or [k, 1].
            let m = r1 == 1 ? 1 : a[r1 - 2], k = a[r1 - 1]
            let k2 = r2 == 1 ? b[0] : b[r2 - 2], n = r2 == 1 ? 1 : b[r2 - 1]
            let aBatch = r1 >= 3 ? Array(a.dropLast(2)) : [], bBatch = r2 >= 3 ? Array(b.dropLast(2)) : []
            let outBatch = try Shape.broadcast(aBatch, bBatch)
            guard k == k2 else {
                throw Matmul.batch2Error(expected: [Shape.saturatingCount(outBatch), k], got: [Shape.saturatingCount(outBatch), k2])
            }
            let outShape = outBatch + (r1 == 1 ? [] : [m]) + (r2 == 1 ? [] : [n])
            return try Matmul.product(self, other, dtype: dt, m: m, k: k, n: n, aBatch: aBatch, bBatch: bBatch,
                                  outShape: outShape, name: "UnsafeViewBackward0")
        }
    }
}

/// PyTorch's `torch.mm`, `torch.bmm` and `torch.matmul` as free functions.
public func mm(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.mm(b) }
/// `torch.bmm`: `a.bmm(b)`, [b, m, k] x [b, k, n] -> [b, m, n]; throws as `Tensor.bmm`.
public func bmm(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.bmm(b) }
/// `torch.matmul`: `a.matmul(b)`, with its 1-d and batched-broadcast rules; throws as `Tensor.matmul`.
public func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.matmul(b) }

enum Matmul {
    static func commonDType(_ a: Tensor, _ b: Tensor) throws -> DType {
        guard a.dtype == b.dtype else {
            throw TensorError.invalidArgument("expected m1 and m2 to have the same dtype, but got: "
                                              + "\(a.dtype.cName) != \(b.dtype.cName)")
        }
        if a.dtype == .bool { throw TensorError.unsupportedDType(op: "addmm_impl_cpu_", dtype: .bool) }
        return a.dtype
    }

    static func checkVector(rows: Int, cols: Int, vector: Int) throws {
        guard cols == vector else {
            throw TensorError.invalidArgument("size mismatch, got input (\(rows)), mat (\(rows)x\(cols)), vec (\(vector))")
        }
    }

    static func batch2Error(expected: [Int], got: [Int]) -> TensorError {
        .invalidArgument("Expected size for first two dimensions of batch2 tensor to be: \(shapeList(expected)) "
                         + "but got: \(shapeList(got)).")
    }

    /// Element offsets of each output batch into an operand with batch dims `batch` (right-aligned,
    /// size-1 dims broadcast), for matrices of `matrix` elements.
    static func offsets(_ batch: [Int], in outBatch: [Int], matrix: Int) -> [Int] {
        let count = Shape.knownCount(outBatch)
        if batch.isEmpty { return [Int](repeating: 0, count: count) }
        let lead = outBatch.count - batch.count
        var strides = [Int](repeating: 0, count: outBatch.count)
        var step = matrix
        for d in stride(from: batch.count - 1, through: 0, by: -1) {
            strides[lead + d] = batch[d] == 1 ? 0 : step
            step *= batch[d]
        }
        var out = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: outBatch.count)
        var offset = 0
        for i in 0..<count {
            out[i] = offset
            // Advance the row-major index over outBatch, carrying.
            var d = outBatch.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < outBatch[d] { break }
                offset -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// out[outBatch..., m, n] = A[aBatch..., m, k] x B[bBatch..., k, n], recorded for autograd.
    static func product(_ a: Tensor, _ b: Tensor, dtype dt: DType, m: Int, k: Int, n: Int,
                        aBatch: [Int], bBatch: [Int], outShape: [Int], name: String) throws -> Tensor {
        let out = try Tensor(checkedShape: outShape, dtype: dt)
        if out.count == 0 || k == 0 {
            // Nothing to multiply (and batch dims may be huge beside a 0 size): zeros, and zero
            // gradients, as PyTorch's empty sums.
            out.fill(0)
            if Autograd.needsGrad(a, b) {
                let needs = (a.requiresGrad, b.requiresGrad)
                out.record(name, inputs: [a, b]) { _ in
                    [needs.0 ? Tensor.zeroed(a.shape, dtype: dt) : nil, needs.1 ? Tensor.zeroed(b.shape, dtype: dt) : nil]
                }
            }
            return out
        }
        if dt == .int64 {
            IntegerKernels.matmul(a.pointer(Int64.self), b.pointer(Int64.self), out.pointer(Int64.self),
                                  m: m, k: k, n: n, aOffsets: offsets(aBatch, in: outShapeBatch(aBatch, bBatch), matrix: m * k),
                                  bOffsets: offsets(bBatch, in: outShapeBatch(aBatch, bBatch), matrix: k * n))
            return out
        }
        let outBatch = outShapeBatch(aBatch, bBatch)
        let plan = Plan(m: m, k: k, n: n, a: offsets(aBatch, in: outBatch, matrix: m * k),
                        b: offsets(bBatch, in: outBatch, matrix: k * n),
                        c: offsets(outBatch, in: outBatch, matrix: m * n))
        if let element = dt.floating { plan.forward(element, a, b, out) }
        if Autograd.needsGrad(a, b) {
            let needs = (a.requiresGrad, b.requiresGrad)
            out.record(name, inputs: [a, b], saving: [a, b]) { gy in
                if Tensor.recordsBackward {
                    return try Matmul.gradientsRecorded(a, b, gy, m: m, k: k, n: n, aBatch: aBatch, bBatch: bBatch,
                                                        needs: needs)
                }
                let ga = needs.0 ? Tensor(uninitializedShape: a.shape, dtype: dt) : nil
                let gb = needs.1 ? Tensor(uninitializedShape: b.shape, dtype: dt) : nil
                if let element = dt.floating { plan.backward(element, a, b, gy, ga, gb) }
                return [ga, gb]
            }
        }
        return out
    }

    /// dA = dC B^T and dB = A^T dC from recorded ops (double backward), each summed over the batch
    /// dims its operand was broadcast along.
    static func gradientsRecorded(_ a: Tensor, _ b: Tensor, _ gy: Tensor, m: Int, k: Int, n: Int,
                                  aBatch: [Int], bBatch: [Int], needs: (Bool, Bool)) throws -> [Tensor?] {
        let outBatch = outShapeBatch(aBatch, bBatch)
        let a3 = a.viewRecorded(aBatch + [m, k]), b3 = b.viewRecorded(bBatch + [k, n])
        let g3 = gy.viewRecorded(outBatch + [m, n])
        func swapped(_ t: Tensor) throws -> Tensor { try t.transposed(t.rank - 2, t.rank - 1) }
        let ga = needs.0 ? try g3.matmul(swapped(b3)).summed(toShape: aBatch + [m, k]).viewRecorded(a.shape) : nil
        let gb = needs.1 ? try swapped(a3).matmul(g3).summed(toShape: bBatch + [k, n]).viewRecorded(b.shape) : nil
        return [ga, gb]
    }

    /// The broadcast batch dims (the callers have checked that they broadcast).
    static func outShapeBatch(_ aBatch: [Int], _ bBatch: [Int]) -> [Int] {
        (try? Shape.broadcast(aBatch, bBatch)) ?? []
    }

    /// Sizes and per-batch element offsets of one batched product.
    struct Plan {
        let m: Int, k: Int, n: Int
        let a: [Int], b: [Int], c: [Int]

        func forward<T: KernelFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ out: Tensor) {
            let o = Execution.options
            Gemm.batched(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a.pointer(T.self), aOffsets: self.a,
                         lda: max(1, k), b.pointer(T.self), bOffsets: self.b, ldb: max(1, n), beta: 0,
                         out.pointer(T.self), cOffsets: c, ldc: max(1, n), variant: o.variant, threads: o.threads)
        }

        /// dA[aOff] (+)= dC B^T and dB[bOff] (+)= A^T dC, transposes read in place; batches sharing
        /// an offset accumulate (beta 0 for the first one, so the gradients need no zeroing).
        func backward<T: KernelFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ gy: Tensor, _ ga: Tensor?, _ gb: Tensor?) {
            let o = Execution.options
            let g = gy.pointer(T.self)
            if let ga {
                if c.isEmpty { ga.pointer(T.self).update(repeating: 0, count: ga.count) }
                Gemm.batched(transA: false, transB: true, m: m, n: k, k: n, alpha: 1, g, aOffsets: c, lda: max(1, n),
                             b.pointer(T.self), bOffsets: self.b, ldb: max(1, n), beta: 0, ga.pointer(T.self),
                             cOffsets: self.a, ldc: max(1, k), variant: o.variant, threads: o.threads)
            }
            if let gb {
                if c.isEmpty { gb.pointer(T.self).update(repeating: 0, count: gb.count) }
                Gemm.batched(transA: true, transB: false, m: k, n: n, k: m, alpha: 1, a.pointer(T.self), aOffsets: self.a,
                             lda: max(1, k), g, bOffsets: c, ldb: max(1, n), beta: 0, gb.pointer(T.self),
                             cOffsets: self.b, ldc: max(1, n), variant: o.variant, threads: o.threads)
            }
        }
    }
}

extension DType {
    /// The C type name PyTorch prints in dtype mismatch messages ("float", "double", "long").
    var cName: String {
        switch self {
        case .float32: return "float"
        case .float64: return "double"
        case .int64: return "long"
        case .bool: return "bool"
        }
    }
}
