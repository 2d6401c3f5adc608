/* Batch splitting, per-op rules: where each op's results carry the batch given where its operands
 * do, which ops mix batch elements (refused, naming the op), and when a value that does not
 * carry the batch is the same along a dimension (so that a sub-batch of it is simply its start). */
#include "transform/split_batch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP (2 * VT_MAX_RANK)

const char *vt_sb_label(sb_ctx *c, const vt_op *op) {
    c->label.len = 0;
    if (vt_op_id(op, &c->label, NULL) != VT_OK) c->label.len = 0;
    vt_buf_printf(&c->label, "%s%s", c->label.len ? " " : "", vt_op_name(op));
    return vt_buf_cstr(&c->label);
}

static vt_status mix(sb_ctx *c, const vt_op *op, vt_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static vt_status mix(sb_ctx *c, const vt_op *op, vt_error *err, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_error_set(err, VT_EINPUT, "split-batch: %s %s", vt_sb_label(c, op), msg);
}

static vt_status unsup(sb_ctx *c, const vt_op *op, vt_error *err, const char *what) {
    return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch through %s %s", vt_sb_label(c, op), what);
}

static bool ilist(const vt_op *op, const char *name, int64_t *out, size_t *n) {
    const vt_attr *a = vt_op_attr(op, name);
    if (!a) {
        *n = 0;
        return true;
    }
    return vt_attr_as_i64_array(a, out, CAP, n);
}

static bool flist(const vt_attr *dn, const char *field, int64_t *out, size_t *n) {
    const vt_attr *f = vt_attr_dict_get(dn, field);
    if (!f) {
        *n = 0;
        return true;
    }
    return vt_attr_as_i64_array(f, out, CAP, n);
}

static long find(const int64_t *v, size_t n, int64_t x) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return (long)i;
    return -1;
}

static int rank_of(const vt_value *v) { return vt_type_is_tensor(v->type) ? v->type->rank : -1; }

/* ---- uniformity ---------------------------------------------------------------------------- */
static bool dense_uniform(const vt_attr *a, int d) {
    if (!a || a->kind != VT_ATTR_DENSE || !a->tensor) return false;
    if (a->splat) return true;
    const vt_tensor *t = a->tensor;
    if (d >= t->rank) return false;
    size_t es = vt_dtype_size(t->dtype), inner = es, outer = 1;
    for (int i = d + 1; i < t->rank; i++) inner *= (size_t)t->dims[i];
    for (int i = 0; i < d; i++) outer *= (size_t)t->dims[i];
    size_t D = (size_t)t->dims[d];
    const uint8_t *p = t->data;
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 1; k < D; k++)
            if (memcmp(p + (o * D + k) * inner, p + o * D * inner, inner) != 0) return false;
    return true;
}

static bool uniform_rec(sb_ctx *c, const vt_value *v, int d, int depth);

static bool operands_uniform(sb_ctx *c, const vt_op *op, int rank, int d, int depth) {
    for (size_t i = 0; i < op->noperands; i++) {
        int r = rank_of(op->operands[i]);
        if (r < 0) return false;
        if (r == 0) continue;
        if (r != rank || !uniform_rec(c, op->operands[i], d, depth + 1)) return false;
    }
    return true;
}

static bool uniform_op(sb_ctx *c, const vt_op *op, const vt_type *t, int d, int depth) {
    int64_t v[CAP];
    size_t n;
    const vt_op_info *info = vt_op_get_info(op);
    switch (op->code) {
    case VT_OP_CONSTANT: return dense_uniform(vt_op_attr(op, "value"), d);
    case VT_OP_IOTA: {
        int64_t k;
        return vt_attr_as_i64(vt_op_attr(op, "iota_dimension"), &k) && k != d;
    }
    case VT_OP_BROADCAST_IN_DIM: {
        if (!ilist(op, "broadcast_dimensions", v, &n)) return false;
        long j = find(v, n, d);
        if (j < 0) return true;
        const vt_type *ot = op->operands[0]->type;
        return (j < ot->rank && ot->dims[j] == 1) || uniform_rec(c, op->operands[0], (int)j, depth + 1);
    }
    case VT_OP_TRANSPOSE:
        if (!ilist(op, "permutation", v, &n) || (size_t)d >= n) return false;
        return uniform_rec(c, op->operands[0], (int)v[d], depth + 1);
    case VT_OP_SELECT: case VT_OP_CLAMP:
        return operands_uniform(c, op, t->rank, d, depth);
    default:
        if (info->flags & VT_OPF_ELEMENTWISE) return operands_uniform(c, op, t->rank, d, depth);
        return false;
    }
}

