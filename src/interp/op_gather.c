/* gather and scatter ops: attributes read here, the work done by the kernels (k_gather.c,
 * k_scatter.c: checked dimension numbers, contiguous runs, typed update loops). Scatter applies
 * updates in row-major order of the updates tensor, so results never depend on the
 * indices_are_sorted / unique_indices hints; single-op update regions (overwrite, add, multiply,
 * maximum, minimum, and, or, xor) run typed loops, any other region runs on scalars.
 * Out-of-bounds scatter updates are skipped element by element, gather starts are clamped. */
#include "interp/interp_internal.h"
#include "interp/k_gather.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

static vt_status read_dimnums(vt_run *r, const vt_op *op, bool gather, vt_gs_dims *d) {
    memset(d, 0, sizeof *d);
    vt_attr *a = vt_op_attr(op, gather ? "dimension_numbers" : "scatter_dimension_numbers");
    if (!a) return vt_error_set(r->err, VT_EINPUT, "%s: missing dimension numbers", vt_op_name(op));
    bool ok = vt_field_i64s(a, gather ? "offset_dims" : "update_window_dims", d->window, MAXR, &d->nwindow) &&
              vt_field_i64s(a, gather ? "collapsed_slice_dims" : "inserted_window_dims", d->inserted, MAXR, &d->ninserted) &&
              vt_field_i64s(a, gather ? "operand_batching_dims" : "input_batching_dims", d->obatch, MAXR, &d->nobatch) &&
              vt_field_i64s(a, gather ? "start_indices_batching_dims" : "scatter_indices_batching_dims", d->ibatch, MAXR,
                            &d->nibatch) &&
              vt_field_i64s(a, gather ? "start_index_map" : "scatter_dims_to_operand_dims", d->to_operand, MAXR, &d->nto);
    vt_attr *ivd = vt_attr_dict_get(a, "index_vector_dim");
    d->index_vector_dim = 0;
    if (ivd && !vt_attr_as_i64(ivd, &d->index_vector_dim)) ok = false;
    if (!ok || d->nobatch != d->nibatch)
        return vt_error_set(r->err, VT_EINPUT, "%s: malformed dimension numbers", vt_op_name(op));
    return VT_OK;
}

static vt_status exec_gather(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *x, *idx;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &idx);
    if (s) return s;
    vt_gs_dims d;
    if ((s = read_dimnums(r, op, true, &d))) return s;
    int64_t sizes[MAXR];
    size_t nsizes;
    if (op->code == VT_OP_DYNAMIC_GATHER) { /* slice_sizes is operand 2 (part2: dynamic ops) */
        vt_tensor *ss;
        if ((s = vt_rt_expect_tensor(r, op, &in[2], 2, &ss))) return s;
        if (ss->rank != 1 || !vt_dtype_is_int(ss->dtype) || ss->nelem != (size_t)x->rank)
            return vt_error_set(r->err, VT_EINPUT, "dynamic_gather: slice_sizes must be a 1-D integer tensor of %d entries", x->rank);
        for (size_t i = 0; i < ss->nelem; i++) {
            sizes[i] = vt_load_i64(ss->dtype, (char *)ss->data + i * vt_dtype_size(ss->dtype));
            if (sizes[i] < 0 || sizes[i] > x->dims[i])
                return vt_error_set(r->err, VT_EINPUT, "dynamic_gather: slice_sizes[%zu] = %lld outside [0, %lld]", i,
                                    (long long)sizes[i], (long long)x->dims[i]);
        }
        nsizes = ss->nelem;
    } else if (!vt_attr_i64s(op, "slice_sizes", sizes, MAXR, &nsizes) || (int)nsizes != x->rank)
        return vt_error_set(r->err, VT_EINPUT, "gather: slice_sizes must have one entry per operand dimension");
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    if ((s = vt_k_gather(&r->kc, x, idx, &d, sizes, res, VT_KPATH_AUTO, r->err))) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

/* ---- scatter ---- */
typedef enum { UPD_REGION, UPD_OVERWRITE, UPD_BINARY } upd_kind;

