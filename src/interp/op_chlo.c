/* chlo ops that the elementwise kernels do not cover: chlo.mulhi (the high half of the full
 * integer product), chlo.scan (a body run once per position along a dimension, carrying
 * state) and chlo.zeta / chlo.polygamma (f64 special functions, k_special.c, rounded once).
 * chlo.ragged_dot lives in op_ragged_dot.c. */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"
#include "interp/k_shape.h"
#include "interp/k_special.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* High 64 bits of the 128-bit unsigned product, from 32-bit halves (no compiler extension). */
static uint64_t umulhi64(uint64_t a, uint64_t b) {
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* Signed: hi(a*b) = uhi(a*b) - (a < 0 ? b : 0) - (b < 0 ? a : 0) (mod 2^64). */
static uint64_t smulhi64(uint64_t a, uint64_t b) {
    uint64_t h = umulhi64(a, b);
    if ((int64_t)a < 0) h -= b;
    if ((int64_t)b < 0) h -= a;
    return h;
}

uint64_t vt_mulhi_bits(uint64_t a, uint64_t b, unsigned bits, bool is_signed);
uint64_t vt_mulhi_bits(uint64_t a, uint64_t b, unsigned bits, bool is_signed) {
    if (bits == 64) return is_signed ? smulhi64(a, b) : umulhi64(a, b);
    /* operands are sign- or zero-extended to 64 bits, so the product fits in 64 bits */
    uint64_t p = is_signed ? (uint64_t)((int64_t)a * (int64_t)b) : a * b;
    return is_signed ? (uint64_t)((int64_t)p >> bits) : p >> bits;
}

static vt_status exec_mulhi(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *a, *b;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &a);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &b);
    if (s) return s;
    if (a->dtype != b->dtype || !vt_dtype_is_int(a->dtype))
        return vt_error_set(r->err, VT_EINPUT, "chlo.mulhi: operands must be integer tensors of one type");
    bool ab = a->nelem == 1 && a->rank == 0, bb = b->nelem == 1 && b->rank == 0;
    bool same = a->rank == b->rank;
    for (int i = 0; same && i < a->rank; i++) same = a->dims[i] == b->dims[i];
    if (!same && !ab && !bb)
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: chlo.mulhi with implicit broadcasting of non-scalars");
    const vt_tensor *big = ab ? b : a;
    vt_tensor *res = vt_rt_alloc(r, a->dtype, big->rank, big->dims);
    if (!res) return r->err->code;
    if ((s = vt_rt_charge(r, res->nelem)) != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    size_t n = res->nelem;
    uint64_t *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y),
             *z = malloc((n ? n : 1) * sizeof *z);
    if (!x || !y || !z) {
        free(x);
        free(y);
        free(z);
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    vt_k_to_u64(a->dtype, a->data, x, a->nelem);
    vt_k_to_u64(b->dtype, b->data, y, b->nelem);
    bool sg = vt_dtype_kind_of(a->dtype) == VT_KIND_SINT;
    unsigned bits = vt_dtype_bits(a->dtype);
    for (size_t i = 0; i < n; i++) z[i] = vt_mulhi_bits(x[ab ? 0 : i], y[bb ? 0 : i], bits, sg);
    vt_k_from_u64(res->dtype, z, sg, res->data, n);
    free(x);
    free(z);
    free(y);
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

/* Views t as [outer, dims[d], inner] (inner in bytes). */
static void split3(const vt_tensor *t, int d, size_t *outer, size_t *inner) {
    size_t o = 1, in = vt_dtype_size(t->dtype);
    for (int i = 0; i < d; i++) o *= (size_t)t->dims[i];
    for (int i = d + 1; i < t->rank; i++) in *= (size_t)t->dims[i];
    *outer = o;
    *inner = in;
}

/* Copies position `pos` along d between a full tensor and its rank-reduced slice. */
static void move_slice(vt_tensor *full, vt_tensor *slice, int d, int64_t pos, bool to_full) {
    size_t outer, inner;
    split3(full, d, &outer, &inner);
    for (size_t o = 0; o < outer; o++) {
        char *fp = (char *)full->data + (o * (size_t)full->dims[d] + (size_t)pos) * inner;
        char *sp = (char *)slice->data + o * inner;
        if (inner) memcpy(to_full ? fp : sp, to_full ? sp : fp, inner);
    }
}

static vt_status exec_scan(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    int64_t seg[2], d;
    size_t ns;
    if (!vt_attr_i64s(op, "operandSegmentSizes", seg, 2, &ns) || ns != 2 || seg[0] < 1 || seg[1] < 0 ||
        (size_t)(seg[0] + seg[1]) != op->noperands)
        return vt_error_set(r->err, VT_EINPUT, "chlo.scan: bad operand segments");
    size_t nin = (size_t)seg[0], nc = (size_t)seg[1];
    if (op->nresults < nc || op->nregions != 1 || op->regions[0]->nblocks != 1)
        return vt_error_set(r->err, VT_EINPUT, "chlo.scan: needs %zu carry results and one body", nc);
    size_t nout = op->nresults - nc;
    if (!vt_attr_i64(op, "dimension", &d)) return vt_error_set(r->err, VT_EINPUT, "chlo.scan: missing dimension");
    vt_attr *ra = vt_op_attr(op, "is_reverse");
    bool rev = ra && (ra->kind == VT_ATTR_UNIT || (ra->kind == VT_ATTR_BOOL && ra->b));
    vt_tensor *x0;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x0);
    if (s) return s;
    if (d < 0 || d >= x0->rank) return vt_error_set(r->err, VT_EINPUT, "chlo.scan: dimension %lld out of range", (long long)d);
    int64_t L = x0->dims[d];
    size_t nargs = nin + nc, nres = nout + nc;
    vt_rvalue *args = calloc(nargs, sizeof *args), *res = calloc(nres, sizeof *res), *carry = calloc(nc ? nc : 1, sizeof *carry);
    vt_tensor **outs = calloc(nout ? nout : 1, sizeof *outs);
    if (!args || !res || !carry || !outs) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t k = 0; s == VT_OK && k < nin; k++) {
        vt_tensor *x;
        if ((s = vt_rt_expect_tensor(r, op, &in[k], k, &x)) != VT_OK) break;
        if (x->rank != x0->rank || x->dims[d] != L) {
            s = vt_error_set(r->err, VT_EINPUT, "chlo.scan: input %zu does not match input 0 along the dimension", k);
            break;
        }
        int64_t sd[VT_MAX_RANK];
        for (int i = 0, j = 0; i < x->rank; i++)
            if (i != d) sd[j++] = x->dims[i];
        vt_tensor *sl = vt_rt_alloc(r, x->dtype, x->rank - 1, sd);
        if (!sl) s = r->err->code;
        else args[k] = vt_rvalue_tensor(sl);
    }
    for (size_t k = 0; s == VT_OK && k < nc; k++) s = vt_rvalue_copy(&in[nin + k], &carry[k], r->err);
    for (size_t k = 0; s == VT_OK && k < nout; k++) {
        outs[k] = vt_rt_result(r, op, k);
        if (!outs[k]) s = r->err->code;
        else if (outs[k]->rank != x0->rank || outs[k]->dims[d] != L)
            s = vt_error_set(r->err, VT_EINPUT, "chlo.scan: result %zu does not have the scanned length", k);
    }
    for (int64_t t = 0; s == VT_OK && t < L; t++) {
        int64_t pos = rev ? L - 1 - t : t;
        for (size_t k = 0; k < nin; k++) move_slice(in[k].tensor, args[k].tensor, (int)d, pos, false);
        for (size_t k = 0; k < nc; k++) args[nin + k] = carry[k]; /* borrowed for the call */
        s = vt_exec_region(r, f, op->regions[0], args, nargs, res, nres);
        for (size_t k = 0; k < nc; k++) args[nin + k] = (vt_rvalue){0};
        if (s) break;
        for (size_t k = 0; s == VT_OK && k < nout; k++) {
            vt_tensor *y = res[k].kind == VT_RV_TENSOR ? res[k].tensor : NULL;
            size_t o, inner;
            if (y) split3(outs[k], (int)d, &o, &inner);
            if (!y || y->dtype != outs[k]->dtype || y->nbytes != o * inner)
                s = vt_error_set(r->err, VT_EINPUT, "chlo.scan: body output %zu does not fit result %zu", k, k);
            else move_slice(outs[k], y, (int)d, pos, true);
        }
        for (size_t k = 0; k < nout; k++) vt_rvalue_release(&res[k]);
        for (size_t k = 0; k < nc; k++) {
            vt_rvalue_release(&carry[k]);
            carry[k] = res[nout + k];
            res[nout + k] = (vt_rvalue){0};
        }
    }
    if (s == VT_OK) {
        for (size_t k = 0; k < nout; k++) {
            out[k] = vt_rvalue_tensor(outs[k]);
            outs[k] = NULL;
        }
        for (size_t k = 0; k < nc; k++) {
            out[nout + k] = carry[k];
            carry[k] = (vt_rvalue){0};
        }
    }
    if (args)
        for (size_t k = 0; k < nargs; k++) vt_rvalue_release(&args[k]);
    if (res)
        for (size_t k = 0; k < nres; k++) vt_rvalue_release(&res[k]);
    if (carry)
        for (size_t k = 0; k < nc; k++) vt_rvalue_release(&carry[k]);
    if (outs)
        for (size_t k = 0; k < nout; k++) vt_tensor_release(outs[k]);
    free(args);
    free(res);
    free(carry);
    free(outs);
    return s;
}

