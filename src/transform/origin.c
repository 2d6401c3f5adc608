/* Provenance of transformed ops: reading VT_XF_ORIGIN_ATTR / VT_XF_CALLSITE_ATTR, the id map
 * (new op id -> original id and call-site chain) as JSON, and lookup of the ops that an
 * original op id became (how a trace event of the original graph finds its transformed op). */
#include "veritor/transform.h"

#include <string.h>

static const char *string_attr(const vt_op *op, const char *name) {
    const vt_attr *a = vt_op_attr(op, name);
    return a && a->kind == VT_ATTR_STRING ? a->str : NULL;
}

const char *vt_xf_origin(const vt_op *op) { return op ? string_attr(op, VT_XF_ORIGIN_ATTR) : NULL; }
const char *vt_xf_callsite(const vt_op *op) { return op ? string_attr(op, VT_XF_CALLSITE_ATTR) : NULL; }

/* JSON string; bytes outside printable ASCII are written as \u00XX (ids are ASCII in practice,
 * and this keeps the output valid JSON whatever bytes a hostile attribute holds). */
static void json_str(vt_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    vt_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') vt_buf_append(b, (char[]){'\\', (char)c}, 2);
        else if (c >= 0x20 && c < 0x7f) vt_buf_append(b, (char *)&c, 1);
        else vt_buf_append(b, (char[]){'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}, 6);
    }
    vt_buf_puts(b, "\"");
}

typedef struct idmap_ctx {
    vt_buf *out;
    vt_buf path, id;
    size_t n;
} idmap_ctx;

static vt_status idmap_op(vt_op *op, void *user, vt_error *err) {
    idmap_ctx *c = user;
    c->path.len = 0;
    c->id.len = 0;
    vt_status s = vt_op_path_id(op, &c->path, err);
    if (s == VT_EINPUT) return VT_OK; /* top-level ops have no id */
    if (s != VT_OK) return s;
    if ((s = vt_op_id(op, &c->id, err)) != VT_OK) return s;
    vt_buf *b = c->out;
    vt_buf_puts(b, c->n++ ? ",\n  " : "\n  ");
    json_str(b, c->path.data, c->path.len);
    vt_buf_puts(b, ": {\"op\": ");
    json_str(b, vt_op_name(op), strlen(vt_op_name(op)));
    if (c->id.len != c->path.len || memcmp(c->id.data, c->path.data, c->id.len) != 0) {
        vt_buf_puts(b, ", \"id\": ");
        json_str(b, c->id.data, c->id.len);
    }
    const vt_attr *o = vt_op_attr(op, VT_XF_ORIGIN_ATTR), *cs = vt_op_attr(op, VT_XF_CALLSITE_ATTR);
    if (o && o->kind == VT_ATTR_STRING) {
        vt_buf_puts(b, ", \"origin\": ");
        json_str(b, o->str, o->len);
    }
    if (cs && cs->kind == VT_ATTR_STRING) {
        vt_buf_puts(b, ", \"callsite\": ");
        json_str(b, cs->str, cs->len);
    }
    vt_buf_puts(b, "}");
    return b->failed ? vt_error_set(err, VT_ENOMEM, "out of memory writing the id map") : VT_OK;
}

vt_status vt_xf_id_map(const vt_module *m, vt_buf *json_out, vt_error *err) {
    if (!m || !json_out) return vt_error_set(err, VT_EINPUT, "transform: id map needs a module and a buffer");
    idmap_ctx c = {json_out, {0}, {0}, 0};
    vt_buf_init(&c.path);
    vt_buf_init(&c.id);
    vt_buf_puts(json_out, "{");
    vt_status s = vt_module_walk((vt_module *)m, idmap_op, &c, err);
    vt_buf_puts(json_out, c.n ? "\n}\n" : "}\n");
    vt_buf_free(&c.path);
    vt_buf_free(&c.id);
    if (s == VT_OK && json_out->failed) s = vt_error_set(err, VT_ENOMEM, "out of memory writing the id map");
    return s;
}

typedef struct find_ctx {
    const char *id;
    size_t n;
    vt_xf_origin_fn fn;
    void *user;
    size_t count;
    vt_buf scratch;
    bool transformed; /* some op carries an origin: then only origins count */
} find_ctx;

static vt_status has_origin(vt_op *op, void *user, vt_error *err) {
    (void)user;
    (void)err;
    return vt_op_attr(op, VT_XF_ORIGIN_ATTR) ? VT_ECHECK : VT_OK; /* ECHECK stops the walk */
}

static vt_status find_op(vt_op *op, void *user, vt_error *err) {
    find_ctx *c = user;
    const vt_attr *o = vt_op_attr(op, VT_XF_ORIGIN_ATTR);
    bool match;
    if (o && o->kind == VT_ATTR_STRING) {
        match = o->len == c->n && memcmp(o->str, c->id, c->n) == 0;
    } else if (c->transformed) {
        match = false; /* made by a transform from nothing: it has no original */
    } else {
        /* in a module no transform produced, an op is its own origin (primary or path id) */
        c->scratch.len = 0;
        match = vt_op_id(op, &c->scratch, NULL) == VT_OK && c->scratch.len == c->n && memcmp(c->scratch.data, c->id, c->n) == 0;
        if (!match) {
            c->scratch.len = 0;
            match = vt_op_path_id(op, &c->scratch, NULL) == VT_OK && c->scratch.len == c->n &&
                    memcmp(c->scratch.data, c->id, c->n) == 0;
        }
    }
    if (!match) return VT_OK;
    c->count++;
    return c->fn ? c->fn(op, c->user, err) : VT_OK;
}

vt_status vt_xf_find_by_origin(const vt_module *m, const char *origin_id, vt_xf_origin_fn fn, void *user, size_t *count,
                               vt_error *err) {
    if (count) *count = 0;
    if (!m || !origin_id || !*origin_id) return vt_error_set(err, VT_EINPUT, "transform: empty origin id");
    const char *hash = strrchr(origin_id, '#');
    find_ctx c = {origin_id, hash ? (size_t)(hash - origin_id) : strlen(origin_id), fn, user, 0, {0}, false};
    if (c.n == 0) return vt_error_set(err, VT_EINPUT, "transform: origin id '%s' has no id before '#'", origin_id);
    c.transformed = vt_module_walk((vt_module *)m, has_origin, NULL, NULL) == VT_ECHECK;
    vt_buf_init(&c.scratch);
    vt_status s = vt_module_walk((vt_module *)m, find_op, &c, err);
    vt_buf_free(&c.scratch);
    if (count) *count = c.count;
    return s;
}
