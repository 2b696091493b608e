// logsumexp along one dim, stable (the max is subtracted first), with PyTorch's infinities.

extension Tensor {
    /// log(sum(exp(x))) along `dim` (`torch.logsumexp`), computed as m + log(sum(exp(x - m))) with
    /// m the row's max, so that large values do not overflow. As PyTorch: an infinite max is
    /// replaced by 0 before subtracting, so a row of -inf gives -inf, a row with +inf gives +inf,
    /// NaN propagates, and an empty row gives -inf. Shape: the input's without `dim` (size 1 with
    /// `keepdim`). int64/bool compute in float32. Differentiable (LogsumexpBackward0:
    /// gy * exp(x - result)). Throws `dimensionOutOfRange`.
    public func logsumexp(dim: Int, keepdim: Bool = false) throws -> Tensor {
        if !dtype.isFloatingPoint { return try to(.float32).logsumexp(dim: dim, keepdim: keepdim) }
        let axes = try ReductionAxes(self, dim: dim, keepdim: keepdim)
        let x = self
        let kept = try withNoGrad { () throws -> Tensor in
            if axes.size == 0 { return try Tensor.full(axes.kept, -.infinity, dtype: x.dtype) }
            let m = try x.max(dim: axes.dim ?? 0, keepdim: true).values
            let shift = try Tensor.where(m.abs().eq(Double.infinity), 0.0, m)
            return try axes.sum((x - shift).exp()).log() + shift
        }
        let out = try kept.reshaped(to: axes.result).detach()
        guard Autograd.needsGrad(x) else { return out }
        out.record("LogsumexpBackward0", x, saving: x, kept) { gy in
            // Double backward: the result recomputed as a recorded function of x.
            let result = Tensor.recordsBackward ? try x.logsumexp(dim: dim, keepdim: true) : kept
            return [try gy.reshaped(to: axes.kept) * (x - result).exp()]
        }
        return out
    }
}
