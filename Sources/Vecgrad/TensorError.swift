// Every error a tensor operation can throw, worded as PyTorch words it (users search for these).

/// An error thrown by a tensor operation. `description` is PyTorch's message for the same mistake.
public enum TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two shapes that do not broadcast: the sizes and the (output) dim where they clash.
    case broadcastMismatch(sizeA: Int, sizeB: Int, dim: Int)
    /// A dim outside `[-rank, rank-1]` (a 0-d tensor accepts `[-1, 0]`).
    case dimensionOutOfRange(dim: Int, min: Int, max: Int)
    /// `reshaped(to:)` to a shape whose element count differs.
    case invalidShape(shape: [Int], count: Int)
    /// More than one `-1` in a reshape.
    case multipleInferredDimensions
    /// A negative size other than -1 in a shape.
    case invalidShapeDimension(Int)
    /// An index outside a dim.
    case indexOutOfRange(index: Int, dim: Int, size: Int)
    /// Indexing a 0-d tensor (`op` is "select" or "slice").
    case indexingScalar(op: String)
    /// backward through nodes whose saved tensors were already freed.
    case backwardTwice
    /// backward()/grad(of:) without a gradient on a tensor with more than one element.
    case gradNotScalar
    /// backward of a tensor that is not part of a graph.
    case doesNotRequireGrad(index: Int)
    /// A non-floating tensor asked to require gradients.
    case requiresGradOnIntegral(DType)
    /// An explicit gradient whose shape differs from its output's.
    case gradShapeMismatch(index: Int, gradShape: [Int], outputShape: [Int])
    /// A tensor saved for backward was modified in place (e.g. by an optimizer step) before backward.
    case modifiedInPlace(type: String, shape: [Int], version: Int, expected: Int)
    /// grad(of:wrt:) with a wrt tensor the outputs do not depend on.
    case inputNotInGraph
    /// grad(of:wrt:) with a wrt tensor that does not require grad.
    case inputDoesNotRequireGrad
    /// Matrix product of incompatible shapes (rows x cols of each operand).
    case matmulShapes(rows1: Int, cols1: Int, rows2: Int, cols2: Int)
    /// An operand of the wrong dtype (e.g. float class targets where int64 indices are needed).
    case dtypeMismatch(expected: DType, found: DType)
    /// An operation that has no implementation for this dtype.
    case unsupportedDType(op: String, dtype: DType)
    /// A full reduction (`max()`, `argmax()`) of an empty tensor.
    case emptyReduction(op: String)
    /// A reduction along a dim of size 0.
    case emptyReductionDim(op: String, dim: Int)
    /// A class index outside `[0, classes)`.
    case targetOutOfBounds(Int)
    /// A negative size in the shape of a tensor being created.
    case negativeDimension(Int, shape: [Int])
    /// A shape whose element or byte count does not fit in an Int.
    case sizeOverflow(shape: [Int])
    /// A tensor too large for this machine's memory (bytes asked for).
    case outOfMemory(bytes: Int)
    /// `item()` of a tensor that has not exactly one element.
    case notOneElement(count: Int)
    /// `requiresGrad` changed on a tensor computed by a recorded op.
    case requiresGradOnNonLeaf
    /// A reshape whose -1 cannot be inferred because the other sizes multiply to 0.
    case ambiguousInferredDimension(shape: [Int], count: Int)
    /// Integer division or remainder by zero.
    case integerDivisionByZero
    /// Anything else, with its full message.
    case invalidArgument(String)

    /// PyTorch's message for the same mistake, word for word where PyTorch has one.
    public var description: String {
        switch self {
        case let .broadcastMismatch(a, b, dim):
            return "The size of tensor a (\(a)) must match the size of tensor b (\(b)) at non-singleton dimension \(dim)"
        case let .dimensionOutOfRange(dim, lo, hi):
            return "Dimension out of range (expected to be in range of [\(lo), \(hi)], but got \(dim))"
        case let .invalidShape(shape, count):
            return "shape '\(shapeList(shape))' is invalid for input of size \(count)"
        case .multipleInferredDimensions:
            return "only one dimension can be inferred"
        case let .invalidShapeDimension(d):
            return "invalid shape dimension \(d)"
        case let .indexOutOfRange(index, dim, size):
            return "index \(index) is out of bounds for dimension \(dim) with size \(size)"
        case let .indexingScalar(op):
            return "\(op)() cannot be applied to a 0-dim tensor."
        case .backwardTwice:
            return "Trying to backward through the graph a second time (or directly access saved tensors after "
                + "they have already been freed). Saved intermediate values of the graph are freed when you call "
                + ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                + "graph a second time or if you need to access saved tensors after calling backward."
        case .gradNotScalar:
            return "grad can be implicitly created only for scalar outputs"
        case let .doesNotRequireGrad(index):
            return "element \(index) of tensors does not require grad and does not have a grad_fn"
        case .requiresGradOnIntegral:
            return "only Tensors of floating point dtype can require gradients"
        case let .gradShapeMismatch(index, g, o):
            return "Mismatch in shape: grad_output[\(index)] has a shape of \(torchSize(g)) and output[\(index)] "
                + "has a shape of \(torchSize(o))."
        case let .modifiedInPlace(type, shape, version, expected):
            return "one of the variables needed for gradient computation has been modified by an inplace "
                + "operation: [\(type) \(shapeList(shape))] is at version \(version); expected version \(expected) instead."
        case .inputNotInGraph:
            return "One of the differentiated Tensors appears to not have been used in the graph. "
                + "Set allow_unused=True if this is the desired behavior."
        case .inputDoesNotRequireGrad:
            return "One of the differentiated Tensors does not require grad"
        case let .matmulShapes(r1, c1, r2, c2):
            return "mat1 and mat2 shapes cannot be multiplied (\(r1)x\(c1) and \(r2)x\(c2))"
        case let .dtypeMismatch(expected, found):
            return "expected scalar type \(expected.scalarTypeName) but found \(found.scalarTypeName)"
        case let .unsupportedDType(op, dtype):
            return "\"\(op)\" not implemented for '\(dtype.scalarTypeName)'"
        case let .emptyReduction(op):
            return "\(op)(): Expected reduction dim to be specified for input.numel() == 0. "
                + "Specify the reduction dim with the 'dim' argument."
        case let .emptyReductionDim(op, dim):
            return "\(op)(): Expected reduction dim \(dim) to have non-zero size."
        case let .targetOutOfBounds(t):
            return "Target \(t) is out of bounds."
        case let .negativeDimension(size, shape):
            return "Trying to create tensor with negative dimension \(size): \(shapeList(shape))"
        case let .sizeOverflow(shape):
            return "Storage size calculation overflowed with sizes=\(shapeList(shape))"
        case let .outOfMemory(bytes):
            return "DefaultCPUAllocator: can't allocate memory: you tried to allocate \(bytes) bytes. "
                + "Error code 12 (Cannot allocate memory)"
        case let .notOneElement(count):
            return "a Tensor with \(count) elements cannot be converted to Scalar"
        case .requiresGradOnNonLeaf:
            return "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                + "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
        case let .ambiguousInferredDimension(shape, count):
            return "cannot reshape tensor of \(count) elements into shape \(shapeList(shape)) because the "
                + "unspecified dimension size -1 can be any value and is ambiguous"
        case .integerDivisionByZero:
            return "ZeroDivisionError"
        case let .invalidArgument(message):
            return message
        }
    }
}

/// "[2, 3]" (PyTorch prints shapes in messages as Python lists).
func shapeList(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// "torch.Size([2, 3])".
func torchSize(_ shape: [Int]) -> String {
    "torch.Size(" + shapeList(shape) + ")"
}
