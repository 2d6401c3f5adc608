/* Workload database benchmarks, each against a baseline measured in the same run:
 *   db_events        event ingest rate vs raw prepared-statement inserts of the same rows into
 *                    the same schema and indexes, one transaction (ratio = ours / raw)
 *   db_checkpoint_2g streaming ingest of a 2 GiB checkpoint vs one SHA-256 stream over the same
 *                    bytes (ratio = sha time / ingest time), plus the ingest's peak RSS
 *   db_window_query  a 1 ms time-window query over 10M events (ms per query)
 * VT_BENCH_DB_DIR picks the folder for the database files (default $TMPDIR or /tmp);
 * VT_BENCH_CHECKPOINT_MB and VT_BENCH_EVENTS shrink the runs for a quick look; VT_BENCH_REPS sets
 * the repetitions (default 3, medians reported). */
#include "bench_harness.h"
#include "veritor/store.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPS_DEFAULT 3
#define REPS_MAX 9

static int REPS = REPS_DEFAULT; /* VT_BENCH_REPS: repetitions per figure (1..9) */

static char dir[512];

static void die(const char *what, const vt_error *e) {
    fprintf(stderr, "bench_db: %s: %s\n", what, e ? e->msg : "");
    exit(2);
}

static const char *path_of(const char *name) {
    static char p[4][700];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 700, "%s/%s", dir, name);
    char side[760];
    remove(s);
    snprintf(side, sizeof side, "%s-wal", s);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", s);
    remove(side);
    return s;
}

static vt_store *create(const char *name) {
    vt_store_options o = {VT_STORE_CREATE, false, 0, true};
    vt_store *s;
    vt_error e;
    if (vt_store_open(path_of(name), &o, &s, &e) != VT_OK) die("open", &e);
    return s;
}

/* The same rows for both sides: 8 devices, 64 ops, a timestamp every 100 ns. */
typedef struct ev_data {
    char dev[8][16];
    char op[64][24];
} ev_data;

static void fill_events(vt_store_event *ev, size_t n, size_t first, const ev_data *d) {
    for (size_t i = 0; i < n; i++) {
        size_t k = first + i;
        ev[i] = (vt_store_event){(int64_t)k * 100, (vt_event_kind)(k % 4), d->dev[k % 8], d->op[(k * 7) % 64],
                                 (int64_t)(k & 0xffff), NULL, NULL};
    }
}

static double ingest_ours(size_t n, const ev_data *d, vt_store_event *buf, size_t batch) {
    vt_store *s = create("bench_events.vdb");
    vt_error e;
    int64_t tr;
    if (vt_store_trace_begin(s, NULL, 0, NULL, &tr, &e)) die("trace", &e);
    double t0 = vt_bench_now();
    if (vt_store_begin(s, &e)) die("begin", &e);
    for (size_t i = 0; i < n; i += batch) {
        size_t k = n - i < batch ? n - i : batch;
        fill_events(buf, k, i, d);
        if (vt_store_events_append(s, tr, buf, k, &e)) die("append", &e);
    }
    if (vt_store_commit(s, &e)) die("commit", &e);
    double t = vt_bench_now() - t0;
    vt_store_close(s, &e);
    return t;
}

