/* gather and scatter with all of the spec's dimension numbers (batching dims included). gather
 * copies one slice per batch position with a strided copy, so an embedding lookup moves whole
 * rows. scatter applies updates in row-major order of the updates tensor (so results never
 * depend on the indices_are_sorted / unique_indices hints): single-op update regions
 * (overwrite, add, multiply, maximum, minimum, and, or, xor) run typed loops, any other region
 * runs on scalars. Out-of-bounds scatter updates are skipped, gather starts are clamped (spec). */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

#define MAXR VT_MAX_RANK

typedef struct dimnums {
    int64_t window[MAXR], inserted[MAXR], obatch[MAXR], ibatch[MAXR], to_operand[MAXR];
    size_t nwindow, ninserted, nobatch, nibatch, nto;
    int64_t index_vector_dim;
} dimnums;

static vt_status read_dimnums(vt_run *r, const vt_op *op, bool gather, dimnums *d) {
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

static bool in_list(const int64_t *l, size_t n, int64_t v) {
    for (size_t i = 0; i < n; i++)
        if (l[i] == v) return true;
    return false;
}

/* Reads the index vector for batch position `bidx` (indices dims without index_vector_dim). */
static bool index_vector(const vt_tensor *idx, int64_t ivd, const int64_t *bidx, size_t nvec, int64_t *out) {
    int64_t full[MAXR], strides[MAXR];
    vt_k_row_major_strides(idx->rank, idx->dims, strides);
    int k = 0;
    for (int d = 0; d < idx->rank; d++)
        if (d != ivd) full[d] = bidx[k++];
    size_t es = vt_dtype_size(idx->dtype);
    for (size_t i = 0; i < nvec; i++) {
        if (ivd < idx->rank) full[ivd] = (int64_t)i;
        int64_t off = 0;
        for (int d = 0; d < idx->rank; d++) off += full[d] * strides[d];
        const char *p = (const char *)idx->data + (size_t)off * es;
        out[i] = vt_dtype_kind_of(idx->dtype) == VT_KIND_UINT ? (int64_t)vt_load_u64(idx->dtype, p) : vt_load_i64(idx->dtype, p);
    }
    return true;
}

/* batch dims of the indices tensor: all dims except index_vector_dim */
static int batch_rank(const vt_tensor *idx, int64_t ivd) { return ivd < idx->rank ? idx->rank - 1 : idx->rank; }

static void unravel(size_t lin, int rank, const int64_t *dims, int64_t *out) {
    for (int d = rank - 1; d >= 0; d--) {
        int64_t n = dims[d];
        out[d] = n ? (int64_t)(lin % (size_t)n) : 0;
        lin = n ? lin / (size_t)n : 0;
    }
}

static vt_status exec_gather(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *x, *idx;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &x);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &idx);
    if (s) return s;
    dimnums d;
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
    if (!vt_dtype_is_int(idx->dtype)) return vt_error_set(r->err, VT_EINPUT, "gather: start_indices must be integers");
    int64_t ivd = d.index_vector_dim;
    size_t nvec = ivd < idx->rank ? (size_t)idx->dims[ivd] : 1;
    if (nvec != d.nto) return vt_error_set(r->err, VT_EINPUT, "gather: index vectors have %zu entries, start_index_map %zu", nvec, d.nto);
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    int brank = batch_rank(idx, ivd);
    int64_t bdims[MAXR];
    for (int k = 0, j = 0; k < idx->rank; k++)
        if (k != ivd) bdims[j++] = idx->dims[k];
    /* Result dims: offset_dims are the slice's kept dims, the rest are batch dims in order. */
    int64_t rstr[MAXR], xstr[MAXR], copy_dims[MAXR], src_str[MAXR], dst_str[MAXR];
    vt_k_row_major_strides(res->rank, res->dims, rstr);
    vt_k_row_major_strides(x->rank, x->dims, xstr);
    int nk = 0;
    for (int od = 0; od < x->rank; od++) {
        if (in_list(d.inserted, d.ninserted, od) || in_list(d.obatch, d.nobatch, od)) continue;
        if ((size_t)nk >= d.nwindow) {
            vt_tensor_release(res);
            return vt_error_set(r->err, VT_EINPUT, "gather: offset_dims do not match the slice");
        }
        copy_dims[nk] = sizes[od];
        src_str[nk] = xstr[od];
        dst_str[nk] = rstr[d.window[nk]];
        nk++;
    }
    for (int k = 0; op->code == VT_OP_DYNAMIC_GATHER && k < nk; k++) /* run-time sizes vs the result type */
        if (d.window[k] < 0 || d.window[k] >= res->rank || res->dims[d.window[k]] != copy_dims[k]) {
            vt_tensor_release(res);
            return vt_error_set(r->err, VT_EINPUT, "dynamic_gather: slice_sizes do not match the result type");
        }
    int rbatch[MAXR], nrb = 0;
    for (int rd = 0; rd < res->rank; rd++)
        if (!in_list(d.window, d.nwindow, rd)) rbatch[nrb++] = rd;
    if (nrb != brank) {
        vt_tensor_release(res);
        return vt_error_set(r->err, VT_EINPUT, "gather: result has %d batch dims, indices %d", nrb, brank);
    }
    size_t nbatch = 1, slice = 1;
    for (int k = 0; k < brank; k++) nbatch *= (size_t)bdims[k];
    for (int k = 0; k < nk; k++) slice *= (size_t)copy_dims[k];
    if ((s = vt_rt_charge(r, (uint64_t)nbatch * (slice + nvec)))) {
        vt_tensor_release(res);
        return s;
    }
    size_t es = vt_dtype_size(x->dtype);
    int64_t bidx[MAXR], vec[MAXR];
    for (size_t b = 0; b < nbatch; b++) {
        unravel(b, brank, bdims, bidx);
        index_vector(idx, ivd, bidx, nvec, vec);
        int64_t start[MAXR] = {0};
        for (size_t k = 0; k < d.nto; k++) {
            int64_t od = d.to_operand[k];
            int64_t hi = x->dims[od] - sizes[od];
            int64_t v = vec[k];
            start[od] = v < 0 ? 0 : v > hi ? hi : v;
        }
        for (size_t k = 0; k < d.nobatch; k++) {
            int64_t ib = d.ibatch[k];
            start[d.obatch[k]] = bidx[ib > ivd ? ib - 1 : ib];
        }
        int64_t soff = 0, doff = 0;
        for (int od = 0; od < x->rank; od++) soff += start[od] * xstr[od];
        for (int k = 0; k < nrb; k++) doff += bidx[k] * rstr[rbatch[k]];
        vt_k_strided_copy(nk, copy_dims, es, (const char *)x->data + (size_t)soff * es, src_str,
                          (char *)res->data + (size_t)doff * es, dst_str);
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
    if (!vt_dtype_is_int(idx->dtype)) return vt_error_set(r->err, VT_EINPUT, "scatter: scatter_indices must be integers");
    dimnums d;
    if ((s = read_dimnums(r, op, false, &d))) return s;
    const vt_tensor *x0 = xs[0], *u0 = ups[0];
    int64_t ivd = d.index_vector_dim;
    size_t nvec = ivd < idx->rank ? (size_t)idx->dims[ivd] : 1;
    if (nvec != d.nto) return vt_error_set(r->err, VT_EINPUT, "scatter: index vectors have %zu entries, mapping %zu", nvec, d.nto);
    /* Results start as copies of the inputs (in place when an input dies here). */
    vt_tensor *res[MAXR] = {0};
    for (size_t i = 0; i < N && !s; i++) {
        if ((c >> i & 1) && xs[i]->refcount == 1 && xs[i]->release) res[i] = vt_tensor_retain(xs[i]);
        else {
            res[i] = vt_rt_result(r, op, i);
            if (!res[i]) s = r->err->code;
            else if (res[i]->nbytes) memcpy(res[i]->data, xs[i]->data, res[i]->nbytes);
        }
    }
    vt_binary_op bop = VT_BIN_ADD;
    upd_kind kind = classify_update(op->regions[0], N, &bop);
    vt_k_op kop;
    if (!s && kind == UPD_BINARY && vt_k_binary_resolve(bop, x0->dtype, &kop, r->err) != VT_OK) kind = UPD_REGION;
    if (!s && kind != UPD_REGION && (u0->dtype != x0->dtype)) kind = UPD_REGION;
    if (!s) s = vt_rt_charge(r, (uint64_t)u0->nelem * 4 + x0->nelem);
    int64_t xstr[MAXR], ustr[MAXR];
    vt_k_row_major_strides(x0->rank, x0->dims, xstr);
    vt_k_row_major_strides(u0->rank, u0->dims, ustr);
    int uscatter[MAXR], nus = 0;
    for (int ud = 0; ud < u0->rank; ud++)
        if (!in_list(d.window, d.nwindow, ud)) uscatter[nus++] = ud;
    /* Operand dims that window dims map to: those not inserted and not batching, in order. */
    int wmap[MAXR], nw = 0;
    for (int od = 0; od < x0->rank; od++)
        if (!in_list(d.inserted, d.ninserted, od) && !in_list(d.obatch, d.nobatch, od)) wmap[nw++] = od;
    if (!s && (size_t)nw != d.nwindow) s = vt_error_set(r->err, VT_EINPUT, "scatter: update_window_dims do not match the operand");
    vt_rvalue *args = NULL, *outv = NULL;
    if (!s && kind == UPD_REGION) {
        args = calloc(2 * N, sizeof *args);
        outv = calloc(N, sizeof *outv);
        if (!args || !outv) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    size_t es = vt_dtype_size(x0->dtype);
    int64_t uidx[MAXR], bidx[MAXR], vec[MAXR];
    for (size_t u = 0; u < u0->nelem && !s; u++) {
        unravel(u, u0->rank, u0->dims, uidx);
        for (int k = 0; k < nus; k++) bidx[k] = uidx[uscatter[k]];
        index_vector(idx, ivd, bidx, nvec, vec);
        int64_t full[MAXR] = {0};
        for (size_t k = 0; k < d.nto; k++) full[d.to_operand[k]] += vec[k];
        for (size_t k = 0; k < d.nobatch; k++) {
            int64_t ib = d.ibatch[k];
            full[d.obatch[k]] += bidx[ib > ivd ? ib - 1 : ib];
        }
        for (size_t k = 0; k < d.nwindow; k++) full[wmap[k]] += uidx[d.window[k]];
        bool inb = true;
        int64_t off = 0;
        for (int od = 0; od < x0->rank; od++) {
            if (full[od] < 0 || full[od] >= x0->dims[od]) inb = false;
            off += full[od] * xstr[od];
        }
        if (!inb) continue;
        if (kind == UPD_OVERWRITE) {
            memcpy((char *)res[0]->data + (size_t)off * es, (const char *)ups[0]->data + u * es, es);
        } else if (kind == UPD_BINARY) {
            char *dst = (char *)res[0]->data + (size_t)off * es;
            const void *ins[2] = {dst, (const char *)ups[0]->data + u * es};
            vt_k_run_range(&kop, ins, 0, dst, 1);
        } else {
            for (size_t i = 0; i < N && !s; i++) {
                size_t ei = vt_dtype_size(res[i]->dtype), eu = vt_dtype_size(ups[i]->dtype);
                vt_tensor *a = vt_rt_alloc(r, res[i]->dtype, 0, NULL), *b = vt_rt_alloc(r, ups[i]->dtype, 0, NULL);
                if (!a || !b) {
                    vt_tensor_release(a), vt_tensor_release(b);
                    s = r->err->code;
                    break;
                }
                memcpy(a->data, (char *)res[i]->data + (size_t)off * ei, ei);
                memcpy(b->data, (const char *)ups[i]->data + u * eu, eu);
                args[i] = vt_rvalue_tensor(a);
                args[N + i] = vt_rvalue_tensor(b);
            }
            if (!s) s = vt_exec_region(r, f, op->regions[0], args, 2 * N, outv, N);
            for (size_t i = 0; i < N && !s; i++) {
                size_t ei = vt_dtype_size(res[i]->dtype);
                if (outv[i].kind != VT_RV_TENSOR || outv[i].tensor->dtype != res[i]->dtype || outv[i].tensor->nelem != 1)
                    s = vt_error_set(r->err, VT_EINPUT, "scatter: update computation result %zu is not a scalar of the input type", i);
                else memcpy((char *)res[i]->data + (size_t)off * ei, outv[i].tensor->data, ei);
            }
            for (size_t i = 0; i < 2 * N; i++) vt_rvalue_release(&args[i]);
            for (size_t i = 0; i < N; i++) vt_rvalue_release(&outv[i]);
        }
    }
    free(args), free(outv);
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
