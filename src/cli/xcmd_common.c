/* Shared pieces of the `veritor transform` subcommands: option parsing, loading a verified
 * module, and writing results (text re-parsed and verified first, atomic writes, id maps). */
#include "cli/xcmd_common.h"

#include <stdlib.h>
#include <string.h>

static bool in_list(const char *const *l, const char *s) {
    for (; l && *l; l++)
        if (strcmp(*l, s) == 0) return true;
    return false;
}

int vt_xcmd_parse(int argc, char **argv, const char *help, const char *const *value_opts,
                  const char *const *flag_opts, vt_xcmd_args *a) {
    memset(a, 0, sizeof *a);
    const char *cmd = argc > 0 ? argv[0] : "transform";
    for (int i = 1; i < argc; i++)
        if (vt_cli_is_help(argv[i])) {
            fputs(help, stdout);
            return 0;
        }
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool common_value = !strcmp(o, "-o") || !strcmp(o, "--output") || !strcmp(o, "--id-map") || !strcmp(o, "--entry");
        if (common_value || in_list(value_opts, o)) {
            if (!v) return vt_cli_usage("transform", "%s: %s needs a value", cmd, o);
            i++;
            if (!strcmp(o, "-o") || !strcmp(o, "--output")) a->output = v;
            else if (!strcmp(o, "--id-map")) a->id_map = v;
            else if (!strcmp(o, "--entry")) {
                if (v[0] == '@') v++;
                if (!*v) return vt_cli_usage("transform", "%s: --entry needs a function name", cmd);
                a->entry = v;
            } else {
                if (a->nextra == VT_XCMD_MAX_EXTRA) return vt_cli_usage("transform", "%s: too many options", cmd);
                a->extra_name[a->nextra] = o;
                a->extra_value[a->nextra++] = v;
            }
        } else if (in_list(flag_opts, o)) {
            if (a->nextra == VT_XCMD_MAX_EXTRA) return vt_cli_usage("transform", "%s: too many options", cmd);
            a->extra_name[a->nextra] = o;
            a->extra_value[a->nextra++] = NULL;
        } else if (o[0] == '-' && o[1]) {
            return vt_cli_usage("transform", "%s: unknown option '%s'", cmd, o);
        } else if (a->file) {
            return vt_cli_usage("transform", "%s: one input FILE only ('%s' is a second)", cmd, o);
        } else {
            a->file = o;
        }
    }
    if (!a->file) return vt_cli_usage("transform", "%s: no input FILE", cmd);
    return -1;
}

const char *vt_xcmd_extra(const vt_xcmd_args *a, const char *name) {
    for (int i = a->nextra; i-- > 0;)
        if (strcmp(a->extra_name[i], name) == 0) return a->extra_value[i] ? a->extra_value[i] : "";
    return NULL;
}

vt_status vt_xcmd_load(const char *path, vt_module **out, vt_error *err) {
    *out = NULL;
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    char *data = NULL;
    size_t len = 0;
    vt_status s = vt_read_file(path, (size_t)lim.max_input_bytes, &data, &len, err);
    if (s != VT_OK) return s;
    vt_text_part *parts = NULL;
    size_t np = 0;
    s = vt_split_parts(data, len, &parts, &np, err);
    if (s == VT_OK && np != 1)
        s = vt_error_set(err, VT_EUNSUPPORTED, "not supported: %s has %zu parts split by '// -----'; transform one module at a time",
                         path, np);
    if (s == VT_OK) {
        vt_parse_options o = {path, parts[0].line, &lim};
        s = vt_parse_module(parts[0].text, parts[0].len, &o, out, err);
    }
    if (s == VT_OK && (s = vt_module_verify(*out, err)) != VT_OK) {
        vt_module_free(*out);
        *out = NULL;
    }
    free(parts);
    free(data);
    return s;
}

vt_status vt_xcmd_load_args(const vt_xcmd_args *a, vt_module **out, vt_error *err) {
    vt_status s = vt_xcmd_load(a->file, out, err);
    if (s != VT_OK || !vt_xcmd_extra(a, "--fresh-origins")) return s;
    vt_module *stripped = NULL;
    s = vt_xf_strip_provenance(*out, &stripped, err);
    vt_module_free(*out);
    *out = stripped;
    return s;
}

vt_status vt_xcmd_write_module(const vt_module *m, const char *path, char **text_out, size_t *len_out, vt_error *err) {
    vt_buf b;
    vt_buf_init(&b);
    vt_status s = vt_module_print(m, NULL, &b, err);
    if (s == VT_OK) {
        /* the printed text is what others will read: it must parse back and verify */
        vt_module *back = NULL;
        vt_parse_options o = {"<transformed>", 1, NULL};
        s = vt_parse_module(b.data ? b.data : "", b.len, &o, &back, err);
        if (s == VT_OK) s = vt_module_verify(back, err);
        vt_module_free(back);
        if (s != VT_OK) {
            vt_error_prefix(err, "the transformed module does not read back (a bug)");
            s = VT_EINTERNAL;
            if (err) err->code = s;
        }
    }
    if (s == VT_OK) {
        if (text_out) {
            *text_out = b.data ? b.data : strdup("");
            *len_out = b.len;
            if (!*text_out) s = vt_error_set(err, VT_ENOMEM, "out of memory");
            b.data = NULL;
        } else if (path && strcmp(path, "-") != 0) {
            s = vt_write_file_atomic(path, b.data ? b.data : "", b.len, err);
        } else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
            s = vt_error_set(err, VT_EIO, "writing to stdout failed");
        }
    }
    vt_buf_free(&b);
    return s;
}

vt_status vt_xcmd_write_id_map(const vt_module *m, const char *path, vt_error *err) {
    vt_buf b;
    vt_buf_init(&b);
    vt_status s = vt_xf_id_map(m, &b, err);
    if (s == VT_OK) s = vt_write_file_atomic(path, b.data ? b.data : "", b.len, err);
    vt_buf_free(&b);
    return s;
}

int vt_xcmd_finish(const vt_xcmd_args *a, vt_module *src, vt_module *out, vt_status s, vt_error *err) {
    if (s == VT_OK) s = vt_xcmd_write_module(out, a->output, NULL, NULL, err);
    if (s == VT_OK && a->id_map) s = vt_xcmd_write_id_map(out, a->id_map, err);
    vt_module_free(out);
    vt_module_free(src);
    return s == VT_OK ? 0 : vt_cli_fail(err);
}
