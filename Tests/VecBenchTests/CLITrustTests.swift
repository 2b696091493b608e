#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VecPlatform
@testable import VecBench

// The compiled CLI on what issue "numbers users can trust" asks: cut reports fail the gate, the
// OpenBLAS core is chosen and recorded, labels mean what they say, and the rough edges a new user
// meets (suite lookup, stdin, one-off cases, bad --threads, unwritable --out, Ctrl-C).

@Suite struct CLITrustTests {
    static let fast = ["--warmup-ms", "0", "--min-time-ms", "5", "--min-samples", "10", "--no-progress", "--no-plots"]

    @Test func aReportCutAtALineBoundaryFailsTheGate() throws {
        let box = try CLISandbox()
        let r = try box.run(["run", "--case", "op=relu shapes=1024,2048 variants=simd", "--out", "out", "--name", "two"] + Self.fast)
        #expect(r.status == 0, "\(r)")
        let full = try box.read("out/two.csv")
        let lines = full.split(separator: "\n")
        #expect(lines.count == 3)
        try box.write("cut.csv", lines.dropLast().joined(separator: "\n") + "\n")
        let cut = try box.run(["compare", "out/two.csv", "cut.csv"])
        #expect(cut.status == 1, "\(cut)")
        #expect(cut.stdout.contains("MISSING"), "\(cut)")
        #expect(cut.stderr.contains("missing from cut.csv"), "\(cut)")
        let allowed = try box.run(["compare", "out/two.csv", "cut.csv", "--allow-missing"])
        #expect(allowed.status == 0, "\(allowed)")
    }

    @Test func theOpenBLASCoreIsChosenNotInheritedAndRecorded() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard cpuinfo.contains(" avx512f") else { return }   // the check is about AVX-512 machines
        let box = try CLISandbox()
        let r = try box.run(["run", "--case", "op=matmul shapes=64x64;64x64 variants=blas threads=1", "--out", "out", "--name", "m"]
                            + Self.fast, environment: ["OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("re-running with OPENBLAS_CORETYPE="), "\(r)")
        let core = try CSVFixture.column(try box.read("out/m.csv"), "openblas_core")
        #expect(core.count == 1 && ["SkylakeX", "Cooperlake", "SapphireRapids"].contains(core[0]), "\(core)")
        // --openblas-core forces a set (here the weak one, to prove the override is obeyed).
        let forced = try box.run(["run", "--openblas-core", "Haswell", "--case", "op=matmul shapes=64x64;64x64 variants=blas",
                                  "--out", "out", "--name", "h"] + Self.fast)
        #expect(forced.status == 0, "\(forced)")
        #expect(try CSVFixture.column(try box.read("out/h.csv"), "openblas_core") == ["Haswell"])
    }

    @Test func oneThreadVariantsNeverClaimTwoThreads() throws {
        let box = try CLISandbox()
        let r = try box.run(["run", "--case", "op=relu shapes=1024 variants=simd,parallel threads=2", "--out", "out", "--name", "t"] + Self.fast)
        #expect(r.status == 0, "\(r)")
        let csv = try box.read("out/t.csv")
        #expect(try CSVFixture.column(csv, "variant") == ["simd", "parallel"])
        #expect(try CSVFixture.column(csv, "threads") == ["1", "2"])
    }

    @Test func suitesFromStdinAndFromAnyDirectory() throws {
        let box = try CLISandbox()
        let piped = try box.run(["run", "--suite", "-", "--dry-run"], stdin: "op=relu shapes=1024 variants=simd\n")
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("<stdin>:1: relu forward float32 1024 simd"), "\(piped)")
        #expect(piped.stdout.hasSuffix("\n1 case\n"), "\(piped)")
        let bad = try box.run(["run", "--suite", "-", "--dry-run"], stdin: "op=relu shapes=1024 variants=nope\n")
        #expect(bad.status == 2 && bad.stderr.contains("<stdin>:1:"), "\(bad)")
        // The sandbox is not the repository: `quick` is found beside the executable's package.
        let quick = try box.run(["run", "--suite", "quick", "--dry-run"])
        #expect(quick.status == 0, "\(quick)")
        #expect(quick.stdout.contains("Benchmarks/quick.suite:"), "\(quick)")
        let missing = try box.run(["run", "--suite", "no-such-suite", "--dry-run"])
        #expect(missing.status == 2 && missing.stderr.contains("VECBENCH_SUITES"), "\(missing)")
    }

