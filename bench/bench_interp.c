/* Interpreter benchmarks (issue 4): dot_2048 through a parsed module vs a direct cblas_sgemm,
 * an 8-op elementwise chain on 64M f32 fused and unfused vs a hand-written fused loop, tiny
 * scalar ops in a while loop, and an MLP forward pass. Baselines are measured in the same run. */
#include "bench_harness.h"
#include "interp/blas.h"
#include "veritor/interp.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 5

static vt_rvalue *random_args(vt_module *m, size_t *n) {
    const vt_func *f;
    vt_error err;
    vt_rvalue *a;
    if (vt_module_entry(m, NULL, &f, &err) || vt_random_args(f, 1, 0, &a, n, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    return a;
}

static double dot_gflops;

static void bench_dot(vt_engine *e) {
    const int N = 2048;
    char text[1024];
    snprintf(text, sizeof text,
             "func.func @main(%%a: tensor<%dx%dxf32>, %%b: tensor<%dx%dxf32>) -> tensor<%dx%dxf32> {\n"
             "  %%d = stablehlo.dot_general %%a, %%b, contracting_dims = [1] x [0] : (tensor<%dx%dxf32>, tensor<%dx%dxf32>) -> tensor<%dx%dxf32>\n"
             "  return %%d : tensor<%dx%dxf32>\n}\n",
             N, N, N, N, N, N, N, N, N, N, N, N, N, N);
    vt_module *m = vt_bench_parse(text);
    size_t na;
    vt_rvalue *args = random_args(m, &na);
    double flops = 2.0 * N * N * N;
    vt_bench_time_module(e, m, args, na, 1, NULL); /* warm-up */
    double tm = vt_bench_time_module(e, m, args, na, REPS, NULL);
    float *c = malloc((size_t)N * N * sizeof *c);
    double tb[REPS];
    openblas_set_num_threads(vt_engine_threads(e));
    for (int i = 0; i < REPS + 1; i++) {
        double t0 = vt_bench_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, args[0].tensor->data, N,
                    args[1].tensor->data, N, 0.0f, c, N);
        if (i) tb[i - 1] = vt_bench_now() - t0;
    }
    openblas_set_num_threads(1);
    double tbase = vt_bench_median(tb, REPS);
    vt_blas_info bi;
    vt_blas_get_info(&bi);
    dot_gflops = flops / tm * 1e-9;
    char unit[128];
    snprintf(unit, sizeof unit, "GFLOP/s core=%s", bi.core);
    vt_bench_print_ratio("dot_2048", dot_gflops, unit, tbase / tm, "cblas_sgemm_2048");
    vt_bench_print("dot_2048_baseline_cblas", flops / tbase * 1e-9, "GFLOP/s");
    free(c);
    vt_rvalues_release(args, na);
    vt_module_free(m);
}

typedef struct chain_job {
    const float *x, *y;
    float *o;
    size_t b, e;
} chain_job;

/* The hand-written fused loop: the same 8 ops as the module, in the same order. */
static void *chain_loop(void *arg) {
    chain_job *j = arg;
    for (size_t i = j->b; i < j->e; i++) {
        float x = j->x[i], y = j->y[i];
        float a = x + y, m = a * x, mx = m > y ? m : y, s = mx - x, ex = expf(s), mu = ex * y, ad = mu + x;
        j->o[i] = ad / y;
    }
    return NULL;
}

static void bench_chain(vt_engine *fused, vt_engine *unfused) {
    const size_t N = (size_t)64 << 20;
    const char *text =
        "func.func @main(%x: tensor<67108864xf32>, %y: tensor<67108864xf32>) -> tensor<67108864xf32> {\n"
        "  %a = stablehlo.add %x, %y : tensor<67108864xf32>\n"
        "  %m = stablehlo.multiply %a, %x : tensor<67108864xf32>\n"
        "  %mx = stablehlo.maximum %m, %y : tensor<67108864xf32>\n"
        "  %s = stablehlo.subtract %mx, %x : tensor<67108864xf32>\n"
        "  %e = stablehlo.exponential %s : tensor<67108864xf32>\n"
        "  %mu = stablehlo.multiply %e, %y : tensor<67108864xf32>\n"
        "  %ad = stablehlo.add %mu, %x : tensor<67108864xf32>\n"
        "  %d = stablehlo.divide %ad, %y : tensor<67108864xf32>\n"
        "  return %d : tensor<67108864xf32>\n}\n";
    vt_module *m = vt_bench_parse(text);
    size_t na;
    vt_rvalue *args = random_args(m, &na);
    double tf = vt_bench_time_module(fused, m, args, na, REPS, NULL);
    double tu = vt_bench_time_module(unfused, m, args, na, REPS, NULL);
    float *o = malloc(N * sizeof *o);
    int th = vt_engine_threads(fused);
    double tb[REPS];
    for (int r = 0; r < REPS; r++) {
        pthread_t tid[64];
        chain_job jobs[64];
        double t0 = vt_bench_now();
        for (int i = 0; i < th; i++) {
            jobs[i] = (chain_job){args[0].tensor->data, args[1].tensor->data, o, N * i / th, N * (i + 1) / th};
            pthread_create(&tid[i], NULL, chain_loop, &jobs[i]);
        }
        for (int i = 0; i < th; i++) pthread_join(tid[i], NULL);
        tb[r] = vt_bench_now() - t0;
    }
    double tbase = vt_bench_median(tb, REPS);
    vt_bench_print_ratio("eltwise_chain_64m", (double)N / tf * 1e-6, "Melem/s", tbase / tf, "hand_fused_loop");
    vt_bench_print_ratio("eltwise_chain_64m_unfused", (double)N / tu * 1e-6, "Melem/s", tbase / tu, "hand_fused_loop");
    free(o);
    vt_rvalues_release(args, na);
    vt_module_free(m);
}

static void bench_scalar(vt_engine *e) {
    const char *text =
        "func.func @main() -> tensor<f32> {\n"
        "  %i0 = stablehlo.constant dense<0> : tensor<i32>\n"
        "  %x0 = stablehlo.constant dense<1.0> : tensor<f32>\n"
        "  %n = stablehlo.constant dense<200000> : tensor<i32>\n"
        "  %one = stablehlo.constant dense<1> : tensor<i32>\n"
        "  %h = stablehlo.constant dense<0.5> : tensor<f32>\n"
        "  %r:2 = stablehlo.while(%i = %i0, %x = %x0) : tensor<i32>, tensor<f32>\n"
        "    cond {\n"
        "      %c = stablehlo.compare LT, %i, %n, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "      stablehlo.return %c : tensor<i1>\n"
        "    } do {\n"
        "      %a = stablehlo.multiply %x, %h : tensor<f32>\n"
        "      %b = stablehlo.add %a, %h : tensor<f32>\n"
        "      %c = stablehlo.sqrt %b : tensor<f32>\n"
        "      %j = stablehlo.add %i, %one : tensor<i32>\n"
        "      stablehlo.return %j, %c : tensor<i32>, tensor<f32>\n"
        "    }\n"
        "  return %r#1 : tensor<f32>\n}\n";
    vt_module *m = vt_bench_parse(text);
    vt_run_stats st;
    double t = vt_bench_time_module(e, m, NULL, 0, 3, &st);
    vt_bench_print("scalar_ops", (double)st.ops_executed / t, "ops/s");
    vt_module_free(m);
}

static void bench_mlp(vt_engine *e) {
    const char *text =
        "func.func @main(%x: tensor<256x1024xf32>, %w1: tensor<1024x4096xf32>, %b1: tensor<4096xf32>, %w2: tensor<4096x1024xf32>) -> tensor<256x1024xf32> {\n"
        "  %h = stablehlo.dot_general %x, %w1, contracting_dims = [1] x [0] : (tensor<256x1024xf32>, tensor<1024x4096xf32>) -> tensor<256x4096xf32>\n"
        "  %bb = stablehlo.broadcast_in_dim %b1, dims = [1] : (tensor<4096xf32>) -> tensor<256x4096xf32>\n"
        "  %a = stablehlo.add %h, %bb : tensor<256x4096xf32>\n"
        "  %z = stablehlo.constant dense<0.0> : tensor<256x4096xf32>\n"
        "  %r = stablehlo.maximum %a, %z : tensor<256x4096xf32>\n"
        "  %o = stablehlo.dot_general %r, %w2, contracting_dims = [1] x [0] : (tensor<256x4096xf32>, tensor<4096x1024xf32>) -> tensor<256x1024xf32>\n"
        "  return %o : tensor<256x1024xf32>\n}\n";
    vt_module *m = vt_bench_parse(text);
    size_t na;
    vt_rvalue *args = random_args(m, &na);
    double flops = 2.0 * 256 * 1024 * 4096 * 2;
    double t = vt_bench_time_module(e, m, args, na, REPS, NULL);
    double g = flops / t * 1e-9;
    vt_bench_print_ratio("mlp_forward", g, "GFLOP/s", dot_gflops > 0 ? g / dot_gflops : 0, "dot_2048");
    vt_rvalues_release(args, na);
    vt_module_free(m);
}

int main(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    vt_error err;
    vt_engine_options o = {0};
    vt_engine *e = vt_engine_create(&o, &err);
    o.no_fusion = true;
    vt_engine *eu = vt_engine_create(&o, &err);
    if (vt_bench_selected("dot_2048") || vt_bench_selected("mlp_forward")) bench_dot(e);
    if (vt_bench_selected("eltwise_chain_64m")) bench_chain(e, eu);
    if (vt_bench_selected("scalar_ops")) bench_scalar(e);
    if (vt_bench_selected("mlp_forward")) bench_mlp(e);
    vt_engine_destroy(e);
    vt_engine_destroy(eu);
    return 0;
}
