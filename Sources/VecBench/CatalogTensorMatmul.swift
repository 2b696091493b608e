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
                costModel: { s, d, p, _ in
                    let (b, m, k, n) = broadcastMatmulDims(s) ?? (0, 0, 0, 0)
                    let mnk = Double(b * m * n * k), size = Double(d.byteSize)
                    let (ab, c) = (Double(elementCount(s[0]) + elementCount(s[1])) * size, Double(b * m * n) * size)
                    return p == .forward ? Cost(reads: ab, writes: c, flops: 2 * mnk)
                        : Cost(reads: ab + 2 * c, writes: ab, flops: 4 * mnk, workingSet: 2 * ab + c)
                },
                make: { spec in
                    let dtype = spec.dtype
                    let (sa, sb) = (spec.shapes[0], spec.shapes[1])
                    func operands(_ dt: Vecgrad.DType) throws -> (Tensor, Tensor) {
                        (try Tensor.uniform(sa, low: -1, high: 1, seed: 11, dtype: dt, requiresGrad: spec.phase == .backward),
                         try Tensor.uniform(sb, low: -1, high: 1, seed: 12, dtype: dt, requiresGrad: spec.phase == .backward))
                    }
                    let (a, b) = try operands(dtype)
                    let failure = FailureNote()
                    // Backward: the graph is built once and replayed (retainGraph), as the kernel
                    // entries time backward alone.
                    let forward = inContext(spec) { try? matmul(a, b) }
                    let gy = try forward.map { try Tensor.uniform($0.shape, low: -1, high: 1, seed: 13, dtype: dtype) }
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
                        // Against the same products computed in float64 with the naive kernels,
                        // and from absolute values (|A||B|) for the norm-wise check.
                        func reference(magnitude: Bool) -> [Double] {
                            withKernelVariant(.naive) {
                                func prepared(_ t: Tensor) -> Tensor {
                                    guard magnitude else { return t }
                                    return try! Tensor(validatingShape: t.shape, scalars: t.scalars(as: Double.self).map(Swift.abs),
                                                       dtype: .float64, requiresGrad: t.requiresGrad)
                                }
                                let (a64, b64) = try! operands(.float64)   // the same shapes as make's
                                let (x, w) = (prepared(a64), prepared(b64))
                                guard let y = try? matmul(x, w) else { return [] }
                                if spec.phase == .forward { return y.scalars(as: Double.self) }
                                let g64 = prepared(try! Tensor.uniform(y.shape, low: -1, high: 1, seed: 13, dtype: .float64))
                                let g = (try? grad(of: y, wrt: [x, w], gradOutputs: [g64])) ?? []
                                return g.flatMap { $0.scalars(as: Double.self) }
                            }
                        }
                        let actual = (try? inContext(spec) { try result() }) ?? []
                        // Backward also sums over the broadcast batch: dA adds n products per copy of A.
                        let (batch, m, k, n) = broadcastMatmulDims(spec.shapes)!
                        let batchOf = { (s: [Int]) in Swift.max(1, s.dropLast(2).reduce(1, *)) }
                        let inner = spec.phase == .forward ? k
                            : Swift.max(n * batch / batchOf(spec.shapes[0]), m * batch / batchOf(spec.shapes[1]))
                        var r = ErrorMetrics.checkGemm(actual: actual, reference: reference(magnitude: false),
                                                       magnitude: reference(magnitude: true), inner: inner, dtype: spec.dtype)
                        if let f = failure.text { r.passed = false; r.detail = f }
                        return r
                    })
                })
    }
}
