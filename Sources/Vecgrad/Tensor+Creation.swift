#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import VecPlatform

// Factory functions: from flat scalars, constants, reproducible random numbers, ranges.

extension Tensor {
    /// A tensor of `shape` from flat row-major `scalars` (`[Double]`, `[Float]`, `[Int]`, `[Int64]`).
    /// A count that does not match the shape is a programming error (`init(validatingShape:)` throws).
    public init<S: TensorScalar>(shape: [Int], scalars: [S], dtype: DType = .float32, requiresGrad: Bool = false) {
        do {
            try self.init(validatingShape: shape, scalars: scalars, dtype: dtype, requiresGrad: requiresGrad)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Like `init(shape:scalars:dtype:requiresGrad:)` but throws PyTorch's errors.
    public init<S: TensorScalar>(validatingShape shape: [Int], scalars: [S], dtype: DType = .float32,
                                 requiresGrad: Bool = false) throws {
        for s in shape where s < 0 { throw TensorError.invalidShapeDimension(s) }
        let n = shape.reduce(1, *)
        guard n == scalars.count else { throw TensorError.invalidShape(shape: shape, count: scalars.count) }
        if requiresGrad && !dtype.isFloatingPoint { throw TensorError.requiresGradOnIntegral(dtype) }
        self.init(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32:
            let p = pointer(Float.self)
            if let f = scalars as? [Float] { p.update(from: f, count: n) }
            else { for i in 0..<n { p[i] = Float(scalars[i].tensorDouble) } }
        case .float64:
            let p = pointer(Double.self)
            for i in 0..<n { p[i] = scalars[i].tensorDouble }
        case .int64:
            let p = pointer(Int64.self)
            for i in 0..<n { p[i] = scalars[i].tensorInt64 }
        }
        impl.requiresGrad = requiresGrad
    }

    /// A tensor of `shape` with every element `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32,
                            requiresGrad: Bool = false) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Trying to create tensor with negative dimension")
        precondition(!requiresGrad || dtype.isFloatingPoint, TensorError.requiresGradOnIntegral(dtype).description)
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: t.pointer(Float.self).update(repeating: Float(value), count: t.count)
        case .float64: t.pointer(Double.self).update(repeating: value, count: t.count)
        case .int64: t.pointer(Int64.self).update(repeating: truncatingToInt64(value), count: t.count)
        }
        t.impl.requiresGrad = requiresGrad
        return t
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Uniform samples in [0, 1). The same seed gives the same numbers on every machine and
    /// thread count (SplitMix64, top 24 or 53 bits). Without a seed, each call draws a fresh one.
    public static func rand(_ shape: [Int], seed: Int? = nil, dtype: DType = .float32,
                            requiresGrad: Bool = false) -> Tensor {
        var rng = SplitMix64(seed: seed)
        // 24 bits for float32: rounding 53 random bits to a Float could give exactly 1.
        return generate(shape, dtype: dtype, requiresGrad: requiresGrad) {
            dtype == .float32 ? Double(rng.next() >> 40) * 0x1p-24 : rng.nextUnit()
        }
    }

    /// Standard normal samples (Box-Muller on SplitMix64), reproducible for a given seed.
    public static func randn(_ shape: [Int], seed: Int? = nil, dtype: DType = .float32,
                             requiresGrad: Bool = false) -> Tensor {
        var rng = SplitMix64(seed: seed)
        var spare: Double? = nil
        return generate(shape, dtype: dtype, requiresGrad: requiresGrad) {
            if let s = spare { spare = nil; return s }
            let u1 = rng.nextUnitOpenClosed(), u2 = rng.nextUnit()
            let (z0, z1) = boxMuller(u1, u2)
            spare = z1
            return z0
        }
    }

    /// Uniform samples in [low, high) (PyTorch's `uniform_`), reproducible for a given seed.
    public static func uniform(_ shape: [Int], low: Double, high: Double, seed: Int? = nil,
                               dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return generate(shape, dtype: dtype, requiresGrad: requiresGrad) { low + (high - low) * rng.nextUnit() }
    }

