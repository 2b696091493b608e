import Foundation
import CVecShim
import Testing
@testable import VecKernels

// Accuracy of the float32 activation kernels (VectorMath+Erf, +Gelu, +Silu, +Elu, +Mish, and
// sigmoid and tanh with their gradients from Logistic.slope) against
// ReferenceMath+Activations in ReferenceFloat (Float80 on x86-64), forward and gradient (gy = 1
// and gy random in [-1, 1]), over a dense grid, runs of consecutive floats at the points where
// the formulas switch or cancel, a sweep of magnitudes of both signs and the IEEE edges.

/// |got - exact| in float32 ulps at `exact` (2^-149 in the denormal range, 2^104 beyond FLT_MAX,
/// where an infinite `got` counts as +-2^128 unless `exact` itself rounds to that infinity). NaN
/// must meet NaN, an infinite exact value must be met exactly, and an exact zero must be met with
/// its sign.
func activationULP(_ got: Float, _ exact: ReferenceFloat) -> Double {
    if exact.isNaN || got.isNaN { return exact.isNaN && got.isNaN ? 0 : .infinity }
    if Float(exact).isInfinite && got == Float(exact) { return 0 }  // overflowed as it should
    if exact.isInfinite { return .infinity }
    if exact == 0 { return got == 0 ? (got.sign == exact.sign ? 0 : .infinity) : Double(got.magnitude / 0x1p-149) }
    let g: ReferenceFloat = got.isInfinite ? (got > 0 ? 0x1p128 : -0x1p128) : ReferenceFloat(got)
    let exponent = max(min(Int(exact.exponent), 127) - 23, -149)
    return Double((g - exact).magnitude / ReferenceFloat(sign: .plus, exponent: exponent, significand: 1))
}

