/* The documented derivation tree of protocol keys: root (claim or session) -> purpose ->
 * index ..., each step one jax.random.fold_in, so any party recomputes any key from the root
 * (docs/randomness.md). Nothing depends on process state, threads or platform. */
#include "veritor/protocol.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

vt_key vt_key_from_digest(const uint8_t digest[VT_SHA256_LEN]) {
    vt_key k;
    for (int w = 0; w < 2; w++)
        k.k[w] = (uint32_t)digest[4 * w] << 24 | (uint32_t)digest[4 * w + 1] << 16 |
                 (uint32_t)digest[4 * w + 2] << 8 | (uint32_t)digest[4 * w + 3];
    return k;
}

vt_key vt_key_from_label(const char *label) {
    uint8_t h[VT_SHA256_LEN];
    vt_sha256(label, strlen(label), h);
    return vt_key_from_digest(h);
}

vt_key vt_key_derive(vt_key root, const uint32_t *path, size_t n) {
    for (size_t i = 0; i < n; i++) root = vt_rand_fold_in(root, path[i]);
    return root;
}

vt_key vt_key_lsh(vt_key root, uint32_t layer) {
    uint32_t path[2] = {VT_PURPOSE_LSH, layer};
    return vt_key_derive(root, path, 2);
}

/* 64-bit indices take two fold_in steps (high word first) because fold_in takes 32 bits. */
vt_key vt_key_grad(vt_key root, uint64_t step) {
    uint32_t path[3] = {VT_PURPOSE_GRAD, (uint32_t)(step >> 32), (uint32_t)step};
    return vt_key_derive(root, path, 3);
}

vt_key vt_key_sample(vt_key request, uint64_t position) {
    uint32_t path[3] = {VT_PURPOSE_SAMPLE, (uint32_t)(position >> 32), (uint32_t)position};
    return vt_key_derive(request, path, 3);
}

static const struct {
    const char *name;
    uint32_t code;
} purposes[] = {{"lsh", VT_PURPOSE_LSH},       {"grad", VT_PURPOSE_GRAD},   {"sample", VT_PURPOSE_SAMPLE},
                {"challenge", VT_PURPOSE_CHALLENGE}, {"spot", VT_PURPOSE_SPOT}, {"noise", VT_PURPOSE_NOISE}};

vt_status vt_purpose_parse(const char *text, uint32_t *out, vt_error *err) {
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++)
        if (strcmp(text, purposes[i].name) == 0) {
            *out = purposes[i].code;
            return VT_OK;
        }
    size_t n = strlen(text);
    if (n == 4 && isupper((unsigned char)text[0])) {
        for (size_t i = 0; i < 4; i++)
            if (!isprint((unsigned char)text[i]))
                return vt_error_set(err, VT_EINPUT, "purpose '%s': not a printable four-character code", text);
        *out = VT_FOURCC(text[0], text[1], text[2], text[3]);
        return VT_OK;
    }
    if (n > 0 && isdigit((unsigned char)text[0])) {
        errno = 0;
        char *end;
        unsigned long long v = strtoull(text, &end, 0);
        if (!errno && !*end && v <= 0xffffffffull) {
            *out = (uint32_t)v;
            return VT_OK;
        }
    }
    return vt_error_set(err, VT_EINPUT,
                        "purpose '%s': expected lsh, grad, sample, challenge, spot, noise, a four-letter code or a uint32",
                        text);
}
