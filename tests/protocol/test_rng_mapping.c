/* Relates stablehlo.rng_bit_generator (THREE_FRY) to veritor's Threefry and JAX streams
 * (docs/randomness.md, "Threefry, the JAX streams and rng_bit_generator as ops"): in-graph
 * Threefry equals vt_threefry2x32; XLA's expansion (OpenXLA xla/hlo/builder/lib/prng.cc) written
 * as ops equals its C reference and XLA's printed output; JAX's block i is rng_bit_generator's
 * block at counter i << 32; the interpreter's op (src/interp/op_rng.c) is held to the same. */
#include "harness.h"
#include "veritor/protocol_graph.h"

#include <math.h>
#include <stdlib.h>

static uint64_t next64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static vt_tensor *mk(vt_dtype dt, int rank, const int64_t *dims, const void *src) {
    vt_error e;
    vt_tensor *t = vt_tensor_create(dt, rank, dims, UINT64_MAX, &e);
    if (t && src) memcpy(t->data, src, t->nbytes);
    return t;
}

/* Runs @main of m on args (consumed); results into res (caller releases). */
static vt_status run(vt_module *m, vt_rvalue *args, size_t n, vt_rvalue **res, size_t *nres, vt_error *err) {
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    vt_engine *e = vt_engine_create(&eo, err);
    vt_status s = e ? VT_OK : err->code;
    if (e) {
        vt_limits lim;
        vt_limits_default(&lim);
        s = vt_execute(e, m, NULL, args, n, &lim, res, nres, NULL, err);
        vt_engine_destroy(e);
    }
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&args[i]);
    return s;
}

/* In-graph Threefry on N random blocks plus Random123's known answers. */
TEST(threefry_ops_equal_c) {
    enum { N = 4096 };
    static uint32_t in[4][N], out[2][N];
    uint64_t s = 7;
    for (int a = 0; a < 4; a++)
        for (int i = 0; i < N; i++) in[a][i] = (uint32_t)next64(&s);
    for (int a = 0; a < 4; a++) in[a][0] = 0, in[a][1] = 0xffffffffu;
    vt_error err;
    vt_builder *b = vt_builder_new("tf", &err);
    int64_t n = N;
    const vt_type *t = vt_builder_tensor_type(b, VT_U32, 1, &n);
    const vt_type *at[4] = {t, t, t, t}, *rt[2] = {t, t};
    vt_func *f = vt_builder_func(b, "main", "public", at, 4, rt, 2);
    vt_value *y[2];
    CHECK(vt_build_threefry2x32(b, vt_builder_func_arg(b, f, 0), vt_builder_func_arg(b, f, 1),
                                vt_builder_func_arg(b, f, 2), vt_builder_func_arg(b, f, 3), y) == VT_OK);
    vt_build_return(b, y, 2);
    vt_module *m = NULL;
    CHECK_MSG(vt_builder_finish(b, &m, &err) == VT_OK, "finish: %s", err.msg);
    vt_builder_free(b);
    if (!m) return;
    vt_rvalue args[4];
    for (int a = 0; a < 4; a++) args[a] = vt_rvalue_tensor(mk(VT_U32, 1, &n, in[a]));
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_status st = run(m, args, 4, &res, &nres, &err);
    CHECK_MSG(st == VT_OK, "run: %s", err.msg);
    if (st == VT_OK) {
        memcpy(out[0], res[0].tensor->data, sizeof out[0]);
        memcpy(out[1], res[1].tensor->data, sizeof out[1]);
        vt_rvalues_release(res, nres);
        int bad = 0;
        for (int i = 0; i < N; i++) {
            uint32_t c[2];
            vt_threefry2x32((vt_key){{in[0][i], in[1][i]}}, in[2][i], in[3][i], c);
            bad += c[0] != out[0][i] || c[1] != out[1][i];
        }
        CHECK_EQ_INT(bad, 0);
        /* Random123 known answers (also in the base tests). */
        CHECK(out[0][0] == 0x6b200159u && out[1][0] == 0x99ba4efeu);
        CHECK(out[0][1] == 0x1cb996fcu && out[1][1] == 0xbb002be7u);
    }
    vt_module_free(m);
}

