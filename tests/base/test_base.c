/* Base layer: error records, arenas, buffers, hex, SHA-256, JSON, Threefry and keys. */
#include "harness.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(errors) {
    vt_error e;
    vt_error_clear(&e);
    CHECK_EQ_INT(vt_error_set(&e, VT_EINPUT, "expected '%c'", ')'), VT_EINPUT);
    vt_error_prefix(&e, "model.mlir:%d:%d", 12, 7);
    CHECK_STR(e.msg, "model.mlir:12:7: expected ')'");
    CHECK_EQ_INT(vt_status_exit_code(VT_OK), 0);
    CHECK_EQ_INT(vt_status_exit_code(VT_ECHECK), 1);
    CHECK_EQ_INT(vt_status_exit_code(VT_EINPUT), 2);
    CHECK_EQ_INT(vt_status_exit_code(VT_EUNSUPPORTED), 2);
    CHECK_EQ_INT(vt_status_exit_code(VT_ELIMIT), 3);
    CHECK_EQ_INT(vt_error_set(NULL, VT_EIO, "x"), VT_EIO); /* NULL record is allowed */
}

TEST(sizes) {
    size_t r;
    CHECK(vt_mul_size(1u << 20, 1u << 10, &r) && r == (size_t)1 << 30);
    CHECK(!vt_mul_size(SIZE_MAX / 2, 3, &r));
    CHECK(!vt_add_size(SIZE_MAX, 1, &r));
    uint64_t u;
    CHECK(!vt_mul_u64((uint64_t)1 << 40, (uint64_t)1 << 30, &u));
}

TEST(arena) {
    vt_arena a;
    vt_arena_init(&a, 1 << 20);
    vt_error e;
    for (int i = 0; i < 1000; i++) {
        double *p = vt_arena_alloc(&a, 100, 8, &e);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & 7) == 0);
        CHECK(p[0] == 0.0);
    }
    char *big = vt_arena_alloc(&a, 2 << 20, 1, &e);
    CHECK(big == NULL);
    CHECK_EQ_INT(e.code, VT_ELIMIT);
    CHECK(vt_arena_alloc(&a, SIZE_MAX - 4, 16, &e) == NULL);
    char *s = vt_arena_strndup(&a, "hello world", 5, &e);
    CHECK_STR(s, "hello");
    vt_arena_release(&a);
}

/* Released blocks are reused by the next arena (zeroed again) and the cache stays within its
 * limit; sanitizer builds start with no cache, so the test sets one. */
TEST(arena_block_cache) {
    size_t old = vt_arena_cache_limit((size_t)1 << 20);
    vt_arena_cache_limit(0);
    CHECK_EQ_INT(vt_arena_cache_bytes(), 0);
    vt_arena_cache_limit((size_t)1 << 20);
    vt_error e;
    vt_arena a;
    vt_arena_init(&a, 0);
    a.block_size = (size_t)256 << 10;
    unsigned char *p = vt_arena_alloc(&a, 1000, 8, &e);
    CHECK(p != NULL);
    if (p) memset(p, 0xAB, 1000);
    vt_arena_release(&a);
    CHECK_EQ_INT(vt_arena_cache_bytes(), (size_t)256 << 10);
    vt_arena_init(&a, 0);
    a.block_size = (size_t)256 << 10;
    unsigned char *q = vt_arena_alloc(&a, 1000, 8, &e);
    CHECK(q != NULL);
    CHECK_EQ_INT(vt_arena_cache_bytes(), 0); /* the cached block was taken */
    bool zero = q != NULL;
    for (size_t i = 0; q && i < 1000; i++) zero &= q[i] == 0;
    CHECK(zero);
    /* five 64 KiB blocks and a 3 MiB one: only what fits in 1 MiB is kept, odd sizes never */
    vt_arena b;
    vt_arena_init(&b, 0);
    for (int i = 0; i < 5; i++) CHECK(vt_arena_alloc(&b, 60 << 10, 8, &e) != NULL);
    CHECK(vt_arena_alloc(&b, 3 << 20, 8, &e) != NULL);
    vt_arena_release(&b);
    vt_arena_release(&a);
    CHECK_EQ_INT(vt_arena_cache_bytes(), (size_t)(5 * 64 + 256) << 10);
    for (int round = 0; round < 8; round++) {
        vt_arena_init(&b, 0);
        for (int i = 0; i < 20; i++) CHECK(vt_arena_alloc(&b, 60 << 10, 8, &e) != NULL);
        vt_arena_release(&b);
        CHECK(vt_arena_cache_bytes() <= (size_t)1 << 20);
    }
    CHECK_EQ_INT(vt_arena_cache_limit((size_t)64 << 10), (size_t)1 << 20);
    CHECK(vt_arena_cache_bytes() <= (size_t)64 << 10);
    vt_arena_cache_limit(old);
    vt_arena_cache_limit(0);
    CHECK_EQ_INT(vt_arena_cache_bytes(), 0);
    vt_arena_cache_limit(old);
}

