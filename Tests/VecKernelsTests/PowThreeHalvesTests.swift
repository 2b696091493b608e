import Foundation
import Testing
import CVecShim
@testable import VecKernels

// x^1.5 and its gradient from one square root and its residual (VectorMath+PowThreeHalves): within
// half an ulp of the exact value (plus 2^-37 relative) wherever the result is normal, over every
// binade, both sides of the 2^-60 and 2^126 switches to float64 lanes, and pow's edges.

@Suite struct PowThreeHalvesTests {
    /// Every float32 binade (8 random significands each), the switch points and their
    /// neighbours, exact squares, zeros, infinities, NaN and negative numbers.
    static var inputs32: [Float] {
        var rng = SplitMix64(seed: 15)
        var xs: [Float] = []
        for e in -149...127 {
            xs += (0..<8).map { _ in Float(sign: .plus, exponent: e, significand: Float.random(in: 1..<2, using: &rng)) }
        }
        for v: Float in [0x1p-60, 0x1p100, 0x1p126, 0x1p101, 4, 9, 2.25, 0.25, 1, .greatestFiniteMagnitude, .leastNormalMagnitude, 0x1.16p-133] {
            xs += [v, v.nextUp, v.nextDown, -v]
        }
        xs += [0, -0.0, .infinity, -.infinity, .nan]
        while xs.count % 16 != 0 { xs.append(.nan) }
        return xs
    }

    /// Half an ulp where the exact value is above 2^-100 (the pieces' rounding adds ~2^-14 ulp),
    /// one ulp below (the correction term, 2^-24 of the result, rounds to the denormal spacing).
    static func bound32(_ exact: Double) -> Double { exact.magnitude < 0x1p-100 ? 1 : 0.5005 }

    @Test func float32ForwardIsCorrectlyRoundedAlmost() {
        let xs = Self.inputs32
        var worst = (ulp: 0.0, x: Float(0))
        for i in stride(from: 0, to: xs.count, by: 16) {
            let v = SIMD16<Float>(xs[i..<i + 16])
            let y = VectorMath.powThreeHalves(v)
            for j in 0..<16 {
                let exact = Foundation.pow(Double(v[j]), 1.5)
                let u = ulpError(y[j], exact)
                #expect(u <= Self.bound32(exact), "pow(\(v[j]), 1.5) = \(y[j]), exact \(exact)")
                if u > worst.ulp { worst = (u, v[j]) }
            }
        }
        print("pow(x, 1.5) float32: max \(worst.ulp) ulp at x = \(worst.x)")
        // pow's edges: -0 gives +0, -inf +inf, a negative number NaN.
        let e = VectorMath.powThreeHalves(SIMD16<Float>(0, -0.0, .infinity, -.infinity, -1, .nan, 4, 2.25,
                                                        0, 0, 0, 0, 0, 0, 0, 0))
        #expect(e[1] == 0 && e[1].sign == .plus && e[2] == .infinity && e[3] == .infinity)
        #expect(e[4].isNaN && e[5].isNaN && e[6] == 8 && e[7] == 3.375)
    }

    @Test func float32GradientIsCorrectlyRoundedAlmost() {
        let xs = Self.inputs32
        var rng = SplitMix64(seed: 16)
        // gy = 1, random signs and sizes, and the extremes: an overflowing 1.5 gy, denormal results,
        // infinities and NaN.
        let extremes: [Float] = [3e38, -3e38, 1e-38, 0x1.4p-146, .infinity, -.infinity, .nan, 0, -0.0]
        var worst = (ulp: 0.0, x: Float(0))
        for pass in 0..<(2 + extremes.count) {
            for i in stride(from: 0, to: xs.count, by: 16) {
                let v = SIMD16<Float>(xs[i..<i + 16])
                var g = SIMD16<Float>(repeating: pass == 0 ? 1 : pass >= 2 ? extremes[pass - 2] : 0)
                if pass == 1 {
                    for j in 0..<16 {
                        g[j] = Float(sign: Bool.random(using: &rng) ? .minus : .plus, exponent: Int.random(in: -20...20, using: &rng),
                                     significand: Float.random(in: 1..<2, using: &rng))
                    }
                }
                let gx = VectorMath.powThreeHalvesBackward(x: v, gy: g)
                for j in 0..<16 {
                    let exact = Double(g[j]) * (1.5 * Foundation.pow(Double(v[j]), 0.5))
                    let u = ulpError(gx[j], exact)
                    #expect(u <= Self.bound32(exact), "gy \(g[j]) at x = \(v[j]): \(gx[j]), exact \(exact)")
                    if u > worst.ulp { worst = (u, v[j]) }
                }
            }
        }
        print("pow(x, 1.5) float32 gradient: max \(worst.ulp) ulp at x = \(worst.x)")
    }

