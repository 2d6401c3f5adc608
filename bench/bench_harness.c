/* Benchmark harness implementation (see bench_harness.h). */
#include "bench_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double vt_bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double vt_bench_median(double *v, int n) {
    if (n <= 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool vt_bench_selected(const char *name) {
    const char *f = getenv("VT_BENCH_FILTER");
    return !f || !*f || strncmp(name, f, strlen(f)) == 0;
}

void vt_bench_print(const char *name, double value, const char *unit) {
    printf("bench %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}

void vt_bench_print_ratio(const char *name, double value, const char *unit, double ratio, const char *baseline) {
    printf("bench %s %.6g %s ratio=%.3f baseline=%s\n", name, value, unit, ratio, baseline);
    fflush(stdout);
}

size_t vt_bench_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = (size_t)strtoull(line + 6, NULL, 10);
    fclose(f);
    return kb * 1024;
}

void vt_bench_reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return;
    fputs("5", f);
    fclose(f);
}

vt_module *vt_bench_parse(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_parse_options po = {"bench.mlir", 1, NULL};
    if (vt_parse_module(text, strlen(text), &po, &m, &err) != VT_OK || vt_module_verify(m, &err) != VT_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    return m;
}

double vt_bench_time_module(vt_engine *e, const vt_module *m, const vt_rvalue *args, size_t nargs, int reps,
                            vt_run_stats *st) {
    double t[32];
    if (reps < 1) reps = 1;
    if (reps > 32) reps = 32;
    vt_limits lim;
    vt_limits_default(&lim);
    lim.max_iterations = 0;
    for (int i = 0; i < reps; i++) {
        vt_rvalue *res;
        size_t nres;
        vt_error err;
        double t0 = vt_bench_now();
        if (vt_execute(e, m, NULL, args, nargs, &lim, &res, &nres, st, &err) != VT_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        t[i] = vt_bench_now() - t0;
        vt_rvalues_release(res, nres);
    }
    return vt_bench_median(t, reps);
}
