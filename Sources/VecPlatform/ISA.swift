import CVecShim
import Foundation

/// x86 instruction-set levels that decide how SIMD code is compiled, ordered from `notX86`
/// (not an x86 machine or build) through `baseline` (x86-64 with SSE2: `SIMD16<Float>` splits
/// into four registers), `avx2` (x86-64-v3: AVX2 and FMA) to `avx512` (one zmm register per
/// `SIMD16<Float>`). The raw values are what the C shim's `vg_compiled_isa_level` and
/// `vg_machine_isa_level` return.
public enum ISALevel: Int, Comparable, Sendable, CustomStringConvertible {
    case notX86 = -1, baseline = 0, avx2 = 1, avx512 = 2

    /// Orders levels by capability (`notX86` < `baseline` < `avx2` < `avx512`).
    public static func < (a: ISALevel, b: ISALevel) -> Bool { a.rawValue < b.rawValue }

    /// The level as reports print it, e.g. "x86-64-v3 (AVX2+FMA)".
    public var description: String {
        switch self {
        case .notX86: "non-x86"
        case .baseline: "x86-64 (SSE2)"
        case .avx2: "x86-64-v3 (AVX2+FMA)"
        case .avx512: "AVX-512"
        }
    }
}

/// What the kernels were compiled for, and what this machine could run.
///
/// The compiled level comes from the compiler's macros (`__AVX512F__`, `__AVX2__`, `__FMA__`) as
/// the C shim sees them while this module is compiled. They move together with Swift's own SIMD
/// code generation: measured with swiftc 6.3.1 (docs/measurements.md, "Compiler flags and SIMD
/// code"), `-Xcc -march=native`, `-Xswiftc -target-cpu -Xswiftc native` and `-Xcc -mavx512f` all
/// give level 2 and zmm FMAs; `-Xcc -march=x86-64-v3`, `-target-cpu haswell` and
/// `-Xcc -mavx2 -Xcc -mfma` give level 1 and ymm FMAs; no flag (or `-march=x86-64-v2`) gives level 0
/// and 16 `fmaf` calls per `SIMD16<Float>` FMA.
public enum ISA {
    /// Read from the compiler's macros with the flags this module was built with
    /// (`make build` passes -Xcc -march=native; a plain `swift build` gives the baseline).
    public static var compiled: ISALevel { ISALevel(rawValue: Int(vg_compiled_isa_level())) ?? .notX86 }

    /// The best level the CPU supports at run time.
    public static var machine: ISALevel { ISALevel(rawValue: Int(vg_machine_isa_level())) ?? .notX86 }

    /// The build line that compiles Vecgrad (and every other package of the build) for this CPU.
    public static let buildLine = "swift build -c release -Xcc -march=native"

    /// A warning when the build runs below what the machine offers (SIMD16 then splits into
    /// several narrow registers and FMA becomes 16 `fmaf` calls, matrix products 140-175x slower),
    /// nil otherwise. It says how to build for speed, and that `auto` matrix products call
    /// OpenBLAS meanwhile (`Gemm.autoUsesBlas`).
    public static var warning: String? { warning(compiled: compiled, machine: machine) }

    /// The warning for a build at level `compiled` on a machine at level `machine` (nil when the
    /// build is at or above the machine's level).
    public static func warning(compiled: ISALevel, machine: ISALevel) -> String? {
        guard compiled < machine else { return nil }
        return "Vecgrad's kernels were compiled for \(compiled) but this CPU supports \(machine): matrix products "
            + "fall back to OpenBLAS and other ops run up to 200x slower. Build with `\(buildLine)` "
            + "(flags on the command line reach every package of the build; `make build` in Vecgrad) for full speed."
    }

    /// Prints `warning` on stderr the first time it is called in this process (nothing when the
    /// build matches the machine).
    public static func warnOnce() { _ = printedWarning }

    private static let printedWarning: Bool = {
        guard let w = warning else { return false }
        FileHandle.standardError.write(Data("warning: \(w)\n".utf8))
        return true
    }()
}
