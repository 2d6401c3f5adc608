/* Builder API: built modules verify, print, re-parse to the same text (fixed point) and run on
 * the interpreter with hand-checked results; misuse gives sticky errors, never crashes. */
#include "harness.h"
#include "veritor/hlo_builder.h"
#include "veritor/interp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *print_module(const vt_module *m) {
    vt_buf b;
    vt_buf_init(&b);
    vt_error err;
    vt_print_options po = {false, false};
    CHECK(vt_module_print(m, &po, &b, &err) == VT_OK);
    char *s = strdup(vt_buf_cstr(&b));
    vt_buf_free(&b);
    return s;
}

/* print -> parse -> verify -> print must reproduce the text exactly. */
static void check_roundtrip(const vt_module *m) {
    char *a = print_module(m);
    vt_module *m2 = NULL;
    vt_error err;
    vt_parse_options o = {"built.mlir", 1, NULL};
    vt_status s = vt_parse_module(a, strlen(a), &o, &m2, &err);
    CHECK_MSG(s == VT_OK, "re-parse failed: %s\n%s", err.msg, a);
    if (s == VT_OK) {
        CHECK_MSG(vt_module_verify(m2, &err) == VT_OK, "re-parsed module fails to verify: %s", err.msg);
        char *b = print_module(m2);
        CHECK_STR(b, a);
        CHECK_EQ_INT(m2->num_ops, m->num_ops);
        CHECK_EQ_INT(m2->nfuncs, m->nfuncs);
        free(b);
        vt_module_free(m2);
    }
    free(a);
}

static vt_tensor *f32_tensor(int rank, const int64_t *dims, const float *v) {
    vt_error err;
    vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, UINT64_MAX, &err);
    if (t && t->nbytes) memcpy(t->data, v, t->nbytes);
    return t;
}

/* The custom_call target of shape_ops: returns its operand. */
static vt_status copy_hook(void *user, vt_hook_call *call, vt_error *err) {
    int *calls = user;
    (*calls)++;
    return vt_rvalue_copy(&call->operands[0], &call->results[0], err);
}

static int hook_calls;

static vt_status run(const vt_module *m, vt_rvalue *args, size_t nargs, vt_rvalue **res, size_t *nres, vt_error *err) {
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    vt_engine *e = vt_engine_create(&eo, err);
    if (!e) return err->code;
    if (vt_engine_register_hook(e, "veritor.test_only", copy_hook, &hook_calls, err) != VT_OK) {
        vt_engine_destroy(e);
        return err->code;
    }
    vt_limits lim;
    vt_limits_default(&lim);
    vt_status s = vt_execute(e, m, NULL, args, nargs, &lim, res, nres, NULL, err);
    vt_engine_destroy(e);
    return s;
}

