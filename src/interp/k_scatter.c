/* scatter kernel: updates walked in row-major order as runs (trailing window dims that walk the
 * operand with one stride) or, without window dims, as blocks of element offsets, applied by
 * typed loops; out-of-bounds elements skipped. The per-element reference path
 * (VT_KPATH_REFERENCE) is the definition tests use. */
#include "interp/k_gather.h"
#include "interp/k_shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

vt_status vt_k_scatter_check(const vt_tensor *res, const vt_tensor *idx, const vt_tensor *const *ups, size_t n,
                             const vt_gs_dims *d, vt_error *err) {
    static const char *names[3] = {"scatter_indices", "scatter_dims_to_operand_dims", "inserted_window_dims"};
    vt_status s = vt_gs_check_index_side("scatter", names, res, idx, d, err);
    if (s) return s;
    const vt_tensor *u0 = ups[0];
    for (size_t i = 1; i < n; i++)
        if (!vt_tensor_same_shape(ups[i], u0))
            return vt_error_set(err, VT_EINPUT, "scatter: updates %zu and 0 differ in shape", i);
    for (size_t k = 0; k < d->nwindow; k++)
        if (d->window[k] < 0 || d->window[k] >= u0->rank || (k && d->window[k] <= d->window[k - 1]))
            return vt_error_set(err, VT_EINPUT, "scatter: update_window_dims must be increasing and within the updates rank");
    size_t nw = 0;
    for (int od = 0; od < res->rank; od++)
        if (!vt_gs_in_list(d->inserted, d->ninserted, od) && !vt_gs_in_list(d->obatch, d->nobatch, od)) nw++;
    if (nw != d->nwindow) return vt_error_set(err, VT_EINPUT, "scatter: update_window_dims do not match the operand");
    int64_t ivd = d->index_vector_dim;
    int brank = ivd < idx->rank ? idx->rank - 1 : idx->rank;
    if ((size_t)u0->rank != d->nwindow + (size_t)brank)
        return vt_error_set(err, VT_EINPUT, "scatter: updates rank %d != %zu window dims + %d scatter dims", u0->rank,
                            d->nwindow, brank);
    for (int ud = 0, k = 0; ud < u0->rank; ud++) {
        if (vt_gs_in_list(d->window, d->nwindow, ud)) continue;
        int id = k < ivd ? k : k + 1;
        if (u0->dims[ud] != idx->dims[id])
            return vt_error_set(err, VT_EINPUT, "scatter: updates dim %d is %lld, scatter_indices dim %d is %lld", ud,
                                (long long)u0->dims[ud], id, (long long)idx->dims[id]);
        k++;
    }
    return VT_OK;
}

#define RUNBUF 256

typedef struct walk_state {
    vt_scatter_run runs[RUNBUF];
    size_t n;
    vt_scatter_visit_fn fn;
    void *ctx;
} walk_state;

static vt_status emit(walk_state *w, int64_t dst, int64_t src, int64_t n, int64_t stride) {
    vt_scatter_run *r = &w->runs[w->n++];
    r->dst = dst, r->src = src, r->n = n, r->stride = stride;
    if (w->n < RUNBUF) return VT_OK;
    w->n = 0;
    return w->fn(w->ctx, w->runs, RUNBUF);
}

