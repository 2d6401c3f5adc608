/* AR -> TF: a buffer every step reads whole (a KV cache under attention) kept as the lazy view
 * select(mask[s, row], F, init) through reshapes, transposes and dot_general (two products against F and
 * init, combined by the mask) instead of one [S, rows, d] copy per step. */
#include "transform/ar_internal.h"

#include <string.h>

static int32_t version_carry(const ar_ctx *c, int32_t v, int *j) {
    const ar_fval *fv = &c->vals[v];
    if (fv->kind == AR_V_CARRY && c->carries[fv->def].cls == AR_C_WRITTEN) {
        *j = 0;
        return fv->def;
    }
    if (fv->kind != AR_V_OP || c->ops[fv->def].op->code == VT_OP_RESHAPE ||
        c->ops[fv->def].op->code == VT_OP_TRANSPOSE)
        return -1;
    for (size_t k = 0; k < c->ncarries; k++)
        if (c->carries[k].cls == AR_C_WRITTEN && c->ops[c->carries[k].wop].first_result == v) {
            *j = 1;
            return (int32_t)k;
        }
    return -1;
}

ar_mv *ar_mv_get(ar_ctx *c, int32_t v, vt_error *err, vt_status *st) {
    ar_mv *mv = &c->mvs[v];
    *st = VT_OK;
    if (mv->tried) return mv->set ? mv : NULL;
    mv->tried = true;
    int j = 0;
    int32_t k = version_carry(c, v, &j);
    if (k >= 0) {
        ar_carry *ca = &c->carries[k];
        bool F, I, bi;
        ar_version_needs(c, ca, j, &F, &I);
        /* one indexed dimension, and cells from both: otherwise the plain view is unbatched */
        if (ca->nidx != 1 || !F || !I) return NULL;
        vt_value *iv = NULL;
        if ((*st = ar_final_buffer(c, ca, err)) || (*st = ar_get(c, ca->init, &iv, &bi, err))) return NULL;
        if (bi) return NULL;
        *mv = (ar_mv){.tried = true, .set = true, .k = k, .j = j, .F = ca->F, .I = iv, .md = ca->idx[0]};
        return mv;
    }
    const ar_fval *fv = &c->vals[v];
    if (fv->kind != AR_V_OP) return NULL;
    const ar_fop *fo = &c->ops[fv->def];
    vt_opcode oc = fo->op->code;
    if (oc != VT_OP_RESHAPE && oc != VT_OP_TRANSPOSE) return NULL;
    ar_mv *in = ar_mv_get(c, fo->operands[0], err, st);
    if (!in || *st) return NULL;
    const vt_type *it = c->vals[fo->operands[0]].type, *ot = fv->type;
    const vt_type *rt = ar_ty(c, ot);
    vt_value *F, *I;
    int md = in->md;
    if (oc == VT_OP_RESHAPE) {
        /* the reshape must keep the leading dims up to and including the row dim */
        if (ot->rank <= in->md) return NULL;
        for (int d = 0; d <= in->md; d++)
            if (it->dims[d] != ot->dims[d]) return NULL;
        F = vt_build_reshape(c->b, in->F, rt), I = vt_build_reshape(c->b, in->I, rt);
    } else { /* transpose: the rows move to where the permutation puts them */
        int64_t perm[VT_MAX_RANK];
        size_t np = 0;
        if (!vt_attr_as_i64_array(vt_op_attr(fo->op, "permutation"), perm, VT_MAX_RANK, &np) || (int)np != it->rank)
            return NULL;
        md = -1;
        for (size_t i = 0; i < np; i++)
            if (perm[i] == in->md) md = (int)i;
        if (md < 0) return NULL;
        F = vt_build_transpose(c->b, in->F, perm, np), I = vt_build_transpose(c->b, in->I, perm, np);
    }
    if (!F || !I) {
        *st = vt_builder_status(c->b, err);
        return NULL;
    }
    *mv = (ar_mv){.tried = true, .set = true, .k = in->k, .j = in->j, .F = F, .I = I, .md = md};
    return mv;
}

/* mask [S, rows] broadcast to i1 [S, shape of t] with the rows at dimension 1 + md */
static vt_value *mask_to(ar_ctx *c, const ar_mv *mv, const vt_type *t, int md) {
    vt_value *m = ar_mask(c, &c->carries[mv->k], mv->j);
    int64_t bd[2] = {0, 1 + md};
    return m ? ar_broadcast(c, m, vt_builder_retype(c->b, ar_batched_type(c, t), VT_I1), bd, 2) : NULL;
}

vt_status ar_mv_materialize(ar_ctx *c, const ar_mv *mv, const vt_type *t, vt_value **out, vt_error *err) {
    vt_value *m = mask_to(c, mv, t, mv->md);
    vt_value *r = m ? vt_build_select(c->b, m, ar_to_batched(c, mv->F, false, t), ar_to_batched(c, mv->I, false, t)) : NULL;
    if (!r) return vt_builder_status(c->b, err) ? err->code : vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    *out = r;
    return VT_OK;
}

static bool in_list(const vt_attr *a, int64_t d, int *pos) {
    int64_t v[VT_MAX_RANK];
    size_t n = 0;
    if (a && !vt_attr_as_i64_array(a, v, VT_MAX_RANK, &n)) return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] == d) {
            if (pos) *pos = (int)i;
            return true;
        }
    return false;
}

