/* Tests of the interpreter's fast paths against the general ones: f32 exp/tanh/logistic
 * (k_fastmath.c, every SIMD path against the scalar code and against libm), fusion groups with
 * scalar constants and broadcasts (fused vs --no-fusion bit for bit, fewer bytes), and the
 * errors those paths can meet. */
#include "harness.h"
#include "interp/k_elementwise.h"
#include "interp/k_fastmath.h"
#include "interp/k_fused.h"
#include "interp/k_reduce.h"

#include <math.h>
#include <stdlib.h>

#define OK(expr)                                                                                  \
    do {                                                                                          \
        vt_status _s = (expr);                                                                    \
        CHECK_MSG(_s == VT_OK, "%s: %s", #expr, err.msg);                                         \
    } while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { /* splitmix64: fixed seed, the tests are reproducible */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double unif(double lo, double hi) { return lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0); }

static uint32_t f32_bits(float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    return b;
}
static float f32_from(uint32_t b) {
    float v;
    memcpy(&v, &b, 4);
    return v;
}
static uint32_t ulp32(float a, float b) {
    if (isnan(a) && isnan(b)) return 0;
    if (isnan(a) || isnan(b)) return UINT32_MAX;
    int32_t x = (int32_t)f32_bits(a), y = (int32_t)f32_bits(b);
    if (x < 0) x = INT32_MIN - x;
    if (y < 0) y = INT32_MIN - y;
    return x > y ? (uint32_t)(x - y) : (uint32_t)(y - x);
}

/* ---- fast f32 transcendental functions ------------------------------------------------------ */

/* Inputs: random values over each function's interesting range, random bit patterns (NaNs of
 * every payload, infinities, denormals), and the edges of the clamps and of f32 overflow. */
static size_t make_inputs(float *x, size_t cap) {
    static const float edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f, 1.17549435e-38f,
                                  88.72283f, 88.72284f, 89.5f, 89.6f, -87.33655f, -103.27893f, -103.97208f, -104.5f,
                                  -104.6f, 9.01f, 9.1f, 10.0f, -10.0f, 10.01f, 0.34657359f, -0.34657359f, 0.5f,
                                  40.0f, -40.0f, 105.0f, -105.0f, 3.4028235e38f, -3.4028235e38f, 1e-8f, -1e-8f};
    size_t n = 0;
    for (size_t i = 0; i < sizeof edges / sizeof *edges && n < cap; i++) x[n++] = edges[i];
    while (n < cap) {
        switch (rnd() % 4) {
        case 0: x[n++] = (float)unif(-110, 110); break;
        case 1: x[n++] = (float)unif(-12, 12); break;
        case 2: x[n++] = (float)(unif(-1, 1) * pow(2.0, unif(-140, 7))); break;
        default: x[n++] = f32_from((uint32_t)rnd()); break;
        }
    }
    return n;
}

typedef float (*scalar_fn)(float);
static float ref_exp(float x) { return (float)exp((double)x); }
static float ref_tanh(float x) { return (float)tanh((double)x); }
static float ref_logistic(float x) { return (float)(1.0 / (1.0 + exp(-(double)x))); }
static float fast_exp1(float x) { return (float)vt_fm_exp_f32((double)x); }
static float fast_tanh1(float x) { return (float)vt_fm_tanh_f32((double)x); }
static float fast_logistic1(float x) { return (float)vt_fm_logistic_f32((double)x); }

TEST(fast_f32_loops_equal_scalar_code) {
    enum { N = 20000 };
    float *x = malloc(N * sizeof *x), *o = malloc(N * sizeof *o);
    make_inputs(x, N);
    void (*loops[3])(const float *, float *, size_t) = {vt_fm_exp_f32_n, vt_fm_tanh_f32_n, vt_fm_logistic_f32_n};
    scalar_fn scal[3] = {fast_exp1, fast_tanh1, fast_logistic1};
    for (int f = 0; f < 3; f++) {
        /* odd offsets and lengths: every vector path and every tail length */
        for (size_t off = 0; off < 5; off++)
            for (size_t len = 0; len < 11; len++) {
                loops[f](x + off, o, len);
                for (size_t i = 0; i < len; i++)
                    CHECK_MSG(f32_bits(o[i]) == f32_bits(scal[f](x[off + i])), "fn %d x=%a: %a vs %a", f, x[off + i],
                              o[i], scal[f](x[off + i]));
            }
        loops[f](x + 1, o, N - 1);
        size_t bad = 0;
        for (size_t i = 0; i < N - 1; i++) bad += f32_bits(o[i]) != f32_bits(scal[f](x[i + 1]));
        CHECK_EQ_INT(bad, 0);
        /* each SIMD level this CPU runs (scalar, SSE2, AVX2, AVX-512), odd lengths for the tails */
        for (int level = 0; level <= 3; level++) {
            int used = vt_fm_f32_n(f, level, x + 3, o, N - 7);
            CHECK(used <= level);
            size_t bad_l = 0;
            for (size_t i = 0; i < N - 7; i++) bad_l += f32_bits(o[i]) != f32_bits(scal[f](x[i + 3]));
            CHECK_MSG(bad_l == 0, "fn %d level %d: %zu elements differ from the scalar code", f, used, bad_l);
        }
    }
    CHECK_EQ_INT(vt_fm_f32_n(3, 0, x, o, 4), 0); /* no such function: nothing written */
    free(x), free(o);
}

