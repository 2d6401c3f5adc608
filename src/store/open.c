/* Opening the workload database: read-write for the prover, read-only and defensive for readers
 * (a file from an untrusted party is checked byte by byte before SQLite parses its schema). */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zstd.h>

void vt_store_now_rfc3339(char out[40]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    /* Format into a roomy buffer (gcc cannot bound every field) and keep the 24 chars we need. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
    snprintf(out, 40, "%.39s", tmp);
}

bool vt_hash256_parse(const char *hex, vt_hash256 *out) {
    if (!hex || strlen(hex) != 2 * VT_SHA256_LEN) return false;
    return vt_hex_decode(hex, VT_SHA256_LEN, out->b);
}

void vt_hash_hex_of(const vt_hash256 *h, char out[65]) { vt_hex_encode(h->b, VT_SHA256_LEN, out); }

bool vt_text_is_hash(const unsigned char *t) {
    if (!t) return false;
    for (int i = 0; i < 64; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return false;
    return t[64] == 0;
}

vt_status vt_sql_err(vt_store *s, vt_error *err, const char *what) {
    int rc = sqlite3_errcode(s->db);
    vt_status code = VT_EIO;
    if (rc == SQLITE_NOMEM) code = VT_ENOMEM;
    else if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH)
        code = VT_EINPUT;
    else if (rc == SQLITE_TOOBIG || rc == SQLITE_FULL) code = VT_ELIMIT;
    return vt_error_set(err, code, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

vt_status vt_sql_exec(vt_store *s, const char *sql, vt_error *err) {
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) return vt_sql_err(s, err, sql);
    return VT_OK;
}

vt_status vt_sql_prepare(vt_store *s, const char *sql, sqlite3_stmt **st, vt_error *err) {
    *st = NULL;
    vt_stmt_slot *victim = NULL;
    for (int i = 0; !s->no_stmt_cache && i < VT_STMT_CACHE; i++) {
        vt_stmt_slot *k = &s->stmts[i];
        if (k->busy) continue;
        if (k->st && !strcmp(k->sql, sql)) {
            k->busy = true;
            k->used = ++s->stmt_clock;
            *st = k->st;
            return VT_OK;
        }
        if (!victim || !k->st || (victim->st && k->used < victim->used)) victim = k;
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return vt_sql_err(s, err, "preparing a statement");
    }
    /* Without an idle slot (or memory for the key) the statement simply stays uncached. */
    char *copy = victim ? strdup(sql) : NULL;
    if (copy) {
        if (victim->st) sqlite3_finalize(victim->st);
        free(victim->sql);
        victim->sql = copy;
        victim->st = *st;
        victim->busy = true;
        victim->used = ++s->stmt_clock;
    }
    return VT_OK;
}

void vt_sql_finalize(vt_store *s, sqlite3_stmt *st) {
    if (!st) return;
    for (int i = 0; i < VT_STMT_CACHE; i++)
        if (s->stmts[i].st == st) {
            if (s->no_stmt_cache) {
                sqlite3_finalize(st);
                free(s->stmts[i].sql);
                s->stmts[i] = (vt_stmt_slot){0};
                return;
            }
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->stmts[i].busy = false;
            return;
        }
    sqlite3_finalize(st);
}

sqlite3_stmt *vt_sql_stmt(vt_store *s, const char *sql) {
    sqlite3_stmt *st;
    vt_error e;
    return vt_sql_prepare(s, sql, &st, &e) == VT_OK ? st : NULL;
}

void vt_store_set_stmt_cache(vt_store *s, bool on) {
    s->no_stmt_cache = !on;
    if (!on) {
        /* Idle statements go now; busy ones are finalized when their holder hands them back. */
        for (int i = 0; i < VT_STMT_CACHE; i++)
            if (s->stmts[i].st && !s->stmts[i].busy) {
                sqlite3_finalize(s->stmts[i].st);
                free(s->stmts[i].sql);
                s->stmts[i] = (vt_stmt_slot){0};
            }
    }
}

