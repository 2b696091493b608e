// The elementwise binary operations and their gradients, each written once for a SIMD vector and
// once for a scalar with the same formula, so that the SIMD kernels and the scalar reference agree
// bit for bit on every lane.

/// An elementwise binary operation with NumPy broadcasting: `add`, `sub`, `mul`, `div` (true
/// division) and `maximum`, `minimum` (NaN propagates, as `torch.maximum`/`torch.minimum`).
public enum BinaryOp: Hashable, Sendable, CaseIterable {
    case add, sub, mul, div, maximum, minimum

    /// The exact int64 kernel of this op, or nil for `div` (true division of integers gives
    /// floats, as in PyTorch).
    public var integerOp: IntegerBinaryOp? {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .maximum: return .maximum
        case .minimum: return .minimum
        case .div: return nil
        }
    }

    /// The lower-case name used in kernel catalogs and reports ("add", "maximum").
    public var name: String {
        switch self {
        case .add: return "add"
        case .sub: return "sub"
        case .mul: return "mul"
        case .div: return "div"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        }
    }
}

/// One pure function of two operands (forward) or of (a, b, gy) (one side's gradient).
protocol LaneFunction {
    static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V
    static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S
}

enum BinaryLanes {
    // Forward: g is unused.
    enum Add: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { a + b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { a + b }
    }
    enum Sub: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { a - b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { a - b }
    }
    enum Mul: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { a * b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { a * b }
    }
    enum Div: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { a / b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { a / b }
    }
    /// NaN in either operand gives NaN (PyTorch), unlike Swift.max and IEEE maxNum.
    enum Maximum: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(a, b, where: V.or(V.greater(b, a), V.isNaN(b)))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            (b > a || b != b) ? b : a
        }
    }
    enum Minimum: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(a, b, where: V.or(V.less(b, a), V.isNaN(b)))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            (b < a || b != b) ? b : a
        }
    }

    // Gradients (PyTorch formulas). mul: ga = g*b, gb = g*a.
    enum MulGradA: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { g * b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { g * b }
    }
    enum MulGradB: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { g * a }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { g * a }
    }
    enum DivGradA: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { g / b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { g / b }
    }
    /// -g*a/b^2 computed as -(g*(a/b))/b: b*b overflows or underflows long before the result does.
    enum DivGradB: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { -(g * (a / b)) / b }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { -(g * (a / b)) / b }
    }
    /// maximum: ga = where(a == b, g/2, g) masked to 0 where a < b; NaN operands pass g to both.
    enum MaximumGradA: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(V.blend(g, g * 0.5, where: V.equal(a, b)), V(), where: V.less(a, b))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            a < b ? 0 : (a == b ? g * 0.5 : g)
        }
    }
    enum MaximumGradB: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(V.blend(g, g * 0.5, where: V.equal(a, b)), V(), where: V.greater(a, b))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            a > b ? 0 : (a == b ? g * 0.5 : g)
        }
    }
    enum MinimumGradA: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(V.blend(g, g * 0.5, where: V.equal(a, b)), V(), where: V.greater(a, b))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            a > b ? 0 : (a == b ? g * 0.5 : g)
        }
    }
    enum MinimumGradB: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V {
            V.blend(V.blend(g, g * 0.5, where: V.equal(a, b)), V(), where: V.less(a, b))
        }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S {
            a < b ? 0 : (a == b ? g * 0.5 : g)
        }
    }
}