/* Through the unary kernels (what the interpreter runs): within 1 ULP of libm rounded once, NaN
 * for NaN, and in practice the same bits (differences need an exact value within ~2^-50 of an
 * f32 rounding midpoint; none exist among these inputs). */
TEST(fast_f32_kernels_match_libm) {
    enum { N = 200000 };
    int64_t d = N;
    vt_tensor *x = vt_tensor_create(VT_F32, 1, &d, 0, NULL), *o = vt_tensor_create(VT_F32, 1, &d, 0, NULL);
    make_inputs(x->data, N);
    vt_unary_op ops[3] = {VT_UN_EXP, VT_UN_TANH, VT_UN_LOGISTIC};
    scalar_fn ref[3] = {ref_exp, ref_tanh, ref_logistic};
    vt_error err = {0};
    for (int f = 0; f < 3; f++) {
        vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
        OK(vt_k_unary(&c, ops[f], x, o, &err));
        const float *xi = x->data, *oi = o->data;
        size_t far = 0, differ = 0;
        for (size_t i = 0; i < N; i++) {
            float want = ref[f](xi[i]);
            if (ulp32(oi[i], want) > 1) far++;
            if (f32_bits(oi[i]) != f32_bits(want)) differ++;
        }
        CHECK_MSG(far == 0, "%s: %zu results more than 1 ULP from libm", vt_unary_op_name(ops[f]), far);
        CHECK_MSG(differ == 0, "%s: %zu results differ from libm's bits", vt_unary_op_name(ops[f]), differ);
        /* thread count never shows in the bits */
        vt_tensor *o3 = vt_tensor_create(VT_F32, 1, &d, 0, NULL);
        vt_kctx c3 = {.threads = 3, .fuel_left = UINT64_MAX};
        OK(vt_k_unary(&c3, ops[f], x, o3, &err));
        CHECK(memcmp(o->data, o3->data, o->nbytes) == 0);
        vt_tensor_release(o3);
    }
    /* f64 and bf16 keep the libm path: spot values */
    int64_t one = 1;
    vt_tensor *x64 = vt_tensor_create(VT_F64, 1, &one, 0, NULL), *o64 = vt_tensor_create(VT_F64, 1, &one, 0, NULL);
    ((double *)x64->data)[0] = 0.3;
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    OK(vt_k_unary(&c, VT_UN_TANH, x64, o64, &err));
    CHECK(((double *)o64->data)[0] == tanh(0.3));
    OK(vt_k_unary(&c, VT_UN_EXP, x64, o64, &err));
    CHECK(((double *)o64->data)[0] == exp(0.3));
    vt_tensor_release(x64), vt_tensor_release(o64);
    /* fuel is charged before any work */
    vt_kctx poor = {.threads = 1, .fuel_left = 10};
    CHECK_ERR(vt_k_unary(&poor, VT_UN_TANH, x, o, &err), &err, VT_ELIMIT, "");
    vt_tensor_release(x), vt_tensor_release(o);
}

/* ---- reduce maximum / minimum (SIMD lanes) ----------------------------------------------------- */