/// One activation: kernels and reference, and the points where it deserves a closer look.
struct ActivationCase: CustomStringConvertible, Sendable {
    let name: String
    let forward: @Sendable (SIMD16<Float>) -> SIMD16<Float>
    let value: @Sendable (ReferenceFloat) -> ReferenceFloat
    /// nil for erf and erfc, which have no backward kernel.
    let backward: (@Sendable (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>)?
    let derivative: (@Sendable (ReferenceFloat) -> ReferenceFloat)?
    /// Zeros of the derivative, underflow and branch points: each gets runs of consecutive floats.
    let focus: [Float]
    var description: String { name }
}

/// A derivative root x0 with the edges of the window where its Taylor series takes over.
func rootFocus(_ root: Double) -> [Float] {
    [Float(root), Float(root - VectorMath.rootWindow), Float(root + VectorMath.rootWindow)]
}

func eluCase(_ name: String, alpha: Float, scale: Float, inputScale: Float) -> ActivationCase {
    let (a, s, i) = (ReferenceFloat(alpha), ReferenceFloat(scale), ReferenceFloat(inputScale))
    return ActivationCase(
        name: name,
        forward: { VectorMath.elu($0, alpha: alpha, scale: scale, inputScale: inputScale) },
        value: { ReferenceMath.elu($0, alpha: a, scale: s, inputScale: i) },
        backward: { VectorMath.eluBackward(x: $0, gy: $1, alpha: alpha, scale: scale, inputScale: inputScale) },
        derivative: { ReferenceMath.eluDerivative($0, alpha: a, scale: s, inputScale: i) },
        focus: [0, -40 / inputScale, -87.3 / inputScale, -103.3 / inputScale])
}

let activationCases: [ActivationCase] = [
    ActivationCase(name: "erf", forward: { VectorMath.erf($0) }, value: { Foundation.erf($0) },
                   backward: nil, derivative: nil, focus: [0x1p-9, -0x1p-9, 0, 3.9, -3.9]),
    ActivationCase(name: "erfc", forward: { VectorMath.erfc($0) }, value: { Foundation.erfc($0) },
                   backward: nil, derivative: nil, focus: [9.1, 10.05, 12, 0, -0x1p-9]),
    ActivationCase(name: "gelu", forward: { VectorMath.gelu($0) }, value: { ReferenceMath.gelu($0) },
                   backward: { VectorMath.geluBackward(x: $0, gy: $1) }, derivative: { ReferenceMath.geluDerivative($0) },
                   focus: rootFocus(VectorMath.geluRoot.hi) + [0, -13.2, -14.2, -16.9]),
    ActivationCase(name: "geluTanh", forward: { VectorMath.geluTanh($0) }, value: { ReferenceMath.geluTanh($0) },
                   backward: { VectorMath.geluTanhBackward(x: $0, gy: $1) },
                   derivative: { ReferenceMath.geluTanhDerivative($0) },
                   focus: rootFocus(VectorMath.geluTanhRoot.hi) + [0, -10.0, -10.9, -11.1]),
    // The grad-mode path: y from geluTanhWithComplement, the gradient gy c from its c.
    ActivationCase(name: "geluTanh (grad mode)", forward: { VectorMath.geluTanhWithComplement($0).y },
                   value: { ReferenceMath.geluTanh($0) },
                   backward: { $1 * VectorMath.geluTanhWithComplement($0).c },
                   derivative: { ReferenceMath.geluTanhDerivative($0) },
                   focus: rootFocus(VectorMath.geluTanhRoot.hi) + [0, -10.0, -10.9, -11.1, 20, -20]),
    ActivationCase(name: "silu", forward: { VectorMath.silu($0) }, value: { ReferenceMath.silu($0) },
                   backward: { VectorMath.siluBackward(x: $0, gy: $1) }, derivative: { ReferenceMath.siluDerivative($0) },
                   focus: rootFocus(VectorMath.siluRoot.hi) + [0, -87.3, -98.5, -108.5]),
    // The grad-mode path: y from siluWithComplement, the gradient gy c from its c = silu'(x).
    ActivationCase(name: "silu (grad mode)", forward: { VectorMath.siluWithComplement($0).y }, value: { ReferenceMath.silu($0) },
                   backward: { VectorMath.siluBackward(complement: VectorMath.siluWithComplement($0).c, gy: $1) },
                   derivative: { ReferenceMath.siluDerivative($0) },
                   focus: rootFocus(VectorMath.siluRoot.hi) + [0, 16, -16, -87.3, -98.5, -108.5]),
    ActivationCase(name: "logSigmoid", forward: { VectorMath.logSigmoid($0) }, value: { ReferenceMath.logSigmoid($0) },
                   backward: { VectorMath.logSigmoidBackward(x: $0, gy: $1) },
                   derivative: { ReferenceMath.logSigmoidDerivative($0) }, focus: [0, 16, 87.3, 103.9]),
    eluCase("elu", alpha: 1, scale: 1, inputScale: 1),
    eluCase("selu", alpha: VectorMath.seluAlpha, scale: VectorMath.seluScale, inputScale: 1),
    eluCase("elu(0.3, 2.5, 1.7)", alpha: 0.3, scale: 2.5, inputScale: 1.7),
    ActivationCase(name: "mish", forward: { VectorMath.mish($0) }, value: { ReferenceMath.mish($0) },
                   backward: { VectorMath.mishBackward(x: $0, gy: $1) }, derivative: { ReferenceMath.mishDerivative($0) },
                   focus: rootFocus(VectorMath.mishRoot.hi) + [0, -87.3, -103.9, 20]),
    // Logistic.slope's float32 path ends at |x| = 16 (sigmoid) and 8 (tanh): both sides swept.
    ActivationCase(name: "sigmoid", forward: { VectorMath.sigmoid($0) }, value: { ReferenceMath.sigmoid($0) },
                   backward: { Logistic.slope($1, exponent: VectorMath.negativeAbsolute($0), log2Scale: 0) },
                   derivative: { ReferenceMath.sigmoidDerivative($0) }, focus: [0, 16, -16, 87.3, -87.3, 103.9]),
    ActivationCase(name: "tanh", forward: { VectorMath.tanh($0) }, value: { ReferenceMath.tanh($0) },
                   backward: { x, gy in
                       let a = VectorMath.absolute(x)
                       return Logistic.slope(gy, exponent: VectorMath.negate(a + a), log2Scale: 2)
                   },
                   derivative: { ReferenceMath.tanhDerivative($0) }, focus: [0, 0.625, 8, -8, 44, 52]),
]

/// The test points: a grid of step 2^-11 on [-20, 20], 256 consecutive floats each side of every
/// focus point, m 10^e for e in -45...38 of both signs, 8192 random bit patterns (NaN payloads,
/// denormals and huge values alike) and the IEEE edges.
func activationInputs(_ focus: [Float]) -> [Float] {
    var xs = (-40960...40960).map { Float($0) * 0x1p-11 }
    var rng = SplitMix64(seed: 11)
    xs += (0..<8192).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
    for f in focus + [0x1p-126, -0x1p-126] {
        var up = f, down = f
        for _ in 0..<256 {
            up = up.nextUp
            down = down.nextDown
            xs += [up, down]
        }
    }
    for e in -45...38 {
        for m in [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9] as [Float80] {
            let v = Float(m * Foundation.pow(10 as Float80, Float80(e)))
            if v.isFinite { xs += [v, -v] }
        }
    }
    let edges: [Float] = [0, .infinity, .leastNonzeroMagnitude, 0x1p-130, .leastNormalMagnitude,
                          Float.leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, 1, 0.5]
    xs += edges + edges.map { -$0 } + [.nan, -.nan]
    return xs
}

/// Max error in ulps over xs (evaluated 16 lanes at a time) and the input where it occurs.
func worstULP(_ xs: [Float], _ kernel: (SIMD16<Float>) -> SIMD16<Float>,
              _ exact: (Int, Float) -> ReferenceFloat) -> (ulp: Double, at: Float) {
    var worst = (ulp: 0.0, at: Float(0))
    for start in stride(from: 0, to: xs.count, by: 16) {
        var v = SIMD16<Float>(repeating: 0)
        let n = min(16, xs.count - start)
        for l in 0..<n { v[l] = xs[start + l] }
        let y = kernel(v)
        for l in 0..<n {
            let e = activationULP(y[l], exact(start + l, v[l]))
            if !(e <= worst.ulp) { worst = (e, v[l]) }
        }
    }
    return worst
}

@Suite("Activation math accuracy")
struct ActivationMathTests {
    /// The brief's bound: 4 ulp of the exact value, over the whole float32 domain.
    static let bound = 4.0

