/* In-graph fingerprint pieces of the reference transformer: the jit_fp_matrix module (the R that
 * decode and teacher forcing build from the key) and train_step's gradient fingerprint, the
 * streaming projection of docs/fingerprints.md as a while loop over chunks of the gradient
 * (per-byte sign tables and one gather instead of expanding R; docs/model.md). */
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

/* Elements per loop iteration: 32768, halved while C k > 2^21 (down to 4096), so that a chunk's
 * temporaries (table [C/8, 256], gathered [C/8, k]) stay a few MiB at any k. Measured on small:
 * 8192 and 32768 cost the same, 131072 about 20% more (allocation churn); fewer iterations keep
 * the interpreter's per-op cost small. */
static int64_t chunk_elems(uint32_t k) {
    int64_t C = 32768;
    while (C > 4096 && C * (int64_t)k > ((int64_t)1 << 21)) C /= 2;
    return C;
}

vt_status vt_model_grad_fp_check(const vt_model_config *c, vt_error *err) {
    uint64_t n = total_elems(c), C = (uint64_t)chunk_elems(c->fp_k);
    uint64_t padded = n == UINT64_MAX ? n : (n + C - 1) / C * C;
    /* Stream words (padded / 32) k must stay below 2^32 (counter high word 0), chunk starts in i32. */
    if (padded > ((uint64_t)1 << 31) || padded / 32 * c->fp_k > ((uint64_t)1 << 32))
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: in-graph gradient fingerprint of %llu parameters at k = %u (stream counter "
                            "beyond 2^32 words)", (unsigned long long)n, c->fp_k);
    return VT_OK;
}

/* The loop's carried values: the first three change or are the input, the rest are loop
 * invariants built once before the loop (carrying them costs nothing; rebuilding them would cost
 * a full tensor per iteration). */
enum { GF_I, GF_ACC, GF_FLAT, GF_KS, GF_CTR, GF_SHIFT, GF_SIGN, GF_N };

static vt_value *bin(vt_builder *b, vt_opcode op, vt_value *x, vt_value *y) { return vt_build_binary(b, op, x, y); }

/* Scalar s broadcast to t: the fuser keeps it a register instead of a full tensor. */
static vt_value *bc(vt_builder *b, vt_value *s, const vt_type *t) {
    return s ? vt_build_broadcast_in_dim(b, s, t, NULL, 0) : NULL;
}

static vt_value *scalar_at(vt_builder *b, vt_value *v, int64_t i) {
    int64_t l = i + 1;
    return vt_build_reshape(b, vt_build_slice(b, v, &i, &l, NULL), vt_builder_scalar_type(b, VT_U32));
}

/* y = x0 ^ x1 of threefry((k0, k1), (0, n)) for n = ctr + n0 (vt_build_threefry2x32's rounds).
 * Scalars, computed once per chunk: ks = {k0, k1, k0 ^ k1 ^ 0x1BD11BDA}, x1s = n0 + k1 (the
 * first key addition) and inj[s - 1] = ks[(s + 1) % 3] + s (injection s's addition to x1); they
 * and the rotation constants enter as broadcast scalars, so that the whole chain fuses into
 * register programs instead of materialising splat tensors. */
static vt_value *threefry_words(vt_mg *g, vt_value *const ks[3], vt_value *x1s, vt_value *const inj[5], vt_value *ctr) {
    static const unsigned rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    vt_builder *b = g->b;
    if (!ctr) return NULL;
    const vt_type *t = ctr->type;
    vt_value *x0 = bc(b, ks[0], t), *x1 = bin(b, VT_OP_ADD, ctr, bc(b, x1s, t));
    for (unsigned i = 0; i < 20; i++) {
        x0 = bin(b, VT_OP_ADD, x0, x1);
        /* x << r as x * 2^r: the same bits, and the interpreter's integer multiply is cheaper
         * than its range-checked variable shift */
        vt_value *l = bin(b, VT_OP_MULTIPLY, x1, vt_mg_full(g, t, (double)(1u << rot[i % 8])));
        vt_value *r = bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, x1, vt_mg_full(g, t, 32 - rot[i % 8]));
        x1 = bin(b, VT_OP_XOR, bin(b, VT_OP_OR, l, r), x0);
        if (i % 4 == 3) {
            unsigned s = i / 4 + 1; /* key injection 1..5 */
            x0 = bin(b, VT_OP_ADD, x0, bc(b, ks[s % 3], t));
            x1 = bin(b, VT_OP_ADD, x1, bc(b, inj[s - 1], t));
        }
    }
    return bin(b, VT_OP_XOR, x0, x1);
}

