/* Hurwitz zeta and polygamma in f64: a direct sum far enough that the Euler-Maclaurin tail
 * (12 Bernoulli terms, XLA's coefficients) converges to double precision; special cases as
 * XLA's CHLO decomposition gives them. Accuracy is measured in tests/interp/test_chlo_special.c. */
#include "interp/k_special.h"
#include "interp/k_elementwise.h"

#include <math.h>

/* B_2j / (2j)!, j = 1..12 (the reciprocals of XLA's kZetaCoeffs, in reverse). */
static const double bern[12] = {
    1.0 / 12.0,
    -1.0 / 720.0,
    1.0 / 30240.0,
    -1.0 / 1209600.0,
    1.0 / 47900160.0,
    -1.0 / 1.8924375803183791606e9,
    1.0 / 7.47242496e10,
    -1.0 / 2.950130727918164224e12,
    1.0 / 1.1646782814350067249e14,
    -1.0 / 4.5979787224074726105e15,
    1.0 / 1.8152105401943546773e17,
    -1.0 / 7.1661652561756670113e18,
};

static bool is_int(double v) { return isfinite(v) && v == floor(v); }

/* The special cases, in XLA's precedence; returns true with *out set when one applies. */
static bool zeta_special(double x, double q, double *out) {
    if (x == 1.0) return *out = INFINITY, true;
    if (q <= 0.0 && is_int(q)) return *out = is_int(x) && fmod(x, 2.0) == 0.0 ? INFINITY : NAN, true;
    if (q <= 0.0 && !is_int(x)) return *out = NAN, true;
    if (x < 1.0) return *out = NAN, true;
    if (isnan(x) || isnan(q)) return *out = NAN, true;
    if (q == INFINITY) return *out = 0.0, true;
    if (x == INFINITY) return *out = q < 1.0 ? INFINITY : q == 1.0 ? 1.0 : 0.0, true;
    return false;
}

/* Start of the tail a = q + N: positive and large enough that the asymptotic series' terms
 * shrink by at least 2 per step up to j = 12: a >= max(10, (x + 24) / pi). */
int64_t vt_k_zeta_terms(double x, double q) {
    double v;
    if (zeta_special(x, q, &v)) return 0;
    double amin = fmax(10.0, (x + 24.0) / M_PI);
    double n = ceil(amin - q);
    if (n < 10.0) n = 10.0;
    if (!(n <= (double)VT_ZETA_MAX_TERMS)) return VT_ZETA_MAX_TERMS + 1;
    return (int64_t)n;
}

/* The sum with every term (q + k)^-x multiplied by scale^x (scale > 0): scale = q keeps
 * zeta(x, q) q^x representable when zeta itself underflows. */
static double zeta_sum(double x, double q, double scale) {
    int64_t n = vt_k_zeta_terms(x, q);
    if (n > VT_ZETA_MAX_TERMS) return NAN; /* q far below zero: documented as not computed */
    /* Neumaier summation of the direct terms; stops early once the rest is negligible */
    double sum = 0.0, comp = 0.0;
    for (int64_t k = 0; k < n; k++) {
        double a = q + (double)k, t = pow(a / scale, -x);
        double s2 = sum + t;
        comp += fabs(sum) >= fabs(t) ? (sum - s2) + t : (t - s2) + sum;
        sum = s2;
        /* rest < t * (1 + a / (x - 1)) for a > 0: below half an ulp, the tail cannot matter */
        if (a > 0.0 && t * (1.0 + a / (x - 1.0)) < fabs(sum) * 0x1p-60) return sum + comp;
    }
    double a = q + (double)n, t = pow(a / scale, -x);
    double tail = a * t / (x - 1.0) + 0.5 * t;
    double fac = x * t / a, corr = 0.0;
    for (int j = 0; j < 12; j++) {
        double term = bern[j] * fac;
        corr += term;
        if (fabs(term) < fabs(sum) * 0x1p-60) break;
        fac *= (x + 2.0 * j + 1.0) * (x + 2.0 * j + 2.0) / (a * a);
    }
    return sum + (comp + tail + corr);
}

double vt_k_zeta(double x, double q) {
    double v;
    if (zeta_special(x, q, &v)) return v;
    return zeta_sum(x, q, 1.0);
}

double vt_k_polygamma(double n, double x) {
    if (isnan(n) || !is_int(n) || n < 0.0) return NAN;
    if (n == 0.0) return vt_k_digamma(x);
    double z = vt_k_zeta(n + 1.0, x);
    double sign = fmod(n, 2.0) == 1.0 ? 1.0 : -1.0;
    double f = tgamma(n + 1.0), r = f * z;
    if (isfinite(f) && (isfinite(r) || !isfinite(z))) return sign * r;
    if (isnan(z) || x <= 0.0) return sign * f * z;
    /* n! overflows or zeta underflows: n! zeta = exp(lgamma(n + 1) - (n + 1) ln x) (zeta x^(n+1)) */
    double zs = zeta_sum(n + 1.0, x, x);
    return sign * exp(lgamma(n + 1.0) - (n + 1.0) * log(x) + log(zs));
}
