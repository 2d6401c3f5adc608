/* Reference transformer: graphs build, print and reparse; prefill == teacher forcing; decode at
 * T = 0 emits teacher forcing's argmax tokens with matching logits and fingerprints (for RMSNorm /
 * LayerNorm x learned / RoPE); prefill's KV cache and hidden states match decode's caches and
 * teacher forcing's fingerprints; the in-graph R is bit-identical to vt_model_fp_matrix; per-layer
 * fingerprints (decode, teacher forcing, CLI) match each other and the C projection under
 * vt_key_lsh, and without a layer list the graphs are unchanged; configs, weights, layer lists
 * and config.json reject malformed and hostile input. */
#include "harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

#include <math.h>
#include <stdlib.h>

typedef struct model {
    vt_model_config c;
    vt_tensor_set *w;
    vt_rvalue *params;
    size_t np;
    vt_tensor *R;    /* vt_model_fp_matrix under key 99 */
    vt_tensor *fpk;  /* the same key as the graphs' [2] ui32 input */
} model;

/* Gains and biases away from their ones / zeros init so that a wrong gain or bias shows. */
static void perturb_norms(model *m) {
    for (size_t i = 0; i < m->np; i++) {
        vt_tensor *t = m->params[i].tensor;
        if (t->rank != 1) continue;
        for (size_t j = 0; j < t->nelem; j++) {
            double v = vt_load_f64(t->dtype, (char *)t->data + j * vt_dtype_size(t->dtype));
            vt_store_f64(t->dtype, (char *)t->data + j * vt_dtype_size(t->dtype), v + 0.3 * sin(1.7 * (double)(i * 131 + j)));
        }
    }
}

/* Weights from seed 7 (what `veritor model init --seed 7` writes), fingerprint key seed 99. */
static bool model_load_cfg(model *m, const char *preset, vt_dtype compute, vt_model_norm norm, vt_model_pos pos) {
    vt_error err;
    memset(m, 0, sizeof *m);
    if (vt_model_preset(preset, &m->c, &err)) return false;
    m->c.compute = compute;
    m->c.norm = norm;
    m->c.pos = pos;
    if (vt_model_init_weights(&m->c, 7, &m->w, &err)) return false;
    m->np = vt_model_num_params(&m->c);
    m->params = calloc(m->np, sizeof *m->params);
    if (vt_model_param_args(&m->c, m->w, m->params, &err)) return false;
    if (norm != VT_NORM_RMS || pos != VT_POS_LEARNED) perturb_norms(m);
    int64_t two = 2;
    m->fpk = vt_tensor_create(VT_U32, 1, &two, 0, &err);
    vt_key k = vt_key_from_seed(99);
    ((uint32_t *)m->fpk->data)[0] = k.k[0];
    ((uint32_t *)m->fpk->data)[1] = k.k[1];
    return vt_model_fp_matrix(&m->c, k, &m->R, &err) == VT_OK;
}

static bool model_load(model *m, const char *preset, vt_dtype compute) {
    return model_load_cfg(m, preset, compute, VT_NORM_RMS, VT_POS_LEARNED);
}

static void model_free(model *m) {
    for (size_t i = 0; i < m->np && m->params; i++) vt_rvalue_release(&m->params[i]);
    free(m->params);
    vt_tensor_release(m->R);
    vt_tensor_release(m->fpk);
    vt_tensor_set_free(m->w);
}

/* Runs mod on params + extra args (extra references are retained here). */
static vt_status run(vt_engine *e, model *m, vt_module *mod, vt_tensor **extra, size_t nextra, vt_rvalue **res,
                     size_t *nres, vt_error *err) {
    vt_rvalue *args = calloc(m->np + nextra, sizeof *args);
    for (size_t i = 0; i < m->np; i++) args[i] = vt_rvalue_tensor(vt_tensor_retain(m->params[i].tensor));
    for (size_t i = 0; i < nextra; i++) args[m->np + i] = vt_rvalue_tensor(vt_tensor_retain(extra[i]));
    vt_limits lim;
    vt_limits_default(&lim);
    vt_status s = vt_execute(e, mod, NULL, args, m->np + nextra, &lim, res, nres, NULL, err);
    for (size_t i = 0; i < m->np + nextra; i++) vt_rvalue_release(&args[i]);
    free(args);
    return s;
}

static double get(const vt_tensor *t, size_t i) { return vt_load_f64(t->dtype, (const char *)t->data + i * vt_dtype_size(t->dtype)); }

/* Print -> parse -> verify: what `model init` writes must read back. */
static void check_roundtrip(vt_module *mod) {
    vt_error err;
    vt_buf buf;
    vt_buf_init(&buf);
    CHECK_EQ_INT(vt_module_print(mod, NULL, &buf, &err), VT_OK);
    vt_module *back = NULL;
    vt_status s = vt_parse_module(buf.data, buf.len, NULL, &back, &err);
    CHECK_MSG(s == VT_OK, "reparse: %s", err.msg);
    if (back) {
        CHECK_EQ_INT(vt_module_verify(back, &err), VT_OK);
        vt_module_free(back);
    }
    CHECK(strstr(buf.data, "module @jit_") != NULL);
    CHECK(strstr(buf.data, "func.func private") != NULL);
    CHECK(strstr(buf.data, "call @") != NULL);
    vt_buf_free(&buf);
}

/* The full check on one config: decode P + N (with its caches), teacher-force its own output,
 * prefill it with the KV cache and every layer's hidden state. */
