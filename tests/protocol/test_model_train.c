/* train_step: the explicit backward pass against central finite differences on tiny in f64
 * (RMSNorm + learned positions: 50 random directions, 200 coordinates; LayerNorm and RoPE
 * variants fewer; relative error <= 1e-3); the in-graph gradient fingerprint equals
 * vt_model_grad_fingerprint; the loss falls over 50 AdamW and SGD steps on a fixed batch;
 * malformed arguments are rejected. */
#include "harness.h"
#include "veritor/workload.h"

#include <math.h>
#include <stdlib.h>

#define B 2
#define T 6

typedef struct ctx {
    vt_model_config c;
    vt_engine *e;
    vt_module *m;   /* the graph of the test: SGD without the fingerprint (finite differences), or opt with it */
    vt_module *mfp; /* SGD with the gradient fingerprint (finite-difference test only) */
    size_t np;
    vt_tensor **p;   /* current parameters */
    vt_tensor *tok, *tgt, *gkey;
} ctx;

#define GRAD_ROOT 5
#define GRAD_STEP 3

static vt_tensor *scalar(vt_dtype dt, double v) {
    vt_tensor *t = vt_tensor_create(dt, 0, NULL, 0, NULL);
    vt_store_f64(dt, t->data, v);
    return t;
}

/* Runs the SGD graph with lr = 0: loss, and gradients (and the in-graph gradient fingerprint)
 * when grads != NULL. */
static bool eval(ctx *x, vt_tensor **params, double *loss, vt_tensor **grads, float *gfp) {
    size_t n = x->np + 3 + (gfp != NULL);
    vt_rvalue *args = calloc(n, sizeof *args);
    for (size_t i = 0; i < x->np; i++) args[i] = vt_rvalue_tensor(vt_tensor_retain(params[i]));
    args[x->np] = vt_rvalue_tensor(vt_tensor_retain(x->tok));
    args[x->np + 1] = vt_rvalue_tensor(vt_tensor_retain(x->tgt));
    args[x->np + 2] = vt_rvalue_tensor(scalar(x->c.compute, 0));
    if (gfp) args[x->np + 3] = vt_rvalue_tensor(vt_tensor_retain(x->gkey));
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    vt_limits lim;
    vt_limits_default(&lim);
    vt_status s = vt_execute(x->e, gfp ? x->mfp : x->m, NULL, args, n, &lim, &res, &nres, NULL, &err);
    CHECK_MSG(s == VT_OK, "train_step: %s", err.msg);
    if (!s) {
        *loss = vt_load_f64(res[x->np].tensor->dtype, res[x->np].tensor->data);
        for (size_t i = 0; grads && i < x->np; i++) grads[i] = vt_tensor_retain(res[x->np + 1 + i].tensor);
        if (gfp) memcpy(gfp, res[2 * x->np + 1].tensor->data, x->c.fp_k * sizeof *gfp);
    }
    vt_rvalues_release(res, nres);
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&args[i]);
    free(args);
    return s == VT_OK;
}

