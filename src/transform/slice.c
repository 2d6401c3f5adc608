/* Slicing (docs/transform-slice.md): the backward cone of chosen values, cut at chosen values,
 * extracted as a new public function whose arguments are the cone's live-ins, plus whole copies
 * of the functions the cone calls. Used to replay one layer or one loop step from stored values. */
#include "transform/xf_util.h"

#include <stdlib.h>
#include <string.h>

#define SLICE_ARG_ATTR "veritor.origin"

enum { LIVE_NONE = 0, LIVE_CUT = 1, LIVE_IN = 2 };

typedef struct slice_ctx {
    const vt_module *src;
    const vt_block *scope;   /* the block every target lives in */
    uint8_t *live;           /* per source value id: LIVE_* */
    bool *is_cut;            /* per source value id */
    bool *op_in;             /* per op index of scope: in the cone */
    const vt_value **stack;  /* worklist */
    size_t nstack, capstack;
    const vt_value **cuts;   /* cut values in spec order (deduplicated) */
    size_t ncuts;
    const vt_value **targets;
    size_t ntargets;
    vt_buf ids;              /* scratch for op ids */
} slice_ctx;

static vt_status push(slice_ctx *c, const vt_value *v, vt_error *err) {
    if (c->nstack == c->capstack) {
        size_t nc = c->capstack ? c->capstack * 2 : 256;
        const vt_value **ns = realloc(c->stack, nc * sizeof *ns);
        if (!ns) return vt_error_set(err, VT_ENOMEM, "slice: out of memory");
        c->stack = ns;
        c->capstack = nc;
    }
    c->stack[c->nstack++] = v;
    return VT_OK;
}

static const vt_block *home_block(const vt_value *v) { return v->def ? v->def->parent : v->block; }

/* The op whose region holds blk, or NULL for a function body. */
static const vt_op *block_owner(const vt_block *blk) {
    return blk && blk->parent ? blk->parent->parent_op : NULL;
}

/* True when blk is `anc` or nested inside it (through regions of ops, never through calls). */
static bool block_within(const vt_block *blk, const vt_block *anc) {
    for (const vt_block *b = blk; b;) {
        if (b == anc) return true;
        const vt_op *o = block_owner(b);
        b = o ? o->parent : NULL;
    }
    return false;
}

/* True when blk lies inside one of op's regions. */
static bool block_inside_op(const vt_block *blk, const vt_op *op) {
    for (const vt_block *b = blk; b;) {
        const vt_op *o = block_owner(b);
        if (!o) return false;
        if (o == op) return true;
        b = o->parent;
    }
    return false;
}

/* Values used inside op's regions but defined outside op (implicit captures) join the cone. */
static vt_status push_captures(slice_ctx *c, const vt_op *root, const vt_op *op, vt_error *err) {
    for (size_t r = 0; r < op->nregions; r++) {
        const vt_region *reg = op->regions[r];
        for (size_t bi = 0; reg && bi < reg->nblocks; bi++) {
            const vt_block *blk = reg->blocks[bi];
            for (size_t i = 0; i < blk->nops; i++) {
                const vt_op *in = blk->ops[i];
                for (size_t k = 0; k < in->noperands; k++) {
                    const vt_value *u = in->operands[k];
                    if (!block_inside_op(home_block(u), root)) {
                        vt_status s = push(c, u, err);
                        if (s) return s;
                    }
                }
                vt_status s = push_captures(c, root, in, err);
                if (s) return s;
            }
        }
    }
    return VT_OK;
}

static vt_status walk_cone(slice_ctx *c, vt_error *err) {
    while (c->nstack) {
        const vt_value *v = c->stack[--c->nstack];
        if (c->live[v->id] != LIVE_NONE) continue;
        if (c->is_cut[v->id]) {
            c->live[v->id] = LIVE_CUT;
            continue;
        }
        const vt_block *h = home_block(v);
        if (v->def && h == c->scope) {
            const vt_op *op = v->def;
            /* the op's mark says "computed" for all its results */
            if (c->op_in[op->index]) continue;
            c->op_in[op->index] = true;
            for (size_t k = 0; k < op->noperands; k++) {
                vt_status s = push(c, op->operands[k], err);
                if (s) return s;
            }
            vt_status s = push_captures(c, op, op, err);
            if (s) return s;
            continue;
        }
        if (block_within(c->scope, h)) {
            /* an argument of the scope block or a value of an enclosing block */
            c->live[v->id] = LIVE_IN;
            continue;
        }
        return vt_error_set(err, VT_EINTERNAL, "slice: value %u reached from outside its scope", v->id);
    }
    return VT_OK;
}

