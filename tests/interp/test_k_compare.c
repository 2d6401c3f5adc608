/* Tests of compare (k_compare.c), select and clamp (k_select.c): every direction per type
 * family, NaN and signed zeros, TOTALORDER, scalar broadcast, errors. */
#include "harness.h"
#include "interp/k_elementwise.h"

#include <math.h>

static vt_tensor *mk(vt_dtype t, size_t n, const void *data) {
    int64_t d = (int64_t)n;
    vt_tensor *x = vt_tensor_create(t, 1, &d, 0, NULL);
    if (x && data) memcpy(x->data, data, x->nbytes);
    return x;
}
static vt_tensor *scalar(vt_dtype t, const void *data) {
    vt_tensor *x = vt_tensor_create(t, 0, NULL, 0, NULL);
    if (x && data) memcpy(x->data, data, x->nbytes);
    return x;
}

/* compare a and b (n elements of t) in every direction; want[dir][i] */
static void cmp_all(vt_dtype t, vt_cmp_type ct, size_t n, const void *a, const void *b, const uint8_t want[6][8],
                    int line) {
    vt_tensor *x = mk(t, n, a), *y = mk(t, n, b), *o = mk(VT_I1, n, NULL);
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    for (int d = 0; d < 6; d++) {
        vt_error err = {0};
        vt_status s = vt_k_compare(&c, (vt_cmp_dir)d, ct, x, y, o, &err);
        CHECK_MSG(s == VT_OK, "line %d: %s", line, err.msg);
        for (size_t i = 0; s == VT_OK && i < n; i++)
            CHECK_MSG(((uint8_t *)o->data)[i] == want[d][i], "line %d: %s dir %d elem %zu: got %d", line,
                      vt_dtype_name(t), d, i, ((uint8_t *)o->data)[i]);
    }
    vt_tensor_release(x);
    vt_tensor_release(y);
    vt_tensor_release(o);
}

/*                       EQ            NE            GE            GT            LE            LT */
TEST(integers) {
    int32_t a[3] = {INT32_MIN, 5, -1}, b[3] = {INT32_MAX, 5, 0};
    const uint8_t w[6][8] = {{0, 1, 0}, {1, 0, 1}, {0, 1, 0}, {0, 0, 0}, {1, 1, 1}, {1, 0, 1}};
    cmp_all(VT_I32, VT_CMPT_SIGNED, 3, a, b, w, __LINE__);
    cmp_all(VT_I32, VT_CMPT_DEFAULT, 3, a, b, w, __LINE__);
    uint32_t ua[3] = {0xFFFFFFFFu, 5, 0}, ub[3] = {1, 5, 1};
    const uint8_t wu[6][8] = {{0, 1, 0}, {1, 0, 1}, {1, 1, 0}, {1, 0, 0}, {0, 1, 1}, {0, 0, 1}};
    cmp_all(VT_U32, VT_CMPT_UNSIGNED, 3, ua, ub, wu, __LINE__);
    int8_t i4a[3] = {-8, 7, -1}, i4b[3] = {7, 7, -8};
    const uint8_t w4[6][8] = {{0, 1, 0}, {1, 0, 1}, {0, 1, 1}, {0, 0, 1}, {1, 1, 0}, {1, 0, 0}};
    cmp_all(VT_I4, VT_CMPT_SIGNED, 3, i4a, i4b, w4, __LINE__);
    uint8_t u4a[3] = {15, 0, 8}, u4b[3] = {0, 0, 7};
    const uint8_t wu4[6][8] = {{0, 1, 0}, {1, 0, 1}, {1, 1, 1}, {1, 0, 1}, {0, 1, 0}, {0, 0, 0}};
    cmp_all(VT_U4, VT_CMPT_UNSIGNED, 3, u4a, u4b, wu4, __LINE__);
    int64_t la[2] = {INT64_MIN, INT64_MAX}, lb[2] = {INT64_MIN + 1, INT64_MAX};
    const uint8_t wl[6][8] = {{0, 1}, {1, 0}, {0, 1}, {0, 0}, {1, 1}, {1, 0}};
    cmp_all(VT_I64, VT_CMPT_SIGNED, 2, la, lb, wl, __LINE__);
    uint8_t ba[4] = {0, 0, 1, 1}, bb[4] = {0, 1, 0, 1};
    const uint8_t wb[6][8] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 0, 1, 1}, {0, 0, 1, 0}, {1, 1, 0, 1}, {0, 1, 0, 0}};
    cmp_all(VT_I1, VT_CMPT_UNSIGNED, 4, ba, bb, wb, __LINE__);
}

