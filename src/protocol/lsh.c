/* Fingerprint projection f = (1/sqrt(k)) R h with R generated in column blocks from a key and
 * never stored: batch [T, d] -> [T, k] through cblas_sgemm, and a streaming form for one long
 * vector (gradient fingerprints). Layout of R: docs/fingerprints.md. */
#include "veritor/protocol.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Columns of R generated per block: a multiple of 32 (one Threefry word covers 32 columns of a
 * row) and wide enough that sgemm runs near its peak. */
#define LSH_BLOCK 2048
#define LSH_ROWS 1024 /* rows converted at a time for bf16/f16 inputs */

vt_status vt_lsh_check(const vt_lsh_params *p, uint64_t d, vt_error *err) {
    if (p->k < 1 || p->k > VT_LSH_MAX_K)
        return vt_error_set(err, VT_EINPUT, "lsh: k = %u out of range 1..%u", p->k, (unsigned)VT_LSH_MAX_K);
    if (p->dist != VT_LSH_RADEMACHER && p->dist != VT_LSH_GAUSSIAN)
        return vt_error_set(err, VT_EINPUT, "lsh: unknown distribution %d", (int)p->dist);
    if (d > VT_LSH_MAX_D)
        return vt_error_set(err, VT_ELIMIT, "lsh: d = %llu exceeds the limit 2^40", (unsigned long long)d);
    return VT_OK;
}

void vt_lsh_matrix_block(const vt_lsh_params *p, uint64_t col0, size_t ncols, float *out, size_t ld) {
    const uint32_t k = p->k;
    if (p->dist == VT_LSH_GAUSSIAN) {
        float col[VT_LSH_MAX_K];
        for (size_t c = 0; c < ncols; c++) {
            vt_rand_normal_f32(p->key, (col0 + c) * k, k, col);
            for (uint32_t j = 0; j < k; j++) out[(size_t)j * ld + c] = col[j];
        }
        return;
    }
    /* Words for groups g0 .. g0+G-1 are one contiguous run of the stream (word (g, j) is
     * element g*k + j), generated together; then each row is written sequentially, which keeps
     * the writes out of the cache-set conflicts a column-wise fill has at large ld. */
    enum { WORDS = 16384 };
    uint32_t words[WORDS];
    const uint64_t end = col0 + ncols;
    const uint64_t gmax = WORDS / k > 0 ? WORDS / k : 1;
    for (uint64_t g0 = col0 / 32; g0 * 32 < end; g0 += gmax) {
        uint64_t g1 = g0 + gmax;
        if (g1 * 32 > end) g1 = (end + 31) / 32;
        vt_rand_bits32(p->key, g0 * k, (size_t)((g1 - g0) * k), words);
        for (uint32_t j = 0; j < k; j++) {
            float *row = out + (size_t)j * ld;
            for (uint64_t g = g0; g < g1; g++) {
                uint64_t c0 = g * 32 < col0 ? col0 : g * 32;
                uint64_t c1 = g * 32 + 32 < end ? g * 32 + 32 : end;
                /* Branch-free: the bit becomes the sign bit of 1.0f (random bits would defeat
                 * any branch predictor). */
                uint32_t w = words[(g - g0) * k + j] >> (c0 % 32);
                float *dst = row + (c0 - col0);
                for (unsigned c = 0; c < (unsigned)(c1 - c0); c++) {
                    uint32_t fb = 0x3F800000u | ((w >> c) & 1u) << 31;
                    memcpy(&dst[c], &fb, sizeof fb);
                }
            }
        }
    }
}

static vt_status check_input_dtype(vt_dtype t, vt_error *err) {
    if (t != VT_F32 && t != VT_BF16 && t != VT_F16)
        return vt_error_set(err, VT_EUNSUPPORTED, "lsh: not supported: input dtype %s (f32, bf16 or f16)",
                            vt_dtype_name(t));
    return VT_OK;
}

vt_status vt_lsh_project(const vt_lsh_params *p, vt_dtype dtype, const void *h, size_t T, size_t d, float *out,
                         vt_error *err) {
    vt_status st = vt_lsh_check(p, d, err);
    if (st) return st;
    if ((st = check_input_dtype(dtype, err))) return st;
    const size_t k = p->k;
    size_t tk;
    if (!vt_mul_size(T, k, &tk) || T > (size_t)INT32_MAX || d > (size_t)INT32_MAX)
        return vt_error_set(err, VT_ELIMIT, "lsh: %zu x %zu input exceeds the BLAS index range", T, d);
    memset(out, 0, tk * sizeof *out);
    if (T == 0 || d == 0) return VT_OK;
    size_t es = vt_dtype_size(dtype);
    float *rblk = malloc(k * LSH_BLOCK * sizeof *rblk);
    size_t rows = T < LSH_ROWS ? T : LSH_ROWS;
    float *hbuf = dtype == VT_F32 ? NULL : malloc(rows * LSH_BLOCK * sizeof *hbuf);
    if (!rblk || (dtype != VT_F32 && !hbuf)) {
        free(rblk);
        free(hbuf);
        return vt_error_set(err, VT_ENOMEM, "lsh: out of memory for a %zu x %d block", k, LSH_BLOCK);
    }
    for (size_t c0 = 0; c0 < d; c0 += LSH_BLOCK) {
        size_t nc = d - c0 < LSH_BLOCK ? d - c0 : LSH_BLOCK;
        vt_lsh_matrix_block(p, c0, nc, rblk, nc);
        if (dtype == VT_F32) {
            const float *hb = (const float *)h + c0;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)k, (int)nc, 1.0f, hb, (int)d, rblk,
                        (int)nc, 1.0f, out, (int)k);
            continue;
        }
        for (size_t r0 = 0; r0 < T; r0 += rows) {
            size_t nr = T - r0 < rows ? T - r0 : rows;
            for (size_t r = 0; r < nr; r++)
                vt_convert(dtype, (const char *)h + ((r0 + r) * d + c0) * es, VT_F32, hbuf + r * nc, nc);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)k, (int)nc, 1.0f, hbuf, (int)nc, rblk,
                        (int)nc, 1.0f, out + r0 * k, (int)k);
        }
    }
    const float scale = (float)(1.0 / sqrt((double)k));
    for (size_t i = 0; i < tk; i++) out[i] *= scale;
    free(rblk);
    free(hbuf);
    return VT_OK;
}

