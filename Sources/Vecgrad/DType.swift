import VecKernels

// Element types of a tensor and the Swift scalar types that read and write them.

/// The element type of a tensor: `.float32` (the default and the speed target), `.float64` (the
/// accuracy reference), `.int64` (class indices, `arange`, `argmax`) and `.bool` (masks: what
/// comparisons give, one byte per element holding 0 or 1, as `torch.bool`).
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, int64, bool

    /// Only floating tensors can require gradients (PyTorch rule).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The element type of a floating dtype (Float or Double), to open in a generic function: the
    /// one place kernels' float32 and float64 paths are told apart, as ATen's
    /// AT_DISPATCH_FLOATING_TYPES. nil for int64, which every caller handles before its kernel.
    var floating: (any KernelFloat.Type)? {
        switch self {
        case .float32: Float.self
        case .float64: Double.self
        case .int64, .bool: nil
        }
    }

    /// Bytes per element (bool: 1, as PyTorch's).
    public var byteSize: Int {
        switch self {
        case .float32: 4
        case .float64, .int64: 8
        case .bool: 1
        }
    }

    /// PyTorch's type category: bool < integral < floating. A 0-d operand decides the result dtype
    /// of a binary op only when its category is higher than the dimensioned operand's.
    var category: Int {
        switch self {
        case .bool: 0
        case .int64: 1
        case .float32, .float64: 2
        }
    }

    /// PyTorch's spelling, as printed in `dtype=torch.float64`.
    public var description: String { "torch." + rawValue }

    /// PyTorch's legacy type name used in error messages ("torch.FloatTensor").
    var legacyTypeName: String {
        switch self {
        case .float32: return "torch.FloatTensor"
        case .float64: return "torch.DoubleTensor"
        case .int64: return "torch.LongTensor"
        case .bool: return "torch.BoolTensor"
        }
    }

    /// PyTorch's scalar type name used in error messages ("Float", "Double", "Long").
    var scalarTypeName: String {
        switch self {
        case .float32: return "Float"
        case .float64: return "Double"
        case .int64: return "Long"
        case .bool: return "Bool"
        }
    }

    /// PyTorch type promotion for two dimensioned operands: float64 wins, then float32, then int64,
    /// then bool.
    static func promoted(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .float64 || b == .float64 { return .float64 }
        if a == .float32 || b == .float32 { return .float32 }
        return .int64
    }
}

/// A Swift scalar type a tensor's elements can be read as or built from.
public protocol TensorScalar {
    /// The dtype a tensor built from this type gets when none is given.
    static var naturalDType: DType { get }
    /// A value from a float64 element (rounded to nearest for Float, truncated toward zero for the
    /// integers, NaN and out-of-range values saturating as PyTorch's casts).
    init(tensorElement value: Double)
    /// A value from an int64 element (rounded to nearest for the floating types).
    init(tensorElement value: Int64)
    /// The value as a float64 element.
    var tensorDouble: Double { get }
    /// The value as an int64 element: truncated toward zero, NaN to 0, out of range to `Int64.min`/`max`.
    var tensorInt64: Int64 { get }
}

/// Float to integer the way PyTorch casts: truncation, with NaN and out-of-range values mapped to a
/// fixed value instead of trapping.
@inline(__always)
func truncatingToInt64(_ v: Double) -> Int64 {
    guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? Int64.max : Int64.min) }
    if v >= 9.2233720368547758e18 { return Int64.max }
    if v <= -9.2233720368547758e18 { return Int64.min }
    return Int64(v.rounded(.towardZero))
}

extension Float: TensorScalar {
    /// `.float32`.
    public static var naturalDType: DType { .float32 }
    /// Rounds to the nearest float32.
    public init(tensorElement value: Double) { self = Float(value) }
    /// Rounds to the nearest float32 (exact up to 2^24).
    public init(tensorElement value: Int64) { self = Float(value) }
    /// Exact.
    public var tensorDouble: Double { Double(self) }
    /// Truncated toward zero; NaN gives 0, out-of-range values saturate.
    public var tensorInt64: Int64 { truncatingToInt64(Double(self)) }
}

extension Double: TensorScalar {
    /// `.float64`.
    public static var naturalDType: DType { .float64 }
    /// Exact.
    public init(tensorElement value: Double) { self = value }
    /// Rounds to the nearest float64 (exact up to 2^53).
    public init(tensorElement value: Int64) { self = Double(value) }
    /// Exact.
    public var tensorDouble: Double { self }
    /// Truncated toward zero; NaN gives 0, out-of-range values saturate.
    public var tensorInt64: Int64 { truncatingToInt64(self) }
}

extension Int64: TensorScalar {
    /// `.int64`.
    public static var naturalDType: DType { .int64 }
    /// Truncated toward zero; NaN gives 0, out-of-range values saturate (PyTorch's cast, never a trap).
    public init(tensorElement value: Double) { self = truncatingToInt64(value) }
    /// Exact.
    public init(tensorElement value: Int64) { self = value }
    /// Rounds to the nearest float64 (exact up to 2^53).
    public var tensorDouble: Double { Double(self) }
    /// Exact.
    public var tensorInt64: Int64 { self }
}

extension Int: TensorScalar {
    /// `.int64`.
    public static var naturalDType: DType { .int64 }
    /// Truncated toward zero; NaN gives 0, out-of-range values saturate.
    public init(tensorElement value: Double) { self = Int(truncatingToInt64(value)) }
    /// Exact (Int is 64-bit on the platforms Vecgrad builds for).
    public init(tensorElement value: Int64) { self = Int(value) }
    /// Rounds to the nearest float64 (exact up to 2^53).
    public var tensorDouble: Double { Double(self) }
    /// Exact.
    public var tensorInt64: Int64 { Int64(self) }
}

extension Bool: TensorScalar {
    /// `.bool`.
    public static var naturalDType: DType { .bool }
    /// True for any nonzero value, NaN included (PyTorch's cast to bool).
    public init(tensorElement value: Double) { self = value != 0 }
    /// True for any nonzero value.
    public init(tensorElement value: Int64) { self = value != 0 }
    /// 1 or 0.
    public var tensorDouble: Double { self ? 1 : 0 }
    /// 1 or 0.
    public var tensorInt64: Int64 { self ? 1 : 0 }
}