/* y = sum_j relu(x @ w + b)[i, j] through a private @relu reached by func.call. */
TEST(mlp) {
    vt_error err;
    vt_builder *b = vt_builder_new("jit_mlp", &err);
    CHECK(b != NULL);
    if (!b) return;
    int64_t d23[] = {2, 3}, d34[] = {3, 4}, d4[] = {4}, d24[] = {2, 4}, d2[] = {2};
    const vt_type *tx = vt_builder_tensor_type(b, VT_F32, 2, d23), *tw = vt_builder_tensor_type(b, VT_F32, 2, d34);
    const vt_type *tb = vt_builder_tensor_type(b, VT_F32, 1, d4), *th = vt_builder_tensor_type(b, VT_F32, 2, d24);
    const vt_type *ty = vt_builder_tensor_type(b, VT_F32, 1, d2);

    vt_func *relu = vt_builder_func(b, "relu", "private", &th, 1, &th, 1);
    vt_value *z = vt_build_splat(b, th, 0.0);
    vt_value *r = vt_build_binary(b, VT_OP_MAXIMUM, vt_builder_func_arg(b, relu, 0), z);
    vt_build_return(b, &r, 1);

    const vt_type *args[] = {tx, tw, tb};
    vt_func *mainf = vt_builder_func(b, "main", "public", args, 3, &ty, 1);
    vt_builder_func_result_attr(b, mainf, 0, "jax.result_info", vt_builder_attr_string(b, "result", 6));
    int64_t c1[] = {1}, c0[] = {0}, bd[] = {1};
    vt_value *h = vt_build_dot_general(b, vt_builder_func_arg(b, mainf, 0), vt_builder_func_arg(b, mainf, 1), NULL, NULL, 0,
                                       c1, c0, 1);
    vt_value *bb = vt_build_broadcast_in_dim(b, vt_builder_func_arg(b, mainf, 2), th, bd, 1);
    h = vt_build_binary(b, VT_OP_ADD, h, bb);
    vt_op *call = vt_build_call(b, relu, &h, 1);
    vt_value *hr = vt_builder_result(b, call, 0);
    vt_value *init = vt_build_constant_scalar(b, VT_F32, 0.0);
    vt_value *y = vt_build_reduce(b, VT_OP_ADD, hr, init, c1, 1);
    vt_build_return(b, &y, 1);

    vt_module *m = NULL;
    vt_status s = vt_builder_finish(b, &m, &err);
    CHECK_MSG(s == VT_OK, "finish: %s", err.msg);
    vt_builder_free(b);
    if (!m) return;
    CHECK_EQ_INT(m->num_ops, 12); /* 3 in @relu, 7 in @main, 2 in the reduce body */
    CHECK_EQ_INT(m->funcs[1]->body->blocks[0]->ops[3]->index, 3);
    CHECK(m->funcs[1]->body->blocks[0]->ops[3]->code == VT_OP_FUNC_CALL);
    char *text = print_module(m);
    CHECK_MSG(strstr(text, "module @jit_mlp") && strstr(text, "func.func private @relu") &&
                  strstr(text, "contracting_dims = [1] x [0]") && strstr(text, "call @relu") &&
                  strstr(text, "jax.result_info = \"result\""),
              "unexpected text:\n%s", text);
    free(text);
    check_roundtrip(m);

    float xv[6] = {1, 2, 3, -1, 0, 1}, wv[12] = {1, 0, -1, 2, 0, 1, 1, -1, 1, 1, 0, 0}, bv[4] = {0.5f, -4, 0, 1};
    vt_rvalue in[3] = {vt_rvalue_tensor(f32_tensor(2, d23, xv)), vt_rvalue_tensor(f32_tensor(2, d34, wv)),
                       vt_rvalue_tensor(f32_tensor(1, d4, bv))};
    /* x@w = [[4,5,1,0],[0,-1,1,-2]]; + b = [[4.5,1,1,1],[0.5,-5,1,-1]]; relu sums: 7.5, 1.5 */
    vt_rvalue *res = NULL;
    size_t nres = 0;
    s = run(m, in, 3, &res, &nres, &err);
    CHECK_MSG(s == VT_OK, "execute: %s", err.msg);
    if (s == VT_OK) {
        CHECK_EQ_INT(nres, 1);
        const float *o = res[0].tensor->data;
        CHECK(res[0].tensor->nelem == 2 && o[0] == 7.5f && o[1] == 1.5f);
        vt_rvalues_release(res, nres);
    }
    for (int i = 0; i < 3; i++) vt_rvalue_release(&in[i]);
    vt_module_free(m);
}

