import Testing
@testable import VecKernels

/// Data and comparisons shared by the broadcast, reduce and softmax tests.
enum BRSFixtures {
    /// Deterministic uniform values in [lo, hi) (xorshift64*).
    static func uniform<T: KernelFloat>(_ n: Int, seed: UInt64, _ lo: Double = -4, _ hi: Double = 4,
                                        as _: T.Type = T.self) -> [T] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<n).map { _ in
            s ^= s >> 12; s ^= s << 25; s ^= s >> 27
            let u = Double((s &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53)
            return T(lo + (hi - lo) * u)
        }
    }

    static func edges<T: KernelFloat>(_: T.Type) -> [T] {
        [.nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
         .leastNonzeroMagnitude, -.leastNormalMagnitude, 1, -1, 0.5]
    }

    /// Random values with edge values sprinkled in (every 7th element).
    static func mixed<T: KernelFloat>(_ n: Int, seed: UInt64, as _: T.Type = T.self) -> [T] {
        var v: [T] = uniform(n, seed: seed)
        let e = edges(T.self)
        for i in stride(from: Int(seed % 7), to: n, by: 7) { v[i] = e[(i / 7 + Int(seed)) % e.count] }
        return v
    }

    /// Index and values of the first pair that differs beyond `rel` relative or `abs` absolute
    /// (same infinities, NaN where NaN), nil when all agree. rel 0 and abs 0: equal or both NaN.
    static func mismatch<T: KernelFloat>(_ a: [T], _ b: [T], rel: Double = 0, abs: Double = 0) -> String? {
        guard a.count == b.count else { return "counts \(a.count) vs \(b.count)" }
        for (i, (x, y)) in zip(a, b).enumerated() {
            let ok: Bool
            if x.isNaN || y.isNaN {
                ok = x.isNaN && y.isNaN
            } else if x.isInfinite || y.isInfinite {
                ok = x == y
            } else {
                let (dx, dy) = (Double(x), Double(y))
                ok = Swift.abs(dx - dy) <= Swift.max(abs, rel * Swift.max(Swift.abs(dx), Swift.abs(dy)))
            }
            if !ok { return "[\(i)] \(x) vs \(y)" }
        }
        return nil
    }

    static func expectClose<T: KernelFloat>(_ a: [T], _ b: [T], rel: Double = 0, abs: Double = 0,
                                            _ context: @autoclosure () -> String,
                                            sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = mismatch(a, b, rel: rel, abs: abs)
        #expect(bad == nil, "\(context()) \(T.dtypeName): \(bad ?? "")", sourceLocation: sourceLocation)
    }

    static func bitwise<T: KernelFloat>(_ a: [T], _ b: [T]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy {
            $0.significandBitPattern == $1.significandBitPattern && $0.exponentBitPattern == $1.exponentBitPattern
                && $0.sign == $1.sign
        }
    }

    /// Variants other than the reference, with explicit thread counts for the parallel ones.
    static let contenders: [(KernelVariant, Int?)] = [(.simd, nil), (.parallel, 2), (.parallel, 3), (.auto, 2)]
}

private typealias F = BRSFixtures

/// (a, b) shape pairs: same shape, scalar operands, rows, columns, N-d, empty and size-1 dims.
private let shapePairs: [([Int], [Int])] = [
    ([37], [37]), ([37], []), ([], [37]), ([1], [37]), ([], []), ([5, 33], [33]), ([33], [5, 33]),
    ([5, 33], [5, 1]), ([5, 1], [1, 33]), ([2, 3, 17], [3, 1]), ([2, 1, 17], [1, 4, 17]),
    ([4, 1, 3, 1], [5, 1, 6]), ([3, 1, 1], [1, 1, 19]), ([0, 3], [3]), ([2, 0], [2, 1]),
    ([1, 1], [1]), ([7, 100], [7, 100]), ([3, 40, 2], [40, 1]), ([2, 1, 2, 1, 3], [1, 3, 1, 4, 1]),
]

