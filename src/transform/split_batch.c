/* Batch splitting, emission and entry point (docs/transform-slice.md): with the batch layout of
 * every value known (split_batch_analyze.c), every op is emitted with its batched types shrunk;
 * unbatched values that meet the batch are cut to its first rows (valid because the analysis
 * checked them to be the same along that dimension). */
#include "transform/split_batch.h"
#include "veritor/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL 16

static vt_status oom(vt_error *err) { return vt_error_set(err, VT_ENOMEM, "split-batch: out of memory"); }

/* ---- emission ------------------------------------------------------------------------------ */
/* t with dimension d shrunk to the sub-batch (d < 0: t as is), in the new module. */
static const vt_type *sbtype(sb_ctx *c, const vt_type *t, int d, vt_error *err) {
    const vt_type *ct = vt_xf_copy_type(c->map, c->dst, t, err);
    if (!ct || d < 0) return ct;
    vt_type *nt = vt_module_alloc(c->dst, sizeof *nt, err);
    int64_t *dims = nt ? vt_module_alloc(c->dst, (size_t)ct->rank * sizeof *dims, err) : NULL;
    if (!dims) return NULL;
    *nt = *ct;
    memcpy(dims, ct->dims, (size_t)ct->rank * sizeof *dims);
    dims[d] = c->s;
    nt->dims = dims;
    if (ct->bounds) nt->bounds = NULL;
    return nt;
}

/* VT_XF_ORIGIN_ATTR for a new op standing for src (NULL when src has no id). */
static vt_attr *origin_attr(sb_ctx *c, const vt_op *src) {
    const char *o = vt_xf_origin(src);
    if (o) return vt_builder_attr_string(c->b, o, strlen(o));
    c->label.len = 0;
    if (vt_op_id(src, &c->label, NULL) != VT_OK || c->label.failed) return NULL;
    return vt_builder_attr_string(c->b, c->label.data, c->label.len);
}

/* Builds an op named like src with src's attributes (deep-copied, `replace` substituted for the
 * attribute of that name) and its origin. */
static vt_op *build_like(sb_ctx *c, const vt_op *src, const char *name, vt_value *const *ops, size_t nops,
                         const vt_type *const *rts, size_t nres, const vt_named_attr *extra, size_t nextra, size_t nregions,
                         bool copy_src_attrs, vt_error *err) {
    size_t cap = (copy_src_attrs ? src->nattrs : 0) + nextra + 1;
    vt_named_attr *at = malloc(cap * sizeof *at);
    if (!at) {
        oom(err);
        return NULL;
    }
    size_t na = 0;
    for (size_t i = 0; i < nextra; i++) at[na++] = extra[i];
    for (size_t i = 0; copy_src_attrs && i < src->nattrs; i++) {
        const char *nm = src->attrs[i].name;
        if (strcmp(nm, VT_XF_ORIGIN_ATTR) == 0) continue;
        bool replaced = false;
        for (size_t k = 0; k < nextra; k++) replaced |= strcmp(extra[k].name, nm) == 0;
        if (replaced) continue;
        at[na].name = nm;
        if (!(at[na].value = vt_xf_copy_attr(c->map, c->dst, src->attrs[i].value, err))) {
            free(at);
            return NULL;
        }
        na++;
    }
    vt_attr *oa = origin_attr(c, src);
    if (oa) at[na++] = (vt_named_attr){VT_XF_ORIGIN_ATTR, oa};
    vt_op *n = vt_build_op(c->b, name, ops, nops, rts, nres, at, na, nregions);
    free(at);
    if (!n) vt_xf_builder_error(c->b, err);
    return n;
}

