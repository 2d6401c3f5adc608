/* Type-changing elementwise ops: convert (vt_convert's rules), bitcast_convert (bits reread,
 * possibly across a grown or shrunk last dimension) and reduce_precision (XLA's bit recipe). */
#include "interp/k_elementwise.h"

#include <string.h>

static bool valid_dtype(vt_dtype t) { return (int)t >= 0 && t < VT_DTYPE_COUNT; }

vt_status vt_k_convert_resolve(vt_dtype from, vt_dtype to, vt_k_op *k, vt_error *err) {
    memset(k, 0, sizeof *k);
    if (!valid_dtype(from) || !valid_dtype(to))
        return vt_error_set(err, VT_EINPUT, "convert: invalid element type");
    k->name = "convert";
    k->arity = 1;
    k->in_t[0] = k->cin_t[0] = from;
    k->out_t = k->cout_t = to;
    k->bits = vt_dtype_bits(to);
    k->core = NULL; /* vt_k_run_range calls vt_convert */
    return VT_OK;
}

vt_status vt_k_convert(vt_kctx *ctx, const vt_tensor *x, vt_tensor *out, vt_error *err) {
    if (!x || !out) return vt_error_set(err, VT_EINPUT, "convert: operand or result is missing");
    vt_k_op k;
    vt_status s = vt_k_convert_resolve(x->dtype, out->dtype, &k, err);
    if (s) return s;
    const vt_tensor *in[1] = {x};
    return vt_k_run_tensors(ctx, &k, in, 0, out, err);
}

/* ---- bitcast_convert ------------------------------------------------------------------------ */
static vt_status check_tensor(const vt_tensor *t, const char *what, vt_error *err) {
    if (!t) return vt_error_set(err, VT_EINPUT, "bitcast_convert: %s is missing", what);
    if (!valid_dtype(t->dtype)) return vt_error_set(err, VT_EINPUT, "bitcast_convert: %s has an invalid type", what);
    if (!vt_k_bytes_ok(t))
        return vt_error_set(err, VT_EINPUT, "bitcast_convert: %s: %zu bytes for %zu elements", what, t->nbytes,
                            t->nelem);
    return VT_OK;
}

vt_status vt_k_bitcast_convert(vt_kctx *ctx, const vt_tensor *x, vt_tensor *out, vt_error *err) {
    vt_status s = check_tensor(x, "operand", err);
    if (!s) s = check_tensor(out, "result", err);
    if (s) return s;
    unsigned bx = vt_dtype_bits(x->dtype), bo = vt_dtype_bits(out->dtype);
    char b1[128], b2[128];
    vt_tensor_type_str(x, b1, sizeof b1);
    vt_tensor_type_str(out, b2, sizeof b2);
    /* the shape rule: equal widths keep the shape; otherwise the narrower side has one more
     * dimension, of size (wide bits / narrow bits), at the end */
    const vt_tensor *wide = bx >= bo ? x : out, *narrow = bx >= bo ? out : x;
    unsigned bw = bx >= bo ? bx : bo, bn = bx >= bo ? bo : bx;
    bool ok;
    if (bx == bo) {
        ok = vt_tensor_same_shape(x, out);
    } else {
        ok = bw % bn == 0 && narrow->rank == wide->rank + 1 && narrow->dims[narrow->rank - 1] == (int64_t)(bw / bn);
        for (int i = 0; ok && i < wide->rank; i++) ok = wide->dims[i] == narrow->dims[i];
    }
    if (!ok) return vt_error_set(err, VT_EINPUT, "bitcast_convert: cannot reinterpret %s as %s", b1, b2);
    uint64_t units;
    if (!vt_add_u64((uint64_t)x->nelem, (uint64_t)out->nelem, &units)) units = UINT64_MAX;
    s = vt_kctx_charge(ctx, units, err);
    if (s) return s;
    size_t sx = vt_dtype_size(x->dtype), so = vt_dtype_size(out->dtype);
    if (sx * 8 == bx && so * 8 == bo) { /* whole bytes: little-endian storage is the bit order */
        if (out->nbytes) memmove(out->data, x->data, out->nbytes);
        return VT_OK;
    }
    /* sub-byte side (i1, i2, i4, ui2, ui4, f4, f6): move bit by bit */
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    if (out->nbytes) memset(dst, 0, out->nbytes);
    size_t total;
    if (!vt_mul_size(x->nelem, bx, &total)) return vt_error_set(err, VT_ELIMIT, "bitcast_convert: %s is too large", b1);
    for (size_t bit = 0; bit < total; bit++) {
        size_t ei = bit / bx, oi = bit % bx;
        unsigned v = (src[ei * sx + oi / 8] >> (oi % 8)) & 1u;
        size_t eo = bit / bo, oo = bit % bo;
        dst[eo * so + oo / 8] |= (uint8_t)(v << (oo % 8));
    }
    if (bo < 8 && vt_dtype_kind_of(out->dtype) == VT_KIND_SINT) vt_k_wrap_subbyte(dst, out->nelem, bo, true);
    return VT_OK;
}

