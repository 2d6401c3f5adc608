/* Tests of the unary elementwise kernels (k_unary.c), reduce_precision, bitcast_convert and
 * convert (k_convert.c): hand-computed expectations per type family, edge values, errors. */
#include "harness.h"
#include "interp/k_elementwise.h"

#include <math.h>
#include <stdlib.h>

static vt_tensor *mk(vt_dtype t, size_t n, const void *data) {
    int64_t d = (int64_t)n;
    vt_tensor *x = vt_tensor_create(t, 1, &d, 0, NULL);
    if (x && data) memcpy(x->data, data, x->nbytes);
    return x;
}

static vt_kctx ctx1(void) { return (vt_kctx){.threads = 1, .fuel_left = UINT64_MAX}; }

/* Runs op on n elements of type t and returns the result (caller releases). */
static vt_tensor *un(vt_unary_op op, vt_dtype t, size_t n, const void *data) {
    vt_tensor *x = mk(t, n, data);
    vt_tensor *o = mk(vt_unary_result_dtype(op, t), n, NULL);
    vt_kctx c = ctx1();
    vt_error err = {0};
    vt_status s = vt_k_unary(&c, op, x, o, &err);
    CHECK_MSG(s == VT_OK, "%s on %s: %s", vt_unary_op_name(op), vt_dtype_name(t), err.msg);
    vt_tensor_release(x);
    return o;
}

static uint64_t f64_bits(double v) {
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
}
static uint32_t f32_bits(float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    return b;
}
/* ULP distance of doubles (0 when both NaN). */
static uint64_t ulp64(double a, double b) {
    if (isnan(a) && isnan(b)) return 0;
    if (isnan(a) || isnan(b)) return UINT64_MAX;
    int64_t x = (int64_t)f64_bits(a), y = (int64_t)f64_bits(b);
    if (x < 0) x = INT64_MIN - x;
    if (y < 0) y = INT64_MIN - y;
    return x > y ? (uint64_t)(x - y) : (uint64_t)(y - x);
}
static uint32_t ulp32(float a, float b) {
    if (isnan(a) && isnan(b)) return 0;
    if (isnan(a) || isnan(b)) return UINT32_MAX;
    int32_t x = (int32_t)f32_bits(a), y = (int32_t)f32_bits(b);
    if (x < 0) x = INT32_MIN - x;
    if (y < 0) y = INT32_MIN - y;
    return x > y ? (uint32_t)(x - y) : (uint32_t)(y - x);
}

#define CHECK_F32(op, in, want, maxulp)                                                           \
    do {                                                                                          \
        float _x = (in);                                                                          \
        vt_tensor *_o = un(op, VT_F32, 1, &_x);                                                   \
        float _g = ((float *)_o->data)[0], _w = (want);                                           \
        CHECK_MSG(ulp32(_g, _w) <= (maxulp) && (_g != 0 || !signbit(_g) == !signbit(_w)),           \
                  "%s(%a) f32 = %a, want %a", vt_unary_op_name(op), (double)_x, (double)_g, (double)_w); \
        vt_tensor_release(_o);                                                                    \
    } while (0)
#define CHECK_F64(op, in, want, maxulp)                                                           \
    do {                                                                                          \
        double _x = (in);                                                                         \
        vt_tensor *_o = un(op, VT_F64, 1, &_x);                                                   \
        double _g = ((double *)_o->data)[0], _w = (want);                                         \
        CHECK_MSG(ulp64(_g, _w) <= (maxulp) && (_g != 0 || !signbit(_g) == !signbit(_w)),           \
                  "%s(%a) f64 = %a, want %a", vt_unary_op_name(op), _x, _g, _w);                  \
        vt_tensor_release(_o);                                                                    \
    } while (0)

