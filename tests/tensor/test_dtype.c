/* Tests of the element-type table (src/tensor/dtype.c): canonical names and aliases, sizes and
 * bit widths, kinds, float formats, and the canonical-byte check of sub-byte types. */
#include "harness.h"

static const struct {
    vt_dtype t;
    const char *name;
    size_t size;
    unsigned bits;
    vt_dtype_kind kind;
} expected[VT_DTYPE_COUNT] = {
    {VT_I1, "i1", 1, 1, VT_KIND_BOOL},
    {VT_I2, "i2", 1, 2, VT_KIND_SINT},
    {VT_I4, "i4", 1, 4, VT_KIND_SINT},
    {VT_I8, "i8", 1, 8, VT_KIND_SINT},
    {VT_I16, "i16", 2, 16, VT_KIND_SINT},
    {VT_I32, "i32", 4, 32, VT_KIND_SINT},
    {VT_I64, "i64", 8, 64, VT_KIND_SINT},
    {VT_U2, "ui2", 1, 2, VT_KIND_UINT},
    {VT_U4, "ui4", 1, 4, VT_KIND_UINT},
    {VT_U8, "ui8", 1, 8, VT_KIND_UINT},
    {VT_U16, "ui16", 2, 16, VT_KIND_UINT},
    {VT_U32, "ui32", 4, 32, VT_KIND_UINT},
    {VT_U64, "ui64", 8, 64, VT_KIND_UINT},
    {VT_F4E2M1FN, "f4E2M1FN", 1, 4, VT_KIND_FLOAT},
    {VT_F6E2M3FN, "f6E2M3FN", 1, 6, VT_KIND_FLOAT},
    {VT_F6E3M2FN, "f6E3M2FN", 1, 6, VT_KIND_FLOAT},
    {VT_F8E3M4, "f8E3M4", 1, 8, VT_KIND_FLOAT},
    {VT_F8E4M3, "f8E4M3", 1, 8, VT_KIND_FLOAT},
    {VT_F8E4M3FN, "f8E4M3FN", 1, 8, VT_KIND_FLOAT},
    {VT_F8E4M3FNUZ, "f8E4M3FNUZ", 1, 8, VT_KIND_FLOAT},
    {VT_F8E4M3B11FNUZ, "f8E4M3B11FNUZ", 1, 8, VT_KIND_FLOAT},
    {VT_F8E5M2, "f8E5M2", 1, 8, VT_KIND_FLOAT},
    {VT_F8E5M2FNUZ, "f8E5M2FNUZ", 1, 8, VT_KIND_FLOAT},
    {VT_F8E8M0FNU, "f8E8M0FNU", 1, 8, VT_KIND_FLOAT},
    {VT_BF16, "bf16", 2, 16, VT_KIND_FLOAT},
    {VT_F16, "f16", 2, 16, VT_KIND_FLOAT},
    {VT_F32, "f32", 4, 32, VT_KIND_FLOAT},
    {VT_F64, "f64", 8, 64, VT_KIND_FLOAT},
    {VT_C64, "complex<f32>", 8, 64, VT_KIND_COMPLEX},
    {VT_C128, "complex<f64>", 16, 128, VT_KIND_COMPLEX},
};

TEST(names_sizes_kinds) {
    for (int i = 0; i < VT_DTYPE_COUNT; i++) {
        vt_dtype t = expected[i].t;
        CHECK_EQ_INT(t, i);
        CHECK_STR(vt_dtype_name(t), expected[i].name);
        CHECK_EQ_INT(vt_dtype_from_name(expected[i].name), t);
        CHECK_EQ_INT(vt_dtype_from_name(vt_dtype_name(t)), t);
        CHECK_EQ_INT(vt_dtype_size(t), expected[i].size);
        CHECK_EQ_INT(vt_dtype_bits(t), expected[i].bits);
        CHECK_EQ_INT(vt_dtype_kind_of(t), expected[i].kind);
        CHECK_EQ_INT(vt_dtype_is_float(t), expected[i].kind == VT_KIND_FLOAT);
        CHECK_EQ_INT(vt_dtype_is_complex(t), expected[i].kind == VT_KIND_COMPLEX);
        CHECK_EQ_INT(vt_dtype_is_int(t), expected[i].kind == VT_KIND_SINT || expected[i].kind == VT_KIND_UINT);
        CHECK_EQ_INT(vt_float_format_of(t) != NULL, expected[i].kind == VT_KIND_FLOAT);
        /* storage holds the logical bits: one byte per sub-byte element */
        CHECK(vt_dtype_size(t) * 8 >= vt_dtype_bits(t));
        /* the _n variant stops at n */
        char buf[32];
        snprintf(buf, sizeof buf, "%s>xyz", expected[i].name);
        CHECK_EQ_INT(vt_dtype_from_name_n(buf, strlen(expected[i].name)), t);
    }
    CHECK_EQ_INT(vt_complex_part_dtype(VT_C64), VT_F32);
    CHECK_EQ_INT(vt_complex_part_dtype(VT_C128), VT_F64);
    CHECK_EQ_INT(vt_complex_part_dtype(VT_F32), VT_DTYPE_INVALID);
}

