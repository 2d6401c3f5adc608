/* Parser: pretty and generic forms become the same attributes; dense elements decode exactly;
 * types, quantization, locations, aliases, resources, splitting and the IR accessors. */
#include "harness.h"
#include "veritor/hlo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static vt_module *parse_ok(const char *text) {
    vt_module *m = NULL;
    vt_error err;
    vt_parse_options o = {"t.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &o, &m, &err);
    CHECK_MSG(s == VT_OK, "parse failed: %s", err.msg);
    return m;
}

static vt_op *op_at(vt_module *m, const char *func, size_t i) {
    vt_func *f = vt_module_find_func(m, func);
    if (!f || !f->body || i >= f->body->blocks[0]->nops) return NULL;
    return f->body->blocks[0]->ops[i];
}

static char *attr_text(const vt_attr *a) {
    vt_buf b;
    vt_buf_init(&b);
    vt_attr_print(&b, a);
    char *s = strdup(vt_buf_cstr(&b));
    vt_buf_free(&b);
    return s;
}

/* The two ops' attributes print identically. */
static void check_same_attrs(const vt_op *a, const vt_op *b) {
    CHECK_EQ_INT(a->nattrs, b->nattrs);
    for (size_t i = 0; i < a->nattrs && i < b->nattrs; i++) {
        CHECK_STR(a->attrs[i].name, b->attrs[i].name);
        char *x = attr_text(a->attrs[i].value), *y = attr_text(b->attrs[i].value);
        CHECK_STR(x, y);
        free(x);
        free(y);
    }
    CHECK_EQ_INT(a->nregions, b->nregions);
    CHECK_EQ_INT(a->code, b->code);
}