TEST(floats) {
    float a[5] = {NAN, 1.0f, -0.0f, -INFINITY, 1e-45f}, b[5] = {NAN, NAN, 0.0f, -INFINITY, 0.0f};
    const uint8_t w[6][8] = {{0, 0, 1, 1, 0}, {1, 1, 0, 0, 1}, {0, 0, 1, 1, 1}, {0, 0, 0, 0, 1}, {0, 0, 1, 1, 0},
                             {0, 0, 0, 0, 0}};
    cmp_all(VT_F32, VT_CMPT_FLOAT, 5, a, b, w, __LINE__);
    double da[5] = {NAN, 1.0, -0.0, -INFINITY, 4.9406564584124654e-324}, db[5] = {NAN, NAN, 0.0, -INFINITY, 0.0};
    cmp_all(VT_F64, VT_CMPT_FLOAT, 5, da, db, w, __LINE__);
    uint16_t ha[5] = {0x7E00, 0x3C00, 0x8000, 0xFC00, 0x0001}, hb[5] = {0x7E00, 0x7E00, 0x0000, 0xFC00, 0x0000};
    cmp_all(VT_F16, VT_CMPT_FLOAT, 5, ha, hb, w, __LINE__);
    /* FNUZ has one NaN (0x80) and no -0 */
    uint8_t fa[2] = {0x80, 0x08}, fb[2] = {0x80, 0x00};
    const uint8_t wf[6][8] = {{0, 0}, {1, 1}, {0, 1}, {0, 1}, {0, 0}, {0, 0}};
    cmp_all(VT_F8E4M3FNUZ, VT_CMPT_FLOAT, 2, fa, fb, wf, __LINE__);
}

TEST(total_order) {
    /* increasing in IEEE totalOrder */
    uint32_t v[9] = {0xFFC00000 /* -NaN */, 0xFF800000, 0xBF800000, 0x80000001, 0x80000000, 0x00000000,
                     0x00000001, 0x7F800000, 0x7FC00000};
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    for (int i = 0; i < 9; i++) {
        uint32_t a[9], b[9];
        for (int j = 0; j < 9; j++) {
            a[j] = v[i];
            b[j] = v[j];
        }
        vt_tensor *x = mk(VT_F32, 9, a), *y = mk(VT_F32, 9, b), *o = mk(VT_I1, 9, NULL);
        vt_error err = {0};
        CHECK_EQ_INT(vt_k_compare(&c, VT_CMP_LT, VT_CMPT_TOTALORDER, x, y, o, &err), VT_OK);
        for (int j = 0; j < 9; j++) CHECK_MSG(((uint8_t *)o->data)[j] == (i < j), "LT %d %d", i, j);
        CHECK_EQ_INT(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_TOTALORDER, x, y, o, &err), VT_OK);
        for (int j = 0; j < 9; j++) CHECK_MSG(((uint8_t *)o->data)[j] == (i == j), "EQ %d %d", i, j);
        CHECK_EQ_INT(vt_k_compare(&c, VT_CMP_GE, VT_CMPT_TOTALORDER, x, y, o, &err), VT_OK);
        for (int j = 0; j < 9; j++) CHECK_MSG(((uint8_t *)o->data)[j] == (i >= j), "GE %d %d", i, j);
        vt_tensor_release(x);
        vt_tensor_release(y);
        vt_tensor_release(o);
    }
    /* bf16 and f64: -0 < +0, NaN == NaN with the same bits */
    uint16_t ha[3] = {0x8000, 0x7FC0, 0xFF80}, hb[3] = {0x0000, 0x7FC0, 0x7FC0};
    const uint8_t w[6][8] = {{0, 1, 0}, {1, 0, 1}, {0, 1, 0}, {0, 0, 0}, {1, 1, 1}, {1, 0, 1}};
    cmp_all(VT_BF16, VT_CMPT_TOTALORDER, 3, ha, hb, w, __LINE__);
    double da[3] = {-0.0, NAN, -INFINITY}, db[3] = {0.0, NAN, NAN};
    cmp_all(VT_F64, VT_CMPT_TOTALORDER, 3, da, db, w, __LINE__);
}

