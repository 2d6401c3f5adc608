/* Dynamic-shape ops whose shapes are known at run time: dynamic_broadcast_in_dim, dynamic_reshape,
 * dynamic_iota, dynamic_pad, real_dynamic_slice. Result shapes come from the shape operands (the
 * `?` of the result types is checked, never trusted); the kernels are those of k_shape.c. */
#include "interp/interp_internal.h"
#include "interp/k_shape.h"

#include <string.h>

#define MAXR VT_MAX_RANK

/* Reads a 1-D integer operand (a shape or a padding list) of at most MAXR elements. */
static vt_status read_list(vt_run *r, const vt_op *op, const vt_rvalue *v, size_t idx, int64_t *out, size_t *n) {
    vt_tensor *t;
    vt_status s = vt_rt_expect_tensor(r, op, v, idx, &t);
    if (s) return s;
    if (t->rank != 1 || !vt_dtype_is_int(t->dtype))
        return vt_error_set(r->err, VT_EINPUT, "%s: operand %zu must be a 1-D integer tensor", vt_op_name(op), idx);
    if (t->nelem > MAXR)
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: %s: operand %zu has %zu elements (rank limit %d)",
                            vt_op_name(op), idx, t->nelem, MAXR);
    for (size_t i = 0; i < t->nelem; i++) out[i] = vt_load_i64(t->dtype, (char *)t->data + i * vt_dtype_size(t->dtype));
    *n = t->nelem;
    return VT_OK;
}

/* Allocates result 0 with run-time dims, checking them against the static dims of its type. */
static vt_status alloc_result(vt_run *r, const vt_op *op, const int64_t *dims, size_t rank, vt_tensor **out) {
    const vt_type *t = op->results[0].type;
    if (!t || t->kind != VT_TYPE_TENSOR || (size_t)t->rank != rank)
        return vt_error_set(r->err, VT_EINPUT, "%s: result rank %d does not match the %zu run-time dims", vt_op_name(op),
                            t && t->kind == VT_TYPE_TENSOR ? t->rank : -1, rank);
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return vt_error_set(r->err, VT_EINPUT, "%s: run-time dim %zu is negative (%lld)", vt_op_name(op), i,
                                (long long)dims[i]);
        if (t->dims[i] != VT_DYN && t->dims[i] != dims[i])
            return vt_error_set(r->err, VT_EINPUT, "%s: run-time dim %zu is %lld but the result type says %lld",
                                vt_op_name(op), i, (long long)dims[i], (long long)t->dims[i]);
    }
    *out = vt_rt_alloc(r, t->dtype, (int)rank, dims);
    return *out ? VT_OK : r->err->code;
}

static vt_status finish(vt_status s, vt_tensor *res, vt_rvalue *out) {
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status exec_dynamic_broadcast_in_dim(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                               vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dims[MAXR], bd[MAXR];
    size_t n, nb;
    vt_tensor *x, *res;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = read_list(r, op, &in[1], 1, dims, &n);
    if (s) return s;
    if (!vt_attr_i64s(op, "broadcast_dimensions", bd, MAXR, &nb))
        return vt_error_set(r->err, VT_EINPUT, "dynamic_broadcast_in_dim: attribute broadcast_dimensions is missing");
    if ((s = alloc_result(r, op, dims, n, &res)) != VT_OK) return s;
    return finish(vt_k_broadcast_in_dim(&r->kc, x, bd, (int)nb, res, r->err), res, out);
}

static vt_status exec_dynamic_reshape(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                      vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dims[MAXR];
    size_t n;
    vt_tensor *x, *res;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = read_list(r, op, &in[1], 1, dims, &n);
    if (s) return s;
    if ((s = alloc_result(r, op, dims, n, &res)) != VT_OK) return s;
    if (res->nelem != x->nelem) {
        size_t want = res->nelem;
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_EINPUT, "dynamic_reshape: output_shape has %zu elements, the operand %zu", want,
                            x->nelem);
    }
    return finish(vt_k_reshape(&r->kc, x, res, r->err), res, out);
}

