#ifndef CVECSHIM_H
#define CVECSHIM_H
// What Swift cannot reach by itself: glibc's _GNU_SOURCE calls and the compiler's ISA macros.

/// CPU the calling thread runs on now (sched_getcpu), or -1.
int vg_current_cpu(void);
/// Kernel thread id of the calling thread (gettid).
long vg_thread_id(void);

/// ISA level the *including* module was compiled for, read from the compiler's macros.
/// 0 = baseline x86-64 (SSE2), 1 = AVX2+FMA (x86-64-v3), 2 = AVX-512F, -1 = not x86.
/// static inline so that it is evaluated with the flags of the Swift module that imports it.
static inline int vg_compiled_isa_level(void) {
#if defined(__AVX512F__)
    return 2;
#elif defined(__AVX2__) && defined(__FMA__)
    return 1;
#elif defined(__x86_64__)
    return 0;
#else
    return -1;
#endif
}

/// 16 float lanes, imported by Swift as SIMD16<Float>.
typedef float vg_f32x16 __attribute__((ext_vector_type(16)));

/// An estimate of 1/x per lane: AVX-512's vrcp14ps (relative error below 2^-14, 1 instruction
/// with a throughput of one or two cycles, where vdivps zmm takes ~10) when the including module
/// is compiled for AVX-512F, else the correctly rounded 1/x. Callers that need float32 precision
/// correct it with a residual (VectorMath.reciprocal). 0 gives inf, inf gives 0, NaN passes.
static inline vg_f32x16 vg_reciprocal_estimate(vg_f32x16 x) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    return (vg_f32x16)__builtin_ia32_rcp14ps512_mask((vg_m512)x, (vg_m512){0}, (unsigned short)0xFFFF);
#else
    return 1.0f / x;
#endif
}

/// 8 double lanes and 8 int64 lanes, imported by Swift as SIMD8<Double> and SIMD8<Int64>.
typedef double vg_f64x8 __attribute__((ext_vector_type(8)));
typedef double vg_f64x16 __attribute__((ext_vector_type(16)));
typedef long long vg_i64x8 __attribute__((ext_vector_type(8)));

/// An estimate of 1/x per double lane, for corrections that need a few bits of it only
/// (VectorMath.siluValueFast): vrcp14pd under AVX-512F (relative error below 2^-14; 0 gives inf,
/// inf 0, NaN passes); elsewhere the exponent-bit estimate, the magic constant minus x's bits
/// (relative error below 5.1% for normal positive x with a normal reciprocal, what that caller
/// passes: 1 + e^-x up to e^700), where a second vdivpd would double the cost of its loop.
static inline vg_f64x8 vg_reciprocal_estimate_f64x8(vg_f64x8 x) {
#if defined(__AVX512F__)
    typedef double vg_m512d __attribute__((vector_size(64)));
    return (vg_f64x8)__builtin_ia32_rcp14pd512_mask((vg_m512d)x, (vg_m512d){0}, (unsigned char)0xFF);
#else
    return (vg_f64x8)(0x7FDE623822FC16E6LL - (vg_i64x8)x);
#endif
}

/// An estimate of 1/sqrt(x) per double lane: vrsqrt14pd under AVX-512F (relative error below
/// 2^-14, on the FMA pipes, where vsqrtpd zmm occupies the divider ~16 cycles on the Zen 4);
/// elsewhere 1/sqrt(x) itself (no caller iterates on it there: see vg_compiled_isa_level).
static inline vg_f64x8 vg_rsqrt_estimate_f64x8(vg_f64x8 x) {
#if defined(__AVX512F__)
    typedef double vg_m512d __attribute__((vector_size(64)));
    return (vg_f64x8)__builtin_ia32_rsqrt14pd512_mask((vg_m512d)x, (vg_m512d){0}, (unsigned char)0xFF);
#else
    vg_f64x8 r;
    for (int i = 0; i < 8; i++) r[i] = 1.0 / __builtin_sqrt(x[i]);
    return r;
#endif
}

