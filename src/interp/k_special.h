/* Special functions of two arguments for chlo.zeta and chlo.polygamma, in f64, with XLA's
 * special cases (the CHLO decompositions materializeZeta / materializePolygamma). Every element
 * type is computed in f64 and rounded once. Accuracy against 60-digit mpmath values
 * (tests/interp/test_chlo_special.c): zeta within 4 ulp of f64, polygamma within 1 ulp; when
 * n! overflows or zeta(n + 1, x) underflows (n > 170, or large x) polygamma combines
 * logarithms and keeps a relative error near |ln n!| 2^-52. */
#ifndef VT_INTERP_K_SPECIAL_H
#define VT_INTERP_K_SPECIAL_H

#include <stdint.h>

/* Terms of the direct sum zeta(x, q) needs before the Euler-Maclaurin tail; 0 when a special
 * case decides the value. Bounded by VT_ZETA_MAX_TERMS (beyond it the value is NaN). Callers
 * charge work with it before computing. */
#define VT_ZETA_MAX_TERMS ((int64_t)1 << 20)
int64_t vt_k_zeta_terms(double x, double q);
/* Hurwitz zeta sum_{k>=0} (q + k)^-x. XLA's cases: x = 1 -> +inf; q a non-positive integer (a
 * pole) -> +inf for even integer x, else NaN; q <= 0 with x not an integer -> NaN; x < 1 -> NaN. */
double vt_k_zeta(double x, double q);
/* polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x); n = 0: digamma(x); n not a natural number:
 * NaN. */
double vt_k_polygamma(double n, double x);

#endif
