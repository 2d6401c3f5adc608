/* Elementwise benchmarks: the chain (add, mul, maximum, subtract, exponential, multiply,
 * add, divide) on 64M f32 elements through the fused executor and unfused (one whole-tensor
 * kernel per op), each against a hand-written fused C loop measured in the same run.
 * VT_BENCH_ELTWISE_N overrides the element count (for a quick smoke run). */
#include "bench_harness.h"
#include "interp/k_fused.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REPS = 3 };

/* The same arithmetic as the kernels: f32 ops, IEEE maximum with +0, exp in double rounded. */
static void hand_chain(const float *x, const float *y, float *o, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float a = x[i] + y[i];
        a = a * 0.5f;
        a = (a != a) ? a : (a > 0.0f ? a : 0.0f);
        a = a - y[i];
        a = (float)exp((double)a);
        a = a * x[i];
        a = a + y[i];
        o[i] = a / x[i];
    }
}

static void hand_add(const float *x, const float *y, float *o, size_t n) {
    for (size_t i = 0; i < n; i++) o[i] = x[i] + y[i];
}

static vt_tensor *vec(size_t n) {
    int64_t d = (int64_t)n;
    return vt_tensor_create_uninit(VT_F32, 1, &d, 0, NULL);
}

static void die(const char *what, const vt_error *err) {
    fprintf(stderr, "bench_eltwise: %s: %s\n", what, err->msg);
    exit(1);
}

