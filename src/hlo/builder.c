/* Builder API, core: module/function/block/op construction with the same invariants as the
 * parser (value ids, op counts, parent pointers, op->index, attributes sorted by name), types
 * and attributes. Errors are sticky so generators can check once. Op helpers: builder_ops.c. */
#include "veritor/hlo_builder.h"
#include "hlo/builder_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vt_status vt_bld_fail(vt_builder *b, vt_status code, const char *fmt, ...) {
    if (b->err.code != VT_OK) return b->err.code;
    char msg[VT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_error_set(&b->err, code, "builder: %s", msg);
}

void *vt_bld_alloc(vt_builder *b, size_t size) {
    if (b->err.code != VT_OK) return NULL;
    vt_error e;
    void *p = vt_module_alloc(b->m, size ? size : 1, &e);
    if (!p) vt_bld_fail(b, e.code, "%s", e.msg);
    return p;
}

char *vt_bld_strdup(vt_builder *b, const char *s) {
    if (b->err.code != VT_OK) return NULL;
    if (!s) return NULL;
    vt_error e;
    char *r = vt_module_strdup(b->m, s, strlen(s), &e);
    if (!r) vt_bld_fail(b, e.code, "%s", e.msg);
    return r;
}

/* Arrays owned by the arena grow by doubling: the capacity is implied by the count (8, then
 * powers of two), so the IR's plain (pointer, count) pairs need no extra field. */
static bool grow(vt_builder *b, void **arr, size_t n, size_t elem) {
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0)) return true;
    size_t cap = n < 8 ? 8 : n * 2;
    void *na = vt_bld_alloc(b, cap * elem);
    if (!na) return false;
    if (n) memcpy(na, *arr, n * elem);
    *arr = na;
    return true;
}

vt_builder *vt_builder_new(const char *module_name, vt_error *err) {
    vt_builder *b = calloc(1, sizeof *b);
    if (!b) {
        vt_error_set(err, VT_ENOMEM, "out of memory creating a builder");
        return NULL;
    }
    b->m = vt_module_create("<builder>", err);
    if (!b->m) {
        free(b);
        return NULL;
    }
    if (module_name) {
        b->m->name = vt_bld_strdup(b, module_name);
        if (!b->m->name) {
            if (err) *err = b->err;
            vt_builder_free(b);
            return NULL;
        }
    }
    return b;
}

void vt_builder_free(vt_builder *b) {
    if (!b) return;
    vt_module_free(b->m);
    free(b->stack);
    free(b);
}

vt_module *vt_builder_module(vt_builder *b) { return b->m; }

vt_status vt_builder_status(const vt_builder *b, vt_error *err) {
    if (b->err.code != VT_OK && err) *err = b->err;
    return b->err.code;
}

vt_status vt_builder_finish(vt_builder *b, vt_module **out, vt_error *err) {
    *out = NULL;
    if (b->err.code != VT_OK) return vt_builder_status(b, err);
    if (!b->m) return vt_error_set(err, VT_EINPUT, "builder: the module was already handed out");
    vt_status s = vt_module_verify(b->m, err);
    if (s != VT_OK) return s;
    *out = b->m;
    b->m = NULL;
    /* later calls on this builder must not touch the handed-out module */
    vt_error_set(&b->err, VT_EINPUT, "builder: the module was already handed out");
    return VT_OK;
}

/* ---- types ---- */
static vt_type *new_type(vt_builder *b, vt_type_kind k) {
    vt_type *t = vt_bld_alloc(b, sizeof *t);
    if (t) t->kind = k;
    return t;
}

static bool dtype_ok(vt_builder *b, vt_dtype dt) {
    if ((int)dt < 0 || dt >= VT_DTYPE_COUNT) {
        vt_bld_fail(b, VT_EINPUT, "invalid element type %d", (int)dt);
        return false;
    }
    return true;
}

const vt_type *vt_builder_tensor_type(vt_builder *b, vt_dtype dtype, int rank, const int64_t *dims) {
    if (b->err.code || !dtype_ok(b, dtype)) return NULL;
    if (rank < 0 || rank > VT_MAX_RANK) {
        vt_bld_fail(b, VT_EINPUT, "tensor rank %d outside [0, %d]", rank, VT_MAX_RANK);
        return NULL;
    }
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0 && dims[i] != VT_DYN) {
            vt_bld_fail(b, VT_EINPUT, "tensor dimension %d is negative (%lld)", i, (long long)dims[i]);
            return NULL;
        }
    vt_type *t = new_type(b, VT_TYPE_TENSOR);
    if (!t) return NULL;
    t->dtype = dtype;
    t->rank = rank;
    if (rank) {
        t->dims = vt_bld_alloc(b, (size_t)rank * sizeof *t->dims);
        if (!t->dims) return NULL;
        memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    }
    return t;
}

