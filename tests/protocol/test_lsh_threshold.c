/* Thresholds with exact error rates: Imhof's formula against closed forms (chi2_1, chi2_2,
 * pooled Erlang tails, noncentral chi2_1), and the real-R simulation at d = 64, 256, 768, 4096
 * showing the weighted-chi2 threshold holds its nominal rate where a chi2_k one does not. */
#include "harness.h"
#include "veritor/protocol.h"

#include <math.h>
#include <stdlib.h>

static double tail(const double *w, const double *nc, size_t m, uint64_t n, double x) {
    double p = -1;
    vt_error err;
    vt_status st = vt_imhof_tail(w, nc, m, n, x, &p, &err);
    CHECK_MSG(st == VT_OK, "imhof: %s", err.msg);
    return p;
}

/* P(chi2_{2m} > y), an Erlang tail. */
static double chi2_even_sf(int m, double y) {
    double s = 0, term = 1;
    for (int j = 0; j < m; j++) {
        s += term;
        term *= (y / 2) / (j + 1);
    }
    return exp(-y / 2) * s;
}

TEST(imhof_closed_forms) {
    /* Imhof's integrand decays like u^-(1 + dof/2): at least 4 degrees of freedom keep the
     * integration range short; the protocol's sums have k >= 16 terms. */
    double w2[2] = {0.7, 0.7};
    for (double x = 0.3; x < 80; x *= 1.7) {
        double want = chi2_even_sf(2, x / 0.7); /* 0.7 chi2_4 = 2 copies of 0.7 chi2_2 */
        CHECK_MSG(fabs(tail(w2, NULL, 2, 2, x) - want) < 1e-11 + 1e-6 * want, "chi2_4 at %g", x);
    }
    double w4[4] = {2.5, 2.5, 2.5, 2.5};
    for (double x = 0.3; x < 200; x *= 1.7) {
        double want = chi2_even_sf(2, x / 2.5);
        CHECK_MSG(fabs(tail(w4, NULL, 4, 1, x) - want) < 1e-11 + 1e-6 * want, "2.5 chi2_4 at %g", x);
    }
    /* Pooled: 5 copies of chi2_2 is chi2_10. */
    double one2[2] = {1, 1};
    for (double y = 1; y < 80; y += 7) {
        double want = chi2_even_sf(5, y);
        CHECK_MSG(fabs(tail(one2, NULL, 2, 5, y) - want) < 1e-11 + 1e-6 * want, "chi2_10 at %g", y);
    }
    /* Noncentral chi2_8(l) (one noncentral term, seven central ones): a Poisson(l/2) mixture of
     * central chi2_{8+2j} tails. */
    double w8[8] = {1, 1, 1, 1, 1, 1, 1, 1}, nc8[8] = {3.0, 0, 0, 0, 0, 0, 0, 0};
    for (double x = 0.5; x < 80; x *= 1.6) {
        double want = 0, pj = exp(-1.5);
        for (int j = 0; j < 200; j++) {
            want += pj * chi2_even_sf(4 + j, x);
            pj *= 1.5 / (j + 1);
        }
        CHECK_MSG(fabs(tail(w8, nc8, 8, 1, x) - want) < 1e-10 + 1e-6 * want, "noncentral at %g: %.12g vs %.12g", x,
                  tail(w8, nc8, 8, 1, x), want);
    }
    /* Unequal weights: 1 chi2_2 + 3 chi2_2 has the closed form (3 e^{-x/6} - e^{-x/2}) / 2,
     * pooled over 2 copies for the dof rule. Single copy checked at large x only. */
    double wu[4] = {1, 1, 3, 3};
    for (double x = 1; x < 120; x *= 1.8) {
        double want = (3 * exp(-x / 6) - exp(-x / 2)) / 2;
        CHECK_MSG(fabs(tail(wu, NULL, 4, 1, x) - want) < 1e-11 + 1e-6 * want, "1,1,3,3 at %g", x);
    }
    CHECK(tail(w2, NULL, 2, 1, -1) == 1);
    double zero[2] = {0, 0};
    CHECK(tail(zero, NULL, 2, 1, 1) == 0);
    vt_error err;
    double p, neg[2] = {1, -1};
    CHECK_ERR(vt_imhof_tail(neg, NULL, 2, 1, 1, &p, &err), &err, VT_EINPUT, "weight 1 is negative");
    CHECK_ERR(vt_imhof_tail(w2, NULL, 0, 1, 1, &p, &err), &err, VT_EINPUT, "empty");
    CHECK_ERR(vt_imhof_tail(w2, NULL, 2, 1, NAN, &p, &err), &err, VT_EINPUT, "not finite");
    double nan_nc[2] = {0, NAN};
    CHECK_ERR(vt_imhof_tail(w2, nan_nc, 2, 1, 1, &p, &err), &err, VT_EINPUT, "weight 1");
}

