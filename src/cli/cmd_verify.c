/* `veritor verify`: checks the claims of a workload database (or one claim directory) on this
 * engine, prints one line per claim and a summary (or the JSON report), records every run in the
 * verifier's own results database and optionally writes the HTML report (docs/verify.md). */
#include "cli/cli.h"
#include "cli/verify_resume.h"
#include "veritor/verify.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char help_text[] =
    "usage: veritor verify DB [options]\n"
    "       veritor verify --dir CLAIM_DIR [options]\n"
    "\n"
    "Re-executes the graph of every selected claim on this engine and applies its strategy. The\n"
    "workload file is opened read-only and immutable: verify never writes to it. Each run is\n"
    "recorded in the verifier's own results database (default DB.results.sqlite).\n"
    "\n"
    "Selection:\n"
    "  --claim ID         only this claim (full id or unique prefix; repeatable)\n"
    "  --since T          claims created at or after T (RFC 3339 UTC, e.g. 2026-11-27T12:00:00Z)\n"
    "  --until T          claims created before T\n"
    "  --where KEY=VALUE  claims whose metadata KEY equals VALUE\n"
    "Checking:\n"
    "  --strategy S       check with strategy S instead of the claim's own (known: bit_exact)\n"
    "  --config JSON      the strategy's config instead of the claim's, e.g. '{\"float\":\"ulp\",\"max_ulp\":2}'\n"
    "  --expect-graph H   pin: every claim's graph must have content id H\n"
    "  --policy FILE      pins per entry point / claim kind (docs/verify.md)\n"
    "  --fuel N  --max-iterations N  --limit-bytes N  --deadline S   engine limits per claim\n"
    "  --jobs N           N claims at a time (results identical to --jobs 1)\n"
    "  --threads N        kernel threads per claim (default: cores / jobs)\n"
    "Output:\n"
    "  --json             print the JSON report (docs/report-json.md) instead of lines\n"
    "  -o, --output FILE  also write the JSON report to FILE\n"
    "  --report FILE      write a self-contained HTML report\n"
    "  --results FILE     the results database (default DB.results.sqlite; with --dir none)\n"
    "  --no-results       record nothing\n"
    "  --resume           report claims that already have a verdict in the results database,\n"
    "                     recorded under the same settings, from that run instead of checking\n"
    "                     them again (errors and limits are retried)\n"
    "  -q, --quiet        no per-claim lines\n"
    "\n"
    "Exit status: 0 all passed; 1 some failed, all others passed; 2 some could not be checked\n"
    "(bad input, unsupported); 3 some hit a limit and none is 2.\n";

#define MAX_CLAIM_ARGS 256

typedef struct vopts {
    const char *db, *dir, *strategy, *config, *since, *until, *where, *expect, *policy, *json_out, *report, *results;
    const char *claims[MAX_CLAIM_ARGS];
    size_t nclaims;
    bool json, no_results, quiet, resume;
    uint64_t jobs, threads;
    vt_limits limits;
} vopts;

typedef struct pool {
    const char *db_path;
    const vt_hash256 *ids;
    vt_verify_result *res;
    bool *done;
    size_t n, next, ndone;
    vt_verify_options vo;
    int threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vt_error fatal;
} pool;

static void *worker(void *arg) {
    pool *p = arg;
    vt_error e;
    vt_error_clear(&e);
    vt_store_options so = {VT_STORE_VERIFY, false, 1, true};
    vt_store *s = NULL;
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = p->threads;
    vt_engine *eng = NULL;
    vt_status st = vt_store_open(p->db_path, &so, &s, &e);
    if (!st) {
        eng = vt_engine_create(&eo, &e);
        if (!eng) st = e.code ? e.code : VT_ENOMEM;
    }
    vt_verify_options vo = p->vo;
    vo.engine = eng;
    vo.cache = vt_verify_cache_create(0); /* NULL (no memory) only means no caching */
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->next < p->n && p->done[p->next]) p->next++; /* taken from an earlier run */
        size_t i = p->next < p->n ? p->next++ : SIZE_MAX;
        pthread_mutex_unlock(&p->mu);
        if (i == SIZE_MAX) break;
        vt_error ve;
        vt_error_clear(&ve);
        vt_status vs = st ? st : vt_verify(s, &p->ids[i], &vo, &p->res[i], &ve);
        if (vs) {
            /* The worker could not run at all: every claim it takes is not checkable. */
            vt_verify_result *r = &p->res[i];
            memset(r, 0, sizeof *r);
            vt_hex_encode(p->ids[i].b, VT_SHA256_LEN, r->claim_id);
            r->verdict = VT_VERDICT_ERROR;
            r->status = vs;
            r->exit_class = vt_status_exit_code(vs) == 3 ? 3 : 2;
            snprintf(r->reason, sizeof r->reason, "%s", st ? e.msg : ve.msg);
        }
        pthread_mutex_lock(&p->mu);
        p->done[i] = true;
        p->ndone++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    vt_verify_cache_destroy(vo.cache);
    vt_engine_destroy(eng);
    vt_store_close(s, NULL);
    return NULL;
}

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *label(const vt_verify_result *r) {
    return r->exit_class == 0 ? "PASSED" : r->exit_class == 1 ? "FAILED" : r->exit_class == 3 ? "LIMIT " : "ERROR ";
}