vt_status vt_store_set_bulk(vt_store *s, bool on, vt_error *err) {
    vt_status st = vt_require_writable(s, "bulk ingest", err);
    if (st) return st;
    if (s->tx_depth > 0)
        return vt_error_set(err, VT_EUSAGE, "%s: bulk ingest: cannot switch inside a transaction", s->path);
    if (s->bulk == on) return VT_OK;
    const char *want = on ? "delete" : "wal";
    /* Leaving WAL needs the file alone: fail at once rather than wait out the busy timeout. */
    sqlite3_busy_timeout(s->db, 0);
    sqlite3_stmt *q;
    st = vt_sql_prepare(s, on ? "PRAGMA journal_mode = DELETE" : "PRAGMA journal_mode = WAL", &q, err);
    char got[16] = "";
    if (!st) {
        if (sqlite3_step(q) == SQLITE_ROW) snprintf(got, sizeof got, "%s", (const char *)sqlite3_column_text(q, 0));
        vt_sql_finalize(s, q);
    }
    sqlite3_busy_timeout(s->db, 30000);
    if (st) return st;
    if (strcmp(got, want))
        return vt_error_set(err, VT_EIO, "%s: bulk ingest %s: journal mode stays '%s'%s", s->path, on ? "on" : "off",
                            got[0] ? got : sqlite3_errmsg(s->db),
                            on ? ": another connection has the file open (bulk ingest needs it alone)" : "");
    s->bulk = on;
    /* A rollback journal needs FULL to be as safe against power loss as WAL is with NORMAL; the
     * extra syncs are of the journal, which holds no appended pages and stays small. */
    return vt_sql_exec(s, on ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", err);
}

void vt_sql_cache_clear(vt_store *s) {
    for (int i = 0; i < VT_STMT_CACHE; i++) {
        sqlite3_finalize(s->stmts[i].st); /* a busy one too: its holder is gone by now */
        free(s->stmts[i].sql);
        s->stmts[i] = (vt_stmt_slot){0};
    }
}

bool vt_store_writable(const vt_store *s) { return s->mode == VT_STORE_CREATE || s->mode == VT_STORE_RW; }
int vt_store_file_schema_version(const vt_store *s) { return s->file_version; }

vt_status vt_require_writable(vt_store *s, const char *what, vt_error *err) {
    if (!vt_store_writable(s))
        return vt_error_set(err, VT_EUSAGE, "%s: %s: the store is open read-only", s->path, what);
    return VT_OK;
}

vt_status vt_tx_begin(vt_store *s, vt_error *err) {
    if (s->tx_depth == 0) {
        vt_status st = vt_sql_exec(s, "BEGIN IMMEDIATE", err);
        if (st) return st;
        s->tx_failed = false;
    }
    s->tx_depth++;
    return VT_OK;
}

vt_status vt_tx_end(vt_store *s, vt_status st, vt_error *err) {
    if (s->tx_depth <= 0) return st ? st : vt_error_set(err, VT_EINTERNAL, "store: transaction end without begin");
    if (st) s->tx_failed = true;
    if (--s->tx_depth > 0) return st;
    if (s->tx_failed) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->tx_failed = false;
        return st ? st : vt_error_set(err, VT_ECHECK, "%s: transaction rolled back: an earlier step failed", s->path);
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        vt_status cs = vt_sql_err(s, err, "commit");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return cs;
    }
    return VT_OK;
}