    private static func generate(_ shape: [Int], dtype: DType, requiresGrad: Bool,
                                 _ next: () -> Double) -> Tensor {
        precondition(dtype.isFloatingPoint, "random tensors are floating point (got \(dtype))")
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        if dtype == .float32 {
            let p = t.pointer(Float.self)
            for i in 0..<t.count { p[i] = Float(next()) }
        } else {
            let p = t.pointer(Double.self)
            for i in 0..<t.count { p[i] = next() }
        }
        t.impl.requiresGrad = requiresGrad
        return t
    }

    /// `count` evenly spaced values from `start` to `end`, both exact. Computed in the tensor's
    /// dtype as PyTorch does: the first half as start + i*step, the second as end - (count-1-i)*step.
    public static func linspace(from start: Double, to end: Double, count: Int, dtype: DType = .float32,
                                requiresGrad: Bool = false) -> Tensor {
        precondition(count >= 0, "number of steps must be non-negative")
        let t = Tensor(uninitializedShape: [count], dtype: dtype)
        func fill<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>) {
            let s = T(start), e = T(end)
            let step = count > 1 ? (e - s) / T(count - 1) : 0
            let half = count / 2
            for i in 0..<count { p[i] = i < half ? s + step * T(i) : e - step * T(count - 1 - i) }
            if count == 1 { p[0] = s }
        }
        switch dtype {
        case .float32: fill(t.pointer(Float.self))
        case .float64: fill(t.pointer(Double.self))
        case .int64:
            let p = t.pointer(Int64.self)
            let step = count > 1 ? (end - start) / Double(count - 1) : 0
            for i in 0..<count { p[i] = truncatingToInt64(i < count / 2 ? start + step * Double(i) : end - step * Double(count - 1 - i)) }
            if count == 1 { p[0] = truncatingToInt64(start) }
        }
        precondition(!requiresGrad || dtype.isFloatingPoint, TensorError.requiresGradOnIntegral(dtype).description)
        t.impl.requiresGrad = requiresGrad
        return t
    }

    /// 0, 1, ..., n-1 (int64 unless `dtype` says otherwise).
    public static func arange(_ n: Int, dtype: DType = .int64) -> Tensor {
        arange(0, n, dtype: dtype)
    }

    /// start, start+step, ... below `end` (int64 unless `dtype` says otherwise).
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64) -> Tensor {
        precondition(step != 0, "step must be nonzero")
        let n = Swift.max(0, (end - start + step - (step > 0 ? 1 : -1)) / step)
        let t = Tensor(uninitializedShape: [n], dtype: dtype)
        for i in 0..<n {
            let v = start + i * step
            switch dtype {
            case .float32: t.pointer(Float.self)[i] = Float(v)
            case .float64: t.pointer(Double.self)[i] = Double(v)
            case .int64: t.pointer(Int64.self)[i] = Int64(v)
            }
        }
        return t
    }
}

/// Two independent standard normals from two uniforms (u1 in (0, 1]). At file scope: inside
/// Tensor's extension `log`, `sin` and `cos` name Tensor's own methods.
private func boxMuller(_ u1: Double, _ u2: Double) -> (Double, Double) {
    let r = (-2 * log(u1)).squareRoot()
    return (r * cos(2 * Double.pi * u2), r * sin(2 * Double.pi * u2))
}

extension SplitMix64 {
    /// Feeds unseeded calls distinct seeds, so unseeded layers do not all start identical.
    private static let unseededCounter = Atomic<UInt64>(0x5EED_0000_0000_0000)

    /// The generator of a creation call: the seed's, or a fresh one when there is none.
    init(seed: Int?) {
        if let seed {
            self.init(seed: UInt64(bitPattern: Int64(seed)))
        } else {
            self.init(seed: SplitMix64.unseededCounter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue)
        }
    }
}
