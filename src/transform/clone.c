/* Cloning of IR between modules: value maps, deep copies of types and attributes (dense tensors
 * shared by reference), ops with their regions, functions and module shells. Every copied op is
 * stamped with its provenance (VT_XF_ORIGIN_ATTR, and VT_XF_CALLSITE_ATTR when inlined). */
#include "transform/xf_util.h"

#include <stdlib.h>
#include <string.h>

/* Nesting deeper than this is refused rather than risking the C stack (the parser's own default
 * depth limit is 128). For ops the count runs across hooks (inlining recurses through them), so
 * it lives in the map. */
#define XF_MAX_DEPTH 512

struct vt_xf_map {
    const vt_module *src;
    vt_value **vals;   /* by source value id */
    size_t nvals;
    vt_module *dst;    /* module the copy cache below belongs to */
    vt_xf_ptrmap types, attrs;
    vt_buf scratch;    /* op ids */
    int op_depth;      /* clone_op frames active */
};

vt_xf_map *vt_xf_map_new(const vt_module *src, vt_error *err) {
    vt_xf_map *m = calloc(1, sizeof *m);
    if (!m) {
        vt_error_set(err, VT_ENOMEM, "out of memory creating a value map");
        return NULL;
    }
    m->src = src;
    m->nvals = src ? src->num_values : 0;
    if (m->nvals && !(m->vals = calloc(m->nvals, sizeof *m->vals))) {
        free(m);
        vt_error_set(err, VT_ENOMEM, "out of memory creating a value map of %zu values", (size_t)(src ? src->num_values : 0));
        return NULL;
    }
    vt_buf_init(&m->scratch);
    return m;
}

void vt_xf_map_free(vt_xf_map *m) {
    if (!m) return;
    free(m->vals);
    vt_xf_ptrmap_clear(&m->types);
    vt_xf_ptrmap_clear(&m->attrs);
    vt_buf_free(&m->scratch);
    free(m);
}

vt_status vt_xf_map_set(vt_xf_map *m, const vt_value *src, vt_value *dst, vt_error *err) {
    if (!m || !src) return vt_error_set(err, VT_EINPUT, "transform: value map: NULL value");
    if (src->id >= m->nvals) {
        /* values created after the map (e.g. of a module still being built) grow the table */
        size_t nn = m->nvals ? m->nvals : 64;
        while (nn <= src->id) nn *= 2;
        vt_value **nv = realloc(m->vals, nn * sizeof *nv);
        if (!nv) return vt_error_set(err, VT_ENOMEM, "out of memory growing a value map");
        memset(nv + m->nvals, 0, (nn - m->nvals) * sizeof *nv);
        m->vals = nv;
        m->nvals = nn;
    }
    m->vals[src->id] = dst;
    return VT_OK;
}

vt_value *vt_xf_map_get(const vt_xf_map *m, const vt_value *src) {
    if (!m || !src || src->id >= m->nvals) return NULL;
    return m->vals[src->id];
}

/* The copy caches are only valid for one destination module. */
static void bind_dst(vt_xf_map *map, vt_module *dst) {
    if (map->dst == dst) return;
    vt_xf_ptrmap_clear(&map->types);
    vt_xf_ptrmap_clear(&map->attrs);
    map->dst = dst;
}

static void *dalloc(vt_module *dst, size_t n, vt_error *err) { return vt_module_alloc(dst, n ? n : 1, err); }

static void *dmemdup(vt_module *dst, const void *p, size_t n, vt_error *err) {
    void *r = dalloc(dst, n, err);
    if (r && n) memcpy(r, p, n);
    return r;
}

static char *dstr(vt_module *dst, const char *s, vt_error *err) { return vt_module_strdup(dst, s, strlen(s), err); }

/* ---- types ---- */
static const vt_quant *copy_quant(vt_module *dst, const vt_quant *q, vt_error *err) {
    vt_quant *r = dmemdup(dst, q, sizeof *q, err);
    if (!r) return NULL;
    if (q->nscales) {
        if (!(r->scales = dmemdup(dst, q->scales, q->nscales * sizeof *q->scales, err))) return NULL;
        if (!(r->zero_points = dmemdup(dst, q->zero_points, q->nscales * sizeof *q->zero_points, err))) return NULL;
    }
    return r;
}

static const vt_type *copy_type(vt_xf_map *map, vt_module *dst, const vt_type *t, int depth, vt_error *err);
static vt_attr *copy_attr(vt_xf_map *map, vt_module *dst, const vt_attr *a, int depth, vt_error *err);

