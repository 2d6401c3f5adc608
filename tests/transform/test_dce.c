/* Tests of vt_xf_dce: dead ops removed (in regions too), effects kept, while signatures kept,
 * symbol DCE through call / custom_call / composite references, semantics kept bit for bit. */
#include "harness.h"
#include "veritor/transform.h"

#include <stdlib.h>

static vt_module *parse(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    if (m) CHECK_MSG(vt_module_verify(m, &err) == VT_OK, "verify: %s", err.msg);
    return m;
}

static vt_module *dce_ok(const vt_module *src, const char *entry) {
    vt_module *out = NULL;
    vt_error err;
    vt_status s = vt_xf_dce(src, entry, &out, &err);
    CHECK_MSG(s == VT_OK, "dce: %s", err.msg);
    return out;
}

static bool same_results(const vt_rvalue *a, const vt_rvalue *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].kind != b[i].kind) return false;
        if (a[i].kind == VT_RV_TENSOR &&
            (!vt_tensor_same_shape(a[i].tensor, b[i].tensor) || memcmp(a[i].tensor->data, b[i].tensor->data, a[i].tensor->nbytes)))
            return false;
    }
    return true;
}

static void check_same_run(const vt_module *a, const vt_module *b, const char *entry, uint64_t seed) {
    vt_error err;
    const vt_func *fa = NULL;
    if (vt_module_entry(a, entry, &fa, &err) != VT_OK) {
        CHECK_MSG(0, "entry: %s", err.msg);
        return;
    }
    vt_rvalue *args = NULL, *ra = NULL, *rb = NULL;
    size_t nargs = 0, na = 0, nb = 0;
    CHECK(vt_random_args(fa, seed, 0, &args, &nargs, &err) == VT_OK);
    vt_engine_options eo = {0};
    eo.threads = 1;
    vt_engine *e = vt_engine_create(&eo, &err);
    vt_status sa = vt_execute(e, a, entry, args, nargs, NULL, &ra, &na, NULL, &err);
    CHECK_MSG(sa == VT_OK, "run source: %s", err.msg);
    vt_status sb = vt_execute(e, b, entry, args, nargs, NULL, &rb, &nb, NULL, &err);
    CHECK_MSG(sb == VT_OK, "run result: %s", err.msg);
    if (sa == VT_OK && sb == VT_OK) {
        CHECK_EQ_INT(na, nb);
        CHECK(na == nb && same_results(ra, rb, na));
    }
    if (sa == VT_OK) vt_rvalues_release(ra, na);
    if (sb == VT_OK) vt_rvalues_release(rb, nb);
    vt_rvalues_release(args, nargs);
    vt_engine_destroy(e);
}

static size_t nops_of(const vt_module *m, const char *func) {
    vt_func *f = vt_module_find_func(m, func);
    return f && f->body ? f->body->blocks[0]->nops : 0;
}

static bool has_func(const vt_module *m, const char *name) { return vt_module_find_func(m, name) != NULL; }

