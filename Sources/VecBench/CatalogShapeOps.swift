import Vecgrad
import VecKernels
import VecPlatform

// Tensor-level entries for the data-movement ops of Vecgrad's shape family: `cat` (BlockCopy's
// memcpy rows), `permute` (the tiled strided copy) and `gather` (one indexed load per element),
// forward and backward through autograd. GB/s counts every byte read and written once.

/// Catalog entries for cat, permute and gather through Vecgrad's Tensor API.
public enum ShapeOpsCatalog {
    static let variants = ["auto", "simd", "parallel"]

    /// The entries `cat`, `permute` and `gather`.
    public static func entries() -> [OpEntry] { [cat(), permute(), gather()] }

    /// Registers `entries()` in the global `Catalog`.
    public static func registerAll() { entries().forEach(Catalog.register) }

    /// The dim two cat operands are joined along: the one where their shapes differ (dim 0 when
    /// none does); nil when they differ in rank or in more than one dim.
    static func catDim(_ s: [[Int]]) -> Int? {
        guard s[0].count == s[1].count, !s[0].isEmpty else { return nil }
        let differing = s[0].indices.filter { s[0][$0] != s[1][$0] }
        return differing.count <= 1 ? differing.first ?? 0 : nil
    }

    /// Same bytes read and written (a copy), forward and backward alike.
    static func copyCost(_ elements: Int, _ d: DType) -> Cost {
        let bytes = Double(elements * d.byteSize)
        return Cost(reads: bytes, writes: bytes, flops: 0)
    }

    /// A prepared case timing `op` on inputs made by `inputs` (forward), or the backward of its
    /// graph built once and replayed (retainGraph); checked against `reference` (float64 values of
    /// the forward result, or of the gradients for `gy`).
    static func prepared(_ spec: CaseID, inputs: (Vecgrad.DType, Bool) throws -> [Tensor],
                         op: @escaping ([Tensor]) throws -> Tensor,
                         reference: @escaping ([Tensor], Tensor?) -> [Double]) throws -> PreparedCase {
        let backward = spec.phase == .backward
        let xs = try inputs(spec.dtype, backward)
        let failure = FailureNote()
        let forward = backward ? TensorCatalog.inContext(spec) { try? op(xs) } : nil
        let gy = try forward.map { try Tensor.uniform($0.shape, low: -1, high: 1, seed: 31, dtype: spec.dtype) }
        func result() throws -> [Double] {
            guard let forward, let gy else { return try op(xs).scalars(as: Double.self) }
            let g = try grad(of: forward, wrt: xs.filter(\.requiresGrad), gradOutputs: [gy], retainGraph: true)
            return g.flatMap { $0.scalars(as: Double.self) }
        }
        let run = {
            TensorCatalog.inContext(spec) {
                do {
                    if let forward, let gy {
                        _ = try grad(of: forward, wrt: xs.filter(\.requiresGrad), gradOutputs: [gy], retainGraph: true)
                    } else {
                        _ = try op(xs)
                    }
                } catch { failure.note("\(error)") }
            }
        }
        return PreparedCase(run: run, check: {
            // Data movement is exact; gather's backward adds repeated picks of values in [-1, 1] in
            // the case's dtype, so a sum that cancels may be off by a few of its operands' ulps.
            let actual = (try? TensorCatalog.inContext(spec) { try result() }) ?? []
            let tolerance = Tolerance(ulp: 4, abs: spec.dtype == .float32 ? 1e-6 : 1e-15)
            var r = ErrorMetrics.check(actual: actual, reference: reference(xs, gy), dtype: spec.dtype, tolerance: tolerance)
            if let f = failure.text { r.passed = false; r.detail = f }
            return r
        })
    }

    /// cat of two operands along the dim where their shapes differ, e.g. 64x1000;64x24 (dim 1).
    static func cat() -> OpEntry {
        OpEntry(name: "cat", arity: 2, variants: variants, unit: .gigabytesPerSecond,
                summary: "Tensor.cat of two operands along the dim where their shapes differ, e.g. 1024x1000;1024x24 (Vecgrad)",
                validateShapes: { s in catDim(s) == nil ? "give two shapes of one rank that differ in at most one dim" : nil },
                costModel: { s, d, _, _ in copyCost(elementCount(s[0]) + elementCount(s[1]), d) },
                make: { spec in
                    let dim = catDim(spec.shapes) ?? 0
                    return try prepared(spec, inputs: { dt, grad in
                        [try Tensor.uniform(spec.shapes[0], low: -1, high: 1, seed: 32, dtype: dt, requiresGrad: grad),
                         try Tensor.uniform(spec.shapes[1], low: -1, high: 1, seed: 33, dtype: dt, requiresGrad: grad)]
                    }, op: { xs in try Tensor.cat(xs, dim: dim) }, reference: { xs, gy in
                        catReference(xs, gy, rows: spec.shapes[0][..<dim].reduce(1, *))
                    })
                })
    }

