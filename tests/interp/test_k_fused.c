/* Tests of the fused elementwise executor (k_fused.c): fused == unfused bit for bit (f32 chain,
 * mixed types, sub-byte integers), thread counts, equal fuel, and bad programs and operands. */
#include "harness.h"
#include "interp/k_fused.h"

#include <math.h>
#include <stdlib.h>

static vt_tensor *mk(vt_dtype t, size_t n, const void *data) {
    int64_t d = (int64_t)n;
    vt_tensor *x = vt_tensor_create(t, 1, &d, 0, NULL);
    if (x && data) memcpy(x->data, data, x->nbytes);
    return x;
}
static vt_tensor *scalar(vt_dtype t, const void *data) {
    vt_tensor *x = vt_tensor_create(t, 0, NULL, 0, NULL);
    if (x && data) memcpy(x->data, data, x->nbytes);
    return x;
}
/* a full tensor holding a scalar's value n times (for the unfused reference) */
static vt_tensor *fill(const vt_tensor *s, size_t n) {
    vt_tensor *x = mk(s->dtype, n, NULL);
    size_t es = vt_dtype_size(s->dtype);
    for (size_t i = 0; i < n; i++) memcpy((uint8_t *)x->data + i * es, s->data, es);
    return x;
}

#define OK(expr)                                                                                  \
    do {                                                                                          \
        vt_status _s = (expr);                                                                    \
        CHECK_MSG(_s == VT_OK, "%s: %s", #expr, err.msg);                                         \
    } while (0)

/* the benchmark's chain: add, mul, maximum, subtract, exponential, multiply, add, divide */
static void build_chain(vt_fused_program *p, int *t3, int *t8) {
    vt_error err = {0};
    int x, y, h, z, t1, t2, t4, t5, t6, t7;
    vt_fused_init(p);
    OK(vt_fused_input(p, VT_F32, &x, &err));
    OK(vt_fused_input(p, VT_F32, &y, &err));
    OK(vt_fused_input(p, VT_F32, &h, &err));
    OK(vt_fused_input(p, VT_F32, &z, &err));
    OK(vt_fused_binary(p, VT_BIN_ADD, x, y, &t1, &err));
    OK(vt_fused_binary(p, VT_BIN_MUL, t1, h, &t2, &err));
    OK(vt_fused_binary(p, VT_BIN_MAX, t2, z, t3, &err));
    OK(vt_fused_binary(p, VT_BIN_SUB, *t3, y, &t4, &err));
    OK(vt_fused_unary(p, VT_UN_EXP, t4, &t5, &err));
    OK(vt_fused_binary(p, VT_BIN_MUL, t5, x, &t6, &err));
    OK(vt_fused_binary(p, VT_BIN_ADD, t6, y, &t7, &err));
    OK(vt_fused_binary(p, VT_BIN_DIV, t7, x, t8, &err));
    OK(vt_fused_output(p, *t8, &err));
    OK(vt_fused_output(p, *t3, &err));
}

TEST(chain_matches_unfused) {
    size_t n = 3 * VT_FUSED_BLOCK + 77;
    float *xv = malloc(n * 4), *yv = malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        xv[i] = (float)((double)i * 0.013 - 20.0);
        yv[i] = (float)(1.0 + (double)(i % 13) * 0.25);
    }
    xv[5] = NAN;
    xv[6] = -0.0f;
    xv[7] = INFINITY;
    float half = 0.5f, zero = 0.0f;
    vt_tensor *x = mk(VT_F32, n, xv), *y = mk(VT_F32, n, yv), *h = scalar(VT_F32, &half), *z = scalar(VT_F32, &zero);
    vt_fused_program *p = malloc(sizeof *p);
    int t3, t8;
    build_chain(p, &t3, &t8);
    vt_tensor *o8 = mk(VT_F32, n, NULL), *o3 = mk(VT_F32, n, NULL);
    const vt_tensor *ins[4] = {x, y, h, z};
    vt_tensor *outs[2] = {o8, o3};
    vt_error err = {0};
    vt_kctx cf = {.threads = 1, .fuel_left = UINT64_MAX};
    OK(vt_fused_run(&cf, p, ins, outs, &err));
    /* unfused: one whole-tensor kernel per op */
    vt_kctx cu = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_tensor *hf = fill(h, n), *zf = fill(z, n);
    vt_tensor *t[9];
    for (int i = 1; i <= 8; i++) t[i] = mk(VT_F32, n, NULL);
    OK(vt_k_binary(&cu, VT_BIN_ADD, x, y, t[1], &err));
    OK(vt_k_binary(&cu, VT_BIN_MUL, t[1], hf, t[2], &err));
    OK(vt_k_binary(&cu, VT_BIN_MAX, t[2], zf, t[3], &err));
    OK(vt_k_binary(&cu, VT_BIN_SUB, t[3], y, t[4], &err));
    OK(vt_k_unary(&cu, VT_UN_EXP, t[4], t[5], &err));
    OK(vt_k_binary(&cu, VT_BIN_MUL, t[5], x, t[6], &err));
    OK(vt_k_binary(&cu, VT_BIN_ADD, t[6], y, t[7], &err));
    OK(vt_k_binary(&cu, VT_BIN_DIV, t[7], x, t[8], &err));
    CHECK(memcmp(o8->data, t[8]->data, o8->nbytes) == 0);
    CHECK(memcmp(o3->data, t[3]->data, o3->nbytes) == 0);
    CHECK_EQ_INT(UINT64_MAX - cf.fuel_left, UINT64_MAX - cu.fuel_left); /* same work charged */
    /* spot values: element 0: x=-20, y=1: t3 = max(-9.5, 0) = 0; exp(-1) * -20 + 1, / -20 */
    float e = (float)exp(-1.0);
    CHECK(((float *)o3->data)[0] == 0.0f);
    CHECK(((float *)o8->data)[0] == (e * -20.0f + 1.0f) / -20.0f);
    CHECK(isnan(((float *)o8->data)[5]));
    /* threads: identical bytes */
    vt_tensor *p8 = mk(VT_F32, n, NULL), *p3 = mk(VT_F32, n, NULL);
    vt_tensor *outs2[2] = {p8, p3};
    vt_kctx c3 = {.threads = 3, .fuel_left = UINT64_MAX};
    OK(vt_fused_run(&c3, p, ins, outs2, &err));
    CHECK(memcmp(o8->data, p8->data, o8->nbytes) == 0 && memcmp(o3->data, p3->data, o3->nbytes) == 0);
    /* fuel: one unit short fails before any work */
    uint64_t need = UINT64_MAX - cf.fuel_left;
    vt_kctx poor = {.threads = 1, .fuel_left = need - 1};
    CHECK_ERR(vt_fused_run(&poor, p, ins, outs2, &err), &err, VT_ELIMIT, "fuel");
    vt_kctx exact = {.threads = 1, .fuel_left = need};
    OK(vt_fused_run(&exact, p, ins, outs2, &err));
    for (int i = 1; i <= 8; i++) vt_tensor_release(t[i]);
    vt_tensor *all[] = {x, y, h, z, o8, o3, hf, zf, p8, p3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vt_tensor_release(all[i]);
    free(p);
    free(xv);
    free(yv);
}

TEST(mixed_types) {
    /* f32 -> bf16, square, > 0.25 ? sq : 0, -> f32, clamp to [-1, 0.5]; plus passthrough outputs */
    size_t n = VT_FUSED_BLOCK + 1000;
    float *xv = malloc(n * 4);
    for (size_t i = 0; i < n; i++) xv[i] = (float)sin((double)i * 0.001) * 1.3f;
    uint16_t q = 0x3E80 /* bf16 0.25 */, bz = 0;
    float lo = -1.0f, hi = 0.5f;
    vt_tensor *x = mk(VT_F32, n, xv), *qt = scalar(VT_BF16, &q), *zt = scalar(VT_BF16, &bz), *lt = scalar(VT_F32, &lo),
              *ht = scalar(VT_F32, &hi);
    vt_fused_program p;
    vt_error err = {0};
    int rx, rq, rz, rl, rh, b, sq, pr, sel, back, cl, lone;
    vt_fused_init(&p);
    OK(vt_fused_input(&p, VT_F32, &rx, &err));
    OK(vt_fused_input(&p, VT_BF16, &rq, &err));
    OK(vt_fused_input(&p, VT_BF16, &rz, &err));
    OK(vt_fused_input(&p, VT_F32, &rl, &err));
    OK(vt_fused_input(&p, VT_F32, &rh, &err));
    OK(vt_fused_convert(&p, rx, VT_BF16, &b, &err));
    OK(vt_fused_binary(&p, VT_BIN_MUL, b, b, &sq, &err));
    OK(vt_fused_compare(&p, VT_CMP_GT, VT_CMPT_FLOAT, sq, rq, &pr, &err));
    OK(vt_fused_select(&p, pr, sq, rz, &sel, &err));
    OK(vt_fused_convert(&p, sel, VT_F32, &back, &err));
    OK(vt_fused_clamp(&p, rl, back, rh, &cl, &err));
    OK(vt_fused_unary(&p, VT_UN_NEGATE, rl, &lone, &err)); /* from a scalar only: a full block */
    OK(vt_fused_output(&p, cl, &err));
    OK(vt_fused_output(&p, pr, &err));
    OK(vt_fused_output(&p, rx, &err));   /* an input passed through */
    OK(vt_fused_output(&p, lone, &err));
    OK(vt_fused_output(&p, rh, &err));   /* a broadcast scalar input as a full output */
    OK(vt_fused_output(&p, cl, &err));   /* the same register twice */
    vt_tensor *o[6] = {mk(VT_F32, n, NULL), mk(VT_I1, n, NULL), mk(VT_F32, n, NULL),
                       mk(VT_F32, n, NULL), mk(VT_F32, n, NULL), mk(VT_F32, n, NULL)};
    const vt_tensor *ins[5] = {x, qt, zt, lt, ht};
    vt_kctx c = {.threads = 2, .fuel_left = UINT64_MAX};
    OK(vt_fused_run(&c, &p, ins, o, &err));
    /* unfused reference */
    vt_tensor *ub = mk(VT_BF16, n, NULL), *usq = mk(VT_BF16, n, NULL), *upr = mk(VT_I1, n, NULL),
              *usel = mk(VT_BF16, n, NULL), *uback = mk(VT_F32, n, NULL), *ucl = mk(VT_F32, n, NULL);
    vt_tensor *qf = fill(qt, n), *zf = fill(zt, n);
    OK(vt_k_convert(&c, x, ub, &err));
    OK(vt_k_binary(&c, VT_BIN_MUL, ub, ub, usq, &err));
    OK(vt_k_compare(&c, VT_CMP_GT, VT_CMPT_FLOAT, usq, qf, upr, &err));
    OK(vt_k_select(&c, upr, usq, zf, usel, &err));
    OK(vt_k_convert(&c, usel, uback, &err));
    OK(vt_k_clamp(&c, lt, uback, ht, ucl, &err));
    CHECK(memcmp(o[0]->data, ucl->data, ucl->nbytes) == 0);
    CHECK(memcmp(o[1]->data, upr->data, upr->nbytes) == 0);
    CHECK(memcmp(o[2]->data, x->data, x->nbytes) == 0);
    CHECK(memcmp(o[5]->data, ucl->data, ucl->nbytes) == 0);
    bool ok = true;
    for (size_t i = 0; i < n; i++) ok = ok && ((float *)o[3]->data)[i] == 1.0f && ((float *)o[4]->data)[i] == 0.5f;
    CHECK(ok);
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) hits += ((uint8_t *)upr->data)[i];
    CHECK(hits > n / 4 && hits < n); /* the select really chose both ways */
    for (int i = 0; i < 6; i++) vt_tensor_release(o[i]);
    vt_tensor *all[] = {x, qt, zt, lt, ht, ub, usq, upr, usel, uback, ucl, qf, zf};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vt_tensor_release(all[i]);
    free(xv);
}

