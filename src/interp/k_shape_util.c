/* Shared kernel helpers: the strided byte mover (axis merging, memcpy runs, cache-blocked tiles
 * for transposed walks) and exact element loaders/storers between storage and compute types. */
#include "interp/k_shape.h"

#include "interp/k_dot.h" /* vt_k_round_to_tf32 shares round_prec */

#include <math.h>
#include <stdlib.h>
#include <string.h>

void vt_k_row_major_strides(int rank, const int64_t *dims, int64_t *strides) {
    /* unsigned: an empty tensor may have dims whose product overflows; its strides are never
     * used to address memory, but computing them must not be undefined behaviour */
    uint64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        strides[i] = (int64_t)s;
        s *= dims[i] > 0 ? (uint64_t)dims[i] : 1;
    }
}

void *vt_k_scratch(vt_kctx *kc, size_t n, size_t es, const char *what, vt_error *err) {
    size_t bytes;
    uint64_t limit = kc && kc->max_tensor_bytes ? kc->max_tensor_bytes : VT_DEFAULT_MAX_TENSOR_BYTES;
    if (!vt_mul_size(n, es, &bytes) || (uint64_t)bytes > limit) {
        vt_error_set(err, VT_ELIMIT, "%s: scratch buffer of %zu x %zu bytes exceeds the tensor size limit of %llu bytes",
                     what, n, es, (unsigned long long)limit);
        return NULL;
    }
    void *p = malloc(bytes ? bytes : 1);
    if (!p) vt_error_set(err, VT_ENOMEM, "%s: cannot allocate %zu bytes of scratch", what, bytes);
    return p;
}

/* ---- strided copy ------------------------------------------------------------------------- */

/* n elements from s (step sstep bytes) to d (step dstep bytes); fixed-size memcpy lets the
 * compiler turn each into one load and store. */
static void copy_run(size_t es, char *d, ptrdiff_t dstep, const char *s, ptrdiff_t sstep, int64_t n) {
    switch (es) {
#define RUN(ES)                                                                   \
    case ES:                                                                      \
        for (int64_t i = 0; i < n; i++) memcpy(d + i * dstep, s + i * sstep, ES); \
        break;
        RUN(1) RUN(2) RUN(4) RUN(8) RUN(16)
#undef RUN
    default:
        for (int64_t i = 0; i < n; i++) memcpy(d + i * dstep, s + i * sstep, es);
    }
}

/* Tiles of T x T elements keep both the rows read and the rows written in cache. */
#define TILE 32

static void copy_tile2d(size_t es, char *d, ptrdiff_t d_a, ptrdiff_t d_b, const char *s, ptrdiff_t s_a,
                        ptrdiff_t s_b, int64_t na, int64_t nb) {
    for (int64_t a0 = 0; a0 < na; a0 += TILE) {
        int64_t a1 = a0 + TILE < na ? a0 + TILE : na;
        for (int64_t b0 = 0; b0 < nb; b0 += TILE) {
            int64_t b1 = b0 + TILE < nb ? b0 + TILE : nb;
            for (int64_t a = a0; a < a1; a++)
                copy_run(es, d + a * d_a + b0 * d_b, d_b, s + a * s_a + b0 * s_b, s_b, b1 - b0);
        }
    }
}

void vt_k_strided_copy(int rank, const int64_t *dims_in, size_t es, const void *src,
                       const int64_t *ss_in, void *dst, const int64_t *ds_in) {
    int64_t dims[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < rank; i++)
        if (dims_in[i] == 0) return;
    for (int i = 0; i < rank; i++) {
        if (dims_in[i] == 1) continue;
        dims[r] = dims_in[i], ss[r] = ss_in[i], ds[r] = ds_in[i];
        /* merge with the previous axis when both walks are contiguous across the boundary */
        int64_t sm, dm;
        if (r > 0 && !__builtin_mul_overflow(ss[r], dims[r], &sm) && !__builtin_mul_overflow(ds[r], dims[r], &dm) &&
            ss[r - 1] == sm && ds[r - 1] == dm) {
            dims[r - 1] *= dims[r];
            ss[r - 1] = ss[r], ds[r - 1] = ds[r];
            continue;
        }
        r++;
    }
    const char *s = src;
    char *d = dst;
    if (r == 0) {
        memcpy(d, s, es);
        return;
    }
    /* Choose the 2-D inner block: the innermost axis, plus (for transposed walks) the axis the
     * source is contiguous along. */
    int inner = r - 1, tile_ax = -1;
    if (ss[inner] != 1 && ds[inner] == 1)
        for (int i = 0; i < inner; i++)
            if (ss[i] == 1 && dims[i] >= 4) tile_ax = i;
    int outer_ax[VT_MAX_RANK], no = 0;
    for (int i = 0; i < inner; i++)
        if (i != tile_ax) outer_ax[no++] = i;
    int64_t idx[VT_MAX_RANK] = {0};
    ptrdiff_t soff = 0, doff = 0, esz = (ptrdiff_t)es;
    for (;;) {
        if (tile_ax >= 0)
            copy_tile2d(es, d + doff, ds[tile_ax] * esz, ds[inner] * esz, s + soff, ss[tile_ax] * esz,
                        ss[inner] * esz, dims[tile_ax], dims[inner]);
        else if (ss[inner] == 1 && ds[inner] == 1)
            memcpy(d + doff, s + soff, (size_t)dims[inner] * es);
        else
            copy_run(es, d + doff, ds[inner] * esz, s + soff, ss[inner] * esz, dims[inner]);
        int k = no - 1;
        for (; k >= 0; k--) {
            int ax = outer_ax[k];
            soff += ss[ax] * esz, doff += ds[ax] * esz;
            if (++idx[k] < dims[ax]) break;
            soff -= ss[ax] * esz * dims[ax], doff -= ds[ax] * esz * dims[ax];
            idx[k] = 0;
        }
        if (k < 0) return;
    }
}

