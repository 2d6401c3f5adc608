/* sort (multi-operand, any comparator region, stable — the stable order is also a valid result
 * when is_stable is false, so results never depend on the flag) and chlo.top_k (descending, NaN
 * above +inf, ties to the lower index). A comparator that is one LT/GT compare of the first two
 * arguments, possibly through JAX's -0/NaN canonicalising selects, sorts by radix (k_sort.c)
 * unless a FLOAT compare meets a NaN; other single compares run a merge sort with a typed
 * comparison; any other comparator runs on scalars (docs/gather_scatter_sort.md). */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"
#include "interp/k_sort.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

typedef struct sort_ctx {
    vt_run *r;
    vt_frame *f;
    const vt_region *cmp;
    size_t N;
    const vt_tensor *const *xs;
    size_t base, stride;     /* element offset of the row and the step along the sorted dim */
    bool fast;
    vt_k_op kop;
    bool swap;               /* fast comparator compares (rhs, lhs) */
    vt_status s;
} sort_ctx;

/* True when lhs (row position i) must come before rhs (row position j). */
static bool less(sort_ctx *c, size_t i, size_t j) {
    if (c->s) return false;
    size_t oi = c->base + i * c->stride, oj = c->base + j * c->stride;
    if (c->fast) {
        size_t es = vt_dtype_size(c->xs[0]->dtype);
        const char *d = c->xs[0]->data;
        const void *ins[2] = {d + (c->swap ? oj : oi) * es, d + (c->swap ? oi : oj) * es};
        uint8_t out = 0;
        vt_k_run_range(&c->kop, ins, 0, &out, 1);
        return out != 0;
    }
    vt_rvalue args[2 * MAXR];
    size_t made = 0;
    for (size_t k = 0; k < c->N && !c->s; k++) {
        const vt_tensor *x = c->xs[k];
        size_t es = vt_dtype_size(x->dtype);
        for (int side = 0; side < 2; side++) {
            vt_tensor *t = vt_rt_alloc(c->r, x->dtype, 0, NULL);
            if (!t) {
                c->s = c->r->err->code;
                break;
            }
            memcpy(t->data, (const char *)x->data + (side ? oj : oi) * es, es);
            args[made++] = vt_rvalue_tensor(t);
        }
    }
    bool res = false;
    if (!c->s) {
        vt_rvalue o = {0};
        c->s = vt_exec_region(c->r, c->f, c->cmp, args, 2 * c->N, &o, 1);
        if (!c->s && (o.kind != VT_RV_TENSOR || o.tensor->dtype != VT_I1 || o.tensor->nelem != 1))
            c->s = vt_error_set(c->r->err, VT_EINPUT, "sort: comparator must return tensor<i1>");
        if (!c->s) res = ((uint8_t *)o.tensor->data)[0] != 0;
        vt_rvalue_release(&o);
    }
    for (size_t k = 0; k < made; k++) vt_rvalue_release(&args[k]);
    return res;
}

/* Stable merge sort of perm[0..n) with tmp scratch. */
static void merge_sort(sort_ctx *c, size_t *perm, size_t *tmp, size_t n) {
    for (size_t width = 1; width < n && !c->s; width *= 2) {
        for (size_t lo = 0; lo < n && !c->s; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                /* take from the right only when it is strictly before the left (stability) */
                if (less(c, perm[b], perm[a])) tmp[k++] = perm[b++];
                else tmp[k++] = perm[a++];
            }
            while (a < mid) tmp[k++] = perm[a++];
            while (b < hi) tmp[k++] = perm[b++];
        }
        memcpy(perm, tmp, n * sizeof *perm);
    }
}

static bool fast_comparator(const vt_region *reg, size_t N, vt_dtype t, vt_k_op *k, bool *swap) {
    if (reg->nblocks != 1) return false;
    const vt_block *b = reg->blocks[0];
    if (b->nops != 2 || b->nargs != 2 * N) return false;
    const vt_op *cmp = b->ops[0], *ret = b->ops[1];
    if (cmp->code != VT_OP_COMPARE || ret->noperands != 1 || ret->operands[0] != &cmp->results[0]) return false;
    if (cmp->operands[0] == &b->args[0] && cmp->operands[1] == &b->args[1]) *swap = false;
    else if (cmp->operands[0] == &b->args[1] && cmp->operands[1] == &b->args[0]) *swap = true;
    else return false;
    vt_cmp_dir dir;
    vt_cmp_type ct = VT_CMPT_DEFAULT;
    const char *d = vt_attr_enum(cmp, "comparison_direction"), *ty = vt_attr_enum(cmp, "compare_type");
    if (!d || !vt_cmp_dir_from_name(d, &dir)) return false;
    if (ty && !vt_cmp_type_from_name(ty, &ct)) return false;
    vt_error e;
    return vt_k_compare_resolve(dir, ct, t, k, &e) == VT_OK;
}

