import Foundation
import Testing
@testable import VecKernels

// ULP error of VectorMath's float32 functions against float64 libm, over random points, a log
// sweep of magnitudes (both signs), random bit patterns and the IEEE edge values.

/// Error of `got` in units of the float32 ulp at the exact value `ref` (an infinite `got` counts
/// as ±2^128, so overflow one rounding early or late costs about an ulp, not infinity). NaN must
/// meet NaN, an infinite `ref` must be met exactly, and an exact ±0 must keep its sign.
func ulpError(_ got: Float, _ ref: Double) -> Double {
    if ref.isNaN || got.isNaN { return ref.isNaN && got.isNaN ? 0 : .infinity }
    if ref.isInfinite || Float(ref).isInfinite { if Float(ref) == got { return 0 } }
    if ref.isInfinite { return .infinity }
    if ref == 0 {
        return got == 0 && got.sign == ref.sign ? 0 : got == 0 ? .infinity : Double(got.magnitude) / 0x1p-149
    }
    let g = got.isInfinite ? (got > 0 ? 0x1p128 : -0x1p128) : Double(got)
    let e = min(ref.magnitude.exponent, 127)
    return abs(g - ref) / Double(sign: .plus, exponent: max(e - 23, -149), significand: 1)
}

/// A function under test: the SIMD16 kernel, its float64 reference, its random-sample domain
/// and the error bound it must meet (measured maximum plus margin, see the table in the report).
struct MathCase: CustomStringConvertible, Sendable {
    let name: String
    let f: @Sendable (SIMD16<Float>) -> SIMD16<Float>
    let ref: @Sendable (Double) -> Double
    let domain: ClosedRange<Float>
    let bound: Double
    var description: String { name }
}

let mathCases: [MathCase] = [
    MathCase(name: "exp", f: { VectorMath.exp($0) }, ref: { Foundation.exp($0) }, domain: -104...89, bound: 1),
    MathCase(name: "expm1", f: { VectorMath.expm1($0) }, ref: { Foundation.expm1($0) }, domain: -20...89, bound: 1),
    MathCase(name: "log", f: { VectorMath.log($0) }, ref: { Foundation.log($0) }, domain: 0...1e4, bound: 1),
    MathCase(name: "log1p", f: { VectorMath.log1p($0) }, ref: { Foundation.log1p($0) }, domain: -1...10, bound: 1),
    MathCase(name: "tanh", f: { VectorMath.tanh($0) }, ref: { Foundation.tanh($0) }, domain: -10...10, bound: 3),
    MathCase(name: "sigmoid", f: { VectorMath.sigmoid($0) }, ref: { UnaryOp.sigmoid.apply($0) },
             domain: -110...20, bound: 2),
    MathCase(name: "softplus", f: { VectorMath.softplus($0, beta: 1, threshold: 20) },
             ref: { UnaryOp.softplusDefault.apply($0) }, domain: -110...30, bound: 1.5),
    // beta a power of two: beta*x is exact, so the bound holds without FMA hardware too.
    MathCase(name: "softplus(beta=2)", f: { VectorMath.softplus($0, beta: 2, threshold: 10) },
             ref: { UnaryOp.softplus(beta: 2, threshold: 10).apply($0) }, domain: -60...10, bound: 1.5),
    MathCase(name: "sin", f: { VectorMath.sin($0) }, ref: { Foundation.sin($0) }, domain: -100...100, bound: 1),
    MathCase(name: "cos", f: { VectorMath.cos($0) }, ref: { Foundation.cos($0) }, domain: -100...100, bound: 1),
]

/// Finite and infinite values where float functions usually break.
let edgeFloats: [Float] = {
    var v: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 1, -1, 0.5, -0.5, 2, -2,
                      .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                      .leastNormalMagnitude, -.leastNormalMagnitude,
                      .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0x1p-130, -0x1p-130,
                      Float.leastNormalMagnitude.nextDown, 1e-30, -1e-30, 1e-8, -1e-8, 1e30, -1e30,
                      // exp / expm1 / sigmoid / softplus overflow and underflow thresholds
                      88.72283, 88.72284, 88.7229, 89, -87.33654, -87.3366, -103.9720, -103.9721, -104, -150,
                      -17.3, -18, 0.34657359, -0.34657359, 0.625, -0.625, 0.6249999, 20, 20.000002,
                      // sin / cos: multiples of pi/2 and the reduction bound
                      .pi, -.pi, .pi / 2, 3 * .pi / 2, 1e5 * .pi, 1_048_576, 1_048_577, -1_048_577, 1e20,
                      // log / log1p around 1, sqrt(2), -1
                      0.70710677, 1.4142135, -0.29289323, 0.41421357, -0.9999999, -1.0000001]
    v += v.map { $0.nextUp } + v.map { $0.nextDown }
    return v.filter { !$0.isNaN } + [.nan, -.nan, Float(bitPattern: 0x7FA0_0001)]
}()

/// Random points over the domain, a log sweep of magnitudes of both signs, random bit patterns.
func sweepInputs(_ domain: ClosedRange<Float>, randomCount: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var v = (0..<randomCount).map { _ in Float.random(in: domain, using: &rng) }
    var m = Float.leastNonzeroMagnitude
    while m < .greatestFiniteMagnitude / 1.02 {
        v += [m, -m]
        m = max(m * 1.02, m.nextUp)
    }
    v += (0..<(randomCount / 16)).map { _ in Float(bitPattern: UInt32.random(in: .min ... .max, using: &rng)) }
    return v
}

