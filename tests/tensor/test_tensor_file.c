/* The one rule for tensor files (vt_tensor_write_auto) and the reader that accepts both formats
 * (vt_tensor_read_any: FILE.npy, FILE.safetensors, FILE.safetensors:NAME). */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static vt_tensor *patterned(vt_dtype dt, int rank, const int64_t *dims) {
    vt_tensor *t = vt_tensor_create(dt, rank, dims, 0, NULL);
    uint8_t *p = t->data;
    unsigned bits = vt_dtype_bits(dt);
    for (size_t i = 0; i < t->nbytes; i++) {
        uint8_t v = (uint8_t)(i * 29 + 3);
        if (vt_dtype_size(dt) == 1 && bits < 8) v &= (uint8_t)((1u << (bits - (vt_dtype_kind_of(dt) == VT_KIND_SINT))) - 1);
        p[i] = v;
    }
    return t;
}

static bool same(const vt_tensor *a, const vt_tensor *b) {
    return a && b && a->dtype == b->dtype && vt_tensor_same_shape(a, b) && a->nbytes == b->nbytes &&
           (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
}

static bool ends_with(const char *s, const char *suf) {
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

TEST(write_auto_every_dtype) {
    int64_t dims[2] = {4, 6};
    for (int d = 0; d < VT_DTYPE_COUNT; d++) {
        vt_dtype dt = (vt_dtype)d;
        vt_tensor *t = patterned(dt, 2, dims);
        char base[512], path[600];
        snprintf(base, sizeof base, "%s/auto_%d", vt_test_tmpdir(), d);
        vt_error err;
        CHECK_EQ_INT(vt_tensor_write_auto(base, t, path, sizeof path, &err), VT_OK);
        /* the one rule */
        CHECK_MSG(ends_with(path, vt_npy_supports(dt) ? ".npy" : ".safetensors"), "%s -> %s", vt_dtype_name(dt), path);
        vt_tensor *r = NULL;
        CHECK_EQ_INT(vt_tensor_read_any(path, NULL, &r, &err), VT_OK);
        CHECK_MSG(same(t, r), "%s round trip through %s", vt_dtype_name(dt), path);
        vt_tensor_release(r);
        if (!vt_npy_supports(dt)) {
            /* one tensor named "tensor" */
            char spec[700];
            snprintf(spec, sizeof spec, "%s:tensor", path);
            r = NULL;
            CHECK_EQ_INT(vt_tensor_read_any(spec, NULL, &r, &err), VT_OK);
            CHECK(same(t, r));
            vt_tensor_release(r);
        }
        vt_tensor_release(t);
    }
    /* path_out may be NULL; a short buffer is a usage error and nothing is written */
    int64_t d = 3;
    vt_tensor *t = patterned(VT_F32, 1, &d);
    char base[512], small[8];
    snprintf(base, sizeof base, "%s/nopath", vt_test_tmpdir());
    vt_error err;
    CHECK_EQ_INT(vt_tensor_write_auto(base, t, NULL, 0, &err), VT_OK);
    snprintf(base, sizeof base, "%s/short", vt_test_tmpdir());
    CHECK_ERR(vt_tensor_write_auto(base, t, small, sizeof small, &err), &err, VT_EUSAGE, "output path needs");
    char check[600];
    snprintf(check, sizeof check, "%s.npy", base);
    CHECK(access(check, F_OK) != 0);
    CHECK_ERR(vt_tensor_write_auto("", t, NULL, 0, &err), &err, VT_EUSAGE, "empty output path");
    CHECK_ERR(vt_tensor_write_auto("/nonexistent/dir/x", t, NULL, 0, &err), &err, VT_EIO, "/nonexistent/dir/x.npy");
    vt_tensor_release(t);
}

TEST(read_any_specs) {
    vt_error err;
    int64_t d = 2;
    vt_tensor *a = patterned(VT_BF16, 1, &d), *b = patterned(VT_I32, 1, &d);
    vt_tensor_set *set = vt_tensor_set_new();
    vt_tensor_set_add(set, "a", a, &err);
    vt_tensor_set_add(set, "b:c", b, &err);
    char path[512], spec[600];
    snprintf(path, sizeof path, "%s/two.safetensors", vt_test_tmpdir());
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    vt_tensor *t = NULL;
    CHECK_ERR(vt_tensor_read_any(path, NULL, &t, &err), &err, VT_EINPUT, "holds 2 tensors ('b:c', 'a'), not exactly one");
    CHECK(t == NULL);
    snprintf(spec, sizeof spec, "%s:a", path);
    CHECK_EQ_INT(vt_tensor_read_any(spec, NULL, &t, &err), VT_OK);
    CHECK(same(t, a));
    vt_tensor_release(t);
    /* names may contain ':' */
    snprintf(spec, sizeof spec, "%s:b:c", path);
    CHECK_EQ_INT(vt_tensor_read_any(spec, NULL, &t, &err), VT_OK);
    CHECK(same(t, b));
    vt_tensor_release(t);
    t = NULL;
    snprintf(spec, sizeof spec, "%s:zz", path);
    CHECK_ERR(vt_tensor_read_any(spec, NULL, &t, &err), &err, VT_EINPUT, "no tensor named 'zz' (it holds 2: 'b:c', 'a')");
    snprintf(spec, sizeof spec, "%s:", path);
    CHECK_ERR(vt_tensor_read_any(spec, NULL, &t, &err), &err, VT_EINPUT, "no tensor named ''");
    /* an empty set */
    vt_tensor_set *empty = vt_tensor_set_new();
    snprintf(path, sizeof path, "%s/empty.safetensors", vt_test_tmpdir());
    CHECK_EQ_INT(vt_safetensors_write(path, empty, &err), VT_OK);
    CHECK_ERR(vt_tensor_read_any(path, NULL, &t, &err), &err, VT_EINPUT, "holds 0 tensors (none)");
    vt_tensor_set_free(empty);
    /* unknown kinds of files and missing files */
    CHECK_ERR(vt_tensor_read_any("x.bin", NULL, &t, &err), &err, VT_EUSAGE, "x.bin: unknown tensor file type");
    CHECK_ERR(vt_tensor_read_any("", NULL, &t, &err), &err, VT_EUSAGE, "empty path");
    CHECK_ERR(vt_tensor_read_any("/nonexistent/x.npy", NULL, &t, &err), &err, VT_EIO, "/nonexistent/x.npy: cannot open");
    CHECK_ERR(vt_tensor_read_any("/nonexistent/x.safetensors:a", NULL, &t, &err), &err, VT_EIO,
              "/nonexistent/x.safetensors: cannot open");
    /* limits pass through */
    vt_read_options opt = {.max_tensor_bytes = 2};
    snprintf(spec, sizeof spec, "%s/two.safetensors:a", vt_test_tmpdir());
    CHECK_ERR(vt_tensor_read_any(spec, &opt, &t, &err), &err, VT_ELIMIT, "exceeds the limit of 2 bytes");
    vt_tensor_set_free(set);
    vt_tensor_release(a);
    vt_tensor_release(b);
}

int main(void) {
    RUN(write_auto_every_dtype);
    RUN(read_any_specs);
    return vt_test_finish();
}
