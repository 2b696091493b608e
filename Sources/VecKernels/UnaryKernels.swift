import CVecShim
import Foundation

// The float32 SIMD16 body of each unary op, forward and backward side by side. Elementwise's
// drivers are generic over UnaryKernelF32, so each op gets its own specialised loop with no call
// per vector. Backward formulas never use forms that cancel in the tails (y(1-y), 1-y^2).

protocol UnaryKernelF32 {
    typealias V = SIMD16<Float>
    func forward(_ x: V) -> V
    /// gx = gy * op'(x); y is the forward output.
    func backward(x: V, y: V, gy: V) -> V
    /// Whether backward reads y (the driver skips the load otherwise).
    var backwardReadsY: Bool { get }
}

extension UnaryKernelF32 {
    var backwardReadsY: Bool { false }
}

/// Receives the op's kernel as a concrete type, so what it runs is specialised per op.
protocol UnaryKernelVisitor {
    func visit<K: UnaryKernelF32>(_ kernel: K)
}

extension UnaryOp {
    func visitKernel<Visitor: UnaryKernelVisitor>(_ v: Visitor) {
        switch self {
        case .abs: v.visit(AbsKernel())
        case .neg: v.visit(NegKernel())
        case .relu: v.visit(ReluKernel())
        case .sigmoid: v.visit(SigmoidKernel())
        case .tanh: v.visit(TanhKernel())
        case .exp: v.visit(ExpKernel())
        case .log: v.visit(LogKernel())
        case .sqrt: v.visit(SqrtKernel())
        case .sin: v.visit(SinKernel())
        case .cos: v.visit(CosKernel())
        case let .softplus(beta, threshold) where beta == 1:
            v.visit(SoftplusUnitKernel(threshold: Float(threshold)))
        case let .softplus(beta, threshold):
            v.visit(SoftplusKernel(beta: Float(beta), threshold: Float(threshold)))
        case let .pow(p):
            switch p {
            case 0: v.visit(PowZeroKernel())
            case 1: v.visit(PowOneKernel())
            case 2: v.visit(PowTwoKernel())
            case 3: v.visit(PowThreeKernel())
            case 0.5: v.visit(PowHalfKernel())
            case -1: v.visit(PowMinusOneKernel())
            default: v.visit(PowGeneralKernel(p: p))
            }
        }
    }
}

private typealias VF = SIMD16<Float>
private typealias VD = SIMD8<Double>

/// f(lowHalf), f(highHalf) in float64, rounded once to float32.
@inline(__always)
private func inDouble(_ a: VF, _ b: VF, _ f: (VD, VD) -> VD) -> VF {
    let lo = f(VectorMath.widen(a.lowHalf), VectorMath.widen(b.lowHalf))
    let hi = f(VectorMath.widen(a.highHalf), VectorMath.widen(b.highHalf))
    return VF(lowHalf: VectorMath.narrow(lo), highHalf: VectorMath.narrow(hi))
}

// Float32 backward of the logistic family, from x, in one SIMD16<Float> path (no float64):
// e = e^-|x| = (h + l) 2^n from reduceLn2/expReducedParts, d = 1 + e carried as dh + dl, and
// r = 1/dh rounded; the residual res = 1 - r (dh + dl) then corrects everything to first order.
// Products are split exactly (productError) so that only the last addition rounds: ~0.5 ulp before the 2^n
// scaling, which rounds once in the normal range (a denormal result rounds at most 3 times).

/// e^x for x <= 0 (NaN passes), unscaled: (h + l) 2^n. Clamped at -200, where
/// FLT_MAX e^x still rounds to 0 (so ±inf give 0 for any finite gy).
@inline(__always)
private func expTail(_ x: VF) -> (h: VF, l: VF, n: SIMD16<Int32>) {
    let xc = x.replacing(with: -200, where: x .< -200)
    let (r, rLo, n) = VectorMath.reduceLn2(xc)
    let (h, l) = VectorMath.expReducedParts(r, rLo)
    return (h, l, n)
}

/// 1/(1 + e) as r (1 + res), e = (h + l) s with s = 2^n (clamped to a normal power).
@inline(__always)
private func reciprocalOnePlus(_ h: VF, _ l: VF, _ s: VF) -> (r: VF, res: VF) {
    let eh = h * s, el = l * s
    let dh = 1 + eh
    let dl = ((1 - dh) + eh) + el  // exact part first (Fast2Sum, e <= 1)
    // One vdivps: a linear guess and two Newton steps measured 1.7x slower (the longer
    // dependency chain stalls the loop; fma chains there also came out half scalarised).
    let r = 1 / dh
    let p = r * dh  // ~1, so 1 - p is exact; productError is exact with or without FMA
    let res = ((1 - p) - VectorMath.productError(r, dh, p)) - r * dl
    return (r, res)
}