static const vt_type **copy_type_list(vt_xf_map *map, vt_module *dst, const vt_type *const *ts, size_t n, int depth,
                                      vt_error *err) {
    const vt_type **r = dalloc(dst, n * sizeof *r, err);
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(r[i] = copy_type(map, dst, ts[i], depth + 1, err))) return NULL;
    return r;
}

static const vt_type *copy_type(vt_xf_map *map, vt_module *dst, const vt_type *t, int depth, vt_error *err) {
    if (!t) {
        vt_error_set(err, VT_EINPUT, "transform: a type is missing");
        return NULL;
    }
    if (depth > XF_MAX_DEPTH) {
        vt_error_set(err, VT_ELIMIT, "transform: types nested deeper than %d", XF_MAX_DEPTH);
        return NULL;
    }
    const vt_type *hit = vt_xf_ptrmap_get(&map->types, t);
    if (hit) return hit;
    vt_type *r = dmemdup(dst, t, sizeof *t, err);
    if (!r) return NULL;
    if (t->quant && !(r->quant = copy_quant(dst, t->quant, err))) return NULL;
    if (t->rank > 0 && t->dims && !(r->dims = dmemdup(dst, t->dims, (size_t)t->rank * sizeof *t->dims, err))) return NULL;
    if (t->rank > 0 && t->bounds && !(r->bounds = dmemdup(dst, t->bounds, (size_t)t->rank * sizeof *t->bounds, err)))
        return NULL;
    if (t->encoding && !(r->encoding = copy_attr(map, dst, t->encoding, depth + 1, err))) return NULL;
    if (t->nelems && !(r->elems = copy_type_list(map, dst, t->elems, t->nelems, depth, err))) return NULL;
    if (t->nresults && !(r->results = copy_type_list(map, dst, t->results, t->nresults, depth, err))) return NULL;
    if (t->text && !(r->text = dstr(dst, t->text, err))) return NULL;
    if (!vt_xf_ptrmap_put(&map->types, t, r)) {
        vt_error_set(err, VT_ENOMEM, "out of memory copying types");
        return NULL;
    }
    return r;
}

const vt_type *vt_xf_copy_type(vt_xf_map *map, vt_module *dst, const vt_type *t, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    bind_dst(map, dst);
    return copy_type(map, dst, t, 0, err);
}

/* ---- attributes ---- */
static vt_named_attr *copy_fields(vt_xf_map *map, vt_module *dst, const vt_named_attr *f, size_t n, int depth,
                                  vt_error *err) {
    vt_named_attr *r = dalloc(dst, n * sizeof *r, err);
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].name || !f[i].value) {
            vt_error_set(err, VT_EINPUT, "transform: attribute entry %zu has no name or value", i);
            return NULL;
        }
        if (!(r[i].name = dstr(dst, f[i].name, err))) return NULL;
        if (!(r[i].value = copy_attr(map, dst, f[i].value, depth + 1, err))) return NULL;
    }
    return r;
}

static vt_attr *copy_attr(vt_xf_map *map, vt_module *dst, const vt_attr *a, int depth, vt_error *err) {
    if (!a) {
        vt_error_set(err, VT_EINPUT, "transform: an attribute is missing");
        return NULL;
    }
    if (depth > XF_MAX_DEPTH) {
        vt_error_set(err, VT_ELIMIT, "transform: attributes nested deeper than %d", XF_MAX_DEPTH);
        return NULL;
    }
    vt_attr *hit = vt_xf_ptrmap_get(&map->attrs, a);
    if (hit) return hit;
    vt_attr *r = dmemdup(dst, a, sizeof *a, err);
    if (!r) return NULL;
    if (a->type && !(r->type = copy_type(map, dst, a->type, depth + 1, err))) return NULL;
    if (a->str) {
        /* STRING may hold NUL bytes (len counts them); other kinds leave len at 0 or strlen */
        size_t n = a->len > strlen(a->str) ? a->len : strlen(a->str);
        if (!(r->str = vt_module_strdup(dst, a->str, n, err))) return NULL;
    }
    if (a->dialect && !(r->dialect = dstr(dst, a->dialect, err))) return NULL;
    if (a->name && !(r->name = dstr(dst, a->name, err))) return NULL;
    if (a->tensor) {
        /* constants are immutable once parsed: share the bytes, the new module holds a reference */
        if (vt_module_adopt_tensor(dst, vt_tensor_retain(a->tensor), err) != VT_OK) return NULL;
        dst->constant_bytes += a->tensor->nbytes;
    }
    r->elems = NULL; /* ARRAY elements, LOC children */
    if (a->n && a->elems) {
        if (!(r->elems = dalloc(dst, a->n * sizeof *r->elems, err))) return NULL;
        for (size_t i = 0; i < a->n; i++)
            if (!(r->elems[i] = copy_attr(map, dst, a->elems[i], depth + 1, err))) return NULL;
    }
    if (a->i64s && a->n && !(r->i64s = dmemdup(dst, a->i64s, a->n * sizeof *a->i64s, err))) return NULL;
    if (a->f64s && a->n && !(r->f64s = dmemdup(dst, a->f64s, a->n * sizeof *a->f64s, err))) return NULL;
    if (a->nfields && !(r->fields = copy_fields(map, dst, a->fields, a->nfields, depth, err))) return NULL;
    if (a->meta && !(r->meta = copy_attr(map, dst, a->meta, depth + 1, err))) return NULL;
    if (a->resolved && !(r->resolved = copy_attr(map, dst, a->resolved, depth + 1, err))) return NULL;
    if (!vt_xf_ptrmap_put(&map->attrs, a, r)) {
        vt_error_set(err, VT_ENOMEM, "out of memory copying attributes");
        return NULL;
    }
    return r;
}

