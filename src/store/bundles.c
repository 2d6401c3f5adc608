/* Data bundles: named tensors by role (inputs, outputs, weights, activations) with RNG keys and
 * metadata for one execution, checkpoint, batch, gradient or fingerprint set. Content-addressed
 * by the SHA-256 of their canonical JSON. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const bundle_kinds[] = {"execution", "checkpoint", "training_batch", "gradient", "fingerprint"};
static const char *const bundle_roles[] = {"inputs", "outputs", "weights", "activations"};

static bool in_list(const char *v, const char *const *list, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(v, list[i]) == 0) return true;
    return false;
}

static bool tensor_exists(vt_store *s, const char *hex) {
    sqlite3_stmt *q;
    if (!(q = vt_sql_stmt(s, "SELECT 1 FROM tensors WHERE id = ?"))) return false;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    bool found = sqlite3_step(q) == SQLITE_ROW;
    vt_sql_finalize(s, q);
    return found;
}

vt_status vt_store_put_bundle(vt_store *s, const vt_store_bundle *b, vt_hash256 *id, vt_error *err) {
    vt_status st = vt_require_writable(s, "put bundle", err);
    if (st) return st;
    if (!in_list(b->kind, bundle_kinds, 5))
        return vt_error_set(err, VT_EINPUT, "put bundle: kind '%s' is not one of execution, checkpoint, "
                            "training_batch, gradient, fingerprint", b->kind ? b->kind : "(null)");
    json_t *meta;
    st = vt_json_object_arg(b->metadata, "bundle metadata", &meta, err);
    if (st) return st;
    json_t *o = json_object(), *tensors = json_object(), *seeds = json_object();
    char created[40], ghex[65];
    if (b->created_at && *b->created_at) {
        if (strlen(b->created_at) >= sizeof created || !vt_rfc3339_utc_valid(b->created_at)) {
            json_decref(meta);
            json_decref(o);
            json_decref(tensors);
            json_decref(seeds);
            return vt_error_set(err, VT_EINPUT, "put bundle: created_at '%.40s' is not an RFC 3339 UTC time",
                                b->created_at);
        }
        snprintf(created, sizeof created, "%s", b->created_at);
    } else
        vt_store_now_rfc3339(created);
    if (b->graph) vt_hash_hex_of(b->graph, ghex);
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "graph", b->graph ? json_string(ghex) : json_null());
    json_object_set_new(o, "kind", json_string(b->kind));
    json_object_set_new(o, "metadata", meta);
    json_object_set_new(o, "step", b->has_step ? json_integer(b->step) : json_null());
    for (size_t i = 0; !st && i < b->n_tensors; i++) {
        const vt_store_bundle_tensor *t = &b->tensors[i];
        char th[65];
        vt_hash_hex_of(&t->tensor, th);
        if (!in_list(t->role, bundle_roles, 4))
            st = vt_error_set(err, VT_EINPUT, "put bundle: tensor %zu: role '%s' is not inputs, outputs, weights or "
                              "activations", i, t->role ? t->role : "(null)");
        else if (!t->name || !*t->name)
            st = vt_error_set(err, VT_EINPUT, "put bundle: tensor %zu: no name", i);
        else if (!tensor_exists(s, th))
            st = vt_error_set(err, VT_ECHECK, "put bundle: tensor %s (%s/%s) is not in the store", th, t->role, t->name);
        else {
            json_t *r = json_object_get(tensors, t->role);
            if (!r) {
                r = json_object();
                json_object_set_new(tensors, t->role, r);
            }
            if (json_object_get(r, t->name))
                st = vt_error_set(err, VT_EINPUT, "put bundle: tensor name %s/%s appears twice", t->role, t->name);
            else json_object_set_new(r, t->name, json_string(th));
        }
    }
    for (size_t i = 0; !st && i < b->n_seeds; i++) {
        vt_key k;
        vt_error ke;
        if (!b->seeds[i].name || !*b->seeds[i].name)
            st = vt_error_set(err, VT_EINPUT, "put bundle: seed %zu: no name", i);
        else if (!b->seeds[i].key || vt_key_parse(b->seeds[i].key, &k, &ke) != VT_OK)
            st = vt_error_set(err, VT_EINPUT, "put bundle: seed %s: bad key", b->seeds[i].name);
        else if (json_object_get(seeds, b->seeds[i].name))
            st = vt_error_set(err, VT_EINPUT, "put bundle: seed %s appears twice", b->seeds[i].name);
        else json_object_set_new(seeds, b->seeds[i].name, json_string(b->seeds[i].key));
    }
    json_object_set_new(o, "tensors", tensors);
    json_object_set_new(o, "seeds", seeds);
    if (!st && b->graph) {
        sqlite3_stmt *q;
        st = vt_sql_prepare(s, "SELECT 1 FROM graphs WHERE id = ?", &q, err);
        if (!st) {
            sqlite3_bind_text(q, 1, ghex, 64, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_ROW) st = vt_error_set(err, VT_ECHECK, "put bundle: graph %s is not in the store", ghex);
            vt_sql_finalize(s, q);
        }
    }
    vt_buf canon;
    vt_buf_init(&canon);
    if (!st) st = vt_canonical_json(o, &canon, err);
    json_decref(o);
    if (st) {
        vt_buf_free(&canon);
        return st;
    }
    vt_sha256(canon.data, canon.len, id->b);
    char hex[65];
    vt_hash_hex_of(id, hex);
    st = vt_tx_begin(s, err);
    if (st) {
        vt_buf_free(&canon);
        return st;
    }
    sqlite3_stmt *ins;
    bool fresh = false;
    st = vt_sql_prepare(s, "INSERT OR IGNORE INTO bundles(id, canonical, graph_id, kind, step, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)", &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, canon.data, (int)canon.len, SQLITE_STATIC);
        if (b->graph) sqlite3_bind_text(ins, 3, ghex, 64, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 3);
        sqlite3_bind_text(ins, 4, b->kind, -1, SQLITE_STATIC);
        if (b->has_step) sqlite3_bind_int64(ins, 5, b->step);
        else sqlite3_bind_null(ins, 5);
        sqlite3_bind_text(ins, 6, created, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a bundle");
        fresh = sqlite3_changes(s->db) > 0;
        vt_sql_finalize(s, ins);
    }
    if (!st && fresh) {
        st = vt_sql_prepare(s, "INSERT INTO bundle_tensors(bundle_id, role, name, tensor_id) VALUES (?, ?, ?, ?)", &ins, err);
        for (size_t i = 0; !st && i < b->n_tensors; i++) {
            char th[65];
            vt_hash_hex_of(&b->tensors[i].tensor, th);
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, b->tensors[i].role, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, b->tensors[i].name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, th, 64, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing bundle tensors");
        }
        vt_sql_finalize(s, ins);
    }
    vt_buf_free(&canon);
    return vt_tx_end(s, st, err);
}

vt_status vt_store_get_bundle_json(vt_store *s, const vt_hash256 *id, char **json, vt_error *err) {
    *json = NULL;
    char hex[65];
    vt_hash_hex_of(id, hex);
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, "SELECT canonical FROM bundles WHERE id = ?", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, hex, 64, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? vt_error_set(err, VT_ECHECK, "bundle %s is not in the store", hex)
                               : vt_sql_err(s, err, "reading a bundle");
        vt_sql_finalize(s, q);
        return st;
    }
    const void *t = sqlite3_column_blob(q, 0);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    uint8_t h[VT_SHA256_LEN];
    vt_sha256(t ? t : "", n, h);
    if (memcmp(h, id->b, VT_SHA256_LEN) != 0)
        st = vt_error_set(err, VT_ECHECK, "bundle %s: canonical JSON hashes to %s (tampered)", hex, vt_hash_to_hex(h).s);
    else {
        *json = malloc(n + 1);
        if (!*json) st = vt_error_set(err, VT_ENOMEM, "bundle %s: out of memory", hex);
        else {
            if (n) memcpy(*json, t, n);
            (*json)[n] = 0;
        }
    }
    vt_sql_finalize(s, q);
    return st;
}
