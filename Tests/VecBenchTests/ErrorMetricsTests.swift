import Foundation
import Testing
@testable import VecBench

// Error figures that mean what they say: no relative error over references that underflow, and
// matrix products judged norm-wise against the GEMM bound.

@Suite struct ErrorMetricsTests {
    @Test func relativeErrorLeavesOutReferencesBelowTheSmallestNormal() {
        // exp(-104) in float32 is ~7e-46, below half the smallest subnormal: 0 is its correct
        // rounding. Relative error 1.0 there would be an artefact.
        let tiny = Foundation.exp(-104.0)
        let f = ErrorMetrics.measure(actual: [0, 2], reference: [tiny, 2], dtype: .float32)
        #expect(f.maxRel == 0)
        #expect(f.underflow == 1)
        #expect(f.underflowMaxUlp < 1 && f.underflowMaxAbs == tiny)
        #expect(ErrorMetrics.check(actual: [0], reference: [tiny], dtype: .float32, tolerance: Tolerance(ulp: 4)).passed)
        // A normal reference flushed to 0 is a real loss and stays in the relative figure.
        let normal = 1e-37
        let flushed = ErrorMetrics.measure(actual: [0], reference: [normal], dtype: .float32)
        #expect(flushed.maxRel == 1 && flushed.underflow == 0)
        // The same value is normal in float64.
        #expect(ErrorMetrics.underflows(1e-40, dtype: .float32) && !ErrorMetrics.underflows(1e-40, dtype: .float64))
        #expect(!ErrorMetrics.underflows(0, dtype: .float32))
        // A relative tolerance does not excuse an underflowing element: ULP or absolute must.
        let r = ErrorMetrics.check(actual: [1e-40], reference: [2e-40], dtype: .float32, tolerance: Tolerance(ulp: 1, rel: 0.9))
        #expect(!r.passed)
    }

    @Test func expFloat32HasNoRelativeErrorOfOne() throws {
        let row = try #require(Accuracy.run(ops: ["exp"]).first { $0.dtype == .float32 })
        #expect(row.forward.maxRel < 1e-5)
        #expect(row.forward.underflow > 0)
        #expect(row.note.contains("below the smallest normal"))
    }

    @Test func gemmErrorsAreNormwise() {
        // C = [1, 1] . [1, -1] = 0 exactly: an error of 1e-7 is millions of ULPs at 0, but
        // 1e-7 / (|A||B| = 2) = 0.84 u in float32, well inside 2 (k + 1) u = 6 u.
        let ok = ErrorMetrics.checkGemm(actual: [1e-7], reference: [0], magnitude: [2], inner: 2, dtype: .float32)
        #expect(ok.passed && ok.errors.measure == .gemm && ok.errors.bound == 6)
        #expect(abs(ok.errors.maxUlp - 1e-7 / 2 / Double(Float.ulpOfOne / 2)) < 1e-9)
        #expect(ErrorMetrics.measure(actual: [1e-7], reference: [0], dtype: .float32).maxUlp > 1e6)
        let bad = ErrorMetrics.checkGemm(actual: [0.1], reference: [0], magnitude: [2], inner: 2, dtype: .float32)
        #expect(!bad.passed && bad.detail.contains("bound 6.0 u"))
        // A zero magnitude allows only the exact answer; NaN is never within bounds.
        #expect(!ErrorMetrics.checkGemm(actual: [1e-30], reference: [0], magnitude: [0], inner: 4, dtype: .float32).passed)
        #expect(ErrorMetrics.checkGemm(actual: [0], reference: [0], magnitude: [0], inner: 4, dtype: .float32).passed)
        #expect(!ErrorMetrics.checkGemm(actual: [.nan], reference: [1], magnitude: [1], inner: 4, dtype: .float64).passed)
        #expect(!ErrorMetrics.checkGemm(actual: [1, 2], reference: [1], magnitude: [1], inner: 4, dtype: .float64).passed)
    }

    @Test func catalogMatmulReportsUnitsOfRoundoffNotMillionsOfUlps() throws {
        for (op, shapes) in [("matmul", [[96, 200], [200, 64]]), ("bmm", [[3, 16, 40], [3, 40, 8]])] {
            let entry = try #require(KernelCatalog.entries().first { $0.name == op })
            for phase in Phase.allCases {
                let spec = CaseID(op: op, variant: "simd", dtype: .float32, shapes: shapes, threads: 1, phase: phase)
                let r = try entry.make(spec).check()
                #expect(r.passed, "\(op) \(phase): \(r.detail)")
                #expect(r.errors.measure == .gemm)
                #expect(r.errors.maxUlp <= r.errors.bound!)
                #expect(r.errors.maxUlp < 50, "\(op) \(phase): \(r.errors.maxUlp) u")
            }
        }
    }

    @Test func normProductsBoundAbsoluteProducts() {
        // a [2, 3], b [3, 2]: products of row norms of a and column norms of b, and >= |a||b|.
        let a: [Double] = [1, -2, 2, 0, 3, -4], b: [Double] = [1, 0, 0, 1, 0, 0]
        let p = Reference.normProducts(a, b, m: 2, n: 2, k: 3)
        #expect(p == [3, 3, 5, 5])
        let abs = Reference.matmul(a.map(Swift.abs), b.map(Swift.abs), m: 2, n: 2, k: 3)
        #expect(zip(p, abs).allSatisfy { $0 >= $1 })
        // Transposed storage reads the same matrices.
        let aT: [Double] = [1, 0, -2, 3, 2, -4], bT: [Double] = [1, 0, 0, 0, 1, 0]
        #expect(Reference.normProducts(aT, bT, m: 2, n: 2, k: 3, transA: true, transB: true) == p)
    }

    @Test func tensorMatmulWithABroadcastBatchIsNormwiseToo() throws {
        let entry = try #require(TensorCatalog.entries().first { $0.name == "tensor_matmul" })
        for phase in Phase.allCases {
            let spec = CaseID(op: "tensor_matmul", variant: "auto", dtype: .float32, shapes: [[2, 1, 8, 16], [3, 16, 4]],
                                threads: 1, phase: phase)
            let r = try entry.make(spec).check()
            #expect(r.passed, "\(phase): \(r.detail)")
            #expect(r.errors.measure == .gemm && r.errors.maxUlp < 50)
            // Forward: k = 16. Backward: dA sums n = 4 products over 3 broadcast copies (12), dB
            // m = 8 over 2 (16).
            #expect(r.errors.bound == Double(2 * (16 + 1)))
        }
    }

    @Test func accuracyMatmulRowSaysItIsNormwise() throws {
        let rows = Accuracy.run(ops: ["matmul"])
        for r in rows {
            #expect(r.passed, "\(r.dtype): \(r.note)")
            #expect(r.forward.measure == .gemm && r.backward.measure == .gemm)
            #expect(r.note.contains("norm-wise"))
        }
        #expect(Accuracy.csv(rows).contains(",gemm,"))
    }
}