TEST(subbyte_chain) {
    size_t n = 5000;
    int8_t *av = malloc(n), *bv = malloc(n);
    for (size_t i = 0; i < n; i++) {
        av[i] = (int8_t)((int)(i % 16) - 8);
        bv[i] = (int8_t)((int)((i / 16) % 16) - 8);
    }
    vt_tensor *a = mk(VT_I4, n, av), *b = mk(VT_I4, n, bv);
    vt_fused_program p;
    vt_error err = {0};
    int ra, rb, s, m, sh, pc, q;
    vt_fused_init(&p);
    OK(vt_fused_input(&p, VT_I4, &ra, &err));
    OK(vt_fused_input(&p, VT_I4, &rb, &err));
    OK(vt_fused_binary(&p, VT_BIN_ADD, ra, rb, &s, &err));
    OK(vt_fused_binary(&p, VT_BIN_MUL, s, rb, &m, &err));
    OK(vt_fused_binary(&p, VT_BIN_SHRL, m, ra, &sh, &err));
    OK(vt_fused_unary(&p, VT_UN_POPCNT, sh, &pc, &err));
    OK(vt_fused_binary(&p, VT_BIN_DIV, pc, rb, &q, &err));
    OK(vt_fused_output(&p, q, &err));
    vt_tensor *o = mk(VT_I4, n, NULL);
    const vt_tensor *ins[2] = {a, b};
    vt_tensor *outs[1] = {o};
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    OK(vt_fused_run(&c, &p, ins, outs, &err));
    vt_tensor *t1 = mk(VT_I4, n, NULL), *t2 = mk(VT_I4, n, NULL), *t3 = mk(VT_I4, n, NULL), *t4 = mk(VT_I4, n, NULL),
              *t5 = mk(VT_I4, n, NULL);
    OK(vt_k_binary(&c, VT_BIN_ADD, a, b, t1, &err));
    OK(vt_k_binary(&c, VT_BIN_MUL, t1, b, t2, &err));
    OK(vt_k_binary(&c, VT_BIN_SHRL, t2, a, t3, &err));
    OK(vt_k_unary(&c, VT_UN_POPCNT, t3, t4, &err));
    OK(vt_k_binary(&c, VT_BIN_DIV, t4, b, t5, &err));
    CHECK(memcmp(o->data, t5->data, n) == 0);
    size_t bad;
    CHECK(vt_dtype_check_canonical(VT_I4, o->data, n, &bad)); /* every result re-wrapped */
    vt_tensor *all[] = {a, b, o, t1, t2, t3, t4, t5};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vt_tensor_release(all[i]);
    free(av);
    free(bv);
}

