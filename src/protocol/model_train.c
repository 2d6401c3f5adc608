/* The reference transformer's train_step: forward with saved activations, mean token
 * cross-entropy, the backward pass written out op by op (veritor has no autodiff), an SGD or
 * AdamW update, and the gradient fingerprint; outputs new parameters, optimizer state, loss,
 * gradients and the fingerprint. */
#include "protocol/model_internal.h"

#include <math.h>
#include <stdlib.h>

#define RMS_EPS 1e-5
#define MASK_VALUE (-1e30)
#define GELU_C 0.7978845608028654

typedef struct tr {
    vt_mg *g;
    vt_builder *b;
    int64_t B, T, d, H, dh, f, V;
    vt_value *cos, *sin; /* RoPE tables [T, dh/2] */
} tr;

static vt_value *bin(tr *t, vt_opcode op, vt_value *x, vt_value *y) { return x && y ? vt_build_binary(t->b, op, x, y) : NULL; }
static vt_value *mul(tr *t, vt_value *x, vt_value *y) { return bin(t, VT_OP_MULTIPLY, x, y); }
static vt_value *add(tr *t, vt_value *x, vt_value *y) { return bin(t, VT_OP_ADD, x, y); }
static vt_value *sub(tr *t, vt_value *x, vt_value *y) { return bin(t, VT_OP_SUBTRACT, x, y); }
static vt_value *muls(tr *t, vt_value *x, double v) { return x ? vt_mg_mul_s(t->g, x, v) : NULL; }
static vt_value *adds(tr *t, vt_value *x, double v) { return x ? add(t, x, vt_mg_full(t->g, x->type, v)) : NULL; }
static const vt_type *ty(tr *t, int r, const int64_t *dims) { return vt_mg_ty(t->g, t->g->dt, r, dims); }

/* x [...,n] . w[m,n]^T -> [...,m] */
static vt_value *mmT(tr *t, vt_value *x, vt_value *w) {
    if (!x || !w) return NULL;
    int64_t lc = x->type->rank - 1, rc = 1;
    return vt_build_dot_general(t->b, x, w, NULL, NULL, 0, &lc, &rc, 1);
}
static vt_value *mm(tr *t, vt_value *x, vt_value *w) { return x && w ? vt_mg_matmul(t->g, x, w) : NULL; }
/* x [B,T,a], dy [B,T,b] -> [a,b] = sum over rows of x^T dy */
static vt_value *wgrad(tr *t, vt_value *x, vt_value *dy) {
    if (!x || !dy) return NULL;
    int64_t c[2] = {0, 1};
    return vt_build_dot_general(t->b, x, dy, NULL, NULL, 0, c, c, 2);
}
/* Sum over the last dim, broadcast back over it. */
static vt_value *rowsum_b(tr *t, vt_value *x) {
    if (!x) return NULL;
    int r = x->type->rank;
    int64_t last = r - 1, keep[4] = {0, 1, 2, 3};
    vt_value *s = vt_build_reduce(t->b, VT_OP_ADD, x, vt_build_constant_scalar(t->b, t->g->dt, 0), &last, 1);
    return s ? vt_build_broadcast_in_dim(t->b, s, x->type, keep, (size_t)(r - 1)) : NULL;
}
static vt_value *bvec(tr *t, vt_value *g, const vt_type *x_t) { /* [d] -> [B,T,d] */
    int64_t last = 2;
    return g && x_t ? vt_build_broadcast_in_dim(t->b, g, x_t, &last, 1) : NULL;
}

/* Forward RMSNorm saving r (broadcast [B,T,d]) = rsqrt(mean(x^2) + eps). */
static vt_value *rms_fwd(tr *t, vt_value *x, vt_value *g, vt_value **r_out) {
    vt_value *ms = muls(t, rowsum_b(t, mul(t, x, x)), 1.0 / (double)t->d);
    vt_value *r = ms ? vt_build_unary(t->b, VT_OP_RSQRT, adds(t, ms, RMS_EPS)) : NULL;
    *r_out = r;
    return mul(t, mul(t, x, r), bvec(t, g, x ? x->type : NULL));
}

