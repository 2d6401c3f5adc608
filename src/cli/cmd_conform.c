/* `veritor conform`: runs every StableHLO file below a folder (each in its own process, so a
 * timeout or crash is contained to one file), scores pass/fail per category and prints the
 * summary line `conformance: P% per-category mean, F/N files passed`. */
#include "cli/cli.h"
#include "cli/run_common.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char help_text[] =
    "usage: veritor conform DIR [--manifest FILE] [--jobs N] [--timeout S] [--json] [--failures-only]\n"
    "\n"
    "Runs every *.mlir file below DIR: `exec` files run @main (every `// -----` part) and pass when\n"
    "every check passes; `parse-only` files are parsed and verified, not run; `disabled:*` files run\n"
    "and count as a bonus when they pass (they are reported, not scored). Categories and kinds come\n"
    "from MANIFEST.tsv (columns category, kind, path) when given or found in DIR, else from the file\n"
    "name (the part before the first '_', or the whole stem). Each file runs in its own process\n"
    "with a timeout. Prints pass/fail per category, the failures with their first error line, and\n"
    "  conformance: P% per-category mean, F/N files passed\n"
    "\n"
    "Options:\n"
    "  --manifest FILE   categories and kinds (default DIR/MANIFEST.tsv when present)\n"
    "  --jobs N          files run in parallel (default: number of cores)\n"
    "  --timeout S       seconds per file (default 60)\n"
    "  --json            print a JSON report instead\n"
    "\n"
    "Exit status: 0 every scored file passed; 1 some failed; 2 bad usage or unreadable DIR.\n";

typedef struct entry {
    char *path;     /* full path */
    char *rel;      /* relative to DIR */
    char *category;
    char *kind;     /* exec, exec-split, parse-only, disabled:... */
    bool passed, timed_out;
    int parts_total, parts_passed;
    char *first_error;
} entry;

typedef struct entry_list {
    entry *v;
    size_t n, cap;
} entry_list;

static bool push_entry(entry_list *l, const char *path, const char *rel) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        entry *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = cap;
    }
    entry *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->rel = strdup(rel);
    return e->path && e->rel;
}

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->rel, ((const entry *)b)->rel); }

static vt_status walk(const char *dir, const char *rel, entry_list *l, int depth, vt_error *err) {
    if (depth > 16) return VT_OK;
    DIR *d = opendir(dir);
    if (!d) return vt_error_set(err, VT_EIO, "%s: cannot open folder: %s", dir, strerror(errno));
    struct dirent *de;
    vt_status s = VT_OK;
    while (s == VT_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096], r[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) s = walk(path, r, l, depth + 1, err);
        else {
            size_t n = strlen(de->d_name);
            if (n > 5 && strcmp(de->d_name + n - 5, ".mlir") == 0 && !push_entry(l, path, r))
                s = vt_error_set(err, VT_ENOMEM, "out of memory");
        }
    }
    closedir(d);
    return s;
}

static void apply_manifest(entry_list *l, const char *manifest) {
    char *text;
    size_t len;
    vt_error err;
    if (vt_read_file(manifest, 64 << 20, &text, &len, &err) != VT_OK) return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *c1 = strchr(line, '\t');
        if (!c1) continue;
        char *c2 = strchr(c1 + 1, '\t');
        if (!c2) continue;
        char *c3 = strchr(c2 + 1, '\t');
        *c1 = *c2 = 0;
        if (c3) *c3 = 0;
        const char *cat = line, *kind = c1 + 1, *path = c2 + 1;
        for (size_t i = 0; i < l->n; i++) {
            if (strcmp(l->v[i].rel, path) != 0) continue;
            free(l->v[i].category);
            free(l->v[i].kind);
            l->v[i].category = strdup(cat);
            l->v[i].kind = strdup(kind);
        }
    }
    free(text);
}

static void default_category(entry *e) {
    if (!e->kind) e->kind = strdup(strncmp(e->rel, "dynamic/", 8) == 0 ? "parse-only" : "exec");
    if (e->category) return;
    const char *base = strrchr(e->rel, '/');
    base = base ? base + 1 : e->rel;
    size_t n = strlen(base) - 5;
    const char *us = memchr(base, '_', n);
    e->category = strndup(base, us ? (size_t)(us - base) : n);
}

