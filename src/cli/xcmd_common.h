/* Shared pieces of the `veritor transform` subcommands (src/cli/xcmd_*.c): common options
 * (FILE, -o, --id-map, --entry, --help), loading a verified module, writing the result as text
 * that is re-parsed and verified before it is written atomically, and the id map. */
#ifndef VT_CLI_XCMD_COMMON_H
#define VT_CLI_XCMD_COMMON_H

#include "cli/cli.h"
#include "veritor/transform.h"

/* Every subcommand of transform_cmds.def: int fn(int argc, char **argv), argv[0] its name. */
#define X(name, fn, summary) int fn(int argc, char **argv);
#include "cli/transform_cmds.def"
#undef X

/* `veritor db derive GRAPH --transform NAME ...` (cmd_db_derive.c); returns -1 when argv has no
 * --transform (the plain `db derive SRC DST --kind K` form of cmd_db.c then runs). */
int vt_cmd_db_derive(int argc, char **argv);

/* The subcommand of transform_cmds.def called `name` ('_' and '-' alike), NULL when none
 * (cmd_transform.c). */
typedef int (*vt_xcmd_fn)(int argc, char **argv);
vt_xcmd_fn vt_xcmd_lookup(const char *name);

#define VT_XCMD_MAX_EXTRA 64

/* Parsed command line of one transform subcommand. */
typedef struct vt_xcmd_args {
    const char *file;     /* the input StableHLO file (required) */
    const char *output;   /* -o/--output: NULL or "-" prints to stdout */
    const char *id_map;   /* --id-map FILE: JSON of vt_xf_id_map */
    const char *entry;    /* --entry NAME (without '@'; a leading '@' is dropped) */
    /* The subcommand's own options, in command-line order: name ("--ops") and value (NULL for
     * flags). */
    const char *extra_name[VT_XCMD_MAX_EXTRA];
    const char *extra_value[VT_XCMD_MAX_EXTRA];
    int nextra;
} vt_xcmd_args;

/* Parses argv (argv[0] the subcommand). value_opts / flag_opts: NULL-terminated lists of the
 * subcommand's own options taking one value / none (either list may be NULL). On --help prints
 * help to stdout and returns 0; on a usage error prints it and returns 2; otherwise -1. */
int vt_xcmd_parse(int argc, char **argv, const char *help, const char *const *value_opts,
                  const char *const *flag_opts, vt_xcmd_args *a);
/* Value of the last occurrence of an extra option (NULL when absent; "" for a given flag). */
const char *vt_xcmd_extra(const vt_xcmd_args *a, const char *name);

/* Reads, parses (one module; a `// -----` file is refused) and verifies path. */
vt_status vt_xcmd_load(const char *path, vt_module **out, vt_error *err);
/* vt_xcmd_load of a->file; when the subcommand accepts the flag --fresh-origins (list it in
 * flag_opts) and it was given, also vt_xf_strip_provenance, so that the transform's origins are
 * FILE's own ids (for a graph from a prover, whose veritor.origin attributes could mislead). */
vt_status vt_xcmd_load_args(const vt_xcmd_args *a, vt_module **out, vt_error *err);
/* Prints m canonically, checks that the text parses back and verifies (a transform must never
 * hand out text that does not), and writes it to path atomically (NULL or "-": stdout). When
 * text_out is non-NULL it receives the printed text instead of nothing (caller frees). */
vt_status vt_xcmd_write_module(const vt_module *m, const char *path, char **text_out, size_t *len_out, vt_error *err);
/* Writes vt_xf_id_map(m) to path atomically. */
vt_status vt_xcmd_write_id_map(const vt_module *m, const char *path, vt_error *err);

/* The usual tail of a subcommand: writes -o and --id-map for a transformed module, frees it
 * and src, and returns the exit code (status of the transform in s with its message in err). */
int vt_xcmd_finish(const vt_xcmd_args *a, vt_module *src, vt_module *out, vt_status s, vt_error *err);

#endif
