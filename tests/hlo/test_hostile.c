/* Hostile and malformed StableHLO text: every case fails with a specific status and a message
 * that names the problem and its file:line:col; nothing crashes, hangs or allocates unbounded. */
#include "harness.h"
#include "veritor/hlo.h"

#include <stdlib.h>
#include <string.h>

static vt_status parse_n(const char *text, size_t n, const vt_parse_limits *lim, vt_error *err) {
    vt_parse_options o = {"bad.mlir", 1, lim};
    vt_module *m = NULL;
    vt_status s = vt_parse_module(text, n, &o, &m, err);
    CHECK(s == VT_OK ? m != NULL : m == NULL);
    vt_module_free(m);
    return s;
}
static vt_status parse(const char *text, vt_error *err) { return parse_n(text, strlen(text), NULL, err); }

#define FN(body) "func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n" body "\n}\n"

TEST(unterminated) {
    vt_error err;
    CHECK_ERR(parse("func.func @f() {\n  %0 = stablehlo.custom_call @\"abc(\n", &err), &err, VT_EINPUT, "bad.mlir:2:30: unterminated string");
    CHECK_ERR(parse("func.func @f() {\n  %0 = stablehlo.constant dense<0> : tensor<i32>\n", &err), &err, VT_EINPUT,
              "bad.mlir:1:16: unterminated region");
    CHECK_ERR(parse("module {\n func.func @f() {\n return\n }\n", &err), &err, VT_EINPUT, "bad.mlir:1:1: unterminated module");
    CHECK_ERR(parse("func.func @f() attributes {a = 1, b = [1, 2", &err), &err, VT_EINPUT, "unterminated '[' in attribute");
    CHECK_ERR(parse("func.func @f() attributes {a = 1, b = 2", &err), &err, VT_EINPUT, "unterminated attribute dictionary");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<[1, 2", &err), &err, VT_EINPUT, "unterminated dense literal");
    CHECK_ERR(parse("func.func @f() attributes {a = #stablehlo.gather<x = [1", &err), &err, VT_EINPUT, "unterminated '<' in attribute");
    CHECK_ERR(parse("func.func @f(%a: tensor<2xf32", &err), &err, VT_EINPUT, "bad.mlir:1:30: expected '>' at the end of the tensor type");
    CHECK_ERR(parse("{-# dialect_resources: { builtin: { x: \"0x04000000\"", &err), &err, VT_EINPUT, "unterminated file metadata");
}

static char *repeat(const char *pre, const char *unit, size_t n, const char *post) {
    size_t lu = strlen(unit), lp = strlen(pre), lq = strlen(post);
    char *s = malloc(lp + lu * n + lq + 1);
    memcpy(s, pre, lp);
    for (size_t i = 0; i < n; i++) memcpy(s + lp + i * lu, unit, lu);
    memcpy(s + lp + n * lu, post, lq + 1);
    return s;
}

TEST(deep_nesting) {
    vt_error err;
    const size_t N = 1000000;
    char *s = repeat("func.func @f() attributes {a = ", "[", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit of 128");
    CHECK(strstr(err.msg, "bad.mlir:1:"));
    free(s);
    s = repeat("func.func @f(%a: ", "tuple<", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit");
    free(s);
    s = repeat("func.func @f() attributes {a = ", "{b = ", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit");
    free(s);
    s = repeat("func.func @f() { ", "%0 = \"x.y\"() ({ ", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit");
    free(s);
    s = repeat("func.func @f() { %0 = stablehlo.constant dense<", "[", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "dense literal nested deeper than rank 32");
    free(s);
    s = repeat("func.func @f() attributes {a = #x.y<", "<", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit");
    free(s);
    s = repeat("func.func @f() attributes {a = loc(", "callsite(", N, "");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "nesting deeper than the limit");
    free(s);
}

TEST(huge_types) {
    vt_error err;
    /* 2^62 elements: refused at the type, before any allocation */
    CHECK_ERR(parse("func.func @f(%a: tensor<4611686018427387904xf32>) { return }", &err), &err, VT_ELIMIT,
              "bad.mlir:1:18: tensor type has more elements than the limit");
    CHECK_ERR(parse("func.func @f(%a: tensor<2147483648x2147483648xi8>) { return }", &err), &err, VT_ELIMIT, "more elements than the limit");
    CHECK_ERR(parse("func.func @f(%a: tensor<99999999999999999999xf32>) { return }", &err), &err, VT_ELIMIT, "dimension too large");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<0.0> : tensor<4611686018427387904xf32>\n return }", &err), &err,
              VT_ELIMIT, "more elements than the limit");
    char *s = repeat("func.func @f(%a: tensor<", "1x", 40, "f32>) { return }");
    CHECK_ERR(parse(s, &err), &err, VT_ELIMIT, "tensor rank above the limit of 32");
    free(s);
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    lim.max_type_elements = 100;
    const char *t = "func.func @f(%a: tensor<11x10xf32>) { return }";
    CHECK_ERR(parse_n(t, strlen(t), &lim, &err), &err, VT_ELIMIT, "more elements than the limit of 100");
}

TEST(hex_blobs) {
    vt_error err;
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<\"0x0000803F000000\"> : tensor<2xf32>\n return }", &err), &err,
              VT_EINPUT, "hex blob has 7 bytes but tensor<...> of 2 elements of f32 needs 8");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<\"0x0000803F0\"> : tensor<2xf32>\n return }", &err), &err, VT_EINPUT,
              "bad.mlir:1:48: hex blob has an odd number of digits");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<\"0x0000803G00000000\"> : tensor<2xf32>\n return }", &err), &err,
              VT_EINPUT, "non-hex digit");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<\"0x0102\"> : tensor<2xi1>\n return }", &err), &err, VT_EINPUT,
              "hex blob for i1 holds byte 0x02 at element 1");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<\"hello\"> : tensor<2xi8>\n return }", &err), &err, VT_EUNSUPPORTED,
              "not supported: dense string elements");
}