    @Test func float64ForwardIsCorrectlyRoundedAlmost() {
        var rng = SplitMix64(seed: 17)
        var xs = inputs64(0...100, count: 4000, focus: [0x1p-681, 0x1p-700, 0x1p682, 0x1p700, 0x1p718, 2.25, 0x1p-1000])
        for e in -1074...1023 { xs += (0..<4).map { _ in Double(sign: .plus, exponent: e, significand: Double.random(in: 1..<2, using: &rng)) } }
        var worst = (ulp: 0.0, x: 0.0)
        for i in stride(from: 0, to: xs.count - 7, by: 8) {
            var v = SIMD8<Double>()
            for j in 0..<8 { v[j] = xs[i + j] }
            let y = VectorMath.powThreeHalves(v)
            for j in 0..<8 {
                let exact = ReferenceMath.pow(ReferenceFloat(v[j]), 1.5)
                let u = ulp64(y[j], exact)
                // Results below ~2^-1000: the correction term rounds to the denormal spacing as well.
                #expect(u <= (exact.magnitude < 0x1p-1000 ? 1 : 0.5005), "pow(\(v[j]), 1.5) = \(y[j])")
                if u > worst.ulp { worst = (u, v[j]) }
            }
        }
        print("pow(x, 1.5) float64: max \(worst.ulp) ulp at x = \(worst.x)")
        let e = VectorMath.powThreeHalves(SIMD8<Double>(0, -0.0, .infinity, -.infinity, -1, .nan, 4, 0x1p700))
        #expect(e[1] == 0 && e[1].sign == .plus && e[2] == .infinity && e[3] == .infinity)
        #expect(e[4].isNaN && e[5].isNaN && e[6] == 8 && e[7] == .infinity)
    }

    @Test func float64GradientWithinOneAndAHalfUlp() {
        var rng = SplitMix64(seed: 18)
        var xs = inputs64(0...100, count: 4000, focus: [0x1p-1000, 0x1p1000, 2.25])
        for e in -1074...1023 { xs += (0..<2).map { _ in Double(sign: .plus, exponent: e, significand: Double.random(in: 1..<2, using: &rng)) } }
        while xs.count % 8 != 0 { xs.append(1) }
        expect64("pow(x, 1.5) backward", maxGradientUlp64(xs, { VectorMath.powThreeHalvesBackward(x: $0, gy: $1) }) {
            ReferenceMath.powDerivative(ReferenceFloat($0), 1.5)
        }, bound: 1.5)
        // pow's edges: the gradient at -0 is +0 gy, at -inf inf, NaN for x < 0; 0 * inf is NaN.
        let g = VectorMath.powThreeHalvesBackward(x: SIMD8<Double>(-0.0, -.infinity, -1, .nan, .infinity, 0, 4, -0x1p-1074),
                                                  gy: SIMD8<Double>(-1, 1, 1, 1, 1, .infinity, 2, 1))
        #expect(g[0] == 0 && g[0].sign == .minus && g[1] == .infinity && g[2].isNaN && g[3].isNaN)
        #expect(g[4] == .infinity && g[5].isNaN && g[6] == 6 && g[7].isNaN)
    }

