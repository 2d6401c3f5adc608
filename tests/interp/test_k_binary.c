/* Tests of the binary elementwise kernels (k_binary.c): arithmetic per type family, XLA's
 * integer corner cases, sub-byte wrap, NaN rules of maximum/minimum, complex, errors. */
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

/* Runs a op b on n elements of type t; returns the result (caller releases). */
static vt_tensor *bin(vt_binary_op op, vt_dtype t, size_t n, const void *a, const void *b) {
    vt_tensor *x = mk(t, n, a), *y = mk(t, n, b);
    vt_tensor *o = mk(vt_binary_result_dtype(op, t), n, NULL);
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_error err = {0};
    vt_status s = vt_k_binary(&c, op, x, y, o, &err);
    CHECK_MSG(s == VT_OK, "%s on %s: %s", vt_binary_op_name(op), vt_dtype_name(t), err.msg);
    vt_tensor_release(x);
    vt_tensor_release(y);
    return o;
}

static bool same_f32(float a, float b) { return memcmp(&a, &b, 4) == 0 || (isnan(a) && isnan(b)); }
static bool same_f64(double a, double b) { return memcmp(&a, &b, 8) == 0 || (isnan(a) && isnan(b)); }

TEST(float_arith) {
    float a[8] = {0.1f, INFINITY, 1.0f, -1.0f, 0.0f, 1e-45f, 3.0f, -0.0f};
    float b[8] = {0.2f, INFINITY, 0.0f, 0.0f, 0.0f, 1e-45f, 7.0f, 0.0f};
    vt_tensor *o = bin(VT_BIN_ADD, VT_F32, 8, a, b);
    float *r = o->data;
    CHECK(r[0] == 0.3f && r[1] == INFINITY && r[5] == 0x1p-148f && same_f32(r[7], 0.0f));
    vt_tensor_release(o);
    o = bin(VT_BIN_SUB, VT_F32, 8, a, b);
    r = o->data;
    CHECK(isnan(r[1]) && r[5] == 0.0f && same_f32(r[7], -0.0f));
    vt_tensor_release(o);
    o = bin(VT_BIN_DIV, VT_F32, 8, a, b);
    r = o->data;
    CHECK(r[2] == INFINITY && r[3] == -INFINITY && isnan(r[4]) && r[5] == 1.0f);
    CHECK(same_f32(r[6], 3.0f / 7.0f)); /* correctly rounded */
    vt_tensor_release(o);
    o = bin(VT_BIN_MUL, VT_F32, 8, a, b);
    r = o->data;
    CHECK(r[5] == 0.0f && same_f32(r[3], -0.0f) && r[6] == 21.0f);
    vt_tensor_release(o);
    double da[3] = {0.1, 1e308, -4.9406564584124654e-324}, db[3] = {0.2, 1e308, 0.5};
    vt_tensor *od = bin(VT_BIN_ADD, VT_F64, 3, da, db);
    CHECK(((double *)od->data)[0] == 0.1 + 0.2 && ((double *)od->data)[1] == INFINITY);
    vt_tensor_release(od);
    od = bin(VT_BIN_MUL, VT_F64, 3, da, db);
    CHECK(same_f64(((double *)od->data)[2], -0.0)); /* denormal * 0.5 rounds to -0 (ties to even) */
    vt_tensor_release(od);
}

