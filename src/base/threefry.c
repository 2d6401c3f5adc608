/* Threefry-2x32 with 20 rounds (Salmon et al., Random123), the counter-based block cipher that
 * JAX uses; every random number in veritor is derived from it so anyone can recompute it. */
#include "veritor/base.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t rotl32(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }

void vt_threefry2x32(vt_key key, uint32_t x0, uint32_t x1, uint32_t out[2]) {
    static const unsigned rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    uint32_t ks[3] = {key.k[0], key.k[1], 0x1BD11BDAu ^ key.k[0] ^ key.k[1]};
    x0 += ks[0];
    x1 += ks[1];
    for (unsigned i = 0; i < 20; i++) {
        x0 += x1;
        x1 = rotl32(x1, rot[i % 8]);
        x1 ^= x0;
        if (i % 4 == 3) {
            unsigned s = i / 4 + 1; /* key injection number 1..5 */
            x0 += ks[s % 3];
            x1 += ks[(s + 1) % 3] + s;
        }
    }
    out[0] = x0;
    out[1] = x1;
}

void vt_threefry2x32_array(vt_key key, const uint32_t *counts, size_t n, uint32_t *out) {
    /* JAX pads an odd-length count array with one zero, hashes pairs (c[i], c[i+h]) and drops
     * the padding from the concatenated output. */
    size_t h = (n + 1) / 2;
    for (size_t i = 0; i < h; i++) {
        uint32_t a = counts[i];
        uint32_t b = (i + h < n) ? counts[i + h] : 0;
        uint32_t o[2];
        vt_threefry2x32(key, a, b, o);
        out[i] = o[0];
        if (i + h < n) out[i + h] = o[1];
    }
}

vt_key vt_key_from_seed(uint64_t seed) {
    vt_key k = {{(uint32_t)(seed >> 32), (uint32_t)(seed & 0xffffffffu)}};
    return k;
}

static bool parse_hex32(const char *s, size_t n, uint32_t *out) {
    if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
    uint32_t v = 0;
    for (size_t i = 2; i < n; i++) {
        int c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

vt_status vt_key_parse(const char *text, vt_key *key, vt_error *err) {
    const char *colon = strchr(text, ':');
    if (colon) {
        uint32_t a, b;
        if (!parse_hex32(text, (size_t)(colon - text), &a) || !parse_hex32(colon + 1, strlen(colon + 1), &b))
            return vt_error_set(err, VT_EINPUT, "key '%s': expected 0xHHHHHHHH:0xHHHHHHHH or an integer seed", text);
        key->k[0] = a;
        key->k[1] = b;
        return VT_OK;
    }
    if (!*text || isspace((unsigned char)text[0]) || text[0] == '-' || text[0] == '+')
        return vt_error_set(err, VT_EINPUT, "key '%s': expected 0xHHHHHHHH:0xHHHHHHHH or a non-negative integer seed", text);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end)
        return vt_error_set(err, VT_EINPUT, "key '%s': expected 0xHHHHHHHH:0xHHHHHHHH or an integer seed below 2^64", text);
    *key = vt_key_from_seed((uint64_t)v);
    return VT_OK;
}

void vt_key_format(vt_key key, char out[22]) { snprintf(out, 22, "0x%08x:0x%08x", key.k[0], key.k[1]); }

void vt_key_split_original(vt_key key, size_t num, vt_key *out) {
    /* jax: counts = iota(uint32, 2*num); bits = threefry_2x32(key, counts); reshape (num, 2).
     * Block i hashes (i, i + num); its two lanes are flat words i and i + num. */
    for (size_t i = 0; i < num; i++) {
        uint32_t o[2];
        vt_threefry2x32(key, (uint32_t)i, (uint32_t)(i + num), o);
        out[i / 2].k[i % 2] = o[0];
        out[(i + num) / 2].k[(i + num) % 2] = o[1];
    }
}
