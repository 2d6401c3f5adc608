/* vt_execute_grid (the entry as an SPMD program on a replica x partition grid) and
 * interpreter.print through the engine's logger: per-process values, 1 x 1 equal to vt_execute,
 * exact codes for bad grids, arguments, groups and limits, and no result left behind on failure. */
#include "harness.h"

#include <stdlib.h>

static const char spmd_text[] =
    "func.func @main(%x: tensor<3xf32>) -> (tensor<ui32>, tensor<3xf32>, tensor<ui32>) {\n"
    "  %rid = stablehlo.replica_id : tensor<ui32>\n"
    "  %pid = stablehlo.partition_id : tensor<ui32>\n"
    "  %rf = stablehlo.convert %rid : (tensor<ui32>) -> tensor<f32>\n"
    "  %rb = stablehlo.broadcast_in_dim %rf, dims = [] : (tensor<f32>) -> tensor<3xf32>\n"
    "  %y = stablehlo.add %x, %rb : tensor<3xf32>\n"
    "  %s = \"stablehlo.all_reduce\"(%y) ({\n"
    "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
    "      %c = stablehlo.add %a, %b : tensor<f32>\n"
    "      stablehlo.return %c : tensor<f32>\n"
    "  }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<3xf32>) -> tensor<3xf32>\n"
    "  interpreter.print %s : tensor<3xf32>\n"
    "  return %rid, %s, %pid : tensor<ui32>, tensor<3xf32>, tensor<ui32>\n"
    "}\n";

static const char ids_text[] =
    "func.func @main(%x: tensor<3xf32>) -> (tensor<ui32>, tensor<3xf32>) {\n"
    "  %rid = stablehlo.replica_id : tensor<ui32>\n"
    "  %y = stablehlo.multiply %x, %x : tensor<3xf32>\n"
    "  return %rid, %y : tensor<ui32>, tensor<3xf32>\n"
    "}\n";

static vt_module *parse(const char *text) {
    vt_error err;
    vt_module *m = NULL;
    vt_parse_options po = {"grid.mlir", 1, NULL};
    if (vt_parse_module(text, strlen(text), &po, &m, &err) != VT_OK || vt_module_verify(m, &err) != VT_OK) {
        vt_test_fail(__FILE__, __LINE__, "parse: %s", err.msg);
        vt_module_free(m);
        return NULL;
    }
    return m;
}

static vt_rvalue input_x(void) {
    vt_error err;
    int64_t d = 3;
    vt_tensor *t = vt_tensor_create(VT_F32, 1, &d, UINT64_MAX, &err);
    float v[3] = {1.0f, 2.5f, -4.0f};
    if (t) memcpy(t->data, v, sizeof v);
    return vt_rvalue_tensor(t);
}

typedef struct log_sink {
    char text[4096];
    int calls;
} log_sink;

static void sink(void *user, vt_log_level level, const char *msg) {
    log_sink *s = user;
    (void)level;
    s->calls++;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s\n", msg);
}

static vt_engine *engine(log_sink *ls, vt_log_level min) {
    vt_error err;
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    if (ls) eo.logger = (vt_logger){sink, ls, min};
    return vt_engine_create(&eo, &err);
}

static void release_grid(vt_rvalue **res, uint32_t n, size_t nres) {
    for (uint32_t i = 0; i < n; i++) vt_rvalues_release(res[i], nres);
}

TEST(grid_2x2_values_and_prints) {
    vt_module *m = parse(spmd_text);
    if (!m) return;
    log_sink ls = {{0}, 0};
    vt_engine *e = engine(&ls, VT_LOG_INFO);
    vt_rvalue x = input_x();
    vt_rvalue *res[4];
    size_t nres = 0;
    vt_run_stats st;
    vt_error err;
    vt_status s = vt_execute_grid(e, m, NULL, &x, 1, NULL, 2, 2, res, &nres, &st, &err);
    CHECK_MSG(s == VT_OK, "grid: %s", err.msg);
    if (s == VT_OK) {
        CHECK_EQ_INT(nres, 3);
        for (uint32_t q = 0; q < 4; q++) {
            CHECK_EQ_INT(*(uint32_t *)res[q][0].tensor->data, q / 2);
            CHECK_EQ_INT(*(uint32_t *)res[q][2].tensor->data, q % 2);
            const float *y = res[q][1].tensor->data;
            CHECK(y[0] == 3.0f && y[1] == 6.0f && y[2] == -7.0f);
        }
        CHECK(st.ops_executed > 0 && st.fuel_used > 0);
        release_grid(res, 4, nres);
    }
    /* one message per print, whole, in process order (the baton) */
    CHECK_EQ_INT(ls.calls, 4);
    CHECK(strstr(ls.text, "process (0, 0): %s = tensor<3xf32> {\n  [3.000000e+00, 6.000000e+00, -7.000000e+00]\n}\n"
                          "process (0, 1): %s = ") == ls.text);
    CHECK(strstr(ls.text, "process (1, 1): %s = tensor<3xf32> {") != NULL);
    vt_rvalue_release(&x);
    vt_engine_destroy(e);
    vt_module_free(m);
}

