/* Private to the store layer: the open-store record and the SQL helpers every store file uses. */
#ifndef VT_STORE_INTERNAL_H
#define VT_STORE_INTERNAL_H

#include "veritor/store.h"

#include <sqlite3.h>

/* Prepared statements are cached per handle: preparing costs more than running the small
 * lookups a claim load is made of. A slot is busy while a caller holds its statement, so a
 * nested use of the same SQL gets a fresh (uncached) statement instead. */
#define VT_STMT_CACHE 48
typedef struct vt_stmt_slot {
    char *sql;
    sqlite3_stmt *st;
    bool busy;
    uint64_t used; /* clock of the last hand-out: the least recently used idle slot is evicted */
} vt_stmt_slot;

struct vt_store {
    sqlite3 *db;
    char *path;
    vt_store_mode mode;
    bool compress;
    int threads;
    int file_version;
    int tx_depth;
    bool tx_failed; /* an inner step failed: the outermost commit must roll back */
    void *zcctx; /* ZSTD_CCtx, created on first compression */
    void *zdctx; /* ZSTD_DCtx, created on first decompression */
    bool no_stmt_cache;
    bool bulk; /* vt_store_set_bulk: rollback journal instead of WAL */
    vt_stmt_slot stmts[VT_STMT_CACHE];
    uint64_t stmt_clock;
};

/* Schema (schema.c) */
#define VT_STORE_APP_ID 0x56455249 /* "VERI" in PRAGMA application_id */
vt_status vt_schema_create_or_migrate(vt_store *s, vt_error *err);
/* Compares sqlite_schema of s with the DDL of its version exactly. */
vt_status vt_schema_verify(vt_store *s, vt_error *err);
/* For tests of migrations: writes the schema of an older version into an empty file. */
vt_status vt_schema_create_version(sqlite3 *db, int version, vt_error *err);

/* SQL helpers (open.c) */
vt_status vt_sql_err(vt_store *s, vt_error *err, const char *what);
vt_status vt_sql_exec(vt_store *s, const char *sql, vt_error *err);
/* A reset, unbound statement from the handle's cache (prepared on first use); hand it back with
 * vt_sql_finalize, never sqlite3_finalize. */
vt_status vt_sql_prepare(vt_store *s, const char *sql, sqlite3_stmt **st, vt_error *err);
/* Resets a cached statement for its next user, or finalizes one that is not cached. NULL is fine. */
void vt_sql_finalize(vt_store *s, sqlite3_stmt *st);
/* Like vt_sql_prepare for callers that treat a failure as "no row": NULL on failure. */
sqlite3_stmt *vt_sql_stmt(vt_store *s, const char *sql);
/* Finalizes every cached statement, busy ones too: only when closing the handle. */
void vt_sql_cache_clear(vt_store *s);
vt_status vt_require_writable(vt_store *s, const char *what, vt_error *err);
/* Transaction helpers that nest with vt_store_begin/commit. */
vt_status vt_tx_begin(vt_store *s, vt_error *err);
vt_status vt_tx_end(vt_store *s, vt_status st, vt_error *err); /* commits on VT_OK, else rolls back */

void vt_hash_hex_of(const vt_hash256 *h, char out[65]);
bool vt_text_is_hash(const unsigned char *txt); /* 64 lowercase hex */

/* Objects (objects.c) */
/* Inserts (dedup) bytes whose hash the caller already computed. */
vt_status vt_object_put_hashed(vt_store *s, const vt_hash256 *id, const void *data, size_t n, vt_error *err);
/* Reads an object into buf (exactly want bytes expected; re-hashed); `ref` names the referrer. */
vt_status vt_object_read_into(vt_store *s, const vt_hash256 *id, void *buf, size_t want, const char *ref,
                              vt_error *err);
bool vt_object_exists(vt_store *s, const char *hex);

/* JSON helpers (canonical_json.c) */
/* Parses an optional JSON object text (NULL/empty -> {}); `what` names the field. */
vt_status vt_json_object_arg(const char *text, const char *what, struct json_t **out, vt_error *err);

/* Tensors (tensors.c) */
vt_status vt_tensor_meta_from_row(const char *hex, const char *dtype, const char *shape, int64_t nbytes,
                                  int64_t nchunks, vt_store_tensor_meta *m, vt_error *err);
char *vt_shape_json(int rank, const int64_t *dims); /* "[2,3]" malloc'ed */

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z": the one time format ids hash (claims.c). */
bool vt_rfc3339_utc_valid(const char *t);

/* Claims (claims.c): builds the canonical JSON object. */
struct json_t *vt_claim_to_json(const vt_store_claim *c, vt_error *err);

#endif
