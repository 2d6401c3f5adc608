/* Printer of modules, functions, regions and the generic op form; the canonical text re-parses
 * to an equivalent module, and print -> parse -> print is a fixed point. */
#include "hlo/printer.h"

#include <stdio.h>
#include <string.h>

static bool is_bare_id(const char *s) {
    if (!s || !*s) return false;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (const char *q = s; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '$' ||
              *q == '.'))
            return false;
    return true;
}

void vt_pr_string(vt_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    vt_buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run) vt_buf_append(b, s + i - run, run);
        run = 0;
        char e[3] = {'\\', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') vt_buf_append(b, (char[]){'\\', (char)c}, 2);
        else vt_buf_append(b, e, 3);
    }
    if (run) vt_buf_append(b, s + n - run, run);
    vt_buf_append(b, "\"", 1);
}

void vt_pr_symbol(vt_buf *b, const char *name) {
    vt_buf_puts(b, "@");
    if (is_bare_id(name) || (name && strstr(name, "::@"))) vt_buf_puts(b, name);
    else vt_pr_string(b, name ? name : "", name ? strlen(name) : 0);
}

void vt_pr_indent(vt_printer *pr) {
    for (int i = 0; i < pr->indent; i++) vt_buf_append(pr->b, "  ", 2);
}

void vt_pr_value(vt_printer *pr, const vt_value *v) {
    if (v->name) {
        vt_buf_printf(pr->b, "%%%s", v->name);
        if (v->grouped) vt_buf_printf(pr->b, "#%u", v->index);
    } else {
        vt_buf_printf(pr->b, "%%_%u", v->id);
    }
}

void vt_pr_operands(vt_printer *pr, const vt_op *op, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        if (i > from) vt_buf_puts(pr->b, ", ");
        vt_pr_value(pr, op->operands[i]);
    }
}

void vt_pr_loc(vt_printer *pr, const vt_attr *loc) {
    if (!pr->o.locations || !loc) return;
    vt_buf_puts(pr->b, " ");
    vt_attr_print(pr->b, loc);
}

static bool attr_skipped(const char *name, const char *const *skip, size_t nskip) {
    for (size_t i = 0; i < nskip; i++)
        if (strcmp(skip[i], name) == 0) return true;
    return false;
}

void vt_pr_attr_dict(vt_printer *pr, const vt_named_attr *attrs, size_t n, const char *const *skip, size_t nskip) {
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (attr_skipped(attrs[i].name, skip, nskip)) continue;
        vt_buf_puts(pr->b, shown ? ", " : " {");
        shown++;
        if (is_bare_id(attrs[i].name)) vt_buf_puts(pr->b, attrs[i].name);
        else vt_pr_string(pr->b, attrs[i].name, strlen(attrs[i].name));
        if (attrs[i].value && attrs[i].value->kind != VT_ATTR_UNIT) {
            vt_buf_puts(pr->b, " = ");
            vt_attr_print(pr->b, attrs[i].value);
        }
    }
    if (shown) vt_buf_puts(pr->b, "}");
}

static void pr_type_list(vt_printer *pr, const vt_type *const *t, size_t n, bool force_parens) {
    bool parens = force_parens || n != 1 || (t[0] && t[0]->kind == VT_TYPE_FUNCTION);
    if (parens) vt_buf_puts(pr->b, "(");
    for (size_t i = 0; i < n; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        vt_type_print(pr->b, t[i]);
    }
    if (parens) vt_buf_puts(pr->b, ")");
}

void vt_pr_functional_type(vt_printer *pr, const vt_op *op) {
    vt_buf_puts(pr->b, "(");
    for (size_t i = 0; i < op->noperands; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        vt_type_print(pr->b, op->operands[i]->type);
    }
    vt_buf_puts(pr->b, ") -> ");
    bool parens = op->nresults != 1 || op->results[0].type->kind == VT_TYPE_FUNCTION;
    if (parens) vt_buf_puts(pr->b, "(");
    for (size_t i = 0; i < op->nresults; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        vt_type_print(pr->b, op->results[i].type);
    }
    if (parens) vt_buf_puts(pr->b, ")");
}

