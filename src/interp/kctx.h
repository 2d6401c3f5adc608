/* Kernel context: what every whole-tensor kernel needs besides its operands — the thread budget
 * and the work (fuel) meter that bounds what a hostile graph can make the engine do. */
#ifndef VT_INTERP_KCTX_H
#define VT_INTERP_KCTX_H

#include "veritor/tensor.h"

typedef struct vt_kctx {
    int threads;               /* >= 1: worker threads a kernel may use */
    uint64_t fuel_left;        /* work units left (elements touched, multiply-adds) */
    uint64_t max_tensor_bytes; /* largest tensor a kernel may allocate (0: default) */
} vt_kctx;

/* Charges `units` of work before it is done; VT_ELIMIT with a clear message when exhausted. */
static inline vt_status vt_kctx_charge(vt_kctx *c, uint64_t units, vt_error *err) {
    if (!c) return VT_OK;
    if (units > c->fuel_left) {
        c->fuel_left = 0;
        return vt_error_set(err, VT_ELIMIT, "work limit (fuel) exhausted: an operation needed %llu more units",
                            (unsigned long long)units);
    }
    c->fuel_left -= units;
    return VT_OK;
}

#endif