vt_status vt_store_begin(vt_store *s, vt_error *err) {
    vt_status st = vt_require_writable(s, "begin", err);
    return st ? st : vt_tx_begin(s, err);
}
vt_status vt_store_commit(vt_store *s, vt_error *err) { return vt_tx_end(s, VT_OK, err); }
void vt_store_rollback(vt_store *s) {
    vt_error e;
    if (s->tx_depth > 0) vt_tx_end(s, VT_ECHECK, &e);
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The 100-byte header, read before SQLite sees the file: the magic, the page size, the size the
 * header claims against the real size (truncation), the application id and schema version. */
static vt_status check_header(const char *path, bool must_exist, bool live, bool *empty, uint32_t *app_out,
                              int *version, vt_error *err) {
    *empty = false;
    *version = 0;
    *app_out = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT && !must_exist) {
            *empty = true;
            return VT_OK;
        }
        return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode)) return vt_error_set(err, VT_EINPUT, "%s: not a regular file", path);
    if (sb.st_size == 0) {
        if (!must_exist) {
            *empty = true;
            return VT_OK;
        }
        return vt_error_set(err, VT_EINPUT, "%s: empty file, not a veritor database", path);
    }
    FILE *f = fopen(path, "rb");
    if (!f) return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char h[100];
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < 16 || memcmp(h, "SQLite format 3", 16) != 0)
        return vt_error_set(err, VT_EINPUT, "%s: offset 0: not an SQLite database (bad magic)", path);
    if (n < 100) return vt_error_set(err, VT_EINPUT, "%s: truncated: the 100-byte SQLite header is cut short", path);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || (page & (page - 1)))
        return vt_error_set(err, VT_EINPUT, "%s: offset 16: invalid page size %u", path, page);
    uint32_t npages = be32(h + 28), change = be32(h + 24), valid_for = be32(h + 92);
    /* A rollback journal beside the file: a bulk writer is mid-transaction (or was killed in one),
     * and page 1 may already count pages still in its cache; SQLite's locks and hot-journal
     * rollback make that consistent, so the size is left to SQLite then. */
    if (npages && change == valid_for && !live) {
        uint64_t need = (uint64_t)npages * page;
        if ((uint64_t)sb.st_size < need)
            return vt_error_set(err, VT_EINPUT, "%s: truncated: the header says %u pages (%llu bytes), the file has %lld",
                                path, npages, (unsigned long long)need, (long long)sb.st_size);
    }
    *app_out = be32(h + 68);
    *version = (int)be32(h + 60);
    return VT_OK;
}

/* The application id and schema version, from the raw header (before SQLite parses anything) or
 * from SQLite (which also sees a WAL a live writer has not checkpointed yet). */
static vt_status check_ids(const char *path, uint32_t app, uint32_t uv, bool may_be_empty, bool *empty, vt_error *err) {
    *empty = false;
    if (app != VT_STORE_APP_ID) {
        if (app == 0 && uv == 0 && may_be_empty) {
            *empty = true; /* a fresh SQLite file nothing was written to */
            return VT_OK;
        }
        return vt_error_set(err, VT_EINPUT, "%s: offset 68: application id 0x%08x: not a veritor database", path, app);
    }
    if (uv > (uint32_t)vt_store_schema_version())
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: %s: schema version %u is newer than this veritor reads (%d)", path, uv,
                            vt_store_schema_version());
    if (uv == 0) return vt_error_set(err, VT_EINPUT, "%s: offset 60: schema version 0", path);
    return VT_OK;
}

/* A URI path: every byte outside the unreserved set and '/' percent-encoded, so that '?', '#'
 * and '%' in a file name cannot add URI parameters. */
static char *file_uri(const char *path, const char *params) {
    size_t n = strlen(path);
    char *u = malloc(3 * n + strlen(params) + 16);
    if (!u) return NULL;
    char *p = u;
    p += sprintf(p, "file:");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-' ||
            c == '_' || c == '.' || c == '~')
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    sprintf(p, "?%s", params);
    return u;
}

static vt_status harden(vt_store *s, vt_error *err) {
    static const int on_off[][2] = {
        {SQLITE_DBCONFIG_DEFENSIVE, 1},      {SQLITE_DBCONFIG_ENABLE_TRIGGER, 0},
        {SQLITE_DBCONFIG_ENABLE_VIEW, 0},    {SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0},
        {SQLITE_DBCONFIG_DQS_DDL, 0},        {SQLITE_DBCONFIG_DQS_DML, 0},
        {SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0},
    };
    for (size_t i = 0; i < sizeof on_off / sizeof on_off[0]; i++) {
        int got = -1;
        if (sqlite3_db_config(s->db, on_off[i][0], on_off[i][1], &got) != SQLITE_OK || got != on_off[i][1])
            return vt_error_set(err, VT_EINTERNAL, "%s: cannot set SQLite option %d", s->path, on_off[i][0]);
    }
    sqlite3_enable_load_extension(s->db, 0);
    /* Objects are at most a 4 MiB chunk or a graph text; nothing legitimate comes near this. */
    sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, 1 << 30);
    sqlite3_busy_timeout(s->db, 30000);
    return vt_sql_exec(s, "PRAGMA trusted_schema = OFF", err);
}

