// var, std and the vector norm, over every element or along one dim, with PyTorch's results at the
// edges (dof <= 0 gives inf or NaN, as PyTorch after its warning; the norm's subgradient 0 at 0)
// and PyTorch's backward formulas, written with Tensor ops.

/// Which elements a statistic reduces: all of them (`dim` nil) or one dim, and the result's shape.
struct ReductionAxes {
    /// The normalized dim, nil for every element.
    let dim: Int?
    /// The shape with the reduced dims as size 1 (broadcasts against the input).
    let kept: [Int]
    /// The shape of the result.
    let result: [Int]
    /// How many elements each result reduces.
    let size: Int

    init(_ x: Tensor, dim: Int?, keepdim: Bool) throws {
        if let dim {
            let d = try Shape.normalize(dim, rank: x.rank)
            self.dim = d
            kept = x.keptShape(d)
            result = keepdim ? kept : x.reducedShape(d)
            size = x.rank == 0 ? 1 : x.shape[d]
        } else {
            self.dim = nil
            kept = [Int](repeating: 1, count: x.rank)
            result = keepdim ? kept : []
            size = x.count
        }
    }

    /// The sum of `t` over these axes, of the `kept` shape (no grad tracking).
    func sum(_ t: Tensor) throws -> Tensor {
        guard let dim else { return try withNoGrad { try t.sum().reshaped(to: kept) } }
        return try withNoGrad { try t.sum(dim: dim, keepdim: true) }
    }
}

extension Tensor {
    /// The variance over every element (`dim` nil) or along `dim` (`torch.var`): the sum of squared
    /// deviations from the mean divided by `count - correction` (1: Bessel's correction; 0: the
    /// population variance). Where that is <= 0 the result is inf or NaN (0/0), as PyTorch's after
    /// its warning. Shape: the input's without `dim` (size 1 with `keepdim`; with `dim` nil, 0-d or
    /// all ones). float32/float64; differentiable (VarBackward0). Throws `unsupportedDType`-style
    /// "std and var only support floating point and complex dtypes" for int64/bool and
    /// `dimensionOutOfRange`.
    public func `var`(dim: Int? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        try variance(dim: dim, correction: correction, keepdim: keepdim, root: false)
    }

    /// The standard deviation, the square root of `var` with the same arguments (`torch.std`);
    /// shapes, dtypes and errors as `var`. Its gradient is 0 where the result is 0 (PyTorch's
    /// StdBackward0 masks it), NaN where `count - correction` <= 0.
    public func std(dim: Int? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        try variance(dim: dim, correction: correction, keepdim: keepdim, root: true)
    }