/// (a + b) r as t + c, t = a r rounded and c its error plus b r.
@inline(__always)
private func productSum(_ a: VF, _ b: VF, _ r: VF) -> (t: VF, c: VF) {
    let t = a * r
    let c = VectorMath.fma(b, r, VectorMath.productError(a, r, t))
    return (t, c)
}

/// gy (t + c) = g + (gy c + the error of g = gy t): rounds once in effect. Callers pass gy / 2
/// (and scale by 2 later): t may reach 1.42 before its 2^n, and FLT_MAX * 1.42 would overflow.
@inline(__always)
private func finish(_ gy: VF, _ t: VF, _ c: VF) -> VF {
    let g = gy * t
    // Without FMA, Dekker's split of a huge gy overflows: one more rounding instead (~+0.5 ulp).
    if vg_compiled_isa_level() < 1 { return gy * (t + c) }
    return g + VectorMath.fma(gy, c, VectorMath.productError(gy, t, g))
}

/// max(n, m) by sign masks: Int32 lane compares and selects compile to per-lane loops here.
@inline(__always)
private func atLeast(_ n: SIMD16<Int32>, _ m: Int32) -> SIMD16<Int32> {
    let below = (n &- m) &>> 31  // all ones where n < m
    return (n & ~below) | (SIMD16<Int32>(repeating: m) & below)
}

/// v * 2^n for any n in [-300, 127] (n >= -126 takes the one-multiply fast path per vector).
@inline(__always)
private func scaled(_ v: VF, _ n: SIMD16<Int32>, rare: Bool) -> VF {
    if !rare { return v * VectorMath.pow2(n) }
    let n1 = atLeast(n, -100)
    let m = n &- n1, m1 = m &>> 1
    return v * VectorMath.pow2(n1) * VectorMath.pow2(m1) * VectorMath.pow2(m &- m1)
}

/// gy * 2^k e/(1 + e)^2 with e = e^t, t <= 0: sigmoid' (t = -|x|, k = 0), tanh' (t = -2|x|, k = 2).
@inline(__always)
private func logisticSlope(_ gy: VF, exponent t: VF, log2Scale k: Int32) -> VF {
    let (h, l, n) = expTail(t)
    let rare = VectorMath.anyTrue(t .< -87)  // n < -126 possible (a float compare: see atLeast)
    let nd = rare ? atLeast(n, -126) : n
    let (r, res) = reciprocalOnePlus(h, l, VectorMath.pow2(nd))
    // e r^2 (1 + 2 res): (h + l) r = t1 + c1, then (t1 + c1) r = u + k1.
    let (t1, c1) = productSum(h, l, r)
    let u = t1 * r
    let k1 = VectorMath.fma(c1, r, VectorMath.productError(t1, r, u))
    let corr = VectorMath.fma(res + res, u, k1)
    return scaled(finish(gy * 0.5, u, corr), n &+ (k + 1), rare: rare)
}

/// gy * sigmoid(z): gy e/(1 + e) for z < 0 and gy/(1 + e) otherwise, e = e^-|z| (softplus').
@inline(__always)
private func logisticValue(_ gy: VF, _ z: VF) -> VF {
    let t = VectorMath.negativeAbsolute(z)
    let (h, l, n) = expTail(t)
    let rare = VectorMath.anyTrue(t .< -87)
    let nd = rare ? atLeast(n, -126) : n
    let (r, res) = reciprocalOnePlus(h, l, VectorMath.pow2(nd))
    let neg = z .< 0
    let a = VF(repeating: 1).replacing(with: h, where: neg)
    let b = VF(repeating: 0).replacing(with: l, where: neg)
    let (t1, c1) = productSum(a, b, r)
    let corr = VectorMath.fma(res, t1, c1)
    let v = finish(gy * 0.5, t1, corr)
    return scaled(v, (n & (VectorMath.bits(z) &>> 31)) &+ 1, rare: rare)  // n = 0 for z >= 0 (and -0)
}

struct AbsKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.absolute(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        // sign(x): ±1 from the sign bit, 0 at ±0 and at NaN (PyTorch's sgn: abs'(NaN) = 0).
        var s = VectorMath.withSign(V(repeating: 1), of: x)
        s = s.replacing(with: 0, where: x .== 0)
        return gy * s.replacing(with: 0, where: x .!= x)
    }
}

