/* `veritor sample`: the canonical sampler from the command line (tokens, log-probabilities, the
 * filtered distribution) and the statistical test of claimed tokens; docs/sampling.md. */
#include "cli/cli.h"
#include "veritor/protocol.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor sample [config] --key K [--position I] LOGITS [-o TOKENS.npy]\n"
    "       veritor sample [config] --logprob TOKEN LOGITS\n"
    "       veritor sample [config] --dist LOGITS [-o PROBS.npy]\n"
    "       veritor sample [config] --check TOKENS.npy [--fpr P] [--key K --position I] LOGITS\n"
    "\n"
    "LOGITS is [V] or [n, V] (any float type, converted to f32; .npy or .safetensors); row t is\n"
    "position I + t. The canonical order (docs/sampling.md): repetition penalty -> temperature\n"
    "(0 = argmax) -> top-k -> softmax (f64) -> top-p -> min-p -> renormalise -> inverse CDF with a\n"
    "53-bit uniform drawn at fold_in(fold_in(fold_in(key, SMPL), pos_hi), pos_lo).\n"
    "Default output: one token per line. --logprob prints the natural log-probability of TOKEN\n"
    "(row 0); --dist prints (or writes as f64) the filtered distribution; --check runs the\n"
    "two-sided log-likelihood test of the claimed TOKENS ([n] integers) at false-positive rate\n"
    "P (default 0.01) and, with --key, counts exact matches; exit 1 when the test rejects.\n"
    "\n"
    "Config:\n"
    "  --temperature T         default 1; 0 = argmax (ties to the lowest index)\n"
    "  --top-k K               default 0 (off)\n"
    "  --top-p P               default 1 (off)\n"
    "  --min-p M               default 0 (off)\n"
    "  --repetition-penalty R  default 1 (off); applies to the tokens of --prev\n"
    "  --prev T1,T2,...        previous tokens for the penalty\n"
    "Other options:\n"
    "  --key K          request key: 0xHHHHHHHH:0xHHHHHHHH or an integer seed\n"
    "  --position I     position of row 0 (default 0)\n"
    "  -o, --output F   write tokens (i32) or the distribution (f64) as .npy\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok (test passed); 1 the test rejected the tokens; 2 bad input or usage;\n"
    "3 a size limit was hit.\n";

static bool parse_double(const char *s, double *out) {
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || *end || isnan(v)) return false;
    *out = v;
    return true;
}

/* "1,2,3" -> tokens (caller frees). */
static bool parse_list(const char *s, int32_t **out, size_t *n) {
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    int32_t *v = malloc(cap * sizeof *v);
    if (!v) return false;
    size_t m = 0;
    const char *p = s;
    while (*p) {
        errno = 0;
        char *end;
        long x = strtol(p, &end, 10);
        if (errno || end == p || x < 0 || x > INT32_MAX || (*end && *end != ',')) {
            free(v);
            return false;
        }
        v[m++] = (int32_t)x;
        p = *end ? end + 1 : end;
    }
    *out = v;
    *n = m;
    return true;
}

