/* vt_execute_grid: the entry function run as an SPMD program on a replica x partition grid, the
 * same set-up as vt_execute (exec.c) with the processes run by op_collective.c's scheduler. */
#include "interp/interp_internal.h"

#include <stdlib.h>
#include <string.h>

vt_status vt_check_entry_args(const vt_func *fn, const vt_rvalue *args, size_t nargs, vt_error *err);
vt_status vt_run_begin(vt_run *r, vt_engine *e, const vt_module *m, const vt_limits *limits, vt_error *err);
void vt_run_end(vt_run *r, vt_run_stats *stats);
vt_status vt_run_grid(vt_run *r, uint32_t R, uint32_t P, const vt_func *const *fns, const vt_rvalue *const *args,
                      vt_rvalue *const *results);

vt_status vt_execute_grid(vt_engine *e, const vt_module *m, const char *entry, const vt_rvalue *args, size_t nargs,
                          const vt_limits *limits, uint32_t replicas, uint32_t partitions, vt_rvalue **results,
                          size_t *nresults, vt_run_stats *stats, vt_error *err) {
    *nresults = 0;
    if (replicas == 0 || partitions == 0 || replicas > 64 || partitions > 64 || replicas * partitions > 256)
        return vt_error_set(err, VT_EINPUT,
                            "grid of %u replicas x %u partitions: need 1 to 64 of each and at most 256 processes",
                            replicas, partitions);
    uint32_t N = replicas * partitions;
    memset(results, 0, N * sizeof *results);
    const vt_func *fn;
    vt_status s = vt_module_entry(m, entry, &fn, err);
    if (s != VT_OK) return s;
    if ((s = vt_check_entry_args(fn, args, nargs, err)) != VT_OK) return s;
    const vt_func **fns = calloc(N, sizeof *fns);
    const vt_rvalue **pargs = calloc(N, sizeof *pargs);
    for (uint32_t i = 0; fns && pargs && i < N; i++) {
        fns[i] = fn;
        pargs[i] = args;
        if (!(results[i] = calloc(fn->nresults ? fn->nresults : 1, sizeof **results))) break;
    }
    if (!fns || !pargs || !results[N - 1]) s = vt_error_set(err, VT_ENOMEM, "out of memory");
    vt_run r;
    if (s == VT_OK && (s = vt_run_begin(&r, e, m, limits, err)) == VT_OK) {
        vt_error_clear(err);
        s = vt_run_grid(&r, replicas, partitions, fns, pargs, results);
        vt_run_end(&r, stats);
    }
    free(fns);
    free(pargs);
    if (s != VT_OK) {
        /* the grid released every result value on failure; only the arrays are left */
        for (uint32_t i = 0; i < N; i++) {
            free(results[i]);
            results[i] = NULL;
        }
        return s;
    }
    *nresults = fn->nresults;
    return VT_OK;
}
