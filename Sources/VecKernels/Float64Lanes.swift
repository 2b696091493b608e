/// SIMD8<Double> and SIMD16<Double>: the float64 vectors a kernel body can be written once for.
/// A body on SIMD16 is the SIMD8 body twice, operation by operation (LLVM splits each 16-lane
/// operation into two zmm ones): the two halves' chains interleave, where two calls of the SIMD8
/// body compile one after the other and a long dependency chain (exp, then a division) leaves the
/// FMA pipes idle. The lanes' values are the same either way.
@usableFromInline protocol Float64Lanes: SIMD where Scalar == Double {
    associatedtype Bits: SIMD where Bits.Scalar == Int64
    /// max(self, lo) lane by lane, NaN kept. A requirement, not generic code: the generic `.<`
    /// compiles to a lane-by-lane loop, the concrete one to one compare.
    func atLeast(_ lo: Double) -> Self
}

extension SIMD8: Float64Lanes where Scalar == Double {
    @usableFromInline typealias Bits = SIMD8<Int64>
    @inlinable @inline(__always)
    func atLeast(_ lo: Double) -> Self { replacing(with: lo, where: self .< lo) }
}

extension SIMD16: Float64Lanes where Scalar == Double {
    @usableFromInline typealias Bits = SIMD16<Int64>
    @inlinable @inline(__always)
    func atLeast(_ lo: Double) -> Self { replacing(with: lo, where: self .< lo) }
}

// The bit-level helpers behind VectorMath's SIMD8<Double> ones (bits, double, negate,
// negativeAbsolute, fmaD call these), so that 8- and 16-lane bodies share one implementation.
extension Float64Lanes {
    @inlinable @inline(__always) var bits: Bits { unsafeBitCast(self, to: Bits.self) }
    @inlinable @inline(__always) init(bits: Bits) { self = unsafeBitCast(bits, to: Self.self) }
    /// a*b + self rounded once (one FMA instruction).
    @inlinable @inline(__always) func fma(_ a: Self, _ b: Self) -> Self { addingProduct(a, b) }
    /// -self by flipping the sign bit (folds into vfnmadd where it feeds an FMA).
    @inlinable @inline(__always) var negated: Self { Self(bits: bits ^ Bits(repeating: Int64.min)) }
    /// -|self| (sets the sign bit).
    @inlinable @inline(__always) var negativeAbsolute: Self { Self(bits: bits | Bits(repeating: Int64.min)) }
}