TEST(grid_1x1_is_execute) {
    vt_module *m = parse(ids_text);
    if (!m) return;
    vt_engine *e = engine(NULL, VT_LOG_INFO);
    vt_rvalue x = input_x();
    vt_rvalue *g[1], *plain = NULL;
    size_t ng = 0, np = 0;
    vt_error err;
    CHECK(vt_execute_grid(e, m, "main", &x, 1, NULL, 1, 1, g, &ng, NULL, &err) == VT_OK);
    CHECK(vt_execute(e, m, "main", &x, 1, NULL, &plain, &np, NULL, &err) == VT_OK);
    CHECK_EQ_INT(ng, np);
    if (ng == 2 && np == 2) {
        for (size_t k = 0; k < 2; k++)
            CHECK(g[0][k].tensor->nbytes == plain[k].tensor->nbytes &&
                  memcmp(g[0][k].tensor->data, plain[k].tensor->data, plain[k].tensor->nbytes) == 0);
        vt_rvalues_release(g[0], ng);
    }
    vt_rvalues_release(plain, np);
    vt_rvalue_release(&x);
    vt_engine_destroy(e);
    vt_module_free(m);
}

TEST(bad_grids_and_args) {
    vt_module *m = parse(spmd_text);
    if (!m) return;
    vt_engine *e = engine(NULL, VT_LOG_INFO);
    vt_rvalue x = input_x();
    vt_rvalue *res[256];
    size_t nres = 7;
    vt_error err;
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 0, 1, res, &nres, NULL, &err), &err, VT_EINPUT, "grid of 0 replicas");
    CHECK_EQ_INT(nres, 0);
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 1, 0, res, &nres, NULL, &err), &err, VT_EINPUT, "x 0 partitions");
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 65, 1, res, &nres, NULL, &err), &err, VT_EINPUT, "1 to 64");
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 16, 32, res, &nres, NULL, &err), &err, VT_EINPUT, "at most 256");
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, UINT32_MAX, UINT32_MAX, res, &nres, NULL, &err), &err, VT_EINPUT,
              "1 to 64");
    CHECK_ERR(vt_execute_grid(e, m, "nope", &x, 1, NULL, 2, 1, res, &nres, NULL, &err), &err, VT_EINPUT,
              "entry point @nope not found");
    CHECK_ERR(vt_execute_grid(e, m, NULL, NULL, 0, NULL, 2, 1, res, &nres, NULL, &err), &err, VT_EINPUT, "takes 1 arguments, 0 given");
    int64_t d = 4;
    vt_rvalue wrong = vt_rvalue_tensor(vt_tensor_create(VT_F32, 1, &d, UINT64_MAX, &err));
    CHECK_ERR(vt_execute_grid(e, m, NULL, &wrong, 1, NULL, 2, 1, res, &nres, NULL, &err), &err, VT_EINPUT,
              "argument 0 of @main: expected tensor<3xf32>, got tensor<4xf32>");
    vt_rvalue_release(&wrong);
    vt_rvalue tok = vt_rvalue_token();
    CHECK_ERR(vt_execute_grid(e, m, NULL, &tok, 1, NULL, 2, 1, res, &nres, NULL, &err), &err, VT_EINPUT, "non-tensor value");
    /* 3 replicas: the group [0, 1] leaves replica 2 in no group; every result is released */
    for (int i = 0; i < 3; i++) res[i] = (vt_rvalue *)&res; /* must be reset to NULL */
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 3, 1, res, &nres, NULL, &err), &err, VT_EINPUT,
              "process (replica 2, partition 0)");
    CHECK(strstr(err.msg, "is in no group") != NULL);
    CHECK(res[0] == NULL && res[1] == NULL && res[2] == NULL);
    CHECK_EQ_INT(nres, 0);
    /* 1 x 2: the group names replica 1, outside a grid of one replica */
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, NULL, 1, 2, res, &nres, NULL, &err), &err, VT_EINPUT, "outside [0, 1)");
    /* the limits cover the whole grid */
    vt_limits lim;
    vt_limits_default(&lim);
    lim.fuel = 40;
    CHECK_ERR(vt_execute_grid(e, m, NULL, &x, 1, &lim, 2, 2, res, &nres, NULL, &err), &err, VT_ELIMIT, "work limit (fuel)");
    CHECK(res[0] == NULL && res[3] == NULL);
    vt_rvalue_release(&x);
    vt_engine_destroy(e);
    vt_module_free(m);
}

