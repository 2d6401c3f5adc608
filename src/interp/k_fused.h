/* Fused elementwise execution: a small register program (inputs, elementwise instructions on
 * registers, outputs) run block by block over cache-sized slices, so a chain of ops makes one
 * pass over memory. Block boundaries are fixed, hence results never depend on threads. */
#ifndef VT_INTERP_K_FUSED_H
#define VT_INTERP_K_FUSED_H

#include "interp/k_elementwise.h"

#define VT_FUSED_MAX_REGS 64
#define VT_FUSED_MAX_OUTPUTS 16
/* Elements per block: 4096 f32 = 16 KiB per register, so a chain's live registers stay in L2. */
#define VT_FUSED_BLOCK 4096

typedef struct vt_fused_instr {
    vt_k_op op;     /* resolved at build time */
    int src[3];     /* operand registers (op.arity of them) */
    int dst;        /* result register (always a fresh one) */
} vt_fused_instr;

typedef struct vt_fused_program {
    int n_inputs;   /* registers 0 .. n_inputs-1 are the inputs, in order */
    /* bc_rank[r] >= 0: input r is broadcast into the outputs' shape as broadcast_in_dim with
     * broadcast_dimensions bc_dims[r][0 .. bc_rank[r]) (filled block by block, never whole) */
    int bc_rank[VT_FUSED_MAX_REGS];
    int64_t bc_dims[VT_FUSED_MAX_REGS][VT_MAX_RANK];
    int n_regs;
    vt_dtype reg_t[VT_FUSED_MAX_REGS];
    int n_instrs;
    vt_fused_instr instr[VT_FUSED_MAX_REGS];
    int n_outputs;
    int out_reg[VT_FUSED_MAX_OUTPUTS];
} vt_fused_program;

void vt_fused_init(vt_fused_program *p);
/* Inputs must all be declared before the first instruction. *reg receives the register. */
vt_status vt_fused_input(vt_fused_program *p, vt_dtype t, int *reg, vt_error *err);
/* An input that enters as broadcast_in_dim(input, dims) to the outputs' shape: at run time its
 * dims must be 1 or the output dim each maps to (VT_EINPUT otherwise). */
vt_status vt_fused_input_broadcast(vt_fused_program *p, vt_dtype t, int rank, const int64_t *dims, int *reg,
                                   vt_error *err);
vt_status vt_fused_unary(vt_fused_program *p, vt_unary_op op, int x, int *reg, vt_error *err);
vt_status vt_fused_binary(vt_fused_program *p, vt_binary_op op, int a, int b, int *reg, vt_error *err);
vt_status vt_fused_compare(vt_fused_program *p, vt_cmp_dir dir, vt_cmp_type ct, int a, int b, int *reg,
                           vt_error *err);
vt_status vt_fused_select(vt_fused_program *p, int pred, int on_true, int on_false, int *reg, vt_error *err);
vt_status vt_fused_clamp(vt_fused_program *p, int lo, int x, int hi, int *reg, vt_error *err);
vt_status vt_fused_convert(vt_fused_program *p, int x, vt_dtype to, int *reg, vt_error *err);
vt_status vt_fused_output(vt_fused_program *p, int reg, vt_error *err);

/* Runs the program. inputs[i] has the outputs' shape, one element (broadcast) or, when declared
 * with vt_fused_input_broadcast, a shape that broadcasts to the outputs';
 * outputs are preallocated with their register's type and must not overlap the inputs. Work is
 * charged as if each instruction ran alone (same fuel fused or not). */
vt_status vt_fused_run(vt_kctx *ctx, const vt_fused_program *p, const vt_tensor *const *inputs,
                       vt_tensor *const *outputs, vt_error *err);

#endif
