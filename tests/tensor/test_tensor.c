/* Tests of vt_tensor (src/tensor/tensor.c): shape arithmetic and its limits, create / wrap /
 * retain / release / clone / convert, and the type string. */
#include "harness.h"

#include <stdlib.h>

TEST(shape_size) {
    vt_error err;
    size_t nelem = 7, nbytes = 7;
    int64_t d[] = {2, 3, 4};
    CHECK_EQ_INT(vt_shape_size(VT_F32, 3, d, 0, &nelem, &nbytes, &err), VT_OK);
    CHECK_EQ_INT(nelem, 24);
    CHECK_EQ_INT(nbytes, 96);
    CHECK_EQ_INT(vt_shape_size(VT_I4, 3, d, 0, &nelem, &nbytes, &err), VT_OK);
    CHECK_EQ_INT(nbytes, 24); /* one byte per sub-byte element */
    CHECK_EQ_INT(vt_shape_size(VT_C128, 0, NULL, 0, &nelem, &nbytes, &err), VT_OK); /* scalar */
    CHECK_EQ_INT(nelem, 1);
    CHECK_EQ_INT(nbytes, 16);

    int64_t neg[] = {2, -1, 4};
    CHECK_ERR(vt_shape_size(VT_F32, 3, neg, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "dimension 1 is negative (-1)");
    int64_t most_neg[] = {INT64_MIN};
    CHECK_ERR(vt_shape_size(VT_F32, 1, most_neg, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "negative");
    int64_t many[33];
    for (int i = 0; i < 33; i++) many[i] = 1;
    CHECK_ERR(vt_shape_size(VT_F32, 33, many, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "rank 33 is outside 0..32");
    CHECK_ERR(vt_shape_size(VT_F32, -1, many, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "rank -1");
    CHECK_EQ_INT(vt_shape_size(VT_F32, 32, many, 0, &nelem, &nbytes, &err), VT_OK);
    CHECK_ERR(vt_shape_size(VT_DTYPE_INVALID, 1, d, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "invalid element type");
    CHECK_ERR(vt_shape_size((vt_dtype)VT_DTYPE_COUNT, 1, d, 0, &nelem, &nbytes, &err), &err, VT_EINPUT, "invalid");

    /* 2^62 elements: bytes overflow 64 bits for f32, exceed the default limit for i8 */
    int64_t huge[] = {(int64_t)1 << 62};
    CHECK_ERR(vt_shape_size(VT_F32, 1, huge, 0, &nelem, &nbytes, &err), &err, VT_ELIMIT, "overflows 64-bit sizes");
    CHECK_ERR(vt_shape_size(VT_I8, 1, huge, 0, &nelem, &nbytes, &err), &err, VT_ELIMIT, "exceeds the limit of 68719476736 bytes");
    int64_t prod[] = {(int64_t)1 << 32, (int64_t)1 << 32};
    CHECK_ERR(vt_shape_size(VT_I8, 2, prod, 0, &nelem, &nbytes, &err), &err, VT_ELIMIT, "overflows");
    int64_t maxd[] = {INT64_MAX, INT64_MAX, 2};
    CHECK_ERR(vt_shape_size(VT_I1, 3, maxd, UINT64_MAX, &nelem, &nbytes, &err), &err, VT_ELIMIT, "overflows");
    /* a configured byte limit */
    int64_t d26[] = {26};
    CHECK_ERR(vt_shape_size(VT_F32, 1, d26, 100, &nelem, &nbytes, &err), &err, VT_ELIMIT,
              "tensor of 104 bytes exceeds the limit of 100 bytes");
    int64_t d25[] = {25};
    CHECK_EQ_INT(vt_shape_size(VT_F32, 1, d25, 100, &nelem, &nbytes, &err), VT_OK);
    /* a zero dimension makes the tensor empty even when the others overflow */
    int64_t zero[] = {INT64_MAX, 0, INT64_MAX};
    CHECK_EQ_INT(vt_shape_size(VT_F64, 3, zero, 0, &nelem, &nbytes, &err), VT_OK);
    CHECK_EQ_INT(nelem, 0);
    CHECK_EQ_INT(nbytes, 0);
    /* NULL outputs and NULL error record are allowed */
    CHECK_EQ_INT(vt_shape_size(VT_F32, 3, d, 0, NULL, NULL, NULL), VT_OK);
    CHECK_EQ_INT(vt_shape_size(VT_F32, 3, neg, 0, NULL, NULL, NULL), VT_EINPUT);
}

TEST(create_and_type_str) {
    vt_error err;
    int64_t d[] = {2, 3};
    vt_tensor *t = vt_tensor_create(VT_BF16, 2, d, 0, &err);
    CHECK(t != NULL);
    if (!t) return;
    CHECK_EQ_INT(t->refcount, 1);
    CHECK_EQ_INT(t->nelem, 6);
    CHECK_EQ_INT(t->nbytes, 12);
    CHECK((uintptr_t)t->data % 64 == 0);
    bool zero = true;
    for (size_t i = 0; i < t->nbytes; i++) zero = zero && ((uint8_t *)t->data)[i] == 0;
    CHECK(zero);
    char s[64];
    CHECK_STR(vt_tensor_type_str(t, s, sizeof s), "tensor<2x3xbf16>");
    char small[10];
    CHECK_STR(vt_tensor_type_str(t, small, sizeof small), "tensor<2x"); /* truncated, terminated */
    char tiny[3];
    CHECK_STR(vt_tensor_type_str(t, tiny, sizeof tiny), "te");
    vt_tensor_release(t);

    vt_tensor *sc = vt_tensor_create(VT_C64, 0, NULL, 0, &err);
    CHECK(sc && sc->nelem == 1 && sc->nbytes == 8);
    if (sc) CHECK_STR(vt_tensor_type_str(sc, s, sizeof s), "tensor<complex<f32>>");
    vt_tensor_release(sc);

    /* rank 16 (and the maximum, 32) */
    int64_t d16[16];
    for (int i = 0; i < 16; i++) d16[i] = i % 2 ? 2 : 1;
    vt_tensor *r16 = vt_tensor_create(VT_F8E4M3FN, 16, d16, 0, &err);
    CHECK(r16 && r16->rank == 16 && r16->nelem == 256);
    if (r16) {
        CHECK_STR(vt_tensor_type_str(r16, s, sizeof s), "tensor<1x2x1x2x1x2x1x2x1x2x1x2x1x2x1x2xf8E4M3FN>");
        CHECK(r16->dims[15] == 2);
    }
    vt_tensor_release(r16);
    int64_t d32[32];
    for (int i = 0; i < 32; i++) d32[i] = 1;
    vt_tensor *r32 = vt_tensor_create(VT_I1, 32, d32, 0, &err);
    CHECK(r32 && r32->nelem == 1);
    vt_tensor_release(r32);

    /* zero-size tensors have no data */
    int64_t dz[] = {4, 0, 5};
    vt_tensor *z = vt_tensor_create_uninit(VT_F32, 3, dz, 0, &err);
    CHECK(z && z->nelem == 0 && z->nbytes == 0 && z->data == NULL);
    if (z) CHECK_STR(vt_tensor_type_str(z, s, sizeof s), "tensor<4x0x5xf32>");
    vt_tensor *zc = z ? vt_tensor_clone(z, &err) : NULL;
    CHECK(zc && zc->nelem == 0);
    vt_tensor *zv = z ? vt_tensor_convert(z, VT_F64, &err) : NULL;
    CHECK(zv && zv->nbytes == 0 && zv->dtype == VT_F64);
    vt_tensor_release(zv);
    vt_tensor_release(zc);
    vt_tensor_release(z);

    /* limits and bad shapes fail cleanly, before any allocation */
    int64_t big[] = {1000, 1000};
    CHECK(vt_tensor_create(VT_F32, 2, big, 1000, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_ELIMIT, "exceeds the limit of 1000 bytes");
    int64_t neg[] = {-3};
    CHECK(vt_tensor_create(VT_F32, 1, neg, 0, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "negative");
    CHECK(vt_tensor_create_uninit(VT_F32, 40, d16, 0, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "rank 40");
    /* with no byte limit at all, sizes near 2^64 must still be refused without allocating */
    int64_t near[] = {((int64_t)1 << 61) - 1};
    CHECK(vt_tensor_create(VT_I64, 1, near, UINT64_MAX, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_ELIMIT, "too large");
    vt_tensor_release(NULL); /* allowed */
}

static int released_count;
static void *released_data;
static size_t released_bytes;
static void on_release(void *ctx, void *data, size_t nbytes) {
    released_count += *(int *)ctx;
    released_data = data;
    released_bytes = nbytes;
}

TEST(wrap_retain_release_clone) {
    vt_error err;
    float data[6] = {1, 2, 3, 4, 5, 6};
    int64_t d[] = {3, 2};
    int one = 1;
    vt_tensor *t = vt_tensor_wrap(VT_F32, 2, d, data, sizeof data, on_release, &one, &err);
    CHECK(t != NULL);
    if (!t) return;
    CHECK(t->data == data && t->nelem == 6);
    CHECK(vt_tensor_retain(t) == t);
    CHECK_EQ_INT(t->refcount, 2);
    vt_tensor *c = vt_tensor_clone(t, &err);
    CHECK(c && c->data != data && memcmp(c->data, data, sizeof data) == 0 && vt_tensor_same_shape(c, t));
    CHECK(c && c->refcount == 1 && c->release == NULL);
    vt_tensor_release(t);
    CHECK_EQ_INT(released_count, 0);
    vt_tensor_release(t);
    CHECK_EQ_INT(released_count, 1);
    CHECK(released_data == data && released_bytes == sizeof data);
    /* the clone outlives the original */
    CHECK(c && ((float *)c->data)[5] == 6);

    /* converted copy keeps the shape */
    vt_tensor *b = c ? vt_tensor_convert(c, VT_BF16, &err) : NULL;
    CHECK(b && b->dtype == VT_BF16 && b->nbytes == 12 && vt_tensor_same_shape(b, c));
    if (b) CHECK(vt_load_f64(VT_BF16, (uint8_t *)b->data + 2 * 5) == 6.0);
    int64_t d2[] = {2, 3};
    vt_tensor *o = vt_tensor_create(VT_F32, 2, d2, 0, &err);
    CHECK(o && c && !vt_tensor_same_shape(o, c));
    vt_tensor_release(o);
    vt_tensor_release(b);
    vt_tensor_release(c);

    /* wrap refuses a byte count that does not match the shape */
    CHECK(vt_tensor_wrap(VT_F32, 2, d, data, sizeof data - 1, NULL, NULL, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "data of 23 bytes does not match f32 with 6 elements (24 bytes)");
    int64_t dn[] = {-6};
    CHECK(vt_tensor_wrap(VT_F32, 1, dn, data, sizeof data, NULL, NULL, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "negative");
    CHECK_EQ_INT(released_count, 1); /* a refused wrap never calls release */

    /* a malloc'ed buffer wrapped with release == NULL is freed by the tensor */
    double *heap = malloc(4 * sizeof(double));
    int64_t d4[] = {4};
    vt_tensor *h = vt_tensor_wrap(VT_F64, 1, d4, heap, 4 * sizeof(double), NULL, NULL, &err);
    CHECK(h != NULL);
    if (h) vt_tensor_release(h);
    else free(heap);
}

int main(void) {
    RUN(shape_size);
    RUN(create_and_type_str);
    RUN(wrap_retain_release_clone);
    return vt_test_finish();
}
