/* Attribute syntax: literals, arrays, dictionaries, dialect attributes (#stablehlo<...>,
 * #stablehlo.dot<...>, opaque fallbacks), dense elements decoded straight into tensor storage,
 * dense_resource blobs and locations. */
#include "hlo/parse.h"

#include <stdlib.h>
#include <string.h>

vt_attr *vt_new_attr(vt_parser *p, vt_attr_kind k) {
    vt_attr *a = vt_palloc(p, sizeof *a);
    if (a) a->kind = k;
    return a;
}

vt_attr *vt_new_int_attr(vt_parser *p, int64_t v, vt_dtype dt) {
    vt_attr *a = vt_new_attr(p, VT_ATTR_INT);
    if (!a) return NULL;
    a->i = v;
    if (dt != VT_DTYPE_INVALID) {
        a->type = vt_builtin_element_type(p->m, dt);
        if (!a->type) return NULL;
    }
    return a;
}

vt_attr *vt_new_i64_array_attr(vt_parser *p, const int64_t *v, size_t n) {
    vt_attr *a = vt_new_attr(p, VT_ATTR_DENSE_ARRAY);
    if (!a) return NULL;
    a->type = vt_builtin_element_type(p->m, VT_I64);
    a->n = n;
    if (n) {
        a->i64s = vt_palloc(p, n * sizeof *a->i64s);
        if (!a->i64s) return NULL;
        memcpy(a->i64s, v, n * sizeof *v);
    }
    return a;
}

vt_attr *vt_new_enum_attr(vt_parser *p, const char *dialect, const char *name, const char *value, size_t vlen) {
    vt_attr *a = vt_new_attr(p, VT_ATTR_ENUM);
    if (!a) return NULL;
    a->dialect = dialect;
    a->name = name;
    a->str = vt_pstrndup(p, value, vlen);
    a->len = vlen;
    return a->str ? a : NULL;
}

vt_attr *vt_new_string_attr(vt_parser *p, const char *s, size_t n) {
    vt_attr *a = vt_new_attr(p, VT_ATTR_STRING);
    if (!a) return NULL;
    a->str = vt_pstrndup(p, s, n);
    a->len = n;
    return a->str ? a : NULL;
}

/* Magnitude of an integer token (decimal or 0x hex); false on overflow of 64 bits. */
static bool int_token_value(const vt_tok *t, uint64_t *out) {
    const char *s = t->s, *e = t->s + t->n;
    uint64_t v = 0;
    if (t->n > 2 && s[0] == '0' && s[1] == 'x') {
        s += 2;
        if (e - s > 16) {
            while (s < e && *s == '0') s++;
            if (e - s > 16) return false;
        }
        for (; s < e; s++) {
            int c = *s;
            int d = c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
            v = v << 4 | (uint64_t)d;
        }
    } else {
        for (; s < e; s++) {
            uint64_t d = (uint64_t)(*s - '0');
            if (v > (UINT64_MAX - d) / 10) return false;
            v = v * 10 + d;
        }
    }
    *out = v;
    return true;
}

vt_status vt_parse_signed_int(vt_parser *p, int64_t *out) {
    const char *at = p->tok.s;
    bool neg = vt_accept(p, TK_MINUS);
    uint64_t v;
    if (p->tok.kind != TK_INT) return PERR(p, "expected an integer");
    if (!int_token_value(&p->tok, &v) || v > (uint64_t)INT64_MAX + neg)
        return vt_perr_at(p, at, VT_EINPUT, "integer out of the 64-bit range");
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    vt_lex_next(p);
    return VT_OK;
}

vt_status vt_parse_int_list_brackets(vt_parser *p, vt_vec *out) {
    if (vt_expect(p, TK_LBRACKET, "'['") != VT_OK) return p->err->code;
    if (!vt_accept(p, TK_RBRACKET)) {
        do {
            int64_t x = VT_DYN;
            if (!vt_accept(p, TK_QUESTION) && vt_parse_signed_int(p, &x) != VT_OK) goto fail;
            if (!vt_vec_push(p, out, &x)) goto fail;
        } while (vt_accept(p, TK_COMMA));
        if (vt_expect(p, TK_RBRACKET, "']' after integer list") != VT_OK) goto fail;
    }
    return VT_OK;
fail:
    vt_vec_free(out);
    return p->err->code;
}

/* ---- dense elements ---------------------------------------------------------------------- */
typedef struct dense_shape {
    int rank;
    int64_t dims[VT_MAX_RANK];
    bool seen[VT_MAX_RANK];
    uint64_t leaves;
} dense_shape;

static bool tok_is_leaf_start(const vt_parser *p) {
    switch (p->tok.kind) {
    case TK_INT: case TK_FLOAT: case TK_MINUS: case TK_LPAREN: return true;
    case TK_BARE:
        return vt_tok_is_kw(p, "true") || vt_tok_is_kw(p, "false") || vt_tok_is_kw(p, "inf") || vt_tok_is_kw(p, "nan");
    default: return false;
    }
}

static vt_status skip_leaf(vt_parser *p) {
    if (vt_accept(p, TK_LPAREN)) {
        vt_accept(p, TK_MINUS);
        if (!tok_is_leaf_start(p) || vt_tok_is(p, TK_LPAREN)) return PERR(p, "expected a number in complex literal");
        vt_lex_next(p);
        if (vt_expect(p, TK_COMMA, "',' in complex literal") != VT_OK) return p->err->code;
        vt_accept(p, TK_MINUS);
        if (!tok_is_leaf_start(p) || vt_tok_is(p, TK_LPAREN)) return PERR(p, "expected a number in complex literal");
        vt_lex_next(p);
        return vt_expect(p, TK_RPAREN, "')' after complex literal");
    }
    vt_accept(p, TK_MINUS);
    if (!tok_is_leaf_start(p) || vt_tok_is(p, TK_LPAREN) || vt_tok_is(p, TK_MINUS)) return PERR(p, "expected a dense element");
    vt_lex_next(p);
    return VT_OK;
}

/* Pass 1 over a nested list: validates and infers the shape without storing elements.
 * Iterative so that hostile nesting cannot exhaust the stack. */
