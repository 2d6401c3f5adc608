/* vt_tensor: reference-counted dense row-major tensors with overflow-checked sizes. */
#include "veritor/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vt_status vt_shape_size(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes,
                        size_t *nelem, size_t *nbytes, vt_error *err) {
    if ((int)t < 0 || t >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "invalid element type");
    if (rank < 0 || rank > VT_MAX_RANK)
        return vt_error_set(err, VT_EINPUT, "rank %d is outside 0..%d", rank, VT_MAX_RANK);
    if (!max_bytes) max_bytes = VT_DEFAULT_MAX_TENSOR_BYTES;
    uint64_t n = 1;
    bool overflow = false;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return vt_error_set(err, VT_EINPUT, "dimension %d is negative (%lld)", i, (long long)dims[i]);
        if (!vt_mul_u64(n, (uint64_t)dims[i], &n)) overflow = true;
    }
    /* A zero dimension makes the tensor empty even if other dimensions overflow. */
    for (int i = 0; i < rank; i++)
        if (dims[i] == 0) { n = 0; overflow = false; }
    uint64_t bytes;
    if (overflow || !vt_mul_u64(n, vt_dtype_size(t), &bytes) || bytes > SIZE_MAX)
        return vt_error_set(err, VT_ELIMIT, "tensor of type %s with %d dims overflows 64-bit sizes", vt_dtype_name(t), rank);
    if (bytes > max_bytes)
        return vt_error_set(err, VT_ELIMIT, "tensor of %llu bytes exceeds the limit of %llu bytes",
                            (unsigned long long)bytes, (unsigned long long)max_bytes);
    if (nelem) *nelem = (size_t)n;
    if (nbytes) *nbytes = (size_t)bytes;
    return VT_OK;
}

static vt_tensor *alloc_tensor(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes, bool zero, vt_error *err) {
    size_t nelem, nbytes;
    if (vt_shape_size(t, rank, dims, max_bytes, &nelem, &nbytes, err) != VT_OK) return NULL;
    /* Rounding up to the alignment below must not wrap (possible when max_bytes is UINT64_MAX). */
    if (nbytes > SIZE_MAX - 63) {
        vt_error_set(err, VT_ELIMIT, "tensor of %zu bytes is too large to allocate", nbytes);
        return NULL;
    }
    vt_tensor *x = calloc(1, sizeof *x);
    if (!x) {
        vt_error_set(err, VT_ENOMEM, "out of memory");
        return NULL;
    }
    if (nbytes) {
        /* 64-byte alignment so kernels can use aligned vector loads. */
        size_t rounded = (nbytes + 63) & ~(size_t)63;
        x->data = aligned_alloc(64, rounded);
        if (!x->data) {
            free(x);
            vt_error_set(err, VT_ENOMEM, "out of memory allocating a tensor of %zu bytes", nbytes);
            return NULL;
        }
        if (zero) memset(x->data, 0, nbytes);
    }
    x->refcount = 1;
    x->dtype = t;
    x->rank = rank;
    if (rank) memcpy(x->dims, dims, sizeof(int64_t) * (size_t)rank);
    x->nelem = nelem;
    x->nbytes = nbytes;
    return x;
}

vt_tensor *vt_tensor_create(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes, vt_error *err) {
    return alloc_tensor(t, rank, dims, max_bytes, true, err);
}

vt_tensor *vt_tensor_create_uninit(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes, vt_error *err) {
    return alloc_tensor(t, rank, dims, max_bytes, false, err);
}

vt_tensor *vt_tensor_wrap(vt_dtype t, int rank, const int64_t *dims, void *data, size_t nbytes,
                          vt_release_fn release, void *ctx, vt_error *err) {
    size_t nelem, want;
    if (vt_shape_size(t, rank, dims, UINT64_MAX, &nelem, &want, err) != VT_OK) return NULL;
    if (want != nbytes) {
        vt_error_set(err, VT_EINPUT, "data of %zu bytes does not match %s with %zu elements (%zu bytes)",
                     nbytes, vt_dtype_name(t), nelem, want);
        return NULL;
    }
    vt_tensor *x = calloc(1, sizeof *x);
    if (!x) {
        vt_error_set(err, VT_ENOMEM, "out of memory");
        return NULL;
    }
    x->refcount = 1;
    x->dtype = t;
    x->rank = rank;
    if (rank) memcpy(x->dims, dims, sizeof(int64_t) * (size_t)rank);
    x->nelem = nelem;
    x->nbytes = nbytes;
    x->data = data;
    x->release = release;
    x->release_ctx = ctx;
    return x;
}

vt_tensor *vt_tensor_retain(vt_tensor *t) {
    if (t) t->refcount++;
    return t;
}

void vt_tensor_release(vt_tensor *t) {
    if (!t || --t->refcount > 0) return;
    if (t->release) t->release(t->release_ctx, t->data, t->nbytes);
    else free(t->data);
    free(t);
}

vt_tensor *vt_tensor_clone(const vt_tensor *t, vt_error *err) {
    vt_tensor *c = vt_tensor_create_uninit(t->dtype, t->rank, t->dims, UINT64_MAX, err);
    if (c && t->nbytes) memcpy(c->data, t->data, t->nbytes);
    return c;
}

bool vt_tensor_same_shape(const vt_tensor *a, const vt_tensor *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

char *vt_tensor_type_str(const vt_tensor *t, char *out, size_t n) {
    size_t k = 0;
    int w = snprintf(out, n, "tensor<");
    if (w > 0) k = (size_t)w < n ? (size_t)w : n;
    for (int i = 0; i < t->rank && k < n; i++) {
        w = snprintf(out + k, n - k, "%lldx", (long long)t->dims[i]);
        if (w > 0) k += (size_t)w < n - k ? (size_t)w : n - k;
    }
    if (k < n) snprintf(out + k, n - k, "%s>", vt_dtype_name(t->dtype));
    return out;
}

vt_tensor *vt_tensor_convert(const vt_tensor *t, vt_dtype to, vt_error *err) {
    vt_tensor *c = vt_tensor_create_uninit(to, t->rank, t->dims, UINT64_MAX, err);
    if (c) vt_convert(t->dtype, t->data, to, c->data, t->nelem);
    return c;
}
