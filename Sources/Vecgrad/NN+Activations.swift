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
