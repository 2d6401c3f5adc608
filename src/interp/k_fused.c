/* Fused elementwise executor: builds a register program from resolved elementwise ops and runs
 * it over fixed blocks of VT_FUSED_BLOCK elements with the same range loops as the unfused
 * kernels, so fused and unfused results are bit-identical. */
#include "interp/k_fused.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void vt_fused_init(vt_fused_program *p) {
    memset(p, 0, sizeof *p);
    for (int r = 0; r < VT_FUSED_MAX_REGS; r++) p->bc_rank[r] = -1;
}

static vt_status check_reg(const vt_fused_program *p, int r, const char *what, vt_error *err) {
    if (r < 0 || r >= p->n_regs)
        return vt_error_set(err, VT_EINPUT, "fused program: %s register %d does not exist (have %d)", what, r,
                            p->n_regs);
    return VT_OK;
}

static vt_status new_reg(vt_fused_program *p, vt_dtype t, int *reg, vt_error *err) {
    if (p->n_regs >= VT_FUSED_MAX_REGS)
        return vt_error_set(err, VT_ELIMIT, "fused program: more than %d registers", VT_FUSED_MAX_REGS);
    p->reg_t[p->n_regs] = t;
    *reg = p->n_regs++;
    return VT_OK;
}

vt_status vt_fused_input(vt_fused_program *p, vt_dtype t, int *reg, vt_error *err) {
    if (p->n_instrs > 0)
        return vt_error_set(err, VT_EINPUT, "fused program: input declared after the first instruction");
    if ((int)t < 0 || t >= VT_DTYPE_COUNT) return vt_error_set(err, VT_EINPUT, "fused program: invalid input type");
    vt_status s = new_reg(p, t, reg, err);
    if (!s) p->n_inputs++;
    return s;
}

vt_status vt_fused_input_broadcast(vt_fused_program *p, vt_dtype t, int rank, const int64_t *dims, int *reg,
                                   vt_error *err) {
    if (rank < 0 || rank > VT_MAX_RANK || (rank && !dims))
        return vt_error_set(err, VT_EINPUT, "fused program: broadcast input of rank %d", rank);
    vt_status s = vt_fused_input(p, t, reg, err);
    if (s) return s;
    p->bc_rank[*reg] = rank;
    for (int i = 0; i < rank; i++) p->bc_dims[*reg][i] = dims[i];
    return VT_OK;
}

/* Appends an instruction whose op is already resolved; checks operand register types. */
static vt_status add_instr(vt_fused_program *p, const vt_k_op *op, const int *src, int *reg, vt_error *err) {
    for (int i = 0; i < op->arity; i++) {
        vt_status s = check_reg(p, src[i], "operand", err);
        if (s) return s;
        if (p->reg_t[src[i]] != op->in_t[i])
            return vt_error_set(err, VT_EINPUT, "fused program: %s operand %d is %s, expected %s", op->name, i,
                                vt_dtype_name(p->reg_t[src[i]]), vt_dtype_name(op->in_t[i]));
    }
    if (p->n_instrs >= VT_FUSED_MAX_REGS)
        return vt_error_set(err, VT_ELIMIT, "fused program: more than %d instructions", VT_FUSED_MAX_REGS);
    int dst = -1;
    vt_status s = new_reg(p, op->out_t, &dst, err);
    if (s) return s;
    vt_fused_instr *in = &p->instr[p->n_instrs++];
    in->op = *op;
    in->src[0] = in->src[1] = in->src[2] = -1;
    for (int i = 0; i < op->arity; i++) in->src[i] = src[i];
    in->dst = dst;
    *reg = dst;
    return VT_OK;
}

vt_status vt_fused_unary(vt_fused_program *p, vt_unary_op op, int x, int *reg, vt_error *err) {
    vt_status s = check_reg(p, x, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_unary_resolve(op, p->reg_t[x], &k, err))) return s;
    return add_instr(p, &k, &x, reg, err);
}

vt_status vt_fused_binary(vt_fused_program *p, vt_binary_op op, int a, int b, int *reg, vt_error *err) {
    vt_status s = check_reg(p, a, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_binary_resolve(op, p->reg_t[a], &k, err))) return s;
    int src[2] = {a, b};
    return add_instr(p, &k, src, reg, err);
}

