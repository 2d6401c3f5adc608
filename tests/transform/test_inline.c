/* Tests of vt_xf_inline: results bit for bit equal on random inputs (call chains, calls in while
 * and reduce bodies, several call sites, the reference model graphs); provenance (origins, call
 * sites, id map, lookup by origin); refusals (recursion, external callees, hostile IR). */
#include "harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

#include <jansson.h>
#include <stdlib.h>

static vt_module *parse(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    if (m) CHECK_MSG(vt_module_verify(m, &err) == VT_OK, "verify: %s", err.msg);
    return m;
}

static bool tensors_equal(const vt_rvalue *a, const vt_rvalue *b) {
    if (a->kind != b->kind) return false;
    if (a->kind == VT_RV_TUPLE) {
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!tensors_equal(&a->elems[i], &b->elems[i])) return false;
        return true;
    }
    if (a->kind != VT_RV_TENSOR) return true;
    return vt_tensor_same_shape(a->tensor, b->tensor) && a->tensor->dtype == b->tensor->dtype &&
           memcmp(a->tensor->data, b->tensor->data, a->tensor->nbytes) == 0;
}

/* Runs entry of both modules on the same random inputs; results must be bit-identical. */
static void check_same_run(const vt_module *a, const vt_module *b, const char *entry, uint64_t seed) {
    vt_error err;
    const vt_func *fa = NULL;
    if (vt_module_entry(a, entry, &fa, &err) != VT_OK) {
        CHECK_MSG(0, "entry: %s", err.msg);
        return;
    }
    vt_rvalue *args = NULL;
    size_t nargs = 0;
    CHECK(vt_random_args(fa, seed, 0, &args, &nargs, &err) == VT_OK);
    vt_engine_options eo = {0};
    eo.threads = 1;
    vt_engine *e = vt_engine_create(&eo, &err);
    vt_rvalue *ra = NULL, *rb = NULL;
    size_t na = 0, nb = 0;
    vt_status sa = vt_execute(e, a, entry, args, nargs, NULL, &ra, &na, NULL, &err);
    CHECK_MSG(sa == VT_OK, "run source: %s", err.msg);
    vt_status sb = vt_execute(e, b, entry, args, nargs, NULL, &rb, &nb, NULL, &err);
    CHECK_MSG(sb == VT_OK, "run transformed: %s", err.msg);
    if (sa == VT_OK && sb == VT_OK) {
        CHECK_EQ_INT(na, nb);
        for (size_t i = 0; i < na && i < nb; i++) CHECK_MSG(tensors_equal(&ra[i], &rb[i]), "result %zu differs", i);
    }
    if (sa == VT_OK) vt_rvalues_release(ra, na);
    if (sb == VT_OK) vt_rvalues_release(rb, nb);
    vt_rvalues_release(args, nargs);
    vt_engine_destroy(e);
}

static vt_status count_calls(vt_op *op, void *user, vt_error *err) {
    (void)err;
    if (op->code == VT_OP_FUNC_CALL) ++*(int *)user;
    return VT_OK;
}

static int ncalls(vt_module *m) {
    int n = 0;
    vt_module_walk(m, count_calls, &n, NULL);
    return n;
}

/* print -> parse -> verify -> print is a fixed point */
static void check_text(const vt_module *m) {
    vt_buf b1, b2;
    vt_buf_init(&b1);
    vt_buf_init(&b2);
    vt_error err;
    CHECK(vt_module_print(m, NULL, &b1, &err) == VT_OK);
    vt_module *p = parse(vt_buf_cstr(&b1));
    if (p) {
        CHECK(vt_module_print(p, NULL, &b2, &err) == VT_OK);
        CHECK_MSG(strcmp(vt_buf_cstr(&b1), vt_buf_cstr(&b2)) == 0, "not a fixed point");
        vt_module_free(p);
    }
    vt_buf_free(&b1);
    vt_buf_free(&b2);
}

