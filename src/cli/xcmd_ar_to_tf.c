/* `veritor transform ar-to-tf`: an autoregressive decode loop rewritten as one teacher-forcing
 * pass over the whole token sequence (docs/transform-ar-to-tf.md). */
#include "cli/xcmd_common.h"

#include <stdio.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor transform ar-to-tf FILE [--entry NAME] [--name F] [--max-steps N] -o OUT.mlir\n"
    "                                  [--max-analysis-bytes N] [--id-map MAP.json] [--explain]\n"
    "\n"
    "Finds the decode loop (the first autoregressive stablehlo.while the entry reaches, calls\n"
    "followed) and emits one public function that computes every step at once from the given\n"
    "tokens. Its arguments are the entry's arguments it still reads, then per token buffer the\n"
    "buffer's final contents (prompt + generated tokens), or for a token carried by value its\n"
    "values at steps 0..S ([S+1, ...]); its results are the final value of every other buffer\n"
    "the loop writes once per step (stacked logits, fingerprints, KV caches), then per token\n"
    "carry the log-probability of each given token under the logits it was chosen from.\n"
    "Loops that match no supported pattern are refused naming the op (exit 2).\n"
    "\n"
    "Options:\n"
    "  --entry NAME     the function holding the loop (default: main / the only public one)\n"
    "  --name F         name of the new public function (default: main)\n"
    "  --max-steps N    refuse loops with more iterations (default 65536; exit 3)\n"
    "  --max-analysis-bytes N\n"
    "                   memory the loop analysis may use (default 256 MiB; exit 3)\n"
    "  --explain        print the signature mapping (steps, arguments, results) to stderr\n"
    "  -o, --output F   write the result to F atomically (default: stdout)\n"
    "  --id-map F       write {new op id: {op, id, origin, callsite}} as JSON to F\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad input, usage or an unsupported loop; 3 a limit was hit.\n";

int vt_xcmd_ar_to_tf(int argc, char **argv) {
    static const char *const vopts[] = {"--name", "--max-steps", "--max-analysis-bytes", NULL};
    static const char *const fopts[] = {"--explain", NULL};
    vt_xcmd_args a;
    int rc = vt_xcmd_parse(argc, argv, help_text, vopts, fopts, &a);
    if (rc >= 0) return rc;
    vt_ar_to_tf_options o = {.entry = a.entry, .name = vt_xcmd_extra(&a, "--name")};
    const char *ms = vt_xcmd_extra(&a, "--max-steps");
    if (ms && (!vt_cli_parse_u64(ms, &o.max_steps) || o.max_steps == 0))
        return vt_cli_usage("transform ar-to-tf", "--max-steps wants a positive integer, not '%s'", ms);
    const char *mb = vt_xcmd_extra(&a, "--max-analysis-bytes");
    if (mb && (!vt_cli_parse_u64(mb, &o.max_analysis_bytes) || o.max_analysis_bytes == 0))
        return vt_cli_usage("transform ar-to-tf", "--max-analysis-bytes wants a positive integer, not '%s'", mb);
    vt_error err;
    vt_error_clear(&err);
    vt_module *src = NULL, *out = NULL;
    static vt_ar_to_tf_info info;
    vt_status s = vt_xcmd_load(a.file, &src, &err);
    if (s == VT_OK) s = vt_xf_ar_to_tf(src, &o, &out, &info, &err);
    if (s == VT_OK && vt_xcmd_extra(&a, "--explain")) {
        fprintf(stderr, "loop %s: %lld steps\n", info.loop_id, (long long)info.steps);
        for (size_t i = 0; i < info.nargs; i++) {
            if (info.arg_src[i] >= 0) fprintf(stderr, "arg %zu: entry argument %lld\n", i, (long long)info.arg_src[i]);
            else fprintf(stderr, "arg %zu: the given tokens of carry %lld\n", i, (long long)(-1 - info.arg_src[i]));
        }
        for (size_t i = 0; i < info.nresults; i++) {
            if (info.result_src[i] >= 0) fprintf(stderr, "result %zu: final buffer of carry %lld\n", i, (long long)info.result_src[i]);
            else fprintf(stderr, "result %zu: log-probabilities of the tokens of carry %lld\n", i, (long long)(-1 - info.result_src[i]));
        }
    }
    return vt_xcmd_finish(&a, src, out, s, &err);
}