TEST(values) {
    vt_error err;
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a, %a : tensor<2xf32>\n  %0 = stablehlo.add %a, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"),
                    &err),
              &err, VT_EINPUT, "bad.mlir:3:3: redefinition of value '%0'");
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a, %1 : tensor<2xf32>\n  %1 = stablehlo.add %a, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"),
                    &err),
              &err, VT_EINPUT, "bad.mlir:2:26: use of undefined value '%1'");
    CHECK_ERR(parse(FN("  %0:2 = stablehlo.add %a, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "bad.mlir:2:3: 'stablehlo.add' has 1 result, not 2");
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)\n  return %0 : tensor<2xf32>"),
                    &err),
              &err, VT_EINPUT, "defines 1 result name but has 2 result types");
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "'stablehlo.add' takes 2 operands, not 1");
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a, %a : tensor<3xf32>\n  return %0 : tensor<3xf32>"), &err), &err, VT_EINPUT,
              "bad.mlir:2:29: operand #0 of 'stablehlo.add' has type tensor<2xf32> but the signature says tensor<3xf32>");
    CHECK_ERR(parse(FN("  return %a : tensor<2xi32>"), &err), &err, VT_EINPUT, "operand #0 of 'func.return' has type tensor<2xf32>");
    CHECK_ERR(parse(FN("  %0 = \"stablehlo.abs\"(%a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err),
              &err, VT_EINPUT, "has 1 operands but its type signature lists 2");
    CHECK_ERR(parse(FN("  %0 = stablehlo.add %a#1, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "value '%a' has 1 results, no #1");
    CHECK_ERR(parse(FN("  %0 = stablehlo.bogus %a : tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "bad.mlir:2:8: unknown op 'stablehlo.bogus'");
}

TEST(fuzz_regressions) {
    vt_error err;
    /* a lexer error right after a second result name leaked the name list (fuzz finding) */
    CHECK_ERR(parse("func.func @f() {\n  %a, %b^ = stablehlo.constant dense<0> : tensor<i64>\n}", &err), &err, VT_EINPUT,
              "bad.mlir:2:9: expected a block name after '^'");
    CHECK_ERR(parse("func.func @f(%a: tensor<2xi64, #stablehlo.bounds<1, ^>>) { return }", &err), &err, VT_EINPUT, "expected a block name");
    CHECK_ERR(parse("func.func @f() attributes {x = array<i64: 1, ^>} { return }", &err), &err, VT_EINPUT, "expected a block name");
}

TEST(symbols) {
    vt_error err;
    CHECK_ERR(parse(FN("  %0 = call @missing(%a) : (tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "bad.mlir:2:3: call to undefined function @missing");
    CHECK_ERR(parse("func.func @g(%x: tensor<2xi32>) -> tensor<2xi32> { return %x : tensor<2xi32> }\n" FN(
                        "  %0 = call @g(%a) : (tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>"),
                    &err),
              &err, VT_EINPUT, "argument #0 of call to @g has type tensor<2xf32>, the function takes tensor<2xi32>");
    CHECK_ERR(parse(FN("  return %a : tensor<2xf32>") FN("  return %a : tensor<2xf32>"), &err), &err, VT_EINPUT,
              "bad.mlir:4:11: redefinition of function @f");
    CHECK_ERR(parse("!a = !a\nfunc.func @f(%x: !a) { return }", &err), &err, VT_EINPUT, "bad.mlir:1:6: undefined type alias '!a'");
    CHECK_ERR(parse("!a = !b\n!b = !a\nfunc.func @f(%x: !a) { return }", &err), &err, VT_EINPUT, "undefined type alias '!b'");
    CHECK_ERR(parse("#a = #a\nfunc.func @f() { return }", &err), &err, VT_EINPUT, "undefined attribute alias '#a'");
    CHECK_ERR(parse("!a = tensor<f32>\n!a = tensor<f32>\nfunc.func @f() { return }", &err), &err, VT_EINPUT, "redefinition of type alias '!a'");
    CHECK_ERR(parse("module {}\nmodule {}", &err), &err, VT_EINPUT, "bad.mlir:2:1: more than one module");
}

TEST(bytes) {
    vt_error err;
    const char nul[] = "func.func @f() {\n  ret\0urn\n}";
    CHECK_ERR(parse_n(nul, sizeof nul - 1, NULL, &err), &err, VT_EINPUT, "bad.mlir:2:6: NUL byte in input");
    CHECK_ERR(parse("func.func @f() {\n  // caf\xc3\xa9 ok\n  return \xff\n}", &err), &err, VT_EINPUT, "bad.mlir:3:10: invalid UTF-8 byte 0xff");
    CHECK_ERR(parse("func.func @f() attributes {s = \"\xe2\x82\"} { return }", &err), &err, VT_EINPUT, "invalid UTF-8 sequence");
    CHECK_ERR(parse("func.func @f() attributes {s = \"\xc0\xaf\"} { return }", &err), &err, VT_EINPUT, "invalid UTF-8 byte 0xc0");
    CHECK_ERR(parse("func.func @f() attributes {s = \"\xed\xa0\x80\"} { return }", &err), &err, VT_EINPUT, "overlong or surrogate");
    CHECK_ERR(parse("func.func @f() attributes {s = \"\\q\"} { return }", &err), &err, VT_EINPUT, "unknown escape sequence");
    CHECK_ERR(parse("func.func @f() { return } `", &err), &err, VT_EINPUT, "bad.mlir:1:27: unexpected character '`'");
    CHECK_ERR(parse("func.func @f() { return } \x01", &err), &err, VT_EINPUT, "unexpected byte 0x01");
    CHECK_ERR(parse("", &err) == VT_OK ? VT_OK : VT_EINPUT, &err, VT_OK, "");
}

TEST(numbers) {
    vt_error err;
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<256> : tensor<i8>\n return }", &err), &err, VT_EINPUT,
              "integer literal out of range for i8");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<-1> : tensor<ui8>\n return }", &err), &err, VT_EINPUT,
              "integer literal out of range for ui8");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<18446744073709551616> : tensor<ui64>\n return }", &err), &err,
              VT_EINPUT, "integer literal out of range");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<1.5> : tensor<i32>\n return }", &err), &err, VT_EINPUT,
              "float literal for an integer element of type i32");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<0x1FFFF> : tensor<f16>\n return }", &err), &err, VT_EINPUT,
              "hex float literal does not fit f16");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<[1, 2, 3]> : tensor<2xi32>\n return }", &err), &err, VT_EINPUT,
              "dense literal shape does not match the type");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<[[1, 2], [3]]> : tensor<2x2xi32>\n return }", &err), &err, VT_EINPUT,
              "rows of different lengths");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<[1, [2]]> : tensor<2xi32>\n return }", &err), &err, VT_EINPUT,
              "inconsistent nesting");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<(1.0, 2.0)> : tensor<f32>\n return }", &err), &err, VT_EINPUT,
              "complex literal for a non-complex element");
    CHECK_ERR(parse("func.func @f() { %0 = stablehlo.constant dense<1> : tensor<?xi32>\n return }", &err), &err, VT_EINPUT,
              "dense attribute needs a static shape");
    CHECK_ERR(parse("func.func @f() attributes {a = 99999999999999999999} { return }", &err), &err, VT_EINPUT,
              "integer literal out of the 64-bit range");
    CHECK_ERR(parse("func.func @f() attributes {a = 300 : i8} { return }", &err), &err, VT_EINPUT, "out of range for i8");
    CHECK_ERR(parse("func.func @f(%a: tensor<2xcomplex<i32>>) { return }", &err), &err, VT_EUNSUPPORTED, "not supported: complex<i32>");
    CHECK_ERR(parse("func.func @f(%a: tensor<*xf32>) { return }", &err), &err, VT_EUNSUPPORTED, "not supported: unranked tensor type");
}