static void print_line(const vt_verify_result *r, bool progress) {
    if (progress) fprintf(stderr, "\r\033[K");
    printf("%s %.12s @%s %s: %s", label(r), r->claim_id, r->entry[0] ? r->entry : "?", r->strategy[0] ? r->strategy : "?",
           r->reason);
    if (r->resumed_run) printf(" [resumed: run %lld of %s]", (long long)r->resumed_run, r->resumed_at);
    putchar('\n');
    fflush(stdout);
}

static void print_progress(size_t done, size_t n, double t0) {
    double el = mono() - t0, rate = el > 0 ? (double)done / el : 0;
    int w = 30, fill = n ? (int)((double)done / (double)n * w) : w;
    char bar[40];
    for (int i = 0; i < w; i++) bar[i] = i < fill ? '#' : '.';
    bar[w] = 0;
    double eta = rate > 0 ? (double)(n - done) / rate : 0;
    fprintf(stderr, "\r\033[K[%s] %zu/%zu %.1f claims/s ETA %.0fs", bar, done, n, rate, eta);
}

static bool valid_time(const char *t) {
    /* An RFC 3339 date or date-time prefix: compared as text with created_at. */
    size_t n = strlen(t);
    if (n < 10 || n > 39) return false;
    for (size_t i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? t[i] != '-' : (t[i] < '0' || t[i] > '9')) return false;
    return true;
}

