/* Claim directories, the interchange form any framework writes with numpy alone: claim.json,
 * graph.mlir, inputs/N.npy, outputs/N.npy (.safetensors for types numpy lacks). Import checks
 * everything before it writes anything; export writes a directory that imports back to the same id. */
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CLAIM_JSON (1u << 20)
#define MAX_GRAPH_TEXT ((size_t)1 << 30)
#define MAX_DIR_TENSORS 4096

/* Reads dir/name without following a symlink at the last component (the directory itself was
 * opened with O_NOFOLLOW too), so nothing outside the claim directory can be pulled in. */
static vt_status read_at(int dfd, const char *shown, const char *name, size_t max, char **data, size_t *len, vt_error *err) {
    *data = NULL;
    *len = 0;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) return vt_error_set(err, VT_EINPUT, "%s: is a symbolic link (refused)", shown);
        return vt_error_set(err, errno == ENOENT ? VT_EINPUT : VT_EIO, "%s: cannot open: %s", shown, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return vt_error_set(err, VT_EINPUT, "%s: not a regular file", shown);
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return vt_error_set(err, VT_ELIMIT, "%s: %lld bytes exceed the limit of %zu", shown, (long long)sb.st_size, max);
    }
    size_t n = (size_t)sb.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return vt_error_set(err, VT_ENOMEM, "%s: out of memory for %zu bytes", shown, n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            free(buf);
            close(fd);
            return vt_error_set(err, VT_EIO, "%s: read error", shown);
        }
        got += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return VT_OK;
}

typedef struct dir_tensors {
    vt_tensor *t[MAX_DIR_TENSORS];
    size_t n;
} dir_tensors;

static void tensors_free(dir_tensors *d) {
    for (size_t i = 0; i < d->n; i++) vt_tensor_release(d->t[i]);
    d->n = 0;
}

/* "N.npy" / "N.safetensors" with N a decimal without leading zeros; returns -1 otherwise. */
static long index_of(const char *name, bool *npy) {
    const char *dot = strchr(name, '.');
    if (!dot || dot == name || dot - name > 6 || (name[0] == '0' && dot - name > 1)) return -1;
    for (const char *c = name; c < dot; c++)
        if (*c < '0' || *c > '9') return -1;
    if (strcmp(dot, ".npy") == 0) *npy = true;
    else if (strcmp(dot, ".safetensors") == 0) *npy = false;
    else return -1;
    return strtol(name, NULL, 10);
}

static vt_status load_tensors(int dfd, const char *dir, const char *sub, dir_tensors *out, vt_error *err) {
    out->n = 0;
    char shown[4200];
    snprintf(shown, sizeof shown, "%s/%s", dir, sub);
    int sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0) {
        if (errno == ENOENT) return VT_OK; /* no inputs (or outputs) at all */
        return vt_error_set(err, VT_EINPUT, "%s: not a directory (or a symbolic link): %s", shown, strerror(errno));
    }
    DIR *d = fdopendir(sfd);
    if (!d) {
        close(sfd);
        return vt_error_set(err, VT_EIO, "%s: cannot list", shown);
    }
    char *names[MAX_DIR_TENSORS] = {0};
    bool is_npy[MAX_DIR_TENSORS];
    vt_status st = VT_OK;
    size_t count = 0;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        bool npy = false;
        long i = index_of(e->d_name, &npy);
        if (i < 0) st = vt_error_set(err, VT_EINPUT, "%s/%s: unexpected file (expected N.npy or N.safetensors)", shown, e->d_name);
        else if (i >= MAX_DIR_TENSORS) st = vt_error_set(err, VT_ELIMIT, "%s/%s: more than %d tensors", shown, e->d_name, MAX_DIR_TENSORS);
        else if (names[i]) st = vt_error_set(err, VT_EINPUT, "%s/%s: tensor %ld is given twice (%s)", shown, e->d_name, i, names[i]);
        else {
            names[i] = strdup(e->d_name);
            is_npy[i] = npy;
            if (!names[i]) st = vt_error_set(err, VT_ENOMEM, "%s: out of memory", shown);
            count++;
        }
    }
    for (size_t i = 0; !st && i < count; i++)
        if (!names[i]) st = vt_error_set(err, VT_EINPUT, "%s: tensor %zu is missing (files must be numbered from 0)", shown, i);
    vt_read_options ro = {0, false};
    for (size_t i = 0; !st && i < count; i++) {
        char fshown[4400];
        snprintf(fshown, sizeof fshown, "%s/%s", shown, names[i]);
        char *data;
        size_t len;
        st = read_at(sfd, fshown, names[i], (size_t)VT_DEFAULT_MAX_TENSOR_BYTES, &data, &len, err);
        if (st) break;
        vt_tensor *t = NULL;
        if (is_npy[i]) {
            st = vt_npy_read_mem(data, len, fshown, &ro, &t, err);
        } else {
            vt_tensor_set *set = NULL;
            st = vt_safetensors_read_mem(data, len, fshown, &ro, &set, err);
            if (!st && set->count != 1)
                st = vt_error_set(err, VT_EINPUT, "%s: holds %zu tensors, a claim file holds exactly one", fshown, set->count);
            if (!st) {
                /* The set may point into data: take a private copy before data goes. */
                t = vt_tensor_clone(set->items[0].tensor, err);
                if (!t) st = err ? err->code : VT_ENOMEM;
            }
            vt_tensor_set_free(set);
        }
        free(data);
        if (!st) out->t[out->n++] = t;
    }
    for (size_t i = 0; i < MAX_DIR_TENSORS; i++) free(names[i]);
    closedir(d);
    if (st) tensors_free(out);
    return st;
}

