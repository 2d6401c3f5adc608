/* The reference transformer's one-pass graphs: prefill (tokens -> logits, optionally hidden states
 * of chosen layers and the KV cache) and teacher forcing (tokens -> logits + fingerprints of the
 * last block or of listed layers at every position, what a verifier runs). */
#include "protocol/model_internal.h"
#include "veritor/protocol_graph.h"

#include <stdio.h>
#include <stdlib.h>

vt_status vt_mg_check_fp_layers(const vt_model_config *c, const char *name, const uint32_t *layers, size_t n,
                                vt_error *err) {
    if (n == 0) return VT_OK;
    if (!layers) return vt_error_set(err, VT_EINPUT, "%s: %zu fingerprint layers but no list", name, n);
    /* Bounded before the list is read: no repeats, so never more entries than layers. */
    if (n > c->layers)
        return vt_error_set(err, VT_EINPUT, "%s: %zu fingerprint layers (at most %u, one per layer)", name, n,
                            c->layers);
    for (size_t i = 0; i < n; i++) {
        if (layers[i] >= c->layers)
            return vt_error_set(err, VT_EINPUT, "%s: fingerprint layer %u at %zu out of range (%u layers)", name,
                                layers[i], i, c->layers);
        for (size_t j = 0; j < i; j++)
            if (layers[j] == layers[i])
                return vt_error_set(err, VT_EINPUT, "%s: fingerprint layer %u listed twice (at %zu and %zu)", name,
                                    layers[i], j, i);
    }
    return VT_OK;
}

/* R of vt_mg_fp_matrix under vt_key_lsh(key, layer) = fold_in(fold_in(key, 'LSHP'), layer),
 * the per-layer projection key of docs/fingerprints.md, derived in-graph from the root key. */
vt_value *vt_mg_layer_fp_matrix(vt_mg *g, vt_value *key, uint32_t layer) {
    vt_builder *b = g->b;
    if (!key) return NULL;
    const vt_type *u32 = vt_builder_scalar_type(b, VT_U32);
    int64_t one = 1;
    const vt_type *u1 = vt_mg_ty(g, VT_U32, 1, &one);
    vt_value *k[2];
    for (int i = 0; i < 2; i++) {
        int64_t st = i, lim = i + 1;
        k[i] = vt_build_reshape(b, vt_build_slice(b, key, &st, &lim, NULL), u32);
        if (!k[i]) return NULL;
    }
    if (vt_build_fold_in(b, k, vt_build_constant_scalar(b, VT_U32, (double)VT_PURPOSE_LSH)) ||
        vt_build_fold_in(b, k, vt_build_constant_scalar(b, VT_U32, (double)layer)))
        return NULL;
    vt_value *kk[2] = {vt_build_reshape(b, k[0], u1), vt_build_reshape(b, k[1], u1)};
    vt_value *lk = kk[0] && kk[1] ? vt_build_concatenate(b, kk, 2, 0) : NULL;
    return lk ? vt_mg_fp_matrix(g, lk) : NULL;
}

/* Shared body: embed, L calls of @block, final norm and tied logits; fingerprints adds the
 * fingerprint key input and x . R of the last block's output with R built in-graph, or with a
 * layer list (fo) x_l . R_l per listed layer stacked as [B,T,nfp,k]. */
