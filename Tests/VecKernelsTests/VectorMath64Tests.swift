import Foundation
import Testing
import VecPlatform
@testable import VecKernels

// Max ULP error of VectorMath's SIMD8<Double> functions and gradients against ReferenceMath's
// Float80 formulas: a dense linear grid over each domain, m 10^e for e from -300 to 308 of both
// signs, random points, and the IEEE and overflow/underflow edges, each with its neighbours.
// Every case prints its maximum; all must be within 2 ulp (the logistic family's fast paths
// within 1.25: measured 0.8-1.15).

/// |got - exact| in units of the float64 spacing at the exact value (2^-1074 in the denormal
/// range). An exact value beyond the float64 range counts as met by the matching infinity when
/// it rounds there, and an infinite `got` counts as ±2^1024. NaN must meet NaN, and an exact
/// ±0 must keep its sign.
func ulp64(_ got: Double, _ exact: ReferenceFloat) -> Double {
    if exact.isNaN || got.isNaN { return exact.isNaN && got.isNaN ? 0 : .infinity }
    let rounded = Double(exact)
    if rounded == got && (got != 0 || exact != 0 || got.sign == rounded.sign) { return 0 }
    if exact.isInfinite { return .infinity }
    let magnitude = exact.magnitude
    let spacing: ReferenceFloat = magnitude < 0x1p-1022 ? 0x1p-1074
        : ReferenceFloat(sign: .plus, exponent: min(magnitude.exponent, 1023) - 52, significand: 1)
    if exact == 0 { return got == 0 ? .infinity : Double(ReferenceFloat(got).magnitude / spacing) }
    let g: ReferenceFloat = got.isInfinite ? (got > 0 ? 0x1p1024 : -0x1p1024) : ReferenceFloat(got)
    return Double((g - exact).magnitude / spacing)
}

/// Inputs: `count` points evenly over `domain`, m 10^e (m in {1, 3.7}, e in -300...308 by 1/2) of
/// both signs, `count / 8` random points over the domain, the edge values and `focus`, each edge
/// with its two float64 neighbours. A multiple of 8 long (padded with NaN).
func inputs64(_ domain: ClosedRange<Double>, count: Int = 40000, focus: [Double] = [], seed: UInt64 = 1) -> [Double] {
    var xs = (0...count).map { domain.lowerBound + (domain.upperBound - domain.lowerBound) * Double($0) / Double(count) }
    var e = -300.0
    while e <= 308 {
        let m = Foundation.pow(10, e)
        xs += [m, -m, 3.7 * m, -3.7 * m]
        e += 0.5
    }
    var rng = SplitMix64(seed: seed)
    xs += (0..<(count / 8)).map { _ in Double.random(in: domain, using: &rng) }
    let edges: [Double] = [0, 1, 0.5, 2, .greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude,
                           0x1p-1060, 1e-300, 1e300, 0x1p-54, 0x1p-28, 709.782712893384, 708.39641853226408,
                           745.1332191019411, 744.44007192138121, 709.0895657128241, 0.34657359027997264,
                           0.7071067811865476, 1.4142135623730951, 0.2928932188134524, 0.41421356237309515,
                           0.625, 0.55, 20, 36, 37, 38, 40, 710, 746, 1500] + focus
    for v in edges { xs += [v, -v, v.nextUp, v.nextDown, -v.nextUp, -v.nextDown] }
    xs += [.infinity, -.infinity, .nan, -.nan]
    while xs.count % 8 != 0 { xs.append(.nan) }
    return xs
}

/// Max ULP error of a forward function over xs, and where.
func maxUlp64(_ xs: [Double], _ f: (SIMD8<Double>) -> SIMD8<Double>,
              _ exact: (Double) -> ReferenceFloat) -> (ulp: Double, x: Double) {
    var worst = (ulp: 0.0, x: 0.0)
    for i in stride(from: 0, to: xs.count, by: 8) {
        var v = SIMD8<Double>()
        for j in 0..<8 { v[j] = xs[i + j] }
        let y = f(v)
        for j in 0..<8 {
            let u = ulp64(y[j], exact(v[j]))
            if !(u <= worst.ulp) { worst = (u, v[j]) }
        }
    }
    return worst
}

