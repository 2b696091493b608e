import Foundation

// The SIMD vector types the broadcast, reduce and softmax kernels are generic over, loads and
// stores at any alignment, and the two ways a broadcast operand is read in an inner loop:
// contiguous (stride 1) or one value repeated (stride 0).

/// SIMD16<Float> and SIMD8<Double>. Comparisons, mask logic and blends are requirements with
/// concrete bodies because the generic SIMD versions of `.>`, `.==`, `.|`, `replacing` compile to a
/// loop over lanes even after specialisation (16 scalar compares and branches per vector, seen in
/// the disassembly), while the concrete overloads give one vcmpps / korw / masked move. Arithmetic
/// (+ - * /) vectorises through the generic path and needs no requirement.
protocol KernelVector: SIMD where Scalar: KernelFloat {
    typealias Mask = SIMDMask<MaskStorage>
    static func greater(_ a: Self, _ b: Self) -> Mask
    static func less(_ a: Self, _ b: Self) -> Mask
    static func equal(_ a: Self, _ b: Self) -> Mask
    static func isNaN(_ a: Self) -> Mask
    static func or(_ a: Mask, _ b: Mask) -> Mask
    static func andNot(_ a: Mask, _ b: Mask) -> Mask
    /// a with the lanes where `mask` is set taken from b.
    static func blend(_ a: Self, _ b: Self, where mask: Mask) -> Self
    /// 0, 1, 2, ... (lane numbers).
    static var lanes: Self { get }
    /// e^x: the polynomial VectorMath.exp for Float; libm per lane for Double (the reference dtype).
    static func exp(_ x: Self) -> Self
}

extension SIMD16: KernelVector where Scalar == Float {
    @inline(__always) static func greater(_ a: Self, _ b: Self) -> Mask { a .> b }
    @inline(__always) static func less(_ a: Self, _ b: Self) -> Mask { a .< b }
    @inline(__always) static func equal(_ a: Self, _ b: Self) -> Mask { a .== b }
    @inline(__always) static func isNaN(_ a: Self) -> Mask { a .!= a }
    @inline(__always) static func or(_ a: Mask, _ b: Mask) -> Mask { a .| b }
    @inline(__always) static func andNot(_ a: Mask, _ b: Mask) -> Mask { a .& .!b }
    @inline(__always) static func blend(_ a: Self, _ b: Self, where mask: Mask) -> Self {
        a.replacing(with: b, where: mask)
    }
    static var lanes: Self { Self(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }
    @inline(__always) static func exp(_ x: Self) -> Self { VectorMath.exp(x) }
}

extension SIMD8: KernelVector where Scalar == Double {
    @inline(__always) static func greater(_ a: Self, _ b: Self) -> Mask { a .> b }
    @inline(__always) static func less(_ a: Self, _ b: Self) -> Mask { a .< b }
    @inline(__always) static func equal(_ a: Self, _ b: Self) -> Mask { a .== b }
    @inline(__always) static func isNaN(_ a: Self) -> Mask { a .!= a }
    @inline(__always) static func or(_ a: Mask, _ b: Mask) -> Mask { a .| b }
    @inline(__always) static func andNot(_ a: Mask, _ b: Mask) -> Mask { a .& .!b }
    @inline(__always) static func blend(_ a: Self, _ b: Self, where mask: Mask) -> Self {
        a.replacing(with: b, where: mask)
    }
    static var lanes: Self { Self(0, 1, 2, 3, 4, 5, 6, 7) }
    @inline(__always) static func exp(_ x: Self) -> Self { VectorMath.exp(x) }
}

enum VectorIO {
    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int = 0) -> V {
        // A fixed-size copy, one unaligned vector load (see `store`: loadUnaligned(as:) too was
        // left out of line in some float64 loops).
        var v = V()
        withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: UnsafeRawPointer(p + i), byteCount: MemoryLayout<V>.size) }
        return v
    }

    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafeMutablePointer<V.Scalar>, _ i: Int = 0) -> V {
        load(UnsafePointer(p), i)
    }

    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int = 0) {
        // A fixed-size copy, which LLVM lowers to one unaligned vector store. The stdlib's
        // storeBytes(of:as:) was left as an out-of-line call in large loop bodies (the float64
        // outer product's 8 x 2 tile: 40% of its time in that call, 4.4x the float32 time).
        withUnsafeBytes(of: v) { UnsafeMutableRawPointer(p + i).copyMemory(from: $0.baseAddress!, byteCount: MemoryLayout<V>.size) }
    }

    /// The first `n` (< V.scalarCount) elements at stride `stride`, the other lanes `fill`.
    /// Written through a pointer to the vector's memory, then read once: `v[l] = ...` with a
    /// variable lane was lowered to a store and a full-vector reload per lane, each reload a
    /// failed store forward (perf: about a quarter of softmax backward's [256, 1000] rows, whose
    /// last 8 of 1000 columns take this path).
    @inline(__always)
    static func loadPartial<V: SIMD>(_ p: UnsafePointer<V.Scalar>, count n: Int, stride: Int = 1,
                                     fill: V.Scalar) -> V {
        // Internal callers pass n < scalarCount; the min keeps a wrong count from writing past
        // the vector (a debug build stops at the assert).
        assert(n <= V.scalarCount, "loadPartial of more lanes than the vector has")
        var v = V(repeating: fill)
        withUnsafeMutableBytes(of: &v) { raw in
            let lanes = raw.baseAddress!.assumingMemoryBound(to: V.Scalar.self)
            for l in 0..<Swift.min(n, V.scalarCount) { lanes[l] = p[l * stride] }
        }
        return v
    }

    /// The first `n` (< V.scalarCount) lanes of `v` to p[0], p[stride], ...: `v` is stored once
    /// and its lanes read back (a variable-lane `v[l]` stored the whole vector again per lane).
    @inline(__always)
    static func storePartial<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, count n: Int,
                                      stride: Int = 1) {
        assert(n <= V.scalarCount, "storePartial of more lanes than the vector has")
        withUnsafeBytes(of: v) { raw in
            let lanes = raw.baseAddress!.assumingMemoryBound(to: V.Scalar.self)
            for l in 0..<Swift.min(n, V.scalarCount) { p[l * stride] = lanes[l] }
        }
    }

    /// How an operand is read along the innermost dimension. Generic parameters of this type let
    /// one loop body be specialised for each stride pattern without a branch inside the loop.
    protocol Access {
        static func vector<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int) -> V
        static func scalar<S>(_ p: UnsafePointer<S>, _ i: Int) -> S
    }

    enum Contiguous: Access {
        @inline(__always)
        static func vector<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int) -> V { load(p, i) }
        @inline(__always)
        static func scalar<S>(_ p: UnsafePointer<S>, _ i: Int) -> S { p[i] }
    }

    enum Repeated: Access {
        @inline(__always)
        static func vector<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int) -> V { V(repeating: p[0]) }
        @inline(__always)
        static func scalar<S>(_ p: UnsafePointer<S>, _ i: Int) -> S { p[0] }
    }

    @inline(__always)
    static func rebound<T, U>(_ p: UnsafePointer<T>, to: U.Type) -> UnsafePointer<U> {
        UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
    }

    @inline(__always)
    static func rebound<T, U>(_ p: UnsafeMutablePointer<T>, to: U.Type) -> UnsafeMutablePointer<U> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
    }
}
