/* Structural kernels: each op is expressed as one or more strided copies (k_shape_util.c) after
 * its attributes are checked against the operand and the caller's result tensor. */
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

static char *shape_str(const vt_tensor *t, char *buf, size_t n) { return vt_tensor_type_str(t, buf, n); }

static vt_status expect_result(const char *op, const vt_tensor *result, vt_dtype dt, int rank, const int64_t *dims,
                               vt_error *err) {
    bool ok = result && result->dtype == dt && result->rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = result->dims[i] == dims[i];
    if (ok) return VT_OK;
    char have[128] = "(null)", want[128];
    if (result) shape_str(result, have, sizeof have);
    vt_tensor tmp = {0};
    tmp.dtype = dt, tmp.rank = rank;
    if (rank >= 0 && rank <= VT_MAX_RANK) memcpy(tmp.dims, dims, sizeof(int64_t) * (size_t)rank);
    shape_str(&tmp, want, sizeof want);
    return vt_error_set(err, VT_EINPUT, "%s: result type %s does not match the expected %s", op, have, want);
}

static vt_status check_operand(const char *op, const char *name, const vt_tensor *t, vt_error *err) {
    if (!t) return vt_error_set(err, VT_EINPUT, "%s: %s is missing", op, name);
    if (t->rank < 0 || t->rank > VT_MAX_RANK || vt_dtype_size(t->dtype) == 0)
        return vt_error_set(err, VT_EINPUT, "%s: %s has an invalid type", op, name);
    return VT_OK;
}

static vt_status charge(vt_kctx *kc, const char *op, size_t n, vt_error *err) {
    vt_status s = vt_kctx_charge(kc, n, err);
    if (s) vt_error_prefix(err, "%s", op);
    return s;
}

vt_status vt_k_broadcast_in_dim(vt_kctx *kc, const vt_tensor *op, const int64_t *bdims, int nb, vt_tensor *res,
                                vt_error *err) {
    const char *nm = "broadcast_in_dim";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err)) || (s = check_operand(nm, "result", res, err))) return s;
    if (res->dtype != op->dtype)
        return vt_error_set(err, VT_EINPUT, "%s: result element type %s differs from operand %s", nm,
                            vt_dtype_name(res->dtype), vt_dtype_name(op->dtype));
    if (nb != op->rank)
        return vt_error_set(err, VT_EINPUT, "%s: broadcast_dimensions has %d entries for an operand of rank %d", nm, nb,
                            op->rank);
    int64_t rs[VT_MAX_RANK] = {0}, os[VT_MAX_RANK], dstr[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    vt_k_row_major_strides(res->rank, res->dims, dstr);
    bool used[VT_MAX_RANK] = {false};
    for (int i = 0; i < nb; i++) {
        int64_t d = bdims[i];
        if (d < 0 || d >= res->rank)
            return vt_error_set(err, VT_EINPUT, "%s: broadcast_dimensions[%d] = %lld out of range for result rank %d", nm,
                                i, (long long)d, res->rank);
        if (used[d])
            return vt_error_set(err, VT_EINPUT, "%s: broadcast_dimensions[%d] = %lld is repeated", nm, i, (long long)d);
        used[d] = true;
        if (op->dims[i] != 1 && op->dims[i] != res->dims[d])
            return vt_error_set(err, VT_EINPUT, "%s: operand dimension %d has size %lld, result dimension %lld has %lld",
                                nm, i, (long long)op->dims[i], (long long)d, (long long)res->dims[d]);
        if (op->dims[i] != 1) rs[d] = os[i];
    }
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    vt_k_strided_copy(res->rank, res->dims, vt_dtype_size(op->dtype), op->data, rs, res->data, dstr);
    return VT_OK;
}

