/* Private interface between the lexer and the parser files (core syntax, types, attributes,
 * pretty op forms): one parser state, tokens produced on demand from a byte position. */
#ifndef VT_HLO_PARSE_H
#define VT_HLO_PARSE_H

#include "veritor/hlo.h"

typedef enum vt_tok_kind {
    TK_EOF,
    TK_ERROR,
    TK_BARE,     /* identifier or keyword: letters, digits, _ $ . - */
    TK_AT,       /* @name or @"name" */
    TK_PERCENT,  /* %name, optionally with #N */
    TK_CARET,    /* ^bb0 */
    TK_HASH,     /* #name (attribute alias, dialect attribute) */
    TK_EXCL,     /* !name (dialect type, type alias) */
    TK_INT,      /* 123 or 0x1F (no sign) */
    TK_FLOAT,    /* 1.5, 1e3 (no sign) */
    TK_STRING,   /* "..." */
    TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_LBRACE, TK_RBRACE, TK_LESS, TK_GREATER,
    TK_COMMA, TK_COLON, TK_EQUAL, TK_ARROW, TK_QUESTION, TK_STAR, TK_PLUS, TK_MINUS,
    TK_FILE_META_BEGIN, /* {-# */
    TK_FILE_META_END,   /* #-} */
    TK_DCOLON           /* :: */
} vt_tok_kind;

typedef struct vt_tok {
    vt_tok_kind kind;
    const char *s; /* start in the input */
    size_t n;      /* length in bytes */
} vt_tok;

typedef struct vt_scope_entry vt_scope_entry;

typedef struct vt_parser {
    const char *src, *end, *pos; /* input and the position after the current token */
    vt_tok tok;                  /* current token */
    const char *filename;
    uint32_t first_line;
    vt_parse_limits lim;
    uint32_t depth;
    uint32_t no_type_depth; /* attributes parsed at this depth take no `: type` suffix */
    vt_module *m;
    vt_error *err;
    bool failed;
    /* value scope: a hash table of visible names with a stack for nested regions */
    vt_scope_entry **buckets;
    size_t nbuckets, nentries;
    vt_scope_entry *stack;       /* most recent first */
    /* aliases (#name = attr, !name = type) */
    vt_named_attr *attr_aliases;
    size_t nattr_aliases, cap_attr_aliases;
    struct { const char *name; const vt_type *type; } *type_aliases;
    size_t ntype_aliases, cap_type_aliases;
    /* locations that reference #locN aliases, resolved at the end */
    vt_attr **loc_refs;
    size_t nloc_refs, cap_loc_refs;
    /* calls to check once all functions are known */
    vt_op **calls;
    size_t ncalls, cap_calls;
    /* line bookkeeping for positions: last computed position */
    const char *line_pos;
    uint32_t line_no;
    const char *line_start;
} vt_parser;

/* Parser set-up shared by vt_parse_module and vt_parse_attribute_text (parser.c): limits,
 * filename, a fresh module and the input check; p->m is NULL when it failed before creating the
 * module. vt_parser_end frees the parser's tables and hands out the module (or frees it on
 * error, keeping the first message). */
vt_status vt_parser_begin(vt_parser *p, const char *text, size_t len, const vt_parse_options *opt,
                          const char *default_name, vt_error *err);
vt_status vt_parser_end(vt_parser *p, vt_status s, vt_module **out);

/* ---- lexer (lexer.c) ---- */
void vt_lex_next(vt_parser *p);
/* 1-based line and column of a position. */
void vt_lex_position(vt_parser *p, const char *at, uint32_t *line, uint32_t *col);
/* Sets an error "file:line:col: msg" at a position and marks the parser failed. Returns the
 * code. */
