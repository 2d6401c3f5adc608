/* AR -> TF, step 4: liveness from the outputs (a buffer read depends on every step's write of
 * it), then the new function: arguments, buffers as each step sees them, batched body ops, final
 * buffers, per-step log-probabilities; and the entry point vt_xf_ar_to_tf. */
#include "transform/ar_internal.h"
#include "veritor/interp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ivec {
    int32_t *v;
    size_t n, cap;
} ivec;

static bool ivec_push(ivec *a, int32_t x) {
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        int32_t *p = realloc(a->v, nc * sizeof *p);
        if (!p) return false;
        a->v = p, a->cap = nc;
    }
    a->v[a->n++] = x;
    return true;
}

/* ---- which cells a step sees from the final buffer F (given tokens / all writes) ------------- */
static bool cell_from_F(const ar_carry *ca, int64_t g, int64_t s, int j) {
    int32_t o = ca->owner[g];
    return o < 0 || o < s + j;
}

void ar_version_needs(const ar_ctx *c, const ar_carry *ca, int j, bool *F, bool *I) {
    *F = *I = false;
    for (int64_t s = 0; s < c->S && !(*F && *I); s++)
        for (int64_t g = 0; g < ca->gsize && !(*F && *I); g++) {
            if (cell_from_F(ca, g, s, j)) *F = true;
            else *I = true;
        }
}

bool ar_read_region(const ar_ctx *c, const ar_carry *ca, int j, const int64_t *starts, const int64_t *sizes,
                    bool *needF, bool *needInit) {
    int r = ca->rank;
    *needF = *needInit = false;
    for (int64_t s = 0; s < c->S; s++) {
        int64_t cnt = 1;
        for (int i = 0; i < ca->nidx; i++) cnt *= sizes[ca->idx[i]];
        for (int64_t e = 0; e < cnt; e++) {
            int64_t rem = e, off[VT_MAX_RANK], g = 0;
            for (int i = ca->nidx - 1; i >= 0; i--) {
                off[i] = rem % sizes[ca->idx[i]];
                rem /= sizes[ca->idx[i]];
            }
            for (int i = 0; i < ca->nidx; i++) g = g * ca->dims[ca->idx[i]] + starts[s * r + ca->idx[i]] + off[i];
            if (cell_from_F(ca, g, s, j)) *needF = true;
            else *needInit = true;
        }
    }
    return true;
}

/* ---- liveness --------------------------------------------------------------------------------- */
typedef struct live_ctx {
    ar_ctx *c;
    int32_t *wres; /* flat value -> 1 + carry whose write produced it */
    ivec *deps;
} live_ctx;

static vt_status need(live_ctx *L, int32_t v, vt_error *err);

static vt_status need_F(live_ctx *L, size_t k, vt_error *err) {
    ar_carry *ca = &L->c->carries[k];
    L->c->needF[k] = true;
    if (ca->feedback) return VT_OK;
    vt_status s = need(L, ca->upd, err);
    return s ? s : need(L, ca->init, err);
}

static vt_status need_version(live_ctx *L, size_t k, int j, vt_error *err) {
    bool F, I;
    ar_version_needs(L->c, &L->c->carries[k], j, &F, &I);
    vt_status s = VT_OK;
    if (F) s = need_F(L, k, err);
    if (!s && I) {
        L->c->needInit[k] = true;
        s = need(L, L->c->carries[k].init, err);
    }
    return s;
}

static vt_status need(live_ctx *L, int32_t v, vt_error *err) {
    ar_ctx *c = L->c;
    const ar_fval *fv = &c->vals[v];
    char id[96], id2[96];
    if (fv->tab) return VT_OK; /* emitted as a constant */
    switch (fv->kind) {
    case AR_V_ARG:
        c->argused[fv->def] = true;
        return VT_OK;
    case AR_V_CARRY: {
        ar_carry *ca = &c->carries[fv->def];
        switch (ca->cls) {
        case AR_C_COUNTER: return VT_OK;
        case AR_C_INVARIANT: return need(L, ca->init, err);
        case AR_C_WRITTEN: return need_version(L, (size_t)fv->def, 0, err);
        case AR_C_FEEDVAL: return VT_OK;
        default: {
            const ar_fval *rv = &c->vals[ca->ret];
            const vt_op *op = rv->kind == AR_V_OP ? c->ops[rv->def].op : NULL;
            return vt_error_set(err, VT_EUNSUPPORTED,
                                "not supported: loop %s: carry %d is read by the computation of the outputs but is "
                                "updated by %s at %s (neither a counter, unchanged, nor a buffer written at a "
                                "counter position)",
                                ar_op_id(c->loop, id, sizeof id), (int)fv->def, op ? vt_op_name(op) : "a value",
                                op ? ar_op_id(op, id2, sizeof id2) : "?");
        }
        }
    }
    case AR_V_OP:
        if (L->wres[v]) return need_version(L, (size_t)L->wres[v] - 1, 1, err);
        if (!ivec_push(L->deps, fv->def)) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        return VT_OK;
    default:
        return vt_error_set(err, VT_EINTERNAL, "ar-to-tf: internal error: a loop result used inside the loop");
    }
}

