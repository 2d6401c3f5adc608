/* Private helpers of the transform layer: pointer map, string set, builder error capture and
 * the reachability of functions through symbol references (shared by inline and dce). */
#include "transform/xf_util.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_ptr(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

void vt_xf_ptrmap_clear(vt_xf_ptrmap *pm) {
    free(pm->keys);
    free(pm->vals);
    memset(pm, 0, sizeof *pm);
}

void *vt_xf_ptrmap_get(const vt_xf_ptrmap *pm, const void *key) {
    if (!pm->cap || !key) return NULL;
    for (size_t i = hash_ptr(key) & (pm->cap - 1);; i = (i + 1) & (pm->cap - 1)) {
        if (pm->keys[i] == key) return pm->vals[i];
        if (!pm->keys[i]) return NULL;
    }
}

static bool ptr_insert(const void **keys, void **vals, size_t cap, const void *key, void *val) {
    for (size_t i = hash_ptr(key) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (keys[i] == key || !keys[i]) {
            bool fresh = !keys[i];
            keys[i] = key;
            vals[i] = val;
            return fresh;
        }
    }
}

bool vt_xf_ptrmap_put(vt_xf_ptrmap *pm, const void *key, void *val) {
    if (!key) return true;
    if ((pm->n + 1) * 2 > pm->cap) {
        size_t nc = pm->cap ? pm->cap * 2 : 64;
        const void **nk = calloc(nc, sizeof *nk);
        void **nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return false;
        }
        for (size_t i = 0; i < pm->cap; i++)
            if (pm->keys[i]) ptr_insert(nk, nv, nc, pm->keys[i], pm->vals[i]);
        free(pm->keys);
        free(pm->vals);
        pm->keys = nk;
        pm->vals = nv;
        pm->cap = nc;
    }
    if (ptr_insert(pm->keys, pm->vals, pm->cap, key, val)) pm->n++;
    return true;
}

static size_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

void vt_xf_strset_clear(vt_xf_strset *s) {
    for (size_t i = 0; i < s->cap; i++) free(s->keys[i]);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

bool vt_xf_strset_has(const vt_xf_strset *s, const char *key) {
    if (!s->cap) return false;
    for (size_t i = hash_str(key) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->keys[i]) return false;
        if (strcmp(s->keys[i], key) == 0) return true;
    }
}

bool vt_xf_strset_add(vt_xf_strset *s, const char *key) {
    if (vt_xf_strset_has(s, key)) return true;
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        char **nk = calloc(nc, sizeof *nk);
        if (!nk) return false;
        for (size_t i = 0; i < s->cap; i++)
            if (s->keys[i]) {
                size_t j = hash_str(s->keys[i]) & (nc - 1);
                while (nk[j]) j = (j + 1) & (nc - 1);
                nk[j] = s->keys[i];
            }
        free(s->keys);
        s->keys = nk;
        s->cap = nc;
    }
    char *c = strdup(key);
    if (!c) return false;
    size_t j = hash_str(key) & (s->cap - 1);
    while (s->keys[j]) j = (j + 1) & (s->cap - 1);
    s->keys[j] = c;
    s->n++;
    return true;
}

vt_status vt_xf_builder_error(const vt_builder *b, vt_error *err) {
    vt_status s = vt_builder_status(b, err);
    if (s == VT_OK) return vt_error_set(err, VT_EINTERNAL, "transform: the builder failed without an error (a bug)");
    return s;
}

vt_status vt_xf_name_result(vt_builder *b, const vt_module *src, const char *what, vt_error *err) {
    vt_module *m = vt_builder_module(b);
    if (!m) return vt_xf_builder_error(b, err);
    vt_buf t;
    vt_buf_init(&t);
    vt_buf_printf(&t, "%s (%s)", src->filename ? src->filename : "<input>", what);
    const char *n = t.failed ? NULL : vt_module_strdup(m, t.data, t.len, err);
    vt_buf_free(&t);
    if (!n) return vt_error_set(err, VT_ENOMEM, "out of memory");
    m->filename = n;
    return VT_OK;
}

long vt_xf_func_index(const vt_module *m, const char *name) {
    for (size_t i = 0; i < m->nfuncs; i++)
        if (strcmp(m->funcs[i]->name, name) == 0) return (long)i;
    return -1;
}

/* Marks functions named by SYMBOL attributes (nested in arrays and dictionaries too). */
static void mark_symbols(const vt_module *m, const vt_attr *a, long *stack, size_t *sp, bool *live, int depth) {
    if (!a || depth > 64) return;
    if (a->kind == VT_ATTR_SYMBOL && a->str) {
        long k = vt_xf_func_index(m, a->str);
        if (k >= 0 && !live[k]) {
            live[k] = true;
            stack[(*sp)++] = k;
        }
        return;
    }
    if (a->kind == VT_ATTR_ARRAY)
        for (size_t i = 0; i < a->n; i++) mark_symbols(m, a->elems[i], stack, sp, live, depth + 1);
    if (a->kind == VT_ATTR_DICT || a->kind == VT_ATTR_DIALECT)
        for (size_t i = 0; i < a->nfields; i++) mark_symbols(m, a->fields[i].value, stack, sp, live, depth + 1);
}

void vt_xf_refs_push(const vt_module *m, const vt_op *op, bool *live, long *stack, size_t *sp) {
    /* custom_call's call_target_name is a STRING naming an external target, which only counts
     * when a function of that name exists (then it is conservatively kept) */
    const char *callee = vt_op_callee(op);
    if (callee) {
        long k = vt_xf_func_index(m, callee);
        if (k >= 0 && !live[k]) {
            live[k] = true;
            stack[(*sp)++] = k;
        }
    }
    for (size_t i = 0; i < op->nattrs; i++) mark_symbols(m, op->attrs[i].value, stack, sp, live, 0);
}

typedef struct reach_ctx {
    const vt_module *m;
    long *stack;
    size_t *sp;
    bool *live;
} reach_ctx;

static vt_status reach_op(vt_op *op, void *user, vt_error *err) {
    (void)err;
    reach_ctx *c = user;
    vt_xf_refs_push(c->m, op, c->live, c->stack, c->sp);
    return VT_OK;
}

vt_status vt_xf_reachable_funcs(const vt_module *m, const char *entry, bool *live, vt_error *err) {
    long *stack = malloc((m->nfuncs + 1) * sizeof *stack);
    if (!stack) return vt_error_set(err, VT_ENOMEM, "out of memory");
    size_t sp = 0;
    memset(live, 0, m->nfuncs * sizeof *live);
    if (entry) {
        long k = vt_xf_func_index(m, entry);
        if (k < 0) {
            free(stack);
            return vt_error_set(err, VT_EINPUT, "%s: no function @%s (the entry)", m->filename, entry);
        }
        live[k] = true;
        stack[sp++] = k;
    } else {
        for (size_t i = 0; i < m->nfuncs; i++) {
            const char *v = m->funcs[i]->visibility;
            if (!v || strcmp(v, "public") == 0) {
                live[i] = true;
                stack[sp++] = (long)i;
            }
        }
    }
    /* symbols named by the top-level ops (and the module's attributes) keep functions too */
    for (size_t i = 0; i < m->ntop_ops; i++) {
        reach_ctx c = {m, stack, &sp, live};
        reach_op(m->top_ops[i], &c, NULL);
    }
    while (sp) {
        const vt_func *f = m->funcs[stack[--sp]];
        reach_ctx c = {m, stack, &sp, live};
        if (f->body) vt_region_walk(f->body, reach_op, &c, NULL);
    }
    free(stack);
    return VT_OK;
}
