#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import CVecShim
import Foundation
import VecPlatform

/// What a timing depends on besides the code: the machine, the ISA the code was compiled for, the
/// BLAS kernels in use, the toolchain. `id` names the machine only (so that two builds on one
/// machine compare), the other fields let `compare` warn when a build setting changed.
public struct Fingerprint: Codable, Equatable, Sendable {
    /// 12 hex digits naming the machine (`machineID`: CPU model, PUs, cores, packages): rows of
    /// different ids never compare.
    public var id: String
    /// The "model name" of /proc/cpuinfo with its CPUID signature (`cpuModel(fromCPUInfo:)`;
    /// "unknown" when absent).
    public var cpuModel: String
    /// PUs (hardware threads) of the machine.
    public var logicalCPUs: Int
    /// Physical cores.
    public var cores: Int
    /// Packages (sockets).
    public var packages: Int
    /// NUMA nodes.
    public var numaNodes: Int
    /// The ISA the kernels were compiled for (`isaName`), e.g. "avx512".
    public var compiledISA: String
    /// The best ISA the CPU supports.
    public var machineISA: String
    /// The kernel set OpenBLAS runs (`openblas_get_corename`), e.g. "SkylakeX".
    public var openblasCore: String
    /// OpenBLAS's thread count.
    public var openblasThreads: Int
    /// The compiler version the code was built with ("6.3").
    public var swiftVersion: String
    /// "release" or "debug".
    public var buildConfiguration: String
    /// As handed over by the build (environment VECBENCH_BUILD_FLAGS), else "unknown".
    public var buildFlags: String
    /// `TopologyModel.summary` of the machine, or "unknown".
    public var topology: String
    /// The commit the code was built from (VECBENCH_GIT_COMMIT, the checkout, or the executable's
    /// repository), or "unknown".
    public var gitCommit: String
    /// The host name.
    public var hostname: String
    /// When the fingerprint was taken, ISO 8601 UTC ("2026-11-23T01:16:37Z").
    public var date: String
    /// cpufreq governor of CPU 0 ("performance", "powersave", ...); nil where sysfs has no
    /// cpufreq (as on most VMs).
    public var governor: String?
    /// Turbo/boost on (intel_pstate no_turbo = 0, or cpufreq/boost = 1); nil when not visible.
    public var boost: Bool?
    /// Maximum frequency from cpufreq, else "cpu MHz" of /proc/cpuinfo; nil when neither says.
    public var cpuMHz: Int?

    /// A fingerprint as given; the frequency fields start nil (`readFrequencySettings` fills them).
    public init(id: String, cpuModel: String, logicalCPUs: Int, cores: Int, packages: Int, numaNodes: Int,
                compiledISA: String, machineISA: String, openblasCore: String, openblasThreads: Int,
                swiftVersion: String, buildConfiguration: String, buildFlags: String, topology: String,
                gitCommit: String, hostname: String, date: String) {
        self.id = id; self.cpuModel = cpuModel; self.logicalCPUs = logicalCPUs; self.cores = cores
        self.packages = packages; self.numaNodes = numaNodes; self.compiledISA = compiledISA
        self.machineISA = machineISA; self.openblasCore = openblasCore; self.openblasThreads = openblasThreads
        self.swiftVersion = swiftVersion; self.buildConfiguration = buildConfiguration
        self.buildFlags = buildFlags; self.topology = topology; self.gitCommit = gitCommit
        self.hostname = hostname; self.date = date
    }

    /// True when a governor other than "performance" may scale the clock; nil without cpufreq.
    public var frequencyScaling: Bool? { governor.map { $0 != "performance" } }

    /// What makes timings drift with the clock (Google Benchmark warns about the same).
    public var frequencyWarnings: [String] {
        var out: [String] = []
        if let governor, governor != "performance" {
            out.append("CPU frequency governor is '\(governor)', not 'performance': timings drift with the clock "
                       + "(cpupower frequency-set -g performance)")
        }
        if boost == true { out.append("turbo/boost is on: the clock depends on temperature and load, so timings vary more") }
        return out
    }

