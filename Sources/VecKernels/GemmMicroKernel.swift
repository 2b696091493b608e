import CVecShim

// The register-blocked micro-kernel of the packed GEMM: a 14 x (2 vectors) tile of C held in 28
// zmm accumulators (14x32 floats or 14x16 doubles), with the two B vectors and one broadcast A value
// that makes 31 of the 32 zmm registers of AVX-512. Each k step is 2 vector loads, 14 broadcasts and
// 28 FMAs: the two FMA pipes of a Zen 5 or Skylake-X core take 14 cycles, which hides the 4-cycle
// FMA latency many times over. The release build (-march=native) gives vbroadcastss +
// vfmadd231ps zmm with no spill in the loop: see `vg_gemm_kernel_f32` with objdump -d.
// An AVX2 build has 16 ymm registers: the same tile would need 56 accumulators and spilled every
// step (19.6 GFLOP/s against OpenBLAS's 40.9 at 512^3 on a Zen 1 EPYC), so it uses 6 x (2 ymm),
// 6x16 floats or 6x8 doubles, BLIS's Haswell shape: 12 accumulators, 2 B vectors, 1 broadcast.

enum GemmMicroKernel {
    /// Whether the kernels were compiled for AVX-512 (a C constant: folds away in each instance).
    @inline(__always) static var wide: Bool { vg_compiled_isa_level() >= 2 }
    @inline(__always) static var mr: Int { wide ? 14 : 6 }
    @inline(__always) static var nrFloat: Int { wide ? 32 : 16 }
    @inline(__always) static var nrDouble: Int { wide ? 16 : 8 }

