/* Fingerprint benchmarks: projection with R generated on the fly against sgemm with R
 * precomputed, comparisons per second, and the threshold check by simulation (10^6 trials at
 * nominal 1e-3 through the real R; VT_LSH_TRIALS overrides the count). */
#include "bench_harness.h"
#include "veritor/protocol.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { REPS = 5 };

static void bench_project(void) {
    const char *name = "lsh_project_4096x4096_k64";
    if (!vt_bench_selected(name)) return;
    const size_t T = 4096, D = 4096, K = 64;
    float *h = malloc(T * D * sizeof *h), *f = malloc(T * K * sizeof *f), *r = malloc(K * D * sizeof *r);
    uint32_t s = 12345;
    for (size_t i = 0; i < T * D; i++) {
        s = s * 1664525u + 1013904223u;
        h[i] = (float)(s >> 8) * 0x1p-24f - 0.5f;
    }
    vt_lsh_params p = {vt_key_from_seed(1), (uint32_t)K, VT_LSH_RADEMACHER};
    vt_lsh_matrix_block(&p, 0, D, r, D);
    vt_error err;
    double tb[REPS], to[REPS];
    for (int i = 0; i < REPS; i++) {
        double t0 = vt_bench_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)K, (int)D, 1.0f, h, (int)D, r, (int)D, 0.0f, f,
                    (int)K);
        tb[i] = vt_bench_now() - t0;
        t0 = vt_bench_now();
        if (vt_lsh_project(&p, VT_F32, h, T, D, f, &err) != VT_OK) fprintf(stderr, "%s\n", err.msg);
        to[i] = vt_bench_now() - t0;
    }
    double b = vt_bench_median(tb, REPS), o = vt_bench_median(to, REPS), flop = 2.0 * T * D * K;
    vt_bench_print("lsh_project_sgemm_precomputed", flop / b * 1e-9, "GFLOP/s");
    vt_bench_print_ratio(name, flop / o * 1e-9, "GFLOP/s", b / o, "lsh_project_sgemm_precomputed");
    free(h), free(f), free(r);
}

static void bench_compare(void) {
    const char *name = "lsh_compare";
    if (!vt_bench_selected(name)) return;
    enum { K = 64, N = 4096, ROUNDS = 500 };
    float *a = malloc(N * K * sizeof *a), *b = malloc(N * K * sizeof *b);
    uint8_t *sa = malloc(N * 8), *sb = malloc(N * 8);
    vt_rand_normal_f32(vt_key_from_seed(2), 0, N * K, a);
    vt_rand_normal_f32(vt_key_from_seed(3), 0, N * K, b);
    vt_error err;
    for (int i = 0; i < N; i++) {
        vt_lsh_encode(VT_LSH_ENC_SIGN, a + i * K, K, sa + i * 8, &err);
        vt_lsh_encode(VT_LSH_ENC_SIGN, b + i * K, K, sb + i * 8, &err);
    }
    double tb[REPS], tl[REPS], th[REPS], sink = 0;
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        for (int k = 0; k < ROUNDS; k++)
            for (int i = 0; i < N; i++) {
                float s = 0; /* baseline: the bare f32 squared difference, no checks */
                for (int j = 0; j < K; j++) {
                    float d = a[i * K + j] - b[i * K + j];
                    s += d * d;
                }
                sink += s;
            }
        tb[r] = vt_bench_now() - t0;
        t0 = vt_bench_now();
        for (int k = 0; k < ROUNDS; k++)
            for (int i = 0; i < N; i++) sink += vt_lsh_l2(a + i * K, b + i * K, K);
        tl[r] = vt_bench_now() - t0;
        t0 = vt_bench_now();
        for (int k = 0; k < ROUNDS; k++)
            for (int i = 0; i < N; i++) sink += vt_lsh_hamming(sa + i * 8, sb + i * 8, K);
        th[r] = vt_bench_now() - t0;
    }
    double n = (double)N * ROUNDS, b0 = n / vt_bench_median(tb, REPS);
    vt_bench_print("lsh_compare_f32_loop", b0, "cmp/s");
    double l2 = n / vt_bench_median(tl, REPS), hm = n / vt_bench_median(th, REPS);
    vt_bench_print_ratio(name, l2, "cmp/s", l2 / b0, "lsh_compare_f32_loop");
    vt_bench_print_ratio("lsh_compare_hamming", hm, "cmp/s", hm / b0, "lsh_compare_f32_loop");
    if (sink == 1234.5) printf("#\n");
    free(a), free(b), free(sa), free(sb);
}

/* Gradient fingerprint of a long vector fed in 1 MiB pieces (the vector itself is never held
 * in memory): elements per second and peak RSS, against a bare pass that only fills the
 * pieces and sums them. VT_GRAD_N sets the length (default 2^26). */