TEST(dead_ops_removed) {
    vt_module *src = parse("func.func @main(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {\n"
                           "  %0 = stablehlo.add %x, %y : tensor<4xf32>\n"
                           "  %1 = stablehlo.multiply %0, %0 : tensor<4xf32>\n"   /* dead */
                           "  %2 = stablehlo.exponential %1 : tensor<4xf32>\n"    /* dead */
                           "  %3 = stablehlo.subtract %0, %y : tensor<4xf32>\n"
                           "  %k = stablehlo.constant dense<1.0> : tensor<4xf32>\n" /* dead */
                           "  return %3 : tensor<4xf32>\n}\n");
    if (!src) return;
    vt_module *out = dce_ok(src, NULL);
    if (out) {
        CHECK_EQ_INT(nops_of(out, "main"), 3);
        vt_op **ops = out->funcs[0]->body->blocks[0]->ops;
        CHECK_STR(vt_xf_origin(ops[0]), "@main/0");
        CHECK_STR(vt_xf_origin(ops[1]), "@main/3"); /* the subtract, renumbered */
        CHECK_STR(vt_xf_origin(ops[2]), "@main/5");
        check_same_run(src, out, NULL, 1);
        /* dce is idempotent */
        vt_module *again = dce_ok(out, NULL);
        if (again) CHECK_EQ_INT(nops_of(again, "main"), 3);
        vt_module_free(again);
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(effects_kept) {
    vt_module *src = parse(
        "func.func @main(%x: tensor<4xf32>, %s: tensor<2xui64>) -> tensor<4xf32> {\n"
        "  %0 = stablehlo.custom_call @hook(%x) : (tensor<4xf32>) -> tensor<4xf32>\n"
        "  %1 = stablehlo.custom_call @pure(%x) {has_side_effect = false} : (tensor<4xf32>) -> tensor<4xf32>\n"
        "  %t = stablehlo.create_token : !stablehlo.token\n"
        "  %lo = stablehlo.constant dense<0.0> : tensor<f32>\n"
        "  %hi = stablehlo.constant dense<1.0> : tensor<f32>\n"
        "  %sh = stablehlo.constant dense<[3]> : tensor<1xi64>\n"
        "  %r = stablehlo.rng %lo, %hi, %sh, distribution = UNIFORM : (tensor<f32>, tensor<f32>, tensor<1xi64>) -> tensor<3xf32>\n"
        "  %ns, %bits = stablehlo.rng_bit_generator %s, algorithm = DEFAULT : (tensor<2xui64>) -> (tensor<2xui64>, tensor<4xui32>)\n"
        "  %n = stablehlo.negate %x : tensor<4xf32>\n"
        "  return %n : tensor<4xf32>\n}\n");
    if (!src) return;
    vt_module *out = dce_ok(src, NULL);
    if (out) {
        /* kept: both custom_calls, create_token, rng and its operands; gone: rng_bit_generator */
        CHECK_EQ_INT(nops_of(out, "main"), 9);
        char text[8192];
        vt_buf b;
        vt_buf_init(&b);
        vt_error err;
        CHECK(vt_module_print(out, NULL, &b, &err) == VT_OK);
        snprintf(text, sizeof text, "%s", vt_buf_cstr(&b));
        vt_buf_free(&b);
        CHECK(strstr(text, "@hook") && strstr(text, "@pure") && strstr(text, "create_token") && strstr(text, "stablehlo.rng "));
        CHECK(!strstr(text, "rng_bit_generator"));
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(regions_and_while) {
    vt_module *src = parse(
        "func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {\n"
        "  %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
        "  %w:3 = stablehlo.while(%i = %c0, %v = %x, %u = %x) : tensor<i32>, tensor<3xf32>, tensor<3xf32>\n"
        "   cond {\n"
        "    %k = stablehlo.constant dense<4> : tensor<i32>\n"
        "    %junk = stablehlo.add %k, %k : tensor<i32>\n"
        "    %lt = stablehlo.compare LT, %i, %k, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "    stablehlo.return %lt : tensor<i1>\n"
        "  } do {\n"
        "    %one = stablehlo.constant dense<1> : tensor<i32>\n"
        "    %i2 = stablehlo.add %i, %one : tensor<i32>\n"
        "    %dead = stablehlo.multiply %v, %v : tensor<3xf32>\n"
        "    %v2 = stablehlo.sine %v : tensor<3xf32>\n"
        "    %u2 = stablehlo.cosine %u : tensor<3xf32>\n" /* carried but unused after the loop: kept */
        "    stablehlo.return %i2, %v2, %u2 : tensor<i32>, tensor<3xf32>, tensor<3xf32>\n"
        "  }\n"
        "  %w2:2 = stablehlo.while(%i = %c0, %v = %x) : tensor<i32>, tensor<3xf32>\n" /* unused, pure: removed */
        "   cond {\n"
        "    %k = stablehlo.constant dense<4> : tensor<i32>\n"
        "    %lt = stablehlo.compare LT, %i, %k, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "    stablehlo.return %lt : tensor<i1>\n"
        "  } do {\n"
        "    %one = stablehlo.constant dense<1> : tensor<i32>\n"
        "    %i2 = stablehlo.add %i, %one : tensor<i32>\n"
        "    stablehlo.return %i2, %v : tensor<i32>, tensor<3xf32>\n"
        "  }\n"
        "  %w3:2 = stablehlo.while(%i = %c0, %v = %x) : tensor<i32>, tensor<3xf32>\n" /* unused, but has an effect: kept */
        "   cond {\n"
        "    %k = stablehlo.constant dense<2> : tensor<i32>\n"
        "    %lt = stablehlo.compare LT, %i, %k, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "    stablehlo.return %lt : tensor<i1>\n"
        "  } do {\n"
        "    %one = stablehlo.constant dense<1> : tensor<i32>\n"
        "    %i2 = stablehlo.add %i, %one : tensor<i32>\n"
        "    %p = stablehlo.custom_call @probe(%v) : (tensor<3xf32>) -> tensor<3xf32>\n"
        "    stablehlo.return %i2, %v : tensor<i32>, tensor<3xf32>\n"
        "  }\n"
        "  return %w#1 : tensor<3xf32>\n}\n");
    if (!src) return;
    vt_module *out = dce_ok(src, NULL);
    if (out) {
        vt_block *blk = out->funcs[0]->body->blocks[0];
        CHECK_EQ_INT(blk->nops, 4); /* constant, while, while (effect), return */
        if (blk->nops == 4) {
            vt_op *w = blk->ops[1];
            CHECK_EQ_INT(w->code, VT_OP_WHILE);
            CHECK_EQ_INT(w->nresults, 3);
            CHECK_EQ_INT(w->regions[0]->blocks[0]->nops, 3); /* %junk gone */
            CHECK_EQ_INT(w->regions[1]->blocks[0]->nops, 5); /* %dead gone, %u2 kept */
            CHECK_STR(vt_xf_origin(blk->ops[2]), "@main/3");
            CHECK_EQ_INT(blk->ops[2]->regions[1]->blocks[0]->nops, 4);
        }
        vt_module_free(out);
    }
    vt_module_free(src);
}

TEST(symbol_dce) {
    vt_module *src = parse(
        "module {\n"
        "  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = call @used(%x) : (tensor<f32>) -> tensor<f32>\n"
        "    %1 = call @pure_unused_result(%x) : (tensor<f32>) -> tensor<f32>\n"
        "    %2 = call @effect(%x) : (tensor<f32>) -> tensor<f32>\n"
        "    %3 = stablehlo.composite \"my.op\" %0 {decomposition = @decomp} : (tensor<f32>) -> tensor<f32>\n"
        "    %4 = stablehlo.custom_call @named_target(%3) : (tensor<f32>) -> tensor<f32>\n"
        "    return %4 : tensor<f32>\n  }\n"
        "  func.func private @used(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = call @nested(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
        "  func.func private @nested(%x: tensor<f32>) -> tensor<f32> {\n    return %x : tensor<f32>\n  }\n"
        "  func.func private @pure_unused_result(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = stablehlo.sine %x : tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
        "  func.func private @effect(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = stablehlo.custom_call @log(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
        "  func.func private @decomp(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = stablehlo.abs %x : tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
        "  func.func private @named_target(%x: tensor<f32>) -> tensor<f32> {\n    return %x : tensor<f32>\n  }\n"
        "  func.func private @orphan(%x: tensor<f32>) -> tensor<f32> {\n"
        "    %0 = call @orphan2(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n"
        "  func.func private @orphan2(%x: tensor<f32>) -> tensor<f32> {\n    return %x : tensor<f32>\n  }\n"
        "  func.func public @other(%x: tensor<f32>) -> tensor<f32> {\n    return %x : tensor<f32>\n  }\n"
        "}\n");
    if (!src) return;
    vt_module *out = dce_ok(src, NULL);
    if (out) {
        CHECK(has_func(out, "main") && has_func(out, "used") && has_func(out, "nested") && has_func(out, "effect"));
        CHECK(has_func(out, "decomp") && has_func(out, "named_target") && has_func(out, "other"));
        CHECK(!has_func(out, "orphan") && !has_func(out, "orphan2"));
        /* the call of a pure function whose result is unused goes, and with it the function */
        CHECK(!has_func(out, "pure_unused_result"));
        CHECK_EQ_INT(nops_of(out, "main"), 5);
        vt_module_free(out);
    }
    vt_module *one = dce_ok(src, "other");
    if (one) {
        CHECK_EQ_INT(one->nfuncs, 1);
        CHECK_STR(one->funcs[0]->name, "other");
        vt_module_free(one);
    }
    vt_module *out2 = NULL;
    vt_error err;
    CHECK_ERR(vt_xf_dce(src, "missing", &out2, &err), &err, VT_EINPUT, "no function @missing (the entry)");
    CHECK_ERR(vt_xf_dce(NULL, NULL, &out2, &err), &err, VT_EINPUT, "no module");
    CHECK_ERR(vt_xf_dce(src, NULL, NULL, &err), &err, VT_EINPUT, "no output pointer");
    vt_module_free(src);
}

/* A long chain of pure calls is judged without exhausting the C stack (beyond a depth the
 * judgement is conservative: the call is kept). */
static vt_module *chain_module(int n) {
    vt_buf t;
    vt_buf_init(&t);
    vt_buf_puts(&t, "module {\n  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n"
                    "    %0 = call @f1(%x) : (tensor<f32>) -> tensor<f32>\n    return %x : tensor<f32>\n  }\n");
    for (int i = 1; i < n; i++) {
        vt_buf_printf(&t, "  func.func private @f%d(%%x: tensor<f32>) -> tensor<f32> {\n", i);
        if (i + 1 < n) vt_buf_printf(&t, "    %%0 = call @f%d(%%x) : (tensor<f32>) -> tensor<f32>\n    return %%0 : tensor<f32>\n  }\n", i + 1);
        else vt_buf_puts(&t, "    %0 = stablehlo.sine %x : tensor<f32>\n    return %0 : tensor<f32>\n  }\n");
    }
    vt_buf_puts(&t, "}\n");
    vt_module *m = parse(vt_buf_cstr(&t));
    vt_buf_free(&t);
    return m;
}

TEST(deep_call_chain) {
    vt_module *m = chain_module(100);
    vt_module *out = m ? dce_ok(m, NULL) : NULL;
    if (out) {
        CHECK_EQ_INT(out->nfuncs, 1); /* the unused call of a pure chain goes, and the chain with it */
        CHECK_EQ_INT(nops_of(out, "main"), 1);
        check_same_run(m, out, NULL, 3);
    }
    vt_module_free(out);
    vt_module_free(m);
    m = chain_module(2000);
    out = m ? dce_ok(m, NULL) : NULL;
    if (out) {
        CHECK_EQ_INT(out->nfuncs, 2000); /* too deep to judge: kept */
        CHECK_EQ_INT(nops_of(out, "main"), 2);
    }
    vt_module_free(out);
    vt_module_free(m);
}

int main(void) {
    RUN(dead_ops_removed);
    RUN(effects_kept);
    RUN(regions_and_while);
    RUN(symbol_dce);
    RUN(deep_call_chain);
    return vt_test_finish();
}
