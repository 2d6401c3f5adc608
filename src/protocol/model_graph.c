/* The reference transformer's shared graph pieces: embedding as gather, RMSNorm / LayerNorm,
 * RoPE, reduce-based softmax, the tanh-GELU MLP, multi-head causal attention, the layer block,
 * argmax as a variadic reduce and the in-graph fingerprint matrix, each an outlined private
 * function (or inline idiom) as JAX emits them (docs/model.md). */
#include "protocol/model_internal.h"
#include "veritor/protocol_graph.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* JAX's masked-out score: finfo(dtype).min would print as a huge literal; any value whose exp
 * underflows to 0 after subtracting the row max gives the same softmax. */
#define MASK_VALUE (-1e30)
#define RMS_EPS 1e-5
#define ROPE_BASE 10000.0

vt_status vt_mg_begin(vt_mg *g, const vt_model_config *c, const char *name, vt_error *err) {
    memset(g, 0, sizeof *g);
    vt_status s = vt_model_config_check(c, err);
    if (s) return s;
    char mod[64];
    snprintf(mod, sizeof mod, "jit_%s", name);
    g->b = vt_builder_new(mod, err);
    if (!g->b) return err ? err->code : VT_ENOMEM;
    g->c = c;
    g->dt = c->compute;
    vt_model_layout(c, &g->lo);
    g->nparams = g->lo.n;
    for (size_t i = 0; i < g->nparams; i++) {
        char pn[64];
        int rank;
        int64_t dims[2];
        if ((s = vt_model_param_info(c, i, pn, sizeof pn, &rank, dims, err))) return s;
        g->ptypes[i] = vt_mg_ty(g, g->dt, rank, dims);
    }
    return VT_OK;
}

vt_status vt_mg_finish(vt_mg *g, vt_module **out, vt_error *err) {
    vt_status s = vt_builder_finish(g->b, out, err);
    vt_builder_free(g->b);
    g->b = NULL;
    return s;
}

const vt_type *vt_mg_ty(vt_mg *g, vt_dtype dt, int rank, const int64_t *dims) {
    return vt_builder_tensor_type(g->b, dt, rank, dims);
}

vt_value *vt_mg_full(vt_mg *g, const vt_type *t, double v) {
    vt_value *s = vt_build_constant_scalar(g->b, t->dtype, v);
    if (!s || t->rank == 0) return s;
    return vt_build_broadcast_in_dim(g->b, s, t, NULL, 0);
}

vt_value *vt_mg_mul_s(vt_mg *g, vt_value *x, double v) {
    if (!x) return NULL;
    return vt_build_binary(g->b, VT_OP_MULTIPLY, x, vt_mg_full(g, x->type, v));
}

vt_value *vt_mg_matmul(vt_mg *g, vt_value *x, vt_value *w) {
    if (!x || !w) return NULL;
    int64_t lc = x->type->rank - 1, rc = 0;
    return vt_build_dot_general(g->b, x, w, NULL, NULL, 0, &lc, &rc, 1);
}

vt_op *vt_mg_call_op(vt_mg *g, vt_func *f, vt_value *const *args, size_t n) {
    if (!f) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!args[i]) return NULL;
    return vt_build_call(g->b, f, args, n);
}

vt_value *vt_mg_call(vt_mg *g, vt_func *f, vt_value *const *args, size_t n, size_t i) {
    vt_op *op = vt_mg_call_op(g, f, args, n);
    return op ? vt_builder_result(g->b, op, i) : NULL;
}

vt_func *vt_mg_private(vt_mg *g, const char *name, const vt_type *const *args, size_t nargs,
                       const vt_type *const *res, size_t nres, vt_block **saved) {
    *saved = vt_builder_block(g->b);
    return vt_builder_func(g->b, name, "private", args, nargs, res, nres);
}

static void restore(vt_mg *g, vt_block *saved) { vt_builder_set_block(g->b, saved); }