@Suite struct BroadcastTests {
    @Test func shapeRule() {
        #expect(Broadcast.shape([3, 1], [4]) == [3, 4])
        #expect(Broadcast.shape([], [2, 3]) == [2, 3])
        #expect(Broadcast.shape([5, 1, 4], [3, 1]) == [5, 3, 4])
        #expect(Broadcast.shape([0, 1], [1, 5]) == [0, 5])
        #expect(Broadcast.shape([0], [1]) == [0])
        #expect(Broadcast.shape([3], [4]) == nil)
        #expect(Broadcast.shape([0], [2]) == nil)
        #expect(Broadcast.shape([2, 3], [3, 3]) == nil)
    }

    func forwardAgrees<T: KernelFloat>(_: T.Type) {
        for (seed, (sa, sb)) in shapePairs.enumerated() {
            let out = Broadcast.shape(sa, sb)!
            let a: [T] = F.mixed(sa.reduce(1, *), seed: UInt64(seed))
            let b: [T] = F.mixed(sb.reduce(1, *), seed: UInt64(seed + 100))
            for op in BinaryOp.allCases {
                func run(_ v: KernelVariant, _ t: Int?) -> [T] {
                    var y = [T](repeating: 0, count: out.reduce(1, *))
                    Broadcast.binary(op, a, aShape: sa, b, bShape: sb, &y, outShape: out, variant: v, threads: t)
                    return y
                }
                let ref = run(.scalar, nil)
                for (v, t) in F.contenders {
                    F.expectClose(run(v, t), ref, "\(op.name) \(sa) \(sb) \(v) \(t ?? 0) \(T.dtypeName)")
                }
            }
        }
    }

    @Test func forwardVariantsMatchScalarFloat() { forwardAgrees(Float.self) }
    @Test func forwardVariantsMatchScalarDouble() { forwardAgrees(Double.self) }

    @Test func nanPropagatesThroughMaximumAndMinimum() {
        let a: [Float] = [.nan, 1, .nan, -0.0, 2, -.infinity]
        let b: [Float] = [1, .nan, .nan, 0, 2, 5]
        for op in [BinaryOp.maximum, .minimum] {
            for (v, t) in [(KernelVariant.scalar, 1)] + F.contenders.map({ ($0.0, $0.1 ?? 1) }) {
                var y = [Float](repeating: 7, count: 6)
                Broadcast.binary(op, a, aShape: [6], b, bShape: [6], &y, outShape: [6], variant: v, threads: t)
                #expect(y[0].isNaN && y[1].isNaN && y[2].isNaN)
                #expect(y[3] == 0 && y[4] == 2 && y[5] == (op == .maximum ? 5 : -.infinity))
            }
        }
    }

    func backwardAgrees<T: KernelFloat>(_: T.Type, rel: Double) {
        for (seed, (sa, sb)) in shapePairs.enumerated() {
            let out = Broadcast.shape(sa, sb)!
            let a: [T] = F.uniform(sa.reduce(1, *), seed: UInt64(seed))
            // b stays away from 0 (div) and ties with a are forced in some places (maximum/minimum).
            var b: [T] = F.uniform(sb.reduce(1, *), seed: UInt64(seed + 50), 0.5, 3)
            if !a.isEmpty { for i in stride(from: 0, to: b.count, by: 3) { b[i] = a[i % a.count] } }
            let gy: [T] = F.uniform(out.reduce(1, *), seed: UInt64(seed + 9))
            for op in BinaryOp.allCases {
                func run(_ v: KernelVariant, _ t: Int?) -> ([T], [T]) {
                    var ga = [T](repeating: .nan, count: a.count), gb = [T](repeating: .nan, count: b.count)
                    Broadcast.binaryBackward(op, a: a, aShape: sa, b: b, bShape: sb, gy: gy, outShape: out,
                                             ga: &ga, gb: &gb, variant: v, threads: t)
                    return (ga, gb)
                }
                let (ra, rb) = run(.scalar, nil)
                for (v, t) in F.contenders {
                    let (ga, gb) = run(v, t)
                    F.expectClose(ga, ra, rel: rel, abs: rel, "ga \(op.name) \(sa) \(sb) \(v) \(t ?? 0)")
                    F.expectClose(gb, rb, rel: rel, abs: rel, "gb \(op.name) \(sa) \(sb) \(v) \(t ?? 0)")
                }
            }
        }
    }

