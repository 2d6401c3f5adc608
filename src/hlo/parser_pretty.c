/* Pretty (custom assembly) op forms, canonicalised into the same attributes as the generic form
 * so that the verifier and the interpreter read one representation (the spec's names). */
#include "hlo/parse.h"
#include "hlo/pretty.h"

#include <string.h>

const vt_kw_spec vt_kw_specs[] = {
    {VT_OP_BROADCAST_IN_DIM, "dims", "broadcast_dimensions", KW_I64ARR, NULL},
    {VT_OP_DYNAMIC_BROADCAST_IN_DIM, "dims", "broadcast_dimensions", KW_I64ARR, NULL},
    {VT_OP_BROADCAST, "sizes", "broadcast_sizes", KW_I64ARR, NULL},
    {VT_OP_TRANSPOSE, "dims", "permutation", KW_I64ARR, NULL},
    {VT_OP_REVERSE, "dims", "dimensions", KW_I64ARR, NULL},
    {VT_OP_IOTA, "dim", "iota_dimension", KW_I64, NULL},
    {VT_OP_DYNAMIC_IOTA, "dim", "iota_dimension", KW_I64, NULL},
    {VT_OP_CONCATENATE, "dim", "dimension", KW_I64, NULL},
    {VT_OP_GET_DIMENSION_SIZE, "dim", "dimension", KW_I64, NULL},
    {VT_OP_SET_DIMENSION_SIZE, "dim", "dimension", KW_I64, NULL},
    {VT_OP_DYNAMIC_SLICE, "sizes", "slice_sizes", KW_I64ARR, NULL},
    {VT_OP_PAD, "low", "edge_padding_low", KW_I64ARR, NULL},
    {VT_OP_PAD, "high", "edge_padding_high", KW_I64ARR, NULL},
    {VT_OP_PAD, "interior", "interior_padding", KW_I64ARR, NULL},
    {VT_OP_FFT, "type", "fft_type", KW_ENUM, "fft_type"},
    {VT_OP_FFT, "length", "fft_length", KW_I64ARR, NULL},
    {VT_OP_REDUCE_PRECISION, "format", "exponent_bits", KW_FORMAT, NULL},
    {VT_OP_RNG_BIT_GENERATOR, "algorithm", "rng_algorithm", KW_ENUM, "rng_algorithm"},
    {VT_OP_RNG, "distribution", "rng_distribution", KW_ENUM, "rng_distribution"},
    {VT_OP_EINSUM, "config", "einsum_config", KW_STRING, NULL},
    {VT_OP_UNARY_EINSUM, "config", "einsum_config", KW_STRING, NULL},
    {VT_OP_INTERPRETER_PROBE, "probe_id", "probe_id", KW_STRING, NULL},
    {VT_OP_CHECK_EXPECT_SERIALIZED_EQ, "probe_id", "probe_id", KW_STRING, NULL},
    {VT_OP_CHECK_EXPECT_SERIALIZED_EQ, "iter", "iter", KW_I64, NULL},
};
const size_t vt_kw_nspecs = sizeof vt_kw_specs / sizeof vt_kw_specs[0];

const vt_kw_spec *vt_kw_find(vt_opcode op, const char *kw, size_t n) {
    for (size_t i = 0; i < vt_kw_nspecs; i++)
        if (vt_kw_specs[i].op == op && strlen(vt_kw_specs[i].keyword) == n && memcmp(vt_kw_specs[i].keyword, kw, n) == 0)
            return &vt_kw_specs[i];
    return NULL;
}
const vt_kw_spec *vt_kw_find_attr(vt_opcode op, const char *attr) {
    for (size_t i = 0; i < vt_kw_nspecs; i++)
        if (vt_kw_specs[i].op == op && strcmp(vt_kw_specs[i].attr, attr) == 0) return &vt_kw_specs[i];
    return NULL;
}