TEST(float_exact_ops) {
    float dn = 1e-45f; /* smallest f32 denormal */
    CHECK_F32(VT_UN_ABS, -0.0f, 0.0f, 0);
    CHECK_F32(VT_UN_ABS, -INFINITY, INFINITY, 0);
    CHECK_F32(VT_UN_ABS, -dn, dn, 0);
    CHECK_F32(VT_UN_NEGATE, 0.0f, -0.0f, 0);
    CHECK_F32(VT_UN_NEGATE, dn, -dn, 0);
    CHECK_F32(VT_UN_CEIL, -0.5f, -0.0f, 0);
    CHECK_F32(VT_UN_CEIL, 1.25f, 2.0f, 0);
    CHECK_F32(VT_UN_FLOOR, -0.5f, -1.0f, 0);
    CHECK_F32(VT_UN_FLOOR, dn, 0.0f, 0);
    CHECK_F32(VT_UN_ROUND_AFZ, 2.5f, 3.0f, 0);
    CHECK_F32(VT_UN_ROUND_AFZ, -2.5f, -3.0f, 0);
    CHECK_F32(VT_UN_ROUND_AFZ, 0.4f, 0.0f, 0);
    CHECK_F32(VT_UN_ROUND_EVEN, 2.5f, 2.0f, 0);
    CHECK_F32(VT_UN_ROUND_EVEN, 3.5f, 4.0f, 0);
    CHECK_F32(VT_UN_ROUND_EVEN, -0.5f, -0.0f, 0);
    CHECK_F32(VT_UN_SIGN, -3.0f, -1.0f, 0);
    CHECK_F32(VT_UN_SIGN, -0.0f, -0.0f, 0);
    CHECK_F32(VT_UN_SIGN, 0.0f, 0.0f, 0);
    CHECK_F32(VT_UN_SIGN, dn, 1.0f, 0);
    CHECK_F32(VT_UN_SIGN, NAN, NAN, 0);
    CHECK_F32(VT_UN_SQRT, 4.0f, 2.0f, 0);
    CHECK_F32(VT_UN_SQRT, -0.0f, -0.0f, 0);
    CHECK_F32(VT_UN_SQRT, -1.0f, NAN, 0);
    CHECK_F32(VT_UN_SQRT, 2.0f, 1.41421354f, 0); /* correctly rounded */
    CHECK_F32(VT_UN_RSQRT, 4.0f, 0.5f, 0);
    CHECK_F32(VT_UN_RSQRT, 0.0f, INFINITY, 0);
    CHECK_F32(VT_UN_CBRT, -8.0f, -2.0f, 0);
    CHECK_F32(VT_UN_REAL, -1.5f, -1.5f, 0);
    CHECK_F32(VT_UN_IMAG, -1.5f, 0.0f, 0);
    CHECK_F64(VT_UN_ROUND_EVEN, 0.5, 0.0, 0);
    CHECK_F64(VT_UN_ROUND_AFZ, 0.5, 1.0, 0);
    CHECK_F64(VT_UN_ROUND_AFZ, 4503599627370497.0, 4503599627370497.0, 0);
    CHECK_F64(VT_UN_SQRT, 2.0, 1.4142135623730951, 0);
    CHECK_F64(VT_UN_ABS, -4.9406564584124654e-324, 4.9406564584124654e-324, 0);
    CHECK_F64(VT_UN_SIGN, -0.0, -0.0, 0);
    CHECK_F64(VT_UN_FLOOR, -INFINITY, -INFINITY, 0);
}

TEST(float_transcendental) {
    CHECK_F32(VT_UN_EXP, 0.0f, 1.0f, 0);
    CHECK_F32(VT_UN_EXP, 1.0f, 2.71828183f, 1);
    CHECK_F32(VT_UN_EXP, -INFINITY, 0.0f, 0);
    CHECK_F32(VT_UN_EXP, 100.0f, INFINITY, 0); /* overflow */
    CHECK_F32(VT_UN_EXP, -100.0f, 3.7200760e-44f, 0); /* result is a denormal: not flushed */
    CHECK_F32(VT_UN_LOG, 2.71828183f, 1.0f, 1);
    CHECK_F32(VT_UN_LOG, 0.0f, -INFINITY, 0);
    CHECK_F32(VT_UN_LOG, -1.0f, NAN, 0);
    CHECK_F32(VT_UN_EXPM1, 1e-10f, 1e-10f, 1);
    CHECK_F32(VT_UN_LOG1P, 1e-10f, 1e-10f, 1);
    CHECK_F32(VT_UN_LOGISTIC, 0.0f, 0.5f, 0);
    CHECK_F32(VT_UN_LOGISTIC, 1.0f, 0.731058579f, 1);
    CHECK_F32(VT_UN_LOGISTIC, -200.0f, 0.0f, 1);
    CHECK_F32(VT_UN_TANH, 0.5f, 0.462117157f, 1);
    CHECK_F32(VT_UN_TANH, -INFINITY, -1.0f, 0);
    CHECK_F32(VT_UN_SINE, 1.0f, 0.841470985f, 1);
    CHECK_F32(VT_UN_COSINE, 1.0f, 0.540302306f, 1);
    CHECK_F32(VT_UN_TAN, 1.0f, 1.55740772f, 1);
    CHECK_F64(VT_UN_EXP, 1.0, 2.718281828459045, 1);
    CHECK_F64(VT_UN_LOG, 10.0, 2.302585092994046, 1);
    CHECK_F64(VT_UN_SINE, 3.141592653589793, 1.2246467991473532e-16, 1);
    CHECK_F64(VT_UN_COSINE, 0.0, 1.0, 0);
    CHECK_F64(VT_UN_TANH, 20.0, 1.0, 1);
    CHECK_F64(VT_UN_LOGISTIC, 2.0, 0.8807970779778823, 1);
    CHECK_F64(VT_UN_EXPM1, -1e-300, -1e-300, 1);
    CHECK_F64(VT_UN_CBRT, 27.0, 3.0, 1); /* glibc cbrt: 1 ULP */
    CHECK_F64(VT_UN_RSQRT, 0.25, 2.0, 0);
    /* chlo */
    CHECK_F64(VT_UN_ERF, 0.5, 0.5204998778130465, 1);
    CHECK_F64(VT_UN_ERFC, 0.5, 0.4795001221869535, 1);
    CHECK_F64(VT_UN_ERF_INV, 0.5204998778130465, 0.5, 4);
    CHECK_F64(VT_UN_ERF_INV, -0.9999999999, -4.572824958544924, 16);
    CHECK_F64(VT_UN_ERF_INV, 1.0, INFINITY, 0);
    CHECK_F64(VT_UN_ERF_INV, 1.5, NAN, 0);
    CHECK_F64(VT_UN_ERF_INV, 0.0, 0.0, 0);
    CHECK_F64(VT_UN_LGAMMA, 0.5, 0.5723649429247001, 1);
    CHECK_F64(VT_UN_LGAMMA, -0.5, 1.2655121234846454, 1);
    CHECK_F64(VT_UN_DIGAMMA, 1.0, -0.5772156649015329, 8);
    CHECK_F64(VT_UN_DIGAMMA, 0.5, -1.9635100260214235, 8);
    CHECK_F64(VT_UN_DIGAMMA, -0.5, 0.03648997397857652, 64);
    CHECK_F64(VT_UN_DIGAMMA, 100.0, 4.600161852738087, 2);
    CHECK_F64(VT_UN_DIGAMMA, -2.0, NAN, 0);
    CHECK_F64(VT_UN_ACOS, -1.0, 3.141592653589793, 1);
    CHECK_F64(VT_UN_ASINH, 1.0, 0.881373587019543, 1);
    CHECK_F64(VT_UN_ATANH, 0.5, 0.5493061443340549, 1);
    CHECK_F64(VT_UN_COSH, 1.0, 1.5430806348152437, 1);
    CHECK_F32(VT_UN_ERF_INV, 0.5f, 0.476936276f, 1);
    /* chlo.sinh as CHLO decomposes it: this is JAX's value (the exact sinh is -3136.5986) */
    CHECK_F32(VT_UN_SINH, -8.744041442871094f, -3136.59716796875f, 0);
    CHECK_F32(VT_UN_SINH, 0.5f, 0.521095305f, 1);
    CHECK_F32(VT_UN_SINH, -0.0f, -0.0f, 0);
    CHECK_F64(VT_UN_SINH, 2.0, 3.626860407847019, 2);
    CHECK_F64(VT_UN_BESSEL_I1E, 1.0, 0.20791041534970847, 2);
    CHECK_F64(VT_UN_BESSEL_I1E, -1.0, -0.20791041534970847, 2);
    CHECK_F64(VT_UN_BESSEL_I1E, 0.001, 0.0004995003123542213, 2);
    CHECK_F64(VT_UN_BESSEL_I1E, 30.0, 0.07191633059864756, 4);
    CHECK_F64(VT_UN_BESSEL_I1E, 31.0, 0.07077639283438564, 4); /* asymptotic branch */
    CHECK_F64(VT_UN_BESSEL_I1E, 50.0, 0.05599312389289542, 4);
    CHECK_F64(VT_UN_BESSEL_I1E, -0.0, -0.0, 0);
    CHECK_F64(VT_UN_BESSEL_I1E, INFINITY, 0.0, 0);
    CHECK_F64(VT_UN_BESSEL_I1E, NAN, NAN, 0);
}