/* ---- element conversion ------------------------------------------------------------------- */

static float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint16_t f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v;
    if (e == 0x1f) {
        uint32_t u = sign | 0x7f800000u | (m << 13);
        memcpy(&v, &u, 4);
        return v;
    }
    v = e == 0 ? ldexpf((float)m, -24) : ldexpf((float)(m | 0x400), (int)e - 25);
    return sign ? -v : v;
}

/* Rounds x once (nearest, ties to even) to a binary format with `mant` fraction bits, normal
 * exponents in [emin, emax], gradual underflow and IEEE infinities. */
static double round_prec(double x, int mant, int emin, int emax) {
    if (!isfinite(x) || x == 0) return x;
    int e;
    (void)frexp(x, &e);
    int lead = e - 1 < emin ? emin : e - 1;
    int q = lead - mant;
    double y = ldexp(nearbyint(ldexp(x, -q)), q);
    if (fabs(y) > ldexp(2.0 - ldexp(1.0, -mant), emax)) return copysign(INFINITY, x);
    return y;
}

static uint16_t f64_to_f16(double x) {
    uint16_t sign = signbit(x) ? 0x8000 : 0;
    if (isnan(x)) return 0x7e00 | sign;
    double y = fabs(round_prec(x, 10, -14, 15));
    if (isinf(y)) return sign | 0x7c00;
    if (y == 0) return sign;
    int e = ilogb(y);
    if (e < -14) return sign | (uint16_t)ldexp(y, 24);
    return sign | (uint16_t)((e + 15) << 10) | (uint16_t)(ldexp(y, 10 - e) - 1024);
}

static uint16_t f64_to_bf16(double x) {
    if (isnan(x)) return f32_to_bf16((float)x);
    return f32_to_bf16((float)round_prec(x, 7, -126, 127)); /* exact in f32, so no second rounding */
}

double vt_k_round_to_tf32(double x) { return round_prec(x, 10, -126, 127); }

static bool int_type(vt_dtype t) { return vt_dtype_is_int(t) || t == VT_I1; }