/* Starts of a dynamic_slice at every step, clamped as the op clamps them; false unless every
 * start is a per-step table. */
static bool ds_starts(const ar_ctx *c, const ar_fop *fo, int64_t *starts, int64_t *sizes) {
    const vt_type *t = c->vals[fo->operands[0]].type;
    size_t n;
    if (!vt_attr_as_i64_array(vt_op_attr(fo->op, "slice_sizes"), sizes, VT_MAX_RANK, &n) || (int)n != t->rank ||
        (int)fo->noperands != 1 + t->rank)
        return false;
    for (int d = 0; d < t->rank; d++)
        if (!c->vals[fo->operands[1 + d]].tab) return false;
    for (int64_t s = 0; s < c->S; s++)
        for (int d = 0; d < t->rank; d++) {
            int64_t v = c->vals[fo->operands[1 + d]].tab[s], hi = t->dims[d] - sizes[d];
            starts[s * t->rank + d] = v < 0 ? 0 : v > hi ? hi : v;
        }
    return true;
}

static vt_status op_deps(live_ctx *L, int32_t fi, vt_error *err) {
    ar_ctx *c = L->c;
    const ar_fop *fo = &c->ops[fi];
    if (fo->op->code == VT_OP_DYNAMIC_SLICE && fo->noperands >= 1) {
        int32_t src = fo->operands[0];
        const ar_fval *sv = &c->vals[src];
        int k = -1, j = 0;
        if (sv->kind == AR_V_CARRY && c->carries[sv->def].cls == AR_C_WRITTEN) k = sv->def;
        else if (L->wres[src]) k = L->wres[src] - 1, j = 1;
        if (k >= 0) {
            const ar_carry *ca = &c->carries[k];
            int64_t sizes[VT_MAX_RANK];
            int64_t *starts = malloc((size_t)c->S * (size_t)(ca->rank ? ca->rank : 1) * sizeof *starts);
            if (!starts) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
            bool F = false, I = false, ok = ds_starts(c, fo, starts, sizes);
            if (ok) ar_read_region(c, ca, j, starts, sizes, &F, &I);
            free(starts);
            if (ok && F != I) {
                c->dsmode[fi] = F ? 1 : 2;
                if (F) return need_F(L, (size_t)k, err);
                c->needInit[k] = true;
                return need(L, ca->init, err);
            }
        }
    }
    for (uint32_t i = 0; i < fo->noperands + fo->ncaptures; i++) {
        vt_status s = need(L, i < fo->noperands ? fo->operands[i] : fo->captures[i - fo->noperands], err);
        if (s) return s;
    }
    return VT_OK;
}

/* Depth-first post-order from the roots over ops: every op after the ops it needs. */
static vt_status live_order(ar_ctx *c, int32_t *wres, ivec *order, vt_error *err) {
    ivec deps = {0}, stack = {0};
    live_ctx L = {c, wres, &deps};
    uint8_t *state = calloc(c->nops + 1, 1);
    vt_status s = VT_OK;
    if (!state) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < c->ncarries && !s; k++) {
        ar_carry *ca = &c->carries[k];
        if (ca->cls == AR_C_FEEDVAL) s = need(&L, ca->logits, err);
        if (ca->cls != AR_C_WRITTEN) continue;
        s = ca->feedback ? need(&L, ca->logits, err) : need_F(&L, k, err);
        if (ca->feedback) c->needF[k] = true;
    }
    for (size_t i = 0; i < deps.n && !s; i++)
        if (!ivec_push(&stack, deps.v[i] * 2)) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    while (stack.n && !s) {
        int32_t e = stack.v[--stack.n], fi = e / 2;
        if (e & 1) {
            state[fi] = 2;
            if (!ivec_push(order, fi)) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
            c->live[fi] = true;
            continue;
        }
        if (state[fi] == 2) continue;
        if (state[fi] == 1) {
            char id[96];
            s = vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s depends on itself through the loop's buffers",
                             ar_op_id(c->ops[fi].op, id, sizeof id));
            break;
        }
        state[fi] = 1;
        if (!ivec_push(&stack, fi * 2 + 1)) {
            s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
            break;
        }
        deps.n = 0;
        if ((s = op_deps(&L, fi, err))) break;
        for (size_t i = 0; i < deps.n; i++)
            if (state[deps.v[i]] != 2 && !ivec_push(&stack, deps.v[i] * 2)) {
                s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
                break;
            }
    }
    free(deps.v), free(stack.v), free(state);
    return s;
}