static float ref_max(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static float ref_min(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

/* The documented order (docs/determinism.md): 8 interleaved partials, a pairwise tree, then init. */
static float ref_fold(bool is_max, const float *x, size_t n, size_t stride, float init) {
    float (*op)(float, float) = is_max ? ref_max : ref_min;
    float lane[8];
    for (int l = 0; l < 8; l++) lane[l] = is_max ? -INFINITY : INFINITY;
    for (size_t j = 0; j < n; j++) lane[j & 7] = op(lane[j & 7], x[j * stride]);
    float u = op(op(lane[0], lane[1]), op(lane[2], lane[3])), v = op(op(lane[4], lane[5]), op(lane[6], lane[7]));
    return op(init, op(u, v));
}

static float special_or_random(void) {
    switch (rnd() % 16) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return f32_from(0x7fc00000u | (uint32_t)(rnd() & 0x3fffff)); /* NaN payloads */
    case 3: return f32_from(0xffc00000u | (uint32_t)(rnd() & 0x3fffff));
    case 4: return (rnd() & 1) ? INFINITY : -INFINITY;
    default: return (float)unif(-5, 5);
    }
}

TEST(reduce_max_min_lanes_equal_scalar_order) {
    size_t shapes[][2] = {{7, 1}, {3, 8}, {5, 13}, {2, 300}, {64, 257}, {1, 1000}, {300, 9}, {17, 64}};
    vt_error err = {0};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        int64_t d[2] = {(int64_t)shapes[k][0], (int64_t)shapes[k][1]};
        vt_tensor *x = vt_tensor_create(VT_F32, 2, d, 0, NULL);
        float *xv = x->data;
        bool sparse_nan = k % 2 == 0; /* half the shapes: NaN-free, so the comparisons decide */
        for (size_t i = 0; i < x->nelem; i++) {
            float v = special_or_random();
            xv[i] = sparse_nan && v != v ? 1.5f : v;
        }
        for (int mx = 0; mx < 2; mx++)
            for (int dim = 0; dim < 2; dim++) {
                int64_t od = d[1 - dim];
                vt_tensor *o = vt_tensor_create(VT_F32, 1, &od, 0, NULL), *init = vt_tensor_create(VT_F32, 0, NULL, 0, NULL);
                float iv = dim ? -0.0f : 0.0f;
                memcpy(init->data, &iv, 4);
                int64_t rd = dim;
                for (int th = 1; th <= 2; th++) {
                    vt_kctx c = {.threads = th, .fuel_left = UINT64_MAX};
                    OK(vt_k_reduce(&c, mx ? VT_REDUCE_MAX : VT_REDUCE_MIN, x, init, &rd, 1, o, &err));
                    size_t bad = 0;
                    for (int64_t i = 0; i < od; i++) {
                        float want = dim ? ref_fold(mx, xv + i * d[1], (size_t)d[1], 1, iv)
                                         : ref_fold(mx, xv + i, (size_t)d[0], (size_t)d[1], iv);
                        bad += f32_bits(((float *)o->data)[i]) != f32_bits(want);
                    }
                    CHECK_MSG(bad == 0, "%s over dim %d of %lldx%lld (%d threads): %zu results differ",
                              mx ? "max" : "min", dim, (long long)d[0], (long long)d[1], th, bad);
                }
                vt_tensor_release(o), vt_tensor_release(init);
            }
        vt_tensor_release(x);
    }
    /* bad input still refused as before */
    int64_t d2[2] = {4, 4}, od = 3;
    vt_tensor *x = vt_tensor_create(VT_F32, 2, d2, 0, NULL), *o = vt_tensor_create(VT_F32, 1, &od, 0, NULL),
              *init = vt_tensor_create(VT_F32, 0, NULL, 0, NULL);
    int64_t rd = 1, rbad = 2;
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    CHECK_ERR(vt_k_reduce(&c, VT_REDUCE_MAX, x, init, &rd, 1, o, &err), &err, VT_EINPUT, "does not match the operand");
    CHECK_ERR(vt_k_reduce(&c, VT_REDUCE_MAX, x, init, &rbad, 1, o, &err), &err, VT_EINPUT,
              "dimensions[0] = 2 is out of range");
    vt_tensor_release(x), vt_tensor_release(o), vt_tensor_release(init);
}

/* ---- fusion with scalar constants and broadcasts -------------------------------------------- */

static vt_module *parse(const char *text) {
    vt_error err = {0};
    vt_module *m = NULL;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    if (!s) s = vt_module_verify(m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s\n%s", err.msg, text);
    if (s) {
        vt_module_free(m);
        return NULL;
    }
    return m;
}

static vt_tensor *random_tensor(vt_dtype t, int rank, const int64_t *dims) {
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, NULL);
    for (size_t i = 0; i < x->nelem; i++) {
        double v = unif(-3, 3);
        if (t == VT_F32) ((float *)x->data)[i] = (float)v;
        else if (t == VT_F64) ((double *)x->data)[i] = v;
        else if (t == VT_I32) ((int32_t *)x->data)[i] = (int32_t)(rnd() % 2001) - 1000;
        else vt_convert(VT_F64, &v, t, (char *)x->data + i * vt_dtype_size(t), 1);
    }
    return x;
}

typedef struct run_out {
    vt_status s;
    vt_rvalue *res;
    size_t nres;
    vt_run_stats st;
    char msg[VT_ERROR_MSG_MAX];
} run_out;

static run_out run(const vt_module *m, bool fusion, int threads, vt_tensor **args, size_t nargs, uint64_t fuel) {
    run_out r;
    memset(&r, 0, sizeof r);
    vt_error err = {0};
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = threads;
    eo.no_fusion = !fusion;
    vt_engine *e = vt_engine_create(&eo, &err);
    vt_rvalue *a = calloc(nargs + 1, sizeof *a);
    for (size_t i = 0; i < nargs; i++) a[i] = vt_rvalue_tensor(vt_tensor_retain(args[i]));
    vt_limits lim;
    vt_limits_default(&lim);
    if (fuel) lim.fuel = fuel;
    r.s = vt_execute(e, m, NULL, a, nargs, &lim, &r.res, &r.nres, &r.st, &err);
    memcpy(r.msg, err.msg, sizeof r.msg);
    for (size_t i = 0; i < nargs; i++) vt_rvalue_release(&a[i]);
    free(a);
    vt_engine_destroy(e);
    return r;
}

static bool same_results(const run_out *a, const run_out *b) {
    if (a->s || b->s || a->nres != b->nres) return false;
    for (size_t i = 0; i < a->nres; i++) {
        const vt_tensor *x = a->res[i].tensor, *y = b->res[i].tensor;
        if (!x || !y || !vt_tensor_same_shape(x, y) || x->dtype != y->dtype || memcmp(x->data, y->data, x->nbytes))
            return false;
    }
    return true;
}

