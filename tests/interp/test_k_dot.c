/* dot_general kernel (k_dot.h): hand-computed cases, every layout against an exact reference,
 * mixed and narrow types, integer wraparound, dot_algorithm, bitwise determinism across thread
 * counts 1/2/8, fuel exhaustion before any allocation, and bad dimension numbers. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include "interp/blas.h"
#include "interp/k_dot.h"
#include "interp/k_shape.h"

static vt_kctx kc1 = {1, UINT64_MAX, 0};

static vt_tensor *mk(vt_dtype t, int rank, const int64_t *dims, const void *data) {
    vt_error e;
    vt_tensor *x = vt_tensor_create(t, rank, dims, 0, &e);
    if (x && data && x->nbytes) memcpy(x->data, data, x->nbytes);
    return x;
}

static vt_dot_params dp(int nb, const int64_t *lb, const int64_t *rb, int nc, const int64_t *lc, const int64_t *rc) {
    vt_dot_params p;
    memset(&p, 0, sizeof p);
    p.nbatch = nb, p.ncontract = nc;
    for (int i = 0; i < nb; i++) p.lhs_batch[i] = lb[i], p.rhs_batch[i] = rb[i];
    for (int i = 0; i < nc; i++) p.lhs_contract[i] = lc[i], p.rhs_contract[i] = rc[i];
    return p;
}

/* Creates the result tensor the dimension numbers call for. */
static vt_tensor *result_for(const vt_tensor *l, const vt_tensor *r, const vt_dot_params *p, vt_dtype t) {
    vt_error e;
    int rank;
    int64_t dims[VT_MAX_RANK];
    if (vt_k_dot_general_shape(l, r, p, &rank, dims, &e)) return NULL;
    return mk(t, rank, dims, NULL);
}

/* Exact reference on f64 values by index arithmetic (valid for integer-valued data). */
static void reference(const vt_tensor *l, const double *lv, const vt_tensor *r, const double *rv,
                      const vt_dot_params *p, double *out, size_t nout) {
    int64_t ls[VT_MAX_RANK], rs[VT_MAX_RANK];
    int64_t s = 1;
    for (int i = l->rank - 1; i >= 0; i--) ls[i] = s, s *= l->dims[i];
    s = 1;
    for (int i = r->rank - 1; i >= 0; i--) rs[i] = s, s *= r->dims[i];
    bool lused[VT_MAX_RANK] = {0}, rused[VT_MAX_RANK] = {0};
    for (int i = 0; i < p->nbatch; i++) lused[p->lhs_batch[i]] = rused[p->rhs_batch[i]] = true;
    for (int i = 0; i < p->ncontract; i++) lused[p->lhs_contract[i]] = rused[p->rhs_contract[i]] = true;
    int64_t odims[VT_MAX_RANK], oax_l[VT_MAX_RANK], oax_r[VT_MAX_RANK];
    int no = 0;
    for (int i = 0; i < p->nbatch; i++) odims[no] = l->dims[p->lhs_batch[i]], oax_l[no] = p->lhs_batch[i], oax_r[no++] = p->rhs_batch[i];
    for (int i = 0; i < l->rank; i++)
        if (!lused[i]) odims[no] = l->dims[i], oax_l[no] = i, oax_r[no++] = -1;
    for (int i = 0; i < r->rank; i++)
        if (!rused[i]) odims[no] = r->dims[i], oax_l[no] = -1, oax_r[no++] = i;
    size_t K = 1;
    for (int i = 0; i < p->ncontract; i++) K *= (size_t)l->dims[p->lhs_contract[i]];
    for (size_t o = 0; o < nout; o++) {
        size_t rem = o;
        int64_t lo = 0, ro = 0;
        for (int d = no - 1; d >= 0; d--) {
            int64_t ix = (int64_t)(rem % (size_t)odims[d]);
            rem /= (size_t)odims[d];
            if (oax_l[d] >= 0) lo += ix * ls[oax_l[d]];
            if (oax_r[d] >= 0) ro += ix * rs[oax_r[d]];
        }
        double acc = 0;
        for (size_t k = 0; k < K; k++) {
            size_t kr = k;
            int64_t a = lo, b = ro;
            for (int c = p->ncontract - 1; c >= 0; c--) {
                int64_t n = l->dims[p->lhs_contract[c]], ix = (int64_t)(kr % (size_t)n);
                kr /= (size_t)n;
                a += ix * ls[p->lhs_contract[c]], b += ix * rs[p->rhs_contract[c]];
            }
            acc += lv[a] * rv[b];
        }
        out[o] = acc;
    }
}

static void fill_small_ints(vt_tensor *t, unsigned seed) {
    for (size_t i = 0; i < t->nelem; i++) {
        double v = (double)((int)((i * 2654435761u + seed * 97u) >> 9) % 7 - 3);
        if (t->dtype == VT_F32) ((float *)t->data)[i] = (float)v;
        else ((double *)t->data)[i] = v;
    }
}

