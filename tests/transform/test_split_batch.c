/* Batch splitting: the tiny transformer's prefill (also inlined) and teacher-forcing graphs
 * (B = 4) split to sub-batches of 1, 2 and 4 give the full run's rows bit for bit; so do loops
 * with batched carries, calls (one callee, two layouts), and a program per op rule; graphs that
 * mix batch elements are refused naming the op; hostile and random layouts are VT_EINPUT /
 * VT_EUNSUPPORTED, never a crash. */
#include "harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

#include <stdlib.h>

static vt_engine *g_engine;

static vt_module *parse(const char *text) {
    vt_error err;
    vt_module *m = NULL;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    if (s == VT_OK) {
        s = vt_module_verify(m, &err);
        CHECK_MSG(s == VT_OK, "verify: %s", err.msg);
        if (s) {
            vt_module_free(m);
            m = NULL;
        }
    }
    return m;
}

/* Rows [k*s, (k+1)*s) of t along dim d. */
static vt_tensor *rows(const vt_tensor *t, int d, int64_t k, int64_t s) {
    int64_t dims[VT_MAX_RANK];
    memcpy(dims, t->dims, sizeof dims);
    dims[d] = s;
    vt_tensor *r = vt_tensor_create(t->dtype, t->rank, dims, 0, NULL);
    size_t es = vt_dtype_size(t->dtype), inner = es, outer = 1;
    for (int i = d + 1; i < t->rank; i++) inner *= (size_t)t->dims[i];
    for (int i = 0; i < d; i++) outer *= (size_t)t->dims[i];
    for (size_t o = 0; o < outer; o++)
        memcpy((char *)r->data + o * (size_t)s * inner, (const char *)t->data + (o * (size_t)t->dims[d] + (size_t)(k * s)) * inner,
               (size_t)s * inner);
    return r;
}

static vt_status exec(const vt_module *m, vt_tensor *const *args, size_t n, vt_rvalue **res, size_t *nres, vt_error *err) {
    vt_rvalue *a = calloc(n + 1, sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = vt_rvalue_tensor(vt_tensor_retain(args[i]));
    vt_status s = vt_execute(g_engine, m, NULL, a, n, NULL, res, nres, NULL, err);
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&a[i]);
    free(a);
    return s;
}

static void roundtrip(const vt_module *m) {
    vt_error err;
    vt_buf b;
    vt_buf_init(&b);
    CHECK_EQ_INT(vt_module_print(m, NULL, &b, &err), VT_OK);
    vt_module *back = parse(vt_buf_cstr(&b));
    CHECK(back != NULL);
    vt_module_free(back);
    vt_buf_free(&b);
}

/* Splits m and checks every sub-batch against the full run: bit-exact, or when max_ulp > 0
 * within that many units in the last place (reported). Returns the worst ulp distance seen. */
static long check_split(const vt_module *m, vt_tensor *const *args, size_t nargs, const int *abd, const int *rbd,
                        size_t nres, int64_t B, int64_t s) {
    vt_error err;
    vt_module *sm = NULL;
    vt_status st = vt_xf_split_batch(m, NULL, abd, nargs, rbd, nres, s, &sm, &err);
    CHECK_MSG(st == VT_OK, "split-batch %lld: %s", (long long)s, err.msg);
    if (st) return -1;
    roundtrip(sm);
    vt_rvalue *full = NULL;
    size_t nfull = 0;
    long worst = 0;
    st = exec(m, args, nargs, &full, &nfull, &err);
    CHECK_MSG(st == VT_OK, "full run: %s", err.msg);
    for (int64_t k = 0; full && k < B / s; k++) {
        vt_tensor **sa = calloc(nargs, sizeof *sa);
        for (size_t i = 0; i < nargs; i++) sa[i] = abd[i] >= 0 ? rows(args[i], abd[i], k, s) : vt_tensor_retain(args[i]);
        vt_rvalue *part = NULL;
        size_t npart = 0;
        st = exec(sm, sa, nargs, &part, &npart, &err);
        CHECK_MSG(st == VT_OK, "run sub-batch %lld: %s", (long long)k, err.msg);
        for (size_t r = 0; st == VT_OK && r < nres && r < npart; r++) {
            vt_tensor *want = rbd[r] >= 0 ? rows(full[r].tensor, rbd[r], k, s) : vt_tensor_retain(full[r].tensor);
            const vt_tensor *got = part[r].tensor;
            CHECK(vt_tensor_same_shape(want, got));
            if (vt_tensor_same_shape(want, got) && memcmp(want->data, got->data, want->nbytes) != 0) {
                /* report the distance in float ulps */
                for (size_t e = 0; e < want->nelem && want->dtype == VT_F32; e++) {
                    int32_t a, b2;
                    memcpy(&a, (char *)want->data + 4 * e, 4);
                    memcpy(&b2, (char *)got->data + 4 * e, 4);
                    long d = labs((long)a - (long)b2);
                    if (d > worst) worst = d;
                }
                if (want->dtype != VT_F32) worst = 1L << 30;
            }
            vt_tensor_release(want);
        }
        if (st == VT_OK) vt_rvalues_release(part, npart);
        for (size_t i = 0; i < nargs; i++) vt_tensor_release(sa[i]);
        free(sa);
    }
    if (full) vt_rvalues_release(full, nfull);
    vt_module_free(sm);
    return worst;
}

