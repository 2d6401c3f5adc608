/* Binary elementwise kernels: arithmetic, max/min, power, atan2, remainder, logic, shifts and
 * complex(), one loop per (op, compute type). Implementation-defined integer cases follow XLA
 * (docs/elementwise.md): x / 0 = -1, INT_MIN / -1 = INT_MIN, x % 0 = x, big shifts saturate. */
#include "interp/k_elementwise.h"

#include <complex.h>
#include <math.h>
#include <string.h>

#ifndef CMPLX /* glibc's <complex.h> defines it only for GCC: build it through the layout C11 fixes */
static inline double _Complex vt_cmplx(double re, double im) {
    union { double _Complex z; double p[2]; } u;
    u.p[0] = re;
    u.p[1] = im;
    return u.z;
}
#define CMPLX(x, y) vt_cmplx((x), (y))
#endif

static const char *const bin_names[VT_BIN_COUNT] = {
#define VT_X(e, n) n,
    VT_BINARY_OPS(VT_X)
#undef VT_X
};

const char *vt_binary_op_name(vt_binary_op op) {
    return (unsigned)op < VT_BIN_COUNT ? bin_names[op] : "invalid";
}

bool vt_binary_op_from_name(const char *name, vt_binary_op *op) {
    if (strncmp(name, "stablehlo.", 10) == 0) name += 10;
    else if (strncmp(name, "chlo.", 5) == 0) name += 5;
    /* the spellings JAX and older StableHLO text also use */
    if (strcmp(name, "max") == 0) name = "maximum";
    else if (strcmp(name, "min") == 0) name = "minimum";
    else if (strcmp(name, "pow") == 0) name = "power";
    else if (strcmp(name, "nextafter") == 0) name = "next_after";
    for (int i = 0; i < VT_BIN_COUNT; i++)
        if (strcmp(bin_names[i], name) == 0) {
            *op = (vt_binary_op)i;
            return true;
        }
    return false;
}

/* IEEE-754 maximum/minimum: NaN propagates (the first NaN operand wins), -0 < +0. */
#define MAXF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b) > (a) ? (b) : signbit(a) ? (b) : (a))
#define MINF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) < (b) ? (a) : (b) < (a) ? (b) : signbit(a) ? (a) : (b))

/* ---- real floats: native type for the correctly rounded ops, double for the rest ----------- */
#define BINF_OPS(X)                                                                               \
    X(ADD, a + b) X(SUB, a - b) X(MUL, a * b) X(DIV, a / b) X(MAX, MAXF(a, b)) X(MIN, MINF(a, b)) \
    X(REM, (T)fmod((double)a, (double)b)) X(POW, (T)pow((double)a, (double)b))                    \
    X(ATAN2, (T)atan2((double)a, (double)b))

#define DEF_BINF(OP, EXPR)                                                                        \
    static void binf32_##OP(const vt_k_op *k, const void *const *in, void *out, size_t n) {       \
        typedef float T;                                                                          \
        (void)k;                                                                                  \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        for (size_t i = 0; i < n; i++) {                                                          \
            T a = pa[i], b = pb[i];                                                               \
            o[i] = (EXPR);                                                                        \
        }                                                                                         \
    }                                                                                             \
    static void binf64_##OP(const vt_k_op *k, const void *const *in, void *out, size_t n) {       \
        typedef double T;                                                                         \
        (void)k;                                                                                  \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        for (size_t i = 0; i < n; i++) {                                                          \
            T a = pa[i], b = pb[i];                                                               \
            o[i] = (EXPR);                                                                        \
        }                                                                                         \
    }
BINF_OPS(DEF_BINF)
#undef DEF_BINF

static const vt_k_core_fn binf32[VT_BIN_COUNT] = {
#define ENT(OP, EXPR) [VT_BIN_##OP] = binf32_##OP,
    BINF_OPS(ENT)
#undef ENT
};
static const vt_k_core_fn binf64[VT_BIN_COUNT] = {
#define ENT(OP, EXPR) [VT_BIN_##OP] = binf64_##OP,
    BINF_OPS(ENT)
#undef ENT
};

