/* RFC 8785 (JSON Canonicalization Scheme): the byte form that claim and bundle ids hash, so any
 * party in any language derives the same id from the same fields. */
#include "store/store_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Next code point of valid UTF-8 (jansson only hands out valid UTF-8). */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end) {
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (s + n > end) n = (int)(end - s);
    if (n == 2) c = (c & 0x1F) << 6 | (s[1] & 0x3F);
    else if (n == 3) c = (c & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    else if (n == 4) c = (c & 0x07) << 18 | (s[1] & 0x3F) << 12 | (s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    *p = s + n;
    return c;
}

/* RFC 8785 sorts keys by their UTF-16 code units, which differs from code point order for
 * characters above U+FFFF against U+E000..U+FFFF. */
static int utf16_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    const unsigned char *pa = (const unsigned char *)a, *ea = pa + alen;
    const unsigned char *pb = (const unsigned char *)b, *eb = pb + blen;
    uint32_t qa = 0, qb = 0; /* pending low surrogates */
    while ((qa || pa < ea) && (qb || pb < eb)) {
        uint32_t ua, ub;
        if (qa) { ua = qa; qa = 0; }
        else {
            uint32_t c = utf8_next(&pa, ea);
            if (c >= 0x10000) { ua = 0xD800 + ((c - 0x10000) >> 10); qa = 0xDC00 + ((c - 0x10000) & 0x3FF); }
            else ua = c;
        }
        if (qb) { ub = qb; qb = 0; }
        else {
            uint32_t c = utf8_next(&pb, eb);
            if (c >= 0x10000) { ub = 0xD800 + ((c - 0x10000) >> 10); qb = 0xDC00 + ((c - 0x10000) & 0x3FF); }
            else ub = c;
        }
        if (ua != ub) return ua < ub ? -1 : 1;
    }
    bool ra = qa || pa < ea, rb = qb || pb < eb;
    return ra == rb ? 0 : ra ? 1 : -1;
}

static void put_string(vt_buf *out, const char *s, size_t n) {
    vt_buf_puts(out, "\"");
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\b') esc = "\\b";
        else if (c == '\f') esc = "\\f";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        }
        if (esc) {
            vt_buf_append(out, s + start, i - start);
            vt_buf_puts(out, esc);
            start = i + 1;
        }
    }
    vt_buf_append(out, s + start, n - start);
    vt_buf_puts(out, "\"");
}

/* ECMAScript Number.prototype.toString: the shortest digits that round-trip, laid out by the
 * ES rules (RFC 8785 section 3.2.2.3). */
static void put_double(vt_buf *out, double x) {
    if (x == 0) {
        vt_buf_puts(out, "0");
        return;
    }
    if (x < 0) {
        vt_buf_puts(out, "-");
        x = -x;
    }
    char tmp[40];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    char digits[20];
    int k = 0;
    const char *q = tmp;
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9') digits[k++] = *q;
    while (k > 1 && digits[k - 1] == '0') k--;
    digits[k] = 0;
    int n = atoi(q + 1) + 1;
    if (k <= n && n <= 21) {
        vt_buf_append(out, digits, (size_t)k);
        for (int i = 0; i < n - k; i++) vt_buf_puts(out, "0");
    } else if (0 < n && n <= 21) {
        vt_buf_append(out, digits, (size_t)n);
        vt_buf_puts(out, ".");
        vt_buf_append(out, digits + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {
        vt_buf_puts(out, "0.");
        for (int i = 0; i < -n; i++) vt_buf_puts(out, "0");
        vt_buf_append(out, digits, (size_t)k);
    } else {
        vt_buf_append(out, digits, 1);
        if (k > 1) {
            vt_buf_puts(out, ".");
            vt_buf_append(out, digits + 1, (size_t)(k - 1));
        }
        vt_buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
}

typedef struct key_ref {
    const char *key;
    size_t len;
    json_t *value;
} key_ref;

static int key_cmp(const void *a, const void *b) {
    const key_ref *x = a, *y = b;
    return utf16_cmp(x->key, x->len, y->key, y->len);
}

static vt_status put_value(const json_t *j, vt_buf *out, int depth, vt_error *err) {
    if (depth > 256) return vt_error_set(err, VT_ELIMIT, "canonical JSON: nesting deeper than 256");
    switch (json_typeof(j)) {
    case JSON_NULL: vt_buf_puts(out, "null"); break;
    case JSON_TRUE: vt_buf_puts(out, "true"); break;
    case JSON_FALSE: vt_buf_puts(out, "false"); break;
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        /* RFC 8785 numbers are IEEE doubles: larger integers would not survive a round trip. */
        if (v > (json_int_t)9007199254740992LL || v < -(json_int_t)9007199254740992LL)
            return vt_error_set(err, VT_EINPUT,
                                "canonical JSON: integer %lld is beyond 2^53 (write it as a string)", (long long)v);
        vt_buf_printf(out, "%lld", (long long)v);
        break;
    }
    case JSON_REAL: {
        double d = json_real_value(j);
        if (!isfinite(d)) return vt_error_set(err, VT_EINPUT, "canonical JSON: non-finite number");
        put_double(out, d);
        break;
    }
    case JSON_STRING: put_string(out, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY: {
        vt_buf_puts(out, "[");
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i) vt_buf_puts(out, ",");
            vt_status st = put_value(json_array_get(j, i), out, depth + 1, err);
            if (st) return st;
        }
        vt_buf_puts(out, "]");
        break;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        key_ref *keys = malloc((n ? n : 1) * sizeof *keys);
        if (!keys) return vt_error_set(err, VT_ENOMEM, "canonical JSON: out of memory");
        size_t i = 0;
        const char *k;
        json_t *v;
        void *it = json_object_iter((json_t *)j);
        while (it && i < n) {
            k = json_object_iter_key(it);
            v = json_object_iter_value(it);
            keys[i].key = k;
            keys[i].len = strlen(k);
            keys[i].value = v;
            i++;
            it = json_object_iter_next((json_t *)j, it);
        }
        qsort(keys, i, sizeof *keys, key_cmp);
        vt_buf_puts(out, "{");
        vt_status st = VT_OK;
        for (size_t m = 0; m < i && !st; m++) {
            if (m) vt_buf_puts(out, ",");
            put_string(out, keys[m].key, keys[m].len);
            vt_buf_puts(out, ":");
            st = put_value(keys[m].value, out, depth + 1, err);
        }
        free(keys);
        if (st) return st;
        vt_buf_puts(out, "}");
        break;
    }
    }
    return VT_OK;
}

vt_status vt_canonical_json(const json_t *j, vt_buf *out, vt_error *err) {
    if (!j) return vt_error_set(err, VT_EINPUT, "canonical JSON: no value");
    vt_status st = put_value(j, out, 0, err);
    if (!st && out->failed) st = vt_error_set(err, VT_ENOMEM, "canonical JSON: out of memory");
    return st;
}

vt_status vt_json_object_arg(const char *text, const char *what, json_t **out, vt_error *err) {
    *out = NULL;
    if (!text || !*text) {
        *out = json_object();
        return *out ? VT_OK : vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
    }
    json_t *j = vt_json_parse(text, strlen(text), what, err);
    if (!j) return err ? err->code : VT_EINPUT;
    if (!json_is_object(j)) {
        json_decref(j);
        return vt_error_set(err, VT_EINPUT, "%s: must be a JSON object", what);
    }
    *out = j;
    return VT_OK;
}
