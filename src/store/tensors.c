/* Tensors in the store: the 4 MiB chunks of the content id, each an object (deduplicated across
 * tensors), plus a header row and the ordered chunk list. Ingest streams and hashes every byte
 * once; reads stream and re-hash every chunk before handing its bytes out. */
#include "store/store_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks hashed together (in parallel) before they are inserted: bounds ingest memory. */
#define BATCH_CHUNKS 4

struct vt_store_tensor_writer {
    vt_store *s;
    vt_store_tensor_meta m;
    /* Two batches: while one is hashed (other threads), the previous one is inserted, so that
     * hashing and SQLite overlap. */
    uint8_t *buf[2];    /* BATCH_CHUNKS * VT_CHUNK_SIZE each */
    size_t buf_len[2];
    int cur;            /* the batch being filled */
    bool pending;       /* buf[1 - cur] is hashed and waits to be inserted */
    uint64_t pending_first;
    uint64_t received;
    vt_hash256 *chunks; /* all chunk hashes (32 bytes per 4 MiB) */
    uint64_t nchunks_hashed;
};

char *vt_shape_json(int rank, const int64_t *dims) {
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_puts(&b, "[");
    for (int i = 0; i < rank; i++) vt_buf_printf(&b, "%s%lld", i ? "," : "", (long long)dims[i]);
    vt_buf_puts(&b, "]");
    if (b.failed) {
        vt_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void writer_free(vt_store_tensor_writer *w) {
    free(w->buf[0]);
    free(w->buf[1]);
    free(w->chunks);
    free(w);
}

vt_status vt_tensor_meta_from_row(const char *hex, const char *dtype, const char *shape, int64_t nbytes,
                                  int64_t nchunks, vt_store_tensor_meta *m, vt_error *err) {
    memset(m, 0, sizeof *m);
    m->dtype = dtype ? vt_dtype_from_name(dtype) : VT_DTYPE_INVALID;
    if (m->dtype == VT_DTYPE_INVALID)
        return vt_error_set(err, VT_ECHECK, "tensor %s: unknown dtype '%s'", hex, dtype ? dtype : "(null)");
    json_error_t je;
    json_t *j = shape ? json_loads(shape, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!j || !json_is_array(j) || json_array_size(j) > VT_MAX_RANK) {
        json_decref(j);
        return vt_error_set(err, VT_ECHECK, "tensor %s: bad shape '%.64s'", hex, shape ? shape : "(null)");
    }
    m->rank = (int)json_array_size(j);
    for (int i = 0; i < m->rank; i++) {
        json_t *d = json_array_get(j, (size_t)i);
        if (!json_is_integer(d) || json_integer_value(d) < 0) {
            json_decref(j);
            return vt_error_set(err, VT_ECHECK, "tensor %s: bad shape '%.64s'", hex, shape);
        }
        m->dims[i] = json_integer_value(d);
    }
    json_decref(j);
    size_t ne, nb;
    vt_error e2;
    if (vt_shape_size(m->dtype, m->rank, m->dims, UINT64_MAX, &ne, &nb, &e2) != VT_OK)
        return vt_error_set(err, VT_ECHECK, "tensor %s: shape: %s", hex, e2.msg);
    if (nbytes < 0 || (uint64_t)nbytes != nb)
        return vt_error_set(err, VT_ECHECK, "tensor %s: nbytes %lld does not match its shape (%zu)", hex,
                            (long long)nbytes, nb);
    uint64_t want = nb / VT_CHUNK_SIZE + (nb % VT_CHUNK_SIZE != 0);
    if (nchunks < 0 || (uint64_t)nchunks != want)
        return vt_error_set(err, VT_ECHECK, "tensor %s: nchunks %lld, its size needs %llu", hex, (long long)nchunks,
                            (unsigned long long)want);
    m->nbytes = nb;
    m->nchunks = want;
    return VT_OK;
}

vt_status vt_store_tensor_write_begin(vt_store *s, vt_dtype dtype, int rank, const int64_t *dims,
                                      vt_store_tensor_writer **out, vt_error *err) {
    *out = NULL;
    vt_status st = vt_require_writable(s, "put tensor", err);
    if (st) return st;
    if (dtype < 0 || dtype >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "put tensor: invalid dtype");
    size_t ne, nb;
    st = vt_shape_size(dtype, rank, dims, UINT64_MAX, &ne, &nb, err);
    if (st) return st;
    vt_store_tensor_writer *w = calloc(1, sizeof *w);
    if (!w) return vt_error_set(err, VT_ENOMEM, "put tensor: out of memory");
    w->s = s;
    w->m.dtype = dtype;
    w->m.rank = rank;
    if (rank) memcpy(w->m.dims, dims, (size_t)rank * sizeof *dims);
    w->m.nbytes = nb;
    w->m.nchunks = nb / VT_CHUNK_SIZE + (nb % VT_CHUNK_SIZE != 0);
    size_t bufsize = nb < (uint64_t)BATCH_CHUNKS * VT_CHUNK_SIZE ? nb : (size_t)BATCH_CHUNKS * VT_CHUNK_SIZE;
    w->buf[0] = malloc(bufsize ? bufsize : 1);
    /* A tensor that fits one batch never needs the second buffer. */
    w->buf[1] = nb > bufsize ? malloc(bufsize) : NULL;
    w->chunks = malloc((w->m.nchunks ? w->m.nchunks : 1) * sizeof *w->chunks);
    if (!w->buf[0] || (nb > bufsize && !w->buf[1]) || !w->chunks) {
        unsigned long long nchunks = (unsigned long long)w->m.nchunks;
        writer_free(w);
        return vt_error_set(err, VT_ENOMEM, "put tensor: out of memory for %llu chunks", nchunks);
    }
    st = vt_tx_begin(s, err);
    if (st) {
        writer_free(w);
        return st;
    }
    *out = w;
    return VT_OK;
}

typedef struct hash_job {
    const uint8_t *data;
    size_t len;
    int threads;
    vt_hash256 *out;
} hash_job;

static void *hash_worker(void *arg) {
    hash_job *j = arg;
    vt_chunk_hashes(j->data, j->len, j->threads, (uint8_t(*)[VT_SHA256_LEN])j->out);
    return NULL;
}

static size_t chunks_in(size_t len) { return len / VT_CHUNK_SIZE + (len % VT_CHUNK_SIZE != 0); }

/* Inserts the hashed batch b whose first chunk is number first. */
static vt_status insert_batch(vt_store_tensor_writer *w, int b, uint64_t first, vt_error *err) {
    size_t len = w->buf_len[b], n = chunks_in(len);
    for (size_t i = 0; i < n; i++) {
        size_t off = i * VT_CHUNK_SIZE;
        size_t k = len - off < VT_CHUNK_SIZE ? len - off : VT_CHUNK_SIZE;
        vt_status st = vt_object_put_hashed(w->s, &w->chunks[first + i], w->buf[b] + off, k, err);
        if (st) return st;
    }
    w->buf_len[b] = 0;
    return VT_OK;
}

/* The current batch is full (or the last one): hash it while the pending one is inserted. */
static vt_status flush_batch(vt_store_tensor_writer *w, vt_error *err) {
    int c = w->cur;
    size_t len = w->buf_len[c];
    if (!len) return VT_OK;
    hash_job job = {w->buf[c], len, w->s->threads, w->chunks + w->nchunks_hashed};
    pthread_t tid;
    bool threaded = w->pending && pthread_create(&tid, NULL, hash_worker, &job) == 0;
    vt_status st = VT_OK;
    if (!threaded) hash_worker(&job);
    if (w->pending) {
        st = insert_batch(w, 1 - c, w->pending_first, err);
        w->pending = false;
    }
    if (threaded) pthread_join(tid, NULL);
    if (st) return st;
    w->pending = true;
    w->pending_first = w->nchunks_hashed;
    w->nchunks_hashed += chunks_in(len);
    if (!w->buf[1]) { /* one buffer: insert right away */
        w->pending = false;
        return insert_batch(w, c, w->pending_first, err);
    }
    w->cur = 1 - c;
    return VT_OK;
}

/* Inserts whatever is still waiting. */
static vt_status drain(vt_store_tensor_writer *w, vt_error *err) {
    vt_status st = flush_batch(w, err);
    if (!st && w->pending) {
        st = insert_batch(w, 1 - w->cur, w->pending_first, err);
        w->pending = false;
    }
    return st;
}

vt_status vt_store_tensor_write(vt_store_tensor_writer *w, const void *data, size_t n, vt_error *err) {
    if (n > w->m.nbytes - w->received)
        return vt_error_set(err, VT_EINPUT, "put tensor: %llu bytes written to a tensor of %llu bytes",
                            (unsigned long long)(w->received + n), (unsigned long long)w->m.nbytes);
    size_t cap = w->m.nbytes < (uint64_t)BATCH_CHUNKS * VT_CHUNK_SIZE ? (size_t)w->m.nbytes
                                                                      : (size_t)BATCH_CHUNKS * VT_CHUNK_SIZE;
    const uint8_t *p = data;
    while (n) {
        size_t k = cap - w->buf_len[w->cur] < n ? cap - w->buf_len[w->cur] : n;
        memcpy(w->buf[w->cur] + w->buf_len[w->cur], p, k);
        w->buf_len[w->cur] += k;
        w->received += k;
        p += k;
        n -= k;
        if (w->buf_len[w->cur] == cap) {
            vt_status st = flush_batch(w, err);
            if (st) return st;
        }
    }
    return VT_OK;
}

void vt_store_tensor_write_abort(vt_store_tensor_writer *w) {
    if (!w) return;
    vt_error e;
    vt_tx_end(w->s, VT_EINPUT, &e);
    writer_free(w);
}

vt_status vt_store_tensor_write_end(vt_store_tensor_writer *w, vt_hash256 *id, vt_error *err) {
    vt_store *s = w->s;
    vt_status st = VT_OK;
    if (w->received != w->m.nbytes)
        st = vt_error_set(err, VT_EINPUT, "put tensor: %llu of %llu bytes written",
                          (unsigned long long)w->received, (unsigned long long)w->m.nbytes);
    if (!st) st = drain(w, err);
    char hex[65], now[40];
    if (!st) {
        vt_content_id_from_chunks(w->m.dtype, w->m.rank, w->m.dims, (const uint8_t(*)[VT_SHA256_LEN])w->chunks,
                                  (size_t)w->m.nchunks, id->b);
        vt_hash_hex_of(id, hex);
        vt_store_now_rfc3339(now);
    }
    char *shape = st ? NULL : vt_shape_json(w->m.rank, w->m.dims);
    if (!st && !shape) st = vt_error_set(err, VT_ENOMEM, "put tensor: out of memory");
    sqlite3_stmt *ins = NULL;
    if (!st)
        st = vt_sql_prepare(s,
                            "INSERT OR IGNORE INTO tensors(id, dtype, shape, nbytes, nchunks, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            &ins, err);
    bool fresh = false;
    if (!st) {
        sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, vt_dtype_name(w->m.dtype), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, shape, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 4, (sqlite3_int64)w->m.nbytes);
        sqlite3_bind_int64(ins, 5, (sqlite3_int64)w->m.nchunks);
        sqlite3_bind_text(ins, 6, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a tensor");
        fresh = sqlite3_changes(s->db) > 0;
    }
    vt_sql_finalize(s, ins);
    if (!st && fresh) {
        st = vt_sql_prepare(s, "INSERT INTO tensor_chunks(tensor_id, idx, chunk) VALUES (?, ?, ?)", &ins, err);
        for (uint64_t i = 0; !st && i < w->m.nchunks; i++) {
            char ch[65];
            vt_hash_hex_of(&w->chunks[i], ch);
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, hex, 64, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 2, (sqlite3_int64)i);
            sqlite3_bind_text(ins, 3, ch, 64, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a tensor's chunk list");
        }
        vt_sql_finalize(s, ins);
    }
    free(shape);
    st = vt_tx_end(s, st, err);
    writer_free(w);
    return st;
}

vt_status vt_store_put_tensor(vt_store *s, const vt_tensor *t, vt_hash256 *id, vt_error *err) {
    vt_store_tensor_writer *w;
    vt_status st = vt_store_tensor_write_begin(s, t->dtype, t->rank, t->dims, &w, err);
    if (st) return st;
    st = vt_store_tensor_write(w, t->data, t->nbytes, err);
    if (st) {
        vt_store_tensor_write_abort(w);
        return st;
    }
    return vt_store_tensor_write_end(w, id, err);
}

/* Header row + chunk list; the id is recomputed from them, so the list can be trusted from here. */
static vt_status load_meta(vt_store *s, const vt_hash256 *id, vt_store_tensor_meta *m, vt_hash256 **chunks_out,
                           vt_error *err) {
    char hex[65];
    vt_hash_hex_of(id, hex);
    sqlite3_stmt *st;
    vt_status rs = vt_sql_prepare(s, "SELECT dtype, shape, nbytes, nchunks FROM tensors WHERE id = ?", &st, err);
    if (rs) return rs;
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rs = rc == SQLITE_DONE ? vt_error_set(err, VT_ECHECK, "tensor %s is not in the store", hex)
                               : vt_sql_err(s, err, "reading a tensor");
        vt_sql_finalize(s, st);
        return rs;
    }
    rs = vt_tensor_meta_from_row(hex, (const char *)sqlite3_column_text(st, 0),
                                 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
                                 sqlite3_column_int64(st, 3), m, err);
    vt_sql_finalize(s, st);
    if (rs) return rs;
    vt_hash256 *ch = malloc((m->nchunks ? m->nchunks : 1) * sizeof *ch);
    if (!ch) return vt_error_set(err, VT_ENOMEM, "tensor %s: out of memory", hex);
    rs = vt_sql_prepare(s, "SELECT idx, chunk FROM tensor_chunks WHERE tensor_id = ? ORDER BY idx", &st, err);
    uint64_t n = 0;
    if (!rs) {
        sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
        while (!rs && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const unsigned char *c = sqlite3_column_text(st, 1);
            if (sqlite3_column_int64(st, 0) != (sqlite3_int64)n || n >= m->nchunks || !vt_text_is_hash(c))
                rs = vt_error_set(err, VT_ECHECK, "tensor %s: chunk list is damaged at entry %llu", hex,
                                  (unsigned long long)n);
            else
                vt_hash256_parse((const char *)c, &ch[n++]);
        }
        if (!rs && rc != SQLITE_DONE) rs = vt_sql_err(s, err, "reading a chunk list");
        if (!rs && n != m->nchunks)
            rs = vt_error_set(err, VT_ECHECK, "tensor %s: %llu of %llu chunks listed", hex, (unsigned long long)n,
                              (unsigned long long)m->nchunks);
        vt_sql_finalize(s, st);
    }
    if (!rs) {
        vt_hash256 got;
        vt_content_id_from_chunks(m->dtype, m->rank, m->dims, (const uint8_t(*)[VT_SHA256_LEN])ch, (size_t)n,
                                  got.b);
        if (memcmp(got.b, id->b, VT_SHA256_LEN) != 0)
            rs = vt_error_set(err, VT_ECHECK, "tensor %s: header and chunk list hash to %s, not to its id", hex,
                              vt_hash_to_hex(got.b).s);
    }
    if (rs) {
        free(ch);
        return rs;
    }
    if (chunks_out) *chunks_out = ch;
    else free(ch);
    return VT_OK;
}

vt_status vt_store_tensor_meta_get(vt_store *s, const vt_hash256 *id, vt_store_tensor_meta *meta, vt_error *err) {
    return load_meta(s, id, meta, NULL, err);
}

struct vt_store_tensor_reader {
    vt_store *s;
    vt_hash256 id;
    vt_store_tensor_meta m;
    vt_hash256 *chunks;
    uint64_t next_chunk;
    uint8_t *buf; /* one chunk, verified */
    size_t buf_len, buf_pos;
};

vt_status vt_store_tensor_read_begin(vt_store *s, const vt_hash256 *id, vt_store_tensor_reader **out,
                                     vt_store_tensor_meta *meta, vt_error *err) {
    *out = NULL;
    vt_store_tensor_reader *r = calloc(1, sizeof *r);
    if (!r) return vt_error_set(err, VT_ENOMEM, "tensor: out of memory");
    r->s = s;
    r->id = *id;
    vt_status st = load_meta(s, id, &r->m, &r->chunks, err);
    if (!st) {
        size_t cap = r->m.nbytes < VT_CHUNK_SIZE ? (size_t)r->m.nbytes : VT_CHUNK_SIZE;
        r->buf = malloc(cap ? cap : 1);
        if (!r->buf) st = vt_error_set(err, VT_ENOMEM, "tensor: out of memory");
    }
    if (st) {
        vt_store_tensor_read_end(r);
        return st;
    }
    if (meta) *meta = r->m;
    *out = r;
    return VT_OK;
}

vt_status vt_store_tensor_read(vt_store_tensor_reader *r, void *buf, size_t cap, size_t *got, vt_error *err) {
    *got = 0;
    uint8_t *p = buf;
    while (cap) {
        if (r->buf_pos == r->buf_len) {
            if (r->next_chunk >= r->m.nchunks) break;
            uint64_t off = r->next_chunk * VT_CHUNK_SIZE;
            size_t len = r->m.nbytes - off < VT_CHUNK_SIZE ? (size_t)(r->m.nbytes - off) : VT_CHUNK_SIZE;
            char ref[160];
            snprintf(ref, sizeof ref, "tensor %s chunk %llu", vt_hash_to_hex(r->id.b).s,
                     (unsigned long long)r->next_chunk);
            vt_status st = vt_object_read_into(r->s, &r->chunks[r->next_chunk], r->buf, len, ref, err);
            if (st) return st;
            r->buf_len = len;
            r->buf_pos = 0;
            r->next_chunk++;
        }
        size_t k = r->buf_len - r->buf_pos < cap ? r->buf_len - r->buf_pos : cap;
        memcpy(p, r->buf + r->buf_pos, k);
        r->buf_pos += k;
        p += k;
        cap -= k;
        *got += k;
    }
    return VT_OK;
}

void vt_store_tensor_read_end(vt_store_tensor_reader *r) {
    if (!r) return;
    free(r->chunks);
    free(r->buf);
    free(r);
}

vt_status vt_store_get_tensor(vt_store *s, const vt_hash256 *id, uint64_t max_bytes, vt_tensor **out, vt_error *err) {
    *out = NULL;
    vt_store_tensor_reader *r;
    vt_store_tensor_meta m;
    vt_status st = vt_store_tensor_read_begin(s, id, &r, &m, err);
    if (st) return st;
    vt_tensor *t = vt_tensor_create_uninit(m.dtype, m.rank, m.dims, max_bytes, err);
    if (!t) {
        vt_store_tensor_read_end(r);
        return err ? err->code : VT_ENOMEM;
    }
    size_t got = 0;
    st = vt_store_tensor_read(r, t->data, t->nbytes, &got, err);
    if (!st && got != t->nbytes)
        st = vt_error_set(err, VT_ECHECK, "tensor %s: %zu of %zu bytes read", vt_hash_to_hex(id->b).s, got, t->nbytes);
    vt_store_tensor_read_end(r);
    if (st) {
        vt_tensor_release(t);
        return st;
    }
    *out = t;
    return VT_OK;
}
