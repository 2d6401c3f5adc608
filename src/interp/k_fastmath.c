/* Loops of the f32 exp / tanh / logistic kernels (k_fastmath.h): SSE2, AVX2 and AVX-512 code
 * that performs exactly the operations of the scalar inline functions, 2, 4 or 8 elements at a
 * time (the compiler does not vectorise the scalar form: its clamps are comparisons it may not
 * speculate). Every path gives every element the same bits. */
#include "interp/k_fastmath.h"

#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128d load2(const float *x) { return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)x))); }
static inline void store2(float *o, __m128d v) { _mm_storel_epi64((__m128i *)o, _mm_castps_si128(_mm_cvtpd_ps(v))); }

/* vt_fm_expm1_parts on two lanes. */
static inline __m128d expm1_parts2(__m128d x, __m128d *scale) {
    const __m128d shifter = _mm_set1_pd(0x1.8p52);
    __m128d t = _mm_add_pd(_mm_mul_pd(x, _mm_set1_pd(1.4426950408889634)), shifter);
    __m128d kd = _mm_sub_pd(t, shifter);
    __m128d r = _mm_sub_pd(_mm_sub_pd(x, _mm_mul_pd(kd, _mm_set1_pd(6.93147180369123816490e-01))),
                           _mm_mul_pd(kd, _mm_set1_pd(1.90821492927058770002e-10)));
    __m128i k = _mm_sub_epi64(_mm_castpd_si128(t), _mm_set1_epi64x(0x4338000000000000LL));
    *scale = _mm_castsi128_pd(_mm_slli_epi64(_mm_add_epi64(k, _mm_set1_epi64x(1023)), 52));
    __m128d p = _mm_set1_pd(1.0 / 6227020800.0);
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 479001600.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 39916800.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 3628800.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 362880.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 40320.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 5040.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 720.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 120.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 24.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(1.0 / 6.0));
    p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(0.5));
    return _mm_add_pd(r, _mm_mul_pd(_mm_mul_pd(r, r), p));
}

static inline __m128d blend(__m128d mask, __m128d a, __m128d b) { /* mask ? a : b */
    return _mm_or_pd(_mm_and_pd(mask, a), _mm_andnot_pd(mask, b));
}

static inline __m128d exp2_(__m128d x) {
    __m128d xc = _mm_min_pd(_mm_max_pd(x, _mm_set1_pd(-104.5)), _mm_set1_pd(89.5));
    __m128d s, q = expm1_parts2(xc, &s);
    __m128d e = _mm_add_pd(_mm_mul_pd(s, q), s);
    return blend(_mm_cmpunord_pd(x, x), _mm_add_pd(x, x), e);
}

static inline __m128d tanh2(__m128d x) {
    const __m128d sign = _mm_set1_pd(-0.0);
    __m128d a = _mm_andnot_pd(sign, x);
    __m128d ac = _mm_min_pd(a, _mm_set1_pd(10.0));
    __m128d s, q = expm1_parts2(_mm_add_pd(ac, ac), &s);
    __m128d e = _mm_add_pd(_mm_mul_pd(s, q), _mm_sub_pd(s, _mm_set1_pd(1.0)));
    __m128d t = _mm_div_pd(e, _mm_add_pd(e, _mm_set1_pd(2.0)));
    __m128d res = _mm_or_pd(t, _mm_and_pd(sign, x)); /* t >= 0: negating is setting the sign */
    __m128d keep = _mm_or_pd(_mm_cmpunord_pd(x, x), _mm_cmpeq_pd(x, _mm_setzero_pd()));
    return blend(keep, _mm_add_pd(x, x), res);
}

static inline __m128d logistic2(__m128d x) {
    __m128d y = _mm_xor_pd(x, _mm_set1_pd(-0.0));
    __m128d yc = _mm_min_pd(_mm_max_pd(y, _mm_set1_pd(-40.0)), _mm_set1_pd(105.0));
    __m128d s, q = expm1_parts2(yc, &s);
    __m128d e = _mm_add_pd(_mm_mul_pd(s, q), s);
    __m128d res = _mm_div_pd(_mm_set1_pd(1.0), _mm_add_pd(_mm_set1_pd(1.0), e));
    return blend(_mm_cmpunord_pd(x, x), _mm_xor_pd(_mm_add_pd(x, x), _mm_set1_pd(-0.0)), res);
}

