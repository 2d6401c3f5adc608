/* SHA-256 through OpenSSL's libcrypto (uses SHA-NI where the CPU has it). */
#include "veritor/base.h"

#include <openssl/evp.h>
#include <stdlib.h>

struct vt_sha256_ctx {
    EVP_MD_CTX *md;
};

vt_sha256_ctx *vt_sha256_new(void) {
    vt_sha256_ctx *c = malloc(sizeof *c);
    if (!c) return NULL;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        free(c);
        return NULL;
    }
    return c;
}

void vt_sha256_update(vt_sha256_ctx *c, const void *data, size_t n) {
    if (n) EVP_DigestUpdate(c->md, data, n);
}

void vt_sha256_final(vt_sha256_ctx *c, uint8_t out[VT_SHA256_LEN]) {
    unsigned len = 0;
    EVP_DigestFinal_ex(c->md, out, &len);
    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
}

void vt_sha256_free(vt_sha256_ctx *c) {
    if (!c) return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

void vt_sha256(const void *data, size_t n, uint8_t out[VT_SHA256_LEN]) {
    unsigned len = 0;
    EVP_Digest(n ? data : "", n, out, &len, EVP_sha256(), NULL);
}

vt_hash_hex vt_hash_to_hex(const uint8_t h[VT_SHA256_LEN]) {
    vt_hash_hex r;
    vt_hex_encode(h, VT_SHA256_LEN, r.s);
    return r;
}
