/* dot_general: checks dimension numbers, folds operand layouts into BLAS transposes when they
 * fit (else packs them), converts to the compute type, runs the partitioned GEMM (blas.c) and
 * rounds once into the result type. Also the dot_algorithm rules and compute-type choice. */
#include "interp/k_dot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp/blas.h"
#include "interp/k_shape.h"

/* ---- compute types -------------------------------------------------------------------------- */

static bool is_intlike(vt_dtype t) { return vt_dtype_is_int(t) || t == VT_I1; }
static bool wide_int(vt_dtype t) { return is_intlike(t) && vt_dtype_bits(t) > 24; }

vt_compute vt_k_compute_type(vt_dtype a, vt_dtype b, vt_dtype r) {
    bool f64 = a == VT_F64 || b == VT_F64 || r == VT_F64 || a == VT_C128 || b == VT_C128 || r == VT_C128;
    if (vt_dtype_is_complex(a) || vt_dtype_is_complex(b) || vt_dtype_is_complex(r)) return f64 ? VT_COMPUTE_C128 : VT_COMPUTE_C64;
    if (is_intlike(a) && is_intlike(b)) return VT_COMPUTE_INT;
    /* integers wider than f32's 24-bit significand would not convert exactly */
    if (f64 || wide_int(a) || wide_int(b)) return VT_COMPUTE_F64;
    return VT_COMPUTE_F32;
}

size_t vt_k_compute_size(vt_compute c) {
    switch (c) {
    case VT_COMPUTE_F32: return 4;
    case VT_COMPUTE_C128: return 16;
    default: return 8;
    }
}

void vt_k_to_compute(vt_compute c, vt_dtype t, const void *src, void *dst, size_t n) {
    switch (c) {
    case VT_COMPUTE_F32: vt_k_to_f32(t, src, dst, n); break;
    case VT_COMPUTE_F64: vt_k_to_f64(t, src, dst, n); break;
    case VT_COMPUTE_C64: vt_k_to_c64(t, src, dst, n); break;
    case VT_COMPUTE_C128: vt_k_to_c128(t, src, dst, n); break;
    case VT_COMPUTE_INT: vt_k_to_u64(t, src, dst, n); break;
    }
}

void vt_k_from_compute(vt_compute c, vt_dtype t, bool is_signed, const void *src, void *dst, size_t n) {
    switch (c) {
    case VT_COMPUTE_F32: vt_k_from_f32(t, src, dst, n); break;
    case VT_COMPUTE_F64: vt_k_from_f64(t, src, dst, n); break;
    case VT_COMPUTE_C64: vt_k_from_c64(t, src, dst, n); break;
    case VT_COMPUTE_C128: vt_k_from_c128(t, src, dst, n); break;
    case VT_COMPUTE_INT: vt_k_from_u64(t, src, is_signed, dst, n); break;
    }
}

static vt_gemm_kind gemm_kind(vt_compute c) {
    switch (c) {
    case VT_COMPUTE_F32: return VT_GEMM_F32;
    case VT_COMPUTE_F64: return VT_GEMM_F64;
    case VT_COMPUTE_C64: return VT_GEMM_C64;
    case VT_COMPUTE_C128: return VT_GEMM_C128;
    default: return VT_GEMM_U64;
    }
}

/* The storage type that equals a compute type (so BLAS can read/write tensors in place). */
static vt_dtype compute_dtype(vt_compute c) {
    switch (c) {
    case VT_COMPUTE_F32: return VT_F32;
    case VT_COMPUTE_F64: return VT_F64;
    case VT_COMPUTE_C64: return VT_C64;
    case VT_COMPUTE_C128: return VT_C128;
    default: return VT_DTYPE_INVALID;
    }
}

/* ---- dot_algorithm ---------------------------------------------------------------------------- */

typedef enum { P_NONE, P_F32, P_TF32, P_BF16, P_F16, P_F64, P_OTHER } prec_t;

static prec_t prec_of(const char *s) {
    if (!s) return P_OTHER;
    if (!strcmp(s, "f32")) return P_F32;
    if (!strcmp(s, "tf32")) return P_TF32;
    if (!strcmp(s, "bf16")) return P_BF16;
    if (!strcmp(s, "f16")) return P_F16;
    if (!strcmp(s, "f64")) return P_F64;
    return P_OTHER;
}

