/* Stable op ids: path ids through regions, explicit operation_id names with the path as alias,
 * dynamic instances inside while loops, lookup in both directions, and malformed ids. */
#include "harness.h"
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static const char *src =
    "func.func @main(%x: tensor<i64>) -> tensor<i64> {\n"
    "  %c = stablehlo.constant dense<1> : tensor<i64>\n"                                         /* @main/0 */
    "  %r:2 = stablehlo.while(%i = %c, %a = %x) : tensor<i64>, tensor<i64>\n"                   /* @main/1 */
    "  cond {\n"
    "    %p = stablehlo.compare LT, %i, %a : (tensor<i64>, tensor<i64>) -> tensor<i1>\n"        /* @main/1/0/0 */
    "    stablehlo.return %p : tensor<i1>\n"
    "  } do {\n"
    "    %s:2 = stablehlo.while(%j = %i, %b = %a) : tensor<i64>, tensor<i64>\n"                 /* @main/1/1/0 */
    "    cond {\n"
    "      %q = stablehlo.compare LT, %j, %b : (tensor<i64>, tensor<i64>) -> tensor<i1>\n"
    "      stablehlo.return %q : tensor<i1>\n"
    "    } do {\n"
    "      %t = stablehlo.add %j, %b {mhlo.frontend_attributes = {operation_id = \"layer7/attn\"}} : tensor<i64>\n" /* @main/1/1/0/1/0 */
    "      stablehlo.return %t, %b : tensor<i64>, tensor<i64>\n"
    "    }\n"
    "    stablehlo.return %s#0, %s#1 : tensor<i64>, tensor<i64>\n"
    "  }\n"
    "  return %r#1 : tensor<i64>\n"
    "}\n"
    "func.func private @g() {\n  return\n}\n";

static vt_module *load(void) {
    vt_module *m = NULL;
    vt_error err;
    vt_parse_options o = {"ids.mlir", 1, NULL};
    CHECK_MSG(vt_parse_module(src, strlen(src), &o, &m, &err) == VT_OK, "%s", err.msg);
    return m;
}

static void check_id(vt_module *m, const char *id, const char *want_path, const char *want_primary) {
    vt_op *op;
    vt_error err;
    uint64_t it[4];
    size_t n;
    vt_status s = vt_module_find_op(m, id, &op, it, 4, &n, &err);
    CHECK_MSG(s == VT_OK, "find %s: %s", id, err.msg);
    if (s != VT_OK) return;
    vt_buf b;
    vt_buf_init(&b);
    CHECK(vt_op_path_id(op, &b, &err) == VT_OK);
    CHECK_STR(vt_buf_cstr(&b), want_path);
    b.len = 0;
    CHECK(vt_op_id(op, &b, &err) == VT_OK);
    CHECK_STR(vt_buf_cstr(&b), want_primary);
    vt_buf_free(&b);
}

TEST(paths_and_names) {
    vt_module *m = load();
    if (!m) return;
    check_id(m, "@main/0", "@main/0", "@main/0");
    check_id(m, "@main/1", "@main/1", "@main/1");
    check_id(m, "@main/1/0/0", "@main/1/0/0", "@main/1/0/0");
    check_id(m, "@main/1/1/0", "@main/1/1/0", "@main/1/1/0");
    check_id(m, "@main/1/1/0/1/0", "@main/1/1/0/1/0", "layer7/attn");
    check_id(m, "layer7/attn", "@main/1/1/0/1/0", "layer7/attn");
    check_id(m, "@main/2", "@main/2", "@main/2");
    check_id(m, "@g/0", "@g/0", "@g/0");
    /* every op's path id finds the op again */
    vt_func *f = m->funcs[0];
    vt_op *w = f->body->blocks[0]->ops[1];
    vt_op *inner = w->regions[1]->blocks[0]->ops[0]->regions[1]->blocks[0]->ops[0];
    CHECK_EQ_INT(inner->code, VT_OP_ADD);
    vt_op *found;
    vt_error err;
    CHECK(vt_module_find_op(m, "@main/1/1/0/1/0", &found, NULL, 0, NULL, &err) == VT_OK && found == inner);
    vt_module_free(m);
}

