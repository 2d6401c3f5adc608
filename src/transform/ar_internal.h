/* Private state of the autoregressive -> teacher-forcing transform (docs/transform-ar-to-tf.md):
 * the flattened graph (entry function and loop body with every call inlined), the per-step
 * tables of index values, the carry classes, and the emitter that batches the body over steps. */
#ifndef VT_TRANSFORM_AR_INTERNAL_H
#define VT_TRANSFORM_AR_INTERNAL_H

#include "veritor/transform.h"
#include "transform/xf_util.h"

/* Index values (positions, slice starts) are tracked per step only while they stay this small. */
#define AR_TAB_MAX_ELEMS 16
#define AR_MAX_CALL_DEPTH 64

/* A flat value: a source value in one call context. */
typedef enum ar_vkind { AR_V_ARG, AR_V_OP, AR_V_CARRY, AR_V_LOOP_RESULT } ar_vkind;

typedef struct ar_fval {
    const vt_type *type;
    ar_vkind kind;
    int32_t def;     /* AR_V_OP: flat op; AR_V_ARG: entry argument; CARRY/LOOP_RESULT: carry index */
    uint32_t res;    /* result index in def (AR_V_OP) */
    int32_t call;    /* first call record whose result this value is, or -1 */
    bool in_body;
    /* Per-step table (S * nelem values, row s for step s) when the value is a small integer or
     * boolean computed from counters and constants only; stepdep: it varies with the step. */
    int64_t *tab;
    uint32_t nelem;
    bool stepdep;
} ar_fval;

typedef struct ar_fop {
    const vt_op *op;
    int32_t *operands; /* flat values */
    uint32_t noperands;
    int32_t first_result;
    bool in_body;
    /* An `if` / `case` in the step body is flattened into its branches (every branch runs) and
     * one flat op per result that picks among them: op is the if/case, operands are its
     * predicate / index then that result of each branch, and its one value is result
     * branch_result of op. */
    bool branch_select;
    uint32_t branch_result;
    /* Values an op kept whole reads inside its regions from around it (implicit capture, as JAX
     * writes `case` branches): the source values and their flat values. They count as operands
     * for dependence and liveness; a region may only capture values that are the same at every
     * step. */
    const vt_value **capv;
    int32_t *captures;
    uint32_t ncaptures;
} ar_fop;

/* A func.call that flattening inlined: used to recognise a sampler called on the logits. */
typedef struct ar_call {
    const vt_op *op;
    int32_t *args;
    uint32_t nargs;
    int32_t next; /* next call record of the same result value, or -1 */
} ar_call;

/* FEEDVAL: a token fed back by value (fori style: the body returns the next token as the carry);
 * its values at steps 0..S are given as one [S+1, ...] argument. */
typedef enum ar_class { AR_C_OTHER, AR_C_COUNTER, AR_C_INVARIANT, AR_C_WRITTEN, AR_C_FEEDVAL } ar_class;

/* One carried value of the loop. */
typedef struct ar_carry {
    ar_class cls;
    int32_t init, arg, ret; /* flat values: initial value (entry level), body argument, returned */
    int64_t c0, step;       /* COUNTER: value at step s is c0 + step * s */
    /* WRITTEN: the one write per step (dynamic_update_slice or scatter on `arg`). */
    int32_t wop;            /* flat op of the write */
    int32_t upd;            /* flat value written */
    bool feedback;          /* the write depends on this carry's own reads: tokens are given */
    int rank;
    int64_t dims[VT_MAX_RANK];
    int64_t win[VT_MAX_RANK];   /* window shape of one write (operand rank) */
    int64_t *starts;            /* S * rank: window start of step s (DUS: clamped) */
    int nidx;                   /* indexed dims: those the window does not cover fully */
    int idx[VT_MAX_RANK];
    int64_t gsize;              /* product of the indexed dims */
    int32_t *owner;             /* gsize: step writing that grid cell, -1: none */
    /* emission */
    vt_value *F;                /* final buffer: given tokens or init with all steps' writes */
    vt_value *seen[2];          /* buffer as step s sees it before (0) / after (1) its write */
    int32_t logits;             /* feedback: flat value of the logits the token was drawn from */
    int logits_dim;             /* reduced dimension of those logits */
    int64_t targ;               /* feedback: index of the tokens argument in the new function */
    vt_value *given;            /* FEEDVAL: its tokens argument [S+1, ...] */
} ar_carry;

