import Foundation
import Testing
@testable import VecKernels

// float32 pow with a general exponent goes through e^(p ln|x|) in float64 lanes with table-driven
// log and exp (VectorMath64+PowFloat32), good to ~2^-41 of the result: rounded once to float32,
// it must be the correctly rounded x^p wherever that is not within 2^-17 ulp of a tie, over every
// binade, near x = 1 (where a huge p still gives a finite result: p = ±3000 reaches the far edge
// of the sixteenth around 1, where ln(1 + r) to r^7 was off by thousandths of an ulp), for
// denormal inputs and results, across the table's sixteenths and the binade wrap at m = 63/32,
// and through the gradient gy p x^(p-1).
@Suite("float32 pow, general exponent")
struct PowFloat32Tests {
    static let exponents: [Double] = [1.5, 1.7, -2.5, 0.3, 13.25, -0.75, 100.5, 5, -3, 7, 1e-3, 2.5e-7, 0.5000001, -1e-5,
                                      1000, -1000, 3000, -3000, 1e6, -3.3e5]

    static func inputs() -> [Float] {
        var rng = SplitMix64(seed: 41)
        var xs: [Float] = (0..<20_000).map { _ in Float(sign: .plus, exponent: Int.random(in: -149...127, using: &rng),
                                                         significand: Float.random(in: 1..<2, using: &rng)) }
        xs += (-300...300).map { 1 + Float($0) * 0x1p-23 }
        xs += (0..<2000).map { _ in Float.random(in: 0.9...1.1, using: &rng) }
        xs += (0..<4000).map { _ in Float.random(in: 1.01...1.04, using: &rng) }
        for j in 0..<16 {  // the sixteenths' edges (c ± 1/32) and the wrap just below 2
            let edge = Float(1 + (Double(j) + 0.5) / 16)
            xs += [edge, edge.nextUp, edge.nextDown, 2 * edge, 0.5 * edge.nextDown]
        }
        xs += [Float(63.0 / 32).nextDown, Float(63.0 / 32), 2, Float(2).nextDown, 1e-45, 1e-40, .leastNormalMagnitude, .greatestFiniteMagnitude]
        return xs
    }

    /// 0.5 ulp plus 2^-12 of slack for the ~2^-41 error before the one rounding (a tie within it
    /// may round either way, like any float64 pow rounded to float32).
    @Test func correctlyRoundedOverBinadesAndNearOne() {
        let xs = Self.inputs()
        for p in Self.exponents {
            var y = xs
            Elementwise.forward(.pow(p), xs, &y, count: xs.count, variant: .simd)
            var worst = 0.0, at: Float = 0
            for (x, v) in zip(xs, y) {
                let e = ulpError(v, Double(Foundation.pow(ReferenceFloat(x), ReferenceFloat(p))))
                if e > worst { worst = e; at = x }
            }
            print("pow(\(p)) float32: max \(worst) ulp at x = \(at)")
            #expect(worst <= 0.5 + 0x1p-12, "pow(\(p)) float32: \(worst) ulp at x = \(at)")
        }
    }

    /// The gradient gy p x^(p-1) goes through the same e^((p-1) ln|x|) (x^1.5's through sqrt):
    /// within 0.5 ulp plus the slack of gy p's and the product's roundings in float64 (none at
    /// float32 precision), gy = 1 and a gy that makes p x^(p-1) underflow-sensitive.
    @Test func gradientCorrectlyRounded() {
        let xs = Self.inputs()
        for p in Self.exponents where p != 1.5 {
            for gy: Float in [1, -0.375, 3e-30] {
                var g = xs
                Elementwise.backward(.pow(p), x: xs, y: xs, gy: [Float](repeating: gy, count: xs.count), gx: &g,
                                     count: xs.count, variant: .simd)
                var worst = 0.0, at: Float = 0
                for (x, v) in zip(xs, g) {
                    let ref = ReferenceFloat(gy) * ReferenceFloat(p) * Foundation.pow(ReferenceFloat(x), ReferenceFloat(p) - 1)
                    let e = ulpError(v, Double(ref))
                    if e > worst { worst = e; at = x }
                }
                #expect(worst <= 0.5 + 0x1p-12, "pow(\(p)) float32 gradient (gy \(gy)): \(worst) ulp at x = \(at)")
            }
        }
    }

    /// Negative x: NaN for a non-integer exponent, the sign of x for an odd integer; zeros, infinities
    /// and NaN give C's values.
    @Test func signsAndEdges() {
        let xs: [Float] = [-2, -0.5, -1e-40, -3e38, 0, -0.0, .infinity, -.infinity, .nan]
        for p in [3.0, -3, 7, 4, 1.7, -2.5] {
            var y = xs
            Elementwise.forward(.pow(p), xs, &y, count: xs.count, variant: .simd)
            for (x, v) in zip(xs, y) {
                let ref = Float(Foundation.pow(Double(x), p))
                #expect(ulpError(v, Double(Foundation.pow(ReferenceFloat(x), ReferenceFloat(p)))) <= 0.5 + 0x1p-12 || (v.isNaN && ref.isNaN),
                        "pow(\(x), \(p)) = \(v), C's pow \(ref)")
            }
        }
    }
}