static double ingest_raw(size_t n, const ev_data *d, vt_store_event *buf, size_t batch) {
    /* Same schema and indexes (created through the store), then plain SQLite with the store's
     * connection settings. */
    vt_store *s = create("bench_events_raw.vdb");
    vt_error e;
    int64_t tr;
    if (vt_store_trace_begin(s, NULL, 0, NULL, &tr, &e)) die("trace", &e);
    vt_store_close(s, &e);
    sqlite3 *db;
    char p[700];
    snprintf(p, sizeof p, "%s/bench_events_raw.vdb", dir);
    if (sqlite3_open(p, &db) != SQLITE_OK) die("raw open", NULL);
    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768", 0, 0, 0);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO events(trace_id, ts_ns, kind, device, op_id, mem_bytes, payload, payload_obj) "
                           "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)", -1, &st, NULL);
    double t0 = vt_bench_now();
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    for (size_t i = 0; i < n; i += batch) {
        size_t k = n - i < batch ? n - i : batch;
        fill_events(buf, k, i, d);
        for (size_t j = 0; j < k; j++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, tr);
            sqlite3_bind_int64(st, 2, buf[j].ts_ns);
            sqlite3_bind_text(st, 3, vt_event_kind_name(buf[j].kind), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, buf[j].device, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, buf[j].op_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 6, buf[j].mem_bytes);
            if (sqlite3_step(st) != SQLITE_DONE) die("raw insert", NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    double t = vt_bench_now() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return t;
}

static void bench_events(void) {
    size_t n = getenv("VT_BENCH_EVENTS") ? strtoull(getenv("VT_BENCH_EVENTS"), NULL, 10) : 1000000;
    ev_data d;
    for (int i = 0; i < 8; i++) snprintf(d.dev[i], sizeof d.dev[i], "gpu%d", i);
    for (int i = 0; i < 64; i++) snprintf(d.op[i], sizeof d.op[i], "@main/%d", i * 3);
    size_t batch = 10000;
    vt_store_event *buf = malloc(batch * sizeof *buf);
    double ours[REPS_MAX], raw[REPS_MAX];
    for (int r = 0; r < REPS; r++) {
        raw[r] = ingest_raw(n, &d, buf, batch);
        ours[r] = ingest_ours(n, &d, buf, batch);
    }
    free(buf);
    double to = vt_bench_median(ours, REPS), tr = vt_bench_median(raw, REPS);
    vt_bench_print_ratio("db_events", (double)n / to, "events/s", tr / to, "sqlite_prepared_insert");
    vt_bench_print("db_events_raw", (double)n / tr, "events/s");
    remove(path_of("bench_events.vdb"));
    remove(path_of("bench_events_raw.vdb"));
}

/* Checkpoint bytes: one 16 MiB pattern with a block counter stamped into every 4 MiB chunk, so
 * no two chunks are equal (no dedup) and nothing 2 GiB large is ever held. */
#define BLOCK ((size_t)16 << 20)
static void stamp(uint8_t *buf, uint64_t block) {
    for (size_t off = 0; off < BLOCK; off += VT_CHUNK_SIZE) {
        uint64_t v = block * 4 + off / VT_CHUNK_SIZE;
        memcpy(buf + off, &v, sizeof v);
    }
}

static void bench_checkpoint(void) {
    uint64_t mb = getenv("VT_BENCH_CHECKPOINT_MB") ? strtoull(getenv("VT_BENCH_CHECKPOINT_MB"), NULL, 10) : 2048;
    uint64_t total = mb << 20, blocks = total / BLOCK;
    uint8_t *buf = malloc(BLOCK);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < BLOCK; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(buf + i, &x, 4);
    }
    /* Baseline: one SHA-256 stream over the same bytes. */
    double tsha[REPS_MAX], ting[REPS_MAX];
    vt_sha256_ctx *c = vt_sha256_new();
    uint8_t h[32];
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        for (uint64_t b = 0; b < blocks; b++) {
            stamp(buf, b);
            vt_sha256_update(c, buf, BLOCK);
        }
        vt_sha256_final(c, h);
        tsha[r] = vt_bench_now() - t0;
    }
    vt_sha256_free(c);
    vt_bench_reset_peak_rss();
    size_t rss0 = vt_bench_peak_rss();
    for (int r = 0; r < REPS; r++) {
        vt_store *s = create("bench_ckpt.vdb");
        vt_error e;
        int64_t dims[1] = {(int64_t)(total / 4)};
        vt_store_tensor_writer *w;
        double t0 = vt_bench_now();
        if (vt_store_tensor_write_begin(s, VT_F32, 1, dims, &w, &e)) die("ckpt begin", &e);
        for (uint64_t b = 0; b < blocks; b++) {
            stamp(buf, b);
            if (vt_store_tensor_write(w, buf, BLOCK, &e)) die("ckpt write", &e);
        }
        vt_hash256 id;
        if (vt_store_tensor_write_end(w, &id, &e)) die("ckpt end", &e);
        ting[r] = vt_bench_now() - t0;
        vt_store_close(s, &e);
    }
    size_t rss = vt_bench_peak_rss();
    free(buf);
    double ts = vt_bench_median(tsha, REPS), ti = vt_bench_median(ting, REPS);
    char name[64];
    snprintf(name, sizeof name, "db_checkpoint_%s", mb == 2048 ? "2g" : "small");
    vt_bench_print_ratio(name, (double)total / ti / 1e6, "MB/s", ts / ti, "sha256_stream");
    snprintf(name, sizeof name, "db_checkpoint_%s_peak_rss", mb == 2048 ? "2g" : "small");
    vt_bench_print(name, (double)rss / 1048576.0, "MiB");
    (void)rss0;
    remove(path_of("bench_ckpt.vdb"));
}

