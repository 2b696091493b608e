import VecKernels

// In-place arithmetic: the compound assignments and PyTorch's add_ sub_ mul_ div_ zero_ fill_.
// The result is written into the left operand's storage, so every view of it and its `.data`
// alias see the change, and the storage's version counter is bumped so that a graph that saved
// the old values refuses to run backward, as in PyTorch.
//
// Graph policy. PyTorch records an in-place op on a tensor in a graph and rebases its history
// (and that of every view of its storage, through CopySlices). Vecgrad does not record in-place
// ops: the graph's edges point at the nodes a tensor had when it was used, and a view keeps its
// own node, so rebasing one tensor would leave its views with silently wrong gradients. With
// grad mode on, an in-place op therefore throws when it would have to be recorded: on a leaf
// that requires grad (PyTorch's own error), on a computed tensor that requires grad, or when the
// other operand requires grad. Inside `withNoGrad` every in-place op runs (the manual SGD step).
//
// The left operand's shape is the output's: the right side must broadcast to it (PyTorch's
// "output with shape [3] doesn't match the broadcast shape [2, 3]"). The result dtype is what the
// out-of-place op would give, and it must cast to the left's dtype: a floating result cannot go
// into an int64 tensor ("result type Float can't be cast to the desired output type Long").

/// The right-hand side of an in-place op: a tensor or a Python-style number.
enum InPlaceOperand {
    case tensor(Tensor)
    case real(Double)
    case integer(Int)
}

/// `alpha` of add_ and sub_: a Python float or int (only an int may scale an int64 tensor).
enum InPlaceAlpha {
    case real(Double)
    case integer(Int)
}

extension Tensor {
    // MARK: Compound assignment

    /// `lhs += rhs` in place (PyTorch's `lhs += rhs`, i.e. `lhs.add_(rhs)`): `rhs` broadcasts to
    /// `lhs`'s shape and dtype. Writes `lhs`'s storage (views and `.data` aliases see it) and bumps
    /// its version counter. Throws what `add_(_:alpha:)` throws.
    public static func += (lhs: Tensor, rhs: Tensor) throws { try lhs.add_(rhs) }
    /// `lhs -= rhs` in place (`lhs.sub_(rhs)`); the manual SGD step `withNoGrad { try w -= lr * w.grad! }`.
    /// Throws what `sub_(_:alpha:)` throws.
    public static func -= (lhs: Tensor, rhs: Tensor) throws { try lhs.sub_(rhs) }
    /// `lhs *= rhs` in place (`lhs.mul_(rhs)`); throws what `mul_(_:)` throws.
    public static func *= (lhs: Tensor, rhs: Tensor) throws { try lhs.mul_(rhs) }
    /// `lhs /= rhs` in place (`lhs.div_(rhs)`, true division: an int64 `lhs` throws). Throws what
    /// `div_(_:)` throws.
    public static func /= (lhs: Tensor, rhs: Tensor) throws { try lhs.div_(rhs) }
    /// `lhs += s` in place; a Double into an int64 tensor throws the dtype error, as a Python float does.
    public static func += (lhs: Tensor, rhs: Double) throws { try lhs.add_(rhs) }
    /// `lhs -= s` in place; throws as `+=`.
    public static func -= (lhs: Tensor, rhs: Double) throws { try lhs.sub_(rhs) }
    /// `lhs *= s` in place; throws as `+=`.
    public static func *= (lhs: Tensor, rhs: Double) throws { try lhs.mul_(rhs) }
    /// `lhs /= s` in place; throws as `+=`.
    public static func /= (lhs: Tensor, rhs: Double) throws { try lhs.div_(rhs) }
    /// `lhs += n` in place: an int64 tensor stays exact (wrapping on overflow). Throws the graph errors.
    public static func += (lhs: Tensor, rhs: Int) throws { try lhs.add_(rhs) }
    /// `lhs -= n` in place; throws as `+= n`.
    public static func -= (lhs: Tensor, rhs: Int) throws { try lhs.sub_(rhs) }
    /// `lhs *= n` in place; throws as `+= n`.
    public static func *= (lhs: Tensor, rhs: Int) throws { try lhs.mul_(rhs) }
    /// `lhs /= n` in place (true division): an int64 `lhs` throws "result type Float can't be cast
    /// to the desired output type Long", as PyTorch does.
    public static func /= (lhs: Tensor, rhs: Int) throws { try lhs.div_(rhs) }

    // MARK: PyTorch's methods

