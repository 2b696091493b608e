import Foundation
import Testing
@testable import VecKernels
import VecPlatform

private typealias F = BRSFixtures

/// [outer, size, inner] views: rows (inner 1), columns, partial vectors, a long row crossing task
/// and max blocks, a tall narrow sum that is cut into row blocks, empty dims.
private let views: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 17, 1), (3, 64, 1), (5, 100, 1), (2, 7, 3), (4, 33, 16), (3, 20, 37), (2, 5, 300),
    (1, 70_001, 1), (1, 30_000, 3), (0, 5, 2), (2, 0, 3), (3, 4, 0),
]

@Suite struct ReduceTests {
    @Test func variantsList() {
        #expect(Reduce.variants.contains(.scalar) && Reduce.variants.contains(.simd)
                && Reduce.variants.contains(.parallel) && Reduce.variants.contains(.auto))
    }

    func sumAgrees<T: KernelFloat>(_: T.Type, rel: Double) {
        for n in [0, 1, 15, 16, 17, 63, 64, 65, 1_000, 2 * 16_384 + 7, 100_003] {
            let x: [T] = F.uniform(n, seed: UInt64(n))
            let exact = x.reduce(0.0) { $0 + Double($1) }
            for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
                let s = Reduce.sum(x, count: n, variant: v, threads: t)
                #expect(abs(Double(s) - exact) <= rel * x.reduce(0.0) { $0 + abs(Double($1)) } + 1e-30,
                        "n \(n) \(v) \(T.dtypeName)")
            }
        }
        for (outer, size, inner) in views {
            let x: [T] = F.uniform(outer * size * inner, seed: UInt64(size))
            var ref = [T](repeating: 0, count: outer * inner)
            Reduce.sum(x, outer: outer, size: size, inner: inner, &ref, variant: .scalar)
            for (v, t) in F.contenders {
                var y = [T](repeating: .nan, count: outer * inner)
                Reduce.sum(x, outer: outer, size: size, inner: inner, &y, variant: v, threads: t)
                F.expectClose(y, ref, rel: rel, abs: rel * Double(size), "\([outer, size, inner]) \(v)")
            }
        }
    }

    @Test func sumVariantsMatchScalarFloat() { sumAgrees(Float.self, rel: 2e-7) }
    @Test func sumVariantsMatchScalarDouble() { sumAgrees(Double.self, rel: 1e-13) }

    @Test func sumIsBitwiseIndependentOfThreadCount() {
        let x: [Float] = F.uniform(300_007, seed: 42, -1e3, 1e3)
        let one = Reduce.sum(x, count: x.count, variant: .parallel, threads: 1)
        for t in [2, 3, 16] {
            #expect(Reduce.sum(x, count: x.count, variant: .parallel, threads: t).bitPattern == one.bitPattern)
        }
        #expect(Reduce.sum(x, count: x.count, variant: .simd).bitPattern == one.bitPattern)
        #expect(Reduce.sum(x, count: x.count, variant: .auto, threads: 2).bitPattern == one.bitPattern)
        for (outer, size, inner) in [(3, 40_000, 1), (1, 100_000, 3), (7, 300, 50)] {
            let y: [Double] = F.uniform(outer * size * inner, seed: 7, -1e3, 1e3)
            var base = [Double](repeating: 0, count: outer * inner), other = base
            Reduce.sum(y, outer: outer, size: size, inner: inner, &base, variant: .parallel, threads: 1)
            for t in [2, 16] {
                Reduce.sum(y, outer: outer, size: size, inner: inner, &other, variant: .parallel, threads: t)
                let same = F.bitwise(other, base)
                #expect(same, "\([outer, size, inner]) threads \(t)")
            }
        }
    }

    @Test func float32SumOfTenthsIsAccurate() {
        // PyTorch gives 1677721.0 (5.5e-7 off); the exact sum of float(0.1) is 1677721.925...
        let n = (1 << 24) + 3
        let x = [Float](repeating: 0.1, count: n)
        let exact = Double(Float(0.1)) * Double(n)
        for t in [1, 2] {
            let s = Reduce.sum(x, count: n, variant: .parallel, threads: t)
            #expect(abs(Double(s) - exact) / exact <= 2e-7, "threads \(t): \(s)")
            #expect(s == Float(exact), "threads \(t): \(s) is not the float nearest \(exact)")
        }
    }

    /// The double nearest `count` copies of `x` (> 0), and a test of "nearest" done in integers.
    func correctlyRoundedMultiple(_ x: Double, _ count: Int) -> (value: Double, isNearest: (Double) -> Bool) {
        // x = m 2^(e - 52) with an integer m: the exact sum and every double >= x are integer
        // multiples of 2^(e - 52).
        let shift = Int(x.exponent) - 52
        let exact = UInt128(x.significandBitPattern | (1 << 52)) * UInt128(count)
        let isNearest = { (d: Double) -> Bool in
            let scale = Int(d.exponent) - 52 - shift
            let units = UInt128(d.significandBitPattern | (1 << 52)) << scale
            let halfUlp = UInt128(1) << (scale - 1)
            return (units > exact ? units - exact : exact - units) <= halfUlp
        }
        return (Double(exact) * Double(sign: .plus, exponent: shift, significand: 1), isNearest)
    }

    @Test func float64SumOfTenthsIsCorrectlyRounded() {
        // Plain float64 lanes were 94 ULP off (1677721.8999999783).
        let n = (1 << 24) + 3
        let x = [Double](repeating: 0.1, count: n)
        let (nearest, isNearest) = correctlyRoundedMultiple(0.1, n)
        #expect(isNearest(nearest) && nearest == 1677721.9000000001)
        // 16 threads run as asked (oversubscribed on a small machine): the result must not depend
        // on the thread count.
        for (v, t) in [(KernelVariant.scalar, 1), (.simd, 1), (.parallel, 2), (.parallel, 16)] {
            let s = Threading.withOversubscription {
                #expect(Threading.usableThreads(t) == t)
                return Reduce.sum(x, count: n, variant: v, threads: t)
            }
            #expect(s == nearest, "\(v) threads \(t): \(s), correctly rounded \(nearest)")
        }
        #expect(!isNearest(nearest.nextUp) && !isNearest(nearest.nextDown))
    }

    /// Values of 17 decades with random signs (`positive` of them positive on average).
    func mixedMagnitudes(_ n: Int, seed: UInt64, positive: Double) -> [Double] {
        let u: [Double] = F.uniform(3 * n, seed: seed, 0, 1)
        return (0..<n).map { i -> Double in
            let sign: Double = u[3 * i] < positive ? 1 : -1
            let decade: Double = (u[3 * i + 2] * 17).rounded(.down) - 8
            return sign * (0.5 + u[3 * i + 1]) * Foundation.pow(10.0, decade)
        }
    }

    @Test func float64SumOfMixedMagnitudesAgainstFloat80() {
        for (k, n) in [1_000, 16_385, 100_003, (1 << 20) + 77].enumerated() {
            for positive in [1.0, 0.9, 0.5] {
                let x = mixedMagnitudes(n, seed: UInt64(k * 10) + UInt64(positive * 10), positive: positive)
                let ref = Reduce.referenceSum(x), absSum = x.reduce(0) { $0 + abs($1) }
                // The kernels' bound u |sum| + 2u sum |x| + O(n u^2) sum |x| (u = 2^-53; u |sum| < 1
                // ULP), plus the rounding of `ref` (half an ULP).
                let bound = 1.5 * ref.ulp + 0x1p-52 * absSum * (1 + 0x1p-20)
                // 16 threads: capped at the CPUs the process may use, the result must not depend on it.
        for (v, t) in [(KernelVariant.scalar, 1), (.simd, 1), (.parallel, 2), (.parallel, 16)] {
                    let s = Reduce.sum(x, count: n, variant: v, threads: t)
                    #expect(abs(s - ref) <= bound, "n \(n) positive \(positive) \(v): \(s) vs \(ref)")
                    // Same-signed data mostly meets the Fast2Sum condition: the bound allows ~3 ULP,
                    // within 1 measured (the plain float64 lanes: 3-4 ULP).
                    if positive == 1 {
                        #expect(abs(s - ref) <= ref.ulp, "n \(n) \(v): \(s) vs \(ref)")
                    }
                }
            }
        }
    }

    @Test func float64SumKeepsSmallTermsBesideLargeOnes() {
        // 1 + 2^-53 rounds to 1: in a plain sum the 2^-53 terms after each 1 vanish (2^11 ULP here).
        let n = 1 << 20
        var x = [Double](repeating: 0x1p-53, count: n)
        for i in stride(from: 0, to: n, by: 4096) { x[i] = 1 }
        let exact = Double(n / 4096) + Double(n - n / 4096) * 0x1p-53   // one rounding
        // 16 threads: capped at the CPUs the process may use, the result must not depend on it.
        for (v, t) in [(KernelVariant.scalar, 1), (.simd, 1), (.parallel, 2), (.parallel, 16)] {
            let s = Reduce.sum(x, count: n, variant: v, threads: t)
            // u |sum| + 2u sum |x| = 3u sum for positive terms: 1.5 ULP.
            #expect(abs(s - exact) <= 1.5 * exact.ulp, "\(v): \(s) vs \(exact)")
        }
        let plain = x.reduce(0, +)
        #expect(abs(plain - exact) > 1_000 * exact.ulp)
    }

    @Test func float64SumIsBitwiseIndependentOfThreadCount() {
        let x = mixedMagnitudes(300_007, seed: 9, positive: 0.5)
        let one = Reduce.sum(x, count: x.count, variant: .parallel, threads: 1)
        // 16 threads run as asked (oversubscribed on a small machine), for this task only.
        Threading.withOversubscription {
            for t in [2, 16] {
                #expect(Reduce.sum(x, count: x.count, variant: .parallel, threads: t).bitPattern == one.bitPattern)
                #expect(Threading.withThreads(t) { Reduce.sum(x, count: x.count, variant: .auto) }.bitPattern == one.bitPattern)
            }
        }
        #expect(Reduce.sum(x, count: x.count, variant: .simd).bitPattern == one.bitPattern)
        var rows = [Double](repeating: 0, count: 3)
        Threading.withOversubscription {
            x.withUnsafeBufferPointer { p in
                SumKernels.rows(p.baseAddress!, outer: 3, size: 100_002, &rows, .parallel(threads: 16, grain: 1))
            }
        }
        for o in 0..<3 {
            let row = Array(x[o * 100_002 ..< (o + 1) * 100_002])
            #expect(rows[o].bitPattern == Reduce.sum(row, count: row.count, variant: .simd).bitPattern)
        }
    }

    @Test func float64SumOfEdgeValues() {
        // 16 threads: capped at the CPUs the process may use, the result must not depend on it.
        for (v, t) in [(KernelVariant.scalar, 1), (.simd, 1), (.parallel, 2), (.parallel, 16)] {
            let ones = [Double](repeating: 1, count: 100)
            #expect(Reduce.sum([.infinity] + ones, count: 101, variant: v, threads: t) == .infinity)
            #expect(Reduce.sum(ones + [-.infinity], count: 101, variant: v, threads: t) == -.infinity)
            #expect(Reduce.sum([.infinity, -.infinity] + ones, count: 102, variant: v, threads: t).isNaN)
            #expect(Reduce.sum(ones + [.nan] + ones, count: 201, variant: v, threads: t).isNaN)
            let huge = [Double](repeating: .greatestFiniteMagnitude, count: 70)
            #expect(Reduce.sum(huge, count: 70, variant: v, threads: t) == .infinity)
            #expect(Reduce.sum([Double](), count: 0, variant: v, threads: t) == 0)
        }
    }

    @Test func sumOfEdgeValues() {
        #expect(Reduce.sum([Float.infinity, 1, 2], count: 3, variant: .simd) == .infinity)
        #expect(Reduce.sum([Float.infinity, -.infinity] + [Float](repeating: 1, count: 40), count: 42,
                           variant: .simd).isNaN)
        #expect(Reduce.sum([Float](repeating: 1, count: 20) + [.nan], count: 21, variant: .parallel, threads: 2).isNaN)
        // A float32 group of 3e38s overflows (inf - inf = NaN); the block is summed again widened.
        let big = [Float](repeating: 3e38, count: 32) + [Float](repeating: -3e38, count: 32)
        #expect(Reduce.sum(big, count: 64, variant: .simd) == 0)
        // Long enough for the four interleaved streams (256 elements a step, 64 a group): a group
        // of 3e38s overflows in float32, and the block is summed again widened.
        for n in [128, 256, 1_000] {
            let half = [Float](repeating: 3e38, count: n / 2) + [Float](repeating: -3e38, count: n / 2)
            let alternating = (0..<n).map { $0 % 2 == 0 ? Float(3e38) : -3e38 }
            for (v, t) in [(KernelVariant.simd, 1), (.parallel, 2)] {
                #expect(Reduce.sum(half, count: n, variant: v, threads: t) == 0, "n \(n) \(v)")
                #expect(Reduce.sum(alternating, count: n, variant: v, threads: t) == 0, "n \(n) \(v)")
                var withInf = [Float](repeating: 1, count: n)
                withInf[n / 3] = .infinity
                #expect(Reduce.sum(withInf, count: n, variant: v, threads: t) == .infinity)
                withInf[n / 2] = -.infinity
                #expect(Reduce.sum(withInf, count: n, variant: v, threads: t).isNaN)
            }
        }
    }

    func maxAgrees<T: KernelFloat>(_: T.Type) {
        for (seed, (outer, size, inner)) in views.enumerated() where size > 0 {
            var x: [T] = F.mixed(outer * size * inner, seed: UInt64(seed))
            // Many ties: round most values to a few levels.
            if seed % 2 == 0 { x = x.map { $0.isFinite ? ($0 / 2).rounded() : $0 } }
            var rv = [T](repeating: 0, count: outer * inner), ri = [Int64](repeating: -1, count: outer * inner)
            Reduce.max(x, outer: outer, size: size, inner: inner, values: &rv, indices: &ri, variant: .scalar)
            for (v, t) in F.contenders {
                var vv = [T](repeating: 0, count: rv.count), vi = [Int64](repeating: -1, count: rv.count)
                Reduce.max(x, outer: outer, size: size, inner: inner, values: &vv, indices: &vi, variant: v, threads: t)
                F.expectClose(vv, rv, "values \([outer, size, inner]) \(v)")
                #expect(vi == ri, "\([outer, size, inner]) \(v) \(T.dtypeName)")
            }
        }
    }

    @Test func maxVariantsMatchScalarFloat() { maxAgrees(Float.self) }
    @Test func maxVariantsMatchScalarDouble() { maxAgrees(Double.self) }

    @Test func maxReturnsFirstMaxAndFirstNaN() {
        let x: [Float] = [1, 5, 3, 5, 2, 0, -1, .nan, 4, .nan, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]
        for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
            var value: Float = 0, index: Int64 = -1
            Reduce.max(x, outer: 1, size: 7, inner: 1, values: &value, indices: &index, variant: v, threads: t)
            #expect(value == 5 && index == 1)
            Reduce.max(x, outer: 1, size: 20, inner: 1, values: &value, indices: &index, variant: v, threads: t)
            #expect(value.isNaN && index == 7)
            var vals = [Float](repeating: 0, count: 2), idx = [Int64](repeating: -1, count: 2)
            // Columns: [10, 2] view, column 0 = x[0, 2, 4...], column 1 = x[1, 3, 5...].
            Reduce.max(x, outer: 1, size: 10, inner: 2, values: &vals, indices: &idx, variant: v, threads: t)
            #expect(vals[0] == 9 && idx[0] == 5 && vals[1].isNaN && idx[1] == 3)
        }
    }

    @Test func maxInLongRowsAndColumnsCrossesBlocks() {
        for inner in [1, 3] {
            let size = 70_000
            var x: [Float] = F.uniform(size * inner, seed: 5)
            x[(size - 2) * inner] = 10
            x[(size - 1) * inner] = 10
            x[66_000 * inner + inner - 1] = 11
            var vals = [Float](repeating: 0, count: inner), idx = [Int64](repeating: -1, count: inner)
            Reduce.max(x, outer: 1, size: size, inner: inner, values: &vals, indices: &idx, variant: .parallel, threads: 2)
            #expect(vals[0] == (inner == 1 ? 11 : 10) && idx[0] == (inner == 1 ? 66_000 : Int64(size - 2)))
            if inner == 3 { #expect(vals[2] == 11 && idx[2] == 66_000) }
        }
    }

    @Test func maxAllCountsTiesAndNaNs() {
        for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
            var x: [Float] = F.uniform(1_000, seed: 3)
            x[10] = 7; x[500] = 7; x[999] = 7
            var r = Reduce.maxAll(x, count: x.count, variant: v, threads: t)
            #expect(r.value == 7 && r.ties == 3, "\(v)")
            x[20] = .nan; x[21] = .nan
            r = Reduce.maxAll(x, count: x.count, variant: v, threads: t)
            #expect(r.value.isNaN && r.ties == 2, "\(v)")
            r = Reduce.maxAll([Float](repeating: -0.0, count: 33) + [0], count: 34, variant: v, threads: t)
            #expect(r.value == 0 && r.ties == 34)
            let d = Reduce.maxAll([-Double.infinity, -.infinity], count: 2, variant: v, threads: t)
            #expect(d.value == -.infinity && d.ties == 2)
        }
        #expect(Reduce.maxAll([Float](), count: 0).ties == 0)
    }
}