/* RMSNorm x [..., d], gamma [d]: x * rsqrt(mean(x*x) + eps) * gamma. */
static vt_func *rms_norm(vt_mg *g, const vt_type *x_t) {
    vt_builder *b = g->b;
    int64_t d = g->c->d_model;
    const vt_type *args[2] = {x_t, vt_mg_ty(g, g->dt, 1, &d)};
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "rms_norm", args, 2, &x_t, 1, &saved);
    if (!f) return NULL;
    vt_value *x = vt_builder_func_arg(b, f, 0), *gamma = vt_builder_func_arg(b, f, 1);
    int r = x_t->rank;
    int64_t last = r - 1;
    vt_value *sq = vt_build_binary(b, VT_OP_MULTIPLY, x, x);
    vt_value *sum = vt_build_reduce(b, VT_OP_ADD, sq, vt_build_constant_scalar(b, g->dt, 0.0), &last, 1);
    vt_value *mean = sum ? vt_build_binary(b, VT_OP_DIVIDE, sum, vt_mg_full(g, sum->type, (double)d)) : NULL;
    vt_value *var = mean ? vt_build_binary(b, VT_OP_ADD, mean, vt_mg_full(g, mean->type, RMS_EPS)) : NULL;
    vt_value *inv = var ? vt_build_unary(b, VT_OP_RSQRT, var) : NULL;
    int64_t keep[VT_MAX_RANK];
    for (int i = 0; i < r - 1; i++) keep[i] = i;
    vt_value *invb = inv ? vt_build_broadcast_in_dim(b, inv, x_t, keep, (size_t)(r - 1)) : NULL;
    vt_value *y = invb ? vt_build_binary(b, VT_OP_MULTIPLY, x, invb) : NULL;
    vt_value *gb = vt_build_broadcast_in_dim(b, gamma, x_t, &last, 1);
    vt_value *out = y && gb ? vt_build_binary(b, VT_OP_MULTIPLY, y, gb) : NULL;
    if (out) vt_build_return(b, &out, 1);
    restore(g, saved);
    return f;
}

/* LayerNorm x [..., d]: (x - mean) * rsqrt(mean((x - mean)^2) + eps) * gamma + beta, both means
 * as reduce-add / d over the last dim. */
static vt_func *layer_norm(vt_mg *g, const vt_type *x_t) {
    vt_builder *b = g->b;
    int64_t d = g->c->d_model;
    const vt_type *v_t = vt_mg_ty(g, g->dt, 1, &d);
    const vt_type *args[3] = {x_t, v_t, v_t};
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "layer_norm", args, 3, &x_t, 1, &saved);
    if (!f) return NULL;
    vt_value *x = vt_builder_func_arg(b, f, 0), *gamma = vt_builder_func_arg(b, f, 1), *beta = vt_builder_func_arg(b, f, 2);
    int r = x_t->rank;
    int64_t last = r - 1, keep[VT_MAX_RANK];
    for (int i = 0; i < r - 1; i++) keep[i] = i;
    vt_value *sum = vt_build_reduce(b, VT_OP_ADD, x, vt_build_constant_scalar(b, g->dt, 0.0), &last, 1);
    vt_value *mean = sum ? vt_build_binary(b, VT_OP_DIVIDE, sum, vt_mg_full(g, sum->type, (double)d)) : NULL;
    vt_value *mb = mean ? vt_build_broadcast_in_dim(b, mean, x_t, keep, (size_t)(r - 1)) : NULL;
    vt_value *xc = mb ? vt_build_binary(b, VT_OP_SUBTRACT, x, mb) : NULL;
    vt_value *sq = xc ? vt_build_binary(b, VT_OP_MULTIPLY, xc, xc) : NULL;
    vt_value *ss = sq ? vt_build_reduce(b, VT_OP_ADD, sq, vt_build_constant_scalar(b, g->dt, 0.0), &last, 1) : NULL;
    vt_value *var = ss ? vt_build_binary(b, VT_OP_DIVIDE, ss, vt_mg_full(g, ss->type, (double)d)) : NULL;
    vt_value *ve = var ? vt_build_binary(b, VT_OP_ADD, var, vt_mg_full(g, var->type, RMS_EPS)) : NULL;
    vt_value *inv = ve ? vt_build_unary(b, VT_OP_RSQRT, ve) : NULL;
    vt_value *invb = inv ? vt_build_broadcast_in_dim(b, inv, x_t, keep, (size_t)(r - 1)) : NULL;
    vt_value *y = invb ? vt_build_binary(b, VT_OP_MULTIPLY, xc, invb) : NULL;
    vt_value *gb = vt_build_broadcast_in_dim(b, gamma, x_t, &last, 1);
    vt_value *bb = vt_build_broadcast_in_dim(b, beta, x_t, &last, 1);
    vt_value *yg = y && gb ? vt_build_binary(b, VT_OP_MULTIPLY, y, gb) : NULL;
    vt_value *out = yg && bb ? vt_build_binary(b, VT_OP_ADD, yg, bb) : NULL;
    if (out) vt_build_return(b, &out, 1);
    restore(g, saved);
    return f;
}

