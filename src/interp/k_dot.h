/* dot_general and convolution kernels: operands are brought to [batch, M, K] x [batch, K, N]
 * (copies only when the layout or element type requires it) and multiplied on BLAS, or on exact
 * 64-bit loops for integers. precision_config never changes a result: veritor always computes
 * at least at the operands' precision. */
#ifndef VT_INTERP_K_DOT_H
#define VT_INTERP_K_DOT_H

#include "interp/kctx.h"

typedef enum vt_precision { VT_PRECISION_DEFAULT, VT_PRECISION_HIGH, VT_PRECISION_HIGHEST } vt_precision;

/* #stablehlo.dot_algorithm<...>. Precision/accumulation types use StableHLO spellings ("f32",
 * "tf32", "bf16", "f16", "f64", "f8E4M3FN", ...). Honoured exactly: lhs/rhs precision in
 * {tf32, bf16, f16, f32} with f32 accumulation, or f64 with f64 accumulation, component counts
 * 1, one primitive operation (inputs rounded once to the precision type, products accumulated in
 * the accumulation type, result rounded once). allow_imprecise_accumulation only permits
 * imprecision, so it is accepted and ignored. Anything else is VT_EUNSUPPORTED naming it. */
typedef struct vt_dot_algorithm {
    const char *lhs_precision_type, *rhs_precision_type, *accumulation_type;
    int64_t lhs_component_count, rhs_component_count, num_primitive_operations;
    bool allow_imprecise_accumulation;
} vt_dot_algorithm;

typedef struct vt_dot_params {
    int nbatch, ncontract;
    int64_t lhs_batch[VT_MAX_RANK], rhs_batch[VT_MAX_RANK];
    int64_t lhs_contract[VT_MAX_RANK], rhs_contract[VT_MAX_RANK];
    vt_precision precision[2];        /* accepted, documented as having no effect */
    const vt_dot_algorithm *algorithm; /* NULL: none */
} vt_dot_params;

/* Result dims: batch dims (lhs order), lhs free dims, rhs free dims (ascending). Checks the
 * dimension numbers against the operands (VT_EINPUT naming the attribute). */
vt_status vt_k_dot_general_shape(const vt_tensor *lhs, const vt_tensor *rhs, const vt_dot_params *p, int *rank,
                                 int64_t *dims, vt_error *err);
/* result preallocated with the shape above and any element type: operands narrower than the
 * compute type are converted exactly, the result is rounded once to its type. Integers: exact
 * wraparound. Charges batch*M*N*K multiply-adds (plus output elements) before allocating. */
vt_status vt_k_dot_general(vt_kctx *kc, const vt_tensor *lhs, const vt_tensor *rhs, const vt_dot_params *p,
                           vt_tensor *result, vt_error *err);
/* Human-readable name of an algorithm, e.g. "BF16_BF16_F32_X3" style
 * "lhs=bf16 rhs=bf16 acc=f32 components=1x1 ops=3 imprecise=0". */
void vt_dot_algorithm_describe(const vt_dot_algorithm *a, char *out, size_t n);
/* Rounds a double to TF32 (10 fraction bits, f32 exponent range), nearest-even. */
double vt_k_round_to_tf32(double x);

typedef struct vt_conv_params {
    int nspatial; /* rank - 2 */
    int64_t window_strides[VT_MAX_RANK];    /* default 1 */
    int64_t padding[VT_MAX_RANK][2];        /* low, high; may be negative */
    int64_t lhs_dilation[VT_MAX_RANK];      /* default 1 */
    int64_t rhs_dilation[VT_MAX_RANK];      /* default 1 */
    bool window_reversal[VT_MAX_RANK];
    int64_t input_batch_dim, input_feature_dim, input_spatial_dims[VT_MAX_RANK];
    int64_t kernel_input_feature_dim, kernel_output_feature_dim, kernel_spatial_dims[VT_MAX_RANK];
    int64_t output_batch_dim, output_feature_dim, output_spatial_dims[VT_MAX_RANK];
    int64_t feature_group_count, batch_group_count;
    vt_precision precision[2];
} vt_conv_params;

/* Fills strides/dilations with 1, padding and reversal with 0, groups with 1. */
void vt_conv_params_init(vt_conv_params *p, int nspatial);
vt_status vt_k_convolution_shape(const vt_tensor *lhs, const vt_tensor *rhs, const vt_conv_params *p, int64_t *dims,
                                 vt_error *err);
vt_status vt_k_convolution(vt_kctx *kc, const vt_tensor *lhs, const vt_tensor *rhs, const vt_conv_params *p,
                           vt_tensor *result, vt_error *err);

/* ---- shared by dot and convolution ---------------------------------------------------------- */
typedef enum vt_compute { VT_COMPUTE_F32, VT_COMPUTE_F64, VT_COMPUTE_C64, VT_COMPUTE_C128, VT_COMPUTE_INT } vt_compute;
/* The arithmetic used for operand types a, b and result type r (docs/determinism.md). */
vt_compute vt_k_compute_type(vt_dtype a, vt_dtype b, vt_dtype r);
size_t vt_k_compute_size(vt_compute c);
/* Converts n contiguous elements of type t into compute type c (exact). */
void vt_k_to_compute(vt_compute c, vt_dtype t, const void *src, void *dst, size_t n);
/* Converts n compute elements to type t, rounding once; ints: signed says how to read them. */
void vt_k_from_compute(vt_compute c, vt_dtype t, bool is_signed, const void *src, void *dst, size_t n);

#endif
