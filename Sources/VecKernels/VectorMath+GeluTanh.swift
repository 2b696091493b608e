// GELU's tanh form in float32 lanes: x sigmoid(w), w = 2 sqrt(2/pi) (x + 0.044715 x^3)
// (0.5 (1 + tanh(w/2)) = sigmoid(w)). The float64-lane form ran well below PyTorch's speed;
// here only w is formed in float64 (a few operations) and carried as wh + wl, because sigmoid's
// relative error grows by |w| times w's (|w| reaches 110 before the left tail underflows). The
// rest is Logistic's float32 e^-|w| with wl folded into its reduction, so that neither tail
// cancels. The gradient's zero x0 = -0.7525 takes a series in x - x0 (as gelu's).
extension VectorMath {
    /// f(x) in float64 for each half of x, as float32 hi + lo (|lo| <= ulp(hi) / 2).
    @inline(__always)
    static func splitInDouble(_ x: V, _ f: (VD) -> VD) -> (hi: V, lo: V) {
        let a = f(widen(x.lowHalf)), b = f(widen(x.highHalf))
        let ah = narrow(a), bh = narrow(b)
        return (V(lowHalf: ah, highHalf: bh), V(lowHalf: narrow(a - widen(ah)), highHalf: narrow(b - widen(bh))))
    }

    /// w(x) as wh + wl (within ~2^-50 relative, from float64).
    @inline(__always)
    static func geluTanhArgument(_ x: V) -> (hi: V, lo: V) {
        splitInDouble(x) { xd in VD(repeating: 1.5957691216057307117) * fmaD(VD(repeating: 0.044715), xd * xd * xd, xd) }
    }

    /// x w'(x) = 2 sqrt(2/pi) x (1 + 3 * 0.044715 x^2) as hi + lo (the gradient's 1 + x w' R
    /// cancels by up to 1.5x near x = -1.5, so its rounding is not left in).
    @inline(__always)
    static func geluTanhSlope(_ x: V) -> (hi: V, lo: V) {
        splitInDouble(x) { xd in
            xd * (VD(repeating: 1.5957691216057307117) * fmaD(VD(repeating: 3 * 0.044715), xd * xd, VD(repeating: 1)))
        }
    }

    /// The low part of -|w| for -|w| = -|wh| + tLo: wl, negated where wh >= 0.
    @inline(__always)
    static func negativeAbsoluteLow(_ wh: V, _ wl: V) -> V { float(bits(wl) ^ (~bits(wh) & Int32.min)) }

    /// GELU's tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), torch's gelu
    /// with approximate "tanh", float32, in float32 lanes: within 2 ulp (see
    /// `GeluTanhOp.ulpBound32`; x sigmoid(w): no cancellation in either tail); results underflow
    /// to -0 below x ~ -10.9, -inf gives -0 (PyTorch: NaN), inf gives inf, NaN passes.
    @inline(__always)
    public static func geluTanh(_ x: V) -> V {
        // Beyond |x| = 20 the result is x (sigmoid rounds to 1) or -0: w is formed from x held there.
        let m = x.replacing(with: -20, where: x .< -20)
        let xc = m.replacing(with: 20, where: m .> 20)
        let (wh, wl) = geluTanhArgument(xc)
        let y = Logistic.value(xc, wh, tLo: negativeAbsoluteLow(wh, wl)).replacing(with: x, where: x .> 20)
        return withSign(y, of: x)  // y has x's sign already, except -0 (value's sum gives +0)
    }

    /// gy * d/dx of geluTanh, s (1 + x (1 - s) w') with s = sigmoid(w), w' = dw/dx; float32 x and
    /// gy, in float32 lanes: within 4 ulp (see `GeluTanhOp.ulpBound32`), denormal results
    /// included. With e = e^-|w| and R = 1/(1 + e): e R (1 + x w' R) for w < 0, R (1 + x w' e R)
    /// otherwise; around the zero x0 = -0.7525, (x - x0) Q(x + 0.75), Q a degree-8 fit of the
    /// gradient / (x - x0) on [-1.25, -0.25] (mpmath). +inf gives gy, -inf gives -0 times gy, and
    /// +0 where the left tail underflows (as the reference).
    @inline(__always)
    public static func geluTanhBackward(x: V, gy: V) -> V {
        let m = x.replacing(with: -20, where: x .< -20)
        let xc = m.replacing(with: 20, where: m .> 20)
        let (wh, wl) = geluTanhArgument(xc)
        let t = negativeAbsolute(wh)
        let (h, l, n) = Logistic.expTail(t, negativeAbsoluteLow(wh, wl))
        let rare = anyTrue(t .< -87)  // n < -126 possible
        let sc = pow2(rare ? Logistic.atLeast(n, -126) : n)
        let (rc, res) = Logistic.reciprocalOnePlus(h, l, sc)
        let r = fma(rc, res, rc)
        let (kh, kl) = geluTanhSlope(xc)
        let e = h + l
        let negative = wh .< 0
        let a = V(repeating: 1).replacing(with: e, where: negative)
        let br = (e * sc).replacing(with: V(repeating: 1), where: negative) * r
        let v = (a * r) * fma(kh, br, fma(kl, br, V(repeating: 1)))
        // 2^n for w < 0 only; + 0: an underflow gives +0, as the reference's s + x s (1 - s) w'.
        var d = Logistic.scaled(v, n & (bits(wh) &>> 31), rare: rare) + 0
        let w = x + 0.75
        let c = poly9(w, (0x1.b9b4d2p-2, 0x1.8cbcb8p-2, -0x1.10616cp-6, -0x1.d35fe8p-4, -0x1.0c5360p-6,
                          0x1.4350ccp-6, 0x1.55e0d4p-8, -0x1.2d492ap-9, -0x1.ca9e84p-11))
        let near = fma(x - V(repeating: -0x1.8142a0p-1), c, V(repeating: -0x1.85a06cp-27) * c)  // (x - x0) c
        // NaN fails the test, so it takes the window's form (NaN).
        d = d.replacing(with: near, where: .!(absolute(w) .>= 0.5))
        let g = (gy * d).replacing(with: gy, where: x .> 20)
        return g.replacing(with: gy * -0.0, where: x .== V(repeating: -.infinity))
    }

    /// geluTanh(x) and c = its derivative, float32 (UnarySaved.complement): the backward is gy c,
    /// two streams. y is `geluTanh`'s own; c is `geluTanhBackward`'s with gy = 1. Both start from
    /// the same w, e^-|w| and 1/(1 + e^-|w|) (Logistic.expTail and reciprocalOnePlus on the same
    /// operands), which the optimiser computes once.
    @inline(__always)
    static func geluTanhWithComplement(_ x: V) -> (y: V, c: V) {
        (geluTanh(x), geluTanhBackward(x: x, gy: V(repeating: 1)))
    }
}