vt_func *vt_mg_norm(vt_mg *g, const vt_type *x_t) {
    if (!g->norm) g->norm = g->c->norm == VT_NORM_LAYER ? layer_norm(g, x_t) : rms_norm(g, x_t);
    return g->norm;
}

vt_value *vt_mg_apply_norm(vt_mg *g, vt_value *x, vt_value *gain, vt_value *bias) {
    if (!x) return NULL;
    vt_value *a[3] = {x, gain, bias};
    return vt_mg_call(g, vt_mg_norm(g, x->type), a, g->c->norm == VT_NORM_LAYER ? 3 : 2, 0);
}

void vt_mg_layer(vt_mg *g, vt_value *const *p, uint32_t l, vt_value *slots[SL_COUNT], vt_value **ordered) {
    size_t base = g->lo.layer0 + (size_t)l * g->lo.per_layer;
    for (int s = 0; s < SL_COUNT; s++) slots[s] = g->lo.slot[s] < 0 ? NULL : p[base + (size_t)g->lo.slot[s]];
    for (size_t j = 0; ordered && j < g->lo.per_layer; j++) ordered[j] = p[base + j];
}

/* RoPE (GPT-NeoX half split): inv_freq[j] = 1 / 10000^(2j / dh), angle[t, j] = pos[t] inv_freq[j]. */
void vt_mg_rope_tables(vt_mg *g, vt_value *pos, vt_value **cos_out, vt_value **sin_out) {
    vt_builder *b = g->b;
    *cos_out = *sin_out = NULL;
    if (!pos) return;
    int64_t dh = g->c->d_model / g->c->heads, half = dh / 2, n = pos->type->dims[0];
    int64_t ad[2] = {n, half}, zero = 0, one = 1;
    const vt_type *a_t = vt_mg_ty(g, g->dt, 2, ad), *h_t = vt_mg_ty(g, g->dt, 1, &half);
    vt_value *j = vt_build_convert(b, vt_build_iota(b, vt_mg_ty(g, VT_I32, 1, &half), 0), g->dt);
    vt_value *ex = j ? vt_build_binary(b, VT_OP_DIVIDE, vt_mg_mul_s(g, j, 2.0), vt_mg_full(g, h_t, (double)dh)) : NULL;
    vt_value *den = ex ? vt_build_binary(b, VT_OP_POWER, vt_mg_full(g, h_t, ROPE_BASE), ex) : NULL;
    vt_value *inv = den ? vt_build_binary(b, VT_OP_DIVIDE, vt_mg_full(g, h_t, 1.0), den) : NULL;
    vt_value *pf = vt_build_convert(b, pos, g->dt);
    vt_value *pb = pf ? vt_build_broadcast_in_dim(b, pf, a_t, &zero, 1) : NULL;
    vt_value *ib = inv ? vt_build_broadcast_in_dim(b, inv, a_t, &one, 1) : NULL;
    vt_value *ang = pb && ib ? vt_build_binary(b, VT_OP_MULTIPLY, pb, ib) : NULL;
    if (!ang) return;
    *cos_out = vt_build_unary(b, VT_OP_COSINE, ang);
    *sin_out = vt_build_unary(b, VT_OP_SINE, ang);
}