/* XLA's rng_bit_generator THREE_FRY for a 32-bit output (OpenXLA xla/hlo/builder/lib/prng.cc,
 * ThreeFryRngBit32 with SplitShapeIntoHalves / CombineShapePair): the split dimension is the
 * first even one (else the first largest); the "half shape" halves it (rounded up); half element
 * h (row-major) encrypts counter C + h under key (lo32 K, hi32 K) as (lo32, hi32); output
 * coordinate s on the split dimension takes word s % 2 of the half element at s / 2. A scalar
 * takes word 0 of block C. Returns the new counter C + (half-shape elements). */
static int split_dim(int rank, const int64_t *dims) {
    for (int i = 0; i < rank; i++)
        if (dims[i] % 2 == 0) return i;
    int s = 0;
    for (int i = 1; i < rank; i++)
        if (dims[i] > dims[s]) s = i;
    return s;
}

static uint64_t rbg32_reference(uint64_t K, uint64_t C, int rank, const int64_t *dims, uint32_t *out) {
    vt_key key = {{(uint32_t)K, (uint32_t)(K >> 32)}};
    uint32_t y[2];
    if (rank == 0) {
        vt_threefry2x32(key, (uint32_t)C, (uint32_t)(C >> 32), y);
        out[0] = y[0];
        return C + 1;
    }
    int split = split_dim(rank, dims);
    int64_t half[8], n = 1, nh = 1;
    for (int i = 0; i < rank; i++) {
        half[i] = i == split ? (dims[i] + 1) / 2 : dims[i];
        n *= dims[i];
        nh *= half[i];
    }
    for (int64_t e = 0; e < n; e++) {
        int64_t rem = e, h = 0, stride = 1, coord[8] = {0};
        for (int i = rank - 1; i >= 0; i--) coord[i] = rem % dims[i], rem /= dims[i];
        int w = (int)(coord[split] % 2);
        coord[split] /= 2;
        for (int i = rank - 1; i >= 0; i--) h += coord[i] * stride, stride *= half[i];
        uint64_t c = C + (uint64_t)h;
        vt_threefry2x32(key, (uint32_t)c, (uint32_t)(c >> 32), y);
        out[e] = y[w];
    }
    return C + (uint64_t)nh;
}

/* 64-bit outputs (ThreeFryRngBit64): element i = w0 | w1 << 32 of block C + i. */
static uint64_t rbg64_reference(uint64_t K, uint64_t C, size_t n, uint64_t *out) {
    vt_key key = {{(uint32_t)K, (uint32_t)(K >> 32)}};
    for (size_t i = 0; i < n; i++) {
        uint64_t c = C + i;
        uint32_t y[2];
        vt_threefry2x32(key, (uint32_t)c, (uint32_t)(c >> 32), y);
        out[i] = (uint64_t)y[0] | (uint64_t)y[1] << 32;
    }
    return C + n;
}

static const uint64_t states[][2] = {
    {0, 0},                                 /* XLA's printed example */
    {0x0123456789abcdefull, 5},             /* distinct key words: their order */
    {0xfedcba9876543210ull, 0xfffffffeull}, /* counter carries into the high word */
    {42, 0xffffffffffffffffull},            /* counter wraps at 2^64 */
};
#define NSTATES (sizeof states / sizeof states[0])

static const struct {
    int rank;
    int64_t dims[3];
} shapes[] = {
    {2, {3, 2}}, {2, {4, 5}}, {2, {1, 8}}, {2, {3, 5}}, {1, {7}}, {1, {6}}, {3, {3, 1, 4}}, {3, {5, 3, 3}}, {0, {0}},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* XLA's expansion written as ops for one output shape: state as ui32 words [lo K, hi K, lo C,
 * hi C]; counters C + h over the half shape with a 64-bit add on ui32 halves (carry from the low
 * word); Threefry; the two words concatenated on a new dimension after the split one, reshaped
 * and sliced back to the shape. */