vt_status vt_k_reshape(vt_kctx *kc, const vt_tensor *op, vt_tensor *res, vt_error *err) {
    vt_status s;
    if ((s = check_operand("reshape", "operand", op, err)) || (s = check_operand("reshape", "result", res, err))) return s;
    if (res->dtype != op->dtype || res->nelem != op->nelem) {
        char a[128], b[128];
        return vt_error_set(err, VT_EINPUT, "reshape: cannot reshape %s into %s", shape_str(op, a, sizeof a),
                            shape_str(res, b, sizeof b));
    }
    if ((s = charge(kc, "reshape", res->nelem, err))) return s;
    if (res->data != op->data && op->nbytes) memcpy(res->data, op->data, op->nbytes);
    return VT_OK;
}

vt_status vt_k_transpose(vt_kctx *kc, const vt_tensor *op, const int64_t *perm, int np, vt_tensor *res, vt_error *err) {
    const char *nm = "transpose";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err))) return s;
    if (np != op->rank)
        return vt_error_set(err, VT_EINPUT, "%s: permutation has %d entries for an operand of rank %d", nm, np, op->rank);
    int64_t os[VT_MAX_RANK], ss[VT_MAX_RANK], dims[VT_MAX_RANK], ds[VT_MAX_RANK];
    bool used[VT_MAX_RANK] = {false};
    vt_k_row_major_strides(op->rank, op->dims, os);
    for (int i = 0; i < np; i++) {
        if (perm[i] < 0 || perm[i] >= op->rank || used[perm[i]])
            return vt_error_set(err, VT_EINPUT, "%s: permutation[%d] = %lld is not a permutation of 0..%d", nm, i,
                                (long long)perm[i], op->rank - 1);
        used[perm[i]] = true;
        dims[i] = op->dims[perm[i]];
        ss[i] = os[perm[i]];
    }
    if ((s = expect_result(nm, res, op->dtype, np, dims, err))) return s;
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    vt_k_row_major_strides(np, dims, ds);
    vt_k_strided_copy(np, dims, vt_dtype_size(op->dtype), op->data, ss, res->data, ds);
    return VT_OK;
}

vt_status vt_k_slice(vt_kctx *kc, const vt_tensor *op, const int64_t *start, const int64_t *limit,
                     const int64_t *strides, vt_tensor *res, vt_error *err) {
    const char *nm = "slice";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err))) return s;
    int64_t os[VT_MAX_RANK], ss[VT_MAX_RANK], dims[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    int64_t off = 0;
    for (int i = 0; i < op->rank; i++) {
        int64_t st = strides ? strides[i] : 1;
        if (st <= 0) return vt_error_set(err, VT_EINPUT, "%s: strides[%d] = %lld must be positive", nm, i, (long long)st);
        if (start[i] < 0 || start[i] > limit[i] || limit[i] > op->dims[i])
            return vt_error_set(err, VT_EINPUT, "%s: dimension %d: need 0 <= start (%lld) <= limit (%lld) <= size (%lld)",
                                nm, i, (long long)start[i], (long long)limit[i], (long long)op->dims[i]);
        int64_t n = limit[i] - start[i];
        dims[i] = n / st + (n % st != 0);
    }
    if ((s = expect_result(nm, res, op->dtype, op->rank, dims, err))) return s;
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    if (res->nelem == 0) return VT_OK;
    /* a non-empty result means a non-empty operand: these products stay inside it */
    for (int i = 0; i < op->rank; i++) {
        ss[i] = dims[i] > 1 ? os[i] * (strides ? strides[i] : 1) : 0;
        off += start[i] * os[i];
    }
    vt_k_row_major_strides(op->rank, dims, ds);
    size_t es = vt_dtype_size(op->dtype);
    vt_k_strided_copy(op->rank, dims, es, (const char *)op->data + (size_t)off * es, ss, res->data, ds);
    return VT_OK;
}

/* Loads and clamps the start indices of dynamic_slice / dynamic_update_slice (spec: clamp to
 * [0, dim - size]); returns the element offset of the window. */