static bool setup(ctx *x, vt_dtype dt, vt_model_optimizer opt, vt_model_norm norm, vt_model_pos pos, bool fd) {
    vt_error err;
    memset(x, 0, sizeof *x);
    vt_model_preset("tiny", &x->c, &err);
    x->c.compute = dt;
    x->c.weights = dt;
    x->c.norm = norm;
    x->c.pos = pos;
    vt_tensor_set *w = NULL;
    if (vt_model_init_weights(&x->c, 11, &w, &err)) return false;
    x->np = vt_model_num_params(&x->c);
    x->p = calloc(x->np, sizeof *x->p);
    vt_rvalue *a = calloc(x->np, sizeof *a);
    vt_status s = vt_model_param_args(&x->c, w, a, &err);
    for (size_t i = 0; !s && i < x->np; i++) x->p[i] = vt_tensor_retain(a[i].tensor), vt_rvalue_release(&a[i]);
    free(a);
    vt_tensor_set_free(w);
    /* Gains and biases away from ones / zeros so that their gradients and uses are exercised. */
    for (size_t i = 0; !s && (norm != VT_NORM_RMS || pos != VT_POS_LEARNED) && i < x->np; i++)
        for (size_t j = 0; x->p[i]->rank == 1 && j < x->p[i]->nelem; j++) {
            char *e = (char *)x->p[i]->data + j * vt_dtype_size(dt);
            vt_store_f64(dt, e, vt_load_f64(dt, e) + 0.3 * sin(1.3 * (double)(i * 97 + j)));
        }
    int64_t two = 2;
    x->gkey = vt_tensor_create(VT_U32, 1, &two, 0, &err);
    vt_key gk = vt_key_grad(vt_key_from_seed(GRAD_ROOT), GRAD_STEP);
    ((uint32_t *)x->gkey->data)[0] = gk.k[0];
    ((uint32_t *)x->gkey->data)[1] = gk.k[1];
    int64_t td[2] = {B, T};
    x->tok = vt_tensor_create(VT_I32, 2, td, 0, &err);
    x->tgt = vt_tensor_create(VT_I32, 2, td, 0, &err);
    /* targets are the next tokens of one stream; a fixed, repeating batch */
    for (int i = 0; i < B * T; i++) {
        ((int32_t *)x->tok->data)[i] = (int32_t)((i * 7 + 3) % 29);
        ((int32_t *)x->tgt->data)[i] = (int32_t)(((i + 1) * 7 + 3) % 29);
    }
    x->e = vt_engine_create(NULL, &err);
    /* The in-graph gradient fingerprint costs far more than the step itself under the sanitizers
     * (the Rademacher bits are generated per element): only the finite-difference test's one
     * evaluation of the gradient uses it. */
    vt_model_train_opts to = {.opt = opt, .grad_fingerprint = false};
    s = s ? s : vt_model_emit_train_step_opts(&x->c, B, T, &to, &x->m, &err);
    if (!s && fd) s = vt_model_emit_train_step(&x->c, B, T, VT_OPT_SGD, &x->mfp, &err);
    CHECK_MSG(s == VT_OK, "emit: %s", err.msg);
    return s == VT_OK;
}

static void teardown(ctx *x) {
    for (size_t i = 0; i < x->np && x->p; i++) vt_tensor_release(x->p[i]);
    free(x->p);
    vt_tensor_release(x->tok);
    vt_tensor_release(x->tgt);
    vt_tensor_release(x->gkey);
    vt_module_free(x->m);
    vt_module_free(x->mfp);
    vt_engine_destroy(x->e);
}

/* params + h * dir (dir given per parameter, NULL = 0). */
static void perturbed(ctx *x, double **dir, double h, vt_tensor **out) {
    for (size_t i = 0; i < x->np; i++) {
        out[i] = vt_tensor_clone(x->p[i], NULL);
        double *d = out[i]->data;
        for (size_t j = 0; dir[i] && j < out[i]->nelem; j++) d[j] += h * dir[i][j];
    }
}

static double fd(ctx *x, double **dir, double h) {
    vt_tensor **a = calloc(x->np, sizeof *a), **b = calloc(x->np, sizeof *b);
    perturbed(x, dir, h, a);
    perturbed(x, dir, -h, b);
    double la = 0, lb = 0;
    eval(x, a, &la, NULL, NULL);
    eval(x, b, &lb, NULL, NULL);
    for (size_t i = 0; i < x->np; i++) vt_tensor_release(a[i]), vt_tensor_release(b[i]);
    free(a), free(b);
    return (la - lb) / (2 * h);
}

static double rel_err(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-7); }

