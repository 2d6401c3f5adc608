/* Tests of tensor content ids against worked vectors computed once with an independent
 * implementation (Python hashlib, the script is in docs/formats.md), plus thread-count
 * independence, chunk boundaries and sensitivity to dtype and shape. */
#include "harness.h"

#include <stdlib.h>
#include <sys/mman.h>

static void id_hex(vt_dtype t, int rank, const int64_t *dims, const void *data, size_t nbytes, int threads,
                   char out[65]) {
    uint8_t id[VT_SHA256_LEN];
    vt_content_id(t, rank, dims, data, nbytes, threads, id);
    vt_hex_encode(id, VT_SHA256_LEN, out);
}

static void header_hex(vt_dtype t, int rank, const int64_t *dims, char *out, size_t cap) {
    uint8_t h[512];
    size_t n = vt_content_header(t, rank, dims, h, sizeof h);
    if (2 * n + 1 > cap) n = (cap - 1) / 2;
    vt_hex_encode(h, n, out);
}

static void keep_data(void *ctx, void *data, size_t nbytes) {
    (void)ctx, (void)data, (void)nbytes;
}

TEST(test_scalar_f32) {
    const uint8_t one[4] = {0x00, 0x00, 0x80, 0x3f};
    char hex[1100];
    header_hex(VT_F32, 0, NULL, hex, sizeof hex);
    CHECK_STR(hex, "76657269746f722e74656e736f722e763100036633320000000004000000000000000000400000000000");
    id_hex(VT_F32, 0, NULL, one, 4, 1, hex);
    CHECK_STR(hex, "dd114125ef5506095519ef057d7d9f9a1b049c380431b7e4331070622c3f4296");
}

TEST(test_i32_iota) {
    int64_t dims[2] = {2, 3};
    uint8_t data[24] = {0};
    for (int i = 0; i < 6; i++) data[4 * i] = (uint8_t)i; /* little-endian i32 0..5 */
    char hex[1100];
    header_hex(VT_I32, 2, dims, hex, sizeof hex);
    CHECK_STR(hex, "76657269746f722e74656e736f722e76310003693332020000000200000000000000030000000000000018000000000000000000400000000000");
    id_hex(VT_I32, 2, dims, data, sizeof data, 0, hex);
    CHECK_STR(hex, "ac184a7527fb656edce776641005af38012d07963973badb38e04e500f36f1af");

    /* Same bytes, other dtype or shape: other id. */
    int64_t flat[1] = {6};
    id_hex(VT_I32, 1, flat, data, sizeof data, 0, hex);
    CHECK_STR(hex, "2bacf1631699283ab506f1221b174fbaf6386b9320e5feb051e3df528019e7c4");
    id_hex(VT_F32, 2, dims, data, sizeof data, 0, hex);
    CHECK_STR(hex, "bf03da8591c2106484f4df21a3fa2cd4429bdc7a98549a07d8d2428599327c4a");
    int64_t dims32[2] = {3, 2};
    char other[65];
    id_hex(VT_I32, 2, dims32, data, sizeof data, 0, other);
    CHECK(strcmp(other, "ac184a7527fb656edce776641005af38012d07963973badb38e04e500f36f1af") != 0);
    id_hex(VT_U32, 2, dims, data, sizeof data, 0, other);
    CHECK(strcmp(other, "ac184a7527fb656edce776641005af38012d07963973badb38e04e500f36f1af") != 0);
}

TEST(test_empty_f16) {
    int64_t dims[2] = {0, 5};
    char hex[1100];
    header_hex(VT_F16, 2, dims, hex, sizeof hex);
    CHECK_STR(hex, "76657269746f722e74656e736f722e76310003663136020000000000000000000000050000000000000000000000000000000000400000000000");
    id_hex(VT_F16, 2, dims, NULL, 0, 8, hex);
    CHECK_STR(hex, "49e3278674b03f05c59ec8b862d6901a94e2089f0ebbbcf9085775656b1f5ac4");
    /* No chunks: combining zero chunk hashes gives the same id. */
    uint8_t id[VT_SHA256_LEN];
    vt_content_id_from_chunks(VT_F16, 2, dims, NULL, 0, id);
    CHECK_STR(vt_hash_to_hex(id).s, "49e3278674b03f05c59ec8b862d6901a94e2089f0ebbbcf9085775656b1f5ac4");
    /* An empty tensor of another shape differs. */
    int64_t dims2[2] = {5, 0};
    id_hex(VT_F16, 2, dims2, NULL, 0, 1, hex);
    CHECK(strcmp(hex, "49e3278674b03f05c59ec8b862d6901a94e2089f0ebbbcf9085775656b1f5ac4") != 0);
}

