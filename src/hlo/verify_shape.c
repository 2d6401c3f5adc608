/* Spec constraints of the data-movement ops: broadcast_in_dim, reshape, transpose, slice,
 * concatenate, pad, iota, reverse, dynamic_slice, dynamic_update_slice, get_tuple_element,
 * gather and scatter dimension numbers. */
#include "hlo/verify_internal.h"

#include <string.h>

#define CAP VT_MAX_RANK

static bool unique_in_range(const int64_t *v, size_t n, int64_t rank) {
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] >= rank) return false;
        for (size_t j = 0; j < i; j++)
            if (v[i] == v[j]) return false;
    }
    return true;
}

static vt_status same_elem_result(const vt_module *m, const vt_op *op, const vt_type *x, vt_error *err) {
    const vt_type *r = op->results[0].type;
    char b1[96], b2[96];
    if (!x->quant && !r->quant && x->dtype != r->dtype)
        return vt_vfail(m, op, err, "result %s must have the element type of the operand %s", vt_vtype(r, b1), vt_vtype(x, b2));
    return VT_OK;
}

static vt_status v_broadcast_in_dim(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    int64_t d[CAP];
    size_t n;
    if (!vt_vlist(op, "broadcast_dimensions", d, CAP, &n)) return vt_vfail(m, op, err, "missing or malformed broadcast_dimensions");
    if ((int)n != x->rank) return vt_vfail(m, op, err, "broadcast_dimensions has %zu entries for an operand of rank %d", n, x->rank);
    if (!unique_in_range(d, n, r->rank))
        return vt_vfail(m, op, err, "broadcast_dimensions must be unique and in [0, %d)", r->rank);
    for (size_t i = 0; i < n; i++)
        if (x->dims[i] != 1 && !vt_vdim_ok(x->dims[i], r->dims[d[i]]))
            return vt_vfail(m, op, err, "operand dimension %zu has size %lld, result dimension %lld has size %lld", i,
                            (long long)x->dims[i], (long long)d[i], (long long)r->dims[d[i]]);
    return same_elem_result(m, op, x, err);
}

static vt_status v_reshape(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    uint64_t a, b;
    if (vt_type_is_static(x) && vt_type_is_static(r) && vt_type_num_elements(x, &a, NULL) == VT_OK &&
        vt_type_num_elements(r, &b, NULL) == VT_OK && a != b)
        return vt_vfail(m, op, err, "operand has %llu elements but the result %llu", (unsigned long long)a, (unsigned long long)b);
    return same_elem_result(m, op, x, err);
}

static vt_status v_transpose(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    int64_t p[CAP];
    size_t n;
    if (!vt_vlist(op, "permutation", p, CAP, &n)) return vt_vfail(m, op, err, "missing or malformed permutation");
    if ((int)n != x->rank || !unique_in_range(p, n, x->rank))
        return vt_vfail(m, op, err, "permutation must be a permutation of [0, %d)", x->rank);
    if (r->rank != x->rank) return vt_vfail(m, op, err, "result rank %d differs from the operand rank %d", r->rank, x->rank);
    for (size_t i = 0; i < n; i++)
        if (!vt_vdim_ok(r->dims[i], x->dims[p[i]]))
            return vt_vfail(m, op, err, "result dimension %zu has size %lld, operand dimension %lld has size %lld", i,
                            (long long)r->dims[i], (long long)p[i], (long long)x->dims[p[i]]);
    return same_elem_result(m, op, x, err);
}

static vt_status v_slice(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    int64_t s[CAP], l[CAP], st[CAP];
    size_t ns, nl, nst;
    if (!vt_vlist(op, "start_indices", s, CAP, &ns) || !vt_vlist(op, "limit_indices", l, CAP, &nl) ||
        !vt_vlist(op, "strides", st, CAP, &nst))
        return vt_vfail(m, op, err, "missing or malformed start_indices, limit_indices or strides");
    if ((int)ns != x->rank || nl != ns || nst != ns || r->rank != x->rank)
        return vt_vfail(m, op, err, "start_indices, limit_indices, strides and the result must have the operand's rank %d", x->rank);
    for (size_t i = 0; i < ns; i++) {
        if (s[i] < 0 || l[i] < s[i] || (x->dims[i] != VT_DYN && l[i] > x->dims[i]) || st[i] <= 0)
            return vt_vfail(m, op, err, "dimension %zu: slice [%lld:%lld:%lld] does not fit size %lld", i, (long long)s[i],
                            (long long)l[i], (long long)st[i], (long long)x->dims[i]);
        int64_t want = (l[i] - s[i] + st[i] - 1) / st[i];
        if (!vt_vdim_ok(r->dims[i], want))
            return vt_vfail(m, op, err, "result dimension %zu has size %lld, the slice gives %lld", i, (long long)r->dims[i],
                            (long long)want);
    }
    return same_elem_result(m, op, x, err);
}