    @Test func backwardVariantsMatchScalarFloat() { backwardAgrees(Float.self, rel: 2e-6) }
    @Test func backwardVariantsMatchScalarDouble() { backwardAgrees(Double.self, rel: 1e-13) }

    @Test func backwardMatchesFiniteDifferences() {
        let h = 1e-6
        for (seed, (sa, sb)) in shapePairs.enumerated() where sa.reduce(1, *) * sb.reduce(1, *) > 0 {
            let out = Broadcast.shape(sa, sb)!
            let a: [Double] = F.uniform(sa.reduce(1, *), seed: UInt64(seed), -2, 2)
            let b: [Double] = F.uniform(sb.reduce(1, *), seed: UInt64(seed + 7), 0.5, 2)
            let gy: [Double] = F.uniform(out.reduce(1, *), seed: UInt64(seed + 3))
            for op in BinaryOp.allCases {
                func loss(_ a: [Double], _ b: [Double]) -> Double {
                    var y = [Double](repeating: 0, count: gy.count)
                    Broadcast.binary(op, a, aShape: sa, b, bShape: sb, &y, outShape: out, variant: .scalar)
                    return zip(y, gy).reduce(0) { $0 + $1.0 * $1.1 }
                }
                var ga = [Double](repeating: 0, count: a.count), gb = [Double](repeating: 0, count: b.count)
                Broadcast.binaryBackward(op, a: a, aShape: sa, b: b, bShape: sb, gy: gy, outShape: out,
                                         ga: &ga, gb: &gb, variant: .simd)
                for i in a.indices {
                    var (p, m) = (a, a)
                    p[i] += h; m[i] -= h
                    let fd = (loss(p, b) - loss(m, b)) / (2 * h)
                    #expect(abs(fd - ga[i]) <= 1e-5 + 1e-3 * abs(fd), "\(op.name) \(sa) \(sb) ga[\(i)]")
                }
                for i in b.indices {
                    var (p, m) = (b, b)
                    p[i] += h; m[i] -= h
                    let fd = (loss(a, p) - loss(a, m)) / (2 * h)
                    #expect(abs(fd - gb[i]) <= 1e-5 + 1e-3 * abs(fd), "\(op.name) \(sa) \(sb) gb[\(i)]")
                }
            }
        }
    }

