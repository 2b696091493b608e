import Synchronization
import Vecgrad

// The op catalog: what `vecbench` can measure. Each entry knows its operands, variants, cost model
// and how to build a runnable case whose output is checked against the reference before any time
// counts. The entries come from CatalogKernels.swift and CatalogTensors.swift (Builtins.swift
// registers them); suites are validated against it before anything runs.

/// What a case times: `forward` (the op) or `backward` (its gradient).
public enum Phase: String, CaseIterable, Codable, Sendable { case forward, backward }

/// How a report states throughput: bytes or floating-point operations per second.
public enum ThroughputUnit: String, CaseIterable, Codable, Sendable {
    /// "GB/s": memory-bound ops, from `Cost.bytes`.
    case gigabytesPerSecond = "GB/s"
    /// "GFLOP/s": compute-bound ops, from `Cost.flops`.
    case gigaflopsPerSecond = "GFLOP/s"
}

/// Work of one call: bytes read plus written, and floating-point operations, with the traffic
/// pattern that decides which calibrated ceiling bounds it (Traffic.swift).
public struct Cost: Equatable, Sendable {
    /// Bytes read plus written by one call.
    public var bytes: Double
    /// Floating-point operations of one call.
    public var flops: Double
    /// The part of `bytes` that is stored (the rest is read).
    public var writtenBytes: Double
    /// The access pattern whose calibrated bandwidth bounds the call.
    public var pattern: TrafficPattern
    /// Normal or streaming stores (which probe of the pattern applies).
    public var stores: StoreKind = .normal
    /// Distinct bytes the call touches: what decides the cache level it runs from.
    public var workingSet: Double

    /// A cost without a traffic split is taken as a triad (two reads per write), the pattern
    /// every cost had before patterns existed.
    public init(bytes: Double, flops: Double) {
        self.bytes = bytes; self.flops = flops
        writtenBytes = bytes / 3; pattern = .triad; workingSet = bytes
    }

    /// `inPlace`: the writes go to lines just read (x += ...), so they are part of the reads'
    /// working set and allocate nothing.
    public init(reads: Double, writes: Double, flops: Double, inPlace: Bool = false, workingSet: Double? = nil) {
        bytes = reads + writes; self.flops = flops; writtenBytes = writes
        pattern = TrafficPattern.of(reads: reads, writes: writes, inPlace: inPlace)
        self.workingSet = workingSet ?? (inPlace ? reads : reads + writes)
    }
    /// Flops per byte (0 for pure data movement).
    public var intensity: Double { bytes > 0 ? flops / bytes : .infinity }
}

/// Outcome of checking a variant's output against the reference.
public struct CheckResult: Equatable, Sendable {
    /// The output's error figures against the reference.
    public var errors: ErrorFigures
    /// Every element within the op's tolerance.
    public var passed: Bool
    /// Why it failed (first offending element and the tolerance), empty when it passed.
    public var detail: String
    /// A result as given.
    public init(errors: ErrorFigures, passed: Bool, detail: String = "") {
        self.errors = errors; self.passed = passed; self.detail = detail
    }
}

/// A built case: `run` is one timed call (inputs and outputs are allocated beforehand, in `make`);
/// `check` runs the variant once and compares against the reference.
public struct PreparedCase {
    /// One call of the variant on the prepared buffers: what is timed.
    public var run: () -> Void
    /// Runs the variant once and compares its output with the reference.
    public var check: () -> CheckResult
    /// A case from its two closures.
    public init(run: @escaping () -> Void, check: @escaping () -> CheckResult) {
        self.run = run; self.check = check
    }
}

/// A case the catalog cannot build (an unknown variant, shapes the op rejects), with the reason.
public struct CatalogError: Error, CustomStringConvertible {
    /// The reason.
    public var description: String
    /// An error with this reason.
    public init(_ description: String) { self.description = description }
}

