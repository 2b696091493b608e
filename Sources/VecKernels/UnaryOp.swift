import Foundation

/// An elementwise function of one tensor, with PyTorch's semantics at the edges. Each case's facts
/// (kernels, reference, PyTorch names, domain, cost, accuracy bound) live in its record, one file
/// per op (UnaryDefinition); this enum only names the ops and their parameters. The cases without
/// parameters `abs`, `neg`, `relu`, `sigmoid`, `tanh`, `exp`, `expm1`, `log`, `log1p`, `sqrt`,
/// `sin` and `cos` are PyTorch's functions of the same names (`torch.abs`, ...).
public enum UnaryOp: Hashable, Sendable {
    case abs, neg, relu, sigmoid, tanh, exp, expm1, log, log1p, sqrt, sin, cos
    /// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch defaults 1, 20).
    case softplus(beta: Double, threshold: Double)
    /// x^p; the gradient of x^0 is 0 everywhere (PyTorch).
    case pow(Double)
    /// x Phi(x), exactly or with the tanh approximation (torch.nn.functional.gelu).
    case gelu(approximate: GeluApproximation)
    /// x sigmoid(x) (torch.nn.functional.silu).
    case silu
    /// log(sigmoid(x)) (torch.nn.functional.logsigmoid).
    case logSigmoid
    /// x tanh(softplus(x)) (torch.nn.functional.mish).
    case mish
    /// scale x for x > 0, else scale alpha (e^(inputScale x) - 1) (torch.nn.functional.elu;
    /// selu is `UnaryOp.selu`).
    case elu(alpha: Double, scale: Double, inputScale: Double)
    /// x for x > 0, else negativeSlope x (torch.nn.functional.leaky_relu).
    case leakyRelu(negativeSlope: Double)
    /// min(max(x, min), max); gradient gy strictly inside (torch.nn.functional.hardtanh).
    case hardtanh(min: Double, max: Double)
    /// min(max(x, min), max); gradient gy strictly inside, 0 at NaN (torch.clamp with scalar bounds).
    case clamp(min: Double, max: Double)

    /// PyTorch's default softplus.
    public static let softplusDefault = UnaryOp.softplus(beta: 1, threshold: 20)
    /// PyTorch's default elu (alpha 1).
    public static let eluDefault = UnaryOp.elu(alpha: 1, scale: 1, inputScale: 1)
    /// selu: elu with SELU's alpha and scale (torch.nn.functional.selu).
    public static let selu = UnaryOp.elu(alpha: EluOp.seluAlpha, scale: EluOp.seluScale, inputScale: 1)

    /// The one place an op meets its record: generic code receives the record as a concrete type.
    func visit<V: UnaryVisitor>(_ v: V) -> V.Result {
        switch self {
        case .abs: v.visit(AbsOp())
        case .neg: v.visit(NegOp())
        case .relu: v.visit(ReluOp())
        case .sigmoid: v.visit(SigmoidOp())
        case .tanh: v.visit(TanhOp())
        case .exp: v.visit(ExpOp())
        case .expm1: v.visit(Expm1Op())
        case .log: v.visit(LogOp())
        case .log1p: v.visit(Log1pOp())
        case .sqrt: v.visit(SqrtOp())
        case .sin: v.visit(SinOp())
        case .cos: v.visit(CosOp())
        case let .softplus(beta, threshold) where beta == 1: v.visit(SoftplusUnitOp(threshold: threshold))
        case let .softplus(beta, threshold): v.visit(SoftplusOp(beta: beta, threshold: threshold))
        case let .pow(p):
            switch p {
            case 0: v.visit(PowZeroOp())
            case 1: v.visit(PowOneOp())
            case 2: v.visit(PowTwoOp())
            case 3: v.visit(PowThreeOp())
            case 0.5: v.visit(PowHalfOp())
            case 1.5: v.visit(PowThreeHalvesOp())
            case -1: v.visit(PowMinusOneOp())
            default: v.visit(PowGeneralOp(p: p))
            }
        case .gelu(approximate: .none): v.visit(GeluOp())
        case .gelu(approximate: .tanh): v.visit(GeluTanhOp())
        case .silu: v.visit(SiluOp())
        case .logSigmoid: v.visit(LogSigmoidOp())
        case .mish: v.visit(MishOp())
        case let .elu(alpha, scale, inputScale): v.visit(EluOp(alpha: alpha, scale: scale, inputScale: inputScale))
        case let .leakyRelu(slope): v.visit(LeakyReluOp(negativeSlope: slope))
        case let .hardtanh(low, high): v.visit(HardtanhOp(low: low, high: high))
        case let .clamp(low, high): v.visit(ClampOp(low: low, high: high))
        }
    }

    /// The ops the catalog, `vecbench accuracy` and the generic tests cover, with PyTorch's default
    /// parameters.
    public static let catalog: [UnaryOp] = [
        .relu, .abs, .neg, .sigmoid, .tanh, .exp, .expm1, .log, .log1p, .sqrt, .softplusDefault, .sin, .cos, .pow(1.5),
        .gelu(approximate: .none), .gelu(approximate: .tanh), .silu, .logSigmoid, .mish, .eluDefault, .selu,
        .leakyRelu(negativeSlope: 0.01), .hardtanh(min: -1, max: 1),
    ]

