/* AR -> TF, step 2: the value of every small integer index (positions, slice starts, scatter
 * indices, JAX's negative-index wrap-around) at every step, evaluated from the counters and
 * constants, so that reads and writes of buffers are known positions rather than patterns. */
#include "transform/ar_internal.h"

#include <string.h>

static int64_t norm(vt_dtype dt, int64_t v) {
    switch (dt) {
    case VT_I1: return v != 0;
    case VT_I8: return (int8_t)v;
    case VT_I16: return (int16_t)v;
    case VT_I32: return (int32_t)v;
    case VT_U8: return (uint8_t)v;
    case VT_U16: return (uint16_t)v;
    case VT_U32: return (uint32_t)v;
    default: return v;
    }
}

static bool small_int(const vt_type *t, int64_t *n) {
    if (!t || t->kind != VT_TYPE_TENSOR || t->quant) return false;
    if (!(vt_dtype_is_int(t->dtype) || t->dtype == VT_I1)) return false;
    int64_t e = ar_type_elems(t);
    if (e < 1 || e > AR_TAB_MAX_ELEMS) return false;
    *n = e;
    return true;
}

/* Row-major multi-index of flat index e in dims. */
static void unravel(int64_t e, int rank, const int64_t *dims, int64_t *idx) {
    for (int d = rank - 1; d >= 0; d--) {
        idx[d] = dims[d] ? e % dims[d] : 0;
        e = dims[d] ? e / dims[d] : 0;
    }
}
static int64_t ravel(int rank, const int64_t *dims, const int64_t *idx) {
    int64_t e = 0;
    for (int d = 0; d < rank; d++) e = e * dims[d] + idx[d];
    return e;
}

static bool get_list(const vt_op *op, const char *name, int64_t *out, size_t *n) {
    return vt_attr_as_i64_array(vt_op_attr(op, name), out, VT_MAX_RANK, n);
}

static bool cmp(const char *dir, int64_t a, int64_t b, bool uns) {
    if (uns) {
        uint64_t x = (uint64_t)a, y = (uint64_t)b;
        if (!strcmp(dir, "LT")) return x < y;
        if (!strcmp(dir, "LE")) return x <= y;
        if (!strcmp(dir, "GT")) return x > y;
        if (!strcmp(dir, "GE")) return x >= y;
    }
    if (!strcmp(dir, "EQ")) return a == b;
    if (!strcmp(dir, "NE")) return a != b;
    if (!strcmp(dir, "LT")) return a < b;
    if (!strcmp(dir, "LE")) return a <= b;
    if (!strcmp(dir, "GT")) return a > b;
    return a >= b;
}

/* Evaluates one op for one step: in[i] are the operand rows, out the result row. False when the
 * op is not one the evaluator knows (the value then simply has no table). */