    /// `self += alpha * other` in place (PyTorch's `add_(other, alpha=alpha)`); returns self.
    /// `other` must broadcast to this shape; any dtype whose result casts to this one (a floating
    /// `other` into int64 does not). A Double `alpha` on an int64 tensor throws PyTorch's "For
    /// integral input tensors, argument alpha must not be a floating point number." Also throws
    /// `broadcastMismatch`, the in-place shape and dtype errors, the memory-overlap error
    /// (`x[1...] += x[..<5]`) and, with grad mode on, the graph errors: in-place ops are not recorded
    /// in the graph, so a leaf that requires grad (or a view of one) throws PyTorch's "a leaf
    /// Variable that requires grad is being used in an in-place operation.", and a computed tensor
    /// that requires grad, or an `other` that requires grad, throws Vecgrad's own message (where
    /// PyTorch would record the op). Inside `withNoGrad` all of these run.
    @discardableResult
    public func add_(_ other: Tensor, alpha: Double? = nil) throws -> Tensor {
        try updateInPlace(.add, .tensor(other), alpha: alpha.map(InPlaceAlpha.real), "add_")
    }

    /// `add_` with an integer `alpha` (allowed on int64 tensors). Throws as `add_(_:alpha:)`.
    @discardableResult
    public func add_(_ other: Tensor, alpha: Int) throws -> Tensor {
        try updateInPlace(.add, .tensor(other), alpha: .integer(alpha), "add_")
    }

    /// Adds a number to every element in place; int64 tensors throw the dtype error.
    @discardableResult
    public func add_(_ other: Double) throws -> Tensor { try updateInPlace(.add, .real(other), "add_") }

    /// Adds an integer to every element in place (int64 stays int64, exact).
    @discardableResult
    public func add_(_ other: Int) throws -> Tensor { try updateInPlace(.add, .integer(other), "add_") }

    /// `self -= alpha * other` in place (PyTorch's `sub_(other, alpha=alpha)`); returns self.
    /// Shapes, dtypes and errors as `add_(_:alpha:)`.
    @discardableResult
    public func sub_(_ other: Tensor, alpha: Double? = nil) throws -> Tensor {
        try updateInPlace(.sub, .tensor(other), alpha: alpha.map(InPlaceAlpha.real), "sub_")
    }

    /// `sub_` with an integer `alpha`. Throws as `add_(_:alpha:)`.
    @discardableResult
    public func sub_(_ other: Tensor, alpha: Int) throws -> Tensor {
        try updateInPlace(.sub, .tensor(other), alpha: .integer(alpha), "sub_")
    }

    /// Subtracts a number from every element in place; int64 tensors throw the dtype error.
    @discardableResult
    public func sub_(_ other: Double) throws -> Tensor { try updateInPlace(.sub, .real(other), "sub_") }

    /// Subtracts an integer from every element in place (int64 stays exact).
    @discardableResult
    public func sub_(_ other: Int) throws -> Tensor { try updateInPlace(.sub, .integer(other), "sub_") }

    /// `self *= other` in place (PyTorch's `mul_`), `other` broadcast to this shape; returns self.
    /// Errors as `add_(_:alpha:)`.
    @discardableResult
    public func mul_(_ other: Tensor) throws -> Tensor { try updateInPlace(.mul, .tensor(other), "mul_") }

    /// Multiplies every element by a number in place; int64 tensors throw the dtype error.
    @discardableResult
    public func mul_(_ other: Double) throws -> Tensor { try updateInPlace(.mul, .real(other), "mul_") }

    /// Multiplies every element by an integer in place (int64 stays exact, wrapping).
    @discardableResult
    public func mul_(_ other: Int) throws -> Tensor { try updateInPlace(.mul, .integer(other), "mul_") }

    /// `self /= other` in place, true division (PyTorch's `div_`): an int64 tensor always throws
    /// "result type Float can't be cast to the desired output type Long". Errors as `add_(_:alpha:)`.
    @discardableResult
    public func div_(_ other: Tensor) throws -> Tensor { try updateInPlace(.div, .tensor(other), "div_") }

    /// Divides every element by a number in place (x / 0 gives ±inf or NaN); int64 throws.
    @discardableResult
    public func div_(_ other: Double) throws -> Tensor { try updateInPlace(.div, .real(other), "div_") }

    /// Divides every element by an integer in place (true division); int64 throws.
    @discardableResult
    public func div_(_ other: Int) throws -> Tensor { try updateInPlace(.div, .integer(other), "div_") }

    /// Sets every element to 0 in place (PyTorch's `zero_`), any dtype; returns self. With grad
    /// mode on, throws the graph errors (a leaf that requires grad: PyTorch's leaf error).
    @discardableResult
    public func zero_() throws -> Tensor {
        try checkInPlace("zero_", operand: nil)
        impl.data.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
        bumpVersion()
        return self
    }

