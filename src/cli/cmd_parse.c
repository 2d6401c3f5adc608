/* `veritor parse`: parses every `// -----` part of StableHLO text files and prints their
 * functions and op counts; the first error is reported with its file:line:col. */
#include "cli/cli.h"
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor parse [options] FILE...\n"
    "\n"
    "Parses StableHLO text (every part of a file split by lines `// -----`), type-checks it\n"
    "against the spec's constraints (vt_module_verify), and prints, per part, the module's\n"
    "functions with their signatures and op counts.\n"
    "\n"
    "Options (parser limits; defaults in docs/stablehlo-text.md):\n"
    "  --max-input-bytes N     largest input file (default 1 GiB)\n"
    "  --max-depth N           nesting of regions, attributes and types (default 128)\n"
    "  --max-ops N             ops per module (default 10^7)\n"
    "  --max-constant-bytes N  decoded constant bytes per module (default 4 GiB)\n"
    "  --max-elements N        elements of any declared tensor type (default 2^40)\n"
    "  --no-verify             parse only, skip the type checker\n"
    "  -q, --quiet             print nothing on success\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 every part parsed and verified; 2 a syntax or type error (the first one is\n"
    "printed);\n"
    "3 a limit was hit.\n";

/* Shared by parse/fmt/ops: limit options. Returns 1 when argv[*i] was one (consumed), 0 when
 * not, -1 on a bad value. */
static int limit_option(int argc, char **argv, int *i, vt_parse_limits *l) {
    static const char *names[] = {"--max-input-bytes", "--max-depth", "--max-ops", "--max-constant-bytes", "--max-elements"};
    for (int k = 0; k < 5; k++) {
        if (strcmp(argv[*i], names[k]) != 0) continue;
        uint64_t v;
        if (*i + 1 >= argc || !vt_cli_parse_u64(argv[*i + 1], &v) || v == 0) return -1;
        (*i)++;
        switch (k) {
        case 0: l->max_input_bytes = v; break;
        case 1: l->max_depth = v > 1000000 ? 1000000 : (uint32_t)v; break;
        case 2: l->max_ops = v; break;
        case 3: l->max_constant_bytes = v; break;
        case 4: l->max_type_elements = v; break;
        }
        return 1;
    }
    return 0;
}

static size_t count_ops(const vt_region *r) {
    size_t n = 0;
    for (size_t b = 0; r && b < r->nblocks; b++)
        for (size_t i = 0; i < r->blocks[b]->nops; i++) {
            const vt_op *op = r->blocks[b]->ops[i];
            n++;
            for (size_t k = 0; k < op->nregions; k++) n += count_ops(op->regions[k]);
        }
    return n;
}

static void print_module(const char *file, size_t part, size_t nparts, const vt_module *m) {
    printf("%s", file);
    if (nparts > 1) printf(" part %zu", part + 1);
    printf(": module%s%s, %zu function%s, %zu op%s\n", m->name ? " @" : "", m->name ? m->name : "", m->nfuncs,
           m->nfuncs == 1 ? "" : "s", m->num_ops, m->num_ops == 1 ? "" : "s");
    for (size_t i = 0; i < m->nfuncs; i++) {
        const vt_func *f = m->funcs[i];
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
        size_t nops = count_ops(f->body);
        printf("  %s%s@%s: %s, %zu op%s\n", f->visibility ? f->visibility : "", f->visibility ? " " : "", f->name, vt_buf_cstr(&b), nops,
               nops == 1 ? "" : "s");
        vt_buf_free(&b);
    }
}

int vt_cmd_parse(int argc, char **argv) {
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    bool quiet = false, verify = true;
    int nfiles = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    if (!files) return 3;
    for (int i = 1; i < argc; i++) {
        if (vt_cli_is_help(argv[i])) {
            fputs(help_text, stdout);
            free(files);
            return 0;
        }
        int r = limit_option(argc, argv, &i, &lim);
        if (r < 0) {
            free(files);
            return vt_cli_usage("parse", "%s needs a positive integer", argv[i]);
        }
        if (r) continue;
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) quiet = true;
        else if (strcmp(argv[i], "--no-verify") == 0) verify = false;
        else if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return vt_cli_usage("parse", "unknown option '%s'", argv[i]);
        } else files[nfiles++] = argv[i];
    }
    if (!nfiles) {
        free(files);
        return vt_cli_usage("parse", "no input file");
    }
    int rc = 0;
    for (int fi = 0; fi < nfiles && rc == 0; fi++) {
        vt_error err;
        char *data;
        size_t len;
        if (vt_read_file(files[fi], (size_t)lim.max_input_bytes, &data, &len, &err) != VT_OK) {
            rc = vt_cli_fail(&err);
            break;
        }
        vt_text_part *parts;
        size_t np;
        if (vt_split_parts(data, len, &parts, &np, &err) != VT_OK) {
            free(data);
            rc = vt_cli_fail(&err);
            break;
        }
        for (size_t k = 0; k < np; k++) {
            vt_parse_options o = {files[fi], parts[k].line, &lim};
            vt_module *m;
            if (vt_parse_module(parts[k].text, parts[k].len, &o, &m, &err) != VT_OK) {
                rc = vt_cli_fail(&err);
                break;
            }
            if (verify && vt_module_verify(m, &err) != VT_OK) {
                vt_module_free(m);
                rc = vt_cli_fail(&err);
                break;
            }
            if (!quiet) print_module(files[fi], k, np, m);
            vt_module_free(m);
        }
        free(parts);
        free(data);
    }
    free(files);
    return rc;
}