/* ---- chlo.zeta(x, q) and chlo.polygamma(n, x): elementwise, rank-0 operands broadcast ---- */

typedef struct special_job {
    const vt_tensor *a, *b;
    vt_tensor *o;
    bool poly;
} special_job;

enum { SPECIAL_CHUNK = 256 };

/* Operand values [i, i + n) as f64 (a rank-0 operand repeats its one element). */
static void load_f64(const vt_tensor *t, size_t i, size_t n, double *dst) {
    if (t->nelem == 1 && t->rank == 0) {
        double v;
        vt_k_to_f64(t->dtype, t->data, &v, 1);
        for (size_t k = 0; k < n; k++) dst[k] = v;
        return;
    }
    vt_k_to_f64(t->dtype, (const char *)t->data + i * vt_dtype_size(t->dtype), dst, n);
}

static void special_range(void *arg, size_t b, size_t e) {
    const special_job *j = arg;
    double xa[SPECIAL_CHUNK], xb[SPECIAL_CHUNK], y[SPECIAL_CHUNK];
    size_t os = vt_dtype_size(j->o->dtype);
    for (size_t i = b; i < e; i += SPECIAL_CHUNK) {
        size_t n = e - i < SPECIAL_CHUNK ? e - i : SPECIAL_CHUNK;
        load_f64(j->a, i, n, xa);
        load_f64(j->b, i, n, xb);
        for (size_t k = 0; k < n; k++) y[k] = j->poly ? vt_k_polygamma(xa[k], xb[k]) : vt_k_zeta(xa[k], xb[k]);
        vt_k_from_f64(j->o->dtype, y, (char *)j->o->data + i * os, n);
    }
}

