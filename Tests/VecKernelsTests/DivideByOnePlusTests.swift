import Foundation
import Testing
@testable import VecKernels

// log1p's float32 gradient gy / (1 + x) (VectorMath.divideByOnePlus: 1 + x carried exactly, the
// reciprocal estimate and one residual step) against the quotient in ReferenceFloat, over the
// points where 1 + x rounds (|x| < 1 and > 1), where it is exact (x near -1), huge and tiny x,
// and the IEEE edges mixed into vectors of ordinary lanes.
@Suite struct DivideByOnePlusTests {
    /// Runs `xs` (with gy from `gys`, cycled) through the kernel 16 lanes at a time and returns
    /// the worst error in ulps over the normal results; a partial last vector is padded with x = 0.
    func worstULP(_ xs: [Float], _ gys: [Float]) -> Double {
        var worst = 0.0
        for start in stride(from: 0, to: xs.count, by: 16) {
            var x = SIMD16<Float>(repeating: 0), gy = SIMD16<Float>(repeating: 1)
            for l in 0..<16 where start + l < xs.count {
                x[l] = xs[start + l]
                gy[l] = gys[(start + l) % gys.count]
            }
            let got = VectorMath.divideByOnePlus(gy, x)
            for l in 0..<16 where start + l < xs.count {
                let exact = ReferenceFloat(gy[l]) / (1 + ReferenceFloat(x[l]))
                let ulp = activationULP(got[l], exact)
                // A denormal result from a gy scaled by 2^64 rounds twice (documented bound).
                let bound = exact.magnitude < 0x1p-126 ? 1.0 : 0.6
                #expect(ulp <= bound, "gy \(gy[l]) / (1 + \(x[l])) = \(got[l]), exact \(exact)")
                if exact.magnitude >= 0x1p-126 { worst = max(worst, ulp) }
            }
        }
        return worst
    }

    @Test func withinAnUlpOfTheExactQuotient() {
        var rng = SplitMix64(seed: 0x1091_0001)
        var xs: [Float] = (0..<20_000).map { _ in Float.random(in: -1...10, using: &rng) }
        xs += (0..<4_000).map { _ in Float.random(in: -1e-3...1e-3, using: &rng) }
        // Magnitudes 2^-140 ... 2^125 of both signs (beyond -1 the quotient is negative).
        for e in stride(from: -140, through: 125, by: 1) {
            let m = Float(sign: .plus, exponent: e, significand: 1.37)
            xs += [m, -m]
        }
        // Consecutive floats where 1 + x is exact (next to -1) and where it rounds most (next to 0, 1).
        for centre: Float in [-1, 0, 1, -0.5] {
            var up = centre, down = centre
            for _ in 0..<200 { up = up.nextUp; down = down.nextDown; xs += [up, down] }
        }
        let gys: [Float] = (0..<97).map { _ in Float.random(in: -1...1, using: &rng) } + [1, -3e-39, 1e30]
        let worst = worstULP(xs, gys)
        #expect(worst > 0.4, "the sweep should reach rounded quotients: worst \(worst)")
    }

    @Test func edgesAsPyTorch() {
        // PyTorch: gy / (x + 1) with 1 + x = 0, +-inf, NaN; gy inf or NaN; overflow; a quotient
        // in the denormals (x = 2^127). Mixed with ordinary lanes in one vector.
        let x: [Float] = [-1, -1, -1, .infinity, .infinity, -.infinity, .nan, 2, 2, 0x1p127, -0.5, 3, 0.25, -0.75, 7, 1e-9]
        let gy: [Float] = [1, -2, 0, 1, -1, 1, 1, .infinity, .nan, 1, 3e38, 1, -1, 0.5, 1e-40, 1]
        var vx = SIMD16<Float>(), vgy = SIMD16<Float>()
        for l in 0..<16 { vx[l] = x[l]; vgy[l] = gy[l] }
        let got = VectorMath.divideByOnePlus(vgy, vx)
        let want: [Float] = [.infinity, -.infinity, .nan, 0, -0.0, -0.0, .nan, .infinity, .nan]
        for l in 0..<want.count {
            #expect(got[l].bitPattern == want[l].bitPattern || (got[l].isNaN && want[l].isNaN), "lane \(l): \(got[l]), want \(want[l])")
        }
        for l in want.count..<16 {
            let exact = ReferenceFloat(gy[l]) / (1 + ReferenceFloat(x[l]))
            #expect(activationULP(got[l], exact) <= 0.6, "lane \(l): gy \(gy[l]) / (1 + \(x[l])) = \(got[l]), exact \(exact)")
        }
    }
}