int vt_cmd_sample(int argc, char **argv) {
    vt_sampler_config c;
    vt_sampler_config_default(&c);
    const char *key_s = NULL, *out = NULL, *input = NULL, *check = NULL;
    uint64_t position = 0, topk = 0, lp_token = 0;
    bool want_lp = false, want_dist = false;
    double fpr = 0.01, d;
    int32_t *prev = NULL;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            free(prev);
            return 0;
        }
        if (!strcmp(a, "--dist")) {
            want_dist = true;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (input) {
                free(prev);
                return vt_cli_usage("sample", "unexpected argument '%s'", a);
            }
            input = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        bool ok = v != NULL;
        if (!v) rc = vt_cli_usage("sample", "option %s needs a value", a);
        else if (!strcmp(a, "--key")) key_s = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) out = v;
        else if (!strcmp(a, "--check")) check = v;
        else if (!strcmp(a, "--position")) ok = vt_cli_parse_u64(v, &position);
        else if (!strcmp(a, "--top-k")) ok = vt_cli_parse_u64(v, &topk) && topk <= UINT32_MAX;
        else if (!strcmp(a, "--logprob")) ok = want_lp = vt_cli_parse_u64(v, &lp_token) && lp_token <= INT32_MAX;
        else if (!strcmp(a, "--temperature")) {
            ok = parse_double(v, &d);
            c.temperature = (float)d;
        } else if (!strcmp(a, "--top-p")) ok = parse_double(v, &c.top_p);
        else if (!strcmp(a, "--min-p")) ok = parse_double(v, &c.min_p);
        else if (!strcmp(a, "--fpr")) ok = parse_double(v, &fpr);
        else if (!strcmp(a, "--repetition-penalty")) {
            ok = parse_double(v, &d);
            c.repetition_penalty = (float)d;
        } else if (!strcmp(a, "--prev")) {
            free(prev);
            prev = NULL;
            ok = parse_list(v, &prev, &c.n_prev);
            c.prev_tokens = prev;
        } else {
            free(prev);
            return vt_cli_usage("sample", "unknown option '%s'", a);
        }
        if (!v) {
            free(prev);
            return rc;
        }
        if (!ok) {
            free(prev);
            return vt_cli_usage("sample", "%s: bad value '%s'", a, v);
        }
    }
    c.top_k = (uint32_t)topk;
    if (!input) {
        free(prev);
        return vt_cli_usage("sample", "a LOGITS file is required");
    }
    vt_error err;
    vt_key key = {{0, 0}};
    if (key_s && vt_key_parse(key_s, &key, &err) != VT_OK) {
        free(prev);
        return vt_cli_fail(&err);
    }
    if (!key_s && !want_lp && !want_dist && !check) {
        free(prev);
        return vt_cli_usage("sample", "--key is required to sample");
    }
    vt_tensor *raw = NULL, *lg = NULL, *toks = NULL, *res = NULL;
    vt_sampler_ws ws;
    vt_sampler_ws_init(&ws);
    if (vt_tensor_read_any(input, NULL, &raw, &err) != VT_OK) goto fail;
    if ((raw->rank != 1 && raw->rank != 2) || !vt_dtype_is_float(raw->dtype)) {
        vt_error_set(&err, VT_EINPUT, "%s: expected float logits of shape [V] or [n, V]", input);
        goto fail;
    }
    if (!(lg = raw->dtype == VT_F32 ? vt_tensor_retain(raw) : vt_tensor_convert(raw, VT_F32, &err))) goto fail;
    size_t n = lg->rank == 2 ? (size_t)lg->dims[0] : 1, V = (size_t)lg->dims[lg->rank - 1];
    const float *L = lg->data;
    if (n == 0 || V == 0) {
        vt_error_set(&err, VT_EINPUT, "%s: empty logits", input);
        goto fail;
    }
    if (check) {
        if (vt_tensor_read_any(check, NULL, &toks, &err) != VT_OK) goto fail;
        if (toks->rank != 1 || (size_t)toks->dims[0] != n || !vt_dtype_is_int(toks->dtype)) {
            vt_error_set(&err, VT_EINPUT, "%s: expected %zu integer tokens of shape [%zu]", check, n, n);
            goto fail;
        }
        int32_t *tk = malloc(n * sizeof *tk);
        if (!tk) {
            vt_error_set(&err, VT_ENOMEM, "sample: out of memory");
            goto fail;
        }
        for (size_t t = 0; t < n; t++) {
            int64_t x = vt_load_i64(toks->dtype, (const char *)toks->data + t * vt_dtype_size(toks->dtype));
            tk[t] = x < 0 || x > INT32_MAX ? -1 : (int32_t)x;
        }
        vt_sampling_result r;
        vt_status st = vt_sampling_test(L, n, V, tk, &c, fpr, &r, &err);
        size_t m = 0;
        if (!st && key_s) st = vt_sampling_match(L, n, V, tk, &c, key, position, &m, &err);
        free(tk);
        if (st) goto fail;
        printf("positions %zu\nloglik %.12g\nmean_surprisal %.12g\nvar_surprisal %.12g\nz %.6g\n", r.n, r.loglik,
               r.mean, r.var, r.z);
        printf("p_low %.6g\np_high %.6g\np_value %.6g\nimpossible %zu\nmethod %s\n", r.p_low, r.p_high, r.p_value,
               r.n_impossible, r.method == VT_SAMPLING_EXACT ? "exact" : "saddlepoint");
        if (key_s) printf("matches %zu\nmatch_rate %.6g\n", m, (double)m / n);
        printf("verdict %s\n", r.reject ? "reject" : "pass");
        rc = r.reject ? 1 : 0;
        goto end;
    }
    if (want_lp) {
        double lp;
        if (vt_sampler_logprob(L, V, &c, (int32_t)lp_token, &ws, &lp, &err) != VT_OK) goto fail;
        printf("%.17g\n", lp);
        goto end;
    }
    if (want_dist) {
        int64_t dims[2] = {(int64_t)n, (int64_t)V};
        if (!(res = vt_tensor_create(VT_F64, lg->rank, lg->rank == 2 ? dims : dims + 1, 0, &err))) goto fail;
        double *P = res->data;
        for (size_t t = 0; t < n; t++)
            if (vt_sampler_distribution(L + t * V, V, &c, &ws, P + t * V, NULL, &err) != VT_OK) {
                vt_error_prefix(&err, "%s: row %zu", input, t);
                goto fail;
            }
        if (out) {
            if (vt_npy_write(out, res, &err) != VT_OK) goto fail;
        } else {
            for (size_t t = 0; t < n; t++)
                for (size_t v = 0; v < V; v++) printf("%.17g%c", P[t * V + v], v + 1 == V ? '\n' : ' ');
        }
        goto end;
    }
    int64_t nd = (int64_t)n;
    if (!(res = vt_tensor_create(VT_I32, 1, &nd, 0, &err))) goto fail;
    int32_t *T = res->data;
    for (size_t t = 0; t < n; t++)
        if (vt_sampler_sample(L + t * V, V, &c, key, position + t, &ws, &T[t], &err) != VT_OK) {
            vt_error_prefix(&err, "%s: row %zu", input, t);
            goto fail;
        }
    if (out) {
        if (vt_npy_write(out, res, &err) != VT_OK) goto fail;
    } else {
        for (size_t t = 0; t < n; t++) printf("%d\n", (int)T[t]);
    }
    goto end;
fail:
    rc = vt_cli_fail(&err);
end:
    vt_sampler_ws_free(&ws);
    vt_tensor_release(raw);
    vt_tensor_release(lg);
    vt_tensor_release(toks);
    vt_tensor_release(res);
    free(prev);
    return rc;
}
