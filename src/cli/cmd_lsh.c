/* `veritor lsh`: fingerprints of hidden states by random projection (project) and thresholds
 * with exact false-positive rates (threshold); docs/fingerprints.md. */
#include "cli/cli.h"
#include "veritor/protocol.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor lsh project --key K --k N [--dist rademacher|gaussian] STATES [-o F.npy]\n"
    "       veritor lsh threshold --d D --k N --key K --fpr P --sigma S [--n POS]\n"
    "                             [--dist rademacher|gaussian] [--shift-norm X]\n"
    "\n"
    "project: f = (1/sqrt(k)) R h for STATES of shape [d] or [T, d] (f32, bf16 or f16; .npy,\n"
    "  .safetensors or FILE.safetensors:NAME); R is k x d, Rademacher by default, generated from\n"
    "  the key (docs/fingerprints.md). Writes [k] or [T, k] f32 to -o, or prints the values.\n"
    "threshold: the threshold on the squared fingerprint distance ||f_a - f_b||^2 (summed over\n"
    "  --n positions) whose false-positive rate is P when the two hidden states differ by\n"
    "  isotropic Gaussian noise of per-coordinate standard deviation S, computed exactly for\n"
    "  this R from the eigenvalues of R R^T (Imhof's formula, absolute error <= 1e-12). Also\n"
    "  prints the threshold a chi2_k model would give and its real false-positive rate, and with\n"
    "  --shift-norm X the detection power against a shift of norm X in a direction drawn from\n"
    "  fold_in(fold_in(key, NOIS), 1) (normal stream).\n"
    "\n"
    "Options:\n"
    "  --key K          projection key: 0xHHHHHHHH:0xHHHHHHHH or an integer seed\n"
    "  --k N            fingerprint dimension (1..4096)\n"
    "  --d D            hidden dimension (threshold)\n"
    "  --dist NAME      rademacher (default) or gaussian\n"
    "  --fpr P          target false-positive rate in [1e-9, 0.5]\n"
    "  --sigma S        honest noise standard deviation per coordinate\n"
    "  --n POS          positions pooled into one sum (default 1)\n"
    "  --shift-norm X   report detection power against a shift of norm X\n"
    "  -o, --output F   project: output .npy file\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input or usage; 3 a size limit was hit.\n";

static bool parse_double(const char *s, double *out) {
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

typedef struct opts {
    const char *key, *out, *input;
    uint64_t k, d, n;
    vt_lsh_dist dist;
    double fpr, sigma, shift;
    bool have_fpr, have_sigma, have_shift;
} opts;

static int parse(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof *o);
    o->n = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            return -1;
        }
        if (a[0] != '-' || !a[1]) {
            if (o->input) return vt_cli_usage("lsh", "unexpected argument '%s'", a);
            o->input = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) return vt_cli_usage("lsh", "option %s needs a value", a);
        if (!strcmp(a, "--key")) o->key = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->out = v;
        else if (!strcmp(a, "--k")) {
            if (!vt_cli_parse_u64(v, &o->k)) return vt_cli_usage("lsh", "--k: expected a count, got '%s'", v);
        } else if (!strcmp(a, "--d")) {
            if (!vt_cli_parse_u64(v, &o->d)) return vt_cli_usage("lsh", "--d: expected a count, got '%s'", v);
        } else if (!strcmp(a, "--n")) {
            if (!vt_cli_parse_u64(v, &o->n)) return vt_cli_usage("lsh", "--n: expected a count, got '%s'", v);
        } else if (!strcmp(a, "--dist")) {
            if (!strcmp(v, "rademacher")) o->dist = VT_LSH_RADEMACHER;
            else if (!strcmp(v, "gaussian")) o->dist = VT_LSH_GAUSSIAN;
            else return vt_cli_usage("lsh", "--dist: expected rademacher or gaussian, got '%s'", v);
        } else if (!strcmp(a, "--fpr")) {
            if (!parse_double(v, &o->fpr)) return vt_cli_usage("lsh", "--fpr: expected a number, got '%s'", v);
            o->have_fpr = true;
        } else if (!strcmp(a, "--sigma")) {
            if (!parse_double(v, &o->sigma)) return vt_cli_usage("lsh", "--sigma: expected a number, got '%s'", v);
            o->have_sigma = true;
        } else if (!strcmp(a, "--shift-norm")) {
            if (!parse_double(v, &o->shift) || o->shift < 0)
                return vt_cli_usage("lsh", "--shift-norm: expected a non-negative number, got '%s'", v);
            o->have_shift = true;
        } else
            return vt_cli_usage("lsh", "unknown option '%s'", a);
    }
    if (!o->key) return vt_cli_usage("lsh", "--key is required");
    if (!o->k) return vt_cli_usage("lsh", "--k is required (1..4096)");
    return 0;
}