TEST(test_bool_vector) {
    int64_t dims[1] = {5};
    const uint8_t data[5] = {1, 0, 1, 1, 0};
    char hex[1100];
    header_hex(VT_I1, 1, dims, hex, sizeof hex);
    CHECK_STR(hex, "76657269746f722e74656e736f722e76310002693101000000050000000000000005000000000000000000400000000000");
    id_hex(VT_I1, 1, dims, data, 5, 2, hex);
    CHECK_STR(hex, "f287489d0548e895d4eaf3d742a6550c6c1b8f4078047f6fbd6c87fec7891d83");
    /* Same bytes as ui8: different id. */
    id_hex(VT_U8, 1, dims, data, 5, 2, hex);
    CHECK(strcmp(hex, "f287489d0548e895d4eaf3d742a6550c6c1b8f4078047f6fbd6c87fec7891d83") != 0);
}

TEST(test_complex_f32) {
    int64_t dims[1] = {2};
    const float v[4] = {1.0f, 2.0f, -0.5f, 0.0f};
    char hex[1100];
    header_hex(VT_C64, 1, dims, hex, sizeof hex);
    CHECK_STR(hex, "76657269746f722e74656e736f722e7631000c636f6d706c65783c6633323e01000000020000000000000010000000000000000000400000000000");
    id_hex(VT_C64, 1, dims, v, sizeof v, 1, hex);
    CHECK_STR(hex, "b192bdee504fc40f06ad54ee8fff27da0ff9712955c5c32ae30d7ab44249dbf4");
}

TEST(test_three_chunks) {
    size_t n = (size_t)9 << 20;
    uint8_t *data = malloc(n);
    CHECK(data != NULL);
    if (!data) return;
    for (size_t i = 0; i < n; i++) data[i] = (uint8_t)(i % 251);
    int64_t dims[1] = {(int64_t)n};
    const char *want = "0f01dc35f962d17405660b4437a5d50b7429a9546540b18bd346d21303688508";
    char hex[1100];
    header_hex(VT_U8, 1, dims, hex, sizeof hex);
    CHECK_STR(hex, "7665726974" "6f722e74656e736f722e7631000375693801000000000090000000000000009000000000000000400000000000");
    const int threads[] = {1, 2, 8, 0};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        id_hex(VT_U8, 1, dims, data, n, threads[k], hex);
        CHECK_MSG(strcmp(hex, want) == 0, "threads=%d: id %s", threads[k], hex);
    }
    uint8_t chunks[3][VT_SHA256_LEN];
    vt_chunk_hashes(data, n, 8, chunks);
    CHECK_STR(vt_hash_to_hex(chunks[0]).s, "a117210941a0b00dcb2d8577e680d84b6fa0eaf760d2afc654c953b9859d54fa");
    CHECK_STR(vt_hash_to_hex(chunks[1]).s, "9889e2ef8bd7d8fea5ef99243b7784ecd8deaf613bdb7a6c0b3ac56f23078303");
    CHECK_STR(vt_hash_to_hex(chunks[2]).s, "1db2d9bf83e04c2ca03075eb16444ca55808907f1c969fc1af44ada23dd5a056");
    /* One challenged chunk can be checked alone. */
    uint8_t one[VT_SHA256_LEN];
    vt_sha256(data + VT_CHUNK_SIZE, VT_CHUNK_SIZE, one);
    CHECK(memcmp(one, chunks[1], VT_SHA256_LEN) == 0);
    uint8_t id[VT_SHA256_LEN];
    vt_content_id_from_chunks(VT_U8, 1, dims, (const uint8_t(*)[VT_SHA256_LEN])chunks, 3, id);
    CHECK_STR(vt_hash_to_hex(id).s, want);

    /* The same call through a tensor view of the data (the test keeps ownership). */
    vt_error err;
    vt_tensor *t = vt_tensor_wrap(VT_U8, 1, dims, data, n, keep_data, NULL, &err);
    CHECK(t != NULL);
    if (t) {
        vt_tensor_id(t, 2, id);
        CHECK_STR(vt_hash_to_hex(id).s, want);
        vt_tensor_release(t);
    }

    /* One flipped bit changes the id and exactly one chunk hash. */
    data[VT_CHUNK_SIZE * 2 + 7] ^= 1;
    id_hex(VT_U8, 1, dims, data, n, 2, hex);
    CHECK(strcmp(hex, want) != 0);
    uint8_t chunks2[3][VT_SHA256_LEN];
    vt_chunk_hashes(data, n, 2, chunks2);
    CHECK(memcmp(chunks2[0], chunks[0], 2 * VT_SHA256_LEN) == 0);
    CHECK(memcmp(chunks2[2], chunks[2], VT_SHA256_LEN) != 0);
    free(data);
}