static vt_status quick_check(vt_store *s, vt_error *err) {
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, "PRAGMA quick_check(5)", &st, err);
    if (rs) return vt_error_set(err, VT_EINPUT, "%s: quick_check: %s", s->path, sqlite3_errmsg(s->db));
    vt_buf msg;
    vt_buf_init(&msg);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (t && strcmp(t, "ok") != 0) vt_buf_printf(&msg, "%s%s", msg.len ? "; " : "", t);
    }
    if (rc != SQLITE_DONE) vt_buf_printf(&msg, "%s%s", msg.len ? "; " : "", sqlite3_errmsg(s->db));
    vt_sql_finalize(s, st);
    if (msg.len) rs = vt_error_set(err, VT_EINPUT, "%s: quick_check failed: %s", s->path, vt_buf_cstr(&msg));
    vt_buf_free(&msg);
    return rs;
}

static vt_status read_version(vt_store *s, const char *pragma, int *out, vt_error *err) {
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, pragma, &st, err);
    if (rs) return rs;
    if (sqlite3_step(st) != SQLITE_ROW) rs = vt_sql_err(s, err, pragma);
    else *out = sqlite3_column_int(st, 0);
    vt_sql_finalize(s, st);
    return rs;
}

/* Whether PATH+suffix exists with content (a -wal or -journal beside the file). */
static vt_status side_file(const char *path, const char *suffix, bool *present, vt_error *err) {
    *present = false;
    size_t n = strlen(path), k = strlen(suffix);
    char *p = malloc(n + k + 1);
    if (!p) return vt_error_set(err, VT_ENOMEM, "store: out of memory");
    memcpy(p, path, n);
    memcpy(p + n, suffix, k + 1);
    struct stat sb;
    *present = stat(p, &sb) == 0 && sb.st_size > 0;
    free(p);
    return VT_OK;
}