TEST(max_min_nan_rules) {
    /* the conformance suite's f32 maximum vectors */
    uint32_t ab[11] = {0xFF800000, 0xFF800000, 0xBF800000, 0x80000001, 0x00000000, 0x00000000, 0x00000001, 0x3F800000,
                       0x7F800000, 0x7F800000, 0x7FC00000};
    uint32_t bb[11] = {0xFF800000, 0xBF800000, 0x80000001, 0x80000000, 0x80000000, 0x00000001, 0x3F800000, 0x7F800000,
                       0x7F800000, 0xFF800000, 0x7F800000};
    uint32_t want_max[11] = {0xFF800000, 0xBF800000, 0x80000001, 0x80000000, 0x00000000, 0x00000001,
                             0x3F800000, 0x7F800000, 0x7F800000, 0x7F800000, 0x7FC00000};
    vt_tensor *o = bin(VT_BIN_MAX, VT_F32, 11, ab, bb);
    CHECK(memcmp(o->data, want_max, sizeof want_max) == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_MIN, VT_F32, 11, ab, bb);
    uint32_t *r = o->data;
    CHECK(r[0] == 0xFF800000 && r[1] == 0xFF800000 && r[3] == 0x80000001 && r[4] == 0x80000000 && r[9] == 0xFF800000);
    CHECK((r[10] & 0x7FFFFFFF) > 0x7F800000); /* NaN propagates */
    vt_tensor_release(o);
    o = bin(VT_BIN_MIN, VT_F32, 11, bb, ab); /* NaN second */
    CHECK((((uint32_t *)o->data)[10] & 0x7FFFFFFF) > 0x7F800000);
    vt_tensor_release(o);
    double a64[2] = {-0.0, NAN}, b64[2] = {0.0, 1.0};
    vt_tensor *od = bin(VT_BIN_MIN, VT_F64, 2, a64, b64);
    CHECK(same_f64(((double *)od->data)[0], -0.0) && isnan(((double *)od->data)[1]));
    vt_tensor_release(od);
    /* bf16 through f64 */
    uint16_t hb[3] = {0x8000, 0x7FC0, 0x3F80}, hc[3] = {0x0000, 0x3F80, 0xBF80};
    o = bin(VT_BIN_MAX, VT_BF16, 3, hb, hc);
    uint16_t *rh = o->data;
    CHECK(rh[0] == 0x0000 && (rh[1] & 0x7FFF) > 0x7F80 && rh[2] == 0x3F80);
    vt_tensor_release(o);
    /* complex: lexicographic, the conformance suite's vectors */
    float ca[8] = {1.5f, 2.5f, 1.5f, 7.5f, 0.0f, 1.5f, 0.0f, 1.5f};
    float cb[8] = {7.5f, 1.5f, 1.5f, 2.5f, -0.0f, 2.5f, 0.0f, 1.5f};
    float want[8] = {7.5f, 1.5f, 1.5f, 7.5f, -0.0f, 2.5f, 0.0f, 1.5f};
    o = bin(VT_BIN_MAX, VT_C64, 4, ca, cb);
    CHECK(memcmp(o->data, want, sizeof want) == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_MIN, VT_C64, 4, ca, cb);
    float *rc = o->data;
    CHECK(rc[0] == 1.5f && rc[1] == 2.5f && rc[2] == 1.5f && rc[3] == 2.5f && rc[5] == 1.5f);
    vt_tensor_release(o);
    /* integers, the conformance suite's i4 and ui64 vectors */
    int8_t i4a[5] = {0, 1, 2, -3, 0}, i4b[5] = {-8, -1, 2, -3, 7};
    o = bin(VT_BIN_MAX, VT_I4, 5, i4a, i4b);
    int8_t *r4 = o->data;
    CHECK(r4[0] == 0 && r4[1] == 1 && r4[2] == 2 && r4[3] == -3 && r4[4] == 7);
    vt_tensor_release(o);
    uint64_t ua[2] = {0, 4294967296ull}, ub[2] = {UINT64_MAX, 4294967296ull};
    o = bin(VT_BIN_MAX, VT_U64, 2, ua, ub);
    CHECK(((uint64_t *)o->data)[0] == UINT64_MAX);
    vt_tensor_release(o);
}

