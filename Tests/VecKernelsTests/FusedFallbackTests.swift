import Foundation
import Testing
import VecPlatform
@testable import VecKernels

// The float32 fma of a build without FMA hardware (VectorMath.fusedInFloat64), checked in every
// build: CI's tests run flagged, where `fma` never reaches it. The kernels' exact splits need its
// results exact where the true value is a float32 (a product's rounding error, a Cody-Waite
// residual); elsewhere it may differ from the fused instruction by a double rounding only.
@Suite struct FusedFallbackTests {
    typealias V = SIMD16<Float>

    static func vectors(_ count: Int, seed: UInt64, scale: ClosedRange<Double>) -> [V] {
        var rng = VecPlatform.SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var v = V()
            for i in 0..<16 {
                let magnitude = Foundation.pow(2, Double(Int(rng.uniform(scale))))
                v[i] = Float((rng.nextUnit() * 2 - 1) * magnitude)
            }
            return v
        }
    }

    @Test func productErrorsAreExact() {
        let a = Self.vectors(2000, seed: 1, scale: -40...40), b = Self.vectors(2000, seed: 2, scale: -40...40)
        for (x, y) in zip(a, b) {
            let p = x * y
            let e = VectorMath.fusedInFloat64(x, y, -p)
            for i in 0..<16 {
                // Exact: a float32 product fits in 53 bits, and its error (above 2^-104 here) in 24.
                let exact = Double(x[i]) * Double(y[i]) - Double(p[i])
                #expect(Double(e[i]) == exact, "\(x[i]) * \(y[i]): \(e[i]) against \(exact)")
            }
        }
    }

    @Test func agreesWithTheFusedInstructionWithinADoubleRounding() {
        let a = Self.vectors(2000, seed: 3, scale: -20...20), b = Self.vectors(2000, seed: 4, scale: -20...20)
        let c = Self.vectors(2000, seed: 5, scale: -40...40)
        var differing = 0
        for k in a.indices {
            let got = VectorMath.fusedInFloat64(a[k], b[k], c[k])
            let fused = c[k].addingProduct(a[k], b[k])   // libm's fmaf per lane where the build has no FMA
            for i in 0..<16 where got[i] != fused[i] {
                differing += 1
                #expect(abs(Double(got[i]) - Double(fused[i])) <= Double(fused[i].ulp), "lane \(i): \(got[i]) against \(fused[i])")
            }
        }
        #expect(differing <= 2, "\(differing) of 32000 results differ from the fused one")
    }

    @Test func codyWaiteResidualsAreExact() {
        // r0 = x - n ln2Hi (ln2Hi has 9 significant bits): exact for |n| < 2^14, as the kernels rely on.
        for n in stride(from: -150, through: 150, by: 1) {
            let x = V(repeating: Float(n) * 0.6931472 + 0.173)
            let nf = V(repeating: Float(n))
            let r = VectorMath.fusedInFloat64(nf, V(repeating: -VectorMath.ln2Hi), x)
            #expect(Double(r[0]) == Double(x[0]) - Double(n) * Double(VectorMath.ln2Hi))
        }
    }
}