static vt_status select_claims(vt_store *s, const vopts *o, vt_hash256 **ids, size_t *n, vt_error *err) {
    vt_store_filter f;
    memset(&f, 0, sizeof f);
    char key[256] = "";
    if (o->where) {
        const char *eq = strchr(o->where, '=');
        if (!eq || eq == o->where || (size_t)(eq - o->where) >= sizeof key)
            return vt_error_set(err, VT_EUSAGE, "--where: expected KEY=VALUE, got '%s'", o->where);
        memcpy(key, o->where, (size_t)(eq - o->where));
        f.meta_key = key;
        f.meta_value = eq + 1;
    }
    json_t *rows = NULL;
    vt_status st = vt_store_list(s, "claims", &f, &rows, err);
    if (st) return st;
    size_t total = json_array_size(rows), k = 0;
    *ids = calloc(total ? total : 1, sizeof **ids);
    bool *used = calloc(o->nclaims ? o->nclaims : 1, sizeof *used);
    if (!*ids || !used) {
        free(used);
        json_decref(rows);
        return vt_error_set(err, VT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < total; i++) {
        json_t *row = json_array_get(rows, i);
        const char *id = json_string_value(json_object_get(row, "id"));
        const char *at = json_string_value(json_object_get(row, "created_at"));
        if (!id || !at) continue;
        if (o->since && strcmp(at, o->since) < 0) continue;
        if (o->until && strcmp(at, o->until) >= 0) continue;
        if (o->nclaims) {
            bool want = false;
            for (size_t c = 0; c < o->nclaims; c++) {
                if (strncmp(id, o->claims[c], strlen(o->claims[c])) == 0) {
                    if (used[c]) {
                        st = vt_error_set(err, VT_EUSAGE, "--claim %s: prefix matches several claims", o->claims[c]);
                        goto out;
                    }
                    used[c] = want = true;
                }
            }
            if (!want) continue;
        }
        if (!vt_hash256_parse(id, &(*ids)[k])) {
            st = vt_error_set(err, VT_EINPUT, "claims: bad id '%.70s' in the database", id);
            goto out;
        }
        k++;
    }
    for (size_t c = 0; c < o->nclaims; c++)
        if (!used[c]) {
            st = vt_error_set(err, VT_EUSAGE, "--claim %s: no such claim in the selection", o->claims[c]);
            goto out;
        }
    *n = k;
out:
    free(used);
    json_decref(rows);
    if (st) {
        free(*ids);
        *ids = NULL;
    }
    return st;
}

static int parse_args(int argc, char **argv, vopts *o) {
    memset(o, 0, sizeof *o);
    vt_limits_default(&o->limits);
    o->jobs = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) o->json = true;
        else if (strcmp(a, "--no-results") == 0) o->no_results = true;
        else if (strcmp(a, "--resume") == 0) o->resume = true;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) o->quiet = true;
        else if (a[0] == '-' && a[1]) {
            static const char *const with_value[] = {"--dir", "--claim", "--strategy", "--config", "--since", "--until",
                                                     "--where", "--jobs", "--report", "--results", "--expect-graph",
                                                     "--policy", "--fuel", "--max-iterations", "--limit-bytes",
                                                     "--deadline", "--threads", "-o", "--output", NULL};
            bool known = false;
            for (int k = 0; with_value[k]; k++) known = known || strcmp(a, with_value[k]) == 0;
            if (!known) return vt_cli_usage("verify", "unknown option '%s'", a);
            if (i + 1 >= argc) return vt_cli_usage("verify", "%s needs a value", a);
            const char *v = argv[++i];
            uint64_t u = 0;
            if (!strcmp(a, "--dir")) o->dir = v;
            else if (!strcmp(a, "--claim")) {
                if (o->nclaims >= MAX_CLAIM_ARGS) return vt_cli_usage("verify", "at most %d --claim options", MAX_CLAIM_ARGS);
                for (const char *c = v; *c; c++)
                    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
                        return vt_cli_usage("verify", "--claim: '%s' is not a lowercase hex id or prefix", v);
                if (!*v || strlen(v) > 64) return vt_cli_usage("verify", "--claim: '%s' is not a claim id", v);
                o->claims[o->nclaims++] = v;
            } else if (!strcmp(a, "--strategy")) o->strategy = v;
            else if (!strcmp(a, "--config")) o->config = v;
            else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
                if (!valid_time(v)) return vt_cli_usage("verify", "%s: '%s' is not an RFC 3339 UTC time", a, v);
                if (a[2] == 's') o->since = v;
                else o->until = v;
            } else if (!strcmp(a, "--where")) o->where = v;
            else if (!strcmp(a, "--report")) o->report = v;
            else if (!strcmp(a, "--results")) o->results = v;
            else if (!strcmp(a, "--expect-graph")) o->expect = v;
            else if (!strcmp(a, "--policy")) o->policy = v;
            else if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->json_out = v;
            else if (!strcmp(a, "--deadline")) {
                char *end;
                double d = strtod(v, &end);
                if (*end || !(d > 0) || d > 1e9) return vt_cli_usage("verify", "--deadline: '%s' is not a positive number of seconds", v);
                o->limits.deadline_seconds = d;
            } else {
                if (!vt_cli_parse_u64(v, &u)) return vt_cli_usage("verify", "%s: '%s' is not a non-negative integer", a, v);
                if (!strcmp(a, "--jobs")) {
                    if (u < 1 || u > 256) return vt_cli_usage("verify", "--jobs must be in 1..256");
                    o->jobs = u;
                } else if (!strcmp(a, "--threads")) {
                    if (u < 1 || u > 1024) return vt_cli_usage("verify", "--threads must be in 1..1024");
                    o->threads = u;
                } else if (!strcmp(a, "--fuel")) o->limits.fuel = u;
                else if (!strcmp(a, "--max-iterations")) o->limits.max_iterations = u;
                else o->limits.max_live_bytes = u;
            }
        } else {
            if (o->db) return vt_cli_usage("verify", "more than one database given ('%s', '%s')", o->db, a);
            o->db = a;
        }
    }
    if (!o->db == !o->dir) return vt_cli_usage("verify", "give exactly one of DB or --dir CLAIM_DIR");
    if (o->results && o->no_results) return vt_cli_usage("verify", "--results and --no-results exclude each other");
    if (o->expect && o->policy) return vt_cli_usage("verify", "--expect-graph and --policy exclude each other");
    if (o->resume && (o->no_results || (o->dir && !o->results)))
        return vt_cli_usage("verify", "--resume reads the results database: not with --no-results, and with --dir "
                                      "only with --results FILE");
    return 0;
}

