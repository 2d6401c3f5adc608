/* Printing of types and attributes, including dense elements (shortest round-trip decimals,
 * hex bit patterns for NaN/Inf, hex blobs for large constants) and locations. */
#include "hlo/printer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pr_dtype(vt_buf *b, vt_dtype dt) { vt_buf_puts(b, vt_dtype_name(dt)); }

/* Shortest decimal that parses back to the same double. */
static void pr_double(vt_buf *b, double v) {
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    /* the lexer needs a '.' to see a float */
    char *e = strchr(buf, 'e');
    if (!strchr(buf, '.')) {
        char tmp[48];
        if (e) snprintf(tmp, sizeof tmp, "%.*s.0%s", (int)(e - buf), buf, e);
        else snprintf(tmp, sizeof tmp, "%s.0", buf);
        vt_buf_puts(b, tmp);
        return;
    }
    vt_buf_puts(b, buf);
}

static void pr_quant(vt_buf *b, const vt_quant *q) {
    vt_buf_puts(b, "!quant.uniform<");
    pr_dtype(b, q->storage);
    if (q->has_range) vt_buf_printf(b, "<%lld:%lld>", (long long)q->storage_min, (long long)q->storage_max);
    vt_buf_puts(b, ":");
    pr_dtype(b, q->expressed);
    if (q->axis >= 0) vt_buf_printf(b, ":%d", q->axis);
    vt_buf_puts(b, ", ");
    if (q->axis >= 0) vt_buf_puts(b, "{");
    for (size_t i = 0; i < q->nscales; i++) {
        if (i) vt_buf_puts(b, ",");
        char buf[40];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, q->scales[i]);
            if (strtod(buf, NULL) == q->scales[i]) break;
        }
        if (!strchr(buf, '.') && !strchr(buf, 'e')) strcat(buf, ".0");
        vt_buf_puts(b, buf);
        if (q->zero_points[i]) vt_buf_printf(b, ":%lld", (long long)q->zero_points[i]);
    }
    if (q->axis >= 0) vt_buf_puts(b, "}");
    vt_buf_puts(b, ">");
}

void vt_type_print(vt_buf *b, const vt_type *t) {
    if (!t) {
        vt_buf_puts(b, "<<null type>>");
        return;
    }
    switch (t->kind) {
    case VT_TYPE_TENSOR:
        vt_buf_puts(b, "tensor<");
        for (int i = 0; i < t->rank; i++) {
            if (t->dims[i] == VT_DYN) vt_buf_puts(b, "?x");
            else vt_buf_printf(b, "%lldx", (long long)t->dims[i]);
        }
        if (t->quant) pr_quant(b, t->quant);
        else pr_dtype(b, t->dtype);
        if (t->bounds) {
            vt_buf_puts(b, ", #stablehlo.bounds<");
            for (int i = 0; i < t->rank; i++) {
                if (i) vt_buf_puts(b, ", ");
                if (t->bounds[i] == VT_DYN) vt_buf_puts(b, "?");
                else vt_buf_printf(b, "%lld", (long long)t->bounds[i]);
            }
            vt_buf_puts(b, ">");
        } else if (t->encoding) {
            vt_buf_puts(b, ", ");
            vt_attr_print(b, t->encoding);
        }
        vt_buf_puts(b, ">");
        return;
    case VT_TYPE_ELEMENT:
        if (t->quant) pr_quant(b, t->quant);
        else pr_dtype(b, t->dtype);
        return;
    case VT_TYPE_TOKEN: vt_buf_puts(b, "!stablehlo.token"); return;
    case VT_TYPE_TUPLE:
        vt_buf_puts(b, "tuple<");
        for (size_t i = 0; i < t->nelems; i++) {
            if (i) vt_buf_puts(b, ", ");
            vt_type_print(b, t->elems[i]);
        }
        vt_buf_puts(b, ">");
        return;
    case VT_TYPE_FUNCTION:
        vt_buf_puts(b, "(");
        for (size_t i = 0; i < t->nelems; i++) {
            if (i) vt_buf_puts(b, ", ");
            vt_type_print(b, t->elems[i]);
        }
        vt_buf_puts(b, ") -> ");
        if (t->nresults != 1 || t->results[0]->kind == VT_TYPE_FUNCTION) vt_buf_puts(b, "(");
        for (size_t i = 0; i < t->nresults; i++) {
            if (i) vt_buf_puts(b, ", ");
            vt_type_print(b, t->results[i]);
        }
        if (t->nresults != 1 || t->results[0]->kind == VT_TYPE_FUNCTION) vt_buf_puts(b, ")");
        return;
    case VT_TYPE_OPAQUE: vt_buf_puts(b, t->text ? t->text : "none"); return;
    }
}

