/* Structural kernels (k_shape.h): hand-computed results per op, rank 0, empty tensors, negative
 * and interior padding, clamped dynamic indices, strides, transposes, fuel, and bad attributes. */
#include "harness.h"

#include <stdlib.h>

#include "interp/k_shape.h"

static vt_kctx kc_big = {1, UINT64_MAX, 0};

static vt_tensor *mk(vt_dtype t, int rank, const int64_t *dims, const void *data) {
    vt_error e;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &e);
    if (x && data && x->nbytes) memcpy(x->data, data, x->nbytes);
    return x;
}
static vt_tensor *scalar_i64(int64_t v) { return mk(VT_I64, 0, NULL, &v); }

static bool eq_i32(const vt_tensor *t, const int32_t *want, size_t n) {
    return t->nelem == n && (n == 0 || memcmp(t->data, want, n * 4) == 0);
}
static bool eq_f32(const vt_tensor *t, const float *want, size_t n) {
    return t->nelem == n && (n == 0 || memcmp(t->data, want, n * 4) == 0);
}

TEST(broadcast) {
    vt_error e;
    int32_t v[3] = {1, 2, 3};
    vt_tensor *a = mk(VT_I32, 1, (int64_t[]){3}, v);
    vt_tensor *r = mk(VT_I32, 2, (int64_t[]){2, 3}, NULL);
    CHECK_EQ_INT(vt_k_broadcast_in_dim(&kc_big, a, (int64_t[]){1}, 1, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){1, 2, 3, 1, 2, 3}, 6));
    vt_tensor *c = mk(VT_I32, 2, (int64_t[]){3, 2}, NULL);
    CHECK_EQ_INT(vt_k_broadcast_in_dim(&kc_big, a, (int64_t[]){0}, 1, c, &e), VT_OK);
    CHECK(eq_i32(c, (int32_t[]){1, 1, 2, 2, 3, 3}, 6));
    /* size-1 operand dimension expands */
    vt_tensor *one = mk(VT_I32, 2, (int64_t[]){1, 3}, v);
    vt_tensor *r3 = mk(VT_I32, 3, (int64_t[]){2, 2, 3}, NULL);
    CHECK_EQ_INT(vt_k_broadcast_in_dim(&kc_big, one, (int64_t[]){1, 2}, 2, r3, &e), VT_OK);
    CHECK(eq_i32(r3, (int32_t[]){1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, 12));
    /* rank 0 operand */
    vt_tensor *s = scalar_i64(7), *r4 = mk(VT_I64, 2, (int64_t[]){2, 2}, NULL);
    CHECK_EQ_INT(vt_k_broadcast_in_dim(&kc_big, s, NULL, 0, r4, &e), VT_OK);
    CHECK(((int64_t *)r4->data)[3] == 7 && ((int64_t *)r4->data)[0] == 7);
    /* errors */
    CHECK_ERR(vt_k_broadcast_in_dim(&kc_big, a, (int64_t[]){2}, 1, r, &e), &e, VT_EINPUT, "out of range");
    CHECK_ERR(vt_k_broadcast_in_dim(&kc_big, a, (int64_t[]){0}, 1, r, &e), &e, VT_EINPUT, "has size 3");
    CHECK_ERR(vt_k_broadcast_in_dim(&kc_big, one, (int64_t[]){1, 1}, 2, r3, &e), &e, VT_EINPUT, "repeated");
    CHECK_ERR(vt_k_broadcast_in_dim(&kc_big, a, NULL, 0, r, &e), &e, VT_EINPUT, "0 entries");
    vt_tensor *rf = mk(VT_F32, 2, (int64_t[]){2, 3}, NULL);
    CHECK_ERR(vt_k_broadcast_in_dim(&kc_big, a, (int64_t[]){1}, 1, rf, &e), &e, VT_EINPUT, "element type");
    /* fuel: 6 elements do not fit in 5 units */
    vt_kctx small = {1, 5, 0};
    CHECK_ERR(vt_k_broadcast_in_dim(&small, a, (int64_t[]){1}, 1, r, &e), &e, VT_ELIMIT, "fuel");
    vt_tensor *list[] = {a, r, c, one, r3, s, r4, rf};
    for (size_t i = 0; i < 8; i++) vt_tensor_release(list[i]);
}