/// One op `vecbench` can measure: its operands, variants, dtypes and phases, cost model, and how
/// to build a checked, runnable case.
public struct OpEntry {
    /// The name suites and reports use ("sigmoid", "matmul").
    public var name: String
    /// Number of operand shapes a case gives.
    public var arity: Int
    /// The variants it implements.
    public var variants: [String]
    /// The dtypes it accepts.
    public var dtypes: [DType]
    /// The phases it can time.
    public var phases: [Phase]
    /// The unit its throughput is reported in.
    public var unit: ThroughputUnit
    /// One line for `--help`-style listings.
    public var summary: String
    /// nil if the shapes suit the op, else what is wrong ("inner dimensions differ: 3 vs 4").
    public var validateShapes: ([[Int]]) -> String?
    /// Bytes, FLOPs and traffic pattern of one call for shapes, dtype, phase and variant (variants
    /// may do different work: a unary backward reads a saved complement where `scalar` recomputes from x).
    public var costModel: ([[Int]], DType, Phase, String) -> Cost
    /// Builds the case a `CaseID` names (inputs, outputs, reference); throws `CatalogError` when it cannot.
    public var make: (CaseID) throws -> PreparedCase
    /// How `vecbench accuracy` checks the op through Vecgrad's Tensor API (forward and backward
    /// errors against float64, float64 gradcheck); nil for ops without an accuracy row.
    public var accuracy: AccuracySubject?

    /// The dtypes a case can have unless the entry says otherwise: the floating ones (no kernel
    /// the harness measures takes int64 today).
    public static let floatingDTypes: [DType] = [.float32, .float64]

    /// An entry; by default float32 and float64 (`floatingDTypes`), both phases, any shapes and no
    /// accuracy subject.
    public init(name: String, arity: Int, variants: [String], dtypes: [DType] = OpEntry.floatingDTypes,
                phases: [Phase] = Phase.allCases, unit: ThroughputUnit, summary: String,
                validateShapes: @escaping ([[Int]]) -> String? = { _ in nil },
                costModel: @escaping ([[Int]], DType, Phase, String) -> Cost, accuracy: AccuracySubject? = nil,
                make: @escaping (CaseID) throws -> PreparedCase) {
        self.name = name; self.arity = arity; self.variants = variants; self.dtypes = dtypes
        self.phases = phases; self.unit = unit; self.summary = summary
        self.validateShapes = validateShapes; self.costModel = costModel; self.make = make; self.accuracy = accuracy
    }

    /// Throughput of one call taking `nanoseconds`, in this entry's unit (GB/s and GFLOP/s are
    /// both "per nanosecond" figures, which is why no scale factor appears).
    public func throughput(_ cost: Cost, nanoseconds: Double) -> Double {
        guard nanoseconds > 0 else { return 0 }
        return (unit == .gigabytesPerSecond ? cost.bytes : cost.flops) / nanoseconds
    }
}

/// A set of entries by name. Validation and tests use values of this type; `Catalog` holds the
/// process-wide one that the CLI fills.
public struct OpCatalog {
    /// The entries by name.
    public private(set) var entries: [String: OpEntry] = [:]
    /// Names in the order they were first registered (a re-registered name keeps its place).
    public private(set) var registrationOrder: [String] = []
    /// A catalog of `entries` (a later entry of the same name replaces an earlier one).
    public init(_ entries: [OpEntry] = []) { for e in entries { register(e) } }
    /// Adds `entry`, replacing one of the same name (which keeps its place in `registrationOrder`).
    public mutating func register(_ entry: OpEntry) {
        if entries[entry.name] == nil { registrationOrder.append(entry.name) }
        entries[entry.name] = entry
    }
    /// The entry called `name`, or nil.
    public func entry(named name: String) -> OpEntry? { entries[name] }
    /// Entry names, sorted.
    public var names: [String] { entries.keys.sorted() }
    /// Entries sorted by name.
    public var all: [OpEntry] { names.map { entries[$0]! } }
    /// The entries `vecbench accuracy` checks (those with an `accuracy` subject), in registration
    /// order: the rows of its table.
    public var accuracyEntries: [OpEntry] { registrationOrder.compactMap { entries[$0] }.filter { $0.accuracy != nil } }
}

/// The process-wide catalog the CLI fills at start-up (`Builtins.registerAll`: the kernel and
/// tensor entries); thread-safe.
public enum Catalog {
    private static let shared = Mutex(OpCatalog())

    /// Adds `entry` to the process-wide catalog, replacing one of the same name.
    public static func register(_ entry: OpEntry) { shared.withLock { $0.register(entry) } }
    /// Entries sorted by name.
    public static var all: [OpEntry] { shared.withLock { $0.all } }
    /// A copy of the whole catalog, for validation.
    public static var snapshot: OpCatalog { shared.withLock { $0 } }
}