/* y = x r g: dx = r (dy g - xhat mean(dy g xhat)), dg = sum_rows(dy xhat). */
static vt_value *rms_bwd(tr *t, vt_value *x, vt_value *r, vt_value *g, vt_value *dy, vt_value **dg) {
    vt_value *xh = mul(t, x, r);
    int64_t c[2] = {0, 1};
    vt_value *p = mul(t, dy, xh);
    *dg = p ? vt_build_reduce(t->b, VT_OP_ADD, p, vt_build_constant_scalar(t->b, t->g->dt, 0), c, 2) : NULL;
    vt_value *dxh = mul(t, dy, bvec(t, g, dy ? dy->type : NULL));
    vt_value *m = muls(t, rowsum_b(t, mul(t, dxh, xh)), 1.0 / (double)t->d);
    return mul(t, r, sub(t, dxh, mul(t, xh, m)));
}

/* LayerNorm y = xhat g + b, xhat = (x - mean) r, r = rsqrt(mean((x - mean)^2) + eps) (broadcast). */
static vt_value *ln_fwd(tr *t, vt_value *x, vt_value *g, vt_value *bias, vt_value **xh_out, vt_value **r_out) {
    vt_value *mean = muls(t, rowsum_b(t, x), 1.0 / (double)t->d);
    vt_value *xc = sub(t, x, mean);
    vt_value *var = muls(t, rowsum_b(t, mul(t, xc, xc)), 1.0 / (double)t->d);
    vt_value *r = var ? vt_build_unary(t->b, VT_OP_RSQRT, adds(t, var, RMS_EPS)) : NULL;
    vt_value *xh = mul(t, xc, r);
    *xh_out = xh;
    *r_out = r;
    return add(t, mul(t, xh, bvec(t, g, x ? x->type : NULL)), bvec(t, bias, x ? x->type : NULL));
}

/* dx = r (dxh - mean(dxh) - xhat mean(dxh xhat)), dxh = dy g; dg = sum_rows(dy xhat), db = sum_rows(dy). */
static vt_value *ln_bwd(tr *t, vt_value *xh, vt_value *r, vt_value *g, vt_value *dy, vt_value **dg, vt_value **db) {
    int64_t c[2] = {0, 1};
    vt_value *p = mul(t, dy, xh);
    *dg = p ? vt_build_reduce(t->b, VT_OP_ADD, p, vt_build_constant_scalar(t->b, t->g->dt, 0), c, 2) : NULL;
    *db = dy ? vt_build_reduce(t->b, VT_OP_ADD, dy, vt_build_constant_scalar(t->b, t->g->dt, 0), c, 2) : NULL;
    vt_value *dxh = mul(t, dy, bvec(t, g, dy ? dy->type : NULL));
    vt_value *m1 = muls(t, rowsum_b(t, dxh), 1.0 / (double)t->d);
    vt_value *m2 = muls(t, rowsum_b(t, mul(t, dxh, xh)), 1.0 / (double)t->d);
    return mul(t, r, sub(t, sub(t, dxh, m1), mul(t, xh, m2)));
}

/* The config's norm forward (bias NULL for RMSNorm); xh is saved for LayerNorm only. */
static vt_value *norm_fwd(tr *t, vt_value *x, vt_value *g, vt_value *bias, vt_value **xh, vt_value **r) {
    *xh = NULL;
    return bias ? ln_fwd(t, x, g, bias, xh, r) : rms_fwd(t, x, g, r);
}
static vt_value *norm_bwd(tr *t, vt_value *x, vt_value *xh, vt_value *r, vt_value *g, vt_value *dy, vt_value **dg,
                          vt_value **db) {
    if (db && t->g->c->norm == VT_NORM_LAYER) return ln_bwd(t, xh, r, g, dy, dg, db);
    return rms_bwd(t, x, r, g, dy, dg);
}

static vt_value *tanh_in(tr *t, vt_value *a) { /* tanh(c (a + 0.044715 a^3)) */
    vt_value *a3 = mul(t, mul(t, a, a), a);
    vt_value *in = muls(t, add(t, a, muls(t, a3, 0.044715)), GELU_C);
    return in ? vt_build_unary(t->b, VT_OP_TANH, in) : NULL;
}