static vt_status expect_matches(const vt_store_type *want, const vt_tensor *t, const char *shown, vt_error *err) {
    if (want->dtype == VT_DTYPE_INVALID)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: the entry point's parameter is not a tensor", shown);
    bool ok = t->dtype == want->dtype && t->rank == want->rank;
    for (int i = 0; ok && i < t->rank; i++) ok = want->dims[i] < 0 || want->dims[i] == t->dims[i];
    if (ok) return VT_OK;
    char a[128], *b = vt_shape_json(want->rank, want->dims);
    vt_tensor_type_str(t, a, sizeof a);
    vt_status st = vt_error_set(err, VT_EINPUT, "%s: tensor is %s, the entry point takes %s %s", shown, a,
                                vt_dtype_name(want->dtype), b ? b : "?");
    free(b);
    return st;
}

/* The optional id lists in claim.json must say what the files say. */
static vt_status check_ids(json_t *list, const char *field, const vt_hash256 *ids, size_t n, const char *shown,
                           vt_error *err) {
    if (!list) return VT_OK;
    if (!json_is_array(list) || json_array_size(list) != n)
        return vt_error_set(err, VT_EINPUT, "%s: field '%s' lists %zu ids, the directory holds %zu tensors", shown, field,
                            json_is_array(list) ? json_array_size(list) : 0, n);
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        vt_hash_hex_of(&ids[i], hex);
        json_t *v = json_array_get(list, i);
        if (!json_is_string(v) || strcmp(json_string_value(v), hex))
            return vt_error_set(err, VT_EINPUT, "%s: %s[%zu] does not match the content id of %s file %zu (%s)", shown,
                                field, i, field, i, hex);
    }
    return VT_OK;
}

