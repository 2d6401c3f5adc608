/* Devices and links of the cluster a workload ran on, put one by one or imported (all or
 * nothing) from a JSON description or a documented subset of SLURM's gres.conf/topology.conf. */
#include "store/store_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPANSION 100000
#define MAX_DEVICE_FILE (16u << 20)

vt_status vt_store_put_device(vt_store *s, const vt_store_device *d, vt_error *err) {
    vt_status st = vt_require_writable(s, "put device", err);
    if (st) return st;
    if (!d->id || !*d->id) return vt_error_set(err, VT_EINPUT, "put device: no id");
    if (!d->kind || !*d->kind) return vt_error_set(err, VT_EINPUT, "put device %s: no kind", d->id);
    json_t *props;
    st = vt_json_object_arg(d->properties, "device properties", &props, err);
    if (st) return st;
    char *ptext = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(props);
    if (!ptext) return vt_error_set(err, VT_ENOMEM, "put device: out of memory");
    sqlite3_stmt *ins;
    st = vt_sql_prepare(s,
                        "INSERT OR REPLACE INTO devices(id, kind, model, memory_bytes, peak_flops, mem_bandwidth, host, "
                        "properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        &ins, err);
    if (!st) {
        sqlite3_bind_text(ins, 1, d->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, d->kind, -1, SQLITE_STATIC);
        if (d->model) sqlite3_bind_text(ins, 3, d->model, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 3);
        if (d->memory_bytes >= 0) sqlite3_bind_int64(ins, 4, d->memory_bytes);
        else sqlite3_bind_null(ins, 4);
        if (d->peak_flops >= 0) sqlite3_bind_double(ins, 5, d->peak_flops);
        else sqlite3_bind_null(ins, 5);
        if (d->mem_bandwidth >= 0) sqlite3_bind_double(ins, 6, d->mem_bandwidth);
        else sqlite3_bind_null(ins, 6);
        if (d->host) sqlite3_bind_text(ins, 7, d->host, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 7);
        sqlite3_bind_text(ins, 8, ptext, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) st = vt_sql_err(s, err, "storing a device");
        vt_sql_finalize(s, ins);
    }
    free(ptext);
    return st;
}

vt_status vt_store_put_link(vt_store *s, const char *a, const char *b, double bandwidth, double latency_ns,
                            vt_error *err) {
    vt_status st = vt_require_writable(s, "put link", err);
    if (st) return st;
    if (!a || !b || !*a || !*b) return vt_error_set(err, VT_EINPUT, "put link: both ends are needed");
    sqlite3_stmt *ins;
    st = vt_sql_prepare(s, "INSERT OR REPLACE INTO links(a, b, bandwidth, latency_ns) VALUES (?, ?, ?, ?)", &ins, err);
    if (st) return st;
    sqlite3_bind_text(ins, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, b, -1, SQLITE_STATIC);
    if (bandwidth >= 0) sqlite3_bind_double(ins, 3, bandwidth);
    else sqlite3_bind_null(ins, 3);
    if (latency_ns >= 0) sqlite3_bind_double(ins, 4, latency_ns);
    else sqlite3_bind_null(ins, 4);
    if (sqlite3_step(ins) != SQLITE_DONE)
        st = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                 ? vt_error_set(err, VT_EINPUT, "link %s - %s: a device it names does not exist", a, b)
                 : vt_sql_err(s, err, "storing a link");
    vt_sql_finalize(s, ins);
    return st;
}

/* ---- JSON ---------------------------------------------------------------------------------- */
static const char *jstr(json_t *o, const char *k, bool *bad) {
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v)) *bad = true;
    return json_string_value(v);
}
static double jnum(json_t *o, const char *k, bool *bad) {
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return -1;
    if (!json_is_number(v) || json_number_value(v) < 0) {
        *bad = true;
        return -1;
    }
    return json_number_value(v);
}

