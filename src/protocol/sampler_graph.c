/* The canonical sampler (docs/sampling.md) and Threefry emitted as StableHLO ops with the builder
 * API, so the verifier's interpreter reproduces vt_sampler_sample token for token. Sums that the
 * C sampler takes in a fixed order run as sequential while loops here, because a tree reduce
 * may reassociate; everything else is elementwise, max/min reduces and stable sorts. */
#include "veritor/protocol_graph.h"

#include <math.h>
#include <string.h>

/* ---- small emitters ------------------------------------------------------------------------- */
typedef struct sg {
    vt_builder *b;
    int64_t B, V;
} sg;

static const vt_type *ty1(vt_builder *b, vt_dtype dt, int64_t n) { return vt_builder_tensor_type(b, dt, 1, &n); }
static const vt_type *ty2(vt_builder *b, vt_dtype dt, int64_t n0, int64_t n1) {
    int64_t d[2] = {n0, n1};
    return vt_builder_tensor_type(b, dt, 2, d);
}
static vt_value *bin(vt_builder *b, vt_opcode c, vt_value *x, vt_value *y) { return vt_build_binary(b, c, x, y); }
static vt_value *cmp(vt_builder *b, const char *dir, vt_value *x, vt_value *y) {
    return vt_build_compare(b, dir, x, y, NULL);
}
/* A splat constant shaped like x (x may be NULL after a builder error). */
static vt_value *like(vt_builder *b, vt_value *x, double v) { return x ? vt_build_splat(b, x->type, v) : NULL; }
static vt_value *scal(vt_builder *b, vt_dtype dt, double v) { return vt_build_constant_scalar(b, dt, v); }

/* ---- Threefry-2x32 ---------------------------------------------------------------------------- */
static vt_value *rotl(vt_builder *b, vt_value *x, unsigned r) {
    vt_value *hi = bin(b, VT_OP_SHIFT_LEFT, x, like(b, x, r));
    vt_value *lo = bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, x, like(b, x, 32 - r));
    return bin(b, VT_OP_OR, hi, lo);
}

vt_status vt_build_threefry2x32(vt_builder *b, vt_value *k0, vt_value *k1, vt_value *x0, vt_value *x1,
                                vt_value *out[2]) {
    static const unsigned rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    out[0] = out[1] = NULL;
    if (!k0 || !k1 || !x0 || !x1) return vt_builder_status(b, NULL);
    vt_value *ks[3] = {k0, k1, bin(b, VT_OP_XOR, bin(b, VT_OP_XOR, k0, k1), like(b, k0, 0x1BD11BDA))};
    x0 = bin(b, VT_OP_ADD, x0, ks[0]);
    x1 = bin(b, VT_OP_ADD, x1, ks[1]);
    for (unsigned i = 0; i < 20; i++) {
        x0 = bin(b, VT_OP_ADD, x0, x1);
        x1 = rotl(b, x1, rot[i % 8]);
        x1 = bin(b, VT_OP_XOR, x1, x0);
        if (i % 4 == 3) {
            unsigned s = i / 4 + 1; /* key injection 1..5 */
            x0 = bin(b, VT_OP_ADD, x0, ks[s % 3]);
            x1 = bin(b, VT_OP_ADD, bin(b, VT_OP_ADD, x1, ks[(s + 1) % 3]), like(b, x1, s));
        }
    }
    out[0] = x0;
    out[1] = x1;
    return vt_builder_status(b, NULL);
}

vt_status vt_build_fold_in(vt_builder *b, vt_value *k[2], vt_value *d) {
    vt_value *o[2];
    vt_status s = vt_build_threefry2x32(b, k[0], k[1], like(b, d, 0), d, o);
    k[0] = o[0];
    k[1] = o[1];
    return s;
}

/* ---- sampler pieces --------------------------------------------------------------------------- */
static vt_value *bcast(sg *g, vt_value *x, vt_dtype dt) { /* [B] -> [B, V] */
    int64_t dim0 = 0;
    return vt_build_broadcast_in_dim(g->b, x, ty2(g->b, dt, g->B, g->V), &dim0, 1);
}
static vt_value *reduce1(sg *g, vt_opcode kind, vt_value *x, vt_dtype dt, double init) { /* [B, V] -> [B] */
    int64_t dim1 = 1;
    return vt_build_reduce(g->b, kind, x, scal(g->b, dt, init), &dim1, 1);
}
static vt_value *iota_bv(sg *g) { return vt_build_iota(g->b, ty2(g->b, VT_I32, g->B, g->V), 1); }