void vt_pr_signature(vt_printer *pr, const vt_op *op) {
    if (op->noperands == 0 && op->nresults == 0) return;
    const vt_type *t0 = op->noperands ? op->operands[0]->type : op->results[0].type;
    bool same = op->nresults <= 1 && t0->kind != VT_TYPE_FUNCTION;
    for (size_t i = 0; same && i < op->noperands; i++) same = vt_type_equal(op->operands[i]->type, t0);
    for (size_t i = 0; same && i < op->nresults; i++) same = vt_type_equal(op->results[i].type, t0);
    vt_buf_puts(pr->b, " : ");
    if (same) {
        vt_type_print(pr->b, t0);
        return;
    }
    if (op->nresults == 0) {
        for (size_t i = 0; i < op->noperands; i++) {
            if (i) vt_buf_puts(pr->b, ", ");
            vt_type_print(pr->b, op->operands[i]->type);
        }
        return;
    }
    vt_pr_functional_type(pr, op);
}

static void pr_results(vt_printer *pr, const vt_op *op) {
    if (!op->nresults) return;
    for (size_t i = 0; i < op->nresults;) {
        if (i) vt_buf_puts(pr->b, ", ");
        const vt_value *v = &op->results[i];
        if (v->name && v->grouped) {
            size_t j = i + 1;
            while (j < op->nresults && op->results[j].name == v->name && op->results[j].grouped) j++;
            vt_buf_printf(pr->b, "%%%s:%zu", v->name, j - i);
            i = j;
        } else {
            vt_pr_value(pr, v);
            i++;
        }
    }
    vt_buf_puts(pr->b, " = ");
}

static void pr_generic(vt_printer *pr, const vt_op *op) {
    vt_pr_string(pr->b, vt_op_name(op), strlen(vt_op_name(op)));
    vt_buf_puts(pr->b, "(");
    vt_pr_operands(pr, op, 0, op->noperands);
    vt_buf_puts(pr->b, ")");
    if (op->nregions) {
        vt_buf_puts(pr->b, " (");
        for (size_t i = 0; i < op->nregions; i++) {
            if (i) vt_buf_puts(pr->b, ", ");
            vt_pr_region(pr, op->regions[i], true);
        }
        vt_buf_puts(pr->b, ")");
    }
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, NULL, 0);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
}

static void pr_op(vt_printer *pr, const vt_op *op) {
    vt_pr_indent(pr);
    pr_results(pr, op);
    if (pr->o.generic || !vt_pr_pretty_op(pr, op)) pr_generic(pr, op);
    vt_pr_loc(pr, op->loc);
    vt_buf_puts(pr->b, "\n");
}

void vt_op_print(vt_buf *b, const vt_op *op, const vt_print_options *opt) {
    vt_printer pr = {b, {false, false}, 0};
    if (opt) pr.o = *opt;
    pr_op(&pr, op);
}

static void pr_block_args(vt_printer *pr, const vt_block *blk, size_t index) {
    if (blk->label) vt_buf_printf(pr->b, "^%s", blk->label);
    else vt_buf_printf(pr->b, "^bb%zu", index);
    if (blk->nargs) {
        vt_buf_puts(pr->b, "(");
        for (size_t i = 0; i < blk->nargs; i++) {
            if (i) vt_buf_puts(pr->b, ", ");
            vt_pr_value(pr, &blk->args[i]);
            vt_buf_puts(pr->b, ": ");
            vt_type_print(pr->b, blk->args[i].type);
            vt_pr_loc(pr, blk->args[i].loc);
        }
        vt_buf_puts(pr->b, ")");
    }
    vt_buf_puts(pr->b, ":\n");
}

void vt_pr_region(vt_printer *pr, const vt_region *r, bool print_entry_args) {
    vt_buf_puts(pr->b, "{\n");
    pr->indent++;
    for (size_t bi = 0; bi < r->nblocks; bi++) {
        const vt_block *blk = r->blocks[bi];
        if (bi > 0 || (print_entry_args && (blk->nargs || blk->label))) {
            pr->indent--;
            vt_pr_indent(pr);
            pr->indent++;
            pr_block_args(pr, blk, bi);
        }
        for (size_t i = 0; i < blk->nops; i++) pr_op(pr, blk->ops[i]);
    }
    pr->indent--;
    vt_pr_indent(pr);
    vt_buf_puts(pr->b, "}");
}

