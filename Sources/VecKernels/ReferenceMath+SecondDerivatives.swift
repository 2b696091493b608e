import Foundation

// f''(x) of the smooth activations, for double backward (the gradient of a gradient): the first
// backward's gx = gy * f'(x) has d gx / dx = gy * f''(x). Computed in the reference precision and
// rounded once; double backward is off the hot path, so no SIMD body.

extension ReferenceMath {
    /// sigmoid'' = s (1 - s) (1 - 2 s), with 1 - s taken without cancellation.
    public static func sigmoidSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        let (s, sc) = logistic(x)
        return s * sc * (sc - s)
    }

    /// tanh'' = -2 tanh (1 - tanh^2).
    public static func tanhSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        -2 * Foundation.tanh(x) * tanhDerivative(x)
    }

    /// softplus'' = beta s (1 - s) with s = sigmoid(beta x), 0 where beta x > threshold (linear there).
    public static func softplusSecondDerivative(_ x: Double, beta: Double, threshold: Double) -> ReferenceFloat {
        let bx = R(beta) * R(x)
        if bx > R(threshold) { return 0 }
        let (s, sc) = logistic(bx)
        return R(beta) * s * sc
    }

    /// x^p: p (p - 1) x^(p - 2); 0 for p = 0 and p = 1 (PyTorch's pow backward is then constant).
    public static func powSecondDerivative(_ x: ReferenceFloat, _ p: ReferenceFloat) -> ReferenceFloat {
        p == 0 || p == 1 ? 0 : p * (p - 1) * Foundation.pow(x, p - 2)
    }

    /// gelu'' = phi(x) (2 - x^2), phi the standard normal density.
    public static func geluSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        if x.isInfinite { return 0 }
        let phi = Foundation.exp(-x * x / 2) / (2 * R.pi).squareRoot()
        return phi * (2 - x * x)
    }

    /// gelu (tanh form) = x s(w): f'' = 2 s' w' + x (s'' w'^2 + s' w''), s' = s (1 - s),
    /// s'' = s' (1 - 2 s), w' = k (1 + 3 c x^2), w'' = 6 k c x.
    public static func geluTanhSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        if x.isInfinite { return 0 }
        let k = 2 * (2 / R.pi).squareRoot(), c: R = 0.044715
        let (w, slope) = geluTanhArgument(x)
        let (s, sc) = logistic(w)
        let s1 = s * sc, s2 = s1 * (sc - s)
        return 2 * s1 * slope + x * (s2 * slope * slope + s1 * 6 * k * c * x)
    }

    /// silu'' = s (1 - s) (2 + x (1 - 2 s)).
    public static func siluSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        if x.isInfinite { return 0 }
        let (s, sc) = logistic(x)
        return s * sc * (2 + x * (sc - s))
    }

    /// log(sigmoid(x))'' = -s (1 - s).
    public static func logSigmoidSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        let (s, sc) = logistic(x)
        return -(s * sc)
    }

    /// mish = x t(sp(x)), t = tanh, sp = softplus, sp' = s = sigmoid(x): with
    /// m = sech^2(sp) = 1 - t^2, mish'' = 2 m s + x (m s (1 - s) - 2 t m s^2).
    public static func mishSecondDerivative(_ x: ReferenceFloat) -> ReferenceFloat {
        if x.isInfinite { return 0 }
        let (sp, t) = tanhSoftplus(x)
        let c = Foundation.exp(sp) + Foundation.exp(-sp)
        let m = 4 / (c * c)
        let (s, sc) = logistic(x)
        return 2 * m * s + x * (m * s * sc - 2 * t * m * s * s)
    }

    /// elu'': 0 for x > 0, else inputScale^2 scale alpha e^(inputScale x).
    public static func eluSecondDerivative(_ x: ReferenceFloat, alpha: ReferenceFloat, scale: ReferenceFloat,
                                           inputScale: ReferenceFloat) -> ReferenceFloat {
        x > 0 ? 0 : inputScale * inputScale * scale * alpha * Foundation.exp(inputScale * x)
    }
}
