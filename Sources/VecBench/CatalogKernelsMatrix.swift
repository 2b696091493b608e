import VecKernels

// Catalog entries for the row-wise and matrix kernels: sum, softmax / log_softmax, matmul, bmm.

extension KernelCatalog {
    // MARK: sum

    static func sumEntry() -> OpEntry {
        OpEntry(name: "sum", arity: 1, variants: variantNames(Reduce.variants), phases: [.forward],
                unit: .gigabytesPerSecond, summary: "sum of all elements (VecKernels.Reduce)",
                costModel: { s, d, _, _ in
                    let n = Double(elementCount(s[0]))
                    return Cost(reads: n * Double(d.byteSize), writes: Double(d.byteSize), flops: n)
                },
                make: { spec in try typed(spec.dtype, { try sumCase(Float.self, spec) }, { try sumCase(Double.self, spec) }) })
    }

    static func sumCase<T: KernelFloat>(_: T.Type, _ spec: CaseID) throws -> PreparedCase {
        let n = elementCount(spec.shapes[0]), v = try variant(spec), t = spec.threads
        // Positive inputs keep the sum well conditioned, so a relative bound is meaningful.
        let xs = Inputs.uniform(n, 0...1, seed: seed("sum|\(spec.dtype.rawValue)|\(n)"), dtype: spec.dtype)
        let x = Buffer<T>(xs)
        let result = Buffer<T>(count: 1)
        let run = { result.pointer[0] = Reduce.sum(x.pointer, count: n, variant: v, threads: t) }
        return PreparedCase(run: run, check: {
            run()
            let exact = ReferenceCache.get("sum|\(spec.dtype.rawValue)|\(n)") { [[Reduce.referenceSum(xs)]] }[0]
            return ErrorMetrics.check(actual: result.doubles, reference: exact, dtype: spec.dtype,
                                      tolerance: tolerance(spec.dtype, ulp: 4, rel: 1e-6))
        })
    }

    // MARK: softmax

    static func matrixShape(_ s: [Int]) -> (rows: Int, cols: Int) {
        s.count >= 2 ? (s.dropLast().reduce(1, *), s.last!) : (1, s[0])
    }

    static func softmaxEntry(log: Bool) -> OpEntry {
        let name = log ? "log_softmax" : "softmax"
        return OpEntry(name: name, arity: 1, variants: variantNames(Softmax.variants), unit: .gigabytesPerSecond,
                       summary: "\(name) over the last dimension (VecKernels.Softmax)",
                       costModel: { s, d, p, _ in
                           let n = Double(elementCount(s[0])), size = Double(d.byteSize)
                           return p == .forward ? Cost(reads: n * size, writes: n * size, flops: 20 * n)
                               : Cost(reads: 2 * n * size, writes: n * size, flops: 4 * n)
                       },
                       accuracy: AccuracySubjects.softmax(log: log),
                       make: { spec in
                           try typed(spec.dtype, { try softmaxCase(Float.self, log: log, spec) }, { try softmaxCase(Double.self, log: log, spec) })
                       })
    }