vt_attr *vt_xf_copy_attr(vt_xf_map *map, vt_module *dst, const vt_attr *a, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    bind_dst(map, dst);
    return copy_attr(map, dst, a, 0, err);
}

/* ---- ops ---- */
static vt_status clone_block_ops(vt_builder *b, const vt_block *src, vt_xf_map *map, const vt_xf_clone_opts *o,
                                 bool skip_term, int depth, vt_error *err);

/* Id text of op for messages ("@main/3"), or its name when it has no id. */
static const char *op_label(vt_xf_map *map, const vt_op *op) {
    map->scratch.len = 0;
    if (vt_op_id(op, &map->scratch, NULL) != VT_OK) {
        map->scratch.len = 0;
        vt_buf_puts(&map->scratch, vt_op_name(op));
    }
    return vt_buf_cstr(&map->scratch);
}

static vt_op *clone_op(vt_builder *b, const vt_op *op, vt_xf_map *map, const vt_xf_clone_opts *o, int depth,
                       vt_error *err) {
    vt_module *dst = vt_builder_module(b);
    if (!dst) {
        vt_xf_builder_error(b, err);
        return NULL;
    }
    bind_dst(map, dst);
    if (depth > XF_MAX_DEPTH || map->op_depth >= XF_MAX_DEPTH) {
        vt_error_set(err, VT_ELIMIT, "transform: regions (and inlined calls) nested deeper than %d", XF_MAX_DEPTH);
        return NULL;
    }
    map->op_depth++;
    vt_value *stack_ops[8];
    const vt_type *stack_types[8];
    vt_value **ops = op->noperands <= 8 ? stack_ops : malloc(op->noperands * sizeof *ops);
    const vt_type **rts = op->nresults <= 8 ? stack_types : malloc(op->nresults * sizeof *rts);
    vt_named_attr *attrs = malloc((op->nattrs + 2) * sizeof *attrs);
    vt_op *res = NULL;
    if (!ops || !rts || !attrs) {
        vt_error_set(err, VT_ENOMEM, "out of memory cloning %s", vt_op_name(op));
        goto done;
    }
    for (size_t i = 0; i < op->noperands; i++)
        if (!(ops[i] = vt_xf_map_get(map, op->operands[i]))) {
            vt_error_set(err, VT_EINPUT, "transform: operand %zu of %s (%s) has no value in the new module", i,
                         op_label(map, op), vt_op_name(op));
            goto done;
        }
    for (size_t i = 0; i < op->nresults; i++)
        if (!(rts[i] = copy_type(map, dst, op->results[i].type, 0, err))) goto done;
    size_t na = 0;
    const char *origin = NULL, *callsite = NULL;
    bool strip = o && o->strip_provenance;
    for (size_t i = 0; i < op->nattrs; i++) {
        const char *nm = op->attrs[i].name;
        /* provenance of any other shape than a string is not ours: refuse rather than guess */
        bool is_origin = strcmp(nm, VT_XF_ORIGIN_ATTR) == 0, is_callsite = strcmp(nm, VT_XF_CALLSITE_ATTR) == 0;
        if ((is_origin || is_callsite) && !strip && (!op->attrs[i].value || op->attrs[i].value->kind != VT_ATTR_STRING)) {
            vt_error_set(err, VT_EINPUT, "transform: %s: %s is not a string", op_label(map, op), nm);
            goto done;
        }
        if (is_origin || is_callsite) {
            if (!strip && is_origin) origin = op->attrs[i].value->str;
            if (!strip && is_callsite) callsite = op->attrs[i].value->str;
            continue;
        }
        attrs[na].name = nm;
        if (!(attrs[na].value = copy_attr(map, dst, op->attrs[i].value, 0, err))) goto done;
        na++;
    }
    /* provenance: the first source wins, so chains of transforms point at the original graph */
    vt_attr *oa = NULL;
    if (strip) {
        /* no provenance at all */
    } else if (origin) {
        oa = vt_builder_attr_string(b, origin, strlen(origin));
    } else {
        map->scratch.len = 0;
        vt_error e;
        vt_status s = vt_op_id(op, &map->scratch, &e);
        if (s == VT_OK) oa = vt_builder_attr_string(b, map->scratch.data, map->scratch.len);
        else if (s != VT_EINPUT) { /* EINPUT: a top-level op, which has no id */
            *err = e;
            goto done;
        }
    }
    if (oa) attrs[na++] = (vt_named_attr){VT_XF_ORIGIN_ATTR, oa};
    if (strip) {
        /* nothing */
    } else if (o && o->callsite) {
        map->scratch.len = 0;
        vt_buf_puts(&map->scratch, o->callsite);
        if (callsite) vt_buf_printf(&map->scratch, ";%s", callsite);
        if (map->scratch.failed) {
            vt_error_set(err, VT_ENOMEM, "out of memory");
            goto done;
        }
        attrs[na++] = (vt_named_attr){VT_XF_CALLSITE_ATTR, vt_builder_attr_string(b, map->scratch.data, map->scratch.len)};
    } else if (callsite) {
        attrs[na++] = (vt_named_attr){VT_XF_CALLSITE_ATTR, vt_builder_attr_string(b, callsite, strlen(callsite))};
    }
    for (size_t i = 0; i < na; i++)
        if (!attrs[i].value) {
            vt_xf_builder_error(b, err);
            goto done;
        }
    vt_op *n = vt_build_op(b, vt_op_name(op), ops, op->noperands, rts, op->nresults, attrs, na, op->nregions);
    if (!n) {
        vt_xf_builder_error(b, err);
        goto done;
    }
    if (op->loc && !(n->loc = copy_attr(map, dst, op->loc, 0, err))) goto done;
    for (size_t i = 0; i < op->nresults; i++) {
        n->results[i].grouped = false;
        if (vt_xf_map_set(map, &op->results[i], &n->results[i], err) != VT_OK) goto done;
    }
    for (size_t ri = 0; ri < op->nregions; ri++) {
        const vt_region *r = op->regions[ri];
        for (size_t bi = 0; r && bi < r->nblocks; bi++) {
            const vt_block *sb = r->blocks[bi];
            const vt_type *at_stack[8];
            const vt_type **at = sb->nargs <= 8 ? at_stack : malloc(sb->nargs * sizeof *at);
            if (!at) {
                vt_error_set(err, VT_ENOMEM, "out of memory cloning %s", vt_op_name(op));
                goto done;
            }
            bool ok = true;
            for (size_t k = 0; ok && k < sb->nargs; k++) ok = (at[k] = copy_type(map, dst, sb->args[k].type, 0, err)) != NULL;
            vt_block *nb = ok ? vt_builder_add_block(b, n, ri, at, sb->nargs) : NULL;
            if (at != at_stack) free(at);
            if (!ok) goto done;
            if (!nb) {
                vt_xf_builder_error(b, err);
                goto done;
            }
            if (sb->label && !(nb->label = dstr(dst, sb->label, err))) goto done;
            for (size_t k = 0; k < sb->nargs; k++) {
                if (sb->args[k].loc && !(nb->args[k].loc = copy_attr(map, dst, sb->args[k].loc, 0, err))) goto done;
                if (vt_xf_map_set(map, &sb->args[k], &nb->args[k], err) != VT_OK) goto done;
            }
            vt_builder_push_block(b, nb);
            vt_status s = clone_block_ops(b, sb, map, o, false, depth + 1, err);
            vt_builder_pop_block(b);
            if (s != VT_OK) goto done;
            if (vt_builder_status(b, NULL) != VT_OK) {
                vt_xf_builder_error(b, err);
                goto done;
            }
        }
    }
    res = n;
done:
    map->op_depth--;
    if (ops != stack_ops) free(ops);
    if (rts != stack_types) free(rts);
    free(attrs);
    return res;
}