static void check_decode_vs_tf(const char *preset, vt_dtype compute, vt_model_norm norm, vt_model_pos pos, int64_t P,
                               int64_t N, double tol) {
    model m;
    vt_error err;
    CHECK(model_load_cfg(&m, preset, compute, norm, pos));
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_module *dec = NULL, *tf = NULL, *pre = NULL, *prex = NULL;
    int64_t S = P + N - 1;
    uint32_t L = m.c.layers, hl[2] = {L - 1, 0};
    vt_model_decode_opts dopt = {.kv_cache = true};
    vt_model_prefill_opts popt = {.hidden_layers = hl, .nhidden = 2, .kv_cache = true};
    CHECK_EQ_INT(vt_model_emit_decode_opts(&m.c, P, N, &dopt, &dec, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_teacher_forcing(&m.c, 1, S, &tf, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_prefill(&m.c, 1, S, &pre, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_prefill_opts(&m.c, 1, S, &popt, &prex, &err), VT_OK);
    if (!prex) goto done;
    if (!dec || !tf || !pre) goto done;
    check_roundtrip(dec);
    check_roundtrip(tf);
    vt_tensor *prompt = vt_tensor_create(VT_I32, 1, &P, 0, &err);
    for (int64_t i = 0; i < P; i++) ((int32_t *)prompt->data)[i] = (int32_t)((i * 37 + 5) % m.c.vocab);
    vt_tensor *dx[2] = {prompt, m.fpk};
    vt_rvalue *dr = NULL, *tr = NULL, *pr = NULL, *xr = NULL;
    size_t ndr = 0, ntr = 0, npr = 0, nxr = 0;
    vt_status s = run(e, &m, dec, dx, 2, &dr, &ndr, &err);
    CHECK_MSG(s == VT_OK, "decode: %s", err.msg);
    if (s) goto done_p;
    CHECK_EQ_INT(ndr, 5);
    const int32_t *gen = dr[0].tensor->data;
    int64_t td[2] = {1, S};
    vt_tensor *toks = vt_tensor_create(VT_I32, 2, td, 0, &err);
    int32_t *tk = toks->data;
    for (int64_t i = 0; i < S; i++) tk[i] = i < P ? ((int32_t *)prompt->data)[i] : gen[i - P];
    vt_tensor *tx[2] = {toks, m.fpk};
    s = run(e, &m, tf, tx, 2, &tr, &ntr, &err);
    CHECK_MSG(s == VT_OK, "teacher forcing: %s", err.msg);
    vt_status s2 = run(e, &m, pre, tx, 1, &pr, &npr, &err);
    CHECK_MSG(s2 == VT_OK, "prefill: %s", err.msg);
    vt_status s3 = run(e, &m, prex, tx, 1, &xr, &nxr, &err);
    CHECK_MSG(s3 == VT_OK, "prefill with extra outputs: %s", err.msg);
    if (!s && !s2 && !s3) {
        CHECK_EQ_INT(nxr, 5);
        /* Extra outputs leave the logits alone; the caches are what decode wrote (same tolerance
         * as the logits: per-position matrix-vector vs matrix products). */
        const vt_tensor *xl = xr[0].tensor, *pl0 = pr[0].tensor;
        CHECK(xl->nbytes == pl0->nbytes && memcmp(xl->data, pl0->data, xl->nbytes) == 0);
        size_t d = m.c.d_model, nkv = (size_t)L * (size_t)S * d;
        double worst = 0, ref = 0;
        for (int c = 0; c < 2; c++) {
            CHECK_EQ_INT(xr[3 + c].tensor->nelem, nkv);
            CHECK_EQ_INT(dr[3 + c].tensor->nelem, nkv);
            for (size_t i = 0; i < nkv && xr[3 + c].tensor->nelem == nkv && dr[3 + c].tensor->nelem == nkv; i++) {
                double a = get(dr[3 + c].tensor, i), b = get(xr[3 + c].tensor, i);
                worst = fmax(worst, fabs(a - b) / fmax(1.0, fabs(b)));
                ref = fmax(ref, fabs(b));
            }
        }
        CHECK_MSG(worst <= tol && ref > 0, "%s: prefill KV cache vs decode's caches differ by %g > %g", preset, worst, tol);
        /* The last block's hidden state through R gives teacher forcing's fingerprints; layer 0's
         * output differs from it. */
        const vt_tensor *hs = xr[1].tensor, *h0 = xr[2].tensor, *tfp = tr[1].tensor;
        size_t k = m.c.fp_k;
        double wf = 0, sc = 0, dif = 0;
        for (size_t t = 0; t < (size_t)S; t++)
            for (size_t j = 0; j < k; j++) {
                double acc = 0;
                for (size_t i = 0; i < d; i++) acc += get(hs, t * d + i) * get(m.R, i * k + j);
                wf = fmax(wf, fabs(acc - get(tfp, t * k + j)));
                sc = fmax(sc, fabs(acc));
            }
        for (size_t i = 0; i < (size_t)S * d; i++) dif = fmax(dif, fabs(get(hs, i) - get(h0, i)));
        CHECK_MSG(wf <= tol * fmax(1.0, sc), "%s: hidden state . R vs fingerprints differ by %g", preset, wf);
        CHECK(dif > 1e-3 || L == 1);
    }
    if (!s && !s2) {
        const vt_tensor *tl = tr[0].tensor, *tfp = tr[1].tensor, *pl = pr[0].tensor;
        /* Same ops on the same inputs: bit-identical. */
        CHECK(tl->nbytes == pl->nbytes && memcmp(tl->data, pl->data, tl->nbytes) == 0);
        size_t V = m.c.vocab, k = m.c.fp_k;
        for (int64_t t = P - 1; t < S + 1 && t < S; t++) {
            size_t best = 0;
            for (size_t v = 1; v < V; v++)
                if (get(tl, (size_t)t * V + v) > get(tl, (size_t)t * V + best)) best = v;
            CHECK_EQ_INT(gen[t - (P - 1)], (int64_t)best);
        }
        /* The last generated token comes from position S - 1, which TF also covers. */
        double maxd = 0, maxf = 0, norm = 0;
        for (size_t i = 0; i < (size_t)S * V; i++) {
            double a = get(dr[1].tensor, i), b = get(tl, i);
            maxd = fmax(maxd, fabs(a - b) / fmax(1.0, fabs(b)));
        }
        for (size_t i = 0; i < (size_t)S * k; i++) {
            double a = get(dr[2].tensor, i), b = get(tfp, i);
            maxf = fmax(maxf, fabs(a - b));
            norm = fmax(norm, fabs(b));
        }
        CHECK_MSG(maxd <= tol, "%s: decode vs teacher-forcing logits differ by %g > %g", preset, maxd, tol);
        CHECK_MSG(maxf <= tol * fmax(1.0, norm), "%s: fingerprints differ by %g (scale %g)", preset, maxf, norm);
        CHECK(norm > 0);
    }
    vt_rvalues_release(tr, ntr);
    vt_rvalues_release(pr, npr);
    vt_rvalues_release(dr, ndr);
    vt_rvalues_release(xr, nxr);
    vt_tensor_release(toks);
done_p:
    vt_tensor_release(prompt);
done:
    vt_module_free(dec);
    vt_module_free(tf);
    vt_module_free(pre);
    vt_module_free(prex);
    vt_engine_destroy(e);
    model_free(&m);
}

TEST(tiny_f32) { check_decode_vs_tf("tiny", VT_F32, VT_NORM_RMS, VT_POS_LEARNED, 5, 12, 1e-4); }
TEST(tiny_f64) { check_decode_vs_tf("tiny", VT_F64, VT_NORM_RMS, VT_POS_LEARNED, 3, 6, 1e-12); }
TEST(small_f32) { check_decode_vs_tf("small", VT_F32, VT_NORM_RMS, VT_POS_LEARNED, 3, 3, 1e-4); }
TEST(tiny_layernorm) { check_decode_vs_tf("tiny", VT_F32, VT_NORM_LAYER, VT_POS_LEARNED, 4, 9, 1e-4); }
TEST(tiny_rope) { check_decode_vs_tf("tiny", VT_F32, VT_NORM_RMS, VT_POS_ROPE, 4, 9, 1e-4); }
TEST(tiny_layernorm_rope) { check_decode_vs_tf("tiny", VT_F32, VT_NORM_LAYER, VT_POS_ROPE, 4, 9, 1e-4); }
TEST(tiny_layernorm_rope_f64) { check_decode_vs_tf("tiny", VT_F64, VT_NORM_LAYER, VT_POS_ROPE, 3, 5, 1e-12); }
TEST(small_layernorm_rope) { check_decode_vs_tf("small", VT_F32, VT_NORM_LAYER, VT_POS_ROPE, 2, 3, 1e-4); }

/* The in-graph R of decode / teacher forcing is vt_model_fp_matrix bit for bit (f32, f64, and a
 * d that is not a multiple of 32). */
static void check_fp_matrix(vt_dtype dt, uint32_t d, uint32_t k, vt_key key) {
    vt_model_config c;
    vt_error err;
    vt_model_preset("tiny", &c, &err);
    c.compute = dt, c.d_model = d, c.fp_k = k;
    vt_module *mod = NULL;
    CHECK_EQ_INT(vt_model_emit_fp_matrix(&c, &mod, &err), VT_OK);
    vt_tensor *want = NULL;
    CHECK_EQ_INT(vt_model_fp_matrix(&c, key, &want, &err), VT_OK);
    int64_t two = 2;
    vt_tensor *kt = vt_tensor_create(VT_U32, 1, &two, 0, &err);
    ((uint32_t *)kt->data)[0] = key.k[0];
    ((uint32_t *)kt->data)[1] = key.k[1];
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_rvalue arg = vt_rvalue_tensor(kt), *res = NULL;
    size_t nres = 0;
    vt_limits lim;
    vt_limits_default(&lim);
    vt_status s = mod ? vt_execute(e, mod, NULL, &arg, 1, &lim, &res, &nres, NULL, &err) : VT_EINTERNAL;
    CHECK_MSG(s == VT_OK, "fp_matrix: %s", err.msg);
    if (!s && want) {
        const vt_tensor *got = res[0].tensor;
        CHECK(got->dtype == want->dtype && got->nbytes == want->nbytes && memcmp(got->data, want->data, got->nbytes) == 0);
    }
    vt_rvalues_release(res, nres);
    vt_rvalue_release(&arg);
    vt_tensor_release(want);
    vt_engine_destroy(e);
    vt_module_free(mod);
}

TEST(fp_matrix_in_graph) {
    check_fp_matrix(VT_F32, 64, 64, vt_key_from_seed(99));
    check_fp_matrix(VT_F64, 64, 64, vt_key_from_seed(3));
    check_fp_matrix(VT_F32, 40, 24, vt_key_from_seed(123456789));
    check_fp_matrix(VT_F64, 200, 7, vt_key_from_seed(1));
}

/* Sampled decode: each token is the C sampler's on decode's own logits row at its position;
 * at T = 0 the tokens equal argmax decode's. */
static vt_tensor *vec(vt_dtype dt, int64_t n, double v) {
    vt_tensor *t = vt_tensor_create(dt, 1, &n, 0, NULL);
    for (int64_t i = 0; i < n; i++) vt_store_f64(dt, (char *)t->data + i * (int64_t)vt_dtype_size(dt), v);
    return t;
}

static vt_status run_sampled(vt_engine *e, model *m, vt_module *mod, vt_tensor *prompt, float T, double top_p,
                             vt_key key, vt_rvalue **res, size_t *nres, vt_error *err) {
    int64_t kd[2] = {1, 2};
    vt_tensor *kt = vt_tensor_create(VT_U32, 2, kd, 0, err);
    ((uint32_t *)kt->data)[0] = key.k[0];
    ((uint32_t *)kt->data)[1] = key.k[1];
    vt_tensor *x[7] = {prompt, m->fpk, vec(VT_F32, 1, T), vec(VT_I32, 1, 0), vec(VT_F64, 1, top_p), vec(VT_F64, 1, 0), kt};
    vt_status s = run(e, m, mod, x, 7, res, nres, err);
    for (int i = 2; i < 7; i++) vt_tensor_release(x[i]);
    return s;
}

TEST(sampled_decode) {
    model m;
    vt_error err;
    CHECK(model_load(&m, "tiny", VT_F32));
    vt_engine *e = vt_engine_create(NULL, &err);
    const int64_t P = 3, N = 10;
    vt_module *sd = NULL, *ad = NULL;
    CHECK_EQ_INT(vt_model_emit_decode_sampled(&m.c, P, N, &sd, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_decode(&m.c, P, N, &ad, &err), VT_OK);
    vt_tensor *prompt = vec(VT_I32, P, 17);
    vt_key key = vt_key_from_seed(42);
    vt_rvalue *r = NULL, *r0 = NULL, *ra = NULL;
    size_t nr = 0, nr0 = 0, nra = 0;
    vt_status s = sd ? run_sampled(e, &m, sd, prompt, 0.8f, 0.9, key, &r, &nr, &err) : VT_EINTERNAL;
    CHECK_MSG(s == VT_OK, "sampled decode: %s", err.msg);
    if (!s) {
        vt_sampler_config sc;
        vt_sampler_config_default(&sc);
        sc.temperature = 0.8f;
        sc.top_p = 0.9;
        vt_sampler_ws ws;
        vt_sampler_ws_init(&ws);
        const int32_t *tok = r[0].tensor->data;
        const float *lg = r[1].tensor->data;
        int distinct = 0;
        for (int64_t j = 0; j < N; j++) {
            int32_t want = -2;
            CHECK_EQ_INT(vt_sampler_sample(lg + (P - 1 + j) * m.c.vocab, m.c.vocab, &sc, key, (uint64_t)(P + j), &ws,
                                           &want, &err), VT_OK);
            CHECK_EQ_INT(tok[j], want);
            distinct += j > 0 && tok[j] != tok[j - 1];
        }
        CHECK(distinct > 0);
        vt_sampler_ws_free(&ws);
    }
    s = sd ? run_sampled(e, &m, sd, prompt, 0.0f, 1.0, key, &r0, &nr0, &err) : VT_EINTERNAL;
    CHECK_MSG(s == VT_OK, "sampled decode T=0: %s", err.msg);
    vt_tensor *ax[2] = {prompt, m.fpk};
    vt_status s2 = ad ? run(e, &m, ad, ax, 2, &ra, &nra, &err) : VT_EINTERNAL;
    CHECK(s2 == VT_OK);
    if (!s && !s2) CHECK(memcmp(r0[0].tensor->data, ra[0].tensor->data, r0[0].tensor->nbytes) == 0);
    vt_rvalues_release(r, nr);
    vt_rvalues_release(r0, nr0);
    vt_rvalues_release(ra, nra);
    vt_tensor_release(prompt);
    vt_module_free(sd);
    vt_module_free(ad);
    vt_engine_destroy(e);
    model_free(&m);
}

TEST(weights_deterministic) {
    vt_model_config c;
    vt_error err;
    CHECK_EQ_INT(vt_model_preset("tiny", &c, &err), VT_OK);
    vt_tensor_set *a = NULL, *b = NULL, *d = NULL;
    CHECK_EQ_INT(vt_model_init_weights(&c, 1, &a, &err), VT_OK);
    CHECK_EQ_INT(vt_model_init_weights(&c, 1, &b, &err), VT_OK);
    CHECK_EQ_INT(vt_model_init_weights(&c, 2, &d, &err), VT_OK);
    vt_tensor *x = vt_tensor_set_get(a, "layers.1.wq"), *y = vt_tensor_set_get(b, "layers.1.wq"),
              *z = vt_tensor_set_get(d, "layers.1.wq");
    CHECK(x && y && z);
    if (x && y && z) {
        CHECK(memcmp(x->data, y->data, x->nbytes) == 0);
        CHECK(memcmp(x->data, z->data, x->nbytes) != 0);
        /* Parameter index of layers.1.wq is 2 + 8 + 1 = 11: normal(fold_in(PRNGKey(1), 11)) / sqrt(64). */
        float ref[4];
        vt_rand_normal_f32(vt_rand_fold_in(vt_key_from_seed(1), 11), 0, 4, ref);
        CHECK(((float *)x->data)[3] == ref[3] * 0.125f);
    }
    CHECK(vt_tensor_set_get(a, "final_norm") != NULL);
    CHECK_EQ_INT(vt_model_num_params(&c), 19);
    /* LayerNorm adds a zero bias after each gain; RoPE drops wpe. */
    vt_model_config cl = c;
    cl.norm = VT_NORM_LAYER;
    cl.pos = VT_POS_ROPE;
    CHECK_EQ_INT(vt_model_num_params(&cl), 1 + 2 * 10 + 2);
    vt_tensor_set *ln = NULL;
    CHECK_EQ_INT(vt_model_init_weights(&cl, 1, &ln, &err), VT_OK);
    if (ln) {
        CHECK(vt_tensor_set_get(ln, "wpe") == NULL);
        vt_tensor *bias = vt_tensor_set_get(ln, "layers.1.mlp_norm_bias"), *fb = vt_tensor_set_get(ln, "final_norm_bias");
        CHECK(bias && fb && ((float *)bias->data)[5] == 0.0f && ((float *)fb->data)[0] == 0.0f);
        char name[64];
        int rank;
        int64_t dims[2];
        CHECK_EQ_INT(vt_model_param_info(&cl, 2, name, sizeof name, &rank, dims, &err), VT_OK);
        CHECK_STR(name, "layers.0.attn_norm_bias");
        CHECK_EQ_INT(vt_model_param_info(&cl, 22, name, sizeof name, &rank, dims, &err), VT_OK);
        CHECK_STR(name, "final_norm_bias");
        /* parameter 3 (layers.0.wq) is normal(fold_in(PRNGKey(1), 3)) / sqrt(64) */
        float ref[4];
        vt_rand_normal_f32(vt_rand_fold_in(vt_key_from_seed(1), 3), 0, 4, ref);
        CHECK(((float *)vt_tensor_set_get(ln, "layers.0.wq")->data)[2] == ref[2] * 0.125f);
    }
    vt_tensor_set_free(ln);
    vt_tensor_set_free(a);
    vt_tensor_set_free(b);
    vt_tensor_set_free(d);
}

TEST(bad_configs) {
    vt_model_config c;
    vt_error err;
    CHECK_ERR(vt_model_preset("huge", &c, &err), &err, VT_EUSAGE, "unknown");
    CHECK_ERR(vt_model_preset(NULL, &c, &err), &err, VT_EUSAGE, "unknown");
    vt_model_preset("tiny", &c, &err);
    c.heads = 5;
    CHECK_ERR(vt_model_config_check(&c, &err), &err, VT_EINPUT, "heads 5 does not divide");
    vt_model_preset("tiny", &c, &err);
    c.vocab = 0;
    CHECK_ERR(vt_model_config_check(&c, &err), &err, VT_EINPUT, "vocab 0");
    vt_model_preset("tiny", &c, &err);
    c.compute = VT_I32;
    CHECK_ERR(vt_model_config_check(&c, &err), &err, VT_EINPUT, "must be f32 or f64");
    vt_model_preset("tiny", &c, &err);
    c.norm = (vt_model_norm)7;
    CHECK_ERR(vt_model_config_check(&c, &err), &err, VT_EINPUT, "norm 7: must be rmsnorm or layernorm");
    vt_model_preset("tiny", &c, &err);
    c.pos = (vt_model_pos)-1;
    vt_module *m = NULL;
    CHECK_ERR(vt_model_emit_prefill(&c, 1, 4, &m, &err), &err, VT_EINPUT, "positions -1");
    vt_model_preset("tiny", &c, &err);
    c.pos = VT_POS_ROPE;
    c.d_model = 12; /* head dimension 3 */
    CHECK_ERR(vt_model_emit_decode(&c, 2, 2, &m, &err), &err, VT_EINPUT, "even head dimension");
    vt_model_preset("tiny", &c, &err);
    uint32_t hl[2] = {0, 2};
    vt_model_prefill_opts po = {.hidden_layers = hl, .nhidden = 2};
    CHECK_ERR(vt_model_emit_prefill_opts(&c, 1, 4, &po, &m, &err), &err, VT_EINPUT, "hidden layer 2 out of range");
    po.hidden_layers = NULL;
    CHECK_ERR(vt_model_emit_prefill_opts(&c, 1, 4, &po, &m, &err), &err, VT_EINPUT, "no list");
    po.nhidden = 5000;
    po.hidden_layers = hl;
    CHECK_ERR(vt_model_emit_prefill_opts(&c, 1, 4, &po, &m, &err), &err, VT_EINPUT, "at most 1024");
    c.fp_k = 0;
    CHECK_ERR(vt_model_emit_fp_matrix(&c, &m, &err), &err, VT_EINPUT, "fp_k 0");
    vt_model_decode_opts dop = {.kv_cache = true};
    vt_model_preset("tiny", &c, &err);
    CHECK_ERR(vt_model_emit_decode_opts(&c, 0, 4, &dop, &m, &err), &err, VT_EINPUT, "decode: prompt 0");
    vt_model_preset("tiny", &c, &err);
    CHECK_ERR(vt_model_emit_prefill(&c, 1, 129, &m, &err), &err, VT_EINPUT, "exceeds max_seq 128");
    CHECK_ERR(vt_model_emit_prefill(&c, 0, 4, &m, &err), &err, VT_EINPUT, "must be >= 1");
    CHECK_ERR(vt_model_emit_decode(&c, 100, 29, &m, &err), &err, VT_EINPUT, "sum <= max_seq");
    CHECK_ERR(vt_model_emit_decode(&c, 0, 2, &m, &err), &err, VT_EINPUT, "decode: prompt 0");
    CHECK(m == NULL);
    c.layers = 5000;
    CHECK_ERR(vt_model_emit_decode(&c, 2, 2, &m, &err), &err, VT_EINPUT, "layers 5000");
    char name[8];
    int rank;
    int64_t dims[2];
    vt_model_preset("tiny", &c, &err);
    CHECK_ERR(vt_model_param_info(&c, 19, name, sizeof name, &rank, dims, &err), &err, VT_EINPUT, "out of range");
    CHECK_ERR(vt_model_param_info(&c, 3, name, 4, &rank, dims, &err), &err, VT_EINTERNAL, "too small");
}

TEST(config_json) {
    vt_model_config c, d;
    vt_error err;
    vt_model_preset("small", &c, &err);
    c.weights = VT_BF16;
    char *j = vt_model_config_json(&c);
    CHECK(j != NULL);
    CHECK_EQ_INT(vt_model_config_parse(j, strlen(j), &d, &err), VT_OK);
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    free(j);
    c.norm = VT_NORM_LAYER;
    c.pos = VT_POS_ROPE;
    j = vt_model_config_json(&c);
    CHECK(j && strstr(j, "\"layernorm\"") && strstr(j, "\"rope\""));
    CHECK_EQ_INT(j ? vt_model_config_parse(j, strlen(j), &d, &err) : VT_ENOMEM, VT_OK);
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    free(j);
    const char *bad[][2] = {
        {"", "config.json:"},
        {"[1]", "expected an object"},
        {"{\"vocab\": 1", "config.json:"},
        {"{\"vocab\": -1}", "field 'vocab'"},
        {"{\"vocab\": 256, \"vocab\": 256}", "duplicate"},
        {"{\"vocab\": 256, \"d_model\": 64, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 8, "
         "\"fp_k\": 8, \"compute\": \"nope\"}", "field 'compute'"},
        {"{\"vocab\": 256, \"d_model\": 64, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 8, "
         "\"fp_k\": 8, \"compute\": \"f32\", \"weights\": \"f32\"}", "'norm' and 'positions'"},
        {"{\"vocab\": 99999999999, \"d_model\": 64}", "field 'vocab'"},
        {"{\"vocab\": 256, \"d_model\": 64, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 4000000000, "
         "\"fp_k\": 8, \"compute\": \"f32\", \"weights\": \"f32\", \"norm\": \"rmsnorm\", \"positions\": \"learned\"}",
         "max_seq"},
        {"{\"vocab\": 256, \"d_model\": 64, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 8, "
         "\"fp_k\": 8, \"compute\": \"f32\", \"weights\": \"f32\", \"norm\": \"batchnorm\", \"positions\": \"learned\"}",
         "field 'norm': 'batchnorm'"},
        {"{\"vocab\": 256, \"d_model\": 64, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 8, "
         "\"fp_k\": 8, \"compute\": \"f32\", \"weights\": \"f32\", \"norm\": \"rmsnorm\", \"positions\": \"alibi\"}",
         "field 'positions'"},
        {"{\"vocab\": 256, \"d_model\": 12, \"heads\": 4, \"layers\": 2, \"d_ff\": 256, \"max_seq\": 8, "
         "\"fp_k\": 8, \"compute\": \"f32\", \"weights\": \"f32\", \"norm\": \"layernorm\", \"positions\": \"rope\"}",
         "even head dimension"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vt_status s = vt_model_config_parse(bad[i][0], strlen(bad[i][0]), &d, &err);
        CHECK_MSG(s != VT_OK && strstr(err.msg, bad[i][1]), "case %zu: %s (%s)", i, vt_status_name(s), err.msg);
    }
}

TEST(bad_weights) {
    vt_model_config c;
    vt_error err;
    vt_model_preset("tiny", &c, &err);
    vt_tensor_set *w = NULL;
    CHECK_EQ_INT(vt_model_init_weights(&c, 3, &w, &err), VT_OK);
    vt_rvalue args[19];
    /* Wrong config for these weights: shape mismatch on the first parameter. */
    vt_model_config c2 = c;
    c2.vocab = 300;
    CHECK_ERR(vt_model_param_args(&c2, w, args, &err), &err, VT_EINPUT, "parameter 'wte': shape");
    c2 = c;
    c2.layers = 3;
    CHECK_ERR(vt_model_param_args(&c2, w, args, &err), &err, VT_EINPUT, "'layers.2.attn_norm' missing");
    /* A non-float tensor under a parameter's name. */
    vt_tensor_set *h = vt_tensor_set_new();
    int64_t d = 64;
    vt_tensor *ti = vt_tensor_create(VT_I32, 1, &d, 0, &err);
    for (size_t i = 0; i < w->count; i++)
        if (strcmp(w->items[i].name, "final_norm") != 0) vt_tensor_set_add(h, w->items[i].name, w->items[i].tensor, &err);
    vt_tensor_set_add(h, "final_norm", ti, &err);
    CHECK_ERR(vt_model_param_args(&c, h, args, &err), &err, VT_EINPUT, "not a float type");
    vt_tensor_release(ti);
    vt_tensor_set_free(h);
    vt_tensor_set_free(w);
    /* bf16 storage converts to the compute dtype. */
    c.weights = VT_BF16;
    CHECK_EQ_INT(vt_model_init_weights(&c, 3, &w, &err), VT_OK);
    CHECK_EQ_INT(vt_tensor_set_get(w, "wte")->dtype, VT_BF16);
    CHECK_EQ_INT(vt_model_param_args(&c, w, args, &err), VT_OK);
    CHECK_EQ_INT(args[0].tensor->dtype, VT_F32);
    for (int i = 0; i < 19; i++) vt_rvalue_release(&args[i]);
    vt_tensor_set_free(w);
    c.fp_k = 0;
    vt_tensor *R = NULL;
    CHECK_ERR(vt_model_fp_matrix(&c, vt_key_from_seed(1), &R, &err), &err, VT_EINPUT, "k");
}

/* ---- per-layer fingerprints ------------------------------------------------------------------ */

static bool same_text(vt_module *a, vt_module *b) {
    vt_error err;
    vt_buf x, y;
    vt_buf_init(&x);
    vt_buf_init(&y);
    bool ok = a && b && vt_module_print(a, NULL, &x, &err) == VT_OK && vt_module_print(b, NULL, &y, &err) == VT_OK &&
              x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    vt_buf_free(&x);
    vt_buf_free(&y);
    return ok;
}

/* Without a list the emitters give the old graphs byte for byte (argmax, sampled, with caches;
 * teacher forcing with NULL options and with an empty list); a list changes them. */
TEST(fp_layers_default_text) {
    vt_model_config c;
    vt_error err;
    vt_model_preset("tiny", &c, &err);
    vt_module *a = NULL, *b = NULL;
    vt_model_decode_opts variants[3] = {{.sampled = false}, {.sampled = true}, {.kv_cache = true}};
    for (int v = 0; v < 3; v++) {
        CHECK_EQ_INT(vt_model_emit_decode_opts(&c, 4, 5, &variants[v], &a, &err), VT_OK);
        CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&c, 4, 5, &variants[v], NULL, 0, &b, &err), VT_OK);
        CHECK_MSG(same_text(a, b), "decode variant %d: default text changed", v);
        vt_module_free(a), vt_module_free(b), a = b = NULL;
    }
    CHECK_EQ_INT(vt_model_emit_decode(&c, 4, 5, &a, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&c, 4, 5, NULL, NULL, 0, &b, &err), VT_OK);
    CHECK(same_text(a, b));
    vt_module_free(b), b = NULL;
    uint32_t last = c.layers - 1;
    CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&c, 4, 5, NULL, &last, 1, &b, &err), VT_OK);
    CHECK(b && !same_text(a, b));
    vt_module_free(a), vt_module_free(b), a = b = NULL;
    vt_model_tf_opts none = {0}, empty = {.fp_layers = &last, .nfp_layers = 0};
    CHECK_EQ_INT(vt_model_emit_teacher_forcing(&c, 2, 6, &a, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_teacher_forcing_opts(&c, 2, 6, NULL, &b, &err), VT_OK);
    CHECK(same_text(a, b));
    vt_module_free(b), b = NULL;
    CHECK_EQ_INT(vt_model_emit_teacher_forcing_opts(&c, 2, 6, &none, &b, &err), VT_OK);
    CHECK(same_text(a, b));
    vt_module_free(b), b = NULL;
    CHECK_EQ_INT(vt_model_emit_teacher_forcing_opts(&c, 2, 6, &empty, &b, &err), VT_OK);
    CHECK(same_text(a, b));
    vt_module_free(a), vt_module_free(b);
}

/* Decode with fingerprint layers `layers` (argmax or sampled at T = 0.8): its tokens and logits
 * are the default graph's bit for bit; its [S, n, k] fingerprints equal teacher forcing's
 * [1, S, n, k] on the decoded sequence within tol, and teacher forcing's equal prefill's hidden
 * states of those layers times vt_model_fp_matrix(vt_key_lsh(key, layer)) computed in C. The
 * decode -> teacher-forcing transform (vt_xf_ar_to_tf) replays the per-layer fingerprints too. */
static void check_ar_to_tf_fp(vt_engine *e, model *m, vt_module *dec, vt_tensor *prompt, const vt_tensor *toks,
                              int32_t last, const vt_tensor *dfp, double tol) {
    vt_error err;
    vt_module *t = NULL;
    vt_ar_to_tf_info *info = calloc(1, sizeof *info);
    vt_status s = info ? vt_xf_ar_to_tf(dec, NULL, &t, info, &err) : VT_ENOMEM;
    CHECK_MSG(s == VT_OK, "ar-to-tf of a per-layer decode: %s", err.msg);
    vt_rvalue *ta = s ? NULL : calloc(info->nargs + 1, sizeof *ta), *tr = NULL;
    size_t ntr = 0;
    int64_t T = (int64_t)toks->nelem + 1, cfp = 3 + 2 * (int64_t)m->c.layers; /* decode's fingerprint carry */
    vt_tensor *fin = vt_tensor_create(VT_I32, 1, &T, 0, &err); /* the final token buffer: one more token */
    for (size_t i = 0; ta && fin && i < info->nargs; i++) {
        int64_t src = info->arg_src[i];
        vt_tensor *x = src < 0 ? fin : src < (int64_t)m->np ? m->params[src].tensor : src == (int64_t)m->np ? prompt : m->fpk;
        ta[i] = vt_rvalue_tensor(vt_tensor_retain(x));
    }
    if (fin) memcpy(fin->data, toks->data, toks->nbytes), ((int32_t *)fin->data)[T - 1] = last;
    if (ta && fin) {
        vt_limits lim;
        vt_limits_default(&lim);
        s = vt_execute(e, t, NULL, ta, info->nargs, &lim, &tr, &ntr, NULL, &err);
        CHECK_MSG(s == VT_OK, "transformed per-layer decode: %s", err.msg);
        int ifp = -1;
        for (size_t i = 0; !s && i < info->nresults; i++)
            if (info->result_src[i] == cfp) ifp = (int)i;
        CHECK(s || ifp >= 0);
        if (!s && ifp >= 0) {
            const vt_tensor *f = tr[ifp].tensor;
            CHECK(f->nelem == dfp->nelem && f->rank == dfp->rank);
            double w = 0, sc = 0;
            for (size_t i = 0; i < f->nelem && f->nelem == dfp->nelem; i++) {
                w = fmax(w, fabs(get(f, i) - get(dfp, i)));
                sc = fmax(sc, fabs(get(dfp, i)));
            }
            CHECK_MSG(w <= tol * fmax(1.0, sc), "ar-to-tf per-layer fingerprints differ by %g", w);
        }
    }
    if (ta) vt_rvalues_release(ta, info->nargs);
    vt_rvalues_release(tr, ntr);
    vt_tensor_release(fin);
    vt_module_free(t);
    free(info);
}

static void check_fp_layers(const char *preset, vt_dtype compute, vt_model_norm norm, vt_model_pos pos, int64_t P,
                            int64_t N, bool sampled, const uint32_t *layers, size_t n, double tol) {
    model m;
    vt_error err;
    CHECK(model_load_cfg(&m, preset, compute, norm, pos));
    vt_engine *e = vt_engine_create(NULL, &err);
    int64_t S = P + N - 1;
    size_t d = m.c.d_model, k = m.c.fp_k;
    vt_model_decode_opts dopt = {.sampled = sampled};
    vt_model_tf_opts topt = {.fp_layers = layers, .nfp_layers = n};
    vt_model_prefill_opts popt = {.hidden_layers = layers, .nhidden = n};
    vt_module *dec = NULL, *dec0 = NULL, *tf = NULL, *pre = NULL;
    CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&m.c, P, N, &dopt, layers, n, &dec, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_decode_opts(&m.c, P, N, &dopt, &dec0, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_teacher_forcing_opts(&m.c, 1, S, &topt, &tf, &err), VT_OK);
    CHECK_EQ_INT(vt_model_emit_prefill_opts(&m.c, 1, S, &popt, &pre, &err), VT_OK);
    vt_tensor *prompt = vec(VT_I32, P, 0), *toks = NULL;
    for (int64_t i = 0; i < P; i++) ((int32_t *)prompt->data)[i] = (int32_t)((i * 53 + 11) % m.c.vocab);
    vt_tensor *R[4] = {NULL, NULL, NULL, NULL};
    vt_rvalue *dr = NULL, *d0 = NULL, *tr = NULL, *pr = NULL;
    size_t ndr = 0, nd0 = 0, ntr = 0, npr = 0;
    if (!dec || !dec0 || !tf || !pre || n > 4) goto done;
    check_roundtrip(dec);
    check_roundtrip(tf);
    vt_key key = vt_key_from_seed(99);
    vt_tensor *dx[2] = {prompt, m.fpk};
    vt_status s = sampled ? run_sampled(e, &m, dec, prompt, 0.8f, 0.95, vt_key_from_seed(5), &dr, &ndr, &err)
                          : run(e, &m, dec, dx, 2, &dr, &ndr, &err);
    CHECK_MSG(s == VT_OK, "decode with fingerprint layers: %s", err.msg);
    vt_status s0 = sampled ? run_sampled(e, &m, dec0, prompt, 0.8f, 0.95, vt_key_from_seed(5), &d0, &nd0, &err)
                           : run(e, &m, dec0, dx, 2, &d0, &nd0, &err);
    CHECK_MSG(s0 == VT_OK, "default decode: %s", err.msg);
    if (s || s0) goto done;
    CHECK_EQ_INT(ndr, 3);
    /* The fingerprints are extra work beside the same logits and tokens. */
    CHECK(memcmp(dr[0].tensor->data, d0[0].tensor->data, d0[0].tensor->nbytes) == 0);
    CHECK(dr[1].tensor->nbytes == d0[1].tensor->nbytes &&
          memcmp(dr[1].tensor->data, d0[1].tensor->data, d0[1].tensor->nbytes) == 0);
    const vt_tensor *dfp = dr[2].tensor;
    CHECK(dfp->rank == 3 && dfp->dims[0] == S && dfp->dims[1] == (int64_t)n && dfp->dims[2] == (int64_t)k);
    int64_t td[2] = {1, S};
    toks = vt_tensor_create(VT_I32, 2, td, 0, &err);
    const int32_t *gen = dr[0].tensor->data;
    for (int64_t i = 0; i < S; i++) ((int32_t *)toks->data)[i] = i < P ? ((int32_t *)prompt->data)[i] : gen[i - P];
    vt_tensor *tx[2] = {toks, m.fpk};
    s = run(e, &m, tf, tx, 2, &tr, &ntr, &err);
    CHECK_MSG(s == VT_OK, "teacher forcing with fingerprint layers: %s", err.msg);
    if (!sampled) check_ar_to_tf_fp(e, &m, dec, prompt, toks, gen[N - 1], dfp, tol);
    s0 = run(e, &m, pre, tx, 1, &pr, &npr, &err);
    CHECK_MSG(s0 == VT_OK, "prefill with hidden states: %s", err.msg);
    if (s || s0 || ntr != 2 || npr != 1 + n) goto done;
    const vt_tensor *tfp = tr[1].tensor;
    CHECK(tfp->rank == 4 && tfp->dims[0] == 1 && tfp->dims[1] == S && tfp->dims[2] == (int64_t)n &&
          tfp->dims[3] == (int64_t)k);
    if (dfp->nelem != (size_t)S * n * k || tfp->nelem != dfp->nelem) goto done;
    double maxf = 0, scale = 0, wc = 0, sc = 0;
    for (size_t i = 0; i < dfp->nelem; i++) {
        maxf = fmax(maxf, fabs(get(dfp, i) - get(tfp, i)));
        scale = fmax(scale, fabs(get(tfp, i)));
    }
    CHECK_MSG(maxf <= tol * fmax(1.0, scale), "%s: per-layer fingerprints decode vs tf differ by %g (scale %g)", preset,
              maxf, scale);
    CHECK(scale > 0);
    for (size_t j = 0; j < n; j++) { /* the C reference: hidden state of layer l . R under lsh(key, l) */
        CHECK_EQ_INT(vt_model_fp_matrix(&m.c, vt_key_lsh(key, layers[j]), &R[j], &err), VT_OK);
        const vt_tensor *hs = pr[1 + j].tensor;
        for (size_t t = 0; t < (size_t)S && R[j]; t++)
            for (size_t q = 0; q < k; q++) {
                double acc = 0;
                for (size_t i = 0; i < d; i++) acc += get(hs, t * d + i) * get(R[j], i * k + q);
                wc = fmax(wc, fabs(acc - get(tfp, (t * n + j) * k + q)));
                sc = fmax(sc, fabs(acc));
            }
    }
    CHECK_MSG(wc <= tol * fmax(1.0, sc), "%s: hidden state . R_l vs per-layer fingerprints differ by %g", preset, wc);
    /* Different layers (and keys) give different fingerprints. */
    for (size_t j = 1; j < n; j++) {
        double dif = 0;
        for (size_t t = 0; t < (size_t)S; t++)
            for (size_t q = 0; q < k; q++) dif = fmax(dif, fabs(get(tfp, (t * n + j) * k + q) - get(tfp, t * n * k + q)));
        CHECK(dif > 1e-3);
    }
done:
    for (int j = 0; j < 4; j++) vt_tensor_release(R[j]);
    vt_rvalues_release(dr, ndr);
    vt_rvalues_release(d0, nd0);
    vt_rvalues_release(tr, ntr);
    vt_rvalues_release(pr, npr);
    vt_tensor_release(toks);
    vt_tensor_release(prompt);
    vt_module_free(dec);
    vt_module_free(dec0);
    vt_module_free(tf);
    vt_module_free(pre);
    vt_engine_destroy(e);
    model_free(&m);
}

static const uint32_t L01[2] = {0, 1}, L10[2] = {1, 0}, L1[1] = {1}, L31[2] = {3, 1};
TEST(fp_layers_tiny) { check_fp_layers("tiny", VT_F32, VT_NORM_RMS, VT_POS_LEARNED, 4, 9, false, L01, 2, 1e-4); }
TEST(fp_layers_tiny_f64_ln_rope) { check_fp_layers("tiny", VT_F64, VT_NORM_LAYER, VT_POS_ROPE, 3, 5, false, L10, 2, 1e-12); }
TEST(fp_layers_tiny_sampled) { check_fp_layers("tiny", VT_F32, VT_NORM_RMS, VT_POS_LEARNED, 3, 8, true, L1, 1, 1e-4); }
TEST(fp_layers_small) { check_fp_layers("small", VT_F32, VT_NORM_RMS, VT_POS_LEARNED, 2, 3, false, L31, 2, 1e-4); }

TEST(fp_layers_bad) {
    vt_model_config c;
    vt_error err;
    vt_model_preset("tiny", &c, &err);
    vt_module *m = NULL;
    uint32_t two[2] = {0, 2}, dup[3] = {1, 0, 1}, huge[1] = {UINT32_MAX};
    vt_model_tf_opts to = {.fp_layers = two, .nfp_layers = 2};
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, two, 2, &m, &err), &err, VT_EINPUT,
              "decode: fingerprint layer 2 at 1 out of range (2 layers)");
    CHECK_ERR(vt_model_emit_teacher_forcing_opts(&c, 1, 4, &to, &m, &err), &err, VT_EINPUT,
              "teacher_forcing: fingerprint layer 2 at 1 out of range");
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, huge, 1, &m, &err), &err, VT_EINPUT,
              "fingerprint layer 4294967295 at 0 out of range");
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, dup, 3, &m, &err), &err, VT_EINPUT,
              "at most 2, one per layer");
    CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, dup + 1, 2, &m, &err), VT_OK); /* {0, 1} */
    vt_module_free(m), m = NULL;
    uint32_t d2[2] = {1, 1};
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, d2, 2, &m, &err), &err, VT_EINPUT,
              "fingerprint layer 1 listed twice (at 0 and 1)");
    to.fp_layers = d2;
    CHECK_ERR(vt_model_emit_teacher_forcing_opts(&c, 1, 4, &to, &m, &err), &err, VT_EINPUT, "listed twice");
    /* A count without a list, and a hostile count (the list is never read past the bound). */
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, NULL, 1, &m, &err), &err, VT_EINPUT,
              "1 fingerprint layers but no list");
    to.fp_layers = NULL;
    CHECK_ERR(vt_model_emit_teacher_forcing_opts(&c, 1, 4, &to, &m, &err), &err, VT_EINPUT, "no list");
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, huge, SIZE_MAX, &m, &err), &err, VT_EINPUT,
              "(at most 2, one per layer)");
    to.fp_layers = huge, to.nfp_layers = SIZE_MAX;
    CHECK_ERR(vt_model_emit_teacher_forcing_opts(&c, 1, 4, &to, &m, &err), &err, VT_EINPUT, "at most 2");
    /* The other checks still come first. */
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 0, 2, NULL, two, 2, &m, &err), &err, VT_EINPUT, "decode: prompt 0");
    to.fp_layers = two, to.nfp_layers = 2;
    CHECK_ERR(vt_model_emit_teacher_forcing_opts(&c, 1, 129, &to, &m, &err), &err, VT_EINPUT, "exceeds max_seq");
    c.layers = 5000;
    CHECK_ERR(vt_model_emit_decode_fp_layers(&c, 2, 2, NULL, two, 2, &m, &err), &err, VT_EINPUT, "layers 5000");
    CHECK(m == NULL);
}

