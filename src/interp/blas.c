/* OpenBLAS integration: core-type choice by cpuid and re-exec, the kernel self-test with its
 * fallback, deterministic partitioned GEMM, and the portable loops used when BLAS is not trusted.
 * The only process-wide state is a write-once record (pthread_once) of the self-test outcome. */
#include "interp/blas.h"

#include <cblas.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VT_X86 1
#endif

/* ---- core type by cpuid ------------------------------------------------------------------ */

#ifdef VT_X86
static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

const char *vt_blas_cpu_coretype(void) {
#ifdef VT_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return NULL;
    bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
    if (!osxsave || !avx) return NULL;
    uint64_t xcr0 = xgetbv0();
    bool ymm_os = (xcr0 & 6) == 6, zmm_os = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NULL;
    bool avx2 = b & (1u << 5), f512 = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
    if (zmm_os && f512 && bw && vl && dq) return "SkylakeX";
    if (ymm_os && avx2 && fma) return "Haswell";
#endif
    return NULL;
}

/* ---- self-test ----------------------------------------------------------------------------- */

typedef struct blas_state {
    bool selftest_ok, portable;
    char msg[VT_ERROR_MSG_MAX];
} blas_state;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static blas_state g_state; /* written once under g_once, read-only afterwards */

static bool force_fail(void) {
    const char *f = getenv(VT_BLAS_ENV_FORCE_FAIL);
    if (!f || !*f) return false;
    const char *core = openblas_get_corename();
    return strcasecmp(f, "all") == 0 || (core && strcasecmp(f, core) == 0);
}

/* Integer-valued data in [-4, 4]: every product and partial sum is exact in float, so any
 * correct kernel must reproduce the reference bit for bit. */
static double tval(size_t i, unsigned salt) { return (double)((int)(((i * 2654435761u + salt * 40503u) >> 7) % 9) - 4); }

/* One size: the exact product of the logical A (m x k) and B (k x n) is computed once, then each
 * kind and transpose combination stores A and B in its own layout and must reproduce it. */
static vt_status selftest_size(int m, int n, int k, bool with_complex, vt_error *err) {
    size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
    double *A = malloc(na * 16), *B = malloc(nb * 16), *R = calloc(nc * 2, 8), *D = malloc(nc * 16 + 16);
    double *As = malloc(na * 16), *Bs = malloc(nb * 16);
    vt_status st = VT_OK;
    if (!A || !B || !R || !D || !As || !Bs) {
        st = vt_error_set(err, VT_ENOMEM, "BLAS self-test: out of memory");
        goto done;
    }
    for (size_t i = 0; i < 2 * na; i++) A[i] = tval(i, 1);
    for (size_t i = 0; i < 2 * nb; i++) B[i] = tval(i, 2);
    /* R holds (re, im) of the complex product; the real product uses only the real parts */
    double *Rr = malloc(nc * 8 + 8);
    if (!Rr) {
        st = vt_error_set(err, VT_ENOMEM, "BLAS self-test: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++) Rr[i] = 0;
    for (int i = 0; i < m; i++)
        for (int p = 0; p < k; p++) {
            const double *a = A + 2 * ((size_t)i * k + p);
            for (int j = 0; j < n; j++) {
                const double *b = B + 2 * ((size_t)p * n + j);
                size_t ic = (size_t)i * n + j;
                Rr[ic] += a[0] * b[0];
                if (with_complex) {
                    R[2 * ic] += a[0] * b[0] - a[1] * b[1];
                    R[2 * ic + 1] += a[0] * b[1] + a[1] * b[0];
                }
            }
        }
    float one_f[2] = {1, 0}, zero_f[2] = {0, 0};
    double one_d[2] = {1, 0}, zero_d[2] = {0, 0};
    for (int kind = 0; kind < (with_complex ? 4 : 2) && !st; kind++)
        for (int t = 0; t < 4 && !st; t++) {
            bool ta = t & 1, tb = t & 2, cplx = kind >= 2, single = kind == 0 || kind == 2;
            int lda = ta ? m : k, ldb = tb ? k : n, w = cplx ? 2 : 1;
            float *Af = (float *)As, *Bf = (float *)Bs, *Df = (float *)D;
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                    for (int c = 0; c < w; c++) {
                        size_t at = ta ? (size_t)p * lda + i : (size_t)i * lda + p;
                        double v = A[2 * ((size_t)i * k + p) + c];
                        if (single) Af[w * at + c] = (float)v;
                        else As[w * at + c] = v;
                    }
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    for (int c = 0; c < w; c++) {
                        size_t bt = tb ? (size_t)j * ldb + p : (size_t)p * ldb + j;
                        double v = B[2 * ((size_t)p * n + j) + c];
                        if (single) Bf[w * bt + c] = (float)v;
                        else Bs[w * bt + c] = v;
                    }
            enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
            switch (kind) {
            case 0: cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, 1.0f, Af, lda, Bf, ldb, 0.0f, Df, n); break;
            case 1: cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, 1.0, As, lda, Bs, ldb, 0.0, D, n); break;
            case 2: cblas_cgemm(CblasRowMajor, TA, TB, m, n, k, one_f, Af, lda, Bf, ldb, zero_f, Df, n); break;
            default: cblas_zgemm(CblasRowMajor, TA, TB, m, n, k, one_d, As, lda, Bs, ldb, zero_d, D, n); break;
            }
            for (size_t i = 0; i < nc * (size_t)w; i++) {
                double got = single ? (double)Df[i] : D[i], want = cplx ? R[i] : Rr[i];
                if (got != want) {
                    st = vt_error_set(err, VT_EINTERNAL, "BLAS self-test: %cgemm %s%s %dx%dx%d: element %zu is %g, expected %g",
                                      "sdcz"[kind], ta ? "T" : "N", tb ? "T" : "N", m, n, k, i, got, want);
                    break;
                }
            }
        }
    free(Rr);
done:
    free(A), free(B), free(R), free(D), free(As), free(Bs);
    return st;
}