/* ---- emission helpers ------------------------------------------------------------------------ */
const vt_type *ar_ty(ar_ctx *c, const vt_type *t) {
    return t ? vt_xf_copy_type(c->xmap, vt_builder_module(c->b), t, NULL) : NULL;
}

const vt_named_attr *ar_attrs(ar_ctx *c, const vt_named_attr *a, size_t n, vt_named_attr *out) {
    for (size_t i = 0; i < n; i++) {
        out[i].name = a[i].name;
        out[i].value = a[i].value ? vt_xf_copy_attr(c->xmap, vt_builder_module(c->b), a[i].value, NULL) : NULL;
    }
    return out;
}

void ar_tag(ar_ctx *c, vt_value *v, const vt_op *src) {
    if (!v || !v->def || !src) return;
    vt_op *op = v->def;
    if (vt_op_attr(op, VT_XF_ORIGIN_ATTR)) return;
    vt_attr *a = vt_xf_ptrmap_get(&c->origins, src);
    if (!a) {
        vt_attr *orig = vt_op_attr(src, VT_XF_ORIGIN_ATTR);
        if (orig) {
            a = vt_xf_copy_attr(c->xmap, vt_builder_module(c->b), orig, NULL);
        } else {
            char id[256];
            ar_op_id(src, id, sizeof id);
            a = vt_builder_attr_string(c->b, id, strlen(id));
        }
        if (!a || !vt_xf_ptrmap_put(&c->origins, src, a)) return;
    }
    vt_named_attr *na = vt_module_alloc(vt_builder_module(c->b), (op->nattrs + 1) * sizeof *na, NULL);
    if (!na) return;
    size_t i = 0, o = 0;
    while (i < op->nattrs && strcmp(op->attrs[i].name, VT_XF_ORIGIN_ATTR) < 0) na[o++] = op->attrs[i++];
    na[o].name = VT_XF_ORIGIN_ATTR;
    na[o++].value = a;
    while (i < op->nattrs) na[o++] = op->attrs[i++];
    op->attrs = na;
    op->nattrs = o;
}

/* Integer constants are deduplicated by content: the layers' caches share their masks and
 * write positions. */
typedef struct ar_cconst {
    vt_dtype dt;
    int rank;
    int64_t dims[VT_MAX_RANK + 1];
    size_t n;
    int64_t *vals;
    vt_value *v;
} ar_cconst;

vt_value *ar_const_ints(ar_ctx *c, vt_dtype dt, int rank, const int64_t *dims, const int64_t *vals) {
    vt_error e;
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    ar_cconst *cc = c->cconsts;
    for (size_t i = 0; i < c->ncconsts; i++)
        if (cc[i].dt == dt && cc[i].rank == rank && cc[i].n == n &&
            !memcmp(cc[i].dims, dims, (size_t)rank * sizeof *dims) && !memcmp(cc[i].vals, vals, n * sizeof *vals))
            return cc[i].v;
    vt_tensor *t = vt_tensor_create(dt, rank, dims, 0, &e);
    if (!t) return NULL;
    size_t es = vt_dtype_size(dt);
    for (size_t i = 0; i < t->nelem; i++) vt_store_i64(dt, (char *)t->data + i * es, vals[i]);
    vt_value *v = vt_build_constant(c->b, t);
    vt_tensor_release(t);
    if (v && rank <= VT_MAX_RANK && c->ncconsts < 4096) {
        if (c->ncconsts == c->capcconsts) {
            size_t nc = c->capcconsts ? c->capcconsts * 2 : 32;
            ar_cconst *p = realloc(c->cconsts, nc * sizeof *p);
            if (!p) return v;
            c->cconsts = p, c->capcconsts = nc;
        }
        ar_cconst *k = &((ar_cconst *)c->cconsts)[c->ncconsts];
        if (!(k->vals = malloc(n * sizeof *vals + 1))) return v;
        ar_copy(k->vals, vals, n * sizeof *vals);
        k->dt = dt, k->rank = rank, k->n = n, k->v = v;
        ar_copy(k->dims, dims, (size_t)rank * sizeof *dims);
        c->ncconsts++;
    }
    return v;
}

