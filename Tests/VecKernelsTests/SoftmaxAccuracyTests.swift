import Foundation
import Testing
@testable import VecKernels

private typealias F = BRSFixtures

/// Float32 softmax and log-softmax, forward and backward, against a float64 reference computed from
/// the same float32 inputs, in ulp of the float32 result. The data are the benchmark's ([-5, 5]
/// logits, gy in [-1, 1]): there gy often nearly cancels against sum(y * gy) or exp(y) * sum(gy),
/// which is where the old float32 sums lost 120 ulp (log-softmax) and 432271 ulp (softmax).
private let shapes: [(Int, Int, Int)] = [
    (256, 1000, 1), (16, 1024, 1), (64, 17, 1), (5, 1, 1), (9, 33, 1), (3, 31, 1), (2, 100, 37), (4, 31, 16),
    (1, 1, 5), (2, 3, 1100),
]

/// float64 softmax / log-softmax of float32 inputs over the middle dim of [outer, size, inner]:
/// max subtracted, NaN for an all -inf row (PyTorch's semantics).
func softmaxReference(_ x: [Float], _ outer: Int, _ size: Int, _ inner: Int, log: Bool) -> [Double] {
    var y = [Double](repeating: 0, count: x.count)
    for o in 0..<outer {
        for j in 0..<inner {
            let at = { (k: Int) in (o * size + k) * inner + j }
            let m = (0..<size).map { Double(x[at($0)]) }.reduce(-Double.infinity) { $1 > $0 ? $1 : $0 }
            let s = (0..<size).reduce(0.0) { $0 + Foundation.exp(Double(x[at($1)]) - m) }
            for k in 0..<size {
                let d = Double(x[at(k)]) - m
                y[at(k)] = log ? d - Foundation.log(s) : Foundation.exp(d) / s
            }
        }
    }
    return y
}

/// float64 gx from float32 y and gy: y * (gy - sum(y * gy)), or gy - exp(y) * sum(gy); sums by
/// Neumaier (exact for a row like [3e38, 1, -3e38]). Also a slack per element, in float32 ulp of
/// the result: what a float64 sum may lose (n 2^-53 sum |terms|, carried by the factor y or
/// exp(y)), which matters only next to terms near float32's range; +inf where the softmax
/// difference gy - sum itself exceeds float32's range (the kernel, like PyTorch, forms it in
/// float32, and it overflows).
func softmaxBackwardReference(_ y: [Float], _ gy: [Float], _ outer: Int, _ size: Int, _ inner: Int,
                              log: Bool) -> (gx: [Double], slack: [Double]) {
    var gx = [Double](repeating: 0, count: y.count), slack = gx
    for o in 0..<outer {
        for j in 0..<inner {
            let at = { (k: Int) in (o * size + k) * inner + j }
            var (s, c, mag) = (0.0, 0.0, 0.0)
            for k in 0..<size {
                let t = Double(gy[at(k)]) * (log ? 1 : Double(y[at(k)]))
                let u = s + t
                c += Swift.abs(s) >= Swift.abs(t) ? (s - u) + t : (t - u) + s
                (s, mag) = (u, mag + Swift.abs(t))
            }
            s += c
            for k in 0..<size {
                let (yk, gk) = (Double(y[at(k)]), Double(gy[at(k)]))
                let r = log ? gk - Foundation.exp(yk) * s : yk * (gk - s)
                gx[at(k)] = r
                let unit = Double(sign: .plus, exponent: Swift.max((r.isFinite && r != 0 ? r.exponent : -149) - 23, -149), significand: 1)
                let lost = (log ? Foundation.exp(yk) : Swift.abs(yk)) * Double(size) * 0x1p-53 * mag / unit
                slack[at(k)] = !log && Swift.abs(gk - s) > Double(Float.greatestFiniteMagnitude) ? .infinity : lost
            }
        }
    }
    return (gx, slack)
}

/// The largest `ulpError` (VectorMathTests) over the elements, and where; with `slack`, element i
/// may be off by slack[i] ulp more (counted as that much less; +inf skips it).
func maxUlp(_ got: [Float], _ ref: [Double], slack: [Double]? = nil) -> (ulp: Double, at: Int) {
    var worst = (ulp: 0.0, at: -1)
    for i in got.indices {
        if slack?[i] == .infinity { continue }
        let e = ulpError(got[i], ref[i]) - (slack.map { $0[i].isFinite ? $0[i] : 0 } ?? 0)
        if e > worst.ulp { worst = (e, i) }
    }
    return worst
}