/* ---- reduce_precision ----------------------------------------------------------------------- */
static uint64_t load_bits(const uint8_t *p, size_t es) {
    uint64_t v = 0;
    for (size_t i = 0; i < es; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static void store_bits(uint8_t *p, size_t es, uint64_t v) {
    for (size_t i = 0; i < es; i++) p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct rp_params {
    unsigned nbits, se, sm;
    int e, m;
} rp_params;

/* XLA's recipe on the type's own bits (so denormals of the type behave as on XLA): round the
 * mantissa to m bits, ties to even; then values whose exponent is beyond the e-bit range go to
 * signed infinity, and values at or below its minimum exponent go to signed zero. */
static uint64_t reduce_bits(uint64_t x, const rp_params *p) {
    uint64_t all = p->nbits >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << p->nbits) - 1);
    uint64_t sign_mask = (uint64_t)1 << (p->nbits - 1);
    uint64_t exp_mask = (((uint64_t)1 << p->se) - 1) << p->sm;
    uint64_t man_mask = ((uint64_t)1 << p->sm) - 1;
    bool is_nan = (x & exp_mask) == exp_mask && (x & man_mask) != 0;
    uint64_t orig = x;
    if ((unsigned)p->m < p->sm) {
        uint64_t last = (uint64_t)1 << (p->sm - (unsigned)p->m);
        uint64_t bias = (last >> 1) - 1 + ((x & last) ? 1 : 0);
        x = ((x + bias) & ~(last - 1)) & all;
    }
    if ((unsigned)p->e < p->se) {
        uint64_t ebias = ((uint64_t)1 << (p->se - 1)) - 1;
        uint64_t rbias = ((uint64_t)1 << (p->e - 1)) - 1;
        uint64_t xe = x & exp_mask;
        if (xe > ((ebias + rbias) << p->sm)) x = (x & sign_mask) | exp_mask;
        else if (xe <= ((ebias - rbias) << p->sm)) x &= sign_mask;
    }
    /* NaN stays NaN; with no mantissa bits left there is no NaN, so it becomes infinity */
    if (is_nan) x = p->m > 0 ? orig : ((orig & sign_mask) | exp_mask);
    return x;
}

vt_status vt_k_reduce_precision(vt_kctx *ctx, const vt_tensor *x, int exponent_bits, int mantissa_bits,
                                vt_tensor *out, vt_error *err) {
    if (!x || !out) return vt_error_set(err, VT_EINPUT, "reduce_precision: operand or result is missing");
    if (exponent_bits < 1 || exponent_bits > 64 || mantissa_bits < 0 || mantissa_bits > 64)
        return vt_error_set(err, VT_EINPUT, "reduce_precision: format e%dm%d out of range (need 1 <= e, 0 <= m)",
                            exponent_bits, mantissa_bits);
    const vt_float_format *f = vt_float_format_of(x->dtype);
    if (!f || !f->has_inf)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: reduce_precision on %s", vt_dtype_name(x->dtype));
    if (out->dtype != x->dtype || !vt_tensor_same_shape(x, out))
        return vt_error_set(err, VT_EINPUT, "reduce_precision: result type differs from the operand's");
    size_t es = vt_dtype_size(x->dtype);
    if (!vt_k_bytes_ok(x) || !vt_k_bytes_ok(out))
        return vt_error_set(err, VT_EINPUT, "reduce_precision: tensor byte sizes are inconsistent");
    uint64_t units;
    if (!vt_mul_u64((uint64_t)x->nelem, 2, &units)) units = UINT64_MAX;
    vt_status s = vt_kctx_charge(ctx, units, err);
    if (s) return s;
    rp_params p = {vt_dtype_bits(x->dtype), f->exp_bits, f->mant_bits, exponent_bits, mantissa_bits};
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    if (es == 4) {
        const uint32_t *a = x->data;
        uint32_t *o = out->data;
        for (size_t i = 0; i < x->nelem; i++) o[i] = (uint32_t)reduce_bits(a[i], &p);
    } else if (es == 8) {
        const uint64_t *a = x->data;
        uint64_t *o = out->data;
        for (size_t i = 0; i < x->nelem; i++) o[i] = reduce_bits(a[i], &p);
    } else {
        for (size_t i = 0; i < x->nelem; i++) store_bits(dst + i * es, es, reduce_bits(load_bits(src + i * es, es), &p));
    }
    return VT_OK;
}
