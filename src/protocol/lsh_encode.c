/* Fingerprint encodings (f32, f16, int8 with one scale per vector, 1-bit signs) and the
 * distances compared against thresholds (L2, L2 relative, cosine, Hamming). Byte layouts are
 * little-endian and documented in docs/fingerprints.md. */
#include "veritor/protocol.h"

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

size_t vt_lsh_enc_bytes(vt_lsh_enc enc, uint32_t k) {
    switch (enc) {
    case VT_LSH_ENC_F32: return (size_t)4 * k;
    case VT_LSH_ENC_F16: return (size_t)2 * k;
    case VT_LSH_ENC_INT8: return (size_t)k + 4;
    case VT_LSH_ENC_SIGN: return ((size_t)k + 7) / 8;
    }
    return 0;
}

static const char *const enc_names[] = {"f32", "f16", "int8", "sign"};

const char *vt_lsh_enc_name(vt_lsh_enc enc) { return (unsigned)enc < 4 ? enc_names[enc] : "?"; }

vt_status vt_lsh_enc_parse(const char *name, vt_lsh_enc *out, vt_error *err) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, enc_names[i]) == 0) {
            *out = (vt_lsh_enc)i;
            return VT_OK;
        }
    return vt_error_set(err, VT_EINPUT, "encoding '%s': expected f32, f16, int8 or sign", name);
}

vt_status vt_lsh_encode(vt_lsh_enc enc, const float *f, uint32_t k, uint8_t *out, vt_error *err) {
    for (uint32_t j = 0; j < k; j++)
        if (!isfinite(f[j])) return vt_error_set(err, VT_EINPUT, "fingerprint element %u is not finite", j);
    switch (enc) {
    case VT_LSH_ENC_F32:
        for (uint32_t j = 0; j < k; j++) {
            uint32_t b;
            memcpy(&b, &f[j], 4);
            for (int i = 0; i < 4; i++) out[4 * (size_t)j + i] = (uint8_t)(b >> (8 * i));
        }
        return VT_OK;
    case VT_LSH_ENC_F16:
        for (uint32_t j = 0; j < k; j++) {
            uint16_t h;
            vt_convert(VT_F32, &f[j], VT_F16, &h, 1);
            out[2 * (size_t)j] = (uint8_t)h;
            out[2 * (size_t)j + 1] = (uint8_t)(h >> 8);
        }
        return VT_OK;
    case VT_LSH_ENC_INT8: {
        /* One f32 scale per vector, max|f| / 127, so the largest element maps to +-127. */
        float m = 0;
        for (uint32_t j = 0; j < k; j++) m = fabsf(f[j]) > m ? fabsf(f[j]) : m;
        float scale = m / 127.0f;
        uint32_t b;
        memcpy(&b, &scale, 4);
        for (int i = 0; i < 4; i++) out[i] = (uint8_t)(b >> (8 * i));
        for (uint32_t j = 0; j < k; j++) {
            long q = scale > 0 ? lrintf(f[j] / scale) : 0;
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            out[4 + j] = (uint8_t)(int8_t)q;
        }
        return VT_OK;
    }
    case VT_LSH_ENC_SIGN:
        memset(out, 0, ((size_t)k + 7) / 8);
        for (uint32_t j = 0; j < k; j++)
            if (f[j] < 0) out[j / 8] |= (uint8_t)(1u << (j % 8));
        return VT_OK;
    }
    return vt_error_set(err, VT_EINPUT, "unknown fingerprint encoding %d", (int)enc);
}

