/* JAX-compatible random streams in the current default Threefry mode
 * (jax_threefry_partitionable=True): split, fold_in, bits, uniform, normal, and the 53-bit
 * uniform the sampler uses. The algebra and the golden vectors are in docs/randomness.md. */
#include "veritor/protocol.h"

#include <math.h>
#include <string.h>

/* Element i of every stream hashes the 64-bit counter i as the pair (hi32(i), lo32(i)): this is
 * JAX's iota_2x32_shape for a flat shape. */
/* The same cipher as vt_threefry2x32 (src/base/threefry.c), unrolled with constant rotations
 * so that streams run several times faster; the tests compare the two. */
#define TF_ROUND(r) \
    do {            \
        x0 += x1;   \
        x1 = (x1 << (r)) | (x1 >> (32 - (r))); \
        x1 ^= x0;   \
    } while (0)
#define TF_FOUR(a, b, c, d) \
    do {                    \
        TF_ROUND(a);        \
        TF_ROUND(b);        \
        TF_ROUND(c);        \
        TF_ROUND(d);        \
    } while (0)

static inline void block_at(vt_key key, uint64_t i, uint32_t o[2]) {
    const uint32_t k0 = key.k[0], k1 = key.k[1], k2 = 0x1BD11BDAu ^ k0 ^ k1;
    uint32_t x0 = (uint32_t)(i >> 32) + k0, x1 = (uint32_t)i + k1;
    TF_FOUR(13, 15, 26, 6);
    x0 += k1;
    x1 += k2 + 1;
    TF_FOUR(17, 29, 16, 24);
    x0 += k2;
    x1 += k0 + 2;
    TF_FOUR(13, 15, 26, 6);
    x0 += k0;
    x1 += k1 + 3;
    TF_FOUR(17, 29, 16, 24);
    x0 += k1;
    x1 += k2 + 4;
    TF_FOUR(13, 15, 26, 6);
    x0 += k2;
    x1 += k0 + 5;
    o[0] = x0;
    o[1] = x1;
}

void vt_rand_split(vt_key key, size_t n, vt_key *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, (uint64_t)i, o);
        out[i].k[0] = o[0];
        out[i].k[1] = o[1];
    }
}

vt_key vt_rand_fold_in(vt_key key, uint32_t data) {
    /* threefry_2x32(key, threefry_seed(data)) with threefry_seed(u32) = [0, data]: an even
     * count array of two words is one block (0, data). Same in both JAX modes. */
    uint32_t o[2];
    block_at(key, data, o);
    vt_key k = {{o[0], o[1]}};
    return k;
}

void vt_rand_bits32(vt_key key, uint64_t offset, size_t n, uint32_t *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        out[i] = o[0] ^ o[1];
    }
}

void vt_rand_bits16(vt_key key, uint64_t offset, size_t n, uint16_t *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        out[i] = (uint16_t)(o[0] ^ o[1]);
    }
}

void vt_rand_bits8(vt_key key, uint64_t offset, size_t n, uint8_t *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        out[i] = (uint8_t)(o[0] ^ o[1]);
    }
}

void vt_rand_bits64(vt_key key, uint64_t offset, size_t n, uint64_t *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        out[i] = (uint64_t)o[0] << 32 | o[1];
    }
}

static inline float f32_from_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

float vt_rand_bits_to_uniform_f32(uint32_t bits, float minval, float maxval) {
    /* Every step is one f32 operation, as in the graph JAX emits; volatile-free because
     * -ffp-contract=off keeps multiply and add separate. */
    float one_two = f32_from_bits(bits >> 9 | 0x3F800000u);
    float u = one_two - 1.0f;
    float span = maxval - minval;
    float v = u * span + minval;
    return v > minval ? v : minval; /* lax.max(minval, v) */
}

void vt_rand_uniform_f32(vt_key key, uint64_t offset, size_t n, float minval, float maxval, float *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        out[i] = vt_rand_bits_to_uniform_f32(o[0] ^ o[1], minval, maxval);
    }
}

float vt_erfinv_f32(float x) {
    /* XLA ErfInv32 (M. Giles, "Approximating the erfinv function"): a degree-8 polynomial in
     * w - 2.5 or sqrt(w) - 3 with w = -log1p(-x^2). Evaluated in f32 in XLA's order. */
    static const float lt5[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                                 -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                                 -0.00417768164f,  0.246640727f,    1.50140941f};
    static const float ge5[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f,
                                 -0.00367342844f,  0.00573950773f,  -0.0076224613f,
                                 0.00943887047f,   1.00167406f,     2.83297682f};
    if (fabsf(x) == 1.0f) return x * INFINITY; /* XLA: x * MaxValue(f32), which is +inf */
    float xx = x * x;
    float w = -log1pf(-xx);
    const float *c;
    if (w < 5.0f) {
        w = w - 2.5f;
        c = lt5;
    } else {
        w = sqrtf(w) - 3.0f;
        c = ge5;
    }
    float p = c[0];
    for (int i = 1; i < 9; i++) p = c[i] + p * w;
    return p * x;
}

void vt_rand_normal_f32(vt_key key, uint64_t offset, size_t n, float *out) {
    const float lo = nextafterf(-1.0f, 0.0f);
    const float sqrt2 = (float)1.4142135623730951; /* np.array(np.sqrt(2), f32) */
    for (size_t i = 0; i < n; i++) {
        uint32_t o[2];
        block_at(key, offset + i, o);
        float u = vt_rand_bits_to_uniform_f32(o[0] ^ o[1], lo, 1.0f);
        out[i] = sqrt2 * vt_erfinv_f32(u);
    }
}

double vt_rand_uniform53(vt_key key) {
    uint64_t b;
    vt_rand_bits64(key, 0, 1, &b);
    return (double)(b >> 11) * 0x1p-53;
}