static vt_value *transpose4(tr *t, vt_value *x) {
    int64_t perm[4] = {0, 2, 1, 3};
    return x ? vt_build_transpose(t->b, x, perm, 4) : NULL;
}
static vt_value *dg(tr *t, vt_value *x, vt_value *y, int64_t lb0, int64_t lb1, int64_t rb0, int64_t rb1, int64_t lc,
                    int64_t rc) {
    if (!x || !y) return NULL;
    int64_t lb[2] = {lb0, lb1}, rb[2] = {rb0, rb1};
    return vt_build_dot_general(t->b, x, y, lb, rb, 2, &lc, &rc, 1);
}

typedef struct saved {
    vt_value *x_in, *r1, *xh1, *h, *q, *k, *v, *p, *of, *x_mid, *r2, *xh2, *h2, *a1, *th, *ga;
} saved;

/* w: the layer's parameters by slot (model_internal.h). */
static vt_value *layer_fwd(tr *t, vt_value *x, vt_value *const *w, saved *s) {
    int64_t h4[4] = {t->B, t->T, t->H, t->dh}, s4[4] = {t->B, t->H, t->T, t->T}, m2[2] = {t->T, t->T};
    const vt_type *h4_t = ty(t, 4, h4), *s_t = ty(t, 4, s4), *x_t = x ? x->type : NULL;
    s->x_in = x;
    s->h = norm_fwd(t, x, w[SL_N1G], w[SL_N1B], &s->xh1, &s->r1);
    s->q = s->h ? vt_build_reshape(t->b, mm(t, s->h, w[SL_WQ]), h4_t) : NULL;
    s->k = s->h ? vt_build_reshape(t->b, mm(t, s->h, w[SL_WK]), h4_t) : NULL;
    s->v = s->h ? vt_build_reshape(t->b, mm(t, s->h, w[SL_WV]), h4_t) : NULL;
    if (t->cos) { /* RoPE: the scores and the saved q, k use the rotated vectors */
        s->q = vt_mg_rope_apply(t->g, s->q, t->cos, t->sin, 1, false);
        s->k = vt_mg_rope_apply(t->g, s->k, t->cos, t->sin, 1, false);
    }
    vt_value *sc = muls(t, dg(t, s->q, s->k, 0, 2, 0, 2, 3, 3), 1.0 / sqrt((double)t->dh));
    const vt_type *m_t = vt_mg_ty(t->g, VT_I32, 2, m2);
    vt_value *mask = vt_build_compare(t->b, "GE", vt_build_iota(t->b, m_t, 0), vt_build_iota(t->b, m_t, 1), "SIGNED");
    int64_t md[2] = {2, 3};
    vt_value *mb = mask ? vt_build_broadcast_in_dim(t->b, mask, vt_builder_retype(t->b, s_t, VT_I1), md, 2) : NULL;
    vt_value *sm = mb && sc ? vt_build_select(t->b, mb, sc, vt_mg_full(t->g, s_t, MASK_VALUE)) : NULL;
    vt_value *sm_out = vt_mg_call(t->g, vt_mg_softmax(t->g, s_t), &sm, 1, 0);
    s->p = sm_out;
    vt_value *o = dg(t, s->p, s->v, 0, 1, 0, 2, 3, 1); /* [B,H,T,dh] */
    s->of = o ? vt_build_reshape(t->b, transpose4(t, o), x_t) : NULL;
    s->x_mid = add(t, x, mm(t, s->of, w[SL_WO]));
    s->h2 = norm_fwd(t, s->x_mid, w[SL_N2G], w[SL_N2B], &s->xh2, &s->r2);
    s->a1 = mm(t, s->h2, w[SL_W1]);
    s->th = tanh_in(t, s->a1);
    s->ga = mul(t, muls(t, s->a1, 0.5), adds(t, s->th, 1.0));
    return add(t, s->x_mid, mm(t, s->ga, w[SL_W2]));
}