const vt_type *vt_builder_scalar_type(vt_builder *b, vt_dtype dtype) { return vt_builder_tensor_type(b, dtype, 0, NULL); }

const vt_type *vt_builder_element_type(vt_builder *b, vt_dtype dtype) {
    if (b->err.code || !dtype_ok(b, dtype)) return NULL;
    vt_type *t = new_type(b, VT_TYPE_ELEMENT);
    if (t) t->dtype = dtype;
    return t;
}

const vt_type *vt_builder_token_type(vt_builder *b) { return new_type(b, VT_TYPE_TOKEN); }

const vt_type *vt_builder_retype(vt_builder *b, const vt_type *t, vt_dtype dtype) {
    if (b->err.code) return NULL;
    if (!vt_type_is_tensor(t)) {
        vt_bld_fail(b, VT_EINPUT, "retype needs a tensor type");
        return NULL;
    }
    return vt_builder_tensor_type(b, dtype, t->rank, t->dims);
}

/* ---- attributes ---- */
static vt_attr *new_attr(vt_builder *b, vt_attr_kind k) {
    vt_attr *a = vt_bld_alloc(b, sizeof *a);
    if (a) a->kind = k;
    return a;
}

vt_attr *vt_builder_attr_unit(vt_builder *b) { return new_attr(b, VT_ATTR_UNIT); }

vt_attr *vt_builder_attr_bool(vt_builder *b, bool v) {
    vt_attr *a = new_attr(b, VT_ATTR_BOOL);
    if (a) a->b = v;
    return a;
}

vt_attr *vt_builder_attr_int(vt_builder *b, int64_t v, vt_dtype type) {
    vt_attr *a = new_attr(b, VT_ATTR_INT);
    if (!a) return NULL;
    a->i = v;
    if (type != VT_DTYPE_INVALID && !(a->type = vt_builder_element_type(b, type))) return NULL;
    return a;
}

vt_attr *vt_builder_attr_float(vt_builder *b, double v, vt_dtype type) {
    vt_attr *a = new_attr(b, VT_ATTR_FLOAT);
    if (!a) return NULL;
    a->f = v;
    if (type != VT_DTYPE_INVALID && !(a->type = vt_builder_element_type(b, type))) return NULL;
    return a;
}

vt_attr *vt_builder_attr_string(vt_builder *b, const char *s, size_t n) {
    vt_attr *a = new_attr(b, VT_ATTR_STRING);
    if (!a) return NULL;
    vt_error e;
    char *c = vt_module_strdup(b->m, s ? s : "", s ? n : 0, &e);
    if (!c) {
        vt_bld_fail(b, e.code, "%s", e.msg);
        return NULL;
    }
    a->str = c;
    a->len = s ? n : 0;
    return a;
}

vt_attr *vt_builder_attr_symbol(vt_builder *b, const char *name) {
    if (!name || !*name) {
        vt_bld_fail(b, VT_EINPUT, "empty symbol name");
        return NULL;
    }
    vt_attr *a = new_attr(b, VT_ATTR_SYMBOL);
    if (!a || !(a->str = vt_bld_strdup(b, name))) return NULL;
    a->len = strlen(name);
    return a;
}

vt_attr *vt_builder_attr_i64_array(vt_builder *b, const int64_t *v, size_t n) {
    vt_attr *a = new_attr(b, VT_ATTR_DENSE_ARRAY);
    if (!a || !(a->type = vt_builder_element_type(b, VT_I64))) return NULL;
    a->n = n;
    if (n) {
        if (!(a->i64s = vt_bld_alloc(b, n * sizeof *a->i64s))) return NULL;
        memcpy(a->i64s, v, n * sizeof *v);
    }
    return a;
}

vt_attr *vt_builder_attr_int_list(vt_builder *b, const int64_t *v, size_t n) {
    vt_attr *a = new_attr(b, VT_ATTR_ARRAY);
    if (!a) return NULL;
    a->n = n;
    if (n && !(a->elems = vt_bld_alloc(b, n * sizeof *a->elems))) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(a->elems[i] = vt_builder_attr_int(b, v[i], VT_DTYPE_INVALID))) return NULL;
    return a;
}

