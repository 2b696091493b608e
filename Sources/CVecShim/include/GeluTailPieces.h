#ifndef CVECSHIM_GELU_TAIL_PIECES_H
#define CVECSHIM_GELU_TAIL_PIECES_H
#include "CVecShim.h"

/* The 32 pieces of H(ac) = -erfcx(ac / sqrt 2) / 2 on [0, 15] (VectorMath+GeluTail, float32 gelu and
 * its gradient), in the order the low 5 bits of bits(1 + ac) >> 20 pick them (1 + ac in [2, 2.25)
 * first, [1, 1.125) at 24). Row j: the piece's centre mid, then c0 ... c4 of the degree-4 fit in
 * u = ac - mid (c0 + u (c1 + u (c2 + u (c3 + u c4)))), two columns of padding (a row is 32 bytes).
 * The list is written once (VG_GELU_ERFCX_PIECES) and laid out by row and by column from it.
 * How the coefficients were fitted: the comment of VectorMath.erfcxHalf.
 * A C table rather than Swift vector constants for the same reason as NormalTailPieces.h: AVX2 has no
 * one-instruction 32-entry lookup (the joined vpermps took 4 cycles each on the Zen 1 EPYC); AVX-512
 * reads the table by column (vg_gelu_erfcx_columns). */
#define VG_GELU_ERFCX_PIECES(P) \
    P(0x1.201ffcp0, -0x1.f650dap-3, 0x1.f75daap-4, -0x1.b618f0p-5, 0x1.573e06p-6, -0x1.ec2c8ep-8) \
    P(0x1.5feff8p0, -0x1.bdc6bcp-3, 0x1.986680p-4, -0x1.4a19c4p-5, 0x1.e4f86cp-7, -0x1.481c5cp-8) \
    P(0x1.9f7ff4p0, -0x1.8fbc5ep-3, 0x1.507ce8p-4, -0x1.faac42p-6, 0x1.5db9aep-7, -0x1.be3c68p-9) \
    P(0x1.e01ff0p0, -0x1.68f9bap-3, 0x1.180eb6p-4, -0x1.896972p-6, 0x1.feafc4p-8, -0x1.35783cp-9) \
    P(0x1.104004p1, -0x1.48a326p-3, 0x1.d82658p-5, -0x1.364e50p-6, 0x1.7b9b60p-8, -0x1.b58118p-10) \
    P(0x1.2ff804p1, -0x1.2d99d4p-3, 0x1.933874p-5, -0x1.f1b558p-7, 0x1.1fa774p-8, -0x1.388d8ap-10) \
    P(0x1.503000p1, -0x1.161072p-3, 0x1.5ad4ccp-5, -0x1.92a1e0p-7, 0x1.b84e42p-9, -0x1.c8e33cp-11) \
    P(0x1.6fd800p1, -0x1.020fc8p-3, 0x1.2dafaep-5, -0x1.4a8818p-7, 0x1.56d63ap-9, -0x1.532784p-11) \
    P(0x1.9f7ff4p1, -0x1.d12f12p-4, 0x1.f0263ap-6, -0x1.f45e88p-8, 0x1.e2662ep-10, -0x1.b99092p-12) \
    P(0x1.e07ff0p1, -0x1.996162p-4, 0x1.852b7cp-6, -0x1.613860p-8, 0x1.34a520p-10, -0x1.03b746p-12) \
    P(0x1.0fdffep2, -0x1.6e2b50p-4, 0x1.3a4142p-6, -0x1.0368fep-8, 0x1.9e9b34p-11, -0x1.3f451ap-13) \
    P(0x1.2ff804p2, -0x1.4a7a54p-4, 0x1.01d5ccp-6, -0x1.854652p-9, 0x1.1dc838p-11, -0x1.967d1ep-14) \
    P(0x1.4ff802p2, -0x1.2d08b6p-4, 0x1.ae4930p-7, -0x1.2af5d6p-9, 0x1.957aaep-12, -0x1.0b3fa4p-14) \
    P(0x1.701ffep2, -0x1.142ee8p-4, 0x1.6bcc30p-7, -0x1.d3ab96p-10, 0x1.2658e8p-12, -0x1.6a513ep-15) \
    P(0x1.8fdffep2, -0x1.fe955cp-5, 0x1.37f1cep-7, -0x1.75277ep-10, 0x1.b62d70p-13, -0x1.f8288ap-16) \
    P(0x1.afbffcp2, -0x1.da7030p-5, 0x1.0e1f8ap-7, -0x1.2de77ap-10, 0x1.4beefap-13, -0x1.65eaa6p-16) \
    P(0x1.dfeff8p2, -0x1.ac706ap-5, 0x1.ba1604p-8, -0x1.c12364p-11, 0x1.c3ace0p-14, -0x1.bda0fcp-17) \
    P(0x1.0faffep3, -0x1.7bcc04p-5, 0x1.5c9024p-8, -0x1.3bf184p-11, 0x1.1c033cp-14, -0x1.f4198ap-18) \
    P(0x1.2ff800p3, -0x1.545b5cp-5, 0x1.189e1cp-8, -0x1.ca0d80p-12, 0x1.734a1ep-15, -0x1.294d18p-18) \
    P(0x1.4fcffep3, -0x1.34abb0p-5, 0x1.ce6f3cp-9, -0x1.577cdcp-12, 0x1.fb621ap-16, -0x1.718b2ap-19) \
    P(0x1.6f8800p3, -0x1.1a7036p-5, 0x1.83b518p-9, -0x1.083716p-12, 0x1.66578cp-16, -0x1.e040ecp-20) \
    P(0x1.901000p3, -0x1.03c4c2p-5, 0x1.4853dcp-9, -0x1.9c77c4p-13, 0x1.02053cp-16, -0x1.40a9acp-20) \
    P(0x1.afc000p3, -0x1.e1d47ap-6, 0x1.1aa35ep-9, -0x1.49da4ap-13, 0x1.7f8b8ep-17, -0x1.b90092p-21) \
    P(0x1.ccd996p3, -0x1.c3b37cp-6, 0x1.f11bf4p-10, -0x1.104672p-13, 0x1.291ebcp-17, -0x1.43c3cap-21) \
    P(0x1.03fe74p-4, -0x1.e71126p-2, 0x1.7999a6p-2, -0x1.cf1950p-3, 0x1.e44c2ap-4, -0x1.c0794ap-5) \
    P(0x1.807fa8p-3, -0x1.bb7fdep-2, 0x1.4540b0p-2, -0x1.7e6f02p-3, 0x1.822150p-4, -0x1.5bd9e8p-5) \
    P(0x1.3ee00cp-2, -0x1.9607d4p-2, 0x1.1a140cp-2, -0x1.3e30d2p-3, 0x1.3646aep-4, -0x1.0dce9ap-5) \
    P(0x1.c02040p-2, -0x1.74d02ep-2, 0x1.eabb00p-3, -0x1.096f48p-3, 0x1.f3c0ecp-5, -0x1.a70e94p-6) \
    P(0x1.201ffcp-1, -0x1.581310p-2, 0x1.adc834p-3, -0x1.be4af6p-4, 0x1.95e394p-5, -0x1.4b9900p-6) \
    P(0x1.601fd8p-1, -0x1.3edcc8p-2, 0x1.7a7168p-3, -0x1.797394p-4, 0x1.4bba1ep-5, -0x1.08eb36p-6) \
    P(0x1.a0bff2p-1, -0x1.286714p-2, 0x1.4e82e8p-3, -0x1.4086aep-4, 0x1.1039fcp-5, -0x1.a2f4d4p-7) \
    P(0x1.dfd010p-1, -0x1.14f4f0p-2, 0x1.29f140p-3, -0x1.12b648p-4, 0x1.c3753ap-6, -0x1.3eacb8p-7)