TEST(is_finite) {
    float v[5] = {1.0f, INFINITY, -INFINITY, NAN, -0.0f};
    vt_tensor *o = un(VT_UN_IS_FINITE, VT_F32, 5, v);
    CHECK_EQ_INT(o->dtype, VT_I1);
    const uint8_t *r = o->data;
    CHECK(r[0] == 1 && r[1] == 0 && r[2] == 0 && r[3] == 0 && r[4] == 1);
    vt_tensor_release(o);
    uint16_t h[3] = {0x3C00, 0x7C00, 0x7E00}; /* f16 1, inf, NaN */
    o = un(VT_UN_IS_FINITE, VT_F16, 3, h);
    r = o->data;
    CHECK(r[0] == 1 && r[1] == 0 && r[2] == 0);
    vt_tensor_release(o);
}

TEST(narrow_floats) {
    /* bf16: sqrt(2) = 1.41421356 -> 0x3FB5 (1.4140625): computed in f64, rounded once */
    uint16_t b[4] = {0x4000, 0xBF80, 0x7FC0, 0x0001};
    vt_tensor *o = un(VT_UN_SQRT, VT_BF16, 4, b);
    uint16_t *r = o->data;
    CHECK_EQ_INT(r[0], 0x3FB5);
    CHECK((r[1] & 0x7F80) == 0x7F80 && (r[1] & 0x7F)); /* sqrt(-1) NaN */
    CHECK((r[2] & 0x7F80) == 0x7F80 && (r[2] & 0x7F));
    CHECK_EQ_INT(r[3], 0x1E35); /* sqrt of the smallest denormal 2^-133 = 2^-66.5 */
    vt_tensor_release(o);
    /* f16: exp(1) = 2.71828 -> 0x4170 (2.71875); negate keeps -0; abs of denormal */
    uint16_t h[3] = {0x3C00, 0x0000, 0x8001};
    o = un(VT_UN_EXP, VT_F16, 3, h);
    r = o->data;
    CHECK_EQ_INT(r[0], 0x4170);
    CHECK_EQ_INT(r[1], 0x3C00);
    CHECK_EQ_INT(r[2], 0x3C00);
    vt_tensor_release(o);
    o = un(VT_UN_NEGATE, VT_F16, 3, h);
    r = o->data;
    CHECK_EQ_INT(r[0], 0xBC00);
    CHECK_EQ_INT(r[1], 0x8000);
    CHECK_EQ_INT(r[2], 0x0001);
    vt_tensor_release(o);
    /* f8E4M3FN: floor(1.75) = 1 (0x38), 1.75 = 0x3E; -448 max finite -> abs 448 (0x7E) */
    uint8_t e[2] = {0x3E, 0xFE};
    o = un(VT_UN_FLOOR, VT_F8E4M3FN, 2, e);
    CHECK_EQ_INT(((uint8_t *)o->data)[0], 0x38);
    CHECK_EQ_INT(((uint8_t *)o->data)[1], 0xFE);
    vt_tensor_release(o);
    o = un(VT_UN_ABS, VT_F8E4M3FN, 2, e);
    CHECK_EQ_INT(((uint8_t *)o->data)[1], 0x7E);
    vt_tensor_release(o);
}