vt_value *vt_mg_rope_apply(vt_mg *g, vt_value *x, vt_value *cos, vt_value *sin, int64_t pos_dim, bool inverse) {
    vt_builder *b = g->b;
    if (!x || !cos || !sin) return NULL;
    int r = x->type->rank;
    int64_t dh = x->type->dims[r - 1], half = dh / 2;
    int64_t st[VT_MAX_RANK] = {0}, mid[VT_MAX_RANK], lim[VT_MAX_RANK];
    for (int i = 0; i < r; i++) mid[i] = lim[i] = x->type->dims[i];
    mid[r - 1] = half;
    vt_value *x1 = vt_build_slice(b, x, st, mid, NULL);
    st[r - 1] = half;
    vt_value *x2 = vt_build_slice(b, x, st, lim, NULL);
    if (!x1 || !x2) return NULL;
    int64_t bd[2] = {pos_dim, r - 1};
    vt_value *c = vt_build_broadcast_in_dim(b, cos, x1->type, bd, 2), *s = vt_build_broadcast_in_dim(b, sin, x1->type, bd, 2);
    if (!c || !s) return NULL;
    vt_value *x1c = vt_build_binary(b, VT_OP_MULTIPLY, x1, c), *x2s = vt_build_binary(b, VT_OP_MULTIPLY, x2, s);
    vt_value *x2c = vt_build_binary(b, VT_OP_MULTIPLY, x2, c), *x1s = vt_build_binary(b, VT_OP_MULTIPLY, x1, s);
    if (!x1c || !x2s || !x2c || !x1s) return NULL;
    vt_value *o[2];
    if (!inverse) { /* [x1 c - x2 s, x2 c + x1 s] */
        o[0] = vt_build_binary(b, VT_OP_SUBTRACT, x1c, x2s);
        o[1] = vt_build_binary(b, VT_OP_ADD, x2c, x1s);
    } else { /* the transpose of the rotation: [x1 c + x2 s, x2 c - x1 s] */
        o[0] = vt_build_binary(b, VT_OP_ADD, x1c, x2s);
        o[1] = vt_build_binary(b, VT_OP_SUBTRACT, x2c, x1s);
    }
    return o[0] && o[1] ? vt_build_concatenate(b, o, 2, r - 1) : NULL;
}

/* Softmax over the last dim: exp(s - max) / sum, both reductions as stablehlo.reduce. */
vt_func *vt_mg_softmax(vt_mg *g, const vt_type *s_t) {
    if (g->softmax) return g->softmax;
    vt_builder *b = g->b;
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "_softmax", &s_t, 1, &s_t, 1, &saved);
    if (!f) return NULL;
    vt_value *s = vt_builder_func_arg(b, f, 0);
    int r = s_t->rank;
    int64_t last = r - 1, keep[VT_MAX_RANK];
    for (int i = 0; i < r - 1; i++) keep[i] = i;
    vt_value *m = vt_build_reduce(b, VT_OP_MAXIMUM, s, vt_build_constant_scalar(b, g->dt, -INFINITY), &last, 1);
    vt_value *mb = m ? vt_build_broadcast_in_dim(b, m, s_t, keep, (size_t)(r - 1)) : NULL;
    vt_value *e = mb ? vt_build_unary(b, VT_OP_EXPONENTIAL, vt_build_binary(b, VT_OP_SUBTRACT, s, mb)) : NULL;
    vt_value *z = e ? vt_build_reduce(b, VT_OP_ADD, e, vt_build_constant_scalar(b, g->dt, 0.0), &last, 1) : NULL;
    vt_value *zb = z ? vt_build_broadcast_in_dim(b, z, s_t, keep, (size_t)(r - 1)) : NULL;
    vt_value *p = zb ? vt_build_binary(b, VT_OP_DIVIDE, e, zb) : NULL;
    if (p) vt_build_return(b, &p, 1);
    restore(g, saved);
    return g->softmax = f;
}

/* gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
static vt_value *gelu(vt_mg *g, vt_value *x) {
    vt_builder *b = g->b;
    vt_value *x3 = vt_build_binary(b, VT_OP_MULTIPLY, vt_build_binary(b, VT_OP_MULTIPLY, x, x), x);
    vt_value *in = vt_build_binary(b, VT_OP_ADD, x, vt_mg_mul_s(g, x3, 0.044715));
    vt_value *t = vt_build_unary(b, VT_OP_TANH, vt_mg_mul_s(g, in, 0.7978845608028654));
    vt_value *one = t ? vt_build_binary(b, VT_OP_ADD, t, vt_mg_full(g, t->type, 1.0)) : NULL;
    return one ? vt_build_binary(b, VT_OP_MULTIPLY, vt_mg_mul_s(g, x, 0.5), one) : NULL;
}

vt_func *vt_mg_mlp(vt_mg *g, const vt_type *x_t) {
    if (g->mlp) return g->mlp;
    vt_builder *b = g->b;
    int64_t d = g->c->d_model, f_ = g->c->d_ff;
    int64_t w1d[2] = {d, f_}, w2d[2] = {f_, d};
    const vt_type *args[3] = {x_t, vt_mg_ty(g, g->dt, 2, w1d), vt_mg_ty(g, g->dt, 2, w2d)};
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "mlp", args, 3, &x_t, 1, &saved);
    if (!f) return NULL;
    vt_value *h = vt_mg_matmul(g, vt_builder_func_arg(b, f, 0), vt_builder_func_arg(b, f, 1));
    vt_value *a = h ? gelu(g, h) : NULL;
    vt_value *o = vt_mg_matmul(g, a, vt_builder_func_arg(b, f, 2));
    if (o) vt_build_return(b, &o, 1);
    restore(g, saved);
    return g->mlp = f;
}

vt_value *vt_mg_embed(vt_mg *g, vt_value *wte, vt_value *wpe, vt_value *tokens) {
    vt_builder *b = g->b;
    if (!tokens) return NULL;
    int64_t B = tokens->type->dims[0], T = tokens->type->dims[1], d = g->c->d_model;
    int64_t od[1] = {2}, cd[1] = {0}, sm[1] = {0}, ss[2] = {1, d};
    vt_gather_dims gd = {.offset_dims = od, .noffset_dims = 1, .collapsed_slice_dims = cd,
                         .ncollapsed_slice_dims = 1, .start_index_map = sm, .nstart_index_map = 1,
                         .index_vector_dim = 2};
    int64_t xd[3] = {B, T, d};
    const vt_type *x_t = vt_mg_ty(g, g->dt, 3, xd);
    vt_value *e = vt_build_gather(b, wte, tokens, &gd, ss, 2, x_t);
    if (!wpe) return e;
    int64_t st[2] = {0, 0}, lim[2] = {T, d};
    vt_value *p = vt_build_slice(b, wpe, st, lim, NULL);
    int64_t pd[2] = {1, 2};
    vt_value *pb = p ? vt_build_broadcast_in_dim(b, p, x_t, pd, 2) : NULL;
    return e && pb ? vt_build_binary(b, VT_OP_ADD, e, pb) : NULL;
}

/* Causal multi-head attention on h [B,T,d] (already normalised); with RoPE q and k are rotated
 * by positions 0..T-1 (tables from iota); with g->kv it also returns k (rotated) and v [B,T,d]. */
