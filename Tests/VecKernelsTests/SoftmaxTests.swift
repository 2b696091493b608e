import Foundation
import Testing
@testable import VecKernels

private typealias F = BRSFixtures

/// [outer, size, inner]: last-dim rows (full and partial vectors), other dims (lanes along j).
private let views: [(Int, Int, Int)] = [
    (1, 1, 1), (3, 5, 1), (4, 16, 1), (2, 37, 1), (5, 100, 1), (2, 7, 3), (3, 9, 16), (2, 6, 21), (0, 3, 1),
]

@Suite struct SoftmaxTests {
    func agrees<T: KernelFloat>(_: T.Type, rel: Double, abs: Double) {
        for log in [false, true] {
            for (seed, (outer, size, inner)) in views.enumerated() {
                let n = outer * size * inner
                let x: [T] = F.uniform(n, seed: UInt64(seed), -20, 20)
                let gy: [T] = F.uniform(n, seed: UInt64(seed + 40))
                var ry = [T](repeating: 0, count: n), rg = ry
                Softmax.forward(x, &ry, outer: outer, size: size, inner: inner, log: log, variant: .scalar)
                Softmax.backward(y: ry, gy: gy, gx: &rg, outer: outer, size: size, inner: inner, log: log, variant: .scalar)
                for (v, t) in F.contenders {
                    var y = [T](repeating: .nan, count: n), g = y
                    Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: v, threads: t)
                    F.expectClose(y, ry, rel: rel, abs: abs, "forward \([outer, size, inner]) log \(log) \(v)")
                    Softmax.backward(y: ry, gy: gy, gx: &g, outer: outer, size: size, inner: inner, log: log,
                                     variant: v, threads: t)
                    F.expectClose(g, rg, rel: 10 * rel, abs: 10 * abs, "backward \([outer, size, inner]) log \(log) \(v)")
                }
            }
        }
    }

    @Test func variantsMatchScalarFloat() { agrees(Float.self, rel: 5e-6, abs: 4e-7) }
    @Test func variantsMatchScalarDouble() { agrees(Double.self, rel: 1e-14, abs: 1e-15) }

    @Test func allMinusInfinityRowGivesNaNAndHugeValuesStayStable() {
        let x: [Float] = [-.infinity, -.infinity, -.infinity, 3e38, 3e38, -3e38, 1, 2, 3]
        for (v, t) in [(KernelVariant.scalar, nil)] + F.contenders {
            var y = [Float](repeating: 0, count: 9)
            Softmax.forward(x, &y, outer: 3, size: 3, inner: 1, log: false, variant: v, threads: t)
            #expect(y[0].isNaN && y[1].isNaN && y[2].isNaN, "\(v)")
            #expect(y[3] == 0.5 && y[4] == 0.5 && y[5] == 0, "\(v)")
            #expect(abs(y[6] + y[7] + y[8] - 1) < 1e-6)
            Softmax.forward(x, &y, outer: 3, size: 3, inner: 1, log: true, variant: v, threads: t)
            #expect(y[0].isNaN && y[2].isNaN && y[5] == -.infinity && abs(y[3] + Float(M_LN2)) < 1e-6, "log \(v)")
            // The same with lanes along j: [1, 3, 3] with the rows as columns.
            let xt = [0, 3, 6, 1, 4, 7, 2, 5, 8].map { x[$0] }
            Softmax.forward(xt, &y, outer: 1, size: 3, inner: 3, log: false, variant: v, threads: t)
            #expect(y[0].isNaN && y[3].isNaN && y[1] == 0.5 && y[4] == 0.5 && y[7] == 0, "columns \(v)")
        }
    }

    @Test func rowsSumToOne() {
        let (outer, size) = (64, 1_000)
        let x: [Float] = F.uniform(outer * size, seed: 9, -30, 30)
        var y = [Float](repeating: 0, count: x.count)
        Softmax.forward(x, &y, outer: outer, size: size, inner: 1, log: false, variant: .auto, threads: 2)
        for o in 0..<outer {
            let s = y[o * size..<(o + 1) * size].reduce(0.0) { $0 + Double($1) }
            #expect(abs(s - 1) < 1e-5)
        }
    }

    @Test func backwardMatchesFiniteDifferences() {
        let h = 1e-6
        for (outer, size, inner) in [(2, 5, 1), (1, 4, 3), (2, 19, 1)] {
            for log in [false, true] {
                let n = outer * size * inner
                let x: [Double] = F.uniform(n, seed: UInt64(n), -3, 3)
                let gy: [Double] = F.uniform(n, seed: UInt64(n + 1))
                func loss(_ x: [Double]) -> Double {
                    var y = [Double](repeating: 0, count: n)
                    Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: .scalar)
                    return zip(y, gy).reduce(0) { $0 + $1.0 * $1.1 }
                }
                var y = [Double](repeating: 0, count: n), gx = y
                Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: .simd)
                Softmax.backward(y: y, gy: gy, gx: &gx, outer: outer, size: size, inner: inner, log: log, variant: .simd)
                for i in 0..<n {
                    var (p, m) = (x, x)
                    p[i] += h; m[i] -= h
                    let fd = (loss(p) - loss(m)) / (2 * h)
                    #expect(abs(fd - gx[i]) <= 1e-5 + 1e-3 * abs(fd), "\([outer, size, inner]) log \(log) [\(i)]")
                }
            }
        }
    }
}
