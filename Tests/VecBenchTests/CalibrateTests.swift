import Foundation
import Testing
@testable import VecBench

/// A calibration of a made-up 2-core machine (L1 48 KiB, L2 2 MiB per core, L3 32 MiB) whose
/// figures follow one rule, so that expectations can be computed by hand.
func syntheticCalibration(id: String = "abc") -> Calibration {
    let levels: [MemoryLevel: Double] = [.l1: 400, .l2: 200, .l3: 80, .dram: 30]
    let factor: [String: Double] = ["read": 1.2, "copy": 0.8, "copy-nt": 0.9, "triad": 1, "triad-nt": 1.1, "update": 0.7]
    func point(_ t: Int, peak: Double) -> Calibration.Point {
        var bw: [String: [String: Double]] = [:]
        for probe in StreamProbe.all {
            for (l, g) in levels where !(t == 1 && l == .l3) { bw[probe.key, default: [:]][l.rawValue] = g * factor[probe.key]! * Double(t) }
        }
        return Calibration.Point(threads: t, peakGflops: peak, bandwidthGBs: bw)
    }
    return Calibration(fingerprintID: id, date: "d", compiledISA: "avx512", l1BytesPerCore: 48 << 10, l2BytesPerCore: 2 << 20,
                       l3BytesTotal: 32 << 20, cores: 2, points: [point(2, peak: 300), point(1, peak: 160)])
}

@Suite struct CalibrateTests {
    let cal = syntheticCalibration()

    @Test func interpolationBetweenAndBeyondMeasuredThreads() {
        #expect(cal.peakGflops(threads: 1) == 160)
        #expect(cal.peakGflops(threads: 2) == 300)
        #expect(cal.peakGflops(threads: 8) == 300)
        #expect(Calibration.interpolate([(1, 10), (4, 40)], at: 2) == 20)
        #expect(Calibration.interpolate([], at: 2) == nil)
        // Two threads measured below one (a busy machine): they get the one-thread figure.
        var busy = cal
        busy.points[1].peakGflops = 120
        busy.points[1].bandwidthGBs["copy"]?["l2"] = 100
        #expect(busy.peakGflops(threads: 2) == 160)
        #expect(busy.bandwidthGBs(threads: 2, level: .l2, probe: StreamProbe(.copy)) == 200 * 0.8)
    }

    @Test func workingSetPicksTheLargestProbeNotAboveIt() {
        // Probes (1 thread): L1 24 KiB, L2 60 KiB, L3 2.5 MiB, DRAM 256 MiB.
        #expect(cal.level(workingSet: 1024, threads: 1) == .l1)
        #expect(cal.level(workingSet: Double(48 << 10), threads: 1) == .l1)
        #expect(cal.level(workingSet: Double(64 << 10), threads: 2) == .l1)
        #expect(cal.level(workingSet: Double(64 << 10), threads: 1) == .l2)
        #expect(cal.level(workingSet: Double(2 << 20), threads: 1) == .l2)
        #expect(cal.level(workingSet: Double(3 << 20), threads: 1) == .l3)
        #expect(cal.level(workingSet: Double(3 << 20), threads: 2) == .l2)
        // Threads beyond the cores share their caches: 4 threads hold what 2 cores hold.
        #expect(cal.level(workingSet: Double(6 << 20), threads: 4) == .l3)
        #expect(cal.level(workingSet: Double(64 << 20), threads: 2) == .l3)
        #expect(cal.level(workingSet: Double(256 << 20), threads: 2) == .dram)
    }

    @Test func missingFiguresFallBackToSlowerLevelsAndOtherThreadCounts() {
        // One thread has no L3 figure: the two-thread one is extrapolated flat.
        #expect(cal.bandwidthGBs(threads: 1, level: .l3, probe: StreamProbe(.triad)) == 160)
        let noL3 = Calibration(fingerprintID: "x", date: "d", compiledISA: "i", l1BytesPerCore: 1, l2BytesPerCore: 1, l3BytesTotal: 2,
                               cores: 1, points: [Calibration.Point(threads: 1, peakGflops: 1, bandwidthGBs: ["copy": ["dram": 20]])])
        #expect(noL3.bandwidthGBs(threads: 4, level: .l3, probe: StreamProbe(.copy)) == 20)
        #expect(noL3.bandwidthGBs(threads: 4, level: .l1, probe: StreamProbe(.copy)) == 20)
        #expect(noL3.bandwidthGBs(threads: 1, level: .dram, probe: StreamProbe(.read)) == nil)
    }

