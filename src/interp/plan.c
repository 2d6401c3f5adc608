/* Per-block execution plans, built once per run: the dispatch function of each op, and for
 * every value the step after which it is dead, so buffers are released (or reused in place)
 * right after their last use. Values used inside nested regions count as used by the op that
 * owns the region; values of enclosing blocks are never released by an inner block. */
#include "interp/fuse.h"

#include <stdlib.h>
#include <string.h>

/* op_reshape_move.c */
vt_status vt_exec_reshape_move(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable,
                               vt_rvalue *out);

typedef struct cache_entry {
    const void *key;
    void *val;
} cache_entry;

struct vt_plan_cache {
    cache_entry *slots;
    size_t cap, n;
};

vt_plan_cache *vt_plan_cache_new(void) { return calloc(1, sizeof(vt_plan_cache)); }

static void free_block_plan(vt_block_plan *p) {
    for (size_t i = 0; i < p->nsteps; i++) {
        free(p->steps[i].release);
        vt_fused_group_free(p->steps[i].fused);
    }
    free(p->steps);
    free(p->release_args);
    free(p);
}

void vt_plan_cache_free(vt_plan_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].key) continue;
        /* Keys are blocks (block plans) or functions (func plans): tag by the low bit. */
        if ((uintptr_t)c->slots[i].val & 1) free((void *)((uintptr_t)c->slots[i].val & ~(uintptr_t)1));
        else free_block_plan(c->slots[i].val);
    }
    free(c->slots);
    free(c);
}

static size_t hash_ptr(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

static void *cache_get(vt_plan_cache *c, const void *key) {
    if (!c->cap) return NULL;
    for (size_t i = hash_ptr(key) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        if (!c->slots[i].key) return NULL;
        if (c->slots[i].key == key) return c->slots[i].val;
    }
}

static bool cache_put(vt_plan_cache *c, const void *key, void *val) {
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        cache_entry *ns = calloc(ncap, sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->slots[i].key) continue;
            size_t j = hash_ptr(c->slots[i].key) & (ncap - 1);
            while (ns[j].key) j = (j + 1) & (ncap - 1);
            ns[j] = c->slots[i];
        }
        free(c->slots);
        c->slots = ns;
        c->cap = ncap;
    }
    size_t j = hash_ptr(key) & (c->cap - 1);
    while (c->slots[j].key) j = (j + 1) & (c->cap - 1);
    c->slots[j].key = key;
    c->slots[j].val = val;
    c->n++;
    return true;
}

/* ---- function value ranges ---- */
typedef struct range_acc {
    uint32_t lo, hi;
    bool any;
} range_acc;

static void range_add(range_acc *a, uint32_t id) {
    if (!a->any) {
        a->lo = a->hi = id;
        a->any = true;
    } else {
        if (id < a->lo) a->lo = id;
        if (id > a->hi) a->hi = id;
    }
}

static void range_region(range_acc *a, const vt_region *reg) {
    for (size_t b = 0; b < reg->nblocks; b++) {
        const vt_block *blk = reg->blocks[b];
        for (size_t i = 0; i < blk->nargs; i++) range_add(a, blk->args[i].id);
        for (size_t i = 0; i < blk->nops; i++) {
            const vt_op *op = blk->ops[i];
            for (size_t k = 0; k < op->nresults; k++) range_add(a, op->results[k].id);
            for (size_t k = 0; k < op->nregions; k++) range_region(a, op->regions[k]);
        }
    }
}

