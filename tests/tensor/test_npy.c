/* .npy reader and writer: round trips of every numpy dtype, hand-built big-endian, Fortran-order
 * and v2/v3 inputs, and every kind of malformed header or data with its exact error. */
#include "harness.h"

#include <stdlib.h>

/* Builds a .npy image: magic, version, header length, dict padded to 64 with spaces + '\n',
 * then data. Returns the length; out must be large enough. */
static size_t mk_npy(uint8_t *out, int major, const char *dict, const void *data, size_t n) {
    size_t lenbytes = major == 1 ? 2 : 4;
    size_t dl = strlen(dict);
    size_t total = 6 + 2 + lenbytes + dl + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - 8 - lenbytes;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)major;
    out[7] = 0;
    for (size_t i = 0; i < lenbytes; i++) out[8 + i] = (uint8_t)(hlen >> (8 * i));
    memcpy(out + 8 + lenbytes, dict, dl);
    memset(out + 8 + lenbytes + dl, ' ', hlen - dl - 1);
    out[padded - 1] = '\n';
    if (n) memcpy(out + padded, data, n);
    return padded + n;
}

static uint8_t img[1 << 16];

static vt_status rd(const uint8_t *p, size_t n, vt_tensor **t, vt_error *err) {
    return vt_npy_read_mem(p, n, "x.npy", NULL, t, err);
}

static vt_tensor *patterned(vt_dtype dt, int rank, const int64_t *dims) {
    vt_error err;
    vt_tensor *t = vt_tensor_create(dt, rank, dims, 0, &err);
    uint8_t *p = t->data;
    for (size_t i = 0; i < t->nbytes; i++) p[i] = (uint8_t)(i * 37 + 11);
    if (dt == VT_I1)
        for (size_t i = 0; i < t->nbytes; i++) p[i] &= 1;
    return t;
}

static bool same(const vt_tensor *a, const vt_tensor *b) {
    return a->dtype == b->dtype && vt_tensor_same_shape(a, b) && a->nbytes == b->nbytes &&
           (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
}

TEST(round_trip_every_dtype) {
    vt_dtype types[] = {VT_I1, VT_I8, VT_I16, VT_I32, VT_I64, VT_U8, VT_U16, VT_U32, VT_U64, VT_F16, VT_F32, VT_F64, VT_C64, VT_C128};
    int64_t shapes[][3] = {{2, 3, 4}, {0, 3, 0}, {5, 0, 0}};
    int ranks[] = {3, 2, 1};
    char path[512];
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        CHECK(vt_npy_supports(types[i]));
        for (int k = -1; k < 3; k++) {
            int rank = k < 0 ? 0 : ranks[k];
            vt_tensor *t = patterned(types[i], rank, k < 0 ? NULL : shapes[k]);
            vt_error err;
            vt_buf b;
            vt_buf_init(&b);
            CHECK_EQ_INT(vt_npy_write_buf(&b, t, &err), VT_OK);
            /* numpy aligns the data to 64 bytes and writes v1.0. */
            size_t hl = (uint8_t)b.data[8] | (size_t)(uint8_t)b.data[9] << 8;
            CHECK_EQ_INT((10 + hl) % 64, 0);
            CHECK_EQ_INT(b.data[6], 1);
            vt_tensor *r = NULL;
            CHECK_EQ_INT(vt_npy_read_mem(b.data, b.len, "mem", NULL, &r, &err), VT_OK);
            CHECK_MSG(r && same(t, r), "memory round trip of %s rank %d", vt_dtype_name(types[i]), rank);
            vt_tensor_release(r);
            snprintf(path, sizeof path, "%s/rt_%zu_%d.npy", vt_test_tmpdir(), i, k);
            CHECK_EQ_INT(vt_npy_write(path, t, &err), VT_OK);
            r = NULL;
            CHECK_EQ_INT(vt_npy_read(path, NULL, &r, &err), VT_OK);
            CHECK_MSG(r && same(t, r), "file round trip of %s rank %d", vt_dtype_name(types[i]), rank);
            vt_tensor_release(r);
            vt_buf_free(&b);
            vt_tensor_release(t);
        }
    }
}

