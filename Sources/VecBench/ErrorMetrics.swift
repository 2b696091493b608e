// Error figures of a computed output against a higher-precision reference: max absolute, max
// relative and max ULP error (in units of the dtype's spacing at the reference value). Used both by
// the catalog's output checks and by `vecbench accuracy`.

public struct ErrorFigures: Equatable, Sendable {
    public var maxAbs: Double = 0
    public var maxRel: Double = 0
    public var maxUlp: Double = 0
    /// Element with the largest ULP error (-1 if none was compared).
    public var worstIndex: Int = -1
    /// Elements compared (skipped ones excluded).
    public var compared: Int = 0
    public init() {}
    public init(maxAbs: Double, maxRel: Double, maxUlp: Double, worstIndex: Int, compared: Int) {
        self.maxAbs = maxAbs; self.maxRel = maxRel; self.maxUlp = maxUlp
        self.worstIndex = worstIndex; self.compared = compared
    }
}

/// An element passes when any one bound holds: ULP bounds suit well-conditioned results, the
/// absolute bound suits results near 0 (where ULPs shrink to nothing), relative suits sums.
public struct Tolerance: Equatable, Sendable {
    public var ulp: Double
    public var abs: Double
    public var rel: Double
    public init(ulp: Double, abs: Double = 0, rel: Double = 0) { self.ulp = ulp; self.abs = abs; self.rel = rel }
}

public enum ErrorMetrics {
    /// Spacing of `dtype` numbers at |x| (the ULP), as a Double; tiny but non-zero at 0.
    public static func ulp(at x: Double, dtype: DType) -> Double {
        switch dtype {
        case .float32:
            let f = Float(Swift.min(Swift.abs(x), Double(Float.greatestFiniteMagnitude)))
            return Double(f.ulp)
        case .float64:
            return Swift.min(Swift.abs(x), Double.greatestFiniteMagnitude).ulp
        }
    }

    /// Error of one value: NaN against NaN and equal infinities count as exact; NaN against a
    /// number (or a wrong infinity) is an infinite error.
    /// A reference beyond the dtype's largest finite value counts as the infinity it rounds to
    /// (e^89 is inf in float32, and inf is then the right answer).
    public static func elementError(_ actual: Double, _ exact: Double, dtype: DType) -> (abs: Double, rel: Double, ulp: Double) {
        let reference = dtype == .float32 && exact.isFinite && Float(exact).isInfinite ? Double(Float(exact)) : exact
        if actual.isNaN && reference.isNaN { return (0, 0, 0) }
        if actual == reference { return (0, 0, 0) }
        if actual.isNaN || reference.isNaN || actual.isInfinite || reference.isInfinite {
            return (.infinity, .infinity, .infinity)
        }
        let a = Swift.abs(actual - reference)
        let rel = reference == 0 ? 0 : a / Swift.abs(reference)
        return (a, rel, a / ulp(at: reference, dtype: dtype))
    }

    /// Figures over all elements not skipped (`skip` lets callers leave out points at a kink).
    public static func measure(actual: [Double], reference: [Double], dtype: DType,
                               skip: (Int) -> Bool = { _ in false }) -> ErrorFigures {
        var f = ErrorFigures()
        for i in 0..<Swift.min(actual.count, reference.count) where !skip(i) {
            let e = elementError(actual[i], reference[i], dtype: dtype)
            f.compared += 1
            f.maxAbs = Swift.max(f.maxAbs, e.abs)
            f.maxRel = Swift.max(f.maxRel, e.rel)
            if e.ulp > f.maxUlp || f.worstIndex < 0 { f.worstIndex = i; f.maxUlp = Swift.max(f.maxUlp, e.ulp) }
        }
        return f
    }

    /// Checks `actual` against `reference` element by element under `tolerance`.
    public static func check(actual: [Double], reference: [Double], dtype: DType, tolerance: Tolerance) -> CheckResult {
        let figures = measure(actual: actual, reference: reference, dtype: dtype)
        guard actual.count == reference.count else {
            return CheckResult(errors: figures, passed: false,
                               detail: "output has \(actual.count) elements, the reference \(reference.count)")
        }
        for i in actual.indices {
            let e = elementError(actual[i], reference[i], dtype: dtype)
            if e.ulp <= tolerance.ulp || e.abs <= tolerance.abs || e.rel <= tolerance.rel { continue }
            return CheckResult(errors: figures, passed: false,
                               detail: "element \(i): got \(actual[i]), reference \(reference[i]) "
                                   + "(\(e.ulp) ULP; tolerance \(tolerance.ulp) ULP, abs \(tolerance.abs), rel \(tolerance.rel))")
        }
        return CheckResult(errors: figures, passed: true)
    }
}
