/* compare: EQ NE GE GT LE LT with compare_type SIGNED / UNSIGNED (integers, booleans), FLOAT
 * (IEEE quiet comparisons: NaN is unordered, -0 == +0) and TOTALORDER (IEEE totalOrder on the
 * encoding: -NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN). Complex: lexicographic. */
#include "interp/k_elementwise.h"

#include <string.h>

static const char *const dir_names[] = {"EQ", "NE", "GE", "GT", "LE", "LT"};
static const char *const type_names[] = {"NOTYPE", "SIGNED", "UNSIGNED", "FLOAT", "TOTALORDER"};

bool vt_cmp_dir_from_name(const char *name, vt_cmp_dir *dir) {
    for (int i = 0; i < 6; i++)
        if (strcmp(name, dir_names[i]) == 0) {
            *dir = (vt_cmp_dir)i;
            return true;
        }
    return false;
}

bool vt_cmp_type_from_name(const char *name, vt_cmp_type *t) {
    for (int i = 0; i < 5; i++)
        if (strcmp(name, type_names[i]) == 0) {
            *t = (vt_cmp_type)i;
            return true;
        }
    return false;
}

/* One loop per (direction, type): the direction is never a per-element switch. */
#define DEF_CMP1(SUF, T, D, OP)                                                                   \
    static void cmp_##D##_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {   \
        (void)k;                                                                                  \
        const T *a = in[0], *b = in[1];                                                           \
        uint8_t *o = out;                                                                         \
        for (size_t i = 0; i < n; i++) o[i] = (uint8_t)(a[i] OP b[i]);                            \
    }
#define DEF_CMP(SUF, T)                                                                           \
    DEF_CMP1(SUF, T, eq, ==) DEF_CMP1(SUF, T, ne, !=) DEF_CMP1(SUF, T, ge, >=)                    \
    DEF_CMP1(SUF, T, gt, >) DEF_CMP1(SUF, T, le, <=) DEF_CMP1(SUF, T, lt, <)                      \
    static const vt_k_core_fn cmp_##SUF[6] = {cmp_eq_##SUF, cmp_ne_##SUF, cmp_ge_##SUF,           \
                                              cmp_gt_##SUF, cmp_le_##SUF, cmp_lt_##SUF};
DEF_CMP(s8, int8_t)
DEF_CMP(s16, int16_t)
DEF_CMP(s32, int32_t)
DEF_CMP(s64, int64_t)
DEF_CMP(u8, uint8_t)
DEF_CMP(u16, uint16_t)
DEF_CMP(u32, uint32_t)
DEF_CMP(u64, uint64_t)
DEF_CMP(f32, float)
DEF_CMP(f64, double)
#undef DEF_CMP
#undef DEF_CMP1

/* totalOrder: map the sign-magnitude encoding to a two's complement key and compare keys. */
static inline int64_t total_key(uint64_t v, unsigned w, bool has_sign) {
    if (!has_sign) return (int64_t)v;
    uint64_t sign = (uint64_t)1 << (w - 1);
    int64_t mag = (int64_t)(v & (sign - 1));
    return (v & sign) ? -mag - 1 : mag;
}

/* Direction as a 4-bit truth table over the outcome (less, equal, greater, unordered), so the
 * loops stay branch-free with no per-element switch on the direction. */
static const uint8_t dir_mask[6] = {0x2 /* EQ */, 0xD /* NE */, 0x6 /* GE */, 0x4 /* GT */, 0x3 /* LE */,
                                    0x1 /* LT */};

#define DEF_TOT(SUF, T)                                                                           \
    static void tot_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {         \
        const T *a = in[0], *b = in[1];                                                           \
        uint8_t *o = out;                                                                         \
        unsigned w = k->bits;                                                                     \
        bool sg = vt_float_format_of(k->in_t[0])->has_sign;                                       \
        unsigned mask = dir_mask[k->aux];                                                         \
        for (size_t i = 0; i < n; i++) {                                                          \
            int64_t x = total_key(a[i], w, sg), y = total_key(b[i], w, sg);                       \
            int c = (x > y) - (x < y);                                                            \
            o[i] = (uint8_t)((mask >> (c + 1)) & 1u);                                             \
        }                                                                                         \
    }
DEF_TOT(u8, uint8_t)
DEF_TOT(u16, uint16_t)
DEF_TOT(u32, uint32_t)
DEF_TOT(u64, uint64_t)
#undef DEF_TOT