TEST(pretty_equals_generic) {
    vt_module *m = parse_ok(
        "func.func @f(%l: tensor<2x3x4xf32>, %r: tensor<2x4x5xf32>, %x: tensor<4x6xi32>, %i: tensor<i32>,\n"
        "             %c: tensor<1x4x4x1xf32>, %k: tensor<3x3x1x1xf32>) {\n"
        "  %0 = stablehlo.dot_general %l, %r, batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [DEFAULT, HIGHEST] : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>\n"
        "  %1 = \"stablehlo.dot_general\"(%l, %r) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision HIGHEST>]}> : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>\n"
        "  %2 = stablehlo.compare  LT, %i, %i,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "  %3 = \"stablehlo.compare\"(%i, %i) {comparison_direction = #stablehlo<comparison_direction LT>, compare_type = #stablehlo<comparison_type SIGNED>} : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
        "  %4 = stablehlo.slice %x [0:4:2, 1:5] : (tensor<4x6xi32>) -> tensor<2x4xi32>\n"
        "  %5 = \"stablehlo.slice\"(%x) <{start_indices = array<i64: 0, 1>, limit_indices = array<i64: 4, 5>, strides = array<i64: 2, 1>}> : (tensor<4x6xi32>) -> tensor<2x4xi32>\n"
        "  %6 = stablehlo.convolution(%c, %k) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [4, 4], pad = [[1, 1], [0, 2]], lhs_dilate = [2, 2], rhs_dilate = [1, 1], reverse = [0, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32>\n"
        "  %7 = \"stablehlo.convolution\"(%c, %k) {batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 1 : i64, lhs_dilation = array<i64: 2, 2>, padding = dense<[[1, 1], [0, 2]]> : tensor<2x2xi64>, rhs_dilation = array<i64: 1, 1>, window_reversal = array<i1: false, true>, window_strides = array<i64: 4, 4>} : (tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32>\n"
        "  %8 = stablehlo.broadcast_in_dim %i, dims = [] : (tensor<i32>) -> tensor<2xi32>\n"
        "  %9 = \"stablehlo.broadcast_in_dim\"(%i) <{broadcast_dimensions = array<i64>}> : (tensor<i32>) -> tensor<2xi32>\n"
        "  %10 = stablehlo.iota dim = 1 : tensor<2x3xi32>\n"
        "  %11 = \"stablehlo.iota\"() {iota_dimension = 1 : i64} : () -> tensor<2x3xi32>\n"
        "  %12 = stablehlo.reduce(%x init: %i) applies stablehlo.add across dimensions = [1] : (tensor<4x6xi32>, tensor<i32>) -> tensor<4xi32>\n"
        "  %13 = \"stablehlo.reduce\"(%x, %i) ({\n  ^bb0(%a: tensor<i32>, %b: tensor<i32>):\n    %s = stablehlo.add %a, %b : tensor<i32>\n    stablehlo.return %s : tensor<i32>\n  }) {dimensions = array<i64: 1>} : (tensor<4x6xi32>, tensor<i32>) -> tensor<4xi32>\n"
        "  %14 = stablehlo.reduce_precision %l, format = e5m10 : tensor<2x3x4xf32>\n"
        "  %15 = \"stablehlo.reduce_precision\"(%l) {exponent_bits = 5 : i32, mantissa_bits = 10 : i32} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>\n"
        "  return\n}\n");
    if (!m) return;
    for (size_t i = 0; i < 16; i += 2) check_same_attrs(op_at(m, "f", i), op_at(m, "f", i + 1));
    /* accessors on the canonical attributes */
    vt_op *dg = op_at(m, "f", 0);
    int64_t v[8];
    size_t n;
    CHECK(vt_attr_as_i64_array(vt_attr_dict_get(vt_op_attr(dg, "dot_dimension_numbers"), "lhs_contracting_dimensions"), v, 8, &n));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(v[0], 2);
    vt_op *sl = op_at(m, "f", 4);
    CHECK(vt_attr_as_i64_array(vt_op_attr(sl, "strides"), v, 8, &n) && n == 2 && v[0] == 2 && v[1] == 1);
    CHECK(!vt_attr_as_i64_array(vt_op_attr(sl, "strides"), v, 1, &n) && n == 2);
    CHECK_STR(vt_attr_as_string(vt_op_attr(op_at(m, "f", 2), "comparison_direction")), "LT");
    vt_op *cv = op_at(m, "f", 6);
    const vt_attr *dn = vt_op_attr(cv, "dimension_numbers");
    CHECK(vt_attr_as_i64(vt_attr_dict_get(dn, "input_feature_dimension"), &v[0]) && v[0] == 3);
    CHECK(vt_attr_as_i64_array(vt_attr_dict_get(dn, "kernel_spatial_dimensions"), v, 8, &n) && n == 2 && v[0] == 0 && v[1] == 1);
    CHECK(vt_attr_as_i64_array(vt_op_attr(cv, "padding"), v, 8, &n) == false); /* 2-D: not a list */
    /* the `applies` reduce has a real body: add of its two block arguments, then return */
    vt_op *rd = op_at(m, "f", 12);
    CHECK_EQ_INT(rd->nregions, 1);
    vt_block *blk = rd->regions[0]->blocks[0];
    CHECK_EQ_INT(blk->nargs, 2);
    CHECK_EQ_INT(blk->nops, 2);
    CHECK_EQ_INT(blk->ops[0]->code, VT_OP_ADD);
    CHECK(blk->ops[0]->operands[0] == &blk->args[0] && blk->ops[0]->operands[1] == &blk->args[1]);
    CHECK_EQ_INT(blk->ops[1]->code, VT_OP_RETURN);
    CHECK(blk->ops[1]->operands[0] == &blk->ops[0]->results[0]);
    CHECK(vt_attr_as_i64(vt_op_attr(op_at(m, "f", 14), "mantissa_bits"), &v[0]) && v[0] == 10);
    vt_module_free(m);
}

static vt_tensor *constant_tensor(vt_module *m, size_t i) {
    vt_op *op = op_at(m, "f", i);
    vt_tensor *t = NULL;
    vt_error err;
    CHECK(op && vt_attr_dense_materialize(vt_op_attr(op, "value"), 0, &t, &err) == VT_OK);
    return t;
}

