import CVecShim

// erf and erfc on SIMD8<Double>. |x| < 0.5: erf = x + x E(x^2) (E minimax, 2^-72). Beyond,
// erfc(a) = e^(-a^2) erfcx(a) with a^2 split exactly, e^(-a^2) as hi + lo (its low part folded
// into the reduced argument, as pow does), and erfcx from Chebyshev fits computed with mpmath:
// degree-15 polynomials in a - c on the seven half-units [0.5, 4) (relative error < 1e-20, the
// constant term as a double-double) and, for a >= 4, G(1/a^2)/(a sqrt(pi)) with G = 1 + t G1(t)
// (2e-19). erf = 1 - erfc and erfc(-a) = 2 - erfc(a) subtract the double-double, so nothing
// cancels. The Parts helpers are @_transparent: in the large gelu loops the optimizer left
// @inline(__always) calls out of line (arguments through memory; 1.3x forward, 1.6x backward).
extension VectorMath {
    @usableFromInline static let erfSmallPoly: [Double] = [
        1.3214378238338438e-08, -1.6273138761686977e-07, 1.6459034327218912e-06, -1.4925586560096415e-05,
        0.00012055332131175981, -0.0008548327016159163, 0.005223977625403192, -0.026866170645130034,
        0.11283791670955123, -0.37612638903183754, 0.1283791670955126,
    ]
    /// erfcx on [c - 0.25, c + 0.25), c = 0.75, 1.25, ..., 3.75: 16 coefficients each, highest
    /// degree first, in one flat array (one access per call, no nested arrays to retain).
    @usableFromInline static let erfcxPieces: [Double] = [
        -1.4567881256540653e-06, 4.653752310183548e-06, -1.408512949400527e-05, 4.236125943559736e-05,
        -0.0001233545520026088, 0.0003467512575452147, -0.000938512056293829, 0.0024376373433168705,
        -0.00605153229729106, 0.014289198666213443, -0.03189726203968118, 0.06679054252756655,
        -0.1298360619948811, 0.2309581315512983, -0.3679726916557954, 0.5069376502931449,
        -1.4014723295155354e-07, 4.893358643758936e-07, -1.6304221149021363e-06, 5.3946692066374445e-06,
        -1.734409336769538e-05, 5.40541122285361e-05, -0.00016296000887578774, 0.00047397030874139306,
        -0.001325782929691643, 0.0035531099032542093, -0.009081627632934392, 0.022011364250856973,
        -0.05021827439590757, 0.1067955714965988, -0.20882187596460985, 0.3678229164523611,
        -1.6346008547376946e-08, 6.226424227984388e-08, -2.277358935253532e-07, 8.270256850394113e-07,
        -2.927939486626321e-06, 1.0086688982312066e-05, -3.375535521437002e-05, 0.00010950528830290082,
        -0.00034353335347108127, 0.001039204522447579, -0.003020974651425132, 0.008404319207328828,
        -0.022259995241388327, 0.05576363008708727, -0.1309763455144852, 0.2849722347374364,
        -2.266086767808364e-09, 9.39466337475258e-09, -3.75983215364048e-08, 1.4941923534206915e-07,
        -5.806335697809542e-07, 2.2030227311804446e-06, -8.150283238775444e-06, 2.935324733932124e-05,
        -0.00010272108115747433, 0.00034853542204605096, -0.001143728483653747, 0.003618995354358076,
        -0.011002060756440047, 0.03199262741070626, -0.08848650280874916, 0.23108725873039188,
        -3.666442157763938e-10, 1.6498396239758497e-09, -7.19953926790764e-09, 3.1207281593325427e-08,
        -1.3262546357975326e-07, 5.519759290933602e-07, -2.247373431811315e-06, 8.940156044713859e-06,
        -3.469860957782532e-05, 0.0001311818005304879, -0.0004821950849810548, 0.0017195818852892139,
        -0.005934337896997976, 0.019758592987322864, -0.06323763756063484, 0.1936620962790687,
        -6.809353021131765e-11, 3.3159272377423107e-10, -1.5720414775055703e-09, 7.4061603134955535e-09,
        -3.428988001311041e-08, 1.5588117175332456e-07, -6.952080679054578e-07, 3.0388319869296786e-06,
        -1.3004640265342387e-05, 5.442040881224984e-05, -0.0002223825695684763, 0.0008860045775342716,
        -0.003435471300907574, 0.012937290883018157, -0.047199402321170376, 0.16633534842682188,
        -1.4301569339460845e-11, 7.513429744421814e-11, -3.85564550996296e-10, 1.967103633008337e-09,
        -9.883146031229575e-09, 4.8864828837200145e-08, -2.3760039411435893e-07, 1.1353256040732464e-06,
        -5.326672789273511e-06, 2.451632537649145e-05, -0.00011057957492429284, 0.00048822238209556744,
        -0.00210728287016911, 0.008878755527325298, -0.03645625753272353, 0.14558972127503855,
        ]
    @usableFromInline static let erfcxPieceLo: [Double] = [-5.335996477605762e-17, 1.3846172384608344e-19, 8.539783187060307e-18, -5.747627455232577e-18, -1.2015847101756834e-17, -6.13341731786451e-19, -1.3715647363522967e-17]
    /// erfcxPieces by column: entry k holds coefficient k of the seven pieces (lane 7 unused),
    /// entry 16 their constant terms' low parts, so that a permute picks each lane's piece.
    @usableFromInline static let erfcxColumns: [SIMD8<Double>] = (0..<17).map { k in
        var column = SIMD8<Double>()
        for piece in 0..<7 { column[piece] = k < 16 ? erfcxPieces[16 * piece + k] : erfcxPieceLo[piece] }
        return column
    }
    @usableFromInline static let erfcAsymptoticPoly: [Double] = [
        10823376851.416552, -6456202629.36518, 1842851329.7347443, -341467022.4126796, 47587993.35953084,
        -5567231.088259169, 604249.7965076591, -66468.45781441436, 7902.969085575988, -1055.5391416810462,
        162.41990010283953, -29.531236630805328, 6.5624999403358775, -1.874999999838176, 0.7499999999997672,
        -0.4999999999999999,
    ]

