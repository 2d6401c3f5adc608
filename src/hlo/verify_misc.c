/* Spec constraints of the remaining ops: linear algebra (cholesky, triangular_solve), fft, the
 * windowed ops (convolution, reduce_window, select_and_scatter), map, rng_bit_generator, top_k,
 * batch_norm_*, collectives' groups and shapes, and uniform_quantize/dequantize types. */
#include "hlo/verify_internal.h"

#include <string.h>

#define CAP VT_MAX_RANK

static vt_status v_cholesky(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *a = op->operands[0]->type;
    if (a->rank < 2 || !vt_vdim_ok(a->dims[a->rank - 1], a->dims[a->rank - 2]))
        return vt_vfail(m, op, err, "operand must be a batch of square matrices (rank >= 2, last two dims equal)");
    if (!vt_vsame_shape(a, op->results[0].type) || a->dtype != op->results[0].type->dtype)
        return vt_vfail(m, op, err, "result must have the operand's type");
    return VT_OK;
}

static vt_status v_triangular_solve(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *a = op->operands[0]->type, *b = op->operands[1]->type;
    if (a->rank < 2 || !vt_vdim_ok(a->dims[a->rank - 1], a->dims[a->rank - 2]))
        return vt_vfail(m, op, err, "a must be a batch of square matrices (rank >= 2, last two dims equal)");
    if (b->rank != a->rank) return vt_vfail(m, op, err, "a has rank %d but b rank %d", a->rank, b->rank);
    for (int i = 0; i < a->rank - 2; i++)
        if (!vt_vdim_ok(a->dims[i], b->dims[i])) return vt_vfail(m, op, err, "batch dimension %d of a and b differ", i);
    int64_t left = 0;
    vt_attr_as_i64(vt_op_attr(op, "left_side"), &left);
    int64_t bdim = left ? b->dims[b->rank - 2] : b->dims[b->rank - 1];
    if (!vt_vdim_ok(a->dims[a->rank - 1], bdim))
        return vt_vfail(m, op, err, "a has size %lld but b's %s dimension has size %lld", (long long)a->dims[a->rank - 1],
                        left ? "row" : "column", (long long)bdim);
    if (!vt_vsame_shape(b, op->results[0].type)) return vt_vfail(m, op, err, "result must have b's shape");
    return VT_OK;
}

static vt_status v_fft(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type;
    int64_t len[CAP];
    size_t n;
    if (!vt_vlist(op, "fft_length", len, CAP, &n)) return vt_vfail(m, op, err, "missing or malformed fft_length");
    if (n < 1 || n > 3 || (int)n > x->rank) return vt_vfail(m, op, err, "fft_length has %zu entries, must be 1..min(3, rank %d)", n, x->rank);
    for (size_t i = 0; i < n; i++)
        if (len[i] < 0) return vt_vfail(m, op, err, "fft_length %zu is negative", i);
    if (op->results[0].type->rank != x->rank) return vt_vfail(m, op, err, "result rank differs from the operand rank");
    return VT_OK;
}

/* Padding attribute as [n][2] (lo, hi); absent means zeros. 0 ok, -1 malformed. */
static int read_padding(const vt_op *op, int n, int64_t (*pad)[2]) {
    for (int i = 0; i < n; i++) pad[i][0] = pad[i][1] = 0;
    const vt_attr *a = vt_op_attr(op, "padding");
    if (!a) return 0;
    if (a->kind != VT_ATTR_DENSE || !a->type || !a->tensor || !vt_dtype_is_int(a->type->dtype) || a->type->rank != 2 ||
        a->type->dims[0] != n || a->type->dims[1] != 2)
        return -1;
    const vt_tensor *t = a->tensor;
    size_t es = vt_dtype_size(t->dtype);
    for (int i = 0; i < 2 * n; i++) {
        int64_t v = vt_load_i64(t->dtype, (const char *)t->data + (a->splat ? 0 : (size_t)i * es));
        pad[i / 2][i % 2] = v;
    }
    return 0;
}

