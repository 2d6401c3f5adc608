/* Pretty op forms: printed only when the op's attributes have exactly the shape the pretty
 * parser produces, so that re-parsing gives the same IR; everything else is printed generic. */
#include "hlo/pretty.h"
#include "hlo/printer.h"

#include <string.h>

static bool is_i64_array(const vt_attr *a) {
    return a && a->kind == VT_ATTR_DENSE_ARRAY && !a->f64s && a->type && a->type->kind == VT_TYPE_ELEMENT && a->type->dtype == VT_I64;
}
static bool is_typed_int(const vt_attr *a, vt_dtype dt) {
    return a && a->kind == VT_ATTR_INT && a->type && a->type->kind == VT_TYPE_ELEMENT && a->type->dtype == dt && !a->type->quant;
}
static bool is_enum(const vt_attr *a, const char *name) {
    return a && a->kind == VT_ATTR_ENUM && strcmp(a->dialect, "stablehlo") == 0 && strcmp(a->name, name) == 0 && a->str[0] &&
           !strpbrk(a->str, " <>,");
}
static bool is_untyped_int_list(const vt_attr *a) {
    if (!a || a->kind != VT_ATTR_ARRAY) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!a->elems[i] || a->elems[i]->kind != VT_ATTR_INT || a->elems[i]->type) return false;
    return true;
}
static void pr_i64_list(vt_buf *b, const int64_t *v, size_t n) {
    vt_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) vt_buf_printf(b, i ? ", %lld" : "%lld", (long long)v[i]);
    vt_buf_puts(b, "]");
}
static void pr_attr_list(vt_buf *b, const vt_attr *a) {
    vt_buf_puts(b, "[");
    for (size_t i = 0; a && i < a->n; i++) vt_buf_printf(b, i ? ", %lld" : "%lld", (long long)a->elems[i]->i);
    vt_buf_puts(b, "]");
}

/* SIMPLE: operands, keyword attributes from the table, the rest in a dictionary. */
static bool pr_simple(vt_printer *pr, const vt_op *op, const char *const *extra_skip, size_t nextra) {
    if (op->nregions) return false;
    const char *skip[16];
    size_t nskip = 0;
    for (size_t i = 0; i < nextra && nskip < 16; i++) skip[nskip++] = extra_skip[i];
    vt_buf kw;
    vt_buf_init(&kw);
    bool ok = true;
    for (size_t i = 0; i < vt_kw_nspecs && ok; i++) {
        const vt_kw_spec *sp = &vt_kw_specs[i];
        if (sp->op != op->code) continue;
        const vt_attr *a = vt_op_attr(op, sp->attr);
        if (sp->kind == KW_FORMAT) {
            const vt_attr *m = vt_op_attr(op, "mantissa_bits");
            if (!a && !m) continue;
            if (!is_typed_int(a, VT_I32) || !is_typed_int(m, VT_I32) || a->i < 0 || m->i < 0) ok = false;
            else vt_buf_printf(&kw, ", %s = e%lldm%lld", sp->keyword, (long long)a->i, (long long)m->i);
            skip[nskip++] = "exponent_bits";
            skip[nskip++] = "mantissa_bits";
            continue;
        }
        if (!a) continue;
        switch (sp->kind) {
        case KW_I64ARR:
            if (!is_i64_array(a)) ok = false;
            else {
                vt_buf_printf(&kw, ", %s = ", sp->keyword);
                pr_i64_list(&kw, a->i64s, a->n);
            }
            break;
        case KW_I64:
            if (!is_typed_int(a, VT_I64)) ok = false;
            else vt_buf_printf(&kw, ", %s = %lld", sp->keyword, (long long)a->i);
            break;
        case KW_ENUM:
            if (!is_enum(a, sp->enum_name)) ok = false;
            else vt_buf_printf(&kw, ", %s = %s", sp->keyword, a->str);
            break;
        case KW_STRING:
            if (a->kind != VT_ATTR_STRING || a->type) ok = false;
            else {
                vt_buf_printf(&kw, ", %s = ", sp->keyword);
                vt_pr_string(&kw, a->str, a->len);
            }
            break;
        case KW_FORMAT: break;
        }
        if (nskip < 16) skip[nskip++] = sp->attr;
    }
    if (!ok || kw.failed) {
        vt_buf_free(&kw);
        return false;
    }
    vt_buf_puts(pr->b, vt_op_name(op));
    if (op->noperands) vt_buf_puts(pr->b, " ");
    vt_pr_operands(pr, op, 0, op->noperands);
    const char *k = vt_buf_cstr(&kw);
    if (*k) vt_buf_puts(pr->b, op->noperands ? k : k + 1);
    vt_buf_free(&kw);
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, nskip);
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_symbol_call(vt_printer *pr, const vt_op *op, const char *kw, const char *attr, vt_attr_kind kind) {
    const vt_attr *a = vt_op_attr(op, attr);
    if (!a || a->kind != kind || a->type || op->nregions) return false;
    if (kind == VT_ATTR_SYMBOL && strstr(a->str, "::")) return false;
    vt_buf_printf(pr->b, "%s ", kw);
    vt_pr_symbol(pr->b, a->str);
    vt_buf_puts(pr->b, "(");
    vt_pr_operands(pr, op, 0, op->noperands);
    vt_buf_puts(pr->b, ")");
    const char *skip[] = {attr};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
    return true;
}

