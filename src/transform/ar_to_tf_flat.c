/* AR -> TF, step 1: flattens the entry function up to its first stablehlo.while and that loop's
 * body into one list of ops, inlining every func.call on the way (calls are followed to any
 * depth, recursion refused), so the analysis and the batching see one straight-line graph. */
#include "transform/ar_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ar_op_id(const vt_op *op, char *buf, size_t n) {
    vt_buf b;
    vt_buf_init(&b);
    vt_error e;
    const char *id = op && vt_op_id(op, &b, &e) == VT_OK && b.len ? vt_buf_cstr(&b) : op ? vt_op_name(op) : "?";
    size_t len = strlen(id);
    if (n) {
        if (len >= n) len = n - 1;
        memcpy(buf, id, len);
        buf[len] = 0;
    }
    vt_buf_free(&b);
    return buf;
}

bool ar_is_scalar_int(const vt_type *t) {
    return t && t->kind == VT_TYPE_TENSOR && t->rank == 0 && vt_dtype_is_int(t->dtype);
}

int64_t ar_type_elems(const vt_type *t) {
    if (!t || t->kind != VT_TYPE_TENSOR) return -1;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0) return -1;
        if (t->dims[i] && n > INT64_MAX / t->dims[i]) return -1;
        n *= t->dims[i];
    }
    return n;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 256;
    void *p = realloc(*arr, nc * elem);
    if (!p) return false;
    *arr = p;
    *cap = nc;
    return true;
}

int32_t ar_new_val(ar_ctx *c, const vt_type *t, ar_vkind kind, int32_t def, uint32_t res, bool in_body,
                   vt_error *err) {
    if (c->nvals >= INT32_MAX - 1 || !grow((void **)&c->vals, &c->capvals, c->nvals, sizeof *c->vals)) {
        vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        return -1;
    }
    ar_fval *v = &c->vals[c->nvals];
    memset(v, 0, sizeof *v);
    v->type = t;
    v->kind = kind;
    v->def = def;
    v->res = res;
    v->call = -1;
    v->in_body = in_body;
    return (int32_t)c->nvals++;
}

static vt_status lookup(ar_ctx *c, const int32_t *map, const vt_value *v, const vt_op *user, int32_t *out,
                        vt_error *err) {
    if (v && v->id < c->m->num_values && map[v->id] > 0) {
        *out = map[v->id] - 1;
        return VT_OK;
    }
    char id[96];
    return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: operand defined outside the function being flattened",
                        ar_op_id(user, id, sizeof id));
}

static vt_status flat_block(ar_ctx *c, const vt_block *blk, int32_t *map, bool in_body, int32_t *rets, size_t nrets,
                            bool *stop, vt_error *err);

/* Appends a flat op for op with room for noperands flat operands; its index, or -1 (err set). */
static int32_t new_fop(ar_ctx *c, const vt_op *op, bool in_body, size_t noperands, vt_error *err) {
    if (c->nops >= INT32_MAX - 1 || !grow((void **)&c->ops, &c->capops, c->nops, sizeof *c->ops)) {
        vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        return -1;
    }
    int32_t *operands = noperands ? vt_arena_alloc(&c->arena, noperands * sizeof *operands, 8, err) : NULL;
    if (noperands && !operands) return -1;
    ar_fop *fo = &c->ops[c->nops];
    memset(fo, 0, sizeof *fo);
    fo->op = op;
    fo->in_body = in_body;
    fo->noperands = (uint32_t)noperands;
    fo->operands = operands;
    return (int32_t)c->nops++;
}

