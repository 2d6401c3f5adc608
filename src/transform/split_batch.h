/* Private state of batch splitting (split_batch.c drives analysis and emission, split_batch_rules.c
 * holds the per-op rules and the uniformity test); not public API. */
#ifndef VT_TRANSFORM_SPLIT_BATCH_H
#define VT_TRANSFORM_SPLIT_BATCH_H

#include "transform/xf_util.h"

/* One function under one signature of argument batch dims (a function called with different
 * batch layouts gets one specialisation each). bd[value id] is -1 (not batched: the value is
 * exactly the source's, full size) or the dimension that carries the batch. */
typedef struct sb_spec {
    const vt_func *f;
    int8_t *argbd, *resbd;
    int8_t *bd;
    bool analyzing, analyzed, queued;
    char *new_name; /* set when emission first needs it */
} sb_spec;

typedef struct sb_ctx {
    const vt_module *src;
    int64_t B, s;            /* batch size and sub-batch size */
    sb_spec **specs;
    size_t nspecs, capspecs;
    uint64_t *uni_known, *uni_yes; /* per value id, one bit per dimension */
    vt_buf label;            /* scratch for op labels */
    int depth;
    int lenient;             /* > 0 inside a loop's fixed-point rounds (see analyze_while) */
    /* emission */
    vt_builder *b;
    vt_module *dst;
    vt_xf_map *map;
    vt_xf_strset names;      /* function names taken in the new module */
    sb_spec **queue;         /* specialisations still to emit */
    size_t nqueue, capqueue;
} sb_ctx;

#define SB_MAX_DEPTH 256

/* "@main/14 stablehlo.reduce" (valid until the next call). */
const char *vt_sb_label(sb_ctx *c, const vt_op *op);
/* True when v (a source value) is the same along dimension d: every slice along d equal. */
bool vt_sb_uniform(sb_ctx *c, const vt_value *v, int d);
/* Batch dims of op's results from its operands' (obd, one per operand, not all -1), for ops
 * without control flow. need[i] >= 0: operand i is not batched and must be cut to the sub-batch
 * along that dimension (checked to be uniform). VT_EINPUT when op mixes batch elements,
 * VT_EUNSUPPORTED when no rule covers it. */
vt_status vt_sb_rule(sb_ctx *c, const vt_op *op, const int *obd, int *rbd, int *need, vt_error *err);
/* Rewrites attributes of dst (a copy of src) that name the batch size: slice limits, dynamic
 * slice and gather slice sizes. */
vt_status vt_sb_patch_attrs(sb_ctx *c, const vt_op *src, vt_op *dst, const int *obd, vt_error *err);

/* split_batch_analyze.c: the specialisation of f for argument layout argbd, analysed on first
 * request (site: the call op, for messages; NULL for the entry). Recursion is VT_EUNSUPPORTED. */
vt_status vt_sb_get_spec(sb_ctx *c, const vt_func *f, const int *argbd, const vt_op *site, sb_spec **out, vt_error *err);
/* Operand batch dims of op under sp (into stack when it has <= 16 operands, else malloc'ed). */
int *vt_sb_operand_bds(const sb_spec *sp, const vt_op *op, int *stack);
bool vt_sb_any_batched(const int *v, size_t n);
const vt_op *vt_sb_terminator(const vt_block *blk); /* the block's return, or NULL */

#endif
