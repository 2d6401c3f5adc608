/* `veritor db`: the workload database from the command line: create, inspect, list and show
 * entities, check and collect it, import devices, graphs, tensors, traces, bundles and claim
 * directories, and export claims. */
#include "cli/cli.h"
#include "veritor/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor db SUBCOMMAND --db FILE [options]     (or VERITOR_DB=FILE)\n"
    "\n"
    "Subcommands:\n"
    "  init [FILE]                  create a workload database (schema version %d)\n"
    "  info [--json]                counts per table, schema version, sizes\n"
    "  ls KIND [filters] [--json]   list objects|tensors|graphs|derivations|traces|events|bundles|\n"
    "                               devices|links|challenges|claims\n"
    "  show ID [--json]             one entity (id or unique hex prefix; trace:N, challenge:N,\n"
    "                               device:NAME) with what it references; re-hashes what it reads\n"
    "  fsck [--rw]                  re-hash every object, check every reference, report orphans\n"
    "                               (exit 1 when it finds corruption)\n"
    "  gc                           remove objects nothing references\n"
    "  devices import FILE          devices and links from JSON or a SLURM gres/topology subset\n"
    "  import-claim DIR             a claim directory (docs/claim-format.md), all or nothing\n"
    "  export-claim ID -o DIR       write a claim directory that imports back to the same id\n"
    "  put-graph FILE [--role R] [--meta JSON]       store a StableHLO graph, print its id\n"
    "  put-tensor FILE...           store .npy/.safetensors tensors, print their ids\n"
    "  derive SRC DST --kind K [--params JSON]       record that graph DST derives from SRC\n"
    "  derive GRAPH --transform NAME [options]       run `veritor transform NAME` on a stored graph,\n"
    "                               store the result (--role, default verification), record it\n"
    "  import-trace FILE --graph ID [--meta JSON]    events from JSON lines (docs/database.md)\n"
    "  put-bundle --kind K [--graph ID] [--step N] [--seed NAME=KEY]... [--meta JSON]\n"
    "             ROLE/NAME=FILE...  a data bundle (checkpoint, execution, ...), print its id\n"
    "  put-challenge --kind K --issued NS [--deadline NS] [--device D] [--op OP] [--seed KEY]\n"
    "             [--params JSON]    record a challenge the challenger issued, print its number\n"
    "  respond-challenge N FILE --at NS   store FILE as the prover's response to challenge N\n"
    "\n"
    "Filters for ls: --graph ID  --strategy S  --kind K  --device D[,D...]  --op OP  --trace N\n"
    "  --from NS --to NS (event time window)  --meta KEY=VALUE  --limit N  --step N (bundles)\n"
    "  --latest (bundles, newest step first: with --limit K the latest K checkpoints)\n"
    "\n"
    "Reading commands open the file read-only and defensively, as a verifier does (immutable,\n"
    "schema compared, triggers and views off, quick_check); --live reads a file a prover is still\n"
    "writing (WAL). Writing commands open it read-write and leave it in hand-over form.\n"
    "\n"
    "Options:\n"
    "  --db FILE      the database (default: $VERITOR_DB)\n"
    "  --json         machine-readable output\n"
    "  --compress     zstd-compress new objects\n"
    "  --bulk         writing commands: write pages once through a rollback journal instead of the\n"
    "                 WAL (fast for large tensors; needs the file alone, readers wait meanwhile)\n"
    "  -o, --output   export-claim: the directory to write\n"
    "  -h, --help     this help\n"
    "\n"
    "Exit status: 0 ok; 1 corruption found or a check failed; 2 bad input or usage; 3 a limit.\n";

typedef struct opts {
    const char *db, *output, *role, *meta, *kind, *params, *graph;
    bool json, compress, rw, live, latest, bulk;
    bool has_issued, has_deadline, has_at;
    int64_t issued, deadline, at;
    vt_store_filter f;
    bool has_step;
    int64_t step;
    const char *seeds[64];
    int nseeds;
    const char *pos[256];
    int npos;
    char meta_key[256];
} opts;

static int fail(vt_error *e) { return vt_cli_fail(e); }

