/* The workload database schema as a chain of forward migrations, and the exact comparison of a
 * file's sqlite_schema with the DDL its version implies (how planted objects are refused). */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* migrations[v - 1] takes a file from version v-1 to v. Never edit a released step: add one.
 * The meaning of every column is in docs/database.md. */
static const char *const migrations[] = {
    /* 1: everything */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);\n"
    "CREATE TABLE objects(hash TEXT PRIMARY KEY NOT NULL CHECK(length(hash) = 64), "
    "size INTEGER NOT NULL CHECK(size >= 0), codec INTEGER NOT NULL CHECK(codec IN (0, 1)), data BLOB NOT NULL);\n"
    "CREATE TABLE tensors(id TEXT PRIMARY KEY NOT NULL CHECK(length(id) = 64), dtype TEXT NOT NULL, "
    "shape TEXT NOT NULL, nbytes INTEGER NOT NULL CHECK(nbytes >= 0), nchunks INTEGER NOT NULL CHECK(nchunks >= 0), "
    "created_at TEXT NOT NULL);\n"
    "CREATE TABLE tensor_chunks(tensor_id TEXT NOT NULL REFERENCES tensors(id), idx INTEGER NOT NULL, "
    "chunk TEXT NOT NULL REFERENCES objects(hash), PRIMARY KEY(tensor_id, idx)) WITHOUT ROWID;\n"
    "CREATE INDEX tensor_chunks_chunk ON tensor_chunks(chunk);\n"
    "CREATE TABLE graphs(id TEXT PRIMARY KEY NOT NULL REFERENCES objects(hash), role TEXT NOT NULL "
    "CHECK(role IN ('logical', 'distributed', 'verification')), format TEXT NOT NULL, "
    "metadata TEXT NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE TABLE graph_entries(graph_id TEXT NOT NULL REFERENCES graphs(id), name TEXT NOT NULL, "
    "public INTEGER NOT NULL, signature TEXT NOT NULL, PRIMARY KEY(graph_id, name)) WITHOUT ROWID;\n"
    "CREATE TABLE derivations(id INTEGER PRIMARY KEY, source TEXT NOT NULL REFERENCES graphs(id), "
    "target TEXT NOT NULL REFERENCES graphs(id), kind TEXT NOT NULL, params TEXT NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE INDEX derivations_source ON derivations(source);\n"
    "CREATE INDEX derivations_target ON derivations(target);\n"
    "CREATE TABLE traces(id INTEGER PRIMARY KEY, graph_id TEXT REFERENCES graphs(id), start_ns INTEGER, "
    "end_ns INTEGER, metadata TEXT NOT NULL, created_at TEXT NOT NULL);\n"
    "CREATE INDEX traces_graph ON traces(graph_id);\n"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, trace_id INTEGER NOT NULL REFERENCES traces(id), "
    "ts_ns INTEGER NOT NULL, kind TEXT NOT NULL, device TEXT, op_id TEXT, mem_bytes INTEGER, payload TEXT, "
    "payload_obj TEXT REFERENCES objects(hash));\n"
    "CREATE INDEX events_trace_ts ON events(trace_id, ts_ns);\n"
    "CREATE INDEX events_device_ts ON events(device, ts_ns);\n"
    "CREATE INDEX events_op_ts ON events(op_id, ts_ns);\n"
    "CREATE INDEX events_ts ON events(ts_ns);\n"
    "CREATE TABLE bundles(id TEXT PRIMARY KEY NOT NULL CHECK(length(id) = 64), canonical TEXT NOT NULL, "
    "graph_id TEXT REFERENCES graphs(id), kind TEXT NOT NULL, step INTEGER, created_at TEXT NOT NULL);\n"
    "CREATE INDEX bundles_graph_kind_step ON bundles(graph_id, kind, step);\n"
    "CREATE TABLE bundle_tensors(bundle_id TEXT NOT NULL REFERENCES bundles(id), role TEXT NOT NULL, "
    "name TEXT NOT NULL, tensor_id TEXT NOT NULL REFERENCES tensors(id), PRIMARY KEY(bundle_id, role, name)) "
    "WITHOUT ROWID;\n"
    "CREATE INDEX bundle_tensors_tensor ON bundle_tensors(tensor_id);\n"
    "CREATE TABLE devices(id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, model TEXT, memory_bytes INTEGER, "
    "peak_flops REAL, mem_bandwidth REAL, host TEXT, properties TEXT NOT NULL);\n"
    "CREATE TABLE links(a TEXT NOT NULL REFERENCES devices(id), b TEXT NOT NULL REFERENCES devices(id), "
    "bandwidth REAL, latency_ns REAL, PRIMARY KEY(a, b)) WITHOUT ROWID;\n"
    "CREATE TABLE challenges(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, device TEXT, op_id TEXT, seed TEXT, "
    "params TEXT NOT NULL, issued_at_ns INTEGER NOT NULL, deadline_ns INTEGER, "
    "response_obj TEXT REFERENCES objects(hash), responded_at_ns INTEGER);\n"
    "CREATE TABLE claims(id TEXT PRIMARY KEY NOT NULL CHECK(length(id) = 64), canonical TEXT NOT NULL, "
    "graph_id TEXT NOT NULL REFERENCES graphs(id), entry TEXT NOT NULL, strategy TEXT NOT NULL, "
    "trace_id INTEGER REFERENCES traces(id), created_at TEXT NOT NULL);\n"
    "CREATE INDEX claims_graph ON claims(graph_id);\n"
    "CREATE INDEX claims_strategy ON claims(strategy);\n"
    "CREATE TABLE claim_tensors(claim_id TEXT NOT NULL REFERENCES claims(id), role TEXT NOT NULL, "
    "idx INTEGER NOT NULL, tensor_id TEXT NOT NULL REFERENCES tensors(id), PRIMARY KEY(claim_id, role, idx)) "
    "WITHOUT ROWID;\n"
    "CREATE INDEX claim_tensors_tensor ON claim_tensors(tensor_id);\n"
    "CREATE TABLE claim_bundles(claim_id TEXT NOT NULL REFERENCES claims(id), "
    "bundle_id TEXT NOT NULL REFERENCES bundles(id), PRIMARY KEY(claim_id, bundle_id)) WITHOUT ROWID;\n",
    /* 2: time-ordered claim listings */
    "CREATE INDEX claims_created ON claims(created_at);\n",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int vt_store_schema_version(void) { return N_MIGRATIONS; }