/* Projects `trials` noise vectors e ~ N(0, sigma^2 I_d) through the real R and counts
 * ||f(e)||^2 above each threshold. */
static void simulate(const vt_lsh_params *p, size_t d, double sigma, size_t trials, const double *thr, int nthr,
                     const float *shift, int *counts) {
    enum { BATCH = 256 };
    float *e = malloc(BATCH * d * sizeof *e), *f = malloc(BATCH * p->k * sizeof *f);
    vt_error err;
    for (int t = 0; t < nthr; t++) counts[t] = 0;
    vt_key nk = vt_rand_fold_in(p->key, VT_PURPOSE_NOISE);
    for (size_t b0 = 0; b0 < trials; b0 += BATCH) {
        size_t nb = trials - b0 < BATCH ? trials - b0 : BATCH;
        vt_rand_normal_f32(nk, b0 * d, nb * d, e);
        for (size_t i = 0; i < nb * d; i++) e[i] = (float)(e[i] * sigma) + (shift ? shift[i % d] : 0.0f);
        CHECK(vt_lsh_project(p, VT_F32, e, nb, d, f, &err) == VT_OK);
        for (size_t r = 0; r < nb; r++) {
            double q = 0;
            for (uint32_t j = 0; j < p->k; j++) q += (double)f[r * p->k + j] * f[r * p->k + j];
            for (int t = 0; t < nthr; t++) counts[t] += q > thr[t];
        }
    }
    free(e);
    free(f);
}

TEST(simulation_real_r) {
    /* Modest trial counts so this runs in seconds under ASan; the 10^6-trial run at nominal
     * 1e-3 is bench_lsh (docs/fingerprints.md). */
    static const struct { size_t d, trials; double fpr; } cases[4] = {
        {64, 20000, 0.01}, {256, 8000, 0.02}, {768, 3000, 0.05}, {4096, 1000, 0.1}};
    vt_error err;
    for (int c = 0; c < 4; c++) {
        vt_lsh_params p = {vt_key_lsh(vt_key_from_seed(2026), (uint32_t)c), 64, VT_LSH_RADEMACHER};
        vt_lsh_spectrum s;
        CHECK(vt_lsh_spectrum_compute(&p, cases[c].d, &s, &err) == VT_OK);
        double sum = 0;
        for (int i = 0; i < 64; i++) sum += s.lambda[i];
        CHECK(fabs(sum - 64.0 * cases[c].d) < 1e-6); /* trace of R R^T = k d exactly */
        double thr[2];
        CHECK(vt_lsh_threshold(&s, 0.5, 1, cases[c].fpr, &thr[0], &err) == VT_OK);
        CHECK(vt_lsh_threshold_chi2(64, cases[c].d, 0.5, 1, cases[c].fpr, &thr[1], &err) == VT_OK);
        double back;
        CHECK(vt_lsh_fpr(&s, 0.5, 1, thr[0], &back, &err) == VT_OK);
        CHECK_MSG(fabs(back - cases[c].fpr) < 1e-6 * cases[c].fpr, "fpr(threshold) %g", back);
        int cnt[2];
        simulate(&p, cases[c].d, 0.5, cases[c].trials, thr, 2, NULL, cnt);
        double n = (double)cases[c].trials, f = cases[c].fpr, sd = sqrt(f * (1 - f) / n);
        double rate = cnt[0] / n, rate_chi2 = cnt[1] / n;
        printf("d=%zu k=64 trials=%zu nominal=%g observed=%.4f (chi2_k threshold: %.4f)\n", cases[c].d,
               cases[c].trials, f, rate, rate_chi2);
        CHECK_MSG(fabs(rate - f) < 4 * sd, "d=%zu: observed %.4f, nominal %g", cases[c].d, rate, f);
        if (c == 0) CHECK_MSG(rate_chi2 > f + 6 * sd, "chi2_k threshold should be too low at d=k=64: %.4f", rate_chi2);
        vt_lsh_spectrum_free(&s);
    }
}

