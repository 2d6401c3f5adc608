/* convolution in the spec's general form via im2col + GEMM: operands are packed as
 * [batch, spatial..., feature] and [kernel spatial..., in, out]; each task (output batch, group,
 * block of output positions; a fixed partition) builds its patch matrix and runs one GEMM. */
#include "interp/k_dot.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "interp/blas.h"
#include "interp/k_shape.h"

void vt_conv_params_init(vt_conv_params *p, int ns) {
    memset(p, 0, sizeof *p);
    p->nspatial = ns;
    for (int i = 0; i < VT_MAX_RANK; i++) p->window_strides[i] = p->lhs_dilation[i] = p->rhs_dilation[i] = 1;
    p->feature_group_count = p->batch_group_count = 1;
}

static vt_status unique_dims(const char *what, int rank, const int64_t *d, int n, vt_error *err) {
    bool used[VT_MAX_RANK] = {false};
    for (int i = 0; i < n; i++) {
        if (d[i] < 0 || d[i] >= rank || used[d[i]])
            return vt_error_set(err, VT_EINPUT, "convolution: %s dimension %lld is out of range for rank %d or repeated",
                                what, (long long)d[i], rank);
        used[d[i]] = true;
    }
    return VT_OK;
}

vt_status vt_k_convolution_shape(const vt_tensor *lhs, const vt_tensor *rhs, const vt_conv_params *p, int64_t *dims,
                                 vt_error *err) {
    vt_status s;
    if (!lhs || !rhs || !p) return vt_error_set(err, VT_EINPUT, "convolution: missing operand or parameters");
    int R = lhs->rank, ns = p->nspatial;
    if (R < 2 || R > VT_MAX_RANK || rhs->rank != R || ns != R - 2)
        return vt_error_set(err, VT_EINPUT, "convolution: lhs rank %d, rhs rank %d and %d spatial dimensions disagree", R,
                            rhs->rank, ns);
    int64_t in[VT_MAX_RANK], kd[VT_MAX_RANK], od[VT_MAX_RANK];
    in[0] = p->input_batch_dim, kd[0] = p->kernel_input_feature_dim, od[0] = p->output_batch_dim;
    in[1] = p->input_feature_dim, kd[1] = p->kernel_output_feature_dim, od[1] = p->output_feature_dim;
    for (int i = 0; i < ns; i++)
        in[2 + i] = p->input_spatial_dims[i], kd[2 + i] = p->kernel_spatial_dims[i], od[2 + i] = p->output_spatial_dims[i];
    if ((s = unique_dims("input", R, in, R, err)) || (s = unique_dims("kernel", R, kd, R, err)) ||
        (s = unique_dims("output", R, od, R, err)))
        return s;
    int64_t G = p->feature_group_count, BG = p->batch_group_count;
    int64_t N = lhs->dims[p->input_batch_dim], C = lhs->dims[p->input_feature_dim];
    int64_t I = rhs->dims[p->kernel_input_feature_dim], O = rhs->dims[p->kernel_output_feature_dim];
    if (G < 1 || BG < 1 || (G > 1 && BG > 1))
        return vt_error_set(err, VT_EINPUT, "convolution: feature_group_count %lld and batch_group_count %lld must be "
                            "positive and not both > 1", (long long)G, (long long)BG);
    if (C % G != 0 || I != C / G)
        return vt_error_set(err, VT_EINPUT, "convolution: input features %lld / feature_group_count %lld must equal kernel "
                            "input features %lld", (long long)C, (long long)G, (long long)I);
    if (N % BG != 0 || O % BG != 0 || O % G != 0)
        return vt_error_set(err, VT_EINPUT, "convolution: batch %lld and output features %lld must divide by the group "
                            "counts (%lld, %lld)", (long long)N, (long long)O, (long long)G, (long long)BG);
    dims[p->output_batch_dim] = N / BG;
    dims[p->output_feature_dim] = O;
    for (int i = 0; i < ns; i++) {
        int64_t st = p->window_strides[i], ld = p->lhs_dilation[i], rd = p->rhs_dilation[i];
        if (st < 1 || ld < 1 || rd < 1)
            return vt_error_set(err, VT_EINPUT, "convolution: spatial dimension %d: window_strides (%lld), lhs_dilation "
                                "(%lld) and rhs_dilation (%lld) must be positive", i, (long long)st, (long long)ld, (long long)rd);
        int64_t S = lhs->dims[p->input_spatial_dims[i]], KS = rhs->dims[p->kernel_spatial_dims[i]], dil, pad, win;
        if (__builtin_mul_overflow(S > 0 ? S - 1 : 0, ld, &dil) || __builtin_add_overflow(dil, S > 0, &dil) ||
            __builtin_add_overflow(dil, p->padding[i][0], &pad) || __builtin_add_overflow(pad, p->padding[i][1], &pad) ||
            __builtin_mul_overflow(KS > 0 ? KS - 1 : 0, rd, &win) || __builtin_add_overflow(win, KS > 0, &win))
            return vt_error_set(err, VT_EINPUT, "convolution: spatial dimension %d: padding/dilation overflow", i);
        /* bounds that keep every window coordinate the kernel computes inside int64 */
        const int64_t lim = (int64_t)1 << 61;
        if (p->padding[i][0] > lim || p->padding[i][0] < -lim || p->padding[i][1] > lim || p->padding[i][1] < -lim ||
            dil > 2 * lim || win > 2 * lim || pad > 2 * lim)
            return vt_error_set(err, VT_EINPUT, "convolution: spatial dimension %d: padding/dilation overflow (sizes "
                                "beyond 2^62 are not supported)", i);
        dims[p->output_spatial_dims[i]] = (pad <= 0 || win > pad) ? 0 : (pad - win) / st + 1;
    }
    return VT_OK;
}