TEST(bad_programs) {
    vt_fused_program p;
    vt_error err = {0};
    int r0, r1, r2, r;
    vt_fused_init(&p);
    OK(vt_fused_input(&p, VT_F32, &r0, &err));
    OK(vt_fused_input(&p, VT_F64, &r1, &err));
    CHECK_ERR(vt_fused_binary(&p, VT_BIN_ADD, r0, r1, &r, &err), &err, VT_EINPUT, "add operand 1 is f64, expected f32");
    CHECK_ERR(vt_fused_binary(&p, VT_BIN_ADD, r0, 7, &r, &err), &err, VT_EINPUT, "operand register 7 does not exist");
    CHECK_ERR(vt_fused_unary(&p, VT_UN_EXP, -1, &r, &err), &err, VT_EINPUT, "register -1 does not exist");
    CHECK_ERR(vt_fused_unary(&p, VT_UN_POPCNT, r0, &r, &err), &err, VT_EUNSUPPORTED, "not supported: popcnt on f32");
    CHECK_ERR(vt_fused_select(&p, r0, r0, r0, &r, &err), &err, VT_EINPUT, "select operand 0 is f32, expected i1");
    CHECK_ERR(vt_fused_output(&p, 99, &err), &err, VT_EINPUT, "output register 99");
    OK(vt_fused_unary(&p, VT_UN_EXP, r0, &r2, &err));
    CHECK_ERR(vt_fused_input(&p, VT_F32, &r, &err), &err, VT_EINPUT, "input declared after the first instruction");
    CHECK_ERR(vt_fused_input(&p, VT_DTYPE_INVALID, &r, &err), &err, VT_EINPUT, "after the first");
    int last = r2;
    vt_status s = VT_OK;
    for (int i = 0; i < 100 && s == VT_OK; i++) s = vt_fused_unary(&p, VT_UN_NEGATE, last, &last, &err);
    CHECK_ERR(s, &err, VT_ELIMIT, "more than 64 registers");
    for (int i = 0; i < VT_FUSED_MAX_OUTPUTS; i++) OK(vt_fused_output(&p, r2, &err));
    CHECK_ERR(vt_fused_output(&p, r2, &err), &err, VT_ELIMIT, "more than 16 outputs");
    vt_fused_program e;
    vt_fused_init(&e);
    CHECK_ERR(vt_fused_input(&e, (vt_dtype)77, &r, &err), &err, VT_EINPUT, "invalid input type");
}