static uint64_t load_u64(vt_dtype t, const char *p) {
    switch (vt_dtype_size(t)) {
    case 1: return vt_dtype_kind_of(t) == VT_KIND_SINT ? (uint64_t)(int64_t)(int8_t)p[0] : (uint64_t)(uint8_t)p[0];
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return vt_dtype_kind_of(t) == VT_KIND_SINT ? (uint64_t)(int64_t)(int16_t)v : v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return vt_dtype_kind_of(t) == VT_KIND_SINT ? (uint64_t)(int64_t)(int32_t)v : v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static void store_u64(vt_dtype t, char *p, uint64_t v) {
    unsigned bits = vt_dtype_bits(t);
    if (t == VT_I1) {
        p[0] = v != 0;
        return;
    }
    if (bits < 8) {
        /* sub-byte: low bits, sign-extended through the byte for signed types */
        uint64_t m = ((uint64_t)1 << bits) - 1;
        v &= m;
        if (vt_dtype_kind_of(t) == VT_KIND_SINT && (v >> (bits - 1))) v |= ~m;
        p[0] = (char)(uint8_t)v;
        return;
    }
    switch (vt_dtype_size(t)) {
    case 1: p[0] = (char)(uint8_t)v; break;
    case 2: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
    case 4: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
    default: memcpy(p, &v, 8);
    }
}

/* float -> integer: truncate, saturate, NaN -> 0 (the foundation's conversion rule) */
static uint64_t f64_to_int(vt_dtype t, double x) {
    if (t == VT_I1) return x != 0;
    if (isnan(x)) return 0;
    unsigned bits = vt_dtype_bits(t);
    bool sgn = vt_dtype_kind_of(t) == VT_KIND_SINT;
    double lo = sgn ? -ldexp(1.0, (int)bits - 1) : 0.0, hi = sgn ? ldexp(1.0, (int)bits - 1) : ldexp(1.0, (int)bits);
    x = trunc(x);
    if (x <= lo) return (uint64_t)(int64_t)lo;
    if (x >= hi) return sgn ? (uint64_t)(((uint64_t)1 << (bits - 1)) - 1) : bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    return sgn ? (uint64_t)(int64_t)x : (uint64_t)x;
}

static double int_to_f64(vt_dtype t, const char *p) {
    uint64_t v = load_u64(t, p);
    return vt_dtype_kind_of(t) == VT_KIND_SINT ? (double)(int64_t)v : (double)v;
}

void vt_k_to_f32(vt_dtype t, const void *src, float *dst, size_t n) {
    const char *s = src;
    size_t es = vt_dtype_size(t);
    switch (t) {
    case VT_F32: memcpy(dst, src, n * 4); return;
    case VT_F64: for (size_t i = 0; i < n; i++) { double v; memcpy(&v, s + 8 * i, 8); dst[i] = (float)v; } return;
    case VT_BF16: for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = bf16_to_f32(h); } return;
    case VT_F16: for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = f16_to_f32(h); } return;
    case VT_C64: for (size_t i = 0; i < n; i++) memcpy(dst + i, s + 8 * i, 4); return;
    case VT_C128: for (size_t i = 0; i < n; i++) { double v; memcpy(&v, s + 16 * i, 8); dst[i] = (float)v; } return;
    default: break;
    }
    if (int_type(t)) {
        for (size_t i = 0; i < n; i++) dst[i] = (float)int_to_f64(t, s + es * i);
        return;
    }
    for (size_t i = 0; i < n; i++) dst[i] = (float)vt_load_f64(t, s + es * i); /* narrow floats: exact */
}

void vt_k_to_f64(vt_dtype t, const void *src, double *dst, size_t n) {
    const char *s = src;
    size_t es = vt_dtype_size(t);
    switch (t) {
    case VT_F64: memcpy(dst, src, n * 8); return;
    case VT_F32: for (size_t i = 0; i < n; i++) { float v; memcpy(&v, s + 4 * i, 4); dst[i] = v; } return;
    case VT_BF16: for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = bf16_to_f32(h); } return;
    case VT_F16: for (size_t i = 0; i < n; i++) { uint16_t h; memcpy(&h, s + 2 * i, 2); dst[i] = f16_to_f32(h); } return;
    case VT_C64: for (size_t i = 0; i < n; i++) { float v; memcpy(&v, s + 8 * i, 4); dst[i] = v; } return;
    case VT_C128: for (size_t i = 0; i < n; i++) memcpy(dst + i, s + 16 * i, 8); return;
    default: break;
    }
    if (int_type(t)) {
        for (size_t i = 0; i < n; i++) dst[i] = int_to_f64(t, s + es * i);
        return;
    }
    for (size_t i = 0; i < n; i++) dst[i] = vt_load_f64(t, s + es * i);
}

void vt_k_from_f64(vt_dtype t, const double *src, void *dst, size_t n) {
    char *d = dst;
    size_t es = vt_dtype_size(t);
    switch (t) {
    case VT_F64: memcpy(dst, src, n * 8); return;
    case VT_F32: for (size_t i = 0; i < n; i++) { float v = (float)src[i]; memcpy(d + 4 * i, &v, 4); } return;
    case VT_BF16: for (size_t i = 0; i < n; i++) { uint16_t h = f64_to_bf16(src[i]); memcpy(d + 2 * i, &h, 2); } return;
    case VT_F16: for (size_t i = 0; i < n; i++) { uint16_t h = f64_to_f16(src[i]); memcpy(d + 2 * i, &h, 2); } return;
    case VT_C64: for (size_t i = 0; i < n; i++) { float v[2] = {(float)src[i], 0}; memcpy(d + 8 * i, v, 8); } return;
    case VT_C128: for (size_t i = 0; i < n; i++) { double v[2] = {src[i], 0}; memcpy(d + 16 * i, v, 16); } return;
    default: break;
    }
    if (int_type(t)) {
        for (size_t i = 0; i < n; i++) store_u64(t, d + es * i, f64_to_int(t, src[i]));
        return;
    }
    for (size_t i = 0; i < n; i++) vt_store_f64(t, d + es * i, src[i]);
}

