/* Tensor allocation under the run's limits: every tensor the engine creates is charged to the
 * run's live/total byte counters and released through a callback that gives the bytes back. */
#include "interp/interp_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void acct_unref(vt_acct *a) {
    if (--a->refs == 0) free(a);
}

/* Big tensors are cache-line aligned for vector loads by over-allocating with malloc and
 * keeping the block's start just below the aligned pointer. aligned_alloc would do the same
 * job, but glibc's memalign splits off fragments that stop freed buffers from being reused, so
 * every run page-faulted its outputs afresh (gather_embed ran at a third of memcpy speed).
 * Kernels rely only on element alignment. */
#define VT_BIG_ALIGN 64

static void *alloc_data(size_t nbytes) {
    if (nbytes <= 256) return malloc(nbytes);
    if (nbytes > SIZE_MAX - VT_BIG_ALIGN - sizeof(void *)) return NULL;
    char *raw = malloc(nbytes + VT_BIG_ALIGN + sizeof(void *));
    if (!raw) return NULL;
    uintptr_t p = ((uintptr_t)(raw + sizeof(void *)) + VT_BIG_ALIGN - 1) & ~(uintptr_t)(VT_BIG_ALIGN - 1);
    memcpy((char *)p - sizeof(void *), &raw, sizeof raw);
    return (void *)p;
}

static void free_data(void *data, size_t nbytes) {
    if (!data) return;
    if (nbytes <= 256) {
        free(data);
        return;
    }
    void *raw;
    memcpy(&raw, (char *)data - sizeof(void *), sizeof raw);
    free(raw);
}

static void release_tensor_data(void *ctx, void *data, size_t nbytes) {
    vt_acct *a = ctx;
    free_data(data, nbytes);
    a->live -= nbytes;
    acct_unref(a);
}

vt_tensor *vt_rt_alloc(vt_run *r, vt_dtype t, int rank, const int64_t *dims) {
    size_t nelem, nbytes;
    uint64_t maxb = r->lim.max_tensor_bytes ? r->lim.max_tensor_bytes : UINT64_MAX;
    if (vt_shape_size(t, rank, dims, maxb, &nelem, &nbytes, r->err) != VT_OK) {
        if (r->err->code == VT_ELIMIT) vt_error_prefix(r->err, "tensor size limit");
        return NULL;
    }
    vt_acct *a = r->acct;
    if (r->lim.max_live_bytes && a->live + nbytes > r->lim.max_live_bytes) {
        vt_error_set(r->err, VT_ELIMIT, "live memory limit: %llu bytes alive plus a new tensor of %zu bytes exceed %llu",
                     (unsigned long long)a->live, nbytes, (unsigned long long)r->lim.max_live_bytes);
        return NULL;
    }
    if (r->lim.max_total_bytes && a->total + nbytes > r->lim.max_total_bytes) {
        vt_error_set(r->err, VT_ELIMIT, "total allocation limit of %llu bytes exceeded",
                     (unsigned long long)r->lim.max_total_bytes);
        return NULL;
    }
    void *data = NULL;
    if (nbytes) {
        data = alloc_data(nbytes);
        if (!data) {
            vt_error_set(r->err, VT_ENOMEM, "out of memory allocating a tensor of %zu bytes", nbytes);
            return NULL;
        }
    }
    vt_tensor *x = vt_tensor_wrap(t, rank, dims, data, nbytes, release_tensor_data, a, r->err);
    if (!x) {
        free_data(data, nbytes);
        return NULL;
    }
    a->refs++;
    a->live += nbytes;
    a->total += nbytes;
    if (a->live > a->peak) a->peak = a->live;
    return x;
}

vt_tensor *vt_rt_alloc_like(vt_run *r, const vt_type *type) {
    if (!type || type->kind != VT_TYPE_TENSOR) {
        vt_error_set(r->err, VT_EINTERNAL, "result is not a tensor type");
        return NULL;
    }
    for (int i = 0; i < type->rank; i++) {
        if (type->dims[i] == VT_DYN) {
            vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: result type with a dynamic dimension");
            return NULL;
        }
    }
    return vt_rt_alloc(r, type->dtype, type->rank, type->dims);
}

vt_tensor *vt_rt_result(vt_run *r, const vt_op *op, size_t i) { return vt_rt_alloc_like(r, op->results[i].type); }

vt_status vt_rt_charge(vt_run *r, uint64_t units) { return vt_kctx_charge(&r->kc, units, r->err); }

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

vt_status vt_rt_tick(vt_run *r) {
    r->ops++;
    /* A base cost per op so that loops of tiny ops also consume fuel. */
    if (r->kc.fuel_left < 16) return vt_error_set(r->err, VT_ELIMIT, "work limit (fuel) of %llu units exhausted after %llu ops",
                                                  (unsigned long long)r->lim.fuel, (unsigned long long)r->ops);
    r->kc.fuel_left -= 16;
    if (r->lim.deadline_seconds > 0 && (r->ops & 63) == 0) {
        double el = now_seconds() - r->t0;
        if (el > r->lim.deadline_seconds)
            return vt_error_set(r->err, VT_ELIMIT, "deadline of %.3g s exceeded after %llu ops", r->lim.deadline_seconds,
                                (unsigned long long)r->ops);
    }
    return VT_OK;
}

double vt_rt_now(void) { return now_seconds(); }