TEST(dense_elements) {
    vt_module *m = parse_ok(
        "func.func @f() {\n"
        "  %0 = stablehlo.constant dense<[1.5, -2.0, 0x7FC00000, 1.0e+10]> : tensor<4xf32>\n"
        "  %1 = stablehlo.constant dense<\"0x0000C03F000000C00000C07FF9021550\"> : tensor<4xf32>\n"
        "  %2 = stablehlo.constant dense<[true, false, true]> : tensor<3xi1>\n"
        "  %3 = stablehlo.constant dense<\"0x010001\"> : tensor<3xi1>\n"
        "  %4 = stablehlo.constant dense<[(1.0, -2.0), (0.5, 3.0)]> : tensor<2xcomplex<f64>>\n"
        "  %5 = stablehlo.constant dense<18446744073709551615> : tensor<ui64>\n"
        "  %6 = stablehlo.constant dense<[-8, 7, -1]> : tensor<3xi4>\n"
        "  %7 = stablehlo.constant dense<\"0x08070F\"> : tensor<3xi4>\n"
        "  %8 = stablehlo.constant dense<2.5> : tensor<2x3xbf16>\n"
        "  %9 = stablehlo.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xui8>\n"
        "  %10 = stablehlo.constant dense<> : tensor<0x3xf32>\n"
        "  %11 = stablehlo.constant dense<0xFC00> : tensor<f16>\n"
        "  %12 = stablehlo.constant dense<\"0xFFFF\"> : tensor<3xi16>\n"
        "  %13 = stablehlo.constant dense<\"0x0000c03f000000C0\"> : tensor<2xf32>\n"
        "  return\n}\n");
    if (!m) return;
    vt_tensor *a = constant_tensor(m, 0), *b = constant_tensor(m, 1);
    if (a && b) {
        CHECK(a->nbytes == 16 && memcmp(a->data, b->data, 16) == 0);
        float *f = a->data;
        CHECK(f[0] == 1.5f && f[1] == -2.0f && isnan(f[2]) && f[3] == 1.0e10f);
    }
    vt_tensor_release(a);
    vt_tensor_release(b);
    a = constant_tensor(m, 2), b = constant_tensor(m, 3);
    if (a && b) CHECK(a->nbytes == 3 && memcmp(a->data, b->data, 3) == 0 && ((uint8_t *)a->data)[0] == 1);
    vt_tensor_release(a);
    vt_tensor_release(b);
    a = constant_tensor(m, 4);
    if (a) {
        double *d = a->data;
        CHECK(d[0] == 1.0 && d[1] == -2.0 && d[2] == 0.5 && d[3] == 3.0);
    }
    vt_tensor_release(a);
    a = constant_tensor(m, 5);
    if (a) CHECK(*(uint64_t *)a->data == UINT64_MAX);
    vt_tensor_release(a);
    a = constant_tensor(m, 6), b = constant_tensor(m, 7);
    if (a && b) {
        int8_t *x = a->data;
        CHECK(x[0] == -8 && x[1] == 7 && x[2] == -1);
        CHECK(memcmp(a->data, b->data, 3) == 0); /* hex nibbles sign-extended the same way */
    }
    vt_tensor_release(a);
    vt_tensor_release(b);
    /* splat: one stored element, materialised to the full shape on request */
    vt_attr *sp = vt_op_attr(op_at(m, "f", 8), "value");
    CHECK(sp->splat && sp->tensor->nelem == 1);
    a = constant_tensor(m, 8);
    if (a) {
        CHECK_EQ_INT(a->nelem, 6);
        CHECK(vt_load_f64(VT_BF16, (char *)a->data + 10) == 2.5);
    }
    vt_tensor_release(a);
    a = constant_tensor(m, 9);
    if (a) CHECK(((uint8_t *)a->data)[3] == 4);
    vt_tensor_release(a);
    a = constant_tensor(m, 10);
    if (a) CHECK_EQ_INT(a->nelem, 0);
    vt_tensor_release(a);
    a = constant_tensor(m, 11);
    if (a) CHECK(isinf(vt_load_f64(VT_F16, a->data)) && vt_load_f64(VT_F16, a->data) < 0);
    vt_tensor_release(a);
    /* a hex blob of one element's size is a splat (MLIR's rule) */
    a = constant_tensor(m, 12);
    if (a) CHECK(a->nelem == 3 && ((int16_t *)a->data)[2] == -1);
    vt_tensor_release(a);
    a = constant_tensor(m, 13); /* either case of hex digits */
    if (a) CHECK(((float *)a->data)[0] == 1.5f && ((float *)a->data)[1] == -2.0f);
    vt_tensor_release(a);
    CHECK(m->constant_bytes > 0);
    vt_module_free(m);
}