static double *as_f64(const vt_tensor *t) {
    double *d = malloc(sizeof(double) * (t->nelem ? t->nelem : 1));
    for (size_t i = 0; i < t->nelem; i++) d[i] = t->dtype == VT_F32 ? ((float *)t->data)[i] : ((double *)t->data)[i];
    return d;
}

/* Runs one dot_general configuration on integer-valued data and compares exactly. */
static void check_layout(vt_dtype t, int lr, const int64_t *ld, int rr, const int64_t *rd, vt_dot_params p, int threads) {
    vt_error e;
    vt_tensor *l = mk(t, lr, ld, NULL), *r = mk(t, rr, rd, NULL);
    fill_small_ints(l, 1), fill_small_ints(r, 2);
    vt_tensor *res = result_for(l, r, &p, t);
    CHECK(res != NULL);
    if (!res) return;
    vt_kctx kc = {threads, UINT64_MAX, 0};
    CHECK_EQ_INT(vt_k_dot_general(&kc, l, r, &p, res, &e), VT_OK);
    double *lv = as_f64(l), *rv = as_f64(r), *want = malloc(sizeof(double) * (res->nelem + 1)), *got = as_f64(res);
    reference(l, lv, r, rv, &p, want, res->nelem);
    size_t bad = 0;
    for (size_t i = 0; i < res->nelem; i++) bad += got[i] != want[i];
    CHECK_MSG(bad == 0, "%zu of %zu elements differ (ranks %d x %d, %s)", bad, res->nelem, lr, rr, vt_dtype_name(t));
    free(lv), free(rv), free(want), free(got);
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(res);
}

