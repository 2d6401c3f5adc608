/* Spec constraints of the ops with regions: reduce (dimensions, body signature), while (cond and
 * body signatures), if/case (branch results), sort (comparator), and composite (decomposition
 * signature). Types are compared as "compatible": `?` dims match any size. */
#include "hlo/verify_internal.h"

#include <string.h>

#define CAP VT_MAX_RANK

static bool compatible(const vt_type *a, const vt_type *b) {
    if (vt_type_is_tensor(a) && vt_type_is_tensor(b)) return vt_vsame_shape(a, b) && a->dtype == b->dtype;
    return vt_type_equal(a, b);
}

static bool is_i1_scalar(const vt_type *t) { return vt_type_is_tensor(t) && t->rank == 0 && t->dtype == VT_I1; }

/* The single block of region i and its terminator (NULL when the region is empty). */
static const vt_op *region_return(const vt_op *op, size_t i, const vt_block **blk) {
    *blk = NULL;
    if (i >= op->nregions || op->regions[i]->nblocks == 0) return NULL;
    *blk = op->regions[i]->blocks[0];
    return (*blk)->nops ? (*blk)->ops[(*blk)->nops - 1] : NULL;
}

static vt_status v_reduce(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0 || op->noperands % 2) return vt_vfail(m, op, err, "needs N inputs and N init values");
    size_t n = op->noperands / 2;
    if (op->nresults != n) return vt_vfail(m, op, err, "has %zu results for %zu inputs", op->nresults, n);
    const vt_type *x0 = op->operands[0]->type;
    if (!vt_type_is_tensor(x0)) return VT_OK;
    int64_t d[CAP];
    size_t nd;
    if (!vt_vlist(op, "dimensions", d, CAP, &nd)) return vt_vfail(m, op, err, "missing or malformed dimensions");
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < 0 || d[i] >= x0->rank) return vt_vfail(m, op, err, "dimension %lld outside [0, %d)", (long long)d[i], x0->rank);
        for (size_t j = 0; j < i; j++)
            if (d[i] == d[j]) return vt_vfail(m, op, err, "dimension %lld appears twice", (long long)d[i]);
    }
    for (size_t i = 0; i < n; i++) {
        const vt_type *x = op->operands[i]->type, *init = op->operands[n + i]->type, *r = op->results[i].type;
        if (!vt_type_is_tensor(x) || !vt_type_is_tensor(init) || !vt_type_is_tensor(r)) return VT_OK;
        if (!vt_vsame_shape(x, x0)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
        if (init->rank != 0) return vt_vfail(m, op, err, "init value %zu must be a scalar tensor", i);
        if (r->rank != x0->rank - (int)nd)
            return vt_vfail(m, op, err, "result %zu has rank %d, expected %d after reducing %zu dimensions", i, r->rank, x0->rank - (int)nd, nd);
        int k = 0;
        for (int dd = 0; dd < x0->rank; dd++) {
            bool red = false;
            for (size_t j = 0; j < nd; j++) red |= d[j] == dd;
            if (red) continue;
            if (!vt_vdim_ok(r->dims[k], x0->dims[dd]))
                return vt_vfail(m, op, err, "result %zu dimension %d has size %lld, input dimension %d has size %lld", i, k,
                                (long long)r->dims[k], dd, (long long)x0->dims[dd]);
            k++;
        }
    }
    const vt_block *blk;
    const vt_op *ret = region_return(op, 0, &blk);
    if (!blk) return vt_vfail(m, op, err, "missing body");
    if (blk->nargs != 2 * n) return vt_vfail(m, op, err, "body takes %zu arguments, expected %zu (2 per input)", blk->nargs, 2 * n);
    for (size_t i = 0; i < blk->nargs; i++)
        if (!vt_type_is_tensor(blk->args[i].type) || blk->args[i].type->rank != 0)
            return vt_vfail(m, op, err, "body argument %zu must be a scalar tensor", i);
    if (ret && ret->noperands != n) return vt_vfail(m, op, err, "body returns %zu values, expected %zu", ret->noperands, n);
    return VT_OK;
}

static vt_status v_while(const vt_module *m, const vt_op *op, vt_error *err) {
    size_t n = op->noperands;
    if (op->nresults != n) return vt_vfail(m, op, err, "has %zu results for %zu operands", op->nresults, n);
    for (size_t i = 0; i < n; i++)
        if (!compatible(op->operands[i]->type, op->results[i].type))
            return vt_vfail(m, op, err, "result %zu and operand %zu must have the same type", i, i);
    static const char *const names[2] = {"cond", "body"};
    for (size_t r = 0; r < 2; r++) {
        const vt_block *blk;
        const vt_op *ret = region_return(op, r, &blk);
        if (!blk) return vt_vfail(m, op, err, "missing %s region", names[r]);
        if (blk->nargs != n) return vt_vfail(m, op, err, "%s takes %zu arguments, the loop carries %zu values", names[r], blk->nargs, n);
        for (size_t i = 0; i < n; i++)
            if (!compatible(blk->args[i].type, op->operands[i]->type))
                return vt_vfail(m, op, err, "%s argument %zu does not have the type of operand %zu", names[r], i, i);
        if (!ret) continue;
        if (r == 0) {
            if (ret->noperands != 1 || !is_i1_scalar(ret->operands[0]->type))
                return vt_vfail(m, op, err, "cond must return one tensor<i1>");
        } else {
            if (ret->noperands != n) return vt_vfail(m, op, err, "body returns %zu values, the loop carries %zu", ret->noperands, n);
            for (size_t i = 0; i < n; i++)
                if (!compatible(ret->operands[i]->type, op->operands[i]->type))
                    return vt_vfail(m, op, err, "body result %zu does not have the type of operand %zu", i, i);
        }
    }
    return VT_OK;
}