/* ---- the tiny transformer ---- */
static bool tiny_args(const vt_model_config *c, const vt_module *m, int64_t B, int64_t T, bool fp, vt_tensor ***out,
                      size_t *n) {
    vt_error err;
    vt_tensor_set *w = NULL;
    size_t np = vt_model_num_params(c);
    vt_rvalue *p = calloc(np, sizeof *p);
    if (vt_model_init_weights(c, 5, &w, &err) || vt_model_param_args(c, w, p, &err)) {
        CHECK_MSG(0, "weights: %s", err.msg);
        return false;
    }
    *n = np + 1 + (fp ? 1 : 0);
    vt_tensor **a = calloc(*n, sizeof *a);
    for (size_t i = 0; i < np; i++) a[i] = vt_tensor_retain(p[i].tensor);
    vt_rvalues_release(p, np);
    vt_tensor_set_free(w);
    int64_t td[2] = {B, T};
    a[np] = vt_tensor_create(VT_I32, 2, td, 0, &err);
    for (int64_t i = 0; i < B * T; i++) ((int32_t *)a[np]->data)[i] = (int32_t)((i * 53 + 7) % c->vocab);
    if (fp) {
        /* the fingerprint input: a Threefry key [2] ui32 (in-graph R) or R itself */
        const vt_func *f = NULL;
        if (vt_module_entry(m, NULL, &f, &err) || f->nargs != *n) return false;
        const vt_type *kt = f->arg_types[np + 1];
        if (kt->dtype == VT_U32) {
            int64_t two = 2;
            a[np + 1] = vt_tensor_create(VT_U32, 1, &two, 0, &err);
            ((uint32_t *)a[np + 1]->data)[0] = 4;
            ((uint32_t *)a[np + 1]->data)[1] = 99;
        } else if (vt_model_fp_matrix(c, vt_key_from_seed(4), &a[np + 1], &err)) {
            return false;
        }
    }
    *out = a;
    return true;
}

static void free_args(vt_tensor **a, size_t n) {
    for (size_t i = 0; i < n; i++) vt_tensor_release(a[i]);
    free(a);
}

TEST(tiny_prefill) {
    vt_model_config c;
    vt_error err;
    vt_module *m = NULL;
    if (vt_model_preset("tiny", &c, &err) || vt_model_emit_prefill(&c, 4, 8, &m, &err)) {
        CHECK_MSG(0, "tiny: %s", err.msg);
        return;
    }
    vt_tensor **a;
    size_t n;
    if (tiny_args(&c, m, 4, 8, false, &a, &n)) {
        int *abd = malloc(n * sizeof *abd);
        for (size_t i = 0; i < n; i++) abd[i] = -1;
        abd[n - 1] = 0;
        int rbd[1] = {0};
        /* docs/transform-slice.md: bit-exact is expected (row results of the GEMMs do not depend
         * on the number of rows with the engine's kernels); a change there shows up here */
        CHECK_EQ_INT(check_split(m, a, n, abd, rbd, 1, 4, 1), 0);
        CHECK_EQ_INT(check_split(m, a, n, abd, rbd, 1, 4, 2), 0);
        CHECK_EQ_INT(check_split(m, a, n, abd, rbd, 1, 4, 4), 0);
        /* the same graph after inlining (one flat @main) */
        vt_module *inl = NULL;
        CHECK_EQ_INT(vt_xf_inline(m, NULL, &inl, &err), VT_OK);
        if (inl) CHECK_EQ_INT(check_split(inl, a, n, abd, rbd, 1, 4, 2), 0);
        vt_module_free(inl);
        free(abd);
        free_args(a, n);
    }
    vt_module_free(m);
}

TEST(tiny_teacher_forcing) {
    vt_model_config c;
    vt_error err;
    vt_module *m = NULL;
    if (vt_model_preset("tiny", &c, &err) || vt_model_emit_teacher_forcing(&c, 4, 6, &m, &err)) {
        CHECK_MSG(0, "tiny: %s", err.msg);
        return;
    }
    vt_tensor **a;
    size_t n;
    if (tiny_args(&c, m, 4, 6, true, &a, &n)) {
        int *abd = malloc(n * sizeof *abd);
        for (size_t i = 0; i < n; i++) abd[i] = -1;
        abd[n - 2] = 0;
        int rbd[2] = {0, 0};
        CHECK_EQ_INT(check_split(m, a, n, abd, rbd, 2, 4, 2), 0);
        free(abd);
        free_args(a, n);
    }
    vt_module_free(m);
}