void vt_dot_algorithm_describe(const vt_dot_algorithm *a, char *out, size_t n) {
    snprintf(out, n, "lhs_precision_type=%s rhs_precision_type=%s accumulation_type=%s components=%lldx%lld "
             "num_primitive_operations=%lld allow_imprecise_accumulation=%s",
             a->lhs_precision_type ? a->lhs_precision_type : "?", a->rhs_precision_type ? a->rhs_precision_type : "?",
             a->accumulation_type ? a->accumulation_type : "?", (long long)a->lhs_component_count,
             (long long)a->rhs_component_count, (long long)a->num_primitive_operations,
             a->allow_imprecise_accumulation ? "true" : "false");
}

static vt_status algo_plan(const vt_dot_algorithm *al, vt_dtype lt, vt_dtype rt, vt_compute *c, prec_t *lp, prec_t *rp,
                           vt_error *err) {
    prec_t l = prec_of(al->lhs_precision_type), r = prec_of(al->rhs_precision_type), acc = prec_of(al->accumulation_type);
    bool single = al->lhs_component_count == 1 && al->rhs_component_count == 1 && al->num_primitive_operations == 1;
    bool f32ok = acc == P_F32 && l != P_F64 && l != P_OTHER && r != P_F64 && r != P_OTHER;
    bool f64ok = acc == P_F64 && l == P_F64 && r == P_F64;
    bool cplx = vt_dtype_is_complex(lt) || vt_dtype_is_complex(rt);
    /* complex operands: only the algorithms that restate their own precision mean anything */
    bool cok = !cplx || (f32ok && l == P_F32 && r == P_F32 && lt == VT_C64 && rt == VT_C64) ||
               (f64ok && lt == VT_C128 && rt == VT_C128);
    if (!single || !(f32ok || f64ok) || !cok) {
        char d[256];
        vt_dot_algorithm_describe(al, d, sizeof d);
        return vt_error_set(err, VT_EUNSUPPORTED,
                            "not supported: dot_general algorithm <%s> on %s x %s (veritor computes exactly the "
                            "single-pass algorithms: inputs rounded to tf32/bf16/f16/f32 with f32 accumulation, or f64)",
                            d, vt_dtype_name(lt), vt_dtype_name(rt));
    }
    *c = cplx ? (f64ok ? VT_COMPUTE_C128 : VT_COMPUTE_C64) : f64ok ? VT_COMPUTE_F64 : VT_COMPUTE_F32;
    *lp = cplx ? P_NONE : l, *rp = cplx ? P_NONE : r;
    return VT_OK;
}

/* Converts n elements of t into f32 (or f64) rounded once to precision p (from the exact f64
 * value, so f64 operands are not rounded twice). */
static void to_precision(vt_compute c, prec_t p, vt_dtype t, const void *src, void *dst, size_t n) {
    double buf[512];
    uint16_t h[512];
    size_t es = vt_dtype_size(t);
    for (size_t i = 0; i < n; i += 512) {
        size_t m = n - i < 512 ? n - i : 512;
        vt_k_to_f64(t, (const char *)src + es * i, buf, m);
        if (c == VT_COMPUTE_F64) {
            memcpy((double *)dst + i, buf, m * 8);
            continue;
        }
        float *d = (float *)dst + i;
        switch (p) {
        case P_TF32: for (size_t j = 0; j < m; j++) d[j] = (float)vt_k_round_to_tf32(buf[j]); break;
        case P_BF16: vt_k_from_f64(VT_BF16, buf, h, m); vt_k_to_f32(VT_BF16, h, d, m); break;
        case P_F16: vt_k_from_f64(VT_F16, buf, h, m); vt_k_to_f32(VT_F16, h, d, m); break;
        default: for (size_t j = 0; j < m; j++) d[j] = (float)buf[j]; break;
        }
    }
}

/* ---- dimension numbers --------------------------------------------------------------------- */

typedef struct side {
    int nb, nf, nc;
    int64_t b[VT_MAX_RANK], f[VT_MAX_RANK], c[VT_MAX_RANK];
    size_t B, F, C; /* products */
} side;

