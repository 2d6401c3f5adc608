/* Workload database benchmarks, each against a baseline measured in the same run:
 *   db_events        event ingest rate vs raw prepared-statement inserts of the same rows into
 *                    the same schema and indexes, one transaction (ratio = ours / raw)
 *   db_checkpoint_2g streaming ingest of a 2 GiB checkpoint in bulk mode (vt_store_set_bulk) vs
 *                    one SHA-256 stream over the same bytes (ratio = sha time / ingest time, the
 *                    ingest timed to the closed, durable file), plus the ingest's peak RSS;
 *                    _wal: the same in the default WAL mode; _vs_disk: bulk ingest against a
 *                    plain write + fsync of the same bytes (the disk's ceiling)
 *   db_window_query  a 1 ms time-window query over 10M events (ms per query)
 *   db_claim_load    loading claims as verify does (claim, graph text, input and output tensors,
 *                    all re-hashed) vs raw prepared-statement reads of the same rows without
 *                    checks (ratio = ours / raw); db_claim_load_uncached: the same load with the
 *                    statement cache off
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

/* One ingest of the checkpoint, timed from write_begin to the closed file in hand-over form. */
static double ingest_checkpoint(uint8_t *buf, uint64_t total, bool bulk) {
    vt_store *s = create("bench_ckpt.vdb");
    vt_error e;
    int64_t dims[1] = {(int64_t)(total / 4)};
    vt_store_tensor_writer *w;
    double t0 = vt_bench_now();
    if (bulk && vt_store_set_bulk(s, true, &e)) die("ckpt bulk", &e);
    if (vt_store_tensor_write_begin(s, VT_F32, 1, dims, &w, &e)) die("ckpt begin", &e);
    for (uint64_t b = 0; b < total / BLOCK; b++) {
        stamp(buf, b);
        if (vt_store_tensor_write(w, buf, BLOCK, &e)) die("ckpt write", &e);
    }
    vt_hash256 id;
    if (vt_store_tensor_write_end(w, &id, &e)) die("ckpt end", &e);
    if (vt_store_close(s, &e)) die("ckpt close", &e);
    double t = vt_bench_now() - t0;
    remove(path_of("bench_ckpt.vdb"));
    return t;
}

/* The disk's own ceiling: the same bytes written to a plain file and fsync'ed. */
static double disk_write(uint8_t *buf, uint64_t total) {
    const char *p = path_of("bench_ckpt.raw");
    FILE *f = fopen(p, "wb");
    if (!f) die("raw file", NULL);
    double t0 = vt_bench_now();
    for (uint64_t b = 0; b < total / BLOCK; b++) {
        stamp(buf, b);
        if (fwrite(buf, 1, BLOCK, f) != BLOCK) die("raw write", NULL);
    }
    if (fflush(f) || fsync(fileno(f))) die("raw fsync", NULL);
    fclose(f);
    double t = vt_bench_now() - t0;
    remove(p);
    return t;
}

static void bench_checkpoint(void) {
    uint64_t mb = getenv("VT_BENCH_CHECKPOINT_MB") ? strtoull(getenv("VT_BENCH_CHECKPOINT_MB"), NULL, 10) : 2048;
    uint64_t total = mb << 20;
    total -= total % BLOCK;
    if (!total) return;
    uint8_t *buf = malloc(BLOCK);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < BLOCK; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(buf + i, &x, 4);
    }
    double tsha[REPS_MAX], tbulk[REPS_MAX], twal[REPS_MAX], tdisk[REPS_MAX];
    vt_sha256_ctx *c = vt_sha256_new();
    uint8_t h[32];
    vt_bench_reset_peak_rss();
    for (int r = 0; r < REPS; r++) {
        /* Interleaved, so that a slow spell of the shared machine or disk hits all alike.
         * Baseline: one SHA-256 stream over the same bytes. */
        double t0 = vt_bench_now();
        for (uint64_t b = 0; b < total / BLOCK; b++) {
            stamp(buf, b);
            vt_sha256_update(c, buf, BLOCK);
        }
        vt_sha256_final(c, h);
        tsha[r] = vt_bench_now() - t0;
        tdisk[r] = disk_write(buf, total);
        tbulk[r] = ingest_checkpoint(buf, total, true);
        twal[r] = ingest_checkpoint(buf, total, false);
    }
    size_t rss = vt_bench_peak_rss();
    vt_sha256_free(c);
    free(buf);
    double ts = vt_bench_median(tsha, REPS), tb = vt_bench_median(tbulk, REPS), tw = vt_bench_median(twal, REPS);
    double td = vt_bench_median(tdisk, REPS);
    const char *sz = mb == 2048 ? "2g" : "small";
    char name[64];
    snprintf(name, sizeof name, "db_checkpoint_%s", sz);
    vt_bench_print_ratio(name, (double)total / tb / 1e6, "MB/s", ts / tb, "sha256_stream");
    snprintf(name, sizeof name, "db_checkpoint_%s_wal", sz);
    vt_bench_print_ratio(name, (double)total / tw / 1e6, "MB/s", ts / tw, "sha256_stream");
    snprintf(name, sizeof name, "db_checkpoint_%s_vs_disk", sz);
    vt_bench_print_ratio(name, (double)total / tb / 1e6, "MB/s", td / tb, "file_write_fsync");
    snprintf(name, sizeof name, "db_checkpoint_%s_peak_rss", sz);
    vt_bench_print(name, (double)rss / 1048576.0, "MiB");
    fprintf(stderr, "db_checkpoint: sha256 %.2f s, file write+fsync %.2f s, bulk ingest %.2f s, WAL ingest %.2f s "
            "(ingest: write_begin to closed file)\n", ts, td, tb, tw);
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