/* A JAX-shaped chain on tensor<RxCxT>: scalar constants broadcast into the ops (GELU-like), a
 * broadcast of a one-element tensor<1x1>, a constant also used after the group (reduce init)
 * and a broadcast returned as a result. */
static char *chain_module(int64_t R, int64_t C, const char *t, bool is_float) {
    char *buf = malloc(8192);
    char ty[64];
    snprintf(ty, sizeof ty, "tensor<%lldx%lldx%s>", (long long)R, (long long)C, t);
    const char *c1 = is_float ? "0.044715" : "3", *c2 = is_float ? "0.5" : "2", *un = is_float ? "stablehlo.tanh" : "stablehlo.negate";
    snprintf(buf, 8192,
             "func.func @main(%%x: %s, %%y: %s, %%s: tensor<1x1x%s>) -> (%s, %s, tensor<%lldx%s>, %s) {\n"
             "  %%0 = stablehlo.multiply %%x, %%x : %s\n"
             "  %%c = stablehlo.constant dense<%s> : tensor<%s>\n"
             "  %%1 = stablehlo.broadcast_in_dim %%c, dims = [] : (tensor<%s>) -> %s\n"
             "  %%2 = stablehlo.multiply %%0, %%1 : %s\n"
             "  %%3 = stablehlo.add %%x, %%2 : %s\n"
             "  %%4 = %s %%3 : %s\n"
             "  %%c2 = stablehlo.constant dense<%s> : tensor<%s>\n"
             "  %%5 = stablehlo.broadcast_in_dim %%c2, dims = [] : (tensor<%s>) -> %s\n"
             "  %%6 = stablehlo.multiply %%4, %%5 : %s\n"
             "  %%7 = stablehlo.broadcast_in_dim %%s, dims = [0, 1] : (tensor<1x1x%s>) -> %s\n"
             "  %%8 = stablehlo.subtract %%6, %%7 : %s\n"
             "  %%9 = stablehlo.maximum %%8, %%y : %s\n"
             "  %%10 = stablehlo.reduce(%%9 init: %%c) applies stablehlo.add across dimensions = [1] : (%s, tensor<%s>) -> tensor<%lldx%s>\n"
             "  return %%9, %%7, %%10, %%3 : %s, %s, tensor<%lldx%s>, %s\n"
             "}\n",
             ty, ty, t, ty, ty, (long long)R, t, ty, ty, c1, t, t, ty, ty, ty, un, ty, c2, t, t, ty, ty, t, ty, ty, ty, ty,
             t, (long long)R, t, ty, ty, (long long)R, t, ty);
    return buf;
}

TEST(fusion_with_constants_and_broadcasts_equals_unfused) {
    struct { int64_t r, c; vt_dtype dt; const char *t; bool fl; } cases[] = {
        {67, 131, VT_F32, "f32", true}, {64, 64, VT_F32, "f32", true}, {1, 5000, VT_F32, "f32", true},
        {33, 257, VT_F64, "f64", true}, {97, 45, VT_BF16, "bf16", true}, {61, 71, VT_I32, "i32", false},
        {3, 7, VT_F32, "f32", true}, /* below the fusion threshold: the per-op path */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *text = chain_module(cases[k].r, cases[k].c, cases[k].t, cases[k].fl);
        vt_module *m = parse(text);
        free(text);
        if (!m) continue;
        int64_t dims[2] = {cases[k].r, cases[k].c}, one[2] = {1, 1};
        vt_tensor *args[3] = {random_tensor(cases[k].dt, 2, dims), random_tensor(cases[k].dt, 2, dims),
                              random_tensor(cases[k].dt, 2, one)};
        run_out plain = run(m, false, 1, args, 3, 0), fused = run(m, true, 1, args, 3, 0), fused3 = run(m, true, 3, args, 3, 0);
        CHECK_MSG(plain.s == VT_OK && fused.s == VT_OK && fused3.s == VT_OK, "case %zu: %s / %s / %s", k, plain.msg,
                  fused.msg, fused3.msg);
        CHECK_MSG(same_results(&plain, &fused), "case %zu (%s %lldx%lld): fused != unfused", k, cases[k].t,
                  (long long)cases[k].r, (long long)cases[k].c);
        CHECK_MSG(same_results(&fused, &fused3), "case %zu: 1 vs 3 threads differ", k);
        CHECK_EQ_INT(fused.st.fuel_used, plain.st.fuel_used);
        if (cases[k].r * cases[k].c >= VT_FUSED_BLOCK)
            CHECK_MSG(fused.st.total_bytes < plain.st.total_bytes, "case %zu: fused allocated %llu bytes, unfused %llu",
                      k, (unsigned long long)fused.st.total_bytes, (unsigned long long)plain.st.total_bytes);
        vt_rvalues_release(plain.res, plain.nres);
        vt_rvalues_release(fused.res, fused.nres);
        vt_rvalues_release(fused3.res, fused3.nres);
        for (int i = 0; i < 3; i++) vt_tensor_release(args[i]);
        vt_module_free(m);
    }
}

