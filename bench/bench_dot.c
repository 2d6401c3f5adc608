/* dot_general kernel vs a direct cblas_sgemm on 2048^3 f32, both in this run: the kernel's
 * fixed-block partitioning with single-threaded OpenBLAS against OpenBLAS's own threading.
 * Calls the same core-type setup as the CLI (re-exec with OPENBLAS_CORETYPE) first. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_harness.h"
#include "interp/blas.h"
#include "interp/k_dot.h"

#define REPS 5

static double gflops(double n, double secs) { return 2.0 * n * n * n / secs * 1e-9; }

int main(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    vt_blas_info info;
    vt_blas_get_info(&info);
    int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    printf("# openblas core=%s requested=%s selftest=%s threads=%d config=%s\n", info.core,
           info.requested[0] ? info.requested : "(detected)", info.selftest_ok ? "ok" : "FAILED", ncpu, info.config);
    const int64_t n = 2048;
    vt_error e;
    int64_t dims[2] = {n, n};
    vt_tensor *a = vt_tensor_create(VT_F32, 2, dims, 0, &e), *b = vt_tensor_create(VT_F32, 2, dims, 0, &e);
    vt_tensor *c = vt_tensor_create(VT_F32, 2, dims, 0, &e), *d = vt_tensor_create(VT_F32, 2, dims, 0, &e);
    if (!a || !b || !c || !d) {
        fprintf(stderr, "bench_dot: %s\n", e.msg);
        return 2;
    }
    for (size_t i = 0; i < a->nelem; i++) {
        ((float *)a->data)[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
        ((float *)b->data)[i] = (float)((i * 40503u) % 1000) / 500.0f - 1.0f;
    }
    vt_dot_params p;
    memset(&p, 0, sizeof p);
    p.ncontract = 1, p.lhs_contract[0] = 1, p.rhs_contract[0] = 0;
    for (int threads = ncpu; threads >= 1; threads = threads == 1 ? 0 : 1) {
        double tb[REPS], tk[REPS];
        for (int r = 0; r < REPS; r++) {
            /* baseline: OpenBLAS's own threading at the same thread count */
            openblas_set_num_threads(threads);
            double t0 = vt_bench_now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a->data, (int)n,
                        b->data, (int)n, 0.0f, d->data, (int)n);
            tb[r] = vt_bench_now() - t0;
            openblas_set_num_threads(1);
            vt_kctx kc = {threads, UINT64_MAX, 0};
            t0 = vt_bench_now();
            if (vt_k_dot_general(&kc, a, b, &p, c, &e)) {
                fprintf(stderr, "bench_dot: %s\n", e.msg);
                return 2;
            }
            tk[r] = vt_bench_now() - t0;
        }
        double gb = gflops((double)n, vt_bench_median(tb, REPS)), gk = gflops((double)n, vt_bench_median(tk, REPS));
        char bn[64], kn[64];
        snprintf(bn, sizeof bn, threads == ncpu ? "cblas_sgemm_2048" : "cblas_sgemm_2048_t1");
        snprintf(kn, sizeof kn, threads == ncpu ? "dot_2048_kernel" : "dot_2048_kernel_t1");
        if (vt_bench_selected(kn)) {
            vt_bench_print(bn, gb, "GFLOP/s");
            vt_bench_print_ratio(kn, gk, "GFLOP/s", gk / gb, bn);
        }
        if (ncpu == 1) break;
    }
    vt_tensor_release(a), vt_tensor_release(b), vt_tensor_release(c), vt_tensor_release(d);
    return 0;
}
