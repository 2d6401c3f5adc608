/* Batch splitting, analysis (docs/transform-slice.md): where the batch lives in every value, one
 * pass per function and argument layout, following calls and iterating loops to a fixed point;
 * the per-op rules are in split_batch_rules.c, emission in split_batch.c. */
#include "transform/split_batch.h"

#include <stdlib.h>
#include <string.h>

#define SMALL 16

static vt_status oom(vt_error *err) { return vt_error_set(err, VT_ENOMEM, "split-batch: out of memory"); }

/* Operand batch dims of op under spec sp into a buffer (stack when small). */
int *vt_sb_operand_bds(const sb_spec *sp, const vt_op *op, int *stack) {
    int *o = op->noperands <= SMALL ? stack : malloc(op->noperands * sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < op->noperands; i++) o[i] = sp->bd[op->operands[i]->id];
    return o;
}

bool vt_sb_any_batched(const int *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] >= 0) return true;
    return false;
}

const vt_op *vt_sb_terminator(const vt_block *blk) {
    if (!blk->nops) return NULL;
    const vt_op *t = blk->ops[blk->nops - 1];
    return (vt_op_get_info(t)->flags & VT_OPF_TERMINATOR) ? t : NULL;
}

/* ---- analysis ------------------------------------------------------------------------------ */
static vt_status analyze_block(sb_ctx *c, sb_spec *sp, const vt_block *blk, const int *argbd, vt_error *err);

/* Values used inside op's regions but defined outside it. */
static bool captures_batched(const sb_spec *sp, const vt_op *root, const vt_op *op) {
    for (size_t r = 0; r < op->nregions; r++)
        for (size_t bi = 0; op->regions[r] && bi < op->regions[r]->nblocks; bi++) {
            const vt_block *blk = op->regions[r]->blocks[bi];
            for (size_t i = 0; i < blk->nops; i++) {
                const vt_op *in = blk->ops[i];
                for (size_t k = 0; k < in->noperands; k++) {
                    const vt_value *u = in->operands[k];
                    const vt_block *h = u->def ? u->def->parent : u->block;
                    bool inside = false;
                    for (const vt_block *x = h; x && x->parent && x->parent->parent_op; x = x->parent->parent_op->parent)
                        if (x->parent->parent_op == root) {
                            inside = true;
                            break;
                        }
                    if (!inside && sp->bd[u->id] >= 0) return true;
                }
                if (captures_batched(sp, root, in)) return true;
            }
        }
    return false;
}

static vt_status check_uniform_ret(sb_ctx *c, const vt_op *op, const vt_value *v, int d, const char *what, size_t i,
                                   vt_error *err) {
    if (c->s == c->B || c->lenient || vt_sb_uniform(c, v, d)) return VT_OK;
    return vt_error_set(err, VT_EINPUT, "split-batch: %s %s %zu is batched (dim %d) but one of its values is not batched "
                        "and varies along that dim", vt_sb_label(c, op), what, i, d);
}

static vt_status analyze_while(sb_ctx *c, sb_spec *sp, const vt_op *op, int *carry, vt_error *err) {
    size_t n = op->noperands;
    if (op->nregions != 2 || !op->regions[0]->nblocks || !op->regions[1]->nblocks)
        return vt_error_set(err, VT_EINPUT, "split-batch: %s has no cond and body", vt_sb_label(c, op));
    const vt_block *cond = op->regions[0]->blocks[0], *body = op->regions[1]->blocks[0];
    const vt_op *bt = vt_sb_terminator(body), *ct = vt_sb_terminator(cond);
    if (!bt || !ct || bt->noperands != n || cond->nargs != n || body->nargs != n)
        return vt_error_set(err, VT_EINPUT, "split-batch: %s: malformed loop", vt_sb_label(c, op));
    /* each round can only turn an unbatched carry into a batched one: at most n + 1 rounds.
     * Until the carries settle, an unbatched carry meeting the batch is not yet an error (it may
     * become batched); the last round, with settled carries, is strict. */
    bool strict = false;
    for (size_t round = 0; round <= n + 2; round++) {
        if (!strict) c->lenient++;
        vt_status s = analyze_block(c, sp, cond, carry, err);
        if (!s) s = analyze_block(c, sp, body, carry, err);
        if (!strict) c->lenient--;
        if (s) return s;
        if (ct->noperands && sp->bd[ct->operands[0]->id] >= 0)
            return vt_error_set(err, VT_EINPUT, "split-batch: %s: the loop condition depends on the batch", vt_sb_label(c, op));
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            int r = sp->bd[bt->operands[i]->id];
            if (r >= 0 && carry[i] < 0) {
                carry[i] = r;
                changed = true;
            } else if (r >= 0 && r != carry[i]) {
                return vt_error_set(err, VT_EINPUT, "split-batch: %s: carry %zu enters with batch dim %d and leaves with %d",
                                    vt_sb_label(c, op), i, carry[i], r);
            }
        }
        if (!changed && !strict) {
            strict = true;
            continue;
        }
        if (!changed) {
            for (size_t i = 0; i < n; i++) {
                vt_status s2 = VT_OK;
                if (carry[i] >= 0 && sp->bd[bt->operands[i]->id] < 0)
                    s2 = check_uniform_ret(c, op, bt->operands[i], carry[i], "carry", i, err);
                if (!s2 && carry[i] >= 0 && sp->bd[op->operands[i]->id] < 0)
                    s2 = check_uniform_ret(c, op, op->operands[i], carry[i], "carry", i, err);
                if (s2) return s2;
            }
            for (size_t i = 0; i < op->nresults; i++) sp->bd[op->results[i].id] = (int8_t)carry[i];
            return VT_OK;
        }
    }
    return vt_error_set(err, VT_EINTERNAL, "split-batch: %s: loop analysis did not settle", vt_sb_label(c, op));
}