static void check_gradients(vt_model_norm norm, vt_model_pos pos, int ndir, int ncoord) {
    ctx x;
    if (!setup(&x, VT_F64, VT_OPT_SGD, norm, pos, true)) return teardown(&x);
    double loss;
    vt_tensor **g = calloc(x.np, sizeof *g);
    float gfp[64];
    CHECK(eval(&x, x.p, &loss, g, gfp));
    CHECK(loss > 1 && loss < 20);
    double **dir = calloc(x.np, sizeof *dir);
    size_t total = 0;
    for (size_t i = 0; i < x.np; i++) total += x.p[i]->nelem;
    const double h = 1e-5;
    double worst_dir = 0, worst_coord = 0;
    float nrm[4096];
    vt_key k = vt_key_from_seed(2024);
    for (int r = 0; r < ndir && g[0]; r++) {
        double dot = 0;
        for (size_t i = 0; i < x.np; i++) {
            size_t n = x.p[i]->nelem;
            dir[i] = realloc(dir[i], n * sizeof **dir);
            for (size_t j0 = 0; j0 < n; j0 += 4096) {
                size_t m = n - j0 < 4096 ? n - j0 : 4096;
                vt_rand_normal_f32(vt_rand_fold_in(vt_rand_fold_in(k, (uint32_t)r), (uint32_t)i), j0, m, nrm);
                for (size_t j = 0; j < m; j++) dir[i][j0 + j] = nrm[j] / sqrt((double)total);
            }
            for (size_t j = 0; j < n; j++) dot += dir[i][j] * ((double *)g[i]->data)[j];
        }
        worst_dir = fmax(worst_dir, rel_err(fd(&x, dir, h), dot));
    }
    for (size_t i = 0; i < x.np; i++) free(dir[i]), dir[i] = NULL;
    uint32_t bits[400];
    vt_rand_bits32(vt_key_from_seed(77), 0, 400, bits);
    for (int r = 0; r < ncoord && g[0]; r++) {
        size_t i = bits[2 * r] % x.np, j = bits[2 * r + 1] % x.p[i]->nelem;
        dir[i] = calloc(x.p[i]->nelem, sizeof **dir);
        dir[i][j] = 1;
        worst_coord = fmax(worst_coord, rel_err(fd(&x, dir, h), ((double *)g[i]->data)[j]));
        free(dir[i]);
        dir[i] = NULL;
    }
    printf("finite differences (norm %d, positions %d): worst relative error %.3g (%d directions), %.3g (%d "
           "coordinates)\n", (int)norm, (int)pos, worst_dir, ndir, worst_coord, ncoord);
    CHECK_MSG(worst_dir <= 1e-3, "directional derivative relative error %g > 1e-3", worst_dir);
    CHECK_MSG(worst_coord <= 1e-3, "coordinate gradient relative error %g > 1e-3", worst_coord);
    /* Gradient fingerprint == batch projection of the flattened gradient; bad shapes rejected. */
    if (g[0]) {
        float fp[64], want[64];
        vt_error err;
        CHECK_EQ_INT(vt_model_grad_fingerprint(&x.c, vt_key_from_seed(GRAD_ROOT), GRAD_STEP, (const vt_tensor *const *)g,
                                               fp, &err), VT_OK);
        float *flat = malloc(total * sizeof *flat);
        size_t o = 0;
        for (size_t i = 0; i < x.np; i++) {
            vt_convert(VT_F64, g[i]->data, VT_F32, flat + o, g[i]->nelem);
            o += g[i]->nelem;
        }
        vt_lsh_params lp = {.key = vt_key_grad(vt_key_from_seed(GRAD_ROOT), GRAD_STEP), .k = 64, .dist = VT_LSH_RADEMACHER};
        CHECK_EQ_INT(vt_lsh_project(&lp, VT_F32, flat, 1, total, want, &err), VT_OK);
        double md = 0, mx = 0, mg = 0;
        for (int j = 0; j < 64; j++) md = fmax(md, fabs(fp[j] - want[j])), mx = fmax(mx, fabs(want[j]));
        CHECK_MSG(mx > 0 && md <= 1e-4 * mx, "gradient fingerprint differs by %g (scale %g)", md, mx);
        /* train_step's in-graph fingerprint: the same projection, relative error <= 1e-4 */
        for (int j = 0; j < 64; j++) mg = fmax(mg, fabs(gfp[j] - fp[j]));
        CHECK_MSG(mg <= 1e-4 * mx, "in-graph gradient fingerprint differs by %g (scale %g)", mg, mx);
        free(flat);
    }
    if (g[0] && norm == VT_NORM_RMS && pos == VT_POS_LEARNED) { /* hostile gradient lists */
        float fp[64];
        vt_error err;
        vt_tensor *keep = g[3];
        g[3] = g[2]; /* wrong shape in slot 3 */
        CHECK_ERR(vt_model_grad_fingerprint(&x.c, vt_key_from_seed(5), 3, (const vt_tensor *const *)g, fp, &err), &err,
                  VT_EINPUT, "gradient 3 ('layers.0.wq'): shape");
        g[3] = NULL;
        CHECK_ERR(vt_model_grad_fingerprint(&x.c, vt_key_from_seed(5), 3, (const vt_tensor *const *)g, fp, &err), &err,
                  VT_EINPUT, "gradient 3");
        g[3] = keep;
        int64_t d1 = 64;
        vt_tensor *bad = vt_tensor_create(VT_I32, 1, &d1, 0, &err);
        vt_tensor *k2 = g[2];
        g[2] = bad;
        CHECK_ERR(vt_model_grad_fingerprint(&x.c, vt_key_from_seed(5), 3, (const vt_tensor *const *)g, fp, &err), &err,
                  VT_EUNSUPPORTED, "layers.0.attn_norm");
        g[2] = k2;
        vt_tensor_release(bad);
    }
    for (size_t i = 0; i < x.np; i++) vt_tensor_release(g[i]);
    free(g);
    free(dir);
    teardown(&x);
}