    static func softmaxCase<T: KernelFloat>(_: T.Type, log: Bool, _ spec: CaseID) throws -> PreparedCase {
        let (rows, cols) = matrixShape(spec.shapes[0]), n = rows * cols, v = try variant(spec), t = spec.threads
        let key = "softmax\(log)|\(spec.dtype.rawValue)|\(formatShapes(spec.shapes))"
        let xs = Inputs.uniform(n, -5...5, seed: seed(key), dtype: spec.dtype)
        let gys = Inputs.uniform(n, -1...1, seed: seed(key) &+ 1, dtype: spec.dtype)
        // Backward runs from the forward output rounded to T, and so does its reference.
        let yRef = Reference.softmax(xs, rows: rows, cols: cols, log: log).map { Double(T($0)) }
        let x = Buffer<T>(xs), y = Buffer<T>(count: n), yIn = Buffer<T>(yRef), gy = Buffer<T>(gys), gx = Buffer<T>(count: n)
        let run: () -> Void = spec.phase == .forward
            ? { Softmax.forward(x.pointer, y.pointer, outer: rows, size: cols, inner: 1, log: log, variant: v, threads: t) }
            : { Softmax.backward(y: yIn.pointer, gy: gy.pointer, gx: gx.pointer, outer: rows, size: cols, inner: 1,
                                 log: log, variant: v, threads: t) }
        return PreparedCase(run: run, check: {
            run()
            let ref = ReferenceCache.get(key + "|\(spec.phase)") {
                [spec.phase == .forward ? Reference.softmax(xs, rows: rows, cols: cols, log: log)
                    : Reference.softmaxBackward(y: yRef, gy: gys, rows: rows, cols: cols, log: log)]
            }[0]
            return ErrorMetrics.check(actual: (spec.phase == .forward ? y : gx).doubles, reference: ref, dtype: spec.dtype,
                                      tolerance: tolerance(spec.dtype, ulp: 16, abs: 1e-7, rel: 1e-5))
        })
    }

    // MARK: matmul and bmm

    static func matmulShapes(_ s: [[Int]], batched: Bool) -> String? {
        let rank = batched ? 3 : 2
        guard s[0].count == rank, s[1].count == rank else {
            return batched ? "operands must be [batch, m, k] and [batch, k, n]" : "operands must be matrices [m, k] and [k, n]"
        }
        if batched && s[0][0] != s[1][0] { return "batch sizes differ: \(s[0][0]) vs \(s[1][0])" }
        let (ka, kb) = (s[0][rank - 1], s[1][rank - 2])
        return ka == kb ? nil : "inner dimensions differ: \(ka) vs \(kb)"
    }

    /// (batch, m, k, n) of valid matmul / bmm shapes.
    static func dims(_ s: [[Int]]) -> (batch: Int, m: Int, k: Int, n: Int) {
        s[0].count == 3 ? (s[0][0], s[0][1], s[0][2], s[1][2]) : (1, s[0][0], s[0][1], s[1][1])
    }

    static func matmulEntry() -> OpEntry { gemmEntry(batched: false) }
    static func bmmEntry() -> OpEntry { gemmEntry(batched: true) }

    static func gemmEntry(batched: Bool) -> OpEntry {
        let name = batched ? "bmm" : "matmul"
        return OpEntry(name: name, arity: 2, variants: variantNames(Gemm.variants), unit: .gigaflopsPerSecond,
                       summary: batched ? "batched matrix product [b,m,k] x [b,k,n] (VecKernels.Gemm.batched)"
                           : "matrix product [m,k] x [k,n] (VecKernels.Gemm)",
                       validateShapes: { matmulShapes($0, batched: batched) },
                       costModel: { s, d, p, _ in
                           let (b, m, k, n) = dims(s)
                           let mnk = Double(b * m * n * k), size = Double(d.byteSize)
                           let (ab, c) = (Double(b * (m * k + k * n)) * size, Double(b * m * n) * size)
                           // Backward reads dC twice (dA = dC B^T, dB = A^T dC), A and B once, writes dA and dB.
                           return p == .forward ? Cost(reads: ab, writes: c, flops: 2 * mnk)
                               : Cost(reads: ab + 2 * c, writes: ab, flops: 4 * mnk, workingSet: 2 * ab + c)
                       },
                       accuracy: batched ? nil : AccuracySubjects.matmul(),
                       make: { spec in
                           try typed(spec.dtype, { try gemmCase(Float.self, spec) }, { try gemmCase(Double.self, spec) })
                       })
    }

