/* Dead code elimination: dead-op elimination (effect-free ops whose results nobody uses, in
 * regions too; the rule is in docs/transforms.md) and symbol DCE (functions no live op names),
 * building a fresh, verified module through the cloner. */
#include "transform/xf_util.h"

#include <stdlib.h>
#include <string.h>

#define DCE_MAX_DEPTH 512

typedef struct dce_ctx {
    const vt_module *src;
    vt_xf_ptrmap live;     /* op -> (void *)1 when kept */
    unsigned char *used;   /* by value id */
    signed char *fx;       /* per function: -1 unknown, 0 pure, 1 effects, 2 being computed */
    bool *live_funcs;      /* functions referenced by live ops (or roots) */
    long *stack;           /* functions to mark */
    size_t sp;
    int depth;
} dce_ctx;

static bool func_has_effects(dce_ctx *c, long k, int depth);

/* An op (with everything in its regions) has effects when removing it could change anything
 * but the values it defines: side-effect ops, custom_call (its target is opaque), collectives,
 * stablehlo.rng (XLA draws from hidden state), ops outside the op table, and calls of functions
 * with effects. */
static bool op_has_effects(dce_ctx *c, const vt_op *op, int depth) {
    unsigned fl = vt_op_get_info(op)->flags;
    if (fl & (VT_OPF_SIDE_EFFECT | VT_OPF_COLLECTIVE | VT_OPF_TERMINATOR)) return true;
    if (op->code == VT_OP_UNKNOWN || op->code == VT_OP_CUSTOM_CALL || op->code == VT_OP_RNG) return true;
    if (op->code == VT_OP_FUNC_CALL) {
        const char *callee = vt_op_callee(op);
        long k = callee ? vt_xf_func_index(c->src, callee) : -1;
        if (k < 0 || func_has_effects(c, k, depth + 1)) return true;
    }
    if (depth > DCE_MAX_DEPTH) return true; /* too deep to look: keep it */
    for (size_t r = 0; r < op->nregions; r++)
        for (size_t b = 0; op->regions[r] && b < op->regions[r]->nblocks; b++) {
            const vt_block *blk = op->regions[r]->blocks[b];
            for (size_t i = 0; i < blk->nops; i++) {
                const vt_op *in = blk->ops[i];
                /* a region's own return only yields values */
                if ((vt_op_get_info(in)->flags & VT_OPF_TERMINATOR) && !(vt_op_get_info(in)->flags & VT_OPF_SIDE_EFFECT)) continue;
                if (op_has_effects(c, in, depth + 1)) return true;
            }
        }
    return false;
}

static bool func_has_effects(dce_ctx *c, long k, int depth) {
    if (c->fx[k] == 2) return true; /* recursion: be conservative */
    if (c->fx[k] >= 0) return c->fx[k] == 1;
    if (depth > DCE_MAX_DEPTH) return true; /* not memoized: a shallower look may find it pure */
    const vt_func *f = c->src->funcs[k];
    if (!f->body) return c->fx[k] = 1, true; /* an external declaration may do anything */
    c->fx[k] = 2;
    bool e = false;
    for (size_t b = 0; !e && b < f->body->nblocks; b++) {
        const vt_block *blk = f->body->blocks[b];
        for (size_t i = 0; !e && i < blk->nops; i++) {
            const vt_op *op = blk->ops[i];
            if (op->code == VT_OP_FUNC_RETURN) continue;
            e = op_has_effects(c, op, depth + 1);
        }
    }
    c->fx[k] = e ? 1 : 0;
    return e;
}

static vt_status mark_region(dce_ctx *c, const vt_region *r, vt_error *err);

/* Backwards over a block: an op is live when it has effects (terminators included) or one of
 * its results is used by a live op; a live op's operands, and everything its regions use, are
 * used. Values used inside regions are defined earlier in enclosing blocks, so one backward
 * pass per block sees every use before the definition. */
static vt_status mark_block(dce_ctx *c, const vt_block *blk, vt_error *err) {
    for (size_t i = blk->nops; i-- > 0;) {
        const vt_op *op = blk->ops[i];
        bool live = op_has_effects(c, op, 0);
        for (size_t k = 0; !live && k < op->nresults; k++) live = c->used[op->results[k].id];
        if (!live) continue;
        if (!vt_xf_ptrmap_put(&c->live, op, (void *)1)) return vt_error_set(err, VT_ENOMEM, "out of memory");
        vt_xf_refs_push(c->src, op, c->live_funcs, c->stack, &c->sp);
        for (size_t k = 0; k < op->noperands; k++) c->used[op->operands[k]->id] = 1;
        for (size_t r = 0; r < op->nregions; r++) {
            vt_status s = mark_region(c, op->regions[r], err);
            if (s != VT_OK) return s;
        }
    }
    return VT_OK;
}