TEST(basic) {
    vt_error e;
    /* [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]] */
    vt_tensor *a = mk(VT_F32, 2, (int64_t[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    vt_tensor *b = mk(VT_F32, 2, (int64_t[]){3, 2}, (float[]){7, 8, 9, 10, 11, 12});
    vt_dot_params p = dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0});
    vt_tensor *c = result_for(a, b, &p, VT_F32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, b, &p, c, &e), VT_OK);
    CHECK(memcmp(c->data, (float[]){58, 64, 139, 154}, 16) == 0);
    /* f32 x f32 -> f64 (different result type) */
    vt_tensor *c64 = result_for(a, b, &p, VT_F64);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, b, &p, c64, &e), VT_OK);
    CHECK(memcmp(c64->data, (double[]){58, 64, 139, 154}, 32) == 0);
    /* the spec's batched i64 example: [[[1,2],[3,4]],[[5,6],[7,8]]] x identity */
    int64_t lv[8] = {1, 2, 3, 4, 5, 6, 7, 8}, rv[8] = {1, 0, 0, 1, 1, 0, 0, 1};
    vt_tensor *li = mk(VT_I64, 3, (int64_t[]){2, 2, 2}, lv), *ri = mk(VT_I64, 3, (int64_t[]){2, 2, 2}, rv);
    vt_dot_params pb = dp(1, (int64_t[]){0}, (int64_t[]){0}, 1, (int64_t[]){2}, (int64_t[]){1});
    vt_tensor *ci = result_for(li, ri, &pb, VT_I64);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, li, ri, &pb, ci, &e), VT_OK);
    CHECK(memcmp(ci->data, lv, 64) == 0);
    /* no contracting dims: outer product [2,2] x [2,2] -> [2,2,2,2] */
    vt_tensor *l2 = mk(VT_I64, 2, (int64_t[]){2, 2}, (int64_t[]){1, 2, 3, 4});
    vt_tensor *r2 = mk(VT_I64, 2, (int64_t[]){2, 2}, (int64_t[]){1, 0, 0, 1});
    vt_dot_params pe = dp(0, NULL, NULL, 0, NULL, NULL);
    vt_tensor *c2 = result_for(l2, r2, &pe, VT_I64);
    CHECK(c2 && c2->rank == 4);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, l2, r2, &pe, c2, &e), VT_OK);
    CHECK(memcmp(c2->data, (int64_t[]){1, 0, 0, 1, 2, 0, 0, 2, 3, 0, 0, 3, 4, 0, 0, 4}, 128) == 0);
    /* rank-0 result: vector . vector; complex (1+2i)(3+4i) + (1+0i)(1+1i) = -4+11i */
    vt_tensor *x = mk(VT_C64, 1, (int64_t[]){2}, (float[]){1, 2, 1, 0}), *y = mk(VT_C64, 1, (int64_t[]){2}, (float[]){3, 4, 1, 1});
    vt_dot_params pv = dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0});
    vt_tensor *z = result_for(x, y, &pv, VT_C64);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, x, y, &pv, z, &e), VT_OK);
    CHECK(memcmp(z->data, (float[]){-4, 11}, 8) == 0);
    vt_tensor *z2 = result_for(x, y, &pv, VT_C128);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, x, y, &pv, z2, &e), VT_OK);
    CHECK(memcmp(z2->data, (double[]){-4, 11}, 16) == 0);
    /* small products (<= 2^15 multiply-adds) are the unfused sequential sum on every machine:
     * -(1+2^-11) + round((1+2^-12)^2) = 0, where a fused multiply-add would give 2^-24 */
    float u1 = 1.0f + 0x1p-12f, m1 = -(1.0f + 0x1p-11f);
    vt_tensor *fl = mk(VT_F32, 1, (int64_t[]){2}, (float[]){1.0f, u1}), *fr = mk(VT_F32, 1, (int64_t[]){2}, (float[]){m1, u1});
    vt_tensor *fo = result_for(fl, fr, &pv, VT_F32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fl, fr, &pv, fo, &e), VT_OK);
    CHECK(((float *)fo->data)[0] == 0.0f);
    vt_tensor_release(fl), vt_tensor_release(fr), vt_tensor_release(fo);
    /* K = 0: zeros; M = 0: nothing */
    vt_tensor *k0a = mk(VT_F32, 2, (int64_t[]){2, 0}, NULL), *k0b = mk(VT_F32, 2, (int64_t[]){0, 3}, NULL);
    vt_tensor *k0 = result_for(k0a, k0b, &p, VT_F32);
    memset(k0->data, 0xff, k0->nbytes);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, k0a, k0b, &p, k0, &e), VT_OK);
    CHECK(((float *)k0->data)[5] == 0.0f);
    vt_tensor *m0a = mk(VT_F32, 2, (int64_t[]){0, 3}, NULL);
    vt_tensor *m0 = result_for(m0a, b, &p, VT_F32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, m0a, b, &p, m0, &e), VT_OK);
    vt_tensor *list[] = {a, b, c, c64, li, ri, ci, l2, r2, c2, x, y, z, z2, k0a, k0b, k0, m0a, m0};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(layouts) {
    /* plain, transposed lhs, transposed rhs, both */
    check_layout(VT_F32, 2, (int64_t[]){5, 7}, 2, (int64_t[]){7, 3}, dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0}), 1);
    check_layout(VT_F32, 2, (int64_t[]){7, 5}, 2, (int64_t[]){7, 3}, dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0}), 1);
    check_layout(VT_F32, 2, (int64_t[]){5, 7}, 2, (int64_t[]){3, 7}, dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){1}), 1);
    check_layout(VT_F64, 2, (int64_t[]){7, 5}, 2, (int64_t[]){3, 7}, dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){1}), 1);
    /* batch dims not leading (attention-like bqhd,bkhd->bhqk) */
    check_layout(VT_F32, 4, (int64_t[]){2, 5, 3, 4}, 4, (int64_t[]){2, 6, 3, 4},
                 dp(2, (int64_t[]){0, 2}, (int64_t[]){0, 2}, 1, (int64_t[]){3}, (int64_t[]){3}), 2);
    /* two contracting dims listed out of memory order, free dims split around them */
    check_layout(VT_F64, 4, (int64_t[]){3, 4, 2, 5}, 3, (int64_t[]){5, 6, 4},
                 dp(0, NULL, NULL, 2, (int64_t[]){3, 1}, (int64_t[]){0, 2}), 2);
    /* batch in the middle with several free dims, f32 */
    check_layout(VT_F32, 3, (int64_t[]){4, 3, 6}, 3, (int64_t[]){6, 3, 2},
                 dp(1, (int64_t[]){1}, (int64_t[]){1}, 1, (int64_t[]){2}, (int64_t[]){0}), 8);
    /* vectors: M = 1 and N = 1 */
    check_layout(VT_F32, 1, (int64_t[]){9}, 2, (int64_t[]){9, 4}, dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0}), 1);
    check_layout(VT_F32, 2, (int64_t[]){4, 9}, 1, (int64_t[]){9}, dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0}), 1);
}

/* Random dimension numbers and layouts (sizes 0..4 with many 1s, batch/contracting/free dims
 * shuffled across both operands) against the reference: exercises every fold/pack decision. */
