/* Dispatch: the exec function of each op, looked up once per op when a block is planned. Ops
 * without one fail when executed, naming the op: an unsupported op is never skipped. */
#include "interp/interp_internal.h"

vt_exec_fn vt_exec_elementwise_fn(const vt_op *op);
vt_exec_fn vt_exec_shape_fn(const vt_op *op);
vt_exec_fn vt_exec_reduce_fn(const vt_op *op);
vt_exec_fn vt_exec_dot_fn(const vt_op *op);
vt_exec_fn vt_exec_control_fn(const vt_op *op);
vt_exec_fn vt_exec_hook_fn(const vt_op *op);
vt_exec_fn vt_exec_gather_fn(const vt_op *op);
vt_exec_fn vt_exec_quant_fn(const vt_op *op);
vt_exec_fn vt_exec_window_fn(const vt_op *op);
vt_exec_fn vt_exec_sort_fn(const vt_op *op);
vt_exec_fn vt_exec_collective_fn(const vt_op *op);
vt_exec_fn vt_exec_dynamic_fn(const vt_op *op);
vt_exec_fn vt_exec_linalg_fn(const vt_op *op);
vt_exec_fn vt_exec_chlo_fn(const vt_op *op);
vt_exec_fn vt_exec_fft_fn(const vt_op *op);
vt_exec_fn vt_exec_rng_fn(const vt_op *op);
vt_exec_fn vt_exec_ragged_dot_fn(const vt_op *op);

static vt_status exec_unsupported(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)in, (void)c, (void)out;
    return vt_rt_unsupported(r, op, NULL);
}

/* The op's own implementation, ignoring quantized types. */
vt_exec_fn vt_exec_base_fn_for(const vt_op *op);
vt_exec_fn vt_exec_base_fn_for(const vt_op *op) {
    vt_exec_fn (*const finders[])(const vt_op *) = {vt_exec_collective_fn, vt_exec_control_fn, vt_exec_elementwise_fn, vt_exec_shape_fn,
                                                     vt_exec_reduce_fn,  vt_exec_dot_fn,         vt_exec_hook_fn,
                                                     vt_exec_gather_fn,  vt_exec_window_fn,      vt_exec_sort_fn,
                                                     vt_exec_dynamic_fn, vt_exec_linalg_fn, vt_exec_chlo_fn,
                                                     vt_exec_fft_fn, vt_exec_rng_fn, vt_exec_ragged_dot_fn};
    for (size_t i = 0; i < sizeof finders / sizeof finders[0]; i++) {
        vt_exec_fn fn = finders[i](op);
        if (fn) return fn;
    }
    return exec_unsupported;
}

vt_exec_fn vt_exec_fn_for(const vt_op *op, int *aux) {
    *aux = 0;
    vt_exec_fn q = vt_exec_quant_fn(op);
    return q ? q : vt_exec_base_fn_for(op);
}
