/* Bump-pointer arenas: parse trees and execution scratch are freed with one call, which keeps
 * cleanup after an error trivially correct. */
#include "veritor/base.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct vt_arena_block {
    vt_arena_block *next;
    size_t size, used;
    max_align_t data[];
};

/* Freed blocks of the two standard sizes (64 KiB scratch, 256 KiB modules) are kept, up to a
 * process-wide limit, and handed to the next arena that needs a block of that size. A transform
 * builds its whole result in arena blocks and frees them; given back to the kernel, the blocks'
 * pages were faulted in again on every run. Sanitizer builds start with no cache, so a use after
 * free of arena memory is caught; blocks a test caches there stay poisoned until reused. */
#if defined(__SANITIZE_ADDRESS__)
#define VT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VT_ASAN 1
#endif
#endif
#ifdef VT_ASAN
#include <sanitizer/asan_interface.h>
#define CACHE_DEFAULT 0
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define CACHE_DEFAULT ((size_t)16 << 20)
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static vt_arena_block *cache_small, *cache_large; /* blocks of 64 KiB / 256 KiB */
static size_t cache_bytes, cache_limit = CACHE_DEFAULT;

static vt_arena_block **cache_list(size_t size) {
    return size == (size_t)64 << 10 ? &cache_small : size == (size_t)256 << 10 ? &cache_large : NULL;
}

static vt_arena_block *cache_take(size_t size) {
    vt_arena_block **list = cache_list(size), *b = NULL;
    if (!list) return NULL;
    pthread_mutex_lock(&cache_mu);
    if ((b = *list)) {
        UNPOISON(b->data, size);
        *list = b->next;
        cache_bytes -= size;
    }
    pthread_mutex_unlock(&cache_mu);
    return b;
}

static void block_free(vt_arena_block *b) {
    vt_arena_block **list = cache_list(b->size);
    if (list) {
        pthread_mutex_lock(&cache_mu);
        bool keep = cache_bytes + b->size <= cache_limit;
        if (keep) {
            b->next = *list;
            *list = b;
            cache_bytes += b->size;
            POISON(b->data, b->size);
        }
        pthread_mutex_unlock(&cache_mu);
        if (keep) return;
    }
    free(b);
}

size_t vt_arena_cache_limit(size_t bytes) {
    vt_arena_block *drop = NULL;
    pthread_mutex_lock(&cache_mu);
    size_t old = cache_limit;
    cache_limit = bytes;
    vt_arena_block **lists[2] = {&cache_large, &cache_small};
    for (int i = 0; i < 2; i++)
        while (cache_bytes > cache_limit && *lists[i]) {
            vt_arena_block *b = *lists[i];
            *lists[i] = b->next;
            cache_bytes -= b->size;
            UNPOISON(b->data, b->size);
            b->next = drop;
            drop = b;
        }
    pthread_mutex_unlock(&cache_mu);
    while (drop) {
        vt_arena_block *n = drop->next;
        free(drop);
        drop = n;
    }
    return old;
}

size_t vt_arena_cache_bytes(void) {
    pthread_mutex_lock(&cache_mu);
    size_t n = cache_bytes;
    pthread_mutex_unlock(&cache_mu);
    return n;
}

void vt_arena_init(vt_arena *a, size_t limit) {
    memset(a, 0, sizeof *a);
    a->limit = limit;
}

void *vt_arena_alloc(vt_arena *a, size_t size, size_t align, vt_error *err) {
    if (align == 0) align = 1;
    if (align & (align - 1)) {
        vt_error_set(err, VT_EINTERNAL, "arena: alignment %zu is not a power of two", align);
        return NULL;
    }
    if (size == 0) size = 1;
    vt_arena_block *b = a->head;
    if (b) {
        uintptr_t base = (uintptr_t)b->data;
        size_t off = (b->used + align - 1) & ~(align - 1);
        size_t end;
        if (vt_add_size(off, size, &end) && end <= b->size) {
            size_t total;
            if (!vt_add_size(a->used, end - b->used, &total) || (a->limit && total > a->limit)) {
                vt_error_set(err, VT_ELIMIT, "memory limit of %zu bytes exceeded", a->limit);
                return NULL;
            }
            a->used = total;
            b->used = end;
            void *p = (void *)(base + off);
            memset(p, 0, size);
            return p;
        }
    }
    size_t need, block = a->block_size ? a->block_size : (size_t)64 << 10;
    if (!vt_add_size(size, align, &need)) {
        vt_error_set(err, VT_ELIMIT, "arena: allocation of %zu bytes overflows", size);
        return NULL;
    }
    if (need > block) block = need;
    size_t total;
    if (!vt_add_size(a->used, need, &total) || (a->limit && total > a->limit)) {
        vt_error_set(err, VT_ELIMIT, "memory limit of %zu bytes exceeded", a->limit);
        return NULL;
    }
    size_t bytes;
    if (!vt_add_size(sizeof(vt_arena_block), block, &bytes)) {
        vt_error_set(err, VT_ELIMIT, "arena: allocation of %zu bytes overflows", size);
        return NULL;
    }
    vt_arena_block *nb = cache_take(block);
    if (!nb) nb = malloc(bytes);
    if (!nb) {
        vt_error_set(err, VT_ENOMEM, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
    nb->size = block;
    nb->used = 0;
    nb->next = a->head;
    a->head = nb;
    a->reserved += bytes;
    uintptr_t base = (uintptr_t)nb->data;
    size_t off = ((base + align - 1) & ~(uintptr_t)(align - 1)) - base;
    nb->used = off + size;
    a->used += nb->used;
    void *p = (void *)(base + off);
    memset(p, 0, size);
    return p;
}

void *vt_arena_memdup(vt_arena *a, const void *p, size_t size, vt_error *err) {
    void *q = vt_arena_alloc(a, size, 1, err);
    if (q && size) memcpy(q, p, size);
    return q;
}

char *vt_arena_strndup(vt_arena *a, const char *s, size_t n, vt_error *err) {
    size_t bytes;
    if (!vt_add_size(n, 1, &bytes)) {
        vt_error_set(err, VT_ELIMIT, "string too long");
        return NULL;
    }
    char *q = vt_arena_alloc(a, bytes, 1, err);
    if (q) {
        memcpy(q, s, n);
        q[n] = 0;
    }
    return q;
}

void vt_arena_release(vt_arena *a) {
    vt_arena_block *b = a->head;
    while (b) {
        vt_arena_block *n = b->next;
        block_free(b);
        b = n;
    }
    a->head = NULL;
    a->used = a->reserved = 0;
}
