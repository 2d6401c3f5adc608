/* Lexer: token kinds and extents, comments, numbers vs. dimension lists, strings with escapes,
 * source positions, and the up-front UTF-8 / NUL check. */
#include "harness.h"
#include "hlo/parse.h"

#include <stdlib.h>
#include <string.h>

static void init(vt_parser *p, vt_module **m, const char *text, size_t n, vt_error *err) {
    memset(p, 0, sizeof *p);
    *m = vt_module_create("lex.mlir", err);
    p->m = *m;
    p->err = err;
    p->filename = "lex.mlir";
    p->src = text;
    p->end = text + n;
    p->pos = text;
    vt_parse_limits_default(&p->lim);
    vt_error_clear(err);
}

TEST(tokens) {
    const char *t = "%0#1 = \"stablehlo.add\"(%arg0) : (tensor<2xf32>) -> tensor<?xf32> // comment\n"
                    "@sym @\"quoted sym\" ^bb0 #loc3 !stablehlo.token {-# x #-} :: 1.5e-3 0x7FC00000 42 - -> ? * + %a-b.c";
    vt_tok_kind want[] = {TK_PERCENT, TK_EQUAL, TK_STRING, TK_LPAREN, TK_PERCENT, TK_RPAREN, TK_COLON, TK_LPAREN, TK_BARE, TK_LESS,
                          TK_INT, TK_BARE, TK_GREATER, TK_RPAREN, TK_ARROW, TK_BARE, TK_LESS, TK_QUESTION, TK_BARE, TK_GREATER,
                          TK_AT, TK_AT, TK_CARET, TK_HASH, TK_EXCL, TK_FILE_META_BEGIN, TK_BARE, TK_FILE_META_END, TK_DCOLON,
                          TK_FLOAT, TK_INT, TK_INT, TK_MINUS, TK_ARROW, TK_QUESTION, TK_STAR, TK_PLUS, TK_PERCENT, TK_EOF};
    vt_parser p;
    vt_module *m;
    vt_error err;
    init(&p, &m, t, strlen(t), &err);
    size_t n = sizeof want / sizeof want[0];
    for (size_t i = 0; i < n; i++) {
        vt_lex_next(&p);
        CHECK_MSG(p.tok.kind == want[i], "token %zu ('%.*s'): kind %d, expected %d", i, (int)p.tok.n, p.tok.s, p.tok.kind, want[i]);
        if (i == 0) CHECK(p.tok.n == 4);
        if (i == 8) CHECK(p.tok.n == 6 && memcmp(p.tok.s, "tensor", 6) == 0);
        if (i == 11) CHECK(p.tok.n == 4 && memcmp(p.tok.s, "xf32", 4) == 0); /* dims are re-lexed by the type parser */
        if (i == 21) CHECK(p.tok.n == 13);
        if (i == 37) CHECK(p.tok.n == 6);
    }
    CHECK(!p.failed);
    vt_module_free(m);
}

TEST(positions_and_strings) {
    const char *t = "a\n  bc \"x\\22y\\\\z\\0A\\t\" \n\n   d";
    vt_parser p;
    vt_module *m;
    vt_error err;
    init(&p, &m, t, strlen(t), &err);
    uint32_t line, col;
    vt_lex_next(&p);
    vt_lex_next(&p);
    vt_lex_position(&p, p.tok.s, &line, &col);
    CHECK(line == 2 && col == 3);
    vt_lex_next(&p);
    CHECK_EQ_INT(p.tok.kind, TK_STRING);
    size_t len;
    char *s = vt_lex_string_value(&p, &p.tok, &len);
    CHECK(s && len == 7 && memcmp(s, "x\"y\\z\n\t", 7) == 0);
    vt_lex_next(&p);
    vt_lex_position(&p, p.tok.s, &line, &col);
    CHECK(line == 4 && col == 4);
    /* positions asked out of order still come out right */
    vt_lex_position(&p, t, &line, &col);
    CHECK(line == 1 && col == 1);
    vt_module_free(m);
}

TEST(lex_errors) {
    vt_parser p;
    vt_module *m;
    vt_error err;
    const char *t = "  \"never closed";
    init(&p, &m, t, strlen(t), &err);
    vt_lex_next(&p);
    CHECK_EQ_INT(p.tok.kind, TK_ERROR);
    CHECK_ERR(err.code, &err, VT_EINPUT, "lex.mlir:1:3: unterminated string");
    vt_module_free(m);
    t = "@ x";
    init(&p, &m, t, strlen(t), &err);
    vt_lex_next(&p);
    CHECK_ERR(err.code, &err, VT_EINPUT, "lex.mlir:1:1: expected a symbol name after '@'");
    vt_module_free(m);
    t = "ok\n\xe2\x82";
    init(&p, &m, t, strlen(t), &err);
    CHECK_ERR(vt_lex_check_text(&p), &err, VT_EINPUT, "lex.mlir:2:1: truncated UTF-8 sequence");
    vt_module_free(m);
    const char nul[] = "ab\0c";
    init(&p, &m, nul, 4, &err);
    CHECK_ERR(vt_lex_check_text(&p), &err, VT_EINPUT, "lex.mlir:1:3: NUL byte");
    vt_module_free(m);
    t = "caf\xc3\xa9 \xf0\x9f\x98\x80";
    init(&p, &m, t, strlen(t), &err);
    CHECK_EQ_INT(vt_lex_check_text(&p), VT_OK);
    vt_module_free(m);
}

int main(void) {
    RUN(tokens);
    RUN(positions_and_strings);
    RUN(lex_errors);
    return vt_test_finish();
}
