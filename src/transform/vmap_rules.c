/* AR -> TF: batching rules (as JAX's vmap) that rewrite one op of the step body for a leading step
 * dimension S: a value is either the same for every step (unbatched) or batched with S in front.
 * Ops without a rule are refused by name when they see a batched operand. */
#include "transform/ar_internal.h"

#include <stdlib.h>
#include <string.h>

static vt_status refuse(ar_ctx *c, const vt_op *op, const char *why, vt_error *err) {
    char id[96];
    (void)c;
    return vt_error_set(err, VT_EUNSUPPORTED, "not supported: batching %s at %s over the loop's steps%s%s",
                        vt_op_name(op), ar_op_id(op, id, sizeof id), why ? ": " : "", why ? why : "");
}

static bool ilist(const vt_attr *a, int64_t *out, size_t *n) {
    if (!a) {
        *n = 0;
        return true;
    }
    return vt_attr_as_i64_array(a, out, VT_MAX_RANK, n);
}

static void shift(int64_t *v, size_t n, int64_t by) {
    for (size_t i = 0; i < n; i++) v[i] += by;
}

/* Copy of op's attributes with `name` replaced by value (or added). */
static size_t attrs_with(const vt_op *op, vt_named_attr *out, size_t cap, const char *name, vt_attr *value) {
    size_t n = 0;
    bool done = false;
    for (size_t i = 0; i < op->nattrs && n < cap; i++) {
        if (!strcmp(op->attrs[i].name, name)) {
            out[n++] = (vt_named_attr){op->attrs[i].name, value};
            done = true;
        } else {
            out[n++] = op->attrs[i];
        }
    }
    if (!done && n < cap) out[n++] = (vt_named_attr){name, value};
    return n;
}

void ar_set_result(ar_ctx *c, const ar_fop *fo, size_t i, vt_value *v, bool batched) {
    c->em[fo->first_result + (int32_t)i] = v;
    c->batched[fo->first_result + (int32_t)i] = batched;
    if (v) ar_tag(c, v, fo->op);
}

vt_status ar_dot_value(ar_ctx *c, const vt_op *op, vt_value *x0, bool b0, vt_value *x1, bool b1, vt_value **out,
                       vt_error *err) {
    const vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers");
    int64_t lb[VT_MAX_RANK + 1], rb[VT_MAX_RANK + 1], lc[VT_MAX_RANK], rc[VT_MAX_RANK];
    size_t nlb, nrb, nlc, nrc;
    if (!dn || !ilist(vt_attr_dict_get(dn, "lhs_batching_dimensions"), lb + 1, &nlb) ||
        !ilist(vt_attr_dict_get(dn, "rhs_batching_dimensions"), rb + 1, &nrb) ||
        !ilist(vt_attr_dict_get(dn, "lhs_contracting_dimensions"), lc, &nlc) ||
        !ilist(vt_attr_dict_get(dn, "rhs_contracting_dimensions"), rc, &nrc) || nlb != nrb || nlc != nrc)
        return refuse(c, op, "unreadable dot_dimension_numbers", err);
    vt_builder *b = c->b;
    int lr = x0->type->rank;
    int64_t pos = 0; /* where S lands in the dot's result */
    size_t nb = nlb;
    int64_t *L = lb + 1, *R = rb + 1;
    if (b0 && b1) {
        shift(lb + 1, nlb, 1), shift(rb + 1, nrb, 1), shift(lc, nlc, 1), shift(rc, nrc, 1);
        lb[0] = rb[0] = 0;
        L = lb, R = rb, nb = nlb + 1;
    } else if (b0) {
        shift(lb + 1, nlb, 1), shift(lc, nlc, 1);
        pos = (int64_t)nlb;
    } else if (b1) {
        shift(rb + 1, nrb, 1), shift(rc, nrc, 1);
        pos = (int64_t)nlb + (lr - (int64_t)nlb - (int64_t)nlc);
    }
    vt_value *r = vt_build_dot_general(b, x0, x1, L, R, nb, lc, rc, nlc);
    if (!r) return vt_builder_status(b, err);
    if (pos != 0) {
        int64_t perm[VT_MAX_RANK];
        int rk = r->type->rank, o = 0;
        perm[o++] = pos;
        for (int d = 0; d < rk; d++)
            if (d != pos) perm[o++] = d;
        r = vt_build_transpose(b, r, perm, (size_t)rk);
    }
    vt_dtype want = op->results[0].type->dtype;
    if (r && r->type->dtype != want) r = vt_build_convert(b, r, want);
    if (!r) return vt_builder_status(b, err);
    *out = r;
    return VT_OK;
}

