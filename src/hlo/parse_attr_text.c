/* Parses one attribute written on its own (e.g. `[dense<1> : tensor<2xi32>, ...]` from a
 * command line) with the module parser's attribute grammar and limits. */
#include "hlo/parse.h"

vt_status vt_parse_attribute_text(const char *text, size_t len, const vt_parse_options *opt, vt_module **holder,
                                  vt_attr **out, vt_error *err) {
    vt_error local;
    if (!err) err = &local;
    vt_error_clear(err);
    *holder = NULL;
    *out = NULL;
    vt_parser p;
    vt_status s = vt_parser_begin(&p, text, len, opt, "<attribute>", err);
    if (!p.m) return s;
    vt_attr *a = NULL;
    if (s == VT_OK) {
        vt_lex_next(&p);
        s = vt_parse_attr(&p, &a);
        if (s == VT_OK && !p.failed && !vt_tok_is(&p, TK_EOF))
            s = vt_perr_at(&p, p.tok.s, VT_EINPUT, "unexpected text after the attribute");
        if (s == VT_OK && !p.failed && !a) s = vt_error_set(err, VT_EINPUT, "%s: no attribute", p.filename);
    }
    vt_module *m = NULL;
    s = vt_parser_end(&p, s, &m);
    if (s != VT_OK) return s;
    *holder = m;
    *out = a;
    return VT_OK;
}