    /// One of each case, with representative parameters (tests).
    public static let examples: [UnaryOp] = catalog + [
        .softplus(beta: 2, threshold: 10), .pow(2), .pow(3), .pow(0.5), .pow(-1), .pow(0), .pow(1.7),
        .elu(alpha: 0.25, scale: 2.5, inputScale: 1.75), .leakyRelu(negativeSlope: 0.2), .hardtanh(min: -0.5, max: 2),
        .clamp(min: -1, max: 1), .clamp(min: 2, max: -2), .clamp(min: -.infinity, max: 0.5),
    ]

    /// The catalog op of that name (vecbench's op names, e.g. "softplus").
    public init?(name: String) {
        guard let op = Self.catalog.first(where: { $0.name == name }) else { return nil }
        self = op
    }

    /// vecbench's op name: PyTorch's function name, with parameters when not the defaults.
    public var name: String { visit(Fact { $0.name }) }
    /// The autograd node PyTorch records for it, e.g. "SigmoidBackward0".
    public var torchNode: String { visit(Fact { $0.torchNode }) }
    /// What its backward reads besides the upstream gradient.
    public var saved: UnarySaved { visit(Fact { $0.saved }) }
    /// What its backward reads in one dtype: e.g. float32 gelu and mish keep x where float64
    /// saves their derivative (`saved`).
    public func saved<T: KernelFloat>(for _: T.Type) -> UnarySaved {
        T.self == Float.self ? visit(Fact { $0.savedFloat32 }) : saved
    }
    /// The exact int64 op for integer input, where PyTorch keeps int64 (abs, neg, relu).
    public var integerOp: IntegerUnaryOp? { visit(Fact { $0.integerOp }) }
    /// (a, b) with d f'/dy = a + b y where f'(x) is a function of y = f(x) alone (sigmoid: y (1 - y),
    /// tanh: 1 - y^2), nil otherwise: autograd keeps y and the complement for these, not x.
    public var derivativeSlopeInOutput: (a: Double, b: Double)? { visit(Fact { $0.derivativeSlopeInOutput }) }
    /// All facts as data (`vecbench ops --json`).
    public var info: UnaryInfo { visit(Fact { $0.info }) }

    /// Cheap ops are memory-bound and need more elements before threads pay off.
    var isCheap: Bool { visit(Fact { $0.flops <= 2 }) }

    /// The function in float64, from the reference rounded once: what every variant is measured against.
    public func apply(_ x: Double) -> Double { Double(visit(Evaluate(x: ReferenceFloat(x), gy: nil))) }

    /// The input gradient gy * op'(x) in float64, from the reference rounded once.
    public func gradient(x: Double, gy: Double) -> Double {
        Double(visit(Evaluate(x: ReferenceFloat(x), gy: ReferenceFloat(gy))))
    }

    /// The exact function in ReferenceFloat (Float80 on x86-64).
    public func reference(_ x: ReferenceFloat) -> ReferenceFloat { visit(Evaluate(x: x, gy: nil)) }

    /// The exact gy * op'(x) in ReferenceFloat.
    public func referenceGradient(x: ReferenceFloat, gy: ReferenceFloat) -> ReferenceFloat {
        visit(Evaluate(x: x, gy: gy))
    }

    /// op''(x) in float64, from the reference rounded once (double backward).
    public func secondDerivative(_ x: Double) -> Double {
        Double(visit(SecondDerivative(x: ReferenceFloat(x))))
    }

    /// Whether op' is piecewise constant (op'' = 0 wherever it exists): the ops whose backward
    /// selects or scales gy, so that gradients of every order beyond the first are zero.
    public var isPiecewiseLinear: Bool {
        switch self {
        case .abs, .neg, .relu, .leakyRelu, .hardtanh, .clamp: return true
        case let .pow(p): return p == 0 || p == 1
        default: return false
        }
    }
}

private struct SecondDerivative: UnaryVisitor {
    let x: ReferenceFloat
    func visit<Op: UnaryDefinition>(_ op: Op) -> ReferenceFloat { op.secondDerivative(x) }
}

/// The reference at one point, forward (gy nil) or gradient: a value visitor, so that the
/// per-element reference loops allocate no closure context.
private struct Evaluate: UnaryVisitor {
    let x: ReferenceFloat
    let gy: ReferenceFloat?
    func visit<Op: UnaryDefinition>(_ op: Op) -> ReferenceFloat {
        gy.map { op.gradient(x: x, gy: $0) } ?? op.reference(x)
    }
}

/// Reads one fact off a record (facts that capture nothing: no allocation).
private struct Fact<Result>: UnaryVisitor {
    let read: (any UnaryDefinition) -> Result
    init(_ read: @escaping (any UnaryDefinition) -> Result) { self.read = read }
    func visit<Op: UnaryDefinition>(_ op: Op) -> Result { read(op) }
}
