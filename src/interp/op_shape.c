/* Data-movement ops on runtime values: broadcast_in_dim, broadcast, reshape, transpose, slice,
 * dynamic_slice, dynamic_update_slice, concatenate, pad, reverse, iota. Result shapes come from
 * the verified result types; the kernels are in k_shape.c. */
#include "interp/interp_internal.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

static vt_status finish(vt_run *r, vt_status s, vt_tensor *res, vt_rvalue *out) {
    (void)r;
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status list_attr(vt_run *r, const vt_op *op, const char *name, int64_t *v, size_t *n, bool required) {
    if (!vt_attr_i64s(op, name, v, MAXR, n)) {
        if (!required && !vt_op_attr(op, name)) {
            *n = 0;
            return VT_OK;
        }
        return vt_error_set(r->err, VT_EINPUT, "%s: attribute %s is missing or not an integer list", vt_op_name(op), name);
    }
    return VT_OK;
}

#define OPERAND(i, var)                                                      \
    vt_tensor *var;                                                          \
    do {                                                                     \
        vt_status _s = vt_rt_expect_tensor(r, op, &in[i], i, &var);          \
        if (_s != VT_OK) return _s;                                          \
    } while (0)
#define RESULT(var)                                                          \
    vt_tensor *var = vt_rt_result(r, op, 0);                                 \
    if (!var) return r->err->code

static vt_status exec_broadcast_in_dim(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dims[MAXR];
    size_t n;
    vt_status s = list_attr(r, op, "broadcast_dimensions", dims, &n, true);
    if (s) return s;
    OPERAND(0, x);
    RESULT(res);
    return finish(r, vt_k_broadcast_in_dim(&r->kc, x, dims, (int)n, res, r->err), res, out);
}

static vt_status exec_broadcast(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    OPERAND(0, x);
    RESULT(res);
    /* Legacy broadcast: result dims = broadcast_sizes ++ operand dims. */
    int64_t dims[MAXR];
    int lead = res->rank - x->rank;
    if (lead < 0) {
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_EINPUT, "broadcast: result rank below operand rank");
    }
    for (int i = 0; i < x->rank; i++) dims[i] = lead + i;
    return finish(r, vt_k_broadcast_in_dim(&r->kc, x, dims, x->rank, res, r->err), res, out);
}

static vt_status exec_reshape(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    OPERAND(0, x);
    RESULT(res);
    return finish(r, vt_k_reshape(&r->kc, x, res, r->err), res, out);
}

static vt_status exec_transpose(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t perm[MAXR];
    size_t n;
    vt_status s = list_attr(r, op, "permutation", perm, &n, true);
    if (s) return s;
    OPERAND(0, x);
    RESULT(res);
    return finish(r, vt_k_transpose(&r->kc, x, perm, (int)n, res, r->err), res, out);
}

static vt_status exec_slice(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t start[MAXR], limit[MAXR], strides[MAXR];
    size_t n1, n2, n3;
    vt_status s = list_attr(r, op, "start_indices", start, &n1, true);
    if (!s) s = list_attr(r, op, "limit_indices", limit, &n2, true);
    if (!s) s = list_attr(r, op, "strides", strides, &n3, false);
    if (s) return s;
    OPERAND(0, x);
    if (n3 == 0)
        for (size_t i = 0; i < n1; i++) strides[i] = 1;
    if ((int)n1 != x->rank || n2 != n1 || (n3 && n3 != n1))
        return vt_error_set(r->err, VT_EINPUT, "slice: index lists do not match the operand rank %d", x->rank);
    RESULT(res);
    return finish(r, vt_k_slice(&r->kc, x, start, limit, strides, res, r->err), res, out);
}

static vt_status exec_dynamic_slice(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    OPERAND(0, x);
    if (op->noperands != (size_t)x->rank + 1)
        return vt_error_set(r->err, VT_EINPUT, "dynamic_slice: %zu start indices for rank %d", op->noperands - 1, x->rank);
    const vt_tensor *idx[MAXR];
    for (int i = 0; i < x->rank; i++) {
        OPERAND((size_t)i + 1, t);
        idx[i] = t;
    }
    RESULT(res);
    return finish(r, vt_k_dynamic_slice(&r->kc, x, idx, res, r->err), res, out);
}