/// Max ULP error of gx = backward(x, gy) against gy * derivative(x), for gy = 1 and for gy random
/// in [-1, 1].
func maxGradientUlp64(_ xs: [Double], _ backward: (SIMD8<Double>, SIMD8<Double>) -> SIMD8<Double>,
                      _ derivative: (Double) -> ReferenceFloat) -> (ulp: Double, x: Double) {
    var rng = SplitMix64(seed: 7)
    var worst = (ulp: 0.0, x: 0.0)
    for i in stride(from: 0, to: xs.count, by: 8) {
        var v = SIMD8<Double>(), g = SIMD8<Double>(repeating: 1)
        for j in 0..<8 { v[j] = xs[i + j] }
        for pass in 0..<2 {
            if pass == 1 { for j in 0..<8 { g[j] = Double.random(in: -1...1, using: &rng) } }
            let gx = backward(v, g)
            for j in 0..<8 {
                let u = ulp64(gx[j], ReferenceFloat(g[j]) * derivative(v[j]))
                if !(u <= worst.ulp) { worst = (u, v[j]) }
            }
        }
    }
    return worst
}

func expect64(_ name: String, _ result: (ulp: Double, x: Double), bound: Double = 2,
              sourceLocation: SourceLocation = #_sourceLocation) {
    print("VectorMath64 \(name): max \(String(format: "%.3f", result.ulp)) ulp (at x = \(result.x))")
    #expect(result.ulp <= bound, "\(name) at x = \(result.x)", sourceLocation: sourceLocation)
}

/// An activation and its gradient where the gradient crosses zero: 2000 consecutive float64s
/// each side of `root`, a grid over `window` (the Taylor window's edges in `focus`) and a wide
/// sweep down to the tails' denormal results.
func expectNearRoot64(_ name: String, root: Double, wide: ClosedRange<Double>, window: ClosedRange<Double>,
                      focus: [Double], bound: Double = 2, _ forward: (SIMD8<Double>) -> SIMD8<Double>,
                      _ value: (Double) -> ReferenceFloat, _ backward: (SIMD8<Double>, SIMD8<Double>) -> SIMD8<Double>,
                      _ derivative: (Double) -> ReferenceFloat, sourceLocation: SourceLocation = #_sourceLocation) {
    var near: [Double] = []
    var v = root
    for _ in 0..<2000 { v = v.nextDown }
    for _ in 0..<4000 { near.append(v); v = v.nextUp }
    let xs = inputs64(wide, count: 6000, focus: focus) + inputs64(window, count: 4000) + near
    expect64(name, maxUlp64(xs, forward, value), bound: bound, sourceLocation: sourceLocation)
    expect64(name + " backward", maxGradientUlp64(xs, backward, derivative), bound: bound, sourceLocation: sourceLocation)
}