vt_attr *vt_builder_attr_array(vt_builder *b, vt_attr *const *elems, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!elems[i]) {
            vt_bld_fail(b, VT_EINPUT, "array attribute element %zu is NULL", i);
            return NULL;
        }
    vt_attr *a = new_attr(b, VT_ATTR_ARRAY);
    if (!a) return NULL;
    a->n = n;
    if (n) {
        if (!(a->elems = vt_bld_alloc(b, n * sizeof *a->elems))) return NULL;
        memcpy(a->elems, elems, n * sizeof *elems);
    }
    return a;
}

vt_attr *vt_builder_attr_dense(vt_builder *b, vt_tensor *t, const vt_type *type) {
    if (b->err.code) return NULL;
    if (!t || !vt_type_is_tensor(type) || !vt_type_is_static(type)) {
        vt_bld_fail(b, VT_EINPUT, "dense attribute needs a tensor and a static tensor type");
        return NULL;
    }
    if (t->dtype != type->dtype || type->quant) {
        vt_bld_fail(b, VT_EINPUT, "dense attribute: tensor of %s for a type of %s", vt_dtype_name(t->dtype),
                    vt_dtype_name(type->dtype));
        return NULL;
    }
    uint64_t nelem;
    vt_error e;
    if (vt_type_num_elements(type, &nelem, &e) != VT_OK) {
        vt_bld_fail(b, e.code, "dense attribute: %s", e.msg);
        return NULL;
    }
    bool splat = false;
    if (t->rank != type->rank || (type->rank && memcmp(t->dims, type->dims, (size_t)type->rank * sizeof *t->dims) != 0)) {
        if (t->nelem != 1) {
            vt_bld_fail(b, VT_EINPUT, "dense attribute: tensor shape differs from the type's");
            return NULL;
        }
        splat = nelem != 1;
    }
    /* the IR keeps a splat as one rank-0 element and full constants with the type's shape */
    vt_tensor *own;
    if (splat && t->rank != 0) {
        own = vt_tensor_create(t->dtype, 0, NULL, UINT64_MAX, &e);
        if (!own) {
            vt_bld_fail(b, e.code, "%s", e.msg);
            return NULL;
        }
        memcpy(own->data, t->data, own->nbytes);
    } else if (!splat && t->rank != type->rank) {
        own = vt_tensor_create(t->dtype, type->rank, type->dims, UINT64_MAX, &e);
        if (!own) {
            vt_bld_fail(b, e.code, "%s", e.msg);
            return NULL;
        }
        memcpy(own->data, t->data, own->nbytes);
    } else {
        own = vt_tensor_retain(t);
    }
    if (vt_module_adopt_tensor(b->m, own, &e) != VT_OK) {
        vt_bld_fail(b, e.code, "%s", e.msg);
        return NULL;
    }
    vt_attr *a = new_attr(b, VT_ATTR_DENSE);
    if (!a) return NULL;
    a->type = type;
    a->tensor = own;
    a->splat = splat;
    b->m->constant_bytes += own->nbytes;
    return a;
}

vt_attr *vt_builder_attr_enum(vt_builder *b, const char *dialect, const char *name, const char *value) {
    if (!dialect || !name || !value) {
        vt_bld_fail(b, VT_EINPUT, "enum attribute needs a dialect, a name and a value");
        return NULL;
    }
    vt_attr *a = new_attr(b, VT_ATTR_ENUM);
    if (!a || !(a->dialect = vt_bld_strdup(b, dialect)) || !(a->name = vt_bld_strdup(b, name)) ||
        !(a->str = vt_bld_strdup(b, value)))
        return NULL;
    a->len = strlen(value);
    return a;
}

int vt_named_attr_cmp(const void *a, const void *b);

static vt_named_attr *copy_fields(vt_builder *b, const vt_named_attr *fields, size_t n, bool sort, const char *what) {
    if (n == 0) return NULL;
    vt_named_attr *f = vt_bld_alloc(b, n * sizeof *f);
    if (!f) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!fields[i].name || !fields[i].value) {
            vt_bld_fail(b, VT_EINPUT, "%s: entry %zu has no name or no value", what, i);
            return NULL;
        }
        if (!(f[i].name = vt_bld_strdup(b, fields[i].name))) return NULL;
        f[i].value = fields[i].value;
    }
    if (sort) qsort(f, n, sizeof *f, vt_named_attr_cmp);
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(f[i].name, f[j].name) == 0) {
                vt_bld_fail(b, VT_EINPUT, "%s: duplicate entry '%s'", what, f[i].name);
                return NULL;
            }
    return f;
}

