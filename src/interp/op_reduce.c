/* reduce: single-op bodies take the kernel fast path (k_reduce.c); other elementwise bodies run
 * "lifted" on whole tensors as a pairwise tree over the reduced elements (log2(R) body runs,
 * lower indices always on the left, then init combined once); any other body falls back to
 * scalar evaluation, element by element, in index order. */
#include "interp/interp_internal.h"
#include "interp/k_reduce.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

bool vt_region_is_liftable(const vt_region *reg) {
    if (reg->nblocks != 1) return false;
    const vt_block *b = reg->blocks[0];
    for (size_t i = 0; i < b->nops; i++) {
        const vt_op *op = b->ops[i];
        const vt_op_info *info = vt_op_get_info(op);
        if (op->nregions) return false;
        if (info->flags & VT_OPF_TERMINATOR) continue;
        if (op->code == VT_OP_CONSTANT || op->code == VT_OP_SELECT || op->code == VT_OP_CLAMP ||
            op->code == VT_OP_COMPARE || op->code == VT_OP_CONVERT)
            continue;
        if (info->flags & VT_OPF_ELEMENTWISE) {
            if (op->code == VT_OP_BITCAST_CONVERT || op->code == VT_OP_REDUCE_PRECISION) return false;
            continue;
        }
        return false;
    }
    for (size_t i = 0; i < b->nargs; i++)
        if (b->args[i].type->kind != VT_TYPE_TENSOR || b->args[i].type->rank != 0) return false;
    return true;
}

/* Single binary op of the two block arguments, returned: the kernel fast path. */
static bool fast_reduce_op(const vt_region *reg, vt_reduce_op *out) {
    if (reg->nblocks != 1) return false;
    const vt_block *b = reg->blocks[0];
    if (b->nargs != 2 || b->nops != 2) return false;
    const vt_op *op = b->ops[0], *ret = b->ops[1];
    if (!(vt_op_get_info(ret)->flags & VT_OPF_TERMINATOR) || ret->noperands != 1 || ret->operands[0] != &op->results[0])
        return false;
    if (op->noperands != 2) return false;
    const vt_value *x = op->operands[0], *y = op->operands[1];
    bool args = (x == &b->args[0] && y == &b->args[1]) || (x == &b->args[1] && y == &b->args[0]);
    if (!args) return false;
    switch (op->code) {
    case VT_OP_ADD: *out = VT_REDUCE_ADD; return true;
    case VT_OP_MULTIPLY: *out = VT_REDUCE_MUL; return true;
    case VT_OP_MAXIMUM: *out = VT_REDUCE_MAX; return true;
    case VT_OP_MINIMUM: *out = VT_REDUCE_MIN; return true;
    case VT_OP_AND: *out = VT_REDUCE_AND; return true;
    case VT_OP_OR: *out = VT_REDUCE_OR; return true;
    case VT_OP_XOR: *out = VT_REDUCE_XOR; return true;
    default: return false;
    }
}

/* Brings x to [O, R]: kept dims (in order) then reduced dims (in order). */
static vt_tensor *to_rows(vt_run *r, const vt_tensor *x, const bool *reduced, int64_t O, int64_t R) {
    int64_t perm[VT_MAX_RANK], pd[VT_MAX_RANK];
    int k = 0;
    for (int d = 0; d < x->rank; d++)
        if (!reduced[d]) perm[k++] = d;
    for (int d = 0; d < x->rank; d++)
        if (reduced[d]) perm[k++] = d;
    bool identity = true;
    for (int d = 0; d < x->rank; d++) {
        if (perm[d] != d) identity = false;
        pd[d] = x->dims[perm[d]];
    }
    int64_t two[2] = {O, R};
    vt_tensor *rows = vt_rt_alloc(r, x->dtype, 2, two);
    if (!rows) return NULL;
    vt_status s;
    if (identity) {
        s = vt_k_reshape(&r->kc, x, rows, r->err);
    } else {
        vt_tensor *tr = vt_rt_alloc(r, x->dtype, x->rank, pd);
        if (!tr) {
            vt_tensor_release(rows);
            return NULL;
        }
        s = vt_k_transpose(&r->kc, x, perm, x->rank, tr, r->err);
        if (s == VT_OK) s = vt_k_reshape(&r->kc, tr, rows, r->err);
        vt_tensor_release(tr);
    }
    if (s != VT_OK) {
        vt_tensor_release(rows);
        return NULL;
    }
    return rows;
}

