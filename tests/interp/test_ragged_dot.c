/* chlo.ragged_dot in its three modes against a naive reference of JAX's definition (group g
 * covers [start_g, start_g + size_g) of the ragged dimension; positions in no group contribute
 * zero; ragged batch ignores the sizes), with permuted layouts, prefixed group_sizes, f32 / f64 /
 * bf16 / i32 operands (integer-valued data, so every result is exact), and bad input. */
#include "harness.h"

#include <stdlib.h>

typedef struct rd_case {
    const char *name;
    int lrank, rrank, grank;
    int64_t ld[6], rd[6], gd[4];
    int64_t lb[4], rb[4], lc[4], rc[4], rg[1];
    int nb, nc, nrg, ragged;
} rd_case;

static const rd_case cases[] = {
    /* mode 1, the conformance shape: [m,k] x [g,k,n] -> [m,n] */
    {"noncontracting", 2, 3, 1, {11, 5}, {3, 5, 7}, {3}, {0}, {0}, {1}, {1}, {0}, 0, 1, 1, 0},
    /* mode 1, batch + an outer free dim x and group_sizes [b, x, g], lhs laid out [k, x, b, m] */
    {"noncontracting_prefixed", 4, 4, 3, {4, 3, 2, 9}, {2, 3, 4, 5}, {2, 3, 3}, {2}, {0}, {0}, {2}, {1}, 1, 1, 1, 3},
    /* mode 1, ragged dim before another free dim: [b, m, y, k] x [b, k, n, g] */
    {"noncontracting_inner", 4, 4, 1, {2, 6, 3, 4}, {2, 4, 5, 3}, {3}, {0}, {0}, {3}, {1}, {3}, 1, 1, 1, 1},
    /* mode 2: [b, m, k] x [b, k, n] -> [g, b, m, n] */
    {"contracting", 3, 3, 1, {2, 3, 10}, {2, 10, 4}, {4}, {0}, {0}, {2}, {1}, {0}, 1, 1, 0, 2},
    /* mode 2 with two contracting dims, the ragged one second: group_sizes [b, k1, g] */
    {"contracting_prefixed", 4, 4, 3, {2, 2, 3, 6}, {5, 6, 2, 2}, {2, 2, 3}, {0}, {3}, {1, 3}, {2, 1}, {0}, 1, 2, 0, 3},
    /* mode 3: ragged batch */
    {"batch", 3, 3, 1, {5, 3, 4}, {5, 4, 2}, {3}, {0}, {0}, {2}, {1}, {0}, 1, 1, 0, 0},
};

static uint64_t rng_state = 12345;
static int small(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)((rng_state >> 33) % 9) - 4;
}

static size_t count(int rank, const int64_t *d) {
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)d[i];
    return n;
}

static size_t flat(int rank, const int64_t *dims, const int64_t *idx) {
    size_t f = 0;
    for (int i = 0; i < rank; i++) f = f * (size_t)dims[i] + (size_t)idx[i];
    return f;
}

static bool has(const int64_t *v, int n, int64_t x) {
    for (int i = 0; i < n; i++)
        if (v[i] == x) return true;
    return false;
}

/* The group holding position p of a ragged dim of length len: -1 when none. */
static int group_of(const int64_t *sizes, int64_t G, int64_t p, int64_t len) {
    int64_t cum = 0;
    for (int64_t g = 0; g < G; g++) {
        int64_t e = cum + sizes[g] > len ? len : cum + sizes[g];
        if (p >= cum && p < e) return (int)g;
        cum = e;
    }
    return -1;
}