static void nextafter_f32(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    (void)k;
    const float *a = in[0], *b = in[1];
    float *o = out;
    for (size_t i = 0; i < n; i++) o[i] = nextafterf(a[i], b[i]);
}
static void nextafter_f64(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    (void)k;
    const double *a = in[0], *b = in[1];
    double *o = out;
    for (size_t i = 0; i < n; i++) o[i] = nextafter(a[i], b[i]);
}
/* Narrow formats are sign-magnitude encodings: step the magnitude bits by one. */
static void nextafter_narrow(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    vt_dtype t = k->in_t[0];
    size_t es = vt_dtype_size(t);
    const vt_float_format *f = vt_float_format_of(t);
    uint32_t sign = 1u << (vt_dtype_bits(t) - 1);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *pa = (const uint8_t *)in[0] + i * es, *pb = (const uint8_t *)in[1] + i * es;
        uint32_t ua = es == 1 ? pa[0] : (uint32_t)(pa[0] | (pa[1] << 8));
        uint32_t ub = es == 1 ? pb[0] : (uint32_t)(pb[0] | (pb[1] << 8));
        double a = vt_load_f64(t, pa), b = vt_load_f64(t, pb);
        uint32_t r;
        if (isnan(a)) r = ua;
        else if (isnan(b)) r = ub;
        else if (a == b) r = ub;
        else if (a == 0) r = b > 0 ? 1u : (sign | 1u);
        else if ((a < b) == (a > 0)) r = ua + 1u; /* away from zero */
        else r = ua - 1u;
        if (r == sign && f->nan_is_neg_zero) r = 0; /* FNUZ: that pattern is NaN, not -0 */
        uint8_t *po = (uint8_t *)out + i * es;
        po[0] = (uint8_t)r;
        if (es == 2) po[1] = (uint8_t)(r >> 8);
    }
}

/* ---- complex (computed in double complex; C's * and / handle inf/NaN per Annex G) --------- */
typedef double _Complex dcplx;

static inline bool c_isnan(dcplx z) { return isnan(creal(z)) || isnan(cimag(z)); }
/* lexicographic on (real, imag) with the float comparison; a NaN operand propagates */
static inline dcplx c_max(dcplx a, dcplx b) {
    if (c_isnan(a)) return a;
    if (c_isnan(b)) return b;
    if (creal(a) != creal(b)) return creal(a) > creal(b) ? a : b;
    return cimag(a) >= cimag(b) ? a : b;
}
static inline dcplx c_min(dcplx a, dcplx b) {
    if (c_isnan(a)) return a;
    if (c_isnan(b)) return b;
    if (creal(a) != creal(b)) return creal(a) < creal(b) ? a : b;
    return cimag(a) <= cimag(b) ? a : b;
}
static inline dcplx c_pow(dcplx a, dcplx b) {
    if (creal(a) == 0 && cimag(a) == 0) {
        if (creal(b) == 0 && cimag(b) == 0) return 1.0;
        if (cimag(b) == 0 && creal(b) > 0) return 0.0;
    }
    return cpow(a, b);
}
/* atan2(y, x) = -i log((x + iy) / sqrt(x^2 + y^2)), the reference interpreter's definition */
static inline dcplx c_atan2(dcplx y, dcplx x) {
    return -I * clog((x + I * y) / csqrt(x * x + y * y));
}

#define BINC_OPS(X)                                                                               \
    X(ADD, a + b) X(SUB, a - b) X(MUL, a * b) X(DIV, a / b) X(MAX, c_max(a, b)) X(MIN, c_min(a, b)) \
    X(POW, c_pow(a, b)) X(ATAN2, c_atan2(a, b))