TEST(complex_compare) {
    float a[8] = {1, 2, 1, 2, 1, 2, NAN, 0}, b[8] = {1, 3, 2, 0, 1, 2, NAN, 0};
    const uint8_t w[6][8] = {{0, 0, 1, 0}, {1, 1, 0, 1}, {0, 0, 1, 0}, {0, 0, 0, 0}, {1, 1, 1, 0}, {1, 1, 0, 0}};
    cmp_all(VT_C64, VT_CMPT_FLOAT, 4, a, b, w, __LINE__);
    double da[4] = {-0.0, 1, 0.0, 1}, db[4] = {0.0, 1, 0.0, 2};
    const uint8_t wd[6][8] = {{1, 0}, {0, 1}, {1, 0}, {0, 0}, {1, 1}, {0, 1}};
    cmp_all(VT_C128, VT_CMPT_DEFAULT, 2, da, db, wd, __LINE__);
}

TEST(compare_errors) {
    vt_error err = {0};
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_tensor *i = mk(VT_I32, 2, NULL), *u = mk(VT_U32, 2, NULL), *f = mk(VT_F32, 2, NULL), *cx = mk(VT_C64, 2, NULL);
    vt_tensor *o = mk(VT_I1, 2, NULL), *o3 = mk(VT_I1, 3, NULL), *oi = mk(VT_I32, 2, NULL);
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_FLOAT, i, i, o, &err), &err, VT_EINPUT,
              "compare_type FLOAT is invalid for element type i32");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_LT, VT_CMPT_SIGNED, u, u, o, &err), &err, VT_EINPUT, "SIGNED is invalid for element type ui32");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_LT, VT_CMPT_UNSIGNED, f, f, o, &err), &err, VT_EINPUT, "UNSIGNED is invalid");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_LT, VT_CMPT_TOTALORDER, cx, cx, o, &err), &err, VT_EINPUT,
              "TOTALORDER is invalid for element type complex<f32>");
    CHECK_ERR(vt_k_compare(&c, (vt_cmp_dir)6, VT_CMPT_FLOAT, f, f, o, &err), &err, VT_EINPUT, "direction 6");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, (vt_cmp_type)9, f, f, o, &err), &err, VT_EINPUT, "compare_type 9");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_FLOAT, f, f, oi, &err), &err, VT_EINPUT, "expected element type i1");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_FLOAT, f, f, o3, &err), &err, VT_EINPUT, "shape");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_FLOAT, f, i, o, &err), &err, VT_EINPUT, "operand 1 has type");
    CHECK_ERR(vt_k_compare(&c, VT_CMP_EQ, VT_CMPT_FLOAT, f, NULL, o, &err), &err, VT_EINPUT, "missing");
    vt_cmp_dir d;
    vt_cmp_type t;
    CHECK(vt_cmp_dir_from_name("GE", &d) && d == VT_CMP_GE);
    CHECK(!vt_cmp_dir_from_name("ge", &d));
    CHECK(vt_cmp_type_from_name("TOTALORDER", &t) && t == VT_CMPT_TOTALORDER);
    CHECK(vt_cmp_type_from_name("NOTYPE", &t) && t == VT_CMPT_DEFAULT);
    CHECK(!vt_cmp_type_from_name("", &t));
    vt_tensor *all[] = {i, u, f, cx, o, o3, oi};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) vt_tensor_release(all[j]);
}

