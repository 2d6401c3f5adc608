/* veritor reference workloads (protocol layer): a decoder-only transformer family emitted as
 * StableHLO shaped like JAX's output, with weights drawn from the canonical PRNG. The model
 * definition, parameter order and weight derivation are specified in docs/model.md. */
#ifndef VERITOR_WORKLOAD_H
#define VERITOR_WORKLOAD_H

#include "veritor/hlo.h"
#include "veritor/interp.h"
#include "veritor/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vt_model_norm { VT_NORM_RMS = 0, VT_NORM_LAYER = 1 } vt_model_norm;
typedef enum vt_model_pos { VT_POS_LEARNED = 0, VT_POS_ROPE = 1 } vt_model_pos;

typedef struct vt_model_config {
    uint32_t vocab, d_model, heads, layers, d_ff, max_seq;
    uint32_t fp_k;        /* fingerprint dimension (projection of the last block's output) */
    vt_dtype compute;     /* VT_F32 or VT_F64: the graphs' float type */
    vt_dtype weights;     /* VT_F32 or VT_BF16: how weights.safetensors stores them */
    vt_model_norm norm;   /* RMSNorm or LayerNorm (adds a bias after each gain) */
    vt_model_pos pos;     /* learned (wpe) or RoPE (no wpe; needs an even head dimension) */
} vt_model_config;

/* "tiny" (V=256 d=64 L=2), "small" (V=4096 d=256 L=4), "medium" (V=32000 d=768 L=12). */
vt_status vt_model_preset(const char *name, vt_model_config *c, vt_error *err);
/* Sizes, divisibility, dtypes, norm and positions. */
vt_status vt_model_config_check(const vt_model_config *c, vt_error *err);
/* JSON text of the config (for config.json); caller frees. NULL on out of memory. */
char *vt_model_config_json(const vt_model_config *c);
/* Reads config.json as written by vt_model_config_json. */
vt_status vt_model_config_parse(const char *text, size_t len, vt_model_config *c, vt_error *err);

/* Parameters in their canonical order (docs/model.md): names, shapes. */
size_t vt_model_num_params(const vt_model_config *c);
/* name of parameter i into name (cap bytes), its rank (1 or 2) and dims. */
vt_status vt_model_param_info(const vt_model_config *c, size_t i, char *name, size_t cap, int *rank, int64_t dims[2],
                              vt_error *err);
/* Weights from seed: parameter i is normal_f32(fold_in(PRNGKey(seed), i)) * scale (norm gains
 * are ones, LayerNorm biases zeros), stored in c->weights. */
vt_status vt_model_init_weights(const vt_model_config *c, uint64_t seed, vt_tensor_set **out, vt_error *err);
/* The parameters of set, checked against the config (names, shapes) and converted to the
 * compute dtype, as graph arguments args[0 .. num_params-1] (vt_rvalue_release each). */
vt_status vt_model_param_args(const vt_model_config *c, const vt_tensor_set *set, vt_rvalue *args, vt_error *err);
/* The fingerprint projection as a graph input: R^T / sqrt(k), [d_model, fp_k] in the compute
 * dtype, R the canonical Rademacher matrix of docs/fingerprints.md under key. */
vt_status vt_model_fp_matrix(const vt_model_config *c, vt_key key, vt_tensor **out, vt_error *err);

/* Graph emitters. Arguments of @main are the parameters in canonical order followed by the
 * graph's own inputs (see each). Modules are verified; the caller frees them. */
/* jit_prefill: tokens [B,T] i32 -> logits [B,T,V]. */
vt_status vt_model_emit_prefill(const vt_model_config *c, int64_t B, int64_t T, vt_module **out, vt_error *err);
/* prefill with extra results: after the logits, the output of each listed block ([B,T,d], in
 * list order; a layer may repeat), then with kv_cache the keys (after RoPE) and values of every
 * layer stacked as [L,B,T,d] (k, then v): what decode writes into its caches. */
typedef struct vt_model_prefill_opts {
    const uint32_t *hidden_layers; /* 0-based layer indices, each < layers */
    size_t nhidden;
    bool kv_cache;
} vt_model_prefill_opts;
vt_status vt_model_emit_prefill_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_prefill_opts *o,
                                     vt_module **out, vt_error *err);
/* jit_teacher_forcing: (tokens [B,T] i32, fingerprint key [2] ui32) -> (logits [B,T,V],
 * fingerprints [B,T,k]): R^T / sqrt(k) of vt_model_fp_matrix built in-graph from the key. */
vt_status vt_model_emit_teacher_forcing(const vt_model_config *c, int64_t B, int64_t T, vt_module **out,
                                        vt_error *err);
/* jit_decode: (prompt [P] i32, fingerprint key [2] ui32) -> (new tokens [N] i32, logits [P+N-1, V],
 * fingerprints [P+N-1, k]); row t of logits/fingerprints is position t (argmax decoding, T = 0).
 * R (as vt_model_fp_matrix) is built from the key once, before the loop, and carried. */
