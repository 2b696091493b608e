import VecKernels

// nn: modules (Linear, activations, Sequential, MLP). The optimizers are in Optim+*.swift.

/// A layer or a model: a differentiable function of one tensor with trainable parameters.
public protocol Module {
    /// The module applied to `input` (PyTorch's `forward`); call it as `model(x)`. Shapes, dtypes and
    /// errors are the module's own.
    func forward(_ input: Tensor) throws -> Tensor
    /// The tensors an optimizer updates (leaves that require grad).
    var parameters: [Tensor] { get }
    /// Sets training (true) or evaluation (false) mode, for this module and the modules it holds
    /// (PyTorch's `train(mode)`); only modes that change `forward` (`Dropout`) keep it. The default
    /// does nothing, for modules that behave the same in both modes.
    func train(_ mode: Bool)
}

extension Module {
    /// `model(x)`, as in PyTorch.
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// Nothing to switch: the module computes the same in both modes.
    public func train(_ mode: Bool) {}

    /// Training mode (PyTorch's `train()`), the mode a module starts in.
    public func train() { train(true) }

    /// Evaluation mode (PyTorch's `eval()`, i.e. `train(false)`): `Dropout` passes its input through.
    public func eval() { train(false) }
}

/// y = x W^T + b with PyTorch's initialisation: weight [out, in] and bias [out] drawn from
/// U(-1/sqrt(in), 1/sqrt(in)) (what kaiming_uniform(a: sqrt(5)) reduces to), reproducible by seed;
/// without a seed, drawn from the default generator (`Tensor.manualSeed(_:)`). 0 features are
/// allowed, as in PyTorch (an empty weight; the output is the bias, or empty).
public final class Linear: Module {
    /// The weight, [out, in], requiring grad when the layer made it.
    public let weight: Tensor
    /// The bias, [out]; nil for a layer made with `bias: false`.
    public let bias: Tensor?
    /// Size of the input's last dim.
    public let inFeatures: Int
    /// Size of the output's last dim.
    public let outFeatures: Int

    /// Throws `negativeDimension` or `sizeOverflow` for bad feature counts and
    /// `requiresGradOnIntegral` for int64.
    public init(in inFeatures: Int, out outFeatures: Int, bias: Bool = true, seed: Int? = nil,
                dtype: DType = .float32) throws {
        guard dtype.isFloatingPoint else { throw TensorError.requiresGradOnIntegral(dtype) }
        let weightCount = try Shape.elementCount([outFeatures, inFeatures], byteSize: dtype.byteSize)
        let (total, overflow) = weightCount.addingReportingOverflow(bias ? outFeatures : 0)
        guard !overflow else { throw TensorError.sizeOverflow(shape: [outFeatures, inFeatures]) }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        // One stream for both, weight first: one seed fixes the whole layer.
        let all = try Tensor.uniform([total], low: -bound, high: bound, seed: seed, dtype: dtype)
            .scalars(as: Double.self)
        weight = try Tensor(validatingShape: [outFeatures, inFeatures], scalars: Array(all[..<weightCount]),
                            dtype: dtype, requiresGrad: true)
        self.bias = bias ? try Tensor(validatingShape: [outFeatures], scalars: Array(all[weightCount...]),
                                      dtype: dtype, requiresGrad: true) : nil
    }

    /// A layer with the given parameters (they should require grad to be trained). Throws
    /// `invalidArgument` unless `weight` is 2-D ([out, in]).
    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.rank == 2 else {
            throw TensorError.invalidArgument("linear(): weight must be 2-D, got \(weight.rank)-D")
        }
        self.weight = weight
        self.bias = bias
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
    }

    /// `linear(input, weight:bias:)`: [..., in] -> [..., out] (`nn.Linear.forward`). Throws
    /// `matmulShapes` when the input's last dim is not `inFeatures` (a [3, 2] input into
    /// `Linear(in: 3, out: 4)`: "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x4)"), and
    /// `invalidArgument` ("mat1 and mat2 must have the same dtype, but got Double and Float") when
    /// its dtype differs from the weight's.
    public func forward(_ input: Tensor) throws -> Tensor { try linear(input, weight: weight, bias: bias) }

    /// `[weight, bias]`, or `[weight]` without a bias.
    public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }
}

/// Modules applied in order.
public final class Sequential: Module {
    /// The modules, in the order they run.
    public let layers: [any Module]

    /// The modules in order (`nn.Sequential(*layers)`); an empty list passes its input through.
    public init(_ layers: [any Module]) { self.layers = layers }
    /// `Sequential([layers...])`.
    public convenience init(_ layers: any Module...) { self.init(layers) }

    /// Each layer's output fed to the next; throws what the first failing layer throws.
    public func forward(_ input: Tensor) throws -> Tensor {
        try layers.reduce(input) { try $1.forward($0) }
    }

    /// Every layer's parameters, in layer order.
    public var parameters: [Tensor] { layers.flatMap(\.parameters) }

    /// Sets every layer's mode (PyTorch's `train(mode)` recurses into the children).
    public func train(_ mode: Bool) { for layer in layers { layer.train(mode) } }
}

/// A multilayer perceptron: Linear layers of the given sizes with ReLU between them (none after
/// the last). `MLP(sizes: [2, 16, 1], seed: 0)` is Linear(2, 16), ReLU, Linear(16, 1).
public final class MLP: Module {
    /// The layers: Linear, ReLU, Linear, ..., Linear.
    public let network: Sequential

    /// Throws `invalidArgument` for fewer than 2 sizes, and what `Linear` throws.
    public init(sizes: [Int], seed: Int? = nil, dtype: DType = .float32) throws {
        guard sizes.count >= 2 else {
            throw TensorError.invalidArgument("MLP needs at least an input and an output size, got \(sizes.count)")
        }
        var layers: [any Module] = []
        for i in 0..<(sizes.count - 1) {
            if i > 0 { layers.append(ReLU()) }
            layers.append(try Linear(in: sizes[i], out: sizes[i + 1], seed: seed.map { $0 &+ i }, dtype: dtype))
        }
        network = Sequential(layers)
    }

    /// A 2-layer MLP: Linear(in, hidden), ReLU, Linear(hidden, out).
    public convenience init(in inFeatures: Int, hidden: Int, out outFeatures: Int, seed: Int? = nil,
                            dtype: DType = .float32) throws {
        try self.init(sizes: [inFeatures, hidden, outFeatures], seed: seed, dtype: dtype)
    }

    /// `network.forward(input)`: [..., sizes.first] -> [..., sizes.last].
    public func forward(_ input: Tensor) throws -> Tensor { try network.forward(input) }
    /// Weight and bias of every Linear layer, first layer first.
    public var parameters: [Tensor] { network.parameters }
}