/* The first s rows along d of unbatched source value v (checked uniform along d by analysis). */
static vt_value *resize(sb_ctx *c, const vt_value *v, int d, vt_error *err) {
    vt_value *mv = vt_xf_map_get(c->map, v);
    if (!mv) {
        vt_error_set(err, VT_EINTERNAL, "split-batch: value %u not built", v->id);
        return NULL;
    }
    if (c->s == c->B) return mv;
    const vt_type *nt = sbtype(c, v->type, d, err);
    if (!nt) return NULL;
    const vt_op *op = v->def;
    vt_op *n = NULL;
    if (op && op->code == VT_OP_BROADCAST_IN_DIM) {
        /* re-broadcast at the smaller size instead of materialising the full one and slicing */
        int64_t bd[VT_MAX_RANK];
        size_t nb;
        const vt_attr *a = vt_op_attr(op, "broadcast_dimensions");
        bool hits = true;
        if (a && vt_attr_as_i64_array(a, bd, VT_MAX_RANK, &nb)) {
            hits = false;
            for (size_t i = 0; i < nb; i++) hits |= bd[i] == d;
        }
        vt_value *x = vt_xf_map_get(c->map, op->operands[0]);
        if (!hits && x) n = build_like(c, op, vt_op_name(op), &x, 1, &nt, 1, NULL, 0, 0, true, err);
        if (!hits && !n) return NULL;
    } else if (op && op->code == VT_OP_CONSTANT) {
        const vt_attr *a = vt_op_attr(op, "value");
        if (a && a->kind == VT_ATTR_DENSE && a->splat && a->tensor) {
            vt_named_attr va = {"value", vt_builder_attr_dense(c->b, a->tensor, nt)};
            if (!va.value) {
                vt_xf_builder_error(c->b, err);
                return NULL;
            }
            n = build_like(c, op, vt_op_name(op), NULL, 0, &nt, 1, &va, 1, 0, false, err);
            if (!n) return NULL;
        }
    }
    if (!n) {
        int rank = v->type->rank;
        int64_t st[VT_MAX_RANK] = {0}, li[VT_MAX_RANK], sd[VT_MAX_RANK];
        for (int i = 0; i < rank; i++) {
            li[i] = v->type->dims[i];
            sd[i] = 1;
        }
        li[d] = c->s;
        vt_named_attr sa[3] = {{"limit_indices", vt_builder_attr_i64_array(c->b, li, (size_t)rank)},
                               {"start_indices", vt_builder_attr_i64_array(c->b, st, (size_t)rank)},
                               {"strides", vt_builder_attr_i64_array(c->b, sd, (size_t)rank)}};
        n = op ? build_like(c, op, "stablehlo.slice", &mv, 1, &nt, 1, sa, 3, 0, false, err)
               : vt_build_op(c->b, "stablehlo.slice", &mv, 1, &nt, 1, sa, 3, 0);
        if (!n) {
            vt_xf_builder_error(c->b, err);
            return NULL;
        }
    }
    return &n->results[0];
}

static vt_status emit_block(sb_ctx *c, sb_spec *sp, const vt_block *src, vt_block *dst, const int *expect, vt_error *err);

/* The name of a specialisation in the new module, queuing it for emission on first use. */
static const char *spec_name(sb_ctx *c, sb_spec *sp, vt_error *err) {
    vt_xf_strset *names = &c->names;
    if (sp->new_name) return sp->new_name;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", sp->f->name);
    for (unsigned k = 1; vt_xf_strset_has(names, buf) || (k > 1 && vt_module_find_func(c->src, buf)); k++)
        snprintf(buf, sizeof buf, "%s_sb%u", sp->f->name, k);
    if (!(sp->new_name = strdup(buf)) || !vt_xf_strset_add(names, buf)) {
        oom(err);
        return NULL;
    }
    if (c->nqueue == c->capqueue) {
        size_t nc = c->capqueue ? c->capqueue * 2 : 16;
        sb_spec **nq = realloc(c->queue, nc * sizeof *nq);
        if (!nq) {
            oom(err);
            return NULL;
        }
        c->queue = nq;
        c->capqueue = nc;
    }
    c->queue[c->nqueue++] = sp;
    return sp->new_name;
}

static vt_status map_results(sb_ctx *c, const vt_op *src, vt_op *n, vt_error *err) {
    for (size_t i = 0; i < src->nresults; i++) {
        vt_status s = vt_xf_map_set(c->map, &src->results[i], &n->results[i], err);
        if (s) return s;
    }
    return VT_OK;
}