TEST(random_layouts) {
    uint32_t st = 12345;
#define RND(n) ((st = st * 1103515245u + 12345u) >> 16) % (n)
    for (int iter = 0; iter < 300; iter++) {
        int nb = (int)RND(3), nc = (int)RND(3), nfl = (int)RND(3), nfr = (int)RND(3);
        int lr = nb + nc + nfl, rr = nb + nc + nfr;
        if (lr == 0 || rr == 0) continue;
        int64_t ld[VT_MAX_RANK], rd[VT_MAX_RANK], lperm[VT_MAX_RANK], rperm[VT_MAX_RANK];
        for (int i = 0; i < lr; i++) lperm[i] = i;
        for (int i = 0; i < rr; i++) rperm[i] = i;
        for (int i = lr - 1; i > 0; i--) { int j = (int)RND((unsigned)i + 1); int64_t t = lperm[i]; lperm[i] = lperm[j]; lperm[j] = t; }
        for (int i = rr - 1; i > 0; i--) { int j = (int)RND((unsigned)i + 1); int64_t t = rperm[i]; rperm[i] = rperm[j]; rperm[j] = t; }
        vt_dot_params p;
        memset(&p, 0, sizeof p);
        p.nbatch = nb, p.ncontract = nc;
        /* lperm[0..nb) batch, [nb..nb+nc) contracting, rest free; same for rhs */
        for (int i = 0; i < nb + nc; i++) {
            int64_t size = RND(5) == 0 ? 1 : 1 + (int64_t)RND(4);
            if (RND(40) == 0) size = 0;
            if (i < nb) p.lhs_batch[i] = lperm[i], p.rhs_batch[i] = rperm[i];
            else p.lhs_contract[i - nb] = lperm[i], p.rhs_contract[i - nb] = rperm[i];
            ld[lperm[i]] = size, rd[rperm[i]] = size;
        }
        for (int i = nb + nc; i < lr; i++) ld[lperm[i]] = 1 + (int64_t)RND(4);
        for (int i = nb + nc; i < rr; i++) rd[rperm[i]] = 1 + (int64_t)RND(4);
        vt_dtype t = iter % 3 == 0 ? VT_F64 : VT_F32;
        check_layout(t, lr, ld, rr, rd, p, 1 + (int)RND(3));
    }
#undef RND
}

TEST(integers) {
    vt_error e;
    /* i32: 65536 * 65536 wraps to 0; 2^31-1 + 1 wraps to INT32_MIN */
    vt_tensor *a = mk(VT_I32, 2, (int64_t[]){1, 2}, (int32_t[]){65536, INT32_MAX});
    vt_tensor *b = mk(VT_I32, 2, (int64_t[]){2, 1}, (int32_t[]){65536, 1});
    vt_dot_params p = dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0});
    vt_tensor *c = result_for(a, b, &p, VT_I32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, b, &p, c, &e), VT_OK);
    CHECK_EQ_INT(((int32_t *)c->data)[0], INT32_MAX); /* 0 + INT32_MAX */
    vt_tensor *b2 = mk(VT_I32, 2, (int64_t[]){2, 1}, (int32_t[]){65536, 2});
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, b2, &p, c, &e), VT_OK);
    CHECK_EQ_INT(((int32_t *)c->data)[0], -2); /* 2 * INT32_MAX wraps */
    /* i8: 100*3 + 50*1 = 350 -> 94 */
    vt_tensor *a8 = mk(VT_I8, 1, (int64_t[]){2}, (int8_t[]){100, 50}), *b8 = mk(VT_I8, 1, (int64_t[]){2}, (int8_t[]){3, 1});
    vt_dot_params pv = dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0});
    vt_tensor *c8 = result_for(a8, b8, &pv, VT_I8);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a8, b8, &pv, c8, &e), VT_OK);
    CHECK_EQ_INT(((int8_t *)c8->data)[0], 94);
    /* i8 x i8 -> i32 keeps the exact value; ui8 255*255 -> 65025 in ui32; i64 wraps mod 2^64 */
    vt_tensor *c32 = result_for(a8, b8, &pv, VT_I32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a8, b8, &pv, c32, &e), VT_OK);
    CHECK_EQ_INT(((int32_t *)c32->data)[0], 350);
    vt_tensor *u = mk(VT_U8, 1, (int64_t[]){1}, (uint8_t[]){255}), *cu = result_for(u, u, &pv, VT_U32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, u, u, &pv, cu, &e), VT_OK);
    CHECK_EQ_INT(((uint32_t *)cu->data)[0], 65025);
    vt_tensor *l64 = mk(VT_I64, 1, (int64_t[]){2}, (int64_t[]){INT64_MAX, 1}), *r64 = mk(VT_I64, 1, (int64_t[]){2}, (int64_t[]){2, 5});
    vt_tensor *c64 = result_for(l64, r64, &pv, VT_I64);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, l64, r64, &pv, c64, &e), VT_OK);
    CHECK_EQ_INT(((int64_t *)c64->data)[0], 3); /* 2*(2^63-1) = -2 mod 2^64, + 5 */
    /* i1: or of ands */
    vt_tensor *t1 = mk(VT_I1, 1, (int64_t[]){3}, (uint8_t[]){1, 0, 1}), *t2 = mk(VT_I1, 1, (int64_t[]){3}, (uint8_t[]){0, 1, 1});
    vt_tensor *cb = result_for(t1, t2, &pv, VT_I1);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, t1, t2, &pv, cb, &e), VT_OK);
    CHECK_EQ_INT(((uint8_t *)cb->data)[0], 1);
    /* a larger integer GEMM, threads 1 vs 8 vs reference (batched, transposed) */
    vt_tensor *L = mk(VT_I32, 3, (int64_t[]){3, 40, 33}, NULL), *R = mk(VT_I32, 3, (int64_t[]){3, 25, 40}, NULL);
    for (size_t i = 0; i < L->nelem; i++) ((int32_t *)L->data)[i] = (int32_t)(i * 2654435761u);
    for (size_t i = 0; i < R->nelem; i++) ((int32_t *)R->data)[i] = (int32_t)(i * 40503u + 7);
    vt_dot_params pl = dp(1, (int64_t[]){0}, (int64_t[]){0}, 1, (int64_t[]){1}, (int64_t[]){2});
    vt_tensor *C1 = result_for(L, R, &pl, VT_I32), *C8 = result_for(L, R, &pl, VT_I32);
    vt_kctx kc8 = {8, UINT64_MAX, 0};
    CHECK_EQ_INT(vt_k_dot_general(&kc1, L, R, &pl, C1, &e), VT_OK);
    CHECK_EQ_INT(vt_k_dot_general(&kc8, L, R, &pl, C8, &e), VT_OK);
    CHECK(memcmp(C1->data, C8->data, C1->nbytes) == 0);
    bool ok = true;
    for (int bb = 0; bb < 3 && ok; bb++)
        for (int i = 0; i < 33 && ok; i++)
            for (int j = 0; j < 25 && ok; j++) {
                uint32_t acc = 0;
                for (int k = 0; k < 40; k++)
                    acc += (uint32_t)((int32_t *)L->data)[(bb * 40 + k) * 33 + i] * (uint32_t)((int32_t *)R->data)[(bb * 25 + j) * 40 + k];
                ok = (int32_t)acc == ((int32_t *)C1->data)[(bb * 33 + i) * 25 + j];
            }
    CHECK(ok);
    vt_tensor *list[] = {a, b, c, b2, a8, b8, c8, c32, u, cu, l64, r64, c64, t1, t2, cb, L, R, C1, C8};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

