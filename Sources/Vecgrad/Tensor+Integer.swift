import VecKernels

// int64 arithmetic kept exact (IntegerKernels, never through float64), the `Int` scalar forms
// that keep an int64 tensor int64 (PyTorch: `torch.arange(5) + 2` is int64, a Python float
// scalar promotes to float32), and floor division and remainder with Python's signs.

extension Tensor {
    // Tensor-Int: an int64 tensor stays int64 (exact); a float tensor is unchanged in dtype, as
    // with a Double scalar. `/` is true division: an int64 tensor gives float32.
    /// Adds an integer to every element: an int64 tensor stays int64 and exact (wrapping on
    /// overflow, as PyTorch's C++), a floating tensor keeps its dtype. Never throws.
    public static func + (lhs: Tensor, rhs: Int) -> Tensor { intScalarOp(.add, lhs, rhs, scalarFirst: false) { $0 + $1 } }
    /// Adds an integer to every element; dtype rule as `tensor + Int`.
    public static func + (lhs: Int, rhs: Tensor) -> Tensor { intScalarOp(.add, rhs, lhs, scalarFirst: true) { $1 + $0 } }
    /// Subtracts an integer from every element; dtype rule as `tensor + Int`. A bool tensor computes
    /// as 0/1 in int64 (PyTorch refuses `mask - 1`; this form cannot throw).
    public static func - (lhs: Tensor, rhs: Int) -> Tensor { intScalarOp(.sub, lhs, rhs, scalarFirst: false) { $0 - $1 } }
    /// An integer minus every element; dtype rule as `tensor + Int`.
    public static func - (lhs: Int, rhs: Tensor) -> Tensor { intScalarOp(.sub, rhs, lhs, scalarFirst: true) { $1 - $0 } }
    /// Multiplies every element by an integer; dtype rule as `tensor + Int`.
    public static func * (lhs: Tensor, rhs: Int) -> Tensor { intScalarOp(.mul, lhs, rhs, scalarFirst: false) { $0 * $1 } }
    /// Multiplies every element by an integer; dtype rule as `tensor + Int`.
    public static func * (lhs: Int, rhs: Tensor) -> Tensor { intScalarOp(.mul, rhs, lhs, scalarFirst: true) { $1 * $0 } }
    /// True division by an integer: an int64 tensor gives float32 (`torch.arange(5) / 2`), a
    /// floating tensor keeps its dtype.
    public static func / (lhs: Tensor, rhs: Int) -> Tensor { lhs.floatingForDivision() / Double(rhs) }
    /// An integer divided by every element (true division); dtype rule as `tensor / Int`.
    public static func / (lhs: Int, rhs: Tensor) -> Tensor { Double(lhs) / rhs.floatingForDivision() }

    /// Python's `a // b` elementwise with broadcasting (rounds toward negative infinity), PyTorch's
    /// `floor_divide`: int64 stays int64 and exact, floats as PyTorch's `div_floor`. Not
    /// differentiable (the result does not require grad). Throws `broadcastMismatch`, and
    /// `integerDivisionByZero` ("ZeroDivisionError") for an int64 zero divisor.
    public func floorDivide(_ other: Tensor) throws -> Tensor {
        try Tensor.floorOp(.floorDivide, self, other)
    }

    /// `floorDivide` by an integer scalar (int64 stays int64).
    public func floorDivide(_ other: Int) throws -> Tensor { try floorDivide(Tensor.wrappedScalar(other, like: self)) }

    /// Python's `a % b` elementwise with broadcasting: the sign of the divisor (PyTorch's
    /// `remainder`). int64 exact; floats as PyTorch (fmod, then + b when the signs differ).
    /// Differentiable for floats (d/da = 1, d/db = -floor(a / b)). Throws as `floorDivide`.
    public func remainder(_ other: Tensor) throws -> Tensor {
        try Tensor.floorOp(.remainder, self, other)
    }

    /// `remainder` by an integer scalar (int64 stays int64).
    public func remainder(_ other: Int) throws -> Tensor { try remainder(Tensor.wrappedScalar(other, like: self)) }

    /// `a % b`, PyTorch's `remainder` (Python's sign rule).
    public static func % (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.remainder(rhs) }
    /// `a % b` by an integer scalar, PyTorch's `remainder` (int64 stays int64). Throws
    /// `integerDivisionByZero` for an int64 tensor and `rhs == 0`.
    public static func % (lhs: Tensor, rhs: Int) throws -> Tensor { try lhs.remainder(rhs) }

    // MARK: implementations

    /// An int64 tensor as float32 for true division (PyTorch computes int/int in the default
    /// float dtype); a float tensor unchanged.
    func floatingForDivision() -> Tensor { dtype.isFloatingPoint ? self : to(.float32) }