static vt_status emit_regions(sb_ctx *c, sb_spec *sp, const vt_op *src, vt_op *n, const vt_type *const *argt,
                              const int *expect_body, vt_error *err) {
    for (size_t r = 0; r < src->nregions; r++) {
        if (!src->regions[r]->nblocks) continue;
        const vt_block *sb = src->regions[r]->blocks[0];
        vt_block *nb = vt_builder_add_block(c->b, n, r, argt, sb->nargs);
        if (!nb) return vt_xf_builder_error(c->b, err);
        for (size_t k = 0; k < sb->nargs; k++) {
            vt_status s = vt_xf_map_set(c->map, &sb->args[k], &nb->args[k], err);
            if (s) return s;
        }
        /* a while's cond (region 0) returns its unbatched predicate */
        const int *ex = src->code == VT_OP_WHILE && r == 0 ? NULL : expect_body;
        vt_status s = emit_block(c, sp, sb, nb, ex, err);
        if (s) return s;
    }
    return VT_OK;
}

static vt_status emit_control(sb_ctx *c, sb_spec *sp, const vt_op *op, vt_error *err) {
    size_t no = op->noperands, nr = op->nresults;
    vt_value **ops = calloc(no + 1, sizeof *ops);
    const vt_type **rts = calloc(nr + 1, sizeof *rts);
    int *rbd = calloc(nr + 1, sizeof *rbd);
    vt_status s = VT_OK;
    if (!ops || !rts || !rbd) {
        s = oom(err);
        goto done;
    }
    for (size_t i = 0; i < nr; i++) rbd[i] = sp->bd[op->results[i].id];
    for (size_t i = 0; i < no && !s; i++) {
        const vt_value *v = op->operands[i];
        if (op->code == VT_OP_WHILE && rbd[i] >= 0 && sp->bd[v->id] < 0) ops[i] = resize(c, v, rbd[i], err);
        else ops[i] = vt_xf_map_get(c->map, v);
        if (!ops[i]) s = err->code ? err->code : vt_error_set(err, VT_EINTERNAL, "split-batch: operand not built");
    }
    for (size_t i = 0; i < nr && !s; i++)
        if (!(rts[i] = sbtype(c, op->results[i].type, rbd[i], err))) s = err->code;
    if (s) goto done;
    if (op->code == VT_OP_FUNC_CALL) {
        int ostack[SMALL];
        int *obd = vt_sb_operand_bds(sp, op, ostack);
        sb_spec *cs = NULL;
        if (!obd) {
            s = oom(err);
            goto done;
        }
        s = vt_sb_get_spec(c, vt_module_find_func(c->src, vt_op_callee(op)), obd, op, &cs, err);
        if (obd != ostack) free(obd);
        const char *nm = s ? NULL : spec_name(c, cs, err);
        if (!nm) {
            s = err->code ? err->code : VT_EINTERNAL;
            goto done;
        }
        vt_named_attr ca = {"callee", vt_builder_attr_symbol(c->b, nm)};
        vt_op *n = build_like(c, op, vt_op_name(op), ops, no, rts, nr, &ca, 1, 0, true, err);
        s = n ? map_results(c, op, n, err) : err->code;
        goto done;
    }
    vt_op *n = build_like(c, op, vt_op_name(op), ops, no, rts, nr, NULL, 0, op->nregions, true, err);
    if (!n) {
        s = err->code;
        goto done;
    }
    vt_block *saved = vt_builder_block(c->b);
    s = emit_regions(c, sp, op, n, op->code == VT_OP_WHILE ? rts : NULL, rbd, err);
    vt_builder_set_block(c->b, saved);
    if (!s) s = map_results(c, op, n, err);
done:
    free(ops);
    free(rts);
    free(rbd);
    return s;
}