TEST(narrow_and_algorithms) {
    vt_error e;
    /* bf16 x bf16 -> f32: (1 + 2^-7)^2 = 1 + 2^-6 + 2^-14 is exact in f32, not in bf16 */
    uint16_t x = 0x3f81; /* 1.0078125 */
    vt_tensor *a = mk(VT_BF16, 1, (int64_t[]){1}, &x);
    vt_dot_params pv = dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0});
    vt_tensor *c = result_for(a, a, &pv, VT_F32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, a, &pv, c, &e), VT_OK);
    CHECK(((float *)c->data)[0] == 1.0f + 0x1p-6f + 0x1p-14f);
    /* bf16 result: rounded once (1.015686... -> 1.015625 = 0x3f82) */
    vt_tensor *cb = result_for(a, a, &pv, VT_BF16);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, a, a, &pv, cb, &e), VT_OK);
    CHECK_EQ_INT(((uint16_t *)cb->data)[0], 0x3f82);
    /* f16 x f16 -> f32: 2049/2048 is not f16, but (1+2^-10)^2 is exact in f32 */
    uint16_t h = 0x3c01;
    vt_tensor *hf = mk(VT_F16, 1, (int64_t[]){1}, &h), *ch = result_for(hf, hf, &pv, VT_F32);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, hf, hf, &pv, ch, &e), VT_OK);
    CHECK(((float *)ch->data)[0] == 1.0f + 0x1p-9f + 0x1p-20f);

    /* algorithms: f32 operands 1 + 2^-20 times 1 */
    float v = 1.0f + 0x1p-20f, one = 1.0f;
    vt_tensor *fa = mk(VT_F32, 1, (int64_t[]){1}, &v), *fb = mk(VT_F32, 1, (int64_t[]){1}, &one);
    vt_tensor *fc = result_for(fa, fb, &pv, VT_F32);
    vt_dot_algorithm al = {"tf32", "tf32", "f32", 1, 1, 1, false};
    vt_dot_params pa = pv;
    pa.algorithm = &al;
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), VT_OK);
    CHECK(((float *)fc->data)[0] == 1.0f); /* rounded to tf32 first */
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &pv, fc, &e), VT_OK);
    CHECK(((float *)fc->data)[0] == v); /* no algorithm: f32 */
    float w = 1.0f + 0x1p-9f + 0x1p-10f; /* tf32 keeps it, bf16 rounds it down to 1 */
    memcpy(fa->data, &w, 4);
    al.lhs_precision_type = al.rhs_precision_type = "bf16";
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), VT_OK);
    CHECK(((float *)fc->data)[0] == 1.0f);
    al.lhs_precision_type = al.rhs_precision_type = "tf32";
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), VT_OK);
    CHECK(((float *)fc->data)[0] == w);
    al.allow_imprecise_accumulation = true; /* a permission, honoured by being precise */
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), VT_OK);
    /* f64 operands with a bf16 algorithm round once from f64 (no double rounding via f32):
     * 1 + 2^-8 + 2^-30 is just above the bf16 midpoint, so it rounds up to 1 + 2^-7 */
    double dv = 1.0 + 0x1p-8 + 0x1p-30, done = 1.0;
    vt_tensor *da = mk(VT_F64, 1, (int64_t[]){1}, &dv), *db = mk(VT_F64, 1, (int64_t[]){1}, &done);
    vt_tensor *dc = result_for(da, db, &pv, VT_F64);
    al.lhs_precision_type = al.rhs_precision_type = "bf16";
    al.allow_imprecise_accumulation = false;
    CHECK_EQ_INT(vt_k_dot_general(&kc1, da, db, &pa, dc, &e), VT_OK);
    CHECK(((double *)dc->data)[0] == 1.0 + 0x1p-7);
    /* the conformance suite's i64 operands with a tf32 algorithm: small integers survive */
    int64_t lv[8] = {1, 2, 3, 4, 5, 6, 7, 8}, rv[8] = {1, 0, 0, 1, 1, 0, 0, 1};
    vt_tensor *li = mk(VT_I64, 3, (int64_t[]){2, 2, 2}, lv), *ri = mk(VT_I64, 3, (int64_t[]){2, 2, 2}, rv);
    vt_dot_params pb = dp(1, (int64_t[]){0}, (int64_t[]){0}, 1, (int64_t[]){2}, (int64_t[]){1});
    al.lhs_precision_type = al.rhs_precision_type = "tf32";
    pb.algorithm = &al;
    vt_tensor *ci = result_for(li, ri, &pb, VT_I64);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, li, ri, &pb, ci, &e), VT_OK);
    CHECK(memcmp(ci->data, lv, 64) == 0);
    /* refused by name */
    vt_dot_algorithm x3 = {"bf16", "bf16", "f32", 1, 1, 3, false};
    pa.algorithm = &x3;
    CHECK_ERR(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), &e, VT_EUNSUPPORTED, "num_primitive_operations=3");
    vt_dot_algorithm f16acc = {"f16", "f16", "f16", 1, 1, 1, false};
    pa.algorithm = &f16acc;
    CHECK_ERR(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), &e, VT_EUNSUPPORTED, "accumulation_type=f16");
    vt_dot_algorithm f8 = {"f8E4M3FN", "f8E4M3FN", "f32", 1, 1, 1, false};
    pa.algorithm = &f8;
    CHECK_ERR(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), &e, VT_EUNSUPPORTED, "f8E4M3FN");
    vt_dot_algorithm comp = {"f32", "f32", "f32", 2, 1, 1, false};
    pa.algorithm = &comp;
    CHECK_ERR(vt_k_dot_general(&kc1, fa, fb, &pa, fc, &e), &e, VT_EUNSUPPORTED, "components=2x1");
    /* precision_config is accepted and changes nothing */
    vt_dot_params ph = pv;
    ph.precision[0] = ph.precision[1] = VT_PRECISION_HIGHEST;
    memcpy(fa->data, &v, 4);
    CHECK_EQ_INT(vt_k_dot_general(&kc1, fa, fb, &ph, fc, &e), VT_OK);
    CHECK(((float *)fc->data)[0] == v);
    vt_tensor *list[] = {a, c, cb, hf, ch, fa, fb, fc, da, db, dc, li, ri, ci};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) vt_tensor_release(list[i]);
}

