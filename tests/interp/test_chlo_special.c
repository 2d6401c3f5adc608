/* chlo.zeta and chlo.polygamma: f64 kernels against 60-digit mpmath values (embedded below),
 * exact identities (zeta(s, q) - zeta(s, q + 1) = q^-s, the polygamma recurrence, pi^2 / 6),
 * XLA's special cases, f32/bf16/f16 through the engine (rounded once), and bad input. */
#include "harness.h"
#include "interp/k_shape.h"
#include "interp/k_special.h"

#include <math.h>
#include <stdlib.h>

/* mpmath.zeta(x, q) and mpmath.polygamma(n, x) at mp.dps = 60, rounded to double:
 * {x, q, zeta} and {n, x, polygamma}. */
static const double zeta_ref[][3] = {
    {0x1.0000000000000p+1, 0x1.0000000000000p+0, 0x1.a51a6625307d3p+0},
    {0x1.8000000000000p+1, 0x1.0000000000000p+0, 0x1.33ba004f00621p+0},
    {0x1.0000000000000p+1, 0x1.0000000000000p-1, 0x1.3bd3cc9be45dep+2},
    {0x1.2000000000000p+2, 0x1.2000000000000p+1, 0x1.13be883156748p-5},
    {0x1.8000000000000p+0, 0x1.999999999999ap-4, 0x1.106c7e6d45e86p+5},
    {0x1.4000000000000p+3, 0x1.8000000000000p+1, 0x1.2e33a5bb97e18p-16},
    {0x1.e000000000000p+4, 0x1.8000000000000p+0, 0x1.5dfaabaa0d2c2p-18},
    {0x1.0000000000000p+1, 0x1.9000000000000p+6, 0x1.4952e891b603ap-7},
    {0x1.00068db8bac71p+0, 0x1.0000000000000p+0, 0x1.38849e2710917p+13},
    {0x1.9000000000000p+5, 0x1.0000000000000p-1, 0x1.0000000000000p+50},
    {0x1.8000000000000p+1, -0x1.4000000000000p+1, 0x1.bb342bf188dd7p-5},
    {0x1.8000000000000p+2, -0x1.4000000000000p+0, 0x1.005eb1db1e0fcp+12},
    {0x1.4000000000000p+1, 0x1.0624dd2f1a9fcp-10, 0x1.e28679f0bb5b1p+24},
    {0x1.4000000000000p+4, 0x1.f400000000000p+9, 0x1.5586ff6ea4e24p-194},
    {0x1.4000000000000p+0, 0x1.f000000000000p+2, 0x1.37f1f7ff76dbdp+1},
    {0x1.c000000000000p+2, 0x1.47ae147ae147bp-7, 0x1.6bcc41e90003bp+46},
    {0x1.0000000000000p+1, 0x1.e848000000000p+19, 0x1.0c6f82d72bcaap-20},
    {0x1.a000000000000p+3, -0x1.e000000000000p+2, 0x1.35a80cc1257e3p-40},
};
static const double poly_ref[][3] = {
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.a51a6625307d3p+0},
    {0x1.0000000000000p+0, 0x1.0000000000000p-1, 0x1.3bd3cc9be45dep+2},
    {0x1.0000000000000p+1, 0x1.d99999999999ap+1, -0x1.86bd3b32e5396p-4},
    {0x1.8000000000000p+1, -0x1.8000000000000p+0, 0x1.853044f8fc672p+7},
    {0x1.0000000000000p+2, 0x1.4000000000000p+3, -0x1.7eb1b3f79b462p-11},
    {0x1.0000000000000p+0, 0x1.0624dd2f1a9fcp-10, 0x1.e848348fa1c6dp+19},
    {0x1.4000000000000p+2, 0x1.9800000000000p+4, 0x1.49320c36f52d2p-19},
    {0x1.4000000000000p+3, 0x1.0000000000000p+1, -0x1.c053f15cede28p+10},
    {0x1.0000000000000p+0, 0x1.f400000000000p+9, 0x1.06466dfb5dfe0p-10},
    {0x1.0000000000000p+1, -0x1.0000000000000p-2, 0x1.eaca1a84a4961p+6},
    {0x0.0p+0, 0x1.4000000000000p+1, 0x1.680425af12b5ep-1},
    {0x1.8000000000000p+2, 0x1.999999999999ap-4, -0x1.ad274975c8244p+32},
    {0x1.8000000000000p+1, 0x1.86a0000000000p+16, 0x1.203c15467dc38p-49},
    {0x1.4000000000000p+4, 0x1.8000000000000p+1, -0x1.bcaea683979bap+27},
    {0x1.0000000000000p+0, -0x1.a666666666666p+1, 0x1.da2aec14d7996p+3},
};
#define POLY_200_50 -0x1.fd66bacc8214fp+110 /* mpmath.polygamma(200, 50) */
#define POLY_171_3 0x1.20c401871c4fcp+754 /* mpmath.polygamma(171, 3) */