static bool has(const vt_buf *b, const char *s) { return memmem(b->data, b->len, s, strlen(s)) != NULL; }

TEST(header_text_is_numpy_style) {
    int64_t dims[2] = {2, 3};
    vt_tensor *t = patterned(VT_F32, 2, dims);
    vt_buf b;
    vt_buf_init(&b);
    vt_error err;
    CHECK_EQ_INT(vt_npy_write_buf(&b, t, &err), VT_OK);
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(b.len > 10 + strlen(want) && memcmp(b.data + 10, want, strlen(want)) == 0);
    CHECK_EQ_INT(b.data[127], '\n');
    CHECK_EQ_INT(b.len, 128 + 24);
    vt_buf_free(&b);
    vt_tensor_release(t);
    /* 1-d shapes are 1-tuples; 0-d shapes are (). */
    int64_t d1 = 7;
    t = patterned(VT_I1, 1, &d1);
    vt_buf_init(&b);
    CHECK_EQ_INT(vt_npy_write_buf(&b, t, &err), VT_OK);
    CHECK(has(&b, "{'descr': '|b1', 'fortran_order': False, 'shape': (7,), }"));
    vt_buf_free(&b);
    vt_tensor_release(t);
    t = patterned(VT_U8, 0, NULL);
    vt_buf_init(&b);
    CHECK_EQ_INT(vt_npy_write_buf(&b, t, &err), VT_OK);
    CHECK(has(&b, "'shape': (), }"));
    vt_buf_free(&b);
    vt_tensor_release(t);
}

TEST(write_unsupported_dtype) {
    int64_t d = 4;
    vt_dtype no[] = {VT_BF16, VT_F8E4M3FN, VT_I4, VT_U2, VT_F4E2M1FN};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        CHECK(!vt_npy_supports(no[i]));
        vt_tensor *t = vt_tensor_create(no[i], 1, &d, 0, NULL);
        vt_buf b;
        vt_buf_init(&b);
        vt_error err;
        CHECK_ERR(vt_npy_write_buf(&b, t, &err), &err, VT_EUNSUPPORTED, "has no dtype for");
        char path[512];
        snprintf(path, sizeof path, "%s/no.npy", vt_test_tmpdir());
        CHECK_ERR(vt_npy_write(path, t, &err), &err, VT_EUNSUPPORTED, "no.npy");
        vt_buf_free(&b);
        vt_tensor_release(t);
    }
}

TEST(big_endian_inputs) {
    vt_error err;
    vt_tensor *t = NULL;
    uint8_t be_i4[] = {0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe};
    size_t n = mk_npy(img, 1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be_i4, sizeof be_i4);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_I32 && ((int32_t *)t->data)[0] == 0x01020304 && ((int32_t *)t->data)[1] == -2);
    vt_tensor_release(t);
    /* 1.5 as big-endian f8 */
    uint8_t be_f8[] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
    n = mk_npy(img, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", be_f8, 8);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_F64 && t->rank == 0 && ((double *)t->data)[0] == 1.5);
    vt_tensor_release(t);
    /* complex64 1.0 + 2.0i big-endian: each part swapped on its own */
    uint8_t be_c8[] = {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
    n = mk_npy(img, 1, "{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }", be_c8, 8);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_C64 && ((float *)t->data)[0] == 1.0f && ((float *)t->data)[1] == 2.0f);
    vt_tensor_release(t);
    uint8_t be_u2[] = {0x12, 0x34};
    n = mk_npy(img, 1, "{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }", be_u2, 2);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_U16 && ((uint16_t *)t->data)[0] == 0x1234);
    vt_tensor_release(t);
    /* '>' on one-byte types changes nothing; '=' and bare codes are native (little) */
    uint8_t b3[] = {1, 0, 1};
    n = mk_npy(img, 1, "{'descr': '>b1', 'fortran_order': False, 'shape': (3,), }", b3, 3);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_I1 && memcmp(t->data, b3, 3) == 0);
    vt_tensor_release(t);
    uint8_t le[] = {0x34, 0x12};
    n = mk_npy(img, 1, "{'descr': '=i2', 'fortran_order': False, 'shape': (1,), }", le, 2);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_I16 && ((int16_t *)t->data)[0] == 0x1234);
    vt_tensor_release(t);
    n = mk_npy(img, 1, "{'descr': 'u2', 'fortran_order': False, 'shape': (1,), }", le, 2);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_U16 && ((uint16_t *)t->data)[0] == 0x1234);
    vt_tensor_release(t);
    n = mk_npy(img, 1, "{'descr': '?', 'fortran_order': False, 'shape': (3,), }", b3, 3);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && t->dtype == VT_I1);
    vt_tensor_release(t);
}