static vt_module *rbg_emulation(int rank, const int64_t *dims, vt_error *err) {
    vt_builder *b = vt_builder_new("rbg_emulation", err);
    if (!b) return NULL;
    int split = split_dim(rank, dims);
    int64_t half[8], even[8], d4 = 4, r1 = rank + 1;
    for (int i = 0, j = 0; i < rank; i++) {
        even[i] = i == split ? (dims[i] + 1) / 2 * 2 : dims[i];
        half[j++] = i == split ? (dims[i] + 1) / 2 : dims[i];
        if (i == split) half[j++] = 1;
    }
    const vt_type *t4 = vt_builder_tensor_type(b, VT_U32, 1, &d4), *th = vt_builder_tensor_type(b, VT_U32, (int)r1, half);
    const vt_type *tout = vt_builder_tensor_type(b, VT_U32, rank, dims);
    vt_func *f = vt_builder_func(b, "main", "public", &t4, 1, &tout, 1);
    vt_value *st = vt_builder_func_arg(b, f, 0), *w[4];
    for (int i = 0; i < 4; i++) {
        int64_t s0 = i, l0 = i + 1, one = 1;
        vt_value *x = vt_build_reshape(b, vt_build_slice(b, st, &s0, &l0, &one), vt_builder_scalar_type(b, VT_U32));
        w[i] = vt_build_broadcast_in_dim(b, x, th, NULL, 0);
    }
    vt_value *h = vt_build_splat(b, th, 0);
    int64_t trailing = 1;
    for (int i = (int)r1 - 1; i >= 0; i--) { /* XLA skips dimensions of size < 2 */
        if (half[i] < 2) continue;
        h = vt_build_binary(b, VT_OP_ADD, h,
                            vt_build_binary(b, VT_OP_MULTIPLY, vt_build_iota(b, th, i), vt_build_splat(b, th, (double)trailing)));
        trailing *= half[i];
    }
    vt_value *lo = vt_build_binary(b, VT_OP_ADD, w[2], h);
    vt_value *carry = vt_build_convert(b, vt_build_compare(b, "LT", lo, w[2], "UNSIGNED"), VT_U32);
    vt_value *hi = vt_build_binary(b, VT_OP_ADD, w[3], carry);
    vt_value *y[2];
    vt_build_threefry2x32(b, w[0], w[1], lo, hi, y);
    vt_value *o = vt_build_concatenate(b, y, 2, split + 1);
    o = vt_build_reshape(b, o, vt_builder_tensor_type(b, VT_U32, rank, even));
    int64_t z[8] = {0}, ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    o = vt_build_slice(b, o, z, dims, ones);
    vt_build_return(b, &o, 1);
    vt_module *m = NULL;
    vt_builder_finish(b, &m, err);
    vt_builder_free(b);
    return m;
}

TEST(xla_layout_as_ops) {
    vt_error err;
    for (size_t sh = 0; sh < NSHAPES; sh++) {
        if (shapes[sh].rank == 0) continue;
        vt_module *m = rbg_emulation(shapes[sh].rank, shapes[sh].dims, &err);
        CHECK_MSG(m != NULL, "shape %zu: build: %s", sh, err.msg);
        if (!m) continue;
        for (size_t c = 0; c < NSTATES; c++) {
            uint64_t K = states[c][0], C = states[c][1];
            uint32_t w[4] = {(uint32_t)K, (uint32_t)(K >> 32), (uint32_t)C, (uint32_t)(C >> 32)}, want[64];
            int64_t d4 = 4;
            vt_rvalue a = vt_rvalue_tensor(mk(VT_U32, 1, &d4, w));
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_status st = run(m, &a, 1, &res, &nres, &err);
            CHECK_MSG(st == VT_OK, "run: %s", err.msg);
            if (st) continue;
            rbg32_reference(K, C, shapes[sh].rank, shapes[sh].dims, want);
            CHECK_MSG(memcmp(res[0].tensor->data, want, res[0].tensor->nbytes) == 0,
                      "shape %zu state %zu: ops and C reference differ", sh, c);
            vt_rvalues_release(res, nres);
        }
        vt_module_free(m);
    }
}

