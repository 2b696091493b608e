import VecKernels

// Comparisons giving bool tensors (gt lt ge le eq ne, PyTorch's names and NaN rules), their
// operators, and the logical ops on masks. Operands broadcast; they are compared in their
// promoted dtype (an int64 tensor against 2.5 in float32, as PyTorch). Not differentiable.
//
// Equality is `eq`/`ne` and the pointwise `.==`/`.!=` (Swift's SIMD spelling), not `==`: in Swift
// `==` means Equatable and returns Bool (`#expect(a == b)`, `t.grad == nil`); a Tensor-valued `==`
// would make those read as something else. The orderings have no such meaning on Tensor, so
// `<`, `<=`, `>`, `>=` are PyTorch's operators.

extension Tensor {
    /// `self > other` elementwise with broadcasting (`torch.gt`): a bool tensor of the broadcast
    /// shape. Any dtypes (compared in the promoted one); NaN compares false. Throws
    /// `broadcastMismatch` when the shapes do not broadcast.
    public func gt(_ other: Tensor) throws -> Tensor { try compared(.gt, other) }
    /// `self < other` (`torch.lt`); as `gt`.
    public func lt(_ other: Tensor) throws -> Tensor { try compared(.lt, other) }
    /// `self >= other` (`torch.ge`); as `gt`.
    public func ge(_ other: Tensor) throws -> Tensor { try compared(.ge, other) }
    /// `self <= other` (`torch.le`); as `gt`.
    public func le(_ other: Tensor) throws -> Tensor { try compared(.le, other) }
    /// `self == other` (`torch.eq`); as `gt` (NaN == NaN is false).
    public func eq(_ other: Tensor) throws -> Tensor { try compared(.eq, other) }
    /// `self != other` (`torch.ne`); as `gt` (NaN != NaN is true).
    public func ne(_ other: Tensor) throws -> Tensor { try compared(.ne, other) }

