import VecPlatform

// BLIS-style cache blocking for the packed GEMM. Loop order (outer to inner):
//   jc (nc columns of C)  -> pc (kc of the inner dimension, B panel kc x nc packed, kept in L3)
//   -> ic (mc rows, A block mc x kc packed, kept in L2) -> jr (nr) -> ir (mr) -> micro-kernel.
// The kc x nr micro-panel of B is reused by every mr x kc micro-panel of A in the mc block, so it
// should stay in L1 while the A micro-panels stream from L2.

/// Register and cache block sizes of the packed GEMM for one element type.
public struct GemmBlocking: Sendable, Equatable, CustomStringConvertible {
    nonisolated(unsafe) public static var rowsOuter = false
    nonisolated(unsafe) public static var directMode = 0
    /// Rows and columns of the micro-kernel's register tile (fixed by the micro-kernel).
    public let mr: Int
    public let nr: Int
    /// Inner-dimension block (packed panels are kc deep).
    public var kc: Int
    /// Rows of A packed at once (a multiple of mr).
    public var mc: Int
    /// Columns of B packed at once (a multiple of nr).
    public var nc: Int

    public init(mr: Int, nr: Int, kc: Int, mc: Int, nc: Int) {
        precondition(mr > 0 && nr > 0 && kc > 0 && mc > 0 && nc > 0, "GEMM block sizes must be positive")
        self.mr = mr
        self.nr = nr
        self.kc = kc
        self.mc = max(mr, mc / mr * mr)
        self.nc = max(nr, nc / nr * nr)
    }

    public var description: String { "mr \(mr) nr \(nr) kc \(kc) mc \(mc) nc \(nc)" }

    /// Block sizes from cache sizes (bytes, per core for L1/L2, shared L3) for a micro-kernel of
    /// mr x nr elements of `elementSize` bytes.
    ///
    /// Measured on a Zen 5 (L1d 48 KiB, L2 1 MiB, L3 32 MiB) with the 14x32 float kernel: kc 256-384
    /// and mc 112-336 were all within 3% at 1024-2048; kc 256 keeps the 32 KiB B micro-panel in L1.
    public static func derived(mr: Int, nr: Int, elementSize: Int, l1: Int, l2: Int, l3: Int) -> GemmBlocking {
        // B micro-panel (kc x nr) in about 2/3 of L1, the rest for the streaming A micro-panel and C.
        let kcRaw = (l1 * 2 / 3) / (nr * elementSize)
        let kc = min(512, max(64, kcRaw / 16 * 16))
        // A block (mc x kc) in about half of L2.
        let mc = min(960, max(mr, (l2 / 2) / (kc * elementSize)))
        // B panel (kc x nc) in about a quarter of L3 (shared with other cores and with C).
        let nc = min(8192, max(nr * 4, (l3 / 4) / (kc * elementSize)))
        return GemmBlocking(mr: mr, nr: nr, kc: kc, mc: mc, nc: nc)
    }

    /// Cache sizes of this machine from hwloc (L1d, L2 per core, L3), or common defaults.
    public static let machineCaches: (l1: Int, l2: Int, l3: Int) = {
        let model = Topology.machine?.model()
        let l1 = model?.cacheSize(level: 1) ?? 32 << 10
        let l2 = model?.cacheSize(level: 2) ?? 1 << 20
        let l3 = model?.cacheSize(level: 3) ?? 8 << 20
        return (max(16 << 10, l1), max(128 << 10, l2), max(l2, l3))
    }()

    /// The blocking in use for float32 (settable, e.g. by a calibration sweep).
    nonisolated(unsafe) public static var float: GemmBlocking = {
        let c = machineCaches
        return derived(mr: GemmMicroKernel.mr, nr: GemmMicroKernel.nrFloat, elementSize: 4, l1: c.l1, l2: c.l2, l3: c.l3)
    }()

    /// The blocking in use for float64.
    nonisolated(unsafe) public static var double: GemmBlocking = {
        let c = machineCaches
        return derived(mr: GemmMicroKernel.mr, nr: GemmMicroKernel.nrDouble, elementSize: 8, l1: c.l1, l2: c.l2, l3: c.l3)
    }()

    static func current<T: KernelFloat>(_: T.Type) -> GemmBlocking {
        T.self == Float.self ? float : double
    }
}