static vt_status clone_block_ops(vt_builder *b, const vt_block *src, vt_xf_map *map, const vt_xf_clone_opts *o,
                                 bool skip_term, int depth, vt_error *err) {
    for (size_t i = 0; i < src->nops; i++) {
        const vt_op *op = src->ops[i];
        if (skip_term && i + 1 == src->nops && (vt_op_get_info(op)->flags & VT_OPF_TERMINATOR)) break;
        if (o && o->hook) {
            bool handled = false;
            vt_status s = o->hook(b, op, map, o->user, &handled, err);
            if (s != VT_OK) return s;
            if (handled) continue;
        }
        if (!clone_op(b, op, map, o, depth, err)) return err ? err->code : VT_EINTERNAL;
    }
    return VT_OK;
}

vt_op *vt_xf_clone_op_ex(vt_builder *b, const vt_op *op, vt_xf_map *map, const vt_xf_clone_opts *opts, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    if (!b || !op || !map) {
        vt_error_set(err, VT_EINPUT, "transform: clone needs a builder, an op and a map");
        return NULL;
    }
    return clone_op(b, op, map, opts, 0, err);
}

vt_op *vt_xf_clone_op(vt_builder *b, const vt_op *op, vt_xf_map *map, vt_error *err) {
    return vt_xf_clone_op_ex(b, op, map, NULL, err);
}