/* @grad_fp_step(i, acc [k] f64, flat [Np] f32, ks [3] ui32, ctr [C/32, k] ui32, shift [4] ui32,
 * S [8, 256] f32) -> (i + 1, acc + flat[iC:(i+1)C] . R_i, the rest unchanged).
 * Row 32w + 8q + t of R uses bit t of byte q of word (w, j), so for each group of 8 rows the
 * 256 possible sign patterns give a table T = x8 [C/8, 8] . S [8, 256] (S[t][v] = 1 - 2 bit t of
 * v), and the chunk's projection is sum over groups of T[group, byte(group, j)]: one gather of
 * C k / 8 entries instead of C k signs. */
static vt_func *fp_step(vt_mg *g, const vt_type *const *ct, int64_t C) {
    vt_builder *b = g->b;
    const int64_t K = g->c->fp_k, NW = C / 32, G = C / 8;
    vt_block *saved;
    vt_func *f = vt_mg_private(g, "grad_fp_step", ct, GF_N, ct, GF_N, &saved);
    if (!f) return NULL;
    vt_value *a[GF_N];
    for (int j = 0; j < GF_N; j++) a[j] = vt_builder_func_arg(b, f, (size_t)j);
    /* Scalars first, so that the elementwise chains below stay contiguous for the fuser. */
    vt_value *c0 = bin(b, VT_OP_MULTIPLY, a[GF_I], vt_build_constant_scalar(b, VT_I32, (double)C));
    vt_value *ks[3] = {scalar_at(b, a[GF_KS], 0), scalar_at(b, a[GF_KS], 1), scalar_at(b, a[GF_KS], 2)};
    /* Stream word n = (c0 / 32 + r) k + j = ctr[r][j] + (c0 / 32) k (< 2^32, vt_model_grad_fp_check). */
    vt_value *n0 = bin(b, VT_OP_MULTIPLY,
                       bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, vt_build_convert(b, c0, VT_U32), vt_build_constant_scalar(b, VT_U32, 5)),
                       vt_build_constant_scalar(b, VT_U32, (double)K));
    vt_value *x1s = bin(b, VT_OP_ADD, n0, ks[1]), *inj[5];
    for (unsigned s = 1; s <= 5; s++)
        inj[s - 1] = bin(b, VT_OP_ADD, ks[(s + 1) % 3], vt_build_constant_scalar(b, VT_U32, s));
    vt_value *chunk = c0 ? vt_build_dynamic_slice(b, a[GF_FLAT], &c0, &C) : NULL;
    int64_t dx8[2] = {G, 8}, lc = 1, rc = 0;
    vt_value *x8 = vt_build_reshape(b, chunk, vt_mg_ty(g, VT_F32, 2, dx8));
    vt_value *T = vt_build_dot_general(b, x8, a[GF_SIGN], NULL, NULL, 0, &lc, &rc, 1); /* [G, 256] */
    vt_value *w = threefry_words(g, ks, x1s, inj, a[GF_CTR]);
    /* byte q of word (w, j), laid out [w, q, j] = [group, j], picks T[group, byte] */
    int64_t d3[3] = {NW, 4, K}, wd[2] = {0, 2}, sd = 1;
    const vt_type *t3 = vt_mg_ty(g, VT_U32, 3, d3);
    vt_value *wb = w ? vt_build_broadcast_in_dim(b, w, t3, wd, 2) : NULL;
    vt_value *sh = vt_build_broadcast_in_dim(b, a[GF_SHIFT], t3, &sd, 1);
    vt_value *byte = bin(b, VT_OP_AND, bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, wb, sh), vt_mg_full(g, t3, 255));
    int64_t di[3] = {G, K, 1};
    vt_value *idx = vt_build_reshape(b, byte, vt_mg_ty(g, VT_U32, 3, di));
    int64_t zero = 0, one = 1, ones[2] = {1, 1}, dp[2] = {G, K};
    vt_gather_dims gd = {.collapsed_slice_dims = &one, .ncollapsed_slice_dims = 1,
                         .operand_batching_dims = &zero, .noperand_batching_dims = 1,
                         .start_indices_batching_dims = &zero, .nstart_indices_batching_dims = 1,
                         .start_index_map = &one, .nstart_index_map = 1, .index_vector_dim = 2};
    vt_value *pick = vt_build_gather(b, T, idx, &gd, ones, 2, vt_mg_ty(g, VT_F32, 2, dp));
    vt_value *part = vt_build_reduce(b, VT_OP_ADD, pick, vt_build_constant_scalar(b, VT_F32, 0), &zero, 1);
    vt_value *r[GF_N];
    for (int j = 0; j < GF_N; j++) r[j] = a[j];
    r[GF_I] = bin(b, VT_OP_ADD, a[GF_I], vt_build_constant_scalar(b, VT_I32, 1));
    r[GF_ACC] = part ? bin(b, VT_OP_ADD, a[GF_ACC], vt_build_convert(b, part, VT_F64)) : NULL;
    if (r[GF_I] && r[GF_ACC]) vt_build_return(b, r, GF_N);
    vt_builder_set_block(b, saved);
    return f;
}

