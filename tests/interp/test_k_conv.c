/* convolution kernel (k_dot.h): the spec's example, then strides, padding (negative too),
 * dilations, window reversal, feature and batch groups, layouts, 1-D/3-D, integer and narrow
 * types, all against a direct implementation of the spec's formula; determinism across thread
 * counts; fuel; bad attributes. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include "interp/k_dot.h"

static vt_kctx kc1 = {1, UINT64_MAX, 0};

static vt_tensor *mk(vt_dtype t, int rank, const int64_t *dims, const void *data) {
    vt_error e;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &e);
    if (x && data && x->nbytes) memcpy(x->data, data, x->nbytes);
    return x;
}

/* p with layout "b, spatial..., f" x "spatial..., i, o" -> "b, spatial..., f" (NHWC / HWIO). */
static vt_conv_params nhwc(int ns) {
    vt_conv_params p;
    vt_conv_params_init(&p, ns);
    p.input_batch_dim = 0, p.input_feature_dim = ns + 1;
    p.kernel_input_feature_dim = ns, p.kernel_output_feature_dim = ns + 1;
    p.output_batch_dim = 0, p.output_feature_dim = ns + 1;
    for (int i = 0; i < ns; i++) p.input_spatial_dims[i] = p.output_spatial_dims[i] = i + 1, p.kernel_spatial_dims[i] = i;
    return p;
}

static vt_tensor *result_for(const vt_tensor *l, const vt_tensor *r, const vt_conv_params *p, vt_dtype t) {
    vt_error e;
    int64_t dims[VT_MAX_RANK];
    if (vt_k_convolution_shape(l, r, p, dims, &e)) return NULL;
    return mk(t, l->rank, dims, NULL);
}

static void strides_of(const vt_tensor *t, int64_t *st) {
    int64_t s = 1;
    for (int i = t->rank - 1; i >= 0; i--) st[i] = s, s *= t->dims[i];
}

/* The spec's definition, one output element at a time, in f64. */
static void reference(const vt_tensor *l, const double *lv, const vt_tensor *r, const double *rv, const vt_conv_params *p,
                      const vt_tensor *res, double *out) {
    int ns = p->nspatial;
    int64_t ls[VT_MAX_RANK], rs[VT_MAX_RANK], os[VT_MAX_RANK];
    strides_of(l, ls), strides_of(r, rs), strides_of(res, os);
    int64_t G = p->feature_group_count, BG = p->batch_group_count, ng = G * BG;
    int64_t O = r->dims[p->kernel_output_feature_dim], I = r->dims[p->kernel_input_feature_dim], Og = O / ng;
    int64_t Nout = res->dims[p->output_batch_dim];
    for (size_t o = 0; o < res->nelem; o++) {
        int64_t idx[VT_MAX_RANK];
        size_t rem = o;
        for (int d = res->rank - 1; d >= 0; d--) idx[d] = (int64_t)(rem % (size_t)res->dims[d]), rem /= (size_t)res->dims[d];
        int64_t n = idx[p->output_batch_dim], f = idx[p->output_feature_dim], g = f / Og;
        int64_t nl = BG > 1 ? g * Nout + n : n, foff = G > 1 ? g * I : 0;
        int64_t nks = 1;
        for (int i = 0; i < ns; i++) nks *= r->dims[p->kernel_spatial_dims[i]];
        double acc = 0;
        for (int64_t kk = 0; kk < nks; kk++) {
            int64_t k[VT_MAX_RANK], q = kk;
            for (int i = ns - 1; i >= 0; i--) k[i] = q % r->dims[p->kernel_spatial_dims[i]], q /= r->dims[p->kernel_spatial_dims[i]];
            int64_t loff = nl * ls[p->input_batch_dim], roff = f * rs[p->kernel_output_feature_dim];
            bool valid = true;
            for (int i = 0; i < ns && valid; i++) {
                int64_t KS = r->dims[p->kernel_spatial_dims[i]], kd = p->window_reversal[i] ? KS - 1 - k[i] : k[i];
                int64_t u = idx[p->output_spatial_dims[i]] * p->window_strides[i] + kd * p->rhs_dilation[i] - p->padding[i][0];
                valid = u >= 0 && u % p->lhs_dilation[i] == 0 && u / p->lhs_dilation[i] < l->dims[p->input_spatial_dims[i]];
                loff += (valid ? u / p->lhs_dilation[i] : 0) * ls[p->input_spatial_dims[i]];
                roff += k[i] * rs[p->kernel_spatial_dims[i]];
            }
            if (!valid) continue;
            for (int64_t ci = 0; ci < I; ci++)
                acc += lv[loff + (foff + ci) * ls[p->input_feature_dim]] * rv[roff + ci * rs[p->kernel_input_feature_dim]];
        }
        out[o] = acc;
    }
}

