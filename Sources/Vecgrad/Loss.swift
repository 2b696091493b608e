// Losses: MSE (one MseLossBackward0 node), cross entropy as log-softmax then NLL (NllLossBackward0),
// as PyTorch composes them.

/// How a loss combines its per-element values.
public enum Reduction: Sendable {
    /// Average over all elements (PyTorch's default).
    case mean
    /// Sum over all elements.
    case sum
    /// Per-element losses, unreduced.
    case none
}

/// Mean squared error (PyTorch's `F.mse_loss`): (input - target)^2, reduced. Shapes broadcast.
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    let diff = try withNoGrad { try input.detach() - target.detach() }
    let squared = try withNoGrad { try diff * diff }
    let out: Tensor
    switch reduction {
    case .mean: out = squared.mean()
    case .sum: out = squared.sum()
    case .none: out = squared
    }
    if Autograd.needsGrad(input, target) {
        let n = Double(diff.count)
        let needs = (input.requiresGrad, target.requiresGrad)
        out.record("MseLossBackward0", input, target, saving: input, target) { gy in
            // d/dinput = 2 (input - target) * gy (/ n for the mean); d/dtarget is its negation.
            let scale = reduction == .mean ? 2 / n : 2
            // Double backward needs the difference as a recorded function of both inputs.
            let g = try (Tensor.recordsBackward ? input - target : diff) * (gy * scale)
            return [needs.0 ? g.summed(toShape: input.shape).to(input.dtype) : nil,
                    needs.1 ? g.summed(toShape: target.shape).neg().to(target.dtype) : nil]
        }
    }
    return out
}

/// Cross entropy between `logits` [N, C] (or [C]) and `targets`: int64 class indices [N] (or 0-d),
/// where `ignoreIndex` marks rows to skip, or class probabilities of the logits' shape.
/// PyTorch's `F.cross_entropy`: `nllLoss(logits.logSoftmax(dim: classDim), targets)`.
public func crossEntropy(_ logits: Tensor, _ targets: Tensor, reduction: Reduction = .mean,
                         ignoreIndex: Int = -100) throws -> Tensor {
    guard logits.rank == 1 || logits.rank == 2 else {
        throw TensorError.invalidArgument("cross_entropy: expected logits of shape [C] or [N, C], got \(shapeList(logits.shape))")
    }
    let classDim = logits.rank - 1
    let logProbs = try logits.logSoftmax(dim: classDim)
    if targets.dtype.isFloatingPoint {
        guard targets.shape == logits.shape else { throw TensorError.dtypeMismatch(expected: .int64, found: targets.dtype) }
        let perRow = try (try targets * logProbs).sum(dim: classDim).neg()
        switch reduction {
        case .mean: return logits.rank == 2 ? perRow.mean() : perRow
        case .sum: return perRow.sum()
        case .none: return perRow
        }
    }
    return try nllLoss(logProbs, targets, reduction: reduction, ignoreIndex: ignoreIndex)
}

/// Negative log likelihood (PyTorch's `F.nll_loss`): -logProbs[i, targets[i]], reduced; rows whose
/// target is `ignoreIndex` count for nothing (and the mean divides by the rows kept).
public func nllLoss(_ logProbs: Tensor, _ targets: Tensor, reduction: Reduction = .mean,
                    ignoreIndex: Int = -100) throws -> Tensor {
    guard targets.dtype == .int64 else { throw TensorError.dtypeMismatch(expected: .int64, found: targets.dtype) }
    guard logProbs.dtype.isFloatingPoint else { throw TensorError.unsupportedDType(op: "nll_loss", dtype: logProbs.dtype) }
    let batched = logProbs.rank == 2
    guard (batched && targets.rank == 1) || (logProbs.rank == 1 && targets.rank == 0) else {
        throw TensorError.invalidArgument(
            "nll_loss: expected input [N, C] with target [N] or input [C] with a 0-d target, got "
            + "\(shapeList(logProbs.shape)) and \(shapeList(targets.shape))")
    }
    let rows = batched ? logProbs.shape[0] : 1
    let classes = logProbs.shape[logProbs.rank - 1]
    if batched && targets.shape[0] != rows {
        throw TensorError.invalidArgument(
            "Expected input batch_size (\(rows)) to match target batch_size (\(targets.shape[0])).")
    }
    let t = targets.scalars(as: Int.self)
    var kept = 0
    for c in t where c != ignoreIndex {
        guard c >= 0 && c < classes else { throw TensorError.targetOutOfBounds(c) }
        kept += 1
    }
    let perRow = Tensor.zeroed(batched ? [rows] : [], dtype: logProbs.dtype)
    for r in 0..<rows where t[r] != ignoreIndex { perRow.setElement(r, -logProbs.element(r * classes + t[r])) }
    let out: Tensor
    switch reduction {
    case .none: out = perRow
    case .sum: out = withNoGrad { perRow.sum() }
    case .mean: out = withNoGrad { perRow.sum() } / Double(kept)
    }
    if Autograd.needsGrad(logProbs) {
        let shape = logProbs.shape
        out.record("NllLossBackward0", logProbs, saving: targets) { gy in
            // Double backward: gx is linear in gy, so the same scatter as constant weights times gy.
            let recorded = Tensor.recordsBackward
            let gx = Tensor.zeroed(shape, dtype: gy.dtype)
            for r in 0..<rows where t[r] != ignoreIndex {
                let g = recorded ? (reduction == .mean ? 1 / Double(kept) : 1)
                    : reduction == .none ? gy.element(batched ? r : 0) : gy.element(0) / (reduction == .mean ? Double(kept) : 1)
                gx.setElement(r * classes + t[r], -g)
            }
            guard recorded else { return [gx] }
            return [try gx * (reduction == .none && batched ? gy.viewRecorded([rows, 1]) : gy)]
        }
    }
    return out
}