TEST(integers) {
    int8_t s8[4] = {INT8_MIN, -1, 0, 127};
    vt_tensor *o = un(VT_UN_ABS, VT_I8, 4, s8);
    int8_t *r8 = o->data;
    CHECK(r8[0] == INT8_MIN && r8[1] == 1 && r8[2] == 0 && r8[3] == 127); /* abs(INT_MIN) = INT_MIN */
    vt_tensor_release(o);
    o = un(VT_UN_NEGATE, VT_I8, 4, s8);
    r8 = o->data;
    CHECK(r8[0] == INT8_MIN && r8[1] == 1 && r8[3] == -127);
    vt_tensor_release(o);
    int32_t s32[4] = {INT32_MIN, -1, 0, 1};
    o = un(VT_UN_POPCNT, VT_I32, 4, s32);
    int32_t *r32 = o->data;
    CHECK(r32[0] == 1 && r32[1] == 32 && r32[2] == 0 && r32[3] == 1);
    vt_tensor_release(o);
    o = un(VT_UN_CLZ, VT_I32, 4, s32);
    r32 = o->data;
    CHECK(r32[0] == 0 && r32[1] == 0 && r32[2] == 32 && r32[3] == 31);
    vt_tensor_release(o);
    o = un(VT_UN_SIGN, VT_I32, 4, s32);
    r32 = o->data;
    CHECK(r32[0] == -1 && r32[1] == -1 && r32[2] == 0 && r32[3] == 1);
    vt_tensor_release(o);
    o = un(VT_UN_ABS, VT_I32, 4, s32);
    CHECK(((int32_t *)o->data)[0] == INT32_MIN);
    vt_tensor_release(o);
    int64_t s64[2] = {INT64_MIN, 5};
    o = un(VT_UN_NOT, VT_I64, 2, s64);
    CHECK(((int64_t *)o->data)[0] == INT64_MAX && ((int64_t *)o->data)[1] == -6);
    vt_tensor_release(o);
    o = un(VT_UN_CLZ, VT_I64, 2, s64);
    CHECK(((int64_t *)o->data)[0] == 0 && ((int64_t *)o->data)[1] == 61);
    vt_tensor_release(o);
    uint16_t u16[3] = {0, 1, 65535};
    o = un(VT_UN_NEGATE, VT_U16, 3, u16);
    uint16_t *ru = o->data;
    CHECK(ru[0] == 0 && ru[1] == 65535 && ru[2] == 1);
    vt_tensor_release(o);
    o = un(VT_UN_SIGN, VT_U16, 3, u16);
    ru = o->data;
    CHECK(ru[0] == 0 && ru[1] == 1 && ru[2] == 1);
    vt_tensor_release(o);
    o = un(VT_UN_ABS, VT_U16, 3, u16);
    CHECK(((uint16_t *)o->data)[2] == 65535);
    vt_tensor_release(o);
    uint64_t u64[2] = {1, UINT64_MAX};
    o = un(VT_UN_POPCNT, VT_U64, 2, u64);
    CHECK(((uint64_t *)o->data)[0] == 1 && ((uint64_t *)o->data)[1] == 64);
    vt_tensor_release(o);
}

TEST(subbyte_integers) {
    int8_t i4[5] = {-8, -1, 0, 1, 7}; /* stored sign-extended */
    vt_tensor *o = un(VT_UN_ABS, VT_I4, 5, i4);
    int8_t *r = o->data;
    CHECK(r[0] == -8 && r[1] == 1 && r[2] == 0 && r[4] == 7); /* abs(-8) wraps to -8 */
    vt_tensor_release(o);
    o = un(VT_UN_NEGATE, VT_I4, 5, i4);
    r = o->data;
    CHECK(r[0] == -8 && r[1] == 1 && r[4] == -7);
    vt_tensor_release(o);
    o = un(VT_UN_NOT, VT_I4, 5, i4);
    r = o->data;
    CHECK(r[0] == 7 && r[1] == 0 && r[2] == -1 && r[4] == -8);
    vt_tensor_release(o);
    o = un(VT_UN_POPCNT, VT_I4, 5, i4);
    r = o->data;
    CHECK(r[0] == 1 && r[1] == 4 && r[2] == 0 && r[4] == 3);
    vt_tensor_release(o);
    o = un(VT_UN_CLZ, VT_I4, 5, i4);
    r = o->data;
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 4 && r[3] == 3 && r[4] == 1);
    vt_tensor_release(o);
    uint8_t u4[3] = {0, 1, 15};
    o = un(VT_UN_NOT, VT_U4, 3, u4);
    uint8_t *ru = o->data;
    CHECK(ru[0] == 15 && ru[1] == 14 && ru[2] == 0);
    vt_tensor_release(o);
    o = un(VT_UN_NEGATE, VT_U4, 3, u4);
    ru = o->data;
    CHECK(ru[0] == 0 && ru[1] == 15 && ru[2] == 1);
    vt_tensor_release(o);
    int8_t i2[4] = {-2, -1, 0, 1};
    o = un(VT_UN_NEGATE, VT_I2, 4, i2);
    r = o->data;
    CHECK(r[0] == -2 && r[1] == 1 && r[2] == 0 && r[3] == -1);
    vt_tensor_release(o);
    uint8_t u2[2] = {0, 3};
    o = un(VT_UN_CLZ, VT_U2, 2, u2);
    CHECK(((uint8_t *)o->data)[0] == 2 && ((uint8_t *)o->data)[1] == 0);
    vt_tensor_release(o);
    uint8_t bl[2] = {0, 1};
    o = un(VT_UN_NOT, VT_I1, 2, bl);
    CHECK(((uint8_t *)o->data)[0] == 1 && ((uint8_t *)o->data)[1] == 0);
    vt_tensor_release(o);
}

