/* The in-graph sampler (src/protocol/sampler_graph.c) against the C sampler: the same token (and
 * the same log-probability, bit for bit) on 10^4 random rows and on adversarial rows (CDF
 * boundaries, ties, the top-p crossing token, T near 0, rejected inputs), each set one batched
 * graph run. */
#include "harness.h"
#include "veritor/protocol_graph.h"

#include <math.h>
#include <stdlib.h>

/* ---- deterministic test randomness (splitmix64) --------------------------------------------- */
static uint64_t next64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)(next64(s) >> 11) * 0x1p-53; }
static double gauss(uint64_t *s) {
    double u1 = unif(s), u2 = unif(s);
    return sqrt(-2 * log(u1 + 1e-300)) * cos(6.283185307179586 * u2);
}

/* ---- a batch of rows -------------------------------------------------------------------------- */
typedef struct batch {
    int64_t B, V, cap;
    float *logits, *T, *pen;
    int32_t *topk;
    double *topp, *minp, *u;
    uint32_t *key;
    uint64_t *pos;
    uint8_t *prev;
} batch;

static void batch_init(batch *b, int64_t cap, int64_t V) {
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->V = V;
    b->logits = calloc((size_t)(cap * V), sizeof(float));
    b->prev = calloc((size_t)(cap * V), 1);
    b->T = calloc((size_t)cap, sizeof(float));
    b->pen = calloc((size_t)cap, sizeof(float));
    b->topk = calloc((size_t)cap, sizeof(int32_t));
    b->topp = calloc((size_t)cap, sizeof(double));
    b->minp = calloc((size_t)cap, sizeof(double));
    b->u = calloc((size_t)cap, sizeof(double));
    b->key = calloc((size_t)(2 * cap), sizeof(uint32_t));
    b->pos = calloc((size_t)cap, sizeof(uint64_t));
}
static void batch_free(batch *b) {
    free(b->logits), free(b->prev), free(b->T), free(b->pen), free(b->topk), free(b->topp), free(b->minp);
    free(b->u), free(b->key), free(b->pos);
}
/* Appends a row with a neutral config and returns its index (-1 when full). */
static int64_t row_add(batch *b) {
    if (b->B >= b->cap) return -1;
    int64_t r = b->B++;
    b->T[r] = 1;
    b->pen[r] = 1;
    b->topk[r] = 0;
    b->topp[r] = 1;
    b->minp[r] = 0;
    b->u[r] = 0.5;
    return r;
}
static void row_copy(batch *b, int64_t dst, int64_t src) {
    int64_t V = b->V;
    memcpy(b->logits + dst * V, b->logits + src * V, (size_t)V * sizeof(float));
    memcpy(b->prev + dst * V, b->prev + src * V, (size_t)V);
    b->T[dst] = b->T[src], b->pen[dst] = b->pen[src], b->topk[dst] = b->topk[src];
    b->topp[dst] = b->topp[src], b->minp[dst] = b->minp[src], b->u[dst] = b->u[src];
    b->key[2 * dst] = b->key[2 * src], b->key[2 * dst + 1] = b->key[2 * src + 1], b->pos[dst] = b->pos[src];
}

static vt_tensor *mk(vt_dtype dt, int rank, int64_t d0, int64_t d1, const void *src) {
    vt_error e;
    int64_t d[2] = {d0, d1};
    vt_tensor *t = vt_tensor_create(dt, rank, d, UINT64_MAX, &e);
    if (t) memcpy(t->data, src, t->nbytes);
    return t;
}