/* An optional list attribute of n entries (default dflt), each >= lo. */
static vt_status opt_list(const vt_module *m, const vt_op *op, const char *name, int n, int64_t dflt, int64_t lo, int64_t *out,
                          vt_error *err) {
    size_t got;
    if (!vt_op_attr(op, name)) {
        for (int i = 0; i < n; i++) out[i] = dflt;
        return VT_OK;
    }
    if (!vt_vlist(op, name, out, CAP, &got) || (int)got != n) return vt_vfail(m, op, err, "%s must have %d entries", name, n);
    for (int i = 0; i < n; i++)
        if (out[i] < lo) return vt_vfail(m, op, err, "%s[%d] = %lld must be >= %lld", name, i, (long long)out[i], (long long)lo);
    return VT_OK;
}

/* Spatial size after dilating the base, padding and sliding a dilated window with a stride
 * (the formula shared by convolution and reduce_window); VT_DYN stays dynamic. */
static int64_t window_out(int64_t in, int64_t w, int64_t stride, int64_t base_dil, int64_t win_dil, int64_t lo, int64_t hi) {
    if (in == VT_DYN) return VT_DYN;
    /* attribute values come from the prover: clamp so that the arithmetic cannot overflow */
    if (in > (1LL << 40) || w > (1LL << 40) || base_dil > (1LL << 20) || win_dil > (1LL << 20) || lo > (1LL << 40) || hi > (1LL << 40) ||
        lo < -(1LL << 40) || hi < -(1LL << 40))
        return -2;
    int64_t dilated = in == 0 ? 0 : (in - 1) * base_dil + 1;
    int64_t padded = lo + dilated + hi;
    int64_t dw = w == 0 ? 0 : (w - 1) * win_dil + 1;
    if (padded < dw) return 0;
    return (padded - dw) / stride + 1;
}

static vt_status dim_field(const vt_module *m, const vt_op *op, const vt_attr *dn, const char *f, int rank, int64_t *out,
                           bool *used, vt_error *err) {
    if (!vt_attr_as_i64(vt_attr_dict_get(dn, f), out)) return vt_vfail(m, op, err, "dimension_numbers lacks %s", f);
    if (*out < 0 || *out >= rank) return vt_vfail(m, op, err, "%s %lld outside [0, %d)", f, (long long)*out, rank);
    if (used[*out]) return vt_vfail(m, op, err, "%s %lld is used twice", f, (long long)*out);
    used[*out] = true;
    return VT_OK;
}

static vt_status dim_list(const vt_module *m, const vt_op *op, const vt_attr *dn, const char *f, int rank, int64_t *out,
                          bool *used, vt_error *err) {
    size_t n;
    if (!vt_vfield_list(dn, f, out, CAP, &n) || (int)n != rank - 2)
        return vt_vfail(m, op, err, "%s must have %d entries", f, rank - 2);
    for (size_t i = 0; i < n; i++) {
        if (out[i] < 0 || out[i] >= rank) return vt_vfail(m, op, err, "%s entry %lld outside [0, %d)", f, (long long)out[i], rank);
        if (used[out[i]]) return vt_vfail(m, op, err, "%s entry %lld is used twice", f, (long long)out[i]);
        used[out[i]] = true;
    }
    return VT_OK;
}

/* convolution (C1)..(C27) without the quantized ones: dimension numbers each in range and
 * used once, group counts dividing the features and batch, window attributes, padding
 * [N, 2], and the result shape of the spec's formula. */
