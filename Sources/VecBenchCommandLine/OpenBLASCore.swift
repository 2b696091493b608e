#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import Foundation
import VecBench

// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, so the kernel set cannot be
// changed from inside the process: vecbench re-executes itself with the right environment. This
// workplace sets OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE=512) for every process, which
// halves sgemm on AVX-512 CPUs (119 against 219-236 GFLOP/s measured): every "ours vs OpenBLAS"
// ratio would be off ~2x without this.

enum OpenBLASCore {
    /// Set in the re-executed process so that a core OpenBLAS rejects cannot loop.
    static let reexecMarker = "VECBENCH_OPENBLAS_REEXEC"
    /// Kernel sets that use AVX-512 in OpenBLAS 0.3.x; any of them is as fast for sgemm/dgemm.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// The best kernel set this CPU supports, from /proc/cpuinfo flags; nil when unknown.
    static func best(cpuinfo: String) -> String? {
        guard let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.contains("avx512f") { return flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The core to ask for: `--openblas-core NAME` (or `--openblas-core=NAME`) in `arguments`, else
    /// the best one for the CPU.
    static func requested(arguments: [String], cpuinfo: String) -> String? {
        for (i, a) in arguments.enumerated() {
            if a == "--openblas-core", i + 1 < arguments.count { return arguments[i + 1] }
            if a.hasPrefix("--openblas-core=") { return String(a.dropFirst("--openblas-core=".count)) }
        }
        return best(cpuinfo: cpuinfo)
    }

    /// The arguments without `--openblas-core NAME`, which was acted on before parsing (it is
    /// a process-level setting, valid with run, calibrate and accuracy).
    static func strippingOption(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var skipNext = false
        for a in arguments {
            if skipNext { skipNext = false; continue }
            if a == "--openblas-core" { skipNext = true; continue }
            if a.hasPrefix("--openblas-core=") { continue }
            out.append(a)
        }
        return out
    }

    /// True when `running` is a weaker set than `wanted` (or another one when a name was forced).
    static func needsSwitch(running: String, wanted: String, forced: Bool) -> Bool {
        let r = running.lowercased(), w = wanted.lowercased()
        if r == w { return false }
        if !forced && avx512Cores.contains(w) && avx512Cores.contains(r) { return false }
        return true
    }

    /// Re-executes vecbench with the wanted core when the inherited one is weaker (or
    /// OPENBLAS_L2_SIZE overrides the cache size); says so on stderr. Only for the subcommands
    /// that call BLAS.
    static func ensureBest(arguments: [String] = CommandLine.arguments) {
        guard arguments.count > 1, ["run", "calibrate", "accuracy"].contains(arguments[1]) else { return }
        // Nothing calls BLAS when only help, a listing or a plan is printed.
        let printOnly: Set<String> = ["--help", "-h", "--help-hidden", "--dry-run", "--list"]
        guard !arguments.contains(where: printOnly.contains) else { return }
        let env = ProcessInfo.processInfo.environment
        let running = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        if env[reexecMarker] != nil {
            if let wanted = env["OPENBLAS_CORETYPE"], needsSwitch(running: running, wanted: wanted, forced: true) {
                writeStderr("warning: OpenBLAS runs its \(running) kernels although \(wanted) was asked for "
                            + "(this OpenBLAS build may not have them)\n")
            }
            return
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let forced = arguments.contains { $0 == "--openblas-core" || $0.hasPrefix("--openblas-core=") }
        guard let wanted = requested(arguments: arguments, cpuinfo: cpuinfo) else { return }
        let l2Override = env["OPENBLAS_L2_SIZE"]
        guard needsSwitch(running: running, wanted: wanted, forced: forced) || l2Override != nil else { return }
        var reason = "OpenBLAS would run its \(running) kernels"
        if let inherited = env["OPENBLAS_CORETYPE"] { reason += " (OPENBLAS_CORETYPE=\(inherited) in the environment)" }
        if let l2Override { reason += ", OPENBLAS_L2_SIZE=\(l2Override)" }
        writeStderr("note: \(reason); re-running with OPENBLAS_CORETYPE=\(wanted)"
                    + (l2Override != nil ? " and OPENBLAS_L2_SIZE unset" : "") + " (--openblas-core NAME chooses)\n")
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        unsetenv("OPENBLAS_L2_SIZE")
        setenv(reexecMarker, "1", 1)
        var cArgs = arguments.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // Only reached when exec failed: go on with the inherited kernels, loudly.
        writeStderr("warning: could not re-execute (\(String(cString: strerror(errno)))); blas figures use the \(running) kernels\n")
    }
}
