/* Graphs (normalised IR text as an object, role, format, entry points with signatures) and
 * derivations between them (source -> target, transformation kind and parameters). */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vt_status vt_store_graph_normalize(const char *text, size_t len, char **out, size_t *out_len, vt_hash256 *id,
                                   vt_error *err) {
    *out = NULL;
    char *o = malloc(len + 2);
    if (!o) return vt_error_set(err, VT_ENOMEM, "graph: out of memory for %zu bytes", len);
    size_t n = 0, line_start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\r') {
            if (i + 1 < len && text[i + 1] == '\n') i++;
            c = '\n';
        }
        if (c == '\n') {
            while (n > line_start && (o[n - 1] == ' ' || o[n - 1] == '\t')) n--;
            o[n++] = '\n';
            line_start = n;
        } else {
            o[n++] = c;
        }
    }
    while (n > line_start && (o[n - 1] == ' ' || o[n - 1] == '\t')) n--;
    while (n > 0 && o[n - 1] == '\n') n--;
    o[n++] = '\n';
    o[n] = 0;
    *out = o;
    *out_len = n;
    vt_sha256(o, n, id->b);
    return VT_OK;
}

static json_t *type_json(const vt_store_type *t) {
    json_t *o = json_object();
    if (t->dtype == VT_DTYPE_INVALID) {
        json_object_set_new(o, "dtype", json_null());
        return o;
    }
    json_object_set_new(o, "dtype", json_string(vt_dtype_name(t->dtype)));
    json_t *shape = json_array();
    for (int i = 0; i < t->rank; i++) json_array_append_new(shape, json_integer(t->dims[i]));
    json_object_set_new(o, "shape", shape);
    return o;
}

static char *signature_json(const vt_store_entry *e) {
    json_t *o = json_object(), *in = json_array(), *outs = json_array();
    for (int i = 0; i < e->n_inputs; i++) json_array_append_new(in, type_json(&e->inputs[i]));
    for (int i = 0; i < e->n_outputs; i++) json_array_append_new(outs, type_json(&e->outputs[i]));
    json_object_set_new(o, "inputs", in);
    json_object_set_new(o, "outputs", outs);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

static bool type_from_json(json_t *j, vt_store_type *t) {
    memset(t, 0, sizeof *t);
    t->dtype = VT_DTYPE_INVALID;
    json_t *d = json_object_get(j, "dtype");
    if (json_is_null(d)) return true;
    if (!json_is_string(d)) return false;
    t->dtype = vt_dtype_from_name(json_string_value(d));
    json_t *sh = json_object_get(j, "shape");
    if (t->dtype == VT_DTYPE_INVALID || !json_is_array(sh) || json_array_size(sh) > VT_MAX_RANK) return false;
    t->rank = (int)json_array_size(sh);
    for (int i = 0; i < t->rank; i++) {
        json_t *v = json_array_get(sh, (size_t)i);
        if (!json_is_integer(v) || json_integer_value(v) < -1) return false;
        t->dims[i] = json_integer_value(v);
    }
    return true;
}

vt_status vt_store_put_graph(vt_store *s, const char *text, size_t len, const vt_store_graph_info *info,
                             vt_hash256 *id, vt_error *err) {
    vt_status st = vt_require_writable(s, "put graph", err);
    if (st) return st;
    const char *role = info && info->role ? info->role : "logical";
    const char *format = info && info->format ? info->format : "stablehlo";
    if (strcmp(role, "logical") && strcmp(role, "distributed") && strcmp(role, "verification"))
        return vt_error_set(err, VT_EINPUT, "put graph: role '%s' is not logical, distributed or verification", role);
    if (strcmp(format, "stablehlo") != 0)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: graph format '%s' (only stablehlo)", format);
    json_t *meta;
    st = vt_json_object_arg(info ? info->metadata : NULL, "graph metadata", &meta, err);
    if (st) return st;
    char *meta_text = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(meta);
    char *norm = NULL;
    size_t nlen = 0;
    vt_store_entries ents = {0};
    if (!meta_text) st = vt_error_set(err, VT_ENOMEM, "put graph: out of memory");
    if (!st) st = vt_store_graph_normalize(text, len, &norm, &nlen, id, err);
    if (!st) st = vt_store_graph_check(norm, nlen, "graph", &ents, err);
    if (!st) st = vt_tx_begin(s, err);
    else {
        free(norm);
        free(meta_text);
        return st;
    }
    st = vt_object_put_hashed(s, id, norm, nlen, err);
    char hex[65], now[40];
    vt_hash_hex_of(id, hex);
    vt_store_now_rfc3339(now);
    sqlite3_stmt *ins = NULL;
    bool fresh = false;
    if (!st)
        st = vt_sql_prepare(s,
                            "INSERT OR IGNORE INTO graphs(id, role, format, metadata, created_at) VALUES (?, ?, ?, ?, ?)",
                            &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, format, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, meta_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a graph");
        fresh = sqlite3_changes(s->db) > 0;
    }
    vt_sql_finalize(s, ins);
    if (!st && fresh) {
        st = vt_sql_prepare(s, "INSERT INTO graph_entries(graph_id, name, public, signature) VALUES (?, ?, ?, ?)",
                            &ins, err);
        for (size_t i = 0; !st && i < ents.count; i++) {
            char *sig = signature_json(&ents.items[i]);
            if (!sig) {
                st = vt_error_set(err, VT_ENOMEM, "put graph: out of memory");
                break;
            }
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, ents.items[i].name, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 3, ents.items[i].is_public);
            sqlite3_bind_text(ins, 4, sig, -1, SQLITE_TRANSIENT);
            free(sig);
            if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing graph entry points");
        }
        vt_sql_finalize(s, ins);
    }
    st = vt_tx_end(s, st, err);
    vt_store_entries_free(&ents);
    free(norm);
    free(meta_text);
    return st;
}

