/* Per-op constraints of the StableHLO spec, dispatched by op family: the elementwise family
 * (shapes and allowed element types) lives here with the shared helpers; shape ops, dot ops
 * and region-carrying ops have their own files. `?` dims are compatible with anything. */
#include "hlo/verify_internal.h"

#include <stdarg.h>
#include <stdio.h>

vt_status vt_vfail(const vt_module *m, const vt_op *op, vt_error *err, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_error_set(err, VT_EINPUT, "%s:%u:%u: %s: %s", m->filename ? m->filename : "<input>", op->line, op->col,
                        vt_op_name(op), msg);
}

bool vt_vdim_ok(int64_t a, int64_t b) { return a == b || a == VT_DYN || b == VT_DYN; }

bool vt_vsame_shape(const vt_type *a, const vt_type *b) {
    if (!vt_type_is_tensor(a) || !vt_type_is_tensor(b) || a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (!vt_vdim_ok(a->dims[i], b->dims[i])) return false;
    return true;
}

bool vt_vsame_elem(const vt_type *a, const vt_type *b) { return a->dtype == b->dtype; }

bool vt_vlist(const vt_op *op, const char *name, int64_t *out, size_t cap, size_t *n) {
    return vt_attr_as_i64_array(vt_op_attr(op, name), out, cap, n);
}

bool vt_vfield_list(const vt_attr *a, const char *field, int64_t *out, size_t cap, size_t *n) {
    vt_attr *f = vt_attr_dict_get(a, field);
    if (!f) {
        *n = 0;
        return true;
    }
    return vt_attr_as_i64_array(f, out, cap, n);
}

const char *vt_vtype(const vt_type *t, char *buf) { return vt_type_str(t, buf, 96); }

static bool is_intlike(vt_dtype d) { return vt_dtype_is_int(d); }
static bool is_bool_or_int(vt_dtype d) { return d == VT_I1 || vt_dtype_is_int(d); }
static bool is_float(vt_dtype d) { return vt_dtype_is_float(d); }
static bool is_float_or_complex(vt_dtype d) { return vt_dtype_is_float(d) || vt_dtype_kind_of(d) == VT_KIND_COMPLEX; }
static bool is_complex(vt_dtype d) { return vt_dtype_kind_of(d) == VT_KIND_COMPLEX; }

/* Element types each elementwise op accepts for its operands (spec (C1)/(C2) of each op). */
static bool elem_allowed(vt_opcode code, vt_dtype d, const char **what) {
    switch (code) {
    case VT_OP_AND: case VT_OP_OR: case VT_OP_XOR: case VT_OP_NOT:
        *what = "boolean or integer";
        return is_bool_or_int(d);
    case VT_OP_SHIFT_LEFT: case VT_OP_SHIFT_RIGHT_ARITHMETIC: case VT_OP_SHIFT_RIGHT_LOGICAL: case VT_OP_POPCNT:
    case VT_OP_COUNT_LEADING_ZEROS:
        *what = "integer";
        return is_intlike(d);
    case VT_OP_SQRT: case VT_OP_RSQRT: case VT_OP_CBRT: case VT_OP_EXPONENTIAL: case VT_OP_EXPONENTIAL_MINUS_ONE:
    case VT_OP_LOG: case VT_OP_LOG_PLUS_ONE: case VT_OP_LOGISTIC: case VT_OP_SINE: case VT_OP_COSINE: case VT_OP_TAN:
    case VT_OP_TANH:
        *what = "floating-point or complex";
        return is_float_or_complex(d);
    case VT_OP_FLOOR: case VT_OP_CEIL: case VT_OP_ROUND_NEAREST_AFZ: case VT_OP_ROUND_NEAREST_EVEN: case VT_OP_IS_FINITE:
    case VT_OP_COMPLEX: case VT_OP_ATAN2:
        *what = code == VT_OP_ATAN2 ? "floating-point or complex" : "floating-point";
        return code == VT_OP_ATAN2 ? is_float_or_complex(d) : is_float(d);
    case VT_OP_REAL: case VT_OP_IMAG:
        *what = "floating-point or complex";
        return is_float_or_complex(d);
    case VT_OP_ADD: case VT_OP_MULTIPLY: case VT_OP_MAXIMUM: case VT_OP_MINIMUM: case VT_OP_SELECT: case VT_OP_CLAMP:
    case VT_OP_COMPARE: case VT_OP_CONVERT:
        *what = "";
        return true;
    default:
        *what = "numeric";
        return d != VT_I1; /* subtract, divide, power, negate, abs, sign, remainder: no booleans */
    }
}

/* Result element type rules: compare / is_finite give i1, real/imag/abs(complex) the real part
 * type, complex a complex type, convert anything; the rest keep the operands' type. */
static vt_status check_result_elem(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *rt = op->results[0].type, *xt = op->operands[op->code == VT_OP_SELECT ? 1 : 0]->type;
    vt_dtype r = rt->dtype, x = xt->dtype;
    char b1[96], b2[96];
    switch (op->code) {
    case VT_OP_CONVERT: return VT_OK;
    case VT_OP_COMPARE:
    case VT_OP_IS_FINITE:
        if (r != VT_I1) return vt_vfail(m, op, err, "result element type must be i1, not %s", vt_dtype_name(r));
        break;
    case VT_OP_REAL:
    case VT_OP_IMAG:
    case VT_OP_ABS:
        if (is_complex(x)) {
            if (r != (x == VT_C64 ? VT_F32 : VT_F64))
                return vt_vfail(m, op, err, "result %s must hold the real part type of %s", vt_vtype(rt, b1), vt_vtype(xt, b2));
            break;
        }
        if (r != x) return vt_vfail(m, op, err, "result %s and operand %s must have the same element type", vt_vtype(rt, b1), vt_vtype(xt, b2));
        break;
    case VT_OP_COMPLEX:
        if (r != (x == VT_F64 ? VT_C128 : VT_C64) || (x != VT_F32 && x != VT_F64))
            return vt_vfail(m, op, err, "result %s must be the complex type of the f32/f64 operands %s", vt_vtype(rt, b1), vt_vtype(xt, b2));
        break;
    default:
        if (r != x) return vt_vfail(m, op, err, "result %s and operand %s must have the same element type", vt_vtype(rt, b1), vt_vtype(xt, b2));
    }
    return VT_OK;
}

/* Elementwise ops: same shapes (select's predicate and clamp's bounds may be scalars), element
 * types allowed per op and equal across operands. Quantized types follow their own rules
 * (storage vs expressed) and only get the shape check. */
static vt_status verify_elementwise(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->nresults != 1) return VT_OK;
    const vt_type *rt = op->results[0].type;
    bool quant = rt->quant != NULL;
    char b1[96], b2[96];
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *t = op->operands[i]->type;
        if (t->kind != VT_TYPE_TENSOR || rt->kind != VT_TYPE_TENSOR) return vt_vfail(m, op, err, "operands and result must be tensors");
        quant |= t->quant != NULL;
        bool scalar_ok = (op->code == VT_OP_SELECT && i == 0) || (op->code == VT_OP_CLAMP && i != 1);
        if (scalar_ok && t->rank == 0) continue;
        if (!vt_vsame_shape(t, rt))
            return vt_vfail(m, op, err, "operand %zu %s and the result %s must have the same shape", i, vt_vtype(t, b1), vt_vtype(rt, b2));
    }
    if (quant || (vt_op_get_info(op)->flags & VT_OPF_CHLO) || op->code == VT_OP_UNKNOWN || op->code == VT_OP_UNIFORM_QUANTIZE ||
        op->code == VT_OP_UNIFORM_DEQUANTIZE)
        return VT_OK; /* quantize ops: element rules in verify_misc.c */
    if (op->code == VT_OP_SELECT) {
        if (op->operands[0]->type->dtype != VT_I1)
            return vt_vfail(m, op, err, "predicate must have element type i1, not %s", vt_dtype_name(op->operands[0]->type->dtype));
        if (!vt_vsame_elem(op->operands[1]->type, op->operands[2]->type))
            return vt_vfail(m, op, err, "on_true %s and on_false %s must have the same element type",
                            vt_vtype(op->operands[1]->type, b1), vt_vtype(op->operands[2]->type, b2));
        return check_result_elem(m, op, err);
    }
    const vt_type *x = op->operands[0]->type;
    const char *what;
    if (!elem_allowed(op->code, x->dtype, &what))
        return vt_vfail(m, op, err, "operand element type %s is not %s", vt_dtype_name(x->dtype), what);
    for (size_t i = 1; i < op->noperands; i++)
        if (!vt_vsame_elem(op->operands[i]->type, x))
            return vt_vfail(m, op, err, "operand %zu %s and operand 0 %s must have the same element type", i,
                            vt_vtype(op->operands[i]->type, b1), vt_vtype(x, b2));
    return check_result_elem(m, op, err);
}

vt_status vt_verify_op_constraints(const vt_module *m, const vt_op *op, vt_error *err);
vt_status vt_verify_op_constraints(const vt_module *m, const vt_op *op, vt_error *err) {
    /* the structural pass (verify.c) already rejected undefined operands and wrong counts */
    vt_status s;
    if (vt_op_get_info(op)->flags & VT_OPF_ELEMENTWISE) {
        s = verify_elementwise(m, op, err);
        if (s == VT_OK && (op->code == VT_OP_UNIFORM_QUANTIZE || op->code == VT_OP_UNIFORM_DEQUANTIZE)) s = vt_verify_misc_ops(m, op, err);
        return s;
    }
    s = vt_verify_shape_ops(m, op, err);
    if (s == VT_OK) s = vt_verify_dot_ops(m, op, err);
    if (s == VT_OK) s = vt_verify_control_ops(m, op, err);
    if (s == VT_OK) s = vt_verify_misc_ops(m, op, err);
    return s;
}