/* ---- loops, calls, transposed batch dims, unbatched broadcasts ---- */
static const char *k_loop =
    "func.func @main(%x: tensor<3x4xf32>, %w: tensor<3x3xf32>) -> (tensor<4x3xf32>, tensor<3x3xf32>) {\n"
    "  %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
    "  %z = stablehlo.constant dense<0.0> : tensor<3x4xf32>\n"
    "  %r:3 = stablehlo.while(%i = %c0, %v = %x, %acc = %z) : tensor<i32>, tensor<3x4xf32>, tensor<3x4xf32>\n"
    "    cond {\n"
    "      %n = stablehlo.constant dense<3> : tensor<i32>\n"
    "      %p = stablehlo.compare LT, %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
    "      stablehlo.return %p : tensor<i1>\n"
    "    } do {\n"
    "      %one = stablehlo.constant dense<1> : tensor<i32>\n"
    "      %i2 = stablehlo.add %i, %one : tensor<i32>\n"
    "      %m = stablehlo.dot_general %w, %v, contracting_dims = [1] x [0] : (tensor<3x3xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>\n"
    "      %t = stablehlo.tanh %m : tensor<3x4xf32>\n"
    "      %a2 = stablehlo.add %acc, %t : tensor<3x4xf32>\n"
    "      stablehlo.return %i2, %t, %a2 : tensor<i32>, tensor<3x4xf32>, tensor<3x4xf32>\n"
    "    }\n"
    "  %s = call @norm(%r#2) : (tensor<3x4xf32>) -> tensor<3x4xf32>\n"
    "  %o = stablehlo.transpose %s, dims = [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>\n"
    "  return %o, %w : tensor<4x3xf32>, tensor<3x3xf32>\n"
    "}\n"
    "func.func private @norm(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {\n"
    "  %c = stablehlo.constant dense<0.0> : tensor<f32>\n"
    "  %s = stablehlo.reduce(%x init: %c) applies stablehlo.add across dimensions = [0] : (tensor<3x4xf32>, tensor<f32>) -> tensor<4xf32>\n"
    "  %b = stablehlo.broadcast_in_dim %s, dims = [1] : (tensor<4xf32>) -> tensor<3x4xf32>\n"
    "  %i = stablehlo.iota dim = 0 : tensor<3x4xf32>\n"
    "  %y = stablehlo.divide %x, %b : tensor<3x4xf32>\n"
    "  %y2 = stablehlo.add %y, %i : tensor<3x4xf32>\n"
    "  return %y2 : tensor<3x4xf32>\n"
    "}\n";

static vt_tensor *filled(int rank, const int64_t *dims, double base) {
    vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, 0, NULL);
    for (size_t i = 0; i < t->nelem; i++) ((float *)t->data)[i] = (float)(base + 0.37 * (double)((i * 7) % 11) - 1.1);
    return t;
}

TEST(loop_and_call) {
    vt_module *m = parse(k_loop);
    if (!m) return;
    int64_t xd[2] = {3, 4}, wd[2] = {3, 3};
    vt_tensor *a[2] = {filled(2, xd, 0.5), filled(2, wd, 0.1)};
    /* the batch is dim 1 of x (columns), dim 0 of the first result */
    int abd[2] = {1, -1}, rbd[2] = {0, -1};
    CHECK_EQ_INT(check_split(m, a, 2, abd, rbd, 2, 4, 1), 0);
    CHECK_EQ_INT(check_split(m, a, 2, abd, rbd, 2, 4, 2), 0);
    vt_tensor_release(a[0]);
    vt_tensor_release(a[1]);
    vt_module_free(m);
}