static vt_func *attention(vt_mg *g, const vt_type *x_t) {
    if (g->attention) return g->attention;
    vt_builder *b = g->b;
    int64_t B = x_t->dims[0], T = x_t->dims[1], d = g->c->d_model, H = g->c->heads, dh = d / H;
    int64_t wd[2] = {d, d};
    const vt_type *w_t = vt_mg_ty(g, g->dt, 2, wd);
    const vt_type *args[5] = {x_t, w_t, w_t, w_t, w_t}, *res[3] = {x_t, x_t, x_t};
    int64_t hd4[4] = {B, T, H, dh}, sd4[4] = {B, H, T, T};
    const vt_type *h4_t = vt_mg_ty(g, g->dt, 4, hd4), *s_t = vt_mg_ty(g, g->dt, 4, sd4);
    vt_func *sm = vt_mg_softmax(g, s_t);
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "attention", args, 5, res, g->kv ? 3 : 1, &saved);
    if (!f || !sm) return NULL;
    vt_value *h = vt_builder_func_arg(b, f, 0);
    vt_value *q = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 1)), h4_t);
    vt_value *k = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 2)), h4_t);
    vt_value *v = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 3)), h4_t);
    if (g->c->pos == VT_POS_ROPE) {
        vt_value *cs, *sn;
        vt_mg_rope_tables(g, vt_build_iota(b, vt_mg_ty(g, VT_I32, 1, &T), 0), &cs, &sn);
        q = vt_mg_rope_apply(g, q, cs, sn, 1, false);
        k = vt_mg_rope_apply(g, k, cs, sn, 1, false);
    }
    /* scores[b,h,i,j] = q[b,i,h,:] . k[b,j,h,:] */
    int64_t bq[2] = {0, 2}, bk[2] = {0, 2}, cq = 3, ck = 3;
    vt_value *s = q && k ? vt_build_dot_general(b, q, k, bq, bk, 2, &cq, &ck, 1) : NULL;
    s = vt_mg_mul_s(g, s, 1.0 / sqrt((double)dh));
    int64_t md[2] = {T, T};
    const vt_type *m_t = vt_mg_ty(g, VT_I32, 2, md);
    vt_value *row = vt_build_iota(b, m_t, 0), *col = vt_build_iota(b, m_t, 1);
    vt_value *mask = vt_build_compare(b, "GE", row, col, "SIGNED");
    int64_t mdims[2] = {2, 3};
    vt_value *maskb = mask ? vt_build_broadcast_in_dim(b, mask, vt_builder_retype(b, s_t, VT_I1), mdims, 2) : NULL;
    vt_value *sm_in = maskb && s ? vt_build_select(b, maskb, s, vt_mg_full(g, s_t, MASK_VALUE)) : NULL;
    vt_value *p = vt_mg_call(g, sm, &sm_in, 1, 0);
    /* o[b,h,i,:] = sum_j p[b,h,i,j] v[b,j,h,:] */
    int64_t bp[2] = {0, 1}, bv[2] = {0, 2}, cp = 3, cv = 1;
    vt_value *o = p && v ? vt_build_dot_general(b, p, v, bp, bv, 2, &cp, &cv, 1) : NULL;
    int64_t perm[4] = {0, 2, 1, 3};
    vt_value *ot = o ? vt_build_transpose(b, o, perm, 4) : NULL;
    vt_value *of = ot ? vt_build_reshape(b, ot, x_t) : NULL;
    vt_value *out[3] = {vt_mg_matmul(g, of, vt_builder_func_arg(b, f, 4)), NULL, NULL};
    if (g->kv) {
        out[1] = k ? vt_build_reshape(b, k, x_t) : NULL;
        out[2] = v ? vt_build_reshape(b, v, x_t) : NULL;
    }
    if (out[0] && (!g->kv || (out[1] && out[2]))) vt_build_return(b, out, g->kv ? 3 : 1);
    restore(g, saved);
    return g->attention = f;
}

vt_func *vt_mg_block(vt_mg *g, const vt_type *x_t) {
    if (g->block) return g->block;
    vt_builder *b = g->b;
    size_t npl = g->lo.per_layer;
    const vt_type *args[1 + VT_MODEL_PER_LAYER_MAX], *res[3] = {x_t, x_t, x_t};
    args[0] = x_t;
    for (size_t i = 0; i < npl; i++) args[1 + i] = g->ptypes[g->lo.layer0 + i];
    vt_func *norm = vt_mg_norm(g, x_t), *att = attention(g, x_t), *mlp = vt_mg_mlp(g, x_t);
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "block", args, 1 + npl, res, g->kv ? 3 : 1, &saved);
    if (!f || !norm) return NULL;
    vt_value *p[1 + VT_MODEL_PER_LAYER_MAX], *w[SL_COUNT];
    for (size_t i = 0; i < 1 + npl; i++) p[i] = vt_builder_func_arg(b, f, i);
    vt_value *x = p[0];
    for (int s = 0; s < SL_COUNT; s++) w[s] = g->lo.slot[s] < 0 ? NULL : p[1 + g->lo.slot[s]];
    vt_value *h = vt_mg_apply_norm(g, x, w[SL_N1G], w[SL_N1B]);
    vt_value *aa[5] = {h, w[SL_WQ], w[SL_WK], w[SL_WV], w[SL_WO]};
    vt_op *aop = vt_mg_call_op(g, att, aa, 5);
    vt_value *a = aop ? vt_builder_result(b, aop, 0) : NULL;
    x = a ? vt_build_binary(b, VT_OP_ADD, x, a) : NULL;
    vt_value *h2 = vt_mg_apply_norm(g, x, w[SL_N2G], w[SL_N2B]);
    vt_value *ma[3] = {h2, w[SL_W1], w[SL_W2]};
    vt_value *m = vt_mg_call(g, mlp, ma, 3, 0);
    vt_value *r[3] = {m && x ? vt_build_binary(b, VT_OP_ADD, x, m) : NULL, NULL, NULL};
    if (g->kv && aop) r[1] = vt_builder_result(b, aop, 1), r[2] = vt_builder_result(b, aop, 2);
    if (r[0] && (!g->kv || (r[1] && r[2]))) vt_build_return(b, r, g->kv ? 3 : 1);
    restore(g, saved);
    return g->block = f;
}