TEST(fortran_order_inputs) {
    vt_error err;
    vt_tensor *t = NULL;
    /* 2x3 matrix [[0,1,2],[3,4,5]] stored column-major: 0,3,1,4,2,5 */
    int16_t f23[] = {0, 3, 1, 4, 2, 5};
    size_t n = mk_npy(img, 1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", f23, sizeof f23);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    for (int i = 0; t && i < 6; i++) CHECK_EQ_INT(((int16_t *)t->data)[i], i);
    vt_tensor_release(t);
    /* 2x3x4, value = row-major index, stored column-major (first index fastest) */
    float f234[24];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) f234[i + 2 * j + 6 * k] = (float)(i * 12 + j * 4 + k);
    n = mk_npy(img, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", f234, sizeof f234);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    for (int i = 0; t && i < 24; i++) CHECK_EQ_INT((int)((float *)t->data)[i], i);
    vt_tensor_release(t);
    /* the same through a file (the pread path) */
    char path[512];
    snprintf(path, sizeof path, "%s/fortran.npy", vt_test_tmpdir());
    FILE *f = fopen(path, "wb");
    fwrite(img, 1, n, f);
    fclose(f);
    CHECK_EQ_INT(vt_npy_read(path, NULL, &t, &err), VT_OK);
    for (int i = 0; t && i < 24; i++) CHECK_EQ_INT((int)((float *)t->data)[i], i);
    vt_tensor_release(t);
    /* big-endian and Fortran together: 2x2 of >u4 */
    uint8_t bf[16] = {0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3};
    n = mk_npy(img, 1, "{'descr': '>u4', 'fortran_order': True, 'shape': (2, 2), }", bf, 16);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    for (int i = 0; t && i < 4; i++) CHECK_EQ_INT(((uint32_t *)t->data)[i], i);
    vt_tensor_release(t);
    /* Fortran order of 1-d and of shapes with one non-trivial dimension is the same bytes */
    n = mk_npy(img, 1, "{'descr': '<i2', 'fortran_order': True, 'shape': (1, 6, 1), }", f23, sizeof f23);
    CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
    CHECK(t && memcmp(t->data, f23, sizeof f23) == 0);
    vt_tensor_release(t);
}

TEST(header_variants) {
    vt_error err;
    vt_tensor *t = NULL;
    int64_t v[2] = {7, -9};
    const char *dicts[] = {
        "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
        "{'shape': (2,), 'fortran_order': False, 'descr': '<i8'}",
        "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2L,)}",
        "{ 'descr' :'<i8' ,\n 'fortran_order':False,'shape':( 2 , ) , }",
    };
    for (int major = 1; major <= 3; major++) {
        for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
            size_t n = mk_npy(img, major, dicts[i], v, sizeof v);
            CHECK_EQ_INT(rd(img, n, &t, &err), VT_OK);
            CHECK_MSG(t && t->dtype == VT_I64 && t->rank == 1 && t->dims[0] == 2 && memcmp(t->data, v, 16) == 0,
                      "v%d header %s", major, dicts[i]);
            vt_tensor_release(t);
            t = NULL;
        }
    }
    /* Old numpy aligned headers to 16 bytes only: no alignment is required. */
    const char *d = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
    size_t dl = strlen(d);
    memcpy(img, "\x93NUMPY\x01\x00", 8);
    img[8] = (uint8_t)(dl + 1);
    img[9] = 0;
    memcpy(img + 10, d, dl);
    img[10 + dl] = '\n';
    memcpy(img + 11 + dl, v, 16);
    CHECK_EQ_INT(rd(img, 11 + dl + 16, &t, &err), VT_OK);
    vt_tensor_release(t);
}

