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
vt_status vt_fused_unary(vt_fused_program *p, vt_unary_op op, int x, int *reg, vt_error *err);
vt_status vt_fused_binary(vt_fused_program *p, vt_binary_op op, int a, int b, int *reg, vt_error *err);
vt_status vt_fused_compare(vt_fused_program *p, vt_cmp_dir dir, vt_cmp_type ct, int a, int b, int *reg,
                           vt_error *err);
vt_status vt_fused_select(vt_fused_program *p, int pred, int on_true, int on_false, int *reg, vt_error *err);
vt_status vt_fused_clamp(vt_fused_program *p, int lo, int x, int hi, int *reg, vt_error *err);
vt_status vt_fused_convert(vt_fused_program *p, int x, vt_dtype to, int *reg, vt_error *err);
vt_status vt_fused_output(vt_fused_program *p, int reg, vt_error *err);

/* Runs the program. inputs[i] has the outputs' shape or is a rank-0 scalar (broadcast);
 * outputs are preallocated with their register's type and must not overlap the inputs. Work is
 * charged as if each instruction ran alone (same fuel fused or not). */
vt_status vt_fused_run(vt_kctx *ctx, const vt_fused_program *p, const vt_tensor *const *inputs,
                       vt_tensor *const *outputs, vt_error *err);

#endif
