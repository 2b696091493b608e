// Named kernel implementations. Every kernel family accepts a variant so that tests can compare
// each one against its reference and the harness can time each one separately.

/// Which implementation of a kernel to run.
public enum KernelVariant: String, CaseIterable, Sendable {
    /// Pick by size: the single-threaded SIMD path for small inputs, `parallel` above a measured threshold.
    case auto
    /// Plain loop computing in float64 with libm: the reference for elementwise, reduce and softmax.
    case scalar
    /// Triple-loop reference for matrix ops.
    case naive
    /// Explicit SIMD (SIMD16<Float>) loop on one thread.
    case simd
    /// The SIMD loop split over `Threading.parallelFor`.
    case parallel
    /// A BLAS library call (OpenBLAS) where one exists.
    case blas
}

/// Element types the kernels are generic over: Float (the speed target) and Double (the accuracy reference).
/// BinaryFloatingPoint already supplies `init(_: Double)`, `init(_: Float)` and `.ulp`.
public protocol KernelFloat: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
    /// Short dtype name ("float32", "float64") for reports and error messages.
    static var dtypeName: String { get }
}

extension Float: KernelFloat {
    /// "float32".
    public static var dtypeName: String { "float32" }
}

extension Double: KernelFloat {
    /// "float64".
    public static var dtypeName: String { "float64" }
}
