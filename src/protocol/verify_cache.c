/* The verifier's per-worker cache: parsed graphs and tensors of one immutable database, kept by
 * content id after their first (re-hashed) read, so that claims sharing weights or a graph pay
 * for them once. Tensors are evicted least recently used first (a hit moves to the back), graphs first in first out. */
#include "verify_internal.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_MODULES 64
#define CACHE_TENSORS 256

struct vt_verify_cache {
    struct {
        vt_hash256 id;
        vt_module *m;
    } mods[CACHE_MODULES];
    size_t nmods, next_mod;
    struct {
        vt_hash256 id;
        vt_tensor *t;
    } *ts;
    size_t nts, next_t;
    uint64_t bytes, max_bytes;
};

vt_verify_cache *vt_verify_cache_create(uint64_t max_bytes) {
    vt_verify_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->ts = calloc(CACHE_TENSORS, sizeof *c->ts);
    if (!c->ts) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes ? max_bytes : (uint64_t)256 << 20;
    return c;
}

void vt_verify_cache_destroy(vt_verify_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->nmods; i++) vt_module_free(c->mods[i].m);
    for (size_t i = 0; i < c->nts; i++) vt_tensor_release(c->ts[i].t);
    free(c->ts);
    free(c);
}

vt_module *vt_vcache_module(vt_verify_cache *c, const vt_hash256 *id) {
    for (size_t i = 0; c && i < c->nmods; i++)
        if (memcmp(c->mods[i].id.b, id->b, VT_SHA256_LEN) == 0) return c->mods[i].m;
    return NULL;
}

bool vt_vcache_put_module(vt_verify_cache *c, const vt_hash256 *id, vt_module *m) {
    if (!c) return false;
    size_t k;
    if (c->nmods < CACHE_MODULES) k = c->nmods++;
    else {
        k = c->next_mod;
        c->next_mod = (c->next_mod + 1) % CACHE_MODULES;
        vt_module_free(c->mods[k].m);
    }
    c->mods[k].id = *id;
    c->mods[k].m = m;
    return true;
}

vt_tensor *vt_vcache_tensor(vt_verify_cache *c, const vt_hash256 *id) {
    for (size_t i = c ? c->nts : 0; i-- > 0;) {
        if (memcmp(c->ts[i].id.b, id->b, VT_SHA256_LEN) != 0) continue;
        vt_hash256 k = c->ts[i].id;
        vt_tensor *t = c->ts[i].t;
        memmove(&c->ts[i], &c->ts[i + 1], (c->nts - 1 - i) * sizeof *c->ts);
        c->ts[c->nts - 1].id = k;
        c->ts[c->nts - 1].t = t;
        return t;
    }
    return NULL;
}

void vt_vcache_put_tensor(vt_verify_cache *c, const vt_hash256 *id, vt_tensor *t) {
    if (!c || t->nbytes > c->max_bytes / 4) return;
    while (c->nts && (c->bytes + t->nbytes > c->max_bytes || c->nts == CACHE_TENSORS)) {
        /* drop the oldest */
        c->bytes -= c->ts[0].t->nbytes;
        vt_tensor_release(c->ts[0].t);
        memmove(&c->ts[0], &c->ts[1], (c->nts - 1) * sizeof *c->ts);
        c->nts--;
    }
    c->ts[c->nts].id = *id;
    c->ts[c->nts].t = vt_tensor_retain(t);
    c->nts++;
    c->bytes += t->nbytes;
}
