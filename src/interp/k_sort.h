/* Sort kernel for comparators that are one LT/GT compare of the first operand's pair: keys mapped
 * to unsigned integers whose order is the comparison's, then a stable LSD radix sort of (key,
 * position) pairs, so no comparator runs per comparison. Private to the interpreter. */
#ifndef VT_INTERP_K_SORT_H
#define VT_INTERP_K_SORT_H

#include "interp/k_elementwise.h"

/* True when keys of type t under compare type ct (DEFAULT: the type's own) map to radix keys:
 * integers, bool, f16, bf16, f32, f64 (FLOAT or TOTALORDER). */
bool vt_k_sort_radix_ok(vt_dtype t, vt_cmp_type ct);
/* The order a comparator defines: compare(dir, ct, key(a), key(b)) where key() first maps
 * +-0 to zero_bits (zero_to) and NaNs to nan_bits (nan_to), as JAX's float comparators do. */
typedef struct vt_sort_key {
    bool descending;     /* GT: a before b when key(a) > key(b) */
    vt_cmp_type ct;
    bool zero_to, nan_to;
    uint64_t zero_bits, nan_bits;
} vt_sort_key;

/* True when a FLOAT (not TOTALORDER) comparison of the keys of x would meet a NaN. */
bool vt_k_sort_meets_nan(const vt_tensor *x, const vt_sort_key *key);

/* Stable sort of every 1-D row of xs[0] along `dim` by `order`: ascending or descending, ties in
 * their original order; xs[1..n) follow the same permutation. outs[i] (when non-NULL) get the
 * first `keep` elements of each sorted row (xs's dims with dims[dim] = keep); perm (when
 * non-NULL, an integer tensor of those dims) gets their positions in the row. FLOAT compares:
 * the caller has ruled out NaN keys (vt_k_sort_meets_nan). Charges nelem * log2(row). */
vt_status vt_k_sort_radix(vt_kctx *kc, size_t n, const vt_tensor *const *xs, int dim, const vt_sort_key *order,
                          vt_tensor *const *outs, size_t keep, vt_tensor *perm, vt_error *err);

#endif