vt_status vt_fused_compare(vt_fused_program *p, vt_cmp_dir dir, vt_cmp_type ct, int a, int b, int *reg,
                           vt_error *err) {
    vt_status s = check_reg(p, a, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_compare_resolve(dir, ct, p->reg_t[a], &k, err))) return s;
    int src[2] = {a, b};
    return add_instr(p, &k, src, reg, err);
}

vt_status vt_fused_select(vt_fused_program *p, int pred, int on_true, int on_false, int *reg, vt_error *err) {
    vt_status s = check_reg(p, on_true, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_select_resolve(p->reg_t[on_true], &k, err))) return s;
    int src[3] = {pred, on_true, on_false};
    return add_instr(p, &k, src, reg, err);
}

vt_status vt_fused_clamp(vt_fused_program *p, int lo, int x, int hi, int *reg, vt_error *err) {
    vt_status s = check_reg(p, x, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_clamp_resolve(p->reg_t[x], &k, err))) return s;
    int src[3] = {lo, x, hi};
    return add_instr(p, &k, src, reg, err);
}

vt_status vt_fused_convert(vt_fused_program *p, int x, vt_dtype to, int *reg, vt_error *err) {
    vt_status s = check_reg(p, x, "operand", err);
    if (s) return s;
    vt_k_op k;
    if ((s = vt_k_convert_resolve(p->reg_t[x], to, &k, err))) return s;
    return add_instr(p, &k, &x, reg, err);
}

vt_status vt_fused_output(vt_fused_program *p, int reg, vt_error *err) {
    vt_status s = check_reg(p, reg, "output", err);
    if (s) return s;
    if (p->n_outputs >= VT_FUSED_MAX_OUTPUTS)
        return vt_error_set(err, VT_ELIMIT, "fused program: more than %d outputs", VT_FUSED_MAX_OUTPUTS);
    p->out_reg[p->n_outputs++] = reg;
    return VT_OK;
}

/* ---- execution ------------------------------------------------------------------------------ */
/* How an expanded input (vt_fused_input_broadcast) maps output elements to its own. */
typedef struct expand_map {
    int64_t stride[VT_MAX_RANK]; /* input element stride per output dim (0: broadcast) */
} expand_map;

typedef struct fused_job {
    const vt_fused_program *p;
    const vt_tensor *const *inputs;
    vt_tensor *const *outputs;
    unsigned bcast_reg[VT_FUSED_MAX_REGS]; /* 1: register holds one broadcast element */
    expand_map *expand[VT_FUSED_MAX_REGS]; /* non-NULL: register filled per block from the input */
    int bound_out[VT_FUSED_MAX_REGS];      /* output written in place by the producing instr, or -1 */
    size_t scratch_off[VT_FUSED_MAX_REGS];
    size_t scratch_bytes;
    size_t n;
    atomic_int failed;
} fused_job;

/* Fills dst with output elements [b, b + m) of broadcast_in_dim(src) (map: strides per output
 * dim), in runs along the innermost dim: a copy, a fill or a strided walk. */
static void expand_block(const vt_tensor *out, const expand_map *em, const uint8_t *src, size_t es, size_t b,
                         size_t m, uint8_t *dst) {
    int R = out->rank;
    if (R == 0) {
        if (m) memcpy(dst, src, es);
        return;
    }
    int64_t idx[VT_MAX_RANK];
    size_t rem = b;
    for (int d = R - 1; d >= 0; d--) {
        idx[d] = (int64_t)(rem % (size_t)out->dims[d]);
        rem /= (size_t)out->dims[d];
    }
    size_t done = 0;
    while (done < m) {
        int64_t off = 0;
        for (int d = 0; d < R; d++) off += idx[d] * em->stride[d];
        size_t run = (size_t)(out->dims[R - 1] - idx[R - 1]);
        if (run > m - done) run = m - done;
        int64_t st = em->stride[R - 1];
        const uint8_t *s = src + (size_t)off * es;
        uint8_t *d = dst + done * es;
        if (st == 1) memcpy(d, s, run * es);
        else if (st == 0 && es == 4) {
            uint32_t v;
            memcpy(&v, s, 4);
            for (size_t e = 0; e < run; e++) memcpy(d + 4 * e, &v, 4);
        } else
            for (size_t e = 0; e < run; e++) memcpy(d + e * es, s + (size_t)((int64_t)e * st) * es, es);
        done += run;
        idx[R - 1] += (int64_t)run;
        for (int k = R - 1; k > 0 && idx[k] == out->dims[k]; k--) idx[k] = 0, idx[k - 1]++;
    }
}

