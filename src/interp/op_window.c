/* Windowed ops. reduce_window pads the inputs with their init values (base dilation as interior
 * padding), then folds the window positions in row-major order, each position one strided slice
 * of the result's shape run through the body on whole tensors (lifted) — or element by element
 * when the body is not elementwise. select_and_scatter picks one operand element per window
 * with `select` (first element kept unless select says otherwise; padding never selected) and
 * combines the source into the result with `scatter`, in row-major order of the source. */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

static bool list_or(const vt_op *op, const char *name, int64_t *out, int n, int64_t dflt) {
    size_t got;
    if (!vt_op_attr(op, name)) {
        for (int i = 0; i < n; i++) out[i] = dflt;
        return true;
    }
    return vt_attr_i64s(op, name, out, MAXR, &got) && (int)got == n;
}

static vt_status read_padding(vt_run *r, const vt_op *op, int rank, int64_t (*pad)[2]) {
    for (int i = 0; i < rank; i++) pad[i][0] = pad[i][1] = 0;
    vt_attr *a = vt_op_attr(op, "padding");
    if (!a) return VT_OK;
    vt_tensor *t;
    vt_status s = vt_attr_dense_materialize(a, 1 << 20, &t, r->err);
    if (s) return s;
    if (t->nelem != (size_t)(2 * rank) || !vt_dtype_is_int(t->dtype)) {
        vt_tensor_release(t);
        return vt_error_set(r->err, VT_EINPUT, "%s: padding must be %dx2 integers", vt_op_name(op), rank);
    }
    size_t es = vt_dtype_size(t->dtype);
    for (int i = 0; i < rank; i++) {
        pad[i][0] = vt_load_i64(t->dtype, (char *)t->data + (size_t)(2 * i) * es);
        pad[i][1] = vt_load_i64(t->dtype, (char *)t->data + (size_t)(2 * i + 1) * es);
    }
    vt_tensor_release(t);
    return VT_OK;
}

static void unravel(size_t lin, int rank, const int64_t *dims, int64_t *out) {
    for (int d = rank - 1; d >= 0; d--) {
        int64_t n = dims[d];
        out[d] = n ? (int64_t)(lin % (size_t)n) : 0;
        lin = n ? lin / (size_t)n : 0;
    }
}