/* Sorts each row of (key [B,V] f64, iota) into key descending, index ascending. */
static void sort_desc(sg *g, vt_value *key, bool explicit_tiebreak, vt_value **sk, vt_value **si) {
    vt_builder *b = g->b;
    vt_value *ops[2] = {key, iota_bv(g)};
    const vt_type *rt[2] = {ty2(b, VT_F64, g->B, g->V), ty2(b, VT_I32, g->B, g->V)};
    /* A single GT compare with is_stable keeps equal keys in index order (the spec's stability),
     * which is the tie rule; the explicit comparator states it without relying on stability. */
    vt_named_attr at[2] = {{"dimension", vt_builder_attr_int(b, 1, VT_I64)},
                           {"is_stable", vt_builder_attr_bool(b, true)}};
    *sk = *si = NULL;
    if (!ops[1]) return;
    vt_op *op = vt_build_op(b, "stablehlo.sort", ops, 2, rt, 2, at, 2, 1);
    if (!op) return;
    const vt_type *sf = vt_builder_scalar_type(b, VT_F64), *si32 = vt_builder_scalar_type(b, VT_I32);
    const vt_type *args[4] = {sf, sf, si32, si32};
    vt_block *blk = vt_builder_add_block(b, op, 0, args, 4);
    if (!blk) return;
    vt_builder_push_block(b, blk);
    vt_value *xa = vt_builder_block_arg(b, blk, 0), *xb = vt_builder_block_arg(b, blk, 1);
    vt_value *r = cmp(b, "GT", xa, xb);
    if (explicit_tiebreak) {
        vt_value *ia = vt_builder_block_arg(b, blk, 2), *ib = vt_builder_block_arg(b, blk, 3);
        r = bin(b, VT_OP_OR, r, bin(b, VT_OP_AND, cmp(b, "EQ", xa, xb), cmp(b, "LT", ia, ib)));
    }
    vt_build_return(b, &r, 1);
    vt_builder_pop_block(b);
    *sk = vt_builder_result(b, op, 0);
    *si = vt_builder_result(b, op, 1);
}

/* Element of each row at per-row position pos [B] (i32): a one-hot max, exact. */
static vt_value *pick(sg *g, vt_value *x, vt_dtype dt, vt_value *pos, double floor) {
    vt_value *hot = cmp(g->b, "EQ", iota_bv(g), bcast(g, pos, VT_I32));
    return reduce1(g, VT_OP_MAXIMUM, vt_build_select(g->b, hot, x, like(g->b, x, floor)), dt, floor);
}

/* Sequential scan over the columns of vals [B, V] f64 in index order (a while loop, so the sum
 * is exactly sum_{i ascending}): returns the total and, when thr is given, the first column i
 * where mask (NULL: all) holds and `thr dir acc_i` (acc_i the inclusive running sum), or -1. */
static vt_value *scan(sg *g, vt_value *vals, vt_value *mask, vt_value *thr, const char *dir, vt_value **first) {
    vt_builder *b = g->b;
    int64_t perm[2] = {1, 0};
    vt_value *vt = vt_build_transpose(b, vals, perm, 2); /* [V, B]: a column is one contiguous row */
    vt_value *mt = mask ? vt_build_transpose(b, mask, perm, 2) : vt_build_splat(b, ty2(b, VT_I1, g->V, g->B), 1);
    vt_value *th = thr ? thr : vt_build_splat(b, ty1(b, VT_F64, g->B), 0);
    vt_value *init[6] = {scal(b, VT_I32, 0), vt_build_splat(b, ty1(b, VT_F64, g->B), 0),
                         vt_build_splat(b, ty1(b, VT_I32, g->B), -1), vt, mt, th};
    if (first) *first = NULL;
    for (int i = 0; i < 6; i++)
        if (!init[i]) return NULL;
    vt_op *w = vt_build_while_begin(b, init, 6);
    if (!w) return NULL;
    vt_block *c = vt_builder_while_cond(b, w);
    vt_value *go = cmp(b, "LT", vt_builder_block_arg(b, c, 0), scal(b, VT_I32, (double)g->V));
    vt_build_return(b, &go, 1);
    vt_block *body = vt_builder_while_body(b, w);
    vt_value *j = vt_builder_block_arg(b, body, 0), *acc = vt_builder_block_arg(b, body, 1);
    vt_value *idx = vt_builder_block_arg(b, body, 2), *V = vt_builder_block_arg(b, body, 3);
    vt_value *M = vt_builder_block_arg(b, body, 4), *TH = vt_builder_block_arg(b, body, 5);
    vt_value *zero = scal(b, VT_I32, 0);
    vt_value *starts[2] = {j, zero};
    int64_t sz[2] = {1, g->B};
    vt_value *col = vt_build_reshape(b, vt_build_dynamic_slice(b, V, starts, sz), ty1(b, VT_F64, g->B));
    vt_value *mcol = vt_build_reshape(b, vt_build_dynamic_slice(b, M, starts, sz), ty1(b, VT_I1, g->B));
    vt_value *acc2 = bin(b, VT_OP_ADD, acc, col);
    vt_value *idx2 = idx;
    if (thr) {
        vt_value *hit = bin(b, VT_OP_AND, cmp(b, "EQ", idx, like(b, idx, -1)), bin(b, VT_OP_AND, mcol, cmp(b, dir, TH, acc2)));
        int64_t none = 0;
        vt_value *jb = vt_build_broadcast_in_dim(b, j, ty1(b, VT_I32, g->B), &none, 0);
        idx2 = vt_build_select(b, hit, jb, idx);
    }
    vt_value *next[6] = {bin(b, VT_OP_ADD, j, scal(b, VT_I32, 1)), acc2, idx2, V, M, TH};
    vt_build_return(b, next, 6);
    if (vt_build_while_end(b, w)) return NULL;
    if (first) *first = vt_builder_result(b, w, 2);
    return vt_builder_result(b, w, 1);
}