/* Runs the sampler graph on the batch; tokens[B] and (when opts->logprob) logprobs[B]. */
static vt_status run_graph_threads(const vt_sampler_graph_opts *o0, const batch *b, int threads, int32_t *tokens,
                                   double *logprobs, vt_error *err) {
    vt_sampler_graph_opts o = *o0;
    o.batch = b->B;
    o.vocab = b->V;
    vt_module *m = NULL;
    vt_status s = vt_build_sampler_module(&o, &m, err);
    if (s) return s;
    vt_rvalue a[9];
    size_t n = 0;
    int64_t B = b->B, V = b->V;
    a[n++] = vt_rvalue_tensor(mk(VT_F32, 2, B, V, b->logits));
    a[n++] = vt_rvalue_tensor(mk(VT_F32, 1, B, 0, b->T));
    a[n++] = vt_rvalue_tensor(mk(VT_I32, 1, B, 0, b->topk));
    a[n++] = vt_rvalue_tensor(mk(VT_F64, 1, B, 0, b->topp));
    a[n++] = vt_rvalue_tensor(mk(VT_F64, 1, B, 0, b->minp));
    if (o.uniform_input) {
        a[n++] = vt_rvalue_tensor(mk(VT_F64, 1, B, 0, b->u));
    } else {
        a[n++] = vt_rvalue_tensor(mk(VT_U32, 2, B, 2, b->key));
        a[n++] = vt_rvalue_tensor(mk(VT_U64, 1, B, 0, b->pos));
    }
    if (o.repetition_penalty) {
        a[n++] = vt_rvalue_tensor(mk(VT_F32, 1, B, 0, b->pen));
        a[n++] = vt_rvalue_tensor(mk(VT_I1, 2, B, V, b->prev));
    }
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = threads;
    vt_engine *e = vt_engine_create(&eo, err);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    if (!e) s = err->code;
    else {
        vt_limits lim;
        vt_limits_default(&lim);
        s = vt_execute(e, m, NULL, a, n, &lim, &res, &nres, NULL, err);
        vt_engine_destroy(e);
    }
    if (!s) {
        memcpy(tokens, res[0].tensor->data, (size_t)B * sizeof(int32_t));
        if (o.logprob && logprobs) memcpy(logprobs, res[1].tensor->data, (size_t)B * sizeof(double));
        vt_rvalues_release(res, nres);
    }
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&a[i]);
    vt_module_free(m);
    return s;
}

static vt_status run_graph(const vt_sampler_graph_opts *o, const batch *b, int32_t *tokens, double *logprobs,
                           vt_error *err) {
    return run_graph_threads(o, b, 1, tokens, logprobs, err);
}

/* The C sampler on row r: the token (or -1 when it rejects the row) and its log-probability. */
static int32_t c_sample(const batch *b, int64_t r, bool use_u, bool use_pen, vt_sampler_ws *ws, double *lp,
                        vt_error *err) {
    int64_t V = b->V;
    int32_t prev[4096];
    size_t np = 0;
    for (int64_t i = 0; use_pen && i < V; i++)
        if (b->prev[r * V + i]) prev[np++] = (int32_t)i;
    vt_sampler_config c;
    vt_sampler_config_default(&c);
    c.temperature = b->T[r];
    if (b->topk[r] < 0) {
        *lp = NAN;
        return -1; /* not expressible in the C config (uint32) */
    }
    c.top_k = (uint32_t)b->topk[r];
    c.top_p = b->topp[r];
    c.min_p = b->minp[r];
    c.repetition_penalty = use_pen ? b->pen[r] : 1.0f;
    c.prev_tokens = prev;
    c.n_prev = np;
    int32_t tok = -1;
    const float *l = b->logits + r * V;
    vt_status s = use_u ? vt_sampler_sample_u(l, (size_t)V, &c, b->u[r], ws, &tok, err)
                        : vt_sampler_sample(l, (size_t)V, &c, (vt_key){{b->key[2 * r], b->key[2 * r + 1]}}, b->pos[r],
                                            ws, &tok, err);
    if (s) {
        *lp = NAN;
        return -1;
    }
    if (vt_sampler_logprob(l, (size_t)V, &c, tok, ws, lp, err)) *lp = NAN;
    return tok;
}

/* Runs the batch both ways and counts mismatches (tokens; log-probabilities bit for bit). */
static void compare(const vt_sampler_graph_opts *o, const batch *b, const char *what) {
    int32_t *tok = calloc((size_t)b->B, sizeof *tok);
    double *lp = calloc((size_t)b->B, sizeof *lp);
    vt_error err;
    vt_status s = run_graph(o, b, tok, lp, &err);
    CHECK_MSG(s == VT_OK, "%s: graph run: %s", what, err.msg);
    if (s == VT_OK) {
        vt_sampler_ws ws;
        vt_sampler_ws_init(&ws);
        int64_t bad_tok = 0, bad_lp = 0, rejected = 0;
        for (int64_t r = 0; r < b->B; r++) {
            double clp;
            int32_t ct = c_sample(b, r, o->uniform_input, o->repetition_penalty, &ws, &clp, &err);
            rejected += ct < 0;
            if (ct != tok[r]) {
                if (bad_tok++ < 5)
                    vt_test_fail(__FILE__, __LINE__, "%s: row %lld: graph token %d, C token %d (T %g k %d p %.17g minp %g u %.17g)",
                                 what, (long long)r, tok[r], ct, (double)b->T[r], b->topk[r], b->topp[r], b->minp[r], b->u[r]);
            } else if (o->logprob && ct >= 0 && memcmp(&clp, &lp[r], sizeof clp) != 0) {
                if (bad_lp++ < 5)
                    vt_test_fail(__FILE__, __LINE__, "%s: row %lld: graph logprob %.17g, C %.17g", what, (long long)r,
                                 lp[r], clp);
            }
        }
        vt_test_checks++;
        CHECK_MSG(bad_tok == 0 && bad_lp == 0, "%s: %lld token and %lld logprob mismatches of %lld rows", what,
                  (long long)bad_tok, (long long)bad_lp, (long long)b->B);
        printf("%s: %lld rows, %lld rejected, all equal: %s\n", what, (long long)b->B, (long long)rejected,
               bad_tok == 0 && bad_lp == 0 ? "yes" : "no");
        vt_sampler_ws_free(&ws);
    }
    free(tok);
    free(lp);
}

