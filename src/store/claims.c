/* Claims: graph + entry point, ordered input/output tensor ids, strategy and config, metadata,
 * created_at and the trace/bundles they rest on. The id is the SHA-256 of the RFC 8785 form of
 * exactly those fields; the canonical text is stored and re-hashed on every read. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vt_rfc3339_utc_valid(const char *t) {
    static const char pat[] = "dddd-dd-ddTdd:dd:dd";
    for (int i = 0; pat[i]; i++) {
        if (pat[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != pat[i]) return false;
    }
    const char *p = t + 19;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (p[0] != 'Z' || p[1]) return false;
    int mo = (t[5] - '0') * 10 + (t[6] - '0'), d = (t[8] - '0') * 10 + (t[9] - '0');
    int h = (t[11] - '0') * 10 + (t[12] - '0'), mi = (t[14] - '0') * 10 + (t[15] - '0');
    int sec = (t[17] - '0') * 10 + (t[18] - '0');
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60;
}

void vt_store_claim_free(vt_store_claim *c) {
    if (!c) return;
    free(c->inputs);
    free(c->outputs);
    free(c->bundles);
    free(c->config);
    free(c->metadata);
    c->inputs = c->outputs = c->bundles = NULL;
    c->config = c->metadata = NULL;
    c->n_inputs = c->n_outputs = c->n_bundles = 0;
}

static json_t *hash_array(const vt_hash256 *h, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char hex[65];
        vt_hash_hex_of(&h[i], hex);
        json_array_append_new(a, json_string(hex));
    }
    return a;
}

json_t *vt_claim_to_json(const vt_store_claim *c, vt_error *err) {
    json_t *config, *meta;
    if (vt_json_object_arg(c->config, "claim config", &config, err)) return NULL;
    if (vt_json_object_arg(c->metadata, "claim metadata", &meta, err)) {
        json_decref(config);
        return NULL;
    }
    char g[65];
    vt_hash_hex_of(&c->graph, g);
    json_t *o = json_object();
    json_object_set_new(o, "bundles", hash_array(c->bundles, c->n_bundles));
    json_object_set_new(o, "config", config);
    json_object_set_new(o, "created_at", json_string(c->created_at));
    json_object_set_new(o, "entry", json_string(c->entry));
    json_object_set_new(o, "graph", json_string(g));
    json_object_set_new(o, "inputs", hash_array(c->inputs, c->n_inputs));
    json_object_set_new(o, "metadata", meta);
    json_object_set_new(o, "outputs", hash_array(c->outputs, c->n_outputs));
    json_object_set_new(o, "strategy", json_string(c->strategy));
    json_object_set_new(o, "trace", c->trace ? json_integer(c->trace) : json_null());
    if (json_object_size(o) != 10) {
        json_decref(o);
        vt_error_set(err, VT_EINPUT, "claim: a text field is not valid UTF-8 or memory ran out");
        return NULL;
    }
    return o;
}

vt_status vt_store_claim_canonical(const vt_store_claim *c, vt_buf *out, vt_hash256 *id, vt_error *err) {
    json_t *o = vt_claim_to_json(c, err);
    if (!o) return err ? err->code : VT_EINPUT;
    size_t start = out->len;
    vt_status st = vt_canonical_json(o, out, err);
    json_decref(o);
    if (!st && id) vt_sha256(out->data + start, out->len - start, id->b);
    return st;
}

static vt_status parse_hashes(json_t *a, const char *field, const char *what, vt_hash256 **out, size_t *n,
                              vt_error *err) {
    if (!json_is_array(a)) return vt_error_set(err, VT_EINPUT, "%s: field '%s' must be an array of ids", what, field);
    size_t k = json_array_size(a);
    if (k > 1000000) return vt_error_set(err, VT_ELIMIT, "%s: field '%s' has %zu entries", what, field, k);
    *out = calloc(k ? k : 1, sizeof **out);
    if (!*out) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
    *n = k;
    for (size_t i = 0; i < k; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_string(v) || !vt_text_is_hash((const unsigned char *)json_string_value(v)))
            return vt_error_set(err, VT_EINPUT, "%s: %s[%zu] is not a 64-digit lowercase hex id", what, field, i);
        vt_hash256_parse(json_string_value(v), &(*out)[i]);
    }
    return VT_OK;
}

static vt_status copy_text(json_t *v, const char *field, const char *what, char *dst, size_t cap, vt_error *err) {
    if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return vt_error_set(err, VT_EINPUT, "%s: field '%s' must be a non-empty string shorter than %zu bytes", what,
                            field, cap);
    strcpy(dst, json_string_value(v));
    return VT_OK;
}

vt_status vt_store_claim_from_json(const char *json, size_t len, const char *what, vt_store_claim *c, vt_error *err) {
    memset(c, 0, sizeof *c);
    json_t *o = vt_json_parse(json, len, what, err);
    if (!o) return err ? err->code : VT_EINPUT;
    vt_status st = VT_OK;
    static const char *const fields[] = {"bundles", "config", "created_at", "entry", "graph",
                                         "inputs", "metadata", "outputs", "strategy", "trace"};
    if (!json_is_object(o)) st = vt_error_set(err, VT_EINPUT, "%s: a claim must be a JSON object", what);
    const char *key;
    json_t *val;
    if (!st) json_object_foreach(o, key, val) {
        bool known = false;
        for (int i = 0; i < 10; i++) known |= strcmp(key, fields[i]) == 0;
        if (!known) {
            st = vt_error_set(err, VT_EINPUT, "%s: unknown field '%s'", what, key);
            break;
        }
    }
    for (int i = 0; !st && i < 10; i++)
        if (!json_object_get(o, fields[i])) st = vt_error_set(err, VT_EINPUT, "%s: missing field '%s'", what, fields[i]);
    if (!st) {
        json_t *g = json_object_get(o, "graph");
        if (!json_is_string(g) || !vt_text_is_hash((const unsigned char *)json_string_value(g)))
            st = vt_error_set(err, VT_EINPUT, "%s: field 'graph' is not a 64-digit lowercase hex id", what);
        else vt_hash256_parse(json_string_value(g), &c->graph);
    }
    if (!st) st = copy_text(json_object_get(o, "entry"), "entry", what, c->entry, sizeof c->entry, err);
    if (!st) st = copy_text(json_object_get(o, "strategy"), "strategy", what, c->strategy, sizeof c->strategy, err);
    if (!st) st = copy_text(json_object_get(o, "created_at"), "created_at", what, c->created_at, sizeof c->created_at, err);
    if (!st) st = parse_hashes(json_object_get(o, "inputs"), "inputs", what, &c->inputs, &c->n_inputs, err);
    if (!st) st = parse_hashes(json_object_get(o, "outputs"), "outputs", what, &c->outputs, &c->n_outputs, err);
    if (!st) st = parse_hashes(json_object_get(o, "bundles"), "bundles", what, &c->bundles, &c->n_bundles, err);
    if (!st) {
        json_t *t = json_object_get(o, "trace");
        if (json_is_null(t)) c->trace = 0;
        else if (json_is_integer(t) && json_integer_value(t) > 0) c->trace = json_integer_value(t);
        else st = vt_error_set(err, VT_EINPUT, "%s: field 'trace' must be null or a positive integer", what);
    }
    for (int k = 0; !st && k < 2; k++) {
        const char *f = k ? "metadata" : "config";
        json_t *v = json_object_get(o, f);
        if (!json_is_object(v)) st = vt_error_set(err, VT_EINPUT, "%s: field '%s' must be an object", what, f);
        else {
            char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
            if (!t) st = vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
            if (k) c->metadata = t;
            else c->config = t;
        }
    }
    json_decref(o);
    if (st) vt_store_claim_free(c);
    return st;
}

/* Checks a tensor exists and (when want is given) matches a signature type. */
static vt_status check_tensor(vt_store *s, const vt_hash256 *id, const vt_store_type *want, const char *ref,
                              vt_error *err) {
    char hex[65];
    vt_hash_hex_of(id, hex);
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, "SELECT dtype, shape, nbytes, nchunks FROM tensors WHERE id = ?", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
        vt_sql_finalize(s, q);
        return vt_error_set(err, VT_ECHECK, "%s: tensor %s is not in the store", ref, hex);
    }
    vt_store_tensor_meta m;
    st = vt_tensor_meta_from_row(hex, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
                                 sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3), &m, err);
    vt_sql_finalize(s, q);
    if (st || !want) return st;
    if (want->dtype == VT_DTYPE_INVALID)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: the entry point's type is not a tensor", ref);
    bool ok = m.dtype == want->dtype && m.rank == want->rank;
    for (int i = 0; ok && i < m.rank; i++) ok = want->dims[i] < 0 || want->dims[i] == m.dims[i];
    if (!ok) {
        char *a = vt_shape_json(m.rank, m.dims), *b = vt_shape_json(want->rank, want->dims);
        st = vt_error_set(err, VT_ECHECK, "%s: tensor is %s %s, the entry point takes %s %s", ref,
                          vt_dtype_name(m.dtype), a ? a : "?", vt_dtype_name(want->dtype), b ? b : "?");
        free(a);
        free(b);
    }
    return st;
}

