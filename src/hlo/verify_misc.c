/* Spec constraints of the remaining ops with simple static rules: cholesky, triangular_solve,
 * fft, reduce_window (window sizes and result shape), map, convolution ranks, and
 * uniform_quantize/dequantize element types. */
#include "hlo/verify_internal.h"

#define CAP VT_MAX_RANK

static vt_status v_cholesky(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *a = op->operands[0]->type;
    if (a->rank < 2 || !vt_vdim_ok(a->dims[a->rank - 1], a->dims[a->rank - 2]))
        return vt_vfail(m, op, err, "operand must be a batch of square matrices (rank >= 2, last two dims equal)");
    if (!vt_vsame_shape(a, op->results[0].type) || a->dtype != op->results[0].type->dtype)
        return vt_vfail(m, op, err, "result must have the operand's type");
    return VT_OK;
}

static vt_status v_triangular_solve(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *a = op->operands[0]->type, *b = op->operands[1]->type;
    if (a->rank < 2 || !vt_vdim_ok(a->dims[a->rank - 1], a->dims[a->rank - 2]))
        return vt_vfail(m, op, err, "a must be a batch of square matrices (rank >= 2, last two dims equal)");
    if (b->rank != a->rank) return vt_vfail(m, op, err, "a has rank %d but b rank %d", a->rank, b->rank);
    for (int i = 0; i < a->rank - 2; i++)
        if (!vt_vdim_ok(a->dims[i], b->dims[i])) return vt_vfail(m, op, err, "batch dimension %d of a and b differ", i);
    int64_t left = 0;
    vt_attr_as_i64(vt_op_attr(op, "left_side"), &left);
    int64_t bdim = left ? b->dims[b->rank - 2] : b->dims[b->rank - 1];
    if (!vt_vdim_ok(a->dims[a->rank - 1], bdim))
        return vt_vfail(m, op, err, "a has size %lld but b's %s dimension has size %lld", (long long)a->dims[a->rank - 1],
                        left ? "row" : "column", (long long)bdim);
    if (!vt_vsame_shape(b, op->results[0].type)) return vt_vfail(m, op, err, "result must have b's shape");
    return VT_OK;
}

static vt_status v_fft(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type;
    int64_t len[CAP];
    size_t n;
    if (!vt_vlist(op, "fft_length", len, CAP, &n)) return vt_vfail(m, op, err, "missing or malformed fft_length");
    if (n < 1 || n > 3 || (int)n > x->rank) return vt_vfail(m, op, err, "fft_length has %zu entries, must be 1..min(3, rank %d)", n, x->rank);
    for (size_t i = 0; i < n; i++)
        if (len[i] < 0) return vt_vfail(m, op, err, "fft_length %zu is negative", i);
    if (op->results[0].type->rank != x->rank) return vt_vfail(m, op, err, "result rank differs from the operand rank");
    return VT_OK;
}

static vt_status v_reduce_window(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0 || op->noperands % 2 || op->nresults != op->noperands / 2)
        return vt_vfail(m, op, err, "needs N inputs, N init values and N results");
    const vt_type *x = op->operands[0]->type;
    int64_t wd[CAP], ws[CAP], bd[CAP], wdl[CAP];
    size_t nwd, nws, nbd, nwdl;
    if (!vt_vlist(op, "window_dimensions", wd, CAP, &nwd) || (int)nwd != x->rank)
        return vt_vfail(m, op, err, "window_dimensions must have %d entries", x->rank);
    for (size_t i = 0; i < nwd; i++)
        if (wd[i] <= 0) return vt_vfail(m, op, err, "window dimension %zu must be positive", i);
    if (vt_op_attr(op, "window_strides") && (!vt_vlist(op, "window_strides", ws, CAP, &nws) || (int)nws != x->rank))
        return vt_vfail(m, op, err, "window_strides must have %d entries", x->rank);
    if (vt_op_attr(op, "base_dilations") && (!vt_vlist(op, "base_dilations", bd, CAP, &nbd) || (int)nbd != x->rank))
        return vt_vfail(m, op, err, "base_dilations must have %d entries", x->rank);
    if (vt_op_attr(op, "window_dilations") && (!vt_vlist(op, "window_dilations", wdl, CAP, &nwdl) || (int)nwdl != x->rank))
        return vt_vfail(m, op, err, "window_dilations must have %d entries", x->rank);
    for (size_t i = 0; i < op->nresults; i++)
        if (op->results[i].type->kind == VT_TYPE_TENSOR && op->results[i].type->rank != x->rank)
            return vt_vfail(m, op, err, "result %zu has rank %d, the input %d", i, op->results[i].type->rank, x->rank);
    if (op->nregions != 1 || op->regions[0]->nblocks != 1 || op->regions[0]->blocks[0]->nargs != op->noperands)
        return vt_vfail(m, op, err, "body must take %zu scalar arguments", op->noperands);
    return VT_OK;
}

