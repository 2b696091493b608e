import CVecShim
import VecPlatform

// BLIS-style cache blocking for the packed GEMM. Loop order (outer to inner):
//   jc (nc columns of C)  -> pc (kc of the inner dimension, B panel kc x nc packed, kept in L3)
//   -> ic (mc rows, A block mc x kc packed, kept in L2) -> jr (nr) -> ir (mr) -> micro-kernel.
// Measured on Zen 5 (L1d 48 KiB, L2 1 MiB, L3 32 MiB), 14x32 float kernel (AVX2: 6x16, no
// change beyond noise over kc 256-1024 and mc 18-144, docs/measurements.md), 2048^3, GFLOP/s
// against OpenBLAS's 211-215 in the same runs: kc 256/mc 504 182-185, kc 512/mc 126 202-206,
// kc 768/mc 56 208-209, kc 1024/mc 28-56 212-219, kc 1280/mc 42 215. A deep kc wins although the
// kc x nr micro-panel of B (128 KiB) then lives in L2, not L1: the two FMA pipes need only 9 bytes
// of it per cycle, while every kc block costs a pass over C whose tiles (rows 8 KiB apart) miss
// the caches, and a software prefetch of the C tile (vg_prefetch) measured no change beyond noise.

/// Register and cache block sizes of the packed GEMM for one element type.
public struct GemmBlocking: Sendable, Equatable, CustomStringConvertible {
    /// Rows and columns of the micro-kernel's register tile (fixed by the micro-kernel).
    public let mr: Int
    /// Columns of the register tile.
    public let nr: Int
    /// Inner-dimension block (packed panels are kc deep).
    public var kc: Int
    /// Rows of A packed at once (a multiple of mr).
    public var mc: Int
    /// Columns of B packed at once (a multiple of nr).
    public var nc: Int

    /// Block sizes as given, `mc` and `nc` rounded down to multiples of `mr` and `nr` (at least one
    /// tile). Stops the program if any size is not positive ("GEMM block sizes must be positive").
    public init(mr: Int, nr: Int, kc: Int, mc: Int, nc: Int) {
        precondition(mr > 0 && nr > 0 && kc > 0 && mc > 0 && nc > 0, "GEMM block sizes must be positive")
        self.mr = mr
        self.nr = nr
        self.kc = kc
        self.mc = max(mr, mc / mr * mr)
        self.nc = max(nr, nc / nr * nr)
    }

    /// One line for reports, e.g. "mr 14 nr 32 kc 1024 mc 56 nc 2048".
    public var description: String { "mr \(mr) nr \(nr) kc \(kc) mc \(mc) nc \(nc)" }

    /// Block sizes from cache sizes (bytes, L2 per core, shared L3) for a micro-kernel of
    /// mr x nr elements of `elementSize` bytes: the B micro-panel (kc x nr) in an eighth of L2
    /// (kc at most `deepestKc`), the A block (mc x kc) in a sixth, the B panel (kc x nc) in a
    /// quarter of L3.
    public static func derived(mr: Int, nr: Int, elementSize: Int, l2: Int, l3: Int,
                               deepestKc: Int = GemmBlocking.deepestKc) -> GemmBlocking {
        let kc = min(deepestKc, max(128, l2 / (8 * nr * elementSize) / 16 * 16))
        let mc = max(mr, l2 / (6 * kc * elementSize))
        let nc = min(8192, max(nr * 4, (l3 / 4) / (kc * elementSize)))
        return GemmBlocking(mr: mr, nr: nr, kc: kc, mc: mc, nc: nc)
    }

    /// The deepest kc: 1024 on AMD, 512 on other CPUs. On the 16-core Xeon of 2026-12-04 (48 KiB
    /// L1d, 2 MiB L2, 300 MiB L3; static build, 1 thread, three alternating pairs) kc 1024 ran
    /// 2048^3 in 200.9, 121.7 and 210.3 ms and kc 512 in 123.0, 129.2 and 120.1 ms (1024^3:
    /// 27.8, 22.2, 16.5 against 16.6, 18.4, 17.5 ms; OpenBLAS 107 and 13.8 ms); on the Zen 4
    /// EPYC the same pairs were within noise (2048^3 157.7-171.2 against 164.3-177.8 ms), and on
    /// Zen 5 kc 1024 was 3-6% ahead (above).
    public static let deepestKc = vg_cpu_is_amd() != 0 ? 1024 : 512

    /// Cache sizes of this machine from hwloc (L2 per core, L3), or common defaults.
    public static let machineCaches: (l2: Int, l3: Int) = {
        let model = Topology.machine?.model()
        let l2 = model?.cacheSize(level: 2) ?? 1 << 20
        let l3 = model?.cacheSize(level: 3) ?? 8 << 20
        return (max(128 << 10, l2), max(l2, l3))
    }()

    /// The blocking in use for float32. Fixed: mr and nr are the build's micro-kernel's
    /// (GemmMicroKernel: 14 x 32 under AVX-512, 6 x 16 otherwise), and the cache blocks made no
    /// difference beyond noise when swept (docs/measurements.md).
    public static let float: GemmBlocking = {
        let c = machineCaches
        return derived(mr: GemmMicroKernel.mr, nr: GemmMicroKernel.nrFloat, elementSize: 4, l2: c.l2, l3: c.l3)
    }()

    /// The blocking in use for float64 (14 x 16 under AVX-512, 6 x 8 otherwise).
    public static let double: GemmBlocking = {
        let c = machineCaches
        return derived(mr: GemmMicroKernel.mr, nr: GemmMicroKernel.nrDouble, elementSize: 8, l2: c.l2, l3: c.l3)
    }()

    static func current<T: KernelFloat>(_: T.Type) -> GemmBlocking {
        T.self == Float.self ? float : double
    }
}
