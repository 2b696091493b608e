import CVecShim

// The scaled normal tail F(t) = e^(t^2/2) Phi(-t) = erfcx(t/sqrt 2)/2, t >= 0, and the Gaussian
// e^(-t^2/2) beside it, so that Phi(-t) = e^(-t^2/2) F(t) keeps relative precision down to its
// denormal values. Written in t itself: no rounded t/sqrt 2 enters (its rounding would move erfc
// by t^2 2^-53 relative), and t^2 splits exactly with one FMA. On [0, 8) sixteen pieces of width
// 1/2, degree 13 in t - c (Chebyshev fits with mpmath, the constant term as hi + lo; relative
// error with the rounded coefficients 2^-55.7 on [0, 1/2], below 2^-57 elsewhere), each lane's
// coefficients picked from a table in C (NormalTailPieces.h: one vpermi2pd each under AVX-512,
// scalar loads under AVX2): one polynomial for all lanes. From 8 on, F = (k/t)(1 + u H(u)) with
// u = 1/t^2 (2^-64), behind a vector-wide branch (a division).
extension VectorMath {
    /// H(u) = (t F(t)/k - 1)/u on u = 1/t^2 in (0, 1/64], highest degree first (-1, 3, -15, ... the
    /// asymptotic series' start).
    @usableFromInline static let normalTailAsymptotic: [Double] = [
        -857133877820.7922, 126857708203.05469, -9966929948.526295, 600217950.9665734, -33897707.91041248,
        2022920.3028322735, -135114.05812012375, 10394.927462200205, -944.9998372302838, 104.99999978111963,
        -14.999999999846215, 2.9999999999999574, -1.0,
    ]
    /// k = 1/sqrt(2 pi) as hi + lo.
    @usableFromInline static let normalDensityScale = (hi: 0.3989422804014327, lo: -2.49232720227773e-17)

    /// F(t) as hi + lo for t in [0, 2^500] or NaN.
    @_transparent @usableFromInline
    static func normalTailParts(_ t: VD) -> (hi: VD, lo: VD) {
        // Piece j = round(2t - 1/2), clamped to 0...15; u = t - c is exact but for t < 1/8.
        var jf = ((t + t - 0.5) + VD(repeating: roundMagicD)) - VD(repeating: roundMagicD)
        jf = jf.replacing(with: 0, where: .!(jf .>= 0)).replacing(with: 15, where: jf .> 15)
        let j = bits(jf + VD(repeating: roundMagicD)) &- roundMagicDBits
        let u = t - fmaD(jf, VD(repeating: 0.5), VD(repeating: 0.25))
        // Two Horner chains in u^2 (odd and even powers, as polynomial()), the coefficients from
        // the pieces' table (CVecShim's NormalTailPieces.h: A in columns 0-6, B in 7-12).
        let u2 = u * u
        // Written out, not looped: each column index must be a constant for AVX-512's columns to
        // fold into vector constants (a loop left rolled would read each column from memory).
        let col = { (k: Int32) in vg_normal_tail_column(k, j) }
        var a = fmaD(fmaD(fmaD(col(0), u2, col(1)), u2, col(2)), u2, col(3))
        a = fmaD(fmaD(fmaD(a, u2, col(4)), u2, col(5)), u2, col(6))
        let b = fmaD(fmaD(fmaD(fmaD(fmaD(col(7), u2, col(8)), u2, col(9)), u2, col(10)), u2, col(11)), u2, col(12))
        let c0 = col(13), cl = col(14)
        let v = u * fmaD(b, u, a)
        var fh = c0 + v
        var fl = ((c0 - fh) + v) + cl
        let far = t .>= 8
        if anyTrue(far) {
            let (h, l) = asymptoticTail(t, normalDensityScale, normalTailAsymptotic)
            fh = fh.replacing(with: h, where: far)
            fl = fl.replacing(with: l, where: far)
        }
        return (fh, fl)
    }

    /// e^(-t^2/2) = (hi + lo) 2^n for t in [0, 40] or NaN: t^2 = t2 + t2l exactly, the low part
    /// added to the reduced argument (it reaches 2^-43, above the reduction's own error).
    @_transparent @usableFromInline
    static func gaussParts(_ t: VD) -> (hi: VD, lo: VD, n: VL) {
        let t2 = t * t
        let w = -0.5 * t2, wl = -0.5 * productError(t, t, t2)
        let (r0, rLo, n) = reduceLn2(w)
        let ww = rLo + wl
        let r = r0 + ww
        let (eh, el) = expReducedParts(r, (r0 - r) + ww)
        return (eh, el, n)
    }
}