    /// Reads the governor, boost state and frequency from sysfs and /proc/cpuinfo.
    public mutating func readFrequencySettings(sysfs: String = "/sys/devices/system/cpu", cpuinfo: String) {
        func read(_ p: String) -> String? {
            (try? String(contentsOfFile: p, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        governor = read("\(sysfs)/cpu0/cpufreq/scaling_governor")
        if let noTurbo = read("\(sysfs)/intel_pstate/no_turbo") { boost = noTurbo == "0" }
        else if let b = read("\(sysfs)/cpufreq/boost") { boost = b == "1" }
        if let khz = read("\(sysfs)/cpu0/cpufreq/cpuinfo_max_freq").flatMap(Int.init) { cpuMHz = khz / 1000 }
        else {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix("cpu MHz") {
                if let v = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                    cpuMHz = Int(v.rounded())
                }
                break
            }
        }
    }

    /// 12 hex digits of FNV-1a/64 over "model=<cpu model>;pus=<n>;cores=<n>;packages=<n>".
    /// Documented so that other writers of the CSV (the PyTorch runner) compute the same id.
    public static func machineID(cpuModel: String, pus: Int, cores: Int, packages: Int) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "model=\(cpuModel);pus=\(pus);cores=\(cores);packages=\(packages)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }

    /// The "model name" of the first processor in /proc/cpuinfo text, followed by its CPUID
    /// signature ("AMD EPYC (family 26 model 2 stepping 1)") where cpuinfo gives one: virtual
    /// machines often show a bare "AMD EPYC" for every generation, and a Zen 4 and a Zen 5 must
    /// not share a machine id (their calibrations and baselines differ by 2x).
    public static func cpuModel(fromCPUInfo text: String) -> String? {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if key == "processor", !fields.isEmpty { break }   // the first processor only
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let name = fields["model name"] else { return nil }
        guard let family = fields["cpu family"], let model = fields["model"] else { return name }
        let stepping = fields["stepping"].map { " stepping \($0)" } ?? ""
        return "\(name) (family \(family) model \(model)\(stepping))"
    }

    /// The commit checked out in `repository` (read from .git without running git), or nil.
    public static func gitCommit(repository: String) -> String? {
        func read(_ p: String) -> String? {
            (try? String(contentsOfFile: "\(repository)/.git/\(p)", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = read("HEAD") else { return nil }
        guard head.hasPrefix("ref: ") else { return head.isEmpty ? nil : head }
        let ref = String(head.dropFirst(5))
        if let direct = read(ref), !direct.isEmpty { return direct }
        for line in (read("packed-refs") ?? "").split(separator: "\n") where line.hasSuffix(" " + ref) {
            return String(line.split(separator: " ")[0])
        }
        return nil
    }

    /// The commit of the repository the running executable was built in (.build/<triple>/release
    /// sits a few levels below it), so that a run from another directory still names its code.
    static func executableRepositoryCommit() -> String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                return gitCommit(repository: dir.path)
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// The name of a `vg_*_isa_level` value: 2 "avx512", 1 "x86-64-v3 (avx2+fma)", 0 "x86-64 (sse2)",
    /// else "non-x86".
    public static func isaName(_ level: Int32) -> String {
        switch level {
        case 2: return "avx512"
        case 1: return "x86-64-v3 (avx2+fma)"
        case 0: return "x86-64 (sse2)"
        default: return "non-x86"
        }
    }

    /// The ISA this module was compiled for (the C macro is evaluated with this module's flags).
    public static var compiledISALevel: Int32 { vg_compiled_isa_level() }

    /// The compiler's major.minor version from `#if compiler` ("6.0" to "6.3", or "6.4 or later").
    public static var swiftCompilerVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// The fingerprint of this process on this machine. Environment overrides: VECBENCH_GIT_COMMIT,
    /// VECBENCH_BUILD_FLAGS.
    public static func current(topology: TopologyModel?, repository: String = ".") -> Fingerprint {
        let env = ProcessInfo.processInfo.environment
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuModel(fromCPUInfo: cpuinfo) ?? "unknown"
        let pus = topology?.puCount ?? ProcessInfo.processInfo.activeProcessorCount
        let cores = topology?.cores.count ?? pus
        let packages = topology?.packages ?? 1
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        var f = Fingerprint(
            id: machineID(cpuModel: model, pus: pus, cores: cores, packages: packages),
            cpuModel: model, logicalCPUs: pus, cores: cores, packages: packages,
            numaNodes: topology?.numaNodes ?? 1,
            compiledISA: isaName(compiledISALevel), machineISA: isaName(vg_machine_isa_level()),
            openblasCore: openblas_get_corename().map { String(cString: $0) } ?? "unknown",
            openblasThreads: Int(openblas_get_num_threads()),
            swiftVersion: swiftCompilerVersion, buildConfiguration: configuration,
            buildFlags: env["VECBENCH_BUILD_FLAGS"] ?? "unknown",
            topology: topology?.summary ?? "unknown",
            gitCommit: env["VECBENCH_GIT_COMMIT"] ?? gitCommit(repository: repository) ?? executableRepositoryCommit() ?? "unknown",
            hostname: String(cString: host), date: isoDate(time(nil)))
        f.readFrequencySettings(cpuinfo: cpuinfo)
        return f
    }

    /// "2026-11-23T01:16:37Z" without a date formatter (those pull ICU data into static builds).
    public static func isoDate(_ t: time_t) -> String {
        var t = t
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ width: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1))-\(pad(tm.tm_mday))T"
            + "\(pad(tm.tm_hour)):\(pad(tm.tm_min)):\(pad(tm.tm_sec))Z"
    }
}

/// How two fingerprints differ, for `compare`.
public struct FingerprintCheck: Equatable, Sendable {
    /// Different machines: timings do not compare.
    public var incompatible: [String] = []
    /// Same machine, different build or library settings: timings compare, but say so.
    public var warnings: [String] = []

    /// How `current` differs from `base`: another machine id is incompatible; differing ISA, OpenBLAS
    /// core or threads, build configuration or flags, Swift version or CPU governor are warnings.
    public static func between(_ base: Fingerprint, _ current: Fingerprint) -> FingerprintCheck {
        var c = FingerprintCheck()
        if base.id != current.id {
            c.incompatible.append("machine id \(base.id) (\(base.cpuModel), \(base.logicalCPUs) CPUs) vs "
                                  + "\(current.id) (\(current.cpuModel), \(current.logicalCPUs) CPUs)")
        }
        let fields: [(String, String, String)] = [
            ("compiled ISA", base.compiledISA, current.compiledISA),
            ("OpenBLAS core", base.openblasCore, current.openblasCore),
            ("OpenBLAS threads", String(base.openblasThreads), String(current.openblasThreads)),
            ("build configuration", base.buildConfiguration, current.buildConfiguration),
            ("build flags", base.buildFlags, current.buildFlags),
            ("Swift", base.swiftVersion, current.swiftVersion),
        ]
        for (name, a, b) in fields where a != b { c.warnings.append("\(name): \(a) vs \(b)") }
        if base.governor != current.governor {
            c.warnings.append("CPU governor: \(base.governor ?? "none") vs \(current.governor ?? "none")")
        }
        return c
    }
}