static vt_status v_concatenate(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0) return vt_vfail(m, op, err, "needs at least one operand");
    const vt_type *r = op->results[0].type, *x0 = op->operands[0]->type;
    int64_t d;
    if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &d)) return vt_vfail(m, op, err, "missing dimension");
    if (d < 0 || d >= x0->rank) return vt_vfail(m, op, err, "dimension %lld outside [0, %d)", (long long)d, x0->rank);
    int64_t sum = 0;
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *x = op->operands[i]->type;
        if (x->rank != x0->rank) return vt_vfail(m, op, err, "operand %zu has rank %d, operand 0 rank %d", i, x->rank, x0->rank);
        if (!x->quant && !x0->quant && x->dtype != x0->dtype)
            return vt_vfail(m, op, err, "operand %zu has element type %s, operand 0 %s", i, vt_dtype_name(x->dtype), vt_dtype_name(x0->dtype));
        for (int k = 0; k < x->rank; k++)
            if (k != d && !vt_vdim_ok(x->dims[k], x0->dims[k]))
                return vt_vfail(m, op, err, "operand %zu dimension %d has size %lld, operand 0 %lld", i, k, (long long)x->dims[k],
                                (long long)x0->dims[k]);
        sum = (sum == VT_DYN || x->dims[d] == VT_DYN) ? VT_DYN : sum + x->dims[d];
    }
    if (r->rank != x0->rank || !vt_vdim_ok(r->dims[d], sum))
        return vt_vfail(m, op, err, "result dimension %lld has size %lld, the operands add up to %lld", (long long)d,
                        r->rank == x0->rank ? (long long)r->dims[d] : -1LL, (long long)sum);
    return same_elem_result(m, op, x0, err);
}

static vt_status v_pad(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *pv = op->operands[1]->type, *r = op->results[0].type;
    int64_t lo[CAP], hi[CAP], in[CAP];
    size_t nlo, nhi, nin;
    if (pv->rank != 0) return vt_vfail(m, op, err, "padding value must be a scalar tensor");
    if (!vt_vlist(op, "edge_padding_low", lo, CAP, &nlo) || !vt_vlist(op, "edge_padding_high", hi, CAP, &nhi) ||
        !vt_vlist(op, "interior_padding", in, CAP, &nin))
        return vt_vfail(m, op, err, "missing or malformed edge_padding_low, edge_padding_high or interior_padding");
    if ((int)nlo != x->rank || nhi != nlo || nin != nlo || r->rank != x->rank)
        return vt_vfail(m, op, err, "padding lists and the result must have the operand's rank %d", x->rank);
    for (size_t i = 0; i < nlo; i++) {
        if (in[i] < 0) return vt_vfail(m, op, err, "interior_padding %zu is negative", i);
        if (x->dims[i] == VT_DYN) continue;
        int64_t want = x->dims[i] == 0 ? lo[i] + hi[i] : lo[i] + hi[i] + (x->dims[i] - 1) * (in[i] + 1) + 1;
        if (!vt_vdim_ok(r->dims[i], want))
            return vt_vfail(m, op, err, "result dimension %zu has size %lld, padding gives %lld", i, (long long)r->dims[i],
                            (long long)want);
    }
    if (!x->quant && x->dtype != pv->dtype) return vt_vfail(m, op, err, "padding value and operand element types differ");
    return same_elem_result(m, op, x, err);
}

static vt_status v_iota(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *r = op->results[0].type;
    int64_t d;
    if (!vt_attr_as_i64(vt_op_attr(op, "iota_dimension"), &d)) return vt_vfail(m, op, err, "missing iota_dimension");
    if (!vt_type_is_tensor(r) || d < 0 || d >= r->rank)
        return vt_vfail(m, op, err, "iota_dimension %lld outside [0, %d)", (long long)d, vt_type_is_tensor(r) ? r->rank : 0);
    return VT_OK;
}

