/* Shared table of the pretty forms' keyword attributes (`dims = [..]`, `dim = 0`, ...), read
 * by parser_pretty.c and printer_pretty.c so both directions agree. */
#ifndef VT_HLO_PRETTY_H
#define VT_HLO_PRETTY_H

#include "veritor/hlo.h"

typedef enum vt_kw_kind {
    KW_I64ARR,  /* [1, 2] <-> array<i64: 1, 2> */
    KW_I64,     /* 0 <-> 0 : i64 */
    KW_ENUM,    /* FFT <-> #stablehlo<fft_type FFT> */
    KW_STRING,  /* "x" <-> "x" */
    KW_FORMAT   /* e5m10 <-> exponent_bits = 5 : i32, mantissa_bits = 10 : i32 */
} vt_kw_kind;

typedef struct vt_kw_spec {
    vt_opcode op;
    const char *keyword;
    const char *attr;      /* the spec's attribute name */
    vt_kw_kind kind;
    const char *enum_name; /* KW_ENUM: "fft_type" */
} vt_kw_spec;

extern const vt_kw_spec vt_kw_specs[];
extern const size_t vt_kw_nspecs;
const vt_kw_spec *vt_kw_find(vt_opcode op, const char *kw, size_t n);
const vt_kw_spec *vt_kw_find_attr(vt_opcode op, const char *attr);

#endif