static vt_status clamped_starts(const char *nm, const vt_tensor *op, const vt_tensor *const *idx, const int64_t *size,
                                int64_t *off, vt_error *err) {
    int64_t os[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    *off = 0;
    if (op->rank > 0 && !idx) return vt_error_set(err, VT_EINPUT, "%s: start_indices are missing", nm);
    for (int i = 0; i < op->rank; i++) {
        int64_t v;
        if (!vt_k_scalar_index(idx[i], &v))
            return vt_error_set(err, VT_EINPUT, "%s: start_indices[%d] is not a 0-d integer tensor", nm, i);
        if (size[i] < 0 || size[i] > op->dims[i])
            return vt_error_set(err, VT_EINPUT, "%s: dimension %d: slice size %lld exceeds operand size %lld", nm, i,
                                (long long)size[i], (long long)op->dims[i]);
        int64_t hi = op->dims[i] - size[i];
        v = v < 0 ? 0 : v > hi ? hi : v;
        if (op->nelem) *off += v * os[i]; /* empty operands may have dims whose strides wrap */
    }
    return VT_OK;
}

vt_status vt_k_dynamic_slice(vt_kctx *kc, const vt_tensor *op, const vt_tensor *const *idx, vt_tensor *res,
                             vt_error *err) {
    const char *nm = "dynamic_slice";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err)) || (s = check_operand(nm, "result", res, err))) return s;
    if (res->dtype != op->dtype || res->rank != op->rank)
        return vt_error_set(err, VT_EINPUT, "%s: result must have the operand's element type and rank", nm);
    int64_t off;
    if ((s = clamped_starts(nm, op, idx, res->dims, &off, err))) return s;
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    if (res->nelem == 0) return VT_OK;
    int64_t os[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    vt_k_row_major_strides(res->rank, res->dims, ds);
    size_t es = vt_dtype_size(op->dtype);
    vt_k_strided_copy(op->rank, res->dims, es, (const char *)op->data + (size_t)off * es, os, res->data, ds);
    return VT_OK;
}

vt_status vt_k_dynamic_update_slice(vt_kctx *kc, const vt_tensor *op, const vt_tensor *upd,
                                    const vt_tensor *const *idx, vt_tensor *res, vt_error *err) {
    const char *nm = "dynamic_update_slice";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err)) || (s = check_operand(nm, "update", upd, err))) return s;
    if ((s = expect_result(nm, res, op->dtype, op->rank, op->dims, err))) return s;
    if (upd->dtype != op->dtype || upd->rank != op->rank)
        return vt_error_set(err, VT_EINPUT, "%s: update must have the operand's element type and rank", nm);
    int64_t off;
    if ((s = clamped_starts(nm, op, idx, upd->dims, &off, err))) return s;
    size_t work;
    if (!vt_add_size(res->data != op->data ? op->nelem : 0, upd->nelem, &work)) work = SIZE_MAX;
    if ((s = charge(kc, nm, work, err))) return s;
    if (res->data != op->data && op->nbytes) memcpy(res->data, op->data, op->nbytes);
    if (upd->nelem == 0) return VT_OK;
    int64_t os[VT_MAX_RANK], us[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    vt_k_row_major_strides(upd->rank, upd->dims, us);
    size_t es = vt_dtype_size(op->dtype);
    vt_k_strided_copy(op->rank, upd->dims, es, upd->data, us, (char *)res->data + (size_t)off * es, os);
    return VT_OK;
}

