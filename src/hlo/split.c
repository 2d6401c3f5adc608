/* `// -----` splitting of multi-program files (the interpret suite's convention): parts point
 * into the caller's text and remember their first line for messages. */
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

/* A marker is a line holding only "// -----" (surrounding blanks allowed). */
static bool is_marker(const char *s, const char *e) {
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    return (size_t)(e - s) == 8 && memcmp(s, "// -----", 8) == 0;
}

vt_status vt_split_parts(const char *text, size_t len, vt_text_part **parts, size_t *nparts, vt_error *err) {
    *parts = NULL;
    *nparts = 0;
    size_t cap = 8, n = 0;
    vt_text_part *v = malloc(cap * sizeof *v);
    if (!v) return vt_error_set(err, VT_ENOMEM, "out of memory splitting input");
    const char *s = text, *e = text + len, *part = text;
    uint32_t line = 1, part_line = 1;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        const char *le = nl ? nl : e;
        if (is_marker(s, le)) {
            if (n == cap) {
                vt_text_part *nv = realloc(v, 2 * cap * sizeof *nv);
                if (!nv) {
                    free(v);
                    return vt_error_set(err, VT_ENOMEM, "out of memory splitting input");
                }
                v = nv;
                cap *= 2;
            }
            v[n++] = (vt_text_part){part, (size_t)(s - part), part_line};
            part = nl ? nl + 1 : e;
            part_line = line + 1;
        }
        s = nl ? nl + 1 : e;
        line++;
    }
    if (n == cap) {
        vt_text_part *nv = realloc(v, (cap + 1) * sizeof *nv);
        if (!nv) {
            free(v);
            return vt_error_set(err, VT_ENOMEM, "out of memory splitting input");
        }
        v = nv;
    }
    v[n++] = (vt_text_part){part, (size_t)(e - part), part_line};
    *parts = v;
    *nparts = n;
    return VT_OK;
}