static bool near(double got, double want, double tol) { return fabs(got - want) <= tol * (1 + fabs(want)); }

TEST(complex_unary) {
    double z[6] = {3.0, 4.0, 0.0, 0.0, -4.0, 0.0};
    vt_tensor *o = un(VT_UN_ABS, VT_C128, 3, z);
    CHECK_EQ_INT(o->dtype, VT_F64);
    double *r = o->data;
    CHECK(r[0] == 5.0 && r[1] == 0.0 && r[2] == 4.0);
    vt_tensor_release(o);
    o = un(VT_UN_SQRT, VT_C128, 3, z);
    r = o->data;
    CHECK(r[0] == 2.0 && r[1] == 1.0 && r[4] == 0.0 && r[5] == 2.0); /* sqrt(3+4i) = 2+i, sqrt(-4) = 2i */
    vt_tensor_release(o);
    o = un(VT_UN_SIGN, VT_C128, 3, z);
    r = o->data;
    CHECK(near(r[0], 0.6, 1e-15) && near(r[1], 0.8, 1e-15) && r[2] == 0 && r[3] == 0 && r[4] == -1.0);
    vt_tensor_release(o);
    o = un(VT_UN_CBRT, VT_C128, 1, z); /* the conformance suite's value */
    r = o->data;
    CHECK(near(r[0], 1.6289371459221759, 1e-14) && near(r[1], 0.5201745023045458, 1e-14));
    vt_tensor_release(o);
    double w[2] = {1.0, 2.0};
    o = un(VT_UN_LOGISTIC, VT_C128, 1, w);
    r = o->data;
    CHECK(near(r[0], 1.02141536417218054, 1e-14) && near(r[1], 0.40343870608154248, 1e-14));
    vt_tensor_release(o);
    o = un(VT_UN_EXPM1, VT_C128, 1, w); /* e(cos 2 + i sin 2) - 1 */
    r = o->data;
    CHECK(near(r[0], -2.1312043837568135, 1e-14) && near(r[1], 2.4717266720048188, 1e-14));
    vt_tensor_release(o);
    o = un(VT_UN_LOG1P, VT_C128, 1, w); /* log(2+2i) = log(2 sqrt 2) + i pi/4 */
    r = o->data;
    CHECK(near(r[0], 1.0397207708399179, 1e-14) && near(r[1], 0.7853981633974483, 1e-14));
    vt_tensor_release(o);
    /* log(-1) = i pi; sin(i) = i sinh 1; cos(i) = cosh 1; tan(i) = i tanh 1; tanh(1); rsqrt(4) */
    struct { vt_unary_op op; double re, im, wre, wim; } cz[] = {
        {VT_UN_LOG, -1, 0, 0, M_PI},
        {VT_UN_SINE, 0, 1, 0, 1.1752011936438014},
        {VT_UN_COSINE, 0, 1, 1.5430806348152437, 0},
        {VT_UN_TAN, 0, 1, 0, 0.7615941559557649},
        {VT_UN_TANH, 1, 0, 0.7615941559557649, 0},
        {VT_UN_RSQRT, 4, 0, 0.5, 0},
        {VT_UN_EXP, 0, M_PI / 2, 0, 1},
        {VT_UN_ATANH, 0, 0, 0, 0},
        {VT_UN_ASINH, 0, 1, 0, M_PI / 2},
    };
    for (size_t i = 0; i < sizeof cz / sizeof cz[0]; i++) {
        double zi[2] = {cz[i].re, cz[i].im};
        o = un(cz[i].op, VT_C128, 1, zi);
        r = o->data;
        CHECK_MSG(near(r[0], cz[i].wre, 1e-15) && near(r[1], cz[i].wim, 1e-15), "%s(%g, %g) = (%g, %g)",
                  vt_unary_op_name(cz[i].op), cz[i].re, cz[i].im, r[0], r[1]);
        vt_tensor_release(o);
    }
    float zf[4] = {0.0f, 3.14159265f, 1.0f, -1.0f};
    o = un(VT_UN_EXP, VT_C64, 2, zf);
    float *rf = o->data;
    CHECK(near(rf[0], -1.0, 1e-7) && fabs(rf[1]) < 1e-6);
    vt_tensor_release(o);
    o = un(VT_UN_IMAG, VT_C64, 2, zf);
    CHECK_EQ_INT(o->dtype, VT_F32);
    CHECK(((float *)o->data)[0] == 3.14159265f && ((float *)o->data)[1] == -1.0f);
    vt_tensor_release(o);
    o = un(VT_UN_REAL, VT_C64, 2, zf);
    CHECK(((float *)o->data)[1] == 1.0f);
    vt_tensor_release(o);
    o = un(VT_UN_NEGATE, VT_C64, 2, zf);
    CHECK(((float *)o->data)[2] == -1.0f && ((float *)o->data)[3] == 1.0f);
    vt_tensor_release(o);
}