TEST(types) {
    vt_module *m = parse_ok(
        "!t = tensor<2xf32>\n"
        "func.func @f(%a: tensor<?x4xf32, #stablehlo.bounds<8, ?>>, %b: tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.5:1, 0.25}>>,\n"
        "             %c: !stablehlo.token, %d: tuple<tensor<i32>, tuple<>>, %e: tensor<3xcomplex<f32>>, %g: !t,\n"
        "             %h: tensor<4x!quant.uniform<u8:f32, 0.1:-3>>, %i: tensor<f8E4M3FN>) {\n  return\n}\n");
    if (!m) return;
    vt_func *f = m->funcs[0];
    CHECK_EQ_INT(f->nargs, 8);
    const vt_type *t = f->arg_types[0];
    CHECK(t->kind == VT_TYPE_TENSOR && t->rank == 2 && t->dims[0] == VT_DYN && t->dims[1] == 4 && !vt_type_is_static(t));
    CHECK(t->bounds && t->bounds[0] == 8 && t->bounds[1] == VT_DYN);
    uint64_t n;
    vt_error err;
    CHECK_ERR(vt_type_num_elements(t, &n, &err), &err, VT_EINPUT, "dynamic dimension");
    const vt_quant *q = f->arg_types[1]->quant;
    CHECK(q && q->storage == VT_I8 && q->expressed == VT_F32 && q->axis == 0 && q->nscales == 2);
    if (q) CHECK(q->has_range && q->storage_min == -127 && q->scales[1] == 0.25 && q->zero_points[0] == 1 && q->zero_points[1] == 0);
    CHECK_EQ_INT(f->arg_types[2]->kind, VT_TYPE_TOKEN);
    CHECK(f->arg_types[3]->kind == VT_TYPE_TUPLE && f->arg_types[3]->nelems == 2 && f->arg_types[3]->elems[1]->nelems == 0);
    CHECK_EQ_INT(f->arg_types[4]->dtype, VT_C64);
    CHECK(f->arg_types[5]->rank == 1 && f->arg_types[5]->dims[0] == 2);
    q = f->arg_types[6]->quant;
    CHECK(q && q->storage == VT_U8 && q->storage_min == 0 && q->storage_max == 255 && q->zero_points[0] == -3 && q->axis == -1);
    CHECK_EQ_INT(f->arg_types[7]->dtype, VT_F8E4M3FN);
    CHECK(vt_type_num_elements(f->arg_types[5], &n, &err) == VT_OK && n == 2);
    char buf[64];
    CHECK_STR(vt_type_str(f->arg_types[0], buf, sizeof buf), "tensor<?x4xf32, #stablehlo.bounds<8, ?>>");
    CHECK_STR(vt_type_str(f->arg_types[6], buf, sizeof buf), "tensor<4x!quant.uniform<ui8:f32, 0.1:-3>>");
    vt_module_free(m);
}