TEST(limits) {
    vt_error err;
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    lim.max_ops = 3;
    const char *t = FN("  %0 = stablehlo.add %a, %a : tensor<2xf32>\n  %1 = stablehlo.add %0, %a : tensor<2xf32>\n"
                       "  %2 = stablehlo.add %1, %a : tensor<2xf32>\n  return %2 : tensor<2xf32>");
    CHECK_ERR(parse_n(t, strlen(t), &lim, &err), &err, VT_ELIMIT, "bad.mlir:5:3: more ops than the limit of 3");
    vt_parse_limits_default(&lim);
    lim.max_constant_bytes = 16;
    t = "func.func @f() {\n  %0 = stablehlo.constant dense<[1, 2]> : tensor<2xi64>\n"
        "  %1 = stablehlo.constant dense<\"0x0100000000000000\"> : tensor<1xi64>\n  return }";
    CHECK_ERR(parse_n(t, strlen(t), &lim, &err), &err, VT_ELIMIT, "bad.mlir:3:33: constants exceed the limit of 16 bytes");
    vt_parse_limits_default(&lim);
    lim.max_input_bytes = 10;
    CHECK_ERR(parse_n(t, strlen(t), &lim, &err), &err, VT_ELIMIT, "exceeds the limit of 10 bytes");
    vt_parse_limits_default(&lim);
    lim.max_depth = 3;
    t = "func.func @f() attributes {a = [[[1]]]} { return }";
    CHECK_ERR(parse_n(t, strlen(t), &lim, &err), &err, VT_ELIMIT, "nesting deeper than the limit of 3");
    /* the same text within the limits */
    lim.max_depth = 8;
    CHECK_EQ_INT(parse_n(t, strlen(t), &lim, &err), VT_OK);
}

