import Foundation

// Robust statistics for timing samples. Timings are skewed (a floor plus rare slow outliers from
// interrupts and frequency changes), so everything here is order-based: median, min, MAD, an
// order-statistic interval for the median, and a rank test (Mann-Whitney U) between two runs.

/// Summary of one case's samples, in the samples' unit (nanoseconds per call in the harness).
public struct SampleSummary: Equatable, Sendable {
    /// Number of samples.
    public var count: Int
    /// Median sample (mean of the middle two for even counts).
    public var median: Double
    /// Smallest sample.
    public var min: Double
    /// Largest sample (NaN where only a stored summary was read back).
    public var max: Double
    /// Median absolute deviation from the median (unscaled; times 1.4826 estimates sigma).
    public var mad: Double
    /// Distribution-free confidence interval of the median (see `Stats.medianCI`).
    public var ciLow: Double
    /// Upper end of that interval.
    public var ciHigh: Double

    /// A summary as given.
    public init(count: Int, median: Double, min: Double, max: Double, mad: Double, ciLow: Double, ciHigh: Double) {
        self.count = count; self.median = median; self.min = min; self.max = max
        self.mad = mad; self.ciLow = ciLow; self.ciHigh = ciHigh
    }
}

/// Two-sided Mann-Whitney U test of "the two sample sets come from the same distribution".
public struct RankTestResult: Equatable, Sendable {
    /// U of the first sample set: how often one of its values exceeds one of the second set's.
    public var u: Double
    /// Standardised U with tie and continuity corrections (normal approximation).
    public var z: Double
    /// Two-sided p-value; 1 when either side is empty or every value is tied.
    public var pValue: Double
}

/// Order-based statistics for timing samples (median, MAD, median interval, Mann-Whitney U):
/// timings are skewed by rare slow outliers, so nothing here assumes a normal distribution.
public enum Stats {
    /// Median; NaN for no samples. Even counts average the two middle values.
    public static func median(_ xs: [Double]) -> Double {
        medianOfSorted(xs.sorted())
    }

    static func medianOfSorted(_ s: [Double]) -> Double {
        guard !s.isEmpty else { return .nan }
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }

    /// Smallest sample; NaN for none.
    public static func minimum(_ xs: [Double]) -> Double { xs.min() ?? .nan }

    /// Median absolute deviation; NaN for no samples.
    public static func mad(_ xs: [Double]) -> Double {
        let m = median(xs)
        return median(xs.map { abs($0 - m) })
    }

    /// Confidence interval of the median from order statistics: [x(j), x(n+1-j)] with the largest
    /// j such that P(Binomial(n, 1/2) < j) <= (1 - confidence) / 2. Exact coverage for any
    /// continuous distribution. With too few samples for that (n <= 5 at 95%) it is [min, max],
    /// whose coverage is then below the nominal level. NaNs for no samples.
    public static func medianCI(_ xs: [Double], confidence: Double = 0.95) -> (low: Double, high: Double) {
        let s = xs.sorted()
        guard !s.isEmpty else { return (.nan, .nan) }
        let j = orderStatisticRank(n: s.count, confidence: confidence)
        return (s[j - 1], s[s.count - j])
    }

    /// The 1-based rank j of the lower bound of the median interval (at least 1).
    public static func orderStatisticRank(n: Int, confidence: Double) -> Int {
        let tail = (1 - Swift.min(Swift.max(confidence, 0), 1)) / 2
        var cdf = 0.0   // P(B <= k - 1) while k walks up
        var best = 1
        var k = 0
        while k < (n + 1) / 2 {
            cdf += binomialHalfPMF(n: n, k: k)
            // Bound j = k + 1 is allowed when P(B <= k) <= tail.
            if cdf <= tail { best = k + 1 } else { break }
            k += 1
        }
        return best
    }

    /// P(Binomial(n, 1/2) = k), through logs so that large n neither overflows nor underflows early.
    static func binomialHalfPMF(n: Int, k: Int) -> Double {
        let logC = lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
        return exp(logC - Double(n) * M_LN2)
    }

    /// Median, min, max, MAD and the 95% median interval in one pass over the sorted samples.
    public static func summarize(_ xs: [Double], confidence: Double = 0.95) -> SampleSummary {
        let s = xs.sorted()
        guard !s.isEmpty else {
            return SampleSummary(count: 0, median: .nan, min: .nan, max: .nan, mad: .nan, ciLow: .nan, ciHigh: .nan)
        }
        let m = medianOfSorted(s)
        let j = orderStatisticRank(n: s.count, confidence: confidence)
        return SampleSummary(count: s.count, median: m, min: s[0], max: s[s.count - 1],
                             mad: medianOfSorted(s.map { abs($0 - m) }.sorted()),
                             ciLow: s[j - 1], ciHigh: s[s.count - j])
    }