vt_status vt_store_import_claim_dir(vt_store *s, const char *dir, vt_hash256 *claim_id, vt_error *err) {
    vt_status st = vt_require_writable(s, "import claim", err);
    if (st) return st;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return vt_error_set(err, errno == ENOENT ? VT_EIO : VT_EINPUT, "%s: not a directory (symbolic links are refused): %s",
                            dir, strerror(errno));
    /* Only the four names belong in a claim directory. */
    DIR *dl = fdopendir(dup(dfd));
    if (!dl) {
        close(dfd);
        return vt_error_set(err, VT_EIO, "%s: cannot list", dir);
    }
    struct dirent *de;
    while ((de = readdir(dl))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "claim.json") || !strcmp(n, "graph.mlir") ||
            !strcmp(n, "inputs") || !strcmp(n, "outputs"))
            continue;
        st = vt_error_set(err, VT_EINPUT, "%s/%s: unexpected file in a claim directory", dir, n);
        break;
    }
    closedir(dl);
    char shown_json[4200], shown_graph[4200];
    snprintf(shown_json, sizeof shown_json, "%s/claim.json", dir);
    snprintf(shown_graph, sizeof shown_graph, "%s/graph.mlir", dir);
    char *cj = NULL, *graph = NULL, *norm = NULL;
    size_t cjlen = 0, glen = 0, nlen = 0;
    json_t *o = NULL;
    vt_store_entries ents = {0};
    dir_tensors in = {.n = 0}, out = {.n = 0};
    vt_store_claim c;
    memset(&c, 0, sizeof c);
    vt_hash256 gid;
    if (!st) st = read_at(dfd, shown_json, "claim.json", MAX_CLAIM_JSON, &cj, &cjlen, err);
    if (!st) {
        o = vt_json_parse(cj, cjlen, shown_json, err);
        if (!o) st = err ? err->code : VT_EINPUT;
        else if (!json_is_object(o)) st = vt_error_set(err, VT_EINPUT, "%s: must be a JSON object", shown_json);
    }
    if (!st) {
        static const char *const allowed[] = {"id", "graph", "entry", "inputs", "outputs", "strategy", "config",
                                              "metadata", "created_at", "trace", "bundles", "format"};
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v) {
            bool ok = false;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) ok |= !strcmp(key, allowed[i]);
            if (!ok) {
                st = vt_error_set(err, VT_EINPUT, "%s: unknown field '%s'", shown_json, key);
                break;
            }
        }
    }
    json_t *fmt = o ? json_object_get(o, "format") : NULL;
    if (!st && fmt && (!json_is_string(fmt) || strcmp(json_string_value(fmt), "veritor.claim.v1")))
        st = vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: format must be \"veritor.claim.v1\"", shown_json);
    /* Fields: required text, optional objects, optional references. */
    json_t *entry = o ? json_object_get(o, "entry") : NULL, *strategy = o ? json_object_get(o, "strategy") : NULL;
    if (!st && (!json_is_string(entry) || !json_string_length(entry) || json_string_length(entry) >= sizeof c.entry))
        st = vt_error_set(err, VT_EINPUT, "%s: field 'entry' must be a function name", shown_json);
    if (!st && (!json_is_string(strategy) || !json_string_length(strategy) || json_string_length(strategy) >= sizeof c.strategy))
        st = vt_error_set(err, VT_EINPUT, "%s: field 'strategy' must be a non-empty string", shown_json);
    if (!st) {
        strcpy(c.entry, json_string_value(entry));
        strcpy(c.strategy, json_string_value(strategy));
        for (int k = 0; !st && k < 2; k++) {
            const char *f = k ? "metadata" : "config";
            json_t *v = json_object_get(o, f);
            if (v && !json_is_object(v)) st = vt_error_set(err, VT_EINPUT, "%s: field '%s' must be an object", shown_json, f);
            char *t = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            if (k) c.metadata = t;
            else c.config = t;
        }
    }
    json_t *created = o ? json_object_get(o, "created_at") : NULL;
    if (!st && created) {
        if (!json_is_string(created) || json_string_length(created) >= sizeof c.created_at ||
            !vt_rfc3339_utc_valid(json_string_value(created)))
            st = vt_error_set(err, VT_EINPUT, "%s: field 'created_at' must be an RFC 3339 UTC time "
                              "(YYYY-MM-DDTHH:MM:SS[.fff]Z)", shown_json);
        else strcpy(c.created_at, json_string_value(created));
    }
    json_t *trace = o ? json_object_get(o, "trace") : NULL, *bundles = o ? json_object_get(o, "bundles") : NULL;
    if (!st && trace && !json_is_null(trace)) {
        if (!json_is_integer(trace) || json_integer_value(trace) <= 0)
            st = vt_error_set(err, VT_EINPUT, "%s: field 'trace' must be null or a trace number", shown_json);
        else c.trace = json_integer_value(trace);
    }
    if (!st && bundles) {
        if (!json_is_array(bundles) || json_array_size(bundles) > 4096)
            st = vt_error_set(err, VT_EINPUT, "%s: field 'bundles' must be an array of ids", shown_json);
        else {
            c.n_bundles = json_array_size(bundles);
            c.bundles = calloc(c.n_bundles + 1, sizeof *c.bundles);
            if (!c.bundles) st = vt_error_set(err, VT_ENOMEM, "%s: out of memory", shown_json);
            for (size_t i = 0; !st && i < c.n_bundles; i++) {
                json_t *v = json_array_get(bundles, i);
                if (!json_is_string(v) || !vt_text_is_hash((const unsigned char *)json_string_value(v)))
                    st = vt_error_set(err, VT_EINPUT, "%s: bundles[%zu] is not a 64-digit lowercase hex id", shown_json, i);
                else vt_hash256_parse(json_string_value(v), &c.bundles[i]);
            }
        }
    }
    /* The graph: parse, verify, entry point public, signature. */
    if (!st) st = read_at(dfd, shown_graph, "graph.mlir", MAX_GRAPH_TEXT, &graph, &glen, err);
    if (!st) st = vt_store_graph_normalize(graph, glen, &norm, &nlen, &gid, err);
    if (!st) st = vt_store_graph_check(norm, nlen, shown_graph, &ents, err);
    const vt_store_entry *ep = NULL;
    if (!st) {
        ep = vt_store_entries_find(&ents, c.entry);
        if (!ep) st = vt_error_set(err, VT_EINPUT, "%s: no function @%s (the entry of claim.json)", shown_graph, c.entry);
        else if (!ep->is_public) st = vt_error_set(err, VT_EINPUT, "%s: function @%s is private, not an entry point", shown_graph, c.entry);
    }
    json_t *g = o ? json_object_get(o, "graph") : NULL;
    if (!st && g) {
        char gh[65];
        vt_hash_hex_of(&gid, gh);
        if (!json_is_string(g) || strcmp(json_string_value(g), gh))
            st = vt_error_set(err, VT_EINPUT, "%s: field 'graph' does not match the id of graph.mlir (%s)", shown_json, gh);
    }
    /* Tensors: counts, dtypes, shapes against the signature. */
    if (!st) st = load_tensors(dfd, dir, "inputs", &in, err);
    if (!st) st = load_tensors(dfd, dir, "outputs", &out, err);
    if (!st && ((size_t)ep->n_inputs != in.n || (size_t)ep->n_outputs != out.n))
        st = vt_error_set(err, VT_EINPUT, "%s: @%s takes %d inputs and gives %d outputs; the directory has %zu and %zu",
                          dir, c.entry, ep->n_inputs, ep->n_outputs, in.n, out.n);
    for (int r = 0; !st && r < 2; r++) {
        dir_tensors *d = r ? &out : &in;
        for (size_t i = 0; !st && i < d->n; i++) {
            char shown[4300];
            snprintf(shown, sizeof shown, "%s/%s/%zu.%s", dir, r ? "outputs" : "inputs", i,
                     vt_npy_supports(d->t[i]->dtype) ? "npy" : "safetensors");
            st = expect_matches(r ? &ep->outputs[i] : &ep->inputs[i], d->t[i], shown, err);
        }
    }
    if (!st) {
        c.graph = gid;
        c.n_inputs = in.n;
        c.n_outputs = out.n;
        c.inputs = calloc(in.n + 1, sizeof *c.inputs);
        c.outputs = calloc(out.n + 1, sizeof *c.outputs);
        if (!c.inputs || !c.outputs) st = vt_error_set(err, VT_ENOMEM, "%s: out of memory", dir);
        for (size_t i = 0; !st && i < in.n; i++) vt_tensor_id(in.t[i], s->threads, c.inputs[i].b);
        for (size_t i = 0; !st && i < out.n; i++) vt_tensor_id(out.t[i], s->threads, c.outputs[i].b);
    }
    if (!st) st = check_ids(json_object_get(o, "inputs"), "inputs", c.inputs, c.n_inputs, shown_json, err);
    if (!st) st = check_ids(json_object_get(o, "outputs"), "outputs", c.outputs, c.n_outputs, shown_json, err);
    /* References the directory cannot carry must already be in the target store. */
    if (!st && c.trace) {
        json_t *rows;
        vt_store_filter f = {0};
        st = vt_store_list(s, "traces", &f, &rows, err);
        bool found = false;
        for (size_t i = 0; !st && i < json_array_size(rows); i++)
            found |= json_integer_value(json_object_get(json_array_get(rows, i), "id")) == c.trace;
        json_decref(rows);
        if (!st && !found) st = vt_error_set(err, VT_EINPUT, "%s: trace %lld is not in the store", shown_json, (long long)c.trace);
    }
    for (size_t i = 0; !st && i < c.n_bundles; i++) {
        char *bj = NULL;
        st = vt_store_get_bundle_json(s, &c.bundles[i], &bj, err);
        free(bj);
        if (st) vt_error_prefix(err, "%s: bundles[%zu]", shown_json, i);
    }
    vt_hash256 want_id;
    if (!st) {
        if (!c.created_at[0]) vt_store_now_rfc3339(c.created_at);
        vt_buf canon;
        vt_buf_init(&canon);
        st = vt_store_claim_canonical(&c, &canon, &want_id, err);
        if (st) vt_error_prefix(err, "%s", shown_json);
        vt_buf_free(&canon);
    }
    json_t *idj = o ? json_object_get(o, "id") : NULL;
    if (!st && idj) {
        char hex[65];
        vt_hash_hex_of(&want_id, hex);
        if (!json_is_string(idj) || strcmp(json_string_value(idj), hex))
            st = vt_error_set(err, VT_EINPUT, "%s: field 'id' does not match the claim's fields (they hash to %s)", shown_json, hex);
    }
    /* Everything checked: write it all in one transaction. */
    if (!st) {
        st = vt_tx_begin(s, err);
        if (!st) {
            vt_hash256 h;
            vt_store_graph_info gi = {"logical", "stablehlo", NULL};
            st = vt_store_put_graph(s, norm, nlen, &gi, &h, err);
            for (size_t i = 0; !st && i < in.n; i++) st = vt_store_put_tensor(s, in.t[i], &h, err);
            for (size_t i = 0; !st && i < out.n; i++) st = vt_store_put_tensor(s, out.t[i], &h, err);
            if (!st) st = vt_store_put_claim(s, &c, claim_id, err);
            st = vt_tx_end(s, st, err);
        }
    }
    tensors_free(&in);
    tensors_free(&out);
    vt_store_entries_free(&ents);
    vt_store_claim_free(&c);
    json_decref(o);
    free(cj);
    free(graph);
    free(norm);
    close(dfd);
    return st;
}