vt_status vt_blas_selftest(vt_error *err) {
    /* odd sizes reach the edge kernels; the largest crosses OpenBLAS's K and M blocking */
    static const int sizes[][3] = {{1, 1, 1}, {7, 5, 3}, {37, 29, 67}, {40, 20, 530}};
    for (int s = 0; s < 4; s++) {
        vt_status st = selftest_size(sizes[s][0], sizes[s][1], sizes[s][2], s < 3, err);
        if (st) return st;
    }
    if (force_fail())
        return vt_error_set(err, VT_EINTERNAL, "BLAS self-test: failure forced by %s for core %s", VT_BLAS_ENV_FORCE_FAIL,
                            openblas_get_corename());
    return VT_OK;
}

static void state_init(void) {
    /* Our own fixed partitions are the only parallelism, so OpenBLAS's thread count can never
     * change a result (docs/determinism.md). */
    openblas_set_num_threads(1);
    vt_error e;
    vt_error_clear(&e);
    g_state.selftest_ok = vt_blas_selftest(&e) == VT_OK;
    snprintf(g_state.msg, sizeof g_state.msg, "%s", g_state.selftest_ok ? "ok" : e.msg);
    const char *mode = getenv(VT_BLAS_ENV_MODE);
    g_state.portable = !g_state.selftest_ok || (mode && strcmp(mode, "portable") == 0);
}

static const blas_state *state(void) {
    pthread_once(&g_once, state_init);
    return &g_state;
}

void vt_blas_setup(int argc, char **argv) {
    bool can_exec = argc > 0 && argv && argv[0]; /* execv needs main's NULL-terminated argv */
    const char *marker = getenv(VT_BLAS_ENV_MARKER);
    if (can_exec && !marker && !getenv("OPENBLAS_CORETYPE")) {
        const char *core = vt_blas_cpu_coretype();
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            setenv(VT_BLAS_ENV_MARKER, "1", 1);
            execv("/proc/self/exe", argv);
            /* exec failed (no /proc?): carry on with what OpenBLAS detected */
            unsetenv("OPENBLAS_CORETYPE");
            unsetenv(VT_BLAS_ENV_MARKER);
            marker = NULL;
        }
    }
    const blas_state *st = state();
    if (can_exec && !st->selftest_ok && !(marker && strcmp(marker, "2") == 0)) {
#ifdef VT_X86
        const char *core = openblas_get_corename();
        setenv(VT_BLAS_ENV_FALLBACK_FROM, core ? core : "unknown", 1);
        setenv("OPENBLAS_CORETYPE", VT_BLAS_SAFE_CORE, 1);
        setenv(VT_BLAS_ENV_MARKER, "2", 1);
        execv("/proc/self/exe", argv);
#endif
        /* no safe core to go to: the GEMMs use the portable loops (state()->portable) */
    }
}

