/* BLAS layer (blas.h): core-type choice by cpuid and re-exec, respect for a user's
 * OPENBLAS_CORETYPE, the self-test and its fallback (forced through VT_BLAS_SELFTEST_FAIL), the
 * portable mode, partitioned GEMM of every kind, and the parallel-for helper. The re-exec cases
 * run this program again as a child ("--child") and read what it reports. */
#include "harness.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "interp/blas.h"

static int child(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    vt_blas_info in;
    vt_blas_get_info(&in);
    const char *m = getenv(VT_BLAS_ENV_MARKER);
    /* a GEMM through whatever path the setup left us on must still be right */
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {7, 8, 9, 10, 11, 12}, c[4] = {0};
    vt_gemm_desc g = {VT_GEMM_F32, false, false, 2, 2, 3, a, b, c, 3, 2, 2, 1, NULL, NULL, 0};
    vt_error e;
    bool ok = vt_gemm(&g, 2, &e) == VT_OK && c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154;
    printf("core=%s requested=%s fallback=%s marker=%s selftest=%d portable=%d threads=%d gemm=%s\n", in.core,
           in.requested, in.fallback_from, m ? m : "", in.selftest_ok, in.portable, in.threads, ok ? "ok" : "WRONG");
    return 0;
}

static char self_path[4096];

static void run_child(const char *env, char *out, size_t cap) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "env -u OPENBLAS_CORETYPE -u %s -u %s -u %s -u %s %s '%s' --child", VT_BLAS_ENV_MARKER,
             VT_BLAS_ENV_FALLBACK_FROM, VT_BLAS_ENV_FORCE_FAIL, VT_BLAS_ENV_MODE, env, self_path);
    int rc = vt_test_run(cmd, out, cap);
    CHECK_MSG(rc == 0, "child exited %d: %s", rc, out);
}

static bool cpu_has(const char *flag) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return false;
    char line[8192], pat[64];
    snprintf(pat, sizeof pat, " %s ", flag);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0) continue;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[n - 1] = ' ';
        found = strstr(line, pat) != NULL;
        break;
    }
    fclose(f);
    return found;
}

TEST(cpuid_choice) {
    const char *c = vt_blas_cpu_coretype();
    bool avx512 = cpu_has("avx512f") && cpu_has("avx512bw") && cpu_has("avx512vl") && cpu_has("avx512dq");
    bool avx2 = cpu_has("avx2") && cpu_has("fma");
    if (avx512) CHECK_STR(c, "SkylakeX");
    else if (avx2) CHECK_STR(c, "Haswell");
    else CHECK(c == NULL);
}

TEST(info_and_selftest) {
    vt_error e;
    vt_blas_setup(0, NULL); /* no argv: never execs, just runs the self-test once */
    CHECK_EQ_INT(vt_blas_selftest(&e), VT_OK);
    vt_blas_info in;
    vt_blas_get_info(&in);
    CHECK_STR(in.library, "OpenBLAS");
    CHECK(in.core[0] != 0);
    CHECK(strstr(in.config, "OpenBLAS") != NULL);
    CHECK_EQ_INT(in.threads, 1); /* pinned: veritor's own partitions are the only parallelism */
    CHECK(in.selftest_ok);
    CHECK_STR(in.selftest_msg, "ok");
}

TEST(reexec) {
    char out[4096];
    const char *want = vt_blas_cpu_coretype();
    /* default: re-exec once with the cpuid choice */
    run_child("", out, sizeof out);
    if (want) {
        char frag[128];
        snprintf(frag, sizeof frag, "core=%s requested=%s fallback= marker=1 selftest=1 portable=0", want, want);
        CHECK_MSG(strstr(out, frag) != NULL, "got: %s", out);
    }
    CHECK_MSG(strstr(out, "threads=1 gemm=ok") != NULL, "got: %s", out);
    /* a user's choice is respected: no re-exec */
    run_child("OPENBLAS_CORETYPE=Haswell", out, sizeof out);
    CHECK_MSG(strstr(out, "core=Haswell requested=Haswell fallback= marker= selftest=1") != NULL, "got: %s", out);
    if (want) {
        /* the chosen kernels fail their self-test: fall back to the safe core */
        char env[128], frag[256];
        snprintf(env, sizeof env, "%s=%s", VT_BLAS_ENV_FORCE_FAIL, want);
        run_child(env, out, sizeof out);
        snprintf(frag, sizeof frag, "core=%s requested=%s fallback=%s marker=2 selftest=1 portable=0", VT_BLAS_SAFE_CORE,
                 VT_BLAS_SAFE_CORE, want);
        CHECK_MSG(strstr(out, frag) != NULL, "got: %s", out);
        CHECK_MSG(strstr(out, "gemm=ok") != NULL, "got: %s", out);
    }
    /* every core fails: no third exec, the portable loops take over and stay correct */
    run_child(VT_BLAS_ENV_FORCE_FAIL "=all", out, sizeof out);
    CHECK_MSG(strstr(out, "marker=2 selftest=0 portable=1") != NULL, "got: %s", out);
    CHECK_MSG(strstr(out, "gemm=ok") != NULL, "got: %s", out);
    /* portable mode on request */
    run_child(VT_BLAS_ENV_MODE "=portable", out, sizeof out);
    CHECK_MSG(strstr(out, "selftest=1 portable=1") != NULL && strstr(out, "gemm=ok"), "got: %s", out);
}