/* A buffer as the steps see it, kept lazy: select(mask[s, row], F, init) batched over s, with
 * F and init unbatched and the mask over one dimension md (vmap_masked.c). */
typedef struct ar_mv {
    bool tried, set;
    int32_t k;
    int j;
    vt_value *F, *I;
    int md;
} ar_mv;

typedef struct ar_ctx {
    const vt_module *m;
    const vt_func *entry;
    const vt_op *loop;          /* the while */
    int skip_loops;             /* whiles reached before it that were not autoregressive */
    vt_arena arena;
    ar_fval *vals;
    size_t nvals, capvals;
    ar_fop *ops;
    size_t nops, capops;
    ar_call *calls;
    size_t ncalls, capcalls;
    const vt_func *stack[AR_MAX_CALL_DEPTH];
    int depth;
    ar_carry *carries;
    size_t ncarries;
    int64_t S;                  /* number of steps */
    uint64_t max_steps;
    uint64_t max_analysis_bytes; /* dependence bits and buffer edges of ar_analyze */
    /* emission state */
    vt_builder *b;
    vt_value **em;              /* per flat value: emitted value */
    bool *batched;
    bool *live;                 /* per flat op: needed by the outputs */
    bool *argused;              /* per entry argument */
    uint8_t *dsmode;            /* per flat op: dynamic_slice of a buffer read from F (1) or init (2) only */
    bool *needF, *needInit;     /* per carry: the final buffer / initial value is read */
    ar_mv *mvs;                 /* per flat value: its lazy masked view, when it has one */
    vt_xf_map *xmap;            /* deep copies of the source's types and attributes */
    vt_xf_ptrmap origins;       /* source op -> its veritor.origin attribute in the new module */
    vt_xf_ptrmap shared;        /* source op -> its clones with unbatched operands (vmap_clone.c) */
    vt_xf_ptrmap bcasts;        /* value -> its broadcasts built so far (ar_to_tf_share.c) */
    struct ar_zero *zeros;      /* zero splats built so far */
    struct ar_cconst *cconsts;  /* integer constants emitted so far (deduplicated) */
    size_t ncconsts, capcconsts;
    vt_value **newargs;         /* per entry argument: argument of the new function */
} ar_ctx;

/* memcpy that accepts n == 0 with NULL pointers (rank-0 dims arrays). */
static inline void ar_copy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) d[i] = s[i];
}

/* "@step/17" (or the operation_id) of op into buf. */
const char *ar_op_id(const vt_op *op, char *buf, size_t n);
bool ar_is_scalar_int(const vt_type *t);
int64_t ar_type_elems(const vt_type *t);

/* ar_to_tf_flat.c: flattens entry (up to and including the first while) and the loop body. */
vt_status ar_flatten(ar_ctx *c, vt_error *err);
int32_t ar_new_val(ar_ctx *c, const vt_type *t, ar_vkind kind, int32_t def, uint32_t res, bool in_body,
                   vt_error *err);

/* ar_to_tf_tables.c: per-step tables of small integer values (after counters are known). */
vt_status ar_eval_tables(ar_ctx *c, vt_error *err);

/* ar_to_tf_loop.c: trip count, carry classes, writes, feedback and the logits of each token. */
vt_status ar_analyze(ar_ctx *c, vt_error *err);

/* ar_to_tf_emit.c: liveness in dependency order and the new function. */
vt_status ar_emit(ar_ctx *c, const char *fname, vt_ar_to_tf_info *info, vt_error *err);
/* The emitted value of flat value v (buffers, counters and arguments materialised on demand). */
vt_status ar_get(ar_ctx *c, int32_t v, vt_value **out, bool *batched, vt_error *err);
/* Emits (once) carry k's final buffer: the tokens argument, or init with every step's write. */
vt_status ar_final_buffer(ar_ctx *c, ar_carry *ca, vt_error *err);
/* The source's type / attributes copied into the new module (memoised; NULL on failure, which
 * the builder then reports). out must have room for n entries. */