static bool parse_i64(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, int first, opts *o) {
    memset(o, 0, sizeof *o);
    o->db = getenv("VERITOR_DB");
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                                 \
    do {                                                                           \
        if (!v) return vt_cli_usage("db", "option %s needs a value", a);           \
        i++;                                                                       \
    } while (0)
        if (!strcmp(a, "--json")) o->json = true;
        else if (!strcmp(a, "--compress")) o->compress = true;
        else if (!strcmp(a, "--bulk")) o->bulk = true;
        else if (!strcmp(a, "--rw")) o->rw = true;
        else if (!strcmp(a, "--live")) o->live = true;
        else if (!strcmp(a, "--latest")) o->f.latest = true;
        else if (!strcmp(a, "--db")) { NEED_VALUE; o->db = v; }
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) { NEED_VALUE; o->output = v; }
        else if (!strcmp(a, "--role")) { NEED_VALUE; o->role = v; }
        else if (!strcmp(a, "--meta")) {
            NEED_VALUE;
            o->meta = v;
            const char *eq = strchr(v, '=');
            if (eq && v[0] != '{') {
                /* ls --meta KEY=VALUE; put-* --meta JSON */
                size_t k = (size_t)(eq - v);
                if (k >= sizeof o->meta_key) return vt_cli_usage("db", "--meta: key too long");
                memcpy(o->meta_key, v, k);
                o->meta_key[k] = 0;
                o->f.meta_key = o->meta_key;
                o->f.meta_value = eq + 1;
            }
        }
        else if (!strcmp(a, "--params")) { NEED_VALUE; o->params = v; }
        else if (!strcmp(a, "--graph")) { NEED_VALUE; o->graph = v; o->f.graph = v; }
        else if (!strcmp(a, "--strategy")) { NEED_VALUE; o->f.strategy = v; }
        else if (!strcmp(a, "--kind")) { NEED_VALUE; o->kind = v; o->f.kind = v; }
        else if (!strcmp(a, "--device")) { NEED_VALUE; o->f.device = v; }
        else if (!strcmp(a, "--op")) { NEED_VALUE; o->f.op_id = v; }
        else if (!strcmp(a, "--seed")) {
            NEED_VALUE;
            if (o->nseeds == 64) return vt_cli_usage("db", "too many --seed options");
            o->seeds[o->nseeds++] = v;
        } else if (!strcmp(a, "--trace") || !strcmp(a, "--limit") || !strcmp(a, "--step") || !strcmp(a, "--from") ||
                   !strcmp(a, "--to") || !strcmp(a, "--issued") || !strcmp(a, "--deadline") || !strcmp(a, "--at")) {
            NEED_VALUE;
            int64_t n;
            if (!parse_i64(v, &n)) return vt_cli_usage("db", "%s: '%s' is not an integer", a, v);
            if (!strcmp(a, "--trace")) o->f.trace = n;
            else if (!strcmp(a, "--limit")) o->f.limit = n;
            else if (!strcmp(a, "--step")) { o->has_step = o->f.has_step = true; o->step = o->f.step = n; }
            else if (!strcmp(a, "--issued")) { o->has_issued = true; o->issued = n; }
            else if (!strcmp(a, "--deadline")) { o->has_deadline = true; o->deadline = n; }
            else if (!strcmp(a, "--at")) { o->has_at = true; o->at = n; }
            else if (!strcmp(a, "--from")) { if (!o->f.has_time) o->f.t1 = INT64_MAX; o->f.has_time = true; o->f.t0 = n; }
            else { if (!o->f.has_time) o->f.t0 = INT64_MIN; o->f.has_time = true; o->f.t1 = n; }
        } else if (a[0] == '-' && a[1]) {
            return vt_cli_usage("db", "unknown option %s", a);
        } else {
            if (o->npos == 256) return vt_cli_usage("db", "too many arguments");
            o->pos[o->npos++] = a;
        }
#undef NEED_VALUE
    }
    return -1;
}

