import Foundation
import Vecgrad
import VecKernels

// Catalog entries for the raw-buffer kernels of VecKernels: elementwise unary and binary ops,
// sum, softmax, matmul and batched matmul, forward and backward, in every variant the kernels
// offer. References are computed here in float64, independently of the kernels' scalar paths.

/// Catalog entries of the raw kernels (elementwise, reductions, softmax, matrix products), timed
/// through VecKernels' entry points with every variant each one implements.
public enum KernelCatalog {
    static let binaries: [BinaryOp] = [.add, .sub, .mul, .div, .maximum, .minimum]

    /// Every kernel entry; `registerAll` adds them to `Catalog`. The order is the accuracy
    /// table's: unary ops, softmax, log_softmax, matmul, then the binary ops.
    public static func entries() -> [OpEntry] {
        UnaryOp.catalog.map(unaryEntry) + [softmaxEntry(log: false), softmaxEntry(log: true), matmulEntry()]
            + binaries.map(binaryEntry) + [sumEntry(), bmmEntry()]
    }

    /// Registers `entries()` in the global `Catalog`.
    public static func registerAll() { entries().forEach(Catalog.register) }

    static func variantNames(_ v: [KernelVariant]) -> [String] {
        (v.contains(.auto) ? v : v + [.auto]).map(\.rawValue)
    }

    static func tolerance(_ d: DType, ulp: Double, abs: Double = 0, rel: Double = 0) -> Tolerance {
        d == .float32 ? Tolerance(ulp: ulp, abs: abs, rel: rel) : Tolerance(ulp: ulp, abs: abs * 1e-9, rel: rel * 1e-9)
    }