static vt_status graph_exists(vt_store *s, const char *hex, const char *ref, vt_error *err) {
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, "SELECT 1 FROM graphs WHERE id = ?", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    vt_sql_finalize(s, q);
    if (rc == SQLITE_ROW) return VT_OK;
    if (rc == SQLITE_DONE) return vt_error_set(err, VT_ECHECK, "graph %s%s%s is not in the store", hex,
                                               ref ? " referenced by " : "", ref ? ref : "");
    return vt_sql_err(s, err, "looking up a graph");
}

vt_status vt_store_get_graph(vt_store *s, const vt_hash256 *id, char **text, size_t *len, vt_error *err) {
    *text = NULL;
    *len = 0;
    char hex[65];
    vt_hash_hex_of(id, hex);
    vt_status st = graph_exists(s, hex, NULL, err);
    if (st) return st;
    void *data;
    size_t n;
    char ref[96];
    snprintf(ref, sizeof ref, "graph %.16s", hex);
    st = vt_store_get_object(s, id, 0, &data, &n, err);
    if (st) {
        vt_error_prefix(err, "graph %s", hex);
        return st;
    }
    char *t = realloc(data, n + 1);
    if (!t) {
        free(data);
        return vt_error_set(err, VT_ENOMEM, "graph %s: out of memory", hex);
    }
    t[n] = 0;
    *text = t;
    *len = n;
    return VT_OK;
}