struct NegKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.negate(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { VectorMath.negate(gy) }
}

struct ReluKernel: UnaryKernelF32 {
    /// clamp_min(x, 0): keeps -0 and NaN.
    @inline(__always) func forward(_ x: V) -> V { x.replacing(with: 0, where: x .< 0) }
    /// threshold_backward: 0 where x <= 0 (relu'(0) = 0), gy elsewhere, NaN included.
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { gy.replacing(with: 0, where: x .<= 0) }
}

struct SigmoidKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.sigmoid(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        logisticSlope(gy, exponent: VectorMath.negativeAbsolute(x), log2Scale: 0)
    }
}

struct TanhKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.tanh(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        let a = VectorMath.absolute(x)
        return logisticSlope(gy, exponent: VectorMath.negate(a + a), log2Scale: 2)
    }
}

struct ExpKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.exp(x) }
    /// gy * y (PyTorch). Where y overflowed but gy * e^x need not (|gy| < 1), that lane is
    /// recomputed with float64 libm: rare, so behind a branch.
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        var gx = gy * y
        let overflowed = y .== .infinity
        if !VectorMath.anyTrue(overflowed) { return gx }
        for i in 0..<16 where overflowed[i] {
            gx[i] = Float(Double(gy[i]) * Foundation.exp(Double(x[i])))
        }
        return gx
    }
    var backwardReadsY: Bool { true }
}

struct LogKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.log(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { gy / x }
}

struct SqrtKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.sqrt(x) }
    /// PyTorch: gy / (2 y); sqrt'(0) = inf.
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { gy / (y + y) }
    var backwardReadsY: Bool { true }
}

struct SinKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.sin(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { gy * VectorMath.cos(x) }
}

struct CosKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.cos(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { VectorMath.negate(gy * VectorMath.sin(x)) }
}

/// softplus with beta = 1, the common case: no scaling of x.
struct SoftplusUnitKernel: UnaryKernelF32 {
    let threshold: Float
    @inline(__always) func forward(_ x: V) -> V { VectorMath.softplusUnit(x, threshold: threshold) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        logisticValue(gy, x).replacing(with: gy, where: x .> threshold)
    }
}

struct SoftplusKernel: UnaryKernelF32 {
    let beta: Float
    let threshold: Float
    @inline(__always) func forward(_ x: V) -> V { VectorMath.softplusScaled(x, beta: beta, threshold: threshold) }
    /// gy * sigmoid(beta x), and gy where beta x > threshold (the forward's test).
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        let bx = beta * x
        return logisticValue(gy, bx).replacing(with: gy, where: bx .> threshold)
    }
}

// pow: the common exponents get exact or once-rounded forms; any other exponent calls float64
// libm pow per lane (correct, but ~20x slower than the others).

/// x^0 = 1 for every x, NaN included; the gradient is 0 everywhere (PyTorch's zeros_like).
struct PowZeroKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { V(repeating: 1) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { V(repeating: 0) }
}

struct PowOneKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { x }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { gy }
}

struct PowTwoKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { x * x }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { inDouble(x, gy) { x, g in g * (2 * x) } }  // 2x may overflow
}

struct PowThreeKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { inDouble(x, x) { x, _ in x * x * x } }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { inDouble(x, gy) { x, g in g * (3 * (x * x)) } }
}

/// sqrt with pow's edges: pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf.
@inline(__always)
private func powHalf(_ x: VF) -> VF {
    VectorMath.sqrt(x + 0).replacing(with: .infinity, where: x .== -.infinity)
}

@inline(__always)
private func powHalf(_ x: VD) -> VD {
    VectorMath.sqrt(x + 0).replacing(with: .infinity, where: x .== -.infinity)
}

struct PowHalfKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { powHalf(x) }
    /// gy * 0.5 x^-0.5 (inf at 0, as for sqrt).
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { inDouble(x, gy) { x, g in g * (0.5 / powHalf(x)) } }
}

struct PowMinusOneKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { 1 / x }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V { inDouble(x, gy) { x, g in g * (-1 / (x * x)) } }
}

struct PowGeneralKernel: UnaryKernelF32 {
    let p: Double
    @inline(__always) func forward(_ x: V) -> V {
        VectorMath.perLane(x) { Float(Foundation.pow(Double($0), p)) }
    }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        var gx = V()
        for i in 0..<V.scalarCount {
            gx[i] = Float(Double(gy[i]) * (p * Foundation.pow(Double(x[i]), p - 1)))
        }
        return gx
    }
}