/* XLA CPU's printed u32[3,2] for K = C = 0 (4-5 significant digits; rows are (w0, w1) of blocks
 * 0, 1, 2, which pins the split rule for this shape) and the 64-bit golden words of the
 * conformance testdata (rng_bit_generator_uint32_4.mlir via tests/interp/test_part2.sh: key
 * (1, 4), counter 2^32), which pin the key's word order. */
TEST(xla_vectors) {
    static const double xla[6] = {1.7973e9, 2.5791e9, 1.3515e9, 3.2358e9, 1.6886e9, 4.2293e9};
    uint32_t want[6];
    int64_t d32[2] = {3, 2};
    CHECK(rbg32_reference(0, 0, 2, d32, want) == 3);
    for (int i = 0; i < 6; i++)
        CHECK_MSG(fabs(want[i] - xla[i]) <= 5e-5 * xla[i], "word %d = %u, XLA printed %.5g", i, want[i], xla[i]);
    uint64_t w64[2];
    CHECK(rbg64_reference(17179869185ull, 4294967296ull, 2, w64) == 4294967298ull);
    CHECK(w64[0] == 11811099535163642817ull && w64[1] == 2679220122055838158ull);
}

/* JAX's partitionable block i, threefry(key, (0, i)), is rng_bit_generator's block at state
 * (K = k0 | k1 << 32, C = i << 32): jax bits32[i] = w0 ^ w1 of a ui32[2] output, fold_in(key, d)
 * = (w0, w1) at C = d << 32, and jax bits64[i] is the ui64 output with its halves swapped. */
TEST(jax_streams_via_rbg) {
    vt_key key = vt_key_from_seed(1701);
    uint64_t K = (uint64_t)key.k[0] | (uint64_t)key.k[1] << 32;
    uint32_t bits[64], y[2];
    uint64_t bits64[64];
    vt_rand_bits32(key, 0, 64, bits);
    vt_rand_bits64(key, 0, 64, bits64);
    int bad = 0;
    int64_t d2 = 2;
    for (uint32_t i = 0; i < 64; i++) {
        rbg32_reference(K, (uint64_t)i << 32, 1, &d2, y);
        bad += (y[0] ^ y[1]) != bits[i];
        vt_key f = vt_rand_fold_in(key, i * 977u);
        rbg32_reference(K, (uint64_t)(i * 977u) << 32, 1, &d2, y);
        bad += y[0] != f.k[0] || y[1] != f.k[1];
        uint64_t r64;
        rbg64_reference(K, (uint64_t)i << 32, 1, &r64);
        bad += ((r64 << 32) | (r64 >> 32)) != bits64[i];
    }
    CHECK_EQ_INT(bad, 0);
    /* The golden vector of docs/randomness.md: bits(key(1701), (3,), uint32). */
    CHECK(bits[0] == 1111271205u && bits[1] == 2679469115u && bits[2] == 974515252u);
}


