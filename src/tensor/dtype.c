/* The element-type table: canonical StableHLO spellings, storage sizes, kinds and float formats.
 * One table so that names, sizes and formats can never disagree. */
#include "veritor/tensor.h"

#include <string.h>

typedef struct dtype_info {
    const char *name;
    unsigned bits;
    size_t size;
    vt_dtype_kind kind;
    vt_float_format fmt; /* exp_bits == 0 for non-floats */
} dtype_info;

/*                                     exp mant bias  inf    nan    nuz    fn     sign */
#define IEEE(e, m, b) {e, m, b, true, true, false, false, true}
#define FN(e, m, b) {e, m, b, false, true, false, true, true}
#define FINITE(e, m, b) {e, m, b, false, false, false, false, true}
#define FNUZ(e, m, b) {e, m, b, false, true, true, false, true}
#define NOFLOAT {0, 0, 0, false, false, false, false, false}

static const dtype_info table[VT_DTYPE_COUNT] = {
    [VT_I1] = {"i1", 1, 1, VT_KIND_BOOL, NOFLOAT},
    [VT_I2] = {"i2", 2, 1, VT_KIND_SINT, NOFLOAT},
    [VT_I4] = {"i4", 4, 1, VT_KIND_SINT, NOFLOAT},
    [VT_I8] = {"i8", 8, 1, VT_KIND_SINT, NOFLOAT},
    [VT_I16] = {"i16", 16, 2, VT_KIND_SINT, NOFLOAT},
    [VT_I32] = {"i32", 32, 4, VT_KIND_SINT, NOFLOAT},
    [VT_I64] = {"i64", 64, 8, VT_KIND_SINT, NOFLOAT},
    [VT_U2] = {"ui2", 2, 1, VT_KIND_UINT, NOFLOAT},
    [VT_U4] = {"ui4", 4, 1, VT_KIND_UINT, NOFLOAT},
    [VT_U8] = {"ui8", 8, 1, VT_KIND_UINT, NOFLOAT},
    [VT_U16] = {"ui16", 16, 2, VT_KIND_UINT, NOFLOAT},
    [VT_U32] = {"ui32", 32, 4, VT_KIND_UINT, NOFLOAT},
    [VT_U64] = {"ui64", 64, 8, VT_KIND_UINT, NOFLOAT},
    [VT_F4E2M1FN] = {"f4E2M1FN", 4, 1, VT_KIND_FLOAT, FINITE(2, 1, 1)},
    [VT_F6E2M3FN] = {"f6E2M3FN", 6, 1, VT_KIND_FLOAT, FINITE(2, 3, 1)},
    [VT_F6E3M2FN] = {"f6E3M2FN", 6, 1, VT_KIND_FLOAT, FINITE(3, 2, 3)},
    [VT_F8E3M4] = {"f8E3M4", 8, 1, VT_KIND_FLOAT, IEEE(3, 4, 3)},
    [VT_F8E4M3] = {"f8E4M3", 8, 1, VT_KIND_FLOAT, IEEE(4, 3, 7)},
    [VT_F8E4M3FN] = {"f8E4M3FN", 8, 1, VT_KIND_FLOAT, FN(4, 3, 7)},
    [VT_F8E4M3FNUZ] = {"f8E4M3FNUZ", 8, 1, VT_KIND_FLOAT, FNUZ(4, 3, 8)},
    [VT_F8E4M3B11FNUZ] = {"f8E4M3B11FNUZ", 8, 1, VT_KIND_FLOAT, FNUZ(4, 3, 11)},
    [VT_F8E5M2] = {"f8E5M2", 8, 1, VT_KIND_FLOAT, IEEE(5, 2, 15)},
    [VT_F8E5M2FNUZ] = {"f8E5M2FNUZ", 8, 1, VT_KIND_FLOAT, FNUZ(5, 2, 16)},
    /* E8M0: exponent only, no sign, no zero, no inf; 0xFF is NaN. */
    [VT_F8E8M0FNU] = {"f8E8M0FNU", 8, 1, VT_KIND_FLOAT, {8, 0, 127, false, true, false, true, false}},
    [VT_BF16] = {"bf16", 16, 2, VT_KIND_FLOAT, IEEE(8, 7, 127)},
    [VT_F16] = {"f16", 16, 2, VT_KIND_FLOAT, IEEE(5, 10, 15)},
    [VT_F32] = {"f32", 32, 4, VT_KIND_FLOAT, IEEE(8, 23, 127)},
    [VT_F64] = {"f64", 64, 8, VT_KIND_FLOAT, IEEE(11, 52, 1023)},
    [VT_C64] = {"complex<f32>", 64, 8, VT_KIND_COMPLEX, NOFLOAT},
    [VT_C128] = {"complex<f64>", 128, 16, VT_KIND_COMPLEX, NOFLOAT},
};