static vt_status exec_dynamic_update_slice(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                           vt_rvalue *out) {
    (void)f;
    OPERAND(0, x);
    OPERAND(1, upd);
    if (op->noperands != (size_t)x->rank + 2)
        return vt_error_set(r->err, VT_EINPUT, "dynamic_update_slice: %zu start indices for rank %d", op->noperands - 2, x->rank);
    const vt_tensor *idx[MAXR];
    for (int i = 0; i < x->rank; i++) {
        OPERAND((size_t)i + 2, t);
        idx[i] = t;
    }
    /* In place when the operand dies here: JAX's scan writes one row per step into a buffer. */
    if ((c & 1) && x->refcount == 1 && x->release) {
        vt_tensor *res = vt_tensor_retain(x);
        return finish(r, vt_k_dynamic_update_slice(&r->kc, res, upd, idx, res, r->err), res, out);
    }
    RESULT(res);
    return finish(r, vt_k_dynamic_update_slice(&r->kc, x, upd, idx, res, r->err), res, out);
}

static vt_status exec_concatenate(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dim;
    if (!vt_attr_i64(op, "dimension", &dim)) return vt_error_set(r->err, VT_EINPUT, "concatenate: missing dimension");
    const vt_tensor *small[16];
    const vt_tensor **ins = op->noperands <= 16 ? small : malloc(op->noperands * sizeof *ins);
    if (!ins) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    vt_status s = VT_OK;
    for (size_t i = 0; i < op->noperands && s == VT_OK; i++) {
        vt_tensor *t;
        s = vt_rt_expect_tensor(r, op, &in[i], i, &t);
        ins[i] = t;
    }
    vt_tensor *res = s == VT_OK ? vt_rt_result(r, op, 0) : NULL;
    if (s == VT_OK && !res) s = r->err->code;
    if (s == VT_OK) s = finish(r, vt_k_concatenate(&r->kc, ins, (int)op->noperands, dim, res, r->err), res, out);
    if (ins != small) free(ins);
    return s;
}

static vt_status exec_pad(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t lo[MAXR], hi[MAXR], inter[MAXR];
    size_t n1, n2, n3;
    vt_status s = list_attr(r, op, "edge_padding_low", lo, &n1, true);
    if (!s) s = list_attr(r, op, "edge_padding_high", hi, &n2, true);
    if (!s) s = list_attr(r, op, "interior_padding", inter, &n3, true);
    if (s) return s;
    OPERAND(0, x);
    OPERAND(1, pv);
    if ((int)n1 != x->rank || n2 != n1 || n3 != n1)
        return vt_error_set(r->err, VT_EINPUT, "pad: padding lists do not match the operand rank %d", x->rank);
    RESULT(res);
    return finish(r, vt_k_pad(&r->kc, x, pv, lo, hi, inter, res, r->err), res, out);
}

static vt_status exec_reverse(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dims[MAXR];
    size_t n;
    vt_status s = list_attr(r, op, "dimensions", dims, &n, true);
    if (s) return s;
    OPERAND(0, x);
    RESULT(res);
    return finish(r, vt_k_reverse(&r->kc, x, dims, (int)n, res, r->err), res, out);
}

static vt_status exec_iota(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c, (void)in;
    int64_t dim;
    if (!vt_attr_i64(op, "iota_dimension", &dim)) return vt_error_set(r->err, VT_EINPUT, "iota: missing iota_dimension");
    RESULT(res);
    return finish(r, vt_k_iota(&r->kc, dim, res, r->err), res, out);
}

vt_exec_fn vt_exec_shape_fn(const vt_op *op);
vt_exec_fn vt_exec_shape_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_BROADCAST_IN_DIM: return exec_broadcast_in_dim;
    case VT_OP_BROADCAST: return exec_broadcast;
    case VT_OP_RESHAPE: return exec_reshape;
    case VT_OP_TRANSPOSE: return exec_transpose;
    case VT_OP_SLICE: return exec_slice;
    case VT_OP_DYNAMIC_SLICE: return exec_dynamic_slice;
    case VT_OP_DYNAMIC_UPDATE_SLICE: return exec_dynamic_update_slice;
    case VT_OP_CONCATENATE: return exec_concatenate;
    case VT_OP_PAD: return exec_pad;
    case VT_OP_REVERSE: return exec_reverse;
    case VT_OP_IOTA: return exec_iota;
    default: return NULL;
    }
}
