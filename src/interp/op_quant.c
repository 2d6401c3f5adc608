/* Quantized types (!quant.uniform, per tensor or per axis): uniform_quantize and
 * uniform_dequantize, and every other op on quantized operands by dequantize -> compute in the
 * expressed type -> quantize, as the spec allows. quantize(x) = clamp(round_nearest_even(x /
 * scale + zero_point), storage_min, storage_max); dequantize(q) = (q - zero_point) * scale, both
 * computed in the expressed type (f32 arithmetic for f32, via f64 then rounded once for bf16/f16). */
#include "interp/interp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

vt_exec_fn vt_exec_base_fn_for(const vt_op *op);

static bool type_is_quant(const vt_type *t) { return t && t->kind == VT_TYPE_TENSOR && t->quant; }

bool vt_op_has_quant(const vt_op *op);
bool vt_op_has_quant(const vt_op *op) {
    for (size_t i = 0; i < op->noperands; i++)
        if (type_is_quant(op->operands[i]->type)) return true;
    for (size_t i = 0; i < op->nresults; i++)
        if (type_is_quant(op->results[i].type)) return true;
    return false;
}

/* Index of the quantization-axis coordinate for element i (per-axis), else 0. */
static size_t axis_slot(const vt_quant *q, const vt_tensor *t, size_t i) {
    if (q->axis < 0 || q->nscales <= 1) return 0;
    size_t inner = 1;
    for (int d = t->rank - 1; d > q->axis; d--) inner *= (size_t)t->dims[d];
    size_t a = (i / inner) % (size_t)t->dims[q->axis];
    return a < q->nscales ? a : 0;
}

static vt_tensor *dequantize(vt_run *r, const vt_tensor *x, const vt_quant *q) {
    vt_tensor *y = vt_rt_alloc(r, q->expressed, x->rank, x->dims);
    if (!y) return NULL;
    size_t es = vt_dtype_size(x->dtype), eo = vt_dtype_size(q->expressed);
    bool f32 = q->expressed == VT_F32;
    for (size_t i = 0; i < x->nelem; i++) {
        size_t a = axis_slot(q, x, i);
        int64_t v = vt_load_i64(x->dtype, (const char *)x->data + i * es);
        if (f32) {
            float d = ((float)v - (float)q->zero_points[a]) * (float)q->scales[a];
            memcpy((char *)y->data + i * eo, &d, 4);
        } else {
            vt_store_f64(q->expressed, (char *)y->data + i * eo, ((double)v - (double)q->zero_points[a]) * q->scales[a]);
        }
    }
    return y;
}

static vt_tensor *quantize(vt_run *r, const vt_tensor *x, const vt_quant *q) {
    vt_tensor *y = vt_rt_alloc(r, q->storage, x->rank, x->dims);
    if (!y) return NULL;
    size_t es = vt_dtype_size(x->dtype), eo = vt_dtype_size(q->storage);
    bool f32 = x->dtype == VT_F32;
    for (size_t i = 0; i < x->nelem; i++) {
        size_t a = axis_slot(q, x, i);
        double v;
        if (f32) {
            float f;
            memcpy(&f, (const char *)x->data + i * es, 4);
            float t = f / (float)q->scales[a] + (float)q->zero_points[a];
            v = (double)nearbyintf(t);
        } else {
            v = nearbyint(vt_load_f64(x->dtype, (const char *)x->data + i * es) / q->scales[a] + (double)q->zero_points[a]);
        }
        if (isnan(v)) v = 0;
        if (v < (double)q->storage_min) v = (double)q->storage_min;
        if (v > (double)q->storage_max) v = (double)q->storage_max;
        vt_store_i64(q->storage, (char *)y->data + i * eo, (int64_t)v);
    }
    return y;
}

static vt_status exec_uniform_quantize(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    const vt_quant *rq = op->results[0].type->quant, *iq = op->operands[0]->type->quant;
    if (!rq) return vt_error_set(r->err, VT_EINPUT, "uniform_quantize: result type is not quantized");
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s) return s;
    vt_tensor *fx = iq ? dequantize(r, x, iq) : vt_tensor_retain(x);
    if (!fx) return r->err->code;
    vt_tensor *y = quantize(r, fx, rq);
    vt_tensor_release(fx);
    if (!y) return r->err->code;
    out[0] = vt_rvalue_tensor(y);
    return VT_OK;
}

