/* `veritor model`: the reference transformer (docs/model.md): `init` writes a preset's config,
 * weights and graphs; `decode` runs the decode graph on a prompt and prints the new tokens. */
#include "cli/cli.h"
#include "veritor/workload.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help_text[] =
    "usage: veritor model init PRESET -o DIR [--seed S] [--compute f32|f64] [--weights f32|bf16|f64]\n"
    "                          [--norm rms|layernorm] [--positions learned|rope]\n"
    "                          [--seq T] [--prompt-len P] [--max-new N]\n"
    "       veritor model decode DIR --prompt 1,2,3 [--max-new N] [--temperature T] [--top-k K]\n"
    "                          [--top-p P] [--min-p M] [--key K] [--fp-key F] [--fp-layers L1,L2,...]\n"
    "                          [--fingerprints FILE] [--logits FILE]\n"
    "\n"
    "Presets: tiny (V=256 d=64 L=2), small (V=4096 d=256 L=4), medium (V=32000 d=768 L=12);\n"
    "RMSNorm (default) or LayerNorm, learned (default) or rotary (RoPE) positions, tied embeddings\n"
    "(docs/model.md).\n"
    "init writes DIR/config.json, DIR/weights.safetensors (parameter i drawn from\n"
    "normal(fold_in(PRNGKey(S), i)), default seed 0), DIR/prefill.mlir and\n"
    "DIR/teacher_forcing.mlir, DIR/train_step_sgd.mlir and DIR/train_step_adamw.mlir for tokens\n"
    "[1, T] (default T 32) and DIR/decode.mlir for a prompt\n"
    "of P tokens and N new ones (default 8 and 24). Weights are stored in the compute dtype unless\n"
    "--weights says otherwise (bf16: `model decode` converts; `veritor run` needs the graph's type).\n"
    "decode emits the decode graph for the prompt's length and N (default 32), runs it and prints\n"
    "the new tokens, comma-separated. Fingerprints use the Rademacher projection of\n"
    "docs/fingerprints.md under key F (default 0) on the last block's output; --fingerprints\n"
    "saves them ([P+N-1, k] f32 .npy, row t = position t), --logits the logits likewise.\n"
    "--fp-layers fingerprints the outputs of the listed blocks (0-based, no repeats) instead, layer l\n"
    "under the derived key lsh(F, l) = fold_in(fold_in(F, 'LSHP'), l); the file is then\n"
    "[P+N-1, nlayers, k], [t, j] the fingerprint of the j-th listed layer at position t.\n"
    "Default: argmax (temperature 0). Any of --temperature/--top-k/--top-p/--min-p selects the\n"
    "canonical in-graph sampler (docs/sampling.md) with request key K (required); the token at\n"
    "position t is drawn at position t.\n"
    "  -o, --output DIR   init's output folder (created when missing)\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input, usage or unsupported option; 3 a limit was hit.\n";

static int fail(vt_error *err) { return vt_cli_fail(err); }

static vt_status write_text(const char *dir, const char *name, const char *text, size_t len, vt_error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return vt_error_set(err, VT_EUSAGE, "%s: path too long", dir);
    return vt_write_file_atomic(path, text, len, err);
}

static vt_status write_module(const char *dir, const char *name, vt_module *m, vt_error *err) {
    vt_buf b;
    vt_buf_init(&b);
    vt_status s = vt_module_print(m, NULL, &b, err);
    if (!s) s = write_text(dir, name, b.data, b.len, err);
    vt_buf_free(&b);
    vt_module_free(m);
    return s;
}

