/* rng_bit_generator PHILOX / DEFAULT against XLA: Random123's Philox4x32-10 known answers, the
 * end-to-end words and new states TensorFlow's XLA tests pin (stateful_random_ops_test:
 * testPhilox4x32, testNewStatePhilox), XLA's output layouts, narrow types, and bad input. */
#include "harness.h"

#include <stdlib.h>

void vt_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Random123 tests/kat_vectors: philox4x32 10 <counter> <key> <result>. */
TEST(philox_known_answers) {
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
         0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
         0x24126ea1},
    };
    for (int i = 0; i < 3; i++) {
        uint32_t out[4];
        vt_philox4x32_10(kat[i], kat[i] + 4, out);
        for (int j = 0; j < 4; j++) CHECK_MSG(out[j] == kat[i][6 + j], "kat %d word %d: %08x", i, j, out[j]);
    }
}

/* Parses, verifies and runs @main (no arguments); results stay with the caller. */
static vt_status run_text(const char *text, vt_rvalue **res, size_t *nres, vt_error *err) {
    vt_module *m = NULL;
    vt_parse_options po = {"rng.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &po, &m, err);
    if (s == VT_OK) s = vt_module_verify(m, err);
    if (s == VT_OK) {
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = 2;
        vt_engine *e = vt_engine_create(&eo, err);
        if (!e) s = err->code;
        else {
            vt_limits lim;
            vt_limits_default(&lim);
            s = vt_execute(e, m, NULL, NULL, 0, &lim, res, nres, NULL, err);
            vt_engine_destroy(e);
        }
    }
    vt_module_free(m);
    return s;
}

/* One rng_bit_generator on a constant state of `ns` words; returns the new state and output. */
static vt_status rng(const char *alg, const uint64_t *state, int ns, const char *out_type, vt_rvalue **res,
                     size_t *nres, vt_error *err) {
    char text[2048], st[256] = "";
    size_t p = 0;
    for (int i = 0; i < ns; i++) p += (size_t)snprintf(st + p, sizeof st - p, "%s%llu", i ? ", " : "", (unsigned long long)state[i]);
    snprintf(text, sizeof text,
             "func.func @main() -> (tensor<%dxui64>, %s) {\n"
             "  %%s = stablehlo.constant dense<[%s]> : tensor<%dxui64>\n"
             "  %%ns, %%o = stablehlo.rng_bit_generator %%s, algorithm = %s : (tensor<%dxui64>) -> (tensor<%dxui64>, %s)\n"
             "  return %%ns, %%o : tensor<%dxui64>, %s\n"
             "}\n",
             ns, out_type, st, ns, alg, ns, ns, out_type, ns, out_type);
    return run_text(text, res, nres, err);
}

static uint64_t u64_of(uint32_t lo, uint32_t hi) { return (uint64_t)lo | (uint64_t)hi << 32; }

/* TensorFlow's testPhilox4x32 on the XLA device: state [key, counter lo, counter hi] gives the
 * Random123 block as ui32[4] and as its word pairs in ui64[2]. */
TEST(philox_end_to_end_known_answers) {
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
         0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
         0x24126ea1},
    };
    for (int i = 0; i < 3; i++) {
        const uint32_t *k = kat[i];
        uint64_t st[3] = {u64_of(k[4], k[5]), u64_of(k[0], k[1]), u64_of(k[2], k[3])};
        for (int wide = 0; wide < 2; wide++) {
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_error err;
            vt_status s = rng(i == 1 ? "DEFAULT" : "PHILOX", st, 3, wide ? "tensor<2xui64>" : "tensor<4xui32>", &res, &nres, &err);
            CHECK_MSG(s == VT_OK, "run: %s", err.msg);
            if (s != VT_OK) continue;
            const uint64_t *ns = res[0].tensor->data;
            CHECK(ns[0] == st[0]);
            CHECK(ns[1] == st[1] + 1);
            CHECK(ns[2] == st[2] + (st[1] == UINT64_MAX));
            if (wide) {
                const uint64_t *o = res[1].tensor->data;
                CHECK(o[0] == u64_of(k[6], k[7]));
                CHECK(o[1] == u64_of(k[8], k[9]));
            } else {
                const uint32_t *o = res[1].tensor->data;
                for (int j = 0; j < 4; j++) CHECK_MSG(o[j] == k[6 + j], "kat %d word %d: %08x", i, j, o[j]);
            }
            vt_rvalues_release(res, nres);
        }
    }
}

/* TensorFlow's testNewStatePhilox: 47 elements advance the counter by ceil(47 / 4) blocks (32-bit)
 * or ceil(47 / 2) (64-bit); a full low word carries into the high word. */
