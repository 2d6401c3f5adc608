/* vt_tensor_set: an ordered list of uniquely named tensors plus string metadata, the in-memory
 * form of a safetensors file. Lookups are linear: sets are small (checkpoints have thousands of
 * tensors at most) and order must be kept. */
#include "tensor/tensor_io.h"

#include <stdlib.h>
#include <string.h>

vt_tensor_set *vt_tensor_set_new(void) { return calloc(1, sizeof(vt_tensor_set)); }

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Grows an array of elem-sized items to hold count + 1. */
static bool grow(void **arr, size_t count, size_t elem) {
    /* Capacity is the next power of two at or above count + 1; growing only at powers of two
     * keeps appends amortised O(1) without storing a capacity field in the public struct. */
    size_t need = count + 1;
    if (count && (count & (count - 1)) != 0) return true; /* not at a power of two: room left */
    size_t cap = count ? count * 2 : 1;
    if (cap < need) cap = need;
    size_t bytes;
    if (!vt_mul_size(cap, elem, &bytes)) return false;
    void *p = realloc(*arr, bytes);
    if (!p) return false;
    *arr = p;
    return true;
}

vt_tensor *vt_tensor_set_get(const vt_tensor_set *s, const char *name) {
    if (!s || !name) return NULL;
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0) return s->items[i].tensor;
    return NULL;
}

vt_status vt_tensor_set_add(vt_tensor_set *s, const char *name, vt_tensor *t, vt_error *err) {
    if (!s || !t) return vt_error_set(err, VT_EUSAGE, "tensor set: no set or no tensor given");
    if (!name || !*name) return vt_error_set(err, VT_EINPUT, "tensor set: empty tensor name");
    if (vt_tensor_set_get(s, name)) return vt_error_set(err, VT_EINPUT, "tensor set: duplicate tensor name '%s'", name);
    return vt_tensor_set_append_unique(s, name, t, err);
}

vt_status vt_tensor_set_append_unique(vt_tensor_set *s, const char *name, vt_tensor *t, vt_error *err) {
    if (!grow((void **)&s->items, s->count, sizeof *s->items))
        return vt_error_set(err, VT_ENOMEM, "tensor set: out of memory adding '%s'", name);
    char *copy = dup_str(name);
    if (!copy) return vt_error_set(err, VT_ENOMEM, "tensor set: out of memory adding '%s'", name);
    s->items[s->count].name = copy;
    s->items[s->count].tensor = vt_tensor_retain(t);
    s->count++;
    return VT_OK;
}

vt_status vt_tensor_set_add_meta(vt_tensor_set *s, const char *key, const char *value, vt_error *err) {
    if (!s || !key || !value) return vt_error_set(err, VT_EUSAGE, "tensor set: no set, key or value given");
    for (size_t i = 0; i < s->meta_count; i++)
        if (strcmp(s->meta_keys[i], key) == 0)
            return vt_error_set(err, VT_EINPUT, "tensor set: duplicate metadata key '%s'", key);
    return vt_tensor_set_append_meta_unique(s, key, value, err);
}

vt_status vt_tensor_set_append_meta_unique(vt_tensor_set *s, const char *key, const char *value, vt_error *err) {
    if (!grow((void **)&s->meta_keys, s->meta_count, sizeof *s->meta_keys) ||
        !grow((void **)&s->meta_values, s->meta_count, sizeof *s->meta_values))
        return vt_error_set(err, VT_ENOMEM, "tensor set: out of memory adding metadata '%s'", key);
    char *k = dup_str(key), *v = dup_str(value);
    if (!k || !v) {
        free(k);
        free(v);
        return vt_error_set(err, VT_ENOMEM, "tensor set: out of memory adding metadata '%s'", key);
    }
    s->meta_keys[s->meta_count] = k;
    s->meta_values[s->meta_count] = v;
    s->meta_count++;
    return VT_OK;
}

void vt_tensor_set_free(vt_tensor_set *s) {
    if (!s) return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].name);
        vt_tensor_release(s->items[i].tensor);
    }
    free(s->items);
    for (size_t i = 0; i < s->meta_count; i++) {
        free(s->meta_keys[i]);
        free(s->meta_values[i]);
    }
    free(s->meta_keys);
    free(s->meta_values);
    if (s->mapping) vt_file_mapping_unref(s->mapping);
    free(s);
}
