/* Element-type conversions between every pair of the 30 dtypes. Every element is decoded exactly
 * into a sign/magnitude/exponent record and encoded with one round-to-nearest-even step per target
 * format; the hot pairs have their own branch-free loops. The rules are in docs/conversions.md. */
#include "veritor/tensor.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "veritor stores tensors little-endian and converts in place; big-endian hosts need byte swaps here"
#endif

/* ---- bit access ----------------------------------------------------------------------------
 * Element pointers may be unaligned (safetensors maps), so every access goes through memcpy,
 * which the compiler turns into plain loads and still vectorises. */
static inline uint16_t ld16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void st32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline float f32_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t bits_of_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline double f64_of(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }
static inline uint64_t bits_of_f64(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }

/* Branch-free select: the compiler will not if-convert float operations under its default
 * -ftrapping-math, so the hot loops pick results with masks instead of ?: to stay vectorisable. */
static inline uint32_t sel32(bool c, uint32_t a, uint32_t b) { uint32_t m = 0u - (uint32_t)c; return (a & m) | (b & ~m); }
static inline uint64_t sel64(bool c, uint64_t a, uint64_t b) { uint64_t m = 0u - (uint64_t)c; return (a & m) | (b & ~m); }

/* ---- hot-pair element functions ------------------------------------------------------------
 * Pure integer bit manipulation, except where a float operation is exact and its operands and
 * result are normal numbers (so FTZ/DAZ modes could not change it): int -> float of a small
 * integer, scaling by a power of two, and the "add 2^23 / 2^52" trick that rounds a value below
 * 2^23 to an integer (relies only on the default round-to-nearest-even mode). */

static inline uint16_t f32_to_bf16(uint32_t w) {
    uint32_t a = w & 0x7FFFFFFFu;
    uint32_t r = (w + 0x7FFFu + ((w >> 16) & 1u)) >> 16; /* carry into the exponent is right */
    uint32_t nan = (w >> 16) | 0x40u;                    /* quiet, sign and top payload kept */
    return (uint16_t)(a > 0x7F800000u ? nan : r);
}

/* bf16 is by definition the top half of an f32: a plain shift (a signalling NaN stays one). */
static inline uint32_t bf16_to_f32(uint16_t h) { return (uint32_t)h << 16; }

static inline uint16_t f32_to_f16(uint32_t w) {
    uint32_t sign = (w >> 16) & 0x8000u, a = w & 0x7FFFFFFFu;
    /* Normal range: rebias and round at bit 13; overflow (and inf) lands at or above 0x7C00. */
    uint32_t n = a - 0x38000000u;
    n = (n + 0xFFFu + ((n >> 13) & 1u)) >> 13;
    n = n > 0x7C00u ? 0x7C00u : n;
    /* Below 2^-14 the result is round(|x| * 2^24) units of the smallest subnormal (may reach
     * 0x400, the smallest normal, which is the right encoding). */
    float r = f32_of(a) * 0x1p24f;
    uint32_t s = bits_of_f32(r + 0x1p23f) - 0x4B000000u;
    uint32_t nan = 0x7E00u | ((a >> 13) & 0x3FFu);
    uint32_t m = sel32(a > 0x7F800000u, nan, sel32(a >= 0x38800000u, n, s));
    return (uint16_t)(sign | m);
}

static inline uint32_t f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
    uint32_t normal = ((e + 112u) << 23) | (m << 13);
    uint32_t special = 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u);
    uint32_t sub = bits_of_f32((float)(int32_t)m * 0x1p-24f); /* exact, result normal in f32 */
    return sign | sel32(e == 0, sub, sel32(e == 31, special, normal));
}

static inline uint64_t f32_to_f64(uint32_t w) {
    uint64_t sign = (uint64_t)(w & 0x80000000u) << 32;
    uint32_t a = w & 0x7FFFFFFFu, e = a >> 23, m = a & 0x7FFFFFu;
    uint64_t normal = ((uint64_t)a << 29) + ((uint64_t)(1023 - 127) << 52);
    uint64_t special = 0x7FF0000000000000ull | ((uint64_t)m << 29) | (m ? 1ull << 51 : 0);
    uint64_t sub = bits_of_f64((double)(int32_t)m * 0x1p-149);
    return sign | sel64(e == 0, sub, sel64(e == 255, special, normal));
}

/* a < b for values below 2^63, as an all-ones/all-zeros mask: SSE2 has no 64-bit compare, and
 * the f64 loops would not vectorise with one. */
static inline uint64_t lt_mask63(uint64_t a, uint64_t b) { return 0 - ((a - b) >> 63); }

/* f64 -> narrower IEEE format (M mantissa bits, bias B, sign at bit SB): one rounding from the
 * f64 bits. Below the smallest normal the result is round(|x| * 2^(B-1+M)) subnormal steps. */