vt_attr *vt_builder_attr_dict(vt_builder *b, const vt_named_attr *fields, size_t n) {
    vt_attr *a = new_attr(b, VT_ATTR_DICT);
    if (!a) return NULL;
    a->nfields = n;
    if (n && !(a->fields = copy_fields(b, fields, n, false, "dictionary attribute"))) return NULL;
    return a;
}

vt_attr *vt_builder_attr_dialect(vt_builder *b, const char *dialect, const char *name, const vt_named_attr *fields,
                                 size_t n) {
    if (!dialect || !name) {
        vt_bld_fail(b, VT_EINPUT, "dialect attribute needs a dialect and a name");
        return NULL;
    }
    vt_attr *a = new_attr(b, VT_ATTR_DIALECT);
    if (!a || !(a->dialect = vt_bld_strdup(b, dialect)) || !(a->name = vt_bld_strdup(b, name))) return NULL;
    a->nfields = n;
    if (n && !(a->fields = copy_fields(b, fields, n, true, "dialect attribute"))) return NULL;
    return a;
}

/* ---- functions and blocks ---- */
static vt_block *new_block(vt_builder *b, vt_region *r, const vt_type *const *arg_types, size_t nargs, bool argnames) {
    vt_block *blk = vt_bld_alloc(b, sizeof *blk);
    if (!blk) return NULL;
    blk->parent = r;
    blk->nargs = nargs;
    if (nargs && !(blk->args = vt_bld_alloc(b, nargs * sizeof *blk->args))) return NULL;
    for (size_t i = 0; i < nargs; i++) {
        if (!arg_types || !arg_types[i]) {
            vt_bld_fail(b, VT_EINPUT, "block argument %zu has no type", i);
            return NULL;
        }
        vt_value *v = &blk->args[i];
        v->type = arg_types[i];
        v->block = blk;
        v->index = (uint32_t)i;
        v->id = vt_module_new_value_id(b->m);
        if (argnames) {
            char nm[32];
            snprintf(nm, sizeof nm, "arg%zu", i);
            if (!(v->name = vt_bld_strdup(b, nm))) return NULL;
        }
    }
    if (!grow(b, (void **)&r->blocks, r->nblocks, sizeof *r->blocks)) return NULL;
    r->blocks[r->nblocks++] = blk;
    return blk;
}

vt_func *vt_builder_func(vt_builder *b, const char *name, const char *visibility, const vt_type *const *arg_types,
                         size_t nargs, const vt_type *const *result_types, size_t nresults) {
    if (b->err.code) return NULL;
    if (!name || !*name) {
        vt_bld_fail(b, VT_EINPUT, "a function needs a name");
        return NULL;
    }
    if (vt_module_find_func(b->m, name)) {
        vt_bld_fail(b, VT_EINPUT, "function @%s defined twice", name);
        return NULL;
    }
    for (size_t i = 0; i < nresults; i++)
        if (!result_types || !result_types[i]) {
            vt_bld_fail(b, VT_EINPUT, "@%s: result %zu has no type", name, i);
            return NULL;
        }
    vt_func *f = vt_bld_alloc(b, sizeof *f);
    if (!f || !(f->name = vt_bld_strdup(b, name))) return NULL;
    if (visibility && !(f->visibility = vt_bld_strdup(b, visibility))) return NULL;
    f->module = b->m;
    f->nargs = nargs;
    f->nresults = nresults;
    if (nargs && (!(f->arg_types = vt_bld_alloc(b, nargs * sizeof *f->arg_types)) ||
                  !(f->arg_attrs = vt_bld_alloc(b, nargs * sizeof *f->arg_attrs))))
        return NULL;
    if (nresults && (!(f->result_types = vt_bld_alloc(b, nresults * sizeof *f->result_types)) ||
                     !(f->result_attrs = vt_bld_alloc(b, nresults * sizeof *f->result_attrs))))
        return NULL;
    if (nresults) memcpy(f->result_types, result_types, nresults * sizeof *result_types);
    f->body = vt_bld_alloc(b, sizeof *f->body);
    if (!f->body) return NULL;
    f->body->parent_func = f;
    vt_block *blk = new_block(b, f->body, arg_types, nargs, true);
    if (!blk) return NULL;
    if (nargs) memcpy(f->arg_types, arg_types, nargs * sizeof *arg_types);
    if (!grow(b, (void **)&b->m->funcs, b->m->nfuncs, sizeof *b->m->funcs)) return NULL;
    b->m->funcs[b->m->nfuncs++] = f;
    b->cur = blk;
    b->nstack = 0;
    return f;
}