TEST(gradients_vs_finite_differences) { check_gradients(VT_NORM_RMS, VT_POS_LEARNED, 50, 200); }
TEST(gradients_layernorm) { check_gradients(VT_NORM_LAYER, VT_POS_LEARNED, 8, 30); }
TEST(gradients_rope) { check_gradients(VT_NORM_RMS, VT_POS_ROPE, 8, 30); }
TEST(gradients_layernorm_rope) { check_gradients(VT_NORM_LAYER, VT_POS_ROPE, 12, 40); }

/* 50 steps on the fixed batch; the new parameters (and AdamW state) feed the next step. */
static void loss_falls(vt_model_optimizer opt, double lr, vt_model_norm norm, vt_model_pos pos) {
    ctx x;
    if (!setup(&x, VT_F32, opt, norm, pos, false)) return teardown(&x);
    size_t np = x.np, nst = opt == VT_OPT_ADAMW ? 2 * np : 0;
    vt_tensor **st = calloc(nst + 1, sizeof *st);
    for (size_t i = 0; i < nst; i++) st[i] = vt_tensor_create(VT_F32, x.p[i % np]->rank, x.p[i % np]->dims, 0, NULL);
    double first = 0, last = 0;
    for (int step = 1; step <= 50; step++) {
        size_t n = np + nst + (nst ? 1 : 0) + 3, k = 0;
        vt_rvalue *args = calloc(n, sizeof *args);
        for (size_t i = 0; i < np; i++) args[k++] = vt_rvalue_tensor(vt_tensor_retain(x.p[i]));
        for (size_t i = 0; i < nst; i++) args[k++] = vt_rvalue_tensor(vt_tensor_retain(st[i]));
        if (nst) args[k++] = vt_rvalue_tensor(scalar(VT_F32, step));
        args[k++] = vt_rvalue_tensor(vt_tensor_retain(x.tok));
        args[k++] = vt_rvalue_tensor(vt_tensor_retain(x.tgt));
        args[k++] = vt_rvalue_tensor(scalar(VT_F32, lr));
        vt_rvalue *res = NULL;
        size_t nres = 0;
        vt_error err;
        vt_limits lim;
        vt_limits_default(&lim);
        vt_status s = vt_execute(x.e, x.m, NULL, args, n, &lim, &res, &nres, NULL, &err);
        CHECK_MSG(s == VT_OK, "step %d: %s", step, err.msg);
        if (!s) {
            CHECK_EQ_INT(nres, np + nst + 1 + np);
            for (size_t i = 0; i < np; i++) vt_tensor_release(x.p[i]), x.p[i] = vt_tensor_retain(res[i].tensor);
            for (size_t i = 0; i < nst; i++) vt_tensor_release(st[i]), st[i] = vt_tensor_retain(res[np + i].tensor);
            last = vt_load_f64(VT_F32, res[np + nst].tensor->data);
            if (step == 1) first = last;
        }
        vt_rvalues_release(res, nres);
        for (size_t i = 0; i < n; i++) vt_rvalue_release(&args[i]);
        free(args);
        if (s) break;
    }
    printf("optimizer %d (norm %d, positions %d): loss %.4f -> %.4f over 50 steps\n", (int)opt, (int)norm, (int)pos,
           first, last);
    CHECK_MSG(isfinite(last) && last < 0.5 * first, "loss %g -> %g over 50 steps (optimizer %d)", first, last, (int)opt);
    for (size_t i = 0; i < nst; i++) vt_tensor_release(st[i]);
    free(st);
    teardown(&x);
}