static vt_tensor *cols(vt_run *r, const vt_tensor *x, int64_t from, int64_t to) {
    int64_t d[2] = {x->dims[0], to - from};
    vt_tensor *t = vt_rt_alloc(r, x->dtype, 2, d);
    if (!t) return NULL;
    int64_t st[2] = {0, from}, lim[2] = {x->dims[0], to}, str[2] = {1, 1};
    if (vt_k_slice(&r->kc, x, st, lim, str, t, r->err) != VT_OK) {
        vt_tensor_release(t);
        return NULL;
    }
    return t;
}

static void release_all(vt_rvalue *v, size_t n) {
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&v[i]);
}

/* Lifted pairwise tree over [O, R] operands; leaves N results of shape [O]. */
static vt_status tree_reduce(vt_run *r, vt_frame *f, const vt_region *body, size_t N, vt_tensor **rows, int64_t O,
                             int64_t R, const vt_tensor *const *inits, vt_rvalue *res) {
    vt_status s = VT_OK;
    vt_rvalue *args = calloc(2 * N, sizeof *args), *outv = calloc(N, sizeof *outv);
    vt_tensor **cur = calloc(N, sizeof *cur);
    if (!args || !outv || !cur) {
        free(args), free(outv), free(cur);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < N; i++) cur[i] = vt_tensor_retain(rows[i]);
    while (R > 1 && s == VT_OK) {
        int64_t h = R / 2;
        for (size_t i = 0; i < N && s == VT_OK; i++) {
            vt_tensor *lt = cols(r, cur[i], 0, h), *rt = lt ? cols(r, cur[i], h, 2 * h) : NULL;
            if (!lt || !rt) {
                vt_tensor_release(lt);
                s = r->err->code;
                break;
            }
            args[i] = vt_rvalue_tensor(lt);
            args[N + i] = vt_rvalue_tensor(rt);
        }
        if (s == VT_OK) s = vt_exec_region(r, f, body, args, 2 * N, outv, N);
        release_all(args, 2 * N);
        if (s != VT_OK) break;
        for (size_t i = 0; i < N && s == VT_OK; i++) {
            vt_tensor *o = outv[i].tensor;
            int64_t od[2] = {O, h};
            if (outv[i].kind != VT_RV_TENSOR || o->nelem != (size_t)(O * h)) {
                s = vt_error_set(r->err, VT_EINPUT, "reduce body result %zu has an unexpected shape", i);
                break;
            }
            vt_tensor *next;
            if (R & 1) {
                vt_tensor *last = cols(r, cur[i], 2 * h, R);
                int64_t nd[2] = {O, h + 1};
                vt_tensor *o2 = vt_rt_alloc(r, o->dtype, 2, od);
                next = vt_rt_alloc(r, o->dtype, 2, nd);
                if (!last || !o2 || !next) {
                    vt_tensor_release(last), vt_tensor_release(o2), vt_tensor_release(next);
                    s = r->err->code;
                    break;
                }
                s = vt_k_reshape(&r->kc, o, o2, r->err);
                const vt_tensor *parts[2] = {o2, last};
                if (s == VT_OK) s = vt_k_concatenate(&r->kc, parts, 2, 1, next, r->err);
                vt_tensor_release(last), vt_tensor_release(o2);
            } else {
                next = vt_rt_alloc(r, o->dtype, 2, od);
                if (!next) {
                    s = r->err->code;
                    break;
                }
                s = vt_k_reshape(&r->kc, o, next, r->err);
            }
            vt_tensor_release(cur[i]);
            cur[i] = next;
        }
        release_all(outv, N);
        R = R / 2 + (R & 1);
    }
    /* Combine with init once: body(init, tree) with init broadcast to [O]. */
    for (size_t i = 0; i < N && s == VT_OK; i++) {
        int64_t d1[1] = {O};
        vt_tensor *ib = vt_rt_alloc(r, inits[i]->dtype, 1, d1);
        if (!ib) {
            s = r->err->code;
            break;
        }
        s = vt_k_broadcast_in_dim(&r->kc, inits[i], NULL, 0, ib, r->err);
        args[i] = vt_rvalue_tensor(ib);
        if (s != VT_OK) break;
        if (R == 1) {
            vt_tensor *c1 = vt_rt_alloc(r, cur[i]->dtype, 1, d1);
            if (!c1) {
                s = r->err->code;
                break;
            }
            s = vt_k_reshape(&r->kc, cur[i], c1, r->err);
            args[N + i] = vt_rvalue_tensor(c1);
        }
    }
    if (s == VT_OK) {
        if (R == 1) {
            s = vt_exec_region(r, f, body, args, 2 * N, res, N);
        } else { /* empty reduction: the init values */
            for (size_t i = 0; i < N; i++) {
                res[i] = args[i];
                args[i] = (vt_rvalue){0};
            }
        }
    }
    release_all(args, 2 * N);
    for (size_t i = 0; i < N; i++) vt_tensor_release(cur[i]);
    free(args), free(outv), free(cur);
    return s;
}

