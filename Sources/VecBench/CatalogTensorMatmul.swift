import Vecgrad
import VecKernels

// `tensor_matmul`: Vecgrad's matmul with PyTorch's rank and broadcasting rules, forward and
// backward through autograd, e.g. [16,1,128,256] x [8,256,128] -> [16,8,128,128], the case where
// PyTorch copies the broadcast operand. The raw-kernel `matmul`/`bmm` entries measure Gemm alone.

extension TensorCatalog {
    /// Broadcast batch size, m, k, n of valid matmul operands (ranks >= 2), nil when they do not fit.
    static func broadcastMatmulDims(_ s: [[Int]]) -> (batch: Int, m: Int, k: Int, n: Int)? {
        let (a, b) = (s[0], s[1])
        guard a.count >= 2, b.count >= 2, a[a.count - 1] == b[b.count - 2] else { return nil }
        guard let batch = Broadcast.shape(Array(a.dropLast(2)), Array(b.dropLast(2))) else { return nil }
        return (batch.reduce(1, *), a[a.count - 2], a[a.count - 1], b[b.count - 1])
    }

    static func tensorMatmul() -> OpEntry {
        OpEntry(name: "tensor_matmul", arity: 2, variants: variants, unit: .gigaflopsPerSecond,
                summary: "Vecgrad matmul with broadcast batch dims, e.g. 16x1x128x256;8x256x128 (Vecgrad)",
                validateShapes: { s in
                    broadcastMatmulDims(s) == nil
                        ? "operands must be [..., m, k] and [..., k, n] with broadcastable batch dims" : nil
                },
                costModel: { s, d, p in
                    let (b, m, k, n) = broadcastMatmulDims(s) ?? (0, 0, 0, 0)
                    let mnk = Double(b * m * n * k), size = Double(d.byteSize)
                    let (ab, c) = (Double(elementCount(s[0]) + elementCount(s[1])) * size, Double(b * m * n) * size)
                    return p == .forward ? Cost(reads: ab, writes: c, flops: 2 * mnk)
                        : Cost(reads: ab + 2 * c, writes: ab, flops: 4 * mnk, workingSet: 2 * ab + c)
                },
                make: { spec in
                    let dtype = TensorRun.tensorDType(spec.dtype)
                    let (sa, sb) = (spec.shapes[0], spec.shapes[1])
                    func operands(_ dt: Vecgrad.DType) -> (Tensor, Tensor) {
                        (Tensor.uniform(sa, low: -1, high: 1, seed: 11, dtype: dt, requiresGrad: spec.phase == .backward),
                         Tensor.uniform(sb, low: -1, high: 1, seed: 12, dtype: dt, requiresGrad: spec.phase == .backward))
                    }
                    let (a, b) = operands(dtype)
                    let failure = FailureNote()
                    // Backward: the graph is built once and replayed (retainGraph), as the kernel
                    // entries time backward alone.
                    let forward = inContext(spec) { try? matmul(a, b) }
                    let gy = forward.map { Tensor.uniform($0.shape, low: -1, high: 1, seed: 13, dtype: dtype) }
                    func result() throws -> [Double] {
                        if spec.phase == .forward { return try matmul(a, b).scalars(as: Double.self) }
                        let g = try grad(of: forward!, wrt: [a, b], gradOutputs: [gy!], retainGraph: true)
                        return g[0].scalars(as: Double.self) + g[1].scalars(as: Double.self)
                    }
                    let run = {
                        inContext(spec) {
                            do {
                                if spec.phase == .forward { _ = try matmul(a, b) } else {
                                    _ = try grad(of: forward!, wrt: [a, b], gradOutputs: [gy!], retainGraph: true)
                                }
                            } catch { failure.note("\(error)") }
                        }
                    }
                    return PreparedCase(run: run, check: {
                        // Against the same product computed in float64 with the naive kernels.
                        let reference: [Double] = withKernelVariant(.naive) {
                            let (a64, b64) = operands(.float64)
                            guard let y = try? matmul(a64, b64) else { return [] }
                            if spec.phase == .forward { return y.scalars(as: Double.self) }
                            let g64 = Tensor.uniform(y.shape, low: -1, high: 1, seed: 13, dtype: .float64)
                            let g = (try? grad(of: y, wrt: [a64, b64], gradOutputs: [g64])) ?? []
                            return g.flatMap { $0.scalars(as: Double.self) }
                        }
                        let actual = (try? inContext(spec) { try result() }) ?? []
                        let tol = spec.dtype == .float32 ? Tolerance(ulp: 0, abs: 1e-3, rel: 1e-4) : Tolerance(ulp: 0, abs: 1e-10, rel: 1e-10)
                        var r = ErrorMetrics.check(actual: actual, reference: reference, dtype: spec.dtype, tolerance: tol)
                        if let f = failure.text { r.passed = false; r.detail = f }
                        return r
                    })
                })
    }
}
