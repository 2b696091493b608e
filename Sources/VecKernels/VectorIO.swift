// Loads and stores of SIMD vectors at any alignment, and the two ways a broadcast operand is read
// in an inner loop: contiguous (stride 1) or one value repeated (stride 0). Kept in one namespace so
// that other kernel files of the module cannot collide with these names.

enum VectorIO {
    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int = 0) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int = 0) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// The first `n` (< V.scalarCount) elements at stride `stride`, the other lanes `fill`.
    @inline(__always)
    static func loadPartial<V: SIMD>(_ p: UnsafePointer<V.Scalar>, count n: Int, stride: Int = 1,
                                     fill: V.Scalar) -> V {
        var v = V(repeating: fill)
        for l in 0..<n { v[l] = p[l * stride] }
        return v
    }

    @inline(__always)
    static func storePartial<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, count n: Int,
                                      stride: Int = 1) {
        for l in 0..<n { p[l * stride] = v[l] }
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