static vt_status dot_rule(ar_ctx *c, const ar_fop *fo, vt_value **x, const bool *bt, vt_error *err) {
    vt_value *r = NULL;
    vt_status s = ar_dot_value(c, fo->op, x[0], bt[0], x[1], bt[1], &r, err);
    if (!s) ar_set_result(c, fo, 0, r, bt[0] || bt[1]);
    return s;
}

/* [S, r] start indices from r scalar starts (batched, per-step constants or unbatched). */
static vt_value *index_matrix(ar_ctx *c, vt_value **st, const bool *bt, size_t r) {
    vt_builder *b = c->b;
    vt_value *cols[VT_MAX_RANK];
    int64_t d2[2] = {c->S, 1};
    const vt_type *ct = vt_builder_tensor_type(b, VT_I64, 2, d2);
    for (size_t i = 0; i < r; i++) {
        vt_value *v = st[i];
        if (v && v->type->dtype != VT_I64) v = vt_build_convert(b, v, VT_I64);
        cols[i] = bt[i] ? vt_build_reshape(b, v, ct) : vt_build_broadcast_in_dim(b, v, ct, NULL, 0);
    }
    return r == 1 ? cols[0] : vt_build_concatenate(b, cols, r, 1);
}

/* gather(operand, idx [S, r]) of slices `sizes`: per-step dynamic_slice (clamped the same way). */
static vt_value *gather_rows(ar_ctx *c, vt_value *operand, bool obatched, vt_value *idx, const int64_t *sizes,
                             const vt_type *rt) {
    int r = obatched ? operand->type->rank - 1 : operand->type->rank;
    int64_t off[VT_MAX_RANK], sim[VT_MAX_RANK], ss[VT_MAX_RANK + 1], zero = 0;
    for (int d = 0; d < r; d++) off[d] = d + 1, sim[d] = d + (obatched ? 1 : 0);
    vt_gather_dims gd = {.offset_dims = off, .noffset_dims = (size_t)r, .start_index_map = sim,
                         .nstart_index_map = (size_t)r, .index_vector_dim = 1};
    if (obatched) {
        gd.operand_batching_dims = &zero, gd.noperand_batching_dims = 1;
        gd.start_indices_batching_dims = &zero, gd.nstart_indices_batching_dims = 1;
        ss[0] = 1;
        ar_copy(ss + 1, sizes, (size_t)r * sizeof *ss);
    } else {
        ar_copy(ss, sizes, (size_t)r * sizeof *ss);
    }
    return vt_build_gather(c->b, operand, idx, &gd, ss, (size_t)r + (obatched ? 1 : 0), ar_batched_type(c, rt));
}

static vt_status dynamic_slice_rule(ar_ctx *c, int32_t fi, vt_value **x, bool *bt, vt_error *err) {
    const ar_fop *fo = &c->ops[fi];
    const vt_op *op = fo->op;
    const vt_type *ot = c->vals[fo->operands[0]].type;
    int64_t sizes[VT_MAX_RANK];
    size_t n;
    if (!vt_attr_as_i64_array(vt_op_attr(op, "slice_sizes"), sizes, VT_MAX_RANK, &n) || (int)n != ot->rank ||
        fo->noperands != 1 + n)
        return refuse(c, op, "malformed slice_sizes", err);
    vt_value *operand = x[0];
    bool ob = bt[0];
    if (c->dsmode[fi]) { /* reads only the final buffer or only the initial value */
        const ar_fval *sv = &c->vals[fo->operands[0]];
        size_t k = 0;
        if (sv->kind == AR_V_CARRY) k = (size_t)sv->def;
        else
            for (k = 0; k < c->ncarries; k++)
                if (c->carries[k].cls == AR_C_WRITTEN && c->ops[c->carries[k].wop].first_result == fo->operands[0]) break;
        ar_carry *ca = &c->carries[k];
        vt_status s;
        bool bi;
        if (c->dsmode[fi] == 1) {
            if ((s = ar_final_buffer(c, ca, err))) return s;
            operand = ca->F;
        } else if ((s = ar_get(c, ca->init, &operand, &bi, err))) {
            return s;
        }
        ob = false;
    }
    vt_value *idx = index_matrix(c, x + 1, bt + 1, n);
    vt_value *r = idx ? gather_rows(c, operand, ob, idx, sizes, op->results[0].type) : NULL;
    if (!r) return vt_builder_status(c->b, err);
    ar_set_result(c, fo, 0, r, true);
    return VT_OK;
}

