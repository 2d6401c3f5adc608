/* Tests of vt_convert and the single-element helpers against an independent reference: each
 * small format is described here again, decoded with ldexp, and rounded by nearest-neighbour
 * search over its sorted value table (ties to the even encoding), so no code is shared with
 * src/tensor/convert.c. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>

/* ---- the reference ---------------------------------------------------------------------------- */
enum { R_IEEE, R_FN, R_FNUZ, R_FINITE, R_E8M0 };
typedef struct rfmt {
    vt_dtype t;
    int E, M, bias, flav;
} rfmt;

static const rfmt formats[] = {
    {VT_F4E2M1FN, 2, 1, 1, R_FINITE},   {VT_F6E2M3FN, 2, 3, 1, R_FINITE},
    {VT_F6E3M2FN, 3, 2, 3, R_FINITE},   {VT_F8E3M4, 3, 4, 3, R_IEEE},
    {VT_F8E4M3, 4, 3, 7, R_IEEE},       {VT_F8E4M3FN, 4, 3, 7, R_FN},
    {VT_F8E4M3FNUZ, 4, 3, 8, R_FNUZ},   {VT_F8E4M3B11FNUZ, 4, 3, 11, R_FNUZ},
    {VT_F8E5M2, 5, 2, 15, R_IEEE},      {VT_F8E5M2FNUZ, 5, 2, 16, R_FNUZ},
    {VT_F8E8M0FNU, 8, 0, 127, R_E8M0},  {VT_BF16, 8, 7, 127, R_IEEE},
    {VT_F16, 5, 10, 15, R_IEEE},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

static int nbits(const rfmt *f) { return f->flav == R_E8M0 ? 8 : 1 + f->E + f->M; }
static unsigned sign_bit(const rfmt *f) { return f->flav == R_E8M0 ? 0 : 1u << (f->E + f->M); }

static double ref_decode(const rfmt *f, unsigned bits) {
    unsigned emax = (1u << f->E) - 1, mmax = (1u << f->M) - 1;
    unsigned e = (bits >> f->M) & emax, m = bits & mmax;
    if (f->flav == R_E8M0) return bits == 0xFF ? NAN : ldexp(1.0, (int)bits - 127);
    bool neg = bits & sign_bit(f);
    double v;
    if (f->flav == R_FNUZ && bits == sign_bit(f)) return NAN;
    if (f->flav == R_FN && e == emax && m == mmax) return neg ? -NAN : NAN;
    if (f->flav == R_IEEE && e == emax) v = m ? NAN : INFINITY;
    else if (e == 0) v = ldexp((double)m, 1 - f->bias - f->M);
    else v = ldexp((double)(m + (1u << f->M)), (int)e - f->bias - f->M);
    return neg ? -v : v;
}

/* Sorted non-negative values of a format with their encodings (built once per format). */
typedef struct table {
    int n;
    double *val;
    unsigned *enc;
} table;
static table tables[NFORMATS];

static const rfmt *cmp_fmt; /* qsort has no context argument */
static int cmp_enc(const void *a, const void *b) {
    double x = ref_decode(cmp_fmt, *(const unsigned *)a), y = ref_decode(cmp_fmt, *(const unsigned *)b);
    return (x > y) - (x < y);
}

static void build_tables(void) {
    for (size_t i = 0; i < NFORMATS; i++) {
        const rfmt *f = &formats[i];
        int count = 1 << nbits(f);
        table *tb = &tables[i];
        tb->enc = malloc(sizeof(unsigned) * (size_t)count);
        tb->val = malloc(sizeof(double) * (size_t)count);
        tb->n = 0;
        for (int b = 0; b < count; b++) {
            double v = ref_decode(f, (unsigned)b);
            if (isnan(v) || isinf(v) || v < 0 || (v == 0 && signbit(v))) continue;
            if (v == 0 && (unsigned)b & sign_bit(f)) continue;
            tb->enc[tb->n++] = (unsigned)b;
        }
        cmp_fmt = f;
        qsort(tb->enc, (size_t)tb->n, sizeof(unsigned), cmp_enc);
        for (int k = 0; k < tb->n; k++) tb->val[k] = ref_decode(f, tb->enc[k]);
    }
}

static void free_tables(void) {
    for (size_t i = 0; i < NFORMATS; i++) { free(tables[i].enc); free(tables[i].val); }
}

static unsigned ref_nan(const rfmt *f, bool neg) {
    unsigned s = neg ? sign_bit(f) : 0;
    switch (f->flav) {
    case R_IEEE: return s | (((1u << f->E) - 1) << f->M) | (1u << (f->M - 1));
    case R_FN: return s | ((1u << (f->E + f->M)) - 1);
    case R_FNUZ: return sign_bit(f);
    case R_E8M0: return 0xFF;
    default: return neg ? 0 : sign_bit(f);
    }
}

static unsigned ref_overflow(const rfmt *f, const table *tb, bool neg) {
    unsigned s = neg ? sign_bit(f) : 0;
    switch (f->flav) {
    case R_IEEE: return s | (((1u << f->E) - 1) << f->M);
    case R_FN: return s | ((1u << (f->E + f->M)) - 1);
    case R_FNUZ: case R_E8M0: return ref_nan(f, neg);
    default: return s | tb->enc[tb->n - 1];
    }
}

/* Correctly rounded encoding of v (exact double) in format f, with the format's special rules. */
static unsigned ref_round(const rfmt *f, const table *tb, double v) {
    bool neg = signbit(v);
    if (isnan(v)) return ref_nan(f, neg);
    if (f->flav == R_E8M0 && (neg || v == 0)) return 0xFF;
    double a = fabs(v);
    if (isinf(a)) return ref_overflow(f, tb, neg);
    unsigned enc;
    int n = tb->n;
    double max = tb->val[n - 1];
    if (a >= max) {
        double next = f->flav == R_E8M0 ? 2 * max : max + (max - tb->val[n - 2]);
        double mid = (max + next) / 2;
        unsigned max_enc = tb->enc[n - 1];
        bool up = a > mid || (a == mid && (f->flav == R_E8M0 || (max_enc & 1)));
        if (up) return ref_overflow(f, tb, neg);
        enc = max_enc;
    } else if (a < tb->val[0]) {
        enc = tb->enc[0]; /* only E8M0 has no zero: 2^-127 is the nearest value */
    } else {
        int lo = 0, hi = n - 1; /* val[lo] <= a < val[hi] */
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (tb->val[mid] <= a) lo = mid; else hi = mid;
        }
        double mid = (tb->val[lo] + tb->val[hi]) / 2;
        if (a < mid) enc = tb->enc[lo];
        else if (a > mid) enc = tb->enc[hi];
        else if (f->flav == R_E8M0) enc = tb->enc[hi];
        else enc = (tb->enc[lo] & 1) ? tb->enc[hi] : tb->enc[lo];
    }
    if (f->flav == R_FNUZ && enc == 0) return 0;
    return neg ? enc | sign_bit(f) : enc;
}