vt_status vt_lsh_project_tensor(const vt_lsh_params *p, const vt_tensor *h, vt_tensor **out, vt_error *err) {
    *out = NULL;
    if (h->rank != 1 && h->rank != 2)
        return vt_error_set(err, VT_EINPUT, "lsh: expected states of shape [d] or [T, d], got rank %d", h->rank);
    vt_status st = check_input_dtype(h->dtype, err);
    if (st) return st;
    size_t T = h->rank == 2 ? (size_t)h->dims[0] : 1;
    size_t d = (size_t)h->dims[h->rank - 1];
    int64_t dims[2] = {(int64_t)T, (int64_t)p->k};
    vt_tensor *o = h->rank == 2 ? vt_tensor_create(VT_F32, 2, dims, 0, err) : vt_tensor_create(VT_F32, 1, dims + 1, 0, err);
    if (!o) return err ? err->code : VT_ENOMEM;
    st = vt_lsh_project(p, h->dtype, h->data, T, d, o->data, err);
    if (st) {
        vt_tensor_release(o);
        return st;
    }
    *out = o;
    return VT_OK;
}

vt_status vt_lsh_stream_init(vt_lsh_stream *s, const vt_lsh_params *p, size_t block, vt_error *err) {
    memset(s, 0, sizeof *s);
    vt_status st = vt_lsh_check(p, 0, err);
    if (st) return st;
    if (block == 0) block = 4096;
    if (block > ((size_t)1 << 20))
        return vt_error_set(err, VT_ELIMIT, "lsh stream: block %zu exceeds 2^20 columns", block);
    s->p = *p;
    s->blk = block;
    s->acc = calloc(p->k, sizeof *s->acc);
    s->rblk = malloc((size_t)p->k * block * sizeof *s->rblk);
    s->part = malloc(((size_t)p->k + block) * sizeof *s->part);
    if (!s->acc || !s->rblk || !s->part) {
        vt_lsh_stream_free(s);
        return vt_error_set(err, VT_ENOMEM, "lsh stream: out of memory for block %zu", block);
    }
    return VT_OK;
}

vt_status vt_lsh_stream_update(vt_lsh_stream *s, vt_dtype dtype, const void *x, size_t n, vt_error *err) {
    vt_status st = check_input_dtype(dtype, err);
    if (st) return st;
    uint64_t end;
    if (!vt_add_u64(s->offset, n, &end) || end > VT_LSH_MAX_D)
        return vt_error_set(err, VT_ELIMIT, "lsh stream: %llu + %zu elements exceed the limit 2^40",
                            (unsigned long long)s->offset, n);
    const size_t k = s->p.k, es = vt_dtype_size(dtype);
    float *part = s->part, *xbuf = s->part + k;
    for (size_t i0 = 0; i0 < n; i0 += s->blk) {
        size_t nc = n - i0 < s->blk ? n - i0 : s->blk;
        vt_lsh_matrix_block(&s->p, s->offset, nc, s->rblk, nc);
        const float *xb;
        if (dtype == VT_F32) {
            xb = (const float *)x + i0;
        } else {
            vt_convert(dtype, (const char *)x + i0 * es, VT_F32, xbuf, nc);
            xb = xbuf;
        }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)nc, 1.0f, s->rblk, (int)nc, xb, 1, 0.0f, part, 1);
        for (size_t j = 0; j < k; j++) s->acc[j] += part[j];
        s->offset += nc;
    }
    return VT_OK;
}

void vt_lsh_stream_final(const vt_lsh_stream *s, float *out) {
    double scale = 1.0 / sqrt((double)s->p.k);
    for (uint32_t j = 0; j < s->p.k; j++) out[j] = (float)(s->acc[j] * scale);
}

void vt_lsh_stream_free(vt_lsh_stream *s) {
    free(s->acc);
    free(s->rblk);
    free(s->part);
    s->acc = NULL;
    s->rblk = s->part = NULL;
}