const vt_type *ar_batched_type(ar_ctx *c, const vt_type *t) {
    int64_t d[VT_MAX_RANK];
    if (!t || t->kind != VT_TYPE_TENSOR || t->rank + 1 > VT_MAX_RANK) return NULL;
    d[0] = c->S;
    ar_copy(d + 1, t->dims, (size_t)t->rank * sizeof *d);
    return vt_builder_tensor_type(c->b, t->dtype, t->rank + 1, d);
}

vt_value *ar_to_batched(ar_ctx *c, vt_value *x, bool batched, const vt_type *t) {
    if (!x || batched) return x;
    int64_t dims[VT_MAX_RANK];
    int r = x->type->rank;
    if (r == t->rank)
        for (int i = 0; i < r; i++) dims[i] = i + 1;
    else if (r != 0)
        return NULL;
    return ar_broadcast(c, x, ar_batched_type(c, vt_builder_retype(c->b, t, x->type->dtype)), dims,
                        (size_t)(r == t->rank ? r : 0));
}

/* The final buffer of carry k: the given tokens, or the initial value with every step's write. */
vt_status ar_final_buffer(ar_ctx *c, ar_carry *ca, vt_error *err) {
    if (ca->F) return VT_OK;
    if (ca->feedback) {
        ca->F = c->newargs[c->entry->nargs + (size_t)(ca - c->carries)];
        return ca->F ? VT_OK : vt_error_set(err, VT_EINTERNAL, "ar-to-tf: internal error: tokens argument missing");
    }
    vt_value *init, *u;
    bool bi, bu;
    vt_status s;
    if ((s = ar_get(c, ca->init, &init, &bi, err)) || (s = ar_get(c, ca->upd, &u, &bu, err))) return s;
    int r = ca->rank;
    const vt_type *wt = vt_builder_tensor_type(c->b, c->vals[ca->upd].type->dtype, r, ca->win);
    u = ar_to_batched(c, u, bu, c->vals[ca->upd].type);
    u = vt_build_reshape(c->b, u, ar_batched_type(c, wt));
    int64_t idims[2] = {c->S, r};
    vt_value *idx = ar_const_ints(c, VT_I64, 2, idims, ca->starts);
    int64_t uwd[VT_MAX_RANK], sdo[VT_MAX_RANK];
    for (int d = 0; d < r; d++) uwd[d] = d + 1, sdo[d] = d;
    vt_scatter_dims sd = {.update_window_dims = uwd, .nupdate_window_dims = (size_t)r,
                          .scatter_dims_to_operand_dims = sdo, .nscatter_dims_to_operand_dims = (size_t)r,
                          .index_vector_dim = 1};
    ca->F = vt_build_scatter(c->b, init, idx, u, &sd, VT_OP_UNKNOWN);
    ar_tag(c, ca->F, c->ops[ca->wop].op);
    return ca->F ? VT_OK : vt_builder_status(c->b, err);
}

vt_value *ar_mask(ar_ctx *c, const ar_carry *ca, int j) {
    int64_t mdims[VT_MAX_RANK + 1];
    mdims[0] = c->S;
    for (int i = 0; i < ca->nidx; i++) mdims[i + 1] = ca->dims[ca->idx[i]];
    int64_t *m = malloc((size_t)(c->S * ca->gsize) * sizeof *m + 1);
    if (!m) return NULL;
    for (int64_t st = 0; st < c->S; st++)
        for (int64_t g = 0; g < ca->gsize; g++) m[st * ca->gsize + g] = cell_from_F(ca, g, st, j);
    vt_value *mask = ar_const_ints(c, VT_I1, ca->nidx + 1, mdims, m);
    free(m);
    return mask;
}

/* Buffer k as step s sees it before (j = 0) or after (j = 1) its own write. */
static vt_status seen(ar_ctx *c, size_t k, int j, vt_value **out, bool *batched, vt_error *err) {
    ar_carry *ca = &c->carries[k];
    if (ca->seen[j]) {
        *out = ca->seen[j];
        *batched = ca->seen[j]->type->rank == ca->rank + 1;
        return VT_OK;
    }
    bool F, I;
    ar_version_needs(c, ca, j, &F, &I);
    vt_value *fv = NULL, *iv = NULL;
    bool bi = false;
    vt_status s;
    if (F && (s = ar_final_buffer(c, ca, err))) return s;
    fv = ca->F;
    if (I && (s = ar_get(c, ca->init, &iv, &bi, err))) return s;
    if (!I || !F) {
        *out = ca->seen[j] = F ? fv : iv;
        *batched = false;
        return VT_OK;
    }
    int64_t bd[VT_MAX_RANK + 1];
    bd[0] = 0;
    for (int i = 0; i < ca->nidx; i++) bd[i + 1] = ca->idx[i] + 1;
    vt_value *mask = ar_mask(c, ca, j);
    const vt_type *t = c->vals[ca->arg].type;
    const vt_type *bt = ar_batched_type(c, t);
    vt_value *mb = vt_build_broadcast_in_dim(c->b, mask, vt_builder_retype(c->b, bt, VT_I1), bd, (size_t)ca->nidx + 1);
    vt_value *r = vt_build_select(c->b, mb, ar_to_batched(c, fv, false, t), ar_to_batched(c, iv, false, t));
    if (!r) return vt_builder_status(c->b, err);
    *out = ca->seen[j] = r;
    *batched = true;
    return VT_OK;
}

