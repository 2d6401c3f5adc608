/* Per-op constraints of the StableHLO spec, dispatched by op family. */
#include "veritor/hlo.h"

#include <stdio.h>

static vt_status fail(const vt_module *m, const vt_op *op, vt_error *err, const char *what) {
    return vt_error_set(err, VT_EINPUT, "%s:%u:%u: %s: %s", m->filename ? m->filename : "<input>", op->line, op->col,
                        vt_op_name(op), what);
}

static bool same_shape(const vt_type *a, const vt_type *b) {
    if (a->kind != VT_TYPE_TENSOR || b->kind != VT_TYPE_TENSOR || a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i] && a->dims[i] != VT_DYN && b->dims[i] != VT_DYN) return false;
    return true;
}

/* Elementwise ops (C1): operands and result have the same shape. */
static vt_status verify_elementwise(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->nresults != 1) return VT_OK;
    const vt_type *rt = op->results[0].type;
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *t = op->operands[i]->type;
        if (t->kind != VT_TYPE_TENSOR || rt->kind != VT_TYPE_TENSOR) return fail(m, op, err, "operands and result must be tensors");
        /* select's predicate and clamp's bounds may be scalars. */
        bool scalar_ok = (op->code == VT_OP_SELECT && i == 0) || (op->code == VT_OP_CLAMP && i != 1);
        if (scalar_ok && t->rank == 0) continue;
        if (!same_shape(t, rt)) {
            char msg[96];
            snprintf(msg, sizeof msg, "operand %zu and the result must have the same shape", i);
            return fail(m, op, err, msg);
        }
    }
    return VT_OK;
}

vt_status vt_verify_op_constraints(const vt_module *m, const vt_op *op, vt_error *err);
vt_status vt_verify_op_constraints(const vt_module *m, const vt_op *op, vt_error *err) {
    if (vt_op_get_info(op)->flags & VT_OPF_ELEMENTWISE) return verify_elementwise(m, op, err);
    return VT_OK;
}