    /// C[0..<rows, 0..<(twin ? 2 : 1) * V.scalarCount] (row stride ldc) = alpha * Apanel * Bpanel
    /// + beta * C, where Apanel is kc steps of `mr` values and Bpanel kc steps of 2 vectors. beta == 0
    /// never reads C. `rows` and `twin` are types, so that every specialisation has them constant
    /// and keeps only the accumulators it uses (narrower instances serve the edge tiles); as Int
    /// arguments the optimiser made one instance that tested them inside the loop.
    @inline(__always)
    static func tile<V: SIMD, R: TileRows, S: SmallMatrix.StripWidth>(
        _: V.Type, _: R.Type, _: S.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int, _ alpha: V.Scalar, _ beta: V.Scalar
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount, rows = R.rows, twin = S.twin
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var c80 = V(), c81 = V(), c90 = V(), c91 = V(), cA0 = V(), cA1 = V(), cB0 = V(), cB1 = V()
        var cC0 = V(), cC1 = V(), cD0 = V(), cD1 = V()
        var a = a, b = b
        for _ in 0..<kc {
            let b0: V = VectorIO.load(b), b1: V = twin ? VectorIO.load(b, w) : V()
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
            a += mr
            b += 2 * w
        }
        let va = V(repeating: alpha), vb = V(repeating: beta)
        var r = c
        @inline(__always) func put(_ i: Int, _ v0: V, _ v1: V) {
            if i >= rows { return }
            if beta == 0 {
                VectorIO.store(va * v0, r)
                if twin { VectorIO.store(va * v1, r, w) }
            } else {
                VectorIO.store((va * v0).addingProduct(vb, VectorIO.load(r) as V), r)
                if twin { VectorIO.store((va * v1).addingProduct(vb, VectorIO.load(r, w) as V), r, w) }
            }
            r += ldc
        }
        put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31); put(4, c40, c41)
        put(5, c50, c51); put(6, c60, c61); put(7, c70, c71); put(8, c80, c81); put(9, c90, c91)
        put(10, cA0, cA1); put(11, cB0, cB1); put(12, cC0, cC1); put(13, cD0, cD1)
    }

    /// The full 14 x 2-vector tile, written out: the same computation as `tile` with 14 rows, but
    /// the generic form left the register allocator one zmm short (one accumulator spilled to the
    /// stack in the loop: 209 instead of 231 GFLOP/s on L1-resident panels).
    @inline(__always)
    static func full<V: SIMD>(_: V.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                              _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int, _ alpha: V.Scalar, _ beta: V.Scalar)
    where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var c80 = V(), c81 = V(), c90 = V(), c91 = V(), cA0 = V(), cA1 = V(), cB0 = V(), cB1 = V()
        var cC0 = V(), cC1 = V(), cD0 = V(), cD1 = V()
        var a = a, b = b
        for _ in 0..<kc {
            let b0: V = VectorIO.load(b), b1: V = VectorIO.load(b, w)
            var x = V(repeating: a[0]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: a[1]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: a[2]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: a[3]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: a[4]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: a[5]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = V(repeating: a[6]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = V(repeating: a[7]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            x = V(repeating: a[8]); c80 = c80.addingProduct(x, b0); c81 = c81.addingProduct(x, b1)
            x = V(repeating: a[9]); c90 = c90.addingProduct(x, b0); c91 = c91.addingProduct(x, b1)
            x = V(repeating: a[10]); cA0 = cA0.addingProduct(x, b0); cA1 = cA1.addingProduct(x, b1)
            x = V(repeating: a[11]); cB0 = cB0.addingProduct(x, b0); cB1 = cB1.addingProduct(x, b1)
            x = V(repeating: a[12]); cC0 = cC0.addingProduct(x, b0); cC1 = cC1.addingProduct(x, b1)
            x = V(repeating: a[13]); cD0 = cD0.addingProduct(x, b0); cD1 = cD1.addingProduct(x, b1)
            a += 14
            b += 2 * w
        }
        let va = V(repeating: alpha), vb = V(repeating: beta)
        if beta == 0 {
            var r = c
            @inline(__always) func put(_ v0: V, _ v1: V) {
                VectorIO.store(va * v0, r); VectorIO.store(va * v1, r, w); r += ldc
            }
            put(c00, c01); put(c10, c11); put(c20, c21); put(c30, c31); put(c40, c41); put(c50, c51)
            put(c60, c61); put(c70, c71); put(c80, c81); put(c90, c91); put(cA0, cA1); put(cB0, cB1)
            put(cC0, cC1); put(cD0, cD1)
        } else {
            var r = c
            @inline(__always) func put(_ v0: V, _ v1: V) {
                let o0: V = VectorIO.load(r), o1: V = VectorIO.load(r, w)
                VectorIO.store((va * v0).addingProduct(vb, o0), r)
                VectorIO.store((va * v1).addingProduct(vb, o1), r, w)
                r += ldc
            }
            put(c00, c01); put(c10, c11); put(c20, c21); put(c30, c31); put(c40, c41); put(c50, c51)
            put(c60, c61); put(c70, c71); put(c80, c81); put(c90, c91); put(cA0, cA1); put(cB0, cB1)
            put(cC0, cC1); put(cD0, cD1)
        }
    }

    /// The AVX2 tile, 6 x 2 ymm, written out for the same reason: the generic form spilled one
    /// float64 accumulator to the stack in the loop.
    @inline(__always)
    static func full6<V: SIMD>(_: V.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                               _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int, _ alpha: V.Scalar, _ beta: V.Scalar)
    where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var a = a, b = b
        for _ in 0..<kc {
            let b0: V = VectorIO.load(b), b1: V = VectorIO.load(b, w)
            var x = V(repeating: a[0]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: a[1]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: a[2]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: a[3]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: a[4]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: a[5]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            a += 6
            b += 2 * w
        }
        let va = V(repeating: alpha), vb = V(repeating: beta)
        var r = c
        @inline(__always) func put(_ v0: V, _ v1: V) {
            if beta == 0 {
                VectorIO.store(va * v0, r); VectorIO.store(va * v1, r, w)
            } else {
                VectorIO.store((va * v0).addingProduct(vb, VectorIO.load(r) as V), r)
                VectorIO.store((va * v1).addingProduct(vb, VectorIO.load(r, w) as V), r, w)
            }
            r += ldc
        }
        put(c00, c01); put(c10, c11); put(c20, c21); put(c30, c31); put(c40, c41); put(c50, c51)
    }

    /// An edge tile (rows < mr or one vector of columns) into `out` (row stride 2 vectors, beta 0):
    /// the instance with the fewest rows (rounded up to even) and vectors that covers it.
    @inline(never)
    static func edge<V: SIMD>(_: V.Type, rows: Int, twin: Bool, _ kc: Int, _ a: UnsafePointer<V.Scalar>,
                              _ b: UnsafePointer<V.Scalar>, _ out: UnsafeMutablePointer<V.Scalar>,
                              _ alpha: V.Scalar) where V.Scalar: BinaryFloatingPoint {
        twin ? edge(V.self, rows: rows, SmallMatrix.Two.self, kc, a, b, out, alpha)
             : edge(V.self, rows: rows, SmallMatrix.One.self, kc, a, b, out, alpha)
    }

    @inline(__always)
    static func edge<V: SIMD, S: SmallMatrix.StripWidth>(_: V.Type, rows: Int, _: S.Type, _ kc: Int,
                                                          _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                                                          _ out: UnsafeMutablePointer<V.Scalar>, _ alpha: V.Scalar)
    where V.Scalar: BinaryFloatingPoint {
        let ld = 2 * V.scalarCount
        switch (rows + 1) / 2 {
        case 1: tile(V.self, Rows2.self, S.self, kc, a, b, out, ld, alpha, 0)
        case 2: tile(V.self, Rows4.self, S.self, kc, a, b, out, ld, alpha, 0)
        case 3: tile(V.self, Rows6.self, S.self, kc, a, b, out, ld, alpha, 0)
        case 4: tile(V.self, Rows8.self, S.self, kc, a, b, out, ld, alpha, 0)
        case 5: tile(V.self, Rows10.self, S.self, kc, a, b, out, ld, alpha, 0)
        case 6: tile(V.self, Rows12.self, S.self, kc, a, b, out, ld, alpha, 0)
        default: tile(V.self, Rows14.self, S.self, kc, a, b, out, ld, alpha, 0)
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
                vg_gemm_kernel_f32(kc, VectorIO.rebound(a, to: Float.self), VectorIO.rebound(b, to: Float.self),
                                   VectorIO.rebound(c, to: Float.self), ldc, Float(alpha), Float(beta))
            } else {
                vg_gemm_kernel_f64(kc, VectorIO.rebound(a, to: Double.self), VectorIO.rebound(b, to: Double.self),
                                   VectorIO.rebound(c, to: Double.self), ldc, Double(alpha), Double(beta))
            }
            return
        }
        let twin = cols > nr / 2
        if T.self == Float.self {
            let a = VectorIO.rebound(a, to: Float.self), b = VectorIO.rebound(b, to: Float.self)
            let out = VectorIO.rebound(scratch, to: Float.self)
            if wide {
                edge(SIMD16<Float>.self, rows: rows, twin: twin, kc, a, b, out, Float(alpha))
            } else {
                edge(SIMD8<Float>.self, rows: rows, twin: twin, kc, a, b, out, Float(alpha))
            }
        } else {
            let a = VectorIO.rebound(a, to: Double.self), b = VectorIO.rebound(b, to: Double.self)
            let out = VectorIO.rebound(scratch, to: Double.self)
            if wide {
                edge(SIMD8<Double>.self, rows: rows, twin: twin, kc, a, b, out, Double(alpha))
            } else {
                edge(SIMD4<Double>.self, rows: rows, twin: twin, kc, a, b, out, Double(alpha))
            }
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
    if GemmMicroKernel.wide {
        GemmMicroKernel.full(SIMD16<Float>.self, kc, a, b, c, ldc, alpha, beta)
    } else {
        GemmMicroKernel.full6(SIMD8<Float>.self, kc, a, b, c, ldc, alpha, beta)
    }
}

@_cdecl("vg_gemm_kernel_f64")
func vg_gemm_kernel_f64(_ kc: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                        _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ alpha: Double, _ beta: Double) {
    if GemmMicroKernel.wide {
        GemmMicroKernel.full(SIMD8<Double>.self, kc, a, b, c, ldc, alpha, beta)
    } else {
        GemmMicroKernel.full6(SIMD4<Double>.self, kc, a, b, c, ldc, alpha, beta)
    }
}

/// A block's row count as a type, so that every specialisation has it constant: the rows of a
/// micro-kernel instance (`GemmMicroKernel.tile`), of SmallMatrix's blocks, and Gemv's rows of S
/// and vectors of G.
protocol TileRows { static var rows: Int { get } }
enum Rows1: TileRows { static var rows: Int { 1 } }
enum Rows2: TileRows { static var rows: Int { 2 } }
enum Rows3: TileRows { static var rows: Int { 3 } }
enum Rows4: TileRows { static var rows: Int { 4 } }
enum Rows5: TileRows { static var rows: Int { 5 } }
enum Rows6: TileRows { static var rows: Int { 6 } }
enum Rows7: TileRows { static var rows: Int { 7 } }
enum Rows8: TileRows { static var rows: Int { 8 } }
enum Rows10: TileRows { static var rows: Int { 10 } }
enum Rows12: TileRows { static var rows: Int { 12 } }
enum Rows14: TileRows { static var rows: Int { 14 } }
