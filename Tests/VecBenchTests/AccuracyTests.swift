import Foundation
import Testing
@testable import VecBench
import Vecgrad

@Suite struct AccuracyTests {
    @Test func gradcheckPassesACorrectDerivativeAndFailsAWrongOne() {
        let xs = Plot.linspace(-2, 2, 9)
        let good = Accuracy.gradcheck(xs, forward: { $0.map { $0 * $0 * $0 } }, vjp: { x, g in zip(x, g).map { 3 * $0 * $0 * $1 } },
                                      elementwise: true)
        #expect(good.passed && good.compared == 9 && good.skipped == 0)
        let bad = Accuracy.gradcheck(xs, forward: { $0.map { $0 * $0 * $0 } }, vjp: { x, g in zip(x, g).map { 2.9 * $0 * $0 * $1 } },
                                     elementwise: true)
        #expect(!bad.passed)
        #expect(bad.detail.hasPrefix("d/dx at x = -2.0"))
    }

    @Test func gradcheckSkipsKinksAndSaysSo() {
        let relu: ([Double]) -> [Double] = { $0.map { max(0, $0) } }
        let r = Accuracy.gradcheck([-1, 0, 1e-7, 1], forward: relu, vjp: { x, g in zip(x, g).map { $0 > 0 ? $1 : 0 } },
                                   elementwise: true, kinks: [0])
        #expect(r.passed)
        #expect(r.skipped == 2 && r.compared == 2)
    }

    @Test func fullJacobianGradcheck() {
        // y = [x0 * x1, x0 + x1]: J = [[x1, x0], [1, 1]].
        let f: ([Double]) -> [Double] = { [$0[0] * $0[1], $0[0] + $0[1]] }
        let vjp: ([Double], [Double]) -> [Double] = { x, g in [g[0] * x[1] + g[1], g[0] * x[0] + g[1]] }
        let r = Accuracy.gradcheck([0.3, -1.7], forward: f, vjp: vjp, elementwise: false)
        #expect(r.passed && r.compared == 4)
        let wrong = Accuracy.gradcheck([0.3, -1.7], forward: f, vjp: { x, g in [g[0] * x[1], g[0] * x[0] + g[1]] }, elementwise: false)
        #expect(!wrong.passed)
    }

    @Test func scientificFormatCoversDenormals() {
        #expect(Accuracy.sci(Double.leastNonzeroMagnitude) == "4.9e-324")
        #expect(Accuracy.sci(2.5e-310) == "2.5e-310")
        #expect(Accuracy.sci(1.5e300) == "1.5e+300")
        #expect(Accuracy.sci(-3e-8) == "-3.0e-8")
    }

    @Test func errorMetrics() {
        #expect(ErrorMetrics.elementError(.nan, .nan, dtype: .float32) == (0, 0, 0))
        #expect(ErrorMetrics.elementError(.infinity, .infinity, dtype: .float32) == (0, 0, 0))
        #expect(ErrorMetrics.elementError(1, .nan, dtype: .float32).ulp == .infinity)
        #expect(ErrorMetrics.elementError(.infinity, 3.5e38, dtype: .float32) == (0, 0, 0))   // rounds to inf in float32
        #expect(ErrorMetrics.elementError(.infinity, 3.5e38, dtype: .float64).ulp == .infinity)
        #expect(ErrorMetrics.elementError(1 + Double(Float.ulpOfOne), 1, dtype: .float32).ulp == 1)
        #expect(ErrorMetrics.ulp(at: 0, dtype: .float32) == Double(Float.leastNonzeroMagnitude))
        let f = ErrorMetrics.measure(actual: [1, 2, 3], reference: [1, 2.5, 3], dtype: .float64, skip: { $0 == 1 })
        #expect(f.compared == 2 && f.maxAbs == 0)
        let c = ErrorMetrics.check(actual: [1, 2], reference: [1, 2.1], dtype: .float32, tolerance: Tolerance(ulp: 4, abs: 0.05))
        #expect(!c.passed && c.detail.hasPrefix("element 1"))
    }

