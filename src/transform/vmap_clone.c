/* AR -> TF: copies ops unchanged into the new function (ops that see no step dimension) together
 * with their regions (reduce / scatter / sort bodies), which must only use their own values. */
#include "transform/ar_internal.h"

#include <stdlib.h>

typedef struct vmap_pairs {
    const vt_value **k;
    vt_value **v;
    size_t n, cap;
} vmap_pairs;

static bool pairs_put(vmap_pairs *p, const vt_value *k, vt_value *v) {
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 32;
        const vt_value **nk = realloc(p->k, nc * sizeof *nk);
        if (!nk) return false;
        p->k = nk;
        vt_value **nv = realloc(p->v, nc * sizeof *nv);
        if (!nv) return false;
        p->v = nv;
        p->cap = nc;
    }
    p->k[p->n] = k;
    p->v[p->n++] = v;
    return true;
}

static vt_value *pairs_get(const vmap_pairs *p, const vt_value *k) {
    for (size_t i = p->n; i-- > 0;)
        if (p->k[i] == k) return p->v[i];
    return NULL;
}

static vt_status clone_regions_into(ar_ctx *c, const vt_op *src, vt_op *dst, vmap_pairs *pm, vt_error *err);

static vt_status clone_block(ar_ctx *c, const vt_op *owner, const vt_block *sb, vt_block *db, vmap_pairs *pm,
                             vt_error *err) {
    char id[96];
    vt_builder *b = c->b;
    for (size_t i = 0; i < sb->nargs; i++)
        if (!pairs_put(pm, &sb->args[i], vt_builder_block_arg(b, db, i)))
            return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    vt_builder_push_block(b, db);
    vt_status s = VT_OK;
    for (size_t i = 0; i < sb->nops && !s; i++) {
        const vt_op *op = sb->ops[i];
        vt_value *ops[32], **opv = ops;
        const vt_type *rts[32] = {0}, **rtv = rts;
        if (op->noperands > 32) opv = malloc(op->noperands * sizeof *opv);
        if (op->nresults > 32) rtv = malloc(op->nresults * sizeof *rtv);
        if (!opv || !rtv) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        for (size_t k = 0; k < op->noperands && !s; k++)
            if (!(opv[k] = pairs_get(pm, op->operands[k])))
                s = vt_error_set(err, VT_EUNSUPPORTED,
                                 "not supported: a region of %s uses a value defined outside it (at %s)",
                                 ar_op_id(owner, id, sizeof id), vt_op_name(op));
        for (size_t k = 0; k < op->nresults && !s; k++) rtv[k] = ar_ty(c, op->results[k].type);
        vt_named_attr ats[32], *atv = ats;
        if (!s && op->nattrs > 32 && !(atv = malloc(op->nattrs * sizeof *atv)))
            s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        vt_op *no = s ? NULL : vt_build_op(b, op->name, opv, op->noperands, rtv, op->nresults,
                                           ar_attrs(c, op->attrs, op->nattrs, atv), op->nattrs, op->nregions);
        if (atv != ats) free(atv);
        if (!s && !no) s = vt_builder_status(b, err);
        if (!s) s = clone_regions_into(c, op, no, pm, err);
        for (size_t k = 0; k < op->nresults && !s; k++)
            if (!pairs_put(pm, &op->results[k], vt_builder_result(b, no, k)))
                s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
        if (opv != ops) free(opv);
        if (rtv != rts) free(rtv);
    }
    vt_builder_pop_block(b);
    return s;
}

static vt_status clone_regions_into(ar_ctx *c, const vt_op *src, vt_op *dst, vmap_pairs *pm, vt_error *err) {
    for (size_t r = 0; r < src->nregions; r++) {
        const vt_region *rg = src->regions[r];
        for (size_t bi = 0; bi < rg->nblocks; bi++) {
            const vt_block *sb = rg->blocks[bi];
            const vt_type *ats[64];
            if (sb->nargs > 64) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: region with %zu arguments", sb->nargs);
            for (size_t i = 0; i < sb->nargs; i++) ats[i] = ar_ty(c, sb->args[i].type);
            vt_block *db = vt_builder_add_block(c->b, dst, r, ats, sb->nargs);
            if (!db) return vt_builder_status(c->b, err);
            vt_status s = clone_block(c, src, sb, db, pm, err);
            if (s) return s;
        }
    }
    return VT_OK;
}

