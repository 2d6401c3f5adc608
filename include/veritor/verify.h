/* veritor verify API (protocol layer): checks a claim of the workload database by re-executing
 * its graph on the trusted engine and applying a strategy from the registry; pins, reports and
 * the verifier's own results database (docs/verify.md, docs/report-json.md). */
#ifndef VERITOR_VERIFY_H
#define VERITOR_VERIFY_H

#include "veritor/interp.h"
#include "veritor/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

/* ---- results of one claim ---------------------------------------------------------------- */
typedef enum vt_verdict { VT_VERDICT_PASSED, VT_VERDICT_FAILED, VT_VERDICT_ERROR } vt_verdict;
const char *vt_verdict_name(vt_verdict v); /* "passed", "failed", "error" */

/* |claimed - computed| of mismatching elements in decades: bin 0 < 1e-10, bin i in
 * [1e(i-11), 1e(i-10)) for i in 1..14, bin 15 >= 1e4 or not finite (NaN, inf). */
#define VT_DIFF_HIST_BINS 16

typedef struct vt_output_score {
    char type[96];          /* "tensor<4x8xf32>" of the computed output */
    uint64_t elements;
    uint64_t mismatches;    /* elements the rule rejects */
    double max_abs_diff;    /* over finite pairs; 0 when none differ */
    double max_rel_diff;    /* |claimed - computed| / |computed|; inf when computed is 0 */
    uint64_t max_ulp;       /* floats: ULP distance in the output's type; ints: 0 */
    bool nonfinite_diff;    /* a NaN/inf appears on one side only */
    bool has_first;         /* first mismatching element (row-major) */
    uint64_t first_flat;
    int first_rank;
    int64_t first_index[VT_MAX_RANK];
    double first_claimed, first_computed;
    uint64_t hist[VT_DIFF_HIST_BINS];
    bool passed;
} vt_output_score;

typedef struct vt_verify_timings {
    double load, parse, execute, check, total; /* seconds */
} vt_verify_timings;

typedef struct vt_verify_result {
    char claim_id[65], graph_id[65];
    char entry[256];
    char strategy[128];
    char created_at[40];
    char rule[128];         /* the strategy's rule in words ("exact bits", "allclose rtol=..") */
    vt_verdict verdict;
    vt_status status;       /* VT_OK passed, VT_ECHECK failed, else why it could not be checked */
    int exit_class;         /* 0 passed, 1 failed, 2 not checkable, 3 limit */
    char reason[VT_ERROR_MSG_MAX]; /* one sentence */
    char pin[300];          /* which pin applied: "none", "--expect-graph", "policy entry main", ... */
    vt_output_score *outputs; /* malloc'ed, n_outputs entries */
    size_t n_outputs;
    vt_verify_timings timings;
    vt_limits limits;
    vt_run_stats stats;
    /* Taken from an earlier run in the results database (`verify --resume`) instead of being
     * verified now: that run's row id and time; 0 and "" for a run made now. */
    int64_t resumed_run;
    char resumed_at[40];
} vt_verify_result;
void vt_verify_result_free(vt_verify_result *r); /* frees outputs, not r */
/* Reads back the object vt_verify_result_json writes (every field checked; VT_EINPUT names the
 * first bad one). The resumed fields are left empty. */
vt_status vt_verify_result_from_json(const char *text, size_t len, vt_verify_result *out, vt_error *err);

/* ---- strategy registry -------------------------------------------------------------------- */
/* A strategy compares the claimed outputs with the recomputed ones. Configs are JSON objects:
 * the strategy's defaults overlaid with the claim's (or the caller's) config; an unknown key or
 * a bad value is VT_EINPUT naming it. */
typedef struct vt_strategy {
    const char *name;
    const char *summary;
    const char *default_config;  /* JSON object text */
    /* Parses a full (defaults merged) config into *state (free with free_state). */
    vt_status (*configure)(const struct json_t *config, void **state, vt_error *err);
    void (*free_state)(void *state);
    /* Describes the rule in words into out. */
    void (*describe)(const void *state, char *out, size_t n);
    /* Scores output i; sets score->passed. Claimed and computed have the same type. */
    vt_status (*check)(const void *state, const vt_tensor *claimed, const vt_tensor *computed,
                       vt_output_score *score, vt_error *err);
} vt_strategy;

const vt_strategy *vt_strategy_find(const char *name);
size_t vt_strategy_count(void);
const vt_strategy *vt_strategy_at(size_t i);
/* Merges defaults with config_json (NULL or "": defaults only) and configures the strategy. */
vt_status vt_strategy_configure(const vt_strategy *s, const char *config_json, void **state, vt_error *err);
/* The built-in bit_exact strategy (strategy_bit_exact.c). */
extern const vt_strategy vt_strategy_bit_exact;

/* ---- policy: pinned graph hashes ---------------------------------------------------------- */
/* Policy file (docs/verify.md):
 * {"format":"veritor.policy.v1", "entries":{"main":["<graph id>",...]},
 *  "kinds":{"<metadata.kind>":["<graph id>",...]}, "require_pin":false} */
