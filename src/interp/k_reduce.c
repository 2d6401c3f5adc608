/* Reduce fast paths. The operand is viewed as [O1, R, O2] (kept, reduced, kept) after merging
 * axes, or copied into [kept..., reduced...] when the reduced axes are not one block; floats
 * then fold in 8 interleaved partials (the order documented in docs/determinism.md). */
#include "interp/k_reduce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp/blas.h"
#include "interp/k_shape.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CH 256 /* elements per converted chunk; a multiple of 8 so lanes line up across chunks */

const char *vt_reduce_op_name(vt_reduce_op op) {
    static const char *names[] = {"add", "multiply", "maximum", "minimum", "and", "or", "xor"};
    return (unsigned)op < 7 ? names[op] : "?";
}

/* ---- layout ------------------------------------------------------------------------------- */

typedef struct rplan {
    size_t O1, R, O2;
    const char *src;
    void *owned;
    size_t u0, u1; /* the work units (o1, chunk of CH outputs along O2) this call computes */
} rplan;

/* Each unit's outputs are computed start to finish by one thread, so splitting the units over
 * threads never changes a result. */
#define FOR_UNITS(pl, o1, c0)                                                                   \
    for (size_t u_ = (pl)->u0, nch_ = ((pl)->O2 + CH - 1) / CH, o1 = 0, c0 = 0;                 \
         u_ < (pl)->u1 && (o1 = u_ / nch_, c0 = u_ % nch_ * CH, 1); u_++)

static vt_status check_dims(const char *nm, const vt_tensor *op, const int64_t *dims, int nd, bool *red,
                            int64_t *rdims, int *rrank, vt_error *err) {
    if (!op || op->rank < 0 || op->rank > VT_MAX_RANK || !vt_dtype_size(op->dtype))
        return vt_error_set(err, VT_EINPUT, "%s: invalid operand", nm);
    if (nd < 0 || nd > op->rank || (nd > 0 && !dims))
        return vt_error_set(err, VT_EINPUT, "%s: %d dimensions for an operand of rank %d", nm, nd, op->rank);
    memset(red, 0, sizeof(bool) * VT_MAX_RANK);
    for (int i = 0; i < nd; i++) {
        if (dims[i] < 0 || dims[i] >= op->rank || red[dims[i]])
            return vt_error_set(err, VT_EINPUT, "%s: dimensions[%d] = %lld is out of range or repeated", nm, i,
                                (long long)dims[i]);
        red[dims[i]] = true;
    }
    *rrank = 0;
    for (int i = 0; i < op->rank; i++)
        if (!red[i]) rdims[(*rrank)++] = op->dims[i];
    return VT_OK;
}

static vt_status check_out(const char *nm, const char *what, const vt_tensor *t, vt_dtype dt, int rank,
                           const int64_t *dims, vt_error *err) {
    bool ok = t && t->dtype == dt && t->rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = t->dims[i] == dims[i];
    if (!ok) {
        char have[128] = "(null)";
        if (t) vt_tensor_type_str(t, have, sizeof have);
        return vt_error_set(err, VT_EINPUT, "%s: %s %s does not match the operand (%s, reduced dimensions removed)", nm, what,
                            have, vt_dtype_name(dt));
    }
    return VT_OK;
}

static vt_status plan_layout(vt_kctx *kc, const char *nm, const vt_tensor *op, const bool *red, bool force_copy,
                             rplan *pl, vt_error *err) {
    int kinds[VT_MAX_RANK], n = 0;
    size_t sz[VT_MAX_RANK];
    for (int i = 0; i < op->rank; i++) {
        if (op->dims[i] == 1) continue;
        if (n > 0 && kinds[n - 1] == red[i]) sz[n - 1] *= (size_t)op->dims[i];
        else kinds[n] = red[i], sz[n++] = (size_t)op->dims[i];
    }
    pl->src = op->data, pl->owned = NULL;
    pl->O1 = pl->R = pl->O2 = 1;
    if (!force_copy) {
        if (n == 0) return VT_OK;
        if (n == 1) {
            if (kinds[0]) pl->R = sz[0];
            else pl->O2 = sz[0];
            return VT_OK;
        }
        if (n == 2) {
            if (kinds[0]) pl->R = sz[0], pl->O2 = sz[1];
            else pl->O1 = sz[0], pl->R = sz[1];
            return VT_OK;
        }
        if (n == 3 && !kinds[0]) {
            pl->O1 = sz[0], pl->R = sz[1], pl->O2 = sz[2];
            return VT_OK;
        }
    }
    /* kept axes first, then the reduced ones in their own order */
    int64_t st[VT_MAX_RANK], dims[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, st);
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < op->rank; i++)
            if (red[i] == (pass == 1)) {
                dims[k] = op->dims[i], ss[k++] = st[i];
                if (pass == 0) pl->O1 *= (size_t)op->dims[i];
                else pl->R *= (size_t)op->dims[i];
            }
    vt_k_row_major_strides(op->rank, dims, ds);
    void *buf = vt_k_scratch(kc, op->nelem, vt_dtype_size(op->dtype), nm, err);
    if (!buf) return err ? err->code : VT_ENOMEM;
    vt_k_strided_copy(op->rank, dims, vt_dtype_size(op->dtype), op->data, ss, buf, ds);
    pl->src = buf, pl->owned = buf;
    return VT_OK;
}

