/* Thresholds with exact error rates for fingerprint distances: the spectrum of R R^T (LAPACK
 * dsyev), tail probabilities of weighted sums of chi2_1 variables by Imhof's inversion formula,
 * thresholds for a target false-positive rate (one position or pooled), and detection power
 * against a shift. The error analysis is in docs/fingerprints.md. */
#include "veritor/protocol.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK from OpenBLAS, gfortran calling convention (hidden string lengths at the end). */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info, size_t jobz_len, size_t uplo_len);

#define SPEC_BLOCK 256

vt_status vt_lsh_spectrum_compute(const vt_lsh_params *p, uint64_t d, vt_lsh_spectrum *out, vt_error *err) {
    memset(out, 0, sizeof *out);
    vt_status st = vt_lsh_check(p, d, err);
    if (st) return st;
    if (d == 0) return vt_error_set(err, VT_EINPUT, "lsh spectrum: d must be positive");
    if ((double)p->k * p->k * (double)d > 0x1p40)
        return vt_error_set(err, VT_ELIMIT, "lsh spectrum: k^2 d = %u^2 x %llu exceeds 2^40 operations", p->k,
                            (unsigned long long)d);
    const int k = (int)p->k;
    double *g = calloc((size_t)k * k, sizeof *g);
    double *w = calloc((size_t)k, sizeof *w);
    float *rf = malloc((size_t)k * SPEC_BLOCK * sizeof *rf);
    double *rd = malloc((size_t)k * SPEC_BLOCK * sizeof *rd);
    double *work = NULL;
    if (!g || !w || !rf || !rd) {
        st = vt_error_set(err, VT_ENOMEM, "lsh spectrum: out of memory for k = %d", k);
        goto done;
    }
    /* G = R R^T in f64: for Rademacher R every partial sum is an integer below 2^53, so G is
     * exact whatever the summation order. */
    for (uint64_t c0 = 0; c0 < d; c0 += SPEC_BLOCK) {
        size_t nc = d - c0 < SPEC_BLOCK ? (size_t)(d - c0) : SPEC_BLOCK;
        vt_lsh_matrix_block(p, c0, nc, rf, nc);
        for (size_t i = 0; i < (size_t)k * nc; i++) rd[i] = rf[i];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, (int)nc, 1.0, rd, (int)nc, 1.0, g, k);
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++) g[(size_t)i * k + j] = g[(size_t)j * k + i];
    int lwork = -1, info = 0;
    double wq;
    dsyev_("V", "U", &k, g, &k, w, &wq, &lwork, &info, 1, 1);
    lwork = info == 0 && wq > 0 ? (int)wq : 3 * k;
    work = malloc((size_t)lwork * sizeof *work);
    if (!work) {
        st = vt_error_set(err, VT_ENOMEM, "lsh spectrum: out of memory for LAPACK work");
        goto done;
    }
    dsyev_("V", "U", &k, g, &k, w, work, &lwork, &info, 1, 1);
    if (info != 0) {
        st = vt_error_set(err, VT_EINTERNAL, "lsh spectrum: dsyev failed (info %d)", info);
        goto done;
    }
    for (int i = 0; i < k; i++)
        if (w[i] < 0) w[i] = 0; /* R R^T is positive semi-definite; clear rounding below zero */
    out->k = (uint32_t)k;
    out->d = d;
    out->lambda = w;
    out->evec = g; /* symmetric input: column-major eigenvectors */
    w = g = NULL;
done:
    free(g);
    free(w);
    free(rf);
    free(rd);
    free(work);
    return st;
}

void vt_lsh_spectrum_free(vt_lsh_spectrum *s) {
    free(s->lambda);
    free(s->evec);
    s->lambda = s->evec = NULL;
}

/* ---- Imhof (1961): P(Q > x) = 1/2 + (1/pi) int_0^inf sin(theta(u)) / (u rho(u)) du -------- */

typedef struct imhof_ctx {
    const double *w, *nc;
    size_t m;
    double n; /* copies */
    double x;
} imhof_ctx;