static upd_kind classify_update(const vt_region *reg, size_t n, vt_binary_op *bop) {
    if (reg->nblocks != 1) return UPD_REGION;
    const vt_block *b = reg->blocks[0];
    if (n != 1 || b->nargs != 2) return UPD_REGION;
    const vt_op *last = b->ops[b->nops - 1];
    if (b->nops == 1 && last->noperands == 1 && last->operands[0] == &b->args[1]) return UPD_OVERWRITE;
    if (b->nops != 2 || last->noperands != 1) return UPD_REGION;
    const vt_op *op = b->ops[0];
    if (last->operands[0] != &op->results[0] || op->noperands != 2) return UPD_REGION;
    if (!(op->operands[0] == &b->args[0] && op->operands[1] == &b->args[1])) return UPD_REGION;
    switch (op->code) {
    case VT_OP_ADD: *bop = VT_BIN_ADD; return UPD_BINARY;
    case VT_OP_MULTIPLY: *bop = VT_BIN_MUL; return UPD_BINARY;
    case VT_OP_MAXIMUM: *bop = VT_BIN_MAX; return UPD_BINARY;
    case VT_OP_MINIMUM: *bop = VT_BIN_MIN; return UPD_BINARY;
    case VT_OP_AND: *bop = VT_BIN_AND; return UPD_BINARY;
    case VT_OP_OR: *bop = VT_BIN_OR; return UPD_BINARY;
    case VT_OP_XOR: *bop = VT_BIN_XOR; return UPD_BINARY;
    default: return UPD_REGION;
    }
}

/* Any other update region: called on scalars for every in-bounds update element, in order. */
typedef struct region_apply {
    vt_run *r;
    vt_frame *f;
    const vt_region *reg;
    size_t N;
    vt_tensor **res, **ups;
    vt_rvalue *args, *outv;
} region_apply;

static vt_status apply_region_at(region_apply *ra, int64_t off, int64_t u) {
    vt_run *r = ra->r;
    size_t N = ra->N;
    vt_status s = VT_OK;
    for (size_t i = 0; i < N && !s; i++) {
        size_t ei = vt_dtype_size(ra->res[i]->dtype), eu = vt_dtype_size(ra->ups[i]->dtype);
        vt_tensor *a = vt_rt_alloc(r, ra->res[i]->dtype, 0, NULL), *b = vt_rt_alloc(r, ra->ups[i]->dtype, 0, NULL);
        if (!a || !b) {
            vt_tensor_release(a), vt_tensor_release(b);
            s = r->err->code;
            break;
        }
        memcpy(a->data, (char *)ra->res[i]->data + (size_t)off * ei, ei);
        memcpy(b->data, (const char *)ra->ups[i]->data + (size_t)u * eu, eu);
        ra->args[i] = vt_rvalue_tensor(a);
        ra->args[N + i] = vt_rvalue_tensor(b);
    }
    if (!s) s = vt_exec_region(r, ra->f, ra->reg, ra->args, 2 * N, ra->outv, N);
    for (size_t i = 0; i < N && !s; i++) {
        size_t ei = vt_dtype_size(ra->res[i]->dtype);
        vt_rvalue *o = &ra->outv[i];
        if (o->kind != VT_RV_TENSOR || o->tensor->dtype != ra->res[i]->dtype || o->tensor->nelem != 1)
            s = vt_error_set(r->err, VT_EINPUT, "scatter: update computation result %zu is not a scalar of the input type", i);
        else memcpy((char *)ra->res[i]->data + (size_t)off * ei, o->tensor->data, ei);
    }
    for (size_t i = 0; i < 2 * N; i++) vt_rvalue_release(&ra->args[i]);
    for (size_t i = 0; i < N; i++) vt_rvalue_release(&ra->outv[i]);
    return s;
}

static vt_status apply_region_runs(void *ctx, const vt_scatter_run *runs, size_t nruns) {
    vt_status s = VT_OK;
    for (size_t k = 0; k < nruns && !s; k++)
        for (int64_t j = 0; j < runs[k].n && !s; j++)
            s = apply_region_at(ctx, runs[k].dst + j * runs[k].stride, runs[k].src + j);
    return s;
}