TEST(test_chunk_boundaries) {
    /* Exactly one chunk, one chunk plus one byte: the number of chunk hashes follows. */
    size_t n = VT_CHUNK_SIZE + 1;
    uint8_t *data = calloc(1, n);
    CHECK(data != NULL);
    if (!data) return;
    uint8_t h[2][VT_SHA256_LEN], whole[VT_SHA256_LEN], last[VT_SHA256_LEN];
    memset(h, 0xAA, sizeof h);
    vt_chunk_hashes(data, VT_CHUNK_SIZE, 4, h);
    vt_sha256(data, VT_CHUNK_SIZE, whole);
    CHECK(memcmp(h[0], whole, VT_SHA256_LEN) == 0);
    CHECK(h[1][0] == 0xAA && h[1][31] == 0xAA); /* one chunk only: second entry untouched */
    CHECK_STR(vt_hash_to_hex(h[0]).s, "bb9f8df61474d25e71fa00722318cd387396ca1736605e1248821cc0de3d3af8");
    vt_chunk_hashes(data, n, 4, h);
    vt_sha256(data, 1, last);
    CHECK(memcmp(h[1], last, VT_SHA256_LEN) == 0);
    int64_t d1[1] = {(int64_t)n};
    char a[65], b[65];
    id_hex(VT_U8, 1, d1, data, n, 1, a);
    id_hex(VT_U8, 1, d1, data, n, 3, b);
    CHECK_STR(a, b);
    free(data);
}

TEST(test_header_capacity) {
    int64_t dims[3] = {1, 2, 3};
    size_t need = vt_content_header(VT_F8E4M3B11FNUZ, 3, dims, NULL, 0);
    /* magic+NUL (18) + 1 + 13 + 4 + 3*8 + 8 + 8 */
    CHECK_EQ_INT(need, 18 + 1 + 13 + 4 + 24 + 16);
    uint8_t small[10];
    memset(small, 0x5A, sizeof small);
    CHECK_EQ_INT(vt_content_header(VT_F8E4M3B11FNUZ, 3, dims, small, sizeof small), need);
    CHECK(small[0] == 0x5A); /* nothing written when the buffer is too small */
    uint8_t buf[128];
    CHECK_EQ_INT(vt_content_header(VT_F8E4M3B11FNUZ, 3, dims, buf, need), need);
    CHECK(memcmp(buf, "veritor.tensor.v1\0", 18) == 0);
    CHECK_EQ_INT(buf[18], 13);
    CHECK(memcmp(buf + 19, "f8E4M3B11FNUZ", 13) == 0);
    /* Hostile ranks are clamped instead of reading outside dims. */
    CHECK_EQ_INT(vt_content_header(VT_F32, -3, NULL, NULL, 0), 18 + 1 + 3 + 4 + 16);
    int64_t many[VT_MAX_RANK + 8];
    for (int i = 0; i < VT_MAX_RANK + 8; i++) many[i] = 1;
    CHECK_EQ_INT(vt_content_header(VT_F32, VT_MAX_RANK + 8, many, NULL, 0), 18 + 1 + 3 + 4 + 8 * VT_MAX_RANK + 16);
}

/* Past 1 GiB the chunk hashes are streamed in batches of 256; a read-only zero mapping (no
 * physical memory) checks that the batches join up exactly as one list would. */
TEST(test_batched_over_1g) {
    size_t nchunks = 257; /* two batches; the last chunk is a 100-byte remainder */
    size_t n = 256 * VT_CHUNK_SIZE + 100;
    void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        CHECK_MSG(0, "cannot map %zu bytes", n);
        return;
    }
    uint8_t zero[VT_SHA256_LEN], tail[VT_SHA256_LEN], id[VT_SHA256_LEN], want[VT_SHA256_LEN];
    vt_sha256(p, VT_CHUNK_SIZE, zero);
    vt_sha256(p, 100, tail);
    uint8_t(*list)[VT_SHA256_LEN] = malloc(nchunks * VT_SHA256_LEN);
    CHECK(list != NULL);
    if (list) {
        for (size_t i = 0; i < nchunks; i++) memcpy(list[i], i + 1 < nchunks ? zero : tail, VT_SHA256_LEN);
        int64_t dims[1] = {(int64_t)n};
        vt_content_id_from_chunks(VT_U8, 1, dims, (const uint8_t(*)[VT_SHA256_LEN])list, nchunks, want);
        vt_content_id(VT_U8, 1, dims, p, n, 0, id);
        CHECK(memcmp(id, want, VT_SHA256_LEN) == 0);
        vt_content_id(VT_U8, 1, dims, p, n, 1, id);
        CHECK(memcmp(id, want, VT_SHA256_LEN) == 0);
        free(list);
    }
    munmap(p, n);
}

int main(void) {
    RUN(test_scalar_f32);
    RUN(test_i32_iota);
    RUN(test_empty_f16);
    RUN(test_bool_vector);
    RUN(test_complex_f32);
    RUN(test_three_chunks);
    RUN(test_chunk_boundaries);
    RUN(test_header_capacity);
    RUN(test_batched_over_1g);
    return vt_test_finish();
}