static void imhof_terms(const imhof_ctx *c, double u, double *theta, double *logrho, double *a, double *dtheta) {
    double th = 0, lr = 0, aa = 0, dth = 0;
    for (size_t i = 0; i < c->m; i++) {
        double w = c->w[i], wu = w * u, q = wu * wu, nc = c->nc ? c->nc[i] : 0;
        th += atan(wu) + nc * wu / (1 + q);
        lr += 0.5 * log1p(q) + nc * q / (1 + q);
        aa += q / (1 + q);
        dth += w / (1 + q) + nc * w * (1 - q) / ((1 + q) * (1 + q));
    }
    *theta = 0.5 * c->n * th - 0.5 * c->x * u;
    *logrho = 0.5 * c->n * lr;
    *a = 0.5 * c->n * aa;
    *dtheta = 0.5 * c->n * dth - 0.5 * c->x;
}

static double imhof_f(const imhof_ctx *c, double u) {
    double th, lr, a, d;
    imhof_terms(c, u, &th, &lr, &a, &d);
    return sin(th) / (u * exp(lr));
}

/* 16-point Gauss-Legendre nodes and weights on [-1, 1] (positive half). */
static const double gl_x[8] = {0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
                               0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499};
static const double gl_w[8] = {0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
                               0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541};

#define IMHOF_MAX_PANELS 2000000