void vt_blas_get_info(vt_blas_info *out) {
    const blas_state *st = state();
    memset(out, 0, sizeof *out);
    out->library = "OpenBLAS";
    snprintf(out->core, sizeof out->core, "%s", openblas_get_corename());
    snprintf(out->config, sizeof out->config, "%s", openblas_get_config());
    out->threads = openblas_get_num_threads();
    const char *req = getenv("OPENBLAS_CORETYPE"), *fb = getenv(VT_BLAS_ENV_FALLBACK_FROM);
    snprintf(out->requested, sizeof out->requested, "%s", req ? req : "");
    snprintf(out->fallback_from, sizeof out->fallback_from, "%s", fb ? fb : "");
    out->selftest_ok = st->selftest_ok;
    out->portable = st->portable;
    snprintf(out->selftest_msg, sizeof out->selftest_msg, "%s", st->msg);
}

/* ---- parallel for ---------------------------------------------------------------------------- */

typedef struct par_job {
    void (*fn)(void *, size_t);
    void *ctx;
    size_t n;
    atomic_size_t next;
} par_job;

static void *par_worker(void *p) {
    par_job *j = p;
    for (size_t t; (t = atomic_fetch_add(&j->next, 1)) < j->n;) j->fn(j->ctx, t);
    return NULL;
}

void vt_parallel_for(int threads, size_t ntasks, void (*fn)(void *, size_t), void *ctx) {
    if (threads <= 1 || ntasks <= 1) {
        for (size_t t = 0; t < ntasks; t++) fn(ctx, t);
        return;
    }
    size_t nw = (size_t)threads < ntasks ? (size_t)threads : ntasks;
    if (nw > 256) nw = 256;
    par_job job = {fn, ctx, ntasks, 0};
    pthread_t tid[256];
    size_t started = 0;
    for (size_t i = 1; i < nw; i++) {
        if (pthread_create(&tid[started], NULL, par_worker, &job) != 0) break; /* fewer threads, same result */
        started++;
    }
    par_worker(&job);
    for (size_t i = 0; i < started; i++) pthread_join(tid[i], NULL);
}

/* ---- GEMM ------------------------------------------------------------------------------------ */

static size_t kind_size(vt_gemm_kind k) {
    switch (k) {
    case VT_GEMM_F32: return 4;
    case VT_GEMM_F64: case VT_GEMM_C64: case VT_GEMM_U64: return 8;
    default: return 16;
    }
}

#define AIDX(i, p) (g->trans_a ? (p) * g->lda + (i) : (i) * g->lda + (p))
#define BIDX(p, j) (g->trans_b ? (j) * g->ldb + (p) : (p) * g->ldb + (j))

/* Portable loops: sequential in k, multiply and add rounded separately (-ffp-contract=off), the
 * same bits on every IEEE machine. */