static bool eval_row(const vt_op *op, const ar_fval *const *ov, const int64_t *const *in, const vt_type *rt,
                     int64_t n, int64_t *out) {
    vt_dtype dt = rt->dtype;
    int64_t a, b2, x;
#define OPV(i, e) (in[i][ov[i]->nelem == 1 ? 0 : (e)])
    switch (op->code) {
    case VT_OP_ADD: case VT_OP_SUBTRACT: case VT_OP_MULTIPLY: case VT_OP_DIVIDE: case VT_OP_REMAINDER:
    case VT_OP_MAXIMUM: case VT_OP_MINIMUM: case VT_OP_AND: case VT_OP_OR: case VT_OP_XOR:
        for (int64_t e = 0; e < n; e++) {
            a = OPV(0, e), b2 = OPV(1, e);
            switch (op->code) {
            case VT_OP_ADD: x = (int64_t)((uint64_t)a + (uint64_t)b2); break;
            case VT_OP_SUBTRACT: x = (int64_t)((uint64_t)a - (uint64_t)b2); break;
            case VT_OP_MULTIPLY: x = (int64_t)((uint64_t)a * (uint64_t)b2); break;
            case VT_OP_DIVIDE:
                if (b2 == 0 || (a == INT64_MIN && b2 == -1)) return false;
                x = a / b2;
                break;
            case VT_OP_REMAINDER:
                if (b2 == 0 || (a == INT64_MIN && b2 == -1)) return false;
                x = a % b2;
                break;
            case VT_OP_MAXIMUM: x = a > b2 ? a : b2; break;
            case VT_OP_MINIMUM: x = a < b2 ? a : b2; break;
            case VT_OP_AND: x = a & b2; break;
            case VT_OP_OR: x = a | b2; break;
            default: x = a ^ b2; break;
            }
            out[e] = norm(dt, x);
        }
        return true;
    case VT_OP_NEGATE: case VT_OP_ABS: case VT_OP_NOT: case VT_OP_CONVERT: case VT_OP_RESHAPE:
        for (int64_t e = 0; e < n; e++) {
            a = OPV(0, e);
            x = op->code == VT_OP_NEGATE ? (int64_t)(0 - (uint64_t)a)
                : op->code == VT_OP_ABS  ? (a < 0 ? (int64_t)(0 - (uint64_t)a) : a)
                : op->code == VT_OP_NOT  ? (dt == VT_I1 ? !a : ~a)
                                         : a;
            out[e] = norm(dt, x);
        }
        return true;
    case VT_OP_COMPARE: {
        const char *dir = vt_attr_as_string(vt_op_attr(op, "comparison_direction"));
        const char *ct = vt_attr_as_string(vt_op_attr(op, "compare_type"));
        if (!dir) return false;
        bool uns = (ct && !strcmp(ct, "UNSIGNED")) || vt_dtype_kind_of(op->operands[0]->type->dtype) == VT_KIND_UINT;
        for (int64_t e = 0; e < n; e++) out[e] = cmp(dir, OPV(0, e), OPV(1, e), uns);
        return true;
    }
    case VT_OP_SELECT:
        for (int64_t e = 0; e < n; e++) out[e] = OPV(0, e) ? OPV(1, e) : OPV(2, e);
        return true;
    case VT_OP_CLAMP:
        for (int64_t e = 0; e < n; e++) {
            int64_t lo = OPV(0, e), v = OPV(1, e), hi = OPV(2, e);
            out[e] = v < lo ? lo : v > hi ? hi : v;
        }
        return true;
    case VT_OP_BROADCAST_IN_DIM: {
        int64_t bd[VT_MAX_RANK], oi[VT_MAX_RANK], ii[VT_MAX_RANK];
        size_t nb;
        const vt_type *it = op->operands[0]->type;
        if (!get_list(op, "broadcast_dimensions", bd, &nb) || (int)nb != it->rank) return false;
        for (int64_t e = 0; e < n; e++) {
            unravel(e, rt->rank, rt->dims, oi);
            for (size_t d = 0; d < nb; d++) ii[d] = it->dims[d] == 1 ? 0 : oi[bd[d]];
            out[e] = in[0][ravel(it->rank, it->dims, ii)];
        }
        return true;
    }
    case VT_OP_SLICE: {
        int64_t st[VT_MAX_RANK], sd[VT_MAX_RANK], oi[VT_MAX_RANK], ii[VT_MAX_RANK];
        size_t n1, n2;
        const vt_type *it = op->operands[0]->type;
        if (!get_list(op, "start_indices", st, &n1) || !get_list(op, "strides", sd, &n2) || (int)n1 != it->rank ||
            n2 != n1)
            return false;
        for (int64_t e = 0; e < n; e++) {
            unravel(e, rt->rank, rt->dims, oi);
            for (size_t d = 0; d < n1; d++) ii[d] = st[d] + oi[d] * sd[d];
            out[e] = in[0][ravel(it->rank, it->dims, ii)];
        }
        return true;
    }
    case VT_OP_CONCATENATE: {
        int64_t dim, oi[VT_MAX_RANK];
        if (!vt_attr_as_i64(vt_op_attr(op, "dimension"), &dim) || dim < 0 || dim >= rt->rank) return false;
        for (int64_t e = 0; e < n; e++) {
            unravel(e, rt->rank, rt->dims, oi);
            int64_t p = oi[dim];
            for (size_t k = 0; k < op->noperands; k++) {
                const vt_type *kt = op->operands[k]->type;
                if (p < kt->dims[dim]) {
                    oi[dim] = p;
                    out[e] = in[k][ravel(kt->rank, kt->dims, oi)];
                    break;
                }
                p -= kt->dims[dim];
            }
        }
        return true;
    }
    default:
        return false;
    }
#undef OPV
}

static bool const_tab(ar_ctx *c, const vt_op *op, const vt_type *rt, int64_t n, int64_t *tab) {
    if (op->code == VT_OP_IOTA) {
        int64_t dim, idx[VT_MAX_RANK];
        if (!vt_attr_as_i64(vt_op_attr(op, "iota_dimension"), &dim) || dim < 0 || dim >= rt->rank) return false;
        for (int64_t e = 0; e < n; e++) {
            unravel(e, rt->rank, rt->dims, idx);
            tab[e] = norm(rt->dtype, idx[dim]);
        }
    } else {
        vt_tensor *t = NULL;
        vt_error e2;
        if (vt_attr_dense_materialize(vt_op_attr(op, "value"), 1 << 20, &t, &e2) || !t) return false;
        bool ok = (int64_t)t->nelem == n;
        for (int64_t e = 0; ok && e < n; e++)
            tab[e] = vt_load_i64(t->dtype, (const char *)t->data + e * vt_dtype_size(t->dtype));
        vt_tensor_release(t);
        if (!ok) return false;
    }
    for (int64_t s = 1; s < c->S; s++) memcpy(tab + s * n, tab, (size_t)n * sizeof *tab);
    return true;
}

/* Tables of the carried values: counters vary with the step, invariants keep their initial
 * value's table (the entry ops that compute the inits come before the body in op order). */
