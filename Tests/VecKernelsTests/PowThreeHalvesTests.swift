import Foundation
import Testing
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
}
