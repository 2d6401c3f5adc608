/* The IR's shared machinery: the op table from hlo_ops.def, module lifetime (arena + adopted
 * tensors), attribute accessors, type helpers and the op walker. */
#include "veritor/hlo.h"
#include "hlo/parse.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vt_op_info op_table[VT_OP_COUNT] = {
    [VT_OP_UNKNOWN] = {"", -1, -1, -1, 0, VT_PK_GENERIC},
#define VT_OP(id, nm, nops, nres, nreg, fl, pk) [VT_OP_##id] = {nm, nops, nres, nreg, fl, pk},
#include "veritor/hlo_ops.def"
#undef VT_OP
};

const vt_op_info *vt_op_info_get(vt_opcode code) {
    if ((unsigned)code >= VT_OP_COUNT) code = VT_OP_UNKNOWN;
    return &op_table[code];
}

/* Name -> opcode through an open-addressing table built once (the parser and the builder look up
 * every op they make; a scan of ~160 names cost more than the rest of building an op). */
#define OPCODE_SLOTS 1024
static uint16_t opcode_slots[OPCODE_SLOTS];
static pthread_once_t opcode_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void opcode_table_init(void) {
    for (int i = 1; i < VT_OP_COUNT; i++) {
        const char *s = op_table[i].name;
        uint32_t j = name_hash(s, strlen(s)) & (OPCODE_SLOTS - 1);
        while (opcode_slots[j]) j = (j + 1) & (OPCODE_SLOTS - 1);
        opcode_slots[j] = (uint16_t)i;
    }
}

vt_opcode vt_opcode_from_name(const char *name, size_t n) {
    if (n == 6 && memcmp(name, "return", 6) == 0) return VT_OP_FUNC_RETURN;
    if (n == 4 && memcmp(name, "call", 4) == 0) return VT_OP_FUNC_CALL;
    if (n == 0) return VT_OP_UNKNOWN;
    pthread_once(&opcode_once, opcode_table_init);
    for (uint32_t j = name_hash(name, n) & (OPCODE_SLOTS - 1); opcode_slots[j]; j = (j + 1) & (OPCODE_SLOTS - 1)) {
        const char *s = op_table[opcode_slots[j]].name;
        if (strncmp(s, name, n) == 0 && s[n] == 0) return (vt_opcode)opcode_slots[j];
    }
    return VT_OP_UNKNOWN;
}

_Static_assert(VT_OP_COUNT < OPCODE_SLOTS / 2, "opcode table too full");

const char *vt_op_name(const vt_op *op) { return op->name ? op->name : op_table[op->code].name; }
const vt_op_info *vt_op_get_info(const vt_op *op) { return vt_op_info_get(op->code); }

/* ---- module lifetime ---- */
typedef struct module_internal {
    vt_tensor **tensors;
    size_t n, cap;
} module_internal;

vt_module *vt_module_create(const char *filename, vt_error *err) {
    vt_module *m = calloc(1, sizeof *m);
    module_internal *in = calloc(1, sizeof *in);
    if (!m || !in) {
        free(m);
        free(in);
        vt_error_set(err, VT_ENOMEM, "out of memory creating a module");
        return NULL;
    }
    vt_arena_init(&m->arena, 0);
    m->arena.block_size = (size_t)256 << 10;
    m->internal = in;
    m->filename = vt_arena_strndup(&m->arena, filename ? filename : "<input>", strlen(filename ? filename : "<input>"), err);
    if (!m->filename) {
        vt_module_free(m);
        return NULL;
    }
    return m;
}

void vt_module_free(vt_module *m) {
    if (!m) return;
    module_internal *in = m->internal;
    if (in) {
        for (size_t i = 0; i < in->n; i++) vt_tensor_release(in->tensors[i]);
        free(in->tensors);
        free(in);
    }
    vt_arena_release(&m->arena);
    free(m);
}

void *vt_module_alloc(vt_module *m, size_t size, vt_error *err) { return vt_arena_alloc(&m->arena, size, 16, err); }

char *vt_module_strdup(vt_module *m, const char *s, size_t n, vt_error *err) { return vt_arena_strndup(&m->arena, s, n, err); }

vt_status vt_module_adopt_tensor(vt_module *m, vt_tensor *t, vt_error *err) {
    module_internal *in = m->internal;
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 16;
        vt_tensor **nt = realloc(in->tensors, nc * sizeof *nt);
        if (!nt) {
            vt_tensor_release(t);
            return vt_error_set(err, VT_ENOMEM, "out of memory");
        }
        in->tensors = nt;
        in->cap = nc;
    }
    in->tensors[in->n++] = t;
    return VT_OK;
}

uint32_t vt_module_new_value_id(vt_module *m) { return m->num_values++; }

vt_func *vt_module_find_func(const vt_module *m, const char *name) {
    for (size_t i = 0; i < m->nfuncs; i++)
        if (strcmp(m->funcs[i]->name, name) == 0) return m->funcs[i];
    return NULL;
}