/// |x - max of its row| per element of [outer, size, inner], or (`spread`) the largest of them in
/// each element's row.
func shifts(_ x: [Float], _ outer: Int, _ size: Int, _ inner: Int, spread: Bool = false) -> [Double] {
    var d = [Double](repeating: 0, count: x.count)
    for o in 0..<outer {
        for j in 0..<inner {
            let at = { (k: Int) in (o * size + k) * inner + j }
            let m = (0..<size).map { Double(x[at($0)]) }.reduce(-Double.infinity) { $1 > $0 ? $1 : $0 }
            for k in 0..<size { d[at(k)] = Swift.abs(Double(x[at(k)]) - m) }
            let widest = (0..<size).map { d[at($0)] }.filter(\.isFinite).max() ?? 0
            if spread { for k in 0..<size { d[at(k)] = widest } }
        }
    }
    return d
}

@Suite struct SoftmaxAccuracyTests {
    /// Forward: x - max rounds to float32 before the exp (as in PyTorch), a relative error of up to
    /// |x - max| 2^-24 in each exp. Softmax: within 2 + |x - max| ulp (9 ulp measured on [-5, 5],
    /// down from 12 with float32 row sums). log-softmax: within 2 ulp plus the row's largest
    /// |x - max|, which the shift log(sum) carries where it is near 0 (one dominant logit).
    @Test(arguments: [false, true]) func forwardWithinUlps(log: Bool) {
        for (seed, (outer, size, inner)) in shapes.enumerated() {
            let n = outer * size * inner
            let x: [Float] = F.uniform(n, seed: UInt64(100 + seed), -5, 5)
            let ref = softmaxReference(x, outer, size, inner, log: log)
            for (v, t) in F.contenders {
                var y = [Float](repeating: .nan, count: n)
                Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: v, threads: t)
                let (e, at) = maxUlp(y, ref, slack: shifts(x, outer, size, inner, spread: log))
                #expect(e <= 2, "\([outer, size, inner]) log \(log) \(v): \(e) ulp at \(at): \(at < 0 ? [] : [Double(y[at]), ref[at]])")
            }
        }
    }

    /// Backward: within 2 ulp of the float64 result from the same float32 y and gy. The old float32
    /// sums gave 120 ulp (log-softmax) and 432271 ulp (softmax) on [256, 1000].
    @Test(arguments: [false, true]) func backwardWithinUlps(log: Bool) {
        for (seed, (outer, size, inner)) in shapes.enumerated() {
            let n = outer * size * inner
            let x: [Float] = F.uniform(n, seed: UInt64(200 + seed), -5, 5)
            let gy: [Float] = F.uniform(n, seed: UInt64(300 + seed), -1, 1)
            let y = softmaxReference(x, outer, size, inner, log: log).map { Float($0) }
            let (ref, slack) = softmaxBackwardReference(y, gy, outer, size, inner, log: log)
            for (v, t) in F.contenders {
                var gx = [Float](repeating: .nan, count: n)
                Softmax.backward(y: y, gy: gy, gx: &gx, outer: outer, size: size, inner: inner, log: log,
                                 variant: v, threads: t)
                let (e, at) = maxUlp(gx, ref, slack: slack)
                #expect(e <= 2, "\([outer, size, inner]) log \(log) \(v): \(e) ulp at \(at)")
            }
        }
    }

    /// Log-softmax backward where gy cancels against exp(y) * sum(gy): in each row, a few elements
    /// get gy = float32(e s' / (1 - e)) (1 + m 2^-12), e = exp(y), s' the sum of the rest, m in
    /// [-1, 1] (0 included: there gy - e s is a rounding error of gy itself, and the float64 exp's
    /// 2^-40 shows; the bound is for cancellations to 2^-13). The float32 fast path must hand these
    /// vectors to the float64 form. Also y = 0 and y a multiple of ln2/32 (r = 0 in the
    /// reduction) next to such gy, and rows of 16 to 1000.
    @Test func logBackwardCancellationWithinUlps() {
        for (seed, size) in [16, 17, 100, 1000].enumerated() {
            let outer = 64, n = outer * size
            let x: [Float] = F.uniform(n, seed: UInt64(700 + seed), -5, 5)
            var gy: [Float] = F.uniform(n, seed: UInt64(800 + seed), -1, 1)
            var y = softmaxReference(x, outer, size, 1, log: true).map { Float($0) }
            for o in 0..<outer {
                let row = o * size
                if o % 4 == 1 { y[row] = 0 }
                if o % 4 == 2 { y[row + 1] = Float(-3 * 0.6931471805599453 / 32) }
                for k in stride(from: o % 3, to: size, by: 5) where Foundation.exp(Double(y[row + k])) < 0.5 {
                    let e = Foundation.exp(Double(y[row + k]))
                    let rest = (0..<size).reduce(0.0) { $1 == k ? $0 : $0 + Double(gy[row + $1]) }
                    gy[row + k] = Float(e * rest / (1 - e) * (1 + 0x1p-12 * Double(k % 7 - 3) / 3))
                }
            }
            let (ref, slack) = softmaxBackwardReference(y, gy, outer, size, 1, log: true)
            for (v, t) in F.contenders {
                var gx = [Float](repeating: .nan, count: n)
                Softmax.backward(y: y, gy: gy, gx: &gx, outer: outer, size: size, inner: 1, log: true,
                                 variant: v, threads: t)
                // m = 0 cancels to 2^-24: 2^-39 |e s| of slack (e s = gy - gx).
                let loose: [Double] = gy.indices.map { i in
                    let product: Double = Swift.abs(Double(gy[i]) - ref[i])
                    let unit: Double = Swift.max(Swift.abs(ref[i]) * 0x1p-24, 0x1p-149)
                    return slack[i] + product * 0x1p-39 / unit
                }
                let (e, at) = maxUlp(gx, ref, slack: loose)
                #expect(e <= 2, "[\(outer), \(size)] \(v): \(e) ulp at \(at)")
            }
        }
    }

    /// Edge values in x, y and gy: NaN, +-inf, huge and tiny magnitudes, in rows of every length
    /// class; NaN and infinities must land where the float64 reference puts them.
    @Test(arguments: [false, true]) func edgeValuesMatchReference(log: Bool) {
        let edges: [Float] = [.nan, .infinity, -.infinity, 3e38, -3e38, 1e-38, -1e-45, 0, 88, -104, 700]
        for (outer, size, inner) in [(11, 1, 1), (11, 7, 1), (11, 40, 1), (3, 11, 5), (1, 11, 17)] {
            let n = outer * size * inner
            var x: [Float] = F.uniform(n, seed: UInt64(n), -5, 5), gy: [Float] = F.uniform(n, seed: UInt64(n + 1), -1, 1)
            var yIn: [Float] = F.uniform(n, seed: UInt64(n + 2), -8, 0)
            for i in stride(from: 0, to: n, by: 3) { x[i] = edges[(i / 3) % edges.count] }
            for i in stride(from: 1, to: n, by: 5) { gy[i] = edges[(i / 5) % edges.count] }
            for i in stride(from: 2, to: n, by: 4) { yIn[i] = edges[(i / 4) % edges.count] }
            if !log { yIn = yIn.map { Foundation.exp($0) } }
            let fref = softmaxReference(x, outer, size, inner, log: log)
            let (bref, bslack) = softmaxBackwardReference(yIn, gy, outer, size, inner, log: log)
            for (v, t) in F.contenders {
                var y = [Float](repeating: 0, count: n), gx = y
                Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: v, threads: t)
                Softmax.backward(y: yIn, gy: gy, gx: &gx, outer: outer, size: size, inner: inner, log: log,
                                 variant: v, threads: t)
                let (fe, fat) = maxUlp(y, fref, slack: shifts(x, outer, size, inner, spread: log))
                let (be, bat) = maxUlp(gx, bref, slack: bslack)
                #expect(fe <= 2, "forward \([outer, size, inner]) log \(log) \(v): \(fe) ulp at \(fat)")
                let worst = bat < 0 ? [] : [Double(gx[bat]), bref[bat], Double(yIn[bat]), Double(gy[bat])]
                #expect(be <= 2, "backward \([outer, size, inner]) log \(log) \(v): \(be) ulp at \(bat): got, ref, y, gy \(worst)")
            }
        }
    }

    /// float32 backward against central differences of the float64 loss sum(gy * f(x)).
    @Test(arguments: [false, true]) func float32BackwardMatchesFiniteDifferences(log: Bool) {
        let h = 1e-6
        for (outer, size, inner) in [(2, 21, 1), (1, 5, 3), (3, 1, 1), (1, 4, 19)] {
            let n = outer * size * inner
            let x: [Float] = F.uniform(n, seed: UInt64(7 * n), -3, 3)
            let gy: [Float] = F.uniform(n, seed: UInt64(7 * n + 1))
            func loss(_ x: [Double]) -> Double {
                var y = [Double](repeating: 0, count: n)
                Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: .scalar)
                return zip(y, gy).reduce(0) { $0 + $1.0 * Double($1.1) }
            }
            var y = [Float](repeating: 0, count: n), gx = y
            Softmax.forward(x, &y, outer: outer, size: size, inner: inner, log: log, variant: .simd)
            Softmax.backward(y: y, gy: gy, gx: &gx, outer: outer, size: size, inner: inner, log: log, variant: .simd)
            let xd = x.map(Double.init)
            for i in 0..<n {
                var (p, m) = (xd, xd)
                p[i] += h
                m[i] -= h
                let fd = (loss(p) - loss(m)) / (2 * h)
                #expect(Swift.abs(fd - Double(gx[i])) <= 1e-5 + 1e-5 * Swift.abs(fd), "\([outer, size, inner]) log \(log) [\(i)]")
            }
        }
    }
}
