/* The reference transformer's autoregressive graph: a stablehlo.while calling @step; per-layer KV
 * caches, gather embedding, variadic-reduce argmax, scatter token writes and per-position logits and
 * fingerprints (last block or listed layers) stacked with dynamic_update_slice, as JAX's scan. */
#include "protocol/model_internal.h"
#include "veritor/protocol_graph.h"

#include <math.h>
#include <stdlib.h>

#define MASK_VALUE (-1e30)

typedef struct dec {
    vt_mg *g;
    int64_t P, N, S; /* prompt, new tokens, positions run (P + N - 1) */
    const vt_type *x_t, *c_t, *i_t;
    bool sampled;      /* the canonical sampler instead of argmax */
    vt_func *sampler;
    const uint32_t *fpl; /* fingerprinted layers (NULL: the last, R under the key itself) */
    size_t nfp;          /* their count; the carry holds nR = max(nfp, 1) matrices R */
    size_t nR;
} dec;

/* With RoPE: x [1,d] as [1,H,dh] rotated by position i, back to [1,d]. */
static vt_value *rope_at(dec *D, vt_value *x, vt_value *i) {
    vt_mg *g = D->g;
    if (g->c->pos != VT_POS_ROPE || !x) return x;
    int64_t one = 1, hd[3] = {1, g->c->heads, g->c->d_model / g->c->heads};
    vt_value *cs, *sn;
    vt_mg_rope_tables(g, vt_build_reshape(g->b, i, vt_mg_ty(g, VT_I32, 1, &one)), &cs, &sn);
    vt_value *r = vt_mg_rope_apply(g, vt_build_reshape(g->b, x, vt_mg_ty(g, g->dt, 3, hd)), cs, sn, 0, false);
    return r ? vt_build_reshape(g->b, r, D->x_t) : NULL;
}

/* Sampler inputs carried after R: temperature [1] f32, top_k [1] i32, top_p [1] f64,
 * min_p [1] f64, key [1,2] ui32. */
#define N_SAMPLER 5

/* q [1,d] against the cache rows 0..i: [1,d]. */
static vt_func *attn_step(dec *D) {
    vt_mg *g = D->g;
    vt_builder *b = g->b;
    int64_t d = g->c->d_model, H = g->c->heads, dh = d / H, S = D->S;
    int64_t sd[2] = {H, S}, qd[2] = {H, dh}, kd[3] = {S, H, dh};
    const vt_type *s_t = vt_mg_ty(g, g->dt, 2, sd);
    vt_func *sm = vt_mg_softmax(g, s_t);
    const vt_type *args[4] = {D->x_t, D->c_t, D->c_t, D->i_t};
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "attention_step", args, 4, &D->x_t, 1, &saved);
    if (!f || !sm) return NULL;
    vt_value *q = vt_build_reshape(b, vt_builder_func_arg(b, f, 0), vt_mg_ty(g, g->dt, 2, qd));
    const vt_type *k_t = vt_mg_ty(g, g->dt, 3, kd);
    vt_value *k = vt_build_reshape(b, vt_builder_func_arg(b, f, 1), k_t);
    vt_value *v = vt_build_reshape(b, vt_builder_func_arg(b, f, 2), k_t);
    vt_value *i = vt_builder_func_arg(b, f, 3);
    /* scores[h,j] = q[h,:] . k[j,h,:] */
    int64_t bq = 0, bk = 1, cq = 1, ck = 2;
    vt_value *s = vt_mg_mul_s(g, vt_build_dot_general(b, q, k, &bq, &bk, 1, &cq, &ck, 1), 1.0 / sqrt((double)dh));
    const vt_type *m_t = vt_builder_retype(b, s_t, VT_I32);
    vt_value *col = vt_build_iota(b, m_t, 1);
    vt_value *ib = vt_build_broadcast_in_dim(b, i, m_t, NULL, 0);
    vt_value *mask = vt_build_compare(b, "LE", col, ib, "SIGNED");
    vt_value *sm_in = vt_build_select(b, mask, s, vt_mg_full(g, s_t, MASK_VALUE));
    vt_value *p = vt_mg_call(g, sm, &sm_in, 1, 0);
    /* o[h,:] = sum_j p[h,j] v[j,h,:] */
    int64_t bp = 0, bv = 1, cp = 1, cv = 0;
    vt_value *o = p && v ? vt_build_dot_general(b, p, v, &bp, &bv, 1, &cp, &cv, 1) : NULL;
    vt_value *of = o ? vt_build_reshape(b, o, D->x_t) : NULL;
    if (of) vt_build_return(b, &of, 1);
    vt_builder_set_block(b, saved);
    return f;
}

