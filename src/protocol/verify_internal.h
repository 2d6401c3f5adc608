/* Private to the verify files: the per-worker cache's lookups (verify_cache.c). */
#ifndef VT_PROTOCOL_VERIFY_INTERNAL_H
#define VT_PROTOCOL_VERIFY_INTERNAL_H

#include "veritor/verify.h"

/* Borrowed pointers (the cache keeps ownership); NULL when absent or c is NULL. */
vt_module *vt_vcache_module(vt_verify_cache *c, const vt_hash256 *id);
vt_tensor *vt_vcache_tensor(vt_verify_cache *c, const vt_hash256 *id);
/* Takes ownership of m; false when c is NULL (the caller keeps m). */
bool vt_vcache_put_module(vt_verify_cache *c, const vt_hash256 *id, vt_module *m);
/* Retains t when it fits. */
void vt_vcache_put_tensor(vt_verify_cache *c, const vt_hash256 *id, vt_tensor *t);

#endif