static bool is_parse_only(const entry *e) { return strcmp(e->kind, "parse-only") == 0; }
static bool is_scored(const entry *e) { return strncmp(e->kind, "disabled", 8) != 0; }

/* Child process: runs one file and writes "passed parts_total parts_passed\n<first error>" to fd. */
/* Files whose `// RUN:` lines pass arguments (`--interpret --args="[...]"`, some prefixed with
 * `not` to expect a refusal) run once per such line: a positive line passes when every part
 * runs and checks, a `not` line when the run is refused. Returns false when the file has none. */
static bool run_lines_with_args(const entry *e, vt_run_config *cfg, int *total, int *passed, char *msg, size_t cap) {
    char *text;
    size_t len;
    vt_error err;
    if (vt_read_file(e->path, 1 << 30, &text, &len, &err) != VT_OK) return false;
    bool any = false;
    for (char *line = text; line && line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        if (nl) *nl = 0;
        const char *run = strncmp(line, "// RUN:", 7) == 0 ? line + 7 : NULL;
        const char *args = run && strstr(run, "--interpret") ? strstr(run, "--args=\"") : NULL;
        if (args) {
            args += 8;
            char *close = strchr(args, '"');
            if (close) {
                *close = 0;
                while (*run == ' ') run++;
                bool negative = strncmp(run, "not ", 4) == 0;
                any = true;
                (*total)++;
                cfg->args_text = args;
                vt_part_result *parts = NULL;
                size_t n = 0;
                bool ok = vt_run_file(e->path, cfg, &parts, &n, &err) == VT_OK;
                const char *why = ok ? NULL : err.msg;
                for (size_t i = 0; ok && i < n; i++)
                    if (parts[i].status != VT_OK) ok = false, why = parts[i].err.msg;
                if (ok != negative) (*passed)++;
                else if (!msg[0])
                    snprintf(msg, cap, "RUN line with --args=\"%s\": %s", args, negative ? "expected a refusal, it ran" : why);
                if (parts) vt_part_results_free(parts, n);
                cfg->args_text = NULL;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return any;
}

static void child_run(const entry *e, int fd) {
    vt_limits lim;
    vt_limits_default(&lim);
    lim.max_live_bytes = (uint64_t)4 << 30;
    vt_run_config cfg = {0};
    cfg.limits = &lim;
    cfg.threads = 1;
    char msg[1200] = "";
    int total = 0, passed = 0;
    vt_error err;
    if (is_parse_only(e)) {
        char *text;
        size_t len;
        vt_text_part *tp = NULL;
        size_t n = 0;
        vt_status s = vt_read_file(e->path, 1 << 30, &text, &len, &err);
        if (s == VT_OK) {
            s = vt_split_parts(text, len, &tp, &n, &err);
            for (size_t i = 0; s == VT_OK && i < n; i++) {
                vt_module *m;
                vt_parse_options po = {e->path, tp[i].line, NULL};
                total++;
                vt_status ps = vt_parse_module(tp[i].text, tp[i].len, &po, &m, &err);
                if (ps == VT_OK) {
                    ps = vt_module_verify(m, &err);
                    vt_module_free(m);
                }
                if (ps == VT_OK) passed++;
                else if (!msg[0]) snprintf(msg, sizeof msg, "%s", err.msg);
            }
            free(tp);
            free(text);
        }
        if (s != VT_OK) snprintf(msg, sizeof msg, "%s", err.msg);
    } else if (run_lines_with_args(e, &cfg, &total, &passed, msg, sizeof msg)) {
        /* counted per RUN line */
    } else {
        vt_part_result *parts;
        size_t n;
        if (vt_run_file(e->path, &cfg, &parts, &n, &err) != VT_OK) {
            snprintf(msg, sizeof msg, "%s", err.msg);
        } else {
            for (size_t i = 0; i < n; i++) {
                total++;
                if (parts[i].status == VT_OK) passed++;
                else if (!msg[0]) snprintf(msg, sizeof msg, "%s", parts[i].err.msg);
            }
            vt_part_results_free(parts, n);
        }
    }
    for (char *p = msg; *p; p++)
        if (*p == '\n') *p = ' ';
    dprintf(fd, "%d %d %d\n%s", total > 0 && passed == total, total, passed, msg);
}

typedef struct running {
    pid_t pid;
    int fd;
    size_t idx;
    double start;
    char buf[1400];
    size_t len;
} running;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void finish(entry *e, running *r, bool timed_out, double timeout) {
    r->buf[r->len] = 0;
    int ok = 0, total = 0, passed = 0;
    if (!timed_out && sscanf(r->buf, "%d %d %d", &ok, &total, &passed) == 3) {
        e->passed = ok != 0;
        e->parts_total = total;
        e->parts_passed = passed;
        char *nl = strchr(r->buf, '\n');
        if (nl && nl[1]) e->first_error = strdup(nl + 1);
        else if (!ok) e->first_error = strdup("no program ran");
    } else {
        e->passed = false;
        e->timed_out = timed_out;
        char m[128];
        if (timed_out) snprintf(m, sizeof m, "timed out after %.0f s", timeout);
        else snprintf(m, sizeof m, "the run crashed or exited without a result");
        e->first_error = strdup(m);
    }
}

static void run_all(entry_list *l, int jobs, double timeout) {
    running *rs = calloc((size_t)jobs, sizeof *rs);
    size_t next = 0, active = 0;
    for (int i = 0; i < jobs; i++) rs[i].pid = 0;
    fflush(stdout);
    fflush(stderr);
    while (next < l->n || active) {
        for (int i = 0; i < jobs && next < l->n; i++) {
            if (rs[i].pid) continue;
            int p[2];
            if (pipe(p) != 0) break;
            pid_t pid = fork();
            if (pid == 0) {
                close(p[0]);
                child_run(&l->v[next], p[1]);
                close(p[1]);
                _exit(0);
            }
            close(p[1]);
            if (pid < 0) {
                close(p[0]);
                break;
            }
            rs[i] = (running){pid, p[0], next++, now_s(), {0}, 0};
            active++;
        }
        struct pollfd pf[64];
        int map[64], np = 0;
        for (int i = 0; i < jobs && np < 64; i++)
            if (rs[i].pid) pf[np] = (struct pollfd){rs[i].fd, POLLIN, 0}, map[np++] = i;
        poll(pf, (nfds_t)np, 200);
        for (int k = 0; k < np; k++) {
            running *r = &rs[map[k]];
            bool done = false, timed_out = false;
            if (pf[k].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len);
                if (got > 0) r->len += (size_t)got;
                if (got <= 0 || r->len >= sizeof r->buf - 1) done = true;
            }
            if (!done && now_s() - r->start > timeout) {
                kill(r->pid, SIGKILL);
                done = timed_out = true;
            }
            if (done) {
                close(r->fd);
                waitpid(r->pid, NULL, 0);
                finish(&l->v[r->idx], r, timed_out, timeout);
                r->pid = 0;
                active--;
            }
        }
    }
    free(rs);
}

typedef struct cat_score {
    const char *name;
    int total, passed;
} cat_score;

int vt_cmd_conform(int argc, char **argv) {
    const char *dir = NULL, *manifest = NULL;
    bool json = false, failures_only = false;
    uint64_t jobs = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
    double timeout = 60;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) json = true;
        else if (!strcmp(a, "--failures-only")) failures_only = true;
        else if (!strcmp(a, "--manifest") && v) manifest = argv[++i];
        else if (!strcmp(a, "--jobs") && v) {
            if (!vt_cli_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 64) return vt_cli_usage("conform", "--jobs must be 1..64");
        } else if (!strcmp(a, "--timeout") && v) {
            char *end;
            timeout = strtod(argv[++i], &end);
            if (*end || !(timeout > 0)) return vt_cli_usage("conform", "--timeout must be a positive number of seconds");
        } else if (a[0] == '-') return vt_cli_usage("conform", "unknown option or missing value '%s'", a);
        else if (!dir) dir = a;
        else return vt_cli_usage("conform", "one DIR only");
    }
    if (!dir) return vt_cli_usage("conform", "missing DIR");
    entry_list l = {0};
    vt_error err;
    if (walk(dir, "", &l, 0, &err) != VT_OK) return vt_cli_fail(&err);
    if (l.n == 0) {
        fprintf(stderr, "veritor: %s: no .mlir files found\n", dir);
        return 2;
    }
    qsort(l.v, l.n, sizeof *l.v, cmp_entry);
    char mpath[4096];
    if (!manifest) {
        snprintf(mpath, sizeof mpath, "%s/MANIFEST.tsv", dir);
        if (access(mpath, R_OK) == 0) manifest = mpath;
    }
    if (manifest) apply_manifest(&l, manifest);
    for (size_t i = 0; i < l.n; i++) default_category(&l.v[i]);
    run_all(&l, (int)jobs, timeout);

    cat_score *cats = calloc(l.n, sizeof *cats);
    size_t ncats = 0;
    int files = 0, files_passed = 0, progs = 0, progs_passed = 0, bonus = 0;
    for (size_t i = 0; i < l.n; i++) {
        entry *e = &l.v[i];
        progs += e->parts_total;
        progs_passed += e->parts_passed;
        if (!is_scored(e)) {
            bonus += e->passed;
            continue;
        }
        files++;
        files_passed += e->passed;
        size_t c = 0;
        while (c < ncats && strcmp(cats[c].name, e->category) != 0) c++;
        if (c == ncats) cats[ncats++].name = e->category;
        cats[c].total++;
        cats[c].passed += e->passed;
    }
    double mean = 0;
    for (size_t c = 0; c < ncats; c++) mean += (double)cats[c].passed / cats[c].total;
    mean = ncats ? 100.0 * mean / (double)ncats : 0;
    if (json) {
        json_t *root = json_object(), *jc = json_object(), *jf = json_array();
        for (size_t c = 0; c < ncats; c++) {
            json_t *o = json_object();
            json_object_set_new(o, "passed", json_integer(cats[c].passed));
            json_object_set_new(o, "total", json_integer(cats[c].total));
            json_object_set_new(jc, cats[c].name, o);
        }
        for (size_t i = 0; i < l.n; i++) {
            entry *e = &l.v[i];
            if (e->passed) continue;
            json_t *o = json_object();
            json_object_set_new(o, "path", json_string(e->rel));
            json_object_set_new(o, "category", json_string(e->category));
            json_object_set_new(o, "kind", json_string(e->kind));
            json_object_set_new(o, "error", json_string(e->first_error ? e->first_error : ""));
            json_array_append_new(jf, o);
        }
        json_object_set_new(root, "categories", jc);
        json_object_set_new(root, "failures", jf);
        json_object_set_new(root, "files", json_integer(files));
        json_object_set_new(root, "files_passed", json_integer(files_passed));
        json_object_set_new(root, "programs", json_integer(progs));
        json_object_set_new(root, "programs_passed", json_integer(progs_passed));
        json_object_set_new(root, "per_category_mean", json_real(mean));
        json_object_set_new(root, "disabled_passed", json_integer(bonus));
        char *t = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (t) puts(t);
        free(t);
        json_decref(root);
    } else {
        if (!failures_only)
            for (size_t c = 0; c < ncats; c++)
                printf("%-40s %4d/%-4d %s\n", cats[c].name, cats[c].passed, cats[c].total,
                       cats[c].passed == cats[c].total ? "pass" : "FAIL");
        for (size_t i = 0; i < l.n; i++) {
            entry *e = &l.v[i];
            if (!e->passed && is_scored(e)) printf("FAIL %s: %s\n", e->rel, e->first_error ? e->first_error : "");
        }
        printf("programs: %d/%d passed; disabled files passing: %d\n", progs_passed, progs, bonus);
        printf("conformance: %.2f%% per-category mean, %d/%d files passed\n", mean, files_passed, files);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].path), free(l.v[i].rel), free(l.v[i].category), free(l.v[i].kind), free(l.v[i].first_error);
    }
    free(l.v);
    free(cats);
    return files_passed == files ? 0 : 1;
}