static vt_status v_convolution(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *l = op->operands[0]->type, *r = op->operands[1]->type, *res = op->results[0].type;
    if (l->rank < 2 || r->rank != l->rank || res->rank != l->rank)
        return vt_vfail(m, op, err, "lhs, rhs and result must have the same rank >= 2 (ranks %d, %d, %d)", l->rank, r->rank, res->rank);
    int rank = l->rank, ns = rank - 2;
    int64_t fg = 1, bg = 1;
    vt_attr_as_i64(vt_op_attr(op, "feature_group_count"), &fg);
    vt_attr_as_i64(vt_op_attr(op, "batch_group_count"), &bg);
    if (fg <= 0 || bg <= 0) return vt_vfail(m, op, err, "feature_group_count and batch_group_count must be positive");
    if (fg > 1 && bg > 1) return vt_vfail(m, op, err, "feature_group_count and batch_group_count cannot both exceed 1");
    const vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    if (!dn) return vt_vfail(m, op, err, "missing dimension_numbers");
    int64_t ib, ifd, kif, kof, ob, of, is[CAP], ks[CAP], os[CAP];
    bool ui[CAP] = {0}, uk[CAP] = {0}, uo[CAP] = {0};
    vt_status s;
    if ((s = dim_field(m, op, dn, "input_batch_dimension", rank, &ib, ui, err)) ||
        (s = dim_field(m, op, dn, "input_feature_dimension", rank, &ifd, ui, err)) ||
        (s = dim_list(m, op, dn, "input_spatial_dimensions", rank, is, ui, err)) ||
        (s = dim_field(m, op, dn, "kernel_input_feature_dimension", rank, &kif, uk, err)) ||
        (s = dim_field(m, op, dn, "kernel_output_feature_dimension", rank, &kof, uk, err)) ||
        (s = dim_list(m, op, dn, "kernel_spatial_dimensions", rank, ks, uk, err)) ||
        (s = dim_field(m, op, dn, "output_batch_dimension", rank, &ob, uo, err)) ||
        (s = dim_field(m, op, dn, "output_feature_dimension", rank, &of, uo, err)) ||
        (s = dim_list(m, op, dn, "output_spatial_dimensions", rank, os, uo, err)))
        return s;
    int64_t st[CAP], ld[CAP], rd[CAP], rev[CAP], pad[CAP][2];
    /* JAX exports dynamic_conv with one stride per operand dim in some programs (testdata
     * conv_general_dilated_1d_stride_2_even_dynamic): its window is not checked here */
    if (op->code == VT_OP_CONVOLUTION && ((s = opt_list(m, op, "window_strides", ns, 1, 1, st, err)) || (s = opt_list(m, op, "lhs_dilation", ns, 1, 1, ld, err)) ||
        (s = opt_list(m, op, "rhs_dilation", ns, 1, 1, rd, err)) || (s = opt_list(m, op, "window_reversal", ns, 0, 0, rev, err))))
        return s;
    if (op->code == VT_OP_CONVOLUTION && read_padding(op, ns, pad))
        return vt_vfail(m, op, err, "padding must be an integer tensor of shape [%d, 2]", ns);
    int64_t inb = l->dims[ib], inf = l->dims[ifd], kin = r->dims[kif], kout = r->dims[kof];
    if (inb != VT_DYN && inb % bg) return vt_vfail(m, op, err, "input batch size %lld is not divisible by batch_group_count %lld", (long long)inb, (long long)bg);
    if (inf != VT_DYN && inf % fg)
        return vt_vfail(m, op, err, "input feature size %lld is not divisible by feature_group_count %lld", (long long)inf, (long long)fg);
    if (inf != VT_DYN && kin != VT_DYN && inf / fg != kin)
        return vt_vfail(m, op, err, "kernel input feature size %lld must be the input feature size %lld / feature_group_count %lld",
                        (long long)kin, (long long)inf, (long long)fg);
    if (kout != VT_DYN && (kout % bg || kout % fg))
        return vt_vfail(m, op, err, "kernel output feature size %lld is not divisible by batch_group_count %lld and feature_group_count %lld",
                        (long long)kout, (long long)bg, (long long)fg);
    if (!vt_vdim_ok(res->dims[ob], inb == VT_DYN ? VT_DYN : inb / bg))
        return vt_vfail(m, op, err, "result batch dimension has size %lld, expected %lld", (long long)res->dims[ob],
                        (long long)(inb == VT_DYN ? VT_DYN : inb / bg));
    if (!vt_vdim_ok(res->dims[of], kout))
        return vt_vfail(m, op, err, "result feature dimension has size %lld, expected the kernel output features %lld",
                        (long long)res->dims[of], (long long)kout);
    if (op->code != VT_OP_CONVOLUTION) return VT_OK; /* dynamic_conv: padding is an operand */
    for (int i = 0; i < ns; i++) {
        int64_t w = r->dims[ks[i]];
        int64_t want = w == VT_DYN ? VT_DYN : window_out(l->dims[is[i]], w, st[i], ld[i], rd[i], pad[i][0], pad[i][1]);
        if (want == -2) return vt_vfail(m, op, err, "spatial dimension %d: window attributes out of range", i);
        if (!vt_vdim_ok(res->dims[os[i]], want))
            return vt_vfail(m, op, err, "result spatial dimension %d has size %lld, the window formula gives %lld", i,
                            (long long)res->dims[os[i]], (long long)want);
    }
    return VT_OK;
}