/* u53(fold_in(fold_in(fold_in(key, 'SMPL'), pos_hi), pos_lo)) per row, in f64: the two 32-bit
 * words combine exactly as y0 * 2^21 + (y1 >> 11) < 2^53, then one exact scaling by 2^-53. */
static vt_value *uniform53(sg *g, vt_value *key, vt_value *pos) {
    vt_builder *b = g->b;
    const vt_type *tb = ty1(b, VT_U32, g->B);
    vt_value *k[2];
    for (int w = 0; w < 2; w++) {
        int64_t st[2] = {0, w}, li[2] = {g->B, w + 1}, one[2] = {1, 1};
        k[w] = vt_build_reshape(b, vt_build_slice(b, key, st, li, one), tb);
    }
    vt_value *hi = vt_build_convert(b, bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, pos, like(b, pos, 32)), VT_U32);
    vt_value *lo = vt_build_convert(b, bin(b, VT_OP_AND, pos, like(b, pos, 4294967295.0)), VT_U32);
    vt_build_fold_in(b, k, vt_build_splat(b, tb, VT_PURPOSE_SAMPLE));
    vt_build_fold_in(b, k, hi);
    vt_build_fold_in(b, k, lo);
    vt_value *y[2], *z = vt_build_splat(b, tb, 0);
    vt_build_threefry2x32(b, k[0], k[1], z, z, y);
    vt_value *a = bin(b, VT_OP_MULTIPLY, vt_build_convert(b, y[0], VT_F64), vt_build_splat(b, ty1(b, VT_F64, g->B), 2097152.0));
    vt_value *c = vt_build_convert(b, bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, y[1], like(b, y[1], 11)), VT_F64);
    return bin(b, VT_OP_MULTIPLY, bin(b, VT_OP_ADD, a, c), like(b, a, ldexp(1.0, -53)));
}

/* Rows the C sampler rejects (vt_sampler_check and the logit checks): true -> token -1. */
static vt_value *bad_rows(sg *g, vt_value *l, vt_value *T, vt_value *k, vt_value *p, vt_value *mp, vt_value *pen,
                          vt_value *nfinite) {
    vt_builder *b = g->b;
    vt_value *nan = cmp(b, "NE", l, l), *pinf = cmp(b, "EQ", l, like(b, l, INFINITY));
    vt_value *badl = reduce1(g, VT_OP_OR, bin(b, VT_OP_OR, nan, pinf), VT_I1, 0);
    vt_value *bad = bin(b, VT_OP_OR, badl, cmp(b, "EQ", nfinite, like(b, nfinite, 0)));
    vt_value *okT = bin(b, VT_OP_AND, cmp(b, "GE", T, like(b, T, 0)), cmp(b, "LT", T, like(b, T, INFINITY)));
    vt_value *okk = cmp(b, "GE", k, like(b, k, 0));
    vt_value *okp = bin(b, VT_OP_AND, cmp(b, "GT", p, like(b, p, 0)), cmp(b, "LE", p, like(b, p, 1)));
    vt_value *okm = bin(b, VT_OP_AND, cmp(b, "GE", mp, like(b, mp, 0)), cmp(b, "LE", mp, like(b, mp, 1)));
    vt_value *ok = bin(b, VT_OP_AND, bin(b, VT_OP_AND, okT, okk), bin(b, VT_OP_AND, okp, okm));
    if (pen)
        ok = bin(b, VT_OP_AND, ok,
                 bin(b, VT_OP_AND, cmp(b, "GT", pen, like(b, pen, 0)), cmp(b, "LT", pen, like(b, pen, INFINITY))));
    return bin(b, VT_OP_OR, bad, vt_build_unary(b, VT_OP_NOT, ok));
}

