/* gather and scatter kernels: dimension numbers checked once, indices converted to int64 once,
 * slices copied as contiguous runs and updates applied as runs with typed loops. The per-element
 * reference paths are kept beside them (VT_KPATH_REFERENCE) as the definition tests compare to. */
#include "interp/k_gather.h"
#include "interp/k_shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK
/* Indices beyond this magnitude are out of bounds of any tensor; clamping them here keeps the
 * sums start + batch + window offset free of overflow. */
#define IDX_LIMIT ((int64_t)1 << 62)

static bool in_list(const int64_t *l, size_t n, int64_t v) {
    for (size_t i = 0; i < n; i++)
        if (l[i] == v) return true;
    return false;
}

static int64_t clamp_index(int64_t v) { return v > IDX_LIMIT ? IDX_LIMIT : v < -IDX_LIMIT ? -IDX_LIMIT : v; }

/* Converts idx elements [first, first + n) (row-major) to clamped int64. Unsigned values above
 * INT64_MAX saturate (they are out of range either way). */
static void convert_indices(const vt_tensor *idx, size_t first, size_t n, int64_t *raw) {
    size_t es = vt_dtype_size(idx->dtype);
    const void *base = (const char *)idx->data + first * es;
    switch (idx->dtype) {
    case VT_I32: {
        const int32_t *p = base;
        for (size_t i = 0; i < n; i++) raw[i] = p[i];
        break;
    }
    case VT_I64: {
        const int64_t *p = base;
        for (size_t i = 0; i < n; i++) raw[i] = clamp_index(p[i]);
        break;
    }
    case VT_U32: {
        const uint32_t *p = base;
        for (size_t i = 0; i < n; i++) raw[i] = p[i];
        break;
    }
    default: {
        vt_k_to_u64(idx->dtype, base, (uint64_t *)raw, n);
        bool uns = vt_dtype_kind_of(idx->dtype) == VT_KIND_UINT;
        for (size_t i = 0; i < n; i++) {
            uint64_t u = (uint64_t)raw[i];
            raw[i] = clamp_index(uns && u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u);
        }
    }
    }
}

/* Loads the indices as int64 laid out [batch position (row-major)][nvec]: one conversion pass,
 * plus a transpose when index_vector_dim is not the last dim. */
static int64_t *load_indices(vt_kctx *kc, const vt_tensor *idx, int64_t ivd, const char *what, vt_error *err) {
    size_t n = idx->nelem;
    int64_t *raw = vt_k_scratch(kc, n, sizeof(int64_t), what, err);
    if (!raw) return NULL;
    convert_indices(idx, 0, n, raw);
    if (ivd >= idx->rank - 1 || n == 0) return raw;
    int64_t *out = vt_k_scratch(kc, n, sizeof(int64_t), what, err);
    if (!out) {
        free(raw);
        return NULL;
    }
    int64_t istr[MAXR], dims[MAXR], ss[MAXR], ds[MAXR];
    vt_k_row_major_strides(idx->rank, idx->dims, istr);
    int k = 0;
    for (int dd = 0; dd < idx->rank; dd++)
        if (dd != ivd) dims[k] = idx->dims[dd], ss[k++] = istr[dd];
    dims[k] = idx->dims[ivd], ss[k++] = istr[ivd];
    vt_k_row_major_strides(k, dims, ds);
    vt_k_strided_copy(k, dims, sizeof(int64_t), raw, ss, out, ds);
    free(raw);
    return out;
}

/* Reads one index vector the slow way (reference paths): batch position bidx. */
static void index_vector(const vt_tensor *idx, int64_t ivd, const int64_t *bidx, size_t nvec, int64_t *out) {
    int64_t full[MAXR], strides[MAXR];
    vt_k_row_major_strides(idx->rank, idx->dims, strides);
    int k = 0;
    for (int dd = 0; dd < idx->rank; dd++)
        if (dd != ivd) full[dd] = bidx[k++];
    size_t es = vt_dtype_size(idx->dtype);
    for (size_t i = 0; i < nvec; i++) {
        if (ivd < idx->rank) full[ivd] = (int64_t)i;
        int64_t off = 0;
        for (int dd = 0; dd < idx->rank; dd++) off += full[dd] * strides[dd];
        const char *p = (const char *)idx->data + (size_t)off * es;
        if (vt_dtype_kind_of(idx->dtype) == VT_KIND_UINT) {
            uint64_t u = vt_load_u64(idx->dtype, p);
            out[i] = clamp_index(u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u);
        } else {
            out[i] = clamp_index(vt_load_i64(idx->dtype, p));
        }
    }
}

