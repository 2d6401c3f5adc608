/* Tests of the transform layer's cloner: deep copies of every type and attribute kind, regions,
 * module shells, provenance stamps, print -> parse -> print fixed points, and misuse. */
#include "harness.h"
#include "veritor/transform.h"

#include <stdlib.h>

static vt_module *parse(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    return m;
}

static char *print(const vt_module *m, bool locs, bool generic) {
    vt_buf b;
    vt_buf_init(&b);
    vt_print_options o = {generic, locs};
    vt_error err;
    CHECK(vt_module_print(m, &o, &b, &err) == VT_OK);
    char *s = strdup(vt_buf_cstr(&b));
    vt_buf_free(&b);
    return s;
}

static vt_module *clone_all(const vt_module *src) {
    vt_error err;
    vt_builder *b = vt_builder_new(src->name, &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    vt_module *out = NULL;
    vt_status s = vt_xf_clone_module(b, src, map, &err);
    CHECK_MSG(s == VT_OK, "clone: %s", err.msg);
    if (s == VT_OK) {
        s = vt_builder_finish(b, &out, &err);
        CHECK_MSG(s == VT_OK, "finish: %s", err.msg);
    }
    vt_xf_map_free(map);
    vt_builder_free(b);
    return out;
}

/* print -> parse -> print is a fixed point, and the re-parsed module verifies */
static void check_fixed_point(const vt_module *m, bool locs, bool generic) {
    char *t1 = print(m, locs, generic);
    vt_module *p = parse(t1);
    if (p) {
        vt_error err;
        CHECK_MSG(vt_module_verify(p, &err) == VT_OK, "verify re-parsed: %s", err.msg);
        char *t2 = print(p, locs, generic);
        CHECK_MSG(strcmp(t1, t2) == 0, "not a fixed point:\n%s\n---\n%s", t1, t2);
        free(t2);
        vt_module_free(p);
    }
    free(t1);
}

typedef struct origin_check {
    int ops, bad;
    char first_bad[256];
} origin_check;

static vt_status every_op_has_own_origin(vt_op *op, void *user, vt_error *err) {
    (void)err;
    origin_check *c = user;
    vt_buf id;
    vt_buf_init(&id);
    if (vt_op_id(op, &id, NULL) != VT_OK) { /* top-level op: no id, no origin */
        vt_buf_free(&id);
        if (vt_xf_origin(op)) c->bad++;
        return VT_OK;
    }
    c->ops++;
    const char *o = vt_xf_origin(op);
    if (!o || strcmp(o, vt_buf_cstr(&id)) != 0) {
        if (!c->bad) snprintf(c->first_bad, sizeof c->first_bad, "%s: origin %s", vt_buf_cstr(&id), o ? o : "(none)");
        c->bad++;
    }
    vt_buf_free(&id);
    return VT_OK;
}

static const char *RICH =
    "#loc1 = loc(\"model.py\":12:7 to :20)\n"
    "module @jit_f attributes {mhlo.num_partitions = 1 : i32, \"quoted.key\" = unit} {\n"
    "  sdy.mesh @mesh = <[\"x\"=1]>\n"
    "  func.func public @main(%arg0: tensor<2xf32> {mhlo.sharding = \"{replicated}\", jax.arg_info = \"x\"} loc(\"x\")) -> "
    "(tensor<2xf32> {jax.result_info = \"\"}) {\n"
    "    %0 = stablehlo.constant dense_resource<blob1> : tensor<2xf32> loc(#loc2)\n"
    "    %2 = stablehlo.add %0, %arg0 {mhlo.frontend_attributes = {operation_id = \"add.7\"}} : tensor<2xf32> loc(#loc1)\n"
    "    %3 = sdy.sharding_constraint %2 <@mesh, [{\"x\"}]> : tensor<2xf32>\n"
    "    %4 = stablehlo.custom_call @foo(%3) {backend_config = \"cfg \\22q\\00\\22\", api_version = 2 : i32} : "
    "(tensor<2xf32>) -> tensor<2xf32>\n"
    "    return %4 : tensor<2xf32> loc(callsite(\"f\" at fused[\"a\":1:2, unknown]))\n"
    "  } loc(#loc1)\n"
    "  func.func private @ext(tensor<4xi8>) -> tensor<4xi8>\n"
    "  func.func @loops(%a: tensor<4x3xf32>, %b: tensor<3x2xf32>, %q: tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5:1, 0.25}>>, "
    "%t: tuple<tensor<f32>, tensor<2xi32>>) -> (tensor<4x2xf32>, tensor<f32>, tensor<i64>, tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5:1, 0.25}>>) {\n"
    "    %c = stablehlo.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>\n"
    "    %z = stablehlo.constant dense<0.0> : tensor<f32>\n"
    "    %i0 = stablehlo.constant dense<0> : tensor<i64>\n"
    "    %n = stablehlo.constant dense<3> : tensor<i64>\n"
    "    %one = stablehlo.constant dense<1> : tensor<i64>\n"
    "    %d = stablehlo.dot_general %a, %c, contracting_dims = [1] x [0], precision = [DEFAULT, HIGHEST] : "
    "(tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>\n"
    "    %s = stablehlo.reduce(%d init: %z) applies stablehlo.add across dimensions = [0, 1] : (tensor<4x2xf32>, tensor<f32>) -> tensor<f32>\n"
    "    %w:2 = stablehlo.while(%iterArg = %i0, %acc = %s) : tensor<i64>, tensor<f32>\n"
    "     cond {\n"
    "      %lt = stablehlo.compare  LT, %iterArg, %n,  SIGNED : (tensor<i64>, tensor<i64>) -> tensor<i1>\n"
    "      stablehlo.return %lt : tensor<i1>\n"
    "    } do {\n"
    "      %nx = stablehlo.add %iterArg, %one : tensor<i64>\n"
    "      %ac = stablehlo.multiply %acc, %acc : tensor<f32>\n"
    "      stablehlo.return %nx, %ac : tensor<i64>, tensor<f32>\n"
    "    }\n"
    "    %e = stablehlo.get_tuple_element %t[0] : (tuple<tensor<f32>, tensor<2xi32>>) -> tensor<f32>\n"
    "    %r = stablehlo.add %w#1, %e : tensor<f32>\n"
    "    %io = stablehlo.iota dim = 0 : tensor<4xi32>\n"
    "    %sl = stablehlo.slice %d [0:4:2, 1:2] : (tensor<4x2xf32>) -> tensor<2x1xf32>\n"
    "    %tr = stablehlo.transpose %d, dims = [1, 0] {some.arr = array<i64: 1, 2>, some.farr = array<f32: 1.5>, "
    "some.list = [1, \"s\", @ext, #stablehlo<comparison_direction GT>], some.f = 2.5 : f32, some.b = true, some.ty = tensor<2xf32>} "
    ": (tensor<4x2xf32>) -> tensor<2x4xf32>\n"
    "    return %d, %r, %w#0, %q : tensor<4x2xf32>, tensor<f32>, tensor<i64>, tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5:1, 0.25}>>\n"
    "  }\n"
    "} loc(#loc1)\n"
    "#loc2 = loc(\"c\"(\"model.py\":3:4))\n"
    "{-#\n  dialect_resources: {\n    builtin: {\n      blob1: \"0x040000000000803F00000040\"\n    }\n  }\n#-}\n";

TEST(clone_rich_module) {
    vt_module *src = parse(RICH);
    if (!src) return;
    vt_error err;
    CHECK_MSG(vt_module_verify(src, &err) == VT_OK, "source verifies: %s", err.msg);
    char *src_text = print(src, true, false);
    vt_module *c1 = clone_all(src);
    vt_module_free(src); /* the clone owns or shares everything it needs */
    if (!c1) {
        free(src_text);
        return;
    }
    CHECK_EQ_INT(c1->nfuncs, 3);
    CHECK(c1->funcs[1]->body == NULL); /* the external declaration stays one */
    CHECK_EQ_INT(c1->ntop_ops, 1);
    CHECK_EQ_INT(c1->nresources, 1);
    origin_check oc = {0, 0, ""};
    vt_module_walk(c1, every_op_has_own_origin, &oc, NULL);
    CHECK_MSG(oc.bad == 0, "%d ops with a wrong origin, first %s", oc.bad, oc.first_bad);
    CHECK(oc.ops > 20);
    /* the explicit id stays primary: the origin is the explicit name */
    vt_op *add = NULL;
    CHECK(vt_module_find_op(c1, "add.7", &add, NULL, 0, NULL, &err) == VT_OK);
    if (add) CHECK_STR(vt_xf_origin(add), "add.7");
    /* a string attribute holding a NUL byte keeps all its bytes */
    vt_op *cc = c1->funcs[0]->body->blocks[0]->ops[3];
    const vt_attr *bc = vt_op_attr(cc, "backend_config");
    CHECK(bc && bc->len == 8 && memcmp(bc->str, "cfg \"q\0\"", 8) == 0);
    /* the resource constant still has its data */
    vt_tensor *t = NULL;
    CHECK(vt_attr_dense_materialize(vt_op_attr(c1->funcs[0]->body->blocks[0]->ops[0], "value"), 0, &t, &err) == VT_OK);
    if (t) CHECK(((float *)t->data)[1] == 2.0f);
    vt_tensor_release(t);
    /* text equals the source's except for the provenance attributes */
    char *c1_text = print(c1, true, false);
    CHECK(strstr(c1_text, "veritor.origin = \"@loops/5\"") != NULL);
    CHECK(strstr(c1_text, "veritor.origin = \"@loops/7/1/1\"") != NULL); /* inside the while body */
    CHECK(strstr(c1_text, "dialect_resources") != NULL);
    CHECK(strstr(src_text, "veritor.origin") == NULL);
    check_fixed_point(c1, true, false);
    check_fixed_point(c1, false, true);
    check_fixed_point(c1, false, false);
    /* a clone of the clone keeps the first origins: same text */
    vt_module *c2 = clone_all(c1);
    if (c2) {
        char *c2_text = print(c2, true, false);
        CHECK_MSG(strcmp(c1_text, c2_text) == 0, "clone of clone differs:\n%s\n---\n%s", c1_text, c2_text);
        free(c2_text);
        vt_module_free(c2);
    }
    /* the printed clone re-parsed and cloned again: origins survive text */
    vt_module *p = parse(c1_text);
    if (p) {
        vt_module *c3 = clone_all(p);
        if (c3) {
            char *c3_text = print(c3, true, false);
            CHECK(strcmp(c1_text, c3_text) == 0);
            free(c3_text);
            vt_module_free(c3);
        }
        vt_module_free(p);
    }
    free(c1_text);
    free(src_text);
    vt_module_free(c1);
}

TEST(dense_constants_shared) {
    vt_module *src = parse("func.func @main() -> tensor<3xf32> {\n"
                           "  %0 = stablehlo.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>\n"
                           "  return %0 : tensor<3xf32>\n}\n");
    if (!src) return;
    vt_tensor *st = vt_op_attr(src->funcs[0]->body->blocks[0]->ops[0], "value")->tensor;
    int rc = st->refcount;
    vt_module *c = clone_all(src);
    if (c) {
        vt_tensor *ct = vt_op_attr(c->funcs[0]->body->blocks[0]->ops[0], "value")->tensor;
        CHECK(ct == st);
        CHECK_EQ_INT(st->refcount, rc + 1);
        CHECK_EQ_INT(c->constant_bytes, 12);
        vt_module_free(c);
        CHECK_EQ_INT(st->refcount, rc);
    }
    vt_module_free(src);
}

TEST(clone_one_op_with_map) {
    vt_module *src = parse("func.func @main(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {\n"
                           "  %0 = stablehlo.add %a, %b : tensor<2xf32>\n"
                           "  %1 = stablehlo.multiply %0, %a : tensor<2xf32>\n"
                           "  return %1 : tensor<2xf32>\n}\n");
    if (!src) return;
    vt_error err;
    vt_builder *b = vt_builder_new("m", &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    const vt_type *t = vt_builder_tensor_type(b, VT_F32, 1, (int64_t[]){2});
    vt_func *f = vt_builder_func(b, "g", NULL, &t, 1, &t, 1);
    vt_block *blk = src->funcs[0]->body->blocks[0];
    /* an unmapped operand names the op */
    CHECK(vt_xf_clone_op(b, blk->ops[0], map, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "operand 0 of @main/0 (stablehlo.add) has no value");
    /* both operands mapped to g's one argument */
    vt_value *x = vt_builder_func_arg(b, f, 0);
    CHECK(vt_xf_map_set(map, &blk->args[0], x, &err) == VT_OK);
    CHECK(vt_xf_map_set(map, &blk->args[1], x, &err) == VT_OK);
    CHECK(vt_xf_map_get(map, &blk->args[1]) == x);
    vt_op *a = vt_xf_clone_op(b, blk->ops[0], map, &err);
    vt_op *m = a ? vt_xf_clone_op(b, blk->ops[1], map, &err) : NULL;
    CHECK(m != NULL);
    if (m) {
        CHECK(vt_xf_map_get(map, &blk->ops[1]->results[0]) == &m->results[0]);
        CHECK(m->operands[0] == &a->results[0] && m->operands[1] == x);
        CHECK_STR(vt_xf_origin(m), "@main/1");
        vt_value *r = &m->results[0];
        vt_build_return(b, &r, 1);
        vt_module *out = NULL;
        CHECK(vt_builder_finish(b, &out, &err) == VT_OK);
        vt_module_free(out);
    }
    /* values past the source's count grow the table (values of a module still being built) */
    vt_value fake = {0};
    fake.id = src->num_values + 1000;
    CHECK(vt_xf_map_set(map, &fake, x, &err) == VT_OK);
    CHECK(vt_xf_map_get(map, &fake) == x);
    CHECK_ERR(vt_xf_map_set(map, NULL, x, &err), &err, VT_EINPUT, "NULL value");
    CHECK(vt_xf_clone_op(NULL, blk->ops[0], map, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "clone needs a builder");
    /* the builder handed its module out: cloning reports the builder's error */
    CHECK(vt_xf_clone_op(b, blk->ops[0], map, &err) == NULL);
    CHECK_ERR(err.code, &err, VT_EINPUT, "already handed out");
    vt_xf_map_free(map);
    vt_builder_free(b);
    vt_module_free(src);
}

TEST(callsite_option_and_hook) {
    vt_module *src = parse("func.func @main(%a: tensor<f32>) -> tensor<f32> {\n"
                           "  %0 = stablehlo.negate %a : tensor<f32>\n"
                           "  %1 = stablehlo.abs %0 {veritor.callsite = \"@x/1\", veritor.origin = \"@orig/4\"} : tensor<f32>\n"
                           "  return %1 : tensor<f32>\n}\n");
    if (!src) return;
    vt_error err;
    vt_builder *b = vt_builder_new(NULL, &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    const vt_type *t = vt_builder_scalar_type(b, VT_F32);
    vt_func *f = vt_builder_func(b, "main", NULL, &t, 1, &t, 1);
    const vt_block *blk = src->funcs[0]->body->blocks[0];
    vt_xf_map_set(map, &blk->args[0], vt_builder_func_arg(b, f, 0), &err);
    vt_xf_clone_opts o = {"@top/2", NULL, NULL, false};
    CHECK(vt_xf_clone_block(b, blk, map, &o, true, &err) == VT_OK);
    vt_block *nb = vt_builder_block(b);
    CHECK_EQ_INT(nb->nops, 2);
    CHECK_STR(vt_xf_callsite(nb->ops[0]), "@top/2");
    CHECK_STR(vt_xf_origin(nb->ops[0]), "@main/0");
    CHECK_STR(vt_xf_callsite(nb->ops[1]), "@top/2;@x/1");
    CHECK_STR(vt_xf_origin(nb->ops[1]), "@orig/4");
    vt_value *r = vt_xf_map_get(map, blk->ops[2]->operands[0]);
    vt_build_return(b, &r, 1);
    vt_module *out = NULL;
    CHECK(vt_builder_finish(b, &out, &err) == VT_OK);
    vt_module_free(out);
    vt_xf_map_free(map);
    vt_builder_free(b);
    vt_module_free(src);
}

/* a hostile IR (not from the parser): an attribute loop through a location alias */
TEST(hostile_attribute_cycle) {
    vt_module *src = parse("func.func @main(%a: tensor<f32>) -> tensor<f32> {\n"
                           "  %0 = stablehlo.negate %a : tensor<f32> loc(\"n\")\n"
                           "  return %0 : tensor<f32>\n}\n");
    if (!src) return;
    vt_op *op = src->funcs[0]->body->blocks[0]->ops[0];
    vt_attr *l = op->loc;
    vt_attr *self[1] = {NULL};
    /* NAME loc whose child is itself */
    l->elems = self;
    self[0] = l;
    l->n = 1;
    vt_error err;
    vt_builder *b = vt_builder_new(NULL, &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    CHECK_ERR(vt_xf_clone_module(b, src, map, &err), &err, VT_ELIMIT, "nested deeper than");
    l->elems = NULL;
    l->n = 0;
    vt_xf_map_free(map);
    vt_builder_free(b);
    vt_module_free(src);
}

TEST(multi_block_function_refused) {
    vt_module *src = parse("func.func @main(%a: tensor<f32>) -> tensor<f32> {\n  return %a : tensor<f32>\n}\n");
    if (!src) return;
    vt_region *r = src->funcs[0]->body;
    vt_block *two[2] = {r->blocks[0], r->blocks[0]};
    vt_block **saved = r->blocks;
    r->blocks = two;
    r->nblocks = 2;
    vt_error err;
    vt_builder *b = vt_builder_new(NULL, &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    CHECK_ERR(vt_xf_clone_module(b, src, map, &err), &err, VT_EUNSUPPORTED, "not supported: @main has 2 blocks");
    r->blocks = saved;
    r->nblocks = 1;
    vt_xf_map_free(map);
    vt_builder_free(b);
    vt_module_free(src);
}

/* A graph that arrives with provenance (e.g. from a prover) is taken as the original once its
 * provenance is stripped; provenance of the wrong kind is refused, not guessed. */
TEST(strip_provenance) {
    const char *text = "func.func @main(%a: tensor<f32>) -> tensor<f32> {\n"
                       "  %0 = stablehlo.negate %a {veritor.origin = \"@elsewhere/9\", veritor.callsite = \"@x/1\"} : tensor<f32>\n"
                       "  %1 = stablehlo.abs %0 {veritor.origin = 7 : i64} : tensor<f32>\n"
                       "  return %1 : tensor<f32>\n}\n";
    vt_module *src = parse(text);
    if (!src) return;
    vt_error err;
    vt_builder *b = vt_builder_new(NULL, &err);
    vt_xf_map *map = vt_xf_map_new(src, &err);
    CHECK_ERR(vt_xf_clone_module(b, src, map, &err), &err, VT_EINPUT, "@main/1: veritor.origin is not a string");
    vt_xf_map_free(map);
    vt_builder_free(b);
    vt_module *st = NULL;
    CHECK(vt_xf_strip_provenance(src, &st, &err) == VT_OK);
    if (st) {
        char *t = print(st, false, false);
        CHECK(!strstr(t, "veritor."));
        free(t);
        vt_module *c = clone_all(st);
        if (c) {
            CHECK_STR(vt_xf_origin(c->funcs[0]->body->blocks[0]->ops[0]), "@main/0");
            CHECK(vt_xf_callsite(c->funcs[0]->body->blocks[0]->ops[0]) == NULL);
            CHECK_STR(vt_xf_origin(c->funcs[0]->body->blocks[0]->ops[1]), "@main/1");
            vt_module_free(c);
        }
        vt_module_free(st);
    }
    CHECK_ERR(vt_xf_strip_provenance(NULL, &st, &err), &err, VT_EINPUT, "no module");
    CHECK_ERR(vt_xf_strip_provenance(src, NULL, &err), &err, VT_EINPUT, "no output pointer");
    vt_module_free(src);
}

int main(void) {
    RUN(clone_rich_module);
    RUN(dense_constants_shared);
    RUN(clone_one_op_with_map);
    RUN(callsite_option_and_hook);
    RUN(hostile_attribute_cycle);
    RUN(multi_block_function_refused);
    RUN(strip_provenance);
    return vt_test_finish();
}
