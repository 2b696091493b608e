import Foundation
import Vecgrad

// The accuracy table: per op and dtype, the library's forward and backward results against a
// float64 reference (max abs, max rel, max ULP), and a float64 gradcheck of its backward against
// central differences of its forward (PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3).
// Points within eps of a kink (relu and abs at 0) have no derivative to check: they are skipped
// and counted, never silently passed. Subjects (what is checked) live in AccuracySubjects.swift.

/// How `vecbench accuracy` checks one op: the accuracy facts of its catalog entry
/// (`OpEntry.accuracy`), whose name the table and `--ops` use.
public struct AccuracySubject {
    /// Inputs for the error figures in `dtype` (sweep plus edge values), already rounded to it.
    public var inputs: (DType) -> [Double]
    /// Elementwise subjects: `count` seeded random inputs in `dtype` added to `inputs` (a grid
    /// misses the worst case: the float32 forward of gelu read 1.64 ULP on the grid and 2.84 with
    /// 2^20 random inputs added); nil for subjects with fixed shapes.
    public var samples: ((DType, Int) -> [Double])? = nil
    /// The library's result in `dtype`, as doubles.
    public var forward: (DType, [Double]) -> [Double]
    /// The library's input gradient for upstream gradient gy, in `dtype`.
    public var backward: (DType, [Double], [Double]) -> [Double]
    /// The float64 reference result for the same inputs.
    public var referenceForward: ([Double]) -> [Double]
    /// The float64 reference input gradient for inputs and upstream gradient gy.
    public var referenceBackward: ([Double], [Double]) -> [Double]
    /// Where the float64 gradcheck runs (finite points inside the domain).
    public var gradcheckInputs: [Double]
    /// y[i] depends on x[i] only: gradcheck checks the Jacobian's diagonal and skips kinks.
    public var elementwise: Bool
    /// Inputs where the derivative does not exist (elementwise subjects).
    public var kinks: [Double]
    /// The bounds (abs, rel, ulp) the library's results must meet in `dtype`.
    public var tolerance: (DType) -> Tolerance
    /// Upstream gradient for the error figures (ones for elementwise ops: the derivative itself).
    public var upstream: (Int) -> [Double]
    /// Matrix products: judged norm-wise (ErrorMetrics.checkGemm) instead of by `tolerance`.
    public var gemm: GemmMagnitudes? = nil
}

/// What a norm-wise GEMM check needs besides the reference: (|A||B|) for the forward, the same
/// for the backward's products (|gy||B|^T, |A|^T|gy|), and the longest sum each one makes.
public struct GemmMagnitudes {
    /// |A||B| per output element for the flattened inputs.
    public var forward: ([Double]) -> [Double]
    /// |gy||B|^T and |A|^T|gy| per input element, for inputs and upstream gradient.
    public var backward: ([Double], [Double]) -> [Double]
    /// The inner dimension k of the forward product (the bound is 2 (k + 1) u).
    public var forwardInner: Int
    /// The longest inner dimension of the backward's products.
    public var backwardInner: Int
}

/// The outcome of a float64 gradcheck (`torch.autograd.gradcheck`'s test: |numerical - analytical|
/// <= atol + rtol |numerical| for every compared Jacobian entry).
public struct GradcheckResult: Equatable, Sendable {
    /// Every compared entry within tolerance.
    public var passed: Bool
    /// Jacobian entries compared.
    public var compared: Int
    /// Inputs left out because they lie within eps of a kink.
    public var skipped: Int
    /// The largest |numerical - analytical| seen (inf when one was NaN).
    public var maxAbsDiff: Double
    /// The first failing entry ("d/dx at x = 0.5: numerical ..., analytical ..."), empty on a pass.
    public var detail: String
}

/// One row of the accuracy table: one op in one dtype.
public struct AccuracyRow: Equatable, Sendable {
    /// The op's catalog name.
    public var op: String
    /// The dtype the library computed in (the reference is always float64).
    public var dtype: DType
    /// Errors of the forward results against the reference.
    public var forward: ErrorFigures
    /// Errors of the input gradients against the reference.
    public var backward: ErrorFigures
    /// The float64 gradcheck; nil on float32 rows.
    public var gradcheck: GradcheckResult?
    /// Forward, backward and gradcheck all within their tolerances.
    public var passed: Bool
    /// Why it failed, and the figures that need a word (underflowing references, skipped kinks,
    /// norm-wise GEMM bounds), "; "-separated; empty when there is nothing to say.
    public var note: String
}