/* @block_step(x [1,d], i, k_cache, v_cache, layer params) -> (x, k_cache, v_cache). */
static vt_func *block_step(dec *D) {
    vt_mg *g = D->g;
    vt_builder *b = g->b;
    size_t npl = g->lo.per_layer;
    vt_func *norm = vt_mg_norm(g, D->x_t), *mlp = vt_mg_mlp(g, D->x_t), *att = attn_step(D);
    const vt_type *args[4 + VT_MODEL_PER_LAYER_MAX] = {D->x_t, D->i_t, D->c_t, D->c_t};
    for (size_t j = 0; j < npl; j++) args[4 + j] = g->ptypes[g->lo.layer0 + j];
    const vt_type *res[3] = {D->x_t, D->c_t, D->c_t};
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "block_step", args, 4 + npl, res, 3, &saved);
    if (!f || !norm) return NULL;
    vt_value *a[4 + VT_MODEL_PER_LAYER_MAX], *w[SL_COUNT];
    for (size_t j = 0; j < 4 + npl; j++) a[j] = vt_builder_func_arg(b, f, j);
    for (int s = 0; s < SL_COUNT; s++) w[s] = g->lo.slot[s] < 0 ? NULL : a[4 + g->lo.slot[s]];
    vt_value *x = a[0], *i = a[1];
    vt_value *h = vt_mg_apply_norm(g, x, w[SL_N1G], w[SL_N1B]);
    vt_value *q = rope_at(D, vt_mg_matmul(g, h, w[SL_WQ]), i), *k = rope_at(D, vt_mg_matmul(g, h, w[SL_WK]), i);
    vt_value *v = vt_mg_matmul(g, h, w[SL_WV]);
    vt_value *zero = vt_build_constant_scalar(b, VT_I32, 0);
    vt_value *st[2] = {i, zero};
    vt_value *kc = k && zero ? vt_build_dynamic_update_slice(b, a[2], k, st) : NULL;
    vt_value *vc = v && zero ? vt_build_dynamic_update_slice(b, a[3], v, st) : NULL;
    vt_value *aa[4] = {q, kc, vc, i};
    vt_value *o = vt_mg_call(g, att, aa, 4, 0);
    x = o ? vt_build_binary(b, VT_OP_ADD, x, vt_mg_matmul(g, o, w[SL_WO])) : NULL;
    vt_value *h2 = vt_mg_apply_norm(g, x, w[SL_N2G], w[SL_N2B]);
    vt_value *ma[3] = {h2, w[SL_W1], w[SL_W2]};
    vt_value *m = vt_mg_call(g, mlp, ma, 3, 0);
    x = m && x ? vt_build_binary(b, VT_OP_ADD, x, m) : NULL;
    vt_value *r[3] = {x, kc, vc};
    if (x) vt_build_return(b, r, 3);
    vt_builder_set_block(b, saved);
    return f;
}

/* Carry layout shared by @step, the while op and its body. */
#define C_I 0
#define C_BUF 1
#define C_K(l) (2 + (size_t)(l))
#define C_V(l) (2 + (size_t)L + (size_t)(l))
#define C_LOG (2 + 2 * (size_t)L)
#define C_FP (3 + 2 * (size_t)L)
#define C_STATE (4 + 2 * (size_t)L) /* changing state; then params, then the R's, then sampler inputs */

