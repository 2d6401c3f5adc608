/* The canonical sampler: each step of the documented order, tie rules, inverse-CDF boundaries,
 * 53-bit uniforms, agreement with a plain full-sort reference, and bad configurations. */
#include "harness.h"
#include "veritor/protocol.h"

#include <math.h>
#include <stdlib.h>

static vt_sampler_config cfg(float T, uint32_t k, double p, double minp) {
    vt_sampler_config c;
    vt_sampler_config_default(&c);
    c.temperature = T;
    c.top_k = k;
    c.top_p = p;
    c.min_p = minp;
    return c;
}

static int32_t sample_u(const float *l, size_t V, const vt_sampler_config *c, double u) {
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    int32_t t = -1;
    vt_error err;
    if (vt_sampler_sample_u(l, V, c, u, &ws, &t, &err) != VT_OK) t = -2;
    vt_sampler_ws_free(&ws);
    return t;
}

static void dist(const float *l, size_t V, const vt_sampler_config *c, double *p) {
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    vt_status st = vt_sampler_distribution(l, V, c, &ws, p, NULL, &err);
    CHECK_MSG(st == VT_OK, "distribution: %s", err.msg);
    vt_sampler_ws_free(&ws);
}

TEST(argmax_and_ties) {
    float l[5] = {1, 3, 3, -INFINITY, 2};
    vt_sampler_config c = cfg(0, 0, 1, 0);
    CHECK_EQ_INT(sample_u(l, 5, &c, 0.99), 1); /* T = 0: ties to the lowest index */
    c = cfg(1, 1, 1, 0);
    CHECK_EQ_INT(sample_u(l, 5, &c, 0.99), 1); /* top-k 1: tie to the lower index */
    double p[5];
    c = cfg(1, 2, 1, 0);
    dist(l, 5, &c, p);
    CHECK(p[0] == 0 && p[1] == 0.5 && p[2] == 0.5 && p[3] == 0 && p[4] == 0);
    c = cfg(1, 3, 1, 0);
    dist(l, 5, &c, p);
    CHECK(p[0] == 0 && p[1] > 0 && p[2] > 0 && p[4] > 0 && p[3] == 0);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    double lp;
    c = cfg(0, 0, 1, 0);
    CHECK(vt_sampler_logprob(l, 5, &c, 1, &ws, &lp, &err) == VT_OK && lp == 0);
    CHECK(vt_sampler_logprob(l, 5, &c, 2, &ws, &lp, &err) == VT_OK && isinf(lp) && lp < 0);
    vt_sampler_ws_free(&ws);
}

TEST(top_p_crossing) {
    float l[4] = {0, 0, 0, 0};
    double p[4];
    vt_sampler_config c = cfg(1, 0, 0.25, 0);
    dist(l, 4, &c, p);
    CHECK(p[0] == 1 && p[1] == 0); /* cumulative 0.25 reaches 0.25 with the first token */
    c.top_p = 0.26;
    dist(l, 4, &c, p);
    CHECK(p[0] == 0.5 && p[1] == 0.5 && p[2] == 0); /* the crossing token is included */
    c.top_p = 0.5;
    dist(l, 4, &c, p);
    CHECK(p[0] == 0.5 && p[1] == 0.5 && p[2] == 0);
    /* Sorted by probability: token 3 is the largest. */
    float l2[4] = {0, 1, 0, 2};
    c.top_p = 0.6;
    dist(l2, 4, &c, p);
    CHECK(p[3] > 0 && p[0] == 0 && p[2] == 0);
}

