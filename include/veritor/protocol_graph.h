/* veritor protocol graphs: the canonical sampler, Threefry and the fingerprint projection emitted
 * as StableHLO functions with the builder API (ops only), so that the verifier's interpreter (or
 * any StableHLO engine) computes exactly what src/protocol/ computes in C. docs/sampling.md and
 * docs/randomness.md ("In-graph ...") specify the functions' signatures and op order. */
#ifndef VERITOR_PROTOCOL_GRAPH_H
#define VERITOR_PROTOCOL_GRAPH_H

#include "veritor/hlo_builder.h"
#include "veritor/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threefry-2x32 (20 rounds) on ui32 tensors of one type, with add / xor / shift ops only:
 * out = threefry((k0, k1), (x0, x1)) elementwise, bit-identical to vt_threefry2x32. Fills out[0],
 * out[1]; returns the builder's status. */
vt_status vt_build_threefry2x32(vt_builder *b, vt_value *k0, vt_value *k1, vt_value *x0, vt_value *x1,
                                vt_value *out[2]);
/* jax.random.fold_in on ui32 tensors: (k0, k1) <- threefry((k0, k1), (0, d)). */
vt_status vt_build_fold_in(vt_builder *b, vt_value *k[2], vt_value *d);

/* ---- the canonical sampler ------------------------------------------------------------------
 * vt_build_sampler appends a private function @name:
 *   (logits: tensor<BxVxf32>, temperature: tensor<Bxf32>, top_k: tensor<Bxi32> (0 = off),
 *    top_p: tensor<Bxf64>, min_p: tensor<Bxf64>, key: tensor<Bx2xui32> (request key words),
 *    position: tensor<Bxui64> (or, with uniform_input, u: tensor<Bxf64> in place of both)
 *    [, penalty: tensor<Bxf32>, prev: tensor<BxVxi1> (tokens the penalty applies to)])
 *   -> (token: tensor<Bxi32> [, logprob: tensor<Bxf64>])
 * Row r gives vt_sampler_sample(logits[r], V, config[r], key[r], position[r]) and, with
 * logprob, vt_sampler_logprob of that token. A row the C sampler rejects (NaN or +inf logit,
 * every logit -inf, T < 0 or not finite, top_k < 0, top_p outside (0, 1], min_p outside [0, 1],
 * penalty not finite and > 0) yields token -1. The function is left without a caller: call it
 * with vt_build_call, or use vt_build_sampler_module for a ready module. */
typedef struct vt_sampler_graph_opts {
    int64_t batch;            /* B >= 1 */
    int64_t vocab;            /* V, 1..VT_SAMPLER_MAX_VOCAB */
    bool repetition_penalty;  /* adds the penalty and prev arguments */
    bool logprob;             /* adds the logprob result */
    /* Sort with a 2-operand comparator (x > y or x == y and i < j) instead of a single compare
     * with is_stable = true; both give the order (value desc, index asc), the first is slower. */
    bool explicit_tiebreak;
    /* Replaces key and position by the uniform itself, u: tensor<Bxf64> in [0, 1), as in
     * vt_sampler_sample_u (tests at CDF boundaries; callers that derive u elsewhere). A u outside
     * [0, 1) yields token -1. */
    bool uniform_input;
} vt_sampler_graph_opts;

vt_status vt_build_sampler(vt_builder *b, const char *name, const vt_sampler_graph_opts *o, vt_func **out,
                           vt_error *err);
/* A verified module whose public @main has the sampler's signature and calls @sampler. */
vt_status vt_build_sampler_module(const vt_sampler_graph_opts *o, vt_module **out, vt_error *err);

/* ---- the fingerprint projection -------------------------------------------------------------
 * vt_build_lsh_project appends a private function @name:
 *   (h: tensor<Txdxf32>, key: tensor<2xui32>) -> tensor<Txkxf32>
 * computing (1/sqrt(k)) h R^T with the canonical Rademacher R of docs/fingerprints.md generated
 * in-graph from the key (bits32 stream, entry (j, i) from bit i % 32 of word (i / 32) k + j), so
 * R is bit-identical to vt_lsh_matrix_block's and the result equals vt_lsh_project up to the
 * summation order of the dot product. The key is an argument, so one graph serves every layer
 * key. Needs ceil(d / 32) k <= 2^32 (the counter's high word stays 0); VT_EUNSUPPORTED beyond. */
vt_status vt_build_lsh_project(vt_builder *b, const char *name, int64_t T, int64_t d, uint32_t k, vt_func **out,
                               vt_error *err);
/* A verified module whose public @main (h, key) calls @lsh_project. */
vt_status vt_build_lsh_project_module(int64_t T, int64_t d, uint32_t k, vt_module **out, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