    @Test func theAccuracyTableAndTheRunCatalogAreOneRegistry() throws {
        Builtins.registerAll()
        let catalog = Catalog.snapshot
        let unary = OpTable.unary.map(\.name)
        #expect(Accuracy.opNames == unary + ["softmax", "log_softmax", "matmul", "add", "sub", "mul", "div", "maximum", "minimum"])
        #expect(Accuracy.opNames.allSatisfy { catalog.entry(named: $0)?.accuracy != nil })
        // `run --list` marks exactly the ops `accuracy` checks.
        let rows = Builtins.listing(catalog).split(separator: "\n").dropFirst(2).map { $0.split(separator: " ") }
        let marked = rows.filter { $0[6] == "yes" }.map { String($0[0]) }
        #expect(rows.count == catalog.names.count)
        #expect(marked.sorted() == Accuracy.opNames.sorted())
        // A catalog of one's own is checked as given: only its entries with an accuracy subject.
        let unchecked = try #require(catalog.all.first { $0.accuracy == nil })
        let own = OpCatalog([unchecked, try #require(catalog.entry(named: "relu"))])
        #expect(Accuracy.run(catalog: own).map { "\($0.op) \($0.dtype.rawValue)" } == ["relu float32", "relu float64"])
    }

    @Test func randomSamplesCoverTheTimedRangeAndEveryBinade() throws {
        let sigmoid = try #require(OpTable.unary.first { $0.name == "sigmoid" }).domain
        for dtype in [DType.float32, .float64] {
            let xs = AccuracySubjects.samples(sigmoid, dtype, 10_000)
            #expect(xs.count == 10_000)
            #expect(xs.allSatisfy { $0.isFinite && sigmoid.sweep.contains($0) })
            #expect(xs.prefix(5000).allSatisfy { sigmoid.bench.contains($0) })
            // Bit-pattern sampling: tiny magnitudes (far below any grid step) and huge ones both occur.
            #expect(xs.suffix(5000).contains { $0 != 0 && abs($0) < 1e-20 })
            #expect(xs.suffix(5000).contains { abs($0) > 100 })
            #expect(Set(xs).count > 9000)
            if dtype == .float32 { #expect(xs.allSatisfy { Double(Float($0)) == $0 }) }
        }
        #expect(AccuracySubjects.samples(sigmoid, .float64, 100) == AccuracySubjects.samples(sigmoid, .float64, 100))
    }

    @Test func theFooterExplainsOnlyTheRowsShown() {
        func row(_ op: String, _ dtype: DType, ulp: Double, gemm: Bool = false) -> AccuracyRow {
            var f = ErrorFigures(maxAbs: 1e-7, maxRel: 1e-6, maxUlp: 1, worstIndex: 0, compared: 10)
            var b = ErrorFigures(maxAbs: 1e-7, maxRel: 1e-6, maxUlp: ulp, worstIndex: 0, compared: 10)
            if gemm { (f.measure, b.measure) = (.gemm, .gemm) }
            return AccuracyRow(op: op, dtype: dtype, forward: f, backward: b, gradcheck: nil, passed: true, note: "")
        }
        let (gemmNote, largeNote, relNote) = ("norm-wise", "Large ULP figures", "rel: relative error")
        let unary = Accuracy.table([row("tanh", .float32, ulp: 2.5)])
        #expect(unary.contains("float32 rows") && unary.contains(relNote) && !unary.contains("float64 rows"))
        #expect(!unary.contains(gemmNote) && !unary.contains(largeNote))
        let binary = Accuracy.table([row("mul", .float32, ulp: 18.4), row("div", .float64, ulp: 224)])
        #expect(binary.contains(largeNote) && binary.contains("float64 rows") && !binary.contains(gemmNote))
        let matmul = Accuracy.table([row("matmul", .float64, ulp: 30, gemm: true)])
        #expect(matmul.contains(gemmNote) && !matmul.contains(relNote) && !matmul.contains(largeNote))
    }

    @Test func everyOpPassesItsAccuracyChecks() {
        let unary = OpTable.unary.map(\.name)
        let rows = Accuracy.run(ops: Set(unary + ["softmax", "matmul", "maximum", "add", "sub", "minimum"]), samples: 4096)
        #expect(rows.count == 2 * (unary.count + 6))
        #expect(Accuracy.rowCount(ops: Set(unary + ["softmax", "matmul", "maximum", "add", "sub", "minimum"])) == rows.count)
        for r in rows { #expect(r.passed, "\(r.op) \(r.dtype): \(r.note)") }
        let relu = rows.first { $0.op == "relu" && $0.dtype == .float64 }!
        #expect(relu.gradcheck?.skipped == 1)
        #expect(relu.note.contains("kink"))
        let table = Accuracy.table(rows)
        #expect(table.contains("sigmoid") && table.contains("pass"))
        #expect(Accuracy.csv(rows).hasPrefix(Accuracy.csvHeader + "\n"))
    }
}
