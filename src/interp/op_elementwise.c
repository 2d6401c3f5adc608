/* Elementwise ops on runtime values: resolves the typed loop (k_elementwise.h), derives the
 * result shape from the operands (so the same code runs scalar-typed reduce/map bodies on whole
 * tensors), broadcasts rank-0 operands, and reuses a dying operand's buffer in place. */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"

#include <string.h>

/* Result tensor for a resolved op: the shape of the first non-scalar operand; reuses an
 * operand buffer that dies here when it has the result's type and shape. */
static vt_tensor *result_for(vt_run *r, const vt_k_op *k, vt_tensor *const *in, int n, uint64_t consumable) {
    const vt_tensor *shape = in[0];
    for (int i = 0; i < n; i++)
        if (in[i]->rank > 0 || in[i]->nelem != 1) {
            shape = in[i];
            break;
        }
    for (int i = 0; i < n; i++) {
        vt_tensor *t = in[i];
        if ((consumable >> i & 1) && t->refcount == 1 && t->dtype == k->out_t && vt_tensor_same_shape(t, shape) &&
            t->release != NULL) /* only engine-allocated buffers (never a module constant) */
            return vt_tensor_retain(t);
    }
    return vt_rt_alloc(r, k->out_t, shape->rank, shape->dims);
}

static vt_status run_resolved(vt_run *r, const vt_op *op, const vt_k_op *k, vt_rvalue *in, int n, uint64_t consumable,
                              vt_rvalue *out) {
    vt_tensor *ts[3] = {NULL, NULL, NULL};
    for (int i = 0; i < n; i++) {
        vt_status s = vt_rt_expect_tensor(r, op, &in[i], (size_t)i, &ts[i]);
        if (s != VT_OK) return s;
    }
    /* Module constants are wrapped without a release callback of ours; never write into them. */
    vt_tensor *res = result_for(r, k, ts, n, consumable);
    if (!res) return r->err->code;
    vt_status s = vt_k_run_tensors(&r->kc, k, (const vt_tensor *const *)ts, 7u, res, r->err);
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_dtype operand_dtype(const vt_rvalue *v) {
    return v->kind == VT_RV_TENSOR && v->tensor ? v->tensor->dtype : VT_DTYPE_INVALID;
}

static vt_status exec_unary(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_unary_op u;
    if (!vt_unary_op_from_name(vt_op_name(op), &u)) return vt_rt_unsupported(r, op, NULL);
    vt_k_op k;
    vt_status s = vt_k_unary_resolve(u, operand_dtype(&in[0]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 1, consumable, out);
}

static vt_status exec_binary(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_binary_op b;
    if (!vt_binary_op_from_name(vt_op_name(op), &b)) return vt_rt_unsupported(r, op, NULL);
    vt_k_op k;
    vt_status s = vt_k_binary_resolve(b, operand_dtype(&in[0]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 2, consumable, out);
}

static vt_status exec_compare(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_cmp_dir dir;
    vt_cmp_type ct = VT_CMPT_DEFAULT;
    const char *d = vt_attr_enum(op, "comparison_direction");
    if (!d || !vt_cmp_dir_from_name(d, &dir))
        return vt_error_set(r->err, VT_EINPUT, "compare: missing or unknown comparison_direction");
    const char *t = vt_attr_enum(op, "compare_type");
    if (t && !vt_cmp_type_from_name(t, &ct)) return vt_error_set(r->err, VT_EINPUT, "compare: unknown compare_type '%s'", t);
    vt_k_op k;
    vt_status s = vt_k_compare_resolve(dir, ct, operand_dtype(&in[0]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 2, consumable, out);
}

static vt_status exec_select(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_k_op k;
    vt_status s = vt_k_select_resolve(operand_dtype(&in[1]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 3, consumable, out);
}

static vt_status exec_clamp(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_k_op k;
    vt_status s = vt_k_clamp_resolve(operand_dtype(&in[1]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 3, consumable, out);
}

static vt_status exec_convert(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    const vt_type *rt = op->results[0].type;
    if (rt->quant || (in[0].kind == VT_RV_TENSOR && op->operands[0]->type->quant))
        return vt_rt_unsupported(r, op, "a quantized element type");
    vt_k_op k;
    vt_status s = vt_k_convert_resolve(operand_dtype(&in[0]), rt->dtype, &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 1, consumable, out);
}

static vt_status exec_bitcast(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    (void)consumable;
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s != VT_OK) return s;
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    s = vt_k_bitcast_convert(&r->kc, x, res, r->err);
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status exec_reduce_precision(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable,
                                       vt_rvalue *out) {
    (void)f;
    (void)consumable;
    int64_t eb, mb;
    if (!vt_attr_i64(op, "exponent_bits", &eb) || !vt_attr_i64(op, "mantissa_bits", &mb))
        return vt_error_set(r->err, VT_EINPUT, "reduce_precision: missing exponent_bits or mantissa_bits");
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s != VT_OK) return s;
    vt_tensor *res = vt_rt_alloc(r, x->dtype, x->rank, x->dims);
    if (!res) return r->err->code;
    s = vt_k_reduce_precision(&r->kc, x, (int)eb, (int)mb, res, r->err);
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_elementwise_fn(const vt_op *op);
vt_exec_fn vt_exec_elementwise_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_COMPARE: return exec_compare;
    case VT_OP_SELECT: return exec_select;
    case VT_OP_CLAMP: return exec_clamp;
    case VT_OP_CONVERT: return exec_convert;
    case VT_OP_BITCAST_CONVERT: return exec_bitcast;
    case VT_OP_REDUCE_PRECISION: return exec_reduce_precision;
    default: break;
    }
    vt_unary_op u;
    vt_binary_op b;
    if (vt_unary_op_from_name(vt_op_name(op), &u)) return exec_unary;
    if (vt_binary_op_from_name(vt_op_name(op), &b)) return exec_binary;
    return NULL;
}