/* A random row: logits of several scales (some quantised into ties, some -inf), and a random
 * mix of temperature, top-k, top-p, min-p, penalty, key and position. */
static void random_row(batch *b, int64_t r, uint64_t *s) {
    int64_t V = b->V;
    float *l = b->logits + r * V;
    static const double scales[] = {0.3, 1, 3, 10};
    double sc = scales[next64(s) % 4];
    int shape = (int)(next64(s) % 10);
    for (int64_t i = 0; i < V; i++) {
        double g = gauss(s) * sc;
        if (shape <= 1) g = floor(g); /* ties */
        if (shape == 2) g = 0.5;      /* all equal */
        l[i] = (float)g;
        if (shape == 3 && next64(s) % 4 == 0) l[i] = -INFINITY;
        b->prev[r * V + i] = next64(s) % 5 == 0;
    }
    static const float temps[] = {0, 1e-30f, 1e-4f, 0.3f, 1, 1, 1.7f, 5};
    b->T[r] = next64(s) % 3 ? temps[next64(s) % 8] : (float)(0.05 + 3 * unif(s));
    b->topk[r] = next64(s) % 2 ? 0 : (int32_t)(next64(s) % (uint64_t)(V + 3));
    uint64_t c = next64(s) % 5;
    b->topp[r] = c < 2 ? 1 : c == 2 ? 0.9 : 0.02 + 0.98 * unif(s);
    c = next64(s) % 5;
    b->minp[r] = c < 3 ? 0 : c == 3 ? unif(s) * 0.5 : 1.0;
    static const float pens[] = {1, 1, 0.5f, 1.3f, 2};
    b->pen[r] = pens[next64(s) % 5];
    b->key[2 * r] = (uint32_t)next64(s), b->key[2 * r + 1] = (uint32_t)next64(s);
    b->pos[r] = next64(s) % 2 ? next64(s) % 4096 : next64(s);
    b->u[r] = unif(s);
}

TEST(random_cases_match) {
    batch b;
    batch_init(&b, 10000, 24);
    uint64_t s = 12345;
    while (b.B < b.cap) random_row(&b, row_add(&b), &s);
    vt_sampler_graph_opts o = {0};
    o.repetition_penalty = true;
    o.logprob = true;
    compare(&o, &b, "random 10^4 rows (key, position, penalty)");
    /* Any thread count gives the same bits (the ordered sums are loops, not parallel reduces). */
    b.B = 2000;
    int32_t *t1 = calloc(2000, sizeof *t1), *t4 = calloc(2000, sizeof *t4);
    double *l1 = calloc(2000, sizeof *l1), *l4 = calloc(2000, sizeof *l4);
    vt_error err;
    CHECK(run_graph_threads(&o, &b, 1, t1, l1, &err) == VT_OK);
    CHECK(run_graph_threads(&o, &b, 4, t4, l4, &err) == VT_OK);
    CHECK(memcmp(t1, t4, 2000 * sizeof *t1) == 0 && memcmp(l1, l4, 2000 * sizeof *l1) == 0);
    free(t1), free(t4), free(l1), free(l4);
    batch_free(&b);
}

/* The penalty at the edges of f32: huge logits pushed to +-inf by the penalty, -inf logits
 * penalised, with T = 0 and T > 0, against the C sampler. */