static vt_status v_reverse(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    int64_t d[CAP];
    size_t n;
    if (!vt_vlist(op, "dimensions", d, CAP, &n) || !unique_in_range(d, n, x->rank))
        return vt_vfail(m, op, err, "dimensions must be unique and in [0, %d)", x->rank);
    if (!vt_vsame_shape(x, r)) return vt_vfail(m, op, err, "result and operand must have the same shape");
    return same_elem_result(m, op, x, err);
}

static vt_status check_indices(const vt_module *m, const vt_op *op, size_t from, int rank, vt_error *err) {
    if (op->noperands != from + (size_t)rank)
        return vt_vfail(m, op, err, "needs %d start indices (the operand's rank), has %zu", rank, op->noperands - from);
    for (size_t i = from; i < op->noperands; i++) {
        const vt_type *t = op->operands[i]->type;
        if (!vt_type_is_tensor(t) || t->rank != 0 || !vt_dtype_is_int(t->dtype))
            return vt_vfail(m, op, err, "start index %zu must be a scalar integer tensor", i - from);
        if (t->dtype != op->operands[from]->type->dtype)
            return vt_vfail(m, op, err, "start indices must all have the same element type");
    }
    return VT_OK;
}

static vt_status v_dynamic_slice(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    vt_status s = check_indices(m, op, 1, x->rank, err);
    if (s) return s;
    int64_t sz[CAP];
    size_t n;
    if (!vt_vlist(op, "slice_sizes", sz, CAP, &n) || (int)n != x->rank)
        return vt_vfail(m, op, err, "slice_sizes must have %d entries", x->rank);
    if (r->rank != x->rank) return vt_vfail(m, op, err, "result rank %d differs from the operand rank %d", r->rank, x->rank);
    for (size_t i = 0; i < n; i++) {
        if (sz[i] < 0 || (x->dims[i] != VT_DYN && sz[i] > x->dims[i]))
            return vt_vfail(m, op, err, "slice size %lld of dimension %zu outside [0, %lld]", (long long)sz[i], i, (long long)x->dims[i]);
        if (!vt_vdim_ok(r->dims[i], sz[i]))
            return vt_vfail(m, op, err, "result dimension %zu has size %lld, slice_sizes says %lld", i, (long long)r->dims[i], (long long)sz[i]);
    }
    return same_elem_result(m, op, x, err);
}

static vt_status v_dynamic_update_slice(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands < 2) return vt_vfail(m, op, err, "needs an operand and an update");
    const vt_type *x = op->operands[0]->type, *u = op->operands[1]->type, *r = op->results[0].type;
    vt_status s = check_indices(m, op, 2, x->rank, err);
    if (s) return s;
    if (u->rank != x->rank) return vt_vfail(m, op, err, "update rank %d differs from the operand rank %d", u->rank, x->rank);
    for (int i = 0; i < x->rank; i++)
        if (u->dims[i] != VT_DYN && x->dims[i] != VT_DYN && u->dims[i] > x->dims[i])
            return vt_vfail(m, op, err, "update dimension %d (size %lld) is larger than the operand's (%lld)", i, (long long)u->dims[i],
                            (long long)x->dims[i]);
    if (!vt_vsame_shape(x, r)) return vt_vfail(m, op, err, "result and operand must have the same shape");
    if (!x->quant && u->dtype != x->dtype) return vt_vfail(m, op, err, "update and operand element types differ");
    return same_elem_result(m, op, x, err);
}

static vt_status v_get_tuple_element(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *t = op->operands[0]->type;
    int64_t i;
    if (!vt_attr_as_i64(vt_op_attr(op, "index"), &i)) return vt_vfail(m, op, err, "missing index");
    if (t->kind != VT_TYPE_TUPLE) return vt_vfail(m, op, err, "operand must be a tuple");
    if (i < 0 || (size_t)i >= t->nelems) return vt_vfail(m, op, err, "index %lld outside the tuple's %zu elements", (long long)i, t->nelems);
    if (!vt_type_equal(t->elems[i], op->results[0].type)) return vt_vfail(m, op, err, "result type differs from tuple element %lld", (long long)i);
    return VT_OK;
}

