/* Check handlers of the conformance programs (interpret suite's check dialect and the JAX
 * testdata's @check.* custom_calls). Equality treats NaN as equal to NaN, and the ULP distance
 * of two NaNs is 0, as the reference checks do; ULPs are counted in the operands' own format. */
#include "interp/interp_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { CK_EQ, CK_ALMOST, CK_CLOSE } check_kind;

/* Monotonic integer of a float encoding (sign-magnitude to two's complement order). */
static int64_t float_order(vt_dtype t, const void *p) {
    size_t sz = vt_dtype_size(t);
    uint64_t bits = 0;
    memcpy(&bits, p, sz);
    const vt_float_format *f = vt_float_format_of(t);
    unsigned nb = vt_dtype_bits(t);
    if (!f->has_sign) return (int64_t)bits;
    uint64_t sign = bits >> (nb - 1) & 1, mag = bits & ((nb == 64) ? ~(uint64_t)0 >> 1 : (((uint64_t)1 << (nb - 1)) - 1));
    return sign ? -(int64_t)mag : (int64_t)mag;
}

static void describe_index(const vt_tensor *t, size_t i, char *out, size_t n) {
    int64_t idx[VT_MAX_RANK];
    size_t rem = i;
    for (int d = t->rank - 1; d >= 0; d--) {
        idx[d] = t->dims[d] ? (int64_t)(rem % (size_t)t->dims[d]) : 0;
        rem = t->dims[d] ? rem / (size_t)t->dims[d] : 0;
    }
    size_t k = (size_t)snprintf(out, n, "[");
    for (int d = 0; d < t->rank && k < n; d++) k += (size_t)snprintf(out + k, n - k, d ? ", %lld" : "%lld", (long long)idx[d]);
    if (k < n) snprintf(out + k, n - k, "]");
}

/* Compares real element i of a and b (same dtype); returns true when within tolerance. */
static bool compare_elem(check_kind kind, vt_dtype t, const void *pa, const void *pb, double tol, int64_t min_ulp,
                         int64_t max_ulp, char *why, size_t wn) {
    if (vt_dtype_is_float(t)) {
        double x = vt_load_f64(t, pa), y = vt_load_f64(t, pb);
        bool nx = isnan(x), ny = isnan(y);
        if (kind == CK_EQ) {
            if ((nx && ny) || x == y) return true;
            snprintf(why, wn, "expected %.9g, got %.9g", y, x);
            return false;
        }
        if (kind == CK_ALMOST) {
            if (nx && ny) return true;
            if (x == y) return true; /* equal infinities */
            double d = fabs(x - y);
            if (d <= tol) return true;
            snprintf(why, wn, "expected %.9g, got %.9g (|difference| %.3g > %.3g)", y, x, d, tol);
            return false;
        }
        int64_t ulp;
        if (nx && ny) ulp = 0;
        else if (nx || ny) ulp = INT64_MAX;
        else {
            int64_t oa = float_order(t, pa), ob = float_order(t, pb);
            ulp = oa > ob ? oa - ob : ob - oa;
        }
        if (ulp >= min_ulp && ulp <= max_ulp) return true;
        snprintf(why, wn, "expected %.9g, got %.9g (%lld ULP, allowed %lld..%lld)", y, x, (long long)ulp,
                 (long long)min_ulp, (long long)max_ulp);
        return false;
    }
    /* integers and booleans: exact */
    size_t sz = vt_dtype_size(t);
    if (memcmp(pa, pb, sz) == 0) return true;
    if (vt_dtype_kind_of(t) == VT_KIND_UINT)
        snprintf(why, wn, "expected %llu, got %llu", (unsigned long long)vt_load_u64(t, pb), (unsigned long long)vt_load_u64(t, pa));
    else
        snprintf(why, wn, "expected %lld, got %lld", (long long)vt_load_i64(t, pb), (long long)vt_load_i64(t, pa));
    return false;
}

static vt_status compare_tensors(const char *what, check_kind kind, const vt_tensor *a, const vt_tensor *b, double tol,
                                 int64_t min_ulp, int64_t max_ulp, vt_error *err) {
    char ta[96], tb[96];
    if (a->dtype != b->dtype || !vt_tensor_same_shape(a, b))
        return vt_error_set(err, VT_ECHECK, "%s: actual %s and expected %s differ in type", what,
                            vt_tensor_type_str(a, ta, sizeof ta), vt_tensor_type_str(b, tb, sizeof tb));
    vt_dtype t = a->dtype, pt = vt_dtype_is_complex(t) ? vt_complex_part_dtype(t) : t;
    size_t parts = vt_dtype_is_complex(t) ? 2 : 1, psz = vt_dtype_size(pt);
    char why[256], idx[160];
    for (size_t i = 0; i < a->nelem; i++) {
        for (size_t p = 0; p < parts; p++) {
            const char *pa = (const char *)a->data + (i * parts + p) * psz, *pb = (const char *)b->data + (i * parts + p) * psz;
            if (!compare_elem(kind, pt, pa, pb, tol, min_ulp, max_ulp, why, sizeof why)) {
                describe_index(a, i, idx, sizeof idx);
                return vt_error_set(err, VT_ECHECK, "%s failed at element %s%s: %s", what, idx,
                                    parts == 2 ? (p ? " (imaginary part)" : " (real part)") : "", why);
            }
        }
    }
    return VT_OK;
}

