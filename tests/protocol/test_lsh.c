/* Fingerprint projection: the documented layout of R, batch and streaming forms against a plain
 * f64 computation, f32/bf16/f16 inputs, encodings, distances, and bad input. */
#include "harness.h"
#include "veritor/protocol.h"

#include <math.h>
#include <stdlib.h>

/* R[j][i] straight from the documented formula. */
static float r_entry(vt_key key, uint32_t k, uint64_t i, uint32_t j) {
    uint32_t w;
    vt_rand_bits32(key, (i / 32) * k + j, 1, &w);
    return (w >> (i % 32)) & 1 ? -1.0f : 1.0f;
}

TEST(layout) {
    vt_lsh_params p = {vt_key_from_seed(5), 16, VT_LSH_RADEMACHER};
    enum { D = 100 };
    static float full[16 * D], part[16 * 37];
    vt_lsh_matrix_block(&p, 0, D, full, D);
    int bad = 0, plus = 0;
    for (uint32_t j = 0; j < 16; j++)
        for (uint64_t i = 0; i < D; i++) {
            bad += full[j * D + i] != r_entry(p.key, 16, i, j);
            plus += full[j * D + i] > 0;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK(plus > 700 && plus < 900);
    vt_lsh_matrix_block(&p, 45, 37, part, 37); /* unaligned block = slice of the full matrix */
    bad = 0;
    for (uint32_t j = 0; j < 16; j++)
        for (int i = 0; i < 37; i++) bad += part[j * 37 + i] != full[j * D + 45 + i];
    CHECK_EQ_INT(bad, 0);
    /* Gaussian: R[j][i] = normal(key)[i*k + j]. */
    vt_lsh_params g = {vt_key_from_seed(5), 16, VT_LSH_GAUSSIAN};
    float gb[16 * 3], col[16];
    vt_lsh_matrix_block(&g, 7, 3, gb, 3);
    vt_rand_normal_f32(g.key, 8 * 16, 16, col);
    for (int j = 0; j < 16; j++) CHECK(gb[j * 3 + 1] == col[j]);
}

static void naive(const vt_lsh_params *p, const float *h, size_t T, size_t d, double *out) {
    float *r = malloc((size_t)p->k * d * sizeof *r);
    vt_lsh_matrix_block(p, 0, d, r, d);
    for (size_t t = 0; t < T; t++)
        for (uint32_t j = 0; j < p->k; j++) {
            double s = 0;
            for (size_t i = 0; i < d; i++) s += (double)r[j * d + i] * h[t * d + i];
            out[t * p->k + j] = s / sqrt((double)p->k);
        }
    free(r);
}

TEST(project_batch) {
    enum { T = 7, D = 1100, K = 24 };
    static float h[T * D], f[T * K];
    static double ref[T * K];
    vt_rand_normal_f32(vt_key_from_seed(1), 0, T * D, h);
    vt_error err;
    for (int dist = 0; dist < 2; dist++) {
        vt_lsh_params p = {vt_key_from_seed(9), K, (vt_lsh_dist)dist};
        CHECK(vt_lsh_project(&p, VT_F32, h, T, D, f, &err) == VT_OK);
        naive(&p, h, T, D, ref);
        double worst = 0;
        for (int i = 0; i < T * K; i++) worst = fmax(worst, fabs(f[i] - ref[i]));
        CHECK_MSG(worst < 1e-3, "dist %d: max error %g", dist, worst);
    }
    /* bf16 / f16 inputs project exactly like their f32 values. */
    vt_lsh_params p = {vt_key_from_seed(9), K, VT_LSH_RADEMACHER};
    static uint16_t hb[T * D];
    static float hf[T * D], f2[T * K];
    vt_dtype types[2] = {VT_BF16, VT_F16};
    for (int ti = 0; ti < 2; ti++) {
        vt_convert(VT_F32, h, types[ti], hb, T * D);
        vt_convert(types[ti], hb, VT_F32, hf, T * D);
        CHECK(vt_lsh_project(&p, types[ti], hb, T, D, f, &err) == VT_OK);
        CHECK(vt_lsh_project(&p, VT_F32, hf, T, D, f2, &err) == VT_OK);
        int diff = 0;
        for (int i = 0; i < T * K; i++) diff += f[i] != f2[i];
        CHECK_EQ_INT(diff, 0);
    }
    /* Tensor form: [d] -> [k] and [T, d] -> [T, k]. */
    int64_t dims[2] = {T, D};
    vt_tensor *ht = vt_tensor_create(VT_F32, 2, dims, 0, &err), *ft = NULL;
    memcpy(ht->data, h, sizeof h);
    CHECK(vt_lsh_project_tensor(&p, ht, &ft, &err) == VT_OK);
    CHECK(ft && ft->rank == 2 && ft->dims[0] == T && ft->dims[1] == K);
    CHECK(vt_lsh_project(&p, VT_F32, h, T, D, f, &err) == VT_OK);
    CHECK(ft && memcmp(ft->data, f, sizeof f) == 0);
    vt_tensor_release(ft);
    vt_tensor_release(ht);
    vt_tensor *v = vt_tensor_create(VT_F32, 1, dims + 1, 0, &err);
    memcpy(v->data, h, D * sizeof(float));
    CHECK(vt_lsh_project_tensor(&p, v, &ft, &err) == VT_OK);
    CHECK(ft && ft->rank == 1 && ft->dims[0] == K);
    /* BLAS may round a 1-row product differently from a 7-row one: equal up to rounding. */
    for (int j = 0; ft && j < K; j++) CHECK(fabsf(((float *)ft->data)[j] - f[j]) < 1e-4f);
    vt_tensor_release(ft);
    vt_tensor_release(v);
}

TEST(stream) {
    enum { N = 50000, K = 32 };
    static float x[N], fb[K], fs[K];
    vt_rand_normal_f32(vt_key_from_seed(3), 0, N, x);
    vt_lsh_params p = {vt_key_grad(vt_key_from_seed(1), 0), K, VT_LSH_RADEMACHER};
    vt_error err;
    CHECK(vt_lsh_project(&p, VT_F32, x, 1, N, fb, &err) == VT_OK);
    vt_lsh_stream s;
    CHECK(vt_lsh_stream_init(&s, &p, 1000, &err) == VT_OK);
    size_t pieces[4] = {17, 30000, 4983, 15000};
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        CHECK(vt_lsh_stream_update(&s, VT_F32, x + off, pieces[i], &err) == VT_OK);
        off += pieces[i];
    }
    vt_lsh_stream_final(&s, fs);
    double worst = 0;
    for (int j = 0; j < K; j++) worst = fmax(worst, fabs(fs[j] - fb[j]));
    CHECK_MSG(worst < 1e-3, "stream vs batch: %g", worst);
    /* bf16 input and a Gaussian R through the stream. */
    vt_lsh_stream g;
    vt_lsh_params pg = {vt_key_from_seed(4), 8, VT_LSH_GAUSSIAN};
    static uint16_t xb[3000];
    static float xf[3000], fg[8], fr[8];
    vt_convert(VT_F32, x, VT_BF16, xb, 3000);
    vt_convert(VT_BF16, xb, VT_F32, xf, 3000);
    CHECK(vt_lsh_stream_init(&g, &pg, 0, &err) == VT_OK);
    CHECK(vt_lsh_stream_update(&g, VT_BF16, xb, 1234, &err) == VT_OK);
    CHECK(vt_lsh_stream_update(&g, VT_BF16, xb + 1234, 3000 - 1234, &err) == VT_OK);
    vt_lsh_stream_final(&g, fg);
    vt_lsh_stream_free(&g);
    CHECK(vt_lsh_project(&pg, VT_F32, xf, 1, 3000, fr, &err) == VT_OK);
    for (int j = 0; j < 8; j++) CHECK_MSG(fabsf(fg[j] - fr[j]) < 1e-3f, "gaussian stream %d: %g vs %g", j, fg[j], fr[j]);
    CHECK_ERR(vt_lsh_stream_update(&s, VT_I32, x, 1, &err), &err, VT_EUNSUPPORTED, "input dtype i32");
    s.offset = VT_LSH_MAX_D - 1;
    CHECK_ERR(vt_lsh_stream_update(&s, VT_F32, x, 2, &err), &err, VT_ELIMIT, "exceed the limit");
    vt_lsh_stream_free(&s);
    CHECK_ERR(vt_lsh_stream_init(&s, &p, (size_t)1 << 21, &err), &err, VT_ELIMIT, "block");
}