/* Claims like verify_small_claims': a 2-input add on 8x64 f32, each claim with its own first
 * input and output, the second input shared. */
static const char claim_graph[] =
    "func.func public @main(%a: tensor<8x64xf32>, %b: tensor<8x64xf32>) -> tensor<8x64xf32> {\n"
    "  %0 = stablehlo.add %a, %b : tensor<8x64xf32>\n"
    "  return %0 : tensor<8x64xf32>\n"
    "}\n";

static double load_ours(const char *path, const vt_hash256 *ids, size_t n, bool cache) {
    vt_store_options o = {VT_STORE_VERIFY, false, 1, true};
    vt_store *s;
    vt_error e;
    if (vt_store_open(path, &o, &s, &e)) die("open claims", &e);
    vt_store_set_stmt_cache(s, cache);
    double t0 = vt_bench_now();
    for (size_t i = 0; i < n; i++) {
        vt_store_claim c;
        if (vt_store_get_claim(s, &ids[i], &c, &e)) die("get claim", &e);
        char *text;
        size_t len;
        if (vt_store_get_graph(s, &c.graph, &text, &len, &e)) die("get graph", &e);
        free(text);
        for (size_t k = 0; k < c.n_inputs + c.n_outputs; k++) {
            vt_tensor *t;
            const vt_hash256 *tid = k < c.n_inputs ? &c.inputs[k] : &c.outputs[k - c.n_inputs];
            if (vt_store_get_tensor(s, tid, 0, &t, &e)) die("get tensor", &e);
            vt_tensor_release(t);
        }
        vt_store_claim_free(&c);
    }
    double t = vt_bench_now() - t0;
    vt_store_close(s, &e);
    return t;
}

/* The same rows with plain prepared statements: the claim's canonical text and tensor list, the
 * graph's text, each tensor's header, chunk list and chunk bytes; nothing parsed or hashed. */
static double load_raw(const char *path, const vt_hash256 *ids, size_t n) {
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die("raw open claims", NULL);
    sqlite3_exec(db, "PRAGMA cache_size = -32768", 0, 0, 0); /* the store's reader setting */
    static const char *sql[] = {
        "SELECT canonical, graph_id FROM claims WHERE id = ?",
        "SELECT tensor_id FROM claim_tensors WHERE claim_id = ? ORDER BY role DESC, idx",
        "SELECT data FROM objects WHERE hash = ?",
        "SELECT dtype, shape, nbytes, nchunks FROM tensors WHERE id = ?",
        "SELECT chunk FROM tensor_chunks WHERE tensor_id = ? ORDER BY idx",
    };
    sqlite3_stmt *q[5];
    for (int i = 0; i < 5; i++)
        if (sqlite3_prepare_v2(db, sql[i], -1, &q[i], NULL) != SQLITE_OK) die("raw prepare", NULL);
    uint8_t *buf = malloc(1 << 20);
    size_t sink = 0;
    double t0 = vt_bench_now();
    for (size_t i = 0; i < n; i++) {
        char hex[65], tid[8][65];
        vt_hex_encode(ids[i].b, 32, hex);
        sqlite3_bind_text(q[0], 1, hex, 64, SQLITE_STATIC);
        if (sqlite3_step(q[0]) != SQLITE_ROW) die("raw claim", NULL);
        sink += (size_t)sqlite3_column_bytes(q[0], 0);
        sqlite3_bind_text(q[2], 1, (const char *)sqlite3_column_text(q[0], 1), 64, SQLITE_TRANSIENT);
        sqlite3_reset(q[0]);
        if (sqlite3_step(q[2]) != SQLITE_ROW) die("raw graph", NULL);
        memcpy(buf, sqlite3_column_blob(q[2], 0), (size_t)sqlite3_column_bytes(q[2], 0));
        sqlite3_reset(q[2]);
        int nt = 0;
        sqlite3_bind_text(q[1], 1, hex, 64, SQLITE_STATIC);
        while (nt < 8 && sqlite3_step(q[1]) == SQLITE_ROW) snprintf(tid[nt++], 65, "%s", sqlite3_column_text(q[1], 0));
        sqlite3_reset(q[1]);
        for (int k = 0; k < nt; k++) {
            sqlite3_bind_text(q[3], 1, tid[k], 64, SQLITE_STATIC);
            if (sqlite3_step(q[3]) != SQLITE_ROW) die("raw tensor", NULL);
            sink += (size_t)sqlite3_column_int64(q[3], 2);
            sqlite3_reset(q[3]);
            sqlite3_bind_text(q[4], 1, tid[k], 64, SQLITE_STATIC);
            while (sqlite3_step(q[4]) == SQLITE_ROW) {
                sqlite3_bind_text(q[2], 1, (const char *)sqlite3_column_text(q[4], 0), 64, SQLITE_TRANSIENT);
                if (sqlite3_step(q[2]) != SQLITE_ROW) die("raw chunk", NULL);
                memcpy(buf, sqlite3_column_blob(q[2], 0), (size_t)sqlite3_column_bytes(q[2], 0));
                sqlite3_reset(q[2]);
            }
            sqlite3_reset(q[4]);
        }
    }
    double t = vt_bench_now() - t0;
    if (!sink) die("raw load read nothing", NULL);
    free(buf);
    for (int i = 0; i < 5; i++) sqlite3_finalize(q[i]);
    sqlite3_close(db);
    return t;
}

