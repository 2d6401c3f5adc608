/* libFuzzer target for the StableHLO text parser: any input either fails with an error or
 * parses; parsed modules must print, re-parse and print to the same text (pretty and generic),
 * and every op's path id must find that op again. */
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static void roundtrip(vt_module *m, bool generic) {
    vt_print_options po = {generic, true};
    vt_buf a, b;
    vt_buf_init(&a);
    vt_buf_init(&b);
    vt_error err;
    if (vt_module_print(m, &po, &a, &err) != VT_OK) abort();
    vt_module *m2 = NULL;
    if (vt_parse_module(a.data, a.len, NULL, &m2, &err) != VT_OK) abort(); /* printed text must parse */
    if (vt_module_print(m2, &po, &b, &err) != VT_OK) abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort(); /* fixed point */
    vt_module_free(m2);
    vt_buf_free(&a);
    vt_buf_free(&b);
}

static vt_status check_id(vt_op *op, void *user, vt_error *err) {
    vt_module *m = user;
    vt_buf b;
    vt_buf_init(&b);
    if (vt_op_path_id(op, &b, err) == VT_OK) {
        vt_op *found = NULL;
        if (vt_module_find_op(m, vt_buf_cstr(&b), &found, NULL, 0, NULL, err) != VT_OK || found != op) abort();
    }
    vt_buf_free(&b);
    return VT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    lim.max_input_bytes = 1 << 20;
    lim.max_constant_bytes = 16 << 20;
    lim.max_type_elements = (uint64_t)1 << 32;
    lim.max_ops = 100000;
    vt_parse_options o = {"fuzz.mlir", 1, &lim};
    vt_text_part *parts;
    size_t np;
    vt_error err;
    if (vt_split_parts((const char *)data, size, &parts, &np, &err) != VT_OK) return 0;
    for (size_t k = 0; k < np; k++) {
        vt_module *m = NULL;
        vt_status s = vt_parse_module(parts[k].text, parts[k].len, &o, &m, &err);
        if (s != VT_OK) {
            if (m || !err.msg[0]) abort(); /* errors always come with a message */
            continue;
        }
        roundtrip(m, false);
        roundtrip(m, true);
        vt_module_walk(m, check_id, m, &err);
        vt_module_free(m);
    }
    free(parts);
    return 0;
}
