/* The verifier's own results database: one SQLite file, separate from the prover's workload
 * file, with one row per verification run of a claim (verdict, scores, timings and the engine's
 * identity), so a verifier can resume, audit and compare runs. */
#include "veritor/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct vt_results_db {
    sqlite3 *db;
    sqlite3_stmt *ins, *find;
    int depth;
    char settings[80];
};

static const char results_ddl[] =
    "CREATE TABLE IF NOT EXISTS results_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO results_meta VALUES('format', 'veritor.results.v1');"
    "CREATE TABLE IF NOT EXISTS runs("
    " id INTEGER PRIMARY KEY,"
    " claim_id TEXT NOT NULL,"
    " verified_at TEXT NOT NULL,"
    " verdict TEXT NOT NULL CHECK (verdict IN ('passed','failed','error')),"
    " exit_class INTEGER NOT NULL,"
    " status TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " strategy TEXT NOT NULL,"
    " graph_id TEXT NOT NULL,"
    " pin TEXT NOT NULL,"
    " result_json TEXT NOT NULL,"
    " engine_json TEXT NOT NULL,"
    " settings TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS runs_claim ON runs(claim_id, verified_at);";

static vt_status sql_err(vt_results_db *r, const char *what, vt_error *err) {
    return vt_error_set(err, VT_EIO, "results database: %s: %s", what, r->db ? sqlite3_errmsg(r->db) : "out of memory");
}