TEST(instances) {
    vt_module *m = load();
    if (!m) return;
    vt_op *w = m->funcs[0]->body->blocks[0]->ops[1];
    vt_op *inner = w->regions[1]->blocks[0]->ops[0]->regions[1]->blocks[0]->ops[0];
    vt_buf b;
    vt_buf_init(&b);
    vt_error err;
    uint64_t it[2] = {573, 9};
    CHECK(vt_op_instance_id(inner, it, 2, &b, &err) == VT_OK);
    CHECK_STR(vt_buf_cstr(&b), "layer7/attn#573.9");
    b.len = 0;
    CHECK(vt_op_instance_id(w->regions[0]->blocks[0]->ops[0], it, 1, &b, &err) == VT_OK);
    CHECK_STR(vt_buf_cstr(&b), "@main/1/0/0#573");
    CHECK_ERR(vt_op_instance_id(inner, it, 1, &b, &err), &err, VT_EINPUT, "inside 2 while loops, 1 iteration count given");
    vt_buf_free(&b);
    vt_op *op;
    uint64_t got[4];
    size_t n;
    CHECK(vt_module_find_op(m, "@main/1/1/0/1/0#573.9", &op, got, 4, &n, &err) == VT_OK);
    CHECK(op == inner && n == 2 && got[0] == 573 && got[1] == 9);
    CHECK(vt_module_find_op(m, "layer7/attn#1.2", &op, got, 4, &n, &err) == VT_OK && op == inner);
    CHECK_ERR(vt_module_find_op(m, "@main/1/1/0/1/0#573", &op, got, 4, &n, &err), &err, VT_EINPUT, "inside 2 while loop(s), 1 count(s) given");
    CHECK_ERR(vt_module_find_op(m, "@main/0#x", &op, got, 4, &n, &err), &err, VT_EINPUT, "bad iteration count");
    CHECK_ERR(vt_module_find_op(m, "@main/0#", &op, got, 4, &n, &err), &err, VT_EINPUT, "bad iteration count");
    vt_module_free(m);
}

TEST(missing_and_malformed) {
    vt_module *m = load();
    if (!m) return;
    vt_op *op;
    vt_error err;
    CHECK_ERR(vt_module_find_op(m, "@main/99", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id '@main/99'");
    CHECK_ERR(vt_module_find_op(m, "@nope/0", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id");
    CHECK_ERR(vt_module_find_op(m, "@main/1/5/0", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id");
    CHECK_ERR(vt_module_find_op(m, "@main/1/", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id");
    CHECK_ERR(vt_module_find_op(m, "@main/-1", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id");
    CHECK_ERR(vt_module_find_op(m, "@main/99999999999999999999999", &op, NULL, 0, NULL, &err), &err, VT_ECHECK, "no op with id");
    CHECK_ERR(vt_module_find_op(m, "", &op, NULL, 0, NULL, &err), &err, VT_EINPUT, "empty op id");
    CHECK(op == NULL);
    vt_module_free(m);
}

TEST(ids_survive_printing) {
    /* ids are derived from structure, so printing and re-parsing keeps them */
    vt_module *m = load();
    if (!m) return;
    vt_buf b;
    vt_buf_init(&b);
    vt_error err;
    CHECK(vt_module_print(m, NULL, &b, &err) == VT_OK);
    vt_module *m2 = NULL;
    CHECK(vt_parse_module(b.data, b.len, NULL, &m2, &err) == VT_OK);
    vt_op *a, *c;
    if (m2) {
        CHECK(vt_module_find_op(m2, "layer7/attn", &a, NULL, 0, NULL, &err) == VT_OK);
        CHECK(vt_module_find_op(m2, "@main/1/1/0/1/0", &c, NULL, 0, NULL, &err) == VT_OK && a == c);
    }
    vt_module_free(m2);
    vt_buf_free(&b);
    vt_module_free(m);
}

int main(void) {
    RUN(paths_and_names);
    RUN(instances);
    RUN(missing_and_malformed);
    RUN(ids_survive_printing);
    return vt_test_finish();
}