/* ---- the op rules, numerically: each program split at 1 and 2 equals the full run's rows ---- */
static const char *k_rules =
    "func.func @main(%x: tensor<4x3xf32>, %y: tensor<3x4xf32>, %idx: tensor<4x1xi32>) -> (tensor<4x8xf32>, tensor<4x2xf32>,\n"
    "    tensor<4x3xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4x3xf32>) {\n"
    "  %c = stablehlo.constant dense<0.5> : tensor<f32>\n"
    "  %p = stablehlo.pad %x, %c, low = [0, 1], high = [0, 2], interior = [0, 1] : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x8xf32>\n"
    "  %z = stablehlo.constant dense<0> : tensor<i32>\n"
    "  %one = stablehlo.constant dense<1> : tensor<i32>\n"
    "  %d = stablehlo.dynamic_slice %x, %z, %one, sizes = [4, 2] : (tensor<4x3xf32>, tensor<i32>, tensor<i32>) -> tensor<4x2xf32>\n"
    "  %up = stablehlo.slice %x [0:4, 2:3] : (tensor<4x3xf32>) -> tensor<4x1xf32>\n"
    "  %u = stablehlo.dynamic_update_slice %x, %up, %z, %one : (tensor<4x3xf32>, tensor<4x1xf32>, tensor<i32>, tensor<i32>) -> tensor<4x3xf32>\n"
    "  %b = stablehlo.broadcast_in_dim %x, dims = [0, 2] : (tensor<4x3xf32>) -> tensor<4x2x3xf32>\n"
    "  %r = stablehlo.reshape %b : (tensor<4x2x3xf32>) -> tensor<4x6xf32>\n"
    "  %g = \"stablehlo.gather\"(%x, %idx) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 1>, slice_sizes = array<i64: 1, 1>}> : (tensor<4x3xf32>, tensor<4x1xi32>) -> tensor<4xf32>\n"
    "  %yt = stablehlo.transpose %y, dims = [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>\n"
    "  %m = stablehlo.multiply %yt, %x : tensor<4x3xf32>\n"
    "  %rw = \"stablehlo.reduce_window\"(%x, %c) <{window_dimensions = array<i64: 1, 2>}> ({\n"
    "    ^bb0(%a: tensor<f32>, %e: tensor<f32>):\n"
    "      %s = stablehlo.add %a, %e : tensor<f32>\n"
    "      stablehlo.return %s : tensor<f32>\n"
    "  }) : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x2xf32>\n"
    "  %t = stablehlo.constant dense<true> : tensor<i1>\n"
    "  %zz = stablehlo.constant dense<0.0> : tensor<4x3xf32>\n"
    "  %if = \"stablehlo.if\"(%t) ({\n"
    "    %n = stablehlo.negate %x : tensor<4x3xf32>\n"
    "    stablehlo.return %n : tensor<4x3xf32>\n"
    "  }, {\n"
    "    stablehlo.return %zz : tensor<4x3xf32>\n"
    "  }) : (tensor<i1>) -> tensor<4x3xf32>\n"
    "  return %p, %d, %u, %r, %g, %m, %rw, %if : tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x3xf32>, tensor<4x6xf32>,\n"
    "    tensor<4xf32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4x3xf32>\n"
    "}\n";