/* ---- select --------------------------------------------------------------------------------- */
TEST(select_kernel) {
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_error err = {0};
    uint8_t p[3] = {1, 0, 1};
    float t[3] = {1, 2, 3}, f[3] = {-1, -2, -3};
    vt_tensor *pt = mk(VT_I1, 3, p), *tt = mk(VT_F32, 3, t), *ft = mk(VT_F32, 3, f), *o = mk(VT_F32, 3, NULL);
    CHECK_EQ_INT(vt_k_select(&c, pt, tt, ft, o, &err), VT_OK);
    float *r = o->data;
    CHECK(r[0] == 1 && r[1] == -2 && r[2] == 3);
    uint8_t no = 0;
    vt_tensor *ps = scalar(VT_I1, &no);
    CHECK_EQ_INT(vt_k_select(&c, ps, tt, ft, o, &err), VT_OK);
    CHECK(r[0] == -1 && r[1] == -2 && r[2] == -3);
    /* complex<f64>: the 16-byte path */
    double ct[6] = {1, 2, 3, 4, 5, 6}, cf[6] = {-1, -2, -3, -4, -5, -6};
    vt_tensor *c1 = mk(VT_C128, 3, ct), *c2 = mk(VT_C128, 3, cf), *co = mk(VT_C128, 3, NULL);
    CHECK_EQ_INT(vt_k_select(&c, pt, c1, c2, co, &err), VT_OK);
    double *rc = co->data;
    CHECK(rc[0] == 1 && rc[1] == 2 && rc[2] == -3 && rc[3] == -4 && rc[4] == 5 && rc[5] == 6);
    /* i4 and bf16 are selected as bytes */
    int8_t i4t[3] = {-8, 7, 1}, i4f[3] = {0, 0, 0};
    vt_tensor *a4 = mk(VT_I4, 3, i4t), *b4 = mk(VT_I4, 3, i4f), *o4 = mk(VT_I4, 3, NULL);
    CHECK_EQ_INT(vt_k_select(&c, pt, a4, b4, o4, &err), VT_OK);
    CHECK(((int8_t *)o4->data)[0] == -8 && ((int8_t *)o4->data)[1] == 0 && ((int8_t *)o4->data)[2] == 1);
    /* long vectors through the vectorised mask loops (4-, 1- and 16-byte elements) */
    enum { NS = 1000 };
    uint8_t lp[NS], la8[NS], lb8[NS];
    float la[NS], lb[NS];
    double lc[2 * NS], ld[2 * NS];
    for (int i = 0; i < NS; i++) {
        lp[i] = (uint8_t)(i % 3 == 0);
        la[i] = (float)i;
        lb[i] = -(float)i;
        la8[i] = (uint8_t)i;
        lb8[i] = (uint8_t)(255 - i % 256);
        lc[2 * i] = ld[2 * i + 1] = i;
        lc[2 * i + 1] = ld[2 * i] = -i;
    }
    vt_tensor *gp = mk(VT_I1, NS, lp), *ga = mk(VT_F32, NS, la), *gb = mk(VT_F32, NS, lb), *go = mk(VT_F32, NS, NULL);
    vt_tensor *g8a = mk(VT_U8, NS, la8), *g8b = mk(VT_U8, NS, lb8), *g8o = mk(VT_U8, NS, NULL);
    vt_tensor *gca = mk(VT_C128, NS, lc), *gcb = mk(VT_C128, NS, ld), *gco = mk(VT_C128, NS, NULL);
    CHECK_EQ_INT(vt_k_select(&c, gp, ga, gb, go, &err), VT_OK);
    CHECK_EQ_INT(vt_k_select(&c, gp, g8a, g8b, g8o, &err), VT_OK);
    CHECK_EQ_INT(vt_k_select(&c, gp, gca, gcb, gco, &err), VT_OK);
    bool ok = true;
    for (int i = 0; i < NS; i++) {
        ok = ok && ((float *)go->data)[i] == (lp[i] ? la[i] : lb[i]);
        ok = ok && ((uint8_t *)g8o->data)[i] == (lp[i] ? la8[i] : lb8[i]);
        ok = ok && ((double *)gco->data)[2 * i] == (lp[i] ? lc[2 * i] : ld[2 * i]);
        ok = ok && ((double *)gco->data)[2 * i + 1] == (lp[i] ? lc[2 * i + 1] : ld[2 * i + 1]);
    }
    CHECK(ok);
    vt_tensor *longs[] = {gp, ga, gb, go, g8a, g8b, g8o, gca, gcb, gco};
    for (size_t j = 0; j < sizeof longs / sizeof longs[0]; j++) vt_tensor_release(longs[j]);
    /* errors */
    vt_tensor *pf = mk(VT_F32, 3, NULL), *p2 = mk(VT_I1, 2, NULL), *d3 = mk(VT_F64, 3, NULL);
    CHECK_ERR(vt_k_select(&c, pf, tt, ft, o, &err), &err, VT_EINPUT, "operand 0 has type tensor<3xf32>, expected element type i1");
    CHECK_ERR(vt_k_select(&c, p2, tt, ft, o, &err), &err, VT_EINPUT, "operand 0 has shape tensor<2xi1>");
    CHECK_ERR(vt_k_select(&c, pt, tt, d3, o, &err), &err, VT_EINPUT, "on_true is f32 but on_false is f64");
    CHECK_ERR(vt_k_select(&c, pt, NULL, ft, o, &err), &err, VT_EINPUT, "missing");
    vt_tensor *sf = scalar(VT_F32, t);
    CHECK_ERR(vt_k_select(&c, pt, tt, sf, o, &err), &err, VT_EINPUT, "operand 2 has shape tensor<f32>");
    vt_tensor *all[] = {pt, tt, ft, o, ps, c1, c2, co, a4, b4, o4, pf, p2, d3, sf};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) vt_tensor_release(all[j]);
}