TEST(metadata_locations_resources) {
    vt_module *m = parse_ok(
        "#loc1 = loc(\"model.py\":12:7 to :20)\n"
        "module @jit_f attributes {mhlo.num_partitions = 1 : i32, \"quoted.key\" = unit} {\n"
        "  sdy.mesh @mesh = <[\"x\"=1]>\n"
        "  func.func public @main(%arg0: tensor<2xf32> {mhlo.sharding = \"{replicated}\", jax.arg_info = \"x\"} loc(\"x\")) -> (tensor<2xf32> {jax.result_info = \"\"}) {\n"
        "    %0 = stablehlo.constant dense_resource<blob1> : tensor<2xf32> loc(#loc2)\n"
        "    %1 = stablehlo.constant dense_resource<__elided__> : tensor<2xf32>\n"
        "    %2 = stablehlo.add %0, %arg0 {mhlo.frontend_attributes = {operation_id = \"add.7\"}} : tensor<2xf32> loc(#loc1)\n"
        "    %3 = sdy.sharding_constraint %2 <@mesh, [{\"x\"}]> : tensor<2xf32>\n"
        "    %4 = stablehlo.custom_call @foo(%3) {backend_config = \"cfg \\22q\\22\", api_version = 2 : i32} : (tensor<2xf32>) -> tensor<2xf32>\n"
        "    return %4 : tensor<2xf32> loc(callsite(\"f\" at fused[\"a\":1:2, unknown]))\n"
        "  } loc(#loc1)\n"
        "} loc(#loc1)\n"
        "#loc2 = loc(\"c\"(\"model.py\":3:4))\n"
        "{-#\n  dialect_resources: {\n    builtin: {\n      blob1: \"0x040000000000803F00000040\"\n    }\n  }\n#-}\n");
    if (!m) return;
    CHECK_STR(m->name, "jit_f");
    CHECK(vt_attr_dict_get(m->attrs, "quoted.key") != NULL);
    CHECK_EQ_INT(m->ntop_ops, 1);
    CHECK_EQ_INT(m->top_ops[0]->code, VT_OP_SDY_MESH);
    vt_func *f = m->funcs[0];
    CHECK_STR(f->visibility, "public");
    CHECK_STR(vt_attr_as_string(vt_attr_dict_get(f->arg_attrs[0], "mhlo.sharding")), "{replicated}");
    CHECK(f->result_attrs[0] && vt_attr_dict_get(f->result_attrs[0], "jax.result_info"));
    vt_op *c0 = op_at(m, "f", 0);
    CHECK(c0 == NULL);
    c0 = f->body->blocks[0]->ops[0];
    vt_tensor *t = NULL;
    vt_error err;
    CHECK(vt_attr_dense_materialize(vt_op_attr(c0, "value"), 0, &t, &err) == VT_OK);
    if (t) CHECK(((float *)t->data)[1] == 2.0f);
    vt_tensor_release(t);
    CHECK(c0->loc && c0->loc->loc_kind == VT_LOC_ALIAS && c0->loc->resolved && c0->loc->resolved->loc_kind == VT_LOC_NAME);
    CHECK_ERR(vt_attr_dense_materialize(vt_op_attr(f->body->blocks[0]->ops[1], "value"), 0, &t, &err), &err, VT_EUNSUPPORTED,
              "dense_resource<__elided__> has no data");
    vt_op *add = f->body->blocks[0]->ops[2];
    const vt_attr *l = add->loc->resolved;
    CHECK(l && l->loc_kind == VT_LOC_FILE && l->line == 12 && l->col == 7 && l->end_col == 20);
    CHECK_STR(vt_attr_as_string(vt_op_attr(f->body->blocks[0]->ops[4], "backend_config")), "cfg \"q\"");
    CHECK_STR(vt_op_callee(f->body->blocks[0]->ops[4]), "foo");
    CHECK_EQ_INT(m->nresources, 1);
    /* printing with locations keeps them, resolved inline */
    vt_buf b;
    vt_buf_init(&b);
    vt_print_options po = {false, true};
    CHECK(vt_module_print(m, &po, &b, &err) == VT_OK);
    CHECK(strstr(vt_buf_cstr(&b), "loc(\"model.py\":12:7 to :20)") != NULL);
    CHECK(strstr(vt_buf_cstr(&b), "loc(callsite(\"f\" at fused[\"a\":1:2, unknown]))") != NULL);
    CHECK(strstr(vt_buf_cstr(&b), "sdy.mesh @mesh = <[\"x\"=1]>") != NULL);
    CHECK(strstr(vt_buf_cstr(&b), "blob1: \"0x040000000000803F00000040\"") != NULL);
    vt_buf_free(&b);
    vt_module_free(m);
}

