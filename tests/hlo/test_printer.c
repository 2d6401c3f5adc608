/* Printer: the canonical pretty form of each op family, the generic form, locations, and the
 * print -> parse -> print fixed point on values that are easy to get wrong (NaN, -0, escapes). */
#include "harness.h"
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static char *print_text(const char *text, bool generic, bool locations) {
    vt_module *m;
    vt_error err;
    vt_parse_options o = {"p.mlir", 1, NULL};
    if (vt_parse_module(text, strlen(text), &o, &m, &err) != VT_OK) {
        CHECK_MSG(0, "parse failed: %s", err.msg);
        return strdup("");
    }
    vt_buf b;
    vt_buf_init(&b);
    vt_print_options po = {generic, locations};
    CHECK(vt_module_print(m, &po, &b, &err) == VT_OK);
    vt_module_free(m);
    char *s = strdup(vt_buf_cstr(&b));
    vt_buf_free(&b);
    return s;
}

static void check_fixed_point(const char *text, bool generic) {
    char *a = print_text(text, generic, true);
    char *b = print_text(a, generic, true);
    CHECK_STR(b, a);
    free(a);
    free(b);
}

static void check_contains(const char *text, const char *want) {
    char *a = print_text(text, false, false);
    CHECK_MSG(strstr(a, want) != NULL, "output lacks \"%s\":\n%s", want, a);
    free(a);
}

TEST(canonical_pretty) {
    const char *src =
        "func.func @main(%arg0: tensor<4x6xi32>, %arg1: tensor<i32>) -> (tensor<4xi32>, tensor<2x4xi32>) {\n"
        "  %0 = \"stablehlo.add\"(%arg0, %arg0) : (tensor<4x6xi32>, tensor<4x6xi32>) -> tensor<4x6xi32>\n"
        "  %1 = \"stablehlo.slice\"(%0) <{start_indices = array<i64: 0, 1>, limit_indices = array<i64: 4, 5>, strides = array<i64: 2, 1>}> : (tensor<4x6xi32>) -> tensor<2x4xi32>\n"
        "  %2 = \"stablehlo.compare\"(%arg1, %arg1) {comparison_direction = #stablehlo<comparison_direction GE>} : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "  %3 = \"stablehlo.reduce\"(%arg0, %arg1) ({\n  ^bb0(%a: tensor<i32>, %b: tensor<i32>):\n    %s = stablehlo.add %a, %b : tensor<i32>\n    stablehlo.return %s : tensor<i32>\n  }) {dimensions = array<i64: 1>} : (tensor<4x6xi32>, tensor<i32>) -> tensor<4xi32>\n"
        "  %4 = \"stablehlo.transpose\"(%1) {permutation = array<i64: 0, 1>} : (tensor<2x4xi32>) -> tensor<2x4xi32>\n"
        "  %5 = \"stablehlo.constant\"() {value = dense<[1, 2]> : tensor<2xi32>} : () -> tensor<2xi32>\n"
        "  \"func.return\"(%3, %4) : (tensor<4xi32>, tensor<2x4xi32>) -> ()\n"
        "}\n";
    check_contains(src, "%0 = stablehlo.add %arg0, %arg0 : tensor<4x6xi32>\n");
    check_contains(src, "%1 = stablehlo.slice %0 [0:4:2, 1:5] : (tensor<4x6xi32>) -> tensor<2x4xi32>\n");
    check_contains(src, "%2 = stablehlo.compare GE, %arg1, %arg1 : (tensor<i32>, tensor<i32>) -> tensor<i1>\n");
    check_contains(src, "%4 = stablehlo.transpose %1, dims = [0, 1] : tensor<2x4xi32>\n");
    check_contains(src, "%5 = stablehlo.constant dense<[1, 2]> : tensor<2xi32>\n");
    check_contains(src, "return %3, %4 : tensor<4xi32>, tensor<2x4xi32>\n");
    check_contains(src, "%3 = stablehlo.reduce(%arg0 init: %arg1) applies stablehlo.add across dimensions = [1] : (tensor<4x6xi32>, tensor<i32>) -> tensor<4xi32>\n");
    check_contains(src, "module {\n  func.func @main(%arg0: tensor<4x6xi32>, %arg1: tensor<i32>) -> (tensor<4xi32>, tensor<2x4xi32>) {\n");
    check_fixed_point(src, false);
    check_fixed_point(src, true);
}