TEST(penalty_edges) {
    const int64_t V = 6;
    batch b;
    batch_init(&b, 64, V);
    static const float big[] = {3e38f, -3e38f, 1e30f, -INFINITY, 0.0f, -0.0f};
    static const float pens[] = {1e-3f, 1e3f, 0.5f, 2.0f};
    static const float temps[] = {0, 1, 1e-30f};
    uint64_t s = 5;
    for (int p = 0; p < 4; p++)
        for (int t = 0; t < 3; t++)
            for (int rot = 0; rot < 3 && b.B < b.cap; rot++) {
                int64_t r = row_add(&b);
                for (int64_t i = 0; i < V; i++) {
                    b.logits[r * V + i] = big[(i + rot) % V];
                    b.prev[r * V + i] = (i + rot) % 2 == 0;
                }
                b.pen[r] = pens[p], b.T[r] = temps[t], b.u[r] = unif(&s);
                b.topk[r] = rot, b.topp[r] = rot == 2 ? 0.7 : 1;
            }
    vt_sampler_graph_opts o = {0};
    o.uniform_input = true;
    o.repetition_penalty = true;
    o.logprob = true;
    compare(&o, &b, "penalty edges");
    batch_free(&b);
}

/* A larger vocabulary: the C sampler's radix sort and octave pruning of top-p (V >= 256) against
 * the graph's plain sorts. */
TEST(large_vocab_match) {
    batch b;
    batch_init(&b, 48, 3000);
    uint64_t s = 2024;
    while (b.B < b.cap) {
        int64_t r = row_add(&b);
        random_row(&b, r, &s);
        if (r % 3 == 0) b.topp[r] = 0.5 + 0.49 * unif(&s);
        if (r % 4 == 1) b.topk[r] = (int32_t)(next64(&s) % 400);
    }
    vt_sampler_graph_opts o = {0};
    o.repetition_penalty = true;
    o.logprob = true;
    compare(&o, &b, "V = 3000");
    batch_free(&b);
}

/* The C sampler's probabilities before renormalisation (T > 0, no top-k, all logits finite). */
static void c_probs(const float *l, int64_t V, float T, double *p) {
    double m = -INFINITY, S = 0;
    for (int64_t i = 0; i < V; i++) m = fmax(m, (double)l[i] / (double)T);
    for (int64_t i = 0; i < V; i++) S += (p[i] = exp((double)l[i] / (double)T - m));
    for (int64_t i = 0; i < V; i++) p[i] /= S;
}