static vt_status emit(const vt_model_config *c, const char *name, int64_t B, int64_t T, bool fingerprints,
                      const vt_model_prefill_opts *o, const vt_model_tf_opts *fo, vt_module **out, vt_error *err) {
    *out = NULL;
    if (B < 1 || T < 1 || B > (1 << 20))
        return vt_error_set(err, VT_EINPUT, "%s: batch %lld x length %lld: both must be >= 1", name, (long long)B,
                            (long long)T);
    if (T > (int64_t)c->max_seq)
        return vt_error_set(err, VT_EINPUT, "%s: length %lld exceeds max_seq %u", name, (long long)T, c->max_seq);
    size_t nh = o ? o->nhidden : 0;
    bool kv = o && o->kv_cache;
    if (nh > 0 && !o->hidden_layers) return vt_error_set(err, VT_EINPUT, "%s: %zu hidden layers but no list", name, nh);
    if (nh > 1024) return vt_error_set(err, VT_EINPUT, "%s: %zu hidden-state outputs (at most 1024)", name, nh);
    for (size_t i = 0; i < nh; i++)
        if (o->hidden_layers[i] >= c->layers)
            return vt_error_set(err, VT_EINPUT, "%s: hidden layer %u out of range (%u layers)", name,
                                o->hidden_layers[i], c->layers);
    vt_mg g;
    size_t nfp = fo ? fo->nfp_layers : 0;
    vt_status s = vt_mg_begin(&g, c, name, err);
    if (!s) s = vt_mg_check_fp_layers(c, name, fo ? fo->fp_layers : NULL, nfp, err);
    if (s) {
        vt_builder_free(g.b);
        return s;
    }
    g.kv = kv;
    vt_builder *b = g.b;
    uint32_t L = c->layers;
    int64_t td[2] = {B, T}, xd[3] = {B, T, c->d_model}, ld[3] = {B, T, c->vocab}, fd[3] = {B, T, c->fp_k}, two = 2;
    int64_t kd[4] = {L, B, T, c->d_model}, fld[4] = {B, T, (int64_t)nfp, c->fp_k}, f1d[4] = {B, T, 1, c->fp_k};
    const vt_type *args[VT_MODEL_MAX_PARAMS + 2];
    size_t np = g.nparams, na = 0, nres = 0;
    for (size_t i = 0; i < np; i++) args[na++] = g.ptypes[i];
    args[na++] = vt_mg_ty(&g, VT_I32, 2, td);
    if (fingerprints) args[na++] = vt_mg_ty(&g, VT_U32, 1, &two);
    const vt_type *x_t = vt_mg_ty(&g, g.dt, 3, xd), *k_t = vt_mg_ty(&g, g.dt, 4, kd);
    const vt_type **res = malloc((nh + 4) * sizeof *res);
    vt_value **outs = calloc(nh + 4, sizeof *outs), **kl = calloc(2 * (size_t)L, sizeof *kl);
    vt_value **fx = calloc(nfp + 1, sizeof *fx); /* the listed layers' outputs, then their fingerprints */
    if (!res || !outs || !kl || !fx) {
        free(res), free(outs), free(kl), free(fx);
        vt_builder_free(g.b);
        return vt_error_set(err, VT_ENOMEM, "%s graph: out of memory", name);
    }
    res[nres++] = vt_mg_ty(&g, g.dt, 3, ld);
    if (fingerprints) res[nres++] = nfp ? vt_mg_ty(&g, g.dt, 4, fld) : vt_mg_ty(&g, g.dt, 3, fd);
    for (size_t i = 0; i < nh; i++) res[nres++] = x_t;
    if (kv) res[nres++] = k_t, res[nres++] = k_t;
    vt_func *main = vt_builder_func(b, "main", "public", args, na, res, nres);
    if (main) {
        vt_value *p[VT_MODEL_MAX_PARAMS];
        for (size_t i = 0; i < np; i++) p[i] = vt_builder_func_arg(b, main, i);
        vt_value *tokens = vt_builder_func_arg(b, main, np);
        vt_value *x = vt_mg_embed(&g, p[g.lo.wte], g.lo.wpe == VT_MODEL_NONE ? NULL : p[g.lo.wpe], tokens);
        vt_func *blk = vt_mg_block(&g, x_t);
        vt_value **hid = outs + (fingerprints ? 2 : 1);
        for (uint32_t l = 0; l < L && x; l++) {
            vt_value *ba[1 + VT_MODEL_PER_LAYER_MAX], *sl[SL_COUNT];
            ba[0] = x;
            vt_mg_layer(&g, p, l, sl, ba + 1);
            vt_op *op = vt_mg_call_op(&g, blk, ba, 1 + g.lo.per_layer);
            x = op ? vt_builder_result(b, op, 0) : NULL;
            if (kv && op) kl[l] = vt_builder_result(b, op, 1), kl[L + l] = vt_builder_result(b, op, 2);
            for (size_t i = 0; i < nh; i++)
                if (o->hidden_layers[i] == l) hid[i] = x;
            for (size_t i = 0; i < nfp; i++)
                if (fo->fp_layers[i] == l) fx[i] = x;
        }
        vt_value *h = vt_mg_apply_norm(&g, x, p[g.lo.fnorm], g.lo.fbias == VT_MODEL_NONE ? NULL : p[g.lo.fbias]);
        outs[0] = vt_mg_logits(&g, h, p[g.lo.wte]);
        vt_value *key = fingerprints ? vt_builder_func_arg(b, main, np + 1) : NULL;
        if (fingerprints && !nfp) outs[1] = vt_mg_matmul(&g, x, vt_mg_fp_matrix(&g, key));
        if (fingerprints && nfp) { /* x_l . R_l as [B,T,1,k] each, concatenated along dim 2 */
            bool ok = true;
            for (size_t i = 0; i < nfp && ok; i++) {
                vt_value *f = vt_mg_matmul(&g, fx[i], vt_mg_layer_fp_matrix(&g, key, fo->fp_layers[i]));
                fx[i] = f ? vt_build_reshape(b, f, vt_mg_ty(&g, g.dt, 4, f1d)) : NULL;
                ok = fx[i] != NULL;
            }
            outs[1] = ok ? (nfp == 1 ? fx[0] : vt_build_concatenate(b, fx, nfp, 2)) : NULL;
        }
        if (kv) { /* stack the layers' [B,T,d] as [L,B,T,d]: reshape to [1,B,T,d] + concatenate */
            int64_t k1[4] = {1, B, T, c->d_model};
            const vt_type *k1_t = vt_mg_ty(&g, g.dt, 4, k1);
            for (size_t j = 0; j < 2 * (size_t)L; j++) kl[j] = kl[j] ? vt_build_reshape(b, kl[j], k1_t) : NULL;
            bool ok = true;
            for (size_t j = 0; j < 2 * (size_t)L; j++) ok = ok && kl[j];
            outs[nres - 2] = ok ? vt_build_concatenate(b, kl, L, 0) : NULL;
            outs[nres - 1] = ok ? vt_build_concatenate(b, kl + L, L, 0) : NULL;
        }
        bool ok = true;
        for (size_t i = 0; i < nres; i++) ok = ok && outs[i];
        if (ok) vt_build_return(b, outs, nres);
    }
    free(res), free(outs), free(kl), free(fx);
    s = vt_mg_finish(&g, out, err);
    if (s) vt_error_prefix(err, "%s graph", name);
    return s;
}

vt_status vt_model_emit_prefill(const vt_model_config *c, int64_t B, int64_t T, vt_module **out, vt_error *err) {
    return emit(c, "prefill", B, T, false, NULL, NULL, out, err);
}

vt_status vt_model_emit_prefill_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_prefill_opts *o,
                                     vt_module **out, vt_error *err) {
    return emit(c, "prefill", B, T, false, o, NULL, out, err);
}

vt_status vt_model_emit_teacher_forcing(const vt_model_config *c, int64_t B, int64_t T, vt_module **out,
                                        vt_error *err) {
    return emit(c, "teacher_forcing", B, T, true, NULL, NULL, out, err);
}

vt_status vt_model_emit_teacher_forcing_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_tf_opts *o,
                                             vt_module **out, vt_error *err) {
    return emit(c, "teacher_forcing", B, T, true, NULL, o, out, err);
}
