/* Challenges the challenger issued (kind, target device/op, seed, parameters, times) and the
 * prover's responses, stored as objects. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdlib.h>

vt_status vt_store_put_challenge(vt_store *s, const vt_store_challenge *c, int64_t *id, vt_error *err) {
    vt_status st = vt_require_writable(s, "put challenge", err);
    if (st) return st;
    if (!c->kind || !*c->kind) return vt_error_set(err, VT_EINPUT, "put challenge: no kind");
    json_t *params;
    st = vt_json_object_arg(c->params, "challenge params", &params, err);
    if (st) return st;
    char *ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(params);
    if (!ptext) return vt_error_set(err, VT_ENOMEM, "put challenge: out of memory");
    sqlite3_stmt *ins;
    st = vt_sql_prepare(s,
                        "INSERT INTO challenges(kind, device, op_id, seed, params, issued_at_ns, deadline_ns) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, c->kind, -1, SQLITE_STATIC);
        const char *opt[3] = {c->device, c->op_id, c->seed};
        for (int i = 0; i < 3; i++) {
            if (opt[i]) sqlite3_bind_text(ins, 2 + i, opt[i], -1, SQLITE_STATIC);
            else sqlite3_bind_null(ins, 2 + i);
        }
        sqlite3_bind_text(ins, 5, ptext, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 6, c->issued_at_ns);
        if (c->deadline_ns >= 0) sqlite3_bind_int64(ins, 7, c->deadline_ns);
        else sqlite3_bind_null(ins, 7);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a challenge");
        else if (id) *id = sqlite3_last_insert_rowid(s->db);
        vt_sql_finalize(s, ins);
    }
    free(ptext);
    return st;
}

vt_status vt_store_respond_challenge(vt_store *s, int64_t id, const void *response, size_t n, int64_t responded_at_ns,
                                     vt_error *err) {
    vt_status st = vt_require_writable(s, "respond to challenge", err);
    if (st) return st;
    st = vt_tx_begin(s, err);
    if (st) return st;
    vt_hash256 h;
    st = vt_store_put_object(s, response, n, &h, err);
    sqlite3_stmt *up = NULL;
    if (!st)
        st = vt_sql_prepare(s,
                            "UPDATE challenges SET response_obj = ?, responded_at_ns = ? "
                            "WHERE id = ? AND response_obj IS NULL",
                            &up, err);
    if (!st) {
        char hex[65];
        vt_hash_hex_of(&h, hex);
        sqlite3_bind_text(up, 1, hex, 64, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 2, responded_at_ns);
        sqlite3_bind_int64(up, 3, id);
        if (sqlite3_step(up) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a challenge response");
        else if (sqlite3_changes(s->db) == 0)
            st = vt_error_set(err, VT_EINPUT, "challenge %lld does not exist or was already answered", (long long)id);
    }
    vt_sql_finalize(s, up);
    return vt_tx_end(s, st, err);
}
