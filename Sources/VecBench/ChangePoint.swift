import Foundation

// Level shifts in a case's history (`vecbench history`). A benchmark's median over commits is a
// sequence of plateaus (code that did not touch the kernel) broken by steps (commits that did),
// blurred by run-to-run noise; the gate compares two runs, this looks at the whole sequence, so a
// 2%-a-commit creep or a step hidden by one noisy run still shows. The method is the penalised
// least-squares mean-shift model that PELT (Killick, Fearnhead & Eckley 2012) solves, on the log of
// the medians (a 10% step is the same size at 1 us and at 1 s), smoothed by a running median of
// three first (least squares is pulled by outliers: one slow run would otherwise be a two-point level):
//   minimise  sum over segments of sum (x_i - mean_segment)^2  +  beta * (number of segments)
//   beta = penalty * sigma^2 * ln(n)      (BIC/SIC when penalty = 2; 4.5 here: fewer false alarms)
// sigma is estimated robustly from the first differences (1.4826 * MAD(diff) / sqrt 2, floored at
// `noiseFloor`), so a few steps do not inflate it. The exact optimum is found by dynamic
// programming with PELT's pruning. Segments are at least `minSegment` points long (one outlying
// run is not a level), and steps smaller than `minShift` (the gate's 5% by default) are merged
// away afterwards: a statistically clear 1% step on a quiet machine is not worth a flag.
// Measured on 1000 synthetic series each (Gaussian noise on the level; 10 commits before a step,
// 10 after), penalty 3 -> 4.5: flat, 20 commits at 2% noise, a false shift in 3 -> 2 series; at 5%
// noise 99 -> 40; 100 commits at 3%: 2 -> 0. Steps found: 15% at 2% noise 1000 -> 1000 (at the right
// commit 990 -> 993), 7% at 2% 971 -> 963, 10% at 5% 807 -> 644, 15% at 5% 986 -> 925.

/// Settings of the change-point search (`vecbench history --penalty --min-shift --min-segment`).
public struct ChangePointOptions: Sendable, Equatable {
    /// beta = penalty * sigma^2 * ln(n); larger finds fewer steps.
    public var penalty = 4.5
    /// Fewest points in a segment: a step at the newest commit is flagged once this many commits show it.
    public var minSegment = 2
    /// Smallest level change reported, as a fraction (0.05 = 5%).
    public var minShift = 0.05
    /// Smallest noise sigma assumed, in log units (0.005 ~ 0.5%): an unusually quiet history must
    /// not make every wiggle significant.
    public var noiseFloor = 0.005
    /// Options as given (defaults as documented on each property).
    public init(penalty: Double = 4.5, minSegment: Int = 2, minShift: Double = 0.05, noiseFloor: Double = 0.005) {
        self.penalty = penalty; self.minSegment = minSegment; self.minShift = minShift; self.noiseFloor = noiseFloor
    }
}

/// One step in a history: the first point of the new level and the levels before and after.
public struct LevelShift: Equatable, Sendable {
    /// Index (into the series) of the first point at the new level.
    public var index: Int
    /// Level before the step (geometric mean of the previous segment), in the series' unit.
    public var before: Double
    /// Level after the step (geometric mean of the next segment).
    public var after: Double
    /// after / before - 1: +0.15 means 15% slower.
    public var change: Double { after / before - 1 }
}

/// Penalised mean-shift change-point detection on log medians (PELT's objective and pruning).
public enum ChangePoint {
    /// The level shifts of `values` (positive medians in time order). Fewer than 2 * minSegment
    /// points, or any value that is not positive and finite, give none.
    public static func detect(_ values: [Double], options: ChangePointOptions = ChangePointOptions()) -> [LevelShift] {
        let minSegment = max(1, options.minSegment)
        guard values.count >= 2 * minSegment, values.allSatisfy({ $0 > 0 && $0.isFinite }) else { return [] }
        let raw = values.map { Foundation.log($0) }
        let sigma = max(noiseSigma(raw), options.noiseFloor)
        let x = medianOf3(raw)
        let beta = options.penalty * sigma * sigma * Foundation.log(Double(x.count))
        var starts = segmentStarts(x, beta: beta, minSegment: minSegment)
        mergeSmallSteps(x, &starts, minShift: options.minShift)
        let means = segmentMeans(x, starts)
        return (1..<max(1, starts.count)).map { i in
            LevelShift(index: starts[i], before: Foundation.exp(means[i - 1]), after: Foundation.exp(means[i]))
        }
    }