TEST(remainder_power_atan2) {
    double a[6] = {17.1, -17.1, 17.1, -17.1, 5.0, INFINITY}, b[6] = {3.0, 3.0, -3.0, -3.0, 0.0, 2.0};
    vt_tensor *o = bin(VT_BIN_REM, VT_F64, 6, a, b);
    double *r = o->data;
    CHECK(r[0] == 2.1000000000000014 && r[1] == -2.1000000000000014 && r[2] == 2.1000000000000014 &&
          r[3] == -2.1000000000000014 && isnan(r[4]) && isnan(r[5]));
    vt_tensor_release(o);
    float fa[2] = {5.5f, -0.0f}, fb[2] = {-2.0f, 1.0f};
    o = bin(VT_BIN_REM, VT_F32, 2, fa, fb);
    CHECK(((float *)o->data)[0] == 1.5f && same_f32(((float *)o->data)[1], -0.0f));
    vt_tensor_release(o);
    double pa[6] = {-2.0, -0.0, -36.0, 5.0, 3.0, 10000.0}, pb[6] = {2.0, 2.0, 1.1, 2.0, -1.0, 10.0};
    o = bin(VT_BIN_POW, VT_F64, 6, pa, pb);
    r = o->data;
    CHECK(r[0] == 4.0 && same_f64(r[1], 0.0) && isnan(r[2]) && r[3] == 25.0 && r[4] == 1.0 / 3.0 && r[5] == 1e40);
    vt_tensor_release(o);
    double ya[4] = {0.0, 1.0, -1.0, -0.0}, xa[4] = {0.0, 0.0, 0.0, -1.0};
    o = bin(VT_BIN_ATAN2, VT_F64, 4, ya, xa);
    r = o->data;
    CHECK(r[0] == 0.0 && r[1] == M_PI / 2 && r[2] == -M_PI / 2 && r[3] == -M_PI);
    vt_tensor_release(o);
    /* f16 power through f64: 3^2 = 9 exactly, 2^-25 underflows to 0 in f16 */
    uint16_t ha[2] = {0x4200, 0x4000}, hb[2] = {0x4000, 0xCE40};
    o = bin(VT_BIN_POW, VT_F16, 2, ha, hb);
    CHECK(((uint16_t *)o->data)[0] == 0x4880 && ((uint16_t *)o->data)[1] == 0x0000);
    vt_tensor_release(o);
}

TEST(integer_xla_cases) {
    int32_t a[8] = {7, -7, 7, 5, INT32_MIN, INT32_MIN, INT32_MAX, -5};
    int32_t b[8] = {-2, 2, 0, 0, -1, -1, 1, 3};
    vt_tensor *o = bin(VT_BIN_DIV, VT_I32, 8, a, b);
    int32_t *r = o->data;
    CHECK(r[0] == -3 && r[1] == -3 && r[2] == -1 && r[3] == -1 && r[4] == INT32_MIN && r[7] == -1);
    vt_tensor_release(o);
    o = bin(VT_BIN_REM, VT_I32, 8, a, b);
    r = o->data;
    CHECK(r[0] == 1 && r[1] == -1 && r[2] == 7 && r[3] == 5 && r[4] == 0 && r[7] == -2);
    vt_tensor_release(o);
    o = bin(VT_BIN_ADD, VT_I32, 8, a, b);
    CHECK(((int32_t *)o->data)[6] == INT32_MIN); /* wraps */
    vt_tensor_release(o);
    o = bin(VT_BIN_SUB, VT_I32, 8, a, b);
    CHECK(((int32_t *)o->data)[4] == INT32_MIN + 1);
    vt_tensor_release(o);
    int64_t la[2] = {INT64_MIN, 9}, lb[2] = {-1, 0};
    o = bin(VT_BIN_DIV, VT_I64, 2, la, lb);
    CHECK(((int64_t *)o->data)[0] == INT64_MIN && ((int64_t *)o->data)[1] == -1);
    vt_tensor_release(o);
    o = bin(VT_BIN_MUL, VT_I64, 2, la, lb);
    CHECK(((int64_t *)o->data)[0] == INT64_MIN && ((int64_t *)o->data)[1] == 0);
    vt_tensor_release(o);
    uint32_t ua[3] = {7, 200, 17}, ub[3] = {0, 7, 0};
    o = bin(VT_BIN_DIV, VT_U32, 3, ua, ub);
    CHECK(((uint32_t *)o->data)[0] == UINT32_MAX && ((uint32_t *)o->data)[1] == 28);
    vt_tensor_release(o);
    o = bin(VT_BIN_REM, VT_U32, 3, ua, ub);
    CHECK(((uint32_t *)o->data)[0] == 7 && ((uint32_t *)o->data)[1] == 4 && ((uint32_t *)o->data)[2] == 17);
    vt_tensor_release(o);
    uint8_t u8a[2] = {200, 100}, u8b[2] = {100, 3};
    o = bin(VT_BIN_ADD, VT_U8, 2, u8a, u8b);
    CHECK(((uint8_t *)o->data)[0] == 44);
    vt_tensor_release(o);
    int8_t i8a[2] = {100, -128}, i8b[2] = {3, -1};
    o = bin(VT_BIN_MUL, VT_I8, 2, i8a, i8b);
    CHECK(((int8_t *)o->data)[0] == 44 && ((int8_t *)o->data)[1] == -128);
    vt_tensor_release(o);
    o = bin(VT_BIN_DIV, VT_I8, 2, i8a, i8b);
    CHECK(((int8_t *)o->data)[1] == -128);
    vt_tensor_release(o);
    /* power: the conformance suite's si64 and ui64 vectors, wrap, XLA's negative exponents */
    int64_t pa[9] = {-1, -1, -3, 1, -3, 0, 2, -1, 3}, pb[9] = {1, 0, -3, -3, 3, 2, 70, -1, 40};
    o = bin(VT_BIN_POW, VT_I64, 9, pa, pb);
    int64_t *rp = o->data;
    CHECK(rp[0] == -1 && rp[1] == 1 && rp[2] == 0 && rp[3] == 1 && rp[4] == -27 && rp[5] == 0 && rp[6] == 0 &&
          rp[7] == 0);
    CHECK((uint64_t)rp[8] == 12157665459056928801ull); /* 3^40 fits in 64 bits unsigned: wraps to this */
    vt_tensor_release(o);
    uint64_t qa[5] = {0, 0, 1, 1, 5}, qb[5] = {0, 1, 0, 2, 5};
    o = bin(VT_BIN_POW, VT_U64, 5, qa, qb);
    uint64_t *rq = o->data;
    CHECK(rq[0] == 1 && rq[1] == 0 && rq[2] == 1 && rq[3] == 1 && rq[4] == 3125);
    vt_tensor_release(o);
    int8_t ea[1] = {3}, eb[1] = {5};
    o = bin(VT_BIN_POW, VT_I8, 1, ea, eb);
    CHECK(((int8_t *)o->data)[0] == -13); /* 243 wraps */
    vt_tensor_release(o);
}