/* Scalar fallback: acc = body(acc, x[o, j]) for j in order, one output element at a time. */
static vt_status scalar_reduce(vt_run *r, vt_frame *f, const vt_region *body, size_t N, vt_tensor **rows, int64_t O,
                               int64_t R, const vt_tensor *const *inits, vt_tensor **outs) {
    vt_status s = VT_OK;
    vt_rvalue *args = calloc(2 * N, sizeof *args), *acc = calloc(N, sizeof *acc);
    if (!args || !acc) {
        free(args), free(acc);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    for (int64_t o = 0; o < O && s == VT_OK; o++) {
        for (size_t i = 0; i < N; i++) acc[i] = vt_rvalue_tensor(vt_tensor_retain((vt_tensor *)inits[i]));
        for (int64_t j = 0; j < R && s == VT_OK; j++) {
            for (size_t i = 0; i < N && s == VT_OK; i++) {
                vt_tensor *e = vt_rt_alloc(r, rows[i]->dtype, 0, NULL);
                if (!e) {
                    s = r->err->code;
                    break;
                }
                size_t es = vt_dtype_size(e->dtype);
                memcpy(e->data, (char *)rows[i]->data + (size_t)(o * R + j) * es, es);
                args[i] = acc[i];
                acc[i] = (vt_rvalue){0};
                args[N + i] = vt_rvalue_tensor(e);
            }
            if (s == VT_OK) s = vt_exec_region(r, f, body, args, 2 * N, acc, N);
            release_all(args, 2 * N);
        }
        for (size_t i = 0; i < N && s == VT_OK; i++) {
            if (acc[i].kind != VT_RV_TENSOR || acc[i].tensor->nelem != 1) {
                s = vt_error_set(r->err, VT_EINPUT, "reduce body result %zu is not a scalar", i);
                break;
            }
            size_t es = vt_dtype_size(outs[i]->dtype);
            memcpy((char *)outs[i]->data + (size_t)o * es, acc[i].tensor->data, es);
        }
        release_all(acc, N);
    }
    free(args), free(acc);
    return s;
}

static vt_status exec_reduce(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    size_t N = op->noperands / 2;
    if (N == 0 || op->noperands != 2 * N || op->nresults != N || op->nregions != 1)
        return vt_error_set(r->err, VT_EINPUT, "reduce: expected 2N operands, N results and one body");
    int64_t dims[VT_MAX_RANK];
    size_t nd;
    if (!vt_attr_i64s(op, "dimensions", dims, VT_MAX_RANK, &nd))
        return vt_error_set(r->err, VT_EINPUT, "reduce: missing dimensions");
    vt_tensor *xs[VT_MAX_RANK], *inits[VT_MAX_RANK];
    if (N > VT_MAX_RANK) return vt_rt_unsupported(r, op, "more than 32 reduced operands");
    for (size_t i = 0; i < N; i++) {
        vt_status s = vt_rt_expect_tensor(r, op, &in[i], i, &xs[i]);
        if (!s) s = vt_rt_expect_tensor(r, op, &in[N + i], N + i, &inits[i]);
        if (s) return s;
    }
    const vt_region *body = op->regions[0];
    vt_reduce_op rop;
    if (N == 1 && fast_reduce_op(body, &rop) && xs[0]->dtype == inits[0]->dtype &&
        op->results[0].type->dtype == xs[0]->dtype) {
        vt_tensor *res = vt_rt_result(r, op, 0);
        if (!res) return r->err->code;
        vt_status s = vt_k_reduce(&r->kc, rop, xs[0], inits[0], dims, (int)nd, res, r->err);
        if (s != VT_OK) {
            vt_tensor_release(res);
            return s;
        }
        out[0] = vt_rvalue_tensor(res);
        return VT_OK;
    }
    const vt_tensor *x0 = xs[0];
    bool reduced[VT_MAX_RANK] = {false};
    int64_t O = 1, R = 1;
    for (size_t k = 0; k < nd; k++) {
        if (dims[k] < 0 || dims[k] >= x0->rank || reduced[dims[k]])
            return vt_error_set(r->err, VT_EINPUT, "reduce: dimension %lld out of range or repeated", (long long)dims[k]);
        reduced[dims[k]] = true;
    }
    for (int d = 0; d < x0->rank; d++) {
        if (reduced[d]) R *= x0->dims[d];
        else O *= x0->dims[d];
    }
    vt_tensor *rows[VT_MAX_RANK] = {0};
    vt_status s = VT_OK;
    for (size_t i = 0; i < N && s == VT_OK; i++) {
        rows[i] = to_rows(r, xs[i], reduced, O, R);
        if (!rows[i]) s = r->err->code;
    }
    if (s == VT_OK && vt_region_is_liftable(body)) {
        vt_rvalue *tmp = calloc(N, sizeof *tmp);
        if (!tmp) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        if (s == VT_OK) s = tree_reduce(r, f, body, N, rows, O, R, (const vt_tensor *const *)inits, tmp);
        for (size_t i = 0; i < N && s == VT_OK; i++) {
            vt_tensor *res = vt_rt_result(r, op, i);
            if (!res) {
                s = r->err->code;
                break;
            }
            if (tmp[i].kind != VT_RV_TENSOR || tmp[i].tensor->nelem != res->nelem)
                s = vt_error_set(r->err, VT_EINPUT, "reduce: body result %zu does not have the result's size", i);
            else
                s = vt_k_reshape(&r->kc, tmp[i].tensor, res, r->err);
            out[i] = vt_rvalue_tensor(res);
        }
        if (tmp) release_all(tmp, N);
        free(tmp);
    } else if (s == VT_OK) {
        vt_tensor *outs[VT_MAX_RANK] = {0};
        for (size_t i = 0; i < N && s == VT_OK; i++) {
            outs[i] = vt_rt_result(r, op, i);
            if (!outs[i]) s = r->err->code;
        }
        if (s == VT_OK) s = scalar_reduce(r, f, body, N, rows, O, R, (const vt_tensor *const *)inits, outs);
        for (size_t i = 0; i < N; i++)
            if (outs[i]) out[i] = vt_rvalue_tensor(outs[i]);
    }
    for (size_t i = 0; i < N; i++) vt_tensor_release(rows[i]);
    return s;
}

vt_exec_fn vt_exec_reduce_fn(const vt_op *op);
vt_exec_fn vt_exec_reduce_fn(const vt_op *op) { return op->code == VT_OP_REDUCE ? exec_reduce : NULL; }