/* ---- comparators that order by a key ---- */

static bool cmp_attrs(const vt_op *op, vt_cmp_dir *dir, vt_cmp_type *ct) {
    const char *d = vt_attr_enum(op, "comparison_direction"), *ty = vt_attr_enum(op, "compare_type");
    *ct = VT_CMPT_DEFAULT;
    return d && vt_cmp_dir_from_name(d, dir) && (!ty || vt_cmp_type_from_name(ty, ct));
}

/* The bits of a one-element constant of type t. */
static bool const_bits(const vt_value *v, vt_dtype t, uint64_t *bits) {
    const vt_op *op = v->def;
    if (!op || op->code != VT_OP_CONSTANT || op->nresults != 1) return false;
    vt_attr *a = vt_op_attr(op, "value");
    if (!a || a->kind != VT_ATTR_DENSE || !a->tensor || a->tensor->dtype != t || a->tensor->nelem != 1) return false;
    *bits = 0;
    memcpy(bits, a->tensor->data, vt_dtype_size(t));
    return true;
}

/* v is key(arg): arg itself, or select(pred, constant, inner) with pred `compare NE arg, arg`
 * (NaNs become the constant) or `compare EQ arg, +-0` (zeros become the constant), FLOAT
 * compares, and inner again key(arg). The predicates test arg itself and never hold together,
 * so the nesting order does not matter. */
static bool match_key(const vt_value *v, const vt_value *arg, vt_dtype t, vt_sort_key *k, int depth) {
    if (v == arg) return true;
    const vt_op *sel = v->def;
    if (depth > 2 || !sel || sel->code != VT_OP_SELECT || sel->noperands != 3 || !vt_dtype_is_float(t)) return false;
    uint64_t cbits, zb;
    const vt_op *p = sel->operands[0]->def;
    vt_cmp_dir d;
    vt_cmp_type ct;
    if (!const_bits(sel->operands[1], t, &cbits) || !p || p->code != VT_OP_COMPARE || p->noperands != 2 ||
        !cmp_attrs(p, &d, &ct) || (ct != VT_CMPT_DEFAULT && ct != VT_CMPT_FLOAT))
        return false;
    const vt_value *x = p->operands[0], *y = p->operands[1];
    if (d == VT_CMP_NE && x == arg && y == arg && !k->nan_to) {
        k->nan_to = true, k->nan_bits = cbits;
    } else if (d == VT_CMP_EQ && (x == arg) != (y == arg) && const_bits(x == arg ? y : x, t, &zb) &&
               vt_load_f64(t, &zb) == 0.0 && !k->zero_to) {
        k->zero_to = true, k->zero_bits = cbits;
    } else {
        return false;
    }
    return match_key(sel->operands[2], arg, t, k, depth + 1);
}

/* True when the comparator is compare(LT or GT, key(arg0), key(arg1)) (either argument order)
 * over keys of a radix-sortable type, its body nothing but constants, compares and selects. */