static vt_status build_side(const char *which, const vt_tensor *t, int nb, const int64_t *bd, int nc, const int64_t *cd,
                            side *s, vt_error *err) {
    bool used[VT_MAX_RANK] = {false};
    if (nb < 0 || nc < 0 || nb + nc > t->rank)
        return vt_error_set(err, VT_EINPUT, "dot_general: %s has %d batching + %d contracting dimensions but rank %d", which,
                            nb, nc, t->rank);
    s->nb = nb, s->nc = nc, s->nf = 0;
    s->B = s->F = s->C = 1;
    for (int i = 0; i < nb + nc; i++) {
        int64_t d = i < nb ? bd[i] : cd[i - nb];
        const char *kind = i < nb ? "batching" : "contracting";
        int idx = i < nb ? i : i - nb;
        if (d < 0 || d >= t->rank)
            return vt_error_set(err, VT_EINPUT, "dot_general: %s_%s_dimensions[%d] = %lld out of range for rank %d", which,
                                kind, idx, (long long)d, t->rank);
        if (used[d])
            return vt_error_set(err, VT_EINPUT, "dot_general: %s dimension %lld is used twice in the dimension numbers",
                                which, (long long)d);
        used[d] = true;
        if (i < nb) s->b[i] = d, s->B *= (size_t)t->dims[d];
        else s->c[i - nb] = d, s->C *= (size_t)t->dims[d];
    }
    for (int d = 0; d < t->rank; d++)
        if (!used[d]) s->f[s->nf++] = d, s->F *= (size_t)t->dims[d];
    return VT_OK;
}

static vt_status check_dot(const vt_tensor *l, const vt_tensor *r, const vt_dot_params *p, side *ls, side *rs,
                           int *rank, int64_t *dims, vt_error *err) {
    vt_status s;
    if (!l || !r || !p) return vt_error_set(err, VT_EINPUT, "dot_general: missing operand or parameters");
    if (l->rank < 0 || l->rank > VT_MAX_RANK || r->rank < 0 || r->rank > VT_MAX_RANK || !vt_dtype_size(l->dtype) ||
        !vt_dtype_size(r->dtype))
        return vt_error_set(err, VT_EINPUT, "dot_general: operand with an invalid type");
    if (p->nbatch < 0 || p->nbatch > VT_MAX_RANK || p->ncontract < 0 || p->ncontract > VT_MAX_RANK)
        return vt_error_set(err, VT_EINPUT, "dot_general: invalid number of batching/contracting dimensions");
    if ((s = build_side("lhs", l, p->nbatch, p->lhs_batch, p->ncontract, p->lhs_contract, ls, err))) return s;
    if ((s = build_side("rhs", r, p->nbatch, p->rhs_batch, p->ncontract, p->rhs_contract, rs, err))) return s;
    for (int i = 0; i < p->nbatch; i++)
        if (l->dims[p->lhs_batch[i]] != r->dims[p->rhs_batch[i]])
            return vt_error_set(err, VT_EINPUT, "dot_general: batching dimension pair %d has sizes %lld (lhs) and %lld (rhs)",
                                i, (long long)l->dims[p->lhs_batch[i]], (long long)r->dims[p->rhs_batch[i]]);
    for (int i = 0; i < p->ncontract; i++)
        if (l->dims[p->lhs_contract[i]] != r->dims[p->rhs_contract[i]])
            return vt_error_set(err, VT_EINPUT,
                                "dot_general: contracting dimension pair %d has sizes %lld (lhs) and %lld (rhs)", i,
                                (long long)l->dims[p->lhs_contract[i]], (long long)r->dims[p->rhs_contract[i]]);
    int n = 0;
    for (int i = 0; i < ls->nb; i++) dims[n++] = l->dims[ls->b[i]];
    for (int i = 0; i < ls->nf; i++) dims[n++] = l->dims[ls->f[i]];
    for (int i = 0; i < rs->nf; i++) dims[n++] = r->dims[rs->f[i]];
    if (n > VT_MAX_RANK) return vt_error_set(err, VT_EINPUT, "dot_general: result rank %d exceeds %d", n, VT_MAX_RANK);
    *rank = n;
    return VT_OK;
}

