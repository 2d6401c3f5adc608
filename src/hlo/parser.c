/* Core syntax: modules, functions, regions, blocks, SSA values and scopes, the generic op
 * form, aliases and limits; pretty op forms are in parser_pretty.c. */
#include "hlo/parse.h"

#include <stdlib.h>
#include <string.h>

void vt_parse_limits_default(vt_parse_limits *l) {
    l->max_input_bytes = (uint64_t)1 << 30;
    l->max_depth = 128;
    l->max_ops = 10000000;
    l->max_constant_bytes = (uint64_t)4 << 30;
    l->max_type_elements = (uint64_t)1 << 40;
}

/* ---- token helpers ---- */
bool vt_tok_is(const vt_parser *p, vt_tok_kind k) { return p->tok.kind == k; }
bool vt_tok_is_kw(const vt_parser *p, const char *kw) {
    size_t n = strlen(kw);
    return p->tok.kind == TK_BARE && p->tok.n == n && memcmp(p->tok.s, kw, n) == 0;
}
bool vt_accept(vt_parser *p, vt_tok_kind k) {
    if (p->tok.kind != k || p->failed) return false;
    vt_lex_next(p);
    return true;
}
bool vt_accept_kw(vt_parser *p, const char *kw) {
    if (!vt_tok_is_kw(p, kw) || p->failed) return false;
    vt_lex_next(p);
    return true;
}
static const char *tok_desc(const vt_tok *t) {
    switch (t->kind) {
    case TK_EOF: return "end of input";
    case TK_STRING: return "a string";
    case TK_INT: case TK_FLOAT: return "a number";
    default: return NULL;
    }
}
vt_status vt_expect(vt_parser *p, vt_tok_kind k, const char *what) {
    if (p->failed) return p->err->code;
    if (p->tok.kind == k) {
        vt_lex_next(p);
        return p->failed ? p->err->code : VT_OK;
    }
    const char *d = tok_desc(&p->tok);
    if (d) return PERR(p, "expected %s, found %s", what, d);
    return PERR(p, "expected %s, found '%.*s'", what, (int)(p->tok.n > 40 ? 40 : p->tok.n), p->tok.s);
}
vt_status vt_expect_kw(vt_parser *p, const char *kw) {
    if (p->failed) return p->err->code;
    if (vt_accept_kw(p, kw)) return VT_OK;
    const char *d = tok_desc(&p->tok);
    if (d) return PERR(p, "expected '%s', found %s", kw, d);
    return PERR(p, "expected '%s', found '%.*s'", kw, (int)(p->tok.n > 40 ? 40 : p->tok.n), p->tok.s);
}