    /// `self > s` (`torch.gt` with a Python number): bool, this tensor's shape. A `Double` is
    /// compared in this tensor's dtype when floating (s rounded to it), else in float32; an `Int`
    /// (or `Int64`, `Bool`) exactly in int64 against an int64 or bool tensor. Never throws.
    public func gt<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.gt, Tensor.wrappedNumber(s, like: self)) }
    /// `self < s`; as `gt(_: S)`.
    public func lt<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.lt, Tensor.wrappedNumber(s, like: self)) }
    /// `self >= s`; as `gt(_: S)`.
    public func ge<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.ge, Tensor.wrappedNumber(s, like: self)) }
    /// `self <= s`; as `gt(_: S)`.
    public func le<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.le, Tensor.wrappedNumber(s, like: self)) }
    /// `self == s`; as `gt(_: S)`.
    public func eq<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.eq, Tensor.wrappedNumber(s, like: self)) }
    /// `self != s`; as `gt(_: S)`.
    public func ne<S: TensorScalar>(_ s: S) -> Tensor { comparedScalar(.ne, Tensor.wrappedNumber(s, like: self)) }

    /// `lhs > rhs` (`torch.gt`); throws `broadcastMismatch`.
    public static func > (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.gt(rhs) }
    /// `lhs < rhs` (`torch.lt`); throws `broadcastMismatch`.
    public static func < (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.lt(rhs) }
    /// `lhs >= rhs` (`torch.ge`); throws `broadcastMismatch`.
    public static func >= (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.ge(rhs) }
    /// `lhs <= rhs` (`torch.le`); throws `broadcastMismatch`.
    public static func <= (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.le(rhs) }
    /// `lhs .== rhs` (`torch.eq`, PyTorch's `==`); throws `broadcastMismatch`.
    public static func .== (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.eq(rhs) }
    /// `lhs .!= rhs` (`torch.ne`, PyTorch's `!=`); throws `broadcastMismatch`.
    public static func .!= (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.ne(rhs) }
    /// `x > s` (`x.gt(s)`, a Python number).
    public static func > <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.gt(rhs) }
    /// `x < s` (`x.lt(s)`).
    public static func < <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.lt(rhs) }
    /// `x >= s` (`x.ge(s)`).
    public static func >= <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.ge(rhs) }
    /// `x <= s` (`x.le(s)`).
    public static func <= <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.le(rhs) }
    /// `x .== s` (`x.eq(s)`).
    public static func .== <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.eq(rhs) }
    /// `x .!= s` (`x.ne(s)`).
    public static func .!= <S: TensorScalar>(lhs: Tensor, rhs: S) -> Tensor { lhs.ne(rhs) }

    // MARK: Logical ops

    /// True where the element is zero (`torch.logical_not`, `~mask` on bool): bool, same shape; any
    /// dtype (NaN is nonzero, so false). Never throws.
    public func logicalNot() -> Tensor { comparedScalar(.eq, Tensor.wrappedInteger(0, like: self)) }

    /// True where both elements are nonzero (`torch.logical_and`): bool, the broadcast shape; any
    /// dtypes. Throws `broadcastMismatch`.
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try logical(other) { $0 & $1 } }

    /// True where either element is nonzero (`torch.logical_or`); as `logicalAnd`.
    public func logicalOr(_ other: Tensor) throws -> Tensor { try logical(other) { $0 | $1 } }

    /// True where exactly one element is nonzero (`torch.logical_xor`); as `logicalAnd`.
    public func logicalXor(_ other: Tensor) throws -> Tensor { try logical(other) { $0 ^ $1 } }

    // MARK: implementations

    private func logical(_ other: Tensor, _ f: (UInt8, UInt8) -> UInt8) throws -> Tensor {
        let outShape = try Shape.broadcast(shape, other.shape)
        let out = try Tensor(checkedShape: outShape, dtype: .bool)
        let a = to(.bool).broadcastOperand(outShape), b = other.to(.bool).broadcastOperand(outShape)
        let pa = a.pointer(UInt8.self), pb = b.pointer(UInt8.self), po = out.pointer(UInt8.self)
        let sa = a.count == 1 ? 0 : 1, sb = b.count == 1 ? 0 : 1
        for i in 0..<out.count { po[i] = f(pa[i * sa], pb[i * sb]) }   // 0/1 bytes: & | ^ stay 0/1
        return out
    }

    private func compared(_ op: CompareOp, _ other: Tensor) throws -> Tensor {
        let outShape = try Shape.broadcast(shape, other.shape)
        let out = try Tensor(checkedShape: outShape, dtype: .bool)
        Tensor.compareKernel(op, self, other, into: out)
        return out
    }

    /// A comparison with a 0-d operand of the compared dtype: the result has this tensor's shape.
    private func comparedScalar(_ op: CompareOp, _ s: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        Tensor.compareKernel(op, self, s, into: out)
        return out
    }

    /// A Python number as a 0-d operand: integers (Int, Int64, Bool) as `wrappedInteger`, floats as
    /// `wrappedReal`.
    static func wrappedNumber<S: TensorScalar>(_ s: S, like t: Tensor) -> Tensor {
        S.naturalDType.isFloatingPoint ? wrappedReal(s.tensorDouble, like: t) : wrappedInteger(Int(s.tensorInt64), like: t)
    }

    /// A Python float as a 0-d operand: this tensor's dtype when floating, else float32.
    static func wrappedReal(_ s: Double, like t: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: [], dtype: t.dtype.isFloatingPoint ? t.dtype : .float32)
        out.setElement(0, s)
        return out
    }

    /// A Python int as a 0-d operand: this tensor's dtype when floating, else int64 (exact).
    static func wrappedInteger(_ n: Int, like t: Tensor) -> Tensor {
        wrappedScalar(n, like: t.dtype.isFloatingPoint ? t : Tensor(uninitializedShape: [], dtype: .int64))
    }

    /// This tensor as the kernels read it for an output of `outShape`: itself when it has one
    /// element (read with step 0) or the output's count, else expanded to the output's shape.
    func broadcastOperand(_ outShape: [Int]) -> Tensor {
        let n = Shape.knownCount(outShape)
        return count == 1 || count == n ? self : detach().expanded(toShape: outShape)   // read, never differentiated
    }

    /// out = a op b, both broadcast to out's shape, compared in their promoted dtype.
    private static func compareKernel(_ op: CompareOp, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        guard out.count > 0 else { return }
        var dt = resultDType(a, b)
        if dt == .bool { dt = .int64 }
        let x = a.to(dt).broadcastOperand(out.shape), y = b.to(dt).broadcastOperand(out.shape)
        let sx = x.count == 1 ? 0 : 1, sy = y.count == 1 ? 0 : 1
        let o = Execution.options, p = out.pointer(UInt8.self)
        switch dt {
        case .float32:
            Compare.compare(op, x.pointer(Float.self), aStep: sx, y.pointer(Float.self), bStep: sy, p, count: out.count,
                            variant: o.variant, threads: o.threads)
        case .float64:
            Compare.compare(op, x.pointer(Double.self), aStep: sx, y.pointer(Double.self), bStep: sy, p, count: out.count,
                            variant: o.variant, threads: o.threads)
        case .int64, .bool:
            Compare.compare(op, x.pointer(Int64.self), aStep: sx, y.pointer(Int64.self), bStep: sy, p, count: out.count)
        }
    }
}