TEST(print_formats_and_levels) {
    static const char text[] =
        "func.func @main() -> () {\n"
        "  %a = stablehlo.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xui8>\n"
        "  %b = stablehlo.constant dense<> : tensor<2x0xi8>\n"
        "  %c = stablehlo.constant dense<(1.5, -2.0)> : tensor<1xcomplex<f32>>\n"
        "  %d = stablehlo.constant dense<-7> : tensor<i4>\n"
        "  interpreter.print %a : tensor<2x2xui8>\n"
        "  interpreter.print %b : tensor<2x0xi8>\n"
        "  interpreter.print %c : tensor<1xcomplex<f32>>\n"
        "  interpreter.print %d : tensor<i4>\n"
        "  return\n"
        "}\n";
    vt_module *m = parse(text);
    if (!m) return;
    log_sink ls = {{0}, 0};
    vt_engine *e = engine(&ls, VT_LOG_INFO);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    CHECK(vt_execute(e, m, NULL, NULL, 0, NULL, &res, &nres, NULL, &err) == VT_OK);
    CHECK_STR(ls.text, "%a = tensor<2x2xui8> {\n  [\n    [1, 2],\n    [3, 4]\n  ]\n}\n"
                       "%b = tensor<2x0xi8> {\n  [\n    [],\n    []\n  ]\n}\n"
                       "%c = tensor<1xcomplex<f32>> {\n  [[1.500000e+00, -2.000000e+00]]\n}\n"
                       "%d = tensor<i4> {-7}\n");
    vt_rvalues_release(res, nres);
    vt_engine_destroy(e);
    /* a logger above INFO, or none, hears nothing and the run still succeeds */
    log_sink quiet = {{0}, 0};
    e = engine(&quiet, VT_LOG_WARN);
    CHECK(vt_execute(e, m, NULL, NULL, 0, NULL, &res, &nres, NULL, &err) == VT_OK);
    CHECK_EQ_INT(quiet.calls, 0);
    vt_rvalues_release(res, nres);
    vt_engine_destroy(e);
    e = engine(NULL, VT_LOG_INFO);
    CHECK(vt_execute(e, m, NULL, NULL, 0, NULL, &res, &nres, NULL, &err) == VT_OK);
    vt_rvalues_release(res, nres);
    /* printing is charged as work, so a hostile loop of prints meets the fuel limit */
    vt_limits lim;
    vt_limits_default(&lim);
    lim.fuel = 5;
    CHECK_ERR(vt_execute(e, m, NULL, NULL, 0, &lim, &res, &nres, NULL, &err), &err, VT_ELIMIT, "work limit (fuel)");
    vt_engine_destroy(e);
    vt_module_free(m);
}

typedef struct tail_sink {
    size_t len;
    char tail[32];
} tail_sink;

static void tail_fn(void *user, vt_log_level level, const char *msg) {
    tail_sink *t = user;
    (void)level;
    t->len = strlen(msg);
    snprintf(t->tail, sizeof t->tail, "%s", msg + (t->len > 16 ? t->len - 16 : 0));
}

/* A large value reaches the sink whole up to 2^16 elements (not cut at a message buffer), then "...". */
TEST(print_large_value_is_capped) {
    vt_module *m = parse("func.func @main() -> () {\n"
                         "  %a = stablehlo.iota dim = 0 : tensor<100000xi8>\n"
                         "  interpreter.print %a : tensor<100000xi8>\n"
                         "  return\n"
                         "}\n");
    if (!m) return;
    tail_sink ts = {0, {0}};
    vt_error err;
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    eo.logger = (vt_logger){tail_fn, &ts, VT_LOG_DEBUG};
    vt_engine *e = vt_engine_create(&eo, &err);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    CHECK(vt_execute(e, m, NULL, NULL, 0, NULL, &res, &nres, NULL, &err) == VT_OK);
    CHECK(ts.len > 100000 && ts.len < 400000);
    CHECK_STR(ts.tail, ", -2, -1, ...]\n}"); /* element 65535 = -1 as i8 */
    vt_rvalues_release(res, nres);
    vt_engine_destroy(e);
    vt_module_free(m);
}

int main(void) {
    RUN(print_large_value_is_capped);
    RUN(grid_2x2_values_and_prints);
    RUN(grid_1x1_is_execute);
    RUN(bad_grids_and_args);
    RUN(print_formats_and_levels);
    return vt_test_finish();
}
