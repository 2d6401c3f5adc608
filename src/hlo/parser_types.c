/* Type syntax: tensor<2x?xf32, #stablehlo.bounds<...>>, element types of the tensor layer,
 * !quant.uniform<...>, !stablehlo.token, tuple<...>, function types, aliases, opaque types. */
#include "hlo/parse.h"

#include <stdlib.h>
#include <string.h>

vt_type *vt_new_tensor_type(vt_parser *p, vt_dtype dt, const vt_quant *q, int rank, const int64_t *dims) {
    vt_type *t = vt_palloc(p, sizeof *t);
    if (!t) return NULL;
    t->kind = VT_TYPE_TENSOR;
    t->dtype = dt;
    t->quant = q;
    t->rank = rank;
    if (rank > 0) {
        t->dims = vt_palloc(p, (size_t)rank * sizeof *t->dims);
        if (!t->dims) return NULL;
        memcpy(t->dims, dims, (size_t)rank * sizeof *t->dims);
    }
    return t;
}

bool vt_tok_starts_type(const vt_parser *p) {
    switch (p->tok.kind) {
    case TK_EXCL:
    case TK_LPAREN: return true;
    case TK_BARE: {
        const char *s = p->tok.s;
        size_t n = p->tok.n;
        if ((n == 6 && memcmp(s, "tensor", 6) == 0) || (n == 5 && memcmp(s, "tuple", 5) == 0) ||
            (n == 7 && memcmp(s, "complex", 7) == 0) || (n == 5 && memcmp(s, "index", 5) == 0) ||
            (n == 4 && memcmp(s, "none", 4) == 0) || (n == 6 && memcmp(s, "vector", 6) == 0) ||
            (n == 6 && memcmp(s, "memref", 6) == 0))
            return true;
        return vt_dtype_from_name_n(s, n) != VT_DTYPE_INVALID;
    }
    default: return false;
    }
}

/* Raw balanced text from an opening '<' (current token) to its matching '>'; returns the end
 * position after '>' and leaves the lexer there. `what` names the construct in errors. Shared by
 * dialect types and opaque dialect attributes. */
const char *vt_scan_balanced_angle(vt_parser *p, const char *what) {
    const char *s = p->tok.s, *e = p->end;
    uint32_t depth = 0;
    while (s < e) {
        char c = *s;
        if (c == '"') {
            s++;
            while (s < e && *s != '"') s += (*s == '\\') ? 2 : 1;
            if (s >= e) break;
            s++;
            continue;
        }
        if (c == '-' && s + 1 < e && s[1] == '>') {
            s += 2;
            continue;
        }
        if (c == '<' || c == '(' || c == '[' || c == '{') {
            if (++depth > p->lim.max_depth + 64) {
                vt_perr_at(p, s, VT_ELIMIT, "nesting deeper than the limit of %u", p->lim.max_depth);
                return NULL;
            }
        } else if (c == '>' || c == ')' || c == ']' || c == '}') {
            if (depth == 0) break;
            if (--depth == 0) {
                if (c != '>') break;
                p->pos = s + 1;
                vt_lex_next(p);
                return s + 1;
            }
        }
        s++;
    }
    vt_perr_at(p, p->tok.s, VT_EINPUT, "unterminated '<' in %s", what);
    return NULL;
}

static bool parse_element_dtype(vt_parser *p, vt_dtype *out) {
    if (p->tok.kind != TK_BARE) return false;
    if (p->tok.n == 7 && memcmp(p->tok.s, "complex", 7) == 0) {
        vt_lex_next(p);
        if (vt_expect(p, TK_LESS, "'<' after complex") != VT_OK) return false;
        if (p->tok.kind != TK_BARE) {
            PERR(p, "expected f32 or f64 in complex<...>");
            return false;
        }
        vt_dtype part = vt_dtype_from_name_n(p->tok.s, p->tok.n);
        if (part != VT_F32 && part != VT_F64) {
            PERR(p, "not supported: complex<%.*s> (only complex<f32> and complex<f64>)", (int)p->tok.n, p->tok.s);
            p->err->code = VT_EUNSUPPORTED;
            return false;
        }
        vt_lex_next(p);
        if (vt_expect(p, TK_GREATER, "'>' after complex element type") != VT_OK) return false;
        *out = part == VT_F32 ? VT_C64 : VT_C128;
        return true;
    }
    vt_dtype d = vt_dtype_from_name_n(p->tok.s, p->tok.n);
    if (d == VT_DTYPE_INVALID || d == VT_C64 || d == VT_C128) return false;
    vt_lex_next(p);
    *out = d;
    return true;
}

