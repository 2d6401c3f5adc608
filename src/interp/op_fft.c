/* stablehlo.fft (FFT, IFFT, RFFT, IRFFT over the last len(fft_length) dims), computed in
 * complex<f64> whatever the element type and rounded once: iterative radix-2 for powers of two,
 * a direct DFT with exact integer twiddle indices otherwise. Fixed order, so deterministic. */
#include "interp/interp_internal.h"
#include "interp/k_shape.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef double complex cplx;

static const double VT_PI = 3.14159265358979323846264338327950288;

/* One 1-D transform of x (length n) in place; tmp has n elements. Forward: e^{-2 pi i jk/n}. */
static void dft1(cplx *x, cplx *tmp, int64_t n, bool inverse) {
    double sign = inverse ? 1.0 : -1.0;
    if (n <= 1) return;
    if ((n & (n - 1)) == 0) {
        /* bit-reversal permutation, then butterflies */
        for (int64_t i = 1, j = 0; i < n; i++) {
            int64_t bit = n >> 1;
            for (; j & bit; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                cplx t = x[i];
                x[i] = x[j];
                x[j] = t;
            }
        }
        for (int64_t len = 2; len <= n; len <<= 1) {
            for (int64_t k = 0; k < len / 2; k++) {
                double ang = sign * 2.0 * VT_PI * (double)k / (double)len;
                cplx w = cos(ang) + sin(ang) * I;
                for (int64_t i = 0; i < n; i += len) {
                    cplx u = x[i + k], v = x[i + k + len / 2] * w;
                    x[i + k] = u + v;
                    x[i + k + len / 2] = u - v;
                }
            }
        }
    } else {
        for (int64_t k = 0; k < n; k++) {
            cplx acc = 0;
            for (int64_t j = 0; j < n; j++) {
                int64_t m = (int64_t)((uint64_t)j * (uint64_t)k % (uint64_t)n); /* n < 2^32: no overflow */
                double ang = sign * 2.0 * VT_PI * (double)m / (double)n;
                acc += x[j] * (cos(ang) + sin(ang) * I);
            }
            tmp[k] = acc;
        }
        memcpy(x, tmp, (size_t)n * sizeof *x);
    }
    if (inverse)
        for (int64_t i = 0; i < n; i++) x[i] /= (double)n;
}

/* Applies dft1 along `axis` of the row-major buffer buf with dims (rank). */
static vt_status along(vt_run *r, cplx *buf, const int64_t *dims, int rank, int axis, bool inverse) {
    int64_t n = dims[axis];
    size_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= (size_t)dims[i];
    for (int i = axis + 1; i < rank; i++) inner *= (size_t)dims[i];
    bool pow2 = n > 0 && (n & (n - 1)) == 0;
    uint64_t per = pow2 ? (uint64_t)n * 8 : (uint64_t)n * (uint64_t)n;
    vt_status s = vt_rt_charge(r, per * outer * inner);
    if (s) return s;
    cplx *line = malloc((size_t)(n ? n : 1) * 2 * sizeof *line);
    if (!line) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t o = 0; o < outer; o++)
        for (size_t in = 0; in < inner; in++) {
            cplx *base = buf + o * (size_t)n * inner + in;
            for (int64_t j = 0; j < n; j++) line[j] = base[(size_t)j * inner];
            dft1(line, line + n, n, inverse);
            for (int64_t j = 0; j < n; j++) base[(size_t)j * inner] = line[j];
        }
    free(line);
    return VT_OK;
}

/* Copies buf (dims, last dim `from`) into a new buffer whose last dim is `to`: truncating, or
 * (hermitian) filling X[n - k] = conj(X[k]) for the IRFFT input. */
static cplx *resize_last(const cplx *buf, size_t rows, int64_t from, int64_t to, bool hermitian) {
    cplx *o = calloc(rows * (size_t)(to ? to : 1), sizeof *o);
    if (!o) return NULL;
    for (size_t rr = 0; rr < rows; rr++) {
        const cplx *s = buf + rr * (size_t)from;
        cplx *d = o + rr * (size_t)to;
        for (int64_t k = 0; k < to; k++) {
            if (k < from) d[k] = s[k];
            else if (hermitian && to - k < from) d[k] = conj(s[to - k]);
        }
    }
    return o;
}