static void pr_func(vt_printer *pr, const vt_func *f) {
    vt_pr_indent(pr);
    vt_buf_puts(pr->b, "func.func ");
    if (f->visibility) vt_buf_printf(pr->b, "%s ", f->visibility);
    vt_pr_symbol(pr->b, f->name);
    vt_buf_puts(pr->b, "(");
    const vt_block *entry = f->body && f->body->nblocks ? f->body->blocks[0] : NULL;
    for (size_t i = 0; i < f->nargs; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        if (entry) {
            vt_pr_value(pr, &entry->args[i]);
            vt_buf_puts(pr->b, ": ");
        }
        vt_type_print(pr->b, f->arg_types[i]);
        if (f->arg_attrs && f->arg_attrs[i] && f->arg_attrs[i]->nfields) {
            vt_buf_puts(pr->b, " ");
            vt_attr_print(pr->b, f->arg_attrs[i]);
        }
        if (entry) vt_pr_loc(pr, entry->args[i].loc);
    }
    vt_buf_puts(pr->b, ")");
    if (f->nresults) {
        bool attrs = false;
        for (size_t i = 0; i < f->nresults; i++) attrs |= f->result_attrs && f->result_attrs[i] && f->result_attrs[i]->nfields;
        vt_buf_puts(pr->b, " -> ");
        if (!attrs) pr_type_list(pr, f->result_types, f->nresults, false);
        else {
            vt_buf_puts(pr->b, "(");
            for (size_t i = 0; i < f->nresults; i++) {
                if (i) vt_buf_puts(pr->b, ", ");
                vt_type_print(pr->b, f->result_types[i]);
                if (f->result_attrs[i] && f->result_attrs[i]->nfields) {
                    vt_buf_puts(pr->b, " ");
                    vt_attr_print(pr->b, f->result_attrs[i]);
                }
            }
            vt_buf_puts(pr->b, ")");
        }
    }
    if (f->attrs && f->attrs->nfields) {
        vt_buf_puts(pr->b, " attributes ");
        vt_attr_print(pr->b, f->attrs);
    }
    if (f->body && (f->body->nblocks || !f->nargs)) {
        vt_buf_puts(pr->b, " ");
        vt_pr_region(pr, f->body, false);
    }
    vt_pr_loc(pr, f->loc);
    vt_buf_puts(pr->b, "\n");
}

vt_status vt_module_print(const vt_module *m, const vt_print_options *opt, vt_buf *out, vt_error *err) {
    vt_printer pr = {out, {false, false}, 0};
    if (opt) pr.o = *opt;
    vt_buf_puts(out, "module");
    if (m->name) {
        vt_buf_puts(out, " ");
        vt_pr_symbol(out, m->name);
    }
    if (m->attrs && m->attrs->nfields) {
        vt_buf_puts(out, " attributes ");
        vt_attr_print(out, m->attrs);
    }
    vt_buf_puts(out, " {\n");
    pr.indent = 1;
    for (size_t i = 0; i < m->ntop_ops; i++) pr_op(&pr, m->top_ops[i]);
    for (size_t i = 0; i < m->nfuncs; i++) pr_func(&pr, m->funcs[i]);
    vt_buf_puts(out, "}");
    vt_pr_loc(&pr, m->loc);
    vt_buf_puts(out, "\n");
    if (m->nresources) {
        vt_buf_puts(out, "{-#\n  dialect_resources: {\n");
        const char *cur = NULL;
        for (size_t i = 0; i < m->nresources; i++) {
            const vt_resource *r = &m->resources[i];
            if (!cur || strcmp(cur, r->dialect) != 0) {
                if (cur) vt_buf_puts(out, "\n    },\n");
                vt_buf_printf(out, "    %s: {\n", r->dialect);
                cur = r->dialect;
            } else {
                vt_buf_puts(out, ",\n");
            }
            vt_buf_puts(out, "      ");
            if (is_bare_id(r->name)) vt_buf_puts(out, r->name);
            else vt_pr_string(out, r->name, strlen(r->name));
            vt_buf_printf(out, ": \"0x%02X%02X%02X%02X", r->alignment & 0xff, (r->alignment >> 8) & 0xff, (r->alignment >> 16) & 0xff,
                          r->alignment >> 24);
            static const char hx[] = "0123456789ABCDEF";
            for (size_t k = 0; k < r->len; k++) vt_buf_append(out, (char[]){hx[r->data[k] >> 4], hx[r->data[k] & 15]}, 2);
            vt_buf_puts(out, "\"");
        }
        vt_buf_puts(out, "\n    }\n  }\n#-}\n");
    }
    if (out->failed) return vt_error_set(err, VT_ENOMEM, "out of memory printing the module");
    return VT_OK;
}