TEST(encodings) {
    enum { K = 61 };
    float f[K], g[K];
    vt_rand_normal_f32(vt_key_from_seed(12), 0, K, f);
    uint8_t buf[4 * K];
    vt_error err;
    CHECK_EQ_INT(vt_lsh_enc_bytes(VT_LSH_ENC_F32, 64), 256);
    CHECK_EQ_INT(vt_lsh_enc_bytes(VT_LSH_ENC_F16, 64), 128);
    CHECK_EQ_INT(vt_lsh_enc_bytes(VT_LSH_ENC_INT8, 64), 68);
    CHECK_EQ_INT(vt_lsh_enc_bytes(VT_LSH_ENC_SIGN, 64), 8);
    CHECK_EQ_INT(vt_lsh_enc_bytes(VT_LSH_ENC_SIGN, K), 8);
    for (int e = 0; e < 4; e++) {
        CHECK(vt_lsh_encode((vt_lsh_enc)e, f, K, buf, &err) == VT_OK);
        vt_lsh_decode((vt_lsh_enc)e, buf, K, g);
        double m = 0;
        for (int j = 0; j < K; j++) m = fmax(m, fabsf(f[j]) > m ? fabsf(f[j]) : m);
        for (int j = 0; j < K; j++) {
            if (e == VT_LSH_ENC_F32) CHECK(g[j] == f[j]);
            if (e == VT_LSH_ENC_F16) CHECK(fabsf(g[j] - f[j]) <= fabsf(f[j]) * 0x1p-11f + 1e-7f);
            if (e == VT_LSH_ENC_INT8) CHECK(fabs(g[j] - f[j]) <= m / 127 * 0.5 + 1e-6);
            if (e == VT_LSH_ENC_SIGN) CHECK(g[j] == (f[j] < 0 ? -1.0f : 1.0f));
        }
    }
    vt_lsh_enc enc;
    CHECK(vt_lsh_enc_parse("int8", &enc, &err) == VT_OK && enc == VT_LSH_ENC_INT8);
    CHECK_ERR(vt_lsh_enc_parse("int4", &enc, &err), &err, VT_EINPUT, "encoding 'int4'");
    f[5] = NAN;
    CHECK_ERR(vt_lsh_encode(VT_LSH_ENC_INT8, f, K, buf, &err), &err, VT_EINPUT, "element 5 is not finite");
    f[5] = INFINITY;
    CHECK_ERR(vt_lsh_encode(VT_LSH_ENC_F16, f, K, buf, &err), &err, VT_EINPUT, "element 5");
    float z[4] = {0, 0, 0, 0};
    CHECK(vt_lsh_encode(VT_LSH_ENC_INT8, z, 4, buf, &err) == VT_OK);
    vt_lsh_decode(VT_LSH_ENC_INT8, buf, 4, g);
    CHECK(g[0] == 0 && g[3] == 0);
}