static int open_db(const opts *o, vt_store_mode mode, vt_store **s) {
    if (!o->db) return vt_cli_usage("db", "no database: give --db FILE or set VERITOR_DB");
    vt_store_options so = {mode, o->compress, 0, false};
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_open(o->db, &so, s, &e) != VT_OK) return fail(&e);
    if (o->bulk && vt_store_writable(*s) && vt_store_set_bulk(*s, true, &e) != VT_OK) {
        vt_store_close(*s, NULL);
        return fail(&e);
    }
    return -1;
}

static vt_store_mode read_mode(const opts *o) { return o->rw ? VT_STORE_RW : o->live ? VT_STORE_READ : VT_STORE_VERIFY; }

static int finish(vt_store *s, int rc) {
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_close(s, &e) != VT_OK && rc == 0) return fail(&e);
    return rc;
}

static void print_json(json_t *j, bool compact) {
    char *t = json_dumps(j, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_ENCODE_ANY);
    if (t) puts(t);
    free(t);
}

static void print_value(json_t *v) {
    if (json_is_string(v)) fputs(json_string_value(v), stdout);
    else if (json_is_null(v)) fputs("-", stdout);
    else {
        /* RFC 8785 form where it applies: shortest round-trip numbers (1.87, not 1.8700000000000001). */
        vt_buf b;
        vt_buf_init(&b);
        vt_error e;
        if (vt_canonical_json(v, &b, &e) == VT_OK && !b.failed) fputs(vt_buf_cstr(&b), stdout);
        else {
            char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            fputs(t ? t : "?", stdout);
            free(t);
        }
        vt_buf_free(&b);
    }
}

static int cmd_ls(const opts *o) {
    if (o->npos != 1) return vt_cli_usage("db", "ls needs exactly one KIND");
    vt_store *s;
    int rc = open_db(o, read_mode(o), &s);
    if (rc >= 0) return rc;
    json_t *rows;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_list(s, o->pos[0], &o->f, &rows, &e) != VT_OK) return finish(s, fail(&e));
    if (o->json) print_json(rows, true);
    else {
        for (size_t i = 0; i < json_array_size(rows); i++) {
            json_t *r = json_array_get(rows, i);
            const char *k;
            json_t *v;
            bool first = true;
            if (i == 0) {
                json_object_foreach(r, k, v) {
                    printf("%s%s", first ? "" : "\t", k);
                    first = false;
                }
                putchar('\n');
                first = true;
            }
            json_object_foreach(r, k, v) {
                if (!first) putchar('\t');
                first = false;
                print_value(v);
            }
            putchar('\n');
        }
    }
    json_decref(rows);
    return finish(s, 0);
}

static int cmd_show(const opts *o) {
    if (o->npos != 1) return vt_cli_usage("db", "show needs exactly one ID");
    vt_store *s;
    int rc = open_db(o, read_mode(o), &s);
    if (rc >= 0) return rc;
    json_t *j;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_show(s, o->pos[0], &j, &e) != VT_OK) return finish(s, fail(&e));
    print_json(j, o->json);
    json_decref(j);
    return finish(s, 0);
}

static int cmd_info(const opts *o) {
    vt_store *s;
    int rc = open_db(o, read_mode(o), &s);
    if (rc >= 0) return rc;
    json_t *j;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_info(s, &j, &e) != VT_OK) return finish(s, fail(&e));
    if (o->json) print_json(j, true);
    else {
        printf("%s: veritor workload database, schema version %lld\n", o->db,
               (long long)json_integer_value(json_object_get(j, "schema_version")));
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(j, "counts"), k, v) printf("  %-12s %lld\n", k, (long long)json_integer_value(v));
        printf("  object bytes %lld, file bytes %lld\n", (long long)json_integer_value(json_object_get(j, "object_bytes")),
               (long long)json_integer_value(json_object_get(j, "file_bytes")));
    }
    json_decref(j);
    return finish(s, 0);
}

