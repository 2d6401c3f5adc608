/* `veritor transform split-batch`: a function rewritten for a sub-batch (vt_xf_split_batch;
 * docs/transform-slice.md). */
#include "cli/xcmd_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor transform split-batch FILE --arg-dims D,D,... --result-dims D,... --sub-batch S\n"
    "                                     [--entry NAME] -o OUT.mlir [--id-map MAP.json]\n"
    "\n"
    "Rewrites the entry function (--entry, else @main, else the only public one) for a sub-batch\n"
    "of S elements: --arg-dims gives the batch dimension of each argument (-1: not batched, the\n"
    "same for every element), --result-dims that of each result. All batched dimensions have\n"
    "the same size B and S must divide it. Running the result on rows [k*S, (k+1)*S) of every\n"
    "batched argument gives those rows of every batched result. Called functions are\n"
    "specialised per batch layout. An op that mixes batch elements (a reduction or contraction\n"
    "over the batch dim, a gather across it, a reshape merging it, a sort along it, ...) is\n"
    "refused naming the op, e.g. \"@main/14 stablehlo.reduce reduces over batch dim 0\".\n"
    "\n"
    "Options:\n"
    "  --arg-dims L     one batch dim per argument, comma-separated (-1: not batched)\n"
    "  --result-dims L  one batch dim per result\n"
    "  --sub-batch S    elements per sub-batch (divides the batch size)\n"
    "  --entry NAME     the function to split\n"
    "  -o, --output F   write the result to F atomically (default: stdout)\n"
    "  --id-map F       write {new op id: {op, id, origin, callsite}} as JSON to F\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input, usage, a graph that mixes batch elements or an op the rules\n"
    "do not cover; 3 a limit was hit.\n";

/* "0,-1,2" into a malloc'ed array; false on junk. An empty string is an empty list. */
static bool parse_dims(const char *s, int **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!*s) return true;
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    int *v = malloc(cap * sizeof *v);
    if (!v) return false;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < -1 || x >= VT_MAX_RANK || (*end && *end != ',')) {
            free(v);
            return false;
        }
        v[(*n)++] = (int)x;
        if (!*end) break;
        p = end + 1;
    }
    *out = v;
    return true;
}

int vt_xcmd_split_batch(int argc, char **argv) {
    static const char *const value_opts[] = {"--arg-dims", "--result-dims", "--sub-batch", NULL};
    vt_xcmd_args a;
    int rc = vt_xcmd_parse(argc, argv, help_text, value_opts, NULL, &a);
    if (rc >= 0) return rc;
    const char *ad = vt_xcmd_extra(&a, "--arg-dims"), *rd = vt_xcmd_extra(&a, "--result-dims"),
               *sb = vt_xcmd_extra(&a, "--sub-batch");
    if (!ad || !rd || !sb) return vt_cli_usage("transform", "split-batch: --arg-dims, --result-dims and --sub-batch are required");
    int *abd = NULL, *rbd = NULL;
    size_t na = 0, nr = 0;
    uint64_t sub = 0;
    if (!parse_dims(ad, &abd, &na)) return vt_cli_usage("transform", "split-batch: --arg-dims '%s' is not a list of dims >= -1", ad);
    if (!parse_dims(rd, &rbd, &nr)) {
        free(abd);
        return vt_cli_usage("transform", "split-batch: --result-dims '%s' is not a list of dims >= -1", rd);
    }
    if (!vt_cli_parse_u64(sb, &sub) || sub == 0 || sub > (uint64_t)INT64_MAX) {
        free(abd);
        free(rbd);
        return vt_cli_usage("transform", "split-batch: --sub-batch '%s' is not a positive integer", sb);
    }
    vt_error err;
    vt_error_clear(&err);
    vt_module *src = NULL, *out = NULL;
    vt_status s = vt_xcmd_load(a.file, &src, &err);
    if (s == VT_OK) s = vt_xf_split_batch(src, a.entry, abd, na, rbd, nr, (int64_t)sub, &out, &err);
    free(abd);
    free(rbd);
    return vt_xcmd_finish(&a, src, out, s, &err);
}