#define VG_GELU_ROW(mid, c0, c1, c2, c3, c4) {mid, c0, c1, c2, c3, c4, 0, 0},
static const float vg_gelu_erfcx_pieces[32][8] __attribute__((aligned(64))) = {
    VG_GELU_ERFCX_PIECES(VG_GELU_ROW)
};
#undef VG_GELU_ROW

/* The same numbers by column (column k of vg_gelu_erfcx_pieces, rows 0-31), from the same list, for
 * AVX-512: each column is two 64-byte loads and one vpermt2ps. (The rows folded into vector
 * constants in a standalone clang build, but in the Swift build for znver4 LLVM assembled the two
 * vectors per column from 32 masked broadcasts in every loop iteration: float32 gelu at 2^20 took
 * 6.3 ms, 12x PyTorch's.) */
#define VG_GELU_COLUMN0(mid, c0, c1, c2, c3, c4) mid,
#define VG_GELU_COLUMN1(mid, c0, c1, c2, c3, c4) c0,
#define VG_GELU_COLUMN2(mid, c0, c1, c2, c3, c4) c1,
#define VG_GELU_COLUMN3(mid, c0, c1, c2, c3, c4) c2,
#define VG_GELU_COLUMN4(mid, c0, c1, c2, c3, c4) c3,
#define VG_GELU_COLUMN5(mid, c0, c1, c2, c3, c4) c4,
static const float vg_gelu_erfcx_columns[6][32] __attribute__((aligned(64))) = {
    {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN0)}, {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN1)},
    {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN2)}, {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN3)},
    {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN4)}, {VG_GELU_ERFCX_PIECES(VG_GELU_COLUMN5)},
};
#undef VG_GELU_COLUMN0
#undef VG_GELU_COLUMN1
#undef VG_GELU_COLUMN2
#undef VG_GELU_COLUMN3
#undef VG_GELU_COLUMN4
#undef VG_GELU_COLUMN5