TEST(philox_new_state) {
    const uint64_t key = 0x1234, hi = 283;
    const uint64_t lows[2] = {57, UINT64_MAX};
    for (int l = 0; l < 2; l++)
        for (int wide = 0; wide < 2; wide++) {
            uint64_t st[3] = {key, lows[l], hi};
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_error err;
            vt_status s = rng("PHILOX", st, 3, wide ? "tensor<47xui64>" : "tensor<47xui32>", &res, &nres, &err);
            CHECK_MSG(s == VT_OK, "run: %s", err.msg);
            if (s != VT_OK) continue;
            const uint64_t *ns = res[0].tensor->data;
            uint64_t adv = wide ? 24 : 12;
            CHECK(ns[0] == key);
            CHECK(ns[1] == lows[l] + adv);
            CHECK(ns[2] == (l ? hi + 1 : hi));
            vt_rvalues_release(res, nres);
        }
}

/* XLA's layouts: 32-bit element i is word i % 4 of block i / 4 (counter + i / 4), 64-bit element
 * i is words (0,1) or (2,3) of block i / 2; a 2-word state counts from (state[1], state[0]) and
 * keeps no carry; narrow types keep the low bits of the 32-bit words; DEFAULT equals PHILOX. */
TEST(philox_layouts) {
    const uint64_t st2[2] = {0x0123456789abcdefull, UINT64_MAX - 1}; /* counter wraps after 2 blocks */
    const uint32_t key[2] = {0x89abcdefu, 0x01234567u};
    uint32_t blk[5][4];
    for (int b = 0; b < 5; b++) {
        uint64_t lo = st2[1] + (uint64_t)b, hi = st2[0] + (lo < st2[1]);
        uint32_t c[4] = {(uint32_t)lo, (uint32_t)(lo >> 32), (uint32_t)hi, (uint32_t)(hi >> 32)};
        vt_philox4x32_10(c, key, blk[b]);
    }
    static const char *types[] = {"tensor<3x5xui32>", "tensor<3x3xui64>", "tensor<2x7xi8>", "tensor<13xui16>",
                                  "tensor<3x3xi4>",   "tensor<si32>",     "tensor<5xf32>",  "tensor<0x3xui32>"};
    static const int nel[] = {15, 9, 14, 13, 9, 1, 5, 0};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (int alg = 0; alg < 2; alg++) {
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_error err;
            vt_status s = rng(alg ? "DEFAULT" : "PHILOX", st2, 2, types[t], &res, &nres, &err);
            CHECK_MSG(s == VT_OK, "%s: %s", types[t], err.msg);
            if (s != VT_OK) continue;
            const vt_tensor *o = res[1].tensor;
            CHECK_EQ_INT(o->nelem, nel[t]);
            bool wide = t == 1;
            uint64_t blocks = wide ? (uint64_t)(nel[t] + 1) / 2 : (uint64_t)(nel[t] + 3) / 4;
            const uint64_t *ns = res[0].tensor->data;
            CHECK(ns[0] == st2[0] && ns[1] == st2[1] + blocks);
            int bad = 0;
            for (int i = 0; i < nel[t]; i++) {
                const uint32_t *w = blk[wide ? i / 2 : i / 4];
                uint64_t want = wide ? (i % 2 ? u64_of(w[2], w[3]) : u64_of(w[0], w[1])) : w[i % 4];
                uint64_t got;
                switch (o->dtype) {
                case VT_U64: got = ((const uint64_t *)o->data)[i]; break;
                case VT_I8: got = (uint64_t)(int64_t)((const int8_t *)o->data)[i]; want = (uint64_t)(int64_t)(int8_t)want; break;
                case VT_U16: got = ((const uint16_t *)o->data)[i]; want &= 0xffff; break;
                case VT_I4: {
                    got = (uint64_t)(int64_t)((const int8_t *)o->data)[i];
                    int64_t v = (int64_t)(want & 15);
                    want = (uint64_t)(v >= 8 ? v - 16 : v);
                } break;
                default: { uint32_t v; memcpy(&v, (const char *)o->data + 4 * (size_t)i, 4); got = v; } break;
                }
                bad += got != want;
            }
            CHECK_MSG(bad == 0, "%s: %d elements differ", types[t], bad);
            vt_rvalues_release(res, nres);
        }
}