vt_value *vt_mg_logits(vt_mg *g, vt_value *h, vt_value *wte) {
    if (!h || !wte) return NULL;
    int64_t lc = h->type->rank - 1, rc = 1;
    return vt_build_dot_general(g->b, h, wte, NULL, NULL, 0, &lc, &rc, 1);
}

/* jnp.argmax: reduce over (values, iota) keeping the larger value, NaN first, ties to the
 * lower index. */
vt_value *vt_mg_argmax(vt_mg *g, vt_value *x) {
    vt_builder *b = g->b;
    if (!x) return NULL;
    const vt_type *x_t = x->type;
    int64_t R = x_t->dims[0], last = 1;
    vt_value *idx = vt_build_iota(b, vt_builder_retype(b, x_t, VT_I32), 1);
    vt_value *ops[4] = {x, idx, vt_build_constant_scalar(b, x_t->dtype, -INFINITY),
                        vt_build_constant_scalar(b, VT_I32, 0)};
    for (int i = 0; i < 4; i++)
        if (!ops[i]) return NULL;
    const vt_type *rt[2] = {vt_mg_ty(g, x_t->dtype, 1, &R), vt_mg_ty(g, VT_I32, 1, &R)};
    vt_named_attr a = {"dimensions", vt_builder_attr_i64_array(b, &last, 1)};
    vt_op *op = vt_build_op(b, "stablehlo.reduce", ops, 4, rt, 2, &a, 1, 1);
    if (!op) return NULL;
    const vt_type *st[4] = {ops[2]->type, ops[3]->type, ops[2]->type, ops[3]->type};
    vt_block *blk = vt_builder_add_block(b, op, 0, st, 4);
    if (!blk) return NULL;
    vt_builder_push_block(b, blk);
    vt_value *av = vt_builder_block_arg(b, blk, 0), *ai = vt_builder_block_arg(b, blk, 1);
    vt_value *bv = vt_builder_block_arg(b, blk, 2), *bi = vt_builder_block_arg(b, blk, 3);
    vt_value *gt = vt_build_compare(b, "GT", av, bv, "FLOAT");
    vt_value *nan = vt_build_compare(b, "NE", av, av, "FLOAT");
    vt_value *eq = vt_build_compare(b, "EQ", av, bv, "FLOAT");
    vt_value *lt = vt_build_compare(b, "LT", ai, bi, "SIGNED");
    vt_value *pick = vt_build_binary(b, VT_OP_OR, vt_build_binary(b, VT_OP_OR, gt, nan),
                                     vt_build_binary(b, VT_OP_AND, eq, lt));
    vt_value *res[2] = {vt_build_select(b, pick, av, bv), vt_build_select(b, pick, ai, bi)};
    if (res[0] && res[1]) vt_build_return(b, res, 2);
    vt_builder_pop_block(b);
    return vt_builder_result(b, op, 1);
}

