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

/// gy * scale * e / (1 + e)^2 in float64, rounded once, from e^t = (hi + lo) s1 s2 (t <= 0):
/// the derivative of sigmoid (scale 1, t = -|x|) and of tanh (scale 4, t = -2|x|), in the form
/// that does not cancel in the tails (y(1-y) and 1-y^2 go to 0 there). Scaling in float64 keeps
/// e's precision where float32 e would be denormal.
@inline(__always)
private func logisticSlope(_ gy: VF, exponent t: VF, scale: Double) -> VF {
    let (h, l, n) = VectorMath.expNonPositiveUnscaled(t)
    return VF(lowHalf: logisticSlopeHalf(gy.lowHalf, h.lowHalf, l.lowHalf, n.lowHalf, scale),
              highHalf: logisticSlopeHalf(gy.highHalf, h.highHalf, l.highHalf, n.highHalf, scale))
}

/// gy * sigmoid(t) in float64, rounded once: e = e^-|t| as for logisticSlope, then
/// gy * e/(1+e) for t < 0 and gy/(1+e) otherwise (softplus's gradient). Through float32
/// sigmoid it would carry sigmoid's 1.2 ulp plus the product's rounding: 2.1 ulp.
@inline(__always)
private func logisticValue(_ gy: VF, _ t: VF) -> VF {
    let (h, l, n) = VectorMath.expNonPositiveUnscaled(VectorMath.negativeAbsolute(t))
    return VF(lowHalf: logisticValueHalf(gy.lowHalf, h.lowHalf, l.lowHalf, n.lowHalf, t.lowHalf),
              highHalf: logisticValueHalf(gy.highHalf, h.highHalf, l.highHalf, n.highHalf, t.highHalf))
}

@inline(__always)
private func logisticValueHalf(_ g: SIMD8<Float>, _ h: SIMD8<Float>, _ l: SIMD8<Float>, _ n: SIMD8<Int32>,
                               _ t: SIMD8<Float>) -> SIMD8<Float> {
    var n64 = SIMD8<Int64>()
    for i in 0..<8 { n64[i] = Int64(n[i]) }
    let e = (VectorMath.widen(h) + VectorMath.widen(l)) * unsafeBitCast((n64 &+ 1023) &<< 52, to: VD.self)
    let num = VD(repeating: 1).replacing(with: e, where: VectorMath.widen(t) .< 0)
    return VectorMath.narrow(VectorMath.widen(g) * num / (1 + e))
}

@inline(__always)
private func logisticSlopeHalf(_ g: SIMD8<Float>, _ h: SIMD8<Float>, _ l: SIMD8<Float>, _ n: SIMD8<Int32>,
                               _ scale: Double) -> SIMD8<Float> {
    var n64 = SIMD8<Int64>()
    for i in 0..<8 { n64[i] = Int64(n[i]) }  // one vpmovsxdq, like VectorMath.widen
    let e = (VectorMath.widen(h) + VectorMath.widen(l)) * unsafeBitCast((n64 &+ 1023) &<< 52, to: VD.self)
    let d = 1 + e
    return VectorMath.narrow(VectorMath.widen(g) * (scale * e) / (d * d))
}

struct AbsKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.absolute(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        // sign(x): ±1 from the sign bit, 0 at ±0, NaN at NaN (PyTorch's sign gives 0 there).
        var s = VectorMath.withSign(V(repeating: 1), of: x)
        s = s.replacing(with: 0, where: x .== 0)
        return gy * s.replacing(with: x, where: x .!= x)
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
        logisticSlope(gy, exponent: VectorMath.negativeAbsolute(x), scale: 1)
    }
}

struct TanhKernel: UnaryKernelF32 {
    @inline(__always) func forward(_ x: V) -> V { VectorMath.tanh(x) }
    @inline(__always) func backward(x: V, y: V, gy: V) -> V {
        let a = VectorMath.absolute(x)
        return logisticSlope(gy, exponent: -(a + a), scale: 4)
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