static vt_status gather_rule(ar_ctx *c, const ar_fop *fo, vt_value **x, const bool *bt, vt_error *err) {
    const vt_op *op = fo->op;
    const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    int64_t off[VT_MAX_RANK], col[VT_MAX_RANK], obd[VT_MAX_RANK + 1], sbd[VT_MAX_RANK + 1], sim[VT_MAX_RANK],
        ss[VT_MAX_RANK + 1], ivd = 0;
    size_t noff, ncol, nobd, nsbd, nsim, nss;
    const vt_attr *iv = vt_attr_dict_get(dn, "index_vector_dim");
    if (!dn || !ilist(vt_attr_dict_get(dn, "offset_dims"), off, &noff) ||
        !ilist(vt_attr_dict_get(dn, "collapsed_slice_dims"), col, &ncol) ||
        !ilist(vt_attr_dict_get(dn, "operand_batching_dims"), obd + 1, &nobd) ||
        !ilist(vt_attr_dict_get(dn, "start_indices_batching_dims"), sbd + 1, &nsbd) ||
        !ilist(vt_attr_dict_get(dn, "start_index_map"), sim, &nsim) || (iv && !vt_attr_as_i64(iv, &ivd)) ||
        !vt_attr_as_i64_array(vt_op_attr(op, "slice_sizes"), ss + 1, VT_MAX_RANK, &nss))
        return refuse(c, op, "unreadable dimension numbers", err);
    vt_value *idx = x[1];
    const vt_type *it = c->vals[fo->operands[1]].type;
    if (!bt[1]) idx = ar_to_batched(c, idx, false, it);
    shift(off, noff, 1);
    shift(sbd + 1, nsbd, 1);
    ivd += 1;
    vt_gather_dims gd = {.offset_dims = off, .noffset_dims = noff, .collapsed_slice_dims = col,
                         .ncollapsed_slice_dims = ncol, .operand_batching_dims = obd + 1,
                         .noperand_batching_dims = nobd, .start_indices_batching_dims = sbd + 1,
                         .nstart_indices_batching_dims = nsbd, .start_index_map = sim, .nstart_index_map = nsim,
                         .index_vector_dim = ivd};
    const int64_t *sizes = ss + 1;
    size_t nsizes = nss;
    if (bt[0]) { /* the step dim of operand and indices pair up as a batching dim */
        shift(col, ncol, 1), shift(obd + 1, nobd, 1), shift(sim, nsim, 1);
        obd[0] = 0, sbd[0] = 0, ss[0] = 1;
        gd.operand_batching_dims = obd, gd.noperand_batching_dims = nobd + 1;
        gd.start_indices_batching_dims = sbd, gd.nstart_indices_batching_dims = nsbd + 1;
        sizes = ss, nsizes = nss + 1;
    }
    vt_value *r = vt_build_gather(c->b, x[0], idx, &gd, sizes, nsizes, ar_batched_type(c, op->results[0].type));
    if (!r) return vt_builder_status(c->b, err);
    ar_set_result(c, fo, 0, r, true);
    return VT_OK;
}

/* dynamic_update_slice inside the step: with per-step starts it becomes a scatter with the step
 * as a batching dimension, its indices clamped in-graph as the op clamps them. */
