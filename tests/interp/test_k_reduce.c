/* Reduce fast paths (k_reduce.h): every op and layout against hand-computed values, the
 * documented floating-point order reproduced bit for bit, per-step rounding of bf16, NaN and
 * signed-zero rules, integer wraparound, argmax/argmin ties and NaNs, fuel and bad attributes. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include "interp/k_reduce.h"

static vt_kctx kc = {1, UINT64_MAX, 0};

static vt_tensor *mk(vt_dtype t, int rank, const int64_t *dims, const void *data) {
    vt_error e;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &e);
    if (x && data && x->nbytes) memcpy(x->data, data, x->nbytes);
    return x;
}

static vt_status red(vt_reduce_op op, const vt_tensor *x, const void *init, const int64_t *dims, int nd, vt_tensor *out,
                     vt_error *e) {
    vt_tensor *iv = mk(x->dtype, 0, NULL, init);
    vt_status s = vt_k_reduce(&kc, op, x, iv, dims, nd, out, e);
    vt_tensor_release(iv);
    return s;
}

TEST(layouts) {
    vt_error e;
    /* [2,3,4] of 0..23 */
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = (float)i;
    vt_tensor *x = mk(VT_F32, 3, (int64_t[]){2, 3, 4}, v);
    float zero = 0, ten = 10;
    /* innermost: sums of rows of 4 */
    vt_tensor *r2 = mk(VT_F32, 2, (int64_t[]){2, 3}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &ten, (int64_t[]){2}, 1, r2, &e), VT_OK);
    CHECK(memcmp(r2->data, (float[]){16, 32, 48, 64, 80, 96}, 24) == 0);
    /* outermost */
    vt_tensor *r0 = mk(VT_F32, 2, (int64_t[]){3, 4}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){0}, 1, r0, &e), VT_OK);
    CHECK(memcmp(r0->data, (float[]){12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}, 48) == 0);
    /* middle */
    vt_tensor *r1 = mk(VT_F32, 2, (int64_t[]){2, 4}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){1}, 1, r1, &e), VT_OK);
    CHECK(memcmp(r1->data, (float[]){12, 15, 18, 21, 48, 51, 54, 57}, 32) == 0);
    /* two separated dims {0, 2}: the permuted path */
    vt_tensor *r02 = mk(VT_F32, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){2, 0}, 2, r02, &e), VT_OK);
    CHECK(memcmp(r02->data, (float[]){60, 92, 124}, 12) == 0);
    /* everything, and max/min */
    vt_tensor *s = mk(VT_F32, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){0, 1, 2}, 3, s, &e), VT_OK);
    CHECK(((float *)s->data)[0] == 276);
    float ninf = -INFINITY, pinf = INFINITY;
    CHECK_EQ_INT(red(VT_REDUCE_MAX, x, &ninf, (int64_t[]){0, 1, 2}, 3, s, &e), VT_OK);
    CHECK(((float *)s->data)[0] == 23);
    CHECK_EQ_INT(red(VT_REDUCE_MIN, x, &pinf, (int64_t[]){1}, 1, r1, &e), VT_OK);
    CHECK(memcmp(r1->data, (float[]){0, 1, 2, 3, 12, 13, 14, 15}, 32) == 0);
    /* no reduced dims: init combined with each element */
    vt_tensor *same = mk(VT_F32, 3, (int64_t[]){2, 3, 4}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &ten, NULL, 0, same, &e), VT_OK);
    CHECK(((float *)same->data)[23] == 33 && ((float *)same->data)[0] == 10);
    /* empty reduced dimension: every result is the init value */
    vt_tensor *emp = mk(VT_F32, 2, (int64_t[]){2, 0}, NULL), *er = mk(VT_F32, 1, (int64_t[]){2}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MUL, emp, &ten, (int64_t[]){1}, 1, er, &e), VT_OK);
    CHECK(memcmp(er->data, (float[]){10, 10}, 8) == 0);
    /* f64 and rank 0 */
    double dv[4] = {1.5, 2, 4, 8}, one = 1;
    vt_tensor *d = mk(VT_F64, 1, (int64_t[]){4}, dv), *ds = mk(VT_F64, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MUL, d, &one, (int64_t[]){0}, 1, ds, &e), VT_OK);
    CHECK(((double *)ds->data)[0] == 96);
    vt_tensor *list[] = {x, r2, r0, r1, r02, s, same, emp, er, d, ds};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

