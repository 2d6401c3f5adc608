/* AR -> TF, step 3: the loop analysis: carry classes, trip count, the positions each step
 * writes, which buffers (or values) feed tokens back, and the logits each fed-back token was
 * chosen from (an argmax reduce or a sampler call). */
#include "transform/ar_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vt_op *def_op(const ar_ctx *c, int32_t v) {
    const ar_fval *fv = &c->vals[v];
    return fv->kind == AR_V_OP ? c->ops[fv->def].op : NULL;
}

/* Value of a scalar integer constant op. */
static bool const_scalar(const vt_op *op, int64_t *out) {
    if (!op || op->code != VT_OP_CONSTANT || op->nresults != 1 || !ar_is_scalar_int(op->results[0].type)) return false;
    return vt_attr_as_i64(vt_op_attr(op, "value"), out);
}

static void classify(ar_ctx *c) {
    for (size_t k = 0; k < c->ncarries; k++) {
        ar_carry *ca = &c->carries[k];
        const ar_fval *rv = &c->vals[ca->ret];
        const vt_type *t = c->vals[ca->arg].type;
        ca->cls = AR_C_OTHER;
        if (ca->ret == ca->arg) {
            ca->cls = AR_C_INVARIANT;
            continue;
        }
        const vt_op *op = def_op(c, ca->ret);
        if (!op) continue;
        const ar_fop *fo = &c->ops[rv->def];
        int64_t step, c0;
        if (op->code == VT_OP_ADD && ar_is_scalar_int(t) && const_scalar(def_op(c, ca->init), &c0)) {
            int32_t other = fo->operands[0] == ca->arg ? fo->operands[1] : fo->operands[1] == ca->arg ? fo->operands[0] : -1;
            if (other >= 0 && const_scalar(def_op(c, other), &step) && step != 0) {
                ca->cls = AR_C_COUNTER, ca->c0 = c0, ca->step = step;
                continue;
            }
        }
        if ((op->code == VT_OP_DYNAMIC_UPDATE_SLICE || op->code == VT_OP_SCATTER) && op->nresults == 1 &&
            fo->noperands >= 3 && fo->operands[0] == ca->arg && t->kind == VT_TYPE_TENSOR && vt_type_is_static(t)) {
            ca->cls = AR_C_WRITTEN;
            ca->wop = rv->def;
            ca->upd = op->code == VT_OP_SCATTER ? fo->operands[2] : fo->operands[1];
            ca->rank = t->rank;
            ar_copy(ca->dims, t->dims, (size_t)t->rank * sizeof *t->dims);
        }
    }
}