static int cmd_fsck(const opts *o) {
    vt_store *s;
    int rc = open_db(o, read_mode(o), &s);
    if (rc >= 0) return rc;
    vt_store_fsck_report r;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_fsck(s, &r, &e) != VT_OK) {
        vt_buf_free(&r.log);
        return finish(s, fail(&e));
    }
    fputs(vt_buf_cstr(&r.log), stdout);
    printf("fsck %s: %llu objects, %llu tensors, %llu graphs, %llu bundles, %llu claims checked; %llu errors, %llu orphans\n",
           o->db, (unsigned long long)r.objects_checked, (unsigned long long)r.tensors_checked,
           (unsigned long long)r.graphs_checked, (unsigned long long)r.bundles_checked,
           (unsigned long long)r.claims_checked, (unsigned long long)r.errors, (unsigned long long)r.orphans);
    uint64_t errors = r.errors;
    vt_buf_free(&r.log);
    return finish(s, errors ? 1 : 0);
}

static int cmd_init(opts *o) {
    if (o->npos > 1) return vt_cli_usage("db", "init takes at most one FILE");
    if (o->npos == 1) o->db = o->pos[0];
    vt_store *s;
    int rc = open_db(o, VT_STORE_CREATE, &s);
    if (rc >= 0) return rc;
    printf("%s: schema version %d\n", o->db, vt_store_file_schema_version(s));
    return finish(s, 0);
}

static int cmd_gc(const opts *o) {
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    uint64_t n, b;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_gc(s, &n, &b, &e) != VT_OK) return finish(s, fail(&e));
    printf("gc: removed %llu objects (%llu bytes)\n", (unsigned long long)n, (unsigned long long)b);
    return finish(s, 0);
}

static int cmd_devices(const opts *o) {
    if (o->npos != 2 || strcmp(o->pos[0], "import")) return vt_cli_usage("db", "usage: db devices import FILE");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    size_t nd, nl;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_import_devices(s, o->pos[1], &nd, &nl, &e) != VT_OK) return finish(s, fail(&e));
    printf("imported %zu devices, %zu links from %s\n", nd, nl, o->pos[1]);
    return finish(s, 0);
}

static int cmd_import_claim(const opts *o) {
    if (o->npos != 1) return vt_cli_usage("db", "import-claim needs exactly one DIR");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    vt_hash256 id;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_import_claim_dir(s, o->pos[0], &id, &e) != VT_OK) return finish(s, fail(&e));
    printf("%s\n", vt_hash_to_hex(id.b).s);
    return finish(s, 0);
}

/* A full id from an id or unique prefix, through show. */
static int resolve(vt_store *s, const char *id, const char *want_kind, vt_hash256 *out) {
    json_t *j;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_show(s, id, &j, &e) != VT_OK) return fail(&e);
    const char *k = json_string_value(json_object_get(j, "kind"));
    const char *h = json_string_value(json_object_get(j, "id"));
    int rc = -1;
    if (!k || strcmp(k, want_kind) || !h || !vt_hash256_parse(h, out)) {
        fprintf(stderr, "veritor: %s is a %s, not a %s\n", id, k ? k : "?", want_kind);
        rc = 2;
    }
    json_decref(j);
    return rc;
}

static int cmd_export_claim(const opts *o) {
    const char *dir = o->output ? o->output : (o->npos == 2 ? o->pos[1] : NULL);
    if (o->npos < 1 || !dir || o->npos > 2) return vt_cli_usage("db", "usage: db export-claim ID -o DIR");
    vt_store *s;
    int rc = open_db(o, read_mode(o), &s);
    if (rc >= 0) return rc;
    vt_hash256 id;
    rc = resolve(s, o->pos[0], "claim", &id);
    if (rc >= 0) return finish(s, rc);
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_export_claim_dir(s, &id, dir, &e) != VT_OK) return finish(s, fail(&e));
    printf("%s -> %s\n", vt_hash_to_hex(id.b).s, dir);
    return finish(s, 0);
}

static int cmd_put_graph(const opts *o) {
    if (o->npos != 1) return vt_cli_usage("db", "put-graph needs exactly one FILE");
    char *text;
    size_t len;
    vt_error e;
    vt_error_clear(&e);
    if (vt_read_file(o->pos[0], (size_t)1 << 30, &text, &len, &e) != VT_OK) return fail(&e);
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) {
        free(text);
        return rc;
    }
    vt_store_graph_info gi = {o->role, NULL, o->meta};
    vt_hash256 id;
    vt_status st = vt_store_put_graph(s, text, len, &gi, &id, &e);
    free(text);
    if (st) {
        vt_error_prefix(&e, "%s", o->pos[0]);
        return finish(s, fail(&e));
    }
    printf("%s\n", vt_hash_to_hex(id.b).s);
    return finish(s, 0);
}