#define F64_NARROW(NAME, OUT_T, M, B, SB, EXPMASK)                                                 \
    static inline OUT_T NAME(uint64_t w) {                                                         \
        uint64_t a = w & 0x7FFFFFFFFFFFFFFFull;                                                    \
        uint64_t n = a - ((uint64_t)(1023 - (B)) << 52);                                           \
        n = (n + ((1ull << (51 - (M))) - 1) + ((n >> (52 - (M))) & 1)) >> (52 - (M));              \
        double r = f64_of(a) * f64_of((uint64_t)(1023 + (B) - 1 + (M)) << 52);                    \
        uint64_t s = bits_of_f64(r + 0x1p52) - 0x4330000000000000ull;                             \
        uint64_t nan = (EXPMASK) | (1ull << ((M) - 1)) | ((a >> (52 - (M))) & ((1ull << (M)) - 1)); \
        /* (2 - 2^-(M+1)) * 2^B: the smallest magnitude that rounds to infinity */                \
        const uint64_t ovf = ((uint64_t)(1023 + (B)) << 52) | (((1ull << ((M) + 1)) - 1) << (51 - (M))); \
        uint64_t is_nan = lt_mask63(0x7FF0000000000000ull, a);                                     \
        uint64_t is_big = ~lt_mask63(a, ovf);                                                      \
        uint64_t is_norm = ~lt_mask63(a, (uint64_t)(1023 - (B) + 1) << 52);                        \
        uint64_t fin = ((EXPMASK) & is_big) | (~is_big & ((n & is_norm) | (s & ~is_norm)));       \
        uint64_t m = (nan & is_nan) | (fin & ~is_nan);                                             \
        return (OUT_T)(((w >> 63) << (SB)) | m);                                                   \
    }
F64_NARROW(f64_to_f32, uint32_t, 23, 127, 31, 0x7F800000ull)
F64_NARROW(f64_to_f16, uint16_t, 10, 15, 15, 0x7C00ull)
F64_NARROW(f64_to_bf16, uint16_t, 7, 127, 15, 0x7F80ull)
#undef F64_NARROW

/* ---- exact numbers: what every element decodes to on the generic path ----------------------- */
enum { NUM_ZERO, NUM_FINITE, NUM_INF, NUM_NAN };
typedef struct num {
    int cls;
    bool neg;
    int exp;          /* NUM_FINITE: |value| = mant * 2^exp, mant != 0 */
    uint64_t mant;
    uint64_t payload; /* NUM_NAN: the source's mantissa field, left-aligned at bit 63 (0 if none) */
} num;

/* Float flavours: how a format spends its top encodings (docs/conversions.md has the tables). */
enum { FL_IEEE, FL_FN, FL_FNUZ, FL_FINITE, FL_E8M0 };
typedef struct ffmt {
    unsigned E, M;
    int bias;
    int flavour;
    int max_be;          /* largest biased exponent a finite value may have */
    uint64_t sign_bit;   /* 0 for E8M0 */
    uint64_t max_finite; /* encoding of the largest finite magnitude */
    uint64_t exp_mask;
    uint64_t man_mask;
} ffmt;

static void ffmt_init(ffmt *f, vt_dtype t) {
    const vt_float_format *ff = vt_float_format_of(t);
    f->E = ff->exp_bits;
    f->M = ff->mant_bits;
    f->bias = ff->bias;
    f->flavour = !ff->has_sign ? FL_E8M0 : ff->has_inf ? FL_IEEE : ff->nan_is_neg_zero ? FL_FNUZ
               : ff->fn_nan_all_ones ? FL_FN : FL_FINITE;
    f->sign_bit = ff->has_sign ? 1ull << (f->E + f->M) : 0;
    f->man_mask = (1ull << f->M) - 1;
    f->exp_mask = ((1ull << f->E) - 1) << f->M;
    int top = (1 << f->E) - 1;
    switch (f->flavour) {
    case FL_IEEE: f->max_be = top - 1; f->max_finite = ((uint64_t)(top - 1) << f->M) | f->man_mask; break;
    case FL_FN: f->max_be = top; f->max_finite = f->exp_mask | (f->man_mask - 1); break;
    case FL_E8M0: f->max_be = top - 1; f->max_finite = (uint64_t)(top - 1); break;
    default: f->max_be = top; f->max_finite = f->exp_mask | f->man_mask; break;
    }
}

static void decode_float(const ffmt *f, uint64_t bits, num *x) {
    uint64_t width_mask = (f->sign_bit ? f->sign_bit << 1 : 1ull << (f->E + f->M)) - 1;
    bits &= width_mask; /* sub-byte encodings: only the low bits count */
    uint64_t a = bits & (f->exp_mask | f->man_mask);
    unsigned be = (unsigned)(a >> f->M);
    uint64_t fr = a & f->man_mask;
    x->neg = f->sign_bit && (bits & f->sign_bit);
    x->payload = 0;
    switch (f->flavour) {
    case FL_E8M0:
        if (a == 0xFF) { x->cls = NUM_NAN; return; }
        x->cls = NUM_FINITE; x->mant = 1; x->exp = (int)be - f->bias;
        return;
    case FL_FNUZ:
        if (bits == f->sign_bit) { x->cls = NUM_NAN; return; } /* the sign bit is set: -NaN */
        break;
    case FL_FN:
        if (a == (f->exp_mask | f->man_mask)) { x->cls = NUM_NAN; return; }
        break;
    case FL_IEEE:
        if ((a & f->exp_mask) == f->exp_mask) {
            x->cls = fr ? NUM_NAN : NUM_INF;
            x->payload = fr << (64 - f->M);
            return;
        }
        break;
    default: break;
    }
    if (a == 0) { x->cls = NUM_ZERO; return; }
    x->cls = NUM_FINITE;
    if (be == 0) { x->mant = fr; x->exp = 1 - f->bias - (int)f->M; }
    else { x->mant = fr | (1ull << f->M); x->exp = (int)be - f->bias - (int)f->M; }
}