TEST(generic_form) {
    const char *src = "func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
                      "  %0 = stablehlo.broadcast_in_dim %a, dims = [0] : (tensor<2xf32>) -> tensor<2xf32>\n"
                      "  return %0 : tensor<2xf32>\n}\n";
    char *g = print_text(src, true, false);
    CHECK_MSG(strstr(g, "%0 = \"stablehlo.broadcast_in_dim\"(%a) {broadcast_dimensions = array<i64: 0>} : (tensor<2xf32>) -> tensor<2xf32>\n"),
              "%s", g);
    CHECK(strstr(g, "\"func.return\"(%0) : (tensor<2xf32>) -> ()\n"));
    free(g);
}

TEST(tricky_values) {
    const char *src =
        "func.func @f() attributes {s = \"tab\\09quote\\22back\\\\slash\\0A\\FF\", n = 0x7FF8000000000000 : f64, z = -0.0 : f32, "
        "big = 18446744073709551615 : ui64, neg = -9223372036854775808 : i64, e = 1.0e-300, arr = array<f32: 1.5, 0x7F800000>, "
        "b = array<i1: true, false>, t = tensor<2x?xbf16>, sym = @foo, nest = [{a}, [1, 2.5], #stablehlo<precision HIGH>], "
        "opaque = #sdy.sharding<@mesh, [{\"x\", ?}p1]>} {\n"
        "  %0 = stablehlo.constant dense<[0x7FC00001, -0.0, 1.0e-45, 3.40282347e+38, 0xFF800000]> : tensor<5xf32>\n"
        "  %1 = stablehlo.constant dense<[0.1, 0.2, 0.30000000000000004]> : tensor<3xf64>\n"
        "  %2 = stablehlo.constant dense<[(0x7FC00000, -1.5)]> : tensor<1xcomplex<f32>>\n"
        "  %3 = stablehlo.constant dense<[1.0, 65504.0, 6.0e-8]> : tensor<3xf16>\n"
        "  %4 = stablehlo.constant dense<[0.5, 448.0, 0x7F]> : tensor<3xf8E4M3FN>\n"
        "  %5 = stablehlo.iota dim = 0 : tensor<100xi64>\n"
        "  return\n}\n";
    check_fixed_point(src, false);
    check_fixed_point(src, true);
    char *a = print_text(src, false, false);
    CHECK_MSG(strstr(a, "s = \"tab\\09quote\\\"back\\\\slash\\0A\\FF\""), "%s", a);
    CHECK_MSG(strstr(a, "dense<[0x7FC00001, -0.0, 1.0e-45, 3.4028235e+38, 0xFF800000]>"), "%s", a);
    CHECK_MSG(strstr(a, "dense<[0.1, 0.2, 0.30000000000000004]>"), "%s", a);
    /* shortest decimals that round back to the same f16 / f8 element */
    CHECK_MSG(strstr(a, "dense<[1.0, 6.55e+04, 6.0e-08]> : tensor<3xf16>"), "%s", a);
    CHECK_MSG(strstr(a, "dense<[0.5, 4.5e+02, 0x7F]> : tensor<3xf8E4M3FN>"), "%s", a);
    CHECK_MSG(strstr(a, "big = 18446744073709551615 : ui64"), "%s", a);
    CHECK_MSG(strstr(a, "n = 0x7FF8000000000000 : f64"), "%s", a);
    free(a);
}

TEST(large_constants_print_as_hex) {
    /* 200 bytes: printed as a hex blob that decodes to the same bytes */
    char src[4096];
    int k = snprintf(src, sizeof src, "func.func @f() {\n  %%0 = stablehlo.constant dense<[");
    for (int i = 0; i < 50; i++) k += snprintf(src + k, sizeof src - (size_t)k, "%s%d", i ? ", " : "", i * 1000 - 7);
    snprintf(src + k, sizeof src - (size_t)k, "]> : tensor<50xi32>\n  return\n}\n");
    char *a = print_text(src, false, false);
    CHECK_MSG(strstr(a, "dense<\"0xF9FFFFFFE1030000"), "%s", a);
    free(a);
    check_fixed_point(src, false);
}