TEST(pooled_and_power) {
    vt_error err;
    vt_lsh_params p = {vt_key_lsh(vt_key_from_seed(7), 0), 32, VT_LSH_RADEMACHER};
    vt_lsh_spectrum s;
    CHECK(vt_lsh_spectrum_compute(&p, 64, &s, &err) == VT_OK);
    double t1, t10;
    CHECK(vt_lsh_threshold(&s, 1.0, 1, 1e-6, &t1, &err) == VT_OK);
    CHECK(vt_lsh_threshold(&s, 1.0, 10, 1e-6, &t10, &err) == VT_OK);
    CHECK(t10 > t1 && t10 < 10 * t1); /* pooling: the per-position threshold shrinks */
    double back;
    CHECK(vt_lsh_fpr(&s, 1.0, 10, t10, &back, &err) == VT_OK);
    CHECK(fabs(back - 1e-6) < 1e-9);
    /* Power: zero shift gives the FPR back; a large shift is always detected; a moderate shift
     * matches simulation. */
    float shift[64] = {0};
    double thr, pw;
    CHECK(vt_lsh_threshold(&s, 1.0, 1, 0.01, &thr, &err) == VT_OK);
    CHECK(vt_lsh_power(&p, &s, 1.0, 1, shift, thr, &pw, &err) == VT_OK);
    CHECK(fabs(pw - 0.01) < 1e-8);
    vt_rand_normal_f32(vt_key_from_seed(8), 0, 64, shift);
    for (int i = 0; i < 64; i++) shift[i] *= 0.25f;
    CHECK(vt_lsh_power(&p, &s, 1.0, 1, shift, thr, &pw, &err) == VT_OK);
    int cnt;
    simulate(&p, 64, 1.0, 20000, &thr, 1, shift, &cnt);
    double sd = sqrt(pw * (1 - pw) / 20000);
    printf("power: computed %.4f simulated %.4f\n", pw, cnt / 20000.0);
    CHECK_MSG(fabs(cnt / 20000.0 - pw) < 4 * sd + 1e-3, "power %g vs simulated %g", pw, cnt / 20000.0);
    for (int i = 0; i < 64; i++) shift[i] *= 40;
    CHECK(vt_lsh_power(&p, &s, 1.0, 1, shift, thr, &pw, &err) == VT_OK);
    CHECK(pw > 0.999999);
    CHECK_ERR(vt_lsh_threshold(&s, 1.0, 1, 1e-12, &thr, &err), &err, VT_EUNSUPPORTED, "not supported: fpr");
    CHECK_ERR(vt_lsh_threshold(&s, 0.0, 1, 1e-3, &thr, &err), &err, VT_EINPUT, "sigma");
    CHECK_ERR(vt_lsh_threshold(&s, 1.0, 0, 1e-3, &thr, &err), &err, VT_EINPUT, "positions");
    CHECK_ERR(vt_lsh_threshold_chi2(0, 64, 1.0, 1, 1e-3, &thr, &err), &err, VT_EINPUT, "k and d");
    vt_lsh_params q = p;
    q.k = 16;
    CHECK_ERR(vt_lsh_power(&q, &s, 1.0, 1, shift, thr, &pw, &err), &err, VT_EINPUT, "spectrum k");
    vt_lsh_spectrum_free(&s);
    vt_lsh_spectrum s0;
    CHECK_ERR(vt_lsh_spectrum_compute(&p, 0, &s0, &err), &err, VT_EINPUT, "d must be positive");
    vt_lsh_params big = {vt_key_from_seed(1), 4096, VT_LSH_RADEMACHER};
    CHECK_ERR(vt_lsh_spectrum_compute(&big, (uint64_t)1 << 20, &s0, &err), &err, VT_ELIMIT, "exceeds 2^40");
    big.k = 0;
    CHECK_ERR(vt_lsh_spectrum_compute(&big, 64, &s0, &err), &err, VT_EINPUT, "k = 0");
}

int main(void) {
    RUN(imhof_closed_forms);
    RUN(simulation_real_r);
    RUN(pooled_and_power);
    return vt_test_finish();
}
