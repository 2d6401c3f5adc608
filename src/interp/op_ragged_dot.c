/* chlo.ragged_dot in its three modes (ragged non-contracting, contracting, batch) with the
 * semantics of JAX's reference (_ragged_dot_general_impl: group g covers positions
 * [start_g, start_g + size_g) of the ragged dimension, positions in no group contribute zero).
 * Operands are permuted once into a canonical layout and each group is one 2-D dot_general on
 * views, so the dot kernel's types, BLAS use and determinism apply. Group sizes summing past
 * the ragged dimension are clipped at its end, as XLA's masks do; negative ones are refused. */
#include "interp/interp_internal.h"
#include "interp/k_dot.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

typedef enum { MODE_NONCONTRACTING, MODE_CONTRACTING, MODE_BATCH } rd_mode;

typedef struct rd_dims {
    int64_t lb[VT_MAX_RANK], rb[VT_MAX_RANK], lc[VT_MAX_RANK], rc[VT_MAX_RANK], lr[VT_MAX_RANK], rg[VT_MAX_RANK];
    size_t nlb, nrb, nlc, nrc, nlr, nrg;
} rd_dims;

static bool contains(const int64_t *v, size_t n, int64_t x) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return true;
    return false;
}

static size_t index_of(const int64_t *v, size_t n, int64_t x) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return i;
    return n;
}

#define FAIL(...) vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: " __VA_ARGS__)

/* Every list entry in range and used once per operand. */
static vt_status check_dims(vt_run *r, int rank, const char *side, const int64_t *const *lists, const size_t *ns,
                            const char *const *names, int nlists) {
    bool used[VT_MAX_RANK] = {false};
    for (int l = 0; l < nlists; l++)
        for (size_t i = 0; i < ns[l]; i++) {
            int64_t d = lists[l][i];
            if (d < 0 || d >= rank) return FAIL("%s dimension %lld out of range for rank %d", names[l], (long long)d, rank);
            if (used[d]) return FAIL("%s dimension %lld is used twice", side, (long long)d);
            used[d] = true;
        }
    return VT_OK;
}

static vt_status read_dims(vt_run *r, const vt_op *op, rd_dims *d) {
    vt_attr *dn = vt_op_attr(op, "ragged_dot_dimension_numbers");
    if (!dn) return vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: missing ragged_dot_dimension_numbers");
    if (!vt_field_i64s(dn, "lhs_batching_dimensions", d->lb, VT_MAX_RANK, &d->nlb) ||
        !vt_field_i64s(dn, "rhs_batching_dimensions", d->rb, VT_MAX_RANK, &d->nrb) ||
        !vt_field_i64s(dn, "lhs_contracting_dimensions", d->lc, VT_MAX_RANK, &d->nlc) ||
        !vt_field_i64s(dn, "rhs_contracting_dimensions", d->rc, VT_MAX_RANK, &d->nrc) ||
        !vt_field_i64s(dn, "lhs_ragged_dimensions", d->lr, VT_MAX_RANK, &d->nlr) ||
        !vt_field_i64s(dn, "rhs_group_dimensions", d->rg, VT_MAX_RANK, &d->nrg))
        return vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: malformed ragged_dot_dimension_numbers");
    if (d->nlb != d->nrb || d->nlc != d->nrc)
        return vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: batching or contracting dimension lists differ in length");
    if (d->nlr != 1)
        return vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: there must be exactly one lhs ragged dimension, not %zu", d->nlr);
    return VT_OK;
}

/* A borrowed 2-D or 3-D window on a buffer, for the dot kernel (never released). */
static void view(vt_tensor *v, vt_dtype t, int rank, const int64_t *dims, void *data) {
    memset(v, 0, sizeof *v);
    v->refcount = 1;
    v->dtype = t;
    v->rank = rank;
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        v->dims[i] = dims[i];
        n *= (size_t)dims[i];
    }
    v->nelem = n;
    v->nbytes = n * vt_dtype_size(t);
    v->data = n ? data : NULL;
}

/* x permuted so that dimension perm[i] comes i-th (a reference to x itself when perm is the
 * identity), allocated in the run's accounting. */