static vt_status flat_call(ar_ctx *c, const vt_op *op, int32_t *map, bool in_body, bool *stop, vt_error *err) {
    char id[96];
    const char *name = vt_op_callee(op);
    const vt_func *f = name ? vt_module_find_func(c->m, name) : NULL;
    if (!f || !f->body || f->body->nblocks != 1)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s calls @%s, which has no single-block body",
                            ar_op_id(op, id, sizeof id), name ? name : "?");
    if (f->nargs != op->noperands || f->nresults != op->nresults)
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: call of @%s with %zu operands and %zu results",
                            ar_op_id(op, id, sizeof id), name, op->noperands, op->nresults);
    for (int i = 0; i < c->depth; i++)
        if (c->stack[i] == f)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: recursive call of @%s at %s", name,
                                ar_op_id(op, id, sizeof id));
    if (c->depth >= AR_MAX_CALL_DEPTH)
        return vt_error_set(err, VT_ELIMIT, "ar-to-tf: calls nested deeper than %d at %s", AR_MAX_CALL_DEPTH,
                            ar_op_id(op, id, sizeof id));
    int32_t *args = vt_arena_alloc(&c->arena, (op->noperands + 1) * sizeof *args, 8, err);
    int32_t *rets = vt_arena_alloc(&c->arena, (op->nresults + 1) * sizeof *rets, 8, err);
    /* One map serves every call context: recursion is refused, so no function is active twice,
     * and SSA defines each callee value before its uses, overwriting what an earlier call of the
     * same function left there. */
    int32_t *cmap = map;
    if (!args || !rets) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    vt_status s = VT_OK;
    const vt_block *cb = f->body->blocks[0];
    for (size_t i = 0; i < op->noperands && !s; i++)
        s = lookup(c, map, op->operands[i], op, &args[i], err);
    for (size_t i = 0; i < op->noperands && !s; i++) cmap[cb->args[i].id] = args[i] + 1;
    for (size_t i = 0; i < op->nresults; i++) rets[i] = -1;
    if (!s) {
        c->stack[c->depth++] = f;
        s = flat_block(c, cb, cmap, in_body, rets, op->nresults, stop, err);
        c->depth--;
    }
    if (s || *stop) return s;
    for (size_t i = 0; i < op->nresults; i++) {
        if (rets[i] < 0)
            return vt_error_set(err, VT_EINPUT, "ar-to-tf: @%s returns no value %zu", name, i);
        map[op->results[i].id] = rets[i] + 1;
        if (!grow((void **)&c->calls, &c->capcalls, c->ncalls, sizeof *c->calls))
            return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        ar_call *rec = &c->calls[c->ncalls];
        rec->op = op;
        rec->args = args;
        rec->nargs = (uint32_t)op->noperands;
        rec->next = c->vals[rets[i]].call;
        c->vals[rets[i]].call = (int32_t)c->ncalls++;
    }
    return VT_OK;
}

static vt_status flat_loop(ar_ctx *c, const vt_op *op, int32_t *map, vt_error *err) {
    char id[96];
    if (op->nregions != 2 || op->regions[1]->nblocks != 1 || op->regions[0]->nblocks != 1)
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: while without single-block cond and body",
                            ar_op_id(op, id, sizeof id));
    const vt_block *body = op->regions[1]->blocks[0];
    size_t n = op->noperands;
    if (body->nargs != n || op->nresults != n)
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: carry count mismatch", ar_op_id(op, id, sizeof id));
    c->loop = op;
    c->carries = vt_arena_alloc(&c->arena, (n + 1) * sizeof *c->carries, 8, err);
    if (!c->carries) return err ? err->code : VT_ENOMEM;
    c->ncarries = n;
    vt_status s;
    for (size_t k = 0; k < n; k++) {
        ar_carry *ca = &c->carries[k];
        ca->wop = ca->upd = ca->logits = -1;
        ca->targ = -1;
        if ((s = lookup(c, map, op->operands[k], op, &ca->init, err))) return s;
        if ((ca->arg = ar_new_val(c, body->args[k].type, AR_V_CARRY, (int32_t)k, 0, true, err)) < 0) return err->code;
        map[body->args[k].id] = ca->arg + 1;
    }
    int32_t *rets = vt_arena_alloc(&c->arena, (n + 1) * sizeof *rets, 8, err);
    if (!rets) return err ? err->code : VT_ENOMEM;
    for (size_t k = 0; k < n; k++) rets[k] = -1;
    bool stop = false;
    if ((s = flat_block(c, body, map, true, rets, n, &stop, err))) return s;
    for (size_t k = 0; k < n; k++) {
        if (rets[k] < 0)
            return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: body returns no value for carry %zu",
                                ar_op_id(op, id, sizeof id), k);
        c->carries[k].ret = rets[k];
    }
    return VT_OK;
}

/* Whether anything in the regions of op has effects that running a branch not taken would add
 * (side-effect ops, custom calls, rng): *bad names the first. */
static bool branch_effects(const vt_op *op, const vt_op **bad, int depth) {
    if (depth > 64) return (*bad = op), true;
    for (size_t r = 0; r < op->nregions; r++)
        for (size_t bi = 0; bi < op->regions[r]->nblocks; bi++) {
            const vt_block *b = op->regions[r]->blocks[bi];
            for (size_t i = 0; i < b->nops; i++) {
                const vt_op *in = b->ops[i];
                const vt_op_info *info = vt_op_get_info(in);
                if ((info->flags & (VT_OPF_SIDE_EFFECT | VT_OPF_COLLECTIVE)) || in->code == VT_OP_CUSTOM_CALL ||
                    in->code == VT_OP_RNG || in->code == VT_OP_UNKNOWN)
                    return (*bad = in), true;
                if (branch_effects(in, bad, depth + 1)) return true;
            }
        }
    return false;
}