    /// The float64 values of cat(xs) with `rows` rows (forward), or the gradients of both inputs for `gy`.
    static func catReference(_ xs: [Tensor], _ gy: Tensor?, rows: Int) -> [Double] {
        let blocks: [Int] = xs.map { $0.count / Swift.max(rows, 1) }
        var out: [Double] = []
        if let gy {
            let g: [Double] = gy.scalars(as: Double.self)
            let width = blocks[0] + blocks[1]
            for k in 0..<2 {
                let start = k == 0 ? 0 : blocks[0]
                for r in 0..<rows { out += g[(r * width + start)..<(r * width + start + blocks[k])] }
            }
            return out
        }
        let v: [[Double]] = xs.map { $0.scalars(as: Double.self) }
        for r in 0..<rows {
            for k in 0..<2 { out += v[k][(r * blocks[k])..<((r + 1) * blocks[k])] }
        }
        return out
    }

    /// permute with the dims reversed (a transpose for 2-d), e.g. 64x128x256.
    static func permute() -> OpEntry {
        OpEntry(name: "permute", arity: 1, variants: variants, unit: .gigabytesPerSecond,
                summary: "Tensor.permute reversing the dims (the transpose for 2-d), e.g. 64x128x256 (Vecgrad)",
                validateShapes: { s in s[0].count >= 2 ? nil : "give a shape of 2 or more dims" },
                costModel: { s, d, _, _ in copyCost(elementCount(s[0]), d) },
                make: { spec in
                    let shape = spec.shapes[0], order = Array(shape.indices.reversed())
                    return try prepared(spec, inputs: { dt, grad in
                        [try Tensor.uniform(shape, low: -1, high: 1, seed: 34, dtype: dt, requiresGrad: grad)]
                    }, op: { xs in try xs[0].permute(order) }, reference: { xs, gy in
                        // Reversing the dims twice is the identity: the gradient is gy reversed back.
                        let source = gy ?? xs[0]
                        return reversedDims(source.scalars(as: Double.self), shape: source.shape)
                    })
                })
    }

    /// gather along the last dim: shapes=SELF;INDEX, e.g. 4096x1000;4096x100.
    static func gather() -> OpEntry {
        OpEntry(name: "gather", arity: 2, variants: variants, unit: .gigabytesPerSecond,
                summary: "Tensor.gather along the last dim, shapes=SELF;INDEX, e.g. 4096x1000;4096x100 (Vecgrad)",
                validateShapes: { s in
                    guard s[0].count == s[1].count, !s[0].isEmpty, s[0].last! > 0,
                          zip(s[0].dropLast(), s[1].dropLast()).allSatisfy({ $1 <= $0 }) else {
                        return "give SELF;INDEX of one rank, INDEX no larger than SELF but in the last dim"
                    }
                    return nil
                },
                costModel: { s, d, p, _ in
                    let n = Double(elementCount(s[1])), size = Double(d.byteSize)
                    // Forward reads an index and an element, writes one; backward also zero-fills self.
                    return p == .forward ? Cost(reads: n * (8 + size), writes: n * size, flops: 0)
                        : Cost(reads: n * (8 + 2 * size), writes: (n + Double(elementCount(s[0]))) * size, flops: n)
                },
                make: { spec in
                    let (selfShape, indexShape) = (spec.shapes[0], spec.shapes[1])
                    let width = selfShape[selfShape.count - 1], n = elementCount(indexShape)
                    var rng = SplitMix64(seed: 35)
                    let picks = (0..<n).map { _ in Int64(rng.next() % UInt64(width)) }
                    let index = try Tensor(validatingShape: indexShape, scalars: picks, dtype: .int64)
                    let dim = selfShape.count - 1
                    let selfStrides = strides(selfShape), indexStrides = strides(indexShape)
                    /// The flat position in self of index element p.
                    func source(_ p: Int) -> Int {
                        var offset = Int(picks[p]), rest = p
                        for d in 0..<dim { offset += (rest / indexStrides[d]) * selfStrides[d]; rest %= indexStrides[d] }
                        return offset
                    }
                    return try prepared(spec, inputs: { dt, grad in
                        [try Tensor.uniform(selfShape, low: -1, high: 1, seed: 36, dtype: dt, requiresGrad: grad)]
                    }, op: { xs in try xs[0].gather(dim: dim, index: index) }, reference: { xs, gy in
                        guard let gy else {
                            let v = xs[0].scalars(as: Double.self)
                            return (0..<n).map { v[source($0)] }
                        }
                        let g = gy.scalars(as: Double.self)
                        var out = [Double](repeating: 0, count: elementCount(selfShape))
                        for p in 0..<n { out[source(p)] += g[p] }
                        return out
                    })
                })
    }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
        return s
    }

    /// `values` of `shape` with the dims reversed (the reference of permute(rank-1, ..., 0)).
    static func reversedDims(_ values: [Double], shape: [Int]) -> [Double] {
        let own = strides(shape), outShape = Array(shape.reversed()), outStrides = strides(outShape)
        return (0..<values.count).map { p in
            var rest = p, offset = 0
            for d in outShape.indices {
                offset += (rest / outStrides[d]) * own[shape.count - 1 - d]
                rest %= outStrides[d]
            }
            return values[offset]
        }
    }
}
