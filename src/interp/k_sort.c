/* Radix sort of rows for single-compare comparators. Keys: integers flip the sign bit; floats map
 * the sign-magnitude encoding to an unsigned order (TOTALORDER: -NaN < -inf < ... < -0 < +0 < ...
 * < +inf < +NaN; FLOAT: -0 and +0 share one key, NaNs excluded by the caller). A descending sort
 * complements the keys, so one stable ascending sort serves LT and GT with ties kept in order. */
#include "interp/k_sort.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

/* Row lengths where insertion sort (runs of SMALL_ROW) and merge sort (up to MERGE_ROW) beat
 * the radix passes' histograms. */
#define SMALL_ROW 16
#define MERGE_ROW 1024

bool vt_k_sort_radix_ok(vt_dtype t, vt_cmp_type ct) {
    switch (vt_dtype_kind_of(t)) {
    case VT_KIND_BOOL: return ct == VT_CMPT_DEFAULT || ct == VT_CMPT_UNSIGNED;
    case VT_KIND_UINT: return ct == VT_CMPT_DEFAULT || ct == VT_CMPT_UNSIGNED;
    case VT_KIND_SINT: return ct == VT_CMPT_DEFAULT || ct == VT_CMPT_SIGNED;
    case VT_KIND_FLOAT:
        return (t == VT_F32 || t == VT_F64 || t == VT_BF16 || t == VT_F16) &&
               (ct == VT_CMPT_DEFAULT || ct == VT_CMPT_FLOAT || ct == VT_CMPT_TOTALORDER);
    default: return false;
    }
}