static bool sorted_unique(const int64_t *v, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (v[i] <= v[i - 1]) return false;
    return true;
}

/* gather (C1)..(C13) in their static parts: dimension lists sorted/unique and in range,
 * slice_sizes, result rank. */
static vt_status v_gather(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *idx = op->operands[1]->type, *r = op->results[0].type;
    const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    if (!dn) return vt_vfail(m, op, err, "missing dimension_numbers");
    int64_t off[CAP], col[CAP], ob[CAP], ib[CAP], sim[CAP], ss[CAP];
    size_t noff, ncol, nob, nib, nsim, nss;
    int64_t ivd = 0;
    vt_attr_as_i64(vt_attr_dict_get(dn, "index_vector_dim"), &ivd);
    if (!vt_vfield_list(dn, "offset_dims", off, CAP, &noff) || !vt_vfield_list(dn, "collapsed_slice_dims", col, CAP, &ncol) ||
        !vt_vfield_list(dn, "operand_batching_dims", ob, CAP, &nob) ||
        !vt_vfield_list(dn, "start_indices_batching_dims", ib, CAP, &nib) || !vt_vfield_list(dn, "start_index_map", sim, CAP, &nsim))
        return vt_vfail(m, op, err, "malformed dimension_numbers");
    if (!vt_vlist(op, "slice_sizes", ss, CAP, &nss)) return vt_vfail(m, op, err, "missing or malformed slice_sizes");
    if ((int)nss != x->rank) return vt_vfail(m, op, err, "slice_sizes has %zu entries for an operand of rank %d", nss, x->rank);
    if (ivd < 0 || ivd > idx->rank) return vt_vfail(m, op, err, "index_vector_dim %lld outside [0, %d]", (long long)ivd, idx->rank);
    if (!sorted_unique(off, noff)) return vt_vfail(m, op, err, "offset_dims must be sorted and unique");
    if (!sorted_unique(col, ncol) || !unique_in_range(col, ncol, x->rank))
        return vt_vfail(m, op, err, "collapsed_slice_dims must be sorted, unique and in [0, %d)", x->rank);
    if (!unique_in_range(ob, nob, x->rank)) return vt_vfail(m, op, err, "operand_batching_dims must be unique and in [0, %d)", x->rank);
    if (!unique_in_range(sim, nsim, x->rank)) return vt_vfail(m, op, err, "start_index_map must be unique and in [0, %d)", x->rank);
    int64_t ivsize = ivd < idx->rank ? idx->dims[ivd] : 1;
    if (ivsize != VT_DYN && (int64_t)nsim != ivsize)
        return vt_vfail(m, op, err, "start_index_map has %zu entries but the index vector has size %lld", nsim, (long long)ivsize);
    if (nib != nob) return vt_vfail(m, op, err, "operand_batching_dims and start_indices_batching_dims differ in length");
    for (size_t i = 0; i < nss; i++)
        if (ss[i] < 0 || (x->dims[i] != VT_DYN && ss[i] > x->dims[i]))
            return vt_vfail(m, op, err, "slice size %lld of dimension %zu outside [0, %lld]", (long long)ss[i], i, (long long)x->dims[i]);
    for (size_t i = 0; i < ncol; i++)
        if (ss[col[i]] > 1) return vt_vfail(m, op, err, "collapsed dimension %lld has slice size %lld, not 0 or 1", (long long)col[i], (long long)ss[col[i]]);
    int batch = idx->rank - (ivd < idx->rank ? 1 : 0);
    if (r->rank != batch + (int)noff)
        return vt_vfail(m, op, err, "result rank %d, expected %d batch dims + %zu offset dims", r->rank, batch, noff);
    if (!unique_in_range(off, noff, r->rank)) return vt_vfail(m, op, err, "offset_dims must be in [0, %d)", r->rank);
    if ((int)(noff + ncol + nob) != x->rank)
        return vt_vfail(m, op, err, "offset_dims (%zu) + collapsed_slice_dims (%zu) + operand_batching_dims (%zu) must equal the operand rank %d",
                        noff, ncol, nob, x->rank);
    /* result shape: offset_dims take the slice sizes of the kept operand dims, the other
     * result dims the indices' batch dims, each in order */
    int64_t off_sz[CAP], bat_sz[CAP];
    int no = 0, nb = 0;
    for (int d = 0; d < x->rank; d++) {
        bool gone = false;
        for (size_t i = 0; i < ncol; i++) gone |= col[i] == d;
        for (size_t i = 0; i < nob; i++) gone |= ob[i] == d;
        if (gone && ss[d] > 1) return vt_vfail(m, op, err, "slice size %lld of batching dimension %d must be 0 or 1", (long long)ss[d], d);
        if (!gone && no < CAP) off_sz[no++] = ss[d];
    }
    for (int d = 0; d < idx->rank; d++)
        if (d != ivd) bat_sz[nb++] = idx->dims[d];
    for (int d = 0, io = 0, ib2 = 0; d < r->rank; d++) {
        bool is_off = false;
        for (size_t i = 0; i < noff; i++) is_off |= off[i] == d;
        int64_t want = is_off ? (io < no ? off_sz[io++] : VT_DYN) : (ib2 < nb ? bat_sz[ib2++] : VT_DYN);
        if (!vt_vdim_ok(r->dims[d], want))
            return vt_vfail(m, op, err, "result dimension %d has size %lld, expected %lld (%s)", d, (long long)r->dims[d], (long long)want,
                            is_off ? "slice size" : "indices batch dimension");
    }
    return same_elem_result(m, op, x, err);
}