static vt_module *inline_ok(const vt_module *src, const char *entry) {
    vt_module *out = NULL;
    vt_error err;
    vt_status s = vt_xf_inline(src, entry, &out, &err);
    CHECK_MSG(s == VT_OK, "inline: %s", err.msg);
    return out;
}

static const char *CHAIN =
    "module @chain {\n"
    "  func.func public @main(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    %0 = stablehlo.add %x, %y : tensor<4xf32>\n"
    "    %1 = func.call @a(%0, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n"
    "    %2 = stablehlo.multiply %1, %x : tensor<4xf32>\n"
    "    return %2 : tensor<4xf32>\n"
    "  }\n"
    "  func.func private @a(%p: tensor<4xf32>, %q: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    %0 = stablehlo.subtract %p, %q : tensor<4xf32>\n"
    "    %1 = call @b(%0) : (tensor<4xf32>) -> tensor<4xf32>\n"
    "    return %1 : tensor<4xf32>\n"
    "  }\n"
    "  func.func private @b(%p: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    %0 = stablehlo.exponential %p : tensor<4xf32>\n"
    "    %1 = func.call @c(%0, %p) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n"
    "    return %1 : tensor<4xf32>\n"
    "  }\n"
    "  func.func private @c(%p: tensor<4xf32>, %q: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    %0 = stablehlo.divide %p, %q {mhlo.frontend_attributes = {operation_id = \"div.1\"}} : tensor<4xf32>\n"
    "    %1 = stablehlo.tanh %0 : tensor<4xf32>\n"
    "    return %q : tensor<4xf32>\n"
    "  }\n"
    "  func.func private @unused(%p: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    return %p : tensor<4xf32>\n"
    "  }\n"
    "}\n";

typedef struct found {
    int n;
    const vt_op *op;
} found;

static vt_status on_found(const vt_op *op, void *user, vt_error *err) {
    (void)err;
    found *f = user;
    f->n++;
    f->op = op;
    return VT_OK;
}