static vt_status dus_rule(ar_ctx *c, const ar_fop *fo, vt_value **x, const bool *bt, vt_error *err) {
    const vt_op *op = fo->op;
    vt_builder *b = c->b;
    const vt_type *ot = c->vals[fo->operands[0]].type, *ut = c->vals[fo->operands[1]].type;
    size_t r = (size_t)ot->rank;
    if (fo->noperands != 2 + r || ut->rank != ot->rank) return refuse(c, op, "malformed dynamic_update_slice", err);
    vt_value *operand = ar_to_batched(c, x[0], bt[0], ot), *upd = ar_to_batched(c, x[1], bt[1], ut), *res;
    bool any = false;
    for (size_t i = 0; i < r; i++) any |= bt[2 + i];
    if (!any) { /* the same position at every step: one more (zero) start for S */
        vt_value *st[VT_MAX_RANK + 1];
        st[0] = r ? vt_build_constant_scalar(b, x[2]->type->dtype, 0) : vt_build_constant_scalar(b, VT_I32, 0);
        for (size_t i = 0; i < r; i++) st[i + 1] = x[2 + i];
        res = vt_build_dynamic_update_slice(b, operand, upd, st);
    } else {
        vt_value *idx = index_matrix(c, x + 2, bt + 2, r);
        int64_t hi[VT_MAX_RANK], two[2] = {c->S, (int64_t)r}, one = (int64_t)r;
        for (size_t d = 0; d < r; d++) hi[d] = ot->dims[d] - ut->dims[d];
        vt_value *hv = ar_const_ints(c, VT_I64, 1, &one, hi);
        const vt_type *it = vt_builder_tensor_type(b, VT_I64, 2, two);
        int64_t bd1 = 1;
        vt_value *lo = vt_build_splat(b, it, 0), *hb = hv ? vt_build_broadcast_in_dim(b, hv, it, &bd1, 1) : NULL;
        vt_value *cl[3] = {lo, idx, hb};
        vt_op *co = lo && idx && hb ? vt_build_op(b, "stablehlo.clamp", cl, 3, &it, 1, NULL, 0, 0) : NULL;
        int64_t uwd[VT_MAX_RANK], sdo[VT_MAX_RANK], zero = 0;
        for (size_t d = 0; d < r; d++) uwd[d] = (int64_t)d + 1, sdo[d] = (int64_t)d + 1;
        vt_scatter_dims sd = {.update_window_dims = uwd, .nupdate_window_dims = r, .input_batching_dims = &zero,
                              .ninput_batching_dims = 1, .scatter_indices_batching_dims = &zero,
                              .nscatter_indices_batching_dims = 1, .scatter_dims_to_operand_dims = sdo,
                              .nscatter_dims_to_operand_dims = r, .index_vector_dim = 1};
        res = co ? vt_build_scatter(b, operand, vt_builder_result(b, co, 0), upd, &sd, VT_OP_UNKNOWN) : NULL;
    }
    if (!res) return vt_builder_status(b, err);
    ar_set_result(c, fo, 0, res, true);
    return VT_OK;
}

/* Same op with the step dimension added to every result; dims-valued attributes shifted. */
static vt_status generic_rule(ar_ctx *c, const ar_fop *fo, vt_value **x, const vt_named_attr *attrs, size_t nattrs,
                              vt_error *err) {
    const vt_op *op = fo->op;
    const vt_type *rts[16];
    if (op->nresults > 16) return refuse(c, op, "too many results", err);
    for (size_t i = 0; i < op->nresults; i++) rts[i] = ar_batched_type(c, op->results[i].type);
    vt_named_attr ats[32];
    if (nattrs > 32) return refuse(c, op, "too many attributes", err);
    vt_value **caps = NULL;
    vt_status s = ar_region_captures(c, fo, &caps, err);
    if (s) return s;
    /* the attributes follow from the source op, so the same op on the same operands is shared */
    bool share = ar_shareable(op);
    vt_op *no = share ? ar_shared_find(c, op, x, fo->noperands, true) : NULL;
    if (no) {
        for (size_t i = 0; i < op->nresults; i++) ar_set_result(c, fo, i, vt_builder_result(c->b, no, i), true);
        return VT_OK;
    }
    no = vt_build_op(c->b, op->name, x, fo->noperands, rts, op->nresults, ar_attrs(c, attrs, nattrs, ats), nattrs,
                     op->nregions);
    if (!no) return vt_builder_status(c->b, err);
    if (share) ar_shared_add(c, op, x, fo->noperands, true, no);
    if ((s = ar_clone_regions(c, fo, caps, no, err))) return s;
    for (size_t i = 0; i < op->nresults; i++) ar_set_result(c, fo, i, vt_builder_result(c->b, no, i), true);
    return VT_OK;
}