static vt_status emit_simple(sb_ctx *c, sb_spec *sp, const vt_op *op, vt_error *err) {
    int ostack[SMALL];
    int *obd = vt_sb_operand_bds(sp, op, ostack);
    if (!obd) return oom(err);
    vt_status s = VT_OK;
    if (!vt_sb_any_batched(obd, op->noperands)) {
        /* the op sees exactly the source's values: a plain copy */
        if (!vt_xf_clone_op(c->b, op, c->map, err)) s = err->code ? err->code : VT_EINTERNAL;
        if (obd != ostack) free(obd);
        return s;
    }
    int *rbd = calloc(op->nresults + 1, sizeof *rbd), *need = calloc(op->noperands + 1, sizeof *need);
    vt_value **rs = calloc(op->noperands + 1, sizeof *rs);
    if (!rbd || !need || !rs) s = oom(err);
    if (!s) s = vt_sb_rule(c, op, obd, rbd, need, err);
    for (size_t i = 0; i < op->noperands && !s; i++)
        if (need[i] >= 0 && !(rs[i] = resize(c, op->operands[i], need[i], err))) s = err->code;
    vt_op *n = NULL;
    if (!s && !(n = vt_xf_clone_op(c->b, op, c->map, err))) s = err->code ? err->code : VT_EINTERNAL;
    for (size_t i = 0; i < op->noperands && !s; i++)
        if (rs[i]) n->operands[i] = rs[i];
    for (size_t i = 0; i < op->nresults && !s; i++) {
        if (rbd[i] < 0) continue;
        const vt_type *t = sbtype(c, op->results[i].type, rbd[i], err);
        if (!t) s = err->code;
        else n->results[i].type = t;
    }
    if (!s) s = vt_sb_patch_attrs(c, op, n, obd, err);
    free(rbd);
    free(need);
    free(rs);
    if (obd != ostack) free(obd);
    return s;
}

static vt_status emit_block_ops(sb_ctx *c, sb_spec *sp, const vt_block *src, const int *expect, vt_error *err) {
    for (size_t i = 0; i < src->nops; i++) {
        const vt_op *op = src->ops[i];
        vt_status s;
        if (vt_op_get_info(op)->flags & VT_OPF_TERMINATOR) {
            vt_value *vals[SMALL], **vs = op->noperands <= SMALL ? vals : malloc(op->noperands * sizeof *vs);
            if (!vs) return oom(err);
            s = VT_OK;
            for (size_t k = 0; k < op->noperands && !s; k++) {
                const vt_value *v = op->operands[k];
                if (expect && expect[k] >= 0 && sp->bd[v->id] < 0) vs[k] = resize(c, v, expect[k], err);
                else vs[k] = vt_xf_map_get(c->map, v);
                if (!vs[k]) s = err->code ? err->code : vt_error_set(err, VT_EINTERNAL, "split-batch: return value not built");
            }
            if (!s && !build_like(c, op, vt_op_name(op), vs, op->noperands, NULL, 0, NULL, 0, 0, true, err))
                s = err->code ? err->code : VT_EINTERNAL;
            if (vs != vals) free(vs);
        } else if (op->code == VT_OP_WHILE || op->code == VT_OP_IF || op->code == VT_OP_CASE || op->code == VT_OP_FUNC_CALL) {
            s = emit_control(c, sp, op, err);
        } else {
            s = emit_simple(c, sp, op, err);
        }
        if (s) return s;
    }
    return VT_OK;
}

static vt_status emit_block(sb_ctx *c, sb_spec *sp, const vt_block *src, vt_block *dst, const int *expect, vt_error *err) {
    vt_builder_set_block(c->b, dst);
    if (++c->depth > SB_MAX_DEPTH) {
        c->depth--;
        return vt_error_set(err, VT_ELIMIT, "split-batch: regions nested deeper than %d", SB_MAX_DEPTH);
    }
    vt_status s = emit_block_ops(c, sp, src, expect, err);
    c->depth--;
    return s;
}

/* One function of the new module: sp's function with its batched types; `expect` are the batch
 * dims its results must have (the entry's declared ones; a callee's own). */