static vt_status analyze_branches(sb_ctx *c, sb_spec *sp, const vt_op *op, vt_error *err) {
    if (sp->bd[op->operands[0]->id] >= 0)
        return vt_error_set(err, VT_EINPUT, "split-batch: %s branches on a batched value", vt_sb_label(c, op));
    int res[SMALL], *rb = op->nresults <= SMALL ? res : malloc(op->nresults * sizeof *rb);
    if (!rb) return oom(err);
    vt_status s = VT_OK;
    for (size_t i = 0; i < op->nresults; i++) rb[i] = -1;
    for (size_t r = 0; r < op->nregions && !s; r++) {
        if (!op->regions[r]->nblocks) continue;
        const vt_block *blk = op->regions[r]->blocks[0];
        const vt_op *t = vt_sb_terminator(blk);
        if (!t || t->noperands != op->nresults) {
            s = vt_error_set(err, VT_EINPUT, "split-batch: %s: branch %zu returns the wrong count", vt_sb_label(c, op), r);
            break;
        }
        if ((s = analyze_block(c, sp, blk, NULL, err))) break;
        for (size_t i = 0; i < op->nresults && !s; i++) {
            int d = sp->bd[t->operands[i]->id];
            if (d >= 0 && rb[i] >= 0 && d != rb[i])
                s = vt_error_set(err, VT_EINPUT, "split-batch: %s: result %zu has batch dim %d in one branch and %d in another",
                                 vt_sb_label(c, op), i, rb[i], d);
            else if (d >= 0)
                rb[i] = d;
        }
    }
    /* a branch that returns an unbatched value where another returns a batched one */
    for (size_t r = 0; r < op->nregions && !s; r++) {
        if (!op->regions[r]->nblocks) continue;
        const vt_op *t = vt_sb_terminator(op->regions[r]->blocks[0]);
        for (size_t i = 0; i < op->nresults && !s; i++)
            if (rb[i] >= 0 && sp->bd[t->operands[i]->id] < 0) s = check_uniform_ret(c, op, t->operands[i], rb[i], "result", i, err);
    }
    for (size_t i = 0; i < op->nresults && !s; i++) sp->bd[op->results[i].id] = (int8_t)rb[i];
    if (rb != res) free(rb);
    return s;
}

static vt_status analyze_op(sb_ctx *c, sb_spec *sp, const vt_op *op, vt_error *err) {
    int ostack[SMALL];
    int *obd = vt_sb_operand_bds(sp, op, ostack);
    if (!obd) return oom(err);
    vt_status s = VT_OK;
    for (size_t i = 0; i < op->nresults; i++) sp->bd[op->results[i].id] = -1;
    if (op->code == VT_OP_WHILE) {
        s = analyze_while(c, sp, op, obd, err);
    } else if (op->code == VT_OP_IF || op->code == VT_OP_CASE) {
        s = analyze_branches(c, sp, op, err);
    } else if (op->code == VT_OP_FUNC_CALL) {
        const char *callee = vt_op_callee(op);
        const vt_func *f = callee ? vt_module_find_func(c->src, callee) : NULL;
        sb_spec *cs = NULL;
        if (!f) s = vt_error_set(err, VT_EINPUT, "split-batch: %s calls unknown function @%s", vt_sb_label(c, op), callee ? callee : "?");
        else if (f->nargs != op->noperands || f->nresults != op->nresults)
            s = vt_error_set(err, VT_EINPUT, "split-batch: %s: call does not match @%s's signature", vt_sb_label(c, op), f->name);
        else if (!(s = vt_sb_get_spec(c, f, obd, op, &cs, err)))
            for (size_t i = 0; i < op->nresults; i++) sp->bd[op->results[i].id] = cs->resbd[i];
    } else if (vt_sb_any_batched(obd, op->noperands) || (op->nregions && captures_batched(sp, op, op))) {
        if (op->nregions && captures_batched(sp, op, op)) {
            s = vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: %s uses a batched value inside its region",
                             vt_sb_label(c, op));
        } else {
            int rstack[SMALL], nstack[SMALL];
            int *rbd = op->nresults <= SMALL ? rstack : malloc(op->nresults * sizeof *rbd);
            int *need = op->noperands <= SMALL ? nstack : malloc(op->noperands * sizeof *need);
            if (!rbd || !need) s = oom(err);
            else if (!(s = vt_sb_rule(c, op, obd, rbd, need, err)))
                for (size_t i = 0; i < op->nresults; i++) sp->bd[op->results[i].id] = (int8_t)rbd[i];
            if (rbd != rstack) free(rbd);
            if (need != nstack) free(need);
        }
    }
    if (obd != ostack) free(obd);
    return s;
}