static vt_status v_branches(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *p = op->operands[0]->type;
    if (op->code == VT_OP_IF && !is_i1_scalar(p)) return vt_vfail(m, op, err, "predicate must be a tensor<i1>");
    if (op->code == VT_OP_CASE && (!vt_type_is_tensor(p) || p->rank != 0 || p->dtype != VT_I32))
        return vt_vfail(m, op, err, "index must be a tensor<i32>");
    if (op->code == VT_OP_IF && op->nregions != 2) return vt_vfail(m, op, err, "needs two branches");
    if (op->nregions == 0) return vt_vfail(m, op, err, "needs at least one branch");
    for (size_t r = 0; r < op->nregions; r++) {
        const vt_block *blk;
        const vt_op *ret = region_return(op, r, &blk);
        if (!blk) return vt_vfail(m, op, err, "branch %zu is empty", r);
        if (blk->nargs) return vt_vfail(m, op, err, "branch %zu must take no arguments", r);
        if (!ret) continue;
        if (ret->noperands != op->nresults)
            return vt_vfail(m, op, err, "branch %zu returns %zu values, the op has %zu results", r, ret->noperands, op->nresults);
        for (size_t i = 0; i < op->nresults; i++)
            if (!compatible(ret->operands[i]->type, op->results[i].type))
                return vt_vfail(m, op, err, "branch %zu result %zu does not have the op's result type", r, i);
    }
    return VT_OK;
}

static vt_status v_sort(const vt_module *m, const vt_op *op, vt_error *err) {
    size_t n = op->noperands;
    if (n == 0 || op->nresults != n) return vt_vfail(m, op, err, "needs N inputs and N results");
    const vt_type *x0 = op->operands[0]->type;
    for (size_t i = 0; i < n; i++) {
        if (!vt_vsame_shape(op->operands[i]->type, x0)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
        if (!compatible(op->operands[i]->type, op->results[i].type)) return vt_vfail(m, op, err, "result %zu and input %zu must have the same type", i, i);
    }
    int64_t d = -1;
    vt_attr *da = vt_op_attr(op, "dimension");
    if (da && vt_attr_as_i64(da, &d) && (d < -x0->rank || d >= (x0->rank ? x0->rank : 1)))
        return vt_vfail(m, op, err, "dimension %lld outside [-%d, %d)", (long long)d, x0->rank, x0->rank);
    const vt_block *blk;
    const vt_op *ret = region_return(op, 0, &blk);
    if (!blk) return vt_vfail(m, op, err, "missing comparator");
    if (blk->nargs != 2 * n) return vt_vfail(m, op, err, "comparator takes %zu arguments, expected %zu", blk->nargs, 2 * n);
    for (size_t i = 0; i < blk->nargs; i++) {
        const vt_type *t = blk->args[i].type;
        if (!vt_type_is_tensor(t) || t->rank != 0 || (!t->quant && t->dtype != op->operands[i / 2]->type->dtype))
            return vt_vfail(m, op, err, "comparator argument %zu must be a scalar of input %zu's element type", i, i / 2);
    }
    if (ret && (ret->noperands != 1 || !is_i1_scalar(ret->operands[0]->type)))
        return vt_vfail(m, op, err, "comparator must return one tensor<i1>");
    return VT_OK;
}

static vt_status v_composite(const vt_module *m, const vt_op *op, vt_error *err) {
    const char *callee = vt_op_callee(op);
    if (!callee) return vt_vfail(m, op, err, "missing decomposition");
    const vt_func *f = vt_module_find_func(m, callee);
    if (!f) return vt_vfail(m, op, err, "decomposition @%s is not defined", callee);
    if (f->nargs != op->noperands || f->nresults != op->nresults)
        return vt_vfail(m, op, err, "decomposition @%s takes %zu arguments and returns %zu values, the op has %zu and %zu", callee,
                        f->nargs, f->nresults, op->noperands, op->nresults);
    for (size_t i = 0; i < f->nargs; i++)
        if (!compatible(f->arg_types[i], op->operands[i]->type))
            return vt_vfail(m, op, err, "operand %zu does not have the type of @%s's argument", i, callee);
    for (size_t i = 0; i < f->nresults; i++)
        if (!compatible(f->result_types[i], op->results[i].type))
            return vt_vfail(m, op, err, "result %zu does not have the type of @%s's result", i, callee);
    return VT_OK;
}

vt_status vt_verify_control_ops(const vt_module *m, const vt_op *op, vt_error *err) {
    switch (op->code) {
    case VT_OP_REDUCE: return v_reduce(m, op, err);
    case VT_OP_WHILE: return v_while(m, op, err);
    case VT_OP_IF:
    case VT_OP_CASE: return v_branches(m, op, err);
    case VT_OP_SORT: return v_sort(m, op, err);
    case VT_OP_COMPOSITE: return v_composite(m, op, err);
    default: return VT_OK;
    }
}