typedef struct vt_policy vt_policy;
vt_status vt_policy_load(const char *path, vt_policy **out, vt_error *err);
vt_status vt_policy_parse(const char *text, size_t len, const char *what, vt_policy **out, vt_error *err);
void vt_policy_free(vt_policy *p);
/* Pins that apply to a claim of `entry` whose metadata JSON is `metadata` (may be NULL):
 * the claim's metadata "kind" first, then its entry point. Returns the number of pinned ids
 * (0: none applies) and points *ids at them; `source` says which rule matched. */
size_t vt_policy_pins(const vt_policy *p, const char *entry, const char *metadata, const vt_hash256 **ids,
                      char *source, size_t source_cap);
bool vt_policy_requires_pin(const vt_policy *p);

/* ---- verify -------------------------------------------------------------------------------- */
/* Optional per-worker cache of parsed graphs and tensors read (and re-hashed) from one immutable
 * database: claims that share weights or a graph read and parse them once. One thread at a time;
 * results are identical with or without it. */
typedef struct vt_verify_cache vt_verify_cache;
/* max_bytes: tensor bytes kept (0: 256 MiB); graphs: up to 64 parsed modules. */
vt_verify_cache *vt_verify_cache_create(uint64_t max_bytes);
void vt_verify_cache_destroy(vt_verify_cache *c);

typedef struct vt_verify_options {
    const char *strategy;       /* NULL: the claim's */
    const char *config_json;    /* NULL: the claim's config */
    const vt_limits *limits;    /* NULL: vt_limits_default */
    vt_engine *engine;          /* NULL: one is created per call (threads below) */
    int threads;                /* engine threads when created here; 0: all cores */
    const vt_hash256 *expect_graph; /* --expect-graph: applies to every claim (before the policy) */
    const vt_policy *policy;    /* NULL: none */
    vt_verify_cache *cache;     /* NULL: none; only for claims of one database */
} vt_verify_options;

/* Checks one claim. Returns VT_OK whenever a verdict could be formed (read result->verdict,
 * including ERROR verdicts for claims that cannot be checked); a non-OK return means the
 * verifier itself could not run (out of memory), with err set. */
vt_status vt_verify(vt_store *db, const vt_hash256 *claim_id, const vt_verify_options *opt, vt_verify_result *result,
                    vt_error *err);

/* ---- reports ------------------------------------------------------------------------------- */
typedef struct vt_verify_report {
    const char *database;           /* what was verified (path) */
    const vt_verify_result *results;
    size_t n;
    bool pinned;                    /* a pin was given (--expect-graph or policy) */
    const char *policy_path;        /* NULL: none */
    struct json_t *engine;          /* vt_engine_identity() */
} vt_verify_report;
/* Exit status of a run: 0 all passed, 1 any failed and all others passed, 2 any not checkable,
 * 3 any hit a limit and none is 2. */
int vt_verify_exit_code(const vt_verify_result *r, size_t n);
/* The engine's identity: veritor version and commit, BLAS library/core, threads, limits. */
struct json_t *vt_engine_identity(int threads, const vt_limits *limits);
/* JSON of one result (schema veritor.verify.v1, docs/report-json.md). */
struct json_t *vt_verify_result_json(const vt_verify_result *r);
/* The whole report as JSON text (caller vt_buf_free's). */
vt_status vt_verify_report_json(const vt_verify_report *rep, vt_buf *out, vt_error *err);
/* Self-contained HTML (inline CSS, SVG and a little JS; nothing from the network). */
vt_status vt_verify_report_html(const vt_verify_report *rep, vt_buf *out, vt_error *err);

/* ---- the verifier's results database (its own SQLite file, never the prover's) --------------- */
typedef struct vt_results_db vt_results_db;
vt_status vt_results_open(const char *path, vt_results_db **out, vt_error *err);
/* Records one run of a claim: time, verdict, scores, timings, engine identity JSON. */
vt_status vt_results_record(vt_results_db *db, const vt_verify_result *r, const char *engine_json, vt_error *err);
vt_status vt_results_begin(vt_results_db *db, vt_error *err);
vt_status vt_results_commit(vt_results_db *db, vt_error *err);
/* The settings a run is made with (a hex digest of everything that could change a verdict:
 * engine version, BLAS, strategy and config overrides, pins, limits), recorded with every run
 * from now on; "" (the default) for none. */
void vt_results_set_settings(vt_results_db *db, const char *settings);
/* The latest run of claim_id recorded with the current (non-empty) settings that ended in a
 * verdict (passed or failed; errors and limits are retried), read back into *out with its row id
 * and time in out->resumed_run / resumed_at. *found false: none. A stored result that does not
 * read back, or belongs to another claim, is VT_EINPUT naming the row. */
vt_status vt_results_find_final(vt_results_db *db, const char *claim_id, vt_verify_result *out, bool *found,
                                vt_error *err);
/* Number of recorded runs (of claim_id when not NULL). */
vt_status vt_results_count(vt_results_db *db, const char *claim_id, int64_t *n, vt_error *err);
void vt_results_close(vt_results_db *db);

#ifdef __cplusplus
}
#endif
#endif
