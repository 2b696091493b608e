import Foundation

// Reference values of the activations and their derivatives (VectorMath+Gelu, +Silu, +Elu,
// +Mish), in ReferenceFloat. Each tail is written so that it does not cancel: the left tail of
// gelu through erfc, sigmoid and 1 - sigmoid from e^-|x|, tanh(softplus) from e^-|x|. The only
// remaining cancellations are at the zeros of the derivatives, where the result is as accurate as
// ReferenceFloat's absolute precision allows (~1e-19 on Float80, far below a float32 ulp of the
// value at any float32 input there). At +-inf each returns its limit; NaN gives NaN.
extension ReferenceMath {
    /// Shorthand for ReferenceFloat in these formulas.
    public typealias R = ReferenceFloat

    /// sigmoid(w) and 1 - sigmoid(w), each without cancellation.
    static func logistic(_ w: R) -> (value: R, complement: R) {
        let e = Foundation.exp(-w.magnitude)
        let r = 1 / (1 + e)
        return w >= 0 ? (r, e * r) : (e * r, r)
    }

    /// Phi(x), the standard normal CDF: 0.5 erfc(-x/sqrt 2), never 1 + erf (cancels for x < 0).
    static func normalCDF(_ x: R) -> R { Foundation.erfc(-x / R(2).squareRoot()) / 2 }

    /// f(x) for finite x (and NaN), -0 at -inf: the limit of x g(x) for g -> 0 there, where the
    /// formula would give -inf * 0.
    static func valueWithLimit(_ x: R, _ f: (R) -> R) -> R { x == -.infinity ? -0.0 : f(x) }

    /// f(x) for finite x, 1 at +inf and -0 at -inf: the limits of the derivatives of gelu, its
    /// tanh form, silu and mish.
    static func derivativeWithLimits(_ x: R, _ f: (R) -> R) -> R { x.isInfinite ? (x > 0 ? 1 : -0.0) : f(x) }

    /// gelu(x) = x Phi(x) (torch gelu, approximate "none").
    public static func gelu(_ x: R) -> R { valueWithLimit(x) { $0 * normalCDF($0) } }

    /// gelu'(x) = Phi(x) + x phi(x).
    public static func geluDerivative(_ x: R) -> R {
        derivativeWithLimits(x) { x in normalCDF(x) + x * Foundation.exp(-x * x / 2) / (2 * R.pi).squareRoot() }
    }

    /// w = 2 sqrt(2/pi) (x + 0.044715 x^3), so that 0.5 (1 + tanh(w/2)) = sigmoid(w), and dw/dx.
    static func geluTanhArgument(_ x: R) -> (w: R, slope: R) {
        let k = 2 * (2 / R.pi).squareRoot(), c: R = 0.044715
        return (k * (x + c * x * x * x), k * (1 + 3 * c * x * x))
    }

    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) = x sigmoid(w) (torch gelu, approximate "tanh").
    public static func geluTanh(_ x: R) -> R { valueWithLimit(x) { $0 * logistic(geluTanhArgument($0).w).value } }

    /// d/dx geluTanh = sigmoid(w) + x sigmoid(w) (1 - sigmoid(w)) w'.
    public static func geluTanhDerivative(_ x: R) -> R {
        derivativeWithLimits(x) { x in
            let (w, slope) = geluTanhArgument(x)
            let (s, sc) = logistic(w)
            return s + x * s * sc * slope
        }
    }

    /// silu(x) = x sigmoid(x).
    public static func silu(_ x: R) -> R { valueWithLimit(x) { $0 * logistic($0).value } }

    /// silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x))).
    public static func siluDerivative(_ x: R) -> R {
        derivativeWithLimits(x) { x in
            let (s, sc) = logistic(x)
            return s + x * s * sc
        }
    }

    /// log(sigmoid(x)) = -(max(-x, 0) + log1p(e^-|x|)).
    public static func logSigmoid(_ x: R) -> R {
        -(max(-x, 0) + Foundation.log1p(Foundation.exp(-x.magnitude)))
    }

    /// d/dx log(sigmoid(x)) = 1 - sigmoid(x).
    public static func logSigmoidDerivative(_ x: R) -> R { logistic(x).complement }

    /// PyTorch's elu: scale x for x > 0, else scale alpha (e^(inputScale x) - 1) (expm1: no
    /// cancellation near 0). selu: alpha 1.6732632423543772848170429916717, scale
    /// 1.0507009873554804934193349852946, inputScale 1.
    public static func elu(_ x: R, alpha: R, scale: R, inputScale: R) -> R {
        x > 0 ? scale * x : scale * alpha * Foundation.expm1(inputScale * x)
    }

    /// elu'(x): scale for x > 0, else inputScale scale alpha e^(inputScale x) (PyTorch's
    /// elu_backward from the input; x = 0 takes the exponential branch).
    public static func eluDerivative(_ x: R, alpha: R, scale: R, inputScale: R) -> R {
        x > 0 ? scale : inputScale * scale * alpha * Foundation.exp(inputScale * x)
    }

    /// softplus(x) = max(x, 0) + log1p(e^-|x|) and, for mish, tanh of it.
    static func tanhSoftplus(_ x: R) -> (softplus: R, tanh: R) {
        let sp = max(x, 0) + Foundation.log1p(Foundation.exp(-x.magnitude))
        return (sp, Foundation.tanh(sp))
    }

    /// mish(x) = x tanh(softplus(x)).
    public static func mish(_ x: R) -> R { valueWithLimit(x) { $0 * tanhSoftplus($0).tanh } }

    /// mish'(x) = tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x); sech^2 = 4/(e^sp + e^-sp)^2
    /// (not 1 - tanh^2, which cancels as sp grows).
    public static func mishDerivative(_ x: R) -> R {
        derivativeWithLimits(x) { x in
            let (sp, t) = tanhSoftplus(x)
            let c = Foundation.exp(sp) + Foundation.exp(-sp)
            return t + x * (4 / (c * c)) * logistic(x).value
        }
    }
}