static void bench_window(void) {
    size_t n = getenv("VT_BENCH_EVENTS") ? 10 * strtoull(getenv("VT_BENCH_EVENTS"), NULL, 10) : 10000000;
    vt_store *s = create("bench_window.vdb");
    vt_error e;
    int64_t tr;
    if (vt_store_trace_begin(s, NULL, 0, NULL, &tr, &e)) die("trace", &e);
    ev_data d;
    for (int i = 0; i < 8; i++) snprintf(d.dev[i], sizeof d.dev[i], "gpu%d", i);
    for (int i = 0; i < 64; i++) snprintf(d.op[i], sizeof d.op[i], "@main/%d", i * 3);
    size_t batch = 20000;
    vt_store_event *buf = malloc(batch * sizeof *buf);
    if (vt_store_begin(s, &e)) die("begin", &e);
    for (size_t i = 0; i < n; i += batch) {
        size_t k = n - i < batch ? n - i : batch;
        fill_events(buf, k, i, &d);
        if (vt_store_events_append(s, tr, buf, k, &e)) die("append", &e);
    }
    if (vt_store_commit(s, &e)) die("commit", &e);
    free(buf);
    /* 1 ms windows (10,000 events each) spread over the trace. */
    double t[20];
    size_t rows = 0;
    for (int r = 0; r < 20; r++) {
        vt_store_filter f = {0};
        f.has_time = true;
        f.t0 = (int64_t)((n / 20) * (size_t)r * 100);
        f.t1 = f.t0 + 1000000 - 1;
        json_t *res;
        double t0 = vt_bench_now();
        if (vt_store_list(s, "events", &f, &res, &e)) die("query", &e);
        t[r] = (vt_bench_now() - t0) * 1e3;
        rows = json_array_size(res);
        json_decref(res);
    }
    vt_bench_print("db_window_query", vt_bench_median(t, 20), "ms");
    fprintf(stderr, "db_window_query: %zu events per window over %zu events\n", rows, n);
    vt_store_close(s, &e);
    remove(path_of("bench_window.vdb"));
}

int main(void) {
    const char *reps = getenv("VT_BENCH_REPS");
    if (reps && atoi(reps) >= 1 && atoi(reps) <= REPS_MAX) REPS = atoi(reps);
    const char *d = getenv("VT_BENCH_DB_DIR");
    if (!d || !*d) d = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s", d && *d ? d : "/tmp");
    if (vt_bench_selected("db_events")) bench_events();
    if (vt_bench_selected("db_checkpoint_2g")) bench_checkpoint();
    if (vt_bench_selected("db_window_query")) bench_window();
    return 0;
}
