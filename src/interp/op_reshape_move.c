/* reshape without a copy: when the operand dies at the reshape and nothing else holds it, the
 * result is the same buffer under the new dims (JAX reshapes every attention head split and
 * merge). Otherwise the general reshape runs; both charge the same work. */
#include "interp/interp_internal.h"

#include <string.h>

vt_status vt_exec_reshape_move(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable,
                               vt_rvalue *out);
vt_status vt_exec_reshape_move(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable,
                               vt_rvalue *out) {
    vt_tensor *x = op->noperands == 1 && op->nresults == 1 && in[0].kind == VT_RV_TENSOR ? in[0].tensor : NULL;
    const vt_type *t = op->nresults == 1 ? op->results[0].type : NULL;
    /* refcount 1: the dying slot is the only holder, so no one can see the dims change */
    bool move = x && (consumable & 1) && x->refcount == 1 && t && t->kind == VT_TYPE_TENSOR && !t->quant &&
                !op->operands[0]->type->quant && t->dtype == x->dtype && t->rank >= 0 && t->rank <= VT_MAX_RANK;
    uint64_t n = 1;
    for (int i = 0; move && i < t->rank; i++) {
        if (t->dims[i] < 0 || (t->dims[i] && n > UINT64_MAX / (uint64_t)t->dims[i])) move = false;
        else n *= (uint64_t)t->dims[i];
    }
    if (!move || n != x->nelem) {
        int aux;
        return vt_exec_fn_for(op, &aux)(r, f, op, in, consumable, out);
    }
    vt_status s = vt_rt_charge(r, x->nelem); /* what the copying reshape charges */
    if (s) {
        vt_error_prefix(r->err, "reshape");
        return s;
    }
    x->rank = t->rank;
    if (t->rank) memcpy(x->dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
    out[0] = vt_rvalue_tensor(vt_tensor_retain(x));
    return VT_OK;
}