int main(void) {
    size_t n = (size_t)64 << 20;
    const char *env = getenv("VT_BENCH_ELTWISE_N");
    if (env && *env) n = (size_t)strtoull(env, NULL, 10);
    if (n < 1) n = 1;
    vt_error err = {0};
    vt_tensor *x = vec(n), *y = vec(n), *o_hand = vec(n), *o_fused = vec(n), *t0 = vec(n), *t1 = vec(n);
    if (!x || !y || !o_hand || !o_fused || !t0 || !t1) {
        fprintf(stderr, "bench_eltwise: out of memory for %zu elements\n", n);
        return 1;
    }
    float *xv = x->data, *yv = y->data;
    for (size_t i = 0; i < n; i++) {
        xv[i] = 0.5f + (float)(i % 1000) * 0.003f;
        yv[i] = -1.0f + (float)(i % 777) * 0.002f;
    }
    float half = 0.5f, zero = 0.0f;
    vt_tensor *h = vt_tensor_create(VT_F32, 0, NULL, 0, NULL), *z = vt_tensor_create(VT_F32, 0, NULL, 0, NULL);
    memcpy(h->data, &half, 4);
    memcpy(z->data, &zero, 4);

    /* the fused program */
    vt_fused_program *p = malloc(sizeof *p);
    int rx, ry, rh, rz, r1, r2, r3, r4, r5, r6, r7, r8;
    vt_fused_init(p);
    if (vt_fused_input(p, VT_F32, &rx, &err) || vt_fused_input(p, VT_F32, &ry, &err) ||
        vt_fused_input(p, VT_F32, &rh, &err) || vt_fused_input(p, VT_F32, &rz, &err) ||
        vt_fused_binary(p, VT_BIN_ADD, rx, ry, &r1, &err) || vt_fused_binary(p, VT_BIN_MUL, r1, rh, &r2, &err) ||
        vt_fused_binary(p, VT_BIN_MAX, r2, rz, &r3, &err) || vt_fused_binary(p, VT_BIN_SUB, r3, ry, &r4, &err) ||
        vt_fused_unary(p, VT_UN_EXP, r4, &r5, &err) || vt_fused_binary(p, VT_BIN_MUL, r5, rx, &r6, &err) ||
        vt_fused_binary(p, VT_BIN_ADD, r6, ry, &r7, &err) || vt_fused_binary(p, VT_BIN_DIV, r7, rx, &r8, &err) ||
        vt_fused_output(p, r8, &err))
        die("build", &err);
    const vt_tensor *ins[4] = {x, y, h, z};
    vt_tensor *outs[1] = {o_fused};

    /* the unfused ops, resolved once; scalars broadcast by the range loop */
    vt_k_op k[8];
    vt_binary_op bops[8] = {VT_BIN_ADD, VT_BIN_MUL, VT_BIN_MAX, VT_BIN_SUB, 0, VT_BIN_MUL, VT_BIN_ADD, VT_BIN_DIV};
    for (int i = 0; i < 8; i++)
        if ((i == 4 ? vt_k_unary_resolve(VT_UN_EXP, VT_F32, &k[i], &err) : vt_k_binary_resolve(bops[i], VT_F32, &k[i], &err)))
            die("resolve", &err);

    double th[REPS], tf[REPS], tu[REPS], ta[REPS], tak[REPS];
    vt_kctx ctx = {.threads = 1, .fuel_left = UINT64_MAX};
    bool chain = vt_bench_selected("eltwise_chain_64m_kernel");
    for (int r = 0; chain && r < REPS; r++) {
        double t = vt_bench_now();
        hand_chain(xv, yv, o_hand->data, n);
        th[r] = vt_bench_now() - t;
        t = vt_bench_now();
        if (vt_fused_run(&ctx, p, ins, outs, &err)) die("fused run", &err);
        tf[r] = vt_bench_now() - t;
        t = vt_bench_now();
        const vt_tensor *a2[2];
        /* t0 = x + y; t1 = t0 * h; t0 = max(t1, z); t1 = t0 - y; t0 = exp(t1); t1 = t0 * x;
         * t0 = t1 + y; t1 = t0 / x */
        const vt_tensor *second[8] = {y, h, z, y, NULL, x, y, x};
        vt_tensor *src = x, *dst = t0;
        for (int i = 0; i < 8; i++) {
            a2[0] = src;
            a2[1] = second[i];
            if (vt_k_run_tensors(&ctx, &k[i], a2, 2u, dst, &err)) die("unfused run", &err);
            src = dst;
            dst = dst == t0 ? t1 : t0;
        }
        tu[r] = vt_bench_now() - t;
    }
    if (chain) {
        if (memcmp(o_hand->data, o_fused->data, o_hand->nbytes) != 0 || memcmp(o_hand->data, t1->data, o_hand->nbytes) != 0) {
            fprintf(stderr, "bench_eltwise: fused/unfused/hand results differ\n");
            return 1;
        }
        double mh = vt_bench_median(th, REPS), mf = vt_bench_median(tf, REPS), mu = vt_bench_median(tu, REPS);
        double melem = (double)n / 1e6;
        vt_bench_print("eltwise_chain_64m_hand_loop", melem / mh, "Melem/s");
        vt_bench_print_ratio("eltwise_chain_64m_kernel", melem / mf, "Melem/s", mh / mf, "eltwise_chain_64m_hand_loop");
        vt_bench_print_ratio("eltwise_chain_64m_kernel_unfused", melem / mu, "Melem/s", mh / mu,
                             "eltwise_chain_64m_hand_loop");
    }
    if (vt_bench_selected("eltwise_add_64m_kernel")) {
        for (int r = 0; r < REPS; r++) {
            double t = vt_bench_now();
            hand_add(xv, yv, o_hand->data, n);
            ta[r] = vt_bench_now() - t;
            t = vt_bench_now();
            if (vt_k_binary(&ctx, VT_BIN_ADD, x, y, o_fused, &err)) die("add", &err);
            tak[r] = vt_bench_now() - t;
        }
        double mh = vt_bench_median(ta, REPS), mk = vt_bench_median(tak, REPS);
        double gbs = 12.0 * (double)n / 1e9; /* two reads, one write */
        vt_bench_print("eltwise_add_64m_hand_loop", gbs / mh, "GB/s");
        vt_bench_print_ratio("eltwise_add_64m_kernel", gbs / mk, "GB/s", mh / mk, "eltwise_add_64m_hand_loop");
    }
    vt_tensor *all[] = {x, y, o_hand, o_fused, t0, t1, h, z};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vt_tensor_release(all[i]);
    free(p);
    return 0;
}