static vt_status check_opts(const vt_sampler_graph_opts *o, vt_error *err) {
    if (!o) return vt_error_set(err, VT_EINPUT, "sampler graph: no options");
    if (o->batch < 1 || o->batch > ((int64_t)1 << 31))
        return vt_error_set(err, VT_EINPUT, "sampler graph: batch %lld outside 1..2^31", (long long)o->batch);
    if (o->vocab < 1) return vt_error_set(err, VT_EINPUT, "sampler graph: vocab %lld must be >= 1", (long long)o->vocab);
    if ((uint64_t)o->vocab > VT_SAMPLER_MAX_VOCAB)
        return vt_error_set(err, VT_ELIMIT, "sampler graph: vocab %lld exceeds the limit %zu", (long long)o->vocab,
                            VT_SAMPLER_MAX_VOCAB);
    if ((uint64_t)o->batch * (uint64_t)o->vocab > ((uint64_t)1 << 40))
        return vt_error_set(err, VT_ELIMIT, "sampler graph: batch x vocab %llu exceeds 2^40",
                            (unsigned long long)o->batch * (unsigned long long)o->vocab);
    return VT_OK;
}

vt_status vt_build_sampler(vt_builder *b, const char *name, const vt_sampler_graph_opts *o, vt_func **out,
                           vt_error *err) {
    if (out) *out = NULL;
    vt_status st = check_opts(o, err);
    if (st) return st;
    if (!b || !name || !*name) return vt_error_set(err, VT_EINPUT, "sampler graph: no builder or function name");
    sg G = {b, o->batch, o->vocab}, *g = &G;
    const int64_t B = o->batch, V = o->vocab;
    const vt_type *args[9] = {ty2(b, VT_F32, B, V), ty1(b, VT_F32, B), ty1(b, VT_I32, B), ty1(b, VT_F64, B),
                              ty1(b, VT_F64, B)};
    size_t nargs = 5;
    if (o->uniform_input) {
        args[nargs++] = ty1(b, VT_F64, B);
    } else {
        args[nargs++] = ty2(b, VT_U32, B, 2);
        args[nargs++] = ty1(b, VT_U64, B);
    }
    size_t ipen = nargs;
    if (o->repetition_penalty) {
        args[nargs++] = ty1(b, VT_F32, B);
        args[nargs++] = ty2(b, VT_I1, B, V);
    }
    const vt_type *res[2] = {ty1(b, VT_I32, B), ty1(b, VT_F64, B)};
    size_t nres = o->logprob ? 2 : 1;
    vt_block *saved = vt_builder_block(b);
    vt_func *f = vt_builder_func(b, name, "private", args, nargs, res, nres);
    if (!f) goto done;
    vt_value *A[9];
    for (size_t i = 0; i < nargs; i++) A[i] = vt_builder_func_arg(b, f, i);
    vt_value *raw = A[0], *T = A[1], *topk = A[2], *topp = A[3], *minp = A[4];
    vt_value *pen = o->repetition_penalty ? A[ipen] : NULL;

    /* 1. Repetition penalty in f32 on the marked tokens. */
    vt_value *l = raw;
    if (pen) {
        vt_value *r = bcast(g, pen, VT_F32);
        vt_value *pl = vt_build_select(b, cmp(b, "GT", l, like(b, l, 0)), bin(b, VT_OP_DIVIDE, l, r),
                                       bin(b, VT_OP_MULTIPLY, l, r));
        l = vt_build_select(b, A[ipen + 1], pl, l);
    }
    vt_value *iota = iota_bv(g);
    /* 2. T = 0: argmax of the penalised f32 logits, the lowest index among equal maxima. */
    vt_value *mx = reduce1(g, VT_OP_MAXIMUM, l, VT_F32, -INFINITY);
    vt_value *ismax = cmp(b, "EQ", l, bcast(g, mx, VT_F32));
    vt_value *argtok = reduce1(g, VT_OP_MINIMUM, vt_build_select(b, ismax, iota, like(b, iota, (double)V)), VT_I32,
                               (double)V);
    /* Finite raw logits decide whether top-k applies (as in C, before the penalty). */
    vt_value *rfin = bin(b, VT_OP_AND, cmp(b, "GT", raw, like(b, raw, -INFINITY)), cmp(b, "LT", raw, like(b, raw, INFINITY)));
    vt_value *nfinite = reduce1(g, VT_OP_ADD, vt_build_convert(b, rfin, VT_I32), VT_I32, 0);
    /* Temperature in f64; T = 0 rows divide by 1 here and take the argmax at the end. */
    vt_value *T0 = cmp(b, "EQ", T, like(b, T, 0));
    vt_value *Ts = vt_build_select(b, T0, like(b, T, 1), T);
    vt_value *x = bin(b, VT_OP_DIVIDE, vt_build_convert(b, l, VT_F64), bcast(g, vt_build_convert(b, Ts, VT_F64), VT_F64));
    vt_value *keep = bin(b, VT_OP_AND, cmp(b, "GT", x, like(b, x, -INFINITY)), cmp(b, "LT", x, like(b, x, INFINITY)));
    vt_value *ninf = like(b, x, -INFINITY);
    /* 3. Top-k: keep (x, i) at or before the k-th in (x desc, i asc), when 0 < k < nfinite. */
    vt_value *sx, *sidx;
    sort_desc(g, vt_build_select(b, keep, x, ninf), o->explicit_tiebreak, &sx, &sidx);
    vt_value *km1 = bin(b, VT_OP_SUBTRACT, topk, like(b, topk, 1));
    vt_value *vk = bcast(g, pick(g, sx, VT_F64, km1, -INFINITY), VT_F64);
    vt_value *ik = bcast(g, pick(g, sidx, VT_I32, km1, -1), VT_I32);
    vt_value *applyk = bin(b, VT_OP_AND, cmp(b, "GT", topk, like(b, topk, 0)), cmp(b, "LT", topk, nfinite));
    vt_value *inside = bin(b, VT_OP_OR, cmp(b, "GT", x, vk), bin(b, VT_OP_AND, cmp(b, "EQ", x, vk), cmp(b, "LE", iota, ik)));
    keep = bin(b, VT_OP_AND, keep, bin(b, VT_OP_OR, vt_build_unary(b, VT_OP_NOT, bcast(g, applyk, VT_I1)), inside));
    /* 4. Softmax in f64 with max subtraction, the sum in index order. */
    vt_value *m = reduce1(g, VT_OP_MAXIMUM, vt_build_select(b, keep, x, ninf), VT_F64, -INFINITY);
    vt_value *q = vt_build_select(b, keep, vt_build_unary(b, VT_OP_EXPONENTIAL, bin(b, VT_OP_SUBTRACT, x, bcast(g, m, VT_F64))),
                                  like(b, x, 0));
    vt_value *S = scan(g, q, NULL, NULL, NULL, NULL);
    vt_value *p = bin(b, VT_OP_DIVIDE, q, bcast(g, S, VT_F64));
    /* 5. Top-p: the crossing rank of the running sum in (p desc, i asc) order; removed tokens sort
     * last with key -1 and add 0. No crossing (rounding) keeps every token, as in C. */
    vt_value *pkey = vt_build_select(b, keep, p, like(b, p, -1));
    vt_value *sp, *spi, *cross;
    sort_desc(g, pkey, o->explicit_tiebreak, &sp, &spi);
    scan(g, bin(b, VT_OP_MAXIMUM, sp, like(b, sp, 0)), NULL, topp, "LE", &cross);
    vt_value *pc = bcast(g, pick(g, sp, VT_F64, cross, -2), VT_F64);
    vt_value *ic = bcast(g, pick(g, spi, VT_I32, cross, -1), VT_I32);
    vt_value *applyp = bin(b, VT_OP_AND, cmp(b, "LT", topp, like(b, topp, 1)), cmp(b, "GE", cross, like(b, cross, 0)));
    inside = bin(b, VT_OP_OR, cmp(b, "GT", pkey, pc), bin(b, VT_OP_AND, cmp(b, "EQ", pkey, pc), cmp(b, "LE", iota, ic)));
    keep = bin(b, VT_OP_AND, keep, bin(b, VT_OP_OR, vt_build_unary(b, VT_OP_NOT, bcast(g, applyp, VT_I1)), inside));
    /* 6. Min-p against the largest surviving probability (min_p = 0 cuts nothing). */
    vt_value *pmax = reduce1(g, VT_OP_MAXIMUM, vt_build_select(b, keep, p, like(b, p, 0)), VT_F64, 0);
    vt_value *cut = bcast(g, bin(b, VT_OP_MULTIPLY, minp, pmax), VT_F64);
    keep = bin(b, VT_OP_AND, keep, vt_build_unary(b, VT_OP_NOT, cmp(b, "LT", p, cut)));
    /* 7-8. Renormalisation constant, then the inverse CDF in index order: the first kept token
     * with u s2 < running sum, else (rounding) the last kept token. */
    vt_value *pk = vt_build_select(b, keep, p, like(b, p, 0));
    vt_value *s2 = scan(g, pk, NULL, NULL, NULL, NULL);
    vt_value *u = o->uniform_input ? A[5] : uniform53(g, A[5], A[6]);
    vt_value *t = bin(b, VT_OP_MULTIPLY, u, s2);
    vt_value *tok;
    scan(g, pk, keep, t, "LT", &tok);
    vt_value *last = reduce1(g, VT_OP_MAXIMUM, vt_build_select(b, keep, iota, like(b, iota, -1)), VT_I32, -1);
    tok = vt_build_select(b, cmp(b, "GE", tok, like(b, tok, 0)), tok, last);
    tok = vt_build_select(b, vt_build_convert(b, T0, VT_I1), argtok, tok);
    vt_value *bad = bad_rows(g, raw, T, topk, topp, minp, pen, nfinite);
    if (o->uniform_input) {
        vt_value *uok = bin(b, VT_OP_AND, cmp(b, "GE", u, like(b, u, 0)), cmp(b, "LT", u, like(b, u, 1)));
        bad = bin(b, VT_OP_OR, bad, vt_build_unary(b, VT_OP_NOT, uok));
    }
    vt_value *outs[2] = {vt_build_select(b, bad, like(b, tok, -1), tok), NULL};
    if (o->logprob) {
        /* log q = (x_tok - m) - log S - log s2, from the logits (no underflow); 0 for T = 0. */
        vt_value *xt = pick(g, x, VT_F64, tok, -INFINITY);
        vt_value *lp = bin(b, VT_OP_SUBTRACT,
                           bin(b, VT_OP_SUBTRACT, bin(b, VT_OP_SUBTRACT, xt, m), vt_build_unary(b, VT_OP_LOG, S)),
                           vt_build_unary(b, VT_OP_LOG, s2));
        vt_value *lz = like(b, lp, 0);
        lp = vt_build_select(b, T0, lz, lp);
        outs[1] = vt_build_select(b, bad, like(b, lp, NAN), lp);
    }
    vt_build_return(b, outs, nres);
done:
    if (saved) vt_builder_set_block(b, saved);
    st = vt_builder_status(b, err);
    if (st == VT_OK && out) *out = f;
    return st;
}