typedef struct conv_job {
    const vt_conv_params *p;
    int ns;
    vt_compute c;
    size_t es;
    const char *lp, *rp; /* packed [N, S..., C] and [KS..., I, O] */
    char *op;            /* packed [Nout, OS..., O] */
    int64_t N, C, I, O, Nout, G, BG, ng, Og;
    int64_t S[VT_MAX_RANK], KS[VT_MAX_RANK], OS[VT_MAX_RANK];
    size_t npos, nks, Kc, rows, nchunks;
    atomic_int failed;
} conv_job;

static void conv_task(void *ctx, size_t t) {
    conv_job *j = ctx;
    const vt_conv_params *p = j->p;
    size_t chunk = t % j->nchunks, g = (t / j->nchunks) % (size_t)j->ng, n = t / j->nchunks / (size_t)j->ng;
    size_t pos0 = chunk * j->rows, rows = j->npos - pos0 < j->rows ? j->npos - pos0 : j->rows;
    size_t es = j->es, Cg = (size_t)j->I;
    char *col = malloc(rows * j->Kc * es + 1);
    if (!col) {
        atomic_store(&j->failed, 1);
        return;
    }
    size_t nl = j->BG > 1 ? g * (size_t)j->Nout + n : n, foff = j->G > 1 ? g * Cg : 0;
    /* row-major strides of the packed lhs spatial dims, in elements */
    size_t sst[VT_MAX_RANK], acc = (size_t)j->C;
    for (int i = j->ns - 1; i >= 0; i--) sst[i] = acc, acc *= (size_t)j->S[i];
    const char *lbase = j->lp + nl * acc * es;
    for (size_t r = 0; r < rows; r++) {
        int64_t oidx[VT_MAX_RANK];
        size_t q = pos0 + r;
        for (int i = j->ns - 1; i >= 0; i--) oidx[i] = (int64_t)(q % (size_t)j->OS[i]), q /= (size_t)j->OS[i];
        for (size_t kk = 0; kk < j->nks; kk++) {
            size_t rem = kk, off = 0;
            bool valid = true;
            for (int i = j->ns - 1; i >= 0; i--) {
                int64_t kdi = (int64_t)(rem % (size_t)j->KS[i]);
                rem /= (size_t)j->KS[i];
                if (p->window_reversal[i]) kdi = j->KS[i] - 1 - kdi;
                int64_t u = oidx[i] * p->window_strides[i] + kdi * p->rhs_dilation[i] - p->padding[i][0];
                int64_t ld = p->lhs_dilation[i];
                if (u < 0 || u % ld != 0 || u / ld >= j->S[i]) {
                    valid = false;
                    break;
                }
                off += (size_t)(u / ld) * sst[i];
            }
            char *dst = col + (r * j->Kc + kk * Cg) * es;
            if (valid) memcpy(dst, lbase + (off + foff) * es, Cg * es);
            else memset(dst, 0, Cg * es);
        }
    }
    static const vt_gemm_kind kinds[] = {VT_GEMM_F32, VT_GEMM_F64, VT_GEMM_C64, VT_GEMM_C128, VT_GEMM_U64};
    vt_gemm_desc gd = {kinds[j->c], false, false, rows, (size_t)j->Og, j->Kc,
                       col, j->rp + g * (size_t)j->Og * es, j->op + ((n * j->npos + pos0) * (size_t)j->O + g * (size_t)j->Og) * es,
                       j->Kc, (size_t)j->O, (size_t)j->O, 1, NULL, NULL, 0};
    vt_gemm_one(&gd);
    free(col);
}

