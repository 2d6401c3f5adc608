/* `veritor transform slice`: the subgraph that computes chosen values from chosen inputs, as a
 * new public function (vt_xf_slice; docs/transform-slice.md). */
#include "cli/xcmd_common.h"

#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor transform slice FILE --target ID[,ID...] [--from ID[,ID...]] [--name N]\n"
    "                               -o OUT.mlir [--id-map MAP.json]\n"
    "\n"
    "Extracts the ops that compute the --target values, stopping at the --from values, as a new\n"
    "module with one public function (@main, or --name) whose arguments are the live-ins: the\n"
    "--from values first (in the order given; an op with several results gives each), then every\n"
    "other value the targets need from outside (function or region arguments, values of enclosing\n"
    "blocks) in definition order. Each argument and result carries veritor.origin naming the\n"
    "source value (\"@main/7\", \"@main/7:1\", \"@main:arg3\", \"@main/3/1:arg2\"). Functions the\n"
    "slice calls are copied whole. Targets may lie inside a called function (@block/12) or a while\n"
    "body (@main/3/1/9): the slice then computes one iteration from the body's live-ins; all\n"
    "targets must lie in the same block. \"Everything between A and B\" is --from A --target B.\n"
    "\n"
    "Ids: anything `veritor ops` prints (path ids, operation_id names), optionally ID#ITER (the\n"
    "iteration is ignored) and ID:K for result K. --target and --from may be repeated.\n"
    "\n"
    "Options:\n"
    "  --target IDS     values to compute (the slice's results, in order)\n"
    "  --from IDS       values given as arguments instead of computed (also: --cut)\n"
    "  --name N         name of the new public function (default main)\n"
    "  -o, --output F   write the result to F atomically (default: stdout)\n"
    "  --id-map F       write {new op id: {op, id, origin, callsite}} as JSON to F\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 1 an id names no op; 2 bad input or usage; 3 a limit was hit.\n";

/* Appends the comma-separated ids of v to list (pointers into the copy kept in *store). */
static bool add_ids(const char *v, char ***store, size_t *nstore, const char ***list, size_t *n) {
    char *copy = strdup(v);
    char **ns = realloc(*store, (*nstore + 1) * sizeof *ns);
    if (!copy || !ns) {
        free(copy);
        return false;
    }
    *store = ns;
    ns[(*nstore)++] = copy;
    for (char *tok = copy;;) {
        char *comma = strchr(tok, ',');
        if (comma) *comma = 0;
        /* "a, b" as typed in a shell */
        while (*tok == ' ' || *tok == '\t') tok++;
        for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t');) *--e = 0;
        const char **nl = realloc(*list, (*n + 1) * sizeof *nl);
        if (!nl) return false;
        *list = nl;
        nl[(*n)++] = tok;
        if (!comma) break;
        tok = comma + 1;
    }
    return true;
}

int vt_xcmd_slice(int argc, char **argv) {
    static const char *const value_opts[] = {"--target", "--from", "--cut", "--name", NULL};
    vt_xcmd_args a;
    int rc = vt_xcmd_parse(argc, argv, help_text, value_opts, NULL, &a);
    if (rc >= 0) return rc;
    if (a.entry) return vt_cli_usage("transform", "slice: --entry does not apply (ids name their function)");
    char **store = NULL;
    size_t nstore = 0;
    const char **targets = NULL, **cuts = NULL;
    size_t nt = 0, nc = 0;
    for (int i = 0; i < a.nextra; i++) {
        const char *o = a.extra_name[i], *v = a.extra_value[i];
        bool ok = true;
        if (!strcmp(o, "--target")) ok = add_ids(v, &store, &nstore, &targets, &nt);
        else if (!strcmp(o, "--from") || !strcmp(o, "--cut")) ok = add_ids(v, &store, &nstore, &cuts, &nc);
        if (!ok) {
            rc = vt_cli_usage("transform", "slice: out of memory");
            goto done;
        }
    }
    if (!nt) {
        rc = vt_cli_usage("transform", "slice: no --target given");
        goto done;
    }
    vt_error err;
    vt_error_clear(&err);
    vt_module *src = NULL, *out = NULL;
    vt_status s = vt_xcmd_load(a.file, &src, &err);
    vt_xf_slice_spec spec = {.targets = targets, .ntargets = nt, .cuts = cuts, .ncuts = nc,
                             .name = vt_xcmd_extra(&a, "--name")};
    if (s == VT_OK) s = vt_xf_slice(src, &spec, &out, &err);
    rc = vt_xcmd_finish(&a, src, out, s, &err);
done:
    for (size_t i = 0; i < nstore; i++) free(store[i]);
    free(store);
    free(targets);
    free(cuts);
    return rc;
}
