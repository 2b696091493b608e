import Testing
@testable import VecKernels

// The fused gradient-and-sum of a broadcast operand (mul, div, maximum, minimum): bitwise the
// unfused result (full-size gradient, then Broadcast.sumToShape), for every thread count, and
// within float64-accumulation error of a float64 reference.

private typealias F = BRSFixtures

@Suite struct BroadcastReduceTests {
    @Test func reductionShapes() {
        #expect(ReductionShape(output: [4, 5], operand: [4, 1]) == ReductionShape(outer: 4, size: 5, inner: 1))
        #expect(ReductionShape(output: [4, 5], operand: [5]) == ReductionShape(outer: 1, size: 4, inner: 5))
        #expect(ReductionShape(output: [4, 5], operand: [1, 5]) == ReductionShape(outer: 1, size: 4, inner: 5))
        #expect(ReductionShape(output: [4, 5], operand: []) == ReductionShape(outer: 1, size: 20, inner: 1))
        #expect(ReductionShape(output: [2, 3, 4], operand: [2, 1, 4]) == ReductionShape(outer: 2, size: 3, inner: 4))
        #expect(ReductionShape(output: [2, 3, 4], operand: [1, 1, 4]) == ReductionShape(outer: 1, size: 6, inner: 4))
        #expect(ReductionShape(output: [2, 1, 3, 4], operand: [2, 1, 1, 1]) == ReductionShape(outer: 2, size: 12, inner: 1))
        #expect(ReductionShape(output: [2, 3, 4], operand: [1, 3, 1]) == nil)   // two summed blocks
        #expect(ReductionShape(output: [2, 3, 4, 5], operand: [2, 1, 4, 1]) == nil)
    }

    /// The full-size gradient of one side (the operand expanded, so nothing is summed), summed to its shape.
    func unfused<T: KernelFloat>(_ op: BinaryOp, sideA: Bool, a: [T], sa: [Int], b: [T], sb: [Int], gy: [T],
                                 out: [Int]) -> [T] {
        let n = out.reduce(1, *)
        func expand(_ x: [T], _ s: [Int]) -> [T] {
            var e = [T](repeating: 0, count: n)
            Broadcast.binary(.add, x, aShape: s, [T(0)], bShape: [], &e, outShape: out, variant: .scalar)
            return e
        }
        var full = [T](repeating: .nan, count: n)
        if sideA {
            Broadcast.binaryBackward(op, a: expand(a, sa), aShape: out, b: b, bShape: sb, gy: gy, outShape: out,
                                     ga: &full, gb: nil, variant: .simd)
        } else {
            Broadcast.binaryBackward(op, a: a, aShape: sa, b: expand(b, sb), bShape: out, gy: gy, outShape: out,
                                     ga: nil, gb: &full, variant: .simd)
        }
        var r = [T](repeating: .nan, count: (sideA ? sa : sb).reduce(1, *))
        Broadcast.sumToShape(full, from: out, &r, to: sideA ? sa : sb, variant: .simd)
        return r
    }

    func fusedIsBitwiseUnfused<T: KernelFloat>(_: T.Type) {
        // Rows longer than a sum task (16384), columns wider than a 1024-column unit, tall columns
        // cut into row blocks, a 3-d middle sum and a scalar operand.
        let pairs: [([Int], [Int])] = [([3, 40000], [3, 1]), ([300, 2100], [1, 2100]), ([2000, 40], [40]),
                                       ([2, 70, 33], [2, 1, 33]), ([5000], []), ([64, 1], [64, 300])]
        for (seed, (sa, sb)) in pairs.enumerated() {
            let out = Broadcast.shape(sa, sb)!
            let a: [T] = F.uniform(sa.reduce(1, *), seed: UInt64(seed))
            var b: [T] = F.uniform(sb.reduce(1, *), seed: UInt64(seed + 50), 0.5, 3)
            for i in stride(from: 0, to: b.count, by: 5) { b[i] = a[i % a.count] }   // ties for maximum/minimum
            let gy: [T] = F.uniform(out.reduce(1, *), seed: UInt64(seed + 9))
            for op in [BinaryOp.mul, .div, .maximum, .minimum] {
                let ra = unfused(op, sideA: true, a: a, sa: sa, b: b, sb: sb, gy: gy, out: out)
                let rb = unfused(op, sideA: false, a: a, sa: sa, b: b, sb: sb, gy: gy, out: out)
                for (v, t) in [(KernelVariant.simd, 1), (.parallel, 2), (.parallel, 3), (.auto, 2)] {
                    var ga = [T](repeating: .nan, count: a.count), gb = [T](repeating: .nan, count: b.count)
                    Broadcast.binaryBackward(op, a: a, aShape: sa, b: b, bShape: sb, gy: gy, outShape: out,
                                             ga: &ga, gb: &gb, variant: v, threads: t)
                    #expect(F.bitwise(ga, ra), "ga \(op.name) \(sa) \(sb) \(v) \(t)")
                    #expect(F.bitwise(gb, rb), "gb \(op.name) \(sa) \(sb) \(v) \(t)")
                }
            }
        }
    }

    @Test func fusedIsBitwiseUnfusedFloat() { fusedIsBitwiseUnfused(Float.self) }
    @Test func fusedIsBitwiseUnfusedDouble() { fusedIsBitwiseUnfused(Double.self) }

    @Test func reducedGradientsAgainstFloat64() {
        // mul's gradient for b of [R, 1] and [1, C]: sum_j gy a, as Reduce.sum adds float32 data
        // (groups of four vectors in float32, then float64): within 2u sum |terms| + u |sum| of the
        // exact sum (u = 2^-24), where a plain float32 loop over 3000 terms is bounded by 3000u.
        let (rows, cols) = (257, 3000)
        let a: [Float] = F.uniform(rows * cols, seed: 1), gy: [Float] = F.uniform(rows * cols, seed: 2)
        for (sb, summedRows) in [([rows, 1], false), ([1, cols], true)] {
            let b: [Float] = F.uniform(sb.reduce(1, *), seed: 3)
            var gb = [Float](repeating: .nan, count: b.count)
            Broadcast.binaryBackward(.mul, a: a, aShape: [rows, cols], b: b, bShape: sb, gy: gy, outShape: [rows, cols],
                                     ga: nil, gb: &gb, variant: .auto, threads: 2)
            let count = summedRows ? cols : rows
            for k in 0..<count {
                let terms = (0..<(summedRows ? rows : cols)).map { i -> Double in
                    let idx = summedRows ? i * cols + k : k * cols + i
                    return Double(gy[idx] * a[idx])   // the float32 product, as the kernel forms it
                }
                let exact = Reduce.referenceSum(terms), magnitude = terms.reduce(0) { $0 + abs($1) }
                let u = 0x1p-24
                #expect(abs(Double(gb[k]) - exact) <= 2 * u * magnitude + u * abs(exact),
                        "\(sb) [\(k)]: \(gb[k]) vs \(exact)")
            }
        }
    }
}
