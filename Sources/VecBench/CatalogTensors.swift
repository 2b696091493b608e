import Vecgrad
import VecKernels

// Catalog entries measured through Vecgrad's Tensor API, autograd included: what a training loop
// pays on top of the raw kernels (allocation, graph recording, gradient accumulation).

/// Catalog entries measured through Vecgrad's Tensor API with autograd (an MLP training step, a
/// chain of tiny ops, tensor matmul): what a training loop pays on top of the raw kernels.
public enum TensorCatalog {
    static let variants = ["auto", "simd", "parallel", "blas"]

    /// The entries `mlp_step`, the tiny-op autograd chain and tensor matmul.
    public static func entries() -> [OpEntry] { [mlpStep(), tinyAutograd(), tensorMatmul()] }

    /// Registers `entries()` in the global `Catalog`.
    public static func registerAll() { entries().forEach(Catalog.register) }

    /// Runs `body` with the case's kernel variant and thread count in force for every op inside.
    static func inContext<R>(_ spec: CaseID, _ body: () throws -> R) rethrows -> R {
        try withKernelVariant(KernelVariant(rawValue: spec.variant) ?? .auto, threads: spec.threads, body)
    }

    /// One SGD step of an MLP with MSE loss, given as its matrix chain: shapes=BxIN;INxHIDDEN;HIDDENxOUT
    /// (e.g. 256x784;784x256;256x10, the step that takes PyTorch ~2.0 ms, docs/measurements.md). Phase forward
    /// means the whole step.
    static func mlpStep() -> OpEntry {
        OpEntry(name: "mlp_step", arity: 3, variants: variants, phases: [.forward], unit: .gigaflopsPerSecond,
                summary: "forward + backward + SGD step of an MLP, shapes=BxIN;INxHIDDEN;HIDDENxOUT (Vecgrad)",
                validateShapes: { s in
                    guard s.allSatisfy({ $0.count == 2 }), s[0][1] == s[1][0], s[1][1] == s[2][0] else {
                        return "give the chain BATCHxIN;INxHIDDEN;HIDDENxOUT, e.g. 256x784;784x256;256x10"
                    }
                    return nil
                },
                costModel: { s, d, _, _ in
                    let (b, i, h, o) = (Double(s[0][0]), Double(s[0][1]), Double(s[1][1]), Double(s[2][1]))
                    let weights = i * h + h * o
                    // Forward 2 flops per multiply-add; backward 2 for the weight gradients, and 2 more
                    // for the input gradient of every layer but the first (the data needs none).
                    // Weights read 3x, written once. Benchmarks/torch_anchors.py uses the same model.
                    return Cost(bytes: (4 * weights + 4 * b * (i + h + o)) * Double(d.byteSize),
                                flops: b * (4 * weights + 2 * h * o))
                },
                make: { spec in
                    let dims = [spec.shapes[0][0], spec.shapes[0][1], spec.shapes[1][1], spec.shapes[2][1]]
                    let dtype = spec.dtype
                    func setup(_ dt: Vecgrad.DType) throws -> (MLP, Tensor, Tensor) {
                        (try MLP(sizes: [dims[1], dims[2], dims[3]], seed: 7, dtype: dt),
                         try Tensor.uniform([dims[0], dims[1]], low: -1, high: 1, seed: 8, dtype: dt),
                         try Tensor.uniform([dims[0], dims[3]], low: -1, high: 1, seed: 9, dtype: dt))
                    }
                    let (model, x, target) = try setup(dtype)
                    let optimizer = try SGD(parameters: model.parameters, lr: 1e-3)
                    let failure = FailureNote()
                    func step() throws -> Double {
                        optimizer.zeroGrad()
                        let loss = try mseLoss(try model(x), target)
                        try loss.backward()
                        optimizer.step()
                        return try loss.item()
                    }
                    let run = { inContext(spec) { do { _ = try step() } catch { failure.note("\(error)") } } }
                    return PreparedCase(run: run, check: {
                        // The first loss of the case's dtype and variant against a float64 model of the same seed.
                        let (m64, x64, t64) = try! setup(.float64)   // the same shapes as make's
                        let reference = (try? mseLoss(try m64(x64), t64).item()) ?? .nan
                        let first = (try? inContext(spec) { try step() }) ?? .nan
                        let second = (try? inContext(spec) { try step() }) ?? .nan
                        let tol = spec.dtype == .float32 ? Tolerance(ulp: 64, rel: 1e-5) : Tolerance(ulp: 64, rel: 1e-12)
                        var result = ErrorMetrics.check(actual: [first], reference: [reference], dtype: spec.dtype, tolerance: tol)
                        if result.passed && !(second < first) {
                            result.passed = false
                            result.detail = "the loss did not decrease after one SGD step (\(first) -> \(second))"
                        }
                        if let f = failure.text { result.passed = false; result.detail = f }
                        return result
                    })
                })
    }

    /// sum(sigmoid(x * x)) forward and backward on a tiny tensor: the fixed cost of three autograd
    /// ops (PyTorch from Python: ~7 us per tiny op, fwd + bwd, docs/measurements.md). shapes=N.
    static func tinyAutograd() -> OpEntry {
        OpEntry(name: "tiny_autograd", arity: 1, variants: variants, phases: [.forward], unit: .gigabytesPerSecond,
                summary: "sum(sigmoid(x*x)) with backward on a small tensor: per-op autograd overhead (Vecgrad)",
                costModel: { s, d, _, _ in
                    let n = Double(elementCount(s[0]))
                    return Cost(bytes: 8 * n * Double(d.byteSize), flops: 30 * n)
                },
                make: { spec in
                    let n = elementCount(spec.shapes[0])
                    let xs = Inputs.uniform(n, -3...3, seed: 5, dtype: spec.dtype)
                    let dtype = spec.dtype
                    let failure = FailureNote()
                    func gradient() throws -> [Double] {
                        let x = try Tensor(validatingShape: [n], scalars: xs, dtype: dtype, requiresGrad: true)
                        try (try x * x).sigmoid().sum().backward()
                        return x.grad?.scalars(as: Double.self) ?? []
                    }
                    let run = { inContext(spec) { do { _ = try gradient() } catch { failure.note("\(error)") } } }
                    return PreparedCase(run: run, check: {
                        // d/dx sigmoid(x^2) = 2x sigmoid'(x^2), in float64.
                        let reference = xs.map { 2 * $0 * UnaryOp.sigmoid.gradient(x: $0 * $0, gy: 1) }
                        let actual = (try? inContext(spec) { try gradient() }) ?? []
                        var r = ErrorMetrics.check(actual: actual, reference: reference, dtype: spec.dtype,
                                                   tolerance: spec.dtype == .float32 ? Tolerance(ulp: 8, abs: 1e-7) : Tolerance(ulp: 8))
                        if let f = failure.text { r.passed = false; r.detail = f }
                        return r
                    })
                })
    }
}

/// The first error a case's run closure met (run closures cannot throw).
final class FailureNote {
    private(set) var text: String?
    func note(_ s: String) { if text == nil { text = s } }
}