TEST(reshape_transpose) {
    vt_error e;
    int32_t v[6] = {1, 2, 3, 4, 5, 6};
    vt_tensor *a = mk(VT_I32, 2, (int64_t[]){2, 3}, v), *r = mk(VT_I32, 2, (int64_t[]){3, 2}, NULL);
    CHECK_EQ_INT(vt_k_reshape(&kc_big, a, r, &e), VT_OK);
    CHECK(eq_i32(r, v, 6));
    vt_tensor *bad = mk(VT_I32, 1, (int64_t[]){5}, NULL);
    CHECK_ERR(vt_k_reshape(&kc_big, a, bad, &e), &e, VT_EINPUT, "cannot reshape");
    CHECK_EQ_INT(vt_k_transpose(&kc_big, a, (int64_t[]){1, 0}, 2, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){1, 4, 2, 5, 3, 6}, 6));
    CHECK_ERR(vt_k_transpose(&kc_big, a, (int64_t[]){0, 0}, 2, r, &e), &e, VT_EINPUT, "not a permutation");
    CHECK_ERR(vt_k_transpose(&kc_big, a, (int64_t[]){0, 1}, 2, r, &e), &e, VT_EINPUT, "does not match");
    CHECK_ERR(vt_k_transpose(&kc_big, a, (int64_t[]){1}, 1, r, &e), &e, VT_EINPUT, "1 entries");
    /* large tiled transposes against index arithmetic, several element sizes, rank 3 */
    int64_t d[3] = {37, 70, 131};
    size_t n = 37 * 70 * 131;
    vt_dtype types[] = {VT_I8, VT_I16, VT_F32, VT_F64, VT_C128};
    for (int ti = 0; ti < 5; ti++) {
        vt_dtype t = types[ti];
        size_t es = vt_dtype_size(t);
        vt_tensor *x = mk(t, 3, d, NULL);
        for (size_t i = 0; i < x->nbytes; i++) ((uint8_t *)x->data)[i] = (uint8_t)(i * 7 + i / 13);
        int64_t perm[3] = {2, 0, 1}, rd[3] = {131, 37, 70};
        vt_tensor *y = mk(t, 3, rd, NULL);
        CHECK_EQ_INT(vt_k_transpose(&kc_big, x, perm, 3, y, &e), VT_OK);
        bool ok = true;
        for (size_t i0 = 0; i0 < 131 && ok; i0++)
            for (size_t i1 = 0; i1 < 37 && ok; i1++)
                for (size_t i2 = 0; i2 < 70 && ok; i2++) {
                    size_t src = (i1 * 70 + i2) * 131 + i0, dst = (i0 * 37 + i1) * 70 + i2;
                    ok = memcmp((char *)x->data + src * es, (char *)y->data + dst * es, es) == 0;
                }
        CHECK_MSG(ok, "transpose mismatch for %s", vt_dtype_name(t));
        vt_tensor_release(x), vt_tensor_release(y);
    }
    (void)n;
    /* rank 0 and empty */
    vt_tensor *s = scalar_i64(5), *s2 = scalar_i64(0);
    CHECK_EQ_INT(vt_k_transpose(&kc_big, s, NULL, 0, s2, &e), VT_OK);
    CHECK(((int64_t *)s2->data)[0] == 5);
    vt_tensor *z = mk(VT_F32, 2, (int64_t[]){0, 3}, NULL), *zt = mk(VT_F32, 2, (int64_t[]){3, 0}, NULL);
    CHECK_EQ_INT(vt_k_transpose(&kc_big, z, (int64_t[]){1, 0}, 2, zt, &e), VT_OK);
    vt_tensor *list[] = {a, r, bad, s, s2, z, zt};
    for (size_t i = 0; i < 7; i++) vt_tensor_release(list[i]);
}

