/* Fast paths of gather, scatter and sort against their definitions: the kernels' per-element
 * reference paths on random shapes, index types and out-of-range indices; whole modules whose
 * update/comparator regions are rewritten so the generic region path runs; hostile inputs. */
#include "harness.h"
#include "interp/k_gather.h"
#include "interp/k_sort.h"

#include <math.h>
#include <stdlib.h>

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

static vt_tensor *mk(vt_dtype t, int rank, const int64_t *dims) {
    vt_error err;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &err);
    CHECK_MSG(x != NULL, "create: %s", err.msg);
    return x;
}

/* Random values: small integers (so sums stay exact-ish but orders matter), with signed zeros,
 * and NaNs when nan is set, for float types. */
static void fill(vt_tensor *x, bool nan) {
    size_t es = vt_dtype_size(x->dtype);
    for (size_t i = 0; i < x->nelem; i++) {
        char *p = (char *)x->data + i * es;
        int64_t v = rnd_in(-40, 40);
        if (vt_dtype_is_float(x->dtype) || vt_dtype_is_complex(x->dtype)) {
            double f = (double)v * 0.375;
            uint64_t c = rnd() % 16;
            if (c == 0) f = -0.0;
            else if (c == 1) f = 0.0;
            else if (c == 2 && nan) f = (rnd() & 1) ? NAN : -NAN;
            vt_store_f64(x->dtype, p, f);
        } else {
            vt_store_i64(x->dtype, p, v);
        }
    }
}

static void fill_indices(vt_tensor *x, int64_t lo, int64_t hi) {
    size_t es = vt_dtype_size(x->dtype);
    bool uns = vt_dtype_kind_of(x->dtype) == VT_KIND_UINT;
    unsigned bits = vt_dtype_bits(x->dtype);
    for (size_t i = 0; i < x->nelem; i++) {
        int64_t v = rnd_in(lo, hi);
        if (uns && v < 0) v = 0;
        if (bits < 63) { /* keep the value representable so it means what it says */
            int64_t top = uns ? ((int64_t)1 << bits) - 1 : ((int64_t)1 << (bits - 1)) - 1;
            int64_t bot = uns ? 0 : -((int64_t)1 << (bits - 1));
            v = v > top ? top : v < bot ? bot : v;
        }
        vt_store_i64(x->dtype, (char *)x->data + i * es, v);
    }
}

static bool same_bytes(const vt_tensor *a, const vt_tensor *b) {
    return a->nbytes == b->nbytes && (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
}

static const vt_dtype index_types[] = {VT_I8, VT_I16, VT_I32, VT_I64, VT_U8, VT_U16, VT_U32, VT_U64, VT_I4};
#define NINDEX (sizeof index_types / sizeof index_types[0])

/* ---- gather: random dimension numbers, fast vs reference ---- */

typedef struct gcase {
    vt_gs_dims d;
    int64_t sizes[VT_MAX_RANK];
    vt_tensor *x, *idx;
    int rrank;
    int64_t rdims[VT_MAX_RANK];
} gcase;

static void make_gather_case(gcase *g, vt_dtype xt, vt_dtype it) {
    memset(&g->d, 0, sizeof g->d);
    int R = (int)rnd_in(1, 4);
    int64_t xd[VT_MAX_RANK];
    for (int i = 0; i < R; i++) xd[i] = rnd_in(1, 5);
    int ob = (R > 1 && rnd() % 3 == 0) ? (int)rnd_in(0, R - 1) : -1;
    bool used[VT_MAX_RANK] = {0};
    if (ob >= 0) used[ob] = true;
    /* start_index_map: a random subset in random order */
    for (int i = 0; i < R; i++) {
        int od = (int)rnd_in(0, R - 1);
        if (!used[od] && rnd() % 2 == 0) {
            bool dup = false;
            for (size_t k = 0; k < g->d.nto; k++) dup |= g->d.to_operand[k] == od;
            if (!dup) g->d.to_operand[g->d.nto++] = od;
        }
    }
    for (int od = 0; od < R; od++) {
        if (od == ob) g->sizes[od] = 1;
        else if (rnd() % 3 == 0) {
            g->d.inserted[g->d.ninserted++] = od;
            g->sizes[od] = 1;
        } else g->sizes[od] = rnd_in(1, xd[od]);
    }
    /* index batch dims, then index_vector_dim inserted at a random place */
    int nb = (int)rnd_in(0, 2);
    int64_t bd[VT_MAX_RANK];
    for (int k = 0; k < nb; k++) bd[k] = rnd_in(1, 4);
    int obpos = -1;
    if (ob >= 0) {
        obpos = (int)rnd_in(0, nb);
        memmove(bd + obpos + 1, bd + obpos, (size_t)(nb - obpos) * sizeof *bd);
        bd[obpos] = xd[ob];
        nb++;
    }
    bool implicit = g->d.nto == 1 && rnd() % 2 == 0;
    int64_t ivd = implicit ? nb : rnd_in(0, nb);
    int64_t id[VT_MAX_RANK];
    int ir = 0;
    for (int k = 0; k <= nb; k++) {
        if (k == ivd && !implicit) id[ir++] = (int64_t)g->d.nto;
        if (k < nb) id[ir++] = bd[k];
    }
    g->d.index_vector_dim = ivd;
    if (ob >= 0) {
        g->d.obatch[0] = ob, g->d.nobatch = 1;
        g->d.ibatch[0] = obpos >= ivd && !implicit ? obpos + 1 : obpos, g->d.nibatch = 1;
    }
    /* result: kept dims at random increasing positions among nb batch dims */
    int nk = 0;
    int64_t kept[VT_MAX_RANK];
    for (int od = 0; od < R; od++) {
        bool skip = od == ob;
        for (size_t k = 0; k < g->d.ninserted; k++) skip |= g->d.inserted[k] == od;
        if (!skip) kept[nk++] = g->sizes[od];
    }
    g->rrank = nk + nb;
    int placed = 0, bi = 0;
    for (int rd = 0; rd < g->rrank; rd++) {
        int left_k = nk - placed, left_slots = g->rrank - rd;
        bool take = left_k > 0 && (left_k == left_slots || rnd() % 2 == 0);
        if (take) {
            g->d.window[g->d.nwindow++] = rd;
            g->rdims[rd] = kept[placed++];
        } else {
            g->rdims[rd] = bd[bi++];
        }
    }
    g->x = mk(xt, R, xd);
    fill(g->x, true);
    g->idx = mk(it, ir, id);
    fill_indices(g->idx, -3, 7);
}

TEST(gather_random_vs_reference) {
    vt_dtype xts[] = {VT_F32, VT_BF16, VT_I8, VT_F64, VT_I64, VT_C64, VT_I1};
    int compared = 0;
    for (int iter = 0; iter < 600; iter++) {
        gcase g;
        make_gather_case(&g, xts[iter % 7], index_types[iter % NINDEX]);
        vt_tensor *a = mk(g.x->dtype, g.rrank, g.rdims), *b = mk(g.x->dtype, g.rrank, g.rdims);
        vt_kctx kc = {1, UINT64_MAX, 0};
        vt_error e1 = {0}, e2 = {0};
        vt_status s1 = vt_k_gather(&kc, g.x, g.idx, &g.d, g.sizes, a, VT_KPATH_AUTO, &e1);
        vt_status s2 = vt_k_gather(&kc, g.x, g.idx, &g.d, g.sizes, b, VT_KPATH_REFERENCE, &e2);
        CHECK_MSG(s1 == VT_OK && s2 == VT_OK, "iter %d: %s / %s", iter, e1.msg, e2.msg);
        CHECK_MSG(same_bytes(a, b), "iter %d: fast gather differs from the reference", iter);
        compared++;
        vt_tensor_release(a), vt_tensor_release(b), vt_tensor_release(g.x), vt_tensor_release(g.idx);
    }
    CHECK_EQ_INT(compared, 600);
}

/* Big gathers split batch positions over threads: bit-identical to one thread. */
TEST(gather_threads_identical) {
    int64_t xd[2] = {1024, 256}, id[1] = {8192}, rd[2] = {8192, 256};
    vt_tensor *x = mk(VT_F32, 2, xd), *idx = mk(VT_I64, 1, id), *a = mk(VT_F32, 2, rd), *b = mk(VT_F32, 2, rd);
    fill(x, true);
    fill_indices(idx, -50, 1100);
    vt_gs_dims d = {0};
    d.window[0] = 1, d.nwindow = 1, d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1;
    d.index_vector_dim = 1;
    int64_t sizes[2] = {1, 256};
    vt_kctx k1 = {1, UINT64_MAX, 0}, k4 = {4, UINT64_MAX, 0};
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_gather(&k1, x, idx, &d, sizes, a, VT_KPATH_REFERENCE, &err), VT_OK);
    CHECK_EQ_INT(vt_k_gather(&k4, x, idx, &d, sizes, b, VT_KPATH_AUTO, &err), VT_OK);
    CHECK(same_bytes(a, b));
    vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(a), vt_tensor_release(b);
}

