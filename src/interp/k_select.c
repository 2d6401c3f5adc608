/* select (pred ? on_true : on_false, by element size, any type) and clamp
 * (min(max(x, lo), hi) with maximum/minimum's NaN rules); pred, lo and hi may be scalars. */
#include "interp/k_elementwise.h"

#include <math.h>
#include <string.h>

#define DEF_SEL(SUF, T)                                                                           \
    static void sel_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {         \
        (void)k;                                                                                  \
        const uint8_t *p = in[0];                                                                 \
        const T *a = in[1], *b = in[2];                                                           \
        T *o = out;                                                                               \
        for (size_t i = 0; i < n; i++) { /* a mask, not a branch: vectorises */               \
            T m = (T)((T)0 - (T)(p[i] != 0));                                                     \
            o[i] = (T)((a[i] & m) | (b[i] & (T)~m));                                              \
        }                                                                                         \
    }
DEF_SEL(1, uint8_t)
DEF_SEL(2, uint16_t)
DEF_SEL(4, uint32_t)
DEF_SEL(8, uint64_t)
#undef DEF_SEL

static void sel_16(const vt_k_op *k, const void *const *in, void *out, size_t n) {
    (void)k;
    const uint8_t *p = in[0];
    const uint64_t *a = in[1], *b = in[2];
    uint64_t *o = out;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *s = p[i] ? a : b;
        o[2 * i] = s[2 * i];
        o[2 * i + 1] = s[2 * i + 1];
    }
}

vt_status vt_k_select_resolve(vt_dtype t, vt_k_op *k, vt_error *err) {
    memset(k, 0, sizeof *k);
    if ((int)t < 0 || t >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "select: invalid element type");
    size_t es = vt_dtype_size(t);
    k->name = "select";
    k->arity = 3;
    k->in_t[0] = k->cin_t[0] = VT_I1;
    k->in_t[1] = k->in_t[2] = k->cin_t[1] = k->cin_t[2] = t;
    k->out_t = k->cout_t = t;
    k->bits = vt_dtype_bits(t);
    k->core = es == 1 ? sel_1 : es == 2 ? sel_2 : es == 4 ? sel_4 : es == 8 ? sel_8 : sel_16;
    return VT_OK;
}

vt_status vt_k_select(vt_kctx *ctx, const vt_tensor *pred, const vt_tensor *on_true, const vt_tensor *on_false,
                      vt_tensor *out, vt_error *err) {
    if (!pred || !on_true || !on_false) return vt_error_set(err, VT_EINPUT, "select: operand is missing");
    if (on_false->dtype != on_true->dtype)
        return vt_error_set(err, VT_EINPUT, "select: on_true is %s but on_false is %s", vt_dtype_name(on_true->dtype),
                            vt_dtype_name(on_false->dtype));
    vt_k_op k;
    vt_status s = vt_k_select_resolve(on_true->dtype, &k, err);
    if (s) return s;
    const vt_tensor *in[3] = {pred, on_true, on_false};
    return vt_k_run_tensors(ctx, &k, in, 1u, out, err);
}

/* ---- clamp ---------------------------------------------------------------------------------- */
#define MAXF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b) > (a) ? (b) : signbit(a) ? (b) : (a))
#define MINF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) < (b) ? (a) : (b) < (a) ? (b) : signbit(a) ? (a) : (b))

#define DEF_CLAMP(SUF, T, MAXE, MINE)                                                             \
    static void clamp_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {       \
        (void)k;                                                                                  \
        const T *lo = in[0], *x = in[1], *hi = in[2];                                             \
        T *o = out;                                                                               \
        for (size_t i = 0; i < n; i++) {                                                          \
            T a = x[i], l = lo[i], h = hi[i];                                                     \
            T m = MAXE(a, l);                                                                     \
            o[i] = MINE(m, h);                                                                    \
        }                                                                                         \
    }