static void unravel(size_t lin, int rank, const int64_t *dims, int64_t *out) {
    for (int dd = rank - 1; dd >= 0; dd--) {
        int64_t n = dims[dd];
        out[dd] = n ? (int64_t)(lin % (size_t)n) : 0;
        lin = n ? lin / (size_t)n : 0;
    }
}

/* Advances a row-major odometer; returns false after the last position. */
static bool odometer_next(int rank, const int64_t *dims, int64_t *pos) {
    for (int dd = rank - 1; dd >= 0; dd--) {
        if (++pos[dd] < dims[dd]) return true;
        pos[dd] = 0;
    }
    return false;
}

/* Checks shared by gather and scatter: list entries in range and pairwise distinct. */
static vt_status check_list(const char *op, const char *name, const int64_t *l, size_t n, int64_t lim, vt_error *err) {
    for (size_t i = 0; i < n; i++) {
        if (l[i] < 0 || l[i] >= lim)
            return vt_error_set(err, VT_EINPUT, "%s: %s[%zu] = %lld is outside [0, %lld)", op, name, i, (long long)l[i],
                                (long long)lim);
        for (size_t j = 0; j < i; j++)
            if (l[j] == l[i]) return vt_error_set(err, VT_EINPUT, "%s: %s repeats dimension %lld", op, name, (long long)l[i]);
    }
    return VT_OK;
}

/* Index-side checks: index_vector_dim, vector length, batching dim pairs. */
static vt_status check_index_side(const char *op, const char *names[3], const vt_tensor *x, const vt_tensor *idx,
                                  const vt_gs_dims *d, vt_error *err) {
    if (!vt_dtype_is_int(idx->dtype)) return vt_error_set(err, VT_EINPUT, "%s: %s must be integers", op, names[0]);
    int64_t ivd = d->index_vector_dim;
    if (ivd < 0 || ivd > idx->rank)
        return vt_error_set(err, VT_EINPUT, "%s: index_vector_dim %lld is outside [0, %d]", op, (long long)ivd, idx->rank);
    size_t nvec = ivd < idx->rank ? (size_t)idx->dims[ivd] : 1;
    if (nvec != d->nto)
        return vt_error_set(err, VT_EINPUT, "%s: index vectors have %zu entries, %s has %zu", op, nvec, names[1], d->nto);
    if (d->nobatch != d->nibatch)
        return vt_error_set(err, VT_EINPUT, "%s: %zu operand batching dims but %zu index batching dims", op, d->nobatch,
                            d->nibatch);
    vt_status s;
    if ((s = check_list(op, names[1], d->to_operand, d->nto, x->rank, err))) return s;
    if ((s = check_list(op, names[2], d->inserted, d->ninserted, x->rank, err))) return s;
    if ((s = check_list(op, "operand batching dims", d->obatch, d->nobatch, x->rank, err))) return s;
    if ((s = check_list(op, "index batching dims", d->ibatch, d->nibatch, idx->rank, err))) return s;
    for (size_t k = 0; k < d->nobatch; k++) {
        if (d->ibatch[k] == ivd) return vt_error_set(err, VT_EINPUT, "%s: an index batching dim is index_vector_dim", op);
        if (in_list(d->inserted, d->ninserted, d->obatch[k]) || in_list(d->to_operand, d->nto, d->obatch[k]))
            return vt_error_set(err, VT_EINPUT, "%s: operand batching dim %lld is also a %s or %s entry", op,
                                (long long)d->obatch[k], names[2], names[1]);
        if (x->dims[d->obatch[k]] != idx->dims[d->ibatch[k]])
            return vt_error_set(err, VT_EINPUT, "%s: batching dims differ in size (%lld vs %lld)", op,
                                (long long)x->dims[d->obatch[k]], (long long)idx->dims[d->ibatch[k]]);
    }
    return VT_OK;
}

/* ---- gather ---- */

typedef struct gather_geom {
    int nk;                          /* kept (copied) slice dims */
    int64_t copy_dims[MAXR], src_str[MAXR], dst_str[MAXR];
    int brank;                       /* batch dims = indices dims without index_vector_dim */
    int64_t bdims[MAXR], bdst[MAXR]; /* their sizes and result strides */
    int64_t xstr[MAXR];
    size_t nbatch, slice, nvec;
} gather_geom;