static vt_status exec_reduce_window(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    size_t N = op->noperands / 2;
    if (N == 0 || N > MAXR || op->noperands != 2 * N || op->nresults != N)
        return vt_error_set(r->err, VT_EINPUT, "reduce_window: expected N inputs and N init values");
    vt_tensor *xs[MAXR], *inits[MAXR];
    vt_status s = VT_OK;
    for (size_t i = 0; i < N && !s; i++) {
        s = vt_rt_expect_tensor(r, op, &in[i], i, &xs[i]);
        if (!s) s = vt_rt_expect_tensor(r, op, &in[N + i], N + i, &inits[i]);
    }
    if (s) return s;
    int rank = xs[0]->rank;
    int64_t wd[MAXR], ws[MAXR], bd[MAXR], wdil[MAXR], pad[MAXR][2];
    if (!list_or(op, "window_dimensions", wd, rank, 1) || !list_or(op, "window_strides", ws, rank, 1) ||
        !list_or(op, "base_dilations", bd, rank, 1) || !list_or(op, "window_dilations", wdil, rank, 1))
        return vt_error_set(r->err, VT_EINPUT, "reduce_window: window attributes must have %d entries", rank);
    if ((s = read_padding(r, op, rank, pad))) return s;
    const vt_type *rt = op->results[0].type;
    /* Pad every input with its init value. */
    vt_tensor *padded[MAXR] = {0};
    for (size_t i = 0; i < N && !s; i++) {
        int64_t lo[MAXR], hi[MAXR], inter[MAXR], pd[MAXR];
        for (int d = 0; d < rank; d++) {
            lo[d] = pad[d][0], hi[d] = pad[d][1], inter[d] = bd[d] - 1;
            int64_t n = xs[i]->dims[d];
            pd[d] = (n ? (n - 1) * bd[d] + 1 : 0) + lo[d] + hi[d];
            if (pd[d] < 0) pd[d] = 0;
        }
        padded[i] = vt_rt_alloc(r, xs[i]->dtype, rank, pd);
        if (!padded[i]) s = r->err->code;
        else s = vt_k_pad(&r->kc, xs[i], inits[i], lo, hi, inter, padded[i], r->err);
    }
    size_t wn = 1;
    for (int d = 0; d < rank; d++) wn *= (size_t)wd[d];
    vt_rvalue *args = calloc(2 * N, sizeof *args), *acc = calloc(N, sizeof *acc);
    if (!s && (!args || !acc)) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    const vt_region *body = op->regions[0];
    if (!s && vt_region_is_liftable(body)) {
        for (size_t i = 0; i < N && !s; i++) {
            vt_tensor *a = vt_rt_alloc(r, inits[i]->dtype, rt->rank, rt->dims);
            if (!a) s = r->err->code;
            else s = vt_k_broadcast_in_dim(&r->kc, inits[i], NULL, 0, a, r->err);
            acc[i] = a ? vt_rvalue_tensor(a) : (vt_rvalue){0};
        }
        int64_t w[MAXR];
        for (size_t k = 0; k < wn && !s; k++) {
            unravel(k, rank, wd, w);
            int64_t st[MAXR], lim[MAXR];
            for (int d = 0; d < rank; d++) {
                st[d] = w[d] * wdil[d];
                lim[d] = rt->dims[d] ? st[d] + (rt->dims[d] - 1) * ws[d] + 1 : st[d];
            }
            for (size_t i = 0; i < N && !s; i++) {
                vt_tensor *sl = vt_rt_alloc(r, padded[i]->dtype, rank, rt->dims);
                if (!sl) s = r->err->code;
                else s = vt_k_slice(&r->kc, padded[i], st, lim, ws, sl, r->err);
                args[i] = acc[i];
                acc[i] = (vt_rvalue){0};
                args[N + i] = sl ? vt_rvalue_tensor(sl) : (vt_rvalue){0};
            }
            if (!s) s = vt_exec_region(r, f, body, args, 2 * N, acc, N);
            for (size_t i = 0; i < 2 * N; i++) vt_rvalue_release(&args[i]);
        }
        for (size_t i = 0; i < N && !s; i++) {
            vt_tensor *res = vt_rt_result(r, op, i);
            if (!res) {
                s = r->err->code;
                break;
            }
            const vt_tensor *a = acc[i].tensor;
            if (acc[i].kind != VT_RV_TENSOR || a->dtype != res->dtype) s = vt_error_set(r->err, VT_EINPUT, "reduce_window: body result type");
            else if (a->nelem == res->nelem) s = vt_k_reshape(&r->kc, a, res, r->err);
            else s = vt_k_broadcast_in_dim(&r->kc, a, NULL, 0, res, r->err);
            out[i] = vt_rvalue_tensor(res);
        }
    } else if (!s) {
        vt_tensor *res[MAXR] = {0};
        for (size_t i = 0; i < N && !s; i++)
            if (!(res[i] = vt_rt_result(r, op, i))) s = r->err->code;
        int64_t ri[MAXR], w[MAXR], pstr[MAXR];
        vt_k_row_major_strides(rank, padded[0]->dims, pstr);
        for (size_t o = 0; o < res[0]->nelem && !s; o++) {
            unravel(o, rank, rt->dims, ri);
            for (size_t i = 0; i < N; i++) acc[i] = vt_rvalue_tensor(vt_tensor_retain(inits[i]));
            for (size_t k = 0; k < wn && !s; k++) {
                unravel(k, rank, wd, w);
                int64_t off = 0;
                for (int d = 0; d < rank; d++) off += (ri[d] * ws[d] + w[d] * wdil[d]) * pstr[d];
                for (size_t i = 0; i < N && !s; i++) {
                    vt_tensor *e = vt_rt_alloc(r, padded[i]->dtype, 0, NULL);
                    if (!e) {
                        s = r->err->code;
                        break;
                    }
                    size_t es = vt_dtype_size(e->dtype);
                    memcpy(e->data, (char *)padded[i]->data + (size_t)off * es, es);
                    args[i] = acc[i];
                    acc[i] = (vt_rvalue){0};
                    args[N + i] = vt_rvalue_tensor(e);
                }
                if (!s) s = vt_exec_region(r, f, body, args, 2 * N, acc, N);
                for (size_t i = 0; i < 2 * N; i++) vt_rvalue_release(&args[i]);
            }
            for (size_t i = 0; i < N && !s; i++) {
                size_t es = vt_dtype_size(res[i]->dtype);
                memcpy((char *)res[i]->data + o * es, acc[i].tensor->data, es);
            }
            for (size_t i = 0; i < N; i++) vt_rvalue_release(&acc[i]);
        }
        for (size_t i = 0; i < N; i++) {
            if (s) vt_tensor_release(res[i]);
            else out[i] = vt_rvalue_tensor(res[i]);
        }
    }
    if (acc)
        for (size_t i = 0; i < N; i++) vt_rvalue_release(&acc[i]);
    free(args), free(acc);
    for (size_t i = 0; i < N; i++) vt_tensor_release(padded[i]);
    return s;
}