/* --dir: the claim directory goes through the same import checks into a private temporary
 * database, which is then verified exactly like a handed-over file. */
static vt_status import_dir(const char *dir, char *tmpdir, size_t cap, char *dbpath, size_t dbcap, vt_error *err) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, cap, "%s/veritor-verify-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) return vt_error_set(err, VT_EIO, "%s: cannot create a temporary folder", tmpdir);
    snprintf(dbpath, dbcap, "%s/claim.vdb", tmpdir);
    vt_store_options so = {VT_STORE_CREATE, false, 0, false};
    vt_store *s = NULL;
    vt_status st = vt_store_open(dbpath, &so, &s, err);
    if (st) return st;
    vt_hash256 id;
    st = vt_store_import_claim_dir(s, dir, &id, err);
    vt_error e2;
    vt_status st2 = vt_store_close(s, &e2);
    if (!st && st2) {
        *err = e2;
        st = st2;
    }
    return st;
}

static void remove_tmp(const char *tmpdir, const char *dbpath) {
    if (!tmpdir[0]) return;
    char side[1200];
    remove(dbpath);
    snprintf(side, sizeof side, "%s-journal", dbpath);
    remove(side);
    snprintf(side, sizeof side, "%s-wal", dbpath);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", dbpath);
    remove(side);
    rmdir(tmpdir);
}

