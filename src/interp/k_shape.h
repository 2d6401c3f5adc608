/* Structural kernels of the interpreter (broadcast_in_dim, reshape, transpose, slice, dynamic
 * slices, concatenate, pad, reverse, iota) plus the strided byte mover and element loaders that
 * the reduce, dot and convolution kernels share. They move elements of vt_dtype_size bytes. */
#ifndef VT_INTERP_K_SHAPE_H
#define VT_INTERP_K_SHAPE_H

#include "interp/kctx.h"

/* Every kernel checks its operands against the result that the caller preallocated (shape and
 * element type), charges kctx fuel (elements written) before touching memory and returns
 * VT_EINPUT naming the op and the offending attribute on any inconsistency. */

vt_status vt_k_broadcast_in_dim(vt_kctx *kc, const vt_tensor *operand, const int64_t *bdims, int nbdims,
                                vt_tensor *result, vt_error *err);
/* A copy. Row-major reshape never reorders bytes, so an interpreter may instead alias the
 * operand's buffer (retain it and wrap with the new dims); this kernel is for when it cannot. */
vt_status vt_k_reshape(vt_kctx *kc, const vt_tensor *operand, vt_tensor *result, vt_error *err);
vt_status vt_k_transpose(vt_kctx *kc, const vt_tensor *operand, const int64_t *perm, int nperm,
                         vt_tensor *result, vt_error *err);
/* strides may be NULL (all 1). */
vt_status vt_k_slice(vt_kctx *kc, const vt_tensor *operand, const int64_t *start, const int64_t *limit,
                     const int64_t *strides, vt_tensor *result, vt_error *err);
/* start_indices: rank(operand) 0-d integer tensors; slice sizes are the result's dims. Starts
 * are clamped to [0, dim - size] as the spec says. */
vt_status vt_k_dynamic_slice(vt_kctx *kc, const vt_tensor *operand, const vt_tensor *const *start_indices,
                             vt_tensor *result, vt_error *err);
/* result = operand with update written at the clamped start; result may be operand itself
 * (in-place update) or a distinct tensor of the same type. */
vt_status vt_k_dynamic_update_slice(vt_kctx *kc, const vt_tensor *operand, const vt_tensor *update,
                                    const vt_tensor *const *start_indices, vt_tensor *result, vt_error *err);
vt_status vt_k_concatenate(vt_kctx *kc, const vt_tensor *const *inputs, int ninputs, int64_t dimension,
                           vt_tensor *result, vt_error *err);
/* low/high may be negative (cropping); interior >= 0; padding_value is a 0-d tensor. */
vt_status vt_k_pad(vt_kctx *kc, const vt_tensor *operand, const vt_tensor *padding_value, const int64_t *low,
                   const int64_t *high, const int64_t *interior, vt_tensor *result, vt_error *err);
vt_status vt_k_reverse(vt_kctx *kc, const vt_tensor *operand, const int64_t *dims, int ndims,
                       vt_tensor *result, vt_error *err);
/* result[i] = i[iota_dimension] converted to the element type (complex: real part). */
vt_status vt_k_iota(vt_kctx *kc, int64_t iota_dimension, vt_tensor *result, vt_error *err);

/* ---- shared helpers (private to the interpreter) ----------------------------------------- */

/* Copies the index space dims[0..rank) from src to dst, both addressed by per-axis strides in
 * elements (src strides may be negative or 0). Merges axes, uses memcpy for contiguous runs and
 * cache-blocked tiles when the source is walked across rows (transposes). */
void vt_k_strided_copy(int rank, const int64_t *dims, size_t elem_size, const void *src,
                       const int64_t *src_strides, void *dst, const int64_t *dst_strides);
/* Row-major strides (in elements) of a shape. */
void vt_k_row_major_strides(int rank, const int64_t *dims, int64_t *strides);

/* Element loaders/storers between storage types and compute types, n contiguous elements.
 * to_f32/to_f64 are exact for every type they accept (to_f32: real types of <= 24 significant
 * bits; integers wider than that go to f64); from_* round once to nearest even. Complex values
 * go as (re, im) pairs to/from f32/f64 pairs (to_c: real sources get im = 0). Integers load as
 * 64-bit two's complement (sign- or zero-extended) and store wrapping; i1 stores (v != 0). */
void vt_k_to_f32(vt_dtype t, const void *src, float *dst, size_t n);
void vt_k_to_f64(vt_dtype t, const void *src, double *dst, size_t n);
void vt_k_from_f32(vt_dtype t, const float *src, void *dst, size_t n);
void vt_k_from_f64(vt_dtype t, const double *src, void *dst, size_t n);
void vt_k_to_c64(vt_dtype t, const void *src, float *dst, size_t n);
void vt_k_to_c128(vt_dtype t, const void *src, double *dst, size_t n);
void vt_k_from_c64(vt_dtype t, const float *src, void *dst, size_t n);
void vt_k_from_c128(vt_dtype t, const double *src, void *dst, size_t n);
void vt_k_to_u64(vt_dtype t, const void *src, uint64_t *dst, size_t n);
/* Stores 64-bit integers: integer/bool results wrap (i1: != 0); float results convert the value
 * read as signed (is_signed) or unsigned, rounded once. */
void vt_k_from_u64(vt_dtype t, const uint64_t *src, bool is_signed, void *dst, size_t n);

/* Reads a 0-d integer tensor as int64 (unsigned values above INT64_MAX saturate). */
bool vt_k_scalar_index(const vt_tensor *t, int64_t *out);

/* Allocates n elements of size es for kernel scratch, checking the byte count against the kernel
 * context's tensor limit; VT_ELIMIT / VT_ENOMEM with `what` in the message. */
void *vt_k_scratch(vt_kctx *kc, size_t n, size_t es, const char *what, vt_error *err);

#endif