/* "ID" or "ID:k": looks the op up; *res is k, or -1 when no ":k" was written. */
static vt_status find_value_op(const vt_module *m, const char *spec, const char *what, vt_op **op, long *res,
                               vt_error *err) {
    *res = -1;
    if (!spec || !*spec) return vt_error_set(err, VT_EINPUT, "slice: %s: empty op id", what);
    vt_error e;
    vt_status s = vt_module_find_op(m, spec, op, NULL, 0, NULL, &e);
    if (s == VT_OK) return VT_OK;
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1]) {
        const char *p = colon + 1;
        long k = 0;
        bool digits = true;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || k > 1000000) {
                digits = false;
                break;
            }
            k = k * 10 + (*p - '0');
        }
        if (digits) {
            size_t n = (size_t)(colon - spec);
            char *head = malloc(n + 1);
            if (!head) return vt_error_set(err, VT_ENOMEM, "slice: out of memory");
            memcpy(head, spec, n);
            head[n] = 0;
            vt_status s2 = vt_module_find_op(m, head, op, NULL, 0, NULL, &e);
            free(head);
            if (s2 == VT_OK) {
                *res = k;
                return VT_OK;
            }
            s = s2;
        }
    }
    return vt_error_set(err, s, "slice: %s '%s': %s", what, spec, e.msg);
}

/* The documented name of a value of the source: "ID" (single result) or "ID:k", "@f:argK" for
 * a function argument, "REGION_OWNER_ID/r:argK" for a block argument of region r of an op. */
static vt_status value_origin(slice_ctx *c, const vt_value *v, vt_error *err) {
    c->ids.len = 0;
    if (v->def) {
        vt_status s = vt_op_id(v->def, &c->ids, err);
        if (s) return s;
        if (v->def->nresults > 1) vt_buf_printf(&c->ids, ":%u", v->index);
    } else {
        const vt_region *r = v->block ? v->block->parent : NULL;
        if (r && r->parent_func) {
            vt_buf_printf(&c->ids, "@%s", r->parent_func->name);
        } else if (r && r->parent_op) {
            vt_status s = vt_op_id(r->parent_op, &c->ids, err);
            if (s) return s;
            size_t ri = 0;
            while (ri < r->parent_op->nregions && r->parent_op->regions[ri] != r) ri++;
            vt_buf_printf(&c->ids, "/%zu", ri);
        }
        vt_buf_printf(&c->ids, ":arg%u", v->index);
    }
    return c->ids.failed ? vt_error_set(err, VT_ENOMEM, "slice: out of memory") : VT_OK;
}

