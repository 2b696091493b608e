import Foundation

/// An elementwise function of one tensor, with PyTorch's semantics at the edges. Each case's facts
/// (kernels, reference, PyTorch names, domain, cost, accuracy bound) live in its record, one file
/// per op (UnaryDefinition); this enum only names the ops and their parameters.
public enum UnaryOp: Hashable, Sendable {
    case abs, neg, relu, sigmoid, tanh, exp, log, sqrt, sin, cos
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

    /// PyTorch's default softplus.
    public static let softplusDefault = UnaryOp.softplus(beta: 1, threshold: 20)

    /// The one place an op meets its record: generic code receives the record as a concrete type.
    func visit<V: UnaryVisitor>(_ v: V) -> V.Result {
        switch self {
        case .abs: v.visit(AbsOp())
        case .neg: v.visit(NegOp())
        case .relu: v.visit(ReluOp())
        case .sigmoid: v.visit(SigmoidOp())
        case .tanh: v.visit(TanhOp())
        case .exp: v.visit(ExpOp())
        case .log: v.visit(LogOp())
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
            case -1: v.visit(PowMinusOneOp())
            default: v.visit(PowGeneralOp(p: p))
            }
        case .gelu(approximate: .none): v.visit(GeluOp())
        case .gelu(approximate: .tanh): v.visit(GeluTanhOp())
        case .silu: v.visit(SiluOp())
        case .logSigmoid: v.visit(LogSigmoidOp())
        }
    }

    /// The ops the catalog, `vecbench accuracy` and the generic tests cover, with PyTorch's default
    /// parameters.
    public static let catalog: [UnaryOp] = [
        .relu, .abs, .neg, .sigmoid, .tanh, .exp, .log, .sqrt, .softplusDefault, .sin, .cos,
        .gelu(approximate: .none), .gelu(approximate: .tanh), .silu, .logSigmoid,
    ]

    /// One of each case, with representative parameters (tests).
    public static let examples: [UnaryOp] = catalog + [
        .softplus(beta: 2, threshold: 10), .pow(2), .pow(3), .pow(0.5), .pow(-1), .pow(0), .pow(1.7),
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
    /// The exact int64 op for integer input, where PyTorch keeps int64 (abs, neg, relu).
    public var integerOp: IntegerUnaryOp? { visit(Fact { $0.integerOp }) }
    /// All facts as data (`vecbench ops --json`).
    public var info: UnaryInfo { visit(Fact { $0.info }) }

    /// Cheap ops are memory-bound and need more elements before threads pay off.
    var isCheap: Bool { visit(Fact { $0.flops <= 2 }) }

    /// The function in float64, from the reference rounded once: what every variant is measured against.
    public func apply(_ x: Double) -> Double { visit(Fact { $0.apply(x) }) }

    /// The input gradient gy * op'(x) in float64, from the reference rounded once.
    public func gradient(x: Double, gy: Double) -> Double { visit(Fact { $0.gradient(x: x, gy: gy) }) }

    /// The exact function in ReferenceFloat (Float80 on x86-64).
    public func reference(_ x: ReferenceFloat) -> ReferenceFloat { visit(Fact { $0.reference(x) }) }

    /// The exact gy * op'(x) in ReferenceFloat.
    public func referenceGradient(x: ReferenceFloat, gy: ReferenceFloat) -> ReferenceFloat {
        visit(Fact { $0.gradient(x: x, gy: gy) })
    }
}

/// Reads one fact off a record.
private struct Fact<Result>: UnaryVisitor {
    let read: (any UnaryDefinition) -> Result
    init(_ read: @escaping (any UnaryDefinition) -> Result) { self.read = read }
    func visit<Op: UnaryDefinition>(_ op: Op) -> Result { read(op) }
}
