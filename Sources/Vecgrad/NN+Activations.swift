// The activation modules (torch.nn.ReLU, GELU, ...): stateless, one line each over the Tensor
// method of the same name, so that they can sit in a Sequential.

/// max(x, 0) as a module.
public struct ReLU: Module {
    /// A ReLU module (`nn.ReLU()`); it has no parameters.
    public init() {}
    /// `input.relu()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.relu() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// The logistic function as a module.
public struct Sigmoid: Module {
    /// A Sigmoid module (`nn.Sigmoid()`); it has no parameters.
    public init() {}
    /// `input.sigmoid()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.sigmoid() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// tanh as a module.
public struct Tanh: Module {
    /// A Tanh module (`nn.Tanh()`); it has no parameters.
    public init() {}
    /// `input.tanh()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.tanh() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// GELU as a module (torch.nn.GELU), exact or with the tanh approximation.
public struct GELU: Module {
    /// `.none` for the exact x Phi(x) through erf, `.tanh` for PyTorch's tanh approximation.
    public let approximate: GeluApproximation
    /// A GELU module (`nn.GELU(approximate=...)`), exact by default.
    public init(approximate: GeluApproximation = .none) { self.approximate = approximate }
    /// `input.gelu(approximate: approximate)`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.gelu(approximate: approximate) }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// SiLU as a module (torch.nn.SiLU).
public struct SiLU: Module {
    /// A SiLU module (`nn.SiLU()`); it has no parameters.
    public init() {}
    /// `input.silu()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.silu() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// log(sigmoid(x)) as a module (torch.nn.LogSigmoid).
public struct LogSigmoid: Module {
    /// A LogSigmoid module (`nn.LogSigmoid()`); it has no parameters.
    public init() {}
    /// `input.logSigmoid()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.logSigmoid() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// Mish as a module (torch.nn.Mish).
public struct Mish: Module {
    /// A Mish module (`nn.Mish()`); it has no parameters.
    public init() {}
    /// `input.mish()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.mish() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// ELU as a module (torch.nn.ELU).
public struct ELU: Module {
    /// The negative side's scale: alpha (e^x - 1) for x <= 0 (PyTorch's default 1).
    public let alpha: Double
    /// An ELU module (`nn.ELU(alpha=...)`).
    public init(alpha: Double = 1) { self.alpha = alpha }
    /// `input.elu(alpha: alpha)`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.elu(alpha: alpha) }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// SELU as a module (torch.nn.SELU).
public struct SELU: Module {
    /// A SELU module (`nn.SELU()`); it has no parameters.
    public init() {}
    /// `input.selu()`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.selu() }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// Leaky ReLU as a module (torch.nn.LeakyReLU).
public struct LeakyReLU: Module {
    /// The slope for x < 0 (PyTorch's default 0.01).
    public let negativeSlope: Double
    /// A leaky ReLU module (`nn.LeakyReLU(negative_slope=...)`).
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    /// `input.leakyRelu(negativeSlope: negativeSlope)`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}

/// Hardtanh as a module (torch.nn.Hardtanh).
public struct Hardtanh: Module {
    /// The lower bound (PyTorch's min_val).
    public let min: Double
    /// The upper bound (PyTorch's max_val).
    public let max: Double
    /// A hardtanh module clamping to [min, max] (`nn.Hardtanh(min_val, max_val)`; defaults -1 and 1).
    public init(min: Double = -1, max: Double = 1) { self.min = min; self.max = max }
    /// `input.hardtanh(min: min, max: max)`: same shape as `input`; never throws.
    public func forward(_ input: Tensor) throws -> Tensor { input.hardtanh(min: min, max: max) }
    /// None: `[]` (an optimizer has nothing to update).
    public var parameters: [Tensor] { [] }
}
