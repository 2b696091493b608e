import CVecShim

// Packing of GEMM operands into the micro-kernel's layout. The packs are where transposed operands
// are handled (no transposed copy is ever made) and where edge tiles are padded with zeros, so the
// micro-kernel only ever sees full panels.
//   A block: micro-panels of mr rows, each kc steps of mr values  (dst[panel][p][i])
//   B panel: micro-panels of nr columns, each kc steps of nr values (dst[panel][p][j])
// A non-transposed A (and a transposed B) needs a transpose while packing: done 16x16 (float) or
// 8x8 (double) at a time in registers, since a scalar transpose cost ~10% of a 256^3 product.

enum GemmPacking {
    /// Packs rows 0..<rows, steps 0..<kc of op(A), where `a` points at op(A)[0, 0]
    /// (op(A)[i, p] = trans ? a[p*lda + i] : a[i*lda + p]). Writes ceil(rows/mr) micro-panels.
    static func packA<T: KernelFloat>(trans: Bool, _ a: UnsafePointer<T>, lda: Int, rows: Int, kc: Int,
                                      mr: Int, into dst: UnsafeMutablePointer<T>) {
        var r0 = 0
        var out = dst
        while r0 < rows {
            let rr = min(mr, rows - r0)
            if trans {
                // Rows of op(A) are columns of A: each step copies rr contiguous values.
                panelCopy(a + r0, ld: lda, count: rr, width: mr, kc: kc, into: out)
            } else {
                panelTranspose(a + r0 * lda, ld: lda, count: rr, width: mr, kc: kc, into: out)
            }
            out += mr * kc
            r0 += mr
        }
    }

    /// Packs steps 0..<kc, columns 0..<cols of op(B), where `b` points at op(B)[0, 0]
    /// (op(B)[p, j] = trans ? b[j*ldb + p] : b[p*ldb + j]). Writes ceil(cols/nr) micro-panels.
    static func packB<T: KernelFloat>(trans: Bool, _ b: UnsafePointer<T>, ldb: Int, kc: Int, cols: Int,
                                      nr: Int, into dst: UnsafeMutablePointer<T>) {
        if !trans {
            // The micro-kernel's panels: 2 zmm (AVX-512) or 2 ymm (AVX2) wide.
            let fs = VectorIO.rebound(b, to: Float.self), fd = VectorIO.rebound(dst, to: Float.self)
            let ds = VectorIO.rebound(b, to: Double.self), dd = VectorIO.rebound(dst, to: Double.self)
            switch (T.self == Float.self, nr) {
            case (true, 32): return copyPanels(fs, ld: ldb, kc: kc, cols: cols, into: fd, SIMD16<Float>.self)
            case (true, 16): return copyPanels(fs, ld: ldb, kc: kc, cols: cols, into: fd, SIMD8<Float>.self)
            case (false, 16): return copyPanels(ds, ld: ldb, kc: kc, cols: cols, into: dd, SIMD8<Double>.self)
            case (false, 8): return copyPanels(ds, ld: ldb, kc: kc, cols: cols, into: dd, SIMD4<Double>.self)
            default: break
            }
        }
        var j0 = 0
        var out = dst
        while j0 < cols {
            let cc = min(nr, cols - j0)
            if trans {
                panelTranspose(b + j0 * ldb, ld: ldb, count: cc, width: nr, kc: kc, into: out)
            } else {
                panelCopy(b + j0, ld: ldb, count: cc, width: nr, kc: kc, into: out)
            }
            out += nr * kc
            j0 += nr
        }
    }

    /// dst[p*width + i] = src[p*ld + i] for i < count, 0 for count <= i < width.
    @inline(__always)
    static func panelCopy<T: KernelFloat>(_ src: UnsafePointer<T>, ld: Int, count: Int, width: Int, kc: Int,
                                          into dst: UnsafeMutablePointer<T>) {
        if count == width {
            let fs = VectorIO.rebound(src, to: Float.self), fd = VectorIO.rebound(dst, to: Float.self)
            let ds = VectorIO.rebound(src, to: Double.self), dd = VectorIO.rebound(dst, to: Double.self)
            switch (T.self == Float.self, width) {
            case (true, 32): return copyRows(fs, ld: ld, kc: kc, fd, SIMD16<Float>.self)
            case (true, 16): return copyRows(fs, ld: ld, kc: kc, fd, SIMD8<Float>.self)
            case (false, 16): return copyRows(ds, ld: ld, kc: kc, dd, SIMD8<Double>.self)
            case (false, 8): return copyRows(ds, ld: ld, kc: kc, dd, SIMD4<Double>.self)
            default: break
            }
        }
        for p in 0..<kc {
            let s = src + p * ld, d = dst + p * width
            for i in 0..<count { d[i] = s[i] }
            for i in count..<width { d[i] = 0 }
        }
    }