    /// sqrtByIteration (the pair loop's second root) against the correctly rounded root: equal
    /// on random x of every binade in [2^-1000, 2^1000), within 1 ulp at roots that lie close
    /// to a rounding midpoint (the successor of 1: sqrt is 1 + 2^-53 - 2^-107).
    @Test func float64RootByIterationMatchesSqrt() {
        guard vg_compiled_isa_level() >= 2 else { return }  // the loop that uses it is AVX-512's
        var rng = SplitMix64(seed: 19)
        var xs: [Double] = []
        for e in -1000...999 { xs += (0..<16).map { _ in Double(sign: .plus, exponent: e, significand: Double.random(in: 1..<2, using: &rng)) } }
        var differ = 0
        for i in stride(from: 0, to: xs.count, by: 8) {
            let v = SIMD8<Double>((0..<8).map { xs[i + $0] })
            let s = VectorMath.sqrtByIteration(v)
            for j in 0..<8 where s[j] != v[j].squareRoot() { differ += 1 }
        }
        #expect(differ == 0, "\(differ) of \(xs.count) roots differ from vsqrtpd's")
        let hard = SIMD8<Double>(1.0.nextUp, 4.0.nextUp, 2.0.nextDown, 0x1p-1000, 0x1p1000.nextDown, 2, 0.5, 9)
        let s = VectorMath.sqrtByIteration(hard)
        for j in 0..<8 { #expect((s[j] - hard[j].squareRoot()).magnitude <= hard[j].squareRoot().ulp, "sqrt(\(hard[j]))") }
    }

    /// The float64 backward through the driver, which hands pow(1.5) two vectors at a time:
    /// pairs in range take one root from vsqrtpd and one by iteration, pairs with an edge lane
    /// (x outside [2^-1000, 2^1000), |gy| from 2^1000, NaN) the single form twice. Every
    /// element equals the single form's, and 1, 2 and 16 threads give the same bits.
    @Test func float64GradientInPairsEqualsTheSingleForm() throws {
        var rng = SplitMix64(seed: 20)
        var xs: [Double] = [], gys: [Double] = []
        for e in -1074...1023 {
            xs += (0..<8).map { _ in Double(sign: .plus, exponent: e, significand: Double.random(in: 1..<2, using: &rng)) }
        }
        xs.shuffle(using: &rng)
        gys = xs.map { _ in Double.random(in: -4...4, using: &rng) }
        // Edges scattered over both vectors of some pairs, and extreme gy beside in-range x.
        let edges: [(Double, Double)] = [(0, -1), (-0.0, 1), (.infinity, 1), (-.infinity, 1), (-1, 1), (.nan, 1),
                                         (4, .infinity), (4, -.infinity), (4, .nan), (4, 0x1p1000), (4, -0.0), (4, 0),
                                         (0x1p-1000, 1), (0x1p1000, 1), (0x1p-1074, -2), (1.0.nextUp, 3)]
        for (k, (x, g)) in edges.enumerated() { xs[37 * k + 5] = x; gys[37 * k + 5] = g }
        // Roots within k^2 2^-107 of a rounding midpoint (sqrt(1 + k 2^-52), k odd), in the second
        // vector of a pair, where the iterated root may round the other way.
        let hard = Set((0..<6).map { 16 * (100 + $0) + 9 })
        for (k, i) in hard.sorted().enumerated() { xs[i] = (1 + Double(2 * (k % 3) + 1) * 0x1p-52) * (k < 3 ? 1 : 4); gys[i] = 1 }
        let n = xs.count - 3  // a tail that is not a whole vector, and an odd vector count
        func run(threads: Int) -> [Double] {
            var gx = [Double](repeating: 0, count: n)
            Elementwise.backward(.pow(1.5), x: xs, y: xs, gy: gys, gx: &gx, count: n, variant: threads == 1 ? .simd : .parallel, threads: threads)
            return gx
        }
        let one = run(threads: 1)
        for t in [2, 16] { #expect(run(threads: t).elementsEqual(one, by: { $0.bitPattern == $1.bitPattern }), "\(t) threads") }
        var differ = 0
        for i in 0..<n {
            var x = SIMD8<Double>(repeating: 1), g = SIMD8<Double>(repeating: 1)
            x[0] = xs[i]; g[0] = gys[i]
            let single = VectorMath.powThreeHalvesBackward(x: x, gy: g)[0]
            if single.bitPattern == one[i].bitPattern || (single.isNaN && one[i].isNaN) { continue }
            if !hard.contains(i) { differ += 1 }
            // Only where the iterated root rounds the other way: within an ulp of the single form.
            #expect((single - one[i]).magnitude <= single.ulp, "x = \(xs[i]), gy = \(gys[i]): \(one[i]) against \(single)")
        }
        #expect(differ == 0, "\(differ) of \(n) random gradients differ from the single form's")
        let inRange = (0..<n).filter { xs[$0] > 0 && xs[$0].isFinite && gys[$0].isFinite }
        let worst = try #require(inRange.map { i in
            ulp64(one[i], ReferenceFloat(gys[i]) * ReferenceMath.powDerivative(ReferenceFloat(xs[i]), 1.5))
        }.max())
        #expect(worst <= 1.5)
    }
}