/* reduce_window (C1)..(C16): window attributes of the operand's rank and >= 1, padding
 * [rank, 2], the result shape of the window formula, a body of 2N scalars. */
static vt_status v_reduce_window(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0 || op->noperands % 2 || op->nresults != op->noperands / 2)
        return vt_vfail(m, op, err, "needs N inputs, N init values and N results");
    size_t n = op->noperands / 2;
    const vt_type *x = op->operands[0]->type;
    int rank = x->rank;
    int64_t wd[CAP], ws[CAP], bd[CAP], wdl[CAP], pad[CAP][2];
    size_t nwd;
    if (!vt_vlist(op, "window_dimensions", wd, CAP, &nwd) || (int)nwd != rank)
        return vt_vfail(m, op, err, "window_dimensions must have %d entries", rank);
    for (size_t i = 0; i < nwd; i++)
        if (wd[i] <= 0) return vt_vfail(m, op, err, "window dimension %zu must be positive", i);
    vt_status s;
    if ((s = opt_list(m, op, "window_strides", rank, 1, 1, ws, err)) || (s = opt_list(m, op, "base_dilations", rank, 1, 1, bd, err)) ||
        (s = opt_list(m, op, "window_dilations", rank, 1, 1, wdl, err)))
        return s;
    if (read_padding(op, rank, pad)) return vt_vfail(m, op, err, "padding must be an integer tensor of shape [%d, 2]", rank);
    char b1[96], b2[96];
    for (size_t i = 0; i < n; i++) {
        const vt_type *xi = op->operands[i]->type, *init = op->operands[n + i]->type, *ri = op->results[i].type;
        if (!vt_vsame_shape(xi, x)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
        if (init->rank != 0) return vt_vfail(m, op, err, "init value %zu must be a scalar, not %s", i, vt_vtype(init, b1));
        if (!xi->quant && !init->quant && xi->dtype != init->dtype)
            return vt_vfail(m, op, err, "init value %zu %s and input %zu %s must have the same element type", i, vt_vtype(init, b1), i,
                            vt_vtype(xi, b2));
        if (ri->rank != rank) return vt_vfail(m, op, err, "result %zu has rank %d, the input %d", i, ri->rank, rank);
        for (int d = 0; d < rank; d++) {
            int64_t want = window_out(x->dims[d], wd[d], ws[d], bd[d], wdl[d], pad[d][0], pad[d][1]);
            if (want == -2) return vt_vfail(m, op, err, "dimension %d: window attributes out of range", d);
            if (!vt_vdim_ok(ri->dims[d], want))
                return vt_vfail(m, op, err, "result %zu dimension %d has size %lld, the window formula gives %lld", i, d,
                                (long long)ri->dims[d], (long long)want);
        }
    }
    if (op->nregions != 1 || op->regions[0]->nblocks != 1 || op->regions[0]->blocks[0]->nargs != op->noperands)
        return vt_vfail(m, op, err, "body must take %zu scalar arguments", op->noperands);
    const vt_block *blk = op->regions[0]->blocks[0];
    for (size_t i = 0; i < blk->nargs; i++)
        if (!vt_type_is_tensor(blk->args[i].type) || blk->args[i].type->rank != 0)
            return vt_vfail(m, op, err, "body argument %zu must be a 0-d tensor", i);
    return VT_OK;
}

/* select_and_scatter (C1)..(C11): window attributes and padding of the operand's rank, the
 * source shaped like the windows (the window formula without dilations), select returning
 * tensor<i1> and scatter returning the element type, scalar init, result = operand. */
