/* The fingerprint projection (docs/fingerprints.md) as StableHLO ops: the canonical Rademacher R
 * is generated in-graph from the key with Threefry on ui32 (bit-identical to lsh.c's), then one
 * dot_general and the f32 1/sqrt(k) scale, so a prover's graph can carry its own fingerprints. */
#include "veritor/protocol_graph.h"

#include <math.h>

static vt_value *bin(vt_builder *b, vt_opcode c, vt_value *x, vt_value *y) { return vt_build_binary(b, c, x, y); }
static vt_value *like(vt_builder *b, vt_value *x, double v) { return x ? vt_build_splat(b, x->type, v) : NULL; }

static vt_status check_shape(int64_t T, int64_t d, uint32_t k, vt_error *err) {
    if (T < 1 || T > ((int64_t)1 << 31)) return vt_error_set(err, VT_EINPUT, "lsh graph: T = %lld outside 1..2^31", (long long)T);
    if (d < 1) return vt_error_set(err, VT_EINPUT, "lsh graph: d = %lld must be >= 1", (long long)d);
    if (k < 1 || k > VT_LSH_MAX_K) return vt_error_set(err, VT_EINPUT, "lsh graph: k = %u out of range 1..%u", k, (unsigned)VT_LSH_MAX_K);
    if ((uint64_t)d > VT_LSH_MAX_D) return vt_error_set(err, VT_ELIMIT, "lsh graph: d = %lld exceeds the limit 2^40", (long long)d);
    uint64_t words = ((uint64_t)d + 31) / 32 * k;
    if (words > ((uint64_t)1 << 32))
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: lsh graph with ceil(d/32) k = %llu > 2^32 words (counter high word)",
                            (unsigned long long)words);
    return VT_OK;
}

vt_status vt_build_lsh_project(vt_builder *b, const char *name, int64_t T, int64_t d, uint32_t k, vt_func **out,
                               vt_error *err) {
    if (out) *out = NULL;
    vt_status st = check_shape(T, d, k, err);
    if (st) return st;
    if (!b || !name || !*name) return vt_error_set(err, VT_EINPUT, "lsh graph: no builder or function name");
    const int64_t nw = (d + 31) / 32, K = k;
    int64_t dh[2] = {T, d}, d2 = 2, dres[2] = {T, K}, dw[2] = {nw, K}, dw3[3] = {nw, 32, K}, dr[2] = {d, K};
    const vt_type *at[2] = {vt_builder_tensor_type(b, VT_F32, 2, dh), vt_builder_tensor_type(b, VT_U32, 1, &d2)};
    const vt_type *rt = vt_builder_tensor_type(b, VT_F32, 2, dres);
    const vt_type *tw = vt_builder_tensor_type(b, VT_U32, 2, dw);
    vt_block *saved = vt_builder_block(b);
    vt_func *f = vt_builder_func(b, name, "private", at, 2, &rt, 1);
    if (!f) goto done;
    vt_value *h = vt_builder_func_arg(b, f, 0), *key = vt_builder_func_arg(b, f, 1);
    /* Key words broadcast over the [ceil(d/32), k] grid of stream words. */
    vt_value *kw[2];
    for (int i = 0; i < 2; i++) {
        int64_t s = i, l = i + 1, one = 1;
        vt_value *w = vt_build_reshape(b, vt_build_slice(b, key, &s, &l, &one), vt_builder_scalar_type(b, VT_U32));
        kw[i] = vt_build_broadcast_in_dim(b, w, tw, NULL, 0);
    }
    /* Stream index n = c k + j < 2^32 (checked), so the counter is (0, n) and bits32 = y0 ^ y1. */
    vt_value *n = bin(b, VT_OP_ADD, bin(b, VT_OP_MULTIPLY, vt_build_iota(b, tw, 0), vt_build_splat(b, tw, (double)K)),
                      vt_build_iota(b, tw, 1));
    vt_value *y[2];
    vt_build_threefry2x32(b, kw[0], kw[1], vt_build_splat(b, tw, 0), n, y);
    vt_value *w = bin(b, VT_OP_XOR, y[0], y[1]);
    /* Column i of R uses bit i % 32 of word (i / 32, j): repeat each word row 32 times. */
    int64_t bd[2] = {0, 2};
    const vt_type *t3 = vt_builder_tensor_type(b, VT_U32, 3, dw3);
    const vt_type *tr = vt_builder_tensor_type(b, VT_U32, 2, dr);
    int64_t rows = nw * 32;
    int64_t drow[2] = {rows, K};
    vt_value *wr = vt_build_reshape(b, vt_build_broadcast_in_dim(b, w, t3, bd, 2), vt_builder_tensor_type(b, VT_U32, 2, drow));
    int64_t s0[2] = {0, 0}, l0[2] = {d, K}, st1[2] = {1, 1};
    wr = vt_build_slice(b, wr, s0, l0, st1);
    vt_value *sh = bin(b, VT_OP_AND, vt_build_iota(b, tr, 0), vt_build_splat(b, tr, 31));
    vt_value *bit = bin(b, VT_OP_AND, bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, wr, sh), vt_build_splat(b, tr, 1));
    vt_value *bf = vt_build_convert(b, bit, VT_F32);
    vt_value *R = bin(b, VT_OP_SUBTRACT, like(b, bf, 1), bin(b, VT_OP_MULTIPLY, like(b, bf, 2), bf)); /* [d, k] */
    int64_t lc = 1, rc = 0;
    vt_value *F = vt_build_dot_general(b, h, R, NULL, NULL, 0, &lc, &rc, 1);
    F = bin(b, VT_OP_MULTIPLY, F, like(b, F, (double)(float)(1.0 / sqrt((double)k))));
    vt_build_return(b, &F, 1);
done:
    if (saved) vt_builder_set_block(b, saved);
    st = vt_builder_status(b, err);
    if (st == VT_OK && out) *out = f;
    return st;
}

vt_status vt_build_lsh_project_module(int64_t T, int64_t d, uint32_t k, vt_module **out, vt_error *err) {
    *out = NULL;
    vt_status st = check_shape(T, d, k, err);
    if (st) return st;
    vt_builder *b = vt_builder_new("veritor_lsh_project", err);
    if (!b) return err ? err->code : VT_ENOMEM;
    vt_func *fl = NULL;
    if ((st = vt_build_lsh_project(b, "lsh_project", T, d, k, &fl, err)) == VT_OK) {
        vt_func *m = vt_builder_func(b, "main", "public", fl->arg_types, 2, fl->result_types, 1);
        vt_value *a[2] = {m ? vt_builder_func_arg(b, m, 0) : NULL, m ? vt_builder_func_arg(b, m, 1) : NULL};
        vt_op *call = m ? vt_build_call(b, fl, a, 2) : NULL;
        if (call) {
            vt_value *r = vt_builder_result(b, call, 0);
            vt_build_return(b, &r, 1);
        }
        st = vt_builder_finish(b, out, err);
    }
    vt_builder_free(b);
    return st;
}