vt_status vt_results_open(const char *path, vt_results_db **out, vt_error *err) {
    *out = NULL;
    vt_results_db *r = calloc(1, sizeof *r);
    if (!r) return vt_error_set(err, VT_ENOMEM, "results database: out of memory");
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) !=
        SQLITE_OK) {
        vt_status st = vt_error_set(err, VT_EIO, "%s: cannot open results database: %s", path,
                                    r->db ? sqlite3_errmsg(r->db) : "out of memory");
        sqlite3_close(r->db);
        free(r);
        return st;
    }
    sqlite3_busy_timeout(r->db, 5000);
    /* The file is the verifier's own, but it may be handed around: never run its schema code. */
    sqlite3_db_config(r->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(r->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    /* Refuse any other database (a prover's workload file above all): it must be empty or hold
     * exactly our tables. */
    sqlite3_stmt *q = NULL;
    const char *other = NULL;
    char other_name[128] = "";
    int rc = sqlite3_prepare_v2(r->db, "SELECT name FROM sqlite_master WHERE name NOT IN "
                                "('results_meta','runs','runs_claim','sqlite_autoindex_results_meta_1') LIMIT 1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            snprintf(other_name, sizeof other_name, "%s", (const char *)sqlite3_column_text(q, 0));
            other = other_name;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) other = sqlite3_errmsg(r->db);
    if (other) {
        vt_status st = vt_error_set(err, VT_EINPUT, "%s: not a veritor results database: %s%s", path,
                                    rc == SQLITE_ROW ? "it holds " : "", other);
        sqlite3_finalize(q);
        sqlite3_close(r->db);
        free(r);
        return st;
    }
    sqlite3_finalize(q);
    char *msg = NULL;
    if (sqlite3_exec(r->db, results_ddl, NULL, NULL, &msg) != SQLITE_OK) {
        vt_status st = vt_error_set(err, VT_EINPUT, "%s: not a veritor results database: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(r->db);
        free(r);
        return st;
    }
    /* Files written before runs had a settings column gain it; their runs have none and are never
     * resumed from. */
    sqlite3_stmt *probe = NULL;
    bool has_settings = sqlite3_prepare_v2(r->db, "SELECT settings FROM runs LIMIT 0", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (!has_settings &&
        sqlite3_exec(r->db, "ALTER TABLE runs ADD COLUMN settings TEXT NOT NULL DEFAULT ''", NULL, NULL, &msg) != SQLITE_OK) {
        vt_status st = vt_error_set(err, VT_EINPUT, "%s: not a veritor results database: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(r->db);
        free(r);
        return st;
    }
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO runs(claim_id, verified_at, verdict, exit_class, status, reason, strategy, "
                           "graph_id, pin, result_json, engine_json, settings) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &r->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT id, verified_at, result_json FROM runs WHERE claim_id = ? AND settings = ? AND "
                           "settings <> '' AND exit_class IN (0, 1) ORDER BY id DESC LIMIT 1",
                           -1, &r->find, NULL) != SQLITE_OK) {
        vt_status st = vt_error_set(err, VT_EINPUT, "%s: not a veritor results database: %s", path, sqlite3_errmsg(r->db));
        sqlite3_finalize(r->ins);
        sqlite3_close(r->db);
        free(r);
        return st;
    }
    *out = r;
    return VT_OK;
}

void vt_results_close(vt_results_db *r) {
    if (!r) return;
    if (r->depth) sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(r->ins);
    sqlite3_finalize(r->find);
    sqlite3_close(r->db);
    free(r);
}

void vt_results_set_settings(vt_results_db *r, const char *settings) {
    snprintf(r->settings, sizeof r->settings, "%s", settings ? settings : "");
}

vt_status vt_results_find_final(vt_results_db *r, const char *claim_id, vt_verify_result *out, bool *found,
                                vt_error *err) {
    *found = false;
    memset(out, 0, sizeof *out);
    if (!r->settings[0]) return VT_OK;
    sqlite3_stmt *s = r->find;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, claim_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, r->settings, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return VT_OK;
    }
    if (rc != SQLITE_ROW) {
        vt_status st = sql_err(r, "find", err);
        sqlite3_reset(s);
        return st;
    }
    int64_t id = sqlite3_column_int64(s, 0);
    const char *at = (const char *)sqlite3_column_text(s, 1);
    const char *js = (const char *)sqlite3_column_text(s, 2);
    vt_error e;
    vt_status st = js ? vt_verify_result_from_json(js, (size_t)sqlite3_column_bytes(s, 2), out, &e)
                      : vt_error_set(&e, VT_EINPUT, "no result JSON");
    if (!st && strcmp(out->claim_id, claim_id) != 0) st = vt_error_set(&e, VT_EINPUT, "it is the result of claim %.12s", out->claim_id);
    if (!st && out->exit_class > 1) st = vt_error_set(&e, VT_EINPUT, "its result is not a verdict");
    /* printed as it is: an RFC 3339 time and nothing else */
    size_t atn = at ? strlen(at) : 0;
    bool time_ok = atn >= 10 && atn < sizeof out->resumed_at;
    for (size_t i = 0; time_ok && i < atn; i++)
        time_ok = (at[i] >= '0' && at[i] <= '9') || strchr("-:.TZ", at[i]) != NULL;
    if (!st && !time_ok) st = vt_error_set(&e, VT_EINPUT, "verified_at is not an RFC 3339 time");
    if (st) {
        vt_verify_result_free(out);
        memset(out, 0, sizeof *out);
        st = vt_error_set(err, VT_EINPUT, "results database: run %lld of claim %.12s: %s", (long long)id, claim_id, e.msg);
    } else {
        out->resumed_run = id;
        snprintf(out->resumed_at, sizeof out->resumed_at, "%s", at ? at : "");
        *found = true;
    }
    sqlite3_reset(s);
    return st;
}

vt_status vt_results_begin(vt_results_db *r, vt_error *err) {
    if (r->depth++ == 0 && sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        r->depth = 0;
        return sql_err(r, "begin", err);
    }
    return VT_OK;
}

vt_status vt_results_commit(vt_results_db *r, vt_error *err) {
    if (r->depth == 0) return VT_OK;
    if (--r->depth == 0 && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return sql_err(r, "commit", err);
    return VT_OK;
}

vt_status vt_results_record(vt_results_db *r, const vt_verify_result *res, const char *engine_json, vt_error *err) {
    json_t *j = vt_verify_result_json(res);
    char *rj = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!rj) return vt_error_set(err, VT_ENOMEM, "results database: out of memory");
    char now[40];
    vt_store_now_rfc3339(now);
    sqlite3_stmt *s = r->ins;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, res->claim_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, vt_verdict_name(res->verdict), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, res->exit_class);
    sqlite3_bind_text(s, 5, vt_status_name(res->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, res->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, res->strategy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, res->graph_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, res->pin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, rj, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 11, engine_json ? engine_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 12, r->settings, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    free(rj);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? VT_OK : sql_err(r, "insert", err);
}

vt_status vt_results_count(vt_results_db *r, const char *claim_id, int64_t *n, vt_error *err) {
    sqlite3_stmt *s;
    const char *q = claim_id ? "SELECT COUNT(*) FROM runs WHERE claim_id = ?" : "SELECT COUNT(*) FROM runs";
    if (sqlite3_prepare_v2(r->db, q, -1, &s, NULL) != SQLITE_OK) return sql_err(r, "count", err);
    if (claim_id) sqlite3_bind_text(s, 1, claim_id, -1, SQLITE_TRANSIENT);
    vt_status st = VT_OK;
    if (sqlite3_step(s) == SQLITE_ROW) *n = sqlite3_column_int64(s, 0);
    else st = sql_err(r, "count", err);
    sqlite3_finalize(s);
    return st;
}