static vt_status exec_dynamic_iota(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t dims[MAXR], d;
    size_t n;
    vt_tensor *res;
    vt_status s = read_list(r, op, &in[0], 0, dims, &n);
    if (s) return s;
    if (!vt_attr_i64(op, "iota_dimension", &d) || d < 0 || (size_t)d >= n)
        return vt_error_set(r->err, VT_EINPUT, "dynamic_iota: iota_dimension missing or outside the output rank %zu", n);
    if ((s = alloc_result(r, op, dims, n, &res)) != VT_OK) return s;
    return finish(vt_k_iota(&r->kc, d, res, r->err), res, out);
}

static vt_status exec_dynamic_pad(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t lo[MAXR], hi[MAXR], it[MAXR], dims[MAXR];
    size_t n1, n2, n3;
    vt_tensor *x, *pv, *res;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &pv);
    if (!s) s = read_list(r, op, &in[2], 2, lo, &n1);
    if (!s) s = read_list(r, op, &in[3], 3, hi, &n2);
    if (!s) s = read_list(r, op, &in[4], 4, it, &n3);
    if (s) return s;
    if ((int)n1 != x->rank || n2 != n1 || n3 != n1)
        return vt_error_set(r->err, VT_EINPUT, "dynamic_pad: padding lists do not match the operand rank %d", x->rank);
    for (size_t i = 0; i < n1; i++) {
        if (it[i] < 0 || it[i] > INT32_MAX || lo[i] < -INT64_MAX / 4 || lo[i] > INT64_MAX / 4 || hi[i] < -INT64_MAX / 4 ||
            hi[i] > INT64_MAX / 4)
            return vt_error_set(r->err, VT_EINPUT, "dynamic_pad: padding of dim %zu out of range", i);
        int64_t core = x->dims[i] ? x->dims[i] + (x->dims[i] - 1) * it[i] : 0;
        dims[i] = core + lo[i] + hi[i];
    }
    if ((s = alloc_result(r, op, dims, n1, &res)) != VT_OK) return s;
    return finish(vt_k_pad(&r->kc, x, pv, lo, hi, it, res, r->err), res, out);
}

static vt_status exec_real_dynamic_slice(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                         vt_rvalue *out) {
    (void)f, (void)c;
    int64_t st[MAXR], lim[MAXR], str[MAXR], dims[MAXR];
    size_t n1, n2, n3;
    vt_tensor *x, *res;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = read_list(r, op, &in[1], 1, st, &n1);
    if (!s) s = read_list(r, op, &in[2], 2, lim, &n2);
    if (!s) s = read_list(r, op, &in[3], 3, str, &n3);
    if (s) return s;
    if ((int)n1 != x->rank || n2 != n1 || n3 != n1)
        return vt_error_set(r->err, VT_EINPUT, "real_dynamic_slice: index lists do not match the operand rank %d", x->rank);
    for (size_t i = 0; i < n1; i++) {
        if (st[i] < 0 || lim[i] < st[i] || lim[i] > x->dims[i] || str[i] <= 0)
            return vt_error_set(r->err, VT_EINPUT, "real_dynamic_slice: dim %zu: start %lld, limit %lld, stride %lld invalid",
                                i, (long long)st[i], (long long)lim[i], (long long)str[i]);
        dims[i] = (lim[i] - st[i] + str[i] - 1) / str[i];
    }
    if ((s = alloc_result(r, op, dims, n1, &res)) != VT_OK) return s;
    return finish(vt_k_slice(&r->kc, x, st, lim, str, res, r->err), res, out);
}

vt_exec_fn vt_exec_dynamic_fn(const vt_op *op);
vt_exec_fn vt_exec_dynamic_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_DYNAMIC_BROADCAST_IN_DIM: return exec_dynamic_broadcast_in_dim;
    case VT_OP_DYNAMIC_RESHAPE: return exec_dynamic_reshape;
    case VT_OP_DYNAMIC_IOTA: return exec_dynamic_iota;
    case VT_OP_DYNAMIC_PAD: return exec_dynamic_pad;
    case VT_OP_REAL_DYNAMIC_SLICE: return exec_real_dynamic_slice;
    default: return NULL;
    }
}