/* @step(state..., params..., R's[, sampler inputs]) -> state': one position through the model. */
static vt_func *step_fn(dec *D, const vt_type *const *ctypes, size_t ncarry) {
    vt_mg *g = D->g;
    vt_builder *b = g->b;
    uint32_t L = g->c->layers;
    int64_t d = g->c->d_model;
    vt_func *blk = block_step(D);
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "step", ctypes, ncarry, ctypes, C_STATE, &saved);
    if (!f || !blk) return NULL;
    vt_value **a = malloc(ncarry * sizeof *a);
    vt_value **r = malloc(C_STATE * sizeof *r);
    vt_value **fx = calloc(D->nfp + 1, sizeof *fx); /* listed layers' outputs, then fingerprints */
    if (!a || !r || !fx) {
        free(a);
        free(r);
        free(fx);
        vt_builder_set_block(b, saved);
        return NULL;
    }
    for (size_t j = 0; j < ncarry; j++) a[j] = vt_builder_func_arg(b, f, j);
    vt_value **p = a + C_STATE;
    vt_value *i = a[C_I], *buf = a[C_BUF], *R = a[C_STATE + g->nparams];
    vt_value *zero = vt_build_constant_scalar(b, VT_I32, 0);
    /* x = wte[buf[i]] + wpe[i] */
    int64_t one = 1, sl[2] = {1, d};
    vt_value *tok = vt_build_dynamic_slice(b, buf, &i, &one);
    int64_t od = 1, cd = 0, sm = 0;
    vt_gather_dims gd = {.offset_dims = &od, .noffset_dims = 1, .collapsed_slice_dims = &cd,
                         .ncollapsed_slice_dims = 1, .start_index_map = &sm, .nstart_index_map = 1,
                         .index_vector_dim = 1};
    vt_value *e = tok ? vt_build_gather(b, p[g->lo.wte], tok, &gd, sl, 2, D->x_t) : NULL;
    vt_value *x = e;
    if (g->lo.wpe != VT_MODEL_NONE) {
        vt_value *ps[2] = {i, zero};
        vt_value *pos = zero ? vt_build_dynamic_slice(b, p[g->lo.wpe], ps, sl) : NULL;
        x = e && pos ? vt_build_binary(b, VT_OP_ADD, e, pos) : NULL;
    }
    for (uint32_t l = 0; l < L; l++) {
        vt_value *ba[4 + VT_MODEL_PER_LAYER_MAX] = {x, i, a[C_K(l)], a[C_V(l)]}, *sl_[SL_COUNT];
        vt_mg_layer(g, p, l, sl_, ba + 4);
        vt_op *op = vt_mg_call_op(g, blk, ba, 4 + g->lo.per_layer);
        x = op ? vt_builder_result(b, op, 0) : NULL;
        r[C_K(l)] = op ? vt_builder_result(b, op, 1) : NULL;
        r[C_V(l)] = op ? vt_builder_result(b, op, 2) : NULL;
        for (size_t j = 0; j < D->nfp; j++)
            if (D->fpl[j] == l) fx[j] = x;
    }
    vt_value *fp = NULL;
    if (!D->nfp) {
        fp = vt_mg_matmul(g, x, R);
    } else { /* x_l . R_l as [1,1,k] each, concatenated to this position's [1,nfp,k] */
        int64_t f1[3] = {1, 1, g->c->fp_k};
        bool ok = true;
        for (size_t j = 0; j < D->nfp && ok; j++) {
            vt_value *f = vt_mg_matmul(g, fx[j], a[C_STATE + g->nparams + j]);
            fx[j] = f ? vt_build_reshape(b, f, vt_mg_ty(g, g->dt, 3, f1)) : NULL;
            ok = fx[j] != NULL;
        }
        fp = ok ? (D->nfp == 1 ? fx[0] : vt_build_concatenate(b, fx, D->nfp, 1)) : NULL;
    }
    vt_value *hf = vt_mg_apply_norm(g, x, p[g->lo.fnorm], g->lo.fbias == VT_MODEL_NONE ? NULL : p[g->lo.fbias]);
    vt_value *logits = vt_mg_logits(g, hf, p[g->lo.wte]);
    vt_value *rs[2] = {i, zero};
    r[C_LOG] = logits ? vt_build_dynamic_update_slice(b, a[C_LOG], logits, rs) : NULL;
    vt_value *rs3[3] = {i, zero, zero};
    r[C_FP] = fp ? vt_build_dynamic_update_slice(b, a[C_FP], fp, D->nfp ? rs3 : rs) : NULL;
    /* buf.at[i + 1].set(where(i + 1 >= P, argmax, buf[i + 1])): prompt positions keep theirs. */
    vt_value *i1 = vt_build_binary(b, VT_OP_ADD, i, vt_build_constant_scalar(b, VT_I32, 1));
    vt_value *next = NULL;
    if (!D->sampled) {
        next = vt_mg_argmax(g, logits);
    } else if (logits && i1) { /* position of the sampled token: i + 1 */
        vt_value *lf = g->dt == VT_F32 ? logits : vt_build_convert(b, logits, VT_F32);
        vt_value *pos = vt_build_reshape(b, vt_build_convert(b, i1, VT_U64), vt_mg_ty(g, VT_U64, 1, &one));
        vt_value *sa[7] = {lf, NULL, NULL, NULL, NULL, NULL, pos};
        for (int j = 0; j < N_SAMPLER; j++) sa[1 + j] = a[C_STATE + g->nparams + D->nR + (size_t)j];
        next = vt_mg_call(g, D->sampler, sa, 7, 0);
    }
    vt_value *cur = i1 ? vt_build_dynamic_slice(b, buf, &i1, &one) : NULL;
    vt_value *gen = vt_build_compare(b, "GE", i1, vt_build_constant_scalar(b, VT_I32, (double)D->P), "SIGNED");
    vt_value *genb = gen && cur ? vt_build_broadcast_in_dim(b, gen, vt_builder_retype(b, cur->type, VT_I1), NULL, 0)
                                : NULL;
    vt_value *val = genb && next ? vt_build_select(b, genb, next, cur) : NULL;
    vt_value *upd = val ? vt_build_reshape(b, val, vt_builder_scalar_type(b, VT_I32)) : NULL;
    vt_value *idx = i1 ? vt_build_reshape(b, i1, cur->type) : NULL;
    int64_t ins = 0, sdo = 0;
    vt_scatter_dims sd = {.inserted_window_dims = &ins, .ninserted_window_dims = 1,
                          .scatter_dims_to_operand_dims = &sdo, .nscatter_dims_to_operand_dims = 1,
                          .index_vector_dim = 0};
    r[C_BUF] = upd && idx ? vt_build_scatter(b, buf, idx, upd, &sd, VT_OP_UNKNOWN) : NULL;
    r[C_I] = i1;
    bool ok = true;
    for (size_t j = 0; j < C_STATE; j++) ok = ok && r[j];
    if (ok) vt_build_return(b, r, C_STATE);
    free(a);
    free(r);
    free(fx);
    vt_builder_set_block(b, saved);
    return f;
}