TEST(shifts_and_logic) {
    int32_t a[8] = {1, 1, 1, -1, -1, -8, -8, 8}, b[8] = {31, 32, -1, 28, 32, 1, 40, 40};
    vt_tensor *o = bin(VT_BIN_SHL, VT_I32, 8, a, b);
    int32_t *r = o->data;
    CHECK(r[0] == INT32_MIN && r[1] == 0 && r[2] == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRL, VT_I32, 8, a, b);
    r = o->data;
    CHECK(r[3] == 15 && r[4] == 0 && r[5] == 0x7FFFFFFC);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRA, VT_I32, 8, a, b);
    r = o->data;
    CHECK(r[5] == -4 && r[6] == -1 && r[7] == 0 && r[4] == -1);
    vt_tensor_release(o);
    uint32_t ua[2] = {0x80000000u, 0x80000000u}, ub[2] = {31, 99};
    o = bin(VT_BIN_SHRA, VT_U32, 2, ua, ub);
    CHECK(((uint32_t *)o->data)[0] == 0xFFFFFFFFu && ((uint32_t *)o->data)[1] == 0xFFFFFFFFu);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRL, VT_U32, 2, ua, ub);
    CHECK(((uint32_t *)o->data)[0] == 1 && ((uint32_t *)o->data)[1] == 0);
    vt_tensor_release(o);
    uint64_t la[1] = {1}, lb[1] = {63};
    o = bin(VT_BIN_SHL, VT_U64, 1, la, lb);
    CHECK(((uint64_t *)o->data)[0] == 0x8000000000000000ull);
    vt_tensor_release(o);
    int16_t xa[2] = {0x0F0F, -1}, xb[2] = {0x00FF, 0x1234};
    o = bin(VT_BIN_AND, VT_I16, 2, xa, xb);
    CHECK(((int16_t *)o->data)[0] == 0x000F && ((int16_t *)o->data)[1] == 0x1234);
    vt_tensor_release(o);
    o = bin(VT_BIN_OR, VT_I16, 2, xa, xb);
    CHECK(((int16_t *)o->data)[0] == 0x0FFF && ((int16_t *)o->data)[1] == -1);
    vt_tensor_release(o);
    o = bin(VT_BIN_XOR, VT_I16, 2, xa, xb);
    CHECK(((int16_t *)o->data)[0] == 0x0FF0 && ((int16_t *)o->data)[1] == (int16_t)~0x1234);
    vt_tensor_release(o);
    uint8_t ba[4] = {0, 0, 1, 1}, bb[4] = {0, 1, 0, 1};
    struct { vt_binary_op op; uint8_t want[4]; } bl[] = {
        {VT_BIN_ADD, {0, 1, 1, 1}}, {VT_BIN_OR, {0, 1, 1, 1}}, {VT_BIN_MAX, {0, 1, 1, 1}},
        {VT_BIN_MUL, {0, 0, 0, 1}}, {VT_BIN_AND, {0, 0, 0, 1}}, {VT_BIN_MIN, {0, 0, 0, 1}},
        {VT_BIN_XOR, {0, 1, 1, 0}},
    };
    for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++) {
        o = bin(bl[i].op, VT_I1, 4, ba, bb);
        CHECK_MSG(memcmp(o->data, bl[i].want, 4) == 0, "i1 %s", vt_binary_op_name(bl[i].op));
        vt_tensor_release(o);
    }
}