static vt_value *given_rows(ar_ctx *c, ar_carry *ca, int64_t first);

vt_status ar_get(ar_ctx *c, int32_t v, vt_value **out, bool *batched, vt_error *err) {
    ar_fval *fv = &c->vals[v];
    if (c->em[v]) {
        *out = c->em[v];
        *batched = c->batched[v];
        return VT_OK;
    }
    if (fv->tab) { /* small index value: a constant ([S, shape] when it varies with the step) */
        const vt_type *t = fv->type;
        int64_t dims[VT_MAX_RANK + 1];
        int r = t->rank;
        if (fv->stepdep) {
            dims[0] = c->S;
            ar_copy(dims + 1, t->dims, (size_t)r * sizeof *dims);
            r++;
        } else {
            ar_copy(dims, t->dims, (size_t)r * sizeof *dims);
        }
        vt_value *x = ar_const_ints(c, t->dtype, r, dims, fv->tab);
        if (!x) return vt_builder_status(c->b, err) ? err->code : vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        c->em[v] = x, c->batched[v] = fv->stepdep;
        *out = x, *batched = fv->stepdep;
        return VT_OK;
    }
    switch (fv->kind) {
    case AR_V_ARG:
        if (!c->newargs[fv->def]) break;
        *out = c->newargs[fv->def], *batched = false;
        return VT_OK;
    case AR_V_CARRY: {
        ar_carry *ca = &c->carries[fv->def];
        if (ca->cls == AR_C_INVARIANT) return ar_get(c, ca->init, out, batched, err);
        if (ca->cls == AR_C_WRITTEN) return seen(c, (size_t)fv->def, 0, out, batched, err);
        if (ca->cls == AR_C_FEEDVAL) { /* the value entering step s: given[0 .. S-1] */
            vt_value *x = given_rows(c, ca, 0);
            if (!x) return vt_builder_status(c->b, err) ? err->code : vt_error_set(err, VT_EINTERNAL, "ar-to-tf: tokens");
            c->em[v] = x, c->batched[v] = true;
            *out = x, *batched = true;
            return VT_OK;
        }
        break;
    }
    case AR_V_OP:
        for (size_t k = 0; k < c->ncarries; k++)
            if (c->carries[k].cls == AR_C_WRITTEN && c->ops[c->carries[k].wop].first_result == v)
                return seen(c, k, 1, out, batched, err);
        if (c->mvs && c->mvs[v].set) { /* a lazy view someone needs whole after all */
            vt_value *x = NULL;
            vt_status s = ar_mv_materialize(c, &c->mvs[v], fv->type, &x, err);
            if (s) return s;
            c->em[v] = x, c->batched[v] = true;
            *out = x, *batched = true;
            return VT_OK;
        }
        break;
    default:
        break;
    }
    return vt_error_set(err, VT_EINTERNAL, "ar-to-tf: internal error: value %d used before it was emitted", (int)v);
}

/* Rows [first, first + S) of a by-value token carry's given values [S+1, ...]. */
static vt_value *given_rows(ar_ctx *c, ar_carry *ca, int64_t first) {
    vt_value *g = ca->given;
    if (!g) return NULL;
    int r = g->type->rank;
    int64_t st[VT_MAX_RANK], lim[VT_MAX_RANK], str[VT_MAX_RANK];
    for (int d = 0; d < r; d++) st[d] = 0, lim[d] = g->type->dims[d], str[d] = 1;
    st[0] = first, lim[0] = first + c->S;
    return vt_build_slice(c->b, g, st, lim, str);
}

