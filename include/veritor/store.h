/* veritor store layer: the workload database (one SQLite file) holding content-addressed
 * objects, tensors, graphs, traces, bundles, devices, challenges and claims, opened read-write
 * by the prover or read-only and defensively by a verifier. SQL never leaks past this header. */
#ifndef VERITOR_STORE_H
#define VERITOR_STORE_H

#include "veritor/base.h"
#include "veritor/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every content id in the store is a SHA-256, written as 64 lowercase hex chars in SQL/JSON. */
typedef struct vt_hash256 {
    uint8_t b[VT_SHA256_LEN];
} vt_hash256;
bool vt_hash256_parse(const char *hex, vt_hash256 *out); /* exactly 64 hex digits */

/* ---- opening ------------------------------------------------------------------------------ */
typedef enum vt_store_mode {
    VT_STORE_CREATE,  /* prover: read-write, file created (and schema written) when missing */
    VT_STORE_RW,      /* prover: read-write, the file must exist; older schemas are migrated */
    VT_STORE_READ,    /* a reader beside a live prover (WAL): read-only, defensive, not immutable */
    VT_STORE_VERIFY   /* verifier: a handed-over file, immutable=1, defensive, never written */
} vt_store_mode;

typedef struct vt_store_options {
    vt_store_mode mode;
    bool compress;          /* zstd-compress objects when that makes them smaller (writers) */
    int threads;            /* chunk hashing threads for tensor ingest; 0 = all cores */
    bool skip_quick_check;  /* readers: skip PRAGMA quick_check (tests and benchmarks only) */
} vt_store_options;

typedef struct vt_store vt_store;

/* The schema version this build writes; files claiming a newer one are refused. */
int vt_store_schema_version(void);
vt_status vt_store_open(const char *path, const vt_store_options *opt, vt_store **out, vt_error *err);
/* Closes; a read-write store is checkpointed and left in journal_mode=DELETE so that the file
 * can be handed over alone (no -wal/-shm beside it). NULL is fine. */
vt_status vt_store_close(vt_store *s, vt_error *err);
/* The schema version recorded in the open file. */
int vt_store_file_schema_version(const vt_store *s);
bool vt_store_writable(const vt_store *s);
/* Prepared statements are cached per handle (finalized on close); off, every call prepares its
 * statements afresh: the cache's baseline in benchmarks. On by default. */
void vt_store_set_stmt_cache(vt_store *s, bool on);

/* Bulk ingest (writers, outside a transaction): the file switches from WAL to SQLite's rollback
 * journal, in which pages appended to the file are written once (WAL writes every page twice:
 * into the log, then into the file at checkpoint) and each commit is made durable (fsync).
 * Crash safety is the same: a killed writer's transaction is rolled back from the -journal on
 * the next read-write open. While it is on, readers wait while a transaction writes. The file
 * must be open by this connection alone (else VT_EIO, nothing changed); off returns to WAL. */
vt_status vt_store_set_bulk(vt_store *s, bool on, vt_error *err);

/* Groups several puts into one transaction (nestable by count: only the outermost commits).
 * Every put below is atomic on its own when no transaction is open. */
vt_status vt_store_begin(vt_store *s, vt_error *err);
vt_status vt_store_commit(vt_store *s, vt_error *err);
void vt_store_rollback(vt_store *s);

/* ---- objects: content-addressed bytes, deduplicated, optionally zstd-compressed ------------ */
vt_status vt_store_put_object(vt_store *s, const void *data, size_t n, vt_hash256 *id, vt_error *err);
/* Reads and re-hashes; a mismatch is VT_ECHECK naming the object. max_bytes 0: 1 GiB.
 * Caller frees *data with free(). */
vt_status vt_store_get_object(vt_store *s, const vt_hash256 *id, size_t max_bytes, void **data, size_t *n,
                              vt_error *err);

/* ---- tensors: stored as the 4 MiB chunks of their content id, each chunk an object --------- */
typedef struct vt_store_tensor_meta {
    vt_dtype dtype;
    int rank;
    int64_t dims[VT_MAX_RANK];
    uint64_t nbytes;
    uint64_t nchunks;
} vt_store_tensor_meta;

/* Streaming ingest: bytes are hashed once, chunk by chunk, as they arrive; memory stays at a few
 * chunks whatever the tensor size. The tensor row and its chunks commit together. */
typedef struct vt_store_tensor_writer vt_store_tensor_writer;
vt_status vt_store_tensor_write_begin(vt_store *s, vt_dtype dtype, int rank, const int64_t *dims,
                                      vt_store_tensor_writer **out, vt_error *err);