/* Embedding lookup x[idx] with clamping, checked against rows computed here. */
TEST(gather_rows_clamped) {
    for (size_t t = 0; t < NINDEX; t++) {
        int64_t xd[2] = {7, 5}, id[2] = {40, 1}, rd[2] = {40, 5};
        vt_tensor *x = mk(VT_F32, 2, xd), *idx = mk(index_types[t], 2, id), *r = mk(VT_F32, 2, rd);
        fill(x, false);
        fill_indices(idx, -9, 12);
        vt_gs_dims d = {0};
        d.window[0] = 1, d.nwindow = 1, d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1;
        d.index_vector_dim = 1;
        int64_t sizes[2] = {1, 5};
        vt_kctx kc = {1, UINT64_MAX, 0};
        vt_error err = {0};
        CHECK_EQ_INT(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), VT_OK);
        for (int i = 0; i < 40; i++) {
            int64_t v = vt_dtype_kind_of(idx->dtype) == VT_KIND_UINT ? (int64_t)vt_load_u64(idx->dtype, (char *)idx->data + i * vt_dtype_size(idx->dtype))
                                                                     : vt_load_i64(idx->dtype, (char *)idx->data + i * vt_dtype_size(idx->dtype));
            int64_t row = v < 0 ? 0 : v > 6 ? 6 : v;
            CHECK_MSG(memcmp((float *)r->data + i * 5, (float *)x->data + row * 5, 20) == 0, "%s index %lld",
                      vt_dtype_name(idx->dtype), (long long)v);
        }
        vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(r);
    }
}

/* Indices at the extremes of their types clamp without overflow (UBSan would stop here). */
TEST(gather_extreme_indices) {
    int64_t xd[1] = {10}, id[2] = {4, 1}, rd[2] = {4, 3};
    vt_tensor *x = mk(VT_I32, 1, xd), *r = mk(VT_I32, 2, rd), *r2 = mk(VT_I32, 2, rd);
    for (int i = 0; i < 10; i++) ((int32_t *)x->data)[i] = i;
    vt_gs_dims d = {0};
    d.window[0] = 1, d.nwindow = 1, d.to_operand[0] = 0, d.nto = 1, d.index_vector_dim = 1;
    int64_t sizes[1] = {3};
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_error err = {0};
    vt_tensor *i64 = mk(VT_I64, 2, id);
    int64_t v64[4] = {INT64_MAX, INT64_MIN, 7, -1};
    memcpy(i64->data, v64, sizeof v64);
    CHECK_EQ_INT(vt_k_gather(&kc, x, i64, &d, sizes, r, VT_KPATH_AUTO, &err), VT_OK);
    CHECK_EQ_INT(vt_k_gather(&kc, x, i64, &d, sizes, r2, VT_KPATH_REFERENCE, &err), VT_OK);
    int32_t want[12] = {7, 8, 9, 0, 1, 2, 7, 8, 9, 0, 1, 2};
    CHECK(memcmp(r->data, want, sizeof want) == 0);
    CHECK(same_bytes(r, r2));
    vt_tensor *u64 = mk(VT_U64, 2, id);
    uint64_t vu[4] = {UINT64_MAX, (uint64_t)1 << 63, 3, 0};
    memcpy(u64->data, vu, sizeof vu);
    CHECK_EQ_INT(vt_k_gather(&kc, x, u64, &d, sizes, r, VT_KPATH_AUTO, &err), VT_OK);
    int32_t wantu[12] = {7, 8, 9, 7, 8, 9, 3, 4, 5, 0, 1, 2}; /* huge unsigned values clamp high */
    CHECK(memcmp(r->data, wantu, sizeof wantu) == 0);
    CHECK_EQ_INT(vt_k_gather(&kc, x, u64, &d, sizes, r2, VT_KPATH_REFERENCE, &err), VT_OK);
    CHECK(same_bytes(r, r2));
    vt_tensor_release(x), vt_tensor_release(r), vt_tensor_release(r2), vt_tensor_release(i64), vt_tensor_release(u64);
}