static void fused_blocks(void *arg, size_t b0, size_t b1) {
    fused_job *j = arg;
    const vt_fused_program *p = j->p;
    uint8_t *scratch = j->scratch_bytes ? malloc(j->scratch_bytes) : NULL;
    if (j->scratch_bytes && !scratch) {
        atomic_store(&j->failed, 1);
        return;
    }
    void *regp[VT_FUSED_MAX_REGS];
    for (size_t bi = b0; bi < b1; bi++) {
        size_t b = bi * VT_FUSED_BLOCK;
        size_t m = j->n - b < VT_FUSED_BLOCK ? j->n - b : VT_FUSED_BLOCK;
        for (int r = 0; r < p->n_inputs; r++) {
            const vt_tensor *t = j->inputs[r];
            if (j->expand[r]) {
                regp[r] = scratch + j->scratch_off[r];
                expand_block(j->outputs[0], j->expand[r], t->data, vt_dtype_size(t->dtype), b, m, regp[r]);
                continue;
            }
            regp[r] = j->bcast_reg[r] ? t->data : (uint8_t *)t->data + b * vt_dtype_size(t->dtype);
        }
        for (int r = p->n_inputs; r < p->n_regs; r++) {
            int o = j->bound_out[r];
            regp[r] = o >= 0 ? (uint8_t *)j->outputs[o]->data + b * vt_dtype_size(p->reg_t[r])
                             : scratch + j->scratch_off[r];
        }
        for (int i = 0; i < p->n_instrs; i++) {
            const vt_fused_instr *in = &p->instr[i];
            const void *src[3] = {NULL, NULL, NULL};
            unsigned bc = 0;
            for (int a = 0; a < in->op.arity; a++) {
                src[a] = regp[in->src[a]];
                if (j->bcast_reg[in->src[a]]) bc |= 1u << a;
            }
            vt_k_run_range(&in->op, src, bc, regp[in->dst], m);
        }
        for (int o = 0; o < p->n_outputs; o++) {
            int r = p->out_reg[o];
            if (j->bound_out[r] == o) continue;
            size_t es = vt_dtype_size(p->reg_t[r]);
            uint8_t *dst = (uint8_t *)j->outputs[o]->data + b * es;
            if (j->bcast_reg[r]) {
                for (size_t e = 0; e < m; e++) memcpy(dst + e * es, regp[r], es);
            } else {
                memcpy(dst, regp[r], m * es);
            }
        }
    }
    free(scratch);
}