/* ---- float folds ---------------------------------------------------------------------------- */

static inline float maxf_(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline float minf_(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double maxd_(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double mind_(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

/* Rounding of a narrow float type's f32 intermediate back to the type (the body's own add). */
static float round_narrow(vt_dtype t, float x) {
    if (t == VT_BF16) {
        uint32_t u;
        memcpy(&u, &x, 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) return x;
        u += 0x7fffu + ((u >> 16) & 1);
        u &= 0xffff0000u;
        memcpy(&x, &u, 4);
        return x;
    }
    uint8_t tmp[8];
    vt_k_from_f32(t, &x, tmp, 1);
    vt_k_to_f32(t, tmp, &x, 1);
    return x;
}

#define DEFINE_FOLD(T, SUF, MAXF, MINF)                                                                       \
    static inline T op_##SUF(vt_reduce_op op, T a, T b) {                                                     \
        switch (op) {                                                                                         \
        case VT_REDUCE_ADD: return a + b;                                                                     \
        case VT_REDUCE_MUL: return a * b;                                                                     \
        case VT_REDUCE_MAX: return MAXF(a, b);                                                                \
        default: return MINF(a, b);                                                                           \
        }                                                                                                     \
    }                                                                                                         \
    /* lanes[p mod 8] (+)= x[p]; a switch outside the loops keeps them vectorisable */                        \
    static void lanes_##SUF(vt_reduce_op op, const T *x, size_t m, T *lane) {                                 \
        size_t j = 0;                                                                                         \
        switch (op) {                                                                                         \
        case VT_REDUCE_ADD:                                                                                   \
            for (; j + 8 <= m; j += 8)                                                                        \
                for (int l = 0; l < 8; l++) lane[l] = lane[l] + x[j + l];                                     \
            break;                                                                                            \
        case VT_REDUCE_MUL:                                                                                   \
            for (; j + 8 <= m; j += 8)                                                                        \
                for (int l = 0; l < 8; l++) lane[l] = lane[l] * x[j + l];                                     \
            break;                                                                                            \
        default: break;                                                                                       \
        }                                                                                                     \
        for (; j < m; j++) lane[j & 7] = op_##SUF(op, lane[j & 7], x[j]);                                     \
    }                                                                                                         \
    static void rows_##SUF(vt_reduce_op op, const T *x, size_t m, T *acc) {                                   \
        switch (op) {                                                                                         \
        case VT_REDUCE_ADD: for (size_t j = 0; j < m; j++) acc[j] = acc[j] + x[j]; break;                     \
        case VT_REDUCE_MUL: for (size_t j = 0; j < m; j++) acc[j] = acc[j] * x[j]; break;                     \
        default: for (size_t j = 0; j < m; j++) acc[j] = op_##SUF(op, acc[j], x[j]); break;                   \
        }                                                                                                     \
    }

DEFINE_FOLD(float, f, maxf_, minf_)
DEFINE_FOLD(double, d, maxd_, mind_)

/* maximum / minimum of f32 four lanes at a time with exactly maxf_ / minf_'s rules, as bit
 * selections: a NaN operand wins (a's first), equal values give a & b for max (+0 unless both
 * are -0) and a | b for min, otherwise the larger / smaller. Softmax's row maxima are the
 * case that matters; the scalar helpers branch on every element. */
#if defined(__SSE2__)
static inline __m128 sel4(__m128 m, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
static inline __m128 maxmin4(bool is_max, __m128 a, __m128 b) {
    __m128 win = is_max ? _mm_cmpgt_ps(a, b) : _mm_cmplt_ps(a, b);
    __m128 eqv = is_max ? _mm_and_ps(a, b) : _mm_or_ps(a, b);
    __m128 r = sel4(_mm_cmpeq_ps(a, b), eqv, sel4(win, a, b));
    return sel4(_mm_cmpunord_ps(a, a), a, sel4(_mm_cmpunord_ps(b, b), b, r));
}
#endif

/* lanes_f for maximum / minimum (the 8-lane order of lanes_f, same results). */
static void lanes_maxmin_f(bool is_max, const float *x, size_t m, float *lane) {
    size_t j = 0;
#if defined(__SSE2__)
    __m128 l0 = _mm_loadu_ps(lane), l1 = _mm_loadu_ps(lane + 4);
    for (; j + 8 <= m; j += 8) {
        l0 = maxmin4(is_max, l0, _mm_loadu_ps(x + j));
        l1 = maxmin4(is_max, l1, _mm_loadu_ps(x + j + 4));
    }
    _mm_storeu_ps(lane, l0);
    _mm_storeu_ps(lane + 4, l1);
#endif
    for (; j < m; j++) lane[j & 7] = is_max ? maxf_(lane[j & 7], x[j]) : minf_(lane[j & 7], x[j]);
}

/* rows_f for maximum / minimum: acc[j] = op(acc[j], x[j]). */
static void rows_maxmin_f(bool is_max, const float *x, size_t m, float *acc) {
    size_t j = 0;
#if defined(__SSE2__)
    for (; j + 4 <= m; j += 4) _mm_storeu_ps(acc + j, maxmin4(is_max, _mm_loadu_ps(acc + j), _mm_loadu_ps(x + j)));
#endif
    for (; j < m; j++) acc[j] = is_max ? maxf_(acc[j], x[j]) : minf_(acc[j], x[j]);
}

static float identity_f(vt_reduce_op op) {
    return op == VT_REDUCE_ADD ? -0.0f : op == VT_REDUCE_MUL ? 1.0f : op == VT_REDUCE_MAX ? -INFINITY : INFINITY;
}

/* f32 compute: f32 itself, and narrow floats with rounding after every operation */
static void fold_f32(vt_reduce_op op, vt_dtype t, const rplan *pl, float init, float *out) {
    size_t es = vt_dtype_size(t);
    bool narrow = t != VT_F32, rnd = narrow && (op == VT_REDUCE_ADD || op == VT_REDUCE_MUL);
    float buf[CH], acc[8 * CH], id = identity_f(op);
    FOR_UNITS(pl, o1, c0) {
            size_t m2 = pl->O2 - c0 < CH ? pl->O2 - c0 : CH;
            float lane[8];
            if (pl->O2 == 1) {
                for (int l = 0; l < 8; l++) lane[l] = id;
                for (size_t r0 = 0; r0 < pl->R; r0 += CH) {
                    size_t m = pl->R - r0 < CH ? pl->R - r0 : CH;
                    const char *p = pl->src + (o1 * pl->R + r0) * es;
                    const float *x = narrow ? (vt_k_to_f32(t, p, buf, m), buf) : (const float *)p;
                    if (!rnd && (op == VT_REDUCE_MAX || op == VT_REDUCE_MIN)) lanes_maxmin_f(op == VT_REDUCE_MAX, x, m, lane);
                    else if (!rnd) lanes_f(op, x, m, lane);
                    else
                        for (size_t j = 0; j < m; j++) lane[j & 7] = round_narrow(t, op_f(op, lane[j & 7], x[j]));
                }
            } else {
                for (size_t j = 0; j < 8 * CH; j++) acc[j] = id;
                for (size_t r = 0; r < pl->R; r++) {
                    const char *p = pl->src + ((o1 * pl->R + r) * pl->O2 + c0) * es;
                    const float *x = narrow ? (vt_k_to_f32(t, p, buf, m2), buf) : (const float *)p;
                    float *a = acc + (r & 7) * CH;
                    if (!rnd && (op == VT_REDUCE_MAX || op == VT_REDUCE_MIN)) rows_maxmin_f(op == VT_REDUCE_MAX, x, m2, a);
                    else if (!rnd) rows_f(op, x, m2, a);
                    else
                        for (size_t j = 0; j < m2; j++) a[j] = round_narrow(t, op_f(op, a[j], x[j]));
                }
            }
            for (size_t j = 0; j < (pl->O2 == 1 ? 1 : m2); j++) {
                if (pl->O2 != 1)
                    for (int l = 0; l < 8; l++) lane[l] = acc[l * CH + j];
                float s[4];
                for (int l = 0; l < 4; l++) s[l] = op_f(op, lane[2 * l], lane[2 * l + 1]), s[l] = rnd ? round_narrow(t, s[l]) : s[l];
                float u = op_f(op, s[0], s[1]), v = op_f(op, s[2], s[3]);
                if (rnd) u = round_narrow(t, u), v = round_narrow(t, v);
                float tot = op_f(op, u, v);
                if (rnd) tot = round_narrow(t, tot);
                float r = op_f(op, init, tot);
                out[o1 * pl->O2 + c0 + j] = rnd ? round_narrow(t, r) : r;
            }
        }
}

static void fold_f64(vt_reduce_op op, const rplan *pl, double init, double *out) {
    double acc[8 * CH];
    double id = op == VT_REDUCE_ADD ? -0.0 : op == VT_REDUCE_MUL ? 1.0 : op == VT_REDUCE_MAX ? -INFINITY : INFINITY;
    const double *src = (const double *)pl->src;
    FOR_UNITS(pl, o1, c0) {
            size_t m2 = pl->O2 - c0 < CH ? pl->O2 - c0 : CH;
            double lane[8];
            if (pl->O2 == 1) {
                for (int l = 0; l < 8; l++) lane[l] = id;
                for (size_t r0 = 0; r0 < pl->R; r0 += CH) {
                    size_t m = pl->R - r0 < CH ? pl->R - r0 : CH;
                    lanes_d(op, src + o1 * pl->R + r0, m, lane);
                }
            } else {
                for (size_t j = 0; j < 8 * CH; j++) acc[j] = id;
                for (size_t r = 0; r < pl->R; r++) rows_d(op, src + (o1 * pl->R + r) * pl->O2 + c0, m2, acc + (r & 7) * CH);
            }
            for (size_t j = 0; j < (pl->O2 == 1 ? 1 : m2); j++) {
                if (pl->O2 != 1)
                    for (int l = 0; l < 8; l++) lane[l] = acc[l * CH + j];
                double u = op_d(op, op_d(op, lane[0], lane[1]), op_d(op, lane[2], lane[3]));
                double v = op_d(op, op_d(op, lane[4], lane[5]), op_d(op, lane[6], lane[7]));
                out[o1 * pl->O2 + c0 + j] = op_d(op, init, op_d(op, u, v));
            }
        }
}

/* ---- complex: a sequential left fold (no exact identity exists for complex multiply) -------- */

#define DEFINE_CFOLD(T, SUF, TO)                                                                    \
    static void fold_##SUF(vt_reduce_op op, vt_dtype t, const rplan *pl, const T *init, T *out) {    \
        size_t es = vt_dtype_size(t);                                                               \
        FOR_UNITS(pl, o1, c0)                                                                       \
            for (size_t o2 = c0; o2 < pl->O2 && o2 < c0 + CH; o2++) {                               \
                T a[2] = {0, 0}, x[2];                                                              \
                for (size_t r = 0; r < pl->R; r++) {                                                \
                    TO(t, pl->src + ((o1 * pl->R + r) * pl->O2 + o2) * es, x, 1);                   \
                    if (r == 0) { a[0] = x[0], a[1] = x[1]; continue; }                             \
                    if (op == VT_REDUCE_ADD) { a[0] = a[0] + x[0]; a[1] = a[1] + x[1]; }            \
                    else { T re = a[0] * x[0] - a[1] * x[1], im = a[0] * x[1] + a[1] * x[0];        \
                           a[0] = re, a[1] = im; }                                                  \
                }                                                                                   \
                T *o = out + 2 * (o1 * pl->O2 + o2);                                                \
                if (pl->R == 0) { o[0] = init[0], o[1] = init[1]; continue; }                      \
                if (op == VT_REDUCE_ADD) { o[0] = init[0] + a[0]; o[1] = init[1] + a[1]; }          \
                else { o[0] = init[0] * a[0] - init[1] * a[1]; o[1] = init[0] * a[1] + init[1] * a[0]; } \
            }                                                                                       \
    }
DEFINE_CFOLD(float, c64, vt_k_to_c64)
DEFINE_CFOLD(double, c128, vt_k_to_c128)

/* ---- integers and i1: exact, so any order gives the same bits ------------------------------- */

static inline uint64_t int_op(vt_reduce_op op, bool sgn, bool boolean, uint64_t a, uint64_t b) {
    if (boolean) {
        if (op == VT_REDUCE_ADD || op == VT_REDUCE_MAX) op = VT_REDUCE_OR;
        else if (op == VT_REDUCE_MUL || op == VT_REDUCE_MIN) op = VT_REDUCE_AND;
    }
    switch (op) {
    case VT_REDUCE_ADD: return a + b;
    case VT_REDUCE_MUL: return a * b;
    case VT_REDUCE_MAX: return sgn ? ((int64_t)a > (int64_t)b ? a : b) : (a > b ? a : b);
    case VT_REDUCE_MIN: return sgn ? ((int64_t)a < (int64_t)b ? a : b) : (a < b ? a : b);
    case VT_REDUCE_AND: return a & b;
    case VT_REDUCE_OR: return a | b;
    default: return a ^ b;
    }
}

static void fold_int(vt_reduce_op op, vt_dtype t, const rplan *pl, uint64_t init, uint64_t *out) {
    bool sgn = vt_dtype_kind_of(t) == VT_KIND_SINT, boolean = t == VT_I1;
    size_t es = vt_dtype_size(t);
    uint64_t buf[CH];
    FOR_UNITS(pl, o1, c0) {
            size_t m2 = pl->O2 - c0 < CH ? pl->O2 - c0 : CH;
            uint64_t *o = out + o1 * pl->O2 + c0;
            for (size_t j = 0; j < m2; j++) o[j] = init;
            for (size_t r = 0; r < pl->R; r++) {
                if (pl->O2 == 1) { /* contiguous reduced run: chunk along r instead */
                    size_t m = pl->R - r < CH ? pl->R - r : CH;
                    vt_k_to_u64(t, pl->src + (o1 * pl->R + r) * es, buf, m);
                    for (size_t j = 0; j < m; j++) o[0] = int_op(op, sgn, boolean, o[0], buf[j]);
                    r += m - 1;
                    continue;
                }
                vt_k_to_u64(t, pl->src + ((o1 * pl->R + r) * pl->O2 + c0) * es, buf, m2);
                for (size_t j = 0; j < m2; j++) o[j] = int_op(op, sgn, boolean, o[j], buf[j]);
            }
        }
}

typedef struct red_job {
    vt_reduce_op op;
    vt_dtype t;
    const rplan *pl;
    unsigned char init[16]; /* the init value's storage bytes */
    void *out;              /* compute-type results, one per output */
    size_t per_task, nunits;
} red_job;

static void red_task(void *ctx, size_t task) {
    const red_job *j = ctx;
    rplan pl = *j->pl;
    pl.u0 = task * j->per_task;
    pl.u1 = pl.u0 + j->per_task < j->nunits ? pl.u0 + j->per_task : j->nunits;
    vt_dtype t = j->t;
    if (vt_dtype_is_int(t) || t == VT_I1) {
        uint64_t iv;
        vt_k_to_u64(t, j->init, &iv, 1);
        fold_int(j->op, t, &pl, iv, j->out);
    } else if (t == VT_F64) {
        double iv;
        memcpy(&iv, j->init, 8);
        fold_f64(j->op, &pl, iv, j->out);
    } else if (t == VT_C64) {
        float iv[2];
        memcpy(iv, j->init, 8);
        fold_c64(j->op, t, &pl, iv, j->out);
    } else if (t == VT_C128) {
        double iv[2];
        memcpy(iv, j->init, 16);
        fold_c128(j->op, t, &pl, iv, j->out);
    } else {
        float iv;
        vt_k_to_f32(t, j->init, &iv, 1);
        fold_f32(j->op, t, &pl, iv, j->out);
    }
}

vt_status vt_k_reduce(vt_kctx *kc, vt_reduce_op op, const vt_tensor *operand, const vt_tensor *init,
                      const int64_t *dims, int nd, vt_tensor *res, vt_error *err) {
    const char *nm = "reduce";
    bool red[VT_MAX_RANK];
    int64_t rdims[VT_MAX_RANK];
    int rrank = 0;
    vt_status s;
    if ((unsigned)op > VT_REDUCE_XOR) return vt_error_set(err, VT_EINPUT, "%s: unknown reduction op %d", nm, (int)op);
    if ((s = check_dims(nm, operand, dims, nd, red, rdims, &rrank, err))) return s;
    vt_dtype t = operand->dtype;
    if (!init || init->rank != 0 || init->dtype != t)
        return vt_error_set(err, VT_EINPUT, "%s: init_value must be a 0-d tensor of %s", nm, vt_dtype_name(t));
    if ((s = check_out(nm, "result", res, t, rrank, rdims, err))) return s;
    bool intlike = vt_dtype_is_int(t) || t == VT_I1;
    if ((op == VT_REDUCE_AND || op == VT_REDUCE_OR || op == VT_REDUCE_XOR) && !intlike)
        return vt_error_set(err, VT_EINPUT, "%s: body %s needs integer or i1 elements, not %s", nm, vt_reduce_op_name(op),
                            vt_dtype_name(t));
    if (vt_dtype_is_complex(t) && (op == VT_REDUCE_MAX || op == VT_REDUCE_MIN))
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: reduce fast path %s on %s (use the region body)",
                            vt_reduce_op_name(op), vt_dtype_name(t));
    size_t work;
    if (!vt_add_size(operand->nelem, res->nelem, &work)) work = SIZE_MAX;
    if ((s = vt_kctx_charge(kc, work, err))) {
        vt_error_prefix(err, "%s", nm);
        return s;
    }
    if (res->nelem == 0) return VT_OK;
    rplan pl;
    if (operand->nelem == 0) { /* nothing to fold: every result is the init value */
        pl.src = NULL, pl.owned = NULL, pl.O1 = res->nelem, pl.R = 0, pl.O2 = 1;
    } else if ((s = plan_layout(kc, nm, operand, red, false, &pl, err))) {
        return s;
    }
    size_t n = res->nelem;
    red_job job = {op, t, &pl, {0}, NULL, 0, 0};
    size_t es = intlike || t == VT_F64 || t == VT_C64 ? 8 : t == VT_C128 ? 16 : 4;
    memcpy(job.init, init->data, vt_dtype_size(t));
    if (!(job.out = vt_k_scratch(kc, n, es, nm, err))) goto fail;
    /* units of work: (o1, chunk of CH outputs); about 2^16 elements per task */
    size_t nunits = pl.O1 * ((pl.O2 + CH - 1) / CH), per_unit = (pl.R ? pl.R : 1) * (pl.O2 < CH ? pl.O2 : CH);
    job.per_task = ((size_t)1 << 16) / per_unit + 1;
    job.nunits = nunits;
    size_t ntasks = (nunits + job.per_task - 1) / job.per_task;
    vt_parallel_for(kc && kc->threads > 1 ? kc->threads : 1, ntasks, red_task, &job);
    void *out = job.out;
    if (intlike) vt_k_from_u64(t, out, vt_dtype_kind_of(t) == VT_KIND_SINT, res->data, n);
    else if (t == VT_F64 || t == VT_C64 || t == VT_C128) memcpy(res->data, out, res->nbytes);
    else vt_k_from_f32(t, out, res->data, n); /* exact: every value is already of type t */
    free(job.out);
    free(pl.owned);
    return VT_OK;
fail:
    free(pl.owned);
    return err ? err->code : VT_ENOMEM;
}