    @Test func plannedThreadCountsAndWorkingSets() {
        #expect(Calibrator.threadCounts(maxThreads: 6) == [1, 2, 4, 6])
        let sets = Calibrator.workingSets(threads: 16, l1PerCore: 32 << 10, l2PerCore: 2 << 20, l3Total: 32 << 20, cores: 16)
        #expect(sets[.l3] == nil)          // 16 MiB of L3 share < 2 x 32 MiB of L2s: no L3 level
        #expect(sets[.l1] == 256 << 10)
        #expect(sets[.l2] == 640 << 10)
        #expect(sets[.dram] == 256 << 20)
        // L3 is measured at its fast end, just beyond the L2s.
        #expect(Calibrator.workingSets(threads: 1, l1PerCore: 48 << 10, l2PerCore: 2 << 20, l3Total: 300 << 20, cores: 2)[.l3] == 5 << 19)
        // 4 threads on 2 cores: the working sets are those of the 2 cores.
        #expect(Calibrator.workingSets(threads: 4, l1PerCore: 32 << 10, l2PerCore: 2 << 20, l3Total: 32 << 20, cores: 2)[.l2] == 80 << 10)
    }

    /// A 2-thread peak that did not scale on 2 cores (measured beside other load) is warned
    /// about before it is cached; one that did, or more threads than cores, is not.
    @Test func aPeakThatDidNotScaleIsWarnedAbout() {
        #expect(cal.scalingWarning == nil)  // 160 -> 300 on 2 cores
        var busy = cal
        busy.points[1].peakGflops = 170
        #expect(busy.scalingWarning?.hasPrefix("the FMA peak on 2 threads (170.0 GFLOP/s) is 1.06x the 1-thread one (160.0) on 2 cores") == true)
        busy.cores = 1  // two threads on one core (SMT) share its FMA units
        #expect(busy.scalingWarning == nil)
    }

    @Test func jsonRoundTripCachePathAndFormatVersion() throws {
        let path = tempPath("cal.json")
        try AtomicFile.write(try cal.encoded(), to: path)
        #expect(Calibration.load(path: path) == cal)
        #expect(Calibration.load(path: "/nonexistent") == nil)
        #expect(Calibration.path(directory: "results", fingerprintID: "abc") == "results/calibration-abc.json")
        #expect(Calibration.path(directory: "results", fingerprintID: "abc", restrictedTo: 3) == "results/calibration-abc-3cpus.json")
        // A cache of another format is measured again, never misread.
        var old = cal
        old.format = Calibration.currentFormat - 1
        try AtomicFile.write(try old.encoded(), to: path)
        #expect(Calibration.load(path: path) == nil)
        let formatOne = """
            {"compiledISA":"avx512","date":"d","fingerprintID":"abc","l2BytesPerCore":1048576,"l3BytesTotal":33554432,
             "points":[{"bandwidthGBs":{"dram":40,"l2":160},"peakGflops":300,"threads":2}]}
            """
        try AtomicFile.write(formatOne, to: path)
        #expect(Calibration.load(path: path) == nil)
    }

    @Test func measurementsAreSaneOnThisMachine() {
        // Debug builds run SIMD code through generic calls: only the plumbing is checked here.
        let peak = Calibrator.fmaPeak(threads: 1, iterations: 2_000, repeats: 2)
        #expect(peak > 0 && peak < 10_000)
        for probe in StreamProbe.all {
            let bw = Calibrator.bandwidth(probe, threads: 1, bytes: 192 << 10, level: .l2, minTimeNs: 1e6)
            #expect(bw > 0.05 && bw < 10_000, "\(probe.key)")
        }
    }
}