/* Same inputs, threads 1, 2 and 8: the outputs must be identical bit for bit. The data are
 * not integer-valued, so any change in summation order would show. */
static void det_case(vt_dtype t, int lr, const int64_t *ld, int rr, const int64_t *rd, vt_dot_params p) {
    vt_error e;
    vt_tensor *l = mk(t, lr, ld, NULL), *r = mk(t, rr, rd, NULL);
    for (size_t i = 0; i < l->nelem; i++) {
        double v = sin((double)i * 0.7) * 3.1;
        if (t == VT_F32) ((float *)l->data)[i] = (float)v;
        else ((double *)l->data)[i] = v;
    }
    for (size_t i = 0; i < r->nelem; i++) {
        double v = cos((double)i * 1.3) / 1.7;
        if (t == VT_F32) ((float *)r->data)[i] = (float)v;
        else ((double *)r->data)[i] = v;
    }
    vt_tensor *out[3];
    int th[3] = {1, 2, 8};
    for (int k = 0; k < 3; k++) {
        out[k] = result_for(l, r, &p, t);
        vt_kctx kc = {th[k], UINT64_MAX, 0};
        CHECK_EQ_INT(vt_k_dot_general(&kc, l, r, &p, out[k], &e), VT_OK);
    }
    CHECK_MSG(memcmp(out[0]->data, out[1]->data, out[0]->nbytes) == 0, "threads 1 vs 2 differ");
    CHECK_MSG(memcmp(out[0]->data, out[2]->data, out[0]->nbytes) == 0, "threads 1 vs 8 differ");
    for (int k = 0; k < 3; k++) vt_tensor_release(out[k]);
    vt_tensor_release(l), vt_tensor_release(r);
}