vt_status vt_fused_run(vt_kctx *ctx, const vt_fused_program *p, const vt_tensor *const *inputs,
                       vt_tensor *const *outputs, vt_error *err) {
    char b1[128], b2[128];
    if (!p || p->n_outputs < 1) return vt_error_set(err, VT_EINPUT, "fused program: no outputs");
    for (int o = 0; o < p->n_outputs; o++) {
        const vt_tensor *t = outputs ? outputs[o] : NULL;
        if (!t) return vt_error_set(err, VT_EINPUT, "fused program: output %d is missing", o);
        if (t->dtype != p->reg_t[p->out_reg[o]])
            return vt_error_set(err, VT_EINPUT, "fused program: output %d is %s, register %d is %s", o,
                                vt_tensor_type_str(t, b1, sizeof b1), p->out_reg[o],
                                vt_dtype_name(p->reg_t[p->out_reg[o]]));
        if (!vt_tensor_same_shape(t, outputs[0]))
            return vt_error_set(err, VT_EINPUT, "fused program: output %d has shape %s, output 0 %s", o,
                                vt_tensor_type_str(t, b1, sizeof b1), vt_tensor_type_str(outputs[0], b2, sizeof b2));
        if (!vt_k_bytes_ok(t))
            return vt_error_set(err, VT_EINPUT, "fused program: output %d: %zu bytes for %zu elements", o, t->nbytes,
                                t->nelem);
    }
    fused_job *j = calloc(1, sizeof *j);
    if (!j) return vt_error_set(err, VT_ENOMEM, "fused program: out of memory");
    j->p = p;
    j->inputs = inputs;
    j->outputs = outputs;
    j->n = outputs[0]->nelem;
    vt_status s = VT_OK;
    for (int r = 0; r < p->n_inputs && !s; r++) {
        const vt_tensor *t = inputs ? inputs[r] : NULL;
        if (!t) s = vt_error_set(err, VT_EINPUT, "fused program: input %d is missing", r);
        else if (t->dtype != p->reg_t[r])
            s = vt_error_set(err, VT_EINPUT, "fused program: input %d is %s, expected element type %s", r,
                             vt_tensor_type_str(t, b1, sizeof b1), vt_dtype_name(p->reg_t[r]));
        else if (!vt_k_bytes_ok(t))
            s = vt_error_set(err, VT_EINPUT, "fused program: input %d: %zu bytes for %zu elements", r, t->nbytes,
                             t->nelem);
        else if (p->bc_rank[r] >= 0) {
            /* broadcast_in_dim(t, bc_dims[r]) to the outputs' shape, as the kernel checks it */
            const vt_tensor *o = outputs[0];
            bool ok = t->rank == p->bc_rank[r];
            bool used[VT_MAX_RANK] = {false};
            expand_map *em = ok ? calloc(1, sizeof *em) : NULL;
            if (ok && !em) s = vt_error_set(err, VT_ENOMEM, "fused program: out of memory");
            int64_t st = 1;
            for (int i = t->rank - 1; ok && em && i >= 0; i--) {
                int64_t d = p->bc_dims[r][i];
                ok = d >= 0 && d < o->rank && !used[d] && (t->dims[i] == 1 || t->dims[i] == o->dims[d]);
                if (!ok) break;
                used[d] = true;
                em->stride[d] = t->dims[i] == 1 ? 0 : st;
                st *= t->dims[i];
            }
            j->expand[r] = em;
            if (!ok && !s)
                s = vt_error_set(err, VT_EINPUT, "fused program: input %d of shape %s does not broadcast to %s", r,
                                 vt_tensor_type_str(t, b1, sizeof b1), vt_tensor_type_str(o, b2, sizeof b2));
        } else if (vt_tensor_same_shape(t, outputs[0]))
            j->bcast_reg[r] = 0;
        else if (t->nelem == 1) /* a scalar, or a one-element tensor of any rank */
            j->bcast_reg[r] = 1;
        else
            s = vt_error_set(err, VT_EINPUT, "fused program: input %d has shape %s, outputs %s", r,
                             vt_tensor_type_str(t, b1, sizeof b1), vt_tensor_type_str(outputs[0], b2, sizeof b2));
    }
    /* an instruction on broadcast scalars only still yields a full block: keep it unbroadcast */
    for (int r = 0; r < VT_FUSED_MAX_REGS; r++) j->bound_out[r] = -1;
    for (int o = 0; o < p->n_outputs && !s; o++) {
        int r = p->out_reg[o];
        if (r >= p->n_inputs && j->bound_out[r] < 0) j->bound_out[r] = o;
    }
    uint64_t units = 0;
    for (int i = 0; i < p->n_instrs && !s; i++) {
        uint64_t u;
        if (!vt_mul_u64((uint64_t)j->n, (uint64_t)p->instr[i].op.arity + 1, &u) || !vt_add_u64(units, u, &units))
            units = UINT64_MAX;
    }
    if (!s) s = vt_kctx_charge(ctx, units, err);
    if (!s) {
        size_t off = 0;
        for (int r = 0; r < p->n_inputs; r++)
            if (j->expand[r]) {
                j->scratch_off[r] = off;
                off += ((size_t)VT_FUSED_BLOCK * vt_dtype_size(p->reg_t[r]) + 63) / 64 * 64;
            }
        for (int r = p->n_inputs; r < p->n_regs; r++) {
            j->scratch_off[r] = off;
            if (j->bound_out[r] < 0) off += ((size_t)VT_FUSED_BLOCK * vt_dtype_size(p->reg_t[r]) + 63) / 64 * 64;
        }
        j->scratch_bytes = off;
        atomic_init(&j->failed, 0);
        size_t nblocks = (j->n + VT_FUSED_BLOCK - 1) / VT_FUSED_BLOCK;
        vt_k_parallel_for(ctx ? ctx->threads : 1, nblocks, 16, fused_blocks, j);
        if (atomic_load(&j->failed)) s = vt_error_set(err, VT_ENOMEM, "fused program: out of memory for scratch");
    }
    for (int r = 0; r < VT_FUSED_MAX_REGS; r++) free(j->expand[r]);
    free(j);
    return s;
}