vt_value *vt_builder_func_arg(vt_builder *b, vt_func *f, size_t i) {
    if (b->err.code) return NULL;
    if (!f || !f->body || i >= f->nargs) {
        vt_bld_fail(b, VT_EINPUT, "function argument %zu does not exist", i);
        return NULL;
    }
    return &f->body->blocks[0]->args[i];
}

static vt_status add_dict_entry(vt_builder *b, vt_attr **slot, const char *name, vt_attr *value) {
    if (!value || !name) return vt_bld_fail(b, VT_EINPUT, "attribute '%s' has no value", name ? name : "?");
    vt_attr *old = *slot;
    size_t n = old ? old->nfields : 0;
    vt_named_attr *f = vt_bld_alloc(b, (n + 1) * sizeof *f);
    if (!f) return b->err.code;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(old->fields[i].name, name) == 0) return vt_bld_fail(b, VT_EINPUT, "duplicate attribute '%s'", name);
        f[i] = old->fields[i];
    }
    if (!(f[n].name = vt_bld_strdup(b, name))) return b->err.code;
    f[n].value = value;
    vt_attr *d = new_attr(b, VT_ATTR_DICT);
    if (!d) return b->err.code;
    d->fields = f;
    d->nfields = n + 1;
    *slot = d;
    return VT_OK;
}

vt_status vt_builder_func_arg_attr(vt_builder *b, vt_func *f, size_t i, const char *name, vt_attr *value) {
    if (b->err.code) return b->err.code;
    if (!f || i >= f->nargs) return vt_bld_fail(b, VT_EINPUT, "function argument %zu does not exist", i);
    return add_dict_entry(b, &f->arg_attrs[i], name, value);
}

vt_status vt_builder_func_result_attr(vt_builder *b, vt_func *f, size_t i, const char *name, vt_attr *value) {
    if (b->err.code) return b->err.code;
    if (!f || i >= f->nresults) return vt_bld_fail(b, VT_EINPUT, "function result %zu does not exist", i);
    return add_dict_entry(b, &f->result_attrs[i], name, value);
}

vt_block *vt_builder_block(const vt_builder *b) { return b->cur; }
void vt_builder_set_block(vt_builder *b, vt_block *blk) { b->cur = blk; }

void vt_builder_push_block(vt_builder *b, vt_block *blk) {
    if (b->err.code) return;
    if (b->nstack == b->capstack) {
        size_t nc = b->capstack ? b->capstack * 2 : 8;
        vt_block **ns = realloc(b->stack, nc * sizeof *ns);
        if (!ns) {
            vt_bld_fail(b, VT_ENOMEM, "out of memory");
            return;
        }
        b->stack = ns;
        b->capstack = nc;
    }
    b->stack[b->nstack++] = b->cur;
    b->cur = blk;
}

void vt_builder_pop_block(vt_builder *b) {
    if (b->err.code) return;
    if (b->nstack == 0) {
        vt_bld_fail(b, VT_EINPUT, "pop_block without a matching push_block");
        return;
    }
    b->cur = b->stack[--b->nstack];
}

vt_block *vt_builder_add_block(vt_builder *b, vt_op *op, size_t region, const vt_type *const *arg_types, size_t nargs) {
    if (b->err.code) return NULL;
    if (!op || region >= op->nregions) {
        vt_bld_fail(b, VT_EINPUT, "%s has no region %zu", op ? vt_op_name(op) : "(null op)", region);
        return NULL;
    }
    return new_block(b, op->regions[region], arg_types, nargs, false);
}

vt_value *vt_builder_block_arg(vt_builder *b, vt_block *blk, size_t i) {
    if (b->err.code) return NULL;
    if (!blk || i >= blk->nargs) {
        vt_bld_fail(b, VT_EINPUT, "block argument %zu does not exist", i);
        return NULL;
    }
    return &blk->args[i];
}

/* ---- ops ---- */
/* A value may be used where it is visible: defined in the insertion block or in a block that
 * encloses it (SSA dominance for the single-block regions StableHLO uses). */
static bool visible(const vt_block *cur, const vt_value *v) {
    const vt_block *home = v->def ? v->def->parent : v->block;
    for (const vt_block *blk = cur; blk;) {
        if (blk == home) return true;
        const vt_region *r = blk->parent;
        if (!r || !r->parent_op) return false;
        blk = r->parent_op->parent;
    }
    return false;
}