    /// Sets every element to `value` in place (PyTorch's `fill_`); an int64 tensor takes the value
    /// truncated toward zero, as PyTorch casts it. Throws the graph errors.
    @discardableResult
    public func fill_(_ value: Double) throws -> Tensor {
        try checkInPlace("fill_", operand: nil)
        fillElements(value: value, exact: nil)
        return self
    }

    /// Sets every element to an integer in place (exact for int64). Throws the graph errors.
    @discardableResult
    public func fill_(_ value: Int) throws -> Tensor {
        try checkInPlace("fill_", operand: nil)
        fillElements(value: Double(value), exact: Int64(value))
        return self
    }

    /// Sets every element to the value of a 0-d tensor (PyTorch's `fill_(Tensor)`). Throws "fill_
    /// only supports 0-dimension value tensor but got tensor with N dimensions." otherwise, and the
    /// graph errors (also when `value` requires grad, which PyTorch would record).
    @discardableResult
    public func fill_(_ value: Tensor) throws -> Tensor {
        try checkInPlace("fill_", operand: value)
        guard value.rank == 0 else {
            throw TensorError.invalidArgument(
                "fill_ only supports 0-dimension value tensor but got tensor with \(value.rank) dimensions.")
        }
        let exact = value.dtype == .int64 ? value.pointer(Int64.self).pointee : nil
        fillElements(value: value.element(0), exact: exact)
        return self
    }
}

// MARK: - The shared path

extension Tensor {
    /// Checks the graph rules, computes `self = self op (alpha * other)` into this storage and
    /// bumps the version counter.
    private func updateInPlace(_ op: BinaryOp, _ other: InPlaceOperand, alpha: InPlaceAlpha? = nil,
                               _ name: String) throws -> Tensor {
        if let done = try boolUpdateInPlace(op, other: other, alpha: alpha, name) { return done }
        switch other {
        case let .tensor(t):
            try checkInPlace(name, operand: t)
            try updateInPlace(op, tensor: try scaled(t, by: alpha))
        case let .real(s):
            try checkInPlace(name, operand: nil)
            guard dtype.isFloatingPoint else { throw castError(.float32) }
            floatingScalarUpdate(op, s)
        case let .integer(s):
            try checkInPlace(name, operand: nil)
            if dtype.isFloatingPoint {
                floatingScalarUpdate(op, Double(s))
            } else if op == .div {
                throw castError(.float32)   // true division of integers gives the default float dtype
            } else {
                var c = Int64(s)
                withUnsafePointer(to: &c) { integerUpdate(op, $0, bStep: 0) }
            }
        }
        bumpVersion()
        return self
    }

    /// The rules that stand in for recording (see the file comment); nothing to check with grad off.
    func checkInPlace(_ name: String, operand: Tensor?) throws {
        guard Execution.options.gradEnabled else { return }
        let advice = "Vecgrad does not record in-place operations in the graph: run it inside withNoGrad, "
            + "or use the out-of-place form (y = y + x)"
        if impl.requiresGrad {
            guard let node = impl.gradFn else {
                throw TensorError.invalidArgument("a leaf Variable that requires grad is being used in an in-place operation.")
            }
            if isViewOfLeaf(node) {
                throw TensorError.invalidArgument("a view of a leaf Variable that requires grad is being used in an in-place operation.")
            }
            throw TensorError.invalidArgument("\(name) on a tensor that requires grad (grad_fn=<\(node.name)>): \(advice)")
        }
        if let operand, operand.impl.requiresGrad {
            throw TensorError.invalidArgument("\(name) with an operand that requires grad: \(advice)")
        }
    }

    /// Whether this tensor (made by `node`) shares its storage with the leaf at the end of a chain
    /// of one-input nodes: only views share storage, so it is a view of that leaf (`w[0]`, `w.flattened()`).
    private func isViewOfLeaf(_ node: GradNode) -> Bool {
        var n = node
        for _ in 0..<64 where n.edgeCount == 1 {
            switch n.edge(0) {
            case let .leaf(leaf): return leaf.storage === impl.storage
            case let .node(next): n = next
            case .none: return false
            }
        }
        return false
    }