    @Test func maximumGradientTiesAndNaNFollowPyTorch() {
        // a == b: half each; NaN in either: g to both (the masks a<b, a>b are false).
        let a: [Float] = [2, 1, 3, .nan, 1, .nan]
        let b: [Float] = [2, 3, 1, 1, .nan, .nan]
        let g: [Float] = [4, 4, 4, 4, 4, 4]
        for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
            var ga = [Float](repeating: 0, count: 6), gb = [Float](repeating: 0, count: 6)
            Broadcast.binaryBackward(.maximum, a: a, aShape: [6], b: b, bShape: [6], gy: g, outShape: [6],
                                     ga: &ga, gb: &gb, variant: v, threads: t)
            #expect(ga == [2, 0, 4, 4, 4, 4] && gb == [2, 4, 0, 4, 4, 4], "maximum \(v)")
            Broadcast.binaryBackward(.minimum, a: a, aShape: [6], b: b, bShape: [6], gy: g, outShape: [6],
                                     ga: &ga, gb: &gb, variant: v, threads: t)
            #expect(ga == [2, 4, 0, 4, 4, 4] && gb == [2, 0, 4, 4, 4, 4], "minimum \(v)")
        }
    }

    @Test func divGradientStaysFiniteWhereBSquaredOverflows() {
        let a: [Float] = [1e30], b: [Float] = [1e30], g: [Float] = [1]
        var gb: [Float] = [0]
        Broadcast.binaryBackward(.div, a: a, aShape: [], b: b, bShape: [], gy: g, outShape: [],
                                 ga: nil, gb: &gb, variant: .simd)
        #expect(abs(gb[0] + 1e-30) < 1e-36)
    }

    @Test func sumToShapeMatchesBruteForce() {
        let cases: [([Int], [Int])] = [
            ([5, 33], [33]), ([5, 33], [5, 1]), ([5, 33], []), ([5, 33], [1, 1]), ([2, 3, 17], [3, 1]),
            ([2, 3, 17], [2, 1, 17]), ([4, 5, 6, 7], [5, 1, 7]), ([4, 5, 6, 7], [4, 1, 6, 1]), ([0, 3], [3]),
            ([3, 0], [3, 1]), ([1, 9], [9]), ([9], [1, 9]), ([300, 70], [70]), ([70, 300], [70, 1]),
            ([40_000, 3], [3]), ([2, 20_000, 3], [2, 1, 3]),
        ]
        for (seed, (from, to)) in cases.enumerated() {
            let x: [Float] = F.uniform(from.reduce(1, *), seed: UInt64(seed))
            var ref = [Double](repeating: 0, count: to.reduce(1, *))
            BroadcastReference.forEachIndex(outShape: from, aShape: to, bShape: []) { i, it, _ in ref[it] += Double(x[i]) }
            for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
                var y = [Float](repeating: .nan, count: ref.count)
                Broadcast.sumToShape(x, from: from, &y, to: to, variant: v, threads: t)
                F.expectClose(y, ref.map { Float($0) }, rel: 2e-7, abs: 1e-5, "\(from) -> \(to) \(v)")
            }
        }
    }

    @Test func copyStridedMatchesIndexing() {
        // (shape, strides, source count): transpose, 3-d permute, expand, step slice, row-major.
        let cases: [([Int], [Int], Int)] = [
            ([7, 5], [1, 7], 35), ([33, 40], [1, 33], 1320), ([2, 3, 4], [1, 8, 2], 24), ([4, 3], [0, 1], 3),
            ([3, 4, 5], [20, 0, 1], 60), ([10], [3], 30), ([6, 7], [7, 1], 42), ([0, 4], [4, 1], 0),
            ([2, 1, 19, 3], [57, 0, 1, 19], 114),
        ]
        for (shape, strides, n) in cases {
            let src: [Double] = F.uniform(n, seed: UInt64(n))
            var want = [Double]()
            let count = shape.reduce(1, *)
            for i in 0..<count {
                var rest = i, off = 0
                for d in stride(from: shape.count - 1, through: 0, by: -1) {
                    off += rest % shape[d] * strides[d]
                    rest /= shape[d]
                }
                want.append(src[off])
            }
            for t in [1, 2, 3] {
                var got = [Double](repeating: .nan, count: count)
                Broadcast.copyStrided(src, shape: shape, strides: strides, &got, threads: t)
                F.expectClose(got, want, "\(shape) \(strides) threads \(t)")
                let s32 = src.map { Float($0) }
                var g32 = [Float](repeating: .nan, count: count)
                Broadcast.copyStrided(s32, shape: shape, strides: strides, &g32, threads: t)
                F.expectClose(g32, want.map { Float($0) }, "\(shape) \(strides) float threads \(t)")
            }
        }
    }

    @Test func largeRowBroadcastCrossesChunksInParallel() {
        // Large enough for .auto to split (above the threshold) with rows cut mid-way.
        let (m, n) = (300, 517)
        let a: [Float] = F.uniform(m * n, seed: 1), b: [Float] = F.uniform(n, seed: 2)
        var ref = [Float](repeating: 0, count: m * n), y = ref
        Broadcast.binary(.sub, a, aShape: [m, n], b, bShape: [n], &ref, outShape: [m, n], variant: .scalar)
        for t in [2, 5, 16] {
            Broadcast.binary(.sub, a, aShape: [m, n], b, bShape: [n], &y, outShape: [m, n], variant: .auto, threads: t)
            F.expectClose(y, ref, "threads \(t)")
        }
    }
}
