/* `veritor transform SUB FILE ...`: dispatches to the subcommands of transform_cmds.def (one
 * src/cli/xcmd_<name>.c each) and lists them in its help. */
#include "cli/xcmd_common.h"

#include <string.h>

typedef struct xcmd {
    const char *name; /* C token as written in transform_cmds.def */
    int (*fn)(int, char **);
    const char *summary;
} xcmd;

static const xcmd xcmds[] = {
#define X(name, fn, summary) {#name, fn, summary},
#include "cli/transform_cmds.def"
#undef X
    {NULL, NULL, NULL}};

/* A table name matches the typed one with '_' read as '-'. */
static bool name_is(const char *table, const char *typed) {
    for (; *table && *typed; table++, typed++) {
        char t = *table == '_' ? '-' : *table, u = *typed == '_' ? '-' : *typed;
        if (t != u) return false;
    }
    return !*table && !*typed;
}

static void print_help(void) {
    fputs("usage: veritor transform SUB FILE [options] -o OUT.mlir [--id-map MAP.json] [--entry NAME]\n"
          "       veritor transform SUB --help\n"
          "\n"
          "Rewrites a StableHLO module into a new one that prints, re-parses and verifies, and runs\n"
          "like the source (docs/transforms.md). Every op of the result carries veritor.origin, the\n"
          "stable id of the op of the original graph it came from, so a trace event recorded against\n"
          "the original maps to the transformed graph; --id-map writes that map as JSON.\n"
          "`veritor db derive GRAPH --transform SUB [options]` applies one to a stored graph.\n"
          "\n"
          "Subcommands:\n",
          stdout);
    for (const xcmd *x = xcmds; x->name; x++) {
        char nm[64];
        size_t i = 0;
        for (; x->name[i] && i + 1 < sizeof nm; i++) nm[i] = x->name[i] == '_' ? '-' : x->name[i];
        nm[i] = 0;
        printf("  %-12s %s\n", nm, x->summary);
    }
    fputs("\nCommon options:\n"
          "  -o, --output F   the transformed module (default: stdout)\n"
          "  --id-map F       JSON {new op id: {op, id, origin, callsite}}\n"
          "  --entry NAME     the function to transform (default: every public function)\n"
          "  --fresh-origins  (inline, dce) drop the provenance FILE carries: origins are its own ids\n"
          "  -h, --help       this help (after SUB: the subcommand's)\n"
          "\n"
          "Exit status: 0 ok; 2 bad input, a refused transform (the message names the op and the\n"
          "reason) or usage; 3 a limit was hit.\n",
          stdout);
}

vt_xcmd_fn vt_xcmd_lookup(const char *name) {
    for (const xcmd *x = xcmds; x->name; x++)
        if (name_is(x->name, name)) return x->fn;
    return NULL;
}

int vt_cmd_transform(int argc, char **argv) {
    if (argc < 2) return vt_cli_usage("transform", "missing subcommand");
    if (vt_cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        print_help();
        return 0;
    }
    vt_xcmd_fn fn = vt_xcmd_lookup(argv[1]);
    if (fn) return fn(argc - 1, argv + 1);
    return vt_cli_usage("transform", "unknown subcommand '%s'", argv[1]);
}