    @Test("max ULP, forward and gradient (gy = 1 and random gy)", arguments: activationCases)
    func accuracy(_ c: ActivationCase) {
        let xs = activationInputs(c.focus)
        let fwd = worstULP(xs, c.forward) { _, x in c.value(ReferenceFloat(x)) }
        var line = "\(c.name): forward \(fwd.ulp) ulp at x = \(fwd.at)"
        #expect(fwd.ulp <= Self.bound, "\(c.name) forward: \(fwd.ulp) ulp at x = \(fwd.at)")
        if let backward = c.backward, let derivative = c.derivative {
            let one = worstULP(xs, { backward($0, SIMD16(repeating: 1)) }) { _, x in derivative(ReferenceFloat(x)) }
            var rng = SplitMix64(seed: 7)
            let gys = xs.map { _ in Float.random(in: -1...1, using: &rng) }
            var i = 0
            let random = worstULP(xs, { x in
                var g = SIMD16<Float>(repeating: 0)
                for l in 0..<16 where i + l < gys.count { g[l] = gys[i + l] }
                i += 16
                return backward(x, g)
            }) { k, x in ReferenceFloat(gys[k]) * derivative(ReferenceFloat(x)) }
            line += "; gradient (gy = 1) \(one.ulp) ulp at x = \(one.at)"
            line += "; gradient (random gy) \(random.ulp) ulp at x = \(random.at)"
            #expect(one.ulp <= Self.bound, "\(c.name) gradient: \(one.ulp) ulp at x = \(one.at)")
            #expect(random.ulp <= Self.bound, "\(c.name) gradient with random gy: \(random.ulp) ulp at x = \(random.at)")
        }
        print(line + " (\(xs.count) points)")
    }

