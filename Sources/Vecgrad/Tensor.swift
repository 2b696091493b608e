// The Tensor type: what users hold. Data lives in a Storage; the autograd identity (requiresGrad,
// grad, gradFn) lives in one TensorImpl shared by every copy of the struct.

/// A contiguous, row-major n-dimensional array of `float32`, `float64` or `int64` with autograd.
///
/// Why a struct over a reference-typed impl (and not a final class): a tensor is a handle, as a
/// Python variable is to a `torch.Tensor`. Its autograd identity is shared: `backward()`
/// accumulates into the very leaf the user holds, an optimizer updates the parameters a model
/// holds. Ops return new tensors (views share storage), and the only writers into existing
/// elements are the in-place ops (`-=`, `add_`, `zero_`, ... in Tensor+InPlace, with PyTorch's
/// leaf and version rules) and `SGD.step()`. Each bumps the storage's version counter as PyTorch
/// does, so a graph that saved the old values refuses to run backward. The struct keeps the handle
/// cheap (one reference) and lets `requiresGrad`, `grad` and the in-place ops work on a `let`
/// (nonmutating, on the shared impl).
public struct Tensor {
    /// `var` only so that the engine can test uniqueness (isKnownUniquelyReferenced) before
    /// accumulating a gradient in place; nothing reassigns it.
    var impl: TensorImpl

    init(impl: TensorImpl) { self.impl = impl }

    /// A new contiguous tensor whose elements are not initialised (ops fill them).
    /// Ops check the shapes they build from user input first (`init(checkedShape:dtype:)`); the
    /// stop here is the last line of defence, with the message kept in release builds.
    init(uninitializedShape shape: [Int], dtype: DType) {
        let count: Int
        do { count = try Shape.elementCount(shape, byteSize: dtype.byteSize) } catch { fatalError("\(error)") }
        let storage = Storage.allocate(byteCount: count * dtype.byteSize)
        switch dtype {
        case .float32: storage.base.bindMemory(to: Float.self, capacity: count)
        case .float64: storage.base.bindMemory(to: Double.self, capacity: count)
        case .int64: storage.base.bindMemory(to: Int64.self, capacity: count)
        case .bool: storage.base.bindMemory(to: UInt8.self, capacity: count)   // 0 or 1 per element
        }
        impl = TensorImpl(storage: storage, offset: 0, shape: shape, count: count, dtype: dtype)
    }

    /// A new tensor of a shape that came from the user: throws for a negative size, a count that
    /// overflows and more memory than the machine can give (which would otherwise stop the process).
    init(checkedShape shape: [Int], dtype: DType) throws {
        let count = try Shape.elementCount(shape, byteSize: dtype.byteSize)
        try Storage.checkAllocatable(byteCount: count * dtype.byteSize)
        self.init(uninitializedShape: shape, dtype: dtype)
    }

    /// A tensor sharing this one's storage, with another shape and/or element offset (a view).
    func view(shape: [Int], offset: Int = 0) -> Tensor {
        Tensor(impl: TensorImpl(storage: impl.storage, offset: impl.offset + offset, shape: shape,
                                count: Shape.knownCount(shape), dtype: impl.dtype))
    }

    // MARK: Shape and type

    /// The size of each dim, outermost first (`[]` for a 0-d scalar tensor).
    public var shape: [Int] { impl.shape }
    /// The element type.
    public var dtype: DType { impl.dtype }
    /// Number of elements (PyTorch's `numel()`).
    public var count: Int { impl.count }
    /// Number of elements (PyTorch's spelling).
    public var numel: Int { impl.count }
    /// Number of dims (PyTorch's `dim()`).
    public var rank: Int { impl.shape.count }
    /// Number of dims (NumPy's spelling).
    public var ndim: Int { impl.shape.count }

    // MARK: Autograd state

    /// Whether gradients flow to this tensor. Settable on leaves (like `x.requires_grad = True`).
    /// A property setter cannot throw: setting it on an int64 tensor, or changing it on a computed
    /// tensor, stops the program with PyTorch's message. `setRequiresGrad(_:)` throws instead.
    public var requiresGrad: Bool {
        get { impl.requiresGrad }
        nonmutating set {
            do { try setRequiresGrad(newValue) } catch { fatalError("\(error)") }
        }
    }