vt_status vt_k_scatter_walk(const vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd, const vt_gs_dims *d,
                            vt_scatter_visit_fn fn, void *ctx, vt_error *err) {
    if (upd->nelem == 0) return VT_OK;
    int64_t ivd = d->index_vector_dim;
    size_t nvec = d->nto;
    int R = res->rank, Ru = upd->rank;
    int64_t xstr[MAXR];
    vt_k_row_major_strides(R, res->dims, xstr);
    /* Per update dim: window dims map to an operand dim (wod), scatter dims to an index batch
     * dim with a stride in the int64 index array (bstr, in index vectors). */
    int wod[MAXR], nbd = 0;
    int64_t bstr[MAXR] = {0}, bd_of[MAXR];
    {
        int wmap[MAXR], nw = 0;
        for (int od = 0; od < R; od++)
            if (!vt_gs_in_list(d->inserted, d->ninserted, od) && !vt_gs_in_list(d->obatch, d->nobatch, od)) wmap[nw++] = od;
        int k = 0;
        for (int ud = 0; ud < Ru; ud++) {
            wod[ud] = -1, bd_of[ud] = -1;
            if (k < (int)d->nwindow && d->window[k] == ud) wod[ud] = wmap[k++];
            else bd_of[ud] = nbd++;
        }
        int64_t bdims[MAXR];
        for (int ud = 0; ud < Ru; ud++)
            if (bd_of[ud] >= 0) bdims[bd_of[ud]] = upd->dims[ud];
        vt_k_row_major_strides(nbd, bdims, bstr);
    }
    /* operand dim receiving each index batching dim's position */
    int bat_od[MAXR];
    for (int j = 0; j < nbd; j++) bat_od[j] = -1;
    for (size_t k = 0; k < d->nobatch; k++) {
        int64_t ib = d->ibatch[k];
        bat_od[ib > ivd ? ib - 1 : ib] = (int)d->obatch[k];
    }
    /* The run: trailing update dims that are window dims and walk the operand with one stride. */
    int first = Ru;
    int64_t L = 1, S = 1;
    if (Ru > 0 && wod[Ru - 1] >= 0) {
        first = Ru - 1;
        L = upd->dims[Ru - 1];
        S = xstr[wod[Ru - 1]];
        int64_t SL;
        while (first > 0 && wod[first - 1] >= 0 && !__builtin_mul_overflow(S, L, &SL) && xstr[wod[first - 1]] == SL) {
            first--;
            L *= upd->dims[first];
        }
    }
    int64_t *iv = vt_gs_load_indices(NULL, idx, ivd, "scatter", err);
    if (!iv) return err->code;
    walk_state *w = malloc(sizeof *w);
    if (!w) {
        free(iv);
        return vt_error_set(err, VT_ENOMEM, "scatter: out of memory");
    }
    w->n = 0, w->fn = fn, w->ctx = ctx;
    vt_status s = VT_OK;
    int64_t pos[MAXR] = {0};
    int64_t src = 0;
    /* extent of the run along each operand dim (0 for dims the run does not walk) */
    int64_t ext[MAXR], lim[MAXR];
    for (int od = 0; od < R; od++) ext[od] = 0;
    for (int ud = first; ud < Ru; ud++) ext[wod[ud]] = upd->dims[ud] - 1;
    for (int od = 0; od < R; od++) lim[od] = res->dims[od] - ext[od];
    /* Where each operand dim's position comes from: index vector entry kk, outer window update
     * dim wu, update dim bu holding its batching position (each at most one, -1: none). */
    int kk[MAXR], wu[MAXR], bu[MAXR];
    for (int od = 0; od < R; od++) kk[od] = wu[od] = bu[od] = -1;
    for (size_t k = 0; k < nvec; k++) kk[d->to_operand[k]] = (int)k;
    for (int ud = 0; ud < first; ud++) {
        if (wod[ud] >= 0) wu[wod[ud]] = ud;
        else if (bat_od[bd_of[ud]] >= 0) bu[bat_od[bd_of[ud]]] = ud;
    }
    int64_t bmul[MAXR]; /* per outer update dim: its step in index vectors (0 for window dims) */
    for (int ud = 0; ud < first; ud++) bmul[ud] = wod[ud] >= 0 ? 0 : bstr[bd_of[ud]];
    do {
        int64_t blin = 0;
        for (int ud = 0; ud < first; ud++) blin += pos[ud] * bmul[ud];
        const int64_t *vec = iv + (size_t)blin * nvec;
        int64_t F[MAXR];
        /* In bounds as a whole? The run covers [F, F + ext] along its dims. */
        bool inb = true;
        int64_t off = 0;
        for (int od = 0; od < R; od++) {
            int64_t v = (kk[od] >= 0 ? vec[kk[od]] : 0) + (wu[od] >= 0 ? pos[wu[od]] : 0) + (bu[od] >= 0 ? pos[bu[od]] : 0);
            F[od] = v;
            if (v < 0 || v >= lim[od]) inb = false;
        }
        for (int od = 0; inb && od < R; od++) off += F[od] * xstr[od]; /* in bounds: no overflow */
        if (inb) {
            s = emit(w, off, src, L, S);
        } else if (first < Ru) {
            /* partly outside: element by element, skipping those outside */
            int64_t rdims[MAXR], rp[MAXR] = {0};
            int nr = Ru - first;
            for (int k = 0; k < nr; k++) rdims[k] = upd->dims[first + k];
            for (int64_t j = 0; j < L && !s; j++) {
                bool ok = true;
                int64_t o = 0;
                for (int od = 0; od < R && ok; od++) {
                    int64_t v = F[od];
                    for (int k = 0; k < nr; k++)
                        if (wod[first + k] == od) v += rp[k];
                    if (v < 0 || v >= res->dims[od]) ok = false;
                    else o += v * xstr[od];
                }
                if (ok) s = emit(w, o, src + j, 1, 1);
                vt_gs_odometer_next(nr, rdims, rp);
            }
        }
        src += L;
    } while (!s && vt_gs_odometer_next(first, upd->dims, pos));
    if (!s && w->n) s = fn(ctx, w->runs, w->n);
    free(w);
    free(iv);
    return s;
}