TEST(v2_large_header) {
    /* A v2.0 header is what a >64 KiB header needs; build one by hand and read it. */
    static uint8_t big[80000 + 256];
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }");
    size_t dl = strlen(dict);
    size_t hlen = 70000 - 12;
    memcpy(big, "\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; i++) big[8 + i] = (uint8_t)(hlen >> (8 * i));
    memcpy(big + 12, dict, dl);
    memset(big + 12 + dl, ' ', hlen - dl - 1);
    big[12 + hlen - 1] = '\n';
    big[12 + hlen] = 0x34;
    big[12 + hlen + 1] = 0x12;
    vt_tensor *t = NULL;
    vt_error err;
    CHECK_EQ_INT(vt_npy_read_mem(big, 12 + hlen + 2, "v2.npy", NULL, &t, &err), VT_OK);
    CHECK(t && ((uint16_t *)t->data)[0] == 0x1234);
    vt_tensor_release(t);
    /* the same header as v1.0 cannot say its length: 70000 does not fit 16 bits */
}

typedef struct bad_case {
    const char *dict;
    size_t data_len;
    vt_status code;
    const char *fragment;
} bad_case;

TEST(malformed_headers) {
    static const bad_case cases[] = {
        {"{'descr': '<f4', 'fortran_order': False}", 0, VT_EINPUT, "x.npy: header at byte"},
        {"{'descr': '<f4', 'fortran_order': False}", 0, VT_EINPUT, "expected 'shape' (missing key)"},
        {"{'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "expected 'descr' (missing key)"},
        {"{'descr': '<f4', 'shape': (1,)}", 4, VT_EINPUT, "expected 'fortran_order'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 4, VT_EINPUT, "unexpected key 'extra'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "duplicate key 'descr'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4, VT_EUNSUPPORTED, "structured dtype"},
        {"{'descr': ('<f4', (2,)), 'fortran_order': False, 'shape': (1,)}", 8, VT_EUNSUPPORTED, "sub-array"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", 8, VT_EUNSUPPORTED, "dtype '|O'"},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}", 12, VT_EUNSUPPORTED, "dtype '<U3'"},
        {"{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", 16, VT_EUNSUPPORTED, "dtype '<f16'"},
        {"{'descr': '<i3', 'fortran_order': False, 'shape': (1,)}", 3, VT_EUNSUPPORTED, "dtype '<i3'"},
        {"{'descr': '<x4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "unknown dtype '<x4'"},
        {"{'descr': '<', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "unknown dtype '<'"},
        {"{'descr': '<f4x', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "unknown dtype '<f4x'"},
        {"{'descr': '', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "unknown dtype ''"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", 4, VT_EINPUT, "True or False for 'fortran_order'"},
        {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,)}", 4, VT_EINPUT, "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", 4, VT_EINPUT, "a tuple '(...)' for 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", 4, VT_EINPUT, "a 1-tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", 4, VT_EINPUT, "non-negative integer in 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", 8, VT_EINPUT, "',' or ')' in 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (01,)}", 4, VT_EINPUT, "leading zeros"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 4, VT_EINPUT, "does not fit in 64 bits"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,),,}", 4, VT_EINPUT, "'descr', 'fortran_order' or 'shape'"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "',' or '}' in the header dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", 4, VT_EINPUT, "unexpected text after the header dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 4, VT_EINPUT, "',' or '}'"},
        {"['descr', '<f4']", 4, VT_EINPUT, "expected '{' opening the header dict"},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "expected ':' after the key"},
        {"{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "unexpected key"},
        {"{'desc\\r': '<f4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "escape sequences"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '\xe9': 1}", 4, VT_EINPUT, "non-ASCII"},
        {"{descr: '<f4', 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "expected 'descr', 'fortran_order' or 'shape'"},
        {"{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}", 4, VT_EINPUT, "a dtype string for 'descr'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)}", 4,
         VT_EUNSUPPORTED, "more than 32 dimensions"},
        /* sizes inconsistent with the file */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 8, VT_EINPUT, "file ends at byte"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 8, VT_EINPUT, "mid-tensor"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 8, VT_EINPUT, "4 unexpected bytes after the array data"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1152921504606846976,)}", 8, VT_EINPUT, "file ends at byte"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16)}", 8, VT_EINPUT,
         "declares more than 2^64 bytes"},
    };
    static uint8_t zeros[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = mk_npy(img, 1, cases[i].dict, zeros, cases[i].data_len);
        vt_tensor *t = NULL;
        vt_error err;
        vt_test_current = cases[i].dict;
        CHECK_ERR(rd(img, n, &t, &err), &err, cases[i].code, cases[i].fragment);
        CHECK(t == NULL);
        /* the file path gives the same answer */
        char path[512];
        snprintf(path, sizeof path, "%s/x.npy", vt_test_tmpdir());
        FILE *f = fopen(path, "wb");
        fwrite(img, 1, n, f);
        fclose(f);
        CHECK_ERR(vt_npy_read(path, NULL, &t, &err), &err, cases[i].code, cases[i].fragment);
    }
    vt_test_current = "malformed_headers";
}

TEST(malformed_preamble_and_data) {
    vt_error err;
    vt_tensor *t = NULL;
    uint8_t one[4] = {1, 0, 0, 0};
    size_t n = mk_npy(img, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", one, 4);
    /* wrong magic, at every byte */
    for (int i = 0; i < 6; i++) {
        uint8_t save = img[i];
        img[i] ^= 0x20;
        CHECK_ERR(rd(img, n, &t, &err), &err, VT_EINPUT, "x.npy: byte 0: wrong magic");
        img[i] = save;
    }
    /* truncated everywhere: every prefix is an error naming the file */
    for (size_t k = 0; k < n; k++) {
        vt_status s = rd(img, k, &t, &err);
        CHECK_MSG(s == VT_EINPUT && strstr(err.msg, "x.npy") && t == NULL, "prefix %zu: %s", k, err.msg);
    }
    CHECK_ERR(rd(img, 3, &t, &err), &err, VT_EINPUT, "truncated at byte 3");
    CHECK_ERR(rd(img, 7, &t, &err), &err, VT_EINPUT, "expected the format version");
    CHECK_ERR(rd(img, 9, &t, &err), &err, VT_EINPUT, "expected the 2-byte header length");
    CHECK_ERR(rd(img, 40, &t, &err), &err, VT_EINPUT, "runs past the end of the file");
    CHECK_ERR(rd(img, n - 1, &t, &err), &err, VT_EINPUT, "mid-tensor");
    /* version */
    img[6] = 4;
    CHECK_ERR(rd(img, n, &t, &err), &err, VT_EUNSUPPORTED, "version 4.0");
    img[6] = 1;
    img[7] = 1;
    CHECK_ERR(rd(img, n, &t, &err), &err, VT_EUNSUPPORTED, "version 1.1");
    img[7] = 0;
    /* bool arrays hold only 0 and 1 */
    uint8_t two[3] = {1, 2, 0};
    n = mk_npy(img, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", two, 3);
    CHECK_ERR(rd(img, n, &t, &err), &err, VT_EINPUT, "element 1 of the bool array is 0x02");
    /* limits: a consistent tensor larger than the limit is VT_ELIMIT */
    uint8_t z[64] = {0};
    n = mk_npy(img, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (8,), }", z, 64);
    vt_read_options opt = {.max_tensor_bytes = 32};
    CHECK_ERR(vt_npy_read_mem(img, n, "x.npy", &opt, &t, &err), &err, VT_ELIMIT, "x.npy");
    opt.max_tensor_bytes = 64;
    CHECK_EQ_INT(vt_npy_read_mem(img, n, "x.npy", &opt, &t, &err), VT_OK);
    vt_tensor_release(t);
    /* a huge (v2) header is refused before it is parsed */
    static uint8_t big[(1 << 20) + 4096];
    memcpy(big, "\x93NUMPY\x02\x00", 8);
    size_t hl = (1 << 20) + 64;
    for (int i = 0; i < 4; i++) big[8 + i] = (uint8_t)(hl >> (8 * i));
    memset(big + 12, ' ', hl);
    CHECK_ERR(vt_npy_read_mem(big, 12 + hl, "big.npy", NULL, &t, &err), &err, VT_ELIMIT, "big.npy: byte 8: header of");
    /* NUL byte in the header */
    n = mk_npy(img, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", one, 4);
    img[20] = 0;
    CHECK_ERR(rd(img, n, &t, &err), &err, VT_EINPUT, "x.npy: header at byte 20: non-ASCII or NUL");
    /* missing files */
    CHECK_ERR(vt_npy_read("/nonexistent/dir/x.npy", NULL, &t, &err), &err, VT_EIO, "/nonexistent/dir/x.npy: cannot open");
    CHECK_ERR(vt_npy_read(vt_test_tmpdir(), NULL, &t, &err), &err, VT_EIO, "not a regular file");
}

TEST(hostile_random_inputs) {
    /* Random mutations of a valid file must never crash (ASan/UBSan watch) and always answer. */
    vt_key key = vt_key_from_seed(7);
    uint8_t good[256];
    int16_t v[6] = {1, 2, 3, 4, 5, 6};
    size_t n = mk_npy(good, 1, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", v, sizeof v);
    for (uint32_t iter = 0; iter < 4000; iter++) {
        memcpy(img, good, n);
        uint32_t r[2];
        vt_threefry2x32(key, iter, 0, r);
        size_t pos = r[0] % n;
        img[pos] = (uint8_t)r[1];
        if (r[1] & 0x100) img[(r[0] >> 8) % n] = (uint8_t)(r[1] >> 16);
        vt_tensor *t = NULL;
        vt_error err;
        vt_status s = rd(img, n - ((r[1] >> 24) & 3), &t, &err);
        CHECK(s == VT_OK ? t != NULL : (t == NULL && err.msg[0]));
        vt_tensor_release(t);
    }
}

#include <dirent.h>

TEST(seed_corpus_reads) {
    /* numpy- and struct-written files from scripts/make-fuzz-corpus: every one is valid */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/npy", vt_test_source_dir());
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "cannot open %s", dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        vt_error err;
        bool ok;
        vt_tensor *t = NULL;
        vt_status s = vt_npy_read(path, NULL, &t, &err);
        ok = s == VT_OK && t != NULL;
        vt_tensor_release(t);
        CHECK_MSG(ok, "%s: %s", de->d_name, err.msg);
        n++;
    }
    if (d) closedir(d);
    CHECK(n >= 20);
}

int main(void) {
    RUN(round_trip_every_dtype);
    RUN(header_text_is_numpy_style);
    RUN(write_unsupported_dtype);
    RUN(big_endian_inputs);
    RUN(fortran_order_inputs);
    RUN(header_variants);
    RUN(v2_large_header);
    RUN(malformed_headers);
    RUN(malformed_preamble_and_data);
    RUN(hostile_random_inputs);
    RUN(seed_corpus_reads);
    return vt_test_finish();
}