static vt_status import_json(vt_store *s, const char *path, const char *text, size_t len, size_t *nd, size_t *nl,
                             vt_error *err) {
    json_t *root = vt_json_parse(text, len, path, err);
    if (!root) return err ? err->code : VT_EINPUT;
    vt_status st = VT_OK;
    json_t *devs = json_object_get(root, "devices"), *links = json_object_get(root, "links");
    if (!json_is_object(root) || !json_is_array(devs) || (links && !json_is_array(links)))
        st = vt_error_set(err, VT_EINPUT, "%s: expected {\"devices\": [...], \"links\": [...]}", path);
    for (size_t i = 0; !st && i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        bool bad = !json_is_object(d);
        vt_store_device dv = {0};
        dv.id = jstr(d, "id", &bad);
        dv.kind = jstr(d, "kind", &bad);
        dv.model = jstr(d, "model", &bad);
        dv.host = jstr(d, "host", &bad);
        double mem = jnum(d, "memory_bytes", &bad);
        if (mem > 9.0e18) bad = true;
        dv.memory_bytes = (int64_t)mem;
        dv.peak_flops = jnum(d, "peak_flops", &bad);
        dv.mem_bandwidth = jnum(d, "mem_bandwidth", &bad);
        json_t *props = json_object_get(d, "properties");
        char *ptext = NULL;
        if (props && !json_is_object(props)) bad = true;
        else if (props) ptext = json_dumps(props, JSON_COMPACT);
        if (bad || !dv.id || !dv.kind)
            st = vt_error_set(err, VT_EINPUT, "%s: devices[%zu]: needs string id and kind; numbers must be >= 0; "
                              "properties an object", path, i);
        else {
            dv.properties = ptext;
            st = vt_store_put_device(s, &dv, err);
            if (st) vt_error_prefix(err, "%s: devices[%zu]", path, i);
            else (*nd)++;
        }
        free(ptext);
    }
    for (size_t i = 0; !st && i < json_array_size(links); i++) {
        json_t *l = json_array_get(links, i);
        bool bad = !json_is_object(l);
        const char *a = jstr(l, "a", &bad), *b = jstr(l, "b", &bad);
        double bw = jnum(l, "bandwidth", &bad), lat = jnum(l, "latency_ns", &bad);
        if (bad || !a || !b) st = vt_error_set(err, VT_EINPUT, "%s: links[%zu]: needs string a and b", path, i);
        else {
            st = vt_store_put_link(s, a, b, bw, lat, err);
            if (st) vt_error_prefix(err, "%s: links[%zu]", path, i);
            else (*nl)++;
        }
    }
    json_decref(root);
    return st;
}

/* ---- SLURM subset ------------------------------------------------------------------------- */
typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

static void names_free(name_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool names_push(name_list *l, const char *s, size_t n) {
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = nc;
    }
    char *c = malloc(n + 1);
    if (!c) return false;
    memcpy(c, s, n);
    c[n] = 0;
    l->v[l->n++] = c;
    return true;
}

/* SLURM hostlists: "node[1-3,7],gpu01" with zero padding kept ("n[01-10]"). One bracket group
 * per name. */
static vt_status expand_hostlist(const char *txt, const char *where, name_list *out, vt_error *err) {
    const char *p = txt;
    while (*p) {
        const char *start = p, *lb = NULL, *rb = NULL;
        while (*p && (*p != ',' || (lb && !rb))) {
            if (*p == '[') {
                if (lb) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: more than one [...] group in '%s'", where, txt);
                lb = p;
            } else if (*p == ']') {
                if (!lb || rb) return vt_error_set(err, VT_EINPUT, "%s: unbalanced ']' in '%s'", where, txt);
                rb = p;
            }
            p++;
        }
        if (lb && !rb) return vt_error_set(err, VT_EINPUT, "%s: unbalanced '[' in '%s'", where, txt);
        if (p == start) return vt_error_set(err, VT_EINPUT, "%s: empty name in '%s'", where, txt);
        if (!lb) {
            if (!names_push(out, start, (size_t)(p - start))) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", where);
        } else {
            const char *r = lb + 1;
            while (r < rb) {
                const char *q = r;
                while (q < rb && isdigit((unsigned char)*q)) q++;
                if (q == r) return vt_error_set(err, VT_EINPUT, "%s: bad range in '%s'", where, txt);
                int width = (int)(q - r);
                if (width > 9) return vt_error_set(err, VT_ELIMIT, "%s: number too long in '%s'", where, txt);
                long lo = strtol(r, NULL, 10), hi = lo;
                if (*q == '-') {
                    const char *q2 = q + 1;
                    while (q2 < rb && isdigit((unsigned char)*q2)) q2++;
                    if (q2 == q + 1 || q2 - (q + 1) > 9) return vt_error_set(err, VT_EINPUT, "%s: bad range in '%s'", where, txt);
                    hi = strtol(q + 1, NULL, 10);
                    q = q2;
                }
                if (hi < lo) return vt_error_set(err, VT_EINPUT, "%s: descending range in '%s'", where, txt);
                if (q < rb && *q != ',') return vt_error_set(err, VT_EINPUT, "%s: bad range in '%s'", where, txt);
                if ((size_t)(hi - lo) + out->n >= MAX_EXPANSION)
                    return vt_error_set(err, VT_ELIMIT, "%s: '%s' expands to more than %d names", where, txt, MAX_EXPANSION);
                for (long v = lo; v <= hi; v++) {
                    char nm[512];
                    int k = snprintf(nm, sizeof nm, "%.*s%0*ld%.*s", (int)(lb - start), start, width, v,
                                     (int)(p - rb - 1), rb + 1);
                    if (k < 0 || (size_t)k >= sizeof nm) return vt_error_set(err, VT_ELIMIT, "%s: name too long", where);
                    if (!names_push(out, nm, (size_t)k)) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", where);
                }
                r = q < rb ? q + 1 : q;
            }
        }
        if (*p == ',') p++;
    }
    return VT_OK;
}