/// Column k (0: mid, 1-5: c0 ... c4) of vg_gelu_erfcx_pieces at each lane's row index & 31.
static inline vg_f32x16 vg_gelu_erfcx_column(int k, vg_i32x16 index) {
#if defined(__AVX512F__)
    vg_f32x16 low, high;
    __builtin_memcpy(&low, vg_gelu_erfcx_columns[k], sizeof low);
    __builtin_memcpy(&high, vg_gelu_erfcx_columns[k] + 16, sizeof high);
    return vg_permute2_f32x16(low, high, index);
#else
    return vg_column32_f32x16(vg_gelu_erfcx_pieces, k, index);
#endif
}

/// The six columns of each lane's piece (row index & 31), its centre and c0 ... c4, written to
/// out[16 k ..< 16 k + 16] for column k (Swift imports neither a struct of vectors nor a pointer
/// to one; after inlining the buffer stays in registers): one lookup for the whole piece. Under
/// AVX2 the rows are read whole (two 16-byte loads per lane) and transposed in registers, 4x4
/// within each 128-bit half (unpcklps/unpckhps and shufps: one uop per half on Zen 1): ~130
/// instructions for 16 lanes against the six separate columns of 16 scalar loads,
/// which LLVM compiled in the Swift loop into ~300 inserts, broadcasts and blends (objdump).
/// Elsewhere the six columns of vg_gelu_erfcx_column (AVX-512: a vpermt2ps each).
static inline void vg_gelu_erfcx_lookup(vg_i32x16 index, float *out) {
    vg_f32x16 c[6];
#if defined(__AVX2__) && !defined(__AVX512F__)
    typedef float f4 __attribute__((ext_vector_type(4), aligned(4)));
    typedef float f8 __attribute__((ext_vector_type(8)));
    int lane[16];
    vg_i32x16 masked = index & 31;
    __builtin_memcpy(lane, &masked, sizeof lane);
    f8 col[6][2];
    for (int h = 0; h < 2; h++) {
        const int *l = lane + 8 * h;
        f8 a[4], b[4];
        for (int k = 0; k < 4; k++) {
            const float *lo = vg_gelu_erfcx_pieces[l[k]], *hi = vg_gelu_erfcx_pieces[l[k + 4]];
            a[k] = __builtin_shufflevector(*(const f4 *)lo, *(const f4 *)hi, 0, 1, 2, 3, 4, 5, 6, 7);
            b[k] = __builtin_shufflevector(*(const f4 *)(lo + 4), *(const f4 *)(hi + 4), 0, 1, 2, 3, 4, 5, 6, 7);
        }
        f8 t0 = __builtin_shufflevector(a[0], a[1], 0, 8, 1, 9, 4, 12, 5, 13);
        f8 t1 = __builtin_shufflevector(a[0], a[1], 2, 10, 3, 11, 6, 14, 7, 15);
        f8 t2 = __builtin_shufflevector(a[2], a[3], 0, 8, 1, 9, 4, 12, 5, 13);
        f8 t3 = __builtin_shufflevector(a[2], a[3], 2, 10, 3, 11, 6, 14, 7, 15);
        col[0][h] = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
        col[1][h] = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
        col[2][h] = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
        col[3][h] = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
        f8 u0 = __builtin_shufflevector(b[0], b[1], 0, 8, 1, 9, 4, 12, 5, 13);
        f8 u2 = __builtin_shufflevector(b[2], b[3], 0, 8, 1, 9, 4, 12, 5, 13);
        col[4][h] = __builtin_shufflevector(u0, u2, 0, 1, 8, 9, 4, 5, 12, 13);
        col[5][h] = __builtin_shufflevector(u0, u2, 2, 3, 10, 11, 6, 7, 14, 15);
    }
#define VG_JOIN(c) __builtin_shufflevector(col[c][0], col[c][1], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    c[0] = VG_JOIN(0); c[1] = VG_JOIN(1); c[2] = VG_JOIN(2); c[3] = VG_JOIN(3); c[4] = VG_JOIN(4); c[5] = VG_JOIN(5);
#undef VG_JOIN
#else
    c[0] = vg_gelu_erfcx_column(0, index); c[1] = vg_gelu_erfcx_column(1, index);
    c[2] = vg_gelu_erfcx_column(2, index); c[3] = vg_gelu_erfcx_column(3, index);
    c[4] = vg_gelu_erfcx_column(4, index); c[5] = vg_gelu_erfcx_column(5, index);
#endif
    __builtin_memcpy(out, c, sizeof c);
}

#endif