static uint64_t load_bits(const char *p, size_t es) {
    switch (es) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

typedef struct keyspec {
    size_t es;
    unsigned width;      /* key bits: es * 8 */
    bool is_signed, is_float, total, descending;
    bool zero_to, nan_to;
    uint64_t zero_bits, nan_bits, sign, mask, exp_mask, mant_mask;
} keyspec;

static void keyspec_init(keyspec *k, vt_dtype t, const vt_sort_key *key) {
    memset(k, 0, sizeof *k);
    k->es = vt_dtype_size(t);
    k->width = (unsigned)k->es * 8;
    k->is_float = vt_dtype_is_float(t);
    k->is_signed = vt_dtype_kind_of(t) == VT_KIND_SINT;
    k->total = key->ct == VT_CMPT_TOTALORDER;
    k->descending = key->descending;
    k->sign = (uint64_t)1 << (k->width - 1);
    k->mask = k->width == 64 ? ~(uint64_t)0 : (k->sign << 1) - 1;
    if (k->is_float) {
        const vt_float_format *f = vt_float_format_of(t);
        k->mant_mask = ((uint64_t)1 << f->mant_bits) - 1;
        k->exp_mask = (((uint64_t)1 << f->exp_bits) - 1) << f->mant_bits;
        k->zero_to = key->zero_to, k->nan_to = key->nan_to;
        k->zero_bits = key->zero_bits & k->mask, k->nan_bits = key->nan_bits & k->mask;
    }
}

static inline bool is_nan_bits(const keyspec *k, uint64_t b) {
    return (b & k->exp_mask) == k->exp_mask && (b & k->mant_mask) != 0;
}

/* The comparator's own canonicalisation (JAX maps -0 to +0 and every NaN to one NaN). */
static inline uint64_t canon_bits(const keyspec *k, uint64_t b) {
    if (k->zero_to && (b & ~k->sign) == 0) return k->zero_bits;
    if (k->nan_to && is_nan_bits(k, b)) return k->nan_bits;
    return b;
}

static inline uint64_t make_key(const keyspec *k, uint64_t b) {
    uint64_t sign = k->sign, mask = k->mask, key;
    if (k->is_float) {
        b = canon_bits(k, b);
        if (!k->total && b == sign) b = 0; /* FLOAT: -0 == +0 */
        key = (b & sign) ? (~b & mask) : (b | sign);
    } else if (k->is_signed) {
        key = (b & mask) ^ sign; /* sub-byte values are sign-extended through their byte */
    } else {
        key = b;
    }
    return k->descending ? (~key & mask) : key;
}

bool vt_k_sort_meets_nan(const vt_tensor *x, const vt_sort_key *key) {
    if (!vt_dtype_is_float(x->dtype) || key->ct == VT_CMPT_TOTALORDER) return false;
    keyspec k;
    keyspec_init(&k, x->dtype, key);
    if (!vt_float_format_of(x->dtype)->has_nan) return false;
    size_t es = k.es;
    for (size_t i = 0; i < x->nelem; i++)
        if (is_nan_bits(&k, canon_bits(&k, load_bits((const char *)x->data + i * es, es)))) return true;
    return false;
}

/* Stable sort of (key, pos): insertion sort for short rows, a merge sort for mid-sized ones
 * (a radix pass's histograms cost more there), else LSD radix with 8-bit digits, skipping
 * passes whose digit is one value for every key. Returns the buffer pair holding the result
 * (0: key/pos, 1: k2/p2). */
#define DEF_SORT(SUF, KT)                                                                           \
    static void insertion_##SUF(KT *key, uint32_t *pos, size_t n) {                                 \
        for (size_t i = 1; i < n; i++) {                                                            \
            KT kv = key[i];                                                                         \
            uint32_t pv = pos[i];                                                                   \
            size_t j = i;                                                                           \
            while (j > 0 && key[j - 1] > kv) {                                                      \
                key[j] = key[j - 1], pos[j] = pos[j - 1];                                           \
                j--;                                                                                \
            }                                                                                       \
            key[j] = kv, pos[j] = pv;                                                               \
        }                                                                                           \
    }                                                                                               \
    static int merge_##SUF(KT *key, uint32_t *pos, KT *k2, uint32_t *p2, size_t n) {                \
        for (size_t lo = 0; lo < n; lo += SMALL_ROW)                                                \
            insertion_##SUF(key + lo, pos + lo, n - lo < SMALL_ROW ? n - lo : SMALL_ROW);           \
        int where = 0;                                                                              \
        KT *ks = key, *kd = k2;                                                                     \
        uint32_t *ps = pos, *pd = p2;                                                               \
        for (size_t w = SMALL_ROW; w < n; w *= 2) {                                                 \
            for (size_t lo = 0; lo < n; lo += 2 * w) {                                              \
                size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;         \
                size_t a = lo, b = mid, o = lo;                                                     \
                while (a < mid && b < hi) { /* the right one only when strictly smaller: stable */  \
                    if (ks[b] < ks[a]) kd[o] = ks[b], pd[o++] = ps[b++];                            \
                    else kd[o] = ks[a], pd[o++] = ps[a++];                                          \
                }                                                                                   \
                while (a < mid) kd[o] = ks[a], pd[o++] = ps[a++];                                   \
                while (b < hi) kd[o] = ks[b], pd[o++] = ps[b++];                                    \
            }                                                                                       \
            KT *tk = ks;                                                                            \
            ks = kd, kd = tk;                                                                       \
            uint32_t *tp = ps;                                                                      \
            ps = pd, pd = tp;                                                                       \
            where ^= 1;                                                                             \
        }                                                                                           \
        return where;                                                                               \
    }                                                                                               \
    static int sort_##SUF(KT *key, uint32_t *pos, KT *k2, uint32_t *p2, size_t n, unsigned width) {  \
        if (n <= MERGE_ROW) return merge_##SUF(key, pos, k2, p2, n);                                \
        unsigned npass = width / 8;                                                                 \
        size_t hist[8][256];                                                                        \
        memset(hist, 0, sizeof hist);                                                               \
        for (size_t i = 0; i < n; i++) {                                                            \
            KT v = key[i];                                                                          \
            for (unsigned p = 0; p < npass; p++) hist[p][(v >> (8 * p)) & 0xff]++;                   \
        }                                                                                           \
        int where = 0;                                                                              \
        KT *ks = key, *kd = k2;                                                                     \
        uint32_t *ps = pos, *pd = p2;                                                               \
        for (unsigned p = 0; p < npass; p++) {                                                      \
            size_t *h = hist[p];                                                                    \
            if (h[(ks[0] >> (8 * p)) & 0xff] == n) continue;                                        \
            size_t sum = 0;                                                                         \
            for (int b = 0; b < 256; b++) {                                                         \
                size_t c = h[b];                                                                    \
                h[b] = sum;                                                                         \
                sum += c;                                                                           \
            }                                                                                       \
            for (size_t i = 0; i < n; i++) {                                                        \
                KT v = ks[i];                                                                       \
                size_t o = h[(v >> (8 * p)) & 0xff]++;                                              \
                kd[o] = v;                                                                          \
                pd[o] = ps[i];                                                                      \
            }                                                                                       \
            KT *tk = ks;                                                                            \
            ks = kd, kd = tk;                                                                       \
            uint32_t *tp = ps;                                                                      \
            ps = pd, pd = tp;                                                                       \
            where ^= 1;                                                                             \
        }                                                                                           \
        return where;                                                                               \
    }
DEF_SORT(u32, uint32_t)
DEF_SORT(u64, uint64_t)
#undef DEF_SORT

static void copy_elem(size_t es, char *d, const char *s) {
    switch (es) {
    case 1: *d = *s; break;
    case 2: memcpy(d, s, 2); break;
    case 4: memcpy(d, s, 4); break;
    case 8: memcpy(d, s, 8); break;
    case 16: memcpy(d, s, 16); break;
    default: memcpy(d, s, es); break;
    }
}

