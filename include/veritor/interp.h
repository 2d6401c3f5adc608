/* veritor interp layer: executes a verified StableHLO module on the CPU, deterministically and
 * within hard limits. Graphs come from an untrusted prover: the only way a graph reaches code
 * outside the engine is a custom_call whose target was registered as a hook through this API. */
#ifndef VERITOR_INTERP_H
#define VERITOR_INTERP_H

#include "veritor/hlo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- runtime values ------------------------------------------------------------------------ */
typedef enum vt_rvalue_kind { VT_RV_NONE, VT_RV_TENSOR, VT_RV_TOKEN, VT_RV_TUPLE } vt_rvalue_kind;

/* A runtime value: a tensor (one reference held), a token, or a tuple of values. */
typedef struct vt_rvalue {
    vt_rvalue_kind kind;
    vt_tensor *tensor;          /* TENSOR */
    size_t n;                   /* TUPLE */
    struct vt_rvalue *elems;    /* TUPLE: malloc'ed array of n values */
} vt_rvalue;

vt_rvalue vt_rvalue_tensor(vt_tensor *t); /* takes over the caller's reference */
vt_rvalue vt_rvalue_token(void);
/* Deep copy of references (tensors retained, tuple arrays duplicated). */
vt_status vt_rvalue_copy(const vt_rvalue *v, vt_rvalue *out, vt_error *err);
void vt_rvalue_release(vt_rvalue *v);
void vt_rvalues_release(vt_rvalue *vs, size_t n); /* releases each, then free(vs) */

/* ---- limits -------------------------------------------------------------------------------- */
/* Per execution. Every exceeded limit is VT_ELIMIT with its own message; all memory is returned.
 * Defaults (vt_limits_default, docs/interpreter.md) let the reference models run and stop a
 * hostile endless loop within seconds. 0 means "no limit" for every field. */
typedef struct vt_limits {
    uint64_t max_live_bytes;      /* tensor bytes alive at once */
    uint64_t max_total_bytes;     /* tensor bytes allocated over the whole run */
    uint64_t fuel;                /* work units: elements touched, multiply-adds, per-op base cost */
    uint64_t max_iterations;      /* while-loop iterations over the whole run */
    uint32_t max_call_depth;      /* nested calls (func.call, composite, region bodies) */
    uint64_t max_tensor_bytes;    /* bytes of any one tensor */
    double deadline_seconds;      /* wall clock */
} vt_limits;
void vt_limits_default(vt_limits *l);

typedef struct vt_run_stats {
    uint64_t fuel_used;
    uint64_t peak_live_bytes;
    uint64_t total_bytes;
    uint64_t ops_executed;
    uint64_t iterations;
    double seconds;
} vt_run_stats;

/* ---- engine: hooks, feeds, threads ------------------------------------------------------------ */
typedef struct vt_engine vt_engine;

typedef struct vt_engine_options {
    int threads;        /* worker threads for kernels; 0: all online cores */
    vt_logger logger;
    /* Replica x partition grid for collectives (1 x 1 by default). */
    uint32_t num_replicas, num_partitions;
    /* Run every elementwise op on its own instead of fusing chains (benchmarks, tests). */
    bool no_fusion;
} vt_engine_options;

/* What a hook sees: the op, its evaluated operands, and room for its results (one per result
 * type; the hook must fill every one with a value of exactly that type). */
typedef struct vt_hook_call {
    vt_engine *engine;
    const vt_op *op;
    const char *target;             /* custom_call target, or the op name for check.* ops */
    const vt_rvalue *operands;
    size_t noperands;
    vt_rvalue *results;
    size_t nresults;
    const vt_type *const *result_types;
    const uint64_t *iters;          /* iteration counts of enclosing whiles, outermost first */
    size_t niters;
    uint32_t replica_id, partition_id;
} vt_hook_call;
/* Returns VT_OK, or an error: VT_ECHECK for a failed check (the run stops unless the hook is
 * registered as non-fatal), others as usual. */
typedef vt_status (*vt_hook_fn)(void *user, vt_hook_call *call, vt_error *err);

typedef vt_status (*vt_infeed_fn)(void *user, const vt_type *const *types, size_t n, vt_rvalue *out, vt_error *err);
typedef vt_status (*vt_outfeed_fn)(void *user, const vt_rvalue *values, size_t n, vt_error *err);

vt_engine *vt_engine_create(const vt_engine_options *opt, vt_error *err);
void vt_engine_destroy(vt_engine *e);
/* Registers a handler for a custom_call target (e.g. "veritor.fingerprint") or a check op name
 * ("check.expect_eq"). Re-registering a target replaces it. */
vt_status vt_engine_register_hook(vt_engine *e, const char *target, vt_hook_fn fn, void *user, vt_error *err);
void vt_engine_set_feeds(vt_engine *e, vt_infeed_fn infeed, vt_outfeed_fn outfeed, void *user);
int vt_engine_threads(const vt_engine *e);

/* ---- execution -------------------------------------------------------------------------------- */
/* Picks the entry: `name` when given, else @main, else the only public function. */
vt_status vt_module_entry(const vt_module *m, const char *name, const vt_func **out, vt_error *err);

/* Runs `entry` (see vt_module_entry) on args. The module must have passed vt_module_verify.
 * Arguments must match the entry's types exactly (VT_EINPUT naming the argument). On success
 * *results is a malloc'ed array of *nresults values (vt_rvalues_release). */
vt_status vt_execute(vt_engine *e, const vt_module *m, const char *entry, const vt_rvalue *args, size_t nargs,
                     const vt_limits *limits, vt_rvalue **results, size_t *nresults, vt_run_stats *stats,
                     vt_error *err);

/* Runs `entry` as an SPMD program on an R x P replica x partition grid (veritor run --replicas
 * --partitions): every process gets the same args; replica_id / partition_id and the collectives
 * see the grid (docs/collectives.md). Limits and stats cover the whole grid. results must have room
 * for R * P pointers: on success results[r * P + p] is a malloc'ed array of *nresults values
 * (vt_rvalues_release each); on failure all are NULL. 1 x 1 gives what vt_execute gives. */
vt_status vt_execute_grid(vt_engine *e, const vt_module *m, const char *entry, const vt_rvalue *args, size_t nargs,
                          const vt_limits *limits, uint32_t replicas, uint32_t partitions, vt_rvalue **results,
                          size_t *nresults, vt_run_stats *stats, vt_error *err);

/* Deterministic random inputs for a function's arguments (veritor run --random-inputs): from
 * the Threefry key of `seed`, argument i drawn with key fold_in-like counter (i): floats
 * N(0,1), integers uniform in [0, 16), booleans fair coins. See docs/interpreter.md. */
vt_status vt_random_args(const vt_func *f, uint64_t seed, uint64_t max_tensor_bytes, vt_rvalue **args,
                         size_t *nargs, vt_error *err);

/* ---- conformance checks ----------------------------------------------------------------------
 * Handlers for the check dialect ops (check.expect_eq, expect_eq_const, expect_almost_eq(_const),
 * expect_close, expect_serialized_eq) and the testdata's custom_calls (@check.expect_eq,
 * @check.expect_close (3 ULP), @check.expect_almost_eq (1e-3), @check.eq -> tensor<i1>), with
 * the tolerances of the conformance README. A failed check stops the run with VT_ECHECK naming
 * the element, both values and the difference. */
typedef struct vt_check_stats {
    uint64_t passed, failed, skipped;
} vt_check_stats;
vt_status vt_engine_register_checks(vt_engine *e, vt_check_stats *stats, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
