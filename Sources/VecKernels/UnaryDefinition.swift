import Foundation

// One record per elementwise unary op, as PyTorch's OpInfo (UnaryUfuncInfo) and derivatives.yaml
// hold them: everything the library, the tests, the harness and the PyTorch runner need to know
// about the op is written once, in the op's own file, as a type conforming to UnaryDefinition.
// UnaryOp.visit is the one switch from an op to its record; the compiler points to it (and only
// to it) when a case is added. Every table is derived: the kernels' dispatch (Elementwise), the
// Tensor method's node name and saved tensors (Vecgrad), the benchmark catalog, the accuracy
// subjects and gradcheck (VecBench), the generic kernel tests and `vecbench ops --json`, which
// the PyTorch runner reads.

/// Inputs an op is measured and tested on.
public struct UnaryDomain: Codable, Equatable, Sendable {
    /// Where benchmark inputs are drawn (uniformly): values users feed the op.
    public var bench: ClosedRange<Double>
    /// The accuracy sweep: a dense grid over its middle part, then magnitudes 10^e of both signs.
    public var sweep: ClosedRange<Double>
    /// Values that stress the kernel (threshold boundaries, overflow and underflow points).
    public var edges: [Double]
    /// Inputs where the derivative does not exist (skipped by gradcheck).
    public var kinks: [Double]
    /// Where the finite-difference gradcheck samples (away from overflow).
    public var gradcheck: ClosedRange<Double>

    /// A domain as given; no edge values and no kinks by default.
    public init(bench: ClosedRange<Double>, sweep: ClosedRange<Double>, edges: [Double] = [],
                kinks: [Double] = [], gradcheck: ClosedRange<Double>) {
        self.bench = bench; self.sweep = sweep; self.edges = edges; self.kinks = kinks; self.gradcheck = gradcheck
    }
}

/// What an op's backward reads besides the upstream gradient (what autograd saves for it).
public enum UnarySaved: String, Codable, Sendable {
    /// The input x only.
    case input
    /// The input x and the forward output y (exp's gy * y, sqrt's gy / 2y).
    case inputAndOutput
    /// Backward reads gy and the complement c that the forward writes beside y in grad mode
    /// (sigmoid's c = sigmoid(-|x|), tanh's c = 1 - |tanh x|: the derivative as a product of c's
    /// that does not cancel in the tails; f'(x) itself for silu, log_sigmoid and gelu(tanh),
    /// float64 gelu, mish, softplus and elu/selu/celu, cos x and -sin x for
    /// float64 sin and cos (see `savedFloat32`); e^x for expm1 in both dtypes); x is kept only
    /// for double backward, and not at all by sigmoid and tanh (`derivativeSlopeInOutput`),
    /// which keep y instead, as PyTorch does.
    /// Two streams, as PyTorch's backward from y, at the price of one more saved buffer while the
    /// graph lives.
    case complement
}

/// The facts of one unary op as data: `vecbench ops --json` writes these, and the PyTorch runner
/// (Benchmarks/torch_anchors.py) times `torch.forward`/`torch.backward` from them.
public struct UnaryInfo: Codable, Equatable, Sendable {
    /// vecbench's op name: PyTorch's function name, with parameters when not the defaults.
    public var name: String
    /// The autograd node PyTorch records (`grad_fn` name), e.g. "SigmoidBackward0".
    public var torchNode: String
    /// A Python expression over tensors `x` (input) and `y` (preallocated output) that runs
    /// PyTorch's forward kernel, writing into `y` where PyTorch offers `out=`.
    public var torchForward: String
    /// A Python expression over `gy`, `x`, `y` (the forward output) and `gx` (preallocated) that
    /// runs PyTorch's backward kernel as its autograd does.
    public var torchBackward: String
    /// Python statements run once over `x` before timing, for what PyTorch's forward saves for
    /// its backward besides x and y (log_sigmoid's buffer); empty for most ops.
    public var torchSetup: String
    /// What the op's backward reads besides the upstream gradient (float64; float32 below).
    public var saved: UnarySaved
    /// What it reads in float32 (e.g. gelu, mish: x, where float64 saves the derivative).
    public var savedFloat32: UnarySaved
    /// Floating-point operations per element of the forward, for the roofline (polynomials
    /// counted as their multiply-adds); backward is counted as one more.
    public var flops: Double
    /// Floating-point operations per element of the backward from a saved complement c (FMAs
    /// counted as two): 1 for gy c, more where the derivative is a product of c's (sigmoid's
    /// c - c^2 in two parts); nil for ops that save no complement in either dtype. Counting
    /// `flops` + 1 for it held these rows to a compute ceiling they never approach (sigmoid
    /// backward at 146% of the roofline).
    public var complementBackwardFlops: Double?
    /// Where the op is timed, swept for accuracy and gradchecked.
    public var domain: UnaryDomain
    /// Largest error over the sweep, forward and gradient alike, float32 and float64: how many
    /// representable numbers the result may lie from the correctly rounded one (its distance from
    /// the exact value is then below this plus 0.5 ULP).
    public var ulpBound32: Double
    /// The bound for float64 results (`ulpBound32` is float32's).
    public var ulpBound64: Double
}

