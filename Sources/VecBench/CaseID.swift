import Foundation
import Vecgrad

// One identity for a case wherever it appears: planned from a suite line, built by a catalog
// entry, written as a report row, paired across two reports by `compare`. Keeping it one type
// means a field added to the identity reaches all four at once instead of being spelled again.

/// What a measurement is: an op under one variant, dtype, shape set, thread count, pinning and
/// phase. Suites plan these (`PlannedCase.id`), catalog entries build them (`OpEntry.make`),
/// report rows carry them (`BenchRecord.id`) and `compare` pairs rows by them, with `CaseID.any`
/// standing for the variant or the pinning when those are left out of the pairing.
public struct CaseID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The catalog op name ("sigmoid", "matmul").
    public var op: String
    /// The kernel variant ("scalar", "simd", "parallel", "blas", "torch", ...), or `CaseID.any`.
    public var variant: String
    /// The element type measured (float32 or float64 in every catalog entry today).
    public var dtype: DType
    /// Operand shapes, one per operand.
    public var shapes: [[Int]]
    /// Worker threads requested.
    public var threads: Int
    /// "none", "compact" or "scatter" (`PinningPolicy` raw values, as the CSV writes them), or
    /// `CaseID.any`.
    public var pinning: String
    /// Forward or backward.
    public var phase: Phase

    /// The wildcard variant or pinning of a compare key ("*"): any value pairs.
    public static let any = "*"

    /// An identity as given; `pinning` defaults to "none" (an unpinned pool).
    public init(op: String, variant: String, dtype: DType, shapes: [[Int]], threads: Int, pinning: String = "none",
                phase: Phase) {
        self.op = op; self.variant = variant; self.dtype = dtype; self.shapes = shapes
        self.threads = threads; self.pinning = pinning; self.phase = phase
    }

    /// The same case with `CaseID.any` in place of the variant (pairing one variant of a report
    /// with another) and/or the pinning (PyTorch's threads are never pinned).
    public func ignoring(variant ignoresVariant: Bool = false, pinning ignoresPinning: Bool = false) -> CaseID {
        var id = self
        if ignoresVariant { id.variant = CaseID.any }
        if ignoresPinning { id.pinning = CaseID.any }
        return id
    }

    /// The same case with other shapes (`[]` groups every shape of a case, as a chart over sizes does).
    public func with(shapes: [[Int]]) -> CaseID {
        var id = self
        id.shapes = shapes
        return id
    }

    /// The same case with another thread count (0 groups every count, as a scaling chart does).
    public func with(threads: Int) -> CaseID {
        var id = self
        id.threads = threads
        return id
    }

    /// Orders by op, phase, dtype, shapes (as the CSV writes them), variant, threads, then
    /// pinning: the row order of `compare`'s table.
    public static func < (a: CaseID, b: CaseID) -> Bool {
        // Tuples compare up to six elements; the pinning breaks the remaining ties.
        let x = (a.op, a.phase.rawValue, a.dtype.rawValue, formatShapes(a.shapes), a.variant, a.threads)
        let y = (b.op, b.phase.rawValue, b.dtype.rawValue, formatShapes(b.shapes), b.variant, b.threads)
        return x < y || (x == y && a.pinning < b.pinning)
    }

    /// "relu forward float32 1048576 simd t=1 pin=none": how progress lines, failures and
    /// compare's errors name a case.
    public var description: String {
        "\(op) \(phase.rawValue) \(dtype.rawValue) \(formatShapes(shapes)) \(variant) t=\(threads) pin=\(pinning)"
    }

    private enum CodingKeys: String, CodingKey { case op, variant, dtype, shapes, threads, pinning, phase }

    /// verdict.json's spelling: dtype and phase as their raw values, shapes as the CSV writes them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        try c.encode(variant, forKey: .variant)
        try c.encode(dtype.rawValue, forKey: .dtype)
        try c.encode(formatShapes(shapes), forKey: .shapes)
        try c.encode(threads, forKey: .threads)
        try c.encode(pinning, forKey: .pinning)
        try c.encode(phase, forKey: .phase)
    }

    /// Reads what `encode(to:)` writes; an unknown dtype or a malformed shape list is a data error.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let dtypeText = try c.decode(String.self, forKey: .dtype)
        guard let dtype = DType(rawValue: dtypeText) else {
            throw DecodingError.dataCorruptedError(forKey: .dtype, in: c, debugDescription: "unknown dtype '\(dtypeText)'")
        }
        let shapesText = try c.decode(String.self, forKey: .shapes)
        let shapes: [[Int]]
        do { shapes = try parseShapes(shapesText) } catch let e as ShapeSyntaxError {
            throw DecodingError.dataCorruptedError(forKey: .shapes, in: c, debugDescription: e.message)
        }
        self.init(op: try c.decode(String.self, forKey: .op), variant: try c.decode(String.self, forKey: .variant),
                  dtype: dtype, shapes: shapes, threads: try c.decode(Int.self, forKey: .threads),
                  pinning: try c.decode(String.self, forKey: .pinning), phase: try c.decode(Phase.self, forKey: .phase))
    }
}

extension BenchRecord {
    /// The catalog op name, e.g. "sigmoid", "matmul" (`id.op`).
    public var op: String { get { id.op } set { id.op = newValue } }
    /// The kernel variant ("scalar", "simd", "parallel", "blas", "torch", ...) (`id.variant`).
    public var variant: String { get { id.variant } set { id.variant = newValue } }
    /// The element type measured (`id.dtype`).
    public var dtype: DType { get { id.dtype } set { id.dtype = newValue } }
    /// Operand shapes (`id.shapes`).
    public var shapes: [[Int]] { get { id.shapes } set { id.shapes = newValue } }
    /// Worker threads requested (`id.threads`).
    public var threads: Int { get { id.threads } set { id.threads = newValue } }
    /// "none", "compact" or "scatter" (`id.pinning`).
    public var pinning: String { get { id.pinning } set { id.pinning = newValue } }
    /// Forward or backward (`id.phase`).
    public var phase: Phase { get { id.phase } set { id.phase = newValue } }
}
