/* Shared declarations for the CLI: one file per subcommand, dispatched from main.c. */
#ifndef VT_CLI_H
#define VT_CLI_H

#include "veritor/veritor.h"

#include <stdio.h>

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "cli/commands.def"
#undef X

/* Prints "veritor: <msg>" to stderr and returns the exit code for the error's status. */
int vt_cli_fail(const vt_error *err);
/* Prints a usage error for cmd and returns 2. */
int vt_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prints the help text of a subcommand to stdout. Returns false if unknown. */
bool vt_cli_print_help(const char *cmd);
/* Parses a non-negative integer option value; returns false on junk. */
bool vt_cli_parse_u64(const char *s, uint64_t *out);
/* True when argv[i] is "-h" or "--help". */
bool vt_cli_is_help(const char *arg);

#endif