static vt_status v_scatter(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands < 3 || op->noperands % 2 == 0) return vt_vfail(m, op, err, "needs N inputs, the indices and N updates");
    size_t n = (op->noperands - 1) / 2;
    if (op->nresults != n) return vt_vfail(m, op, err, "has %zu results for %zu inputs", op->nresults, n);
    const vt_type *x = op->operands[0]->type, *idx = op->operands[n]->type;
    const vt_attr *dn = vt_op_attr(op, "scatter_dimension_numbers");
    if (!dn) return vt_vfail(m, op, err, "missing scatter_dimension_numbers");
    int64_t uwd[CAP], iwd[CAP], ib[CAP], sib[CAP], sdod[CAP];
    size_t nuwd, niwd, nib, nsib, nsdod;
    int64_t ivd = 0;
    vt_attr_as_i64(vt_attr_dict_get(dn, "index_vector_dim"), &ivd);
    if (!vt_vfield_list(dn, "update_window_dims", uwd, CAP, &nuwd) || !vt_vfield_list(dn, "inserted_window_dims", iwd, CAP, &niwd) ||
        !vt_vfield_list(dn, "input_batching_dims", ib, CAP, &nib) ||
        !vt_vfield_list(dn, "scatter_indices_batching_dims", sib, CAP, &nsib) ||
        !vt_vfield_list(dn, "scatter_dims_to_operand_dims", sdod, CAP, &nsdod))
        return vt_vfail(m, op, err, "malformed scatter_dimension_numbers");
    if (ivd < 0 || ivd > idx->rank) return vt_vfail(m, op, err, "index_vector_dim %lld outside [0, %d]", (long long)ivd, idx->rank);
    if (!sorted_unique(uwd, nuwd)) return vt_vfail(m, op, err, "update_window_dims must be sorted and unique");
    if (!sorted_unique(iwd, niwd) || !unique_in_range(iwd, niwd, x->rank))
        return vt_vfail(m, op, err, "inserted_window_dims must be sorted, unique and in [0, %d)", x->rank);
    if (!unique_in_range(sdod, nsdod, x->rank)) return vt_vfail(m, op, err, "scatter_dims_to_operand_dims must be unique and in [0, %d)", x->rank);
    if (nib != nsib) return vt_vfail(m, op, err, "input_batching_dims and scatter_indices_batching_dims differ in length");
    int64_t ivsize = ivd < idx->rank ? idx->dims[ivd] : 1;
    if (ivsize != VT_DYN && (int64_t)nsdod != ivsize)
        return vt_vfail(m, op, err, "scatter_dims_to_operand_dims has %zu entries but the index vector has size %lld", nsdod, (long long)ivsize);
    for (size_t i = 0; i < n; i++) {
        const vt_type *xi = op->operands[i]->type, *ui = op->operands[n + 1 + i]->type;
        if (!vt_vsame_shape(xi, x)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
        if (!vt_vsame_shape(op->results[i].type, xi)) return vt_vfail(m, op, err, "result %zu and input %zu must have the same shape", i, i);
        int batch = idx->rank - (ivd < idx->rank ? 1 : 0);
        if (ui->rank != batch + (int)nuwd)
            return vt_vfail(m, op, err, "update %zu has rank %d, expected %d scatter dims + %zu window dims", i, ui->rank, batch, nuwd);
    }
    if ((int)(nuwd + niwd + nib) != x->rank)
        return vt_vfail(m, op, err, "update_window_dims (%zu) + inserted_window_dims (%zu) + input_batching_dims (%zu) must equal the input rank %d",
                        nuwd, niwd, nib, x->rank);
    /* update shapes: scatter dims = the indices' batch dims in order; window dims no larger
     * than the operand dims that are neither inserted nor batching, in order */
    int64_t win_sz[CAP], bat_sz[CAP];
    int nw = 0, nb = 0;
    for (int d = 0; d < x->rank; d++) {
        bool gone = false;
        for (size_t i = 0; i < niwd; i++) gone |= iwd[i] == d;
        for (size_t i = 0; i < nib; i++) gone |= ib[i] == d;
        if (!gone) win_sz[nw++] = x->dims[d];
    }
    for (int d = 0; d < idx->rank; d++)
        if (d != ivd) bat_sz[nb++] = idx->dims[d];
    for (size_t i = 0; i < n; i++) {
        const vt_type *ui = op->operands[n + 1 + i]->type;
        for (int d = 0, iw = 0, is = 0; d < ui->rank; d++) {
            bool is_win = false;
            for (size_t k = 0; k < nuwd; k++) is_win |= uwd[k] == d;
            int64_t u = ui->dims[d];
            if (is_win) {
                int64_t lim = iw < nw ? win_sz[iw++] : VT_DYN;
                if (u != VT_DYN && lim != VT_DYN && u > lim)
                    return vt_vfail(m, op, err, "update %zu window dimension %d has size %lld, larger than the operand's %lld", i, d,
                                    (long long)u, (long long)lim);
            } else {
                int64_t want = is < nb ? bat_sz[is++] : VT_DYN;
                if (!vt_vdim_ok(u, want))
                    return vt_vfail(m, op, err, "update %zu dimension %d has size %lld, the indices' batch dimension %lld", i, d, (long long)u,
                                    (long long)want);
            }
        }
    }
    if (op->nregions != 1 || op->regions[0]->nblocks != 1) return vt_vfail(m, op, err, "needs one update computation region");
    const vt_block *blk = op->regions[0]->blocks[0];
    if (blk->nargs != 2 * n) return vt_vfail(m, op, err, "update computation takes %zu arguments, expected %zu", blk->nargs, 2 * n);
    return VT_OK;
}