/* log_softmax(logits)[given next token] per step, over the dimension the token was chosen on. */
static vt_status emit_logprob(ar_ctx *c, ar_carry *ca, vt_value **out, vt_error *err) {
    vt_builder *b = c->b;
    vt_value *L;
    bool bl;
    vt_status s;
    if ((s = ar_get(c, ca->logits, &L, &bl, err))) return s;
    if (ca->cls == AR_C_WRITTEN && (s = ar_final_buffer(c, ca, err))) return s;
    const vt_type *lt = c->vals[ca->logits].type;
    L = ar_to_batched(c, L, bl, lt);
    vt_dtype fd = lt->dtype == VT_F64 ? VT_F64 : VT_F32;
    if (lt->dtype != fd) L = vt_build_convert(b, L, fd);
    if (!L) return vt_builder_status(b, err);
    int rd = ca->logits_dim + 1, R = lt->rank + 1;
    int64_t keep[VT_MAX_RANK], tdims[VT_MAX_RANK];
    int nk = 0;
    for (int d = 0; d < R; d++)
        if (d != rd) keep[nk] = d, tdims[nk++] = d == 0 ? c->S : lt->dims[d - 1];
    const vt_type *Lt = L->type;
    const vt_type *rt = vt_builder_tensor_type(b, fd, nk, tdims);
    int64_t rdim = rd;
    vt_value *mx = vt_build_reduce(b, VT_OP_MAXIMUM, L, vt_build_constant_scalar(b, fd, -INFINITY), &rdim, 1);
    vt_value *z = vt_build_binary(b, VT_OP_SUBTRACT, L, vt_build_broadcast_in_dim(b, mx, Lt, keep, (size_t)nk));
    vt_value *se = vt_build_reduce(b, VT_OP_ADD, vt_build_unary(b, VT_OP_EXPONENTIAL, z),
                                   vt_build_constant_scalar(b, fd, 0.0), &rdim, 1);
    vt_value *lse = vt_build_unary(b, VT_OP_LOG, se);
    /* the token each step fed back: the given buffer at that step's write position */
    int r = ca->rank;
    int64_t idims[2] = {c->S, r}, off[VT_MAX_RANK], sim[VT_MAX_RANK], wn = 1, tn = 1;
    for (int d = 0; d < r; d++) off[d] = d + 1, sim[d] = d, wn *= ca->win[d];
    if (ca->cls == AR_C_FEEDVAL) wn = ar_type_elems(c->vals[ca->arg].type);
    for (int d = 1; d < nk; d++) tn *= tdims[d];
    if (wn != tn) {
        char id[96];
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: loop %s: a step writes %lld tokens but its logits hold %lld rows",
                            ar_op_id(c->loop, id, sizeof id), (long long)wn, (long long)tn);
    }
    vt_dtype tdt = c->vals[ca->arg].type->dtype;
    vt_value *tok;
    if (ca->cls == AR_C_FEEDVAL) {
        tok = given_rows(c, ca, 1);
    } else {
        vt_value *idx = ar_const_ints(c, VT_I64, 2, idims, ca->starts);
        vt_gather_dims gd = {.offset_dims = off, .noffset_dims = (size_t)r, .start_index_map = sim,
                             .nstart_index_map = (size_t)r, .index_vector_dim = 1};
        int64_t gdims[VT_MAX_RANK + 1];
        gdims[0] = c->S;
        ar_copy(gdims + 1, ca->win, (size_t)r * sizeof *gdims);
        tok = vt_build_gather(b, ca->F, idx, &gd, ca->win, (size_t)r, vt_builder_tensor_type(b, tdt, r + 1, gdims));
    }
    tok = vt_build_reshape(b, tok, vt_builder_retype(b, rt, tdt));
    vt_value *io = vt_build_iota(b, vt_builder_retype(b, Lt, tdt), rdim);
    vt_value *eq = vt_build_compare(b, "EQ", io, vt_build_broadcast_in_dim(b, tok, vt_builder_retype(b, Lt, tdt), keep, (size_t)nk), NULL);
    vt_value *pick = vt_build_select(b, eq, z, ar_zeros(c, Lt));
    vt_value *ps = vt_build_reduce(b, VT_OP_ADD, pick, vt_build_constant_scalar(b, fd, 0.0), &rdim, 1);
    *out = vt_build_binary(b, VT_OP_SUBTRACT, ps, lse);
    return *out ? VT_OK : vt_builder_status(b, err);
}

