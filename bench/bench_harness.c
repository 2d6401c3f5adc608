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