vt_status vt_plan_func(vt_run *r, const vt_func *fn, const vt_func_plan **out) {
    vt_func_plan *p = cache_get(r->cache, fn);
    if (p) {
        *out = (vt_func_plan *)((uintptr_t)p & ~(uintptr_t)1);
        return VT_OK;
    }
    range_acc a = {0, 0, false};
    if (fn->body) range_region(&a, fn->body);
    vt_func_plan *np = calloc(1, sizeof *np);
    if (!np) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    np->func = fn;
    np->base = a.any ? a.lo : 0;
    np->n = a.any ? a.hi - a.lo + 1 : 0;
    if (!cache_put(r->cache, fn, (void *)((uintptr_t)np | 1))) {
        free(np);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    *out = np;
    return VT_OK;
}

/* ---- last uses ---- */
typedef struct use_ctx {
    const vt_block *block;
    uint32_t *last;      /* indexed by value id - base; UINT32_MAX: unused */
    uint32_t base, n;
    size_t step;
} use_ctx;

static bool owned_by_block(const vt_value *v, const vt_block *b) {
    return v->def ? v->def->parent == b : v->block == b;
}

static void note_use(use_ctx *u, const vt_value *v) {
    if (!owned_by_block(v, u->block)) return;
    if (v->id < u->base || v->id - u->base >= u->n) return;
    u->last[v->id - u->base] = (uint32_t)u->step;
}

static void note_region_uses(use_ctx *u, const vt_region *reg) {
    for (size_t b = 0; b < reg->nblocks; b++) {
        const vt_block *blk = reg->blocks[b];
        for (size_t i = 0; i < blk->nops; i++) {
            const vt_op *op = blk->ops[i];
            for (size_t k = 0; k < op->noperands; k++) note_use(u, op->operands[k]);
            for (size_t k = 0; k < op->nregions; k++) note_region_uses(u, op->regions[k]);
        }
    }
}

static vt_status push_id(uint32_t **arr, uint32_t *n, uint32_t id, vt_error *err) {
    uint32_t *na = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!na) return vt_error_set(err, VT_ENOMEM, "out of memory");
    na[(*n)++] = id;
    *arr = na;
    return VT_OK;
}

vt_status vt_plan_block(vt_run *r, const vt_block *b, const vt_block_plan **out) {
    vt_block_plan *p = cache_get(r->cache, b);
    if (p) {
        *out = p;
        return VT_OK;
    }
    p = calloc(1, sizeof *p);
    if (!p) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    p->block = b;
    p->nsteps = b->nops;
    p->steps = calloc(b->nops ? b->nops : 1, sizeof *p->steps);
    /* Value ids of this block: its arguments and its ops' results. */
    range_acc a = {0, 0, false};
    for (size_t i = 0; i < b->nargs; i++) range_add(&a, b->args[i].id);
    for (size_t i = 0; i < b->nops; i++)
        for (size_t k = 0; k < b->ops[i]->nresults; k++) range_add(&a, b->ops[i]->results[k].id);
    use_ctx u = {b, NULL, a.lo, a.any ? a.hi - a.lo + 1 : 0, 0};
    u.last = malloc((u.n ? u.n : 1) * sizeof *u.last);
    if (!p->steps || !u.last) {
        free(u.last);
        free_block_plan(p);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < u.n; i++) u.last[i] = UINT32_MAX;
    for (size_t i = 0; i < b->nops; i++) {
        const vt_op *op = b->ops[i];
        u.step = i;
        for (size_t k = 0; k < op->noperands; k++) note_use(&u, op->operands[k]);
        for (size_t k = 0; k < op->nregions; k++) note_region_uses(&u, op->regions[k]);
        p->steps[i].op = op;
        p->steps[i].fn = vt_exec_fn_for(op, &p->steps[i].aux);
        if (op->code == VT_OP_RESHAPE) p->steps[i].fn = vt_exec_reshape_move; /* falls back itself */
    }
    vt_status s = VT_OK;
    /* Dead at definition: results never used go right after their op; unused arguments at entry. */
    for (size_t i = 0; i < b->nargs && s == VT_OK; i++) {
        uint32_t id = b->args[i].id;
        if (u.last[id - u.base] == UINT32_MAX) s = push_id(&p->release_args, &p->nrelease_args, id, r->err);
    }
    for (size_t i = 0; i < b->nops && s == VT_OK; i++) {
        const vt_op *op = b->ops[i];
        for (size_t k = 0; k < op->nresults && s == VT_OK; k++) {
            uint32_t id = op->results[k].id;
            uint32_t last = u.last[id - u.base];
            size_t at = last == UINT32_MAX ? i : last;
            s = push_id(&p->steps[at].release, &p->steps[at].nrelease, id, r->err);
        }
    }
    for (size_t i = 0; i < b->nargs && s == VT_OK; i++) {
        uint32_t id = b->args[i].id;
        uint32_t last = u.last[id - u.base];
        if (last != UINT32_MAX) s = push_id(&p->steps[last].release, &p->steps[last].nrelease, id, r->err);
    }
    if (s == VT_OK && r->fuse) s = vt_plan_fusion(b, p, u.last, u.base, u.n);
    free(u.last);
    if (s == VT_OK && !cache_put(r->cache, b, p)) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    if (s != VT_OK) {
        free_block_plan(p);
        return s;
    }
    *out = p;
    return VT_OK;
}