static double *vals(const vt_tensor *t) {
    double *d = malloc(sizeof(double) * (t->nelem + 1));
    for (size_t i = 0; i < t->nelem; i++) d[i] = t->dtype == VT_F32 ? ((float *)t->data)[i] : ((double *)t->data)[i];
    return d;
}

static void fill(vt_tensor *t, unsigned seed, bool ints) {
    for (size_t i = 0; i < t->nelem; i++) {
        double v = ints ? (double)((int)((i * 2654435761u + seed * 977u) >> 11) % 5 - 2) : sin((double)(i + seed) * 0.37);
        if (t->dtype == VT_F32) ((float *)t->data)[i] = (float)v;
        else ((double *)t->data)[i] = v;
    }
}

/* Runs a configuration on integer-valued f32 data and compares with the reference exactly. */
static void check_conv(int rank, const int64_t *ld, const int64_t *rd, const vt_conv_params *p, int threads) {
    vt_error e;
    vt_tensor *l = mk(VT_F32, rank, ld, NULL), *r = mk(VT_F32, rank, rd, NULL);
    fill(l, 1, true), fill(r, 2, true);
    vt_tensor *res = result_for(l, r, p, VT_F32);
    CHECK(res != NULL);
    if (!res) {
        vt_tensor_release(l), vt_tensor_release(r);
        return;
    }
    vt_kctx kc = {threads, UINT64_MAX, 0};
    CHECK_EQ_INT(vt_k_convolution(&kc, l, r, p, res, &e), VT_OK);
    double *lv = vals(l), *rv = vals(r), *got = vals(res), *want = malloc(sizeof(double) * (res->nelem + 1));
    reference(l, lv, r, rv, p, res, want);
    size_t bad = 0;
    for (size_t i = 0; i < res->nelem; i++) bad += got[i] != want[i];
    CHECK_MSG(bad == 0, "%zu of %zu outputs differ", bad, res->nelem);
    free(lv), free(rv), free(got), free(want);
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(res);
}

TEST(spec_example) {
    vt_error e;
    int64_t lv[16] = {1, 2, 5, 6, 3, 4, 7, 8, 10, 11, 14, 15, 12, 13, 16, 17}, rv[9];
    for (int i = 0; i < 9; i++) rv[i] = 1;
    vt_tensor *l = mk(VT_I64, 4, (int64_t[]){1, 4, 4, 1}, lv), *r = mk(VT_I64, 4, (int64_t[]){3, 3, 1, 1}, rv);
    vt_conv_params p = nhwc(2);
    p.window_strides[0] = p.window_strides[1] = 4;
    p.lhs_dilation[0] = p.lhs_dilation[1] = 2;
    vt_tensor *res = result_for(l, r, &p, VT_I64);
    CHECK(res && res->dims[1] == 2 && res->dims[2] == 2);
    CHECK_EQ_INT(vt_k_convolution(&kc1, l, r, &p, res, &e), VT_OK);
    CHECK(memcmp(res->data, (int64_t[]){10, 26, 46, 62}, 32) == 0);
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(res);
}