    /// Exact classes at the edges: NaN in gives NaN out, limits at +-inf with their signs, -0 kept.
    @Test func edgeValues() {
        func one(_ f: (SIMD16<Float>) -> SIMD16<Float>, _ x: Float) -> Float { f(SIMD16(repeating: x))[0] }
        func grad(_ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, _ x: Float, _ gy: Float = 1) -> Float {
            f(SIMD16(repeating: x), SIMD16(repeating: gy))[0]
        }
        for c in activationCases {
            #expect(one(c.forward, .nan).isNaN, "\(c.name)(NaN)")
            if let b = c.backward { #expect(grad(b, .nan).isNaN, "\(c.name)'(NaN)") }
            if let b = c.backward { #expect(grad(b, 0.5, .nan).isNaN, "\(c.name)' with gy = NaN") }
        }
        #expect(one(VectorMath.erf, .infinity) == 1 && one(VectorMath.erf, -.infinity) == -1)
        #expect(one(VectorMath.erf, -0.0).sign == .minus)
        #expect(one(VectorMath.erfc, .infinity) == 0 && one(VectorMath.erfc, -.infinity) == 2)
        for f in [VectorMath.gelu, VectorMath.geluTanh, VectorMath.silu, VectorMath.mish] {
            #expect(one(f, .infinity) == .infinity)
            let atMinusInf = one(f, -.infinity)
            #expect(atMinusInf == 0 && atMinusInf.sign == .minus)
            #expect(one(f, -0.0).sign == .minus)
        }
        for f in [VectorMath.geluBackward, VectorMath.geluTanhBackward, VectorMath.siluBackward(x:gy:), VectorMath.mishBackward] {
            #expect(grad(f, .infinity) == 1 && grad(f, .infinity, 0.25) == 0.25)
            #expect(grad(f, -.infinity) == 0)
        }
        #expect(one(VectorMath.logSigmoid, -.infinity) == -.infinity)
        #expect(grad(VectorMath.logSigmoidBackward, -.infinity) == 1 && grad(VectorMath.logSigmoidBackward, .infinity) == 0)
        let selu = { (x: Float) in
            one({ VectorMath.elu($0, alpha: VectorMath.seluAlpha, scale: VectorMath.seluScale, inputScale: 1) }, x)
        }
        #expect(selu(-.infinity) == -Float(Double(VectorMath.seluAlpha) * Double(VectorMath.seluScale)))
        #expect(selu(.infinity) == .infinity && selu(-0.0).sign == .minus && selu(0) == 0 && selu(0).sign == .plus)
        // PyTorch's elu_backward: x > 0 ? scale : exp branch, so x = 0 takes inputScale scale alpha.
        let eluGrad = { (x: Float) in
            grad({ VectorMath.eluBackward(x: $0, gy: $1, alpha: 0.5, scale: 2, inputScale: 3) }, x)
        }
        #expect(eluGrad(0) == 3 && eluGrad(-0.0) == 3 && eluGrad(1) == 2 && eluGrad(-.infinity) == 0)
    }

    /// The grad-mode y of silu and geluTanh is the no-grad forward's bit for bit (both sides of
    /// the fast paths' ends, the float64 lanes, the edges), so that grad mode never changes a result.
    @Test func gradModeForwardIsBitwise() {
        var xs = activationInputs(rootFocus(VectorMath.siluRoot.hi) + [16, -16, -20, 20, -80, -87.3])
        xs += stride(from: -25 as Float, through: 25, by: 0.0371).map { $0 }
        let pairs: [(String, (SIMD16<Float>) -> SIMD16<Float>, (SIMD16<Float>) -> SIMD16<Float>)] = [
            ("silu", VectorMath.silu, { VectorMath.siluWithComplement($0).y }),
            ("geluTanh", VectorMath.geluTanh, { VectorMath.geluTanhWithComplement($0).y }),
        ]
        for (name, forward, gradMode) in pairs {
            for start in stride(from: 0, to: xs.count, by: 16) {
                var v = SIMD16<Float>(repeating: 0.25)
                for l in 0..<min(16, xs.count - start) { v[l] = xs[start + l] }
                let plain = forward(v), grad = gradMode(v)
                for l in 0..<16 where plain[l].bitPattern != grad[l].bitPattern && !(plain[l].isNaN && grad[l].isNaN) {
                    Issue.record("\(name)(\(v[l])): forward \(plain[l]), grad mode \(grad[l])")
                }
            }
        }
    }

    /// At the float32 neighbours of a derivative's zero the gradient is ~1e-8 while the closed
    /// form's terms are ~0.2 and cancel; the Taylor series in x - x0 must keep it within 1 ulp.
    @Test func derivativeZeroCrossings() {
        let cases: [(Double, (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, (ReferenceFloat) -> ReferenceFloat)] = [
            (VectorMath.geluRoot.hi, VectorMath.geluBackward, ReferenceMath.geluDerivative),
            (VectorMath.geluTanhRoot.hi, VectorMath.geluTanhBackward, ReferenceMath.geluTanhDerivative),
            (VectorMath.siluRoot.hi, VectorMath.siluBackward(x:gy:), ReferenceMath.siluDerivative),
            (VectorMath.mishRoot.hi, VectorMath.mishBackward, ReferenceMath.mishDerivative),
        ]
        for (root, kernel, exact) in cases {
            var xs = [Float(root)], up = xs[0], down = xs[0]
            for _ in 0..<7 {
                up = up.nextUp
                down = down.nextDown
                xs += [up, down]
            }
            let g = kernel(SIMD16(xs + [Float](repeating: 0, count: 16 - xs.count)), SIMD16(repeating: 1))
            for (l, x) in xs.enumerated() {
                let ref = exact(ReferenceFloat(x))
                #expect(ref.magnitude < 1e-5 && ref != 0)
                #expect(activationULP(g[l], ref) <= 1, "root \(root): f'(\(x)) = \(g[l]), exact \(ref)")
            }
        }
    }

    /// gelu's erfcxHalf, piece by piece: 65 points across each quarter binade of 1 + ac (two of
    /// its 32 pieces, [2^b (1 + k/4), 2^b (1 + (k+1)/4)), both ends included) against
    /// -erfc(a) e^(a^2) / 2 in Float80. Measured 1.68 2^-24 relative (float32 emulated); a
    /// misplaced table column or a wrong coefficient breaks 2^-23 by orders of magnitude.
    @Test func geluErfcxPieces() {
        var worst = 0.0
        for b in 0..<4 {
            for k in 0..<4 {
                let lo = Float(1 << b) * (1 + Float(k) / 4) - 1, hi = Float(1 << b) * (1 + Float(k + 1) / 4) - 1
                let xs = (0...64).map { lo + (min(hi, 14.8) - lo) * Float($0) / 64 }
                for start in stride(from: 0, to: xs.count, by: 16) {
                    var v = SIMD16<Float>(repeating: lo)
                    for l in 0..<min(16, xs.count - start) { v[l] = xs[start + l] }
                    let q = VectorMath.erfcxHalf(v)
                    for l in 0..<16 {
                        let a = ReferenceFloat(v[l]) / ReferenceFloat(2).squareRoot()
                        let exact = -Foundation.erfc(a) * Foundation.exp(a * a) / 2
                        worst = max(worst, Double(((ReferenceFloat(q[l]) - exact) / exact).magnitude))
                    }
                }
            }
        }
        #expect(worst < 0x1p-23, "erfcxHalf: relative error \(worst)")
    }

    /// The two layouts of those pieces (by row for AVX2 and the lane loop, by column for
    /// AVX-512), bit for bit, and the lookup of every row in every lane.
    @Test func geluPieceLayoutsAgree() {
        let rows = withUnsafeBytes(of: vg_gelu_erfcx_pieces) { Array($0.bindMemory(to: Float.self)) }
        let columns = withUnsafeBytes(of: vg_gelu_erfcx_columns) { Array($0.bindMemory(to: Float.self)) }
        for k in 0..<6 {
            for j in 0..<32 { #expect(columns[32 * k + j].bitPattern == rows[8 * j + k].bitPattern, "row \(j), column \(k)") }
        }
        for shift in 0..<32 {
            var piece = [Float](repeating: 0, count: 96)
            let index = SIMD16<Int32>((0..<16).map { Int32(($0 + shift) % 32 + 32 * $0) })
            piece.withUnsafeMutableBufferPointer { vg_gelu_erfcx_lookup(index, $0.baseAddress!) }
            for k in 0..<6 {
                for l in 0..<16 { #expect(piece[16 * k + l] == rows[8 * Int(index[l] & 31) + k]) }
            }
        }
    }

    /// The shim's vpermt2ps (a 32-entry table in two registers, only the low 5 bits of the index
    /// count), and vmaxps with its operand order: the second operand where either is NaN or both
    /// are zeros (the clamps of tanh, gelu and elu's gradient rely on it).
    @Test func shimPermute2AndMax() {
        let low = SIMD16<Float>((0..<16).map { Float($0) }), high = SIMD16<Float>((16..<32).map { Float($0) })
        let index = SIMD16<Int32>((0..<16).map { Int32((7 * $0 + 5) % 32) + 64 })
        let got = vg_permute2_f32x16(low, high, index)
        for l in 0..<16 { #expect(got[l] == Float(index[l] & 31)) }
        let a = SIMD16<Float>(repeating: -20), zero = SIMD16<Float>(repeating: -0.0)
        let b = SIMD16<Float>([-30, -10, .nan, -.infinity, .infinity, 0, -0.0, 5, -20, 1, 2, 3, 4, 6, 7, 8])
        let mx = vg_max_f32x16(a, b)
        for l in 0..<16 { #expect(b[l].isNaN ? mx[l].isNaN : mx[l] == Swift.max(-20, b[l])) }
        let z = vg_max_f32x16(zero, SIMD16<Float>(repeating: 0))
        #expect(z[0] == 0 && z[0].sign == .plus)
        let nz = vg_max_f32x16(zero, SIMD16<Float>(repeating: -3))
        #expect(nz[0] == 0 && nz[0].sign == .minus)
    }

    /// The shim's vpermps and vscalefps (or their lane loops): a full permutation, and 2^n
    /// scaling that rounds once into the denormal range (1.5 2^-149 is a tie, to even 2^-148).
    @Test func shimPermuteAndScale() {
        let table = SIMD16<Float>((0..<16).map { Float($0) * 1.5 })
        let index = SIMD16<Int32>((0..<16).map { Int32((5 * $0 + 3) % 16) + 32 })  // only the low 4 bits count
        let got = vg_permute_f32x16(table, index)
        for l in 0..<16 { #expect(got[l] == table[Int(index[l] & 15)]) }
        // The 8- and 4-entry lookups (log-softmax backward's split exp table under AVX2): only
        // the index's low 3 and 2 bits count; every value of them in every lane.
        for shift in 0..<8 {
            let k = SIMD16<Int32>((0..<16).map { Int32(($0 + shift) % 8 + 8 * (5 * $0 + 3)) })
            let eight = vg_lookup8_f32x16(table, k), four = vg_lookup4_f32x16(table, k)
            for l in 0..<16 {
                #expect(eight[l] == table[Int(k[l] & 7)])
                #expect(four[l] == table[Int(k[l] & 3)])
            }
        }
        let s = vg_scale_pow2(SIMD16<Float>(repeating: 1.5), SIMD16<Float>(repeating: -149))
        #expect(s[0] == Float(bitPattern: 2))
        let t = vg_scale_pow2(SIMD16<Float>(repeating: 0x1.fffffep0), SIMD16<Float>(repeating: -150))
        #expect(t[0] == Float(bitPattern: 1))
        let u = vg_scale_pow2(SIMD16<Float>(repeating: -0.75), SIMD16<Float>(repeating: 3))
        #expect(u[0] == -6)
    }

    /// vg_scale_pow2 against scalbn lane by lane: vectors whose 2^floor(n) are all normal floats
    /// (AVX2's one-product path, denormal results and denormal x included) and vectors with one
    /// lane beyond (-126, 127) or NaN (its float64 path), on normal, denormal, zero, infinite and
    /// NaN x.
    @Test func shimScaleMatchesScalbn() {
        var rng = SplitMix64(seed: 41)
        let specials: [Float] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, 0x1p-126, 0x1.fffffep127]
        for trial in 0..<4000 {
            var x = SIMD16<Float>(), n = SIMD16<Float>()
            for l in 0..<16 {
                let pick = rng.next() % 8
                x[l] = pick == 0 ? specials[Int(rng.next() % 8)] : Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
                n[l] = Float(Int(rng.next() % 254) - 126) + Float(rng.next() % 100) / 100
            }
            if trial % 2 == 1 { n[Int(rng.next() % 16)] = trial % 6 == 1 ? .nan : Float(Int(rng.next() % 600) - 300) }
            let got = vg_scale_pow2(x, n)
            for l in 0..<16 where !n[l].isNaN {
                let want = scalbn(x[l], Int(n[l].rounded(.down)))  // glibc: one rounding
                #expect(got[l].bitPattern == want.bitPattern || (got[l].isNaN && want.isNaN),
                        "x \(x[l]) n \(n[l]): \(got[l]) vs \(want)")
            }
        }
    }
}