/* Gradient through one layer: dx (of the layer output) -> dx (of its input); grads into gw by slot. */
static vt_value *layer_bwd(tr *t, vt_value *dx, vt_value *const *w, const saved *s, vt_value **gw) {
    int64_t h4[4] = {t->B, t->T, t->H, t->dh};
    const vt_type *h4_t = ty(t, 4, h4), *x_t = dx ? dx->type : NULL;
    gw[SL_W2] = wgrad(t, s->ga, dx);
    vt_value *dga = mmT(t, dx, w[SL_W2]);
    /* gelu'(a) = 0.5 (1 + th) + 0.5 a (1 - th^2) c (1 + 3 * 0.044715 a^2) */
    vt_value *one_m = adds(t, muls(t, mul(t, s->th, s->th), -1.0), 1.0);
    vt_value *inner = adds(t, muls(t, mul(t, s->a1, s->a1), 3 * 0.044715), 1.0);
    vt_value *gp = add(t, muls(t, adds(t, s->th, 1.0), 0.5),
                       mul(t, mul(t, muls(t, s->a1, 0.5 * GELU_C), one_m), inner));
    vt_value *da1 = mul(t, dga, gp);
    gw[SL_W1] = wgrad(t, s->h2, da1);
    vt_value *dh2 = mmT(t, da1, w[SL_W1]);
    vt_value *dxm = add(t, dx, norm_bwd(t, s->x_mid, s->xh2, s->r2, w[SL_N2G], dh2, &gw[SL_N2G], &gw[SL_N2B]));
    gw[SL_WO] = wgrad(t, s->of, dxm);
    vt_value *dof = mmT(t, dxm, w[SL_WO]);
    vt_value *dO = dof ? transpose4(t, vt_build_reshape(t->b, dof, h4_t)) : NULL; /* [B,H,T,dh] */
    vt_value *dP = dg(t, dO, s->v, 0, 1, 0, 2, 3, 3);                              /* [B,H,T,T] */
    vt_value *dV = transpose4(t, dg(t, s->p, dO, 0, 1, 0, 1, 2, 2));               /* [B,T,H,dh] */
    vt_value *dS = mul(t, s->p, sub(t, dP, rowsum_b(t, mul(t, dP, s->p))));
    vt_value *dR = muls(t, dS, 1.0 / sqrt((double)t->dh));
    vt_value *dQ = transpose4(t, dg(t, dR, s->k, 0, 1, 0, 2, 3, 1));
    vt_value *dK = transpose4(t, dg(t, dR, s->q, 0, 1, 0, 2, 2, 1));
    if (t->cos) { /* RoPE's backward: the inverse rotation of the rotated vectors' gradients */
        dQ = vt_mg_rope_apply(t->g, dQ, t->cos, t->sin, 1, true);
        dK = vt_mg_rope_apply(t->g, dK, t->cos, t->sin, 1, true);
    }
    vt_value *dq = dQ ? vt_build_reshape(t->b, dQ, x_t) : NULL, *dk = dK ? vt_build_reshape(t->b, dK, x_t) : NULL;
    vt_value *dv = dV ? vt_build_reshape(t->b, dV, x_t) : NULL;
    gw[SL_WQ] = wgrad(t, s->h, dq);
    gw[SL_WK] = wgrad(t, s->h, dk);
    gw[SL_WV] = wgrad(t, s->h, dv);
    vt_value *dh = add(t, add(t, mmT(t, dq, w[SL_WQ]), mmT(t, dk, w[SL_WK])), mmT(t, dv, w[SL_WV]));
    return add(t, dxm, norm_bwd(t, s->x_in, s->xh1, s->r1, w[SL_N1G], dh, &gw[SL_N1G], &gw[SL_N1B]));
}

