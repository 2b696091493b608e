import Foundation
import VecPlatform
import Vecgrad

// A user's own elementwise kernel as a catalog entry in a few lines: the operands' input ranges,
// a float64 reference per element, a cost per element (for GB/s and the roofline) and named
// variants written over raw buffers or as a Vecgrad tensor expression. `entry` builds the
// `OpEntry` that every vecbench subcommand understands: inputs drawn deterministically from the
// ranges (the same for every variant), every variant's output checked against the reference
// before any time counts, the cost model derived from the element count. Ops that are not
// elementwise (their own output shape, inputs or check) still write an `OpEntry` by hand.

/// A user-defined elementwise op with its variants, float64 reference and cost, registered with
/// `entry`. All operands have one shape (suites give it once per operand: `shapes=N;N` for two),
/// and so has the output. Example, a fused SiLU against Vecgrad's composition:
///
/// ```swift
/// let silu = CustomOp(name: "silu_fused", summary: "x * sigmoid(x)", inputs: [-8...8],
///                     flopsPerElement: 4, reference: { x in x[0] / (1 + exp(-x[0])) },
///                     variants: [
///                         .float32("fused") { x, y in
///                             for i in 0..<y.count { y[i] = x[0][i] / (1 + exp(-x[0][i])) }
///                         },
///                         .tensor("composed") { x in try x[0] * x[0].sigmoid() },
///                     ])
/// VecBenchCLI.main(registering: [silu.entry])   // import VecBenchCommandLine
/// ```
public struct CustomOp {
    /// One way of computing the op, named as suites and reports name it ("fused", "composed").
    public struct Variant {
        /// The variant's name (`variants=` in a suite, the `variant` column of a report).
        public var name: String
        /// Builds a case from the inputs (as Doubles, already rounded to the dtype), the operand
        /// shapes, the dtype and the thread count: one timed call and a read-back of its output.
        let prepare: (_ inputs: [[Double]], _ shape: [Int], _ dtype: DType, _ threads: Int) throws
            -> (run: () -> Void, output: () throws -> [Double])

        /// A variant over float32 buffers: `body(inputs, output)` gets one buffer per operand and
        /// the output buffer, all of the operands' element count, and is what is timed (on the
        /// calling thread; `threads` of a case does not reach it). Buffers are allocated and
        /// filled beforehand; a float64 case of this variant is refused (`CatalogError`).
        public static func float32(_ name: String,
                                   _ body: @escaping (_ inputs: [UnsafeBufferPointer<Float>],
                                                      _ output: UnsafeMutableBufferPointer<Float>) -> Void) -> Variant {
            Variant(name: name) { inputs, _, dtype, _ in
                guard dtype == .float32 else { throw CatalogError("variant \(name) takes float32 only, not \(dtype.rawValue)") }
                let count = inputs.first?.count ?? 0
                let buffers = inputs.map { Buffer<Float>($0) }, out = Buffer<Float>(count: count)
                let views = buffers.map { UnsafeBufferPointer(start: $0.pointer, count: count) }
                let result = UnsafeMutableBufferPointer(start: out.pointer, count: count)
                // The closures hold the buffers, so they live as long as the case.
                return (run: { withExtendedLifetime(buffers) { body(views, result) } }, output: { out.doubles })
            }
        }

        /// A variant written with Vecgrad's Tensor ops: `body` gets one tensor per operand (the
        /// operands' shape and the case's dtype, no gradient) and returns the output, which must
        /// have their shape. Timed with the case's thread count in force (`Threading.withThreads`),
        /// output allocation included, as a user's code pays it; what `body` throws fails the check.
        public static func tensor(_ name: String, _ body: @escaping (_ inputs: [Tensor]) throws -> Tensor) -> Variant {
            Variant(name: name) { inputs, shape, dtype, threads in
                let tensors = try inputs.map { try Tensor(validatingShape: shape, scalars: $0, dtype: dtype) }
                return (run: { Threading.withThreads(threads) { _ = try? body(tensors) } },
                        output: {
                            let y = try Threading.withThreads(threads) { try body(tensors) }
                            guard y.shape == shape else {
                                throw CatalogError("variant \(name) returned shape \(y.shape), expected \(shape)")
                            }
                            return y.scalars(as: Double.self)
                        })
            }
        }
    }