TEST(min_p_and_penalty) {
    float l[4] = {(float)log(0.5), (float)log(0.25), (float)log(0.125), (float)log(0.125)};
    double p[4];
    vt_sampler_config c = cfg(1, 0, 1, 0.3);
    dist(l, 4, &c, p);
    CHECK(p[0] > 0 && p[1] > 0 && p[2] == 0 && p[3] == 0);
    CHECK(fabs(p[0] - 2.0 / 3) < 1e-6); /* the logits are f32 roundings of the logs */
    float r[3] = {2, -1, 0.5f};
    int32_t prev[3] = {0, 0, 1};
    c = cfg(1, 0, 1, 0);
    c.repetition_penalty = 2;
    c.prev_tokens = prev;
    c.n_prev = 3;
    dist(r, 3, &c, p);
    /* penalised logits 1, -2, 0.5 (token 0 divided once, token 1 multiplied once) */
    double e0 = exp(1.0), e1 = exp(-2.0), e2 = exp(0.5), s = e0 + e1 + e2;
    CHECK(fabs(p[0] - e0 / s) < 1e-12 && fabs(p[1] - e1 / s) < 1e-12 && fabs(p[2] - e2 / s) < 1e-12);
    c.temperature = 0;
    c.n_prev = 2; /* only token 0 is penalised */
    float r2[3] = {2, 1.5f, 0};
    CHECK_EQ_INT(sample_u(r2, 3, &c, 0.5), 1); /* 2/2 = 1 < 1.5 after the penalty */
}

TEST(inverse_cdf_boundaries) {
    float l[4] = {0, 0, 0, 0};
    vt_sampler_config c = cfg(1, 0, 1, 0);
    CHECK_EQ_INT(sample_u(l, 4, &c, 0.0), 0);
    CHECK_EQ_INT(sample_u(l, 4, &c, nextafter(0.25, 0)), 0);
    CHECK_EQ_INT(sample_u(l, 4, &c, 0.25), 1); /* the boundary belongs to the next token */
    CHECK_EQ_INT(sample_u(l, 4, &c, 0.75), 3);
    CHECK_EQ_INT(sample_u(l, 4, &c, nextafter(1.0, 0)), 3);
    /* A token with probability ~2e-9 (below 2^-23) is selectable with a 53-bit uniform. */
    float t[2] = {0, -20};
    double p[3];
    dist(t, 2, &c, p);
    CHECK(p[1] > 0 && p[1] < 0x1p-23);
    CHECK_EQ_INT(sample_u(t, 2, &c, 1.0 - p[1] * 0.5), 1);
    CHECK_EQ_INT(sample_u(t, 2, &c, 1.0 - p[1] * 2), 0);
    /* Temperature near 0 still samples (it is not argmax) but concentrates. */
    float n[3] = {1.0f, 1.001f, 0.5f};
    c.temperature = 1e-4f;
    dist(n, 3, &c, p);
    CHECK(p[1] > 0.9999 && p[0] > 0 && p[0] < 1e-4);
}

TEST(keyed_sampling) {
    float l[8] = {0.1f, 2, -1, 0.5f, 1.5f, 0, -3, 1};
    vt_sampler_config c = cfg(0.8f, 5, 0.9, 0.01);
    vt_key req = vt_key_from_seed(2024);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    int32_t seq[6];
    for (uint64_t pos = 0; pos < 6; pos++) {
        int32_t a, b;
        CHECK(vt_sampler_sample(l, 8, &c, req, pos, &ws, &a, &err) == VT_OK);
        CHECK(vt_sampler_sample_u(l, 8, &c, vt_rand_uniform53(vt_key_sample(req, pos)), &ws, &b, &err) == VT_OK);
        CHECK_EQ_INT(a, b);
        seq[pos] = a;
    }
    /* Golden sequence (self-computed; pins the key tree, the uniform and the filters). */
    static const int32_t want[6] = {4, 1, 1, 1, 1, 4};
    for (int i = 0; i < 6; i++) CHECK_MSG(seq[i] == want[i], "position %d: token %d, expected %d", i, seq[i], want[i]);
    vt_sampler_ws_free(&ws);
}

