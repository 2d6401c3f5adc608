/* Queries: listings with filters (graph, strategy, kind, device set, op, time window, metadata
 * key=value, trace, latest K), one entity with what it references, lineage and a summary. Rows
 * come back as JSON so that the CLI and bindings need no SQL. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINDS 80

typedef struct qbuild {
    vt_buf sql;
    const char *text[MAX_BINDS];
    int64_t num[MAX_BINDS];
    bool is_num[MAX_BINDS];
    int n;
    char *owned[MAX_BINDS]; /* texts built here */
    int nowned;
    bool where;
} qbuild;

static void q_cond(qbuild *q, const char *cond) {
    vt_buf_puts(&q->sql, q->where ? " AND " : " WHERE ");
    vt_buf_puts(&q->sql, cond);
    q->where = true;
}
static bool q_text(qbuild *q, const char *t) {
    if (q->n >= MAX_BINDS) return false;
    q->is_num[q->n] = false;
    q->text[q->n++] = t;
    return true;
}
static bool q_num(qbuild *q, int64_t v) {
    if (q->n >= MAX_BINDS) return false;
    q->is_num[q->n] = true;
    q->num[q->n++] = v;
    return true;
}
static void q_free(qbuild *q) {
    vt_buf_free(&q->sql);
    for (int i = 0; i < q->nowned; i++) free(q->owned[i]);
}

/* Columns whose text is JSON and is returned as JSON. */
static bool json_column(const char *name) {
    static const char *const cols[] = {"metadata", "params", "properties", "payload", "signature", "shape", "config"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (strcmp(name, cols[i]) == 0) return true;
    return false;
}

static json_t *row_json(sqlite3_stmt *st) {
    json_t *o = json_object();
    int n = sqlite3_column_count(st);
    for (int i = 0; o && i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        json_t *v = NULL;
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
        case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, i)); break;
        case SQLITE_NULL: v = json_null(); break;
        default: {
            const char *t = (const char *)sqlite3_column_text(st, i);
            size_t len = (size_t)sqlite3_column_bytes(st, i);
            if (json_column(name)) v = json_loadb(t ? t : "", len, JSON_DECODE_ANY, NULL);
            /* Text that is not valid UTF-8 JSON is returned as a string marker, never dropped. */
            if (!v) v = json_stringn(t ? t : "", len);
            if (!v) v = json_string("<invalid utf-8>");
        }
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

static vt_status run_rows(vt_store *s, qbuild *q, json_t **rows, vt_error *err) {
    *rows = NULL;
    if (q->sql.failed) return vt_error_set(err, VT_ENOMEM, "query: out of memory");
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, vt_buf_cstr(&q->sql), &st, err);
    if (rs) return rs;
    for (int i = 0; i < q->n; i++) {
        if (q->is_num[i]) sqlite3_bind_int64(st, i + 1, q->num[i]);
        else sqlite3_bind_text(st, i + 1, q->text[i], -1, SQLITE_STATIC);
    }
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) json_array_append_new(a, row_json(st));
    if (rc != SQLITE_DONE) {
        rs = vt_sql_err(s, err, "query");
        json_decref(a);
        a = NULL;
    }
    vt_sql_finalize(s, st);
    *rows = a;
    return rs;
}

typedef struct kind_def {
    const char *kind;
    const char *select;
    const char *graph_col;  /* column compared with filter graph (prefix) */
    const char *meta_expr;  /* JSON text the metadata filter looks into */
    const char *kind_col;
    const char *order;
} kind_def;

