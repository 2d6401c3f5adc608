/* exp, tanh and logistic for f32 tensors, computed in double by veritor's own branch-free code
 * (SIMD in k_fastmath.c; glibc's scalar calls dominated transformer MLPs and softmax). Same
 * contract as the libm path (docs/elementwise.md): a double within a few f64 ULP of the exact
 * value, rounded once to f32, so results are within 1 f32 ULP and equal libm's rounded result
 * unless the exact value lies within ~2^-50 of an f32 rounding midpoint (none among the inputs of
 * tests/interp/test_speed_paths.c). Unlike libm, the bits do not depend on the C library. */
#ifndef VT_INTERP_K_FASTMATH_H
#define VT_INTERP_K_FASTMATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* q = expm1(r) for |r| <= ln2/2 (+ slop): Taylor to degree 13, truncation below 2^-55 relative. */
static inline double vt_fm_expm1_reduced(double r) {
    double p = 1.0 / 6227020800.0;          /* 1/13! */
    p = p * r + 1.0 / 479001600.0;          /* 1/12! */
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    return r + (r * r) * p;
}

/* Splits x = k ln2 + r (k rounded to nearest) and returns expm1(r); *scale = 2^k. Valid for
 * |x| <= 700: Cody-Waite reduction with ln2 split so that k * LN2_HI is exact. */
static inline double vt_fm_expm1_parts(double x, double *scale) {
    const double shifter = 0x1.8p52, ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    double t = x * 1.4426950408889634 + shifter; /* rounds x/ln2 to an integer in the low bits */
    double kd = t - shifter;
    double r = (x - kd * ln2_hi) - kd * ln2_lo;
    uint64_t tb, sb;
    memcpy(&tb, &t, 8);
    sb = (tb - UINT64_C(0x4338000000000000) + 1023) << 52; /* tb - bits(shifter) = k */
    memcpy(scale, &sb, 8);
    return vt_fm_expm1_reduced(r);
}

/* exp of an f32 value, as a double to be rounded once to f32. Arguments beyond the f32 range of
 * the result are clamped where the rounded result is already 0 or infinity. */
static inline double vt_fm_exp_f32(double x) {
    double xc = x < -104.5 ? -104.5 : x > 89.5 ? 89.5 : x;
    double s, q = vt_fm_expm1_parts(xc, &s);
    double e = s * q + s;
    return x != x ? x + x : e;
}

/* tanh of an f32 value: sign(x) * e / (e + 2) with e = expm1(2|x|) (no cancellation); |x| is
 * clamped at 10 where tanh already rounds to 1 in f32. */
static inline double vt_fm_tanh_f32(double x) {
    double a = x < 0 ? -x : x;
    double ac = a > 10.0 ? 10.0 : a;
    double s, q = vt_fm_expm1_parts(ac + ac, &s);
    double e = s * q + (s - 1.0);
    double t = e / (e + 2.0);
    double res = x < 0 ? -t : t;
    return x != x ? x + x : x == 0 ? x : res;
}

/* logistic 1 / (1 + exp(-x)) of an f32 value: -x is clamped to [-40, 105], where the rounded
 * f32 result is already 1 or 0. */
static inline double vt_fm_logistic_f32(double x) {
    double y = -x;
    double yc = y < -40.0 ? -40.0 : y > 105.0 ? 105.0 : y;
    double s, q = vt_fm_expm1_parts(yc, &s);
    double e = s * q + s;
    return x != x ? -(x + x) : 1.0 / (1.0 + e); /* NaN: as 1 / (1 + exp(-x)), which carries -x's sign */
}

/* The loops over n elements (k_fastmath.c): SSE2 two doubles at a time where the compiler
 * targets it, else the scalar functions above; both run the same IEEE operations in the same
 * order, so every element gets the same bits either way. */
void vt_fm_exp_f32_n(const float *x, float *out, size_t n);
/* The same loops on a chosen path (for tests): fn 0 exp, 1 tanh, 2 logistic; level 0 scalar,
 * 1 SSE2, 2 AVX2, 3 AVX-512, capped at what this CPU runs. Returns the level used. */
int vt_fm_f32_n(int fn, int level, const float *x, float *out, size_t n);
void vt_fm_tanh_f32_n(const float *x, float *out, size_t n);
void vt_fm_logistic_f32_n(const float *x, float *out, size_t n);

#endif