    /// A row-major B into micro-panels of 2 vectors, read row by row (sequential reads, one write
    /// stream per panel: reading panel by panel jumps by ldb at every step and ran at half speed).
    @inline(__always)
    static func copyPanels<V: SIMD>(_ src: UnsafePointer<V.Scalar>, ld: Int, kc: Int, cols: Int,
                                    into dst: UnsafeMutablePointer<V.Scalar>, _: V.Type) where V.Scalar: KernelFloat {
        let w = V.scalarCount, nr = 2 * w
        let full = cols / nr
        for p in 0..<kc {
            let s = src + p * ld
            var d = dst + p * nr
            for j in 0..<full {
                let v0: V = VectorIO.load(s, j * nr), v1: V = VectorIO.load(s, j * nr + w)
                VectorIO.store(v0, d)
                VectorIO.store(v1, d, w)
                d += nr * kc
            }
        }
        if full * nr < cols {
            panelCopy(src + full * nr, ld: ld, count: cols - full * nr, width: nr, kc: kc, into: dst + full * nr * kc)
        }
    }

    /// Two vectors per step: a plain streaming copy.
    @inline(__always)
    static func copyRows<V: SIMD>(_ src: UnsafePointer<V.Scalar>, ld: Int, kc: Int,
                                  _ dst: UnsafeMutablePointer<V.Scalar>, _: V.Type) {
        let w = V.scalarCount
        for p in 0..<kc {
            let s = src + p * ld, d = dst + p * 2 * w
            let v0: V = VectorIO.load(s), v1: V = VectorIO.load(s, w)
            VectorIO.store(v0, d)
            VectorIO.store(v1, d, w)
        }
    }

    /// dst[p*width + i] = src[i*ld + p] for i < count (zero above): `count` source rows, each read
    /// along p, become the lanes of each packed step.
    @inline(__always)
    static func panelTranspose<T: KernelFloat>(_ src: UnsafePointer<T>, ld: Int, count: Int, width: Int,
                                               kc: Int, into dst: UnsafeMutablePointer<T>) {
        var p0 = 0
        if T.self == Float.self {
            let s = VectorIO.rebound(src, to: Float.self), d = VectorIO.rebound(dst, to: Float.self)
            // The AVX2 A micro-panels (6 rows): float16's sixteen SIMD16 values would need 32 of
            // the 16 ymm registers, and 10 of its 16 rows would be zero padding.
            while !GemmMicroKernel.wide && width <= 8 && p0 + 8 <= kc {
                GemmTranspose.float8(s + p0, ld: ld, rows: count, width: width, into: d + p0 * width)
                p0 += 8
            }
            while p0 + 16 <= kc {
                GemmTranspose.float16(s + p0, ld: ld, rows: count, width: width, into: d + p0 * width)
                p0 += 16
            }
        } else {
            let s = VectorIO.rebound(src, to: Double.self), d = VectorIO.rebound(dst, to: Double.self)
            while p0 + 8 <= kc {
                GemmTranspose.double8(s + p0, ld: ld, rows: count, width: width, into: d + p0 * width)
                p0 += 8
            }
        }
        // Leftover steps (kc not a multiple of the vector width).
        for p in p0..<kc {
            let d = dst + p * width
            for i in 0..<count { d[i] = src[i * ld + p] }
            for i in count..<width { d[i] = 0 }
        }
    }
}

