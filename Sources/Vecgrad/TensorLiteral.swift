// Nested Swift arrays as tensor literals: `Tensor([[1, 2], [3, 4]])`, `Tensor([0.5, 1.5])`, `Tensor(7.5)`.
// Arrays are homogeneous in Swift, so every leaf sits at the same depth; what can still go wrong is
// a ragged row, reported with PyTorch's "expected sequence of length N at dim D (got M)".

/// A scalar or a (nested) array of scalars that can initialise a tensor.
public protocol TensorLiteral {
    /// Appends the sizes found by following first elements (PyTorch infers the shape the same way).
    func _appendTensorShape(to shape: inout [Int])
    /// Appends the scalars in row-major order, checking each array's length against `shape`.
    func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int)
    /// Whether the leaves are `Bool`: such a literal makes a bool tensor unless a dtype is given.
    static var _isBoolTensorLiteral: Bool { get }
}

extension TensorLiteral {
    /// Numbers: false.
    public static var _isBoolTensorLiteral: Bool { false }
}

/// Scalars collected from a literal: integers kept exact for int64 tensors.
public struct TensorLiteralBuffer {
    var doubles: [Double] = []
    var ints: [Int64] = []
    var error: String? = nil
}

extension Array: TensorLiteral where Element: TensorLiteral {
    /// As the elements.
    public static var _isBoolTensorLiteral: Bool { Element._isBoolTensorLiteral }

    public func _appendTensorShape(to shape: inout [Int]) {
        shape.append(count)
        first?._appendTensorShape(to: &shape)
    }

    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        guard buffer.error == nil else { return }
        guard depth < shape.count, count == shape[depth] else {
            let expected = depth < shape.count ? shape[depth] : 0
            buffer.error = "expected sequence of length \(expected) at dim \(depth) (got \(count))"
            return
        }
        for e in self { e._appendTensorScalars(to: &buffer, shape: shape, depth: depth + 1) }
    }
}

extension Double: TensorLiteral {
    public func _appendTensorShape(to shape: inout [Int]) {}
    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        buffer.doubles.append(self)
    }
}

extension Float: TensorLiteral {
    public func _appendTensorShape(to shape: inout [Int]) {}
    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        buffer.doubles.append(Double(self))
    }
}

extension Int: TensorLiteral {
    public func _appendTensorShape(to shape: inout [Int]) {}
    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        buffer.ints.append(Int64(self))
    }
}

extension Int64: TensorLiteral {
    public func _appendTensorShape(to shape: inout [Int]) {}
    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        buffer.ints.append(self)
    }
}

extension Bool: TensorLiteral {
    /// True: `Tensor([true, false])` is a bool tensor, as `torch.tensor([True, False])`.
    public static var _isBoolTensorLiteral: Bool { true }
    public func _appendTensorShape(to shape: inout [Int]) {}
    public func _appendTensorScalars(to buffer: inout TensorLiteralBuffer, shape: [Int], depth: Int) {
        buffer.ints.append(self ? 1 : 0)
    }
}

extension Tensor {
    /// A tensor from a scalar or nested arrays: `Tensor([[1, 2], [3, 4]], requiresGrad: true)`.
    /// float32 unless `dtype` says otherwise (PyTorch would pick int64 for integer literals; the
    /// contract here is float32 so that `requiresGrad: true` just works); `Bool` literals give
    /// `.bool` unless `dtype` says otherwise. A convenience that cannot
    /// throw: a ragged literal, or int64 with `requiresGrad`, stops the program with PyTorch's
    /// message (kept in release builds); `Tensor(validating:)` throws the same errors instead.
    public init<L: TensorLiteral>(_ literal: L, dtype: DType? = nil, requiresGrad: Bool = false) {
        do {
            try self.init(validating: literal, dtype: dtype, requiresGrad: requiresGrad)
        } catch {
            fatalError("\(error)")
        }
    }

    /// Like `init(_:dtype:requiresGrad:)` but throws for a ragged literal or an int64 tensor that
    /// requires grad.
    public init<L: TensorLiteral>(validating literal: L, dtype: DType? = nil,
                                  requiresGrad: Bool = false) throws {
        let dtype = dtype ?? (L._isBoolTensorLiteral ? .bool : .float32)
        var shape: [Int] = []
        literal._appendTensorShape(to: &shape)
        var buffer = TensorLiteralBuffer()
        literal._appendTensorScalars(to: &buffer, shape: shape, depth: 0)
        if let message = buffer.error { throw TensorError.invalidArgument(message) }
        if requiresGrad && !dtype.isFloatingPoint { throw TensorError.requiresGradOnIntegral(dtype) }
        self.init(uninitializedShape: shape, dtype: dtype)
        let n = count
        switch dtype {
        case .float32:
            let p = pointer(Float.self)
            if buffer.ints.isEmpty { for i in 0..<n { p[i] = Float(buffer.doubles[i]) } }
            else { for i in 0..<n { p[i] = Float(buffer.ints[i]) } }
        case .float64:
            let p = pointer(Double.self)
            if buffer.ints.isEmpty { for i in 0..<n { p[i] = buffer.doubles[i] } }
            else { for i in 0..<n { p[i] = Double(buffer.ints[i]) } }
        case .int64:
            let p = pointer(Int64.self)
            if buffer.ints.isEmpty { for i in 0..<n { p[i] = truncatingToInt64(buffer.doubles[i]) } }
            else { for i in 0..<n { p[i] = buffer.ints[i] } }
        case .bool:
            let p = pointer(UInt8.self)
            if buffer.ints.isEmpty { for i in 0..<n { p[i] = buffer.doubles[i] != 0 ? 1 : 0 } }
            else { for i in 0..<n { p[i] = buffer.ints[i] != 0 ? 1 : 0 } }
        }
        impl.requiresGrad = requiresGrad
    }
}