#define DEF_BINC(OP, EXPR)                                                                        \
    static void binc64_##OP(const vt_k_op *k, const void *const *in, void *out, size_t n) {       \
        (void)k;                                                                                  \
        const float *pa = in[0], *pb = in[1];                                                     \
        float *o = out;                                                                           \
        for (size_t i = 0; i < n; i++) {                                                          \
            dcplx a = CMPLX((double)pa[2 * i], (double)pa[2 * i + 1]);                            \
            dcplx b = CMPLX((double)pb[2 * i], (double)pb[2 * i + 1]);                            \
            dcplx r = (EXPR);                                                                     \
            o[2 * i] = (float)creal(r);                                                           \
            o[2 * i + 1] = (float)cimag(r);                                                       \
        }                                                                                         \
    }                                                                                             \
    static void binc128_##OP(const vt_k_op *k, const void *const *in, void *out, size_t n) {      \
        (void)k;                                                                                  \
        const double *pa = in[0], *pb = in[1];                                                    \
        double *o = out;                                                                          \
        for (size_t i = 0; i < n; i++) {                                                          \
            dcplx a = CMPLX(pa[2 * i], pa[2 * i + 1]);                                            \
            dcplx b = CMPLX(pb[2 * i], pb[2 * i + 1]);                                            \
            dcplx r = (EXPR);                                                                     \
            o[2 * i] = creal(r);                                                                  \
            o[2 * i + 1] = cimag(r);                                                              \
        }                                                                                         \
    }
BINC_OPS(DEF_BINC)
#undef DEF_BINC

static const vt_k_core_fn binc64[VT_BIN_COUNT] = {
#define ENT(OP, EXPR) [VT_BIN_##OP] = binc64_##OP,
    BINC_OPS(ENT)
#undef ENT
};
static const vt_k_core_fn binc128[VT_BIN_COUNT] = {
#define ENT(OP, EXPR) [VT_BIN_##OP] = binc128_##OP,
    BINC_OPS(ENT)
#undef ENT
};

static void complex_f32(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    (void)k;
    const float *a = in[0], *b = in[1];
    float *o = out;
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = a[i];
        o[2 * i + 1] = b[i];
    }
}
static void complex_f64(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    (void)k;
    const double *a = in[0], *b = in[1];
    double *o = out;
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = a[i];
        o[2 * i + 1] = b[i];
    }
}

/* ---- integers ------------------------------------------------------------------------------- */
static inline uint64_t ipow_u64(uint64_t base, uint64_t e) {
    uint64_t acc = 1;
    while (e) { /* wraps modulo 2^64; truncation to the type keeps the low bits exact */
        if (e & 1u) acc *= base;
        base *= base;
        e >>= 1;
    }
    return acc;
}

#define INT_LOOP(SUF, NAME, T, EXPR)                                                              \
    static void NAME##_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {      \
        (void)k;                                                                                  \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        for (size_t i = 0; i < n; i++) {                                                          \
            T a = pa[i], b = pb[i];                                                               \
            o[i] = (T)(EXPR);                                                                     \
        }                                                                                         \
    }

/* Shifts read the width from k->bits so that sub-byte types shift within their width. The
 * amount is taken as unsigned (a negative amount is a huge one), as XLA does. */
#define INT_SHIFTS(SUF, T, UT)                                                                    \
    static void shl_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {         \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        unsigned w = k->bits;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                          \
            uint64_t s = (uint64_t)(UT)pb[i];                                                     \
            o[i] = s >= w ? (T)0 : (T)(UT)((UT)pa[i] << s);                                       \
        }                                                                                         \
    }                                                                                             \
    static void shrl_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {        \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        unsigned w = k->bits;                                                                     \
        uint64_t m = w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);                           \
        for (size_t i = 0; i < n; i++) {                                                          \
            uint64_t s = (uint64_t)(UT)pb[i];                                                     \
            o[i] = s >= w ? (T)0 : (T)(UT)(((uint64_t)(UT)pa[i] & m) >> s);                       \
        }                                                                                         \
    }                                                                                             \
    static void shra_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {        \
        const T *pa = in[0], *pb = in[1];                                                         \
        T *o = out;                                                                               \
        unsigned w = k->bits;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                          \
            uint64_t s = (uint64_t)(UT)pb[i];                                                     \
            /* the operand's bits read as a signed w-bit number, also for unsigned types */       \
            int64_t v = (int64_t)((uint64_t)(UT)pa[i] << (64u - w)) >> (64u - w);                 \
            int64_t r = s >= w ? (v < 0 ? -1 : 0) : v >> s;                                       \
            o[i] = (T)(UT)(uint64_t)r;                                                            \
        }                                                                                         \
    }

