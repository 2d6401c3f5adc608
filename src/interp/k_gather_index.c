/* Shared pieces of the gather and scatter kernels: dimension-number checks, index conversion
 * (once per call, to clamped int64), index-vector reads of the reference paths, odometers. */
#include "interp/k_gather.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK
/* Indices beyond this magnitude are out of bounds of any tensor; clamping them here keeps the
 * sums start + batch + window offset free of overflow. */
#define IDX_LIMIT ((int64_t)1 << 62)

bool vt_gs_in_list(const int64_t *l, size_t n, int64_t v) {
    for (size_t i = 0; i < n; i++)
        if (l[i] == v) return true;
    return false;
}

static int64_t clamp_index(int64_t v) { return v > IDX_LIMIT ? IDX_LIMIT : v < -IDX_LIMIT ? -IDX_LIMIT : v; }

/* Converts idx elements [first, first + n) (row-major) to clamped int64. Unsigned values above
 * INT64_MAX saturate (they are out of range either way). */
void vt_gs_convert_indices(const vt_tensor *idx, size_t first, size_t n, int64_t *raw) {
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
int64_t *vt_gs_load_indices(vt_kctx *kc, const vt_tensor *idx, int64_t ivd, const char *what, vt_error *err) {
    size_t n = idx->nelem;
    int64_t *raw = vt_k_scratch(kc, n, sizeof(int64_t), what, err);
    if (!raw) return NULL;
    vt_gs_convert_indices(idx, 0, n, raw);
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
void vt_gs_index_vector(const vt_tensor *idx, int64_t ivd, const int64_t *bidx, size_t nvec, int64_t *out) {
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

void vt_gs_unravel(size_t lin, int rank, const int64_t *dims, int64_t *out) {
    for (int dd = rank - 1; dd >= 0; dd--) {
        int64_t n = dims[dd];
        out[dd] = n ? (int64_t)(lin % (size_t)n) : 0;
        lin = n ? lin / (size_t)n : 0;
    }
}

/* Advances a row-major odometer; returns false after the last position. */
bool vt_gs_odometer_next(int rank, const int64_t *dims, int64_t *pos) {
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
vt_status vt_gs_check_index_side(const char *op, const char *names[3], const vt_tensor *x, const vt_tensor *idx,
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
        if (vt_gs_in_list(d->inserted, d->ninserted, d->obatch[k]) || vt_gs_in_list(d->to_operand, d->nto, d->obatch[k]))
            return vt_error_set(err, VT_EINPUT, "%s: operand batching dim %lld is also a %s or %s entry", op,
                                (long long)d->obatch[k], names[2], names[1]);
        if (x->dims[d->obatch[k]] != idx->dims[d->ibatch[k]])
            return vt_error_set(err, VT_EINPUT, "%s: batching dims differ in size (%lld vs %lld)", op,
                                (long long)x->dims[d->obatch[k]], (long long)idx->dims[d->ibatch[k]]);
    }
    return VT_OK;
}

void vt_gs_copy_elem(size_t es, char *d, const char *s) {
    switch (es) {
    case 1: *d = *s; break;
    case 2: memcpy(d, s, 2); break;
    case 4: memcpy(d, s, 4); break;
    case 8: memcpy(d, s, 8); break;
    case 16: memcpy(d, s, 16); break;
    default: memcpy(d, s, es); break;
    }
}