/// An op's record. Conformances are internal value types, one per op (or per specialisation, as
/// pow's common exponents): `UnaryOp.visit` hands them to generic code as concrete types, so each
/// driver loop is specialised for its op with no call per vector.
protocol UnaryDefinition: Sendable {
    typealias F = SIMD16<Float>
    typealias D = SIMD8<Double>
    typealias R = ReferenceFloat

    var name: String { get }
    var torchNode: String { get }
    var torchForward: String { get }
    var torchBackward: String { get }
    var torchSetup: String { get }
    /// Whether backward reads y (the drivers skip its load, autograd does not save it, otherwise).
    var saved: UnarySaved { get }
    /// What float32 saves where it differs from `saved`: gelu, mish, sin, cos, softplus and elu
    /// save their float64 derivative as a complement, but their float32 backward from x already
    /// beats PyTorch's and the second output stream would cost the grad-mode forward more, so
    /// float32 keeps x.
    var savedFloat32: UnarySaved { get }
    var flops: Double { get }
    /// `UnaryInfo.complementBackwardFlops`; 1 (gy c) unless the op says otherwise.
    var complementBackwardFlops: Double { get }
    var domain: UnaryDomain { get }
    var ulpBound32: Double { get }
    var ulpBound64: Double { get }
    /// int64 input stays int64 (exact) for these ops; the others compute in float32, as PyTorch
    /// promotes integers for them.
    var integerOp: IntegerUnaryOp? { get }
    /// For ops whose derivative is a function of the output alone, as PyTorch writes sigmoid's
    /// (y (1 - y)) and tanh's (1 - y^2): (a, b) with d f'/dy = a + b y. Their graph then keeps y
    /// and c, not x, as PyTorch's keeps only the result: double backward goes through y.
    var derivativeSlopeInOutput: (a: Double, b: Double)? { get }

    /// The exact function, in forms that do not cancel in the tails (the reference).
    func reference(_ x: R) -> R
    /// gy * f'(x), exactly; ops that select rather than multiply (relu) say so here, as PyTorch
    /// does, so that an infinite gy does not turn a zero gradient into NaN.
    func gradient(x: R, gy: R) -> R
    /// f''(x), exactly: the derivative of the backward's gy * f'(x) in x, for double backward.
    /// 0 for the piecewise-linear ops, whose backward is a selection.
    func secondDerivative(_ x: R) -> R

    func forward(_ x: F) -> F
    /// gx = gy * f'(x); y is the forward output (read only when `saved` includes it).
    func backward(x: F, y: F, gy: F) -> F
    func forward(_ x: D) -> D
    func backward(x: D, y: D, gy: D) -> D

    /// The grad-mode forward of ops that save `.complement`: y (bit for bit `forward`'s) and c.
    func forwardWithComplement(_ x: F) -> (y: F, c: F)
    /// gx = gy * f'(x) from the complement c alone (`.complement` ops).
    func backward(c: F, gy: F) -> F
    func forwardWithComplement(_ x: D) -> (y: D, c: D)
    func backward(c: D, gy: D) -> D