static uint64_t nan_bits(const ffmt *f, bool neg, uint64_t payload) {
    uint64_t s = neg ? f->sign_bit : 0;
    switch (f->flavour) {
    case FL_IEEE: return s | f->exp_mask | (1ull << (f->M - 1)) | (payload >> (64 - f->M));
    case FL_FN: return s | f->exp_mask | f->man_mask;
    case FL_FNUZ: return f->sign_bit;
    case FL_E8M0: return 0xFF;
    default: return neg ? 0 : f->sign_bit; /* ml_dtypes: NaN -> -0, -NaN -> +0 (no NaN to give) */
    }
}

/* What a too-large magnitude (or an infinity) becomes. */
static uint64_t overflow_bits(const ffmt *f, bool neg) {
    uint64_t s = neg ? f->sign_bit : 0;
    switch (f->flavour) {
    case FL_IEEE: return s | f->exp_mask;
    case FL_FN: return s | f->exp_mask | f->man_mask;
    case FL_FNUZ: return f->sign_bit;
    case FL_E8M0: return 0xFF;
    default: return s | f->max_finite; /* no inf, no NaN: saturate */
    }
}

static inline int clz64(uint64_t v) { /* v != 0 */
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clzll(v);
#else
    int n = 0;
    while (!(v >> 63)) { v <<= 1; n++; }
    return n;
#endif
}

static uint64_t encode_float(const ffmt *f, const num *x) {
    uint64_t s = x->neg ? f->sign_bit : 0;
    switch (x->cls) {
    case NUM_NAN: return nan_bits(f, x->neg, x->payload);
    case NUM_INF: return overflow_bits(f, x->neg);
    case NUM_ZERO:
        if (f->flavour == FL_E8M0) return 0xFF;      /* no zero to give */
        return f->flavour == FL_FNUZ ? 0 : s;         /* FNUZ has no -0 */
    default: break;
    }
    if (f->flavour == FL_E8M0 && x->neg) return 0xFF; /* unsigned format */
    int lz = clz64(x->mant);
    uint64_t m = x->mant << lz;                      /* value = m / 2^63 * 2^e2 */
    long be = (long)x->exp + 63 - lz + f->bias;      /* biased exponent of the leading bit */
    if (be > f->max_be + 1) return overflow_bits(f, x->neg);
    if (f->flavour == FL_E8M0) {
        /* No zero and no subnormals: below 2^-127 the nearest value is 2^-127 (0x00). The only
         * significand is 1, so a tie (1.5 * 2^k) rounds up, as in ml_dtypes. */
        if (be < 0) return 0;
        uint64_t bits = (uint64_t)be + (m > (1ull << 63) + (1ull << 62) - 1 ? 1 : 0);
        return bits > f->max_finite ? 0xFF : bits;
    }
    unsigned shift = be >= 1 ? 63 - f->M : (unsigned)(63 - f->M + (unsigned long)(1 - be));
    uint64_t q, rem, half;
    if (shift >= 65) { q = 0; rem = 1; half = 2; }                  /* below half the smallest step */
    else if (shift == 64) { q = 0; rem = m; half = 1ull << 63; }
    else { q = m >> shift; rem = m & ((1ull << shift) - 1); half = 1ull << (shift - 1); }
    if (rem > half || (rem == half && (q & 1))) q++;
    uint64_t bits = be >= 1 ? ((uint64_t)(be - 1) << f->M) + q : q; /* a carry bumps the exponent */
    if (bits > f->max_finite) return overflow_bits(f, x->neg);
    if (bits == 0 && f->flavour == FL_FNUZ) return 0;
    return s | bits;
}

/* ---- integers ------------------------------------------------------------------------------ */

/* Raw integer value of an int/bool element, sign- or zero-extended to 64 bits (two's complement). */
static uint64_t load_int(vt_dtype t, const unsigned char *p) {
    unsigned bits = vt_dtype_bits(t);
    uint64_t v;
    switch (vt_dtype_size(t)) {
    case 1: v = p[0]; break;
    case 2: v = ld16(p); break;
    case 4: v = ld32(p); break;
    default: v = ld64(p); break;
    }
    if (t == VT_I1) return v & 1;
    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (vt_dtype_kind_of(t) == VT_KIND_SINT && (v >> (bits - 1)) & 1) v |= ~0ull << bits;
    }
    return v;
}

/* Stores v wrapped to the target's width (sub-byte: sign- or zero-extended through the byte). */
static void store_int(vt_dtype t, unsigned char *p, uint64_t v) {
    unsigned bits = vt_dtype_bits(t);
    if (t == VT_I1) { p[0] = v != 0; return; }
    if (bits < 8) {
        v &= (1ull << bits) - 1;
        if (vt_dtype_kind_of(t) == VT_KIND_SINT && (v >> (bits - 1)) & 1) v |= ~0ull << bits;
    }
    switch (vt_dtype_size(t)) {
    case 1: p[0] = (unsigned char)v; break;
    case 2: st16(p, (uint16_t)v); break;
    case 4: st32(p, (uint32_t)v); break;
    default: st64(p, v); break;
    }
}

static void int_to_num(uint64_t v, bool is_signed, num *x) {
    x->payload = 0;
    x->exp = 0;
    x->neg = is_signed && (int64_t)v < 0;
    x->mant = x->neg ? 0 - v : v;
    x->cls = v ? NUM_FINITE : NUM_ZERO;
}

