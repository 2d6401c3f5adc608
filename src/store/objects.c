/* Content-addressed objects: bytes keyed by their SHA-256, stored once, zstd-compressed when that
 * makes them smaller, and re-hashed on every read so that a tampered row is named, not used. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define VT_OBJECT_DEFAULT_MAX ((size_t)1 << 30)

bool vt_object_exists(vt_store *s, const char *hex) {
    sqlite3_stmt *st;
    if (!(st = vt_sql_stmt(s, "SELECT 1 FROM objects WHERE hash = ?"))) return false;
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    vt_sql_finalize(s, st);
    return found;
}

vt_status vt_object_put_hashed(vt_store *s, const vt_hash256 *id, const void *data, size_t n, vt_error *err) {
    vt_status st = vt_require_writable(s, "put object", err);
    if (st) return st;
    char hex[65];
    vt_hash_hex_of(id, hex);
    if (vt_object_exists(s, hex)) return VT_OK;
    const void *blob = data;
    size_t blen = n;
    int codec = 0;
    void *z = NULL;
    if (s->compress && n >= 64) {
        if (!s->zcctx) s->zcctx = ZSTD_createCCtx();
        size_t bound = ZSTD_compressBound(n);
        z = s->zcctx ? malloc(bound) : NULL;
        if (z) {
            size_t zn = ZSTD_compressCCtx(s->zcctx, z, bound, data, n, 3);
            if (!ZSTD_isError(zn) && zn < n) {
                blob = z;
                blen = zn;
                codec = 1;
            }
        }
    }
    sqlite3_stmt *ins;
    st = vt_sql_prepare(s, "INSERT OR IGNORE INTO objects(hash, size, codec, data) VALUES (?, ?, ?, ?)", &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)n);
        sqlite3_bind_int(ins, 3, codec);
        sqlite3_bind_blob64(ins, 4, blen ? blob : "", blen, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing an object");
        vt_sql_finalize(s, ins);
    }
    free(z);
    return st;
}

vt_status vt_store_put_object(vt_store *s, const void *data, size_t n, vt_hash256 *id, vt_error *err) {
    vt_sha256(data, n, id->b);
    return vt_object_put_hashed(s, id, data, n, err);
}

/* Loads the stored form; want_any: accept any size up to max (whole-object reads). */
static vt_status object_read(vt_store *s, const vt_hash256 *id, void **heap, void *buf, size_t want, size_t max,
                             size_t *got, const char *ref, vt_error *err) {
    char hex[65];
    vt_hash_hex_of(id, hex);
    const char *by = ref ? ref : "the caller";
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, "SELECT size, codec, data FROM objects WHERE hash = ?", &st, err);
    if (rs) return rs;
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rs = rc == SQLITE_DONE ? vt_error_set(err, VT_ECHECK, "object %s referenced by %s is missing", hex, by)
                               : vt_sql_err(s, err, "reading an object");
        vt_sql_finalize(s, st);
        return rs;
    }
    sqlite3_int64 size = sqlite3_column_int64(st, 0);
    int codec = sqlite3_column_int(st, 1);
    const void *blob = sqlite3_column_blob(st, 2);
    size_t blen = (size_t)sqlite3_column_bytes(st, 2);
    if (size < 0 || (buf && (uint64_t)size != want) || (!buf && (uint64_t)size > max)) {
        rs = buf ? vt_error_set(err, VT_ECHECK, "object %s referenced by %s: size %lld, expected %zu", hex, by,
                                (long long)size, want)
                 : vt_error_set(err, size < 0 ? VT_ECHECK : VT_ELIMIT,
                                "object %s referenced by %s: size %lld exceeds the limit of %zu bytes", hex, by,
                                (long long)size, max);
        vt_sql_finalize(s, st);
        return rs;
    }
    size_t n = (size_t)size;
    void *dst = buf;
    if (!buf) {
        dst = malloc(n ? n : 1);
        if (!dst) {
            vt_sql_finalize(s, st);
            return vt_error_set(err, VT_ENOMEM, "object %s: out of memory for %zu bytes", hex, n);
        }
    }
    if (codec == 0) {
        if (blen != n) rs = vt_error_set(err, VT_ECHECK, "object %s referenced by %s: stored %zu bytes, size says %zu",
                                         hex, by, blen, n);
        else if (n) memcpy(dst, blob, n);
    } else if (codec == 1) {
        if (!s->zdctx) s->zdctx = ZSTD_createDCtx();
        unsigned long long fcs = blen ? ZSTD_getFrameContentSize(blob, blen) : ZSTD_CONTENTSIZE_ERROR;
        if (!s->zdctx) rs = vt_error_set(err, VT_ENOMEM, "object %s: out of memory", hex);
        else if (fcs != (unsigned long long)n)
            rs = vt_error_set(err, VT_ECHECK, "object %s referenced by %s: compressed frame does not hold %zu bytes",
                              hex, by, n);
        else {
            size_t r = ZSTD_decompressDCtx(s->zdctx, dst, n, blob, blen);
            if (ZSTD_isError(r) || r != n)
                rs = vt_error_set(err, VT_ECHECK, "object %s referenced by %s: corrupt compressed data", hex, by);
        }
    } else {
        rs = vt_error_set(err, VT_ECHECK, "object %s referenced by %s: unknown codec %d", hex, by, codec);
    }
    vt_sql_finalize(s, st);
    if (!rs) {
        uint8_t h[VT_SHA256_LEN];
        vt_sha256(dst, n, h);
        if (memcmp(h, id->b, VT_SHA256_LEN) != 0) {
            vt_hash_hex hh = vt_hash_to_hex(h);
            rs = vt_error_set(err, VT_ECHECK, "object %s referenced by %s: content hash mismatch (bytes hash to %s)",
                              hex, by, hh.s);
        }
    }
    if (rs) {
        if (!buf) free(dst);
        return rs;
    }
    if (heap) *heap = dst;
    if (got) *got = n;
    return VT_OK;
}

vt_status vt_object_read_into(vt_store *s, const vt_hash256 *id, void *buf, size_t want, const char *ref,
                              vt_error *err) {
    return object_read(s, id, NULL, buf ? buf : (void *)"", want, 0, NULL, ref, err);
}

vt_status vt_store_get_object(vt_store *s, const vt_hash256 *id, size_t max_bytes, void **data, size_t *n,
                              vt_error *err) {
    *data = NULL;
    *n = 0;
    return object_read(s, id, data, NULL, 0, max_bytes ? max_bytes : VT_OBJECT_DEFAULT_MAX, n, NULL, err);
}