/* (i, acc) = (0, 0); while i < n: acc += float(i); i += 1 -> (n, n(n-1)/2). */
TEST(while_loop) {
    vt_error err;
    vt_builder *b = vt_builder_new("jit_loop", &err);
    if (!b) return;
    const vt_type *ti = vt_builder_scalar_type(b, VT_I32), *tf = vt_builder_scalar_type(b, VT_F32);
    const vt_type *res[] = {ti, tf};
    vt_func *f = vt_builder_func(b, "main", "public", &ti, 1, res, 2);
    vt_value *n = vt_builder_func_arg(b, f, 0);
    vt_value *init[] = {vt_build_constant_scalar(b, VT_I32, 0), vt_build_constant_scalar(b, VT_F32, 0)};
    vt_op *w = vt_build_while_begin(b, init, 2);
    vt_block *cond = vt_builder_while_cond(b, w);
    vt_value *lt = vt_build_compare(b, "LT", vt_builder_block_arg(b, cond, 0), n, NULL);
    vt_build_return(b, &lt, 1);
    vt_block *body = vt_builder_while_body(b, w);
    vt_value *i = vt_builder_block_arg(b, body, 0), *acc = vt_builder_block_arg(b, body, 1);
    vt_value *next[] = {vt_build_binary(b, VT_OP_ADD, i, vt_build_constant_scalar(b, VT_I32, 1)),
                        vt_build_binary(b, VT_OP_ADD, acc, vt_build_convert(b, i, VT_F32))};
    vt_build_return(b, next, 2);
    CHECK(vt_build_while_end(b, w) == VT_OK);
    CHECK(vt_builder_block(b) == f->body->blocks[0]);
    vt_value *out[] = {vt_builder_result(b, w, 0), vt_builder_result(b, w, 1)};
    vt_build_return(b, out, 2);
    vt_module *m = NULL;
    vt_status s = vt_builder_finish(b, &m, &err);
    CHECK_MSG(s == VT_OK, "finish: %s", err.msg);
    vt_builder_free(b);
    if (!m) return;
    char *text = print_module(m);
    CHECK_MSG(strstr(text, "stablehlo.while(") && strstr(text, "cond {") && strstr(text, "} do {") &&
                  strstr(text, "stablehlo.compare LT"),
              "unexpected text:\n%s", text);
    free(text);
    check_roundtrip(m);

    vt_error e2;
    vt_tensor *tn = vt_tensor_create(VT_I32, 0, NULL, UINT64_MAX, &e2);
    *(int32_t *)tn->data = 10;
    vt_rvalue in = vt_rvalue_tensor(tn);
    vt_rvalue *r = NULL;
    size_t nr = 0;
    s = run(m, &in, 1, &r, &nr, &err);
    CHECK_MSG(s == VT_OK, "execute: %s", err.msg);
    if (s == VT_OK) {
        CHECK_EQ_INT(nr, 2);
        CHECK_EQ_INT(*(int32_t *)r[0].tensor->data, 10);
        CHECK(*(float *)r[1].tensor->data == 45.0f);
        vt_rvalues_release(r, nr);
    }
    vt_rvalue_release(&in);
    vt_module_free(m);
}

/* iota/compare/select masks, slices, concatenation, dynamic (update) slices, transpose,
 * reshape, gather and scatter with dimension numbers, and a custom_call that only prints. */
