/* Autoregressive -> teacher forcing: reference decode graphs and JAX-style loops run as loops and
 * as the transformed one-pass graph on their own tokens (logits, fingerprints, log-probabilities
 * compared); refusals, limits and hostile shapes give their exact status and message. */
#include "harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

#include <math.h>
#include <stdlib.h>

static double get(const vt_tensor *t, size_t i) {
    return vt_load_f64(t->dtype, (const char *)t->data + i * vt_dtype_size(t->dtype));
}

static vt_module *load_data(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/transform/data/%s", vt_test_source_dir(), name);
    char *text = NULL;
    size_t len = 0;
    vt_error err;
    vt_module *m = NULL;
    if (vt_read_file(path, 1 << 24, &text, &len, &err)) {
        vt_test_fail(__FILE__, __LINE__, "read %s: %s", path, err.msg);
        return NULL;
    }
    vt_parse_options po = {.filename = name};
    vt_status s = vt_parse_module(text, len, &po, &m, &err);
    if (!s) s = vt_module_verify(m, &err);
    free(text);
    CHECK_MSG(s == VT_OK, "%s: %s", name, err.msg);
    if (s) {
        vt_module_free(m);
        return NULL;
    }
    return m;
}

static vt_module *parse_text(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    if (!s) s = vt_module_verify(m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    return s ? NULL : m;
}

/* Which loop carry the entry's result ri is (the while result it returns directly), or -1. */
static int result_carry(const vt_module *m, size_t ri) {
    const vt_func *f = NULL;
    if (vt_module_entry(m, NULL, &f, NULL)) return -1;
    const vt_block *b = f->body->blocks[0];
    const vt_op *ret = b->ops[b->nops - 1];
    if (ri >= ret->noperands || !ret->operands[ri]->def || ret->operands[ri]->def->code != VT_OP_WHILE) return -1;
    return (int)ret->operands[ri]->index;
}

static vt_status run(vt_engine *e, const vt_module *m, vt_rvalue *args, size_t n, vt_rvalue **res, size_t *nres,
                     vt_error *err) {
    vt_limits lim;
    vt_limits_default(&lim);
    return vt_execute(e, m, NULL, args, n, &lim, res, nres, NULL, err);
}

/* max over elements of |a - b| / max(1, |b|) */
static double rel_diff(const vt_tensor *a, const vt_tensor *b) {
    if (!a || !b || a->nelem != b->nelem) return INFINITY;
    double w = 0;
    for (size_t i = 0; i < a->nelem; i++) {
        double x = get(a, i), y = get(b, i), d = fabs(x - y) / fmax(1.0, fabs(y));
        if (!(d <= w)) w = d;
    }
    if (getenv("VT_TEST_VERBOSE")) fprintf(stderr, "  [%s] max relative difference %g\n", vt_test_current, w);
    return w;
}

typedef struct tf_run {
    vt_ar_to_tf_info info;
    vt_rvalue *res;
    size_t nres;
    vt_module *tf;
} tf_run;

static int tf_result_of(const tf_run *t, int64_t src) {
    for (size_t i = 0; i < t->info.nresults; i++)
        if (t->info.result_src[i] == src) return (int)i;
    return -1;
}

/* Transforms ar and runs the result on the AR arguments it keeps plus `tokens` (the final token
 * buffer). Returns false when anything failed (already reported). */
static bool run_tf(vt_engine *e, const vt_module *ar, const vt_rvalue *args, const vt_tensor *tokens, tf_run *t) {
    vt_error err;
    memset(t, 0, sizeof *t);
    vt_status s = vt_xf_ar_to_tf(ar, NULL, &t->tf, &t->info, &err);
    CHECK_MSG(s == VT_OK, "ar-to-tf: %s", err.msg);
    if (s) return false;
    vt_rvalue *ta = calloc(t->info.nargs + 1, sizeof *ta);
    for (size_t i = 0; i < t->info.nargs; i++) {
        int64_t src = t->info.arg_src[i];
        ta[i] = vt_rvalue_tensor(vt_tensor_retain(src >= 0 ? args[src].tensor : (vt_tensor *)tokens));
    }
    s = run(e, t->tf, ta, t->info.nargs, &t->res, &t->nres, &err);
    CHECK_MSG(s == VT_OK, "teacher forcing run: %s", err.msg);
    vt_rvalues_release(ta, t->info.nargs);
    return s == VT_OK;
}

static void tf_free(tf_run *t) {
    vt_rvalues_release(t->res, t->nres);
    vt_module_free(t->tf);
}

/* log-probabilities: lp[s] == log_softmax(logits row s)[tokens[s + 1]], rows of V. */
static void check_logprob(const vt_tensor *lp, const vt_tensor *logits, const vt_tensor *tokens, int64_t S,
                          int64_t V, double tol) {
    CHECK_EQ_INT(lp ? (int64_t)lp->nelem : -1, S);
    if (!lp || (int64_t)lp->nelem != S) return;
    double worst = 0;
    for (int64_t s = 0; s < S; s++) {
        double mx = -INFINITY, sum = 0;
        for (int64_t v = 0; v < V; v++) mx = fmax(mx, get(logits, (size_t)(s * V + v)));
        for (int64_t v = 0; v < V; v++) sum += exp(get(logits, (size_t)(s * V + v)) - mx);
        int64_t tok = (int64_t)get(tokens, (size_t)s + 1);
        double want = get(logits, (size_t)(s * V + tok)) - mx - log(sum);
        worst = fmax(worst, fabs(get(lp, (size_t)s) - want) / fmax(1.0, fabs(want)));
    }
    CHECK_MSG(worst <= tol, "log-prob differs by %g (tolerance %g)", worst, tol);
}

/* ---- the reference decode graphs --------------------------------------------------------------- */
typedef struct model {
    vt_model_config c;
    vt_tensor_set *w;
    vt_rvalue *params;
    size_t np;
    vt_tensor *fpk;
} model;

static bool model_load(model *m, const char *preset, vt_dtype compute, vt_model_norm norm, vt_model_pos pos) {
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
    int64_t two = 2;
    m->fpk = vt_tensor_create(VT_U32, 1, &two, 0, &err);
    vt_key k = vt_key_from_seed(99);
    ((uint32_t *)m->fpk->data)[0] = k.k[0];
    ((uint32_t *)m->fpk->data)[1] = k.k[1];
    return true;
}

static void model_free(model *m) {
    for (size_t i = 0; i < m->np && m->params; i++) vt_rvalue_release(&m->params[i]);
    free(m->params);
    vt_tensor_release(m->fpk);
    vt_tensor_set_free(m->w);
}

static vt_tensor *vec(vt_dtype dt, int64_t n, double v) {
    vt_tensor *t = vt_tensor_create(dt, 1, &n, 0, NULL);
    for (int64_t i = 0; i < n; i++) vt_store_f64(dt, (char *)t->data + i * (int64_t)vt_dtype_size(dt), v);
    return t;
}

/* Decode P + N tokens (argmax, or the sampler at temperature 0.8 / top_p 0.9), transform, replay:
 * logits and fingerprints against decode's and against the generator's teacher-forcing graph. */
typedef struct dvariant {
    bool sampled, kv_cache;
    vt_model_norm norm;
    vt_model_pos pos;
} dvariant;

static void check_decode(const char *preset, vt_dtype compute, int64_t P, int64_t N, dvariant dv, double tol) {
    model m;
    vt_error err;
    bool sampled = dv.sampled;
    CHECK(model_load(&m, preset, compute, dv.norm, dv.pos));
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_module *dec = NULL, *gtf = NULL;
    int64_t S = P + N - 1, V = m.c.vocab, T = P + N;
    vt_model_decode_opts dop = {.sampled = sampled, .kv_cache = dv.kv_cache};
    vt_status s = vt_model_emit_decode_opts(&m.c, P, N, &dop, &dec, &err);
    CHECK_MSG(s == VT_OK, "emit decode: %s", err.msg);
    CHECK_EQ_INT(vt_model_emit_teacher_forcing(&m.c, 1, S, &gtf, &err), VT_OK);
    if (!dec || !gtf) goto done;
    /* decode's arguments: params, prompt, fingerprint key[, sampler config and request key] */
    size_t na = m.np + (sampled ? 7 : 2);
    vt_rvalue *args = calloc(na, sizeof *args);
    for (size_t i = 0; i < m.np; i++) args[i] = vt_rvalue_tensor(vt_tensor_retain(m.params[i].tensor));
    vt_tensor *prompt = vt_tensor_create(VT_I32, 1, &P, 0, &err);
    for (int64_t i = 0; i < P; i++) ((int32_t *)prompt->data)[i] = (int32_t)((i * 37 + 5) % V);
    args[m.np] = vt_rvalue_tensor(prompt);
    args[m.np + 1] = vt_rvalue_tensor(vt_tensor_retain(m.fpk));
    if (sampled) {
        int64_t kd[2] = {1, 2};
        vt_tensor *kt = vt_tensor_create(VT_U32, 2, kd, 0, &err);
        ((uint32_t *)kt->data)[0] = 42, ((uint32_t *)kt->data)[1] = 7;
        args[m.np + 2] = vt_rvalue_tensor(vec(VT_F32, 1, 0.8));
        args[m.np + 3] = vt_rvalue_tensor(vec(VT_I32, 1, 0));
        args[m.np + 4] = vt_rvalue_tensor(vec(VT_F64, 1, 0.9));
        args[m.np + 5] = vt_rvalue_tensor(vec(VT_F64, 1, 0.0));
        args[m.np + 6] = vt_rvalue_tensor(kt);
    }
    vt_rvalue *dr = NULL;
    size_t ndr = 0;
    s = run(e, dec, args, na, &dr, &ndr, &err);
    CHECK_MSG(s == VT_OK, "decode: %s", err.msg);
    if (s) goto done_args;
    /* the final token buffer: prompt + generated */
    vt_tensor *toks = vt_tensor_create(VT_I32, 1, &T, 0, &err);
    for (int64_t i = 0; i < T; i++)
        ((int32_t *)toks->data)[i] = i < P ? ((int32_t *)prompt->data)[i] : ((int32_t *)dr[0].tensor->data)[i - P];
    tf_run t;
    if (run_tf(e, dec, args, toks, &t)) {
        CHECK_EQ_INT(t.info.steps, S);
        for (size_t i = 0; i < t.info.nargs; i++) /* the prompt is replaced by the tokens */
            CHECK(t.info.arg_src[i] != (int64_t)m.np && t.info.arg_src[i] < (int64_t)m.np + 2);
        int kl = result_carry(dec, 1), kf = result_carry(dec, 2);
        int il = tf_result_of(&t, kl), ifp = tf_result_of(&t, kf), ilp = -1;
        for (size_t i = 0; i < t.info.nresults; i++)
            if (t.info.result_src[i] < 0) ilp = (int)i;
        CHECK(il >= 0 && ifp >= 0 && ilp >= 0);
        if (il >= 0 && ifp >= 0 && ilp >= 0) {
            const vt_tensor *L = t.res[il].tensor, *F = t.res[ifp].tensor;
            double dl = rel_diff(L, dr[1].tensor), df = rel_diff(F, dr[2].tensor);
            CHECK_MSG(dl <= tol, "%s logits: TF vs decode differ by %g", preset, dl);
            CHECK_MSG(df <= tol, "%s fingerprints: TF vs decode differ by %g", preset, df);
            check_logprob(t.res[ilp].tensor, L, toks, S, V, compute == VT_F64 ? 1e-12 : 1e-5);
            /* the generator's own teacher forcing on tokens[0 .. S-1] */
            int64_t td[2] = {1, S};
            vt_tensor *gt = vt_tensor_create(VT_I32, 2, td, 0, &err);
            memcpy(gt->data, toks->data, (size_t)S * sizeof(int32_t));
            vt_rvalue *ga = calloc(m.np + 2, sizeof *ga), *gr = NULL;
            size_t ngr = 0;
            for (size_t i = 0; i < m.np; i++) ga[i] = vt_rvalue_tensor(vt_tensor_retain(m.params[i].tensor));
            ga[m.np] = vt_rvalue_tensor(gt);
            ga[m.np + 1] = vt_rvalue_tensor(vt_tensor_retain(m.fpk));
            s = run(e, gtf, ga, m.np + 2, &gr, &ngr, &err);
            CHECK_MSG(s == VT_OK, "generator teacher forcing: %s", err.msg);
            if (!s) {
                double gl = rel_diff(L, gr[0].tensor), gf = rel_diff(F, gr[1].tensor);
                CHECK_MSG(gl <= tol, "%s logits: TF vs generator TF differ by %g", preset, gl);
                CHECK_MSG(gf <= tol, "%s fingerprints: TF vs generator TF differ by %g", preset, gf);
            }
            vt_rvalues_release(gr, ngr);
            vt_rvalues_release(ga, m.np + 2);
        }
        tf_free(&t);
    }
    vt_tensor_release(toks);
    vt_rvalues_release(dr, ndr);
done_args:
    vt_rvalues_release(args, na);
done:
    vt_module_free(dec);
    vt_module_free(gtf);
    vt_engine_destroy(e);
    model_free(&m);
}

static const dvariant plain = {false, false, VT_NORM_RMS, VT_POS_LEARNED};
TEST(decode_tiny_f64) { check_decode("tiny", VT_F64, 3, 6, plain, 1e-12); }
TEST(decode_tiny_f32) { check_decode("tiny", VT_F32, 4, 5, plain, 1e-4); }
TEST(decode_small_f32) { check_decode("small", VT_F32, 2, 3, plain, 1e-4); }
TEST(decode_sampled_tiny) { check_decode("tiny", VT_F32, 3, 5, (dvariant){true, false, VT_NORM_RMS, VT_POS_LEARNED}, 1e-4); }
/* LayerNorm + RoPE (positions rotate q and k by angles computed from the counter in-graph), and
 * the decode graph that also returns its KV caches */
TEST(decode_tiny_layernorm_rope_kv) {
    check_decode("tiny", VT_F64, 3, 5, (dvariant){false, true, VT_NORM_LAYER, VT_POS_ROPE}, 1e-12);
    check_decode("tiny", VT_F32, 2, 4, (dvariant){true, true, VT_NORM_LAYER, VT_POS_ROPE}, 1e-4);
}

/* ---- JAX-style loops ------------------------------------------------------------------------ */
/* Runs data file `name` on one i32 scalar (the start token), transforms it, and replays; the
 * entry returns (final tokens, all_logits). */
static void check_jax(const char *name, int32_t start, double tol) {
    vt_error err;
    vt_module *ar = load_data(name);
    if (!ar) return;
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_rvalue arg = vt_rvalue_tensor(vt_tensor_create(VT_I32, 0, NULL, 0, &err));
    *(int32_t *)arg.tensor->data = start;
    vt_rvalue *r = NULL;
    size_t nr = 0;
    vt_status s = run(e, ar, &arg, 1, &r, &nr, &err);
    CHECK_MSG(s == VT_OK, "%s: AR run: %s", name, err.msg);
    tf_run t;
    if (!s && run_tf(e, ar, &arg, r[0].tensor, &t)) {
        int kl = result_carry(ar, 1), il = tf_result_of(&t, kl), ilp = -1;
        for (size_t i = 0; i < t.info.nresults; i++)
            if (t.info.result_src[i] < 0) ilp = (int)i;
        CHECK_MSG(il >= 0 && ilp >= 0, "%s: results %d %d", name, il, ilp);
        if (il >= 0 && ilp >= 0) {
            const vt_tensor *L = t.res[il].tensor;
            double d = rel_diff(L, r[1].tensor);
            CHECK_MSG(d <= tol, "%s: all_logits TF vs AR differ by %g", name, d);
            check_logprob(t.res[ilp].tensor, L, r[0].tensor, L->dims[0], L->dims[1], 1e-5);
        }
        /* the tokens argmax picks from the TF logits are the ones AR emitted */
        tf_free(&t);
    }
    vt_rvalues_release(r, nr);
    vt_rvalue_release(&arg);
    vt_engine_destroy(e);
    vt_module_free(ar);
}

/* fori style: the token is carried by value; the TF graph takes its values at steps 0..S, i.e.
 * the start token and the argmax of every row of all_logits. */
TEST(jax_fori_scalar) {
    vt_error err;
    vt_module *ar = load_data("ar_fori_scalar.mlir");
    if (!ar) return;
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_rvalue arg = vt_rvalue_tensor(vt_tensor_create(VT_I32, 0, NULL, 0, &err));
    *(int32_t *)arg.tensor->data = 3;
    vt_rvalue *r = NULL;
    size_t nr = 0;
    vt_status s = run(e, ar, &arg, 1, &r, &nr, &err);
    CHECK_MSG(s == VT_OK, "AR run: %s", err.msg);
    tf_run t;
    int64_t five = 5;
    vt_tensor *g = vt_tensor_create(VT_I32, 1, &five, 0, &err);
    if (!s) {
        const float *L = r[1].tensor->data;
        ((int32_t *)g->data)[0] = 3;
        for (int i = 0; i < 4; i++) {
            int best = 0;
            for (int v = 1; v < 10; v++)
                if (L[i * 10 + v] > L[i * 10 + best]) best = v;
            ((int32_t *)g->data)[i + 1] = best;
        }
        CHECK_EQ_INT(((int32_t *)g->data)[4], *(int32_t *)r[0].tensor->data);
    }
    if (!s && run_tf(e, ar, &arg, g, &t)) {
        CHECK_EQ_INT(t.info.nargs, 1);
        CHECK_EQ_INT(t.info.arg_src[0], -4);
        CHECK_EQ_INT(t.info.nresults, 2);
        if (t.nres == 2) {
            CHECK(rel_diff(t.res[0].tensor, r[1].tensor) == 0);
            check_logprob(t.res[1].tensor, t.res[0].tensor, g, 4, 10, 1e-5);
        }
        tf_free(&t);
    }
    vt_tensor_release(g);
    vt_rvalues_release(r, nr);
    vt_rvalue_release(&arg);
    vt_engine_destroy(e);
    vt_module_free(ar);
}

TEST(jax_ar_generate) { check_jax("ar_generate.mlir", 3, 1e-6); }
TEST(jax_mlp_fori) { check_jax("ar_mlp_fori.mlir", 7, 1e-6); }
TEST(jax_sampling) { check_jax("ar_sample.mlir", 2, 1e-6); }
/* a cache with a non-zero initial value read whole by unmasked attention: later rows are seen
 * at their initial value (both products of the lazy view, rows free and rows contracted) */
TEST(jax_attn_cache) { check_jax("ar_attn_cache.mlir", 3, 1e-5); }
/* reshape / transpose / reverse / pad / slice / concatenate / gather from a per-step table /
 * select on a per-step scalar / clamp with per-step bounds, each batched against the loop */
TEST(jax_ops) {
    check_jax("ar_ops.mlir", 4, 1e-6);
    check_jax("ar_ops.mlir", 9, 1e-6);
}

/* sort (values and indices, descending) and reduce_window (a cumulative sum padded on the left,
 * a strided max pool) on the per-step embedding, batched over the steps */
TEST(jax_window_sort) {
    check_jax("ar_window_sort.mlir", 4, 1e-6);
    check_jax("ar_window_sort.mlir", 9, 1e-6);
}

/* scatters inside the step that are not carry writes: a one-hot of the token (overwrite), a
 * scatter-add at the token and the counter, and a constant table (no batched operand) */
TEST(jax_scatter_onehot) {
    check_jax("ar_scatter_onehot.mlir", 4, 1e-6);
    check_jax("ar_scatter_onehot.mlir", 0, 1e-6);
}

/* lax.cond / lax.switch in the step (stablehlo.case on a converted predicate, an `if` on a
 * predicate of the token returning two values, a three-way case on the counter whose last step
 * is outside the branches): every branch runs batched and each step picks its own. Before the
 * loop, a case on the start token whose branches capture a weight is copied whole. */
TEST(jax_cond) {
    for (int32_t start = 0; start < 10; start += 3) check_jax("ar_cond.mlir", start, 1e-6);
}

/* A minimal decode loop with pieces to swap: (1) condition lines defining %1, (2) the token
 * block defining %7 : tensor<1xi32> from the logits %5, (3) the write defining %9, (4) what the
 * body returns for the float carry, (5) extra functions. */
static const char loop_tmpl[] =
    "func.func public @main(%%arg0: tensor<4x4xf32>) -> tensor<5xi32> {\n"
    "  %%c = stablehlo.constant dense<0> : tensor<i32>\n"
    "  %%z = stablehlo.constant dense<0> : tensor<5xi32>\n"
    "  %%f = stablehlo.constant dense<0.5> : tensor<4xf32>\n"
    "  %%0:3 = stablehlo.while(%%iterArg = %%c, %%iterArg_0 = %%z, %%iterArg_s = %%f) : tensor<i32>, tensor<5xi32>, tensor<4xf32>\n"
    "   cond {\n"
    "%s"
    "    stablehlo.return %%1 : tensor<i1>\n"
    "  } do {\n"
    "    %%1 = stablehlo.dynamic_slice %%iterArg_0, %%iterArg, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>\n"
    "    %%2 = stablehlo.reshape %%1 : (tensor<1xi32>) -> tensor<i32>\n"
    "    %%c_2 = stablehlo.constant dense<0> : tensor<i32>\n"
    "    %%3 = stablehlo.dynamic_slice %%arg0, %%2, %%c_2, sizes = [1, 4] : (tensor<4x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>\n"
    "    %%4 = stablehlo.reshape %%3 : (tensor<1x4xf32>) -> tensor<4xf32>\n"
    "    %%5 = stablehlo.add %%4, %%iterArg_s : tensor<4xf32>\n"
    "%s"
    "    %%c_3 = stablehlo.constant dense<1> : tensor<i32>\n"
    "    %%8 = stablehlo.add %%iterArg, %%c_3 : tensor<i32>\n"
    "%s"
    "    stablehlo.return %%8, %%9, %s : tensor<i32>, tensor<5xi32>, tensor<4xf32>\n"
    "  }\n"
    "  return %%0#1 : tensor<5xi32>\n"
    "}\n"
    "%s";

static const char cond_ok[] =
    "    %c_1 = stablehlo.constant dense<4> : tensor<i32>\n"
    "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n";
static const char argmax_ok[] =
    "    %6 = stablehlo.iota dim = 0 : tensor<4xi32>\n"
    "    %cm = stablehlo.constant dense<0xFF800000> : tensor<f32>\n"
    "    %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
    "    %r:2 = stablehlo.reduce(%5 init: %cm), (%6 init: %c0) across dimensions = [0] : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)\n"
    "     reducer(%a: tensor<f32>, %b: tensor<f32>) (%i: tensor<i32>, %j: tensor<i32>)  {\n"
    "      %g = stablehlo.compare  GE, %a, %b,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
    "      %x = stablehlo.select %g, %a, %b : tensor<i1>, tensor<f32>\n"
    "      %y = stablehlo.select %g, %i, %j : tensor<i1>, tensor<i32>\n"
    "      stablehlo.return %x, %y : tensor<f32>, tensor<i32>\n"
    "    }\n"
    "    %7 = stablehlo.reshape %r#1 : (tensor<i32>) -> tensor<1xi32>\n";
static const char write_ok[] =
    "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %7, %8 : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n";

static vt_module *loop_variant(const char *cond, const char *tok, const char *wr, const char *sret, const char *extra) {
    static char text[16384];
    snprintf(text, sizeof text, loop_tmpl, cond, tok, wr, sret, extra);
    return parse_text(text);
}

static void refuse_variant(const char *cond, const char *tok, const char *wr, const char *sret, const char *extra,
                           const vt_ar_to_tf_options *o, vt_status code, const char *frag) {
    vt_module *m = loop_variant(cond, tok, wr, sret, extra), *out = (vt_module *)1;
    vt_error err;
    if (!m) return;
    CHECK_ERR(vt_xf_ar_to_tf(m, o, &out, NULL, &err), &err, code, frag);
    CHECK(out == NULL);
    vt_module_free(m);
}

/* The template itself transforms: one result, the log-probabilities; the prompt position 0 is
 * never written, so the initial buffer is not needed and the TF logprob matches the loop's. */
TEST(minimal_loop) {
    vt_module *m = loop_variant(cond_ok, argmax_ok, write_ok, "%iterArg_s", ""), *out = NULL;
    vt_error err;
    vt_ar_to_tf_info info;
    if (!m) return;
    CHECK_EQ_INT(vt_xf_ar_to_tf(m, NULL, &out, &info, &err), VT_OK);
    CHECK_EQ_INT(info.steps, 4);
    CHECK_EQ_INT(info.nresults, 1);
    CHECK_EQ_INT(info.result_src[0], -2);
    CHECK_EQ_INT(info.nargs, 2);
    CHECK_EQ_INT(info.arg_src[0], 0);
    CHECK_EQ_INT(info.arg_src[1], -2);
    /* the result is a module of its own: it prints, re-parses and verifies after the source is gone */
    vt_module *m2 = loop_variant(cond_ok, argmax_ok, write_ok, "%iterArg_s", ""), *out2 = NULL;
    CHECK_EQ_INT(vt_xf_ar_to_tf(m2, NULL, &out2, NULL, &err), VT_OK);
    vt_module_free(m2);
    vt_buf txt;
    vt_buf_init(&txt);
    CHECK_EQ_INT(out2 ? vt_module_print(out2, NULL, &txt, &err) : VT_EINTERNAL, VT_OK);
    vt_module *back = txt.len ? parse_text(vt_buf_cstr(&txt)) : NULL;
    CHECK(back != NULL);
    CHECK(strstr(vt_buf_cstr(&txt), "veritor.origin = \"@main/3/1/") != NULL);
    vt_module_free(back);
    vt_module_free(out2);
    vt_buf_free(&txt);
    vt_module_free(out);
    out = NULL;
    /* the refusals below only differ from this in one piece */
    vt_ar_to_tf_options o = {.max_steps = 3};
    CHECK_ERR(vt_xf_ar_to_tf(m, &o, &out, NULL, &err), &err, VT_ELIMIT, "runs 4 steps, over the limit of 3");
    o = (vt_ar_to_tf_options){.entry = "nope"};
    CHECK_ERR(vt_xf_ar_to_tf(m, &o, &out, NULL, &err), &err, VT_EINPUT, "nope");
    CHECK_ERR(vt_xf_ar_to_tf(NULL, NULL, &out, NULL, &err), &err, VT_EUSAGE, "no module");
    vt_module_free(out);
    vt_module_free(m);
}

/* A loop that is not autoregressive before the decode loop is skipped. */
TEST(second_loop) {
    static char text[16384], both[20000];
    snprintf(text, sizeof text, loop_tmpl, cond_ok, argmax_ok, write_ok, "%iterArg_s", "");
    const char *nl = strchr(text, '\n');
    if (!nl) return;
    snprintf(both, sizeof both,
             "%.*s"
             "  %%s0 = stablehlo.constant dense<0> : tensor<i32>\n"
             "  %%s1 = stablehlo.constant dense<0.0> : tensor<f32>\n"
             "  %%sum:2 = stablehlo.while(%%ia = %%s0, %%ib = %%s1) : tensor<i32>, tensor<f32>\n"
             "   cond {\n"
             "    %%sc = stablehlo.constant dense<3> : tensor<i32>\n"
             "    %%sp = stablehlo.compare  LT, %%ia, %%sc,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
             "    stablehlo.return %%sp : tensor<i1>\n"
             "  } do {\n"
             "    %%sf = stablehlo.convert %%ia : (tensor<i32>) -> tensor<f32>\n"
             "    %%sg = stablehlo.add %%ib, %%sf : tensor<f32>\n"
             "    %%s3 = stablehlo.constant dense<1> : tensor<i32>\n"
             "    %%sh = stablehlo.add %%ia, %%s3 : tensor<i32>\n"
             "    stablehlo.return %%sh, %%sg : tensor<i32>, tensor<f32>\n"
             "  }\n"
             "%s",
             (int)(nl - text + 1), text, nl + 1);
    vt_module *m = parse_text(both), *out = NULL;
    vt_error err;
    vt_ar_to_tf_info info;
    if (!m) return;
    CHECK_EQ_INT(vt_xf_ar_to_tf(m, NULL, &out, &info, &err), VT_OK);
    CHECK_STR(info.loop_id, "@main/6");
    CHECK_EQ_INT(info.steps, 4);
    vt_module_free(out);
    vt_module_free(m);
}

TEST(refuse_patterns) {
    /* stop on a token (data-dependent trip count) */
    refuse_variant("    %t = stablehlo.dynamic_slice %iterArg_0, %iterArg, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>\n"
                   "    %t1 = stablehlo.reshape %t : (tensor<1xi32>) -> tensor<i32>\n"
                   "    %c_1 = stablehlo.constant dense<3> : tensor<i32>\n"
                   "    %1 = stablehlo.compare  NE, %t1, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n",
                   argmax_ok, write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "does not compare a counter with a constant");
    /* no step at all */
    refuse_variant("    %c_1 = stablehlo.constant dense<0> : tensor<i32>\n"
                   "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n",
                   argmax_ok, write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "runs no step");
    /* written where the token says */
    refuse_variant(cond_ok, argmax_ok,
                   "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %7, %2 : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n",
                   "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "not a function of the loop counter");
    /* every step writes position 0 */
    refuse_variant(cond_ok, argmax_ok,
                   "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %7, %c_2 : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n",
                   "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "steps 0 and 1 write the same position of carry 1");
    /* tokens accumulated instead of written */
    refuse_variant(cond_ok, argmax_ok,
                   "    %ix = stablehlo.reshape %8 : (tensor<i32>) -> tensor<1xi32>\n"
                   "    %u = stablehlo.reshape %7 : (tensor<1xi32>) -> tensor<i32>\n"
                   "    %9 = \"stablehlo.scatter\"(%iterArg_0, %ix, %u) ({\n"
                   "    ^bb0(%p: tensor<i32>, %q: tensor<i32>):\n"
                   "      %pq = stablehlo.add %p, %q : tensor<i32>\n"
                   "      stablehlo.return %pq : tensor<i32>\n"
                   "    }) {scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>} : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n",
                   "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "combines instead of overwriting");
    /* the token from an opaque custom_call */
    refuse_variant(cond_ok,
                   "    %7 = stablehlo.custom_call @my_sampler(%5) : (tensor<4xf32>) -> tensor<1xi32>\n",
                   write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "comes from stablehlo.custom_call at @main/3/1/");
    /* a float carry updated by arithmetic that the logits read */
    refuse_variant(cond_ok, argmax_ok, write_ok, "%5", "", NULL, VT_EUNSUPPORTED,
                   "carry 2 is read by the computation of the outputs but is updated by stablehlo.add at @main/3/1/5");
    /* a reduce_window whose initial value changes with the step */
    {
        char tok[2048];
        const char *am = strstr(argmax_ok, "%r:2");
        snprintf(tok, sizeof tok,
                 "    %%ci = stablehlo.convert %%iterArg : (tensor<i32>) -> tensor<f32>\n"
                 "    %%5w = \"stablehlo.reduce_window\"(%%5, %%ci) <{padding = dense<[[1, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 2>}> ({\n"
                 "    ^bb0(%%ra: tensor<f32>, %%rb: tensor<f32>):\n"
                 "      %%rs = stablehlo.add %%ra, %%rb : tensor<f32>\n"
                 "      stablehlo.return %%rs : tensor<f32>\n"
                 "    }) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>\n"
                 "%.*s%%5w%s",
                 (int)(strstr(argmax_ok, "(%5 init") + 1 - argmax_ok), argmax_ok, strstr(argmax_ok, "(%5 init") + 3);
        CHECK(am != NULL);
        refuse_variant(cond_ok, tok, write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED,
                       "batching stablehlo.reduce_window at @main/3/1/7 over the loop's steps: initial value differs per step");
    }
    /* a case with a custom_call in a branch is not flattened (both branches would run): dead, it
     * is dropped */
    {
        static const char side_case[] =
            "    %cc = \"stablehlo.case\"(%c_2) ({\n"
            "      %q = stablehlo.custom_call @side(%5) : (tensor<4xf32>) -> tensor<4xf32>\n"
            "      stablehlo.return %q : tensor<4xf32>\n"
            "    }, {\n"
            "      stablehlo.return %5 : tensor<4xf32>\n"
            "    }) : (tensor<i32>) -> tensor<4xf32>\n";
        char tok[4096];
        vt_error err;
        snprintf(tok, sizeof tok, "%s%s", side_case, argmax_ok);
        vt_module *dead = loop_variant(cond_ok, tok, write_ok, "%iterArg_s", ""), *out2 = NULL;
        CHECK(dead && vt_xf_ar_to_tf(dead, NULL, &out2, NULL, &err) == VT_OK);
        vt_module_free(out2);
        vt_module_free(dead);
        /* live, it stays whole, and its branch reads the step's logits: refused */
        const char *red = strstr(argmax_ok, "(%5 init");
        snprintf(tok, sizeof tok, "%s%.*s%%cc%s", side_case, (int)(red + 1 - argmax_ok), argmax_ok, red + 3);
        refuse_variant(cond_ok, tok, write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED,
                       "stablehlo.case at @main/3/1/6: a region reads a value from around it that differs per step");
    }
    /* recursion in the step */
    refuse_variant(cond_ok,
                   "    %5b = func.call @rec(%5) : (tensor<4xf32>) -> tensor<4xf32>\n"
                   "    %7 = stablehlo.custom_call @my_sampler(%5b) : (tensor<4xf32>) -> tensor<1xi32>\n",
                   write_ok, "%iterArg_s",
                   "func.func private @rec(%arg0: tensor<4xf32>) -> tensor<4xf32> {\n"
                   "  %0 = func.call @rec(%arg0) : (tensor<4xf32>) -> tensor<4xf32>\n"
                   "  return %0 : tensor<4xf32>\n"
                   "}\n",
                   NULL, VT_EUNSUPPORTED, "recursive call of @rec");
    /* a loop inside the step that the logits need */
    refuse_variant(cond_ok,
                   "    %w:2 = stablehlo.while(%wa = %c_2, %wb = %5) : tensor<i32>, tensor<4xf32>\n"
                   "     cond {\n"
                   "      %wc = stablehlo.constant dense<2> : tensor<i32>\n"
                   "      %wp = stablehlo.compare  LT, %wa, %wc,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
                   "      stablehlo.return %wp : tensor<i1>\n"
                   "    } do {\n"
                   "      %w1 = stablehlo.constant dense<1> : tensor<i32>\n"
                   "      %w2 = stablehlo.add %wa, %w1 : tensor<i32>\n"
                   "      %w3 = stablehlo.add %wb, %wb : tensor<4xf32>\n"
                   "      stablehlo.return %w2, %w3 : tensor<i32>, tensor<4xf32>\n"
                   "    }\n"
                   "    %6 = stablehlo.iota dim = 0 : tensor<4xi32>\n"
                   "    %cm = stablehlo.constant dense<0xFF800000> : tensor<f32>\n"
                   "    %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
                   "    %r:2 = stablehlo.reduce(%w#1 init: %cm), (%6 init: %c0) across dimensions = [0] : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)\n"
                   "     reducer(%a: tensor<f32>, %b: tensor<f32>) (%i: tensor<i32>, %j: tensor<i32>)  {\n"
                   "      %g = stablehlo.compare  GE, %a, %b,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                   "      %x = stablehlo.select %g, %a, %b : tensor<i1>, tensor<f32>\n"
                   "      %y = stablehlo.select %g, %i, %j : tensor<i1>, tensor<i32>\n"
                   "      stablehlo.return %x, %y : tensor<f32>, tensor<i32>\n"
                   "    }\n"
                   "    %7 = stablehlo.reshape %r#1 : (tensor<i32>) -> tensor<1xi32>\n",
                   write_ok, "%iterArg_s", "", NULL, VT_EUNSUPPORTED, "batching stablehlo.while at @main/3/1/6");
}

static void refuse(const char *text, vt_status code, const char *frag);

/* Hostile shapes: calls nested past the limit, a buffer indexed over too many cells. */
TEST(limits) {
    /* the logits pass through 70 nested calls */
    static char extra[70 * 200], tok[512];
    size_t o = 0;
    for (int i = 0; i < 70; i++) {
        if (i < 69)
            o += (size_t)snprintf(extra + o, sizeof extra - o,
                                  "func.func private @f%d(%%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                                  "  %%0 = func.call @f%d(%%a) : (tensor<4xf32>) -> tensor<4xf32>\n"
                                  "  return %%0 : tensor<4xf32>\n}\n",
                                  i, i + 1);
        else
            o += (size_t)snprintf(extra + o, sizeof extra - o,
                                  "func.func private @f%d(%%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                                  "  return %%a : tensor<4xf32>\n}\n",
                                  i);
    }
    /* the argmax reduces %5d, the result of the call chain, instead of %5 */
    const char *at = strstr(argmax_ok, "(%5 init");
    char block[8192];
    snprintf(tok, sizeof tok, "    %%5d = func.call @f0(%%5) : (tensor<4xf32>) -> tensor<4xf32>\n");
    snprintf(block, sizeof block, "%s%.*s(%%5d%s", tok, at ? (int)(at - argmax_ok) : 0, argmax_ok, at ? at + 3 : "");
    refuse_variant(cond_ok, block, write_ok, "%iterArg_s", extra, NULL, VT_ELIMIT, "calls nested deeper than 64");
    /* a token buffer of 5000 x 5000 cells written one cell per step */
    refuse("func.func public @main(%arg0: tensor<4x4xf32>) -> tensor<5000x5000xi32> {\n"
           "  %c = stablehlo.constant dense<0> : tensor<i32>\n"
           "  %z = stablehlo.constant dense<0> : tensor<5000x5000xi32>\n"
           "  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %z) : tensor<i32>, tensor<5000x5000xi32>\n"
           "   cond {\n"
           "    %c_1 = stablehlo.constant dense<4> : tensor<i32>\n"
           "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
           "    stablehlo.return %1 : tensor<i1>\n"
           "  } do {\n"
           "    %1 = stablehlo.dynamic_slice %iterArg_0, %iterArg, %iterArg, sizes = [1, 1] : (tensor<5000x5000xi32>, tensor<i32>, tensor<i32>) -> tensor<1x1xi32>\n"
           "    %c_3 = stablehlo.constant dense<1> : tensor<i32>\n"
           "    %8 = stablehlo.add %iterArg, %c_3 : tensor<i32>\n"
           "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %1, %8, %8 : (tensor<5000x5000xi32>, tensor<1x1xi32>, tensor<i32>, tensor<i32>) -> tensor<5000x5000xi32>\n"
           "    stablehlo.return %8, %9 : tensor<i32>, tensor<5000x5000xi32>\n"
           "  }\n"
           "  return %0#1 : tensor<5000x5000xi32>\n"
           "}\n",
           VT_ELIMIT, "indexed over too many cells");
    /* 4000 steps over a 5000-cell buffer: the per-step masks would hold 2 * 10^7 entries */
    refuse("func.func public @main(%arg0: tensor<4x4xf32>) -> tensor<5000xi32> {\n"
           "  %c = stablehlo.constant dense<0> : tensor<i32>\n"
           "  %z = stablehlo.constant dense<0> : tensor<5000xi32>\n"
           "  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %z) : tensor<i32>, tensor<5000xi32>\n"
           "   cond {\n"
           "    %c_1 = stablehlo.constant dense<4000> : tensor<i32>\n"
           "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
           "    stablehlo.return %1 : tensor<i1>\n"
           "  } do {\n"
           "    %1 = stablehlo.dynamic_slice %iterArg_0, %iterArg, sizes = [1] : (tensor<5000xi32>, tensor<i32>) -> tensor<1xi32>\n"
           "    %c_3 = stablehlo.constant dense<1> : tensor<i32>\n"
           "    %8 = stablehlo.add %iterArg, %c_3 : tensor<i32>\n"
           "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %1, %8 : (tensor<5000xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5000xi32>\n"
           "    stablehlo.return %8, %9 : tensor<i32>, tensor<5000xi32>\n"
           "  }\n"
           "  return %0#1 : tensor<5000xi32>\n"
           "}\n",
           VT_ELIMIT, "4000 steps x 5000 indexed cells of carry 1 exceed 2^24 mask entries");
    /* a case whose branch reads 4097 values from around it */
    size_t cap = 4097 * 160 + 1024, w = 0;
    char *big = malloc(cap);
    CHECK(big != NULL);
    if (!big) return;
    w += (size_t)snprintf(big + w, cap - w, "func.func public @main(%%i: tensor<i32>) -> tensor<f32> {\n");
    for (int k = 0; k <= 4096; k++)
        w += (size_t)snprintf(big + w, cap - w, "  %%c%d = stablehlo.constant dense<%d.0> : tensor<f32>\n", k, k);
    w += (size_t)snprintf(big + w, cap - w, "  %%r = \"stablehlo.case\"(%%i) ({\n    %%s0 = stablehlo.negate %%c0 : tensor<f32>\n");
    for (int k = 1; k <= 4096; k++)
        w += (size_t)snprintf(big + w, cap - w, "    %%s%d = stablehlo.add %%s%d, %%c%d : tensor<f32>\n", k, k - 1, k);
    w += (size_t)snprintf(big + w, cap - w,
                          "    stablehlo.return %%s4096 : tensor<f32>\n  }) : (tensor<i32>) -> tensor<f32>\n"
                          "  return %%r : tensor<f32>\n}\n");
    CHECK(w < cap);
    refuse(big, VT_ELIMIT, "@main/4097: regions read more than 4096 values from around it");
    /* cases nested 70 deep, the innermost reading a value from the top (parsed past the parser's
     * default depth limit) */
    w = 0;
    w += (size_t)snprintf(big + w, cap - w, "func.func public @main(%%i: tensor<i32>) -> tensor<f32> {\n"
                                            "  %%c = stablehlo.constant dense<1.0> : tensor<f32>\n");
    for (int k = 0; k < 70; k++)
        w += (size_t)snprintf(big + w, cap - w, "  %%r%d = \"stablehlo.case\"(%%i) ({\n", k);
    w += (size_t)snprintf(big + w, cap - w, "  stablehlo.return %%c : tensor<f32>\n");
    for (int k = 69; k >= 0; k--)
        w += (size_t)snprintf(big + w, cap - w, "  }) : (tensor<i32>) -> tensor<f32>\n  %s%%r%d : tensor<f32>\n",
                              k ? "stablehlo.return " : "return ", k);
    w += (size_t)snprintf(big + w, cap - w, "}\n");
    vt_parse_limits pl;
    vt_parse_limits_default(&pl);
    pl.max_depth = 10000;
    vt_parse_options po = {.limits = &pl};
    vt_module *deep = NULL, *out = NULL;
    vt_error err;
    CHECK_EQ_INT(vt_parse_module(big, strlen(big), &po, &deep, &err), VT_OK);
    if (deep) CHECK_ERR(vt_xf_ar_to_tf(deep, NULL, &out, NULL, &err), &err, VT_ELIMIT, "regions nested deeper than 64");
    CHECK(out == NULL);
    vt_module_free(deep);
    free(big);
}

/* ---- refusals ----------------------------------------------------------------------------- */
static void refuse(const char *text, vt_status code, const char *frag) {
    vt_module *m = parse_text(text), *out = (vt_module *)1;
    vt_error err;
    if (!m) return;
    CHECK_ERR(vt_xf_ar_to_tf(m, NULL, &out, NULL, &err), &err, code, frag);
    CHECK(out == NULL);
    vt_module_free(m);
}

TEST(refuse_not_autoregressive) {
    /* sum of 0..9: a counter and a running sum, no buffer fed back */
    refuse("func.func public @main(%arg0: tensor<f32>) -> tensor<f32> {\n"
           "  %c = stablehlo.constant dense<0> : tensor<i32>\n"
           "  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %arg0) : tensor<i32>, tensor<f32>\n"
           "   cond {\n"
           "    %c_1 = stablehlo.constant dense<10> : tensor<i32>\n"
           "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
           "    stablehlo.return %1 : tensor<i1>\n"
           "  } do {\n"
           "    %1 = stablehlo.convert %iterArg : (tensor<i32>) -> tensor<f32>\n"
           "    %2 = stablehlo.add %iterArg_0, %1 : tensor<f32>\n"
           "    %c_1 = stablehlo.constant dense<1> : tensor<i32>\n"
           "    %3 = stablehlo.add %iterArg, %c_1 : tensor<i32>\n"
           "    stablehlo.return %3, %2 : tensor<i32>, tensor<f32>\n"
           "  }\n"
           "  return %0#1 : tensor<f32>\n"
           "}\n",
           VT_EUNSUPPORTED, "is not autoregressive: no buffer feeds a token back");
}

/* Two buffers each written from the other's row: no order computes them once the tokens are
 * given, whichever is emitted first. */
TEST(refuse_buffers_in_a_cycle) {
    refuse("func.func public @main(%arg0: tensor<4x4xf32>) -> tensor<5xi32> {\n"
           "  %c = stablehlo.constant dense<0> : tensor<i32>\n"
           "  %z = stablehlo.constant dense<0> : tensor<5xi32>\n"
           "  %f = stablehlo.constant dense<0.0> : tensor<4x4xf32>\n"
           "  %0:4 = stablehlo.while(%i = %c, %t = %z, %a = %f, %b = %f) : tensor<i32>, tensor<5xi32>, tensor<4x4xf32>, tensor<4x4xf32>\n"
           "   cond {\n"
           "    %c4 = stablehlo.constant dense<4> : tensor<i32>\n"
           "    %p = stablehlo.compare  LT, %i, %c4,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
           "    stablehlo.return %p : tensor<i1>\n"
           "  } do {\n"
           "    %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
           "    %1 = stablehlo.dynamic_slice %t, %i, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>\n"
           "    %2 = stablehlo.reshape %1 : (tensor<1xi32>) -> tensor<i32>\n"
           "    %x = stablehlo.dynamic_slice %arg0, %2, %c0, sizes = [1, 4] : (tensor<4x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>\n"
           "    %ra = stablehlo.dynamic_slice %a, %i, %c0, sizes = [1, 4] : (tensor<4x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>\n"
           "    %rb = stablehlo.dynamic_slice %b, %i, %c0, sizes = [1, 4] : (tensor<4x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>\n"
           "    %na = stablehlo.add %x, %rb : tensor<1x4xf32>\n"
           "    %nb = stablehlo.add %x, %ra : tensor<1x4xf32>\n"
           "    %a2 = stablehlo.dynamic_update_slice %a, %na, %i, %c0 : (tensor<4x4xf32>, tensor<1x4xf32>, tensor<i32>, tensor<i32>) -> tensor<4x4xf32>\n"
           "    %b2 = stablehlo.dynamic_update_slice %b, %nb, %i, %c0 : (tensor<4x4xf32>, tensor<1x4xf32>, tensor<i32>, tensor<i32>) -> tensor<4x4xf32>\n"
           "    %l = stablehlo.reshape %x : (tensor<1x4xf32>) -> tensor<4xf32>\n"
           "    %io = stablehlo.iota dim = 0 : tensor<4xi32>\n"
           "    %cm = stablehlo.constant dense<0xFF800000> : tensor<f32>\n"
           "    %r:2 = stablehlo.reduce(%l init: %cm), (%io init: %c0) across dimensions = [0] : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)\n"
           "     reducer(%u: tensor<f32>, %v: tensor<f32>) (%j: tensor<i32>, %k: tensor<i32>)  {\n"
           "      %g = stablehlo.compare  GE, %u, %v,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
           "      %mx = stablehlo.select %g, %u, %v : tensor<i1>, tensor<f32>\n"
           "      %ix = stablehlo.select %g, %j, %k : tensor<i1>, tensor<i32>\n"
           "      stablehlo.return %mx, %ix : tensor<f32>, tensor<i32>\n"
           "    }\n"
           "    %tk = stablehlo.reshape %r#1 : (tensor<i32>) -> tensor<1xi32>\n"
           "    %c1 = stablehlo.constant dense<1> : tensor<i32>\n"
           "    %n = stablehlo.add %i, %c1 : tensor<i32>\n"
           "    %t2 = stablehlo.dynamic_update_slice %t, %tk, %n : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n"
           "    stablehlo.return %n, %t2, %a2, %b2 : tensor<i32>, tensor<5xi32>, tensor<4x4xf32>, tensor<4x4xf32>\n"
           "  }\n"
           "  return %0#1 : tensor<5xi32>\n"
           "}\n",
           VT_EUNSUPPORTED, "buffers of carries 2 and 3 depend on each other through the step");
}

TEST(refuse_no_while) {
    refuse("func.func public @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {\n"
           "  %0 = stablehlo.add %arg0, %arg0 : tensor<4xf32>\n"
           "  return %0 : tensor<4xf32>\n"
           "}\n",
           VT_EUNSUPPORTED, "no stablehlo.while in @main");
}

/* The next token comes out of a sort (top-1 by sorting): not an argmax or a sampler call. */
static const char sort_feedback[] =
    "func.func public @main(%arg0: tensor<4x4xf32>) -> tensor<5xi32> {\n"
    "  %c = stablehlo.constant dense<0> : tensor<i32>\n"
    "  %z = stablehlo.constant dense<0> : tensor<5xi32>\n"
    "  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %z) : tensor<i32>, tensor<5xi32>\n"
    "   cond {\n"
    "    %c_1 = stablehlo.constant dense<4> : tensor<i32>\n"
    "    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
    "    stablehlo.return %1 : tensor<i1>\n"
    "  } do {\n"
    "    %1 = stablehlo.dynamic_slice %iterArg_0, %iterArg, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>\n"
    "    %2 = stablehlo.reshape %1 : (tensor<1xi32>) -> tensor<i32>\n"
    "    %c_2 = stablehlo.constant dense<0> : tensor<i32>\n"
    "    %3 = stablehlo.dynamic_slice %arg0, %2, %c_2, sizes = [1, 4] : (tensor<4x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>\n"
    "    %4 = stablehlo.reshape %3 : (tensor<1x4xf32>) -> tensor<4xf32>\n"
    "    %5 = stablehlo.iota dim = 0 : tensor<4xi32>\n"
    "    %6:2 = \"stablehlo.sort\"(%4, %5) ({\n"
    "    ^bb0(%a: tensor<f32>, %b: tensor<f32>, %i: tensor<i32>, %j: tensor<i32>):\n"
    "      %p = stablehlo.compare  GT, %a, %b,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
    "      stablehlo.return %p : tensor<i1>\n"
    "    }) {dimension = 0 : i64, is_stable = true} : (tensor<4xf32>, tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>)\n"
    "    %7 = stablehlo.slice %6#1 [0:1] : (tensor<4xi32>) -> tensor<1xi32>\n"
    "    %c_3 = stablehlo.constant dense<1> : tensor<i32>\n"
    "    %8 = stablehlo.add %iterArg, %c_3 : tensor<i32>\n"
    "    %9 = stablehlo.dynamic_update_slice %iterArg_0, %7, %8 : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>\n"
    "    stablehlo.return %8, %9 : tensor<i32>, tensor<5xi32>\n"
    "  }\n"
    "  return %0#1 : tensor<5xi32>\n"
    "}\n";

TEST(refuse_token_through_sort) {
    refuse(sort_feedback, VT_EUNSUPPORTED, "comes from stablehlo.sort at @main/2/1/6");
}

static bool same_type(const vt_type *a, const vt_type *b) {
    if (a->kind != b->kind || a->dtype != b->dtype || a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

static bool same_dims_attr(const vt_op *a, const vt_op *b) {
    int64_t x[VT_MAX_RANK], y[VT_MAX_RANK];
    size_t nx = 0, ny = 0;
    return vt_attr_as_i64_array(vt_op_attr(a, "broadcast_dimensions"), x, VT_MAX_RANK, &nx) &&
           vt_attr_as_i64_array(vt_op_attr(b, "broadcast_dimensions"), y, VT_MAX_RANK, &ny) && nx == ny &&
           memcmp(x, y, nx * sizeof *x) == 0;
}

/* The layer function is inlined once per layer, but what each copy computes from constants alone
 * (the constants themselves, their broadcasts) and the step masks widened to a cache's shape are
 * built once: no two constants come from the same source op, no two broadcasts repeat one. */
TEST(shared_per_layer_ops) {
    vt_model_config c;
    vt_error err;
    vt_module *dec = NULL, *tf = NULL;
    CHECK_EQ_INT(vt_model_preset("small", &c, &err), VT_OK);
    CHECK(c.layers >= 2);
    CHECK_EQ_INT(vt_model_emit_decode(&c, 3, 3, &dec, &err), VT_OK);
    CHECK_EQ_INT(dec ? vt_xf_ar_to_tf(dec, NULL, &tf, NULL, &err) : VT_EINTERNAL, VT_OK);
    const vt_func *f = NULL;
    if (!tf || vt_module_entry(tf, NULL, &f, &err)) goto done;
    const vt_block *b = f->body->blocks[0];
    size_t nconst = 0, nbcast = 0, dup_const = 0, dup_bcast = 0;
    for (size_t i = 0; i < b->nops; i++) {
        const vt_op *x = b->ops[i];
        if (x->code == VT_OP_CONSTANT) nconst++;
        if (x->code == VT_OP_BROADCAST_IN_DIM) nbcast++;
        for (size_t j = 0; j < i; j++) {
            const vt_op *y = b->ops[j];
            if (x->code != y->code) continue;
            const vt_attr *ox = vt_op_attr(x, "veritor.origin"), *oy = vt_op_attr(y, "veritor.origin");
            if (x->code == VT_OP_CONSTANT && ox && oy && ox->kind == VT_ATTR_STRING && oy->kind == VT_ATTR_STRING &&
                strcmp(ox->str, oy->str) == 0)
                dup_const++;
            if (x->code == VT_OP_BROADCAST_IN_DIM && x->operands[0] == y->operands[0] &&
                same_type(x->results[0].type, y->results[0].type) && same_dims_attr(x, y))
                dup_bcast++;
        }
    }
    CHECK(nconst > 0 && nbcast > 0);
    CHECK_MSG(dup_const == 0, "%zu constants repeat a source constant", dup_const);
    CHECK_MSG(dup_bcast == 0, "%zu broadcasts repeat an earlier one", dup_bcast);
done:
    vt_module_free(dec);
    vt_module_free(tf);
}

int main(void) {
    RUN(decode_tiny_f64);
    RUN(decode_tiny_f32);
    RUN(decode_small_f32);
    RUN(shared_per_layer_ops);
    RUN(decode_sampled_tiny);
    RUN(decode_tiny_layernorm_rope_kv);
    RUN(jax_ar_generate);
    RUN(jax_mlp_fori);
    RUN(jax_sampling);
    RUN(jax_fori_scalar);
    RUN(jax_attn_cache);
    RUN(jax_ops);
    RUN(jax_window_sort);
    RUN(jax_scatter_onehot);
    RUN(jax_cond);
    RUN(minimal_loop);
    RUN(second_loop);
    RUN(refuse_patterns);
    RUN(limits);
    RUN(refuse_not_autoregressive);
    RUN(refuse_buffers_in_a_cycle);
    RUN(refuse_no_while);
    RUN(refuse_token_through_sort);
    return vt_test_finish();
}