    /// Running median of three with Tukey's end-point rule: an isolated slow (or fast) run vanishes,
    /// a step of two or more points is kept exactly where it is.
    static func medianOf3(_ x: [Double]) -> [Double] {
        guard x.count >= 3 else { return x }
        func med(_ a: Double, _ b: Double, _ c: Double) -> Double { max(min(a, b), min(max(a, b), c)) }
        var y = x
        for i in 1..<(x.count - 1) { y[i] = med(x[i - 1], x[i], x[i + 1]) }
        let n = x.count
        y[0] = med(x[0], y[1], 3 * y[1] - 2 * y[2])
        y[n - 1] = med(x[n - 1], y[n - 2], 3 * y[n - 2] - 2 * y[n - 3])
        return y
    }

    /// Robust noise of a series with steps: 1.4826 * MAD of the first differences / sqrt 2 (a step
    /// moves only one difference, the MAD ignores it).
    public static func noiseSigma(_ x: [Double]) -> Double {
        guard x.count >= 3 else { return 0 }
        let d = zip(x.dropFirst(), x).map { $0 - $1 }
        return 1.4826 * Stats.mad(d) / 2.0.squareRoot()
    }

    /// Start indexes of the optimal segmentation (always beginning with 0): minimises the sum of
    /// squared deviations from each segment's mean plus `beta` per segment, segments at least
    /// `minSegment` long. F(t) = min over s of F(s) + cost(s, t) + beta, with PELT's pruning: an s
    /// whose F(s) + cost(s, t) exceeds F(t) can never be the best last split later on.
    static func segmentStarts(_ x: [Double], beta: Double, minSegment: Int) -> [Int] {
        let n = x.count
        guard n >= 2 * minSegment else { return [0] }
        var s1 = [0.0], s2 = [0.0]
        for v in x { s1.append(s1.last! + v); s2.append(s2.last! + v * v) }
        func cost(_ s: Int, _ t: Int) -> Double {
            let sum = s1[t] - s1[s], m = Double(t - s)
            return max(0, s2[t] - s2[s] - sum * sum / m)
        }
        var f = [Double](repeating: .infinity, count: n + 1), last = [Int](repeating: 0, count: n + 1)
        f[0] = -beta
        var candidates = [0]
        for t in minSegment...n {
            var best = Double.infinity, arg = 0
            for s in candidates where t - s >= minSegment {
                let v = f[s] + cost(s, t) + beta
                if v < best { best = v; arg = s }
            }
            f[t] = best; last[t] = arg
            candidates.removeAll { s in t - s >= minSegment && f[s] + cost(s, t) > f[t] }
            // A split at t leaves a tail of at least minSegment only while t <= n - minSegment.
            if t <= n - minSegment { candidates.append(t) }
        }
        var starts: [Int] = []
        var t = n
        while t > 0 { t = last[t]; starts.append(t) }
        return starts.reversed()
    }

    /// Mean of each segment (`starts` from `segmentStarts`).
    static func segmentMeans(_ x: [Double], _ starts: [Int]) -> [Double] {
        starts.indices.map { i in
            let end = i + 1 < starts.count ? starts[i + 1] : x.count
            let seg = x[starts[i]..<end]
            return seg.reduce(0, +) / Double(seg.count)
        }
    }

    /// Removes, smallest first, the steps whose level change is under `minShift`.
    static func mergeSmallSteps(_ x: [Double], _ starts: inout [Int], minShift: Double) {
        let limit = Foundation.log1p(max(0, minShift))
        while starts.count > 1 {
            let means = segmentMeans(x, starts)
            let steps = (1..<starts.count).map { (i: $0, size: abs(means[$0] - means[$0 - 1])) }
            guard let smallest = steps.min(by: { $0.size < $1.size }), smallest.size < limit else { return }
            starts.remove(at: smallest.i)
        }
    }
}
