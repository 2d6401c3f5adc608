/* Lexer for the MLIR text syntax StableHLO uses: tokens on demand from a byte position, source
 * positions for messages, and the input checks (UTF-8, no NUL bytes) done once up front. */
#include "hlo/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool is_id_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_id_char(int c) { return is_id_start(c) || (c >= '0' && c <= '9') || c == '$' || c == '.'; }
/* value, block and type-alias names may also hold '-' */
static bool is_suffix_char(int c) { return is_id_char(c) || c == '-'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void vt_lex_position(vt_parser *p, const char *at, uint32_t *line, uint32_t *col) {
    /* Positions are asked for in mostly increasing order; resume from the last one. */
    if (at < p->src) at = p->src;
    if (at > p->end) at = p->end;
    if (!p->line_pos || at < p->line_pos) {
        p->line_pos = p->src;
        p->line_no = p->first_line ? p->first_line : 1;
        p->line_start = p->src;
    }
    const char *s = p->line_pos;
    uint32_t ln = p->line_no;
    const char *ls = p->line_start;
    while (s < at) {
        const char *nl = memchr(s, '\n', (size_t)(at - s));
        if (!nl) break;
        ln++;
        s = nl + 1;
        ls = s;
    }
    p->line_pos = ls;
    p->line_no = ln;
    p->line_start = ls;
    *line = ln;
    *col = (uint32_t)(at - ls) + 1;
}

vt_status vt_perr_at(vt_parser *p, const char *at, vt_status code, const char *fmt, ...) {
    if (p->failed) return p->err ? p->err->code : code; /* keep the first error */
    p->failed = true;
    uint32_t line, col;
    vt_lex_position(p, at ? at : p->src, &line, &col);
    char msg[VT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_error_set(p->err, code, "%s:%u:%u: %s", p->filename, line, col, msg);
}

vt_status vt_lex_check_text(vt_parser *p) {
    const unsigned char *s = (const unsigned char *)p->src, *e = (const unsigned char *)p->end;
    while (s < e) {
        /* fast path over ASCII, a word at a time: no byte with the high bit set and no zero byte */
        while ((size_t)(e - s) >= 8) {
            uint64_t w;
            memcpy(&w, s, 8);
            if (((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) | (w & 0x8080808080808080ull)) break;
            s += 8;
        }
        while (s < e && *s >= 1 && *s < 0x80) s++;
        if (s >= e) break;
        if (*s == 0) return vt_perr_at(p, (const char *)s, VT_EINPUT, "NUL byte in input");
        unsigned c = *s;
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
        else return vt_perr_at(p, (const char *)s, VT_EINPUT, "invalid UTF-8 byte 0x%02x", c);
        if ((size_t)(e - s) <= n) return vt_perr_at(p, (const char *)s, VT_EINPUT, "truncated UTF-8 sequence");
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80) return vt_perr_at(p, (const char *)s, VT_EINPUT, "invalid UTF-8 sequence");
            cp = cp << 6 | (s[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return vt_perr_at(p, (const char *)s, VT_EINPUT, "invalid UTF-8 sequence (overlong or surrogate)");
        s += n + 1;
    }
    return VT_OK;
}

static void set_tok(vt_parser *p, vt_tok_kind k, const char *s, const char *e) {
    p->tok.kind = k;
    p->tok.s = s;
    p->tok.n = (size_t)(e - s);
    p->pos = e;
}

static void lex_error(vt_parser *p, const char *at, const char *msg) {
    vt_perr_at(p, at, VT_EINPUT, "%s", msg);
    set_tok(p, TK_ERROR, at, at);
}

/* Scans a "..." string starting at s (the quote); returns the position after the closing quote,
 * or NULL when unterminated. */
static const char *scan_string(const char *s, const char *e) {
    s++;
    while (s < e) {
        /* memchr-style skip to the next quote or backslash: large hex blobs live in strings */
        const char *q = memchr(s, '"', (size_t)(e - s));
        if (!q) return NULL;
        const char *b = memchr(s, '\\', (size_t)(q - s));
        if (!b) return q + 1;
        if (b + 1 >= e) return NULL;
        s = b + 2;
    }
    return NULL;
}

void vt_lex_next(vt_parser *p) {
    const char *s = p->pos, *e = p->end;
    for (;;) {
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
        if (s + 1 < e && s[0] == '/' && s[1] == '/') {
            const char *nl = memchr(s, '\n', (size_t)(e - s));
            s = nl ? nl + 1 : e;
            continue;
        }
        break;
    }
    if (s >= e) {
        set_tok(p, TK_EOF, e, e);
        return;
    }
    int c = (unsigned char)*s;
    const char *t = s + 1;
    switch (c) {
    case '(': set_tok(p, TK_LPAREN, s, t); return;
    case ')': set_tok(p, TK_RPAREN, s, t); return;
    case '[': set_tok(p, TK_LBRACKET, s, t); return;
    case ']': set_tok(p, TK_RBRACKET, s, t); return;
    case '}': set_tok(p, TK_RBRACE, s, t); return;
    case '<': set_tok(p, TK_LESS, s, t); return;
    case '>': set_tok(p, TK_GREATER, s, t); return;
    case ',': set_tok(p, TK_COMMA, s, t); return;
    case '=': set_tok(p, TK_EQUAL, s, t); return;
    case '?': set_tok(p, TK_QUESTION, s, t); return;
    case '*': set_tok(p, TK_STAR, s, t); return;
    case '+': set_tok(p, TK_PLUS, s, t); return;
    case '{':
        if (t + 1 < e && t[0] == '-' && t[1] == '#') set_tok(p, TK_FILE_META_BEGIN, s, t + 2);
        else set_tok(p, TK_LBRACE, s, t);
        return;
    case ':':
        if (t < e && *t == ':') set_tok(p, TK_DCOLON, s, t + 1);
        else set_tok(p, TK_COLON, s, t);
        return;
    case '-':
        if (t < e && *t == '>') set_tok(p, TK_ARROW, s, t + 1);
        else set_tok(p, TK_MINUS, s, t);
        return;
    case '"': {
        const char *q = scan_string(s, e);
        if (!q) {
            lex_error(p, s, "unterminated string");
            return;
        }
        set_tok(p, TK_STRING, s, q);
        return;
    }
    case '@': {
        if (t < e && *t == '"') {
            const char *q = scan_string(t, e);
            if (!q) {
                lex_error(p, s, "unterminated string");
                return;
            }
            set_tok(p, TK_AT, s, q);
            return;
        }
        if (t >= e || !(is_id_start((unsigned char)*t) || is_digit((unsigned char)*t))) {
            lex_error(p, s, "expected a symbol name after '@'");
            return;
        }
        while (t < e && is_id_char((unsigned char)*t)) t++;
        set_tok(p, TK_AT, s, t);
        return;
    }
    case '%':
    case '^':
    case '!': {
        if (t >= e || !(is_id_start((unsigned char)*t) || is_digit((unsigned char)*t) || *t == '$' || *t == '.' || *t == '-')) {
            lex_error(p, s, c == '%' ? "expected a value name after '%'" : c == '^' ? "expected a block name after '^'" : "expected a type name after '!'");
            return;
        }
        while (t < e && is_suffix_char((unsigned char)*t)) t++;
        if (c == '%' && t + 1 < e && *t == '#' && is_digit((unsigned char)t[1])) {
            t++;
            while (t < e && is_digit((unsigned char)*t)) t++;
        }
        set_tok(p, c == '%' ? TK_PERCENT : c == '^' ? TK_CARET : TK_EXCL, s, t);
        return;
    }
    case '#': {
        if (t < e && *t == '-' && t + 1 < e && t[1] == '}') {
            set_tok(p, TK_FILE_META_END, s, t + 2);
            return;
        }
        if (t >= e || !(is_id_start((unsigned char)*t) || is_digit((unsigned char)*t))) {
            lex_error(p, s, "expected an attribute name after '#'");
            return;
        }
        while (t < e && is_id_char((unsigned char)*t)) t++;
        set_tok(p, TK_HASH, s, t);
        return;
    }
    default: break;
    }
    if (is_digit(c)) {
        if (c == '0' && t < e && *t == 'x' && t + 1 < e && is_hex((unsigned char)t[1])) {
            t++;
            while (t < e && is_hex((unsigned char)*t)) t++;
            set_tok(p, TK_INT, s, t);
            return;
        }
        while (t < e && is_digit((unsigned char)*t)) t++;
        bool is_float = false;
        if (t < e && *t == '.') {
            is_float = true;
            t++;
            while (t < e && is_digit((unsigned char)*t)) t++;
        }
        /* an exponent only after a fraction, so that `2x3` dims and `1e` idents stay apart */
        if (is_float && t < e && (*t == 'e' || *t == 'E')) {
            const char *u = t + 1;
            if (u < e && (*u == '+' || *u == '-')) u++;
            if (u < e && is_digit((unsigned char)*u)) {
                while (u < e && is_digit((unsigned char)*u)) u++;
                t = u;
            }
        }
        set_tok(p, is_float ? TK_FLOAT : TK_INT, s, t);
        return;
    }
    if (is_id_start(c)) {
        while (t < e && is_id_char((unsigned char)*t)) t++;
        set_tok(p, TK_BARE, s, t);
        return;
    }
    char msg[64];
    if (c >= 0x20 && c < 0x7f) snprintf(msg, sizeof msg, "unexpected character '%c'", c);
    else snprintf(msg, sizeof msg, "unexpected byte 0x%02x", (unsigned)c);
    lex_error(p, s, msg);
}

static int hexv(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *vt_lex_string_value(vt_parser *p, const vt_tok *t, size_t *len) {
    const char *s = t->s, *e = t->s + t->n;
    while (s < e && *s != '"') s++; /* skip '@' of @"sym" */
    s++;
    e--; /* closing quote */
    size_t cap = (size_t)(e - s);
    char *out = vt_palloc(p, cap + 1);
    if (!out) return NULL;
    size_t n = 0;
    while (s < e) {
        if (*s != '\\') {
            out[n++] = *s++;
            continue;
        }
        s++;
        if (s >= e) break;
        char c = *s;
        if (c == '\\' || c == '"') out[n++] = c, s++;
        else if (c == 'n') out[n++] = '\n', s++;
        else if (c == 't') out[n++] = '\t', s++;
        else if (s + 1 < e && hexv((unsigned char)s[0]) >= 0 && hexv((unsigned char)s[1]) >= 0) {
            out[n++] = (char)(hexv((unsigned char)s[0]) << 4 | hexv((unsigned char)s[1]));
            s += 2;
        } else {
            vt_perr_at(p, s - 1, VT_EINPUT, "unknown escape sequence in string");
            return NULL;
        }
    }
    out[n] = 0;
    if (len) *len = n;
    return out;
}
