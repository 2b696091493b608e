import Vecgrad

// Running a tensor expression through Vecgrad's public API, forward and (optionally) backward
// through autograd, with plain [Double] in and out: how the accuracy table and the activation
// figure see the library, exactly as a user's code does.

enum TensorRun {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// f over leaf tensors built from `operands` in `dtype`. Without `gy`: f's output. With `gy`:
    /// the gradients of every operand after backward(gradient: gy), concatenated.
    static func evaluate(_ operands: [(shape: [Int], values: [Double])], dtype: DType, gy: [Double]?,
                         _ f: ([Tensor]) throws -> Tensor) throws -> [Double] {
        let leaves = try operands.map {
            try Tensor(validatingShape: $0.shape, scalars: $0.values, dtype: dtype, requiresGrad: gy != nil)
        }
        let y = try f(leaves)
        guard let gy else { return y.scalars(as: Double.self) }
        let g = try Tensor(validatingShape: y.shape, scalars: gy, dtype: dtype)
        try y.backward(gradient: g)
        return try leaves.flatMap { leaf -> [Double] in
            guard let grad = leaf.grad else { throw Failure(description: "no gradient reached an input") }
            return grad.scalars(as: Double.self)
        }
    }

    /// `evaluate`, with a failure turned into an empty result (which every check then rejects,
    /// naming the element count).
    static func values(_ operands: [(shape: [Int], values: [Double])], dtype: DType, gy: [Double]?,
                       _ f: ([Tensor]) throws -> Tensor) -> [Double] {
        (try? evaluate(operands, dtype: dtype, gy: gy, f)) ?? []
    }

    /// The tensor method of a catalog unary op by name (`Tensor.applying`, as every named method).
    static func unary(_ name: String) -> ((Tensor) -> Tensor)? {
        guard let op = UnaryOp(name: name) else { return nil }
        return { $0.applying(op) }
    }
}
