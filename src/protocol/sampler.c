/* The canonical sampler: the exact, documented order of operations from f32 logits to a token
 * (docs/sampling.md), its filtered distribution and the log-probability of a given token. Every
 * step is deterministic: sums run in a fixed order, sorts break ties by index. */
#include "veritor/protocol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct vpair {
    double v;
    int32_t i;
} vpair;

/* Descending by value, ascending by index: the one order every filter uses. */
static int cmp_desc(const void *a, const void *b) {
    const vpair *x = a, *y = b;
    if (x->v > y->v) return -1;
    if (x->v < y->v) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Sorts pairs that are in ascending index order into (value descending, index ascending): a
 * stable LSD radix sort on the order-preserving 64-bit image of the value (O(n), and the
 * stability keeps equal values in index order, which is the tie rule). Small inputs use qsort
 * with the same comparator, which gives the same order. */
static inline uint64_t desc_key(double v) {
    uint64_t b;
    if (v == 0) v = 0.0; /* -0 equals +0: one key, so the index decides */
    memcpy(&b, &v, sizeof b);
    b = (b >> 63) ? ~b : b ^ 0x8000000000000000ull; /* ascending in v */
    return ~b;                                       /* descending in v */
}

static void sort_desc(vpair *a, size_t n, vpair *tmp) {
    if (n < 256) {
        qsort(a, n, sizeof *a, cmp_desc);
        return;
    }
    size_t cnt[2048];
    vpair *src = a, *dst = tmp;
    for (int pass = 0; pass < 6; pass++) {
        int shift = 11 * pass;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++) cnt[(desc_key(src[i].v) >> shift) & 2047]++;
        size_t sum = 0;
        for (int b = 0; b < 2048; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[(desc_key(src[i].v) >> shift) & 2047]++] = src[i];
        vpair *t = src;
        src = dst;
        dst = t;
    }
    /* six passes: the sorted data is back in a */
}

void vt_sampler_config_default(vt_sampler_config *c) {
    memset(c, 0, sizeof *c);
    c->temperature = 1.0f;
    c->top_p = 1.0;
    c->repetition_penalty = 1.0f;
}

void vt_sampler_ws_init(vt_sampler_ws *ws) { memset(ws, 0, sizeof *ws); }

void vt_sampler_ws_free(vt_sampler_ws *ws) {
    free(ws->x);
    free(ws->p);
    free(ws->pairs);
    free(ws->keep);
    memset(ws, 0, sizeof *ws);
}

static vt_status ws_reserve(vt_sampler_ws *ws, size_t V, vt_error *err) {
    if (ws->cap >= V) return VT_OK;
    vt_sampler_ws_free(ws);
    ws->x = malloc(V * sizeof *ws->x);
    ws->p = malloc(V * sizeof *ws->p);
    ws->pairs = malloc(2 * V * sizeof(vpair)); /* the data and the radix sort's scratch */
    ws->keep = malloc(V);
    if (!ws->x || !ws->p || !ws->pairs || !ws->keep) {
        vt_sampler_ws_free(ws);
        return vt_error_set(err, VT_ENOMEM, "sampler: out of memory for vocabulary %zu", V);
    }
    ws->cap = V;
    return VT_OK;
}

vt_status vt_sampler_check(const vt_sampler_config *c, size_t V, vt_error *err) {
    if (V == 0) return vt_error_set(err, VT_EINPUT, "sampler: empty vocabulary");
    if (V > VT_SAMPLER_MAX_VOCAB)
        return vt_error_set(err, VT_ELIMIT, "sampler: vocabulary %zu exceeds the limit %zu", V, VT_SAMPLER_MAX_VOCAB);
    if (!(c->temperature >= 0) || !isfinite(c->temperature))
        return vt_error_set(err, VT_EINPUT, "sampler: temperature %g must be finite and >= 0", (double)c->temperature);
    if (!(c->top_p > 0 && c->top_p <= 1))
        return vt_error_set(err, VT_EINPUT, "sampler: top_p %g must be in (0, 1]", c->top_p);
    if (!(c->min_p >= 0 && c->min_p <= 1))
        return vt_error_set(err, VT_EINPUT, "sampler: min_p %g must be in [0, 1]", c->min_p);
    if (!(c->repetition_penalty > 0) || !isfinite(c->repetition_penalty))
        return vt_error_set(err, VT_EINPUT, "sampler: repetition_penalty %g must be finite and > 0",
                            (double)c->repetition_penalty);
    if (c->n_prev && !c->prev_tokens) return vt_error_set(err, VT_EINPUT, "sampler: prev_tokens is NULL");
    for (size_t i = 0; i < c->n_prev; i++)
        if (c->prev_tokens[i] < 0 || (size_t)c->prev_tokens[i] >= V)
            return vt_error_set(err, VT_EINPUT, "sampler: previous token %zu = %d outside the vocabulary [0, %zu)", i,
                                (int)c->prev_tokens[i], V);
    return VT_OK;
}

