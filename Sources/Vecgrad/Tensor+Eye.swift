// The identity matrix (torch.eye).

extension Tensor {
    /// An n x m matrix (m defaults to n) with ones on the main diagonal and zeros elsewhere
    /// (PyTorch's `torch.eye`), of `dtype` (float32 by default; float64, int64 and bool too). Throws "n must be
    /// greater or equal to 0, got -1" (and the same for m), `requiresGradOnIntegral` for int64
    /// with `requiresGrad`, and the creation errors for a size too large.
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32, requiresGrad: Bool = false) throws -> Tensor {
        guard n >= 0 else { throw TensorError.invalidArgument("n must be greater or equal to 0, got \(n)") }
        let columns = m ?? n
        guard columns >= 0 else { throw TensorError.invalidArgument("m must be greater or equal to 0, got \(columns)") }
        let out = try Tensor(checkedShape: [n, columns], dtype: dtype, requiresGrad: requiresGrad)
        out.fill(0)
        for i in 0..<Swift.min(n, columns) { out.setElement(i * columns + i, 1) }
        return out
    }
}
