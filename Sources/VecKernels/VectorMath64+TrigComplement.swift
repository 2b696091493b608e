import CVecShim

// The grad-mode forward of float64 sin and cos (UnarySaved.complement; float32 keeps x): y and
// the derivative c = sin(x + (offset + 1) pi/2) (cos x for sin, -sin x for cos) from one
// reduction, as JAX saves cos(x) from its forward, so that the backward is gy c: two streams, no
// second reduction and polynomial. The reduction's quadrant picks each lane's polynomial for y
// and the other one for c; y takes trigFast's operations lane for lane, so it is the no-grad
// forward's bit for bit, and c is cos(x) (or -sin(x)) as trigFast computes it (the same j but
// where x 2/pi rounds to a tie, which leaves r within the kernels' range either way), within
// 1.25 ulp. Lanes beyond 2^20, ±inf, NaN and builds without FMA take the general path twice.
extension VectorMath {
    /// sin(x + offset pi/2) and sin(x + (offset + 1) pi/2), float64, offset 0 (sin) or 1 (cos).
    @inlinable @inline(__always)
    static func trigWithComplement(_ x: VD, quadrantOffset: Int64) -> (y: VD, c: VD) {
        if vg_compiled_isa_level() >= 1, _fastPath(!anyTrue(.!(absolute(x) .<= 0x1p20))) {
            return trigFastWithComplement(x, quadrantOffset: quadrantOffset)
        }
        return trigWideWithComplement(x, quadrantOffset: quadrantOffset)
    }

    /// Both of `trigWithComplement` for |x| <= 2^20 (or NaN), with FMA.
    @inlinable @inline(__always)
    static func trigFastWithComplement(_ x: VD, quadrantOffset: Int64) -> (y: VD, c: VD) {
        let (t, r, nrl) = reduceShort(x, quadrantOffset: quadrantOffset)
        let z = r * r
        let s = sinFastP, k = cosFastP
        var ps = fmaD(z, VD(repeating: s.0), VD(repeating: s.1))
        var pc = fmaD(z, VD(repeating: k.0), VD(repeating: k.1))
        ps = fmaD(ps, z, VD(repeating: s.2)); pc = fmaD(pc, z, VD(repeating: k.2))
        ps = fmaD(ps, z, VD(repeating: s.3)); pc = fmaD(pc, z, VD(repeating: k.3))
        ps = fmaD(ps, z, VD(repeating: s.4)); pc = fmaD(pc, z, VD(repeating: k.4))
        ps = fmaD(ps, z, VD(repeating: s.5)); pc = fmaD(pc, z, VD(repeating: k.5))
        let sinPart = r - fmaD(r * z, ps, nrl)
        let cosPart = fmaD(z, VD(repeating: -0.5), VD(repeating: 1)) - fmaD(z * z, pc, negate(r * nrl))
        // q = j + offset in t's low bits (trigFast): q odd takes cos's polynomial and bit 1 negates;
        // c's quadrant is q + 1, so it takes the other polynomial and its own sign.
        let q62 = bits(t) &<< 62
        let useCos = double(q62) .!= 0
        let y = double(bits(sinPart.replacing(with: cosPart, where: useCos)) ^ (q62 & Int64.min))
        let c = double(bits(cosPart.replacing(with: sinPart, where: useCos)) ^ ((bits(t) &+ 1) &<< 62 & Int64.min))
        return (y, c)
    }

    /// Both of `trigWithComplement` for vectors with a lane beyond 2^20, ±inf or NaN, or without
    /// FMA: y as the no-grad forward computes it there, c by a second call.
    @inline(never) @usableFromInline
    static func trigWideWithComplement(_ x: VD, quadrantOffset: Int64) -> (y: VD, c: VD) {
        let y = trigWide(x, quadrantOffset: quadrantOffset)
        return (y, quadrantOffset == 0 ? trigWide(x, quadrantOffset: 1) : negate(trigWide(x, quadrantOffset: 0)))
    }

    /// sin(x) and its derivative cos(x), float64 (sin's grad-mode forward).
    @inlinable @inline(__always)
    static func sinWithComplement(_ x: VD) -> (y: VD, c: VD) { trigWithComplement(x, quadrantOffset: 0) }

    /// cos(x) and its derivative -sin(x), float64 (cos's grad-mode forward).
    @inlinable @inline(__always)
    static func cosWithComplement(_ x: VD) -> (y: VD, c: VD) { trigWithComplement(x, quadrantOffset: 1) }
}