static bool pr_return(vt_printer *pr, const vt_op *op) {
    if (op->nregions || op->nresults) return false;
    vt_buf_puts(pr->b, op->code == VT_OP_FUNC_RETURN ? "return" : vt_op_name(op));
    if (op->noperands) {
        vt_buf_puts(pr->b, " ");
        vt_pr_operands(pr, op, 0, op->noperands);
    }
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, NULL, 0);
    if (op->noperands) {
        vt_buf_puts(pr->b, " : ");
        for (size_t i = 0; i < op->noperands; i++) {
            if (i) vt_buf_puts(pr->b, ", ");
            vt_type_print(pr->b, op->operands[i]->type);
        }
    } else if (op->nattrs) {
        return false; /* `return {attrs}` would not parse back unambiguously */
    }
    return true;
}

static bool pr_compare(vt_printer *pr, const vt_op *op) {
    const vt_attr *dir = vt_op_attr(op, "comparison_direction"), *ct = vt_op_attr(op, "compare_type");
    if (!is_enum(dir, "comparison_direction") || (ct && !is_enum(ct, "comparison_type")) || op->noperands != 2 || op->nregions) return false;
    vt_buf_printf(pr->b, "%s %s, ", vt_op_name(op), dir->str);
    vt_pr_operands(pr, op, 0, 2);
    if (ct) vt_buf_printf(pr->b, ", %s", ct->str);
    const char *skip[] = {"comparison_direction", "compare_type"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 2);
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_constant(vt_printer *pr, const vt_op *op) {
    const vt_attr *v = vt_op_attr(op, "value");
    if (!v || op->nresults != 1 || op->noperands || op->nregions) return false;
    if (v->kind != VT_ATTR_DENSE && v->kind != VT_ATTR_DENSE_RESOURCE) return false;
    if (!vt_type_equal(v->type, op->results[0].type)) return false;
    vt_buf_puts(pr->b, vt_op_name(op));
    const char *skip[] = {"value"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    vt_buf_puts(pr->b, " ");
    vt_attr_print(pr->b, v);
    return true;
}

static bool pr_check_const(vt_printer *pr, const vt_op *op) {
    const vt_attr *v = vt_op_attr(op, "value");
    if (!v || (v->kind != VT_ATTR_DENSE && v->kind != VT_ATTR_DENSE_RESOURCE) || op->noperands != 1 || op->nresults || op->nregions)
        return false;
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_puts(pr->b, ", ");
    vt_attr_print(pr->b, v);
    const char *skip[] = {"value"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    return true;
}

static bool pr_slice(vt_printer *pr, const vt_op *op) {
    const vt_attr *s = vt_op_attr(op, "start_indices"), *l = vt_op_attr(op, "limit_indices"), *st = vt_op_attr(op, "strides");
    if (!is_i64_array(s) || !is_i64_array(l) || !is_i64_array(st) || s->n != l->n || s->n != st->n || op->noperands != 1) return false;
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_puts(pr->b, " [");
    for (size_t i = 0; i < s->n; i++) {
        vt_buf_printf(pr->b, "%s%lld:%lld", i ? ", " : "", (long long)s->i64s[i], (long long)l->i64s[i]);
        if (st->i64s[i] != 1) vt_buf_printf(pr->b, ":%lld", (long long)st->i64s[i]);
    }
    vt_buf_puts(pr->b, "]");
    const char *skip[] = {"start_indices", "limit_indices", "strides"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 3);
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_gte(vt_printer *pr, const vt_op *op) {
    const vt_attr *ix = vt_op_attr(op, "index");
    if (!is_typed_int(ix, VT_I32) || ix->i < 0 || op->noperands != 1) return false;
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_printf(pr->b, "[%lld]", (long long)ix->i);
    const char *skip[] = {"index"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_dot_general(vt_printer *pr, const vt_op *op) {
    const vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers"), *prec = vt_op_attr(op, "precision_config");
    if (!dn || dn->kind != VT_ATTR_DIALECT || strcmp(dn->dialect, "stablehlo") || strcmp(dn->name, "dot") || op->noperands != 2 ||
        vt_op_attr(op, "algorithm"))
        return false;
    static const char *names[4] = {"lhs_batching_dimensions", "rhs_batching_dimensions", "lhs_contracting_dimensions",
                                   "rhs_contracting_dimensions"};
    const vt_attr *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = vt_attr_dict_get(dn, names[i]);
        if (f[i] && (!is_untyped_int_list(f[i]) || f[i]->n == 0)) return false;
    }
    for (size_t i = 0; i < dn->nfields; i++) {
        bool known = false;
        for (int k = 0; k < 4; k++) known |= strcmp(dn->fields[i].name, names[k]) == 0;
        if (!known) return false;
    }
    if (prec) {
        if (prec->kind != VT_ATTR_ARRAY) return false;
        for (size_t i = 0; i < prec->n; i++)
            if (!is_enum(prec->elems[i], "precision")) return false;
    }
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_operands(pr, op, 0, 2);
    for (int k = 0; k < 2; k++) {
        if (!f[2 * k] && !f[2 * k + 1]) continue;
        vt_buf_printf(pr->b, ", %s = ", k ? "contracting_dims" : "batching_dims");
        pr_attr_list(pr->b, f[2 * k]);
        vt_buf_puts(pr->b, " x ");
        pr_attr_list(pr->b, f[2 * k + 1]);
    }
    if (prec) {
        vt_buf_puts(pr->b, ", precision = [");
        for (size_t i = 0; i < prec->n; i++) vt_buf_printf(pr->b, i ? ", %s" : "%s", prec->elems[i]->str);
        vt_buf_puts(pr->b, "]");
    }
    const char *skip[] = {"dot_dimension_numbers", "precision_config"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 2);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
    return true;
}

/* "[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]" from the conv fields; false when they are not a
 * valid permutation. */
static bool conv_group(vt_buf *b, const vt_attr *a, const char *f1, const char *f2, const char *sp, const char *letters) {
    const vt_attr *x = vt_attr_dict_get(a, f1), *y = vt_attr_dict_get(a, f2), *s = vt_attr_dict_get(a, sp);
    if (!x || !y || !s || x->kind != VT_ATTR_INT || y->kind != VT_ATTR_INT || x->type || y->type || !is_untyped_int_list(s)) return false;
    size_t rank = s->n + 2;
    if (rank > VT_MAX_RANK) return false;
    int slot[VT_MAX_RANK];
    for (size_t i = 0; i < rank; i++) slot[i] = -100;
    if (x->i < 0 || (size_t)x->i >= rank || y->i < 0 || (size_t)y->i >= rank || x->i == y->i) return false;
    slot[x->i] = -1;
    slot[y->i] = -2;
    for (size_t k = 0; k < s->n; k++) {
        int64_t pos = s->elems[k]->i;
        if (pos < 0 || (size_t)pos >= rank || slot[pos] != -100) return false;
        slot[pos] = (int)k;
    }
    vt_buf_puts(b, "[");
    for (size_t i = 0; i < rank; i++) {
        if (i) vt_buf_puts(b, ", ");
        if (slot[i] == -1) vt_buf_append(b, &letters[0], 1);
        else if (slot[i] == -2) vt_buf_append(b, &letters[1], 1);
        else vt_buf_printf(b, "%d", slot[i]);
    }
    vt_buf_puts(b, "]");
    return true;
}

bool vt_conv_dims_text(const vt_attr *a, vt_buf *out) {
    if (a->nfields != 9) return false;
    vt_buf b;
    vt_buf_init(&b);
    bool ok = conv_group(&b, a, "input_batch_dimension", "input_feature_dimension", "input_spatial_dimensions", "bf");
    if (ok) vt_buf_puts(&b, "x");
    ok = ok && conv_group(&b, a, "kernel_input_feature_dimension", "kernel_output_feature_dimension", "kernel_spatial_dimensions", "io");
    if (ok) vt_buf_puts(&b, "->");
    ok = ok && conv_group(&b, a, "output_batch_dimension", "output_feature_dimension", "output_spatial_dimensions", "bf");
    if (ok && !b.failed) vt_buf_puts(out, vt_buf_cstr(&b));
    vt_buf_free(&b);
    return ok;
}

static bool pr_convolution(vt_printer *pr, const vt_op *op) {
    const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    if (!dn || dn->kind != VT_ATTR_DIALECT || strcmp(dn->dialect, "stablehlo") || strcmp(dn->name, "conv") || op->noperands != 2)
        return false;
    vt_buf dims;
    vt_buf_init(&dims);
    if (!vt_conv_dims_text(dn, &dims)) {
        vt_buf_free(&dims);
        return false;
    }
    static const char *wn[] = {"window_strides", "padding", "lhs_dilation", "rhs_dilation", "window_reversal"};
    static const char *wk[] = {"stride", "pad", "lhs_dilate", "rhs_dilate", "reverse"};
    const vt_attr *w[5];
    bool ok = true;
    for (int i = 0; i < 5; i++) {
        w[i] = vt_op_attr(op, wn[i]);
        if (!w[i]) continue;
        if (i == 1) {
            const vt_attr *p = w[i];
            ok &= p->kind == VT_ATTR_DENSE && !p->splat && p->tensor && p->tensor->dtype == VT_I64 && p->type->rank == 2 &&
                  p->type->dims[1] == 2 && !p->type->quant && !p->type->bounds && !p->type->encoding;
        } else if (i == 4) {
            ok &= w[i]->kind == VT_ATTR_DENSE_ARRAY && w[i]->type && w[i]->type->dtype == VT_I1 && !w[i]->f64s;
        } else {
            ok &= is_i64_array(w[i]);
        }
    }
    if (!ok) {
        vt_buf_free(&dims);
        return false;
    }
    vt_buf_printf(pr->b, "%s(", vt_op_name(op));
    vt_pr_operands(pr, op, 0, 2);
    vt_buf_printf(pr->b, ") dim_numbers = %s, window = {", vt_buf_cstr(&dims));
    vt_buf_free(&dims);
    bool first = true;
    for (int i = 0; i < 5; i++) {
        if (!w[i]) continue;
        vt_buf_printf(pr->b, "%s%s = ", first ? "" : ", ", wk[i]);
        first = false;
        if (i == 1) {
            const int64_t *d = w[i]->tensor->data;
            vt_buf_puts(pr->b, "[");
            for (int64_t k = 0; k < w[i]->type->dims[0]; k++)
                vt_buf_printf(pr->b, "%s[%lld, %lld]", k ? ", " : "", (long long)d[2 * k], (long long)d[2 * k + 1]);
            vt_buf_puts(pr->b, "]");
        } else {
            pr_i64_list(pr->b, w[i]->i64s, w[i]->n);
        }
    }
    vt_buf_puts(pr->b, "}");
    const char *skip[] = {"dimension_numbers", "window_strides", "padding", "lhs_dilation", "rhs_dilation", "window_reversal"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 6);
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_while(vt_printer *pr, const vt_op *op) {
    if (op->nregions != 2 || op->nresults != op->noperands) return false;
    const vt_block *c = op->regions[0]->nblocks == 1 ? op->regions[0]->blocks[0] : NULL;
    const vt_block *d = op->regions[1]->nblocks == 1 ? op->regions[1]->blocks[0] : NULL;
    if (!c || !d || c->nargs != op->noperands || d->nargs != op->noperands || c->label || d->label) return false;
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *t = op->operands[i]->type;
        if (!c->args[i].name || !d->args[i].name || strcmp(c->args[i].name, d->args[i].name) || !vt_type_equal(c->args[i].type, t) ||
            !vt_type_equal(d->args[i].type, t) || !vt_type_equal(op->results[i].type, t) || c->args[i].loc || d->args[i].loc)
            return false;
    }
    vt_buf_printf(pr->b, "%s(", vt_op_name(op));
    for (size_t i = 0; i < op->noperands; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        vt_pr_value(pr, &c->args[i]);
        vt_buf_puts(pr->b, " = ");
        vt_pr_value(pr, op->operands[i]);
    }
    vt_buf_puts(pr->b, ")");
    if (op->noperands) {
        vt_buf_puts(pr->b, " : ");
        for (size_t i = 0; i < op->noperands; i++) {
            if (i) vt_buf_puts(pr->b, ", ");
            vt_type_print(pr->b, op->operands[i]->type);
        }
    }
    if (op->nattrs) {
        vt_buf_puts(pr->b, " attributes");
        vt_pr_attr_dict(pr, op->attrs, op->nattrs, NULL, 0);
    }
    vt_buf_puts(pr->b, "\n");
    vt_pr_indent(pr);
    vt_buf_puts(pr->b, "cond ");
    vt_pr_region(pr, op->regions[0], false);
    vt_buf_puts(pr->b, " do ");
    vt_pr_region(pr, op->regions[1], false);
    return true;
}

static bool pr_composite(vt_printer *pr, const vt_op *op) {
    const vt_attr *nm = vt_op_attr(op, "name");
    if (!nm || nm->kind != VT_ATTR_STRING || nm->type || op->nregions) return false;
    /* keyword attributes are not used by composite: print via the simple form */
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_string(pr->b, nm->str, nm->len);
    if (op->noperands) vt_buf_puts(pr->b, " ");
    vt_pr_operands(pr, op, 0, op->noperands);
    const char *skip[] = {"name"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    if (!op->noperands && !op->nresults) return true;
    vt_pr_signature(pr, op);
    return true;
}

static bool pr_top_k(vt_printer *pr, const vt_op *op) {
    const vt_attr *k = vt_op_attr(op, "k");
    if (!is_typed_int(k, VT_I64) || op->noperands != 1) return false;
    vt_buf_printf(pr->b, "%s(", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_printf(pr->b, ", k = %lld)", (long long)k->i);
    const char *skip[] = {"k"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
    return true;
}

static bool pr_sdy(vt_printer *pr, const vt_op *op, bool mesh) {
    const vt_attr *a = vt_op_attr(op, mesh ? "mesh" : "sharding");
    const char *pre = mesh ? "#sdy.mesh<" : "#sdy.sharding<";
    size_t pl = strlen(pre);
    if (!a || a->kind != VT_ATTR_OPAQUE || a->len < pl || memcmp(a->str, pre, pl) != 0) return false;
    if (mesh) {
        const vt_attr *nm = vt_op_attr(op, "sym_name");
        if (!nm || nm->kind != VT_ATTR_STRING || nm->type || op->noperands || op->nresults) return false;
        vt_buf_printf(pr->b, "%s ", vt_op_name(op));
        vt_pr_symbol(pr->b, nm->str);
        vt_buf_puts(pr->b, " = ");
        vt_buf_append(pr->b, a->str + pl - 1, a->len - (pl - 1));
        const char *skip[] = {"mesh", "sym_name"};
        vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 2);
        return true;
    }
    if (op->noperands != 1) return false;
    vt_buf_printf(pr->b, "%s ", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_puts(pr->b, " ");
    vt_buf_append(pr->b, a->str + pl - 1, a->len - (pl - 1));
    const char *skip[] = {"sharding"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 1);
    vt_pr_signature(pr, op);
    return true;
}

/* reduce(%x init: %i) applies OP across dimensions = [..] : sig, when the body is exactly
 * `OP(arg0, arg1); return` on the init's type (what the pretty parser builds). */
static bool pr_reduce(vt_printer *pr, const vt_op *op) {
    const vt_attr *dims = vt_op_attr(op, "dimensions");
    if (op->noperands != 2 || op->nresults != 1 || op->nregions != 1 || op->nattrs != 1 || !is_i64_array(dims)) return false;
    const vt_region *r = op->regions[0];
    if (r->nblocks != 1) return false;
    const vt_block *blk = r->blocks[0];
    const vt_type *et = op->operands[1]->type;
    if (blk->nargs != 2 || blk->nops != 2) return false;
    const vt_op *body = blk->ops[0], *ret = blk->ops[1];
    const vt_op_info *inf = vt_op_info_get(body->code);
    if (!body->code || !(inf->flags & VT_OPF_BINARY) || !(inf->flags & VT_OPF_ELEMENTWISE) || inf->pretty != VT_PK_SIMPLE ||
        body->nattrs || body->nregions || body->noperands != 2 || body->nresults != 1 || body->operands[0] != &blk->args[0] ||
        body->operands[1] != &blk->args[1])
        return false;
    if (ret->code != VT_OP_RETURN || ret->noperands != 1 || ret->operands[0] != &body->results[0] || ret->nattrs) return false;
    if (!vt_type_equal(blk->args[0].type, et) || !vt_type_equal(blk->args[1].type, et) || !vt_type_equal(body->results[0].type, et))
        return false;
    if (pr->o.locations && (body->loc || ret->loc || blk->args[0].loc || blk->args[1].loc)) return false;
    vt_buf_printf(pr->b, "%s(", vt_op_name(op));
    vt_pr_value(pr, op->operands[0]);
    vt_buf_puts(pr->b, " init: ");
    vt_pr_value(pr, op->operands[1]);
    vt_buf_printf(pr->b, ") applies %s across dimensions = ", vt_op_name(body));
    pr_i64_list(pr->b, dims->i64s, dims->n);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
    return true;
}

static bool opaque_wrapped(const vt_attr *a, const char *prefix, const char *suffix) {
    size_t lp = strlen(prefix), ls = strlen(suffix);
    return a && a->kind == VT_ATTR_OPAQUE && a->len >= lp + ls && memcmp(a->str, prefix, lp) == 0 &&
           memcmp(a->str + a->len - ls, suffix, ls) == 0;
}

static bool pr_sdy_manual(vt_printer *pr, const vt_op *op) {
    static const char *kw[3] = {"in_shardings", "out_shardings", "manual_axes"};
    const vt_attr *a[3];
    for (int i = 0; i < 3; i++) {
        a[i] = vt_op_attr(op, kw[i]);
        if (!opaque_wrapped(a[i], i < 2 ? "#sdy.sharding_per_value<" : "#sdy<manual_axes", ">")) return false;
    }
    if (op->nregions != 1 || op->regions[0]->nblocks != 1 || op->regions[0]->blocks[0]->label) return false;
    const vt_block *blk = op->regions[0]->blocks[0];
    for (size_t i = 0; i < blk->nargs; i++)
        if (!blk->args[i].name) return false;
    vt_buf_printf(pr->b, "%s(", vt_op_name(op));
    vt_pr_operands(pr, op, 0, op->noperands);
    vt_buf_puts(pr->b, ")");
    for (int i = 0; i < 3; i++) {
        size_t lp = i < 2 ? strlen("#sdy.sharding_per_value<") : strlen("#sdy<manual_axes");
        vt_buf_printf(pr->b, " %s=", kw[i]);
        vt_buf_append(pr->b, a[i]->str + lp, a[i]->len - lp - 1);
    }
    vt_buf_puts(pr->b, " (");
    for (size_t i = 0; i < blk->nargs; i++) {
        if (i) vt_buf_puts(pr->b, ", ");
        vt_pr_value(pr, &blk->args[i]);
        vt_buf_puts(pr->b, ": ");
        vt_type_print(pr->b, blk->args[i].type);
        vt_pr_loc(pr, blk->args[i].loc);
    }
    vt_buf_puts(pr->b, ") ");
    vt_pr_region(pr, op->regions[0], false);
    const char *skip[] = {"in_shardings", "out_shardings", "manual_axes"};
    vt_pr_attr_dict(pr, op->attrs, op->nattrs, skip, 3);
    vt_buf_puts(pr->b, " : ");
    vt_pr_functional_type(pr, op);
    return true;
}

bool vt_pr_pretty_op(vt_printer *pr, const vt_op *op) {
    if (op->code == VT_OP_UNKNOWN) return false;
    size_t mark = pr->b->len;
    bool ok = false;
    switch (vt_op_info_get(op->code)->pretty) {
    case VT_PK_SIMPLE: ok = pr_simple(pr, op, NULL, 0); break;
    case VT_PK_CONSTANT: ok = pr_constant(pr, op); break;
    case VT_PK_COMPARE: ok = pr_compare(pr, op); break;
    case VT_PK_CUSTOM_CALL: ok = pr_symbol_call(pr, op, vt_op_name(op), "call_target_name", VT_ATTR_STRING); break;
    case VT_PK_CALL: ok = pr_symbol_call(pr, op, "call", "callee", VT_ATTR_SYMBOL); break;
    case VT_PK_RETURN: ok = pr_return(pr, op); break;
    case VT_PK_SLICE: ok = pr_slice(pr, op); break;
    case VT_PK_GET_TUPLE_ELEMENT: ok = pr_gte(pr, op); break;
    case VT_PK_DOT_GENERAL: ok = pr_dot_general(pr, op); break;
    case VT_PK_CONVOLUTION: ok = pr_convolution(pr, op); break;
    case VT_PK_WHILE: ok = pr_while(pr, op); break;
    case VT_PK_COMPOSITE: ok = pr_composite(pr, op); break;
    case VT_PK_TOP_K: ok = pr_top_k(pr, op); break;
    case VT_PK_CHECK_CONST: ok = pr_check_const(pr, op); break;
    case VT_PK_SDY_MESH: ok = pr_sdy(pr, op, true); break;
    case VT_PK_SDY_SHARDING: ok = pr_sdy(pr, op, false); break;
    case VT_PK_REDUCE: ok = pr_reduce(pr, op); break;
    case VT_PK_SCAN:
    case VT_PK_SDY_MANUAL: ok = pr_sdy_manual(pr, op); break;
    case VT_PK_GENERIC: ok = false; break;
    }
    if (!ok) pr->b->len = mark; /* drop partial output; the generic form follows */
    return ok;
}