static vt_status emit_train(const vt_model_config *c, int64_t B, int64_t T, vt_model_optimizer opt, bool gfp,
                            vt_module **out, vt_error *err) {
    *out = NULL;
    if (B < 1 || T < 1 || T > (int64_t)c->max_seq || B > (1 << 20))
        return vt_error_set(err, VT_EINPUT, "train_step: batch %lld x length %lld: need >= 1 and length <= max_seq %u",
                            (long long)B, (long long)T, c->max_seq);
    if (opt != VT_OPT_SGD && opt != VT_OPT_ADAMW)
        return vt_error_set(err, VT_EINPUT, "train_step: unknown optimizer %d", (int)opt);
    vt_mg g;
    vt_status st = vt_mg_begin(&g, c, "train_step", err);
    if (!st && gfp) st = vt_model_grad_fp_check(c, err);
    if (st) {
        vt_builder_free(g.b);
        return st;
    }
    tr t = {.g = &g, .b = g.b, .B = B, .T = T, .d = c->d_model, .H = c->heads, .dh = c->d_model / c->heads,
            .f = c->d_ff, .V = c->vocab};
    size_t np = g.nparams, L = c->layers;
    bool adam = opt == VT_OPT_ADAMW;
    size_t nstate = adam ? 2 * np + 1 : 0;
    size_t nin = np + nstate + 3 + gfp, nout = np + (adam ? 2 * np : 0) + 1 + np + gfp;
    size_t ix = np + nstate;                /* inputs: tokens, targets, lr [, grad key] */
    size_t ox = np + (adam ? 2 * np : 0);   /* outputs: loss, gradients [, fingerprint] */
    const vt_mlayout *lo = &g.lo;
    const vt_type **it = malloc(nin * sizeof *it), **ot = malloc(nout * sizeof *ot);
    vt_value **res = calloc(nout, sizeof *res), **grad = calloc(np, sizeof *grad);
    saved *sv = calloc(L, sizeof *sv);
    vt_func *main = NULL;
    if (it && ot && res && grad && sv) {
        int64_t td[2] = {B, T};
        const vt_type *sc = vt_builder_scalar_type(g.b, g.dt);
        for (size_t i = 0; i < np; i++) it[i] = ot[i] = g.ptypes[i];
        for (size_t i = 0; adam && i < 2 * np; i++) it[np + i] = ot[np + i] = g.ptypes[i % np];
        if (adam) it[np + 2 * np] = sc;
        int64_t two = 2, K = c->fp_k;
        it[ix] = it[ix + 1] = vt_mg_ty(&g, VT_I32, 2, td);
        it[ix + 2] = sc;
        if (gfp) it[ix + 3] = vt_mg_ty(&g, VT_U32, 1, &two);
        ot[ox] = sc;
        for (size_t i = 0; i < np; i++) ot[ox + 1 + i] = g.ptypes[i];
        if (gfp) ot[nout - 1] = vt_mg_ty(&g, VT_F32, 1, &K);
        main = vt_builder_func(g.b, "main", "public", it, nin, ot, nout);
    }
    if (main) {
        vt_value *p[VT_MODEL_MAX_PARAMS];
        for (size_t i = 0; i < np; i++) p[i] = vt_builder_func_arg(g.b, main, i);
        vt_value *tok = vt_builder_func_arg(g.b, main, ix), *tgt = vt_builder_func_arg(g.b, main, ix + 1);
        vt_value *lr = vt_builder_func_arg(g.b, main, ix + 2);
        vt_value *fbias = lo->fbias == VT_MODEL_NONE ? NULL : p[lo->fbias];
        if (c->pos == VT_POS_ROPE) vt_mg_rope_tables(&g, vt_build_iota(g.b, vt_mg_ty(&g, VT_I32, 1, &T), 0), &t.cos, &t.sin);
        /* forward */
        vt_value *x = vt_mg_embed(&g, p[lo->wte], lo->wpe == VT_MODEL_NONE ? NULL : p[lo->wpe], tok);
        vt_value *w[SL_COUNT];
        for (size_t l = 0; l < L; l++) {
            vt_mg_layer(&g, p, (uint32_t)l, w, NULL);
            x = layer_fwd(&t, x, w, &sv[l]);
        }
        vt_value *rf, *xhf;
        vt_value *hf = norm_fwd(&t, x, p[lo->fnorm], fbias, &xhf, &rf);
        vt_value *logits = vt_mg_logits(&g, hf, p[lo->wte]);
        /* loss = mean(logsumexp(logits) - logits[target]) */
        int64_t ld[3] = {B, T, t.V}, last = 2, keep[2] = {0, 1}, all[2] = {0, 1};
        const vt_type *l_t = ty(&t, 3, ld);
        vt_value *mx = logits ? vt_build_reduce(g.b, VT_OP_MAXIMUM, logits, vt_build_constant_scalar(g.b, g.dt, -INFINITY),
                                                &last, 1) : NULL;
        vt_value *mxb = mx ? vt_build_broadcast_in_dim(g.b, mx, l_t, keep, 2) : NULL;
        vt_value *e = mxb ? vt_build_unary(g.b, VT_OP_EXPONENTIAL, sub(&t, logits, mxb)) : NULL;
        vt_value *se = rowsum_b(&t, e);
        vt_value *lse = se ? add(&t, vt_build_unary(g.b, VT_OP_LOG, se), mxb) : NULL; /* broadcast [B,T,V] */
        const vt_type *iv_t = vt_mg_ty(&g, VT_I32, 3, ld);
        vt_value *tb = tgt ? vt_build_broadcast_in_dim(g.b, tgt, iv_t, keep, 2) : NULL;
        vt_value *onehot = tb ? vt_build_compare(g.b, "EQ", vt_build_iota(g.b, iv_t, 2), tb, "SIGNED") : NULL;
        vt_value *zero3 = vt_mg_full(&g, l_t, 0);
        vt_value *nll = onehot ? vt_build_select(g.b, onehot, sub(&t, lse, logits), zero3) : NULL;
        int64_t a3[3] = {0, 1, 2};
        vt_value *lsum = nll ? vt_build_reduce(g.b, VT_OP_ADD, nll, vt_build_constant_scalar(g.b, g.dt, 0), a3, 3) : NULL;
        double inv_n = 1.0 / (double)(B * T);
        res[ox] = muls(&t, lsum, inv_n);
        /* backward: dlogits = (softmax - onehot) / (B T) */
        vt_value *sm = e && se ? vt_build_binary(g.b, VT_OP_DIVIDE, e, se) : NULL;
        vt_value *oh = onehot ? vt_build_select(g.b, onehot, vt_mg_full(&g, l_t, 1), zero3) : NULL;
        vt_value *dl = muls(&t, sub(&t, sm, oh), inv_n);
        vt_value *dwte_head = wgrad(&t, dl, hf); /* [V,d] */
        vt_value *dhf = mm(&t, dl, p[lo->wte]);
        vt_value *dx = norm_bwd(&t, x, xhf, rf, p[lo->fnorm], dhf, &grad[lo->fnorm], fbias ? &grad[lo->fbias] : NULL);
        for (size_t l = L; l-- > 0;) {
            vt_value *gw[SL_COUNT] = {NULL};
            vt_mg_layer(&g, p, (uint32_t)l, w, NULL);
            dx = layer_bwd(&t, dx, w, &sv[l], gw);
            for (int sl = 0; sl < SL_COUNT; sl++)
                if (lo->slot[sl] >= 0) grad[lo->layer0 + l * lo->per_layer + (size_t)lo->slot[sl]] = gw[sl];
        }
        /* embedding: scatter-add rows of dx at the tokens; positions: sum over the batch */
        int64_t uw = 2, ins = 0, sdo = 0;
        vt_scatter_dims sd = {.update_window_dims = &uw, .nupdate_window_dims = 1, .inserted_window_dims = &ins,
                              .ninserted_window_dims = 1, .scatter_dims_to_operand_dims = &sdo,
                              .nscatter_dims_to_operand_dims = 1, .index_vector_dim = 2};
        vt_value *demb = dx ? vt_build_scatter(g.b, vt_mg_full(&g, g.ptypes[0], 0), tok, dx, &sd, VT_OP_ADD) : NULL;
        grad[lo->wte] = add(&t, dwte_head, demb);
        if (lo->wpe != VT_MODEL_NONE) {
            int64_t b0 = 0;
            vt_value *dpos = dx ? vt_build_reduce(g.b, VT_OP_ADD, dx, vt_build_constant_scalar(g.b, g.dt, 0), &b0, 1) : NULL;
            vt_value *z = vt_build_constant_scalar(g.b, VT_I32, 0);
            vt_value *zs[2] = {z, z};
            grad[lo->wpe] = dpos && z ? vt_build_dynamic_update_slice(g.b, vt_mg_full(&g, g.ptypes[lo->wpe], 0), dpos, zs) : NULL;
        }
        (void)all;
        /* update */
        vt_value *step = adam ? vt_builder_func_arg(g.b, main, np + 2 * np) : NULL;
        vt_value *bc1 = NULL, *bc2 = NULL;
        if (adam) { /* 1 - beta^step */
            bc1 = vt_build_binary(g.b, VT_OP_SUBTRACT, vt_build_constant_scalar(g.b, g.dt, 1),
                                  vt_build_binary(g.b, VT_OP_POWER, vt_build_constant_scalar(g.b, g.dt, 0.9), step));
            bc2 = vt_build_binary(g.b, VT_OP_SUBTRACT, vt_build_constant_scalar(g.b, g.dt, 1),
                                  vt_build_binary(g.b, VT_OP_POWER, vt_build_constant_scalar(g.b, g.dt, 0.999), step));
        }
        for (size_t i = 0; i < np; i++) {
            const vt_type *pt = g.ptypes[i];
            vt_value *lrb = lr ? vt_build_broadcast_in_dim(g.b, lr, pt, NULL, 0) : NULL;
            vt_value *upd = grad[i];
            if (adam) {
                vt_value *m = vt_builder_func_arg(g.b, main, np + i), *v = vt_builder_func_arg(g.b, main, 2 * np + i);
                vt_value *m2 = add(&t, muls(&t, m, 0.9), muls(&t, grad[i], 0.1));
                vt_value *v2 = add(&t, muls(&t, v, 0.999), muls(&t, mul(&t, grad[i], grad[i]), 0.001));
                res[np + i] = m2;
                res[2 * np + i] = v2;
                vt_value *mh = bc1 ? vt_build_binary(g.b, VT_OP_DIVIDE, m2, vt_build_broadcast_in_dim(g.b, bc1, pt, NULL, 0)) : NULL;
                vt_value *vh = bc2 ? vt_build_binary(g.b, VT_OP_DIVIDE, v2, vt_build_broadcast_in_dim(g.b, bc2, pt, NULL, 0)) : NULL;
                vt_value *den = vh ? adds(&t, vt_build_unary(g.b, VT_OP_SQRT, vh), 1e-8) : NULL;
                upd = den ? add(&t, vt_build_binary(g.b, VT_OP_DIVIDE, mh, den), muls(&t, p[i], 0.01)) : NULL;
            }
            res[i] = sub(&t, p[i], mul(&t, lrb, upd));
            res[ox + 1 + i] = grad[i];
        }
        if (gfp) res[nout - 1] = vt_mg_grad_fp(&g, grad, np, vt_builder_func_arg(g.b, main, ix + 3));
        bool ok = true;
        for (size_t i = 0; i < nout; i++) ok = ok && res[i];
        if (ok) vt_build_return(g.b, res, nout);
    } else if (!it || !ot || !res || !grad || !sv) {
        st = vt_error_set(err, VT_ENOMEM, "train_step graph: out of memory");
    }
    free(it), free(ot), free(res), free(grad), free(sv);
    if (st) {
        vt_builder_free(g.b);
        return st;
    }
    st = vt_mg_finish(&g, out, err);
    if (st) vt_error_prefix(err, "train_step graph");
    return st;
}

vt_status vt_model_emit_train_step(const vt_model_config *c, int64_t B, int64_t T, vt_model_optimizer opt,
                                   vt_module **out, vt_error *err) {
    return emit_train(c, B, T, opt, true, out, err);
}

vt_status vt_model_emit_train_step_opts(const vt_model_config *c, int64_t B, int64_t T, const vt_model_train_opts *o,
                                        vt_module **out, vt_error *err) {
    if (!o) {
        *out = NULL;
        return vt_error_set(err, VT_EINPUT, "train_step: no options");
    }
    return emit_train(c, B, T, o->opt, o->grad_fingerprint, out, err);
}