/* complex: lexicographic on (real, imag); a NaN where the decision falls is unordered (only NE
 * is true), so EQ/NE come out component-wise */
#define DEF_CCMP(SUF, T)                                                                          \
    static void ccmp_##SUF(const vt_k_op *k, const void *const *in, void *out, size_t n) {        \
        const T *a = in[0], *b = in[1];                                                           \
        uint8_t *o = out;                                                                         \
        unsigned mask = dir_mask[k->aux];                                                         \
        for (size_t i = 0; i < n; i++) {                                                          \
            T ar = a[2 * i], ai = a[2 * i + 1], br = b[2 * i], bi = b[2 * i + 1];                 \
            int idx = ar < br ? 0 : ar > br ? 2 : ar != br ? 3 : ai < bi ? 0 : ai > bi ? 2 : ai == bi ? 1 : 3; \
            o[i] = (uint8_t)((mask >> idx) & 1u);                                                 \
        }                                                                                         \
    }
DEF_CCMP(c64, float)
DEF_CCMP(c128, double)
#undef DEF_CCMP

vt_status vt_k_compare_resolve(vt_cmp_dir dir, vt_cmp_type ct, vt_dtype in, vt_k_op *k, vt_error *err) {
    memset(k, 0, sizeof *k);
    if ((unsigned)dir > VT_CMP_LT) return vt_error_set(err, VT_EINPUT, "compare: direction %d out of range", (int)dir);
    if ((unsigned)ct > VT_CMPT_TOTALORDER)
        return vt_error_set(err, VT_EINPUT, "compare: compare_type %d out of range", (int)ct);
    if ((int)in < 0 || in >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "compare: invalid element type");
    vt_dtype_kind kind = vt_dtype_kind_of(in);
    vt_cmp_type want = kind == VT_KIND_SINT ? VT_CMPT_SIGNED
                       : (kind == VT_KIND_UINT || kind == VT_KIND_BOOL) ? VT_CMPT_UNSIGNED
                                                                        : VT_CMPT_FLOAT;
    if (ct == VT_CMPT_DEFAULT) ct = want;
    bool ok = ct == want || (kind == VT_KIND_FLOAT && ct == VT_CMPT_TOTALORDER);
    if (!ok)
        return vt_error_set(err, VT_EINPUT, "compare: compare_type %s is invalid for element type %s",
                            type_names[ct], vt_dtype_name(in));
    k->name = "compare";
    k->arity = 2;
    k->in_t[0] = k->in_t[1] = k->cin_t[0] = k->cin_t[1] = in;
    k->out_t = k->cout_t = VT_I1;
    k->bits = vt_dtype_bits(in);
    k->aux = (int)dir;
    size_t es = vt_dtype_size(in);
    switch (kind) {
    case VT_KIND_BOOL:
        k->core = cmp_u8[dir];
        break;
    case VT_KIND_SINT:
        k->core = es == 1 ? cmp_s8[dir] : es == 2 ? cmp_s16[dir] : es == 4 ? cmp_s32[dir] : cmp_s64[dir];
        break;
    case VT_KIND_UINT:
        k->core = es == 1 ? cmp_u8[dir] : es == 2 ? cmp_u16[dir] : es == 4 ? cmp_u32[dir] : cmp_u64[dir];
        break;
    case VT_KIND_FLOAT:
        if (ct == VT_CMPT_TOTALORDER) {
            k->core = es == 1 ? tot_u8 : es == 2 ? tot_u16 : es == 4 ? tot_u32 : tot_u64;
        } else if (in == VT_F32) {
            k->core = cmp_f32[dir];
        } else {
            k->core = cmp_f64[dir];
            if (in != VT_F64) k->cin_t[0] = k->cin_t[1] = VT_F64; /* exact widening */
        }
        break;
    case VT_KIND_COMPLEX:
        k->core = in == VT_C64 ? ccmp_c64 : ccmp_c128;
        break;
    }
    return VT_OK;
}

vt_status vt_k_compare(vt_kctx *ctx, vt_cmp_dir dir, vt_cmp_type ct, const vt_tensor *a, const vt_tensor *b,
                       vt_tensor *out, vt_error *err) {
    if (!a || !b) return vt_error_set(err, VT_EINPUT, "compare: operand is missing");
    vt_k_op k;
    vt_status s = vt_k_compare_resolve(dir, ct, a->dtype, &k, err);
    if (s) return s;
    const vt_tensor *in[2] = {a, b};
    return vt_k_run_tensors(ctx, &k, in, 0, out, err);
}