int vt_named_attr_cmp(const void *a, const void *b) {
    return strcmp(((const vt_named_attr *)a)->name, ((const vt_named_attr *)b)->name);
}

vt_attr *vt_op_attr(const vt_op *op, const char *name) {
    for (size_t i = 0; i < op->nattrs; i++)
        if (strcmp(op->attrs[i].name, name) == 0) return op->attrs[i].value;
    return NULL;
}

const char *vt_op_callee(const vt_op *op) {
    vt_attr *a = NULL;
    if (op->code == VT_OP_FUNC_CALL) a = vt_op_attr(op, "callee");
    else if (op->code == VT_OP_CUSTOM_CALL) a = vt_op_attr(op, "call_target_name");
    else if (op->code == VT_OP_COMPOSITE) a = vt_op_attr(op, "decomposition");
    return a ? vt_attr_as_string(a) : NULL;
}

/* ---- attributes ---- */
vt_attr *vt_attr_dict_get(const vt_attr *a, const char *field) {
    if (!a || (a->kind != VT_ATTR_DICT && a->kind != VT_ATTR_DIALECT)) return NULL;
    for (size_t i = 0; i < a->nfields; i++)
        if (strcmp(a->fields[i].name, field) == 0) return a->fields[i].value;
    return NULL;
}

bool vt_attr_as_i64(const vt_attr *a, int64_t *out) {
    if (!a) return false;
    if (a->kind == VT_ATTR_INT) return *out = a->i, true;
    if (a->kind == VT_ATTR_BOOL) return *out = a->b, true;
    if (a->kind == VT_ATTR_DENSE && a->tensor && a->tensor->nelem == 1 &&
        (vt_dtype_is_int(a->tensor->dtype) || a->tensor->dtype == VT_I1)) {
        *out = vt_load_i64(a->tensor->dtype, a->tensor->data);
        return true;
    }
    return false;
}

bool vt_attr_as_f64(const vt_attr *a, double *out) {
    if (!a) return false;
    if (a->kind == VT_ATTR_FLOAT) return *out = a->f, true;
    if (a->kind == VT_ATTR_INT) return *out = (double)a->i, true;
    return false;
}

bool vt_attr_as_i64_array(const vt_attr *a, int64_t *out, size_t cap, size_t *n) {
    *n = 0;
    if (!a) return false;
    if (a->kind == VT_ATTR_DENSE_ARRAY && a->i64s) {
        *n = a->n;
        if (a->n > cap) return false;
        if (a->n) memcpy(out, a->i64s, a->n * sizeof *out);
        return true;
    }
    if (a->kind == VT_ATTR_DENSE_ARRAY) {
        *n = a->n;
        return a->n == 0;
    }
    if (a->kind == VT_ATTR_ARRAY) {
        *n = a->n;
        for (size_t i = 0; i < a->n; i++)
            if (!a->elems[i] || a->elems[i]->kind != VT_ATTR_INT) return false;
        if (a->n > cap) return false;
        for (size_t i = 0; i < a->n; i++) out[i] = a->elems[i]->i;
        return true;
    }
    if (a->kind == VT_ATTR_DENSE && a->tensor && a->type && a->type->rank <= 1 &&
        vt_dtype_is_int(a->tensor->dtype)) {
        uint64_t cnt;
        if (vt_type_num_elements(a->type, &cnt, NULL) != VT_OK) return false;
        *n = (size_t)cnt;
        if (cnt > cap) return false;
        size_t es = vt_dtype_size(a->tensor->dtype);
        for (size_t i = 0; i < cnt; i++)
            out[i] = vt_load_i64(a->tensor->dtype, (const char *)a->tensor->data + (a->splat ? 0 : i * es));
        return true;
    }
    return false;
}

const char *vt_attr_as_string(const vt_attr *a) {
    if (!a) return NULL;
    if (a->kind == VT_ATTR_STRING || a->kind == VT_ATTR_SYMBOL || a->kind == VT_ATTR_ENUM) return a->str;
    return NULL;
}

vt_status vt_attr_dense_materialize(const vt_attr *a, uint64_t max_bytes, vt_tensor **out, vt_error *err) {
    *out = NULL;
    if (!a || (a->kind != VT_ATTR_DENSE && a->kind != VT_ATTR_DENSE_RESOURCE))
        return vt_error_set(err, VT_EINPUT, "attribute is not a dense constant");
    if (!a->tensor) {
        if (a->kind == VT_ATTR_DENSE_RESOURCE)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: dense_resource<%s> has no data (elided or missing blob)", a->str ? a->str : "");
        return vt_error_set(err, VT_EINPUT, "dense constant without data");
    }
    if (!a->splat) {
        *out = vt_tensor_retain(a->tensor);
        return VT_OK;
    }
    const vt_type *t = a->type;
    if (!t || t->kind != VT_TYPE_TENSOR || !vt_type_is_static(t))
        return vt_error_set(err, VT_EINPUT, "splat constant needs a static tensor type");
    vt_tensor *r = vt_tensor_create_uninit(a->tensor->dtype, t->rank, t->dims, max_bytes, err);
    if (!r) return err ? err->code : VT_ENOMEM;
    size_t es = a->tensor->nbytes;
    char *d = r->data;
    for (size_t i = 0; i < r->nelem; i++) memcpy(d + i * es, a->tensor->data, es);
    *out = r;
    return VT_OK;
}