/* THREE_FRY narrow types keep the low bits of the 32-bit layout of the same shape. */
TEST(threefry_narrow_is_low_bits_of_32) {
    const uint64_t st[2] = {0x100000004ull, 7};
    vt_rvalue *r32 = NULL, *r8 = NULL;
    size_t n32 = 0, n8 = 0;
    vt_error err;
    CHECK_MSG(rng("THREE_FRY", st, 2, "tensor<3x5xui32>", &r32, &n32, &err) == VT_OK, "%s", err.msg);
    CHECK_MSG(rng("THREE_FRY", st, 2, "tensor<3x5xui8>", &r8, &n8, &err) == VT_OK, "%s", err.msg);
    if (r32 && r8) {
        const uint32_t *a = r32[1].tensor->data;
        const uint8_t *b = r8[1].tensor->data;
        int bad = 0;
        for (int i = 0; i < 15; i++) bad += (uint8_t)a[i] != b[i];
        CHECK_EQ_INT(bad, 0);
        CHECK(((const uint64_t *)r8[0].tensor->data)[1] == ((const uint64_t *)r32[0].tensor->data)[1]);
        CHECK(((const uint64_t *)r8[0].tensor->data)[1] == 7 + 9); /* no even dim: split the largest, half 3x3 */
    }
    if (r32) vt_rvalues_release(r32, n32);
    if (r8) vt_rvalues_release(r8, n8);
}

/* Results do not depend on the thread count (the fill runs in fixed chunks). */
TEST(philox_threads_equal) {
    const char *text = "func.func @main() -> tensor<70001xui32> {\n"
                       "  %s = stablehlo.constant dense<[5, 6, 7]> : tensor<3xui64>\n"
                       "  %ns, %o = stablehlo.rng_bit_generator %s, algorithm = PHILOX : (tensor<3xui64>) -> (tensor<3xui64>, tensor<70001xui32>)\n"
                       "  return %o : tensor<70001xui32>\n"
                       "}\n";
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    CHECK_MSG(run_text(text, &res, &nres, &err) == VT_OK, "%s", err.msg);
    if (!res) return;
    const uint32_t *o = res[0].tensor->data;
    int bad = 0;
    for (uint64_t b = 0; b < 17501; b++) {
        uint32_t c[4] = {(uint32_t)(6 + b), 0, 7, 0}, k[2] = {5, 0}, w[4];
        vt_philox4x32_10(c, k, w);
        for (int j = 0; j < 4 && b * 4 + (uint64_t)j < 70001; j++) bad += o[b * 4 + (uint64_t)j] != w[j];
    }
    CHECK_EQ_INT(bad, 0);
    vt_rvalues_release(res, nres);
}

TEST(bad_inputs) {
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    const uint64_t st4[4] = {1, 2, 3, 4};
    CHECK_ERR(rng("PHILOX", st4, 4, "tensor<4xui32>", &res, &nres, &err), &err, VT_EINPUT, "PHILOX state must be a 2- or 3-element");
    CHECK_ERR(rng("THREE_FRY", st4, 3, "tensor<4xui32>", &res, &nres, &err), &err, VT_EINPUT, "THREE_FRY state must be a 2-element");
    CHECK_ERR(rng("PHILOX", st4, 3, "tensor<4xi1>", &res, &nres, &err), &err, VT_EINPUT, "integer or floating-point");
    CHECK_ERR(rng("PHILOX", st4, 3, "tensor<4xcomplex<f32>>", &res, &nres, &err), &err, VT_EINPUT, "integer or floating-point");
    CHECK_ERR(rng("PHILOX", st4, 3, "tensor<4xf4E2M1FN>", &res, &nres, &err), &err, VT_EUNSUPPORTED,
              "not supported: rng_bit_generator output of f4E2M1FN");
    CHECK_ERR(rng("NOPE", st4, 3, "tensor<4xui32>", &res, &nres, &err), &err, VT_EINPUT, "NOPE");
    /* a 2^40-element output is stopped by the size or work limits before any allocation */
    vt_status s = rng("PHILOX", st4, 3, "tensor<1099511627776xui32>", &res, &nres, &err);
    CHECK_MSG(s == VT_ELIMIT, "huge output: %s (%s)", vt_status_name(s), err.msg);
    const char *badstate = "func.func @main() {\n"
                           "  %s = stablehlo.constant dense<[1, 2]> : tensor<2xui32>\n"
                           "  %ns, %o = stablehlo.rng_bit_generator %s, algorithm = PHILOX : (tensor<2xui32>) -> (tensor<2xui32>, tensor<4xui32>)\n"
                           "  return\n"
                           "}\n";
    CHECK_ERR(run_text(badstate, &res, &nres, &err), &err, VT_EINPUT, "must be a 1-D ui64 tensor");
}

int main(void) {
    RUN(philox_known_answers);
    RUN(philox_end_to_end_known_answers);
    RUN(philox_new_state);
    RUN(philox_layouts);
    RUN(threefry_narrow_is_low_bits_of_32);
    RUN(philox_threads_equal);
    RUN(bad_inputs);
    return vt_test_finish();
}