vt_status vt_store_tensor_write(vt_store_tensor_writer *w, const void *data, size_t n, vt_error *err);
/* Checks that exactly nbytes arrived, writes the tensor row, frees w (also on error). */
vt_status vt_store_tensor_write_end(vt_store_tensor_writer *w, vt_hash256 *id, vt_error *err);
void vt_store_tensor_write_abort(vt_store_tensor_writer *w);
vt_status vt_store_put_tensor(vt_store *s, const vt_tensor *t, vt_hash256 *id, vt_error *err);

/* Header and chunk list, re-hashed into the id (VT_ECHECK on mismatch). */
vt_status vt_store_tensor_meta_get(vt_store *s, const vt_hash256 *id, vt_store_tensor_meta *meta, vt_error *err);
/* Streaming read: every chunk is re-hashed before its bytes are handed out. */
typedef struct vt_store_tensor_reader vt_store_tensor_reader;
vt_status vt_store_tensor_read_begin(vt_store *s, const vt_hash256 *id, vt_store_tensor_reader **out,
                                     vt_store_tensor_meta *meta, vt_error *err);
/* Copies up to cap bytes; *got == 0 at the end. */
vt_status vt_store_tensor_read(vt_store_tensor_reader *r, void *buf, size_t cap, size_t *got, vt_error *err);
void vt_store_tensor_read_end(vt_store_tensor_reader *r);
/* Whole tensor in memory (max_bytes 0: VT_DEFAULT_MAX_TENSOR_BYTES). */
vt_status vt_store_get_tensor(vt_store *s, const vt_hash256 *id, uint64_t max_bytes, vt_tensor **out, vt_error *err);

/* ---- graphs ----------------------------------------------------------------------------------
 * A graph's id is the SHA-256 of its text after normalisation (line endings to \n, trailing
 * blanks of every line and trailing empty lines removed, one final \n). Stored graphs are parsed
 * and verified; their entry points and signatures are extracted. */
typedef struct vt_store_type {
    vt_dtype dtype;
    int rank;
    int64_t dims[VT_MAX_RANK]; /* -1: dynamic */
} vt_store_type;
typedef struct vt_store_entry {
    char name[256];
    bool is_public;
    int n_inputs, n_outputs;
    vt_store_type *inputs, *outputs; /* malloc'ed; vt_store_entries_free() */
} vt_store_entry;
typedef struct vt_store_entries {
    vt_store_entry *items;
    size_t count;
} vt_store_entries;
void vt_store_entries_free(vt_store_entries *e);
const vt_store_entry *vt_store_entries_find(const vt_store_entries *e, const char *name);

/* Validates text (parse + verify) and lists its functions; `what` names the source in errors. */
vt_status vt_store_graph_check(const char *text, size_t len, const char *what, vt_store_entries *out, vt_error *err);
/* Normalised copy (malloc'ed, NUL-terminated) and its id. */
vt_status vt_store_graph_normalize(const char *text, size_t len, char **out, size_t *out_len, vt_hash256 *id,
                                   vt_error *err);

typedef struct vt_store_graph_info {
    const char *role;      /* "logical", "distributed" or "verification" (NULL: logical) */
    const char *format;    /* NULL: "stablehlo" */
    const char *metadata;  /* JSON object text or NULL */
} vt_store_graph_info;
vt_status vt_store_put_graph(vt_store *s, const char *text, size_t len, const vt_store_graph_info *info,
                             vt_hash256 *id, vt_error *err);
/* Text (re-hashed), malloc'ed and NUL-terminated. */
vt_status vt_store_get_graph(vt_store *s, const vt_hash256 *id, char **text, size_t *len, vt_error *err);
vt_status vt_store_graph_entries(vt_store *s, const vt_hash256 *id, vt_store_entries *out, vt_error *err);
vt_status vt_store_add_derivation(vt_store *s, const vt_hash256 *source, const vt_hash256 *target,
                                  const char *kind, const char *params_json, int64_t *id, vt_error *err);

/* ---- traces and events ---------------------------------------------------------------------- */
typedef enum vt_event_kind {
    VT_EV_KERNEL_LAUNCH, VT_EV_MEMORY_TRANSFER, VT_EV_COLLECTIVE, VT_EV_SYNC, VT_EV_CHALLENGE,
    VT_EV_CHECKPOINT, VT_EV_SAMPLE, VT_EV_CUSTOM, VT_EV_KIND_COUNT
} vt_event_kind;
const char *vt_event_kind_name(vt_event_kind k);
int vt_event_kind_from_name(const char *name); /* -1 when unknown */

typedef struct vt_store_event {
    int64_t ts_ns;
    vt_event_kind kind;
    const char *device;        /* NULL: none */
    const char *op_id;         /* NULL: none */
    int64_t mem_bytes;         /* < 0: none */
    const char *payload_json;  /* NULL: none */
    const vt_hash256 *payload_obj; /* NULL: none */
} vt_store_event;