/* Work: 16 units per element plus the direct-sum terms each element needs (summed before any
 * is computed, so a hostile q far below zero is refused by the fuel limit, not run). */
static uint64_t special_work(const special_job *j, size_t n) {
    double xa[SPECIAL_CHUNK], xb[SPECIAL_CHUNK];
    uint64_t units = 16 * (uint64_t)n;
    for (size_t i = 0; i < n; i += SPECIAL_CHUNK) {
        size_t m = n - i < SPECIAL_CHUNK ? n - i : SPECIAL_CHUNK;
        load_f64(j->a, i, m, xa);
        load_f64(j->b, i, m, xb);
        for (size_t k = 0; k < m; k++) {
            bool natural = xa[k] >= 1.0 && xa[k] == floor(xa[k]);
            if (!j->poly || natural) units += (uint64_t)vt_k_zeta_terms(j->poly ? xa[k] + 1.0 : xa[k], xb[k]);
        }
    }
    return units;
}

static vt_status exec_special(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    const char *name = vt_op_name(op);
    vt_tensor *a, *b;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &a);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &b);
    if (s) return s;
    if (a->dtype != b->dtype || !vt_dtype_is_float(a->dtype))
        return vt_error_set(r->err, VT_EINPUT, "%s: operands must be floating-point tensors of one type, not %s and %s", name,
                            vt_dtype_name(a->dtype), vt_dtype_name(b->dtype));
    if (!vt_k_bytes_ok(a) || !vt_k_bytes_ok(b))
        return vt_error_set(r->err, VT_EINPUT, "%s: operand byte size does not match its shape", name);
    bool as = a->rank == 0 && a->nelem == 1, bs = b->rank == 0 && b->nelem == 1;
    if (!as && !bs && !vt_tensor_same_shape(a, b))
        return vt_error_set(r->err, VT_EINPUT, "%s: operand shapes differ", name);
    const vt_tensor *big = as ? b : a;
    special_job j = {a, b, NULL, op->code == VT_OP_CHLO_POLYGAMMA};
    if ((s = vt_rt_charge(r, special_work(&j, big->nelem))) != VT_OK) return s;
    vt_tensor *res = vt_rt_alloc(r, a->dtype, big->rank, big->dims);
    if (!res) return r->err->code;
    j.o = res;
    if (res->nelem) vt_k_parallel_for(r->kc.threads, res->nelem, 4096, special_range, &j);
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_chlo_fn(const vt_op *op);
vt_exec_fn vt_exec_chlo_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_CHLO_MULHI: return exec_mulhi;
    case VT_OP_CHLO_SCAN: return exec_scan;
    case VT_OP_CHLO_ZETA:
    case VT_OP_CHLO_POLYGAMMA: return exec_special;
    default: return NULL;
    }
}
