/* chlo.ragged_dot through parsed modules against a dense dot_general of the same FLOPs, both
 * measured in this run: ragged_dot_moe (4096 tokens x 1024 in, 8 experts of 1024 x 512, uneven
 * groups) vs [4096, 1024] x [1024, 512]; ragged_dot_wgrad (ragged contracting: 4096 tokens in
 * 8 groups, 512 x 512 per group) vs [512, 4096] x [4096, 512]. */
#include "bench_harness.h"
#include "interp/blas.h"
#include "veritor/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 5

static vt_tensor *filled(vt_dtype t, int rank, const int64_t *dims, uint64_t seed) {
    vt_error err;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &err);
    if (!x) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    if (t == VT_F32)
        for (size_t i = 0; i < x->nelem; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            ((float *)x->data)[i] = (float)((seed >> 40) & 0xffff) / 32768.0f - 1.0f;
        }
    return x;
}

static vt_tensor *group_sizes(const int64_t *sizes, int64_t g) {
    vt_tensor *t = filled(VT_I64, 1, &g, 0);
    memcpy(t->data, sizes, (size_t)g * sizeof(int64_t));
    return t;
}

static void pair(vt_engine *e, const char *name, const char *ragged, const char *dense, vt_rvalue *rargs, vt_rvalue *dargs,
                 double flops) {
    if (!vt_bench_selected(name)) return;
    vt_module *mr = vt_bench_parse(ragged), *md = vt_bench_parse(dense);
    double tr = vt_bench_time_module(e, mr, rargs, 3, REPS, NULL), td = vt_bench_time_module(e, md, dargs, 2, REPS, NULL);
    char base[96];
    snprintf(base, sizeof base, "%s_dense_dot", name);
    vt_bench_print(base, flops / td * 1e-9, "GFLOP/s");
    vt_bench_print_ratio(name, flops / tr * 1e-9, "GFLOP/s", td / tr, base);
    vt_module_free(mr);
    vt_module_free(md);
}

int main(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    vt_engine_options o;
    memset(&o, 0, sizeof o);
    vt_error err;
    vt_engine *e = vt_engine_create(&o, &err);
    if (!e) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    const int64_t sizes[8] = {900, 300, 700, 100, 800, 500, 200, 596}; /* sum 4096 */
    {
        int64_t ld[2] = {4096, 1024}, rd[3] = {8, 1024, 512}, dd[2] = {1024, 512};
        vt_rvalue ra[3] = {vt_rvalue_tensor(filled(VT_F32, 2, ld, 1)), vt_rvalue_tensor(filled(VT_F32, 3, rd, 2)),
                           vt_rvalue_tensor(group_sizes(sizes, 8))};
        vt_rvalue da[2] = {vt_rvalue_tensor(filled(VT_F32, 2, ld, 1)), vt_rvalue_tensor(filled(VT_F32, 2, dd, 3))};
        pair(e, "ragged_dot_moe",
             "func.func @main(%l: tensor<4096x1024xf32>, %r: tensor<8x1024x512xf32>, %g: tensor<8xi64>) -> tensor<4096x512xf32> {\n"
             "  %o = \"chlo.ragged_dot\"(%l, %r, %g) {ragged_dot_dimension_numbers = #chlo.ragged_dot<lhs_batching_dimensions = [], "
             "rhs_batching_dimensions = [], lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [1], "
             "lhs_ragged_dimensions = [0], rhs_group_dimensions = [0]>} : (tensor<4096x1024xf32>, tensor<8x1024x512xf32>, "
             "tensor<8xi64>) -> tensor<4096x512xf32>\n"
             "  return %o : tensor<4096x512xf32>\n}\n",
             "func.func @main(%l: tensor<4096x1024xf32>, %r: tensor<1024x512xf32>) -> tensor<4096x512xf32> {\n"
             "  %o = stablehlo.dot_general %l, %r, contracting_dims = [1] x [0] : (tensor<4096x1024xf32>, tensor<1024x512xf32>) "
             "-> tensor<4096x512xf32>\n"
             "  return %o : tensor<4096x512xf32>\n}\n",
             ra, da, 2.0 * 4096 * 1024 * 512);
        for (int i = 0; i < 3; i++) vt_rvalue_release(&ra[i]);
        for (int i = 0; i < 2; i++) vt_rvalue_release(&da[i]);
    }
    {
        int64_t ld[2] = {4096, 512}, rd[2] = {4096, 512}, dl[2] = {512, 4096};
        vt_rvalue ra[3] = {vt_rvalue_tensor(filled(VT_F32, 2, ld, 4)), vt_rvalue_tensor(filled(VT_F32, 2, rd, 5)),
                           vt_rvalue_tensor(group_sizes(sizes, 8))};
        vt_rvalue da[2] = {vt_rvalue_tensor(filled(VT_F32, 2, dl, 4)), vt_rvalue_tensor(filled(VT_F32, 2, rd, 5))};
        pair(e, "ragged_dot_wgrad",
             "func.func @main(%l: tensor<4096x512xf32>, %r: tensor<4096x512xf32>, %g: tensor<8xi64>) -> tensor<8x512x512xf32> {\n"
             "  %o = \"chlo.ragged_dot\"(%l, %r, %g) {ragged_dot_dimension_numbers = #chlo.ragged_dot<lhs_batching_dimensions = [], "
             "rhs_batching_dimensions = [], lhs_contracting_dimensions = [0], rhs_contracting_dimensions = [0], "
             "lhs_ragged_dimensions = [0], rhs_group_dimensions = []>} : (tensor<4096x512xf32>, tensor<4096x512xf32>, "
             "tensor<8xi64>) -> tensor<8x512x512xf32>\n"
             "  return %o : tensor<8x512x512xf32>\n}\n",
             "func.func @main(%l: tensor<512x4096xf32>, %r: tensor<4096x512xf32>) -> tensor<512x512xf32> {\n"
             "  %o = stablehlo.dot_general %l, %r, contracting_dims = [1] x [0] : (tensor<512x4096xf32>, tensor<4096x512xf32>) "
             "-> tensor<512x512xf32>\n"
             "  return %o : tensor<512x512xf32>\n}\n",
             ra, da, 2.0 * 4096 * 512 * 512);
        for (int i = 0; i < 3; i++) vt_rvalue_release(&ra[i]);
        for (int i = 0; i < 2; i++) vt_rvalue_release(&da[i]);
    }
    vt_engine_destroy(e);
    return 0;
}
