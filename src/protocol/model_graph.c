/* The reference transformer's shared graph pieces: embedding as gather, RMSNorm, reduce-based
 * softmax, the tanh-GELU MLP, multi-head causal attention, the layer block and argmax as a
 * variadic reduce, each an outlined private function as JAX emits them (docs/model.md). */
#include "protocol/model_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* JAX's masked-out score: finfo(dtype).min would print as a huge literal; any value whose exp
 * underflows to 0 after subtracting the row max gives the same softmax. */
#define MASK_VALUE (-1e30)
#define RMS_EPS 1e-5

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
    g->nparams = vt_model_num_params(c);
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

/* x [..., d], gamma [d]: x * rsqrt(mean(x*x) + eps) * gamma. */
vt_func *vt_mg_rms_norm(vt_mg *g, const vt_type *x_t) {
    if (g->rms_norm) return g->rms_norm;
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
    return g->rms_norm = f;
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
    int64_t st[2] = {0, 0}, lim[2] = {T, d};
    vt_value *p = vt_build_slice(b, wpe, st, lim, NULL);
    int64_t pd[2] = {1, 2};
    vt_value *pb = p ? vt_build_broadcast_in_dim(b, p, x_t, pd, 2) : NULL;
    return e && pb ? vt_build_binary(b, VT_OP_ADD, e, pb) : NULL;
}

/* Causal multi-head attention on h [B,T,d] (already normalised). */
static vt_func *attention(vt_mg *g, const vt_type *x_t) {
    if (g->attention) return g->attention;
    vt_builder *b = g->b;
    int64_t B = x_t->dims[0], T = x_t->dims[1], d = g->c->d_model, H = g->c->heads, dh = d / H;
    int64_t wd[2] = {d, d};
    const vt_type *w_t = vt_mg_ty(g, g->dt, 2, wd);
    const vt_type *args[5] = {x_t, w_t, w_t, w_t, w_t};
    int64_t hd4[4] = {B, T, H, dh}, sd4[4] = {B, H, T, T};
    const vt_type *h4_t = vt_mg_ty(g, g->dt, 4, hd4), *s_t = vt_mg_ty(g, g->dt, 4, sd4);
    vt_func *sm = vt_mg_softmax(g, s_t);
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "attention", args, 5, &x_t, 1, &saved);
    if (!f || !sm) return NULL;
    vt_value *h = vt_builder_func_arg(b, f, 0);
    vt_value *q = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 1)), h4_t);
    vt_value *k = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 2)), h4_t);
    vt_value *v = vt_build_reshape(b, vt_mg_matmul(g, h, vt_builder_func_arg(b, f, 3)), h4_t);
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
    vt_value *out = vt_mg_matmul(g, of, vt_builder_func_arg(b, f, 4));
    if (out) vt_build_return(b, &out, 1);
    restore(g, saved);
    return g->attention = f;
}

vt_func *vt_mg_block(vt_mg *g, const vt_type *x_t) {
    if (g->block) return g->block;
    vt_builder *b = g->b;
    const vt_type *args[1 + VT_MODEL_PER_LAYER];
    args[0] = x_t;
    for (int i = 0; i < VT_MODEL_PER_LAYER; i++) args[1 + i] = g->ptypes[2 + i];
    vt_func *norm = vt_mg_rms_norm(g, x_t), *att = attention(g, x_t), *mlp = vt_mg_mlp(g, x_t);
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "block", args, 1 + VT_MODEL_PER_LAYER, &x_t, 1, &saved);
    if (!f) return NULL;
    vt_value *p[1 + VT_MODEL_PER_LAYER];
    for (int i = 0; i < 1 + VT_MODEL_PER_LAYER; i++) p[i] = vt_builder_func_arg(b, f, (size_t)i);
    vt_value *x = p[0];
    vt_value *na[2] = {x, p[1]};
    vt_value *h = vt_mg_call(g, norm, na, 2, 0);
    vt_value *aa[5] = {h, p[2], p[3], p[4], p[5]};
    vt_value *a = vt_mg_call(g, att, aa, 5, 0);
    x = a ? vt_build_binary(b, VT_OP_ADD, x, a) : NULL;
    vt_value *nb[2] = {x, p[6]};
    vt_value *h2 = vt_mg_call(g, norm, nb, 2, 0);
    vt_value *ma[3] = {h2, p[7], p[8]};
    vt_value *m = vt_mg_call(g, mlp, ma, 3, 0);
    x = m && x ? vt_build_binary(b, VT_OP_ADD, x, m) : NULL;
    if (x) vt_build_return(b, &x, 1);
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