/* The documented order: 8 lanes by position mod 8, ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), then
 * init + total. Reproduced here independently and compared bit for bit. */
static float doc_sum(const float *x, size_t n, size_t stride, float init) {
    float lane[8];
    for (int l = 0; l < 8; l++) lane[l] = -0.0f;
    for (size_t p = 0; p < n; p++) lane[p % 8] = lane[p % 8] + x[p * stride];
    float t = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    return init + t;
}

TEST(float_order) {
    vt_error e;
    size_t R = 1003, O = 300;
    vt_tensor *x = mk(VT_F32, 2, (int64_t[]){(int64_t)O, (int64_t)R}, NULL);
    for (size_t i = 0; i < x->nelem; i++) ((float *)x->data)[i] = (float)(sin((double)i * 12.9898) * 43758.5453);
    float init = 0.25f;
    vt_tensor *ri = mk(VT_F32, 1, (int64_t[]){(int64_t)O}, NULL), *ro = mk(VT_F32, 1, (int64_t[]){(int64_t)R}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &init, (int64_t[]){1}, 1, ri, &e), VT_OK);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &init, (int64_t[]){0}, 1, ro, &e), VT_OK);
    size_t bad = 0;
    for (size_t o = 0; o < O; o++) {
        float w = doc_sum((float *)x->data + o * R, R, 1, init);
        bad += memcmp(&w, (float *)ri->data + o, 4) != 0;
    }
    for (size_t o = 0; o < R; o++) {
        float w = doc_sum((float *)x->data + o, O, R, init);
        bad += memcmp(&w, (float *)ro->data + o, 4) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    /* threads 2 and 8 split the outputs, never a sum: identical bits */
    for (int th = 2; th <= 8; th += 6) {
        vt_kctx kt = {th, UINT64_MAX, 0};
        vt_tensor *ti = mk(VT_F32, 1, (int64_t[]){(int64_t)O}, NULL), *to = mk(VT_F32, 1, (int64_t[]){(int64_t)R}, NULL);
        vt_tensor *iv = mk(VT_F32, 0, NULL, &init);
        CHECK_EQ_INT(vt_k_reduce(&kt, VT_REDUCE_ADD, x, iv, (int64_t[]){1}, 1, ti, &e), VT_OK);
        CHECK_EQ_INT(vt_k_reduce(&kt, VT_REDUCE_ADD, x, iv, (int64_t[]){0}, 1, to, &e), VT_OK);
        CHECK(memcmp(ti->data, ri->data, ri->nbytes) == 0);
        CHECK(memcmp(to->data, ro->data, ro->nbytes) == 0);
        vt_tensor_release(ti), vt_tensor_release(to), vt_tensor_release(iv);
    }
    /* sequential order would differ for these data: the test is not vacuous */
    float seq = init;
    for (size_t p = 0; p < R; p++) seq += ((float *)x->data)[p];
    CHECK(seq != ((float *)ri->data)[0]);
    vt_tensor_release(x), vt_tensor_release(ri), vt_tensor_release(ro);
}