TEST(buf) {
    vt_buf b;
    vt_buf_init(&b);
    CHECK_STR(vt_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++) vt_buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    char longs[600];
    memset(longs, 'x', sizeof longs - 1);
    longs[599] = 0;
    vt_buf_printf(&b, "%s", longs);
    CHECK(b.data[b.len - 1] == 'x' && !b.failed);
    vt_buf_free(&b);
}

TEST(hex) {
    uint8_t d[4] = {0xde, 0xad, 0xbe, 0xef}, o[4];
    char h[9];
    vt_hex_encode(d, 4, h);
    CHECK_STR(h, "deadbeef");
    CHECK(vt_hex_decode("DEADbeef", 4, o) && memcmp(o, d, 4) == 0);
    CHECK(!vt_hex_decode("DEADbeeg", 4, o));
}

TEST(sha256) {
    uint8_t h[32];
    vt_sha256("abc", 3, h);
    CHECK_STR(vt_hash_to_hex(h).s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vt_sha256("", 0, h);
    CHECK_STR(vt_hash_to_hex(h).s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vt_sha256_ctx *c = vt_sha256_new();
    vt_sha256_update(c, "a", 1);
    vt_sha256_update(c, "bc", 2);
    vt_sha256_final(c, h);
    CHECK_STR(vt_hash_to_hex(h).s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vt_sha256_free(c);
}

TEST(json) {
    vt_error e;
    json_t *j = vt_json_parse("{\"a\": 1, \"b\": [1,2]}", 20, "x.json", &e);
    CHECK(j != NULL);
    json_decref(j);
    const char *dup = "{\"a\": 1, \"a\": 2}";
    CHECK(vt_json_parse(dup, strlen(dup), "claim.json", &e) == NULL);
    CHECK_EQ_INT(e.code, VT_EINPUT);
    CHECK(strstr(e.msg, "claim.json") && strstr(e.msg, "duplicate"));
    CHECK(vt_json_parse("{\"a\": ", 6, "t.json", &e) == NULL);
    CHECK(strstr(e.msg, "t.json") != NULL);
}

TEST(threefry_kat) {
    /* Random123 known-answer vectors (kat_vectors: threefry2x32 with 20 rounds). */
    uint32_t o[2];
    vt_key k0 = {{0, 0}};
    vt_threefry2x32(k0, 0, 0, o);
    CHECK_EQ_INT(o[0], 0x6b200159u);
    CHECK_EQ_INT(o[1], 0x99ba4efeu);
    vt_key k1 = {{0xffffffffu, 0xffffffffu}};
    vt_threefry2x32(k1, 0xffffffffu, 0xffffffffu, o);
    CHECK_EQ_INT(o[0], 0x1cb996fcu);
    CHECK_EQ_INT(o[1], 0xbb002be7u);
    vt_key k2 = {{0x13198a2eu, 0x03707344u}};
    vt_threefry2x32(k2, 0x243f6a88u, 0x85a308d3u, o);
    CHECK_EQ_INT(o[0], 0xc4923a9cu);
    CHECK_EQ_INT(o[1], 0x483df7a0u);
}

TEST(jax_keys) {
    vt_key k = vt_key_from_seed(0);
    CHECK(k.k[0] == 0 && k.k[1] == 0);
    k = vt_key_from_seed(0x123456789abcdef0ull);
    CHECK(k.k[0] == 0x12345678u && k.k[1] == 0x9abcdef0u);
    /* jax.random.split(PRNGKey(0), 2) in original (non-partitionable) mode. */
    vt_key out[2];
    vt_key_split_original(vt_key_from_seed(0), 2, out);
    CHECK_EQ_INT(out[0].k[0], 4146024105u);
    CHECK_EQ_INT(out[0].k[1], 967050713u);
    CHECK_EQ_INT(out[1].k[0], 2718843009u);
    CHECK_EQ_INT(out[1].k[1], 1272950319u);
    vt_error e;
    vt_key p;
    CHECK_EQ_INT(vt_key_parse("0x0000002a:0xdeadBEEF", &p, &e), VT_OK);
    CHECK(p.k[0] == 42 && p.k[1] == 0xdeadbeefu);
    char txt[22];
    vt_key_format(p, txt);
    CHECK_STR(txt, "0x0000002a:0xdeadbeef");
    CHECK_EQ_INT(vt_key_parse("42", &p, &e), VT_OK);
    CHECK(p.k[0] == 0 && p.k[1] == 42);
    CHECK_ERR(vt_key_parse("0x1:zz", &p, &e), &e, VT_EINPUT, "0xHHHHHHHH");
    CHECK_ERR(vt_key_parse("-1", &p, &e), &e, VT_EINPUT, "non-negative");
    CHECK_ERR(vt_key_parse("99999999999999999999999", &p, &e), &e, VT_EINPUT, "2^64");
    CHECK_ERR(vt_key_parse("0x123456789:0x1", &p, &e), &e, VT_EINPUT, "key");
}

TEST(files) {
    char path[512];
    snprintf(path, sizeof path, "%s/f.txt", vt_test_tmpdir());
    vt_error e;
    CHECK_EQ_INT(vt_write_file_atomic(path, "hello", 5, &e), VT_OK);
    char *d;
    size_t n;
    CHECK_EQ_INT(vt_read_file(path, 100, &d, &n, &e), VT_OK);
    CHECK(n == 5 && strcmp(d, "hello") == 0);
    free(d);
    CHECK_ERR(vt_read_file(path, 3, &d, &n, &e), &e, VT_ELIMIT, "limit");
    CHECK_ERR(vt_read_file("/nonexistent/x", 3, &d, &n, &e), &e, VT_EIO, "/nonexistent/x");
}

/* A special file (FIFO, /dev/null) is written in place: the atomic rename would replace the
 * node itself (as root it once turned /dev/null into a regular file). A folder is refused. */
TEST(special_files) {
    vt_error e;
    char fifo[1024];
    snprintf(fifo, sizeof fifo, "%s/out.fifo", vt_test_tmpdir());
    unlink(fifo);
    CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(rd >= 0);
    CHECK_EQ_INT(vt_write_file_atomic(fifo, "fifo!", 5, &e), VT_OK);
    struct stat st;
    CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    char got[8] = {0};
    CHECK_EQ_INT(read(rd, got, sizeof got), 5);
    CHECK_STR(got, "fifo!");
    close(rd);
    unlink(fifo);
    CHECK_ERR(vt_write_file_atomic(vt_test_tmpdir(), "x", 1, &e), &e, VT_EIO, "is a directory");
}

int main(void) {
    RUN(errors);
    RUN(sizes);
    RUN(arena);
    RUN(arena_block_cache);
    RUN(buf);
    RUN(hex);
    RUN(sha256);
    RUN(json);
    RUN(threefry_kat);
    RUN(jax_keys);
    RUN(files);
    RUN(special_files);
    return vt_test_finish();
}