TEST(aliases) {
    const struct { const char *alias; vt_dtype t; } a[] = {
        {"si2", VT_I2}, {"si4", VT_I4}, {"si8", VT_I8}, {"si16", VT_I16}, {"si32", VT_I32}, {"si64", VT_I64},
        {"u2", VT_U2}, {"u4", VT_U4}, {"u8", VT_U8}, {"u16", VT_U16}, {"u32", VT_U32}, {"u64", VT_U64},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        CHECK_EQ_INT(vt_dtype_from_name(a[i].alias), a[i].t);
        /* the canonical spelling is never the alias */
        CHECK(strcmp(vt_dtype_name(a[i].t), a[i].alias) != 0);
    }
}

TEST(unknown_and_hostile_names) {
    const char *bad[] = {"", "f", "F32", "f33", "i3", "si1", "ui1", "u1", "complex<f16>", "complex<f32",
                         "complex", "f8E4M3fn", "f8e4m3fn", "bfloat16", "float32", "i32 ", " i32",
                         "i320", "f8E8M0FN", "f8E4M3FNUZX", "invalid"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(vt_dtype_from_name(bad[i]) == VT_DTYPE_INVALID, "\"%s\" was accepted", bad[i]);
    /* embedded NUL and prefixes through the _n variant */
    CHECK_EQ_INT(vt_dtype_from_name_n("f32\0", 4), VT_DTYPE_INVALID);
    CHECK_EQ_INT(vt_dtype_from_name_n("f32", 2), VT_DTYPE_INVALID);
    CHECK_EQ_INT(vt_dtype_from_name_n("f32", 0), VT_DTYPE_INVALID);
    char longname[4096];
    memset(longname, 'f', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK_EQ_INT(vt_dtype_from_name(longname), VT_DTYPE_INVALID);
    /* invalid type values are answered, not crashed on */
    vt_dtype inv[] = {VT_DTYPE_INVALID, VT_DTYPE_COUNT, (vt_dtype)1000};
    for (size_t i = 0; i < 3; i++) {
        CHECK_STR(vt_dtype_name(inv[i]), "invalid");
        CHECK_EQ_INT(vt_dtype_size(inv[i]), 0);
        CHECK_EQ_INT(vt_dtype_bits(inv[i]), 0);
        CHECK(!vt_dtype_is_float(inv[i]) && !vt_dtype_is_int(inv[i]) && !vt_dtype_is_complex(inv[i]));
        CHECK(vt_float_format_of(inv[i]) == NULL);
        CHECK(vt_dtype_check_canonical(inv[i], "x", 1, NULL));
    }
}

TEST(float_formats) {
    const struct { vt_dtype t; unsigned e, m; int bias; bool inf, nan, nuz, fn, sign; } f[] = {
        {VT_F4E2M1FN, 2, 1, 1, false, false, false, false, true},
        {VT_F6E2M3FN, 2, 3, 1, false, false, false, false, true},
        {VT_F6E3M2FN, 3, 2, 3, false, false, false, false, true},
        {VT_F8E3M4, 3, 4, 3, true, true, false, false, true},
        {VT_F8E4M3, 4, 3, 7, true, true, false, false, true},
        {VT_F8E4M3FN, 4, 3, 7, false, true, false, true, true},
        {VT_F8E4M3FNUZ, 4, 3, 8, false, true, true, false, true},
        {VT_F8E4M3B11FNUZ, 4, 3, 11, false, true, true, false, true},
        {VT_F8E5M2, 5, 2, 15, true, true, false, false, true},
        {VT_F8E5M2FNUZ, 5, 2, 16, false, true, true, false, true},
        {VT_F8E8M0FNU, 8, 0, 127, false, true, false, true, false},
        {VT_BF16, 8, 7, 127, true, true, false, false, true},
        {VT_F16, 5, 10, 15, true, true, false, false, true},
        {VT_F32, 8, 23, 127, true, true, false, false, true},
        {VT_F64, 11, 52, 1023, true, true, false, false, true},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const vt_float_format *ff = vt_float_format_of(f[i].t);
        if (!ff) { CHECK_MSG(false, "%s has no format", vt_dtype_name(f[i].t)); continue; }
        CHECK_MSG(ff->exp_bits == f[i].e && ff->mant_bits == f[i].m && ff->bias == f[i].bias,
                  "%s: E%uM%u bias %d", vt_dtype_name(f[i].t), ff->exp_bits, ff->mant_bits, ff->bias);
        CHECK_MSG(ff->has_inf == f[i].inf && ff->has_nan == f[i].nan && ff->nan_is_neg_zero == f[i].nuz &&
                      ff->fn_nan_all_ones == f[i].fn && ff->has_sign == f[i].sign,
                  "%s: special-value flags", vt_dtype_name(f[i].t));
        /* sign + exponent + mantissa = logical width */
        CHECK_EQ_INT(ff->exp_bits + ff->mant_bits + (ff->has_sign ? 1u : 0u), vt_dtype_bits(f[i].t));
    }
}

TEST(canonical_bytes) {
    size_t bad = 99;
    uint8_t i4_ok[] = {0x00, 0x07, 0xF8, 0xFF};
    CHECK(vt_dtype_check_canonical(VT_I4, i4_ok, 4, &bad));
    uint8_t i4_bad[] = {0x00, 0x08};
    CHECK(!vt_dtype_check_canonical(VT_I4, i4_bad, 2, &bad));
    CHECK_EQ_INT(bad, 1);
    uint8_t i4_bad2[] = {0xF7};
    CHECK(!vt_dtype_check_canonical(VT_I4, i4_bad2, 1, &bad));
    CHECK_EQ_INT(bad, 0);
    uint8_t i2[] = {0xFE, 0xFF, 0x00, 0x01, 0x02};
    CHECK(!vt_dtype_check_canonical(VT_I2, i2, 5, &bad));
    CHECK_EQ_INT(bad, 4);
    CHECK(vt_dtype_check_canonical(VT_I2, i2, 4, NULL));
    uint8_t u4[] = {0x0F, 0x10};
    CHECK(!vt_dtype_check_canonical(VT_U4, u4, 2, &bad));
    CHECK_EQ_INT(bad, 1);
    uint8_t u2[] = {3, 4};
    CHECK(!vt_dtype_check_canonical(VT_U2, u2, 2, &bad));
    CHECK_EQ_INT(bad, 1);
    uint8_t b[] = {0, 1, 2};
    CHECK(!vt_dtype_check_canonical(VT_I1, b, 3, &bad));
    CHECK_EQ_INT(bad, 2);
    uint8_t f4[] = {0x0F, 0x10};
    CHECK(!vt_dtype_check_canonical(VT_F4E2M1FN, f4, 2, &bad));
    CHECK_EQ_INT(bad, 1);
    uint8_t f6[] = {0x3F, 0x40};
    CHECK(!vt_dtype_check_canonical(VT_F6E2M3FN, f6, 2, &bad));
    CHECK(!vt_dtype_check_canonical(VT_F6E3M2FN, f6, 2, &bad));
    CHECK_EQ_INT(bad, 1);
    /* full-byte types always pass, and an empty array passes */
    uint8_t any[] = {0xFF, 0x80};
    CHECK(vt_dtype_check_canonical(VT_I8, any, 2, &bad));
    CHECK(vt_dtype_check_canonical(VT_F8E4M3FN, any, 2, &bad));
    CHECK(vt_dtype_check_canonical(VT_I4, NULL, 0, &bad));
    /* conversions always produce canonical bytes */
    int32_t vals[] = {-100, -9, -8, -1, 0, 1, 7, 8, 100, 255, 256};
    uint8_t out[11];
    vt_dtype sub[] = {VT_I1, VT_I2, VT_I4, VT_U2, VT_U4};
    for (size_t k = 0; k < 5; k++) {
        vt_convert(VT_I32, vals, sub[k], out, 11);
        CHECK_MSG(vt_dtype_check_canonical(sub[k], out, 11, NULL), "%s", vt_dtype_name(sub[k]));
    }
    float fv[] = {-1e9f, -7.5f, -0.0f, 0.1f, 3.0f, 1e9f};
    vt_dtype subf[] = {VT_F4E2M1FN, VT_F6E2M3FN, VT_F6E3M2FN, VT_I4, VT_U2};
    for (size_t k = 0; k < 5; k++) {
        vt_convert(VT_F32, fv, subf[k], out, 6);
        CHECK_MSG(vt_dtype_check_canonical(subf[k], out, 6, NULL), "%s", vt_dtype_name(subf[k]));
    }
}

int main(void) {
    RUN(names_sizes_kinds);
    RUN(aliases);
    RUN(unknown_and_hostile_names);
    RUN(float_formats);
    RUN(canonical_bytes);
    return vt_test_finish();
}
