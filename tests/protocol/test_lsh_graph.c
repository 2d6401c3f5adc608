/* The in-graph fingerprint projection (src/protocol/lsh_graph.c) against vt_lsh_project: R is
 * bit-identical (read back through one-hot rows), fingerprints agree within f32 rounding, and bad
 * shapes are refused with exact codes. */
#include "harness.h"
#include "veritor/protocol_graph.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static vt_status run_project(int64_t T, int64_t d, uint32_t k, const float *h, vt_key key, float *out, vt_error *err) {
    vt_module *m = NULL;
    vt_status s = vt_build_lsh_project_module(T, d, k, &m, err);
    if (s) return s;
    int64_t dh[2] = {T, d}, d2 = 2;
    vt_tensor *th = vt_tensor_create(VT_F32, 2, dh, UINT64_MAX, err), *tk = vt_tensor_create(VT_U32, 1, &d2, UINT64_MAX, err);
    if (!th || !tk) {
        vt_tensor_release(th), vt_tensor_release(tk), vt_module_free(m);
        return VT_ENOMEM;
    }
    memcpy(th->data, h, th->nbytes);
    memcpy(tk->data, key.k, 8);
    vt_rvalue a[2] = {vt_rvalue_tensor(th), vt_rvalue_tensor(tk)};
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    vt_engine *e = vt_engine_create(&eo, err);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    if (!e) s = err->code;
    else {
        vt_limits lim;
        vt_limits_default(&lim);
        s = vt_execute(e, m, NULL, a, 2, &lim, &res, &nres, NULL, err);
        vt_engine_destroy(e);
    }
    if (!s) {
        memcpy(out, res[0].tensor->data, (size_t)(T * k) * sizeof(float));
        vt_rvalues_release(res, nres);
    }
    vt_rvalue_release(&a[0]), vt_rvalue_release(&a[1]);
    vt_module_free(m);
    return s;
}

/* One-hot rows h = I_d give F[t][j] = R[j][t] / sqrt(k) exactly: R read back bit for bit. */
TEST(matrix_bit_identical) {
    static const struct { int64_t d; uint32_t k; } cases[] = {{1, 1}, {31, 5}, {32, 8}, {33, 8}, {70, 64}, {129, 3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t d = cases[c].d;
        uint32_t k = cases[c].k;
        vt_key key = vt_key_lsh(vt_key_from_label("ingraph"), (uint32_t)c);
        float *h = calloc((size_t)(d * d), sizeof *h), *f = calloc((size_t)(d * k), sizeof *f);
        float *R = calloc((size_t)(k * d), sizeof *R);
        for (int64_t i = 0; i < d; i++) h[i * d + i] = 1;
        vt_error err;
        vt_status s = run_project(d, d, k, h, key, f, &err);
        CHECK_MSG(s == VT_OK, "d %lld k %u: %s", (long long)d, k, err.msg);
        vt_lsh_params p = {key, k, VT_LSH_RADEMACHER};
        vt_lsh_matrix_block(&p, 0, (size_t)d, R, (size_t)d);
        const float scale = (float)(1.0 / sqrt((double)k));
        int64_t bad = 0;
        for (int64_t t = 0; s == VT_OK && t < d; t++)
            for (uint32_t j = 0; j < k; j++) bad += f[t * k + j] != R[j * d + t] * scale;
        CHECK_MSG(bad == 0, "d %lld k %u: %lld entries of R differ", (long long)d, k, (long long)bad);
        free(h), free(f), free(R);
    }
}

/* Random hidden states: in-graph and C fingerprints agree within f32 summation rounding. */
TEST(project_matches_c) {
    static const struct { int64_t T, d; uint32_t k; } cases[] = {{5, 100, 16}, {3, 64, 64}, {7, 33, 3}, {2, 2100, 8}};
    uint64_t st = 42;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t T = cases[c].T, d = cases[c].d;
        uint32_t k = cases[c].k;
        vt_key key = vt_key_from_seed(1000 + c);
        float *h = malloc((size_t)(T * d) * sizeof *h), *fg = malloc((size_t)(T * k) * sizeof *fg);
        float *fc = malloc((size_t)(T * k) * sizeof *fc);
        vt_rand_normal_f32(key, 0, (size_t)(T * d), h);
        for (int64_t i = 0; i < T * d; i++) h[i] *= (float)(1 + (st++ % 7));
        vt_error err;
        vt_status s = run_project(T, d, k, h, key, fg, &err);
        CHECK_MSG(s == VT_OK, "T %lld d %lld k %u: %s", (long long)T, (long long)d, k, err.msg);
        vt_lsh_params p = {key, k, VT_LSH_RADEMACHER};
        CHECK(vt_lsh_project(&p, VT_F32, h, (size_t)T, (size_t)d, fc, &err) == VT_OK);
        double worst = 0;
        for (int64_t t = 0; s == VT_OK && t < T; t++) {
            double l1 = 0;
            for (int64_t i = 0; i < d; i++) l1 += fabs(h[t * d + i]);
            /* Any two summation orders of d products differ by at most ~2 d eps sum|h|. */
            double tol = 2.0 * (double)d * FLT_EPSILON * l1 / sqrt((double)k) + 1e-30;
            for (uint32_t j = 0; j < k; j++) {
                double e = fabs((double)fg[t * k + j] - (double)fc[t * k + j]) / tol;
                if (e > worst) worst = e;
            }
        }
        CHECK_MSG(worst <= 1.0, "T %lld d %lld k %u: difference %.3g of the rounding bound", (long long)T, (long long)d,
                  k, worst);
        free(h), free(fg), free(fc);
    }
}