    /// FNV-1a of the text: a seed that depends on the case's inputs, never on the variant.
    static func seed(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    static func variant(_ spec: CaseID) throws -> KernelVariant {
        guard let v = KernelVariant(rawValue: spec.variant) else { throw CatalogError("unknown variant \(spec.variant)") }
        return v
    }

    /// Calls `body` with Float or Double as the element type of `spec`.
    static func typed<R>(_ dtype: DType, _ f32: () throws -> R, _ f64: () throws -> R) rethrows -> R {
        dtype == .float32 ? try f32() : try f64()
    }

    // MARK: unary

    static func unaryEntry(_ op: UnaryOp) -> OpEntry {
        let info = op.info
        return OpEntry(name: info.name, arity: 1, variants: variantNames(Elementwise.variants(for: op)),
                       unit: .gigabytesPerSecond, summary: "elementwise \(info.name) (VecKernels.Elementwise)",
                       costModel: { s, d, p, variant in
                           let n = Double(elementCount(s[0])), bytes = n * Double(d.byteSize)
                           let saved = d == .float32 ? info.savedFloat32 : info.saved
                           if p == .forward && timesGradForward(saved) {
                               return Cost(reads: bytes, writes: 2 * bytes, flops: info.flops * n)
                           }
                           // Backward streams gy and one saved array: x, c, or y for exp and sqrt, whose
                           // kernels load x only in the rare overflow branch (objdump: LLVM sinks it).
                           // From c (every variant but scalar, as unaryCase runs it) it computes far
                           // less than the forward.
                           let fromComplement = saved == .complement && variant != KernelVariant.scalar.rawValue
                           let backwardFlops = fromComplement ? info.complementBackwardFlops ?? 1 : info.flops + 1
                           return p == .forward ? Cost(reads: bytes, writes: bytes, flops: info.flops * n)
                               : Cost(reads: 2 * bytes, writes: bytes, flops: backwardFlops * n)
                       },
                       accuracy: AccuracySubjects.unary(op),
                       make: { spec in
                           try typed(spec.dtype, { try unaryCase(Float.self, op, info, spec) },
                                     { try unaryCase(Double.self, op, info, spec) })
                       })
    }

    static func unaryCase<T: KernelFloat>(_: T.Type, _ op: UnaryOp, _ info: UnaryInfo, _ spec: CaseID) throws -> PreparedCase {
        let n = elementCount(spec.shapes[0]), v = try variant(spec), t = spec.threads
        let key = "\(op.name)|\(spec.dtype.rawValue)|\(n)"
        let xs = Inputs.uniform(n, info.domain.bench, seed: seed(key), dtype: spec.dtype)
        let gys = Inputs.uniform(n, -1...1, seed: seed(key) &+ 1, dtype: spec.dtype)
        let x = Buffer<T>(xs), y = Buffer<T>(count: n), gy = Buffer<T>(gys), gx = Buffer<T>(count: n)
        Elementwise.forward(op, x.pointer, y.pointer, count: n, variant: .scalar)
        var run: () -> Void = spec.phase == .forward
            ? { Elementwise.forward(op, x.pointer, y.pointer, count: n, variant: v, threads: t) }
            : { Elementwise.backward(op, x: x.pointer, y: y.pointer, gy: gy.pointer, gx: gx.pointer, count: n, variant: v, threads: t) }
        if op.saved(for: T.self) == .complement && v != .scalar {
            // What autograd runs: the backward reads c, computed once here by the grad-mode forward.
            let c = Buffer<T>(count: n)  // y is rewritten bit for bit
            Elementwise.forwardWithComplement(op, x.pointer, y: y.pointer, c: c.pointer, count: n)
            if spec.phase == .backward {
                run = { Elementwise.backward(op, complement: c.pointer, gy: gy.pointer, gx: gx.pointer, count: n, variant: v, threads: t) }
            } else if timesGradForward(op.saved(for: T.self)) {
                run = { Elementwise.forwardWithComplement(op, x.pointer, y: y.pointer, c: c.pointer, count: n, variant: v, threads: t) }
            }
        }
        return PreparedCase(run: run, check: {
            run()
            let ref = ReferenceCache.get(key + "|\(spec.phase)") {
                [spec.phase == .forward ? xs.map(op.apply) : zip(xs, gys).map { op.gradient(x: $0, gy: $1) }]
            }[0]
            return ErrorMetrics.check(actual: (spec.phase == .forward ? y : gx).doubles, reference: ref,
                                      dtype: spec.dtype,
                                      tolerance: tolerance(spec.dtype, ulp: spec.dtype == .float32 ? info.ulpBound32 : info.ulpBound64, abs: 1e-6))
        })
    }

    /// With VECBENCH_GRAD_FORWARD=1 in the environment, the forward phase of ops that save a
    /// complement times the grad-mode forward (y and c, what autograd runs when x requires grad)
    /// instead of the no-grad one, so that fwd (grad mode) + bwd can be set against PyTorch's.
    static func timesGradForward(_ saved: UnarySaved) -> Bool {
        saved == .complement && ProcessInfo.processInfo.environment["VECBENCH_GRAD_FORWARD"] == "1"
    }

    // MARK: binary

    static func binaryEntry(_ op: BinaryOp) -> OpEntry {
        OpEntry(name: op.name, arity: 2, variants: variantNames(Broadcast.variants), unit: .gigabytesPerSecond,
                summary: "elementwise \(op.name) with broadcasting (VecKernels.Broadcast; backward through autograd, as torch.autograd.grad)",
                validateShapes: { s in
                    Broadcast.shape(s[0], s[1]) == nil ? "shapes do not broadcast (NumPy rules: equal, or 1, from the right)" : nil
                },
                costModel: { s, d, p, _ in
                    let (a, b) = (Double(elementCount(s[0])), Double(elementCount(s[1])))
                    let out = Double(elementCount(Broadcast.shape(s[0], s[1]) ?? s[0]))
                    let size = Double(d.byteSize)
                    if p == .forward { return Cost(reads: (a + b) * size, writes: out * size, flops: out) }
                    guard op == .add || op == .sub else {
                        return Cost(reads: (a + b + out) * size, writes: (a + b) * size, flops: 3 * out)
                    }
                    // Backward of add and sub never reads a or b: the upstream gradient is handed on
                    // as it is to an operand of the output's size (autograd copies nothing; sub's b
                    // gets a negated copy) and summed to a broadcast operand's size. Counting more
                    // would credit the case with traffic it saves (a pass-through moves 0 bytes).
                    var elements = (reads: 0.0, writes: 0.0)
                    for (n, negated) in [(a, false), (b, op == .sub)] where n != out || negated {
                        elements.reads += out
                        elements.writes += n
                    }
                    return Cost(reads: elements.reads * size, writes: elements.writes * size, flops: elements.reads)
                },
                accuracy: AccuracySubjects.binary(op),
                make: { spec in try typed(spec.dtype, { try binaryCase(Float.self, op, spec) }, { try binaryCase(Double.self, op, spec) }) })
    }

    static func binaryReference(_ op: BinaryOp, _ a: Double, _ b: Double) -> (y: Double, da: Double, db: Double) {
        switch op {
        case .add: return (a + b, 1, 1)
        case .sub: return (a - b, 1, -1)
        case .mul: return (a * b, b, a)
        case .div: return (a / b, 1 / b, -a / (b * b))
        case .maximum: return (Swift.max(a, b), a > b ? 1 : a == b ? 0.5 : 0, b > a ? 1 : a == b ? 0.5 : 0)
        case .minimum: return (Swift.min(a, b), a < b ? 1 : a == b ? 0.5 : 0, b < a ? 1 : a == b ? 0.5 : 0)
        }
    }

    static func binaryCase<T: KernelFloat>(_: T.Type, _ op: BinaryOp, _ spec: CaseID) throws -> PreparedCase {
        let (aShape, bShape) = (spec.shapes[0], spec.shapes[1]), v = try variant(spec), t = spec.threads
        guard let outShape = Broadcast.shape(aShape, bShape) else { throw CatalogError("shapes do not broadcast") }
        let (na, nb, no) = (elementCount(aShape), elementCount(bShape), elementCount(outShape))
        let key = "\(op.name)|\(spec.dtype.rawValue)|\(formatShapes(spec.shapes))"
        let av = Inputs.uniform(na, -2...2, seed: seed(key), dtype: spec.dtype)
        let bv = Inputs.uniform(nb, op == .div ? 0.5...2 : -2...2, seed: seed(key) &+ 1, dtype: spec.dtype)
        let gyv = Inputs.uniform(no, -1...1, seed: seed(key) &+ 2, dtype: spec.dtype)
        func reference() -> [[Double]] {
            ReferenceCache.get(key + "|\(spec.phase)") {
                var y = [Double](repeating: 0, count: no), gA = [Double](repeating: 0, count: na), gB = [Double](repeating: 0, count: nb)
                for i in 0..<no {
                    let ia = Reference.broadcastIndex(i, out: outShape, shape: aShape)
                    let ib = Reference.broadcastIndex(i, out: outShape, shape: bShape)
                    let r = binaryReference(op, av[ia], bv[ib])
                    y[i] = r.y; gA[ia] += gyv[i] * r.da; gB[ib] += gyv[i] * r.db
                }
                return [y, gA + gB]
            }
        }
        if spec.phase == .backward {
            // A broadcast operand's gradient sums k = out/operand terms of size <= 2 that cancel
            // (random signs), so its error is bounded by ~k eps 2, not by its own size.
            let k = Double(Swift.max(no / Swift.max(1, na), no / Swift.max(1, nb)))
            let eps = spec.dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
            let tol = Tolerance(ulp: 2, abs: Swift.max(spec.dtype == .float32 ? 1e-6 : 1e-15, 4 * eps * k), rel: 0)
            return try binaryAutogradCase(op, spec, shapes: (aShape, bShape, outShape), values: (av, bv, gyv)) { actual in
                ErrorMetrics.check(actual: actual, reference: reference()[1], dtype: spec.dtype, tolerance: tol)
            }
        }
        let a = Buffer<T>(av), b = Buffer<T>(bv), out = Buffer<T>(count: no)
        let run = {
            Broadcast.binary(op, a.pointer, aShape: aShape, b.pointer, bShape: bShape, out.pointer, outShape: outShape, variant: v, threads: t)
        }
        return PreparedCase(run: run, check: {
            run()
            return ErrorMetrics.check(actual: out.doubles, reference: reference()[0], dtype: spec.dtype,
                                      tolerance: tolerance(spec.dtype, ulp: 2, abs: 1e-6, rel: 1e-5))
        })
    }
}