TEST(subbyte_wrap) {
    int8_t a[6] = {7, 4, -8, 5, 1, -1}, b[6] = {1, 4, -1, 0, 3, 1};
    vt_tensor *o = bin(VT_BIN_ADD, VT_I4, 6, a, b);
    int8_t *r = o->data;
    CHECK(r[0] == -8 && r[1] == -8 && r[2] == 7 && r[4] == 4 && r[5] == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_MUL, VT_I4, 6, a, b);
    r = o->data;
    CHECK(r[1] == 0 && r[2] == -8 && r[0] == 7);
    vt_tensor_release(o);
    o = bin(VT_BIN_DIV, VT_I4, 6, a, b);
    r = o->data;
    CHECK(r[2] == -8 && r[3] == -1 && r[1] == 1); /* INT_MIN / -1 = INT_MIN; x / 0 = -1 */
    vt_tensor_release(o);
    o = bin(VT_BIN_SHL, VT_I4, 6, a, b);
    r = o->data;
    CHECK(r[4] == -8 && r[1] == 0 && r[0] == -2);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRL, VT_I4, 6, a, b);
    r = o->data;
    CHECK(r[5] == 7 && r[2] == 0 && r[1] == 0 && r[4] == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRA, VT_I4, 6, a, b);
    r = o->data;
    CHECK(r[2] == -1 && r[5] == -1 && r[1] == 0 && r[4] == 0);
    vt_tensor_release(o);
    uint8_t ua[4] = {15, 8, 9, 3}, ub[4] = {1, 1, 0, 3};
    o = bin(VT_BIN_ADD, VT_U4, 4, ua, ub);
    uint8_t *ru = o->data;
    CHECK(ru[0] == 0 && ru[1] == 9 && ru[3] == 6);
    vt_tensor_release(o);
    o = bin(VT_BIN_SHRA, VT_U4, 4, ua, ub);
    ru = o->data;
    CHECK(ru[1] == 12 && ru[0] == 15 && ru[2] == 9 && ru[3] == 0);
    vt_tensor_release(o);
    o = bin(VT_BIN_DIV, VT_U4, 4, ua, ub);
    CHECK(((uint8_t *)o->data)[2] == 15);
    vt_tensor_release(o);
    o = bin(VT_BIN_SUB, VT_U4, 4, ub, ua);
    CHECK(((uint8_t *)o->data)[0] == 2 && ((uint8_t *)o->data)[2] == 7);
    vt_tensor_release(o);
    uint8_t u2a[2] = {3, 2}, u2b[2] = {3, 3};
    o = bin(VT_BIN_MUL, VT_U2, 2, u2a, u2b);
    CHECK(((uint8_t *)o->data)[0] == 1 && ((uint8_t *)o->data)[1] == 2);
    vt_tensor_release(o);
    int8_t i2a[2] = {1, -2}, i2b[2] = {1, -1};
    o = bin(VT_BIN_ADD, VT_I2, 2, i2a, i2b);
    CHECK(((int8_t *)o->data)[0] == -2 && ((int8_t *)o->data)[1] == 1);
    vt_tensor_release(o);
}

