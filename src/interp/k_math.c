/* Shared machinery of the elementwise kernels: running a resolved op over a range (with
 * narrow-float conversion, scalar broadcast and sub-byte re-wrapping), over whole tensors
 * (validation, work charge, fixed-chunk threading), and scalar special functions. */
#include "interp/k_elementwise.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

bool vt_k_is_narrow_float(vt_dtype t) { return vt_dtype_is_float(t) && t != VT_F32 && t != VT_F64; }

void vt_k_wrap_subbyte(uint8_t *p, size_t n, unsigned bits, bool is_signed) {
    uint8_t mask = (uint8_t)((1u << bits) - 1u);
    if (is_signed) {
        unsigned sh = 8u - bits;
        for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((int8_t)(uint8_t)(p[i] << sh) >> sh);
    } else {
        for (size_t i = 0; i < n; i++) p[i] &= mask;
    }
}

/* Chunk size of the converting path: small enough that all buffers stay in L1. */
enum { CH = 256, MAXES = 16 };

void vt_k_run_range(const vt_k_op *k, const void *const *in, unsigned bcast, void *out, size_t n) {
    if (n == 0) return;
    size_t osz = vt_dtype_size(k->out_t);
    if (!k->core) { /* convert */
        if (bcast & 1u) {
            uint8_t one[MAXES];
            vt_convert(k->in_t[0], in[0], k->out_t, one, 1);
            for (size_t i = 0; i < n; i++) memcpy((uint8_t *)out + i * osz, one, osz);
        } else {
            vt_convert(k->in_t[0], in[0], k->out_t, out, n);
        }
        return;
    }
    bool direct = bcast == 0 && k->out_t == k->cout_t;
    for (int i = 0; i < k->arity; i++) direct = direct && k->in_t[i] == k->cin_t[i];
    if (direct) {
        k->core(k, in, out, n);
        if (k->wrap_bits) vt_k_wrap_subbyte(out, n, k->wrap_bits, k->wrap_signed);
        return;
    }
    _Alignas(64) uint8_t ibuf[3][CH * MAXES];
    _Alignas(64) uint8_t obuf[CH * MAXES];
    size_t isz[3] = {0, 0, 0}, csz[3] = {0, 0, 0};
    for (int i = 0; i < k->arity; i++) {
        isz[i] = vt_dtype_size(k->in_t[i]);
        csz[i] = vt_dtype_size(k->cin_t[i]);
        if (bcast & (1u << i)) { /* a broadcast scalar: convert once, replicate over a chunk */
            vt_convert(k->in_t[i], in[i], k->cin_t[i], ibuf[i], 1);
            for (size_t j = 1; j < CH; j++) memcpy(ibuf[i] + j * csz[i], ibuf[i], csz[i]);
        }
    }
    bool out_direct = k->out_t == k->cout_t;
    for (size_t b = 0; b < n; b += CH) {
        size_t m = n - b < CH ? n - b : CH;
        const void *ptr[3] = {NULL, NULL, NULL};
        for (int i = 0; i < k->arity; i++) {
            const uint8_t *src = (const uint8_t *)in[i] + b * isz[i];
            if (bcast & (1u << i)) {
                ptr[i] = ibuf[i];
            } else if (k->in_t[i] == k->cin_t[i]) {
                ptr[i] = src;
            } else {
                vt_convert(k->in_t[i], src, k->cin_t[i], ibuf[i], m);
                ptr[i] = ibuf[i];
            }
        }
        uint8_t *dst = (uint8_t *)out + b * osz;
        k->core(k, ptr, out_direct ? (void *)dst : (void *)obuf, m);
        if (!out_direct) vt_convert(k->cout_t, obuf, k->out_t, dst, m);
        if (k->wrap_bits) vt_k_wrap_subbyte(dst, m, k->wrap_bits, k->wrap_signed);
    }
}

/* ---- fixed-chunk threading ---------------------------------------------------------------- */
typedef struct pf_job {
    void (*fn)(void *arg, size_t b, size_t e);
    void *arg;
    size_t b, e;
} pf_job;

