/* Stable op ids (docs/op-ids.md): path ids derived from structure (`@main/12`, `@f/4/1/7`),
 * explicit mhlo.frontend_attributes operation_id names, dynamic instances (`#573`), lookup. */
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

/* Position of op among all ops of its region (blocks concatenated). */
static size_t op_pos_in_region(const vt_op *op) {
    const vt_block *blk = op->parent;
    const vt_region *r = blk->parent;
    size_t pos = 0;
    for (size_t b = 0; r && b < r->nblocks && r->blocks[b] != blk; b++) pos += r->blocks[b]->nops;
    return pos + op->index;
}

vt_status vt_op_path_id(const vt_op *op, vt_buf *out, vt_error *err) {
    size_t idx[256];
    size_t n = 0;
    const vt_op *cur = op;
    const vt_func *f = NULL;
    for (;;) {
        if (!cur->parent || !cur->parent->parent)
            return vt_error_set(err, VT_EINPUT, "op %s is not inside a function: it has no path id", vt_op_name(op));
        if (n + 2 > sizeof idx / sizeof idx[0]) return vt_error_set(err, VT_ELIMIT, "op nested too deeply for an id");
        idx[n++] = op_pos_in_region(cur);
        const vt_region *r = cur->parent->parent;
        if (r->parent_func) {
            f = r->parent_func;
            break;
        }
        const vt_op *po = r->parent_op;
        if (!po) return vt_error_set(err, VT_EINPUT, "op %s is not inside a function: it has no path id", vt_op_name(op));
        size_t ri = 0;
        while (ri < po->nregions && po->regions[ri] != r) ri++;
        idx[n++] = ri;
        cur = po;
    }
    /* digits by hand: transforms name thousands of ops, and printf dominated the cost */
    vt_buf_append(out, "@", 1);
    vt_buf_puts(out, f->name);
    while (n) {
        char d[24];
        size_t x = idx[--n], k = sizeof d;
        do d[--k] = (char)('0' + x % 10), x /= 10;
        while (x);
        d[--k] = '/';
        vt_buf_append(out, d + k, sizeof d - k);
    }
    if (out->failed) return vt_error_set(err, VT_ENOMEM, "out of memory");
    return VT_OK;
}

static const char *explicit_id(const vt_op *op) {
    const vt_attr *fa = vt_op_attr(op, "mhlo.frontend_attributes");
    const vt_attr *id = vt_attr_dict_get(fa, "operation_id");
    return id && id->kind == VT_ATTR_STRING && id->len ? id->str : NULL;
}

vt_status vt_op_id(const vt_op *op, vt_buf *out, vt_error *err) {
    const char *e = explicit_id(op);
    if (e) {
        vt_buf_puts(out, e);
        return out->failed ? vt_error_set(err, VT_ENOMEM, "out of memory") : VT_OK;
    }
    return vt_op_path_id(op, out, err);
}

static size_t enclosing_whiles(const vt_op *op) {
    size_t n = 0;
    for (const vt_op *cur = op; cur->parent && cur->parent->parent && cur->parent->parent->parent_op;) {
        cur = cur->parent->parent->parent_op;
        if (cur->code == VT_OP_WHILE) n++;
    }
    return n;
}

vt_status vt_op_instance_id(const vt_op *op, const uint64_t *iters, size_t niters, vt_buf *out, vt_error *err) {
    size_t want = enclosing_whiles(op);
    if (niters != want)
        return vt_error_set(err, VT_EINPUT, "op %s is inside %zu while loop%s, %zu iteration count%s given", vt_op_name(op), want,
                            want == 1 ? "" : "s", niters, niters == 1 ? "" : "s");
    vt_status s = vt_op_id(op, out, err);
    if (s != VT_OK) return s;
    for (size_t i = 0; i < niters; i++) vt_buf_printf(out, "%c%llu", i ? '.' : '#', (unsigned long long)iters[i]);
    return out->failed ? vt_error_set(err, VT_ENOMEM, "out of memory") : VT_OK;
}

typedef struct find_ctx {
    const char *id;
    size_t n;
    vt_op *found;
} find_ctx;

static vt_status find_explicit(vt_op *op, void *user, vt_error *err) {
    (void)err;
    find_ctx *c = user;
    const char *e = explicit_id(op);
    if (e && strlen(e) == c->n && memcmp(e, c->id, c->n) == 0) {
        c->found = op;
        return VT_ECHECK; /* stops the walk */
    }
    return VT_OK;
}

static bool parse_u64(const char *s, const char *e, uint64_t *out) {
    if (s >= e) return false;
    uint64_t v = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static vt_op *find_path(const vt_module *m, const char *s, const char *e) {
    const char *slash = memchr(s, '/', (size_t)(e - s));
    if (!slash || s >= e || *s != '@') return NULL;
    vt_func *f = NULL;
    for (size_t i = 0; i < m->nfuncs; i++)
        if (strlen(m->funcs[i]->name) == (size_t)(slash - s - 1) && memcmp(m->funcs[i]->name, s + 1, (size_t)(slash - s - 1)) == 0)
            f = m->funcs[i];
    if (!f || !f->body) return NULL;
    const vt_region *r = f->body;
    vt_op *op = NULL;
    const char *q = slash;
    bool want_op = true;
    while (q < e) {
        if (*q != '/') return NULL;
        const char *t = q + 1;
        while (t < e && *t != '/') t++;
        uint64_t k;
        if (!parse_u64(q + 1, t, &k)) return NULL;
        if (want_op) {
            op = NULL;
            for (size_t b = 0; r && b < r->nblocks; b++) {
                if (k < r->blocks[b]->nops) {
                    op = r->blocks[b]->ops[k];
                    break;
                }
                k -= r->blocks[b]->nops;
            }
            if (!op) return NULL;
        } else {
            if (k >= op->nregions) return NULL;
            r = op->regions[k];
        }
        want_op = !want_op;
        q = t;
    }
    return want_op ? NULL : op;
}

vt_status vt_module_find_op(const vt_module *m, const char *id, vt_op **out, uint64_t *iters, size_t cap, size_t *niters,
                            vt_error *err) {
    *out = NULL;
    if (niters) *niters = 0;
    if (!id || !*id) return vt_error_set(err, VT_EINPUT, "empty op id");
    const char *hash = strrchr(id, '#');
    const char *e = hash ? hash : id + strlen(id);
    size_t count = 0;
    if (hash) {
        const char *s = hash + 1;
        for (;;) {
            const char *t = s;
            while (*t && *t != '.') t++;
            uint64_t v;
            if (!parse_u64(s, t, &v)) return vt_error_set(err, VT_EINPUT, "op id '%s': bad iteration count after '#'", id);
            if (iters && count < cap) iters[count] = v;
            count++;
            if (!*t) break;
            s = t + 1;
        }
    }
    vt_op *op = find_path(m, id, e);
    if (!op) {
        find_ctx c = {id, (size_t)(e - id), NULL};
        vt_module_walk((vt_module *)m, find_explicit, &c, NULL);
        op = c.found;
    }
    if (!op) return vt_error_set(err, VT_ECHECK, "no op with id '%.*s'", (int)(e - id), id);
    if (hash && count != enclosing_whiles(op))
        return vt_error_set(err, VT_EINPUT, "op id '%s': the op is inside %zu while loop(s), %zu count(s) given", id,
                            enclosing_whiles(op), count);
    if (niters) *niters = count;
    *out = op;
    return VT_OK;
}
