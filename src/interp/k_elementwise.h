/* Elementwise kernels of the interpreter: unary, binary, compare, select/clamp, convert,
 * bitcast_convert and reduce_precision on whole tensors, plus "resolved ops" that run on n
 * contiguous elements so that the fused executor (k_fused.h) reuses the very same loops. */
#ifndef VT_INTERP_K_ELEMENTWISE_H
#define VT_INTERP_K_ELEMENTWISE_H

#include "interp/kctx.h"

/* ---- op tables (name = the StableHLO / CHLO mnemonic without dialect prefix) ------------- */
#define VT_UNARY_OPS(X)                                                                          \
    X(ABS, "abs") X(CBRT, "cbrt") X(CEIL, "ceil") X(CLZ, "count_leading_zeros")                  \
    X(COSINE, "cosine") X(EXP, "exponential") X(EXPM1, "exponential_minus_one")                  \
    X(FLOOR, "floor") X(IMAG, "imag") X(IS_FINITE, "is_finite") X(LOG, "log")                    \
    X(LOG1P, "log_plus_one") X(LOGISTIC, "logistic") X(NEGATE, "negate") X(NOT, "not")           \
    X(POPCNT, "popcnt") X(REAL, "real") X(ROUND_AFZ, "round_nearest_afz")                        \
    X(ROUND_EVEN, "round_nearest_even") X(RSQRT, "rsqrt") X(SIGN, "sign") X(SINE, "sine")        \
    X(SQRT, "sqrt") X(TAN, "tan") X(TANH, "tanh")                                                \
    /* chlo */                                                                                   \
    X(ACOS, "acos") X(ACOSH, "acosh") X(ASIN, "asin") X(ASINH, "asinh") X(ATAN, "atan")          \
    X(ATANH, "atanh") X(COSH, "cosh") X(SINH, "sinh") X(ERF, "erf") X(ERFC, "erfc")              \
    X(LGAMMA, "lgamma") X(DIGAMMA, "digamma") X(ERF_INV, "erf_inv")   \
    X(BESSEL_I1E, "bessel_i1e")

#define VT_BINARY_OPS(X)                                                                         \
    X(ADD, "add") X(SUB, "subtract") X(MUL, "multiply") X(DIV, "divide") X(REM, "remainder")     \
    X(MAX, "maximum") X(MIN, "minimum") X(POW, "power") X(ATAN2, "atan2") X(AND, "and")          \
    X(OR, "or") X(XOR, "xor") X(SHL, "shift_left") X(SHRA, "shift_right_arithmetic")             \
    X(SHRL, "shift_right_logical") X(COMPLEX, "complex")                                         \
    /* chlo */                                                                                   \
    X(NEXT_AFTER, "next_after")

typedef enum vt_unary_op {
#define VT_X(e, n) VT_UN_##e,
    VT_UNARY_OPS(VT_X)
#undef VT_X
    VT_UN_COUNT
} vt_unary_op;

typedef enum vt_binary_op {
#define VT_X(e, n) VT_BIN_##e,
    VT_BINARY_OPS(VT_X)
#undef VT_X
    VT_BIN_COUNT
} vt_binary_op;

typedef enum vt_cmp_dir { VT_CMP_EQ, VT_CMP_NE, VT_CMP_GE, VT_CMP_GT, VT_CMP_LE, VT_CMP_LT } vt_cmp_dir;
/* VT_CMPT_DEFAULT picks what the spec implies for the element type (SIGNED, UNSIGNED, FLOAT). */
typedef enum vt_cmp_type {
    VT_CMPT_DEFAULT, VT_CMPT_SIGNED, VT_CMPT_UNSIGNED, VT_CMPT_FLOAT, VT_CMPT_TOTALORDER
} vt_cmp_type;

const char *vt_unary_op_name(vt_unary_op op);
const char *vt_binary_op_name(vt_binary_op op);
/* Looks a mnemonic up ("sine", "stablehlo.sine" and "chlo.erf" are all accepted). */
bool vt_unary_op_from_name(const char *name, vt_unary_op *op);
bool vt_binary_op_from_name(const char *name, vt_binary_op *op);
bool vt_cmp_dir_from_name(const char *name, vt_cmp_dir *dir);   /* "EQ", "NE", ... */
bool vt_cmp_type_from_name(const char *name, vt_cmp_type *t);   /* "SIGNED", ..., "NOTYPE" */

/* Result element type of an op on operands of type `in` (VT_DTYPE_INVALID: not supported).
 * Mostly `in`; abs/real/imag of complex give the part type, is_finite gives i1, complex gives
 * the complex type of its float parts. */
vt_dtype vt_unary_result_dtype(vt_unary_op op, vt_dtype in);
vt_dtype vt_binary_result_dtype(vt_binary_op op, vt_dtype in);

/* ---- resolved ops: one loop chosen once per (op, types), run on ranges ------------------- */
typedef struct vt_k_op vt_k_op;
typedef void (*vt_k_core_fn)(const vt_k_op *k, const void *const *in, void *out, size_t n);

struct vt_k_op {
    vt_k_core_fn core;      /* typed loop; NULL means "convert in[0] with vt_convert" */
    int arity;              /* 1..3 operands */
    vt_dtype in_t[3];       /* storage types of the operands */
    vt_dtype out_t;         /* storage type of the result */
    vt_dtype cin_t[3];      /* types the core reads: in_t, or f64 for narrow floats */
    vt_dtype cout_t;        /* type the core writes */
    unsigned bits;          /* logical bit width of the integer type the core works on */
    unsigned wrap_bits;     /* nonzero: re-wrap a sub-byte integer result to this width */
    bool wrap_signed;
    int aux;                /* op-specific (compare direction) */
    const char *name;       /* for messages */
};