#if defined(__GNUC__) && defined(__x86_64__)
/* The same operations four lanes at a time on AVX2 (no FMA: target("avx2") does not enable it,
 * and -ffp-contract=off forbids contraction anyway), chosen at run time by cpuid. */
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
AVX2 static inline __m256d expm1_parts4(__m256d x, __m256d *scale) {
    const __m256d shifter = _mm256_set1_pd(0x1.8p52);
    __m256d t = _mm256_add_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634)), shifter);
    __m256d kd = _mm256_sub_pd(t, shifter);
    __m256d r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(kd, _mm256_set1_pd(6.93147180369123816490e-01))),
                              _mm256_mul_pd(kd, _mm256_set1_pd(1.90821492927058770002e-10)));
    __m256i k = _mm256_sub_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(0x4338000000000000LL));
    *scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(k, _mm256_set1_epi64x(1023)), 52));
    __m256d p = _mm256_set1_pd(1.0 / 6227020800.0);
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 479001600.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 39916800.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 3628800.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 362880.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 40320.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 5040.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 720.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 120.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 24.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0 / 6.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.5));
    return _mm256_add_pd(r, _mm256_mul_pd(_mm256_mul_pd(r, r), p));
}
AVX2 static inline __m256d exp4(__m256d x) {
    __m256d xc = _mm256_min_pd(_mm256_max_pd(x, _mm256_set1_pd(-104.5)), _mm256_set1_pd(89.5));
    __m256d s, q = expm1_parts4(xc, &s);
    __m256d e = _mm256_add_pd(_mm256_mul_pd(s, q), s);
    return _mm256_blendv_pd(e, _mm256_add_pd(x, x), _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}
AVX2 static inline __m256d tanh4(__m256d x) {
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d a = _mm256_andnot_pd(sign, x);
    __m256d ac = _mm256_min_pd(a, _mm256_set1_pd(10.0));
    __m256d s, q = expm1_parts4(_mm256_add_pd(ac, ac), &s);
    __m256d e = _mm256_add_pd(_mm256_mul_pd(s, q), _mm256_sub_pd(s, _mm256_set1_pd(1.0)));
    __m256d t = _mm256_div_pd(e, _mm256_add_pd(e, _mm256_set1_pd(2.0)));
    __m256d res = _mm256_or_pd(t, _mm256_and_pd(sign, x));
    __m256d keep = _mm256_or_pd(_mm256_cmp_pd(x, x, _CMP_UNORD_Q), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
    return _mm256_blendv_pd(res, _mm256_add_pd(x, x), keep);
}
AVX2 static inline __m256d logistic4(__m256d x) {
    __m256d y = _mm256_xor_pd(x, _mm256_set1_pd(-0.0));
    __m256d yc = _mm256_min_pd(_mm256_max_pd(y, _mm256_set1_pd(-40.0)), _mm256_set1_pd(105.0));
    __m256d s, q = expm1_parts4(yc, &s);
    __m256d e = _mm256_add_pd(_mm256_mul_pd(s, q), s);
    __m256d res = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_add_pd(_mm256_set1_pd(1.0), e));
    __m256d nan = _mm256_xor_pd(_mm256_add_pd(x, x), _mm256_set1_pd(-0.0));
    return _mm256_blendv_pd(res, nan, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}
#define AVX2_LOOP(NAME, V4)                                                                       \
    AVX2 static size_t NAME##_avx2(const float *x, float *out, size_t n) {                        \
        size_t i = 0;                                                                             \
        for (; i + 4 <= n; i += 4) _mm_storeu_ps(out + i, _mm256_cvtpd_ps(V4(_mm256_cvtps_pd(_mm_loadu_ps(x + i))))); \
        return i;                                                                                 \
    }
AVX2_LOOP(exp, exp4)
AVX2_LOOP(tanh, tanh4)
AVX2_LOOP(logistic, logistic4)
/* AVX-512F: eight lanes; bit operations through the integer forms (and_pd needs AVX512DQ). */
#define AVX512 __attribute__((target("avx512f")))
#define I(v) _mm512_castpd_si512(v)
#define D(v) _mm512_castsi512_pd(v)
AVX512 static inline __m512d expm1_parts8(__m512d x, __m512d *scale) {
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    __m512d t = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), shifter);
    __m512d kd = _mm512_sub_pd(t, shifter);
    __m512d r = _mm512_sub_pd(_mm512_sub_pd(x, _mm512_mul_pd(kd, _mm512_set1_pd(6.93147180369123816490e-01))),
                              _mm512_mul_pd(kd, _mm512_set1_pd(1.90821492927058770002e-10)));
    __m512i k = _mm512_sub_epi64(I(t), _mm512_set1_epi64(0x4338000000000000LL));
    *scale = D(_mm512_slli_epi64(_mm512_add_epi64(k, _mm512_set1_epi64(1023)), 52));
    __m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 479001600.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 39916800.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 3628800.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 362880.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 40320.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 5040.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 720.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 120.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 24.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(1.0 / 6.0));
    p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(0.5));
    return _mm512_add_pd(r, _mm512_mul_pd(_mm512_mul_pd(r, r), p));
}
AVX512 static inline __m512d exp8(__m512d x) {
    __m512d xc = _mm512_min_pd(_mm512_max_pd(x, _mm512_set1_pd(-104.5)), _mm512_set1_pd(89.5));
    __m512d s, q = expm1_parts8(xc, &s);
    __m512d e = _mm512_add_pd(_mm512_mul_pd(s, q), s);
    return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), e, _mm512_add_pd(x, x));
}
AVX512 static inline __m512d tanh8(__m512d x) {
    const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ULL);
    __m512d a = D(_mm512_andnot_si512(sign, I(x)));
    __m512d ac = _mm512_min_pd(a, _mm512_set1_pd(10.0));
    __m512d s, q = expm1_parts8(_mm512_add_pd(ac, ac), &s);
    __m512d e = _mm512_add_pd(_mm512_mul_pd(s, q), _mm512_sub_pd(s, _mm512_set1_pd(1.0)));
    __m512d t = _mm512_div_pd(e, _mm512_add_pd(e, _mm512_set1_pd(2.0)));
    __m512d res = D(_mm512_or_si512(I(t), _mm512_and_si512(sign, I(x))));
    __mmask8 keep = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ);
    return _mm512_mask_blend_pd(keep, res, _mm512_add_pd(x, x));
}
AVX512 static inline __m512d logistic8(__m512d x) {
    const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ULL);
    __m512d y = D(_mm512_xor_si512(I(x), sign));
    __m512d yc = _mm512_min_pd(_mm512_max_pd(y, _mm512_set1_pd(-40.0)), _mm512_set1_pd(105.0));
    __m512d s, q = expm1_parts8(yc, &s);
    __m512d e = _mm512_add_pd(_mm512_mul_pd(s, q), s);
    __m512d res = _mm512_div_pd(_mm512_set1_pd(1.0), _mm512_add_pd(_mm512_set1_pd(1.0), e));
    __m512d nan = D(_mm512_xor_si512(I(_mm512_add_pd(x, x)), sign));
    return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), res, nan);
}
#undef I
#undef D
#define AVX512_LOOP(NAME, V8)                                                                     \
    AVX512 static size_t NAME##_avx512(const float *x, float *out, size_t n) {                    \
        size_t i = 0;                                                                             \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm512_cvtpd_ps(V8(_mm512_cvtps_pd(_mm256_loadu_ps(x + i))))); \
        return i;                                                                                 \
    }