TEST(slices) {
    vt_error e;
    int32_t v[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    vt_tensor *a = mk(VT_I32, 1, (int64_t[]){10}, v), *r = mk(VT_I32, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(vt_k_slice(&kc_big, a, (int64_t[]){1}, (int64_t[]){8}, (int64_t[]){3}, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){1, 4, 7}, 3));
    CHECK_ERR(vt_k_slice(&kc_big, a, (int64_t[]){5}, (int64_t[]){4}, NULL, r, &e), &e, VT_EINPUT, "start");
    CHECK_ERR(vt_k_slice(&kc_big, a, (int64_t[]){0}, (int64_t[]){11}, NULL, r, &e), &e, VT_EINPUT, "size (10)");
    CHECK_ERR(vt_k_slice(&kc_big, a, (int64_t[]){0}, (int64_t[]){3}, (int64_t[]){0}, r, &e), &e, VT_EINPUT, "positive");
    CHECK_ERR(vt_k_slice(&kc_big, a, (int64_t[]){0}, (int64_t[]){4}, NULL, r, &e), &e, VT_EINPUT, "does not match");
    vt_tensor *empty = mk(VT_I32, 1, (int64_t[]){0}, NULL);
    CHECK_EQ_INT(vt_k_slice(&kc_big, a, (int64_t[]){4}, (int64_t[]){4}, NULL, empty, &e), VT_OK);
    /* 2-D with strides */
    int32_t m[12] = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
    vt_tensor *b = mk(VT_I32, 2, (int64_t[]){3, 4}, m), *rb = mk(VT_I32, 2, (int64_t[]){2, 2}, NULL);
    CHECK_EQ_INT(vt_k_slice(&kc_big, b, (int64_t[]){0, 1}, (int64_t[]){3, 4}, (int64_t[]){2, 2}, rb, &e), VT_OK);
    CHECK(eq_i32(rb, (int32_t[]){1, 3, 21, 23}, 4));

    /* dynamic_slice: starts clamped into [0, dim - size] */
    vt_tensor *i_hi = scalar_i64(4), *i_neg = scalar_i64(-3), *i_mid = scalar_i64(1);
    const vt_tensor *idx1[] = {i_hi};
    CHECK_EQ_INT(vt_k_dynamic_slice(&kc_big, a, idx1, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){4, 5, 6}, 3));
    idx1[0] = i_neg;
    CHECK_EQ_INT(vt_k_dynamic_slice(&kc_big, a, idx1, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){0, 1, 2}, 3));
    uint64_t huge = UINT64_MAX;
    vt_tensor *i_u = mk(VT_U64, 0, NULL, &huge);
    idx1[0] = i_u;
    vt_tensor *r8 = mk(VT_I32, 1, (int64_t[]){8}, NULL);
    CHECK_EQ_INT(vt_k_dynamic_slice(&kc_big, a, idx1, r8, &e), VT_OK);
    CHECK(eq_i32(r8, (int32_t[]){2, 3, 4, 5, 6, 7, 8, 9}, 8));
    const vt_tensor *idx2[] = {i_hi, i_mid};
    CHECK_EQ_INT(vt_k_dynamic_slice(&kc_big, b, idx2, rb, &e), VT_OK);
    CHECK(eq_i32(rb, (int32_t[]){11, 12, 21, 22}, 4));
    float f = 1;
    vt_tensor *i_f = mk(VT_F32, 0, NULL, &f);
    idx1[0] = i_f;
    CHECK_ERR(vt_k_dynamic_slice(&kc_big, a, idx1, r, &e), &e, VT_EINPUT, "not a 0-d integer");
    vt_tensor *r11 = mk(VT_I32, 1, (int64_t[]){11}, NULL);
    idx1[0] = i_mid;
    CHECK_ERR(vt_k_dynamic_slice(&kc_big, a, idx1, r11, &e), &e, VT_EINPUT, "exceeds operand size");

    /* dynamic_update_slice: clamped, into a copy and in place */
    vt_tensor *u = mk(VT_I32, 1, (int64_t[]){2}, (int32_t[]){-1, -2}), *out = mk(VT_I32, 1, (int64_t[]){10}, NULL);
    idx1[0] = i_u; /* clamps to 8 */
    CHECK_EQ_INT(vt_k_dynamic_update_slice(&kc_big, a, u, idx1, out, &e), VT_OK);
    CHECK(eq_i32(out, (int32_t[]){0, 1, 2, 3, 4, 5, 6, 7, -1, -2}, 10));
    idx1[0] = i_neg;
    CHECK_EQ_INT(vt_k_dynamic_update_slice(&kc_big, out, u, idx1, out, &e), VT_OK);
    CHECK(eq_i32(out, (int32_t[]){-1, -2, 2, 3, 4, 5, 6, 7, -1, -2}, 10));
    CHECK_ERR(vt_k_dynamic_update_slice(&kc_big, a, r11, idx1, out, &e), &e, VT_EINPUT, "exceeds");
    CHECK_ERR(vt_k_dynamic_update_slice(&kc_big, a, u, NULL, out, &e), &e, VT_EINPUT, "missing");
    vt_tensor *list[] = {a, r, empty, b, rb, i_hi, i_neg, i_mid, i_u, r8, i_f, r11, u, out};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(concat_pad_reverse) {
    vt_error e;
    vt_tensor *a = mk(VT_I32, 2, (int64_t[]){2, 2}, (int32_t[]){1, 2, 3, 4});
    vt_tensor *b = mk(VT_I32, 2, (int64_t[]){2, 1}, (int32_t[]){5, 6});
    vt_tensor *z = mk(VT_I32, 2, (int64_t[]){2, 0}, NULL);
    vt_tensor *r = mk(VT_I32, 2, (int64_t[]){2, 3}, NULL);
    const vt_tensor *in[] = {a, z, b};
    CHECK_EQ_INT(vt_k_concatenate(&kc_big, in, 3, 1, r, &e), VT_OK);
    CHECK(eq_i32(r, (int32_t[]){1, 2, 5, 3, 4, 6}, 6));
    vt_tensor *r0 = mk(VT_I32, 2, (int64_t[]){4, 2}, NULL);
    const vt_tensor *in0[] = {a, a};
    CHECK_EQ_INT(vt_k_concatenate(&kc_big, in0, 2, 0, r0, &e), VT_OK);
    CHECK(eq_i32(r0, (int32_t[]){1, 2, 3, 4, 1, 2, 3, 4}, 8));
    CHECK_ERR(vt_k_concatenate(&kc_big, in, 3, 0, r, &e), &e, VT_EINPUT, "dimension 1 has size");
    CHECK_ERR(vt_k_concatenate(&kc_big, in, 3, 2, r, &e), &e, VT_EINPUT, "out of range");
    CHECK_ERR(vt_k_concatenate(&kc_big, in, 0, 0, r, &e), &e, VT_EINPUT, "at least one");
    vt_tensor *wide = mk(VT_I32, 2, (int64_t[]){0, INT64_MAX / 2 + 1}, NULL);
    const vt_tensor *in2[] = {wide, wide};
    CHECK_ERR(vt_k_concatenate(&kc_big, in2, 2, 1, r, &e), &e, VT_EINPUT, "overflows");
    vt_tensor_release(wide);

    /* pad: interior and both-sided */
    vt_tensor *p = mk(VT_I32, 1, (int64_t[]){3}, (int32_t[]){1, 2, 3}), *pv = mk(VT_I32, 0, NULL, (int32_t[]){0});
    vt_tensor *rp = mk(VT_I32, 1, (int64_t[]){8}, NULL);
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){1}, (int64_t[]){2}, (int64_t[]){1}, rp, &e), VT_OK);
    CHECK(eq_i32(rp, (int32_t[]){0, 1, 0, 2, 0, 3, 0, 0}, 8));
    /* negative low/high crop the interior-padded operand [1,0,2,0,3] to [0,2,0] */
    vt_tensor *rn = mk(VT_I32, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){-1}, (int64_t[]){-1}, (int64_t[]){1}, rn, &e), VT_OK);
    CHECK(eq_i32(rn, (int32_t[]){0, 2, 0}, 3));
    /* everything cropped away except padding */
    vt_tensor *r1 = mk(VT_I32, 1, (int64_t[]){1}, NULL);
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){-3}, (int64_t[]){-1}, (int64_t[]){1}, r1, &e), VT_OK);
    CHECK(eq_i32(r1, (int32_t[]){0}, 1));
    /* 2-D from the spec: [[1,2,3],[4,5,6]] low [0,1] high [2,1] interior [1,2] */
    vt_tensor *q = mk(VT_I32, 2, (int64_t[]){2, 3}, (int32_t[]){1, 2, 3, 4, 5, 6});
    vt_tensor *rq = mk(VT_I32, 2, (int64_t[]){5, 9}, NULL);
    CHECK_EQ_INT(vt_k_pad(&kc_big, q, pv, (int64_t[]){0, 1}, (int64_t[]){2, 1}, (int64_t[]){1, 2}, rq, &e), VT_OK);
    CHECK(eq_i32(rq, (int32_t[]){0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 45));
    CHECK_ERR(vt_k_pad(&kc_big, p, pv, (int64_t[]){-9}, (int64_t[]){0}, (int64_t[]){0}, r1, &e), &e, VT_EINPUT,
              "invalid size");
    CHECK_ERR(vt_k_pad(&kc_big, p, pv, (int64_t[]){INT64_MAX}, (int64_t[]){INT64_MAX}, (int64_t[]){0}, r1, &e), &e,
              VT_EINPUT, "invalid size");
    /* hostile but valid: low and high cancel out, or an enormous interior on one element */
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){INT64_MIN}, (int64_t[]){INT64_MAX - 1}, (int64_t[]){0}, r1, &e), VT_OK);
    CHECK(eq_i32(r1, (int32_t[]){0}, 1));
    /* low -2^62 with interior 2^61 - 1: only element 2 lands, at position 0 */
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){-((int64_t)1 << 62)}, (int64_t[]){0}, (int64_t[]){((int64_t)1 << 61) - 1}, r1, &e), VT_OK);
    CHECK(eq_i32(r1, (int32_t[]){3}, 1));
    vt_tensor *one = mk(VT_I32, 1, (int64_t[]){1}, (int32_t[]){9});
    CHECK_EQ_INT(vt_k_pad(&kc_big, one, pv, (int64_t[]){0}, (int64_t[]){0}, (int64_t[]){INT64_MAX}, r1, &e), VT_OK);
    CHECK(eq_i32(r1, (int32_t[]){9}, 1));
    CHECK_EQ_INT(vt_k_pad(&kc_big, p, pv, (int64_t[]){-2}, (int64_t[]){-1}, (int64_t[]){INT64_MAX / 2}, r1, &e), VT_EINPUT);
    vt_tensor_release(one);
    CHECK_ERR(vt_k_pad(&kc_big, p, pv, (int64_t[]){0}, (int64_t[]){0}, (int64_t[]){-1}, r1, &e), &e, VT_EINPUT,
              "interior_padding");
    CHECK_ERR(vt_k_pad(&kc_big, p, p, (int64_t[]){0}, (int64_t[]){0}, (int64_t[]){0}, r1, &e), &e, VT_EINPUT,
              "padding_value");

    /* reverse */
    vt_tensor *rr = mk(VT_I32, 2, (int64_t[]){2, 3}, NULL);
    CHECK_EQ_INT(vt_k_reverse(&kc_big, q, (int64_t[]){0, 1}, 2, rr, &e), VT_OK);
    CHECK(eq_i32(rr, (int32_t[]){6, 5, 4, 3, 2, 1}, 6));
    CHECK_EQ_INT(vt_k_reverse(&kc_big, q, (int64_t[]){1}, 1, rr, &e), VT_OK);
    CHECK(eq_i32(rr, (int32_t[]){3, 2, 1, 6, 5, 4}, 6));
    CHECK_ERR(vt_k_reverse(&kc_big, q, (int64_t[]){1, 1}, 2, rr, &e), &e, VT_EINPUT, "repeated");
    vt_tensor *list[] = {a, b, z, r, r0, p, pv, rp, rn, r1, q, rq, rr};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

