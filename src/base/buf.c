/* Growable byte buffer for printers and writers; a failed allocation sticks so callers can
 * check once at the end. */
#include "veritor/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vt_buf_init(vt_buf *b) { memset(b, 0, sizeof *b); }

void vt_buf_free(vt_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(vt_buf *b, size_t extra) {
    if (b->failed) return false;
    size_t need;
    if (!vt_add_size(b->len, extra, &need) || !vt_add_size(need, 1, &need)) {
        b->failed = true;
        return false;
    }
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) { cap = need; break; }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool vt_buf_append(vt_buf *b, const void *p, size_t n) {
    if (!reserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

bool vt_buf_puts(vt_buf *b, const char *s) { return vt_buf_append(b, s, strlen(s)); }

bool vt_buf_printf(vt_buf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return false;
    }
    if ((size_t)n < sizeof small) return vt_buf_append(b, small, (size_t)n);
    if (!reserve(b, (size_t)n)) return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

const char *vt_buf_cstr(vt_buf *b) { return b->data ? b->data : ""; }
