// The register-blocked micro-kernel of the packed GEMM: a 14 x (2 vectors) tile of C held in 28
// zmm accumulators (14x32 floats or 14x16 doubles), with the two B vectors and one broadcast A value
// that makes 31 of the 32 zmm registers of AVX-512. Each k step is 2 vector loads, 14 broadcasts and
// 28 FMAs: the two FMA pipes of a Zen 5 or Skylake-X core take 14 cycles, which hides the 4-cycle
// FMA latency many times over. The release build (-march=native) gives vbroadcastss +
// vfmadd231ps zmm with no spill in the loop: see `vg_gemm_kernel_f32` with objdump -d.

enum GemmMicroKernel {
    static let mr = 14
    static let nrFloat = 32
    static let nrDouble = 16

    /// C[0..<rows, 0..<(twin ? 2 : 1) * V.scalarCount] (row stride ldc) = alpha * Apanel * Bpanel
    /// + beta * C, where Apanel is kc steps of 14 values and Bpanel kc steps of 2 vectors. beta == 0
    /// never reads C. `rows` and `twin` are constants at every call site, so each instance keeps
    /// only the accumulators it uses (narrower instances serve the edge tiles).
    @inline(__always)
    static func tile<V: SIMD>(_: V.Type, rows: Int, twin: Bool, _ kc: Int, _ a: UnsafePointer<V.Scalar>,
                              _ b: UnsafePointer<V.Scalar>, _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int,
                              _ alpha: V.Scalar, _ beta: V.Scalar) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var c80 = V(), c81 = V(), c90 = V(), c91 = V(), cA0 = V(), cA1 = V(), cB0 = V(), cB1 = V()
        var cC0 = V(), cC1 = V(), cD0 = V(), cD1 = V()
        var a = a, b = b
        for _ in 0..<kc {
            let b0: V = GemmMemory.load(b), b1: V = twin ? GemmMemory.load(b, w) : V()
            @inline(__always) func fma(_ i: Int, _ x0: inout V, _ x1: inout V) {
                if i >= rows { return }
                let x = V(repeating: a[i])
                x0 = x0.addingProduct(x, b0)
                if twin { x1 = x1.addingProduct(x, b1) }
            }
            fma(0, &c00, &c01); fma(1, &c10, &c11); fma(2, &c20, &c21); fma(3, &c30, &c31)
            fma(4, &c40, &c41); fma(5, &c50, &c51); fma(6, &c60, &c61); fma(7, &c70, &c71)
            fma(8, &c80, &c81); fma(9, &c90, &c91); fma(10, &cA0, &cA1); fma(11, &cB0, &cB1)
            fma(12, &cC0, &cC1); fma(13, &cD0, &cD1)
            a += 14
            b += 2 * w
        }
        let va = V(repeating: alpha), vb = V(repeating: beta)
        var r = c
        @inline(__always) func put(_ i: Int, _ v0: V, _ v1: V) {
            if i >= rows { return }
            if beta == 0 {
                GemmMemory.store(va * v0, r)
                if twin { GemmMemory.store(va * v1, r, w) }
            } else {
                GemmMemory.store((va * v0).addingProduct(vb, GemmMemory.load(r) as V), r)
                if twin { GemmMemory.store((va * v1).addingProduct(vb, GemmMemory.load(r, w) as V), r, w) }
            }
            r += ldc
        }
        put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31); put(4, c40, c41)
        put(5, c50, c51); put(6, c60, c61); put(7, c70, c71); put(8, c80, c81); put(9, c90, c91)
        put(10, cA0, cA1); put(11, cB0, cB1); put(12, cC0, cC1); put(13, cD0, cD1)
    }

    /// An edge tile (rows < 14 or one vector of columns) into `out` (row stride 2 vectors, beta 0):
    /// the instance with the fewest rows (rounded up to even) and vectors that covers it.
    @inline(never)
    static func edge<V: SIMD>(_: V.Type, rows: Int, twin: Bool, _ kc: Int, _ a: UnsafePointer<V.Scalar>,
                              _ b: UnsafePointer<V.Scalar>, _ out: UnsafeMutablePointer<V.Scalar>,
                              _ alpha: V.Scalar) where V.Scalar: BinaryFloatingPoint {
        let ld = 2 * V.scalarCount
        switch (rows + 1) / 2 {
        case 1: twin ? tile(V.self, rows: 2, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 2, twin: false, kc, a, b, out, ld, alpha, 0)
        case 2: twin ? tile(V.self, rows: 4, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 4, twin: false, kc, a, b, out, ld, alpha, 0)
        case 3: twin ? tile(V.self, rows: 6, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 6, twin: false, kc, a, b, out, ld, alpha, 0)
        case 4: twin ? tile(V.self, rows: 8, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 8, twin: false, kc, a, b, out, ld, alpha, 0)
        case 5: twin ? tile(V.self, rows: 10, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 10, twin: false, kc, a, b, out, ld, alpha, 0)
        case 6: twin ? tile(V.self, rows: 12, twin: true, kc, a, b, out, ld, alpha, 0)
                     : tile(V.self, rows: 12, twin: false, kc, a, b, out, ld, alpha, 0)
        default: twin ? tile(V.self, rows: 14, twin: true, kc, a, b, out, ld, alpha, 0)
                      : tile(V.self, rows: 14, twin: false, kc, a, b, out, ld, alpha, 0)
        }
    }

    /// The micro-kernel for any element type, writing the top-left rows x cols of the tile only:
    /// a partial tile is computed by an edge instance into `scratch` (mr x nr) and merged.
    @inline(__always)
    static func run<T: KernelFloat>(_ kc: Int, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                    _ c: UnsafeMutablePointer<T>, _ ldc: Int, rows: Int, cols: Int,
                                    alpha: T, beta: T, nr: Int, scratch: UnsafeMutablePointer<T>) {
        if rows == mr && cols == nr {
            if T.self == Float.self {
                vg_gemm_kernel_f32(kc, GemmMemory.rebound(a, to: Float.self), GemmMemory.rebound(b, to: Float.self),
                                   GemmMemory.rebound(c, to: Float.self), ldc, Float(alpha), Float(beta))
            } else {
                vg_gemm_kernel_f64(kc, GemmMemory.rebound(a, to: Double.self), GemmMemory.rebound(b, to: Double.self),
                                   GemmMemory.rebound(c, to: Double.self), ldc, Double(alpha), Double(beta))
            }
            return
        }
        let twin = cols > nr / 2
        if T.self == Float.self {
            edge(SIMD16<Float>.self, rows: rows, twin: twin, kc, GemmMemory.rebound(a, to: Float.self),
                 GemmMemory.rebound(b, to: Float.self), GemmMemory.rebound(scratch, to: Float.self), Float(alpha))
        } else {
            edge(SIMD8<Double>.self, rows: rows, twin: twin, kc, GemmMemory.rebound(a, to: Double.self),
                 GemmMemory.rebound(b, to: Double.self), GemmMemory.rebound(scratch, to: Double.self), Double(alpha))
        }
        for i in 0..<rows {
            let src = scratch + i * nr, out = c + i * ldc
            if beta == 0 {
                for j in 0..<cols { out[j] = src[j] }
            } else {
                for j in 0..<cols { out[j] = src[j] + beta * out[j] }
            }
        }
    }
}

/// The float32 micro-kernel under a C name, to find it in a disassembly.
@_cdecl("vg_gemm_kernel_f32")
func vg_gemm_kernel_f32(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ alpha: Float, _ beta: Float) {
    GemmMicroKernel.tile(SIMD16<Float>.self, rows: 14, twin: true, kc, a, b, c, ldc, alpha, beta)
}

@_cdecl("vg_gemm_kernel_f64")
func vg_gemm_kernel_f64(_ kc: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                        _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ alpha: Double, _ beta: Double) {
    GemmMicroKernel.tile(SIMD8<Double>.self, rows: 14, twin: true, kc, a, b, c, ldc, alpha, beta)
}

/// Unaligned vector loads and stores and pointer rebinding for the GEMM files.
enum GemmMemory {
    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ i: Int = 0) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafeMutablePointer<V.Scalar>, _ i: Int = 0) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int = 0) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
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
