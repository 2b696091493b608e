import CVecShim

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
public enum ISA {
    /// Read from the compiler's macros with the flags this module was built with
    /// (`make build` passes -Xcc -march=native; a plain `swift build` gives the baseline).
    public static var compiled: ISALevel { ISALevel(rawValue: Int(vg_compiled_isa_level())) ?? .notX86 }

    /// The best level the CPU supports at run time.
    public static var machine: ISALevel { ISALevel(rawValue: Int(vg_machine_isa_level())) ?? .notX86 }

    /// A warning when the build runs below what the machine offers (SIMD16 then splits into
    /// several narrow registers and FMA becomes a multiply and an add), nil otherwise.
    public static var warning: String? {
        compiled < machine
            ? "kernels compiled for \(compiled) but this CPU supports \(machine): build with `make build` (-Xcc -march=native) for full speed"
            : nil
    }
}