    static func gemmCase<T: KernelFloat>(_: T.Type, _ spec: CaseID) throws -> PreparedCase {
        let (batch, m, k, n) = dims(spec.shapes), v = try variant(spec), t = spec.threads
        let key = "gemm|\(spec.dtype.rawValue)|\(formatShapes(spec.shapes))"
        let av = Inputs.uniform(batch * m * k, -1...1, seed: seed(key), dtype: spec.dtype)
        let bv = Inputs.uniform(batch * k * n, -1...1, seed: seed(key) &+ 1, dtype: spec.dtype)
        let gv = Inputs.uniform(batch * m * n, -1...1, seed: seed(key) &+ 2, dtype: spec.dtype)
        let a = Buffer<T>(av), b = Buffer<T>(bv), gc = Buffer<T>(gv)
        let c = Buffer<T>(count: batch * m * n), ga = Buffer<T>(count: batch * m * k), gb = Buffer<T>(count: batch * k * n)
        // Offsets built once here, not per timed call (three 4096-element arrays had cost ~10% of bmm 8x8).
        let offsetCache = Dictionary(batch > 1 ? [m * k, k * n, m * n].map { s in (s, (0..<batch).map { $0 * s }) } : [],
                                     uniquingKeysWith: { x, _ in x })
        let offsets = { (size: Int) in offsetCache[size]! }
        // C = A B;  dA = dC B^T;  dB = A^T dC  (row-major; a transposed operand keeps its storage).
        func product(_ x: UnsafePointer<T>, _ xs: Int, _ y: UnsafePointer<T>, _ ys: Int, _ z: UnsafeMutablePointer<T>, _ zs: Int,
                     rows: Int, cols: Int, inner: Int, transA: Bool, transB: Bool, lda: Int, ldb: Int) {
            if batch == 1 {
                Gemm.gemm(transA: transA, transB: transB, m: rows, n: cols, k: inner, alpha: 1, x, lda: lda, y, ldb: ldb,
                          beta: 0, z, ldc: cols, variant: v, threads: t)
            } else {
                Gemm.batched(transA: transA, transB: transB, m: rows, n: cols, k: inner, alpha: 1, x, aOffsets: offsets(xs),
                             lda: lda, y, bOffsets: offsets(ys), ldb: ldb, beta: 0, z, cOffsets: offsets(zs), ldc: cols,
                             variant: v, threads: t)
            }
        }
        let run: () -> Void = spec.phase == .forward
            ? { product(a.pointer, m * k, b.pointer, k * n, c.pointer, m * n, rows: m, cols: n, inner: k,
                        transA: false, transB: false, lda: k, ldb: n) }
            : {
                product(gc.pointer, m * n, b.pointer, k * n, ga.pointer, m * k, rows: m, cols: k, inner: n,
                        transA: false, transB: true, lda: n, ldb: n)
                product(a.pointer, m * k, gc.pointer, m * n, gb.pointer, k * n, rows: k, cols: n, inner: m,
                        transA: true, transB: false, lda: k, ldb: n)
            }
        return PreparedCase(run: run, check: {
            run()
            // The reference and, for the norm-wise check, the row and column norms' products.
            let refs = ReferenceCache.get(key + "|\(spec.phase)") {
                var out: [[Double]] = [[], []], outB: [[Double]] = [[], []]
                for i in 0..<batch {
                    let A = Array(av[i * m * k..<(i + 1) * m * k]), B = Array(bv[i * k * n..<(i + 1) * k * n])
                    let G = Array(gv[i * m * n..<(i + 1) * m * n])
                    for (j, f) in [Reference.matmul, Reference.normProducts].enumerated() {
                        if spec.phase == .forward {
                            out[j] += f(A, B, m, n, k, false, false)
                        } else {
                            out[j] += f(G, B, m, k, n, false, true)
                            outB[j] += f(A, G, k, n, m, true, false)
                        }
                    }
                }
                return [out[0] + outB[0], out[1] + outB[1]]
            }
            let actual = spec.phase == .forward ? c.doubles : ga.doubles + gb.doubles
            return ErrorMetrics.checkGemm(actual: actual, reference: refs[0], magnitude: refs[1],
                                          inner: spec.phase == .forward ? k : Swift.max(m, n), dtype: spec.dtype)
        })
    }
}