static vt_status raw_exec(sqlite3 *db, const char *sql, const char *what, vt_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vt_status st = vt_error_set(err, VT_EIO, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return st;
    }
    return VT_OK;
}

static vt_status set_version(sqlite3 *db, int v, vt_error *err) {
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;", VT_STORE_APP_ID, v);
    return raw_exec(db, sql, "schema: setting the version", err);
}

vt_status vt_schema_create_version(sqlite3 *db, int version, vt_error *err) {
    if (version < 1 || version > N_MIGRATIONS)
        return vt_error_set(err, VT_EINTERNAL, "schema: no version %d", version);
    vt_status st = raw_exec(db, "BEGIN IMMEDIATE", "schema", err);
    if (st) return st;
    for (int v = 1; v <= version && !st; v++) st = raw_exec(db, migrations[v - 1], "schema: migration", err);
    if (!st) st = set_version(db, version, err);
    if (!st) st = raw_exec(db, "COMMIT", "schema: commit", err);
    if (st) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* Called for writers after the header checks in open.c: an empty file gets the whole chain, an
 * older one the missing steps, all in one transaction. */
vt_status vt_schema_create_or_migrate(vt_store *s, vt_error *err) {
    int from = s->file_version;
    if (from == N_MIGRATIONS) return VT_OK;
    vt_status st = raw_exec(s->db, "BEGIN IMMEDIATE", "schema", err);
    if (st) return st;
    for (int v = from + 1; v <= N_MIGRATIONS && !st; v++) {
        st = raw_exec(s->db, migrations[v - 1], "schema: migration", err);
        if (st) vt_error_prefix(err, "%s: migrating to schema version %d", s->path, v);
    }
    if (!st) st = set_version(s->db, N_MIGRATIONS, err);
    if (!st && from == 0) {
        char now[40], sql[256];
        vt_store_now_rfc3339(now);
        snprintf(sql, sizeof sql,
                 "INSERT INTO meta(key, value) VALUES ('created_at', '%s'), ('created_by', 'veritor %s')", now,
                 vt_version());
        st = raw_exec(s->db, sql, "schema: meta", err);
    }
    if (!st) st = raw_exec(s->db, "COMMIT", "schema: commit", err);
    if (st) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->file_version = N_MIGRATIONS;
    return VT_OK;
}

/* One row of sqlite_schema, as text: "type|name|tbl_name|sql". */
static vt_status schema_rows(sqlite3 *db, vt_buf *out, vt_error *err) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name", -1, &st,
                           NULL) != SQLITE_OK)
        return vt_error_set(err, VT_EINPUT, "schema: cannot read sqlite_schema: %s", sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < 4; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            vt_buf_puts(out, t ? (const char *)t : "<null>");
            vt_buf_puts(out, i < 3 ? "|" : "\n");
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return vt_error_set(err, VT_EINPUT, "schema: cannot read sqlite_schema: %s", sqlite3_errmsg(db));
    if (out->failed) return vt_error_set(err, VT_ENOMEM, "schema: out of memory");
    return VT_OK;
}