TEST(shape_ops) {
    vt_error err;
    vt_builder *b = vt_builder_new("jit_shapes", &err);
    if (!b) return;
    int64_t d23[] = {2, 3}, d32[] = {3, 2}, d6[] = {6}, d3[] = {3}, d12[] = {12}, d21[] = {2, 1}, d2[] = {2};
    const vt_type *t23 = vt_builder_tensor_type(b, VT_F32, 2, d23), *t6 = vt_builder_tensor_type(b, VT_F32, 1, d6);
    const vt_type *t3 = vt_builder_tensor_type(b, VT_F32, 1, d3), *t12 = vt_builder_tensor_type(b, VT_F32, 1, d12);
    const vt_type *i23 = vt_builder_tensor_type(b, VT_I32, 2, d23);
    const vt_type *rs[] = {t12, t3, t6};
    vt_func *f = vt_builder_func(b, "main", "public", &t23, 1, rs, 3);
    vt_value *x = vt_builder_func_arg(b, f, 0);
    /* mask = row index < column index: keep the strict upper triangle, else 0 */
    vt_value *ri = vt_build_iota(b, i23, 0), *ci = vt_build_iota(b, i23, 1);
    vt_value *mask = vt_build_compare(b, "LT", ri, ci, NULL);
    vt_value *up = vt_build_select(b, mask, x, vt_build_splat(b, t23, 0.0));
    int64_t perm[] = {1, 0};
    vt_value *tr = vt_build_transpose(b, up, perm, 2);
    CHECK(tr && tr->type->dims[0] == 3 && tr->type->dims[1] == 2);
    vt_value *flat = vt_build_reshape(b, tr, t6);
    vt_value *cat_in[] = {flat, vt_build_reshape(b, x, t6)};
    vt_value *cat = vt_build_concatenate(b, cat_in, 2, 0);
    int64_t st[] = {1}, lim[] = {7}, strd[] = {2};
    vt_value *sl = vt_build_slice(b, cat, st, lim, strd);
    vt_value *one = vt_build_constant_scalar(b, VT_I32, 1);
    int64_t sz[] = {3};
    vt_value *ds = vt_build_dynamic_slice(b, vt_build_reshape(b, x, t6), &one, sz);
    vt_value *dus = vt_build_dynamic_update_slice(b, cat, sl, &one);
    /* gather rows [1, 0] of x^T (3x2) -> 2x2 ; scatter-add 1s into rows 0 and 2 of x^T */
    vt_error e2;
    vt_tensor *idx = vt_tensor_create(VT_I32, 2, d21, UINT64_MAX, &e2);
    ((int32_t *)idx->data)[0] = 1;
    ((int32_t *)idx->data)[1] = 0;
    vt_value *iv = vt_build_constant(b, idx);
    vt_tensor_release(idx);
    vt_value *xt = vt_build_transpose(b, x, perm, 2);
    int64_t off[] = {1}, col[] = {0}, sim[] = {0}, ssz[] = {1, 2}, d22[] = {2, 2};
    vt_gather_dims gd = {off, 1, col, 1, NULL, 0, NULL, 0, sim, 1, 1};
    vt_value *g = vt_build_gather(b, xt, iv, &gd, ssz, 2, vt_builder_tensor_type(b, VT_F32, 2, d22));
    vt_value *upd = vt_build_splat(b, vt_builder_tensor_type(b, VT_F32, 2, d22), 1.0);
    vt_scatter_dims sd = {off, 1, col, 1, NULL, 0, NULL, 0, sim, 1, 1};
    vt_value *sc = vt_build_scatter(b, xt, iv, upd, &sd, VT_OP_ADD);
    CHECK(sc && vt_type_equal(sc->type, vt_builder_tensor_type(b, VT_F32, 2, d32)));
    const vt_type *t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    vt_value *init = vt_build_constant_scalar(b, VT_F32, 0.0);
    int64_t r0[] = {0}, r1[] = {1};
    vt_value *gs = vt_build_reduce(b, VT_OP_ADD, g, init, r0, 1);           /* column sums of g: 2 */
    vt_value *scs = vt_build_reduce(b, VT_OP_ADD, sc, init, r1, 1);          /* row sums: 3 */
    vt_value *sum6_in[] = {gs, vt_build_reshape(b, vt_build_slice(b, scs, r0, (int64_t[]){3}, NULL), t3), ds};
    (void)t2;
    vt_value *mixed = vt_build_concatenate(b, sum6_in, 3, 0);               /* 2 + 3 + 3 = 8 */
    int64_t s0[] = {0}, s6[] = {6};
    vt_value *six = vt_build_slice(b, mixed, s0, s6, NULL);
    vt_op *cc = vt_build_custom_call(b, "veritor.test_only", &six, 1, &t6, 1, "");
    (void)cc;
    vt_value *outs[] = {dus, ds, six};
    vt_build_return(b, outs, 3);
    vt_module *m = NULL;
    vt_status s = vt_builder_finish(b, &m, &err);
    CHECK_MSG(s == VT_OK, "finish: %s", err.msg);
    vt_builder_free(b);
    if (!m) return;
    char *text = print_module(m);
    CHECK_MSG(strstr(text, "#stablehlo.gather<") && strstr(text, "#stablehlo.scatter<") &&
                  strstr(text, "stablehlo.custom_call @veritor.test_only") && strstr(text, "stablehlo.iota dim = 1"),
              "unexpected text:\n%s", text);
    free(text);
    check_roundtrip(m);

    float xv[6] = {1, 2, 3, 4, 5, 6};
    vt_rvalue in = vt_rvalue_tensor(f32_tensor(2, d23, xv));
    vt_rvalue *r = NULL;
    size_t nr = 0;
    hook_calls = 0;
    s = run(m, &in, 1, &r, &nr, &err);
    CHECK_MSG(s == VT_OK, "execute: %s", err.msg);
    CHECK_EQ_INT(hook_calls, 1);
    if (s == VT_OK) {
        /* up = [[0,2,3],[0,0,6]]; up^T flat = [0,0,2,0,3,6]; cat = that ++ [1..6];
         * slice [1:7:2] = [0,0,6]; dus(cat, [0,0,6], 1) = [0,0,0,6,3,6,1,2,3,4,5,6] */
        const float *o = r[0].tensor->data;
        float want[12] = {0, 0, 0, 6, 3, 6, 1, 2, 3, 4, 5, 6};
        CHECK(memcmp(o, want, sizeof want) == 0);
        const float *o1 = r[1].tensor->data;
        CHECK(o1[0] == 2 && o1[1] == 3 && o1[2] == 4);
        /* x^T = [[1,4],[2,5],[3,6]]: gather rows 1,0 -> [[2,5],[1,4]] column sums [3, 9];
         * scatter adds 1 to rows 1 and 0 -> row sums [7, 9, 9]; ds = [2,3,4]... first 6 of
         * [3,9,7,9,9,2,3,4] */
        const float *o2 = r[2].tensor->data;
        float want2[6] = {3, 9, 7, 9, 9, 2};
        CHECK_MSG(memcmp(o2, want2, sizeof want2) == 0, "got %g %g %g %g %g %g", o2[0], o2[1], o2[2], o2[3], o2[4], o2[5]);
        vt_rvalues_release(r, nr);
    }
    vt_rvalue_release(&in);
    vt_module_free(m);
}