static bool near(double got, double want, double tol) { return fabs(got - want) <= tol * (1 + fabs(want)); }

TEST(complex_binary) {
    double a[4] = {1, 2, 1.5, 2.5}, b[4] = {3, 4, 2.5, 1.5};
    vt_tensor *o = bin(VT_BIN_MUL, VT_C128, 2, a, b);
    double *r = o->data;
    CHECK(r[0] == -5 && r[1] == 10);
    vt_tensor_release(o);
    double q[2] = {-5, 10};
    o = bin(VT_BIN_DIV, VT_C128, 1, q, b);
    r = o->data;
    CHECK(r[0] == 1 && r[1] == 2);
    vt_tensor_release(o);
    /* the conformance suite's power values */
    double pa[4] = {1.5, 2.5, 7.5, 5.5}, pb[4] = {2.5, 1.5, 5.5, 7.5};
    o = bin(VT_BIN_POW, VT_C128, 2, pa, pb);
    r = o->data;
    CHECK(near(r[0], -1.5679313814305016, 1e-13) && near(r[1], -2.6674775446623613, 1e-13) &&
          near(r[2], 392.89270835580857, 1e-13) && near(r[3], 1801.8249193362644, 1e-13));
    vt_tensor_release(o);
    double z0[4] = {0, 0, 0, 0}, e0[4] = {0, 0, 2, 0};
    o = bin(VT_BIN_POW, VT_C128, 2, z0, e0);
    r = o->data;
    CHECK(r[0] == 1 && r[1] == 0 && r[2] == 0 && r[3] == 0);
    vt_tensor_release(o);
    /* the conformance suite's atan2 */
    double ya[4] = {1, 0, -1, 0}, xa[4] = {0, 0, 0, 0};
    o = bin(VT_BIN_ATAN2, VT_C128, 2, ya, xa);
    r = o->data;
    CHECK(near(r[0], 1.5707963267948966, 1e-15) && fabs(r[1]) == 0 && near(r[2], -1.5707963267948966, 1e-15));
    vt_tensor_release(o);
    float fa[2] = {1, 2}, fb[2] = {3, 4};
    o = bin(VT_BIN_SUB, VT_C64, 1, fa, fb);
    CHECK(((float *)o->data)[0] == -2 && ((float *)o->data)[1] == -2);
    vt_tensor_release(o);
    /* complex(): f32 x f32 -> complex<f32> */
    o = bin(VT_BIN_COMPLEX, VT_F32, 2, fa, fb);
    CHECK_EQ_INT(o->dtype, VT_C64);
    float *rc = o->data;
    CHECK(rc[0] == 1 && rc[1] == 3 && rc[2] == 2 && rc[3] == 4);
    vt_tensor_release(o);
    double da[1] = {-0.0}, db[1] = {NAN};
    o = bin(VT_BIN_COMPLEX, VT_F64, 1, da, db);
    CHECK_EQ_INT(o->dtype, VT_C128);
    CHECK(same_f64(((double *)o->data)[0], -0.0) && isnan(((double *)o->data)[1]));
    vt_tensor_release(o);
}