static vt_status scan_dense_list(vt_parser *p, dense_shape *sh) {
    int64_t count[VT_MAX_RANK + 1];
    int depth = 0;
    sh->rank = 0;
    const char *start = p->tok.s;
    /* current token is '[' */
    for (;;) {
        if (vt_tok_is(p, TK_LBRACKET)) {
            if (depth >= VT_MAX_RANK) return vt_perr_at(p, p->tok.s, VT_ELIMIT, "dense literal nested deeper than rank %d", VT_MAX_RANK);
            if (depth > 0) count[depth - 1]++;
            count[depth++] = 0;
            if (depth > sh->rank) {
                if (sh->rank > 0 && sh->leaves > 0) return PERR(p, "dense literal has inconsistent nesting");
                sh->rank = depth;
            }
            vt_lex_next(p);
            if (vt_tok_is(p, TK_RBRACKET)) continue;
            continue;
        }
        if (vt_tok_is(p, TK_RBRACKET)) {
            int d = depth - 1;
            if (sh->seen[d] && sh->dims[d] != count[d]) return PERR(p, "dense literal has rows of different lengths");
            sh->seen[d] = true;
            sh->dims[d] = count[d];
            depth--;
            vt_lex_next(p);
            if (depth == 0) return VT_OK;
            if (vt_accept(p, TK_COMMA)) continue;
            if (!vt_tok_is(p, TK_RBRACKET)) return PERR(p, "expected ',' or ']' in dense literal");
            continue;
        }
        if (tok_is_leaf_start(p)) {
            if (depth != sh->rank) return PERR(p, "dense literal has inconsistent nesting");
            count[depth - 1]++;
            sh->leaves++;
            if (sh->leaves > p->lim.max_type_elements)
                return vt_perr_at(p, start, VT_ELIMIT, "dense literal has more elements than the limit");
            if (skip_leaf(p) != VT_OK) return p->err->code;
            if (vt_accept(p, TK_COMMA)) {
                if (vt_tok_is(p, TK_RBRACKET)) return PERR(p, "expected an element after ','");
                continue;
            }
            if (p->tok.kind == TK_EOF) return vt_perr_at(p, start, VT_EINPUT, "unterminated dense literal");
            if (!vt_tok_is(p, TK_RBRACKET)) return PERR(p, "expected ',' or ']' in dense literal");
            continue;
        }
        if (p->tok.kind == TK_EOF) return vt_perr_at(p, start, VT_EINPUT, "unterminated dense literal");
        return PERR(p, "unexpected token in dense literal");
    }
}

static bool int_fits(vt_dtype dt, bool neg, uint64_t mag) {
    unsigned bits = vt_dtype_bits(dt);
    if (dt == VT_I1) return !neg && mag <= 1;
    if (bits >= 64) return neg ? mag <= (uint64_t)1 << 63 : true;
    if (vt_dtype_kind_of(dt) == VT_KIND_UINT) return !neg && mag < ((uint64_t)1 << bits);
    /* signless integers accept the unsigned range too, as MLIR does */
    return neg ? mag <= ((uint64_t)1 << (bits - 1)) : mag < ((uint64_t)1 << bits);
}

static void store_bits(void *dst, size_t size, uint64_t v) {
    uint8_t *d = dst;
    for (size_t i = 0; i < size; i++) d[i] = (uint8_t)(v >> (8 * i));
}

/* One real element (int, float, bool) into dst of type dt. */
static vt_status store_real(vt_parser *p, vt_dtype dt, void *dst) {
    const char *at = p->tok.s;
    bool neg = vt_accept(p, TK_MINUS);
    vt_tok t = p->tok;
    if (t.kind == TK_BARE) {
        bool tv = vt_tok_is_kw(p, "true"), fv = vt_tok_is_kw(p, "false");
        if (tv || fv) {
            if (neg) return PERR(p, "'-' before a boolean");
            if (vt_dtype_is_float(dt)) return PERR(p, "boolean literal for a float element");
            vt_store_i64(dt, dst, tv);
        } else {
            if (!vt_dtype_is_float(dt)) return PERR(p, "'%.*s' for a non-float element", (int)t.n, t.s);
            double v = vt_tok_is_kw(p, "inf") ? 1.0 / 0.0 : 0.0 / 0.0;
            vt_store_f64(dt, dst, neg ? -v : v);
        }
        vt_lex_next(p);
        return VT_OK;
    }
    if (t.kind == TK_FLOAT) {
        if (!vt_dtype_is_float(dt)) return PERR(p, "float literal for an integer element of type %s", vt_dtype_name(dt));
        char buf[128];
        if (t.n >= sizeof buf) return PERR(p, "number too long");
        memcpy(buf, t.s, t.n);
        buf[t.n] = 0;
        double v = strtod(buf, NULL);
        vt_store_f64(dt, dst, neg ? -v : v);
        vt_lex_next(p);
        return VT_OK;
    }
    if (t.kind != TK_INT) return PERR(p, "expected a dense element");
    uint64_t mag;
    if (!int_token_value(&t, &mag)) return vt_perr_at(p, at, VT_EINPUT, "integer literal out of range");
    bool hex = t.n > 2 && t.s[1] == 'x';
    if (vt_dtype_is_float(dt)) {
        if (hex) {
            /* hex float literal: the raw bit pattern of the element type */
            unsigned bits = vt_dtype_bits(dt);
            if (neg || (bits < 64 && mag >> bits)) return vt_perr_at(p, at, VT_EINPUT, "hex float literal does not fit %s", vt_dtype_name(dt));
            store_bits(dst, vt_dtype_size(dt), mag);
        } else {
            double v = (double)mag;
            vt_store_f64(dt, dst, neg ? -v : v);
        }
        vt_lex_next(p);
        return VT_OK;
    }
    if (!int_fits(dt, neg, mag)) return vt_perr_at(p, at, VT_EINPUT, "integer literal out of range for %s", vt_dtype_name(dt));
    if (neg) vt_store_i64(dt, dst, (int64_t)(0 - mag));
    else vt_store_u64(dt, dst, mag);
    vt_lex_next(p);
    return VT_OK;
}

static vt_status store_elem(vt_parser *p, vt_dtype dt, void *dst) {
    if (vt_dtype_is_complex(dt)) {
        vt_dtype part = vt_complex_part_dtype(dt);
        if (vt_expect(p, TK_LPAREN, "'(' of a complex literal") != VT_OK) return p->err->code;
        if (store_real(p, part, dst) != VT_OK) return p->err->code;
        if (vt_expect(p, TK_COMMA, "','") != VT_OK) return p->err->code;
        if (store_real(p, part, (char *)dst + vt_dtype_size(part)) != VT_OK) return p->err->code;
        return vt_expect(p, TK_RPAREN, "')' after complex literal");
    }
    if (vt_tok_is(p, TK_LPAREN)) return PERR(p, "complex literal for a non-complex element");
    return store_real(p, dt, dst);
}