vt_status vt_xf_clone_block(vt_builder *b, const vt_block *src, vt_xf_map *map, const vt_xf_clone_opts *opts,
                            bool skip_terminator, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    if (!b || !src || !map) return vt_error_set(err, VT_EINPUT, "transform: clone needs a builder, a block and a map");
    if (!vt_builder_module(b)) return vt_xf_builder_error(b, err);
    bind_dst(map, vt_builder_module(b));
    return clone_block_ops(b, src, map, opts, skip_terminator, 0, err);
}

/* ---- functions and modules ---- */
vt_func *vt_xf_clone_func(vt_builder *b, const vt_func *f, const char *new_name, vt_xf_map *map,
                          const vt_xf_clone_opts *opts, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    vt_module *dst = vt_builder_module(b);
    if (!dst) {
        vt_xf_builder_error(b, err);
        return NULL;
    }
    bind_dst(map, dst);
    if (f->body && f->body->nblocks != 1) {
        vt_error_set(err, VT_EUNSUPPORTED, "not supported: @%s has %zu blocks (transforms handle one-block bodies)", f->name,
                     f->body->nblocks);
        return NULL;
    }
    const vt_type **at = dalloc(dst, f->nargs * sizeof *at, err);
    const vt_type **rt = at ? dalloc(dst, f->nresults * sizeof *rt, err) : NULL;
    if (!rt) return NULL;
    for (size_t i = 0; i < f->nargs; i++)
        if (!(at[i] = copy_type(map, dst, f->arg_types[i], 0, err))) return NULL;
    for (size_t i = 0; i < f->nresults; i++)
        if (!(rt[i] = copy_type(map, dst, f->result_types[i], 0, err))) return NULL;
    vt_func *nf = vt_builder_func(b, new_name ? new_name : f->name, f->visibility, at, f->nargs, rt, f->nresults);
    if (!nf) {
        vt_xf_builder_error(b, err);
        return NULL;
    }
    for (size_t i = 0; i < f->nargs; i++)
        if (f->arg_attrs && f->arg_attrs[i] && !(nf->arg_attrs[i] = copy_attr(map, dst, f->arg_attrs[i], 0, err))) return NULL;
    for (size_t i = 0; i < f->nresults; i++)
        if (f->result_attrs && f->result_attrs[i] && !(nf->result_attrs[i] = copy_attr(map, dst, f->result_attrs[i], 0, err)))
            return NULL;
    if (f->attrs && !(nf->attrs = copy_attr(map, dst, f->attrs, 0, err))) return NULL;
    if (f->loc && !(nf->loc = copy_attr(map, dst, f->loc, 0, err))) return NULL;
    if (!f->body) {
        /* an external declaration: the builder always makes a body, drop it */
        nf->body = NULL;
        vt_builder_set_block(b, NULL);
        return nf;
    }
    const vt_block *sb = f->body->blocks[0];
    vt_block *nb = nf->body->blocks[0];
    if (sb->nargs != f->nargs) {
        vt_error_set(err, VT_EINPUT, "transform: @%s has %zu arguments but its body block has %zu", f->name, f->nargs, sb->nargs);
        return NULL;
    }
    for (size_t i = 0; i < sb->nargs; i++) {
        if (sb->args[i].loc && !(nb->args[i].loc = copy_attr(map, dst, sb->args[i].loc, 0, err))) return NULL;
        if (vt_xf_map_set(map, &sb->args[i], &nb->args[i], err) != VT_OK) return NULL;
    }
    vt_builder_set_block(b, nb);
    if (clone_block_ops(b, sb, map, opts, false, 0, err) != VT_OK) return NULL;
    return nf;
}

