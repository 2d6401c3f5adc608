/* Deterministic random arguments for smoke runs (veritor run --random-inputs SEED). Argument i
 * uses key K_i = threefry(K, ('args' = 0x61726773, i)) with K = PRNGKey(SEED); element j draws the
 * block threefry(K_i, (j, 0)) = (w0, w1): floats are N(0,1) by Box-Muller from u1 = (w0 >> 8 + 0.5)
 * / 2^24 and u2 = (w1 >> 8) / 2^24 (complex: the real part uses cos, the imaginary sin), integers
 * w0 mod 16, booleans w0 & 1. Specified in docs/interpreter.md. */
#include "interp/interp_internal.h"

#include <math.h>
#include <stdlib.h>

static vt_status fill(const vt_type *t, vt_key k, uint64_t max_bytes, vt_rvalue *out, vt_error *err) {
    if (t->kind == VT_TYPE_TOKEN) {
        *out = vt_rvalue_token();
        return VT_OK;
    }
    if (t->kind != VT_TYPE_TENSOR) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: random values of a non-tensor type");
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] == VT_DYN)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: random values for a dynamic dimension");
    vt_tensor *x = vt_tensor_create_uninit(t->dtype, t->rank, t->dims, max_bytes, err);
    if (!x) return err->code;
    size_t es = vt_dtype_size(t->dtype);
    const double two_pi = 6.283185307179586;
    for (size_t j = 0; j < x->nelem; j++) {
        uint32_t w[2];
        vt_threefry2x32(k, (uint32_t)j, (uint32_t)((uint64_t)j >> 32), w);
        char *p = (char *)x->data + j * es;
        double u1 = ((double)(w[0] >> 8) + 0.5) / 16777216.0, u2 = (double)(w[1] >> 8) / 16777216.0;
        double rad = sqrt(-2.0 * log(u1));
        switch (vt_dtype_kind_of(t->dtype)) {
        case VT_KIND_BOOL: p[0] = (char)(w[0] & 1); break;
        case VT_KIND_SINT:
        case VT_KIND_UINT: vt_store_i64(t->dtype, p, (int64_t)(w[0] % 16u)); break;
        case VT_KIND_FLOAT: vt_store_f64(t->dtype, p, rad * cos(two_pi * u2)); break;
        case VT_KIND_COMPLEX: {
            vt_dtype pt = vt_complex_part_dtype(t->dtype);
            size_t ps = vt_dtype_size(pt);
            vt_store_f64(pt, p, rad * cos(two_pi * u2));
            vt_store_f64(pt, p + ps, rad * sin(two_pi * u2));
            break;
        }
        }
    }
    *out = vt_rvalue_tensor(x);
    return VT_OK;
}

vt_status vt_random_args(const vt_func *f, uint64_t seed, uint64_t max_tensor_bytes, vt_rvalue **args, size_t *nargs,
                         vt_error *err) {
    *args = calloc(f->nargs ? f->nargs : 1, sizeof **args);
    *nargs = 0;
    if (!*args) return vt_error_set(err, VT_ENOMEM, "out of memory");
    vt_key root = vt_key_from_seed(seed);
    for (size_t i = 0; i < f->nargs; i++) {
        uint32_t w[2];
        vt_threefry2x32(root, 0x61726773u, (uint32_t)i, w);
        vt_key k = {{w[0], w[1]}};
        vt_status s = fill(f->arg_types[i], k, max_tensor_bytes, &(*args)[i], err);
        if (s) {
            vt_error_prefix(err, "argument %zu of @%s", i, f->name);
            vt_rvalues_release(*args, i);
            *args = NULL;
            return s;
        }
    }
    *nargs = f->nargs;
    return VT_OK;
}