/* Applies a two-argument scalar region to (a, b) and returns the result tensor. */
static vt_status scalar_call(vt_run *r, vt_frame *f, const vt_region *reg, vt_dtype ta, const void *a, vt_dtype tb,
                             const void *b, vt_rvalue *res) {
    vt_tensor *x = vt_rt_alloc(r, ta, 0, NULL), *y = vt_rt_alloc(r, tb, 0, NULL);
    if (!x || !y) {
        vt_tensor_release(x), vt_tensor_release(y);
        return r->err->code;
    }
    memcpy(x->data, a, vt_dtype_size(ta));
    memcpy(y->data, b, vt_dtype_size(tb));
    vt_rvalue args[2] = {vt_rvalue_tensor(x), vt_rvalue_tensor(y)};
    vt_status s = vt_exec_region(r, f, reg, args, 2, res, 1);
    vt_rvalue_release(&args[0]);
    vt_rvalue_release(&args[1]);
    return s;
}

static vt_status exec_select_and_scatter(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    vt_tensor *x, *src, *init;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &src);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[2], 2, &init);
    if (s) return s;
    if (op->nregions != 2) return vt_error_set(r->err, VT_EINPUT, "select_and_scatter: expected select and scatter regions");
    int rank = x->rank;
    int64_t wd[MAXR], ws[MAXR], pad[MAXR][2];
    if (!list_or(op, "window_dimensions", wd, rank, 1) || !list_or(op, "window_strides", ws, rank, 1))
        return vt_error_set(r->err, VT_EINPUT, "select_and_scatter: window attributes must have %d entries", rank);
    if ((s = read_padding(r, op, rank, pad))) return s;
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    if ((s = vt_k_broadcast_in_dim(&r->kc, init, NULL, 0, res, r->err))) {
        vt_tensor_release(res);
        return s;
    }
    size_t wn = 1, es = vt_dtype_size(x->dtype), rs = vt_dtype_size(res->dtype), ss = vt_dtype_size(src->dtype);
    for (int d = 0; d < rank; d++) wn *= (size_t)wd[d];
    if ((s = vt_rt_charge(r, (uint64_t)src->nelem * wn * 4))) {
        vt_tensor_release(res);
        return s;
    }
    int64_t xstr[MAXR], si[MAXR], w[MAXR];
    vt_k_row_major_strides(rank, x->dims, xstr);
    for (size_t o = 0; o < src->nelem && !s; o++) {
        unravel(o, rank, src->dims, si);
        int64_t best = -1;
        for (size_t k = 0; k < wn && !s; k++) {
            unravel(k, rank, wd, w);
            int64_t off = 0;
            bool inb = true;
            for (int d = 0; d < rank; d++) {
                int64_t p = si[d] * ws[d] + w[d] - pad[d][0];
                if (p < 0 || p >= x->dims[d]) inb = false;
                off += p * xstr[d];
            }
            if (!inb) continue;
            if (best < 0) {
                best = off;
                continue;
            }
            vt_rvalue keep = {0};
            s = scalar_call(r, f, op->regions[0], x->dtype, (char *)x->data + (size_t)best * es, x->dtype,
                            (char *)x->data + (size_t)off * es, &keep);
            if (!s && (keep.kind != VT_RV_TENSOR || keep.tensor->dtype != VT_I1))
                s = vt_error_set(r->err, VT_EINPUT, "select_and_scatter: select must return tensor<i1>");
            if (!s && !((uint8_t *)keep.tensor->data)[0]) best = off;
            vt_rvalue_release(&keep);
        }
        if (s || best < 0) continue;
        vt_rvalue v = {0};
        s = scalar_call(r, f, op->regions[1], res->dtype, (char *)res->data + (size_t)best * rs, src->dtype,
                        (char *)src->data + o * ss, &v);
        if (!s && (v.kind != VT_RV_TENSOR || v.tensor->dtype != res->dtype))
            s = vt_error_set(r->err, VT_EINPUT, "select_and_scatter: scatter result has the wrong type");
        if (!s) memcpy((char *)res->data + (size_t)best * rs, v.tensor->data, rs);
        vt_rvalue_release(&v);
    }
    if (s) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_window_fn(const vt_op *op);
vt_exec_fn vt_exec_window_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_REDUCE_WINDOW: return exec_reduce_window;
    case VT_OP_SELECT_AND_SCATTER: return exec_select_and_scatter;
    default: return NULL;
    }
}
