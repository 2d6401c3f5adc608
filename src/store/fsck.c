/* fsck re-hashes every object and canonical text and checks every reference (corruption is
 * counted and logged line by line); gc removes objects nothing references. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORPHAN_SQL                                                                                      \
    "FROM objects WHERE hash NOT IN (SELECT chunk FROM tensor_chunks) AND hash NOT IN (SELECT id FROM graphs) " \
    "AND hash NOT IN (SELECT payload_obj FROM events WHERE payload_obj IS NOT NULL) "                 \
    "AND hash NOT IN (SELECT response_obj FROM challenges WHERE response_obj IS NOT NULL)"

static void finding(vt_store_fsck_report *r, bool corrupt, const char *msg) {
    if (corrupt) r->errors++;
    vt_buf_printf(&r->log, "%s: %s\n", corrupt ? "error" : "orphan", msg);
}

/* Runs sql and calls fn(row) for each row; statement errors are themselves findings. */
typedef void (*row_fn)(vt_store *s, sqlite3_stmt *row, vt_store_fsck_report *r);
static vt_status each_row(vt_store *s, const char *sql, row_fn fn, vt_store_fsck_report *r, vt_error *err) {
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, sql, &q, err);
    if (st) return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) fn(s, q, r);
    if (rc != SQLITE_DONE) st = vt_sql_err(s, err, "fsck");
    vt_sql_finalize(s, q);
    return st;
}

static const char *col(sqlite3_stmt *q, int i) {
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : "(null)";
}

static void check_object(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    r->objects_checked++;
    vt_hash256 h;
    const char *hex = col(q, 0);
    if (!vt_text_is_hash((const unsigned char *)hex)) {
        char m[200];
        snprintf(m, sizeof m, "object row with a malformed hash '%.70s'", hex);
        finding(r, true, m);
        return;
    }
    vt_hash256_parse(hex, &h);
    void *data;
    size_t n;
    vt_error e;
    if (vt_store_get_object(s, &h, 0, &data, &n, &e) != VT_OK) {
        /* Name what references it so that the damage can be traced to claims. */
        sqlite3_stmt *rq;
        char refs[300] = "";
        if ((rq = vt_sql_stmt(s, "SELECT 'tensor ' || tensor_id || ' chunk ' || idx FROM tensor_chunks WHERE chunk = ?1 "
                                 "UNION ALL SELECT 'graph ' || id FROM graphs WHERE id = ?1 LIMIT 1")) != NULL) {
            sqlite3_bind_text(rq, 1, hex, 64, SQLITE_STATIC);
            if (sqlite3_step(rq) == SQLITE_ROW) snprintf(refs, sizeof refs, " (used by %s)", col(rq, 0));
            vt_sql_finalize(s, rq);
        }
        char m[VT_ERROR_MSG_MAX + 400];
        snprintf(m, sizeof m, "%s%s", e.msg, refs);
        finding(r, true, m);
        return;
    }
    free(data);
}

static void check_tensor(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    r->tensors_checked++;
    const char *hex = col(q, 0);
    vt_hash256 h;
    vt_error e;
    vt_store_tensor_meta m;
    if (!vt_hash256_parse(hex, &h)) {
        char msg[200];
        snprintf(msg, sizeof msg, "tensor row with a malformed id '%.70s'", hex);
        finding(r, true, msg);
    } else if (vt_store_tensor_meta_get(s, &h, &m, &e) != VT_OK) {
        finding(r, true, e.msg);
    }
}

static void check_chunk_ref(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    (void)s;
    char m[400];
    if (sqlite3_column_type(q, 3) == SQLITE_NULL)
        snprintf(m, sizeof m, "tensor %s chunk %lld: object %s is missing", col(q, 0), (long long)sqlite3_column_int64(q, 1),
                 col(q, 2));
    else
        snprintf(m, sizeof m, "tensor %s chunk %lld: object %s has %lld bytes, the chunk needs %lld", col(q, 0),
                 (long long)sqlite3_column_int64(q, 1), col(q, 2), (long long)sqlite3_column_int64(q, 3),
                 (long long)sqlite3_column_int64(q, 4));
    finding(r, true, m);
}