vt_status vt_store_graph_entries(vt_store *s, const vt_hash256 *id, vt_store_entries *out, vt_error *err) {
    memset(out, 0, sizeof *out);
    char hex[65];
    vt_hash_hex_of(id, hex);
    vt_status st = graph_exists(s, hex, NULL, err);
    if (st) return st;
    sqlite3_stmt *q;
    st = vt_sql_prepare(s, "SELECT name, public, signature FROM graph_entries WHERE graph_id = ? ORDER BY name", &q,
                        err);
    if (st) return st;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->count == cap) {
            size_t nc = cap ? cap * 2 : 4;
            vt_store_entry *ni = realloc(out->items, nc * sizeof *ni);
            if (!ni) {
                st = vt_error_set(err, VT_ENOMEM, "graph %s: out of memory", hex);
                break;
            }
            out->items = ni;
            cap = nc;
        }
        vt_store_entry *e = &out->items[out->count];
        memset(e, 0, sizeof *e);
        const char *name = (const char *)sqlite3_column_text(q, 0);
        const char *sig = (const char *)sqlite3_column_text(q, 2);
        json_error_t je;
        json_t *j = sig ? json_loads(sig, JSON_REJECT_DUPLICATES, &je) : NULL;
        json_t *in = json_object_get(j, "inputs"), *ou = json_object_get(j, "outputs");
        if (!name || strlen(name) >= sizeof e->name || !json_is_array(in) || !json_is_array(ou) ||
            json_array_size(in) > 100000 || json_array_size(ou) > 100000) {
            json_decref(j);
            st = vt_error_set(err, VT_ECHECK, "graph %s: damaged entry point row", hex);
            break;
        }
        out->count++;
        strcpy(e->name, name);
        e->is_public = sqlite3_column_int(q, 1) != 0;
        e->n_inputs = (int)json_array_size(in);
        e->n_outputs = (int)json_array_size(ou);
        e->inputs = calloc((size_t)e->n_inputs + 1, sizeof *e->inputs);
        e->outputs = calloc((size_t)e->n_outputs + 1, sizeof *e->outputs);
        if (!e->inputs || !e->outputs) st = vt_error_set(err, VT_ENOMEM, "graph %s: out of memory", hex);
        for (int i = 0; !st && i < e->n_inputs; i++)
            if (!type_from_json(json_array_get(in, (size_t)i), &e->inputs[i]))
                st = vt_error_set(err, VT_ECHECK, "graph %s: entry %s: damaged signature", hex, e->name);
        for (int i = 0; !st && i < e->n_outputs; i++)
            if (!type_from_json(json_array_get(ou, (size_t)i), &e->outputs[i]))
                st = vt_error_set(err, VT_ECHECK, "graph %s: entry %s: damaged signature", hex, e->name);
        json_decref(j);
    }
    vt_sql_finalize(s, q);
    if (st) vt_store_entries_free(out);
    return st;
}

vt_status vt_store_add_derivation(vt_store *s, const vt_hash256 *source, const vt_hash256 *target,
                                  const char *kind, const char *params_json, int64_t *id, vt_error *err) {
    vt_status st = vt_require_writable(s, "add derivation", err);
    if (st) return st;
    if (!kind || !*kind) return vt_error_set(err, VT_EINPUT, "add derivation: no transformation kind");
    char src[65], dst[65], now[40];
    vt_hash_hex_of(source, src);
    vt_hash_hex_of(target, dst);
    if (strcmp(src, dst) == 0) return vt_error_set(err, VT_EINPUT, "add derivation: a graph cannot derive from itself");
    json_t *params;
    st = vt_json_object_arg(params_json, "derivation parameters", &params, err);
    if (st) return st;
    char *ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(params);
    if (!ptext) return vt_error_set(err, VT_ENOMEM, "add derivation: out of memory");
    st = graph_exists(s, src, "a derivation (source)", err);
    if (!st) st = graph_exists(s, dst, "a derivation (target)", err);
    sqlite3_stmt *ins = NULL;
    vt_store_now_rfc3339(now);
    if (!st)
        st = vt_sql_prepare(s, "INSERT INTO derivations(source, target, kind, params, created_at) VALUES (?, ?, ?, ?, ?)",
                            &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, src, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, dst, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, ptext, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a derivation");
        else if (id) *id = sqlite3_last_insert_rowid(s->db);
    }
    vt_sql_finalize(s, ins);
    free(ptext);
    return st;
}