vt_status vt_k_dot_general_shape(const vt_tensor *l, const vt_tensor *r, const vt_dot_params *p, int *rank,
                                 int64_t *dims, vt_error *err) {
    side ls, rs;
    int64_t tmp[2 * VT_MAX_RANK];
    vt_status s = check_dot(l, r, p, &ls, &rs, rank, tmp, err);
    if (!s) memcpy(dims, tmp, sizeof(int64_t) * (size_t)*rank);
    return s;
}

/* ---- layouts -------------------------------------------------------------------------------- */

/* Whether axes ax[0..n) (outer to inner) walk memory as one flat index; *stride gets the
 * stride of that index (0 when every axis has size 1). */
static bool flat_group(const vt_tensor *t, const int64_t *st, const int64_t *ax, int n, int64_t *stride) {
    int64_t prev = -1, prev_dim = 1;
    *stride = 0;
    for (int i = 0; i < n; i++) {
        int64_t d = t->dims[ax[i]];
        if (d == 1) continue;
        if (prev >= 0 && st[prev] != st[ax[i]] * d) return false;
        prev = ax[i], prev_dim = d;
        *stride = st[ax[i]];
    }
    (void)prev_dim;
    return true;
}

/* How one operand enters GEMM: in place (possibly transposed) or packed row-major as [B, X, K]
 * (lhs: X = M; rhs packed as [B, K, N]). */
typedef struct operand_plan {
    bool in_place_layout; /* the tensor's own layout fits; else pack */
    bool trans;
    size_t ld;
} operand_plan;

static void plan_operand(const vt_tensor *t, const side *s, bool is_rhs, operand_plan *op) {
    int64_t st[VT_MAX_RANK], fs, cs;
    vt_k_row_major_strides(t->rank, t->dims, st);
    op->in_place_layout = false;
    if (!flat_group(t, st, s->f, s->nf, &fs) || !flat_group(t, st, s->c, s->nc, &cs)) return;
    /* lhs is M x K: no-trans wants K unit-stride; rhs is K x N: no-trans wants N unit-stride */
    bool f_unit = s->F <= 1 || fs == 1, c_unit = s->C <= 1 || cs == 1;
    bool notrans = is_rhs ? f_unit : c_unit;
    bool trans = is_rhs ? c_unit : f_unit;
    if (notrans) {
        op->trans = false;
        op->ld = (size_t)(is_rhs ? (s->C <= 1 ? (int64_t)s->F : cs) : (s->F <= 1 ? (int64_t)s->C : fs));
    } else if (trans) {
        op->trans = true;
        op->ld = (size_t)(is_rhs ? (s->F <= 1 ? (int64_t)s->C : fs) : (s->C <= 1 ? (int64_t)s->F : cs));
    } else {
        return;
    }
    if (op->ld == 0) op->ld = 1;
    op->in_place_layout = true;
}

/* Per-batch element offsets of the batch axes (in the listed order). */
static void batch_offsets(const vt_tensor *t, const side *s, size_t *off) {
    int64_t st[VT_MAX_RANK], idx[VT_MAX_RANK] = {0};
    vt_k_row_major_strides(t->rank, t->dims, st);
    size_t o = 0;
    for (size_t b = 0; b < s->B; b++) {
        off[b] = o;
        for (int k = s->nb - 1; k >= 0; k--) {
            int64_t ax = s->b[k];
            o += (size_t)st[ax];
            if (++idx[k] < t->dims[ax]) break;
            o -= (size_t)(st[ax] * t->dims[ax]);
            idx[k] = 0;
        }
    }
}

/* Packs an operand row-major as [batch..., first..., second...] in its own element type. */
static void pack(const vt_tensor *t, const int64_t *b, int nb, const int64_t *x, int nx, const int64_t *y, int ny,
                 void *dst) {
    int64_t st[VT_MAX_RANK], dims[VT_MAX_RANK], ss[VT_MAX_RANK], ds[VT_MAX_RANK];
    vt_k_row_major_strides(t->rank, t->dims, st);
    int n = 0;
    for (int i = 0; i < nb; i++) dims[n] = t->dims[b[i]], ss[n++] = st[b[i]];
    for (int i = 0; i < nx; i++) dims[n] = t->dims[x[i]], ss[n++] = st[x[i]];
    for (int i = 0; i < ny; i++) dims[n] = t->dims[y[i]], ss[n++] = st[y[i]];
    vt_k_row_major_strides(n, dims, ds);
    vt_k_strided_copy(n, dims, vt_dtype_size(t->dtype), t->data, ss, dst, ds);
}

