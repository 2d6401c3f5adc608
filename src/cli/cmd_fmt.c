/* `veritor fmt`: prints StableHLO text in veritor's canonical form (pretty or generic, with or
 * without locations); parts of a `// -----` file stay separate parts. */
#include "cli/cli.h"
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor fmt FILE [--generic] [--locations] [-o OUT]\n"
    "\n"
    "Parses FILE and prints it in canonical form: printing, parsing and printing again gives the\n"
    "same text. Parts of a file split by `// -----` are printed as separate parts.\n"
    "\n"
    "Options:\n"
    "  --generic        every op in the generic form \"dialect.op\"(...) : (...) -> ...\n"
    "  --locations      keep loc(...) locations\n"
    "  -o, --output F   write to F (atomically) instead of stdout\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input or usage; 3 a parser limit was hit.\n";

int vt_cmd_fmt(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    vt_print_options po = {false, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            return 0;
        }
        if (strcmp(a, "--generic") == 0) po.generic = true;
        else if (strcmp(a, "--locations") == 0) po.locations = true;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) return vt_cli_usage("fmt", "%s needs a file name", a);
            out = argv[++i];
        } else if (a[0] == '-' && a[1]) return vt_cli_usage("fmt", "unknown option '%s'", a);
        else if (in) return vt_cli_usage("fmt", "one input file only");
        else in = a;
    }
    if (!in) return vt_cli_usage("fmt", "no input file");
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
    int rc = 0;
    for (size_t k = 0; k < np && rc == 0; k++) {
        vt_parse_options o = {in, parts[k].line, &lim};
        vt_module *m;
        if (vt_parse_module(parts[k].text, parts[k].len, &o, &m, &err) != VT_OK) {
            rc = vt_cli_fail(&err);
            break;
        }
        if (k) vt_buf_puts(&b, "\n// -----\n\n");
        if (vt_module_print(m, &po, &b, &err) != VT_OK) rc = vt_cli_fail(&err);
        vt_module_free(m);
    }
    free(parts);
    free(data);
    if (rc == 0) {
        if (b.failed) {
            vt_error_set(&err, VT_ENOMEM, "out of memory printing %s", in);
            rc = vt_cli_fail(&err);
        } else if (out) {
            if (vt_write_file_atomic(out, b.data ? b.data : "", b.len, &err) != VT_OK) rc = vt_cli_fail(&err);
        } else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
            vt_error_set(&err, VT_EIO, "writing to stdout failed");
            rc = vt_cli_fail(&err);
        }
    }
    vt_buf_free(&b);
    return rc;
}