vt_status vt_imhof_tail(const double *w, const double *nc, size_t m, uint64_t n_copies, double x, double *p,
                        vt_error *err) {
    if (m == 0 || n_copies == 0) return vt_error_set(err, VT_EINPUT, "imhof: empty weight list");
    double mean = 0, wmax = 0;
    for (size_t i = 0; i < m; i++) {
        if (!(w[i] >= 0) || !isfinite(w[i]) || (nc && (!(nc[i] >= 0) || !isfinite(nc[i]))))
            return vt_error_set(err, VT_EINPUT, "imhof: weight %zu is negative or not finite", i);
        mean += w[i] * (1 + (nc ? nc[i] : 0));
        wmax = w[i] > wmax ? w[i] : wmax;
    }
    if (!isfinite(x)) return vt_error_set(err, VT_EINPUT, "imhof: threshold is not finite");
    if (wmax == 0) {
        *p = x < 0 ? 1 : 0;
        return VT_OK;
    }
    if (x <= 0) {
        *p = 1;
        return VT_OK;
    }
    /* Normalise so that E[Q] = 1: the oscillation and decay scales of the integrand are then
     * O(1), so one panel width serves every problem. */
    double scale = mean * (double)n_copies;
    double *wn = malloc(m * sizeof *wn);
    if (!wn) return vt_error_set(err, VT_ENOMEM, "imhof: out of memory");
    size_t mm = 0;
    double *ncn = nc ? malloc(m * sizeof *ncn) : NULL;
    if (nc && !ncn) {
        free(wn);
        return vt_error_set(err, VT_ENOMEM, "imhof: out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        if (w[i] == 0) continue;
        wn[mm] = w[i] / scale;
        if (ncn) ncn[mm] = nc[i];
        mm++;
    }
    imhof_ctx c = {wn, ncn, mm, (double)n_copies, x / scale};
    /* Panels of width h keep theta's change per panel below one radian: |theta'| <= max(1, x)/2. */
    double h = 1.0 / (c.x > 1 ? c.x : 1);
    double integral = 0, u0 = 0;
    size_t panels = 0;
    for (;;) {
        double mid = u0 + 0.5 * h, half = 0.5 * h, s = 0;
        for (int i = 0; i < 8; i++) s += gl_w[i] * (imhof_f(&c, mid - half * gl_x[i]) + imhof_f(&c, mid + half * gl_x[i]));
        integral += s * half;
        u0 += h;
        panels++;
        /* Truncation bounds for the rest of the integral (divided by pi):
         * (1) rho(u) >= rho(U) (u/U)^a(U) for u >= U, so it is at most 1 / (rho(U) a(U));
         * (2) once theta' < 0 it decreases towards -x/2 (central terms), and the amplitude
         *     1/(u rho) decreases, so by the second mean value theorem the oscillating rest is
         *     at most 2 / (|theta'(U)| U rho(U)). */
        double th, lr, a, dth;
        imhof_terms(&c, u0, &th, &lr, &a, &dth);
        double lb = a > 0 ? -lr - log(a) : INFINITY;
        if (dth < 0) {
            double lb2 = log(2.0) - log(-dth) - log(u0) - lr;
            lb = lb2 < lb ? lb2 : lb;
        }
        if (lb - log(M_PI) < log(0.5 * VT_LSH_IMHOF_TOL)) break;
        if (panels > IMHOF_MAX_PANELS) {
            free(wn);
            free(ncn);
            return vt_error_set(err, VT_ELIMIT, "imhof: integral did not converge in %d panels (weights too uneven)",
                                IMHOF_MAX_PANELS);
        }
    }
    free(wn);
    free(ncn);
    double r = 0.5 + integral / M_PI;
    *p = r < 0 ? 0 : r > 1 ? 1 : r;
    return VT_OK;
}

/* Solves tail(x) = target for x by bracketing and the Illinois variant of regula falsi on
 * log tail(x), which is smooth and nearly linear in x in the upper tail. */
static vt_status solve_threshold(const double *w, const double *nc, size_t m, uint64_t n, double target,
                                 double *out, vt_error *err) {
    double mean = 0, var = 0;
    for (size_t i = 0; i < m; i++) {
        double t = nc ? nc[i] : 0;
        mean += w[i] * (1 + t);
        var += 2 * w[i] * w[i] * (1 + 2 * t);
    }
    mean *= (double)n;
    var *= (double)n;
    double sd = sqrt(var);
    double lo = 0, plo = 1, hi = mean + 4 * sd, phi = 1;
    vt_status st;
    for (int i = 0;; i++) {
        if ((st = vt_imhof_tail(w, nc, m, n, hi, &phi, err))) return st;
        if (phi < target) break;
        lo = hi;
        plo = phi;
        hi = mean + (4 << (i + 1)) * sd;
        if (i > 20) return vt_error_set(err, VT_EINTERNAL, "lsh threshold: could not bracket the quantile");
    }
    double glo = log(plo) - log(target), ghi = log(phi > 1e-300 ? phi : 1e-300) - log(target);
    int side = 0;
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
        double xm = (lo * ghi - hi * glo) / (ghi - glo);
        if (!(xm > lo && xm < hi)) xm = 0.5 * (lo + hi);
        double pm;
        if ((st = vt_imhof_tail(w, nc, m, n, xm, &pm, err))) return st;
        double gm = log(pm > 1e-300 ? pm : 1e-300) - log(target);
        if (gm == 0) {
            lo = hi = xm;
            break;
        }
        if (gm > 0) {
            lo = xm;
            glo = gm;
            if (side == 1) ghi *= 0.5;
            side = 1;
        } else {
            hi = xm;
            ghi = gm;
            if (side == -1) glo *= 0.5;
            side = -1;
        }
    }
    *out = 0.5 * (lo + hi);
    return VT_OK;
}

static vt_status check_args(double sigma, uint64_t n, double fpr, vt_error *err) {
    if (!(sigma > 0) || !isfinite(sigma)) return vt_error_set(err, VT_EINPUT, "lsh threshold: sigma must be positive");
    if (n == 0) return vt_error_set(err, VT_EINPUT, "lsh threshold: positions n must be positive");
    if (!(fpr >= 1e-9 && fpr <= 0.5))
        return vt_error_set(err, VT_EUNSUPPORTED, "lsh threshold: not supported: fpr %g outside [1e-9, 0.5] "
                                                  "(the quadrature error bound is 1e-12 absolute)", fpr);
    return VT_OK;
}