static void bench_claim_load(void) {
    size_t n = getenv("VT_BENCH_CLAIMS") ? strtoull(getenv("VT_BENCH_CLAIMS"), NULL, 10) : 5000;
    if (!n) return;
    vt_store *s = create("bench_claims.vdb");
    vt_error e;
    vt_hash256 gid, shared, *ids = calloc(n, sizeof *ids);
    int64_t dims[2] = {8, 64};
    vt_tensor *a = vt_tensor_create(VT_F32, 2, dims, 0, &e), *b = vt_tensor_create(VT_F32, 2, dims, 0, &e);
    vt_tensor *c = vt_tensor_create(VT_F32, 2, dims, 0, &e);
    if (!a || !b || !c || !ids) die("claims alloc", &e);
    float *pa = a->data, *pb = b->data, *pc = c->data;
    for (size_t i = 0; i < a->nelem; i++) pb[i] = (float)i * 0.25f;
    if (vt_store_begin(s, &e) || vt_store_put_graph(s, claim_graph, strlen(claim_graph), NULL, &gid, &e) ||
        vt_store_put_tensor(s, b, &shared, &e))
        die("claims setup", &e);
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < a->nelem; i++) {
            pa[i] = (float)(k * 512 + i);
            pc[i] = pa[i] + pb[i];
        }
        vt_hash256 in[2], out[1];
        in[1] = shared;
        if (vt_store_put_tensor(s, a, &in[0], &e) || vt_store_put_tensor(s, c, &out[0], &e)) die("claims tensors", &e);
        vt_store_claim cl;
        memset(&cl, 0, sizeof cl);
        cl.graph = gid;
        strcpy(cl.entry, "main");
        strcpy(cl.strategy, "bit_exact");
        strcpy(cl.created_at, "2026-11-27T00:00:00Z");
        cl.inputs = in;
        cl.n_inputs = 2;
        cl.outputs = out;
        cl.n_outputs = 1;
        if (vt_store_put_claim(s, &cl, &ids[k], &e)) die("claims put", &e);
    }
    if (vt_store_commit(s, &e)) die("claims commit", &e);
    vt_store_close(s, &e);
    vt_tensor_release(a);
    vt_tensor_release(b);
    vt_tensor_release(c);
    char path[700];
    snprintf(path, sizeof path, "%s/bench_claims.vdb", dir);
    double ours[REPS_MAX], unc[REPS_MAX], raw[REPS_MAX];
    for (int r = 0; r < REPS; r++) {
        raw[r] = load_raw(path, ids, n);
        ours[r] = load_ours(path, ids, n, true);
        unc[r] = load_ours(path, ids, n, false);
    }
    double to = vt_bench_median(ours, REPS), tu = vt_bench_median(unc, REPS), tr = vt_bench_median(raw, REPS);
    vt_bench_print_ratio("db_claim_load", (double)n / to, "claims/s", tr / to, "sqlite_prepared_select");
    vt_bench_print_ratio("db_claim_load_uncached", (double)n / tu, "claims/s", tr / tu, "sqlite_prepared_select");
    fprintf(stderr, "db_claim_load: %.1f us per claim (uncached %.1f us, raw rows %.1f us)\n", to / (double)n * 1e6,
            tu / (double)n * 1e6, tr / (double)n * 1e6);
    free(ids);
    remove(path_of("bench_claims.vdb"));
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
    if (vt_bench_selected("db_claim_load")) bench_claim_load();
    return 0;
}