TEST(gemm_kinds) {
    vt_error e;
    /* batched with offsets: batch 1 reuses A, B differs; C stride 4 */
    double a[6] = {1, 2, 3, 4, 5, 6}, b[12] = {7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 0, 0}, c[8];
    size_t aoff[2] = {0, 0}, boff[2] = {0, 6};
    vt_gemm_desc g = {VT_GEMM_F64, false, false, 2, 2, 3, a, b, c, 3, 2, 2, 2, aoff, boff, 4};
    CHECK_EQ_INT(vt_gemm(&g, 2, &e), VT_OK);
    CHECK(memcmp(c, (double[]){58, 64, 139, 154, 1, 2, 4, 5}, 64) == 0);
    /* transposed A (stored 3x2): A^T = [[1,3,5],[2,4,6]] */
    g.trans_a = true, g.lda = 2, g.batch = 1;
    CHECK_EQ_INT(vt_gemm(&g, 1, &e), VT_OK);
    CHECK(memcmp(c, (double[]){1 * 7 + 3 * 9 + 5 * 11, 1 * 8 + 3 * 10 + 5 * 12, 2 * 7 + 4 * 9 + 6 * 11, 2 * 8 + 4 * 10 + 6 * 12}, 32) == 0);
    /* K = 0 zeroes C */
    float cf[4] = {1, 1, 1, 1};
    vt_gemm_desc z = {VT_GEMM_F32, false, false, 2, 2, 0, cf, cf, cf, 1, 2, 2, 1, NULL, NULL, 0};
    CHECK_EQ_INT(vt_gemm(&z, 1, &e), VT_OK);
    CHECK(cf[0] == 0 && cf[3] == 0);
    /* complex and integer kinds */
    float ca[2] = {1, 2}, cb[2] = {3, 4}, cc[2];
    vt_gemm_desc gc = {VT_GEMM_C64, false, false, 1, 1, 1, ca, cb, cc, 1, 1, 1, 1, NULL, NULL, 0};
    CHECK_EQ_INT(vt_gemm(&gc, 1, &e), VT_OK);
    CHECK(cc[0] == -5 && cc[1] == 10);
    uint64_t ia[2] = {UINT64_MAX, 3}, ib[2] = {2, 5}, ic[1];
    vt_gemm_desc gi = {VT_GEMM_U64, false, true, 1, 1, 2, ia, ib, ic, 2, 2, 1, 1, NULL, NULL, 0};
    CHECK_EQ_INT(vt_gemm(&gi, 1, &e), VT_OK);
    CHECK(ic[0] == 13); /* -2 + 15 */
}

/* Above the small-product threshold every kind goes through BLAS (transposed, batched): exact
 * on integer-valued data, so it must equal the naive sum. */
TEST(gemm_blas_kinds) {
    vt_error e;
    enum { M = 40, N = 36, K = 50 };
    for (int kind = 0; kind < 4; kind++) {
        bool cplx = kind >= 2, single = kind == 0 || kind == 2;
        int w = cplx ? 2 : 1;
        double A[2 * M * K], B[2 * K * N], R[2 * M * N];
        for (int i = 0; i < w * M * K; i++) A[i] = (double)((i * 7) % 11 - 5);
        for (int i = 0; i < w * K * N; i++) B[i] = (double)((i * 5) % 13 - 6);
        /* A stored transposed (K x M), B plain (K x N) */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double re = 0, im = 0;
                for (int p = 0; p < K; p++) {
                    const double *a = A + w * (p * M + i), *b = B + w * (p * N + j);
                    re += a[0] * b[0] - (cplx ? a[1] * b[1] : 0);
                    if (cplx) im += a[0] * b[1] + a[1] * b[0];
                }
                R[w * (i * N + j)] = re;
                if (cplx) R[w * (i * N + j) + 1] = im;
            }
        float Af[2 * M * K], Bf[2 * K * N], Cf[2 * M * N];
        double Cd[2 * M * N];
        for (int i = 0; i < w * M * K; i++) Af[i] = (float)A[i];
        for (int i = 0; i < w * K * N; i++) Bf[i] = (float)B[i];
        static const vt_gemm_kind kinds[] = {VT_GEMM_F32, VT_GEMM_F64, VT_GEMM_C64, VT_GEMM_C128};
        vt_gemm_desc g = {kinds[kind], true, false, M, N, K, single ? (void *)Af : (void *)A, single ? (void *)Bf : (void *)B,
                          single ? (void *)Cf : (void *)Cd, M, N, N, 1, NULL, NULL, 0};
        CHECK_EQ_INT(vt_gemm(&g, 2, &e), VT_OK);
        int bad = 0;
        for (int i = 0; i < w * M * N; i++) bad += (single ? (double)Cf[i] : Cd[i]) != R[i];
        CHECK_MSG(bad == 0, "kind %d: %d elements differ", kind, bad);
    }
}

static void count_task(void *ctx, size_t t) { atomic_fetch_add(&((atomic_int *)ctx)[t], 1); }

TEST(parallel_for) {
    static atomic_int hits[1000];
    int ths[] = {1, 2, 3, 8, 64};
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < 1000; i++) atomic_init(&hits[i], 0);
        vt_parallel_for(ths[k], 1000, count_task, hits);
        int bad = 0;
        for (int i = 0; i < 1000; i++) bad += atomic_load(&hits[i]) != 1;
        CHECK_EQ_INT(bad, 0);
    }
    vt_parallel_for(4, 0, count_task, hits); /* no tasks: nothing runs */
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--child") == 0) return child(argc, argv);
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n > 0) self_path[n] = 0;
    RUN(cpuid_choice);
    RUN(info_and_selftest);
    RUN(reexec);
    RUN(gemm_kinds);
    RUN(gemm_blas_kinds);
    RUN(parallel_for);
    return vt_test_finish();
}
