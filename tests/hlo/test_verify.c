/* Type/shape verifier: per op family, a valid module and invalid variants (wrong shape, wrong
 * element type, bad dimension numbers, bad region signatures) asserting VT_EINPUT and the
 * constraint in words, with file:line:col. */
#include "harness.h"
#include "veritor/hlo.h"

#include <string.h>

/* Parses text (the syntax must be valid) and runs the verifier. */
static vt_status verify_text(const char *text, vt_error *err) {
    vt_module *m = NULL;
    vt_parse_options o = {"v.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &o, &m, err);
    CHECK_MSG(s == VT_OK, "parse failed: %s\n%s", err->msg, text);
    if (s != VT_OK) return VT_EINTERNAL;
    s = vt_module_verify(m, err);
    vt_module_free(m);
    return s;
}

#define OK(text)                                                                    \
    do {                                                                            \
        vt_error _e;                                                                \
        vt_status _s = verify_text(text, &_e);                                      \
        CHECK_MSG(_s == VT_OK, "expected to verify: %s\n%s", _e.msg, text);         \
    } while (0)
#define BAD(text, fragment)                                                         \
    do {                                                                            \
        vt_error _e;                                                                \
        memset(&_e, 0, sizeof _e);                                                  \
        CHECK_ERR(verify_text(text, &_e), &_e, VT_EINPUT, fragment);                \
    } while (0)

TEST(elementwise) {
    OK("func.func @f(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {\n"
       "  %0 = stablehlo.add %a, %b : tensor<2xf32>\n  %1 = stablehlo.sqrt %0 : tensor<2xf32>\n  return %1 : tensor<2xf32>\n}");
    BAD("func.func @f(%a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.add %a, %b : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "v.mlir:2:3: stablehlo.add: operand 1 tensor<3xf32> and the result tensor<2xf32> must have the same shape");
    BAD("func.func @f(%a: tensor<2xf32>, %b: tensor<2xi32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.add %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "operand 1 tensor<2xi32> and operand 0 tensor<2xf32> must have the same element type");
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.and %a, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "stablehlo.and: operand element type f32 is not boolean or integer");
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.shift_left %a, %a : tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "operand element type f32 is not integer");
    BAD("func.func @f(%a: tensor<2xi32>) -> tensor<2xi32> {\n"
        "  %0 = stablehlo.sqrt %a : tensor<2xi32>\n  return %0 : tensor<2xi32>\n}",
        "stablehlo.sqrt: operand element type i32 is not floating-point or complex");
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.compare LT, %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "result element type must be i1, not f32");
    BAD("func.func @f(%p: tensor<2xi32>, %a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.select %p, %a, %a : (tensor<2xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "predicate must have element type i1, not i32");
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<2xf16> {\n"
        "  %0 = stablehlo.negate %a : (tensor<2xf32>) -> tensor<2xf16>\n  return %0 : tensor<2xf16>\n}",
        "must have the same element type");
    /* convert changes element types; `?` dims are compatible with any size */
    OK("func.func @f(%a: tensor<?xf32>) -> tensor<2xi8> {\n"
       "  %0 = stablehlo.convert %a : (tensor<?xf32>) -> tensor<2xi8>\n  return %0 : tensor<2xi8>\n}");
    OK("func.func @f(%a: tensor<2xcomplex<f32>>) -> tensor<2xf32> {\n"
       "  %0 = stablehlo.abs %a : (tensor<2xcomplex<f32>>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}");
}

TEST(shape_ops) {
    OK("func.func @f(%a: tensor<3xf32>) -> tensor<2x3xf32> {\n"
       "  %0 = stablehlo.broadcast_in_dim %a, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}");
    BAD("func.func @f(%a: tensor<3xf32>) -> tensor<2x3xf32> {\n"
        "  %0 = stablehlo.broadcast_in_dim %a, dims = [0] : (tensor<3xf32>) -> tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}",
        "operand dimension 0 has size 3, result dimension 0 has size 2");
    BAD("func.func @f(%a: tensor<3xf32>) -> tensor<2x3xf32> {\n"
        "  %0 = stablehlo.broadcast_in_dim %a, dims = [2] : (tensor<3xf32>) -> tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}",
        "broadcast_dimensions must be unique and in [0, 2)");
    BAD("func.func @f(%a: tensor<2x3xf32>) -> tensor<5xf32> {\n"
        "  %0 = stablehlo.reshape %a : (tensor<2x3xf32>) -> tensor<5xf32>\n  return %0 : tensor<5xf32>\n}",
        "operand has 6 elements but the result 5");
    BAD("func.func @f(%a: tensor<2x3xf32>) -> tensor<6xi32> {\n"
        "  %0 = stablehlo.reshape %a : (tensor<2x3xf32>) -> tensor<6xi32>\n  return %0 : tensor<6xi32>\n}",
        "must have the element type of the operand");
    BAD("func.func @f(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {\n"
        "  %0 = stablehlo.transpose %a, dims = [0, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>\n  return %0 : tensor<3x2xf32>\n}",
        "permutation must be a permutation of [0, 2)");
    BAD("func.func @f(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
        "  %0 = stablehlo.transpose %a, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}",
        "result dimension 0 has size 2, operand dimension 1 has size 3");
    OK("func.func @f(%a: tensor<8xf32>) -> tensor<3xf32> {\n"
       "  %0 = stablehlo.slice %a [1:7:2] : (tensor<8xf32>) -> tensor<3xf32>\n  return %0 : tensor<3xf32>\n}");
    BAD("func.func @f(%a: tensor<8xf32>) -> tensor<3xf32> {\n"
        "  %0 = stablehlo.slice %a [1:9:3] : (tensor<8xf32>) -> tensor<3xf32>\n  return %0 : tensor<3xf32>\n}",
        "dimension 0: slice [1:9:3] does not fit size 8");
    BAD("func.func @f(%a: tensor<8xf32>) -> tensor<4xf32> {\n"
        "  %0 = stablehlo.slice %a [1:7:2] : (tensor<8xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
        "result dimension 0 has size 4, the slice gives 3");
    OK("func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> tensor<2x4xf32> {\n"
       "  %0 = stablehlo.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>\n  return %0 : tensor<2x4xf32>\n}");
    BAD("func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> tensor<2x5xf32> {\n"
        "  %0 = stablehlo.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>\n  return %0 : tensor<2x5xf32>\n}",
        "result dimension 1 has size 5, the operands add up to 4");
    BAD("func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x1xf32>) -> tensor<2x4xf32> {\n"
        "  %0 = stablehlo.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<3x1xf32>) -> tensor<2x4xf32>\n  return %0 : tensor<2x4xf32>\n}",
        "operand 1 dimension 0 has size 3, operand 0 2");
    OK("func.func @f(%a: tensor<3xf32>, %p: tensor<f32>) -> tensor<8xf32> {\n"
       "  %0 = stablehlo.pad %a, %p, low = [1], high = [2], interior = [1] : (tensor<3xf32>, tensor<f32>) -> tensor<8xf32>\n"
       "  return %0 : tensor<8xf32>\n}");
    BAD("func.func @f(%a: tensor<3xf32>, %p: tensor<f32>) -> tensor<7xf32> {\n"
        "  %0 = stablehlo.pad %a, %p, low = [1], high = [2], interior = [1] : (tensor<3xf32>, tensor<f32>) -> tensor<7xf32>\n"
        "  return %0 : tensor<7xf32>\n}",
        "result dimension 0 has size 7, padding gives 8");
    BAD("func.func @f() -> tensor<2x3xi32> {\n  %0 = stablehlo.iota dim = 2 : tensor<2x3xi32>\n  return %0 : tensor<2x3xi32>\n}",
        "iota_dimension 2 outside [0, 2)");
    OK("func.func @f(%a: tensor<8xf32>, %i: tensor<i32>) -> tensor<8xf32> {\n"
       "  %0 = stablehlo.dynamic_slice %a, %i, sizes = [2] : (tensor<8xf32>, tensor<i32>) -> tensor<2xf32>\n"
       "  %1 = stablehlo.dynamic_update_slice %a, %0, %i : (tensor<8xf32>, tensor<2xf32>, tensor<i32>) -> tensor<8xf32>\n"
       "  return %1 : tensor<8xf32>\n}");
    BAD("func.func @f(%a: tensor<8xf32>, %i: tensor<i32>) -> tensor<9xf32> {\n"
        "  %0 = stablehlo.dynamic_slice %a, %i, sizes = [9] : (tensor<8xf32>, tensor<i32>) -> tensor<9xf32>\n  return %0 : tensor<9xf32>\n}",
        "slice size 9 of dimension 0 outside [0, 8]");
    BAD("func.func @f(%a: tensor<8xf32>, %i: tensor<f32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.dynamic_slice %a, %i, sizes = [2] : (tensor<8xf32>, tensor<f32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "start index 0 must be a scalar integer tensor");
    BAD("func.func @f(%a: tensor<8xf32>, %u: tensor<9xf32>, %i: tensor<i32>) -> tensor<8xf32> {\n"
        "  %1 = stablehlo.dynamic_update_slice %a, %u, %i : (tensor<8xf32>, tensor<9xf32>, tensor<i32>) -> tensor<8xf32>\n"
        "  return %1 : tensor<8xf32>\n}",
        "update dimension 0 (size 9) is larger than the operand's (8)");
    BAD("func.func @f(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
        "  %0 = stablehlo.reverse %a, dims = [3] : tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}",
        "dimensions must be unique and in [0, 2)");
}

TEST(dot) {
    OK("func.func @f(%a: tensor<4x2x3xf32>, %b: tensor<4x3x5xf32>) -> tensor<4x2x5xf32> {\n"
       "  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1] : "
       "(tensor<4x2x3xf32>, tensor<4x3x5xf32>) -> tensor<4x2x5xf32>\n  return %0 : tensor<4x2x5xf32>\n}");
    BAD("func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {\n"
        "  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>\n"
        "  return %0 : tensor<2x5xf32>\n}",
        "stablehlo.dot_general: lhs contracting dimension 1 has size 3 but rhs contracting dimension 0 has size 4");
    BAD("func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) -> tensor<2x5xf32> {\n"
        "  %0 = stablehlo.dot_general %a, %b, contracting_dims = [2] x [0] : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>\n"
        "  return %0 : tensor<2x5xf32>\n}",
        "lhs contracting dimension 2 outside [0, 2)");
    BAD("func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) -> tensor<5x2xf32> {\n"
        "  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<5x2xf32>\n"
        "  return %0 : tensor<5x2xf32>\n}",
        "result dimension 0 has size 5, expected 2");
    BAD("func.func @f(%a: tensor<4x2x3xf32>, %b: tensor<5x3x5xf32>) -> tensor<4x2x5xf32> {\n"
        "  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1] : "
        "(tensor<4x2x3xf32>, tensor<5x3x5xf32>) -> tensor<4x2x5xf32>\n  return %0 : tensor<4x2x5xf32>\n}",
        "lhs batching dimension 0 has size 4 but rhs batching dimension 0 has size 5");
    BAD("func.func @f(%a: tensor<3x3xf32>, %b: tensor<3x3xf32>) -> tensor<3xf32> {\n"
        "  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [0] x [1] : "
        "(tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3xf32>\n  return %0 : tensor<3xf32>\n}",
        "lhs dimension 0 is both batching and contracting");
}

static const char *reduce_ok =
    "func.func @f(%a: tensor<2x3xf32>, %z: tensor<f32>) -> tensor<2xf32> {\n"
    "  %0 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>\n"
    "  return %0 : tensor<2xf32>\n}";

TEST(regions) {
    OK(reduce_ok);
    BAD("func.func @f(%a: tensor<2x3xf32>, %z: tensor<f32>) -> tensor<3xf32> {\n"
        "  %0 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32>\n"
        "  return %0 : tensor<3xf32>\n}",
        "result 0 dimension 0 has size 3, input dimension 0 has size 2");
    BAD("func.func @f(%a: tensor<2x3xf32>, %z: tensor<f32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [2] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>\n"
        "  return %0 : tensor<2xf32>\n}",
        "stablehlo.reduce: dimension 2 outside [0, 2)");
    BAD("func.func @f(%a: tensor<2x3xf32>, %z: tensor<f32>) -> tensor<2xf32> {\n"
        "  %0 = \"stablehlo.reduce\"(%a, %z) ({\n  ^bb0(%x: tensor<f32>):\n    stablehlo.return %x : tensor<f32>\n"
        "  }) {dimensions = array<i64: 1>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "body takes 1 arguments, expected 2 (2 per input)");
    const char *loop =
        "func.func @f(%n: tensor<i32>) -> tensor<i32> {\n"
        "  %0 = stablehlo.while(%i = %n) : tensor<i32>\n  cond {\n    %c = stablehlo.compare LT, %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "    stablehlo.return %c : tensor<i1>\n  } do {\n    stablehlo.return %i : tensor<i32>\n  }\n  return %0 : tensor<i32>\n}";
    OK(loop);
    BAD("func.func @f(%n: tensor<i32>) -> tensor<i32> {\n"
        "  %0 = stablehlo.while(%i = %n) : tensor<i32>\n  cond {\n    stablehlo.return %i : tensor<i32>\n"
        "  } do {\n    stablehlo.return %i : tensor<i32>\n  }\n  return %0 : tensor<i32>\n}",
        "stablehlo.while: cond must return one tensor<i1>");
    BAD("func.func @f(%n: tensor<i32>, %m: tensor<i1>) -> tensor<i32> {\n"
        "  %0 = stablehlo.while(%i = %n) : tensor<i32>\n  cond {\n    stablehlo.return %m : tensor<i1>\n"
        "  } do {\n    stablehlo.return %m : tensor<i1>\n  }\n  return %0 : tensor<i32>\n}",
        "body result 0 does not have the type of operand 0");
    BAD("func.func @f(%p: tensor<i1>, %a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {\n"
        "  %0 = \"stablehlo.if\"(%p) ({\n    stablehlo.return %a : tensor<2xf32>\n  }, {\n    stablehlo.return %b : tensor<3xf32>\n"
        "  }) : (tensor<i1>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "branch 1 result 0 does not have the op's result type");
    BAD("func.func @f(%p: tensor<i32>, %a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = \"stablehlo.if\"(%p) ({\n    stablehlo.return %a : tensor<2xf32>\n  }, {\n    stablehlo.return %a : tensor<2xf32>\n"
        "  }) : (tensor<i32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}",
        "predicate must be a tensor<i1>");
    BAD("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %0 = \"stablehlo.sort\"(%a) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n    stablehlo.return %x : tensor<f32>\n"
        "  }) {dimension = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
        "comparator must return one tensor<i1>");
    BAD("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %0 = \"stablehlo.sort\"(%a) ({\n  ^bb0(%x: tensor<i32>, %y: tensor<i32>):\n"
        "    %c = stablehlo.compare LT, %x, %y : (tensor<i32>, tensor<i32>) -> tensor<i1>\n    stablehlo.return %c : tensor<i1>\n"
        "  }) {dimension = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
        "comparator argument 0 must be a scalar of input 0's element type");
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = stablehlo.composite \"my.op\" %a {decomposition = @g} : (tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}\n"
        "func.func private @g(%x: tensor<3xf32>) -> tensor<2xf32> {\n  %0 = stablehlo.slice %x [0:2] : (tensor<3xf32>) -> tensor<2xf32>\n"
        "  return %0 : tensor<2xf32>\n}",
        "operand 0 does not have the type of @g's argument");
}

TEST(gather_scatter) {
    const char *g_ok =
        "func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {\n"
        "  %0 = \"stablehlo.gather\"(%a, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], "
        "start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 4>} : (tensor<3x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>\n"
        "  return %0 : tensor<2x4xf32>\n}";
    OK(g_ok);
    BAD("func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {\n"
        "  %0 = \"stablehlo.gather\"(%a, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], "
        "start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 5>} : (tensor<3x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>\n"
        "  return %0 : tensor<2x4xf32>\n}",
        "slice size 5 of dimension 1 outside [0, 4]");
    BAD("func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {\n"
        "  %0 = \"stablehlo.gather\"(%a, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], "
        "start_index_map = [0, 1], index_vector_dim = 1>, slice_sizes = array<i64: 1, 4>} : (tensor<3x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>\n"
        "  return %0 : tensor<2x4xf32>\n}",
        "start_index_map has 2 entries but the index vector has size 1");
    BAD("func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {\n"
        "  %0 = \"stablehlo.gather\"(%a, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], "
        "start_index_map = [0], index_vector_dim = 3>, slice_sizes = array<i64: 1, 4>} : (tensor<3x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>\n"
        "  return %0 : tensor<2x4xf32>\n}",
        "index_vector_dim 3 outside [0, 2]");
    const char *s_ok =
        "func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {\n"
        "  %0 = \"stablehlo.scatter\"(%a, %i, %u) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"
        "  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], "
        "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>} : (tensor<3x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<3x4xf32>\n"
        "  return %0 : tensor<3x4xf32>\n}";
    OK(s_ok);
    BAD("func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {\n"
        "  %0 = \"stablehlo.scatter\"(%a, %i, %u) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"
        "  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0, 0], "
        "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>} : (tensor<3x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<3x4xf32>\n"
        "  return %0 : tensor<3x4xf32>\n}",
        "inserted_window_dims must be sorted, unique and in [0, 2)");
}

TEST(structure) {
    BAD("func.func @f(%a: tensor<2xf32>) -> tensor<3xf32> {\n  return %a : tensor<2xf32>\n}",
        "return value 0 does not have the declared result type");
}

TEST(misc) {
    OK("func.func @f(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {\n"
       "  %0 = \"stablehlo.cholesky\"(%a) {lower = true} : (tensor<3x3xf32>) -> tensor<3x3xf32>\n  return %0 : tensor<3x3xf32>\n}");
    BAD("func.func @f(%a: tensor<3x4xf32>) -> tensor<3x4xf32> {\n"
        "  %0 = \"stablehlo.cholesky\"(%a) {lower = true} : (tensor<3x4xf32>) -> tensor<3x4xf32>\n  return %0 : tensor<3x4xf32>\n}",
        "stablehlo.cholesky: operand must be a batch of square matrices");
    BAD("func.func @f(%a: tensor<3x3xf32>, %b: tensor<4x2xf32>) -> tensor<4x2xf32> {\n"
        "  %0 = \"stablehlo.triangular_solve\"(%a, %b) {left_side = true, lower = true, transpose_a = #stablehlo<transpose NO_TRANSPOSE>, "
        "unit_diagonal = false} : (tensor<3x3xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>\n  return %0 : tensor<4x2xf32>\n}",
        "a has size 3 but b's row dimension has size 4");
    BAD("func.func @f(%a: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {\n"
        "  %0 = \"stablehlo.fft\"(%a) {fft_length = array<i64: 4, 4>, fft_type = #stablehlo<fft_type FFT>} : "
        "(tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>\n  return %0 : tensor<4xcomplex<f32>>\n}",
        "fft_length has 2 entries, must be 1..min(3, rank 1)");
    BAD("func.func @f(%a: tensor<4x4xf32>, %z: tensor<f32>) -> tensor<3x3xf32> {\n"
        "  %0 = \"stablehlo.reduce_window\"(%a, %z) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"
        "  }) {window_dimensions = array<i64: 2>} : (tensor<4x4xf32>, tensor<f32>) -> tensor<3x3xf32>\n  return %0 : tensor<3x3xf32>\n}",
        "window_dimensions must have 2 entries");
    BAD("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %0 = \"stablehlo.uniform_quantize\"(%a) : (tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
        "result must have a quantized element type");
}

/* convolution: a function with one conv of the given attributes and types */
#define CONV(attrs, lt, rt, ot)                                                                     \
    "func.func @f(%a: " lt ", %k: " rt ") -> " ot " {\n"                                           \
    "  %0 = \"stablehlo.convolution\"(%a, %k) {" attrs "} : (" lt ", " rt ") -> " ot "\n  return %0 : " ot "\n}"
#define CDN "dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>"

TEST(convolution) {
    OK(CONV(CDN ", feature_group_count = 1 : i64, batch_group_count = 1 : i64, lhs_dilation = array<i64: 2, 2>, "
            "padding = dense<[[1, 1], [0, 2]]> : tensor<2x2xi64>, rhs_dilation = array<i64: 1, 1>, window_strides = array<i64: 4, 4>",
            "tensor<1x4x4x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x2x2x1xf32>"));
    OK(CONV(CDN ", feature_group_count = 2 : i64", "tensor<1x5x5x4xf32>", "tensor<3x3x2x6xf32>", "tensor<1x3x3x6xf32>"));
    OK(CONV(CDN ", batch_group_count = 2 : i64", "tensor<4x5x5x2xf32>", "tensor<3x3x2x6xf32>", "tensor<2x3x3x6xf32>"));
    OK(CONV(CDN ", rhs_dilation = array<i64: 2, 2>", "tensor<1x?x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x?x1x1xf32>"));
    BAD(CONV(CDN, "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x4x3x1xf32>"),
        "v.mlir:2:3: stablehlo.convolution: result spatial dimension 0 has size 4, the window formula gives 3");
    BAD(CONV(CDN ", window_strides = array<i64: 2, 2>", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "result spatial dimension 0 has size 3, the window formula gives 2");
    BAD(CONV(CDN ", window_strides = array<i64: 0, 1>", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "window_strides[0] = 0 must be >= 1");
    BAD(CONV(CDN ", lhs_dilation = array<i64: 1>", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "lhs_dilation must have 2 entries");
    BAD(CONV(CDN ", padding = dense<1> : tensor<3x2xi64>", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "padding must be an integer tensor of shape [2, 2]");
    BAD(CONV(CDN, "tensor<1x5x5x2xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "kernel input feature size 1 must be the input feature size 2 / feature_group_count 1");
    BAD(CONV(CDN ", feature_group_count = 3 : i64", "tensor<1x5x5x4xf32>", "tensor<3x3x2x6xf32>", "tensor<1x3x3x6xf32>"),
        "input feature size 4 is not divisible by feature_group_count 3");
    BAD(CONV(CDN ", batch_group_count = 4 : i64", "tensor<4x5x5x2xf32>", "tensor<3x3x2x6xf32>", "tensor<1x3x3x6xf32>"),
        "kernel output feature size 6 is not divisible by batch_group_count 4");
    BAD(CONV(CDN ", batch_group_count = 2 : i64", "tensor<4x5x5x2xf32>", "tensor<3x3x2x6xf32>", "tensor<4x3x3x6xf32>"),
        "result batch dimension has size 4, expected 2");
    BAD(CONV(CDN, "tensor<1x5x5x1xf32>", "tensor<3x3x1x7xf32>", "tensor<1x3x3x1xf32>"),
        "result feature dimension has size 1, expected the kernel output features 7");
    BAD(CONV(CDN ", feature_group_count = 0 : i64", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "feature_group_count and batch_group_count must be positive");
    BAD(CONV("dimension_numbers = #stablehlo.conv<input_batch_dimension = 0, input_feature_dimension = 0, input_spatial_dimensions = [1, 2], "
             "kernel_input_feature_dimension = 2, kernel_output_feature_dimension = 3, kernel_spatial_dimensions = [0, 1], "
             "output_batch_dimension = 0, output_feature_dimension = 3, output_spatial_dimensions = [1, 2]>",
             "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "input_feature_dimension 0 is used twice");
    BAD(CONV("dimension_numbers = #stablehlo.conv<input_batch_dimension = 0, input_feature_dimension = 3, input_spatial_dimensions = [1, 2], "
             "kernel_input_feature_dimension = 2, kernel_output_feature_dimension = 7, kernel_spatial_dimensions = [0, 1], "
             "output_batch_dimension = 0, output_feature_dimension = 3, output_spatial_dimensions = [1, 2]>",
             "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "kernel_output_feature_dimension 7 outside [0, 4)");
    BAD(CONV("dimension_numbers = #stablehlo.conv<input_batch_dimension = 0, input_feature_dimension = 3, input_spatial_dimensions = [1], "
             "kernel_input_feature_dimension = 2, kernel_output_feature_dimension = 3, kernel_spatial_dimensions = [0, 1], "
             "output_batch_dimension = 0, output_feature_dimension = 3, output_spatial_dimensions = [1, 2]>",
             "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "input_spatial_dimensions must have 2 entries");
    BAD(CONV(CDN ", padding = dense<[[0, 0], [0, 4611686018427387904]]> : tensor<2x2xi64>", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>",
             "tensor<1x3x3x1xf32>"),
        "spatial dimension 1: window attributes out of range");
    BAD(CONV("feature_group_count = 1 : i64", "tensor<1x5x5x1xf32>", "tensor<3x3x1x1xf32>", "tensor<1x3x3x1xf32>"),
        "missing dimension_numbers");
}

#define RW(attrs, it, ot)                                                                           \
    "func.func @f(%a: " it ", %z: tensor<f32>) -> " ot " {\n"                                      \
    "  %0 = \"stablehlo.reduce_window\"(%a, %z) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"  \
    "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"         \
    "  }) {" attrs "} : (" it ", tensor<f32>) -> " ot "\n  return %0 : " ot "\n}"

TEST(reduce_window) {
    OK(RW("window_dimensions = array<i64: 2, 2>", "tensor<4x4xf32>", "tensor<3x3xf32>"));
    OK(RW("window_dimensions = array<i64: 2, 1>, window_strides = array<i64: 2, 1>, padding = dense<[[1, 1], [0, 0]]> : tensor<2x2xi64>, "
          "base_dilations = array<i64: 2, 1>, window_dilations = array<i64: 1, 1>",
          "tensor<4x4xf32>", "tensor<4x4xf32>"));
    OK(RW("window_dimensions = array<i64: 3, 1>", "tensor<?x4xf32>", "tensor<?x4xf32>"));
    BAD(RW("window_dimensions = array<i64: 2, 2>", "tensor<4x4xf32>", "tensor<4x3xf32>"),
        "v.mlir:2:3: stablehlo.reduce_window: result 0 dimension 0 has size 4, the window formula gives 3");
    BAD(RW("window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 1, -1>", "tensor<4x4xf32>", "tensor<3x3xf32>"),
        "window_strides[1] = -1 must be >= 1");
    BAD(RW("window_dimensions = array<i64: 2, 2>, base_dilations = array<i64: 1>", "tensor<4x4xf32>", "tensor<3x3xf32>"),
        "base_dilations must have 2 entries");
    BAD(RW("window_dimensions = array<i64: 2, 2>, padding = dense<0> : tensor<2x3xi64>", "tensor<4x4xf32>", "tensor<3x3xf32>"),
        "padding must be an integer tensor of shape [2, 2]");
    OK(RW("window_dimensions = array<i64: 2, 2>, padding = dense<[[-2, -1], [0, 0]]> : tensor<2x2xi64>", "tensor<4x4xf32>", "tensor<0x3xf32>"));
    BAD(RW("window_dimensions = array<i64: 1125899906842624, 1>", "tensor<4x4xf32>", "tensor<0x4xf32>"),
        "dimension 0: window attributes out of range");
    BAD(RW("window_dimensions = array<i64: 1, 1>, base_dilations = array<i64: 9223372036854775807, 1>", "tensor<4x4xf32>", "tensor<4x4xf32>"),
        "dimension 0: window attributes out of range");
    BAD(RW("window_dimensions = array<i64: 2, 0>", "tensor<4x4xf32>", "tensor<3x3xf32>"), "window dimension 1 must be positive");
    BAD(RW("window_dimensions = array<i64: 2, 2>", "tensor<4x4xf32>", "tensor<3xf32>"), "result 0 has rank 1, the input 2");
    BAD(RW("window_dimensions = array<i64: 2, 2>", "tensor<4x4xi32>", "tensor<3x3xi32>"),
        "init value 0 tensor<f32> and input 0 tensor<4x4xi32> must have the same element type");
}

#define GATHER(ss, at, it, rt)                                                                                  \
    "func.func @f(%a: " at ", %i: " it ") -> " rt " {\n"                                                          \
    "  %0 = \"stablehlo.gather\"(%a, %i) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], " \
    "start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: " ss ">} : (" at ", " it ") -> " rt "\n"  \
    "  return %0 : " rt "\n}"
#define SCATTER(ut)                                                                                             \
    "func.func @f(%a: tensor<3x4xf32>, %i: tensor<2x1xi32>, %u: " ut ") -> tensor<3x4xf32> {\n"                  \
    "  %0 = \"stablehlo.scatter\"(%a, %i, %u) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"                    \
    "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"                        \
    "  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], "  \
    "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>} : (tensor<3x4xf32>, tensor<2x1xi32>, " ut ") -> tensor<3x4xf32>\n" \
    "  return %0 : tensor<3x4xf32>\n}"

TEST(gather_scatter_shapes) {
    OK(GATHER("1, 3", "tensor<3x4xf32>", "tensor<5x1xi32>", "tensor<5x3xf32>"));
    OK(GATHER("1, 3", "tensor<3x4xf32>", "tensor<?x1xi32>", "tensor<?x3xf32>"));
    BAD(GATHER("1, 3", "tensor<3x4xf32>", "tensor<5x1xi32>", "tensor<5x4xf32>"),
        "v.mlir:2:3: stablehlo.gather: result dimension 1 has size 4, expected 3 (slice size)");
    BAD(GATHER("1, 3", "tensor<3x4xf32>", "tensor<5x1xi32>", "tensor<6x3xf32>"),
        "result dimension 0 has size 6, expected 5 (indices batch dimension)");
    OK(SCATTER("tensor<2x3xf32>"));
    BAD(SCATTER("tensor<3x4xf32>"), "stablehlo.scatter: update 0 dimension 0 has size 3, the indices' batch dimension 2");
    BAD(SCATTER("tensor<2x5xf32>"), "update 0 window dimension 1 has size 5, larger than the operand's 4");
}

#define SAS(sel_ret, src, attrs)                                                                                \
    "func.func @f(%a: tensor<4x4xf32>, %s: " src ", %z: tensor<f32>) -> tensor<4x4xf32> {\n"                      \
    "  %0 = \"stablehlo.select_and_scatter\"(%a, %s, %z) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"         \
    "    %c = stablehlo.compare GE, %x, %y : (tensor<f32>, tensor<f32>) -> " sel_ret "\n"                         \
    "    stablehlo.return %c : " sel_ret "\n  }, {\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"                   \
    "    %t = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %t : tensor<f32>\n"                        \
    "  }) {" attrs "} : (tensor<4x4xf32>, " src ", tensor<f32>) -> tensor<4x4xf32>\n  return %0 : tensor<4x4xf32>\n}"

TEST(select_and_scatter) {
    OK(SAS("tensor<i1>", "tensor<2x2xf32>", "window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>"));
    OK(SAS("tensor<i1>", "tensor<3x4xf32>",
           "window_dimensions = array<i64: 2, 1>, padding = dense<[[0, 0], [0, 0]]> : tensor<2x2xi64>"));
    BAD(SAS("tensor<i1>", "tensor<3x3xf32>", "window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>"),
        "v.mlir:2:3: stablehlo.select_and_scatter: source dimension 0 has size 3, the operand has 2 windows");
    BAD(SAS("tensor<i1>", "tensor<2x2xf32>", "window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2>"),
        "window_strides must have 2 entries");
    BAD(SAS("tensor<i1>", "tensor<2x2xf32>", "window_dimensions = array<i64: 2, 2>, padding = dense<0> : tensor<2xi64>"),
        "padding must be an integer tensor of shape [2, 2]");
    BAD(SAS("tensor<i1>", "tensor<2x2xi32>", "window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>"),
        "source tensor<2x2xi32> and operand tensor<4x4xf32> must have the same element type");
}

TEST(select_and_scatter_select_type) {
    /* the select body's compare gives i1; a select returning f32 breaks (C9) */
    BAD("func.func @f(%a: tensor<4x4xf32>, %s: tensor<2x2xf32>, %z: tensor<f32>) -> tensor<4x4xf32> {\n"
        "  %0 = \"stablehlo.select_and_scatter\"(%a, %s, %z) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    stablehlo.return %x : tensor<f32>\n  }, {\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %t = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %t : tensor<f32>\n"
        "  }) {window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>} : (tensor<4x4xf32>, tensor<2x2xf32>, tensor<f32>) -> "
        "tensor<4x4xf32>\n  return %0 : tensor<4x4xf32>\n}",
        "select must return tensor<i1>, not tensor<f32>");
    BAD("func.func @f(%a: tensor<4x4xf32>, %s: tensor<2x2xf32>, %z: tensor<f32>) -> tensor<4x4xf32> {\n"
        "  %0 = \"stablehlo.select_and_scatter\"(%a, %s, %z) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %c = stablehlo.compare GE, %x, %y : (tensor<f32>, tensor<f32>) -> tensor<i1>\n    stablehlo.return %c : tensor<i1>\n"
        "  }, {\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"
        "    %c = stablehlo.compare GE, %x, %y : (tensor<f32>, tensor<f32>) -> tensor<i1>\n    stablehlo.return %c : tensor<i1>\n"
        "  }) {window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>} : (tensor<4x4xf32>, tensor<2x2xf32>, tensor<f32>) -> "
        "tensor<4x4xf32>\n  return %0 : tensor<4x4xf32>\n}",
        "scatter must return a scalar of the operand's element type, not tensor<i1>");
}

#define RNG(alg, st, ot)                                                                                        \
    "func.func @f(%s: " st ") -> " ot " {\n"                                                                      \
    "  %0:2 = \"stablehlo.rng_bit_generator\"(%s) {rng_algorithm = #stablehlo<rng_algorithm " alg ">} : (" st ") -> (" st ", " ot ")\n" \
    "  return %0#1 : " ot "\n}"

TEST(rng_bit_generator) {
    OK(RNG("THREE_FRY", "tensor<2xui64>", "tensor<4x4xui32>"));
    OK(RNG("PHILOX", "tensor<3xui64>", "tensor<8xf32>"));
    BAD(RNG("THREE_FRY", "tensor<3xui64>", "tensor<4xui32>"),
        "v.mlir:2:3: stablehlo.rng_bit_generator: initial_state has 3 words: THREE_FRY state must be a 2-element ui64 tensor");
    BAD(RNG("PHILOX", "tensor<4xui64>", "tensor<4xui32>"), "initial_state has 4 words: PHILOX state must be a 2- or 3-element ui64 tensor");
    BAD(RNG("DEFAULT", "tensor<2xi32>", "tensor<4xui32>"), "initial_state tensor<2xi32> must be a 1-D ui64 tensor");
    BAD(RNG("DEFAULT", "tensor<2xui64>", "tensor<4xi1>"), "output tensor<4xi1> must have an integer or floating-point element type");
    BAD("func.func @f(%s: tensor<2xui64>) -> tensor<4xui32> {\n"
        "  %0:2 = \"stablehlo.rng_bit_generator\"(%s) {rng_algorithm = #stablehlo<rng_algorithm DEFAULT>} : (tensor<2xui64>) -> "
        "(tensor<3xui64>, tensor<4xui32>)\n  return %0#1 : tensor<4xui32>\n}",
        "output_state tensor<3xui64> must have initial_state's type");
}

#define TOPK(k, vt, it)                                                                                         \
    "func.func @f(%a: tensor<5x3xf32>) -> " it " {\n"                                                             \
    "  %v, %i = chlo.top_k(%a, k = " k ") : tensor<5x3xf32> -> (" vt ", " it ")\n  return %i : " it "\n}"

TEST(top_k) {
    OK(TOPK("2", "tensor<5x2xf32>", "tensor<5x2xi32>"));
    OK(TOPK("3", "tensor<5x3xf32>", "tensor<5x3xi32>"));
    BAD(TOPK("4", "tensor<5x4xf32>", "tensor<5x4xi32>"), "v.mlir:2:3: chlo.top_k: k = 4 outside [0, 3]");
    BAD(TOPK("2", "tensor<5x3xf32>", "tensor<5x2xi32>"), "values tensor<5x3xf32> must have the operand's shape with k = 2 last");
    BAD(TOPK("2", "tensor<5x2xf32>", "tensor<5x2xi64>"), "indices tensor<5x2xi64> must have element type i32");
    BAD(TOPK("2", "tensor<5x2xf16>", "tensor<5x2xi32>"), "values must have the operand's element type");
}

#define BN_INF(fi, st)                                                                                          \
    "func.func @f(%a: tensor<2x3xf32>, %s: " st ") -> tensor<2x3xf32> {\n"                                        \
    "  %0 = \"stablehlo.batch_norm_inference\"(%a, %s, %s, %s, %s) {epsilon = 1.0e-5 : f32, feature_index = " fi " : i64} : " \
    "(tensor<2x3xf32>, " st ", " st ", " st ", " st ") -> tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}"

TEST(batch_norm) {
    OK(BN_INF("1", "tensor<3xf32>"));
    OK(BN_INF("0", "tensor<2xf32>"));
    BAD(BN_INF("2", "tensor<3xf32>"), "v.mlir:2:3: stablehlo.batch_norm_inference: feature_index 2 outside [0, 2)");
    BAD(BN_INF("1", "tensor<2xf32>"), "operand 1 tensor<2xf32> must be 1-D of the feature size 3");
    BAD(BN_INF("1", "tensor<3xf16>"), "operand 1 tensor<3xf16> must have the operand's element type");
    OK("func.func @f(%a: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<3xf32> {\n"
       "  %0:3 = \"stablehlo.batch_norm_training\"(%a, %s, %s) {epsilon = 1.0e-5 : f32, feature_index = 1 : i64} : "
       "(tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)\n  return %0#1 : tensor<3xf32>\n}");
    BAD("func.func @f(%a: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<3xf32> {\n"
        "  %0:3 = \"stablehlo.batch_norm_training\"(%a, %s, %s) {epsilon = 1.0e-5 : f32, feature_index = 1 : i64} : "
        "(tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<2xf32>)\n  return %0#1 : tensor<3xf32>\n}",
        "result 2 tensor<2xf32> must be 1-D of the feature size 3");
    OK("func.func @f(%a: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {\n"
       "  %0:3 = \"stablehlo.batch_norm_grad\"(%a, %s, %s, %s, %a) {epsilon = 1.0e-5 : f32, feature_index = 1 : i64} : "
       "(tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)\n"
       "  return %0#0 : tensor<2x3xf32>\n}");
    BAD("func.func @f(%a: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {\n"
        "  %0:3 = \"stablehlo.batch_norm_grad\"(%a, %s, %s, %s, %s) {epsilon = 1.0e-5 : f32, feature_index = 1 : i64} : "
        "(tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)\n"
        "  return %0#0 : tensor<2x3xf32>\n}",
        "operand 4 tensor<3xf32> must have the operand's shape");
}

#define AG(attrs, it, ot)                                                                                       \
    "func.func @f(%a: " it ") -> " ot " {\n"                                                                      \
    "  %0 = \"stablehlo.all_gather\"(%a) {" attrs "} : (" it ") -> " ot "\n  return %0 : " ot "\n}"
#define A2A(attrs, it, ot)                                                                                      \
    "func.func @f(%a: " it ") -> " ot " {\n"                                                                      \
    "  %0 = \"stablehlo.all_to_all\"(%a) {" attrs "} : (" it ") -> " ot "\n  return %0 : " ot "\n}"
#define RS(attrs, it, ot)                                                                                       \
    "func.func @f(%a: " it ") -> " ot " {\n"                                                                      \
    "  %0 = \"stablehlo.reduce_scatter\"(%a) ({\n  ^bb0(%x: tensor<f32>, %y: tensor<f32>):\n"                    \
    "    %s = stablehlo.add %x, %y : tensor<f32>\n    stablehlo.return %s : tensor<f32>\n"                       \
    "  }) {" attrs "} : (" it ") -> " ot "\n  return %0 : " ot "\n}"
#define RG2 "replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>"

TEST(collectives) {
    OK(AG("all_gather_dim = 1 : i64, " RG2, "tensor<2x2xf32>", "tensor<2x4xf32>"));
    OK(AG("all_gather_dim = 1 : i64, " RG2 ", channel_handle = #stablehlo.channel_handle<handle = 1, type = 0>", "tensor<2x2xf32>",
          "tensor<2x8xf32>"));
    BAD(AG("all_gather_dim = 1 : i64, " RG2, "tensor<2x2xf32>", "tensor<2x8xf32>"),
        "v.mlir:2:3: stablehlo.all_gather: result 0 dimension 1 has size 8, which operand 0 (size 2) does not give");
    BAD(AG("all_gather_dim = 2 : i64, " RG2, "tensor<2x2xf32>", "tensor<2x4xf32>"), "all_gather_dim 2 outside [0, 2)");
    BAD(AG("all_gather_dim = 1 : i64, " RG2, "tensor<2x2xf32>", "tensor<3x4xf32>"),
        "result 0 dimension 0 has size 3, which operand 0 (size 2) does not give");
    BAD(AG("all_gather_dim = 1 : i64, replica_groups = dense<[0, 1]> : tensor<2xi64>", "tensor<2x2xf32>", "tensor<2x4xf32>"),
        "replica_groups must be a 2-D i64 tensor");
    BAD(AG("all_gather_dim = 1 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi32>", "tensor<2x2xf32>", "tensor<2x4xf32>"),
        "replica_groups must be a 2-D i64 tensor");
    BAD(AG(RG2, "tensor<2x2xf32>", "tensor<2x4xf32>"), "missing all_gather_dim");
    OK(A2A("split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 2 : i64, " RG2, "tensor<2x4xf32>", "tensor<4x2xf32>"));
    OK(A2A("split_dimension = 1 : i64, concat_dimension = 1 : i64, split_count = 2 : i64, " RG2, "tensor<2x4xf32>", "tensor<2x4xf32>"));
    BAD(A2A("split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 3 : i64", "tensor<2x4xf32>", "tensor<6x1xf32>"),
        "v.mlir:2:3: stablehlo.all_to_all: split dimension size 4 is not divisible by split_count 3");
    BAD(A2A("split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 4 : i64, " RG2, "tensor<2x4xf32>", "tensor<8x1xf32>"),
        "split_count 4 differs from the replica group size 2");
    BAD(A2A("split_dimension = 1 : i64, concat_dimension = 5 : i64, split_count = 2 : i64", "tensor<2x4xf32>", "tensor<4x2xf32>"),
        "concat_dimension 5 outside [0, 2)");
    BAD(A2A("split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 0 : i64", "tensor<2x4xf32>", "tensor<4x2xf32>"),
        "split_count 0 must be positive");
    BAD(A2A("split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 2 : i64", "tensor<2x4xf32>", "tensor<2x4xf32>"),
        "result 0 dimension 0 has size 2, which operand 0 (size 2) does not give");
    OK(RS("scatter_dimension = 1 : i64, " RG2, "tensor<2x4xf32>", "tensor<2x2xf32>"));
    BAD(RS("scatter_dimension = 1 : i64, " RG2, "tensor<2x4xf32>", "tensor<2x1xf32>"),
        "v.mlir:2:3: stablehlo.reduce_scatter: result 0 dimension 1 has size 1, which operand 0 (size 4) does not give");
    BAD(RS("scatter_dimension = -1 : i64, " RG2, "tensor<2x4xf32>", "tensor<2x2xf32>"), "scatter_dimension -1 outside [0, 2)");
}

int main(void) {
    RUN(misc);
    RUN(elementwise);
    RUN(shape_ops);
    RUN(dot);
    RUN(regions);
    RUN(gather_scatter);
    RUN(structure);
    RUN(convolution);
    RUN(reduce_window);
    RUN(gather_scatter_shapes);
    RUN(select_and_scatter);
    RUN(select_and_scatter_select_type);
    RUN(rng_bit_generator);
    RUN(top_k);
    RUN(batch_norm);
    RUN(collectives);
    return vt_test_finish();
}
