/* Inlining of func.call at any depth (regions included) into the public functions or one entry,
 * with recursion and external callees refused by name, per-call-site provenance, and symbol DCE
 * of the functions nobody references any more (docs/transforms.md). */
#include "transform/xf_util.h"

#include <stdlib.h>
#include <string.h>

/* Calls nested deeper than this are refused (each level is a C stack frame of the cloner). */
#define XF_MAX_CALL_DEPTH 256

typedef struct inl_ctx {
    const vt_module *src;
    int depth; /* calls being inlined, outermost first */
} inl_ctx;

/* ---- checks on the call graph ---- */
typedef struct scan_ctx {
    const vt_module *m;
    long *calls; /* callee indices of one function's calls, in order */
    size_t n, cap;
    vt_buf id;
} scan_ctx;

static vt_status scan_call(vt_op *op, void *user, vt_error *err) {
    scan_ctx *c = user;
    if (op->code != VT_OP_FUNC_CALL) return VT_OK;
    const char *callee = vt_op_callee(op);
    c->id.len = 0;
    vt_op_id(op, &c->id, NULL);
    const char *where = vt_buf_cstr(&c->id);
    long k = callee ? vt_xf_func_index(c->m, callee) : -1;
    if (k < 0)
        return vt_error_set(err, VT_EINPUT, "%s: %s calls undefined function @%s", c->m->filename, where, callee ? callee : "?");
    const vt_func *f = c->m->funcs[k];
    if (!f->body)
        return vt_error_set(err, VT_EINPUT, "%s: %s calls @%s, an external declaration without a body: it cannot be inlined",
                            c->m->filename, where, callee);
    if (f->nargs != op->noperands || f->nresults != op->nresults)
        return vt_error_set(err, VT_EINPUT, "%s: %s calls @%s with %zu arguments and %zu results, the function has %zu and %zu",
                            c->m->filename, where, callee, op->noperands, op->nresults, f->nargs, f->nresults);
    for (size_t i = 0; i < f->nargs; i++)
        if (!vt_type_equal(f->arg_types[i], op->operands[i]->type))
            return vt_error_set(err, VT_EINPUT, "%s: %s: argument %zu of the call to @%s does not have the parameter's type",
                                c->m->filename, where, i, callee);
    for (size_t i = 0; i < f->nresults; i++)
        if (!vt_type_equal(f->result_types[i], op->results[i].type))
            return vt_error_set(err, VT_EINPUT, "%s: %s: result %zu of the call to @%s does not have the function's result type",
                                c->m->filename, where, i, callee);
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        long *nn = realloc(c->calls, nc * sizeof *nn);
        if (!nn) return vt_error_set(err, VT_ENOMEM, "out of memory");
        c->calls = nn;
        c->cap = nc;
    }
    c->calls[c->n++] = k;
    return VT_OK;
}

/* Depth-first search over the calls reachable from the roots: refuses cycles (naming them),
 * calls to declarations or undefined functions, mismatched arity, and too-deep call chains. */
