import Foundation

/// An elementwise function of one tensor, with PyTorch's semantics at the edges.
public enum UnaryOp: Hashable, Sendable {
    case abs, neg, relu, sigmoid, tanh, exp, log, sqrt, sin, cos
    /// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch defaults 1, 20).
    case softplus(beta: Double, threshold: Double)
    /// x^p; the gradient of x^0 is 0 everywhere (PyTorch).
    case pow(Double)

    /// PyTorch's default softplus.
    public static let softplusDefault = UnaryOp.softplus(beta: 1, threshold: 20)

    /// One of each case, with representative parameters (tests, catalogs).
    public static let examples: [UnaryOp] = [
        .abs, .neg, .relu, .sigmoid, .tanh, .exp, .log, .sqrt, .sin, .cos,
        .softplusDefault, .softplus(beta: 2, threshold: 10), .pow(2), .pow(3), .pow(0.5),
        .pow(-1), .pow(0), .pow(1.7),
    ]

    public var name: String {
        switch self {
        case .abs: "abs"
        case .neg: "neg"
        case .relu: "relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .exp: "exp"
        case .log: "log"
        case .sqrt: "sqrt"
        case .sin: "sin"
        case .cos: "cos"
        case let .softplus(beta, threshold):
            beta == 1 && threshold == 20 ? "softplus" : "softplus(beta=\(beta),threshold=\(threshold))"
        case let .pow(p): "pow(\(p))"
        }
    }

    /// Cheap ops are memory-bound and need more elements before threads pay off.
    var isCheap: Bool {
        switch self {
        case .abs, .neg, .relu, .sqrt: true
        case let .pow(p): p == 0 || p == 1 || p == 2 || p == 0.5 || p == -1
        default: false
        }
    }

    /// The function in float64 with libm: the reference that every variant is measured against.
    public func apply(_ x: Double) -> Double {
        switch self {
        case .abs: Swift.abs(x)
        case .neg: -x
        case .relu: x < 0 ? 0 : x  // keeps -0 and NaN, as clamp_min does
        case .sigmoid: UnaryReference.sigmoid(x)
        case .tanh: Foundation.tanh(x)
        case .exp: Foundation.exp(x)
        case .log: Foundation.log(x)
        case .sqrt: x.squareRoot()
        case .sin: Foundation.sin(x)
        case .cos: Foundation.cos(x)
        case let .softplus(beta, threshold): UnaryReference.softplus(x, beta: beta, threshold: threshold)
        case let .pow(p): p == 0 ? 1 : Foundation.pow(x, p)
        }
    }

    /// The input gradient gy * op'(x) in float64, in forms that do not cancel in the tails.
    /// relu and pow(0) select rather than multiply, as PyTorch does (threshold_backward,
    /// zeros_like), so an infinite gy does not turn their zero gradients into NaN.
    public func gradient(x: Double, gy: Double) -> Double {
        switch self {
        case .abs: gy * UnaryReference.sign(x)
        case .neg: -gy
        case .relu: x <= 0 ? 0 : gy  // NaN passes gy through, like threshold_backward
        case .sigmoid: gy * UnaryReference.sigmoidDerivative(x)
        case .tanh:
            // 1 - tanh^2 = 4t/(1+t)^2 with t = e^(-2|x|)
            gy * UnaryReference.tanhDerivative(x)
        case .exp: gy * Foundation.exp(x)
        case .log: gy / x
        case .sqrt: gy / (2 * x.squareRoot())
        case .sin: gy * Foundation.cos(x)
        case .cos: -(gy * Foundation.sin(x))
        case let .softplus(beta, threshold):
            beta * x > threshold ? gy : gy * UnaryReference.sigmoid(beta * x)
        case let .pow(p): p == 0 ? 0 : gy * (p * Foundation.pow(x, p - 1))
        }
    }
}

/// Float64 formulas shared by the reference and the float64 kernels.
enum UnaryReference {
    @inline(__always)
    static func sign(_ x: Double) -> Double {
        x > 0 ? 1 : x < 0 ? -1 : 0  // 0 at NaN too, as PyTorch's sgn (abs'(NaN) = 0)
    }

    /// 1/(1+e^-x) from e^-|x|: no overflow, and the negative tail keeps its relative precision.
    @inline(__always)
    static func sigmoid(_ x: Double) -> Double {
        let e = Foundation.exp(-Swift.abs(x))
        return (x < 0 ? e : 1) / (1 + e)
    }

    /// sigmoid'(x) = e/(1+e)^2 with e = e^-|x|, where y(1-y) would cancel to 0 in the tails.
    @inline(__always)
    static func sigmoidDerivative(_ x: Double) -> Double {
        let e = Foundation.exp(-Swift.abs(x))
        let d = 1 + e
        return e / (d * d)
    }

    @inline(__always)
    static func tanhDerivative(_ x: Double) -> Double {
        let t = Foundation.exp(-2 * Swift.abs(x))
        let d = 1 + t
        return 4 * t / (d * d)
    }

    /// max(bx, 0) + log1p(e^-|bx|), divided by beta: never overflows, never cancels.
    @inline(__always)
    static func softplus(_ x: Double, beta: Double, threshold: Double) -> Double {
        let bx = beta * x
        if bx > threshold { return x }
        return (Swift.max(bx, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(bx)))) / beta
    }
}