static void gemm_portable(const vt_gemm_desc *g) {
    size_t m = g->m, n = g->n, k = g->k;
    switch (g->kind) {
    case VT_GEMM_F32: {
        const float *a = g->a, *b = g->b;
        float *c = g->c;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                float acc = 0;
                for (size_t p = 0; p < k; p++) acc += a[AIDX(i, p)] * b[BIDX(p, j)];
                c[i * g->ldc + j] = acc;
            }
        break;
    }
    case VT_GEMM_F64: {
        const double *a = g->a, *b = g->b;
        double *c = g->c;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double acc = 0;
                for (size_t p = 0; p < k; p++) acc += a[AIDX(i, p)] * b[BIDX(p, j)];
                c[i * g->ldc + j] = acc;
            }
        break;
    }
    case VT_GEMM_C64: {
        const float *a = g->a, *b = g->b;
        float *c = g->c;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                float re = 0, im = 0;
                for (size_t p = 0; p < k; p++) {
                    const float *x = a + 2 * AIDX(i, p), *y = b + 2 * BIDX(p, j);
                    re += x[0] * y[0] - x[1] * y[1]; /* the product first, then the sum */
                    im += x[0] * y[1] + x[1] * y[0];
                }
                c[2 * (i * g->ldc + j)] = re, c[2 * (i * g->ldc + j) + 1] = im;
            }
        break;
    }
    case VT_GEMM_C128: {
        const double *a = g->a, *b = g->b;
        double *c = g->c;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double re = 0, im = 0;
                for (size_t p = 0; p < k; p++) {
                    const double *x = a + 2 * AIDX(i, p), *y = b + 2 * BIDX(p, j);
                    re += x[0] * y[0] - x[1] * y[1]; /* the product first, then the sum */
                    im += x[0] * y[1] + x[1] * y[0];
                }
                c[2 * (i * g->ldc + j)] = re, c[2 * (i * g->ldc + j) + 1] = im;
            }
        break;
    }
    case VT_GEMM_U64: {
        /* row-streaming i-k-j order: exact wrapping arithmetic, so the order is free */
        const uint64_t *a = g->a, *b = g->b;
        uint64_t *c = g->c;
        for (size_t i = 0; i < m; i++) {
            uint64_t *cr = c + i * g->ldc;
            memset(cr, 0, n * 8);
            for (size_t p = 0; p < k; p++) {
                uint64_t x = a[AIDX(i, p)];
                if (!x) continue;
                if (!g->trans_b) {
                    const uint64_t *br = b + p * g->ldb;
                    for (size_t j = 0; j < n; j++) cr[j] += x * br[j];
                } else {
                    for (size_t j = 0; j < n; j++) cr[j] += x * b[BIDX(p, j)];
                }
            }
        }
        break;
    }
    }
}

static bool fits_int(size_t v) { return v <= (size_t)INT_MAX; }

#define VT_GEMM_SMALL_MACS ((uint64_t)1 << 15)

void vt_gemm_one(const vt_gemm_desc *g) {
    if (g->m == 0 || g->n == 0) return;
    size_t es = kind_size(g->kind);
    if (g->k == 0) {
        for (size_t i = 0; i < g->m; i++) memset((char *)g->c + i * g->ldc * es, 0, g->n * es);
        return;
    }
    /* Small products run on the portable loops: no call overhead, and the same bits on every
     * machine (they are also what reference implementations compute, unfused and in order). */
    uint64_t macs;
    bool small = vt_mul_u64(g->m, g->n, &macs) && vt_mul_u64(macs, g->k, &macs) && macs <= VT_GEMM_SMALL_MACS;
    bool ok = g->kind != VT_GEMM_U64 && !small && !state()->portable && fits_int(g->m) && fits_int(g->n) &&
              fits_int(g->k) && fits_int(g->lda) && fits_int(g->ldb) && fits_int(g->ldc);
    if (!ok) {
        gemm_portable(g);
        return;
    }
    enum CBLAS_TRANSPOSE ta = g->trans_a ? CblasTrans : CblasNoTrans, tb = g->trans_b ? CblasTrans : CblasNoTrans;
    int m = (int)g->m, n = (int)g->n, k = (int)g->k, lda = (int)g->lda, ldb = (int)g->ldb, ldc = (int)g->ldc;
    /* BLAS requires ld >= the row length even when the dimension is 1 */
    int ra = g->trans_a ? m : k, rb = g->trans_b ? k : n;
    if (lda < ra) lda = ra;
    if (ldb < rb) ldb = rb;
    if (ldc < n) ldc = n;
    float one_f[2] = {1, 0}, zero_f[2] = {0, 0};
    double one_d[2] = {1, 0}, zero_d[2] = {0, 0};
    switch (g->kind) {
    case VT_GEMM_F32: cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, g->a, lda, g->b, ldb, 0.0f, g->c, ldc); break;
    case VT_GEMM_F64: cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, g->a, lda, g->b, ldb, 0.0, g->c, ldc); break;
    case VT_GEMM_C64: cblas_cgemm(CblasRowMajor, ta, tb, m, n, k, one_f, g->a, lda, g->b, ldb, zero_f, g->c, ldc); break;
    case VT_GEMM_C128: cblas_zgemm(CblasRowMajor, ta, tb, m, n, k, one_d, g->a, lda, g->b, ldb, zero_d, g->c, ldc); break;
    case VT_GEMM_U64: break;
    }
}

