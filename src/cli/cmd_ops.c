/* `veritor ops`: the op histogram, stable op ids (docs/op-ids.md), entry points and function
 * signatures of a StableHLO file, as text or JSON. */
#include "cli/cli.h"
#include "veritor/hlo.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor ops FILE [--json] [--no-ids] [-o OUT]\n"
    "\n"
    "Lists, per part of FILE (parts are split by `// -----`): the entry points (public\n"
    "functions, or every function when none is marked) and every function's signature, a\n"
    "histogram of op names, and each op's stable id (`@main/12`, `@f/4/1/7`; an explicit\n"
    "mhlo.frontend_attributes operation_id is shown as the primary id).\n"
    "\n"
    "Options:\n"
    "  --json           one JSON document: {\"parts\": [{\"functions\", \"entry_points\",\n"
    "                   \"histogram\", \"ops\"}]}\n"
    "  --no-ids         leave out the per-op id list\n"
    "  -o, --output F   write to F instead of stdout\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input or usage; 3 a parser limit was hit.\n";

typedef struct hist_entry {
    const char *name;
    size_t count;
} hist_entry;

typedef struct collect {
    hist_entry *h;
    size_t nh, caph;
    vt_op **ops;
    size_t nops, capops;
    bool oom;
} collect;

static vt_status visit(vt_op *op, void *user, vt_error *err) {
    (void)err;
    collect *c = user;
    const char *nm = vt_op_name(op);
    size_t i = 0;
    while (i < c->nh && strcmp(c->h[i].name, nm) != 0) i++;
    if (i == c->nh) {
        if (c->nh == c->caph) {
            size_t nc = c->caph ? c->caph * 2 : 32;
            hist_entry *n = realloc(c->h, nc * sizeof *n);
            if (!n) return c->oom = true, VT_ENOMEM;
            c->h = n;
            c->caph = nc;
        }
        c->h[c->nh++] = (hist_entry){nm, 0};
    }
    c->h[i].count++;
    if (c->nops == c->capops) {
        size_t nc = c->capops ? c->capops * 2 : 256;
        vt_op **n = realloc(c->ops, nc * sizeof *n);
        if (!n) return c->oom = true, VT_ENOMEM;
        c->ops = n;
        c->capops = nc;
    }
    c->ops[c->nops++] = op;
    return VT_OK;
}

