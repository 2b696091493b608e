import ArgumentParser
import Foundation
import VecBench
import VecPlatform

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine's FP32 FMA peak and triad bandwidth (L2, L3, DRAM) per thread count.",
        discussion: """
            The result is cached as OUT/calibration-<machine id>.json and used by `run` for roofline \
            percentages. Build with -march=native (make build) or the peak is that of the build.

            Examples:
              vecbench calibrate --out results
              vecbench calibrate --max-threads 16 --force
            """)

    @Option(help: "Directory for the calibration file. Example: --out results")
    var out = "results"

    @Option(help: "Largest thread count to measure (default: every CPU). Example: --max-threads 8")
    var maxThreads: Int?

    @Flag(help: "Measure again even when a calibration is cached. Example: --force")
    var force = false

    func validate() throws {
        if let maxThreads, maxThreads < 1 || maxThreads > 4096 { throw ValidationError("--max-threads must be in 1...4096") }
    }

    func run() throws {
        let topology = Topology.machine?.model()
        let fingerprint = Fingerprint.current(topology: topology)
        let path = Calibration.path(directory: out, fingerprintID: fingerprint.id)
        if !force, let cached = Calibration.load(path: path) {
            print("cached: \(path)")
            print(Self.describe(cached), terminator: "")
            return
        }
        if let warning = ISA.warning { writeStderr("warning: \(warning)\n") }
        let c = Calibrator.run(topology: topology, fingerprint: fingerprint, maxThreads: maxThreads ?? Threading.availableCPUs,
                               report: { writeStderr($0 + "\n") })
        try AtomicFile.write(try c.encoded(), to: path)
        print("wrote \(path)")
        print(Self.describe(c), terminator: "")
    }

    static func describe(_ c: Calibration) -> String {
        let rows = c.points.map { p in
            [String(p.threads), TextFormat.fixed(p.peakGflops, 1)] + MemoryLevel.allCases.map { l in
                p.bandwidthGBs[l.rawValue].map { TextFormat.fixed($0, 1) } ?? "-"
            }
        }
        return TextFormat.table(["threads", "FMA GFLOP/s", "L2 GB/s", "L3 GB/s", "DRAM GB/s"], rows, rightAligned: [0, 1, 2, 3, 4])
    }

    /// The cached calibration of this machine, measured first when missing and `measureIfMissing`.
    static func cachedOrMeasured(out: String, fingerprint: Fingerprint, topology: TopologyModel?, measureIfMissing: Bool) throws -> Calibration? {
        let path = Calibration.path(directory: out, fingerprintID: fingerprint.id)
        if let c = Calibration.load(path: path) { return c }
        guard measureIfMissing else { return nil }
        let c = Calibrator.run(topology: topology, fingerprint: fingerprint, maxThreads: Threading.availableCPUs,
                               report: { writeStderr("calibrate: " + $0 + "\n") })
        try AtomicFile.write(try c.encoded(), to: path)
        return c
    }
}