static bool uniform_rec(sb_ctx *c, const vt_value *v, int d, int depth) {
    const vt_type *t = v->type;
    if (!vt_type_is_tensor(t) || d < 0 || d >= t->rank) return false;
    if (t->dims[d] == 1) return true;
    if (!v->def || d >= 64) return false;
    uint64_t bit = (uint64_t)1 << d;
    if (c->uni_known[v->id] & bit) return (c->uni_yes[v->id] & bit) != 0;
    /* deep chains answer "no" rather than recurse without bound; not memoised, so a shallower
     * query may still say yes */
    if (depth > 200) return false;
    bool r = uniform_op(c, v->def, t, d, depth);
    c->uni_known[v->id] |= bit;
    if (r) c->uni_yes[v->id] |= bit;
    return r;
}

bool vt_sb_uniform(sb_ctx *c, const vt_value *v, int d) { return uniform_rec(c, v, d, 0); }

/* ---- rules --------------------------------------------------------------------------------- */
/* Operand i does not carry the batch but meets batched operands along dimension d: a sub-batch
 * of it is its first s rows only when it is the same along d. */
static vt_status want(sb_ctx *c, const vt_op *op, size_t i, int d, int *need, vt_error *err) {
    const vt_value *x = op->operands[i];
    if (rank_of(x) <= d || x->type->dims[d] != c->B)
        return mix(c, op, err, "meets the batch (size %lld) in dimension %d of operand %zu, which has another size",
                   (long long)c->B, d, i);
    if (c->s != c->B && !c->lenient && !vt_sb_uniform(c, x, d))
        return mix(c, op, err, "operand %zu is not batched but varies along dimension %d, where the other operands carry "
                   "the batch (declare it batched, or it depends on the batch index)", i, d);
    need[i] = d;
    return VT_OK;
}

/* Ops whose operands all have the result's shape (scalars allowed where the op takes them). */
static vt_status elementwise(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    int d = -1;
    int rr = rank_of(&op->results[0]);
    for (size_t i = 0; i < op->noperands; i++) {
        if (obd[i] < 0) continue;
        if (rank_of(op->operands[i]) != rr) return unsup(c, op, err, "with a batched operand of another rank");
        if (d >= 0 && obd[i] != d)
            return mix(c, op, err, "combines batch dims %d and %d of its operands (different batch elements)", d, obd[i]);
        d = obd[i];
    }
    for (size_t i = 0; i < op->noperands; i++) {
        if (obd[i] >= 0 || rank_of(op->operands[i]) == 0) continue;
        vt_status s = want(c, op, i, d, need, err);
        if (s) return s;
    }
    for (size_t i = 0; i < op->nresults; i++) rbd[i] = d;
    return VT_OK;
}

static vt_status reshape(sb_ctx *c, const vt_op *op, int d, int *rbd, vt_error *err) {
    const vt_type *it = op->operands[0]->type, *ot = op->results[0].type;
    uint64_t pre = 1;
    for (int i = 0; i < d; i++) pre *= (uint64_t)it->dims[i];
    uint64_t p = 1;
    for (int e = 0; e < ot->rank; e++) {
        if (p == pre && ot->dims[e] == it->dims[d]) {
            rbd[0] = e;
            return VT_OK;
        }
        p *= (uint64_t)ot->dims[e];
        if (p > pre) break;
    }
    return mix(c, op, err, "merges batch dim %d with other dimensions (reshape %s)", d, "keeps no separate batch dim");
}

