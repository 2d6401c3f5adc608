/* gather kernel: dimension numbers checked, indices converted once, the slice copy planned once
 * (axes merged, so an embedding row is one memcpy), batch positions split over threads for big
 * gathers; the per-element reference path (VT_KPATH_REFERENCE) is the definition tests use. */
#include "interp/k_gather.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

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
    vt_status s = vt_gs_check_index_side("gather", names, x, idx, d, err);
    if (s) return s;
    if (res->dtype != x->dtype)
        return vt_error_set(err, VT_EINPUT, "gather: result type %s differs from operand type %s", vt_dtype_name(res->dtype),
                            vt_dtype_name(x->dtype));
    for (int od = 0; od < x->rank; od++) {
        if (sizes[od] < 0 || sizes[od] > x->dims[od])
            return vt_error_set(err, VT_EINPUT, "gather: slice_sizes[%d] = %lld is outside [0, %lld]", od,
                                (long long)sizes[od], (long long)x->dims[od]);
        bool one = vt_gs_in_list(d->inserted, d->ninserted, od) || vt_gs_in_list(d->obatch, d->nobatch, od);
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
        if (vt_gs_in_list(d->inserted, d->ninserted, od) || vt_gs_in_list(d->obatch, d->nobatch, od)) continue;
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
        if (vt_gs_in_list(d->window, d->nwindow, rd)) continue;
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
        vt_gs_unravel(b, g->brank, g->bdims, bidx);
        vt_gs_index_vector(idx, ivd, bidx, g->nvec, vec);
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
    vt_gs_unravel(b0, g->brank, g->bdims, bidx);
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
            if (j->run_bytes <= 16) vt_gs_copy_elem(j->run_bytes, dst, src);
            else memcpy(dst, src, j->run_bytes);
        } else {
            vt_k_strided_copy(j->nc, j->cd, es, src, j->cs, dst, j->cds);
        }
        vt_gs_odometer_next(g->brank, g->bdims, bidx);
    }
}

/* Work below which threads cost more than they save. */
#define GATHER_PAR_BYTES ((size_t)4 << 20)

static vt_status gather_fast(vt_kctx *kc, const vt_tensor *x, const vt_tensor *idx, const vt_gs_dims *d,
                             const int64_t *sizes, vt_tensor *res, const gather_geom *g, vt_error *err) {
    gather_job *j = malloc(sizeof *j);
    if (!j) return vt_error_set(err, VT_ENOMEM, "gather: out of memory");
    int64_t *iv = vt_gs_load_indices(kc, idx, d->index_vector_dim, "gather", err);
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

