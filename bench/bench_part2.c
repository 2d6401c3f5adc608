/* Benchmarks of issue 5's data-movement ops through parsed modules: gather_embed (32k x 768 f32
 * table, 8k indices) vs memcpy of the gathered rows (into a warm buffer, and into a fresh one as
 * the engine must), scatter_add_1m (1M f32 updates) vs a C loop, sort_1m_f32 (single-compare
 * comparator; _jax: the comparator jnp.sort emits) vs qsort. Baselines are measured in the same
 * run. */
#include "bench_harness.h"
#include "interp/blas.h"
#include "interp/k_gather.h"
#include "veritor/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 5

static vt_tensor *tensor(vt_dtype t, int rank, const int64_t *dims) {
    vt_error err;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &err);
    if (!x) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    return x;
}

/* xorshift: fixed data, no library state */
static uint32_t next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

static void bench_gather(vt_engine *e) {
    const int64_t R = 32768, D = 768, N = 8192;
    vt_module *m = vt_bench_parse("func.func @main(%t: tensor<32768x768xf32>, %i: tensor<8192x1xi32>) -> tensor<8192x768xf32> {\n"
                         "  %r = \"stablehlo.gather\"(%t, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], "
                         "collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, "
                         "slice_sizes = array<i64: 1, 768>} : (tensor<32768x768xf32>, tensor<8192x1xi32>) -> tensor<8192x768xf32>\n"
                         "  return %r : tensor<8192x768xf32>\n}\n");
    int64_t td[2] = {R, D}, id[2] = {N, 1};
    vt_tensor *t = tensor(VT_F32, 2, td), *ix = tensor(VT_I32, 2, id);
    uint64_t s = 88172645463325252ull;
    float *tf = t->data;
    for (int64_t k = 0; k < R * D; k++) tf[k] = (float)(next(&s) & 0xffff);
    int32_t *iv = ix->data;
    for (int64_t k = 0; k < N; k++) iv[k] = (int32_t)(next(&s) % (uint32_t)R);
    vt_rvalue args[2] = {vt_rvalue_tensor(t), vt_rvalue_tensor(ix)};
    double tm = vt_bench_time_module(e, m, args, 2, REPS, NULL);
    float *dst = malloc((size_t)(N * D) * sizeof *dst);
    double tb[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        for (int64_t k = 0; k < N; k++) memcpy(dst + k * D, tf + (int64_t)iv[k] * D, (size_t)D * sizeof *dst);
        tb[r] = vt_bench_now() - t0;
    }
    double base = vt_bench_median(tb, REPS);
    /* The engine returns a new tensor each run, so it also pays for a fresh 24 MB buffer (first
     * touch page faults unless malloc reuses a freed block); this baseline does the same with malloc,
     * which the engine uses (src/interp/rt_alloc.c). */
    double tfr[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        float *fresh = malloc((size_t)(N * D) * sizeof *fresh);
        if (!fresh) exit(1);
        for (int64_t k = 0; k < N; k++) memcpy(fresh + k * D, tf + (int64_t)iv[k] * D, (size_t)D * sizeof *fresh);
        tfr[r] = vt_bench_now() - t0;
        free(fresh);
    }
    double basef = vt_bench_median(tfr, REPS);
    double gb = (double)(N * D) * 4 / tm * 1e-9, gbb = (double)(N * D) * 4 / base * 1e-9;
    double gbf = (double)(N * D) * 4 / basef * 1e-9;
    vt_bench_print("gather_embed_memcpy", gbb, "GB/s");
    vt_bench_print_ratio("gather_embed", gb, "GB/s", gb / gbb, "gather_embed_memcpy");
    vt_bench_print("gather_embed_memcpy_fresh", gbf, "GB/s");
    vt_bench_print_ratio("gather_embed_vs_fresh", gb, "GB/s", gb / gbf, "gather_embed_memcpy_fresh");
    /* The kernel alone, into a result buffer that is already mapped: the same work as the warm
     * memcpy baseline, so this ratio shows what the gather itself costs. */
    {
        int64_t rd[2] = {N, D};
        vt_tensor *res = tensor(VT_F32, 2, rd);
        vt_gs_dims gd = {0};
        gd.window[0] = 1, gd.nwindow = 1, gd.inserted[0] = 0, gd.ninserted = 1, gd.to_operand[0] = 0, gd.nto = 1;
        gd.index_vector_dim = 1;
        int64_t sizes[2] = {1, D};
        double tk[REPS];
        for (int r = 0; r < REPS; r++) {
            vt_kctx kc = {1, UINT64_MAX, 0};
            vt_error err;
            double t0 = vt_bench_now();
            if (vt_k_gather(&kc, t, ix, &gd, sizes, res, VT_KPATH_AUTO, &err) != VT_OK) {
                fprintf(stderr, "bench: %s\n", err.msg);
                exit(1);
            }
            tk[r] = vt_bench_now() - t0;
        }
        double gbk = (double)(N * D) * 4 / vt_bench_median(tk, REPS) * 1e-9;
        vt_bench_print_ratio("gather_embed_kernel", gbk, "GB/s", gbk / gbb, "gather_embed_memcpy");
        vt_tensor_release(res);
    }
    free(dst);
    vt_rvalue_release(&args[0]);
    vt_rvalue_release(&args[1]);
    vt_module_free(m);
}

