import VecKernels

// The affine map of nn.Linear, y = x W^T + b, as one op over Gemm (PyTorch's addmm): forward one
// GEMM with the bias pre-filled into y (beta = 1), backward two GEMMs and a column sum.

/// PyTorch's `F.linear`: x [..., in], weight [out, in], bias [out] -> [..., out], float dtypes.
/// 0 in-features give the broadcast bias (or zeros), 0 out-features an empty result. Throws
/// `matmulShapes`, `dtypeMismatch`, `broadcastMismatch`, `invalidArgument`, `sizeOverflow`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    guard weight.rank == 2 else {
        throw TensorError.invalidArgument("linear(): weight must be 2-D, got \(weight.rank)-D")
    }
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    guard x.rank >= 1 else {
        throw TensorError.invalidArgument("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    }
    let k = x.shape[x.rank - 1]
    let rows = try Shape.elementCount(Array(x.shape.dropLast()))
    guard k == inFeatures else {
        throw TensorError.matmulShapes(rows1: x.rank == 1 ? 1 : rows, cols1: k, rows2: inFeatures, cols2: outFeatures)
    }
    guard x.dtype.isFloatingPoint || x.dtype != weight.dtype else {
        throw TensorError.unsupportedDType(op: "addmm_impl_cpu_", dtype: x.dtype)
    }
    guard x.dtype == weight.dtype else {
        throw TensorError.invalidArgument(
            "mat1 and mat2 must have the same dtype, but got \(x.dtype.scalarTypeName) and \(weight.dtype.scalarTypeName)")
    }
    if let b = bias {
        guard b.dtype == x.dtype else { throw TensorError.dtypeMismatch(expected: x.dtype, found: b.dtype) }
        guard b.shape == [outFeatures] else {
            throw TensorError.broadcastMismatch(sizeA: outFeatures, sizeB: b.shape.last ?? 1, dim: x.rank - 1)
        }
    }
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    let y = try Tensor(checkedShape: outShape, dtype: x.dtype)
    if let element = x.dtype.floating {
        LinearKernels.forward(element, x, weight, bias, y, rows: rows, inFeatures: k, outFeatures: outFeatures)
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    if Autograd.needsGrad(inputs) {
        let name = x.rank == 2 ? (bias == nil ? "MmBackward0" : "AddmmBackward0")
            : x.rank == 1 ? (bias == nil ? "SqueezeBackward4" : "AddBackward0") : "ViewBackward0"
        let needs = (x.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
        y.record(name, inputs: inputs, saving: [x, weight]) { gy in
            if Tensor.recordsBackward {   // double backward: the same products from recorded ops
                let x2 = x.viewRecorded([rows, k]), g2 = gy.viewRecorded([rows, outFeatures])
                let gx = needs.0 ? try g2.mm(weight).viewRecorded(x.shape) : nil
                let gw = needs.1 ? try g2.transposed().mm(x2) : nil
                let gb = needs.2 ? try g2.sum(dim: 0) : nil
                return bias == nil ? [gx, gw] : [gx, gw, gb]
            }
            let gx = needs.0 ? Tensor(uninitializedShape: x.shape, dtype: x.dtype) : nil
            let gw = needs.1 ? Tensor(uninitializedShape: weight.shape, dtype: x.dtype) : nil
            let gb = needs.2 ? Tensor(uninitializedShape: [outFeatures], dtype: x.dtype) : nil
            if let element = x.dtype.floating {
                LinearKernels.backward(element, x, weight, gy, gx, gw, gb, rows: rows, inFeatures: k, outFeatures: outFeatures)
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
    return y
}

private enum LinearKernels {
    static func forward<T: KernelFloat>(_: T.Type, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ y: Tensor,
                                        rows: Int, inFeatures: Int, outFeatures: Int) {
        let o = Execution.options
        let yp = y.pointer(T.self)
        if let b {
            let bp = b.pointer(T.self)
            for r in 0..<rows { (yp + r * outFeatures).update(from: bp, count: outFeatures) }
        }
        // An empty product leaves y = bias (or 0), as PyTorch's addmm; the GEMM needs sizes > 0.
        guard rows > 0, outFeatures > 0, inFeatures > 0 else {
            if b == nil { y.fill(0) }
            return
        }
        Gemm.gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, alpha: 1,
                  x.pointer(T.self), lda: inFeatures, w.pointer(T.self), ldb: inFeatures,
                  beta: b == nil ? 0 : 1, yp, ldc: outFeatures, variant: o.variant, threads: o.threads)
    }

    static func backward<T: KernelFloat>(_: T.Type, _ x: Tensor, _ w: Tensor, _ gy: Tensor,
                                         _ gx: Tensor?, _ gw: Tensor?, _ gb: Tensor?,
                                         rows: Int, inFeatures: Int, outFeatures: Int) {
        let o = Execution.options
        let g = gy.pointer(T.self)
        guard rows > 0, outFeatures > 0, inFeatures > 0 else {   // empty sums: zero gradients
            for t in [gx, gw, gb] { t?.fill(0) }
            if let gb, rows > 0, outFeatures > 0 {
                Reduce.sum(g, outer: 1, size: rows, inner: outFeatures, gb.pointer(T.self),
                           variant: o.variant, threads: o.threads)
            }
            return
        }
        if let gx {   // gx[rows, in] = gy[rows, out] W[out, in]
            Gemm.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
                      g, lda: outFeatures, w.pointer(T.self), ldb: inFeatures,
                      beta: 0, gx.pointer(T.self), ldc: inFeatures, variant: o.variant, threads: o.threads)
        }
        if let gw {   // gW[out, in] = gy^T[out, rows] x[rows, in]
            Gemm.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1,
                      g, lda: outFeatures, x.pointer(T.self), ldb: inFeatures,
                      beta: 0, gw.pointer(T.self), ldc: inFeatures, variant: o.variant, threads: o.threads)
        }
        if let gb {
            Reduce.sum(g, outer: 1, size: rows, inner: outFeatures, gb.pointer(T.self),
                       variant: o.variant, threads: o.threads)
        }
    }
}