vt_op *vt_build_op(vt_builder *b, const char *name, vt_value *const *operands, size_t noperands,
                   const vt_type *const *result_types, size_t nresults, const vt_named_attr *attrs, size_t nattrs,
                   size_t nregions) {
    if (b->err.code) return NULL;
    if (!name || !strchr(name, '.')) {
        vt_bld_fail(b, VT_EINPUT, "op name '%s' is not of the form dialect.op", name ? name : "(null)");
        return NULL;
    }
    vt_block *blk = b->cur;
    if (!blk) {
        vt_bld_fail(b, VT_EINPUT, "%s: no insertion block (create a function first)", name);
        return NULL;
    }
    if (blk->nops && (vt_op_get_info(blk->ops[blk->nops - 1])->flags & VT_OPF_TERMINATOR)) {
        vt_bld_fail(b, VT_EINPUT, "%s: the block already ends with a return", name);
        return NULL;
    }
    vt_opcode code = vt_opcode_from_name(name, strlen(name));
    const vt_op_info *info = vt_op_info_get(code);
    if (code != VT_OP_UNKNOWN) {
        if (info->num_operands >= 0 && (size_t)info->num_operands != noperands) {
            vt_bld_fail(b, VT_EINPUT, "%s takes %d operands, not %zu", info->name, info->num_operands, noperands);
            return NULL;
        }
        if (info->num_results >= 0 && (size_t)info->num_results != nresults) {
            vt_bld_fail(b, VT_EINPUT, "%s has %d results, not %zu", info->name, info->num_results, nresults);
            return NULL;
        }
        if (info->num_regions >= 0 && (size_t)info->num_regions != nregions) {
            vt_bld_fail(b, VT_EINPUT, "%s has %d regions, not %zu", info->name, info->num_regions, nregions);
            return NULL;
        }
    }
    for (size_t i = 0; i < noperands; i++) {
        if (!operands || !operands[i]) {
            vt_bld_fail(b, VT_EINPUT, "%s: operand %zu is NULL", name, i);
            return NULL;
        }
        if (!visible(blk, operands[i])) {
            vt_bld_fail(b, VT_EINPUT, "%s: operand %zu is a value from another function or region", name, i);
            return NULL;
        }
    }
    for (size_t i = 0; i < nresults; i++)
        if (!result_types || !result_types[i]) {
            vt_bld_fail(b, VT_EINPUT, "%s: result %zu has no type", name, i);
            return NULL;
        }
    vt_op *op = vt_bld_alloc(b, sizeof *op);
    if (!op) return NULL;
    op->code = code;
    op->name = code ? info->name : vt_bld_strdup(b, name);
    if (!op->name) return NULL;
    op->parent = blk;
    op->noperands = noperands;
    if (noperands) {
        if (!(op->operands = vt_bld_alloc(b, noperands * sizeof *op->operands))) return NULL;
        memcpy(op->operands, operands, noperands * sizeof *operands);
    }
    op->nattrs = nattrs;
    if (nattrs && !(op->attrs = copy_fields(b, attrs, nattrs, true, name))) return NULL;
    op->nregions = nregions;
    if (nregions) {
        if (!(op->regions = vt_bld_alloc(b, nregions * sizeof *op->regions))) return NULL;
        for (size_t i = 0; i < nregions; i++) {
            if (!(op->regions[i] = vt_bld_alloc(b, sizeof(vt_region)))) return NULL;
            op->regions[i]->parent_op = op;
        }
    }
    op->nresults = nresults;
    if (nresults) {
        if (!(op->results = vt_bld_alloc(b, nresults * sizeof *op->results))) return NULL;
        for (size_t i = 0; i < nresults; i++) {
            vt_value *v = &op->results[i];
            v->type = result_types[i];
            v->def = op;
            v->index = (uint32_t)i;
            v->id = vt_module_new_value_id(b->m);
        }
    }
    if (!grow(b, (void **)&blk->ops, blk->nops, sizeof *blk->ops)) return NULL;
    op->index = blk->nops;
    blk->ops[blk->nops++] = op;
    b->m->num_ops++;
    return op;
}

vt_value *vt_builder_result(vt_builder *b, vt_op *op, size_t i) {
    if (b->err.code) return NULL;
    if (!op || i >= op->nresults) {
        vt_bld_fail(b, VT_EINPUT, "%s has no result %zu", op ? vt_op_name(op) : "(null op)", i);
        return NULL;
    }
    return &op->results[i];
}
