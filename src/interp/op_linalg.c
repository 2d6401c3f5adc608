/* Linear algebra ops: triangular_solve and cholesky over batch dims, computed in complex<f64>
 * (real inputs have zero imaginary parts) with a fixed loop order, rounded once to the
 * element type. Non-positive-definite cholesky batches become NaN, as XLA does (docs/interpreter.md). */
#include "interp/interp_internal.h"
#include "interp/k_shape.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef double complex cplx;

static bool attr_bool(const vt_op *op, const char *name, bool dflt) {
    vt_attr *a = vt_op_attr(op, name);
    if (!a) return dflt;
    if (a->kind == VT_ATTR_BOOL) return a->b;
    if (a->kind == VT_ATTR_UNIT) return true;
    if (a->kind == VT_ATTR_INT) return a->i != 0;
    return dflt;
}

static bool supported(vt_dtype t) { return vt_dtype_is_float(t) || vt_dtype_is_complex(t); }

static cplx *load(vt_run *r, const vt_tensor *t) {
    cplx *v = vt_k_scratch(&r->kc, t->nelem ? t->nelem : 1, sizeof(cplx), "linear algebra buffer", r->err);
    if (!v) return NULL;
    if (vt_dtype_is_complex(t->dtype)) {
        vt_k_to_c128(t->dtype, t->data, (double *)v, t->nelem);
    } else {
        double *d = malloc((t->nelem ? t->nelem : 1) * sizeof *d);
        if (!d) {
            free(v);
            vt_error_set(r->err, VT_ENOMEM, "out of memory");
            return NULL;
        }
        vt_k_to_f64(t->dtype, t->data, d, t->nelem);
        for (size_t i = 0; i < t->nelem; i++) v[i] = d[i];
        free(d);
    }
    return v;
}

static vt_status store(vt_run *r, const cplx *v, vt_tensor *t) {
    if (vt_dtype_is_complex(t->dtype)) {
        vt_k_from_c128(t->dtype, (const double *)v, t->data, t->nelem);
        return VT_OK;
    }
    double *d = malloc((t->nelem ? t->nelem : 1) * sizeof *d);
    if (!d) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nelem; i++) d[i] = creal(v[i]);
    vt_k_from_f64(t->dtype, d, t->data, t->nelem);
    free(d);
    return VT_OK;
}

typedef enum { TA_NO, TA_T, TA_H } vt_trans;

/* Element (i, j) of op(A) restricted to the triangle that `lower` names (others read as 0). */
static cplx tri(const cplx *a, int64_t m, bool lower, bool unit, vt_trans tr, int64_t i, int64_t j) {
    int64_t si = tr == TA_NO ? i : j, sj = tr == TA_NO ? j : i; /* indices into A */
    if (si == sj) return unit ? 1.0 : a[si * m + sj];
    if (lower ? sj > si : sj < si) return 0.0;
    cplx v = a[si * m + sj];
    return tr == TA_H ? conj(v) : v;
}