    /// Sets `requiresGrad`. Throws `requiresGradOnIntegral` for int64 and `requiresGradOnNonLeaf`
    /// when changing it on a tensor computed by a recorded op (PyTorch's rules).
    public func setRequiresGrad(_ flag: Bool) throws {
        if flag == impl.requiresGrad { return }
        if flag && !dtype.isFloatingPoint { throw TensorError.requiresGradOnIntegral(dtype) }
        if impl.gradFn != nil { throw TensorError.requiresGradOnNonLeaf }
        impl.requiresGrad = flag
    }

    /// Sets `requiresGrad` and returns this tensor (PyTorch's `requires_grad_()`); throws as
    /// `setRequiresGrad(_:)`.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
        try setRequiresGrad(flag)
        return self
    }

    /// The gradient accumulated by `backward()` into this leaf; nil until then. Set to nil to zero it.
    /// A property setter cannot throw: assigning a gradient of another shape or dtype stops the
    /// program with PyTorch's message. `setGrad(_:)` throws instead.
    public var grad: Tensor? {
        get { impl.grad }
        nonmutating set {
            do { try setGrad(newValue) } catch { fatalError("\(error)") }
        }
    }

    /// Assigns `grad` (nil clears it). Throws when `gradient`'s shape or dtype differs from this
    /// tensor's (PyTorch: "assigned grad has data of a different size" / "... type").
    public func setGrad(_ gradient: Tensor?) throws {
        if let g = gradient {
            guard g.shape == shape else { throw TensorError.invalidArgument("assigned grad has data of a different size") }
            guard g.dtype == dtype else { throw TensorError.invalidArgument("assigned grad has data of a different type") }
        }
        impl.grad = gradient
    }

    /// The node that created this tensor (nil for leaves and for tensors made without grad).
    public var gradFn: GradFn? { impl.gradFn.map { GradFn(node: $0) } }

    /// True for tensors not produced by a recorded op (user-created, or results made without grad).
    public var isLeaf: Bool { impl.gradFn == nil }

    /// The same data cut out of the graph (shares storage and version counter, no grad).
    public func detach() -> Tensor { view(shape: impl.shape) }

    /// The same data without autograd (PyTorch's `.data`): an alias that shares this tensor's
    /// storage, with `requiresGrad` false and no `gradFn`, so an in-place op through it updates this
    /// tensor even outside `withNoGrad` (`try w.data -= lr * w.grad!`, the d2l step), and views of
    /// the storage see it. One difference from PyTorch: the alias shares the version counter (as
    /// `detach()` does), so a backward that saved this tensor before such an update throws the
    /// "modified by an inplace operation" error, where PyTorch's `.data` silently uses the new values.
    public var data: Tensor { view(shape: impl.shape) }

    // MARK: Reading values

    /// The single value of a one-element tensor (any shape), as a Double (exact for int64 up to
    /// 2^53). Throws `notOneElement` for any other element count, as PyTorch raises.
    public func item() throws -> Double {
        guard count == 1 else { throw TensorError.notOneElement(count: count) }
        return element(0)
    }

    /// All elements, flat in row-major order, converted to `T` (float to integer truncates).
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) -> [T] {
        let n = count
        switch dtype {
        case .float32:
            if T.self == Float.self { return Array(UnsafeBufferPointer(start: pointer(Float.self), count: n)) as! [T] }
            let p = pointer(Float.self)
            return (0..<n).map { T(tensorElement: Double(p[$0])) }
        case .float64:
            if T.self == Double.self { return Array(UnsafeBufferPointer(start: pointer(Double.self), count: n)) as! [T] }
            let p = pointer(Double.self)
            return (0..<n).map { T(tensorElement: p[$0]) }
        case .int64:
            let p = pointer(Int64.self)
            return (0..<n).map { T(tensorElement: p[$0]) }
        case .bool:
            let p = pointer(UInt8.self)
            return (0..<n).map { T(tensorElement: Int64(p[$0])) }
        }
    }

    /// Element `i` (flat row-major index) as a Double.
    func element(_ i: Int) -> Double {
        switch dtype {
        case .float32: return Double(pointer(Float.self)[i])
        case .float64: return pointer(Double.self)[i]
        case .int64: return Double(pointer(Int64.self)[i])
        case .bool: return Double(pointer(UInt8.self)[i])
        }
    }

    /// Typed pointer to the first element (the caller has checked `dtype`).
    @inline(__always)
    func pointer<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        impl.data.assumingMemoryBound(to: T.self)
    }

    /// Records an in-place write (an optimizer step): saved copies of this data become stale.
    func bumpVersion() { impl.storage.version &+= 1 }

    // MARK: Conversion

    /// This tensor converted to `dtype` (the same tensor when it already has it). Differentiable
    /// between float dtypes (`ToCopyBackward0`); a conversion to or from int64 or bool does not track
    /// grad. To bool: any nonzero value (NaN too) is true; from bool: 1 and 0.
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        convertElements(into: out)
        if dtype.isFloatingPoint && self.dtype.isFloatingPoint && Autograd.needsGrad(self) {
            let sourceType = self.dtype
            out.record("ToCopyBackward0", self) { gy in [gy.to(sourceType)] }
        }
        return out
    }

    private func convertElements(into out: Tensor) {
        let n = count
        switch (dtype, out.dtype) {
        case (.float32, .float64):
            let s = pointer(Float.self), d = out.pointer(Double.self)
            for i in 0..<n { d[i] = Double(s[i]) }
        case (.float64, .float32):
            let s = pointer(Double.self), d = out.pointer(Float.self)
            for i in 0..<n { d[i] = Float(s[i]) }
        case (.int64, .float32):
            let s = pointer(Int64.self), d = out.pointer(Float.self)
            for i in 0..<n { d[i] = Float(s[i]) }
        case (.int64, .float64):
            let s = pointer(Int64.self), d = out.pointer(Double.self)
            for i in 0..<n { d[i] = Double(s[i]) }
        case (.float32, .int64):
            let s = pointer(Float.self), d = out.pointer(Int64.self)
            for i in 0..<n { d[i] = truncatingToInt64(Double(s[i])) }
        case (.float64, .int64):
            let s = pointer(Double.self), d = out.pointer(Int64.self)
            for i in 0..<n { d[i] = truncatingToInt64(s[i]) }
        case (.bool, _), (_, .bool):
            convertBool(into: out)
        default:
            out.impl.data.copyMemory(from: impl.data,
                                             byteCount: n * dtype.byteSize)
        }
    }

    /// A contiguous copy with its own storage (no grad tracking).
    func copied() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        out.impl.data.copyMemory(from: impl.data,
                                         byteCount: count * dtype.byteSize)
        return out
    }
}

/// Tensors may be shared across tasks and threads: ops only read their inputs, and backward passes
/// are serialised by the engine's lock. Writing a tensor in place (an in-place op, an optimizer
/// step) while another thread reads it, or assigning `grad` or `requiresGrad` of one leaf from two
/// threads at once, is a race, as it is in PyTorch.
extension Tensor: @unchecked Sendable {}

/// Shared state of a tensor and all copies of its struct.
final class TensorImpl {
    /// `var` only for isKnownUniquelyReferenced (see `Tensor.impl`); never reassigned.
    var storage: Storage
    /// First element's index in `storage` (views share storage at an offset).
    let offset: Int
    let shape: [Int]
    let count: Int
    let dtype: DType
    /// The first element (storage base + offset), cached: a `let` needs no exclusivity check.
    let data: UnsafeMutableRawPointer
    var requiresGrad = false
    var grad: Tensor?
    var gradFn: GradNode?
    /// Engine scratch: the output slot of `grad(of:wrt:)` this leaf fills, -1 when none.
    var captureSlot = -1

    init(storage: Storage, offset: Int, shape: [Int], count: Int, dtype: DType) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.count = count
        self.dtype = dtype
        data = storage.base + offset * dtype.byteSize
    }
}
