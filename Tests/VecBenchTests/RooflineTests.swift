import Foundation
import Testing
@testable import VecBench

// The roofline as pure functions: which pattern an op's cost has, what traffic it moves at a level
// (write-allocate included), which ceiling bounds it, and that no case can exceed 100% of a
// calibration that is consistent with it.

@Suite struct RooflineTests {
    let cal = syntheticCalibration()

    @Test func patternsFollowTheReadWriteMix() {
        #expect(TrafficPattern.of(reads: 4096, writes: 0) == .read)
        #expect(TrafficPattern.of(reads: Double(4 << 20), writes: 4) == .read)          // a sum writes one scalar
        #expect(TrafficPattern.of(reads: 1, writes: 1) == .copy)
        #expect(TrafficPattern.of(reads: 1, writes: 2) == .copy)                // add backward: gy -> ga, gb
        #expect(TrafficPattern.of(reads: 2, writes: 1) == .triad)
        #expect(TrafficPattern.of(reads: 3, writes: 2) == .triad)
        #expect(TrafficPattern.of(reads: 1, writes: 1, inPlace: true) == .update)
        #expect(Cost(bytes: 12, flops: 0).pattern == .triad)                   // costs without a split keep the old meaning
    }

    @Test func writeAllocateIsCountedWhereItHappens() {
        let copy = Cost(reads: 100, writes: 100, flops: 0)
        #expect(copy.traffic(at: .l1) == 200)        // the output lines stay in L1
        #expect(copy.traffic(at: .l2) == 300)        // 3 streams: the store reads each line first
        #expect(copy.traffic(at: .dram) == 300)
        var nt = copy
        nt.stores = .nonTemporal
        #expect(nt.traffic(at: .dram) == 200)
        #expect(Cost(reads: 100, writes: 100, flops: 0, inPlace: true).traffic(at: .dram) == 200)
        #expect(Cost(reads: 100, writes: 100, flops: 0, inPlace: true).workingSet == 100)
        #expect(Cost(reads: 100, writes: 0, flops: 0).traffic(at: .dram) == 100)
        #expect(StreamProbe(.triad).cost(arrayBytes: 10).traffic(at: .l3) == 40)
        #expect(StreamProbe(.read, .nonTemporal).key == "read")
    }

    @Test func theCeilingMatchesPatternLevelAndThreads() throws {
        // relu forward over 64M floats: a copy of 512 MiB, from DRAM (probed at 256 MiB).
        let relu = try #require(KernelCatalog.entries().first { $0.name == "relu" })
        let big = relu.costModel([[64 << 20]], .float32, .forward, "simd")
        let c = try #require(cal.ceiling(cost: big, threads: 1))
        #expect(c.probe == StreamProbe(.copy) && c.level == .dram && c.bandwidthGBs == 30 * 0.8)
        #expect(c.trafficBytes == 3 * Double(256 << 20))
        // 16M floats (128 MiB) are held against the L3 probe, the largest below them.
        #expect(try #require(cal.ceiling(cost: relu.costModel([[16 << 20]], .float32, .forward, "simd"), threads: 1)).level == .l3)
        // 8K floats (64 KiB with the output) fit two L1s, not one.
        let small = relu.costModel([[8192]], .float32, .forward, "simd")
        #expect(try #require(cal.ceiling(cost: small, threads: 2)).level == .l1)
        #expect(try #require(cal.ceiling(cost: small, threads: 1)).level == .l2)
        // Backward reads x and gy, writes gx: a triad. So does exp's, from y and gy (its kernel
        // reads x only where y overflowed).
        #expect(relu.costModel([[1 << 20]], .float32, .backward, "simd").pattern == .triad)
        let exp = try #require(KernelCatalog.entries().first { $0.name == "exp" })
        #expect(exp.costModel([[1 << 20]], .float64, .backward, "simd").bytes == 3 * Double(8 << 20))
        // add backward hands gy on to operands of the output's shape (0 bytes: no roofline) and
        // sums it to a broadcast one; sub's b gets a negated copy; neither reads a or b.
        let add = try #require(KernelCatalog.entries().first { $0.name == "add" })
        let addBack = add.costModel([[1 << 20], [1 << 20]], .float32, .backward, "simd")
        #expect(addBack.bytes == 0 && cal.ceiling(cost: addBack, threads: 1).map(\.boundNs) ?? 0 == 0)
        let addBroadcast = add.costModel([[1024, 1024], [1024]], .float32, .backward, "simd")
        #expect(addBroadcast.bytes == Double(4 << 20) + 4096 && addBroadcast.writtenBytes == 4096)
        let subBack = try #require(KernelCatalog.entries().first { $0.name == "sub" }).costModel([[1 << 20], [1 << 20]], .float32, .backward, "simd")
        #expect(subBack.bytes == 2 * Double(4 << 20) && subBack.pattern == .copy)
        let mulBack = try #require(KernelCatalog.entries().first { $0.name == "mul" }).costModel([[1 << 20], [1 << 20]], .float32, .backward, "simd")
        #expect(mulBack.bytes == 5 * Double(4 << 20) && mulBack.pattern == .triad)
        let sum = try #require(KernelCatalog.entries().first { $0.name == "sum" }).costModel([[1 << 20]], .float32, .forward, "simd")
        #expect(sum.pattern == .read)
        // A large matrix product is bound by the FMA peak.
        let matmul = try #require(KernelCatalog.entries().first { $0.name == "matmul" })
        let mm = matmul.costModel([[1024, 1024], [1024, 1024]], .float32, .forward, "simd")
        let mc = try #require(cal.ceiling(cost: mm, threads: 2))
        #expect(!mc.memoryBound && mc.boundNs == 2 * pow(1024, 3) / 300)
    }