/* ---- typed application of runs ---- */

#define MAXF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b) > (a) ? (b) : signbit(a) ? (b) : (a))
#define MINF(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) < (b) ? (a) : (b) < (a) ? (b) : signbit(a) ? (a) : (b))

typedef struct apply_ctx {
    char *dst;
    const char *src;
    size_t es;
    bool combine;
    int typed;      /* index into the typed loops, or -1 */
    vt_k_op kop;
} apply_ctx;

#define APPLY_LOOP(T, EXPR)                                                             \
    for (size_t r = 0; r < nruns; r++) {                                                \
        T *dp = (T *)c->dst + runs[r].dst;                                              \
        const T *sp = (const T *)c->src + runs[r].src;                                  \
        int64_t n = runs[r].n, st = runs[r].stride;                                     \
        if (st == 1) {                                                                  \
            for (int64_t j = 0; j < n; j++) {                                           \
                T a = dp[j], b = sp[j];                                                 \
                dp[j] = (EXPR);                                                         \
            }                                                                           \
        } else {                                                                        \
            for (int64_t j = 0; j < n; j++) {                                           \
                T a = dp[j * st], b = sp[j];                                            \
                dp[j * st] = (EXPR);                                                    \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    return VT_OK;

/* typed loop ids: type * 8 + op */
enum { TY_F32, TY_F64, TY_S32, TY_S64, TY_U32, TY_U64 };
enum { OP_ADD, OP_MUL, OP_MAX, OP_MIN, OP_AND, OP_OR, OP_XOR };

static int typed_id(vt_dtype t, vt_binary_op bop) {
    int ty = t == VT_F32 ? TY_F32 : t == VT_F64 ? TY_F64 : t == VT_I32 ? TY_S32 : t == VT_I64 ? TY_S64
             : t == VT_U32 ? TY_U32 : t == VT_U64 ? TY_U64 : -1;
    int op = bop == VT_BIN_ADD ? OP_ADD : bop == VT_BIN_MUL ? OP_MUL : bop == VT_BIN_MAX ? OP_MAX : bop == VT_BIN_MIN ? OP_MIN
             : bop == VT_BIN_AND ? OP_AND : bop == VT_BIN_OR ? OP_OR : bop == VT_BIN_XOR ? OP_XOR : -1;
    if (ty < 0 || op < 0) return -1;
    if ((ty == TY_F32 || ty == TY_F64) && op >= OP_AND) return -1;
    return ty * 8 + op;
}

/* Every typed (type, op) pair, expanded with LOOP(T, EXPR) as the loop body of its case. */
#define INT_CASES(LOOP, TY, T, UT)                                              \
    case TY * 8 + OP_ADD: { LOOP(T, (T)(UT)((UT)a + (UT)b)) }                    \
    case TY * 8 + OP_MUL: { LOOP(T, (T)(UT)((UT)a * (UT)b)) }                    \
    case TY * 8 + OP_MAX: { LOOP(T, a > b ? a : b) }                             \
    case TY * 8 + OP_MIN: { LOOP(T, a < b ? a : b) }                             \
    case TY * 8 + OP_AND: { LOOP(T, (T)((UT)a & (UT)b)) }                        \
    case TY * 8 + OP_OR: { LOOP(T, (T)((UT)a | (UT)b)) }                         \
    case TY * 8 + OP_XOR: { LOOP(T, (T)((UT)a ^ (UT)b)) }
#define TYPED_CASES(LOOP)                                                       \
    case TY_F32 * 8 + OP_ADD: { LOOP(float, a + b) }                            \
    case TY_F32 * 8 + OP_MUL: { LOOP(float, a * b) }                            \
    case TY_F32 * 8 + OP_MAX: { LOOP(float, MAXF(a, b)) }                       \
    case TY_F32 * 8 + OP_MIN: { LOOP(float, MINF(a, b)) }                       \
    case TY_F64 * 8 + OP_ADD: { LOOP(double, a + b) }                           \
    case TY_F64 * 8 + OP_MUL: { LOOP(double, a * b) }                           \
    case TY_F64 * 8 + OP_MAX: { LOOP(double, MAXF(a, b)) }                      \
    case TY_F64 * 8 + OP_MIN: { LOOP(double, MINF(a, b)) }                      \
    INT_CASES(LOOP, TY_S32, int32_t, uint32_t)                                  \
    INT_CASES(LOOP, TY_S64, int64_t, uint64_t)                                  \
    INT_CASES(LOOP, TY_U32, uint32_t, uint32_t)                                 \
    INT_CASES(LOOP, TY_U64, uint64_t, uint64_t)

static vt_status apply_typed(const apply_ctx *c, const vt_scatter_run *runs, size_t nruns) {
    switch (c->typed) {
    TYPED_CASES(APPLY_LOOP)
    default: return VT_EINTERNAL;
    }
}

/* One element per update: offs[i] is the operand element of update src0 + i, or -1 (skipped). */
#define ELEM_LOOP(T, EXPR)                                                      \
    {                                                                           \
        T *dp = (T *)c->dst;                                                    \
        const T *sp = (const T *)c->src + src0;                                 \
        for (size_t i = 0; i < m; i++) {                                        \
            int64_t o = offs[i];                                                \
            if (o < 0) continue;                                                \
            T a = dp[o], b = sp[i];                                             \
            dp[o] = (EXPR);                                                     \
        }                                                                       \
    }                                                                           \
    return;

static void apply_elems(const apply_ctx *c, const int64_t *offs, size_t src0, size_t m) {
    size_t es = c->es;
    if (c->combine) {
        switch (c->typed) {
        TYPED_CASES(ELEM_LOOP)
        default: break;
        }
    }
    for (size_t i = 0; i < m; i++) {
        if (offs[i] < 0) continue;
        char *e = c->dst + (size_t)offs[i] * es;
        const char *u = c->src + (src0 + i) * es;
        if (!c->combine) {
            vt_gs_copy_elem(es, e, u);
        } else {
            const void *ins[2] = {e, u};
            vt_k_run_range(&c->kop, ins, 0, e, 1);
        }
    }
}

#define ELEM_BLOCK 1024

/* Scatter where each update is one operand element addressed by its index vector alone (no
 * window dims, no batching dims; 1-D segment sums, bincounts): offsets for a block of updates
 * in one tight loop, then one typed loop applies the block in order. */
static vt_status scatter_elements(vt_kctx *kc, const vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd,
                                  const vt_gs_dims *d, const apply_ctx *c, vt_error *err) {
    for (int od = 0; od < res->rank; od++)
        if (res->dims[od] == 0) return VT_OK; /* nothing is in bounds */
    /* index vectors already laid out [update][nvec]: convert block by block, no big scratch */
    bool blocked = d->index_vector_dim >= idx->rank - 1 && d->nto <= 8;
    int64_t *iv = blocked ? malloc(ELEM_BLOCK * 8 * sizeof *iv) : vt_gs_load_indices(kc, idx, d->index_vector_dim, "scatter", err);
    if (!iv) return blocked ? vt_error_set(err, VT_ENOMEM, "scatter: out of memory") : err->code;
    int64_t xstr[MAXR], st[MAXR], dm[MAXR], offs[ELEM_BLOCK];
    vt_k_row_major_strides(res->rank, res->dims, xstr);
    size_t nvec = d->nto, n = upd->nelem;
    for (size_t k = 0; k < nvec; k++) st[k] = xstr[d->to_operand[k]], dm[k] = res->dims[d->to_operand[k]];
    for (size_t u0 = 0; u0 < n; u0 += ELEM_BLOCK) {
        size_t m = n - u0 < ELEM_BLOCK ? n - u0 : ELEM_BLOCK;
        const int64_t *v = iv + u0 * nvec;
        if (blocked && nvec == 1 && (idx->dtype == VT_I32 || idx->dtype == VT_I64)) {
            /* the common int32/int64 index: offsets straight from the indices */
            uint64_t d0 = (uint64_t)dm[0];
            int64_t s0 = st[0];
            if (idx->dtype == VT_I32) {
                const int32_t *p = (const int32_t *)idx->data + u0;
                for (size_t i = 0; i < m; i++) offs[i] = (uint64_t)(int64_t)p[i] < d0 ? (int64_t)p[i] * s0 : -1;
            } else {
                const int64_t *p = (const int64_t *)idx->data + u0;
                for (size_t i = 0; i < m; i++) offs[i] = (uint64_t)p[i] < d0 ? p[i] * s0 : -1;
            }
            apply_elems(c, offs, u0, m);
            continue;
        }
        if (blocked) {
            vt_gs_convert_indices(idx, u0 * nvec, m * nvec, iv);
            v = iv;
        }
        if (nvec == 1) {
            uint64_t d0 = (uint64_t)dm[0];
            int64_t s0 = st[0];
            for (size_t i = 0; i < m; i++) offs[i] = (uint64_t)v[i] < d0 ? v[i] * s0 : -1;
        } else {
            for (size_t i = 0; i < m; i++) {
                int64_t o = 0;
                for (size_t k = 0; k < nvec; k++) {
                    int64_t x = v[i * nvec + k];
                    if ((uint64_t)x >= (uint64_t)dm[k]) {
                        o = -1;
                        break;
                    }
                    o += x * st[k];
                }
                offs[i] = o;
            }
        }
        apply_elems(c, offs, u0, m);
    }
    free(iv);
    return VT_OK;
}

static vt_status apply_runs(void *ctx, const vt_scatter_run *runs, size_t nruns) {
    const apply_ctx *c = ctx;
    size_t es = c->es;
    if (!c->combine) {
        for (size_t r = 0; r < nruns; r++) {
            char *dp = c->dst + (size_t)runs[r].dst * es;
            const char *sp = c->src + (size_t)runs[r].src * es;
            if (runs[r].stride == 1) memcpy(dp, sp, (size_t)runs[r].n * es);
            else
                for (int64_t j = 0; j < runs[r].n; j++) vt_gs_copy_elem(es, dp + (size_t)(j * runs[r].stride) * es, sp + (size_t)j * es);
        }
        return VT_OK;
    }
    if (c->typed >= 0) return apply_typed(c, runs, nruns);
    for (size_t r = 0; r < nruns; r++) {
        char *dp = c->dst + (size_t)runs[r].dst * es;
        const char *sp = c->src + (size_t)runs[r].src * es;
        if (runs[r].stride == 1) {
            const void *ins[2] = {dp, sp};
            vt_k_run_range(&c->kop, ins, 0, dp, (size_t)runs[r].n);
        } else {
            for (int64_t j = 0; j < runs[r].n; j++) {
                char *e = dp + (size_t)(j * runs[r].stride) * es;
                const void *ins[2] = {e, sp + (size_t)j * es};
                vt_k_run_range(&c->kop, ins, 0, e, 1);
            }
        }
    }
    return VT_OK;
}

/* The definition: every update element in row-major order, its operand position computed from
 * scratch, skipped when outside the operand. */
static void scatter_reference(vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd, const vt_gs_dims *d,
                              const apply_ctx *c) {
    int64_t ivd = d->index_vector_dim, xstr[MAXR], uidx[MAXR], bidx[MAXR], vec[MAXR];
    vt_k_row_major_strides(res->rank, res->dims, xstr);
    int uscatter[MAXR], nus = 0, wmap[MAXR], nw = 0;
    for (int ud = 0; ud < upd->rank; ud++)
        if (!vt_gs_in_list(d->window, d->nwindow, ud)) uscatter[nus++] = ud;
    for (int od = 0; od < res->rank; od++)
        if (!vt_gs_in_list(d->inserted, d->ninserted, od) && !vt_gs_in_list(d->obatch, d->nobatch, od)) wmap[nw++] = od;
    for (size_t u = 0; u < upd->nelem; u++) {
        vt_gs_unravel(u, upd->rank, upd->dims, uidx);
        for (int k = 0; k < nus; k++) bidx[k] = uidx[uscatter[k]];
        vt_gs_index_vector(idx, ivd, bidx, d->nto, vec);
        int64_t full[MAXR] = {0};
        for (size_t k = 0; k < d->nto; k++) full[d->to_operand[k]] += vec[k];
        for (size_t k = 0; k < d->nobatch; k++) {
            int64_t ib = d->ibatch[k];
            full[d->obatch[k]] += bidx[ib > ivd ? ib - 1 : ib];
        }
        for (size_t k = 0; k < d->nwindow; k++) full[wmap[k]] += uidx[d->window[k]];
        bool inb = true;
        int64_t off = 0;
        for (int od = 0; od < res->rank && inb; od++) {
            if (full[od] < 0 || full[od] >= res->dims[od]) inb = false;
            else off += full[od] * xstr[od];
        }
        if (!inb) continue;
        vt_scatter_run one = {off, (int64_t)u, 1, 1};
        apply_ctx plain = *c;
        plain.typed = -1; /* the reference runs the shared elementwise kernels */
        apply_runs(&plain, &one, 1);
    }
}

vt_status vt_k_scatter(vt_kctx *kc, vt_tensor *res, const vt_tensor *idx, const vt_tensor *upd, const vt_gs_dims *d,
                       bool combine, vt_binary_op bop, vt_kpath path, vt_error *err) {
    vt_status s = vt_k_scatter_check(res, idx, &upd, 1, d, err);
    if (s) return s;
    if (upd->dtype != res->dtype)
        return vt_error_set(err, VT_EINPUT, "scatter: updates type %s differs from operand type %s", vt_dtype_name(upd->dtype),
                            vt_dtype_name(res->dtype));
    apply_ctx c = {res->data, upd->data, vt_dtype_size(res->dtype), combine, -1, {0}};
    if (combine) {
        if ((s = vt_k_binary_resolve(bop, res->dtype, &c.kop, err))) return s;
        c.typed = typed_id(res->dtype, bop);
    }
    uint64_t units;
    if (__builtin_mul_overflow((uint64_t)upd->nelem, (uint64_t)4, &units) || __builtin_add_overflow(units, (uint64_t)res->nelem, &units))
        units = UINT64_MAX;
    if ((s = vt_kctx_charge(kc, units, err))) return s;
    if (path == VT_KPATH_REFERENCE) {
        scatter_reference(res, idx, upd, d, &c);
        return VT_OK;
    }
    if (d->nwindow == 0 && d->nobatch == 0) return scatter_elements(kc, res, idx, upd, d, &c, err);
    return vt_k_scatter_walk(res, idx, upd, d, apply_runs, &c, err);
}