static int cmp_value_id(const void *a, const void *b) {
    const vt_value *x = *(const vt_value *const *)a, *y = *(const vt_value *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Resolves targets and cuts; every target must live in one block. */
static vt_status resolve(slice_ctx *c, const vt_xf_slice_spec *spec, vt_error *err) {
    const vt_module *m = c->src;
    if (!(c->targets = calloc(spec->ntargets, sizeof *c->targets))) return vt_error_set(err, VT_ENOMEM, "slice: out of memory");
    for (size_t i = 0; i < spec->ntargets; i++) {
        vt_op *op;
        long k;
        vt_status s = find_value_op(m, spec->targets[i], "target", &op, &k, err);
        if (s) return s;
        if (op->nresults == 0)
            return vt_error_set(err, VT_EINPUT, "slice: target '%s' (%s) has no results", spec->targets[i], vt_op_name(op));
        if (k < 0 && op->nresults > 1)
            return vt_error_set(err, VT_EINPUT, "slice: target '%s' (%s) has %zu results: name one as ID:k",
                                spec->targets[i], vt_op_name(op), op->nresults);
        if (k >= (long)op->nresults)
            return vt_error_set(err, VT_EINPUT, "slice: target '%s': %s has %zu result%s", spec->targets[i], vt_op_name(op),
                                op->nresults, op->nresults == 1 ? "" : "s");
        if (!op->parent || !op->parent->parent)
            return vt_error_set(err, VT_EINPUT, "slice: target '%s' is not inside a function", spec->targets[i]);
        if (i == 0) c->scope = op->parent;
        else if (op->parent != c->scope)
            return vt_error_set(err, VT_EINPUT, "slice: target '%s' is in another block than target '%s' (targets must share one "
                                "function body or region)", spec->targets[i], spec->targets[0]);
        c->targets[i] = &op->results[k < 0 ? 0 : k];
    }
    c->ntargets = spec->ntargets;
    size_t cap = 0;
    for (size_t i = 0; i < spec->ncuts; i++) {
        vt_op *op;
        long k;
        vt_status s = find_value_op(m, spec->cuts[i], "cut", &op, &k, err);
        if (s) return s;
        if (op->nresults == 0)
            return vt_error_set(err, VT_EINPUT, "slice: cut '%s' (%s) has no results", spec->cuts[i], vt_op_name(op));
        if (k >= (long)op->nresults)
            return vt_error_set(err, VT_EINPUT, "slice: cut '%s': %s has %zu result%s", spec->cuts[i], vt_op_name(op),
                                op->nresults, op->nresults == 1 ? "" : "s");
        if (!block_within(c->scope, op->parent))
            return vt_error_set(err, VT_EINPUT, "slice: cut '%s' is not in the block of the targets or a block enclosing it "
                                "(a value inside a region or another function cannot feed '%s')", spec->cuts[i],
                                spec->targets[0]);
        size_t lo = k < 0 ? 0 : (size_t)k, hi = k < 0 ? op->nresults : (size_t)k + 1;
        for (size_t r = lo; r < hi; r++) {
            const vt_value *v = &op->results[r];
            if (c->is_cut[v->id]) continue;
            c->is_cut[v->id] = true;
            if (c->ncuts == cap) {
                cap = cap ? cap * 2 : 8;
                const vt_value **nc = realloc(c->cuts, cap * sizeof *nc);
                if (!nc) return vt_error_set(err, VT_ENOMEM, "slice: out of memory");
                c->cuts = nc;
            }
            c->cuts[c->ncuts++] = v;
        }
    }
    return VT_OK;
}

/* Functions the cone refers to (calls, composites, custom_call targets naming a function),
 * then everything those reach. */
static vt_status mark_callees_op(const vt_module *m, const vt_op *op, bool *live, bool *tmp, vt_error *err) {
    const char *callee = vt_op_callee(op);
    if (callee && vt_xf_func_index(m, callee) >= 0) {
        vt_status s = vt_xf_reachable_funcs(m, callee, tmp, err);
        if (s) return s;
        for (size_t i = 0; i < m->nfuncs; i++) live[i] = live[i] || tmp[i];
    }
    for (size_t a = 0; a < op->nattrs; a++) {
        const vt_attr *at = op->attrs[a].value;
        if (at && at->kind == VT_ATTR_SYMBOL && at->str && vt_xf_func_index(m, at->str) >= 0 &&
            !(callee && strcmp(callee, at->str) == 0)) {
            vt_status s = vt_xf_reachable_funcs(m, at->str, tmp, err);
            if (s) return s;
            for (size_t i = 0; i < m->nfuncs; i++) live[i] = live[i] || tmp[i];
        }
    }
    for (size_t r = 0; r < op->nregions; r++)
        for (size_t bi = 0; op->regions[r] && bi < op->regions[r]->nblocks; bi++) {
            const vt_block *blk = op->regions[r]->blocks[bi];
            for (size_t i = 0; i < blk->nops; i++) {
                vt_status s = mark_callees_op(m, blk->ops[i], live, tmp, err);
                if (s) return s;
            }
        }
    return VT_OK;
}

static vt_status emit(slice_ctx *c, const vt_xf_slice_spec *spec, const vt_value **args, size_t nargs, vt_module **out,
                      vt_error *err) {
    const vt_module *m = c->src;
    const char *name = spec->name && *spec->name ? spec->name : "main";
    vt_status s = VT_OK;
    vt_builder *b = vt_builder_new(m->name, err);
    vt_xf_map *map = b ? vt_xf_map_new(m, err) : NULL;
    bool *live = calloc(m->nfuncs + 1, sizeof *live), *tmp = calloc(m->nfuncs + 1, sizeof *tmp);
    const vt_type **at = calloc(nargs + 1, sizeof *at), **rt = calloc(c->ntargets + 1, sizeof *rt);
    vt_value **rv = calloc(c->ntargets + 1, sizeof *rv);
    if (!b || !map) {
        s = err ? err->code : VT_ENOMEM;
        goto done;
    }
    if (!live || !tmp || !at || !rt || !rv) {
        s = vt_error_set(err, VT_ENOMEM, "slice: out of memory");
        goto done;
    }
    for (size_t i = 0; i < c->scope->nops && !s; i++)
        if (c->op_in[i]) s = mark_callees_op(m, c->scope->ops[i], live, tmp, err);
    if (s) goto done;
    for (size_t i = 0; i < m->nfuncs; i++)
        if (live[i] && strcmp(m->funcs[i]->name, name) == 0) {
            s = vt_error_set(err, VT_EINPUT, "slice: the name @%s is taken by a function the slice calls; choose another "
                             "name", name);
            goto done;
        }
    vt_module *dst = vt_builder_module(b);
    if ((s = vt_xf_clone_module_shell(b, m, map, err))) goto done;
    for (size_t i = 0; i < nargs; i++)
        if (!(at[i] = vt_xf_copy_type(map, dst, args[i]->type, err))) {
            s = err->code;
            goto done;
        }
    for (size_t i = 0; i < c->ntargets; i++)
        if (!(rt[i] = vt_xf_copy_type(map, dst, c->targets[i]->type, err))) {
            s = err->code;
            goto done;
        }
    vt_func *f = vt_builder_func(b, name, "public", at, nargs, rt, c->ntargets);
    if (!f) {
        s = vt_xf_builder_error(b, err);
        goto done;
    }
    for (size_t i = 0; i < nargs && !s; i++) {
        if ((s = vt_xf_map_set(map, args[i], vt_builder_func_arg(b, f, i), err))) break;
        if ((s = value_origin(c, args[i], err))) break;
        vt_builder_func_arg_attr(b, f, i, SLICE_ARG_ATTR, vt_builder_attr_string(b, c->ids.data, c->ids.len));
    }
    if (s) goto done;
    for (size_t i = 0; i < c->scope->nops; i++) {
        if (!c->op_in[i]) continue;
        if (!vt_xf_clone_op(b, c->scope->ops[i], map, err)) {
            s = err->code ? err->code : VT_EINTERNAL;
            goto done;
        }
    }
    for (size_t i = 0; i < c->ntargets; i++) {
        if (!(rv[i] = vt_xf_map_get(map, c->targets[i]))) {
            s = vt_error_set(err, VT_EINTERNAL, "slice: target %zu was not built", i);
            goto done;
        }
        if ((s = value_origin(c, c->targets[i], err))) goto done;
        vt_builder_func_result_attr(b, f, i, SLICE_ARG_ATTR, vt_builder_attr_string(b, c->ids.data, c->ids.len));
    }
    vt_build_return(b, rv, c->ntargets);
    if ((s = vt_builder_status(b, NULL))) {
        s = vt_xf_builder_error(b, err);
        goto done;
    }
    for (size_t i = 0; i < m->nfuncs; i++) {
        if (!live[i]) continue;
        vt_func *nf = vt_xf_clone_func(b, m->funcs[i], NULL, map, NULL, err);
        if (!nf) {
            s = err->code ? err->code : VT_EINTERNAL;
            goto done;
        }
        /* the slice's entry is its only public function */
        nf->visibility = "private";
    }
    s = vt_builder_finish(b, out, err);
    if (s) vt_error_prefix(err, "slice: the sliced module does not verify");
done:
    free(live);
    free(tmp);
    free(at);
    free(rt);
    free(rv);
    vt_xf_map_free(map);
    vt_builder_free(b);
    return s;
}

/* A bare MLIR symbol name, so that the printed module needs no quoting. */
static bool valid_symbol(const char *s) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '$' ||
              *s == '.'))
            return false;
    return n <= 256;
}