/* graph may be NULL. */
vt_status vt_store_trace_begin(vt_store *s, const vt_hash256 *graph, int64_t start_ns, const char *metadata_json,
                               int64_t *trace_id, vt_error *err);
vt_status vt_store_trace_end(vt_store *s, int64_t trace_id, int64_t end_ns, vt_error *err);
/* Sets both ends at once (importers that learn them from the events). */
vt_status vt_store_trace_span(vt_store *s, int64_t trace_id, int64_t start_ns, int64_t end_ns, vt_error *err);
/* Appends n events in one transaction (or the caller's). */
vt_status vt_store_events_append(vt_store *s, int64_t trace_id, const vt_store_event *ev, size_t n, vt_error *err);

/* ---- data bundles ----------------------------------------------------------------------------
 * A bundle's id is the SHA-256 of its canonical JSON (RFC 8785). */
typedef struct vt_store_bundle_tensor {
    const char *role;   /* "inputs", "outputs", "weights", "activations" */
    const char *name;
    vt_hash256 tensor;
} vt_store_bundle_tensor;
typedef struct vt_store_bundle_seed {
    const char *name;
    const char *key;    /* "0xHHHHHHHH:0xHHHHHHHH" (vt_key_format) or a decimal seed */
} vt_store_bundle_seed;
typedef struct vt_store_bundle {
    const vt_hash256 *graph;  /* NULL: none */
    const char *kind;         /* execution, checkpoint, training_batch, gradient, fingerprint */
    bool has_step;
    int64_t step;
    const vt_store_bundle_tensor *tensors;
    size_t n_tensors;
    const vt_store_bundle_seed *seeds;
    size_t n_seeds;
    const char *metadata;     /* JSON object text or NULL */
    const char *created_at;   /* RFC 3339 UTC; NULL: now */
} vt_store_bundle;
vt_status vt_store_put_bundle(vt_store *s, const vt_store_bundle *b, vt_hash256 *id, vt_error *err);
/* Canonical JSON of a stored bundle, re-hashed (caller frees). */
vt_status vt_store_get_bundle_json(vt_store *s, const vt_hash256 *id, char **json, vt_error *err);

/* ---- devices and topology --------------------------------------------------------------------- */
typedef struct vt_store_device {
    const char *id, *kind, *model, *host; /* id and kind required */
    int64_t memory_bytes;                 /* < 0: unknown */
    double peak_flops, mem_bandwidth;     /* < 0: unknown */
    const char *properties;               /* JSON object text or NULL */
} vt_store_device;
vt_status vt_store_put_device(vt_store *s, const vt_store_device *d, vt_error *err);
/* bandwidth in bytes/s, latency in ns; < 0: unknown. Both devices must exist. */
vt_status vt_store_put_link(vt_store *s, const char *a, const char *b, double bandwidth, double latency_ns,
                            vt_error *err);
/* Imports devices and links from a JSON file or a SLURM-style topology description (format in
 * docs/database.md), all or nothing. Counts may be NULL. */
vt_status vt_store_import_devices(vt_store *s, const char *path, size_t *n_devices, size_t *n_links, vt_error *err);

/* ---- challenges ------------------------------------------------------------------------------ */
typedef struct vt_store_challenge {
    const char *kind;
    const char *device, *op_id, *seed; /* NULL: none */
    const char *params;                /* JSON object text or NULL */
    int64_t issued_at_ns;
    int64_t deadline_ns;               /* < 0: none */
} vt_store_challenge;
vt_status vt_store_put_challenge(vt_store *s, const vt_store_challenge *c, int64_t *id, vt_error *err);
vt_status vt_store_respond_challenge(vt_store *s, int64_t id, const void *response, size_t n, int64_t responded_at_ns,
                                     vt_error *err);

/* ---- claims -----------------------------------------------------------------------------------
 * A claim's id is the SHA-256 of its canonical JSON (RFC 8785) holding exactly these fields:
 * {"bundles":[...],"config":{...},"created_at":"...","entry":"main","graph":"<hex>",
 *  "inputs":["<hex>",...],"metadata":{...},"outputs":[...],"strategy":"...","trace":N|null}. */
