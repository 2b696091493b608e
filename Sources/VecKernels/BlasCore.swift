#if canImport(Glibc)
import Glibc
#endif
import VecPlatform

// OpenBLAS reads OPENBLAS_CORETYPE (or guesses the CPU) once, when it loads, and can guess badly:
// SSE3 "Prescott" kernels on the Xeon of docs/measurements.md ("OpenBLAS kernel selection"), 33
// instead of ~155 GFLOP/s sgemm. vecbench re-executes itself with the right environment; a library
// cannot, but a dynamic-architecture OpenBLAS (Debian's) chooses again when its dispatch is reset.

extension Blas {
    /// Kernel sets that use AVX-512 (any of them runs sgemm/dgemm at the same speed).
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// The kernel set OpenBLAS should run on a machine of level `machine` when `running` is weaker:
    /// SkylakeX for AVX-512, Haswell for AVX2; nil when `running` is as good or the level unknown.
    static func betterCore(running: String, machine: ISALevel) -> String? {
        let r = running.lowercased()
        switch machine {
        case .avx512: return avx512Cores.contains(r) ? nil : "SkylakeX"
        case .avx2: return avx512Cores.contains(r) || ["haswell", "zen"].contains(r) ? nil : "Haswell"
        default: return nil
        }
    }

    /// Makes OpenBLAS run its best kernels for this CPU when it chose weaker ones: sets
    /// OPENBLAS_CORETYPE and resets its dispatch (`gotoblas_dynamic_quit`, `gotoblas_dynamic_init`,
    /// looked up at run time, so that a single-target OpenBLAS without them is left as it is).
    /// Called once, when `auto` first falls back to OpenBLAS (`Gemm.autoUsesBlas`). Returns the
    /// kernel set now running.
    @discardableResult
    static func useBestCore() -> String {
        guard let wanted = betterCore(running: coreName, machine: ISA.machine),
              let quit = dlsym(nil, "gotoblas_dynamic_quit"), let start = dlsym(nil, "gotoblas_dynamic_init")
        else { return coreName }
        typealias Hook = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(start, to: Hook.self)()
        return coreName
    }
}