vt_status vt_xf_clone_module_shell(vt_builder *b, const vt_module *src, vt_xf_map *map, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    vt_module *dst = vt_builder_module(b);
    if (!dst) return vt_xf_builder_error(b, err);
    bind_dst(map, dst);
    if (src->attrs && !(dst->attrs = copy_attr(map, dst, src->attrs, 0, err))) return err->code;
    if (src->loc && !(dst->loc = copy_attr(map, dst, src->loc, 0, err))) return err->code;
    if (src->nresources) {
        vt_resource *rs = dalloc(dst, src->nresources * sizeof *rs, err);
        if (!rs) return err->code;
        for (size_t i = 0; i < src->nresources; i++) {
            const vt_resource *r = &src->resources[i];
            rs[i] = *r;
            if (!(rs[i].dialect = dstr(dst, r->dialect, err)) || !(rs[i].name = dstr(dst, r->name, err))) return err->code;
            if (r->len && !(rs[i].data = dmemdup(dst, r->data, r->len, err))) return err->code;
        }
        dst->resources = rs;
        dst->nresources = src->nresources;
    }
    if (src->ntop_ops) {
        /* the builder only appends to blocks: build the top-level ops in a scratch block */
        vt_block *tmp = dalloc(dst, sizeof *tmp, err);
        if (!tmp) return err->code;
        vt_block *saved = vt_builder_block(b);
        vt_builder_set_block(b, tmp);
        vt_status s = VT_OK;
        for (size_t i = 0; i < src->ntop_ops && s == VT_OK; i++)
            if (!clone_op(b, src->top_ops[i], map, NULL, 0, err)) s = err ? err->code : VT_EINTERNAL;
        vt_builder_set_block(b, saved);
        if (s != VT_OK) return s;
        vt_op **tops = dalloc(dst, (dst->ntop_ops + tmp->nops) * sizeof *tops, err);
        if (!tops) return err->code;
        if (dst->ntop_ops) memcpy(tops, dst->top_ops, dst->ntop_ops * sizeof *tops);
        for (size_t i = 0; i < tmp->nops; i++) {
            tmp->ops[i]->parent = NULL;
            tops[dst->ntop_ops + i] = tmp->ops[i];
        }
        dst->top_ops = tops;
        dst->ntop_ops += tmp->nops;
    }
    return VT_OK;
}

vt_status vt_xf_clone_module(vt_builder *b, const vt_module *src, vt_xf_map *map, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    vt_status s = vt_xf_clone_module_shell(b, src, map, err);
    for (size_t i = 0; s == VT_OK && i < src->nfuncs; i++)
        if (!vt_xf_clone_func(b, src->funcs[i], NULL, map, NULL, err)) s = err ? err->code : VT_EINTERNAL;
    return s;
}

vt_status vt_xf_strip_provenance(const vt_module *src, vt_module **out, vt_error *err) {
    vt_error local_err;
    if (!err) err = &local_err;
    if (!out) return vt_error_set(err, VT_EINPUT, "transform: no output pointer");
    *out = NULL;
    if (!src) return vt_error_set(err, VT_EINPUT, "transform: no module");
    vt_builder *b = vt_builder_new(src->name, err);
    vt_xf_map *map = b ? vt_xf_map_new(src, err) : NULL;
    vt_status s = map ? vt_xf_name_result(b, src, "stripped", err) : err->code;
    if (s == VT_OK) s = vt_xf_clone_module_shell(b, src, map, err);
    vt_xf_clone_opts o = {NULL, NULL, NULL, true};
    for (size_t i = 0; s == VT_OK && i < src->nfuncs; i++)
        if (!vt_xf_clone_func(b, src->funcs[i], NULL, map, &o, err)) s = err->code;
    if (s == VT_OK) s = vt_builder_finish(b, out, err);
    vt_xf_map_free(map);
    vt_builder_free(b);
    return s;
}
