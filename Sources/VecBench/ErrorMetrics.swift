import Vecgrad

// Error figures of a computed output against a higher-precision reference: max absolute, max
// relative and max ULP error (in units of the dtype's spacing at the reference value). Used both by
// the catalog's output checks and by `vecbench accuracy`.
// Relative error is measured only where the reference is a normal number: below the smallest
// normal the dtype keeps fewer significant bits (and a result of 0 for 1e-45 is the correct
// rounding, not a 100% error), so that region is reported in ULPs and absolute terms instead.
// Matrix products are judged norm-wise, as GEMM error bounds are stated (`checkGemm`): with
// cancellation an output can be tiny next to the products it sums, and its elementwise ULP error
// then says nothing about the kernel.

/// What `maxRel` and `maxUlp` of an `ErrorFigures` measure.
public enum ErrorMeasure: String, Codable, Sendable {
    /// Per element, against the reference value itself.
    case elementwise
    /// Per element of C = A B, against (|A||B|)_ij: maxRel = max |C - Cref|_ij / (|A||B|)_ij and
    /// maxUlp the same in units of the dtype's unit roundoff u (2^-24 for float32, 2^-53 for float64).
    case gemm
}

/// Error figures of a computed output against a higher-precision reference: max absolute, max
/// relative and max ULP, with the elements whose reference underflows counted apart.
public struct ErrorFigures: Equatable, Sendable {
    /// Largest |actual - reference|.
    public var maxAbs: Double = 0
    /// Over elements whose reference is a normal number (elementwise), or norm-wise (gemm).
    public var maxRel: Double = 0
    /// Largest error in units of the dtype's spacing at the reference value (elementwise), or in
    /// units of u (gemm).
    public var maxUlp: Double = 0
    /// Element with the largest ULP error (-1 if none was compared).
    public var worstIndex: Int = -1
    /// Elements compared (skipped ones excluded).
    public var compared: Int = 0
    /// Elements whose reference is non-zero but below the dtype's smallest normal, and their
    /// largest errors (in ULPs, which are absolute there: the subnormal spacing).
    public var underflow: Int = 0
    /// Largest absolute error among the underflowing references.
    public var underflowMaxAbs: Double = 0
    /// Largest ULP error among the underflowing references.
    public var underflowMaxUlp: Double = 0
    /// Whether the relative and ULP figures are elementwise or norm-wise (matrix products).
    public var measure: ErrorMeasure = .elementwise
    /// For `.gemm`: the bound maxUlp was checked against, in units of u.
    public var bound: Double?
    /// No errors, nothing compared.
    public init() {}
    /// Figures as given (elementwise, no underflow).
    public init(maxAbs: Double, maxRel: Double, maxUlp: Double, worstIndex: Int, compared: Int) {
        self.maxAbs = maxAbs; self.maxRel = maxRel; self.maxUlp = maxUlp
        self.worstIndex = worstIndex; self.compared = compared
    }
}

/// An element passes when any one bound holds: ULP bounds suit well-conditioned results, the
/// absolute bound suits results near 0 (where ULPs shrink to nothing), relative suits sums.
public struct Tolerance: Equatable, Sendable {
    /// Max error in ULPs of the dtype at the reference.
    public var ulp: Double
    /// Max absolute error (0: only exact results pass by this bound).
    public var abs: Double
    /// Max relative error, where the reference is normal (0: only exact results pass by it).
    public var rel: Double
    /// Bounds as given; `abs` and `rel` default to 0 (ULP bound only).
    public init(ulp: Double, abs: Double = 0, rel: Double = 0) { self.ulp = ulp; self.abs = abs; self.rel = rel }
}

/// Error figures and checks of outputs against references: elementwise (ULP, absolute,
/// relative) and norm-wise for matrix products (`checkGemm`).
public enum ErrorMetrics {
    /// Spacing of `dtype` numbers at |x| (the ULP), as a Double; tiny but non-zero at 0.
    public static func ulp(at x: Double, dtype: DType) -> Double {
        switch dtype {
        case .float32:
            let f = Float(Swift.min(Swift.abs(x), Double(Float.greatestFiniteMagnitude)))
            return Double(f.ulp)
        case .float64:
            return Swift.min(Swift.abs(x), Double.greatestFiniteMagnitude).ulp
        case .int64, .bool:
            return 1
        }
    }