#if defined(__AVX2__) && !defined(__AVX512F__)
/* AVX2 has one variable permute, vpermps over 8 float lanes of a ymm register. The lookups below
 * are built from it: a double lane k of a 4-entry table is the float pair (2k, 2k+1), and a table
 * of more entries than a register holds is several permutes joined by a blend on an index bit
 * (the two-register tables: two one-register lookups). The lane-by-lane loops they replace went
 * through the stack: float64 gelu's erf (17 lookups a vector) ran 5x slower than JAX on an AVX2
 * EPYC. Tables of 16 rows in memory (vg_column16_f64x8) are cheaper still on Zen 1. */
typedef float vg_avx2_f32x8 __attribute__((vector_size(32)));
typedef int vg_avx2_i32x8 __attribute__((vector_size(32)));
typedef double vg_avx2_f64x4 __attribute__((vector_size(32)));
typedef long long vg_avx2_i64x4 __attribute__((vector_size(32)));

static inline vg_avx2_f32x8 vg_avx2_lookup8_f32(vg_avx2_f32x8 table, vg_avx2_i32x8 k) {
    return __builtin_ia32_permvarsf256(table, k);   /* uses k & 7 */
}
static inline vg_avx2_f32x8 vg_avx2_select_f32(vg_avx2_i32x8 signMask, vg_avx2_f32x8 ifClear, vg_avx2_f32x8 ifSet) {
    return __builtin_ia32_blendvps256(ifClear, ifSet, (vg_avx2_f32x8)signMask);
}
static inline vg_avx2_f64x4 vg_avx2_lookup4_f64(vg_avx2_f64x4 table, vg_avx2_i64x4 k) {
    vg_avx2_i64x4 pair = (k & 3) * 0x200000002LL + 0x100000000LL;   /* float lanes 2k and 2k + 1 */
    return (vg_avx2_f64x4)__builtin_ia32_permvarsf256((vg_avx2_f32x8)table, (vg_avx2_i32x8)pair);
}
static inline vg_avx2_f64x4 vg_avx2_select_f64(vg_avx2_i64x4 signMask, vg_avx2_f64x4 ifClear, vg_avx2_f64x4 ifSet) {
    return __builtin_ia32_blendvpd256(ifClear, ifSet, (vg_avx2_f64x4)signMask);
}
#define VG_AVX2_HALF4(v, h) __builtin_shufflevector(v, v, 4 * (h), 4 * (h) + 1, 4 * (h) + 2, 4 * (h) + 3)
#define VG_AVX2_HALF8(v, h) __builtin_shufflevector(v, v, 8 * (h), 8 * (h) + 1, 8 * (h) + 2, 8 * (h) + 3, \
                                                    8 * (h) + 4, 8 * (h) + 5, 8 * (h) + 6, 8 * (h) + 7)
#endif

/// table[index & 7] per lane: AVX-512's vpermpd (one instruction) when the including module is
/// compiled for AVX-512F, two vpermps and a blend per ymm half under AVX2, else lane by lane.
/// Swift has no variable shuffle, and building a vector from 8 scalar loads costs ~15
/// instructions: this is the per-lane table lookup of piecewise polynomials whose pieces fit in
/// one register (VectorMath.erfcxParts).
static inline vg_f64x8 vg_permute_f64x8(vg_f64x8 table, vg_i64x8 index) {
#if defined(__AVX512F__)
    typedef double vg_m512d __attribute__((vector_size(64)));
    typedef long long vg_m512i __attribute__((vector_size(64)));
    return (vg_f64x8)__builtin_ia32_permvardf512((vg_m512d)table, (vg_m512i)index);
#elif defined(__AVX2__)
    vg_avx2_f64x4 t0 = (vg_avx2_f64x4)VG_AVX2_HALF4(table, 0), t1 = (vg_avx2_f64x4)VG_AVX2_HALF4(table, 1);
    vg_avx2_f64x4 r[2];
    for (int h = 0; h < 2; h++) {
        vg_avx2_i64x4 k = h ? (vg_avx2_i64x4)VG_AVX2_HALF4(index, 1) : (vg_avx2_i64x4)VG_AVX2_HALF4(index, 0);
        r[h] = vg_avx2_select_f64(k << 61, vg_avx2_lookup4_f64(t0, k), vg_avx2_lookup4_f64(t1, k));
    }
    return (vg_f64x8)__builtin_shufflevector(r[0], r[1], 0, 1, 2, 3, 4, 5, 6, 7);
#else
    vg_f64x8 r;
    for (int i = 0; i < 8; i++) r[i] = table[index[i] & 7];
    return r;
#endif
}