static unsigned conv_to_small(vt_dtype st, const void *src, vt_dtype dt) {
    uint16_t out = 0; /* every small format fits two bytes */
    vt_convert(st, src, dt, &out, 1);
    return out;
}

static bool is_nan_enc(const rfmt *f, unsigned bits) { return isnan(ref_decode(f, bits)); }

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static float f32_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t bits32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double f64_of(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }
static uint64_t bits64(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }

/* ---- every bit pattern of every format --------------------------------------------------------- */
TEST(every_pattern_decodes_and_round_trips) {
    for (size_t i = 0; i < NFORMATS; i++) {
        const rfmt *f = &formats[i];
        int count = 1 << nbits(f);
        int bad = 0;
        for (int b = 0; b < count; b++) {
            unsigned char in[2] = {(unsigned char)b, (unsigned char)(b >> 8)};
            double want = ref_decode(f, (unsigned)b);
            float g32;
            double g64;
            vt_convert(f->t, in, VT_F32, &g32, 1);
            vt_convert(f->t, in, VT_F64, &g64, 1);
            bool ok32 = isnan(want) ? isnan(g32) : ((double)g32 == want && !signbit(g32) == !signbit(want));
            bool ok64 = isnan(want) ? isnan(g64) : (g64 == want && !signbit(g64) == !signbit(want));
            /* NaN signs: the encoding's sign bit (FNUZ's only NaN has it set; E8M0 has none). */
            if (isnan(want)) {
                bool want_neg = f->flav == R_FNUZ || (f->flav != R_E8M0 && ((unsigned)b & sign_bit(f)));
                ok32 = ok32 && (bool)signbit(g32) == want_neg;
                ok64 = ok64 && (bool)signbit(g64) == want_neg;
            }
            unsigned back32 = conv_to_small(VT_F32, &g32, f->t);
            unsigned back64 = conv_to_small(VT_F64, &g64, f->t);
            bool okb = isnan(want) ? is_nan_enc(f, back32) && is_nan_enc(f, back64)
                                   : back32 == (unsigned)b && back64 == (unsigned)b;
            if (!(ok32 && ok64 && okb) && bad++ < 5)
                CHECK_MSG(false, "%s pattern 0x%x: want %a got f32 %a f64 %a back 0x%x/0x%x",
                          vt_dtype_name(f->t), b, want, (double)g32, g64, back32, back64);
        }
        CHECK_MSG(bad == 0, "%s: %d bad patterns", vt_dtype_name(f->t), bad);
    }
}

/* Every pattern of every format into every other float format: one rounding, checked by the
 * reference from the exact value. */
TEST(every_pattern_to_every_float_format) {
    for (size_t i = 0; i < NFORMATS; i++) {
        const rfmt *f = &formats[i];
        int count = 1 << nbits(f);
        int step = count > 256 ? 7 : 1; /* bf16/f16 sources: a spread subset (all are checked above) */
        for (size_t j = 0; j < NFORMATS; j++) {
            const rfmt *g = &formats[j];
            int bad = 0;
            for (int b = 0; b < count; b += step) {
                unsigned char in[2] = {(unsigned char)b, (unsigned char)(b >> 8)};
                double v = ref_decode(f, (unsigned)b);
                if (isnan(v)) {
                    unsigned got = conv_to_small(f->t, in, g->t);
                    bool neg = f->flav == R_FNUZ || (f->flav != R_E8M0 && ((unsigned)b & sign_bit(f)));
                    unsigned want = ref_nan(g, neg);
                    if (f->flav == R_IEEE && g->flav == R_IEEE) { /* payload's top bits kept */
                        unsigned m = (unsigned)b & ((1u << f->M) - 1);
                        want |= g->M >= f->M ? m << (g->M - f->M) : m >> (f->M - g->M);
                    }
                    bool ok = f->t == g->t ? got == (unsigned)b : got == want;
                    if (!ok && bad++ < 3)
                        CHECK_MSG(false, "%s 0x%x (NaN) -> %s: got 0x%x want 0x%x", vt_dtype_name(f->t), b,
                                  vt_dtype_name(g->t), got, want);
                    continue;
                }
                unsigned want = f->t == g->t ? (unsigned)b : ref_round(g, &tables[j], v);
                unsigned got = conv_to_small(f->t, in, g->t);
                if (got != want && bad++ < 3)
                    CHECK_MSG(false, "%s 0x%x (%a) -> %s: got 0x%x want 0x%x", vt_dtype_name(f->t), b, v,
                              vt_dtype_name(g->t), got, want);
            }
            CHECK_MSG(bad == 0, "%s -> %s: %d bad", vt_dtype_name(f->t), vt_dtype_name(g->t), bad);
        }
    }
}

/* f32 and f64 inputs at every rounding midpoint of every format, and one ULP either side. */
TEST(midpoints_plus_minus_one_ulp) {
    for (size_t i = 0; i < NFORMATS; i++) {
        const rfmt *f = &formats[i];
        const table *tb = &tables[i];
        int bad = 0, n = tb->n;
        for (int k = 0; k < n; k++) {
            double lo = tb->val[k];
            double hi = k + 1 < n ? tb->val[k + 1]
                        : f->flav == R_E8M0 ? 2 * lo : lo + (lo - tb->val[k - 1]); /* past max */
            double mid = (lo + hi) / 2;
            float m32 = (float)mid;
            CHECK((double)m32 == mid); /* every midpoint is exact in f32 */
            float c32[3] = {nextafterf(m32, 0), m32, nextafterf(m32, INFINITY)};
            double c64[3] = {nextafter(mid, 0), mid, nextafter(mid, INFINITY)};
            for (int s = 0; s < 2; s++) {
                for (int c = 0; c < 3; c++) {
                    float x32 = s ? -c32[c] : c32[c];
                    double x64 = s ? -c64[c] : c64[c];
                    unsigned w32 = ref_round(f, tb, (double)x32), w64 = ref_round(f, tb, x64);
                    unsigned g32 = conv_to_small(VT_F32, &x32, f->t), g64 = conv_to_small(VT_F64, &x64, f->t);
                    if ((g32 != w32 || g64 != w64) && bad++ < 5)
                        CHECK_MSG(false, "%s near %a: f32 %a -> 0x%x want 0x%x; f64 %a -> 0x%x want 0x%x",
                                  vt_dtype_name(f->t), mid, (double)x32, g32, w32, x64, g64, w64);
                }
            }
        }
        CHECK_MSG(bad == 0, "%s: %d bad midpoint conversions", vt_dtype_name(f->t), bad);
    }
}