static vt_status carry_tabs(ar_ctx *c, vt_error *err) {
    size_t S = (size_t)c->S;
    for (size_t k = 0; k < c->ncarries; k++) {
        ar_carry *ca = &c->carries[k];
        ar_fval *o = &c->vals[ca->arg];
        int64_t cn;
        if (ca->cls == AR_C_COUNTER && small_int(o->type, &cn) && cn == 1) {
            int64_t *ct = vt_arena_alloc(&c->arena, S * sizeof *ct, 8, err);
            if (!ct) return err ? err->code : VT_ENOMEM;
            for (size_t s = 0; s < S; s++) ct[s] = norm(o->type->dtype, ca->c0 + ca->step * (int64_t)s);
            o->tab = ct, o->nelem = 1, o->stepdep = true;
        } else if (ca->cls == AR_C_INVARIANT && c->vals[ca->init].tab) {
            o->tab = c->vals[ca->init].tab, o->nelem = c->vals[ca->init].nelem, o->stepdep = false;
        }
    }
    return VT_OK;
}

/* A branch_select of small integers: at each step the row of the branch the step takes (an `if`
 * takes branch 0 on true; a `case` index outside the branches takes the last one). */
static vt_status branch_table(ar_ctx *c, const ar_fop *fo, vt_error *err) {
    size_t S = (size_t)c->S, nb = fo->noperands - 1;
    ar_fval *rv = &c->vals[fo->first_result];
    const ar_fval *sel = &c->vals[fo->operands[0]];
    int64_t n;
    if (!small_int(rv->type, &n) || !sel->tab || sel->nelem != 1) return VT_OK;
    bool dep = sel->stepdep;
    for (size_t b = 0; b < nb; b++) {
        const ar_fval *v = &c->vals[fo->operands[1 + b]];
        if (!v->tab || (v->nelem != 1 && (int64_t)v->nelem != n)) return VT_OK;
        dep |= v->stepdep;
    }
    int64_t *tab = vt_arena_alloc(&c->arena, S * (size_t)n * sizeof *tab, 8, err);
    if (!tab) return err ? err->code : VT_ENOMEM;
    for (size_t s = 0; s < S; s++) {
        int64_t k = sel->tab[s];
        size_t b = fo->op->code == VT_OP_IF ? (k ? 0 : 1) : k < 0 || (uint64_t)k >= nb ? nb - 1 : (size_t)k;
        const ar_fval *v = &c->vals[fo->operands[1 + b]];
        for (int64_t e = 0; e < n; e++) tab[s * (size_t)n + (size_t)e] = v->tab[s * v->nelem + (v->nelem == 1 ? 0 : (size_t)e)];
    }
    rv->tab = tab, rv->nelem = (uint32_t)n, rv->stepdep = dep;
    return VT_OK;
}

vt_status ar_eval_tables(ar_ctx *c, vt_error *err) {
    size_t S = (size_t)c->S;
    bool carries_done = false;
    vt_status st;
    for (size_t i = 0; i < c->nops; i++) {
        const ar_fop *fo = &c->ops[i];
        const vt_op *op = fo->op;
        if (fo->in_body && !carries_done) {
            if ((st = carry_tabs(c, err))) return st;
            carries_done = true;
        }
        int64_t n;
        if (fo->branch_select) {
            if ((st = branch_table(c, fo, err))) return st;
            continue;
        }
        if (op->nresults != 1 || !small_int(op->results[0].type, &n)) continue;
        ar_fval *rv = &c->vals[fo->first_result];
        if (op->code == VT_OP_CONSTANT || op->code == VT_OP_IOTA) {
            int64_t *tab = vt_arena_alloc(&c->arena, S * (size_t)n * sizeof *tab, 8, err);
            if (!tab) return err ? err->code : VT_ENOMEM;
            if (const_tab(c, op, rv->type, n, tab)) rv->tab = tab, rv->nelem = (uint32_t)n, rv->stepdep = false;
            continue;
        }
        const ar_fval *ov[8];
        bool ok = op->noperands >= 1 && op->noperands <= 8, dep = false;
        for (size_t k = 0; ok && k < op->noperands; k++) {
            ov[k] = &c->vals[fo->operands[k]];
            ok = ov[k]->tab != NULL;
            if (ok) dep |= ov[k]->stepdep;
        }
        if (!ok) continue;
        int64_t *tab = vt_arena_alloc(&c->arena, S * (size_t)n * sizeof *tab, 8, err);
        if (!tab) return err ? err->code : VT_ENOMEM;
        for (size_t s = 0; s < S && ok; s++) {
            const int64_t *rows[8];
            for (size_t k = 0; k < op->noperands; k++) rows[k] = ov[k]->tab + s * ov[k]->nelem;
            ok = eval_row(op, ov, rows, rv->type, n, tab + s * (size_t)n);
            if (!dep) { /* the same at every step: evaluated once, copied */
                for (size_t s2 = 1; ok && s2 < S; s2++) memcpy(tab + s2 * n, tab, (size_t)n * sizeof *tab);
                break;
            }
        }
        if (ok) rv->tab = tab, rv->nelem = (uint32_t)n, rv->stepdep = dep;
    }
    if (!carries_done) return carry_tabs(c, err);
    return VT_OK;
}