/* A dims list shifted past the step dim (dims: +1), or a per-dim list (starts, paddings) that
 * gains a leading entry lead_val for the step dim. */
static vt_attr *shifted_dims(ar_ctx *c, const vt_op *op, const char *name, bool lead, int64_t lead_val, bool dims) {
    int64_t v[VT_MAX_RANK + 1];
    size_t n;
    if (!vt_attr_as_i64_array(vt_op_attr(op, name), v + 1, VT_MAX_RANK, &n)) return NULL;
    if (dims) shift(v + 1, n, 1);
    if (!lead) return vt_builder_attr_i64_array(c->b, v + 1, n);
    v[0] = lead_val;
    return vt_builder_attr_i64_array(c->b, v, n + 1);
}

/* scatter inside the step that is not a carry's write (a one-hot built with `.at[i].set`, a local
 * table updated at a per-step position): inputs, indices and updates all gain the step dimension,
 * which pairs up as a batching dimension of inputs and indices; the combiner is unchanged. */
static vt_status scatter_rule(ar_ctx *c, const ar_fop *fo, vt_value **xs, const bool *bts, vt_error *err) {
    const vt_op *op = fo->op;
    size_t n = fo->noperands;
    if (n < 3 || (n - 1) % 2) return refuse(c, op, "malformed scatter", err);
    const vt_attr *dn = vt_op_attr(op, "scatter_dimension_numbers");
    int64_t uwd[VT_MAX_RANK], iwd[VT_MAX_RANK], ibd[VT_MAX_RANK + 1], sibd[VT_MAX_RANK + 1], sdo[VT_MAX_RANK], ivd = 0;
    size_t nuwd, niwd, nibd, nsibd, nsdo;
    const vt_attr *iv = vt_attr_dict_get(dn, "index_vector_dim");
    if (!dn || !ilist(vt_attr_dict_get(dn, "update_window_dims"), uwd, &nuwd) ||
        !ilist(vt_attr_dict_get(dn, "inserted_window_dims"), iwd, &niwd) ||
        !ilist(vt_attr_dict_get(dn, "input_batching_dims"), ibd + 1, &nibd) ||
        !ilist(vt_attr_dict_get(dn, "scatter_indices_batching_dims"), sibd + 1, &nsibd) ||
        !ilist(vt_attr_dict_get(dn, "scatter_dims_to_operand_dims"), sdo, &nsdo) || (iv && !vt_attr_as_i64(iv, &ivd)) ||
        nibd >= VT_MAX_RANK || nsibd >= VT_MAX_RANK)
        return refuse(c, op, "unreadable dimension numbers", err);
    for (size_t i = 0; i < n; i++) xs[i] = ar_to_batched(c, xs[i], bts[i], c->vals[fo->operands[i]].type);
    shift(uwd, nuwd, 1), shift(iwd, niwd, 1), shift(ibd + 1, nibd, 1), shift(sibd + 1, nsibd, 1), shift(sdo, nsdo, 1);
    ibd[0] = sibd[0] = 0;
    vt_builder *b = c->b;
    vt_named_attr f[6] = {
        {"update_window_dims", vt_builder_attr_int_list(b, uwd, nuwd)},
        {"inserted_window_dims", vt_builder_attr_int_list(b, iwd, niwd)},
        {"input_batching_dims", vt_builder_attr_int_list(b, ibd, nibd + 1)},
        {"scatter_indices_batching_dims", vt_builder_attr_int_list(b, sibd, nsibd + 1)},
        {"scatter_dims_to_operand_dims", vt_builder_attr_int_list(b, sdo, nsdo)},
        {"index_vector_dim", vt_builder_attr_int(b, ivd + 1, VT_DTYPE_INVALID)},
    };
    vt_attr *nd = vt_builder_attr_dialect(b, "stablehlo", "scatter", f, 6);
    if (!nd) return vt_builder_status(b, err);
    vt_named_attr at[32];
    if (op->nattrs > 31) return refuse(c, op, "too many attributes", err);
    size_t nat = attrs_with(op, at, 32, "scatter_dimension_numbers", nd);
    return generic_rule(c, fo, xs, at, nat, err);
}