TEST(next_after) {
    float a[3] = {1.0f, 0.0f, NAN}, b[3] = {2.0f, -1.0f, 1.0f};
    vt_tensor *o = bin(VT_BIN_NEXT_AFTER, VT_F32, 3, a, b);
    float *r = o->data;
    CHECK(r[0] == 1.0f + 0x1p-23f && r[1] == -0x1p-149f && isnan(r[2]));
    vt_tensor_release(o);
    double da[1] = {1.0}, db[1] = {0.0};
    o = bin(VT_BIN_NEXT_AFTER, VT_F64, 1, da, db);
    CHECK(((double *)o->data)[0] == 1.0 - 0x1p-53);
    vt_tensor_release(o);
    uint16_t ha[6] = {0x3F80, 0x3F80, 0x0000, 0x8000, 0x0001, 0x7FC0};
    uint16_t hb[6] = {0x4000, 0x0000, 0x3F80, 0xBF80, 0x0000, 0x3F80};
    o = bin(VT_BIN_NEXT_AFTER, VT_BF16, 6, ha, hb);
    uint16_t *rh = o->data;
    CHECK(rh[0] == 0x3F81 && rh[1] == 0x3F7F && rh[2] == 0x0001 && rh[3] == 0x8001 && rh[4] == 0x0000 &&
          (rh[5] & 0x7FFF) > 0x7F80);
    vt_tensor_release(o);
    uint8_t fa[2] = {0x81, 0x7F}, fb[2] = {0x00, 0x00}; /* FNUZ: -denormal toward 0 is +0, not NaN */
    o = bin(VT_BIN_NEXT_AFTER, VT_F8E4M3FNUZ, 2, fa, fb);
    CHECK(((uint8_t *)o->data)[0] == 0x00 && ((uint8_t *)o->data)[1] == 0x7E);
    vt_tensor_release(o);
}

TEST(narrow_float_binary) {
    /* bf16: 1 + 2^-8 is a tie -> 1 (even); computed exactly in f64 and rounded once */
    uint16_t a[3] = {0x3F80, 0x3F81, 0x7F7F}, b[3] = {0x3B80, 0x3B80, 0x7F7F};
    vt_tensor *o = bin(VT_BIN_ADD, VT_BF16, 3, a, b);
    uint16_t *r = o->data;
    CHECK(r[0] == 0x3F80 && r[1] == 0x3F82 && r[2] == 0x7F80); /* overflow -> inf */
    vt_tensor_release(o);
    /* f16 divide: 1/3 -> 0x3555 */
    uint16_t h1[1] = {0x3C00}, h3[1] = {0x4200};
    o = bin(VT_BIN_DIV, VT_F16, 1, h1, h3);
    CHECK(((uint16_t *)o->data)[0] == 0x3555);
    vt_tensor_release(o);
    /* f8E5M2: 1.25 * 1.25 = 1.5625 -> 1.5 (0x3E) */
    uint8_t e[1] = {0x3D};
    o = bin(VT_BIN_MUL, VT_F8E5M2, 1, e, e);
    CHECK(((uint8_t *)o->data)[0] == 0x3E);
    vt_tensor_release(o);
}

TEST(broadcast_ranges) {
    /* vt_k_run_range with a broadcast scalar: direct and converting paths */
    vt_k_op k;
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_binary_resolve(VT_BIN_SUB, VT_F32, &k, &err), VT_OK);
    float x[1000], s = 0.5f, out[1000];
    for (int i = 0; i < 1000; i++) x[i] = (float)i;
    const void *in[2] = {x, &s};
    vt_k_run_range(&k, in, 2u, out, 1000);
    bool ok = true;
    for (int i = 0; i < 1000; i++) ok = ok && out[i] == (float)i - 0.5f;
    CHECK(ok);
    CHECK_EQ_INT(vt_k_binary_resolve(VT_BIN_MUL, VT_BF16, &k, &err), VT_OK);
    uint16_t hx[700], two = 0x4000, ho[700];
    for (int i = 0; i < 700; i++) hx[i] = (uint16_t)(0x3F80 + i % 64);
    const void *in2[2] = {&two, hx};
    vt_k_run_range(&k, in2, 1u, ho, 700);
    ok = true;
    for (int i = 0; i < 700; i++) ok = ok && ho[i] == hx[i] + 0x80; /* times 2: exponent + 1 */
    CHECK(ok);
}