static vt_status parse_number_f64(vt_parser *p, double *out) {
    bool neg = vt_accept(p, TK_MINUS);
    if (p->tok.kind != TK_INT && p->tok.kind != TK_FLOAT) return PERR(p, "expected a number");
    char buf[128];
    if (p->tok.n >= sizeof buf) return PERR(p, "number too long");
    memcpy(buf, p->tok.s, p->tok.n);
    buf[p->tok.n] = 0;
    *out = strtod(buf, NULL);
    if (neg) *out = -*out;
    vt_lex_next(p);
    return VT_OK;
}

/* !quant.uniform<storage[<min:max>]:expressed[:axis], scale[:zp] | {scale:zp, ...}> */
static vt_status parse_quant(vt_parser *p, const vt_type **out) {
    vt_quant *q = vt_palloc(p, sizeof *q);
    if (!q) return p->err->code;
    if (vt_expect(p, TK_LESS, "'<' after !quant.uniform") != VT_OK) return p->err->code;
    if (p->tok.kind != TK_BARE) return PERR(p, "expected a storage type in !quant.uniform");
    const char *s = p->tok.s;
    size_t n = p->tok.n;
    vt_dtype st = VT_DTYPE_INVALID;
    if (n >= 2 && s[0] == 'u' && s[1] != 'i') { /* u8 spelling */
        char tmp[16];
        if (n + 1 < sizeof tmp) {
            tmp[0] = 'u', tmp[1] = 'i';
            memcpy(tmp + 2, s + 1, n - 1);
            st = vt_dtype_from_name_n(tmp, n + 1);
        }
    } else st = vt_dtype_from_name_n(s, n);
    if (st == VT_DTYPE_INVALID || !vt_dtype_is_int(st)) return PERR(p, "bad quantized storage type '%.*s'", (int)n, s);
    q->storage = st;
    vt_lex_next(p);
    unsigned bits = vt_dtype_bits(st);
    bool uns = vt_dtype_kind_of(st) == VT_KIND_UINT;
    q->storage_min = uns ? 0 : -((int64_t)1 << (bits - 1));
    q->storage_max = uns ? (bits >= 64 ? INT64_MAX : (int64_t)(((uint64_t)1 << bits) - 1)) : (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    if (vt_accept(p, TK_LESS)) {
        if (vt_parse_signed_int(p, &q->storage_min) != VT_OK) return p->err->code;
        if (vt_expect(p, TK_COLON, "':' in storage range") != VT_OK) return p->err->code;
        if (vt_parse_signed_int(p, &q->storage_max) != VT_OK) return p->err->code;
        if (vt_expect(p, TK_GREATER, "'>' after storage range") != VT_OK) return p->err->code;
        q->has_range = true;
    }
    if (vt_expect(p, TK_COLON, "':' after storage type") != VT_OK) return p->err->code;
    if (!parse_element_dtype(p, &q->expressed) || !vt_dtype_is_float(q->expressed))
        return p->failed ? p->err->code : PERR(p, "expected a float expressed type in !quant.uniform");
    q->axis = -1;
    if (vt_accept(p, TK_COLON)) {
        int64_t ax;
        if (vt_parse_signed_int(p, &ax) != VT_OK) return p->err->code;
        if (ax < 0 || ax > VT_MAX_RANK) return PERR(p, "quantized dimension %lld out of range", (long long)ax);
        q->axis = (int32_t)ax;
    }
    if (vt_expect(p, TK_COMMA, "',' before quantization scale") != VT_OK) return p->err->code;
    vt_vec sc = {.elem = sizeof(double)}, zp = {.elem = sizeof(int64_t)};
    bool braced = vt_accept(p, TK_LBRACE);
    if (braced != (q->axis >= 0)) {
        vt_vec_free(&sc);
        return PERR(p, braced ? "per-axis scales need a quantized dimension" : "expected '{' with per-axis scales");
    }
    do {
        double scale;
        int64_t z = 0;
        if (parse_number_f64(p, &scale) != VT_OK) break;
        if (vt_accept(p, TK_COLON) && vt_parse_signed_int(p, &z) != VT_OK) break;
        if (!vt_vec_push(p, &sc, &scale) || !vt_vec_push(p, &zp, &z)) break;
        if (sc.n > p->lim.max_type_elements) {
            vt_perr_at(p, p->tok.s, VT_ELIMIT, "too many quantization scales");
            break;
        }
    } while (braced && vt_accept(p, TK_COMMA));
    if (!p->failed && braced) vt_expect(p, TK_RBRACE, "'}' after per-axis scales");
    if (p->failed) {
        vt_vec_free(&sc);
        vt_vec_free(&zp);
        return p->err->code;
    }
    q->nscales = sc.n;
    q->scales = vt_vec_finish(p, &sc);
    q->zero_points = vt_vec_finish(p, &zp);
    if (vt_expect(p, TK_GREATER, "'>' at the end of !quant.uniform") != VT_OK) return p->err->code;
    vt_type *t = vt_palloc(p, sizeof *t);
    if (!t) return p->err->code;
    t->kind = VT_TYPE_ELEMENT;
    t->dtype = st;
    t->quant = q;
    *out = t;
    return VT_OK;
}

static vt_status parse_bounds(vt_parser *p, vt_type *t, bool ext) {
    /* #stablehlo.bounds<?, 5> or #stablehlo.type_extensions<bounds = [?, 5]> */
    vt_lex_next(p);
    if (vt_expect(p, TK_LESS, "'<'") != VT_OK) return p->err->code;
    vt_vec v = {.elem = sizeof(int64_t)};
    if (ext) {
        if (vt_expect_kw(p, "bounds") != VT_OK || vt_expect(p, TK_EQUAL, "'='") != VT_OK) return p->err->code;
        if (vt_parse_int_list_brackets(p, &v) != VT_OK) return p->err->code;
    } else if (!vt_tok_is(p, TK_GREATER)) {
        do {
            int64_t x = VT_DYN;
            if (!vt_accept(p, TK_QUESTION) && vt_parse_signed_int(p, &x) != VT_OK) {
                vt_vec_free(&v);
                return p->err->code;
            }
            if (!vt_vec_push(p, &v, &x)) {
                vt_vec_free(&v);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_GREATER, "'>' after bounds") != VT_OK) {
        vt_vec_free(&v);
        return p->err->code;
    }
    if (v.n != (size_t)t->rank) {
        vt_vec_free(&v);
        return PERR(p, "bounds have %zu entries for a tensor of rank %d", v.n, t->rank);
    }
    t->bounds = vt_vec_finish(p, &v);
    if (t->rank > 0 && !t->bounds) return p->err->code;
    return VT_OK;
}

static vt_status parse_tensor_type(vt_parser *p, const vt_type **out) {
    const char *start = p->tok.s;
    vt_lex_next(p);
    if (!vt_tok_is(p, TK_LESS)) return PERR(p, "expected '<' after tensor");
    /* dims are lexed by hand: `2x?x3xf32` is not a sequence of ordinary tokens */
    const char *s = p->tok.s + 1, *e = p->end;
    while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++;
    if (s < e && *s == '*') return vt_perr_at(p, s, VT_EUNSUPPORTED, "not supported: unranked tensor type");
    int64_t dims[VT_MAX_RANK];
    int rank = 0;
    uint64_t count = 1;
    bool overflow = false;
    for (;;) {
        const char *d = s;
        int64_t v;
        if (s < e && *s == '?') {
            v = VT_DYN;
            s++;
        } else if (s < e && *s >= '0' && *s <= '9') {
            uint64_t x = 0;
            while (s < e && *s >= '0' && *s <= '9') {
                if (x > (uint64_t)INT64_MAX / 10) return vt_perr_at(p, d, VT_ELIMIT, "dimension too large");
                x = x * 10 + (uint64_t)(*s - '0');
                s++;
            }
            if (x > (uint64_t)INT64_MAX) return vt_perr_at(p, d, VT_ELIMIT, "dimension too large");
            v = (int64_t)x;
        } else break;
        if (s >= e || *s != 'x') return vt_perr_at(p, s, VT_EINPUT, "expected 'x' after a dimension");
        s++;
        if (rank >= VT_MAX_RANK) return vt_perr_at(p, d, VT_ELIMIT, "tensor rank above the limit of %d", VT_MAX_RANK);
        dims[rank++] = v;
        if (v != VT_DYN && !vt_mul_u64(count, (uint64_t)v, &count)) overflow = true;
    }
    if (overflow || count > p->lim.max_type_elements)
        return vt_perr_at(p, start, VT_ELIMIT, "tensor type has more elements than the limit of %llu",
                          (unsigned long long)p->lim.max_type_elements);
    p->pos = s;
    vt_lex_next(p);
    vt_dtype dt;
    const vt_quant *q = NULL;
    if (p->tok.kind == TK_EXCL && p->tok.n == 14 && memcmp(p->tok.s, "!quant.uniform", 14) == 0) {
        const vt_type *qt;
        vt_lex_next(p);
        if (parse_quant(p, &qt) != VT_OK) return p->err->code;
        dt = qt->dtype;
        q = qt->quant;
    } else if (!parse_element_dtype(p, &dt)) {
        if (p->failed) return p->err->code;
        return PERR(p, "expected an element type in tensor type");
    }
    vt_type *t = vt_new_tensor_type(p, dt, q, rank, dims);
    if (!t) return p->err->code;
    if (vt_accept(p, TK_COMMA)) {
        if (p->tok.kind == TK_HASH && p->tok.n == 17 && memcmp(p->tok.s, "#stablehlo.bounds", 17) == 0) {
            if (parse_bounds(p, t, false) != VT_OK) return p->err->code;
        } else if (p->tok.kind == TK_HASH && p->tok.n == 26 && memcmp(p->tok.s, "#stablehlo.type_extensions", 26) == 0) {
            if (parse_bounds(p, t, true) != VT_OK) return p->err->code;
        } else if (vt_parse_attr(p, &t->encoding) != VT_OK) return p->err->code;
    }
    if (vt_expect(p, TK_GREATER, "'>' at the end of the tensor type") != VT_OK) return p->err->code;
    *out = t;
    return VT_OK;
}

static vt_status parse_type_inner(vt_parser *p, const vt_type **out) {
    vt_tok t = p->tok;
    if (t.kind == TK_BARE) {
        if (t.n == 6 && memcmp(t.s, "tensor", 6) == 0) return parse_tensor_type(p, out);
        if (t.n == 5 && memcmp(t.s, "tuple", 5) == 0) {
            vt_lex_next(p);
            if (vt_expect(p, TK_LESS, "'<' after tuple") != VT_OK) return p->err->code;
            vt_vec v = {.elem = sizeof(vt_type *)};
            if (!vt_tok_is(p, TK_GREATER)) {
                do {
                    const vt_type *e;
                    if (vt_parse_type(p, &e) != VT_OK || !vt_vec_push(p, &v, &e)) {
                        vt_vec_free(&v);
                        return p->err->code;
                    }
                } while (vt_accept(p, TK_COMMA));
            }
            if (vt_expect(p, TK_GREATER, "'>' at the end of tuple type") != VT_OK) {
                vt_vec_free(&v);
                return p->err->code;
            }
            vt_type *ty = vt_palloc(p, sizeof *ty);
            if (!ty) return p->err->code;
            ty->kind = VT_TYPE_TUPLE;
            ty->nelems = v.n;
            ty->elems = vt_vec_finish(p, &v);
            *out = ty;
            return p->failed ? p->err->code : VT_OK;
        }
        vt_dtype dt;
        if (parse_element_dtype(p, &dt)) {
            vt_type *ty = vt_palloc(p, sizeof *ty);
            if (!ty) return p->err->code;
            ty->kind = VT_TYPE_ELEMENT;
            ty->dtype = dt;
            *out = ty;
            return VT_OK;
        }
        if (p->failed) return p->err->code;
        if ((t.n == 5 && memcmp(t.s, "index", 5) == 0) || (t.n == 4 && memcmp(t.s, "none", 4) == 0) ||
            (t.n == 6 && memcmp(t.s, "vector", 6) == 0) || (t.n == 6 && memcmp(t.s, "memref", 6) == 0)) {
            vt_lex_next(p);
            const char *end = t.s + t.n;
            if (vt_tok_is(p, TK_LESS) && p->tok.s == end) {
                end = vt_scan_balanced_angle(p, "dialect type");
                if (!end) return p->err->code;
            }
            vt_type *ty = vt_palloc(p, sizeof *ty);
            if (!ty) return p->err->code;
            ty->kind = VT_TYPE_OPAQUE;
            ty->text = vt_pstrndup(p, t.s, (size_t)(end - t.s));
            *out = ty;
            return p->failed ? p->err->code : VT_OK;
        }
        return PERR(p, "unknown type '%.*s'", (int)t.n, t.s);
    }
    if (t.kind == TK_EXCL) {
        if (t.n == 16 && memcmp(t.s, "!stablehlo.token", 16) == 0) {
            vt_lex_next(p);
            vt_type *ty = vt_palloc(p, sizeof *ty);
            if (!ty) return p->err->code;
            ty->kind = VT_TYPE_TOKEN;
            *out = ty;
            return VT_OK;
        }
        if (t.n == 14 && memcmp(t.s, "!quant.uniform", 14) == 0) {
            vt_lex_next(p);
            return parse_quant(p, out);
        }
        for (size_t i = p->ntype_aliases; i-- > 0;) {
            const char *nm = p->type_aliases[i].name;
            if (strlen(nm) == t.n - 1 && memcmp(nm, t.s + 1, t.n - 1) == 0) {
                vt_lex_next(p);
                *out = p->type_aliases[i].type;
                return VT_OK;
            }
        }
        if (!memchr(t.s, '.', t.n)) return PERR(p, "undefined type alias '%.*s'", (int)t.n, t.s);
        vt_lex_next(p);
        const char *end = t.s + t.n;
        if (vt_tok_is(p, TK_LESS) && p->tok.s == end) {
            end = vt_scan_balanced_angle(p, "dialect type");
            if (!end) return p->err->code;
        }
        vt_type *ty = vt_palloc(p, sizeof *ty);
        if (!ty) return p->err->code;
        ty->kind = VT_TYPE_OPAQUE;
        ty->text = vt_pstrndup(p, t.s, (size_t)(end - t.s));
        *out = ty;
        return p->failed ? p->err->code : VT_OK;
    }
    if (t.kind == TK_LPAREN) {
        vt_vec in = {.elem = sizeof(vt_type *)}, res = {.elem = sizeof(vt_type *)};
        if (vt_parse_type_list_parens(p, &in) != VT_OK) return p->err->code;
        if (vt_expect(p, TK_ARROW, "'->' in function type") != VT_OK || vt_parse_result_types(p, &res) != VT_OK) {
            vt_vec_free(&in);
            vt_vec_free(&res);
            return p->err->code;
        }
        vt_type *ty = vt_palloc(p, sizeof *ty);
        if (!ty) return p->err->code;
        ty->kind = VT_TYPE_FUNCTION;
        ty->nelems = in.n;
        ty->elems = vt_vec_finish(p, &in);
        ty->nresults = res.n;
        ty->results = vt_vec_finish(p, &res);
        *out = ty;
        return p->failed ? p->err->code : VT_OK;
    }
    return PERR(p, "expected a type");
}

vt_status vt_parse_type(vt_parser *p, const vt_type **out) {
    if (vt_enter(p, p->tok.s) != VT_OK) return p->err->code;
    vt_status s = parse_type_inner(p, out);
    vt_leave(p);
    return p->failed ? p->err->code : s;
}

vt_status vt_parse_type_list_parens(vt_parser *p, vt_vec *out) {
    if (vt_expect(p, TK_LPAREN, "'('") != VT_OK) return p->err->code;
    if (vt_accept(p, TK_RPAREN)) return VT_OK;
    do {
        const vt_type *t;
        if (vt_parse_type(p, &t) != VT_OK) goto fail;
        if (!vt_vec_push(p, out, &t)) goto fail;
    } while (vt_accept(p, TK_COMMA));
    if (vt_expect(p, TK_RPAREN, "')' after type list") == VT_OK) return VT_OK;
fail:
    vt_vec_free(out);
    return p->err->code;
}

vt_status vt_parse_result_types(vt_parser *p, vt_vec *out) {
    if (vt_tok_is(p, TK_LPAREN)) {
        /* `(T) -> R` inside a result position is a function type only when '->' follows; a
         * parenthesised list is the common case. */
        return vt_parse_type_list_parens(p, out);
    }
    const vt_type *t;
    if (vt_parse_type(p, &t) != VT_OK) return p->err->code;
    if (!vt_vec_push(p, out, &t)) return p->err->code;
    return VT_OK;
}

const vt_type *vt_builtin_element_type(vt_module *m, vt_dtype dt) {
    vt_type *t = vt_module_alloc(m, sizeof *t, NULL);
    if (!t) return NULL;
    t->kind = VT_TYPE_ELEMENT;
    t->dtype = dt;
    return t;
}