/* Truncates toward zero and saturates to the target's range; NaN -> 0. Result is raw bits. */
static uint64_t num_to_int(vt_dtype t, const num *x) {
    unsigned bits = vt_dtype_bits(t);
    bool sgn = vt_dtype_kind_of(t) == VT_KIND_SINT;
    uint64_t maxv = sgn ? (1ull << (bits - 1)) - 1 : bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t minmag = sgn ? 1ull << (bits - 1) : 0; /* magnitude of the most negative value */
    uint64_t mag;
    switch (x->cls) {
    case NUM_NAN:
    case NUM_ZERO: return 0;
    case NUM_INF: mag = ~0ull; break;
    default:
        if (x->exp >= 0) {
            if (x->exp >= 64) mag = ~0ull;
            else if (x->exp > 0 && (x->mant >> (64 - x->exp)) != 0) mag = ~0ull;
            else mag = x->mant << x->exp;
        } else {
            mag = x->exp <= -64 ? 0 : x->mant >> -x->exp;
        }
        break;
    }
    if (x->neg) return mag > minmag ? 0 - minmag : 0 - mag;
    return mag > maxv ? maxv : mag;
}

/* ---- generic element path ------------------------------------------------------------------- */
typedef struct codec {
    vt_dtype t;
    vt_dtype_kind kind;
    size_t size;
    ffmt f; /* floats, and the part format of complex types */
} codec;

static void codec_init(codec *c, vt_dtype t) {
    c->t = t;
    c->kind = vt_dtype_kind_of(t);
    c->size = vt_dtype_size(t);
    if (c->kind == VT_KIND_FLOAT) ffmt_init(&c->f, t);
    else if (c->kind == VT_KIND_COMPLEX) ffmt_init(&c->f, vt_complex_part_dtype(t));
}

static uint64_t load_bits(size_t size, const unsigned char *p) {
    switch (size) {
    case 1: return p[0];
    case 2: return ld16(p);
    case 4: return ld32(p);
    default: return ld64(p);
    }
}

static void store_bits(size_t size, unsigned char *p, uint64_t v) {
    switch (size) {
    case 1: p[0] = (unsigned char)v; break;
    case 2: st16(p, (uint16_t)v); break;
    case 4: st32(p, (uint32_t)v); break;
    default: st64(p, v); break;
    }
}

/* Decodes element p (complex: the real part) and reports whether an imaginary part is nonzero. */
static void load_num(const codec *c, const unsigned char *p, num *x, bool *imag_nonzero) {
    *imag_nonzero = false;
    switch (c->kind) {
    case VT_KIND_BOOL:
    case VT_KIND_SINT: int_to_num(load_int(c->t, p), true, x); break;
    case VT_KIND_UINT: int_to_num(load_int(c->t, p), false, x); break;
    case VT_KIND_FLOAT: decode_float(&c->f, load_bits(c->size, p), x); break;
    case VT_KIND_COMPLEX: {
        size_t half = c->size / 2;
        num im;
        decode_float(&c->f, load_bits(half, p), x);
        decode_float(&c->f, load_bits(half, p + half), &im);
        *imag_nonzero = im.cls != NUM_ZERO;
        break;
    }
    }
}

static void store_num(const codec *c, unsigned char *p, const num *x, bool imag_nonzero) {
    switch (c->kind) {
    /* complex -> i1 looks at the real part only, as XLA and the StableHLO interpreter do. */
    case VT_KIND_BOOL: p[0] = x->cls != NUM_ZERO; (void)imag_nonzero; break;
    case VT_KIND_SINT:
    case VT_KIND_UINT: store_int(c->t, p, num_to_int(c->t, x)); break;
    case VT_KIND_FLOAT: store_bits(c->size, p, encode_float(&c->f, x)); break;
    case VT_KIND_COMPLEX: {
        size_t half = c->size / 2;
        store_bits(half, p, encode_float(&c->f, x));
        store_bits(half, p + half, 0);
        break;
    }
    }
}