TEST(binary_errors) {
    vt_error err = {0};
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_tensor *b1 = mk(VT_I1, 2, NULL), *f = mk(VT_F32, 2, NULL), *d = mk(VT_F64, 2, NULL), *i = mk(VT_I32, 2, NULL);
    vt_tensor *f3 = mk(VT_F32, 3, NULL), *cx = mk(VT_C64, 2, NULL), *h = mk(VT_BF16, 2, NULL);
    vt_tensor *e8 = mk(VT_F8E8M0FNU, 2, NULL);
    CHECK_ERR(vt_k_binary(&c, VT_BIN_SUB, b1, b1, b1, &err), &err, VT_EUNSUPPORTED, "not supported: subtract on i1");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_SHL, f, f, f, &err), &err, VT_EUNSUPPORTED, "not supported: shift_left on f32");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ATAN2, i, i, i, &err), &err, VT_EUNSUPPORTED, "not supported: atan2 on i32");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_REM, cx, cx, cx, &err), &err, VT_EUNSUPPORTED, "remainder on complex<f32>");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_COMPLEX, h, h, cx, &err), &err, VT_EUNSUPPORTED, "not supported: complex on bf16");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_NEXT_AFTER, e8, e8, e8, &err), &err, VT_EUNSUPPORTED, "next_after on f8E8M0FNU");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, d, f, &err), &err, VT_EINPUT, "operand 1 has type tensor<2xf64>");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, f3, f, &err), &err, VT_EINPUT, "operand 1 has shape tensor<3xf32>");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, f, f3, &err), &err, VT_EINPUT, "operand 0 has shape");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, f, d, &err), &err, VT_EINPUT, "result has type tensor<2xf64>");
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, NULL, f, &err), &err, VT_EINPUT, "missing");
    CHECK_ERR(vt_k_binary(&c, (vt_binary_op)-3, f, f, f, &err), &err, VT_EINPUT, "out of range");
    /* a scalar operand is not broadcast by the whole-tensor binary kernel */
    vt_tensor *sc = vt_tensor_create(VT_F32, 0, NULL, 0, NULL);
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, sc, f, &err), &err, VT_EINPUT, "shape");
    void *keep = f->data;
    f->data = NULL;
    CHECK_ERR(vt_k_binary(&c, VT_BIN_ADD, f, f, f3, &err), &err, VT_EINPUT, "no data");
    f->data = keep;
    vt_kctx poor = {.threads = 1, .fuel_left = 5}; /* needs 2 x 3 */
    CHECK_ERR(vt_k_binary(&poor, VT_BIN_ADD, f, f, f, &err), &err, VT_ELIMIT, "fuel");
    vt_binary_op op;
    CHECK(vt_binary_op_from_name("stablehlo.shift_right_logical", &op) && op == VT_BIN_SHRL);
    CHECK(vt_binary_op_from_name("max", &op) && op == VT_BIN_MAX);
    CHECK(vt_binary_op_from_name("chlo.next_after", &op) && op == VT_BIN_NEXT_AFTER);
    CHECK(!vt_binary_op_from_name("stablehlo.", &op));
    vt_tensor *all[] = {b1, f, d, i, f3, cx, h, e8, sc};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) vt_tensor_release(all[j]);
}

TEST(threads_identical) {
    size_t n = (size_t)300001;
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        v[i] = (double)i * 0.37 - 5000.0;
        w[i] = 1.0 + (double)(i % 97) * 0.01;
    }
    vt_tensor *x = mk(VT_F64, n, v), *y = mk(VT_F64, n, w), *o1 = mk(VT_F64, n, NULL), *o3 = mk(VT_F64, n, NULL);
    vt_error err = {0};
    vt_kctx c1 = {.threads = 1, .fuel_left = UINT64_MAX}, c3 = {.threads = 3, .fuel_left = UINT64_MAX};
    CHECK_EQ_INT(vt_k_binary(&c1, VT_BIN_POW, y, x, o1, &err), VT_OK);
    CHECK_EQ_INT(vt_k_binary(&c3, VT_BIN_POW, y, x, o3, &err), VT_OK);
    CHECK(memcmp(o1->data, o3->data, o1->nbytes) == 0);
    CHECK_EQ_INT(c1.fuel_left, c3.fuel_left);
    free(v);
    free(w);
    vt_tensor_release(x);
    vt_tensor_release(y);
    vt_tensor_release(o1);
    vt_tensor_release(o3);
}

int main(void) {
    RUN(float_arith);
    RUN(max_min_nan_rules);
    RUN(remainder_power_atan2);
    RUN(integer_xla_cases);
    RUN(shifts_and_logic);
    RUN(subbyte_wrap);
    RUN(complex_binary);
    RUN(next_after);
    RUN(narrow_float_binary);
    RUN(broadcast_ranges);
    RUN(binary_errors);
    RUN(threads_identical);
    return vt_test_finish();
}