/* ---- clamp ---------------------------------------------------------------------------------- */
TEST(clamp_kernel) {
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_error err = {0};
    float lo = -1.0f, hi = 1.0f;
    float x[6] = {-5, 0.5f, 5, NAN, -0.0f, 1.0f};
    vt_tensor *l = scalar(VT_F32, &lo), *h = scalar(VT_F32, &hi), *xt = mk(VT_F32, 6, x), *o = mk(VT_F32, 6, NULL);
    CHECK_EQ_INT(vt_k_clamp(&c, l, xt, h, o, &err), VT_OK);
    float *r = o->data;
    CHECK(r[0] == -1 && r[1] == 0.5f && r[2] == 1 && isnan(r[3]) && r[4] == 0 && signbit(r[4]) && r[5] == 1);
    float nanv = NAN;
    vt_tensor *ln = scalar(VT_F32, &nanv);
    CHECK_EQ_INT(vt_k_clamp(&c, ln, xt, h, o, &err), VT_OK);
    CHECK(isnan(r[0]) && isnan(r[1]) && isnan(r[2])); /* a NaN bound propagates */
    /* same-shape bounds, the spec's example */
    int32_t mn[3] = {5, 10, 15}, xv[3] = {3, 13, 23}, mx[3] = {10, 15, 20};
    vt_tensor *a = mk(VT_I32, 3, mn), *b = mk(VT_I32, 3, xv), *cc = mk(VT_I32, 3, mx), *oi = mk(VT_I32, 3, NULL);
    CHECK_EQ_INT(vt_k_clamp(&c, a, b, cc, oi, &err), VT_OK);
    CHECK(((int32_t *)oi->data)[0] == 5 && ((int32_t *)oi->data)[1] == 13 && ((int32_t *)oi->data)[2] == 20);
    /* bf16 through f64, u8 */
    uint16_t hl = 0x0000, hh = 0x3F80, hx[3] = {0xBF80, 0x3F00, 0x4000};
    vt_tensor *bl = scalar(VT_BF16, &hl), *bh = scalar(VT_BF16, &hh), *bx = mk(VT_BF16, 3, hx), *bo = mk(VT_BF16, 3, NULL);
    CHECK_EQ_INT(vt_k_clamp(&c, bl, bx, bh, bo, &err), VT_OK);
    uint16_t *rb = bo->data;
    CHECK(rb[0] == 0x0000 && rb[1] == 0x3F00 && rb[2] == 0x3F80);
    uint8_t ul = 10, uh = 200, ux[3] = {0, 100, 255};
    vt_tensor *u1 = scalar(VT_U8, &ul), *u2 = scalar(VT_U8, &uh), *u3 = mk(VT_U8, 3, ux), *uo = mk(VT_U8, 3, NULL);
    CHECK_EQ_INT(vt_k_clamp(&c, u1, u3, u2, uo, &err), VT_OK);
    CHECK(((uint8_t *)uo->data)[0] == 10 && ((uint8_t *)uo->data)[1] == 100 && ((uint8_t *)uo->data)[2] == 200);
    /* a long f32 clamp (several 256-element pieces) against a scalar reference */
    enum { NL = 1000 };
    float big[NL], blo[NL], bhi[NL];
    for (int i = 0; i < NL; i++) {
        big[i] = (float)(i % 37) * 0.1f - 1.8f;
        blo[i] = (i % 11 == 0) ? NAN : -1.0f + (float)(i % 3) * 0.1f;
        bhi[i] = 1.0f - (float)(i % 5) * 0.1f;
    }
    big[500] = NAN;
    big[501] = -0.0f;
    blo[501] = 0.0f;
    vt_tensor *gx = mk(VT_F32, NL, big), *gl = mk(VT_F32, NL, blo), *gh = mk(VT_F32, NL, bhi), *go = mk(VT_F32, NL, NULL);
    CHECK_EQ_INT(vt_k_clamp(&c, gl, gx, gh, go, &err), VT_OK);
    bool ok = true;
    for (int i = 0; i < NL; i++) {
        float g = ((float *)go->data)[i], want;
        if (isnan(big[i]) || isnan(blo[i]) || isnan(bhi[i])) want = NAN;
        else want = big[i] < blo[i] ? blo[i] : big[i] > bhi[i] ? bhi[i] : big[i];
        if (i == 501) ok = ok && g == 0.0f && !signbit(g); /* max(-0, +0) = +0 */
        else ok = ok && (isnan(want) ? isnan(g) : g == want);
    }
    CHECK(ok);
    vt_tensor_release(gx);
    vt_tensor_release(gl);
    vt_tensor_release(gh);
    vt_tensor_release(go);
    /* errors */
    vt_tensor *cx = mk(VT_C64, 3, NULL);
    CHECK_ERR(vt_k_clamp(&c, cx, cx, cx, cx, &err), &err, VT_EUNSUPPORTED, "not supported: clamp on complex<f32>");
    vt_tensor *l2 = mk(VT_F32, 2, NULL);
    CHECK_ERR(vt_k_clamp(&c, l2, xt, h, o, &err), &err, VT_EINPUT, "operand 0 has shape tensor<2xf32>");
    CHECK_ERR(vt_k_clamp(&c, l, xt, u2, o, &err), &err, VT_EINPUT, "operand 2 has type tensor<ui8>");
    CHECK_ERR(vt_k_clamp(&c, l, NULL, h, o, &err), &err, VT_EINPUT, "missing");
    vt_kctx poor = {.threads = 1, .fuel_left = 23}; /* needs 6 x 4 */
    CHECK_ERR(vt_k_clamp(&poor, l, xt, h, o, &err), &err, VT_ELIMIT, "fuel");
    vt_tensor *all[] = {l, h, xt, o, ln, a, b, cc, oi, bl, bh, bx, bo, u1, u2, u3, uo, cx, l2};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) vt_tensor_release(all[j]);
}

int main(void) {
    RUN(integers);
    RUN(floats);
    RUN(total_order);
    RUN(complex_compare);
    RUN(compare_errors);
    RUN(select_kernel);
    RUN(clamp_kernel);
    return vt_test_finish();
}
