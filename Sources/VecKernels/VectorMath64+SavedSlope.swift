// The grad-mode forward of log_sigmoid, softplus and elu (selu, celu) on SIMD8<Double>: y, bit for
// bit the no-grad forward's, and c = f'(x) from y's own exponential (UnarySaved.complement), so
// that the backward is gy c: two streams in, one out, as JAX's pullback from its forward's
// residual (PyTorch's log_sigmoid backward reads a saved e^-|x| besides x and gy). c is formed
// from the exponential's parts (never 1 - something, which would cancel in the tails) and
// rounds once (0.63-0.95 ulp measured), so gy c rounds twice: 1.33-1.60 ulp measured with random gy
// in [-1, 1] over [-760, 760] (the backward from x: 0.66-1.04), within the records' 2 ulp.
extension VectorMath {
    /// log(sigmoid(x)) (logSigmoid's y) and c = sigmoid(-x), its derivative, from softplus(-x)'s
    /// own exponential (softplusWithSlope). c(-inf) = 1, c(+inf) = 0, NaN passes.
    @inlinable @inline(__always)
    static func logSigmoidWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let (s, c) = softplusWithSlope(negate(x), beta: 1, threshold: .infinity, slope: true)
        return (0 - s, c)
    }

    /// softplus(x) and c = sigmoid(beta x), 1 where beta x > threshold (softplusWithSlope).
    @inlinable @inline(__always)
    static func softplusWithComplement(_ x: VD, beta: Double, threshold: Double) -> (y: VD, c: VD) {
        softplusWithSlope(x, beta: beta, threshold: threshold, slope: true)
    }

    /// elu(x) (selu, celu through the parameters) and c = elu'(x) (eluWithSlope, eluSlope).
    @inlinable @inline(__always)
    static func eluWithComplement(_ x: VD, alpha: Double, scale: Double, inputScale: Double) -> (y: VD, c: VD) {
        eluWithSlope(x, alpha: alpha, scale: scale, inputScale: inputScale, slope: true)
    }

    /// elu'(x) as PyTorch's elu_backward defines it from the input: scale for x > 0, scale alpha
    /// inputScale e^(inputScale x) for x <= 0 (x = ±0 included) and NaN. e^z, z = bx = inputScale x,
    /// comes from the forward's own reduction (expm1Reduced: e^z = 2^n (1 + mh + ml), where 1 + mh
    /// cancels nothing: mh is in [-0.3, 0.42]) with z's rounding error lo folded in, the constant
    /// as a double-double, rounded once. Vectors with a lane of the exponential branch below
    /// z = -40 (where that reduction is clamped), above 709, or NaN take eluBackward's value at
    /// gy = 1 (denormal c included).
    @inlinable @inline(__always)
    static func eluSlope(_ x: VD, bx: VD, lo: VD, reduced: (mh: VD, ml: VD, n: VL), alpha: Double, scale: Double,
                         inputScale: Double) -> VD {
        let positive = x .> 0
        let z = bx.replacing(with: 0, where: positive)
        if _slowPath(anyTrue(.!(z .>= -40) .| (z .> 709))) {
            return eluComplementWide(x, alpha: alpha, scale: scale, inputScale: inputScale)
        }
        let (mh, ml, n) = reduced
        let eh = 1 + mh
        let el = fmaD(eh, lo, ((1 - eh) + mh) + ml)  // e^(z + lo) = e^z (1 + lo); Fast2Sum: |mh| < 1
        let (sh, sl) = exactScalarProduct(scale, alpha)
        let (ch, chl) = exactScalarProduct(sh, inputScale)
        let vc = VD(repeating: ch)
        let p = vc * eh
        let pl = fmaD(vc, el, fmaD(VD(repeating: sl * inputScale + chl), eh, productError(vc, eh, p)))
        return ((p + pl) * pow2(n)).replacing(with: VD(repeating: scale), where: positive)
    }

    /// eluWithComplement's c off its common path: eluBackward at gy = 1.
    @inline(never) @usableFromInline
    static func eluComplementWide(_ x: VD, alpha: Double, scale: Double, inputScale: Double) -> VD {
        eluBackward(x: x, gy: VD(repeating: 1), alpha: alpha, scale: scale, inputScale: inputScale)
    }
}
