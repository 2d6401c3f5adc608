/* In-graph fingerprint pieces of the reference transformer: the jit_fp_matrix module (the R that
 * decode and teacher forcing build from the key) and train_step's gradient fingerprint, the
 * streaming projection of docs/fingerprints.md as a while loop over chunks of the gradient. */
#include "protocol/model_internal.h"

#include <math.h>
#include <stdlib.h>

vt_status vt_model_emit_fp_matrix(const vt_model_config *c, vt_module **out, vt_error *err) {
    *out = NULL;
    vt_mg g;
    vt_status s = vt_mg_begin(&g, c, "fp_matrix", err);
    if (s) {
        vt_builder_free(g.b);
        return s;
    }
    int64_t two = 2, rd[2] = {c->d_model, c->fp_k};
    const vt_type *kt = vt_mg_ty(&g, VT_U32, 1, &two), *rt = vt_mg_ty(&g, g.dt, 2, rd);
    vt_func *main = vt_builder_func(g.b, "main", "public", &kt, 1, &rt, 1);
    vt_value *R = main ? vt_mg_fp_matrix(&g, vt_builder_func_arg(g.b, main, 0)) : NULL;
    if (R) vt_build_return(g.b, &R, 1);
    s = vt_mg_finish(&g, out, err);
    if (s) vt_error_prefix(err, "fp_matrix graph");
    return s;
}

static uint64_t total_elems(const vt_model_config *c) {
    uint64_t n = 0;
    size_t np = vt_model_num_params(c);
    for (size_t i = 0; i < np; i++) {
        char name[64];
        int rank;
        int64_t dims[2];
        if (vt_model_param_info(c, i, name, sizeof name, &rank, dims, NULL)) return UINT64_MAX;
        n += (uint64_t)dims[0] * (uint64_t)(rank == 2 ? dims[1] : 1);
    }
    return n;
}

vt_status vt_model_grad_fp_check(const vt_model_config *c, vt_error *err) {
    uint64_t n = total_elems(c), C = VT_MODEL_GRADFP_CHUNK;
    uint64_t padded = n == UINT64_MAX ? n : (n + C - 1) / C * C;
    /* Stream words (padded / 32) k must stay below 2^32 (counter high word 0), chunk starts in i32. */
    if (padded > ((uint64_t)1 << 31) || padded / 32 * c->fp_k > ((uint64_t)1 << 32))
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: in-graph gradient fingerprint of %llu parameters at k = %u (stream counter "
                            "beyond 2^32 words)", (unsigned long long)n, c->fp_k);
    return VT_OK;
}

/* @grad_fp_step(i, acc [k] f64, flat [Np] f32, key) -> (i + 1, acc + flat[iC:(i+1)C] . R_i, flat, key). */
static vt_func *fp_step(vt_mg *g, const vt_type *const *ct) {
    vt_builder *b = g->b;
    const int64_t C = VT_MODEL_GRADFP_CHUNK;
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "grad_fp_step", ct, 4, ct, 4, &saved);
    if (!f) return NULL;
    vt_value *i = vt_builder_func_arg(b, f, 0), *acc = vt_builder_func_arg(b, f, 1);
    vt_value *flat = vt_builder_func_arg(b, f, 2), *key = vt_builder_func_arg(b, f, 3);
    vt_value *c0 = vt_build_binary(b, VT_OP_MULTIPLY, i, vt_build_constant_scalar(b, VT_I32, (double)C));
    vt_value *chunk = c0 ? vt_build_dynamic_slice(b, flat, &c0, &C) : NULL;
    vt_value *R = c0 ? vt_mg_rademacher_rows(g, key, vt_build_convert(b, c0, VT_U32), C, g->c->fp_k) : NULL;
    int64_t lc = 0, rc = 0;
    vt_value *part = chunk && R ? vt_build_dot_general(b, chunk, R, NULL, NULL, 0, &lc, &rc, 1) : NULL;
    vt_value *r[4] = {vt_build_binary(b, VT_OP_ADD, i, vt_build_constant_scalar(b, VT_I32, 1)),
                      part ? vt_build_binary(b, VT_OP_ADD, acc, vt_build_convert(b, part, VT_F64)) : NULL, flat, key};
    if (r[0] && r[1]) vt_build_return(b, r, 4);
    vt_builder_set_block(b, saved);
    return f;
}

static int64_t nelem(const vt_type *t) {
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

vt_value *vt_mg_grad_fp(vt_mg *g, vt_value *const *grads, size_t n, vt_value *key) {
    vt_builder *b = g->b;
    const int64_t C = VT_MODEL_GRADFP_CHUNK;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!grads[i]) return NULL;
        total += nelem(grads[i]->type);
    }
    int64_t nchunks = (total + C - 1) / C, padded = nchunks * C, K = g->c->fp_k;
    vt_value **parts = calloc(n + 1, sizeof *parts);
    if (!parts || !key) {
        free(parts);
        return NULL;
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) { /* f64 gradients are rounded to f32 first, as the C stream does */
        int64_t m = nelem(grads[i]->type);
        vt_value *x = grads[i]->type->dtype == VT_F32 ? grads[i] : vt_build_convert(b, grads[i], VT_F32);
        parts[i] = x ? vt_build_reshape(b, x, vt_mg_ty(g, VT_F32, 1, &m)) : NULL;
        ok = parts[i] != NULL;
    }
    size_t np = n;
    if (ok && padded > total) {
        int64_t pad = padded - total;
        parts[np++] = vt_build_splat(b, vt_mg_ty(g, VT_F32, 1, &pad), 0);
    }
    vt_value *flat = ok ? vt_build_concatenate(b, parts, np, 0) : NULL;
    free(parts);
    if (!flat) return NULL;
    const vt_type *ct[4] = {vt_builder_scalar_type(b, VT_I32), vt_mg_ty(g, VT_F64, 1, &K), flat->type, key->type};
    vt_func *step = fp_step(g, ct);
    vt_value *init[4] = {vt_build_constant_scalar(b, VT_I32, 0), vt_build_splat(b, ct[1], 0), flat, key};
    if (!step || !init[0] || !init[1]) return NULL;
    vt_op *w = vt_build_while_begin(b, init, 4);
    if (!w) return NULL;
    vt_block *cb = vt_builder_while_cond(b, w);
    vt_value *lt = vt_build_compare(b, "LT", vt_builder_block_arg(b, cb, 0),
                                    vt_build_constant_scalar(b, VT_I32, (double)nchunks), "SIGNED");
    if (lt) vt_build_return(b, &lt, 1);
    vt_block *bb = vt_builder_while_body(b, w);
    vt_value *ba[4];
    for (size_t j = 0; j < 4; j++) ba[j] = vt_builder_block_arg(b, bb, j);
    vt_op *call = vt_mg_call_op(g, step, ba, 4);
    if (call) {
        for (size_t j = 0; j < 4; j++) ba[j] = vt_builder_result(b, call, j);
        vt_build_return(b, ba, 4);
    }
    if (vt_build_while_end(b, w)) return NULL;
    vt_value *acc = vt_builder_result(b, w, 1);
    vt_value *sc = acc ? vt_build_binary(b, VT_OP_MULTIPLY, acc, vt_build_splat(b, acc->type, 1.0 / sqrt((double)K))) : NULL;
    return sc ? vt_build_convert(b, sc, VT_F32) : NULL;
}