    /// Unit roundoff u: half the spacing at 1, the bound of one correctly rounded operation.
    public static func unitRoundoff(_ dtype: DType) -> Double {
        dtype == .float32 ? Double(Float.ulpOfOne) / 2 : Double.ulpOfOne / 2
    }

    /// A non-zero reference below the smallest normal of `dtype`: where relative error is not measured.
    public static func underflows(_ reference: Double, dtype: DType) -> Bool {
        let least = dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
        return reference != 0 && Swift.abs(reference) < least
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
            if underflows(reference[i], dtype: dtype) {
                f.underflow += 1
                f.underflowMaxAbs = Swift.max(f.underflowMaxAbs, e.abs)
                f.underflowMaxUlp = Swift.max(f.underflowMaxUlp, e.ulp)
            } else {
                f.maxRel = Swift.max(f.maxRel, e.rel)
            }
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
            let relOK = e.rel <= tolerance.rel && !underflows(reference[i], dtype: dtype)
            if e.ulp <= tolerance.ulp || e.abs <= tolerance.abs || relOK { continue }
            return CheckResult(errors: figures, passed: false,
                               detail: "element \(i): got \(actual[i]), reference \(reference[i]) "
                                   + "(\(e.ulp) ULP; tolerance \(tolerance.ulp) ULP, abs \(tolerance.abs), rel \(tolerance.rel))")
        }
        return CheckResult(errors: figures, passed: true)
    }

    /// Norm-wise check of a matrix product (or a concatenation of several): `magnitude` holds
    /// (|A||B|)_ij computed like the reference from absolute values, or an upper bound of it
    /// (`Reference.normProducts`). Any summation order of k
    /// products (blocked, FMA, split over threads) satisfies |C - Cref| <= gamma_k |A||B| with
    /// gamma_k = k u / (1 - k u) (Higham, Accuracy and Stability of Numerical Algorithms, 3.5), so
    /// the figure max_ij |C - Cref|_ij / (|A||B|)_ij / u is checked against `constant` (k + 1).
    public static func checkGemm(actual: [Double], reference: [Double], magnitude: [Double], inner: Int, dtype: DType,
                                 constant: Double = 2) -> CheckResult {
        let u = unitRoundoff(dtype)
        var f = ErrorFigures()
        f.measure = .gemm
        f.bound = constant * Double(inner + 1)
        let count = Swift.min(actual.count, reference.count, magnitude.count)
        for i in 0..<count {
            let diff = Swift.abs(actual[i] - reference[i])
            let exact = actual[i] == reference[i] || (actual[i].isNaN && reference[i].isNaN)
            let ratio = exact ? 0 : diff.isNaN || magnitude[i] == 0 ? Double.infinity : diff / magnitude[i]
            f.compared += 1
            f.maxAbs = Swift.max(f.maxAbs, exact ? 0 : diff.isNaN ? .infinity : diff)
            if ratio > f.maxRel || f.worstIndex < 0 { f.worstIndex = i; f.maxRel = Swift.max(f.maxRel, ratio) }
        }
        f.maxUlp = f.maxRel / u
        guard actual.count == reference.count, reference.count == magnitude.count else {
            return CheckResult(errors: f, passed: false, detail: "output has \(actual.count) elements, the reference \(reference.count)")
        }
        guard f.maxUlp <= f.bound! else {
            let i = f.worstIndex
            return CheckResult(errors: f, passed: false,
                               detail: "element \(i): got \(actual[i]), reference \(reference[i]): |C - Cref| / (|A||B|) = "
                                   + "\(f.maxUlp) u, above the bound \(f.bound!) u = \(constant) (k + 1) u with k = \(inner)")
        }
        return CheckResult(errors: f, passed: true)
    }
}