/* Reference: iterates every (output, contraction) coordinate pair. */
static void reference(const rd_case *c, const double *L, const double *R, const int64_t *gs, int64_t *od, int *orank,
                      double *out) {
    int64_t lf[6], rf[6];
    int nlf = 0, nrf = 0;
    for (int i = 0; i < c->lrank; i++)
        if (!has(c->lb, c->nb, i) && !has(c->lc, c->nc, i)) lf[nlf++] = i;
    for (int i = 0; i < c->rrank; i++)
        if (!has(c->rb, c->nb, i) && !has(c->rc, c->nc, i) && !has(c->rg, c->nrg, i)) rf[nrf++] = i;
    int mode = has(c->lb, c->nb, c->ragged) ? 3 : has(c->lc, c->nc, c->ragged) ? 2 : 1;
    int64_t G = c->gd[c->grank - 1];
    /* group_sizes prefix dims of lhs */
    int64_t pre[6];
    int npre = 0;
    if (mode == 3) {
        for (int i = 0; i < c->nb && c->lb[i] != c->ragged; i++) pre[npre++] = c->lb[i];
    } else {
        for (int i = 0; i < c->nb; i++) pre[npre++] = c->lb[i];
        if (mode == 2)
            for (int i = 0; i < c->nc && c->lc[i] != c->ragged; i++) pre[npre++] = c->lc[i];
        else
            for (int i = 0; i < nlf && lf[i] < c->ragged; i++) pre[npre++] = lf[i];
    }
    int r = 0;
    if (mode == 2) od[r++] = G;
    for (int i = 0; i < c->nb; i++) od[r++] = c->ld[c->lb[i]];
    for (int i = 0; i < nlf; i++) od[r++] = c->ld[lf[i]];
    for (int i = 0; i < nrf; i++) od[r++] = c->rd[rf[i]];
    *orank = r;
    int64_t kd[6];
    for (int i = 0; i < c->nc; i++) kd[i] = c->ld[c->lc[i]];
    size_t nout = count(r, od), nk = count(c->nc, kd);
    for (size_t o = 0; o < nout; o++) {
        int64_t oi[8], rem = (int64_t)o;
        for (int i = r - 1; i >= 0; i--) oi[i] = rem % od[i], rem /= od[i];
        int q = 0;
        int64_t g_out = mode == 2 ? oi[q++] : -1, li[6] = {0}, ri[6] = {0};
        for (int i = 0; i < c->nb; i++, q++) li[c->lb[i]] = oi[q], ri[c->rb[i]] = oi[q];
        for (int i = 0; i < nlf; i++) li[lf[i]] = oi[q++];
        for (int i = 0; i < nrf; i++) ri[rf[i]] = oi[q++];
        double acc = 0;
        for (size_t k = 0; k < nk; k++) {
            int64_t rk = (int64_t)k;
            for (int i = c->nc - 1; i >= 0; i--) li[c->lc[i]] = ri[c->rc[i]] = rk % kd[i], rk /= kd[i];
            if (mode != 3) {
                int64_t pi[6];
                for (int i = 0; i < npre; i++) pi[i] = li[pre[i]];
                const int64_t *row = gs + (c->grank == 1 ? 0 : flat(npre, c->gd, pi) * (size_t)G);
                int g = group_of(row, G, li[c->ragged], c->ld[c->ragged]);
                if (g < 0 || (mode == 2 && g != g_out)) continue;
                if (mode == 1) ri[c->rg[0]] = g;
            }
            acc += L[flat(c->lrank, c->ld, li)] * R[flat(c->rrank, c->rd, ri)];
        }
        out[o] = acc;
    }
}

static void dn_text(const rd_case *c, char *buf, size_t cap) {
    char l[6][64];
    const int64_t *lists[6] = {c->lb, c->rb, c->lc, c->rc, (int64_t[]){c->ragged}, c->rg};
    int ns[6] = {c->nb, c->nb, c->nc, c->nc, 1, c->nrg};
    for (int j = 0; j < 6; j++) {
        size_t p = 0;
        l[j][0] = 0;
        for (int i = 0; i < ns[j]; i++) p += (size_t)snprintf(l[j] + p, sizeof l[j] - p, "%s%lld", i ? ", " : "", (long long)lists[j][i]);
    }
    snprintf(buf, cap,
             "#chlo.ragged_dot<lhs_batching_dimensions = [%s], rhs_batching_dimensions = [%s], "
             "lhs_contracting_dimensions = [%s], rhs_contracting_dimensions = [%s], "
             "lhs_ragged_dimensions = [%s], rhs_group_dimensions = [%s]>",
             l[0], l[1], l[2], l[3], l[4], l[5]);
}

static void type_text(const char *ty, int rank, const int64_t *d, char *buf, size_t cap) {
    size_t p = (size_t)snprintf(buf, cap, "tensor<");
    for (int i = 0; i < rank; i++) p += (size_t)snprintf(buf + p, cap - p, "%lldx", (long long)d[i]);
    snprintf(buf + p, cap - p, "%s>", ty);
}