/* The same JAX stream in-graph: fold_in and bits32 as ops equal vt_rand_fold_in / bits32. */
TEST(jax_stream_ops) {
    enum { N = 257 };
    vt_error err;
    vt_builder *b = vt_builder_new("jaxbits", &err);
    int64_t n = N, d2 = 2;
    const vt_type *tn = vt_builder_tensor_type(b, VT_U32, 1, &n), *t2 = vt_builder_tensor_type(b, VT_U32, 1, &d2);
    const vt_type *rt[3] = {tn, tn, tn};
    vt_func *f = vt_builder_func(b, "main", "public", &t2, 1, rt, 3);
    vt_value *key = vt_builder_func_arg(b, f, 0), *k[2];
    for (int i = 0; i < 2; i++) {
        int64_t s0 = i, l0 = i + 1, one = 1;
        k[i] = vt_build_broadcast_in_dim(
            b, vt_build_reshape(b, vt_build_slice(b, key, &s0, &l0, &one), vt_builder_scalar_type(b, VT_U32)), tn, NULL, 0);
    }
    vt_value *i = vt_build_iota(b, tn, 0), *y[2];
    vt_build_threefry2x32(b, k[0], k[1], vt_build_splat(b, tn, 0), i, y);
    vt_value *outs[3] = {vt_build_binary(b, VT_OP_XOR, y[0], y[1]), NULL, NULL};
    vt_value *fk[2] = {k[0], k[1]};
    vt_build_fold_in(b, fk, vt_build_binary(b, VT_OP_MULTIPLY, i, vt_build_splat(b, tn, 65537)));
    outs[1] = fk[0], outs[2] = fk[1];
    vt_build_return(b, outs, 3);
    vt_module *m = NULL;
    CHECK_MSG(vt_builder_finish(b, &m, &err) == VT_OK, "finish: %s", err.msg);
    vt_builder_free(b);
    if (!m) return;
    vt_key kk = vt_key_from_seed(0x123456789ull);
    vt_rvalue a = vt_rvalue_tensor(mk(VT_U32, 1, &d2, kk.k));
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_status st = run(m, &a, 1, &res, &nres, &err);
    CHECK_MSG(st == VT_OK, "run: %s", err.msg);
    if (st == VT_OK) {
        uint32_t want[N];
        vt_rand_bits32(kk, 0, N, want);
        CHECK(memcmp(res[0].tensor->data, want, sizeof want) == 0);
        const uint32_t *f0 = res[1].tensor->data, *f1 = res[2].tensor->data;
        int bad = 0;
        for (uint32_t j = 0; j < N; j++) {
            vt_key fk2 = vt_rand_fold_in(kk, j * 65537u);
            bad += fk2.k[0] != f0[j] || fk2.k[1] != f1[j];
        }
        CHECK_EQ_INT(bad, 0);
        vt_rvalues_release(res, nres);
    }
    vt_module_free(m);
}


/* stablehlo.rng_bit_generator itself (interpreter, src/interp/op_rng.c). */
static vt_module *rbg_op(int rank, const int64_t *shape, vt_dtype dt, const char *alg, vt_error *err) {
    vt_builder *b = vt_builder_new("rbg", err);
    if (!b) return NULL;
    int64_t d2 = 2;
    const vt_type *ts = vt_builder_tensor_type(b, VT_U64, 1, &d2), *to = vt_builder_tensor_type(b, dt, rank, shape);
    const vt_type *rt[2] = {ts, to};
    vt_func *f = vt_builder_func(b, "main", "public", &ts, 1, rt, 2);
    vt_value *s = vt_builder_func_arg(b, f, 0);
    vt_named_attr at = {"rng_algorithm", vt_builder_attr_enum(b, "stablehlo", "rng_algorithm", alg)};
    vt_op *op = vt_build_op(b, "stablehlo.rng_bit_generator", &s, 1, rt, 2, &at, 1, 0);
    vt_value *r[2] = {vt_builder_result(b, op, 0), vt_builder_result(b, op, 1)};
    vt_build_return(b, r, 2);
    vt_module *m = NULL;
    vt_builder_finish(b, &m, err);
    vt_builder_free(b);
    return m;
}

/* Runs the op on one state; returns its status, output words into out and the new state. */
static vt_status rbg_run(vt_module *m, const uint64_t state[2], void *out, size_t nbytes, uint64_t ns[2], vt_error *err) {
    int64_t d2 = 2;
    vt_rvalue a = vt_rvalue_tensor(mk(VT_U64, 1, &d2, state));
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_status st = run(m, &a, 1, &res, &nres, err);
    if (st) return st;
    memcpy(out, res[1].tensor->data, nbytes);
    memcpy(ns, res[0].tensor->data, 16);
    vt_rvalues_release(res, nres);
    return VT_OK;
}