static vt_status v_select_and_scatter(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *src = op->operands[1]->type, *init = op->operands[2]->type, *r = op->results[0].type;
    int rank = x->rank;
    int64_t wd[CAP], ws[CAP], pad[CAP][2];
    vt_status s;
    if ((s = opt_list(m, op, "window_dimensions", rank, 1, 1, wd, err)) || (s = opt_list(m, op, "window_strides", rank, 1, 1, ws, err)))
        return s;
    if (read_padding(op, rank, pad)) return vt_vfail(m, op, err, "padding must be an integer tensor of shape [%d, 2]", rank);
    char b1[96], b2[96];
    if (!x->quant && !src->quant && x->dtype != src->dtype)
        return vt_vfail(m, op, err, "source %s and operand %s must have the same element type", vt_vtype(src, b1), vt_vtype(x, b2));
    if (init->rank != 0 || (!x->quant && !init->quant && init->dtype != x->dtype))
        return vt_vfail(m, op, err, "init_value %s must be a scalar of the operand's element type", vt_vtype(init, b1));
    if (src->rank != rank) return vt_vfail(m, op, err, "source has rank %d, the operand %d", src->rank, rank);
    for (int d = 0; d < rank; d++) {
        int64_t want = window_out(x->dims[d], wd[d], ws[d], 1, 1, pad[d][0], pad[d][1]);
        if (want == -2) return vt_vfail(m, op, err, "dimension %d: window attributes out of range", d);
        if (!vt_vdim_ok(src->dims[d], want))
            return vt_vfail(m, op, err, "source dimension %d has size %lld, the operand has %lld windows", d, (long long)src->dims[d],
                            (long long)want);
    }
    if (!vt_vsame_shape(x, r) || (!x->quant && x->dtype != r->dtype))
        return vt_vfail(m, op, err, "result %s must have the operand's type %s", vt_vtype(r, b1), vt_vtype(x, b2));
    for (size_t k = 0; k < 2 && k < op->nregions; k++) {
        const vt_region *rg = op->regions[k];
        const char *what = k == 0 ? "select" : "scatter";
        if (rg->nblocks != 1 || rg->blocks[0]->nargs != 2) return vt_vfail(m, op, err, "%s must take 2 arguments", what);
        const vt_block *blk = rg->blocks[0];
        for (size_t i = 0; i < 2; i++)
            if (!vt_type_is_tensor(blk->args[i].type) || blk->args[i].type->rank != 0 ||
                (!x->quant && !blk->args[i].type->quant && blk->args[i].type->dtype != x->dtype))
                return vt_vfail(m, op, err, "%s argument %zu must be a scalar of the operand's element type", what, i);
        const vt_op *ret = blk->nops ? blk->ops[blk->nops - 1] : NULL;
        if (!ret || ret->noperands != 1) return vt_vfail(m, op, err, "%s must return one value", what);
        const vt_type *rt = ret->operands[0]->type;
        if (k == 0 && (!vt_type_is_tensor(rt) || rt->rank != 0 || rt->dtype != VT_I1))
            return vt_vfail(m, op, err, "select must return tensor<i1>, not %s", vt_vtype(rt, b1));
        if (k == 1 && (!vt_type_is_tensor(rt) || rt->rank != 0 || (!x->quant && !rt->quant && rt->dtype != x->dtype)))
            return vt_vfail(m, op, err, "scatter must return a scalar of the operand's element type, not %s", vt_vtype(rt, b1));
    }
    return VT_OK;
}

/* rng_bit_generator (C1)..(C2): the state is a 1-D ui64 tensor (THREE_FRY: 2 words, PHILOX: 2
 * or 3), output_state has its type, output is integer or floating-point. */
static vt_status v_rng_bit_generator(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *st = op->operands[0]->type, *ost = op->results[0].type, *out = op->results[1].type;
    char b1[96];
    if (st->rank != 1 || st->dtype != VT_U64) return vt_vfail(m, op, err, "initial_state %s must be a 1-D ui64 tensor", vt_vtype(st, b1));
    if (!vt_type_equal(st, ost)) return vt_vfail(m, op, err, "output_state %s must have initial_state's type", vt_vtype(ost, b1));
    const char *alg = vt_attr_as_string(vt_op_attr(op, "rng_algorithm"));
    int64_t n = st->dims[0];
    if (alg && n != VT_DYN && ((!strcmp(alg, "THREE_FRY") && n != 2) || (!strcmp(alg, "PHILOX") && n != 2 && n != 3)))
        return vt_vfail(m, op, err, "initial_state has %lld words: %s state must be a %s-element ui64 tensor", (long long)n, alg,
                        strcmp(alg, "PHILOX") ? "2" : "2- or 3");
    if (!vt_dtype_is_int(out->dtype) && !vt_dtype_is_float(out->dtype))
        return vt_vfail(m, op, err, "output %s must have an integer or floating-point element type", vt_vtype(out, b1));
    return VT_OK;
}