static int64_t list_at(const vt_attr *a, int i) {
    int64_t v[VT_MAX_RANK];
    size_t n = 0;
    if (!a || !vt_attr_as_i64_array(a, v, VT_MAX_RANK, &n) || i < 0 || (size_t)i >= n) return -1;
    return v[i];
}

static size_t list_len(const vt_attr *a) {
    int64_t v[VT_MAX_RANK];
    size_t n = 0;
    if (a) vt_attr_as_i64_array(a, v, VT_MAX_RANK, &n);
    return n;
}

static vt_status dot_view(ar_ctx *c, int32_t fi, int m, ar_mv *mv, bool *handled, vt_error *err) {
    const ar_fop *fo = &c->ops[fi];
    const vt_op *op = fo->op;
    const vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers");
    const char *mine_b = m ? "rhs_batching_dimensions" : "lhs_batching_dimensions";
    const char *mine_c = m ? "rhs_contracting_dimensions" : "lhs_contracting_dimensions";
    const char *other_c = m ? "lhs_contracting_dimensions" : "rhs_contracting_dimensions";
    if (!dn || in_list(vt_attr_dict_get(dn, mine_b), mv->md, NULL)) return VT_OK; /* rows batched: copy */
    vt_value *x;
    bool bx;
    vt_status s = ar_get(c, fo->operands[1 - m], &x, &bx, err);
    if (s) return s;
    const vt_type *xt = c->vals[fo->operands[1 - m]].type, *rt = op->results[0].type;
    vt_builder *b = c->b;
    vt_value *r1 = NULL, *r2 = NULL, *r = NULL;
    int p = -1;
    if (in_list(vt_attr_dict_get(dn, mine_c), mv->md, &p)) {
        /* rows contracted: mask the other operand along its paired dimension */
        int64_t xc = list_at(vt_attr_dict_get(dn, other_c), p);
        if (xc < 0) return VT_OK;
        vt_value *xb = ar_to_batched(c, x, bx, xt);
        vt_value *mk = mask_to(c, mv, xt, (int)xc);
        vt_value *zero = xb ? ar_zeros(c, xb->type) : NULL;
        vt_value *xm = vt_build_select(b, mk, xb, zero), *xn = vt_build_select(b, mk, zero, xb);
        if (!xm || !xn) return vt_builder_status(b, err);
        if ((s = m ? ar_dot_value(c, op, xm, true, mv->F, false, &r1, err) : ar_dot_value(c, op, mv->F, false, xm, true, &r1, err)))
            return s;
        if ((s = m ? ar_dot_value(c, op, xn, true, mv->I, false, &r2, err) : ar_dot_value(c, op, mv->I, false, xn, true, &r2, err)))
            return s;
        r = vt_build_binary(b, VT_OP_ADD, r1, r2);
    } else {
        /* rows free: where they land in the result (S first, then batch, lhs free, rhs free) */
        const vt_type *vt = c->vals[fo->operands[m]].type;
        size_t nb = list_len(vt_attr_dict_get(dn, "lhs_batching_dimensions"));
        size_t nc = list_len(vt_attr_dict_get(dn, "lhs_contracting_dimensions"));
        int fidx = 0;
        for (int d = 0; d < mv->md; d++)
            if (!in_list(vt_attr_dict_get(dn, mine_b), d, NULL) && !in_list(vt_attr_dict_get(dn, mine_c), d, NULL)) fidx++;
        const vt_type *lt = m ? xt : vt;
        int64_t pos = (int64_t)nb + (m ? (int64_t)(lt->rank - (int)nb - (int)nc) : 0) + fidx;
        if ((s = m ? ar_dot_value(c, op, x, bx, mv->F, false, &r1, err) : ar_dot_value(c, op, mv->F, false, x, bx, &r1, err)))
            return s;
        if ((s = m ? ar_dot_value(c, op, x, bx, mv->I, false, &r2, err) : ar_dot_value(c, op, mv->I, false, x, bx, &r2, err)))
            return s;
        r1 = ar_to_batched(c, r1, bx, rt);
        r2 = ar_to_batched(c, r2, bx, rt);
        vt_value *mk = mask_to(c, mv, rt, (int)pos);
        r = vt_build_select(b, mk, r1, r2);
    }
    if (!r) return vt_builder_status(b, err);
    ar_set_result(c, fo, 0, r, true);
    *handled = true;
    return VT_OK;
}

vt_status ar_mv_try_op(ar_ctx *c, int32_t fi, bool *handled, vt_error *err) {
    const ar_fop *fo = &c->ops[fi];
    vt_status s = VT_OK;
    *handled = false;
    if (fo->op->code == VT_OP_RESHAPE || fo->op->code == VT_OP_TRANSPOSE) {
        if (ar_mv_get(c, fo->first_result, err, &s)) *handled = true; /* lazy: nothing emitted */
        return s;
    }
    if (fo->op->code != VT_OP_DOT_GENERAL || fo->noperands != 2) return VT_OK;
    ar_mv *a = ar_mv_get(c, fo->operands[0], err, &s);
    if (s) return s;
    ar_mv *bv = ar_mv_get(c, fo->operands[1], err, &s);
    if (s) return s;
    if ((a != NULL) == (bv != NULL)) return VT_OK; /* neither, or both: the plain rules */
    return dot_view(c, fi, a ? 0 : 1, a ? a : bv, handled, err);
}