/* Block plan: a function of (m, n, k) only. Blocks split the longer of m and n into a power of
 * two of blocks, each with about VT_GEMM_TASK_MACS multiply-adds or more and no fewer than
 * VT_GEMM_MIN_BLOCK rows/columns (each block repacks the other operand, so tiny blocks waste
 * bandwidth). */
#define VT_GEMM_TASK_MACS ((uint64_t)1 << 27)
#define VT_GEMM_MIN_BLOCK 512

typedef struct gemm_plan {
    const vt_gemm_desc *g;
    bool rows;
    size_t bs, nblk;
} gemm_plan;

static void gemm_task(void *p, size_t t) {
    const gemm_plan *pl = p;
    const vt_gemm_desc *g = pl->g;
    size_t b = t / pl->nblk, blk = t % pl->nblk, es = kind_size(g->kind);
    vt_gemm_desc s = *g;
    const char *a = (const char *)g->a + (g->a_off ? g->a_off[b] : 0) * es;
    const char *bb = (const char *)g->b + (g->b_off ? g->b_off[b] : 0) * es;
    char *c = (char *)g->c + b * g->c_stride * es;
    size_t lo = blk * pl->bs, len = pl->bs;
    size_t total = pl->rows ? g->m : g->n;
    if (lo + len > total) len = total - lo;
    if (pl->rows) {
        s.m = len;
        a += (g->trans_a ? lo : lo * g->lda) * es;
        c += lo * g->ldc * es;
    } else {
        s.n = len;
        bb += (g->trans_b ? lo * g->ldb : lo) * es;
        c += lo * es;
    }
    s.a = a, s.b = bb, s.c = c;
    vt_gemm_one(&s);
}

vt_status vt_gemm(const vt_gemm_desc *g, int threads, vt_error *err) {
    if (!g || g->batch == 0) return VT_OK;
    if (g->m == 0 || g->n == 0) return VT_OK;
    (void)state();
    uint64_t macs;
    if (!vt_mul_u64(g->m, g->n, &macs) || !vt_mul_u64(macs, g->k ? g->k : 1, &macs)) macs = UINT64_MAX;
    gemm_plan pl = {g, g->m >= g->n, 0, 1};
    size_t along = pl.rows ? g->m : g->n;
    uint64_t nb = macs / VT_GEMM_TASK_MACS, maxb = along / VT_GEMM_MIN_BLOCK;
    if (nb > maxb) nb = maxb;
    /* a power of two, so that 2, 4, 8 threads get equal shares */
    uint64_t p2 = 1;
    while (p2 * 2 <= nb) p2 *= 2;
    nb = p2;
    pl.bs = (size_t)((along + nb - 1) / nb);
    pl.bs = (pl.bs + 15) / 16 * 16;
    if (pl.bs > along) pl.bs = along;
    pl.nblk = (along + pl.bs - 1) / pl.bs;
    size_t ntasks;
    if (!vt_mul_size(g->batch, pl.nblk, &ntasks))
        return vt_error_set(err, VT_ELIMIT, "gemm: %zu batches x %zu blocks is too many tasks", g->batch, pl.nblk);
    /* threads only change who computes which block, so small jobs simply skip the spawn */
    uint64_t total;
    if (!vt_mul_u64(macs, g->batch, &total)) total = UINT64_MAX;
    vt_parallel_for(total < ((uint64_t)1 << 22) ? 1 : threads, ntasks, gemm_task, &pl);
    return VT_OK;
}