static void bench_scatter(vt_engine *e) {
    const int64_t M = 65536, N = 1048576;
    vt_module *m = vt_bench_parse("func.func @main(%o: tensor<65536xf32>, %i: tensor<1048576x1xi32>, %u: tensor<1048576xf32>) -> tensor<65536xf32> {\n"
                         "  %r = \"stablehlo.scatter\"(%o, %i, %u) ({\n"
                         "  ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                         "    %s = stablehlo.add %a, %b : tensor<f32>\n"
                         "    stablehlo.return %s : tensor<f32>\n"
                         "  }) {scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], "
                         "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>} : "
                         "(tensor<65536xf32>, tensor<1048576x1xi32>, tensor<1048576xf32>) -> tensor<65536xf32>\n"
                         "  return %r : tensor<65536xf32>\n}\n");
    int64_t od[1] = {M}, id[2] = {N, 1}, ud[1] = {N};
    vt_tensor *o = tensor(VT_F32, 1, od), *ix = tensor(VT_I32, 2, id), *u = tensor(VT_F32, 1, ud);
    uint64_t s = 2463534242ull;
    int32_t *iv = ix->data;
    float *uv = u->data;
    for (int64_t k = 0; k < N; k++) {
        iv[k] = (int32_t)(next(&s) % (uint32_t)M);
        uv[k] = (float)(next(&s) & 0xff) * 0.25f;
    }
    vt_rvalue args[3] = {vt_rvalue_tensor(o), vt_rvalue_tensor(ix), vt_rvalue_tensor(u)};
    double tm = vt_bench_time_module(e, m, args, 3, REPS, NULL);
    float *acc = malloc((size_t)M * sizeof *acc);
    double tb[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        memset(acc, 0, (size_t)M * sizeof *acc);
        for (int64_t k = 0; k < N; k++) acc[iv[k]] += uv[k];
        tb[r] = vt_bench_now() - t0;
    }
    double base = vt_bench_median(tb, REPS);
    vt_bench_print("scatter_add_1m_loop", (double)N / base * 1e-6, "Mupdates/s");
    vt_bench_print_ratio("scatter_add_1m", (double)N / tm * 1e-6, "Mupdates/s", base / tm, "scatter_add_1m_loop");
    free(acc);
    for (int k = 0; k < 3; k++) vt_rvalue_release(&args[k]);
    vt_module_free(m);
}