TEST(while_and_regions) {
    const char *src =
        "func.func @f(%n: tensor<i64>) -> tensor<i64> {\n"
        "  %c = stablehlo.constant dense<0> : tensor<i64>\n"
        "  %r:2 = stablehlo.while(%i = %c, %acc = %c) : tensor<i64>, tensor<i64> attributes {tag = 1 : i32}\n"
        "   cond {\n    %p = stablehlo.compare LT, %i, %n : (tensor<i64>, tensor<i64>) -> tensor<i1>\n    stablehlo.return %p : tensor<i1>\n"
        "  } do {\n    %x = stablehlo.add %i, %acc : tensor<i64>\n    stablehlo.return %x, %x : tensor<i64>, tensor<i64>\n  }\n"
        "  %s = \"stablehlo.case\"(%c) ({\n    stablehlo.return %c : tensor<i64>\n  }, {\n    stablehlo.return %n : tensor<i64>\n  }) : (tensor<i64>) -> tensor<i64>\n"
        "  return %r#1 : tensor<i64>\n}\n";
    check_fixed_point(src, false);
    check_fixed_point(src, true);
    char *a = print_text(src, false, false);
    CHECK_MSG(strstr(a, "%r:2 = stablehlo.while(%i = %c, %acc = %c) : tensor<i64>, tensor<i64> attributes {tag = 1 : i32}\n    cond {\n"), "%s", a);
    CHECK_MSG(strstr(a, "\"stablehlo.case\"(%c) ({\n      stablehlo.return %c : tensor<i64>\n    }, {\n"), "%s", a);
    free(a);
}

TEST(shardy) {
    const char *src =
        "module @jit_f attributes {mhlo.num_partitions = 2 : i32} {\n"
        "  sdy.mesh @mesh = <[\"x\"=2]>\n"
        "  func.func public @main(%arg0: tensor<8xf32> {sdy.sharding = #sdy.sharding<@mesh, [{\"x\"}]>}) -> (tensor<8xf32> {mhlo.sharding = \"{devices=[2]<=[2]}\"}) {\n"
        "    %0 = sdy.manual_computation(%arg0) in_shardings=[<@mesh, [{\"x\"}]>] out_shardings=[<@mesh, [{\"x\"}]>] manual_axes={\"x\"} (%arg1: tensor<4xf32>) {\n"
        "      %1 = stablehlo.add %arg1, %arg1 : tensor<4xf32>\n"
        "      sdy.return %1 : tensor<4xf32>\n"
        "    } : (tensor<8xf32>) -> tensor<8xf32>\n"
        "    %2 = sdy.sharding_constraint %0 <@mesh, [{}]> : tensor<8xf32>\n"
        "    return %2 : tensor<8xf32>\n  }\n}\n";
    check_fixed_point(src, false);
    check_fixed_point(src, true);
    check_contains(src, "%0 = sdy.manual_computation(%arg0) in_shardings=[<@mesh, [{\"x\"}]>] out_shardings=[<@mesh, [{\"x\"}]>] manual_axes={\"x\"} (%arg1: tensor<4xf32>) {\n");
    check_contains(src, "%2 = sdy.sharding_constraint %0 <@mesh, [{}]> : tensor<8xf32>\n");
    check_contains(src, "sdy.mesh @mesh = <[\"x\"=2]>\n");
    char *g = print_text(src, true, false);
    CHECK_MSG(strstr(g, "\"sdy.manual_computation\"(%arg0) ({\n    ^bb0(%arg1: tensor<4xf32>):\n"), "%s", g);
    CHECK_MSG(strstr(g, "in_shardings = #sdy.sharding_per_value<[<@mesh, [{\"x\"}]>]>, manual_axes = #sdy<manual_axes{\"x\"}>"), "%s", g);
    free(g);
}

int main(void) {
    RUN(shardy);
    RUN(canonical_pretty);
    RUN(generic_form);
    RUN(tricky_values);
    RUN(large_constants_print_as_hex);
    RUN(while_and_regions);
    return vt_test_finish();
}
