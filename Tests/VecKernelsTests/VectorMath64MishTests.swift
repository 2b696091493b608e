import Foundation
import Testing
@testable import VecKernels

// mish and gelu(approximate="tanh") on SIMD8<Double> against ReferenceMath (Float80), with the
// helpers of VectorMath64Tests: the zero of each gradient, the Taylor window's edges, the switch
// to the left tails (x = -708 for mish, the clamps at ±30 and ±40), denormal results and the IEEE
// edges, each within 2 ulp.
@Suite struct VectorMath64MishTests {
    @Test func mish() {
        let x0 = VectorMath.mishRootD.hi
        expectNearRoot64("mish", root: x0, wide: -800...45, window: -1.3 ... -1.1,
                         focus: [x0 - 0.0625, x0 + 0.0625, -708, -745, -751, -760, -800, 40, 1e-310],
                         { VectorMath.mish($0) }, { ReferenceMath.mish(ReferenceFloat($0)) },
                         { VectorMath.mishBackward(x: $0, gy: $1) }, { ReferenceMath.mishDerivativeNearRoot(ReferenceFloat($0)) })
        let y = VectorMath.mish(SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -1e300, 1e300, 1))
        #expect(y[0] == 0 && y[0].sign == .minus && y[1].sign == .plus && y[2] == .infinity && y[3] == 0 && y[4].isNaN)
        #expect(y[3].sign == .minus && y[5] == 0 && y[6] == 1e300 && ulp64(y[7], ReferenceMath.mish(1)) <= 2)
        let g = VectorMath.mishBackward(x: SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -1e300, 1e300, 1),
                                        gy: SIMD8<Double>(repeating: 2))
        #expect(g[2] == 2 && g[3] == 0 && g[3].sign == .minus && g[4].isNaN && g[5] == 0 && g[6] == 2)
        #expect(ulp64(g[0], 2 * ReferenceMath.mishDerivative(0)) <= 2)
    }

    @Test func geluTanh() {
        let x0 = VectorMath.geluTanhRootD.hi
        expectNearRoot64("gelu(tanh)", root: x0, wide: -35...35, window: -0.9 ... -0.6,
                         focus: [x0 - 0.0625, x0 + 0.0625, -21, -21.5, -22, -30, 30, 1e-310],
                         { VectorMath.geluTanh($0) }, { ReferenceMath.geluTanh(ReferenceFloat($0)) },
                         { VectorMath.geluTanhBackward(x: $0, gy: $1) },
                         { ReferenceMath.geluTanhDerivativeNearRoot(ReferenceFloat($0)) })
        let y = VectorMath.geluTanh(SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -1e300, 1e300, 1))
        #expect(y[0] == 0 && y[0].sign == .minus && y[1].sign == .plus && y[2] == .infinity && y[3] == 0 && y[4].isNaN)
        #expect(y[3].sign == .minus && y[5] == 0 && y[6] == 1e300 && ulp64(y[7], ReferenceMath.geluTanh(1)) <= 2)
        let g = VectorMath.geluTanhBackward(x: SIMD8<Double>(-0.0, 0, .infinity, -.infinity, .nan, -1e300, 1e300, 1),
                                            gy: SIMD8<Double>(repeating: -2))
        #expect(g[0] == -1 && g[1] == -1 && g[2] == -2 && g[3] == 0 && g[3].sign == .plus && g[4].isNaN)
        #expect(g[5] == 0 && g[6] == -2)
    }

    /// Within |x| <= 20 every lane of a vector takes the fast forms (VectorMath64+GeluTanhFast):
    /// the same sweep there, its edge at ±20, and the grad-mode forward, whose y must be the
    /// forward's bit for bit and whose c gives gy c within 2 ulp of gy gelu'(x).
    @Test func geluTanhFastForms() {
        let x0 = VectorMath.geluTanhRootD.hi
        let focus = [x0 - 0.0625, x0 + 0.0625, -20, 20, -19.999, 1e-310, -1e-300, 0.5]
        expectNearRoot64("gelu(tanh) |x| <= 20", root: x0, wide: -20...20, window: -0.9 ... -0.6, focus: focus,
                         { VectorMath.geluTanh($0) }, { ReferenceMath.geluTanh(ReferenceFloat($0)) },
                         { VectorMath.geluTanhBackward(x: $0, gy: $1) },
                         { ReferenceMath.geluTanhDerivativeNearRoot(ReferenceFloat($0)) })
        expectNearRoot64("gelu(tanh) grad mode", root: x0, wide: -20...20, window: -0.9 ... -0.6, focus: focus,
                         { VectorMath.geluTanhWithComplement($0).y }, { ReferenceMath.geluTanh(ReferenceFloat($0)) },
                         { VectorMath.geluTanhWithComplement($0).c * $1 },
                         { ReferenceMath.geluTanhDerivativeNearRoot(ReferenceFloat($0)) })
        for range in [-20.0...20, -35...35] {
            let xs = inputs64(range, count: 4000, focus: focus)
            for i in stride(from: 0, to: xs.count - 7, by: 8) {
                var v = SIMD8<Double>()
                for j in 0..<8 { v[j] = xs[i + j] }
                let y = VectorMath.geluTanhWithComplement(v).y, ref = VectorMath.geluTanh(v)
                #expect((0..<8).allSatisfy { sameValue(y[$0], ref[$0]) }, "gelu(tanh) grad-mode y at \(v)")
            }
        }
        // ±0 in fast vectors keep their sign; the gradient there is gy / 2.
        let z = SIMD8<Double>(-0.0, 0, 1, -1, 19, -19, 0.25, -0.25)
        let y = VectorMath.geluTanh(z), g = VectorMath.geluTanhBackward(x: z, gy: SIMD8(repeating: 3))
        #expect(y[0] == 0 && y[0].sign == .minus && y[1] == 0 && y[1].sign == .plus && g[0] == 1.5 && g[1] == 1.5)
        #expect(y[4] == 19 && ulp64(y[5], ReferenceMath.geluTanh(-19)) <= 2)
    }
}