int vt_cmd_verify(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (vt_cli_is_help(argv[i])) {
            fputs(help_text, stdout);
            return 0;
        }
    vopts o;
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc;
    vt_error err;
    vt_error_clear(&err);
    char tmpdir[1024] = "", dbpath[1100] = "";
    vt_store *s = NULL;
    vt_policy *pol = NULL;
    vt_results_db *rdb = NULL;
    vt_hash256 *ids = NULL, expect;
    size_t n = 0;
    vt_verify_result *res = NULL;
    bool *done = NULL;
    json_t *engine = NULL;
    vt_buf out;
    vt_buf_init(&out);
    vt_status st = VT_OK;
    if (o.dir) {
        st = import_dir(o.dir, tmpdir, sizeof tmpdir, dbpath, sizeof dbpath, &err);
        if (st) goto fail;
    } else {
        snprintf(dbpath, sizeof dbpath, "%s", o.db);
    }
    if (o.expect && !vt_hash256_parse(o.expect, &expect)) {
        rc = vt_cli_usage("verify", "--expect-graph: '%s' is not a 64-hex-digit graph id", o.expect);
        goto done;
    }
    if (o.policy && (st = vt_policy_load(o.policy, &pol, &err))) goto fail;
    if (o.strategy) {
        const vt_strategy *sg = vt_strategy_find(o.strategy);
        if (!sg) {
            rc = vt_cli_usage("verify", "--strategy: unknown strategy '%s' (known: bit_exact)", o.strategy);
            goto done;
        }
        void *state = NULL;
        if (o.config && (st = vt_strategy_configure(sg, o.config, &state, &err))) goto fail;
        if (state) sg->free_state(state);
    }
    vt_store_options so = {VT_STORE_VERIFY, false, 0, false};
    if ((st = vt_store_open(dbpath, &so, &s, &err))) goto fail;
    if ((st = select_claims(s, &o, &ids, &n, &err))) goto fail;
    if (n == 0) {
        st = vt_error_set(&err, VT_EUSAGE, "%s: no claims match the selection", o.dir ? o.dir : o.db);
        goto fail;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = o.threads ? (int)o.threads : (int)((cores > 0 ? (uint64_t)cores : 1) / o.jobs);
    if (threads < 1) threads = 1;
    engine = vt_engine_identity(threads, &o.limits);
    json_object_set_new(engine, "jobs", json_integer((json_int_t)o.jobs));
    char results_path[1200] = "";
    if (o.results) snprintf(results_path, sizeof results_path, "%s", o.results);
    else if (!o.no_results && o.db) snprintf(results_path, sizeof results_path, "%s.results.sqlite", o.db);
    if (results_path[0]) {
        struct stat a, b;
        /* Never inside the prover's file, whatever path was given. */
        if (stat(results_path, &a) == 0 && stat(dbpath, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            rc = vt_cli_usage("verify", "--results: %s is the workload database itself", results_path);
            goto done;
        }
        if ((st = vt_results_open(results_path, &rdb, &err))) goto fail;
    }
    res = calloc(n, sizeof *res);
    done = calloc(n, sizeof *done);
    if (!res || !done) {
        st = vt_error_set(&err, VT_ENOMEM, "out of memory");
        goto fail;
    }
    size_t nresumed = 0;
    if (rdb) {
        char key[65];
        if ((st = vt_verify_settings_key(engine, o.strategy, o.config, o.expect, o.policy, key, &err))) goto fail;
        vt_results_set_settings(rdb, key);
        if (o.resume && (st = vt_verify_resume(rdb, ids, n, res, done, &nresumed, &err))) goto fail;
    }
    pool p;
    memset(&p, 0, sizeof p);
    p.ndone = nresumed;
    p.db_path = dbpath;
    p.ids = ids;
    p.res = res;
    p.done = done;
    p.n = n;
    p.threads = threads;
    p.vo.strategy = o.strategy;
    p.vo.config_json = o.config;
    p.vo.limits = &o.limits;
    p.vo.expect_graph = o.expect ? &expect : NULL;
    p.vo.policy = pol;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    size_t nw = o.jobs < n ? (size_t)o.jobs : n;
    pthread_t tids[256];
    size_t started = 0;
    for (size_t w = 0; w < nw; w++) {
        if (pthread_create(&tids[w], NULL, worker, &p) != 0) break;
        started++;
    }
    bool progress = isatty(2) && !o.json && n > 1;
    double t0 = mono();
    size_t printed = 0;
    if (started == 0) worker(&p);
    pthread_mutex_lock(&p.mu);
    while (printed < n) {
        while (printed < n && done[printed]) {
            pthread_mutex_unlock(&p.mu);
            if (!o.json && !o.quiet) print_line(&res[printed], progress);
            printed++;
            pthread_mutex_lock(&p.mu);
        }
        if (printed >= n) break;
        if (progress) {
            size_t d = p.ndone;
            pthread_mutex_unlock(&p.mu);
            print_progress(d, n, t0);
            pthread_mutex_lock(&p.mu);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        if (!done[printed]) pthread_cond_timedwait(&p.cv, &p.mu, &ts);
    }
    pthread_mutex_unlock(&p.mu);
    for (size_t w = 0; w < started; w++) pthread_join(tids[w], NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    if (progress) fprintf(stderr, "\r\033[K");

    if (rdb) {
        char *ej = json_dumps(engine, JSON_COMPACT | JSON_SORT_KEYS);
        st = vt_results_begin(rdb, &err);
        for (size_t i = 0; i < n && !st; i++)
            if (!res[i].resumed_run) st = vt_results_record(rdb, &res[i], ej, &err);
        if (!st) st = vt_results_commit(rdb, &err);
        free(ej);
        if (st) goto fail;
    }
    vt_verify_report rep = {o.dir ? o.dir : o.db, res, n, o.expect || pol, o.policy, engine};
    if (o.json || o.json_out) {
        if ((st = vt_verify_report_json(&rep, &out, &err))) goto fail;
        if (o.json) fputs(vt_buf_cstr(&out), stdout);
        if (o.json_out && (st = vt_write_file_atomic(o.json_out, out.data, out.len, &err))) goto fail;
    }
    if (o.report) {
        vt_buf html;
        vt_buf_init(&html);
        st = vt_verify_report_html(&rep, &html, &err);
        if (!st) st = vt_write_file_atomic(o.report, html.data, html.len, &err);
        vt_buf_free(&html);
        if (st) goto fail;
    }
    rc = vt_verify_exit_code(res, n);
    if (!o.json) {
        size_t c[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < n; i++) c[res[i].exit_class & 3]++;
        printf("%zu claims: %zu passed, %zu failed, %zu not checkable, %zu hit a limit (exit %d)\n", n, c[0], c[1], c[2],
               c[3], rc);
        if (!rep.pinned)
            printf("note: no graph was pinned (--expect-graph or --policy): a prover could swap the graph and "
                   "recompute consistent outputs\n");
        if (nresumed)
            printf("%zu of them taken from earlier runs in %s (--resume), %zu verified now\n", nresumed, results_path,
                   n - nresumed);
        if (rdb && nresumed < n) printf("results recorded in %s\n", results_path);
    }
    goto done;
fail:
    rc = vt_cli_fail(&err);
done:
    for (size_t i = 0; res && i < n; i++) vt_verify_result_free(&res[i]);
    free(res);
    free(done);
    free(ids);
    json_decref(engine);
    vt_buf_free(&out);
    vt_results_close(rdb);
    vt_policy_free(pol);
    vt_store_close(s, NULL);
    remove_tmp(tmpdir, dbpath);
    return rc;
}