static void check_graph(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    (void)s;
    r->graphs_checked++;
    if (sqlite3_column_int64(q, 1) == 0) {
        char m[200];
        snprintf(m, sizeof m, "graph %s has no entry points", col(q, 0));
        finding(r, true, m);
    }
}

static void check_claim(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    r->claims_checked++;
    vt_hash256 h;
    vt_error e;
    vt_store_claim c;
    const char *hex = col(q, 0);
    if (!vt_hash256_parse(hex, &h)) {
        char m[200];
        snprintf(m, sizeof m, "claim row with a malformed id '%.70s'", hex);
        finding(r, true, m);
        return;
    }
    if (vt_store_get_claim(s, &h, &c, &e) != VT_OK) {
        finding(r, true, e.msg);
        return;
    }
    /* The join rows must list exactly the canonical tensors and bundles, in order. */
    sqlite3_stmt *t;
    bool ok = true;
    if ((t = vt_sql_stmt(s, "SELECT role, idx, tensor_id FROM claim_tensors WHERE claim_id = ? ORDER BY role DESC, idx")) !=
        NULL) {
        sqlite3_bind_text(t, 1, hex, 64, SQLITE_STATIC);
        size_t ni = 0, no = 0;
        while (sqlite3_step(t) == SQLITE_ROW) {
            bool in = strcmp(col(t, 0), "input") == 0;
            size_t idx = (size_t)sqlite3_column_int64(t, 1);
            size_t *cnt = in ? &ni : &no;
            const vt_hash256 *list = in ? c.inputs : c.outputs;
            size_t n = in ? c.n_inputs : c.n_outputs;
            vt_hash256 th;
            if ((!in && strcmp(col(t, 0), "output")) || idx != *cnt || idx >= n || !vt_hash256_parse(col(t, 2), &th) ||
                memcmp(&th, &list[idx], sizeof th))
                ok = false;
            (*cnt)++;
        }
        vt_sql_finalize(s, t);
        if (ni != c.n_inputs || no != c.n_outputs) ok = false;
    }
    int64_t nb = -1;
    if ((t = vt_sql_stmt(s, "SELECT count(*) FROM claim_bundles WHERE claim_id = ?")) != NULL) {
        sqlite3_bind_text(t, 1, hex, 64, SQLITE_STATIC);
        if (sqlite3_step(t) == SQLITE_ROW) nb = sqlite3_column_int64(t, 0);
        vt_sql_finalize(s, t);
    }
    if (nb != (int64_t)c.n_bundles) ok = false;
    if (!ok) {
        char m[200];
        snprintf(m, sizeof m, "claim %s: its tensor/bundle rows disagree with its canonical JSON", hex);
        finding(r, true, m);
    }
    vt_store_claim_free(&c);
}

static void check_bundle(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    r->bundles_checked++;
    vt_hash256 h;
    vt_error e;
    char *js = NULL;
    const char *hex = col(q, 0);
    if (!vt_hash256_parse(hex, &h)) {
        char m[200];
        snprintf(m, sizeof m, "bundle row with a malformed id '%.70s'", hex);
        finding(r, true, m);
        return;
    }
    if (vt_store_get_bundle_json(s, &h, &js, &e) != VT_OK) {
        finding(r, true, e.msg);
        return;
    }
    json_t *b = json_loads(js, 0, NULL);
    free(js);
    json_t *tensors = json_object_get(b, "tensors");
    size_t want = 0;
    bool ok = json_is_object(tensors);
    const char *role;
    json_t *names;
    if (ok) json_object_foreach(tensors, role, names) want += json_object_size(names);
    sqlite3_stmt *t;
    size_t got = 0;
    if (ok && (t = vt_sql_stmt(s, "SELECT role, name, tensor_id FROM bundle_tensors WHERE bundle_id = ?")) != NULL) {
        sqlite3_bind_text(t, 1, hex, 64, SQLITE_STATIC);
        while (sqlite3_step(t) == SQLITE_ROW) {
            got++;
            json_t *v = json_object_get(json_object_get(tensors, col(t, 0)), col(t, 1));
            if (!json_is_string(v) || strcmp(json_string_value(v), col(t, 2))) ok = false;
        }
        vt_sql_finalize(s, t);
    }
    json_t *g = json_object_get(b, "graph"), *k = json_object_get(b, "kind"), *stp = json_object_get(b, "step");
    if (ok) {
        bool gnull = sqlite3_column_type(q, 1) == SQLITE_NULL, snull = sqlite3_column_type(q, 3) == SQLITE_NULL;
        ok = got == want && (gnull ? json_is_null(g) : (json_is_string(g) && !strcmp(json_string_value(g), col(q, 1)))) &&
             json_is_string(k) && !strcmp(json_string_value(k), col(q, 2)) &&
             (snull ? json_is_null(stp) : (json_is_integer(stp) && json_integer_value(stp) == sqlite3_column_int64(q, 3)));
    }
    json_decref(b);
    if (!ok) {
        char m[200];
        snprintf(m, sizeof m, "bundle %s: its rows disagree with its canonical JSON", hex);
        finding(r, true, m);
    }
}