static void *pf_main(void *p) {
    pf_job *j = p;
    j->fn(j->arg, j->b, j->e);
    return NULL;
}

void vt_k_parallel_for(int threads, size_t n, size_t min_chunk, void (*fn)(void *arg, size_t b, size_t e),
                       void *arg) {
    enum { MAXT = 64 };
    if (min_chunk == 0) min_chunk = 1;
    size_t nt = threads > 1 ? (size_t)threads : 1;
    if (nt > MAXT) nt = MAXT;
    if (nt > n / min_chunk) nt = n / min_chunk;
    if (nt <= 1) {
        if (n) fn(arg, 0, n);
        return;
    }
    /* Chunk boundaries are multiples of 64 elements so that no two threads share a cache line
     * of the output; results never depend on them (each element is computed alone). */
    size_t chunk = (n + nt - 1) / nt;
    chunk = (chunk + 63) / 64 * 64;
    pf_job jobs[MAXT];
    pthread_t tid[MAXT];
    bool started[MAXT];
    size_t nj = 0;
    for (size_t b = 0; b < n; b += chunk) {
        jobs[nj] = (pf_job){fn, arg, b, b + chunk < n ? b + chunk : n};
        nj++;
    }
    for (size_t i = 1; i < nj; i++) started[i] = pthread_create(&tid[i], NULL, pf_main, &jobs[i]) == 0;
    fn(arg, jobs[0].b, jobs[0].e);
    for (size_t i = 1; i < nj; i++) {
        if (started[i]) pthread_join(tid[i], NULL);
        else fn(arg, jobs[i].b, jobs[i].e); /* no thread: do it here, same result */
    }
}

/* ---- whole tensors ------------------------------------------------------------------------- */
typedef struct run_job {
    const vt_k_op *k;
    const void *in[3];
    size_t isz[3];
    unsigned bcast;
    void *out;
    size_t osz;
} run_job;

static void run_job_fn(void *p, size_t b, size_t e) {
    run_job *j = p;
    const void *in[3] = {NULL, NULL, NULL};
    for (int i = 0; i < j->k->arity; i++)
        in[i] = (j->bcast & (1u << i)) ? j->in[i] : (const uint8_t *)j->in[i] + b * j->isz[i];
    vt_k_run_range(j->k, in, j->bcast, (uint8_t *)j->out + b * j->osz, e - b);
}

static char *type_str(const vt_tensor *t, char *buf, size_t n) { return vt_tensor_type_str(t, buf, n); }

vt_status vt_k_run_tensors(vt_kctx *ctx, const vt_k_op *k, const vt_tensor *const *in, unsigned allow_bcast,
                           vt_tensor *out, vt_error *err) {
    char b1[128], b2[128];
    if (!out) return vt_error_set(err, VT_EINPUT, "%s: result tensor is missing", k->name);
    if (out->dtype != k->out_t)
        return vt_error_set(err, VT_EINPUT, "%s: result has type %s, expected element type %s", k->name,
                            type_str(out, b1, sizeof b1), vt_dtype_name(k->out_t));
    if (out->nbytes && !out->data) return vt_error_set(err, VT_EINPUT, "%s: result has no data", k->name);
    run_job j = {.k = k, .out = out->data, .osz = vt_dtype_size(k->out_t)};
    for (int i = 0; i < k->arity; i++) {
        const vt_tensor *t = in[i];
        if (!t) return vt_error_set(err, VT_EINPUT, "%s: operand %d is missing", k->name, i);
        if (t->dtype != k->in_t[i])
            return vt_error_set(err, VT_EINPUT, "%s: operand %d has type %s, expected element type %s", k->name, i,
                                type_str(t, b1, sizeof b1), vt_dtype_name(k->in_t[i]));
        if (t->nbytes && !t->data) return vt_error_set(err, VT_EINPUT, "%s: operand %d has no data", k->name, i);
        if (!vt_k_bytes_ok(t))
            return vt_error_set(err, VT_EINPUT, "%s: operand %d: %zu bytes for %zu elements", k->name, i,
                                t->nbytes, t->nelem);
        if (!vt_tensor_same_shape(t, out)) {
            if ((allow_bcast & (1u << i)) && t->rank == 0 && t->nelem == 1) {
                j.bcast |= 1u << i;
            } else {
                return vt_error_set(err, VT_EINPUT, "%s: operand %d has shape %s, result %s", k->name, i,
                                    type_str(t, b1, sizeof b1), type_str(out, b2, sizeof b2));
            }
        }
        j.in[i] = t->data;
        j.isz[i] = vt_dtype_size(t->dtype);
    }
    if (!vt_k_bytes_ok(out))
        return vt_error_set(err, VT_EINPUT, "%s: result: %zu bytes for %zu elements", k->name, out->nbytes,
                            out->nelem);
    uint64_t units;
    if (!vt_mul_u64((uint64_t)out->nelem, (uint64_t)k->arity + 1, &units)) units = UINT64_MAX;
    vt_status s = vt_kctx_charge(ctx, units, err);
    if (s) return s;
    vt_k_parallel_for(ctx ? ctx->threads : 1, out->nelem, (size_t)1 << 16, run_job_fn, &j);
    return VT_OK;
}

