/* Statistical tests that claimed tokens were drawn by the canonical sampler from the verifier's
 * logits: per-token surprisal, total log-likelihood, a two-sided test on the total surprisal
 * (exact enumeration for short sequences, Lugannani-Rice saddlepoint otherwise) and the
 * exact-token match count with a disclosed key. Method and error rates: docs/sampling.md. */
#include "veritor/protocol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Support of one position: surprisal values and their probabilities. */
typedef struct support {
    size_t off, len;
} support;

#define SUPPORT_MAX ((size_t)1 << 24)

static vt_status check_common(const float *logits, size_t n, size_t V, const int32_t *tokens, vt_error *err) {
    if (n == 0) return vt_error_set(err, VT_EINPUT, "sampling test: no positions");
    if (!logits || !tokens) return vt_error_set(err, VT_EINPUT, "sampling test: logits or tokens missing");
    size_t nv;
    if (!vt_mul_size(n, V, &nv)) return vt_error_set(err, VT_ELIMIT, "sampling test: %zu x %zu logits overflow", n, V);
    for (size_t t = 0; t < n; t++)
        if (tokens[t] < 0 || (size_t)tokens[t] >= V)
            return vt_error_set(err, VT_EINPUT, "sampling test: token %d at position %zu outside the vocabulary [0, %zu)",
                                (int)tokens[t], t, V);
    return VT_OK;
}

vt_status vt_sampling_surprisal(const float *logits, size_t n, size_t V, const int32_t *tokens,
                                const vt_sampler_config *c, double *surprisal, vt_error *err) {
    vt_status st = check_common(logits, n, V, tokens, err);
    if (st) return st;
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    for (size_t t = 0; t < n && !st; t++) {
        double lp;
        st = vt_sampler_logprob(logits + t * V, V, c, tokens[t], &ws, &lp, err);
        if (st) vt_error_prefix(err, "position %zu", t);
        else if (surprisal) surprisal[t] = -lp;
    }
    vt_sampler_ws_free(&ws);
    return st;
}

/* ---- saddlepoint ------------------------------------------------------------------------- */
/* For one position with values s_v = -log p_v: K_t(th) = log sum_v p_v e^{th s_v}. The tilted
 * weights are p_v e^{th s_v}; computed in logs with the maximum subtracted. */
typedef struct cgf {
    double K, K1, K2;
} cgf;

static cgf eval_cgf(const double *val, const double *prob, const support *sup, size_t n, double th) {
    cgf r = {0, 0, 0};
    for (size_t t = 0; t < n; t++) {
        const double *s = val + sup[t].off, *p = prob + sup[t].off;
        size_t len = sup[t].len;
        double mx = -INFINITY;
        for (size_t v = 0; v < len; v++) {
            double a = log(p[v]) + th * s[v];
            if (a > mx) mx = a;
        }
        double z = 0, m1 = 0, m2 = 0;
        for (size_t v = 0; v < len; v++) {
            double e = exp(log(p[v]) + th * s[v] - mx);
            z += e;
            m1 += e * s[v];
            m2 += e * s[v] * s[v];
        }
        m1 /= z;
        m2 /= z;
        r.K += mx + log(z);
        r.K1 += m1;
        r.K2 += m2 - m1 * m1 > 0 ? m2 - m1 * m1 : 0;
    }
    return r;
}

static double norm_sf(double x) { return 0.5 * erfc(x / M_SQRT2); }