/* Smallest subnormals, max finite and the overflow boundary, spelled out per format. */
TEST(named_boundaries) {
    struct { vt_dtype t; double v; unsigned want; } cases[] = {
        {VT_F8E4M3FN, 448, 0x7E},        {VT_F8E4M3FN, 464, 0x7E},   /* tie -> even (max) */
        {VT_F8E4M3FN, 464.0001, 0x7F},   {VT_F8E4M3FN, 1e6, 0x7F},   /* overflow -> NaN */
        {VT_F8E4M3FN, -1e6, 0xFF},       {VT_F8E4M3FN, 0x1p-9, 0x01},/* smallest subnormal */
        {VT_F8E4M3FN, 0x1p-10, 0x00},    {VT_F8E4M3FN, 0x1.0000001p-10, 0x01},
        {VT_F8E4M3FN, -0.0, 0x80},       {VT_F8E4M3FN, INFINITY, 0x7F},
        {VT_F8E4M3FNUZ, 240, 0x7F},      {VT_F8E4M3FNUZ, 248, 0x80}, {VT_F8E4M3FNUZ, -0.0, 0x00},
        {VT_F8E4M3FNUZ, -0x1p-20, 0x00}, {VT_F8E4M3FNUZ, 0x1p-10, 0x01},
        {VT_F8E4M3B11FNUZ, 30, 0x7F},    {VT_F8E4M3B11FNUZ, 31, 0x80}, {VT_F8E4M3B11FNUZ, 0x1p-13, 0x01},
        {VT_F8E5M2, 57344, 0x7B},        {VT_F8E5M2, 61440, 0x7C},   {VT_F8E5M2, -61440, 0xFC},
        {VT_F8E5M2, 0x1p-16, 0x01},      {VT_F8E5M2FNUZ, 57344, 0x7F}, {VT_F8E5M2FNUZ, 0x1p-17, 0x01},
        {VT_F8E4M3, 240, 0x77},          {VT_F8E4M3, 248, 0x78},     {VT_F8E4M3, 0x1p-9, 0x01},
        {VT_F8E3M4, 15.5, 0x6F},         {VT_F8E3M4, 15.75, 0x70},   {VT_F8E3M4, 0x1p-6, 0x01},
        {VT_F4E2M1FN, 6, 0x7},           {VT_F4E2M1FN, 7, 0x7},      {VT_F4E2M1FN, 1e30, 0x7},
        {VT_F4E2M1FN, -1e30, 0xF},       {VT_F4E2M1FN, INFINITY, 0x7}, {VT_F4E2M1FN, -INFINITY, 0xF},
        {VT_F4E2M1FN, 0.25, 0x0},        {VT_F4E2M1FN, 0.75, 0x2},   {VT_F4E2M1FN, -0.0, 0x8},
        {VT_F6E2M3FN, 7.5, 0x1F},        {VT_F6E2M3FN, 100, 0x1F},   {VT_F6E2M3FN, 0.125, 0x01},
        {VT_F6E3M2FN, 28, 0x1F},         {VT_F6E3M2FN, 1e9, 0x1F},   {VT_F6E3M2FN, 0.0625, 0x01},
        {VT_F8E8M0FNU, 1, 0x7F},         {VT_F8E8M0FNU, 1.5, 0x80},  {VT_F8E8M0FNU, 1.4999, 0x7F},
        {VT_F8E8M0FNU, 3, 0x81},         {VT_F8E8M0FNU, 0x1p-127, 0x00}, {VT_F8E8M0FNU, 0x1p-140, 0x00},
        {VT_F8E8M0FNU, 0x1.4p-127, 0x00},{VT_F8E8M0FNU, 0x1.8p-127, 0x01}, {VT_F8E8M0FNU, 0x1p127, 0xFE},
        {VT_F8E8M0FNU, 0x1.8p127, 0xFF}, {VT_F8E8M0FNU, 0, 0xFF},    {VT_F8E8M0FNU, -0.0, 0xFF},
        {VT_F8E8M0FNU, -2, 0xFF},        {VT_F8E8M0FNU, INFINITY, 0xFF},
        {VT_BF16, 0x1p-133, 0x0001},     {VT_BF16, 0x1p-134, 0x0000}, {VT_BF16, 0x1.fep127, 0x7F7F},
        {VT_BF16, 0x1.ffp127, 0x7F80},   {VT_F16, 65504, 0x7BFF},    {VT_F16, 65520, 0x7C00},
        {VT_F16, 65519.99, 0x7BFF},      {VT_F16, 0x1p-24, 0x0001},  {VT_F16, 0x1p-25, 0x0000},
        {VT_F16, 0x1.8p-25, 0x0001},     {VT_F16, 0x1.ff8p-15, 0x03FF},  {VT_F16, 0x1.ffcp-15, 0x0400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = cases[i].v;
        unsigned got = conv_to_small(VT_F64, &v, cases[i].t);
        CHECK_MSG(got == cases[i].want, "f64 %a -> %s: 0x%x, want 0x%x", v, vt_dtype_name(cases[i].t), got,
                  cases[i].want);
    }
}

/* NaN: the sign survives where the target has signed NaNs, payload top bits survive between IEEE
 * formats and the result is always quiet; the formats without NaN follow ml_dtypes. */
TEST(nan_rules) {
    struct { uint32_t in; vt_dtype t; unsigned want; } cases[] = {
        {0x7FC00000u, VT_BF16, 0x7FC0},      {0xFFC00000u, VT_BF16, 0xFFC0},
        {0x7FA00001u, VT_BF16, 0x7FE0},      {0x7F800001u, VT_BF16, 0x7FC0}, /* sNaN quietened */
        {0x7FC00000u, VT_F16, 0x7E00},       {0xFFD00000u, VT_F16, 0xFE80},
        {0x7F800001u, VT_F16, 0x7E00},
        {0x7FC00000u, VT_F8E4M3FN, 0x7F},    {0xFFC00000u, VT_F8E4M3FN, 0xFF},
        {0x7FC00000u, VT_F8E4M3FNUZ, 0x80},  {0xFFC00000u, VT_F8E5M2FNUZ, 0x80},
        {0x7FC00000u, VT_F8E5M2, 0x7E},      {0xFFC00000u, VT_F8E5M2, 0xFE},
        {0x7FC00000u, VT_F8E4M3, 0x7C},      {0x7FC00000u, VT_F8E3M4, 0x78},
        {0x7FC00000u, VT_F4E2M1FN, 0x8},     {0xFFC00000u, VT_F4E2M1FN, 0x0},
        {0x7FC00000u, VT_F6E2M3FN, 0x20},    {0xFFC00000u, VT_F6E3M2FN, 0x00},
        {0x7FC00000u, VT_F8E8M0FNU, 0xFF},   {0xFFC00000u, VT_F8E8M0FNU, 0xFF},
        {0x7F800000u, VT_F8E4M3FN, 0x7F},    {0xFF800000u, VT_F8E4M3FN, 0xFF},
        {0x7F800000u, VT_F8E4M3FNUZ, 0x80},  {0x7F800000u, VT_F8E5M2, 0x7C},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned got = conv_to_small(VT_F32, &cases[i].in, cases[i].t);
        CHECK_MSG(got == cases[i].want, "f32 0x%08x -> %s: 0x%x, want 0x%x", cases[i].in,
                  vt_dtype_name(cases[i].t), got, cases[i].want);
    }
    /* Widening keeps the payload and quietens; bf16 -> f32 is the plain shift. */
    uint32_t w32;
    uint64_t w64;
    uint16_t h = 0x7C01; /* f16 sNaN */
    vt_convert(VT_F16, &h, VT_F32, &w32, 1);
    CHECK_EQ_INT(w32, 0x7FC02000u);
    h = 0xFF81; /* bf16 -sNaN */
    vt_convert(VT_BF16, &h, VT_F32, &w32, 1);
    CHECK_EQ_INT(w32, 0xFF810000u);
    vt_convert(VT_BF16, &h, VT_F64, &w64, 1);
    CHECK(w64 == 0xFFF8200000000000ull);
    uint32_t snan = 0x7F800001u;
    vt_convert(VT_F32, &snan, VT_F64, &w64, 1);
    CHECK(w64 == 0x7FF8000020000000ull);
    uint64_t dn = 0xFFF0000000000001ull, dq = 0x7FF4000000000000ull;
    vt_convert(VT_F64, &dn, VT_F32, &w32, 1);
    CHECK_EQ_INT(w32, 0xFFC00000u);
    vt_convert(VT_F64, &dq, VT_F32, &w32, 1);
    CHECK_EQ_INT(w32, 0x7FE00000u);
    vt_convert(VT_F64, &dq, VT_BF16, &h, 1);
    CHECK_EQ_INT(h, 0x7FE0);
    vt_convert(VT_F64, &dq, VT_F16, &h, 1);
    CHECK_EQ_INT(h, 0x7F00);
    /* NaN -> bool is true, NaN -> int is 0. */
    float nan = NAN;
    uint8_t b = 0;
    int32_t i32 = 5;
    vt_convert(VT_F32, &nan, VT_I1, &b, 1);
    CHECK_EQ_INT(b, 1);
    vt_convert(VT_F32, &nan, VT_I32, &i32, 1);
    CHECK_EQ_INT(i32, 0);
}

/* ---- bf16 and f16: exhaustive, and random f32/f64 inputs ---------------------------------------- */
TEST(half_formats_random_inputs) {
    enum { N = 200000 };
    float *x32 = malloc(sizeof(float) * N);
    double *x64 = malloc(sizeof(double) * N);
    uint16_t *o = malloc(sizeof(uint16_t) * N);
    for (int i = 0; i < N; i++) {
        x32[i] = f32_of((uint32_t)rnd64());
        /* f64 values near the half formats' range so that rounding is exercised, plus raw bits */
        x64[i] = i % 4 == 0 ? f64_of(rnd64()) : ldexp((double)(rnd64() >> 11), (int)(rnd64() % 200) - 200);
        if (i % 8 == 1) x64[i] = -x64[i];
    }
    for (size_t k = 0; k < NFORMATS; k++) {
        const rfmt *f = &formats[k];
        if (f->t != VT_BF16 && f->t != VT_F16) continue;
        int bad = 0;
        vt_convert(VT_F32, x32, f->t, o, N);
        for (int i = 0; i < N; i++) {
            unsigned want = ref_round(f, &tables[k], (double)x32[i]);
            bool ok = isnan(x32[i]) ? is_nan_enc(f, o[i]) && (o[i] >> 15) == (bits32(x32[i]) >> 31) : o[i] == want;
            if (!ok && bad++ < 5)
                CHECK_MSG(false, "f32 %a -> %s: 0x%x want 0x%x", (double)x32[i], vt_dtype_name(f->t), o[i], want);
        }
        vt_convert(VT_F64, x64, f->t, o, N);
        for (int i = 0; i < N; i++) {
            unsigned want = ref_round(f, &tables[k], x64[i]);
            bool ok = isnan(x64[i]) ? is_nan_enc(f, o[i]) : o[i] == want;
            if (!ok && bad++ < 5)
                CHECK_MSG(false, "f64 %a -> %s: 0x%x want 0x%x", x64[i], vt_dtype_name(f->t), o[i], want);
        }
        CHECK_MSG(bad == 0, "%s: %d bad", vt_dtype_name(f->t), bad);
    }
    /* f32 -> bf16 -> f32 is the identity on every bf16 value; f16 likewise through f32 and f64. */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        uint16_t in = (uint16_t)h, back;
        float f;
        double d;
        vt_convert(VT_BF16, &in, VT_F32, &f, 1);
        vt_convert(VT_F32, &f, VT_BF16, &back, 1);
        if (!isnan(f) && back != in) bad++;
        vt_convert(VT_F16, &in, VT_F64, &d, 1);
        vt_convert(VT_F64, &d, VT_F16, &back, 1);
        if (!isnan(d) && back != in) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    free(x32);
    free(x64);
    free(o);
}

/* f32 <-> f64 against the hardware's IEEE conversions (default mode: no flush, nearest even). */
TEST(f32_f64_against_hardware) {
    enum { N = 100000 };
    int bad = 0;
    for (int i = 0; i < N; i++) {
        uint64_t r = rnd64();
        double d = i % 3 ? ldexp((double)(r >> 11), (int)(r % 320) - 210) : f64_of(r);
        if (i & 1) d = -d;
        float got, want = (float)d;
        vt_convert(VT_F64, &d, VT_F32, &got, 1);
        if (!isnan(d) && bits32(got) != bits32(want) && bad++ < 5)
            CHECK_MSG(false, "f64 %a -> f32 %a want %a", d, (double)got, (double)want);
        float f = f32_of((uint32_t)r);
        double g;
        vt_convert(VT_F32, &f, VT_F64, &g, 1);
        if (!isnan(f) && bits64(g) != bits64((double)f) && bad++ < 5)
            CHECK_MSG(false, "f32 %a -> f64 %a", (double)f, g);
    }
    CHECK_EQ_INT(bad, 0);
    /* f32 subnormals survive both ways */
    float sub = f32_of(0x00000001u), back;
    double ds;
    vt_convert(VT_F32, &sub, VT_F64, &ds, 1);
    CHECK(ds == 0x1p-149);
    vt_convert(VT_F64, &ds, VT_F32, &back, 1);
    CHECK_EQ_INT(bits32(back), 1);
    ds = 0x1p-150; /* tie between 0 and the smallest subnormal -> 0 (even) */
    vt_convert(VT_F64, &ds, VT_F32, &back, 1);
    CHECK_EQ_INT(bits32(back), 0);
    ds = 0x1.0000001p-150;
    vt_convert(VT_F64, &ds, VT_F32, &back, 1);
    CHECK_EQ_INT(bits32(back), 1);
}

/* ---- rounded once -------------------------------------------------------------------------------- */
TEST(no_double_rounding) {
    /* f64 -> bf16: 1 + 2^-8 + 2^-40 rounds up; through f32 it would become the tie 1 + 2^-8 and
     * round to even (1.0). */
    double d = 1 + 0x1p-8 + 0x1p-40;
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_BF16), 0x3F81);
    d = -(1 + 0x1p-8 + 0x1p-40);
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_BF16), 0xBF81);
    d = 1 + 0x1p-11 + 0x1p-40;
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_F16), 0x3C01);
    d = 1 + 0x1p-4 + 0x1p-35;
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_F8E4M3FN), 0x39);
    d = 1 + 0x1p-3 + 0x1p-33;
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_F8E5M2), 0x3D);
    /* subnormal target: bf16 smallest subnormal is 2^-133; 2^-134 + tiny must round up */
    d = 0x1p-134 + 0x1p-170;
    CHECK_EQ_INT(conv_to_small(VT_F64, &d, VT_BF16), 0x0001);

    /* i64 -> f32 near 2^60: f32 steps are 2^37; 2^60 + 2^36 + 1 is just above the midpoint. In
     * double it would become exactly the midpoint and then round to even (2^60). */
    int64_t i = ((int64_t)1 << 60) + ((int64_t)1 << 36) + 1;
    float f;
    vt_convert(VT_I64, &i, VT_F32, &f, 1);
    CHECK((double)f == 0x1p60 + 0x1p37);
    i = -i;
    vt_convert(VT_I64, &i, VT_F32, &f, 1);
    CHECK((double)f == -(0x1p60 + 0x1p37));
    uint64_t u = (1ull << 63) + (1ull << 39) + 1;
    vt_convert(VT_U64, &u, VT_F32, &f, 1);
    CHECK((double)f == 0x1p63 + 0x1p40);
    /* bf16 from i64: steps of 2^(e-7) */
    i = ((int64_t)1 << 55) + ((int64_t)1 << 47) + 1;
    CHECK_EQ_INT(conv_to_small(VT_I64, &i, VT_BF16), 0x5B01);
    /* f64 from i64 beyond 2^53: nearest even */
    i = ((int64_t)1 << 53) + 1;
    double g;
    vt_convert(VT_I64, &i, VT_F64, &g, 1);
    CHECK(g == 0x1p53);
    i = ((int64_t)1 << 53) + 3;
    vt_convert(VT_I64, &i, VT_F64, &g, 1);
    CHECK(g == 0x1p53 + 4);
}

