import Foundation

// Softmax and log-softmax over the middle dim of [outer, size, inner], forward and backward.
// With inner == 1 (the last dim, the common case) SIMD lanes run along a row; otherwise they run
// along j, 16 independent rows at a time, reading each k at stride `inner`. A row is read three
// times (max, exp and sum, scale) while it is hot in L1/L2.

/// SIMD16<Float> uses the polynomial VectorMath.exp; SIMD8<Double> (the accuracy reference dtype)
/// uses libm per lane.
protocol SoftmaxVector: SIMD where Scalar: KernelFloat {
    static func softmaxExp(_ x: Self) -> Self
    static func softmaxLog(_ x: Scalar) -> Scalar
}

extension SIMD16: SoftmaxVector where Scalar == Float {
    @inline(__always) static func softmaxExp(_ x: Self) -> Self { VectorMath.exp(x) }
    @inline(__always) static func softmaxLog(_ x: Float) -> Float { Foundation.log(x) }
}

extension SIMD8: SoftmaxVector where Scalar == Double {
    @inline(__always) static func softmaxExp(_ x: Self) -> Self {
        var r = x
        for l in 0..<8 { r[l] = Foundation.exp(x[l]) }
        return r
    }
    @inline(__always) static func softmaxLog(_ x: Double) -> Double { Foundation.log(x) }
}

enum SoftmaxKernels {
    /// Up to W neighbouring j of one outer index (`width` of them real): element k of lane l at
    /// p[l + k * step], step being `inner`.
    struct Lanes<V: SoftmaxVector> {
        let step: Int
        let width: Int