TEST(bad_operands) {
    vt_fused_program p;
    vt_error err = {0};
    int x, y, s, e;
    vt_fused_init(&p);
    OK(vt_fused_input(&p, VT_F32, &x, &err));
    OK(vt_fused_input(&p, VT_F32, &y, &err));
    OK(vt_fused_binary(&p, VT_BIN_ADD, x, y, &s, &err));
    OK(vt_fused_unary(&p, VT_UN_EXP, s, &e, &err));
    vt_kctx c = {.threads = 1, .fuel_left = UINT64_MAX};
    vt_tensor *a = mk(VT_F32, 10, NULL), *b = mk(VT_F32, 10, NULL), *b9 = mk(VT_F32, 9, NULL), *d = mk(VT_F64, 10, NULL);
    vt_tensor *o = mk(VT_F32, 10, NULL), *o9 = mk(VT_F32, 9, NULL), *od = mk(VT_F64, 10, NULL);
    const vt_tensor *ins[2] = {a, b};
    vt_tensor *outs[2] = {o, o9};
    CHECK_ERR(vt_fused_run(&c, &p, ins, outs, &err), &err, VT_EINPUT, "no outputs");
    OK(vt_fused_output(&p, e, &err));
    const vt_tensor *ins9[2] = {a, b9};
    CHECK_ERR(vt_fused_run(&c, &p, ins9, outs, &err), &err, VT_EINPUT, "input 1 has shape tensor<9xf32>");
    const vt_tensor *insd[2] = {d, b};
    CHECK_ERR(vt_fused_run(&c, &p, insd, outs, &err), &err, VT_EINPUT, "input 0 is tensor<10xf64>");
    const vt_tensor *insn[2] = {a, NULL};
    CHECK_ERR(vt_fused_run(&c, &p, insn, outs, &err), &err, VT_EINPUT, "input 1 is missing");
    vt_tensor *outsd[1] = {od};
    CHECK_ERR(vt_fused_run(&c, &p, ins, outsd, &err), &err, VT_EINPUT, "output 0 is tensor<10xf64>");
    OK(vt_fused_output(&p, s, &err));
    CHECK_ERR(vt_fused_run(&c, &p, ins, outs, &err), &err, VT_EINPUT, "output 1 has shape tensor<9xf32>");
    vt_tensor *outsn[2] = {o, NULL};
    CHECK_ERR(vt_fused_run(&c, &p, ins, outsn, &err), &err, VT_EINPUT, "output 1 is missing");
    size_t keep = b->nbytes;
    b->nbytes = 7;
    vt_tensor *outs2[2] = {o, b9};
    outs2[1] = mk(VT_F32, 10, NULL);
    CHECK_ERR(vt_fused_run(&c, &p, ins, outs2, &err), &err, VT_EINPUT, "input 1: 7 bytes for 10 elements");
    b->nbytes = keep;
    OK(vt_fused_run(&c, &p, ins, outs2, &err));
    /* hostile records: a byte size that overflows; a huge consistent one stopped by the fuel */
    vt_tensor fa = *a, fb = *b, fo = *o, fo2 = *o;
    fa.nelem = fb.nelem = fo.nelem = fo2.nelem = (size_t)1 << 62;
    fa.dims[0] = fb.dims[0] = fo.dims[0] = fo2.dims[0] = (int64_t)1 << 62;
    fa.nbytes = fb.nbytes = fo.nbytes = fo2.nbytes = 0;
    const vt_tensor *hins[2] = {&fa, &fb};
    vt_tensor *houts[2] = {&fo, &fo2};
    CHECK_ERR(vt_fused_run(&c, &p, hins, houts, &err), &err, VT_EINPUT, "output 0: 0 bytes for 4611686018427387904 elements");
    fa.nelem = fb.nelem = fo.nelem = fo2.nelem = (size_t)1 << 40;
    fa.dims[0] = fb.dims[0] = fo.dims[0] = fo2.dims[0] = (int64_t)1 << 40;
    fa.nbytes = fb.nbytes = fo.nbytes = fo2.nbytes = (size_t)1 << 42;
    vt_kctx budget = {.threads = 2, .fuel_left = 1000000000};
    CHECK_ERR(vt_fused_run(&budget, &p, hins, houts, &err), &err, VT_ELIMIT, "fuel");
    vt_tensor_release(outs2[1]);
    vt_tensor *all[] = {a, b, b9, d, o, o9, od};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vt_tensor_release(all[i]);
}

int main(void) {
    RUN(chain_matches_unfused);
    RUN(mixed_types);
    RUN(subbyte_chain);
    RUN(bad_programs);
    RUN(bad_operands);
    return vt_test_finish();
}
