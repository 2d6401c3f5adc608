/* veritor command-line entry point: dispatches to one function per subcommand. */
#include "cli/blas_setup.h"
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
#define X(name, fn, summary) {#name, fn, summary},
#include "cli/commands.def"
#undef X
    {NULL, NULL, NULL}};

static const char exit_codes[] =
    "Exit status (every command):\n"
    "  0  success, or a positive answer\n"
    "  1  a negative answer: a check or claim failed, corruption was found\n"
    "  2  bad input, bad usage, or an unsupported feature (the message names it)\n"
    "  3  a resource limit was hit\n";

static void print_main_help(FILE *f) {
    fprintf(f, "veritor %s: verifiable claims about ML computations\n\n", vt_version());
    fprintf(f, "usage: veritor COMMAND [options]\n       veritor help COMMAND\n       veritor --version\n\nCommands:\n");
    for (const command *c = commands; c->name; c++) fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nOutput files are chosen with -o/--output in every command.\n\n%s", exit_codes);
}

int vt_cli_fail(const vt_error *err) {
    fprintf(stderr, "veritor: %s\n", err->msg[0] ? err->msg : vt_status_name(err->code));
    return vt_status_exit_code(err->code);
}

int vt_cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "veritor %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'veritor help %s')\n", cmd);
    return 2;
}

bool vt_cli_parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *out = v;
    return true;
}

bool vt_cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

bool vt_cli_print_help(const char *cmd) {
    /* Convention: every command prints its help to stdout and returns 0 on --help. */
    for (const command *c = commands; c->name; c++) {
        if (strcmp(c->name, cmd) == 0) {
            char *argv[] = {(char *)c->name, "--help", NULL};
            c->fn(2, argv);
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv) {
    /* Before anything else: OpenBLAS reads its core type when the library loads. */
    vt_cli_blas_setup(argc, argv);
    if (argc < 2) {
        print_main_help(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (vt_cli_is_help(cmd)) {
        print_main_help(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("veritor %s (commit %s)\n", vt_version(), vt_git_commit());
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            print_main_help(stdout);
            return 0;
        }
        if (!vt_cli_print_help(argv[2])) {
            fprintf(stderr, "veritor: unknown command '%s'\n", argv[2]);
            return 2;
        }
        return 0;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, cmd) == 0) return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "veritor: unknown command '%s' (see 'veritor --help')\n", cmd);
    return 2;
}