static const kind_def kinds[] = {
    {"objects", "SELECT hash AS id, size, codec, length(data) AS stored_bytes FROM objects", NULL, NULL, NULL, "id"},
    {"tensors", "SELECT id, dtype, shape, nbytes, nchunks, created_at FROM tensors", NULL, NULL, "dtype", "created_at, id"},
    {"graphs", "SELECT id, role, format, metadata, created_at FROM graphs", "id", "metadata", "role", "created_at, id"},
    {"derivations", "SELECT id, source, target, kind, params, created_at FROM derivations", "source", "params", "kind", "id"},
    {"traces", "SELECT id, graph_id, start_ns, end_ns, metadata, created_at FROM traces", "graph_id", "metadata", NULL, "id"},
    {"events", "SELECT id, trace_id, ts_ns, kind, device, op_id, mem_bytes, payload, payload_obj FROM events", NULL,
     "payload", "kind", "ts_ns, id"},
    {"bundles", "SELECT id, graph_id, kind, step, json_extract(canonical, '$.metadata') AS metadata, created_at FROM bundles",
     "graph_id", "json_extract(canonical, '$.metadata')", "kind", "step, created_at, id"},
    {"devices", "SELECT id, kind, model, memory_bytes, peak_flops, mem_bandwidth, host, properties FROM devices", NULL,
     "properties", "kind", "id"},
    {"links", "SELECT a, b, bandwidth, latency_ns FROM links", NULL, NULL, NULL, "a, b"},
    {"challenges", "SELECT id, kind, device, op_id, seed, params, issued_at_ns, deadline_ns, response_obj, "
                   "responded_at_ns FROM challenges", NULL, "params", "kind", "issued_at_ns, id"},
    {"claims", "SELECT id, graph_id, entry, strategy, trace_id, created_at FROM claims", "graph_id",
     "json_extract(canonical, '$.metadata')", NULL, "created_at, id"},
};

static vt_status build_list(const char *kind, const vt_store_filter *f, qbuild *q, vt_error *err) {
    memset(q, 0, sizeof *q);
    vt_buf_init(&q->sql);
    const kind_def *k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kind && strcmp(kinds[i].kind, kind) == 0) k = &kinds[i];
    if (!k)
        return vt_error_set(err, VT_EUSAGE, "unknown kind '%s' (objects, tensors, graphs, derivations, traces, events, "
                            "bundles, devices, links, challenges, claims)", kind ? kind : "");
    vt_store_filter none = {0};
    if (!f) f = &none;
    vt_buf_puts(&q->sql, k->select);
    bool events = strcmp(kind, "events") == 0, claims = strcmp(kind, "claims") == 0;
    bool bundles = strcmp(kind, "bundles") == 0, challenges = strcmp(kind, "challenges") == 0;
#define UNSUP(what) return vt_error_set(err, VT_EUSAGE, "filter %s does not apply to %s", what, kind)
    if (f->graph) {
        if (!k->graph_col && !events) UNSUP("--graph");
        for (const char *c = f->graph; *c; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
                return vt_error_set(err, VT_EUSAGE, "--graph: '%s' is not a lowercase hex id or prefix", f->graph);
        char cond[160];
        /* events join through their trace: graph -> traces -> events */
        if (events) snprintf(cond, sizeof cond, "trace_id IN (SELECT id FROM traces WHERE graph_id >= ? AND graph_id < ? || 'g')");
        else snprintf(cond, sizeof cond, "%s >= ? AND %s < ? || 'g'", k->graph_col, k->graph_col);
        q_cond(q, cond);
        q_text(q, f->graph);
        q_text(q, f->graph);
    }
    if (f->strategy) {
        if (!claims) UNSUP("--strategy");
        q_cond(q, "strategy = ?");
        q_text(q, f->strategy);
    }
    if (f->kind) {
        if (!k->kind_col) UNSUP("--kind");
        char cond[64];
        snprintf(cond, sizeof cond, "%s = ?", k->kind_col);
        q_cond(q, cond);
        q_text(q, f->kind);
    }
    if (f->trace) {
        if (!events) UNSUP("--trace");
        q_cond(q, "trace_id = ?");
        q_num(q, f->trace);
    }
    if (f->has_time) {
        if (!events) UNSUP("--from/--to");
        q_cond(q, "ts_ns BETWEEN ? AND ?");
        q_num(q, f->t0);
        q_num(q, f->t1);
    }
    if (f->op_id) {
        if (!events) UNSUP("--op");
        q_cond(q, "op_id = ?");
        q_text(q, f->op_id);
    }
    if (f->device) {
        if (!events && !challenges) UNSUP("--device");
        char *copy = strdup(f->device);
        if (!copy) return vt_error_set(err, VT_ENOMEM, "query: out of memory");
        q->owned[q->nowned++] = copy;
        vt_buf cond;
        vt_buf_init(&cond);
        vt_buf_puts(&cond, "device IN (");
        int nd = 0;
        char *save = NULL;
        for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
            if (!q_text(q, d)) {
                vt_buf_free(&cond);
                return vt_error_set(err, VT_ELIMIT, "--device: too many devices in one set");
            }
            vt_buf_puts(&cond, nd++ ? ", ?" : "?");
        }
        vt_buf_puts(&cond, ")");
        if (nd == 0) {
            vt_buf_free(&cond);
            return vt_error_set(err, VT_EUSAGE, "--device: empty device set");
        }
        q_cond(q, vt_buf_cstr(&cond));
        vt_buf_free(&cond);
    }
    if (f->meta_key) {
        if (!k->meta_expr) UNSUP("--meta");
        if (strpbrk(f->meta_key, "\"\\") || !*f->meta_key)
            return vt_error_set(err, VT_EUSAGE, "--meta: key '%s' may not be empty or hold quotes or backslashes", f->meta_key);
        size_t n = strlen(f->meta_key) + 8;
        char *path = malloc(n);
        if (!path) return vt_error_set(err, VT_ENOMEM, "query: out of memory");
        snprintf(path, n, "$.\"%s\"", f->meta_key);
        q->owned[q->nowned++] = path;
        char cond[160];
        /* Compared as text so that "3" matches 3 and "true" matches true. */
        snprintf(cond, sizeof cond, "CAST(json_extract(%s, ?) AS TEXT) = ?", k->meta_expr);
        q_cond(q, cond);
        q_text(q, path);
        q_text(q, f->meta_value ? f->meta_value : "");
    }
    if (f->has_step) {
        if (!bundles) UNSUP("--step");
        q_cond(q, "step = ?");
        q_num(q, f->step);
    }
    if (f->latest && !bundles) UNSUP("--latest");
    vt_buf_printf(&q->sql, " ORDER BY %s", f->latest ? "step DESC, created_at DESC, id" : k->order);
    if (f->limit > 0) {
        vt_buf_puts(&q->sql, " LIMIT ?");
        q_num(q, f->limit);
    }
