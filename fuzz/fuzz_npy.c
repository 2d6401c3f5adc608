/* libFuzzer target for the .npy reader: any input must give a tensor or an error with a message,
 * never a crash; a tensor that was read must write and read back to the same bytes. */
#include "veritor/tensor.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vt_read_options opt = {.max_tensor_bytes = (uint64_t)64 << 20, .use_mmap = false};
    vt_tensor *t = NULL;
    vt_error err;
    vt_error_clear(&err);
    vt_status s = vt_npy_read_mem(data, size, "fuzz.npy", &opt, &t, &err);
    if (s != VT_OK) {
        if (t || !err.msg[0] || err.code != s) __builtin_trap();
        return 0;
    }
    if (!t || t->nbytes > size) __builtin_trap();
    vt_buf b;
    vt_buf_init(&b);
    if (vt_npy_write_buf(&b, t, &err) != VT_OK) __builtin_trap();
    vt_tensor *r = NULL;
    if (vt_npy_read_mem(b.data, b.len, "rewritten.npy", &opt, &r, &err) != VT_OK) __builtin_trap();
    if (r->dtype != t->dtype || r->rank != t->rank || r->nbytes != t->nbytes ||
        memcmp(r->dims, t->dims, sizeof(int64_t) * (size_t)t->rank) != 0 ||
        (t->nbytes && memcmp(r->data, t->data, t->nbytes) != 0))
        __builtin_trap();
    vt_tensor_release(r);
    vt_buf_free(&b);
    vt_tensor_release(t);
    return 0;
}
