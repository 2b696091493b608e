// log_sigmoid's grad-mode forward on SIMD16<Float>: y = log(sigmoid(x)), bit for bit the no-grad
// forward's (logSigmoid returns this function's y; the optimiser drops c there), and c =
// sigmoid(-x), its derivative, from y's own e = e^-|x| (UnarySaved.complement), so that the
// backward is gy c: two streams, where PyTorch's log_sigmoid_backward reads three (gy, x and its
// saved buffer). c is 1/(1 + e) for x <= 0 and e/(1 + e) above, never 1 - sigmoid(x), which
// cancels to 0 in the right tail; both keep their relative precision down to the denormals.
extension VectorMath {
    /// log(sigmoid(x)) = -softplus(-x) and c = sigmoid(-x), c rounded once from e + el (the 14-bit
    /// reciprocal estimate of 1 + e corrected by its residual): within 0.89 ulp (vecbench accuracy).
    /// c(-inf) = 1, c(+inf) = 0, NaN passes.
    @inlinable @inline(__always)
    static func logSigmoidWithComplement(_ x: V) -> (y: V, c: V) {
        let z = negate(x)
        let (eh, el) = expNonPositiveParts(negativeAbsolute(x))
        // softplusUnit(z, threshold: inf) written out (z > inf is never true), negated.
        let y = negate(log1pUnit(eh, el) + z.replacing(with: 0, where: .!(z .> 0)))
        // 1/(1 + e) = r (1 + res) and num r = t + tc (e unscaled: s = 1 multiplies exactly).
        let (r, res) = Logistic.reciprocalOnePlus(eh, el, V(repeating: 1))
        let positive = x .> 0
        let num = V(repeating: 1).replacing(with: eh, where: positive)
        let numLo = V(repeating: 0).replacing(with: el, where: positive)
        let (t, tc) = Logistic.productSum(num, numLo, r)
        return (y, t + fma(res, t, tc))
    }
}