static int cmd_init(int argc, char **argv) {
    const char *preset = NULL, *dir = NULL;
    uint64_t seed = 0, T = 32, P = 8, N = 24;
    vt_model_config c;
    vt_error err;
    vt_dtype wdt = VT_DTYPE_INVALID, cdt = VT_F32;
    vt_model_norm norm = VT_NORM_RMS;
    vt_model_pos pos = VT_POS_LEARNED;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (preset) return vt_cli_usage("model", "unexpected argument '%s'", a);
            preset = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) return vt_cli_usage("model", "option %s needs a value", a);
        bool ok = true;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) dir = v;
        else if (!strcmp(a, "--seed")) ok = vt_cli_parse_u64(v, &seed);
        else if (!strcmp(a, "--seq")) ok = vt_cli_parse_u64(v, &T) && T >= 1 && T <= (1u << 20);
        else if (!strcmp(a, "--prompt-len")) ok = vt_cli_parse_u64(v, &P) && P >= 1 && P <= (1u << 20);
        else if (!strcmp(a, "--max-new")) ok = vt_cli_parse_u64(v, &N) && N >= 1 && N <= (1u << 20);
        else if (!strcmp(a, "--weights")) ok = (wdt = vt_dtype_from_name(v)) != VT_DTYPE_INVALID;
        else if (!strcmp(a, "--compute")) ok = (cdt = vt_dtype_from_name(v)) != VT_DTYPE_INVALID;
        else if (!strcmp(a, "--norm")) {
            ok = !strcmp(v, "rms") || !strcmp(v, "rmsnorm") || !strcmp(v, "layernorm");
            norm = !strcmp(v, "layernorm") ? VT_NORM_LAYER : VT_NORM_RMS;
        } else if (!strcmp(a, "--positions")) {
            ok = !strcmp(v, "learned") || !strcmp(v, "rope");
            pos = !strcmp(v, "rope") ? VT_POS_ROPE : VT_POS_LEARNED;
        }
        else return vt_cli_usage("model", "unknown option '%s'", a);
        if (!ok) return vt_cli_usage("model", "%s: bad value '%s'", a, v);
    }
    if (!preset) return vt_cli_usage("model", "init needs a PRESET (tiny, small, medium)");
    if (!dir) return vt_cli_usage("model", "init needs -o DIR");
    if (vt_model_preset(preset, &c, &err)) return fail(&err);
    c.weights = wdt == VT_DTYPE_INVALID ? cdt : wdt;
    c.compute = cdt;
    c.norm = norm;
    c.pos = pos;
    if (vt_model_config_check(&c, &err)) return fail(&err);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        vt_error_set(&err, VT_EIO, "%s: cannot create folder: %s", dir, strerror(errno));
        return fail(&err);
    }
    char *json = vt_model_config_json(&c);
    if (!json) {
        vt_error_set(&err, VT_ENOMEM, "config.json: out of memory");
        return fail(&err);
    }
    vt_status s = write_text(dir, "config.json", json, strlen(json), &err);
    free(json);
    vt_tensor_set *w = NULL;
    if (!s) s = vt_model_init_weights(&c, seed, &w, &err);
    if (!s) {
        char path[4096];
        snprintf(path, sizeof path, "%s/weights.safetensors", dir);
        s = vt_safetensors_write(path, w, &err);
    }
    vt_tensor_set_free(w);
    vt_module *m = NULL;
    if (!s && !(s = vt_model_emit_prefill(&c, 1, (int64_t)T, &m, &err))) s = write_module(dir, "prefill.mlir", m, &err);
    if (!s && !(s = vt_model_emit_teacher_forcing(&c, 1, (int64_t)T, &m, &err)))
        s = write_module(dir, "teacher_forcing.mlir", m, &err);
    if (!s && !(s = vt_model_emit_decode(&c, (int64_t)P, (int64_t)N, &m, &err)))
        s = write_module(dir, "decode.mlir", m, &err);
    if (!s && !(s = vt_model_emit_train_step(&c, 1, (int64_t)T, VT_OPT_SGD, &m, &err)))
        s = write_module(dir, "train_step_sgd.mlir", m, &err);
    if (!s && !(s = vt_model_emit_train_step(&c, 1, (int64_t)T, VT_OPT_ADAMW, &m, &err)))
        s = write_module(dir, "train_step_adamw.mlir", m, &err);
    if (s) return fail(&err);
    printf("%s: %s preset, %zu parameters, seed %llu\n", dir, preset, vt_model_num_params(&c),
           (unsigned long long)seed);
    return 0;
}

static bool parse_prompt(const char *s, int32_t **out, size_t *n) {
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    int32_t *v = malloc(cap * sizeof *v);
    size_t m = 0;
    const char *p = s;
    while (v && *p) {
        errno = 0;
        char *end;
        long x = strtol(p, &end, 10);
        if (errno || end == p || x < 0 || x > INT32_MAX || (*end && *end != ',')) break;
        v[m++] = (int32_t)x;
        p = *end ? end + 1 : end;
    }
    if (!v || *p || m == 0 || s[strlen(s) - 1] == ',') {
        free(v);
        return false;
    }
    *out = v;
    *n = m;
    return true;
}

