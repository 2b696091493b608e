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
}
