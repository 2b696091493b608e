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