static void convert_generic(vt_dtype st, const unsigned char *s, vt_dtype dt, unsigned char *d, size_t n) {
    codec sc, dc;
    codec_init(&sc, st);
    codec_init(&dc, dt);
    bool s_int = sc.kind == VT_KIND_BOOL || sc.kind == VT_KIND_SINT || sc.kind == VT_KIND_UINT;
    bool d_int = dc.kind == VT_KIND_BOOL || dc.kind == VT_KIND_SINT || dc.kind == VT_KIND_UINT;
    if (s_int && d_int) { /* integers wrap like C casts; to bool is != 0 */
        for (size_t i = 0; i < n; i++) store_int(dt, d + i * dc.size, load_int(st, s + i * sc.size));
        return;
    }
    /* Per component. The two complex pairs have fast loops today; this keeps the generic path
     * complete on its own. */
    if (sc.kind == VT_KIND_COMPLEX && dc.kind == VT_KIND_COMPLEX) {
        size_t sh = sc.size / 2, dh = dc.size / 2;
        for (size_t i = 0; i < 2 * n; i++) {
            num x;
            decode_float(&sc.f, load_bits(sh, s + i * sh), &x);
            store_bits(dh, d + i * dh, encode_float(&dc.f, &x));
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        num x;
        bool im;
        load_num(&sc, s + i * sc.size, &x, &im);
        store_num(&dc, d + i * dc.size, &x, im);
    }
}

/* One-byte sources (8-bit and sub-byte integers, every 8-bit or smaller float) have at most 256
 * distinct inputs: convert those once with the generic path and look the rest up, which makes
 * dequantising f8 / i4 weights a table walk. */
static void convert_lut(vt_dtype st, const unsigned char *s, vt_dtype dt, unsigned char *d, size_t n) {
    unsigned char bytes[256];
    _Alignas(16) unsigned char lut[256 * 16];
    for (int i = 0; i < 256; i++) bytes[i] = (unsigned char)i;
    convert_generic(st, bytes, dt, lut, 256);
    size_t ds = vt_dtype_size(dt);
    switch (ds) {
    case 1: for (size_t i = 0; i < n; i++) d[i] = lut[s[i]]; break;
    case 2: for (size_t i = 0; i < n; i++) memcpy(d + 2 * i, lut + 2 * s[i], 2); break;
    case 4: for (size_t i = 0; i < n; i++) memcpy(d + 4 * i, lut + 4 * s[i], 4); break;
    case 8: for (size_t i = 0; i < n; i++) memcpy(d + 8 * i, lut + 8 * s[i], 8); break;
    default: for (size_t i = 0; i < n; i++) memcpy(d + 16 * i, lut + 16 * s[i], 16); break;
    }
}

/* ---- hot-pair loops ------------------------------------------------------------------------- */
typedef void (*kernel_fn)(const unsigned char *s, unsigned char *d, size_t n);

/* The hot loops are plain C that the compiler vectorises. On x86-64 with GCC they are also
 * compiled for AVX2 and AVX-512 and picked at load time (ifunc), because the baseline SSE2 build
 * lacks the wide packs and 64-bit compares these loops need to run at memory speed. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(VT_NO_CLONES)
#define HOT __attribute__((target_clones("arch=skylake-avx512", "avx2", "default")))
#else
#define HOT
#endif

#define UNARY_LOOP(NAME, SW, LD, DW, ST, FN)                                                       \
    HOT static void NAME(const unsigned char *restrict s, unsigned char *restrict d, size_t n) {      \
        for (size_t i = 0; i < n; i++) ST(d + i * (DW), FN(LD(s + i * (SW))));                    \
    }
UNARY_LOOP(k_f32_bf16, 4, ld32, 2, st16, f32_to_bf16)
UNARY_LOOP(k_bf16_f32, 2, ld16, 4, st32, bf16_to_f32)
UNARY_LOOP(k_f32_f16, 4, ld32, 2, st16, f32_to_f16)
UNARY_LOOP(k_f16_f32, 2, ld16, 4, st32, f16_to_f32)
UNARY_LOOP(k_f32_f64, 4, ld32, 8, st64, f32_to_f64)
UNARY_LOOP(k_f64_f32, 8, ld64, 4, st32, f64_to_f32)
UNARY_LOOP(k_f64_f16, 8, ld64, 2, st16, f64_to_f16)
UNARY_LOOP(k_f64_bf16, 8, ld64, 2, st16, f64_to_bf16)
static inline uint64_t f16_to_f64(uint16_t h) { return f32_to_f64(f16_to_f32(h)); }
static inline uint64_t bf16_to_f64(uint16_t h) { return f32_to_f64(bf16_to_f32(h)); }
UNARY_LOOP(k_f16_f64, 2, ld16, 8, st64, f16_to_f64)
UNARY_LOOP(k_bf16_f64, 2, ld16, 8, st64, bf16_to_f64)

/* f32 -> a small float format (E exponent bits, M mantissa bits, bias B, flavour FL): the same
 * scheme as f32_to_f16, with the flavour's overflow, NaN and zero rules applied by masks. Every
 * format but f8E8M0FNU (no significand, no zero) has one. The scaled value r is subnormal only
 * for inputs below 2^-126, which round to zero in every small format, flushed or not. */
#define F32_TO_SMALL(NAME, E, M, B, FL)                                                            \
    static inline uint8_t NAME(uint32_t w) {                                                       \
        const uint32_t sbit = 1u << ((E) + (M)), man = (1u << (M)) - 1;                            \
        const uint32_t expm = ((1u << (E)) - 1) << (M);                                            \
        const uint32_t maxf = (FL) == FL_IEEE ? expm - 1 : (FL) == FL_FN ? expm + man - 1 : expm + man; \
        uint32_t a = w & 0x7FFFFFFFu, s = (0u - (w >> 31)) & sbit;                                 \
        uint32_t n = a - ((uint32_t)(127 - (B)) << 23);                                            \
        n = (n + (1u << (22 - (M))) - 1 + ((n >> (23 - (M))) & 1u)) >> (23 - (M));                \
        float r = f32_of(a) * f32_of((uint32_t)(127 + (B) - 1 + (M)) << 23);                      \
        uint32_t sub = bits_of_f32(r + 0x1p23f) - 0x4B000000u;                                     \
        uint32_t mag = sel32(a >= ((uint32_t)(127 + 1 - (B)) << 23), n, sub);                      \
        uint32_t fin = (FL) == FL_FNUZ ? sel32(mag == 0, 0, s | mag) : s | mag;                    \
        uint32_t big = (FL) == FL_IEEE ? s | expm : (FL) == FL_FN ? s | expm | man                 \
                     : (FL) == FL_FNUZ ? sbit : s | maxf;                                          \
        uint32_t nan = (FL) == FL_IEEE ? s | expm | (1u << ((M) - 1)) | ((a >> (23 - (M))) & man)  \
                     : (FL) == FL_FN ? s | expm | man : (FL) == FL_FNUZ ? sbit : s ^ sbit;         \
        return (uint8_t)sel32(a > 0x7F800000u, nan, sel32(mag > maxf, big, fin));                 \
    }
F32_TO_SMALL(f32_to_f4e2m1fn, 2, 1, 1, FL_FINITE)
F32_TO_SMALL(f32_to_f6e2m3fn, 2, 3, 1, FL_FINITE)
F32_TO_SMALL(f32_to_f6e3m2fn, 3, 2, 3, FL_FINITE)
F32_TO_SMALL(f32_to_f8e3m4, 3, 4, 3, FL_IEEE)
F32_TO_SMALL(f32_to_f8e4m3, 4, 3, 7, FL_IEEE)
F32_TO_SMALL(f32_to_f8e4m3fn, 4, 3, 7, FL_FN)
F32_TO_SMALL(f32_to_f8e4m3fnuz, 4, 3, 8, FL_FNUZ)
F32_TO_SMALL(f32_to_f8e4m3b11fnuz, 4, 3, 11, FL_FNUZ)
F32_TO_SMALL(f32_to_f8e5m2, 5, 2, 15, FL_IEEE)
F32_TO_SMALL(f32_to_f8e5m2fnuz, 5, 2, 16, FL_FNUZ)
#undef F32_TO_SMALL
static inline void st8(unsigned char *p, uint8_t v) { p[0] = v; }
UNARY_LOOP(k_f32_f4e2m1fn, 4, ld32, 1, st8, f32_to_f4e2m1fn)
UNARY_LOOP(k_f32_f6e2m3fn, 4, ld32, 1, st8, f32_to_f6e2m3fn)
UNARY_LOOP(k_f32_f6e3m2fn, 4, ld32, 1, st8, f32_to_f6e3m2fn)
UNARY_LOOP(k_f32_f8e3m4, 4, ld32, 1, st8, f32_to_f8e3m4)
UNARY_LOOP(k_f32_f8e4m3, 4, ld32, 1, st8, f32_to_f8e4m3)
UNARY_LOOP(k_f32_f8e4m3fn, 4, ld32, 1, st8, f32_to_f8e4m3fn)
UNARY_LOOP(k_f32_f8e4m3fnuz, 4, ld32, 1, st8, f32_to_f8e4m3fnuz)
UNARY_LOOP(k_f32_f8e4m3b11fnuz, 4, ld32, 1, st8, f32_to_f8e4m3b11fnuz)
UNARY_LOOP(k_f32_f8e5m2, 4, ld32, 1, st8, f32_to_f8e5m2)
UNARY_LOOP(k_f32_f8e5m2fnuz, 4, ld32, 1, st8, f32_to_f8e5m2fnuz)


/* Complex <-> real of the same part type, and complex <-> complex (both parts). */
static void k_c64_f32(const unsigned char *s, unsigned char *d, size_t n) {
    for (size_t i = 0; i < n; i++) memcpy(d + 4 * i, s + 8 * i, 4);
}
static void k_c128_f64(const unsigned char *s, unsigned char *d, size_t n) {
    for (size_t i = 0; i < n; i++) memcpy(d + 8 * i, s + 16 * i, 8);
}
static void k_f32_c64(const unsigned char *s, unsigned char *d, size_t n) {
    for (size_t i = 0; i < n; i++) { memcpy(d + 8 * i, s + 4 * i, 4); st32(d + 8 * i + 4, 0); }
}
static void k_f64_c128(const unsigned char *s, unsigned char *d, size_t n) {
    for (size_t i = 0; i < n; i++) { memcpy(d + 16 * i, s + 8 * i, 8); st64(d + 16 * i + 8, 0); }
}
static void k_c64_c128(const unsigned char *s, unsigned char *d, size_t n) { k_f32_f64(s, d, 2 * n); }
static void k_c128_c64(const unsigned char *s, unsigned char *d, size_t n) { k_f64_f32(s, d, 2 * n); }

/* Integer <-> integer of the standard widths: C casts wrap (GCC and Clang define the narrowing
 * of signed types as modulo 2^N); same-width pairs are a byte copy. */
#define INT_CAST(SN, ST, DN, DT)                                                                   \
    static void k_##SN##_##DN(const unsigned char *restrict s, unsigned char *restrict d, size_t n) { \
        for (size_t i = 0; i < n; i++) {                                                           \
            ST v;                                                                                  \
            memcpy(&v, s + i * sizeof(ST), sizeof v);                                              \
            DT w = (DT)v;                                                                          \
            memcpy(d + i * sizeof(DT), &w, sizeof w);                                              \
        }                                                                                          \
    }