/* Distance in units in the last place between two finite doubles of one sign. */
static double ulps(double got, double want) {
    if (got == want) return 0;
    if (isnan(got) || isnan(want) || signbit(got) != signbit(want)) return INFINITY;
    return fabs(got - want) / (nextafter(fabs(want), INFINITY) - fabs(want));
}

TEST(zeta_against_mpmath) {
    double worst = 0;
    for (size_t i = 0; i < sizeof zeta_ref / sizeof zeta_ref[0]; i++) {
        double got = vt_k_zeta(zeta_ref[i][0], zeta_ref[i][1]), u = ulps(got, zeta_ref[i][2]);
        CHECK_MSG(u <= 8, "zeta(%a, %a) = %a, want %a (%.1f ulp)", zeta_ref[i][0], zeta_ref[i][1], got, zeta_ref[i][2], u);
        if (u > worst) worst = u;
    }
    printf("zeta: worst %.1f ulp over %zu mpmath values\n", worst, sizeof zeta_ref / sizeof zeta_ref[0]);
}

TEST(polygamma_against_mpmath) {
    double worst = 0;
    for (size_t i = 0; i < sizeof poly_ref / sizeof poly_ref[0]; i++) {
        double got = vt_k_polygamma(poly_ref[i][0], poly_ref[i][1]), u = ulps(got, poly_ref[i][2]);
        CHECK_MSG(u <= 8, "polygamma(%a, %a) = %a, want %a (%.1f ulp)", poly_ref[i][0], poly_ref[i][1], got, poly_ref[i][2], u);
        if (u > worst) worst = u;
    }
    printf("polygamma: worst %.1f ulp over %zu mpmath values\n", worst, sizeof poly_ref / sizeof poly_ref[0]);
}

/* zeta(s, q) - zeta(s, q + 1) = q^-s and psi_n(x + 1) = psi_n(x) + (-1)^n n! / x^(n + 1), over a
 * grid; relative error against the larger side. */
TEST(identities) {
    const double pi2_6 = M_PI * M_PI / 6;
    CHECK(ulps(vt_k_zeta(2, 1), pi2_6) <= 1);
    CHECK(ulps(vt_k_polygamma(1, 1), pi2_6) <= 1);
    int bad = 0;
    for (double s = 1.25; s < 40; s *= 1.7)
        for (double q = 0.05; q < 500; q *= 2.3) {
            double a = vt_k_zeta(s, q), b = vt_k_zeta(s, q + 1), d = pow(q, -s);
            if (fabs((a - b) - d) > 1e-13 * fabs(a)) bad++;
        }
    CHECK_EQ_INT(bad, 0);
    bad = 0;
    for (int n = 1; n <= 8; n++)
        for (double x = 0.3; x < 60; x *= 1.9) {
            double a = vt_k_polygamma(n, x + 1), b = vt_k_polygamma(n, x);
            double d = (n % 2 ? -1.0 : 1.0) * tgamma(n + 1.0) / pow(x, n + 1.0);
            if (fabs(a - (b + d)) > 1e-13 * fmax(fabs(a), fabs(b))) bad++;
        }
    CHECK_EQ_INT(bad, 0);
}

