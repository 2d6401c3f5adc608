/* libFuzzer target for the safetensors reader: any input must give a tensor set or an error with
 * a message, never a crash; a set that was read must be self-consistent (unique non-empty names,
 * sizes that match shapes, canonical sub-byte values). */
#include "veritor/tensor.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vt_read_options opt = {.max_tensor_bytes = (uint64_t)64 << 20, .use_mmap = false};
    vt_tensor_set *set = NULL;
    vt_error err;
    vt_error_clear(&err);
    vt_status s = vt_safetensors_read_mem(data, size, "fuzz.safetensors", &opt, &set, &err);
    if (s != VT_OK) {
        if (set || !err.msg[0] || err.code != s) __builtin_trap();
        return 0;
    }
    if (!set) __builtin_trap();
    size_t total = 0;
    for (size_t i = 0; i < set->count; i++) {
        const vt_tensor *t = set->items[i].tensor;
        if (!set->items[i].name[0] || vt_tensor_set_get(set, set->items[i].name) != t) __builtin_trap();
        size_t nelem, nbytes;
        if (vt_shape_size(t->dtype, t->rank, t->dims, UINT64_MAX, &nelem, &nbytes, &err) != VT_OK) __builtin_trap();
        if (nelem != t->nelem || nbytes != t->nbytes) __builtin_trap();
        if (!vt_dtype_check_canonical(t->dtype, t->data, t->nelem, NULL)) __builtin_trap();
        total += vt_dtype_bits(t->dtype) < 8 && t->dtype != VT_I1 ? t->nelem * vt_dtype_bits(t->dtype) / 8 : t->nbytes;
    }
    /* total is a lower bound of the bytes the tensors occupy in the file (sub-byte types take at
     * least bits/8 per element there), so it can never exceed the input */
    if (total > size) __builtin_trap();
    vt_tensor_set_free(set);
    return 0;
}