static vt_status mark_region(dce_ctx *c, const vt_region *r, vt_error *err) {
    if (!r) return VT_OK;
    if (++c->depth > DCE_MAX_DEPTH) return vt_error_set(err, VT_ELIMIT, "transform dce: regions nested deeper than %d", DCE_MAX_DEPTH);
    vt_status s = VT_OK;
    for (size_t b = r->nblocks; s == VT_OK && b-- > 0;) s = mark_block(c, r->blocks[b], err);
    c->depth--;
    return s;
}

static vt_status dce_hook(vt_builder *b, const vt_op *op, vt_xf_map *map, void *user, bool *handled, vt_error *err) {
    (void)b;
    (void)map;
    (void)err;
    dce_ctx *c = user;
    *handled = vt_xf_ptrmap_get(&c->live, op) == NULL; /* dead: emit nothing */
    return VT_OK;
}

vt_status vt_xf_dce(const vt_module *src, const char *entry, vt_module **out, vt_error *err) {
    vt_error local;
    if (!err) err = &local;
    if (!out) return vt_error_set(err, VT_EINPUT, "transform dce: no output pointer");
    *out = NULL;
    if (!src) return vt_error_set(err, VT_EINPUT, "transform dce: no module");
    size_t nf = src->nfuncs;
    dce_ctx c = {src, {0}, NULL, NULL, NULL, NULL, 0, 0};
    bool *live = calloc(nf ? nf : 1, sizeof *live);
    c.used = calloc(src->num_values ? src->num_values : 1, 1);
    c.fx = malloc(nf ? nf : 1);
    c.stack = malloc((nf + 1) * sizeof *c.stack);
    c.live_funcs = live;
    vt_builder *b = NULL;
    vt_xf_map *map = NULL;
    vt_status s = VT_OK;
    if (!live || !c.used || !c.fx || !c.stack) {
        s = vt_error_set(err, VT_ENOMEM, "out of memory");
        goto done;
    }
    memset(c.fx, -1, nf ? nf : 1);
    /* roots: the public functions or the entry, and what top-level ops name; then every
     * function a live op names, until none is left to mark */
    if (entry) {
        long k = vt_xf_func_index(src, entry);
        if (k < 0) {
            s = vt_error_set(err, VT_EINPUT, "%s: no function @%s (the entry)", src->filename, entry);
            goto done;
        }
        live[k] = true;
        c.stack[c.sp++] = k;
    } else {
        for (size_t i = 0; i < nf; i++) {
            const char *v = src->funcs[i]->visibility;
            if (!v || strcmp(v, "public") == 0) {
                live[i] = true;
                c.stack[c.sp++] = (long)i;
            }
        }
    }
    for (size_t i = 0; i < src->ntop_ops; i++) vt_xf_refs_push(src, src->top_ops[i], live, c.stack, &c.sp);
    while (c.sp && s == VT_OK) {
        const vt_func *f = src->funcs[c.stack[--c.sp]];
        if (f->body) s = mark_region(&c, f->body, err);
    }
    if (s != VT_OK) goto done;
    if (!(b = vt_builder_new(src->name, err)) || !(map = vt_xf_map_new(src, err))) {
        s = err->code;
        goto done;
    }
    if ((s = vt_xf_name_result(b, src, "dce", err)) != VT_OK) goto done;
    if ((s = vt_xf_clone_module_shell(b, src, map, err)) != VT_OK) goto done;
    vt_xf_clone_opts o = {NULL, dce_hook, &c, false};
    for (size_t i = 0; i < nf; i++)
        if (live[i] && !vt_xf_clone_func(b, src->funcs[i], NULL, map, &o, err)) {
            s = err->code;
            goto done;
        }
    s = vt_builder_finish(b, out, err);
    if (s != VT_OK) vt_error_prefix(err, "transform dce: the result does not verify");
done:
    vt_builder_free(b);
    vt_xf_map_free(map);
    vt_xf_ptrmap_clear(&c.live);
    free(live);
    free(c.used);
    free(c.fx);
    free(c.stack);
    return s;
}