/* XLA's special cases (materializeZeta / materializePolygamma). */
TEST(special_cases) {
    CHECK(vt_k_zeta(1, 2.5) == INFINITY);     /* harmonic series */
    CHECK(vt_k_zeta(1, -3) == INFINITY);      /* x = 1 wins over the pole */
    CHECK(vt_k_zeta(2, 0) == INFINITY);       /* pole, even x */
    CHECK(vt_k_zeta(4, -2) == INFINITY);
    CHECK(isnan(vt_k_zeta(3, -1)));           /* pole, odd x */
    CHECK(isnan(vt_k_zeta(2.5, -0.5)));       /* q <= 0 needs an integer x */
    CHECK(isnan(vt_k_zeta(0.5, 2)));          /* x < 1 */
    CHECK(isnan(vt_k_zeta(NAN, 2)));
    CHECK(isnan(vt_k_zeta(2, NAN)));
    CHECK(vt_k_zeta(2, INFINITY) == 0);
    CHECK(vt_k_zeta(INFINITY, 1) == 1);
    CHECK(vt_k_zeta(INFINITY, 0.5) == INFINITY);
    CHECK(vt_k_zeta(2, -1e300) == INFINITY);  /* every double that large is an integer: a pole */
    CHECK(isnan(vt_k_zeta(2, -1e7 - 0.5)));   /* beyond VT_ZETA_MAX_TERMS: not computed */
    CHECK(vt_k_zeta_terms(2, -1e7 - 0.5) > VT_ZETA_MAX_TERMS);
    CHECK(vt_k_zeta_terms(1, 2) == 0);
    CHECK(isnan(vt_k_polygamma(1.5, 2)));      /* n not natural */
    CHECK(isnan(vt_k_polygamma(-1, 2)));
    CHECK(isnan(vt_k_polygamma(NAN, 2)));
    CHECK(isnan(vt_k_polygamma(INFINITY, 2)));
    CHECK(vt_k_polygamma(1, 0) == INFINITY);   /* zeta(2, 0) pole */
    CHECK(isnan(vt_k_polygamma(2, -3)));       /* zeta(3, -3): odd pole */
    CHECK(vt_k_polygamma(0, 2.5) == poly_ref[10][2] || ulps(vt_k_polygamma(0, 2.5), poly_ref[10][2]) <= 2);
    /* 200! overflows and zeta(201, 50) underflows: the scaled sum in logarithms, relative error
     * about |ln n!| * 2^-52 (documented) */
    double u1 = ulps(vt_k_polygamma(200, 50), POLY_200_50), u2 = ulps(vt_k_polygamma(171, 3), POLY_171_3);
    CHECK_MSG(u1 <= 4096 && u2 <= 4096, "log path: %.0f and %.0f ulp", u1, u2);
}

static vt_status run_text(const char *text, const vt_limits *lim, vt_rvalue **res, size_t *nres, vt_error *err) {
    vt_module *m = NULL;
    vt_parse_options po = {"special.mlir", 1, NULL};
    vt_status s = vt_parse_module(text, strlen(text), &po, &m, err);
    if (s == VT_OK) s = vt_module_verify(m, err);
    if (s == VT_OK) {
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = 2;
        vt_engine *e = vt_engine_create(&eo, err);
        if (!e) s = err->code;
        else {
            vt_limits dl;
            vt_limits_default(&dl);
            s = vt_execute(e, m, NULL, NULL, 0, lim ? lim : &dl, res, nres, NULL, err);
            vt_engine_destroy(e);
        }
    }
    vt_module_free(m);
    return s;
}

