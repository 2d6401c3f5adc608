/* Kernels of gather and scatter (k_gather.c, k_scatter.c, k_gather_index.c; private to the
 * interpreter): dimension numbers checked, indices converted once per call, contiguous-run copies
 * and typed update loops. Each keeps its plain per-element reference path (VT_KPATH_REFERENCE)
 * so tests can compare the fast paths to it. */
#ifndef VT_INTERP_K_GATHER_H
#define VT_INTERP_K_GATHER_H

#include "interp/k_elementwise.h"

/* Dimension numbers of gather (offset_dims, collapsed_slice_dims, operand_batching_dims,
 * start_indices_batching_dims, start_index_map) and scatter (update_window_dims,
 * inserted_window_dims, input_batching_dims, scatter_indices_batching_dims,
 * scatter_dims_to_operand_dims), in that order. */
typedef struct vt_gs_dims {
    int64_t window[VT_MAX_RANK], inserted[VT_MAX_RANK], obatch[VT_MAX_RANK], ibatch[VT_MAX_RANK],
        to_operand[VT_MAX_RANK];
    size_t nwindow, ninserted, nobatch, nibatch, nto;
    int64_t index_vector_dim;
} vt_gs_dims;

/* Which implementation a kernel runs: the fast paths, or the per-element definition (tests). */
typedef enum vt_kpath { VT_KPATH_AUTO, VT_KPATH_REFERENCE } vt_kpath;

/* result = gather(x, idx) with slice sizes `sizes` (one per operand dim). Starts are clamped so
 * the slice fits; every dimension number and the result shape are checked first (VT_EINPUT,
 * naming the attribute). Charges nbatch * (slice + index vector) units. */
vt_status vt_k_gather(vt_kctx *kc, const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d,
                      const int64_t *sizes, vt_tensor *result, vt_kpath path, vt_error *err);

/* Checks scatter's dimension numbers against operand `res`, indices and updates (updates[i]
 * for i < n must all have one shape). */
vt_status vt_k_scatter_check(const vt_tensor *res, const vt_tensor *idx, const vt_tensor *const *updates, size_t n,
                             const vt_gs_dims *d, vt_error *err);

/* One application run of scatter: n update elements starting at update element `src`
 * (consecutive) go to operand elements dst, dst + stride, ... (all in bounds). */
typedef struct vt_scatter_run {
    int64_t dst, src, n, stride;
} vt_scatter_run;

/* Visits the in-bounds update elements of a checked scatter in row-major order of the updates
 * (out-of-bounds elements are skipped, never clamped), handing runs to fn in batches. fn returns
 * non-OK to stop; that status is returned. */
typedef vt_status (*vt_scatter_visit_fn)(void *ctx, const vt_scatter_run *runs, size_t nruns);
vt_status vt_k_scatter_walk(const vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd, const vt_gs_dims *d,
                            vt_scatter_visit_fn fn, void *ctx, vt_error *err);

/* In-place scatter into res (already a copy of the operand) with updates of res's type:
 * overwrite (combine = false) or res = bop(res, update) (combine = true). Updates apply in
 * row-major order of `upd`, so duplicates give one deterministic result. */
vt_status vt_k_scatter(vt_kctx *kc, vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd, const vt_gs_dims *d,
                       bool combine, vt_binary_op bop, vt_kpath path, vt_error *err);

/* ---- shared by k_gather.c and k_scatter.c (k_gather_index.c) ---- */
bool vt_gs_in_list(const int64_t *l, size_t n, int64_t v);
/* idx elements [first, first + n) (row-major) as int64, magnitudes clamped to 2^62 (beyond any
 * tensor; sums of positions cannot overflow), unsigned values above INT64_MAX saturated. */
void vt_gs_convert_indices(const vt_tensor *idx, size_t first, size_t n, int64_t *out);
/* All indices as int64 laid out [batch position (row-major)][index vector]; malloc'ed scratch
 * checked against the kernel context's tensor limit (VT_ELIMIT naming `what`). */
int64_t *vt_gs_load_indices(vt_kctx *kc, const vt_tensor *idx, int64_t ivd, const char *what, vt_error *err);
/* One index vector read element by element (the reference paths). */
void vt_gs_index_vector(const vt_tensor *idx, int64_t ivd, const int64_t *bidx, size_t nvec, int64_t *out);
void vt_gs_unravel(size_t lin, int rank, const int64_t *dims, int64_t *out);
/* Advances a row-major position; false after the last one. */
bool vt_gs_odometer_next(int rank, const int64_t *dims, int64_t *pos);
/* Checks of the index side common to gather and scatter: integer indices, index_vector_dim,
 * vector length, dimension lists in range and distinct, batching dim pairs. names: the op's
 * spelling of (indices, index map, inserted/collapsed dims). */
vt_status vt_gs_check_index_side(const char *op, const char *names[3], const vt_tensor *x, const vt_tensor *idx,
                                 const vt_gs_dims *d, vt_error *err);
/* Copies one run of es bytes (fixed sizes become single loads and stores). */
void vt_gs_copy_elem(size_t es, char *d, const char *s);

#endif