/// The accuracy table of `vecbench accuracy`: every subject's forward and backward errors against a
/// float64 reference in float32 and float64, and a float64 gradcheck (PyTorch's defaults).
public enum Accuracy {
    /// The names of every op with an accuracy row in the built-in catalog, in table order.
    public static var opNames: [String] { builtinCatalog.accuracyEntries.map(\.name) }

    static var builtinCatalog: OpCatalog {
        Builtins.registerAll()
        return Catalog.snapshot
    }

    /// Full-Jacobian gradcheck in float64: column i of the numerical Jacobian from central
    /// differences of `forward` at x +- eps e_i, row j of the analytical one from `vjp(x, e_j)`.
    /// Elementwise subjects (`elementwise`) check the diagonal only and skip inputs within eps of
    /// a kink.
    public static func gradcheck(_ x: [Double], forward: ([Double]) -> [Double], vjp: ([Double], [Double]) -> [Double],
                                 elementwise: Bool, kinks: [Double] = [],
                                 eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3) -> GradcheckResult {
        var r = GradcheckResult(passed: true, compared: 0, skipped: 0, maxAbsDiff: 0, detail: "")
        func compare(_ numerical: Double, _ analytical: Double, _ what: String) {
            let diff = abs(numerical - analytical)
            r.compared += 1
            r.maxAbsDiff = max(r.maxAbsDiff, diff.isNaN ? .infinity : diff)
            if !(diff <= atol + rtol * abs(numerical)) && r.passed {
                r.passed = false
                r.detail = "\(what): numerical \(numerical), analytical \(analytical)"
            }
        }
        if elementwise {
            let keep = x.filter { xi in !kinks.contains { abs(xi - $0) <= eps } }
            r.skipped = x.count - keep.count
            let numerical = zip(forward(keep.map { $0 + eps }), forward(keep.map { $0 - eps })).map { ($0 - $1) / (2 * eps) }
            let analytical = vjp(keep, [Double](repeating: 1, count: keep.count))
            for i in keep.indices { compare(numerical[i], analytical[i], "d/dx at x = \(keep[i])") }
            return r
        }
        let y = forward(x)
        var numerical = [[Double]](repeating: [], count: x.count)   // numerical[i][j] = d y_j / d x_i
        for i in x.indices {
            var plus = x, minus = x
            plus[i] += eps; minus[i] -= eps
            numerical[i] = zip(forward(plus), forward(minus)).map { ($0 - $1) / (2 * eps) }
        }
        for j in y.indices {
            var e = [Double](repeating: 0, count: y.count)
            e[j] = 1
            let row = vjp(x, e)
            for i in x.indices { compare(numerical[i][j], row[i], "d y[\(j)] / d x[\(i)]") }
        }
        return r
    }