    /// The op's name in suites and reports (`op=silu_fused`).
    public var name: String
    /// One line for `vecbench run --list`.
    public var summary: String
    /// The range each operand's inputs are drawn from (uniformly, seeded by op, dtype and shape);
    /// one range per operand, so its count is the op's arity.
    public var inputs: [ClosedRange<Double>]
    /// Floating-point operations per output element (the FLOP count of the cost model).
    public var flopsPerElement: Double
    /// The exact result for one element from the operands' values at that element, in float64.
    public var reference: ([Double]) -> Double
    /// How far a variant may be from the reference: ULPs of the dtype, absolute and relative.
    public var tolerance: Tolerance
    /// The dtypes a case may have (the `.float32` variants refuse float64 ones).
    public var dtypes: [DType]
    /// The variants, in the order `run --list` gives them.
    public var variants: [Variant]
    /// Replaces the elementwise cost model (operands read once, output written once,
    /// `flopsPerElement` per element) when set: operand shapes and dtype to bytes and FLOPs.
    public var cost: (([[Int]], DType) -> Cost)?

    /// An op as given. `tolerance` defaults to 4 ULPs or 1e-6 absolute (float32 rounding of
    /// a few operations), `dtypes` to float32 only.
    public init(name: String, summary: String, inputs: [ClosedRange<Double>], flopsPerElement: Double,
                tolerance: Tolerance = Tolerance(ulp: 4, abs: 1e-6), dtypes: [DType] = [.float32],
                reference: @escaping ([Double]) -> Double, variants: [Variant],
                cost: (([[Int]], DType) -> Cost)? = nil) {
        self.name = name; self.summary = summary; self.inputs = inputs; self.flopsPerElement = flopsPerElement
        self.tolerance = tolerance; self.dtypes = dtypes; self.reference = reference; self.variants = variants
        self.cost = cost
    }

    /// The elementwise cost of one call on `shapes`: every operand read, the output written.
    public func elementwiseCost(_ shapes: [[Int]], _ dtype: DType) -> Cost {
        let n = Double(shapes.first.map(elementCount) ?? 0), size = Double(dtype.byteSize)
        return Cost(reads: n * size * Double(inputs.count), writes: n * size, flops: flopsPerElement * n)
    }

    /// The catalog entry (forward phase only, throughput in GB/s): register it with
    /// `Catalog.register` or pass it to `VecBenchCLI.main(registering:)`. A case of another
    /// variant, dtype or shape count throws `CatalogError` when it is built.
    public var entry: OpEntry {
        let op = self
        return OpEntry(name: name, arity: inputs.count, variants: variants.map(\.name), dtypes: dtypes, phases: [.forward],
                       unit: .gigabytesPerSecond, summary: summary,
                       validateShapes: { s in
                           Set(s).count <= 1 ? nil : "the operands of an elementwise op have one shape: give it once per operand"
                       },
                       costModel: { s, d, _, _ in op.cost?(s, d) ?? op.elementwiseCost(s, d) },
                       make: { spec in try op.prepare(spec) })
    }

    /// The case `spec` names: seeded inputs, the variant's closures and the reference check.
    func prepare(_ spec: CaseID) throws -> PreparedCase {
        guard let variant = variants.first(where: { $0.name == spec.variant }) else {
            throw CatalogError("\(name) has no variant \(spec.variant) (it has \(variants.map(\.name).joined(separator: ", ")))")
        }
        guard spec.shapes.count == inputs.count, let shape = spec.shapes.first else {
            throw CatalogError("\(name) takes \(inputs.count) operand shape(s), got \(spec.shapes.count)")
        }
        let n = elementCount(shape), key = "custom|\(name)|\(spec.dtype.rawValue)|\(formatShapes(spec.shapes))"
        let values = inputs.enumerated().map { i, range in
            Inputs.uniform(n, range, seed: KernelCatalog.seed(key) &+ UInt64(i), dtype: spec.dtype)
        }
        let built = try variant.prepare(values, shape, spec.dtype, spec.threads)
        let reference = self.reference, tolerance = self.tolerance
        return PreparedCase(run: built.run, check: {
            let actual: [Double]
            built.run()
            do { actual = try built.output() } catch {
                return CheckResult(errors: ErrorFigures(), passed: false, detail: "\(error)")
            }
            let expected = ReferenceCache.get(key) { [(0..<n).map { i in reference(values.map { $0[i] }) }] }[0]
            return ErrorMetrics.check(actual: actual, reference: expected, dtype: spec.dtype, tolerance: tolerance)
        })
    }
}