static int64_t nelem(const vt_type *t) {
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

/* The loop invariants: ks, the counter base r k + j, the byte shifts and the sign table S, from
 * iotas (no dense constants in the graph). */
static void invariants(vt_mg *g, vt_value *key, int64_t C, vt_value **v) {
    vt_builder *b = g->b;
    const int64_t K = g->c->fp_k, NW = C / 32;
    vt_value *k0 = scalar_at(b, key, 0), *k1 = scalar_at(b, key, 1);
    vt_value *k2 = bin(b, VT_OP_XOR, bin(b, VT_OP_XOR, k0, k1), vt_build_constant_scalar(b, VT_U32, 0x1BD11BDA));
    int64_t one = 1;
    vt_value *kv[3];
    for (int i = 0; i < 3; i++) kv[i] = vt_build_reshape(b, i == 0 ? k0 : i == 1 ? k1 : k2, vt_mg_ty(g, VT_U32, 1, &one));
    v[GF_KS] = vt_build_concatenate(b, kv, 3, 0);
    int64_t dw[2] = {NW, K}, d4 = 4, ds[2] = {8, 256};
    const vt_type *tw = vt_mg_ty(g, VT_U32, 2, dw), *ts = vt_mg_ty(g, VT_U32, 2, ds);
    const vt_type *t4 = vt_mg_ty(g, VT_U32, 1, &d4);
    v[GF_CTR] = bin(b, VT_OP_ADD, bin(b, VT_OP_MULTIPLY, vt_build_iota(b, tw, 0), vt_mg_full(g, tw, (double)K)),
                    vt_build_iota(b, tw, 1));
    v[GF_SHIFT] = bin(b, VT_OP_MULTIPLY, vt_build_iota(b, t4, 0), vt_mg_full(g, t4, 8));
    vt_value *bit = bin(b, VT_OP_AND, bin(b, VT_OP_SHIFT_RIGHT_LOGICAL, vt_build_iota(b, ts, 1), vt_build_iota(b, ts, 0)),
                        vt_mg_full(g, ts, 1));
    vt_value *bf = vt_build_convert(b, bit, VT_F32);
    const vt_type *tf = bf ? bf->type : NULL;
    v[GF_SIGN] = tf ? bin(b, VT_OP_SUBTRACT, vt_mg_full(g, tf, 1), bin(b, VT_OP_MULTIPLY, vt_mg_full(g, tf, 2), bf)) : NULL;
}

vt_value *vt_mg_grad_fp(vt_mg *g, vt_value *const *grads, size_t n, vt_value *key) {
    vt_builder *b = g->b;
    const int64_t C = chunk_elems(g->c->fp_k);
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
    vt_value *init[GF_N] = {vt_build_constant_scalar(b, VT_I32, 0), NULL, flat};
    init[GF_ACC] = vt_build_splat(b, vt_mg_ty(g, VT_F64, 1, &K), 0);
    invariants(g, key, C, init);
    const vt_type *ct[GF_N];
    for (int j = 0; j < GF_N; j++) {
        if (!init[j]) return NULL;
        ct[j] = init[j]->type;
    }
    vt_func *step = fp_step(g, ct, C);
    if (!step) return NULL;
    vt_op *w = vt_build_while_begin(b, init, GF_N);
    if (!w) return NULL;
    vt_block *cb = vt_builder_while_cond(b, w);
    vt_value *lt = vt_build_compare(b, "LT", vt_builder_block_arg(b, cb, 0),
                                    vt_build_constant_scalar(b, VT_I32, (double)nchunks), "SIGNED");
    if (lt) vt_build_return(b, &lt, 1);
    vt_block *bb = vt_builder_while_body(b, w);
    vt_value *ba[GF_N];
    for (size_t j = 0; j < GF_N; j++) ba[j] = vt_builder_block_arg(b, bb, j);
    vt_op *call = vt_mg_call_op(g, step, ba, GF_N);
    if (call) {
        for (size_t j = 0; j < GF_N; j++) ba[j] = vt_builder_result(b, call, j);
        vt_build_return(b, ba, GF_N);
    }
    if (vt_build_while_end(b, w)) return NULL;
    vt_value *acc = vt_builder_result(b, w, GF_ACC);
    vt_value *sc = acc ? vt_build_binary(b, VT_OP_MULTIPLY, acc, vt_build_splat(b, acc->type, 1.0 / sqrt((double)K))) : NULL;
    return sc ? vt_build_convert(b, sc, VT_F32) : NULL;
}
