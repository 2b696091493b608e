import Foundation
import Vecgrad
import VecKernels

// Catalog entries for the mask ops through Vecgrad's Tensor API: a comparison (bool output, one
// byte per element), torch.where and logsumexp, so that their cost beside the arithmetic ops is
// measured rather than guessed.

/// `gt` (tensor > tensor), `where` (condition, a, b) and `logsumexp` (along the last dim) measured
/// through the Tensor API, forward only.
public enum CompareOpsCatalog {
    static let variants = ["auto", "scalar", "simd", "parallel"]

    /// The three entries.
    public static func entries() -> [OpEntry] { [greater(), select(), logSumExp()] }

    /// Registers `entries()` in the global `Catalog`.
    public static func registerAll() { entries().forEach(Catalog.register) }

    private static func sameShapes(_ s: [[Int]]) -> String? {
        s.allSatisfy({ $0 == s[0] }) ? nil : "give the same shape twice, e.g. 1048576;1048576"
    }

    /// Two inputs of `shape` (uniform on [-1, 1]) as tensors of the case's dtype.
    private static func inputs(_ spec: CaseID) throws -> (Tensor, Tensor) {
        let shape = spec.shapes[0], n = elementCount(shape)
        return (try Tensor(validatingShape: shape, scalars: Inputs.uniform(n, -1...1, seed: 11, dtype: spec.dtype), dtype: spec.dtype),
                try Tensor(validatingShape: shape, scalars: Inputs.uniform(n, -1...1, seed: 12, dtype: spec.dtype), dtype: spec.dtype))
    }

    /// A case whose output, read back as Doubles, must equal `reference` exactly.
    private static func exactCase(_ spec: CaseID, reference: [Double], _ compute: @escaping () throws -> Tensor) -> PreparedCase {
        let failure = FailureNote()
        let run = { TensorCatalog.inContext(spec) { do { _ = try compute() } catch { failure.note("\(error)") } } }
        return PreparedCase(run: run, check: {
            let actual = (try? TensorCatalog.inContext(spec) { try compute() })?.scalars(as: Double.self) ?? []
            var r = ErrorMetrics.check(actual: actual, reference: reference, dtype: spec.dtype, tolerance: Tolerance(ulp: 0))
            if let f = failure.text { r.passed = false; r.detail = f }
            return r
        })
    }

    /// An elementwise entry over two inputs of one shape (uniform on [-1, 1]): `bytes` per element
    /// moved, output checked exactly against `reference(a, b)`.
    private static func elementwise(_ name: String, _ summary: String, bytes: @escaping (DType) -> Double,
                                    reference: @escaping (Double, Double) -> Double,
                                    _ prepare: @escaping (Tensor, Tensor) throws -> () throws -> Tensor) -> OpEntry {
        OpEntry(name: name, arity: 2, variants: variants, phases: [.forward], unit: .gigabytesPerSecond, summary: summary,
                validateShapes: sameShapes,
                costModel: { s, d, _, _ in Cost(bytes: Double(elementCount(s[0])) * bytes(d), flops: Double(elementCount(s[0]))) },
                make: { spec in
                    let (a, b) = try inputs(spec)
                    let expected = zip(a.scalars(as: Double.self), b.scalars(as: Double.self)).map(reference)
                    return exactCase(spec, reference: expected, try prepare(a, b))
                })
    }

    /// `a.gt(b)`: reads two tensors, writes one byte per element. shapes=S;S (any shape twice).
    static func greater() -> OpEntry {
        elementwise("gt", "a > b elementwise into a bool tensor, shapes=S;S (Vecgrad Tensor.gt)",
                    bytes: { 2 * Double($0.byteSize) + 1 }, reference: { $0 > $1 ? 1 : 0 }) { a, b in { try a.gt(b) } }
    }

    /// `Tensor.where(a > b, a, b)` with the mask made once: reads the mask (a byte) and both
    /// operands, writes one output. shapes=S;S.
    static func select() -> OpEntry {
        elementwise("where", "torch.where(mask, a, b) with a precomputed bool mask, shapes=S;S (Vecgrad Tensor.where)",
                    bytes: { 3 * Double($0.byteSize) + 1 }, reference: { Swift.max($0, $1) }) { a, b in
            let mask = try a.gt(b)
            return { try Tensor.where(mask, a, b) }
        }
    }

    /// `x.logsumexp(dim: -1)` of an RxC tensor: reads it (the max pass and the exp pass both read
    /// it; counted once, as the roofline of a fused kernel), writes R values. shapes=RxC.
    static func logSumExp() -> OpEntry {
        OpEntry(name: "logsumexp", arity: 1, variants: variants, phases: [.forward], unit: .gigabytesPerSecond,
                summary: "logsumexp along the last dim of RxC (Vecgrad Tensor.logsumexp)",
                validateShapes: { s in s[0].count == 2 ? nil : "give RxC, e.g. 1024x1024" },
                costModel: { s, d, _, _ in
                    let (r, c) = (Double(s[0][0]), Double(s[0][1]))
                    return Cost(bytes: (r * c + r) * Double(d.byteSize), flops: 20 * r * c)
                },
                make: { spec in
                    let (x, _) = try inputs(spec)
                    let (rows, cols) = (spec.shapes[0][0], spec.shapes[0][1])
                    let v = x.scalars(as: Double.self)
                    let reference = (0..<rows).map { i -> Double in
                        let row = v[(i * cols)..<((i + 1) * cols)], m = row.max() ?? 0
                        return m + log(row.reduce(0) { $0 + exp($1 - m) })
                    }
                    let failure = FailureNote()
                    let compute = { try x.logsumexp(dim: -1) }
                    let run = { TensorCatalog.inContext(spec) { do { _ = try compute() } catch { failure.note("\(error)") } } }
                    return PreparedCase(run: run, check: {
                        let actual = (try? TensorCatalog.inContext(spec) { try compute() })?.scalars(as: Double.self) ?? []
                        let tol = spec.dtype == .float32 ? Tolerance(ulp: 8, rel: 1e-6) : Tolerance(ulp: 8, rel: 1e-14)
                        var r = ErrorMetrics.check(actual: actual, reference: reference, dtype: spec.dtype, tolerance: tol)
                        if let f = failure.text { r.passed = false; r.detail = f }
                        return r
                    })
                })
    }
}