static bool valid(vt_dtype t) { return (int)t >= 0 && t < VT_DTYPE_COUNT; }

const char *vt_dtype_name(vt_dtype t) { return valid(t) ? table[t].name : "invalid"; }
size_t vt_dtype_size(vt_dtype t) { return valid(t) ? table[t].size : 0; }
unsigned vt_dtype_bits(vt_dtype t) { return valid(t) ? table[t].bits : 0; }
vt_dtype_kind vt_dtype_kind_of(vt_dtype t) { return valid(t) ? table[t].kind : VT_KIND_BOOL; }
bool vt_dtype_is_float(vt_dtype t) { return valid(t) && table[t].kind == VT_KIND_FLOAT; }
bool vt_dtype_is_int(vt_dtype t) {
    return valid(t) && (table[t].kind == VT_KIND_SINT || table[t].kind == VT_KIND_UINT);
}
bool vt_dtype_is_complex(vt_dtype t) { return valid(t) && table[t].kind == VT_KIND_COMPLEX; }
vt_dtype vt_complex_part_dtype(vt_dtype t) {
    return t == VT_C64 ? VT_F32 : t == VT_C128 ? VT_F64 : VT_DTYPE_INVALID;
}
const vt_float_format *vt_float_format_of(vt_dtype t) {
    return vt_dtype_is_float(t) ? &table[t].fmt : NULL;
}

vt_dtype vt_dtype_from_name_n(const char *name, size_t n) {
    for (int i = 0; i < VT_DTYPE_COUNT; i++)
        if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0) return (vt_dtype)i;
    /* The spec's si* spellings and the signless/unsigned aliases StableHLO also prints. */
    static const struct { const char *alias; vt_dtype t; } aliases[] = {
        {"si2", VT_I2}, {"si4", VT_I4}, {"si8", VT_I8}, {"si16", VT_I16}, {"si32", VT_I32}, {"si64", VT_I64},
        {"u2", VT_U2}, {"u4", VT_U4}, {"u8", VT_U8}, {"u16", VT_U16}, {"u32", VT_U32}, {"u64", VT_U64},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strlen(aliases[i].alias) == n && memcmp(aliases[i].alias, name, n) == 0) return aliases[i].t;
    return VT_DTYPE_INVALID;
}

vt_dtype vt_dtype_from_name(const char *name) { return vt_dtype_from_name_n(name, strlen(name)); }

bool vt_dtype_check_canonical(vt_dtype t, const void *data, size_t nelem, size_t *bad_index) {
    if (!valid(t) || table[t].size != 1 || table[t].bits >= 8) return true;
    const uint8_t *p = data;
    unsigned bits = table[t].bits;
    for (size_t i = 0; i < nelem; i++) {
        uint8_t v = p[i];
        bool ok;
        if (table[t].kind == VT_KIND_SINT) {
            int8_t s = (int8_t)v;
            int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
            ok = s >= lo && s <= hi;
        } else {
            ok = (v >> bits) == 0; /* bool, unsigned and float encodings are zero-extended */
        }
        if (!ok) {
            if (bad_index) *bad_index = i;
            return false;
        }
    }
    return true;
}