/// Max ULP error of f over xs, and the input where it occurs.
func maxULP(_ c: MathCase, _ xs: [Float]) -> (error: Double, at: Float) {
    var worst = (error: 0.0, at: Float(0))
    var i = 0
    while i < xs.count {
        var v = SIMD16<Float>(repeating: 0)
        let n = min(16, xs.count - i)
        for l in 0..<n { v[l] = xs[i + l] }
        let y = c.f(v)
        for l in 0..<n {
            let e = ulpError(y[l], c.ref(Double(v[l])))
            if !(e <= worst.error) { worst = (e, v[l]) }
        }
        i += 16
    }
    return worst
}

/// Deterministic generator so that a failure names an input that reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("VectorMath accuracy")
struct VectorMathTests {
    @Test("max ULP error over random points, a magnitude sweep and random bits", arguments: mathCases)
    func accuracy(_ c: MathCase) {
        let worst = maxULP(c, sweepInputs(c.domain, randomCount: 1 << 18, seed: 42))
        #expect(worst.error <= c.bound, "\(c.name): \(worst.error) ulp at x = \(worst.at)")
    }

    @Test("edge values: exact classes, signed zeros, overflow and underflow", arguments: mathCases)
    func edges(_ c: MathCase) {
        for x in edgeFloats {
            let y = c.f(SIMD16(repeating: x))[0]
            let e = ulpError(y, c.ref(Double(x)))
            #expect(e <= c.bound, "\(c.name)(\(x)) = \(y), expected \(c.ref(Double(x))) (\(e) ulp)")
        }
    }

    @Test func exactSpecialValues() {
        func one(_ f: (SIMD16<Float>) -> SIMD16<Float>, _ x: Float) -> Float { f(SIMD16(repeating: x))[0] }
        #expect(one(VectorMath.exp, 0) == 1)
        #expect(one(VectorMath.exp, 89) == .infinity)
        #expect(one(VectorMath.exp, -104) == 0)
        #expect(one(VectorMath.exp, -.infinity) == 0)
        #expect(one(VectorMath.exp, -100) == Float(Foundation.exp(-100.0)))  // a denormal, rounded once
        #expect(one(VectorMath.expm1, -0.0).sign == .minus)
        #expect(one(VectorMath.expm1, -.infinity) == -1)
        #expect(one(VectorMath.log, 0) == -.infinity)
        #expect(one(VectorMath.log, -0.0) == -.infinity)
        #expect(one(VectorMath.log, -1).isNaN)
        #expect(one(VectorMath.log, 1) == 0)
        #expect(one(VectorMath.log, .infinity) == .infinity)
        #expect(one(VectorMath.log1p, -1) == -.infinity)
        #expect(one(VectorMath.log1p, -2).isNaN)
        #expect(one(VectorMath.log1p, -0.0).sign == .minus)
        #expect(one(VectorMath.tanh, -0.0).sign == .minus)
        #expect(one(VectorMath.tanh, .infinity) == 1)
        #expect(one(VectorMath.tanh, -.infinity) == -1)
        #expect(one(VectorMath.sigmoid, -.infinity) == 0)
        #expect(one(VectorMath.sigmoid, .infinity) == 1)
        #expect(one(VectorMath.sigmoid, 0) == 0.5)
        #expect(one(VectorMath.sin, -0.0).sign == .minus)
        #expect(one(VectorMath.sin, .infinity).isNaN)
        #expect(one(VectorMath.cos, -.infinity).isNaN)
        #expect(one(VectorMath.cos, 0) == 1)
        let float32: [(SIMD16<Float>) -> SIMD16<Float>] = [VectorMath.exp, VectorMath.expm1, VectorMath.log, VectorMath.log1p, VectorMath.tanh,
                  VectorMath.sigmoid, VectorMath.sin, VectorMath.cos]
        for f in float32 {
            #expect(one(f, .nan).isNaN)
        }
        let sp = { (x: Float) in VectorMath.softplus(SIMD16(repeating: x), beta: 1, threshold: 20)[0] }
        #expect(sp(-.infinity) == 0)
        #expect(sp(.infinity) == .infinity)
        #expect(sp(.nan).isNaN)
        #expect(sp(25) == 25)  // above the threshold: x itself
        #expect(sp(0) == Float(M_LN2))
    }

    /// PyTorch's 1/(1+exp(-x)) loses up to 2.1 million ulp here; e^x/(1+e^x) from e^-|x| does not.
    @Test func sigmoidNegativeTailKeepsRelativePrecision() {
        let xs: [Float] = [-16.65, -17, -20, -40, -60, -80, -87, -88, -95, -100, -103.2, -103.9, 16.2, 16.7, -1.1139, 3]
        let y = VectorMath.sigmoid(SIMD16(xs))
        for (i, x) in xs.enumerated() {
            #expect(ulpError(y[i], UnaryOp.sigmoid.apply(Double(x))) <= 2, "sigmoid(\(x)) = \(y[i])")
        }
    }

    /// Lanes beyond the Cody-Waite bound fall back to libm, lane by lane, next to reduced lanes.
    @Test func trigMixedFallbackLanes() {
        var v = SIMD16<Float>(repeating: 0)
        for l in 0..<16 { v[l] = l.isMultiple(of: 2) ? Float(l) * 0.37 : 3e7 + Float(l) * 1024 }
        let s = VectorMath.sin(v), c = VectorMath.cos(v)
        for l in 0..<16 {
            #expect(ulpError(s[l], Foundation.sin(Double(v[l]))) <= 1)
            #expect(ulpError(c[l], Foundation.cos(Double(v[l]))) <= 1)
        }
    }
}