/* Packs t (dims permuted by axes[0..rank)) row-major into compute type c. */
static void *pack_compute(vt_kctx *kc, const vt_tensor *t, const int64_t *axes, vt_compute c, vt_error *err) {
    int64_t st[VT_MAX_RANK], dims[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(t->rank, t->dims, st);
    for (int i = 0; i < t->rank; i++) dims[i] = t->dims[axes[i]], ss[i] = st[axes[i]];
    vt_k_row_major_strides(t->rank, dims, ds);
    size_t es = vt_dtype_size(t->dtype);
    void *tmp = vt_k_scratch(kc, t->nelem, es, "convolution: packing an operand", err);
    void *out = tmp ? vt_k_scratch(kc, t->nelem, vt_k_compute_size(c), "convolution: converting an operand", err) : NULL;
    if (!out) {
        free(tmp);
        return NULL;
    }
    if (t->nelem) vt_k_strided_copy(t->rank, dims, es, t->data, ss, tmp, ds);
    vt_k_to_compute(c, t->dtype, tmp, out, t->nelem);
    free(tmp);
    return out;
}

vt_status vt_k_convolution(vt_kctx *kc, const vt_tensor *lhs, const vt_tensor *rhs, const vt_conv_params *p,
                           vt_tensor *res, vt_error *err) {
    int64_t dims[VT_MAX_RANK];
    vt_status s = vt_k_convolution_shape(lhs, rhs, p, dims, err);
    if (s) return s;
    if ((vt_dtype_is_int(lhs->dtype) || lhs->dtype == VT_I1) != (vt_dtype_is_int(rhs->dtype) || rhs->dtype == VT_I1))
        return vt_error_set(err, VT_EINPUT, "convolution: lhs %s and rhs %s mix integer and floating-point types",
                            vt_dtype_name(lhs->dtype), vt_dtype_name(rhs->dtype));
    int R = lhs->rank, ns = R - 2;
    bool ok = res && res->rank == R && vt_dtype_size(res->dtype);
    for (int i = 0; ok && i < R; i++) ok = res->dims[i] == dims[i];
    if (!ok) {
        char have[128] = "(null)";
        if (res) vt_tensor_type_str(res, have, sizeof have);
        return vt_error_set(err, VT_EINPUT, "convolution: result %s does not have the shape the attributes give", have);
    }
    conv_job j;
    memset(&j, 0, sizeof j);
    j.p = p, j.ns = ns;
    j.c = vt_k_compute_type(lhs->dtype, rhs->dtype, res->dtype);
    j.es = vt_k_compute_size(j.c);
    j.N = lhs->dims[p->input_batch_dim], j.C = lhs->dims[p->input_feature_dim];
    j.I = rhs->dims[p->kernel_input_feature_dim], j.O = rhs->dims[p->kernel_output_feature_dim];
    j.G = p->feature_group_count, j.BG = p->batch_group_count, j.ng = j.G * j.BG, j.Og = j.O / j.ng;
    j.Nout = dims[p->output_batch_dim];
    j.npos = 1, j.nks = 1;
    for (int i = 0; i < ns; i++) {
        j.S[i] = lhs->dims[p->input_spatial_dims[i]];
        j.KS[i] = rhs->dims[p->kernel_spatial_dims[i]];
        j.OS[i] = dims[p->output_spatial_dims[i]];
        j.npos *= (size_t)j.OS[i];
        j.nks *= (size_t)j.KS[i];
    }
    j.Kc = j.nks * (size_t)j.I;
    uint64_t macs;
    if (!vt_mul_u64(res->nelem, j.Kc, &macs) || !vt_add_u64(macs, res->nelem, &macs))
        return vt_error_set(err, VT_ELIMIT, "convolution: %zu outputs x %zu taps overflow the work counter", res->nelem, j.Kc);
    if ((s = vt_kctx_charge(kc, macs, err))) {
        vt_error_prefix(err, "convolution");
        return s;
    }
    if (res->nelem == 0) return VT_OK;
    int64_t la[VT_MAX_RANK], ra[VT_MAX_RANK];
    la[0] = p->input_batch_dim, la[R - 1] = p->input_feature_dim;
    for (int i = 0; i < ns; i++) la[1 + i] = p->input_spatial_dims[i], ra[i] = p->kernel_spatial_dims[i];
    ra[ns] = p->kernel_input_feature_dim, ra[ns + 1] = p->kernel_output_feature_dim;
    void *lp = NULL, *rp = NULL, *op = NULL, *ob = NULL;
    if (!(lp = pack_compute(kc, lhs, la, j.c, err)) || !(rp = pack_compute(kc, rhs, ra, j.c, err)) ||
        !(op = vt_k_scratch(kc, res->nelem, j.es, "convolution: result", err))) {
        s = err ? err->code : VT_ENOMEM;
        goto out;
    }
    j.lp = lp, j.rp = rp, j.op = op;
    /* a fixed block of output positions per task (about 2 MiB of patches), never thread-dependent */
    j.rows = j.Kc ? ((size_t)1 << 21) / (j.Kc * j.es) : j.npos;
    if (j.rows < 16) j.rows = 16;
    if (j.rows > j.npos) j.rows = j.npos;
    j.nchunks = (j.npos + j.rows - 1) / j.rows;
    atomic_init(&j.failed, 0);
    int threads = kc && kc->threads > 0 && macs >= ((uint64_t)1 << 22) ? kc->threads : 1; /* never changes results */
    vt_parallel_for(threads, (size_t)j.Nout * (size_t)j.ng * j.nchunks, conv_task, &j);
    if (atomic_load(&j.failed)) {
        s = vt_error_set(err, VT_ENOMEM, "convolution: out of memory for patch matrices");
        goto out;
    }
    /* packed [Nout, OS..., O] -> the result's dimension order, then the result type */
    int64_t pst[VT_MAX_RANK], pdims[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    pdims[0] = j.Nout, pdims[R - 1] = j.O;
    for (int i = 0; i < ns; i++) pdims[1 + i] = j.OS[i];
    vt_k_row_major_strides(R, pdims, pst);
    ss[p->output_batch_dim] = pst[0], ss[p->output_feature_dim] = pst[R - 1];
    for (int i = 0; i < ns; i++) ss[p->output_spatial_dims[i]] = pst[1 + i];
    vt_k_row_major_strides(R, res->dims, ds);
    ob = vt_k_scratch(kc, res->nelem, j.es, "convolution: result", err);
    if (!ob) {
        s = err ? err->code : VT_ENOMEM;
        goto out;
    }
    vt_k_strided_copy(R, res->dims, j.es, op, ss, ob, ds);
    bool sgn = vt_dtype_kind_of(lhs->dtype) == VT_KIND_SINT || vt_dtype_kind_of(rhs->dtype) == VT_KIND_SINT;
    vt_k_from_compute(j.c, res->dtype, sgn, ob, res->data, res->nelem);
out:
    free(lp), free(rp), free(op), free(ob);
    return s;
}
