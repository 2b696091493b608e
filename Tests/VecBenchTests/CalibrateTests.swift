import Foundation
import Testing
@testable import VecBench

@Suite struct CalibrateTests {
    let cal = Calibration(fingerprintID: "abc", date: "d", compiledISA: "avx512", l2BytesPerCore: 1 << 20, l3BytesTotal: 32 << 20,
                          points: [Calibration.Point(threads: 2, peakGflops: 300, bandwidthGBs: ["l2": 160, "l3": 70, "dram": 40]),
                                   Calibration.Point(threads: 1, peakGflops: 160, bandwidthGBs: ["l2": 100, "dram": 20])])

    @Test func interpolationBetweenAndBeyondMeasuredThreads() {
        #expect(cal.peakGflops(threads: 1) == 160)
        #expect(cal.peakGflops(threads: 2) == 300)
        #expect(cal.peakGflops(threads: 8) == 300)
        #expect(Calibration.interpolate([(1, 10), (4, 40)], at: 2) == 20)
        #expect(Calibration.interpolate([], at: 2) == nil)
    }

    @Test func workingSetPicksTheLevel() {
        #expect(cal.level(workingSet: Double(512 << 10), threads: 1) == .l2)
        #expect(cal.level(workingSet: Double(4 << 20), threads: 1) == .l3)
        #expect(cal.level(workingSet: 1.5 * Double(1 << 20), threads: 2) == .l2)
        #expect(cal.level(workingSet: Double(64 << 20), threads: 2) == .dram)
        // One thread has no L3 figure: the two-thread one is extrapolated flat.
        #expect(cal.bandwidthGBs(threads: 1, level: .l3) == 70)
        // No thread count has one: the next slower level stands in.
        let noL3 = Calibration(fingerprintID: "x", date: "d", compiledISA: "i", l2BytesPerCore: 1, l3BytesTotal: 2,
                               points: [Calibration.Point(threads: 1, peakGflops: 1, bandwidthGBs: ["dram": 20])])
        #expect(noL3.bandwidthGBs(threads: 4, level: .l3) == 20)
        #expect(noL3.bandwidthGBs(threads: 4, level: .l2) == 20)
    }

    @Test func rooflinePercentages() throws {
        // Memory bound: 4 MiB at 70 GB/s (L3, 2 threads) takes ~59.9 us; measured 2x that -> 50%.
        let bytes = Double(4 << 20)
        let ideal = bytes / 70
        let pct = try #require(cal.rooflinePct(cost: Cost(bytes: bytes, flops: 0), threads: 2, medianNs: 2 * ideal))
        #expect(abs(pct - 50) < 1e-9)
        // Compute bound: 2 GFLOP at 300 GFLOP/s = 6.67 ms.
        let c = try #require(cal.rooflinePct(cost: Cost(bytes: Double(1 << 20), flops: 2e9), threads: 2, medianNs: 2e9 / 300))
        #expect(abs(c - 100) < 1e-9)
        #expect(cal.rooflinePct(cost: Cost(bytes: 1, flops: 1), threads: 1, medianNs: 0) == nil)
    }

    @Test func plannedThreadCountsAndWorkingSets() {
        #expect(Calibrator.threadCounts(maxThreads: 6) == [1, 2, 4, 6])
        let sets = Calibrator.workingSets(threads: 16, l2PerCore: 2 << 20, l3Total: 32 << 20)
        #expect(sets[.l3] == nil)          // 16 MiB of L3 share < 2 x 32 MiB of L2s: no L3 level
        #expect(sets[.l2] == 16 << 20)
        #expect(sets[.dram] == 256 << 20)
    }

    @Test func jsonRoundTripAndCachePath() throws {
        let path = tempPath("cal.json")
        try AtomicFile.write(try cal.encoded(), to: path)
        #expect(Calibration.load(path: path) == cal)
        #expect(Calibration.load(path: "/nonexistent") == nil)
        #expect(Calibration.path(directory: "results", fingerprintID: "abc") == "results/calibration-abc.json")
    }

    @Test func measurementsAreSaneOnThisMachine() {
        // Debug builds run SIMD code through generic calls: only the plumbing is checked here.
        let peak = Calibrator.fmaPeak(threads: 1, iterations: 2_000, repeats: 2)
        #expect(peak > 0 && peak < 10_000)
        let bw = Calibrator.triadBandwidth(threads: 1, bytes: 192 << 10, minTimeNs: 1e6)
        #expect(bw > 0.05 && bw < 10_000)
    }
}
