// GELU on SIMD16<Float>, both of PyTorch's forms (torch.nn.functional.gelu with approximate
// "none" and "tanh"), all in float32 lanes: the exact form's forward in VectorMath+GeluTail and
// its gradient in VectorMath+GeluGradient, the tanh form in VectorMath+GeluTanh. The float64-lane
// forms they replaced were 0.5 ulp but ran at a fraction of PyTorch's speed. At -inf every form
// returns its limit (-0 for the value, -0 for the gradient) where PyTorch's formula evaluates
// -inf * 0 = NaN; +inf gives +inf and 1. Here: the zeros of the two gradients, where each
// gradient switches to a series in x - x0 (the tests probe their float32 neighbours).
extension VectorMath {
    /// The zero of gelu', x0 = -0.75179152469356445745790, and gelu' about it.
    @usableFromInline static let geluRoot: DerivativeRoot = (
        -0x1.80ead197f00b4p-1, 0x1.13e74c58cada8p-56,
        (0x1.b9d98fa5a3215p-2, 0x1.8d9a941de3ac5p-2, -0x1.2a2ef9bb865aep-6,
         -0x1.d2fa4c17c7e84p-4, -0x1.e4088244f901dp-7, 0x1.3e346def42057p-6))

    /// The zero of the tanh form's derivative, x0 = -0.75246142207101625849, and the series about it.
    @usableFromInline static let geluTanhRoot: DerivativeRoot = (
        -0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55,
        (0x1.b8bacd2c96b91p-2, 0x1.8cd1a2b2fff33p-2, -0x1.029615edb077ap-6,
         -0x1.d2b77346470abp-4, -0x1.104a83edc0ddcp-6, 0x1.427996dc249cep-6))
}