static vt_status check_call_graph(const vt_module *m, const bool *root, vt_error *err) {
    size_t nf = m->nfuncs;
    long **callees = calloc(nf ? nf : 1, sizeof *callees);
    size_t *ncallees = calloc(nf ? nf : 1, sizeof *ncallees);
    unsigned char *state = calloc(nf ? nf : 1, 1); /* 0 new, 1 scanned, 2 on the path, 3 done */
    long *path = malloc((nf + 1) * sizeof *path);
    size_t *next = malloc((nf + 1) * sizeof *next);
    scan_ctx sc = {m, NULL, 0, 0, {0}};
    vt_buf_init(&sc.id);
    vt_status s = VT_OK;
    if (!callees || !ncallees || !state || !path || !next) {
        s = vt_error_set(err, VT_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < nf && s == VT_OK; r++) {
        if (!root[r] || state[r] == 3) continue;
        size_t depth = 0;
        path[0] = (long)r;
        next[0] = 0;
        state[r] = 2;
        while (s == VT_OK) {
            long f = path[depth];
            if (!callees[f] && !ncallees[f] && m->funcs[f]->body) {
                sc.calls = NULL;
                sc.n = sc.cap = 0;
                s = vt_region_walk(m->funcs[f]->body, scan_call, &sc, err);
                callees[f] = sc.calls;
                ncallees[f] = sc.n;
                if (s != VT_OK) break;
            }
            if (next[depth] == ncallees[f]) {
                state[f] = 3;
                if (depth == 0) break;
                depth--;
                continue;
            }
            long g = callees[f][next[depth]++];
            if (state[g] == 3) continue;
            if (state[g] == 2) {
                vt_buf cyc;
                vt_buf_init(&cyc);
                size_t from = 0;
                while (path[from] != g) from++;
                for (size_t i = from; i <= depth; i++) vt_buf_printf(&cyc, "@%s -> ", m->funcs[path[i]]->name);
                vt_buf_printf(&cyc, "@%s", m->funcs[g]->name);
                s = vt_error_set(err, VT_EINPUT, "%s: recursion cannot be inlined: %s", m->filename, vt_buf_cstr(&cyc));
                vt_buf_free(&cyc);
                break;
            }
            if (depth + 1 >= XF_MAX_CALL_DEPTH) {
                s = vt_error_set(err, VT_ELIMIT, "%s: calls nested deeper than %d (at @%s)", m->filename, XF_MAX_CALL_DEPTH,
                                 m->funcs[g]->name);
                break;
            }
            path[++depth] = g;
            next[depth] = 0;
            state[g] = 2;
        }
    }
done:
    if (callees)
        for (size_t i = 0; i < nf; i++) free(callees[i]);
    free(callees);
    free(ncallees);
    free(state);
    free(path);
    free(next);
    vt_buf_free(&sc.id);
    return s;
}

/* ---- the inliner: a clone hook replacing each func.call by a copy of the callee's body ---- */
/* Hooks see only their user pointer, so each inlining level passes its call-site chain in one. */
typedef struct level_ctx {
    inl_ctx *c;
    const char *chain; /* NULL at the top level */
} level_ctx;

static vt_status inline_hook(vt_builder *b, const vt_op *op, vt_xf_map *map, void *user, bool *handled, vt_error *err);

static vt_status inline_call(vt_builder *b, const vt_op *call, vt_xf_map *map, inl_ctx *c, const char *outer,
                             vt_error *err) {
    const vt_func *f = vt_module_find_func(c->src, vt_op_callee(call));
    if (!f || !f->body || f->body->nblocks != 1)
        return vt_error_set(err, VT_EINTERNAL, "transform inline: callee @%s changed after the checks (a bug)",
                            vt_op_callee(call) ? vt_op_callee(call) : "?");
    if (c->depth >= XF_MAX_CALL_DEPTH)
        return vt_error_set(err, VT_ELIMIT, "calls nested deeper than %d (at @%s)", XF_MAX_CALL_DEPTH, f->name);
    const vt_block *body = f->body->blocks[0];
    /* the chain: where we are, the call op's own chain (it may come from an earlier inlining),
     * then the call op's id (its origin when a transform produced it) */
    vt_buf chain;
    vt_buf_init(&chain);
    if (outer) vt_buf_printf(&chain, "%s;", outer);
    const char *own = vt_xf_callsite(call);
    if (own) vt_buf_printf(&chain, "%s;", own);
    const char *org = vt_xf_origin(call);
    vt_status s = VT_OK;
    if (org) vt_buf_puts(&chain, org);
    else s = vt_op_id(call, &chain, err);
    if (s == VT_OK && chain.failed) s = vt_error_set(err, VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < body->nargs && s == VT_OK; i++) {
        vt_value *v = vt_xf_map_get(map, call->operands[i]);
        if (!v) s = vt_error_set(err, VT_EINPUT, "transform inline: operand %zu of the call to @%s has no value", i, f->name);
        else s = vt_xf_map_set(map, &body->args[i], v, err);
    }
    if (s == VT_OK) {
        level_ctx lv = {c, vt_buf_cstr(&chain)};
        vt_xf_clone_opts o = {lv.chain, inline_hook, &lv, false};
        c->depth++;
        s = vt_xf_clone_block(b, body, map, &o, true, err);
        c->depth--;
    }
    if (s == VT_OK) {
        const vt_op *ret = body->nops ? body->ops[body->nops - 1] : NULL;
        if (!ret || ret->code != VT_OP_FUNC_RETURN || ret->noperands != call->nresults)
            s = vt_error_set(err, VT_EINPUT, "%s: @%s does not end with a func.return of %zu values", c->src->filename, f->name,
                             call->nresults);
        for (size_t i = 0; s == VT_OK && i < call->nresults; i++) {
            vt_value *v = vt_xf_map_get(map, ret->operands[i]);
            if (!v) s = vt_error_set(err, VT_EINPUT, "%s: @%s returns a value defined nowhere", c->src->filename, f->name);
            else s = vt_xf_map_set(map, &call->results[i], v, err);
        }
    }
    vt_buf_free(&chain);
    return s;
}

static vt_status inline_hook(vt_builder *b, const vt_op *op, vt_xf_map *map, void *user, bool *handled, vt_error *err) {
    if (op->code != VT_OP_FUNC_CALL) return VT_OK;
    level_ctx *lv = user;
    *handled = true;
    return inline_call(b, op, map, lv->c, lv->chain, err);
}

/* Symbol names an op refers to (callee, and SYMBOL attributes at any nesting) that name
 * functions of src: those functions are copied to the result unchanged. */
typedef struct refs_ctx {
    const vt_module *src;
    bool *want;
} refs_ctx;

static void refs_attr(refs_ctx *c, const vt_attr *a, int depth) {
    if (!a || depth > 64) return;
    if (a->kind == VT_ATTR_SYMBOL && a->str) {
        long k = vt_xf_func_index(c->src, a->str);
        if (k >= 0) c->want[k] = true;
    } else if (a->kind == VT_ATTR_ARRAY) {
        for (size_t i = 0; i < a->n; i++) refs_attr(c, a->elems[i], depth + 1);
    } else if (a->kind == VT_ATTR_DICT || a->kind == VT_ATTR_DIALECT) {
        for (size_t i = 0; i < a->nfields; i++) refs_attr(c, a->fields[i].value, depth + 1);
    }
}

static vt_status refs_op(vt_op *op, void *user, vt_error *err) {
    (void)err;
    refs_ctx *c = user;
    const char *callee = vt_op_callee(op);
    if (callee) {
        long k = vt_xf_func_index(c->src, callee);
        if (k >= 0) c->want[k] = true;
    }
    for (size_t i = 0; i < op->nattrs; i++) refs_attr(c, op->attrs[i].value, 0);
    return VT_OK;
}

vt_status vt_xf_inline(const vt_module *src, const char *entry, vt_module **out, vt_error *err) {
    vt_error local;
    if (!err) err = &local;
    if (!out) return vt_error_set(err, VT_EINPUT, "transform inline: no output pointer");
    *out = NULL;
    if (!src) return vt_error_set(err, VT_EINPUT, "transform inline: no module");
    size_t nf = src->nfuncs;
    bool *root = calloc(nf ? nf : 1, sizeof *root);
    bool *want = calloc(nf ? nf : 1, sizeof *want);
    vt_func **made = calloc(nf ? nf : 1, sizeof *made); /* the copy of src->funcs[i] */
    vt_builder *b = NULL;
    vt_xf_map *map = NULL;
    inl_ctx c = {src, 0};
    vt_status s = VT_OK;
    if (!root || !want || !made) {
        s = vt_error_set(err, VT_ENOMEM, "out of memory");
        goto done;
    }
    if (entry) {
        long k = vt_xf_func_index(src, entry);
        if (k < 0) {
            s = vt_error_set(err, VT_EINPUT, "%s: no function @%s (the entry)", src->filename, entry);
            goto done;
        }
        if (!src->funcs[k]->body) {
            s = vt_error_set(err, VT_EINPUT, "%s: the entry @%s is an external declaration without a body", src->filename, entry);
            goto done;
        }
        root[k] = true;
    } else {
        for (size_t i = 0; i < nf; i++) {
            const char *v = src->funcs[i]->visibility;
            root[i] = (!v || strcmp(v, "public") == 0) && src->funcs[i]->body;
        }
    }
    if ((s = check_call_graph(src, root, err)) != VT_OK) goto done;
    if (!(b = vt_builder_new(src->name, err)) || !(map = vt_xf_map_new(src, err))) {
        s = err->code;
        goto done;
    }
    if ((s = vt_xf_name_result(b, src, "inline", err)) != VT_OK) goto done;
    if ((s = vt_xf_clone_module_shell(b, src, map, err)) != VT_OK) goto done;
    level_ctx top = {&c, NULL};
    vt_xf_clone_opts o = {NULL, inline_hook, &top, false};
    for (size_t i = 0; i < nf; i++)
        if (root[i] && !(made[i] = vt_xf_clone_func(b, src->funcs[i], NULL, map, &o, err))) {
            s = err->code;
            goto done;
        }
    /* Symbol DCE by construction: copy (unchanged) only the functions that the result still
     * names, following their references until nothing new appears. Public functions other than
     * the entry are roots only when no entry is given; public declarations stay. */
    if (!entry)
        for (size_t i = 0; i < nf; i++) {
            const char *v = src->funcs[i]->visibility;
            if (!src->funcs[i]->body && (!v || strcmp(v, "public") == 0)) want[i] = true;
        }
    for (bool changed = true; changed;) {
        changed = false;
        vt_module *dm = vt_builder_module(b);
        refs_ctx rc = {src, want};
        for (size_t i = 0; i < dm->ntop_ops; i++) refs_op(dm->top_ops[i], &rc, NULL);
        for (size_t i = 0; i < dm->nfuncs; i++)
            if (dm->funcs[i]->body) vt_region_walk(dm->funcs[i]->body, refs_op, &rc, NULL);
        for (size_t i = 0; i < nf; i++)
            if (want[i] && !made[i]) {
                if (!(made[i] = vt_xf_clone_func(b, src->funcs[i], NULL, map, NULL, err))) {
                    s = err->code;
                    goto done;
                }
                changed = true;
            }
    }
    /* keep the source's function order */
    vt_module *dm = vt_builder_module(b);
    size_t k = 0;
    for (size_t i = 0; i < nf; i++)
        if (made[i]) dm->funcs[k++] = made[i];
    if (k != dm->nfuncs) {
        s = vt_error_set(err, VT_EINTERNAL, "transform inline: %zu functions made, %zu recorded (a bug)", dm->nfuncs, k);
        goto done;
    }
    s = vt_builder_finish(b, out, err);
    if (s != VT_OK) vt_error_prefix(err, "transform inline: the result does not verify");
done:
    vt_builder_free(b);
    vt_xf_map_free(map);
    free(root);
    free(want);
    free(made);
    return s;
}