/* A chain that starts with constants, a group whose only user of a constant is after it, and a
 * broadcast of a non-constant scalar argument. */
TEST(fusion_group_starting_with_constants) {
    const char *text =
        "func.func @main(%x: tensor<100x50xf32>, %s: tensor<f32>) -> (tensor<100x50xf32>, tensor<f32>) {\n"
        "  %c0 = stablehlo.constant dense<2.5> : tensor<f32>\n"
        "  %c1 = stablehlo.constant dense<-1.0> : tensor<f32>\n"
        "  %b0 = stablehlo.broadcast_in_dim %c0, dims = [] : (tensor<f32>) -> tensor<100x50xf32>\n"
        "  %bs = stablehlo.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<100x50xf32>\n"
        "  %0 = stablehlo.multiply %x, %b0 : tensor<100x50xf32>\n"
        "  %1 = stablehlo.add %0, %bs : tensor<100x50xf32>\n"
        "  %2 = stablehlo.exponential %1 : tensor<100x50xf32>\n"
        "  %3 = stablehlo.add %c1, %s : tensor<f32>\n"
        "  return %2, %3 : tensor<100x50xf32>, tensor<f32>\n"
        "}\n";
    vt_module *m = parse(text);
    if (!m) return;
    int64_t dims[2] = {100, 50};
    vt_tensor *args[2] = {random_tensor(VT_F32, 2, dims), random_tensor(VT_F32, 0, NULL)};
    run_out plain = run(m, false, 1, args, 2, 0), fused = run(m, true, 2, args, 2, 0);
    CHECK_MSG(same_results(&plain, &fused), "fused != unfused: %s / %s", plain.msg, fused.msg);
    if (fused.s == VT_OK) CHECK(((float *)fused.res[1].tensor->data)[0] == -1.0f + ((float *)args[1]->data)[0]);
    /* a work limit stops both alike */
    run_out pf = run(m, false, 1, args, 2, 2000), ff = run(m, true, 1, args, 2, 2000);
    CHECK_EQ_INT(pf.s, VT_ELIMIT);
    CHECK_EQ_INT(ff.s, VT_ELIMIT);
    CHECK(strstr(pf.msg, "work limit") != NULL && strstr(ff.msg, "work limit") != NULL);
    vt_rvalues_release(plain.res, plain.nres);
    vt_rvalues_release(fused.res, fused.nres);
    for (int i = 0; i < 2; i++) vt_tensor_release(args[i]);
    vt_module_free(m);
}

/* Softmax with a causal mask as JAX writes it: row maxima and sums broadcast back (dims [0, 1]),
 * an i1 mask broadcast over the heads (dims [1, 2]), a gain vector along the last dim. */
static char *softmax_module(int64_t H, int64_t T, int64_t S, const char *t) {
    char *buf = malloc(8192);
    char ty[64], tr[64], tm[64];
    snprintf(ty, sizeof ty, "tensor<%lldx%lldx%lldx%s>", (long long)H, (long long)T, (long long)S, t);
    snprintf(tr, sizeof tr, "tensor<%lldx%lldx%s>", (long long)H, (long long)T, t);
    snprintf(tm, sizeof tm, "tensor<%lldx%lldxi1>", (long long)H, (long long)T);
    snprintf(buf, 8192,
             "func.func @main(%%x: %s, %%m: tensor<%lldx%lldxi1>, %%g: tensor<%lldx%s>, %%c: tensor<%lldx1x%s>) -> (%s, %s, %s) {\n"
             "  %%ninf = stablehlo.constant dense<-1.0e+30> : tensor<%s>\n"
             "  %%mb = stablehlo.broadcast_in_dim %%m, dims = [1, 2] : (tensor<%lldx%lldxi1>) -> tensor<%lldx%lldx%lldxi1>\n"
             "  %%nb = stablehlo.broadcast_in_dim %%ninf, dims = [] : (tensor<%s>) -> %s\n"
             "  %%xs = stablehlo.select %%mb, %%x, %%nb : (tensor<%lldx%lldx%lldxi1>, %s, %s) -> %s\n"
             "  %%lo = stablehlo.constant dense<-3.0e+38> : tensor<%s>\n"
             "  %%mx = stablehlo.reduce(%%xs init: %%lo) applies stablehlo.maximum across dimensions = [2] : (%s, tensor<%s>) -> %s\n"
             "  %%mxb = stablehlo.broadcast_in_dim %%mx, dims = [0, 1] : (%s) -> %s\n"
             "  %%d = stablehlo.subtract %%xs, %%mxb : %s\n"
             "  %%e = stablehlo.exponential %%d : %s\n"
             "  %%z = stablehlo.constant dense<0.0> : tensor<%s>\n"
             "  %%sm = stablehlo.reduce(%%e init: %%z) applies stablehlo.add across dimensions = [2] : (%s, tensor<%s>) -> %s\n"
             "  %%smb = stablehlo.broadcast_in_dim %%sm, dims = [0, 1] : (%s) -> %s\n"
             "  %%p = stablehlo.divide %%e, %%smb : %s\n"
             "  %%gb = stablehlo.broadcast_in_dim %%g, dims = [2] : (tensor<%lldx%s>) -> %s\n"
             "  %%cb = stablehlo.broadcast_in_dim %%c, dims = [0, 1] : (tensor<%lldx1x%s>) -> %s\n"
             "  %%q = stablehlo.multiply %%p, %%gb : %s\n"
             "  %%q2 = stablehlo.add %%q, %%cb : %s\n"
             "  return %%q2, %%gb, %%p : %s, %s, %s\n"
             "}\n",
             ty, (long long)T, (long long)S, (long long)S, t, (long long)H, t, ty, ty, ty, t, (long long)T, (long long)S,
             (long long)H, (long long)T, (long long)S, t, ty, (long long)H, (long long)T, (long long)S, ty, ty, ty, t, ty,
             t, tr, tr, ty, ty, ty, t, ty, t, tr, tr, ty, ty, (long long)S, t, ty, (long long)H, t, ty, ty, ty, ty, ty, ty);
    (void)tm;
    return buf;
}