/* One op on constants of type ty: a (rank 0 when a_scalar, else n elements) and b (n). */
static vt_status run_op(const char *opname, const char *ty, const double *a, const double *b, int n, bool a_scalar,
                        const vt_limits *lim, vt_rvalue **res, size_t *nres, vt_error *err) {
    char va[2048] = "", vb[2048] = "", text[6000], ta[64], tv[64];
    size_t pa = 0, pb = 0;
    for (int i = 0; i < n; i++) {
        if (!a_scalar || i == 0) pa += (size_t)snprintf(va + pa, sizeof va - pa, "%s%.17e", i ? ", " : "", a[i]);
        pb += (size_t)snprintf(vb + pb, sizeof vb - pb, "%s%.17e", i ? ", " : "", b[i]);
    }
    snprintf(tv, sizeof tv, "tensor<%dx%s>", n, ty);
    if (a_scalar) snprintf(ta, sizeof ta, "tensor<%s>", ty);
    else snprintf(ta, sizeof ta, "%s", tv);
    snprintf(text, sizeof text,
             "func.func @main() -> %s {\n"
             "  %%a = stablehlo.constant dense<%s%s%s> : %s\n"
             "  %%b = stablehlo.constant dense<[%s]> : %s\n"
             "  %%r = \"%s\"(%%a, %%b) : (%s, %s) -> %s\n"
             "  return %%r : %s\n"
             "}\n",
             tv, a_scalar ? "" : "[", va, a_scalar ? "" : "]", ta, vb, tv, opname, ta, tv, tv, tv);
    return run_text(text, lim, res, nres, err);
}

/* f32, f16 and bf16 results are the f64 value rounded once to the type. */
TEST(engine_types) {
    enum { NZ = sizeof zeta_ref / sizeof zeta_ref[0], NP = sizeof poly_ref / sizeof poly_ref[0] };
    static const char *types[] = {"f32", "f64", "f16", "bf16"};
    static const vt_dtype dts[] = {VT_F32, VT_F64, VT_F16, VT_BF16};
    for (int op = 0; op < 2; op++)
        for (int t = 0; t < 4; t++) {
            double a[32], b[32], want[32];
            int n = op ? NP : NZ;
            for (int i = 0; i < n; i++) {
                const double *rf = op ? poly_ref[i] : zeta_ref[i];
                a[i] = rf[0], b[i] = rf[1], want[i] = rf[2];
            }
            /* operands as the type sees them: the engine computes on the rounded inputs */
            vt_rvalue *res = NULL;
            size_t nres = 0;
            vt_error err;
            vt_status s = run_op(op ? "chlo.polygamma" : "chlo.zeta", types[t], a, b, n, false, NULL, &res, &nres, &err);
            CHECK_MSG(s == VT_OK, "%s %s: %s", op ? "polygamma" : "zeta", types[t], err.msg);
            if (s != VT_OK) continue;
            double got[32], ra[32], rb[32], ref[32];
            vt_tensor *o = res[0].tensor;
            CHECK(o->dtype == dts[t]);
            vt_k_to_f64(o->dtype, o->data, got, (size_t)n);
            /* reference on the rounded operands, from the f64 kernel, then rounded to the type */
            vt_tensor *tmp = vt_tensor_create(dts[t], 1, (int64_t[]){n}, 0, &err);
            for (int i = 0; i < n; i++) ra[i] = a[i];
            vt_k_from_f64(dts[t], ra, tmp->data, (size_t)n);
            vt_k_to_f64(dts[t], tmp->data, ra, (size_t)n);
            for (int i = 0; i < n; i++) rb[i] = b[i];
            vt_k_from_f64(dts[t], rb, tmp->data, (size_t)n);
            vt_k_to_f64(dts[t], tmp->data, rb, (size_t)n);
            for (int i = 0; i < n; i++) ref[i] = op ? vt_k_polygamma(ra[i], rb[i]) : vt_k_zeta(ra[i], rb[i]);
            vt_k_from_f64(dts[t], ref, tmp->data, (size_t)n);
            vt_k_to_f64(dts[t], tmp->data, ref, (size_t)n);
            vt_tensor_release(tmp);
            int bad = 0;
            for (int i = 0; i < n; i++) bad += !(got[i] == ref[i] || (isnan(got[i]) && isnan(ref[i])));
            CHECK_MSG(bad == 0, "%s %s: %d elements differ from the rounded f64 kernel", op ? "polygamma" : "zeta", types[t], bad);
            if (t == 1) /* f64: the engine is the kernel */
                for (int i = 0; i < n; i++) CHECK(ulps(got[i], want[i]) <= 8);
            vt_rvalues_release(res, nres);
        }
}

