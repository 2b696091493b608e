import CVecShim

// gelu (PyTorch approximate="none") on SIMD8<Double>, forward and backward.
extension VectorMath {
    /// gelu(x) = x Phi(x) = x erfc(-x/sqrt 2)/2 (torch gelu, approximate "none"): -x/sqrt 2 as a
    /// double-double (its rounding would move erfc by up to 2 z^2 2^-53 relative), erfc with
    /// that correction, and x times it rounded once: within 1 ulp (measured). gelu(±0) = ±0;
    /// below x = -40 (and at -inf) -0, the limit; +inf gives +inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func gelu(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let c = VD(repeating: -0.7071067811865476)
        let zh = x * c
        var zl = fmaD(x, VD(repeating: 4.833646656726457e-17), productError(x, c, zh))
        zl = zl.replacing(with: 0, where: .!(absolute(zh) .< 0x1p1000))
        let (h2, l2, n) = erfcParts(zh, zl)
        let hi = 0.5 * h2, lo = 0.5 * l2  // Phi; halved first so that x 2 cannot overflow
        let p = x * hi
        let v = productFinishSplit(p, fmaD(x, lo, productError(x, hi, p)))
        let y = scaled(v, n, rare: anyTrue(zh .> 26))
        return y.replacing(with: -0.0, where: x .< -40).replacing(with: x, where: x .== 0)
    }

    /// The zero of gelu' (x0 = -0.7517915246935645) as hi + lo, and the Taylor series of gelu' there
    /// (mpmath): a1 as hi + lo, then a13 ... a2: within 2^-58 on |x - x0| < 1/8.
    @usableFromInline static let geluRootD = (hi: -0x1.80ead197f00b4p-1, lo: 0x1.13e74c58cada8p-56)
    @usableFromInline static let geluRootSlope = (hi: 0.4314939923140469, lo: 2.7308688141129613e-17)
    @usableFromInline static let geluRootTaylor: [Double] = [
        -7.74846130700372e-06, -1.121438018842664e-05, 8.615947861116571e-05, 0.00018633974623233514,
        -0.0007448268386746817, -0.002239538068073497, 0.004539228379125415, 0.019421679838189067,
        -0.014771522148244337, -0.1140082332972217, -0.018199676398671087, 0.388284982990552,
    ]

    /// gy gelu'(x) = gy (Phi(x) + x phi(x)). For x >= -1, Phi (as in gelu) plus x phi(x) with
    /// e^(-x^2/2) from x^2 split exactly; below, phi(x) (x + R(x)) with the Mills ratio R =
    /// sqrt(pi/2) erfcx(-x/sqrt 2), so that the left tail keeps relative precision down to its
    /// denormal results; within 1/8 of the zero of gelu' a Taylor series. Every sum and product is
    /// a double-double and rounds once with gy: within 1 ulp (measured). -inf gives -0 (the
    /// limit, as the reference), +inf gy.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func geluBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        let c = VD(repeating: -0.7071067811865476)
        let zh = x * c
        var zl = fmaD(x, VD(repeating: 4.833646656726457e-17), productError(x, c, zh))
        zl = zl.replacing(with: 0, where: .!(absolute(zh) .< 0x1p1000))
        // phi(x) = k e^(-x^2/2) as (ph + pl) 2^ne.
        let xc = x.replacing(with: 0, where: .!(absolute(x) .< 50))  // e^-1250 is 0 anyway
        let x2 = xc * xc
        let w = -0.5 * x2, wl = -0.5 * productError(xc, xc, x2)
        let (r0, rLo, ne) = reduceLn2(w)
        let ww = rLo + wl
        let r = r0 + ww
        let (eh, el) = expReducedParts(r, (r0 - r) + ww)
        let kh = VD(repeating: 0.3989422804014327)
        let ph = kh * eh
        let pl = fmaD(kh, el, fmaD(VD(repeating: -2.49232720227773e-17), eh, productError(kh, eh, ph)))
        let left = x .< -1
        // erfcx(|zh|) serves both forms (on left lanes |zh| = zh > 0.7): one evaluation.
        let az = absolute(zh)
        let a = az.replacing(with: 27.5, where: az .> 27.5)
        let (fxh, fxl) = erfcxParts(a)
        var g = VD()
        if anyTrue(.!left) {
            let (h2, l2, n) = erfcParts(zh, zl, erfcx: (fxh, fxl))
            let s = pow2(n) * 0.5
            let fh = h2 * s, fl = l2 * s  // Phi
            let se = pow2(atLeast(ne, -1022))  // x phi(x) below 2^-1022 is lost against Phi ~ 1
            let qh = x * ph
            let ql = fmaD(x, pl, productError(x, ph, qh))
            let vh = qh * se, vl = ql * se
            let sh = fh + vh
            let bb = sh - fh
            let sl = (((fh - (sh - bb)) + (vh - bb)) + fl) + vl
            g = productFinish(gy, sh, sl)
        }
        if anyTrue(left) {
            let (fh, fl) = (fxh, fxl)
            let fc = fmaD(a + a, fh, VD(repeating: -1.1283791670955126)) * zl  // erfcx'(a) zl
            let sp = VD(repeating: 1.2533141373155003)  // sqrt(pi/2)
            let rh = sp * fh
            let rl = fmaD(sp, fl + fc, fmaD(VD(repeating: -9.164289990229583e-17), fh, productError(sp, fh, rh)))
            let sh = x + rh
            let bb = sh - x
            let sl = ((x - (sh - bb)) + (rh - bb)) + rl  // x + R
            let vh = ph * sh
            let vl = fmaD(ph, sl, fmaD(pl, sh, productError(ph, sh, vh)))
            let v = scaled(productFinish(gy, 0.5 * vh, 0.5 * vl), ne &+ 1, rare: anyTrue(x .< -37))
            g = g.replacing(with: v, where: left)
        }
        // 1/8: at 1/16 from x0, Phi + x phi still cancels 8-fold (3.6 ulp measured there).
        let near = absolute(x - VD(repeating: geluRootD.hi)) .< 0.125
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: geluRootD, slope: geluRootSlope, geluRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .<= -50).replacing(with: gy * -0.0, where: x .== -.infinity)
        return g.replacing(with: gy, where: x .>= 50)
    }
}