#define DEF_INT_BIN(SUF, T, UT)                                                                   \
    INT_LOOP(SUF, add, T, (UT)((UT)a + (UT)b))                                                    \
    INT_LOOP(SUF, sub, T, (UT)((UT)a - (UT)b))                                                    \
    INT_LOOP(SUF, mul, T, (UT)((UT)a * (UT)b))                                                    \
    INT_LOOP(SUF, max, T, a > b ? a : b)                                                          \
    INT_LOOP(SUF, min, T, a < b ? a : b)                                                          \
    INT_LOOP(SUF, and, T, (UT)a & (UT)b)                                                          \
    INT_LOOP(SUF, or, T, (UT)a | (UT)b)                                                           \
    INT_LOOP(SUF, xor, T, (UT)a ^ (UT)b)                                                          \
    INT_SHIFTS(SUF, T, UT)

#define DEF_SINT_BIN(SUF, T, UT, TMIN)                                                            \
    DEF_INT_BIN(SUF, T, UT)                                                                       \
    INT_LOOP(SUF, div, T, b == 0 ? (T)-1 : (a == TMIN && b == -1) ? a : (T)(a / b))               \
    INT_LOOP(SUF, rem, T, b == 0 ? a : (b == -1) ? 0 : (T)(a % b))                                \
    INT_LOOP(SUF, pow, T, b < 0 ? (a == 1 ? 1 : 0) : (UT)ipow_u64((uint64_t)(UT)a, (uint64_t)b))

#define DEF_UINT_BIN(SUF, T)                                                                      \
    DEF_INT_BIN(SUF, T, T)                                                                        \
    INT_LOOP(SUF, div, T, b == 0 ? (T)~(T)0 : (T)(a / b))                                         \
    INT_LOOP(SUF, rem, T, b == 0 ? a : (T)(a % b))                                                \
    INT_LOOP(SUF, pow, T, ipow_u64((uint64_t)a, (uint64_t)b))

DEF_SINT_BIN(s8, int8_t, uint8_t, INT8_MIN)
DEF_SINT_BIN(s16, int16_t, uint16_t, INT16_MIN)
DEF_SINT_BIN(s32, int32_t, uint32_t, INT32_MIN)
DEF_SINT_BIN(s64, int64_t, uint64_t, INT64_MIN)
DEF_UINT_BIN(u8, uint8_t)
DEF_UINT_BIN(u16, uint16_t)
DEF_UINT_BIN(u32, uint32_t)
DEF_UINT_BIN(u64, uint64_t)

#define SLOTS(F) {F##_s8, F##_s16, F##_s32, F##_s64, F##_u8, F##_u16, F##_u32, F##_u64}
static const vt_k_core_fn int_tab[VT_BIN_COUNT][8] = {
    [VT_BIN_ADD] = SLOTS(add), [VT_BIN_SUB] = SLOTS(sub), [VT_BIN_MUL] = SLOTS(mul),
    [VT_BIN_DIV] = SLOTS(div), [VT_BIN_REM] = SLOTS(rem), [VT_BIN_MAX] = SLOTS(max),
    [VT_BIN_MIN] = SLOTS(min), [VT_BIN_POW] = SLOTS(pow), [VT_BIN_AND] = SLOTS(and),
    [VT_BIN_OR] = SLOTS(or), [VT_BIN_XOR] = SLOTS(xor), [VT_BIN_SHL] = SLOTS(shl),
    [VT_BIN_SHRA] = SLOTS(shra), [VT_BIN_SHRL] = SLOTS(shrl),
};
#undef SLOTS

/* booleans: add/maximum/or = OR, multiply/minimum/and = AND, xor */
INT_LOOP(bool, or, uint8_t, a | b)
INT_LOOP(bool, and, uint8_t, a & b)
INT_LOOP(bool, xor, uint8_t, a ^ b)

static int int_slot(vt_dtype t) {
    switch (t) {
    case VT_I2: case VT_I4: case VT_I8: return 0;
    case VT_I16: return 1;
    case VT_I32: return 2;
    case VT_I64: return 3;
    case VT_U2: case VT_U4: case VT_U8: return 4;
    case VT_U16: return 5;
    case VT_U32: return 6;
    case VT_U64: return 7;
    default: return -1;
    }
}