/// (index & 8 ? high : low)[index & 7] per lane: a 16-entry table in two registers, AVX-512's
/// vpermt2pd (one instruction) when compiled for AVX-512F, else two vg_permute_f64x8 and a select
/// (the 2^(j/16) table of the float64 logistic family's exp, VectorMath.expMinusOneFast).
static inline vg_f64x8 vg_permute2_f64x8(vg_f64x8 low, vg_f64x8 high, vg_i64x8 index) {
#if defined(__AVX512F__)
    typedef double vg_m512d __attribute__((vector_size(64)));
    typedef long long vg_m512i __attribute__((vector_size(64)));
    return (vg_f64x8)__builtin_ia32_vpermi2varpd512((vg_m512d)low, (vg_m512i)index, (vg_m512d)high);
#else
    vg_i64x8 set = -((index >> 3) & 1);   /* all ones where the entry is in high */
    vg_i64x8 l = (vg_i64x8)vg_permute_f64x8(low, index), h = (vg_i64x8)vg_permute_f64x8(high, index);
    return (vg_f64x8)((l & ~set) | (h & set));
#endif
}

/// 16 int32 lanes, imported by Swift as SIMD16<Int32>.
typedef int vg_i32x16 __attribute__((ext_vector_type(16)));

/// table[index & 15] per lane: AVX-512's vpermps (one instruction) when the including module is
/// compiled for AVX-512F, joined vpermps under AVX2, else lane by lane; the float32 twin of
/// vg_permute_f64x8 (the halves of vg_permute2_f32x16).
static inline vg_f32x16 vg_permute_f32x16(vg_f32x16 table, vg_i32x16 index) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    typedef int vg_m512i __attribute__((vector_size(64)));
    return (vg_f32x16)__builtin_ia32_permvarsf512((vg_m512)table, (vg_m512i)index);
#elif defined(__AVX2__)
    vg_avx2_f32x8 t0 = (vg_avx2_f32x8)VG_AVX2_HALF8(table, 0), t1 = (vg_avx2_f32x8)VG_AVX2_HALF8(table, 1);
    vg_avx2_f32x8 r[2];
    for (int h = 0; h < 2; h++) {
        vg_avx2_i32x8 k = h ? (vg_avx2_i32x8)VG_AVX2_HALF8(index, 1) : (vg_avx2_i32x8)VG_AVX2_HALF8(index, 0);
        r[h] = vg_avx2_select_f32(k << 28, vg_avx2_lookup8_f32(t0, k), vg_avx2_lookup8_f32(t1, k));
    }
    return (vg_f32x16)__builtin_shufflevector(r[0], r[1], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) {
        int k = index[i] & 15;  /* only the low 4 bits count, as in vpermps */
        r[i] = table[k];
    }
    return r;
#endif
}

/// x * 2^floor(n) per lane for n in [-300, 300], rounded once (denormal results included):
/// AVX-512's vscalefps (one instruction, where 2^n built from exponent bits needs two factors
/// below n = -126) when the including module is compiled for AVX-512F; under AVX2 one float32
/// product when every lane's 2^floor(n) is a normal float, else a product in float64 (the float64
/// round trip alone took ~35 instructions per 16 lanes); else ldexpf. The floor is the instruction's: a table-driven exp passes n / 32 and indexes
/// its table with n mod 32.
static inline vg_f32x16 vg_scale_pow2(vg_f32x16 x, vg_f32x16 n) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    return (vg_f32x16)__builtin_ia32_scalefps512_mask((vg_m512)x, (vg_m512)n, (vg_m512)x, (unsigned short)0xFFFF, 4);
#elif defined(__AVX2__)
    /* Where every lane's 2^floor(n) is a normal float (the usual case: tanh's and exp's arguments,
     * log-probabilities above -87), x times it, built from exponent bits, is one product rounded
     * once, as vscalefps rounds it. A NaN n fails the test. */
    vg_f32x16 fl = __builtin_elementwise_floor(n);
    vg_i32x16 normal = (fl >= -126.0f) & (fl <= 127.0f);
    if (__builtin_reduce_and(normal)) {
        vg_i32x16 e = __builtin_convertvector(fl, vg_i32x16);
        return x * (vg_f32x16)((e + 127) << 23);
    }
    /* Otherwise in float64, where x * 2^floor(n) is exact and 2^floor(n) is built from exponent
     * bits; the conversion back to float32 is the one rounding (denormal results included). */
    typedef double vg_f64x16 __attribute__((ext_vector_type(16)));
    typedef long long vg_i64x16 __attribute__((ext_vector_type(16)));
    vg_f32x16 lo = -1022.0f, hi = 1023.0f;   /* n outside [-300, 300], or NaN, stays a float64 power */
    vg_f32x16 f = __builtin_elementwise_min(__builtin_elementwise_max(__builtin_elementwise_floor(n), lo), hi);
    vg_i64x16 k = __builtin_convertvector(__builtin_convertvector(f, vg_i32x16), vg_i64x16);
    vg_f64x16 p = (vg_f64x16)((k + 1023) << 52);
    return __builtin_convertvector(__builtin_convertvector(x, vg_f64x16) * p, vg_f32x16);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = __builtin_ldexpf(x[i], (int)__builtin_floorf(n[i]));
    return r;