TEST(chain_a_b_c) {
    vt_module *src = parse(CHAIN);
    if (!src) return;
    vt_module *out = inline_ok(src, NULL);
    if (!out) {
        vt_module_free(src);
        return;
    }
    CHECK_EQ_INT(out->nfuncs, 1); /* @a @b @c inlined and dropped, @unused dropped */
    CHECK_STR(out->funcs[0]->name, "main");
    CHECK_EQ_INT(ncalls(out), 0);
    check_same_run(src, out, NULL, 1);
    check_same_run(src, out, NULL, 2);
    check_text(out);
    /* @main: add, [a: subtract, [b: exp, [c: divide, tanh]]], multiply, return */
    vt_block *blk = out->funcs[0]->body->blocks[0];
    CHECK_EQ_INT(blk->nops, 7);
    if (blk->nops == 7) {
        CHECK_STR(vt_xf_origin(blk->ops[1]), "@a/0");
        CHECK_STR(vt_xf_callsite(blk->ops[1]), "@main/1");
        CHECK_STR(vt_xf_origin(blk->ops[2]), "@b/0");
        CHECK_STR(vt_xf_callsite(blk->ops[2]), "@main/1;@a/1");
        CHECK_STR(vt_xf_origin(blk->ops[3]), "div.1");
        CHECK_STR(vt_xf_callsite(blk->ops[3]), "@main/1;@a/1;@b/1");
        CHECK_STR(vt_xf_origin(blk->ops[4]), "@c/1");
        CHECK_STR(vt_xf_origin(blk->ops[5]), "@main/2");
        CHECK(vt_xf_callsite(blk->ops[5]) == NULL);
    }
    /* a trace event against the original graph finds its op in the inlined one */
    found f = {0, NULL};
    vt_error err;
    size_t cnt = 0;
    CHECK(vt_xf_find_by_origin(out, "@c/1#0", on_found, &f, &cnt, &err) == VT_OK);
    CHECK_EQ_INT(f.n, 1);
    CHECK_EQ_INT(cnt, 1);
    if (f.op) CHECK_EQ_INT(f.op->code, VT_OP_TANH);
    /* the explicit id stays primary in the result */
    vt_op *div = NULL;
    CHECK(vt_module_find_op(out, "div.1", &div, NULL, 0, NULL, &err) == VT_OK);
    if (div) CHECK_EQ_INT(div->code, VT_OP_DIVIDE);
    /* the id map names every op */
    vt_buf j;
    vt_buf_init(&j);
    CHECK(vt_xf_id_map(out, &j, &err) == VT_OK);
    const char *js = vt_buf_cstr(&j);
    CHECK(strstr(js, "\"@main/4\": {\"op\": \"stablehlo.tanh\", \"origin\": \"@c/1\", \"callsite\": \"@main/1;@a/1;@b/1\"}") != NULL);
    CHECK(strstr(js, "\"@main/3\": {\"op\": \"stablehlo.divide\", \"id\": \"div.1\", \"origin\": \"div.1\"") != NULL);
    struct json_t *parsed = vt_json_parse(js, j.len, "id map", &err);
    CHECK_MSG(parsed != NULL, "id map JSON: %s", err.msg);
    if (parsed) CHECK(json_object_size(parsed) == 7);
    json_decref(parsed);
    vt_buf_free(&j);
    /* an op without an origin in a transformed module matches nothing, even under its path id */
    if (blk->nops == 7) {
        vt_named_attr *na = NULL;
        for (size_t i = 0; i < blk->ops[5]->nattrs; i++)
            if (!strcmp(blk->ops[5]->attrs[i].name, VT_XF_ORIGIN_ATTR)) na = &blk->ops[5]->attrs[i];
        CHECK(na != NULL);
        if (na) {
            const char *saved = na->name;
            na->name = "x.hidden";
            f.n = 0;
            CHECK(vt_xf_find_by_origin(out, "@main/5", on_found, &f, &cnt, &err) == VT_OK);
            CHECK_EQ_INT(cnt, 0);
            na->name = saved;
        }
    }
    /* an untransformed module maps to itself, by path id and by explicit id */
    CHECK(vt_xf_find_by_origin(src, "@c/1", NULL, NULL, &cnt, &err) == VT_OK);
    CHECK_EQ_INT(cnt, 1);
    CHECK(vt_xf_find_by_origin(src, "div.1", NULL, NULL, &cnt, &err) == VT_OK);
    CHECK_EQ_INT(cnt, 1);
    CHECK(vt_xf_find_by_origin(src, "@c/0#2", NULL, NULL, &cnt, &err) == VT_OK); /* the path alias of div.1 */
    CHECK_EQ_INT(cnt, 1);
    CHECK(vt_xf_find_by_origin(src, "@nowhere/1", NULL, NULL, &cnt, &err) == VT_OK);
    CHECK_EQ_INT(cnt, 0);
    /* errors */
    CHECK_ERR(vt_xf_find_by_origin(out, "", on_found, &f, &cnt, &err), &err, VT_EINPUT, "empty origin id");
    CHECK_ERR(vt_xf_find_by_origin(out, "#3", on_found, &f, &cnt, &err), &err, VT_EINPUT, "no id before '#'");
    vt_module_free(out);
    vt_module_free(src);
}