vt_status ar_region_captures(ar_ctx *c, const ar_fop *fo, vt_value ***out, vt_error *err) {
    *out = NULL;
    if (!fo->ncaptures) return VT_OK;
    vt_value **caps = vt_arena_alloc(&c->arena, fo->ncaptures * sizeof *caps, 8, err);
    if (!caps) return err ? err->code : VT_ENOMEM;
    for (uint32_t i = 0; i < fo->ncaptures; i++) {
        bool bt = false;
        vt_status s = ar_get(c, fo->captures[i], &caps[i], &bt, err);
        if (s) return s;
        if (bt) {
            char id[96];
            return vt_error_set(err, VT_EUNSUPPORTED,
                                "not supported: %s at %s: a region reads a value from around it that differs per step",
                                vt_op_name(fo->op), ar_op_id(fo->op, id, sizeof id));
        }
    }
    *out = caps;
    return VT_OK;
}

vt_status ar_clone_regions(ar_ctx *c, const ar_fop *fo, vt_value *const *caps, vt_op *dst, vt_error *err) {
    vmap_pairs pm = {0};
    vt_status s = VT_OK;
    for (uint32_t i = 0; i < fo->ncaptures && !s; i++)
        if (!caps || !pairs_put(&pm, fo->capv[i], caps[i])) s = vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    if (!s) s = clone_regions_into(c, fo->op, dst, &pm, err);
    free(pm.k), free(pm.v);
    return s;
}

vt_status ar_clone_plain(ar_ctx *c, int32_t fi, vt_value **ops, vt_error *err) {
    const ar_fop *fo = &c->ops[fi];
    const vt_op *op = fo->op;
    bool share = ar_shareable(op);
    vt_op *no = share ? ar_shared_find(c, op, ops, fo->noperands, false) : NULL;
    if (no) {
        for (size_t k = 0; k < op->nresults; k++) {
            c->em[fo->first_result + (int32_t)k] = vt_builder_result(c->b, no, k);
            c->batched[fo->first_result + (int32_t)k] = false;
        }
        return VT_OK;
    }
    vt_value **caps = NULL;
    vt_status s = ar_region_captures(c, fo, &caps, err);
    if (s) return s;
    const vt_type *rts[32] = {0}, **rtv = rts;
    if (op->nresults > 32 && !(rtv = malloc(op->nresults * sizeof *rtv)))
        return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    for (size_t k = 0; k < op->nresults; k++) rtv[k] = ar_ty(c, op->results[k].type);
    vt_named_attr ats[32], *atv = ats;
    if (op->nattrs > 32 && !(atv = malloc(op->nattrs * sizeof *atv))) {
        if (rtv != rts) free(rtv);
        return vt_error_set(err, VT_ENOMEM, "ar-to-tf: out of memory");
    }
    no = vt_build_op(c->b, op->name, ops, fo->noperands, rtv, op->nresults, ar_attrs(c, op->attrs, op->nattrs, atv),
                     op->nattrs, op->nregions);
    if (rtv != rts) free(rtv);
    if (atv != ats) free(atv);
    if (!no) return vt_builder_status(c->b, err);
    if ((s = ar_clone_regions(c, fo, caps, no, err))) return s;
    for (size_t k = 0; k < op->nresults; k++) {
        c->em[fo->first_result + (int32_t)k] = vt_builder_result(c->b, no, k);
        c->batched[fo->first_result + (int32_t)k] = false;
    }
    if (op->nresults) ar_tag(c, c->em[fo->first_result], op);
    if (share) ar_shared_add(c, op, ops, fo->noperands, false, no);
    return VT_OK;
}