        @inline(__always) func load(_ p: UnsafePointer<V.Scalar>, _ k: Int, fill: V.Scalar) -> V {
            width == V.scalarCount ? VectorIO.load(p, k * step)
                : VectorIO.loadPartial(p + k * step, count: width, fill: fill)
        }

        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ k: Int) {
            if width == V.scalarCount { VectorIO.store(v, p, k * step) }
            else { VectorIO.storePartial(v, p + k * step, count: width) }
        }
    }

    /// Lanes that hold real data (the others are padding of a partial vector).
    @inline(__always)
    static func live<V: SIMD>(_: V.Type, _ width: Int) -> SIMDMask<V.MaskStorage> where V.Scalar: KernelFloat {
        var iota = V()
        for l in 0..<V.scalarCount { iota[l] = V.Scalar(l) }
        return iota .< V(repeating: V.Scalar(width))
    }

    // MARK: last dim (inner == 1)

    /// y = softmax(x) (or log-softmax) of one contiguous row of n > 0 elements.
    static func forwardRow<V: SoftmaxVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>,
                                             _ y: UnsafeMutablePointer<V.Scalar>, _ n: Int, log: Bool) {
        typealias S = V.Scalar
        let w = V.scalarCount, full = n / w * w, rest = n - full
        var m = V(repeating: -.infinity)
        for i in stride(from: 0, to: full, by: w) {
            let v: V = VectorIO.load(x, i)
            m = m.replacing(with: v, where: v .> m)
        }
        var mx = m.max()
        for i in full..<n where x[i] > mx { mx = x[i] }
        let mv = V(repeating: mx)
        var s0 = V(), s1 = V()
        var i = 0
        while i + 2 * w <= full {
            let e0 = V.softmaxExp(VectorIO.load(x, i) - mv), e1 = V.softmaxExp(VectorIO.load(x, i + w) - mv)
            if !log {
                VectorIO.store(e0, y, i)
                VectorIO.store(e1, y, i + w)
            }
            s0 += e0
            s1 += e1
            i += 2 * w
        }
        if i < full {
            let e = V.softmaxExp(VectorIO.load(x, i) - mv)
            if !log { VectorIO.store(e, y, i) }
            s0 += e
        }
        if rest > 0 {
            let v: V = VectorIO.loadPartial(x + full, count: rest, fill: -.infinity)
            let e = V.softmaxExp(v - mv).replacing(with: 0, where: .!live(V.self, rest))
            if !log { VectorIO.storePartial(e, y + full, count: rest) }
            s0 += e
        }
        let sum = (s0 + s1).sum()
        if log {
            let shift = V(repeating: V.softmaxLog(sum))
            for i in stride(from: 0, to: full, by: w) {
                VectorIO.store((VectorIO.load(x, i) - mv) - shift, y, i)
            }
            for i in full..<n { y[i] = (x[i] - mx) - shift[0] }
        } else {
            let inv = V(repeating: S(1) / sum)
            for i in stride(from: 0, to: full, by: w) {
                VectorIO.store((VectorIO.load(y, i) as V) * inv, y, i)
            }
            for i in full..<n { y[i] *= inv[0] }
        }
    }

    /// gx of one contiguous row: softmax y*(gy - sum(gy*y)); log-softmax gy - exp(y)*sum(gy).
    static func backwardRow<V: SoftmaxVector>(_: V.Type, _ y: UnsafePointer<V.Scalar>,
                                              _ gy: UnsafePointer<V.Scalar>,
                                              _ gx: UnsafeMutablePointer<V.Scalar>, _ n: Int, log: Bool) {
        let w = V.scalarCount, full = n / w * w
        var s0 = V(), s1 = V()
        var i = 0
        while i + 2 * w <= full {
            let g0: V = VectorIO.load(gy, i), g1: V = VectorIO.load(gy, i + w)
            s0 += log ? g0 : g0 * (VectorIO.load(y, i) as V)
            s1 += log ? g1 : g1 * (VectorIO.load(y, i + w) as V)
            i += 2 * w
        }
        if i < full {
            let g: V = VectorIO.load(gy, i)
            s0 += log ? g : g * (VectorIO.load(y, i) as V)
        }
        var sum = (s0 + s1).sum()
        for i in full..<n { sum += log ? gy[i] : gy[i] * y[i] }
        let sv = V(repeating: sum)
        for i in stride(from: 0, to: full, by: w) {
            let yv: V = VectorIO.load(y, i), g: V = VectorIO.load(gy, i)
            VectorIO.store(log ? g - V.softmaxExp(yv) * sv : yv * (g - sv), gx, i)
        }
        if full < n {
            let rest = n - full
            let yv: V = VectorIO.loadPartial(y + full, count: rest, fill: 0)
            let g: V = VectorIO.loadPartial(gy + full, count: rest, fill: 0)
            VectorIO.storePartial(log ? g - V.softmaxExp(yv) * sv : yv * (g - sv), gx + full, count: rest)
        }
    }

    // MARK: other dims (inner > 1): lanes along j

    static func forwardColumns<V: SoftmaxVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>,
                                                 _ y: UnsafeMutablePointer<V.Scalar>, size: Int,
                                                 lanes: Lanes<V>, log: Bool) {
        var m = V(repeating: -.infinity)
        for k in 0..<size {
            let v = lanes.load(x, k, fill: 0)
            m = m.replacing(with: v, where: v .> m)
        }
        var s = V()
        for k in 0..<size {
            let e = V.softmaxExp(lanes.load(x, k, fill: 0) - m)
            if !log { lanes.store(e, y, k) }
            s += e
        }
        if log {
            var shift = s
            for l in 0..<V.scalarCount { shift[l] = V.softmaxLog(s[l]) }
            for k in 0..<size { lanes.store((lanes.load(x, k, fill: 0) - m) - shift, y, k) }
        } else {
            let inv = 1 / s
            for k in 0..<size { lanes.store(lanes.load(y, k, fill: 0) * inv, y, k) }
        }
    }

    static func backwardColumns<V: SoftmaxVector>(_: V.Type, _ y: UnsafePointer<V.Scalar>,
                                                  _ gy: UnsafePointer<V.Scalar>,
                                                  _ gx: UnsafeMutablePointer<V.Scalar>, size: Int,
                                                  lanes: Lanes<V>, log: Bool) {
        var s = V()
        for k in 0..<size {
            let g = lanes.load(gy, k, fill: 0)
            s += log ? g : g * lanes.load(y, k, fill: 0)
        }
        for k in 0..<size {
            let yv = lanes.load(y, k, fill: 0), g = lanes.load(gy, k, fill: 0)
            lanes.store(log ? g - V.softmaxExp(yv) * s : yv * (g - s), gx, k)
        }
    }
}