static vt_status permuted(vt_run *r, vt_tensor *x, const int64_t *perm, vt_tensor **out) {
    bool ident = true;
    for (int i = 0; i < x->rank; i++) ident = ident && perm[i] == i;
    if (ident) {
        *out = vt_tensor_retain(x);
        return VT_OK;
    }
    int64_t dims[VT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) dims[i] = x->dims[perm[i]];
    vt_tensor *t = vt_rt_alloc(r, x->dtype, x->rank, dims);
    if (!t) return r->err->code;
    vt_status s = vt_k_transpose(&r->kc, x, perm, x->rank, t, r->err);
    if (s) {
        vt_tensor_release(t);
        return s;
    }
    *out = t;
    return VT_OK;
}

static int64_t prod(const vt_tensor *t, const int64_t *dims, size_t n) {
    int64_t p = 1;
    for (size_t i = 0; i < n; i++) p *= t->dims[dims[i]];
    return p;
}

/* 2-D product out[m, n] = sum_k a[m, k] b[k, n] (a_t: a is [k, m], contracted on dim 0). */
static vt_status gemm(vt_run *r, vt_tensor *a, vt_tensor *b, vt_tensor *out, bool a_t) {
    vt_dot_params p;
    memset(&p, 0, sizeof p);
    p.ncontract = 1;
    p.lhs_contract[0] = a_t ? 0 : 1;
    p.rhs_contract[0] = 0;
    return vt_k_dot_general(&r->kc, a, b, &p, out, r->err);
}

/* Group ranges run in order along the ragged dimension: [cum, cum + size) clipped to [0, len). */
static void next_range(int64_t *cum, int64_t size, int64_t len, int64_t *s, int64_t *e) {
    *s = *cum;
    *e = size > len - *cum ? len : *cum + size;
    *cum = *e;
}