TEST(misuse) {
    vt_error err;
    int64_t d2[] = {2}, d3[] = {3};
    /* wrong operand count for a table op: sticky error, later calls return NULL */
    vt_builder *b = vt_builder_new("m", &err);
    const vt_type *t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    vt_func *f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    vt_value *a = vt_builder_func_arg(b, f, 0);
    CHECK(vt_build_op(b, "stablehlo.add", &a, 1, &t2, 1, NULL, 0, 0) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "stablehlo.add takes 2 operands, not 1");
    CHECK(vt_build_unary(b, VT_OP_NEGATE, a) == NULL);
    vt_module *m = (vt_module *)1;
    CHECK_ERR(vt_builder_finish(b, &m, &err), &err, VT_EINPUT, "takes 2 operands");
    CHECK(m == NULL);
    vt_builder_free(b);

    /* a value of another function */
    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    vt_func *g = vt_builder_func(b, "g", "private", &t2, 1, &t2, 1);
    vt_value *ga = vt_builder_func_arg(b, g, 0);
    vt_build_return(b, &ga, 1);
    vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    CHECK(vt_build_unary(b, VT_OP_NEGATE, ga) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "operand 0 is a value from another function or region");
    vt_builder_free(b);

    /* missing terminator: caught by finish (the verifier) */
    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    vt_build_unary(b, VT_OP_NEGATE, vt_builder_func_arg(b, f, 0));
    CHECK_ERR(vt_builder_finish(b, &m, &err), &err, VT_EINPUT, "a block must end with a return");
    vt_builder_free(b);

    /* op after the terminator; wrong return type; call with the wrong argument type */
    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    a = vt_builder_func_arg(b, f, 0);
    vt_build_return(b, &a, 1);
    CHECK(vt_build_unary(b, VT_OP_NEGATE, a) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "already ends with a return");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    const vt_type *t3 = vt_builder_tensor_type(b, VT_F32, 1, d3);
    f = vt_builder_func(b, "main", "public", &t3, 1, &t2, 1);
    a = vt_builder_func_arg(b, f, 0);
    CHECK(vt_build_return(b, &a, 1) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "does not have @main's result type");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    t3 = vt_builder_tensor_type(b, VT_F32, 1, d3);
    g = vt_builder_func(b, "g", "private", &t2, 1, &t2, 1);
    ga = vt_builder_func_arg(b, g, 0);
    vt_build_return(b, &ga, 1);
    f = vt_builder_func(b, "main", "public", &t3, 1, &t3, 1);
    a = vt_builder_func_arg(b, f, 0);
    CHECK(vt_build_call(b, g, &a, 1) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "argument 0 of @g has the wrong type");
    vt_builder_free(b);

    /* bad dimensions, duplicate function, pop without push, type errors */
    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    int64_t perm[] = {1};
    CHECK(vt_build_transpose(b, vt_builder_func_arg(b, f, 0), perm, 1) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "transpose: dimension 1 outside [0, 1)");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    CHECK(vt_builder_func(b, "main", "public", &t2, 1, &t2, 1) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "function @main defined twice");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    vt_builder_pop_block(b);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "pop_block without a matching push_block");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    int64_t neg[] = {-3};
    CHECK(vt_builder_tensor_type(b, VT_F32, 1, neg) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "dimension 0 is negative");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    CHECK(vt_build_constant_scalar(b, VT_F32, 1.0) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "no insertion block");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    vt_named_attr dup[2] = {{"a", vt_builder_attr_unit(b)}, {"a", vt_builder_attr_unit(b)}};
    vt_builder_func(b, "main", "public", NULL, 0, &t2, 1);
    CHECK(vt_build_op(b, "my.op", NULL, 0, &t2, 1, dup, 2, 0) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "duplicate entry 'a'");
    vt_builder_free(b);

    /* while regions must end with returns */
    b = vt_builder_new("m", &err);
    const vt_type *ti = vt_builder_scalar_type(b, VT_I32);
    f = vt_builder_func(b, "main", "public", &ti, 1, &ti, 1);
    a = vt_builder_func_arg(b, f, 0);
    vt_op *w = vt_build_while_begin(b, &a, 1);
    CHECK_ERR(vt_build_while_end(b, w), &err, VT_EINPUT, "");
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "the cond region does not end with a return");
    vt_builder_free(b);

    /* NULL operands, dense attributes of the wrong shape or type, bad region index */
    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    CHECK(vt_build_binary(b, VT_OP_ADD, NULL, vt_builder_func_arg(b, f, 0)) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "binary op: operand 0 is NULL");
    vt_builder_free(b);

    b = vt_builder_new("m", &err);
    t3 = vt_builder_tensor_type(b, VT_F32, 1, d3);
    vt_error e2;
    vt_tensor *two = vt_tensor_create(VT_F32, 1, d2, UINT64_MAX, &e2);
    CHECK(vt_builder_attr_dense(b, two, t3) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "tensor shape differs from the type's");
    vt_builder_free(b);
    b = vt_builder_new("m", &err);
    CHECK(vt_builder_attr_dense(b, two, vt_builder_tensor_type(b, VT_I32, 1, d2)) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "tensor of f32 for a type of i32");
    vt_builder_free(b);
    vt_tensor_release(two);

    b = vt_builder_new("m", &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", "public", &t2, 1, &t2, 1);
    a = vt_builder_func_arg(b, f, 0);
    vt_value *nv = vt_build_unary(b, VT_OP_NEGATE, a);
    CHECK(vt_builder_add_block(b, nv->def, 0, NULL, 0) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "stablehlo.negate has no region 0");
    vt_builder_free(b);

    /* a value defined inside a while body is not visible after the loop */
    b = vt_builder_new("m", &err);
    ti = vt_builder_scalar_type(b, VT_I32);
    f = vt_builder_func(b, "main", "public", &ti, 1, &ti, 1);
    a = vt_builder_func_arg(b, f, 0);
    w = vt_build_while_begin(b, &a, 1);
    vt_builder_while_body(b, w);
    vt_value *inner = vt_build_unary(b, VT_OP_NEGATE, vt_builder_block_arg(b, w->regions[1]->blocks[0], 0));
    vt_build_return(b, &inner, 1);
    vt_builder_while_cond(b, w);
    vt_value *t = vt_build_compare(b, "EQ", a, a, NULL); /* outer values are visible inside */
    vt_build_return(b, &t, 1);
    CHECK(vt_build_while_end(b, w) == VT_OK);
    CHECK(vt_build_return(b, &inner, 1) == NULL);
    CHECK_ERR(vt_builder_status(b, &err), &err, VT_EINPUT, "func.return: operand 0 is a value from another function or region");
    vt_builder_free(b);

    /* finish twice */
    b = vt_builder_new(NULL, &err);
    t2 = vt_builder_tensor_type(b, VT_F32, 1, d2);
    f = vt_builder_func(b, "main", NULL, &t2, 1, &t2, 1);
    a = vt_builder_func_arg(b, f, 0);
    vt_build_return(b, &a, 1);
    CHECK(vt_builder_finish(b, &m, &err) == VT_OK);
    vt_module *m2 = NULL;
    CHECK_ERR(vt_builder_finish(b, &m2, &err), &err, VT_EINPUT, "already handed out");
    vt_builder_free(b);
    vt_module_free(m);
}

int main(void) {
    RUN(mlp);
    RUN(while_loop);
    RUN(shape_ops);
    RUN(misuse);
    return vt_test_finish();
}
