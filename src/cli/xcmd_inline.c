/* `veritor transform inline`: inlines every func.call into the public functions (or --entry),
 * drops the functions nobody references any more, and writes the result with provenance. */
#include "cli/xcmd_common.h"

static const char help_text[] =
    "usage: veritor transform inline FILE [--entry NAME] -o OUT.mlir [--id-map MAP.json]\n"
    "\n"
    "Inlines func.call (at any depth, inside while/reduce/... bodies too) into every public\n"
    "function, or only into --entry (other functions are then dropped unless referenced), then\n"
    "drops private functions nobody references. Recursion is refused naming the cycle\n"
    "(@a -> @b -> @a), and so is a call to an external declaration. Every op of the result\n"
    "carries veritor.origin (the stable id it came from) and, when inlined, veritor.callsite\n"
    "(the chain of call ops, outermost first). Semantics and op order are kept: the result runs\n"
    "bit for bit like the source. See docs/transforms.md.\n"
    "\n"
    "Options:\n"
    "  --entry NAME     inline into this function only\n"
    "  -o, --output F   write the result to F atomically (default: stdout)\n"
    "  --id-map F       write {new op id: {op, id, origin, callsite}} as JSON to F\n"
    "  --fresh-origins  ignore the veritor.origin/veritor.callsite FILE carries: origins become\n"
    "                   FILE's own op ids (for graphs this verifier did not transform itself)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input (recursion, external callee, parse/verify errors) or usage;\n"
    "3 a limit was hit.\n";

int vt_xcmd_inline(int argc, char **argv) {
    vt_xcmd_args a;
    static const char *const flags[] = {"--fresh-origins", NULL};
    int rc = vt_xcmd_parse(argc, argv, help_text, NULL, flags, &a);
    if (rc >= 0) return rc;
    vt_error err;
    vt_error_clear(&err);
    vt_module *src = NULL, *out = NULL;
    vt_status s = vt_xcmd_load_args(&a, &src, &err);
    if (s == VT_OK) s = vt_xf_inline(src, a.entry, &out, &err);
    return vt_xcmd_finish(&a, src, out, s, &err);
}
