import ArgumentParser
import Foundation
import VecBench
import VecPlatform

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine's FP32 FMA peak and the bandwidth of each access pattern per cache level and thread count.",
        discussion: """
            Patterns: read, copy and triad (normal and streaming stores), in-place update; levels L1, L2, \
            L3 and DRAM from the hwloc topology; thread counts 1, powers of two and every CPU. The result \
            is cached as OUT/calibration-<machine id>.json (with a format version: an older file is \
            measured again; a process held to n of the machine's CPUs by taskset or a cpuset caches \
            OUT/calibration-<machine id>-<n>cpus.json) and used by `run` for roofline percentages. Build with -march=native (make \
            build) or the peak is that of the build.

            Examples:
              vecbench calibrate --out results
              vecbench calibrate --max-threads 16 --force
            """)

    @Option(help: "Directory for the calibration file. Example: --out results")
    var out = "results"

    @Option(parsing: .unconditional, help: "Largest thread count to measure (default: every CPU). Example: --max-threads 8")
    var maxThreads: Int?

    @Flag(help: "Measure again even when a calibration is cached. Example: --force")
    var force = false

    func validate() throws {
        if let maxThreads, maxThreads < 1 || maxThreads > 4096 { throw ValidationError("--max-threads must be in 1...4096") }
    }

    func run() throws {
        let topology = Topology.machine?.model()
        let fingerprint = Fingerprint.current(topology: topology)
        let path = Self.path(out: out, fingerprint: fingerprint)
        if !force, let cached = Calibration.load(path: path) {
            print("cached: \(path)")
            print(Self.describe(cached), terminator: "")
            return
        }
        if let warning = ISA.warning { writeStderr("warning: \(warning)\n") }
        let c = try Self.measure(path: path, fingerprint: fingerprint, topology: topology,
                                 maxThreads: maxThreads ?? Threading.processCPUs, prefix: "")
        print("wrote \(path)")
        print(Self.describe(c), terminator: "")
    }

    /// Measures, says what a reader of the cache should know (a process held to fewer CPUs, a
    /// peak that did not scale), and writes the cache file.
    static func measure(path: String, fingerprint: Fingerprint, topology: TopologyModel?, maxThreads: Int,
                        prefix: String) throws -> Calibration {
        if let n = restriction(fingerprint) {
            writeStderr("note: measuring on \(Threading.processCPUsPhrase) (the machine has \(fingerprint.logicalCPUs) PUs): "
                        + "cached apart from the machine's calibration, for runs held to \(n) CPU\(n == 1 ? "" : "s") as well\n")
        }
        let c = Calibrator.run(topology: topology, fingerprint: fingerprint, maxThreads: maxThreads,
                               report: { writeStderr(prefix + $0 + "\n") })
        if let w = c.scalingWarning { writeStderr("warning: \(w)\n") }
        try AtomicFile.write(try c.encoded(), to: path)
        return c
    }

    static func describe(_ c: Calibration) -> String {
        let peaks = c.points.map { "\($0.threads) thread\($0.threads == 1 ? "" : "s") \(TextFormat.fixed($0.peakGflops, 1))" }
        var out = "FP32 FMA peak GFLOP/s: " + peaks.joined(separator: ", ") + "\n"
        out += "caches: L1 \(formatBytes(c.l1BytesPerCore)) and L2 \(formatBytes(c.l2BytesPerCore)) per core (\(c.cores) cores), "
            + "L3 \(formatBytes(c.l3BytesTotal)) in all\n"
        let rows = c.points.flatMap { p in
            StreamProbe.all.map { probe in
                [String(p.threads), probe.key] + MemoryLevel.allCases.map { l in
                    p.bandwidthGBs[probe.key]?[l.rawValue].map { TextFormat.fixed($0, 1) } ?? "-"
                }
            }
        }
        out += TextFormat.table(["threads", "pattern"] + MemoryLevel.allCases.map { $0.rawValue.uppercased() + " GB/s" }, rows,
                                rightAligned: [0, 2, 3, 4, 5])
        out += "GB/s of traffic: bytes read and written, plus the write-allocate read of each line written with normal\n"
            + "stores beyond L1 (copy moves 3 streams, triad 4; -nt: streaming stores, none; update writes what it read).\n"
            + "Working sets: half of L1; L2 and L3 at 1.25x the level before (their fast end); 4x L3 for DRAM.\n"
            + "`run` holds each op against the probe of its pattern at the largest working set not above its own.\n"
        return out
    }

    /// The CPU count this process is held to, nil when it may use every PU of the machine.
    static func restriction(_ fingerprint: Fingerprint) -> Int? {
        Threading.processCPUs < fingerprint.logicalCPUs ? Threading.processCPUs : nil
    }

    /// Where this process's calibration is cached: the machine's, or one of its CPU count (`Calibration.path`).
    static func path(out: String, fingerprint: Fingerprint) -> String {
        Calibration.path(directory: out, fingerprintID: fingerprint.id, restrictedTo: restriction(fingerprint))
    }

    /// The cached calibration of this machine, measured first when missing and `measureIfMissing`.
    static func cachedOrMeasured(out: String, fingerprint: Fingerprint, topology: TopologyModel?, measureIfMissing: Bool) throws -> Calibration? {
        let path = Self.path(out: out, fingerprint: fingerprint)
        if let c = Calibration.load(path: path) { return c }
        guard measureIfMissing else { return nil }
        let c = try measure(path: path, fingerprint: fingerprint, topology: topology, maxThreads: Threading.processCPUs,
                            prefix: "calibrate: ")
        writeStderr("calibrate: wrote \(path)\n")
        return c
    }
}