#endif
}

/// x unchanged, but opaque to the optimiser (an empty asm statement that claims to rewrite the
/// register): LLVM then cannot tell that some lanes of a later expression are constants or
/// unused, which in expm1's TwoSum chain led it to split SIMD8<Double> arithmetic into ymm, xmm
/// and scalar pieces joined by shuffles (elu's float64 forward ran ~4x its backward). No
/// instruction; without AVX-512F (no zmm register to name) the value is returned as is.
static inline vg_f64x8 vg_opaque_f64x8(vg_f64x8 x) {
#if defined(__AVX512F__)
    __asm__("" : "+v"(x));
#endif
    return x;
}

/// rows[index & 15][k] per lane: column k of a 16-row table in memory, for piecewise polynomials
/// whose pieces' coefficients are rows. AVX-512: the column folds into two vector constants (the
/// table is a static const of the header) and one vpermi2pd picks. Elsewhere 8 scalar loads: under
/// AVX2 they cost about a cycle a lane, where joining vpermps lookups of a table in registers took
/// ~40 cycles for 8 lanes on the Zen 1 EPYC (4 of them, 4 cycles each, per ymm half).
static inline vg_f64x8 vg_column16_f64x8(const double (*rows)[16], int k, vg_i64x8 index) {
#if defined(__AVX512F__)
    typedef double vg_m512d __attribute__((vector_size(64)));
    typedef long long vg_m512i __attribute__((vector_size(64)));
    vg_f64x8 low = {rows[0][k], rows[1][k], rows[2][k], rows[3][k], rows[4][k], rows[5][k], rows[6][k], rows[7][k]};
    vg_f64x8 high = {rows[8][k], rows[9][k], rows[10][k], rows[11][k], rows[12][k], rows[13][k], rows[14][k], rows[15][k]};
    return (vg_f64x8)__builtin_ia32_vpermi2varpd512((vg_m512d)low, (vg_m512i)index, (vg_m512d)high);
#else
    vg_f64x8 r;
    for (int i = 0; i < 8; i++) r[i] = rows[index[i] & 15][k];
    return r;
#endif
}

/// rows[index & 31][k] per lane, for a 32-row table of floats (GeluTailPieces.h): as
/// vg_column16_f64x8, the column folded into two vector constants and one vpermt2ps for AVX-512,
/// 16 scalar loads elsewhere. float32 gelu reads its pieces through vg_gelu_erfcx_lookup, which
/// uses this for AVX-512 and the baseline; under AVX2 it loads whole rows and transposes them.
static inline vg_f32x16 vg_column32_f32x16(const float (*rows)[8], int k, vg_i32x16 index) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    typedef int vg_m512i __attribute__((vector_size(64)));
    vg_f32x16 low, high;
    for (int i = 0; i < 16; i++) { low[i] = rows[i][k]; high[i] = rows[16 + i][k]; }
    return (vg_f32x16)__builtin_ia32_vpermi2varps512((vg_m512)low, (vg_m512i)index, (vg_m512)high);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = rows[index[i] & 31][k];
    return r;