static int cmd_decode(int argc, char **argv) {
    const char *dir = NULL, *prompt_s = NULL, *fp_out = NULL, *lg_out = NULL, *key_s = NULL, *fpkey_s = NULL,
               *fpl_s = NULL;
    uint64_t N = 32, top_k = 0;
    double temp = 0, top_p = 1, min_p = 0;
    vt_error err;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (dir) return vt_cli_usage("model", "unexpected argument '%s'", a);
            dir = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) return vt_cli_usage("model", "option %s needs a value", a);
        bool ok = true;
        char *end;
        if (!strcmp(a, "--prompt")) prompt_s = v;
        else if (!strcmp(a, "--max-new")) ok = vt_cli_parse_u64(v, &N) && N >= 1 && N <= (1u << 20);
        else if (!strcmp(a, "--temperature")) temp = strtod(v, &end), ok = *v && !*end && temp >= 0 && isfinite(temp);
        else if (!strcmp(a, "--top-p")) top_p = strtod(v, &end), ok = *v && !*end && top_p > 0 && top_p <= 1;
        else if (!strcmp(a, "--top-k")) ok = vt_cli_parse_u64(v, &top_k) && top_k <= INT32_MAX;
        else if (!strcmp(a, "--min-p")) min_p = strtod(v, &end), ok = *v && !*end && min_p >= 0 && min_p <= 1;
        else if (!strcmp(a, "--key")) key_s = v;
        else if (!strcmp(a, "--fp-key")) fpkey_s = v;
        else if (!strcmp(a, "--fp-layers")) fpl_s = v;
        else if (!strcmp(a, "--fingerprints")) fp_out = v;
        else if (!strcmp(a, "--logits")) lg_out = v;
        else return vt_cli_usage("model", "unknown option '%s'", a);
        if (!ok) return vt_cli_usage("model", "%s: bad value '%s'", a, v);
    }
    if (!dir) return vt_cli_usage("model", "decode needs a model DIR");
    if (!prompt_s) return vt_cli_usage("model", "decode needs --prompt T1,T2,...");
    vt_key key = {{0, 0}}, fpkey = {{0, 0}};
    if (key_s && vt_key_parse(key_s, &key, &err)) return fail(&err);
    if (fpkey_s && vt_key_parse(fpkey_s, &fpkey, &err)) return fail(&err);
    /* Argmax unless a sampler option asks otherwise (the sampler at T = 0 is argmax too). */
    bool sampled = temp != 0 || top_p != 1 || top_k != 0 || min_p != 0;
    if (sampled && !key_s) return vt_cli_usage("model", "sampling needs --key K");
    int32_t *prompt = NULL, *fpl = NULL;
    size_t P = 0, nfpl = 0;
    if (fpl_s && !parse_prompt(fpl_s, &fpl, &nfpl)) return vt_cli_usage("model", "--fp-layers: bad layer list '%s'", fpl_s);
    if (!parse_prompt(prompt_s, &prompt, &P)) {
        free(fpl);
        return vt_cli_usage("model", "--prompt: bad token list '%s'", prompt_s);
    }
    char path[4096], *text = NULL;
    size_t len = 0;
    vt_model_config c;
    vt_tensor_set *w = NULL;
    vt_module *m = NULL;
    vt_engine *e = NULL;
    vt_rvalue *args = NULL, *res = NULL;
    size_t nres = 0, np = 0;
    vt_tensor *pt = NULL, *fk = NULL; /* fk: the fingerprint key's words, [2] ui32 */
    snprintf(path, sizeof path, "%s/config.json", dir);
    vt_status s = vt_read_file(path, 1 << 20, &text, &len, &err);
    if (!s) s = vt_model_config_parse(text, len, &c, &err);
    if (s) vt_error_prefix(&err, "%s", dir);
    for (size_t i = 0; i < P && !s; i++)
        if ((uint32_t)prompt[i] >= c.vocab)
            s = vt_error_set(&err, VT_EINPUT, "--prompt: token %d at %zu is outside the vocabulary [0, %u)", prompt[i],
                             i, c.vocab);
    if (!s) {
        snprintf(path, sizeof path, "%s/weights.safetensors", dir);
        s = vt_safetensors_read(path, NULL, &w, &err);
    }
    if (!s) { /* parse_prompt gave non-negative int32s: the same bits as uint32 layer indices */
        vt_model_decode_opts dopt = {.sampled = sampled};
        s = vt_model_emit_decode_fp_layers(&c, (int64_t)P, (int64_t)N, &dopt, (const uint32_t *)fpl, nfpl, &m, &err);
    }
    size_t nargs = 0;
    if (!s) {
        np = vt_model_num_params(&c);
        nargs = np + 2 + (sampled ? 5 : 0);
        args = calloc(nargs, sizeof *args);
        if (!args) s = vt_error_set(&err, VT_ENOMEM, "model decode: out of memory");
    }
    if (!s) s = vt_model_param_args(&c, w, args, &err);
    if (!s) {
        int64_t two = 2;
        fk = vt_tensor_create(VT_U32, 1, &two, 0, &err);
        if (!fk) s = err.code;
        else ((uint32_t *)fk->data)[0] = fpkey.k[0], ((uint32_t *)fk->data)[1] = fpkey.k[1];
    }
    if (!s) {
        int64_t pd = (int64_t)P;
        pt = vt_tensor_create(VT_I32, 1, &pd, 0, &err);
        if (!pt) s = err.code;
        else memcpy(pt->data, prompt, P * sizeof *prompt);
    }
    if (!s) {
        args[np] = vt_rvalue_tensor(pt);
        args[np + 1] = vt_rvalue_tensor(fk);
        pt = fk = NULL;
        if (sampled) {
            int64_t one = 1, kd[2] = {1, 2};
            vt_tensor *x[5] = {vt_tensor_create(VT_F32, 1, &one, 0, &err), vt_tensor_create(VT_I32, 1, &one, 0, &err),
                               vt_tensor_create(VT_F64, 1, &one, 0, &err), vt_tensor_create(VT_F64, 1, &one, 0, &err),
                               vt_tensor_create(VT_U32, 2, kd, 0, &err)};
            for (int j = 0; j < 5; j++) {
                if (!x[j]) s = err.code;
                args[np + 2 + (size_t)j] = vt_rvalue_tensor(x[j]);
            }
            if (!s) {
                *(float *)x[0]->data = (float)temp;
                *(int32_t *)x[1]->data = (int32_t)top_k;
                *(double *)x[2]->data = top_p;
                *(double *)x[3]->data = min_p;
                ((uint32_t *)x[4]->data)[0] = key.k[0];
                ((uint32_t *)x[4]->data)[1] = key.k[1];
            }
        }
    }
    if (!s) {
        e = vt_engine_create(NULL, &err);
        if (!e) s = err.code;
    }
    if (!s) {
        vt_limits lim;
        vt_limits_default(&lim);
        s = vt_execute(e, m, NULL, args, nargs, &lim, &res, &nres, NULL, &err);
    }
    if (!s && fp_out) {
        vt_tensor *f = vt_tensor_convert(res[2].tensor, VT_F32, &err);
        s = f ? vt_npy_write(fp_out, f, &err) : err.code;
        vt_tensor_release(f);
    }
    if (!s && lg_out) {
        vt_tensor *f = vt_tensor_convert(res[1].tensor, VT_F32, &err);
        s = f ? vt_npy_write(lg_out, f, &err) : err.code;
        vt_tensor_release(f);
    }
    if (!s) {
        const int32_t *t = res[0].tensor->data;
        for (size_t i = 0; i < N; i++) printf("%s%d", i ? "," : "", t[i]);
        printf("\n");
    }
    if (args)
        for (size_t i = 0; i < nargs; i++) vt_rvalue_release(&args[i]);
    free(args);
    vt_rvalues_release(res, nres);
    vt_tensor_release(pt);
    vt_tensor_release(fk);
    vt_engine_destroy(e);
    vt_module_free(m);
    vt_tensor_set_free(w);
    free(text);
    free(prompt);
    free(fpl);
    return s ? fail(&err) : 0;
}

int vt_cmd_model(int argc, char **argv) {
    if (argc < 2) return vt_cli_usage("model", "expected a subcommand: init, decode");
    if (vt_cli_is_help(argv[1])) {
        fputs(help_text, stdout);
        return 0;
    }
    for (int i = 2; i < argc; i++)
        if (vt_cli_is_help(argv[i])) {
            fputs(help_text, stdout);
            return 0;
        }
    if (!strcmp(argv[1], "init")) return cmd_init(argc, argv);
    if (!strcmp(argv[1], "decode")) return cmd_decode(argc, argv);
    return vt_cli_usage("model", "unknown subcommand '%s' (init, decode)", argv[1]);
}