vt_status vt_store_open(const char *path, const vt_store_options *opt, vt_store **out, vt_error *err) {
    *out = NULL;
    vt_store_options dflt = {VT_STORE_VERIFY, false, 0, false};
    if (!opt) opt = &dflt;
    if (!path || !*path) return vt_error_set(err, VT_EUSAGE, "store: no database path");
    bool writer = opt->mode == VT_STORE_CREATE || opt->mode == VT_STORE_RW;
    bool empty, wal_present, journal_present;
    int version;
    uint32_t app;
    vt_status st = side_file(path, "-wal", &wal_present, err);
    if (!st) st = side_file(path, "-journal", &journal_present, err);
    if (st) return st;
    if (opt->mode == VT_STORE_VERIFY && journal_present)
        return vt_error_set(err, VT_EINPUT,
                            "%s: a rollback journal (-journal) lies beside it: a writer did not finish; open it "
                            "read-write once (e.g. veritor db fsck --rw) before handing it over",
                            path);
    bool live = (wal_present || journal_present) && opt->mode != VT_STORE_VERIFY;
    st = check_header(path, opt->mode != VT_STORE_CREATE, live, &empty, &app, &version, err);
    if (st) return st;
    /* Only a live file (a writer's WAL or journal beside it) may hold newer header values than its
     * bytes: SQLite's own view is checked below. */
    if (!empty && !live) {
        st = check_ids(path, app, (uint32_t)version, opt->mode == VT_STORE_CREATE, &empty, err);
        if (st) return st;
    }
    if (opt->mode == VT_STORE_VERIFY) {
        /* immutable=1 ignores a -wal file: the committed state would silently be older. */
        if (wal_present)
            return vt_error_set(err, VT_EINPUT,
                                "%s: a write-ahead log (-wal) lies beside it: the writer did not close it; open it "
                                "read-write once (e.g. veritor db fsck --rw) before handing it over",
                                path);
    }
    vt_store *s = calloc(1, sizeof *s);
    if (!s) return vt_error_set(err, VT_ENOMEM, "store: out of memory");
    s->path = strdup(path);
    s->mode = opt->mode;
    s->compress = opt->compress;
    s->threads = opt->threads;
    s->file_version = version;
    if (!s->path) {
        free(s);
        return vt_error_set(err, VT_ENOMEM, "store: out of memory");
    }
    int rc;
    if (writer) {
        int flags = SQLITE_OPEN_READWRITE | (opt->mode == VT_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
        rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
    } else {
        char *uri = file_uri(path, opt->mode == VT_STORE_VERIFY ? "immutable=1" : "mode=ro");
        if (!uri) {
            vt_store_close(s, NULL);
            return vt_error_set(err, VT_ENOMEM, "store: out of memory");
        }
        rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
        free(uri);
    }
    if (rc != SQLITE_OK) {
        st = vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        vt_store_close(s, NULL);
        return st;
    }
    st = harden(s, err);
    if (!st && !empty) {
        /* SQLite's view of the header, WAL included: the authoritative one for live files. */
        int a = 0, uv = 0;
        st = read_version(s, "PRAGMA application_id", &a, err);
        if (!st) st = read_version(s, "PRAGMA user_version", &uv, err);
        if (!st) st = check_ids(path, (uint32_t)a, (uint32_t)uv, false, &empty, err);
        if (!st && writer && journal_present) {
            /* SQLite has rolled the journal back by now (its first read did): when it is gone, the
             * file must be whole again, so the size check skipped above applies after all. */
            bool still;
            bool e2;
            uint32_t a2;
            int v2;
            st = side_file(path, "-journal", &still, err);
            if (!st && !still) st = check_header(path, true, false, &e2, &a2, &v2, err);
        }
        if (!st) s->file_version = version = uv;
    } else if (!st && empty) {
        /* An SQLite file without our id is only taken as new when it holds nothing at all. */
        sqlite3_stmt *q;
        st = vt_sql_prepare(s, "SELECT count(*) FROM sqlite_schema", &q, err);
        if (!st) {
            if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int64(q, 0) != 0)
                st = vt_error_set(err, VT_EINPUT, "%s: offset 68: application id 0x00000000: not a veritor database",
                                  path);
            vt_sql_finalize(s, q);
        }
    }
    if (!st && writer) {
        /* Large pages: a 4 MiB chunk is 64 overflow pages instead of 1024 (set before the file
         * has content; ignored afterwards). A bigger page cache keeps index inserts of a long
         * event stream off the disk. */
        st = empty ? vt_sql_exec(s, "PRAGMA page_size = 65536", err) : VT_OK;
        if (!st) st = vt_sql_exec(s, "PRAGMA cache_size = -32768", err);
        if (!st) st = vt_sql_exec(s, "PRAGMA foreign_keys = ON", err);
        if (!st) st = vt_sql_exec(s, "PRAGMA journal_mode = WAL", err);
        if (!st) st = vt_sql_exec(s, "PRAGMA synchronous = NORMAL", err);
        if (!st && !empty) {
            /* Check the existing schema at its own version before migrating it forward. */
            st = vt_schema_verify(s, err);
        }
        if (!st) st = vt_schema_create_or_migrate(s, err);
    } else if (!st) {
        if (version < vt_store_schema_version())
            st = vt_error_set(err, VT_EUNSUPPORTED,
                              "not supported: %s: schema version %d is older than %d: open it read-write once to "
                              "migrate it",
                              path, version, vt_store_schema_version());
        if (!st) st = vt_schema_verify(s, err);
        if (!st && !opt->skip_quick_check) st = quick_check(s, err);
        /* A claim load touches a handful of 64 KiB pages in several tables; SQLite's default
         * 2 MiB cache holds only 31 of them, and every miss is a 64 KiB read. */
        if (!st) st = vt_sql_exec(s, "PRAGMA cache_size = -32768", err);
    }
    if (st) {
        s->mode = VT_STORE_VERIFY; /* close without touching the journal mode */
        vt_store_close(s, NULL);
        return st;
    }
    *out = s;
    return VT_OK;
}

vt_status vt_store_close(vt_store *s, vt_error *err) {
    if (!s) return VT_OK;
    vt_status st = VT_OK;
    vt_sql_cache_clear(s);
    if (s->db) {
        if (s->tx_depth > 0) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (vt_store_writable(s)) {
            /* Hand-over form: everything in the main file, no -wal/-shm needed beside it. While
             * another connection (a live reader) holds the file, this is left to the last one. */
            sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
            sqlite3_exec(s->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
        }
        if (sqlite3_close(s->db) != SQLITE_OK) {
            st = vt_error_set(err, VT_EINTERNAL, "%s: close: %s", s->path ? s->path : "store", sqlite3_errmsg(s->db));
            sqlite3_close_v2(s->db);
        }
    }
    ZSTD_freeCCtx(s->zcctx);
    ZSTD_freeDCtx(s->zdctx);
    free(s->path);
    free(s);
    return st;
}