static vt_status emit_spec(sb_ctx *c, sb_spec *sp, const char *name, const char *visibility, const int *expect,
                           vt_error *err) {
    const vt_func *f = sp->f;
    const vt_type **at = calloc(f->nargs + 1, sizeof *at), **rt = calloc(f->nresults + 1, sizeof *rt);
    int *ex = calloc(f->nresults + 1, sizeof *ex);
    vt_status s = VT_OK;
    if (!at || !rt || !ex) s = oom(err);
    for (size_t i = 0; i < f->nargs && !s; i++)
        if (!(at[i] = sbtype(c, f->arg_types[i], sp->argbd[i], err))) s = err->code;
    for (size_t i = 0; i < f->nresults && !s; i++) {
        ex[i] = expect ? expect[i] : sp->resbd[i];
        if (!(rt[i] = sbtype(c, f->result_types[i], ex[i], err))) s = err->code;
    }
    vt_func *nf = NULL;
    if (!s && !(nf = vt_builder_func(c->b, name, visibility, at, f->nargs, rt, f->nresults))) s = vt_xf_builder_error(c->b, err);
    for (size_t i = 0; i < f->nargs && !s; i++)
        if (f->arg_attrs && f->arg_attrs[i] && !(nf->arg_attrs[i] = vt_xf_copy_attr(c->map, c->dst, f->arg_attrs[i], err)))
            s = err->code;
    for (size_t i = 0; i < f->nresults && !s; i++)
        if (f->result_attrs && f->result_attrs[i] &&
            !(nf->result_attrs[i] = vt_xf_copy_attr(c->map, c->dst, f->result_attrs[i], err)))
            s = err->code;
    if (!s && f->attrs && !(nf->attrs = vt_xf_copy_attr(c->map, c->dst, f->attrs, err))) s = err->code;
    if (!s && !f->body) {
        nf->body = NULL;
        vt_builder_set_block(c->b, NULL);
    } else if (!s) {
        const vt_block *sb = f->body->blocks[0];
        vt_block *nb = nf->body->blocks[0];
        for (size_t i = 0; i < sb->nargs && !s; i++) s = vt_xf_map_set(c->map, &sb->args[i], &nb->args[i], err);
        if (!s) s = emit_block(c, sp, sb, nb, ex, err);
    }
    free(at);
    free(rt);
    free(ex);
    return s;
}

/* The entry's declared batch layout against its signature; sets c->B. */
static vt_status check_layout(sb_ctx *c, const vt_func *f, const int *abd, size_t nargs, const int *rbd, size_t nres,
                              int64_t sub, vt_error *err) {
    if (nargs != f->nargs)
        return vt_error_set(err, VT_EINPUT, "split-batch: %zu argument batch dims given, @%s has %zu arguments", nargs, f->name,
                            f->nargs);
    if (nres != f->nresults)
        return vt_error_set(err, VT_EINPUT, "split-batch: %zu result batch dims given, @%s has %zu results", nres, f->name,
                            f->nresults);
    c->B = -1;
    for (size_t k = 0; k < nargs + nres; k++) {
        bool is_arg = k < nargs;
        size_t i = is_arg ? k : k - nargs;
        int d = is_arg ? abd[i] : rbd[i];
        const vt_type *t = is_arg ? f->arg_types[i] : f->result_types[i];
        const char *what = is_arg ? "argument" : "result";
        if (d == -1) continue;
        if (d < -1 || !vt_type_is_tensor(t) || d >= t->rank)
            return vt_error_set(err, VT_EINPUT, "split-batch: %s %zu: batch dim %d outside [0, %d)", what, i, d,
                                vt_type_is_tensor(t) ? t->rank : 0);
        if (!vt_type_is_static(t))
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: %s %zu has dynamic dimensions", what, i);
        /* result sizes are checked after the analysis, whose message names the op at fault */
        if (!is_arg) continue;
        if (c->B < 0) c->B = t->dims[d];
        else if (t->dims[d] != c->B)
            return vt_error_set(err, VT_EINPUT, "split-batch: %s %zu has %lld in batch dim %d, another batched value has %lld",
                                what, i, (long long)t->dims[d], d, (long long)c->B);
    }
    bool any = false;
    for (size_t i = 0; i < nargs; i++) any |= abd[i] >= 0;
    if (!any) return vt_error_set(err, VT_EINPUT, "split-batch: no argument of @%s is batched", f->name);
    if (sub < 1 || sub > c->B || c->B % sub != 0)
        return vt_error_set(err, VT_EINPUT, "split-batch: sub-batch %lld does not divide the batch size %lld", (long long)sub,
                            (long long)c->B);
    c->s = sub;
    return VT_OK;
}