TEST(bad_shapes) {
    vt_error err;
    vt_module *m = NULL;
    CHECK_ERR(vt_build_lsh_project_module(0, 8, 4, &m, &err), &err, VT_EINPUT, "T = 0");
    CHECK_ERR(vt_build_lsh_project_module(-3, 8, 4, &m, &err), &err, VT_EINPUT, "T = -3");
    CHECK_ERR(vt_build_lsh_project_module(2, 0, 4, &m, &err), &err, VT_EINPUT, "d = 0");
    CHECK_ERR(vt_build_lsh_project_module(2, 8, 0, &m, &err), &err, VT_EINPUT, "k = 0 out of range");
    CHECK_ERR(vt_build_lsh_project_module(2, 8, VT_LSH_MAX_K + 1, &m, &err), &err, VT_EINPUT, "k = 4097 out of range");
    CHECK_ERR(vt_build_lsh_project_module(2, ((int64_t)1 << 40) + 1, 4, &m, &err), &err, VT_ELIMIT, "exceeds the limit 2^40");
    CHECK_ERR(vt_build_lsh_project_module(2, (int64_t)1 << 37, 64, &m, &err), &err, VT_EUNSUPPORTED, "not supported");
    CHECK(m == NULL);
    vt_builder *b = vt_builder_new("x", &err);
    vt_func *f = NULL;
    CHECK_ERR(vt_build_lsh_project(b, NULL, 2, 8, 4, &f, &err), &err, VT_EINPUT, "function name");
    CHECK(f == NULL);
    vt_builder_free(b);
    /* Arguments of the wrong shape are refused by the interpreter, naming the argument. */
    CHECK(vt_build_lsh_project_module(2, 8, 4, &m, &err) == VT_OK);
    if (m) {
        int64_t dh[2] = {2, 9}, d2 = 2;
        vt_rvalue a[2] = {vt_rvalue_tensor(vt_tensor_create(VT_F32, 2, dh, UINT64_MAX, &err)),
                          vt_rvalue_tensor(vt_tensor_create(VT_U32, 1, &d2, UINT64_MAX, &err))};
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = 1;
        vt_engine *e = vt_engine_create(&eo, &err);
        vt_rvalue *res = NULL;
        size_t nres = 0;
        CHECK_ERR(vt_execute(e, m, NULL, a, 2, NULL, &res, &nres, NULL, &err), &err, VT_EINPUT, "argument 0");
        vt_engine_destroy(e);
        vt_rvalue_release(&a[0]), vt_rvalue_release(&a[1]);
        vt_module_free(m);
    }
}

int main(void) {
    RUN(bad_shapes);
    RUN(matrix_bit_identical);
    RUN(project_matches_c);
    return vt_test_finish();
}