static int cmp_f32(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void bench_sort(vt_engine *e) {
    const int64_t N = 1048576;
    vt_module *m = vt_bench_parse("func.func @main(%x: tensor<1048576xf32>) -> tensor<1048576xf32> {\n"
                         "  %r = \"stablehlo.sort\"(%x) ({\n"
                         "  ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                         "    %c = stablehlo.compare LT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                         "    stablehlo.return %c : tensor<i1>\n"
                         "  }) {dimension = 0 : i64, is_stable = true} : (tensor<1048576xf32>) -> tensor<1048576xf32>\n"
                         "  return %r : tensor<1048576xf32>\n}\n");
    int64_t d[1] = {N};
    vt_tensor *x = tensor(VT_F32, 1, d);
    uint64_t s = 1234567ull;
    float *xv = x->data;
    for (int64_t k = 0; k < N; k++) xv[k] = (float)next(&s) * 1e-3f;
    vt_rvalue arg = vt_rvalue_tensor(x);
    double tm = vt_bench_time_module(e, m, &arg, 1, REPS, NULL);
    float *c = malloc((size_t)N * sizeof *c);
    double tb[REPS];
    for (int r = 0; r < REPS; r++) {
        memcpy(c, xv, (size_t)N * sizeof *c);
        double t0 = vt_bench_now();
        qsort(c, (size_t)N, sizeof *c, cmp_f32);
        tb[r] = vt_bench_now() - t0;
    }
    double base = vt_bench_median(tb, REPS);
    /* jnp.sort's comparator: -0 -> +0 and NaN -> one NaN through selects, then LT TOTALORDER */
    vt_module *mj = vt_bench_parse("func.func @main(%x: tensor<1048576xf32>) -> tensor<1048576xf32> {\n"
                          "  %r = \"stablehlo.sort\"(%x) ({\n"
                          "  ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                          "    %z = stablehlo.constant dense<0.0> : tensor<f32>\n"
                          "    %n = stablehlo.constant dense<0x7FC00000> : tensor<f32>\n"
                          "    %e0 = stablehlo.compare EQ, %a, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                          "    %s0 = stablehlo.select %e0, %z, %a : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>\n"
                          "    %q0 = stablehlo.compare NE, %a, %a, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                          "    %k0 = stablehlo.select %q0, %n, %s0 : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>\n"
                          "    %e1 = stablehlo.compare EQ, %b, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                          "    %s1 = stablehlo.select %e1, %z, %b : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>\n"
                          "    %q1 = stablehlo.compare NE, %b, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                          "    %k1 = stablehlo.select %q1, %n, %s1 : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>\n"
                          "    %c = stablehlo.compare LT, %k0, %k1, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                          "    stablehlo.return %c : tensor<i1>\n"
                          "  }) {dimension = 0 : i64, is_stable = true} : (tensor<1048576xf32>) -> tensor<1048576xf32>\n"
                          "  return %r : tensor<1048576xf32>\n}\n");
    double tj = vt_bench_time_module(e, mj, &arg, 1, REPS, NULL);
    vt_module_free(mj);
    vt_bench_print("sort_1m_f32_qsort", (double)N / base * 1e-6, "Melem/s");
    vt_bench_print_ratio("sort_1m_f32", (double)N / tm * 1e-6, "Melem/s", base / tm, "sort_1m_f32_qsort");
    vt_bench_print_ratio("sort_1m_f32_jax", (double)N / tj * 1e-6, "Melem/s", base / tj, "sort_1m_f32_qsort");
    free(c);
    vt_rvalue_release(&arg);
    vt_module_free(m);
}

int main(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    vt_error err;
    vt_engine_options o = {0};
    vt_engine *e = vt_engine_create(&o, &err);
    if (!e) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    if (vt_bench_selected("gather_embed")) bench_gather(e);
    if (vt_bench_selected("scatter_add_1m")) bench_scatter(e);
    if (vt_bench_selected("sort_1m_f32")) bench_sort(e);
    vt_engine_destroy(e);
    return 0;
}