#define INT_ROW(SN, ST)                                                                            \
    INT_CAST(SN, ST, i8, int8_t) INT_CAST(SN, ST, i16, int16_t) INT_CAST(SN, ST, i32, int32_t)     \
    INT_CAST(SN, ST, i64, int64_t) INT_CAST(SN, ST, u8, uint8_t) INT_CAST(SN, ST, u16, uint16_t)   \
    INT_CAST(SN, ST, u32, uint32_t) INT_CAST(SN, ST, u64, uint64_t)
INT_ROW(i8, int8_t)
INT_ROW(i16, int16_t)
INT_ROW(i32, int32_t)
INT_ROW(i64, int64_t)
INT_ROW(u8, uint8_t)
INT_ROW(u16, uint16_t)
INT_ROW(u32, uint32_t)
INT_ROW(u64, uint64_t)
#define INT_TABLE_ROW(SN) {k_##SN##_i8, k_##SN##_i16, k_##SN##_i32, k_##SN##_i64, \
                           k_##SN##_u8, k_##SN##_u16, k_##SN##_u32, k_##SN##_u64}
static const kernel_fn int_casts[8][8] = {
    INT_TABLE_ROW(i8), INT_TABLE_ROW(i16), INT_TABLE_ROW(i32), INT_TABLE_ROW(i64),
    INT_TABLE_ROW(u8), INT_TABLE_ROW(u16), INT_TABLE_ROW(u32), INT_TABLE_ROW(u64),
};

