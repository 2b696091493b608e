import Testing
import VecPlatform
@testable import VecBench

@Suite struct StatsTests {
    @Test func medianOfOddAndEvenCounts() {
        #expect(Stats.median([5, 1, 3]) == 3)
        #expect(Stats.median([4, 1, 3, 2]) == 2.5)
        #expect(Stats.median([7]) == 7)
        #expect(Stats.median([]).isNaN)
    }

    @Test func madIgnoresOneOutlier() {
        // Deviations from the median 3: 2,1,0,1,997 -> median 1.
        #expect(Stats.mad([1, 2, 3, 4, 1000]) == 1)
        #expect(Stats.mad([5, 5, 5]) == 0)
        #expect(Stats.minimum([3, -2, 9]) == -2)
    }

    @Test func medianIntervalRanksMatchTheBinomialTable() {
        // Classic 95% table: n=10 -> (2,9), n=20 -> (6,15), n=100 -> (40,61); n<=5 -> whole range.
        #expect(Stats.orderStatisticRank(n: 10, confidence: 0.95) == 2)
        #expect(Stats.orderStatisticRank(n: 20, confidence: 0.95) == 6)
        #expect(Stats.orderStatisticRank(n: 100, confidence: 0.95) == 40)
        #expect(Stats.orderStatisticRank(n: 5, confidence: 0.95) == 1)
        #expect(Stats.orderStatisticRank(n: 1, confidence: 0.95) == 1)
        let ci = Stats.medianCI((1...10).map(Double.init))
        #expect(ci.low == 2 && ci.high == 9)
    }

    @Test func medianIntervalCoversTheTrueMedianAtAboutItsLevel() {
        var rng = SplitMix64(seed: 42)
        var covered = 0
        let trials = 400
        for _ in 0..<trials {
            let xs = (0..<25).map { _ in rng.nextUnit() }   // uniform(0,1): true median 0.5
            let ci = Stats.medianCI(xs)
            if ci.low <= 0.5 && 0.5 <= ci.high { covered += 1 }
        }
        // Exact coverage for n=25 is 0.957; allow sampling noise of 400 trials.
        #expect(covered >= 365 && covered <= 396)
    }

    @Test func summaryAgreesWithTheSingleFunctions() {
        let xs: [Double] = [10, 12, 11, 30, 10, 11, 13, 11, 12, 10]
        let s = Stats.summarize(xs)
        #expect(s.count == 10 && s.min == 10 && s.max == 30)
        #expect(s.median == Stats.median(xs))
        #expect(s.mad == Stats.mad(xs))
        let ci = Stats.medianCI(xs)
        #expect(s.ciLow == ci.low && s.ciHigh == ci.high)
        #expect(Stats.summarize([]).median.isNaN)
    }

    @Test func mannWhitneySeparatesShiftedSamples() {
        let a = (0..<20).map { 100 + Double($0 % 5) }
        let b = (0..<20).map { 130 + Double($0 % 5) }
        let r = Stats.mannWhitney(a, b)
        #expect(r.u == 0)
        #expect(r.pValue < 1e-6)
        #expect(r.z < 0)
    }

    @Test func mannWhitneyFindsNoDifferenceInTheSameDistribution() {
        var rng = SplitMix64(seed: 7)
        var rejections = 0
        for _ in 0..<200 {
            let a = (0..<15).map { _ in rng.nextUnit() }
            let b = (0..<15).map { _ in rng.nextUnit() }
            if Stats.mannWhitney(a, b).pValue < 0.05 { rejections += 1 }
        }
        #expect(rejections <= 20)   // about 5% expected
    }

    @Test func mannWhitneyKnownValueWithTies() {
        // U for a: pairs where a > b count 1, ties 0.5: (3>1,3>2, 3=3 -> .5, ...).
        let r = Stats.mannWhitney([3, 4, 5], [1, 2, 3])
        #expect(r.u == 8.5)
        #expect(Stats.mannWhitney([1, 1], [1, 1]).pValue == 1)
        #expect(Stats.mannWhitney([], [1]).pValue == 1)
    }

    @Test func disjointIntervals() {
        #expect(Stats.intervalsDisjoint((1, 2), (3, 4)))
        #expect(!Stats.intervalsDisjoint((1, 3), (3, 4)))
        #expect(Stats.intervalsDisjoint((5, 6), (3, 4)))
    }
}