static vt_status exec_fft(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s) return s;
    const char *ty = vt_attr_enum(op, "fft_type");
    int64_t len[3];
    size_t L;
    if (!ty) return vt_error_set(r->err, VT_EINPUT, "fft: missing fft_type");
    if (!vt_attr_i64s(op, "fft_length", len, 3, &L) || L < 1 || (int)L > x->rank)
        return vt_error_set(r->err, VT_EINPUT, "fft: fft_length must list 1 to 3 dims within the operand rank %d", x->rank);
    bool fwd = strcmp(ty, "FFT") == 0, inv = strcmp(ty, "IFFT") == 0, rf = strcmp(ty, "RFFT") == 0,
         irf = strcmp(ty, "IRFFT") == 0;
    if (!fwd && !inv && !rf && !irf) return vt_error_set(r->err, VT_EINPUT, "fft: unknown fft_type '%s'", ty);
    if (rf ? !vt_dtype_is_float(x->dtype) : !vt_dtype_is_complex(x->dtype))
        return vt_error_set(r->err, VT_EINPUT, "fft: %s needs a %s operand", ty, rf ? "real" : "complex");
    int R = x->rank, first = R - (int)L;
    for (size_t i = 0; i < L; i++)
        if (len[i] < 0 || len[i] > (int64_t)1 << 31)
            return vt_error_set(r->err, VT_EINPUT, "fft: fft_length %lld out of range", (long long)len[i]);
    for (size_t i = 0; i < L; i++) {
        int64_t want = (irf && i == L - 1) ? len[i] / 2 + 1 : len[i];
        if (len[i] < 0 || x->dims[first + (int)i] != want)
            return vt_error_set(r->err, VT_EINPUT, "fft: operand dim %d is %lld, fft_length needs %lld", first + (int)i,
                                (long long)x->dims[first + (int)i], (long long)want);
    }
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    int64_t dims[VT_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    size_t n = x->nelem;
    cplx *buf = calloc(n ? n : 1, sizeof *buf);
    if (!buf) {
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    if (rf) {
        double *d = malloc((n ? n : 1) * sizeof *d);
        if (!d) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        else {
            vt_k_to_f64(x->dtype, x->data, d, n);
            for (size_t i = 0; i < n; i++) buf[i] = d[i];
            free(d);
        }
    } else {
        vt_k_to_c128(x->dtype, x->data, (double *)buf, n);
    }
    size_t rows = x->dims[R - 1] ? n / (size_t)x->dims[R - 1] : 0;
    if (s == VT_OK && rf) {
        s = along(r, buf, dims, R, R - 1, false);
        int64_t half = len[L - 1] / 2 + 1;
        cplx *o = s ? NULL : resize_last(buf, rows, dims[R - 1], half, false);
        if (!s && !o) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        if (o) {
            free(buf);
            buf = o;
            dims[R - 1] = half;
        }
        for (int a = first; s == VT_OK && a < R - 1; a++) s = along(r, buf, dims, R, a, false);
    } else if (s == VT_OK && irf) {
        for (int a = first; s == VT_OK && a < R - 1; a++) s = along(r, buf, dims, R, a, true);
        cplx *o = s ? NULL : resize_last(buf, rows, dims[R - 1], len[L - 1], true);
        if (!s && !o) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        if (o) {
            free(buf);
            buf = o;
            dims[R - 1] = len[L - 1];
            s = along(r, buf, dims, R, R - 1, true);
        }
    } else {
        for (int a = first; s == VT_OK && a < R; a++) s = along(r, buf, dims, R, a, inv);
    }
    size_t rn = 1;
    for (int i = 0; i < R; i++) rn *= (size_t)dims[i];
    if (s == VT_OK && (res->rank != R || rn != res->nelem))
        s = vt_error_set(r->err, VT_EINPUT, "fft: result type does not match the transform's shape");
    if (s == VT_OK) {
        if (vt_dtype_is_complex(res->dtype)) vt_k_from_c128(res->dtype, (const double *)buf, res->data, rn);
        else {
            double *d = malloc((rn ? rn : 1) * sizeof *d);
            if (!d) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
            else {
                for (size_t i = 0; i < rn; i++) d[i] = creal(buf[i]);
                vt_k_from_f64(res->dtype, d, res->data, rn);
                free(d);
            }
        }
    }
    free(buf);
    if (s) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_fft_fn(const vt_op *op);
vt_exec_fn vt_exec_fft_fn(const vt_op *op) { return op->code == VT_OP_FFT ? exec_fft : NULL; }