static int cmd_put_tensor(const opts *o) {
    if (o->npos < 1) return vt_cli_usage("db", "put-tensor needs at least one FILE");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    vt_error e;
    vt_error_clear(&e);
    vt_read_options ro = {0, true};
    for (int i = 0; i < o->npos; i++) {
        vt_tensor *t;
        vt_hash256 id;
        if (vt_tensor_read_any(o->pos[i], &ro, &t, &e) != VT_OK) return finish(s, fail(&e));
        vt_status st = vt_store_put_tensor(s, t, &id, &e);
        vt_tensor_release(t);
        if (st) return finish(s, fail(&e));
        printf("%s\t%s\n", vt_hash_to_hex(id.b).s, o->pos[i]);
    }
    return finish(s, 0);
}

static int cmd_derive(const opts *o) {
    if (o->npos != 2 || !o->kind) return vt_cli_usage("db", "usage: db derive SRC DST --kind K [--params JSON]");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    vt_hash256 a, b;
    if ((rc = resolve(s, o->pos[0], "graph", &a)) >= 0 || (rc = resolve(s, o->pos[1], "graph", &b)) >= 0)
        return finish(s, rc);
    int64_t id;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_add_derivation(s, &a, &b, o->kind, o->params, &id, &e) != VT_OK) return finish(s, fail(&e));
    printf("derivation %lld\n", (long long)id);
    return finish(s, 0);
}

static int cmd_import_trace(const opts *o) {
    if (o->npos != 1) return vt_cli_usage("db", "usage: db import-trace FILE [--graph ID] [--meta JSON]");
    char *text;
    size_t len;
    vt_error e;
    vt_error_clear(&e);
    if (vt_read_file(o->pos[0], (size_t)1 << 32, &text, &len, &e) != VT_OK) return fail(&e);
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) {
        free(text);
        return rc;
    }
    vt_hash256 g;
    if (o->graph && (rc = resolve(s, o->graph, "graph", &g)) >= 0) {
        free(text);
        return finish(s, rc);
    }
    vt_status st = vt_store_begin(s, &e);
    int64_t trace = 0, t0 = INT64_MAX, t1 = INT64_MIN;
    if (!st) st = vt_store_trace_begin(s, o->graph ? &g : NULL, 0, o->meta, &trace, &e);
    int line = 0;
    size_t count = 0;
    /* Events go in in batches (one prepared statement per batch); strings live until then. */
    enum { BATCH = 4096 };
    vt_store_event *ev = malloc(BATCH * sizeof *ev);
    char **owned = calloc(BATCH * 3, sizeof *owned);
    size_t nev = 0, nown = 0;
    if (!ev || !owned) st = vt_error_set(&e, VT_ENOMEM, "import-trace: out of memory");
    for (char *p = text, *next; !st && p && *p; p = next) {
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = 0;
        line++;
        if (strspn(p, " \t\r") == strlen(p)) continue;
        char what[300];
        snprintf(what, sizeof what, "%s:%d", o->pos[0], line);
        json_t *j = vt_json_parse(p, strlen(p), what, &e);
        if (!j) {
            st = e.code;
            break;
        }
        json_t *ts = json_object_get(j, "ts_ns"), *kind = json_object_get(j, "kind");
        json_t *dev = json_object_get(j, "device"), *op = json_object_get(j, "op"), *mem = json_object_get(j, "mem_bytes");
        json_t *payload = json_object_get(j, "payload");
        int k = json_is_string(kind) ? vt_event_kind_from_name(json_string_value(kind)) : -1;
        if (!json_is_object(j) || !json_is_integer(ts) || k < 0 || (dev && !json_is_string(dev)) ||
            (op && !json_is_string(op)) || (mem && !json_is_integer(mem)))
            st = vt_error_set(&e, VT_EINPUT, "%s: an event needs integer ts_ns and a known kind; device and op are "
                              "strings, mem_bytes an integer", what);
        else {
            char *ptext = payload ? json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            char *dv = dev ? strdup(json_string_value(dev)) : NULL, *opv = op ? strdup(json_string_value(op)) : NULL;
            owned[nown++] = ptext;
            owned[nown++] = dv;
            owned[nown++] = opv;
            if ((payload && !ptext) || (dev && !dv) || (op && !opv))
                st = vt_error_set(&e, VT_ENOMEM, "%s: out of memory", what);
            ev[nev++] = (vt_store_event){json_integer_value(ts), (vt_event_kind)k, dv, opv,
                                         mem ? json_integer_value(mem) : -1, ptext, NULL};
            if (json_integer_value(ts) < t0) t0 = json_integer_value(ts);
            if (json_integer_value(ts) > t1) t1 = json_integer_value(ts);
            count++;
        }
        json_decref(j);
        if (!st && (nev == BATCH || !next || !*next)) {
            st = vt_store_events_append(s, trace, ev, nev, &e);
            for (size_t i = 0; i < nown; i++) free(owned[i]);
            nev = nown = 0;
        }
    }
    if (!st && nev) st = vt_store_events_append(s, trace, ev, nev, &e);
    for (size_t i = 0; owned && i < nown; i++) free(owned[i]);
    free(ev);
    free(owned);
    free(text);
    if (!st && count) {
        /* start/end from the events themselves */
        st = vt_store_trace_span(s, trace, t0, t1, &e);
    }
    if (st) {
        vt_store_rollback(s);
        return finish(s, fail(&e));
    }
    st = vt_store_commit(s, &e);
    if (st) return finish(s, fail(&e));
    printf("trace %lld: %zu events\n", (long long)trace, count);
    return finish(s, 0);
}