/* Hex digit value + 1; 0 marks a non-digit, so the decode loop needs no branches. */
static const uint8_t hex_table[256] = {
    ['0'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ['A'] = 11, 12, 13, 14, 15, 16,
    ['a'] = 11, 12, 13, 14, 15, 16,
};

/* Decodes 2n hex digits; false when any is not a hex digit. */
static bool fast_hex_decode(const char *hex, size_t n, uint8_t *out) {
    const unsigned char *h = (const unsigned char *)hex;
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = hex_table[h[2 * i]], lo = hex_table[h[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)(((hi - 1) << 4) | ((lo - 1) & 15));
    }
    return bad == 0;
}

static vt_status decode_hex_blob(vt_parser *p, const vt_tok *str, const vt_type *ty, vt_tensor **out, bool *splat) {
    const char *hex = str->s + 3; /* after "0x */
    size_t nhex = str->n - 4;
    if (nhex % 2) return vt_perr_at(p, str->s, VT_EINPUT, "hex blob has an odd number of digits");
    size_t nbytes = nhex / 2;
    vt_dtype dt = ty->dtype;
    size_t es = vt_dtype_size(dt);
    uint64_t nelem;
    if (vt_type_num_elements(ty, &nelem, p->err) != VT_OK) return vt_perr_at(p, str->s, VT_EINPUT, "dense constant needs a static shape");
    uint64_t want;
    if (!vt_mul_u64(nelem, es, &want)) return vt_perr_at(p, str->s, VT_ELIMIT, "constant too large");
    *splat = false;
    int rank = ty->rank;
    const int64_t *dims = ty->dims;
    if (nbytes == es && nelem != 1) {
        *splat = true;
        rank = 0;
        want = es;
    } else if (nbytes != want) {
        return vt_perr_at(p, str->s, VT_EINPUT, "hex blob has %zu bytes but tensor<...> of %llu elements of %s needs %llu",
                          nbytes, (unsigned long long)nelem, vt_dtype_name(dt), (unsigned long long)want);
    }
    uint64_t total;
    if (!vt_add_u64(p->m->constant_bytes, want, &total) || total > p->lim.max_constant_bytes)
        return vt_perr_at(p, str->s, VT_ELIMIT, "constants exceed the limit of %llu bytes", (unsigned long long)p->lim.max_constant_bytes);
    vt_error e2;
    vt_tensor *t = vt_tensor_create_uninit(dt, rank, dims, UINT64_MAX, &e2);
    if (!t) return vt_perr_at(p, str->s, e2.code, "%s", e2.msg);
    if (vt_module_adopt_tensor(p->m, t, &e2) != VT_OK) return vt_perr_at(p, str->s, e2.code, "%s", e2.msg);
    if (!fast_hex_decode(hex, nbytes, t->data)) return vt_perr_at(p, str->s, VT_EINPUT, "hex blob has a non-hex digit");
    unsigned bits = vt_dtype_bits(dt);
    if (dt == VT_I1) {
        uint8_t *d = t->data;
        for (size_t i = 0; i < t->nbytes; i++)
            if (d[i] > 1) return vt_perr_at(p, str->s, VT_EINPUT, "hex blob for i1 holds byte 0x%02x at element %zu", d[i], i);
    } else if (bits < 8) {
        /* sub-byte storage: sign-extend signed types through the byte, mask the others */
        uint8_t *d = t->data;
        bool sgn = vt_dtype_kind_of(dt) == VT_KIND_SINT;
        uint8_t mask = (uint8_t)((1u << bits) - 1);
        for (size_t i = 0; i < t->nbytes; i++) {
            uint8_t v = d[i] & mask;
            if (sgn && (v >> (bits - 1))) v |= (uint8_t)~mask;
            d[i] = v;
        }
    }
    p->m->constant_bytes = total;
    *out = t;
    return VT_OK;
}

/* dense<...> : type, with the current token after the keyword `dense`. */
vt_status vt_parse_dense_after_kw(vt_parser *p, vt_attr **out, bool type_required) {
    (void)type_required;
    const char *kw = p->tok.s;
    vt_lex_next(p);
    if (p->tok.s != kw + 5 || !vt_tok_is(p, TK_LESS)) return PERR(p, "expected '<' after dense");
    vt_lex_next(p);
    const char *body = p->tok.s;
    vt_tok hex = {0};
    bool is_hex = false, is_list = false, empty = false;
    dense_shape sh;
    memset(&sh, 0, sizeof sh);
    if (vt_tok_is(p, TK_STRING)) {
        if (p->tok.n < 4 || p->tok.s[1] != '0' || p->tok.s[2] != 'x')
            return vt_perr_at(p, p->tok.s, VT_EUNSUPPORTED, "not supported: dense string elements");
        hex = p->tok;
        is_hex = true;
        vt_lex_next(p);
    } else if (vt_tok_is(p, TK_LBRACKET)) {
        is_list = true;
        if (scan_dense_list(p, &sh) != VT_OK) return p->err->code;
    } else if (vt_tok_is(p, TK_GREATER)) {
        empty = true;
    } else {
        if (!tok_is_leaf_start(p)) return PERR(p, "expected a dense literal");
        if (skip_leaf(p) != VT_OK) return p->err->code;
    }
    if (vt_expect(p, TK_GREATER, "'>' at the end of dense literal") != VT_OK) return p->err->code;
    if (!vt_tok_is(p, TK_COLON)) return PERR(p, "expected ':' and a type after dense<...>");
    vt_lex_next(p);
    const char *type_at = p->tok.s;
    const vt_type *ty;
    if (vt_parse_type(p, &ty) != VT_OK) return p->err->code;
    const char *resume = p->tok.s;
    if (ty->kind != VT_TYPE_TENSOR) return vt_perr_at(p, type_at, VT_EINPUT, "dense attribute needs a tensor type");
    if (!vt_type_is_static(ty)) return vt_perr_at(p, type_at, VT_EINPUT, "dense attribute needs a static shape");
    vt_attr *a = vt_new_attr(p, VT_ATTR_DENSE);
    if (!a) return p->err->code;
    a->type = ty;
    if (is_hex) {
        if (decode_hex_blob(p, &hex, ty, &a->tensor, &a->splat) != VT_OK) return p->err->code;
        *out = a;
        return VT_OK;
    }
    uint64_t nelem;
    vt_type_num_elements(ty, &nelem, NULL);
    vt_dtype dt = ty->dtype;
    int rank = ty->rank;
    if (empty) {
        if (nelem != 0) return vt_perr_at(p, body, VT_EINPUT, "empty dense literal for a type with %llu elements", (unsigned long long)nelem);
    } else if (is_list) {
        bool match = sh.rank == ty->rank;
        for (int i = 0; match && i < sh.rank; i++) match = sh.dims[i] == ty->dims[i];
        /* `[]` for any zero-element type */
        if (!match && !(sh.leaves == 0 && nelem == 0 && sh.rank == 1))
            return vt_perr_at(p, body, VT_EINPUT, "dense literal shape does not match the type (%llu elements, rank %d vs %d)",
                              (unsigned long long)sh.leaves, sh.rank, ty->rank);
    } else {
        a->splat = nelem != 1;
        if (a->splat) rank = 0;
    }
    size_t es = vt_dtype_size(dt);
    uint64_t bytes = 0, total;
    if (!vt_mul_u64(a->splat ? 1 : nelem, es, &bytes) || !vt_add_u64(p->m->constant_bytes, bytes, &total) ||
        total > p->lim.max_constant_bytes)
        return vt_perr_at(p, body, VT_ELIMIT, "constants exceed the limit of %llu bytes", (unsigned long long)p->lim.max_constant_bytes);
    vt_error e2;
    vt_tensor *t = vt_tensor_create(dt, rank, ty->dims, UINT64_MAX, &e2);
    if (!t) return vt_perr_at(p, body, e2.code, "%s", e2.msg);
    if (vt_module_adopt_tensor(p->m, t, &e2) != VT_OK) return vt_perr_at(p, body, e2.code, "%s", e2.msg);
    a->tensor = t;
    p->m->constant_bytes = total;
    if (!empty) {
        /* pass 2: re-lex the literal and store each element */
        p->pos = body;
        vt_lex_next(p);
        char *d = t->data;
        size_t i = 0;
        while (!vt_tok_is(p, TK_GREATER)) {
            if (vt_tok_is(p, TK_LBRACKET) || vt_tok_is(p, TK_RBRACKET) || vt_tok_is(p, TK_COMMA)) {
                vt_lex_next(p);
                continue;
            }
            if (i >= t->nelem) return PERR(p, "too many elements");
            if (store_elem(p, dt, d + i * es) != VT_OK) return p->err->code;
            i++;
        }
        p->pos = resume;
        vt_lex_next(p);
    }
    *out = a;
    return VT_OK;
}

/* ---- locations ---------------------------------------------------------------------------- */
static vt_status parse_loc_body(vt_parser *p, vt_attr **out);

static vt_status parse_loc_body_inner(vt_parser *p, vt_attr *a) {
    if (vt_tok_is(p, TK_HASH)) {
        a->loc_kind = VT_LOC_ALIAS;
        a->str = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
        vt_lex_next(p);
        if (p->nloc_refs == p->cap_loc_refs) {
            size_t nc = p->cap_loc_refs ? p->cap_loc_refs * 2 : 64;
            vt_attr **n = realloc(p->loc_refs, nc * sizeof *n);
            if (!n) return vt_perr_at(p, p->tok.s, VT_ENOMEM, "out of memory");
            p->loc_refs = n;
            p->cap_loc_refs = nc;
        }
        p->loc_refs[p->nloc_refs++] = a;
        return VT_OK;
    }
    if (vt_accept_kw(p, "unknown")) {
        a->loc_kind = VT_LOC_UNKNOWN;
        return VT_OK;
    }
    if (vt_tok_is_kw(p, "callsite")) {
        vt_lex_next(p);
        a->loc_kind = VT_LOC_CALLSITE;
        a->elems = vt_palloc(p, 2 * sizeof *a->elems);
        if (!a->elems) return p->err->code;
        a->n = 2;
        if (vt_expect(p, TK_LPAREN, "'(' after callsite") != VT_OK || parse_loc_body(p, &a->elems[0]) != VT_OK ||
            vt_expect_kw(p, "at") != VT_OK || parse_loc_body(p, &a->elems[1]) != VT_OK ||
            vt_expect(p, TK_RPAREN, "')' after callsite") != VT_OK)
            return p->err->code;
        return VT_OK;
    }
    if (vt_tok_is_kw(p, "fused")) {
        vt_lex_next(p);
        a->loc_kind = VT_LOC_FUSED;
        if (vt_accept(p, TK_LESS)) {
            if (vt_parse_attr(p, &a->meta) != VT_OK || vt_expect(p, TK_GREATER, "'>' after fused metadata") != VT_OK)
                return p->err->code;
        }
        if (vt_expect(p, TK_LBRACKET, "'[' after fused") != VT_OK) return p->err->code;
        vt_vec v = {.elem = sizeof(vt_attr *)};
        if (!vt_tok_is(p, TK_RBRACKET)) {
            do {
                vt_attr *c;
                if (parse_loc_body(p, &c) != VT_OK || !vt_vec_push(p, &v, &c)) {
                    vt_vec_free(&v);
                    return p->err->code;
                }
            } while (vt_accept(p, TK_COMMA));
        }
        a->n = v.n;
        a->elems = vt_vec_finish(p, &v);
        return vt_expect(p, TK_RBRACKET, "']' after fused locations");
    }
    if (!vt_tok_is(p, TK_STRING)) return PERR(p, "expected a location");
    a->str = vt_lex_string_value(p, &p->tok, &a->len);
    if (!a->str) return p->err->code;
    vt_lex_next(p);
    if (vt_accept(p, TK_COLON)) {
        a->loc_kind = VT_LOC_FILE;
        int64_t l, c;
        if (vt_parse_signed_int(p, &l) != VT_OK || vt_expect(p, TK_COLON, "':' in file location") != VT_OK ||
            vt_parse_signed_int(p, &c) != VT_OK)
            return p->err->code;
        a->line = (uint32_t)l;
        a->col = (uint32_t)c;
        if (vt_accept_kw(p, "to")) {
            int64_t l2 = l, c2;
            if (!vt_tok_is(p, TK_COLON) && vt_parse_signed_int(p, &l2) != VT_OK) return p->err->code;
            if (vt_expect(p, TK_COLON, "':' in location range") != VT_OK || vt_parse_signed_int(p, &c2) != VT_OK)
                return p->err->code;
            a->end_line = (uint32_t)l2;
            a->end_col = (uint32_t)c2;
        }
        return VT_OK;
    }
    a->loc_kind = VT_LOC_NAME;
    if (vt_accept(p, TK_LPAREN)) {
        a->elems = vt_palloc(p, sizeof *a->elems);
        if (!a->elems) return p->err->code;
        a->n = 1;
        if (parse_loc_body(p, &a->elems[0]) != VT_OK) return p->err->code;
        return vt_expect(p, TK_RPAREN, "')' after name location");
    }
    return VT_OK;
}

static vt_status parse_loc_body(vt_parser *p, vt_attr **out) {
    if (vt_enter(p, p->tok.s) != VT_OK) return p->err->code;
    vt_attr *a = vt_new_attr(p, VT_ATTR_LOC);
    if (!a) return p->err->code;
    vt_status s = parse_loc_body_inner(p, a);
    vt_leave(p);
    *out = a;
    return p->failed ? p->err->code : s;
}

vt_status vt_parse_location(vt_parser *p, vt_attr **out) {
    if (vt_expect_kw(p, "loc") != VT_OK || vt_expect(p, TK_LPAREN, "'(' after loc") != VT_OK) return p->err->code;
    if (parse_loc_body(p, out) != VT_OK) return p->err->code;
    return vt_expect(p, TK_RPAREN, "')' after location");
}

vt_status vt_parse_opt_location(vt_parser *p, vt_attr **out) {
    if (out) *out = NULL;
    if (!vt_tok_is_kw(p, "loc")) return VT_OK;
    vt_attr *a;
    if (vt_parse_location(p, &a) != VT_OK) return p->err->code;
    if (out) *out = a;
    return VT_OK;
}

/* ---- dictionaries and arrays --------------------------------------------------------------- */
vt_status vt_parse_attr_dict(vt_parser *p, vt_vec *fields) {
    if (vt_expect(p, TK_LBRACE, "'{'") != VT_OK) return p->err->code;
    if (vt_accept(p, TK_RBRACE)) return VT_OK;
    do {
        vt_named_attr na;
        const char *at = p->tok.s;
        if (vt_tok_is(p, TK_BARE)) {
            na.name = vt_pstrndup(p, p->tok.s, p->tok.n);
        } else if (vt_tok_is(p, TK_STRING)) {
            na.name = vt_lex_string_value(p, &p->tok, NULL);
        } else {
            if (p->tok.kind == TK_EOF) return PERR(p, "unterminated attribute dictionary");
            return PERR(p, "expected an attribute name");
        }
        if (!na.name) return p->err->code;
        vt_lex_next(p);
        if (vt_accept(p, TK_EQUAL)) {
            if (vt_parse_attr(p, &na.value) != VT_OK) return p->err->code;
        } else {
            na.value = vt_new_attr(p, VT_ATTR_UNIT);
            if (!na.value) return p->err->code;
        }
        for (size_t i = 0; i < fields->n && fields->n < 64; i++)
            if (strcmp(((vt_named_attr *)fields->data)[i].name, na.name) == 0)
                return vt_perr_at(p, at, VT_EINPUT, "duplicate attribute '%s'", na.name);
        if (!vt_vec_push(p, fields, &na)) return p->err->code;
    } while (vt_accept(p, TK_COMMA));
    if (p->tok.kind == TK_EOF) return PERR(p, "unterminated attribute dictionary");
    if (vt_expect(p, TK_RBRACE, "'}' or ',' in attribute dictionary") != VT_OK) return p->err->code;
    /* sorted like MLIR dictionaries; duplicates rejected (also for large dictionaries) */
    if (fields->n > 1) qsort(fields->data, fields->n, sizeof(vt_named_attr), vt_named_attr_cmp);
    for (size_t i = 1; i < fields->n; i++)
        if (strcmp(((vt_named_attr *)fields->data)[i].name, ((vt_named_attr *)fields->data)[i - 1].name) == 0)
            return PERR(p, "duplicate attribute '%s'", ((vt_named_attr *)fields->data)[i].name);
    return VT_OK;
}

static vt_status make_dict(vt_parser *p, vt_attr **out) {
    vt_vec v = {.elem = sizeof(vt_named_attr)};
    if (vt_parse_attr_dict(p, &v) != VT_OK) {
        vt_vec_free(&v);
        return p->err->code;
    }
    vt_attr *a = vt_new_attr(p, VT_ATTR_DICT);
    if (!a) return p->err->code;
    a->nfields = v.n;
    a->fields = vt_vec_finish(p, &v);
    *out = a;
    return p->failed ? p->err->code : VT_OK;
}

/* ---- dialect attributes ------------------------------------------------------------------ */
/* `[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]` into the named fields of #stablehlo.conv */
vt_status vt_parse_conv_dims(vt_parser *p, vt_attr *a);

static vt_attr *opaque_from(vt_parser *p, const char *s, const char *e) {
    vt_attr *a = vt_new_attr(p, VT_ATTR_OPAQUE);
    if (!a) return NULL;
    a->str = vt_pstrndup(p, s, (size_t)(e - s));
    a->len = (size_t)(e - s);
    return a->str ? a : NULL;
}

/* Tries `key = value, ...>` (current token after '<'); on failure restores nothing: the caller
 * saved the state. */
static vt_status parse_named_fields(vt_parser *p, vt_attr *a) {
    vt_vec v = {.elem = sizeof(vt_named_attr)};
    if (!vt_tok_is(p, TK_GREATER)) {
        do {
            if (!vt_tok_is(p, TK_BARE)) {
                vt_vec_free(&v);
                return PERR(p, "expected a field name");
            }
            vt_named_attr na;
            na.name = vt_pstrndup(p, p->tok.s, p->tok.n);
            vt_lex_next(p);
            if (vt_expect(p, TK_EQUAL, "'='") != VT_OK || vt_parse_attr(p, &na.value) != VT_OK || !vt_vec_push(p, &v, &na)) {
                vt_vec_free(&v);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_GREATER, "'>'") != VT_OK) {
        vt_vec_free(&v);
        return p->err->code;
    }
    a->nfields = v.n;
    a->fields = vt_vec_finish(p, &v);
    return p->failed ? p->err->code : VT_OK;
}

static vt_status parse_hash_attr(vt_parser *p, vt_attr **out) {
    vt_tok t = p->tok;
    const char *name = t.s + 1;
    size_t n = t.n - 1;
    vt_lex_next(p);
    bool angle = vt_tok_is(p, TK_LESS) && p->tok.s == t.s + t.n;
    if (!angle) {
        for (size_t i = p->nattr_aliases; i-- > 0;) {
            const char *nm = p->attr_aliases[i].name;
            if (strlen(nm) == n && memcmp(nm, name, n) == 0) {
                *out = p->attr_aliases[i].value;
                return VT_OK;
            }
        }
        if (!memchr(name, '.', n)) return vt_perr_at(p, t.s, VT_EINPUT, "undefined attribute alias '#%.*s'", (int)n, name);
        *out = opaque_from(p, t.s, t.s + t.n);
        return *out ? VT_OK : p->err->code;
    }
    const char *dot = memchr(name, '.', n);
    /* save state for a fallback to the opaque form */
    const char *save_pos = p->pos;
    vt_tok save_tok = p->tok;
    vt_attr *a = vt_new_attr(p, dot ? VT_ATTR_DIALECT : VT_ATTR_ENUM);
    if (!a) return p->err->code;
    a->dialect = vt_pstrndup(p, name, dot ? (size_t)(dot - name) : n);
    if (dot) a->name = vt_pstrndup(p, dot + 1, (size_t)(name + n - dot - 1));
    vt_lex_next(p); /* past '<' */
    vt_status s;
    vt_error saved_err = *p->err;
    if (!dot) {
        /* #dialect<enum_name VALUE> */
        if (vt_tok_is(p, TK_BARE)) {
            a->name = vt_pstrndup(p, p->tok.s, p->tok.n);
            vt_lex_next(p);
            if (vt_tok_is(p, TK_BARE)) {
                a->str = vt_pstrndup(p, p->tok.s, p->tok.n);
                a->len = p->tok.n;
                vt_lex_next(p);
                if (vt_accept(p, TK_GREATER)) {
                    *out = a;
                    return VT_OK;
                }
            }
        }
        s = VT_EINPUT;
    } else if (strcmp(a->dialect, "stablehlo") == 0 && strcmp(a->name, "conv") == 0 && vt_tok_is(p, TK_LBRACKET)) {
        s = vt_parse_conv_dims(p, a);
        if (s == VT_OK) s = vt_expect(p, TK_GREATER, "'>' after convolution dimensions");
    } else {
        s = parse_named_fields(p, a);
    }
    if (s == VT_OK) {
        *out = a;
        return VT_OK;
    }
    if (p->failed && p->err->code == VT_ELIMIT) return VT_ELIMIT;
    /* not field syntax: keep the exact text */
    p->failed = false;
    *p->err = saved_err;
    p->pos = save_pos;
    p->tok = save_tok;
    const char *e = vt_scan_balanced_angle(p, "attribute");
    if (!e) return p->err->code;
    vt_attr *o = opaque_from(p, t.s, e);
    if (!o) return p->err->code;
    *out = o;
    return VT_OK;
}

static vt_status parse_number_attr(vt_parser *p, vt_attr **out) {
    const char *at = p->tok.s;
    bool neg = vt_accept(p, TK_MINUS);
    vt_tok t = p->tok;
    vt_attr *a;
    if (t.kind == TK_FLOAT) {
        a = vt_new_attr(p, VT_ATTR_FLOAT);
        if (!a) return p->err->code;
        char buf[128];
        if (t.n >= sizeof buf) return PERR(p, "number too long");
        memcpy(buf, t.s, t.n);
        buf[t.n] = 0;
        a->f = strtod(buf, NULL);
        if (neg) a->f = -a->f;
    } else if (t.kind == TK_INT) {
        uint64_t mag;
        if (!int_token_value(&t, &mag)) return vt_perr_at(p, at, VT_EINPUT, "integer literal out of the 64-bit range");
        a = vt_new_attr(p, VT_ATTR_INT);
        if (!a) return p->err->code;
        if (neg && mag > (uint64_t)1 << 63) return vt_perr_at(p, at, VT_EINPUT, "integer literal out of the 64-bit range");
        a->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        a->b = neg; /* remembered for range checks below */
    } else {
        return PERR(p, "expected a number");
    }
    vt_lex_next(p);
    bool hex = t.kind == TK_INT && t.n > 2 && t.s[1] == 'x';
    if (p->no_type_depth != p->depth && vt_accept(p, TK_COLON)) {
        const char *tat = p->tok.s;
        const vt_type *ty;
        if (vt_parse_type(p, &ty) != VT_OK) return p->err->code;
        if (ty->kind != VT_TYPE_ELEMENT && ty->kind != VT_TYPE_OPAQUE)
            return vt_perr_at(p, tat, VT_EINPUT, "a number needs a scalar type");
        if (ty->kind == VT_TYPE_ELEMENT) {
            if (a->kind == VT_ATTR_INT && vt_dtype_is_float(ty->dtype) && hex) {
                /* hex literal of a float type: the bit pattern */
                unsigned bits = vt_dtype_bits(ty->dtype);
                if (a->b || (bits < 64 && ((uint64_t)a->i >> bits)))
                    return vt_perr_at(p, at, VT_EINPUT, "hex float literal does not fit %s", vt_dtype_name(ty->dtype));
                uint8_t buf[16] = {0};
                store_bits(buf, vt_dtype_size(ty->dtype), (uint64_t)a->i);
                a->kind = VT_ATTR_FLOAT;
                a->f = vt_load_f64(ty->dtype, buf);
            } else if (a->kind == VT_ATTR_INT && vt_dtype_is_float(ty->dtype)) {
                a->kind = VT_ATTR_FLOAT;
                a->f = a->b ? (double)a->i : (double)(uint64_t)a->i;
            } else if (a->kind == VT_ATTR_FLOAT && !vt_dtype_is_float(ty->dtype)) {
                return vt_perr_at(p, tat, VT_EINPUT, "float literal with integer type");
            } else if (a->kind == VT_ATTR_INT) {
                if (!int_fits(ty->dtype, a->b, a->b ? (uint64_t)0 - (uint64_t)a->i : (uint64_t)a->i))
                    return vt_perr_at(p, at, VT_EINPUT, "integer literal out of range for %s", vt_dtype_name(ty->dtype));
            }
        }
        a->type = ty;
    }
    a->b = false;
    *out = a;
    return VT_OK;
}

static vt_status parse_dense_array(vt_parser *p, vt_attr **out) {
    /* array<i64: 1, 2> */
    vt_lex_next(p);
    if (vt_expect(p, TK_LESS, "'<' after array") != VT_OK) return p->err->code;
    const char *tat = p->tok.s;
    const vt_type *ty;
    if (vt_parse_type(p, &ty) != VT_OK) return p->err->code;
    if (ty->kind != VT_TYPE_ELEMENT || ty->quant || vt_dtype_is_complex(ty->dtype))
        return vt_perr_at(p, tat, VT_EINPUT, "array<...> needs an integer or float element type");
    vt_attr *a = vt_new_attr(p, VT_ATTR_DENSE_ARRAY);
    if (!a) return p->err->code;
    a->type = ty;
    bool fl = vt_dtype_is_float(ty->dtype);
    vt_vec v = {.elem = 8};
    if (vt_accept(p, TK_COLON)) {
        do {
            uint8_t elem[16] = {0};
            if (store_real(p, ty->dtype, elem) != VT_OK) {
                vt_vec_free(&v);
                return p->err->code;
            }
            if (fl) {
                double d = vt_load_f64(ty->dtype, elem);
                if (!vt_vec_push(p, &v, &d)) {
                    vt_vec_free(&v);
                    return p->err->code;
                }
            } else {
                int64_t x = vt_load_i64(ty->dtype, elem);
                if (!vt_vec_push(p, &v, &x)) {
                    vt_vec_free(&v);
                    return p->err->code;
                }
            }
            if (v.n > p->lim.max_type_elements) {
                vt_vec_free(&v);
                return vt_perr_at(p, p->tok.s, VT_ELIMIT, "array<...> longer than the element limit");
            }
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_GREATER, "'>' after array elements") != VT_OK) {
        vt_vec_free(&v);
        return p->err->code;
    }
    a->n = v.n;
    void *data = vt_vec_finish(p, &v);
    if (fl) a->f64s = data;
    else a->i64s = data;
    *out = a;
    return p->failed ? p->err->code : VT_OK;
}

static vt_status parse_attr_inner(vt_parser *p, vt_attr **out) {
    vt_tok t = p->tok;
    switch (t.kind) {
    case TK_INT:
    case TK_FLOAT:
    case TK_MINUS: return parse_number_attr(p, out);
    case TK_STRING: {
        vt_attr *a = vt_new_attr(p, VT_ATTR_STRING);
        if (!a) return p->err->code;
        a->str = vt_lex_string_value(p, &t, &a->len);
        if (!a->str) return p->err->code;
        vt_lex_next(p);
        if (p->no_type_depth != p->depth && vt_accept(p, TK_COLON)) {
            const vt_type *ty;
            if (vt_parse_type(p, &ty) != VT_OK) return p->err->code;
            a->type = ty;
        }
        *out = a;
        return VT_OK;
    }
    case TK_LBRACKET: {
        vt_lex_next(p);
        vt_vec v = {.elem = sizeof(vt_attr *)};
        if (!vt_tok_is(p, TK_RBRACKET)) {
            do {
                vt_attr *e;
                if (vt_parse_attr(p, &e) != VT_OK || !vt_vec_push(p, &v, &e)) {
                    vt_vec_free(&v);
                    return p->err->code;
                }
            } while (vt_accept(p, TK_COMMA));
        }
        if (p->tok.kind == TK_EOF) {
            vt_vec_free(&v);
            return vt_perr_at(p, t.s, VT_EINPUT, "unterminated '[' in attribute");
        }
        if (vt_expect(p, TK_RBRACKET, "']' or ',' in array attribute") != VT_OK) {
            vt_vec_free(&v);
            return p->err->code;
        }
        vt_attr *a = vt_new_attr(p, VT_ATTR_ARRAY);
        if (!a) return p->err->code;
        a->n = v.n;
        a->elems = vt_vec_finish(p, &v);
        *out = a;
        return p->failed ? p->err->code : VT_OK;
    }
    case TK_LBRACE: return make_dict(p, out);
    case TK_AT: {
        vt_attr *a = vt_new_attr(p, VT_ATTR_SYMBOL);
        if (!a) return p->err->code;
        const char *s = t.s, *e = t.s + t.n;
        vt_lex_next(p);
        while (vt_tok_is(p, TK_DCOLON)) { /* nested references @a::@b kept as one text */
            vt_lex_next(p);
            if (!vt_tok_is(p, TK_AT)) return PERR(p, "expected a symbol after '::'");
            e = p->tok.s + p->tok.n;
            vt_lex_next(p);
        }
        if (s[1] == '"' && e == t.s + t.n) a->str = vt_lex_string_value(p, &t, &a->len);
        else {
            a->str = vt_pstrndup(p, s + 1, (size_t)(e - s - 1));
            a->len = (size_t)(e - s - 1);
        }
        if (!a->str) return p->err->code;
        *out = a;
        return VT_OK;
    }
    case TK_HASH: return parse_hash_attr(p, out);
    case TK_LESS: {
        const char *e = vt_scan_balanced_angle(p, "attribute");
        if (!e) return p->err->code;
        *out = opaque_from(p, t.s, e);
        return *out ? VT_OK : p->err->code;
    }
    case TK_BARE: {
        if (vt_tok_is_kw(p, "true") || vt_tok_is_kw(p, "false")) {
            vt_attr *a = vt_new_attr(p, VT_ATTR_BOOL);
            if (!a) return p->err->code;
            a->b = t.s[0] == 't';
            vt_lex_next(p);
            *out = a;
            return VT_OK;
        }
        if (vt_tok_is_kw(p, "unit")) {
            vt_lex_next(p);
            *out = vt_new_attr(p, VT_ATTR_UNIT);
            return *out ? VT_OK : p->err->code;
        }
        if (vt_tok_is_kw(p, "dense")) return vt_parse_dense_after_kw(p, out, true);
        if (vt_tok_is_kw(p, "array")) return parse_dense_array(p, out);
        if (vt_tok_is_kw(p, "loc")) return vt_parse_location(p, out);
        if (vt_tok_is_kw(p, "dense_resource")) {
            vt_lex_next(p);
            if (vt_expect(p, TK_LESS, "'<' after dense_resource") != VT_OK) return p->err->code;
            if (!vt_tok_is(p, TK_BARE) && !vt_tok_is(p, TK_STRING)) return PERR(p, "expected a resource name");
            vt_attr *a = vt_new_attr(p, VT_ATTR_DENSE_RESOURCE);
            if (!a) return p->err->code;
            a->str = vt_tok_is(p, TK_STRING) ? vt_lex_string_value(p, &p->tok, &a->len) : vt_pstrndup(p, p->tok.s, p->tok.n);
            if (!a->str) return p->err->code;
            a->len = strlen(a->str);
            vt_lex_next(p);
            if (vt_expect(p, TK_GREATER, "'>' after resource name") != VT_OK) return p->err->code;
            if (vt_expect(p, TK_COLON, "':' and a type after dense_resource<...>") != VT_OK) return p->err->code;
            const char *tat = p->tok.s;
            if (vt_parse_type(p, &a->type) != VT_OK) return p->err->code;
            if (!vt_type_is_static(a->type)) return vt_perr_at(p, tat, VT_EINPUT, "dense_resource needs a static tensor type");
            /* resolved after the file metadata section, like location aliases */
            if (p->nloc_refs == p->cap_loc_refs) {
                size_t nc = p->cap_loc_refs ? p->cap_loc_refs * 2 : 64;
                vt_attr **nn = realloc(p->loc_refs, nc * sizeof *nn);
                if (!nn) return vt_perr_at(p, tat, VT_ENOMEM, "out of memory");
                p->loc_refs = nn;
                p->cap_loc_refs = nc;
            }
            p->loc_refs[p->nloc_refs++] = a;
            *out = a;
            return VT_OK;
        }
        if (vt_tok_starts_type(p)) {
            vt_attr *a = vt_new_attr(p, VT_ATTR_TYPE);
            if (!a) return p->err->code;
            if (vt_parse_type(p, &a->type) != VT_OK) return p->err->code;
            *out = a;
            return VT_OK;
        }
        return PERR(p, "unknown attribute '%.*s'", (int)t.n, t.s);
    }
    case TK_EXCL:
    case TK_LPAREN: {
        vt_attr *a = vt_new_attr(p, VT_ATTR_TYPE);
        if (!a) return p->err->code;
        if (vt_parse_type(p, &a->type) != VT_OK) return p->err->code;
        *out = a;
        return VT_OK;
    }
    case TK_EOF: return PERR(p, "unexpected end of input, expected an attribute");
    default: return PERR(p, "expected an attribute");
    }
}

vt_status vt_parse_attr(vt_parser *p, vt_attr **out) {
    if (vt_enter(p, p->tok.s) != VT_OK) return p->err->code;
    *out = NULL;
    vt_status s = parse_attr_inner(p, out);
    vt_leave(p);
    return p->failed ? p->err->code : s;
}

/* ---- file metadata: {-# dialect_resources: { builtin: { name: "0x..." } } #-} ---------- */
vt_status vt_parse_file_metadata(vt_parser *p) {
    vt_lex_next(p); /* past {-# */
    vt_vec res = {.elem = sizeof(vt_resource)};
    for (size_t i = 0; i < p->m->nresources; i++) vt_vec_push(p, &res, &p->m->resources[i]);
    while (!vt_tok_is(p, TK_FILE_META_END)) {
        if (!vt_tok_is(p, TK_BARE)) goto bad;
        bool dialect_res = vt_tok_is_kw(p, "dialect_resources");
        if (!dialect_res && !vt_tok_is_kw(p, "external_resources")) {
            vt_vec_free(&res);
            return vt_perr_at(p, p->tok.s, VT_EUNSUPPORTED, "not supported: file metadata '%.*s'", (int)p->tok.n, p->tok.s);
        }
        vt_lex_next(p);
        if (vt_expect(p, TK_COLON, "':'") != VT_OK || vt_expect(p, TK_LBRACE, "'{'") != VT_OK) goto fail;
        while (!vt_accept(p, TK_RBRACE)) {
            if (!vt_tok_is(p, TK_BARE)) goto bad;
            char *dialect = vt_pstrndup(p, p->tok.s, p->tok.n);
            vt_lex_next(p);
            if (vt_expect(p, TK_COLON, "':'") != VT_OK || vt_expect(p, TK_LBRACE, "'{'") != VT_OK) goto fail;
            while (!vt_accept(p, TK_RBRACE)) {
                if (!vt_tok_is(p, TK_BARE) && !vt_tok_is(p, TK_STRING)) goto bad;
                vt_resource r = {0};
                r.dialect = dialect;
                r.name = vt_tok_is(p, TK_STRING) ? vt_lex_string_value(p, &p->tok, NULL) : vt_pstrndup(p, p->tok.s, p->tok.n);
                vt_lex_next(p);
                if (vt_expect(p, TK_COLON, "':'") != VT_OK) goto fail;
                if (!vt_tok_is(p, TK_STRING)) goto bad;
                vt_tok s = p->tok;
                if (dialect_res) {
                    if (s.n < 4 || s.s[1] != '0' || s.s[2] != 'x' || (s.n - 4) % 2 || s.n - 4 < 8) {
                        vt_vec_free(&res);
                        return vt_perr_at(p, s.s, VT_EINPUT, "resource blob must be \"0x\" hex with a 4-byte alignment prefix");
                    }
                    size_t nb = (s.n - 4) / 2;
                    uint8_t *d = vt_palloc(p, nb);
                    if (!d) goto fail;
                    if (!vt_hex_decode(s.s + 3, nb, d)) {
                        vt_vec_free(&res);
                        return vt_perr_at(p, s.s, VT_EINPUT, "resource blob has a non-hex digit");
                    }
                    r.alignment = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
                    r.data = d + 4;
                    r.len = nb - 4;
                    if (!vt_vec_push(p, &res, &r)) goto fail;
                }
                vt_lex_next(p);
                if (!vt_accept(p, TK_COMMA) && !vt_tok_is(p, TK_RBRACE)) goto bad;
            }
            if (!vt_accept(p, TK_COMMA) && !vt_tok_is(p, TK_RBRACE)) goto bad;
        }
        if (!vt_accept(p, TK_COMMA) && !vt_tok_is(p, TK_FILE_META_END)) goto bad;
    }
    vt_lex_next(p);
    p->m->nresources = res.n;
    p->m->resources = vt_vec_finish(p, &res);
    return p->failed ? p->err->code : VT_OK;
bad:
    if (p->tok.kind == TK_EOF) PERR(p, "unterminated file metadata (expected '#-}')");
    else PERR(p, "malformed file metadata");
fail:
    vt_vec_free(&res);
    return p->err->code;
}

/* Resolves #locN aliases and dense_resource blobs once the whole text was read. */
vt_status vt_resolve_resources(vt_parser *p) {
    for (size_t i = 0; i < p->nloc_refs; i++) {
        vt_attr *a = p->loc_refs[i];
        if (a->kind == VT_ATTR_LOC) {
            for (size_t k = p->nattr_aliases; k-- > 0;)
                if (strcmp(p->attr_aliases[k].name, a->str) == 0) {
                    a->resolved = p->attr_aliases[k].value;
                    break;
                }
            continue;
        }
        /* DENSE_RESOURCE */
        const vt_resource *r = NULL;
        for (size_t k = 0; k < p->m->nresources; k++)
            if (strcmp(p->m->resources[k].name, a->str) == 0) r = &p->m->resources[k];
        if (!r) continue; /* __elided__ or absent: executing it is the error */
        uint64_t nelem;
        if (vt_type_num_elements(a->type, &nelem, p->err) != VT_OK) return p->err->code;
        size_t es = vt_dtype_size(a->type->dtype);
        uint64_t want;
        if (!vt_mul_u64(nelem, es, &want) || want != r->len)
            return vt_error_set(p->err, VT_EINPUT, "%s: dense_resource<%s> blob has %zu bytes, the type needs %llu",
                                p->filename, a->str, r->len, (unsigned long long)want);
        uint64_t total;
        if (!vt_add_u64(p->m->constant_bytes, want, &total) || total > p->lim.max_constant_bytes)
            return vt_error_set(p->err, VT_ELIMIT, "%s: constants exceed the limit of %llu bytes", p->filename,
                                (unsigned long long)p->lim.max_constant_bytes);
        vt_error e2;
        vt_tensor *t = vt_tensor_create_uninit(a->type->dtype, a->type->rank, a->type->dims, UINT64_MAX, &e2);
        if (!t) return vt_error_set(p->err, e2.code, "%s: %s", p->filename, e2.msg);
        if (r->len) memcpy(t->data, r->data, r->len);
        if (vt_module_adopt_tensor(p->m, t, p->err) != VT_OK) return p->err->code;
        p->m->constant_bytes = total;
        a->tensor = t;
    }
    return VT_OK;
}
