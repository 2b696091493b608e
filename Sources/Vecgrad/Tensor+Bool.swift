import VecKernels

// The bool dtype's conversions and the rules it adds to existing ops: bool tensors are masks (one
// byte, 0 or 1), promoted to int64 or a floating dtype for arithmetic as PyTorch does.

extension Tensor {
    /// Conversions to and from bool (`to(_:)`): nonzero (NaN included) is true, true is 1.
    func convertBool(into out: Tensor) {
        let n = count
        func map<S, D>(_: S.Type, _: D.Type, _ f: (S) -> D) {
            let s = pointer(S.self), d = out.pointer(D.self)
            for i in 0..<n { d[i] = f(s[i]) }
        }
        switch (dtype, out.dtype) {
        case (.bool, .float32): map(UInt8.self, Float.self) { Float($0) }
        case (.bool, .float64): map(UInt8.self, Double.self) { Double($0) }
        case (.bool, .int64): map(UInt8.self, Int64.self) { Int64($0) }
        case (.float32, .bool): map(Float.self, UInt8.self) { $0 != 0 ? 1 : 0 }
        case (.float64, .bool): map(Double.self, UInt8.self) { $0 != 0 ? 1 : 0 }
        case (.int64, .bool): map(Int64.self, UInt8.self) { $0 != 0 ? 1 : 0 }
        default: out.impl.data.copyMemory(from: impl.data, byteCount: n)
        }
    }

    /// A bool tensor as int64 for the ops that compute on integers (sum, max, the Int scalar
    /// forms); any other tensor unchanged.
    var integralForArithmetic: Tensor { dtype == .bool ? to(.int64) : self }
}

extension Tensor {
    /// A binary op with a bool operand (PyTorch's rules): bool op bool stays bool for + and
    /// maximum (logical or) and * and minimum (logical and), `/` gives float32; a bool beside an
    /// int64 or floating operand is promoted to it. `-` with a bool operand throws PyTorch's error.
    static func boolBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ name: String) throws -> Tensor {
        if op == .sub {
            throw TensorError.invalidArgument(a.dtype == b.dtype
                ? "Subtraction, the `-` operator, with two bool tensors is not supported. "
                    + "Use the `^` or `logical_xor()` operator instead."
                : "Subtraction, the `-` operator, with a bool tensor is not supported. "
                    + "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        }
        guard resultDType(a, b) == .bool else {
            // int64 arithmetic is exact on 0 and 1, and the promoted result dtype is unchanged.
            return try binary(op, a.integralForArithmetic, b.integralForArithmetic, name)
        }
        if op == .div { return try binary(.div, a.to(.float32), b.to(.float32), name) }
        // Both bool: 0/1 under + max (or) and * min (and); any nonzero sum is true.
        return try binary(op, a.to(.int64), b.to(.int64), name).to(.bool)
    }

    /// PyTorch has no floor division or remainder for two bool operands.
    static func checkBoolFloorOperands(_ op: IntegerBinaryOp, _ a: Tensor, _ b: Tensor) throws {
        guard a.dtype == .bool && b.dtype == .bool else { return }
        throw TensorError.unsupportedDType(op: op == .remainder ? "remainder_cpu" : "div_floor_cpu", dtype: .bool)
    }

    /// max/min along the normalized, non-empty dim `d` of a bool tensor: through int64 (first
    /// index of the extremum, as PyTorch), values back to bool.
    func boolExtremum(dim d: Int, keepdim: Bool, largest: Bool) throws -> (values: Tensor, indices: Tensor) {
        let wide = to(.int64)
        let r = largest ? try wide.max(dim: d, keepdim: keepdim) : try wide.min(dim: d, keepdim: keepdim)
        return (r.values.to(.bool), r.indices)
    }

    /// The in-place ops with a bool tensor on either side (nil when neither is bool): computed out
    /// of place with the rules of `boolBinary`, then written back when the result dtype is this
    /// tensor's (`mask += mask` is or; `ints += mask` adds 0/1; `mask += 1` throws "result type
    /// Long can't be cast to the desired output type Bool").
    func boolUpdateInPlace(_ op: BinaryOp, other: InPlaceOperand, alpha: InPlaceAlpha?, _ name: String) throws -> Tensor? {
        let rhs: Tensor
        switch other {
        case let .tensor(t):
            guard dtype == .bool || t.dtype == .bool else { return nil }
            try checkInPlace(name, operand: t)
            switch alpha {
            case nil: rhs = t
            case let .real(a): rhs = a == 1 ? t : t * a
            case let .integer(a): rhs = a == 1 ? t : t * a
            }
        case let .real(s):
            guard dtype == .bool else { return nil }
            try checkInPlace(name, operand: nil)
            rhs = Tensor(shape: [], scalars: [s], dtype: .float32)
        case let .integer(s):
            guard dtype == .bool else { return nil }
            try checkInPlace(name, operand: nil)
            rhs = Tensor(shape: [], scalars: [s], dtype: .int64)
        }
        let result = try withNoGrad { try Tensor.binary(op, self, rhs, name) }
        guard result.shape == shape else {
            throw TensorError.invalidArgument(
                "output with shape \(shapeList(shape)) doesn't match the broadcast shape \(shapeList(result.shape))")
        }
        guard result.dtype == dtype else {
            throw TensorError.invalidArgument(
                "result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
        }
        impl.data.copyMemory(from: result.impl.data, byteCount: count * dtype.byteSize)
        bumpVersion()
        return self
    }
}
