/* Parses one attribute written on its own (e.g. `[dense<1> : tensor<2xi32>, ...]` from a
 * command line) with the module parser's attribute grammar and limits. */
#include "hlo/parse.h"

#include <stdlib.h>
#include <string.h>

vt_status vt_parse_attribute_text(const char *text, size_t len, const vt_parse_options *opt, vt_module **holder,
                                  vt_attr **out, vt_error *err) {
    vt_error local;
    if (!err) err = &local;
    vt_error_clear(err);
    *holder = NULL;
    *out = NULL;
    vt_parser p;
    memset(&p, 0, sizeof p);
    if (opt && opt->limits) p.lim = *opt->limits;
    else vt_parse_limits_default(&p.lim);
    p.filename = opt && opt->filename ? opt->filename : "<attribute>";
    p.first_line = opt && opt->first_line ? opt->first_line : 1;
    if (len > p.lim.max_input_bytes)
        return vt_error_set(err, VT_ELIMIT, "%s: input of %zu bytes exceeds the limit of %llu bytes", p.filename, len,
                            (unsigned long long)p.lim.max_input_bytes);
    p.m = vt_module_create(p.filename, err);
    if (!p.m) return err->code;
    p.filename = p.m->filename;
    p.err = err;
    p.src = text ? text : "";
    p.end = p.src + len;
    p.pos = p.src;
    vt_attr *a = NULL;
    vt_status s = vt_lex_check_text(&p);
    if (s == VT_OK) {
        vt_lex_next(&p);
        s = vt_parse_attr(&p, &a);
        if (s == VT_OK && !p.failed && !vt_tok_is(&p, TK_EOF))
            s = vt_perr_at(&p, p.tok.s, VT_EINPUT, "unexpected text after the attribute");
    }
    free(p.buckets);
    free(p.attr_aliases);
    free(p.type_aliases);
    free(p.loc_refs);
    free(p.calls);
    if (s != VT_OK || p.failed || !a) {
        if (err->code == VT_OK) vt_error_set(err, VT_EINPUT, "%s: no attribute", p.filename);
        s = err->code;
        vt_module_free(p.m);
        return s;
    }
    *holder = p.m;
    *out = a;
    return VT_OK;
}