vt_status vt_model_emit_decode(const vt_model_config *c, int64_t P, int64_t N, vt_module **out, vt_error *err);
/* jit_decode with the canonical in-graph sampler (src/protocol/sampler_graph.c) in place of
 * argmax: @main(params..., prompt [P], fingerprint key [2] ui32, temperature [1] f32, top_k [1] i32 (0 off),
 * top_p [1] f64, min_p [1] f64, key [1,2] ui32) -> as vt_model_emit_decode. The token at
 * position t (t >= P) is vt_sampler_sample(logits row t-1 as f32, config, key, position t). */
vt_status vt_model_emit_decode_sampled(const vt_model_config *c, int64_t P, int64_t N, vt_module **out,
                                       vt_error *err);
/* Either decode graph; kv_cache adds the final caches as results 3 and 4 (k, v [L, P+N-1, d]). */
typedef struct vt_model_decode_opts {
    bool sampled;
    bool kv_cache;
} vt_model_decode_opts;
vt_status vt_model_emit_decode_opts(const vt_model_config *c, int64_t P, int64_t N, const vt_model_decode_opts *o,
                                    vt_module **out, vt_error *err);
/* Per-layer fingerprints (docs/model.md). fp_layers: 0-based block indices whose OUTPUT hidden
 * state is fingerprinted, in list order, each < layers, no repeats (at most `layers`). With a list
 * the fingerprint key input is a root: layer l's projection is vt_model_fp_matrix under
 * vt_key_lsh(key, l) (docs/fingerprints.md), built in-graph before the loop, one R per listed
 * layer carried unchanged; fingerprints become [P+N-1, nfp, k] (decode) and [B, T, nfp, k]
 * (teacher forcing), entry [.., j, :] the layer fp_layers[j]. NULL / 0: the default graphs
 * (the last block, R under the key itself), byte-identical to the emitters without options.
 * (A separate argument rather than fields of vt_model_decode_opts: callers initialise that
 * struct positionally and -Wmissing-field-initializers would break them.) */
vt_status vt_model_emit_decode_fp_layers(const vt_model_config *c, int64_t P, int64_t N, const vt_model_decode_opts *o,
                                         const uint32_t *fp_layers, size_t nfp_layers, vt_module **out,
                                         vt_error *err);
typedef struct vt_model_tf_opts {
    const uint32_t *fp_layers; /* as vt_model_emit_decode_fp_layers; NULL: the last block */
    size_t nfp_layers;
} vt_model_tf_opts;
vt_status vt_model_emit_teacher_forcing_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_tf_opts *o,
                                             vt_module **out, vt_error *err);
/* jit_fp_matrix: (fingerprint key [2] ui32) -> R^T / sqrt(k) [d, fp_k]: the in-graph R that
 * decode and teacher forcing build (bit-identical to vt_model_fp_matrix; tested). */
vt_status vt_model_emit_fp_matrix(const vt_model_config *c, vt_module **out, vt_error *err);

/* jit_train_step: mean token cross-entropy of next-token targets, its gradient by an explicit
 * backward pass, and an update. @main(params..., [AdamW: m..., v..., step (compute scalar,
 * 1-based)], tokens [B,T] i32, targets [B,T] i32, lr (compute scalar), grad key [2] ui32) ->
 * (new params..., [AdamW: m..., v...], loss (scalar), gradients..., gradient fingerprint [k] f32).
 * The grad key is vt_key_grad(root, step); the fingerprint is vt_model_grad_fingerprint's
 * projection computed in-graph (a while loop over gradient chunks, model_fp.c). AdamW: beta1 0.9,
 * beta2 0.999, eps 1e-8, weight decay 0.01 (decoupled, times lr). */
typedef enum vt_model_optimizer { VT_OPT_SGD = 0, VT_OPT_ADAMW = 1 } vt_model_optimizer;
vt_status vt_model_emit_train_step(const vt_model_config *c, int64_t B, int64_t T, vt_model_optimizer opt,
                                   vt_module **out, vt_error *err);
/* train_step with or without the gradient fingerprint (without: no grad key input and no
 * fingerprint result; for loops that need only the loss and gradients, e.g. finite differences). */
typedef struct vt_model_train_opts {
    vt_model_optimizer opt;
    bool grad_fingerprint;
} vt_model_train_opts;
vt_status vt_model_emit_train_step_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_train_opts *o,
                                        vt_module **out, vt_error *err);
/* Gradient fingerprint of one step: the streaming projection (docs/fingerprints.md) of the
 * gradients (train_step's outputs, num_params tensors in canonical order) flattened and
 * concatenated, under vt_key_grad(root, step); out has c->fp_k floats. f64 gradients are rounded
 * to f32 first. */
vt_status vt_model_grad_fingerprint(const vt_model_config *c, vt_key root, uint64_t step, const vt_tensor *const *grads,
                                    float *out, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
