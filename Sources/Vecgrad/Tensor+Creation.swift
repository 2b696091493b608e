#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VecKernels
import VecPlatform

// Factory functions: from flat scalars, constants, reproducible random numbers, ranges.

extension Tensor {
    /// A tensor of `shape` from flat row-major `scalars` (`[Double]`, `[Float]`, `[Int]`, `[Int64]`,
    /// `[Bool]`); float32 unless `dtype` says otherwise, bool for `[Bool]`. A convenience that
    /// cannot throw: a count that does not match the shape, a negative size or
    /// an int64 tensor that requires grad stops the program with PyTorch's message.
    /// `init(validatingShape:scalars:dtype:requiresGrad:)` throws the same errors instead.
    public init<S: TensorScalar>(shape: [Int], scalars: [S], dtype: DType? = nil,
                                 requiresGrad: Bool = false) {
        do {
            try self.init(validatingShape: shape, scalars: scalars, dtype: dtype, requiresGrad: requiresGrad)
        } catch {
            fatalError("\(error)")
        }
    }

    /// A tensor of `shape` from flat row-major `scalars`. Throws `negativeDimension` or
    /// `sizeOverflow` for a bad shape, `invalidShape` when `scalars.count` differs from the
    /// shape's element count, `requiresGradOnIntegral` for int64 with `requiresGrad`.
    public init<S: TensorScalar>(validatingShape shape: [Int], scalars: [S], dtype: DType? = nil,
                                 requiresGrad: Bool = false) throws {
        let dtype = dtype ?? (S.naturalDType == .bool ? .bool : .float32)
        let n = try Shape.elementCount(shape, byteSize: dtype.byteSize)
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
        case .bool:
            let p = pointer(UInt8.self)
            for i in 0..<n { p[i] = scalars[i].tensorDouble != 0 ? 1 : 0 }   // NaN is true
        }
        impl.requiresGrad = requiresGrad
    }

    /// A tensor of `shape` with every element `value` (truncated for int64). Throws
    /// `negativeDimension`, `sizeOverflow` or `outOfMemory` for a bad shape and
    /// `requiresGradOnIntegral` for int64 with `requiresGrad`; the other creation functions too.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32,
                            requiresGrad: Bool = false) throws -> Tensor {
        let t = try Tensor(checkedShape: shape, dtype: dtype, requiresGrad: requiresGrad)
        t.fill(value)
        return t
    }

    /// Every element set to `value` (no grad tracking; for fresh tensors).
    func fill(_ value: Double) {
        let t = self
        switch dtype {
        case .float32: t.pointer(Float.self).update(repeating: Float(value), count: t.count)
        case .float64: t.pointer(Double.self).update(repeating: value, count: t.count)
        case .int64: t.pointer(Int64.self).update(repeating: truncatingToInt64(value), count: t.count)
        case .bool: t.pointer(UInt8.self).update(repeating: value != 0 ? 1 : 0, count: t.count)
        }
    }

    /// A new tensor of a user-given shape (checked as `init(checkedShape:dtype:)`), with the
    /// int64 rule for `requiresGrad` checked before any memory is taken.
    init(checkedShape shape: [Int], dtype: DType, requiresGrad: Bool) throws {
        if requiresGrad && !dtype.isFloatingPoint { throw TensorError.requiresGradOnIntegral(dtype) }
        try self.init(checkedShape: shape, dtype: dtype)
        impl.requiresGrad = requiresGrad
    }

    /// Zeros of a shape known to be valid (gradients of existing tensors): cannot fail.
    static func zeroed(_ shape: [Int], dtype: DType) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        t.impl.data.initializeMemory(as: UInt8.self, repeating: 0, count: t.count * dtype.byteSize)
        return t
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 0, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 1, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Uniform samples in [0, 1). The same seed gives the same numbers on every machine and
    /// thread count (SplitMix64, top 24 or 53 bits). Without a seed, the stream is seeded from the
    /// default generator (`manualSeed(_:)`), which each such call advances. float dtypes only
    /// (`unsupportedDType` for int64).
    public static func rand(_ shape: [Int], seed: Int? = nil, dtype: DType = .float32,
                            requiresGrad: Bool = false) throws -> Tensor {
        var rng = SplitMix64(seed: seed)
        // 24 bits for float32: rounding 53 random bits to a Float could give exactly 1.
        return try generate(shape, dtype: dtype, requiresGrad: requiresGrad, op: "check_uniform_bounds") {
            dtype == .float32 ? Double(rng.next() >> 40) * 0x1p-24 : rng.nextUnit()
        }
    }

    /// Standard normal samples (Box-Muller on SplitMix64), reproducible for a given seed; seeded
    /// from the default generator without one, as `rand`.
    public static func randn(_ shape: [Int], seed: Int? = nil, dtype: DType = .float32,
                             requiresGrad: Bool = false) throws -> Tensor {
        var rng = SplitMix64(seed: seed)
        var spare: Double? = nil
        return try generate(shape, dtype: dtype, requiresGrad: requiresGrad, op: "normal_kernel_cpu") {
            if let s = spare { spare = nil; return s }
            let u1 = rng.nextUnitOpenClosed(), u2 = rng.nextUnit()
            let (z0, z1) = boxMuller(u1, u2)
            spare = z1
            return z0
        }
    }

    /// Uniform samples in [low, high) (PyTorch's `uniform_`), reproducible for a given seed;
    /// seeded from the default generator without one, as `rand`.
    public static func uniform(_ shape: [Int], low: Double, high: Double, seed: Int? = nil,
                               dtype: DType = .float32, requiresGrad: Bool = false) throws -> Tensor {
        guard low <= high else {
            throw TensorError.invalidArgument("uniform_ expects to return a [from, to) range, but found from=\(low) > to=\(high)")
        }
        var rng = SplitMix64(seed: seed)
        return try generate(shape, dtype: dtype, requiresGrad: requiresGrad, op: "check_uniform_bounds") {
            low + (high - low) * rng.nextUnit()
        }
    }

    private static func generate(_ shape: [Int], dtype: DType, requiresGrad: Bool, op: String,
                                 _ next: () -> Double) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError.unsupportedDType(op: op, dtype: dtype) }
        let t = try Tensor(checkedShape: shape, dtype: dtype)
        func fill<T: KernelFloat>(_: T.Type) {
            let p = t.pointer(T.self)
            for i in 0..<t.count { p[i] = T(next()) }
        }
        if let element = dtype.floating { fill(element) }
        t.impl.requiresGrad = requiresGrad
        return t
    }

    /// `count` evenly spaced values from `start` to `end`, both exact, bitwise as PyTorch
    /// (torch.linspace): computed in the tensor's dtype, step = (end - start) / (count - 1), the
    /// first count/2 values as start + i*step and the rest as end - (count-1-i)*step, each one
    /// fused multiply-add (PyTorch's vectorised kernel fuses them: rounding the product first
    /// differs from it in 64 of the 200 values of linspace(-5, 5, 200) in float32). Throws for a negative `count`
    /// ("number of steps must be non-negative"), one too large to allocate, int64 with `requiresGrad`.
    public static func linspace(from start: Double, to end: Double, count: Int, dtype: DType = .float32,
                                requiresGrad: Bool = false) throws -> Tensor {
        guard count >= 0 else { throw TensorError.invalidArgument("number of steps must be non-negative") }
        if dtype == .bool { throw TensorError.unsupportedDType(op: "linspace_cpu", dtype: dtype) }
        let t = try Tensor(checkedShape: [count], dtype: dtype, requiresGrad: requiresGrad)
        func fill<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>) {
            let s = T(start), e = T(end)
            let step = count > 1 ? (e - s) / T(count - 1) : 0
            let half = count / 2
            for i in 0..<count { p[i] = i < half ? s.addingProduct(step, T(i)) : e.addingProduct(-step, T(count - 1 - i)) }
            if count == 1 { p[0] = s }
        }
        switch dtype {
        case .float32: fill(t.pointer(Float.self))
        case .float64: fill(t.pointer(Double.self))
        case .bool:
            break   // refused above
        case .int64:
            let p = t.pointer(Int64.self)
            let step = count > 1 ? (end - start) / Double(count - 1) : 0
            for i in 0..<count { p[i] = truncatingToInt64(i < count / 2 ? start + step * Double(i) : end - step * Double(count - 1 - i)) }
            if count == 1 { p[0] = truncatingToInt64(start) }
        }
        return t
    }

    /// 0, 1, ..., n-1 (int64 unless `dtype` says otherwise); throws as `arange(_:_:step:dtype:)`.
    public static func arange(_ n: Int, dtype: DType = .int64) throws -> Tensor {
        try arange(0, n, dtype: dtype)
    }

    /// start, start+step, ... below `end` (int64 unless `dtype` says otherwise). Throws for a zero
    /// step ("step must be nonzero"), bounds on the wrong side of the step (PyTorch's "upper bound
    /// and larger bound inconsistent with step sign") and a count too large to allocate.
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64) throws -> Tensor {
        guard step != 0 else { throw TensorError.invalidArgument("step must be nonzero") }
        if dtype == .bool { throw TensorError.unsupportedDType(op: "arange_cpu", dtype: dtype) }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw TensorError.invalidArgument("upper bound and larger bound inconsistent with step sign")
        }
        // ceil((end - start) / step) in UInt64: end - start can exceed Int.max.
        let span = step > 0 ? UInt64(bitPattern: Int64(end) &- Int64(start))
                            : UInt64(bitPattern: Int64(start) &- Int64(end))
        let q = span / UInt64(step.magnitude), r = span % UInt64(step.magnitude)
        let count = q + (r == 0 ? 0 : 1)
        guard count <= UInt64(Int.max) else { throw TensorError.sizeOverflow(shape: [Int.max]) }
        let n = Int(count)
        let t = try Tensor(checkedShape: [n], dtype: dtype)
        for i in 0..<n {
            let v = start &+ i &* step
            switch dtype {
            case .float32: t.pointer(Float.self)[i] = Float(v)
            case .float64: t.pointer(Double.self)[i] = Double(v)
            case .int64: t.pointer(Int64.self)[i] = Int64(v)
            case .bool: break   // refused above
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

/// The default generator (PyTorch's `torch.default_generator`): unseeded creation calls take the
/// seed of their stream from it, so each call advances it. Its outputs are mixed 64-bit values,
/// so two calls' SplitMix64 streams start at unrelated points of the sequence (seeds that differ
/// by a constant, as a plain counter gives, would make each stream a shifted copy of the other).
enum DefaultGenerator {
    /// PyTorch's default seed (`torch.initial_seed()` of a fresh process).
    static let initialSeed: UInt64 = 67_280_421_310_721
    // An NSLock rather than Synchronization's Mutex, which ThreadSanitizer does not see (see
    // ThreadPool's submit lock): `make tsan` runs the concurrent draws of RandomStreamTests.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var state = SplitMix64(seed: initialSeed)

    static func nextSeed() -> UInt64 { lock.withLock { state.next() } }

    static func reseed(_ seed: UInt64) { lock.withLock { state = SplitMix64(seed: seed) } }
}

extension Tensor {
    /// Seeds the default generator (PyTorch's `torch.manual_seed`): the unseeded random calls that
    /// follow repeat. Calls with an explicit `seed:` never touch it. Thread-safe.
    public static func manualSeed(_ seed: Int) {
        DefaultGenerator.reseed(UInt64(bitPattern: Int64(seed)))
    }
}

extension SplitMix64 {
    /// The generator of a creation call: the seed's, or one seeded from the default generator.
    init(seed: Int?) {
        self.init(seed: seed.map { UInt64(bitPattern: Int64($0)) } ?? DefaultGenerator.nextSeed())
    }
}