/* Lugannani-Rice: P(S >= x) ~ 1 - Phi(w) + phi(w) (1/u - 1/w). */
static void saddlepoint(const double *val, const double *prob, const support *sup, size_t n, double x, double mean,
                        double var, double *p_low, double *p_high) {
    double sd = sqrt(var);
    if (var <= 0 || fabs(x - mean) < 1e-6 * sd) {
        *p_low = *p_high = 0.5;
        return;
    }
    /* Solve K'(th) = x: K' increases with th; bracket then Newton with bisection fallback. */
    double lo = 0, hi = 0;
    if (x > mean) {
        hi = 1;
        while (eval_cgf(val, prob, sup, n, hi).K1 < x && hi < 1e6) {
            lo = hi;
            hi *= 2;
        }
    } else {
        lo = -1;
        while (eval_cgf(val, prob, sup, n, lo).K1 > x && lo > -1e6) {
            hi = lo;
            lo *= 2;
        }
    }
    double th = 0.5 * (lo + hi);
    cgf k = eval_cgf(val, prob, sup, n, th);
    for (int it = 0; it < 100; it++) {
        if (k.K1 < x) lo = th;
        else hi = th;
        double nt = k.K2 > 0 ? th - (k.K1 - x) / k.K2 : 0.5 * (lo + hi);
        if (!(nt > lo && nt < hi)) nt = 0.5 * (lo + hi);
        if (fabs(nt - th) < 1e-13 * (1 + fabs(th))) {
            th = nt;
            k = eval_cgf(val, prob, sup, n, th);
            break;
        }
        th = nt;
        k = eval_cgf(val, prob, sup, n, th);
    }
    double r = th * x - k.K;
    double w = (th > 0 ? 1 : -1) * sqrt(r > 0 ? 2 * r : 0);
    double u = th * sqrt(k.K2);
    double ph;
    if (fabs(w) < 1e-8 || u == 0) {
        ph = norm_sf((x - mean) / sd);
    } else {
        double phi = exp(-0.5 * w * w) / sqrt(2 * M_PI);
        ph = norm_sf(w) + phi * (1 / u - 1 / w);
    }
    ph = ph < 0 ? 0 : ph > 1 ? 1 : ph;
    *p_high = ph;
    *p_low = 1 - ph;
}

/* ---- exact enumeration (short sequences) --------------------------------------------------- */
typedef struct atom {
    double v, p;
} atom;

static int cmp_atom(const void *a, const void *b) {
    double x = ((const atom *)a)->v, y = ((const atom *)b)->v;
    return (x > y) - (x < y);
}

static vt_status exact_tails(const double *val, const double *prob, const support *sup, size_t n, size_t total,
                             double x, double *p_low, double *p_high, vt_error *err) {
    atom *cur = malloc(total * sizeof *cur), *nxt = malloc(total * sizeof *nxt);
    if (!cur || !nxt) {
        free(cur);
        free(nxt);
        return vt_error_set(err, VT_ENOMEM, "sampling test: out of memory for %zu outcomes", total);
    }
    /* Sums accumulate position by position in the same order as the observed total, so the
     * observed outcome reproduces its own value bit for bit. */
    size_t len = 1;
    cur[0] = (atom){0, 1};
    for (size_t t = 0; t < n; t++) {
        size_t m = 0;
        for (size_t a = 0; a < len; a++)
            for (size_t v = 0; v < sup[t].len; v++)
                nxt[m++] = (atom){cur[a].v + val[sup[t].off + v], cur[a].p * prob[sup[t].off + v]};
        atom *tmp = cur;
        cur = nxt;
        nxt = tmp;
        len = m;
    }
    qsort(cur, len, sizeof *cur, cmp_atom);
    double tol = 1e-12 * (1 + fabs(x)), lo = 0, hi = 0;
    for (size_t a = 0; a < len; a++) {
        if (cur[a].v <= x + tol) lo += cur[a].p;
        if (cur[a].v >= x - tol) hi += cur[a].p;
    }
    free(cur);
    free(nxt);
    *p_low = lo > 1 ? 1 : lo;
    *p_high = hi > 1 ? 1 : hi;
    return VT_OK;
}

