import CVecShim

// ELU in PyTorch's general form (torch's elu(x, alpha, scale, input_scale), which also serves
// selu and celu) on SIMD16<Float>: the forward in float64 lanes rounded once, the gradient (one
// exponential) in float32 lanes.
extension VectorMath {
    /// SELU's alpha, 1.6732632423543772848170429916717, rounded to float32 (as PyTorch's float32
    /// selu passes it to elu).
    public static let seluAlpha: Float = 1.6732632423543772848170429916717
    /// SELU's scale, 1.0507009873554804934193349852946, rounded to float32.
    public static let seluScale: Float = 1.0507009873554804934193349852946

    /// scale x for x > 0, else scale alpha (e^(inputScale x) - 1), float32 (torch's elu with
    /// input_scale; selu is alpha = seluAlpha, scale = seluScale, inputScale = 1). The product
    /// inputScale x, scale alpha and e^y - 1 are formed in float64 and the result rounds once:
    /// within 0.51 ulp. NaN passes; elu(+-0) = scale alpha (inputScale * +-0), signed.
    @inlinable @inline(__always)
    public static func elu(_ x: V, alpha: Float, scale: Float, inputScale: Float) -> V {
        V(lowHalf: narrow(eluD(widen(x.lowHalf), alpha: alpha, scale: scale, inputScale: inputScale)),
          highHalf: narrow(eluD(widen(x.highHalf), alpha: alpha, scale: scale, inputScale: inputScale)))
    }

    @_transparent @usableFromInline
    static func eluD(_ x: VD, alpha: Float, scale: Float, inputScale: Float) -> VD {
        let y = Double(inputScale) * x  // exact
        // e^y - 1 is -1 to float64 precision below -40; expm1Half's 2^n needs y <= 709.
        let clamped = select(y .> 709, 709, select(y .< -40, -40, y))
        let em = select(y .> 709, .infinity, select(y .== 0, y, expm1Half(clamped)))  // y: keeps -0
        let negScale = Double(scale) * Double(alpha)  // exact: 24 x 24 bits
        return select(x .> 0, Double(scale) * x, negScale * em)
    }

    /// gy * elu'(x): gy scale for x > 0, else gy inputScale scale alpha e^(inputScale x), as
    /// PyTorch's elu_backward from the input (x = 0 takes the exponential branch, NaN gives NaN);
    /// float32 x and gy, all in float32 lanes. The rounding error lo of y = inputScale x is
    /// carried into the reduced argument (e^(y + lo) = 2^n e^(r + lo)): dropped, it would cost
    /// |y| / 2 ulp at the underflow end. g = gy slope rounds once, g e^r = g + g (e^r - 1) once
    /// more, and 2^n is applied last by vscalefps (denormal results round once, overflow gives
    /// inf): within 1.99 ulp measured with random gy, 1.22 with gy = 1 (ActivationMathTests; the
    /// e^y, g e^y, (1 + lo) product form was 2.45), in 23 vector instructions per 16 lanes
    /// against 35 (objdump of the selu loop, loads, stores and register copies left out). y is held at [-120, 200] (e^-120 rounds
    /// every product to 0; beyond 200 every scaled result overflows) in ways that let NaN through.
    @inlinable @inline(__always)
    public static func eluBackward(x: V, gy: V, alpha: Float, scale: Float, inputScale: Float) -> V {
        let negSlope = Float(Double(inputScale) * (Double(scale) * Double(alpha)))
        let si = V(repeating: inputScale)
        let y = si * x
        // -inf (or an overflowed product) would make the error term NaN; e^y is 0 there anyway.
        let lo = productError(si, x, y).replacing(with: 0, where: y .< -120)
        let yc = vg_max_f32x16(V(repeating: -120), y).replacing(with: 200, where: y .> 200)
        let t = fma(yc, V(repeating: log2e), V(repeating: roundMagic))
        let nf = t - V(repeating: roundMagic)
        let r = fma(nf, V(repeating: -ln2Lo), fma(nf, V(repeating: -ln2Hi), yc)) + lo
        let s = fma(expPolynomial(r), r * r, r)  // e^r - 1
        let g = gy * negSlope
        return vg_scale_pow2(fma(g, s, g), nf).replacing(with: gy * scale, where: x .> 0)
    }
}