/* Integer -> f32/f64: a C conversion rounds once, to nearest even (the default mode), straight
 * from the integer (64-bit integers included: no detour through double). */
#define INT_TO_FLOAT(SN, ST, DN, DT)                                                               \
    HOT static void k_##SN##_##DN(const unsigned char *restrict s, unsigned char *restrict d, size_t n) { \
        for (size_t i = 0; i < n; i++) {                                                           \
            ST v;                                                                                  \
            memcpy(&v, s + i * sizeof(ST), sizeof v);                                              \
            DT w = (DT)v;                                                                          \
            memcpy(d + i * sizeof(DT), &w, sizeof w);                                              \
        }                                                                                          \
    }
/* f32/f64 -> integer: truncate toward zero, saturate, NaN -> 0 (XLA). The bounds are powers of
 * two, exact in both float types. */
#define FLOAT_TO_INT(SN, ST, DN, DT, LO, HI_EXCL, MINV, MAXV)                                      \
    HOT static void k_##SN##_##DN(const unsigned char *restrict s, unsigned char *restrict d, size_t n) { \
        for (size_t i = 0; i < n; i++) {                                                           \
            ST v;                                                                                  \
            memcpy(&v, s + i * sizeof(ST), sizeof v);                                              \
            DT w = v != v ? (DT)0 : v >= (ST)(HI_EXCL) ? (DT)(MAXV) : v <= (ST)(LO) ? (DT)(MINV)    \
                                                       : (DT)v;                                    \
            memcpy(d + i * sizeof(DT), &w, sizeof w);                                              \
        }                                                                                          \
    }
#define FLOAT_INT_ROW(FN, FT)                                                                      \
    INT_TO_FLOAT(i8, int8_t, FN, FT) INT_TO_FLOAT(i16, int16_t, FN, FT)                            \
    INT_TO_FLOAT(i32, int32_t, FN, FT) INT_TO_FLOAT(i64, int64_t, FN, FT)                          \
    INT_TO_FLOAT(u8, uint8_t, FN, FT) INT_TO_FLOAT(u16, uint16_t, FN, FT)                          \
    INT_TO_FLOAT(u32, uint32_t, FN, FT) INT_TO_FLOAT(u64, uint64_t, FN, FT)                        \
    FLOAT_TO_INT(FN, FT, i8, int8_t, -0x1p7, 0x1p7, INT8_MIN, INT8_MAX)                            \
    FLOAT_TO_INT(FN, FT, i16, int16_t, -0x1p15, 0x1p15, INT16_MIN, INT16_MAX)                      \
    FLOAT_TO_INT(FN, FT, i32, int32_t, -0x1p31, 0x1p31, INT32_MIN, INT32_MAX)                      \
    FLOAT_TO_INT(FN, FT, i64, int64_t, -0x1p63, 0x1p63, INT64_MIN, INT64_MAX)                      \
    FLOAT_TO_INT(FN, FT, u8, uint8_t, 0, 0x1p8, 0, UINT8_MAX)                                      \
    FLOAT_TO_INT(FN, FT, u16, uint16_t, 0, 0x1p16, 0, UINT16_MAX)                                  \
    FLOAT_TO_INT(FN, FT, u32, uint32_t, 0, 0x1p32, 0, UINT32_MAX)                                  \
    FLOAT_TO_INT(FN, FT, u64, uint64_t, 0, 0x1p64, 0, UINT64_MAX)
FLOAT_INT_ROW(f32, float)
FLOAT_INT_ROW(f64, double)
static const kernel_fn int_to_f32[8] = {k_i8_f32, k_i16_f32, k_i32_f32, k_i64_f32,
                                        k_u8_f32, k_u16_f32, k_u32_f32, k_u64_f32};
static const kernel_fn int_to_f64[8] = {k_i8_f64, k_i16_f64, k_i32_f64, k_i64_f64,
                                        k_u8_f64, k_u16_f64, k_u32_f64, k_u64_f64};
static const kernel_fn f32_to_int[8] = {k_f32_i8, k_f32_i16, k_f32_i32, k_f32_i64,
                                        k_f32_u8, k_f32_u16, k_f32_u32, k_f32_u64};
static const kernel_fn f64_to_int[8] = {k_f64_i8, k_f64_i16, k_f64_i32, k_f64_i64,
                                        k_f64_u8, k_f64_u16, k_f64_u32, k_f64_u64};

/* Index of a standard-width integer type in the tables above, or -1. */
static int std_int_index(vt_dtype t) {
    switch (t) {
    case VT_I8: return 0;
    case VT_I16: return 1;
    case VT_I32: return 2;
    case VT_I64: return 3;
    case VT_U8: return 4;
    case VT_U16: return 5;
    case VT_U32: return 6;
    case VT_U64: return 7;
    default: return -1;
    }
}