TEST(frequencies) {
    float l[4] = {0, (float)log(2.0), (float)log(3.0), (float)log(4.0)};
    vt_sampler_config c = cfg(1, 0, 1, 0);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    int cnt[4] = {0};
    enum { N = 20000 };
    for (uint64_t i = 0; i < N; i++) {
        int32_t t;
        CHECK(vt_sampler_sample(l, 4, &c, vt_key_from_seed(1), i, &ws, &t, &err) == VT_OK);
        cnt[t]++;
    }
    for (int i = 0; i < 4; i++) {
        double p = (i + 1) / 10.0, sd = sqrt(N * p * (1 - p));
        CHECK_MSG(fabs(cnt[i] - N * p) < 4 * sd, "token %d: %d draws, expected %g", i, cnt[i], N * p);
    }
    vt_sampler_ws_free(&ws);
}

/* ---- a plain reference: full sorts, no shortcuts -------------------------------------------- */
typedef struct rp {
    double v;
    int i;
} rp;
static int rcmp(const void *a, const void *b) {
    const rp *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i - y->i;
}
static void reference(const float *l, int V, const vt_sampler_config *c, double *out) {
    double *x = malloc(V * sizeof *x), *p = malloc(V * sizeof *p);
    int *keep = malloc(V * sizeof *keep);
    rp *r = malloc(V * sizeof *r);
    for (int i = 0; i < V; i++) x[i] = (double)l[i] / c->temperature, keep[i] = 1;
    if (c->top_k) {
        for (int i = 0; i < V; i++) r[i] = (rp){x[i], i};
        qsort(r, V, sizeof *r, rcmp);
        for (int j = (int)c->top_k; j < V; j++) keep[r[j].i] = 0;
    }
    double m = -INFINITY, S = 0;
    for (int i = 0; i < V; i++)
        if (keep[i] && x[i] > m) m = x[i];
    for (int i = 0; i < V; i++) p[i] = keep[i] ? exp(x[i] - m) : 0, S += p[i];
    for (int i = 0; i < V; i++) p[i] /= S;
    if (c->top_p < 1) {
        int n = 0;
        for (int i = 0; i < V; i++)
            if (keep[i]) r[n++] = (rp){p[i], i};
        qsort(r, n, sizeof *r, rcmp);
        double acc = 0;
        int j = 0;
        while (j < n) {
            acc += r[j++].v;
            if (acc >= c->top_p) break;
        }
        for (int i = 0; i < V; i++) keep[i] = 0;
        for (int q = 0; q < j; q++) keep[r[q].i] = 1;
    }
    double pm = 0, s2 = 0;
    for (int i = 0; i < V; i++)
        if (keep[i] && p[i] > pm) pm = p[i];
    for (int i = 0; i < V; i++)
        if (keep[i] && p[i] < c->min_p * pm) keep[i] = 0;
    for (int i = 0; i < V; i++)
        if (keep[i]) s2 += p[i];
    for (int i = 0; i < V; i++) out[i] = keep[i] ? p[i] / s2 : 0;
    free(x), free(p), free(keep), free(r);
}

TEST(matches_reference) {
    enum { V = 600 };
    static float l[V];
    static double a[V], b[V];
    vt_key k = vt_key_from_seed(77);
    int mismatches = 0;
    for (uint32_t trial = 0; trial < 60; trial++) {
        vt_rand_normal_f32(vt_rand_fold_in(k, trial), 0, V, l);
        if (trial % 3 == 0)
            for (int i = 0; i < V; i++) l[i] = roundf(l[i] * 2) / 2; /* many ties */
        if (trial % 6 == 0)
            for (int i = 0; i < V; i += 7) l[i] = -0.0f; /* -0 and +0 tie: index order */
        vt_sampler_config c = cfg(0.3f + 0.05f * (float)(trial % 30), trial % 4 ? 0 : 50 + trial, 0.5 + 0.008 * trial,
                                  trial % 5 ? 0 : 0.05);
        dist(l, V, &c, a);
        reference(l, V, &c, b);
        for (int i = 0; i < V; i++) mismatches += a[i] != b[i];
    }
    CHECK_EQ_INT(mismatches, 0);
}