TEST(entry_only) {
    vt_module *src = parse("module {\n"
                           "  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n"
                           "    %0 = func.call @h(%x) : (tensor<f32>) -> tensor<f32>\n"
                           "    return %0 : tensor<f32>\n  }\n"
                           "  func.func public @other(%x: tensor<f32>) -> tensor<f32> {\n"
                           "    %0 = func.call @h(%x) : (tensor<f32>) -> tensor<f32>\n"
                           "    return %0 : tensor<f32>\n  }\n"
                           "  func.func private @h(%x: tensor<f32>) -> tensor<f32> {\n"
                           "    %0 = stablehlo.sine %x : tensor<f32>\n"
                           "    return %0 : tensor<f32>\n  }\n"
                           "}\n");
    if (!src) return;
    vt_module *all = inline_ok(src, NULL);
    if (all) {
        CHECK_EQ_INT(all->nfuncs, 2);
        CHECK_EQ_INT(ncalls(all), 0);
        check_same_run(src, all, "other", 3);
        vt_module_free(all);
    }
    vt_module *one = inline_ok(src, "other");
    if (one) {
        CHECK_EQ_INT(one->nfuncs, 1);
        CHECK_STR(one->funcs[0]->name, "other");
        check_same_run(src, one, "other", 4);
        vt_module_free(one);
    }
    vt_module *out = NULL;
    vt_error err;
    CHECK_ERR(vt_xf_inline(src, "nope", &out, &err), &err, VT_EINPUT, "no function @nope (the entry)");
    CHECK(out == NULL);
    vt_module_free(src);
}