vt_status vt_store_export_claim_dir(vt_store *s, const vt_hash256 *claim_id, const char *dir, vt_error *err) {
    vt_store_claim c;
    vt_status st = vt_store_get_claim(s, claim_id, &c, err);
    if (st) return st;
    if (mkdir(dir, 0755) != 0) {
        DIR *d = errno == EEXIST ? opendir(dir) : NULL;
        bool empty = d != NULL;
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = false;
        if (d) closedir(d);
        if (!empty) {
            vt_store_claim_free(&c);
            return vt_error_set(err, VT_EUSAGE, "%s: exists and is not an empty directory", dir);
        }
    }
    size_t dl = strlen(dir);
    char *path = malloc(dl + 64);
    if (!path) {
        vt_store_claim_free(&c);
        return vt_error_set(err, VT_ENOMEM, "export: out of memory");
    }
    char *text = NULL;
    size_t tlen = 0;
    st = vt_store_get_graph(s, &c.graph, &text, &tlen, err);
    if (!st) {
        sprintf(path, "%s/graph.mlir", dir);
        st = vt_write_file_atomic(path, text, tlen, err);
    }
    free(text);
    for (int r = 0; !st && r < 2; r++) {
        const vt_hash256 *ids = r ? c.outputs : c.inputs;
        size_t n = r ? c.n_outputs : c.n_inputs;
        sprintf(path, "%s/%s", dir, r ? "outputs" : "inputs");
        if (n && mkdir(path, 0755) != 0 && errno != EEXIST)
            st = vt_error_set(err, VT_EIO, "%s: cannot create: %s", path, strerror(errno));
        for (size_t i = 0; !st && i < n; i++) {
            vt_tensor *t;
            st = vt_store_get_tensor(s, &ids[i], 0, &t, err);
            if (st) break;
            sprintf(path, "%s/%s/%zu", dir, r ? "outputs" : "inputs", i);
            st = vt_tensor_write_auto(path, t, NULL, 0, err);
            vt_tensor_release(t);
        }
    }
    if (!st) {
        json_t *o = vt_claim_to_json(&c, err);
        if (!o) st = err ? err->code : VT_EINPUT;
        else {
            char hex[65];
            vt_hash_hex_of(claim_id, hex);
            json_object_set_new(o, "format", json_string("veritor.claim.v1"));
            json_object_set_new(o, "id", json_string(hex));
            char *js = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
            json_decref(o);
            if (!js) st = vt_error_set(err, VT_ENOMEM, "export: out of memory");
            else {
                sprintf(path, "%s/claim.json", dir);
                size_t jl = strlen(js);
                js[jl] = '\n'; /* json_dumps leaves room for the NUL we overwrite; write jl + 1 bytes */
                st = vt_write_file_atomic(path, js, jl + 1, err);
                free(js);
            }
        }
    }
    free(path);
    vt_store_claim_free(&c);
    return st;
}