TEST(gather_bad_inputs) {
    int64_t xd[2] = {4, 3}, id[2] = {2, 1}, rd[2] = {2, 3};
    vt_tensor *x = mk(VT_F32, 2, xd), *idx = mk(VT_I32, 2, id), *r = mk(VT_F32, 2, rd);
    vt_tensor *fidx = mk(VT_F32, 2, id), *rbad = mk(VT_F32, 2, (int64_t[]){2, 2}), *ri = mk(VT_I32, 2, rd);
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_gs_dims base = {0};
    base.window[0] = 1, base.nwindow = 1, base.inserted[0] = 0, base.ninserted = 1, base.to_operand[0] = 0, base.nto = 1;
    base.index_vector_dim = 1;
    int64_t sizes[2] = {1, 3};
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_gather(&kc, x, idx, &base, sizes, r, VT_KPATH_AUTO, &err), VT_OK);
    vt_gs_dims d = base;
    d.to_operand[0] = 5;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "start_index_map[0] = 5 is outside [0, 2)");
    d = base;
    d.to_operand[0] = -1;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "start_index_map[0] = -1");
    d = base;
    d.index_vector_dim = 7;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "index_vector_dim 7 is outside [0, 2]");
    d = base;
    d.inserted[1] = 0, d.ninserted = 2;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "collapsed_slice_dims repeats dimension 0");
    d = base;
    d.nto = 2, d.to_operand[1] = 1;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "index vectors have 1 entries");
    int64_t big[2] = {1, 9};
    CHECK_ERR(vt_k_gather(&kc, x, idx, &base, big, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "slice_sizes[1] = 9 is outside [0, 3]");
    int64_t neg[2] = {1, -2};
    CHECK_ERR(vt_k_gather(&kc, x, idx, &base, neg, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "slice_sizes[1] = -2");
    int64_t coll[2] = {2, 3};
    CHECK_ERR(vt_k_gather(&kc, x, idx, &base, coll, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "collapsed or batching dim must be <= 1");
    CHECK_ERR(vt_k_gather(&kc, x, fidx, &base, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "start_indices must be integers");
    CHECK_ERR(vt_k_gather(&kc, x, idx, &base, sizes, rbad, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "result dim 1 is 2, slice_sizes[1] is 3");
    CHECK_ERR(vt_k_gather(&kc, x, idx, &base, sizes, ri, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "result type i32 differs");
    d = base;
    d.window[0] = 5;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "offset_dims must be increasing");
    d = base;
    d.obatch[0] = 1, d.nobatch = 1, d.ibatch[0] = 0, d.nibatch = 1;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "batching dims differ in size");
    d = base;
    d.obatch[0] = 1, d.nobatch = 1, d.ibatch[0] = 1, d.nibatch = 1;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "index batching dim is index_vector_dim");
    d = base;
    d.nobatch = 1, d.obatch[0] = 1;
    CHECK_ERR(vt_k_gather(&kc, x, idx, &d, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "1 operand batching dims but 0");
    /* result batch dim that disagrees with the indices (would write past the result) */
    vt_tensor *idx5 = mk(VT_I32, 2, (int64_t[]){5, 1});
    CHECK_ERR(vt_k_gather(&kc, x, idx5, &base, sizes, r, VT_KPATH_AUTO, &err), &err, VT_EINPUT, "result batch dim 0 is 2, indices have 5");
    /* fuel: charged before any work */
    vt_kctx poor = {1, 3, 0};
    CHECK_ERR(vt_k_gather(&poor, x, idx, &base, sizes, r, VT_KPATH_AUTO, &err), &err, VT_ELIMIT, "work limit (fuel)");
    /* oversized: the index scratch is refused by the tensor size limit */
    vt_kctx tight = {1, UINT64_MAX, 8};
    CHECK_ERR(vt_k_gather(&tight, x, idx, &base, sizes, r, VT_KPATH_AUTO, &err), &err, VT_ELIMIT, "exceeds the tensor size limit");
    /* empty (truncated) indices: nothing to do, still OK */
    vt_tensor *idx0 = mk(VT_I32, 2, (int64_t[]){0, 1}), *r0 = mk(VT_F32, 2, (int64_t[]){0, 3});
    CHECK_EQ_INT(vt_k_gather(&kc, x, idx0, &base, sizes, r0, VT_KPATH_AUTO, &err), VT_OK);
    vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(r), vt_tensor_release(fidx), vt_tensor_release(rbad);
    vt_tensor_release(ri), vt_tensor_release(idx5), vt_tensor_release(idx0), vt_tensor_release(r0);
}

/* ---- scatter: random dimension numbers, fast vs reference ---- */

typedef struct scase {
    vt_gs_dims d;
    vt_tensor *x, *idx, *upd;
} scase;

static void make_scatter_case(scase *c, vt_dtype xt, vt_dtype it, bool nan) {
    memset(&c->d, 0, sizeof c->d);
    int R = (int)rnd_in(1, 4);
    int64_t xd[VT_MAX_RANK];
    for (int i = 0; i < R; i++) xd[i] = rnd_in(1, 6);
    int ob = (R > 1 && rnd() % 3 == 0) ? (int)rnd_in(0, R - 1) : -1;
    bool used[VT_MAX_RANK] = {0};
    if (ob >= 0) used[ob] = true;
    for (int i = 0; i < R; i++) {
        int od = (int)rnd_in(0, R - 1);
        if (!used[od] && rnd() % 2 == 0) {
            bool dup = false;
            for (size_t k = 0; k < c->d.nto; k++) dup |= c->d.to_operand[k] == od;
            if (!dup) c->d.to_operand[c->d.nto++] = od;
        }
    }
    int64_t wsz[VT_MAX_RANK];
    int nw = 0;
    for (int od = 0; od < R; od++) {
        if (od == ob) continue;
        if (rnd() % 3 == 0) c->d.inserted[c->d.ninserted++] = od;
        else wsz[nw++] = rnd_in(0, xd[od]) ? rnd_in(1, xd[od]) : 1;
    }
    int nb = (int)rnd_in(0, 2);
    int64_t bd[VT_MAX_RANK];
    for (int k = 0; k < nb; k++) bd[k] = rnd_in(1, 5);
    int obpos = -1;
    if (ob >= 0) {
        obpos = (int)rnd_in(0, nb);
        memmove(bd + obpos + 1, bd + obpos, (size_t)(nb - obpos) * sizeof *bd);
        bd[obpos] = xd[ob];
        nb++;
    }
    bool implicit = c->d.nto == 1 && rnd() % 2 == 0;
    int64_t ivd = implicit ? nb : rnd_in(0, nb);
    int64_t id[VT_MAX_RANK];
    int ir = 0;
    for (int k = 0; k <= nb; k++) {
        if (k == ivd && !implicit) id[ir++] = (int64_t)c->d.nto;
        if (k < nb) id[ir++] = bd[k];
    }
    c->d.index_vector_dim = ivd;
    if (ob >= 0) {
        c->d.obatch[0] = ob, c->d.nobatch = 1;
        c->d.ibatch[0] = obpos >= ivd && !implicit ? obpos + 1 : obpos, c->d.nibatch = 1;
    }
    int ur = nw + nb, placed = 0, bi = 0;
    int64_t ud[VT_MAX_RANK];
    for (int k = 0; k < ur; k++) {
        int left_w = nw - placed, left_slots = ur - k;
        /* JAX puts window dims last; mix in other layouts to cover the ordering logic */
        bool take = left_w > 0 && (left_w == left_slots || rnd() % 3 == 0);
        if (take) {
            c->d.window[c->d.nwindow++] = k;
            ud[k] = wsz[placed++];
        } else {
            ud[k] = bd[bi++];
        }
    }
    c->x = mk(xt, R, xd);
    fill(c->x, nan);
    c->idx = mk(it, ir, id);
    fill_indices(c->idx, -2, 6); /* out of range and partly out of range windows, duplicates */
    c->upd = mk(xt, ur, ud);
    fill(c->upd, nan);
}

TEST(scatter_random_vs_reference) {
    vt_dtype xts[] = {VT_F32, VT_F64, VT_I32, VT_I64, VT_U32, VT_BF16, VT_F16, VT_I8, VT_U64};
    vt_binary_op ops[] = {VT_BIN_ADD, VT_BIN_MUL, VT_BIN_MAX, VT_BIN_MIN, VT_BIN_AND, VT_BIN_OR, VT_BIN_XOR};
    int compared = 0;
    for (int iter = 0; iter < 900; iter++) {
        vt_dtype xt = xts[iter % 9];
        scase c;
        make_scatter_case(&c, xt, index_types[(iter / 3) % NINDEX], true);
        int oi = (int)(rnd() % 8); /* 7: overwrite */
        bool combine = oi < 7;
        vt_binary_op op = combine ? ops[oi] : VT_BIN_ADD;
        if (combine && op >= VT_BIN_AND && vt_dtype_is_float(xt)) op = VT_BIN_ADD;
        vt_tensor *a = vt_tensor_clone(c.x, NULL), *b = vt_tensor_clone(c.x, NULL);
        vt_kctx kc = {1, UINT64_MAX, 0};
        vt_error e1 = {0}, e2 = {0};
        vt_status s1 = vt_k_scatter(&kc, a, c.idx, c.upd, &c.d, combine, op, VT_KPATH_AUTO, &e1);
        vt_status s2 = vt_k_scatter(&kc, b, c.idx, c.upd, &c.d, combine, op, VT_KPATH_REFERENCE, &e2);
        CHECK_MSG(s1 == VT_OK && s2 == VT_OK, "iter %d: %s / %s", iter, e1.msg, e2.msg);
        CHECK_MSG(same_bytes(a, b), "iter %d (%s, op %d): fast scatter differs from the reference", iter,
                  vt_dtype_name(xt), oi);
        compared++;
        vt_tensor_release(a), vt_tensor_release(b);
        vt_tensor_release(c.x), vt_tensor_release(c.idx), vt_tensor_release(c.upd);
    }
    CHECK_EQ_INT(compared, 900);
}

/* Element scatter (no window dims): segment sums and bincounts, every index type, both index
 * layouts (vector dim last, implicit), 1-D and 2-D operands. */
TEST(scatter_elements_vs_reference) {
    vt_dtype xts[] = {VT_F32, VT_I32, VT_BF16, VT_F64, VT_I64, VT_U64};
    vt_binary_op ops[] = {VT_BIN_ADD, VT_BIN_MAX, VT_BIN_MIN, VT_BIN_MUL};
    int compared = 0;
    for (size_t it = 0; it < NINDEX; it++) {
        for (int v = 0; v < 12; v++) {
            vt_dtype xt = xts[v % 6];
            bool two = v % 3 == 2, implicit = v % 2 == 1 && !two;
            int64_t xd[2] = {7, 3}, n = 2500;
            vt_gs_dims d = {0};
            vt_tensor *idx;
            if (two) {
                d.inserted[0] = 0, d.inserted[1] = 1, d.ninserted = 2, d.to_operand[0] = 1, d.to_operand[1] = 0, d.nto = 2;
                d.index_vector_dim = 1;
                idx = mk(index_types[it], 2, (int64_t[]){n, 2});
            } else {
                d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1;
                d.index_vector_dim = 1; /* the rank of a 1-D index tensor: an implicit vector */
                idx = implicit ? mk(index_types[it], 1, &n) : mk(index_types[it], 2, (int64_t[]){n, 1});
            }
            vt_tensor *x = mk(xt, two ? 2 : 1, xd), *u = mk(xt, 1, &n);
            fill(x, false), fill(u, v % 4 == 0), fill_indices(idx, -3, 9);
            for (int oi = 0; oi < 5; oi++) {
                vt_tensor *a = vt_tensor_clone(x, NULL), *b = vt_tensor_clone(x, NULL);
                vt_kctx kc = {1, UINT64_MAX, 0};
                vt_error e1 = {0}, e2 = {0};
                bool combine = oi < 4;
                CHECK_EQ_INT(vt_k_scatter(&kc, a, idx, u, &d, combine, combine ? ops[oi] : VT_BIN_ADD, VT_KPATH_AUTO, &e1), VT_OK);
                CHECK_EQ_INT(vt_k_scatter(&kc, b, idx, u, &d, combine, combine ? ops[oi] : VT_BIN_ADD, VT_KPATH_REFERENCE, &e2), VT_OK);
                CHECK_MSG(same_bytes(a, b), "%s indices, %s, op %d, layout %d: differs", vt_dtype_name(index_types[it]),
                          vt_dtype_name(xt), oi, v % 3);
                compared++;
                vt_tensor_release(a), vt_tensor_release(b);
            }
            vt_tensor_release(x), vt_tensor_release(u), vt_tensor_release(idx);
        }
    }
    CHECK_EQ_INT(compared, (int)NINDEX * 60);
}

/* x.at[idx].add(v) with duplicates: the order of application is the updates' row-major order,
 * visible in float rounding; computed here by a plain loop. */
TEST(scatter_rows_duplicates_in_order) {
    int64_t xd[2] = {5, 3}, id[2] = {64, 1}, ud[2] = {64, 3};
    vt_tensor *x = mk(VT_F32, 2, xd), *idx = mk(VT_I32, 2, id), *u = mk(VT_F32, 2, ud);
    float *xv = x->data, *uv = u->data;
    for (int i = 0; i < 15; i++) xv[i] = 1.0f;
    for (int i = 0; i < 64 * 3; i++) uv[i] = (i % 3 == 0) ? 1e8f : (i % 5 == 0 ? -1e8f : 0.7f + (float)i);
    fill_indices(idx, -1, 5);
    float want[15];
    memcpy(want, xv, sizeof want);
    for (int i = 0; i < 64; i++) {
        int32_t r = ((int32_t *)idx->data)[i];
        if (r < 0 || r >= 5) continue; /* skipped, not clamped */
        for (int j = 0; j < 3; j++) want[r * 3 + j] += uv[i * 3 + j];
    }
    vt_gs_dims d = {0};
    d.window[0] = 1, d.nwindow = 1, d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1;
    d.index_vector_dim = 1;
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
    CHECK(memcmp(x->data, want, sizeof want) == 0);
    vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(u);
}

/* Indices at the extremes of their types are skipped without overflow in every scatter path
 * (UBSan would stop here): rows, partly sticking out windows, single elements. */
TEST(scatter_extreme_indices) {
    int64_t xd[2] = {3, 5};
    vt_tensor *x = mk(VT_F32, 2, xd);
    fill(x, false);
    int64_t vals[6] = {INT64_MAX, INT64_MIN, 1, 2, INT64_MAX - 3, -1};
    for (int layout = 0; layout < 3; layout++) {
        vt_gs_dims d = {0};
        vt_tensor *idx, *u;
        if (layout == 0) { /* rows: window dim 1 */
            d.window[0] = 1, d.nwindow = 1, d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1;
            d.index_vector_dim = 1;
            idx = mk(VT_I64, 2, (int64_t[]){6, 1}), u = mk(VT_F32, 2, (int64_t[]){6, 5});
        } else if (layout == 1) { /* windows of 2x3 starting anywhere */
            d.window[0] = 1, d.window[1] = 2, d.nwindow = 2, d.to_operand[0] = 0, d.to_operand[1] = 1, d.nto = 2;
            d.index_vector_dim = 1;
            idx = mk(VT_I64, 2, (int64_t[]){3, 2}), u = mk(VT_F32, 3, (int64_t[]){3, 2, 3});
        } else { /* single elements */
            d.inserted[0] = 0, d.inserted[1] = 1, d.ninserted = 2, d.to_operand[0] = 0, d.to_operand[1] = 1, d.nto = 2;
            d.index_vector_dim = 1;
            idx = mk(VT_I64, 2, (int64_t[]){3, 2}), u = mk(VT_F32, 1, (int64_t[]){3});
        }
        memcpy(idx->data, vals, idx->nbytes);
        fill(u, false);
        vt_tensor *a = vt_tensor_clone(x, NULL), *b = vt_tensor_clone(x, NULL);
        vt_kctx kc = {1, UINT64_MAX, 0};
        vt_error err = {0};
        CHECK_EQ_INT(vt_k_scatter(&kc, a, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
        CHECK_EQ_INT(vt_k_scatter(&kc, b, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_REFERENCE, &err), VT_OK);
        CHECK_MSG(same_bytes(a, b), "layout %d", layout);
        CHECK_MSG(!same_bytes(a, x), "layout %d: the in-range update was lost", layout);
        vt_tensor_release(a), vt_tensor_release(b), vt_tensor_release(idx), vt_tensor_release(u);
    }
    vt_tensor_release(x);
}

/* A window that sticks out of the operand: only its outside elements are skipped. */
TEST(scatter_partial_window) {
    int64_t xd[1] = {6}, id[1] = {1}, ud[1] = {4};
    vt_tensor *x = mk(VT_I32, 1, xd), *idx = mk(VT_I64, 1, id), *u = mk(VT_I32, 1, ud);
    int32_t *uv = u->data;
    for (int i = 0; i < 4; i++) uv[i] = 10 + i;
    vt_gs_dims d = {0};
    d.window[0] = 0, d.nwindow = 1, d.to_operand[0] = 0, d.nto = 1, d.index_vector_dim = 0;
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_error err = {0};
    int64_t starts[3] = {4, -2, INT64_MIN};
    int32_t wants[3][6] = {{0, 0, 0, 0, 10, 11}, {12, 13, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}};
    for (int t = 0; t < 3; t++) {
        memset(x->data, 0, x->nbytes);
        ((int64_t *)idx->data)[0] = starts[t];
        CHECK_EQ_INT(vt_k_scatter(&kc, x, idx, u, &d, false, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
        CHECK_MSG(memcmp(x->data, wants[t], sizeof wants[t]) == 0, "start %lld", (long long)starts[t]);
    }
    vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(u);
}

TEST(scatter_bad_inputs) {
    int64_t xd[2] = {4, 3}, id[2] = {2, 1}, ud[2] = {2, 3};
    vt_tensor *x = mk(VT_F32, 2, xd), *idx = mk(VT_I32, 2, id), *u = mk(VT_F32, 2, ud);
    vt_tensor *u_bad = mk(VT_F32, 2, (int64_t[]){5, 3}), *u_i = mk(VT_I32, 2, ud), *fidx = mk(VT_F64, 2, id);
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_gs_dims base = {0};
    base.window[0] = 1, base.nwindow = 1, base.inserted[0] = 0, base.ninserted = 1, base.to_operand[0] = 0, base.nto = 1;
    base.index_vector_dim = 1;
    vt_error err = {0};
    CHECK_EQ_INT(vt_k_scatter(&kc, x, idx, u, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u_bad, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "updates dim 0 is 5, scatter_indices dim 0 is 2");
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u_i, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "updates type i32 differs from operand type f32");
    CHECK_ERR(vt_k_scatter(&kc, x, fidx, u, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "scatter_indices must be integers");
    vt_gs_dims d = base;
    d.to_operand[0] = 9;
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "scatter_dims_to_operand_dims[0] = 9 is outside");
    d = base;
    d.window[0] = 3;
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "update_window_dims must be increasing");
    d = base;
    d.ninserted = 0;
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "update_window_dims do not match the operand");
    d = base;
    d.index_vector_dim = -1;
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "index_vector_dim -1 is outside");
    d = base;
    d.inserted[0] = 40;
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_EINPUT,
              "inserted_window_dims[0] = 40");
    CHECK_ERR(vt_k_scatter(&kc, x, idx, u, &base, true, VT_BIN_SHL, VT_KPATH_AUTO, &err), &err, VT_EUNSUPPORTED,
              "not supported");
    vt_kctx poor = {1, 5, 0};
    CHECK_ERR(vt_k_scatter(&poor, x, idx, u, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), &err, VT_ELIMIT, "work limit (fuel)");
    /* empty updates and indices: a no-op */
    vt_tensor *i0 = mk(VT_I32, 2, (int64_t[]){0, 1}), *u0 = mk(VT_F32, 2, (int64_t[]){0, 3});
    CHECK_EQ_INT(vt_k_scatter(&kc, x, i0, u0, &base, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
    vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(u), vt_tensor_release(u_bad), vt_tensor_release(u_i);
    vt_tensor_release(fidx), vt_tensor_release(i0), vt_tensor_release(u0);
}

/* ---- whole modules: fast paths vs the generic region paths ---- */

static vt_engine *engine(void) {
    vt_engine_options o = {0};
    vt_error err;
    vt_engine *e = vt_engine_create(&o, &err);
    CHECK_MSG(e != NULL, "engine: %s", err.msg);
    return e;
}

/* Parses, verifies and runs text on args; returns result want_result (a new reference) or NULL.
 * *fuel (when given) receives the work units the run used. */
static vt_tensor *run1f(vt_engine *e, const char *text, vt_tensor **args, size_t nargs, size_t want_result, uint64_t *fuel,
                        vt_error *err) {
    vt_module *m = NULL;
    vt_parse_options po = {"test.mlir", 1, NULL};
    if (vt_parse_module(text, strlen(text), &po, &m, err) != VT_OK) return NULL;
    if (vt_module_verify(m, err) != VT_OK) {
        vt_module_free(m);
        return NULL;
    }
    vt_rvalue av[8];
    for (size_t i = 0; i < nargs; i++) av[i] = vt_rvalue_tensor(args[i]);
    vt_limits lim;
    vt_limits_default(&lim);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_tensor *out = NULL;
    vt_run_stats st = {0};
    if (vt_execute(e, m, NULL, av, nargs, &lim, &res, &nres, &st, err) == VT_OK) {
        out = vt_tensor_retain(res[want_result].tensor);
        vt_rvalues_release(res, nres);
    }
    if (fuel) *fuel = st.fuel_used;
    vt_module_free(m);
    return out;
}

static vt_tensor *run1(vt_engine *e, const char *text, vt_tensor **args, size_t nargs, size_t want_result, vt_error *err) {
    return run1f(e, text, args, nargs, want_result, NULL, err);
}

static const char *scatter_bodies[][2] = {
    /* fast body, equivalent body that the classifier does not recognise (generic path) */
    {"%s = stablehlo.add %a, %b : tensor<T>\n    stablehlo.return %s : tensor<T>",
     "%s = stablehlo.add %b, %a : tensor<T>\n    stablehlo.return %s : tensor<T>"},
    {"%s = stablehlo.maximum %a, %b : tensor<T>\n    stablehlo.return %s : tensor<T>",
     "%s = stablehlo.maximum %b, %a : tensor<T>\n    stablehlo.return %s : tensor<T>"},
    {"stablehlo.return %b : tensor<T>",
     "%t = stablehlo.constant dense<true> : tensor<i1>\n    %s = stablehlo.select %t, %b, %a : (tensor<i1>, tensor<T>, tensor<T>) -> tensor<T>\n    "
     "stablehlo.return %s : tensor<T>"},
};

static void subst_t(char *out, size_t cap, const char *in, const char *t) {
    size_t o = 0;
    for (const char *p = in; *p && o + 16 < cap; p++) {
        if (*p == 'T' && p[1] == '>') o += (size_t)snprintf(out + o, cap - o, "%s", t);
        else out[o++] = *p;
    }
    out[o] = 0;
}

TEST(scatter_module_fast_vs_region) {
    vt_engine *e = engine();
    const char *types[] = {"f32", "bf16", "i32", "f64"};
    vt_dtype dts[] = {VT_F32, VT_BF16, VT_I32, VT_F64};
    for (int ti = 0; ti < 4; ti++) {
        for (int bi = 0; bi < 3; bi++) {
            char text[2][4096];
            for (int v = 0; v < 2; v++) {
                char body[512];
                subst_t(body, sizeof body, scatter_bodies[bi][v], types[ti]);
                const char *T = types[ti];
                snprintf(text[v], sizeof text[v],
                         "func.func @main(%%x: tensor<6x4x%s>, %%i: tensor<50x1xi32>, %%u: tensor<50x4x%s>) -> tensor<6x4x%s> {\n"
                         "  %%r = \"stablehlo.scatter\"(%%x, %%i, %%u) ({\n  ^bb0(%%a: tensor<%s>, %%b: tensor<%s>):\n    %s\n"
                         "  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], "
                         "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, indices_are_sorted = false, unique_indices = false} : "
                         "(tensor<6x4x%s>, tensor<50x1xi32>, tensor<50x4x%s>) -> tensor<6x4x%s>\n"
                         "  return %%r : tensor<6x4x%s>\n}\n",
                         T, T, T, T, T, body, T, T, T, T);
            }
            vt_tensor *x = mk(dts[ti], 2, (int64_t[]){6, 4}), *idx = mk(VT_I32, 2, (int64_t[]){50, 1}),
                      *u = mk(dts[ti], 2, (int64_t[]){50, 4});
            fill(x, false), fill(u, false), fill_indices(idx, -2, 7);
            vt_tensor *args[3] = {x, idx, u};
            vt_error e1 = {0}, e2 = {0};
            vt_tensor *fast = run1(e, text[0], args, 3, 0, &e1), *gen = run1(e, text[1], args, 3, 0, &e2);
            CHECK_MSG(fast && gen, "%s body %d: %s / %s", types[ti], bi, e1.msg, e2.msg);
            if (fast && gen) CHECK_MSG(same_bytes(fast, gen), "%s body %d: fast and region paths differ", types[ti], bi);
            vt_tensor_release(fast), vt_tensor_release(gen);
            vt_tensor_release(x), vt_tensor_release(idx), vt_tensor_release(u);
        }
    }
    vt_engine_destroy(e);
}

/* Two scattered operands run the region path; each result must equal a one-operand scatter
 * (fast path) of the same updates: add on the first, overwrite on the second. */
TEST(scatter_two_operands_region) {
    vt_engine *e = engine();
    const char *two =
        "func.func @main(%x: tensor<6x4xf32>, %y: tensor<6x4xi32>, %i: tensor<40x1xi64>, %u: tensor<40x4xf32>, %v: tensor<40x4xi32>)"
        " -> (tensor<6x4xf32>, tensor<6x4xi32>) {\n"
        "  %r:2 = \"stablehlo.scatter\"(%x, %y, %i, %u, %v) ({\n"
        "  ^bb0(%a: tensor<f32>, %b: tensor<i32>, %c: tensor<f32>, %d: tensor<i32>):\n"
        "    %s = stablehlo.add %a, %c : tensor<f32>\n"
        "    stablehlo.return %s, %d : tensor<f32>, tensor<i32>\n"
        "  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], "
        "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>} : (tensor<6x4xf32>, tensor<6x4xi32>, tensor<40x1xi64>, "
        "tensor<40x4xf32>, tensor<40x4xi32>) -> (tensor<6x4xf32>, tensor<6x4xi32>)\n"
        "  return %r#0, %r#1 : tensor<6x4xf32>, tensor<6x4xi32>\n}\n";
    vt_tensor *x = mk(VT_F32, 2, (int64_t[]){6, 4}), *y = mk(VT_I32, 2, (int64_t[]){6, 4}), *idx = mk(VT_I64, 2, (int64_t[]){40, 1});
    vt_tensor *u = mk(VT_F32, 2, (int64_t[]){40, 4}), *v = mk(VT_I32, 2, (int64_t[]){40, 4});
    fill(x, false), fill(y, false), fill(u, false), fill(v, false), fill_indices(idx, -3, 8);
    vt_tensor *args[5] = {x, y, idx, u, v};
    vt_error err = {0};
    vt_tensor *r0 = run1(e, two, args, 5, 0, &err), *r1 = run1(e, two, args, 5, 1, &err);
    CHECK_MSG(r0 && r1, "%s", err.msg);
    vt_gs_dims d = {0};
    d.window[0] = 1, d.nwindow = 1, d.inserted[0] = 0, d.ninserted = 1, d.to_operand[0] = 0, d.nto = 1, d.index_vector_dim = 1;
    vt_tensor *w0 = vt_tensor_clone(x, NULL), *w1 = vt_tensor_clone(y, NULL);
    vt_kctx kc = {1, UINT64_MAX, 0};
    CHECK_EQ_INT(vt_k_scatter(&kc, w0, idx, u, &d, true, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
    CHECK_EQ_INT(vt_k_scatter(&kc, w1, idx, v, &d, false, VT_BIN_ADD, VT_KPATH_AUTO, &err), VT_OK);
    if (r0 && r1) CHECK(same_bytes(r0, w0) && same_bytes(r1, w1));
    vt_tensor_release(r0), vt_tensor_release(r1), vt_tensor_release(w0), vt_tensor_release(w1);
    vt_tensor_release(x), vt_tensor_release(y), vt_tensor_release(idx), vt_tensor_release(u), vt_tensor_release(v);
    vt_engine_destroy(e);
}

/* ---- sort ---- */

static char *sort_module(const char *T, const char *shape, int dim, const char *body, bool with_iota, char *buf, size_t cap) {
    if (with_iota)
        snprintf(buf, cap,
                 "func.func @main(%%x: tensor<%s%s>, %%y: tensor<%si32>) -> (tensor<%s%s>, tensor<%si32>) {\n"
                 "  %%r:2 = \"stablehlo.sort\"(%%x, %%y) ({\n  ^bb0(%%a: tensor<%s>, %%b: tensor<%s>, %%p: tensor<i32>, %%q: tensor<i32>):\n"
                 "    %s\n  }) {dimension = %d : i64, is_stable = true} : (tensor<%s%s>, tensor<%si32>) -> (tensor<%s%s>, tensor<%si32>)\n"
                 "  return %%r#0, %%r#1 : tensor<%s%s>, tensor<%si32>\n}\n",
                 shape, T, shape, shape, T, shape, T, T, body, dim, shape, T, shape, shape, T, shape, shape, T, shape);
    else
        snprintf(buf, cap,
                 "func.func @main(%%x: tensor<%s%s>) -> tensor<%s%s> {\n"
                 "  %%r = \"stablehlo.sort\"(%%x) ({\n  ^bb0(%%a: tensor<%s>, %%b: tensor<%s>):\n    %s\n"
                 "  }) {dimension = %d : i64, is_stable = false} : (tensor<%s%s>) -> tensor<%s%s>\n"
                 "  return %%r : tensor<%s%s>\n}\n",
                 shape, T, shape, T, T, T, body, dim, shape, T, shape, T, shape, T);
    return buf;
}

static const char *nan_hex(const char *T) {
    return strcmp(T, "f64") == 0 ? "0x7FF8000000000000" : strcmp(T, "f32") == 0 ? "0x7FC00000" : strcmp(T, "bf16") == 0 ? "0x7FC0" : "0x7E00";
}

/* Comparator bodies: a single compare (fast) and the same compare behind an `and` with true
 * (runs as a region for every comparison). jax: the keys first go through JAX's float
 * canonicalisation (-0 -> +0, every NaN -> one NaN), as jnp.sort emits it. */
static void bodies(const char *dir, const char *ct, const char *T, bool swap, bool jax, char *fast, char *slow, size_t cap) {
    char pre[2048] = "";
    const char *l = swap ? "%b" : "%a", *r = swap ? "%a" : "%b";
    if (jax) {
        size_t o = 0;
        const char *args[2] = {"%a", "%b"}, *keys[2] = {"%ka", "%kb"};
        for (int i = 0; i < 2; i++)
            o += (size_t)snprintf(pre + o, sizeof pre - o,
                                  "%%z%d = stablehlo.constant dense<0.0> : tensor<%s>\n    "
                                  "%%e%d = stablehlo.compare EQ, %s, %%z%d, FLOAT : (tensor<%s>, tensor<%s>) -> tensor<i1>\n    "
                                  "%%s%d = stablehlo.select %%e%d, %%z%d, %s : (tensor<i1>, tensor<%s>, tensor<%s>) -> tensor<%s>\n    "
                                  "%%n%d = stablehlo.compare NE, %s, %s, FLOAT : (tensor<%s>, tensor<%s>) -> tensor<i1>\n    "
                                  "%%q%d = stablehlo.constant dense<%s> : tensor<%s>\n    "
                                  "%s = stablehlo.select %%n%d, %%q%d, %%s%d : (tensor<i1>, tensor<%s>, tensor<%s>) -> tensor<%s>\n    ",
                                  i, T, i, args[i], i, T, T, i, i, i, args[i], T, T, T, i, args[i], args[i], T, T, i, nan_hex(T), T,
                                  keys[i], i, i, i, T, T, T);
        l = swap ? "%kb" : "%ka", r = swap ? "%ka" : "%kb";
    }
    snprintf(fast, cap, "%s%%c = stablehlo.compare %s, %s, %s%s%s : (tensor<%s>, tensor<%s>) -> tensor<i1>\n    stablehlo.return %%c : tensor<i1>",
             pre, dir, l, r, ct[0] ? ", " : "", ct, T, T);
    snprintf(slow, cap,
             "%s%%c = stablehlo.compare %s, %s, %s%s%s : (tensor<%s>, tensor<%s>) -> tensor<i1>\n    %%t = stablehlo.constant dense<true> : tensor<i1>\n"
             "    %%e = stablehlo.and %%c, %%t : tensor<i1>\n    stablehlo.return %%e : tensor<i1>",
             pre, dir, l, r, ct[0] ? ", " : "", ct, T, T);
}

static int64_t total_key(const vt_tensor *x, size_t i) {
    size_t es = vt_dtype_size(x->dtype);
    uint64_t b = 0;
    memcpy(&b, (char *)x->data + i * es, es);
    unsigned w = (unsigned)es * 8;
    uint64_t sign = (uint64_t)1 << (w - 1);
    int64_t mag = (int64_t)(b & (sign - 1));
    return (b & sign) ? -mag - 1 : mag;
}

TEST(sort_module_fast_vs_region) {
    vt_engine *e = engine();
    struct {
        const char *T;
        vt_dtype t;
        const char *ct;
        bool nan;
    } cases[] = {
        {"f32", VT_F32, "TOTALORDER", true}, {"f32", VT_F32, "FLOAT", false}, {"f32", VT_F32, "FLOAT", true},
        {"f64", VT_F64, "TOTALORDER", true}, {"bf16", VT_BF16, "TOTALORDER", true}, {"f16", VT_F16, "FLOAT", false},
        {"bf16", VT_BF16, "", false},        {"i8", VT_I8, "SIGNED", false},        {"ui16", VT_U16, "", false},
        {"i64", VT_I64, "", false},          {"i32", VT_I32, "SIGNED", false},      {"ui64", VT_U64, "UNSIGNED", false},
        {"i1", VT_I1, "", false},            {"f8E4M3FN", VT_F8E4M3FN, "FLOAT", false},
    };
    const char *shapes[] = {"300x", "5x7x", "2x40x3x"};
    int64_t sdims[3][3] = {{300}, {5, 7}, {2, 40, 3}};
    int sranks[3] = {1, 2, 3};
    int runs = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        for (int si = 0; si < 3; si++) {
            /* LT, GT, LT with swapped arguments, multi-operand; then JAX's canonicalising
             * comparator (float keys): LT, GT with swapped arguments, multi-operand */
            for (int v = 0; v < 7; v++) {
                bool jax = v >= 4, isf = vt_dtype_is_float(cases[ci].t) && cases[ci].t != VT_F8E4M3FN;
                if (jax && !isf) {
                    runs++;
                    continue;
                }
                const char *dir = v == 1 || v == 5 ? "GT" : "LT";
                bool swap = v == 2 || v == 5, iota = v == 3 || v == 6;
                int dim = (int)(rnd() % (uint64_t)sranks[si]);
                char fb[4096], sb[4096], t1[8192], t2[8192];
                bodies(dir, cases[ci].ct, cases[ci].T, swap, jax, fb, sb, sizeof fb);
                sort_module(cases[ci].T, shapes[si], dim, fb, iota, t1, sizeof t1);
                sort_module(cases[ci].T, shapes[si], dim, sb, iota, t2, sizeof t2);
                vt_tensor *x = mk(cases[ci].t, sranks[si], sdims[si]), *y = mk(VT_I32, sranks[si], sdims[si]);
                fill(x, cases[ci].nan);
                for (size_t k = 0; k < y->nelem; k++) ((int32_t *)y->data)[k] = (int32_t)k;
                vt_tensor *args[2] = {x, y};
                vt_error e1 = {0}, e2 = {0};
                size_t want = iota ? 1 : 0;
                uint64_t fa = 0, fb2 = 0;
                vt_tensor *a = run1f(e, t1, args, iota ? 2 : 1, want, &fa, &e1), *b = run1f(e, t2, args, iota ? 2 : 1, want, &fb2, &e2);
                CHECK_MSG(a && b, "%s %s %s v%d: %s / %s", cases[ci].T, cases[ci].ct, shapes[si], v, e1.msg, e2.msg);
                /* the single-compare and JAX comparators never run as regions (fuel tells), except
                 * a canonicalising comparator whose FLOAT compare meets NaNs (merge sort on regions) */
                bool nan_region = jax && cases[ci].nan && strcmp(cases[ci].ct, "TOTALORDER") != 0;
                CHECK_MSG(nan_region || fa * 4 < fb2, "%s %s v%d: fast comparator used %llu fuel, region %llu", cases[ci].T, cases[ci].ct, v,
                          (unsigned long long)fa, (unsigned long long)fb2);
                if (a && b) CHECK_MSG(same_bytes(a, b), "%s %s %s v%d dim %d: fast and region sorts differ", cases[ci].T, cases[ci].ct, shapes[si], v, dim);
                /* TOTALORDER rows are ordered by the total key, ties by position */
                if (a && iota && !jax && si == 0 && strcmp(cases[ci].ct, "TOTALORDER") == 0) {
                    const int32_t *p = a->data;
                    for (size_t k = 1; k < a->nelem; k++) {
                        int64_t k0 = total_key(x, (size_t)p[k - 1]), k1 = total_key(x, (size_t)p[k]);
                        CHECK_MSG(k0 < k1 || (k0 == k1 && p[k - 1] < p[k]), "%s: positions %d, %d out of order", cases[ci].T, p[k - 1], p[k]);
                    }
                }
                runs++;
                vt_tensor_release(a), vt_tensor_release(b), vt_tensor_release(x), vt_tensor_release(y);
            }
        }
    }
    CHECK_EQ_INT(runs, (int)(sizeof cases / sizeof cases[0]) * 21);
    vt_engine_destroy(e);
}

/* -0 and +0 under FLOAT are equal: a stable sort keeps their order; TOTALORDER puts -0 first. */
TEST(sort_signed_zeros) {
    vt_engine *e = engine();
    char fb[4096], sb[4096], text[8192];
    float in[6] = {0.0f, -0.0f, 1.0f, -0.0f, 0.0f, -1.0f};
    for (int tot = 0; tot < 2; tot++) {
        bodies("LT", tot ? "TOTALORDER" : "FLOAT", "f32", false, false, fb, sb, sizeof fb);
        sort_module("f32", "6x", 0, fb, false, text, sizeof text);
        vt_tensor *x = mk(VT_F32, 1, (int64_t[]){6});
        memcpy(x->data, in, sizeof in);
        vt_error err = {0};
        vt_tensor *r = run1(e, text, &x, 1, 0, &err);
        CHECK_MSG(r != NULL, "%s", err.msg);
        if (r) {
            const float *o = r->data;
            bool want_sign[6] = {true, false, true, true, false, false}; /* -1, then zeros */
            if (!tot) { /* FLOAT: zeros in input order +0 -0 -0 +0 */
                bool w[6] = {true, false, true, true, false, false};
                memcpy(want_sign, w, sizeof w);
            } else {
                bool w[6] = {true, true, true, false, false, false};
                memcpy(want_sign, w, sizeof w);
            }
            CHECK(o[0] == -1.0f && o[5] == 1.0f);
            for (int k = 1; k < 5; k++) CHECK_MSG((bool)signbit(o[k]) == want_sign[k], "tot %d pos %d", tot, k);
        }
        vt_tensor_release(r), vt_tensor_release(x);
    }
    vt_engine_destroy(e);
}

TEST(top_k_matches_brute_force) {
    vt_engine *e = engine();
    const char *Ts[] = {"f32", "bf16", "i32", "f64"};
    vt_dtype ts[] = {VT_F32, VT_BF16, VT_I32, VT_F64};
    for (int ti = 0; ti < 4; ti++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "func.func @main(%%x: tensor<3x100x%s>) -> (tensor<3x7x%s>, tensor<3x7xi32>) {\n"
                 "  %%v, %%i = chlo.top_k(%%x, k = 7) : tensor<3x100x%s> -> (tensor<3x7x%s>, tensor<3x7xi32>)\n"
                 "  return %%v, %%i : tensor<3x7x%s>, tensor<3x7xi32>\n}\n",
                 Ts[ti], Ts[ti], Ts[ti], Ts[ti], Ts[ti]);
        vt_tensor *x = mk(ts[ti], 2, (int64_t[]){3, 100});
        fill(x, true);
        vt_error err = {0};
        vt_tensor *idx = run1(e, text, &x, 1, 1, &err);
        CHECK_MSG(idx != NULL, "%s: %s", Ts[ti], err.msg);
        for (int row = 0; idx && row < 3; row++) {
            bool taken[100] = {0};
            for (int k = 0; k < 7; k++) {
                /* brute force: the largest remaining in total order, lowest position on ties */
                int best = -1;
                for (int j = 0; j < 100; j++) {
                    if (taken[j]) continue;
                    int64_t kj = vt_dtype_is_float(ts[ti]) ? total_key(x, (size_t)(row * 100 + j)) : ((int32_t *)x->data)[row * 100 + j];
                    int64_t kb = best < 0 ? 0 : vt_dtype_is_float(ts[ti]) ? total_key(x, (size_t)(row * 100 + best)) : ((int32_t *)x->data)[row * 100 + best];
                    if (best < 0 || kj > kb) best = j;
                }
                taken[best] = true;
                CHECK_MSG(((int32_t *)idx->data)[row * 7 + k] == best, "%s row %d k %d: %d, want %d", Ts[ti], row, k,
                          ((int32_t *)idx->data)[row * 7 + k], best);
            }
        }
        vt_tensor_release(idx), vt_tensor_release(x);
    }
    vt_engine_destroy(e);
}

/* Long rows take the radix passes: the permutation sorts by the comparison's order, ties keep
 * their positions, the values follow the permutation (checked here element by element). */
static int cmp_elems(const vt_tensor *x, size_t i, size_t j, vt_cmp_type ct) {
    vt_dtype t = x->dtype;
    size_t es = vt_dtype_size(t);
    const char *a = (const char *)x->data + i * es, *b = (const char *)x->data + j * es;
    if (vt_dtype_is_float(t)) {
        if (ct == VT_CMPT_TOTALORDER) {
            int64_t ka = total_key(x, i), kb = total_key(x, j);
            return (ka > kb) - (ka < kb);
        }
        double fa = vt_load_f64(t, a), fb = vt_load_f64(t, b);
        return (fa > fb) - (fa < fb);
    }
    if (vt_dtype_kind_of(t) == VT_KIND_SINT) {
        int64_t ia = vt_load_i64(t, a), ib = vt_load_i64(t, b);
        return (ia > ib) - (ia < ib);
    }
    uint64_t ua = vt_load_u64(t, a), ub = vt_load_u64(t, b);
    return (ua > ub) - (ua < ub);
}

TEST(sort_radix_long_rows) {
    struct {
        vt_dtype t;
        vt_cmp_type ct;
    } cases[] = {{VT_F32, VT_CMPT_TOTALORDER}, {VT_F32, VT_CMPT_FLOAT}, {VT_F64, VT_CMPT_TOTALORDER}, {VT_BF16, VT_CMPT_FLOAT},
                 {VT_F16, VT_CMPT_TOTALORDER}, {VT_I8, VT_CMPT_DEFAULT},     {VT_I64, VT_CMPT_SIGNED},     {VT_U64, VT_CMPT_DEFAULT},
                 {VT_U16, VT_CMPT_UNSIGNED}, {VT_I32, VT_CMPT_DEFAULT},     {VT_I1, VT_CMPT_DEFAULT}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        for (int shape = 0; shape < 3; shape++) {
            int64_t dims[2] = {shape == 0 ? 5000 : 3, shape == 0 ? 1 : 2000};
            int dim = shape == 2 ? 1 : 0, rank = shape == 0 ? 1 : 2;
            if (shape == 1) dims[0] = 2000, dims[1] = 3; /* strided rows along dim 0 */
            vt_tensor *x = mk(cases[ci].t, rank, dims), *y = mk(VT_I64, rank, dims);
            fill(x, cases[ci].ct == VT_CMPT_TOTALORDER);
            for (size_t k = 0; k < y->nelem; k++) ((int64_t *)y->data)[k] = (int64_t)k * 7 - 3;
            size_t len = (size_t)dims[dim], keep = len - (size_t)shape; /* keep fewer than all, too */
            int64_t od[2] = {dims[0], dims[1]};
            od[dim] = (int64_t)keep;
            for (int desc = 0; desc < 2; desc++) {
                vt_tensor *ox = mk(cases[ci].t, rank, od), *oy = mk(VT_I64, rank, od), *perm = mk(VT_I32, rank, od);
                const vt_tensor *xs[2] = {x, y};
                vt_tensor *outs[2] = {ox, oy};
                vt_sort_key key = {desc == 1, cases[ci].ct, false, false, 0, 0};
                vt_kctx kc = {1, UINT64_MAX, 0};
                vt_error err = {0};
                CHECK_EQ_INT(vt_k_sort_radix(&kc, 2, xs, dim, &key, outs, keep, perm, &err), VT_OK);
                size_t stride = dim == 0 && rank == 2 ? (size_t)dims[1] : 1, rows = x->nelem / len;
                int bad = 0;
                for (size_t r = 0; r < rows && !bad; r++) {
                    size_t base = dim == 0 ? r : r * len, obase = dim == 0 ? r : r * keep;
                    const int32_t *p = perm->data;
                    for (size_t i = 0; i < keep && !bad; i++) {
                        size_t pi = (size_t)p[obase + i * stride];
                        if (pi >= len) bad = 1;
                        else if (((int64_t *)oy->data)[obase + i * stride] != ((int64_t *)y->data)[base + pi * stride]) bad = 2;
                        if (!bad && i > 0) {
                            size_t pp = (size_t)p[obase + (i - 1) * stride];
                            int c = cmp_elems(x, base + pp * stride, base + pi * stride, cases[ci].ct);
                            if (desc) c = -c;
                            if (c > 0 || (c == 0 && pp >= pi)) bad = 3;
                        }
                    }
                }
                CHECK_MSG(!bad, "%s ct %d shape %d desc %d: failure %d", vt_dtype_name(cases[ci].t), cases[ci].ct, shape, desc, bad);
                vt_tensor_release(ox), vt_tensor_release(oy), vt_tensor_release(perm);
            }
            vt_tensor_release(x), vt_tensor_release(y);
        }
    }
}

TEST(sort_kernel_bad_inputs) {
    vt_kctx kc = {1, UINT64_MAX, 0};
    vt_error err = {0};
    vt_tensor *x = mk(VT_F32, 2, (int64_t[]){3, 4}), *o = mk(VT_F32, 2, (int64_t[]){3, 4}), *y = mk(VT_I32, 2, (int64_t[]){3, 5});
    vt_tensor *c = mk(VT_C64, 1, (int64_t[]){4}), *oc = mk(VT_C64, 1, (int64_t[]){4}), *oi = mk(VT_I32, 2, (int64_t[]){3, 4});
    const vt_tensor *xs[2] = {x, y};
    vt_sort_key asc = {false, VT_CMPT_FLOAT, false, false, 0, 0}, sgn = {false, VT_CMPT_SIGNED, false, false, 0, 0};
    vt_tensor *outs[2] = {o, NULL};
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, 2, &asc, outs, 4, NULL, &err), &err, VT_EINPUT, "dimension 2 is outside");
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, -1, &asc, outs, 4, NULL, &err), &err, VT_EINPUT, "dimension -1 is outside");
    CHECK_ERR(vt_k_sort_radix(&kc, 2, xs, 1, &asc, outs, 4, NULL, &err), &err, VT_EINPUT, "operand 1 differs in shape");
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, 1, &asc, outs, 9, NULL, &err), &err, VT_EINPUT, "keep 9 > row length 4");
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, 1, &sgn, outs, 4, NULL, &err), &err, VT_EUNSUPPORTED, "not supported: radix sort of f32");
    vt_tensor *couts[1] = {oc};
    const vt_tensor *cs[1] = {c};
    CHECK_ERR(vt_k_sort_radix(&kc, 1, cs, 0, &asc, couts, 4, NULL, &err), &err, VT_EUNSUPPORTED, "complex<f32>");
    vt_tensor *wrong[1] = {oi};
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, 1, &asc, wrong, 4, NULL, &err), &err, VT_EINPUT, "does not have the operand's type");
    CHECK_ERR(vt_k_sort_radix(&kc, 1, xs, 1, &asc, outs, 4, o, &err), &err, VT_EINPUT, "permutation result must be integers");
    vt_kctx poor = {1, 2, 0};
    CHECK_ERR(vt_k_sort_radix(&poor, 1, xs, 1, &asc, outs, 4, NULL, &err), &err, VT_ELIMIT, "work limit (fuel)");
    vt_kctx tight = {1, UINT64_MAX, 4};
    CHECK_ERR(vt_k_sort_radix(&tight, 1, xs, 1, &asc, outs, 4, NULL, &err), &err, VT_ELIMIT, "exceeds the tensor size limit");
    CHECK(!vt_k_sort_meets_nan(x, &asc));
    ((float *)x->data)[5] = NAN;
    CHECK(vt_k_sort_meets_nan(x, &asc));
    vt_sort_key tot = {false, VT_CMPT_TOTALORDER, false, false, 0, 0}, canon = {false, VT_CMPT_FLOAT, false, true, 0, 0x3f800000};
    CHECK(!vt_k_sort_meets_nan(x, &tot));   /* total order: NaNs have their place */
    CHECK(!vt_k_sort_meets_nan(x, &canon)); /* NaNs become 1.0 before the compare */
    vt_tensor_release(x), vt_tensor_release(o), vt_tensor_release(y), vt_tensor_release(c), vt_tensor_release(oc), vt_tensor_release(oi);
}

int main(void) {
    RUN(gather_random_vs_reference);
    RUN(gather_threads_identical);
    RUN(gather_rows_clamped);
    RUN(gather_extreme_indices);
    RUN(gather_bad_inputs);
    RUN(scatter_random_vs_reference);
    RUN(scatter_elements_vs_reference);
    RUN(scatter_rows_duplicates_in_order);
    RUN(scatter_extreme_indices);
    RUN(scatter_partial_window);
    RUN(scatter_bad_inputs);
    RUN(scatter_module_fast_vs_region);
    RUN(scatter_two_operands_region);
    RUN(sort_module_fast_vs_region);
    RUN(sort_signed_zeros);
    RUN(top_k_matches_brute_force);
    RUN(sort_radix_long_rows);
    RUN(sort_kernel_bad_inputs);
    return vt_test_finish();
}