vt_status ar_emit(ar_ctx *c, const char *fname, vt_ar_to_tf_info *info, vt_error *err) {
    size_t na = c->entry->nargs, n = c->ncarries;
    vt_status s = VT_OK;
    int32_t *wres = calloc(c->nvals + 1, sizeof *wres);
    ivec order = {0};
    c->em = calloc(c->nvals + 1, sizeof *c->em);
    c->batched = calloc(c->nvals + 1, sizeof *c->batched);
    c->live = calloc(c->nops + 1, sizeof *c->live);
    c->dsmode = calloc(c->nops + 1, sizeof *c->dsmode);
    c->argused = calloc(na + 1, sizeof *c->argused);
    c->newargs = calloc(na + n + 1, sizeof *c->newargs);
    c->needF = calloc(n + 1, sizeof *c->needF);
    c->needInit = calloc(n + 1, sizeof *c->needInit);
    c->mvs = calloc(c->nvals + 1, sizeof *c->mvs);
    if (!wres || !c->em || !c->batched || !c->live || !c->dsmode || !c->argused || !c->newargs || !c->needF ||
        !c->needInit || !c->mvs)
        s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < n && !s; k++)
        if (c->carries[k].cls == AR_C_WRITTEN) wres[c->ops[c->carries[k].wop].first_result] = (int32_t)k + 1;
    if (!s) s = live_order(c, wres, &order, err);
    free(wres);
    if (s) {
        free(order.v);
        return s;
    }
    /* signature: the entry's arguments that are still read, then one tokens buffer per fed-back carry */
    const vt_type *atys[VT_AR_MAX_IO], *rtys[VT_AR_MAX_IO];
    size_t nargs = 0, nres = 0;
    vt_builder *b = c->b;
    for (size_t i = 0; i < na; i++)
        if (c->argused[i]) {
            if (nargs >= VT_AR_MAX_IO) s = vt_error_set(err, VT_ELIMIT, "ar-to-tf: more than %d arguments", VT_AR_MAX_IO);
            else info->arg_src[nargs] = (int64_t)i, atys[nargs++] = ar_ty(c, c->entry->arg_types[i]);
        }
    for (size_t k = 0; k < n && !s; k++) {
        const ar_carry *ca = &c->carries[k];
        if (ca->cls == AR_C_WRITTEN && ca->feedback && nargs < VT_AR_MAX_IO)
            info->arg_src[nargs] = -1 - (int64_t)k, atys[nargs++] = ar_ty(c, c->vals[ca->arg].type);
        if (ca->cls == AR_C_FEEDVAL && nargs < VT_AR_MAX_IO) {
            const vt_type *t = c->vals[ca->arg].type;
            int64_t d[VT_MAX_RANK + 1];
            d[0] = c->S + 1;
            ar_copy(d + 1, t->dims, (size_t)t->rank * sizeof *d);
            info->arg_src[nargs] = -1 - (int64_t)k;
            atys[nargs++] = vt_builder_tensor_type(b, t->dtype, t->rank + 1, d);
        }
    }
    for (size_t k = 0; k < n && !s; k++) {
        const ar_carry *ca = &c->carries[k];
        if (ca->cls == AR_C_WRITTEN && !ca->feedback && nres < VT_AR_MAX_IO)
            info->result_src[nres] = (int64_t)k, rtys[nres++] = ar_ty(c, c->vals[ca->arg].type);
    }
    for (size_t k = 0; k < n && !s; k++) {
        const ar_carry *ca = &c->carries[k];
        if ((ca->cls != AR_C_WRITTEN && ca->cls != AR_C_FEEDVAL) || !ca->feedback || nres >= VT_AR_MAX_IO) continue;
        const vt_type *lt = c->vals[ca->logits].type;
        int64_t d[VT_MAX_RANK];
        int r = 0;
        d[r++] = c->S;
        for (int i = 0; i < lt->rank; i++)
            if (i != ca->logits_dim) d[r++] = lt->dims[i];
        info->result_src[nres] = -1 - (int64_t)k;
        rtys[nres++] = vt_builder_tensor_type(b, lt->dtype == VT_F64 ? VT_F64 : VT_F32, r, d);
    }
    info->nargs = nargs, info->nresults = nres, info->steps = c->S;
    vt_func *f = s ? NULL : vt_builder_func(b, fname, "public", atys, nargs, rtys, nres);
    if (!s && !f) s = vt_builder_status(b, err);
    for (size_t i = 0; i < nargs && !s; i++) {
        int64_t src = info->arg_src[i];
        c->newargs[src >= 0 ? (size_t)src : na + (size_t)(-1 - src)] = vt_builder_func_arg(b, f, i);
        if (src < 0 && c->carries[-1 - src].cls == AR_C_FEEDVAL) c->carries[-1 - src].given = vt_builder_func_arg(b, f, i);
    }
    for (size_t i = 0; i < order.n && !s; i++) {
        int32_t fi = order.v[i];
        if (c->ops[fi].in_body) {
            s = ar_vmap_op(c, fi, err);
        } else {
            vt_value *ops[64], **opv = ops;
            const ar_fop *fo = &c->ops[fi];
            if (fo->noperands > 64 && !(opv = malloc(fo->noperands * sizeof *opv)))
                s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
            for (uint32_t k = 0; k < fo->noperands && !s; k++) {
                bool bt;
                s = ar_get(c, fo->operands[k], &opv[k], &bt, err);
            }
            if (!s) s = ar_clone_plain(c, fi, opv, err);
            if (opv != ops) free(opv);
        }
    }
    free(order.v);
    vt_value *outs[VT_AR_MAX_IO];
    for (size_t i = 0; i < nres && !s; i++) {
        int64_t rs = info->result_src[i];
        ar_carry *ca = &c->carries[rs >= 0 ? rs : -1 - rs];
        if (rs >= 0) {
            s = ar_final_buffer(c, ca, err);
            outs[i] = ca->F;
        } else {
            s = emit_logprob(c, ca, &outs[i], err);
        }
    }
    if (!s && !vt_build_return(b, outs, nres)) s = vt_builder_status(b, err);
    if (!s) s = vt_builder_status(b, err);
    return s;
}