vt_status vt_verify_shape_ops(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->nresults < 1) return VT_OK;
    for (size_t i = 0; i < op->noperands; i++)
        if (op->operands[i]->type->kind != VT_TYPE_TENSOR && op->code != VT_OP_GET_TUPLE_ELEMENT) return VT_OK;
    if (op->code != VT_OP_GET_TUPLE_ELEMENT && op->code != VT_OP_SCATTER && !vt_type_is_tensor(op->results[0].type)) return VT_OK;
    switch (op->code) {
    case VT_OP_BROADCAST_IN_DIM: return v_broadcast_in_dim(m, op, err);
    case VT_OP_RESHAPE: return v_reshape(m, op, err);
    case VT_OP_TRANSPOSE: return v_transpose(m, op, err);
    case VT_OP_SLICE: return v_slice(m, op, err);
    case VT_OP_CONCATENATE: return v_concatenate(m, op, err);
    case VT_OP_PAD: return v_pad(m, op, err);
    case VT_OP_IOTA: return v_iota(m, op, err);
    case VT_OP_REVERSE: return v_reverse(m, op, err);
    case VT_OP_DYNAMIC_SLICE: return v_dynamic_slice(m, op, err);
    case VT_OP_DYNAMIC_UPDATE_SLICE: return v_dynamic_update_slice(m, op, err);
    case VT_OP_GET_TUPLE_ELEMENT: return v_get_tuple_element(m, op, err);
    case VT_OP_GATHER: return v_gather(m, op, err);
    case VT_OP_SCATTER: return v_scatter(m, op, err);
    default: return VT_OK;
    }
}
