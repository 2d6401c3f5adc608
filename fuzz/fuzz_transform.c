/* libFuzzer target for the transform layer on hostile graphs: every module that parses and
 * verifies goes through inline, dce and ar-to-tf; each either refuses with a message or yields
 * a module that verifies and prints to text that re-parses to the same text (fixed point). */
#include "veritor/hlo.h"
#include "veritor/transform.h"

#include <stdlib.h>
#include <string.h>

static void check_output(vt_module *out) {
    vt_error err;
    if (vt_module_verify(out, &err) != VT_OK) abort(); /* a transform never emits an invalid graph */
    vt_print_options po = {false, false};
    vt_buf a, b;
    vt_buf_init(&a);
    vt_buf_init(&b);
    if (vt_module_print(out, &po, &a, &err) != VT_OK) abort();
    vt_module *again = NULL;
    if (vt_parse_module(a.data, a.len, NULL, &again, &err) != VT_OK) abort();
    if (vt_module_print(again, &po, &b, &err) != VT_OK) abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort();
    vt_module_free(again);
    vt_buf_free(&a);
    vt_buf_free(&b);
}

static void run(vt_status s, vt_module *out, const vt_error *err) {
    if (s != VT_OK) {
        if (out || !err->msg[0]) abort(); /* refusals always come with a message */
        return;
    }
    check_output(out);
    vt_module_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    lim.max_input_bytes = 1 << 20;
    lim.max_constant_bytes = 16 << 20;
    lim.max_type_elements = (uint64_t)1 << 32;
    lim.max_ops = 20000;
    vt_parse_options o = {"fuzz.mlir", 1, &lim};
    vt_module *m = NULL;
    vt_error err;
    if (vt_parse_module((const char *)data, size, &o, &m, &err) != VT_OK) return 0;
    if (vt_module_verify(m, &err) == VT_OK) {
        vt_module *out = NULL;
        vt_status s = vt_xf_inline(m, NULL, &out, &err);
        run(s, out, &err);
        out = NULL;
        s = vt_xf_dce(m, NULL, &out, &err);
        run(s, out, &err);
        out = NULL;
        s = vt_xf_ar_to_tf(m, NULL, &out, NULL, &err);
        run(s, out, &err);
    }
    vt_module_free(m);
    return 0;
}
