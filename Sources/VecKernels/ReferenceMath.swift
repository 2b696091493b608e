import Foundation

// The exact functions every kernel is measured against, in more precision than the kernels
// compute in: Float80 (64-bit significand, 11 bits beyond float64) where the platform has it.
// Formulas are written in forms that do not cancel in the tails, so that the reference is
// correctly rounded to float64 (to within 2^-11 ulp) everywhere the tests sweep.

#if arch(x86_64) && !os(Windows)
/// The precision references are computed in: Float80 on x86-64, Double elsewhere.
public typealias ReferenceFloat = Float80
#else
/// The precision references are computed in: Float80 on x86-64, Double elsewhere.
public typealias ReferenceFloat = Double
#endif

/// Reference formulas of the elementwise ops (forward and derivative), in `ReferenceFloat`.
public enum ReferenceMath {}

// The float64 kernels of VectorMath64*.swift are tested against these (to 2 ulp). Arguments are
// Doubles widened exactly; products such as beta*x are carried as h + l (exact in Float80) where
// their rounding would move a steep result by more than 2^-11 ulp.
extension ReferenceMath {
    /// e^x.
    public static func exp(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.exp(x) }
    /// e^x - 1.
    public static func expm1(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.expm1(x) }
    /// Natural log.
    public static func log(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.log(x) }
    /// log(1 + x).
    public static func log1p(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.log1p(x) }

    /// 1/(1 + e^-x) from e = e^-|x|: e/(1 + e) for x < 0, so the negative tail keeps its
    /// relative precision.
    public static func sigmoid(_ x: ReferenceFloat) -> ReferenceFloat {
        let e = Foundation.exp(-Swift.abs(x))
        return (x < 0 ? e : 1) / (1 + e)
    }

    /// sigmoid'(x) = e/(1 + e)^2 with e = e^-|x| (y(1 - y) cancels in the tails).
    public static func sigmoidDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        let e = Foundation.exp(-Swift.abs(x))
        return e / ((1 + e) * (1 + e))
    }

    /// Hyperbolic tangent.
    public static func tanh(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.tanh(x) }

    /// tanh'(x) = 1 - tanh^2 = 4t/(1 + t)^2 with t = e^(-2|x|).
    public static func tanhDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        let t = Foundation.exp(-2 * Swift.abs(x))
        return 4 * t / ((1 + t) * (1 + t))
    }

    /// beta*x of two float64s, exactly, as h + l.
    static func exactProduct(_ beta: Double, _ x: Double) -> (h: ReferenceFloat, l: ReferenceFloat) {
        let h = ReferenceFloat(beta) * ReferenceFloat(x)
        if !h.isFinite { return (h, 0) }
        return (h, (-h).addingProduct(ReferenceFloat(beta), ReferenceFloat(x)))
    }

    /// e^-|h + l| as e^-|h| (1 -+ l) (l <= 2^-54 |h|); 0 where |h| > 2^14, where the first
    /// factor is 0 and l may exceed 1.
    static func expNegativeAbsolute(_ h: ReferenceFloat, _ l: ReferenceFloat) -> ReferenceFloat {
        Swift.abs(h) > 0x1p14 ? 0 : Foundation.exp(-Swift.abs(h)) * (1 - (h < 0 ? -l : l))
    }

    /// torch.nn.functional.softplus: log(1 + e^(beta x))/beta, and x where beta*x (rounded to
    /// float64, as PyTorch computes it) > threshold. Evaluated as (max(bx, 0) + log1p(e^-|bx|))/beta.
    public static func softplus(_ x: Double, beta: Double, threshold: Double) -> ReferenceFloat {
        if beta * x > threshold { return ReferenceFloat(x) }
        let (h, l) = exactProduct(beta, x)
        let e = expNegativeAbsolute(h, l)
        return (Swift.max(h, 0) + (h > 0 ? l : 0) + Foundation.log1p(e)) / ReferenceFloat(beta)
    }

    /// d softplus/dx = sigmoid(beta x), and 1 where beta*x > threshold.
    public static func softplusDerivative(_ x: Double, beta: Double, threshold: Double) -> ReferenceFloat {
        if beta * x > threshold { return 1 }
        let (h, l) = exactProduct(beta, x)
        let e = expNegativeAbsolute(h, l)
        return (h < 0 ? e : 1) / (1 + e)
    }

    /// Sine (glibc's long double sinl reduces huge arguments exactly).
    public static func sin(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.sin(x) }
    /// Cosine.
    public static func cos(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.cos(x) }
    /// sin'(x) = cos(x).
    public static func sinDerivative(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.cos(x) }
    /// cos'(x) = -sin(x).
    public static func cosDerivative(_ x: ReferenceFloat) -> ReferenceFloat { -Foundation.sin(x) }

    /// x^p with C's pow edges, and 1 for p == 0 even at NaN (torch.pow).
    public static func pow(_ x: ReferenceFloat, _ p: ReferenceFloat) -> ReferenceFloat {
        p == 0 ? 1 : Foundation.pow(x, p)
    }

    /// d x^p/dx = p x^(p-1), and 0 everywhere for p == 0 (PyTorch's pow_backward).
    public static func powDerivative(_ x: ReferenceFloat, _ p: ReferenceFloat) -> ReferenceFloat {
        p == 0 ? 0 : p * Foundation.pow(x, p - 1)
    }

    /// Error function.
    public static func erf(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.erf(x) }
    /// Complementary error function 1 - erf(x), relative accuracy in the tail.
    public static func erfc(_ x: ReferenceFloat) -> ReferenceFloat { Foundation.erfc(x) }
    /// erf'(x) = 2/sqrt(pi) e^(-x^2) (x^2 exact in Float80 for float64 x).
    public static func erfDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        1.12837916709551257389615890312154517 * Foundation.exp(-x * x)
    }
}