static double *spectrum_weights(const vt_lsh_spectrum *s, double sigma) {
    double *w = malloc(s->k * sizeof *w);
    if (w)
        for (uint32_t i = 0; i < s->k; i++) w[i] = sigma * sigma * s->lambda[i] / s->k;
    return w;
}

vt_status vt_lsh_threshold(const vt_lsh_spectrum *s, double sigma, uint64_t n, double fpr, double *threshold,
                           vt_error *err) {
    vt_status st = check_args(sigma, n, fpr, err);
    if (st) return st;
    double *w = spectrum_weights(s, sigma);
    if (!w) return vt_error_set(err, VT_ENOMEM, "lsh threshold: out of memory");
    st = solve_threshold(w, NULL, s->k, n, fpr, threshold, err);
    free(w);
    return st;
}

vt_status vt_lsh_threshold_chi2(uint32_t k, uint64_t d, double sigma, uint64_t n, double fpr, double *threshold,
                                vt_error *err) {
    vt_status st = check_args(sigma, n, fpr, err);
    if (st) return st;
    if (k == 0 || d == 0) return vt_error_set(err, VT_EINPUT, "lsh threshold: k and d must be positive");
    /* chi2_k model: ||f(e)||^2 ~ (sigma^2 d / k) chi2_{k n}: k equal weights, exact by Imhof. */
    double *w = malloc(k * sizeof *w);
    if (!w) return vt_error_set(err, VT_ENOMEM, "lsh threshold: out of memory");
    for (uint32_t i = 0; i < k; i++) w[i] = sigma * sigma * (double)d / k;
    st = solve_threshold(w, NULL, k, n, fpr, threshold, err);
    free(w);
    return st;
}

vt_status vt_lsh_fpr(const vt_lsh_spectrum *s, double sigma, uint64_t n, double threshold, double *fpr,
                     vt_error *err) {
    vt_status st = check_args(sigma, n, 0.5, err);
    if (st) return st;
    double *w = spectrum_weights(s, sigma);
    if (!w) return vt_error_set(err, VT_ENOMEM, "lsh fpr: out of memory");
    st = vt_imhof_tail(w, NULL, s->k, n, threshold, fpr, err);
    free(w);
    return st;
}

vt_status vt_lsh_power(const vt_lsh_params *p, const vt_lsh_spectrum *s, double sigma, uint64_t n, const float *shift,
                       double threshold, double *power, vt_error *err) {
    vt_status st = check_args(sigma, n, 0.5, err);
    if (st) return st;
    if (p->k != s->k) return vt_error_set(err, VT_EINPUT, "lsh power: k %u != spectrum k %u", p->k, s->k);
    const uint32_t k = s->k;
    float *fs = malloc(k * sizeof *fs);
    double *w = malloc(k * sizeof *w), *nc = malloc(k * sizeof *nc);
    if (!fs || !w || !nc) {
        st = vt_error_set(err, VT_ENOMEM, "lsh power: out of memory");
        goto done;
    }
    if ((st = vt_lsh_project(p, VT_F32, shift, 1, (size_t)s->d, fs, err))) goto done;
    /* f(e + s) = f(s) + f(e), f(e) ~ N(0, sigma^2 G / k): in G's eigenbasis a sum of
     * noncentral chi2_1 terms; directions with lambda ~ 0 carry only the deterministic part. */
    double lmax = s->lambda[k - 1], offset = 0;
    size_t m = 0;
    for (uint32_t i = 0; i < k; i++) {
        double b = 0;
        for (uint32_t j = 0; j < k; j++) b += s->evec[(size_t)i * k + j] * fs[j];
        double wi = sigma * sigma * s->lambda[i] / k;
        if (s->lambda[i] <= 1e-12 * lmax) {
            offset += b * b;
            continue;
        }
        w[m] = wi;
        nc[m] = b * b / wi;
        m++;
    }
    offset *= (double)n;
    st = vt_imhof_tail(w, nc, m, n, threshold - offset, power, err);
done:
    free(fs);
    free(w);
    free(nc);
    return st;
}
