/* Shared pieces of the reference transformer's graph emitters (model_graph.c): the emitter
 * context, the parameter layout per config, type and constant helpers, and the outlined private
 * functions every graph calls. */
#ifndef VT_MODEL_INTERNAL_H
#define VT_MODEL_INTERNAL_H

#include "veritor/hlo_builder.h"
#include "veritor/workload.h"

/* A layer's parameters by role. RMSNorm layers have no biases (8 parameters), LayerNorm layers
 * all 10; the canonical order within a layer is this order minus the absent slots. */
enum { SL_N1G, SL_N1B, SL_WQ, SL_WK, SL_WV, SL_WO, SL_N2G, SL_N2B, SL_W1, SL_W2, SL_COUNT };
#define VT_MODEL_PER_LAYER_MAX SL_COUNT
#define VT_MODEL_MAX_PARAMS (2 + 1024 * VT_MODEL_PER_LAYER_MAX + 2)
#define VT_MODEL_NONE ((size_t)-1)

/* Where each parameter sits in the canonical order of a config. */
typedef struct vt_mlayout {
    size_t wte, wpe;        /* wpe VT_MODEL_NONE with RoPE */
    size_t layer0, per_layer;
    int slot[SL_COUNT];     /* index within a layer, -1 when absent */
    size_t fnorm, fbias;    /* fbias VT_MODEL_NONE with RMSNorm */
    size_t n;
} vt_mlayout;

void vt_model_layout(const vt_model_config *c, vt_mlayout *lo);

typedef struct vt_mg {
    vt_builder *b;
    const vt_model_config *c;
    vt_dtype dt;
    vt_mlayout lo;
    bool kv; /* prefill's @attention / @block also return the layer's k and v */
    /* Outlined functions, emitted on first use (shapes are fixed per module). */
    vt_func *norm, *softmax, *mlp, *attention, *block;
    /* The parameter types in canonical order. */
    const vt_type *ptypes[VT_MODEL_MAX_PARAMS];
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

/* Layer l's parameters among p (all parameters) by slot; absent slots NULL. Returns the
 * layer's parameters in canonical order in `ordered` (per_layer of them) when non-NULL. */
void vt_mg_layer(vt_mg *g, vt_value *const *p, uint32_t l, vt_value *slots[SL_COUNT], vt_value **ordered);

/* Outlined functions on a hidden-state type x_t ([..., d]); created once per module. The norm
 * is @rms_norm(x, gain) or @layer_norm(x, gain, bias) by config; vt_mg_apply_norm calls it. */
vt_func *vt_mg_norm(vt_mg *g, const vt_type *x_t);
vt_value *vt_mg_apply_norm(vt_mg *g, vt_value *x, vt_value *gain, vt_value *bias);
vt_func *vt_mg_softmax(vt_mg *g, const vt_type *s_t);
vt_func *vt_mg_mlp(vt_mg *g, const vt_type *x_t);
/* RoPE tables for positions pos ([n] i32): cos and sin [n, dh/2] in the compute dtype. */
void vt_mg_rope_tables(vt_mg *g, vt_value *pos, vt_value **cos_out, vt_value **sin_out);
/* Rotates x [..., H, dh] (half-split); the tables [n, dh/2] map to dims (pos_dim, last).
 * inverse rotates by minus the angle (the backward pass). */
vt_value *vt_mg_rope_apply(vt_mg *g, vt_value *x, vt_value *cos, vt_value *sin, int64_t pos_dim, bool inverse);
/* Emits embedding (gather + learned positions when the config has them), returns [B,T,d] for
 * tokens [B,T]; wpe NULL with RoPE. */
vt_value *vt_mg_embed(vt_mg *g, vt_value *wte, vt_value *wpe, vt_value *tokens);
/* Prefill-shaped layer on x [B,T,d]: @block(x, layer params) -> x (and k, v [B,T,d] with g->kv). */
vt_func *vt_mg_block(vt_mg *g, const vt_type *x_t);
/* Logits h [..., d] . wte^T -> [..., V]. */
vt_value *vt_mg_logits(vt_mg *g, vt_value *h, vt_value *wte);
/* Variadic-reduce argmax over the last dim of x [R, V] -> [R] i32 (ties to the lowest index). */
vt_value *vt_mg_argmax(vt_mg *g, vt_value *x);
/* The fingerprint matrix R^T / sqrt(k) [d, fp_k] in the compute dtype, generated from key
 * ([2] ui32) with Threefry: bit-identical to vt_model_fp_matrix. */
vt_value *vt_mg_fp_matrix(vt_mg *g, vt_value *key);
/* Rademacher +-1 block [rows, k] (f32) for the flattened-vector columns c0 .. c0 + rows - 1 of
 * docs/fingerprints.md under key ([2] ui32); c0 ([] ui32) a multiple of 32, rows too. */
vt_value *vt_mg_rademacher_rows(vt_mg *g, vt_value *key, vt_value *c0, int64_t rows, uint32_t k);
/* Gradient fingerprint of grads (n tensors in canonical order) under key ([2] ui32): f32 [k],
 * vt_model_grad_fingerprint's projection, by a while loop over chunks of the flattened f32
 * gradient (32768 elements for k <= 64, halved as k grows; signs applied through byte tables:
 * model_fp.c). */
vt_value *vt_mg_grad_fp(vt_mg *g, vt_value *const *grads, size_t n, vt_value *key);
/* VT_EUNSUPPORTED when the flattened gradient is too long for a 32-bit stream counter. */
vt_status vt_model_grad_fp_check(const vt_model_config *c, vt_error *err);

/* Per-layer fingerprints (model_prefill.c; used by decode and teacher forcing): the layer-list
 * check (VT_EINPUT naming the graph) and R^T / sqrt(k) under vt_key_lsh(key, layer), in-graph. */
vt_status vt_mg_check_fp_layers(const vt_model_config *c, const char *name, const uint32_t *layers, size_t n,
                                vt_error *err);
vt_value *vt_mg_layer_fp_matrix(vt_mg *g, vt_value *key, uint32_t layer);

#endif