static vt_status trip_count(ar_ctx *c, vt_error *err) {
    char id[96], cid[96];
    ar_op_id(c->loop, id, sizeof id);
    const vt_block *cb = c->loop->regions[0]->blocks[0];
    const vt_op *ret = cb->nops ? cb->ops[cb->nops - 1] : NULL;
    const vt_op *cmpop = ret && ret->noperands == 1 ? ret->operands[0]->def : NULL;
    if (!cmpop || cmpop->code != VT_OP_COMPARE)
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: loop %s: condition is not a compare of a counter with a constant", id);
    const char *dir = vt_attr_as_string(vt_op_attr(cmpop, "comparison_direction"));
    int side = -1, k = -1;
    int64_t bound = 0;
    for (int s = 0; s < 2; s++) {
        const vt_value *a = cmpop->operands[s], *o = cmpop->operands[1 - s];
        if (a->def || a->block != cb || a->index >= c->ncarries || c->carries[a->index].cls != AR_C_COUNTER) continue;
        bool ok = false;
        if (o->def) ok = const_scalar(o->def, &bound);
        else if (o->block == cb && o->index < c->ncarries && c->carries[o->index].cls == AR_C_INVARIANT)
            ok = const_scalar(def_op(c, c->carries[o->index].init), &bound);
        if (ok) {
            side = s, k = (int)a->index;
            break;
        }
    }
    if (side < 0 || !dir)
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: loop %s: the condition (%s) does not compare a counter with a constant "
                            "(a data-dependent stop such as an end-of-sequence token is not supported)",
                            id, ar_op_id(cmpop, cid, sizeof cid));
    char d[3] = {0};
    strncpy(d, dir, 2);
    if (side == 1) { /* bound OP counter: mirror */
        if (!strcmp(d, "LT")) strcpy(d, "GT");
        else if (!strcmp(d, "LE")) strcpy(d, "GE");
        else if (!strcmp(d, "GT")) strcpy(d, "LT");
        else if (!strcmp(d, "GE")) strcpy(d, "LE");
    }
    int64_t c0 = c->carries[k].c0, st = c->carries[k].step, S = -1;
    if (!strcmp(d, "LT") && st > 0) S = bound > c0 ? (bound - c0 + st - 1) / st : 0;
    else if (!strcmp(d, "LE") && st > 0) S = bound >= c0 ? (bound - c0) / st + 1 : 0;
    else if (!strcmp(d, "GT") && st < 0) S = c0 > bound ? (c0 - bound + (-st) - 1) / (-st) : 0;
    else if (!strcmp(d, "GE") && st < 0) S = c0 >= bound ? (c0 - bound) / (-st) + 1 : 0;
    else if (!strcmp(d, "NE") && (bound - c0) % st == 0 && (bound - c0) / st >= 0) S = (bound - c0) / st;
    if (S < 0)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: loop %s: counter from %lld by %lld with condition %s %lld",
                            id, (long long)c0, (long long)st, d, (long long)bound);
    if (S == 0) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: loop %s runs no step", id);
    if ((uint64_t)S > c->max_steps)
        return vt_error_set(err, VT_ELIMIT, "ar-to-tf: loop %s runs %lld steps, over the limit of %llu", id,
                            (long long)S, (unsigned long long)c->max_steps);
    c->S = S;
    return VT_OK;
}

static bool list(const vt_attr *a, const char *f, int64_t *out, size_t *n) {
    const vt_attr *x = vt_attr_dict_get(a, f);
    if (!x) {
        *n = 0;
        return true;
    }
    return vt_attr_as_i64_array(x, out, VT_MAX_RANK, n);
}