#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
#define BOR(a, b) ((uint8_t)((a) | (b)))
#define BAND(a, b) ((uint8_t)((a) & (b)))
DEF_CLAMP(s8, int8_t, IMAX, IMIN)
DEF_CLAMP(s16, int16_t, IMAX, IMIN)
DEF_CLAMP(s32, int32_t, IMAX, IMIN)
DEF_CLAMP(s64, int64_t, IMAX, IMIN)
DEF_CLAMP(u8, uint8_t, IMAX, IMIN)
DEF_CLAMP(u16, uint16_t, IMAX, IMIN)
DEF_CLAMP(u32, uint32_t, IMAX, IMIN)
DEF_CLAMP(u64, uint64_t, IMAX, IMIN)
/* floats: max and min as two loops over L1-sized pieces; one loop holding both NaN-aware
 * selections is too much control flow for the vectoriser */
#define DEF_CLAMPF(SUF, T)                                                                        \
    static void clamp_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {       \
        (void)k;                                                                                  \
        const T *lo = in[0], *x = in[1], *hi = in[2];                                             \
        T *o = out;                                                                               \
        T tmp[256];                                                                               \
        for (size_t b = 0; b < n; b += 256) {                                                     \
            size_t m = n - b < 256 ? n - b : 256;                                                 \
            for (size_t i = 0; i < m; i++) {                                                      \
                T a = x[b + i], l = lo[b + i];                                                    \
                tmp[i] = MAXF(a, l);                                                              \
            }                                                                                     \
            for (size_t i = 0; i < m; i++) {                                                      \
                T a = tmp[i], h = hi[b + i];                                                      \
                o[b + i] = MINF(a, h);                                                            \
            }                                                                                     \
        }                                                                                         \
    }
DEF_CLAMPF(f32, float)
DEF_CLAMPF(f64, double)
#undef DEF_CLAMPF
DEF_CLAMP(bool, uint8_t, BOR, BAND)
#undef DEF_CLAMP

vt_status vt_k_clamp_resolve(vt_dtype t, vt_k_op *k, vt_error *err) {
    memset(k, 0, sizeof *k);
    if ((int)t < 0 || t >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "clamp: invalid element type");
    k->name = "clamp";
    k->arity = 3;
    for (int i = 0; i < 3; i++) k->in_t[i] = k->cin_t[i] = t;
    k->out_t = k->cout_t = t;
    k->bits = vt_dtype_bits(t);
    switch (t) {
    case VT_I1: k->core = clamp_bool; break;
    case VT_I2: case VT_I4: case VT_I8: k->core = clamp_s8; break;
    case VT_I16: k->core = clamp_s16; break;
    case VT_I32: k->core = clamp_s32; break;
    case VT_I64: k->core = clamp_s64; break;
    case VT_U2: case VT_U4: case VT_U8: k->core = clamp_u8; break;
    case VT_U16: k->core = clamp_u16; break;
    case VT_U32: k->core = clamp_u32; break;
    case VT_U64: k->core = clamp_u64; break;
    case VT_F32: k->core = clamp_f32; break;
    case VT_F64: k->core = clamp_f64; break;
    case VT_C64:
    case VT_C128:
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: clamp on %s", vt_dtype_name(t));
    default: /* narrow floats: exact in f64, the result is one of the operands */
        k->core = clamp_f64;
        for (int i = 0; i < 3; i++) k->cin_t[i] = VT_F64;
        k->cout_t = VT_F64;
        break;
    }
    return VT_OK;
}

vt_status vt_k_clamp(vt_kctx *ctx, const vt_tensor *min, const vt_tensor *x, const vt_tensor *max, vt_tensor *out,
                     vt_error *err) {
    if (!min || !x || !max) return vt_error_set(err, VT_EINPUT, "clamp: operand is missing");
    vt_k_op k;
    vt_status s = vt_k_clamp_resolve(x->dtype, &k, err);
    if (s) return s;
    const vt_tensor *in[3] = {min, x, max};
    return vt_k_run_tensors(ctx, &k, in, 1u | 4u, out, err);
}