/* Random pads (negative low/high, interior) and slices against direct index arithmetic. */
TEST(random_pad_slice) {
    vt_error e;
    uint32_t st = 99;
#define RND(n) ((st = st * 1103515245u + 12345u) >> 16) % (n)
    for (int iter = 0; iter < 300; iter++) {
        int rank = 1 + (int)RND(3);
        int64_t d[3], lo[3], hi[3], in[3], rd[3];
        bool ok = true;
        for (int i = 0; i < rank; i++) {
            d[i] = (int64_t)RND(5);
            lo[i] = (int64_t)RND(7) - 3, hi[i] = (int64_t)RND(7) - 3, in[i] = (int64_t)RND(3);
            rd[i] = lo[i] + hi[i] + d[i] + (d[i] > 0 ? (d[i] - 1) * in[i] : 0);
            ok = ok && rd[i] >= 0;
        }
        vt_tensor *x = mk(VT_I16, rank, d, NULL), *pv = mk(VT_I16, 0, NULL, (int16_t[]){-7});
        for (size_t i = 0; i < x->nelem; i++) ((int16_t *)x->data)[i] = (int16_t)(i + 1);
        if (!ok) {
            vt_tensor *r1 = mk(VT_I16, rank, d, NULL);
            CHECK_ERR(vt_k_pad(&kc_big, x, pv, lo, hi, in, r1, &e), &e, VT_EINPUT, "invalid size");
            vt_tensor_release(x), vt_tensor_release(pv), vt_tensor_release(r1);
            continue;
        }
        vt_tensor *r = mk(VT_I16, rank, rd, NULL);
        CHECK_EQ_INT(vt_k_pad(&kc_big, x, pv, lo, hi, in, r, &e), VT_OK);
        int16_t *want = malloc(sizeof(int16_t) * (r->nelem + 1));
        for (size_t i = 0; i < r->nelem; i++) want[i] = -7;
        for (size_t i = 0; i < x->nelem; i++) {
            size_t rem = i, off = 0, mul = 1;
            bool inside = true;
            for (int k = rank - 1; k >= 0; k--) {
                int64_t ix = (int64_t)(rem % (size_t)d[k]), pos;
                rem /= (size_t)d[k];
                pos = lo[k] + ix * (in[k] + 1);
                inside = inside && pos >= 0 && pos < rd[k];
                off += (size_t)(pos < 0 ? 0 : pos) * mul, mul *= (size_t)rd[k];
            }
            if (inside) want[off] = ((int16_t *)x->data)[i];
        }
        CHECK_MSG(r->nelem == 0 || memcmp(want, r->data, r->nbytes) == 0, "pad iteration %d differs", iter);
        free(want);
        /* a random strided slice of the padded result */
        int64_t s0[3], s1[3], ss[3], sd[3];
        for (int k = 0; k < rank; k++) {
            s0[k] = rd[k] ? (int64_t)RND((unsigned)rd[k] + 1) : 0;
            s1[k] = s0[k] + (int64_t)RND((unsigned)(rd[k] - s0[k]) + 1);
            ss[k] = 1 + (int64_t)RND(3);
            sd[k] = (s1[k] - s0[k] + ss[k] - 1) / ss[k];
        }
        vt_tensor *sl = mk(VT_I16, rank, sd, NULL);
        CHECK_EQ_INT(vt_k_slice(&kc_big, r, s0, s1, ss, sl, &e), VT_OK);
        bool same = true;
        for (size_t i = 0; i < sl->nelem && same; i++) {
            size_t rem = i, off = 0, mul = 1;
            for (int k = rank - 1; k >= 0; k--) {
                size_t ix = rem % (size_t)sd[k];
                rem /= (size_t)sd[k];
                off += (size_t)(s0[k] + (int64_t)ix * ss[k]) * mul, mul *= (size_t)rd[k];
            }
            same = ((int16_t *)sl->data)[i] == ((int16_t *)r->data)[off];
        }
        CHECK_MSG(same, "slice iteration %d differs", iter);
        vt_tensor_release(x), vt_tensor_release(pv), vt_tensor_release(r), vt_tensor_release(sl);
    }
#undef RND
}