vt_status vt_k_concatenate(vt_kctx *kc, const vt_tensor *const *in, int n, int64_t dim, vt_tensor *res,
                           vt_error *err) {
    const char *nm = "concatenate";
    vt_status s;
    if (n < 1 || !in) return vt_error_set(err, VT_EINPUT, "%s: needs at least one input", nm);
    for (int k = 0; k < n; k++)
        if ((s = check_operand(nm, "input", in[k], err))) return s;
    const vt_tensor *a = in[0];
    if (dim < 0 || dim >= a->rank)
        return vt_error_set(err, VT_EINPUT, "%s: dimension %lld out of range for rank %d", nm, (long long)dim, a->rank);
    int64_t dims[VT_MAX_RANK];
    memcpy(dims, a->dims, sizeof(int64_t) * (size_t)a->rank);
    dims[dim] = 0;
    for (int k = 0; k < n; k++) {
        const vt_tensor *b = in[k];
        if (b->dtype != a->dtype || b->rank != a->rank)
            return vt_error_set(err, VT_EINPUT, "%s: input %d differs from input 0 in element type or rank", nm, k);
        for (int i = 0; i < a->rank; i++)
            if (i != dim && b->dims[i] != a->dims[i])
                return vt_error_set(err, VT_EINPUT, "%s: input %d dimension %d has size %lld, input 0 has %lld", nm, k, i,
                                    (long long)b->dims[i], (long long)a->dims[i]);
        if (__builtin_add_overflow(dims[dim], b->dims[dim], &dims[dim])) /* possible with empty inputs */
            return vt_error_set(err, VT_EINPUT, "%s: dimension %lld overflows", nm, (long long)dim);
    }
    if ((s = expect_result(nm, res, a->dtype, a->rank, dims, err))) return s;
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    int64_t rs[VT_MAX_RANK], is[VT_MAX_RANK];
    vt_k_row_major_strides(res->rank, res->dims, rs);
    size_t es = vt_dtype_size(a->dtype);
    int64_t at = 0;
    for (int k = 0; k < n; k++) {
        vt_k_row_major_strides(in[k]->rank, in[k]->dims, is);
        if (in[k]->nelem)
            vt_k_strided_copy(a->rank, in[k]->dims, es, in[k]->data, is, (char *)res->data + (size_t)(at * rs[dim]) * es, rs);
        at += in[k]->dims[dim];
    }
    return VT_OK;
}

/* Fills n elements with one value by doubling copies. */
static void fill_pattern(char *dst, const void *val, size_t es, size_t n) {
    if (n == 0) return;
    memcpy(dst, val, es);
    size_t have = 1;
    while (have < n) {
        size_t c = have < n - have ? have : n - have;
        memcpy(dst + have * es, dst, c * es);
        have += c;
    }
}

vt_status vt_k_pad(vt_kctx *kc, const vt_tensor *op, const vt_tensor *pv, const int64_t *low, const int64_t *high,
                   const int64_t *interior, vt_tensor *res, vt_error *err) {
    const char *nm = "pad";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err)) || (s = check_operand(nm, "padding_value", pv, err))) return s;
    if (pv->rank != 0 || pv->dtype != op->dtype)
        return vt_error_set(err, VT_EINPUT, "%s: padding_value must be a 0-d tensor of the operand's element type", nm);
    int64_t dims[VT_MAX_RANK];
    for (int i = 0; i < op->rank; i++) {
        int64_t d = op->dims[i], in = interior[i], t;
        if (in < 0)
            return vt_error_set(err, VT_EINPUT, "%s: interior_padding[%d] = %lld must be >= 0", nm, i, (long long)in);
        /* size = low + high + d + (d - 1) * interior, computed with overflow checks */
        if (__builtin_mul_overflow(d > 0 ? d - 1 : 0, in, &t) || __builtin_add_overflow(t, d, &t) ||
            __builtin_add_overflow(t, low[i], &t) || __builtin_add_overflow(t, high[i], &t) || t < 0)
            return vt_error_set(err, VT_EINPUT, "%s: dimension %d: padding (low %lld, high %lld, interior %lld) gives an "
                                "invalid size", nm, i, (long long)low[i], (long long)high[i], (long long)in);
        dims[i] = t;
    }
    if ((s = expect_result(nm, res, op->dtype, op->rank, dims, err))) return s;
    size_t work;
    if (!vt_add_size(res->nelem, op->nelem, &work)) work = SIZE_MAX;
    if ((s = charge(kc, nm, work, err))) return s;
    size_t es = vt_dtype_size(op->dtype);
    fill_pattern(res->data, pv->data, es, res->nelem);
    /* the operand elements that land inside the result: i in [i0, i1) per dimension */
    int64_t os[VT_MAX_RANK], rs[VT_MAX_RANK], cnt[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(op->rank, op->dims, os);
    vt_k_row_major_strides(res->rank, res->dims, rs);
    int64_t soff = 0, doff = 0;
    for (int i = 0; i < op->rank; i++) {
        /* unsigned arithmetic: low may be INT64_MIN and interior INT64_MAX in a valid pad */
        uint64_t step = (uint64_t)interior[i] + 1, i0 = 0;
        int64_t lo = low[i], p0 = lo;
        if (lo < 0) {
            uint64_t neg = (uint64_t)0 - (uint64_t)lo;
            i0 = neg / step + (neg % step != 0);
            if (i0 >= (uint64_t)op->dims[i]) return VT_OK;
            p0 = (int64_t)(i0 * step - neg); /* i0*step < neg + step <= 2^64 */
        }
        if (op->dims[i] == 0 || p0 >= dims[i]) return VT_OK;
        uint64_t fit = (uint64_t)(dims[i] - 1 - p0) / step + 1, left = (uint64_t)op->dims[i] - i0;
        cnt[i] = (int64_t)(fit < left ? fit : left);
        soff += (int64_t)i0 * os[i];
        doff += p0 * rs[i];
        ss[i] = os[i];
        ds[i] = cnt[i] > 1 ? rs[i] * (int64_t)step : 0;
    }
    vt_k_strided_copy(op->rank, cnt, es, (const char *)op->data + (size_t)soff * es, ss,
                      (char *)res->data + (size_t)doff * es, ds);
    return VT_OK;
}