/* reduce_window over [S, ...]: a window of 1 (no padding, stride and dilations 1) over the steps. */
static vt_status reduce_window_rule(ar_ctx *c, const ar_fop *fo, vt_value **xs, const bool *bts, vt_error *err) {
    const vt_op *op = fo->op;
    size_t half = fo->noperands / 2;
    for (size_t i = half; i < fo->noperands; i++)
        if (bts[i]) return refuse(c, op, "initial value differs per step", err);
    for (size_t i = 0; i < half; i++) xs[i] = ar_to_batched(c, xs[i], bts[i], c->vals[fo->operands[i]].type);
    static const char *const lists[] = {"window_dimensions", "window_strides", "base_dilations", "window_dilations"};
    vt_named_attr at[2][33];
    vt_op tmp = *op;
    size_t nat = op->nattrs;
    if (nat > 31) return refuse(c, op, "too many attributes", err);
    for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
        if (!vt_op_attr(op, lists[k])) continue;
        vt_attr *v = shifted_dims(c, op, lists[k], true, 1, false);
        if (!v) return refuse(c, op, "malformed window", err);
        nat = attrs_with(&tmp, at[k % 2], 33, lists[k], v);
        tmp.attrs = at[k % 2], tmp.nattrs = nat;
    }
    const vt_attr *pa = vt_op_attr(op, "padding");
    if (pa) {
        vt_tensor *pt = NULL, *np = NULL;
        int rank = c->vals[fo->operands[0]].type->rank;
        int64_t d[2] = {rank + 1, 2};
        vt_error e;
        if (vt_attr_dense_materialize(pa, 1 << 16, &pt, &e) || pt->nelem != (size_t)(2 * rank) || !vt_dtype_is_int(pt->dtype) ||
            !(np = vt_tensor_create(VT_I64, 2, d, 0, &e))) {
            vt_tensor_release(pt);
            return refuse(c, op, "malformed padding", err);
        }
        int64_t *q = np->data;
        q[0] = q[1] = 0;
        for (size_t i = 0; i < pt->nelem; i++)
            q[2 + i] = vt_load_i64(pt->dtype, (const char *)pt->data + i * vt_dtype_size(pt->dtype));
        vt_attr *v = vt_builder_attr_dense(c->b, np, vt_builder_tensor_type(c->b, VT_I64, 2, d));
        vt_tensor_release(pt);
        vt_tensor_release(np);
        if (!v) return vt_builder_status(c->b, err);
        vt_named_attr *dst = tmp.attrs == at[0] ? at[1] : at[0];
        nat = attrs_with(&tmp, dst, 33, "padding", v);
        tmp.attrs = dst, tmp.nattrs = nat;
    }
    return generic_rule(c, fo, xs, tmp.attrs, tmp.nattrs, err);
}

/* One result of an if / case flattened into its branches: select(pred, branch 0, branch 1) for
 * an if; for a case, the last branch unless the index equals an earlier one (as the op does for
 * an index outside the branches). A per-step predicate is widened to the result's shape. */
static vt_status branch_select_rule(ar_ctx *c, const ar_fop *fo, vt_value **xs, const bool *bts, vt_error *err) {
    const vt_op *op = fo->op;
    vt_builder *b = c->b;
    size_t nb = fo->noperands - 1;
    const vt_type *rt = op->results[fo->branch_result].type;
    vt_value *acc = xs[nb];
    bool accb = bts[nb];
    for (size_t k = nb - 1; k-- > 0;) {
        vt_value *pred = xs[0];
        if (op->code == VT_OP_CASE) {
            vt_value *kv = vt_build_splat(b, xs[0]->type, (double)k);
            pred = kv ? vt_build_compare(b, "EQ", xs[0], kv, NULL) : NULL;
        }
        bool ob = bts[0] || bts[1 + k] || accb;
        vt_value *on = ob ? ar_to_batched(c, xs[1 + k], bts[1 + k], rt) : xs[1 + k];
        vt_value *off = ob ? ar_to_batched(c, acc, accb, rt) : acc;
        if (pred && bts[0] && rt->rank > 0) { /* [S] -> [S, shape] */
            int64_t d0 = 0;
            pred = ar_broadcast(c, pred, vt_builder_retype(b, ar_batched_type(c, rt), VT_I1), &d0, 1);
        }
        acc = pred && on && off ? vt_build_select(b, pred, on, off) : NULL;
        if (!acc) return vt_builder_status(b, err) ? err->code : vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        accb = ob;
    }
    ar_set_result(c, fo, 0, acc, accb);
    return VT_OK;
}