/* ---- types ---- */
bool vt_type_is_tensor(const vt_type *t) { return t && t->kind == VT_TYPE_TENSOR; }

bool vt_type_is_static(const vt_type *t) {
    if (!vt_type_is_tensor(t)) return false;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] == VT_DYN) return false;
    return true;
}

vt_status vt_type_num_elements(const vt_type *t, uint64_t *out, vt_error *err) {
    *out = 0;
    if (!vt_type_is_tensor(t)) return vt_error_set(err, VT_EINPUT, "not a tensor type");
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] == VT_DYN) return vt_error_set(err, VT_EINPUT, "tensor type has a dynamic dimension");
        if (t->dims[i] < 0) return vt_error_set(err, VT_EINPUT, "negative dimension");
        if (!vt_mul_u64(n, (uint64_t)t->dims[i], &n))
            return vt_error_set(err, VT_ELIMIT, "element count of the tensor type overflows 64 bits");
    }
    *out = n;
    return VT_OK;
}

static bool quant_equal(const vt_quant *a, const vt_quant *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->storage != b->storage || a->expressed != b->expressed || a->axis != b->axis || a->nscales != b->nscales ||
        a->storage_min != b->storage_min || a->storage_max != b->storage_max)
        return false;
    for (size_t i = 0; i < a->nscales; i++)
        if (a->scales[i] != b->scales[i] || a->zero_points[i] != b->zero_points[i]) return false;
    return true;
}

bool vt_type_equal(const vt_type *a, const vt_type *b) {
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind) return false;
    switch (a->kind) {
    case VT_TYPE_TENSOR:
        if (a->rank != b->rank) return false;
        for (int i = 0; i < a->rank; i++)
            if (a->dims[i] != b->dims[i]) return false;
        if ((a->bounds == NULL) != (b->bounds == NULL)) return false;
        if (a->bounds)
            for (int i = 0; i < a->rank; i++)
                if (a->bounds[i] != b->bounds[i]) return false;
        /* fallthrough */
    case VT_TYPE_ELEMENT: return a->dtype == b->dtype && quant_equal(a->quant, b->quant);
    case VT_TYPE_TOKEN: return true;
    case VT_TYPE_FUNCTION:
        if (a->nresults != b->nresults) return false;
        for (size_t i = 0; i < a->nresults; i++)
            if (!vt_type_equal(a->results[i], b->results[i])) return false;
        /* fallthrough */
    case VT_TYPE_TUPLE:
        if (a->nelems != b->nelems) return false;
        for (size_t i = 0; i < a->nelems; i++)
            if (!vt_type_equal(a->elems[i], b->elems[i])) return false;
        return true;
    case VT_TYPE_OPAQUE: return a->text && b->text && strcmp(a->text, b->text) == 0;
    }
    return false;
}

char *vt_type_str(const vt_type *t, char *out, size_t n) {
    if (!out || n == 0) return out;
    vt_buf b;
    vt_buf_init(&b);
    vt_type_print(&b, t);
    const char *s = vt_buf_cstr(&b);
    size_t len = strlen(s);
    if (len < n) memcpy(out, s, len + 1);
    else {
        memcpy(out, s, n - 1);
        out[n - 1] = 0;
        if (n > 4) memcpy(out + n - 4, "...", 4);
    }
    vt_buf_free(&b);
    return out;
}

/* ---- walker ---- */
vt_status vt_region_walk(vt_region *r, vt_op_visit_fn fn, void *user, vt_error *err) {
    if (!r) return VT_OK;
    for (size_t b = 0; b < r->nblocks; b++) {
        vt_block *blk = r->blocks[b];
        for (size_t i = 0; i < blk->nops; i++) {
            vt_op *op = blk->ops[i];
            vt_status s = fn(op, user, err);
            if (s != VT_OK) return s;
            for (size_t k = 0; k < op->nregions; k++) {
                s = vt_region_walk(op->regions[k], fn, user, err);
                if (s != VT_OK) return s;
            }
        }
    }
    return VT_OK;
}

vt_status vt_module_walk(vt_module *m, vt_op_visit_fn fn, void *user, vt_error *err) {
    for (size_t i = 0; i < m->ntop_ops; i++) {
        vt_status s = fn(m->top_ops[i], user, err);
        if (s != VT_OK) return s;
    }
    for (size_t i = 0; i < m->nfuncs; i++) {
        vt_status s = vt_region_walk(m->funcs[i]->body, fn, user, err);
        if (s != VT_OK) return s;
    }
    return VT_OK;
}