/* Window shape and per-step starts of the write of carry k. */
static vt_status write_positions(ar_ctx *c, ar_carry *ca, vt_error *err) {
    char id[96];
    const ar_fop *fo = &c->ops[ca->wop];
    const vt_op *op = fo->op;
    ar_op_id(op, id, sizeof id);
    int r = ca->rank;
    size_t S = (size_t)c->S;
    if (!(ca->starts = vt_arena_alloc(&c->arena, S * (size_t)(r ? r : 1) * sizeof(int64_t), 8, err)))
        return err ? err->code : VT_ENOMEM;
    const vt_type *ut = c->vals[ca->upd].type;
    if (op->code == VT_OP_DYNAMIC_UPDATE_SLICE) {
        if ((int)fo->noperands != 2 + r || ut->rank != r)
            return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: malformed dynamic_update_slice", id);
        for (int d = 0; d < r; d++) ca->win[d] = ut->dims[d];
        for (int d = 0; d < r; d++) {
            const ar_fval *sv = &c->vals[fo->operands[2 + d]];
            if (!sv->tab)
                return vt_error_set(err, VT_EUNSUPPORTED,
                                    "not supported: %s writes a carried buffer at a position that is not a function "
                                    "of the loop counter (start index %d)",
                                    id, d);
            for (size_t s = 0; s < S; s++) {
                int64_t v = sv->tab[s], hi = ca->dims[d] - ca->win[d];
                ca->starts[s * r + d] = v < 0 ? 0 : v > hi ? hi : v;
            }
        }
        return VT_OK;
    }
    /* scatter: one index vector, overwrite combiner, no batching dims */
    const vt_attr *dn = vt_op_attr(op, "scatter_dimension_numbers");
    int64_t uwd[VT_MAX_RANK], iwd[VT_MAX_RANK], ibd[VT_MAX_RANK], sbd[VT_MAX_RANK], sdo[VT_MAX_RANK], ivd = 0;
    size_t nuwd, niwd, nibd, nsbd, nsdo;
    const vt_attr *ivda = vt_attr_dict_get(dn, "index_vector_dim");
    if (!dn || !list(dn, "update_window_dims", uwd, &nuwd) || !list(dn, "inserted_window_dims", iwd, &niwd) ||
        !list(dn, "input_batching_dims", ibd, &nibd) || !list(dn, "scatter_indices_batching_dims", sbd, &nsbd) ||
        !list(dn, "scatter_dims_to_operand_dims", sdo, &nsdo) || (ivda && !vt_attr_as_i64(ivda, &ivd)))
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: malformed scatter_dimension_numbers", id);
    if (fo->noperands != 3 || nibd || nsbd)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: scatter with several inputs or batching dims", id);
    const vt_region *rg = op->nregions == 1 ? op->regions[0] : NULL;
    const vt_block *rb = rg && rg->nblocks == 1 ? rg->blocks[0] : NULL;
    const vt_op *rr = rb && rb->nops ? rb->ops[rb->nops - 1] : NULL;
    if (!rr || rb->nargs != 2 || rr->noperands != 1 || rr->operands[0] != &rb->args[1])
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: %s: scatter into a carried buffer that combines instead of overwriting", id);
    const ar_fval *iv = &c->vals[fo->operands[1]];
    if (!iv->tab || iv->nelem != nsdo)
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: %s writes a carried buffer at a position that is not a function of the "
                            "loop counter (scatter indices)",
                            id);
    if ((int)(nuwd + niwd) != r)
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: window dims do not cover the operand", id);
    bool inserted[VT_MAX_RANK] = {false};
    for (size_t i = 0; i < niwd; i++) {
        if (iwd[i] < 0 || iwd[i] >= r) return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: bad inserted dim", id);
        inserted[iwd[i]] = true;
    }
    size_t w = 0;
    bool isw[VT_MAX_RANK] = {false};
    for (size_t i = 0; i < nuwd; i++) {
        if (uwd[i] < 0 || uwd[i] >= ut->rank) return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: bad window dim", id);
        isw[uwd[i]] = true;
    }
    for (int d = 0; d < ut->rank; d++)
        if (!isw[d] && ut->dims[d] != 1)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: scatter of several index vectors", id);
    for (int d = 0; d < r; d++) ca->win[d] = inserted[d] ? 1 : ut->dims[uwd[w++]];
    for (size_t s = 0; s < S; s++) {
        for (int d = 0; d < r; d++) ca->starts[s * r + d] = 0;
        for (size_t i = 0; i < nsdo; i++) {
            if (sdo[i] < 0 || sdo[i] >= r) return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: bad index map", id);
            ca->starts[s * r + sdo[i]] = iv->tab[s * iv->nelem + i];
        }
    }
    return VT_OK;
}