void vt_k_from_f32(vt_dtype t, const float *src, void *dst, size_t n) {
    char *d = dst;
    switch (t) {
    case VT_F32: memcpy(dst, src, n * 4); return;
    case VT_BF16: for (size_t i = 0; i < n; i++) { uint16_t h = f32_to_bf16(src[i]); memcpy(d + 2 * i, &h, 2); } return;
    default: break;
    }
    /* every f32 is exact in f64, so going through f64 rounds once */
    double buf[256];
    size_t es = vt_dtype_size(t);
    for (size_t i = 0; i < n; i += 256) {
        size_t m = n - i < 256 ? n - i : 256;
        for (size_t j = 0; j < m; j++) buf[j] = src[i + j];
        vt_k_from_f64(t, buf, d + es * i, m);
    }
}

void vt_k_to_c64(vt_dtype t, const void *src, float *dst, size_t n) {
    if (t == VT_C64) { memcpy(dst, src, n * 8); return; }
    if (t == VT_C128) {
        const char *s = src;
        for (size_t i = 0; i < 2 * n; i++) { double v; memcpy(&v, s + 8 * i, 8); dst[i] = (float)v; }
        return;
    }
    size_t es = vt_dtype_size(t);
    for (size_t i = 0; i < n; i++) {
        vt_k_to_f32(t, (const char *)src + es * i, dst + 2 * i, 1);
        dst[2 * i + 1] = 0;
    }
}

void vt_k_to_c128(vt_dtype t, const void *src, double *dst, size_t n) {
    if (t == VT_C128) { memcpy(dst, src, n * 16); return; }
    if (t == VT_C64) {
        const char *s = src;
        for (size_t i = 0; i < 2 * n; i++) { float v; memcpy(&v, s + 4 * i, 4); dst[i] = v; }
        return;
    }
    size_t es = vt_dtype_size(t);
    for (size_t i = 0; i < n; i++) {
        vt_k_to_f64(t, (const char *)src + es * i, dst + 2 * i, 1);
        dst[2 * i + 1] = 0;
    }
}

void vt_k_from_c64(vt_dtype t, const float *src, void *dst, size_t n) {
    if (t == VT_C64) { memcpy(dst, src, n * 8); return; }
    if (t == VT_C128) {
        double *d = dst;
        for (size_t i = 0; i < 2 * n; i++) d[i] = src[i];
        return;
    }
    size_t es = vt_dtype_size(t); /* complex -> real keeps the real part */
    for (size_t i = 0; i < n; i++) vt_k_from_f32(t, src + 2 * i, (char *)dst + es * i, 1);
}

void vt_k_from_c128(vt_dtype t, const double *src, void *dst, size_t n) {
    if (t == VT_C128) { memcpy(dst, src, n * 16); return; }
    if (t == VT_C64) {
        char *d = dst;
        for (size_t i = 0; i < 2 * n; i++) { float v = (float)src[i]; memcpy(d + 4 * i, &v, 4); }
        return;
    }
    size_t es = vt_dtype_size(t);
    for (size_t i = 0; i < n; i++) vt_k_from_f64(t, src + 2 * i, (char *)dst + es * i, 1);
}

void vt_k_to_u64(vt_dtype t, const void *src, uint64_t *dst, size_t n) {
    const char *s = src;
    size_t es = vt_dtype_size(t);
    if (int_type(t)) {
        for (size_t i = 0; i < n; i++) dst[i] = load_u64(t, s + es * i);
        return;
    }
    double v;
    for (size_t i = 0; i < n; i++) {
        vt_k_to_f64(t, s + es * i, &v, 1);
        dst[i] = f64_to_int(VT_I64, v);
    }
}

void vt_k_from_u64(vt_dtype t, const uint64_t *src, bool is_signed, void *dst, size_t n) {
    char *d = dst;
    size_t es = vt_dtype_size(t);
    if (int_type(t)) {
        for (size_t i = 0; i < n; i++) store_u64(t, d + es * i, src[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (t == VT_F32 || t == VT_C64) { /* a direct cast rounds once; via f64 would round twice */
            float v[2] = {is_signed ? (float)(int64_t)src[i] : (float)src[i], 0};
            memcpy(d + es * i, v, es);
        } else {
            double v = is_signed ? (double)(int64_t)src[i] : (double)src[i];
            if (t == VT_C128) { double c[2] = {v, 0}; memcpy(d + es * i, c, 16); }
            else vt_k_from_f64(t, &v, d + es * i, 1);
        }
    }
}

bool vt_k_scalar_index(const vt_tensor *t, int64_t *out) {
    if (!t || t->rank != 0 || !int_type(t->dtype) || t->nelem != 1) return false;
    uint64_t v = load_u64(t->dtype, t->data);
    if (vt_dtype_kind_of(t->dtype) == VT_KIND_UINT && v > (uint64_t)INT64_MAX) v = (uint64_t)INT64_MAX;
    *out = (int64_t)v;
    return true;
}