static vt_status run_case(const rd_case *c, const char *ty, const char *gty, const char *dn_override, const int64_t *od,
                          int orank, vt_rvalue *args, vt_rvalue **res, size_t *nres, vt_error *err, const char *oty) {
    char dn[1024], tl[128], tr[128], tg[128], to[128], text[4096];
    if (dn_override) snprintf(dn, sizeof dn, "%s", dn_override);
    else dn_text(c, dn, sizeof dn);
    type_text(ty, c->lrank, c->ld, tl, sizeof tl);
    type_text(ty, c->rrank, c->rd, tr, sizeof tr);
    type_text(gty, c->grank, c->gd, tg, sizeof tg);
    type_text(oty ? oty : ty, orank, od, to, sizeof to);
    snprintf(text, sizeof text,
             "func.func @main(%%l: %s, %%r: %s, %%g: %s) -> %s {\n"
             "  %%o = \"chlo.ragged_dot\"(%%l, %%r, %%g) {ragged_dot_dimension_numbers = %s, "
             "precision_config = [#chlo<precision DEFAULT>, #chlo<precision DEFAULT>]} : (%s, %s, %s) -> %s\n"
             "  return %%o : %s\n"
             "}\n",
             tl, tr, tg, to, dn, tl, tr, tg, to, to);
    vt_module *m = NULL;
    vt_parse_options po = {"ragged.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &po, &m, err);
    if (s == VT_OK) s = vt_module_verify(m, err);
    if (s == VT_OK) {
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = 2;
        vt_engine *e = vt_engine_create(&eo, err);
        if (!e) s = err->code;
        else {
            vt_limits lim;
            vt_limits_default(&lim);
            s = vt_execute(e, m, NULL, args, 3, &lim, res, nres, NULL, err);
            vt_engine_destroy(e);
        }
    }
    vt_module_free(m);
    return s;
}

static vt_tensor *tensor_f64(vt_dtype t, int rank, const int64_t *d, const double *v) {
    vt_error err;
    vt_tensor *x = vt_tensor_create(t, rank, d, 0, &err);
    if (!x) return NULL;
    vt_tensor *f = vt_tensor_wrap(VT_F64, rank, d, (void *)v, count(rank, d) * sizeof(double), NULL, NULL, &err);
    vt_tensor *cv = f ? vt_tensor_convert(f, t, &err) : NULL;
    if (f) f->data = NULL, f->nbytes = 0, vt_tensor_release(f);
    vt_tensor_release(x);
    return cv;
}

/* Group sizes per prefix: some short of the length (trailing zeros), some past it (clipped). */
static void make_sizes(const rd_case *c, int64_t *gs) {
    size_t n = count(c->grank, c->gd);
    int64_t len = c->ld[c->ragged];
    for (size_t i = 0; i < n; i++) gs[i] = (int64_t)((i * 7 + 3) % (size_t)(len / 2 + 2));
    if (n > 1) gs[n - 1] = len; /* the last row's last group runs past the end */
}

TEST(modes_against_reference) {
    static const char *types[] = {"f32", "f64", "bf16", "i32"};
    static const vt_dtype dts[] = {VT_F32, VT_F64, VT_BF16, VT_I32};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const rd_case *c = &cases[ci];
        size_t nl = count(c->lrank, c->ld), nr = count(c->rrank, c->rd), ng = count(c->grank, c->gd);
        double *L = malloc(nl * sizeof *L), *R = malloc(nr * sizeof *R), *want = malloc(4096 * sizeof *want);
        int64_t gs[64], od[8];
        int orank;
        for (size_t i = 0; i < nl; i++) L[i] = small();
        for (size_t i = 0; i < nr; i++) R[i] = small();
        make_sizes(c, gs);
        reference(c, L, R, gs, od, &orank, want);
        size_t no = count(orank, od);
        for (int t = 0; t < 4; t++) {
            vt_rvalue args[3] = {vt_rvalue_tensor(tensor_f64(dts[t], c->lrank, c->ld, L)),
                                 vt_rvalue_tensor(tensor_f64(dts[t], c->rrank, c->rd, R)), {0}};
            vt_error err;
            vt_tensor *g = vt_tensor_create(VT_I64, c->grank, c->gd, 0, &err);
            memcpy(g->data, gs, ng * sizeof(int64_t));
            args[2] = vt_rvalue_tensor(g);
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_status s = run_case(c, types[t], "i64", NULL, od, orank, args, &res, &nres, &err, NULL);
            CHECK_MSG(s == VT_OK, "%s %s: %s", c->name, types[t], err.msg);
            if (s == VT_OK) {
                vt_tensor *f = vt_tensor_convert(res[0].tensor, VT_F64, &err);
                int bad = 0;
                for (size_t i = 0; i < no; i++) bad += ((double *)f->data)[i] != want[i];
                CHECK_MSG(bad == 0, "%s %s: %d of %zu elements differ", c->name, types[t], bad, no);
                vt_tensor_release(f);
                vt_rvalues_release(res, nres);
            }
            for (int a = 0; a < 3; a++) vt_rvalue_release(&args[a]);
        }
        free(L);
        free(R);
        free(want);
    }
}