    /// `alpha * t`, computed in the op's result dtype as PyTorch does (an int64 `t` added to a
    /// float64 tensor is scaled in float64, not float32).
    private func scaled(_ t: Tensor, by alpha: InPlaceAlpha?) throws -> Tensor {
        guard let alpha else { return t }
        let result = Tensor.resultDType(self, t)
        let base = t.dtype == result ? t : t.to(result)
        switch alpha {
        case let .real(a):
            guard result.isFloatingPoint else {
                throw TensorError.invalidArgument("For integral input tensors, argument alpha must not be a floating point number.")
            }
            return a == 1 ? base : base * a
        case let .integer(a):
            return a == 1 ? base : base * a
        }
    }

    private func castError(_ result: DType) -> TensorError {
        .invalidArgument("result type \(result.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
    }

    private func updateInPlace(_ op: BinaryOp, tensor other: Tensor) throws {
        let outShape = try Shape.broadcast(shape, other.shape)
        guard outShape == shape else {
            throw TensorError.invalidArgument(
                "output with shape \(shapeList(shape)) doesn't match the broadcast shape \(shapeList(outShape))")
        }
        var result = Tensor.resultDType(self, other)
        if op == .div && result == .int64 { result = .float32 }
        if result.isFloatingPoint && !dtype.isFloatingPoint { throw castError(result) }
        try checkOverlap(other)
        if dtype == .int64 {
            // Both int64. A same-count operand has this layout; a broadcast one is expanded first.
            let b = other.count == 1 || other.count == count ? other : other.expanded(toShape: shape)
            integerUpdate(op, b.pointer(Int64.self), bStep: b.count == 1 ? 0 : 1)
        } else if result == dtype {
            floatingTensorUpdate(op, other.dtype == dtype ? other : other.to(dtype))
        } else {
            // A float32 tensor and a float64 result: computed in float64, then rounded into place.
            let wide = try withNoGrad { try Tensor.binary(op, self, other, "") }
            let src = wide.pointer(Double.self), dst = pointer(Float.self)
            for i in 0..<count { dst[i] = Float(src[i]) }
        }
    }

    /// PyTorch refuses an operand that partly overlaps the written tensor (each output element
    /// would read inputs that an earlier one has already overwritten); the very same elements
    /// (`x += x`, `w.data += w`) are fine, as each element reads only itself.
    private func checkOverlap(_ other: Tensor) throws {
        guard other.impl.storage === impl.storage, other.count > 0, count > 0 else { return }
        let a = impl.offset, b = other.impl.offset
        guard Swift.max(a, b) < Swift.min(a + count, b + other.count), a != b || count != other.count else { return }
        throw TensorError.invalidArgument("unsupported operation: some elements of the input tensor and the written-to "
            + "tensor refer to a single memory location. Please clone() the tensor before performing the operation.")
    }

    // The broadcasting kernels may write into their first operand: out[i] reads only a[i] (the
    // left operand has the output's shape, so its strides are the output's) and whatever b maps
    // there, and each chunk of a parallel split owns its own range of i.

    private func floatingTensorUpdate(_ op: BinaryOp, _ other: Tensor) {
        let o = Execution.options
        func run<T: KernelFloat>(_: T.Type) {
            Broadcast.binary(op, pointer(T.self), aShape: shape, other.pointer(T.self), bShape: other.shape,
                             pointer(T.self), outShape: shape, variant: o.variant, threads: o.threads)
        }
        if let element = dtype.floating { run(element) }
    }

    private func floatingScalarUpdate(_ op: BinaryOp, _ s: Double) {
        func run<T: KernelFloat>(_: T.Type) { Tensor.scalarKernel(op, self, T(s), scalarFirst: false, self) }
        if let element = dtype.floating { run(element) }
    }

    /// int64 self op b, b advancing by `bStep` (0: one value); exact, wrapping on overflow.
    private func integerUpdate(_ op: BinaryOp, _ b: UnsafePointer<Int64>, bStep: Int) {
        // int64 division never gets here (the dtype rule throws); + - * never fail (only floor
        // division and remainder check a divisor).
        guard let integerOp = op.integerOp else { return }
        _ = IntegerKernels.binary(integerOp, pointer(Int64.self), aStep: 1, b, bStep: bStep, pointer(Int64.self), count: count)
    }

    private func fillElements(value: Double, exact: Int64?) {
        switch dtype {
        case .float32: pointer(Float.self).update(repeating: Float(value), count: count)
        case .float64: pointer(Double.self).update(repeating: value, count: count)
        case .int64: pointer(Int64.self).update(repeating: exact ?? truncatingToInt64(value), count: count)
        case .bool: pointer(UInt8.self).update(repeating: (exact.map { $0 != 0 } ?? (value != 0)) ? 1 : 0, count: count)
        }
        bumpVersion()
    }
}