TEST(truncations) {
    /* every prefix of a valid program fails cleanly or parses; never crashes */
    const char *good = "#loc1 = loc(\"x.py\":3:4)\nmodule @m attributes {a = 1 : i32} {\n"
                       "  func.func public @main(%arg0: tensor<2xf32> {mhlo.sharding = \"{replicated}\"}) -> (tensor<f32> {jax.result_info = \"\"}) {\n"
                       "    %cst = stablehlo.constant dense<[1.5, 0x7FC00000]> : tensor<2xf32>\n"
                       "    %0 = stablehlo.add %arg0, %cst : tensor<2xf32> loc(#loc1)\n"
                       "    %c = stablehlo.constant dense<0.0> : tensor<f32>\n"
                       "    %1 = stablehlo.reduce(%0 init: %c) applies stablehlo.add across dimensions = [0] : (tensor<2xf32>, tensor<f32>) -> tensor<f32>\n"
                       "    return %1 : tensor<f32>\n  }\n}\n";
    size_t n = strlen(good);
    vt_error err;
    CHECK_EQ_INT(parse_n(good, n, NULL, &err), VT_OK);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *cut = malloc(i + 1);
        memcpy(cut, good, i);
        vt_status s = parse_n(cut, i, NULL, &err);
        if (s != VT_OK) {
            failures++;
            CHECK_MSG(s == VT_EINPUT && strstr(err.msg, "bad.mlir:"), "prefix %zu: %s", i, err.msg);
        }
        free(cut);
    }
    CHECK(failures > (int)n / 2);
}

int main(void) {
    RUN(unterminated);
    RUN(deep_nesting);
    RUN(huge_types);
    RUN(hex_blobs);
    RUN(values);
    RUN(symbols);
    RUN(fuzz_regressions);
    RUN(bytes);
    RUN(numbers);
    RUN(limits);
    RUN(truncations);
    return vt_test_finish();
}