/* The entry's analysed result layout against the declared one. */
static vt_status check_results(sb_ctx *c, const sb_spec *sp, const int *rbd, vt_error *err) {
    const vt_func *f = sp->f;
    const vt_op *t = vt_sb_terminator(f->body->blocks[0]);
    for (size_t i = 0; i < f->nresults; i++) {
        int got = sp->resbd[i], want = rbd[i];
        if (want >= 0 && f->result_types[i]->dims[want] != c->B)
            return vt_error_set(err, VT_EINPUT, "split-batch: result %zu has %lld in batch dim %d, the batch size is %lld", i,
                                (long long)f->result_types[i]->dims[want], want, (long long)c->B);
        if (got == want) continue;
        if (got >= 0 && want < 0)
            return vt_error_set(err, VT_EINPUT, "split-batch: result %zu of @%s depends on the batch (batch dim %d) but is "
                                "declared unbatched (-1)", i, f->name, got);
        if (got >= 0)
            return vt_error_set(err, VT_EINPUT, "split-batch: result %zu of @%s carries the batch in dim %d, not %d", i, f->name,
                                got, want);
        if (c->s != c->B && !vt_sb_uniform(c, t->operands[i], want))
            return vt_error_set(err, VT_EINPUT, "split-batch: result %zu of @%s does not depend on the batched arguments but "
                                "varies along dim %d, so no sub-batch of it is one function's result", i, f->name, want);
    }
    return VT_OK;
}

vt_status vt_xf_split_batch(const vt_module *src, const char *entry, const int *arg_batch_dims, size_t nargs,
                            const int *result_batch_dims, size_t nresults, int64_t sub_batch, vt_module **out,
                            vt_error *err) {
    if (out) *out = NULL;
    if (!src || !out || (nargs && !arg_batch_dims) || (nresults && !result_batch_dims))
        return vt_error_set(err, VT_EINPUT, "split-batch: needs a module, batch dims and an output");
    const vt_func *f;
    vt_status s = vt_module_entry(src, entry, &f, err);
    if (s) return s;
    if (!f->body || f->body->nblocks != 1)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: @%s has no single-block body", f->name);
    sb_ctx c;
    memset(&c, 0, sizeof c);
    c.src = src;
    vt_buf_init(&c.label);
    size_t nv = (size_t)src->num_values + 1;
    c.uni_known = calloc(nv, sizeof *c.uni_known);
    c.uni_yes = calloc(nv, sizeof *c.uni_yes);
    int *abd = calloc(nargs + 1, sizeof *abd);
    sb_spec *sp = NULL;
    if (!c.uni_known || !c.uni_yes || !abd) s = oom(err);
    if (!s) s = check_layout(&c, f, arg_batch_dims, nargs, result_batch_dims, nresults, sub_batch, err);
    for (size_t i = 0; i < nargs && !s; i++) abd[i] = arg_batch_dims[i];
    if (!s) s = vt_sb_get_spec(&c, f, abd, NULL, &sp, err);
    if (!s) s = check_results(&c, sp, result_batch_dims, err);
    if (!s) {
        c.b = vt_builder_new(src->name, err);
        c.map = c.b ? vt_xf_map_new(src, err) : NULL;
        if (!c.b || !c.map) s = err ? err->code : VT_ENOMEM;
    }
    if (!s) {
        c.dst = vt_builder_module(c.b);
        s = vt_xf_clone_module_shell(c.b, src, c.map, err);
    }
    if (!s && !vt_xf_strset_add(&c.names, f->name)) s = oom(err);
    if (!s && !(sp->new_name = strdup(f->name))) s = oom(err);
    if (!s) s = emit_spec(&c, sp, f->name, "public", result_batch_dims, err);
    /* callees in first-use order; emitting one may queue more */
    for (size_t q = 0; q < c.nqueue && !s; q++) s = emit_spec(&c, c.queue[q], c.queue[q]->new_name, "private", NULL, err);
    if (!s) {
        s = vt_builder_finish(c.b, out, err);
        if (s) vt_error_prefix(err, "split-batch: the rewritten module does not verify");
    }
    for (size_t i = 0; i < c.nspecs; i++) {
        free(c.specs[i]->argbd);
        free(c.specs[i]->resbd);
        free(c.specs[i]->bd);
        free(c.specs[i]->new_name);
        free(c.specs[i]);
    }
    free(c.specs);
    free(c.queue);
    free(c.uni_known);
    free(c.uni_yes);
    free(abd);
    vt_xf_strset_clear(&c.names);
    vt_buf_free(&c.label);
    vt_xf_map_free(c.map);
    vt_builder_free(c.b);
    return s;
}