static vt_status exec_scatter(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    size_t N = (op->noperands - 1) / 2;
    if (N == 0 || op->noperands != 2 * N + 1 || op->nresults != N || op->nregions != 1)
        return vt_error_set(r->err, VT_EINPUT, "scatter: expected N inputs, indices, N updates");
    if (N > MAXR) return vt_rt_unsupported(r, op, "more than 32 scattered operands");
    vt_tensor *xs[MAXR], *ups[MAXR], *idx;
    vt_status s = vt_rt_expect_tensor(r, op, &in[N], N, &idx);
    for (size_t i = 0; i < N && !s; i++) {
        s = vt_rt_expect_tensor(r, op, &in[i], i, &xs[i]);
        if (!s) s = vt_rt_expect_tensor(r, op, &in[N + 1 + i], N + 1 + i, &ups[i]);
    }
    if (s) return s;
    for (size_t i = 0; i < N; i++)
        if (op->operands[i]->type->quant) return vt_rt_unsupported(r, op, "a quantized element type");
    vt_gs_dims d;
    if ((s = read_dimnums(r, op, false, &d))) return s;
    for (size_t i = 1; i < N; i++)
        if (!vt_tensor_same_shape(xs[i], xs[0]))
            return vt_error_set(r->err, VT_EINPUT, "scatter: inputs %zu and 0 differ in shape", i);
    if ((s = vt_k_scatter_check(xs[0], idx, (const vt_tensor *const *)ups, N, &d, r->err))) return s;
    /* Results start as copies of the inputs (in place when an input dies here). */
    vt_tensor *res[MAXR] = {0};
    for (size_t i = 0; i < N && !s; i++) {
        if ((c >> i & 1) && xs[i]->refcount == 1 && xs[i]->release) res[i] = vt_tensor_retain(xs[i]);
        else {
            res[i] = vt_rt_result(r, op, i);
            if (!res[i]) s = r->err->code;
            else if (res[i]->nbytes != xs[i]->nbytes || res[i]->dtype != xs[i]->dtype)
                s = vt_error_set(r->err, VT_EINPUT, "scatter: result %zu does not have input %zu's type", i, i);
            else if (res[i]->nbytes) memcpy(res[i]->data, xs[i]->data, res[i]->nbytes);
        }
    }
    vt_binary_op bop = VT_BIN_ADD;
    upd_kind kind = classify_update(op->regions[0], N, &bop);
    vt_k_op kop;
    vt_error scratch;
    if (!s && kind == UPD_BINARY && vt_k_binary_resolve(bop, xs[0]->dtype, &kop, &scratch) != VT_OK) kind = UPD_REGION;
    if (!s && kind != UPD_REGION && ups[0]->dtype != xs[0]->dtype) kind = UPD_REGION;
    if (!s && kind != UPD_REGION) {
        s = vt_k_scatter(&r->kc, res[0], idx, ups[0], &d, kind == UPD_BINARY, bop, VT_KPATH_AUTO, r->err);
    } else if (!s) {
        s = vt_rt_charge(r, (uint64_t)ups[0]->nelem * 4 + xs[0]->nelem);
        region_apply ra = {r, f, op->regions[0], N, res, ups, NULL, NULL};
        if (!s) {
            ra.args = calloc(2 * N, sizeof *ra.args);
            ra.outv = calloc(N, sizeof *ra.outv);
            if (!ra.args || !ra.outv) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        }
        if (!s) s = vt_k_scatter_walk(res[0], idx, ups[0], &d, apply_region_runs, &ra, r->err);
        free(ra.args), free(ra.outv);
    }
    for (size_t i = 0; i < N; i++) {
        if (s) vt_tensor_release(res[i]);
        else out[i] = vt_rvalue_tensor(res[i]);
    }
    return s;
}

vt_exec_fn vt_exec_gather_fn(const vt_op *op);
vt_exec_fn vt_exec_gather_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_GATHER:
    case VT_OP_DYNAMIC_GATHER: return exec_gather;
    case VT_OP_SCATTER: return exec_scatter;
    default: return NULL;
    }
}
