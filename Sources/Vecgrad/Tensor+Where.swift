import VecKernels

// torch.where: elements of `a` where a bool condition holds, of `b` elsewhere, all three
// broadcast together. Differentiable in a and b (WhereBackward0: each branch gets the gradient
// where it was chosen, zero elsewhere).

extension Tensor {
    /// `torch.where(condition, a, b)`: `a` where `condition` is true, else `b`, with the three shapes
    /// broadcast together. The result dtype is `a`'s and `b`'s promotion (PyTorch's rules: a 0-d
    /// operand only decides when of a higher category); gradients flow to `a` and `b`, masked to
    /// the elements each supplied and summed to its shape. Throws `invalidArgument` ("where expected
    /// condition to be a boolean tensor, but got a tensor with dtype Float") for a non-bool
    /// condition and `broadcastMismatch` when the shapes do not broadcast.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard condition.dtype == .bool else {
            throw TensorError.invalidArgument(
                "where expected condition to be a boolean tensor, but got a tensor with dtype \(condition.dtype.scalarTypeName)")
        }
        let outShape = try Shape.broadcast(Shape.broadcast(condition.shape, a.shape), b.shape)
        let dt = resultDType(a, b)
        let out = try Tensor(checkedShape: outShape, dtype: dt)
        let x = a.to(dt), y = b.to(dt)
        selectKernel(condition, x, y, into: out)
        guard Autograd.needsGrad(x, y) else { return out }
        let needs = (x.requiresGrad, y.requiresGrad)
        out.record("WhereBackward0", x, y, saving: condition) { gy in
            // where itself and a recorded sum to each shape, so that double backward works.
            let zero = Tensor.zeroed([], dtype: gy.dtype)
            return [needs.0 ? try Tensor.where(condition, gy, zero).summed(toShape: x.shape) : nil,
                    needs.1 ? try Tensor.where(condition, zero, gy).summed(toShape: y.shape) : nil]
        }
        return out
    }

    /// `torch.where(condition, a, s)` with a Python float `s`: `a`'s dtype when floating, else
    /// float32. Throws as `where(_:_:_:)`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ s: Double) throws -> Tensor {
        try Tensor.where(condition, a, wrappedReal(s, like: a))
    }

    /// `torch.where(condition, s, b)` with a Python float `s`; as `where(_:_:_:)` with the scalar first.
    public static func `where`(_ condition: Tensor, _ s: Double, _ b: Tensor) throws -> Tensor {
        try Tensor.where(condition, wrappedReal(s, like: b), b)
    }

    /// `torch.where(condition, s, t)` with two Python floats: float32 of the condition's shape.
    public static func `where`(_ condition: Tensor, _ s: Double, _ t: Double) throws -> Tensor {
        let f = Tensor.zeroed([], dtype: .float32)
        return try Tensor.where(condition, wrappedReal(s, like: f), wrappedReal(t, like: f))
    }

    /// `torch.where(condition, a, n)` with a Python int `n`: an int64 `a` stays int64.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ n: Int) throws -> Tensor {
        try Tensor.where(condition, a, wrappedInteger(n, like: a))
    }

    /// `x.where(condition, other)`: PyTorch's method form, `torch.where(condition, x, other)`.
    public func `where`(_ condition: Tensor, _ other: Tensor) throws -> Tensor {
        try Tensor.where(condition, self, other)
    }

    /// out = c ? a : b, the three broadcast to out's shape (a and b already of out's dtype).
    private static func selectKernel(_ c: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        guard out.count > 0 else { return }
        let s = out.shape
        let k = c.broadcastOperand(s), x = a.broadcastOperand(s), y = b.broadcastOperand(s)
        let sk = k.count == 1 ? 0 : 1, sx = x.count == 1 ? 0 : 1, sy = y.count == 1 ? 0 : 1
        let pc = k.pointer(UInt8.self), n = out.count
        let o = Execution.options
        func floating<T: KernelFloat>(_: T.Type) {
            Compare.select(pc, cStep: sk, x.pointer(T.self), aStep: sx, y.pointer(T.self), bStep: sy, out.pointer(T.self),
                           count: n, variant: o.variant, threads: o.threads)
        }
        func exact<T>(_: T.Type) {
            let pa = x.pointer(T.self), pb = y.pointer(T.self), po = out.pointer(T.self)
            for i in 0..<n { po[i] = pc[i * sk] != 0 ? pa[i * sx] : pb[i * sy] }
        }
        switch out.dtype {
        case .float32: floating(Float.self)
        case .float64: floating(Double.self)
        case .int64: exact(Int64.self)
        case .bool: exact(UInt8.self)
        }
    }
}