static vt_status v_map(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0) return vt_vfail(m, op, err, "needs at least one input");
    const vt_type *x = op->operands[0]->type;
    for (size_t i = 1; i < op->noperands; i++)
        if (!vt_vsame_shape(op->operands[i]->type, x)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
    int64_t d[CAP];
    size_t n;
    if (vt_vlist(op, "dimensions", d, CAP, &n)) {
        if ((int)n != x->rank) return vt_vfail(m, op, err, "dimensions must be [0, ..., %d]", x->rank - 1);
        for (size_t i = 0; i < n; i++)
            if (d[i] != (int64_t)i) return vt_vfail(m, op, err, "dimensions must be [0, ..., %d]", x->rank - 1);
    }
    if (op->nregions != 1 || op->regions[0]->nblocks != 1 || op->regions[0]->blocks[0]->nargs != op->noperands)
        return vt_vfail(m, op, err, "computation must take %zu scalar arguments", op->noperands);
    if (!vt_vsame_shape(op->results[0].type, x)) return vt_vfail(m, op, err, "result and inputs must have the same shape");
    return VT_OK;
}

static vt_status v_convolution(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *l = op->operands[0]->type, *r = op->operands[1]->type, *res = op->results[0].type;
    if (l->rank < 2 || r->rank != l->rank || res->rank != l->rank)
        return vt_vfail(m, op, err, "lhs, rhs and result must have the same rank >= 2 (ranks %d, %d, %d)", l->rank, r->rank, res->rank);
    int64_t fg = 1, bg = 1;
    vt_attr_as_i64(vt_op_attr(op, "feature_group_count"), &fg);
    vt_attr_as_i64(vt_op_attr(op, "batch_group_count"), &bg);
    if (fg <= 0 || bg <= 0) return vt_vfail(m, op, err, "feature_group_count and batch_group_count must be positive");
    if (fg > 1 && bg > 1) return vt_vfail(m, op, err, "feature_group_count and batch_group_count cannot both exceed 1");
    return VT_OK;
}

static vt_status v_quantize(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    if (!vt_vsame_shape(x, r)) return vt_vfail(m, op, err, "result and operand must have the same shape");
    if (op->code == VT_OP_UNIFORM_QUANTIZE && !r->quant) return vt_vfail(m, op, err, "result must have a quantized element type");
    if (op->code == VT_OP_UNIFORM_DEQUANTIZE) {
        if (!x->quant) return vt_vfail(m, op, err, "operand must have a quantized element type");
        if (r->quant || r->dtype != x->quant->expressed)
            return vt_vfail(m, op, err, "result element type must be the operand's expressed type %s", vt_dtype_name(x->quant->expressed));
    }
    return VT_OK;
}

vt_status vt_verify_misc_ops(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->nresults < 1 || !vt_type_is_tensor(op->results[0].type)) return VT_OK;
    for (size_t i = 0; i < op->noperands; i++)
        if (!vt_type_is_tensor(op->operands[i]->type)) return VT_OK;
    switch (op->code) {
    case VT_OP_CHOLESKY: return v_cholesky(m, op, err);
    case VT_OP_TRIANGULAR_SOLVE: return v_triangular_solve(m, op, err);
    case VT_OP_FFT: return v_fft(m, op, err);
    case VT_OP_REDUCE_WINDOW: return v_reduce_window(m, op, err);
    case VT_OP_MAP: return v_map(m, op, err);
    case VT_OP_CONVOLUTION: return v_convolution(m, op, err);
    case VT_OP_UNIFORM_QUANTIZE:
    case VT_OP_UNIFORM_DEQUANTIZE: return v_quantize(m, op, err);
    default: return VT_OK;
    }
}