static vt_status dot_general(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    const vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers");
    int64_t lb[CAP], rb[CAP], lc[CAP], rc[CAP];
    size_t nlb, nrb, nlc, nrc;
    if (!dn || !flist(dn, "lhs_batching_dimensions", lb, &nlb) || !flist(dn, "rhs_batching_dimensions", rb, &nrb) ||
        !flist(dn, "lhs_contracting_dimensions", lc, &nlc) || !flist(dn, "rhs_contracting_dimensions", rc, &nrc) ||
        nlb != nrb)
        return unsup(c, op, err, "with malformed dot_dimension_numbers");
    int dl = obd[0], dr = obd[1], lr = rank_of(op->operands[0]);
    if (dl >= 0 && find(lc, nlc, dl) >= 0) return mix(c, op, err, "contracts over batch dim %d of its lhs", dl);
    if (dr >= 0 && find(rc, nrc, dr) >= 0) return mix(c, op, err, "contracts over batch dim %d of its rhs", dr);
    long pl = dl >= 0 ? find(lb, nlb, dl) : -1, pr = dr >= 0 ? find(rb, nrb, dr) : -1;
    if (dl >= 0 && dr >= 0) {
        if (pl < 0 || pl != pr)
            return mix(c, op, err, "pairs batch dim %d of its lhs with batch dim %d of its rhs outside a common batching "
                       "dimension (every lhs element meets every rhs element)", dl, dr);
        rbd[0] = (int)pl;
        return VT_OK;
    }
    if (dl >= 0) {
        if (pl >= 0) {
            rbd[0] = (int)pl;
            return want(c, op, 1, (int)rb[pl], need, err);
        }
        int k = 0;
        for (int i = 0; i < dl; i++) k += find(lb, nlb, i) < 0 && find(lc, nlc, i) < 0;
        rbd[0] = (int)nlb + k;
        return VT_OK;
    }
    if (pr >= 0) {
        rbd[0] = (int)pr;
        return want(c, op, 0, (int)lb[pr], need, err);
    }
    int nlfree = lr - (int)nlb - (int)nlc, k = 0;
    for (int i = 0; i < dr; i++) k += find(rb, nrb, i) < 0 && find(rc, nrc, i) < 0;
    rbd[0] = (int)nlb + nlfree + k;
    return VT_OK;
}

static vt_status gather(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    int64_t off[CAP], col[CAP], ob[CAP], ib[CAP], sim[CAP], ss[CAP], ivd;
    size_t noff, ncol, nob, nib, nsim, nss;
    if (!dn || !flist(dn, "offset_dims", off, &noff) || !flist(dn, "collapsed_slice_dims", col, &ncol) ||
        !flist(dn, "operand_batching_dims", ob, &nob) || !flist(dn, "start_indices_batching_dims", ib, &nib) ||
        !flist(dn, "start_index_map", sim, &nsim) || !vt_attr_as_i64(vt_attr_dict_get(dn, "index_vector_dim"), &ivd) ||
        !ilist(op, "slice_sizes", ss, &nss) || nob != nib)
        return unsup(c, op, err, "with malformed gather dimension numbers");
    int dop = obd[0], din = obd[1], rr = rank_of(&op->results[0]);
    if (din >= 0) {
        if (din == ivd) return mix(c, op, err, "reads its index vectors along batch dim %d of the indices", din);
        /* the k-th indices dim (index vector dim skipped) is the k-th result dim outside offset_dims */
        int k = din - (ivd < din ? 1 : 0), e = -1;
        for (int r = 0, seen = 0; r < rr; r++)
            if (find(off, noff, r) < 0 && seen++ == k) {
                e = r;
                break;
            }
        if (e < 0) return unsup(c, op, err, "with inconsistent gather dimension numbers");
        long p = find(ib, nib, din);
        if (p >= 0) {
            if (dop >= 0 && dop != ob[p])
                return mix(c, op, err, "pairs batch dim %d of its indices with operand dim %lld, not the operand's batch dim %d",
                           din, (long long)ob[p], dop);
            if (dop < 0) {
                vt_status s = want(c, op, 0, (int)ob[p], need, err);
                if (s) return s;
            }
        } else if (dop >= 0) {
            return mix(c, op, err, "indexes operand batch dim %d with indices from other batch elements (batch dim %d of "
                       "the indices is not a batching dim)", dop, din);
        }
        rbd[0] = e;
        return VT_OK;
    }
    /* only the operand is batched: its batch dim must be a full window dim */
    if (find(ob, nob, dop) >= 0) return unsup(c, op, err, "with a batched operand batching dim and unbatched indices");
    if (find(col, ncol, dop) >= 0 || (size_t)dop >= nss || ss[dop] != c->B)
        return mix(c, op, err, "picks single elements of batch dim %d by index (a gather across the batch)", dop);
    int k = 0;
    for (int i = 0; i < dop; i++) k += find(col, ncol, i) < 0 && find(ob, nob, i) < 0;
    if ((size_t)k >= noff) return unsup(c, op, err, "with inconsistent gather dimension numbers");
    rbd[0] = (int)off[k];
    return VT_OK;
}