static int cmd_put_bundle(const opts *o) {
    if (!o->kind || o->npos < 1) return vt_cli_usage("db", "usage: db put-bundle --kind K ROLE/NAME=FILE...");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    vt_hash256 g;
    if (o->graph && (rc = resolve(s, o->graph, "graph", &g)) >= 0) return finish(s, rc);
    vt_store_bundle_tensor bt[256];
    char names[256][2][128];
    vt_store_bundle_seed seeds[64];
    char seedn[64][128];
    vt_error e;
    vt_error_clear(&e);
    vt_status st = vt_store_begin(s, &e);
    vt_read_options ro = {0, true};
    for (int i = 0; !st && i < o->npos; i++) {
        const char *a = o->pos[i], *slash = strchr(a, '/'), *eq = strchr(a, '=');
        if (!slash || !eq || slash > eq || slash - a >= 128 || eq - slash - 1 >= 128 || eq == slash + 1) {
            vt_store_rollback(s);
            finish(s, 0);
            return vt_cli_usage("db", "'%s': expected ROLE/NAME=FILE", a);
        }
        memcpy(names[i][0], a, (size_t)(slash - a));
        names[i][0][slash - a] = 0;
        memcpy(names[i][1], slash + 1, (size_t)(eq - slash - 1));
        names[i][1][eq - slash - 1] = 0;
        vt_tensor *t;
        st = vt_tensor_read_any(eq + 1, &ro, &t, &e);
        if (!st) {
            st = vt_store_put_tensor(s, t, &bt[i].tensor, &e);
            vt_tensor_release(t);
        }
        bt[i].role = names[i][0];
        bt[i].name = names[i][1];
    }
    for (int i = 0; !st && i < o->nseeds; i++) {
        const char *eq = strchr(o->seeds[i], '=');
        if (!eq || eq - o->seeds[i] >= 128 || eq == o->seeds[i]) {
            st = vt_error_set(&e, VT_EUSAGE, "--seed '%s': expected NAME=KEY", o->seeds[i]);
            break;
        }
        memcpy(seedn[i], o->seeds[i], (size_t)(eq - o->seeds[i]));
        seedn[i][eq - o->seeds[i]] = 0;
        seeds[i].name = seedn[i];
        seeds[i].key = eq + 1;
    }
    vt_hash256 id;
    if (!st) {
        vt_store_bundle b = {o->graph ? &g : NULL, o->kind, o->has_step, o->step, bt, (size_t)o->npos, seeds,
                             (size_t)o->nseeds, o->meta, NULL};
        st = vt_store_put_bundle(s, &b, &id, &e);
    }
    if (st) {
        vt_store_rollback(s);
        return finish(s, fail(&e));
    }
    if ((st = vt_store_commit(s, &e)) != VT_OK) return finish(s, fail(&e));
    printf("%s\n", vt_hash_to_hex(id.b).s);
    return finish(s, 0);
}