TEST(determinism) {
    vt_dot_params mm = dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0});
    /* several row blocks (M split) */
    det_case(VT_F32, 2, (int64_t[]){1600, 700}, 2, (int64_t[]){700, 600}, mm);
    /* column blocks (N > M), rhs transposed */
    det_case(VT_F32, 2, (int64_t[]){300, 900}, 2, (int64_t[]){2100, 900}, dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){1}));
    /* batched, f64 */
    det_case(VT_F64, 3, (int64_t[]){6, 130, 257}, 3, (int64_t[]){6, 257, 70},
             dp(1, (int64_t[]){0}, (int64_t[]){0}, 1, (int64_t[]){2}, (int64_t[]){1}));
    /* matrix-vector */
    det_case(VT_F32, 1, (int64_t[]){3000}, 2, (int64_t[]){3000, 1500}, dp(0, NULL, NULL, 1, (int64_t[]){0}, (int64_t[]){0}));
    /* bf16 operands (converted in parallel chunks) give exactly the f32 result of the widened
     * values, for every thread count, and a bf16 result is that result rounded once */
    {
        vt_error e2;
        vt_tensor *lf = mk(VT_F32, 2, (int64_t[]){700, 600}, NULL), *rf = mk(VT_F32, 2, (int64_t[]){600, 500}, NULL);
        vt_tensor *lb = mk(VT_BF16, 2, (int64_t[]){700, 600}, NULL), *rb = mk(VT_BF16, 2, (int64_t[]){600, 500}, NULL);
        for (size_t i = 0; i < lf->nelem; i++) ((float *)lf->data)[i] = (float)sin((double)i * 0.3);
        for (size_t i = 0; i < rf->nelem; i++) ((float *)rf->data)[i] = (float)cos((double)i * 0.7);
        vt_k_from_f32(VT_BF16, lf->data, lb->data, lf->nelem);
        vt_k_from_f32(VT_BF16, rf->data, rb->data, rf->nelem);
        vt_k_to_f32(VT_BF16, lb->data, lf->data, lf->nelem);
        vt_k_to_f32(VT_BF16, rb->data, rf->data, rf->nelem);
        vt_tensor *want = result_for(lf, rf, &mm, VT_F32), *wantb = result_for(lf, rf, &mm, VT_BF16);
        CHECK_EQ_INT(vt_k_dot_general(&kc1, lf, rf, &mm, want, &e2), VT_OK);
        vt_k_from_f32(VT_BF16, want->data, wantb->data, want->nelem);
        for (int th = 1; th <= 8; th *= 2) {
            vt_kctx kt = {th, UINT64_MAX, 0};
            vt_tensor *got = result_for(lb, rb, &mm, VT_F32), *gotb = result_for(lb, rb, &mm, VT_BF16);
            CHECK_EQ_INT(vt_k_dot_general(&kt, lb, rb, &mm, got, &e2), VT_OK);
            CHECK_EQ_INT(vt_k_dot_general(&kt, lb, rb, &mm, gotb, &e2), VT_OK);
            CHECK_MSG(memcmp(got->data, want->data, want->nbytes) == 0, "bf16 operands, %d threads", th);
            CHECK_MSG(memcmp(gotb->data, wantb->data, wantb->nbytes) == 0, "bf16 result, %d threads", th);
            vt_tensor_release(got), vt_tensor_release(gotb);
        }
        vt_tensor *list[] = {lf, rf, lb, rb, want, wantb};
        for (size_t i = 0; i < 6; i++) vt_tensor_release(list[i]);
    }
    /* the partitioned GEMM (2 row blocks here) is also exact on integer-valued data */
    vt_error e;
    vt_tensor *l = mk(VT_F32, 2, (int64_t[]){1040, 500}, NULL), *r = mk(VT_F32, 2, (int64_t[]){500, 520}, NULL);
    fill_small_ints(l, 3), fill_small_ints(r, 4);
    vt_tensor *c = result_for(l, r, &mm, VT_F32);
    vt_kctx kc = {2, UINT64_MAX, 0};
    CHECK_EQ_INT(vt_k_dot_general(&kc, l, r, &mm, c, &e), VT_OK);
    /* integer-valued data: every order is exact, so the blocks must equal one unsplit call */
    float *ref = malloc(1040 * 520 * sizeof(float));
    vt_gemm_desc one = {VT_GEMM_F32, false, false, 1040, 520, 500, l->data, r->data, ref, 500, 520, 520, 1, NULL, NULL, 0};
    vt_gemm_one(&one);
    size_t bad = 0;
    for (size_t i = 0; i < 1040 * 520; i++) bad += ref[i] != ((float *)c->data)[i];
    CHECK_EQ_INT(bad, 0);
    free(ref);
    vt_tensor_release(l), vt_tensor_release(r), vt_tensor_release(c);
}