/* Empty tensors with enormous dims: nothing is copied and no stride or offset arithmetic may
 * overflow (UBSan would abort this test). */
TEST(hostile_empty) {
    vt_error e;
    int64_t big = (int64_t)1 << 62;
    vt_tensor *x = mk(VT_I32, 3, (int64_t[]){big, 0, big}, NULL);
    vt_tensor *t = mk(VT_I32, 3, (int64_t[]){big, big, 0}, NULL);
    CHECK_EQ_INT(vt_k_transpose(&kc_big, x, (int64_t[]){2, 0, 1}, 3, t, &e), VT_OK);
    vt_tensor *sl = mk(VT_I32, 3, (int64_t[]){1, 0, 2}, NULL);
    CHECK_EQ_INT(vt_k_slice(&kc_big, x, (int64_t[]){big - 1, 0, big - 4}, (int64_t[]){big, 0, big}, (int64_t[]){1, 1, 2}, sl, &e), VT_OK);
    vt_tensor *rv = mk(VT_I32, 3, (int64_t[]){big, 0, big}, NULL);
    CHECK_EQ_INT(vt_k_reverse(&kc_big, x, (int64_t[]){0, 2}, 2, rv, &e), VT_OK);
    vt_tensor *i_hi = mk(VT_I64, 0, NULL, (int64_t[]){INT64_MAX}), *i_lo = mk(VT_I64, 0, NULL, (int64_t[]){INT64_MIN});
    const vt_tensor *idx[] = {i_hi, i_lo, i_hi};
    CHECK_EQ_INT(vt_k_dynamic_slice(&kc_big, x, idx, sl, &e), VT_OK);
    CHECK_EQ_INT(vt_k_dynamic_update_slice(&kc_big, x, sl, idx, rv, &e), VT_OK);
    vt_tensor *bc = mk(VT_I32, 4, (int64_t[]){big, 0, big, 3}, NULL);
    CHECK_EQ_INT(vt_k_broadcast_in_dim(&kc_big, x, (int64_t[]){0, 1, 2}, 3, bc, &e), VT_OK);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 2, bc, &e), VT_OK);
    vt_tensor *list[] = {x, t, sl, rv, i_hi, i_lo, bc};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(iota) {
    vt_error e;
    vt_tensor *a = mk(VT_I32, 2, (int64_t[]){2, 3}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 1, a, &e), VT_OK);
    CHECK(eq_i32(a, (int32_t[]){0, 1, 2, 0, 1, 2}, 6));
    CHECK_EQ_INT(vt_k_iota(&kc_big, 0, a, &e), VT_OK);
    CHECK(eq_i32(a, (int32_t[]){0, 0, 0, 1, 1, 1}, 6));
    vt_tensor *f = mk(VT_F32, 1, (int64_t[]){4}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 0, f, &e), VT_OK);
    CHECK(eq_f32(f, (float[]){0, 1, 2, 3}, 4));
    vt_tensor *c = mk(VT_C64, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 0, c, &e), VT_OK);
    CHECK(memcmp(c->data, (float[]){0, 0, 1, 0, 2, 0}, 24) == 0);
    vt_tensor *h = mk(VT_BF16, 1, (int64_t[]){3}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 0, h, &e), VT_OK);
    CHECK(((uint16_t *)h->data)[2] == 0x4000); /* bf16 2.0 */
    vt_tensor *u8 = mk(VT_U8, 1, (int64_t[]){300}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 0, u8, &e), VT_OK);
    CHECK(((uint8_t *)u8->data)[257] == 1); /* integers wrap */
    CHECK_ERR(vt_k_iota(&kc_big, 2, a, &e), &e, VT_EINPUT, "out of range");
    vt_tensor *s = scalar_i64(0);
    CHECK_ERR(vt_k_iota(&kc_big, 0, s, &e), &e, VT_EINPUT, "out of range");
    vt_tensor *z = mk(VT_F64, 2, (int64_t[]){0, 4}, NULL);
    CHECK_EQ_INT(vt_k_iota(&kc_big, 1, z, &e), VT_OK);
    vt_tensor *list[] = {a, f, c, h, u8, s, z};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

int main(void) {
    RUN(broadcast);
    RUN(reshape_transpose);
    RUN(slices);
    RUN(concat_pad_reverse);
    RUN(random_pad_slice);
    RUN(hostile_empty);
    RUN(iota);
    return vt_test_finish();
}