TEST(rules_numeric) {
    vt_module *m = parse(k_rules);
    if (!m) return;
    int64_t xd[2] = {4, 3}, yd[2] = {3, 4}, id[2] = {4, 1};
    vt_tensor *a[3] = {filled(2, xd, 0.25), filled(2, yd, -0.5), vt_tensor_create(VT_I32, 2, id, 0, NULL)};
    for (int i = 0; i < 4; i++) ((int32_t *)a[2]->data)[i] = (i * 2 + 1) % 3;
    /* %y carries the batch in dim 1, the result of its transpose in dim 0 */
    int abd[3] = {0, 1, 0}, rbd[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(check_split(m, a, 3, abd, rbd, 8, 4, 1), 0);
    CHECK_EQ_INT(check_split(m, a, 3, abd, rbd, 8, 4, 2), 0);
    CHECK_EQ_INT(check_split(m, a, 3, abd, rbd, 8, 4, 4), 0);
    /* %y unbatched: its transpose meets the batch but varies along it */
    int abd2[3] = {0, -1, 0};
    vt_error err;
    vt_module *out = NULL;
    CHECK_ERR(vt_xf_split_batch(m, NULL, abd2, 3, rbd, 8, 2, &out, &err), &err, VT_EINPUT,
              "stablehlo.multiply operand 0 is not batched but varies along dimension 0");
    for (int i = 0; i < 3; i++) vt_tensor_release(a[i]);
    vt_module_free(m);
}


static const char *k_scatter =
    "func.func @main(%x: tensor<4x3xf32>, %idx: tensor<4x1xi32>, %v: tensor<4xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {\n"
    "  %s = \"stablehlo.scatter\"(%x, %idx, %v) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [1], input_batching_dims = [0], scatter_indices_batching_dims = [0], scatter_dims_to_operand_dims = [1], index_vector_dim = 1>}> ({\n"
    "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
    "      %t = stablehlo.add %a, %b : tensor<f32>\n"
    "      stablehlo.return %t : tensor<f32>\n"
    "  }) : (tensor<4x3xf32>, tensor<4x1xi32>, tensor<4xf32>) -> tensor<4x3xf32>\n"
    "  %i1 = stablehlo.constant dense<[[1]]> : tensor<1x1xi32>\n"
    "  %u = stablehlo.reshape %v : (tensor<4xf32>) -> tensor<1x4xf32>\n"
    "  %w = \"stablehlo.scatter\"(%x, %i1, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [1], scatter_dims_to_operand_dims = [1], index_vector_dim = 1>}> ({\n"
    "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
    "      stablehlo.return %b : tensor<f32>\n"
    "  }) : (tensor<4x3xf32>, tensor<1x1xi32>, tensor<1x4xf32>) -> tensor<4x3xf32>\n"
    "  return %s, %w : tensor<4x3xf32>, tensor<4x3xf32>\n"
    "}\n";

TEST(scatter_numeric) {
    vt_module *m = parse(k_scatter);
    if (!m) return;
    int64_t xd[2] = {4, 3}, id[2] = {4, 1}, vd = 4;
    vt_tensor *a[3] = {filled(2, xd, 0.25), vt_tensor_create(VT_I32, 2, id, 0, NULL), filled(1, &vd, 2.0)};
    for (int i = 0; i < 4; i++) ((int32_t *)a[1]->data)[i] = (i * 2) % 3;
    int abd[3] = {0, 0, 0}, rbd[2] = {0, 0};
    CHECK_EQ_INT(check_split(m, a, 3, abd, rbd, 2, 4, 1), 0);
    CHECK_EQ_INT(check_split(m, a, 3, abd, rbd, 2, 4, 2), 0);
    /* the same updates scattered by unbatched indices into an unbatched buffer: mixing */
    vt_error err;
    vt_module *out = NULL;
    int abd2[3] = {-1, 0, 0};
    CHECK_ERR(vt_xf_split_batch(m, NULL, abd2, 3, rbd, 2, 2, &out, &err), &err, VT_EINPUT, "@main/0 stablehlo.scatter");
    for (int i = 0; i < 3; i++) vt_tensor_release(a[i]);
    vt_module_free(m);
}


/* One callee called with two batch layouts becomes two functions. */
TEST(two_layouts) {
    vt_module *m = parse("func.func @main(%x: tensor<4x3xf32>, %w: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {\n"
                         "  %a = call @f(%x) : (tensor<4x3xf32>) -> tensor<4x3xf32>\n"
                         "  %b = call @f(%w) : (tensor<4x3xf32>) -> tensor<4x3xf32>\n"
                         "  return %a, %b : tensor<4x3xf32>, tensor<4x3xf32>\n"
                         "}\n"
                         "func.func private @f(%y: tensor<4x3xf32>) -> tensor<4x3xf32> {\n"
                         "  %t = stablehlo.tanh %y : tensor<4x3xf32>\n"
                         "  return %t : tensor<4x3xf32>\n"
                         "}\n");
    if (!m) return;
    int64_t xd[2] = {4, 3};
    vt_tensor *a[2] = {filled(2, xd, 0.1), filled(2, xd, 0.7)};
    int abd[2] = {0, -1}, rbd[2] = {0, -1};
    CHECK_EQ_INT(check_split(m, a, 2, abd, rbd, 2, 4, 2), 0);
    vt_error err;
    vt_module *out = NULL;
    CHECK_EQ_INT(vt_xf_split_batch(m, NULL, abd, 2, rbd, 2, 2, &out, &err), VT_OK);
    if (out) {
        const vt_func *f = vt_module_find_func(out, "f"), *g = vt_module_find_func(out, "f_sb1");
        CHECK(f && g && f->arg_types[0]->dims[0] == 2 && g->arg_types[0]->dims[0] == 4);
        vt_module_free(out);
    }
    for (int i = 0; i < 2; i++) vt_tensor_release(a[i]);
    vt_module_free(m);
}

/* ---- refusals ---- */
static vt_status try_split(const char *text, const int *abd, size_t na, const int *rbd, size_t nr, int64_t s, vt_error *err) {
    vt_module *m = parse(text);
    if (!m) return VT_EINTERNAL;
    vt_module *out = NULL;
    vt_status st = vt_xf_split_batch(m, NULL, abd, na, rbd, nr, s, &out, err);
    vt_module_free(out);
    vt_module_free(m);
    return st;
}

#define FN1(sig, body) "func.func @main(%x: tensor<4x3xf32>) -> " sig " {\n" body "}\n"

TEST(mixing_refused) {
    vt_error err;
    int a0[1] = {0}, r0[1] = {0}, rn[1] = {-1};
    CHECK_ERR(try_split(FN1("tensor<3xf32>",
                            "  %c = stablehlo.constant dense<0.0> : tensor<f32>\n"
                            "  %r = stablehlo.reduce(%x init: %c) applies stablehlo.add across dimensions = [0] : (tensor<4x3xf32>, tensor<f32>) -> tensor<3xf32>\n"
                            "  return %r : tensor<3xf32>\n"),
                        a0, 1, rn, 1, 2, &err),
              &err, VT_EINPUT, "@main/1 stablehlo.reduce reduces over batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<3x3xf32>",
                            "  %r = stablehlo.dot_general %x, %x, contracting_dims = [0] x [0] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<3x3xf32>\n"
                            "  return %r : tensor<3x3xf32>\n"),
                        a0, 1, rn, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.dot_general contracts over batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<4x4xf32>",
                            "  %r = stablehlo.dot_general %x, %x, contracting_dims = [1] x [1] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x4xf32>\n"
                            "  return %r : tensor<4x4xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.dot_general pairs batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<12xf32>",
                            "  %r = stablehlo.reshape %x : (tensor<4x3xf32>) -> tensor<12xf32>\n"
                            "  return %r : tensor<12xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.reshape merges batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<2x3xf32>",
                            "  %r = stablehlo.slice %x [1:3, 0:3] : (tensor<4x3xf32>) -> tensor<2x3xf32>\n"
                            "  return %r : tensor<2x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "slices batch dim 0");
    /* a gather whose indices pick batch rows */
    CHECK_ERR(try_split(FN1("tensor<2x3xf32>",
                            "  %i = stablehlo.constant dense<[[3], [0]]> : tensor<2x1xi32>\n"
                            "  %r = \"stablehlo.gather\"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 3>}> : (tensor<4x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>\n"
                            "  return %r : tensor<2x3xf32>\n"),
                        a0, 1, rn, 1, 2, &err),
              &err, VT_EINPUT, "@main/1 stablehlo.gather picks single elements of batch dim 0");
    /* an unbatched value that differs per batch row meets the batch */
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %i = stablehlo.iota dim = 0 : tensor<4x3xf32>\n"
                            "  %r = stablehlo.add %x, %i : tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/1 stablehlo.add operand 1 is not batched but varies along dimension 0");
    /* the same with the iota along the other dim is fine */
    CHECK_EQ_INT(try_split(FN1("tensor<4x3xf32>",
                               "  %i = stablehlo.iota dim = 1 : tensor<4x3xf32>\n"
                               "  %r = stablehlo.add %x, %i : tensor<4x3xf32>\n"
                               "  return %r : tensor<4x3xf32>\n"),
                           a0, 1, r0, 1, 2, &err),
                 VT_OK);
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %r = stablehlo.reverse %x, dims = [0] : tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "reverses batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<8x3xf32>",
                            "  %r = stablehlo.concatenate %x, %x, dim = 0 : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>\n"
                            "  return %r : tensor<8x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "concatenates along batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %r = \"stablehlo.sort\"(%x) <{dimension = 0 : i64, is_stable = true}> ({\n"
                            "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                            "      %p = stablehlo.compare LT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>\n"
                            "      stablehlo.return %p : tensor<i1>\n"
                            "  }) : (tensor<4x3xf32>) -> tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.sort sorts along batch dim 0");
    /* a cumulative sum over the batch (JAX lowers cumsum to reduce_window) */
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %c = stablehlo.constant dense<0.0> : tensor<f32>\n"
                            "  %r = \"stablehlo.reduce_window\"(%x, %c) <{window_dimensions = array<i64: 4, 1>, padding = dense<[[3, 0], [0, 0]]> : tensor<2x2xi64>}> ({\n"
                            "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                            "      %s = stablehlo.add %a, %b : tensor<f32>\n"
                            "      stablehlo.return %s : tensor<f32>\n"
                            "  }) : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/1 stablehlo.reduce_window has a window over batch dim 0");
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %r = \"stablehlo.all_reduce\"(%x) <{replica_groups = dense<[[0]]> : tensor<1x1xi64>}> ({\n"
                            "    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n"
                            "      %s = stablehlo.add %a, %b : tensor<f32>\n"
                            "      stablehlo.return %s : tensor<f32>\n"
                            "  }) : (tensor<4x3xf32>) -> tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.all_reduce is a collective");
    /* results declared against the analysis */
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>", "  %r = stablehlo.tanh %x : tensor<4x3xf32>\n  return %r : tensor<4x3xf32>\n"), a0,
                        1, rn, 1, 2, &err),
              &err, VT_EINPUT, "declared unbatched");
    int r1[1] = {1};
    CHECK_ERR(try_split(FN1("tensor<4x4xf32>",
                            "  %r = stablehlo.dot_general %x, %x, contracting_dims = [1] x [1] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x4xf32>\n"
                            "  return %r : tensor<4x4xf32>\n"),
                        a0, 1, r1, 1, 4, &err),
              &err, VT_EINPUT, "pairs batch dim 0");
    /* custom_call with a batched operand: not covered */
    CHECK_ERR(try_split(FN1("tensor<4x3xf32>",
                            "  %r = stablehlo.custom_call @foo(%x) : (tensor<4x3xf32>) -> tensor<4x3xf32>\n"
                            "  return %r : tensor<4x3xf32>\n"),
                        a0, 1, r0, 1, 2, &err),
              &err, VT_EUNSUPPORTED, "not supported: split-batch through @main/0 stablehlo.custom_call");
}