vt_status vt_build_sampler_module(const vt_sampler_graph_opts *o, vt_module **out, vt_error *err) {
    *out = NULL;
    vt_status st = check_opts(o, err);
    if (st) return st;
    vt_builder *b = vt_builder_new("veritor_sampler", err);
    if (!b) return err ? err->code : VT_ENOMEM;
    vt_func *fs = NULL;
    if ((st = vt_build_sampler(b, "sampler", o, &fs, err)) == VT_OK) {
        const vt_type *at[9], *rt[2];
        for (size_t i = 0; i < fs->nargs; i++) at[i] = fs->arg_types[i];
        for (size_t i = 0; i < fs->nresults; i++) rt[i] = fs->result_types[i];
        vt_func *m = vt_builder_func(b, "main", "public", at, fs->nargs, rt, fs->nresults);
        vt_value *a[9];
        for (size_t i = 0; m && i < fs->nargs; i++) a[i] = vt_builder_func_arg(b, m, i);
        vt_op *call = m ? vt_build_call(b, fs, a, fs->nargs) : NULL;
        vt_value *r[2] = {NULL, NULL};
        for (size_t i = 0; call && i < fs->nresults; i++) r[i] = vt_builder_result(b, call, i);
        if (call) vt_build_return(b, r, fs->nresults);
        st = vt_builder_finish(b, out, err);
    }
    vt_builder_free(b);
    return st;
}
