/* AR -> TF: values the emitter would otherwise build again for every layer: clones of one
 * source op on the same emitted operands (a function inlined once per layer shares its constants
 * and what is computed from them alone), broadcasts of one value to one shape (unbatched values
 * lifted to [S, ...], step masks widened to a cache's shape) and zero splats. Each is built once
 * per insertion block and reused: the graph computes the same values with fewer ops, and the
 * transform builds and verifies fewer of them. */
#include "transform/ar_internal.h"

#include <string.h>

/* Pure ops without regions: their results depend on their operands only. */
bool ar_shareable(const vt_op *op) {
    const vt_op_info *info = vt_op_get_info(op);
    if (op->code == VT_OP_UNKNOWN || op->nregions || !op->nresults) return false;
    if (info->flags & (VT_OPF_SIDE_EFFECT | VT_OPF_COLLECTIVE | VT_OPF_CONTROL | VT_OPF_TERMINATOR | VT_OPF_CHECK))
        return false;
    return op->code != VT_OP_CUSTOM_CALL && op->code != VT_OP_RNG && op->code != VT_OP_FUNC_CALL;
}

typedef struct ar_shared {
    const vt_block *blk; /* where it was built: reused only there */
    vt_value **ops;
    uint32_t n;
    bool batched; /* built by a batching rule (results carry the step dimension) */
    vt_op *built;
    struct ar_shared *next;
} ar_shared;

vt_op *ar_shared_find(ar_ctx *c, const vt_op *src, vt_value *const *ops, uint32_t n, bool batched) {
    const vt_block *blk = vt_builder_block(c->b);
    for (ar_shared *e = vt_xf_ptrmap_get(&c->shared, src); e; e = e->next) {
        if (e->blk != blk || e->n != n || e->batched != batched) continue;
        uint32_t i = 0;
        while (i < n && e->ops[i] == ops[i]) i++;
        if (i == n) return e->built;
    }
    return NULL;
}

void ar_shared_add(ar_ctx *c, const vt_op *src, vt_value *const *ops, uint32_t n, bool batched, vt_op *built) {
    ar_shared *e = vt_arena_alloc(&c->arena, sizeof *e, 8, NULL);
    vt_value **cp = e ? vt_arena_alloc(&c->arena, (n + 1) * sizeof *cp, 8, NULL) : NULL;
    if (!cp) return; /* not shared: still correct */
    for (uint32_t i = 0; i < n; i++) cp[i] = ops[i];
    e->blk = vt_builder_block(c->b), e->ops = cp, e->n = n, e->batched = batched, e->built = built;
    e->next = vt_xf_ptrmap_get(&c->shared, src);
    vt_xf_ptrmap_put(&c->shared, src, e);
}

typedef struct ar_bcast {
    const vt_block *blk; /* where it was built: reused only there */
    vt_dtype dt;
    int rank;
    size_t nb;
    int64_t *shape, *bd;
    vt_value *r;
    struct ar_bcast *next;
} ar_bcast;

static bool same(const int64_t *a, const int64_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

vt_value *ar_broadcast(ar_ctx *c, vt_value *x, const vt_type *t, const int64_t *bd, size_t nb) {
    if (!x || !t || t->kind != VT_TYPE_TENSOR) return NULL;
    const vt_block *blk = vt_builder_block(c->b);
    for (ar_bcast *e = vt_xf_ptrmap_get(&c->bcasts, x); e; e = e->next)
        if (e->blk == blk && e->dt == t->dtype && e->rank == t->rank && e->nb == nb && same(e->shape, t->dims, (size_t)t->rank) &&
            same(e->bd, bd, nb))
            return e->r;
    vt_value *r = vt_build_broadcast_in_dim(c->b, x, t, bd, nb);
    if (!r) return NULL;
    ar_bcast *e = vt_arena_alloc(&c->arena, sizeof *e, 8, NULL);
    int64_t *mem = e ? vt_arena_alloc(&c->arena, ((size_t)t->rank + nb + 1) * sizeof *mem, 8, NULL) : NULL;
    if (!mem) return r; /* not remembered: still correct */
    ar_copy(mem, t->dims, (size_t)t->rank * sizeof *mem);
    ar_copy(mem + t->rank, bd, nb * sizeof *mem);
    e->blk = blk, e->dt = t->dtype, e->rank = t->rank, e->nb = nb, e->shape = mem, e->bd = mem + t->rank, e->r = r;
    e->next = vt_xf_ptrmap_get(&c->bcasts, x);
    vt_xf_ptrmap_put(&c->bcasts, x, e);
    return r;
}

typedef struct ar_zero {
    const vt_block *blk;
    vt_dtype dt;
    int rank;
    int64_t *shape;
    vt_value *r;
    struct ar_zero *next;
} ar_zero;

vt_value *ar_zeros(ar_ctx *c, const vt_type *t) {
    if (!t || t->kind != VT_TYPE_TENSOR) return NULL;
    const vt_block *blk = vt_builder_block(c->b);
    for (ar_zero *e = c->zeros; e; e = e->next)
        if (e->blk == blk && e->dt == t->dtype && e->rank == t->rank && same(e->shape, t->dims, (size_t)t->rank))
            return e->r;
    vt_value *r = vt_build_splat(c->b, t, 0.0);
    if (!r) return NULL;
    ar_zero *e = vt_arena_alloc(&c->arena, sizeof *e, 8, NULL);
    int64_t *mem = e ? vt_arena_alloc(&c->arena, ((size_t)t->rank + 1) * sizeof *mem, 8, NULL) : NULL;
    if (!mem) return r;
    ar_copy(mem, t->dims, (size_t)t->rank * sizeof *mem);
    e->blk = blk, e->dt = t->dtype, e->rank = t->rank, e->shape = mem, e->r = r;
    e->next = c->zeros;
    c->zeros = e;
    return r;
}
