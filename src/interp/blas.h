/* BLAS layer of the interpreter: OpenBLAS core-type selection at process start (re-exec with
 * OPENBLAS_CORETYPE from cpuid), a self-test of the chosen kernels with fallback, and GEMM calls
 * partitioned into fixed blocks so results never depend on the thread count (docs/blas.md). */
#ifndef VT_INTERP_BLAS_H
#define VT_INTERP_BLAS_H

#include "veritor/base.h"

/* Environment variables (documented in docs/blas.md). */
#define VT_BLAS_ENV_MARKER "VT_BLAS_REEXEC"          /* "1": re-exec'ed with a chosen core; "2": after fallback */
#define VT_BLAS_ENV_FALLBACK_FROM "VT_BLAS_FALLBACK_FROM" /* core whose self-test failed */
#define VT_BLAS_ENV_FORCE_FAIL "VT_BLAS_SELFTEST_FAIL" /* test hook: core name (or "all") to fail */
#define VT_BLAS_ENV_MODE "VT_BLAS"                   /* "portable": never call OpenBLAS */
#define VT_BLAS_SAFE_CORE "Prescott"                 /* SSE3 kernels: run on every x86-64 */

/* Call first thing in main() of any program that wants OpenBLAS's best kernels (CLI, benches):
 * may replace the process (execv of /proc/self/exe with the same argv) once to set
 * OPENBLAS_CORETYPE before libopenblas's constructor runs, and once more to fall back to
 * VT_BLAS_SAFE_CORE when the self-test of the chosen kernels fails. Returns when no (further)
 * re-exec is needed or possible. Never prints. */
void vt_blas_setup(int argc, char **argv);

/* The OPENBLAS_CORETYPE this CPU should use by cpuid ("SkylakeX", "Haswell"), or NULL. */
const char *vt_blas_cpu_coretype(void);

typedef struct vt_blas_info {
    const char *library;     /* "OpenBLAS" */
    char core[64];           /* openblas_get_corename() */
    char config[256];        /* openblas_get_config() */
    int threads;             /* OpenBLAS's own threads: pinned to 1 */
    char requested[64];      /* OPENBLAS_CORETYPE as set (by the user or by vt_blas_setup), or "" */
    char fallback_from[64];  /* core whose self-test failed, or "" */
    bool selftest_ok;        /* the chosen kernels matched the exact reference */
    bool portable;           /* GEMMs run on veritor's own loops (self-test failed or VT_BLAS=portable) */
    char selftest_msg[VT_ERROR_MSG_MAX];/* what failed, or "ok" */
} vt_blas_info;
void vt_blas_get_info(vt_blas_info *out);
/* Runs the self-test now (small s/d/c/zgemm in all transpose combinations against an exact
 * reference on integer-valued data); VT_EINTERNAL naming the case on mismatch. */
vt_status vt_blas_selftest(vt_error *err);

/* ---- GEMM: C[b] = op(A[b]) x op(B[b]), row-major, alpha 1, beta 0 -------------------------- */
typedef enum vt_gemm_kind {
    VT_GEMM_F32,  /* sgemm */
    VT_GEMM_F64,  /* dgemm */
    VT_GEMM_C64,  /* cgemm, interleaved (re, im) floats */
    VT_GEMM_C128, /* zgemm */
    VT_GEMM_U64   /* 64-bit two's complement integers, exact wrapping (never BLAS) */
} vt_gemm_kind;

typedef struct vt_gemm_desc {
    vt_gemm_kind kind;
    bool trans_a, trans_b; /* A stored K x M / B stored N x K */
    size_t m, n, k;
    const void *a, *b;
    void *c;
    size_t lda, ldb, ldc; /* row strides in elements */
    size_t batch;         /* >= 1 */
    const size_t *a_off, *b_off; /* per-batch element offsets (NULL: every batch uses offset 0) */
    size_t c_stride;             /* per-batch element stride of C */
} vt_gemm_desc;

/* Runs all batches, split into row or column blocks whose sizes depend only on (m, n, k), over
 * up to `threads` threads; OpenBLAS itself runs single-threaded, so each output element is
 * computed by the same call on the same data whatever the thread count. */
vt_status vt_gemm(const vt_gemm_desc *g, int threads, vt_error *err);
/* One unpartitioned single-threaded call (batch and offsets ignored): for kernels that
 * parallelise over their own fixed tasks (convolution). */
void vt_gemm_one(const vt_gemm_desc *g);

/* Runs fn(ctx, task) for task in [0, ntasks) on up to `threads` threads (the caller included);
 * tasks must write disjoint memory so that the schedule never shows in results. */
void vt_parallel_for(int threads, size_t ntasks, void (*fn)(void *ctx, size_t task), void *ctx);

#endif