vt_status vt_k_reverse(vt_kctx *kc, const vt_tensor *op, const int64_t *rdims, int nr, vt_tensor *res,
                       vt_error *err) {
    const char *nm = "reverse";
    vt_status s;
    if ((s = check_operand(nm, "operand", op, err))) return s;
    if ((s = expect_result(nm, res, op->dtype, op->rank, op->dims, err))) return s;
    int64_t ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    bool used[VT_MAX_RANK] = {false};
    vt_k_row_major_strides(op->rank, op->dims, ss);
    vt_k_row_major_strides(op->rank, op->dims, ds);
    int64_t off = 0;
    for (int k = 0; k < nr; k++) {
        int64_t d = rdims[k];
        if (d < 0 || d >= op->rank || used[d])
            return vt_error_set(err, VT_EINPUT, "%s: dimensions[%d] = %lld is out of range or repeated", nm, k, (long long)d);
        used[d] = true;
    }
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    if (res->nelem == 0) return VT_OK;
    for (int k = 0; k < nr; k++) {
        off += (op->dims[rdims[k]] - 1) * ss[rdims[k]];
        ss[rdims[k]] = -ss[rdims[k]];
    }
    if (res->data == op->data) return vt_error_set(err, VT_EINPUT, "%s: result must not alias the operand", nm);
    size_t es = vt_dtype_size(op->dtype);
    vt_k_strided_copy(op->rank, op->dims, es, (const char *)op->data + (size_t)off * es, ss, res->data, ds);
    return VT_OK;
}

vt_status vt_k_iota(vt_kctx *kc, int64_t dim, vt_tensor *res, vt_error *err) {
    const char *nm = "iota";
    vt_status s;
    if ((s = check_operand(nm, "result", res, err))) return s;
    if (dim < 0 || dim >= res->rank)
        return vt_error_set(err, VT_EINPUT, "%s: iota_dimension %lld out of range for rank %d", nm, (long long)dim, res->rank);
    if ((s = charge(kc, nm, res->nelem, err))) return s;
    if (res->nelem == 0) return VT_OK;
    size_t es = vt_dtype_size(res->dtype), n = (size_t)res->dims[dim];
    char *line = malloc(n * es);
    uint64_t *vals = malloc(n * sizeof *vals);
    if (!line || !vals) {
        free(line), free(vals);
        return vt_error_set(err, VT_ENOMEM, "%s: cannot allocate %zu elements", nm, n);
    }
    for (size_t i = 0; i < n; i++) vals[i] = i;
    vt_k_from_u64(res->dtype, vals, true, line, n);
    int64_t ss[VT_MAX_RANK] = {0}, ds[VT_MAX_RANK];
    ss[dim] = 1;
    vt_k_row_major_strides(res->rank, res->dims, ds);
    vt_k_strided_copy(res->rank, res->dims, es, line, ss, res->data, ds);
    free(line), free(vals);
    return VT_OK;
}