/* chlo.top_k: 0 <= k <= the last dimension, values shaped like the operand with k last and its
 * element type, indices the same shape in i32. */
static vt_status v_top_k(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *v = op->results[0].type, *ix = op->results[1].type;
    int64_t k;
    char b1[96];
    if (!vt_attr_as_i64(vt_op_attr(op, "k"), &k)) return vt_vfail(m, op, err, "missing k");
    if (x->rank < 1) return vt_vfail(m, op, err, "operand must have rank >= 1");
    int64_t last = x->dims[x->rank - 1];
    if (k < 0 || (last != VT_DYN && k > last)) return vt_vfail(m, op, err, "k = %lld outside [0, %lld]", (long long)k, (long long)last);
    for (int j = 0; j < 2; j++) {
        const vt_type *t = j ? ix : v;
        const char *what = j ? "indices" : "values";
        if (t->rank != x->rank) return vt_vfail(m, op, err, "%s has rank %d, the operand %d", what, t->rank, x->rank);
        for (int d = 0; d < x->rank; d++)
            if (!vt_vdim_ok(t->dims[d], d == x->rank - 1 ? k : x->dims[d]))
                return vt_vfail(m, op, err, "%s %s must have the operand's shape with k = %lld last", what, vt_vtype(t, b1), (long long)k);
    }
    if (!x->quant && v->dtype != x->dtype) return vt_vfail(m, op, err, "values must have the operand's element type");
    if (ix->dtype != VT_I32) return vt_vfail(m, op, err, "indices %s must have element type i32", vt_vtype(ix, b1));
    return VT_OK;
}

/* batch_norm_inference / _training / _grad: feature_index in range, the per-feature operands
 * and results 1-D of the feature size, the rest shaped like the operand, one element type. */
static vt_status v_batch_norm(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type;
    int64_t fi;
    if (!vt_attr_as_i64(vt_op_attr(op, "feature_index"), &fi)) return vt_vfail(m, op, err, "missing feature_index");
    if (fi < 0 || fi >= x->rank) return vt_vfail(m, op, err, "feature_index %lld outside [0, %d)", (long long)fi, x->rank);
    int64_t nf = x->dims[fi];
    /* which values are operand-shaped (bit set) vs per-feature: operands, then results */
    const vt_type *ts[8];
    bool full[8];
    size_t n = 0;
    for (size_t i = 0; i < op->noperands && n < 8; i++, n++) {
        ts[n] = op->operands[i]->type;
        full[n] = i == 0 || (op->code == VT_OP_BATCH_NORM_GRAD && i == 4);
    }
    for (size_t i = 0; i < op->nresults && n < 8; i++, n++) {
        ts[n] = op->results[i].type;
        full[n] = i == 0;
    }
    char b1[96];
    for (size_t i = 1; i < n; i++) {
        const char *what = i < op->noperands ? "operand" : "result";
        size_t k = i < op->noperands ? i : i - op->noperands;
        if (full[i]) {
            if (!vt_vsame_shape(ts[i], x)) return vt_vfail(m, op, err, "%s %zu %s must have the operand's shape", what, k, vt_vtype(ts[i], b1));
        } else if (ts[i]->rank != 1 || !vt_vdim_ok(ts[i]->dims[0], nf)) {
            return vt_vfail(m, op, err, "%s %zu %s must be 1-D of the feature size %lld", what, k, vt_vtype(ts[i], b1), (long long)nf);
        }
        if (!x->quant && !ts[i]->quant && ts[i]->dtype != x->dtype)
            return vt_vfail(m, op, err, "%s %zu %s must have the operand's element type", what, k, vt_vtype(ts[i], b1));
    }
    return VT_OK;
}

/* Collectives: replica_groups a 2-D i64 tensor (its second dim is the group size when known);
 * all_gather / reduce_scatter / all_to_all dimensions in range and the result shapes. A group
 * size of 0 or an empty replica_groups means "all replicas", unknown here: then only the
 * divisibility of the sizes is checked. */
