/* safetensors reader and writer: round trips of every veritor dtype (bit-packed F4/F6, types
 * without a code), the reference's validation rules with exact errors, the mmap path with a
 * file above 64 MiB, and tensor sets. */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static uint8_t img[1 << 16];

/* 8-byte length + json (as given) + data. */
static size_t mk_st(uint8_t *out, const char *json, const void *data, size_t n) {
    size_t jl = strlen(json);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)((uint64_t)jl >> (8 * i));
    memcpy(out + 8, json, jl);
    if (n) memcpy(out + 8 + jl, data, n);
    return 8 + jl + n;
}

static vt_status rd(const uint8_t *p, size_t n, vt_tensor_set **s, vt_error *err) {
    return vt_safetensors_read_mem(p, n, "m.safetensors", NULL, s, err);
}

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static size_t read_whole(const char *path, uint8_t *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Canonical pseudo-random contents for any dtype (sub-byte values in range). */
static vt_tensor *patterned(vt_dtype dt, int rank, const int64_t *dims, uint32_t seed) {
    vt_tensor *t = vt_tensor_create(dt, rank, dims, 0, NULL);
    uint8_t *p = t->data;
    unsigned bits = vt_dtype_bits(dt);
    for (size_t i = 0; i < t->nbytes; i++) {
        uint8_t v = (uint8_t)((i + seed) * 2654435761u >> 13);
        if (vt_dtype_size(dt) == 1 && bits < 8) {
            v &= (uint8_t)((1u << bits) - 1);
            if (vt_dtype_kind_of(dt) == VT_KIND_SINT && (v >> (bits - 1)) & 1) v |= (uint8_t)(0xff << bits);
        }
        p[i] = v;
    }
    return t;
}

static bool same(const vt_tensor *a, const vt_tensor *b) {
    return a && b && a->dtype == b->dtype && vt_tensor_same_shape(a, b) && a->nbytes == b->nbytes &&
           (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
}

static void tmp_path(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", vt_test_tmpdir(), name); }

TEST(round_trip_every_dtype) {
    char path[512];
    tmp_path(path, sizeof path, "all.safetensors");
    vt_tensor_set *set = vt_tensor_set_new();
    vt_error err;
    int64_t dims[3] = {2, 3, 4};
    for (int d = 0; d < VT_DTYPE_COUNT; d++) {
        char name[64];
        snprintf(name, sizeof name, "t_%s", vt_dtype_name((vt_dtype)d));
        vt_tensor *t = patterned((vt_dtype)d, 3, dims, (uint32_t)d);
        CHECK_EQ_INT(vt_tensor_set_add(set, name, t, &err), VT_OK);
        vt_tensor_release(t);
        /* empty and 0-d tensors too (0-d F4/F6 are not whole bytes; skip those) */
        snprintf(name, sizeof name, "e_%s", vt_dtype_name((vt_dtype)d));
        int64_t z[2] = {0, 5};
        t = patterned((vt_dtype)d, 2, z, 1);
        CHECK_EQ_INT(vt_tensor_set_add(set, name, t, &err), VT_OK);
        vt_tensor_release(t);
        if (vt_dtype_bits((vt_dtype)d) >= 8) {
            snprintf(name, sizeof name, "s_%s", vt_dtype_name((vt_dtype)d));
            t = patterned((vt_dtype)d, 0, NULL, 3);
            CHECK_EQ_INT(vt_tensor_set_add(set, name, t, &err), VT_OK);
            vt_tensor_release(t);
        }
    }
    CHECK_EQ_INT(vt_tensor_set_add_meta(set, "format", "pt", &err), VT_OK);
    CHECK_EQ_INT(vt_tensor_set_add_meta(set, "note", "caf\xc3\xa9 \"quoted\"", &err), VT_OK);
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    for (int mode = 0; mode < 3; mode++) {
        vt_tensor_set *back = NULL;
        vt_read_options opt = {.use_mmap = mode == 1};
        vt_status s;
        if (mode < 2) {
            s = vt_safetensors_read(path, &opt, &back, &err);
        } else {
            static uint8_t buf[1 << 16];
            size_t n = read_whole(path, buf, sizeof buf);
            s = vt_safetensors_read_mem(buf, n, "all", NULL, &back, &err);
        }
        CHECK_MSG(s == VT_OK, "mode %d: %s", mode, err.msg);
        if (s) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        CHECK_EQ_INT(back->count, set->count);
        CHECK((mode == 1) == (back->mapping != NULL));
        for (size_t i = 0; i < set->count; i++) {
            vt_tensor *b = vt_tensor_set_get(back, set->items[i].name);
            CHECK_MSG(same(set->items[i].tensor, b), "mode %d: %s differs", mode, set->items[i].name);
        }
        /* veritor's own type entries are consumed, user metadata kept */
        CHECK_EQ_INT(back->meta_count, 2);
        for (size_t i = 0; i < back->meta_count; i++) {
            if (!strcmp(back->meta_keys[i], "format")) CHECK_STR(back->meta_values[i], "pt");
            else CHECK_STR(back->meta_values[i], "caf\xc3\xa9 \"quoted\"");
        }
        /* the file's order is by offset */
        uint64_t prev = 0;
        (void)prev;
        vt_tensor_set_free(back);
    }
    vt_tensor_set_free(set);
}

TEST(bit_packing_order) {
    /* F4: element 0 in the low nibble of byte 0. */
    char path[512];
    tmp_path(path, sizeof path, "f4.safetensors");
    int64_t d4 = 4;
    vt_tensor *t = vt_tensor_create(VT_F4E2M1FN, 1, &d4, 0, NULL);
    uint8_t vals[4] = {0x1, 0x2, 0x3, 0xf};
    memcpy(t->data, vals, 4);
    vt_tensor_set *set = vt_tensor_set_new();
    vt_error err;
    vt_tensor_set_add(set, "w", t, &err);
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    size_t n = read_whole(path, img, sizeof img);
    CHECK(n >= 2 && img[n - 2] == 0x21 && img[n - 1] == 0xf3);
    CHECK(memmem(img, n, "\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[0,2]", 44) != NULL);
    vt_tensor_set_free(set);
    vt_tensor_release(t);
    /* F6: four elements in three bytes, element i at bits [6i, 6i+6) little-endian. */
    t = vt_tensor_create(VT_F6E3M2FN, 1, &d4, 0, NULL);
    uint8_t v6[4] = {0x01, 0x22, 0x3f, 0x15};
    memcpy(t->data, v6, 4);
    uint32_t word = 0x01u | 0x22u << 6 | 0x3fu << 12 | 0x15u << 18;
    set = vt_tensor_set_new();
    vt_tensor_set_add(set, "w", t, &err);
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    n = read_whole(path, img, sizeof img);
    CHECK(n >= 3 && img[n - 3] == (uint8_t)word && img[n - 2] == (uint8_t)(word >> 8) && img[n - 1] == (uint8_t)(word >> 16));
    CHECK(memmem(img, n, "\"F6_E3M2\"", 9) != NULL);
    vt_tensor_set_free(set);
    vt_tensor_release(t);
    /* and a hand-built F6_E2M3 file reads back the same way */
    uint8_t packed[3] = {(uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16)};
    n = mk_st(img, "{\"x\":{\"dtype\":\"F6_E2M3\",\"shape\":[2,2],\"data_offsets\":[0,3]}}", packed, 3);
    vt_tensor_set *s = NULL;
    CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
    CHECK(s && s->items[0].tensor->dtype == VT_F6E2M3FN && memcmp(s->items[0].tensor->data, v6, 4) == 0);
    vt_tensor_set_free(s);
    /* odd F4 counts cannot be written (the format needs whole bytes) */
    int64_t d3 = 3;
    t = vt_tensor_create(VT_F4E2M1FN, 1, &d3, 0, NULL);
    set = vt_tensor_set_new();
    vt_tensor_set_add(set, "odd", t, &err);
    CHECK_ERR(vt_safetensors_write(path, set, &err), &err, VT_EUNSUPPORTED, "tensor 'odd': not supported: 3 elements of F4");
    vt_tensor_set_free(set);
    vt_tensor_release(t);
}

TEST(writer_layout) {
    char path[512];
    tmp_path(path, sizeof path, "layout.safetensors");
    vt_tensor_set *set = vt_tensor_set_new();
    vt_error err;
    int64_t d3 = 3, d2 = 2;
    vt_tensor *a = patterned(VT_U8, 1, &d3, 1), *b = patterned(VT_F32, 1, &d2, 2), *c = patterned(VT_F32, 1, &d3, 3),
              *i4 = patterned(VT_I4, 1, &d2, 4);
    vt_tensor_set_add(set, "a", a, &err);
    vt_tensor_set_add(set, "z", b, &err);
    vt_tensor_set_add(set, "y", c, &err);
    vt_tensor_set_add(set, "q", i4, &err);
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    size_t n = read_whole(path, img, sizeof img);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | img[i];
    CHECK_EQ_INT(hl % 8, 0);
    CHECK_EQ_INT(n, 8 + hl + 3 + 8 + 12 + 2);
    /* compact JSON; larger alignment first, then names: y, z (F32), then a, q (U8) */
    const char *want = "{\"__metadata__\":{\"veritor.dtype.q\":\"i4\"},"
                       "\"y\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                       "\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                       "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[20,23]},"
                       "\"q\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[23,25]}}";
    CHECK(hl >= strlen(want) && memcmp(img + 8, want, strlen(want)) == 0);
    for (size_t i = 8 + strlen(want); i < 8 + hl; i++) CHECK_EQ_INT(img[i], ' ');
    /* reading keeps the file's (offset) order */
    vt_tensor_set *back = NULL;
    CHECK_EQ_INT(vt_safetensors_read(path, NULL, &back, &err), VT_OK);
    const char *order[] = {"y", "z", "a", "q"};
    for (int i = 0; back && i < 4; i++) CHECK_STR(back->items[i].name, order[i]);
    CHECK(back && back->items[3].tensor->dtype == VT_I4 && back->meta_count == 0);
    vt_tensor_set_free(back);
    /* reserved names and keys, and bad sub-byte values, are refused */
    CHECK_EQ_INT(vt_tensor_set_add_meta(set, "veritor.dtype.a", "i4", &err), VT_OK);
    CHECK_ERR(vt_safetensors_write(path, set, &err), &err, VT_EINPUT, "metadata key 'veritor.dtype.a' is reserved");
    vt_tensor_set_free(set);
    set = vt_tensor_set_new();
    vt_tensor_set_add(set, "__metadata__", a, &err);
    CHECK_ERR(vt_safetensors_write(path, set, &err), &err, VT_EINPUT, "'__metadata__' is reserved");
    vt_tensor_set_free(set);
    set = vt_tensor_set_new();
    ((uint8_t *)i4->data)[1] = 0x70;
    vt_tensor_set_add(set, "bad", i4, &err);
    CHECK_ERR(vt_safetensors_write(path, set, &err), &err, VT_EINPUT, "tensor 'bad': element 1 (0x70) is not a valid i4 value");
    vt_tensor_set_free(set);
    set = vt_tensor_set_new();
    vt_tensor_set_add(set, "n\xff", a, &err);
    CHECK_ERR(vt_safetensors_write(path, set, &err), &err, VT_EINPUT, "is not valid UTF-8");
    CHECK_ERR(vt_safetensors_write("/nonexistent/dir/x.safetensors", set, &err), &err, VT_EINPUT, "not valid UTF-8");
    vt_tensor_set_free(set);
    set = vt_tensor_set_new();
    vt_tensor_set_add(set, "a", a, &err);
    CHECK_ERR(vt_safetensors_write("/nonexistent/dir/x.safetensors", set, &err), &err, VT_EIO,
              "/nonexistent/dir/x.safetensors: cannot create");
    /* no temp file is left behind on success or failure */
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    char cmd[600], out[256];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", vt_test_tmpdir());
    vt_test_run(cmd, out, sizeof out);
    CHECK_EQ_INT(atoi(out), 0);
    vt_tensor_set_free(set);
    vt_tensor_release(a);
    vt_tensor_release(b);
    vt_tensor_release(c);
    vt_tensor_release(i4);
}

TEST(tensor_sets) {
    vt_tensor_set *set = vt_tensor_set_new();
    vt_error err;
    int64_t d = 2;
    vt_tensor *t = vt_tensor_create(VT_F32, 1, &d, 0, NULL);
    CHECK_EQ_INT(vt_tensor_set_add(set, "a", t, &err), VT_OK);
    CHECK_EQ_INT(t->refcount, 2);
    CHECK_ERR(vt_tensor_set_add(set, "a", t, &err), &err, VT_EINPUT, "duplicate tensor name 'a'");
    CHECK_ERR(vt_tensor_set_add(set, "", t, &err), &err, VT_EINPUT, "empty tensor name");
    CHECK_ERR(vt_tensor_set_add(set, NULL, t, &err), &err, VT_EINPUT, "empty tensor name");
    CHECK_ERR(vt_tensor_set_add(set, "b", NULL, &err), &err, VT_EUSAGE, "no tensor");
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        CHECK_EQ_INT(vt_tensor_set_add(set, name, t, &err), VT_OK);
        CHECK_EQ_INT(vt_tensor_set_add_meta(set, name, "v", &err), VT_OK);
    }
    CHECK_EQ_INT(set->count, 101);
    CHECK_EQ_INT(t->refcount, 102);
    CHECK(vt_tensor_set_get(set, "n57") == t && vt_tensor_set_get(set, "nope") == NULL);
    CHECK_STR(set->items[57].name, "n56");
    CHECK_ERR(vt_tensor_set_add_meta(set, "n3", "w", &err), &err, VT_EINPUT, "duplicate metadata key 'n3'");
    CHECK_STR(set->meta_values[3], "v");
    vt_tensor_set_free(set);
    CHECK_EQ_INT(t->refcount, 1);
    vt_tensor_release(t);
    vt_tensor_set_free(NULL);
}

TEST(reference_examples) {
    vt_error err;
    vt_tensor_set *s = NULL;
    /* the example from the reference's documentation */
    static const uint8_t zero16[16];
    size_t n = mk_st(img, "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", zero16, 16);
    CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
    CHECK(s && s->count == 1 && s->items[0].tensor->dtype == VT_I32 && s->items[0].tensor->nelem == 4);
    vt_tensor_set_free(s);
    /* header order differs from offset order; __metadata__ null; trailing spaces; empty set */
    uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    n = mk_st(img,
              "{\"__metadata__\":null,\"b\":{\"data_offsets\":[2,6],\"shape\":[2],\"dtype\":\"U16\"},"
              "\"a\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}   ",
              data, 6);
    CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
    CHECK(s && s->count == 2 && !strcmp(s->items[0].name, "a") && !strcmp(s->items[1].name, "b") && s->meta_count == 0);
    CHECK(s && ((uint16_t *)s->items[1].tensor->data)[0] == 0x0403);
    vt_tensor_set_free(s);
    n = mk_st(img, "{}", NULL, 0);
    CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
    CHECK(s && s->count == 0);
    vt_tensor_set_free(s);
    /* zero-size tensors share offsets; order is then the header's */
    n = mk_st(img, "{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"y\":{\"dtype\":\"F16\",\"shape\":[0,4],\"data_offsets\":[0,0]}}",
              NULL, 0);
    CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
    CHECK(s && s->count == 2 && !strcmp(s->items[0].name, "z"));
    vt_tensor_set_free(s);
    /* every dtype code maps to its veritor type */
    static const struct { const char *code; vt_dtype t; } map[] = {
        {"BOOL", VT_I1},         {"U8", VT_U8},           {"I8", VT_I8},           {"F8_E5M2", VT_F8E5M2},
        {"F8_E4M3", VT_F8E4M3FN}, {"F8_E8M0", VT_F8E8M0FNU}, {"F8_E4M3FNUZ", VT_F8E4M3FNUZ}, {"F8_E5M2FNUZ", VT_F8E5M2FNUZ},
        {"I16", VT_I16},         {"U16", VT_U16},         {"F16", VT_F16},         {"BF16", VT_BF16},
        {"I32", VT_I32},         {"U32", VT_U32},         {"F32", VT_F32},         {"C64", VT_C64},
        {"F64", VT_F64},         {"I64", VT_I64},         {"U64", VT_U64},         {"F4", VT_F4E2M1FN},
        {"F6_E2M3", VT_F6E2M3FN}, {"F6_E3M2", VT_F6E3M2FN},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char json[256];
        /* 4 elements: F4 -> 2 bytes, F6 -> 3 bytes, others 4 x their size */
        size_t bytes = !strcmp(map[i].code, "F4") ? 2 : !strncmp(map[i].code, "F6_", 3) ? 3 : vt_dtype_size(map[i].t) * 4;
        snprintf(json, sizeof json, "{\"t\":{\"dtype\":\"%s\",\"shape\":[4],\"data_offsets\":[0,%zu]}}", map[i].code, bytes);
        static const uint8_t ones[32] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        n = mk_st(img, json, ones, bytes);
        CHECK_EQ_INT(rd(img, n, &s, &err), VT_OK);
        CHECK_MSG(s && s->items[0].tensor->dtype == map[i].t && s->items[0].tensor->nelem == 4, "code %s: %s", map[i].code, err.msg);
        vt_tensor_set_free(s);
        s = NULL;
    }
}

typedef struct bad_case {
    const char *json;
    size_t data_len;
    vt_status code;
    const char *fragment;
} bad_case;

TEST(malformed_headers) {
    static const bad_case cases[] = {
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[5,6],\"data_offsets\":[0,100]}}", 100, VT_EINPUT,
         "m.safetensors: tensor 'w': data_offsets [0, 100) but dtype F32 x shape [5,6] needs 120 bytes"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, VT_EINPUT, "m.safetensors: header (bytes 8..61): invalid JSON at line 1 column 53"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
         16, VT_EINPUT, "duplicate"},
        {"[1,2]", 0, VT_EINPUT, "header at byte 8: expected a JSON object"},
        {"{\"w\":[1]}", 0, VT_EINPUT, "tensor 'w': expected an object"},
        {"{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "tensor 'w': missing field 'dtype'"},
        {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "tensor 'w': missing field 'shape'"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, VT_EINPUT, "tensor 'w': missing field 'data_offsets'"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8, VT_EINPUT, "tensor 'w': unexpected field 'extra'"},
        {"{\"w\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "tensor 'w': unknown dtype 'F128'"},
        {"{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "unknown dtype 'f32'"},
        {"{\"w\":{\"dtype\":\"F32\\u0000\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "unknown dtype"},
        {"{\"w\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "field 'dtype' is not a string"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "field 'shape' is not an array"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "shape[0] is not a non-negative integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "shape[0] is not a non-negative integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, VT_EINPUT, "data_offsets is not a pair"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8, VT_EINPUT, "data_offsets is not a pair"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", 8, VT_EINPUT, "data_offsets is not a pair"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, VT_EINPUT, "data_offsets [8, 0) end before they begin"},
        {"{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,2],\"data_offsets\":[0,8]}}", 8, VT_EINPUT,
         "tensor 'w': dtype U8 x shape [4294967296,4294967296,2] overflows 64-bit sizes"},
        {"{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, VT_EINPUT, "dtype F4 x shape [3] is not a whole number of bytes"},
        {"{\"w\":{\"dtype\":\"F6_E2M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, VT_EINPUT, "not a whole number of bytes"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6,
         VT_EINPUT, "tensor 'b': data_offsets [2, 6) overlap tensor 'a' ending at 4"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4,
         VT_EINPUT, "overlap tensor"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6, VT_EINPUT,
         "gap in the data buffer: bytes [0, 2) belong to no tensor (tensor 'a' starts at 2)"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[5,7]}}", 7,
         VT_EINPUT, "gap in the data buffer: bytes [4, 5)"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 6, VT_EINPUT,
         "the data buffer has 6 bytes but the tensors cover only 4"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 3, VT_EINPUT, "mid-tensor: tensor 'a'"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1152921504606846976],\"data_offsets\":[0,1152921504606846976]}}", 8, VT_EINPUT,
         "file ends at byte"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[288230376151711744],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "needs 1152921504606846976 bytes"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1152921504606846976],\"data_offsets\":[0,8]}}", 8, VT_EINPUT, "overflows 64-bit sizes"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 1, VT_EINPUT, "invalid JSON"},
        {"{\"__metadata__\":[1],\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT, "__metadata__ is not an object"},
        {"{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT,
         "__metadata__ 'k' is not a string"},
        {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, VT_EINPUT, "__metadata__ 'k' is not a string (without NUL)"},
        {"{\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT, "a tensor has an empty name"},
        {"{\"a\\u0000b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT, "invalid JSON"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1,
         VT_EUNSUPPORTED, "tensor 'a': not supported: shape has 33 dimensions"},
        {"{\"a\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3, VT_EINPUT,
         "tensor 'a': element 1 (0x02) is not a valid i1 value"},
        {"{\"__metadata__\":{\"veritor.dtype.x\":\"i4\"},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT,
         "__metadata__ 'veritor.dtype.x' names no tensor"},
        {"{\"__metadata__\":{\"veritor.dtype.a\":\"f32\"},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT,
         "'f32' is not a type that needs this entry"},
        {"{\"__metadata__\":{\"veritor.dtype.a\":\"i4\"},\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT,
         "tensor 'a': stored as I8, but a i4 tensor must be stored as U8"},
        {"{\"__metadata__\":{\"veritor.dtype.a\":\"i4\"},\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3, VT_EINPUT,
         "tensor 'a': element 2 (0x80) is not a valid i4 value"},
        {"{\"__metadata__\":{\"veritor.dtype.a\":\"complex<f64>\"},\"a\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]}}", 24,
         VT_EINPUT, "a complex<f64> tensor needs a last dimension of 2"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}} x", 1, VT_EINPUT, "invalid JSON"},
        {"{\"a\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, VT_EINPUT, "invalid JSON"},
    };
    static uint8_t data[128] = {0, 2, 0x80, 2};
    char path[512];
    tmp_path(path, sizeof path, "m.safetensors");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = mk_st(img, cases[i].json, data, cases[i].data_len);
        vt_tensor_set *s = NULL;
        vt_error err;
        vt_test_current = cases[i].json;
        CHECK_ERR(rd(img, n, &s, &err), &err, cases[i].code, cases[i].fragment);
        CHECK(s == NULL);
        write_file(path, img, n);
        for (int mm = 0; mm < 2; mm++) {
            vt_read_options opt = {.use_mmap = mm};
            CHECK_ERR(vt_safetensors_read(path, &opt, &s, &err), &err, cases[i].code, cases[i].fragment);
            CHECK(s == NULL);
        }
        vt_tensor *t = NULL;
        CHECK_ERR(vt_tensor_read_any(path, NULL, &t, &err), &err, cases[i].code, cases[i].fragment);
    }
    vt_test_current = "malformed_headers";
}

TEST(malformed_length_and_limits) {
    vt_error err;
    vt_tensor_set *s = NULL;
    static const uint8_t d4[4] = {1, 2, 3, 4};
    size_t n = mk_st(img, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", d4, 4);
    /* every truncation is bad input naming the file */
    for (size_t k = 0; k < n; k++) {
        vt_status st = rd(img, k, &s, &err);
        CHECK_MSG(st == VT_EINPUT && strstr(err.msg, "m.safetensors") && s == NULL, "prefix %zu: %s", k, err.msg);
    }
    CHECK_ERR(rd(img, 5, &s, &err), &err, VT_EINPUT, "m.safetensors: truncated at byte 5: expected the 8-byte header length");
    CHECK_ERR(rd(img, 20, &s, &err), &err, VT_EINPUT, "m.safetensors: byte 0: header length 53 runs past the end of the file (20 bytes)");
    /* header length limit of the format */
    uint8_t big[16] = {0};
    uint64_t hl = 100000001;
    for (int i = 0; i < 8; i++) big[i] = (uint8_t)(hl >> (8 * i));
    CHECK_ERR(rd(big, 16, &s, &err), &err, VT_EINPUT, "header length 100000001 exceeds the format's limit of 100000000 bytes");
    memset(big, 0xff, 8);
    CHECK_ERR(rd(big, 16, &s, &err), &err, VT_EINPUT, "exceeds the format's limit");
    /* a consistent tensor over the configured limit */
    vt_read_options opt = {.max_tensor_bytes = 3};
    CHECK_ERR(vt_safetensors_read_mem(img, n, "m.safetensors", &opt, &s, &err), &err, VT_ELIMIT, "m.safetensors: tensor 'a'");
    char path[512];
    tmp_path(path, sizeof path, "lim.safetensors");
    write_file(path, img, n);
    CHECK_ERR(vt_safetensors_read(path, &opt, &s, &err), &err, VT_ELIMIT, "lim.safetensors: tensor 'a'");
    opt.max_tensor_bytes = 4;
    CHECK_EQ_INT(vt_safetensors_read(path, &opt, &s, &err), VT_OK);
    vt_tensor_set_free(s);
    /* F4 limits apply to the unpacked size (one byte per element) */
    n = mk_st(img, "{\"a\":{\"dtype\":\"F4\",\"shape\":[8],\"data_offsets\":[0,4]}}", d4, 4);
    opt.max_tensor_bytes = 4;
    CHECK_ERR(vt_safetensors_read_mem(img, n, "m.safetensors", &opt, &s, &err), &err, VT_ELIMIT, "8 bytes exceeds the limit");
    CHECK_ERR(vt_safetensors_read("/nonexistent/x.safetensors", NULL, &s, &err), &err, VT_EIO, "/nonexistent/x.safetensors: cannot open");
}

static uint64_t rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
        fclose(f);
    }
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

TEST(mmap_large_file) {
    char path[512];
    tmp_path(path, sizeof path, "large.safetensors");
    vt_error err;
    /* 65 MiB of f32 plus small tensors of other types: above the automatic mmap threshold */
    int64_t big = (65 << 20) / 4, d3 = 3, d5 = 5;
    vt_tensor *a = vt_tensor_create_uninit(VT_F32, 1, &big, 0, &err);
    float *fa = a->data;
    for (int64_t i = 0; i < big; i++) fa[i] = (float)i;
    vt_tensor *b = patterned(VT_U8, 1, &d3, 5), *c = patterned(VT_F4E2M1FN, 1, &(int64_t){4}, 6), *e = patterned(VT_BF16, 1, &d5, 7);
    vt_tensor_set *set = vt_tensor_set_new();
    vt_tensor_set_add(set, "a", a, &err);
    vt_tensor_set_add(set, "b", b, &err);
    vt_tensor_set_add(set, "c", c, &err);
    vt_tensor_set_add(set, "e", e, &err);
    CHECK_EQ_INT(vt_safetensors_write(path, set, &err), VT_OK);
    vt_tensor_set_free(set);
    vt_tensor_release(a);
    uint64_t before = rss_kb();
    vt_tensor_set *back = NULL;
    CHECK_EQ_INT(vt_safetensors_read(path, NULL, &back, &err), VT_OK);
    CHECK(back && back->mapping != NULL);
    /* reading did not copy the 65 MiB (it is only mapped, not touched) */
    CHECK_MSG(rss_kb() - before < 16 * 1024, "rss grew by %llu KiB", (unsigned long long)(rss_kb() - before));
    vt_tensor *ta = back ? vt_tensor_set_get(back, "a") : NULL;
    CHECK(ta && ta->release != NULL && ta->nelem == (size_t)big);
    /* keep one tensor after the set is gone: the mapping lives on */
    vt_tensor *keep = vt_tensor_retain(ta);
    CHECK(same(vt_tensor_set_get(back, "b"), b) && same(vt_tensor_set_get(back, "c"), c) && same(vt_tensor_set_get(back, "e"), e));
    vt_tensor_set_free(back);
    bool ok = true;
    for (int64_t i = 0; keep && i < big; i += 4099) ok &= ((float *)keep->data)[i] == (float)i;
    CHECK(ok && ((float *)keep->data)[big - 1] == (float)(big - 1));
    /* mapped tensors are private copies: writing one never changes the file */
    ((float *)keep->data)[0] = 42.0f;
    vt_tensor_release(keep);
    CHECK_EQ_INT(vt_safetensors_read(path, NULL, &back, &err), VT_OK);
    CHECK(back && ((float *)vt_tensor_set_get(back, "a")->data)[0] == 0.0f);
    vt_tensor_set_free(back);
    /* read_any of one tensor from a mapped set */
    char spec[600];
    snprintf(spec, sizeof spec, "%s:e", path);
    vt_tensor *t = NULL;
    CHECK_EQ_INT(vt_tensor_read_any(spec, NULL, &t, &err), VT_OK);
    CHECK(same(t, e));
    vt_tensor_release(t);
    unlink(path);
    vt_tensor_release(b);
    vt_tensor_release(c);
    vt_tensor_release(e);
}

TEST(mmap_unaligned_tensors_are_copied) {
    /* U8[3] then I32[2] at offset 3: the I32 data is not 4-aligned in the mapping */
    uint8_t data[11] = {9, 8, 7, 1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff};
    const char *json = "{\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[3,11]}}";
    size_t jl = strlen(json), pad = (8 - jl % 8) % 8;
    char padded[256];
    snprintf(padded, sizeof padded, "%s%.*s", json, (int)pad, "        ");
    size_t n = mk_st(img, padded, data, sizeof data);
    char path[512];
    tmp_path(path, sizeof path, "unaligned.safetensors");
    write_file(path, img, n);
    vt_read_options opt = {.use_mmap = true};
    vt_tensor_set *s = NULL;
    vt_error err;
    CHECK_EQ_INT(vt_safetensors_read(path, &opt, &s, &err), VT_OK);
    vt_tensor *i = s ? vt_tensor_set_get(s, "i") : NULL, *u = s ? vt_tensor_set_get(s, "u") : NULL;
    CHECK(i && ((uintptr_t)i->data % 4) == 0 && i->release == NULL);
    CHECK(i && ((int32_t *)i->data)[0] == 1 && ((int32_t *)i->data)[1] == -2);
    CHECK(u && u->release != NULL && ((uint8_t *)u->data)[2] == 7);
    vt_tensor_set_free(s);
}

TEST(hostile_random_inputs) {
    vt_key key = vt_key_from_seed(11);
    uint8_t good[512];
    static const uint8_t data[16] = {1, 0, 1, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t n = mk_st(good,
                     "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]},"
                     "\"b\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[4,7]},\"c\":{\"dtype\":\"F4\",\"shape\":[2,9],\"data_offsets\":[7,16]}}",
                     data, 16);
    vt_tensor_set *s = NULL;
    vt_error err;
    CHECK_EQ_INT(rd(good, n, &s, &err), VT_OK);
    vt_tensor_set_free(s);
    for (uint32_t iter = 0; iter < 4000; iter++) {
        memcpy(img, good, n);
        uint32_t r[2];
        vt_threefry2x32(key, iter, 0, r);
        img[r[0] % n] = (uint8_t)r[1];
        if (r[1] & 0x100) img[(r[0] >> 8) % n] = "0123456789[]{},:\" "[(r[1] >> 16) % 18];
        s = NULL;
        vt_status st = rd(img, n - ((r[1] >> 24) & 3), &s, &err);
        CHECK(st == VT_OK ? s != NULL : (s == NULL && err.msg[0]));
        vt_tensor_set_free(s);
    }
}

#include <dirent.h>

TEST(seed_corpus_reads) {
    /* numpy- and struct-written files from scripts/make-fuzz-corpus: every one is valid */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/safetensors", vt_test_source_dir());
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
        vt_tensor_set *t = NULL;
        vt_status s = vt_safetensors_read(path, NULL, &t, &err);
        ok = s == VT_OK && t != NULL;
        vt_tensor_set_free(t);
        CHECK_MSG(ok, "%s: %s", de->d_name, err.msg);
        n++;
    }
    if (d) closedir(d);
    CHECK(n >= 20);
}

int main(void) {
    RUN(round_trip_every_dtype);
    RUN(bit_packing_order);
    RUN(writer_layout);
    RUN(tensor_sets);
    RUN(reference_examples);
    RUN(malformed_headers);
    RUN(malformed_length_and_limits);
    RUN(mmap_large_file);
    RUN(mmap_unaligned_tensors_are_copied);
    RUN(hostile_random_inputs);
    RUN(seed_corpus_reads);
    return vt_test_finish();
}