/* `veritor model decode --fp-layers` writes decode's [S, n, k] fingerprints (the library's, bit
 * for bit: same graph, same inputs) and refuses bad lists with exit status 2. */
TEST(fp_layers_cli) {
    const char *cli = vt_test_cli(), *tmp = vt_test_tmpdir();
    if (!cli || !tmp) {
        CHECK_MSG(false, "VERITOR or a temp folder missing");
        return;
    }
    char cmd[8192], out[4096], fpath[4096];
    snprintf(cmd, sizeof cmd, "'%s' model init tiny -o '%s/m' --seed 7", cli, tmp);
    CHECK_EQ_INT(vt_test_run(cmd, out, sizeof out), 0);
    snprintf(fpath, sizeof fpath, "%s/fp.npy", tmp);
    snprintf(cmd, sizeof cmd, "'%s' model decode '%s/m' --prompt 3,1,4 --max-new 5 --fp-key 99 --fp-layers 1,0 "
             "--fingerprints '%s'", cli, tmp, fpath);
    int rc = vt_test_run(cmd, out, sizeof out);
    CHECK_MSG(rc == 0, "decode --fp-layers: %d %s", rc, out);
    model m;
    vt_error err;
    CHECK(model_load(&m, "tiny", VT_F32));
    vt_module *dec = NULL;
    CHECK_EQ_INT(vt_model_emit_decode_fp_layers(&m.c, 3, 5, NULL, L10, 2, &dec, &err), VT_OK);
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_tensor *prompt = vec(VT_I32, 3, 0), *got = NULL;
    ((int32_t *)prompt->data)[0] = 3, ((int32_t *)prompt->data)[1] = 1, ((int32_t *)prompt->data)[2] = 4;
    vt_tensor *dx[2] = {prompt, m.fpk};
    vt_rvalue *dr = NULL;
    size_t ndr = 0;
    vt_status s = dec && rc == 0 ? run(e, &m, dec, dx, 2, &dr, &ndr, &err) : VT_EINTERNAL;
    CHECK_MSG(s == VT_OK, "library decode: %s", err.msg);
    if (!s) {
        CHECK_EQ_INT(vt_npy_read(fpath, NULL, &got, &err), VT_OK);
        const vt_tensor *want = dr[2].tensor;
        CHECK(got && got->dtype == VT_F32 && got->rank == 3 && got->dims[0] == 7 && got->dims[1] == 2 &&
              got->dims[2] == (int64_t)m.c.fp_k);
        CHECK(got && got->nbytes == want->nbytes && memcmp(got->data, want->data, want->nbytes) == 0);
        /* stdout is the new tokens */
        char toks[128] = "";
        const int32_t *t = dr[0].tensor->data;
        for (int i = 0; i < 5; i++) snprintf(toks + strlen(toks), sizeof toks - strlen(toks), "%s%d", i ? "," : "", t[i]);
        CHECK_MSG(strstr(out, toks) != NULL, "tokens %s not in '%s'", toks, out);
    }
    const char *bad[][2] = {{"2", "fingerprint layer 2 at 0 out of range"},
                            {"0,0", "listed twice"},
                            {"0,1,0", "at most 2"},
                            {"x", "bad layer list 'x'"},
                            {"1,", "bad layer list"},
                            {"-1", "bad layer list"},
                            {"99999999999", "bad layer list"},
                            {"", "bad layer list"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s' model decode '%s/m' --prompt 3,1 --max-new 2 --fp-layers '%s'", cli, tmp,
                 bad[i][0]);
        rc = vt_test_run(cmd, out, sizeof out);
        CHECK_MSG(rc == 2 && strstr(out, bad[i][1]), "--fp-layers '%s': rc %d, '%s'", bad[i][0], rc, out);
    }
    vt_tensor_release(got);
    vt_rvalues_release(dr, ndr);
    vt_tensor_release(prompt);
    vt_module_free(dec);
    vt_engine_destroy(e);
    model_free(&m);
}

int main(void) {
    RUN(weights_deterministic);
    RUN(bad_configs);
    RUN(config_json);
    RUN(bad_weights);
    RUN(sampled_decode);
    RUN(fp_matrix_in_graph);
    RUN(tiny_f32);
    RUN(tiny_f64);
    RUN(small_f32);
    RUN(tiny_layernorm);
    RUN(tiny_rope);
    RUN(tiny_layernorm_rope);
    RUN(tiny_layernorm_rope_f64);
    RUN(small_layernorm_rope);
    RUN(fp_layers_default_text);
    RUN(fp_layers_bad);
    RUN(fp_layers_tiny);
    RUN(fp_layers_tiny_f64_ln_rope);
    RUN(fp_layers_tiny_sampled);
    RUN(fp_layers_small);
    RUN(fp_layers_cli);
    return vt_test_finish();
}