TEST(loss_falls_adamw) { loss_falls(VT_OPT_ADAMW, 1e-2, VT_NORM_RMS, VT_POS_LEARNED); }
TEST(loss_falls_sgd) { loss_falls(VT_OPT_SGD, 0.5, VT_NORM_RMS, VT_POS_LEARNED); }
TEST(loss_falls_layernorm_rope) { loss_falls(VT_OPT_ADAMW, 1e-2, VT_NORM_LAYER, VT_POS_ROPE); }

TEST(bad_train_args) {
    vt_model_config c;
    vt_error err;
    vt_module *m = NULL;
    vt_model_preset("tiny", &c, &err);
    CHECK_ERR(vt_model_emit_train_step(&c, 0, 4, VT_OPT_SGD, &m, &err), &err, VT_EINPUT, "train_step: batch 0");
    CHECK_ERR(vt_model_emit_train_step(&c, 1, 1000, VT_OPT_SGD, &m, &err), &err, VT_EINPUT, "max_seq 128");
    CHECK_ERR(vt_model_emit_train_step(&c, 1, 4, (vt_model_optimizer)7, &m, &err), &err, VT_EINPUT, "unknown optimizer");
    CHECK_ERR(vt_model_emit_train_step_opts(&c, 1, 4, NULL, &m, &err), &err, VT_EINPUT, "no options");
    c.d_model = 63;
    CHECK_ERR(vt_model_emit_train_step(&c, 1, 4, VT_OPT_ADAMW, &m, &err), &err, VT_EINPUT, "does not divide");
    vt_model_preset("tiny", &c, &err);
    c.d_model = 4096, c.heads = 4, c.d_ff = 65536, c.layers = 512, c.fp_k = 1024; /* ~2^37 parameters */
    CHECK_ERR(vt_model_emit_train_step(&c, 1, 4, VT_OPT_SGD, &m, &err), &err, VT_EUNSUPPORTED,
              "not supported: in-graph gradient fingerprint");
    CHECK(m == NULL);
}

int main(void) {
    RUN(bad_train_args);
    RUN(gradients_vs_finite_differences);
    RUN(gradients_layernorm);
    RUN(gradients_rope);
    RUN(gradients_layernorm_rope);
    RUN(loss_falls_adamw);
    RUN(loss_falls_sgd);
    RUN(loss_falls_layernorm_rope);
    return vt_test_finish();
}