/* A rank-0 operand broadcasts (bodies of reduce/map run lifted on whole tensors). */
TEST(engine_scalar_broadcast) {
    double a[1] = {2}, b[3] = {1, 2, 0.5};
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    vt_status s = run_op("chlo.zeta", "f64", a, b, 3, true, NULL, &res, &nres, &err);
    if (s == VT_OK) {
        const double *o = res[0].tensor->data;
        CHECK(ulps(o[0], M_PI * M_PI / 6) <= 1);
        CHECK(ulps(o[1], M_PI * M_PI / 6 - 1) <= 2);
        CHECK(ulps(o[2], zeta_ref[2][2]) <= 2);
        vt_rvalues_release(res, nres);
    } else {
        /* the verifier may insist on equal operand types; then the refusal names the op */
        CHECK_MSG(s == VT_EINPUT && strstr(err.msg, "chlo.zeta"), "scalar operand: %s", err.msg);
    }
}

TEST(bad_inputs) {
    vt_rvalue *res = NULL;
    size_t nres = 0;
    vt_error err;
    /* hostile q far below zero: the work charge refuses it before anything is summed */
    double x[4] = {2, 2, 2, 2}, q[4] = {-5e5 - 0.5, -5e5 - 0.5, -5e5 - 0.5, -5e5 - 0.5};
    vt_limits lim;
    vt_limits_default(&lim);
    lim.fuel = 1000000;
    CHECK_ERR(run_op("chlo.zeta", "f64", x, q, 4, false, &lim, &res, &nres, &err), &err, VT_ELIMIT, "work limit");
    /* operands of different element types */
    const char *mixed = "func.func @main() -> tensor<2xf32> {\n"
                        "  %a = stablehlo.constant dense<[2.0, 3.0]> : tensor<2xf32>\n"
                        "  %b = stablehlo.constant dense<[1.0, 2.0]> : tensor<2xf64>\n"
                        "  %r = \"chlo.zeta\"(%a, %b) : (tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>\n"
                        "  return %r : tensor<2xf32>\n"
                        "}\n";
    vt_status s = run_text(mixed, NULL, &res, &nres, &err);
    CHECK_MSG(s == VT_EINPUT, "mixed types: %s (%s)", vt_status_name(s), err.msg);
    const char *ints = "func.func @main() -> tensor<2xi32> {\n"
                       "  %a = stablehlo.constant dense<[2, 3]> : tensor<2xi32>\n"
                       "  %r = \"chlo.polygamma\"(%a, %a) : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>\n"
                       "  return %r : tensor<2xi32>\n"
                       "}\n";
    s = run_text(ints, NULL, &res, &nres, &err);
    CHECK_MSG(s == VT_EINPUT, "integer operands: %s (%s)", vt_status_name(s), err.msg);
    const char *shapes = "func.func @main() -> tensor<2xf32> {\n"
                         "  %a = stablehlo.constant dense<[2.0, 3.0]> : tensor<2xf32>\n"
                         "  %b = stablehlo.constant dense<[2.0, 3.0, 4.0]> : tensor<3xf32>\n"
                         "  %r = \"chlo.zeta\"(%a, %b) : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>\n"
                         "  return %r : tensor<2xf32>\n"
                         "}\n";
    s = run_text(shapes, NULL, &res, &nres, &err);
    CHECK_MSG(s == VT_EINPUT, "shape mismatch: %s (%s)", vt_status_name(s), err.msg);
}

int main(void) {
    RUN(zeta_against_mpmath);
    RUN(polygamma_against_mpmath);
    RUN(identities);
    RUN(special_cases);
    RUN(engine_types);
    RUN(engine_scalar_broadcast);
    RUN(bad_inputs);
    return vt_test_finish();
}