typedef struct vt_store_claim {
    vt_hash256 graph;
    char entry[256];
    vt_hash256 *inputs, *outputs;
    size_t n_inputs, n_outputs;
    char strategy[128];
    char *config;     /* JSON object text (NULL: {}) */
    char *metadata;   /* JSON object text (NULL: {}) */
    char created_at[40]; /* RFC 3339 UTC; empty: now (filled in by put) */
    int64_t trace;    /* 0: none */
    vt_hash256 *bundles;
    size_t n_bundles;
} vt_store_claim;
void vt_store_claim_free(vt_store_claim *c); /* frees the arrays and strings, not c */
/* Canonical JSON (RFC 8785) and id of a claim. */
vt_status vt_store_claim_canonical(const vt_store_claim *c, vt_buf *out, vt_hash256 *id, vt_error *err);
/* Parses a claim's JSON (the canonical form or any JSON with exactly these fields). */
vt_status vt_store_claim_from_json(const char *json, size_t len, const char *what, vt_store_claim *c, vt_error *err);
/* Stores the claim; its graph, tensors, trace and bundles must already be in the store. */
vt_status vt_store_put_claim(vt_store *s, vt_store_claim *c, vt_hash256 *id, vt_error *err);
/* Reads a claim, re-hashing its canonical JSON and checking everything it references exists. */
vt_status vt_store_get_claim(vt_store *s, const vt_hash256 *id, vt_store_claim *c, vt_error *err);

/* RFC 8785 canonical JSON of a jansson value; integers beyond 2^53 are refused (VT_EINPUT). */
vt_status vt_canonical_json(const struct json_t *j, vt_buf *out, vt_error *err);

/* ---- queries ------------------------------------------------------------------------------------ */
typedef struct vt_store_filter {
    const char *graph;        /* graph id (hex, may be a prefix) */
    const char *strategy;     /* claims */
    const char *kind;         /* bundles, events, challenges, devices */
    const char *device;       /* events, challenges: one device or a comma-separated set */
    const char *op_id;        /* events */
    const char *meta_key, *meta_value; /* metadata key = value (string comparison) */
    bool has_time;
    int64_t t0, t1;           /* events: ts_ns in [t0, t1]; claims/graphs: not used */
    int64_t trace;            /* events: 0 = any */
    int64_t limit;            /* 0: no limit */
    bool latest;              /* bundles: newest step first (with limit: "latest K") */
    bool has_step;
    int64_t step;             /* bundles: exactly this step (the checkpoint of (graph, step)) */
} vt_store_filter;
/* KIND: objects, tensors, graphs, derivations, traces, events, bundles, devices, links,
 * challenges, claims. Rows come back as a JSON array of objects (caller json_decref's). */
vt_status vt_store_list(vt_store *s, const char *kind, const vt_store_filter *f, struct json_t **rows, vt_error *err);
/* SQLite's EXPLAIN QUERY PLAN of the query vt_store_list would run (one line per step; caller
 * frees): how tests check that a filter uses an index. */
vt_status vt_store_list_plan(vt_store *s, const char *kind, const vt_store_filter *f, char **plan, vt_error *err);
/* One entity by id or unique id prefix (any kind); returns it with what it references
 * (claim -> graph, tensors, trace, bundles; graph -> entries, derivations, traces, bundles, claims). */
vt_status vt_store_show(vt_store *s, const char *id, struct json_t **out, vt_error *err);
/* Lineage: every graph derived from id (down) or that id derives from (up), nearest first. */
vt_status vt_store_lineage(vt_store *s, const vt_hash256 *id, bool down, struct json_t **rows, vt_error *err);
/* Summary counts per table and the schema version. */
vt_status vt_store_info(vt_store *s, struct json_t **out, vt_error *err);

/* ---- integrity and maintenance -------------------------------------------------------------- */
typedef struct vt_store_fsck_report {
    uint64_t objects_checked, tensors_checked, graphs_checked, claims_checked, bundles_checked;
    uint64_t errors;     /* corruption: bad hashes, dangling references, bad rows */
    uint64_t orphans;    /* objects nothing references (gc removes them) */
    vt_buf log;          /* one line per finding; vt_buf_free() it */
} vt_store_fsck_report;
/* Returns VT_OK when it could run (read rep->errors for the answer). */
vt_status vt_store_fsck(vt_store *s, vt_store_fsck_report *rep, vt_error *err);
vt_status vt_store_gc(vt_store *s, uint64_t *removed_objects, uint64_t *removed_bytes, vt_error *err);

/* ---- claim directories (claim.json, graph.mlir, inputs/N.npy, outputs/N.npy) ------------------- */
/* Validates everything first and writes nothing when any check fails, naming the file. */
vt_status vt_store_import_claim_dir(vt_store *s, const char *dir, vt_hash256 *claim_id, vt_error *err);
/* dir must not exist or be empty. */
vt_status vt_store_export_claim_dir(vt_store *s, const vt_hash256 *claim_id, const char *dir, vt_error *err);

/* Current UTC time as RFC 3339 with milliseconds ("2026-11-27T14:03:00.123Z"). */
void vt_store_now_rfc3339(char out[40]);

#ifdef __cplusplus
}
#endif
#endif