/* Exact integer rounding to p significant bits (ties to even), as a double. */
static double ref_int_round(uint64_t mag, int p) {
    if (mag == 0) return 0;
    int top = 63 - __builtin_clzll(mag);
    if (top < p) return (double)mag;
    int shift = top + 1 - p;
    uint64_t q = mag >> shift, rem = mag & ((1ull << shift) - 1), half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return ldexp((double)q, shift);
}

TEST(random_integers_to_floats) {
    int bad = 0;
    for (int i = 0; i < 50000; i++) {
        uint64_t r = rnd64() >> (rnd64() % 64);
        int64_t s = (i & 1) ? -(int64_t)(r >> 1) : (int64_t)(r >> 1);
        uint64_t mag = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
        float f;
        double d;
        vt_convert(VT_I64, &s, VT_F32, &f, 1);
        vt_convert(VT_I64, &s, VT_F64, &d, 1);
        double w24 = ref_int_round(mag, 24), w53 = ref_int_round(mag, 53);
        if (s < 0) { w24 = -w24; w53 = -w53; }
        if (((double)f != w24 || d != w53) && bad++ < 5)
            CHECK_MSG(false, "i64 %lld -> f32 %a (want %a) f64 %a (want %a)", (long long)s, (double)f, w24, d, w53);
        vt_convert(VT_U64, &r, VT_F32, &f, 1);
        if ((double)f != ref_int_round(r, 24) && bad++ < 5)
            CHECK_MSG(false, "u64 %llu -> f32 %a", (unsigned long long)r, (double)f);
        /* small formats: round once from the integer, then the format's range rules */
        for (size_t k = 0; k < NFORMATS; k++) {
            const rfmt *fm = &formats[k];
            double exact = ref_int_round(mag, fm->M + 1);
            unsigned want = ref_round(fm, &tables[k], s < 0 ? -exact : exact);
            unsigned got = conv_to_small(VT_I64, &s, fm->t);
            if (got != want && bad++ < 5)
                CHECK_MSG(false, "i64 %lld -> %s: 0x%x want 0x%x", (long long)s, vt_dtype_name(fm->t), got, want);
        }
    }
    /* every 16-bit integer into every small format (these go through f32, exactly) */
    for (int32_t v = -32768; v < 65536; v++) {
        int16_t i16 = (int16_t)v;
        uint16_t u16 = (uint16_t)v;
        for (size_t k = 0; k < NFORMATS; k++) {
            const rfmt *fm = &formats[k];
            unsigned gi = conv_to_small(VT_I16, &i16, fm->t), gu = conv_to_small(VT_U16, &u16, fm->t);
            unsigned wi = v < 32768 ? ref_round(fm, &tables[k], (double)i16) : gi;
            unsigned wu = v >= 0 ? ref_round(fm, &tables[k], (double)u16) : gu;
            if ((gi != wi || gu != wu) && bad++ < 5)
                CHECK_MSG(false, "16-bit %d -> %s: 0x%x/0x%x want 0x%x/0x%x", v, vt_dtype_name(fm->t), gi, gu, wi, wu);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* i32 -> f32 bulk (the fast loop) */
    int32_t iv[6] = {INT32_MAX, INT32_MIN, 16777217, -16777217, 16777219, 0};
    float fv[6];
    vt_convert(VT_I32, iv, VT_F32, fv, 6);
    CHECK(fv[0] == 0x1p31f && fv[1] == -0x1p31f && fv[2] == 16777216.f && fv[3] == -16777216.f);
    CHECK(fv[4] == 16777220.f && fv[5] == 0 && !signbit(fv[5]));
}

/* ---- integers ------------------------------------------------------------------------------------ */
TEST(integer_edges) {
    int64_t i64 = INT64_MIN;
    int32_t i32;
    vt_convert(VT_I64, &i64, VT_I32, &i32, 1);
    CHECK_EQ_INT(i32, 0);
    uint64_t u64 = UINT64_MAX;
    vt_convert(VT_U64, &u64, VT_I64, &i64, 1);
    CHECK_EQ_INT(i64, -1);
    i64 = 0;
    vt_convert(VT_U64, &u64, VT_I8, &i64, 1); /* writes one byte */
    CHECK_EQ_INT((int8_t)(i64 & 0xFF), -1);
    int8_t m1 = -1;
    uint8_t u8;
    vt_convert(VT_I8, &m1, VT_U8, &u8, 1);
    CHECK_EQ_INT(u8, 255);
    uint16_t u16;
    vt_convert(VT_I8, &m1, VT_U16, &u16, 1);
    CHECK_EQ_INT(u16, 65535);
    int32_t v128 = 128, v300 = 300;
    int8_t i8;
    vt_convert(VT_I32, &v128, VT_I8, &i8, 1);
    CHECK_EQ_INT(i8, -128);
    vt_convert(VT_I32, &v300, VT_U8, &u8, 1);
    CHECK_EQ_INT(u8, 44);
    i64 = INT64_MIN;
    vt_convert(VT_I64, &i64, VT_U64, &u64, 1);
    CHECK(u64 == 1ull << 63);

    /* float -> int: truncate, saturate, NaN -> 0 */
    float fv[] = {1e20f, -1e20f, NAN, -0.0f, 2.9f, -2.9f, INFINITY, -INFINITY, 0x1p31f, -0x1p31f, 2147483520.f};
    int32_t want32[] = {INT32_MAX, INT32_MIN, 0, 0, 2, -2, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 2147483520};
    int32_t got32[11];
    vt_convert(VT_F32, fv, VT_I32, got32, 11);
    for (int k = 0; k < 11; k++) CHECK_MSG(got32[k] == want32[k], "f32 %a -> i32 %d, want %d", (double)fv[k], got32[k], want32[k]);
    uint32_t gotu[11];
    uint32_t wantu[] = {UINT32_MAX, 0, 0, 0, 2, 0, UINT32_MAX, 0, 2147483648u, 0, 2147483520u};
    vt_convert(VT_F32, fv, VT_U32, gotu, 11);
    for (int k = 0; k < 11; k++) CHECK_MSG(gotu[k] == wantu[k], "f32 %a -> ui32 %u, want %u", (double)fv[k], gotu[k], wantu[k]);
    double dv[] = {0x1p63, -0x1p63, 0x1.fffffffffffffp62, -0x1.0000000000001p63, 1e300, NAN, 0x1p64, -1.5};
    int64_t want64[] = {INT64_MAX, INT64_MIN, 0x7FFFFFFFFFFFFC00ll, INT64_MIN, INT64_MAX, 0, INT64_MAX, -1};
    int64_t got64[8];
    vt_convert(VT_F64, dv, VT_I64, got64, 8);
    for (int k = 0; k < 8; k++) CHECK_MSG(got64[k] == want64[k], "f64 %a -> i64 %lld", dv[k], (long long)got64[k]);
    uint64_t gotu64[8], wantu64[] = {1ull << 63, 0, 0x7FFFFFFFFFFFFC00ull, 0, UINT64_MAX, 0, UINT64_MAX, 0};
    vt_convert(VT_F64, dv, VT_U64, gotu64, 8);
    for (int k = 0; k < 8; k++) CHECK_MSG(gotu64[k] == wantu64[k], "f64 %a -> ui64 %llu", dv[k], (unsigned long long)gotu64[k]);
    /* the generic float -> int path (small floats, sub-byte and 16-bit targets) */
    uint16_t bf = 0x4B80; /* 2^24 as bf16 */
    int16_t i16;
    vt_convert(VT_BF16, &bf, VT_I16, &i16, 1);
    CHECK_EQ_INT(i16, INT16_MAX);
    bf = 0xC2F7; /* -123.5 */
    vt_convert(VT_BF16, &bf, VT_I16, &i16, 1);
    CHECK_EQ_INT(i16, -123);
    vt_convert(VT_BF16, &bf, VT_U16, &u16, 1);
    CHECK_EQ_INT(u16, 0);
    uint8_t e8m0 = 0xFE; /* 2^127 */
    vt_convert(VT_F8E8M0FNU, &e8m0, VT_I64, &i64, 1);
    CHECK(i64 == INT64_MAX);
    e8m0 = 0x7E; /* 0.5 */
    vt_convert(VT_F8E8M0FNU, &e8m0, VT_I64, &i64, 1);
    CHECK_EQ_INT(i64, 0);
}

TEST(sub_byte_integers) {
    int32_t in[] = {8, 17, 2, -1, 7, -8, -9, 0};
    uint8_t out[8];
    vt_convert(VT_I32, in, VT_I4, out, 8); /* wrap to 4 bits, sign-extended through the byte */
    uint8_t want_i4[] = {0xF8, 0x01, 0x02, 0xFF, 0x07, 0xF8, 0x07, 0x00};
    CHECK(memcmp(out, want_i4, 8) == 0);
    vt_convert(VT_I32, in, VT_U4, out, 8);
    uint8_t want_u4[] = {8, 1, 2, 15, 7, 8, 7, 0};
    CHECK(memcmp(out, want_u4, 8) == 0);
    vt_convert(VT_I32, in, VT_I2, out, 8);
    uint8_t want_i2[] = {0x00, 0x01, 0xFE, 0xFF, 0xFF, 0x00, 0xFF, 0x00};
    CHECK(memcmp(out, want_i2, 8) == 0);
    vt_convert(VT_I32, in, VT_U2, out, 8);
    uint8_t want_u2[] = {0, 1, 2, 3, 3, 0, 3, 0};
    CHECK(memcmp(out, want_u2, 8) == 0);
    vt_convert(VT_I32, in, VT_I1, out, 8);
    uint8_t want_i1[] = {1, 1, 1, 1, 1, 1, 1, 0};
    CHECK(memcmp(out, want_i1, 8) == 0);
    int64_t big = 256;
    vt_convert(VT_I64, &big, VT_I1, out, 1); /* != 0, not a truncation to the low bit */
    CHECK_EQ_INT(out[0], 1);
    CHECK(vt_dtype_check_canonical(VT_I4, want_i4, 8, NULL));
    CHECK(vt_dtype_check_canonical(VT_I2, want_i2, 8, NULL));

    /* reading: sign extension, and only the low bits of a non-canonical byte count */
    uint8_t src[] = {0xF8, 0x07, 0x17, 0x0F};
    int32_t got[4];
    vt_convert(VT_I4, src, VT_I32, got, 4);
    CHECK(got[0] == -8 && got[1] == 7 && got[2] == 7 && got[3] == -1);
    vt_convert(VT_U4, src, VT_I32, got, 4);
    CHECK(got[0] == 8 && got[1] == 7 && got[2] == 7 && got[3] == 15);
    uint8_t bsrc[] = {0, 1};
    float bf[2];
    vt_convert(VT_I1, bsrc, VT_F32, bf, 2);
    CHECK(bf[0] == 0 && bf[1] == 1);
    uint8_t e8[2];
    vt_convert(VT_I1, bsrc, VT_F8E8M0FNU, e8, 2);
    CHECK(e8[0] == 0xFF && e8[1] == 0x7F); /* 0 has no E8M0 encoding: NaN */
    vt_convert(VT_U2, (uint8_t[]){3}, VT_F4E2M1FN, e8, 1);
    CHECK_EQ_INT(e8[0], 0x5); /* 3.0 */

    /* float -> sub-byte int saturates to the narrow range */
    float fv[] = {100.f, -100.f, -3.5f, 3.9f, NAN, -0.5f};
    vt_convert(VT_F32, fv, VT_I4, out, 6);
    uint8_t want_fi4[] = {0x07, 0xF8, 0xFD, 0x03, 0x00, 0x00};
    CHECK(memcmp(out, want_fi4, 6) == 0);
    vt_convert(VT_F32, fv, VT_U2, out, 6);
    uint8_t want_fu2[] = {3, 0, 0, 3, 0, 0};
    CHECK(memcmp(out, want_fu2, 6) == 0);
    vt_convert(VT_F32, fv, VT_I1, out, 6);
    uint8_t want_fb[] = {1, 1, 1, 1, 1, 1};
    CHECK(memcmp(out, want_fb, 6) == 0);
    float z[2] = {0.0f, -0.0f};
    vt_convert(VT_F32, z, VT_I1, out, 2);
    CHECK(out[0] == 0 && out[1] == 0);
}

/* ---- complex -------------------------------------------------------------------------------------- */
TEST(complex_rules) {
    float c[6] = {1.5f, 2.5f, 0.0f, 1.0f, 0.0f, -0.0f};
    float re[3];
    vt_convert(VT_C64, c, VT_F32, re, 3);
    CHECK(re[0] == 1.5f && re[1] == 0 && re[2] == 0);
    int32_t iv[3];
    vt_convert(VT_C64, c, VT_I32, iv, 3);
    CHECK(iv[0] == 1 && iv[1] == 0 && iv[2] == 0);
    uint8_t b[3];
    vt_convert(VT_C64, c, VT_I1, b, 3);
    CHECK(b[0] == 1 && b[1] == 0 && b[2] == 0); /* the real part only: (0, 1) -> false, as XLA */
    double cd[6];
    vt_convert(VT_C64, c, VT_C128, cd, 3);
    CHECK(cd[0] == 1.5 && cd[1] == 2.5 && cd[3] == 1.0 && signbit(cd[5]));
    double cr[2] = {1 + 0x1p-24 + 0x1p-50, -(1 + 0x1p-24)};
    float cf[2];
    vt_convert(VT_C128, cr, VT_C64, cf, 1);
    CHECK(cf[0] == 1 + 0x1p-23f && cf[1] == -1.0f);
    uint16_t h;
    vt_convert(VT_C128, cr, VT_BF16, &h, 1);
    CHECK_EQ_INT(h, 0x3F80);
    float r2[2] = {3.0f, -4.0f};
    float out[4];
    vt_convert(VT_F32, r2, VT_C64, out, 2);
    CHECK(out[0] == 3 && out[1] == 0 && !signbit(out[1]) && out[2] == -4 && out[3] == 0);
    int64_t big = ((int64_t)1 << 60) + ((int64_t)1 << 36) + 1;
    vt_convert(VT_I64, &big, VT_C64, out, 1);
    CHECK((double)out[0] == 0x1p60 + 0x1p37 && out[1] == 0);
    double dd[4];
    uint8_t f8 = 0x38; /* 1.0 in e4m3fn */
    vt_convert(VT_F8E4M3FN, &f8, VT_C128, dd, 1);
    CHECK(dd[0] == 1.0 && dd[1] == 0);
    vt_convert(VT_C128, cr, VT_F8E4M3FN, &f8, 1);
    CHECK_EQ_INT(f8, 0x38);
    uint8_t u4;
    vt_convert(VT_C128, cr, VT_U4, &u4, 1);
    CHECK_EQ_INT(u4, 1);
}

/* ---- the single-element helpers ---------------------------------------------------------------------- */
TEST(element_helpers) {
    uint8_t buf[16];
    vt_store_f64(VT_BF16, buf, 1 + 0x1p-8 + 0x1p-40);
    CHECK_EQ_INT(buf[0] | buf[1] << 8, 0x3F81);
    CHECK(vt_load_f64(VT_BF16, buf) == 1 + 0x1p-7);
    vt_store_f64(VT_I8, buf, 1000.7);
    CHECK_EQ_INT((int8_t)buf[0], 127);
    vt_store_f64(VT_I1, buf, NAN);
    CHECK_EQ_INT(buf[0], 1);
    vt_store_f64(VT_C64, buf, 2.5);
    float cf[2];
    memcpy(cf, buf, 8);
    CHECK(cf[0] == 2.5f && cf[1] == 0);
    CHECK(vt_load_f64(VT_C64, buf) == 2.5);
    vt_store_i64(VT_I4, buf, -9);
    CHECK_EQ_INT(buf[0], 0x07);
    CHECK_EQ_INT(vt_load_i64(VT_I4, buf), 7);
    vt_store_i64(VT_F32, buf, ((int64_t)1 << 60) + ((int64_t)1 << 36) + 1);
    CHECK(vt_load_f64(VT_F32, buf) == 0x1p60 + 0x1p37);
    vt_store_u64(VT_U8, buf, 511);
    CHECK_EQ_INT(buf[0], 255);
    CHECK(vt_load_u64(VT_U8, buf) == 255);
    vt_store_u64(VT_I64, buf, UINT64_MAX);
    CHECK_EQ_INT(vt_load_i64(VT_I64, buf), -1);
    CHECK(vt_load_u64(VT_I64, buf) == UINT64_MAX);
    vt_store_u64(VT_F16, buf, 70000);
    CHECK_EQ_INT(buf[0] | buf[1] << 8, 0x7C00);
    vt_store_f64(VT_F64, buf, -1e300);
    CHECK_EQ_INT(vt_load_i64(VT_F64, buf), INT64_MIN);
    CHECK(vt_load_u64(VT_F64, buf) == 0);
    vt_store_f64(VT_F32, buf, 3e9);
    CHECK(vt_load_u64(VT_F32, buf) == 3000000000ull);
    CHECK_EQ_INT(vt_load_i64(VT_F32, buf), 3000000000ll);
    vt_store_f64(VT_F8E8M0FNU, buf, 0.25);
    CHECK_EQ_INT(buf[0], 0x7D);
    CHECK(vt_load_f64(VT_F8E8M0FNU, buf) == 0.25);
    buf[0] = 1;
    CHECK_EQ_INT(vt_load_i64(VT_I1, buf), 1);
    CHECK(vt_load_f64(VT_DTYPE_INVALID, buf) == 0); /* invalid types convert nothing */
}

/* Every pair of the 30 types on values each can hold exactly; in place, unaligned and n == 0. */
TEST(all_pairs) {
    for (int s = 0; s < VT_DTYPE_COUNT; s++) {
        for (int d = 0; d < VT_DTYPE_COUNT; d++) {
            unsigned char sb[64] = {0}, db[64] = {0};
            /* value 1 exists in every type */
            vt_store_i64((vt_dtype)s, sb + 1, 1);
            vt_convert((vt_dtype)s, sb + 1, (vt_dtype)d, db + 3, 1); /* unaligned on purpose */
            CHECK_MSG(vt_load_f64((vt_dtype)d, db + 3) == 1.0, "%s -> %s: 1 became %g",
                      vt_dtype_name((vt_dtype)s), vt_dtype_name((vt_dtype)d), vt_load_f64((vt_dtype)d, db + 3));
            /* value 3 where both types hold it (not i1, i2, f8E8M0FNU) */
            bool s3 = s != VT_I1 && s != VT_I2 && s != VT_F8E8M0FNU;
            bool d3 = d != VT_I1 && d != VT_I2 && d != VT_F8E8M0FNU;
            if (s3 && d3) {
                vt_store_i64((vt_dtype)s, sb + 1, 3);
                vt_convert((vt_dtype)s, sb + 1, (vt_dtype)d, db + 3, 1);
                CHECK_MSG(vt_load_f64((vt_dtype)d, db + 3) == 3.0, "%s -> %s: 3", vt_dtype_name((vt_dtype)s),
                          vt_dtype_name((vt_dtype)d));
            }
            /* n == 0 writes nothing */
            memset(db, 0xAB, sizeof db);
            vt_convert((vt_dtype)s, sb, (vt_dtype)d, db, 0);
            CHECK(db[0] == 0xAB);
        }
    }
    /* same type in place */
    float v[3] = {1, 2, 3};
    vt_convert(VT_F32, v, VT_F32, v, 3);
    CHECK(v[0] == 1 && v[2] == 3);
    /* invalid types: nothing written */
    unsigned char out[8];
    memset(out, 0x5A, sizeof out);
    vt_convert(VT_DTYPE_INVALID, v, VT_F32, out, 1);
    vt_convert(VT_F32, v, (vt_dtype)VT_DTYPE_COUNT, out, 1);
    CHECK(out[0] == 0x5A);
}

/* The bulk loops agree with element-by-element conversion on long unaligned arrays. */
TEST(bulk_matches_elementwise) {
    vt_dtype pairs[][2] = {{VT_F32, VT_BF16}, {VT_BF16, VT_F32}, {VT_F32, VT_F16}, {VT_F16, VT_F32},
                           {VT_F64, VT_F32}, {VT_F32, VT_F64}, {VT_F64, VT_BF16}, {VT_F64, VT_F16},
                           {VT_BF16, VT_F64}, {VT_F16, VT_F64}, {VT_I32, VT_F32}, {VT_F32, VT_I32},
                           {VT_I16, VT_I64}, {VT_U32, VT_I32}, {VT_F32, VT_F8E4M3FN}, {VT_C64, VT_C128},
                           /* one-byte sources: the lookup-table path */
                           {VT_I4, VT_F32}, {VT_F8E4M3FN, VT_BF16}, {VT_F8E8M0FNU, VT_C128},
                           {VT_U2, VT_I64}, {VT_F4E2M1FN, VT_F16}, {VT_I1, VT_F8E5M2},
                           {VT_F8E5M2FNUZ, VT_F8E4M3}, {VT_F6E3M2FN, VT_U4}};
    enum { N = 1001 };
    unsigned char *src = malloc(N * 16 + 1), *a = malloc(N * 16 + 1), *b = malloc(N * 16 + 1);
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        vt_dtype st = pairs[p][0], dt = pairs[p][1];
        size_t ss = vt_dtype_size(st), ds = vt_dtype_size(dt);
        for (size_t i = 0; i < N * 16 + 1; i++) src[i] = (unsigned char)rnd64();
        vt_convert(st, src + 1, dt, a + 1, N);
        for (size_t i = 0; i < N; i++) vt_convert(st, src + 1 + i * ss, dt, b + 1 + i * ds, 1);
        CHECK_MSG(memcmp(a + 1, b + 1, N * ds) == 0, "%s -> %s bulk differs", vt_dtype_name(st), vt_dtype_name(dt));
    }
    free(src);
    free(a);
    free(b);
}

/* Random f32 and f64 inputs into every small format, against the reference. */
TEST(random_inputs_every_small_format) {
    enum { N = 20000 };
    int bad = 0;
    for (int i = 0; i < N; i++) {
        uint64_t r = rnd64();
        float x32 = i % 2 ? f32_of((uint32_t)r) : (float)ldexp((double)(r >> 40), (int)(r % 48) - 40);
        double x64 = i % 3 ? f64_of(r) : ldexp((double)(r >> 11), (int)(r % 64) - 80);
        if (i & 4) { x32 = -x32; x64 = -x64; }
        for (size_t k = 0; k < NFORMATS; k++) {
            const rfmt *f = &formats[k];
            unsigned g32 = conv_to_small(VT_F32, &x32, f->t), g64 = conv_to_small(VT_F64, &x64, f->t);
            unsigned w32 = ref_round(f, &tables[k], (double)x32), w64 = ref_round(f, &tables[k], x64);
            if (f->flav == R_IEEE && isnan(x32)) w32 = g32 == w32 || is_nan_enc(f, g32) ? g32 : w32;
            if (f->flav == R_IEEE && isnan(x64)) w64 = is_nan_enc(f, g64) ? g64 : w64;
            if ((g32 != w32 || g64 != w64) && bad++ < 5)
                CHECK_MSG(false, "%s: f32 %a -> 0x%x want 0x%x; f64 %a -> 0x%x want 0x%x", vt_dtype_name(f->t),
                          (double)x32, g32, w32, x64, g64, w64);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* Random bytes through all 900 pairs: bulk equals element-by-element (and runs clean under the
 * sanitizers), and sub-byte outputs are canonical whatever the input bytes were. */
TEST(random_bytes_all_pairs) {
    enum { N = 600 };
    unsigned char *src = malloc(N * 16), *a = malloc(N * 16), *b = malloc(N * 16);
    for (int st = 0; st < VT_DTYPE_COUNT; st++) {
        for (int dt = 0; dt < VT_DTYPE_COUNT; dt++) {
            size_t ss = vt_dtype_size((vt_dtype)st), ds = vt_dtype_size((vt_dtype)dt);
            for (size_t i = 0; i < N * 16; i++) src[i] = (unsigned char)rnd64();
            vt_convert((vt_dtype)st, src, (vt_dtype)dt, a, N);
            for (size_t i = 0; i < N; i++) vt_convert((vt_dtype)st, src + i * ss, (vt_dtype)dt, b + i * ds, 1);
            CHECK_MSG(memcmp(a, b, N * ds) == 0, "%s -> %s: bulk differs", vt_dtype_name((vt_dtype)st),
                      vt_dtype_name((vt_dtype)dt));
            CHECK_MSG(vt_dtype_check_canonical((vt_dtype)dt, a, N, NULL), "%s -> %s: non-canonical output",
                      vt_dtype_name((vt_dtype)st), vt_dtype_name((vt_dtype)dt));
        }
    }
    free(src);
    free(a);
    free(b);
}

int main(void) {
    build_tables();
    RUN(every_pattern_decodes_and_round_trips);
    RUN(every_pattern_to_every_float_format);
    RUN(midpoints_plus_minus_one_ulp);
    RUN(named_boundaries);
    RUN(nan_rules);
    RUN(half_formats_random_inputs);
    RUN(f32_f64_against_hardware);
    RUN(no_double_rounding);
    RUN(random_integers_to_floats);
    RUN(integer_edges);
    RUN(sub_byte_integers);
    RUN(complex_rules);
    RUN(element_helpers);
    RUN(all_pairs);
    RUN(bulk_matches_elementwise);
    RUN(random_inputs_every_small_format);
    RUN(random_bytes_all_pairs);
    free_tables();
    return vt_test_finish();
}