vt_status vt_xf_slice(const vt_module *src, const vt_xf_slice_spec *spec, vt_module **out, vt_error *err) {
    if (out) *out = NULL;
    if (!src || !spec || !out) return vt_error_set(err, VT_EINPUT, "slice: needs a module, a spec and an output");
    if (spec->ntargets == 0 || !spec->targets) return vt_error_set(err, VT_EINPUT, "slice: no target values given");
    if (spec->ncuts && !spec->cuts) return vt_error_set(err, VT_EINPUT, "slice: %zu cuts but no list", spec->ncuts);
    if (spec->name && !valid_symbol(spec->name))
        return vt_error_set(err, VT_EINPUT, "slice: '%.200s' is not a valid function name ([A-Za-z_][A-Za-z0-9_$.]*)",
                            spec->name);
    slice_ctx c;
    memset(&c, 0, sizeof c);
    c.src = src;
    vt_buf_init(&c.ids);
    size_t nv = src->num_values ? src->num_values : 1;
    c.live = calloc(nv, 1);
    c.is_cut = calloc(nv, sizeof *c.is_cut);
    const vt_value **args = NULL;
    vt_status s = VT_OK;
    if (!c.live || !c.is_cut) {
        s = vt_error_set(err, VT_ENOMEM, "slice: out of memory");
        goto done;
    }
    if ((s = resolve(&c, spec, err))) goto done;
    if (!(c.op_in = calloc(c.scope->nops + 1, sizeof *c.op_in))) {
        s = vt_error_set(err, VT_ENOMEM, "slice: out of memory");
        goto done;
    }
    for (size_t i = 0; i < c.ntargets && !s; i++) s = push(&c, c.targets[i], err);
    if (s || (s = walk_cone(&c, err))) goto done;
    /* arguments: every cut value (spec order), then the other live-ins in definition order */
    size_t nin = 0;
    for (uint32_t i = 0; i < src->num_values; i++) nin += c.live[i] == LIVE_IN;
    if (!(args = calloc(c.ncuts + nin + 1, sizeof *args))) {
        s = vt_error_set(err, VT_ENOMEM, "slice: out of memory");
        goto done;
    }
    size_t na = 0;
    for (size_t i = 0; i < c.ncuts; i++) args[na++] = c.cuts[i];
    /* live-ins are found by walking every block that encloses the scope */
    size_t first_in = na;
    for (const vt_block *blk = c.scope; blk;) {
        for (size_t i = 0; i < blk->nargs; i++)
            if (c.live[blk->args[i].id] == LIVE_IN) args[na++] = &blk->args[i];
        for (size_t i = 0; i < blk->nops; i++)
            for (size_t r = 0; r < blk->ops[i]->nresults; r++) {
                const vt_value *v = &blk->ops[i]->results[r];
                if (blk != c.scope && c.live[v->id] == LIVE_IN && !c.is_cut[v->id]) args[na++] = v;
            }
        const vt_op *o = block_owner(blk);
        blk = o ? o->parent : NULL;
    }
    if (na - first_in != nin) {
        s = vt_error_set(err, VT_EINTERNAL, "slice: found %zu of %zu live-in values", na - first_in, nin);
        goto done;
    }
    qsort(args + first_in, nin, sizeof *args, cmp_value_id);
    s = emit(&c, spec, args, na, out, err);
done:
    free(args);
    free(c.live);
    free(c.is_cut);
    free(c.op_in);
    free(c.stack);
    free(c.cuts);
    free(c.targets);
    vt_buf_free(&c.ids);
    return s;
}