TEST(configurations) {
    /* NHWC, 3x3 same padding */
    vt_conv_params p = nhwc(2);
    p.padding[0][0] = p.padding[0][1] = p.padding[1][0] = p.padding[1][1] = 1;
    check_conv(4, (int64_t[]){2, 6, 5, 3}, (int64_t[]){3, 3, 3, 4}, &p, 1);
    /* strides, rhs dilation, negative padding, reversal in one dimension */
    vt_conv_params q = nhwc(2);
    q.window_strides[0] = 2, q.rhs_dilation[1] = 2, q.padding[0][0] = -1, q.padding[1][1] = 2, q.window_reversal[1] = true;
    check_conv(4, (int64_t[]){1, 9, 8, 2}, (int64_t[]){2, 3, 2, 3}, &q, 2);
    /* lhs dilation (transposed convolution) with padding */
    vt_conv_params t = nhwc(1);
    t.lhs_dilation[0] = 3, t.padding[0][0] = 2, t.padding[0][1] = 2;
    check_conv(3, (int64_t[]){2, 5, 3}, (int64_t[]){3, 3, 2}, &t, 1);
    /* NCHW x OIHW -> NCHW */
    vt_conv_params c;
    vt_conv_params_init(&c, 2);
    c.input_batch_dim = 0, c.input_feature_dim = 1, c.input_spatial_dims[0] = 2, c.input_spatial_dims[1] = 3;
    c.kernel_output_feature_dim = 0, c.kernel_input_feature_dim = 1, c.kernel_spatial_dims[0] = 2, c.kernel_spatial_dims[1] = 3;
    c.output_batch_dim = 0, c.output_feature_dim = 1, c.output_spatial_dims[0] = 2, c.output_spatial_dims[1] = 3;
    c.padding[1][0] = 1;
    check_conv(4, (int64_t[]){2, 3, 6, 7}, (int64_t[]){4, 3, 2, 3}, &c, 8);
    /* feature groups: 6 input features in 3 groups, 6 outputs (2 per group) */
    vt_conv_params fg = nhwc(2);
    fg.feature_group_count = 3;
    check_conv(4, (int64_t[]){2, 5, 5, 6}, (int64_t[]){2, 2, 2, 6}, &fg, 2);
    /* depthwise: groups = features */
    vt_conv_params dw = nhwc(1);
    dw.feature_group_count = 4;
    check_conv(3, (int64_t[]){1, 10, 4}, (int64_t[]){3, 1, 4}, &dw, 1);
    /* batch groups (weight gradients): batch 4 in 2 groups, 6 outputs */
    vt_conv_params bg = nhwc(2);
    bg.batch_group_count = 2;
    check_conv(4, (int64_t[]){4, 4, 4, 3}, (int64_t[]){2, 2, 3, 6}, &bg, 2);
    /* 3-D, odd layout: input [f, b, d, h, w], output [d, h, w, f, b] */
    vt_conv_params v;
    vt_conv_params_init(&v, 3);
    v.input_feature_dim = 0, v.input_batch_dim = 1;
    for (int i = 0; i < 3; i++) v.input_spatial_dims[i] = 2 + i;
    v.kernel_spatial_dims[0] = 0, v.kernel_spatial_dims[1] = 1, v.kernel_spatial_dims[2] = 2;
    v.kernel_input_feature_dim = 3, v.kernel_output_feature_dim = 4;
    for (int i = 0; i < 3; i++) v.output_spatial_dims[i] = i;
    v.output_feature_dim = 3, v.output_batch_dim = 4;
    v.padding[2][1] = 1, v.window_strides[1] = 2;
    check_conv(5, (int64_t[]){2, 2, 4, 5, 3}, (int64_t[]){2, 2, 2, 2, 3}, &v, 2);
    /* a 1x1 kernel over many positions (several position blocks per task list) */
    vt_conv_params one = nhwc(2);
    check_conv(4, (int64_t[]){1, 70, 80, 130}, (int64_t[]){1, 1, 130, 3}, &one, 2);
    /* empty output (window larger than input) and empty input features */
    vt_error e;
    vt_tensor *l = mk(VT_F32, 3, (int64_t[]){1, 2, 1}, NULL), *r = mk(VT_F32, 3, (int64_t[]){3, 1, 1}, NULL);
    vt_conv_params s1 = nhwc(1);
    vt_tensor *res = result_for(l, r, &s1, VT_F32);
    CHECK(res && res->dims[1] == 0);
    CHECK_EQ_INT(vt_k_convolution(&kc1, l, r, &s1, res, &e), VT_OK);
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(res);
}