/* ---- dense elements ---- */
static uint64_t load_bits(const uint8_t *p, size_t size) {
    uint64_t v = 0;
    for (size_t i = 0; i < size && i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void pr_real_elem(vt_buf *b, vt_dtype dt, const uint8_t *p) {
    if (dt == VT_I1) {
        vt_buf_puts(b, p[0] ? "true" : "false");
        return;
    }
    if (vt_dtype_is_float(dt)) {
        double v = vt_load_f64(dt, p);
        size_t es = vt_dtype_size(dt);
        if (!isfinite(v)) {
            unsigned bits = vt_dtype_bits(dt);
            int digits = (int)((bits + 3) / 4);
            vt_buf_printf(b, "0x%0*llX", digits, (unsigned long long)load_bits(p, es));
            return;
        }
        /* shortest decimal that rounds back to the same element */
        char buf[40];
        uint8_t back[16];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            memset(back, 0, sizeof back);
            vt_store_f64(dt, back, strtod(buf, NULL));
            if (memcmp(back, p, es) == 0) break;
        }
        char *e = strchr(buf, 'e');
        if (!strchr(buf, '.')) {
            if (e) vt_buf_printf(b, "%.*s.0%s", (int)(e - buf), buf, e);
            else vt_buf_printf(b, "%s.0", buf);
        } else {
            vt_buf_puts(b, buf);
        }
        return;
    }
    if (vt_dtype_kind_of(dt) == VT_KIND_UINT) vt_buf_printf(b, "%llu", (unsigned long long)vt_load_u64(dt, p));
    else vt_buf_printf(b, "%lld", (long long)vt_load_i64(dt, p));
}

static void pr_elem(vt_buf *b, vt_dtype dt, const uint8_t *p) {
    if (vt_dtype_is_complex(dt)) {
        vt_dtype part = vt_complex_part_dtype(dt);
        vt_buf_puts(b, "(");
        pr_real_elem(b, part, p);
        vt_buf_puts(b, ", ");
        pr_real_elem(b, part, p + vt_dtype_size(part));
        vt_buf_puts(b, ")");
        return;
    }
    pr_real_elem(b, dt, p);
}

static void pr_dense_body(vt_buf *b, const vt_attr *a) {
    const vt_tensor *t = a->tensor;
    if (!t) return;
    vt_dtype dt = t->dtype;
    size_t es = vt_dtype_size(dt);
    const uint8_t *d = t->data;
    if (a->splat) {
        pr_elem(b, dt, d);
        return;
    }
    if (t->nelem == 0) return;
    if (t->nbytes > 128) {
        static const char hx[] = "0123456789ABCDEF";
        vt_buf_puts(b, "\"0x");
        char chunk[512];
        size_t k = 0;
        for (size_t i = 0; i < t->nbytes; i++) {
            chunk[k++] = hx[d[i] >> 4];
            chunk[k++] = hx[d[i] & 15];
            if (k == sizeof chunk) {
                vt_buf_append(b, chunk, k);
                k = 0;
            }
        }
        vt_buf_append(b, chunk, k);
        vt_buf_puts(b, "\"");
        return;
    }
    int rank = t->rank;
    if (rank == 0) {
        pr_elem(b, dt, d);
        return;
    }
    /* nested lists: open brackets as indices roll over */
    int64_t idx[VT_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++) vt_buf_puts(b, "[");
    for (size_t e = 0; e < t->nelem; e++) {
        if (e) {
            /* how many dims rolled over */
            int k = rank - 1;
            while (k >= 0 && idx[k] == 0) k--;
            int closed = rank - 1 - k;
            for (int i = 0; i < closed; i++) vt_buf_puts(b, "]");
            vt_buf_puts(b, ", ");
            for (int i = 0; i < closed; i++) vt_buf_puts(b, "[");
        }
        pr_elem(b, dt, d + e * es);
        for (int k = rank - 1; k >= 0; k--) {
            if (++idx[k] < t->dims[k]) break;
            idx[k] = 0;
        }
    }
    for (int i = 0; i < rank; i++) vt_buf_puts(b, "]");
}

/* ---- locations ---- */
static void pr_loc_body(vt_buf *b, const vt_attr *a) {
    switch (a->loc_kind) {
    case VT_LOC_UNKNOWN: vt_buf_puts(b, "unknown"); return;
    case VT_LOC_FILE:
        vt_pr_string(b, a->str, a->len);
        vt_buf_printf(b, ":%u:%u", a->line, a->col);
        if (a->end_col) {
            if (a->end_line != a->line) vt_buf_printf(b, " to %u:%u", a->end_line, a->end_col);
            else vt_buf_printf(b, " to :%u", a->end_col);
        }
        return;
    case VT_LOC_NAME:
        vt_pr_string(b, a->str, a->len);
        if (a->n) {
            vt_buf_puts(b, "(");
            pr_loc_body(b, a->elems[0]);
            vt_buf_puts(b, ")");
        }
        return;
    case VT_LOC_CALLSITE:
        vt_buf_puts(b, "callsite(");
        pr_loc_body(b, a->elems[0]);
        vt_buf_puts(b, " at ");
        pr_loc_body(b, a->elems[1]);
        vt_buf_puts(b, ")");
        return;
    case VT_LOC_FUSED:
        vt_buf_puts(b, "fused");
        if (a->meta) {
            vt_buf_puts(b, "<");
            vt_attr_print(b, a->meta);
            vt_buf_puts(b, ">");
        }
        vt_buf_puts(b, "[");
        for (size_t i = 0; i < a->n; i++) {
            if (i) vt_buf_puts(b, ", ");
            pr_loc_body(b, a->elems[i]);
        }
        vt_buf_puts(b, "]");
        return;
    case VT_LOC_ALIAS:
        /* printed resolved, so the output needs no alias table */
        if (a->resolved && a->resolved->kind == VT_ATTR_LOC && a->resolved != a) pr_loc_body(b, a->resolved);
        else vt_buf_puts(b, "unknown");
        return;
    }
}

static bool bare_id(const char *s) {
    if (!s || !*s) return false;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (const char *q = s; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '$' || *q == '.'))
            return false;
    return true;
}