    /// An `Int` scalar as a 0-d tensor that never changes `t`'s dtype (a "wrapped number"); int64
    /// beside a bool tensor (`mask // 2` is int64).
    static func wrappedScalar(_ s: Int, like t: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: [], dtype: t.dtype == .bool ? .int64 : t.dtype)
        if out.dtype == .int64 { out.pointer(Int64.self).pointee = Int64(s) } else { out.setElement(0, Double(s)) }
        return out
    }

    private static func intScalarOp(_ op: IntegerBinaryOp, _ t: Tensor, _ s: Int, scalarFirst: Bool,
                                     _ floating: (Tensor, Double) -> Tensor) -> Tensor {
        let t = t.integralForArithmetic   // bool + 1 is int64, as in PyTorch
        guard t.dtype == .int64 else { return floating(t, Double(s)) }
        var c = Int64(s)
        let out = Tensor(uninitializedShape: t.shape, dtype: .int64)
        let p = UnsafePointer(t.pointer(Int64.self))
        withUnsafePointer(to: &c) { sp in
            // + - * never fail (only division checks its divisor).
            _ = IntegerKernels.binary(op, scalarFirst ? sp : p, aStep: scalarFirst ? 0 : 1,
                                      scalarFirst ? p : sp, bStep: scalarFirst ? 1 : 0,
                                      out.pointer(Int64.self), count: t.count)
        }
        return out
    }

    /// Both operands int64: the exact kernel over the broadcast shape (a one-element operand is
    /// read in place, a larger one expanded).
    static func integerBinary(_ op: IntegerBinaryOp, _ a: Tensor, _ b: Tensor, outShape: [Int]) throws -> Tensor {
        let out = try Tensor(checkedShape: outShape, dtype: .int64)
        let a = a.count == 1 ? a : a.expanded(toShape: outShape)
        let b = b.count == 1 ? b : b.expanded(toShape: outShape)
        guard IntegerKernels.binary(op, a.pointer(Int64.self), aStep: a.count == 1 ? 0 : 1,
                                    b.pointer(Int64.self), bStep: b.count == 1 ? 0 : 1,
                                    out.pointer(Int64.self), count: out.count) else {
            throw TensorError.integerDivisionByZero
        }
        return out
    }

    private static func floorOp(_ op: IntegerBinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        if a.dtype == .bool || b.dtype == .bool {
            try checkBoolFloorOperands(op, a, b)
            return try floorOp(op, a.integralForArithmetic, b.integralForArithmetic)
        }
        let outShape = try Shape.broadcast(a.shape, b.shape)
        let dt = resultDType(a, b)
        if dt == .int64 { return try integerBinary(op, a, b, outShape: outShape) }
        // Detached: the expansion only feeds the kernel (the node below records a and b).
        let x = a.to(dt).detach().expanded(toShape: outShape), y = b.to(dt).detach().expanded(toShape: outShape)
        let out = try Tensor(checkedShape: outShape, dtype: dt)
        if dt == .float32 {
            floorKernel(op, x.pointer(Float.self), y.pointer(Float.self), out.pointer(Float.self), count: out.count)
        } else {
            floorKernel(op, x.pointer(Double.self), y.pointer(Double.self), out.pointer(Double.self), count: out.count)
        }
        if op == .remainder && Autograd.needsGrad(a, b) {
            let needs = (a.requiresGrad, b.requiresGrad)
            out.record("RemainderBackward0", a, b, saving: a, b) { gy in
                [needs.0 ? gy.summed(toShape: a.shape).to(a.dtype) : nil,
                 needs.1 ? try (gy * withNoGrad { try a.floorDivide(b) }).summed(toShape: b.shape).neg().to(b.dtype) : nil]
            }
        }
        return out
    }

    /// PyTorch's `div_floor` and `remainder` for floats (c10's div_floor_floating): through fmod,
    /// so that a // b and a % b agree (a == b * (a // b) + a % b up to rounding).
    private static func floorKernel<T: BinaryFloatingPoint>(_ op: IntegerBinaryOp, _ a: UnsafePointer<T>,
                                                            _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                                            count: Int) {
        for i in 0..<count {
            let x = a[i], y = b[i]
            let mod = x.truncatingRemainder(dividingBy: y)
            let signsDiffer = mod != 0 && (y < 0) != (mod < 0)
            if op == .remainder {
                out[i] = signsDiffer ? mod + y : mod
                continue
            }
            if y == 0 { out[i] = x / y; continue }
            var div = (x - mod) / y
            if signsDiffer { div -= 1 }
            if div != 0 {
                var floored = div.rounded(.down)
                if div - floored > 0.5 { floored += 1 }
                out[i] = floored
            } else {
                out[i] = T(signOf: x / y, magnitudeOf: 0)
            }
        }
    }
}
