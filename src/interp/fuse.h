/* Elementwise fusion groups of a block plan (see fuse.c). */
#ifndef VT_INTERP_FUSE_H
#define VT_INTERP_FUSE_H

#include "interp/interp_internal.h"
#include "interp/k_fused.h"

typedef struct vt_fused_group {
    size_t first, count;           /* ops [first, first + count) of the block */
    vt_fused_program prog;
    const vt_value **inputs;       /* register i <- value inputs[i] */
    vt_tensor **consts;            /* non-NULL: input i is a constant of the group, not a slot */
    const vt_value **slot_of;      /* non-NULL: input i reads this value's slot (a broadcast's operand) */
    size_t ninputs;
    const vt_value **outputs;      /* output k -> slot of outputs[k] */
    size_t noutputs;
    size_t nbcasts;                /* broadcast_in_dim members: charged as if they ran */
} vt_fused_group;

/* Marks fusable runs in p->steps (steps[first].fused); last[v - base] is each value's last use. */
vt_status vt_plan_fusion(const vt_block *b, vt_block_plan *p, const uint32_t *last, uint32_t base, uint32_t nlast);
vt_status vt_exec_fused(vt_run *r, vt_frame *f, const vt_fused_group *g);
void vt_fused_group_free(vt_fused_group *g);

#endif