    /// Whether the float64 forward driver hands this op 16 lanes at a time (`forward(pair:)`),
    /// for a body written once for 8 or 16 lanes (`Float64Lanes`): the 16-lane form interleaves
    /// two long dependency chains (tanh).
    var pairsForward64: Bool { get }
    /// `forward(_:)` on 16 lanes (float64, where `pairsForward64`): the same values as two calls.
    func forward(pair x: SIMD16<Double>) -> SIMD16<Double>
    /// Whether the float64 backward driver hands this op two consecutive vectors at a time
    /// (`backward(x0:gy0:x1:gy1:)`), for a body that splits a pair between the divider and the
    /// FMA pipes (pow(1.5)). Only for ops whose backward does not read y.
    var pairsBackward64: Bool { get }
    /// Two vectors of `backward(x:y:gy:)` (float64, where `pairsBackward64`): the same values as
    /// two calls, to the op's own stated exceptions (pow(1.5): a root close to a rounding midpoint).
    func backward(x0: D, gy0: D, x1: D, gy1: D) -> (D, D)
}

extension UnaryDefinition {
    var saved: UnarySaved { .input }
    var savedFloat32: UnarySaved { saved }
    var torchSetup: String { "" }
    var ulpBound32: Double { 4 }
    var ulpBound64: Double { 2 }
    var integerOp: IntegerUnaryOp? { nil }
    var complementBackwardFlops: Double { 1 }
    var derivativeSlopeInOutput: (a: Double, b: Double)? { nil }

    /// The float64 reference for one value, rounded once.
    @inline(__always)
    func apply(_ x: Double) -> Double { Double(reference(R(x))) }

    @inline(__always)
    func gradient(x: Double, gy: Double) -> Double { Double(gradient(x: R(x), gy: R(gy))) }

    // Ops without a SIMD8<Double> body yet compute each lane with the reference (correctly
    // rounded, but with the x87 unit: slow).
    func forward(_ x: D) -> D {
        var y = D()
        for i in 0..<D.scalarCount { y[i] = apply(x[i]) }
        return y
    }

    func backward(x: D, y: D, gy: D) -> D {
        var gx = D()
        for i in 0..<D.scalarCount { gx[i] = gradient(x: x[i], gy: gy[i]) }
        return gx
    }

    // Ops that save no complement: c is x itself, so the complement drivers serve every op (the
    // backward recomputes y where the op's backward reads it).
    func forwardWithComplement(_ x: F) -> (y: F, c: F) { (forward(x), x) }
    func backward(c: F, gy: F) -> F { backward(x: c, y: saved == .inputAndOutput ? forward(c) : F(), gy: gy) }
    func forwardWithComplement(_ x: D) -> (y: D, c: D) { (forward(x), x) }
    func backward(c: D, gy: D) -> D { backward(x: c, y: saved == .inputAndOutput ? forward(c) : D(), gy: gy) }

    var pairsForward64: Bool { false }
    func forward(pair x: SIMD16<Double>) -> SIMD16<Double> { SIMD16(lowHalf: forward(x.lowHalf), highHalf: forward(x.highHalf)) }
    var pairsBackward64: Bool { false }
    func backward(x0: D, gy0: D, x1: D, gy1: D) -> (D, D) { (backward(x: x0, y: D(), gy: gy0), backward(x: x1, y: D(), gy: gy1)) }

    var info: UnaryInfo {
        UnaryInfo(name: name, torchNode: torchNode, torchForward: torchForward, torchBackward: torchBackward,
                  torchSetup: torchSetup, saved: saved, savedFloat32: savedFloat32, flops: flops,
                  complementBackwardFlops: saved == .complement || savedFloat32 == .complement ? complementBackwardFlops : nil,
                  domain: domain, ulpBound32: ulpBound32, ulpBound64: ulpBound64)
    }
}

/// Receives an op's record as a concrete type.
protocol UnaryVisitor {
    associatedtype Result
    func visit<Op: UnaryDefinition>(_ op: Op) -> Result
}