vt_status vt_perr_at(vt_parser *p, const char *at, vt_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Same at the current token; "expected X" helpers. */
/* Skips balanced text from the current '<' to its matching '>' (parser_types.c). */
const char *vt_scan_balanced_angle(vt_parser *p, const char *what);
#define PERR(p, ...) vt_perr_at((p), (p)->tok.s, VT_EINPUT, __VA_ARGS__)
/* Validates that the input is UTF-8 without NUL bytes. */
vt_status vt_lex_check_text(vt_parser *p);
/* Decodes a string token's contents (escapes \\, \", \n, \t, \XX) into an arena string. */
char *vt_lex_string_value(vt_parser *p, const vt_tok *t, size_t *len);

/* ---- parser core helpers (parser.c) ---- */
bool vt_tok_is(const vt_parser *p, vt_tok_kind k);
bool vt_tok_is_kw(const vt_parser *p, const char *kw);
bool vt_accept(vt_parser *p, vt_tok_kind k);
bool vt_accept_kw(vt_parser *p, const char *kw);
vt_status vt_expect(vt_parser *p, vt_tok_kind k, const char *what);
vt_status vt_expect_kw(vt_parser *p, const char *kw);
void *vt_palloc(vt_parser *p, size_t size);
char *vt_pstrndup(vt_parser *p, const char *s, size_t n);
/* Growable arrays in malloc'ed scratch, copied into the arena when done. */
typedef struct vt_vec {
    void *data;
    size_t n, cap, elem;
} vt_vec;
bool vt_vec_push(vt_parser *p, vt_vec *v, const void *item);
void *vt_vec_finish(vt_parser *p, vt_vec *v); /* arena copy (NULL when empty), frees scratch */
void vt_vec_free(vt_vec *v);
vt_status vt_enter(vt_parser *p, const char *at); /* depth limit */
void vt_leave(vt_parser *p);

/* value resolution */
vt_value *vt_lookup_value(vt_parser *p, const vt_tok *t);
vt_status vt_parse_operand(vt_parser *p, vt_value **out);
vt_status vt_parse_region(vt_parser *p, vt_op *parent, vt_region **out, const vt_type **arg_types,
                          vt_value **entry_args_named, size_t nentry);
vt_status vt_parse_region_with_args(vt_parser *p, vt_op *parent, vt_value *args, size_t nargs, vt_region **out);
vt_status vt_define_value(vt_parser *p, vt_value *v, const char *at);
void vt_register_call(vt_parser *p, vt_op *op);

/* ---- types (parser_types.c) ---- */
vt_status vt_parse_type(vt_parser *p, const vt_type **out);
vt_status vt_parse_type_list_parens(vt_parser *p, vt_vec *out); /* ( T, ... ) */
/* Result types: a single type or a parenthesised list */
vt_status vt_parse_result_types(vt_parser *p, vt_vec *out);
bool vt_tok_starts_type(const vt_parser *p);
vt_type *vt_new_tensor_type(vt_parser *p, vt_dtype dt, const vt_quant *q, int rank, const int64_t *dims);

/* ---- attributes (parser_attrs.c) ---- */
vt_status vt_parse_attr(vt_parser *p, vt_attr **out);
vt_status vt_parse_attr_dict(vt_parser *p, vt_vec *fields); /* { a = x, b } appended to fields */
vt_status vt_parse_location(vt_parser *p, vt_attr **out);     /* at `loc` */
vt_status vt_parse_opt_location(vt_parser *p, vt_attr **out); /* optional trailing loc(...) */
vt_status vt_parse_dense_after_kw(vt_parser *p, vt_attr **out, bool type_required);
vt_attr *vt_new_attr(vt_parser *p, vt_attr_kind k);
vt_attr *vt_new_int_attr(vt_parser *p, int64_t v, vt_dtype dt);
vt_attr *vt_new_i64_array_attr(vt_parser *p, const int64_t *v, size_t n);
vt_attr *vt_new_enum_attr(vt_parser *p, const char *dialect, const char *name, const char *value, size_t vlen);
vt_attr *vt_new_string_attr(vt_parser *p, const char *s, size_t n);
vt_status vt_parse_int_list_brackets(vt_parser *p, vt_vec *out); /* [1, -2, ?] into int64 vec */
vt_status vt_parse_signed_int(vt_parser *p, int64_t *out);
vt_status vt_resolve_resources(vt_parser *p);
vt_status vt_parse_file_metadata(vt_parser *p);

/* ---- ops (parser.c) and pretty forms (parser_pretty.c) ---- */
typedef struct vt_op_builder {
    vt_op *op;
    vt_vec operands;   /* vt_value* */
    vt_vec attrs;      /* vt_named_attr */
    vt_vec regions;    /* vt_region* */
    vt_vec result_types; /* const vt_type* */
    size_t nresults;   /* from the left-hand side */
    const char *start;
} vt_op_builder;
vt_status vt_parse_pretty_op(vt_parser *p, vt_op_builder *b);
/* Parses `: types` in the forms `T`, `T1, T2`, `(T..) -> R`, `T.. -> R` and assigns
 * operand/result types; checks operand types against their values. */
vt_status vt_parse_op_signature(vt_parser *p, vt_op_builder *b);
vt_status vt_check_operand_types(vt_parser *p, vt_op_builder *b, const vt_type **types, size_t n, const char *at);
void vt_add_attr(vt_parser *p, vt_op_builder *b, const char *name, vt_attr *a);

/* ---- shared IR helpers (ir.c) ---- */
int vt_named_attr_cmp(const void *a, const void *b);
const vt_type *vt_builtin_element_type(vt_module *m, vt_dtype dt);

#endif
