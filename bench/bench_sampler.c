/* Sampler benchmarks: tokens per second at V = 32k with top-p 0.9 against a bare f64 softmax
 * of the same logits, and the power of the sampling test versus sequence length (the table in
 * docs/sampling.md). */
#include "bench_harness.h"
#include "veritor/protocol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { REPS = 5 };

static void bench_tokens(void) {
    const char *name = "sampler_v32k_top_p0.9";
    if (!vt_bench_selected(name)) return;
    enum { V = 32768, N = 64 };
    float *l = malloc((size_t)N * V * sizeof *l);
    double *p = malloc(V * sizeof *p);
    vt_rand_normal_f32(vt_key_from_seed(1), 0, (size_t)N * V, l);
    for (size_t i = 0; i < (size_t)N * V; i++) l[i] *= 3;
    vt_sampler_config c;
    vt_sampler_config_default(&c);
    c.top_p = 0.9;
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    double tb[REPS], ts[REPS], sink = 0;
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        for (int t = 0; t < N; t++) {
            const float *x = l + (size_t)t * V;
            double m = x[0], s = 0;
            for (int i = 1; i < V; i++) m = x[i] > m ? x[i] : m;
            for (int i = 0; i < V; i++) s += p[i] = exp(x[i] - m);
            sink += p[t] / s;
        }
        tb[r] = vt_bench_now() - t0;
        t0 = vt_bench_now();
        for (int t = 0; t < N; t++) {
            int32_t tok;
            vt_sampler_sample(l + (size_t)t * V, V, &c, vt_key_from_seed(9), (uint64_t)t, &ws, &tok, &err);
            sink += tok;
        }
        ts[r] = vt_bench_now() - t0;
    }
    double b = N / vt_bench_median(tb, REPS), s = N / vt_bench_median(ts, REPS);
    vt_bench_print("sampler_softmax_v32k", b, "tokens/s");
    vt_bench_print_ratio(name, s, "tokens/s", s / b, "sampler_softmax_v32k");
    if (sink == 0.123) printf("#\n");
    vt_sampler_ws_free(&ws);
    free(l), free(p);
}

/* Fraction of `trials` sequences of length n rejected at FPR 1%. mode: 0 honest, 1 T+0.3,
 * 2 T-0.3, 3 logits + N(0, 1), 4 logits + N(0, 2), 5 argmax injection. Logits 2 N(0,1), V 256. */
static double power(int mode, size_t n, int trials) {
    enum { V = 256 };
    float *l = malloc(n * V * sizeof *l), *l2 = malloc(n * V * sizeof *l2);
    int32_t *tok = malloc(n * sizeof *tok);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    int rej = 0;
    for (int i = 0; i < trials; i++) {
        vt_key k = vt_rand_fold_in(vt_key_from_seed(1000 + (uint64_t)mode * 7919 + n), (uint32_t)i);
        vt_rand_normal_f32(vt_rand_fold_in(k, 0), 0, n * V, l);
        for (size_t j = 0; j < n * V; j++) l[j] *= 2;
        vt_sampler_config claim, truth;
        vt_sampler_config_default(&claim);
        truth = claim;
        const float *src = l;
        if (mode == 1) truth.temperature = 1.3f;
        if (mode == 2) truth.temperature = 0.7f;
        if (mode == 5) truth.temperature = 0;
        if (mode == 3 || mode == 4) {
            vt_rand_normal_f32(vt_rand_fold_in(k, 2), 0, n * V, l2);
            for (size_t j = 0; j < n * V; j++) l2[j] = l[j] + (mode == 3 ? 1.0f : 2.0f) * l2[j];
            src = l2;
        }
        for (size_t t = 0; t < n; t++)
            vt_sampler_sample(src + t * V, V, &truth, vt_rand_fold_in(k, 1), t, &ws, &tok[t], &err);
        vt_sampling_result r;
        if (vt_sampling_test(l, n, V, tok, &claim, 0.01, &r, &err) == VT_OK) rej += r.reject;
    }
    vt_sampler_ws_free(&ws);
    free(l), free(l2), free(tok);
    return (double)rej / trials;
}

static void bench_power(void) {
    if (!vt_bench_selected("sampling_power")) return;
    static const char *names[6] = {"honest", "T+0.3", "T-0.3", "logit_noise_1", "logit_noise_2", "argmax"};
    static const size_t ns[5] = {16, 32, 64, 128, 256};
    const char *tv = getenv("VT_POWER_TRIALS");
    int trials = tv ? atoi(tv) : 200;
    for (int m = 0; m < 6; m++)
        for (int i = 0; i < 5; i++) {
            char name[96];
            snprintf(name, sizeof name, "sampling_power_%s_n%zu", names[m], ns[i]);
            vt_bench_print(name, power(m, ns[i], trials), "reject_fraction");
        }
}

int main(void) {
    bench_tokens();
    bench_power();
    return 0;
}
