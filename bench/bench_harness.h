/* Benchmark harness: every figure is one line, `bench NAME VALUE UNIT` or
 * `bench NAME VALUE UNIT ratio=R baseline=BASELINE_NAME`, medians of several repetitions, with
 * the baseline measured in the same run. VT_BENCH_FILTER (from `make bench B=...`) selects
 * figures by name prefix. */
#ifndef VT_BENCH_HARNESS_H
#define VT_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "veritor/interp.h"

double vt_bench_now(void);                    /* monotonic seconds */
double vt_bench_median(double *values, int n); /* sorts values in place */
/* True when NAME is selected by VT_BENCH_FILTER (empty filter selects all). */
bool vt_bench_selected(const char *name);
void vt_bench_print(const char *name, double value, const char *unit);
void vt_bench_print_ratio(const char *name, double value, const char *unit, double ratio, const char *baseline);
/* Peak resident set size of this process in bytes (from /proc/self/status VmHWM). */
size_t vt_bench_peak_rss(void);
/* Resets the peak RSS counter where the kernel allows it (writes 5 to /proc/self/clear_refs). */
void vt_bench_reset_peak_rss(void);

/* Parses and verifies a module written in the benchmark; prints the error and exits on failure
 * (a benchmark's own text is not input to recover from). */
vt_module *vt_bench_parse(const char *text);
/* Median seconds of reps (at most 32) runs of @main on args, without an iteration limit; st
 * (may be NULL) receives the last run's stats. Exits on an execution error. */
double vt_bench_time_module(vt_engine *e, const vt_module *m, const vt_rvalue *args, size_t nargs, int reps,
                            vt_run_stats *st);

#endif