static vt_status gather_check(const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d, const int64_t *sizes,
                              const vt_tensor *res, gather_geom *g, vt_error *err) {
    static const char *names[3] = {"start_indices", "start_index_map", "collapsed_slice_dims"};
    vt_status s = check_index_side("gather", names, x, idx, d, err);
    if (s) return s;
    if (res->dtype != x->dtype)
        return vt_error_set(err, VT_EINPUT, "gather: result type %s differs from operand type %s", vt_dtype_name(res->dtype),
                            vt_dtype_name(x->dtype));
    for (int od = 0; od < x->rank; od++) {
        if (sizes[od] < 0 || sizes[od] > x->dims[od])
            return vt_error_set(err, VT_EINPUT, "gather: slice_sizes[%d] = %lld is outside [0, %lld]", od,
                                (long long)sizes[od], (long long)x->dims[od]);
        bool one = in_list(d->inserted, d->ninserted, od) || in_list(d->obatch, d->nobatch, od);
        if (one && sizes[od] > 1)
            return vt_error_set(err, VT_EINPUT, "gather: slice_sizes[%d] = %lld of a collapsed or batching dim must be <= 1", od,
                                (long long)sizes[od]);
    }
    int64_t ivd = d->index_vector_dim;
    g->nvec = d->nto;
    g->brank = 0;
    for (int k = 0; k < idx->rank; k++)
        if (k != ivd) g->bdims[g->brank++] = idx->dims[k];
    if (res->rank != (int)d->nwindow + g->brank)
        return vt_error_set(err, VT_EINPUT, "gather: result rank %d != %zu offset dims + %d batch dims", res->rank, d->nwindow,
                            g->brank);
    for (size_t k = 0; k < d->nwindow; k++)
        if (d->window[k] < 0 || d->window[k] >= res->rank || (k && d->window[k] <= d->window[k - 1]))
            return vt_error_set(err, VT_EINPUT, "gather: offset_dims must be increasing and within the result rank");
    int64_t rstr[MAXR];
    vt_k_row_major_strides(res->rank, res->dims, rstr);
    vt_k_row_major_strides(x->rank, x->dims, g->xstr);
    g->nk = 0;
    for (int od = 0; od < x->rank; od++) {
        if (in_list(d->inserted, d->ninserted, od) || in_list(d->obatch, d->nobatch, od)) continue;
        if ((size_t)g->nk >= d->nwindow) return vt_error_set(err, VT_EINPUT, "gather: offset_dims do not match the slice");
        int64_t rd = d->window[g->nk];
        if (res->dims[rd] != sizes[od])
            return vt_error_set(err, VT_EINPUT, "gather: result dim %lld is %lld, slice_sizes[%d] is %lld", (long long)rd,
                                (long long)res->dims[rd], od, (long long)sizes[od]);
        g->copy_dims[g->nk] = sizes[od];
        g->src_str[g->nk] = g->xstr[od];
        g->dst_str[g->nk] = rstr[rd];
        g->nk++;
    }
    if ((size_t)g->nk != d->nwindow) return vt_error_set(err, VT_EINPUT, "gather: offset_dims do not match the slice");
    for (int rd = 0, k = 0; rd < res->rank; rd++) {
        if (in_list(d->window, d->nwindow, rd)) continue;
        if (res->dims[rd] != g->bdims[k])
            return vt_error_set(err, VT_EINPUT, "gather: result batch dim %d is %lld, indices have %lld", rd,
                                (long long)res->dims[rd], (long long)g->bdims[k]);
        g->bdst[k++] = rstr[rd];
    }
    g->nbatch = 1, g->slice = 1;
    for (int k = 0; k < g->brank; k++) g->nbatch *= (size_t)g->bdims[k];
    for (int k = 0; k < g->nk; k++) g->slice *= (size_t)g->copy_dims[k];
    return VT_OK;
}

/* The definition: per batch position, read the index vector, clamp, strided-copy the slice. */
static void gather_reference(const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d, const int64_t *sizes,
                             vt_tensor *res, const gather_geom *g) {
    size_t es = vt_dtype_size(x->dtype);
    int64_t ivd = d->index_vector_dim, bidx[MAXR], vec[MAXR];
    for (size_t b = 0; b < g->nbatch; b++) {
        unravel(b, g->brank, g->bdims, bidx);
        index_vector(idx, ivd, bidx, g->nvec, vec);
        int64_t start[MAXR] = {0};
        for (size_t k = 0; k < d->nto; k++) {
            int64_t od = d->to_operand[k], hi = x->dims[od] - sizes[od], v = vec[k];
            start[od] = v < 0 ? 0 : v > hi ? hi : v;
        }
        for (size_t k = 0; k < d->nobatch; k++) {
            int64_t ib = d->ibatch[k];
            start[d->obatch[k]] = bidx[ib > ivd ? ib - 1 : ib];
        }
        int64_t soff = 0, doff = 0;
        for (int od = 0; od < x->rank; od++) soff += start[od] * g->xstr[od];
        for (int k = 0; k < g->brank; k++) doff += bidx[k] * g->bdst[k];
        vt_k_strided_copy(g->nk, g->copy_dims, es, (const char *)x->data + (size_t)soff * es, g->src_str,
                          (char *)res->data + (size_t)doff * es, g->dst_str);
    }
}