static bool key_comparator(const vt_region *reg, size_t N, vt_dtype t, vt_sort_key *out) {
    if (reg->nblocks != 1) return false;
    const vt_block *b = reg->blocks[0];
    if (b->nargs != 2 * N || b->nops < 2) return false;
    for (size_t i = 0; i + 1 < b->nops; i++) {
        vt_opcode oc = b->ops[i]->code;
        if (oc != VT_OP_CONSTANT && oc != VT_OP_COMPARE && oc != VT_OP_SELECT) return false;
    }
    const vt_op *ret = b->ops[b->nops - 1], *cmp = ret->noperands == 1 ? ret->operands[0]->def : NULL;
    if (!cmp || cmp->code != VT_OP_COMPARE || cmp->noperands != 2) return false;
    vt_cmp_dir dir;
    vt_cmp_type ct;
    if (!cmp_attrs(cmp, &dir, &ct) || (dir != VT_CMP_LT && dir != VT_CMP_GT)) return false;
    vt_error e;
    vt_k_op kop;
    if (vt_k_compare_resolve(dir, ct, t, &kop, &e) != VT_OK || !vt_k_sort_radix_ok(t, ct)) return false;
    for (int swap = 0; swap < 2; swap++) {
        vt_sort_key ka = {0}, kb = {0};
        if (match_key(cmp->operands[0], &b->args[swap], t, &ka, 0) && match_key(cmp->operands[1], &b->args[1 - swap], t, &kb, 0) &&
            ka.zero_to == kb.zero_to && ka.nan_to == kb.nan_to && ka.zero_bits == kb.zero_bits && ka.nan_bits == kb.nan_bits) {
            *out = ka;
            out->ct = ct;
            /* compare(b, a) LT means a goes first when a > b */
            out->descending = (dir == VT_CMP_GT) != (swap == 1);
            return true;
        }
    }
    return false;
}

static vt_status sort_rows(vt_run *r, vt_frame *f, const vt_region *cmp, size_t N, const vt_tensor *const *xs, int dim,
                           vt_tensor *const *outs, size_t keep) {
    const vt_tensor *x0 = xs[0];
    size_t n = (size_t)x0->dims[dim], stride = 1, outer = 1;
    for (int d = x0->rank - 1; d > dim; d--) stride *= (size_t)x0->dims[d];
    for (int d = 0; d < dim; d++) outer *= (size_t)x0->dims[d];
    sort_ctx c = {r, f, cmp, N, xs, 0, stride, false, {0}, false, VT_OK};
    vt_sort_key key;
    if (cmp && n <= UINT32_MAX && key_comparator(cmp, N, x0->dtype, &key) && !vt_k_sort_meets_nan(x0, &key))
        return vt_k_sort_radix(&r->kc, N, xs, dim, &key, outs, keep, NULL, r->err);
    c.fast = cmp && fast_comparator(cmp, N, x0->dtype, &c.kop, &c.swap);
    size_t *perm = malloc((n ? n : 1) * sizeof *perm), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!perm || !tmp) {
        free(perm), free(tmp);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    uint64_t lg = 1;
    while (((size_t)1 << lg) < n) lg++;
    vt_status s = vt_rt_charge(r, (uint64_t)x0->nelem * lg * (c.fast ? 1 : 16));
    for (size_t o = 0; o < outer && !s; o++) {
        for (size_t in = 0; in < stride && !s; in++) {
            c.base = o * n * stride + in;
            for (size_t i = 0; i < n; i++) perm[i] = i;
            merge_sort(&c, perm, tmp, n);
            s = c.s;
            for (size_t k = 0; k < N && !s; k++) {
                size_t es = vt_dtype_size(xs[k]->dtype);
                size_t obase = o * keep * stride + in;
                for (size_t i = 0; i < keep; i++)
                    memcpy((char *)outs[k]->data + (obase + i * stride) * es,
                           (const char *)xs[k]->data + (c.base + perm[i] * stride) * es, es);
            }
        }
    }
    free(perm), free(tmp);
    return s;
}

static vt_status exec_sort(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    size_t N = op->noperands;
    if (N == 0 || N > MAXR || op->nresults != N || op->nregions != 1)
        return vt_error_set(r->err, VT_EINPUT, "sort: expected N operands, N results and a comparator");
    vt_tensor *xs[MAXR], *res[MAXR] = {0};
    vt_status s = VT_OK;
    for (size_t i = 0; i < N && !s; i++) s = vt_rt_expect_tensor(r, op, &in[i], i, &xs[i]);
    if (s) return s;
    int64_t dim = -1;
    vt_attr_i64(op, "dimension", &dim);
    if (dim < 0) dim += xs[0]->rank;
    if (dim < 0 || dim >= xs[0]->rank) return vt_error_set(r->err, VT_EINPUT, "sort: dimension out of range");
    for (size_t i = 1; i < N; i++)
        if (!vt_tensor_same_shape(xs[i], xs[0]))
            return vt_error_set(r->err, VT_EINPUT, "sort: operand %zu differs in shape from operand 0", i);
    for (size_t i = 0; i < N && !s; i++) {
        if (!(res[i] = vt_rt_result(r, op, i))) s = r->err->code;
        else if (res[i]->dtype != xs[i]->dtype || !vt_tensor_same_shape(res[i], xs[i]))
            s = vt_error_set(r->err, VT_EINPUT, "sort: result %zu does not have operand %zu's type", i, i);
    }
    if (!s && xs[0]->nelem)
        s = sort_rows(r, f, op->regions[0], N, (const vt_tensor *const *)xs, (int)dim, res, (size_t)xs[0]->dims[dim]);
    for (size_t i = 0; i < N; i++) {
        if (s) vt_tensor_release(res[i]);
        else out[i] = vt_rvalue_tensor(res[i]);
    }
    return s;
}