vt_status vt_sampling_test(const float *logits, size_t n, size_t V, const int32_t *tokens,
                           const vt_sampler_config *c, double fpr, vt_sampling_result *res, vt_error *err) {
    memset(res, 0, sizeof *res);
    vt_status st = check_common(logits, n, V, tokens, err);
    if (st) return st;
    if (!(fpr > 0 && fpr < 1)) return vt_error_set(err, VT_EINPUT, "sampling test: fpr %g outside (0, 1)", fpr);
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    double *probs = malloc(V * sizeof *probs), *lps = malloc(V * sizeof *lps);
    support *sup = malloc(n * sizeof *sup);
    size_t cap = 1024, used = 0;
    double *val = malloc(cap * sizeof *val), *prob = malloc(cap * sizeof *prob);
    if (!probs || !lps || !sup || !val || !prob) {
        st = vt_error_set(err, VT_ENOMEM, "sampling test: out of memory for vocabulary %zu", V);
        goto done;
    }
    double obs = 0, mean = 0, var = 0, smin = 0, smax = 0, lmin = 0, lmax = 0;
    size_t prod = 1;
    bool prod_ok = true;
    for (size_t t = 0; t < n; t++) {
        if ((st = vt_sampler_distribution(logits + t * V, V, c, &ws, probs, lps, err))) {
            vt_error_prefix(err, "position %zu", t);
            goto done;
        }
        double lp = lps[tokens[t]];
        if (!isfinite(lp) || probs[tokens[t]] == 0) res->n_impossible++;
        else obs += -lp;
        sup[t].off = used;
        double h = 0, h2 = 0, mn = INFINITY, mxv = -INFINITY;
        for (size_t v = 0; v < V; v++) {
            if (!(probs[v] > 0)) continue;
            if (used == cap) {
                if (cap >= SUPPORT_MAX) {
                    st = vt_error_set(err, VT_ELIMIT, "sampling test: filtered supports exceed %zu entries in total",
                                      SUPPORT_MAX);
                    goto done;
                }
                cap *= 2;
                double *nv = realloc(val, cap * sizeof *val);
                if (nv) val = nv;
                double *np = nv ? realloc(prob, cap * sizeof *prob) : NULL;
                if (np) prob = np;
                if (!nv || !np) {
                    st = vt_error_set(err, VT_ENOMEM, "sampling test: out of memory");
                    goto done;
                }
            }
            double s = -lps[v];
            val[used] = s;
            prob[used] = probs[v];
            used++;
            h += probs[v] * s;
            h2 += probs[v] * s * s;
            mn = s < mn ? s : mn;
            mxv = s > mxv ? s : mxv;
        }
        sup[t].len = used - sup[t].off;
        /* Probability of the smallest and the largest surprisal at this position: their
         * products are the exact tails when the observed total is an extreme. */
        double pmn = 0, pmx = 0;
        for (size_t v = sup[t].off; v < used; v++) {
            if (val[v] == mn) pmn += prob[v];
            if (val[v] == mxv) pmx += prob[v];
        }
        lmin += log(pmn);
        lmax += log(pmx);
        mean += h;
        var += h2 - h * h > 0 ? h2 - h * h : 0;
        smin += mn;
        smax += mxv;
        if (prod_ok && !vt_mul_size(prod, sup[t].len, &prod)) prod_ok = false;
        if (prod > VT_SAMPLING_EXACT_MAX) prod_ok = false;
    }
    res->n = n;
    res->loglik = res->n_impossible ? -INFINITY : -obs;
    res->mean = mean;
    res->var = var;
    res->z = var > 0 ? (obs - mean) / sqrt(var) : 0;
    if (res->n_impossible) {
        res->p_low = res->p_high = res->p_value = 0;
        res->method = prod_ok ? VT_SAMPLING_EXACT : VT_SAMPLING_SADDLEPOINT;
        res->reject = true;
        goto done;
    }
    if (prod_ok) {
        res->method = VT_SAMPLING_EXACT;
        if ((st = exact_tails(val, prob, sup, n, prod, obs, &res->p_low, &res->p_high, err))) goto done;
    } else {
        res->method = VT_SAMPLING_SADDLEPOINT;
        double tol = 1e-12 * (1 + fabs(obs));
        if (obs <= smin + tol) { /* every token had the least surprisal (e.g. argmax injection) */
            res->p_low = exp(lmin);
            res->p_high = 1;
        } else if (obs >= smax - tol) {
            res->p_low = 1;
            res->p_high = exp(lmax);
        } else {
            saddlepoint(val, prob, sup, n, obs, mean, var, &res->p_low, &res->p_high);
        }
    }
    double pv = 2 * (res->p_low < res->p_high ? res->p_low : res->p_high);
    res->p_value = pv > 1 ? 1 : pv;
    res->reject = res->p_value < fpr;
done:
    vt_sampler_ws_free(&ws);
    free(probs);
    free(lps);
    free(sup);
    free(val);
    free(prob);
    return st;
}

vt_status vt_sampling_match(const float *logits, size_t n, size_t V, const int32_t *tokens,
                            const vt_sampler_config *c, vt_key request, uint64_t first_position, size_t *matches,
                            vt_error *err) {
    *matches = 0;
    vt_status st = check_common(logits, n, V, tokens, err);
    if (st) return st;
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    for (size_t t = 0; t < n; t++) {
        int32_t tok;
        if ((st = vt_sampler_sample(logits + t * V, V, c, request, first_position + t, &ws, &tok, err))) {
            vt_error_prefix(err, "position %zu", t);
            break;
        }
        *matches += tok == tokens[t];
    }
    vt_sampler_ws_free(&ws);
    return st;
}