/* An `if` / `case` in the step body without effects in its branches: every branch is flattened
 * (their ops read the values around them directly), then one branch_select op per result picks
 * the branch of each step. */
static vt_status flat_branches(ar_ctx *c, const vt_op *op, int32_t *map, bool *stop, vt_error *err) {
    char id[96];
    size_t nb = op->nregions, nr = op->nresults;
    if (op->noperands != 1 || nb < 1 || nb > 64 || (op->code == VT_OP_IF && nb != 2))
        return vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: malformed %s", ar_op_id(op, id, sizeof id), vt_op_name(op));
    int32_t sel = -1;
    vt_status s = lookup(c, map, op->operands[0], op, &sel, err);
    int32_t *rets = s ? NULL : vt_arena_alloc(&c->arena, (nb * nr + 1) * sizeof *rets, 8, err);
    if (!s && !rets) s = err ? err->code : VT_ENOMEM;
    for (size_t b = 0; b < nb && !s; b++) {
        const vt_region *rg = op->regions[b];
        if (rg->nblocks != 1 || rg->blocks[0]->nargs)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: branch %zu is not one block without arguments",
                                ar_op_id(op, id, sizeof id), b);
        for (size_t i = 0; i < nr; i++) rets[b * nr + i] = -1;
        s = flat_block(c, rg->blocks[0], map, true, rets + b * nr, nr, stop, err);
        for (size_t i = 0; i < nr && !s; i++)
            if (rets[b * nr + i] < 0)
                s = vt_error_set(err, VT_EINPUT, "ar-to-tf: %s: branch %zu returns no value %zu", ar_op_id(op, id, sizeof id),
                                 b, i);
    }
    for (size_t i = 0; i < nr && !s; i++) {
        int32_t fi = new_fop(c, op, true, nb + 1, err);
        if (fi < 0) return err ? err->code : VT_ENOMEM;
        ar_fop *fo = &c->ops[fi];
        fo->branch_select = true;
        fo->branch_result = (uint32_t)i;
        fo->operands[0] = sel;
        for (size_t b = 0; b < nb; b++) fo->operands[1 + b] = rets[b * nr + i];
        fo->first_result = (int32_t)c->nvals;
        int32_t v = ar_new_val(c, op->results[i].type, AR_V_OP, fi, 0, true, err);
        if (v < 0) return err->code;
        map[op->results[i].id] = v + 1;
    }
    return s;
}

/* Whether value v is defined inside the regions of op. */
static bool defined_inside(const vt_value *v, const vt_op *op) {
    const vt_block *b = v->def ? v->def->parent : v->block;
    for (int depth = 0; b && depth < 256; depth++) {
        const vt_region *r = b->parent;
        const vt_op *po = r ? r->parent_op : NULL;
        if (!po) return false;
        if (po == op) return true;
        b = po->parent;
    }
    return false;
}

static vt_status add_captures(ar_ctx *c, const vt_op *top, const vt_op *op, int32_t *map, const vt_value ***vals,
                              size_t *n, size_t *cap, int depth, vt_error *err) {
    char id[96];
    if (depth > 64) return vt_error_set(err, VT_ELIMIT, "ar-to-tf: %s: regions nested deeper than 64", ar_op_id(top, id, sizeof id));
    for (size_t r = 0; r < op->nregions; r++)
        for (size_t bi = 0; bi < op->regions[r]->nblocks; bi++) {
            const vt_block *b = op->regions[r]->blocks[bi];
            for (size_t i = 0; i < b->nops; i++) {
                const vt_op *in = b->ops[i];
                for (size_t k = 0; k < in->noperands; k++) {
                    const vt_value *v = in->operands[k];
                    if (!v || defined_inside(v, top)) continue;
                    size_t j = 0;
                    while (j < *n && (*vals)[j] != v) j++;
                    if (j < *n) continue;
                    if (*n >= 4096)
                        return vt_error_set(err, VT_ELIMIT, "ar-to-tf: %s: regions read more than 4096 values from around it",
                                            ar_op_id(top, id, sizeof id));
                    if (*n == *cap) {
                        size_t nc = *cap ? *cap * 2 : 8;
                        const vt_value **p = realloc((void *)*vals, nc * sizeof *p);
                        if (!p) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
                        *vals = p, *cap = nc;
                    }
                    (*vals)[(*n)++] = v;
                }
                vt_status s = add_captures(c, top, in, map, vals, n, cap, depth + 1, err);
                if (s) return s;
            }
        }
    return VT_OK;
}