/* top_k: sorts (value, index) rows descending in total order with a typed comparator. */
static vt_status exec_top_k(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    vt_tensor *x;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (s) return s;
    if (x->rank < 1 || op->nresults != 2) return vt_error_set(r->err, VT_EINPUT, "top_k: expected a ranked operand and two results");
    int64_t k;
    if (!vt_attr_i64(op, "k", &k) || k < 0 || k > x->dims[x->rank - 1])
        return vt_error_set(r->err, VT_EINPUT, "top_k: k must be in [0, %lld]", (long long)x->dims[x->rank - 1]);
    vt_tensor *vals = vt_rt_result(r, op, 0), *idx = vals ? vt_rt_result(r, op, 1) : NULL;
    if (!idx) {
        vt_tensor_release(vals);
        return r->err->code;
    }
    size_t n = (size_t)x->dims[x->rank - 1];
    size_t want = n ? x->nelem / n * (size_t)k : 0;
    if (vals->dtype != x->dtype || vals->nelem != want || !vt_dtype_is_int(idx->dtype) || idx->nelem != want) {
        vt_tensor_release(vals), vt_tensor_release(idx);
        return vt_error_set(r->err, VT_EINPUT, "top_k: results must be %zu values of the operand's type and integer indices", want);
    }
    vt_sort_key key = {true, vt_dtype_is_float(x->dtype) ? VT_CMPT_TOTALORDER : VT_CMPT_DEFAULT, false, false, 0, 0};
    if (vt_k_sort_radix_ok(x->dtype, key.ct) && n <= UINT32_MAX) {
        const vt_tensor *xs1[1] = {x};
        s = vt_k_sort_radix(&r->kc, 1, xs1, x->rank - 1, &key, &vals, (size_t)k, idx, r->err);
    } else {
        sort_ctx sc = {r, f, NULL, 1, (const vt_tensor *const *)&x, 0, 1, true, {0}, true, VT_OK};
        /* "a before b" when a > b in total order: GT TOTALORDER (ints: GT). */
        vt_cmp_type ct = vt_dtype_is_float(x->dtype) ? VT_CMPT_TOTALORDER : VT_CMPT_DEFAULT;
        s = vt_k_compare_resolve(VT_CMP_GT, ct, x->dtype, &sc.kop, r->err);
        sc.swap = false;
        size_t *perm = malloc((n ? n : 1) * sizeof *perm), *tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (!s && (!perm || !tmp)) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        size_t rows = n ? x->nelem / n : 0, es = vt_dtype_size(x->dtype), is = vt_dtype_size(idx->dtype);
        if (!s) s = vt_rt_charge(r, (uint64_t)x->nelem * 32);
        for (size_t row = 0; row < rows && !s; row++) {
            sc.base = row * n;
            for (size_t i = 0; i < n; i++) perm[i] = i;
            merge_sort(&sc, perm, tmp, n);
            for (size_t i = 0; i < (size_t)k; i++) {
                memcpy((char *)vals->data + (row * (size_t)k + i) * es, (char *)x->data + (row * n + perm[i]) * es, es);
                vt_store_i64(idx->dtype, (char *)idx->data + (row * (size_t)k + i) * is, (int64_t)perm[i]);
            }
        }
        free(perm), free(tmp);
    }
    if (s) {
        vt_tensor_release(vals), vt_tensor_release(idx);
        return s;
    }
    out[0] = vt_rvalue_tensor(vals);
    out[1] = vt_rvalue_tensor(idx);
    return VT_OK;
}

vt_exec_fn vt_exec_sort_fn(const vt_op *op);
vt_exec_fn vt_exec_sort_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_SORT: return exec_sort;
    case VT_OP_CHLO_TOP_K: return exec_top_k;
    default: return NULL;
    }
}