/* ---- argmax / argmin -------------------------------------------------------------------------- */

vt_status vt_k_argreduce(vt_kctx *kc, bool is_min, const vt_tensor *vals, const vt_tensor *idxs,
                         const vt_tensor *init_v, const vt_tensor *init_i, const int64_t *dims, int nd,
                         vt_tensor *out_v, vt_tensor *out_i, vt_error *err) {
    const char *nm = is_min ? "reduce (argmin)" : "reduce (argmax)";
    bool red[VT_MAX_RANK];
    int64_t rdims[VT_MAX_RANK];
    int rrank = 0;
    vt_status s;
    if ((s = check_dims(nm, vals, dims, nd, red, rdims, &rrank, err))) return s;
    if (!idxs || !vt_tensor_same_shape(vals, idxs) || !(vt_dtype_is_int(idxs->dtype)))
        return vt_error_set(err, VT_EINPUT, "%s: indices must be an integer tensor of the values' shape", nm);
    vt_dtype vt = vals->dtype, it = idxs->dtype;
    if (vt_dtype_is_complex(vt))
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s fast path on %s values", nm, vt_dtype_name(vt));
    if (!init_v || init_v->rank != 0 || init_v->dtype != vt || !init_i || init_i->rank != 0 || init_i->dtype != it)
        return vt_error_set(err, VT_EINPUT, "%s: init values must be 0-d tensors of %s and %s", nm, vt_dtype_name(vt),
                            vt_dtype_name(it));
    if ((s = check_out(nm, "value result", out_v, vt, rrank, rdims, err)) ||
        (s = check_out(nm, "index result", out_i, it, rrank, rdims, err)))
        return s;
    size_t work;
    if (!vt_add_size(vals->nelem, out_v->nelem, &work) || !vt_add_size(work, work, &work)) work = SIZE_MAX;
    if ((s = vt_kctx_charge(kc, work, err))) {
        vt_error_prefix(err, "%s", nm);
        return s;
    }
    size_t n = out_v->nelem;
    if (n == 0) return VT_OK;
    rplan pv = {0}, pi = {0};
    bool fl = vt_dtype_is_float(vt), vsgn = vt_dtype_kind_of(vt) == VT_KIND_SINT;
    bool isgn = vt_dtype_kind_of(it) == VT_KIND_SINT;
    double *bv = NULL;
    uint64_t *bi = NULL, *ov = NULL, *oi = NULL;
    if (vals->nelem == 0) {
        pv.O1 = pi.O1 = n, pv.R = pi.R = 0;
    } else if ((s = plan_layout(kc, nm, vals, red, true, &pv, err)) ||
               (s = plan_layout(kc, nm, idxs, red, true, &pi, err))) {
        goto out;
    }
    bv = vt_k_scratch(kc, CH, 8, nm, err), bi = vt_k_scratch(kc, CH, 8, nm, err);
    ov = vt_k_scratch(kc, n, 8, nm, err), oi = vt_k_scratch(kc, n, 8, nm, err);
    if (!bv || !bi || !ov || !oi) {
        s = err ? err->code : VT_ENOMEM;
        goto out;
    }
    size_t ves = vt_dtype_size(vt), ies = vt_dtype_size(it);
    for (size_t o = 0; o < pv.O1; o++) {
        /* best candidate so far: value as f64 (floats) or 64-bit integer */
        double bf = 0;
        uint64_t bu = 0, bidx;
        if (fl) vt_k_to_f64(vt, init_v->data, &bf, 1);
        else vt_k_to_u64(vt, init_v->data, &bu, 1);
        vt_k_to_u64(it, init_i->data, &bidx, 1);
        for (size_t r0 = 0; r0 < pv.R; r0 += CH) {
            size_t m = pv.R - r0 < CH ? pv.R - r0 : CH;
            const char *vp = pv.src + (o * pv.R + r0) * ves, *ip = pi.src + (o * pi.R + r0) * ies;
            if (fl) vt_k_to_f64(vt, vp, bv, m);
            else vt_k_to_u64(vt, vp, (uint64_t *)bv, m);
            vt_k_to_u64(it, ip, bi, m);
            for (size_t j = 0; j < m; j++) {
                uint64_t ci = bi[j];
                bool lower = isgn ? (int64_t)ci < (int64_t)bidx : ci < bidx;
                bool better;
                if (fl) {
                    double c = bv[j];
                    bool cn = c != c, bn = bf != bf;
                    if (cn || bn) better = cn && bn ? lower : cn;
                    else better = (is_min ? c < bf : c > bf) || (c == bf && lower);
                    if (better) bf = c, bidx = ci;
                } else {
                    uint64_t c = ((uint64_t *)bv)[j];
                    bool gt = vsgn ? (int64_t)c > (int64_t)bu : c > bu, lt = vsgn ? (int64_t)c < (int64_t)bu : c < bu;
                    better = (is_min ? lt : gt) || (c == bu && lower);
                    if (better) bu = c, bidx = ci;
                }
            }
        }
        if (fl) memcpy(&ov[o], &bf, 8);
        else ov[o] = bu;
        oi[o] = bidx;
    }
    if (fl) vt_k_from_f64(vt, (const double *)ov, out_v->data, n); /* exact: values came from vt */
    else vt_k_from_u64(vt, ov, vsgn, out_v->data, n);
    vt_k_from_u64(it, oi, isgn, out_i->data, n);
out:
    free(pv.owned), free(pi.owned), free(bv), free(bi), free(ov), free(oi);
    return s;
}