TEST(unary_errors) {
    vt_error err = {0};
    vt_kctx c = ctx1();
    float v[4] = {1, 2, 3, 4};
    vt_tensor *x = mk(VT_F32, 4, v), *o = mk(VT_F32, 4, NULL), *o3 = mk(VT_F32, 3, NULL), *oi = mk(VT_I32, 4, NULL);
    CHECK_ERR(vt_k_unary(&c, VT_UN_POPCNT, x, oi, &err), &err, VT_EUNSUPPORTED, "not supported: popcnt on f32");
    CHECK_ERR(vt_k_unary(&c, VT_UN_NOT, x, o, &err), &err, VT_EUNSUPPORTED, "not supported: not on f32");
    CHECK_ERR(vt_k_unary(&c, VT_UN_SINE, oi, oi, &err), &err, VT_EUNSUPPORTED, "not supported: sine on i32");
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, x, o3, &err), &err, VT_EINPUT, "shape");
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, x, oi, &err), &err, VT_EINPUT, "expected element type f32");
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, NULL, o, &err), &err, VT_EINPUT, "missing");
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, x, NULL, &err), &err, VT_EINPUT, "missing");
    CHECK_ERR(vt_k_unary(&c, (vt_unary_op)999, x, o, &err), &err, VT_EINPUT, "out of range");
    vt_tensor *cx = mk(VT_C64, 2, NULL), *cf = mk(VT_C64, 2, NULL);
    CHECK_ERR(vt_k_unary(&c, VT_UN_CEIL, cx, cf, &err), &err, VT_EUNSUPPORTED, "not supported: ceil on complex<f32>");
    CHECK_ERR(vt_k_unary(&c, VT_UN_IS_FINITE, cx, cf, &err), &err, VT_EUNSUPPORTED, "is_finite on complex<f32>");
    /* corrupted tensor: byte count disagrees with the shape */
    size_t keep = x->nbytes;
    x->nbytes = 3;
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, x, o, &err), &err, VT_EINPUT, "bytes for 4 elements");
    x->nbytes = keep;
    /* fuel: 4 elements x 2 = 8 units needed */
    vt_kctx poor = {.threads = 1, .fuel_left = 7};
    CHECK_ERR(vt_k_unary(&poor, VT_UN_EXP, x, o, &err), &err, VT_ELIMIT, "fuel");
    CHECK_EQ_INT(poor.fuel_left, 0);
    /* hostile tensor records: an element count whose byte size overflows, and a huge but
     * consistent one that only the fuel meter stops (no element is touched) */
    vt_tensor fake = *x, fake_out = *o;
    fake.nelem = (size_t)1 << 62;
    fake.nbytes = 0;
    fake.dims[0] = (int64_t)1 << 62;
    fake_out.nelem = fake.nelem;
    fake_out.nbytes = 0;
    fake_out.dims[0] = fake.dims[0];
    CHECK_ERR(vt_k_unary(&c, VT_UN_EXP, &fake, &fake_out, &err), &err, VT_EINPUT, "bytes for 4611686018427387904 elements");
    fake.nelem = fake_out.nelem = (size_t)1 << 40;
    fake.nbytes = fake_out.nbytes = (size_t)1 << 42;
    fake.dims[0] = fake_out.dims[0] = (int64_t)1 << 40;
    vt_kctx budget = {.threads = 4, .fuel_left = 1000000000};
    CHECK_ERR(vt_k_unary(&budget, VT_UN_EXP, &fake, &fake_out, &err), &err, VT_ELIMIT, "fuel");
    CHECK_ERR(vt_k_reduce_precision(&budget, &fake, 5, 10, &fake_out, &err), &err, VT_ELIMIT, "fuel");
    CHECK_ERR(vt_k_bitcast_convert(&budget, &fake, &fake_out, &err), &err, VT_ELIMIT, "fuel");
    CHECK_ERR(vt_k_convert(&budget, &fake, &fake_out, &err), &err, VT_ELIMIT, "fuel");
    vt_kctx rich = {.threads = 1, .fuel_left = 8};
    CHECK_EQ_INT(vt_k_unary(&rich, VT_UN_EXP, x, o, &err), VT_OK);
    CHECK_EQ_INT(rich.fuel_left, 0);
    vt_tensor_release(x);
    vt_tensor_release(o);
    vt_tensor_release(o3);
    vt_tensor_release(oi);
    vt_tensor_release(cx);
    vt_tensor_release(cf);
    vt_unary_op op;
    CHECK(vt_unary_op_from_name("stablehlo.exponential_minus_one", &op) && op == VT_UN_EXPM1);
    CHECK(vt_unary_op_from_name("chlo.erf_inv", &op) && op == VT_UN_ERF_INV);
    CHECK(!vt_unary_op_from_name("frobnicate", &op));
    CHECK_EQ_INT(vt_unary_result_dtype(VT_UN_ABS, VT_C128), VT_F64);
    CHECK_EQ_INT(vt_unary_result_dtype(VT_UN_ABS, VT_DTYPE_INVALID), VT_DTYPE_INVALID);
}