vt_dtype vt_binary_result_dtype(vt_binary_op op, vt_dtype in) {
    if ((unsigned)op >= VT_BIN_COUNT || (int)in < 0 || in >= VT_DTYPE_COUNT) return VT_DTYPE_INVALID;
    switch (vt_dtype_kind_of(in)) {
    case VT_KIND_BOOL:
        return (op == VT_BIN_ADD || op == VT_BIN_MUL || op == VT_BIN_MAX || op == VT_BIN_MIN ||
                op == VT_BIN_AND || op == VT_BIN_OR || op == VT_BIN_XOR)
                   ? VT_I1
                   : VT_DTYPE_INVALID;
    case VT_KIND_SINT:
    case VT_KIND_UINT:
        return int_tab[op][0] ? in : VT_DTYPE_INVALID;
    case VT_KIND_FLOAT:
        if (op == VT_BIN_COMPLEX) return in == VT_F32 ? VT_C64 : in == VT_F64 ? VT_C128 : VT_DTYPE_INVALID;
        if (op == VT_BIN_NEXT_AFTER) {
            const vt_float_format *f = vt_float_format_of(in);
            return f->has_sign ? in : VT_DTYPE_INVALID;
        }
        return binf64[op] ? in : VT_DTYPE_INVALID;
    case VT_KIND_COMPLEX:
        return binc128[op] ? in : VT_DTYPE_INVALID;
    }
    return VT_DTYPE_INVALID;
}

vt_status vt_k_binary_resolve(vt_binary_op op, vt_dtype in, vt_k_op *k, vt_error *err) {
    memset(k, 0, sizeof *k);
    if ((unsigned)op >= VT_BIN_COUNT) return vt_error_set(err, VT_EINPUT, "binary op %d out of range", (int)op);
    vt_dtype out = vt_binary_result_dtype(op, in);
    if (out == VT_DTYPE_INVALID)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s on %s", bin_names[op], vt_dtype_name(in));
    k->name = bin_names[op];
    k->arity = 2;
    k->in_t[0] = k->in_t[1] = k->cin_t[0] = k->cin_t[1] = in;
    k->out_t = k->cout_t = out;
    k->bits = vt_dtype_bits(in);
    switch (vt_dtype_kind_of(in)) {
    case VT_KIND_BOOL:
        k->core = (op == VT_BIN_ADD || op == VT_BIN_MAX || op == VT_BIN_OR) ? or_bool
                  : op == VT_BIN_XOR                                        ? xor_bool
                                                                            : and_bool;
        break;
    case VT_KIND_SINT:
    case VT_KIND_UINT:
        k->core = int_tab[op][int_slot(in)];
        if (k->bits < 8) {
            k->wrap_bits = k->bits;
            k->wrap_signed = vt_dtype_kind_of(in) == VT_KIND_SINT;
        }
        break;
    case VT_KIND_FLOAT:
        if (op == VT_BIN_COMPLEX) {
            k->core = in == VT_F32 ? complex_f32 : complex_f64;
        } else if (op == VT_BIN_NEXT_AFTER) {
            /* stepping is exact bit work on the type itself, never through f64 */
            k->core = in == VT_F32 ? nextafter_f32 : in == VT_F64 ? nextafter_f64 : nextafter_narrow;
        } else if (in == VT_F32) {
            k->core = binf32[op];
        } else {
            k->core = binf64[op];
            if (in != VT_F64) { /* narrow: computed in f64, rounded once (innocuous: see docs) */
                k->cin_t[0] = k->cin_t[1] = k->cout_t = VT_F64;
            }
        }
        break;
    case VT_KIND_COMPLEX:
        k->core = in == VT_C64 ? binc64[op] : binc128[op];
        break;
    }
    return VT_OK;
}

vt_status vt_k_binary(vt_kctx *ctx, vt_binary_op op, const vt_tensor *a, const vt_tensor *b, vt_tensor *out,
                      vt_error *err) {
    if (!a || !b) return vt_error_set(err, VT_EINPUT, "%s: operand is missing", vt_binary_op_name(op));
    vt_k_op k;
    vt_status s = vt_k_binary_resolve(op, a->dtype, &k, err);
    if (s) return s;
    const vt_tensor *in[2] = {a, b};
    return vt_k_run_tensors(ctx, &k, in, 0, out, err);
}