static vt_status emit_decode(const vt_model_config *c, int64_t P, int64_t N, bool sampled, bool kv,
                             const uint32_t *fpl, size_t nfp, vt_module **out, vt_error *err) {
    *out = NULL;
    if (P < 1 || N < 1 || P + N > (int64_t)c->max_seq)
        return vt_error_set(err, VT_EINPUT, "decode: prompt %lld + new %lld: need both >= 1 and a sum <= max_seq %u",
                            (long long)P, (long long)N, c->max_seq);
    vt_mg g;
    vt_status s = vt_mg_begin(&g, c, "decode", err);
    if (!s) s = vt_mg_check_fp_layers(c, "decode", fpl, nfp, err);
    if (s) {
        vt_builder_free(g.b);
        return s;
    }
    vt_builder *b = g.b;
    uint32_t L = c->layers;
    dec D = {.g = &g, .P = P, .N = N, .S = P + N - 1, .sampled = sampled, .fpl = fpl, .nfp = nfp,
             .nR = nfp ? nfp : 1};
    if (sampled) {
        vt_sampler_graph_opts so = {.batch = 1, .vocab = c->vocab};
        if ((s = vt_build_sampler(b, "sampler", &so, &D.sampler, err))) {
            vt_builder_free(g.b);
            return s;
        }
    }
    int64_t xd[2] = {1, c->d_model}, cd[2] = {D.S, c->d_model}, bd = P + N, lgd[2] = {D.S, c->vocab},
            fd[2] = {D.S, c->fp_k}, fld[3] = {D.S, (int64_t)nfp, c->fp_k}, rd[2] = {c->d_model, c->fp_k};
    D.x_t = vt_mg_ty(&g, g.dt, 2, xd);
    D.c_t = vt_mg_ty(&g, g.dt, 2, cd);
    D.i_t = vt_builder_scalar_type(b, VT_I32);
    size_t nextra = sampled ? N_SAMPLER : 0, ncarry = C_STATE + g.nparams + D.nR + nextra;
    const vt_type **ct = malloc(ncarry * sizeof *ct);
    vt_value **init = malloc(ncarry * sizeof *init);
    if (!ct || !init) {
        free(ct);
        free(init);
        vt_builder_free(g.b);
        return vt_error_set(err, VT_ENOMEM, "decode graph: out of memory");
    }
    ct[C_I] = D.i_t;
    ct[C_BUF] = vt_mg_ty(&g, VT_I32, 1, &bd);
    for (uint32_t l = 0; l < L; l++) ct[C_K(l)] = ct[C_V(l)] = D.c_t;
    ct[C_LOG] = vt_mg_ty(&g, g.dt, 2, lgd);
    ct[C_FP] = nfp ? vt_mg_ty(&g, g.dt, 3, fld) : vt_mg_ty(&g, g.dt, 2, fd);
    for (size_t j = 0; j < g.nparams; j++) ct[C_STATE + j] = g.ptypes[j];
    for (size_t j = 0; j < D.nR; j++) ct[C_STATE + g.nparams + j] = vt_mg_ty(&g, g.dt, 2, rd);
    const size_t smp0 = C_STATE + g.nparams + D.nR; /* first sampler input */
    if (sampled) {
        int64_t one = 1, kd[2] = {1, 2};
        ct[smp0] = vt_mg_ty(&g, VT_F32, 1, &one);
        ct[smp0 + 1] = vt_mg_ty(&g, VT_I32, 1, &one);
        ct[smp0 + 2] = vt_mg_ty(&g, VT_F64, 1, &one);
        ct[smp0 + 3] = vt_mg_ty(&g, VT_F64, 1, &one);
        ct[smp0 + 4] = vt_mg_ty(&g, VT_U32, 2, kd);
    }
    /* @main(params..., prompt [P], fingerprint key [2] ui32, [sampler inputs]) -> (tokens [N],
     * logits [S,V], fingerprints [S,k] or [S,nfp,k] [, k cache, v cache [L,S,d]]); the R's are built
     * before the loop. */
    size_t nmargs = g.nparams + 2 + nextra;
    const vt_type **margs = malloc(nmargs * sizeof *margs);
    vt_value **kl = calloc(2 * (size_t)L, sizeof *kl);
    if (margs && kl) {
        int64_t two = 2, kvd[3] = {L, D.S, c->d_model};
        for (size_t j = 0; j < g.nparams; j++) margs[j] = g.ptypes[j];
        margs[g.nparams] = vt_mg_ty(&g, VT_I32, 1, &P);
        margs[g.nparams + 1] = vt_mg_ty(&g, VT_U32, 1, &two);
        for (size_t j = 0; j < nextra; j++) margs[g.nparams + 2 + j] = ct[smp0 + j];
        const vt_type *res[5] = {vt_mg_ty(&g, VT_I32, 1, &N), ct[C_LOG], ct[C_FP], vt_mg_ty(&g, g.dt, 3, kvd), NULL};
        res[4] = res[3];
        vt_func *main = vt_builder_func(b, "main", "public", margs, nmargs, res, kv ? 5 : 3);
        vt_func *step = step_fn(&D, ct, ncarry);
        if (main && step) {
            vt_value *prompt = vt_builder_func_arg(b, main, g.nparams);
            vt_value *z = vt_build_constant_scalar(b, VT_I32, 0);
            init[C_I] = z;
            init[C_BUF] = z ? vt_build_dynamic_update_slice(b, vt_mg_full(&g, ct[C_BUF], 0), prompt, &z) : NULL;
            vt_value *zc = vt_mg_full(&g, D.c_t, 0);
            for (uint32_t l = 0; l < L; l++) init[C_K(l)] = init[C_V(l)] = zc;
            init[C_LOG] = vt_mg_full(&g, ct[C_LOG], 0);
            init[C_FP] = vt_mg_full(&g, ct[C_FP], 0);
            for (size_t j = 0; j < g.nparams; j++) init[C_STATE + j] = vt_builder_func_arg(b, main, j);
            vt_value *fkey = vt_builder_func_arg(b, main, g.nparams + 1);
            if (!nfp) init[C_STATE + g.nparams] = vt_mg_fp_matrix(&g, fkey);
            for (size_t j = 0; j < nfp; j++) init[C_STATE + g.nparams + j] = vt_mg_layer_fp_matrix(&g, fkey, fpl[j]);
            for (size_t j = 0; j < nextra; j++) init[smp0 + j] = vt_builder_func_arg(b, main, g.nparams + 2 + j);
            bool ok = true;
            for (size_t j = 0; j < ncarry; j++) ok = ok && init[j];
            vt_op *w = ok ? vt_build_while_begin(b, init, ncarry) : NULL;
            if (w) {
                vt_block *cb = vt_builder_while_cond(b, w);
                vt_value *ci = vt_builder_block_arg(b, cb, C_I);
                vt_value *lt = vt_build_compare(b, "LT", ci, vt_build_constant_scalar(b, VT_I32, (double)D.S), "SIGNED");
                if (lt) vt_build_return(b, &lt, 1);
                vt_block *bb = vt_builder_while_body(b, w);
                vt_value **ba = init; /* reuse: body args */
                for (size_t j = 0; j < ncarry; j++) ba[j] = vt_builder_block_arg(b, bb, j);
                vt_op *call = vt_mg_call_op(&g, step, ba, ncarry);
                if (call) {
                    for (size_t j = 0; j < C_STATE; j++) ba[j] = vt_builder_result(b, call, j);
                    vt_build_return(b, ba, ncarry);
                }
                vt_build_while_end(b, w);
                int64_t st = P, lim = P + N;
                vt_value *outs[5] = {vt_build_slice(b, vt_builder_result(b, w, C_BUF), &st, &lim, NULL),
                                     vt_builder_result(b, w, C_LOG), vt_builder_result(b, w, C_FP), NULL, NULL};
                bool okk = true;
                if (kv) { /* the final caches stacked as [L,S,d] */
                    int64_t k1[3] = {1, D.S, c->d_model};
                    const vt_type *k1_t = vt_mg_ty(&g, g.dt, 3, k1);
                    for (uint32_t l = 0; l < L; l++) {
                        kl[l] = vt_build_reshape(b, vt_builder_result(b, w, C_K(l)), k1_t);
                        kl[L + l] = vt_build_reshape(b, vt_builder_result(b, w, C_V(l)), k1_t);
                        okk = okk && kl[l] && kl[L + l];
                    }
                    outs[3] = okk ? vt_build_concatenate(b, kl, L, 0) : NULL;
                    outs[4] = okk ? vt_build_concatenate(b, kl + L, L, 0) : NULL;
                }
                if (outs[0] && outs[1] && outs[2] && (!kv || (outs[3] && outs[4]))) vt_build_return(b, outs, kv ? 5 : 3);
            }
        }
    }
    bool oom = !margs || !kl;
    free(margs);
    free(kl);
    free(ct);
    free(init);
    if (oom) {
        vt_builder_free(g.b);
        return vt_error_set(err, VT_ENOMEM, "decode graph: out of memory");
    }
    s = vt_mg_finish(&g, out, err);
    if (s) vt_error_prefix(err, "decode graph");
    return s;
}

vt_status vt_model_emit_decode(const vt_model_config *c, int64_t P, int64_t N, vt_module **out, vt_error *err) {
    return emit_decode(c, P, N, false, false, NULL, 0, out, err);
}

vt_status vt_model_emit_decode_sampled(const vt_model_config *c, int64_t P, int64_t N, vt_module **out,
                                       vt_error *err) {
    return emit_decode(c, P, N, true, false, NULL, 0, out, err);
}

vt_status vt_model_emit_decode_opts(const vt_model_config *c, int64_t P, int64_t N, const vt_model_decode_opts *o,
                                    vt_module **out, vt_error *err) {
    return emit_decode(c, P, N, o && o->sampled, o && o->kv_cache, NULL, 0, out, err);
}

vt_status vt_model_emit_decode_fp_layers(const vt_model_config *c, int64_t P, int64_t N, const vt_model_decode_opts *o,
                                         const uint32_t *fp_layers, size_t nfp_layers, vt_module **out,
                                         vt_error *err) {
    return emit_decode(c, P, N, o && o->sampled, o && o->kv_cache, fp_layers, nfp_layers, out, err);
}