    @Test(arguments: ["0", "-1", "abc", "1,0"])
    func badThreadCountsGetAClearMessage(_ value: String) throws {
        let box = try CLISandbox()
        // Both spellings: "--threads -1" once stopped at ArgumentParser's "Missing value".
        for args in [["--threads=\(value)"], ["--threads", value]] {
            let r = try box.run(["run", "--case", "op=relu shapes=1024"] + args + ["--dry-run"])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderr.contains("thread counts are whole numbers in 1...4096"), "\(r)")
        }
    }

    @Test func manyThreadsWarnAndKeepTheCPUColumnShort() throws {
        let box = try CLISandbox()
        let r = try box.run(["run", "--case", "op=relu shapes=65536 variants=parallel", "--threads", "999", "--out", "out"] + Self.fast,
                            timeout: 120)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("threads asked on") && r.stderr.contains("--oversubscribe runs them as asked"), "\(r)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("relu") })
        #expect(row.count < 200, "\(row)")
        // A --dry-run's plan says it too, before anything runs.
        let dry = try box.run(["run", "--case", "op=relu shapes=65536 variants=parallel", "--threads", "999", "--dry-run"])
        #expect(dry.status == 0 && dry.stderr.contains("threads asked on"), "\(dry)")
    }

    /// --oversubscribe runs more threads than CPUs as asked (one cpu_list entry per thread that
    /// ran), and says so; without it the same case runs on the CPUs there are.
    @Test func oversubscribeRunsTheThreadsAsked() throws {
        let box = try CLISandbox()
        let cpus = Threading.processCPUs
        func threadsThatRan(_ extra: [String]) throws -> (CLIResult, Int) {
            let r = try box.run(["run", "--case", "op=sum shapes=1048576 dtype=float64 variants=parallel", "--threads", "\(cpus + 2)",
                                 "--out", "out", "--name", "t"] + extra + Self.fast, timeout: 120)
            let list = try #require(try CSVFixture.column(try box.read("out/t.csv"), "cpu_list").first)
            return (r, list.split(separator: ";").count)
        }
        let (asked, ran) = try threadsThatRan(["--oversubscribe"])
        #expect(asked.status == 0, "\(asked)")
        #expect(asked.stderr.contains("(--oversubscribe): cases above"), "\(asked)")
        #expect(!asked.stderr.contains("--oversubscribe runs them as asked"), "\(asked)")
        #expect(!asked.stderr.contains("Threading.allowsOversubscription"), "said once, by vecbench: \(asked)")
        #expect(ran == cpus + 2, "\(asked)")
        let (capped, ranCapped) = try threadsThatRan([])
        #expect(capped.status == 0, "\(capped)")
        #expect(ranCapped == cpus, "\(capped)")
    }

    @Test func anUnwritableOutFailsBeforeAnythingRuns() throws {
        let box = try CLISandbox()
        try box.write("file", "not a directory\n")
        let r = try box.run(["run", "--case", "op=relu shapes=1024", "--out", "file/sub"] + Self.fast)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("--out file/sub"), "\(r)")
        #expect(!r.stdout.contains("relu"), "it measured before checking --out\n\(r)")
    }

    @Test func smallSamplesAndTheAbsoluteFloorThroughTheCLI() throws {
        let box = try CLISandbox()
        func report(_ samples: [Double]) -> String {
            let s = Stats.summarize(samples)
            let fields = ["0123456789ab", "unknown", "relu", "simd", "float32", "1024", "1", "none", "0", "forward",
                          String(samples.count), "\(s.median)", "\(s.min)", "\(s.mad)", "\(s.ciLow)", "\(s.ciHigh)",
                          "8192", "1024", "1", "GB/s", "", "", "", "", samples.map { "\($0)" }.joined(separator: ";")]
            return CLITests.header + "\n" + fields.joined(separator: ",") + "\n"
        }
        try box.write("two-a.csv", report([1000, 1002]))
        try box.write("two-b.csv", report([1060, 1062]))
        let few = try box.run(["compare", "two-a.csv", "two-b.csv"])
        #expect(few.status == 0, "\(few)")
        #expect(few.stdout.contains("TOO_FEW_SAMPLES"), "\(few)")
        #expect(few.stderr.contains("fewer than 5 samples"), "\(few)")
        try box.write("five-a.csv", report([1000, 1001, 1002, 1003, 1004]))
        try box.write("five-b.csv", report([1100, 1101, 1102, 1103, 1104]))
        let five = try box.run(["compare", "five-a.csv", "five-b.csv"])
        #expect(five.status == 1, "\(five)")
        #expect(five.stdout.contains("REGRESSED"), "\(five)")
        try box.write("ns-a.csv", report((0..<20).map { 16 + Double($0) / 1000 }))
        try box.write("ns-b.csv", report((0..<20).map { 19 + Double($0) / 1000 }))
        #expect(try box.run(["compare", "ns-a.csv", "ns-b.csv"]).status == 1)
        let floor = try box.run(["compare", "ns-a.csv", "ns-b.csv", "--min-delta-ns", "5"])
        #expect(floor.status == 0, "\(floor)")
        #expect(floor.stdout.contains("min-delta"), "\(floor)")
    }

    @Test func anInterruptedRunKeepsWhatItMeasured() throws {
        let box = try CLISandbox()
        try box.write("long.suite", "op=relu shapes=1024,2048,4096,8192 variants=simd,parallel threads=1 min_time_ms=400\n")
        try box.write("out/long.csv", "previous report\n")
        let process = Process()
        process.executableURL = try CLIBinary.url()
        process.arguments = ["run", "--suite", "long.suite", "--out", "out", "--no-progress", "--no-plots", "--rounds", "2"]
        process.currentDirectoryURL = box.dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Two of the 16 case-rounds at ~200 ms each, then Ctrl-C.
        usleep(1_200_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(box.exists("out/long.partial.csv"))
        let rows = try ReportCSV.read(path: box.path("out/long.partial.csv"))
        #expect(!rows.isEmpty && rows.count < 8, "\(rows.count) rows")
        #expect(try box.read("out/long.csv") == "previous report\n")
    }

    @Test func abRunsTwoBuildsInterleavedAndMergesTheirRounds() throws {
        let box = try CLISandbox()
        let exe = try CLIBinary.url().path
        try box.write("t.suite", "op=relu shapes=4096 variants=simd\n")
        let r = try box.run(["ab", "--baseline-exe", exe, "--current-exe", exe, "--suite", "t.suite", "--rounds", "3",
                             "--min-time-ms", "5", "--out", "ab", "--advisory"], timeout: 120)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("round 2/3: current"), "\(r)")
        let merged = try ReportCSV.read(path: box.path("ab/ab-current.csv"))
        #expect(merged.count == 1 && merged[0].roundMediansNs.count == 3)
        #expect(box.exists("ab/verdict.json"))
        let bad = try box.run(["ab", "--baseline-exe", "/nonexistent", "--suite", "t.suite"])
        #expect(bad.status == 2 && bad.stderr.contains("not an executable"), "\(bad)")
    }

    /// Under taskset the process's one CPU is the whole machine to vecbench: threads=1-max is one
    /// thread count, pin=compact binds to that CPU (it bound to CPU 0 from the machine's plan), and
    /// `vecbench topology` prints the plans `run` applies.
    @Test func underTasksetRunsAndPinsOnlyTheGivenCPU() throws {
        let taskset = "/usr/bin/taskset"
        guard FileManager.default.isExecutableFile(atPath: taskset), let cpu = Pinning.processCPUList.last,
              Pinning.processCPUList.count > 1 else { return }   // needs a second CPU to leave out
        let box = try CLISandbox()
        let r = try box.run(["run", "--case", "op=relu shapes=4096 variants=parallel threads=1-max pin=none,compact",
                             "--out", "out", "--name", "t"] + Self.fast, launcher: [taskset, "-c", String(cpu)])
        #expect(r.status == 0, "\(r)")
        let csv = try box.read("out/t.csv")
        #expect(try CSVFixture.column(csv, "threads") == ["1", "1"], "\(csv)")
        #expect(try CSVFixture.column(csv, "cpu_list").allSatisfy { $0 == "[\(cpu)]" }, "\(csv)")
        let t = try box.run(["topology"], launcher: [taskset, "-c", String(cpu)])
        #expect(t.stdout.contains("pin maps for 1 worker on the CPUs this process may use (\(cpu))"), "\(t)")
        #expect(t.stdout.contains("compact  w0->cpu\(cpu)"), "\(t)")
    }

    /// A process held to fewer CPUs than the machine has reads and writes a calibration of its own:
    /// read as the machine's, one measured under taskset -c N stood for every thread count (its
    /// last point is 1 thread), so later 2-thread rooflines were held to the 1-thread peak.
    @Test func underTasksetTheMachinesCalibrationIsKeptApart() throws {
        guard let launcher = Self.tasksetLastCPU() else { return }
        let (box, cal) = try Self.sandboxWithCalibration(restrictedTo: nil)
        let id = cal.fingerprintID
        let args = ["run", "--case", "op=relu shapes=4096 variants=simd threads=1 pin=none", "--out", "out"] + Self.fast
        let whole = try box.run(args + ["--name", "whole"])
        let held = try box.run(args + ["--name", "held"], launcher: launcher)
        #expect(whole.status == 0 && held.status == 0, "\(whole) \(held)")
        #expect(try CSVFixture.column(try box.read("out/whole.csv"), "roofline_pct").allSatisfy { !$0.isEmpty })
        #expect(try CSVFixture.column(try box.read("out/held.csv"), "roofline_pct") == [""])
        #expect(held.stderr.contains("no calibration for the 1 CPU this process may use"), "\(held)")
        #expect(Calibration.path(directory: "out", fingerprintID: id, restrictedTo: 1) == "out/calibration-\(id)-1cpus.json")
    }

    /// A row capped by taskset (threads=2 on 1 CPU) is held to the ceiling of the 1 thread that
    /// ran, not to the 2-thread one of its name (twice the bandwidth in this calibration).
    @Test func aCappedRowsRooflineIsThatOfTheThreadsThatRan() throws {
        guard let launcher = Self.tasksetLastCPU() else { return }
        let (box, cal) = try Self.sandboxWithCalibration(restrictedTo: 1)
        let r = try box.run(["run", "--case", "op=relu shapes=4096 variants=parallel threads=2 pin=none", "--out", "out", "--name", "c"]
                            + Self.fast, launcher: launcher)
        #expect(r.status == 0, "\(r)")
        let csv = try box.read("out/c.csv")
        let medianText = try CSVFixture.column(csv, "median_ns").first ?? ""
        let pctText = try CSVFixture.column(csv, "roofline_pct").first ?? ""
        let median = try #require(Double(medianText), "\(csv)")
        let pct = try #require(Double(pctText), "\(csv)")
        let relu = try #require(KernelCatalog.entries().first { $0.name == "relu" })
        let cost = relu.costModel([[4096]], .float32, .forward, "parallel")
        let ran = try #require(cal.rooflinePct(cost: cost, threads: 1, medianNs: median, recheck: false))
        let named = try #require(cal.rooflinePct(cost: cost, threads: 2, medianNs: median, recheck: false))
        #expect(abs(pct - ran) < 1e-6 * ran, "\(pct) against \(ran) (1 thread) and \(named) (2 threads)")
        #expect(abs(named - ran) > 0.3 * ran)
    }

    /// taskset -c <this process's last CPU>, when taskset is there and a second CPU is left out.
    static func tasksetLastCPU() -> [String]? {
        let taskset = "/usr/bin/taskset"
        guard FileManager.default.isExecutableFile(atPath: taskset), let cpu = Pinning.processCPUList.last,
              Pinning.processCPUList.count > 1 else { return nil }
        return [taskset, "-c", String(cpu)]
    }

    /// A sandbox whose out/ holds a synthetic calibration of this machine under the name a process
    /// held to `cpus` CPUs reads (nil: the whole machine's).
    static func sandboxWithCalibration(restrictedTo cpus: Int?) throws -> (CLISandbox, Calibration) {
        let box = try CLISandbox()
        let cal = syntheticCalibration(id: Fingerprint.current(topology: Topology.machine?.model()).id)
        try FileManager.default.createDirectory(atPath: box.path("out"), withIntermediateDirectories: true)
        let path = Calibration.path(directory: "out", fingerprintID: cal.fingerprintID, restrictedTo: cpus)
        try AtomicFile.write(try cal.encoded(), to: box.path(path))
        return (box, cal)
    }
}