static bool row_exists(vt_store *s, const char *sql, const char *text, int64_t num) {
    sqlite3_stmt *q;
    if (!(q = vt_sql_stmt(s, sql))) return false;
    if (text) sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(q, 1, num);
    bool found = sqlite3_step(q) == SQLITE_ROW;
    vt_sql_finalize(s, q);
    return found;
}

/* Everything a claim references must be there; with check_sig, its tensors must also match the
 * entry point's signature. */
static vt_status check_refs(vt_store *s, const vt_store_claim *c, const char *who, bool check_sig, vt_error *err) {
    char g[65];
    vt_hash_hex_of(&c->graph, g);
    if (!row_exists(s, "SELECT 1 FROM graphs WHERE id = ?", g, 0))
        return vt_error_set(err, VT_ECHECK, "%s: graph %s is not in the store", who, g);
    vt_store_entries ents;
    vt_status st = VT_OK;
    const vt_store_entry *e = NULL;
    if (check_sig) {
        st = vt_store_graph_entries(s, &c->graph, &ents, err);
        if (st) return st;
        e = vt_store_entries_find(&ents, c->entry);
        if (!e) st = vt_error_set(err, VT_ECHECK, "%s: graph %.16s has no function @%s", who, g, c->entry);
        else if (!e->is_public) st = vt_error_set(err, VT_ECHECK, "%s: entry point @%s is private", who, c->entry);
        else if ((size_t)e->n_inputs != c->n_inputs || (size_t)e->n_outputs != c->n_outputs)
            st = vt_error_set(err, VT_ECHECK, "%s: @%s takes %d inputs and gives %d outputs; the claim has %zu and %zu",
                              who, c->entry, e->n_inputs, e->n_outputs, c->n_inputs, c->n_outputs);
    }
    char ref[300];
    for (size_t i = 0; !st && i < c->n_inputs; i++) {
        snprintf(ref, sizeof ref, "%s: input %zu", who, i);
        st = check_tensor(s, &c->inputs[i], e ? &e->inputs[i] : NULL, ref, err);
    }
    for (size_t i = 0; !st && i < c->n_outputs; i++) {
        snprintf(ref, sizeof ref, "%s: output %zu", who, i);
        st = check_tensor(s, &c->outputs[i], e ? &e->outputs[i] : NULL, ref, err);
    }
    if (check_sig) vt_store_entries_free(&ents);
    if (!st && c->trace && !row_exists(s, "SELECT 1 FROM traces WHERE id = ?", NULL, c->trace))
        st = vt_error_set(err, VT_ECHECK, "%s: trace %lld is not in the store", who, (long long)c->trace);
    for (size_t i = 0; !st && i < c->n_bundles; i++) {
        char b[65];
        vt_hash_hex_of(&c->bundles[i], b);
        if (!row_exists(s, "SELECT 1 FROM bundles WHERE id = ?", b, 0))
            st = vt_error_set(err, VT_ECHECK, "%s: bundle %s is not in the store", who, b);
    }
    return st;
}