/* Element conversions split into fixed chunks over threads (pure per-element maps, so the
 * split cannot change a bit). dir: 0 to compute type, 1 to a precision type, 2 from compute. */
typedef struct conv_job {
    int dir;
    vt_compute c;
    prec_t prec;
    vt_dtype t;
    bool sgn;
    const char *src;
    char *dst;
    size_t n, ses, des;
} conv_job;

#define CONV_CHUNK ((size_t)1 << 16)

static void conv_task(void *ctx, size_t task) {
    const conv_job *j = ctx;
    size_t lo = task * CONV_CHUNK, m = j->n - lo < CONV_CHUNK ? j->n - lo : CONV_CHUNK;
    const char *s = j->src + lo * j->ses;
    char *d = j->dst + lo * j->des;
    if (j->dir == 0) vt_k_to_compute(j->c, j->t, s, d, m);
    else if (j->dir == 1) to_precision(j->c, j->prec, j->t, s, d, m);
    else vt_k_from_compute(j->c, j->t, j->sgn, s, d, m);
}

static void convert_par(vt_kctx *kc, int dir, vt_compute c, prec_t prec, vt_dtype t, bool sgn, const void *src,
                        void *dst, size_t n) {
    size_t cs = vt_k_compute_size(c), ts = vt_dtype_size(t);
    conv_job j = {dir, c, prec, t, sgn, src, dst, n, dir == 2 ? cs : ts, dir == 2 ? ts : cs};
    int threads = kc && kc->threads > 1 && n >= 4 * CONV_CHUNK ? kc->threads : 1;
    vt_parallel_for(threads, (n + CONV_CHUNK - 1) / CONV_CHUNK, conv_task, &j);
}

/* Prepares one operand as compute-type data; *buf is what to free. */
static vt_status prepare(vt_kctx *kc, const vt_tensor *t, const side *s, bool is_rhs, vt_compute c, prec_t prec,
                         operand_plan *op, const void **data, void **buf, vt_error *err) {
    *buf = NULL;
    plan_operand(t, s, is_rhs, op);
    bool same_type = prec == P_NONE && t->dtype == compute_dtype(c);
    if (op->in_place_layout && same_type) {
        *data = t->data;
        return VT_OK;
    }
    const void *src = t->data;
    void *packed = NULL;
    if (!op->in_place_layout) {
        packed = vt_k_scratch(kc, t->nelem, vt_dtype_size(t->dtype), "dot_general: packing an operand", err);
        if (!packed) return err ? err->code : VT_ENOMEM;
        if (is_rhs) pack(t, s->b, s->nb, s->c, s->nc, s->f, s->nf, packed);
        else pack(t, s->b, s->nb, s->f, s->nf, s->c, s->nc, packed);
        src = packed;
        op->trans = false;
        op->ld = is_rhs ? (s->F ? s->F : 1) : (s->C ? s->C : 1);
    }
    if (same_type) {
        *data = *buf = packed;
        return VT_OK;
    }
    void *conv = vt_k_scratch(kc, t->nelem, vt_k_compute_size(c), "dot_general: converting an operand", err);
    if (!conv) {
        free(packed);
        return err ? err->code : VT_ENOMEM;
    }
    convert_par(kc, prec != P_NONE ? 1 : 0, c, prec, t->dtype, false, src, conv, t->nelem);
    free(packed);
    *data = *buf = conv;
    return VT_OK;
}