    /// Every catalog cost, run exactly as fast as the matching probe (or the peak) allows, is at
    /// 100%: the ceiling and the traffic are counted the same way, so nothing a kernel can do
    /// within the calibrated hardware limits prints more.
    @Test func noCatalogCaseExceedsAConsistentCalibration() throws {
        let shapes: [String: [[[Int]]]] = [
            "unary": [[[4096]], [[65536]], [[1 << 20]], [[16 << 20]]],
            "binary": [[[1 << 20], [1 << 20]], [[1024, 1024], [1024]], [[1024, 1024], [1024, 1]], [[4096], [4096]]],
            "matrix": [[[256, 256], [256, 256]], [[8, 8, 8], [8, 8, 8]]],
        ]
        var checked = 0
        for entry in KernelCatalog.entries() {
            let sets = entry.name == "matmul" ? shapes["matrix"]!.filter { $0[0].count == 2 }
                : entry.name == "bmm" ? shapes["matrix"]!.filter { $0[0].count == 3 }
                : entry.arity == 2 ? shapes["binary"]! : shapes["unary"]!
            for s in sets where entry.validateShapes(s) == nil {
                for phase in entry.phases {
                    for dtype in entry.dtypes {
                        for variant in entry.variants { for threads in [1, 2, 3] {
                            let cost = entry.costModel(s, dtype, phase, variant)
                            if cost.bytes == 0 && cost.flops == 0 { continue }   // a pass-through: no roofline
                            let c = try #require(cal.ceiling(cost: cost, threads: threads))
                            let fastest = c.boundNs
                            let pct = try #require(cal.rooflinePct(cost: cost, threads: threads, medianNs: fastest, recheck: false))
                            #expect(abs(pct - 100) < 1e-9, "\(entry.name) \(s) \(phase)")
                            let slower = try #require(cal.rooflinePct(cost: cost, threads: threads, medianNs: 1.25 * fastest, recheck: false))
                            #expect(slower < 100)
                            checked += 1
                        } }
                    }
                }
            }
        }
        #expect(checked > 100)
    }

    /// A unary backward that reads a saved complement is costed as what it computes (sigmoid's
    /// from c: 11 FLOPs an element), not as the forward plus one (21), which printed 146% of the
    /// roofline; the scalar variant recomputes from x and keeps forward plus one.
    @Test func aBackwardFromTheComplementCostsWhatItComputes() throws {
        let sigmoid = try #require(KernelCatalog.entries().first { $0.name == "sigmoid" })
        let n = 1 << 20
        #expect(sigmoid.costModel([[n]], .float32, .backward, "simd").flops == 11 * Double(n))
        #expect(sigmoid.costModel([[n]], .float32, .backward, "scalar").flops == 21 * Double(n))
        let gelu = try #require(KernelCatalog.entries().first { $0.name == "gelu" })
        // float32 gelu keeps x and its backward from x; float64 saves c (gy c).
        #expect(gelu.costModel([[n]], .float32, .backward, "simd").flops == 41 * Double(n))
        #expect(gelu.costModel([[n]], .float64, .backward, "simd").flops == Double(n))
    }

    @Test func aPercentageAboveTheCeilingIsPrintedUnclamped() throws {
        let cost = Cost(reads: Double(64 << 20), writes: Double(64 << 20), flops: 0)
        let c = try #require(cal.ceiling(cost: cost, threads: 1))
        let pct = try #require(cal.rooflinePct(cost: cost, threads: 1, medianNs: c.boundNs / 1.5, recheck: false))
        #expect(abs(pct - 150) < 1e-9)
        #expect(cal.rooflinePct(cost: cost, threads: 1, medianNs: 0) == nil)
    }

    @Test func aBeatenCeilingIsMeasuredAgainOnce() throws {
        // A calibration whose L1 copy figure is absurdly low (1 GB/s): a case beating it has the
        // ceiling re-measured, which then bounds the percentage for the rest of the process.
        var low = syntheticCalibration(id: "recheck-\(UInt64.random(in: 0...UInt64.max))")
        for i in low.points.indices { low.points[i].bandwidthGBs["copy"]?["l1"] = 1 }
        let cost = Cost(reads: Double(8 << 10), writes: Double(8 << 10), flops: 0)
        let c = try #require(low.ceiling(cost: cost, threads: 1))
        #expect(c.level == .l1 && c.bandwidthGBs == 1)
        let unchecked = try #require(low.rooflinePct(cost: cost, threads: 1, medianNs: c.boundNs / 10, recheck: false))
        #expect(abs(unchecked - 1000) < 1e-6)
        let checked = try #require(low.rooflinePct(cost: cost, threads: 1, medianNs: c.boundNs / 10, label: "test copy"))
        #expect(checked < unchecked)
        // The raised figure is kept: no second measurement, the same answer.
        #expect(low.rooflinePct(cost: cost, threads: 1, medianNs: c.boundNs / 10, recheck: false) == checked)
    }
}