TEST(threads_identical) {
    size_t n = (size_t)1 << 18;
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)((double)i * 1e-4 - 13.0);
    vt_tensor *x = mk(VT_F32, n, v), *o1 = mk(VT_F32, n, NULL), *o4 = mk(VT_F32, n, NULL);
    vt_error err = {0};
    vt_kctx c1 = {.threads = 1, .fuel_left = UINT64_MAX}, c4 = {.threads = 4, .fuel_left = UINT64_MAX};
    CHECK_EQ_INT(vt_k_unary(&c1, VT_UN_TANH, x, o1, &err), VT_OK);
    CHECK_EQ_INT(vt_k_unary(&c4, VT_UN_TANH, x, o4, &err), VT_OK);
    CHECK(memcmp(o1->data, o4->data, o1->nbytes) == 0);
    /* in place */
    CHECK_EQ_INT(vt_k_unary(&c4, VT_UN_TANH, x, x, &err), VT_OK);
    CHECK(memcmp(o1->data, x->data, o1->nbytes) == 0);
    free(v);
    vt_tensor_release(x);
    vt_tensor_release(o1);
    vt_tensor_release(o4);
}

/* ---- convert, bitcast_convert, reduce_precision ---------------------------------------------- */
TEST(reduce_precision) {
    /* the conformance suite's f64 case: e5m10 */
    uint64_t bits[6] = {0x7FF0000000000000ull, 0x7FFFFFFFFFFFFFFFull, 1, 0, 0, 0};
    double *d = (double *)bits;
    d[3] = 0.0;
    d[4] = 65505.0;
    d[5] = 65520.0;
    vt_tensor *x = mk(VT_F64, 6, bits), *o = mk(VT_F64, 6, NULL);
    vt_kctx c = ctx1();
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_reduce_precision(&c, x, 5, 10, o, &err), VT_OK);
    double *r = o->data;
    CHECK(r[0] == INFINITY && isnan(r[1]) && r[2] == 0.0 && r[3] == 0.0 && r[4] == 65504.0 && r[5] == INFINITY);
    CHECK_EQ_INT(vt_k_reduce_precision(&c, x, 5, 0, o, &err), VT_OK);
    CHECK(r[1] == INFINITY); /* NaN with no mantissa left */
    vt_tensor_release(x);
    vt_tensor_release(o);
    /* f32 -> bf16 precision (e8m7): ties to even, -0 kept, NaN kept */
    float f[4] = {1.00390625f /* 1 + 2^-8: tie -> 1 */, 1.01171875f /* 1+3*2^-8: tie -> 1+2^-6 */, -0.0f, NAN};
    x = mk(VT_F32, 4, f);
    o = mk(VT_F32, 4, NULL);
    CHECK_EQ_INT(vt_k_reduce_precision(&c, x, 8, 7, o, &err), VT_OK);
    float *rf = o->data;
    CHECK(rf[0] == 1.0f && rf[1] == 1.015625f && rf[2] == 0.0f && signbit(rf[2]) && isnan(rf[3]));
    CHECK_ERR(vt_k_reduce_precision(&c, x, 0, 7, o, &err), &err, VT_EINPUT, "e0m7 out of range");
    CHECK_ERR(vt_k_reduce_precision(&c, x, 8, -1, o, &err), &err, VT_EINPUT, "out of range");
    vt_tensor_release(o);
    o = mk(VT_F64, 4, NULL);
    CHECK_ERR(vt_k_reduce_precision(&c, x, 8, 7, o, &err), &err, VT_EINPUT, "result type");
    vt_tensor_release(o);
    vt_tensor_release(x);
    x = mk(VT_I32, 4, NULL);
    o = mk(VT_I32, 4, NULL);
    CHECK_ERR(vt_k_reduce_precision(&c, x, 8, 7, o, &err), &err, VT_EUNSUPPORTED, "not supported: reduce_precision on i32");
    vt_tensor_release(x);
    vt_tensor_release(o);
    /* f16 input, e5m2: values round like f8E5M2 */
    uint16_t h[2] = {0x3C00 | 0x0080 /* 1.125: tie -> 1.0 */, 0x3C00 | 0x0180 /* 1.375: tie -> 1.5 */};
    x = mk(VT_F16, 2, h);
    o = mk(VT_F16, 2, NULL);
    CHECK_EQ_INT(vt_k_reduce_precision(&c, x, 5, 2, o, &err), VT_OK);
    CHECK(((uint16_t *)o->data)[0] == 0x3C00 && ((uint16_t *)o->data)[1] == 0x3E00);
    vt_tensor_release(x);
    vt_tensor_release(o);
}

