// The activation modules (torch.nn.ReLU, GELU, ...): stateless, one line each over the Tensor
// method of the same name, so that they can sit in a Sequential.

/// max(x, 0) as a module.
public struct ReLU: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.relu() }
    public var parameters: [Tensor] { [] }
}

/// The logistic function as a module.
public struct Sigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.sigmoid() }
    public var parameters: [Tensor] { [] }
}

/// tanh as a module.
public struct Tanh: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.tanh() }
    public var parameters: [Tensor] { [] }
}

/// GELU as a module (torch.nn.GELU), exact or with the tanh approximation.
public struct GELU: Module {
    public let approximate: GeluApproximation
    public init(approximate: GeluApproximation = .none) { self.approximate = approximate }
    public func forward(_ input: Tensor) throws -> Tensor { input.gelu(approximate: approximate) }
    public var parameters: [Tensor] { [] }
}

/// SiLU as a module (torch.nn.SiLU).
public struct SiLU: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.silu() }
    public var parameters: [Tensor] { [] }
}

/// log(sigmoid(x)) as a module (torch.nn.LogSigmoid).
public struct LogSigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.logSigmoid() }
    public var parameters: [Tensor] { [] }
}

/// Mish as a module (torch.nn.Mish).
public struct Mish: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.mish() }
    public var parameters: [Tensor] { [] }
}

/// ELU as a module (torch.nn.ELU).
public struct ELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha }
    public func forward(_ input: Tensor) throws -> Tensor { input.elu(alpha: alpha) }
    public var parameters: [Tensor] { [] }
}

/// SELU as a module (torch.nn.SELU).
public struct SELU: Module {
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input.selu() }
    public var parameters: [Tensor] { [] }
}

/// Leaky ReLU as a module (torch.nn.LeakyReLU).
public struct LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    public func forward(_ input: Tensor) throws -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    public var parameters: [Tensor] { [] }
}

/// Hardtanh as a module (torch.nn.Hardtanh).
public struct Hardtanh: Module {
    public let min: Double
    public let max: Double
    public init(min: Double = -1, max: Double = 1) { self.min = min; self.max = max }
    public func forward(_ input: Tensor) throws -> Tensor { input.hardtanh(min: min, max: max) }
    public var parameters: [Tensor] { [] }
}
