/* `veritor db derive GRAPH --transform NAME [options]`: runs any `veritor transform` subcommand
 * on a stored graph (on temporary files, as from the shell), stores the result as a new graph
 * and records the derivation (kind = the transform, parameters = its options). */
#include "cli/xcmd_common.h"
#include "veritor/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const vt_error *e) { return vt_cli_fail(e); }

/* Full graph id from an id or unique prefix (through show, as `db show` resolves them). */
static int resolve_graph(vt_store *s, const char *id, vt_hash256 *out) {
    json_t *j = NULL;
    vt_error e;
    vt_error_clear(&e);
    if (vt_store_show(s, id, &j, &e) != VT_OK) return fail(&e);
    const char *k = json_string_value(json_object_get(j, "kind"));
    const char *h = json_string_value(json_object_get(j, "id"));
    int rc = -1;
    if (!k || strcmp(k, "graph") != 0 || !h || !vt_hash256_parse(h, out)) {
        fprintf(stderr, "veritor: db derive: %s is a %s, not a graph\n", id, k ? k : "?");
        rc = 2;
    }
    json_decref(j);
    return rc;
}

typedef struct derive_opts {
    const char *db, *role, *transform, *graph;
    bool compress;
    char *fwd[256]; /* options handed to the transform */
    int nfwd;
} derive_opts;

static int parse(int argc, char **argv, derive_opts *o) {
    memset(o, 0, sizeof *o);
    o->db = getenv("VERITOR_DB");
    if (argc < 3 || argv[2][0] == '-') return vt_cli_usage("db", "derive: the GRAPH id comes first: db derive GRAPH --transform NAME [options]");
    o->graph = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--db") || !strcmp(a, "--role") || !strcmp(a, "--transform")) {
            if (!v) return vt_cli_usage("db", "derive: %s needs a value", a);
            i++;
            if (!strcmp(a, "--db")) o->db = v;
            else if (!strcmp(a, "--role")) o->role = v;
            else o->transform = v;
        } else if (!strcmp(a, "--compress")) {
            o->compress = true;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            return vt_cli_usage("db", "derive: %s is not an option here: the result is stored in the database", a);
        } else {
            if (o->nfwd == (int)(sizeof o->fwd / sizeof o->fwd[0])) return vt_cli_usage("db", "derive: too many options");
            o->fwd[o->nfwd++] = argv[i];
        }
    }
    if (!o->db) return vt_cli_usage("db", "derive: no database: give --db FILE or set VERITOR_DB");
    return -1;
}

static int run_transform(vt_xcmd_fn fn, const derive_opts *o, const char *in, const char *out) {
    char *argv[256 + 6];
    int n = 0;
    argv[n++] = (char *)o->transform;
    argv[n++] = (char *)in;
    for (int i = 0; i < o->nfwd; i++) argv[n++] = o->fwd[i];
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    argv[n] = NULL;
    return fn(n, argv);
}

/* {"transform": NAME, "args": [options...]}: what the derivation records as its parameters. */
static char *params_json(const derive_opts *o) {
    json_t *j = json_object(), *args = json_array();
    if (!j || !args) {
        json_decref(j);
        json_decref(args);
        return NULL;
    }
    json_object_set_new(j, "transform", json_string(o->transform));
    for (int i = 0; i < o->nfwd; i++) json_array_append_new(args, json_string(o->fwd[i]));
    json_object_set_new(j, "args", args);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return t;
}

int vt_cmd_db_derive(int argc, char **argv) {
    bool has_transform = false;
    for (int i = 2; i < argc; i++) has_transform |= strcmp(argv[i], "--transform") == 0;
    if (!has_transform) return -1;
    derive_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0) return rc;
    vt_xcmd_fn fn = o.transform ? vt_xcmd_lookup(o.transform) : NULL;
    if (!fn) return vt_cli_usage("db", "derive: unknown transform '%s' (see 'veritor transform --help')", o.transform ? o.transform : "");
    /* the kind recorded is the canonical spelling, with '-' */
    char kind[64];
    size_t k = 0;
    for (; o.transform[k] && k + 1 < sizeof kind; k++) kind[k] = o.transform[k] == '_' ? '-' : o.transform[k];
    kind[k] = 0;

    vt_error e;
    vt_error_clear(&e);
    vt_store *s = NULL;
    vt_store_options so = {VT_STORE_RW, o.compress, 0, false};
    if (vt_store_open(o.db, &so, &s, &e) != VT_OK) return fail(&e);
    vt_hash256 src_id, dst_id;
    char *text = NULL, *params = NULL, *result = NULL;
    size_t len = 0, rlen = 0;
    char dir[4096] = "", in[4200] = "", out[4200] = "";
    rc = resolve_graph(s, o.graph, &src_id);
    if (rc >= 0) goto done;
    rc = 0;
    if (vt_store_get_graph(s, &src_id, &text, &len, &e) != VT_OK) {
        rc = fail(&e);
        goto done;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/veritor-derive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        vt_error_set(&e, VT_EIO, "db derive: cannot create a temporary folder %s", dir);
        dir[0] = 0;
        rc = fail(&e);
        goto done;
    }
    vt_hash_hex hx = vt_hash_to_hex(src_id.b);
    snprintf(in, sizeof in, "%s/%.16s.mlir", dir, hx.s);
    snprintf(out, sizeof out, "%s/%.16s.%s.mlir", dir, hx.s, kind);
    if (vt_write_file_atomic(in, text, len, &e) != VT_OK) {
        rc = fail(&e);
        goto done;
    }
    if ((rc = run_transform(fn, &o, in, out)) != 0) goto done; /* the transform printed why */
    if (vt_read_file(out, (size_t)1 << 30, &result, &rlen, &e) != VT_OK) {
        rc = fail(&e);
        goto done;
    }
    if (!(params = params_json(&o))) {
        vt_error_set(&e, VT_ENOMEM, "out of memory");
        rc = fail(&e);
        goto done;
    }
    char meta[512];
    snprintf(meta, sizeof meta, "{\"derived_from\": \"%s\", \"transform\": \"%s\"}", hx.s, kind);
    vt_store_graph_info gi = {o.role ? o.role : "verification", NULL, meta};
    int64_t did = 0;
    vt_hash256 same;
    char *norm = NULL;
    size_t nlen = 0;
    if (vt_store_graph_normalize(result, rlen, &norm, &nlen, &same, &e) != VT_OK) {
        rc = fail(&e);
        goto done;
    }
    free(norm);
    if (memcmp(same.b, src_id.b, sizeof same.b) == 0) {
        /* a graph cannot derive from itself: say so, and give the id back */
        fprintf(stderr, "veritor: db derive: %s left the graph unchanged; no derivation recorded\n", kind);
        printf("%s\n", hx.s);
        goto done;
    }
    if (vt_store_begin(s, &e) != VT_OK) {
        rc = fail(&e);
        goto done;
    }
    if (vt_store_put_graph(s, result, rlen, &gi, &dst_id, &e) != VT_OK ||
        vt_store_add_derivation(s, &src_id, &dst_id, kind, params, &did, &e) != VT_OK || vt_store_commit(s, &e) != VT_OK) {
        vt_store_rollback(s);
        rc = fail(&e);
        goto done;
    }
    printf("%s\n", vt_hash_to_hex(dst_id.b).s);
done:
    if (in[0]) unlink(in);
    if (out[0]) unlink(out);
    if (dir[0]) rmdir(dir);
    free(text);
    free(result);
    free(params);
    vt_error_clear(&e);
    if (vt_store_close(s, &e) != VT_OK && rc == 0) rc = fail(&e);
    return rc;
}