static const char *k_conv =
    "func.func @main(%x: tensor<4x5x5x2xf32>, %k: tensor<3x3x2x3xf32>) -> tensor<4x3x3x3xf32> {\n"
    "  %r = stablehlo.convolution(%x, %k) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1]}\n"
    "    {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<4x5x5x2xf32>, tensor<3x3x2x3xf32>) -> tensor<4x3x3x3xf32>\n"
    "  return %r : tensor<4x3x3x3xf32>\n"
    "}\n";

TEST(convolution) {
    vt_module *m = parse(k_conv);
    if (!m) return;
    int64_t xd[4] = {4, 5, 5, 2}, kd[4] = {3, 3, 2, 3};
    vt_tensor *a[2] = {filled(4, xd, 0.3), filled(4, kd, -0.2)};
    int abd[2] = {0, -1}, rbd[1] = {0};
    CHECK_EQ_INT(check_split(m, a, 2, abd, rbd, 1, 4, 1), 0);
    CHECK_EQ_INT(check_split(m, a, 2, abd, rbd, 1, 4, 2), 0);
    vt_error err;
    vt_module *out = NULL;
    int abd2[2] = {-1, 0}, rn[1] = {-1};
    CHECK_ERR(vt_xf_split_batch(m, NULL, abd2, 2, rn, 1, 1, &out, &err), &err, VT_EUNSUPPORTED, "with a batched kernel");
    for (int i = 0; i < 2; i++) vt_tensor_release(a[i]);
    vt_module_free(m);
    /* batch along a spatial dim of the input: the window mixes elements */
    CHECK_ERR(try_split("func.func @main(%x: tensor<1x4x4x1xf32>, %k: tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32> {\n"
                        "  %r = stablehlo.convolution(%x, %k) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1]}\n"
                        "    {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x2x2x1xf32>\n"
                        "  return %r : tensor<1x2x2x1xf32>\n}\n", (int[]){1, -1}, 2, (int[]){-1}, 1, 2, &err),
              &err, VT_EINPUT, "@main/0 stablehlo.convolution convolves over batch dim 1");
}


