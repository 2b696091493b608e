import VecKernels

// Elementwise binary ops with NumPy broadcasting: + - * / maximum minimum, tensor-tensor and
// tensor-scalar. One broadcasting kernel forward; backward gradients come back already summed to
// each input's shape.

extension Tensor {
    /// Elementwise sum with NumPy broadcasting (`torch.add`). The result dtype follows PyTorch's
    /// promotion (float64 over float32 over int64; a 0-d operand only decides when it is floating and
    /// the other is not); int64 + int64 stays exact. Backward sums the gradient to each input's shape.
    /// Throws `TensorError.broadcastMismatch` ("The size of tensor a (3) must match the size of
    /// tensor b (4) at non-singleton dimension 1") when the shapes do not broadcast.
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try binary(.add, lhs, rhs, "AddBackward0") }
    /// Elementwise difference with NumPy broadcasting (`torch.sub`); dtypes, gradients and errors as `+`.
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try binary(.sub, lhs, rhs, "SubBackward0") }
    /// Elementwise product with NumPy broadcasting (`torch.mul`); dtypes and errors as `+`. Saves the
    /// other operand for each side that needs a gradient, as PyTorch does.
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try binary(.mul, lhs, rhs, "MulBackward0") }
    /// True division with NumPy broadcasting (`torch.div`): int64 / int64 gives float32, like
    /// PyTorch's default dtype; x / 0 gives ±inf or NaN as IEEE says. Errors as `+`.
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try binary(.div, lhs, rhs, "DivBackward0") }

    /// Elementwise max; NaN propagates, a tie sends half the gradient to each side (PyTorch).
    public static func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binary(.maximum, a, b, "MaximumBackward0")
    }

    /// Elementwise min; NaN propagates, a tie sends half the gradient to each side (PyTorch).
    public static func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binary(.minimum, a, b, "MinimumBackward0")
    }

    // Tensor-scalar: the scalar is a 0-d tensor of the result dtype that does not require grad
    // (PyTorch's "wrapped number": it never changes a floating tensor's dtype).
    /// Adds a scalar to every element. The scalar never changes a floating tensor's dtype (PyTorch's
    /// wrapped number); an int64 tensor becomes float32. Never throws.
    public static func + (lhs: Tensor, rhs: Double) -> Tensor { scalarOp(.add, lhs, rhs, scalarFirst: false, "AddBackward0") }
    /// `rhs + lhs`: adds a scalar to every element; dtype rule as `tensor + scalar`.
    public static func + (lhs: Double, rhs: Tensor) -> Tensor { scalarOp(.add, rhs, lhs, scalarFirst: true, "AddBackward0") }
    /// Subtracts a scalar from every element; dtype rule as `tensor + scalar`. A bool tensor computes
    /// as 0/1 in float32 (PyTorch refuses `mask - 1.5`; this form cannot throw).
    public static func - (lhs: Tensor, rhs: Double) -> Tensor { scalarOp(.sub, lhs, rhs, scalarFirst: false, "SubBackward0") }
    /// PyTorch records `2 - x` as RsubBackward1.
    public static func - (lhs: Double, rhs: Tensor) -> Tensor { scalarOp(.sub, rhs, lhs, scalarFirst: true, "RsubBackward1") }
    /// Multiplies every element by a scalar; dtype rule as `tensor + scalar`.
    public static func * (lhs: Tensor, rhs: Double) -> Tensor { scalarOp(.mul, lhs, rhs, scalarFirst: false, "MulBackward0") }
    /// Multiplies every element by a scalar; dtype rule as `tensor + scalar`.
    public static func * (lhs: Double, rhs: Tensor) -> Tensor { scalarOp(.mul, rhs, lhs, scalarFirst: true, "MulBackward0") }
    /// Divides every element by a scalar (true division); dtype rule as `tensor + scalar`.
    public static func / (lhs: Tensor, rhs: Double) -> Tensor { scalarOp(.div, lhs, rhs, scalarFirst: false, "DivBackward0") }
    /// PyTorch computes `2 / x` as `x.reciprocal() * 2`, so its node is a MulBackward0; here it is
    /// one division node under that name.
    public static func / (lhs: Double, rhs: Tensor) -> Tensor { scalarOp(.div, rhs, lhs, scalarFirst: true, "MulBackward0") }

    /// Tensor-scalar op. The scalar lives on the stack and is passed to the broadcasting kernel as
    /// a 0-d operand: no tensor is allocated for it, and the node saves nothing but (for s / t)
    /// the tensor, so the scalar forms cost about what a unary op costs.
    private static func scalarOp(_ op: BinaryOp, _ t: Tensor, _ s: Double, scalarFirst: Bool,
                                 _ name: String) -> Tensor {
        if !t.dtype.isFloatingPoint {   // a Python float turns an integer or bool tensor into float32
            return scalarOp(op, t.to(.float32), s, scalarFirst: scalarFirst, name)
        }
        let out = Tensor(uninitializedShape: t.shape, dtype: t.dtype)
        func forward<T: KernelFloat>(_: T.Type) { scalarKernel(op, t, T(s), scalarFirst: scalarFirst, out) }
        if let element = t.dtype.floating { forward(element) }
        guard Autograd.needsGrad(t) else { return out }
        switch (op, scalarFirst) {
        case (.add, _), (.sub, false):
            out.record(name, t) { gy in [gy] }
        case (.sub, true):
            out.record(name, t) { gy in [gy.neg()] }
        case (.mul, _):
            out.record(name, t) { gy in [gy * s] }
        case (.div, false):
            out.record(name, t) { gy in [gy / s] }
        default:   // s / t: d/dt = -s / t^2, from the kernel's non-overflowing form
            out.record(name, t, saving: t) { gy in
                if Tensor.recordsBackward { return [try (gy * -s) / (t * t)] }
                let gx = Tensor(uninitializedShape: t.shape, dtype: t.dtype)
                let o = Execution.options
                func backward<T: KernelFloat>(_: T.Type) {
                    var c = T(s)
                    Broadcast.binaryBackward(op, a: &c, aShape: [], b: t.pointer(T.self), bShape: t.shape,
                                             gy: gy.pointer(T.self), outShape: t.shape, ga: nil,
                                             gb: gx.pointer(T.self), variant: o.variant, threads: o.threads)
                }
                if let element = t.dtype.floating { backward(element) }
                return [gx]
            }
        }
        return out
    }

    /// out = t op s (s op t when scalarFirst); out may be t itself (the in-place ops).
    static func scalarKernel<T: KernelFloat>(_ op: BinaryOp, _ t: Tensor, _ s: T, scalarFirst: Bool,
                                                     _ out: Tensor) {
        var c = s
        let o = Execution.options
        let p = UnsafePointer(t.pointer(T.self))
        withUnsafePointer(to: &c) { sp in
            Broadcast.binary(op, scalarFirst ? sp : p, aShape: scalarFirst ? [] : t.shape,
                             scalarFirst ? p : sp, bShape: scalarFirst ? t.shape : [],
                             out.pointer(T.self), outShape: t.shape, variant: o.variant, threads: o.threads)
        }
    }

    /// PyTorch's result dtype: a 0-d operand only decides when it is of a higher category
    /// (floating over integral) than the dimensioned one.
    static func resultDType(_ a: Tensor, _ b: Tensor) -> DType {
        if a.dtype == b.dtype { return a.dtype }
        if (a.rank == 0) != (b.rank == 0) {
            let (dimensioned, zeroDim) = a.rank == 0 ? (b, a) : (a, b)
            if dimensioned.dtype.category >= zeroDim.dtype.category { return dimensioned.dtype }
            return zeroDim.dtype
        }
        return DType.promoted(a.dtype, b.dtype)
    }

    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ name: String) throws -> Tensor {
        if a.dtype == .bool || b.dtype == .bool { return try boolBinary(op, a, b, name) }
        let outShape = try Shape.broadcast(a.shape, b.shape)
        let dt = resultDType(a, b)
        if dt == .int64 {
            guard let integerOp = op.integerOp else {
                return try binary(.div, a.to(.float32), b.to(.float32), name)   // true division
            }
            return try integerBinary(integerOp, a, b, outShape: outShape)
        }
        let a = a.to(dt), b = b.to(dt)
        let out = try Tensor(checkedShape: outShape, dtype: dt)
        let o = Execution.options
        func forward<T: KernelFloat>(_: T.Type) {
            Broadcast.binary(op, a.pointer(T.self), aShape: a.shape, b.pointer(T.self), bShape: b.shape,
                             out.pointer(T.self), outShape: outShape, variant: o.variant, threads: o.threads)
        }
        if let element = dt.floating { forward(element) }
        guard Autograd.needsGrad(a, b) else { return out }
        let needA = a.requiresGrad, needB = b.requiresGrad
        switch op {
        case .add, .sub:
            // Nothing saved: the gradients are gy (negated for b of sub) summed to each shape; gy
            // itself where no sum is needed (PyTorch passes it on too: no copy, no allocation).
            out.record(name, a, b) { gy in
                [needA ? gy.summed(toShape: a.shape) : nil,
                 needB ? (op == .sub ? gy.negatedSum(toShape: b.shape) : gy.summed(toShape: b.shape)) : nil]
            }
        case .mul, .div, .maximum, .minimum:
            // What PyTorch saves: mul keeps the other operand per needed side, div keeps b (and a
            // for b's gradient), maximum/minimum keep both.
            let saved: (Tensor?, Tensor?)
            switch op {
            case .mul: saved = (needA ? b : nil, needB ? a : nil)
            case .div: saved = (b, needB ? a : nil)
            default: saved = (a, b)
            }
            out.record(name, a, b, saving: saved.0, saved.1) { gy in
                if Tensor.recordsBackward { return try binaryGradientsRecorded(op, a, b, gy, needA: needA, needB: needB) }
                let ga = needA ? Tensor(uninitializedShape: a.shape, dtype: dt) : nil
                let gb = needB ? Tensor(uninitializedShape: b.shape, dtype: dt) : nil
                let o = Execution.options
                func backward<T: KernelFloat>(_: T.Type) {
                    Broadcast.binaryBackward(op, a: a.pointer(T.self), aShape: a.shape, b: b.pointer(T.self), bShape: b.shape,
                                             gy: gy.pointer(T.self), outShape: gy.shape, ga: ga?.pointer(T.self),
                                             gb: gb?.pointer(T.self), variant: o.variant, threads: o.threads)
                }
                if let element = dt.floating { backward(element) }
                return [ga, gb]
            }
        }
        return out
    }

    /// mul/div/maximum/minimum gradients from recorded ops (double backward): the same formulas
    /// as the fused kernel, so that they can be differentiated again. maximum/minimum route gy by
    /// masks (1, 0, or 1/2 on ties, from the kernel with gy = 1), constant in a and b.
    static func binaryGradientsRecorded(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ gy: Tensor,
                                        needA: Bool, needB: Bool) throws -> [Tensor?] {
        switch op {
        case .mul:
            return [needA ? try (gy * b).summed(toShape: a.shape) : nil, needB ? try (gy * a).summed(toShape: b.shape) : nil]
        case .div:
            return [needA ? try (gy / b).summed(toShape: a.shape) : nil,
                    needB ? try (-(gy * a) / (b * b)).summed(toShape: b.shape) : nil]
        default:
            let shape = gy.shape
            let ea = a.detach().expanded(toShape: shape), eb = b.detach().expanded(toShape: shape)
            let ones = try Tensor.ones(shape, dtype: gy.dtype)
            let ma = Tensor(uninitializedShape: shape, dtype: gy.dtype), mb = Tensor(uninitializedShape: shape, dtype: gy.dtype)
            let o = Execution.options
            func masks<T: KernelFloat>(_: T.Type) {
                Broadcast.binaryBackward(op, a: ea.pointer(T.self), aShape: shape, b: eb.pointer(T.self), bShape: shape,
                                         gy: ones.pointer(T.self), outShape: shape, ga: ma.pointer(T.self),
                                         gb: mb.pointer(T.self), variant: o.variant, threads: o.threads)
            }
            if let element = gy.dtype.floating { masks(element) }
            return [needA ? try (gy * ma).summed(toShape: a.shape) : nil, needB ? try (gy * mb).summed(toShape: b.shape) : nil]
        }
    }

    /// This tensor summed over the dims where `target` (right-aligned) has size 1 or is absent:
    /// the reduction of a broadcast gradient to an input's shape. Recorded (`SumBackward1`, whose
    /// gradient is expanded back) only in a pass that creates a graph.
    func summed(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        let x = self
        let out = Tensor(uninitializedShape: target, dtype: dtype)
        let o = Execution.options
        func sum<T: KernelFloat>(_: T.Type) {
            Broadcast.sumToShape(pointer(T.self), from: shape, out.pointer(T.self), to: target, variant: o.variant, threads: o.threads)
        }
        if let element = dtype.floating { sum(element) }
        if Autograd.needsGrad(x) { out.record("SumBackward1", x) { gy in [gy.expanded(toShape: x.shape)] } }
        return out
    }

    /// -summed(toShape:) in one new tensor: the sum, negated in place (a negation is exact, so
    /// this is bitwise the negated sum).
    func negatedSum(toShape target: [Int]) -> Tensor {
        if target == shape || Autograd.needsGrad(self) { return summed(toShape: target).neg() }
        let out = summed(toShape: target)
        func negate<T: KernelFloat>(_: T.Type) {
            let p = out.pointer(T.self)
            for i in 0..<out.count { p[i] = -p[i] }
        }
        if let element = dtype.floating { negate(element) }
        return out
    }

    /// This tensor repeated along its size-1 (or missing leading) dims to `target`. Recorded
    /// (`ExpandBackward0`, whose gradient is summed back) only when this tensor requires grad.
    func expanded(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        var strides = [Int](repeating: 0, count: target.count)
        let own = Shape.strides(shape)
        for d in shape.indices where shape[d] != 1 { strides[d + target.count - shape.count] = own[d] }
        let x = self
        let out = copied(shape: target, strides: strides)
        if Autograd.needsGrad(x) { out.record("ExpandBackward0", x) { gy in [gy.summed(toShape: x.shape)] } }
        return out
    }

    /// A contiguous tensor of `shape` whose element at index i is this tensor's element at
    /// sum(i[d] * strides[d]) (a transpose or an expand). No grad tracking.
    func copied(shape target: [Int], strides: [Int]) -> Tensor {
        if dtype == .bool {   // masks move through the 8-byte path (no byte-sized strided copy)
            return to(.int64).copied(shape: target, strides: strides).to(.bool)
        }
        let out = Tensor(uninitializedShape: target, dtype: dtype)
        guard out.count > 0 else { return out }
        let threads = Execution.options.threads
        if dtype == .float32 {
            Broadcast.copyStrided(pointer(Float.self), shape: target, strides: strides, out.pointer(Float.self),
                                  threads: threads)
        } else {
            // int64 moves as 8-byte words: copyStrided copies bits, never does arithmetic.
            Broadcast.copyStrided(UnsafePointer(OpaquePointer(pointer(Int64.self))) as UnsafePointer<Double>,
                                  shape: target, strides: strides,
                                  UnsafeMutablePointer(OpaquePointer(out.pointer(Int64.self))) as UnsafeMutablePointer<Double>,
                                  threads: threads)
        }
        return out
    }
}