    @inlinable @inline(__always)
    static func horner(_ c: [Double], _ u: VD, count: Int) -> VD {
        c.withUnsafeBufferPointer { c in polynomial(u, count: count) { VD(repeating: c[$0]) } }
    }

    /// erfcx(a) = e^(a^2) erfc(a) as hi + lo for a >= 0.5 (a <= 27.5 or NaN).
    @_transparent @usableFromInline
    static func erfcxParts(_ a: VD) -> (hi: VD, lo: VD) {
        // Each lane's piece j = round(2a - 1.5) (0...6 on [0.5, 4), clamped outside), its
        // coefficients picked per lane from the columns by one permute each: one Horner chain
        // instead of seven (the chains are latency-bound, ~60 cycles each).
        var jf = ((a + a - 1.5) + VD(repeating: roundMagicD)) - VD(repeating: roundMagicD)
        jf = jf.replacing(with: 0, where: .!(jf .>= 0)).replacing(with: 6, where: jf .> 6)
        let j = bits(jf + VD(repeating: roundMagicD)) &- roundMagicDBits
        let u = a - fmaD(jf, VD(repeating: 0.5), VD(repeating: 0.75))  // exact (Sterbenz) in range
        var fh = VD(), fl = VD()
        erfcxColumns.withUnsafeBufferPointer { table in
            let v = u * polynomial(u, count: 15) { vg_permute_f64x8(table[$0], j) }
            let c0 = vg_permute_f64x8(table[15], j)
            fh = c0 + v
            fl = ((c0 - fh) + v) + vg_permute_f64x8(table[16], j)
        }
        let far = a .>= 4
        if anyTrue(far) {
            // G(1/a^2)/(a sqrt(pi)), G = 1 + t G1(t).
            let (h, l) = asymptoticTail(a, (0.5641895835477563, 7.66772980658294e-18), erfcAsymptoticPoly)
            fh = fh.replacing(with: h, where: far)
            fl = fl.replacing(with: l, where: far)
        }
        return (fh, fl)
    }