void vt_attr_print(vt_buf *b, const vt_attr *a) {
    if (!a) {
        vt_buf_puts(b, "unit");
        return;
    }
    switch (a->kind) {
    case VT_ATTR_UNIT: vt_buf_puts(b, "unit"); return;
    case VT_ATTR_BOOL: vt_buf_puts(b, a->b ? "true" : "false"); return;
    case VT_ATTR_INT:
        if (a->type && a->type->kind == VT_TYPE_ELEMENT && vt_dtype_kind_of(a->type->dtype) == VT_KIND_UINT)
            vt_buf_printf(b, "%llu", (unsigned long long)(uint64_t)a->i);
        else vt_buf_printf(b, "%lld", (long long)a->i);
        break;
    case VT_ATTR_FLOAT:
        if (!isfinite(a->f)) {
            /* as the bit pattern of the type (f64 when untyped) */
            vt_dtype dt = a->type && a->type->kind == VT_TYPE_ELEMENT ? a->type->dtype : VT_F64;
            uint8_t buf[16] = {0};
            vt_store_f64(dt, buf, a->f);
            vt_buf_printf(b, "0x%0*llX : ", (int)((vt_dtype_bits(dt) + 3) / 4), (unsigned long long)load_bits(buf, vt_dtype_size(dt)));
            if (a->type) vt_type_print(b, a->type);
            else vt_buf_puts(b, "f64");
            return;
        }
        pr_double(b, a->f);
        break;
    case VT_ATTR_STRING: vt_pr_string(b, a->str, a->len); break;
    case VT_ATTR_DENSE:
        vt_buf_puts(b, "dense<");
        pr_dense_body(b, a);
        vt_buf_puts(b, ">");
        break;
    case VT_ATTR_DENSE_RESOURCE:
        vt_buf_puts(b, "dense_resource<");
        if (bare_id(a->str)) vt_buf_puts(b, a->str);
        else vt_pr_string(b, a->str, strlen(a->str));
        vt_buf_puts(b, ">");
        break;
    case VT_ATTR_ARRAY:
        vt_buf_puts(b, "[");
        for (size_t i = 0; i < a->n; i++) {
            if (i) vt_buf_puts(b, ", ");
            vt_attr_print(b, a->elems[i]);
        }
        vt_buf_puts(b, "]");
        return;
    case VT_ATTR_DENSE_ARRAY:
        vt_buf_puts(b, "array<");
        vt_type_print(b, a->type);
        for (size_t i = 0; i < a->n; i++) {
            vt_buf_puts(b, i ? ", " : ": ");
            if (a->f64s) {
                if (isfinite(a->f64s[i])) pr_double(b, a->f64s[i]);
                else {
                    uint8_t buf[16] = {0};
                    vt_store_f64(a->type->dtype, buf, a->f64s[i]);
                    vt_buf_printf(b, "0x%llX", (unsigned long long)load_bits(buf, vt_dtype_size(a->type->dtype)));
                }
            } else if (a->type && a->type->dtype == VT_I1) vt_buf_puts(b, a->i64s[i] ? "true" : "false");
            else if (a->type && vt_dtype_kind_of(a->type->dtype) == VT_KIND_UINT)
                vt_buf_printf(b, "%llu", (unsigned long long)(uint64_t)a->i64s[i]);
            else vt_buf_printf(b, "%lld", (long long)a->i64s[i]);
        }
        vt_buf_puts(b, ">");
        return;
    case VT_ATTR_DICT:
        vt_buf_puts(b, "{");
        for (size_t i = 0; i < a->nfields; i++) {
            if (i) vt_buf_puts(b, ", ");
            if (bare_id(a->fields[i].name)) vt_buf_puts(b, a->fields[i].name);
            else vt_pr_string(b, a->fields[i].name, strlen(a->fields[i].name));
            if (a->fields[i].value && a->fields[i].value->kind != VT_ATTR_UNIT) {
                vt_buf_puts(b, " = ");
                vt_attr_print(b, a->fields[i].value);
            }
        }
        vt_buf_puts(b, "}");
        return;
    case VT_ATTR_ENUM: vt_buf_printf(b, "#%s<%s %s>", a->dialect, a->name, a->str); return;
    case VT_ATTR_DIALECT:
        vt_buf_printf(b, "#%s.%s<", a->dialect, a->name);
        if (strcmp(a->dialect, "stablehlo") == 0 && strcmp(a->name, "conv") == 0 && vt_conv_dims_text(a, b)) {
            vt_buf_puts(b, ">");
            return;
        }
        for (size_t i = 0; i < a->nfields; i++) {
            if (i) vt_buf_puts(b, ", ");
            vt_buf_printf(b, "%s = ", a->fields[i].name);
            vt_attr_print(b, a->fields[i].value);
        }
        vt_buf_puts(b, ">");
        return;
    case VT_ATTR_SYMBOL: vt_pr_symbol(b, a->str); return;
    case VT_ATTR_TYPE: vt_type_print(b, a->type); return;
    case VT_ATTR_LOC:
        vt_buf_puts(b, "loc(");
        pr_loc_body(b, a);
        vt_buf_puts(b, ")");
        return;
    case VT_ATTR_OPAQUE: vt_buf_append(b, a->str, a->len); return;
    }
    if (a->type) {
        vt_buf_puts(b, " : ");
        vt_type_print(b, a->type);
    }
}