#undef UNSUP
    return VT_OK;
}

vt_status vt_store_list(vt_store *s, const char *kind, const vt_store_filter *f, json_t **rows, vt_error *err) {
    *rows = NULL;
    qbuild q;
    vt_status st = build_list(kind, f, &q, err);
    if (!st) st = run_rows(s, &q, rows, err);
    q_free(&q);
    return st;
}

vt_status vt_store_list_plan(vt_store *s, const char *kind, const vt_store_filter *f, char **plan, vt_error *err) {
    *plan = NULL;
    qbuild q;
    vt_status st = build_list(kind, f, &q, err);
    if (!st) {
        vt_buf e;
        vt_buf_init(&e);
        vt_buf_printf(&e, "EXPLAIN QUERY PLAN %s", vt_buf_cstr(&q.sql));
        vt_buf_free(&q.sql);
        q.sql = e;
        json_t *rows;
        st = run_rows(s, &q, &rows, err);
        if (!st) {
            vt_buf out;
            vt_buf_init(&out);
            for (size_t i = 0; i < json_array_size(rows); i++)
                vt_buf_printf(&out, "%s\n", json_string_value(json_object_get(json_array_get(rows, i), "detail")));
            json_decref(rows);
            *plan = strdup(vt_buf_cstr(&out));
            vt_buf_free(&out);
            if (!*plan) st = vt_error_set(err, VT_ENOMEM, "query: out of memory");
        }
    }
    q_free(&q);
    return st;
}

static vt_status rows_of(vt_store *s, const char *sql, const char *p1, int64_t n1, json_t **rows, vt_error *err) {
    qbuild q;
    memset(&q, 0, sizeof q);
    vt_buf_init(&q.sql);
    vt_buf_puts(&q.sql, sql);
    if (p1) q_text(&q, p1);
    else q_num(&q, n1);
    vt_status st = run_rows(s, &q, rows, err);
    q_free(&q);
    return st;
}