static vt_status reduce_like(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    /* operands: n inputs then n init scalars */
    size_t n = op->noperands / 2;
    int d = -1;
    for (size_t i = 0; i < op->noperands; i++) {
        if (obd[i] < 0) continue;
        if (i >= n) return unsup(c, op, err, "with a batched init value");
        if (d >= 0 && obd[i] != d) return mix(c, op, err, "combines batch dims %d and %d of its inputs", d, obd[i]);
        d = obd[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (obd[i] >= 0) continue;
        vt_status s = want(c, op, i, d, need, err);
        if (s) return s;
    }
    int64_t v[CAP];
    size_t nv;
    if (op->code == VT_OP_REDUCE) {
        if (!ilist(op, "dimensions", v, &nv)) return unsup(c, op, err, "with malformed dimensions");
        if (find(v, nv, d) >= 0) return mix(c, op, err, "reduces over batch dim %d", d);
        int e = d;
        for (size_t i = 0; i < nv; i++) e -= v[i] < d;
        for (size_t i = 0; i < op->nresults; i++) rbd[i] = e;
        return VT_OK;
    }
    /* reduce_window: the window must not move along the batch dim */
    static const char *const unit[] = {"window_dimensions", "window_strides", "base_dilations", "window_dilations"};
    for (size_t k = 0; k < sizeof unit / sizeof unit[0]; k++) {
        if (!ilist(op, unit[k], v, &nv)) return unsup(c, op, err, "with malformed window attributes");
        if ((size_t)d < nv && v[d] != 1) return mix(c, op, err, "has a window over batch dim %d (%s %lld)", d, unit[k], (long long)v[d]);
    }
    const vt_attr *pad = vt_op_attr(op, "padding");
    if (pad) {
        int64_t pv[2 * CAP];
        size_t np;
        if (!vt_attr_as_i64_array(pad, pv, 2 * CAP, &np)) {
            /* a rank-2 dense: read its elements directly */
            if (pad->kind != VT_ATTR_DENSE || !pad->tensor || pad->splat) return unsup(c, op, err, "with malformed padding");
            np = pad->tensor->nelem < 2 * CAP ? pad->tensor->nelem : 2 * CAP;
            for (size_t i = 0; i < np; i++) pv[i] = vt_load_i64(pad->tensor->dtype, (uint8_t *)pad->tensor->data + i * vt_dtype_size(pad->tensor->dtype));
        }
        if ((size_t)(2 * d + 1) < np && (pv[2 * d] || pv[2 * d + 1])) return mix(c, op, err, "pads batch dim %d", d);
    }
    for (size_t i = 0; i < op->nresults; i++) rbd[i] = d;
    return VT_OK;
}


/* scatter(inputs..., indices, updates...): the batch is either a batching dim (operand
 * input_batching_dims[p], indices scatter_indices_batching_dims[p], the matching update scatter
 * dim) or a full-size window dim (operand window dim, the matching update window dim; indices
 * unbatched). Anything else writes one batch element's updates into another's rows. */
static vt_status scatter(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    const vt_attr *dn = vt_op_attr(op, "scatter_dimension_numbers");
    int64_t uwd[CAP], iwd[CAP], ib[CAP], sib[CAP], sdo[CAP], ivd;
    size_t nuwd, niwd, nib, nsib, nsdo;
    if (!dn || !flist(dn, "update_window_dims", uwd, &nuwd) || !flist(dn, "inserted_window_dims", iwd, &niwd) ||
        !flist(dn, "input_batching_dims", ib, &nib) || !flist(dn, "scatter_indices_batching_dims", sib, &nsib) ||
        !flist(dn, "scatter_dims_to_operand_dims", sdo, &nsdo) ||
        !vt_attr_as_i64(vt_attr_dict_get(dn, "index_vector_dim"), &ivd) || nib != nsib || op->noperands % 2 == 0)
        return unsup(c, op, err, "with malformed scatter dimension numbers");
    size_t n = op->noperands / 2; /* inputs [0, n), indices n, updates (n, 2n] */
    int orank = rank_of(op->operands[0]), irank = rank_of(op->operands[n]), urank = rank_of(op->operands[n + 1]);
    int dop = -1, didx = -1, dupd = -1;
    for (size_t i = 0; i < n; i++)
        if (obd[i] >= 0) dop = obd[i];
    for (size_t i = n + 1; i < op->noperands; i++)
        if (obd[i] >= 0) dupd = obd[i];
    didx = obd[n];
    /* the k-th indices dim (index vector dim skipped) <-> the k-th update dim outside the window */
    int idx_to_upd[CAP], upd_to_idx[CAP];
    for (int i = 0; i < CAP; i++) idx_to_upd[i] = upd_to_idx[i] = -1;
    for (int u = 0, k = 0; u < urank; u++) {
        if (find(uwd, nuwd, u) >= 0) continue;
        int id = k + (k >= ivd ? 1 : 0);
        if (id < irank && id < CAP) {
            idx_to_upd[id] = u;
            upd_to_idx[u] = id;
        }
        k++;
    }
    /* operand window dims in order <-> update_window_dims */
    int win_to_upd[CAP], upd_to_win[CAP];
    for (int i = 0; i < CAP; i++) win_to_upd[i] = upd_to_win[i] = -1;
    for (int o = 0, k = 0; o < orank && o < CAP; o++) {
        if (find(iwd, niwd, o) >= 0 || find(ib, nib, o) >= 0) continue;
        if ((size_t)k < nuwd && uwd[k] < CAP) {
            win_to_upd[o] = (int)uwd[k];
            upd_to_win[uwd[k]] = o;
        }
        k++;
    }
    int eo = -1, ei = -1, eu = -1; /* expected batch dims of operands, indices, updates */
    long p = -1;
    if (dop >= 0) {
        if ((p = find(ib, nib, dop)) < 0 && find(iwd, niwd, dop) >= 0)
            return mix(c, op, err, "writes single elements of batch dim %d by index (a scatter across the batch)", dop);
        eo = dop;
    } else if (didx >= 0) {
        if ((p = find(sib, nsib, didx)) < 0)
            return mix(c, op, err, "scatters updates of different batch elements (batch dim %d of the indices is not a batching "
                       "dim) into the same rows", didx);
        eo = (int)ib[p];
    } else {
        if (dupd >= CAP) return unsup(c, op, err, "with an update of that rank");
        if (upd_to_win[dupd] >= 0) {
            eo = upd_to_win[dupd];
        } else {
            int id = upd_to_idx[dupd];
            if (id < 0 || (p = find(sib, nsib, id)) < 0)
                return mix(c, op, err, "scatters updates of different batch elements (batch dim %d of the updates) into the "
                           "same rows", dupd);
            eo = (int)ib[p];
        }
    }
    if (p < 0) p = find(ib, nib, eo);
    if (p >= 0) {
        ei = (int)sib[p];
        eu = ei < CAP ? idx_to_upd[ei] : -1;
        if (eu < 0) return unsup(c, op, err, "with inconsistent scatter dimension numbers");
    } else {
        eu = eo < CAP ? win_to_upd[eo] : -1;
        if (eu < 0) return unsup(c, op, err, "with inconsistent scatter dimension numbers");
        const vt_type *ut = op->operands[n + 1]->type;
        if (ut->dims[eu] != c->B)
            return mix(c, op, err, "writes windows of %lld of the %lld elements of batch dim %d", (long long)ut->dims[eu],
                       (long long)c->B, eo);
    }
    for (size_t i = 0; i < op->noperands; i++) {
        int want_d = i < n ? eo : i == n ? ei : eu;
        if (obd[i] >= 0 && obd[i] != want_d)
            return mix(c, op, err, "has operand %zu batched in dim %d where the scatter keeps the batch in dim %d", i, obd[i],
                       want_d);
        if (obd[i] < 0 && want_d >= 0) {
            vt_status s = want(c, op, i, want_d, need, err);
            if (s) return s;
        }
    }
    for (size_t i = 0; i < op->nresults; i++) rbd[i] = eo;
    return VT_OK;
}

vt_status vt_sb_rule(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err) {
    for (size_t i = 0; i < op->nresults; i++) rbd[i] = -1;
    for (size_t i = 0; i < op->noperands; i++) need[i] = -1;
    const vt_op_info *info = vt_op_get_info(op);
    int d = op->noperands ? obd[0] : -1;
    int64_t v[CAP];
    size_t n;
    if (info->flags & VT_OPF_COLLECTIVE) return mix(c, op, err, "is a collective (it combines values across processes)");
    if ((info->flags & VT_OPF_ELEMENTWISE) && !op->nregions) {
        if (op->code == VT_OP_UNIFORM_QUANTIZE || op->code == VT_OP_UNIFORM_DEQUANTIZE) {
            const vt_type *t = op->results[0].type;
            if (t->quant && t->quant->axis >= 0) return unsup(c, op, err, "with per-axis quantisation");
        }
        return elementwise(c, op, obd, rbd, need, err);
    }
    switch (op->code) {
    case VT_OP_SELECT: case VT_OP_CLAMP: case VT_OP_MAP:
        return elementwise(c, op, obd, rbd, need, err);
    case VT_OP_BITCAST_CONVERT:
        if (d >= rank_of(&op->results[0])) return unsup(c, op, err, "where the batch dim is the width dim");
        rbd[0] = d;
        return VT_OK;
    case VT_OP_OPTIMIZATION_BARRIER:
        for (size_t i = 0; i < op->nresults && i < op->noperands; i++) rbd[i] = obd[i];
        return VT_OK;
    case VT_OP_BROADCAST_IN_DIM: {
        if (!ilist(op, "broadcast_dimensions", v, &n) || (size_t)d >= n) return unsup(c, op, err, "with malformed dimensions");
        if (op->results[0].type->dims[v[d]] != c->B) return mix(c, op, err, "expands batch dim %d of size 1", d);
        rbd[0] = (int)v[d];
        return VT_OK;
    }
    case VT_OP_BROADCAST:
        if (!ilist(op, "broadcast_sizes", v, &n)) return unsup(c, op, err, "with malformed broadcast_sizes");
        rbd[0] = (int)n + d;
        return VT_OK;
    case VT_OP_RESHAPE: return reshape(c, op, d, rbd, err);
    case VT_OP_TRANSPOSE:
        if (!ilist(op, "permutation", v, &n)) return unsup(c, op, err, "with malformed permutation");
        for (size_t j = 0; j < n; j++)
            if (v[j] == d) rbd[0] = (int)j;
        return rbd[0] >= 0 ? VT_OK : unsup(c, op, err, "with malformed permutation");
    case VT_OP_REVERSE:
        if (!ilist(op, "dimensions", v, &n)) return unsup(c, op, err, "with malformed dimensions");
        if (find(v, n, d) >= 0) return mix(c, op, err, "reverses batch dim %d", d);
        rbd[0] = d;
        return VT_OK;
    case VT_OP_SLICE: {
        int64_t st[CAP], li[CAP], sd[CAP];
        size_t ns, nl, nd;
        if (!ilist(op, "start_indices", st, &ns) || !ilist(op, "limit_indices", li, &nl) || !ilist(op, "strides", sd, &nd) ||
            (size_t)d >= ns || (size_t)d >= nl)
            return unsup(c, op, err, "with malformed slice attributes");
        if (st[d] != 0 || li[d] != c->B || ((size_t)d < nd && sd[d] != 1))
            return mix(c, op, err, "slices batch dim %d ([%lld:%lld]): it selects batch elements", d, (long long)st[d],
                       (long long)li[d]);
        rbd[0] = d;
        return VT_OK;
    }
    case VT_OP_PAD: {
        static const char *const pads[] = {"edge_padding_low", "edge_padding_high", "interior_padding"};
        if (obd[1] >= 0) return unsup(c, op, err, "with a batched padding value");
        for (size_t k = 0; k < 3; k++) {
            if (!ilist(op, pads[k], v, &n)) return unsup(c, op, err, "with malformed padding");
            if ((size_t)d < n && v[d] != 0) return mix(c, op, err, "pads batch dim %d (%s %lld)", d, pads[k], (long long)v[d]);
        }
        rbd[0] = d;
        return VT_OK;
    }
    case VT_OP_CONCATENATE: {
        int64_t k;
        if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &k)) return unsup(c, op, err, "with malformed dimension");
        vt_status s = elementwise(c, op, obd, rbd, need, err);
        if (s) return s;
        if (rbd[0] == k) return mix(c, op, err, "concatenates along batch dim %lld", (long long)k);
        return VT_OK;
    }
    case VT_OP_SORT: {
        int64_t k;
        if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &k)) k = -1;
        vt_status s = elementwise(c, op, obd, rbd, need, err);
        if (s) return s;
        int r = rank_of(&op->results[0]);
        if (k < 0) k += r;
        if (rbd[0] == k) return mix(c, op, err, "sorts along batch dim %lld", (long long)k);
        return VT_OK;
    }
    case VT_OP_DYNAMIC_SLICE: {
        for (size_t i = 1; i < op->noperands; i++)
            if (obd[i] >= 0) return unsup(c, op, err, "with batched start indices");
        if (!ilist(op, "slice_sizes", v, &n) || (size_t)d >= n) return unsup(c, op, err, "with malformed slice_sizes");
        if (v[d] != c->B) return mix(c, op, err, "slices %lld of %lld elements of batch dim %d at a run-time index", (long long)v[d],
                                     (long long)c->B, d);
        rbd[0] = d;
        return VT_OK;
    }
    case VT_OP_DYNAMIC_UPDATE_SLICE: {
        for (size_t i = 2; i < op->noperands; i++)
            if (obd[i] >= 0) return unsup(c, op, err, "with batched start indices");
        int e = obd[0] >= 0 ? obd[0] : obd[1];
        if (obd[0] >= 0 && obd[1] >= 0 && obd[0] != obd[1])
            return mix(c, op, err, "writes batch dim %d of the update into batch dim %d", obd[1], obd[0]);
        const vt_type *ut = op->operands[1]->type;
        if (rank_of(op->operands[1]) <= e || ut->dims[e] != c->B)
            return mix(c, op, err, "writes %lld of %lld batch elements at a run-time index", rank_of(op->operands[1]) > e ?
                       (long long)ut->dims[e] : 0LL, (long long)c->B);
        if (obd[0] < 0 || obd[1] < 0) {
            vt_status s = want(c, op, obd[0] < 0 ? 0 : 1, e, need, err);
            if (s) return s;
        }
        rbd[0] = e;
        return VT_OK;
    }
    case VT_OP_CONVOLUTION: {
        /* the batch must be the input's batch dim with one batch group: each output batch
         * element then reads only its own input element */
        const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
        int64_t ib, ob, bg = 1;
        if (!dn || !vt_attr_as_i64(vt_attr_dict_get(dn, "input_batch_dimension"), &ib) ||
            !vt_attr_as_i64(vt_attr_dict_get(dn, "output_batch_dimension"), &ob))
            return unsup(c, op, err, "with malformed dimension_numbers");
        vt_attr_as_i64(vt_op_attr(op, "batch_group_count"), &bg);
        if (obd[1] >= 0) return unsup(c, op, err, "with a batched kernel");
        if (d != ib) return mix(c, op, err, "convolves over batch dim %d (the input batch dim is %lld)", d, (long long)ib);
        if (bg != 1) return mix(c, op, err, "splits its batch into %lld groups", (long long)bg);
        rbd[0] = (int)ob;
        return VT_OK;
    }
    case VT_OP_DOT_GENERAL: return dot_general(c, op, obd, rbd, need, err);
    case VT_OP_DOT: {
        int lr = rank_of(op->operands[0]), rr = rank_of(op->operands[1]);
        if (obd[0] >= 0 && obd[1] >= 0) return mix(c, op, err, "multiplies batch elements with each other");
        if (obd[0] >= 0) {
            if (obd[0] == lr - 1) return mix(c, op, err, "contracts over batch dim %d of its lhs", obd[0]);
            rbd[0] = 0;
            return VT_OK;
        }
        if (obd[1] == 0) return mix(c, op, err, "contracts over batch dim 0 of its rhs");
        (void)rr;
        rbd[0] = lr == 2 ? 1 : 0;
        return VT_OK;
    }
    case VT_OP_REDUCE: case VT_OP_REDUCE_WINDOW: return reduce_like(c, op, obd, rbd, need, err);
    case VT_OP_GATHER: return gather(c, op, obd, rbd, need, err);
    case VT_OP_SCATTER: return scatter(c, op, obd, rbd, need, err);
    case VT_OP_SELECT_AND_SCATTER: return unsup(c, op, err, "with a batched operand");
    case VT_OP_CUSTOM_CALL: return unsup(c, op, err, "with a batched operand (its target is opaque)");
    case VT_OP_CHLO_SCAN: return unsup(c, op, err, "with a batched operand");
    default: return unsup(c, op, err, "with a batched operand");
    }
}

