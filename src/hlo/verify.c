/* Module verifier, structural part: op arity from the op table, region terminators, function
 * returns and calls against their signatures. The per-op constraints of the spec (types and
 * shapes, the (C1)..(Cn) lists) live in verify_ops*.c and are run from here for each op. */
#include "veritor/hlo.h"

#include <stdio.h>
#include <string.h>

/* Per-op constraint checker of verify_ops*.c; VT_OK when the op has none. */
vt_status vt_verify_op_constraints(const vt_module *m, const vt_op *op, vt_error *err);

static vt_status op_error(const vt_module *m, const vt_op *op, vt_error *err, const char *fmt, const char *a,
                          long long x, long long y) {
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, x, y);
    return vt_error_set(err, VT_EINPUT, "%s:%u:%u: %s: %s", m->filename ? m->filename : "<input>", op->line, op->col,
                        vt_op_name(op), msg);
}

static bool is_terminator(const vt_op *op) { return (vt_op_get_info(op)->flags & VT_OPF_TERMINATOR) != 0; }

static vt_status verify_region(const vt_module *m, const vt_region *r, vt_error *err);

static vt_status verify_call(const vt_module *m, const vt_op *op, vt_error *err) {
    const char *callee = vt_op_callee(op);
    if (!callee) return op_error(m, op, err, "%smissing callee", "", 0, 0);
    const vt_func *f = vt_module_find_func(m, callee);
    if (!f) return op_error(m, op, err, "call to undefined function @%s", callee, 0, 0);
    if (f->nargs != op->noperands)
        return op_error(m, op, err, "@%s takes %lld arguments, the call passes %lld", callee, (long long)f->nargs,
                        (long long)op->noperands);
    if (f->nresults != op->nresults)
        return op_error(m, op, err, "@%s returns %lld values, the call expects %lld", callee, (long long)f->nresults,
                        (long long)op->nresults);
    for (size_t i = 0; i < op->noperands; i++)
        if (!vt_type_equal(f->arg_types[i], op->operands[i]->type))
            return op_error(m, op, err, "argument %lld of the call to @%s has the wrong type%s", "", (long long)i, 0);
    for (size_t i = 0; i < op->nresults; i++)
        if (!vt_type_equal(f->result_types[i], op->results[i].type))
            return op_error(m, op, err, "result %lld of the call to @%s has the wrong type%s", "", (long long)i, 0);
    return VT_OK;
}

static vt_status verify_op(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_op_info *info = vt_op_get_info(op);
    if (op->code != VT_OP_UNKNOWN) {
        if (info->num_operands >= 0 && (size_t)info->num_operands != op->noperands)
            return op_error(m, op, err, "%sexpects %lld operands, has %lld", "", info->num_operands, (long long)op->noperands);
        if (info->num_results >= 0 && (size_t)info->num_results != op->nresults)
            return op_error(m, op, err, "%sexpects %lld results, has %lld", "", info->num_results, (long long)op->nresults);
        if (info->num_regions >= 0 && (size_t)info->num_regions != op->nregions)
            return op_error(m, op, err, "%sexpects %lld regions, has %lld", "", info->num_regions, (long long)op->nregions);
    }
    for (size_t i = 0; i < op->noperands; i++)
        if (!op->operands[i] || !op->operands[i]->type) return op_error(m, op, err, "%soperand %lld is undefined", "", (long long)i, 0);
    if (op->code == VT_OP_FUNC_CALL) {
        vt_status s = verify_call(m, op, err);
        if (s) return s;
    }
    for (size_t i = 0; i < op->nregions; i++) {
        vt_status s = verify_region(m, op->regions[i], err);
        if (s) return s;
    }
    return vt_verify_op_constraints(m, op, err);
}

static vt_status verify_region(const vt_module *m, const vt_region *r, vt_error *err) {
    for (size_t b = 0; b < r->nblocks; b++) {
        const vt_block *blk = r->blocks[b];
        if (blk->nops == 0 || !is_terminator(blk->ops[blk->nops - 1])) {
            const vt_op *at = blk->nops ? blk->ops[blk->nops - 1] : r->parent_op;
            if (at) return op_error(m, at, err, "%sa block must end with a return", "", 0, 0);
            return vt_error_set(err, VT_EINPUT, "%s: a block must end with a return", m->filename ? m->filename : "<input>");
        }
        for (size_t i = 0; i < blk->nops; i++) {
            const vt_op *op = blk->ops[i];
            if (is_terminator(op) && i + 1 != blk->nops) return op_error(m, op, err, "%sreturn before the end of a block", "", 0, 0);
            vt_status s = verify_op(m, op, err);
            if (s) return s;
        }
    }
    return VT_OK;
}

vt_status vt_module_verify(const vt_module *m, vt_error *err) {
    for (size_t i = 0; i < m->nfuncs; i++) {
        const vt_func *f = m->funcs[i];
        if (!f->body) continue;
        vt_status s = verify_region(m, f->body, err);
        if (s) return s;
        const vt_block *entry = f->body->blocks[0];
        if (entry->nargs != f->nargs)
            return vt_error_set(err, VT_EINPUT, "%s:%u:%u: @%s: body has %zu arguments, signature %zu", m->filename ? m->filename : "<input>",
                                f->line, f->col, f->name, entry->nargs, f->nargs);
        const vt_op *ret = entry->ops[entry->nops - 1];
        if (ret->noperands != f->nresults)
            return op_error(m, ret, err, "%sreturns %lld values, the function declares %lld", "", (long long)ret->noperands,
                            (long long)f->nresults);
        for (size_t k = 0; k < ret->noperands; k++)
            if (!vt_type_equal(ret->operands[k]->type, f->result_types[k]))
                return op_error(m, ret, err, "%sreturn value %lld does not have the declared result type", "", (long long)k, 0);
    }
    return VT_OK;
}