    private func variance(dim: Int?, correction: Int, keepdim: Bool, root: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TensorError.invalidArgument("std and var only support floating point and complex dtypes")
        }
        let axes = try ReductionAxes(self, dim: dim, keepdim: keepdim)
        let x = self
        let dof = Double(Swift.max(0, axes.size - correction))
        let centred = try withNoGrad { try x - (axes.dim.map { try x.mean(dim: $0, keepdim: true) } ?? x.mean()) }
        let v = try withNoGrad { try axes.sum(centred * centred) / dof }
        let kept = root ? v.sqrt() : v
        let out = try kept.reshaped(to: axes.result).detach()
        guard Autograd.needsGrad(x) else { return out }
        // kept, not out, in the closure: out holds the node, which would then hold out.
        out.record(root ? "StdBackward0" : "VarBackward0", x, saving: centred, root ? kept : nil) { gy in
            // Double backward: the deviations and std recomputed as recorded functions of x.
            let recorded = Tensor.recordsBackward
            let c = recorded ? try x - (axes.dim.map { try x.mean(dim: $0, keepdim: true) } ?? x.mean()) : centred
            var g = try gy.reshaped(to: axes.kept)
            if root {   // d std = d var / (2 std), 0 where std is 0
                let s = recorded ? try x.variance(dim: dim, correction: correction, keepdim: true, root: true) : kept
                g = try Tensor.where(s.eq(0), 0.0, g / (s * 2.0))
            }
            return [try g * c * (2.0 / dof)]
        }
        return out
    }

    /// The vector p-norm over every element (`dim` nil) or along `dim` (`torch.linalg.vector_norm`,
    /// `x.norm(p, dim)`): (sum |x|^p)^(1/p); p = inf / -inf: the largest / smallest |x|; p = 0: the
    /// number of nonzero elements. Shapes as `var`. float32/float64; differentiable
    /// (LinalgVectorNormBackward0) with PyTorch's subgradients: 0 at x = 0 (and where the norm is
    /// 0), an even split among tied extremes for ±inf, zero for p = 0. Throws for int64/bool
    /// ("linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"), for
    /// ±inf over no elements and `dimensionOutOfRange`.
    public func norm(p: Double = 2, dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TensorError.invalidArgument(
                "linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(dtype.scalarTypeName)")
        }
        let axes = try ReductionAxes(self, dim: dim, keepdim: keepdim)
        if p.isInfinite && axes.size == 0 {
            throw TensorError.invalidArgument("linalg.vector_norm cannot compute the \(p > 0 ? "" : "-")inf norm on an "
                + "empty tensor because the operation does not have an identity")
        }
        let x = self
        let kept = try withNoGrad { try x.normKept(p, axes) }
        let out = try kept.reshaped(to: axes.result).detach()
        guard Autograd.needsGrad(x) else { return out }
        out.record("LinalgVectorNormBackward0", x, saving: x, kept) { gy in
            // Double backward: the norm recomputed as a recorded function of x.
            let norm = Tensor.recordsBackward ? try x.norm(p: p, dim: dim, keepdim: true) : kept
            return [try x.normGradient(p, axes, norm: norm, gy: gy.reshaped(to: axes.kept))]
        }
        return out
    }

    /// The norm of the `kept` shape (no grad tracking).
    private func normKept(_ p: Double, _ axes: ReductionAxes) throws -> Tensor {
        let a = abs()
        switch p {
        case 2: return try axes.sum(a * a).sqrt()
        case 1: return try axes.sum(a)
        case 0: return try axes.sum(a.ne(0).to(dtype))
        case .infinity, -.infinity:
            let largest = p > 0
            guard let d = axes.dim else { return try (largest ? a.max() : a.min()).reshaped(to: axes.kept) }
            return try (largest ? a.max(dim: d, keepdim: true) : a.min(dim: d, keepdim: true)).values
        default: return try axes.sum(a.pow(p)).pow(1 / p)
        }
    }

    /// PyTorch's linalg_vector_norm_backward, in Tensor ops (`norm` and `gy` of the kept shape).
    private func normGradient(_ p: Double, _ axes: ReductionAxes, norm: Tensor, gy: Tensor) throws -> Tensor {
        let x = self, a = x.abs()
        let sign = try Tensor.where(x.eq(0), 0.0, x / a)   // sgn: 0 at 0, NaN stays NaN
        switch p {
        case 0:
            return Tensor.zeroed(shape, dtype: dtype)
        case 1:
            return try sign * gy
        case 2:
            return try x * Tensor.where(norm.eq(0), 0.0, gy / norm)
        case .infinity, -.infinity:   // an even split among the elements at the extreme
            let mask = try a.eq(norm).to(dtype)
            return try sign * mask * (gy / axes.sum(mask))
        default:
            if p < 1 {
                let scaled = try sign * Tensor.where(x.eq(0), 0.0, a.pow(p - 1))
                return try scaled * gy * norm.pow(1 - p)
            }
            let scaled = p < 2 ? try sign * a.pow(p - 1) : try x * a.pow(p - 2)
            return try scaled * Tensor.where(norm.eq(0), 0.0, gy / norm.pow(p - 1))
        }
    }
}