vt_value *vt_mg_rademacher_rows(vt_mg *g, vt_value *key, vt_value *c0, int64_t rows, uint32_t k) {
    vt_builder *b = g->b;
    if (!key || !c0) return NULL;
    const int64_t nw = rows / 32, K = k;
    int64_t dw[2] = {nw, K}, dw3[3] = {nw, 32, K}, dr[2] = {rows, K}, bd[2] = {0, 2};
    const vt_type *tw = vt_mg_ty(g, VT_U32, 2, dw);
    const vt_type *u32 = vt_builder_scalar_type(b, VT_U32);
    vt_value *kw[2];
    for (int i = 0; i < 2; i++) {
        int64_t s = i, l = i + 1;
        vt_value *w = vt_build_reshape(b, vt_build_slice(b, key, &s, &l, NULL), u32);
        kw[i] = w ? vt_build_broadcast_in_dim(b, w, tw, NULL, 0) : NULL;
    }
    /* Stream word n = (c0 / 32 + r) k + j (< 2^32, checked by the callers): counter (0, n). */
    vt_value *r0 = vt_build_binary(b, VT_OP_SHIFT_RIGHT_LOGICAL, c0, vt_build_constant_scalar(b, VT_U32, 5));
    vt_value *rb = r0 ? vt_build_broadcast_in_dim(b, r0, tw, NULL, 0) : NULL;
    vt_value *row = rb ? vt_build_binary(b, VT_OP_ADD, vt_build_iota(b, tw, 0), rb) : NULL;
    vt_value *n = row ? vt_build_binary(b, VT_OP_ADD, vt_build_binary(b, VT_OP_MULTIPLY, row, vt_mg_full(g, tw, (double)K)),
                                        vt_build_iota(b, tw, 1)) : NULL;
    if (!n || !kw[0] || !kw[1]) return NULL;
    vt_value *y[2] = {NULL, NULL};
    vt_build_threefry2x32(b, kw[0], kw[1], vt_mg_full(g, tw, 0), n, y);
    vt_value *w = y[0] && y[1] ? vt_build_binary(b, VT_OP_XOR, y[0], y[1]) : NULL;
    /* Column c uses bit c % 32 of its word: each word repeated over a middle dim of 32 shifted
     * by that dim's iota, then [rows/32, 32, k] -> [rows, k]. The elementwise chain stays in one
     * shape with scalar constants broadcast (not splats) so that the interpreter fuses it. */
    const vt_type *t3 = vt_mg_ty(g, VT_U32, 3, dw3), *f3 = vt_mg_ty(g, VT_F32, 3, dw3);
    vt_value *wb = w ? vt_build_broadcast_in_dim(b, w, t3, bd, 2) : NULL;
    vt_value *bit = wb ? vt_build_binary(b, VT_OP_AND, vt_build_binary(b, VT_OP_SHIFT_RIGHT_LOGICAL, wb, vt_build_iota(b, t3, 1)),
                                         vt_mg_full(g, t3, 1)) : NULL;
    vt_value *bf = bit ? vt_build_convert(b, bit, VT_F32) : NULL;
    vt_value *pm = bf ? vt_build_binary(b, VT_OP_SUBTRACT, vt_mg_full(g, f3, 1),
                                        vt_build_binary(b, VT_OP_MULTIPLY, vt_mg_full(g, f3, 2), bf)) : NULL;
    return pm ? vt_build_reshape(b, pm, vt_mg_ty(g, VT_F32, 2, dr)) : NULL;
}

vt_value *vt_mg_fp_matrix(vt_mg *g, vt_value *key) {
    vt_builder *b = g->b;
    int64_t d = g->c->d_model, rows = (d + 31) / 32 * 32, K = g->c->fp_k;
    vt_value *R = vt_mg_rademacher_rows(g, key, vt_build_constant_scalar(b, VT_U32, 0), rows, g->c->fp_k);
    int64_t st[2] = {0, 0}, lim[2] = {d, K};
    if (R && rows != d) R = vt_build_slice(b, R, st, lim, NULL);
    if (R && g->dt != VT_F32) R = vt_build_convert(b, R, g->dt);
    /* +-1 times the compute dtype's 1/sqrt(k): the same rounding as vt_model_fp_matrix's. */
    return vt_mg_mul_s(g, R, 1.0 / sqrt((double)K));
}