vt_status vt_k_dot_general(vt_kctx *kc, const vt_tensor *l, const vt_tensor *r, const vt_dot_params *p, vt_tensor *res,
                           vt_error *err) {
    side ls, rs;
    int rank = 0;
    int64_t dims[2 * VT_MAX_RANK];
    vt_status s = check_dot(l, r, p, &ls, &rs, &rank, dims, err);
    if (s) return s;
    bool ok = res && res->rank == rank && vt_dtype_size(res->dtype);
    for (int i = 0; ok && i < rank; i++) ok = res->dims[i] == dims[i];
    if (!ok) {
        char have[128] = "(null)";
        if (res) vt_tensor_type_str(res, have, sizeof have);
        return vt_error_set(err, VT_EINPUT, "dot_general: result %s does not have the shape the dimension numbers give", have);
    }
    vt_compute c = VT_COMPUTE_F32;
    prec_t lp = P_NONE, rp = P_NONE;
    if (p->algorithm) {
        if ((s = algo_plan(p->algorithm, l->dtype, r->dtype, &c, &lp, &rp, err))) return s;
        /* an algorithm naming the operands' own precision needs no rounding step */
        if (lp == P_F32 && l->dtype == VT_F32) lp = P_NONE;
        if (rp == P_F32 && r->dtype == VT_F32) rp = P_NONE;
        if (lp == P_F64 && l->dtype == VT_F64) lp = P_NONE;
        if (rp == P_F64 && r->dtype == VT_F64) rp = P_NONE;
    } else {
        c = vt_k_compute_type(l->dtype, r->dtype, res->dtype);
    }
    size_t B = ls.B, M = ls.F, N = rs.F, K = ls.C;
    /* fuel first: a hostile dot must stop before any allocation or arithmetic */
    uint64_t macs, outn = res->nelem;
    if (!vt_mul_u64(B, M, &macs) || !vt_mul_u64(macs, N, &macs) || !vt_mul_u64(macs, K, &macs) ||
        !vt_add_u64(macs, outn, &macs))
        return vt_error_set(err, VT_ELIMIT, "dot_general: %zu x %zu x %zu x %zu multiply-adds overflow the work counter", B,
                            M, N, K);
    if ((s = vt_kctx_charge(kc, macs, err))) {
        vt_error_prefix(err, "dot_general (%zu batch x %zu x %zu x %zu)", B, M, N, K);
        return s;
    }
    if (res->nelem == 0) return VT_OK;
    operand_plan lo, ro;
    const void *ad = NULL, *bd = NULL;
    void *abuf = NULL, *bbuf = NULL, *cbuf = NULL;
    size_t *aoff = NULL, *boff = NULL;
    if ((s = prepare(kc, l, &ls, false, c, lp, &lo, &ad, &abuf, err))) goto out;
    if ((s = prepare(kc, r, &rs, true, c, rp, &ro, &bd, &bbuf, err))) goto out;
    aoff = vt_k_scratch(kc, B, sizeof(size_t), "dot_general: batch offsets", err);
    boff = vt_k_scratch(kc, B, sizeof(size_t), "dot_general: batch offsets", err);
    if (!aoff || !boff) {
        s = err ? err->code : VT_ENOMEM;
        goto out;
    }
    if (lo.in_place_layout) batch_offsets(l, &ls, aoff);
    else for (size_t b = 0; b < B; b++) aoff[b] = b * M * K;
    if (ro.in_place_layout) batch_offsets(r, &rs, boff);
    else for (size_t b = 0; b < B; b++) boff[b] = b * K * N;
    void *cd = res->data;
    bool direct = res->dtype == compute_dtype(c);
    if (!direct) {
        cbuf = vt_k_scratch(kc, res->nelem, vt_k_compute_size(c), "dot_general: result accumulator", err);
        if (!cbuf) {
            s = err ? err->code : VT_ENOMEM;
            goto out;
        }
        cd = cbuf;
    }
    vt_gemm_desc g = {gemm_kind(c), lo.trans, ro.trans, M, N, K, ad, bd, cd, lo.ld, ro.ld, N, B, aoff, boff, M * N};
    if ((s = vt_gemm(&g, kc && kc->threads > 0 ? kc->threads : 1, err))) goto out;
    if (!direct) {
        bool sgn = vt_dtype_kind_of(l->dtype) == VT_KIND_SINT || vt_dtype_kind_of(r->dtype) == VT_KIND_SINT;
        convert_par(kc, 2, c, P_NONE, res->dtype, sgn, cbuf, res->data, res->nelem);
    }
out:
    free(abuf), free(bbuf), free(cbuf), free(aoff), free(boff);
    return s;
}