/* ---- public entry point --------------------------------------------------------------------- */
static void ctx_free(ar_ctx *c) {
    if (c->b) vt_builder_free(c->b);
    for (size_t k = 0; k < c->ncarries; k++) free(c->carries[k].owner);
    for (size_t i = 0; i < c->ncconsts; i++) free(((ar_cconst *)c->cconsts)[i].vals);
    free(c->cconsts);
    vt_xf_map_free(c->xmap);
    vt_xf_ptrmap_clear(&c->origins);
    vt_xf_ptrmap_clear(&c->shared);
    vt_xf_ptrmap_clear(&c->bcasts);
    free(c->vals), free(c->ops), free(c->calls);
    free(c->em), free(c->batched), free(c->live), free(c->dsmode), free(c->argused), free(c->newargs), free(c->needF),
        free(c->needInit), free(c->mvs);
    vt_arena_release(&c->arena);
}

vt_status vt_xf_ar_to_tf(const vt_module *src, const vt_ar_to_tf_options *opt, vt_module **out,
                         vt_ar_to_tf_info *info, vt_error *err) {
    vt_ar_to_tf_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    if (out) *out = NULL;
    if (!src || !out) return vt_error_set(err, VT_EUSAGE, "ar-to-tf: no module or no output");
    const char *fname = opt && opt->name ? opt->name : "main";
    bool okname = fname[0] == '_' || ((fname[0] | 32) >= 'a' && (fname[0] | 32) <= 'z');
    for (const char *p = fname; *p && okname; p++)
        okname = *p == '_' || *p == '.' || *p == '$' || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z');
    if (!okname) return vt_error_set(err, VT_EUSAGE, "ar-to-tf: '%s' is not a valid function name", fname);
    const vt_func *entry = NULL;
    vt_status s = vt_module_entry(src, opt ? opt->entry : NULL, &entry, err);
    if (s) return s;
    /* The decode loop is the first while (in op order, calls followed) that analyses as
     * autoregressive; earlier loops (key splitting, a prefill) are skipped. When none does, the
     * first loop's refusal is reported. */
    ar_ctx c;
    vt_error first;
    vt_error_clear(&first);
    for (int skip = 0;; skip++) {
        memset(&c, 0, sizeof c);
        c.m = src;
        c.entry = entry;
        c.skip_loops = skip;
        c.max_steps = opt && opt->max_steps ? opt->max_steps : (1u << 16);
        c.max_analysis_bytes = opt && opt->max_analysis_bytes ? opt->max_analysis_bytes : (uint64_t)256 << 20;
        vt_arena_init(&c.arena, 0);
        s = ar_flatten(&c, err);
        if (!s) s = ar_analyze(&c, err);
        if (s == VT_EUNSUPPORTED && skip < 64 && c.loop && strstr(err->msg, "not autoregressive")) {
            if (!skip && err) first = *err;
            ctx_free(&c);
            continue;
        }
        if (s && skip && !c.loop && err) *err = first, s = first.code; /* ran out of loops */
        break;
    }
    if (!s) {
        ar_op_id(c.loop, info->loop_id, sizeof info->loop_id);
        c.b = vt_builder_new(src->name ? src->name : "jit_teacher_forcing", err);
        if (!c.b) s = err ? err->code : VT_ENOMEM;
        else if (!(c.xmap = vt_xf_map_new(src, err))) s = err ? err->code : VT_ENOMEM;
    }
    if (!s) s = ar_emit(&c, fname, info, err);
    vt_module *built = NULL;
    if (!s) s = vt_builder_finish(c.b, &built, err);
    if (!s) {
        *out = built;
        built = NULL;
    }
    if (s && err && s != VT_EUNSUPPORTED && strncmp(err->msg, "ar-to-tf", 8) != 0 && strncmp(err->msg, "not supported", 13) != 0)
        vt_error_prefix(err, "ar-to-tf");
    vt_module_free(built);
    ctx_free(&c);
    return s;
}