/* Drops size-1 axes and merges axes that are contiguous in both walks; returns the new rank. */
static int merge_axes(int rank, int64_t *dims, int64_t *ss, int64_t *ds) {
    int r = 0;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 1) continue;
        if (r > 0 && ss[r - 1] == ss[i] * dims[i] && ds[r - 1] == ds[i] * dims[i]) {
            dims[r - 1] *= dims[i];
            ss[r - 1] = ss[i], ds[r - 1] = ds[i];
            continue;
        }
        dims[r] = dims[i], ss[r] = ss[i], ds[r] = ds[i];
        r++;
    }
    return r;
}

static void copy_elem(size_t es, char *d, const char *s) {
    switch (es) {
    case 1: *d = *s; break;
    case 2: memcpy(d, s, 2); break;
    case 4: memcpy(d, s, 4); break;
    case 8: memcpy(d, s, 8); break;
    case 16: memcpy(d, s, 16); break;
    default: memcpy(d, s, es); break;
    }
}

/* What one range of batch positions needs; ranges write disjoint result slices, so splitting
 * them over threads never changes a byte. */
typedef struct gather_job {
    const gather_geom *g;
    const int64_t *iv;
    const char *xd;
    char *rd;
    size_t es, nvec, run_bytes;
    bool one_run;
    int nc;
    int64_t cd[MAXR], cs[MAXR], cds[MAXR], hi[MAXR], mstr[MAXR], bsrc[MAXR];
} gather_job;

static void gather_range(void *arg, size_t b0, size_t b1) {
    const gather_job *j = arg;
    const gather_geom *g = j->g;
    size_t es = j->es, nvec = j->nvec;
    int64_t bidx[MAXR];
    unravel(b0, g->brank, g->bdims, bidx);
    for (size_t b = b0; b < b1; b++) {
        const int64_t *vec = j->iv + b * nvec;
        int64_t soff = 0, doff = 0;
        for (size_t k = 0; k < nvec; k++) {
            int64_t v = vec[k];
            soff += (v < 0 ? 0 : v > j->hi[k] ? j->hi[k] : v) * j->mstr[k];
        }
        for (int k = 0; k < g->brank; k++) soff += bidx[k] * j->bsrc[k], doff += bidx[k] * g->bdst[k];
        const char *src = j->xd + (size_t)soff * es;
        char *dst = j->rd + (size_t)doff * es;
        if (j->one_run) {
            if (j->run_bytes <= 16) copy_elem(j->run_bytes, dst, src);
            else memcpy(dst, src, j->run_bytes);
        } else {
            vt_k_strided_copy(j->nc, j->cd, es, src, j->cs, dst, j->cds);
        }
        odometer_next(g->brank, g->bdims, bidx);
    }
}

/* Work below which threads cost more than they save. */
#define GATHER_PAR_BYTES ((size_t)4 << 20)

static vt_status gather_fast(vt_kctx *kc, const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d,
                             const int64_t *sizes, vt_tensor *res, const gather_geom *g, vt_error *err) {
    gather_job *j = malloc(sizeof *j);
    if (!j) return vt_error_set(err, VT_ENOMEM, "gather: out of memory");
    int64_t *iv = load_indices(kc, idx, d->index_vector_dim, "gather", err);
    if (!iv) {
        free(j);
        return err->code;
    }
    j->g = g, j->iv = iv, j->xd = x->data, j->rd = res->data;
    j->es = vt_dtype_size(x->dtype), j->nvec = g->nvec;
    /* The slice copy plan, once: after merging, an embedding row is one memcpy. */
    memcpy(j->cd, g->copy_dims, sizeof j->cd), memcpy(j->cs, g->src_str, sizeof j->cs);
    memcpy(j->cds, g->dst_str, sizeof j->cds);
    j->nc = merge_axes(g->nk, j->cd, j->cs, j->cds);
    j->one_run = j->nc == 0 || (j->nc == 1 && j->cs[0] == 1 && j->cds[0] == 1);
    j->run_bytes = (j->nc == 0 ? 1 : (size_t)j->cd[0]) * j->es;
    for (size_t k = 0; k < d->nto; k++) {
        j->hi[k] = x->dims[d->to_operand[k]] - sizes[d->to_operand[k]];
        j->mstr[k] = g->xstr[d->to_operand[k]];
    }
    for (int k = 0; k < g->brank; k++) j->bsrc[k] = 0;
    for (size_t k = 0; k < d->nobatch; k++) {
        int64_t ib = d->ibatch[k];
        j->bsrc[ib > d->index_vector_dim ? ib - 1 : ib] += g->xstr[d->obatch[k]];
    }
    size_t bytes = g->nbatch * g->slice * j->es;
    int threads = kc && bytes >= GATHER_PAR_BYTES ? kc->threads : 1;
    size_t min_chunk = GATHER_PAR_BYTES / 2 / (g->slice * j->es) + 1;
    vt_k_parallel_for(threads, g->nbatch, min_chunk, gather_range, j);
    free(iv);
    free(j);
    return VT_OK;
}