static int cmd_put_challenge(const opts *o) {
    if (o->npos || !o->kind || !o->has_issued || o->nseeds > 1)
        return vt_cli_usage("db", "usage: db put-challenge --kind K --issued NS [--deadline NS] [--device D] [--op OP] "
                                  "[--seed KEY] [--params JSON]");
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) return rc;
    vt_store_challenge c = {o->kind, o->f.device, o->f.op_id, o->nseeds ? o->seeds[0] : NULL, o->params,
                            o->issued, o->has_deadline ? o->deadline : -1};
    int64_t id;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_put_challenge(s, &c, &id, &e) != VT_OK) return finish(s, fail(&e));
    printf("challenge %lld\n", (long long)id);
    return finish(s, 0);
}

static int cmd_respond_challenge(const opts *o) {
    int64_t id;
    if (o->npos != 2 || !parse_i64(o->pos[0], &id) || !o->has_at)
        return vt_cli_usage("db", "usage: db respond-challenge N FILE --at NS");
    char *data;
    size_t len;
    vt_error e;
    vt_error_clear(&e);
    /* Responses are objects, which are read whole: the object limit bounds them. */
    if (vt_read_file(o->pos[1], (size_t)1 << 30, &data, &len, &e) != VT_OK) return fail(&e);
    vt_store *s;
    int rc = open_db(o, VT_STORE_RW, &s);
    if (rc >= 0) {
        free(data);
        return rc;
    }
    vt_status st = vt_store_respond_challenge(s, id, data, len, o->at, &e);
    free(data);
    if (st) return finish(s, fail(&e));
    printf("challenge %lld: response of %zu bytes stored\n", (long long)id, len);
    return finish(s, 0);
}

int vt_cmd_db(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (vt_cli_is_help(argv[i])) {
            printf(help_text, vt_store_schema_version());
            return 0;
        }
    if (argc < 2) return vt_cli_usage("db", "missing subcommand");
    const char *sub = argv[1];
    if (!strcmp(sub, "derive")) { int vt_cmd_db_derive(int, char **); int r = vt_cmd_db_derive(argc, argv); if (r >= 0) return r; } /* --transform form: cmd_db_derive.c */
    opts o;
    int rc = parse_opts(argc, argv, 2, &o);
    if (rc >= 0) return rc;
    if (!strcmp(sub, "init")) return cmd_init(&o);
    if (!strcmp(sub, "info")) return cmd_info(&o);
    if (!strcmp(sub, "ls")) return cmd_ls(&o);
    if (!strcmp(sub, "show")) return cmd_show(&o);
    if (!strcmp(sub, "fsck")) return cmd_fsck(&o);
    if (!strcmp(sub, "gc")) return cmd_gc(&o);
    if (!strcmp(sub, "devices")) return cmd_devices(&o);
    if (!strcmp(sub, "import-claim")) return cmd_import_claim(&o);
    if (!strcmp(sub, "export-claim")) return cmd_export_claim(&o);
    if (!strcmp(sub, "put-graph")) return cmd_put_graph(&o);
    if (!strcmp(sub, "put-tensor")) return cmd_put_tensor(&o);
    if (!strcmp(sub, "derive")) return cmd_derive(&o);
    if (!strcmp(sub, "import-trace")) return cmd_import_trace(&o);
    if (!strcmp(sub, "put-bundle")) return cmd_put_bundle(&o);
    if (!strcmp(sub, "put-challenge")) return cmd_put_challenge(&o);
    if (!strcmp(sub, "respond-challenge")) return cmd_respond_challenge(&o);
    return vt_cli_usage("db", "unknown subcommand '%s'", sub);
}
