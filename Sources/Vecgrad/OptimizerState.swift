import VecKernels

// The saved state of an optimizer: PyTorch's `optimizer.state_dict()` as a Codable value.

/// An optimizer's hyper-parameters and per-parameter state (PyTorch's `state_dict()`:
/// `param_groups[0]` is `settings`, `state` is `state`), Codable, so that JSON written by
/// `JSONEncoder` and read back restores a training run exactly: `loadStateDict(_:)` on a new
/// optimizer over the same parameters continues the very same trajectory, bit for bit.
///
/// Buffer values are stored as Doubles (exact for float32 and float64); NaN and infinities, which
/// JSON numbers cannot hold, are written as the strings "nan", "inf" and "-inf".
/// Difference from PyTorch: loading checks that the state comes from the same kind of optimizer
/// and that each buffer has its parameter's shape (PyTorch loads it and fails at the next step).
public struct OptimizerState: Codable, Equatable, Sendable {
    /// The optimizer's type name: "SGD", "Adam" or "AdamW".
    public var optimizer: String
    /// The hyper-parameters (PyTorch's `param_groups[0]` without `params`).
    public var settings: Settings
    /// One entry per parameter, in the optimizer's `parameters` order; nil for a parameter that has
    /// not been stepped yet (PyTorch's `state` leaves it out).
    public var state: [ParameterState?]

    /// A state as given (normally made by an optimizer's `stateDict()`).
    public init(optimizer: String, settings: Settings, state: [ParameterState?]) {
        self.optimizer = optimizer
        self.settings = settings
        self.state = state
    }

    /// Hyper-parameters, under PyTorch's names in camelCase; the ones an optimizer lacks are nil.
    public struct Settings: Codable, Equatable, Sendable {
        /// Learning rate.
        public var lr: Double
        /// Weight decay (L2 penalty, or AdamW's decoupled decay).
        public var weightDecay: Double
        /// Whether the objective is maximised.
        public var maximize: Bool
        /// SGD's momentum factor.
        public var momentum: Double?
        /// SGD's dampening.
        public var dampening: Double?
        /// SGD's Nesterov flag.
        public var nesterov: Bool?
        /// Adam's (beta1, beta2), as a 2-element array.
        public var betas: [Double]?
        /// Adam's epsilon.
        public var eps: Double?
        /// Adam's AMSGrad flag.
        public var amsgrad: Bool?
        /// Adam's decoupled weight decay (true for AdamW).
        public var decoupledWeightDecay: Bool?

        /// Settings as given; the optimizer-specific ones default to nil.
        public init(lr: Double, weightDecay: Double, maximize: Bool, momentum: Double? = nil, dampening: Double? = nil,
                    nesterov: Bool? = nil, betas: [Double]? = nil, eps: Double? = nil, amsgrad: Bool? = nil,
                    decoupledWeightDecay: Bool? = nil) {
            self.lr = lr
            self.weightDecay = weightDecay
            self.maximize = maximize
            self.momentum = momentum
            self.dampening = dampening
            self.nesterov = nesterov
            self.betas = betas
            self.eps = eps
            self.amsgrad = amsgrad
            self.decoupledWeightDecay = decoupledWeightDecay
        }
    }

    /// One parameter's state: Adam's step count and the buffers under PyTorch's names
    /// ("momentum_buffer"; "exp_avg", "exp_avg_sq", "max_exp_avg_sq").
    public struct ParameterState: Codable, Equatable, Sendable {
        /// Steps taken (Adam's `state["step"]`); nil for SGD.
        public var step: Int?
        /// The buffers by PyTorch's names.
        public var buffers: [String: SavedTensor]

        /// A state as given.
        public init(step: Int? = nil, buffers: [String: SavedTensor]) {
            self.step = step
            self.buffers = buffers
        }
    }

    /// A tensor's shape, dtype name ("float32", "float64") and values, flat in row-major order.
    public struct SavedTensor: Codable, Equatable, Sendable {
        /// The shape.
        public var shape: [Int]
        /// `DType.rawValue` of the tensor saved.
        public var dtype: String
        /// The elements as Doubles (exact for both float dtypes).
        public var values: [Double]

        /// A copy of `tensor`'s values.
        public init(_ tensor: Tensor) {
            shape = tensor.shape
            dtype = tensor.dtype.rawValue
            values = tensor.scalars(as: Double.self)
        }

        private enum CodingKeys: String, CodingKey { case shape, dtype, values }

        /// Reads what `encode(to:)` writes: numbers, or "nan", "inf", "-inf".
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            shape = try c.decode([Int].self, forKey: .shape)
            dtype = try c.decode(String.self, forKey: .dtype)
            var list = try c.nestedUnkeyedContainer(forKey: .values)
            var values: [Double] = []
            while !list.isAtEnd {
                if let v = try? list.decode(Double.self) { values.append(v); continue }
                let word = try list.decode(String.self)
                guard let v = ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][word] else {
                    throw DecodingError.dataCorruptedError(in: list, debugDescription: "not a number: \(word)")
                }
                values.append(v)
            }
            self.values = values
        }

        /// Writes finite values as numbers and the others as strings (JSON has no NaN or infinity).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(shape, forKey: .shape)
            try c.encode(dtype, forKey: .dtype)
            var list = c.nestedUnkeyedContainer(forKey: .values)
            for v in values {
                if v.isFinite { try list.encode(v) } else { try list.encode(v.isNaN ? "nan" : v < 0 ? "-inf" : "inf") }
            }
        }

        /// The saved tensor as a new tensor of `dtype` (PyTorch casts loaded state to the parameter's
        /// dtype). Throws `invalidShape` when the values do not fill the shape.
        func tensor(dtype: DType) throws -> Tensor {
            try Tensor(validatingShape: shape, scalars: values, dtype: dtype)
        }
    }

    /// The per-parameter state as tensors of each parameter's dtype, after checking that it fits:
    /// throws `invalidArgument` for another optimizer's state ("loaded state dict is for Adam, not
    /// SGD"), for another parameter count (PyTorch's "loaded state dict contains a parameter group
    /// that doesn't match the size of optimizer's group"), for a buffer name the optimizer does not
    /// use or a buffer whose shape is not its parameter's, and for an unknown dtype name.
    func validated(for optimizer: String, parameters: [Tensor], buffers names: Set<String>) throws -> [LoadedState?] {
        guard self.optimizer == optimizer else {
            throw TensorError.invalidArgument("loaded state dict is for \(self.optimizer), not \(optimizer)")
        }
        guard state.count == parameters.count else {
            throw TensorError.invalidArgument(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        }
        return try zip(state, parameters).enumerated().map { i, pair in
            guard let saved = pair.0 else { return nil }
            var tensors: [String: Tensor] = [:]
            for (name, t) in saved.buffers {
                guard names.contains(name) else {
                    throw TensorError.invalidArgument("loaded state of parameter \(i) has an unknown buffer \(name)")
                }
                guard DType(rawValue: t.dtype) != nil else {
                    throw TensorError.invalidArgument("loaded state of parameter \(i) has an unknown dtype \(t.dtype)")
                }
                guard t.shape == pair.1.shape else {
                    throw TensorError.invalidArgument("loaded state of parameter \(i) has \(name) of shape "
                        + "\(shapeList(t.shape)), but the parameter has shape \(shapeList(pair.1.shape))")
                }
                tensors[name] = try t.tensor(dtype: pair.1.dtype)
            }
            return LoadedState(step: saved.step, buffers: tensors)
        }
    }
}

/// One parameter's state checked and converted for loading.
struct LoadedState {
    var step: Int?
    var buffers: [String: Tensor]
}