static void check_fk(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    (void)s;
    char m[300];
    snprintf(m, sizeof m, "table %s row %lld: dangling reference to %s", col(q, 0), (long long)sqlite3_column_int64(q, 1),
             col(q, 2));
    finding(r, true, m);
}

static void check_orphan(vt_store *s, sqlite3_stmt *q, vt_store_fsck_report *r) {
    (void)s;
    r->orphans++;
    char m[200];
    snprintf(m, sizeof m, "object %s (%lld bytes) is referenced by nothing", col(q, 0), (long long)sqlite3_column_int64(q, 1));
    finding(r, false, m);
}

vt_status vt_store_fsck(vt_store *s, vt_store_fsck_report *r, vt_error *err) {
    memset(r, 0, sizeof *r);
    vt_buf_init(&r->log);
    /* One read transaction: a concurrent writer cannot make a consistent file look torn. */
    bool own_tx = s->tx_depth == 0;
    if (own_tx && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return vt_sql_err(s, err, "fsck begin");
    vt_status st = each_row(s, "SELECT hash FROM objects ORDER BY hash", check_object, r, err);
    if (!st) st = each_row(s, "SELECT id FROM tensors ORDER BY id", check_tensor, r, err);
    if (!st)
        st = each_row(s,
                      "SELECT c.tensor_id, c.idx, c.chunk, o.size, min(t.nbytes - c.idx * 4194304, 4194304) "
                      "FROM tensor_chunks c JOIN tensors t ON t.id = c.tensor_id LEFT JOIN objects o ON o.hash = c.chunk "
                      "WHERE o.size IS NULL OR o.size <> min(t.nbytes - c.idx * 4194304, 4194304)",
                      check_chunk_ref, r, err);
    if (!st)
        st = each_row(s, "SELECT g.id, (SELECT count(*) FROM graph_entries e WHERE e.graph_id = g.id) FROM graphs g",
                      check_graph, r, err);
    if (!st) st = each_row(s, "SELECT id FROM claims ORDER BY id", check_claim, r, err);
    if (!st) st = each_row(s, "SELECT id, graph_id, kind, step FROM bundles ORDER BY id", check_bundle, r, err);
    if (!st) st = each_row(s, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check", check_fk, r, err);
    if (!st) st = each_row(s, "SELECT hash, size " ORPHAN_SQL, check_orphan, r, err);
    if (own_tx) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (!st && r->log.failed) st = vt_error_set(err, VT_ENOMEM, "fsck: out of memory");
    return st;
}

vt_status vt_store_gc(vt_store *s, uint64_t *removed_objects, uint64_t *removed_bytes, vt_error *err) {
    *removed_objects = *removed_bytes = 0;
    vt_status st = vt_require_writable(s, "gc", err);
    if (st) return st;
    st = vt_tx_begin(s, err);
    if (st) return st;
    sqlite3_stmt *q;
    st = vt_sql_prepare(s, "SELECT count(*), coalesce(sum(size), 0) " ORPHAN_SQL, &q, err);
    if (!st) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            *removed_objects = (uint64_t)sqlite3_column_int64(q, 0);
            *removed_bytes = (uint64_t)sqlite3_column_int64(q, 1);
        } else
            st = vt_sql_err(s, err, "gc");
        vt_sql_finalize(s, q);
    }
    if (!st) st = vt_sql_exec(s, "DELETE " ORPHAN_SQL, err);
    return vt_tx_end(s, st, err);
}