AVX512_LOOP(exp, exp8)
AVX512_LOOP(tanh, tanh8)
AVX512_LOOP(logistic, logistic8)
#endif /* AVX2 / AVX-512 */
#endif /* __SSE2__ */

typedef size_t (*vec_fn)(const float *, float *, size_t);

/* The widest path this CPU runs (levels as vt_fm_f32_n). */
static int best_level(void) {
#if defined(__SSE2__) && defined(__GNUC__) && defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return 3;
    if (__builtin_cpu_supports("avx2")) return 2;
#endif
#if defined(__SSE2__)
    return 1;
#else
    return 0;
#endif
}

#if defined(__SSE2__)
#define SSE2_LOOP(NAME, V2)                                                                       \
    static size_t NAME##_sse2(const float *x, float *out, size_t n) {                             \
        size_t i = 0;                                                                             \
        for (; i + 2 <= n; i += 2) store2(out + i, V2(load2(x + i)));                             \
        return i;                                                                                 \
    }
SSE2_LOOP(exp, exp2_)
SSE2_LOOP(tanh, tanh2)
SSE2_LOOP(logistic, logistic2)
#endif

int vt_fm_f32_n(int fn, int level, const float *x, float *out, size_t n) {
    if (fn < 0 || fn > 2) return 0;
    int best = best_level();
    if (level < 0 || level > best) level = best;
    static const vec_fn table[4][3] = {
        {NULL, NULL, NULL},
#if defined(__SSE2__)
        {exp_sse2, tanh_sse2, logistic_sse2},
#else
        {NULL, NULL, NULL},
#endif
#if defined(__SSE2__) && defined(__GNUC__) && defined(__x86_64__)
        {exp_avx2, tanh_avx2, logistic_avx2},
        {exp_avx512, tanh_avx512, logistic_avx512},
#else
        {NULL, NULL, NULL},
        {NULL, NULL, NULL},
#endif
    };
    size_t i = 0;
    /* the widest path first, then narrower ones for the tail, then scalar code */
    for (int l = level; l >= 1; l--)
        if (table[l][fn]) i += table[l][fn](x + i, out + i, n - i);
    for (; i < n; i++) {
        double v = x[i];
        out[i] = (float)(fn == 0 ? vt_fm_exp_f32(v) : fn == 1 ? vt_fm_tanh_f32(v) : vt_fm_logistic_f32(v));
    }
    return level;
}

void vt_fm_exp_f32_n(const float *x, float *out, size_t n) { vt_fm_f32_n(0, 3, x, out, n); }
void vt_fm_tanh_f32_n(const float *x, float *out, size_t n) { vt_fm_f32_n(1, 3, x, out, n); }
void vt_fm_logistic_f32_n(const float *x, float *out, size_t n) { vt_fm_f32_n(2, 3, x, out, n); }