/* A training step sums its loss and gradients over the batch: refused, naming the op. */
TEST(train_step_refused) {
    vt_model_config c;
    vt_error err;
    vt_module *m = NULL;
    if (vt_model_preset("tiny", &c, &err) || vt_model_emit_train_step(&c, 4, 8, VT_OPT_SGD, &m, &err)) {
        CHECK_MSG(0, "tiny train step: %s", err.msg);
        return;
    }
    const vt_func *f = NULL;
    CHECK_EQ_INT(vt_module_entry(m, NULL, &f, &err), VT_OK);
    if (f) {
        int *abd = calloc(f->nargs, sizeof *abd), *rbd = calloc(f->nresults, sizeof *rbd);
        size_t nb = 0;
        for (size_t i = 0; i < f->nargs; i++) {
            const vt_type *t = f->arg_types[i];
            abd[i] = t->rank == 2 && t->dtype == VT_I32 ? 0 : -1; /* tokens and targets */
            nb += abd[i] == 0;
        }
        for (size_t i = 0; i < f->nresults; i++) rbd[i] = -1;
        CHECK_EQ_INT(nb, 2);
        vt_module *out = NULL;
        vt_status s = vt_xf_split_batch(m, NULL, abd, f->nargs, rbd, f->nresults, 2, &out, &err);
        CHECK_EQ_INT(s, VT_EINPUT);
        CHECK_MSG(strstr(err.msg, "over batch dim") && strstr(err.msg, "split-batch: @"), "message: %s", err.msg);
        vt_module_free(out);
        free(abd);
        free(rbd);
    }
    vt_module_free(m);
}


/* Random layouts on the prefill graph: every one either splits into a module that verifies or
 * is refused with VT_EINPUT / VT_EUNSUPPORTED; nothing crashes or leaks. */
TEST(random_layouts) {
    vt_model_config c;
    vt_error err;
    vt_module *m = NULL;
    if (vt_model_preset("tiny", &c, &err) || vt_model_emit_prefill(&c, 4, 8, &m, &err)) return;
    const vt_func *f = NULL;
    vt_module_entry(m, NULL, &f, &err);
    uint64_t st = 99;
    int ok = 0, refused = 0;
    for (int it = 0; f && it < 200; it++) {
        int abd[64], rbd[4];
        size_t na = f->nargs < 64 ? f->nargs : 64;
        for (size_t i = 0; i < na; i++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            int r = f->arg_types[i]->rank;
            uint32_t x = (uint32_t)(st >> 33);
            abd[i] = x % 4 == 0 ? (int)(x / 4 % (uint32_t)(r + 1)) - 1 : -1;
        }
        if (it % 2) { /* often the usual layout: only the tokens batched */
            for (size_t i = 0; i < na; i++) abd[i] = -1;
            abd[na - 1] = 0;
        }
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        rbd[0] = (int)((st >> 40) % 4) - 1;
        int64_t sub = 1 + (int64_t)((st >> 20) % 5);
        vt_module *out = NULL;
        vt_status s = vt_xf_split_batch(m, NULL, abd, na, rbd, 1, sub, &out, &err);
        if (s == VT_OK) ok++;
        else if (s == VT_EINPUT || s == VT_EUNSUPPORTED) refused++;
        else CHECK_MSG(0, "layout %d: %s %s", it, vt_status_name(s), err.msg);
        vt_module_free(out);
    }
    CHECK(ok > 0 && refused > 0);
    vt_module_free(m);
}