static vt_status v_collective(const vt_module *m, const vt_op *op, vt_error *err) {
    int64_t g = 0; /* group size, 0: unknown */
    const vt_attr *rg = vt_op_attr(op, "replica_groups");
    if (rg) {
        if (rg->kind != VT_ATTR_DENSE || !rg->type || rg->type->rank != 2 || rg->type->dtype != VT_I64)
            return vt_vfail(m, op, err, "replica_groups must be a 2-D i64 tensor");
        g = rg->type->dims[1] == VT_DYN ? 0 : rg->type->dims[1];
        /* cross_replica_and_partition mode: each group also spans every partition, whose
         * count is not in the program */
        int64_t gid = 0;
        vt_attr_as_i64(vt_op_attr(op, "use_global_device_ids"), &gid);
        if (vt_op_attr(op, "channel_handle") && !gid && !vt_op_attr(op, "use_global_device_ids")) g = 0;
    }
    if (op->code == VT_OP_ALL_REDUCE || op->code == VT_OP_COLLECTIVE_PERMUTE || op->code == VT_OP_COLLECTIVE_BROADCAST) {
        /* the interpret suite's collective_broadcast carries an extra root operand */
        for (size_t i = 0; i < op->noperands && i < op->nresults; i++)
            if (!vt_vsame_shape(op->operands[i]->type, op->results[i].type))
                return vt_vfail(m, op, err, "result %zu and operand %zu must have the same shape", i, i);
        return VT_OK;
    }
    const char *dname = op->code == VT_OP_ALL_GATHER ? "all_gather_dim" : op->code == VT_OP_REDUCE_SCATTER ? "scatter_dimension" : "split_dimension";
    int64_t dim, cdim = 0, sc = 0;
    if (!vt_attr_as_i64(vt_op_attr(op, dname), &dim)) return vt_vfail(m, op, err, "missing %s", dname);
    if (op->code == VT_OP_ALL_TO_ALL) {
        if (!vt_attr_as_i64(vt_op_attr(op, "concat_dimension"), &cdim)) return vt_vfail(m, op, err, "missing concat_dimension");
        if (!vt_attr_as_i64(vt_op_attr(op, "split_count"), &sc)) return vt_vfail(m, op, err, "missing split_count");
        if (sc <= 0) return vt_vfail(m, op, err, "split_count %lld must be positive", (long long)sc);
        if (g && g != sc) return vt_vfail(m, op, err, "split_count %lld differs from the replica group size %lld", (long long)sc, (long long)g);
    }
    if (op->nresults != op->noperands) return vt_vfail(m, op, err, "has %zu results for %zu operands", op->nresults, op->noperands);
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *x = op->operands[i]->type, *r = op->results[i].type;
        if (dim < 0 || dim >= x->rank) return vt_vfail(m, op, err, "%s %lld outside [0, %d)", dname, (long long)dim, x->rank);
        if (op->code == VT_OP_ALL_TO_ALL && (cdim < 0 || cdim >= x->rank))
            return vt_vfail(m, op, err, "concat_dimension %lld outside [0, %d)", (long long)cdim, x->rank);
        if (r->rank != x->rank) return vt_vfail(m, op, err, "result %zu has rank %d, operand %zu rank %d", i, r->rank, i, x->rank);
        for (int d = 0; d < x->rank; d++) {
            int64_t a = x->dims[d], b = r->dims[d];
            bool ok = true;
            if (op->code == VT_OP_ALL_TO_ALL) {
                if (d == dim && a != VT_DYN && a % sc)
                    return vt_vfail(m, op, err, "split dimension size %lld is not divisible by split_count %lld", (long long)a, (long long)sc);
                int64_t want = a == VT_DYN ? VT_DYN : d == dim && d != cdim ? a / sc : d == cdim && d != dim ? a * sc : a;
                ok = vt_vdim_ok(b, want);
            } else if (d != dim) {
                ok = vt_vdim_ok(a, b);
            } else if (a != VT_DYN && b != VT_DYN) {
                int64_t big = op->code == VT_OP_ALL_GATHER ? b : a, small = op->code == VT_OP_ALL_GATHER ? a : b;
                ok = g ? small * g == big : (small ? big % small == 0 : big == 0);
            }
            if (!ok) return vt_vfail(m, op, err, "result %zu dimension %d has size %lld, which operand %zu (size %lld) does not give", i, d,
                                     (long long)b, i, (long long)a);
        }
    }
    return VT_OK;
}