static vt_status exec_triangular_solve(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                       vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *a, *b;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &a);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &b);
    if (s) return s;
    bool left = attr_bool(op, "left_side", false), lower = attr_bool(op, "lower", false),
         unit = attr_bool(op, "unit_diagonal", false);
    const char *ts = vt_attr_enum(op, "transpose_a");
    vt_trans tr = TA_NO;
    if (ts && strcmp(ts, "TRANSPOSE") == 0) tr = TA_T;
    else if (ts && strcmp(ts, "ADJOINT") == 0) tr = TA_H;
    else if (ts && strcmp(ts, "NO_TRANSPOSE") != 0)
        return vt_error_set(r->err, VT_EINPUT, "triangular_solve: transpose_a '%s' is not NO_TRANSPOSE, TRANSPOSE or ADJOINT", ts);
    if (!supported(a->dtype) || a->dtype != b->dtype || a->rank < 2 || a->rank != b->rank)
        return vt_error_set(r->err, VT_EINPUT, "triangular_solve: a and b must be float or complex tensors of equal rank >= 2");
    int R = a->rank;
    int64_t m = a->dims[R - 1];
    if (a->dims[R - 2] != m) return vt_error_set(r->err, VT_EINPUT, "triangular_solve: a is not square");
    for (int i = 0; i < R - 2; i++)
        if (a->dims[i] != b->dims[i]) return vt_error_set(r->err, VT_EINPUT, "triangular_solve: batch dims of a and b differ");
    if ((left ? b->dims[R - 2] : b->dims[R - 1]) != m)
        return vt_error_set(r->err, VT_EINPUT, "triangular_solve: b does not match a's size %lld", (long long)m);
    int64_t rows = b->dims[R - 2], cols = b->dims[R - 1];
    size_t batch = 1;
    for (int i = 0; i < R - 2; i++) batch *= (size_t)a->dims[i];
    if ((s = vt_rt_charge(r, (uint64_t)batch * (uint64_t)m * (uint64_t)(m + 1) * (uint64_t)(left ? cols : rows))) != VT_OK)
        return s;
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    if (res->nelem != b->nelem || res->dtype != b->dtype) {
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_EINPUT, "triangular_solve: result type differs from b");
    }
    cplx *A = load(r, a), *X = A ? load(r, b) : NULL;
    if (!A || !X) {
        free(A);
        vt_tensor_release(res);
        return r->err->code;
    }
    /* op(A) is lower triangular when `lower` and no transpose, or upper with one */
    bool tlow = lower != (tr != TA_NO);
    for (size_t bi = 0; bi < batch; bi++) {
        const cplx *Ab = A + bi * (size_t)(m * m);
        cplx *Xb = X + bi * (size_t)(rows * cols);
        if (left) { /* op(A) X = B: one system per column of B */
            for (int64_t col = 0; col < cols; col++)
                for (int64_t k = 0; k < m; k++) {
                    int64_t i = tlow ? k : m - 1 - k;
                    cplx acc = Xb[i * cols + col];
                    for (int64_t kk = 0; kk < k; kk++) {
                        int64_t j = tlow ? kk : m - 1 - kk;
                        acc -= tri(Ab, m, lower, unit, tr, i, j) * Xb[j * cols + col];
                    }
                    Xb[i * cols + col] = acc / tri(Ab, m, lower, unit, tr, i, i);
                }
        } else { /* X op(A) = B: row x of B solves x op(A) = b, i.e. op(A)^T x^T = b^T */
            for (int64_t row = 0; row < rows; row++)
                for (int64_t k = 0; k < m; k++) {
                    int64_t i = tlow ? m - 1 - k : k; /* op(A)^T is upper when op(A) is lower */
                    cplx acc = Xb[row * cols + i];
                    for (int64_t kk = 0; kk < k; kk++) {
                        int64_t j = tlow ? m - 1 - kk : kk;
                        acc -= tri(Ab, m, lower, unit, tr, j, i) * Xb[row * cols + j];
                    }
                    Xb[row * cols + i] = acc / tri(Ab, m, lower, unit, tr, i, i);
                }
        }
    }
    s = store(r, X, res);
    free(A);
    free(X);
    if (s) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status exec_cholesky(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *a;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &a);
    if (s) return s;
    bool lower = attr_bool(op, "lower", false);
    if (!supported(a->dtype) || a->rank < 2 || a->dims[a->rank - 1] != a->dims[a->rank - 2])
        return vt_error_set(r->err, VT_EINPUT, "cholesky: operand must be a float or complex tensor of square matrices");
    int64_t n = a->dims[a->rank - 1];
    size_t batch = n ? a->nelem / (size_t)(n * n) : 0;
    if ((s = vt_rt_charge(r, (uint64_t)batch * (uint64_t)n * (uint64_t)n * (uint64_t)(n + 1))) != VT_OK) return s;
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    if (res->nelem != a->nelem || res->dtype != a->dtype) {
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_EINPUT, "cholesky: result type differs from the operand");
    }
    cplx *A = load(r, a);
    cplx *L = A ? vt_k_scratch(&r->kc, a->nelem ? a->nelem : 1, sizeof(cplx), "cholesky buffer", r->err) : NULL;
    if (!A || !L) {
        free(A);
        vt_tensor_release(res);
        return r->err->code;
    }
    for (size_t bi = 0; bi < batch; bi++) {
        const cplx *Ab = A + bi * (size_t)(n * n);
        cplx *Lb = L + bi * (size_t)(n * n);
        memset(Lb, 0, (size_t)(n * n) * sizeof *Lb);
        bool ok = true;
        /* reads only the named triangle: the lower element (i, j), i >= j, is conj(A[j][i]) for upper */
#define AL(i, j) (lower ? Ab[(i) * n + (j)] : conj(Ab[(j) * n + (i)]))
        for (int64_t j = 0; ok && j < n; j++) {
            double d = creal(AL(j, j));
            for (int64_t k = 0; k < j; k++) d -= creal(Lb[j * n + k] * conj(Lb[j * n + k]));
            if (!(d > 0)) {
                ok = false;
                break;
            }
            double dj = sqrt(d);
            Lb[j * n + j] = dj;
            for (int64_t i = j + 1; i < n; i++) {
                cplx acc = AL(i, j);
                for (int64_t k = 0; k < j; k++) acc -= Lb[i * n + k] * conj(Lb[j * n + k]);
                Lb[i * n + j] = acc / dj;
            }
        }
#undef AL
        if (!ok)
            for (int64_t i = 0; i < n * n; i++) Lb[i] = NAN;
        else if (!lower) /* U = L^H */
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j <= i; j++) {
                    cplx v = Lb[i * n + j];
                    Lb[i * n + j] = i == j ? v : 0.0;
                    Lb[j * n + i] = conj(v);
                }
    }
    s = store(r, L, res);
    free(A);
    free(L);
    if (s) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_linalg_fn(const vt_op *op);
vt_exec_fn vt_exec_linalg_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_TRIANGULAR_SOLVE: return exec_triangular_solve;
    case VT_OP_CHOLESKY: return exec_cholesky;
    default: return NULL;
    }
}