TEST(adversarial_cases_match) {
    const int64_t V = 16;
    batch b;
    batch_init(&b, 12000, V);
    uint64_t s = 777;
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    double probs[16], p[16];
    vt_error err;
    /* Uniforms at CDF boundaries: u = F(i) and its neighbours for every kept token i, plus the
     * ends 0 and 1 - 2^-53, on random rows with T > 0. */
    for (int base = 0; base < 250 && b.B + 3 * V + 2 < b.cap; base++) {
        int64_t r = row_add(&b);
        random_row(&b, r, &s);
        if (b.T[r] == 0) b.T[r] = 0.7f;
        b.pen[r] = 1;
        vt_sampler_config c;
        vt_sampler_config_default(&c);
        c.temperature = b.T[r], c.top_k = (uint32_t)b.topk[r], c.top_p = b.topp[r], c.min_p = b.minp[r];
        if (vt_sampler_distribution(b.logits + r * V, (size_t)V, &c, &ws, probs, NULL, &err)) continue;
        double cum = 0;
        b.u[r] = 0;
        for (int64_t i = 0; i < V; i++) {
            if (probs[i] == 0) continue;
            cum += probs[i];
            double cand[3] = {cum, nextafter(cum, 0), nextafter(cum, 2)};
            for (int j = 0; j < 3; j++) {
                if (!(cand[j] < 1)) continue;
                int64_t q = row_add(&b);
                row_copy(&b, q, r);
                b.u[q] = cand[j];
            }
        }
        int64_t q = row_add(&b);
        row_copy(&b, q, r);
        b.u[q] = 1 - 0x1p-53;
    }
    /* The top-p crossing token: top_p exactly at a cumulative sum of the sorted probabilities
     * (reaching p includes the crossing token) and one ulp either side. */
    for (int base = 0; base < 120 && b.B + 3 * 4 < b.cap; base++) {
        int64_t r = row_add(&b);
        random_row(&b, r, &s);
        float *l = b.logits + r * V;
        for (int64_t i = 0; i < V; i++)
            if (!isfinite(l[i])) l[i] = -3;
        b.T[r] = base % 2 ? 1.0f : 0.6f, b.topk[r] = 0, b.minp[r] = 0, b.pen[r] = 1;
        c_probs(l, V, b.T[r], p);
        int idx[16];
        for (int i = 0; i < V; i++) idx[i] = i;
        for (int i = 1; i < V; i++) /* insertion sort: p desc, index asc */
            for (int j = i; j > 0 && (p[idx[j]] > p[idx[j - 1]] || (p[idx[j]] == p[idx[j - 1]] && idx[j] < idx[j - 1])); j--) {
                int t = idx[j];
                idx[j] = idx[j - 1], idx[j - 1] = t;
            }
        double acc = 0;
        for (int k = 0; k < 4; k++) {
            acc += p[idx[k]];
            double cand[3] = {acc, nextafter(acc, 0), nextafter(acc, 2)};
            for (int j = 0; j < 3; j++) {
                if (!(cand[j] > 0 && cand[j] <= 1)) continue;
                int64_t q = row_add(&b);
                row_copy(&b, q, r);
                b.topp[q] = cand[j];
                b.u[q] = j == 0 ? 1 - 0x1p-53 : unif(&s);
            }
        }
        b.topp[r] = 0.5;
    }
    /* Ties: all logits equal, integer logits with top-k cutting through a tie group, -0 and +0. */
    for (int k = 0; k <= V && b.B < b.cap - 4; k++) {
        int64_t r = row_add(&b);
        for (int64_t i = 0; i < V; i++) b.logits[r * V + i] = (float)(i % 3 == 0 ? 2 : i % 3 == 1 ? 1 : 2);
        b.topk[r] = k, b.u[r] = unif(&s);
        r = row_add(&b);
        for (int64_t i = 0; i < V; i++) b.logits[r * V + i] = 1.25f;
        b.topk[r] = k, b.topp[r] = 0.5, b.u[r] = unif(&s);
        r = row_add(&b);
        for (int64_t i = 0; i < V; i++) b.logits[r * V + i] = (i % 2) ? -0.0f : 0.0f;
        b.topk[r] = k, b.T[r] = (k % 2) ? 0 : 1, b.u[r] = unif(&s);
    }
    /* T near 0: logits one ulp apart, tiny and subnormal temperatures, argmax ties. */
    static const float tiny[] = {1e-30f, 1e-38f, 1.4e-45f, 1e-7f, 0};
    for (int t = 0; t < 5; t++)
        for (int rep = 0; rep < 20 && b.B < b.cap; rep++) {
            int64_t r = row_add(&b);
            float base = (float)gauss(&s);
            for (int64_t i = 0; i < V; i++) b.logits[r * V + i] = nextafterf(base, (i % 4) ? -INFINITY : INFINITY);
            b.logits[r * V + (rep % V)] = nextafterf(b.logits[r * V + (rep % V)], INFINITY);
            b.T[r] = tiny[t], b.topk[r] = rep % 3, b.topp[r] = rep % 2 ? 0.3 : 1, b.u[r] = unif(&s);
        }
    vt_sampler_graph_opts o = {0};
    o.uniform_input = true;
    o.logprob = true;
    compare(&o, &b, "adversarial rows (boundaries, crossing, ties, T near 0)");
    /* The same rows with the explicit two-operand comparator: same order, same tokens. */
    b.B = b.B < 600 ? b.B : 600;
    o.explicit_tiebreak = true;
    compare(&o, &b, "adversarial rows, explicit tie-break comparator");
    vt_sampler_ws_free(&ws);
    batch_free(&b);
}