vt_status vt_store_lineage(vt_store *s, const vt_hash256 *id, bool down, json_t **rows, vt_error *err) {
    char hex[65];
    vt_hash_hex_of(id, hex);
    /* UNION (not UNION ALL) and the depth cap end the walk even if a hostile file holds a cycle. */
    const char *sql = down
        ? "WITH RECURSIVE d(graph, depth) AS (SELECT target, 1 FROM derivations WHERE source = ?1 UNION "
          "SELECT x.target, d.depth + 1 FROM derivations x JOIN d ON x.source = d.graph WHERE d.depth < 1000) "
          "SELECT graph, MIN(depth) AS depth FROM d GROUP BY graph ORDER BY depth, graph"
        : "WITH RECURSIVE d(graph, depth) AS (SELECT source, 1 FROM derivations WHERE target = ?1 UNION "
          "SELECT x.source, d.depth + 1 FROM derivations x JOIN d ON x.target = d.graph WHERE d.depth < 1000) "
          "SELECT graph, MIN(depth) AS depth FROM d GROUP BY graph ORDER BY depth, graph";
    return rows_of(s, sql, hex, 0, rows, err);
}

static vt_status scalar(vt_store *s, const char *sql, int64_t *out, vt_error *err) {
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, sql, &st, err);
    if (rs) return rs;
    if (sqlite3_step(st) == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    else rs = vt_sql_err(s, err, sql);
    vt_sql_finalize(s, st);
    return rs;
}

vt_status vt_store_info(vt_store *s, json_t **out, vt_error *err) {
    *out = NULL;
    static const char *const tables[] = {"objects", "tensors", "graphs", "derivations", "traces", "events",
                                         "bundles", "devices", "links", "challenges", "claims"};
    json_t *o = json_object(), *counts = json_object();
    json_object_set_new(o, "path", json_string(s->path));
    json_object_set_new(o, "schema_version", json_integer(s->file_version));
    vt_status st = VT_OK;
    for (size_t i = 0; !st && i < sizeof tables / sizeof tables[0]; i++) {
        char sql[64];
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        st = scalar(s, sql, &n, err);
        json_object_set_new(counts, tables[i], json_integer(n));
    }
    json_object_set_new(o, "counts", counts);
    int64_t bytes = 0, pages = 0, psize = 0;
    if (!st) st = scalar(s, "SELECT coalesce(sum(size), 0) FROM objects", &bytes, err);
    if (!st) st = scalar(s, "PRAGMA page_count", &pages, err);
    if (!st) st = scalar(s, "PRAGMA page_size", &psize, err);
    json_object_set_new(o, "object_bytes", json_integer(bytes));
    json_object_set_new(o, "file_bytes", json_integer(pages * psize));
    json_t *meta = NULL;
    if (!st) st = rows_of(s, "SELECT key, value FROM meta WHERE key <> ?", "", 0, &meta, err);
    if (!st) {
        json_t *m = json_object();
        for (size_t i = 0; i < json_array_size(meta); i++) {
            json_t *r = json_array_get(meta, i);
            json_object_set(m, json_string_value(json_object_get(r, "key")) ? json_string_value(json_object_get(r, "key")) : "?",
                            json_object_get(r, "value"));
        }
        json_object_set_new(o, "meta", m);
    }
    json_decref(meta);
    if (st) {
        json_decref(o);
        return st;
    }
    *out = o;
    return VT_OK;
}

/* ---- show ----------------------------------------------------------------------------------- */
static vt_status find_by_prefix(vt_store *s, const char *prefix, char *kind_out, char hex_out[65], vt_error *err) {
    static const char *const tabs[][2] = {{"claims", "claim"}, {"graphs", "graph"}, {"tensors", "tensor"},
                                          {"bundles", "bundle"}, {"objects", "object"}};
    size_t n = strlen(prefix);
    if (n < 4 || n > 64) return vt_error_set(err, VT_EUSAGE, "show: '%s': give at least 4 hex digits of an id", prefix);
    for (size_t i = 0; i < n; i++)
        if (!((prefix[i] >= '0' && prefix[i] <= '9') || (prefix[i] >= 'a' && prefix[i] <= 'f')))
            return vt_error_set(err, VT_EUSAGE, "show: '%s' is not a lowercase hex id (or trace:N, device:NAME, "
                                "challenge:N)", prefix);
    int found = 0;
    for (size_t t = 0; t < 5; t++) {
        /* Objects that are a graph's text or a tensor's chunk are shown as such already. */
        if (found && t == 4) break;
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s >= ?1 AND %s < ?1 || 'g' LIMIT 2",
                 t == 4 ? "hash" : "id", tabs[t][0], t == 4 ? "hash" : "id", t == 4 ? "hash" : "id");
        sqlite3_stmt *q;
        vt_status st = vt_sql_prepare(s, sql, &q, err);
        if (st) return st;
        sqlite3_bind_text(q, 1, prefix, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *h = (const char *)sqlite3_column_text(q, 0);
            if (found && strcmp(kind_out, tabs[t][1]) == 0 && strcmp(hex_out, h ? h : "") == 0) continue;
            if (found++) {
                vt_sql_finalize(s, q);
                return vt_error_set(err, VT_EUSAGE, "show: prefix '%s' is ambiguous: give more digits", prefix);
            }
            strcpy(kind_out, tabs[t][1]);
            snprintf(hex_out, 65, "%s", h ? h : "");
        }
        vt_sql_finalize(s, q);
    }
    if (!found) return vt_error_set(err, VT_ECHECK, "show: nothing in the store has an id starting with '%s'", prefix);
    return VT_OK;
}