TEST(distances) {
    float a[3] = {1, 0, 0}, b[3] = {0, 1, 0}, c[3] = {2, 0, 0}, z[3] = {0, 0, 0};
    CHECK(fabs(vt_lsh_l2(a, b, 3) - sqrt(2.0)) < 1e-12);
    CHECK(fabs(vt_lsh_l2_rel(a, c, 3) - 0.5) < 1e-12);
    CHECK(isinf(vt_lsh_l2_rel(a, z, 3)));
    CHECK(fabs(vt_lsh_cosine(a, b, 3)) < 1e-12 && fabs(vt_lsh_cosine(a, c, 3) - 1) < 1e-12);
    CHECK(vt_lsh_cosine(a, z, 3) == 0);
    uint8_t x[9] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0x0f}, y[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff};
    CHECK_EQ_INT(vt_lsh_hamming(x, y, 68), 8); /* padding bits 4..7 of the last byte ignored */
    CHECK_EQ_INT(vt_lsh_hamming(x, y, 72), 12);
}

TEST(bad_input) {
    vt_error err;
    float h[4] = {0}, f[4];
    vt_lsh_params p = {vt_key_from_seed(0), 0, VT_LSH_RADEMACHER};
    CHECK_ERR(vt_lsh_project(&p, VT_F32, h, 1, 4, f, &err), &err, VT_EINPUT, "k = 0");
    p.k = VT_LSH_MAX_K + 1;
    CHECK_ERR(vt_lsh_project(&p, VT_F32, h, 1, 4, f, &err), &err, VT_EINPUT, "out of range");
    p.k = 4;
    p.dist = (vt_lsh_dist)7;
    CHECK_ERR(vt_lsh_project(&p, VT_F32, h, 1, 4, f, &err), &err, VT_EINPUT, "unknown distribution 7");
    p.dist = VT_LSH_RADEMACHER;
    CHECK_ERR(vt_lsh_project(&p, VT_F64, h, 1, 4, f, &err), &err, VT_EUNSUPPORTED, "input dtype f64");
    CHECK_ERR(vt_lsh_project(&p, VT_F32, h, (size_t)1 << 40, 4, f, &err), &err, VT_ELIMIT, "BLAS index range");
    CHECK_ERR(vt_lsh_check(&p, VT_LSH_MAX_D + 1, &err), &err, VT_ELIMIT, "exceeds the limit");
    int64_t dims[3] = {2, 2, 2};
    vt_tensor *t = vt_tensor_create(VT_F32, 3, dims, 0, &err), *o;
    CHECK_ERR(vt_lsh_project_tensor(&p, t, &o, &err), &err, VT_EINPUT, "rank 3");
    vt_tensor_release(t);
    t = vt_tensor_create(VT_I8, 1, dims, 0, &err);
    CHECK_ERR(vt_lsh_project_tensor(&p, t, &o, &err), &err, VT_EUNSUPPORTED, "i8");
    vt_tensor_release(t);
}

int main(void) {
    RUN(layout);
    RUN(project_batch);
    RUN(stream);
    RUN(encodings);
    RUN(distances);
    RUN(bad_input);
    return vt_test_finish();
}