/* Unsigned and 32-bit group sizes, a size of UINT64_MAX (clipped), and all-zero sizes. */
TEST(group_size_types) {
    const rd_case *c = &cases[0];
    double L[55], R[105], want[77];
    for (int i = 0; i < 55; i++) L[i] = small();
    for (int i = 0; i < 105; i++) R[i] = small();
    int64_t od[8];
    int orank;
    const int64_t sets[3][3] = {{2, 0, 50}, {0, 0, 0}, {11, 5, 5}};
    for (int k = 0; k < 3; k++) {
        reference(c, L, R, sets[k], od, &orank, want);
        vt_error err;
        vt_rvalue args[3] = {vt_rvalue_tensor(tensor_f64(VT_F32, 2, c->ld, L)), vt_rvalue_tensor(tensor_f64(VT_F32, 3, c->rd, R)),
                             {0}};
        vt_tensor *g = vt_tensor_create(k == 0 ? VT_U64 : VT_I32, 1, c->gd, 0, &err);
        for (int i = 0; i < 3; i++) {
            if (k == 0) ((uint64_t *)g->data)[i] = i == 2 ? UINT64_MAX : (uint64_t)sets[k][i];
            else ((int32_t *)g->data)[i] = (int32_t)sets[k][i];
        }
        args[2] = vt_rvalue_tensor(g);
        vt_rvalue *res = NULL;
        size_t nres = 0;
        vt_status s = run_case(c, "f32", k == 0 ? "ui64" : "i32", NULL, od, orank, args, &res, &nres, &err, NULL);
        CHECK_MSG(s == VT_OK, "set %d: %s", k, err.msg);
        if (s == VT_OK) {
            int bad = 0;
            for (int i = 0; i < 77; i++) bad += ((float *)res[0].tensor->data)[i] != (float)want[i];
            CHECK_EQ_INT(bad, 0);
            vt_rvalues_release(res, nres);
        }
        for (int a = 0; a < 3; a++) vt_rvalue_release(&args[a]);
    }
}

/* bf16 operands with an f32 result (JAX's preferred_element_type): exact products and sums. */
TEST(wider_result_type) {
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const rd_case *c = &cases[ci];
        size_t nl = count(c->lrank, c->ld), nr = count(c->rrank, c->rd), ng = count(c->grank, c->gd);
        double *L = malloc(nl * sizeof *L), *R = malloc(nr * sizeof *R), *want = malloc(4096 * sizeof *want);
        int64_t gs[64], od[8];
        int orank;
        for (size_t i = 0; i < nl; i++) L[i] = small() * 0.125;
        for (size_t i = 0; i < nr; i++) R[i] = small() * 4;
        make_sizes(c, gs);
        reference(c, L, R, gs, od, &orank, want);
        vt_error err;
        vt_rvalue args[3] = {vt_rvalue_tensor(tensor_f64(VT_BF16, c->lrank, c->ld, L)),
                             vt_rvalue_tensor(tensor_f64(VT_BF16, c->rrank, c->rd, R)), {0}};
        vt_tensor *g = vt_tensor_create(VT_I64, c->grank, c->gd, 0, &err);
        memcpy(g->data, gs, ng * sizeof(int64_t));
        args[2] = vt_rvalue_tensor(g);
        vt_rvalue *res = NULL;
        size_t nres = 0;
        vt_status s = run_case(c, "bf16", "i64", NULL, od, orank, args, &res, &nres, &err, "f32");
        CHECK_MSG(s == VT_OK, "%s bf16 -> f32: %s", c->name, err.msg);
        if (s == VT_OK) {
            CHECK(res[0].tensor->dtype == VT_F32);
            int bad = 0;
            for (size_t i = 0; i < count(orank, od); i++) bad += ((float *)res[0].tensor->data)[i] != (float)want[i];
            CHECK_MSG(bad == 0, "%s bf16 -> f32: %d elements differ", c->name, bad);
            vt_rvalues_release(res, nres);
        }
        for (int a = 0; a < 3; a++) vt_rvalue_release(&args[a]);
        free(L);
        free(R);
        free(want);
    }
}