/* Grid of the indexed dims: which step writes each cell (scatter skips cells out of bounds). */
static vt_status owners(ar_ctx *c, ar_carry *ca, size_t k, vt_error *err) {
    char id[96];
    ar_op_id(c->ops[ca->wop].op, id, sizeof id);
    int r = ca->rank;
    ca->nidx = 0;
    ca->gsize = 1;
    for (int d = 0; d < r; d++)
        if (ca->win[d] < ca->dims[d]) {
            ca->idx[ca->nidx++] = d;
            if (ca->gsize > (1 << 24) / (ca->dims[d] ? ca->dims[d] : 1))
                return vt_error_set(err, VT_ELIMIT, "ar-to-tf: %s: buffer of carry %zu indexed over too many cells", id, k);
            ca->gsize *= ca->dims[d];
        }
    /* masks are [S, cells]: bound them (and every per-step scan of cells) */
    if (ca->gsize > (1 << 24) / c->S)
        return vt_error_set(err, VT_ELIMIT,
                            "ar-to-tf: %s: %lld steps x %lld indexed cells of carry %zu exceed 2^24 mask entries", id,
                            (long long)c->S, (long long)ca->gsize, k);
    if (!(ca->owner = malloc((size_t)ca->gsize * sizeof *ca->owner)))
        return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (int64_t g = 0; g < ca->gsize; g++) ca->owner[g] = -1;
    for (int64_t s = 0; s < c->S; s++) {
        const int64_t *st = ca->starts + s * r;
        int64_t cnt = 1, off[VT_MAX_RANK];
        for (int i = 0; i < ca->nidx; i++) cnt *= ca->win[ca->idx[i]];
        for (int64_t e = 0; e < cnt; e++) {
            int64_t rem = e, g = 0;
            bool in = true;
            for (int i = ca->nidx - 1; i >= 0; i--) {
                int64_t wd = ca->win[ca->idx[i]];
                off[i] = rem % wd;
                rem /= wd;
            }
            for (int i = 0; i < ca->nidx; i++) {
                int64_t p = st[ca->idx[i]] + off[i];
                if (p < 0 || p >= ca->dims[ca->idx[i]]) in = false;
                g = g * ca->dims[ca->idx[i]] + (in ? p : 0);
            }
            if (!in) continue;
            if (ca->owner[g] >= 0)
                return vt_error_set(err, VT_EUNSUPPORTED,
                                    "not supported: %s: steps %d and %lld write the same position of carry %zu", id,
                                    ca->owner[g], (long long)s, k);
            ca->owner[g] = (int32_t)s;
        }
    }
    return VT_OK;
}

/* Which seeded carries each body value depends on, as one bit set per flat value (bit bit[k]
 * for carry k; `words` 64-bit words per value), computed in one forward pass over the flat values
 * (operands always precede their users). A seeded value (a carry's body argument or its write,
 * verk > 0) stands for that carry alone: dependence is not followed through it, as a backward
 * search from the written value stopping at every buffer version would not be. */
static uint64_t *carry_deps(const ar_ctx *c, const int32_t *verk, const int32_t *bit, size_t words) {
    uint64_t *d = calloc(c->nvals * words + 1, sizeof *d);
    if (!d) return NULL;
    for (size_t v = 0; v < c->nvals; v++) {
        uint64_t *dv = d + v * words;
        const ar_fval *fv = &c->vals[v];
        if (verk[v] > 0) {
            size_t j = (size_t)bit[verk[v] - 1];
            dv[j / 64] |= (uint64_t)1 << (j % 64);
            continue;
        }
        if (fv->kind != AR_V_OP || !fv->in_body) continue;
        const ar_fop *fo = &c->ops[fv->def];
        for (uint32_t i = 0; i < fo->noperands + fo->ncaptures; i++) {
            int32_t o = i < fo->noperands ? fo->operands[i] : fo->captures[i - fo->noperands];
            const uint64_t *dop = d + (size_t)o * words;
            for (size_t w = 0; w < words; w++) dv[w] |= dop[w];
        }
    }
    return d;
}

static bool has_bit(const uint64_t *set, size_t j) { return (set[j / 64] >> (j % 64)) & 1; }

/* Whether v depends on random bits (unsigned words, rng ops, custom calls) within a bounded cone. */
static bool is_random(const ar_ctx *c, int32_t v0) {
    int32_t stack[4096];
    size_t sp = 0, visits = 0;
    stack[sp++] = v0;
    while (sp && visits++ < 20000) {
        int32_t v = stack[--sp];
        const ar_fval *fv = &c->vals[v];
        if (fv->type && fv->type->kind == VT_TYPE_TENSOR && vt_dtype_kind_of(fv->type->dtype) == VT_KIND_UINT)
            return true;
        if (fv->kind != AR_V_OP) continue;
        const ar_fop *fo = &c->ops[fv->def];
        vt_opcode oc = fo->op->code;
        if (oc == VT_OP_RNG || oc == VT_OP_RNG_BIT_GENERATOR || oc == VT_OP_CUSTOM_CALL) return true;
        for (uint32_t i = 0; i < fo->noperands && sp < 4096; i++) stack[sp++] = fo->operands[i];
    }
    return false;
}