static vt_status exec_ragged_dot(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *lhs, *rhs, *gst;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &lhs);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &rhs);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[2], 2, &gst);
    if (s) return s;
    if (op->operands[0]->type->quant || op->operands[1]->type->quant || op->results[0].type->quant)
        return vt_rt_unsupported(r, op, "a quantized element type");
    rd_dims d;
    if ((s = read_dims(r, op, &d))) return s;
    {
        const int64_t *ll[2] = {d.lb, d.lc}, *rl[3] = {d.rb, d.rc, d.rg};
        size_t ln[2] = {d.nlb, d.nlc}, rn[3] = {d.nrb, d.nrc, d.nrg};
        const char *lnames[2] = {"lhs_batching", "lhs_contracting"};
        const char *rnames[3] = {"rhs_batching", "rhs_contracting", "rhs_group"};
        if ((s = check_dims(r, lhs->rank, "lhs", ll, ln, lnames, 2)) || (s = check_dims(r, rhs->rank, "rhs", rl, rn, rnames, 3)))
            return s;
        if (d.lr[0] < 0 || d.lr[0] >= lhs->rank)
            return FAIL("lhs_ragged dimension %lld out of range for rank %d", (long long)d.lr[0], lhs->rank);
    }
    for (size_t i = 0; i < d.nlb; i++)
        if (lhs->dims[d.lb[i]] != rhs->dims[d.rb[i]])
            return FAIL("batching dimension sizes differ: %lld vs %lld", (long long)lhs->dims[d.lb[i]], (long long)rhs->dims[d.rb[i]]);
    for (size_t i = 0; i < d.nlc; i++)
        if (lhs->dims[d.lc[i]] != rhs->dims[d.rc[i]])
            return FAIL("contracting dimension sizes differ: %lld vs %lld", (long long)lhs->dims[d.lc[i]], (long long)rhs->dims[d.rc[i]]);
    int64_t rdim = d.lr[0];
    rd_mode mode = contains(d.lb, d.nlb, rdim) ? MODE_BATCH : contains(d.lc, d.nlc, rdim) ? MODE_CONTRACTING : MODE_NONCONTRACTING;
    if (mode == MODE_NONCONTRACTING ? d.nrg != 1 : d.nrg != 0)
        return vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: a ragged %s dimension needs %s rhs group dimension",
                            mode == MODE_NONCONTRACTING ? "non-contracting" : mode == MODE_BATCH ? "batch" : "contracting",
                            mode == MODE_NONCONTRACTING ? "exactly one" : "no");
    /* lhs free dims (ascending), rhs free dims (ascending) */
    int64_t lf[VT_MAX_RANK], rf[VT_MAX_RANK];
    size_t nlf = 0, nrf = 0;
    for (int i = 0; i < lhs->rank; i++)
        if (!contains(d.lb, d.nlb, i) && !contains(d.lc, d.nlc, i)) lf[nlf++] = i;
    for (int i = 0; i < rhs->rank; i++)
        if (!contains(d.rb, d.nrb, i) && !contains(d.rc, d.nrc, i) && !contains(d.rg, d.nrg, i)) rf[nrf++] = i;
    /* group_sizes prefix [b..., x...]: batch dims, then the dims "outer" to the ragged one */
    int64_t pre[VT_MAX_RANK];
    size_t npre = 0, nx = 0;
    int64_t xd[VT_MAX_RANK]; /* x dims (lhs indices) */
    if (mode == MODE_BATCH) {
        size_t j = index_of(d.lb, d.nlb, rdim);
        for (size_t i = 0; i < j; i++) pre[npre++] = d.lb[i];
    } else {
        for (size_t i = 0; i < d.nlb; i++) pre[npre++] = d.lb[i];
        if (mode == MODE_CONTRACTING) {
            size_t j = index_of(d.lc, d.nlc, rdim);
            for (size_t i = 0; i < j; i++) pre[npre++] = xd[nx++] = d.lc[i];
        } else {
            for (size_t i = 0; i < nlf && lf[i] < rdim; i++) pre[npre++] = xd[nx++] = lf[i];
        }
    }
    if (!vt_dtype_is_int(gst->dtype)) return FAIL("group_sizes must have an integer element type, not %s", vt_dtype_name(gst->dtype));
    if (gst->rank < 1) return FAIL("group_sizes must have rank >= 1");
    int64_t G = gst->dims[gst->rank - 1];
    if (gst->rank != 1) {
        if ((size_t)gst->rank != npre + 1) return FAIL("expected group_sizes to have rank 1 or %zu, got %d", npre + 1, gst->rank);
        for (size_t i = 0; i < npre; i++)
            if (gst->dims[i] != lhs->dims[pre[i]])
                return FAIL("group_sizes dimension %zu must have size %lld (from lhs dimension %lld)", i,
                            (long long)lhs->dims[pre[i]], (long long)pre[i]);
    }
    if (mode == MODE_NONCONTRACTING && rhs->dims[d.rg[0]] != G)
        return FAIL("rhs group dimension has size %lld, expected %lld groups", (long long)rhs->dims[d.rg[0]], (long long)G);
    /* the result type must be the inferred one */
    int64_t rdims[VT_MAX_RANK];
    int rr = 0;
    if (mode == MODE_CONTRACTING) rdims[rr++] = G;
    for (size_t i = 0; i < d.nlb; i++) rdims[rr++] = lhs->dims[d.lb[i]];
    for (size_t i = 0; i < nlf; i++) rdims[rr++] = lhs->dims[lf[i]];
    for (size_t i = 0; i < nrf; i++) rdims[rr++] = rhs->dims[rf[i]];
    const vt_type *rt = op->results[0].type;
    bool same = rt && rt->kind == VT_TYPE_TENSOR && rt->rank == rr;
    for (int i = 0; same && i < rr; i++) same = rt->dims[i] == rdims[i];
    if (!same) return FAIL("result type differs from the inferred shape (rank %d)", rr);
    if (mode == MODE_BATCH) { /* JAX's reference: group_sizes do not change a ragged batch product */
        vt_dot_params p;
        memset(&p, 0, sizeof p);
        p.nbatch = (int)d.nlb;
        p.ncontract = (int)d.nlc;
        memcpy(p.lhs_batch, d.lb, sizeof p.lhs_batch);
        memcpy(p.rhs_batch, d.rb, sizeof p.rhs_batch);
        memcpy(p.lhs_contract, d.lc, sizeof p.lhs_contract);
        memcpy(p.rhs_contract, d.rc, sizeof p.rhs_contract);
        vt_tensor *res = vt_rt_result(r, op, 0);
        if (!res) return r->err->code;
        if ((s = vt_k_dot_general(&r->kc, lhs, rhs, &p, res, r->err))) {
            vt_tensor_release(res);
            return s;
        }
        out[0] = vt_rvalue_tensor(res);
        return VT_OK;
    }
    /* group sizes as int64 [P, G] (rank 1: the same row for every prefix); negative ones refused */
    int64_t P = 1;
    for (size_t i = 0; i < npre; i++) P *= lhs->dims[pre[i]];
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    if (res->nbytes) memset(res->data, 0, res->nbytes);
    if (lhs->nelem == 0 || rhs->nelem == 0 || res->nelem == 0 || G == 0) { /* empty sums are zero */
        out[0] = vt_rvalue_tensor(res);
        return VT_OK;
    }
    int64_t *gs = NULL, *cum = NULL;
    vt_tensor *L = NULL, *R = NULL;
    char *ga = NULL, *gb = NULL;
    /* every (prefix, group) pair is visited once, even when empty */
    uint64_t visits = (uint64_t)G > UINT64_MAX / (uint64_t)P ? UINT64_MAX - gst->nelem : (uint64_t)P * (uint64_t)G;
    if ((s = vt_rt_charge(r, visits + gst->nelem))) goto done;
    gs = vt_k_scratch(&r->kc, gst->nelem, sizeof *gs, "ragged_dot group_sizes", r->err);
    if (!gs) {
        s = r->err->code;
        goto done;
    }
    vt_k_to_u64(gst->dtype, gst->data, (uint64_t *)gs, gst->nelem);
    bool sgn = vt_dtype_kind_of(gst->dtype) == VT_KIND_SINT;
    for (size_t i = 0; i < gst->nelem; i++) {
        uint64_t u = (uint64_t)gs[i];
        if (sgn && (int64_t)u < 0) {
            s = vt_error_set(r->err, VT_EINPUT, "chlo.ragged_dot: group_sizes element %zu is negative (%lld)", i, (long long)(int64_t)u);
            goto done;
        }
        gs[i] = !sgn && u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    }
    size_t grow = gst->rank == 1 ? 0 : (size_t)G; /* stride between prefixes */
    int64_t lperm[VT_MAX_RANK], rperm[VT_MAX_RANK];
    int nl = 0, nr = 0;
    int64_t B = prod(lhs, d.lb, d.nlb), X = prod(lhs, xd, nx), Rr = lhs->dims[rdim];
    size_t les = vt_dtype_size(lhs->dtype), oes = vt_dtype_size(res->dtype), rs = vt_dtype_size(rhs->dtype);
    if (mode == MODE_NONCONTRACTING) {
        /* lhs -> [B, X, R, Y, K], rhs -> [G, B, K, N], result [B, X, R, Y, N] */
        int64_t yd[VT_MAX_RANK];
        size_t ny = 0;
        for (size_t i = 0; i < d.nlb; i++) lperm[nl++] = d.lb[i];
        for (size_t i = 0; i < nx; i++) lperm[nl++] = xd[i];
        lperm[nl++] = rdim;
        for (size_t i = 0; i < nlf; i++)
            if (lf[i] > rdim) lperm[nl++] = yd[ny++] = lf[i];
        for (size_t i = 0; i < d.nlc; i++) lperm[nl++] = d.lc[i];
        rperm[nr++] = d.rg[0];
        for (size_t i = 0; i < d.nrb; i++) rperm[nr++] = d.rb[i];
        for (size_t i = 0; i < d.nrc; i++) rperm[nr++] = d.rc[i];
        for (size_t i = 0; i < nrf; i++) rperm[nr++] = rf[i];
        int64_t Y = prod(lhs, yd, ny), K = prod(lhs, d.lc, d.nlc), N = prod(rhs, rf, nrf);
        if ((s = permuted(r, lhs, lperm, &L)) || (s = permuted(r, rhs, rperm, &R))) goto done;
        for (int64_t b = 0; b < B && !s; b++)
            for (int64_t x = 0; x < X && !s; x++) {
                const int64_t *row = gs + (size_t)(b * X + x) * grow;
                int64_t at = 0;
                for (int64_t g = 0; g < G && !s && at < Rr; g++) {
                    int64_t st, en;
                    next_range(&at, row[g], Rr, &st, &en);
                    if (en <= st) continue;
                    size_t row0 = (size_t)(((b * X + x) * Rr + st) * Y), rows = (size_t)((en - st) * Y);
                    vt_tensor va, vb, vc;
                    view(&va, L->dtype, 2, (int64_t[]){(int64_t)rows, K}, (char *)L->data + row0 * (size_t)K * les);
                    view(&vb, R->dtype, 2, (int64_t[]){K, N}, (char *)R->data + (size_t)((g * B + b) * K * N) * rs);
                    view(&vc, res->dtype, 2, (int64_t[]){(int64_t)rows, N}, (char *)res->data + row0 * (size_t)N * oes);
                    s = gemm(r, &va, &vb, &vc, false);
                }
            }
    } else {
        /* lhs -> [B, X, R, Y, M], rhs -> [B, X, R, Y, N] (contracting dims in list order), result
         * [G, B, M, N]; group g of batch b contracts its range of every x */
        size_t j = index_of(d.lc, d.nlc, rdim);
        for (size_t i = 0; i < d.nlb; i++) lperm[nl++] = d.lb[i], rperm[nr++] = d.rb[i];
        for (size_t i = 0; i < d.nlc; i++) lperm[nl++] = d.lc[i], rperm[nr++] = d.rc[i];
        for (size_t i = 0; i < nlf; i++) lperm[nl++] = lf[i];
        for (size_t i = 0; i < nrf; i++) rperm[nr++] = rf[i];
        int64_t Y = prod(lhs, d.lc + j + 1, d.nlc - j - 1), M = prod(lhs, lf, nlf), N = prod(rhs, rf, nrf);
        if ((s = permuted(r, lhs, lperm, &L)) || (s = permuted(r, rhs, rperm, &R))) goto done;
        size_t rowsz_a = (size_t)M * les, rowsz_b = (size_t)N * rs;
        cum = vt_k_scratch(&r->kc, (size_t)X, sizeof *cum, "ragged_dot offsets", r->err);
        if (!cum) {
            s = r->err->code;
            goto done;
        }
        if (X > 1) { /* ranges of one group over x are gathered into one contraction */
            ga = vt_k_scratch(&r->kc, (size_t)(X * Rr * Y), rowsz_a, "ragged_dot gather", r->err);
            gb = ga ? vt_k_scratch(&r->kc, (size_t)(X * Rr * Y), rowsz_b, "ragged_dot gather", r->err) : NULL;
            if (!gb) {
                s = r->err->code;
                goto done;
            }
        }
        for (int64_t b = 0; b < B && !s; b++) {
            for (int64_t x = 0; x < X; x++) cum[x] = 0;
            for (int64_t g = 0; g < G && !s; g++) {
                size_t rows = 0;
                char *pa = NULL, *pb = NULL;
                for (int64_t x = 0; x < X; x++) {
                    int64_t st, en;
                    next_range(&cum[x], gs[(size_t)(b * X + x) * grow + (size_t)g], Rr, &st, &en);
                    if (en <= st) continue;
                    size_t row0 = (size_t)(((b * X + x) * Rr + st) * Y), n = (size_t)((en - st) * Y);
                    if (X == 1) {
                        pa = (char *)L->data + row0 * rowsz_a;
                        pb = (char *)R->data + row0 * rowsz_b;
                    } else {
                        if ((s = vt_rt_charge(r, (uint64_t)n * (uint64_t)(M + N)))) break;
                        memcpy(ga + rows * rowsz_a, (char *)L->data + row0 * rowsz_a, n * rowsz_a);
                        memcpy(gb + rows * rowsz_b, (char *)R->data + row0 * rowsz_b, n * rowsz_b);
                        pa = ga, pb = gb;
                    }
                    rows += n;
                }
                if (s || rows == 0) continue; /* nothing contracted: the slice stays zero */
                vt_tensor va, vb, vc;
                view(&va, L->dtype, 2, (int64_t[]){(int64_t)rows, M}, pa);
                view(&vb, R->dtype, 2, (int64_t[]){(int64_t)rows, N}, pb);
                view(&vc, res->dtype, 2, (int64_t[]){M, N}, (char *)res->data + (size_t)((g * B + b) * M * N) * oes);
                s = gemm(r, &va, &vb, &vc, true);
            }
        }
    }
done:
    free(gs);
    free(cum);
    free(ga);
    free(gb);
    vt_tensor_release(L);
    vt_tensor_release(R);
    if (s) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_ragged_dot_fn(const vt_op *op);
vt_exec_fn vt_exec_ragged_dot_fn(const vt_op *op) { return op->code == VT_OP_CHLO_RAGGED_DOT ? exec_ragged_dot : NULL; }