vt_status ar_vmap_op(ar_ctx *c, int32_t fi, vt_error *err) {
    const ar_fop *fo = &c->ops[fi];
    const vt_op *op = fo->op;
    vt_value *xs[66];
    bool bts[66];
    if (fo->noperands > 65) return refuse(c, op, "more than 64 operands", err);
    bool any = false;
    vt_status s;
    if (fo->branch_select) {
        for (uint32_t i = 0; i < fo->noperands; i++)
            if ((s = ar_get(c, fo->operands[i], &xs[i], &bts[i], err))) return s;
        return branch_select_rule(c, fo, xs, bts, err);
    }
    if (op->code == VT_OP_RESHAPE || op->code == VT_OP_TRANSPOSE || op->code == VT_OP_DOT_GENERAL) {
        bool handled = false;
        if ((s = ar_mv_try_op(c, fi, &handled, err)) || handled) return s;
    }
    for (uint32_t i = 0; i < fo->noperands; i++) {
        if (c->dsmode[fi] && i == 0) {
            xs[0] = NULL, bts[0] = false;
            continue;
        }
        if ((s = ar_get(c, fo->operands[i], &xs[i], &bts[i], err))) return s;
        any |= bts[i];
    }
    if (c->dsmode[fi]) return dynamic_slice_rule(c, fi, xs, bts, err);
    if (!any) return ar_clone_plain(c, fi, xs, err);
    const vt_op_info *info = vt_op_get_info(op);
    vt_builder *b = c->b;
    vt_named_attr at[32];
    size_t nat;
    if (op->nattrs > 31) return refuse(c, op, "too many attributes", err);
    if ((info->flags & VT_OPF_ELEMENTWISE) || op->code == VT_OP_BITCAST_CONVERT) {
        const vt_type *rt = op->results[0].type;
        for (uint32_t i = 0; i < fo->noperands; i++) {
            const vt_type *want = vt_builder_retype(b, rt, c->vals[fo->operands[i]].type->dtype);
            if (bts[i] && c->vals[fo->operands[i]].type->rank == 0 && rt->rank > 0) {
                /* a per-step scalar (select's predicate, clamp's bounds) meets tensors */
                int64_t d0 = 0;
                xs[i] = vt_build_broadcast_in_dim(b, xs[i], ar_batched_type(c, want), &d0, 1);
            } else {
                xs[i] = ar_to_batched(c, xs[i], bts[i], want);
            }
        }
        return generic_rule(c, fo, xs, op->attrs, op->nattrs, err);
    }
    switch (op->code) {
    case VT_OP_BROADCAST_IN_DIM:
        nat = attrs_with(op, at, 32, "broadcast_dimensions", shifted_dims(c, op, "broadcast_dimensions", true, 0, true));
        return generic_rule(c, fo, xs, at, nat, err);
    case VT_OP_RESHAPE:
        return generic_rule(c, fo, xs, op->attrs, op->nattrs, err);
    case VT_OP_TRANSPOSE:
        nat = attrs_with(op, at, 32, "permutation", shifted_dims(c, op, "permutation", true, 0, true));
        return generic_rule(c, fo, xs, at, nat, err);
    case VT_OP_REVERSE:
        nat = attrs_with(op, at, 32, "dimensions", shifted_dims(c, op, "dimensions", false, 0, true));
        return generic_rule(c, fo, xs, at, nat, err);
    case VT_OP_REDUCE: {
        size_t half = fo->noperands / 2;
        for (size_t i = half; i < fo->noperands; i++)
            if (bts[i]) return refuse(c, op, "initial value differs per step", err);
        for (size_t i = 0; i < half; i++) xs[i] = ar_to_batched(c, xs[i], bts[i], c->vals[fo->operands[i]].type);
        nat = attrs_with(op, at, 32, "dimensions", shifted_dims(c, op, "dimensions", false, 0, true));
        return generic_rule(c, fo, xs, at, nat, err);
    }
    case VT_OP_CONCATENATE: {
        int64_t d;
        if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &d)) return refuse(c, op, "no dimension", err);
        for (uint32_t i = 0; i < fo->noperands; i++) xs[i] = ar_to_batched(c, xs[i], bts[i], c->vals[fo->operands[i]].type);
        nat = attrs_with(op, at, 32, "dimension", vt_builder_attr_int(b, d + 1, VT_I64));
        return generic_rule(c, fo, xs, at, nat, err);
    }
    case VT_OP_SLICE: {
        nat = attrs_with(op, at, 32, "start_indices", shifted_dims(c, op, "start_indices", true, 0, false));
        vt_named_attr at2[32], at3[32];
        size_t n2 = 0, n3 = 0;
        int64_t lim[VT_MAX_RANK + 1], st[VT_MAX_RANK + 1];
        size_t nl, ns;
        if (!vt_attr_as_i64_array(vt_op_attr(op, "limit_indices"), lim + 1, VT_MAX_RANK, &nl) ||
            !vt_attr_as_i64_array(vt_op_attr(op, "strides"), st + 1, VT_MAX_RANK, &ns))
            return refuse(c, op, "malformed slice", err);
        lim[0] = c->S, st[0] = 1;
        vt_op tmp = *op;
        tmp.attrs = at, tmp.nattrs = nat;
        n2 = attrs_with(&tmp, at2, 32, "limit_indices", vt_builder_attr_i64_array(b, lim, nl + 1));
        tmp.attrs = at2, tmp.nattrs = n2;
        n3 = attrs_with(&tmp, at3, 32, "strides", vt_builder_attr_i64_array(b, st, ns + 1));
        return generic_rule(c, fo, xs, at3, n3, err);
    }
    case VT_OP_DOT_GENERAL:
        return dot_rule(c, fo, xs, bts, err);
    case VT_OP_DYNAMIC_SLICE:
        return dynamic_slice_rule(c, fi, xs, bts, err);
    case VT_OP_GATHER:
        return gather_rule(c, fo, xs, bts, err);
    case VT_OP_DYNAMIC_UPDATE_SLICE:
        return dus_rule(c, fo, xs, bts, err);
    case VT_OP_PAD: {
        if (bts[1]) return refuse(c, op, "padding value differs per step", err);
        vt_named_attr a1[32], a2[32], a3[32];
        size_t n1 = attrs_with(op, a1, 32, "edge_padding_low", shifted_dims(c, op, "edge_padding_low", true, 0, false));
        vt_op tmp = *op;
        tmp.attrs = a1, tmp.nattrs = n1;
        size_t n2 = attrs_with(&tmp, a2, 32, "edge_padding_high", shifted_dims(c, op, "edge_padding_high", true, 0, false));
        tmp.attrs = a2, tmp.nattrs = n2;
        size_t n3 = attrs_with(&tmp, a3, 32, "interior_padding", shifted_dims(c, op, "interior_padding", true, 0, false));
        for (size_t i = 0; i < n3; i++)
            if (!a3[i].value) return refuse(c, op, "malformed padding", err);
        return generic_rule(c, fo, xs, a3, n3, err);
    }
    case VT_OP_SORT: {
        /* each step's rows sorted on their own: the comparator sees scalars, unchanged */
        int64_t d;
        if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &d) || d < 0 || d >= c->vals[fo->operands[0]].type->rank)
            return refuse(c, op, "no dimension within the operand's rank", err);
        for (uint32_t i = 0; i < fo->noperands; i++) xs[i] = ar_to_batched(c, xs[i], bts[i], c->vals[fo->operands[i]].type);
        nat = attrs_with(op, at, 32, "dimension", vt_builder_attr_int(b, d + 1, VT_I64));
        return generic_rule(c, fo, xs, at, nat, err);
    }
    case VT_OP_REDUCE_WINDOW:
        return reduce_window_rule(c, fo, xs, bts, err);
    case VT_OP_SCATTER:
        return scatter_rule(c, fo, xs, bts, err);
    case VT_OP_WHILE:
        return refuse(c, op, "a loop nested in the step body", err);
    case VT_OP_CUSTOM_CALL: case VT_OP_IF: case VT_OP_CASE:
        return refuse(c, op, NULL, err);
    default:
        return refuse(c, op, NULL, err);
    }
}
