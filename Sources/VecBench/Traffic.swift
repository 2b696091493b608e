// Traffic models for the roofline. A single "bandwidth" does not bound every access pattern
// (docs/measurements.md: a relu over 16M floats streamed faster than the triad), because reads and writes do
// not cost the same and a normal store to a line that is not in L1 first reads it
// (write-allocate): a copy moves 3 streams, not 2. Each op's cost names its pattern, and the
// calibration measures each pattern's own ceiling, counting traffic the same way on both sides.

/// How an op's bytes move, as the calibration probes them: `read` (reads only), `copy` (one read
/// and one written stream), `triad` (two read, one written) and `update` (writes the lines it has
/// just read, so no write-allocate read).
public enum TrafficPattern: String, Codable, CaseIterable, Sendable {
    case read, copy, triad, update

    /// The probe whose ratio of reads to writes is closest: no writes to speak of is a read
    /// stream (a sum writes one scalar), 1.5 reads per write or more a triad, fewer a copy.
    public static func of(reads: Double, writes: Double, inPlace: Bool = false) -> TrafficPattern {
        if inPlace { return .update }
        if writes * 64 <= reads { return .read }
        return reads >= 1.5 * writes ? .triad : .copy
    }
}

/// Store kind of a probe: `normal` stores allocate the line first (a read before the write),
/// `nonTemporal` (streaming, raw value "nt") stores bypass the caches.
public enum StoreKind: String, Codable, CaseIterable, Sendable { case normal, nonTemporal = "nt" }

/// One bandwidth probe of the calibration: a pattern written with one kind of store.
public struct StreamProbe: Hashable, Sendable {
    /// The access pattern.
    public var pattern: TrafficPattern
    /// The store kind (always `.normal` for read and update, which need no other).
    public var stores: StoreKind
    /// A probe; read and update probes always use normal stores.
    public init(_ pattern: TrafficPattern, _ stores: StoreKind = .normal) {
        self.pattern = pattern; self.stores = pattern == .read || pattern == .update ? .normal : stores
    }

    /// Key in the calibration file: "copy", "copy-nt", ...
    public var key: String { pattern.rawValue + (stores == .nonTemporal ? "-nt" : "") }

    /// Every probe `vecbench calibrate` measures, in print order.
    public static let all: [StreamProbe] = [
        StreamProbe(.read), StreamProbe(.copy), StreamProbe(.copy, .nonTemporal),
        StreamProbe(.triad), StreamProbe(.triad, .nonTemporal), StreamProbe(.update),
    ]

    /// Arrays the probe streams through: read a; copy a -> b; triad a, b -> c; update a in place.
    public var arrays: Int {
        switch pattern { case .read, .update: return 1; case .copy: return 2; case .triad: return 3 }
    }

    /// The cost of one pass over arrays of `arrayBytes` each, in the terms op costs use.
    public func cost(arrayBytes b: Double) -> Cost {
        var c: Cost
        switch pattern {
        case .read: c = Cost(reads: b, writes: 0, flops: b / 4)
        case .copy: c = Cost(reads: b, writes: b, flops: b / 4)
        case .triad: c = Cost(reads: 2 * b, writes: b, flops: b / 2)
        case .update: c = Cost(reads: b, writes: b, flops: b / 4, inPlace: true)
        }
        c.stores = stores
        return c
    }
}

extension Cost {
    /// Bytes that cross the cache hierarchy when the working set lives at `level`: those counted,
    /// plus a write-allocate read of every line written with normal stores, except when the
    /// lines are in L1 already (an L1-sized working set) or were just read (update).
    public func traffic(at level: MemoryLevel) -> Double {
        let allocates = stores == .normal && level != .l1 && pattern != .update && pattern != .read
        return bytes + (allocates ? writtenBytes : 0)
    }

    /// The probe that bounds this cost.
    public var probe: StreamProbe { StreamProbe(pattern, stores) }
}
