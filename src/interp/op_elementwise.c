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

/* Opcode -> kernel op, a switch the compiler turns into a table (no name lookups per run). */
static bool unary_of(vt_opcode c, vt_unary_op *out) {
    switch (c) {
    case VT_OP_ABS: *out = VT_UN_ABS; return true;
    case VT_OP_CBRT: *out = VT_UN_CBRT; return true;
    case VT_OP_CEIL: *out = VT_UN_CEIL; return true;
    case VT_OP_COUNT_LEADING_ZEROS: *out = VT_UN_CLZ; return true;
    case VT_OP_COSINE: *out = VT_UN_COSINE; return true;
    case VT_OP_EXPONENTIAL: *out = VT_UN_EXP; return true;
    case VT_OP_EXPONENTIAL_MINUS_ONE: *out = VT_UN_EXPM1; return true;
    case VT_OP_FLOOR: *out = VT_UN_FLOOR; return true;
    case VT_OP_IMAG: *out = VT_UN_IMAG; return true;
    case VT_OP_IS_FINITE: *out = VT_UN_IS_FINITE; return true;
    case VT_OP_LOG: *out = VT_UN_LOG; return true;
    case VT_OP_LOG_PLUS_ONE: *out = VT_UN_LOG1P; return true;
    case VT_OP_LOGISTIC: *out = VT_UN_LOGISTIC; return true;
    case VT_OP_NEGATE: *out = VT_UN_NEGATE; return true;
    case VT_OP_NOT: *out = VT_UN_NOT; return true;
    case VT_OP_POPCNT: *out = VT_UN_POPCNT; return true;
    case VT_OP_REAL: *out = VT_UN_REAL; return true;
    case VT_OP_ROUND_NEAREST_AFZ: *out = VT_UN_ROUND_AFZ; return true;
    case VT_OP_ROUND_NEAREST_EVEN: *out = VT_UN_ROUND_EVEN; return true;
    case VT_OP_RSQRT: *out = VT_UN_RSQRT; return true;
    case VT_OP_SIGN: *out = VT_UN_SIGN; return true;
    case VT_OP_SINE: *out = VT_UN_SINE; return true;
    case VT_OP_SQRT: *out = VT_UN_SQRT; return true;
    case VT_OP_TAN: *out = VT_UN_TAN; return true;
    case VT_OP_CHLO_TAN: *out = VT_UN_TAN; return true;
    case VT_OP_TANH: *out = VT_UN_TANH; return true;
    case VT_OP_CHLO_ACOS: *out = VT_UN_ACOS; return true;
    case VT_OP_CHLO_ACOSH: *out = VT_UN_ACOSH; return true;
    case VT_OP_CHLO_ASIN: *out = VT_UN_ASIN; return true;
    case VT_OP_CHLO_ASINH: *out = VT_UN_ASINH; return true;
    case VT_OP_CHLO_ATAN: *out = VT_UN_ATAN; return true;
    case VT_OP_CHLO_ATANH: *out = VT_UN_ATANH; return true;
    case VT_OP_CHLO_COSH: *out = VT_UN_COSH; return true;
    case VT_OP_CHLO_SINH: *out = VT_UN_SINH; return true;
    case VT_OP_CHLO_ERF: *out = VT_UN_ERF; return true;
    case VT_OP_CHLO_ERFC: *out = VT_UN_ERFC; return true;
    case VT_OP_CHLO_LGAMMA: *out = VT_UN_LGAMMA; return true;
    case VT_OP_CHLO_DIGAMMA: *out = VT_UN_DIGAMMA; return true;
    case VT_OP_CHLO_ERF_INV: *out = VT_UN_ERF_INV; return true;
    case VT_OP_CHLO_BESSEL_I1E: *out = VT_UN_BESSEL_I1E; return true;
    default: return false;
    }
}

static bool binary_of(vt_opcode c, vt_binary_op *out) {
    switch (c) {
    case VT_OP_ADD: *out = VT_BIN_ADD; return true;
    case VT_OP_SUBTRACT: *out = VT_BIN_SUB; return true;
    case VT_OP_MULTIPLY: *out = VT_BIN_MUL; return true;
    case VT_OP_DIVIDE: *out = VT_BIN_DIV; return true;
    case VT_OP_REMAINDER: *out = VT_BIN_REM; return true;
    case VT_OP_MAXIMUM: *out = VT_BIN_MAX; return true;
    case VT_OP_MINIMUM: *out = VT_BIN_MIN; return true;
    case VT_OP_POWER: *out = VT_BIN_POW; return true;
    case VT_OP_ATAN2: *out = VT_BIN_ATAN2; return true;
    case VT_OP_AND: *out = VT_BIN_AND; return true;
    case VT_OP_OR: *out = VT_BIN_OR; return true;
    case VT_OP_XOR: *out = VT_BIN_XOR; return true;
    case VT_OP_SHIFT_LEFT: *out = VT_BIN_SHL; return true;
    case VT_OP_SHIFT_RIGHT_ARITHMETIC: *out = VT_BIN_SHRA; return true;
    case VT_OP_SHIFT_RIGHT_LOGICAL: *out = VT_BIN_SHRL; return true;
    case VT_OP_COMPLEX: *out = VT_BIN_COMPLEX; return true;
    case VT_OP_CHLO_NEXT_AFTER: *out = VT_BIN_NEXT_AFTER; return true;
    default: return false;
    }
}

static vt_dtype operand_dtype(const vt_rvalue *v) {
    return v->kind == VT_RV_TENSOR && v->tensor ? v->tensor->dtype : VT_DTYPE_INVALID;
}

static vt_status exec_unary(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_unary_op u;
    if (!unary_of(op->code, &u)) return vt_rt_unsupported(r, op, NULL);
    vt_k_op k;
    vt_status s = vt_k_unary_resolve(u, operand_dtype(&in[0]), &k, r->err);
    if (s != VT_OK) return s;
    return run_resolved(r, op, &k, in, 1, consumable, out);
}

static vt_status exec_binary(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable, vt_rvalue *out) {
    (void)f;
    vt_binary_op b;
    if (!binary_of(op->code, &b)) return vt_rt_unsupported(r, op, NULL);
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
    if (unary_of(op->code, &u)) return exec_unary;
    if (binary_of(op->code, &b)) return exec_binary;
    return NULL;
}