static int cmd_project(const opts *o, vt_lsh_params *p) {
    if (!o->input) return vt_cli_usage("lsh", "project needs a STATES file");
    vt_error err;
    vt_tensor *h = NULL, *f = NULL;
    if (vt_tensor_read_any(o->input, NULL, &h, &err) != VT_OK) return vt_cli_fail(&err);
    if (vt_lsh_project_tensor(p, h, &f, &err) != VT_OK) {
        vt_error_prefix(&err, "%s", o->input);
        vt_tensor_release(h);
        return vt_cli_fail(&err);
    }
    vt_tensor_release(h);
    int rc = 0;
    if (o->out) {
        if (vt_npy_write(o->out, f, &err) != VT_OK) rc = vt_cli_fail(&err);
    } else {
        size_t T = f->rank == 2 ? (size_t)f->dims[0] : 1;
        const float *d = f->data;
        for (size_t t = 0; t < T; t++)
            for (uint32_t j = 0; j < p->k; j++) printf("%.9g%c", (double)d[t * p->k + j], j + 1 == p->k ? '\n' : ' ');
    }
    vt_tensor_release(f);
    return rc;
}

static int cmd_threshold(const opts *o, vt_lsh_params *p) {
    if (!o->d) return vt_cli_usage("lsh", "threshold needs --d");
    if (!o->have_fpr || !o->have_sigma) return vt_cli_usage("lsh", "threshold needs --fpr and --sigma");
    if (o->input) return vt_cli_usage("lsh", "threshold takes no file argument");
    vt_error err;
    if (vt_lsh_check(p, o->d, &err) != VT_OK) return vt_cli_fail(&err);
    if (o->d > ((uint64_t)1 << 27)) {
        vt_error_set(&err, VT_ELIMIT, "lsh threshold: d = %llu above 2^27 (R R^T costs k^2 d)", (unsigned long long)o->d);
        return vt_cli_fail(&err);
    }
    vt_lsh_spectrum s;
    if (vt_lsh_spectrum_compute(p, o->d, &s, &err) != VT_OK) return vt_cli_fail(&err);
    double thr, thr_chi2, real_chi2, back;
    int rc = 0;
    if (vt_lsh_threshold(&s, o->sigma, o->n, o->fpr, &thr, &err) != VT_OK ||
        vt_lsh_fpr(&s, o->sigma, o->n, thr, &back, &err) != VT_OK ||
        vt_lsh_threshold_chi2(p->k, o->d, o->sigma, o->n, o->fpr, &thr_chi2, &err) != VT_OK ||
        vt_lsh_fpr(&s, o->sigma, o->n, thr_chi2, &real_chi2, &err) != VT_OK) {
        rc = vt_cli_fail(&err);
        goto done;
    }
    printf("d %llu\nk %u\npositions %llu\nsigma %.9g\nfpr %.6g\n", (unsigned long long)o->d, p->k,
           (unsigned long long)o->n, o->sigma, o->fpr);
    printf("threshold_sq %.12g\nthreshold %.12g\nfpr_check %.6g\n", thr, sqrt(thr), back);
    printf("chi2_k_threshold_sq %.12g\nchi2_k_real_fpr %.6g\n", thr_chi2, real_chi2);
    printf("lambda_min %.9g\nlambda_max %.9g\n", s.lambda[0], s.lambda[s.k - 1]);
    if (o->have_shift) {
        float *dir = malloc(o->d * sizeof *dir);
        if (!dir) {
            vt_error_set(&err, VT_ENOMEM, "lsh threshold: out of memory for the shift");
            rc = vt_cli_fail(&err);
            goto done;
        }
        uint32_t path[2] = {VT_PURPOSE_NOISE, 1};
        vt_rand_normal_f32(vt_key_derive(p->key, path, 2), 0, o->d, dir);
        double nn = 0;
        for (uint64_t i = 0; i < o->d; i++) nn += (double)dir[i] * dir[i];
        for (uint64_t i = 0; i < o->d; i++) dir[i] = (float)(dir[i] * (o->shift / sqrt(nn)));
        double pw;
        if (vt_lsh_power(p, &s, o->sigma, o->n, dir, thr, &pw, &err) != VT_OK) rc = vt_cli_fail(&err);
        else printf("shift_norm %.9g\npower %.9g\n", o->shift, pw);
        free(dir);
    }
done:
    vt_lsh_spectrum_free(&s);
    return rc;
}

int vt_cmd_lsh(int argc, char **argv) {
    if (argc < 2 || vt_cli_is_help(argv[1])) {
        fputs(help_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    vt_error err;
    vt_lsh_params p = {{{0, 0}}, 0, o.dist};
    if (vt_key_parse(o.key, &p.key, &err) != VT_OK) return vt_cli_fail(&err);
    if (o.k > VT_LSH_MAX_K) return vt_cli_usage("lsh", "--k %llu above 4096", (unsigned long long)o.k);
    p.k = (uint32_t)o.k;
    if (!strcmp(argv[1], "project")) return cmd_project(&o, &p);
    if (!strcmp(argv[1], "threshold")) return cmd_threshold(&o, &p);
    return vt_cli_usage("lsh", "unknown subcommand '%s' (project, threshold)", argv[1]);
}