TEST(types) {
    vt_error e;
    /* i8 wraps: 100*2 + 100*1 = 300 -> 44 */
    vt_tensor *l = mk(VT_I8, 3, (int64_t[]){1, 2, 1}, (int8_t[]){100, 100}), *r = mk(VT_I8, 3, (int64_t[]){2, 1, 1}, (int8_t[]){2, 1});
    vt_conv_params p = nhwc(1);
    vt_tensor *res = result_for(l, r, &p, VT_I8);
    CHECK_EQ_INT(vt_k_convolution(&kc1, l, r, &p, res, &e), VT_OK);
    CHECK_EQ_INT(((int8_t *)res->data)[0], 44);
    vt_tensor *r32 = result_for(l, r, &p, VT_I32);
    CHECK_EQ_INT(vt_k_convolution(&kc1, l, r, &p, r32, &e), VT_OK);
    CHECK_EQ_INT(((int32_t *)r32->data)[0], 300);
    /* bf16 x bf16 -> f32: (1 + 2^-7)^2 exact in f32 */
    uint16_t b = 0x3f81;
    vt_tensor *bl = mk(VT_BF16, 3, (int64_t[]){1, 1, 1}, &b), *br = mk(VT_BF16, 3, (int64_t[]){1, 1, 1}, &b);
    vt_tensor *bres = result_for(bl, br, &p, VT_F32);
    CHECK_EQ_INT(vt_k_convolution(&kc1, bl, br, &p, bres, &e), VT_OK);
    CHECK(((float *)bres->data)[0] == 1.0f + 0x1p-6f + 0x1p-14f);
    /* f64 and complex */
    vt_tensor *dl = mk(VT_F64, 3, (int64_t[]){1, 2, 1}, (double[]){0.1, 0.2}), *dr = mk(VT_F64, 3, (int64_t[]){1, 1, 1}, (double[]){3});
    vt_tensor *dres = result_for(dl, dr, &p, VT_F64);
    CHECK_EQ_INT(vt_k_convolution(&kc1, dl, dr, &p, dres, &e), VT_OK);
    CHECK(((double *)dres->data)[1] == 0.2 * 3);
    vt_tensor *cl = mk(VT_C64, 3, (int64_t[]){1, 1, 1}, (float[]){1, 2}), *cr = mk(VT_C64, 3, (int64_t[]){1, 1, 1}, (float[]){3, 4});
    vt_tensor *cres = result_for(cl, cr, &p, VT_C64);
    CHECK_EQ_INT(vt_k_convolution(&kc1, cl, cr, &p, cres, &e), VT_OK);
    CHECK(memcmp(cres->data, (float[]){-5, 10}, 8) == 0);
    CHECK_ERR(vt_k_convolution(&kc1, l, dr, &p, res, &e), &e, VT_EINPUT, "mix integer");
    vt_tensor *list[] = {l, r, res, r32, bl, br, bres, dl, dr, dres, cl, cr, cres};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(determinism) {
    vt_error e;
    vt_tensor *l = mk(VT_F32, 4, (int64_t[]){3, 48, 48, 32}, NULL), *r = mk(VT_F32, 4, (int64_t[]){3, 3, 32, 32}, NULL);
    fill(l, 5, false), fill(r, 6, false);
    vt_conv_params p = nhwc(2);
    p.padding[0][0] = p.padding[0][1] = p.padding[1][0] = p.padding[1][1] = 1;
    vt_tensor *out[3];
    int th[3] = {1, 2, 8};
    for (int k = 0; k < 3; k++) {
        out[k] = result_for(l, r, &p, VT_F32);
        vt_kctx kc = {th[k], UINT64_MAX, 0};
        CHECK_EQ_INT(vt_k_convolution(&kc, l, r, &p, out[k], &e), VT_OK);
    }
    CHECK(memcmp(out[0]->data, out[1]->data, out[0]->nbytes) == 0);
    CHECK(memcmp(out[0]->data, out[2]->data, out[0]->nbytes) == 0);
    for (int k = 0; k < 3; k++) vt_tensor_release(out[k]);
    vt_tensor_release(l), vt_tensor_release(r);
}

TEST(errors_and_fuel) {
    vt_error e;
    vt_tensor *l = mk(VT_F32, 4, (int64_t[]){2, 5, 5, 6}, NULL), *r = mk(VT_F32, 4, (int64_t[]){3, 3, 6, 4}, NULL);
    vt_tensor *res = mk(VT_F32, 4, (int64_t[]){2, 3, 3, 4}, NULL);
    vt_conv_params p = nhwc(2);
    CHECK_EQ_INT(vt_k_convolution(&kc1, l, r, &p, res, &e), VT_OK);
    vt_kctx small = {1, 1000, 0};
    CHECK_ERR(vt_k_convolution(&small, l, r, &p, res, &e), &e, VT_ELIMIT, "fuel");
    vt_conv_params q = p;
    q.feature_group_count = 4;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "feature_group_count");
    q = p, q.feature_group_count = 2, q.batch_group_count = 2;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "not both");
    q = p, q.batch_group_count = 3;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "divide");
    q = p, q.window_strides[1] = 0;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "must be positive");
    q = p, q.input_spatial_dims[1] = 0;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "input dimension 0");
    q = p, q.kernel_output_feature_dim = 9;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "kernel dimension 9");
    q = p, q.nspatial = 1;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "spatial dimensions disagree");
    q = p, q.padding[0][1] = INT64_MAX;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "overflow");
    /* hostile: padding that cancels out to a valid size but would overflow window coordinates */
    q = p, q.padding[0][0] = INT64_MIN + 10, q.padding[0][1] = INT64_MAX - 10;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "overflow");
    q = p, q.lhs_dilation[0] = (int64_t)1 << 62;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "overflow");
    q = p, q.padding[0][0] = 1;
    CHECK_ERR(vt_k_convolution(&kc1, l, r, &q, res, &e), &e, VT_EINPUT, "does not have the shape");
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(res);
}

int main(void) {
    RUN(spec_example);
    RUN(configurations);
    RUN(types);
    RUN(determinism);
    RUN(errors_and_fuel);
    return vt_test_finish();
}