TEST(hostile_layouts) {
    vt_error err;
    const char *text = FN1("tensor<4x3xf32>", "  %r = stablehlo.tanh %x : tensor<4x3xf32>\n  return %r : tensor<4x3xf32>\n");
    int a0[1] = {0}, r0[1] = {0};
    int big[1] = {5}, neg[1] = {-2}, none[1] = {-1};
    CHECK_ERR(try_split(text, big, 1, r0, 1, 2, &err), &err, VT_EINPUT, "argument 0: batch dim 5 outside [0, 2)");
    CHECK_ERR(try_split(text, neg, 1, r0, 1, 2, &err), &err, VT_EINPUT, "batch dim -2");
    CHECK_ERR(try_split(text, a0, 1, big, 1, 2, &err), &err, VT_EINPUT, "result 0: batch dim 5");
    CHECK_ERR(try_split(text, a0, 1, r0, 1, 3, &err), &err, VT_EINPUT, "sub-batch 3 does not divide the batch size 4");
    CHECK_ERR(try_split(text, a0, 1, r0, 1, 0, &err), &err, VT_EINPUT, "sub-batch 0");
    CHECK_ERR(try_split(text, a0, 1, r0, 1, 8, &err), &err, VT_EINPUT, "sub-batch 8");
    CHECK_ERR(try_split(text, a0, 1, r0, 1, -4, &err), &err, VT_EINPUT, "sub-batch -4");
    CHECK_ERR(try_split(text, a0, 0, r0, 1, 2, &err), &err, VT_EINPUT, "0 argument batch dims given");
    int two[2] = {0, 0};
    CHECK_ERR(try_split(text, two, 2, r0, 1, 2, &err), &err, VT_EINPUT, "2 argument batch dims given");
    CHECK_ERR(try_split(text, a0, 1, two, 2, 2, &err), &err, VT_EINPUT, "2 result batch dims given");
    CHECK_ERR(try_split(text, none, 1, none, 1, 2, &err), &err, VT_EINPUT, "no argument");
    int r1[1] = {1};
    CHECK_ERR(try_split(text, a0, 1, r1, 1, 2, &err), &err, VT_EINPUT, "result 0 has 3 in batch dim 1");
    /* two batched arguments of different batch sizes */
    const char *two_args = "func.func @main(%x: tensor<4x3xf32>, %y: tensor<3x3xf32>) -> tensor<3x3xf32> {\n"
                           "  return %y : tensor<3x3xf32>\n}\n";
    int both[2] = {0, 0}, rr[1] = {-1};
    CHECK_ERR(try_split(two_args, both, 2, rr, 1, 1, &err), &err, VT_EINPUT, "argument 1 has 3 in batch dim 0");
    vt_module *m = parse(text);
    vt_module *out = NULL;
    CHECK_ERR(vt_xf_split_batch(m, "nosuch", a0, 1, r0, 1, 2, &out, &err), &err, VT_EINPUT, "nosuch");
    CHECK_ERR(vt_xf_split_batch(m, NULL, NULL, 1, r0, 1, 2, &out, &err), &err, VT_EINPUT, "needs a module");
    CHECK(out == NULL);
    vt_module_free(m);
    /* recursion is refused, not followed */
    const char *rec = "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                      "  %r = call @f(%x) : (tensor<4xf32>) -> tensor<4xf32>\n  return %r : tensor<4xf32>\n}\n"
                      "func.func private @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                      "  %r = call @f(%x) : (tensor<4xf32>) -> tensor<4xf32>\n  return %r : tensor<4xf32>\n}\n";
    CHECK_ERR(try_split(rec, a0, 1, r0, 1, 2, &err), &err, VT_EUNSUPPORTED, "recursively");
}

int main(void) {
    vt_error err;
    vt_engine_options eo = {.threads = 1};
    g_engine = vt_engine_create(&eo, &err);
    if (!g_engine) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    RUN(tiny_prefill);
    RUN(tiny_teacher_forcing);
    RUN(loop_and_call);
    RUN(rules_numeric);
    RUN(two_layouts);
    RUN(scatter_numeric);
    RUN(mixing_refused);
    RUN(convolution);
    RUN(train_step_refused);
    RUN(hostile_layouts);
    RUN(random_layouts);
    vt_engine_destroy(g_engine);
    return vt_test_finish();
}