static void bench_grad_stream(void) {
    const char *name = "lsh_grad_stream_k64";
    if (!vt_bench_selected(name)) return;
    const char *nv = getenv("VT_GRAD_N");
    size_t N = nv ? (size_t)strtoull(nv, NULL, 10) : ((size_t)1 << 26), P = (size_t)1 << 18;
    float *x = malloc(P * sizeof *x), out[64];
    vt_lsh_params p = {vt_key_grad(vt_key_from_seed(5), 0), 64, VT_LSH_RADEMACHER};
    vt_error err;
    vt_lsh_stream s;
    if (vt_lsh_stream_init(&s, &p, 0, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    uint32_t st = 1;
    double sink = 0, t0 = vt_bench_now();
    for (size_t i = 0; i < N; i += P) {
        size_t n = N - i < P ? N - i : P;
        for (size_t j = 0; j < n; j++) {
            st = st * 1664525u + 1013904223u;
            x[j] = (float)(st >> 8) * 0x1p-24f;
        }
        for (size_t j = 0; j < n; j++) sink += x[j];
    }
    double tb = vt_bench_now() - t0;
    t0 = vt_bench_now();
    for (size_t i = 0; i < N; i += P) {
        size_t n = N - i < P ? N - i : P;
        for (size_t j = 0; j < n; j++) {
            st = st * 1664525u + 1013904223u;
            x[j] = (float)(st >> 8) * 0x1p-24f;
        }
        vt_lsh_stream_update(&s, VT_F32, x, n, &err);
    }
    vt_lsh_stream_final(&s, out);
    double to = vt_bench_now() - t0;
    vt_bench_print("lsh_grad_fill_and_sum", N / tb, "elements/s");
    vt_bench_print_ratio(name, N / to, "elements/s", tb / to, "lsh_grad_fill_and_sum");
    printf("# %s: N %zu, peak RSS %.1f MiB (block 4096 columns, pieces of %zu elements)%s\n", name, N,
           vt_bench_peak_rss() / 1048576.0, P, sink + out[0] == 0.5 ? " " : "");
    vt_lsh_stream_free(&s);
    free(x);
}

static void bench_fpr(size_t d, size_t trials) {
    char name[64];
    snprintf(name, sizeof name, "lsh_fpr_d%zu_k64_nominal1e-3", d);
    if (!vt_bench_selected(name)) return;
    vt_lsh_params p = {vt_key_lsh(vt_key_from_seed(2026), (uint32_t)d), 64, VT_LSH_RADEMACHER};
    vt_lsh_spectrum s;
    vt_error err;
    double thr, thr_chi2;
    if (vt_lsh_spectrum_compute(&p, d, &s, &err) || vt_lsh_threshold(&s, 1.0, 1, 1e-3, &thr, &err) ||
        vt_lsh_threshold_chi2(64, d, 1.0, 1, 1e-3, &thr_chi2, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return;
    }
    enum { BATCH = 1024 };
    float *e = malloc(BATCH * d * sizeof *e), *f = malloc(BATCH * 64 * sizeof *f);
    vt_key nk = vt_rand_fold_in(p.key, VT_PURPOSE_NOISE);
    size_t hits = 0, hits_chi2 = 0;
    double t0 = vt_bench_now();
    for (size_t b0 = 0; b0 < trials; b0 += BATCH) {
        size_t nb = trials - b0 < BATCH ? trials - b0 : BATCH;
        vt_rand_normal_f32(nk, (uint64_t)b0 * d, nb * d, e);
        vt_lsh_project(&p, VT_F32, e, nb, d, f, &err);
        for (size_t r = 0; r < nb; r++) {
            double q = 0;
            for (int j = 0; j < 64; j++) q += (double)f[r * 64 + j] * f[r * 64 + j];
            hits += q > thr;
            hits_chi2 += q > thr_chi2;
        }
    }
    double el = vt_bench_now() - t0, rate = (double)hits / trials, rc = (double)hits_chi2 / trials;
    /* Wilson 95% interval for the observed rate. */
    double z = 1.959964, nn = (double)trials, c = (rate + z * z / (2 * nn)) / (1 + z * z / nn);
    double hw = z * sqrt(rate * (1 - rate) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
    vt_bench_print_ratio(name, rate, "rate", rate / 1e-3, "nominal_1e-3");
    printf("# %s: trials %zu hits %zu observed %.3e 95%% CI [%.3e, %.3e]; chi2_k threshold observed %.3e; %.1f s\n",
           name, trials, hits, rate, c - hw, c + hw, rc, el);
    free(e), free(f);
    vt_lsh_spectrum_free(&s);
}

int main(void) {
    bench_project();
    bench_compare();
    bench_grad_stream();
    const char *tv = getenv("VT_LSH_TRIALS");
    size_t trials = tv ? (size_t)strtoull(tv, NULL, 10) : 1000000;
    size_t ds[4] = {64, 256, 768, 4096};
    for (int i = 0; i < 4; i++) bench_fpr(ds[i], trials);
    return 0;
}