static vt_status analyze_block(sb_ctx *c, sb_spec *sp, const vt_block *blk, const int *argbd, vt_error *err) {
    if (++c->depth > SB_MAX_DEPTH) {
        c->depth--;
        return vt_error_set(err, VT_ELIMIT, "split-batch: regions and calls nested deeper than %d", SB_MAX_DEPTH);
    }
    for (size_t i = 0; i < blk->nargs; i++) sp->bd[blk->args[i].id] = (int8_t)(argbd ? argbd[i] : -1);
    vt_status s = VT_OK;
    for (size_t i = 0; i < blk->nops && !s; i++) {
        const vt_op *op = blk->ops[i];
        if (vt_op_get_info(op)->flags & VT_OPF_TERMINATOR) continue;
        s = analyze_op(c, sp, op, err);
    }
    c->depth--;
    return s;
}

vt_status vt_sb_get_spec(sb_ctx *c, const vt_func *f, const int *argbd, const vt_op *site, sb_spec **out, vt_error *err) {
    for (size_t i = 0; i < c->nspecs; i++) {
        sb_spec *sp = c->specs[i];
        if (sp->f != f) continue;
        bool same = true;
        for (size_t k = 0; k < f->nargs && same; k++) same = sp->argbd[k] == argbd[k];
        if (!same) continue;
        if (sp->analyzing)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: %s calls @%s recursively (inline first)",
                                site ? vt_sb_label(c, site) : "the entry", f->name);
        *out = sp;
        return VT_OK;
    }
    if (c->nspecs == c->capspecs) {
        size_t nc = c->capspecs ? c->capspecs * 2 : 16;
        sb_spec **ns = realloc(c->specs, nc * sizeof *ns);
        if (!ns) return oom(err);
        c->specs = ns;
        c->capspecs = nc;
    }
    sb_spec *sp = calloc(1, sizeof *sp);
    if (!sp) return oom(err);
    c->specs[c->nspecs++] = sp;
    sp->f = f;
    sp->argbd = malloc(f->nargs + 1);
    sp->resbd = malloc(f->nresults + 1);
    sp->bd = malloc(c->src->num_values + 1);
    if (!sp->argbd || !sp->resbd || !sp->bd) return oom(err);
    memset(sp->bd, -1, c->src->num_values + 1);
    for (size_t k = 0; k < f->nargs; k++) sp->argbd[k] = (int8_t)argbd[k];
    for (size_t k = 0; k < f->nresults; k++) sp->resbd[k] = -1;
    if (!f->body || !f->body->nblocks) {
        if (vt_sb_any_batched(argbd, f->nargs))
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: @%s has no body but gets a batched argument",
                                f->name);
        sp->analyzed = true;
        *out = sp;
        return VT_OK;
    }
    if (f->body->nblocks != 1)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: split-batch: @%s has %zu blocks", f->name, f->body->nblocks);
    const vt_block *blk = f->body->blocks[0];
    const vt_op *t = vt_sb_terminator(blk);
    if (!t || t->noperands != f->nresults || blk->nargs != f->nargs)
        return vt_error_set(err, VT_EINPUT, "split-batch: @%s: body does not match its signature", f->name);
    /* a callee's layout is exact whatever loop round called it */
    int lenient = c->lenient;
    c->lenient = 0;
    sp->analyzing = true;
    vt_status s = analyze_block(c, sp, blk, argbd, err);
    sp->analyzing = false;
    c->lenient = lenient;
    if (s) return s;
    for (size_t k = 0; k < f->nresults; k++) sp->resbd[k] = sp->bd[t->operands[k]->id];
    sp->analyzed = true;
    *out = sp;
    return VT_OK;
}