TEST(limits_and_errors) {
    vt_error e;
    /* fuel: a 100000^3 dot on tensors whose data is never touched (4-byte buffers): the
     * kernel must refuse before reading or allocating anything */
    float tiny[2] = {0, 0};
    vt_tensor big_l = {1, VT_F32, 2, {100000, 100000}, 10000000000u, 40000000000u, tiny, NULL, NULL};
    vt_tensor big_r = big_l;
    vt_tensor big_o = big_l;
    vt_dot_params mm = dp(0, NULL, NULL, 1, (int64_t[]){1}, (int64_t[]){0});
    vt_kctx kc = {2, 1000000000, 0};
    CHECK_ERR(vt_k_dot_general(&kc, &big_l, &big_r, &mm, &big_o, &e), &e, VT_ELIMIT, "fuel");
    CHECK_EQ_INT(kc.fuel_left, 0);
    /* overflow of the work counter itself */
    vt_tensor huge = {1, VT_F32, 3, {1 << 30, 1 << 30, 1 << 30}, 0, 0, tiny, NULL, NULL};
    vt_dot_params bm = dp(0, NULL, NULL, 1, (int64_t[]){2}, (int64_t[]){0});
    vt_tensor hres = {1, VT_F32, 4, {1 << 30, 1 << 30, 1 << 30, 1 << 30}, 0, 0, tiny, NULL, NULL};
    CHECK_ERR(vt_k_dot_general(&kc1, &huge, &huge, &bm, &hres, &e), &e, VT_ELIMIT, "overflow");
    /* dimension numbers */
    vt_tensor *a = mk(VT_F32, 2, (int64_t[]){2, 3}, NULL), *b = mk(VT_F32, 2, (int64_t[]){4, 2}, NULL);
    vt_tensor *c = mk(VT_F32, 2, (int64_t[]){2, 2}, NULL);
    CHECK_ERR(vt_k_dot_general(&kc1, a, b, &mm, c, &e), &e, VT_EINPUT, "contracting dimension pair 0 has sizes 3");
    vt_dot_params oob = dp(0, NULL, NULL, 1, (int64_t[]){2}, (int64_t[]){0});
    CHECK_ERR(vt_k_dot_general(&kc1, a, b, &oob, c, &e), &e, VT_EINPUT, "lhs_contracting_dimensions[0] = 2 out of range");
    vt_dot_params rep = dp(1, (int64_t[]){0}, (int64_t[]){0}, 1, (int64_t[]){0}, (int64_t[]){1});
    CHECK_ERR(vt_k_dot_general(&kc1, a, b, &rep, c, &e), &e, VT_EINPUT, "used twice");
    vt_dot_params bat = dp(1, (int64_t[]){0}, (int64_t[]){0}, 0, NULL, NULL);
    CHECK_ERR(vt_k_dot_general(&kc1, a, b, &bat, c, &e), &e, VT_EINPUT, "batching dimension pair 0 has sizes 2");
    vt_tensor *b3 = mk(VT_F32, 2, (int64_t[]){3, 5}, NULL);
    CHECK_ERR(vt_k_dot_general(&kc1, a, b3, &mm, c, &e), &e, VT_EINPUT, "does not have the shape");
    vt_dot_params neg = mm;
    neg.ncontract = -1;
    CHECK_ERR(vt_k_dot_general(&kc1, a, b3, &neg, c, &e), &e, VT_EINPUT, "invalid number");
    CHECK_ERR(vt_k_dot_general(&kc1, a, NULL, &mm, c, &e), &e, VT_EINPUT, "missing");
    /* empty operands with enormous dims: nothing to do, no overflowing arithmetic */
    int64_t big = (int64_t)1 << 62;
    vt_tensor *el = mk(VT_F32, 3, (int64_t[]){0, big, big}, NULL), *er = mk(VT_F32, 3, (int64_t[]){big, big, 0}, NULL);
    vt_dot_params p2 = dp(0, NULL, NULL, 2, (int64_t[]){1, 2}, (int64_t[]){0, 1});
    vt_tensor *eo = result_for(el, er, &p2, VT_F32);
    CHECK(eo && eo->nelem == 0);
    if (eo) CHECK_EQ_INT(vt_k_dot_general(&kc1, el, er, &p2, eo, &e), VT_OK);
    vt_tensor_release(el), vt_tensor_release(er), vt_tensor_release(eo);
    vt_tensor_release(a), vt_tensor_release(b), vt_tensor_release(c), vt_tensor_release(b3);
}

int main(void) {
    RUN(basic);
    RUN(layouts);
    RUN(random_layouts);
    RUN(integers);
    RUN(narrow_and_algorithms);
    RUN(determinism);
    RUN(limits_and_errors);
    return vt_test_finish();
}