extension ReferenceMath {
    /// silu'(x) as `siluDerivative`, but accurate relative to itself near its zero x0 =
    /// -1.2784645427610738: there the formula's absolute error (~1e-19 in Float80) is up to 4e-4
    /// of the value at the float64 inputs next to x0, so |x - x0| < 1/16 takes (x - x0) times the
    /// Taylor series of silu' at x0 (mpmath; degree 18, truncation below 1e-30), x0 as hi + lo.
    public static func siluDerivativeNearRoot(_ x: ReferenceFloat) -> ReferenceFloat {
        let d = (x - ReferenceFloat(-0x1.474973c84120bp+0)) - ReferenceFloat(-0x1.f8d74bc9ac154p-54)
        if !(Swift.abs(d) < 0.0625) { return siluDerivative(x) }
        let c: [ReferenceFloat] = [
            2.917760302690380261798e-9, 4.619379769031606172509e-9, -1.887762290772795805058e-8,
            -9.2666463092674401972e-8, -3.051244750055421079099e-8, 8.599695028268575517718e-7,
            0.000002346029682463866049406, -0.000002942631888842463993917, -0.00002973354221326391583878,
            -0.00004090534237428611680515, 0.0001857072436118649565274, 0.0007985218818397997761221,
            0.0001266274100811219972716, -0.006606589138356696436301, -0.01522265522318803168878,
            0.01887481422378231340716, 0.1466487969969469001794, 0.2178117057198000987797,
        ]
        return d * c.reduce(0) { $0 * d + $1 }
    }

    /// gelu'(x) as `geluDerivative`, but accurate relative to itself within 1/16 of its zero x0 =
    /// -0.7517915246935645 (the same cancellation as silu'): (x - x0) times the Taylor series
    /// (mpmath, degree 18), x0 as hi + lo.
    public static func geluDerivativeNearRoot(_ x: ReferenceFloat) -> ReferenceFloat {
        let d = (x - ReferenceFloat(-0x1.80ead197f00b4p-1)) - ReferenceFloat(0x1.13e74c58cada8p-56)
        if !(Swift.abs(d) < 0.0625) { return geluDerivative(x) }
        let c: [ReferenceFloat] = [
            -1.396942086426202065978e-9, -3.545986646178386648418e-8, -1.60442654942464275857e-9,
            5.70276497924210723723e-7, 4.328450625739227546755e-7, -0.000007748461307003719125262,
            -0.00001121438018842664137521, 0.00008615947861116571627794, 0.0001863397462323351328044,
            -0.0007448268386746816242731, -0.002239538068073497151279, 0.004539228379125415573634,
            0.01942167983818906588903, -0.01477152214824433771784, -0.1140082332972217085524,
            -0.01819967639867108710057, 0.3882849829905519978581, 0.4314939923140469197865,
        ]
        return d * c.reduce(0) { $0 * d + $1 }
    }
}