/* Fills *k for the op; VT_EUNSUPPORTED "not supported: <op> on <type>" when the pair is not. */
vt_status vt_k_unary_resolve(vt_unary_op op, vt_dtype in, vt_k_op *k, vt_error *err);
vt_status vt_k_binary_resolve(vt_binary_op op, vt_dtype in, vt_k_op *k, vt_error *err);
vt_status vt_k_compare_resolve(vt_cmp_dir dir, vt_cmp_type ct, vt_dtype in, vt_k_op *k, vt_error *err);
vt_status vt_k_select_resolve(vt_dtype t, vt_k_op *k, vt_error *err);   /* (i1 pred, t, t) */
vt_status vt_k_clamp_resolve(vt_dtype t, vt_k_op *k, vt_error *err);    /* (min, x, max) */
vt_status vt_k_convert_resolve(vt_dtype from, vt_dtype to, vt_k_op *k, vt_error *err);
/* Runs k on n elements. in[i] has n elements, or one when bcast has bit i set (a scalar that
 * is broadcast). out may alias an input with the same storage type (in-place). */
void vt_k_run_range(const vt_k_op *k, const void *const *in, unsigned bcast, void *out, size_t n);

/* ---- whole-tensor kernels ------------------------------------------------------------------
 * Operands have the result's shape (the interpreter broadcasts beforehand) except where noted;
 * the result is preallocated by the caller with the result type. Work charged: elements of the
 * result times (operands + 1). */
vt_status vt_k_unary(vt_kctx *ctx, vt_unary_op op, const vt_tensor *x, vt_tensor *out, vt_error *err);
vt_status vt_k_binary(vt_kctx *ctx, vt_binary_op op, const vt_tensor *a, const vt_tensor *b,
                      vt_tensor *out, vt_error *err);
vt_status vt_k_compare(vt_kctx *ctx, vt_cmp_dir dir, vt_cmp_type ct, const vt_tensor *a,
                       const vt_tensor *b, vt_tensor *out, vt_error *err);
/* pred: i1, a scalar or the shape of on_true. */
vt_status vt_k_select(vt_kctx *ctx, const vt_tensor *pred, const vt_tensor *on_true,
                      const vt_tensor *on_false, vt_tensor *out, vt_error *err);
/* min and max: scalars or the shape of x; result = min(max(x, min), max) with the NaN rules of
 * maximum/minimum. */
vt_status vt_k_clamp(vt_kctx *ctx, const vt_tensor *min, const vt_tensor *x, const vt_tensor *max,
                     vt_tensor *out, vt_error *err);
/* Element type conversion with vt_convert's rules (out has x's shape, any dtype). */
vt_status vt_k_convert(vt_kctx *ctx, const vt_tensor *x, vt_tensor *out, vt_error *err);
/* Reinterprets bits. Equal widths: same shape. Narrower result: out has x's dims plus a last
 * dim of bits(x)/bits(out). Wider result: x's last dim is bits(out)/bits(x) and is dropped.
 * Bits are numbered little-endian across elements (element 0 holds the lowest bits). */
vt_status vt_k_bitcast_convert(vt_kctx *ctx, const vt_tensor *x, vt_tensor *out, vt_error *err);
/* XLA's reduce_precision: rounds the mantissa to mantissa_bits (nearest even), then flushes
 * values outside the exponent range of exponent_bits to signed zero / infinity; NaN is kept
 * (becomes infinity when mantissa_bits == 0). IEEE-like float types only. */
vt_status vt_k_reduce_precision(vt_kctx *ctx, const vt_tensor *x, int exponent_bits, int mantissa_bits,
                                vt_tensor *out, vt_error *err);

/* ---- shared helpers (k_math.c) ----------------------------------------------------------- */
/* A tensor's byte size agrees with its element count (no overflow) and data is present. */
static inline bool vt_k_bytes_ok(const vt_tensor *t) {
    size_t b;
    return vt_mul_size(t->nelem, vt_dtype_size(t->dtype), &b) && b == t->nbytes && (b == 0 || t->data != NULL);
}
/* Validates shapes/types for a resolved op on tensors (scalar operands allowed where
 * allow_bcast has bit i set), charges work and runs it over fixed chunks on ctx->threads. */
vt_status vt_k_run_tensors(vt_kctx *ctx, const vt_k_op *k, const vt_tensor *const *in, unsigned allow_bcast,
                           vt_tensor *out, vt_error *err);
/* Splits [0, n) into fixed chunks run on up to `threads` threads; fn(arg, begin, end). */
void vt_k_parallel_for(int threads, size_t n, size_t min_chunk, void (*fn)(void *arg, size_t b, size_t e),
                       void *arg);
/* True for real float types computed through f64 (everything but f32 and f64). */
bool vt_k_is_narrow_float(vt_dtype t);
/* Sign/zero-extends sub-byte integers in place (n bytes) to `bits`. */
void vt_k_wrap_subbyte(uint8_t *p, size_t n, unsigned bits, bool is_signed);
double vt_k_digamma(double x);
double vt_k_erf_inv(double x);
double vt_k_bessel_i1e(double x); /* I1(x) exp(-|x|) */

#endif