    /// One table row for op `name`: the subject's errors in `dtype` (norm-wise for matrix
    /// products), judged by its tolerance, plus the gradcheck on float64 rows.
    /// `samples` random inputs are added to an elementwise subject's sweep (`AccuracySubject.samples`).
    public static func evaluate(_ s: AccuracySubject, name: String, dtype: DType, samples: Int = 0) -> AccuracyRow {
        let xs = s.inputs(dtype) + (samples > 0 ? s.samples?(dtype, samples) ?? [] : [])
        let gy = s.upstream(s.referenceForward(xs).count)
        let tol = s.tolerance(dtype)
        let fwd: CheckResult, bwd: CheckResult
        if let g = s.gemm {
            fwd = ErrorMetrics.checkGemm(actual: s.forward(dtype, xs), reference: s.referenceForward(xs), magnitude: g.forward(xs),
                                         inner: g.forwardInner, dtype: dtype)
            bwd = ErrorMetrics.checkGemm(actual: s.backward(dtype, xs, gy), reference: s.referenceBackward(xs, gy),
                                         magnitude: g.backward(xs, gy), inner: g.backwardInner, dtype: dtype)
        } else {
            fwd = ErrorMetrics.check(actual: s.forward(dtype, xs), reference: s.referenceForward(xs), dtype: dtype, tolerance: tol)
            bwd = ErrorMetrics.check(actual: s.backward(dtype, xs, gy), reference: s.referenceBackward(xs, gy), dtype: dtype, tolerance: tol)
        }
        var notes: [String] = []
        if !fwd.passed { notes.append("forward: " + fwd.detail) }
        if !bwd.passed { notes.append("backward: " + bwd.detail) }
        if let g = s.gemm, let fb = fwd.errors.bound, let bb = bwd.errors.bound {
            notes.append("norm-wise (rel: max |C - Cref| / (|A||B|), ulp: the same in units of u), bounds "
                         + "\(TextFormat.fixed(fb, 0)) u (k = \(g.forwardInner)) forward, "
                         + "\(TextFormat.fixed(bb, 0)) u (k = \(g.backwardInner)) backward")
        }
        // Underflowing references computed exactly (relu, abs, sin of 1e-40) need no explanation.
        for (phase, e) in [("forward", fwd.errors), ("backward", bwd.errors)] where e.underflowMaxAbs > 0 {
            notes.append("\(phase): \(e.underflow) reference\(e.underflow == 1 ? "" : "s") below the smallest normal, "
                         + "left out of rel: max \(TextFormat.fixed(e.underflowMaxUlp, 2)) ULP, abs \(sci(e.underflowMaxAbs))")
        }
        var gc: GradcheckResult?
        if dtype == .float64 {
            gc = gradcheck(s.gradcheckInputs, forward: { s.forward(.float64, $0) }, vjp: { s.backward(.float64, $0, $1) },
                           elementwise: s.elementwise, kinks: s.kinks)
            if let g = gc, !g.passed { notes.append("gradcheck: " + g.detail) }
            if let g = gc, g.skipped > 0 {
                notes.append("gradcheck skipped \(g.skipped) point\(g.skipped == 1 ? "" : "s") within eps of a kink at "
                             + s.kinks.map { TextFormat.fixed($0, 0) }.joined(separator: ", "))
            }
        }
        return AccuracyRow(op: name, dtype: dtype, forward: fwd.errors, backward: bwd.errors, gradcheck: gc,
                           passed: fwd.passed && bwd.passed && (gc?.passed ?? true), note: notes.joined(separator: "; "))
    }

    /// How many rows `run(ops:)` gives: two dtypes per checked op.
    public static func rowCount(ops: Set<String>? = nil) -> Int { 2 * checked(ops, in: builtinCatalog).count }

    /// The entries of `catalog` with an accuracy subject, or those of them named in `ops`.
    static func checked(_ ops: Set<String>?, in catalog: OpCatalog) -> [OpEntry] {
        catalog.accuracyEntries.filter { ops?.contains($0.name) ?? true }
    }

    /// How many random inputs `vecbench accuracy` adds to each elementwise sweep by default.
    public static let defaultSamples = 1 << 20

    /// Rows for every entry of `catalog` (the built-in one by default) with an accuracy subject,
    /// or those named in `ops`, float32 then float64 for each; `samples` random inputs are added
    /// to each elementwise sweep. `progress` hears each row as it is done.
    public static func run(ops: Set<String>? = nil, catalog: OpCatalog? = nil, samples: Int = 0,
                           progress: (AccuracyRow) -> Void = { _ in }) -> [AccuracyRow] {
        checked(ops, in: catalog ?? builtinCatalog).flatMap { e -> [AccuracyRow] in
            guard let s = e.accuracy else { return [] }
            return [DType.float32, .float64].map {
                let row = evaluate(s, name: e.name, dtype: $0, samples: samples)
                progress(row)
                return row
            }
        }
    }

    static func sci(_ x: Double) -> String {
        if x == 0 { return "0" }
        if !x.isFinite { return x.isNaN ? "nan" : "inf" }
        let e = Int(floor(log10(abs(x))))
        // In two factors: 10^e alone underflows to 0 below 1e-308 (denormal errors gave "infe-324").
        let m = x / pow(10, Double(e / 2)) / pow(10, Double(e - e / 2))
        return TextFormat.fixed(m, 1) + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }

    /// ULP figures above this get the footer's word on results near 0 (elementwise ops stay within 4).
    static let largeUlp = 8.0