TEST(fusion_with_row_broadcasts_equals_unfused) {
    struct { int64_t h, t, s; vt_dtype dt; const char *ty; } cases[] = {
        {4, 64, 64, VT_F32, "f32"}, {3, 37, 129, VT_F32, "f32"}, {1, 300, 17, VT_F32, "f32"},
        {2, 45, 61, VT_F64, "f64"}, {2, 40, 70, VT_BF16, "bf16"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *text = softmax_module(cases[k].h, cases[k].t, cases[k].s, cases[k].ty);
        vt_module *m = parse(text);
        free(text);
        if (!m) continue;
        int64_t dx[3] = {cases[k].h, cases[k].t, cases[k].s}, dm[2] = {cases[k].t, cases[k].s}, dg[1] = {cases[k].s},
                dc[3] = {cases[k].h, 1};
        vt_tensor *args[4] = {random_tensor(cases[k].dt, 3, dx), vt_tensor_create(VT_I1, 2, dm, 0, NULL),
                              random_tensor(cases[k].dt, 1, dg), random_tensor(cases[k].dt, 2, dc)};
        for (int64_t i = 0; i < cases[k].t; i++)
            for (int64_t j = 0; j < cases[k].s; j++) ((uint8_t *)args[1]->data)[i * cases[k].s + j] = j <= i;
        run_out plain = run(m, false, 1, args, 4, 0), fused = run(m, true, 1, args, 4, 0), fused2 = run(m, true, 2, args, 4, 0);
        CHECK_MSG(plain.s == VT_OK && fused.s == VT_OK && fused2.s == VT_OK, "case %zu: %s / %s / %s", k, plain.msg,
                  fused.msg, fused2.msg);
        CHECK_MSG(same_results(&plain, &fused), "case %zu (%s %lldx%lldx%lld): fused != unfused", k, cases[k].ty,
                  (long long)cases[k].h, (long long)cases[k].t, (long long)cases[k].s);
        CHECK_MSG(same_results(&fused, &fused2), "case %zu: 1 vs 2 threads differ", k);
        CHECK_EQ_INT(fused.st.fuel_used, plain.st.fuel_used);
        CHECK_MSG(fused.st.total_bytes < plain.st.total_bytes, "case %zu: fused allocated %llu bytes, unfused %llu", k,
                  (unsigned long long)fused.st.total_bytes, (unsigned long long)plain.st.total_bytes);
        vt_rvalues_release(plain.res, plain.nres);
        vt_rvalues_release(fused.res, fused.nres);
        vt_rvalues_release(fused2.res, fused2.nres);
        for (int i = 0; i < 4; i++) vt_tensor_release(args[i]);
        vt_module_free(m);
    }
}

/* Broadcast inputs of the fused executor: strides per output dim, refused when they do not fit. */
TEST(fused_run_broadcast_inputs) {
    vt_error err = {0};
    vt_fused_program p;
    vt_fused_init(&p);
    int a, rv, cv, t1, t2;
    int64_t rowd[1] = {1}, cold[2] = {0, 1}, bad_d[1] = {5};
    OK(vt_fused_input(&p, VT_F32, &a, &err));
    OK(vt_fused_input_broadcast(&p, VT_F32, 1, rowd, &rv, &err));
    OK(vt_fused_input_broadcast(&p, VT_F32, 2, cold, &cv, &err));
    CHECK_ERR(vt_fused_input_broadcast(&p, VT_F32, -1, rowd, &t1, &err), &err, VT_EINPUT, "broadcast input of rank -1");
    OK(vt_fused_binary(&p, VT_BIN_MUL, a, rv, &t1, &err));
    OK(vt_fused_binary(&p, VT_BIN_ADD, t1, cv, &t2, &err));
    OK(vt_fused_output(&p, t2, &err));
    OK(vt_fused_output(&p, rv, &err)); /* a broadcast register as an output: materialised */
    int64_t R = 70, C = 130, od[2] = {R, C}, cd[2] = {R, 1}, rd = C;
    vt_tensor *x = vt_tensor_create(VT_F32, 2, od, 0, NULL), *row = vt_tensor_create(VT_F32, 1, &rd, 0, NULL),
              *col = vt_tensor_create(VT_F32, 2, cd, 0, NULL), *o = vt_tensor_create(VT_F32, 2, od, 0, NULL),
              *o2 = vt_tensor_create(VT_F32, 2, od, 0, NULL);
    for (size_t i = 0; i < x->nelem; i++) ((float *)x->data)[i] = (float)unif(-2, 2);
    for (int64_t i = 0; i < C; i++) ((float *)row->data)[i] = (float)i;
    for (int64_t i = 0; i < R; i++) ((float *)col->data)[i] = (float)(1000 * i);
    vt_kctx c = {.threads = 2, .fuel_left = UINT64_MAX};
    const vt_tensor *ins[3] = {x, row, col};
    vt_tensor *outs[2] = {o, o2};
    OK(vt_fused_run(&c, &p, ins, outs, &err));
    size_t bad = 0;
    for (int64_t i = 0; i < R; i++)
        for (int64_t j = 0; j < C; j++) {
            float want = ((float *)x->data)[i * C + j] * (float)j + (float)(1000 * i);
            bad += ((float *)o->data)[i * C + j] != want || ((float *)o2->data)[i * C + j] != (float)j;
        }
    CHECK_EQ_INT(bad, 0);
    /* shapes that do not broadcast: wrong size, wrong rank */
    int64_t rd2 = C - 1;
    vt_tensor *row2 = vt_tensor_create(VT_F32, 1, &rd2, 0, NULL), *col3 = vt_tensor_create(VT_F32, 1, &rd, 0, NULL);
    const vt_tensor *b1[3] = {x, row2, col}, *b2[3] = {x, row, col3};
    CHECK_ERR(vt_fused_run(&c, &p, b1, outs, &err), &err, VT_EINPUT, "input 1 of shape tensor<129xf32> does not broadcast");
    CHECK_ERR(vt_fused_run(&c, &p, b2, outs, &err), &err, VT_EINPUT, "input 2 of shape tensor<130xf32> does not broadcast");
    /* a broadcast dimension out of the outputs' range */
    vt_fused_program q;
    vt_fused_init(&q);
    int qa, qb, qs;
    OK(vt_fused_input(&q, VT_F32, &qa, &err));
    OK(vt_fused_input_broadcast(&q, VT_F32, 1, bad_d, &qb, &err));
    OK(vt_fused_binary(&q, VT_BIN_ADD, qa, qb, &qs, &err));
    OK(vt_fused_output(&q, qs, &err));
    const vt_tensor *b3[2] = {x, row};
    vt_tensor *qo[1] = {o};
    CHECK_ERR(vt_fused_run(&c, &q, b3, qo, &err), &err, VT_EINPUT, "does not broadcast to tensor<70x130xf32>");
    vt_tensor_release(x), vt_tensor_release(row), vt_tensor_release(col), vt_tensor_release(o), vt_tensor_release(o2);
    vt_tensor_release(row2), vt_tensor_release(col3);
}

/* reshape moves a dying, unshared buffer and copies otherwise: values stay right either way,
 * including in-place ops on the reshaped value while the original is still alive. */
TEST(reshape_move_and_copy) {
    const char *text =
        "func.func @main(%x: tensor<6x10xf32>) -> (tensor<60xf32>, tensor<6x10xf32>, tensor<3x20xf32>, tensor<6x10xf32>, tensor<2x30xf32>) {\n"
        "  %a = stablehlo.add %x, %x : tensor<6x10xf32>\n"
        "  %r = stablehlo.reshape %a : (tensor<6x10xf32>) -> tensor<60xf32>\n"
        "  %b = stablehlo.multiply %x, %x : tensor<6x10xf32>\n"
        "  %r2 = stablehlo.reshape %b : (tensor<6x10xf32>) -> tensor<3x20xf32>\n"
        "  %c = stablehlo.negate %r2 : tensor<3x20xf32>\n"
        "  %rx = stablehlo.reshape %x : (tensor<6x10xf32>) -> tensor<2x30xf32>\n"
        "  %d = stablehlo.negate %rx : tensor<2x30xf32>\n"
        "  return %r, %b, %c, %x, %d : tensor<60xf32>, tensor<6x10xf32>, tensor<3x20xf32>, tensor<6x10xf32>, tensor<2x30xf32>\n"
        "}\n";
    vt_module *m = parse(text);
    if (!m) return;
    int64_t dims[2] = {6, 10};
    vt_tensor *args[1] = {random_tensor(VT_F32, 2, dims)};
    float xs[60];
    memcpy(xs, args[0]->data, sizeof xs);
    for (int fusion = 0; fusion < 2; fusion++) {
        run_out o = run(m, fusion, 1, args, 1, 0);
        CHECK_MSG(o.s == VT_OK, "%s", o.msg);
        if (o.s) continue;
        CHECK_EQ_INT(o.nres, 5);
        CHECK_EQ_INT(o.res[0].tensor->rank, 1);
        CHECK_EQ_INT(o.res[2].tensor->dims[0], 3);
        size_t bad = 0;
        for (int i = 0; i < 60; i++) {
            bad += ((float *)o.res[0].tensor->data)[i] != xs[i] + xs[i];
            bad += ((float *)o.res[1].tensor->data)[i] != xs[i] * xs[i];
            bad += ((float *)o.res[2].tensor->data)[i] != -(xs[i] * xs[i]);
            bad += ((float *)o.res[3].tensor->data)[i] != xs[i];
            bad += ((float *)o.res[4].tensor->data)[i] != -xs[i];
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(memcmp(args[0]->data, xs, sizeof xs) == 0); /* the argument is never written */
        CHECK(args[0]->rank == 2 && args[0]->dims[0] == 6);
        vt_rvalues_release(o.res, o.nres);
    }
    /* to rank 0 (no dims to copy) */
    vt_module *m0 = parse("func.func @main(%x: tensor<1x1xf32>) -> tensor<f32> {\n"
                          "  %a = stablehlo.add %x, %x : tensor<1x1xf32>\n"
                          "  %r = stablehlo.reshape %a : (tensor<1x1xf32>) -> tensor<f32>\n"
                          "  return %r : tensor<f32>\n}\n");
    int64_t one[2] = {1, 1};
    vt_tensor *a0[1] = {random_tensor(VT_F32, 2, one)};
    run_out o0 = m0 ? run(m0, true, 1, a0, 1, 0) : (run_out){.s = VT_EINTERNAL};
    CHECK_MSG(o0.s == VT_OK, "%s", o0.msg);
    if (o0.s == VT_OK) {
        CHECK_EQ_INT(o0.res[0].tensor->rank, 0);
        CHECK(((float *)o0.res[0].tensor->data)[0] == 2 * ((float *)a0[0]->data)[0]);
        vt_rvalues_release(o0.res, o0.nres);
    }
    vt_tensor_release(a0[0]);
    vt_module_free(m0);
    /* a work limit hits the moving reshape as it hits the copying one */
    run_out lim = run(m, true, 1, args, 1, 240); /* the add takes 16 + 180, the reshape 16 + 60 */
    CHECK_EQ_INT(lim.s, VT_ELIMIT);
    CHECK_MSG(strstr(lim.msg, "reshape") && strstr(lim.msg, "work limit"), "%s", lim.msg);
    vt_tensor_release(args[0]);
    vt_module_free(m);
}

/* The fused executor broadcasts one-element inputs of any rank; other shapes are refused. */
TEST(fused_run_one_element_inputs) {
    vt_error err = {0};
    vt_fused_program p;
    vt_fused_init(&p);
    int a, b, s;
    OK(vt_fused_input(&p, VT_F32, &a, &err));
    OK(vt_fused_input(&p, VT_F32, &b, &err));
    OK(vt_fused_binary(&p, VT_BIN_MUL, a, b, &s, &err));
    OK(vt_fused_output(&p, s, &err));
    int64_t n = 10, one = 1, two = 2;
    vt_tensor *x = vt_tensor_create(VT_F32, 1, &n, 0, NULL), *o = vt_tensor_create(VT_F32, 1, &n, 0, NULL);
    vt_tensor *y1 = vt_tensor_create(VT_F32, 1, &one, 0, NULL), *y2 = vt_tensor_create(VT_F32, 1, &two, 0, NULL);
    for (int i = 0; i < 10; i++) ((float *)x->data)[i] = (float)i;
    ((float *)y1->data)[0] = 3.0f;
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    const vt_tensor *ins[2] = {x, y1};
    vt_tensor *outs[1] = {o};
    OK(vt_fused_run(&c, &p, ins, outs, &err));
    for (int i = 0; i < 10; i++) CHECK(((float *)o->data)[i] == 3.0f * (float)i);
    const vt_tensor *bad[2] = {x, y2};
    CHECK_ERR(vt_fused_run(&c, &p, bad, outs, &err), &err, VT_EINPUT, "input 1 has shape tensor<2xf32>");
    vt_kctx poor = {.threads = 1, .fuel_left = 5};
    CHECK_ERR(vt_fused_run(&poor, &p, ins, outs, &err), &err, VT_ELIMIT, "");
    vt_tensor_release(x), vt_tensor_release(o), vt_tensor_release(y1), vt_tensor_release(y2);
}

int main(void) {
    RUN(fast_f32_loops_equal_scalar_code);
    RUN(fast_f32_kernels_match_libm);
    RUN(reduce_max_min_lanes_equal_scalar_order);
    RUN(fusion_with_constants_and_broadcasts_equals_unfused);
    RUN(fusion_group_starting_with_constants);
    RUN(fusion_with_row_broadcasts_equals_unfused);
    RUN(fused_run_broadcast_inputs);
    RUN(fused_run_one_element_inputs);
    RUN(reshape_move_and_copy);
    return vt_test_finish();
}