static vt_status run_bad(const rd_case *c, const char *dn, const int64_t *gs, const int64_t *od, int orank, vt_error *err) {
    static double zeros[4096];
    vt_rvalue args[3] = {vt_rvalue_tensor(tensor_f64(VT_F32, c->lrank, c->ld, zeros)),
                         vt_rvalue_tensor(tensor_f64(VT_F32, c->rrank, c->rd, zeros)), {0}};
    vt_tensor *g = vt_tensor_create(VT_I64, c->grank, c->gd, 0, err);
    memcpy(g->data, gs, count(c->grank, c->gd) * sizeof(int64_t));
    args[2] = vt_rvalue_tensor(g);
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_status s = run_case(c, "f32", "i64", dn, od, orank, args, &res, &nres, err, NULL);
    if (s == VT_OK) vt_rvalues_release(res, nres);
    for (int a = 0; a < 3; a++) vt_rvalue_release(&args[a]);
    return s;
}

TEST(bad_inputs) {
    vt_error err;
    const rd_case *c = &cases[0];
    const int64_t od[2] = {11, 7}, gs[3] = {4, -1, 3}, ok[3] = {4, 4, 3};
    CHECK_ERR(run_bad(c, NULL, gs, od, 2, &err), &err, VT_EINPUT, "group_sizes element 1 is negative");
    const char *two_ragged = "#chlo.ragged_dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [1], "
                             "lhs_ragged_dimensions = [0, 1], rhs_group_dimensions = [0]>";
    CHECK_ERR(run_bad(c, two_ragged, ok, od, 2, &err), &err, VT_EINPUT, "exactly one lhs ragged dimension");
    const char *no_group = "#chlo.ragged_dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [1], "
                           "lhs_ragged_dimensions = [0]>";
    vt_status s = run_bad(c, no_group, ok, od, 2, &err);
    CHECK_MSG(s == VT_EINPUT, "no group dim: %s (%s)", vt_status_name(s), err.msg);
    const char *out_of_range = "#chlo.ragged_dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [7], "
                               "lhs_ragged_dimensions = [0], rhs_group_dimensions = [0]>";
    CHECK_ERR(run_bad(c, out_of_range, ok, od, 2, &err), &err, VT_EINPUT, "rhs_contracting dimension 7 out of range");
    const char *reused = "#chlo.ragged_dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0], "
                         "lhs_ragged_dimensions = [0], rhs_group_dimensions = [0]>";
    s = run_bad(c, reused, ok, od, 2, &err);
    CHECK_MSG(s == VT_EINPUT, "reused rhs dim: %s (%s)", vt_status_name(s), err.msg);
    const int64_t bad_od[2] = {11, 8};
    s = run_bad(c, NULL, ok, bad_od, 2, &err);
    CHECK_MSG(s == VT_EINPUT, "bad result type: %s (%s)", vt_status_name(s), err.msg);
    /* group_sizes of the wrong rank / shape, and a group count that is not the rhs group dim */
    rd_case c2 = *c;
    c2.grank = 2, c2.gd[0] = 2, c2.gd[1] = 3;
    const int64_t gs2[6] = {1, 1, 1, 1, 1, 1};
    CHECK_ERR(run_bad(&c2, NULL, gs2, od, 2, &err), &err, VT_EINPUT, "group_sizes to have rank 1 or 1");
    rd_case c3 = *c;
    c3.gd[0] = 4;
    const int64_t gs3[4] = {1, 1, 1, 1};
    CHECK_ERR(run_bad(&c3, NULL, gs3, od, 2, &err), &err, VT_EINPUT, "rhs group dimension has size 3, expected 4");
}

int main(void) {
    RUN(modes_against_reference);
    RUN(group_size_types);
    RUN(wider_result_type);
    RUN(bad_inputs);
    return vt_test_finish();
}
