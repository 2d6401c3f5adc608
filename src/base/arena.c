/* Bump-pointer arenas: parse trees and execution scratch are freed with one call, which keeps
 * cleanup after an error trivially correct. */
#include "veritor/base.h"

#include <stdlib.h>
#include <string.h>

struct vt_arena_block {
    vt_arena_block *next;
    size_t size, used;
    max_align_t data[];
};

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
    vt_arena_block *nb = malloc(bytes);
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
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used = a->reserved = 0;
}