    /// (c/a)(1 + u P(u)) with u = 1/a^2 as hi + lo, c as hi + lo (P highest degree first): the
    /// asymptotic forms of erfcx and of the normal tail. c/a carries its quotient's remainder.
    @_transparent @usableFromInline
    static func asymptoticTail(_ a: VD, _ c: (hi: Double, lo: Double), _ poly: [Double]) -> (hi: VD, lo: VD) {
        let r = 1 / a
        let u = r * r
        let g = u * horner(poly, u, count: poly.count)
        let gh = 1 + g
        let gl = (1 - gh) + g
        let ch = VD(repeating: c.hi)
        let qh = ch * r
        let p = qh * a
        let ql = (((ch - p) - productError(qh, a, p)) + VD(repeating: c.lo)) * r
        let h = gh * qh
        return (h, fmaD(gh, ql, fmaD(gl, qh, productError(gh, qh, h))))
    }

    /// erfc(a) = (hi + lo) 2^n for a >= 0.5 or NaN (clamped at 27.5, where it rounds to 0);
    /// `erfcx`, when given, is erfcxParts of the clamped a, computed once for two uses.
    @_transparent @usableFromInline
    static func erfcParts(_ a: VD, erfcx: (hi: VD, lo: VD)? = nil) -> (hi: VD, lo: VD, n: VL, gauss: VD) {
        let ac = a.replacing(with: 27.5, where: a .> 27.5)
        let a2 = ac * ac
        let a2l = productError(ac, ac, a2)
        let (r0, rLo, n) = reduceLn2(0 - a2)
        let w = rLo - a2l  // a2l reaches 2^-44: into r first (see powParts)
        let r = r0 + w
        let (eh, el) = expReducedParts(r, (r0 - r) + w)
        let (fh, fl) = erfcx ?? erfcxParts(ac)
        let h = eh * fh
        let l = fmaD(eh, fl, fmaD(el, fh, productError(eh, fh, h)))
        let hi = h + l
        return (hi, (h - hi) + l, n, eh)
    }

    /// erf(x) for |x| < 0.5 as x + x E(x^2): the second term is 0.13 x at most, so its rounding
    /// costs 2^-56 of the result.
    @inlinable @inline(__always)
    static func erfSmallTerm(_ x: VD) -> VD {
        x * horner(erfSmallPoly, x * x, count: erfSmallPoly.count)
    }

    /// Error function (torch.erf) of float64 lanes, within 1 ulp (measured): erf(±0) = ±0,
    /// erf(±inf) = ±1, NaN passes.
    @inlinable @inline(__always)
    public static func erf(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let a = absolute(x)
        var y = VD(repeating: 0)
        let small = a .< 0.5
        if anyTrue(small) { y = x + erfSmallTerm(x) }
        if anyTrue(.!small) {
            let (ch, cl, n, _) = erfcParts(a.replacing(with: 6, where: a .> 6))  // erf(6) rounds to 1
            let s2 = pow2(n)
            let eh = ch * s2, el = cl * s2
            let s = 1 - eh
            let big = s + (((1 - s) - eh) - el)
            y = y.replacing(with: flipSign(big, by: x), where: .!small)
        }
        return y.replacing(with: x, where: x .!= x)
    }

    /// Complementary error function 1 - erf(x) (torch.erfc) of float64 lanes, within 1 ulp
    /// (measured) including the tail down to the denormal results near x = 27.2 (relative
    /// precision kept: no 1 - erf there). erfc(-inf) = 2, erfc(inf) = 0, NaN passes.
    @inlinable @inline(__always)
    public static func erfc(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let a = absolute(x)
        var y = VD(repeating: 0)
        let small = a .< 0.5
        if anyTrue(small) {
            let t = erfSmallTerm(x)
            let s = 1 - x
            y = s + (((1 - s) - x) - t)
        }
        if anyTrue(.!small) {
            let (ch, cl, n, _) = erfcParts(a)
            var tail: VD
            if anyTrue(.!(a .<= 26)) {  // results may be denormal: one rounding, two factors
                tail = scaledWide(ch + cl, n)
            } else {
                tail = (ch + cl) * pow2(n)
            }
            let negative = x .< 0
            if anyTrue(negative .& .!small) {
                // 2 - erfc(a); where 2^n leaves the normal range erfc(a) < 2^-1000 and 2 - it is 2.
                let s2 = pow2(atLeast(n, -1022))
                let eh = ch * s2, el = cl * s2
                let s = 2 - eh
                tail = tail.replacing(with: s + (((2 - s) - eh) - el), where: negative)
            }
            y = y.replacing(with: tail, where: .!small)
        }
        return y.replacing(with: x, where: x .!= x)
    }
}