TEST(bitcast) {
    vt_kctx c = ctx1();
    vt_error err = {0};
    /* 64 x i1 -> i64: element i is bit i (the conformance suite's case) */
    uint64_t want = 0x0123456789ABCDEFull;
    uint8_t bitsv[64];
    for (int i = 0; i < 64; i++) bitsv[i] = (uint8_t)((want >> i) & 1u);
    vt_tensor *x = mk(VT_I1, 64, bitsv);
    vt_tensor *o = vt_tensor_create(VT_I64, 0, NULL, 0, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, x, o, &err), VT_OK);
    CHECK(*(uint64_t *)o->data == want);
    vt_tensor *back = mk(VT_I1, 64, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, o, back, &err), VT_OK);
    CHECK(memcmp(back->data, bitsv, 64) == 0);
    vt_tensor_release(back);
    vt_tensor_release(x);
    /* i64 -> f64 same shape */
    vt_tensor *f = vt_tensor_create(VT_F64, 0, NULL, 0, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, o, f, &err), VT_OK);
    CHECK(memcmp(f->data, &want, 8) == 0);
    vt_tensor_release(f);
    /* i64 -> 2 x i4? wrong ratio: 64/4 = 16 */
    int64_t d2[1] = {2};
    vt_tensor *bad = vt_tensor_create(VT_I4, 1, d2, 0, NULL);
    CHECK_ERR(vt_k_bitcast_convert(&c, o, bad, &err), &err, VT_EINPUT, "cannot reinterpret tensor<i64> as tensor<2xi4>");
    vt_tensor_release(bad);
    /* i64 -> 16 x i4: nibbles low first, sign-extended */
    int64_t d16[1] = {16};
    vt_tensor *nib = vt_tensor_create(VT_I4, 1, d16, 0, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, o, nib, &err), VT_OK);
    int8_t *nb = nib->data;
    CHECK(nb[0] == -1 /* 0xF */ && nb[1] == -2 /* 0xE */ && nb[15] == 0 && nb[14] == 1);
    vt_tensor_release(nib);
    vt_tensor_release(o);
    /* complex<f64> -> 2 x complex<f32> */
    uint64_t cz[2] = {0x0123456789ABCDEFull, 0x0000000011111111ull};
    vt_tensor *cx = vt_tensor_create(VT_C128, 0, NULL, 0, NULL);
    memcpy(cx->data, cz, 16);
    int64_t two[1] = {2};
    vt_tensor *c2 = vt_tensor_create(VT_C64, 1, two, 0, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, cx, c2, &err), VT_OK);
    uint32_t *w = c2->data;
    CHECK(w[0] == 0x89ABCDEF && w[1] == 0x01234567 && w[2] == 0x11111111 && w[3] == 0);
    /* wrong direction of the extra dim */
    vt_tensor *c3 = vt_tensor_create(VT_C64, 0, NULL, 0, NULL);
    CHECK_ERR(vt_k_bitcast_convert(&c, cx, c3, &err), &err, VT_EINPUT, "cannot reinterpret");
    CHECK_ERR(vt_k_bitcast_convert(&c, NULL, c3, &err), &err, VT_EINPUT, "operand is missing");
    vt_tensor_release(c3);
    vt_tensor_release(c2);
    vt_tensor_release(cx);
    /* f32 <-> 4 x ui8 and 2 x bf16 */
    float one = 1.0f;
    vt_tensor *s = vt_tensor_create(VT_F32, 0, NULL, 0, NULL);
    memcpy(s->data, &one, 4);
    int64_t four[1] = {4};
    vt_tensor *u8 = vt_tensor_create(VT_U8, 1, four, 0, NULL);
    CHECK_EQ_INT(vt_k_bitcast_convert(&c, s, u8, &err), VT_OK);
    uint8_t *ub = u8->data;
    CHECK(ub[0] == 0 && ub[1] == 0 && ub[2] == 0x80 && ub[3] == 0x3F);
    vt_tensor_release(u8);
    vt_tensor_release(s);
}

TEST(convert_kernel) {
    vt_kctx c = ctx1();
    vt_error err = {0};
    float v[4] = {1.5f, -2.5f, 1e20f, NAN};
    vt_tensor *x = mk(VT_F32, 4, v), *o = mk(VT_I32, 4, NULL);
    CHECK_EQ_INT(vt_k_convert(&c, x, o, &err), VT_OK);
    int32_t *r = o->data;
    CHECK(r[0] == 1 && r[1] == -2 && r[2] == INT32_MAX && r[3] == 0);
    vt_tensor *o3 = mk(VT_I32, 3, NULL);
    CHECK_ERR(vt_k_convert(&c, x, o3, &err), &err, VT_EINPUT, "shape");
    vt_tensor_release(o3);
    vt_tensor_release(x);
    vt_tensor_release(o);
}

int main(void) {
    RUN(float_exact_ops);
    RUN(float_transcendental);
    RUN(is_finite);
    RUN(narrow_floats);
    RUN(integers);
    RUN(subbyte_integers);
    RUN(complex_unary);
    RUN(unary_errors);
    RUN(threads_identical);
    RUN(reduce_precision);
    RUN(bitcast);
    RUN(convert_kernel);
    return vt_test_finish();
}