/* Records the values flat op fi's regions read from around it. */
static vt_status flat_captures(ar_ctx *c, int32_t fi, int32_t *map, vt_error *err) {
    const vt_op *op = c->ops[fi].op;
    const vt_value **vals = NULL;
    size_t n = 0, cap = 0;
    vt_status s = add_captures(c, op, op, map, &vals, &n, &cap, 0, err);
    if (!s && n) {
        const vt_value **cv = vt_arena_alloc(&c->arena, n * sizeof *cv, 8, err);
        int32_t *cf = cv ? vt_arena_alloc(&c->arena, n * sizeof *cf, 8, err) : NULL;
        if (!cf) s = err ? err->code : VT_ENOMEM;
        for (size_t i = 0; i < n && !s; i++) {
            cv[i] = vals[i];
            s = lookup(c, map, vals[i], op, &cf[i], err);
        }
        if (!s) c->ops[fi].capv = cv, c->ops[fi].captures = cf, c->ops[fi].ncaptures = (uint32_t)n;
    }
    free((void *)vals);
    return s;
}

static vt_status flat_block(ar_ctx *c, const vt_block *blk, int32_t *map, bool in_body, int32_t *rets, size_t nrets,
                            bool *stop, vt_error *err) {
    vt_status s;
    for (size_t i = 0; i < blk->nops; i++) {
        const vt_op *op = blk->ops[i];
        const vt_op_info *info = vt_op_get_info(op);
        if (info->flags & VT_OPF_TERMINATOR) {
            for (size_t r = 0; r < op->noperands && r < nrets; r++)
                if ((s = lookup(c, map, op->operands[r], op, &rets[r], err))) return s;
            return VT_OK;
        }
        if (op->code == VT_OP_FUNC_CALL) {
            if ((s = flat_call(c, op, map, in_body, stop, err)) || *stop) return s;
            continue;
        }
        const vt_op *bad = NULL;
        /* with effects in a branch, running every branch would change what the graph does: the op
         * stays whole (dropped when dead; refused by the batching rules when it is live) */
        if (in_body && (op->code == VT_OP_IF || op->code == VT_OP_CASE) && op->nresults && !branch_effects(op, &bad, 0)) {
            if ((s = flat_branches(c, op, map, stop, err))) return s;
            continue;
        }
        if (op->code == VT_OP_WHILE && !in_body && !c->loop && c->skip_loops-- <= 0) {
            *stop = true;
            return flat_loop(c, op, map, err);
        }
        int32_t fi = new_fop(c, op, in_body, op->noperands, err);
        if (fi < 0) return err ? err->code : VT_ENOMEM;
        for (size_t k = 0; k < op->noperands; k++)
            if ((s = lookup(c, map, op->operands[k], op, &c->ops[fi].operands[k], err))) return s;
        if (op->nregions && (s = flat_captures(c, fi, map, err))) return s;
        c->ops[fi].first_result = (int32_t)c->nvals;
        for (size_t r = 0; r < op->nresults; r++) {
            int32_t v = ar_new_val(c, op->results[r].type, AR_V_OP, fi, (uint32_t)r, in_body, err);
            if (v < 0) return err->code;
            map[op->results[r].id] = v + 1;
        }
    }
    return VT_OK;
}

vt_status ar_flatten(ar_ctx *c, vt_error *err) {
    const vt_func *f = c->entry;
    if (!f->body || f->body->nblocks != 1)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: entry @%s has no single-block body", f->name);
    int32_t *map = calloc(c->m->num_values + 1, sizeof *map);
    if (!map) return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    const vt_block *blk = f->body->blocks[0];
    vt_status s = VT_OK;
    for (size_t i = 0; i < blk->nargs && !s; i++) {
        int32_t v = ar_new_val(c, blk->args[i].type, AR_V_ARG, (int32_t)i, 0, false, err);
        if (v < 0) s = err->code;
        else map[blk->args[i].id] = v + 1;
    }
    bool stop = false;
    c->stack[0] = f;
    c->depth = 1;
    if (!s) s = flat_block(c, blk, map, false, NULL, 0, &stop, err);
    free(map);
    if (s) return s;
    if (!c->loop)
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: no stablehlo.while in @%s (or the functions it calls): nothing to "
                            "turn into teacher forcing",
                            f->name);
    return VT_OK;
}