const vt_type *ar_ty(ar_ctx *c, const vt_type *t);
const vt_named_attr *ar_attrs(ar_ctx *c, const vt_named_attr *a, size_t n, vt_named_attr *out);
/* Marks op (built for the source op src) with its origin id. */
void ar_tag(ar_ctx *c, vt_value *v, const vt_op *src);
/* A dense integer (or i1) constant of the given shape from row-major values. */
vt_value *ar_const_ints(ar_ctx *c, vt_dtype dt, int rank, const int64_t *dims, const int64_t *vals);
/* Whether a dynamic_slice of a buffer version reads only given/final (F) or only initial values. */
bool ar_read_region(const ar_ctx *c, const ar_carry *k, int j, const int64_t *starts, const int64_t *sizes,
                    bool *needF, bool *needInit);

/* vmap_rules.c: emits a live body op batched over the steps (or as is when nothing is batched). */
vt_status ar_vmap_op(ar_ctx *c, int32_t fop, vt_error *err);
/* dot_general op on (x0, batched b0) and (x1, b1), S moved to the front of the result. */
vt_status ar_dot_value(ar_ctx *c, const vt_op *op, vt_value *x0, bool b0, vt_value *x1, bool b1, vt_value **out,
                       vt_error *err);
void ar_set_result(ar_ctx *c, const ar_fop *fo, size_t i, vt_value *v, bool batched);

/* vmap_masked.c: buffers read by every step without a copy per step. */
/* The lazy view of flat value v (a buffer version, or a reshape of one that keeps the masked
 * dimension), NULL when it has none. */
ar_mv *ar_mv_get(ar_ctx *c, int32_t v, vt_error *err, vt_status *st);
/* The view as a batched value [S, ...] (select of broadcasts). */
vt_status ar_mv_materialize(ar_ctx *c, const ar_mv *mv, const vt_type *t, vt_value **out, vt_error *err);
/* reshape: records the view of the result; dot_general with one viewed operand: two products
 * (against F and against init) combined by the mask. *handled says whether it emitted. */
vt_status ar_mv_try_op(ar_ctx *c, int32_t fi, bool *handled, vt_error *err);
/* mask[s, cell] (i1 [S, indexed dims]) of carry k's version j: the cell comes from F. */
vt_value *ar_mask(ar_ctx *c, const ar_carry *ca, int j);
/* Whether version j of carry k reads cells from F and/or from init. */
void ar_version_needs(const ar_ctx *c, const ar_carry *ca, int j, bool *F, bool *I);

/* ar_to_tf_share.c: the op built earlier (in the current block) for source op src on the same
 * emitted operands, by the plain clone or (batched) by a batching rule; pure ops without regions
 * only (ar_shareable). */
bool ar_shareable(const vt_op *op);
vt_op *ar_shared_find(ar_ctx *c, const vt_op *src, vt_value *const *ops, uint32_t n, bool batched);
void ar_shared_add(ar_ctx *c, const vt_op *src, vt_value *const *ops, uint32_t n, bool batched, vt_op *built);
/* broadcast_in_dim of x to type t (dims bd) and a zero splat of type t, each
 * built once per insertion block. */
vt_value *ar_broadcast(ar_ctx *c, vt_value *x, const vt_type *t, const int64_t *bd, size_t nb);
vt_value *ar_zeros(ar_ctx *c, const vt_type *t);

/* x (batched or not) as a batched value of shape [S, shape of type t]. */
vt_value *ar_to_batched(ar_ctx *c, vt_value *x, bool batched, const vt_type *t);
const vt_type *ar_batched_type(ar_ctx *c, const vt_type *t);
/* The emitted values of flat op fo's captures (call before building the op, as it may emit);
 * refused when one differs per step. *out: arena array of fo->ncaptures (NULL when none). */
vt_status ar_region_captures(ar_ctx *c, const ar_fop *fo, vt_value ***out, vt_error *err);
/* Clones the regions of fo's op into dst (a built op with empty regions); caps: its captures'
 * emitted values (ar_region_captures). */
vt_status ar_clone_regions(ar_ctx *c, const ar_fop *fo, vt_value *const *caps, vt_op *dst, vt_error *err);
/* Clones an op whose operands are all unbatched. */
vt_status ar_clone_plain(ar_ctx *c, int32_t fop, vt_value **ops, vt_error *err);

#endif