static vt_status v_map(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->noperands == 0) return vt_vfail(m, op, err, "needs at least one input");
    const vt_type *x = op->operands[0]->type;
    for (size_t i = 1; i < op->noperands; i++)
        if (!vt_vsame_shape(op->operands[i]->type, x)) return vt_vfail(m, op, err, "input %zu and input 0 must have the same shape", i);
    int64_t d[CAP];
    size_t n;
    if (vt_vlist(op, "dimensions", d, CAP, &n)) {
        if ((int)n != x->rank) return vt_vfail(m, op, err, "dimensions must be [0, ..., %d]", x->rank - 1);
        for (size_t i = 0; i < n; i++)
            if (d[i] != (int64_t)i) return vt_vfail(m, op, err, "dimensions must be [0, ..., %d]", x->rank - 1);
    }
    if (op->nregions != 1 || op->regions[0]->nblocks != 1 || op->regions[0]->blocks[0]->nargs != op->noperands)
        return vt_vfail(m, op, err, "computation must take %zu scalar arguments", op->noperands);
    if (!vt_vsame_shape(op->results[0].type, x)) return vt_vfail(m, op, err, "result and inputs must have the same shape");
    return VT_OK;
}

static vt_status v_quantize(const vt_module *m, const vt_op *op, vt_error *err) {
    const vt_type *x = op->operands[0]->type, *r = op->results[0].type;
    if (!vt_vsame_shape(x, r)) return vt_vfail(m, op, err, "result and operand must have the same shape");
    if (op->code == VT_OP_UNIFORM_QUANTIZE && !r->quant) return vt_vfail(m, op, err, "result must have a quantized element type");
    if (op->code == VT_OP_UNIFORM_DEQUANTIZE) {
        if (!x->quant) return vt_vfail(m, op, err, "operand must have a quantized element type");
        if (r->quant || r->dtype != x->quant->expressed)
            return vt_vfail(m, op, err, "result element type must be the operand's expressed type %s", vt_dtype_name(x->quant->expressed));
    }
    return VT_OK;
}

vt_status vt_verify_misc_ops(const vt_module *m, const vt_op *op, vt_error *err) {
    if (op->nresults < 1 || !vt_type_is_tensor(op->results[0].type)) return VT_OK;
    for (size_t i = 0; i < op->noperands; i++)
        if (!vt_type_is_tensor(op->operands[i]->type)) return VT_OK;
    switch (op->code) {
    case VT_OP_CHOLESKY: return v_cholesky(m, op, err);
    case VT_OP_TRIANGULAR_SOLVE: return v_triangular_solve(m, op, err);
    case VT_OP_FFT: return v_fft(m, op, err);
    case VT_OP_REDUCE_WINDOW: return v_reduce_window(m, op, err);
    case VT_OP_MAP: return v_map(m, op, err);
    case VT_OP_CONVOLUTION:
    case VT_OP_DYNAMIC_CONV: return v_convolution(m, op, err);
    case VT_OP_UNIFORM_QUANTIZE:
    case VT_OP_UNIFORM_DEQUANTIZE: return v_quantize(m, op, err);
    case VT_OP_SELECT_AND_SCATTER: return v_select_and_scatter(m, op, err);
    case VT_OP_RNG_BIT_GENERATOR: return v_rng_bit_generator(m, op, err);
    case VT_OP_CHLO_TOP_K: return v_top_k(m, op, err);
    case VT_OP_BATCH_NORM_INFERENCE:
    case VT_OP_BATCH_NORM_TRAINING:
    case VT_OP_BATCH_NORM_GRAD: return v_batch_norm(m, op, err);
    case VT_OP_ALL_GATHER:
    case VT_OP_ALL_TO_ALL:
    case VT_OP_REDUCE_SCATTER:
    case VT_OP_ALL_REDUCE:
    case VT_OP_COLLECTIVE_PERMUTE:
    case VT_OP_COLLECTIVE_BROADCAST: return v_collective(m, op, err);
    default: return VT_OK;
    }
}