vt_status vt_k_sort_radix(vt_kctx *kc, size_t n, const vt_tensor *const *xs, int dim, const vt_sort_key *order,
                          vt_tensor *const *outs, size_t keep, vt_tensor *perm, vt_error *err) {
    const vt_tensor *x0 = xs[0];
    if (n == 0 || dim < 0 || dim >= x0->rank)
        return vt_error_set(err, VT_EINPUT, "sort: dimension %d is outside the operand's rank %d", dim, x0->rank);
    if (!vt_k_sort_radix_ok(x0->dtype, order->ct))
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: radix sort of %s keys", vt_dtype_name(x0->dtype));
    size_t len = (size_t)x0->dims[dim], stride = 1, outer = 1;
    if (keep > len) return vt_error_set(err, VT_EINPUT, "sort: keep %zu > row length %zu", keep, len);
    if (len > UINT32_MAX) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: sorting rows of more than 2^32 elements");
    for (int d = x0->rank - 1; d > dim; d--) stride *= (size_t)x0->dims[d];
    for (int d = 0; d < dim; d++) outer *= (size_t)x0->dims[d];
    for (size_t k = 0; k < n; k++) {
        if (!vt_tensor_same_shape(xs[k], x0))
            return vt_error_set(err, VT_EINPUT, "sort: operand %zu differs in shape from operand 0", k);
        const vt_tensor *o = outs ? outs[k] : NULL;
        if (o && (o->dtype != xs[k]->dtype || o->rank != x0->rank || (size_t)o->dims[dim] != keep || o->nelem != outer * stride * keep))
            return vt_error_set(err, VT_EINPUT, "sort: result %zu does not have the operand's type with %zu kept", k, keep);
    }
    if (perm && (!vt_dtype_is_int(perm->dtype) || perm->nelem != outer * stride * keep))
        return vt_error_set(err, VT_EINPUT, "sort: the permutation result must be integers of the kept shape");
    uint64_t lg = 1;
    while (((size_t)1 << lg) < len) lg++;
    uint64_t units;
    if (__builtin_mul_overflow((uint64_t)x0->nelem, lg, &units)) units = UINT64_MAX;
    vt_status s = vt_kctx_charge(kc, units, err);
    if (s || x0->nelem == 0) return s;
    keyspec ks;
    keyspec_init(&ks, x0->dtype, order);
    bool wide = ks.width > 32;
    size_t kes = wide ? 8 : 4;
    char *key = vt_k_scratch(kc, len, kes, "sort", err), *k2 = key ? vt_k_scratch(kc, len, kes, "sort", err) : NULL;
    uint32_t *pos = k2 ? vt_k_scratch(kc, len, 4, "sort", err) : NULL, *p2 = pos ? vt_k_scratch(kc, len, 4, "sort", err) : NULL;
    if (!p2) {
        free(key), free(k2), free(pos);
        return err->code;
    }
    size_t es0 = ks.es, ps = perm ? vt_dtype_size(perm->dtype) : 0;
    for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < stride; in++) {
            size_t base = o * len * stride + in, obase = o * keep * stride + in;
            const char *src = (const char *)x0->data + base * es0;
            if (wide) {
                uint64_t *kk = (uint64_t *)key;
                for (size_t i = 0; i < len; i++) kk[i] = make_key(&ks, load_bits(src + i * stride * es0, es0));
            } else {
                uint32_t *kk = (uint32_t *)key;
                for (size_t i = 0; i < len; i++) kk[i] = (uint32_t)make_key(&ks, load_bits(src + i * stride * es0, es0));
            }
            for (size_t i = 0; i < len; i++) pos[i] = (uint32_t)i;
            int where = wide ? sort_u64((uint64_t *)key, pos, (uint64_t *)k2, p2, len, ks.width)
                             : sort_u32((uint32_t *)key, pos, (uint32_t *)k2, p2, len, ks.width);
            const uint32_t *pp = where ? p2 : pos;
            for (size_t k = 0; outs && k < n; k++) {
                if (!outs[k]) continue;
                size_t es = vt_dtype_size(xs[k]->dtype);
                const char *xd = (const char *)xs[k]->data + base * es;
                char *od = (char *)outs[k]->data + obase * es;
                if (stride == 1 && es == 4) {
                    uint32_t *d4 = (uint32_t *)(void *)od;
                    for (size_t i = 0; i < keep; i++) memcpy(&d4[i], xd + (size_t)pp[i] * 4, 4);
                } else {
                    for (size_t i = 0; i < keep; i++) copy_elem(es, od + i * stride * es, xd + (size_t)pp[i] * stride * es);
                }
            }
            if (perm)
                for (size_t i = 0; i < keep; i++)
                    vt_store_i64(perm->dtype, (char *)perm->data + (obase + i * stride) * ps, (int64_t)pp[i]);
        }
    }
    free(key), free(k2), free(pos), free(p2);
    return VT_OK;
}