static kernel_fn fast_kernel(vt_dtype st, vt_dtype dt) {
    int si = std_int_index(st), di = std_int_index(dt);
    if (si >= 0 && di >= 0) return int_casts[si][di];
    if (si >= 0 && dt == VT_F32) return int_to_f32[si];
    if (si >= 0 && dt == VT_F64) return int_to_f64[si];
    if (st == VT_F32 && di >= 0) return f32_to_int[di];
    if (st == VT_F64 && di >= 0) return f64_to_int[di];
#define PAIR(a, b) ((unsigned)(a) * VT_DTYPE_COUNT + (unsigned)(b))
    switch (PAIR(st, dt)) {
    case PAIR(VT_F32, VT_BF16): return k_f32_bf16;
    case PAIR(VT_BF16, VT_F32): return k_bf16_f32;
    case PAIR(VT_F32, VT_F16): return k_f32_f16;
    case PAIR(VT_F16, VT_F32): return k_f16_f32;
    case PAIR(VT_F32, VT_F64): return k_f32_f64;
    case PAIR(VT_F64, VT_F32): return k_f64_f32;
    case PAIR(VT_F64, VT_F16): return k_f64_f16;
    case PAIR(VT_F64, VT_BF16): return k_f64_bf16;
    case PAIR(VT_F16, VT_F64): return k_f16_f64;
    case PAIR(VT_BF16, VT_F64): return k_bf16_f64;
    case PAIR(VT_C64, VT_F32): return k_c64_f32;
    case PAIR(VT_C128, VT_F64): return k_c128_f64;
    case PAIR(VT_F32, VT_C64): return k_f32_c64;
    case PAIR(VT_F64, VT_C128): return k_f64_c128;
    case PAIR(VT_C64, VT_C128): return k_c64_c128;
    case PAIR(VT_C128, VT_C64): return k_c128_c64;
    case PAIR(VT_F32, VT_F4E2M1FN): return k_f32_f4e2m1fn;
    case PAIR(VT_F32, VT_F6E2M3FN): return k_f32_f6e2m3fn;
    case PAIR(VT_F32, VT_F6E3M2FN): return k_f32_f6e3m2fn;
    case PAIR(VT_F32, VT_F8E3M4): return k_f32_f8e3m4;
    case PAIR(VT_F32, VT_F8E4M3): return k_f32_f8e4m3;
    case PAIR(VT_F32, VT_F8E4M3FN): return k_f32_f8e4m3fn;
    case PAIR(VT_F32, VT_F8E4M3FNUZ): return k_f32_f8e4m3fnuz;
    case PAIR(VT_F32, VT_F8E4M3B11FNUZ): return k_f32_f8e4m3b11fnuz;
    case PAIR(VT_F32, VT_F8E5M2): return k_f32_f8e5m2;
    case PAIR(VT_F32, VT_F8E5M2FNUZ): return k_f32_f8e5m2fnuz;
    default: return NULL;
    }
#undef PAIR
}

/* bf16, f16 and 16-bit integers widen to f32 exactly, so going through f32 in blocks rounds
 * only once, in the second step: it gives every target with a fast f32 loop to these sources. */
static bool convert_via_f32(vt_dtype st, const unsigned char *s, vt_dtype dt, unsigned char *d, size_t n) {
    kernel_fn widen = fast_kernel(st, VT_F32), narrow = fast_kernel(VT_F32, dt);
    if (!widen || !narrow) return false;
    size_t ss = vt_dtype_size(st), ds = vt_dtype_size(dt);
    _Alignas(64) unsigned char buf[4096];
    for (size_t i = 0; i < n; i += 1024) {
        size_t k = n - i < 1024 ? n - i : 1024;
        widen(s + i * ss, buf, k);
        narrow(buf, d + i * ds, k);
    }
    return true;
}

/* ---- public entry points -------------------------------------------------------------------- */

static bool valid_dtype(vt_dtype t) { return (int)t >= 0 && t < VT_DTYPE_COUNT; }

/* Invalid dtypes convert nothing (there is no error channel; callers validate dtypes first). */
void vt_convert(vt_dtype src_t, const void *src, vt_dtype dst_t, void *dst, size_t n) {
    if (!valid_dtype(src_t) || !valid_dtype(dst_t) || n == 0) return;
    /* Same type, or same-width integers (two's complement wrap is the identity): a byte copy.
     * Sub-byte types still go element by element so that the output bytes are canonical. */
    bool same_width_ints = vt_dtype_is_int(src_t) && vt_dtype_is_int(dst_t) &&
                           vt_dtype_bits(src_t) == vt_dtype_bits(dst_t);
    if ((src_t == dst_t || same_width_ints) && vt_dtype_bits(src_t) >= 8) {
        memmove(dst, src, n * vt_dtype_size(src_t));
        return;
    }
    kernel_fn k = fast_kernel(src_t, dst_t);
    if (k) {
        k(src, dst, n);
        return;
    }
    bool widens_exactly = src_t == VT_BF16 || src_t == VT_F16 || src_t == VT_I16 || src_t == VT_U16;
    if (widens_exactly && convert_via_f32(src_t, src, dst_t, dst, n)) return;
    if (vt_dtype_size(src_t) == 1 && n >= 512) convert_lut(src_t, src, dst_t, dst, n);
    else convert_generic(src_t, src, dst_t, dst, n);
}

double vt_load_f64(vt_dtype t, const void *elem) {
    double v = 0;
    vt_convert(t, elem, VT_F64, &v, 1);
    return v;
}

void vt_store_f64(vt_dtype t, void *elem, double v) { vt_convert(VT_F64, &v, t, elem, 1); }

int64_t vt_load_i64(vt_dtype t, const void *elem) {
    int64_t v = 0;
    vt_convert(t, elem, VT_I64, &v, 1);
    return v;
}

uint64_t vt_load_u64(vt_dtype t, const void *elem) {
    uint64_t v = 0;
    vt_convert(t, elem, VT_U64, &v, 1);
    return v;
}

void vt_store_i64(vt_dtype t, void *elem, int64_t v) { vt_convert(VT_I64, &v, t, elem, 1); }
void vt_store_u64(vt_dtype t, void *elem, uint64_t v) { vt_convert(VT_U64, &v, t, elem, 1); }