@Suite struct VectorMath64Tests {
    @Test func expFamily() {
        // Measured 0.946 (Sleef's polynomial, one rounding in 2^n (1 + q)).
        expect64("exp", maxUlp64(inputs64(-746...710), { VectorMath.exp($0) }) { ReferenceMath.exp(ReferenceFloat($0)) }, bound: 1)
        expect64("expm1", maxUlp64(inputs64(-3...3), { VectorMath.expm1($0) }) { ReferenceMath.expm1(ReferenceFloat($0)) })
        expect64("expm1 wide", maxUlp64(inputs64(-50...710, count: 8000), { VectorMath.expm1($0) }) {
            ReferenceMath.expm1(ReferenceFloat($0))
        })
        // Signs and edges exactly: -0 stays -0, overflow is inf, the tail is 0 or -1.
        let e = VectorMath.exp(SIMD8<Double>(-0.0, 710, -746, .infinity, -.infinity, .nan, 709.78, -745.13))
        #expect(e[0] == 1 && e[1] == .infinity && e[2] == 0 && e[3] == .infinity && e[4] == 0 && e[5].isNaN)
        #expect(e[6].isFinite && e[7] == 0x1p-1074)
        let m = VectorMath.expm1(SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, 0x1p-1030, -40, 710))
        #expect(m[0] == 0 && m[0].sign == .minus && m[1] == 0 && m[1].sign == .plus)
        #expect(m[2] == .infinity && m[3] == -1 && m[4].isNaN && m[5] == 0x1p-1030 && m[6] == -1 && m[7] == .infinity)
    }

    @Test func logFamily() {
        // fdlibm's bound is 1 (measured: see the doc comment of VectorMath.log).
        expect64("log", maxUlp64(inputs64(0...4), { VectorMath.log($0) }) { ReferenceMath.log(ReferenceFloat($0)) }, bound: 1)
        expect64("log1p", maxUlp64(inputs64(-1...4), { VectorMath.log1p($0) }) {
            ReferenceMath.log1p(ReferenceFloat($0))
        })
        let l = VectorMath.log(SIMD8<Double>(0, -0.0, -1, .infinity, .nan, 1, 0x1p-1074, -.infinity))
        #expect(l[0] == -.infinity && l[1] == -.infinity && l[2].isNaN && l[3] == .infinity && l[4].isNaN)
        #expect(l[5] == 0 && l[6] == Double(-1074 * ReferenceMath.log(2)) && l[7].isNaN)
        let p = VectorMath.log1p(SIMD8<Double>(-0.0, -1, -2, .infinity, .nan, 0x1p-1030, -.infinity, 0))
        #expect(p[0] == 0 && p[0].sign == .minus && p[1] == -.infinity && p[2].isNaN && p[3] == .infinity)
        #expect(p[4].isNaN && p[5] == 0x1p-1030 && p[6].isNaN && p[7] == 0 && p[7].sign == .plus)
    }

    @Test func sigmoidAndTanh() {
        let wide = inputs64(-750...40, count: 20000, focus: [708.4, 708.5, 709.1, 700])  // 700: the common path's edge
        let near = inputs64(-6...6, count: 20000)
        for (label, xs) in [("", wide), (" near 0", near)] {
            expect64("sigmoid" + label, maxUlp64(xs, { VectorMath.sigmoid($0) }) { ReferenceMath.sigmoid(ReferenceFloat($0)) }, bound: 1.25)
            expect64("sigmoid backward" + label, maxGradientUlp64(xs, { VectorMath.sigmoidBackward(x: $0, gy: $1) }) {
                ReferenceMath.sigmoidDerivative(ReferenceFloat($0))
            }, bound: 1.25)
        }
        let tanhWide = inputs64(-380...380, count: 20000, focus: [18.5, 19.1, 354.3, 354.4, 350])
        for (label, xs) in [("", tanhWide), (" near 0", inputs64(-2...2, count: 20000))] {
            // 1.58 ulp over 8e6 points near |x| = 0.17 (q's rounding and the degree-9 polynomial).
            expect64("tanh" + label, maxUlp64(xs, { VectorMath.tanh($0) }) { ReferenceMath.tanh(ReferenceFloat($0)) }, bound: 1.6)
            expect64("tanh backward" + label, maxGradientUlp64(xs, { VectorMath.tanhBackward(x: $0, gy: $1) }) {
                ReferenceMath.tanhDerivative(ReferenceFloat($0))
            }, bound: 1.25)
        }
        let s = VectorMath.sigmoid(SIMD8<Double>(.infinity, -.infinity, .nan, -0.0, 0, -745, -800, 40))
        #expect(s[0] == 1 && s[1] == 0 && s[2].isNaN && s[3] == 0.5 && s[4] == 0.5 && s[5] > 0 && s[6] == 0 && s[7] == 1)
        let t = VectorMath.tanh(SIMD8<Double>(.infinity, -.infinity, .nan, -0.0, 0, 0x1p-1030, -0x1p-1030, 30))
        #expect(t[0] == 1 && t[1] == -1 && t[2].isNaN && t[3] == 0 && t[3].sign == .minus && t[4].sign == .plus)
        #expect(t[5] == 0x1p-1030 && t[6] == -0x1p-1030 && t[7] == 1)
        // An infinite gy stays infinite where the slope is nonzero (the exact split would give NaN).
        let g = VectorMath.sigmoidBackward(x: SIMD8<Double>(0, 1, -1, 800, .nan, 0, 3, -0.0),
                                           gy: SIMD8<Double>(1, 1, 1, 1, 1, .infinity, .nan, -2))
        #expect(g[0] == 0.25 && g[3] == 0 && g[4].isNaN && g[5] == .infinity && g[6].isNaN && g[7] == -0.5)
        #expect(g[1] == g[2] && ulp64(g[1], ReferenceMath.sigmoidDerivative(1)) <= 2)
    }

    /// The common path (every lane within |x| <= 700 and a finite gy) and the careful one (taken
    /// here because of the -inf lane) agree lane by lane within 2 ulp.
    @Test func commonAndCarefulPathsAgree() {
        let x = SIMD8<Double>(-340, -40.5, -3.25, -1.5, -0.0, 0.75, 17, 330)
        var forced = x
        forced[7] = -.infinity
        let gy = SIMD8<Double>(0.625, -1, 0.3, 1, -0.75, 0.5, -0.2, 1)
        let kernels: [(String, (SIMD8<Double>) -> SIMD8<Double>)] = [
            ("sigmoid", { VectorMath.sigmoid($0) }), ("silu", { VectorMath.silu($0) }),
            ("sigmoid backward", { VectorMath.sigmoidBackward(x: $0, gy: gy) }),
            ("tanh backward", { VectorMath.tanhBackward(x: $0, gy: gy) }),
            ("softplus backward", { VectorMath.softplusBackward(x: $0, gy: gy, beta: 1, threshold: 20) }),
            ("logSigmoid backward", { VectorMath.logSigmoidBackward(x: $0, gy: gy) }),
            ("silu backward", { VectorMath.siluBackward(x: $0, gy: gy) }),
            ("elu backward", { VectorMath.eluBackward(x: $0, gy: gy, alpha: 1, scale: 1, inputScale: 1) }),
        ]
        for (name, f) in kernels {
            let common = f(x), careful = f(forced)
            for i in 0..<7 {
                #expect(ulp64(common[i], ReferenceFloat(careful[i])) <= 2, "\(name) at x = \(x[i])")
            }
        }
    }

    @Test func softplus() {
        for (beta, threshold) in [(1.0, 20.0), (2.0, 10.0), (0.7, 15.0), (3.3, 1e300)] {
            let xs = inputs64(-760 / beta ... 40 / beta, count: 6000, focus: [threshold / beta, 708.4 / beta, 745 / beta])
                + inputs64(-6...6, count: 6000)
            expect64("softplus(beta: \(beta), threshold: \(threshold))", maxUlp64(xs, {
                VectorMath.softplus($0, beta: beta, threshold: threshold)
            }) { ReferenceMath.softplus($0, beta: beta, threshold: threshold) })
            expect64("softplus backward(beta: \(beta), threshold: \(threshold))", maxGradientUlp64(xs, {
                VectorMath.softplusBackward(x: $0, gy: $1, beta: beta, threshold: threshold)
            }) { ReferenceMath.softplusDerivative($0, beta: beta, threshold: threshold) }, bound: 1.25)
        }
        // Above the threshold the input and gy pass through unchanged; the tails are 0 and x.
        let x = SIMD8<Double>(20, 20.000000000000004, 1e300, .infinity, -.infinity, .nan, -0.0, 19.9)
        let y = VectorMath.softplus(x, beta: 1, threshold: 20)
        #expect(y[1] == x[1] && y[2] == 1e300 && y[3] == .infinity && y[4] == 0 && y[5].isNaN)
        #expect(y[0] > 20 && ulp64(y[6], ReferenceMath.log(2)) <= 2 && y[7] > 19.9)
        let g = VectorMath.softplusBackward(x: x, gy: SIMD8<Double>(repeating: -0.75), beta: 1, threshold: 20)
        #expect(g[1] == -0.75 && g[2] == -0.75 && g[3] == -0.75 && g[4] == 0 && g[5].isNaN)
        #expect(ulp64(g[6], -0.375) <= 2 && g[0] > -0.75 && g[0] < -0.7499)
    }

    @Test func expBackward() {
        let xs = inputs64(-746...760, count: 20000, focus: [1000, 1400])
        expect64("exp backward", maxGradientUlp64(xs, {
            VectorMath.expBackward(x: $0, y: VectorMath.exp($0), gy: $1)
        }) { ReferenceMath.exp(ReferenceFloat($0)) })
        // e^800 overflows, gy e^800 need not: recomputed (so gy = 0 gives 0, not 0 * inf). An
        // infinite x keeps gy * inf.
        let x = SIMD8<Double>(800, 800, 1400, 710, .infinity, 800, 1, .nan)
        let gy = SIMD8<Double>(1e-300, -1e-300, 0x1p-1063, 0.5, 1e-300, 0, 2, 1)
        let g = VectorMath.expBackward(x: x, y: VectorMath.exp(x), gy: gy)
        let exact = { (i: Int) in ReferenceFloat(gy[i]) * ReferenceMath.exp(ReferenceFloat(x[i])) }
        #expect(ulp64(g[0], exact(0)) <= 2 && ulp64(g[1], exact(1)) <= 2 && ulp64(g[2], exact(2)) <= 2)
        #expect(ulp64(g[3], exact(3)) <= 2 && g[3].isFinite)
        #expect(g[4] == .infinity && g[5] == 0 && g[6] == 2 * VectorMath.exp(x)[6] && g[7].isNaN)
    }

    @Test func sinAndCos() {
        // Near multiples of pi/2 (where the reduction cancels most) up to 2^20 and up to 2^50,
        // plus random points to the vector bound and beyond it (libm lanes).
        var rng = SplitMix64(seed: 3)
        var near: [Double] = []
        for _ in 0..<3000 {
            for bound in [0x1p19, 0x1p50] {
                let k = ReferenceFloat(Double.random(in: 0...bound, using: &rng).rounded())
                let v = Double(k * ReferenceFloat.pi / 2)
                near += [v, v.nextUp, v.nextDown, -v]
            }
            near += [Double.random(in: -0x1p50...0x1p50, using: &rng), Double.random(in: -1e6...1e6, using: &rng)]
        }
        let xs = inputs64(-10...10, count: 20000, focus: [Double.pi / 4, 0x1p20, 0x1p50, 1e22]) + near
        // Measured 1.20 and 1.12 (VectorMath64+TrigFast: one polynomial, two roundings), 1.85 and 1.71 backward.
        expect64("sin", maxUlp64(xs, { VectorMath.sin($0) }) { ReferenceMath.sin(ReferenceFloat($0)) }, bound: 1.5)
        expect64("cos", maxUlp64(xs, { VectorMath.cos($0) }) { ReferenceMath.cos(ReferenceFloat($0)) }, bound: 1.5)
        expect64("sin backward", maxGradientUlp64(xs, { VectorMath.sinBackward(x: $0, gy: $1) }) {
            ReferenceMath.sinDerivative(ReferenceFloat($0))
        })
        expect64("cos backward", maxGradientUlp64(xs, { VectorMath.cosBackward(x: $0, gy: $1) }) {
            ReferenceMath.cosDerivative(ReferenceFloat($0))
        })
        let x = SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, 0x1p-1030, -1e300, .pi)
        let s = VectorMath.sin(x), c = VectorMath.cos(x)
        #expect(s[0] == 0 && s[0].sign == .minus && s[1].sign == .plus && s[2].isNaN && s[3].isNaN && s[4].isNaN)
        #expect(s[5] == 0x1p-1030 && s[6] == Foundation.sin(-1e300) && c[6] == Foundation.cos(-1e300))
        #expect(c[0] == 1 && c[1] == 1 && c[2].isNaN && c[3].isNaN && c[4].isNaN && c[5] == 1 && c[7] == -1)
    }

    @Test func pow() {
        var rng = SplitMix64(seed: 5)
        for p in [0.5, -0.5, 1.7, -3, 3, 2.5, 0.1, 1e-5, 123.456, -777.77, 1e5, 1 / 3.0, 1e15 + 1] {
            // Results near overflow and underflow (x = e^(t/p)) and x near 1, where p log x is small.
            var xs = inputs64(-3...3, count: 4000) + (0..<2000).map { _ in Double.random(in: 0.999...1.001, using: &rng) }
            xs += (0..<2000).map { _ in Foundation.exp(Double.random(in: -745...709.7, using: &rng) / p) }
            expect64("pow(x, \(p))", maxUlp64(xs, { VectorMath.pow($0, p) }) {
                ReferenceMath.pow(ReferenceFloat($0), ReferenceFloat(p))
            })
            expect64("pow backward(p: \(p))", maxGradientUlp64(xs, { VectorMath.powBackward(x: $0, gy: $1, p: p) }) {
                ReferenceMath.powDerivative(ReferenceFloat($0), ReferenceFloat(p))
            })
        }
        // C's pow at the edges: exact values, signs of zero, NaN; p == 0 gives 1 even for NaN.
        let edges: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1, -1, 2, -2, 0.5, -0.5, 0x1p-1030, -8]
        for p in [0, -0.0, 1, 2, 3, -3, -2, 0.5, -0.5, 2.5, -2.5, .infinity, -.infinity, .nan, 1e300, -1e300, 1 / 3.0] {
            for x in edges {
                let got = VectorMath.pow(SIMD8<Double>(repeating: x), p)[0]
                let want = Foundation.pow(x, p)
                let same = got.isNaN ? want.isNaN : (got == want && got.sign == want.sign) || ulp64(got, ReferenceMath.pow(ReferenceFloat(x), ReferenceFloat(p))) <= 2
                #expect(same, "pow(\(x), \(p)) = \(got), C gives \(want)")
            }
        }
        let g0 = VectorMath.powBackward(x: SIMD8<Double>(.nan, 0, .infinity, -1, 2, 3, 4, 5),
                                        gy: SIMD8<Double>(1, 1, 1, .infinity, .nan, 1, 1, 1), p: 0)
        #expect(g0 == SIMD8<Double>(repeating: 0))
        // At x = 0 the gradient follows pow: 0.5 * 0^-0.5 = inf, 2 * 0^1 = 0, 1 * 0^0 = 1.
        let z = SIMD8<Double>(0, -0.0, 0, 0, 0, 0, 0, 0), one = SIMD8<Double>(repeating: 1)
        #expect(VectorMath.powBackward(x: z, gy: one, p: 0.5)[0] == .infinity)
        #expect(VectorMath.powBackward(x: z, gy: one, p: 2)[0] == 0 && VectorMath.powBackward(x: z, gy: one, p: 1)[0] == 1)
        #expect(VectorMath.powBackward(x: z, gy: one, p: -1)[1] == -.infinity)
    }

    @Test func erfAndErfc() {
        // Every piece of erfcx (half-units from 0.5 to 4, then the asymptotic form) with its
        // edges, and the erfc tail down to its denormal results (x ~ 26.6...27.2).
        let focus = stride(from: 0.5, through: 4, by: 0.5).map { $0 } + [5.9, 6, 26, 26.5, 27, 27.2, 27.3]
        let xs = inputs64(-7...7, count: 30000, focus: focus) + inputs64(3.5...28, count: 10000)
        expect64("erf", maxUlp64(xs, { VectorMath.erf($0) }) { ReferenceMath.erf(ReferenceFloat($0)) })
        expect64("erfc", maxUlp64(xs, { VectorMath.erfc($0) }) { ReferenceMath.erfc(ReferenceFloat($0)) })
        let x = SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, 0x1p-1030, 28, -28)
        let e = VectorMath.erf(x), c = VectorMath.erfc(x)
        #expect(e[0] == 0 && e[0].sign == .minus && e[1].sign == .plus && e[2] == 1 && e[3] == -1 && e[4].isNaN)
        #expect(ulp64(e[5], ReferenceMath.erf(ReferenceFloat(0x1p-1030))) <= 2 && e[6] == 1 && e[7] == -1)
        #expect(c[0] == 1 && c[1] == 1 && c[2] == 0 && c[3] == 2 && c[4].isNaN && c[5] == 1 && c[6] == 0 && c[7] == 2)
    }

    @Test func logSigmoidAndElu() {
        let xs = inputs64(-800...40, count: 6000, focus: [708.4, 745]) + inputs64(-5...5, count: 6000)
        // PyTorch's min(x, 0) - log1p(e^-|x|) is +0 where the reference's -(0 + 0) is -0.
        expect64("logSigmoid", maxUlp64(xs, { VectorMath.logSigmoid($0) }) {
            let r = ReferenceMath.logSigmoid(ReferenceFloat($0))
            return r == 0 ? 0 : r
        })
        expect64("logSigmoid backward", maxGradientUlp64(xs, { VectorMath.logSigmoidBackward(x: $0, gy: $1) }) {
            ReferenceMath.logSigmoidDerivative(ReferenceFloat($0))
        }, bound: 1.25)
        // elu, selu, elu with every parameter set, and a negative inputScale (e^z grows for x < 0).
        for (alpha, scale, inputScale) in [(1.0, 1.0, 1.0), (1.6732632423543772848, 1.0507009873554804934, 1.0),
                                           (0.3, 2.5, 1.7), (2.0, 0.5, -0.3)] {
            let name = "elu(alpha: \(alpha), scale: \(scale), inputScale: \(inputScale))"
            let a = ReferenceFloat(alpha), s = ReferenceFloat(scale), i = ReferenceFloat(inputScale)
            expect64(name, maxUlp64(xs, { VectorMath.elu($0, alpha: alpha, scale: scale, inputScale: inputScale) }) {
                ReferenceMath.elu(ReferenceFloat($0), alpha: a, scale: s, inputScale: i)
            })
            expect64(name + " backward", maxGradientUlp64(xs, {
                VectorMath.eluBackward(x: $0, gy: $1, alpha: alpha, scale: scale, inputScale: inputScale)
            }) { ReferenceMath.eluDerivative(ReferenceFloat($0), alpha: a, scale: s, inputScale: i) }, bound: 1.25)
        }
        let x = SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, 1, -1, 800)
        let e = VectorMath.elu(x, alpha: 1, scale: 1, inputScale: 1)
        #expect(e[0] == 0 && e[0].sign == .minus && e[1].sign == .plus && e[2] == .infinity && e[3] == -1 && e[4].isNaN)
        #expect(e[5] == 1 && e[7] == 800)
        let l = VectorMath.logSigmoid(x)
        #expect(l[2] == 0 && l[2].sign == .plus && l[3] == -.infinity && l[4].isNaN && l[7] == 0)
    }

    @Test func silu() {
        let x0 = VectorMath.siluRootD.hi
        expectNearRoot64("silu", root: x0, wide: -800...40, window: -1.4 ... -1.15,
                         focus: [x0 - 0.0625, x0 + 0.0625, 708, 745],
                         { VectorMath.silu($0) }, { ReferenceMath.silu(ReferenceFloat($0)) },
                         { VectorMath.siluBackward(x: $0, gy: $1) }, { ReferenceMath.siluDerivativeNearRoot(ReferenceFloat($0)) })
        let y = VectorMath.silu(SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -1e300, 1e300, 1))
        #expect(y[0].sign == .minus && y[0] == 0 && y[1].sign == .plus && y[2] == .infinity && y[3] == 0 && y[4].isNaN)
        #expect(y[5] == 0 && y[6] == 1e300 && ulp64(y[7], ReferenceMath.silu(1)) <= 2)
    }

    /// silu's grad-mode forward: y bit for bit silu's, and the gradient gy c from c = silu'(x) (one
    /// more rounding than siluBackward from x) within 2 ulp: measured 1.49 (x = -1.21587, the Taylor
    /// window's edge; 1.15 from x); the edges give the values siluBackward from x gives.
    @Test func siluComplement() {
        let x0 = VectorMath.siluRootD.hi
        expectNearRoot64("silu (grad mode)", root: x0, wide: -800...40, window: -1.4 ... -1.15,
                         focus: [x0 - 0.0625, x0 + 0.0625, 708, 745],
                         { VectorMath.siluWithComplement($0).y }, { ReferenceMath.silu(ReferenceFloat($0)) },
                         { VectorMath.siluBackward(complement: VectorMath.siluWithComplement($0).c, gy: $1) },
                         { ReferenceMath.siluDerivativeNearRoot(ReferenceFloat($0)) })
        let xs = inputs64(-800...40, count: 4000, focus: [x0, 700, -700.5])
        for i in stride(from: 0, to: xs.count, by: 8) {
            var v = SIMD8<Double>()
            for j in 0..<8 { v[j] = xs[i + j] }
            let y = VectorMath.siluWithComplement(v).y, ref = VectorMath.silu(v)
            #expect((0..<8).allSatisfy { sameValue(y[$0], ref[$0]) }, "silu grad-mode y at \(v)")
        }
        let x = SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -900, 750, -700.5)
        let c = VectorMath.siluWithComplement(x).c
        for gy in [1.0, -0.5, 0, -0.0, .infinity, -.infinity, .nan, 4] {  // powers of two: gy c is exact
            let g = VectorMath.siluBackward(complement: c, gy: SIMD8(repeating: gy))
            let ref = VectorMath.siluBackward(x: x, gy: SIMD8(repeating: gy))
            #expect((0..<8).allSatisfy { g[$0] == ref[$0] || g[$0].isNaN && ref[$0].isNaN }, "silu' from c, gy = \(gy): \(g), from x \(ref)")
        }
        // Zeros keep IEEE's sign of gy f'(x), as PyTorch's (torch.ops.aten.silu_backward at x = 0, -0, -700.5
        // printed [0.0, 0.0, -0.0] for gy = 0 and [-0.0, -0.0, 0.0] for gy = -0), where from x the far
        // tail's scaled product gave +0.
        for (gy, signs) in [(0.0, [FloatingPointSign.plus, .plus, .minus]), (-0.0, [.minus, .minus, .plus])] {
            let g = VectorMath.siluBackward(complement: c, gy: SIMD8(repeating: gy))
            #expect(g[0] == 0 && g[1] == 0 && g[7] == 0 && [g[0].sign, g[1].sign, g[7].sign] == signs, "gy = \(gy): \(g)")
        }
    }

    @Test func gelu() {
        // Also the pieces' ends (t = |x| a multiple of 1/2), the asymptotic form from |x| = 8 on,
        // and the left tail's denormal results. Measured: forward 1.05 ulp (x = -35.3), backward
        // 0.98 (x = -0.8997, just outside the root's series).
        let x0 = VectorMath.geluRootD.hi
        expectNearRoot64("gelu", root: x0, wide: -45...10, window: -0.9 ... -0.6,
                         focus: [x0 - 0.125, x0 + 0.125, 0.5, 1, 7.5, 8, 37.5, 38.5, 50], bound: 1.25,
                         { VectorMath.gelu($0) }, { ReferenceMath.gelu(ReferenceFloat($0)) },
                         { VectorMath.geluBackward(x: $0, gy: $1) }, { ReferenceMath.geluDerivativeNearRoot(ReferenceFloat($0)) })
        let y = VectorMath.gelu(SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -50, 1e300, 1))
        #expect(y[0] == 0 && y[0].sign == .minus && y[1].sign == .plus && y[2] == .infinity && y[3] == 0 && y[4].isNaN)
        #expect(y[5] == 0 && y[6] == 1e300 && ulp64(y[7], ReferenceMath.gelu(1)) <= 2)
    }
}