TEST(call_in_while_and_reduce_bodies) {
    vt_module *src = parse(
        "module {\n"
        "  func.func @main(%x: tensor<3xf32>, %n: tensor<i32>) -> (tensor<3xf32>, tensor<f32>) {\n"
        "    %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
        "    %w:2 = stablehlo.while(%i = %c0, %v = %x) : tensor<i32>, tensor<3xf32>\n"
        "     cond {\n"
        "      %k = stablehlo.constant dense<3> : tensor<i32>\n"
        "      %lt = stablehlo.compare LT, %i, %k, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "      stablehlo.return %lt : tensor<i1>\n"
        "    } do {\n"
        "      %one = stablehlo.constant dense<1> : tensor<i32>\n"
        "      %i2 = stablehlo.add %i, %one : tensor<i32>\n"
        "      %v2 = func.call @step(%v, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>\n"
        "      stablehlo.return %i2, %v2 : tensor<i32>, tensor<3xf32>\n"
        "    }\n"
        "    %z = stablehlo.constant dense<0.0> : tensor<f32>\n"
        "    %r = stablehlo.reduce(%w#1 init: %z) across dimensions = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32>\n"
        "     reducer(%a: tensor<f32>, %b: tensor<f32>) {\n"
        "      %s = func.call @comb(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>\n"
        "      stablehlo.return %s : tensor<f32>\n"
        "    }\n"
        "    return %w#1, %r : tensor<3xf32>, tensor<f32>\n"
        "  }\n"
        "  func.func private @step(%v: tensor<3xf32>, %x: tensor<3xf32>) -> tensor<3xf32> {\n"
        "    %0 = stablehlo.multiply %v, %x : tensor<3xf32>\n"
        "    %1 = func.call @inner(%0) : (tensor<3xf32>) -> tensor<3xf32>\n"
        "    return %1 : tensor<3xf32>\n"
        "  }\n"
        "  func.func private @inner(%v: tensor<3xf32>) -> tensor<3xf32> {\n"
        "    %0 = stablehlo.cosine %v : tensor<3xf32>\n"
        "    return %0 : tensor<3xf32>\n"
        "  }\n"
        "  func.func private @comb(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = stablehlo.add %a, %b : tensor<f32>\n"
        "    return %0 : tensor<f32>\n"
        "  }\n"
        "}\n");
    if (!src) return;
    vt_module *out = inline_ok(src, NULL);
    if (out) {
        CHECK_EQ_INT(out->nfuncs, 1);
        CHECK_EQ_INT(ncalls(out), 0);
        check_same_run(src, out, NULL, 5);
        check_text(out);
        vt_error err;
        /* the cosine inlined twice deep inside the while body */
        found f = {0, NULL};
        CHECK(vt_xf_find_by_origin(out, "@inner/0", on_found, &f, NULL, &err) == VT_OK);
        CHECK_EQ_INT(f.n, 1);
        if (f.op) {
            CHECK_STR(vt_xf_callsite(f.op), "@main/1/1/2;@step/1");
            vt_buf id;
            vt_buf_init(&id);
            vt_op_path_id(f.op, &id, &err);
            CHECK_STR(vt_buf_cstr(&id), "@main/1/1/3");
            vt_buf_free(&id);
        }
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(multiple_call_sites) {
    vt_module *src = parse("module {\n"
                           "  func.func @main(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {\n"
                           "    %0 = call @sq(%x) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    %1 = call @sq(%0) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    %2 = call @twice(%1) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    return %2 : tensor<2x2xf32>\n  }\n"
                           "  func.func private @twice(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {\n"
                           "    %0 = call @sq(%x) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    %1 = call @sq(%0) : (tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    return %1 : tensor<2x2xf32>\n  }\n"
                           "  func.func private @sq(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {\n"
                           "    %0 = stablehlo.dot_general %x, %x, contracting_dims = [1] x [0] : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>\n"
                           "    return %0 : tensor<2x2xf32>\n  }\n"
                           "}\n");
    if (!src) return;
    vt_module *out = inline_ok(src, NULL);
    if (out) {
        CHECK_EQ_INT(ncalls(out), 0);
        check_same_run(src, out, NULL, 6);
        vt_error err;
        found f = {0, NULL};
        size_t cnt = 0;
        CHECK(vt_xf_find_by_origin(out, "@sq/0", on_found, &f, &cnt, &err) == VT_OK);
        CHECK_EQ_INT(cnt, 4); /* one copy per call site, told apart by their chains */
        vt_op **ops = out->funcs[0]->body->blocks[0]->ops;
        CHECK_STR(vt_xf_callsite(ops[0]), "@main/0");
        CHECK_STR(vt_xf_callsite(ops[1]), "@main/1");
        CHECK_STR(vt_xf_callsite(ops[2]), "@main/2;@twice/0");
        CHECK_STR(vt_xf_callsite(ops[3]), "@main/2;@twice/1");
        /* inlining an inlined module changes nothing (no calls left) and keeps provenance */
        vt_module *again = inline_ok(out, NULL);
        if (again) {
            CHECK_STR(vt_xf_callsite(again->funcs[0]->body->blocks[0]->ops[3]), "@main/2;@twice/1");
            CHECK_STR(vt_xf_origin(again->funcs[0]->body->blocks[0]->ops[3]), "@sq/0");
            vt_module_free(again);
        }
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(recursion_refused) {
    vt_module *direct = parse("module {\n"
                              "  func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                              "    %0 = call @f(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                              "  func.func private @f(%x: tensor<f32>) -> tensor<f32> {\n"
                              "    %0 = call @f(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                              "}\n");
    vt_module *mutual = parse("module {\n"
                              "  func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                              "    %0 = call @a(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                              "  func.func private @a(%x: tensor<f32>) -> tensor<f32> {\n"
                              "    %0 = call @b(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                              "  func.func private @b(%x: tensor<f32>) -> tensor<f32> {\n"
                              "    %c = stablehlo.constant dense<0> : tensor<i32>\n"
                              "    %w:2 = stablehlo.while(%i = %c, %v = %x) : tensor<i32>, tensor<f32>\n"
                              "     cond {\n"
                              "      %lt = stablehlo.compare LT, %i, %c, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
                              "      stablehlo.return %lt : tensor<i1>\n"
                              "    } do {\n"
                              "      %v2 = func.call @a(%v) : (tensor<f32>) -> tensor<f32>\n"
                              "      stablehlo.return %i, %v2 : tensor<i32>, tensor<f32>\n"
                              "    }\n"
                              "    return %w#1 : tensor<f32>\n  }\n"
                              "}\n");
    vt_module *out = NULL;
    vt_error err;
    if (direct) CHECK_ERR(vt_xf_inline(direct, NULL, &out, &err), &err, VT_EINPUT, "recursion cannot be inlined: @f -> @f");
    if (mutual) CHECK_ERR(vt_xf_inline(mutual, NULL, &out, &err), &err, VT_EINPUT, "@a -> @b -> @a");
    CHECK(out == NULL);
    /* DCE is not inlining: a recursive module passes through it */
    if (mutual) {
        CHECK(vt_xf_dce(mutual, NULL, &out, &err) == VT_OK);
        if (out) CHECK_EQ_INT(out->nfuncs, 3);
        vt_module_free(out);
    }
    vt_module_free(direct);
    vt_module_free(mutual);
}

TEST(external_callee_refused) {
    vt_module *src = parse("module {\n"
                           "  func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                           "    %0 = call @ext(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                           "  func.func private @ext(tensor<f32>) -> tensor<f32>\n"
                           "}\n");
    if (!src) return;
    vt_module *out = NULL;
    vt_error err;
    CHECK_ERR(vt_xf_inline(src, NULL, &out, &err), &err, VT_EINPUT,
              "@main/0 calls @ext, an external declaration without a body: it cannot be inlined");
    CHECK_ERR(vt_xf_inline(src, "ext", &out, &err), &err, VT_EINPUT, "the entry @ext is an external declaration");
    vt_module_free(src);
}

/* IR the parser would refuse (it checks callees and arity), made by editing a parsed module:
 * the inliner must not trust its input either. */
TEST(hostile_ir) {
    const char *text = "module {\n"
                       "  func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                       "    %0 = call @g(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
                       "  func.func private @g(%x: tensor<f32>) -> tensor<f32> {\n"
                       "    return %x : tensor<f32>\n  }\n"
                       "}\n";
    vt_error err;
    vt_module *out = NULL;
    vt_module *m = parse(text);
    if (!m) return;
    vt_op *call = m->funcs[0]->body->blocks[0]->ops[0];
    vt_attr *callee = vt_op_attr(call, "callee");
    const char *saved = callee->str;
    callee->str = "missing";
    CHECK_ERR(vt_xf_inline(m, NULL, &out, &err), &err, VT_EINPUT, "@main/0 calls undefined function @missing");
    callee->str = saved;
    call->noperands = 0;
    CHECK_ERR(vt_xf_inline(m, NULL, &out, &err), &err, VT_EINPUT, "calls @g with 0 arguments and 1 results, the function has 1 and 1");
    call->noperands = 1;
    const vt_type *st = m->funcs[1]->arg_types[0];
    vt_type other = *st;
    other.dtype = VT_F64;
    m->funcs[1]->arg_types[0] = &other;
    CHECK_ERR(vt_xf_inline(m, NULL, &out, &err), &err, VT_EINPUT, "argument 0 of the call to @g does not have the parameter's type");
    m->funcs[1]->arg_types[0] = st;
    /* the parser refuses these in text, with positions */
    vt_module *bad = NULL;
    const char *undef = "func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                        "  %0 = call @nothere(%x) : (tensor<f32>) -> tensor<f32>\n  return %0 : tensor<f32>\n}\n";
    CHECK_ERR(vt_parse_module(undef, strlen(undef), NULL, &bad, &err), &err, VT_EINPUT, "call to undefined function @nothere");
    const char *arity = "module {\n func.func @main(%x: tensor<f32>) -> tensor<f32> {\n"
                        "  %0 = call @g(%x, %x) : (tensor<f32>, tensor<f32>) -> tensor<f32>\n  return %0 : tensor<f32>\n }\n"
                        " func.func private @g(%x: tensor<f32>) -> tensor<f32> {\n  return %x : tensor<f32>\n }\n}\n";
    CHECK_ERR(vt_parse_module(arity, strlen(arity), NULL, &bad, &err), &err, VT_EINPUT, "call to @g with 2 arguments");
    /* a callee whose body does not end in a return of the right arity */
    vt_block *gb = m->funcs[1]->body->blocks[0];
    gb->ops[0]->noperands = 0;
    CHECK_ERR(vt_xf_inline(m, NULL, &out, &err), &err, VT_EINPUT, "@g does not end with a func.return of 1 values");
    gb->ops[0]->noperands = 1;
    /* NULLs */
    CHECK_ERR(vt_xf_inline(NULL, NULL, &out, &err), &err, VT_EINPUT, "no module");
    CHECK_ERR(vt_xf_inline(m, NULL, NULL, &err), &err, VT_EINPUT, "no output pointer");
    /* still fine after the edits were undone */
    CHECK(vt_xf_inline(m, NULL, &out, &err) == VT_OK);
    vt_module_free(out);
    vt_module_free(m);
}

/* A chain of calls deeper than the inliner's limit is refused, not a stack overflow. */
TEST(deep_call_chain_limit) {
    vt_buf t;
    vt_buf_init(&t);
    int n = 300;
    vt_buf_puts(&t, "module {\n");
    for (int i = 0; i < n; i++) {
        vt_buf_printf(&t, "  func.func %s @f%d(%%x: tensor<f32>) -> tensor<f32> {\n", i ? "private" : "public", i);
        if (i + 1 < n) vt_buf_printf(&t, "    %%0 = call @f%d(%%x) : (tensor<f32>) -> tensor<f32>\n    return %%0 : tensor<f32>\n  }\n", i + 1);
        else vt_buf_puts(&t, "    return %x : tensor<f32>\n  }\n");
    }
    vt_buf_puts(&t, "}\n");
    vt_module *m = parse(vt_buf_cstr(&t));
    vt_buf_free(&t);
    if (!m) return;
    vt_module *out = NULL;
    vt_error err;
    CHECK_ERR(vt_xf_inline(m, NULL, &out, &err), &err, VT_ELIMIT, "calls nested deeper than 256");
    vt_module_free(m);
}

static void model_case(const char *what, vt_module *src, uint64_t seed) {
    vt_test_current = what;
    if (!src) return;
    CHECK(ncalls(src) > 0);
    vt_module *out = inline_ok(src, NULL);
    if (out) {
        CHECK_EQ_INT(ncalls(out), 0);
        CHECK_EQ_INT(out->nfuncs, 1);
        check_same_run(src, out, NULL, seed);
        check_text(out);
        vt_module *d = NULL;
        vt_error err;
        CHECK_MSG(vt_xf_dce(out, NULL, &d, &err) == VT_OK, "dce: %s", err.msg);
        if (d) check_same_run(src, d, NULL, seed + 1);
        vt_module_free(d);
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(reference_models) {
    vt_model_config c;
    vt_error err;
    CHECK(vt_model_preset("tiny", &c, &err) == VT_OK);
    c.layers = 1;
    vt_module *m = NULL;
    CHECK_MSG(vt_model_emit_decode(&c, 3, 3, &m, &err) == VT_OK, "decode: %s", err.msg);
    model_case("reference_models/decode", m, 11);
    m = NULL;
    vt_model_decode_opts o = {true, true};
    CHECK_MSG(vt_model_emit_decode_opts(&c, 2, 3, &o, &m, &err) == VT_OK, "decode sampled: %s", err.msg);
    model_case("reference_models/decode_sampled", m, 12);
    m = NULL;
    CHECK_MSG(vt_model_emit_prefill(&c, 1, 4, &m, &err) == VT_OK, "prefill: %s", err.msg);
    model_case("reference_models/prefill", m, 13);
    m = NULL;
    CHECK_MSG(vt_model_emit_teacher_forcing(&c, 1, 4, &m, &err) == VT_OK, "teacher forcing: %s", err.msg);
    model_case("reference_models/teacher_forcing", m, 14);
    m = NULL;
    CHECK_MSG(vt_model_emit_train_step(&c, 1, 4, VT_OPT_ADAMW, &m, &err) == VT_OK, "train step: %s", err.msg);
    model_case("reference_models/train_step_adamw", m, 15);
}

int main(void) {
    RUN(chain_a_b_c);
    RUN(entry_only);
    RUN(call_in_while_and_reduce_bodies);
    RUN(multiple_call_sites);
    RUN(recursion_refused);
    RUN(external_callee_refused);
    RUN(hostile_ir);
    RUN(deep_call_chain_limit);
    RUN(reference_models);
    return vt_test_finish();
}