/* The logits a token was chosen from: through reshape/convert/select to an argmax reduce (the
 * float operand of a variadic reduce over (values, iota)) or to a call returning the token with
 * a float tensor argument (a sampler). Gumbel noise added to the logits (JAX's categorical) is
 * peeled off: the result is the distribution the token was drawn from. */
static int32_t peel_noise(const ar_ctx *c, int32_t lg) {
    const ar_fval *lv = &c->vals[lg];
    if (lv->kind == AR_V_OP && c->ops[lv->def].op->code == VT_OP_ADD) {
        const ar_fop *ad = &c->ops[lv->def];
        if (is_random(c, ad->operands[1]) && !is_random(c, ad->operands[0])) return ad->operands[0];
        if (is_random(c, ad->operands[0]) && !is_random(c, ad->operands[1])) return ad->operands[1];
    }
    return lg;
}

static int32_t trace_token(const ar_ctx *c, int32_t v, int *dim, const vt_op **bad, int depth, int *budget) {
    if (depth > 64 || --*budget < 0) return -1; /* selects branch: bound the whole search */
    const ar_fval *fv = &c->vals[v];
    /* innermost call first (the chain starts at the outermost); the float argument must hold one
     * row per token element, so a whole outlined step body (called with weight matrices) is
     * looked into rather than taken for a sampler */
    int32_t chain[AR_MAX_CALL_DEPTH + 1];
    int nch = 0;
    for (int32_t r = fv->call; r >= 0 && nch <= AR_MAX_CALL_DEPTH; r = c->calls[r].next) chain[nch++] = r;
    int64_t tn = ar_type_elems(fv->type);
    for (int q = nch - 1; q >= 0 && fv->type && fv->type->kind == VT_TYPE_TENSOR && vt_dtype_is_int(fv->type->dtype); q--) {
        const ar_call *cr = &c->calls[chain[q]];
        for (uint32_t i = 0; i < cr->nargs; i++) {
            const vt_type *t = c->vals[cr->args[i]].type;
            if (t->kind == VT_TYPE_TENSOR && t->rank >= 1 && vt_dtype_is_float(t->dtype)) {
                int64_t last = t->dims[t->rank - 1];
                if (last <= 0 || ar_type_elems(t) / last != tn) break;
                *dim = t->rank - 1;
                return peel_noise(c, cr->args[i]);
            }
        }
    }
    if (fv->kind != AR_V_OP) return -1;
    const ar_fop *fo = &c->ops[fv->def];
    const vt_op *op = fo->op;
    if (fo->branch_select) { /* the token of an if / case: from any branch */
        for (uint32_t i = 1; i < fo->noperands; i++) {
            int32_t r = trace_token(c, fo->operands[i], dim, bad, depth + 1, budget);
            if (r >= 0) return r;
        }
        return -1;
    }
    switch (op->code) {
    case VT_OP_REDUCE: {
        int64_t dims[VT_MAX_RANK];
        size_t nd;
        if (fo->noperands == 4 && op->nresults == 2 && fv->res == 1 &&
            vt_dtype_is_float(c->vals[fo->operands[0]].type->dtype) &&
            vt_attr_as_i64_array(vt_op_attr(op, "dimensions"), dims, VT_MAX_RANK, &nd) && nd == 1) {
            *dim = (int)dims[0];
            return peel_noise(c, fo->operands[0]);
        }
        break;
    }
    case VT_OP_RESHAPE: case VT_OP_CONVERT: case VT_OP_BROADCAST_IN_DIM: case VT_OP_SLICE:
        return trace_token(c, fo->operands[0], dim, bad, depth + 1, budget);
    case VT_OP_SELECT: {
        for (int i = 1; i <= 2; i++) {
            int32_t r = trace_token(c, fo->operands[i], dim, bad, depth + 1, budget);
            if (r >= 0) return r;
        }
        return -1;
    }
    default:
        break;
    }
    if (!*bad) *bad = op;
    return -1;
}