void *vt_palloc(vt_parser *p, size_t size) {
    vt_error e;
    void *r = vt_arena_alloc(&p->m->arena, size, 16, &e);
    if (!r) vt_perr_at(p, p->tok.s, e.code, "%s", e.msg);
    return r;
}
char *vt_pstrndup(vt_parser *p, const char *s, size_t n) {
    char *r = vt_palloc(p, n + 1);
    if (r) {
        if (n) memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

bool vt_vec_push(vt_parser *p, vt_vec *v, const void *item) {
    if (p->failed) return false;
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 8, bytes;
        if (!vt_mul_size(nc, v->elem, &bytes)) {
            vt_perr_at(p, p->tok.s, VT_ELIMIT, "list too long");
            return false;
        }
        void *nd = realloc(v->data, bytes);
        if (!nd) {
            vt_perr_at(p, p->tok.s, VT_ENOMEM, "out of memory");
            return false;
        }
        v->data = nd;
        v->cap = nc;
    }
    memcpy((char *)v->data + v->n * v->elem, item, v->elem);
    v->n++;
    return true;
}
void *vt_vec_finish(vt_parser *p, vt_vec *v) {
    void *r = NULL;
    if (v->n && !p->failed) {
        r = vt_palloc(p, v->n * v->elem);
        if (r) memcpy(r, v->data, v->n * v->elem);
    }
    vt_vec_free(v);
    return r;
}
void vt_vec_free(vt_vec *v) {
    free(v->data);
    v->data = NULL;
    v->n = v->cap = 0;
}

vt_status vt_enter(vt_parser *p, const char *at) {
    if (++p->depth > p->lim.max_depth) {
        p->depth--;
        return vt_perr_at(p, at, VT_ELIMIT, "nesting deeper than the limit of %u", p->lim.max_depth);
    }
    return VT_OK;
}
void vt_leave(vt_parser *p) { p->depth--; }

/* ---- value scopes ---- */
struct vt_scope_entry {
    const char *name;
    size_t len;
    vt_value *values; /* first value of the group */
    size_t count;     /* > 1 for `%x:N` groups */
    vt_scope_entry *next_in_bucket, *next_in_stack;
    size_t bucket;
};

static size_t hash_name(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return (size_t)h;
}

static vt_scope_entry *scope_find(vt_parser *p, const char *s, size_t n) {
    if (!p->nbuckets) return NULL;
    for (vt_scope_entry *e = p->buckets[hash_name(s, n) & (p->nbuckets - 1)]; e; e = e->next_in_bucket)
        if (e->len == n && memcmp(e->name, s, n) == 0) return e;
    return NULL;
}

static bool scope_grow(vt_parser *p) {
    size_t nb = p->nbuckets ? p->nbuckets * 2 : 1024;
    vt_scope_entry **b = calloc(nb, sizeof *b);
    if (!b) return false;
    /* re-insert oldest first so that chains keep most recent first */
    size_t cnt = 0;
    for (vt_scope_entry *e = p->stack; e; e = e->next_in_stack) cnt++;
    vt_scope_entry **tmp = malloc((cnt ? cnt : 1) * sizeof *tmp);
    if (!tmp) {
        free(b);
        return false;
    }
    size_t i = cnt;
    for (vt_scope_entry *e = p->stack; e; e = e->next_in_stack) tmp[--i] = e;
    for (i = 0; i < cnt; i++) {
        vt_scope_entry *e = tmp[i];
        e->bucket = hash_name(e->name, e->len) & (nb - 1);
        e->next_in_bucket = b[e->bucket];
        b[e->bucket] = e;
    }
    free(tmp);
    free(p->buckets);
    p->buckets = b;
    p->nbuckets = nb;
    return true;
}

static vt_status scope_push(vt_parser *p, const char *name, size_t len, vt_value *values, size_t count, const char *at) {
    if (scope_find(p, name, len))
        return vt_perr_at(p, at, VT_EINPUT, "redefinition of value '%%%.*s'", (int)len, name);
    if (p->nentries + 1 > p->nbuckets / 2 && !scope_grow(p)) return vt_perr_at(p, at, VT_ENOMEM, "out of memory");
    vt_scope_entry *e = vt_palloc(p, sizeof *e);
    if (!e) return p->err->code;
    e->name = name;
    e->len = len;
    e->values = values;
    e->count = count;
    e->bucket = hash_name(name, len) & (p->nbuckets - 1);
    e->next_in_bucket = p->buckets[e->bucket];
    p->buckets[e->bucket] = e;
    e->next_in_stack = p->stack;
    p->stack = e;
    p->nentries++;
    return VT_OK;
}

static void scope_pop_to(vt_parser *p, vt_scope_entry *mark) {
    while (p->stack && p->stack != mark) {
        vt_scope_entry *e = p->stack;
        p->buckets[e->bucket] = e->next_in_bucket; /* e is the head of its chain */
        p->stack = e->next_in_stack;
        p->nentries--;
    }
}

vt_status vt_define_value(vt_parser *p, vt_value *v, const char *at) {
    return scope_push(p, v->name, strlen(v->name), v, 1, at);
}

vt_value *vt_lookup_value(vt_parser *p, const vt_tok *t) {
    const char *s = t->s + 1, *e = t->s + t->n;
    const char *hash = memchr(s, '#', (size_t)(e - s));
    size_t idx = 0;
    const char *ne = hash ? hash : e;
    if (hash) {
        for (const char *q = hash + 1; q < e; q++) {
            idx = idx * 10 + (size_t)(*q - '0');
            if (idx > 1u << 30) break;
        }
    }
    vt_scope_entry *en = scope_find(p, s, (size_t)(ne - s));
    if (!en) {
        vt_perr_at(p, t->s, VT_EINPUT, "use of undefined value '%%%.*s'", (int)(ne - s), s);
        return NULL;
    }
    if (idx >= en->count) {
        vt_perr_at(p, t->s, VT_EINPUT, "value '%%%.*s' has %zu results, no #%zu", (int)(ne - s), s, en->count, idx);
        return NULL;
    }
    return &en->values[idx];
}

vt_status vt_parse_operand(vt_parser *p, vt_value **out) {
    if (!vt_tok_is(p, TK_PERCENT)) return PERR(p, "expected an operand (%%name)");
    vt_value *v = vt_lookup_value(p, &p->tok);
    if (!v) return p->err->code;
    vt_lex_next(p);
    *out = v;
    return p->failed ? p->err->code : VT_OK;
}

void vt_register_call(vt_parser *p, vt_op *op) {
    if (p->ncalls == p->cap_calls) {
        size_t nc = p->cap_calls ? p->cap_calls * 2 : 64;
        vt_op **n = realloc(p->calls, nc * sizeof *n);
        if (!n) {
            vt_perr_at(p, p->tok.s, VT_ENOMEM, "out of memory");
            return;
        }
        p->calls = n;
        p->cap_calls = nc;
    }
    p->calls[p->ncalls++] = op;
}

/* ---- regions ---- */
static vt_status parse_op(vt_parser *p, vt_block *blk, vt_vec *ops);

static vt_status parse_block_header(vt_parser *p, vt_block *blk) {
    /* ^bb0(%a: T loc(...), ...): */
    blk->label = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
    vt_lex_next(p);
    vt_vec args = {.elem = sizeof(vt_value)};
    if (vt_accept(p, TK_LPAREN) && !vt_accept(p, TK_RPAREN)) {
        do {
            vt_value v = {0};
            if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) {
                vt_vec_free(&args);
                return PERR(p, "expected a block argument name");
            }
            v.name = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
            vt_lex_next(p);
            if (vt_expect(p, TK_COLON, "':' after block argument") != VT_OK || vt_parse_type(p, &v.type) != VT_OK ||
                vt_parse_opt_location(p, &v.loc) != VT_OK || !vt_vec_push(p, &args, &v)) {
                vt_vec_free(&args);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
        if (vt_expect(p, TK_RPAREN, "')' after block arguments") != VT_OK) {
            vt_vec_free(&args);
            return p->err->code;
        }
    }
    if (vt_expect(p, TK_COLON, "':' after block label") != VT_OK) {
        vt_vec_free(&args);
        return p->err->code;
    }
    blk->nargs = args.n;
    blk->args = vt_vec_finish(p, &args);
    return p->failed ? p->err->code : VT_OK;
}

static vt_status define_block_args(vt_parser *p, vt_block *blk, const char *at) {
    for (size_t i = 0; i < blk->nargs; i++) {
        vt_value *v = &blk->args[i];
        v->block = blk;
        v->def = NULL;
        v->index = (uint32_t)i;
        v->id = p->m->num_values++;
        if (v->name && vt_define_value(p, v, at) != VT_OK) return p->err->code;
    }
    return VT_OK;
}

/* `{ [^bb0(...):] ops... [^bb1...] }` with optional predefined entry arguments. */
vt_status vt_parse_region_with_args(vt_parser *p, vt_op *parent, vt_value *args, size_t nargs, vt_region **out) {
    const char *open = p->tok.s;
    if (vt_enter(p, open) != VT_OK) return p->err->code;
    if (vt_expect(p, TK_LBRACE, "'{' to start a region") != VT_OK) goto done;
    vt_region *r = vt_palloc(p, sizeof *r);
    if (!r) goto done;
    r->parent_op = parent;
    vt_scope_entry *mark = p->stack;
    vt_vec blocks = {.elem = sizeof(vt_block *)};
    bool first = true;
    while (!vt_tok_is(p, TK_RBRACE)) {
        if (p->tok.kind == TK_EOF) {
            vt_perr_at(p, open, VT_EINPUT, "unterminated region (missing '}')");
            break;
        }
        vt_block *blk = vt_palloc(p, sizeof *blk);
        if (!blk) break;
        blk->parent = r;
        if (vt_tok_is(p, TK_CARET)) {
            if (first && nargs) {
                PERR(p, "this region's arguments are given before it; no block header expected");
                break;
            }
            if (parse_block_header(p, blk) != VT_OK) break;
        } else if (!first) {
            PERR(p, "expected a block label");
            break;
        } else if (nargs) {
            blk->args = args;
            blk->nargs = nargs;
        }
        if (define_block_args(p, blk, open) != VT_OK) break;
        first = false;
        if (!vt_vec_push(p, &blocks, &blk)) break;
        vt_vec ops = {.elem = sizeof(vt_op *)};
        while (!vt_tok_is(p, TK_RBRACE) && !vt_tok_is(p, TK_CARET)) {
            if (p->tok.kind == TK_EOF) {
                vt_perr_at(p, open, VT_EINPUT, "unterminated region (missing '}')");
                break;
            }
            if (parse_op(p, blk, &ops) != VT_OK) break;
        }
        blk->nops = ops.n;
        blk->ops = vt_vec_finish(p, &ops);
        if (p->failed) break;
    }
    if (!p->failed && first && nargs) {
        /* `{}` with declared arguments still owns them */
        vt_block *blk = vt_palloc(p, sizeof *blk);
        if (blk) {
            blk->parent = r;
            blk->args = args;
            blk->nargs = nargs;
            if (define_block_args(p, blk, open) == VT_OK) vt_vec_push(p, &blocks, &blk);
        }
    }
    r->nblocks = blocks.n;
    r->blocks = vt_vec_finish(p, &blocks);
    scope_pop_to(p, mark);
    if (!p->failed) vt_expect(p, TK_RBRACE, "'}' to end a region");
    *out = r;
done:
    vt_leave(p);
    return p->failed ? p->err->code : VT_OK;
}

/* ---- ops ---- */
void vt_add_attr(vt_parser *p, vt_op_builder *b, const char *name, vt_attr *a) {
    if (!a) return;
    vt_named_attr na = {name, a};
    vt_vec_push(p, &b->attrs, &na);
}

vt_status vt_check_operand_types(vt_parser *p, vt_op_builder *b, const vt_type **types, size_t n, const char *at) {
    if (n != b->operands.n)
        return vt_perr_at(p, at, VT_EINPUT, "'%s' has %zu operands but its type signature lists %zu", b->op->name, b->operands.n, n);
    vt_value **ops = b->operands.data;
    for (size_t i = 0; i < n; i++) {
        if (!vt_type_equal(ops[i]->type, types[i])) {
            char t1[128], t2[128];
            return vt_perr_at(p, at, VT_EINPUT, "operand #%zu of '%s' has type %s but the signature says %s", i, b->op->name,
                              vt_type_str(ops[i]->type, t1, sizeof t1), vt_type_str(types[i], t2, sizeof t2));
        }
    }
    return VT_OK;
}

vt_status vt_parse_op_signature(vt_parser *p, vt_op_builder *b) {
    const char *at = p->tok.s;
    if (vt_expect(p, TK_COLON, "':' and the op's types") != VT_OK) return p->err->code;
    vt_vec ins = {.elem = sizeof(vt_type *)}, outs = {.elem = sizeof(vt_type *)};
    bool arrow = false;
    if (vt_tok_is(p, TK_LPAREN)) {
        /* `(T, ...) -> R` or a parenthesised list followed by nothing */
        if (vt_parse_type_list_parens(p, &ins) != VT_OK) goto fail;
        if (vt_accept(p, TK_ARROW)) {
            arrow = true;
            if (vt_parse_result_types(p, &outs) != VT_OK) goto fail;
        }
    } else {
        do {
            const vt_type *t;
            if (vt_parse_type(p, &t) != VT_OK || !vt_vec_push(p, &ins, &t)) goto fail;
        } while (vt_accept(p, TK_COMMA));
        if (vt_accept(p, TK_ARROW)) {
            arrow = true;
            if (vt_parse_result_types(p, &outs) != VT_OK) goto fail;
        }
    }
    const vt_type **in = ins.data;
    if (arrow) {
        if (vt_check_operand_types(p, b, in, ins.n, at) != VT_OK) goto fail;
        for (size_t i = 0; i < outs.n; i++) vt_vec_push(p, &b->result_types, (const vt_type **)outs.data + i);
    } else if (ins.n == 1) {
        /* one type for every result; for elementwise ops also every operand's type (complex,
         * real, imag and non-elementwise ops infer operand types from their values) */
        vt_value **ops = b->operands.data;
        vt_opcode oc = b->op->code;
        bool same = (vt_op_info_get(oc)->flags & VT_OPF_ELEMENTWISE) && oc != VT_OP_COMPLEX && oc != VT_OP_REAL && oc != VT_OP_IMAG;
        for (size_t i = 0; same && i < b->operands.n; i++) {
            if (!vt_type_equal(ops[i]->type, in[0])) {
                char t1[128], t2[128];
                vt_perr_at(p, at, VT_EINPUT, "operand #%zu of '%s' has type %s but the signature says %s", i, b->op->name,
                           vt_type_str(ops[i]->type, t1, sizeof t1), vt_type_str(in[0], t2, sizeof t2));
                goto fail;
            }
        }
        for (size_t i = 0; i < b->nresults; i++) vt_vec_push(p, &b->result_types, &in[0]);
    } else if (b->op->code == VT_OP_SELECT && ins.n == 2 && b->operands.n == 3) {
        /* select's `pred_type, value_type` form */
        const vt_type *t3[3] = {in[0], in[1], in[1]};
        if (vt_check_operand_types(p, b, t3, 3, at) != VT_OK) goto fail;
        for (size_t i = 0; i < b->nresults; i++) vt_vec_push(p, &b->result_types, &in[1]);
    } else {
        /* `T1, T2`: operand types, and result i has type i when there are results */
        if (vt_check_operand_types(p, b, in, ins.n, at) != VT_OK) goto fail;
        if (b->nresults == ins.n)
            for (size_t i = 0; i < ins.n; i++) vt_vec_push(p, &b->result_types, &in[i]);
    }
    vt_vec_free(&ins);
    vt_vec_free(&outs);
    return p->failed ? p->err->code : VT_OK;
fail:
    vt_vec_free(&ins);
    vt_vec_free(&outs);
    return p->err->code;
}

static vt_status parse_generic_op(vt_parser *p, vt_op_builder *b) {
    /* "name"(%a, ...) [<{props}>] [({regions})] [{attrs}] : (T...) -> (R...) */
    if (vt_expect(p, TK_LPAREN, "'(' after the op name") != VT_OK) return p->err->code;
    if (!vt_accept(p, TK_RPAREN)) {
        do {
            vt_value *v;
            if (vt_parse_operand(p, &v) != VT_OK || !vt_vec_push(p, &b->operands, &v)) return p->err->code;
        } while (vt_accept(p, TK_COMMA));
        if (vt_expect(p, TK_RPAREN, "')' after operands") != VT_OK) return p->err->code;
    }
    if (vt_tok_is(p, TK_LBRACKET)) return vt_perr_at(p, p->tok.s, VT_EUNSUPPORTED, "not supported: block successors");
    if (vt_tok_is(p, TK_LESS)) {
        vt_lex_next(p);
        if (!vt_tok_is(p, TK_LBRACE)) return PERR(p, "expected '{' in op properties");
        if (vt_parse_attr_dict(p, &b->attrs) != VT_OK) return p->err->code;
        if (vt_expect(p, TK_GREATER, "'>' after op properties") != VT_OK) return p->err->code;
    }
    if (vt_tok_is(p, TK_LPAREN)) {
        vt_lex_next(p);
        do {
            vt_region *r;
            if (vt_parse_region_with_args(p, b->op, NULL, 0, &r) != VT_OK || !vt_vec_push(p, &b->regions, &r)) return p->err->code;
        } while (vt_accept(p, TK_COMMA));
        if (vt_expect(p, TK_RPAREN, "')' after regions") != VT_OK) return p->err->code;
    }
    if (vt_tok_is(p, TK_LBRACE) && vt_parse_attr_dict(p, &b->attrs) != VT_OK) return p->err->code;
    const char *at = p->tok.s;
    if (vt_expect(p, TK_COLON, "':' and a function type") != VT_OK) return p->err->code;
    const vt_type *ft;
    if (vt_parse_type(p, &ft) != VT_OK) return p->err->code;
    if (ft->kind != VT_TYPE_FUNCTION) return vt_perr_at(p, at, VT_EINPUT, "generic op form needs a function type");
    if (vt_check_operand_types(p, b, ft->elems, ft->nelems, at) != VT_OK) return p->err->code;
    for (size_t i = 0; i < ft->nresults; i++) vt_vec_push(p, &b->result_types, &ft->results[i]);
    return p->failed ? p->err->code : VT_OK;
}

typedef struct result_name {
    const char *s;
    size_t n;
    size_t count;
    const char *at;
} result_name;

static vt_status parse_op(vt_parser *p, vt_block *blk, vt_vec *ops) {
    const char *start = p->tok.s;
    if (p->m->num_ops >= p->lim.max_ops)
        return vt_perr_at(p, start, VT_ELIMIT, "more ops than the limit of %llu", (unsigned long long)p->lim.max_ops);
    vt_vec names = {.elem = sizeof(result_name)};
    size_t nres = 0;
    if (vt_tok_is(p, TK_PERCENT)) {
        do {
            if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) {
                vt_vec_free(&names);
                return PERR(p, "expected a result name");
            }
            result_name rn = {p->tok.s + 1, p->tok.n - 1, 1, p->tok.s};
            vt_lex_next(p);
            if (vt_accept(p, TK_COLON)) {
                int64_t c;
                if (!vt_tok_is(p, TK_INT) || vt_parse_signed_int(p, &c) != VT_OK || c < 1 || c > 1000000) {
                    vt_vec_free(&names);
                    return p->failed ? p->err->code : PERR(p, "expected a result count after ':'");
                }
                rn.count = (size_t)c;
            }
            nres += rn.count;
            if (!vt_vec_push(p, &names, &rn)) {
                vt_vec_free(&names);
                return p->err->code;
            }
        } while (vt_accept(p, TK_COMMA));
        if (vt_expect(p, TK_EQUAL, "'=' after result names") != VT_OK) {
            vt_vec_free(&names);
            return p->err->code;
        }
    }
    vt_op_builder b;
    memset(&b, 0, sizeof b);
    b.operands.elem = sizeof(vt_value *);
    b.attrs.elem = sizeof(vt_named_attr);
    b.regions.elem = sizeof(vt_region *);
    b.result_types.elem = sizeof(vt_type *);
    b.nresults = nres;
    b.start = start;
    vt_op *op = vt_palloc(p, sizeof *op);
    if (!op) goto fail;
    b.op = op;
    op->parent = blk;
    vt_lex_position(p, start, &op->line, &op->col);
    const char *name_at = p->tok.s;
    if (vt_tok_is(p, TK_STRING)) {
        size_t n;
        char *nm = vt_lex_string_value(p, &p->tok, &n);
        if (!nm) goto fail;
        op->code = vt_opcode_from_name(nm, n);
        op->name = op->code ? vt_op_info_get(op->code)->name : nm;
        vt_lex_next(p);
        if (parse_generic_op(p, &b) != VT_OK) goto fail;
    } else if (vt_tok_is(p, TK_BARE)) {
        op->code = vt_opcode_from_name(p->tok.s, p->tok.n);
        if (op->code == VT_OP_UNKNOWN) {
            PERR(p, "unknown op '%.*s' (other dialects are accepted in the generic \"dialect.op\"(...) form only)", (int)p->tok.n, p->tok.s);
            goto fail;
        }
        op->name = vt_op_info_get(op->code)->name;
        vt_lex_next(p);
        if (vt_parse_pretty_op(p, &b) != VT_OK) goto fail;
    } else {
        if (p->tok.kind == TK_EOF) PERR(p, "unexpected end of input, expected an op");
        else PERR(p, "expected an op name");
        goto fail;
    }
    if (vt_parse_opt_location(p, &op->loc) != VT_OK) goto fail;
    if (b.result_types.n != nres) {
        vt_perr_at(p, start, VT_EINPUT, "'%s' defines %zu result name%s but has %zu result type%s", op->name, nres, nres == 1 ? "" : "s",
                   b.result_types.n, b.result_types.n == 1 ? "" : "s");
        goto fail;
    }
    {
        const vt_op_info *inf = vt_op_info_get(op->code);
        if (op->code && inf->num_results >= 0 && (size_t)inf->num_results != nres) {
            vt_perr_at(p, start, VT_EINPUT, "'%s' has %d result%s, not %zu", op->name, inf->num_results, inf->num_results == 1 ? "" : "s", nres);
            goto fail;
        }
        if (op->code && inf->num_operands >= 0 && (size_t)inf->num_operands != b.operands.n) {
            vt_perr_at(p, name_at, VT_EINPUT, "'%s' takes %d operand%s, not %zu", op->name, inf->num_operands,
                       inf->num_operands == 1 ? "" : "s", b.operands.n);
            goto fail;
        }
    }
    op->noperands = b.operands.n;
    op->operands = vt_vec_finish(p, &b.operands);
    op->nregions = b.regions.n;
    op->regions = vt_vec_finish(p, &b.regions);
    if (b.attrs.n > 1) qsort(b.attrs.data, b.attrs.n, sizeof(vt_named_attr), vt_named_attr_cmp);
    for (size_t i = 1; i < b.attrs.n; i++)
        if (strcmp(((vt_named_attr *)b.attrs.data)[i].name, ((vt_named_attr *)b.attrs.data)[i - 1].name) == 0) {
            vt_perr_at(p, start, VT_EINPUT, "duplicate attribute '%s'", ((vt_named_attr *)b.attrs.data)[i].name);
            goto fail;
        }
    op->nattrs = b.attrs.n;
    op->attrs = vt_vec_finish(p, &b.attrs);
    op->nresults = nres;
    if (nres) {
        op->results = vt_palloc(p, nres * sizeof *op->results);
        if (!op->results) goto fail;
    }
    {
        const vt_type **rt = b.result_types.data;
        result_name *rn = names.data;
        size_t k = 0;
        for (size_t g = 0; g < names.n; g++) {
            char *nm = vt_pstrndup(p, rn[g].s, rn[g].n);
            if (!nm) goto fail;
            for (size_t j = 0; j < rn[g].count; j++, k++) {
                vt_value *v = &op->results[k];
                v->type = rt[k];
                v->def = op;
                v->index = (uint32_t)k;
                v->id = p->m->num_values++;
                v->name = nm;
                v->grouped = rn[g].count > 1;
            }
            if (scope_push(p, nm, rn[g].n, &op->results[k - rn[g].count], rn[g].count, rn[g].at) != VT_OK) goto fail;
        }
    }
    vt_vec_free(&b.result_types);
    vt_vec_free(&names);
    op->index = ops->n;
    if (!vt_vec_push(p, ops, &op)) return p->err->code;
    p->m->num_ops++;
    if (op->code == VT_OP_FUNC_CALL) vt_register_call(p, op);
    return p->failed ? p->err->code : VT_OK;
fail:
    vt_vec_free(&b.operands);
    vt_vec_free(&b.attrs);
    vt_vec_free(&b.regions);
    vt_vec_free(&b.result_types);
    vt_vec_free(&names);
    return p->err->code ? p->err->code : VT_EINPUT;
}

/* ---- functions ---- */
static vt_status parse_func(vt_parser *p, vt_vec *funcs) {
    const char *start = p->tok.s;
    vt_lex_next(p); /* func.func */
    vt_func *f = vt_palloc(p, sizeof *f);
    if (!f) return p->err->code;
    f->module = p->m;
    vt_lex_position(p, start, &f->line, &f->col);
    if (vt_tok_is_kw(p, "public") || vt_tok_is_kw(p, "private") || vt_tok_is_kw(p, "nested")) {
        f->visibility = vt_pstrndup(p, p->tok.s, p->tok.n);
        vt_lex_next(p);
    }
    if (!vt_tok_is(p, TK_AT)) return PERR(p, "expected a function name (@name)");
    if (p->tok.s[1] == '"') f->name = vt_lex_string_value(p, &p->tok, NULL);
    else f->name = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
    if (!f->name) return p->err->code;
    const char *name_at = p->tok.s;
    vt_lex_next(p);
    for (size_t i = 0; i < funcs->n; i++)
        if (strcmp(((vt_func **)funcs->data)[i]->name, f->name) == 0)
            return vt_perr_at(p, name_at, VT_EINPUT, "redefinition of function @%s", f->name);
    /* arguments: `%a: T {attrs} loc(..)` or, for declarations, bare types */
    if (vt_expect(p, TK_LPAREN, "'(' after the function name") != VT_OK) return p->err->code;
    vt_vec args = {.elem = sizeof(vt_value)}, aattrs = {.elem = sizeof(vt_attr *)}, atypes = {.elem = sizeof(vt_type *)};
    bool named = vt_tok_is(p, TK_PERCENT);
    if (!vt_tok_is(p, TK_RPAREN)) {
        do {
            vt_value v = {0};
            if (named) {
                if (!vt_tok_is(p, TK_PERCENT) || memchr(p->tok.s, '#', p->tok.n)) {
                    PERR(p, "expected an argument name");
                    goto fail;
                }
                v.name = vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
                vt_lex_next(p);
                if (vt_expect(p, TK_COLON, "':' after the argument name") != VT_OK) goto fail;
            }
            if (vt_parse_type(p, &v.type) != VT_OK) goto fail;
            vt_attr *da = NULL;
            if (vt_tok_is(p, TK_LBRACE)) {
                vt_vec d = {.elem = sizeof(vt_named_attr)};
                if (vt_parse_attr_dict(p, &d) != VT_OK) {
                    vt_vec_free(&d);
                    goto fail;
                }
                da = vt_new_attr(p, VT_ATTR_DICT);
                if (!da) goto fail;
                da->nfields = d.n;
                da->fields = vt_vec_finish(p, &d);
            }
            if (vt_parse_opt_location(p, &v.loc) != VT_OK) goto fail;
            if (!vt_vec_push(p, &args, &v) || !vt_vec_push(p, &aattrs, &da) || !vt_vec_push(p, &atypes, &v.type)) goto fail;
        } while (vt_accept(p, TK_COMMA));
    }
    if (vt_expect(p, TK_RPAREN, "')' after function arguments") != VT_OK) goto fail;
    vt_vec res = {.elem = sizeof(vt_type *)}, rattrs = {.elem = sizeof(vt_attr *)};
    if (vt_accept(p, TK_ARROW)) {
        bool paren = vt_accept(p, TK_LPAREN);
        if (!paren || !vt_tok_is(p, TK_RPAREN)) {
            do {
                const vt_type *t;
                vt_attr *da = NULL;
                if (vt_parse_type(p, &t) != VT_OK) goto fail2;
                if (paren && vt_tok_is(p, TK_LBRACE)) {
                    vt_vec d = {.elem = sizeof(vt_named_attr)};
                    if (vt_parse_attr_dict(p, &d) != VT_OK) {
                        vt_vec_free(&d);
                        goto fail2;
                    }
                    da = vt_new_attr(p, VT_ATTR_DICT);
                    if (!da) goto fail2;
                    da->nfields = d.n;
                    da->fields = vt_vec_finish(p, &d);
                }
                if (!vt_vec_push(p, &res, &t) || !vt_vec_push(p, &rattrs, &da)) goto fail2;
            } while (paren && vt_accept(p, TK_COMMA));
        }
        if (paren && vt_expect(p, TK_RPAREN, "')' after result types") != VT_OK) goto fail2;
    }
    if (vt_accept_kw(p, "attributes")) {
        vt_vec d = {.elem = sizeof(vt_named_attr)};
        if (vt_parse_attr_dict(p, &d) != VT_OK) {
            vt_vec_free(&d);
            goto fail2;
        }
        f->attrs = vt_new_attr(p, VT_ATTR_DICT);
        if (!f->attrs) goto fail2;
        f->attrs->nfields = d.n;
        f->attrs->fields = vt_vec_finish(p, &d);
    }
    f->nargs = args.n;
    f->arg_attrs = vt_vec_finish(p, &aattrs);
    f->arg_types = vt_vec_finish(p, &atypes);
    f->nresults = res.n;
    f->result_types = vt_vec_finish(p, &res);
    f->result_attrs = vt_vec_finish(p, &rattrs);
    vt_value *argv = vt_vec_finish(p, &args);
    if (p->failed) return p->err->code;
    if (vt_tok_is(p, TK_LBRACE)) {
        if (!named && f->nargs) return PERR(p, "a function with a body needs named arguments");
        if (vt_parse_region_with_args(p, NULL, argv, f->nargs, &f->body) != VT_OK) return p->err->code;
        f->body->parent_func = f;
    }
    if (vt_parse_opt_location(p, &f->loc) != VT_OK) return p->err->code;
    if (!vt_vec_push(p, funcs, &f)) return p->err->code;
    return VT_OK;
fail2:
    vt_vec_free(&res);
    vt_vec_free(&rattrs);
fail:
    vt_vec_free(&args);
    vt_vec_free(&aattrs);
    vt_vec_free(&atypes);
    return p->err->code;
}

static vt_status parse_alias_def(vt_parser *p) {
    vt_tok t = p->tok;
    vt_lex_next(p);
    if (vt_expect(p, TK_EQUAL, "'=' in alias definition") != VT_OK) return p->err->code;
    char *name = vt_pstrndup(p, t.s + 1, t.n - 1);
    if (!name) return p->err->code;
    if (t.kind == TK_HASH) {
        vt_attr *a;
        if (vt_parse_attr(p, &a) != VT_OK) return p->err->code;
        for (size_t i = 0; i < p->nattr_aliases; i++)
            if (strcmp(p->attr_aliases[i].name, name) == 0)
                return vt_perr_at(p, t.s, VT_EINPUT, "redefinition of attribute alias '#%s'", name);
        if (p->nattr_aliases == p->cap_attr_aliases) {
            size_t nc = p->cap_attr_aliases ? p->cap_attr_aliases * 2 : 16;
            vt_named_attr *n = realloc(p->attr_aliases, nc * sizeof *n);
            if (!n) return vt_perr_at(p, t.s, VT_ENOMEM, "out of memory");
            p->attr_aliases = n;
            p->cap_attr_aliases = nc;
        }
        p->attr_aliases[p->nattr_aliases].name = name;
        p->attr_aliases[p->nattr_aliases++].value = a;
        return VT_OK;
    }
    const vt_type *ty;
    if (vt_parse_type(p, &ty) != VT_OK) return p->err->code;
    for (size_t i = 0; i < p->ntype_aliases; i++)
        if (strcmp(p->type_aliases[i].name, name) == 0)
            return vt_perr_at(p, t.s, VT_EINPUT, "redefinition of type alias '!%s'", name);
    if (p->ntype_aliases == p->cap_type_aliases) {
        size_t nc = p->cap_type_aliases ? p->cap_type_aliases * 2 : 16;
        void *n = realloc(p->type_aliases, nc * sizeof *p->type_aliases);
        if (!n) return vt_perr_at(p, t.s, VT_ENOMEM, "out of memory");
        p->type_aliases = n;
        p->cap_type_aliases = nc;
    }
    p->type_aliases[p->ntype_aliases].name = name;
    p->type_aliases[p->ntype_aliases++].type = ty;
    return VT_OK;
}

/* Body of a module: functions and other top-level ops until `}` (or EOF when implicit). */
static vt_status parse_module_items(vt_parser *p, vt_vec *funcs, vt_vec *tops, bool braced, const char *open) {
    vt_block top_block;
    memset(&top_block, 0, sizeof top_block);
    for (;;) {
        if (p->failed) return p->err->code;
        if (braced && vt_tok_is(p, TK_RBRACE)) return VT_OK;
        if (vt_tok_is(p, TK_EOF)) {
            if (braced) return vt_perr_at(p, open, VT_EINPUT, "unterminated module (missing '}')");
            return VT_OK;
        }
        if (vt_tok_is_kw(p, "func.func")) {
            if (parse_func(p, funcs) != VT_OK) return p->err->code;
            continue;
        }
        if (!braced && (vt_tok_is(p, TK_HASH) || vt_tok_is(p, TK_EXCL))) {
            if (parse_alias_def(p) != VT_OK) return p->err->code;
            continue;
        }
        if (!braced && (vt_tok_is_kw(p, "module") || vt_tok_is(p, TK_FILE_META_BEGIN))) return VT_OK;
        if (vt_tok_is_kw(p, "module")) return PERR(p, "not supported: nested modules");
        if (vt_tok_is(p, TK_BARE) || vt_tok_is(p, TK_STRING) || vt_tok_is(p, TK_PERCENT)) {
            if (parse_op(p, NULL, tops) != VT_OK) return p->err->code;
            continue;
        }
        return PERR(p, "expected func.func or an op at module level");
    }
}

static vt_status check_calls(vt_parser *p) {
    for (size_t i = 0; i < p->ncalls; i++) {
        vt_op *op = p->calls[i];
        const char *callee = vt_op_callee(op);
        vt_func *f = callee ? vt_module_find_func(p->m, callee) : NULL;
        if (!f)
            return vt_error_set(p->err, VT_EINPUT, "%s:%u:%u: call to undefined function @%s", p->filename, op->line, op->col,
                                callee ? callee : "?");
        if (f->nargs != op->noperands || f->nresults != op->nresults)
            return vt_error_set(p->err, VT_EINPUT, "%s:%u:%u: call to @%s with %zu arguments and %zu results, the function has %zu and %zu",
                                p->filename, op->line, op->col, callee, op->noperands, op->nresults, f->nargs, f->nresults);
        for (size_t k = 0; k < f->nargs; k++)
            if (!vt_type_equal(f->arg_types[k], op->operands[k]->type)) {
                char t1[128], t2[128];
                return vt_error_set(p->err, VT_EINPUT, "%s:%u:%u: argument #%zu of call to @%s has type %s, the function takes %s",
                                    p->filename, op->line, op->col, k, callee, vt_type_str(op->operands[k]->type, t1, sizeof t1),
                                    vt_type_str(f->arg_types[k], t2, sizeof t2));
            }
        for (size_t k = 0; k < f->nresults; k++)
            if (!vt_type_equal(f->result_types[k], op->results[k].type)) {
                char t1[128], t2[128];
                return vt_error_set(p->err, VT_EINPUT, "%s:%u:%u: result #%zu of call to @%s has type %s, the function returns %s",
                                    p->filename, op->line, op->col, k, callee, vt_type_str(op->results[k].type, t1, sizeof t1),
                                    vt_type_str(f->result_types[k], t2, sizeof t2));
            }
    }
    return VT_OK;
}

static void fix_parents(vt_module *m) {
    for (size_t i = 0; i < m->nfuncs; i++) {
        vt_region *r = m->funcs[i]->body;
        if (r) r->parent_func = m->funcs[i];
    }
}

static vt_status parse_top(vt_parser *p) {
    vt_vec funcs = {.elem = sizeof(vt_func *)}, tops = {.elem = sizeof(vt_op *)};
    bool have_module = false, have_items = false;
    vt_lex_next(p);
    while (!p->failed && !vt_tok_is(p, TK_EOF)) {
        if (vt_tok_is(p, TK_HASH) || vt_tok_is(p, TK_EXCL)) {
            if (parse_alias_def(p) != VT_OK) break;
        } else if (vt_tok_is(p, TK_FILE_META_BEGIN)) {
            if (vt_parse_file_metadata(p) != VT_OK) break;
        } else if (vt_tok_is_kw(p, "module")) {
            if (have_module || have_items) {
                PERR(p, "more than one module in one text (split parts with '// -----')");
                break;
            }
            have_module = true;
            const char *open = p->tok.s;
            vt_lex_next(p);
            if (vt_tok_is(p, TK_AT)) {
                p->m->name = p->tok.s[1] == '"' ? vt_lex_string_value(p, &p->tok, NULL) : vt_pstrndup(p, p->tok.s + 1, p->tok.n - 1);
                vt_lex_next(p);
            }
            if (vt_accept_kw(p, "attributes")) {
                vt_vec d = {.elem = sizeof(vt_named_attr)};
                if (vt_parse_attr_dict(p, &d) != VT_OK) {
                    vt_vec_free(&d);
                    break;
                }
                p->m->attrs = vt_new_attr(p, VT_ATTR_DICT);
                if (!p->m->attrs) break;
                p->m->attrs->nfields = d.n;
                p->m->attrs->fields = vt_vec_finish(p, &d);
            }
            if (vt_expect(p, TK_LBRACE, "'{' to start the module body") != VT_OK) break;
            if (vt_enter(p, open) != VT_OK) break;
            if (parse_module_items(p, &funcs, &tops, true, open) != VT_OK) break;
            vt_leave(p);
            if (vt_expect(p, TK_RBRACE, "'}' to end the module") != VT_OK) break;
            if (vt_parse_opt_location(p, &p->m->loc) != VT_OK) break;
        } else {
            if (have_module) {
                PERR(p, "unexpected text after the module");
                break;
            }
            have_items = true;
            if (parse_module_items(p, &funcs, &tops, false, p->tok.s) != VT_OK) break;
        }
    }
    p->m->nfuncs = funcs.n;
    p->m->funcs = vt_vec_finish(p, &funcs);
    p->m->ntop_ops = tops.n;
    p->m->top_ops = vt_vec_finish(p, &tops);
    if (p->failed) return p->err->code;
    fix_parents(p->m);
    if (vt_resolve_resources(p) != VT_OK) return p->err->code;
    return check_calls(p);
}

vt_status vt_parser_begin(vt_parser *p, const char *text, size_t len, const vt_parse_options *opt,
                          const char *default_name, vt_error *err) {
    memset(p, 0, sizeof *p);
    if (opt && opt->limits) p->lim = *opt->limits;
    else vt_parse_limits_default(&p->lim);
    p->filename = opt && opt->filename ? opt->filename : default_name;
    p->first_line = opt && opt->first_line ? opt->first_line : 1;
    if (len > p->lim.max_input_bytes)
        return vt_error_set(err, VT_ELIMIT, "%s: input of %zu bytes exceeds the limit of %llu bytes", p->filename, len,
                            (unsigned long long)p->lim.max_input_bytes);
    p->m = vt_module_create(p->filename, err);
    if (!p->m) return err->code;
    p->filename = p->m->filename;
    p->err = err;
    p->src = text ? text : "";
    p->end = p->src + len;
    p->pos = p->src;
    return vt_lex_check_text(p);
}

vt_status vt_parser_end(vt_parser *p, vt_status s, vt_module **out) {
    free(p->buckets);
    free(p->attr_aliases);
    free(p->type_aliases);
    free(p->loc_refs);
    free(p->calls);
    if (s != VT_OK || p->failed) {
        if (p->err->code == VT_OK) vt_error_set(p->err, VT_EINTERNAL, "%s: parse failed without a message", p->filename);
        s = p->err->code;
        vt_module_free(p->m);
        return s;
    }
    *out = p->m;
    return VT_OK;
}

vt_status vt_parse_module(const char *text, size_t len, const vt_parse_options *opt, vt_module **out, vt_error *err) {
    vt_error local;
    if (!err) err = &local;
    vt_error_clear(err);
    *out = NULL;
    vt_parser p;
    vt_status s = vt_parser_begin(&p, text, len, opt, "<input>", err);
    if (!p.m) return s; /* nothing allocated yet */
    if (s == VT_OK) s = parse_top(&p);
    return vt_parser_end(&p, s, out);
}
