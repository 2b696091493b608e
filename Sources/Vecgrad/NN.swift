import VecKernels

// nn: modules (Linear, activations, Sequential, MLP) and the SGD optimizer.

/// A layer or a model: a differentiable function of one tensor with trainable parameters.
public protocol Module {
    func forward(_ input: Tensor) throws -> Tensor
    /// The tensors an optimizer updates (leaves that require grad).
    var parameters: [Tensor] { get }
}

extension Module {
    /// `model(x)`, as in PyTorch.
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// y = x W^T + b with PyTorch's initialisation: weight [out, in] and bias [out] drawn from
/// U(-1/sqrt(in), 1/sqrt(in)) (what kaiming_uniform(a: sqrt(5)) reduces to), reproducible by seed;
/// without a seed, drawn from the default generator (`Tensor.manualSeed(_:)`). 0 features are
/// allowed, as in PyTorch (an empty weight; the output is the bias, or empty).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let inFeatures: Int
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

    public func forward(_ input: Tensor) throws -> Tensor { try linear(input, weight: weight, bias: bias) }

    public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }
}

/// Modules applied in order.
public final class Sequential: Module {
    public let layers: [any Module]

    public init(_ layers: [any Module]) { self.layers = layers }
    public convenience init(_ layers: any Module...) { self.init(layers) }

    public func forward(_ input: Tensor) throws -> Tensor {
        try layers.reduce(input) { try $1.forward($0) }
    }

    public var parameters: [Tensor] { layers.flatMap(\.parameters) }
}

/// A multilayer perceptron: Linear layers of the given sizes with ReLU between them (none after
/// the last). `MLP(sizes: [2, 16, 1], seed: 0)` is Linear(2, 16), ReLU, Linear(16, 1).
public final class MLP: Module {
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

    public func forward(_ input: Tensor) throws -> Tensor { try network.forward(input) }
    public var parameters: [Tensor] { network.parameters }
}

/// Stochastic gradient descent (PyTorch's `torch.optim.SGD`): p -= lr * (grad + weightDecay * p),
/// with optional momentum (buf = momentum * buf + d; the first step takes buf = d).
public final class SGD {
    public let parameters: [Tensor]
    public var lr: Double
    public var momentum: Double
    public var weightDecay: Double
    private var buffers: [Tensor?]

    public init(parameters: [Tensor], lr: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// Clears every parameter's gradient (PyTorch's default `set_to_none=True`).
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// Updates every parameter that has a gradient, in place (bumping its version counter, so a
    /// graph that saved the old values refuses to run backward, as in PyTorch). Cannot fail: a
    /// gradient always has its parameter's shape and dtype (the `grad` setter and the engine
    /// guarantee it), so the `try!`s below never fire.
    public func step() {
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                var d = g
                if weightDecay != 0 { d = try! d + p.detach() * weightDecay }
                if momentum != 0 {
                    d = buffers[i].map { try! $0 * momentum + d } ?? d.copied()
                    buffers[i] = d
                }
                p.subtractInPlace(d * lr)
            }
        }
    }
}

extension Tensor {
    /// self -= other (same shape and dtype: the caller guarantees it), in place, for optimizers.
    /// Bumps the version counter.
    func subtractInPlace(_ other: Tensor) {
        precondition(other.shape == shape && other.dtype == dtype && dtype.isFloatingPoint,
                     "in-place update needs the same shape and dtype")
        let o = Execution.options
        func subtract<T: KernelFloat>(_: T.Type) {
            Broadcast.binary(.sub, pointer(T.self), aShape: shape, other.pointer(T.self), bShape: shape,
                             pointer(T.self), outShape: shape, variant: o.variant, threads: o.threads)
        }
        subtract(dtype.floating)
        bumpVersion()
    }
}