vt_status ar_analyze(ar_ctx *c, vt_error *err) {
    char id[96], id2[96];
    ar_op_id(c->loop, id, sizeof id);
    classify(c);
    vt_status s;
    if ((s = trip_count(c, err))) return s;
    if ((s = ar_eval_tables(c, err))) return s;
    size_t n = c->ncarries;
    int32_t *verk = calloc(c->nvals, sizeof *verk);
    bool *edges = NULL; /* [bit of k][bit of j]: written buffer k reads written buffer j */
    if (!verk) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < n && !s; k++) {
        ar_carry *ca = &c->carries[k];
        if (ca->cls != AR_C_WRITTEN) continue;
        if ((s = write_positions(c, ca, err)) || (s = owners(c, ca, k, err))) break;
        verk[ca->arg] = (int32_t)k + 1;
        verk[c->ops[ca->wop].first_result] = (int32_t)k + 1;
    }
    /* Seeds: every written buffer (its body argument and its write) and every integer carry that
     * may feed a token back by value (its body argument); one forward pass serves both checks. */
    for (size_t k = 0; k < n && !s; k++) {
        const ar_carry *ca = &c->carries[k];
        const vt_type *t = c->vals[ca->arg].type;
        if (ca->cls == AR_C_OTHER && t->kind == VT_TYPE_TENSOR && vt_dtype_kind_of(t->dtype) == VT_KIND_SINT &&
            vt_type_is_static(t))
            verk[ca->arg] = (int32_t)k + 1;
    }
    /* bits only for the seeded carries (the weights a loop carries along need none) */
    int32_t *bit = malloc((n + 1) * sizeof *bit);
    size_t nbits = 0, nfeed = 0;
    if (!s && !bit) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < n && !s; k++) {
        const ar_carry *ca = &c->carries[k];
        bit[k] = ca->cls == AR_C_WRITTEN || verk[ca->arg] == (int32_t)k + 1 ? (int32_t)nbits++ : -1;
    }
    size_t words = (nbits + 63) / 64;
    /* bits per (value, buffer) and one byte per pair of buffers (nbits <= carries < 2^32) */
    uint64_t edge_bytes = (uint64_t)nbits * nbits, lim = c->max_analysis_bytes;
    if (!s && (edge_bytes > lim || (words && c->nvals > (lim - edge_bytes) / (words * 8))))
        s = vt_error_set(err, VT_ELIMIT,
                         "ar-to-tf: loop %s: %zu values depending on %zu written or token buffers need more than %llu "
                         "bytes to analyse",
                         id, c->nvals, nbits, (unsigned long long)c->max_analysis_bytes);
    uint64_t *deps = s ? NULL : carry_deps(c, verk, bit, words);
    if (!s && (!deps || !(edges = calloc(nbits * nbits + 1, sizeof *edges))))
        s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < n && !s; k++) {
        ar_carry *ca = &c->carries[k];
        if (ca->cls != AR_C_WRITTEN) continue;
        const uint64_t *dk = deps + (size_t)ca->upd * words;
        for (size_t j = 0; j < n; j++)
            if (j != k && c->carries[j].cls == AR_C_WRITTEN)
                edges[(size_t)bit[k] * nbits + (size_t)bit[j]] = has_bit(dk, (size_t)bit[j]);
        ca->feedback = has_bit(dk, (size_t)bit[k]);
        nfeed += ca->feedback;
    }
    /* The remaining buffers must be computable in some order once the tokens are given: no
     * buffer may reach itself through the others (depth-first over the written, not fed-back
     * buffers only). */
    size_t nw = 0;
    int32_t *wl = s ? NULL : malloc((n + 1) * sizeof *wl), *stack = s ? NULL : malloc((n + 1) * sizeof *stack);
    bool *vis = s ? NULL : calloc(n + 1, 1);
    if (!s && (!wl || !stack || !vis)) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < n && !s; k++)
        if (c->carries[k].cls == AR_C_WRITTEN && !c->carries[k].feedback) wl[nw++] = (int32_t)k;
    for (size_t q = 0; q < nw && !s; q++) {
        size_t k = (size_t)wl[q], sp = 0;
        for (size_t i = 0; i < nw; i++) vis[wl[i]] = false;
        stack[sp++] = (int32_t)k;
        while (sp && !s) {
            size_t u = (size_t)stack[--sp];
            for (size_t i = 0; i < nw && !s; i++) {
                size_t j = (size_t)wl[i];
                if (!edges[(size_t)bit[u] * nbits + (size_t)bit[j]]) continue;
                if (j == k)
                    s = vt_error_set(err, VT_EUNSUPPORTED,
                                     "not supported: loop %s: buffers of carries %zu and %zu depend on each other "
                                     "through the step",
                                     id, k, u);
                else if (!vis[j]) vis[j] = true, stack[sp++] = (int32_t)j;
            }
        }
    }
    free(wl), free(stack), free(vis);
    /* Tokens fed back by value: an integer carry whose next value depends on itself and comes
     * from an argmax / sampler (checked below when the logits are traced). */
    for (size_t k = 0; k < n && !s; k++) {
        ar_carry *ca = &c->carries[k];
        if (ca->cls != AR_C_OTHER || verk[ca->arg] != (int32_t)k + 1) continue;
        const vt_type *t = c->vals[ca->arg].type;
        bool self = has_bit(deps + (size_t)ca->ret * words, (size_t)bit[k]);
        ca->upd = ca->ret;
        const vt_op *bad = NULL;
        int dim = 0;
        int budget = 4096;
        int32_t lg = self ? trace_token(c, ca->ret, &dim, &bad, 0, &budget) : -1;
        /* the logits must hold one row per token element (PRNG keys and the like do not) */
        int64_t rows = lg >= 0 && dim < c->vals[lg].type->rank && c->vals[lg].type->dims[dim] > 0
                           ? ar_type_elems(c->vals[lg].type) / c->vals[lg].type->dims[dim] : -1;
        if (lg >= 0 && rows == ar_type_elems(t)) {
            ca->cls = AR_C_FEEDVAL, ca->feedback = true, ca->logits = lg, ca->logits_dim = dim;
            nfeed++;
        } else {
            ca->upd = -1;
        }
    }
    free(deps), free(bit);
    free(verk), free(edges);
    if (s) return s;
    if (!nfeed) {
        /* Name what the loop does instead, so the refusal explains itself. */
        for (size_t k = 0; k < n; k++) {
            const ar_carry *ca = &c->carries[k];
            if (ca->cls != AR_C_OTHER) continue;
            const vt_op *op = def_op(c, ca->ret);
            return vt_error_set(err, VT_EUNSUPPORTED,
                                "not supported: loop %s is not autoregressive: no buffer feeds a token back to the "
                                "next step (carry %zu is updated by %s at %s, not written at a position of the "
                                "loop counter)",
                                id, k, op ? vt_op_name(op) : "a block argument",
                                op ? ar_op_id(op, id2, sizeof id2) : "?");
        }
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: loop %s is not autoregressive: no buffer feeds a token back to the next "
                            "step",
                            id);
    }
    for (size_t k = 0; k < n; k++) {
        ar_carry *ca = &c->carries[k];
        if (ca->cls != AR_C_WRITTEN || !ca->feedback) continue;
        const vt_op *bad = NULL;
        int dim = 0;
        int budget = 4096;
        int32_t lg = trace_token(c, ca->upd, &dim, &bad, 0, &budget);
        if (lg < 0)
            return vt_error_set(err, VT_EUNSUPPORTED,
                                "not supported: loop %s: the token fed back through carry %zu comes from %s at %s, "
                                "not from an argmax reduce or a sampler call on logits",
                                id, k, bad ? vt_op_name(bad) : "a value of another step",
                                bad ? ar_op_id(bad, id2, sizeof id2) : "?");
        const vt_type *lt = c->vals[lg].type;
        if (dim < 0 || dim >= lt->rank)
            return vt_error_set(err, VT_EINPUT, "ar-to-tf: loop %s: argmax dimension %d outside the logits", id, dim);
        ca->logits = lg;
        ca->logits_dim = dim;
    }
    return VT_OK;
}