/* ---- special functions --------------------------------------------------------------------- */
double vt_k_digamma(double x) {
    if (isnan(x)) return x;
    if (isinf(x)) return x > 0 ? x : NAN;
    double r = 0.0;
    if (x <= 0.0) {
        if (x == floor(x)) return NAN; /* poles (XLA gives NaN there too) */
        /* reflection: psi(x) = psi(1 - x) - pi / tan(pi x) */
        r = -M_PI / tan(M_PI * x);
        x = 1.0 - x;
    }
    while (x < 10.0) {
        r -= 1.0 / x;
        x += 1.0;
    }
    /* asymptotic series: ln x - 1/2x - sum B2k / (2k x^2k); next term < 1e-17 for x >= 10 */
    double f = 1.0 / (x * x);
    double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 +
                                                                                    f * (691.0 / 32760 + f * (-1.0 / 12)))))));
    return r + log(x) - 0.5 / x + t;
}

double vt_k_erf_inv(double x) {
    if (isnan(x)) return x;
    if (x <= -1.0 || x >= 1.0) return x == 1.0 ? INFINITY : x == -1.0 ? -INFINITY : NAN;
    if (x == 0.0) return x;
    double ax = fabs(x);
    /* Giles' single-precision approximation as the start, then Newton steps on erf (erfc near
     * the tails, where 1 - |x| is exact) to full double precision. */
    double w = -log((1.0 - ax) * (1.0 + ax)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double y = p * ax;
    const double two_over_sqrt_pi = 1.1283791670955126;
    for (int it = 0; it < 4; it++) {
        double d = two_over_sqrt_pi * exp(-y * y);
        if (d == 0.0) break;
        double f = ax > 0.5 ? (1.0 - ax) - erfc(y) : erf(y) - ax;
        y -= f / d; /* both residuals have derivative d */
    }
    return x < 0 ? -y : y;
}

double vt_k_bessel_i1e(double x) {
    if (isnan(x)) return x;
    double ax = fabs(x), r;
    if (isinf(ax)) return copysign(0.0, x);
    if (x == 0) return x;
    if (ax <= 30.0) {
        /* I1(x) = sum (x/2)^(2k+1) / (k! (k+1)!): positive terms, no cancellation */
        double h = 0.5 * ax, q = h * h, t = h, s = h;
        for (int k = 1; k < 200 && t > s * 1e-18; k++) {
            t *= q / ((double)k * (double)(k + 1));
            s += t;
        }
        r = s * exp(-ax);
    } else {
        /* Hankel's asymptotic series: 1/sqrt(2 pi x) sum (-1)^k prod (4 - (2j-1)^2) / (k! (8x)^k) */
        double s = 1.0, t = 1.0;
        for (int k = 1; k < 60; k++) {
            double m = 2.0 * k - 1.0;
            t *= -(4.0 - m * m) / ((double)k * 8.0 * ax);
            s += t;
            if (fabs(t) < 1e-18 * fabs(s)) break;
        }
        r = s / sqrt(2.0 * M_PI * ax);
    }
    return x < 0 ? -r : r;
}