TEST(bad_input) {
    float l[3] = {0, 1, 2};
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    vt_error err;
    int32_t t;
    double lp;
    vt_sampler_config c = cfg(-1, 0, 1, 0);
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "temperature");
    c = cfg(NAN, 0, 1, 0);
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "temperature");
    c = cfg(1, 0, 0, 0);
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "top_p 0");
    c = cfg(1, 0, 1.5, 0);
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "top_p 1.5");
    c = cfg(1, 0, 1, -0.1);
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "min_p");
    c = cfg(1, 0, 1, 0);
    c.repetition_penalty = 0;
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "repetition_penalty");
    int32_t prev[2] = {1, 3};
    c = cfg(1, 0, 1, 0);
    c.prev_tokens = prev;
    c.n_prev = 2;
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "previous token 1 = 3");
    c = cfg(1, 0, 1, 0);
    CHECK_ERR(vt_sampler_sample_u(l, 0, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "empty vocabulary");
    CHECK_ERR(vt_sampler_sample_u(l, VT_SAMPLER_MAX_VOCAB + 1, &c, 0.5, &ws, &t, &err), &err, VT_ELIMIT, "exceeds");
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, 1.0, &ws, &t, &err), &err, VT_EINPUT, "uniform 1");
    CHECK_ERR(vt_sampler_sample_u(l, 3, &c, -0.0 - 1e-9, &ws, &t, &err), &err, VT_EINPUT, "uniform");
    float bad[3] = {0, NAN, 1};
    CHECK_ERR(vt_sampler_sample_u(bad, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "logit 1 is NaN");
    float pinf[3] = {0, 1, INFINITY};
    CHECK_ERR(vt_sampler_sample_u(pinf, 3, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "logit 2 is +inf");
    float ninf[2] = {-INFINITY, -INFINITY};
    CHECK_ERR(vt_sampler_sample_u(ninf, 2, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "every logit is -inf");
    CHECK_ERR(vt_sampler_logprob(l, 3, &c, 3, &ws, &lp, &err), &err, VT_EINPUT, "token 3 outside");
    CHECK_ERR(vt_sampler_logprob(l, 3, &c, -1, &ws, &lp, &err), &err, VT_EINPUT, "token -1 outside");
    vt_sampler_ws_free(&ws);
}

TEST(hostile_values) {
    /* Extreme but legal logits and temperatures: no NaN, the largest logit wins. */
    float l[4] = {3.0e38f, -3.0e38f, 2.9e38f, -INFINITY};
    vt_sampler_config c = cfg(1e-30f, 0, 0.5, 0.5);
    double p[4];
    dist(l, 4, &c, p);
    CHECK(p[0] == 1 && p[1] == 0 && p[2] == 0 && p[3] == 0);
    c = cfg(3.0e38f, 2, 1, 0); /* huge temperature: nearly uniform over the top 2 */
    dist(l, 4, &c, p);
    CHECK(fabs(p[0] - 0.5) < 0.01 && fabs(p[2] - 0.5) < 0.01 && p[1] == 0 && p[3] == 0);
    float one[1] = {-5};
    c = cfg(1, 7, 0.1, 1);
    dist(one, 1, &c, p);
    CHECK(p[0] == 1);
    CHECK_EQ_INT(sample_u(one, 1, &c, 0.999), 0);
}

int main(void) {
    RUN(argmax_and_ties);
    RUN(top_p_crossing);
    RUN(min_p_and_penalty);
    RUN(inverse_cdf_boundaries);
    RUN(keyed_sampling);
    RUN(frequencies);
    RUN(matches_reference);
    RUN(hostile_values);
    RUN(bad_input);
    return vt_test_finish();
}