void vt_lsh_decode(vt_lsh_enc enc, const uint8_t *in, uint32_t k, float *out) {
    switch (enc) {
    case VT_LSH_ENC_F32:
        for (uint32_t j = 0; j < k; j++) {
            uint32_t b = 0;
            for (int i = 0; i < 4; i++) b |= (uint32_t)in[4 * (size_t)j + i] << (8 * i);
            memcpy(&out[j], &b, 4);
        }
        return;
    case VT_LSH_ENC_F16:
        for (uint32_t j = 0; j < k; j++) {
            uint16_t h = (uint16_t)(in[2 * (size_t)j] | in[2 * (size_t)j + 1] << 8);
            vt_convert(VT_F16, &h, VT_F32, &out[j], 1);
        }
        return;
    case VT_LSH_ENC_INT8: {
        uint32_t b = 0;
        float scale;
        for (int i = 0; i < 4; i++) b |= (uint32_t)in[i] << (8 * i);
        memcpy(&scale, &b, 4);
        for (uint32_t j = 0; j < k; j++) out[j] = (float)(int8_t)in[4 + j] * scale;
        return;
    }
    case VT_LSH_ENC_SIGN:
        for (uint32_t j = 0; j < k; j++) out[j] = (in[j / 8] >> (j % 8)) & 1u ? -1.0f : 1.0f;
        return;
    }
}

/* Sixteen f32 partial sums (element j goes to sum j % 16), combined in f64 in a fixed order:
 * the result is the same on every machine, and the loop vectorises instead of being one long
 * dependency chain. f32 accumulation of at most 256 squares per lane keeps the relative error
 * near 1e-5 at k = 4096, far below any threshold's resolution. */
static double sumsq_diff(const float *a, const float *b, uint32_t k) {
    float s[16] = {0};
    uint32_t j = 0;
#if defined(__SSE2__)
    /* Four 4-lane accumulators hold exactly the sixteen sums of the portable loop below. */
    __m128 acc[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
    for (; j + 16 <= k; j += 16)
        for (int q = 0; q < 4; q++) {
            __m128 t = _mm_sub_ps(_mm_loadu_ps(a + j + 4 * q), _mm_loadu_ps(b + j + 4 * q));
            acc[q] = _mm_add_ps(acc[q], _mm_mul_ps(t, t));
        }
    for (int q = 0; q < 4; q++) _mm_storeu_ps(s + 4 * q, acc[q]);
#else
    for (; j + 16 <= k; j += 16)
        for (int l = 0; l < 16; l++) {
            float t = a[j + l] - b[j + l];
            s[l] += t * t;
        }
#endif
    for (int l = 0; j < k; j++, l++) {
        float t = a[j] - b[j];
        s[l] += t * t;
    }
    double r = 0;
    for (int l = 0; l < 16; l++) r += (double)s[l];
    return r;
}

double vt_lsh_l2(const float *a, const float *b, uint32_t k) { return sqrt(sumsq_diff(a, b, k)); }

double vt_lsh_l2_rel(const float *a, const float *b, uint32_t k) {
    double s = 0, nb = 0;
    for (uint32_t j = 0; j < k; j++) {
        double t = (double)a[j] - (double)b[j];
        s += t * t;
        nb += (double)b[j] * (double)b[j];
    }
    return nb > 0 ? sqrt(s / nb) : INFINITY;
}

double vt_lsh_cosine(const float *a, const float *b, uint32_t k) {
    double ab = 0, aa = 0, bb = 0;
    for (uint32_t j = 0; j < k; j++) {
        ab += (double)a[j] * (double)b[j];
        aa += (double)a[j] * (double)a[j];
        bb += (double)b[j] * (double)b[j];
    }
    if (aa == 0 || bb == 0) return 0;
    double c = ab / sqrt(aa * bb);
    return c > 1 ? 1 : c < -1 ? -1 : c;
}

uint32_t vt_lsh_hamming(const uint8_t *a, const uint8_t *b, uint32_t k) {
    uint32_t n = 0;
    size_t nb = ((size_t)k + 7) / 8, full = (size_t)k / 8;
    size_t i = 0;
    for (; i + 8 <= full; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        n += (uint32_t)__builtin_popcountll(x ^ y);
    }
    for (; i < nb; i++) {
        uint8_t m = (uint8_t)(a[i] ^ b[i]);
        if (i == nb - 1 && k % 8) m &= (uint8_t)((1u << (k % 8)) - 1); /* ignore padding bits */
        n += (uint32_t)__builtin_popcount(m);
    }
    return n;
}