/* Binary order of magnitude of a probability, largest first: 2046 - biased exponent (0 for
 * [1, 2), 2046 for 0 and subnormals). Every value in octave b is larger than every value in
 * octave b + 1. */
static inline int octave(double p) {
    uint64_t b;
    memcpy(&b, &p, sizeof b);
    int e = (int)((b >> 52) & 0x7ff);
    return e == 0 ? 2046 : 2046 - e;
}

/* Runs every filter. On return keep[] marks the surviving tokens, p[i] = exp(x_i - m) / S for
 * them (S the softmax sum after top-k), *s2 is the sum of the surviving p in index order and
 * *m, *logS the softmax shift and log S. For T = 0 *argmax is the token and nothing else is set. */
typedef struct filt {
    int32_t argmax; /* >= 0 only for T = 0 */
    double m, logS, s2;
} filt;

static vt_status run_filters(const float *logits, size_t V, const vt_sampler_config *c, vt_sampler_ws *ws, filt *f,
                             vt_error *err) {
    vt_status st = vt_sampler_check(c, V, err);
    if (st) return st;
    if ((st = ws_reserve(ws, V, err))) return st;
    double *x = ws->x, *p = ws->p;
    uint8_t *keep = ws->keep;
    vpair *pairs = ws->pairs, *scratch = pairs + V;
    f->argmax = -1;
    /* 1. Repetition penalty in f32 (CTRL / Hugging Face rule), once per distinct token. */
    size_t nfinite = 0;
    for (size_t i = 0; i < V; i++) {
        float l = logits[i];
        if (isnan(l) || (isinf(l) && l > 0))
            return vt_error_set(err, VT_EINPUT, "sampler: logit %zu is %s (only finite values and -inf are allowed)", i,
                                isnan(l) ? "NaN" : "+inf");
        x[i] = l;
        nfinite += isfinite(l) != 0;
        keep[i] = 0;
    }
    if (nfinite == 0) return vt_error_set(err, VT_EINPUT, "sampler: every logit is -inf");
    if (c->repetition_penalty != 1.0f) {
        for (size_t i = 0; i < c->n_prev; i++) {
            int32_t t = c->prev_tokens[i];
            if (keep[t]) continue;
            keep[t] = 1;
            float l = logits[t];
            l = l > 0 ? l / c->repetition_penalty : l * c->repetition_penalty;
            x[t] = l;
        }
        memset(keep, 0, V);
    }
    /* 2. Temperature 0: argmax of the penalised f32 logits, ties to the lowest index. */
    if (c->temperature == 0) {
        size_t best = 0;
        for (size_t i = 1; i < V; i++)
            if (x[i] > x[best]) best = i;
        f->argmax = (int32_t)best;
        return VT_OK;
    }
    const double T = c->temperature;
    for (size_t i = 0; i < V; i++) {
        x[i] = x[i] / T;
        keep[i] = isfinite(x[i]) != 0;
    }
    /* 3. Top-k: the k largest, ties to the lower index. */
    if (c->top_k > 0 && c->top_k < nfinite) {
        size_t n = 0;
        for (size_t i = 0; i < V; i++)
            if (keep[i]) pairs[n++] = (vpair){x[i], (int32_t)i};
        sort_desc(pairs, n, scratch);
        for (size_t r = c->top_k; r < n; r++) keep[pairs[r].i] = 0;
    }
    /* 4. Softmax in f64 with max subtraction; the sum runs in index order. */
    double m = -INFINITY;
    for (size_t i = 0; i < V; i++)
        if (keep[i] && x[i] > m) m = x[i];
    double S = 0;
    for (size_t i = 0; i < V; i++) {
        p[i] = keep[i] ? exp(x[i] - m) : 0;
        S += p[i];
    }
    for (size_t i = 0; i < V; i++) p[i] /= S;
    f->m = m;
    f->logS = log(S);
    /* 5. Top-p: tokens by probability descending (ties by index), the smallest prefix whose
     * cumulative sum (in that order) reaches top_p, crossing token included. Only tokens in the
     * binary orders of magnitude that can hold the crossing are sorted: every other token has
     * a smaller probability than all of them, so the sorted prefix is the same as a full sort's. */
    if (c->top_p < 1) {
        double mass[2048] = {0};
        for (size_t i = 0; i < V; i++)
            if (keep[i]) mass[octave(p[i])] += p[i];
        int bstar = 2047;
        double cum = 0;
        for (int b = 0; b < 2048; b++) {
            cum += mass[b];
            if (cum >= c->top_p) {
                bstar = b;
                break;
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            size_t n = 0;
            for (size_t i = 0; i < V; i++)
                if (keep[i] && (pass == 1 || octave(p[i]) <= bstar)) pairs[n++] = (vpair){p[i], (int32_t)i};
            sort_desc(pairs, n, scratch);
            double acc = 0;
            size_t r = 0;
            while (r < n) {
                acc += pairs[r++].v;
                if (acc >= c->top_p) break;
            }
            if (acc < c->top_p && pass == 0) continue; /* rounding: redo with every token */
            for (size_t i = 0; i < V; i++) keep[i] = 0;
            for (size_t j = 0; j < r; j++) keep[pairs[j].i] = 1;
            break;
        }
    }
    /* 6. Min-p: drop tokens below min_p times the largest surviving probability. */
    if (c->min_p > 0) {
        double pmax = 0;
        for (size_t i = 0; i < V; i++)
            if (keep[i] && p[i] > pmax) pmax = p[i];
        double cut = c->min_p * pmax;
        for (size_t i = 0; i < V; i++)
            if (keep[i] && p[i] < cut) keep[i] = 0;
    }
    /* 7. Renormalisation constant, summed in index order. */
    double s2 = 0;
    for (size_t i = 0; i < V; i++)
        if (keep[i]) s2 += p[i];
    f->s2 = s2;
    return VT_OK;
}

vt_status vt_sampler_distribution(const float *logits, size_t V, const vt_sampler_config *c, vt_sampler_ws *ws,
                                  double *probs, double *logprobs, vt_error *err) {
    filt f;
    vt_status st = run_filters(logits, V, c, ws, &f, err);
    if (st) return st;
    if (f.argmax >= 0) {
        for (size_t i = 0; i < V; i++) {
            if (probs) probs[i] = (int32_t)i == f.argmax;
            if (logprobs) logprobs[i] = (int32_t)i == f.argmax ? 0 : -INFINITY;
        }
        return VT_OK;
    }
    double logs2 = log(f.s2);
    for (size_t i = 0; i < V; i++) {
        bool k = ws->keep[i];
        if (probs) probs[i] = k ? ws->p[i] / f.s2 : 0;
        if (logprobs) logprobs[i] = k ? (ws->x[i] - f.m) - f.logS - logs2 : -INFINITY;
    }
    return VT_OK;
}

vt_status vt_sampler_sample_u(const float *logits, size_t V, const vt_sampler_config *c, double u, vt_sampler_ws *ws,
                              int32_t *token, vt_error *err) {
    if (!(u >= 0 && u < 1)) return vt_error_set(err, VT_EINPUT, "sampler: uniform %g outside [0, 1)", u);
    filt f;
    vt_status st = run_filters(logits, V, c, ws, &f, err);
    if (st) return st;
    if (f.argmax >= 0) {
        *token = f.argmax;
        return VT_OK;
    }
    /* 8. Inverse CDF in index order: the first kept token whose cumulative (unnormalised)
     * probability exceeds u * s2; rounding past the end selects the last kept token. */
    double t = u * f.s2, acc = 0;
    int32_t last = -1;
    for (size_t i = 0; i < V; i++) {
        if (!ws->keep[i]) continue;
        acc += ws->p[i];
        last = (int32_t)i;
        if (t < acc) {
            *token = (int32_t)i;
            return VT_OK;
        }
    }
    *token = last;
    return VT_OK;
}

vt_status vt_sampler_sample(const float *logits, size_t V, const vt_sampler_config *c, vt_key request,
                            uint64_t position, vt_sampler_ws *ws, int32_t *token, vt_error *err) {
    double u = vt_rand_uniform53(vt_key_sample(request, position));
    return vt_sampler_sample_u(logits, V, c, u, ws, token, err);
}

vt_status vt_sampler_logprob(const float *logits, size_t V, const vt_sampler_config *c, int32_t token,
                             vt_sampler_ws *ws, double *logprob, vt_error *err) {
    if (token < 0 || (size_t)token >= V)
        return vt_error_set(err, VT_EINPUT, "sampler: token %d outside the vocabulary [0, %zu)", (int)token, V);
    filt f;
    vt_status st = run_filters(logits, V, c, ws, &f, err);
    if (st) return st;
    if (f.argmax >= 0)
        *logprob = token == f.argmax ? 0 : -INFINITY;
    else
        *logprob = ws->keep[token] ? (ws->x[token] - f.m) - f.logS - log(f.s2) : -INFINITY;
    return VT_OK;
}