static void add_rows(vt_store *s, json_t *o, const char *key, const char *sql, const char *p, int64_t n, vt_status *st,
                     vt_error *err) {
    if (*st) return;
    json_t *r;
    *st = rows_of(s, sql, p, n, &r, err);
    if (!*st) json_object_set_new(o, key, r);
}

vt_status vt_store_show(vt_store *s, const char *id, json_t **out, vt_error *err) {
    *out = NULL;
    json_t *o = json_object();
    vt_status st = VT_OK;
    if (strncmp(id, "trace:", 6) == 0 || strncmp(id, "challenge:", 10) == 0) {
        bool trace = id[0] == 't';
        uint64_t n = 0;
        const char *num = id + (trace ? 6 : 10);
        char *end;
        n = strtoull(num, &end, 10);
        if (!*num || *end || n == 0 || n > INT64_MAX) {
            json_decref(o);
            return vt_error_set(err, VT_EUSAGE, "show: bad number in '%s'", id);
        }
        json_t *rows;
        st = rows_of(s, trace ? "SELECT id, graph_id, start_ns, end_ns, metadata, created_at FROM traces WHERE id = ?"
                              : "SELECT * FROM challenges WHERE id = ?", NULL, (int64_t)n, &rows, err);
        if (!st && json_array_size(rows) == 0) st = vt_error_set(err, VT_ECHECK, "show: no %s", id);
        if (!st) json_object_update(o, json_array_get(rows, 0));
        json_decref(rows);
        json_object_set_new(o, "kind", json_string(trace ? "trace" : "challenge"));
        if (trace) {
            add_rows(s, o, "events", "SELECT count(*) AS count, min(ts_ns) AS first_ns, max(ts_ns) AS last_ns, "
                     "count(DISTINCT device) AS devices FROM events WHERE trace_id = ?", NULL, (int64_t)n, &st, err);
            add_rows(s, o, "claims", "SELECT id, strategy FROM claims WHERE trace_id = ?", NULL, (int64_t)n, &st, err);
        }
    } else if (strncmp(id, "device:", 7) == 0) {
        json_t *rows;
        st = rows_of(s, "SELECT * FROM devices WHERE id = ?", id + 7, 0, &rows, err);
        if (!st && json_array_size(rows) == 0) st = vt_error_set(err, VT_ECHECK, "show: no %s", id);
        if (!st) json_object_update(o, json_array_get(rows, 0));
        json_decref(rows);
        json_object_set_new(o, "kind", json_string("device"));
        add_rows(s, o, "links", "SELECT a, b, bandwidth, latency_ns FROM links WHERE a = ?1 OR b = ?1", id + 7, 0, &st, err);
    } else {
        char kind[16], hex[65];
        st = find_by_prefix(s, id, kind, hex, err);
        vt_hash256 h;
        if (!st) vt_hash256_parse(hex, &h);
        if (!st) {
            json_object_set_new(o, "kind", json_string(kind));
            json_object_set_new(o, "id", json_string(hex));
        }
        if (!st && strcmp(kind, "claim") == 0) {
            vt_store_claim c;
            st = vt_store_get_claim(s, &h, &c, err); /* re-hashes and checks references */
            if (!st) {
                json_t *cj = vt_claim_to_json(&c, err);
                vt_store_claim_free(&c);
                if (!cj) st = err ? err->code : VT_EINPUT;
                else json_object_set_new(o, "claim", cj);
            }
            add_rows(s, o, "tensors", "SELECT ct.role, ct.idx, t.id, t.dtype, t.shape, t.nbytes FROM claim_tensors ct "
                     "JOIN tensors t ON t.id = ct.tensor_id WHERE ct.claim_id = ? ORDER BY ct.role DESC, ct.idx", hex, 0, &st, err);
            add_rows(s, o, "graph", "SELECT g.id, g.role, g.format FROM claims c JOIN graphs g ON g.id = c.graph_id "
                     "WHERE c.id = ?", hex, 0, &st, err);
            add_rows(s, o, "trace", "SELECT t.id, t.start_ns, t.end_ns FROM claims c JOIN traces t ON t.id = c.trace_id "
                     "WHERE c.id = ?", hex, 0, &st, err);
            add_rows(s, o, "bundles", "SELECT b.id, b.kind, b.step FROM claim_bundles cb JOIN bundles b ON "
                     "b.id = cb.bundle_id WHERE cb.claim_id = ?", hex, 0, &st, err);
        } else if (!st && strcmp(kind, "graph") == 0) {
            add_rows(s, o, "graph", "SELECT role, format, metadata, created_at FROM graphs WHERE id = ?", hex, 0, &st, err);
            add_rows(s, o, "entries", "SELECT name, public, signature FROM graph_entries WHERE graph_id = ? ORDER BY name",
                     hex, 0, &st, err);
            add_rows(s, o, "derived_from", "SELECT id, source, kind, params FROM derivations WHERE target = ?", hex, 0, &st, err);
            add_rows(s, o, "derived", "SELECT id, target, kind, params FROM derivations WHERE source = ?", hex, 0, &st, err);
            add_rows(s, o, "traces", "SELECT id, start_ns, end_ns FROM traces WHERE graph_id = ?", hex, 0, &st, err);
            add_rows(s, o, "bundles", "SELECT id, kind, step FROM bundles WHERE graph_id = ?", hex, 0, &st, err);
            add_rows(s, o, "claims", "SELECT id, entry, strategy FROM claims WHERE graph_id = ?", hex, 0, &st, err);
        } else if (!st && strcmp(kind, "tensor") == 0) {
            vt_store_tensor_meta m;
            st = vt_store_tensor_meta_get(s, &h, &m, err);
            if (!st) {
                json_object_set_new(o, "dtype", json_string(vt_dtype_name(m.dtype)));
                json_t *sh = json_array();
                for (int i = 0; i < m.rank; i++) json_array_append_new(sh, json_integer(m.dims[i]));
                json_object_set_new(o, "shape", sh);
                json_object_set_new(o, "nbytes", json_integer((json_int_t)m.nbytes));
            }
            add_rows(s, o, "chunks", "SELECT idx, chunk FROM tensor_chunks WHERE tensor_id = ? ORDER BY idx", hex, 0, &st, err);
            add_rows(s, o, "claims", "SELECT claim_id, role, idx FROM claim_tensors WHERE tensor_id = ?", hex, 0, &st, err);
            add_rows(s, o, "bundles", "SELECT bundle_id, role, name FROM bundle_tensors WHERE tensor_id = ?", hex, 0, &st, err);
        } else if (!st && strcmp(kind, "bundle") == 0) {
            char *js = NULL;
            st = vt_store_get_bundle_json(s, &h, &js, err);
            if (!st) {
                json_t *b = json_loads(js, 0, NULL);
                json_object_set_new(o, "bundle", b ? b : json_null());
            }
            free(js);
            add_rows(s, o, "claims", "SELECT claim_id FROM claim_bundles WHERE bundle_id = ?", hex, 0, &st, err);
        } else if (!st) {
            void *data;
            size_t n;
            st = vt_store_get_object(s, &h, 0, &data, &n, err);
            if (!st) {
                free(data);
                json_object_set_new(o, "size", json_integer((json_int_t)n));
            }
            add_rows(s, o, "chunk_of", "SELECT tensor_id, idx FROM tensor_chunks WHERE chunk = ?", hex, 0, &st, err);
        }
    }
    if (st) {
        json_decref(o);
        return st;
    }
    *out = o;
    return VT_OK;
}