/// In-register transposes for the packs. Each stage pairs slots (r, r + h) and splits their
/// concatenation into even and odd lanes (one two-source permute each); after log2(16) stages with
/// h = 8, 4, 2, 1 the slots hold the columns, provided row r was loaded into slot bitreverse(r) and
/// column q is read from slot bitreverse(q).
enum GemmTranspose {
    /// One vpermt2ps each: SIMD32's generic evenHalf and oddHalf were compiled out of line
    /// (3.9% of a 256x784 matmul backward's samples, perf).
    @inline(__always)
    static func mix(_ a: inout SIMD16<Float>, _ b: inout SIMD16<Float>) {
        let low = a
        a = vg_permute2_f32x16(low, b, SIMD16<Int32>(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30))
        b = vg_permute2_f32x16(low, b, SIMD16<Int32>(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
    }

    @inline(__always)
    static func mix(_ a: inout SIMD8<Float>, _ b: inout SIMD8<Float>) {
        let z = SIMD16<Float>(lowHalf: a, highHalf: b)
        a = z.evenHalf
        b = z.oddHalf
    }

    @inline(__always)
    static func mix(_ a: inout SIMD8<Double>, _ b: inout SIMD8<Double>) {
        let low = a
        a = vg_permute2_f64x8(low, b, SIMD8<Int64>(0, 2, 4, 6, 8, 10, 12, 14))
        b = vg_permute2_f64x8(low, b, SIMD8<Int64>(1, 3, 5, 7, 9, 11, 13, 15))
    }

    /// Transposes a 16-step strip of up to 16 rows (src row i at src + i*ld, 16 values each) into
    /// dst[q*width + i] for q < 16 and i < width (zero for i >= rows).
    @inline(__always)
    static func float16(_ src: UnsafePointer<Float>, ld: Int, rows: Int, width: Int,
                        into dst: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        var i0 = 0
        while i0 < width {   // groups past `rows` write the zero padding
            let n = min(16, rows - i0)
            let s = src + i0 * ld
            @inline(__always) func row(_ r: Int) -> V { r < n ? VectorIO.load(s + r * ld) : V() }
            var x0 = row(0), x1 = row(8), x2 = row(4), x3 = row(12), x4 = row(2), x5 = row(10)
            var x6 = row(6), x7 = row(14), x8 = row(1), x9 = row(9), x10 = row(5), x11 = row(13)
            var x12 = row(3), x13 = row(11), x14 = row(7), x15 = row(15)
            mix(&x0, &x8); mix(&x1, &x9); mix(&x2, &x10); mix(&x3, &x11)
            mix(&x4, &x12); mix(&x5, &x13); mix(&x6, &x14); mix(&x7, &x15)
            mix(&x0, &x4); mix(&x1, &x5); mix(&x2, &x6); mix(&x3, &x7)
            mix(&x8, &x12); mix(&x9, &x13); mix(&x10, &x14); mix(&x11, &x15)
            mix(&x0, &x2); mix(&x1, &x3); mix(&x4, &x6); mix(&x5, &x7)
            mix(&x8, &x10); mix(&x9, &x11); mix(&x12, &x14); mix(&x13, &x15)
            mix(&x0, &x1); mix(&x2, &x3); mix(&x4, &x5); mix(&x6, &x7)
            mix(&x8, &x9); mix(&x10, &x11); mix(&x12, &x13); mix(&x14, &x15)
            let lanes = min(16, width - i0)
            let d = dst + i0
            @inline(__always) func put(_ q: Int, _ v: V) { storeLanes(v, d + q * width, lanes) }
            put(0, x0); put(1, x8); put(2, x4); put(3, x12); put(4, x2); put(5, x10); put(6, x6); put(7, x14)
            put(8, x1); put(9, x9); put(10, x5); put(11, x13); put(12, x3); put(13, x11); put(14, x7); put(15, x15)
            i0 += 16
        }
    }

    /// The same for doubles, 8 x 8.
    @inline(__always)
    static func double8(_ src: UnsafePointer<Double>, ld: Int, rows: Int, width: Int,
                        into dst: UnsafeMutablePointer<Double>) {
        eight(SIMD8<Double>.self, src, ld: ld, rows: rows, width: width, into: dst,
              mix: { mix(&$0, &$1) }, store: { storeLanes($0, $1, $2) })
    }

    /// The same for floats, 8 x 8 in ymm registers.
    @inline(__always)
    static func float8(_ src: UnsafePointer<Float>, ld: Int, rows: Int, width: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        eight(SIMD8<Float>.self, src, ld: ld, rows: rows, width: width, into: dst,
              mix: { mix(&$0, &$1) }, store: { storeLanes($0, $1, $2) })
    }

    @inline(__always)
    static func eight<V: SIMD>(_: V.Type, _ src: UnsafePointer<V.Scalar>, ld: Int, rows: Int, width: Int,
                               into dst: UnsafeMutablePointer<V.Scalar>, mix: (inout V, inout V) -> Void,
                               store: (V, UnsafeMutablePointer<V.Scalar>, Int) -> Void) {
        var i0 = 0
        while i0 < width {   // groups past `rows` write the zero padding
            let n = min(8, rows - i0)
            let s = src + i0 * ld
            @inline(__always) func row(_ r: Int) -> V { r < n ? VectorIO.load(s + r * ld) : V() }
            var x0 = row(0), x1 = row(4), x2 = row(2), x3 = row(6), x4 = row(1), x5 = row(5)
            var x6 = row(3), x7 = row(7)
            mix(&x0, &x4); mix(&x1, &x5); mix(&x2, &x6); mix(&x3, &x7)
            mix(&x0, &x2); mix(&x1, &x3); mix(&x4, &x6); mix(&x5, &x7)
            mix(&x0, &x1); mix(&x2, &x3); mix(&x4, &x5); mix(&x6, &x7)
            let lanes = min(8, width - i0)
            let d = dst + i0
            @inline(__always) func put(_ q: Int, _ v: V) { store(v, d + q * width, lanes) }
            put(0, x0); put(1, x4); put(2, x2); put(3, x6); put(4, x1); put(5, x5); put(6, x3); put(7, x7)
            i0 += 8
        }
    }

    /// Stores the first `lanes` lanes of v (14 = 8 + 4 + 2 for the float A micro-panels).
    @inline(__always)
    static func storeLanes(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { return VectorIO.store(v, p) }
        if lanes == 14 {
            VectorIO.store(v.lowHalf, p)
            VectorIO.store(v.highHalf.lowHalf, p, 8)
            VectorIO.store(v.highHalf.highHalf.lowHalf, p, 12)
            return
        }
        for l in 0..<lanes { p[l] = v[l] }
    }

    /// 6 = 4 + 2 for the second half of the double A micro-panels, and the AVX2 A micro-panels.
    @inline(__always)
    static func storeLanes<S: SIMDScalar>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>, _ lanes: Int) {
        if lanes == 8 { return VectorIO.store(v, p) }
        if lanes == 6 {
            VectorIO.store(v.lowHalf, p)
            VectorIO.store(v.highHalf.lowHalf, p, 4)
            return
        }
        for l in 0..<lanes { p[l] = v[l] }
    }
}