/* Replaces (or adds) attribute `name` of dst. */
static vt_status set_attr(sb_ctx *c, vt_op *dst, const char *name, vt_attr *a, vt_error *err) {
    if (!a) return vt_xf_builder_error(c->b, err);
    for (size_t i = 0; i < dst->nattrs; i++)
        if (strcmp(dst->attrs[i].name, name) == 0) {
            dst->attrs[i].value = a;
            return VT_OK;
        }
    return vt_error_set(err, VT_EINTERNAL, "split-batch: %s has no attribute %s", vt_op_name(dst), name);
}

vt_status vt_sb_patch_attrs(sb_ctx *c, const vt_op *src, vt_op *dst, const int *obd, vt_error *err) {
    int64_t v[CAP];
    size_t n;
    int d = src->noperands ? obd[0] : -1;
    if (d < 0) return VT_OK;
    const char *field = NULL;
    switch (src->code) {
    case VT_OP_SLICE: field = "limit_indices"; break;
    case VT_OP_DYNAMIC_SLICE: field = "slice_sizes"; break;
    case VT_OP_GATHER: {
        /* only an operand batch dim that is a window dim has a slice size of B */
        const vt_attr *dn = vt_op_attr(src, "dimension_numbers");
        int64_t ob[CAP];
        size_t nob;
        if (!flist(dn, "operand_batching_dims", ob, &nob) || find(ob, nob, d) >= 0) return VT_OK;
        field = "slice_sizes";
        break;
    }
    default: return VT_OK;
    }
    if (!ilist(src, field, v, &n) || (size_t)d >= n) return vt_error_set(err, VT_EINTERNAL, "split-batch: %s lost", field);
    v[d] = c->s;
    return set_attr(c, dst, field, vt_builder_attr_i64_array(c->b, v, n), err);
}
