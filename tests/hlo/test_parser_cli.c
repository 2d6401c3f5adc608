/* The CLI commands of the parser: `veritor parse`, `fmt` and `ops` (help, exit codes,
 * output files, JSON, errors with file:line:col). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[1 << 16];

static int run(const char *fmt, const char *a, const char *b) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, fmt, vt_test_cli(), a ? a : "", b ? b : "");
    return vt_test_run(cmd, out, sizeof out);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

TEST(help) {
    CHECK_EQ_INT(run("%s parse --help", NULL, NULL), 0);
    CHECK(strstr(out, "usage: veritor parse"));
    CHECK_EQ_INT(run("%s fmt --help", NULL, NULL), 0);
    CHECK(strstr(out, "usage: veritor fmt"));
    CHECK_EQ_INT(run("%s ops -h", NULL, NULL), 0);
    CHECK(strstr(out, "usage: veritor ops"));
    CHECK_EQ_INT(run("%s parse", NULL, NULL), 2);
    CHECK_EQ_INT(run("%s fmt --bogus x", NULL, NULL), 2);
    CHECK(strstr(out, "unknown option '--bogus'"));
}

TEST(parse_fmt_ops) {
    char good[512], bad[512], lim[512], fmtd[512], js[512];
    snprintf(good, sizeof good, "%s/good.mlir", vt_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.mlir", vt_test_tmpdir());
    snprintf(lim, sizeof lim, "%s/big.mlir", vt_test_tmpdir());
    snprintf(fmtd, sizeof fmtd, "%s/out.mlir", vt_test_tmpdir());
    snprintf(js, sizeof js, "%s/ops.json", vt_test_tmpdir());
    write_file(good, "func.func @a(%x: tensor<2xf32>) -> tensor<2xf32> {\n  %0 = \"stablehlo.add\"(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n"
                     "  return %0 : tensor<2xf32>\n}\n// -----\nfunc.func public @b() {\n  return\n}\n");
    write_file(bad, "func.func @a() {\n  return\n}\n// -----\nfunc.func @b() {\n  %0 = stablehlo.add %x, %x : tensor<f32>\n}\n");
    write_file(lim, "func.func @a(%x: tensor<4611686018427387904xf32>) {\n  return\n}\n");
    CHECK_EQ_INT(run("%s parse %s", good, NULL), 0);
    CHECK_MSG(strstr(out, "good.mlir part 1: module, 1 function, 2 ops") && strstr(out, "@a: (tensor<2xf32>) -> (tensor<2xf32>), 2 ops"), "%s", out);
    CHECK(strstr(out, "part 2") && strstr(out, "public @b: () -> (), 1 op\n"));
    CHECK_EQ_INT(run("%s parse %s", bad, NULL), 2);
    CHECK_MSG(strstr(out, "bad.mlir:6:22: use of undefined value '%x'"), "%s", out);
    CHECK_EQ_INT(run("%s parse -q %s", lim, NULL), 3);
    CHECK(strstr(out, "more elements than the limit"));
    CHECK_EQ_INT(run("%s parse --max-ops 2 %s", good, NULL), 0);
    CHECK_EQ_INT(run("%s parse --max-ops 1 %s", good, NULL), 3);
    CHECK_EQ_INT(run("%s parse --max-ops x %s", good, NULL), 2);
    CHECK_EQ_INT(run("%s parse %s", "/nonexistent/x.mlir", NULL), 2);
    /* fmt: canonical, to a file, and a fixed point */
    CHECK_EQ_INT(run("%s fmt %s -o %s", good, fmtd), 0);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "%s fmt %s | cmp - %s", vt_test_cli(), fmtd, fmtd);
    CHECK_EQ_INT(vt_test_run(cmd, out, sizeof out), 0);
    CHECK_EQ_INT(run("%s fmt %s", good, NULL), 0);
    CHECK_MSG(strstr(out, "%0 = stablehlo.add %x, %x : tensor<2xf32>") && strstr(out, "\n// -----\n"), "%s", out);
    CHECK_EQ_INT(run("%s fmt --generic %s", good, NULL), 0);
    CHECK(strstr(out, "\"func.return\"(%0) : (tensor<2xf32>) -> ()"));
    CHECK_EQ_INT(run("%s fmt %s", bad, NULL), 2);
    /* ops */
    CHECK_EQ_INT(run("%s ops %s", good, NULL), 0);
    CHECK_MSG(strstr(out, "@a/0") && strstr(out, "stablehlo.add") && strstr(out, "entry @b () -> ()"), "%s", out);
    CHECK_EQ_INT(run("%s ops --json %s -o %s", good, js), 0);
    char *data;
    size_t len;
    vt_error err;
    CHECK(vt_read_file(js, 1 << 20, &data, &len, &err) == VT_OK);
    if (data) {
        CHECK(strstr(data, "\"id\": \"@a/0\"") && strstr(data, "\"stablehlo.add\": 1") && strstr(data, "\"entry_points\""));
        free(data);
    }
}

int main(void) {
    RUN(help);
    RUN(parse_fmt_ops);
    return vt_test_finish();
}