static vt_status operand_tensor(vt_hook_call *c, size_t i, vt_tensor **out, vt_error *err) {
    if (i >= c->noperands || c->operands[i].kind != VT_RV_TENSOR)
        return vt_error_set(err, VT_EINPUT, "%s: operand %zu is not a tensor", c->target, i);
    *out = c->operands[i].tensor;
    return VT_OK;
}

static vt_status expected_value(vt_hook_call *c, vt_tensor **out, bool *owned, vt_error *err) {
    vt_attr *v = vt_op_attr(c->op, "value");
    if (v) {
        *owned = true;
        return vt_attr_dense_materialize(v, 0, out, err);
    }
    *owned = false;
    return operand_tensor(c, 1, out, err);
}

static vt_status run_check(vt_hook_call *c, check_kind kind, double tol, int64_t min_ulp, int64_t max_ulp, vt_error *err) {
    vt_tensor *a = NULL, *b = NULL;
    bool owned = false;
    vt_status s = operand_tensor(c, 0, &a, err);
    if (!s) s = expected_value(c, &b, &owned, err);
    if (s) return s;
    s = compare_tensors(c->target, kind, a, b, tol, min_ulp, max_ulp, err);
    if (owned) vt_tensor_release(b);
    return s;
}

static vt_status hook_check(void *user, vt_hook_call *c, vt_error *err) {
    vt_check_stats *st = user;
    const char *t = c->target;
    vt_status s;
    double tol;
    int64_t lo = 0, hi = 3;
    if (strcmp(t, "check.expect_serialized_eq") == 0) {
        /* The engine compared the value with its probe before calling this handler. */
        st->passed++;
        return VT_OK;
    }
    if (strcmp(t, "check.expect_eq") == 0 || strcmp(t, "check.expect_eq_const") == 0) {
        s = run_check(c, CK_EQ, 0, 0, 0, err);
    } else if (strcmp(t, "check.expect_almost_eq") == 0 || strcmp(t, "check.expect_almost_eq_const") == 0) {
        /* The interpret suite's ops default to 1e-4; the testdata's custom_call uses 1e-3. */
        tol = c->op->code == VT_OP_CUSTOM_CALL ? 1e-3 : 1e-4;
        vt_attr *ta = vt_op_attr(c->op, "tolerance");
        if (ta && !vt_attr_as_f64(ta, &tol)) return vt_error_set(err, VT_EINPUT, "%s: tolerance is not a number", t);
        s = run_check(c, CK_ALMOST, tol, 0, 0, err);
    } else if (strcmp(t, "check.expect_close") == 0) {
        vt_attr *a;
        if ((a = vt_op_attr(c->op, "max_ulp_difference")) && !vt_attr_as_i64(a, &hi))
            return vt_error_set(err, VT_EINPUT, "%s: max_ulp_difference is not an integer", t);
        if ((a = vt_op_attr(c->op, "min_ulp_difference")) && !vt_attr_as_i64(a, &lo))
            return vt_error_set(err, VT_EINPUT, "%s: min_ulp_difference is not an integer", t);
        s = run_check(c, CK_CLOSE, 0, lo, hi, err);
    } else if (strcmp(t, "check.eq") == 0) {
        /* Returns tensor<i1> instead of stopping: integers exact, floats within 1e-4. */
        vt_tensor *a = NULL, *b = NULL;
        s = operand_tensor(c, 0, &a, err);
        if (!s) s = operand_tensor(c, 1, &b, err);
        if (s) return s;
        vt_error tmp;
        bool eq = compare_tensors(t, vt_dtype_is_float(a->dtype) || vt_dtype_is_complex(a->dtype) ? CK_ALMOST : CK_EQ, a,
                                  b, 1e-4, 0, 0, &tmp) == VT_OK;
        if (c->nresults != 1) return vt_error_set(err, VT_EINPUT, "check.eq must have one i1 result");
        vt_tensor *r = vt_tensor_create(VT_I1, 0, NULL, 0, err);
        if (!r) return err->code;
        ((uint8_t *)r->data)[0] = eq;
        c->results[0] = vt_rvalue_tensor(r);
        if (eq) st->passed++;
        else st->failed++;
        return VT_OK;
    } else {
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: check '%s'", t);
    }
    if (s == VT_OK) st->passed++;
    else if (s == VT_ECHECK) st->failed++;
    return s;
}

vt_status vt_engine_register_checks(vt_engine *e, vt_check_stats *stats, vt_error *err) {
    static const char *const names[] = {"check.expect_eq", "check.expect_eq_const", "check.expect_almost_eq",
                                        "check.expect_almost_eq_const", "check.expect_close",
                                        "check.expect_serialized_eq", "check.eq"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        vt_status s = vt_engine_register_hook(e, names[i], hook_check, stats, err);
        if (s) return s;
    }
    return VT_OK;
}
