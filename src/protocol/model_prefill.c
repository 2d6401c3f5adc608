/* The reference transformer's one-pass graphs: prefill (tokens -> logits) and teacher forcing
 * (tokens -> logits + fingerprints at every position, what a verifier runs). */
#include "protocol/model_internal.h"

#include <stdio.h>

/* Shared body: embed, L calls of @block, final norm and tied logits; fp_t non-NULL adds the
 * fingerprint of the last block's output (x . R). */
static vt_status emit(const vt_model_config *c, const char *name, int64_t B, int64_t T, bool fingerprints,
                      vt_module **out, vt_error *err) {
    *out = NULL;
    if (B < 1 || T < 1 || B > (1 << 20))
        return vt_error_set(err, VT_EINPUT, "%s: batch %lld x length %lld: both must be >= 1", name, (long long)B,
                            (long long)T);
    if (T > (int64_t)c->max_seq)
        return vt_error_set(err, VT_EINPUT, "%s: length %lld exceeds max_seq %u", name, (long long)T, c->max_seq);
    vt_mg g;
    vt_status s = vt_mg_begin(&g, c, name, err);
    if (s) {
        vt_builder_free(g.b);
        return s;
    }
    vt_builder *b = g.b;
    int64_t td[2] = {B, T}, xd[3] = {B, T, c->d_model}, ld[3] = {B, T, c->vocab}, fd[3] = {B, T, c->fp_k};
    int64_t rd[2] = {c->d_model, c->fp_k};
    const vt_type *args[2 + 1024 * VT_MODEL_PER_LAYER + 3];
    size_t np = g.nparams, na = 0;
    for (size_t i = 0; i < np; i++) args[na++] = g.ptypes[i];
    args[na++] = vt_mg_ty(&g, VT_I32, 2, td);
    if (fingerprints) args[na++] = vt_mg_ty(&g, g.dt, 2, rd);
    const vt_type *res[2] = {vt_mg_ty(&g, g.dt, 3, ld), vt_mg_ty(&g, VT_F32, 3, fd)};
    if (fingerprints) res[1] = vt_mg_ty(&g, g.dt, 3, fd);
    const vt_type *x_t = vt_mg_ty(&g, g.dt, 3, xd);
    vt_func *main = vt_builder_func(b, "main", "public", args, na, res, fingerprints ? 2 : 1);
    if (main) {
        vt_value *p[2 + 1024 * VT_MODEL_PER_LAYER + 1];
        for (size_t i = 0; i < np; i++) p[i] = vt_builder_func_arg(b, main, i);
        vt_value *tokens = vt_builder_func_arg(b, main, np);
        vt_value *x = vt_mg_embed(&g, p[0], p[1], tokens);
        vt_func *blk = vt_mg_block(&g, x_t);
        for (uint32_t l = 0; l < c->layers && x; l++) {
            vt_value *ba[1 + VT_MODEL_PER_LAYER];
            ba[0] = x;
            for (int i = 0; i < VT_MODEL_PER_LAYER; i++) ba[1 + i] = p[2 + l * VT_MODEL_PER_LAYER + (size_t)i];
            x = vt_mg_call(&g, blk, ba, 1 + VT_MODEL_PER_LAYER, 0);
        }
        vt_value *na2[2] = {x, p[np - 1]};
        vt_value *h = vt_mg_call(&g, vt_mg_rms_norm(&g, x_t), na2, 2, 0);
        vt_value *outs[2] = {vt_mg_logits(&g, h, p[0]), NULL};
        if (fingerprints) outs[1] = vt_mg_matmul(&g, x, vt_builder_func_arg(b, main, np + 1));
        if (outs[0] && (!fingerprints || outs[1])) vt_build_return(b, outs, fingerprints ? 2 : 1);
    }
    s = vt_mg_finish(&g, out, err);
    if (s) vt_error_prefix(err, "%s graph", name);
    return s;
}

vt_status vt_model_emit_prefill(const vt_model_config *c, int64_t B, int64_t T, vt_module **out, vt_error *err) {
    return emit(c, "prefill", B, T, false, out, err);
}

vt_status vt_model_emit_teacher_forcing(const vt_model_config *c, int64_t B, int64_t T, vt_module **out,
                                        vt_error *err) {
    return emit(c, "teacher_forcing", B, T, true, out, err);
}
