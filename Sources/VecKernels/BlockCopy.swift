// Copying rows of contiguous byte blocks between tensors: the kernel behind cat and stack (many
// sources into one destination) and cat's backward (one source split into many). Every piece is
// a memcpy, so a large cat moves memory at copy speed instead of an element at a time.

/// One operand of a block copy: `rows` rows of `rowBytes` bytes each, the k-th row starting at
/// `source + k * sourceStride` and going to `destination + k * destinationStride`.
public struct BlockCopyPart: @unchecked Sendable {
    /// First byte of row 0 in the source.
    public var source: UnsafeRawPointer
    /// Bytes between the starts of two consecutive source rows.
    public var sourceStride: Int
    /// First byte of row 0 in the destination.
    public var destination: UnsafeMutableRawPointer
    /// Bytes between the starts of two consecutive destination rows.
    public var destinationStride: Int
    /// Bytes copied per row (0 for an empty part).
    public var rowBytes: Int

    /// A part as given; strides and sizes in bytes.
    public init(source: UnsafeRawPointer, sourceStride: Int, destination: UnsafeMutableRawPointer,
                destinationStride: Int, rowBytes: Int) {
        (self.source, self.sourceStride, self.rowBytes) = (source, sourceStride, rowBytes)
        (self.destination, self.destinationStride) = (destination, destinationStride)
    }
}

/// Block copies split over threads by bytes moved.
public enum BlockCopy {
    /// Bytes from which a copy is split over threads: a copy is bandwidth-bound like an add, so
    /// Broadcast's measured element threshold applies (counted in float32 elements).
    static var parallelThresholdBytes: Int { Broadcast.parallelThreshold * 4 }

    /// Copies `rows` rows of every part. The work is the virtual row-major array [rows, sum of
    /// rowBytes] (part by part within a row), cut into ranges of whole cache lines, so one thread
    /// may copy several parts' rows and one large row may be shared by several threads.
    /// `variant` `.scalar`/`.simd` copy on one thread; `.parallel` splits even small copies.
    public static func run(_ parts: [BlockCopyPart], rows: Int, variant: KernelVariant = .auto, threads: Int? = nil) {
        let live = parts.filter { $0.rowBytes > 0 }
        guard rows > 0, !live.isEmpty else { return }
        var offsets = [0]
        for p in live { offsets.append(offsets[offsets.count - 1] + p.rowBytes) }
        let rowTotal = offsets[live.count]
        let total = rows * rowTotal
        let mode = KernelSplit.mode(variant, work: total / 4, threshold: Broadcast.parallelThreshold,
                                    grain: Broadcast.parallelGrain, minGrain: 64, threads: threads)
        var byteMode = mode
        if case let .parallel(t, grain) = mode { byteMode = .parallel(threads: t, grain: grain * 4) }
        KernelSplit.run(byteMode, total: total, align: 64) { range in
            copy(live, offsets: offsets, rowTotal: rowTotal, range)
        }
    }

    /// The bytes of `range` of the virtual [rows, rowTotal] array.
    private static func copy(_ parts: [BlockCopyPart], offsets: [Int], rowTotal: Int, _ range: Range<Int>) {
        var pos = range.lowerBound
        var row = pos / rowTotal, column = pos % rowTotal
        // The part holding `column` (index_select makes one part per index: binary search).
        var lo = 0, hi = parts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= column { lo = mid } else { hi = mid - 1 }
        }
        var k = lo
        while pos < range.upperBound {
            let p = parts[k]
            let within = column - offsets[k]
            let n = Swift.min(p.rowBytes - within, range.upperBound - pos)
            (p.destination + row * p.destinationStride + within)
                .copyMemory(from: p.source + row * p.sourceStride + within, byteCount: n)
            pos += n
            column += n
            if column == offsets[k + 1] {
                k += 1
                if k == parts.count {
                    k = 0
                    column = 0
                    row += 1
                }
            }
        }
    }
}
