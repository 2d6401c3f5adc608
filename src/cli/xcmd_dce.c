/* `veritor transform dce`: symbol DCE and dead-op elimination, written with provenance. */
#include "cli/xcmd_common.h"

static const char help_text[] =
    "usage: veritor transform dce FILE [--entry NAME] -o OUT.mlir [--id-map MAP.json]\n"
    "\n"
    "Removes private functions that no public function (or only --entry) reaches through call,\n"
    "custom_call or composite symbol references, and ops whose results nobody uses and that have\n"
    "no effects (custom_call, collectives, infeed/outfeed/send/recv, tokens, stablehlo.rng,\n"
    "check and print ops, unknown ops and calls of functions containing any of these are always\n"
    "kept), inside regions too. While loops keep every carried value. Every op of the result\n"
    "carries veritor.origin. See docs/transforms.md.\n"
    "\n"
    "Options:\n"
    "  --entry NAME     keep only this function and what it references\n"
    "  -o, --output F   write the result to F atomically (default: stdout)\n"
    "  --id-map F       write {new op id: {op, id, origin, callsite}} as JSON to F\n"
    "  --fresh-origins  ignore the veritor.origin/veritor.callsite FILE carries: origins become\n"
    "                   FILE's own op ids (for graphs this verifier did not transform itself)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input or usage; 3 a limit was hit.\n";

int vt_xcmd_dce(int argc, char **argv) {
    vt_xcmd_args a;
    static const char *const flags[] = {"--fresh-origins", NULL};
    int rc = vt_xcmd_parse(argc, argv, help_text, NULL, flags, &a);
    if (rc >= 0) return rc;
    vt_error err;
    vt_error_clear(&err);
    vt_module *src = NULL, *out = NULL;
    vt_status s = vt_xcmd_load_args(&a, &src, &err);
    if (s == VT_OK) s = vt_xf_dce(src, a.entry, &out, &err);
    return vt_xcmd_finish(&a, src, out, s, &err);
}
