import VecPlatform
import Foundation
import Vecgrad
import VecKernels

// What `vecbench accuracy` checks: Vecgrad tensors, forward and backward through autograd, with
// default settings (the `auto` kernel variants): the code path users get. References are float64
// formulas written here or in UnaryOp's reference.

enum AccuracySubjects {
    static let common: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 1e-45, -1e-45, 1, -1,
                                   Double.leastNormalMagnitude / 8, -Double.leastNormalMagnitude / 8, .leastNonzeroMagnitude, 1e300, -1e300]

    static func round(_ xs: [Double], _ d: DType) -> [Double] { d == .float32 ? xs.map { Double(Float($0)) } : xs }

    /// A uniform grid over the sweep, then magnitudes 10^e of both signs inside it, then edges.
    static func sweep(_ d: UnaryDomain, _ dtype: DType) -> [Double] {
        var xs = Plot.linspace(max(d.sweep.lowerBound, -50), min(d.sweep.upperBound, 50), 4001)
        for tenth in -3230...3080 {
            let m = pow(10, Double(tenth) / 10)
            for v in [m, -m] where d.sweep.contains(v) { xs.append(v) }
        }
        return round(xs + common + d.edges, dtype)
    }

    /// `count` seeded inputs inside the sweep: half uniform over the range the op is timed on
    /// (where `vecbench run` checks it), half uniform over the dtype's bit patterns, so that every
    /// binade from the denormals up is sampled as often as its share of the representable numbers.
    static func samples(_ d: UnaryDomain, _ dtype: DType, _ count: Int) -> [Double] {
        var g = SplitMix64(seed: 0x5eed_acc0 &+ UInt64(count))
        var xs = (0..<count / 2).map { _ in g.uniform(d.bench) }
        while xs.count < count {
            let bits = g.next()
            let x = dtype == .float32 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
            if x.isFinite && d.sweep.contains(x) { xs.append(x) }
        }
        return round(xs, dtype)
    }

    static func run(_ op: UnaryOp, _ dtype: DType, _ xs: [Double], gy: [Double]?) -> [Double] {
        guard let f = TensorRun.unary(op.name) else { return [] }
        return TensorRun.values([([xs.count], xs)], dtype: dtype, gy: gy) { f($0[0]) }
    }

    static func unary(_ op: UnaryOp) -> AccuracySubject {
        let info = op.info, d = info.domain
        return AccuracySubject(
            inputs: { sweep(d, $0) },
            samples: { samples(d, $0, $1) },
            forward: { dt, xs in run(op, dt, xs, gy: nil) },
            backward: { dt, xs, gy in run(op, dt, xs, gy: gy) },
            referenceForward: { $0.map(op.apply) }, referenceBackward: { zip($0, $1).map { op.gradient(x: $0, gy: $1) } },
            gradcheckInputs: Plot.linspace(d.gradcheck.lowerBound, d.gradcheck.upperBound, 40) + d.kinks,
            elementwise: true, kinks: d.kinks,
            tolerance: { Tolerance(ulp: ($0 == .float32 ? info.ulpBound32 : info.ulpBound64) + 0.5) },  // bounds count from the rounded result
            upstream: { [Double](repeating: 1, count: $0) })
    }

    /// Deterministic values in [lo, hi].
    static func values(_ n: Int, _ lo: Double, _ hi: Double, seed: UInt64) -> [Double] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in g.uniform(lo...hi) }
    }

    static func softmax(log: Bool) -> AccuracySubject {
        let (rows, cols) = (16, 33)
        func run(_ dt: DType, _ xs: [Double], _ gy: [Double]?) -> [Double] {
            let (r, c) = shape(xs.count)
            return TensorRun.values([([r, c], xs)], dtype: dt, gy: gy) { log ? try $0[0].logSoftmax(dim: 1) : try $0[0].softmax(dim: 1) }
        }
        // The gradcheck uses a small [3, 4] input (48 Jacobian columns); the sweep a larger one.
        func shape(_ n: Int) -> (Int, Int) { n == 12 ? (3, 4) : (rows, cols) }
        return AccuracySubject(
            inputs: { round(values(rows * cols, -30, 30, seed: 11), $0) },
            forward: { run($0, $1, nil) }, backward: { run($0, $1, $2) },
            referenceForward: { xs in let (r, c) = shape(xs.count); return Reference.softmax(xs, rows: r, cols: c, log: log) },
            referenceBackward: { xs, gy in
                let (r, c) = shape(xs.count)
                return Reference.softmaxBackward(y: Reference.softmax(xs, rows: r, cols: c, log: log), gy: gy, rows: r, cols: c, log: log)
            },
            gradcheckInputs: values(12, -3, 3, seed: 12), elementwise: false, kinks: [],
            // abs 4 eps: where one element dominates a row, y rounds near 1 with eps absolute error,
            // and the backward's gy - sum(gy y) passes that error on (the formula's conditioning).
            tolerance: { $0 == .float32 ? Tolerance(ulp: 8, abs: 4.8e-7, rel: 1e-5) : Tolerance(ulp: 8, abs: 1e-15, rel: 1e-13) },
            upstream: { values($0, -1, 1, seed: 13) })
    }

    static func matmul() -> AccuracySubject {
        // x holds A [m,k] then B [k,n]; the gradient is dA then dB.
        func dims(_ count: Int) -> (Int, Int, Int) { count == 3 * 4 + 4 * 2 ? (3, 4, 2) : (24, 40, 16) }
        func run(_ dt: DType, _ xs: [Double], _ gy: [Double]?) -> [Double] {
            let (m, k, n) = dims(xs.count)
            return TensorRun.values([([m, k], Array(xs[0..<m * k])), ([k, n], Array(xs[(m * k)...]))], dtype: dt, gy: gy) {
                try $0[0].mm($0[1])
            }
        }
        func ref(_ xs: [Double]) -> [Double] {
            let (m, k, n) = dims(xs.count)
            return Reference.matmul(Array(xs[0..<m * k]), Array(xs[(m * k)...]), m: m, n: n, k: k)
        }
        func refBack(_ xs: [Double], _ gy: [Double]) -> [Double] {
            let (m, k, n) = dims(xs.count)
            let (a, b) = (Array(xs[0..<m * k]), Array(xs[(m * k)...]))
            return Reference.matmul(gy, b, m: m, n: k, k: n, transB: true) + Reference.matmul(a, gy, m: k, n: n, k: m, transA: true)
        }
        return AccuracySubject(
            inputs: { round(values(24 * 40 + 40 * 16, -1, 1, seed: 21), $0) },
            forward: { run($0, $1, nil) }, backward: { run($0, $1, $2) },
            referenceForward: ref, referenceBackward: refBack,
            gradcheckInputs: values(20, -1, 1, seed: 22), elementwise: false, kinks: [],
            tolerance: { $0 == .float32 ? Tolerance(ulp: 8, abs: 2e-6, rel: 1e-5) : Tolerance(ulp: 8, abs: 1e-14, rel: 1e-13) },
            upstream: { values($0, -1, 1, seed: 23) },
            gemm: GemmMagnitudes(forward: { ref($0.map(Swift.abs)) }, backward: { refBack($0.map(Swift.abs), $1.map(Swift.abs)) },
                                 forwardInner: 40, backwardInner: 24))
    }

    /// a [r, c] op b [c] (b broadcast over rows); x holds a then b, the gradient da then db.
    static func binary(_ op: BinaryOp) -> AccuracySubject {
        func dims(_ count: Int) -> (Int, Int) { count == 3 * 4 + 4 ? (3, 4) : (16, 33) }
        func split(_ xs: [Double]) -> ([Double], [Double], Int, Int) {
            let (r, c) = dims(xs.count)
            return (Array(xs[0..<r * c]), Array(xs[(r * c)...]), r, c)
        }
        func run(_ dt: DType, _ xs: [Double], _ gy: [Double]?) -> [Double] {
            let (a, b, r, c) = split(xs)
            return TensorRun.values([([r, c], a), ([c], b)], dtype: dt, gy: gy) { t in
                switch op {
                case .add: return try t[0] + t[1]
                case .sub: return try t[0] - t[1]
                case .mul: return try t[0] * t[1]
                case .div: return try t[0] / t[1]
                case .maximum: return try Tensor.maximum(t[0], t[1])
                case .minimum: return try Tensor.minimum(t[0], t[1])
                }
            }
        }
        func reference(_ xs: [Double], _ gy: [Double]?) -> [Double] {
            let (a, b, r, c) = split(xs)
            var y = [Double](repeating: 0, count: r * c), ga = y, gb = [Double](repeating: 0, count: c)
            for i in 0..<r * c {
                let v = KernelCatalog.binaryReference(op, a[i], b[i % c])
                y[i] = v.y
                if let gy { ga[i] = gy[i] * v.da; gb[i % c] += gy[i] * v.db }
            }
            return gy == nil ? y : ga + gb
        }
        let lo = op == .div ? 0.5 : -2.0
        return AccuracySubject(
            inputs: { dt in round(values(16 * 33, -2, 2, seed: 31) + values(33, lo, 2, seed: 32), dt) },
            forward: { run($0, $1, nil) }, backward: { run($0, $1, $2) },
            referenceForward: { reference($0, nil) }, referenceBackward: { reference($0, $1) },
            gradcheckInputs: values(12, -2, 2, seed: 33) + values(4, lo, 2, seed: 34), elementwise: false, kinks: [],
            tolerance: { $0 == .float32 ? Tolerance(ulp: 4, abs: 1e-6, rel: 1e-6) : Tolerance(ulp: 4, abs: 1e-14, rel: 1e-14) },
            upstream: { values($0, -1, 1, seed: 35) })
    }
}