static bool next_is_equal(vt_parser *p) {
    const char *s = p->pos;
    while (s < p->end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
    return s < p->end && *s == '=';
}

static vt_status parse_i64_array_attr(vt_parser *p, vt_attr **out) {
    vt_vec v = {.elem = sizeof(int64_t)};
    if (vt_parse_int_list_brackets(p, &v) != VT_OK) return p->err->code;
    for (size_t i = 0; i < v.n; i++)
        if (((int64_t *)v.data)[i] == VT_DYN) {
            vt_vec_free(&v);
            return PERR(p, "'?' is not allowed in this list");
        }
    *out = vt_new_i64_array_attr(p, v.data, v.n);
    vt_vec_free(&v);
    return *out ? VT_OK : p->err->code;
}

static vt_status parse_keyword_attr(vt_parser *p, vt_op_builder *b) {
    vt_tok kw = p->tok;
    vt_lex_next(p);
    if (vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
    const vt_kw_spec *sp = vt_kw_find(b->op->code, kw.s, kw.n);
    vt_attr *a = NULL;
    if (!sp) {
        /* keyword of an op without a fixed table entry: an attribute under that name; a
         * following `: T` is the op's signature, not the attribute's type */
        p->no_type_depth = p->depth + 1;
        vt_status s = vt_parse_attr(p, &a);
        p->no_type_depth = 0;
        if (s != VT_OK) return p->err->code;
        vt_add_attr(p, b, vt_pstrndup(p, kw.s, kw.n), a);
        return p->failed ? p->err->code : VT_OK;
    }
    switch (sp->kind) {
    case KW_I64ARR:
        if (parse_i64_array_attr(p, &a) != VT_OK) return p->err->code;
        break;
    case KW_I64: {
        int64_t v;
        if (vt_parse_signed_int(p, &v) != VT_OK) return p->err->code;
        a = vt_new_int_attr(p, v, VT_I64);
        break;
    }
    case KW_ENUM:
        if (!vt_tok_is(p, TK_BARE)) return PERR(p, "expected an enum value after '%s ='", sp->keyword);
        a = vt_new_enum_attr(p, "stablehlo", sp->enum_name, p->tok.s, p->tok.n);
        vt_lex_next(p);
        break;
    case KW_STRING:
        if (!vt_tok_is(p, TK_STRING)) return PERR(p, "expected a string after '%s ='", sp->keyword);
        a = vt_new_attr(p, VT_ATTR_STRING);
        if (!a || !(a->str = vt_lex_string_value(p, &p->tok, &a->len))) return p->err->code;
        vt_lex_next(p);
        break;
    case KW_FORMAT: {
        /* e5m10 */
        const char *s = p->tok.s;
        size_t n = p->tok.n;
        int64_t e = 0, m = 0;
        size_t i = 1;
        bool ok = vt_tok_is(p, TK_BARE) && n >= 4 && s[0] == 'e';
        while (ok && i < n && s[i] >= '0' && s[i] <= '9' && e < 1000) e = e * 10 + (s[i++] - '0');
        ok = ok && i > 1 && i < n && s[i] == 'm';
        size_t j = ++i;
        while (ok && i < n && s[i] >= '0' && s[i] <= '9' && m < 1000) m = m * 10 + (s[i++] - '0');
        if (!ok || i != n || j == n) return PERR(p, "expected a format like e5m10");
        vt_lex_next(p);
        vt_add_attr(p, b, "exponent_bits", vt_new_int_attr(p, e, VT_I32));
        vt_add_attr(p, b, "mantissa_bits", vt_new_int_attr(p, m, VT_I32));
        return p->failed ? p->err->code : VT_OK;
    }
    }
    if (!a) return p->err->code;
    vt_add_attr(p, b, sp->attr, a);
    return p->failed ? p->err->code : VT_OK;
}

/* `%a, %b, kw = v, ...` */
static vt_status parse_operands_and_keywords(vt_parser *p, vt_op_builder *b) {
    if (!vt_tok_is(p, TK_PERCENT) && !(vt_tok_is(p, TK_BARE) && next_is_equal(p))) return VT_OK;
    do {
        if (vt_tok_is(p, TK_PERCENT)) {
            vt_value *v;
            if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
        } else if (vt_tok_is(p, TK_BARE) && next_is_equal(p)) {
            if (parse_keyword_attr(p, b) != VT_OK) return p->err->code;
        } else {
            return PERR(p, "expected an operand or 'keyword = value'");
        }
    } while (vt_accept(p, TK_COMMA));
    return p->failed ? p->err->code : VT_OK;
}

static vt_status parse_opt_attr_dict(vt_parser *p, vt_op_builder *b) {
    if (vt_tok_is(p, TK_LBRACE)) return vt_parse_attr_dict(p, &b->attrs);
    return VT_OK;
}

static vt_status parse_simple(vt_parser *p, vt_op_builder *b) {
    if (parse_operands_and_keywords(p, b) != VT_OK || parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    if (!vt_tok_is(p, TK_COLON) && b->operands.n == 0 && b->nresults == 0) return VT_OK;
    return vt_parse_op_signature(p, b);
}

static vt_status parse_operand_list_parens(vt_parser *p, vt_op_builder *b) {
    if (vt_expect(p, TK_LPAREN, "'('") != VT_OK) return p->err->code;
    if (vt_accept(p, TK_RPAREN)) return VT_OK;
    do {
        vt_value *v;
        if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    } while (vt_accept(p, TK_COMMA));
    return vt_expect(p, TK_RPAREN, "')' after operands");
}

static vt_status parse_return(vt_parser *p, vt_op_builder *b) {
    if (!vt_tok_is(p, TK_PERCENT)) return parse_opt_attr_dict(p, b);
    do {
        vt_value *v;
        if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    } while (vt_accept(p, TK_COMMA));
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    const char *at = p->tok.s;
    if (vt_expect(p, TK_COLON, "':' and the returned types") != VT_OK) return p->err->code;
    vt_vec tys = {.elem = sizeof(vt_type *)};
    do {
        const vt_type *t;
        if (vt_parse_type(p, &t) != VT_OK || !vt_vec_push(p, &tys, &t)) {
            vt_vec_free(&tys);
            return p->err->code;
        }
    } while (vt_accept(p, TK_COMMA));
    vt_status s = vt_check_operand_types(p, b, tys.data, tys.n, at);
    vt_vec_free(&tys);
    return s;
}

static vt_status parse_symbol_call(vt_parser *p, vt_op_builder *b, const char *attr_name, bool as_string) {
    if (!vt_tok_is(p, TK_AT)) return PERR(p, "expected a symbol (@name)");
    vt_attr *a;
    if (vt_parse_attr(p, &a) != VT_OK) return p->err->code;
    if (as_string) a->kind = VT_ATTR_STRING;
    vt_add_attr(p, b, attr_name, a);
    if (parse_operand_list_parens(p, b) != VT_OK || parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    const char *at = p->tok.s;
    if (vt_expect(p, TK_COLON, "':' and a function type") != VT_OK) return p->err->code;
    const vt_type *ft;
    if (vt_parse_type(p, &ft) != VT_OK) return p->err->code;
    if (ft->kind != VT_TYPE_FUNCTION) return vt_perr_at(p, at, VT_EINPUT, "expected a function type");
    if (vt_check_operand_types(p, b, ft->elems, ft->nelems, at) != VT_OK) return p->err->code;
    for (size_t i = 0; i < ft->nresults; i++) vt_vec_push(p, &b->result_types, &ft->results[i]);
    return p->failed ? p->err->code : VT_OK;
}

static vt_status parse_compare(vt_parser *p, vt_op_builder *b) {
    if (!vt_tok_is(p, TK_BARE)) return PERR(p, "expected a comparison direction (EQ, NE, GE, GT, LE, LT)");
    vt_add_attr(p, b, "comparison_direction", vt_new_enum_attr(p, "stablehlo", "comparison_direction", p->tok.s, p->tok.n));
    vt_lex_next(p);
    if (vt_expect(p, TK_COMMA, "','") != VT_OK) return p->err->code;
    for (int i = 0; i < 2; i++) {
        vt_value *v;
        if (i && vt_expect(p, TK_COMMA, "','") != VT_OK) return p->err->code;
        if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    }
    if (vt_accept(p, TK_COMMA)) {
        if (!vt_tok_is(p, TK_BARE)) return PERR(p, "expected a comparison type (FLOAT, TOTALORDER, SIGNED, UNSIGNED)");
        vt_add_attr(p, b, "compare_type", vt_new_enum_attr(p, "stablehlo", "comparison_type", p->tok.s, p->tok.n));
        vt_lex_next(p);
    }
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

static vt_status parse_constant(vt_parser *p, vt_op_builder *b) {
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    const char *at = p->tok.s;
    vt_attr *a;
    if (vt_parse_attr(p, &a) != VT_OK) return p->err->code;
    if (!a->type || a->type->kind != VT_TYPE_TENSOR) return vt_perr_at(p, at, VT_EINPUT, "constant needs a tensor-typed value");
    vt_add_attr(p, b, "value", a);
    vt_vec_push(p, &b->result_types, &a->type);
    return p->failed ? p->err->code : VT_OK;
}

static vt_status parse_slice(vt_parser *p, vt_op_builder *b) {
    vt_value *v;
    if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    if (vt_expect(p, TK_LBRACKET, "'[' with slice ranges") != VT_OK) return p->err->code;
    vt_vec st = {.elem = 8}, li = {.elem = 8}, sr = {.elem = 8};
    if (!vt_tok_is(p, TK_RBRACKET)) {
        do {
            int64_t a, e, s = 1;
            if (vt_parse_signed_int(p, &a) != VT_OK || vt_expect(p, TK_COLON, "':' in slice range") != VT_OK ||
                vt_parse_signed_int(p, &e) != VT_OK)
                goto fail;
            if (vt_accept(p, TK_COLON) && vt_parse_signed_int(p, &s) != VT_OK) goto fail;
            if (!vt_vec_push(p, &st, &a) || !vt_vec_push(p, &li, &e) || !vt_vec_push(p, &sr, &s)) goto fail;
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_RBRACKET, "']' after slice ranges") != VT_OK) goto fail;
    vt_add_attr(p, b, "start_indices", vt_new_i64_array_attr(p, st.data, st.n));
    vt_add_attr(p, b, "limit_indices", vt_new_i64_array_attr(p, li.data, li.n));
    vt_add_attr(p, b, "strides", vt_new_i64_array_attr(p, sr.data, sr.n));
    vt_vec_free(&st);
    vt_vec_free(&li);
    vt_vec_free(&sr);
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
fail:
    vt_vec_free(&st);
    vt_vec_free(&li);
    vt_vec_free(&sr);
    return p->err->code;
}

static vt_status parse_gte(vt_parser *p, vt_op_builder *b) {
    vt_value *v;
    if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    int64_t idx;
    if (vt_expect(p, TK_LBRACKET, "'[' with the tuple index") != VT_OK || vt_parse_signed_int(p, &idx) != VT_OK ||
        vt_expect(p, TK_RBRACKET, "']'") != VT_OK)
        return p->err->code;
    if (idx < 0 || idx > INT32_MAX) return PERR(p, "tuple index out of range");
    vt_add_attr(p, b, "index", vt_new_int_attr(p, idx, VT_I32));
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

static vt_attr *int_list_attr(vt_parser *p, const int64_t *v, size_t n) {
    /* untyped [a, b] list, the field syntax of #stablehlo.dot<...> */
    vt_attr *a = vt_new_attr(p, VT_ATTR_ARRAY);
    if (!a) return NULL;
    a->n = n;
    if (n) {
        a->elems = vt_palloc(p, n * sizeof *a->elems);
        if (!a->elems) return NULL;
        for (size_t i = 0; i < n; i++) {
            a->elems[i] = vt_new_int_attr(p, v[i], VT_DTYPE_INVALID);
            if (!a->elems[i]) return NULL;
        }
    }
    return a;
}

static vt_status parse_dot_general(vt_parser *p, vt_op_builder *b) {
    for (int i = 0; i < 2; i++) {
        vt_value *v;
        if (i && vt_expect(p, TK_COMMA, "','") != VT_OK) return p->err->code;
        if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    }
    vt_vec fields = {.elem = sizeof(vt_named_attr)};
    while (vt_accept(p, TK_COMMA)) {
        if (vt_tok_is_kw(p, "batching_dims") || vt_tok_is_kw(p, "contracting_dims")) {
            bool batch = p->tok.s[0] == 'b';
            vt_lex_next(p);
            vt_vec l = {.elem = 8}, r = {.elem = 8};
            if (vt_expect(p, TK_EQUAL, "'='") != VT_OK || vt_parse_int_list_brackets(p, &l) != VT_OK || vt_expect_kw(p, "x") != VT_OK ||
                vt_parse_int_list_brackets(p, &r) != VT_OK) {
                vt_vec_free(&l);
                vt_vec_free(&r);
                vt_vec_free(&fields);
                return p->err->code;
            }
            vt_named_attr f1 = {batch ? "lhs_batching_dimensions" : "lhs_contracting_dimensions", int_list_attr(p, l.data, l.n)};
            vt_named_attr f2 = {batch ? "rhs_batching_dimensions" : "rhs_contracting_dimensions", int_list_attr(p, r.data, r.n)};
            if (l.n) vt_vec_push(p, &fields, &f1);
            if (r.n) vt_vec_push(p, &fields, &f2);
            vt_vec_free(&l);
            vt_vec_free(&r);
        } else if (vt_tok_is_kw(p, "precision")) {
            vt_lex_next(p);
            if (vt_expect(p, TK_EQUAL, "'='") != VT_OK || vt_expect(p, TK_LBRACKET, "'['") != VT_OK) break;
            vt_vec v = {.elem = sizeof(vt_attr *)};
            if (!vt_tok_is(p, TK_RBRACKET)) {
                do {
                    if (!vt_tok_is(p, TK_BARE)) {
                        PERR(p, "expected a precision (DEFAULT, HIGH, HIGHEST)");
                        break;
                    }
                    vt_attr *e = vt_new_enum_attr(p, "stablehlo", "precision", p->tok.s, p->tok.n);
                    vt_lex_next(p);
                    if (!vt_vec_push(p, &v, &e)) break;
                } while (vt_accept(p, TK_COMMA));
            }
            if (p->failed || vt_expect(p, TK_RBRACKET, "']'") != VT_OK) {
                vt_vec_free(&v);
                break;
            }
            vt_attr *a = vt_new_attr(p, VT_ATTR_ARRAY);
            if (!a) break;
            a->n = v.n;
            a->elems = vt_vec_finish(p, &v);
            vt_add_attr(p, b, "precision_config", a);
        } else if (vt_tok_is_kw(p, "algorithm")) {
            vt_lex_next(p);
            if (vt_expect(p, TK_EQUAL, "'='") != VT_OK) break;
            if (!vt_tok_is(p, TK_LESS)) {
                PERR(p, "expected '<' after algorithm =");
                break;
            }
            const char *s = p->tok.s;
            vt_attr *raw;
            if (vt_parse_attr(p, &raw) != VT_OK) break; /* `<...>` is kept as opaque text */
            size_t n = raw->len + strlen("#stablehlo.dot_algorithm");
            char *txt = vt_palloc(p, n + 1);
            if (!txt) break;
            memcpy(txt, "#stablehlo.dot_algorithm", 24);
            memcpy(txt + 24, raw->str, raw->len + 1);
            raw->str = txt;
            raw->len = n;
            (void)s;
            vt_add_attr(p, b, "algorithm", raw);
        } else {
            PERR(p, "expected batching_dims, contracting_dims, precision or algorithm");
            break;
        }
    }
    if (p->failed) {
        vt_vec_free(&fields);
        return p->err->code;
    }
    vt_attr *dn = vt_new_attr(p, VT_ATTR_DIALECT);
    if (!dn) return p->err->code;
    dn->dialect = "stablehlo";
    dn->name = "dot";
    dn->nfields = fields.n;
    dn->fields = vt_vec_finish(p, &fields);
    vt_add_attr(p, b, "dot_dimension_numbers", dn);
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

/* [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f] */
static vt_status parse_dim_group(vt_parser *p, const char *letters, int64_t *first, int64_t *second, vt_vec *spatial) {
    if (vt_expect(p, TK_LBRACKET, "'[' in convolution dimensions") != VT_OK) return p->err->code;
    int64_t sp[VT_MAX_RANK];
    bool seen[VT_MAX_RANK] = {0};
    size_t nsp = 0;
    *first = *second = -1;
    int64_t pos = 0;
    if (!vt_tok_is(p, TK_RBRACKET)) {
        do {
            if (pos >= VT_MAX_RANK) return PERR(p, "too many convolution dimensions");
            if (vt_tok_is(p, TK_BARE) && p->tok.n == 1 && (p->tok.s[0] == letters[0] || p->tok.s[0] == letters[1])) {
                int64_t *slot = p->tok.s[0] == letters[0] ? first : second;
                if (*slot >= 0) return PERR(p, "duplicate '%c' in convolution dimensions", p->tok.s[0]);
                *slot = pos;
            } else if (vt_tok_is(p, TK_INT)) {
                int64_t k;
                if (vt_parse_signed_int(p, &k) != VT_OK) return p->err->code;
                if (k < 0 || k >= VT_MAX_RANK || seen[k]) return PERR(p, "bad spatial dimension %lld", (long long)k);
                seen[k] = true;
                sp[k] = pos;
                nsp++;
                pos++;
                continue;
            } else {
                return PERR(p, "expected '%c', '%c' or a spatial index", letters[0], letters[1]);
            }
            vt_lex_next(p);
            pos++;
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_RBRACKET, "']'") != VT_OK) return p->err->code;
    for (size_t i = 0; i < nsp; i++)
        if (!seen[i]) return PERR(p, "spatial dimensions must be 0..%zu", nsp - 1);
    if (*first < 0 || *second < 0) return PERR(p, "convolution dimensions need both '%c' and '%c'", letters[0], letters[1]);
    for (size_t i = 0; i < nsp; i++) vt_vec_push(p, spatial, &sp[i]);
    return p->failed ? p->err->code : VT_OK;
}

vt_status vt_parse_conv_dims(vt_parser *p, vt_attr *a);
vt_status vt_parse_conv_dims(vt_parser *p, vt_attr *a) {
    int64_t ib, ifd, ki, ko, ob, of;
    vt_vec is = {.elem = 8}, ks = {.elem = 8}, os = {.elem = 8};
    vt_status s = parse_dim_group(p, "bf", &ib, &ifd, &is);
    if (s == VT_OK) s = vt_expect_kw(p, "x");
    if (s == VT_OK) s = parse_dim_group(p, "io", &ki, &ko, &ks);
    if (s == VT_OK) s = vt_expect(p, TK_ARROW, "'->'");
    if (s == VT_OK) s = parse_dim_group(p, "bf", &ob, &of, &os);
    if (s == VT_OK) {
        vt_named_attr f[9] = {
            {"input_batch_dimension", vt_new_int_attr(p, ib, VT_DTYPE_INVALID)},
            {"input_feature_dimension", vt_new_int_attr(p, ifd, VT_DTYPE_INVALID)},
            {"input_spatial_dimensions", int_list_attr(p, is.data, is.n)},
            {"kernel_input_feature_dimension", vt_new_int_attr(p, ki, VT_DTYPE_INVALID)},
            {"kernel_output_feature_dimension", vt_new_int_attr(p, ko, VT_DTYPE_INVALID)},
            {"kernel_spatial_dimensions", int_list_attr(p, ks.data, ks.n)},
            {"output_batch_dimension", vt_new_int_attr(p, ob, VT_DTYPE_INVALID)},
            {"output_feature_dimension", vt_new_int_attr(p, of, VT_DTYPE_INVALID)},
            {"output_spatial_dimensions", int_list_attr(p, os.data, os.n)},
        };
        a->fields = vt_palloc(p, sizeof f);
        if (a->fields) {
            memcpy(a->fields, f, sizeof f);
            a->nfields = 9;
        }
    }
    vt_vec_free(&is);
    vt_vec_free(&ks);
    vt_vec_free(&os);
    return p->failed ? p->err->code : s;
}

static vt_status parse_window(vt_parser *p, vt_op_builder *b) {
    if (vt_expect(p, TK_LBRACE, "'{' after window =") != VT_OK) return p->err->code;
    if (vt_accept(p, TK_RBRACE)) return VT_OK;
    do {
        if (!vt_tok_is(p, TK_BARE)) return PERR(p, "expected stride, pad, lhs_dilate, rhs_dilate or reverse");
        vt_tok k = p->tok;
        vt_lex_next(p);
        if (vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
        if (k.n == 3 && memcmp(k.s, "pad", 3) == 0) {
            vt_vec v = {.elem = 8};
            if (vt_expect(p, TK_LBRACKET, "'['") != VT_OK) return p->err->code;
            if (!vt_tok_is(p, TK_RBRACKET)) {
                do {
                    vt_vec pair = {.elem = 8};
                    if (vt_parse_int_list_brackets(p, &pair) != VT_OK) {
                        vt_vec_free(&v);
                        return p->err->code;
                    }
                    if (pair.n != 2) {
                        vt_vec_free(&pair);
                        vt_vec_free(&v);
                        return PERR(p, "padding entries are [low, high] pairs");
                    }
                    vt_vec_push(p, &v, (int64_t *)pair.data);
                    vt_vec_push(p, &v, (int64_t *)pair.data + 1);
                    vt_vec_free(&pair);
                } while (vt_accept(p, TK_COMMA));
            }
            if (vt_expect(p, TK_RBRACKET, "']'") != VT_OK) {
                vt_vec_free(&v);
                return p->err->code;
            }
            int64_t dims[2] = {(int64_t)(v.n / 2), 2};
            vt_type *ty = vt_new_tensor_type(p, VT_I64, NULL, 2, dims);
            vt_attr *a = vt_new_attr(p, VT_ATTR_DENSE);
            vt_error e2;
            vt_tensor *t = ty && a ? vt_tensor_create(VT_I64, 2, dims, 0, &e2) : NULL;
            if (!t) {
                vt_vec_free(&v);
                return p->failed ? p->err->code : vt_perr_at(p, k.s, e2.code, "%s", e2.msg);
            }
            if (v.n) memcpy(t->data, v.data, v.n * 8);
            vt_vec_free(&v);
            if (vt_module_adopt_tensor(p->m, t, &e2) != VT_OK) return vt_perr_at(p, k.s, e2.code, "%s", e2.msg);
            a->type = ty;
            a->tensor = t;
            vt_add_attr(p, b, "padding", a);
            continue;
        }
        const char *name = NULL;
        bool boolean = false;
        if (k.n == 6 && memcmp(k.s, "stride", 6) == 0) name = "window_strides";
        else if (k.n == 10 && memcmp(k.s, "lhs_dilate", 10) == 0) name = "lhs_dilation";
        else if (k.n == 10 && memcmp(k.s, "rhs_dilate", 10) == 0) name = "rhs_dilation";
        else if (k.n == 7 && memcmp(k.s, "reverse", 7) == 0) name = "window_reversal", boolean = true;
        else return vt_perr_at(p, k.s, VT_EINPUT, "unknown window field '%.*s'", (int)k.n, k.s);
        vt_attr *a;
        if (parse_i64_array_attr(p, &a) != VT_OK) return p->err->code;
        if (boolean) {
            for (size_t i = 0; i < a->n; i++)
                if (a->i64s[i] != 0 && a->i64s[i] != 1) return PERR(p, "reverse takes 0 or 1 per dimension");
            a->type = vt_builtin_element_type(p->m, VT_I1);
        }
        vt_add_attr(p, b, name, a);
    } while (vt_accept(p, TK_COMMA));
    return vt_expect(p, TK_RBRACE, "'}' after window");
}

static vt_status parse_convolution(vt_parser *p, vt_op_builder *b) {
    if (parse_operand_list_parens(p, b) != VT_OK) return p->err->code;
    if (vt_expect_kw(p, "dim_numbers") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
    vt_attr *dn = vt_new_attr(p, VT_ATTR_DIALECT);
    if (!dn) return p->err->code;
    dn->dialect = "stablehlo";
    dn->name = "conv";
    if (vt_parse_conv_dims(p, dn) != VT_OK) return p->err->code;
    vt_add_attr(p, b, "dimension_numbers", dn);
    if (vt_accept(p, TK_COMMA)) {
        if (vt_expect_kw(p, "window") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK || parse_window(p, b) != VT_OK)
            return p->err->code;
    }
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

/* reduce(%x init: %i), ... applies OP across dimensions = [..] : sig
 * reduce(%x init: %i), ... across dimensions = [..] : sig reducer(%a: T, %b: T) ... { body } */
static vt_status parse_reduce(vt_parser *p, vt_op_builder *b) {
    vt_vec inits = {.elem = sizeof(vt_value *)};
    do {
        vt_value *x, *i;
        if (vt_expect(p, TK_LPAREN, "'('") != VT_OK || vt_parse_operand(p, &x) != VT_OK || vt_expect_kw(p, "init") != VT_OK ||
            vt_expect(p, TK_COLON, "':'") != VT_OK || vt_parse_operand(p, &i) != VT_OK || vt_expect(p, TK_RPAREN, "')'") != VT_OK ||
            !vt_vec_push(p, &b->operands, &x) || !vt_vec_push(p, &inits, &i)) {
            vt_vec_free(&inits);
            return p->err->code;
        }
    } while (vt_accept(p, TK_COMMA));
    size_t n = inits.n;
    for (size_t k = 0; k < n; k++) vt_vec_push(p, &b->operands, (vt_value **)inits.data + k);
    vt_vec_free(&inits);
    if (p->failed) return p->err->code;
    vt_tok body_op = {0};
    const char *applies_at = NULL;
    if (vt_accept_kw(p, "applies")) {
        applies_at = p->tok.s;
        if (!vt_tok_is(p, TK_BARE)) return PERR(p, "expected an op name after 'applies'");
        body_op = p->tok;
        vt_lex_next(p);
    }
    vt_vec dims = {.elem = 8};
    if (vt_expect_kw(p, "across") != VT_OK || vt_expect_kw(p, "dimensions") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK ||
        vt_parse_int_list_brackets(p, &dims) != VT_OK) {
        vt_vec_free(&dims);
        return p->err->code;
    }
    vt_add_attr(p, b, "dimensions", vt_new_i64_array_attr(p, dims.data, dims.n));
    vt_vec_free(&dims);
    if (parse_opt_attr_dict(p, b) != VT_OK || vt_parse_op_signature(p, b) != VT_OK) return p->err->code;
    vt_value **ops = b->operands.data;
    vt_region *r = NULL;
    if (applies_at) {
        vt_opcode oc = vt_opcode_from_name(body_op.s, body_op.n);
        const vt_op_info *inf = vt_op_info_get(oc);
        if (!oc || !(inf->flags & VT_OPF_BINARY) || n != 1)
            return vt_perr_at(p, applies_at, VT_EINPUT, "'applies' needs a binary elementwise op and one input");
        const vt_type *et = ops[n]->type; /* the init value's type: a rank-0 tensor */
        r = vt_palloc(p, sizeof *r);
        vt_block *blk = vt_palloc(p, sizeof *blk);
        vt_op *inner = vt_palloc(p, sizeof *inner), *ret = vt_palloc(p, sizeof *ret);
        if (!r || !blk || !inner || !ret) return p->err->code;
        r->parent_op = b->op;
        r->nblocks = 1;
        r->blocks = vt_palloc(p, sizeof *r->blocks);
        blk->args = vt_palloc(p, 2 * sizeof *blk->args);
        blk->ops = vt_palloc(p, 2 * sizeof *blk->ops);
        inner->operands = vt_palloc(p, 2 * sizeof *inner->operands);
        inner->results = vt_palloc(p, sizeof *inner->results);
        ret->operands = vt_palloc(p, sizeof *ret->operands);
        if (p->failed) return p->err->code;
        r->blocks[0] = blk;
        blk->parent = r;
        blk->nargs = 2;
        for (int k = 0; k < 2; k++) {
            blk->args[k].type = et;
            blk->args[k].block = blk;
            blk->args[k].index = (uint32_t)k;
            blk->args[k].id = p->m->num_values++;
        }
        inner->code = oc;
        inner->name = inf->name;
        inner->parent = blk;
        inner->noperands = 2;
        inner->operands[0] = &blk->args[0];
        inner->operands[1] = &blk->args[1];
        inner->nresults = 1;
        inner->results[0].type = et;
        inner->results[0].def = inner;
        inner->results[0].id = p->m->num_values++;
        inner->line = b->op->line;
        inner->col = b->op->col;
        ret->code = VT_OP_RETURN;
        ret->name = vt_op_info_get(VT_OP_RETURN)->name;
        ret->parent = blk;
        ret->index = 1;
        ret->noperands = 1;
        ret->operands[0] = &inner->results[0];
        ret->line = b->op->line;
        ret->col = b->op->col;
        blk->nops = 2;
        blk->ops[0] = inner;
        blk->ops[1] = ret;
        p->m->num_ops += 2;
    } else {
        if (vt_expect_kw(p, "reducer") != VT_OK) return p->err->code;
        /* pairs (lhs_k, rhs_k) per input; the block takes all lhs then all rhs */
        vt_value *args = vt_palloc(p, 2 * n * sizeof *args);
        if (!args) return p->err->code;
        for (size_t k = 0; k < n; k++) {
            if (vt_expect(p, TK_LPAREN, "'(' in reducer arguments") != VT_OK) return p->err->code;
            for (int j = 0; j < 2; j++) {
                if (j && vt_expect(p, TK_COMMA, "','") != VT_OK) return p->err->code;
                if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) return PERR(p, "expected a reducer argument name");
                vt_value *v = &args[j * n + k];
                v->name = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
                vt_lex_next(p);
                if (vt_expect(p, TK_COLON, "':'") != VT_OK || vt_parse_type(p, &v->type) != VT_OK ||
                    vt_parse_opt_location(p, &v->loc) != VT_OK)
                    return p->err->code;
            }
            if (vt_expect(p, TK_RPAREN, "')'") != VT_OK) return p->err->code;
        }
        if (vt_parse_region_with_args(p, b->op, args, 2 * n, &r) != VT_OK) return p->err->code;
    }
    vt_vec_push(p, &b->regions, &r);
    return p->failed ? p->err->code : VT_OK;
}

/* while(%a = %x, ...) : T, ... [attributes {..}] cond { } do { } */
static vt_status parse_while(vt_parser *p, vt_op_builder *b) {
    if (vt_expect(p, TK_LPAREN, "'(' after while") != VT_OK) return p->err->code;
    vt_vec names = {.elem = sizeof(vt_tok)};
    if (!vt_tok_is(p, TK_RPAREN)) {
        do {
            if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) {
                vt_vec_free(&names);
                return PERR(p, "expected an iteration argument name");
            }
            vt_tok nm = p->tok;
            vt_value *v;
            vt_lex_next(p);
            if (vt_expect(p, TK_EQUAL, "'='") != VT_OK || vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &names, &nm) ||
                !vt_vec_push(p, &b->operands, &v)) {
                vt_vec_free(&names);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_RPAREN, "')'") != VT_OK) {
        vt_vec_free(&names);
        return p->err->code;
    }
    size_t n = names.n;
    vt_tok *nm = names.data;
    if (n) {
        if (vt_parse_op_signature(p, b) != VT_OK) {
            vt_vec_free(&names);
            return p->err->code;
        }
    }
    if (vt_accept_kw(p, "attributes") && vt_parse_attr_dict(p, &b->attrs) != VT_OK) {
        vt_vec_free(&names);
        return p->err->code;
    }
    vt_value **ops = b->operands.data;
    for (int k = 0; k < 2; k++) {
        if (vt_expect_kw(p, k ? "do" : "cond") != VT_OK) break;
        vt_value *args = n ? vt_palloc(p, n * sizeof *args) : NULL;
        if (n && !args) break;
        for (size_t i = 0; i < n; i++) {
            args[i].name = vt_pstrndup(p, nm[i].s + 1, nm[i].n - 1);
            args[i].type = ops[i]->type;
        }
        vt_region *r;
        if (vt_parse_region_with_args(p, b->op, args, n, &r) != VT_OK || !vt_vec_push(p, &b->regions, &r)) break;
    }
    vt_vec_free(&names);
    return p->failed ? p->err->code : VT_OK;
}

/* composite "name" %a, ... {attrs} : sig */
static vt_status parse_composite(vt_parser *p, vt_op_builder *b) {
    if (!vt_tok_is(p, TK_STRING)) return PERR(p, "expected the composite's name string");
    vt_attr *a;
    if (vt_parse_attr(p, &a) != VT_OK) return p->err->code;
    vt_add_attr(p, b, "name", a);
    return parse_simple(p, b);
}

/* chlo.scan(%in...) inits(%init...) dimension=N [attributes {..}] { region } : sig */
static vt_status parse_scan(vt_parser *p, vt_op_builder *b) {
    if (parse_operand_list_parens(p, b) != VT_OK) return p->err->code;
    size_t nin = b->operands.n;
    if (vt_expect_kw(p, "inits") != VT_OK || parse_operand_list_parens(p, b) != VT_OK) return p->err->code;
    int32_t seg[2] = {(int32_t)nin, (int32_t)(b->operands.n - nin)};
    int64_t segs[2] = {seg[0], seg[1]};
    vt_attr *sa = vt_new_i64_array_attr(p, segs, 2);
    if (sa) sa->type = vt_builtin_element_type(p->m, VT_I32);
    vt_add_attr(p, b, "operandSegmentSizes", sa);
    int64_t d;
    if (vt_expect_kw(p, "dimension") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK || vt_parse_signed_int(p, &d) != VT_OK)
        return p->err->code;
    vt_add_attr(p, b, "dimension", vt_new_int_attr(p, d, VT_I64));
    if (vt_accept_kw(p, "attributes") && vt_parse_attr_dict(p, &b->attrs) != VT_OK) return p->err->code;
    vt_region *r;
    if (vt_parse_region_with_args(p, b->op, NULL, 0, &r) != VT_OK || !vt_vec_push(p, &b->regions, &r)) return p->err->code;
    return vt_parse_op_signature(p, b);
}

/* chlo.top_k(%x, k = 2) : T -> (T, T) */
static vt_status parse_top_k(vt_parser *p, vt_op_builder *b) {
    vt_value *v;
    int64_t k;
    if (vt_expect(p, TK_LPAREN, "'('") != VT_OK || vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v) ||
        vt_expect(p, TK_COMMA, "','") != VT_OK || vt_expect_kw(p, "k") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK ||
        vt_parse_signed_int(p, &k) != VT_OK || vt_expect(p, TK_RPAREN, "')'") != VT_OK)
        return p->err->code;
    vt_add_attr(p, b, "k", vt_new_int_attr(p, k, VT_I64));
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

/* check.expect_eq_const %x, dense<...> : T [{attrs}] */
static vt_status parse_check_const(vt_parser *p, vt_op_builder *b) {
    vt_value *v;
    vt_attr *a;
    if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v) || vt_expect(p, TK_COMMA, "','") != VT_OK ||
        vt_parse_attr(p, &a) != VT_OK)
        return p->err->code;
    vt_add_attr(p, b, "value", a);
    return parse_opt_attr_dict(p, b);
}

/* sdy.mesh @name = <...> */
static vt_status parse_sdy_mesh(vt_parser *p, vt_op_builder *b) {
    if (!vt_tok_is(p, TK_AT)) return PERR(p, "expected the mesh name");
    vt_attr *nm;
    if (vt_parse_attr(p, &nm) != VT_OK) return p->err->code;
    nm->kind = VT_ATTR_STRING;
    vt_add_attr(p, b, "sym_name", nm);
    if (vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
    if (!vt_tok_is(p, TK_LESS)) return PERR(p, "expected '<' with the mesh axes");
    vt_attr *mesh;
    if (vt_parse_attr(p, &mesh) != VT_OK) return p->err->code;
    char *txt = vt_palloc(p, mesh->len + 10);
    if (!txt) return p->err->code;
    memcpy(txt, "#sdy.mesh", 9);
    memcpy(txt + 9, mesh->str, mesh->len + 1);
    mesh->str = txt;
    mesh->len += 9;
    vt_add_attr(p, b, "mesh", mesh);
    return parse_opt_attr_dict(p, b);
}

/* sdy.sharding_constraint %x <@mesh, [...]> : T */
static vt_status parse_sdy_sharding(vt_parser *p, vt_op_builder *b) {
    vt_value *v;
    if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
    if (!vt_tok_is(p, TK_LESS)) return PERR(p, "expected '<' with the sharding");
    vt_attr *sh;
    if (vt_parse_attr(p, &sh) != VT_OK) return p->err->code;
    char *txt = vt_palloc(p, sh->len + 14);
    if (!txt) return p->err->code;
    memcpy(txt, "#sdy.sharding", 13);
    memcpy(txt + 13, sh->str, sh->len + 1);
    sh->str = txt;
    sh->len += 13;
    vt_add_attr(p, b, "sharding", sh);
    if (parse_opt_attr_dict(p, b) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

/* `kw=<attr>` kept as the exact text `prefix<text>suffix` (Shardy's own syntax). */
static vt_status sdy_raw_attr(vt_parser *p, vt_op_builder *b, const char *kw, const char *prefix, const char *suffix) {
    if (vt_expect_kw(p, kw) != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
    const char *s = p->tok.s;
    vt_attr *tmp;
    if (vt_parse_attr(p, &tmp) != VT_OK) return p->err->code;
    const char *e = p->tok.s;
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
    size_t lp = strlen(prefix), ls = strlen(suffix), n = (size_t)(e - s);
    vt_attr *a = vt_new_attr(p, VT_ATTR_OPAQUE);
    char *txt = vt_palloc(p, lp + n + ls + 1);
    if (!a || !txt) return p->err->code;
    memcpy(txt, prefix, lp);
    memcpy(txt + lp, s, n);
    memcpy(txt + lp + n, suffix, ls + 1);
    a->str = txt;
    a->len = lp + n + ls;
    vt_add_attr(p, b, kw, a);
    return p->failed ? p->err->code : VT_OK;
}

/* sdy.manual_computation(%x) in_shardings=[..] out_shardings=[..] manual_axes={..}
 *   (%a: T, ...) { ... } : (T) -> R */
static vt_status parse_sdy_manual(vt_parser *p, vt_op_builder *b) {
    if (parse_operand_list_parens(p, b) != VT_OK) return p->err->code;
    if (sdy_raw_attr(p, b, "in_shardings", "#sdy.sharding_per_value<", ">") != VT_OK ||
        sdy_raw_attr(p, b, "out_shardings", "#sdy.sharding_per_value<", ">") != VT_OK ||
        sdy_raw_attr(p, b, "manual_axes", "#sdy<manual_axes", ">") != VT_OK)
        return p->err->code;
    if (vt_expect(p, TK_LPAREN, "'(' with the body's arguments") != VT_OK) return p->err->code;
    vt_vec args = {.elem = sizeof(vt_value)};
    if (!vt_tok_is(p, TK_RPAREN)) {
        do {
            vt_value v = {0};
            if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) {
                vt_vec_free(&args);
                return PERR(p, "expected an argument name");
            }
            v.name = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
            vt_lex_next(p);
            if (vt_expect(p, TK_COLON, "':'") != VT_OK || vt_parse_type(p, &v.type) != VT_OK || vt_parse_opt_location(p, &v.loc) != VT_OK ||
                !vt_vec_push(p, &args, &v)) {
                vt_vec_free(&args);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_RPAREN, "')'") != VT_OK) {
        vt_vec_free(&args);
        return p->err->code;
    }
    size_t n = args.n;
    vt_value *av = vt_vec_finish(p, &args);
    vt_region *r;
    if (p->failed || vt_parse_region_with_args(p, b->op, av, n, &r) != VT_OK || !vt_vec_push(p, &b->regions, &r)) return p->err->code;
    if (vt_tok_is(p, TK_LBRACE) && vt_parse_attr_dict(p, &b->attrs) != VT_OK) return p->err->code;
    return vt_parse_op_signature(p, b);
}

vt_status vt_parse_pretty_op(vt_parser *p, vt_op_builder *b) {
    vt_opcode oc = b->op->code;
    switch (vt_op_info_get(oc)->pretty) {
    case VT_PK_CONSTANT: return parse_constant(p, b);
    case VT_PK_COMPARE: return parse_compare(p, b);
    case VT_PK_CUSTOM_CALL: return parse_symbol_call(p, b, "call_target_name", true);
    case VT_PK_CALL: return parse_symbol_call(p, b, "callee", false);
    case VT_PK_RETURN: return parse_return(p, b);
    case VT_PK_SLICE: return parse_slice(p, b);
    case VT_PK_GET_TUPLE_ELEMENT: return parse_gte(p, b);
    case VT_PK_DOT_GENERAL: return parse_dot_general(p, b);
    case VT_PK_CONVOLUTION: return parse_convolution(p, b);
    case VT_PK_REDUCE: return parse_reduce(p, b);
    case VT_PK_WHILE: return parse_while(p, b);
    case VT_PK_COMPOSITE: return parse_composite(p, b);
    case VT_PK_SCAN: return parse_scan(p, b);
    case VT_PK_TOP_K: return parse_top_k(p, b);
    case VT_PK_CHECK_CONST: return parse_check_const(p, b);
    case VT_PK_SDY_MESH: return parse_sdy_mesh(p, b);
    case VT_PK_SDY_SHARDING: return parse_sdy_sharding(p, b);
    case VT_PK_SDY_MANUAL: return parse_sdy_manual(p, b);
    case VT_PK_GENERIC:
        if (vt_tok_is(p, TK_LPAREN) && oc != VT_OP_CASE && oc != VT_OP_IF)
            return vt_perr_at(p, b->start, VT_EUNSUPPORTED, "not supported: the pretty form of %s (use the generic form)", b->op->name);
        if (oc == VT_OP_CASE || oc == VT_OP_IF)
            return vt_perr_at(p, b->start, VT_EUNSUPPORTED, "not supported: the pretty form of %s (use the generic form)", b->op->name);
        return parse_simple(p, b);
    case VT_PK_SIMPLE: return parse_simple(p, b);
    }
    return parse_simple(p, b);
}