/* "80G", "512M", "1024" (bytes); K/M/G/T are powers of 1024 as in SLURM. */
static bool parse_size(const char *v, int64_t *out) {
    char *end;
    double x = strtod(v, &end);
    if (end == v || x < 0) return false;
    double mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1024.0, end++;
    else if (*end == 'M' || *end == 'm') mul = 1048576.0, end++;
    else if (*end == 'G' || *end == 'g') mul = 1073741824.0, end++;
    else if (*end == 'T' || *end == 't') mul = 1099511627776.0, end++;
    if (*end || x * mul > 9.0e18) return false;
    *out = (int64_t)(x * mul);
    return true;
}

typedef struct kv {
    char key[32];
    const char *val;
} kv;

static vt_status ensure_device(vt_store *s, const char *id, const char *kind, const char *host, size_t *nd, vt_error *err) {
    sqlite3_stmt *q;
    vt_status st = vt_sql_prepare(s, "SELECT 1 FROM devices WHERE id = ?", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    bool have = sqlite3_step(q) == SQLITE_ROW;
    vt_sql_finalize(s, q);
    if (have) return VT_OK;
    vt_store_device d = {id, kind, NULL, host, -1, -1, -1, NULL};
    st = vt_store_put_device(s, &d, err);
    if (!st) (*nd)++;
    return st;
}

static vt_status slurm_line(vt_store *s, const char *path, int lineno, char *line, size_t *nd, size_t *nl,
                            vt_error *err) {
    kv kvs[16];
    int n = 0;
    char where[300];
    snprintf(where, sizeof where, "%.256s:%d", path, lineno);
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || (size_t)(eq - tok) >= sizeof kvs[0].key || !eq[1])
            return vt_error_set(err, VT_EINPUT, "%s: expected Key=Value, found '%.64s'", where, tok);
        if (n == 16) return vt_error_set(err, VT_EINPUT, "%s: too many fields", where);
        memcpy(kvs[n].key, tok, (size_t)(eq - tok));
        kvs[n].key[eq - tok] = 0;
        kvs[n].val = eq + 1;
        n++;
    }
    if (n == 0) return VT_OK;
    const char *get[10] = {0};
    static const char *const known[] = {"NodeName", "Name", "Type", "File", "Count", "Memory",
                                        "SwitchName", "Nodes", "Switches", "LinkSpeed"};
    for (int i = 0; i < n; i++) {
        int k = -1;
        for (int j = 0; j < 10; j++)
            if (strcmp(kvs[i].key, known[j]) == 0) k = j;
        if (k < 0)
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s: key '%s' (see docs/database.md for the subset)",
                                where, kvs[i].key);
        if (get[k]) return vt_error_set(err, VT_EINPUT, "%s: key '%s' appears twice", where, kvs[i].key);
        get[k] = kvs[i].val;
    }
    vt_status st = VT_OK;
    name_list a = {0}, b = {0};
    if (get[0]) { /* gres.conf: NodeName=... Name=gpu [Type=] (File=|Count=) [Memory=] */
        if (!get[1] || (!get[3] && !get[4]) || get[6])
            return vt_error_set(err, VT_EINPUT, "%s: a NodeName line needs Name= and File= or Count=", where);
        int64_t mem = -1, count = 0;
        if (get[5] && !parse_size(get[5], &mem)) return vt_error_set(err, VT_EINPUT, "%s: bad Memory '%s'", where, get[5]);
        if (get[4] && (!parse_size(get[4], &count) || count < 1 || count > 4096))
            return vt_error_set(err, VT_EINPUT, "%s: bad Count '%s'", where, get[4]);
        st = expand_hostlist(get[0], where, &a, err);
        if (!st && get[3]) st = expand_hostlist(get[3], where, &b, err);
        if (!st && get[3] && get[4] && (int64_t)b.n != count)
            st = vt_error_set(err, VT_EINPUT, "%s: Count=%lld but File= names %zu devices", where, (long long)count, b.n);
        size_t per = get[3] ? b.n : (size_t)count;
        for (size_t i = 0; !st && i < a.n; i++) {
            st = ensure_device(s, a.v[i], "node", a.v[i], nd, err);
            for (size_t j = 0; !st && j < per; j++) {
                char id[600], *props = NULL;
                snprintf(id, sizeof id, "%s/%s%zu", a.v[i], get[1], j);
                if (get[3]) {
                    json_t *pj = json_pack("{s:s}", "file", b.v[j]);
                    props = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
                    json_decref(pj);
                    if (!props) {
                        st = vt_error_set(err, VT_EINPUT, "%s: File= name is not valid UTF-8", where);
                        break;
                    }
                }
                vt_store_device d = {id, get[1], get[2], a.v[i], mem, -1, -1, props};
                st = vt_store_put_device(s, &d, err);
                free(props);
                if (!st) {
                    (*nd)++;
                    st = vt_store_put_link(s, id, a.v[i], -1, -1, err);
                    if (!st) (*nl)++;
                }
            }
        }
    } else if (get[6]) { /* topology.conf: SwitchName=s [Nodes=] [Switches=] [LinkSpeed=] */
        if (get[1] || get[2] || get[3] || get[4] || get[5])
            return vt_error_set(err, VT_EINPUT, "%s: a SwitchName line takes only Nodes=, Switches=, LinkSpeed=", where);
        double speed = -1;
        if (get[9]) {
            char *end;
            speed = strtod(get[9], &end);
            if (*end || speed < 0) return vt_error_set(err, VT_EINPUT, "%s: bad LinkSpeed '%s'", where, get[9]);
        }
        st = ensure_device(s, get[6], "switch", NULL, nd, err);
        if (!st && get[7]) st = expand_hostlist(get[7], where, &a, err);
        if (!st && get[8]) st = expand_hostlist(get[8], where, &b, err);
        for (size_t i = 0; !st && i < a.n; i++) {
            st = ensure_device(s, a.v[i], "node", a.v[i], nd, err);
            if (!st) st = vt_store_put_link(s, get[6], a.v[i], speed, -1, err);
            if (!st) (*nl)++;
        }
        for (size_t i = 0; !st && i < b.n; i++) {
            st = ensure_device(s, b.v[i], "switch", NULL, nd, err);
            if (!st) st = vt_store_put_link(s, get[6], b.v[i], speed, -1, err);
            if (!st) (*nl)++;
        }
    } else {
        st = vt_error_set(err, VT_EINPUT, "%s: expected a NodeName= (gres) or SwitchName= (topology) line", where);
    }
    names_free(&a);
    names_free(&b);
    if (st && !strstr(err ? err->msg : "", where)) vt_error_prefix(err, "%s", where);
    return st;
}