/* Names the first line that differs so that the refusal says what was planted or changed. */
static void first_difference(const char *want, const char *got, char *out, size_t cap) {
    const char *w = want, *g = got;
    while (*w && *g) {
        const char *we = strchr(w, '\n'), *ge = strchr(g, '\n');
        size_t wl = we ? (size_t)(we - w) : strlen(w), gl = ge ? (size_t)(ge - g) : strlen(g);
        if (wl != gl || memcmp(w, g, wl) != 0) {
            snprintf(out, cap, "found '%.*s' where the schema has '%.*s'", (int)(gl > 200 ? 200 : gl), g,
                     (int)(wl > 200 ? 200 : wl), w);
            return;
        }
        w += wl + (we ? 1 : 0);
        g += gl + (ge ? 1 : 0);
    }
    if (*g) {
        const char *ge = strchr(g, '\n');
        size_t gl = ge ? (size_t)(ge - g) : strlen(g);
        snprintf(out, cap, "unexpected schema object '%.*s'", (int)(gl > 200 ? 200 : gl), g);
    } else if (*w) {
        const char *we = strchr(w, '\n');
        size_t wl = we ? (size_t)(we - w) : strlen(w);
        snprintf(out, cap, "missing schema object '%.*s'", (int)(wl > 200 ? 200 : wl), w);
    } else {
        snprintf(out, cap, "schema differs");
    }
}

vt_status vt_schema_verify(vt_store *s, vt_error *err) {
    int v = s->file_version;
    if (v < 1 || v > N_MIGRATIONS) return vt_error_set(err, VT_EINTERNAL, "schema: bad version %d", v);
    /* The expected rows come from running the same DDL in memory, so the comparison is exact
     * (including SQLite's own autoindexes) without a second copy of the schema to keep in sync. */
    sqlite3 *mem = NULL;
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sqlite3_close(mem);
        return vt_error_set(err, VT_ENOMEM, "schema: cannot open an in-memory database");
    }
    vt_buf want, got;
    vt_buf_init(&want);
    vt_buf_init(&got);
    vt_status st = vt_schema_create_version(mem, v, err);
    if (!st) st = schema_rows(mem, &want, err);
    sqlite3_close(mem);
    if (!st) {
        st = schema_rows(s->db, &got, err);
        if (st) vt_error_prefix(err, "%s", s->path);
    }
    if (!st && (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)) {
        char diff[600];
        first_difference(vt_buf_cstr(&want), vt_buf_cstr(&got), diff, sizeof diff);
        st = vt_error_set(err, VT_EINPUT, "%s: schema does not match veritor schema version %d: %s", s->path, v, diff);
    }
    vt_buf_free(&want);
    vt_buf_free(&got);
    return st;
}