static vt_status exec_uniform_dequantize(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    const vt_quant *q = op->operands[0]->type->quant;
    if (!q) return vt_error_set(r->err, VT_EINPUT, "uniform_dequantize: operand type is not quantized");
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s) return s;
    vt_tensor *y = dequantize(r, x, q);
    if (!y) return r->err->code;
    out[0] = vt_rvalue_tensor(y);
    return VT_OK;
}

/* Any other op: run the float version of the op on dequantized operands (a shadow of the op
 * whose quantized types are replaced by their expressed types), then quantize the results. */
static vt_status exec_quantized(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    vt_exec_fn base = vt_exec_base_fn_for(op);
    size_t no = op->noperands, nr = op->nresults;
    vt_type *types = calloc(no + nr, sizeof *types);
    vt_value *vals = calloc(no + nr, sizeof *vals);
    vt_value **opnds = calloc(no ? no : 1, sizeof *opnds);
    vt_rvalue *fin = calloc(no ? no : 1, sizeof *fin);
    if (!types || !vals || !opnds || !fin) {
        free(types), free(vals), free(opnds), free(fin);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    vt_status s = VT_OK;
    for (size_t i = 0; i < no + nr; i++) {
        const vt_value *src = i < no ? op->operands[i] : &op->results[i - no];
        vals[i] = *src;
        if (type_is_quant(src->type)) {
            types[i] = *src->type;
            types[i].dtype = src->type->quant->expressed;
            types[i].quant = NULL;
            vals[i].type = &types[i];
        }
        if (i < no) opnds[i] = &vals[i];
    }
    for (size_t i = 0; i < no && s == VT_OK; i++) {
        const vt_quant *q = op->operands[i]->type->quant;
        if (q && in[i].kind == VT_RV_TENSOR) {
            vt_tensor *d = dequantize(r, in[i].tensor, q);
            if (!d) s = r->err->code;
            else fin[i] = vt_rvalue_tensor(d);
        } else {
            s = vt_rvalue_copy(&in[i], &fin[i], r->err);
        }
    }
    vt_op shadow = *op;
    shadow.operands = opnds;
    shadow.results = vals + no;
    if (s == VT_OK) s = base(r, f, &shadow, fin, 0, out);
    for (size_t i = 0; i < nr && s == VT_OK; i++) {
        const vt_quant *q = op->results[i].type->quant;
        if (!q || out[i].kind != VT_RV_TENSOR) continue;
        vt_tensor *qt = quantize(r, out[i].tensor, q);
        if (!qt) {
            s = r->err->code;
            break;
        }
        vt_rvalue_release(&out[i]);
        out[i] = vt_rvalue_tensor(qt);
    }
    for (size_t i = 0; i < no; i++) vt_rvalue_release(&fin[i]);
    free(types), free(vals), free(opnds), free(fin);
    return s;
}

vt_exec_fn vt_exec_quant_fn(const vt_op *op);
vt_exec_fn vt_exec_quant_fn(const vt_op *op) {
    if (op->code == VT_OP_UNIFORM_QUANTIZE) return exec_uniform_quantize;
    if (op->code == VT_OP_UNIFORM_DEQUANTIZE) return exec_uniform_dequantize;
    /* Pure data movement and control flow keep storage values as they are. */
    switch (op->code) {
    case VT_OP_FUNC_CALL: case VT_OP_WHILE: case VT_OP_IF: case VT_OP_CASE: case VT_OP_TUPLE:
    case VT_OP_GET_TUPLE_ELEMENT: case VT_OP_OPTIMIZATION_BARRIER: case VT_OP_CUSTOM_CALL:
    case VT_OP_CONSTANT: case VT_OP_BITCAST_CONVERT:
        return NULL;
    default: break;
    }
    if (vt_op_get_info(op)->flags & (VT_OPF_CHECK | VT_OPF_TERMINATOR)) return NULL;
    return vt_op_has_quant(op) ? exec_quantized : NULL;
}
