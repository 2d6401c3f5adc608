/* Reduce fast paths for bodies that are one known op (add, multiply, maximum, minimum, and, or,
 * xor) and for the variadic (value, index) compare-select body that JAX's argmax/argmin emit.
 * Floating-point results follow one fixed order, independent of threads (docs/determinism.md). */
#ifndef VT_INTERP_K_REDUCE_H
#define VT_INTERP_K_REDUCE_H

#include "interp/kctx.h"

typedef enum vt_reduce_op {
    VT_REDUCE_ADD, VT_REDUCE_MUL, VT_REDUCE_MAX, VT_REDUCE_MIN, VT_REDUCE_AND, VT_REDUCE_OR, VT_REDUCE_XOR
} vt_reduce_op;

const char *vt_reduce_op_name(vt_reduce_op op);

/* result[o] = init (+) fold(operand elements that map to o), where the fold over the reduced
 * elements (row-major order of the reduced dimensions, position p) keeps 8 partial results
 * (p mod 8), each a left fold, combined as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)); init is combined
 * once, last. Narrow floats (bf16, f16, f8...) round to their type after every operation, as
 * the body would. Complex add/multiply fold sequentially. maximum/minimum propagate NaN and
 * order -0 < +0; i1 add/multiply/max/min are or/and/or/and. and/or/xor need integers or i1.
 * dims: the reduced dimensions (unique, in range); result: operand dims without them, same
 * element type; init: 0-d tensor of the element type. */
vt_status vt_k_reduce(vt_kctx *kc, vt_reduce_op op, const vt_tensor *operand, const vt_tensor *init,
                      const int64_t *dims, int ndims, vt_tensor *result, vt_error *err);

/* argmax (is_min false) / argmin over `dims` of (values, indices), which have the same shape;
 * (init_value, init_index) take part as one more candidate. The winner is the candidate that is
 * NaN, else the greatest (least) value; ties, including several NaNs, go to the lowest index
 * (JAX's documented argmax: first NaN, first maximum). Complex values are not supported. */
vt_status vt_k_argreduce(vt_kctx *kc, bool is_min, const vt_tensor *values, const vt_tensor *indices,
                         const vt_tensor *init_value, const vt_tensor *init_index, const int64_t *dims, int ndims,
                         vt_tensor *out_value, vt_tensor *out_index, vt_error *err);

#endif