vt_status vt_k_gather(vt_kctx *kc, const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d, const int64_t *sizes,
                      vt_tensor *res, vt_kpath path, vt_error *err) {
    gather_geom g;
    vt_status s = gather_check(x, idx, d, sizes, res, &g, err);
    if (s) return s;
    uint64_t units;
    if (__builtin_mul_overflow((uint64_t)g.nbatch, (uint64_t)g.slice + g.nvec, &units)) units = UINT64_MAX;
    if ((s = vt_kctx_charge(kc, units, err))) return s;
    if (g.nbatch == 0 || g.slice == 0) return VT_OK;
    if (path == VT_KPATH_REFERENCE) {
        gather_reference(x, idx, d, sizes, res, &g);
        return VT_OK;
    }
    return gather_fast(kc, x, idx, d, sizes, res, &g, err);
}

/* ---- scatter ---- */

vt_status vt_k_scatter_check(const vt_tensor *res, const vt_tensor *idx, const vt_tensor *const *ups, size_t n,
                             const vt_gs_dims *d, vt_error *err) {
    static const char *names[3] = {"scatter_indices", "scatter_dims_to_operand_dims", "inserted_window_dims"};
    vt_status s = check_index_side("scatter", names, res, idx, d, err);
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
        if (!in_list(d->inserted, d->ninserted, od) && !in_list(d->obatch, d->nobatch, od)) nw++;
    if (nw != d->nwindow) return vt_error_set(err, VT_EINPUT, "scatter: update_window_dims do not match the operand");
    int64_t ivd = d->index_vector_dim;
    int brank = ivd < idx->rank ? idx->rank - 1 : idx->rank;
    if ((size_t)u0->rank != d->nwindow + (size_t)brank)
        return vt_error_set(err, VT_EINPUT, "scatter: updates rank %d != %zu window dims + %d scatter dims", u0->rank,
                            d->nwindow, brank);
    for (int ud = 0, k = 0; ud < u0->rank; ud++) {
        if (in_list(d->window, d->nwindow, ud)) continue;
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
            if (!in_list(d->inserted, d->ninserted, od) && !in_list(d->obatch, d->nobatch, od)) wmap[nw++] = od;
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
    int64_t *iv = load_indices(NULL, idx, ivd, "scatter", err);
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
                odometer_next(nr, rdims, rp);
            }
        }
        src += L;
    } while (!s && odometer_next(first, upd->dims, pos));
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
            copy_elem(es, e, u);
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
    int64_t *iv = blocked ? malloc(ELEM_BLOCK * 8 * sizeof *iv) : load_indices(kc, idx, d->index_vector_dim, "scatter", err);
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
            convert_indices(idx, u0 * nvec, m * nvec, iv);
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
                for (int64_t j = 0; j < runs[r].n; j++) copy_elem(es, dp + (size_t)(j * runs[r].stride) * es, sp + (size_t)j * es);
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
        if (!in_list(d->window, d->nwindow, ud)) uscatter[nus++] = ud;
    for (int od = 0; od < res->rank; od++)
        if (!in_list(d->inserted, d->ninserted, od) && !in_list(d->obatch, d->nobatch, od)) wmap[nw++] = od;
    for (size_t u = 0; u < upd->nelem; u++) {
        unravel(u, upd->rank, upd->dims, uidx);
        for (int k = 0; k < nus; k++) bidx[k] = uidx[uscatter[k]];
        index_vector(idx, ivd, bidx, d->nto, vec);
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
