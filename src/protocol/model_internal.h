/* Shared pieces of the reference transformer's graph emitters (model_graph.c): the emitter
 * context, type and constant helpers, and the outlined private functions every graph calls. */
#ifndef VT_MODEL_INTERNAL_H
#define VT_MODEL_INTERNAL_H

#include "veritor/hlo_builder.h"
#include "veritor/workload.h"

#define VT_MODEL_PER_LAYER 8

typedef struct vt_mg {
    vt_builder *b;
    const vt_model_config *c;
    vt_dtype dt;
    /* Outlined functions, emitted on first use (shapes are fixed per module). */
    vt_func *rms_norm, *softmax, *mlp, *attention, *block;
    /* The parameter types in canonical order. */
    const vt_type *ptypes[2 + 1024 * VT_MODEL_PER_LAYER + 1];
    size_t nparams;
} vt_mg;

/* Starts a module `jit_<name>`; fills g. */
vt_status vt_mg_begin(vt_mg *g, const vt_model_config *c, const char *name, vt_error *err);
/* Verifies and hands out the module (or frees it on error). */
vt_status vt_mg_finish(vt_mg *g, vt_module **out, vt_error *err);

const vt_type *vt_mg_ty(vt_mg *g, vt_dtype dt, int rank, const int64_t *dims);
/* Scalar constant broadcast to type t (JAX: constant + broadcast_in_dim). */
vt_value *vt_mg_full(vt_mg *g, const vt_type *t, double v);
vt_value *vt_mg_mul_s(vt_mg *g, vt_value *x, double v);
/* x [..., n] . w [n, m] -> [..., m]. */
vt_value *vt_mg_matmul(vt_mg *g, vt_value *x, vt_value *w);
/* Calls f and returns its result i (NULL on error). */
vt_value *vt_mg_call(vt_mg *g, vt_func *f, vt_value *const *args, size_t n, size_t i);
vt_op *vt_mg_call_op(vt_mg *g, vt_func *f, vt_value *const *args, size_t n);
/* Opens a private function (saving the insertion point in *saved). */
vt_func *vt_mg_private(vt_mg *g, const char *name, const vt_type *const *args, size_t nargs,
                       const vt_type *const *res, size_t nres, vt_block **saved);

/* Outlined functions on a hidden-state type x_t ([..., d]); created once per module. */
vt_func *vt_mg_rms_norm(vt_mg *g, const vt_type *x_t);
vt_func *vt_mg_softmax(vt_mg *g, const vt_type *s_t);
vt_func *vt_mg_mlp(vt_mg *g, const vt_type *x_t);
/* Emits embedding (gather + learned positions), returns [B,T,d] for tokens [B,T]. */
vt_value *vt_mg_embed(vt_mg *g, vt_value *wte, vt_value *wpe, vt_value *tokens);
/* Prefill-shaped layer on x [B,T,d]: @block(x, 8 params) -> x. */
vt_func *vt_mg_block(vt_mg *g, const vt_type *x_t);
/* Logits h [..., d] . wte^T -> [..., V]. */
vt_value *vt_mg_logits(vt_mg *g, vt_value *h, vt_value *wte);
/* Variadic-reduce argmax over the last dim of x [R, V] -> [R] i32 (ties to the lowest index). */
vt_value *vt_mg_argmax(vt_mg *g, vt_value *x);

#endif