static vt_status import_slurm(vt_store *s, const char *path, char *text, size_t *nd, size_t *nl, vt_error *err) {
    int lineno = 0;
    char *save = NULL;
    vt_status st = VT_OK;
    for (char *line = text; line && !st; line = save) {
        char *nlp = strchr(line, '\n');
        save = nlp ? nlp + 1 : NULL;
        if (nlp) *nlp = 0;
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        for (char *c = line; *c; c++)
            if (*c == '\r') *c = ' ';
        size_t L = strlen(line);
        if (L && line[L - 1] == '\\')
            return vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s:%d: line continuations", path, lineno);
        st = slurm_line(s, path, lineno, line, nd, nl, err);
    }
    return st;
}

vt_status vt_store_import_devices(vt_store *s, const char *path, size_t *n_devices, size_t *n_links, vt_error *err) {
    size_t nd = 0, nl = 0;
    vt_status st = vt_require_writable(s, "import devices", err);
    if (st) return st;
    char *text;
    size_t len;
    st = vt_read_file(path, MAX_DEVICE_FILE, &text, &len, err);
    if (st) return st;
    if (memchr(text, 0, len)) {
        free(text);
        return vt_error_set(err, VT_EINPUT, "%s: binary data (NUL byte) in a device description", path);
    }
    const char *p = text;
    while (*p && isspace((unsigned char)*p)) p++;
    st = vt_tx_begin(s, err);
    if (!st) {
        if (*p == '{') st = import_json(s, path, text, len, &nd, &nl, err);
        else st = import_slurm(s, path, text, &nd, &nl, err);
        st = vt_tx_end(s, st, err);
    }
    free(text);
    if (st) nd = nl = 0;
    if (n_devices) *n_devices = nd;
    if (n_links) *n_links = nl;
    return st;
}
