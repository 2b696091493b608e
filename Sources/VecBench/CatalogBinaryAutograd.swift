import Vecgrad
import VecKernels

// The backward phase of the binary ops, timed through Vecgrad's autograd as PyTorch's anchor
// times torch.autograd.grad: what a user's backward pays. A raw-kernel backward writes both
// gradients into buffers the caller owns, so add's would copy the incoming gradient twice where
// autograd passes it on (PyTorch and Vecgrad alike) and sums it only over broadcast dims.

extension KernelCatalog {
    /// `op`'s output from leaves a and b, through the Tensor operators (recording the node).
    static func tensorBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        switch op {
        case .add: return try a + b
        case .sub: return try a - b
        case .mul: return try a * b
        case .div: return try a / b
        case .maximum: return try Tensor.maximum(a, b)
        case .minimum: return try Tensor.minimum(a, b)
        }
    }

    /// grad(of: op(a, b), wrt: [a, b], gradOutputs: [gy], retainGraph: true) per call, in the
    /// case's variant and threads; the gradients of a and b, concatenated, are what is checked.
    static func binaryAutogradCase(_ op: BinaryOp, _ spec: CaseID, shapes: ([Int], [Int], out: [Int]),
                                   values: ([Double], [Double], gy: [Double]),
                                   check: @escaping ([Double]) -> CheckResult) throws -> PreparedCase {
        let v = try variant(spec), dtype = spec.dtype
        let a = try Tensor(validatingShape: shapes.0, scalars: values.0, dtype: dtype, requiresGrad: true)
        let b = try Tensor(validatingShape: shapes.1, scalars: values.1, dtype: dtype, requiresGrad: true)
        let y = try tensorBinary(op, a, b)
        let gy = try Tensor(validatingShape: shapes.out, scalars: values.gy, dtype: dtype)
        let failure = FailureNote()
        func gradients() throws -> [Tensor] {
            try withKernelVariant(v, threads: spec.threads) {
                try grad(of: y, wrt: [a, b], gradOutputs: [gy], retainGraph: true)
            }
        }
        return PreparedCase(run: { do { _ = try gradients() } catch { failure.note("\(error)") } }, check: {
            let actual = (try? gradients().flatMap { $0.scalars(as: Double.self) }) ?? []
            var result = check(actual)
            if let f = failure.text { result.passed = false; result.detail = f }
            return result
        })
    }
}
