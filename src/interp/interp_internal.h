/* Private state of one execution: the run context (limits, accounting, loop counters), frames
 * of value slots, per-block plans (last uses, fused groups) and the op dispatch table. */
#ifndef VT_INTERP_INTERNAL_H
#define VT_INTERP_INTERNAL_H

#include "veritor/interp.h"
#include "interp/kctx.h"

#define VT_MAX_LOOP_NEST 64

typedef struct vt_hook_entry {
    char *target;
    vt_hook_fn fn;
    void *user;
} vt_hook_entry;

struct vt_engine {
    int threads;
    vt_logger logger;
    uint32_t num_replicas, num_partitions;
    bool no_fusion;
    vt_hook_entry *hooks;
    size_t nhooks, caphooks;
    vt_infeed_fn infeed;
    vt_outfeed_fn outfeed;
    void *feed_user;
};

/* Byte accounting shared by a run and the tensors it allocated; tensors may outlive the run
 * (results), so it is reference counted: one reference for the run, one per live tensor. */
typedef struct vt_acct {
    uint64_t refs;
    uint64_t live, peak, total;
} vt_acct;

typedef struct vt_block_plan vt_block_plan;
typedef struct vt_func_plan vt_func_plan;
typedef struct vt_plan_cache vt_plan_cache;

typedef struct vt_run {
    vt_engine *e;
    const vt_module *m;
    vt_limits lim;
    vt_kctx kc;
    vt_acct *acct;
    uint64_t ops, iterations, fuel_start;
    double t0;
    uint32_t depth;
    bool located; /* the error already names the op where it happened */
    bool fuse;    /* plan elementwise fusion groups */
    uint64_t iters[VT_MAX_LOOP_NEST];
    size_t niters;
    vt_plan_cache *cache;
    uint32_t replica_id, partition_id;
    /* set inside interpreter.run_parallel: the rendezvous of the processes (op_collective.c) */
    struct vt_coll *coll;
    /* interpreter.probe records, compared by check.expect_serialized_eq */
    char **probe_ids;
    vt_tensor **probes;
    size_t nprobes;
    vt_error *err;
} vt_run;

/* Value slots of one function invocation: slot of value v is slots[v->id - base]. */
typedef struct vt_frame {
    vt_rvalue *slots;
    uint32_t base, n;
} vt_frame;

/* Executes one op: in[] are the operand values (borrowed), out[] receives one new reference
 * per result. consumable has bit i set when operand i dies here and may be reused in place. */
typedef vt_status (*vt_exec_fn)(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t consumable,
                                vt_rvalue *out);

typedef struct vt_step {
    const vt_op *op;          /* first op (the only one unless fused) */
    vt_exec_fn fn;
    int aux;                  /* op-specific: unary/binary op, compare dir, ... */
    uint32_t *release;        /* value ids whose last use is this step */
    uint32_t nrelease;
    struct vt_fused_group *fused; /* non-NULL: runs ops [op .. op + nops) as one program */
} vt_step;

struct vt_block_plan {
    const vt_block *block;
    vt_step *steps;
    size_t nsteps;
    uint32_t *release_args;   /* block arguments that are never used */
    uint32_t nrelease_args;
};

struct vt_func_plan {
    const vt_func *func;
    uint32_t base, n;         /* value id range of the function */
};

/* Plans are built lazily, once per block / function per run. */
vt_plan_cache *vt_plan_cache_new(void);
void vt_plan_cache_free(vt_plan_cache *c);
vt_status vt_plan_block(vt_run *r, const vt_block *b, const vt_block_plan **out);
vt_status vt_plan_func(vt_run *r, const vt_func *fn, const vt_func_plan **out);

/* ---- execution (exec.c) ---- */
/* Runs region `reg` (its first block) in frame f with args bound to the block arguments;
 * results receive the terminator's operands (new references). */
vt_status vt_exec_region(vt_run *r, vt_frame *f, const vt_region *reg, const vt_rvalue *args, size_t nargs,
                         vt_rvalue *results, size_t nresults);
/* Calls a function with a new frame. */
vt_status vt_exec_call(vt_run *r, const vt_func *fn, const vt_rvalue *args, size_t nargs, vt_rvalue *results,
                       size_t nresults);
/* True when a region typed on scalars (reduce, map, sort bodies) holds only elementwise ops and
 * constants: elementwise ops derive result shapes from their operands and broadcast rank-0
 * ones, so vt_exec_region can then run the body once on whole tensors ("lifted"). */
bool vt_region_is_liftable(const vt_region *reg);
vt_exec_fn vt_exec_fn_for(const vt_op *op, int *aux);

/* ---- allocation and accounting (rt_alloc.c) ---- */
vt_tensor *vt_rt_alloc(vt_run *r, vt_dtype t, int rank, const int64_t *dims);
vt_tensor *vt_rt_alloc_like(vt_run *r, const vt_type *type);
vt_status vt_rt_charge(vt_run *r, uint64_t units);
vt_status vt_rt_tick(vt_run *r); /* per op: base fuel, op count, deadline */
/* Takes `t` (a reference) into run accounting by copying when it was not allocated here. */

/* ---- attribute helpers (op_attrs.c) ---- */
bool vt_attr_i64s(const vt_op *op, const char *name, int64_t *out, size_t cap, size_t *n);
bool vt_field_i64s(const vt_attr *dict, const char *name, int64_t *out, size_t cap, size_t *n);
bool vt_attr_i64(const vt_op *op, const char *name, int64_t *out);
const char *vt_attr_enum(const vt_op *op, const char *name);

/* Helpers for op implementations. */
vt_status vt_rt_expect_tensor(vt_run *r, const vt_op *op, const vt_rvalue *v, size_t index, vt_tensor **out);
vt_status vt_rt_unsupported(vt_run *r, const vt_op *op, const char *what);
/* Result tensor for result i of op: static dims from its type. */
vt_tensor *vt_rt_result(vt_run *r, const vt_op *op, size_t i);

#endif