vt_status vt_store_put_claim(vt_store *s, vt_store_claim *c, vt_hash256 *id, vt_error *err) {
    vt_status st = vt_require_writable(s, "put claim", err);
    if (st) return st;
    if (!c->entry[0] || !c->strategy[0]) return vt_error_set(err, VT_EINPUT, "put claim: entry and strategy are required");
    if (!c->created_at[0]) vt_store_now_rfc3339(c->created_at);
    if (!vt_rfc3339_utc_valid(c->created_at))
        return vt_error_set(err, VT_EINPUT, "put claim: created_at '%s' is not an RFC 3339 UTC time "
                            "(YYYY-MM-DDTHH:MM:SS[.fff]Z)", c->created_at);
    for (size_t i = 0; i < c->n_bundles; i++)
        for (size_t j = 0; j < i; j++)
            if (!memcmp(&c->bundles[i], &c->bundles[j], sizeof c->bundles[i]))
                return vt_error_set(err, VT_EINPUT, "put claim: bundle %zu is listed twice", i);
    vt_buf canon;
    vt_buf_init(&canon);
    st = vt_store_claim_canonical(c, &canon, id, err);
    if (!st) st = check_refs(s, c, "put claim", true, err);
    if (st) {
        vt_buf_free(&canon);
        return st;
    }
    char hex[65], g[65];
    vt_hash_hex_of(id, hex);
    vt_hash_hex_of(&c->graph, g);
    st = vt_tx_begin(s, err);
    if (st) {
        vt_buf_free(&canon);
        return st;
    }
    sqlite3_stmt *ins;
    bool fresh = false;
    st = vt_sql_prepare(s, "INSERT OR IGNORE INTO claims(id, canonical, graph_id, entry, strategy, trace_id, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, canon.data, (int)canon.len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, g, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, c->entry, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, c->strategy, -1, SQLITE_STATIC);
        if (c->trace) sqlite3_bind_int64(ins, 6, c->trace);
        else sqlite3_bind_null(ins, 6);
        sqlite3_bind_text(ins, 7, c->created_at, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a claim");
        fresh = sqlite3_changes(s->db) > 0;
        vt_sql_finalize(s, ins);
    }
    if (!st && fresh) {
        st = vt_sql_prepare(s, "INSERT INTO claim_tensors(claim_id, role, idx, tensor_id) VALUES (?, ?, ?, ?)", &ins, err);
        for (int r = 0; !st && r < 2; r++) {
            const vt_hash256 *list = r ? c->outputs : c->inputs;
            size_t n = r ? c->n_outputs : c->n_inputs;
            for (size_t i = 0; !st && i < n; i++) {
                char th[65];
                vt_hash_hex_of(&list[i], th);
                sqlite3_reset(ins);
                sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
                sqlite3_bind_text(ins, 2, r ? "output" : "input", -1, SQLITE_STATIC);
                sqlite3_bind_int64(ins, 3, (sqlite3_int64)i);
                sqlite3_bind_text(ins, 4, th, 64, SQLITE_TRANSIENT);
                if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing claim tensors");
            }
        }
        vt_sql_finalize(s, ins);
    }
    if (!st && fresh && c->n_bundles) {
        st = vt_sql_prepare(s, "INSERT INTO claim_bundles(claim_id, bundle_id) VALUES (?, ?)", &ins, err);
        for (size_t i = 0; !st && i < c->n_bundles; i++) {
            char bh[65];
            vt_hash_hex_of(&c->bundles[i], bh);
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, bh, 64, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing claim bundles");
        }
        vt_sql_finalize(s, ins);
    }
    vt_buf_free(&canon);
    return vt_tx_end(s, st, err);
}

vt_status vt_store_get_claim(vt_store *s, const vt_hash256 *id, vt_store_claim *c, vt_error *err) {
    memset(c, 0, sizeof *c);
    char hex[65];
    vt_hash_hex_of(id, hex);
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, "SELECT canonical, graph_id, entry, strategy, trace_id FROM claims WHERE id = ?", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? vt_error_set(err, VT_ECHECK, "claim %s is not in the store", hex)
                               : vt_sql_err(s, err, "reading a claim");
        vt_sql_finalize(s, q);
        return st;
    }
    const char *canon = (const char *)sqlite3_column_blob(q, 0);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    uint8_t h[VT_SHA256_LEN];
    vt_sha256(canon ? canon : "", n, h);
    char what[100];
    snprintf(what, sizeof what, "claim %s", hex);
    if (memcmp(h, id->b, VT_SHA256_LEN) != 0)
        st = vt_error_set(err, VT_ECHECK, "claim %s: its canonical JSON hashes to %s (tampered)", hex, vt_hash_to_hex(h).s);
    if (!st) st = vt_store_claim_from_json(canon ? canon : "", n, what, c, err);
    if (!st) {
        /* The indexed columns must say what the hashed text says, or queries would lie. */
        char g[65];
        vt_hash_hex_of(&c->graph, g);
        const char *cg = (const char *)sqlite3_column_text(q, 1), *ce = (const char *)sqlite3_column_text(q, 2),
                   *cs = (const char *)sqlite3_column_text(q, 3);
        int64_t ct = sqlite3_column_type(q, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 4);
        if (!cg || !ce || !cs || strcmp(cg, g) || strcmp(ce, c->entry) || strcmp(cs, c->strategy) || ct != c->trace)
            st = vt_error_set(err, VT_ECHECK, "claim %s: its columns disagree with its canonical JSON", hex);
    }
    vt_sql_finalize(s, q);
    if (!st) st = check_refs(s, c, what, false, err);
    if (st) vt_store_claim_free(c);
    return st;
}