static int hist_cmp(const void *a, const void *b) {
    const hist_entry *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static char *signature(const vt_func *f) {
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_puts(&b, "(");
    for (size_t k = 0; k < f->nargs; k++) {
        if (k) vt_buf_puts(&b, ", ");
        vt_type_print(&b, f->arg_types[k]);
    }
    vt_buf_puts(&b, ") -> (");
    for (size_t k = 0; k < f->nresults; k++) {
        if (k) vt_buf_puts(&b, ", ");
        vt_type_print(&b, f->result_types[k]);
    }
    vt_buf_puts(&b, ")");
    char *s = strdup(vt_buf_cstr(&b));
    vt_buf_free(&b);
    return s;
}

static bool is_entry(const vt_module *m, const vt_func *f) {
    bool any_public = false;
    for (size_t i = 0; i < m->nfuncs; i++)
        any_public |= m->funcs[i]->visibility && strcmp(m->funcs[i]->visibility, "public") == 0;
    if (any_public) return f->visibility && strcmp(f->visibility, "public") == 0;
    return !f->visibility || strcmp(f->visibility, "private") != 0;
}

static vt_status describe(vt_module *m, bool json, bool ids, vt_buf *out, json_t *jparts, vt_error *err) {
    collect c = {0};
    vt_status s = vt_module_walk(m, visit, &c, err);
    if (s != VT_OK || c.oom) {
        free(c.h);
        free(c.ops);
        return vt_error_set(err, VT_ENOMEM, "out of memory");
    }
    if (c.nh > 1) qsort(c.h, c.nh, sizeof *c.h, hist_cmp);
    json_t *jp = json ? json_object() : NULL;
    json_t *jf = json ? json_array() : NULL, *je = json ? json_array() : NULL;
    if (!json) vt_buf_printf(out, "module%s%s\nfunctions:\n", m->name ? " @" : "", m->name ? m->name : "");
    for (size_t i = 0; i < m->nfuncs; i++) {
        const vt_func *f = m->funcs[i];
        char *sig = signature(f);
        if (!sig) return vt_error_set(err, VT_ENOMEM, "out of memory");
        bool entry = is_entry(m, f);
        if (json) {
            json_array_append_new(jf, json_pack("{s:s, s:s, s:s, s:b}", "name", f->name, "visibility", f->visibility ? f->visibility : "",
                                                "signature", sig, "entry_point", entry));
            if (entry) json_array_append_new(je, json_string(f->name));
        } else {
            vt_buf_printf(out, "  %s@%s%s %s\n", entry ? "entry " : "", f->name, f->body ? "" : " (declaration)", sig);
        }
        free(sig);
    }
    json_t *jh = json ? json_object() : NULL;
    if (!json) vt_buf_puts(out, "histogram:\n");
    for (size_t i = 0; i < c.nh; i++) {
        if (json) json_object_set_new(jh, c.h[i].name, json_integer((json_int_t)c.h[i].count));
        else vt_buf_printf(out, "  %8zu  %s\n", c.h[i].count, c.h[i].name);
    }
    json_t *jo = json ? json_array() : NULL;
    if (ids) {
        if (!json) vt_buf_puts(out, "ops:\n");
        for (size_t i = 0; i < c.nops; i++) {
            vt_buf id, path;
            vt_buf_init(&id);
            vt_buf_init(&path);
            vt_error e2;
            if (vt_op_path_id(c.ops[i], &path, &e2) != VT_OK) {
                vt_buf_free(&id);
                vt_buf_free(&path);
                continue; /* top-level ops (sdy.mesh) have no path id */
            }
            vt_op_id(c.ops[i], &id, &e2);
            bool alias = strcmp(vt_buf_cstr(&id), vt_buf_cstr(&path)) != 0;
            if (json) {
                json_t *o = json_pack("{s:s, s:s}", "id", vt_buf_cstr(&id), "op", vt_op_name(c.ops[i]));
                if (alias) json_object_set_new(o, "path", json_string(vt_buf_cstr(&path)));
                json_array_append_new(jo, o);
            } else if (alias) {
                vt_buf_printf(out, "  %-24s %s (alias %s)\n", vt_buf_cstr(&id), vt_op_name(c.ops[i]), vt_buf_cstr(&path));
            } else {
                vt_buf_printf(out, "  %-24s %s\n", vt_buf_cstr(&id), vt_op_name(c.ops[i]));
            }
            vt_buf_free(&id);
            vt_buf_free(&path);
        }
    }
    if (json) {
        json_object_set_new(jp, "module", m->name ? json_string(m->name) : json_null());
        json_object_set_new(jp, "functions", jf);
        json_object_set_new(jp, "entry_points", je);
        json_object_set_new(jp, "histogram", jh);
        json_object_set_new(jp, "op_count", json_integer((json_int_t)c.nops));
        if (ids) json_object_set_new(jp, "ops", jo);
        else json_decref(jo);
        json_array_append_new(jparts, jp);
    }
    free(c.h);
    free(c.ops);
    return VT_OK;
}

int vt_cmd_ops(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    bool json = false, ids = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            return 0;
        }
        if (strcmp(a, "--json") == 0) json = true;
        else if (strcmp(a, "--no-ids") == 0) ids = false;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) return vt_cli_usage("ops", "%s needs a file name", a);
            out = argv[++i];
        } else if (a[0] == '-' && a[1]) return vt_cli_usage("ops", "unknown option '%s'", a);
        else if (in) return vt_cli_usage("ops", "one input file only");
        else in = a;
    }
    if (!in) return vt_cli_usage("ops", "no input file");
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    vt_error err;
    char *data;
    size_t len;
    if (vt_read_file(in, (size_t)lim.max_input_bytes, &data, &len, &err) != VT_OK) return vt_cli_fail(&err);
    vt_text_part *parts;
    size_t np;
    if (vt_split_parts(data, len, &parts, &np, &err) != VT_OK) {
        free(data);
        return vt_cli_fail(&err);
    }
    vt_buf b;
    vt_buf_init(&b);
    json_t *jparts = json_array();
    int rc = 0;
    for (size_t k = 0; k < np && rc == 0; k++) {
        vt_parse_options o = {in, parts[k].line, &lim};
        vt_module *m;
        if (vt_parse_module(parts[k].text, parts[k].len, &o, &m, &err) != VT_OK) {
            rc = vt_cli_fail(&err);
            break;
        }
        if (!json && np > 1) vt_buf_printf(&b, "%s// part %zu (line %u)\n", k ? "\n" : "", k + 1, parts[k].line);
        if (describe(m, json, ids, &b, jparts, &err) != VT_OK) rc = vt_cli_fail(&err);
        vt_module_free(m);
    }
    free(parts);
    free(data);
    if (rc == 0 && json) {
        json_t *doc = json_pack("{s:s, s:O}", "file", in, "parts", jparts);
        char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        if (!s) {
            vt_error_set(&err, VT_ENOMEM, "out of memory writing JSON");
            rc = vt_cli_fail(&err);
        } else {
            vt_buf_puts(&b, s);
            vt_buf_puts(&b, "\n");
            free(s);
        }
        json_decref(doc);
    }
    json_decref(jparts);
    if (rc == 0) {
        if (out) {
            if (vt_write_file_atomic(out, b.data ? b.data : "", b.len, &err) != VT_OK) rc = vt_cli_fail(&err);
        } else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
            vt_error_set(&err, VT_EIO, "writing to stdout failed");
            rc = vt_cli_fail(&err);
        }
    }
    vt_buf_free(&b);
    return rc;
}
