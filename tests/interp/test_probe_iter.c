/* interpreter.probe inside a while loop and check.expect_serialized_eq with iter = N: the N-th
 * value (0-based, in execution order) recorded under the probe id; absent iter means 0; an
 * iteration never recorded, a probe never run and a negative iter are refused. */
#include "harness.h"

static const char *loop_text =
    "func.func @main() {\n"
    "  %i0 = stablehlo.constant dense<0> : tensor<i64>\n"
    "  %one = stablehlo.constant dense<1> : tensor<i64>\n"
    "  %two = stablehlo.constant dense<2> : tensor<i64>\n"
    "  %three = stablehlo.constant dense<3> : tensor<i64>\n"
    "  %r0, %r1 = stablehlo.while(%a = %i0, %s = %i0) : tensor<i64>, tensor<i64>\n"
    "  cond {\n"
    "    %c = stablehlo.compare LT, %a, %three : (tensor<i64>, tensor<i64>) -> tensor<i1>\n"
    "    stablehlo.return %c : tensor<i1>\n"
    "  } do {\n"
    "    %ns = stablehlo.add %s, %one : tensor<i64>\n"
    "    %p = interpreter.probe %ns, probe_id = \"loop\" : tensor<i64>\n"
    "    %na = stablehlo.add %a, %one : tensor<i64>\n"
    "    stablehlo.return %na, %p : tensor<i64>, tensor<i64>\n"
    "  }\n"
    "  %CHECK\n"
    "  func.return\n"
    "}\n";

/* Runs the loop program with `check` in place of %CHECK; returns the status and check counts. */
static vt_status run_check(const char *check, vt_check_stats *st, vt_error *err) {
    char text[2048];
    const char *mark = strstr(loop_text, "%CHECK");
    snprintf(text, sizeof text, "%.*s%s%s", (int)(mark - loop_text), loop_text, check, mark + 6);
    vt_module *m = NULL;
    vt_parse_options po = {"probe.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &po, &m, err);
    if (s == VT_OK) s = vt_module_verify(m, err);
    memset(st, 0, sizeof *st);
    if (s == VT_OK) {
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = 1;
        vt_engine *e = vt_engine_create(&eo, err);
        if (!e) s = err->code;
        else {
            s = vt_engine_register_checks(e, st, err);
            vt_limits lim;
            vt_limits_default(&lim);
            vt_rvalue *res = NULL;
            size_t nres = 0;
            if (s == VT_OK) s = vt_execute(e, m, NULL, NULL, 0, &lim, &res, &nres, NULL, err);
            if (s == VT_OK) vt_rvalues_release(res, nres);
            vt_engine_destroy(e);
        }
    }
    vt_module_free(m);
    return s;
}

TEST(iterations) {
    vt_check_stats st;
    vt_error err;
    const char *ok[] = {
        "check.expect_serialized_eq %one, probe_id = \"loop\", iter = 0 : tensor<i64>",
        "check.expect_serialized_eq %two, probe_id = \"loop\", iter = 1 : tensor<i64>",
        "check.expect_serialized_eq %three, probe_id = \"loop\", iter = 2 : tensor<i64>",
        "check.expect_serialized_eq %one, probe_id = \"loop\" : tensor<i64>", /* absent iter: 0 */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        vt_status s = run_check(ok[i], &st, &err);
        CHECK_MSG(s == VT_OK, "check %zu: %s", i, err.msg);
        CHECK_EQ_INT(st.passed, 1);
        CHECK_EQ_INT(st.failed, 0);
    }
}

TEST(refusals) {
    vt_check_stats st;
    vt_error err;
    CHECK_ERR(run_check("check.expect_serialized_eq %two, probe_id = \"loop\", iter = 0 : tensor<i64>", &st, &err), &err,
              VT_ECHECK, "value differs from probe 'loop' iteration 0");
    CHECK_ERR(run_check("check.expect_serialized_eq %two, probe_id = \"loop\", iter = 3 : tensor<i64>", &st, &err), &err,
              VT_ECHECK, "probe 'loop' recorded 3 values, no iteration 3");
    CHECK_ERR(run_check("check.expect_serialized_eq %two, probe_id = \"nope\", iter = 0 : tensor<i64>", &st, &err), &err,
              VT_ECHECK, "nothing was probed as 'nope'");
    vt_status s = run_check("check.expect_serialized_eq %two, probe_id = \"loop\", iter = -1 : tensor<i64>", &st, &err);
    CHECK_MSG(s == VT_EINPUT && strstr(err.msg, "iter"), "negative iter: %s (%s)", vt_status_name(s), err.msg);
}

int main(void) {
    RUN(iterations);
    RUN(refusals);
    return vt_test_finish();
}