    /// Mann-Whitney U with average ranks for ties, the tie-corrected variance and a continuity
    /// correction. The normal approximation is fair from about 8 samples a side; the harness
    /// takes at least 10.
    public static func mannWhitney(_ a: [Double], _ b: [Double]) -> RankTestResult {
        let n1 = Double(a.count), n2 = Double(b.count)
        guard !a.isEmpty, !b.isEmpty else { return RankTestResult(u: .nan, z: 0, pValue: 1) }
        let all = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var rankSumA = 0.0
        var tieTerm = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for t in i...j where all[t].1 == 0 { rankSumA += averageRank }
            let tied = Double(j - i + 1)
            tieTerm += tied * tied * tied - tied
            i = j + 1
        }
        let u = rankSumA - n1 * (n1 + 1) / 2
        let n = n1 + n2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return RankTestResult(u: u, z: 0, pValue: 1) }
        let diff = u - mean
        let corrected = diff == 0 ? 0 : (abs(diff) - 0.5) * (diff > 0 ? 1 : -1)
        let z = corrected / variance.squareRoot()
        return RankTestResult(u: u, z: z, pValue: erfc(abs(z) / 2.0.squareRoot()))
    }

    /// Exact two-sided Mann-Whitney p-value from the null distribution of U (all orderings of
    /// the pooled values equally likely), for small samples where the normal approximation is
    /// too coarse: with 5 fully separated values a side it gives 2/252 = 0.0079 where the normal
    /// approximation says 0.012. Ties are broken by half-counting (U from average ranks), which
    /// keeps the test conservative. Falls back to `mannWhitney` above 30 values a side.
    public static func mannWhitneyExactP(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return 1 }
        guard n1 <= 30, n2 <= 30 else { return mannWhitney(a, b).pValue }
        var u = 0.0
        for x in a { for y in b { u += x > y ? 1 : (x == y ? 0.5 : 0) } }
        // counts[k] = number of orderings with U = k, by the recurrence over the largest value.
        var table = [[Double]](repeating: [], count: n2 + 1)
        for j in 0...n2 { table[j] = [1] }   // n1 = 0: U = 0 in exactly one way
        for i in 1...n1 {
            var next = [[Double]](repeating: [], count: n2 + 1)
            next[0] = [1]
            if n2 >= 1 {
                for j in 1...n2 {
                    // Largest value from sample a: it beats all j of b (U += j); else from b.
                    let fromA = table[j], fromB = next[j - 1]
                    var c = [Double](repeating: 0, count: i * j + 1)
                    for (k, v) in fromA.enumerated() where k + j < c.count { c[k + j] += v }
                    for (k, v) in fromB.enumerated() where k < c.count { c[k] += v }
                    next[j] = c
                }
            }
            table = next
        }
        let counts = table[n2]
        let total = counts.reduce(0, +)
        let mean = Double(n1 * n2) / 2
        let distance = abs(u - mean)
        var tail = 0.0
        for (k, v) in counts.enumerated() where abs(Double(k) - mean) >= distance - 1e-9 { tail += v }
        return Swift.min(1, tail / total)
    }

    /// Between-round spread of a case: (max - min) / median of the per-round medians, as a
    /// fraction. Rounds are separate passes over the suite (fresh buffers, other cases run in
    /// between), so this sees the drift that samples taken back to back cannot: the noise a
    /// second run of the same build will show. NaN with fewer than two rounds.
    public static func roundSpread(_ roundMedians: [Double]) -> Double {
        guard roundMedians.count >= 2 else { return .nan }
        let m = median(roundMedians)
        guard m > 0, let lo = roundMedians.min(), let hi = roundMedians.max() else { return .nan }
        return (hi - lo) / m
    }

    /// `roundSpread` in percent, rounded to 0.1 as reports write it; nil with fewer than two rounds.
    public static func noisePercent(_ roundMedians: [Double]) -> Double? {
        let spread = roundSpread(roundMedians)
        return spread.isFinite ? (spread * 1000).rounded() / 10 : nil
    }

    /// True when the closed intervals share no point: the medians differ at the intervals' level
    /// (conservatively; non-overlap of two 95% intervals is about a 99.5% test).
    public static func intervalsDisjoint(_ a: (low: Double, high: Double), _ b: (low: Double, high: Double)) -> Bool {
        a.high < b.low || b.high < a.low
    }
}