TEST(split_parts) {
    const char *text = "// header\nfunc.func @a() {\n  return\n}\n// -----\nfunc.func @b() {\n  return\n}\n  // -----  \n\nfunc.func @c() { return }";
    vt_text_part *p;
    size_t n;
    vt_error err;
    CHECK(vt_split_parts(text, strlen(text), &p, &n, &err) == VT_OK);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(p[0].line, 1);
        CHECK_EQ_INT(p[1].line, 6);
        CHECK_EQ_INT(p[2].line, 10);
        /* errors in a part point at the line in the whole file */
        char *bad = strdup("func.func @c() { retur }");
        vt_module *m;
        vt_parse_options o = {"multi.mlir", p[2].line, NULL};
        CHECK_ERR(vt_parse_module(bad, strlen(bad), &o, &m, &err), &err, VT_EINPUT, "multi.mlir:10:18: unknown op 'retur'");
        free(bad);
    }
    free(p);
    CHECK(vt_split_parts("", 0, &p, &n, &err) == VT_OK && n == 1 && p[0].len == 0);
    free(p);
}

TEST(op_table) {
    CHECK_EQ_INT(vt_opcode_from_name("stablehlo.add", 13), VT_OP_ADD);
    CHECK_EQ_INT(vt_opcode_from_name("return", 6), VT_OP_FUNC_RETURN);
    CHECK_EQ_INT(vt_opcode_from_name("stablehlo.nope", 14), VT_OP_UNKNOWN);
    const vt_op_info *i = vt_op_info_get(VT_OP_ADD);
    CHECK(i->num_operands == 2 && i->num_results == 1 && (i->flags & VT_OPF_BINARY) && (i->flags & VT_OPF_ELEMENTWISE));
    CHECK(vt_op_info_get(VT_OP_WHILE)->num_regions == 2);
    CHECK(vt_op_info_get((vt_opcode)9999) == vt_op_info_get(VT_OP_UNKNOWN));
    /* names are unique */
    for (int a = 1; a < VT_OP_COUNT; a++)
        CHECK_EQ_INT(vt_opcode_from_name(vt_op_info_get(a)->name, strlen(vt_op_info_get(a)->name)), a);
}

TEST(unknown_ops_and_walk) {
    vt_module *m = parse_ok("func.func @f(%a: tensor<f32>) -> tensor<f32> {\n"
                            "  %0 = \"mydialect.thing\"(%a) ({\n  ^bb0(%x: tensor<f32>):\n    \"mydialect.yield\"(%x) : (tensor<f32>) -> ()\n  }) {k = 1} : (tensor<f32>) -> tensor<f32>\n"
                            "  %1:2 = \"stablehlo.optimization_barrier\"(%0, %0) : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)\n"
                            "  return %1#1 : tensor<f32>\n}\n");
    if (!m) return;
    vt_op *u = op_at(m, "f", 0);
    CHECK_EQ_INT(u->code, VT_OP_UNKNOWN);
    CHECK_STR(vt_op_name(u), "mydialect.thing");
    vt_op *r = op_at(m, "f", 2);
    CHECK(r->operands[0] == &op_at(m, "f", 1)->results[1]);
    CHECK(op_at(m, "f", 1)->results[1].grouped);
    /* ids are dense and unique */
    CHECK_EQ_INT(m->num_values, 5); /* %a, %x, %0, %1#0, %1#1 */
    vt_module_free(m);
}

int main(void) {
    RUN(pretty_equals_generic);
    RUN(dense_elements);
    RUN(types);
    RUN(metadata_locations_resources);
    RUN(split_parts);
    RUN(op_table);
    RUN(unknown_ops_and_walk);
    return vt_test_finish();
}