#endif
}

/// (index & 16 ? high : low)[index & 15] per lane: a 32-entry table in two registers, AVX-512's
/// vpermt2ps (one instruction) when compiled for AVX-512F, else two vg_permute_f32x16 and a select
/// (the table-driven exp of SoftmaxBackwardLog32; float32 gelu's pieces: vg_gelu_erfcx_lookup).
static inline vg_f32x16 vg_permute2_f32x16(vg_f32x16 low, vg_f32x16 high, vg_i32x16 index) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    typedef int vg_m512i __attribute__((vector_size(64)));
    return (vg_f32x16)__builtin_ia32_vpermi2varps512((vg_m512)low, (vg_m512i)index, (vg_m512)high);
#elif defined(__AVX2__)
    vg_i32x16 set = -((index >> 4) & 1);   /* all ones where the entry is in high */
    vg_i32x16 l = (vg_i32x16)vg_permute_f32x16(low, index), h = (vg_i32x16)vg_permute_f32x16(high, index);
    return (vg_f32x16)((l & ~set) | (h & set));
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = (index[i] & 16) ? high[index[i] & 15] : low[index[i] & 15];
    return r;
#endif
}

/// table[index & 7] per lane, from the table's lanes 0-7: one vpermps per ymm half under AVX2
/// (where a 16-entry lookup takes two and a blend, and vg_permute2_f32x16's 32 entries four and
/// three: vpermps ymm issues once per ~4 cycles on Zen 1), vpermps under AVX-512, else lane by lane.
static inline vg_f32x16 vg_lookup8_f32x16(vg_f32x16 table, vg_i32x16 index) {
#if defined(__AVX512F__)
    return vg_permute_f32x16(table, index & 7);
#elif defined(__AVX2__)
    vg_avx2_f32x8 t = (vg_avx2_f32x8)VG_AVX2_HALF8(table, 0);
    vg_avx2_f32x8 r0 = vg_avx2_lookup8_f32(t, (vg_avx2_i32x8)VG_AVX2_HALF8(index, 0));
    vg_avx2_f32x8 r1 = vg_avx2_lookup8_f32(t, (vg_avx2_i32x8)VG_AVX2_HALF8(index, 1));
    return (vg_f32x16)__builtin_shufflevector(r0, r1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = table[index[i] & 7];
    return r;
#endif
}

/// table[index & 3] per lane, from the table's lanes 0-3: one vpermilps per ymm half under AVX2
/// (an in-lane permute, one cycle on Zen 1, with the table repeated in both 128-bit lanes),
/// vpermps under AVX-512, else lane by lane.
static inline vg_f32x16 vg_lookup4_f32x16(vg_f32x16 table, vg_i32x16 index) {
#if defined(__AVX512F__)
    return vg_permute_f32x16(table, index & 3);
#elif defined(__AVX2__)
    vg_avx2_f32x8 t = (vg_avx2_f32x8)__builtin_shufflevector(table, table, 0, 1, 2, 3, 0, 1, 2, 3);
    vg_avx2_f32x8 r0 = __builtin_ia32_vpermilvarps256(t, (vg_avx2_i32x8)VG_AVX2_HALF8(index, 0));
    vg_avx2_f32x8 r1 = __builtin_ia32_vpermilvarps256(t, (vg_avx2_i32x8)VG_AVX2_HALF8(index, 1));
    return (vg_f32x16)__builtin_shufflevector(r0, r1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = table[index[i] & 3];
    return r;
#endif
}

/// (a > b ? a : b) per lane, AVX-512's vmaxps with its operand order (one instruction; LLVM
/// lowers Swift's compare-and-replace to a compare and a blend): b is returned where either is
/// NaN or both are zeros, so max(c, x) clamps x from below and lets NaN and x's -0 through.
static inline vg_f32x16 vg_max_f32x16(vg_f32x16 a, vg_f32x16 b) {
#if defined(__AVX512F__)
    typedef float vg_m512 __attribute__((vector_size(64)));
    return (vg_f32x16)__builtin_ia32_maxps512((vg_m512)a, (vg_m512)b, 4);
#else
    vg_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = a[i] > b[i] ? a[i] : b[i];
    return r;
#endif
}

/// Highest ISA level this CPU supports at run time, same scale as vg_compiled_isa_level.
int vg_machine_isa_level(void);

/// 1 on an AMD x86-64 CPU, else 0 (cpuid's vendor): for the few loops whose best form differs
/// between the AMD and Intel machines this project measures on (VecKernels' elementwise forward
/// prefetch, GEMM's deepest kc).
int vg_cpu_is_amd(void);

/// The CPU family of an AMD x86-64 CPU (cpuid leaf 1, base plus extended family: 25 for Zen 3
/// and Zen 4, 26 for Zen 5), 0 elsewhere: the page-ahead prefetch of VecKernels' complement
/// backward paid on the Zen 5 and cost on the Zen 4.
int vg_cpu_amd_family(void);

/// Spin-wait hint (x86 PAUSE) for the thread pool's short busy waits.
static inline void vg_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/// Prefetch the cache line at p into every cache level (x86 PREFETCHT0; a no-op elsewhere).
/// Never faults, even past the end of a buffer. static inline so that it compiles to one instruction
/// inside Swift loops.
static inline void vg_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// (p[0..16) + p[16..32)) + (p[32..48) + p[48..64)) lane by lane in float32, p unaligned: the
/// groups of four vectors of the float32 sum (ReduceSum.swift). In C because LLVM compiled the
/// same Swift expression under AVX2 into lane-by-lane inserts, vpermpd and blends around lanes 7
/// and 15 (objdump), which left the loop at 0.77x of the time it had, not the 0.4x it has in C.
static inline vg_f32x16 vg_sum4_f32x16(const float *p) {
    typedef float vg_f32x16u __attribute__((ext_vector_type(16), aligned(4)));
    const vg_f32x16u *q = (const vg_f32x16u *)p;
    return (q[0] + q[1]) + (q[2] + q[3]);
}

/// Streaming (non-temporal) stores of one 64-byte vector to a 64-byte aligned p: the line is
/// written to memory without first being read into the cache (no write-allocate). Weakly ordered:
/// vg_stream_fence() before another thread may read what they wrote.
static inline void vg_stream_f32x16(float *p, vg_f32x16 v) {
    __builtin_nontemporal_store(v, (vg_f32x16 *)p);
}
static inline void vg_stream_f64x8(double *p, vg_f64x8 v) {
    __builtin_nontemporal_store(v, (vg_f64x8 *)p);
}
/// Two 64-byte vectors, from one 16-lane value (the float64 forward's pairs: see `Float64Lanes`).
static inline void vg_stream_f64x16(double *p, vg_f64x16 v) {
    __builtin_nontemporal_store(v, (vg_f64x16 *)p);
}
/// Orders the streaming stores before every later store (x86 SFENCE).
static inline void vg_stream_fence(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#endif
}

/// Number of CPUs in this process's affinity mask now (what the OS lets us run on).
int vg_available_cpus(void);

/// The CPUs of the process's mask as first read (see shim.c): their number (at least 1), the
/// first `capacity` of them written to `cpus` in increasing order.
int vg_process_cpu_list(int *cpus, int capacity);

/// Sets the calling thread's affinity to the process's mask as first read; 0 on success.
int vg_bind_thread_to_process_cpus(void);

/// Bandwidth probes for `vecbench calibrate`, one per access pattern, each over n floats (n a
/// multiple of 16, pointers 64-byte aligned), repeated `reps` times. In C because Swift has no
/// non-temporal store, and so that normal and streaming stores run the same loop otherwise.
/// read: returns the sum of a. copy: b = s*a. triad: c = a + s*b. update: a = s*a (in place).
/// `nontemporal` != 0 writes with streaming stores (no write-allocate read of the target line).
float vg_bw_read(const float *a, long n, long reps);
void vg_bw_copy(float *b, const float *a, long n, float s, int nontemporal, long reps);
void vg_bw_triad(float *c, const float *a, const float *b, long n, float s, int nontemporal, long reps);
void vg_bw_update(float *a, long n, float s, long reps);

/* Coefficient tables of piecewise polynomials, one header each (this umbrella header makes them
 * part of the module). */
#include "NormalTailPieces.h"
#include "GeluTailPieces.h"

#endif
