/* Spec constraints of dot_general (C1)..(C13) and the legacy dot: dimension lists unique and
 * in range, batching and contracting sizes equal, the result shape, operand element types. */
#include "hlo/verify_internal.h"

#define CAP VT_MAX_RANK

static bool in_list(const int64_t *v, size_t n, int64_t d) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == d) return true;
    return false;
}

static vt_status check_dims(const vt_module *m, const vt_op *op, const char *what, const int64_t *v, size_t n, int rank,
                            vt_error *err) {
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] >= rank)
            return vt_vfail(m, op, err, "%s dimension %lld outside [0, %d)", what, (long long)v[i], rank);
        for (size_t j = 0; j < i; j++)
            if (v[i] == v[j]) return vt_vfail(m, op, err, "%s dimension %lld appears twice", what, (long long)v[i]);
    }
    return VT_OK;
}

static vt_status v_dot_general(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *l = op->operands[0]->type, *r = op->operands[1]->type, *res = op->results[0].type;
    const vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers");
    if (!dn) return vt_vfail(m, op, err, "missing dot_dimension_numbers");
    int64_t lb[CAP], rb[CAP], lc[CAP], rc[CAP];
    size_t nlb, nrb, nlc, nrc;
    if (!vt_vfield_list(dn, "lhs_batching_dimensions", lb, CAP, &nlb) || !vt_vfield_list(dn, "rhs_batching_dimensions", rb, CAP, &nrb) ||
        !vt_vfield_list(dn, "lhs_contracting_dimensions", lc, CAP, &nlc) ||
        !vt_vfield_list(dn, "rhs_contracting_dimensions", rc, CAP, &nrc))
        return vt_vfail(m, op, err, "malformed dot_dimension_numbers");
    if (nlb != nrb) return vt_vfail(m, op, err, "lhs has %zu batching dimensions, rhs %zu", nlb, nrb);
    if (nlc != nrc) return vt_vfail(m, op, err, "lhs has %zu contracting dimensions, rhs %zu", nlc, nrc);
    vt_status s;
    if ((s = check_dims(m, op, "lhs batching", lb, nlb, l->rank, err)) || (s = check_dims(m, op, "rhs batching", rb, nrb, r->rank, err)) ||
        (s = check_dims(m, op, "lhs contracting", lc, nlc, l->rank, err)) ||
        (s = check_dims(m, op, "rhs contracting", rc, nrc, r->rank, err)))
        return s;
    for (size_t i = 0; i < nlb; i++)
        if (in_list(lc, nlc, lb[i])) return vt_vfail(m, op, err, "lhs dimension %lld is both batching and contracting", (long long)lb[i]);
    for (size_t i = 0; i < nrb; i++)
        if (in_list(rc, nrc, rb[i])) return vt_vfail(m, op, err, "rhs dimension %lld is both batching and contracting", (long long)rb[i]);
    for (size_t i = 0; i < nlb; i++)
        if (!vt_vdim_ok(l->dims[lb[i]], r->dims[rb[i]]))
            return vt_vfail(m, op, err, "lhs batching dimension %lld has size %lld but rhs batching dimension %lld has size %lld",
                            (long long)lb[i], (long long)l->dims[lb[i]], (long long)rb[i], (long long)r->dims[rb[i]]);
    for (size_t i = 0; i < nlc; i++)
        if (!vt_vdim_ok(l->dims[lc[i]], r->dims[rc[i]]))
            return vt_vfail(m, op, err, "lhs contracting dimension %lld has size %lld but rhs contracting dimension %lld has size %lld",
                            (long long)lc[i], (long long)l->dims[lc[i]], (long long)rc[i], (long long)r->dims[rc[i]]);
    int64_t want[2 * CAP];
    int nd = 0;
    for (size_t i = 0; i < nlb; i++) want[nd++] = l->dims[lb[i]];
    for (int d = 0; d < l->rank; d++)
        if (!in_list(lb, nlb, d) && !in_list(lc, nlc, d)) want[nd++] = l->dims[d];
    for (int d = 0; d < r->rank; d++)
        if (!in_list(rb, nrb, d) && !in_list(rc, nrc, d)) want[nd++] = r->dims[d];
    if (res->rank != nd) return vt_vfail(m, op, err, "result has rank %d, the dimension numbers give %d", res->rank, nd);
    for (int i = 0; i < nd; i++)
        if (!vt_vdim_ok(res->dims[i], want[i]))
            return vt_vfail(m, op, err, "result dimension %d has size %lld, expected %lld", i, (long long)res->dims[i], (long long)want[i]);
    if (!l->quant && !r->quant && (l->dtype == VT_I1) != (r->dtype == VT_I1))
        return vt_vfail(m, op, err, "lhs %s and rhs %s element types cannot be mixed", vt_dtype_name(l->dtype), vt_dtype_name(r->dtype));
    return VT_OK;
}

/* dot: vector.vector, matrix.vector, matrix.matrix; contracts lhs's last with rhs's first. */
static vt_status v_dot(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *l = op->operands[0]->type, *r = op->operands[1]->type;
    if (l->rank < 1 || l->rank > 2 || r->rank < 1 || r->rank > 2)
        return vt_vfail(m, op, err, "operands must have rank 1 or 2 (ranks %d and %d)", l->rank, r->rank);
    if (!vt_vdim_ok(l->dims[l->rank - 1], r->dims[0]))
        return vt_vfail(m, op, err, "lhs contracting dimension has size %lld but rhs contracting dimension 0 has size %lld",
                        (long long)l->dims[l->rank - 1], (long long)r->dims[0]);
    return VT_OK;
}

vt_status vt_verify_dot_ops(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->code != VT_OP_DOT_GENERAL && op->code != VT_OP_DOT) return VT_OK;
    if (!vt_type_is_tensor(op->operands[0]->type) || !vt_type_is_tensor(op->operands[1]->type) ||
        !vt_type_is_tensor(op->results[0].type))
        return vt_vfail(m, op, err, "operands and result must be tensors");
    return op->code == VT_OP_DOT ? v_dot(m, op, err) : v_dot_general(m, op, err);
}