    /// The rows as an aligned text table, followed by each row's note and what the columns mean
    /// (only the explanations that the rows shown need).
    public static func table(_ rows: [AccuracyRow]) -> String {
        let body = rows.map { r in
            [r.op, r.dtype.rawValue, sci(r.forward.maxAbs), sci(r.forward.maxRel), TextFormat.fixed(r.forward.maxUlp, 2),
             sci(r.backward.maxAbs), sci(r.backward.maxRel), TextFormat.fixed(r.backward.maxUlp, 2),
             r.gradcheck.map { $0.passed ? "pass (\($0.compared))" : "FAIL" } ?? "-", r.passed ? "ok" : "FAIL"]
        }
        var out = TextFormat.table(["op", "dtype", "fwd abs", "fwd rel", "fwd ulp", "bwd abs", "bwd rel", "bwd ulp",
                                    "gradcheck f64", "result"], body, rightAligned: [2, 3, 4, 5, 6, 7])
        for r in rows where !r.note.isEmpty { out += "  \(r.op) \(r.dtype.rawValue): \(r.note)\n" }
        // Only what explains the rows shown (a filtered table of unary ops needs no GEMM note).
        let elementwise = rows.filter { $0.forward.measure == .elementwise }
        if rows.contains(where: { $0.dtype == .float32 }) { out += "float32 rows: errors against float64.\n" }
        if rows.contains(where: { $0.dtype == .float64 }) {
            out += "float64 rows: against references rounded to float64 (the elementwise ops' Float80 functions on\n"
                + "x86), so ULPs are whole numbers: 2.00 can be a result 1.5 ULP from the exact value (VectorMath64Tests\n"
                + "measure against Float80 itself). Their gradcheck tests the backward formulas (eps 1e-6, atol 1e-5,\n"
                + "rtol 1e-3).\n"
        }
        if !elementwise.isEmpty {
            out += "rel: relative error where the reference is a normal number only; results whose reference underflows\n"
                + "(non-zero, below the smallest normal) are counted in the notes with their ULP and absolute errors, which\n"
                + "are the meaningful ones there (0 for 1e-45 is a correct rounding, not a 100% error).\n"
        }
        if rows.contains(where: { $0.forward.measure == .gemm }) {
            out += "matmul: rel and ulp are norm-wise, max |C - Cref| / (|A||B|) per element (ulp: in units of the unit\n"
                + "roundoff u), checked against 2 (k + 1) u, from the GEMM bound gamma_k |A||B|.\n"
        }
        if elementwise.contains(where: { max($0.forward.maxUlp, $0.backward.maxUlp) > largeUlp }) {
            out += "Large ULP figures of softmax and of sums (the gradient of a broadcast operand of a binary op is a\n"
                + "column sum) come from results near 0, where one ULP is tiny; their pass/fail uses the absolute and\n"
                + "relative bounds of their tolerance.\n"
        }
        return out
    }

    /// The header of `accuracy.csv`.
    public static let csvHeader = "op,dtype,fwd_max_abs,fwd_max_rel,fwd_max_ulp,bwd_max_abs,bwd_max_rel,bwd_max_ulp,"
        + "error_measure,fwd_underflow,fwd_underflow_max_ulp,bwd_underflow,bwd_underflow_max_ulp,"
        + "gradcheck,gradcheck_compared,gradcheck_skipped,passed,note"

    /// The rows as CSV under `csvHeader` (notes quoted), newline-terminated.
    public static func csv(_ rows: [AccuracyRow]) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let lines = rows.map { r in
            [r.op, r.dtype.rawValue, String(r.forward.maxAbs), String(r.forward.maxRel), String(r.forward.maxUlp),
             String(r.backward.maxAbs), String(r.backward.maxRel), String(r.backward.maxUlp),
             r.forward.measure.rawValue, String(r.forward.underflow), String(r.forward.underflowMaxUlp),
             String(r.backward.underflow), String(r.backward.underflowMaxUlp),
             r.gradcheck.map { $0.passed ? "pass" : "fail" } ?? "", r.gradcheck.map { String($0.compared) } ?? "",
             r.gradcheck.map { String($0.skipped) } ?? "", r.passed ? "true" : "false", q(r.note)].joined(separator: ",")
        }
        return ([csvHeader] + lines).joined(separator: "\n") + "\n"
    }
}