/* Rows the C sampler rejects give token -1 (and the C sampler's error). */
TEST(rejected_rows) {
    const int64_t V = 8;
    batch b;
    batch_init(&b, 32, V);
    uint64_t s = 99;
    for (int i = 0; i < 16; i++) {
        int64_t r = row_add(&b);
        random_row(&b, r, &s);
        float *l = b.logits + r * V;
        for (int64_t j = 0; j < V; j++)
            if (!isfinite(l[j])) l[j] = 0;
        b.T[r] = 1, b.topk[r] = 0, b.topp[r] = 1, b.minp[r] = 0, b.pen[r] = 1.5f, b.u[r] = 0.25;
        switch (i) {
        case 0: l[3] = NAN; break;
        case 1: l[0] = INFINITY; break;
        case 2: for (int64_t j = 0; j < V; j++) l[j] = -INFINITY; break;
        case 3: b.T[r] = -1; break;
        case 4: b.T[r] = INFINITY; break;
        case 5: b.T[r] = NAN; break;
        case 6: b.topk[r] = -1; break;
        case 7: b.topp[r] = 0; break;
        case 8: b.topp[r] = 1.5; break;
        case 9: b.topp[r] = NAN; break;
        case 10: b.minp[r] = -0.1; break;
        case 11: b.minp[r] = 2; break;
        case 12: b.pen[r] = 0; break;
        case 13: b.pen[r] = NAN; break;
        case 14: b.u[r] = 1; break;
        default: b.u[r] = NAN; break;
        }
    }
    int32_t tok[32];
    vt_error err;
    vt_sampler_graph_opts o = {0};
    o.uniform_input = true;
    o.repetition_penalty = true;
    vt_status st = run_graph(&o, &b, tok, NULL, &err);
    CHECK_MSG(st == VT_OK, "run: %s", err.msg);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    for (int64_t r = 0; st == VT_OK && r < b.B; r++) {
        CHECK_MSG(tok[r] == -1, "rejected row %lld gave token %d", (long long)r, tok[r]);
        double lp;
        CHECK_EQ_INT(c_sample(&b, r, true, true, &ws, &lp, &err), -1);
    }
    /* The C side's messages for two of them. */
    vt_sampler_config c;
    vt_sampler_config_default(&c);
    int32_t t;
    CHECK_ERR(vt_sampler_sample_u(b.logits, (size_t)V, &c, 0.5, &ws, &t, &err), &err, VT_EINPUT, "NaN");
    CHECK_ERR(vt_sampler_sample_u(b.logits + V, (size_t)V, &c, 1.0, &ws, &t, &err), &err, VT_EINPUT, "outside [0, 1)");
    vt_sampler_ws_free(&ws);
    batch_free(&b);
}

TEST(builder_errors) {
    vt_error err;
    vt_module *m = NULL;
    vt_sampler_graph_opts o = {0};
    o.batch = 0, o.vocab = 4;
    CHECK_ERR(vt_build_sampler_module(&o, &m, &err), &err, VT_EINPUT, "batch 0");
    o.batch = -5;
    CHECK_ERR(vt_build_sampler_module(&o, &m, &err), &err, VT_EINPUT, "batch -5");
    o.batch = 2, o.vocab = 0;
    CHECK_ERR(vt_build_sampler_module(&o, &m, &err), &err, VT_EINPUT, "vocab 0 must be >= 1");
    o.vocab = (int64_t)VT_SAMPLER_MAX_VOCAB + 1;
    CHECK_ERR(vt_build_sampler_module(&o, &m, &err), &err, VT_ELIMIT, "exceeds the limit");
    o.batch = (int64_t)1 << 31, o.vocab = (int64_t)1 << 26;
    CHECK_ERR(vt_build_sampler_module(&o, &m, &err), &err, VT_ELIMIT, "batch x vocab");
    CHECK_ERR(vt_build_sampler_module(NULL, &m, &err), &err, VT_EINPUT, "no options");
    CHECK(m == NULL);
    vt_builder *b = vt_builder_new("x", &err);
    o.batch = 2, o.vocab = 3;
    vt_func *f = NULL;
    CHECK_ERR(vt_build_sampler(b, "", &o, &f, &err), &err, VT_EINPUT, "function name");
    CHECK(f == NULL);
    /* A builder already in error reports that error and returns no function. */
    CHECK(vt_build_op(b, "stablehlo.add", NULL, 0, NULL, 0, NULL, 0, 0) == NULL);
    CHECK(vt_build_sampler(b, "sampler", &o, &f, &err) != VT_OK && f == NULL);
    vt_builder_free(b);
    /* A well-formed module prints the expected ops and signature. */
    o.batch = 2, o.vocab = 3;
    CHECK_MSG(vt_build_sampler_module(&o, &m, &err) == VT_OK, "build: %s", err.msg);
    if (m) {
        vt_buf text;
        vt_buf_init(&text);
        CHECK(vt_module_print(m, NULL, &text, &err) == VT_OK);
        CHECK_MSG(text.data && strstr(text.data, "func.func private @sampler") && strstr(text.data, "stablehlo.sort") &&
                      strstr(text.data, "stablehlo.while") && strstr(text.data, "tensor<2x2xui32>") &&
                      strstr(text.data, "stablehlo.shift_right_logical"),
                  "unexpected module text");
        vt_buf_free(&text);
        vt_module_free(m);
    }
}

int main(void) {
    RUN(builder_errors);
    RUN(rejected_rows);
    RUN(penalty_edges);
    RUN(adversarial_cases_match);
    RUN(random_cases_match);
    RUN(large_vocab_match);
    return vt_test_finish();
}