TEST(rng_bit_generator_op_32) {
    vt_error err;
    int wrong = 0;
    for (size_t sh = 0; sh < NSHAPES; sh++) {
        vt_module *m = rbg_op(shapes[sh].rank, shapes[sh].dims, VT_U32, "THREE_FRY", &err);
        CHECK_MSG(m != NULL, "build: %s", err.msg);
        if (!m) return;
        size_t n = 1;
        for (int i = 0; i < shapes[sh].rank; i++) n *= (size_t)shapes[sh].dims[i];
        for (size_t c = 0; c < NSTATES; c++) {
            uint32_t got[64], want[64];
            uint64_t ns[2];
            vt_status st = rbg_run(m, states[c], got, n * 4, ns, &err);
            CHECK_MSG(st == VT_OK, "shape %zu state %zu: %s", sh, c, err.msg);
            if (st) continue;
            uint64_t nc = rbg32_reference(states[c][0], states[c][1], shapes[sh].rank, shapes[sh].dims, want);
            if (memcmp(got, want, n * 4) != 0 && wrong++ < 4)
                vt_test_fail(__FILE__, __LINE__,
                             "ui32 shape %zu state %zu: op output differs from XLA's ThreeFryRngBit32 layout "
                             "(first words %u %u, XLA %u %u)",
                             sh, c, got[0], n > 1 ? got[1] : 0, want[0], n > 1 ? want[1] : 0);
            vt_test_checks++;
            CHECK_MSG(ns[0] == states[c][0] && ns[1] == nc, "ui32 shape %zu state %zu: new state [%llu, %llu], XLA [%llu, %llu]",
                      sh, c, (unsigned long long)ns[0], (unsigned long long)ns[1], (unsigned long long)states[c][0],
                      (unsigned long long)nc);
        }
        vt_module_free(m);
    }
    printf("rng_bit_generator ui32: %d of %zu (shape, state) cases differ from XLA's layout\n", wrong, NSHAPES * NSTATES);
}

TEST(rng_bit_generator_op_64) {
    static const int64_t shp[][2] = {{3, 2}, {1, 5}, {4, 4}};
    vt_error err;
    for (size_t sh = 0; sh < 3; sh++) {
        vt_module *m = rbg_op(2, shp[sh], VT_U64, "THREE_FRY", &err);
        CHECK_MSG(m != NULL, "build: %s", err.msg);
        if (!m) return;
        size_t n = (size_t)(shp[sh][0] * shp[sh][1]);
        for (size_t c = 0; c < NSTATES; c++) {
            uint64_t got[16], want[16], ns[2];
            vt_status st = rbg_run(m, states[c], got, n * 8, ns, &err);
            CHECK_MSG(st == VT_OK, "shape %zu state %zu: %s", sh, c, err.msg);
            if (st) continue;
            uint64_t nc = rbg64_reference(states[c][0], states[c][1], n, want);
            CHECK_MSG(memcmp(got, want, n * 8) == 0, "ui64 shape %zu state %zu: output differs", sh, c);
            CHECK(ns[0] == states[c][0] && ns[1] == nc);
        }
        vt_module_free(m);
    }
}

/* Output types the op cannot fill are refused with exact codes (never guessed bits). */
TEST(rng_bit_generator_refusals) {
    vt_error err;
    int64_t d4[1] = {4};
    vt_module *m = rbg_op(1, d4, VT_F4E2M1FN, "THREE_FRY", &err);
    if (m) {
        uint8_t out[4];
        uint64_t ns[2];
        CHECK_ERR(rbg_run(m, states[0], out, sizeof out, ns, &err), &err, VT_EUNSUPPORTED,
                  "not supported: rng_bit_generator output of f4E2M1FN");
        vt_module_free(m);
    } else {
        CHECK_MSG(err.code != VT_OK, "f4E2M1FN output: no module and no error");
    }
}

int main(void) {
    RUN(threefry_ops_equal_c);
    RUN(xla_vectors);
    RUN(xla_layout_as_ops);
    RUN(jax_streams_via_rbg);
    RUN(jax_stream_ops);
    RUN(rng_bit_generator_op_64);
    RUN(rng_bit_generator_op_32);
    RUN(rng_bit_generator_refusals);
    return vt_test_finish();
}