TEST(nan_zero_bf16) {
    vt_error e;
    float v[4] = {1, NAN, 3, -0.0f}, ninf = -INFINITY, pinf = INFINITY;
    vt_tensor *x = mk(VT_F32, 1, (int64_t[]){4}, v), *s = mk(VT_F32, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MAX, x, &ninf, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK(isnan(((float *)s->data)[0]));
    float z[2] = {-0.0f, 0.0f};
    vt_tensor *zz = mk(VT_F32, 1, (int64_t[]){2}, z);
    CHECK_EQ_INT(red(VT_REDUCE_MAX, zz, &ninf, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK(((float *)s->data)[0] == 0 && !signbit(((float *)s->data)[0]));
    CHECK_EQ_INT(red(VT_REDUCE_MIN, zz, &pinf, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK(signbit(((float *)s->data)[0]));
    /* sum of -0s stays -0 with a -0 init */
    float nz = -0.0f;
    z[1] = -0.0f;
    vt_tensor *nn = mk(VT_F32, 1, (int64_t[]){2}, z);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, nn, &nz, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK(signbit(((float *)s->data)[0]));
    /* bf16 rounds after every add: [256, 1 x 8] -> lanes 257->256, 1...; tree 256+2=258, 2+2=4,
     * total 262 (f32 would give 264) */
    uint16_t b[9] = {0x4380, 0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80};
    uint16_t bz = 0;
    vt_tensor *bx = mk(VT_BF16, 1, (int64_t[]){9}, b), *bs = mk(VT_BF16, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, bx, &bz, (int64_t[]){0}, 1, bs, &e), VT_OK);
    CHECK_EQ_INT(((uint16_t *)bs->data)[0], 0x4383); /* 262 = 256 + 3*2 */
    /* f16 max is exact */
    uint16_t h[3] = {0x3c00, 0x4000, 0xc000}, hninf = 0xfc00;
    vt_tensor *hx = mk(VT_F16, 1, (int64_t[]){3}, h), *hs = mk(VT_F16, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MAX, hx, &hninf, (int64_t[]){0}, 1, hs, &e), VT_OK);
    CHECK_EQ_INT(((uint16_t *)hs->data)[0], 0x4000);
    /* complex add; complex max is refused by name */
    float c[4] = {1, 2, 3, -4}, c0[2] = {0.5f, 0};
    vt_tensor *cx = mk(VT_C64, 1, (int64_t[]){2}, c), *cs = mk(VT_C64, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, cx, c0, (int64_t[]){0}, 1, cs, &e), VT_OK);
    CHECK(memcmp(cs->data, (float[]){4.5f, -2}, 8) == 0);
    float c1[2] = {1, 0};
    CHECK_EQ_INT(red(VT_REDUCE_MUL, cx, c1, (int64_t[]){0}, 1, cs, &e), VT_OK);
    CHECK(memcmp(cs->data, (float[]){11, 2}, 8) == 0); /* (1+2i)(3-4i) = 11+2i */
    CHECK_ERR(red(VT_REDUCE_MAX, cx, c0, (int64_t[]){0}, 1, cs, &e), &e, VT_EUNSUPPORTED, "not supported");
    vt_tensor *list[] = {x, s, zz, nn, bx, bs, hx, hs, cx, cs};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(integers) {
    vt_error e;
    int8_t v[3] = {16, 16, 3}, one = 1, zero = 0;
    vt_tensor *x = mk(VT_I8, 1, (int64_t[]){3}, v), *s = mk(VT_I8, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MUL, x, &one, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK_EQ_INT(((int8_t *)s->data)[0], 0); /* 768 wraps to 0 */
    CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK_EQ_INT(((int8_t *)s->data)[0], 35);
    uint8_t u[3] = {200, 100, 7}, u0 = 0;
    vt_tensor *ux = mk(VT_U8, 1, (int64_t[]){3}, u), *us = mk(VT_U8, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_MAX, ux, &u0, (int64_t[]){0}, 1, us, &e), VT_OK);
    CHECK_EQ_INT(((uint8_t *)us->data)[0], 200); /* unsigned compare */
    int8_t smin = INT8_MAX;
    int8_t sv[2] = {-56, 100};
    vt_tensor *sx = mk(VT_I8, 1, (int64_t[]){2}, sv);
    CHECK_EQ_INT(red(VT_REDUCE_MIN, sx, &smin, (int64_t[]){0}, 1, s, &e), VT_OK);
    CHECK_EQ_INT(((int8_t *)s->data)[0], -56);
    int32_t w[6] = {0x0f, 0x33, 0x55, 0x0f, 0x33, 0x55}, all = -1, none = 0;
    vt_tensor *wx = mk(VT_I32, 2, (int64_t[]){2, 3}, w), *wr = mk(VT_I32, 1, (int64_t[]){2}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_AND, wx, &all, (int64_t[]){1}, 1, wr, &e), VT_OK);
    CHECK(memcmp(wr->data, (int32_t[]){0x01, 0x01}, 8) == 0);
    CHECK_EQ_INT(red(VT_REDUCE_OR, wx, &none, (int64_t[]){1}, 1, wr, &e), VT_OK);
    CHECK(memcmp(wr->data, (int32_t[]){0x7f, 0x7f}, 8) == 0);
    vt_tensor *wc = mk(VT_I32, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_XOR, wx, &none, (int64_t[]){0}, 1, wc, &e), VT_OK);
    CHECK(memcmp(wc->data, (int32_t[]){0, 0, 0}, 12) == 0);
    /* i1: add is or, multiply is and */
    uint8_t bv[3] = {1, 0, 1}, f = 0, t = 1;
    vt_tensor *bx = mk(VT_I1, 1, (int64_t[]){3}, bv), *bs = mk(VT_I1, 0, NULL, NULL);
    CHECK_EQ_INT(red(VT_REDUCE_ADD, bx, &f, (int64_t[]){0}, 1, bs, &e), VT_OK);
    CHECK_EQ_INT(((uint8_t *)bs->data)[0], 1);
    CHECK_EQ_INT(red(VT_REDUCE_MUL, bx, &t, (int64_t[]){0}, 1, bs, &e), VT_OK);
    CHECK_EQ_INT(((uint8_t *)bs->data)[0], 0);
    CHECK_EQ_INT(red(VT_REDUCE_XOR, bx, &f, (int64_t[]){0}, 1, bs, &e), VT_OK);
    CHECK_EQ_INT(((uint8_t *)bs->data)[0], 0);
    /* i64 sum over a long run (chunked) */
    vt_tensor *big = mk(VT_I64, 2, (int64_t[]){3, 1000}, NULL), *bsum = mk(VT_I64, 1, (int64_t[]){3}, NULL);
    for (size_t i = 0; i < 3000; i++) ((int64_t *)big->data)[i] = (int64_t)i;
    int64_t z64 = 0;
    CHECK_EQ_INT(red(VT_REDUCE_ADD, big, &z64, (int64_t[]){1}, 1, bsum, &e), VT_OK);
    CHECK(memcmp(bsum->data, (int64_t[]){499500, 1499500, 2499500}, 24) == 0);
    vt_tensor *list[] = {x, s, ux, us, sx, wx, wr, wc, bx, bs, big, bsum};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(argreduce) {
    vt_error e;
    float v[8] = {1, 3, 3, 2, NAN, 5, NAN, 7};
    int32_t idx[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    vt_tensor *x = mk(VT_F32, 2, (int64_t[]){2, 4}, v), *ix = mk(VT_I32, 2, (int64_t[]){2, 4}, idx);
    float ninf = -INFINITY, pinf = INFINITY;
    int32_t i0 = 0;
    vt_tensor *iv = mk(VT_F32, 0, NULL, &ninf), *ii = mk(VT_I32, 0, NULL, &i0);
    vt_tensor *ov = mk(VT_F32, 1, (int64_t[]){2}, NULL), *oi = mk(VT_I32, 1, (int64_t[]){2}, NULL);
    CHECK_EQ_INT(vt_k_argreduce(&kc, false, x, ix, iv, ii, (int64_t[]){1}, 1, ov, oi, &e), VT_OK);
    CHECK(((float *)ov->data)[0] == 3 && isnan(((float *)ov->data)[1]));
    CHECK(memcmp(oi->data, (int32_t[]){1, 0}, 8) == 0); /* first maximum; first NaN */
    vt_tensor *jv = mk(VT_F32, 0, NULL, &pinf);
    CHECK_EQ_INT(vt_k_argreduce(&kc, true, x, ix, jv, ii, (int64_t[]){1}, 1, ov, oi, &e), VT_OK);
    CHECK(((float *)ov->data)[0] == 1 && isnan(((float *)ov->data)[1]));
    CHECK(memcmp(oi->data, (int32_t[]){0, 0}, 8) == 0);
    /* over dimension 0 (indices along it) */
    int32_t idx0[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    vt_tensor *ix0 = mk(VT_I32, 2, (int64_t[]){2, 4}, idx0);
    vt_tensor *ov4 = mk(VT_F32, 1, (int64_t[]){4}, NULL), *oi4 = mk(VT_I32, 1, (int64_t[]){4}, NULL);
    CHECK_EQ_INT(vt_k_argreduce(&kc, false, x, ix0, iv, ii, (int64_t[]){0}, 1, ov4, oi4, &e), VT_OK);
    CHECK(memcmp(oi4->data, (int32_t[]){1, 1, 1, 1}, 16) == 0);
    /* integers, ties to the lowest index, and the init candidate */
    int64_t iv8[5] = {4, -2, 9, 9, -2};
    int64_t ix8[5] = {0, 1, 2, 3, 4};
    vt_tensor *y = mk(VT_I64, 1, (int64_t[]){5}, iv8), *iy = mk(VT_I64, 1, (int64_t[]){5}, ix8);
    int64_t lo = INT64_MIN, hi = INT64_MAX, z = 0;
    vt_tensor *ylo = mk(VT_I64, 0, NULL, &lo), *yhi = mk(VT_I64, 0, NULL, &hi), *yz = mk(VT_I64, 0, NULL, &z);
    vt_tensor *sv = mk(VT_I64, 0, NULL, NULL), *si = mk(VT_I64, 0, NULL, NULL);
    CHECK_EQ_INT(vt_k_argreduce(&kc, false, y, iy, ylo, yz, (int64_t[]){0}, 1, sv, si, &e), VT_OK);
    CHECK(((int64_t *)sv->data)[0] == 9 && ((int64_t *)si->data)[0] == 2);
    CHECK_EQ_INT(vt_k_argreduce(&kc, true, y, iy, yhi, yz, (int64_t[]){0}, 1, sv, si, &e), VT_OK);
    CHECK(((int64_t *)sv->data)[0] == -2 && ((int64_t *)si->data)[0] == 1);
    int64_t big = 100, neg = -1;
    vt_tensor *ybig = mk(VT_I64, 0, NULL, &big), *yneg = mk(VT_I64, 0, NULL, &neg);
    CHECK_EQ_INT(vt_k_argreduce(&kc, false, y, iy, ybig, yneg, (int64_t[]){0}, 1, sv, si, &e), VT_OK);
    CHECK(((int64_t *)sv->data)[0] == 100 && ((int64_t *)si->data)[0] == -1);
    /* errors */
    CHECK_ERR(vt_k_argreduce(&kc, false, x, iy, iv, ii, (int64_t[]){1}, 1, ov, oi, &e), &e, VT_EINPUT, "indices");
    CHECK_ERR(vt_k_argreduce(&kc, false, x, ix, ylo, ii, (int64_t[]){1}, 1, ov, oi, &e), &e, VT_EINPUT, "init values");
    CHECK_ERR(vt_k_argreduce(&kc, false, x, ix, iv, ii, (int64_t[]){0}, 1, ov, oi, &e), &e, VT_EINPUT, "value result");
    vt_tensor *list[] = {x, ix, iv, ii, ov, oi, jv, ix0, ov4, oi4, y, iy, ylo, yhi, yz, sv, si, ybig, yneg};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

/* Random shapes and reduced-dimension sets (all layouts: inner, outer, middle, separated,
 * size-1 and size-0 axes) for exact ops against a direct accumulation. */
TEST(random_dims) {
    vt_error e;
    uint32_t st = 777;
#define RND(n) ((st = st * 1103515245u + 12345u) >> 16) % (n)
    for (int iter = 0; iter < 200; iter++) {
        int rank = 1 + (int)RND(4), nd = 0;
        int64_t dims[4], rdims[4], out_dims[4];
        bool redm[4];
        int orank = 0;
        for (int i = 0; i < rank; i++) {
            dims[i] = RND(6) == 0 ? 1 : 1 + (int64_t)RND(5);
            if (RND(30) == 0) dims[i] = 0;
            redm[i] = RND(2);
            if (redm[i]) rdims[nd++] = i;
            else out_dims[orank++] = dims[i];
        }
        vt_tensor *x = mk(VT_I32, rank, dims, NULL), *r = mk(VT_I32, orank, out_dims, NULL);
        for (size_t i = 0; i < x->nelem; i++) ((int32_t *)x->data)[i] = (int32_t)RND(1000) - 500;
        int32_t init = 3;
        CHECK_EQ_INT(red(VT_REDUCE_ADD, x, &init, rdims, nd, r, &e), VT_OK);
        int64_t *want = calloc(r->nelem + 1, sizeof *want);
        for (size_t o = 0; o < r->nelem; o++) want[o] = init;
        for (size_t i = 0; i < x->nelem; i++) {
            size_t rem = i, o = 0, mul = 1;
            for (int d = rank - 1; d >= 0; d--) {
                size_t ix = rem % (size_t)dims[d];
                rem /= (size_t)dims[d];
                if (!redm[d]) o += ix * mul, mul *= (size_t)dims[d];
            }
            want[o] += ((int32_t *)x->data)[i];
        }
        size_t bad = 0;
        for (size_t o = 0; o < r->nelem; o++) bad += want[o] != ((int32_t *)r->data)[o];
        CHECK_MSG(bad == 0, "iteration %d: %zu outputs differ", iter, bad);
        free(want);
        vt_tensor_release(x), vt_tensor_release(r);
    }
#undef RND
}

TEST(errors_and_fuel) {
    vt_error e;
    vt_tensor *x = mk(VT_F32, 2, (int64_t[]){2, 3}, NULL), *r = mk(VT_F32, 1, (int64_t[]){2}, NULL);
    float zero = 0;
    CHECK_ERR(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){2}, 1, r, &e), &e, VT_EINPUT, "out of range");
    CHECK_ERR(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){1, 1}, 2, r, &e), &e, VT_EINPUT, "repeated");
    CHECK_ERR(red(VT_REDUCE_ADD, x, &zero, (int64_t[]){0}, 1, r, &e), &e, VT_EINPUT, "does not match");
    CHECK_ERR(red(VT_REDUCE_AND, x, &zero, (int64_t[]){1}, 1, r, &e), &e, VT_EINPUT, "needs integer");
    CHECK_ERR(vt_k_reduce(&kc, (vt_reduce_op)99, x, x, (int64_t[]){1}, 1, r, &e), &e, VT_EINPUT, "unknown");
    CHECK_ERR(vt_k_reduce(&kc, VT_REDUCE_ADD, x, x, (int64_t[]){1}, 1, r, &e), &e, VT_EINPUT, "init_value");
    vt_tensor *iv = mk(VT_F32, 0, NULL, &zero);
    vt_kctx small = {1, 7, 0}; /* 6 elements read + 2 written */
    CHECK_ERR(vt_k_reduce(&small, VT_REDUCE_ADD, x, iv, (int64_t[]){1}, 1, r, &e), &e, VT_ELIMIT, "fuel");
    vt_tensor_release(x), vt_tensor_release(r), vt_tensor_release(iv);
}

int main(void) {
    RUN(layouts);
    RUN(float_order);
    RUN(nan_zero_bf16);
    RUN(integers);
    RUN(argreduce);
    RUN(random_dims);
    RUN(errors_and_fuel);
    return vt_test_finish();
}
