/* Elementwise fusion: consecutive elementwise ops of one block that share a shape become one
 * register program (k_fused.h) that makes a single pass over memory in cache-sized blocks.
 * Scalar constants and broadcast_in_dim (of one-element values: JAX's spelling of `x * 0.5`;
 * of rows and columns: norm gains, softmax maxima) join the group as registers filled per block
 * instead of materialising full tensors. Values used after the group (by later ops, nested
 * regions or the terminator) are its outputs; the rest never materialise. Fused and unfused
 * results are bit-identical (same range loops). */
#include "interp/fuse.h"

#include <stdlib.h>
#include <string.h>

static const vt_type *static_tensor(const vt_value *v) {
    const vt_type *t = v->type;
    if (!t || t->kind != VT_TYPE_TENSOR || t->quant) return NULL;
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] == VT_DYN) return NULL;
    return t;
}

static bool same_dims(const vt_type *a, const vt_type *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

/* Resolves the op into a kernel loop on its IR types; false when it cannot be fused. */
static bool resolve(const vt_op *op, vt_k_op *k) {
    vt_error e;
    const vt_type *t0 = op->noperands ? static_tensor(op->operands[0]) : NULL;
    if (!t0 || op->nresults != 1 || !static_tensor(&op->results[0]) || op->nregions) return false;
    switch (op->code) {
    case VT_OP_COMPARE: {
        vt_cmp_dir dir;
        vt_cmp_type ct = VT_CMPT_DEFAULT;
        const char *d = vt_attr_enum(op, "comparison_direction"), *ty = vt_attr_enum(op, "compare_type");
        if (!d || !vt_cmp_dir_from_name(d, &dir) || (ty && !vt_cmp_type_from_name(ty, &ct))) return false;
        return vt_k_compare_resolve(dir, ct, t0->dtype, k, &e) == VT_OK;
    }
    case VT_OP_SELECT: return op->noperands == 3 && static_tensor(op->operands[1]) &&
                              vt_k_select_resolve(op->operands[1]->type->dtype, k, &e) == VT_OK;
    case VT_OP_CLAMP: return op->noperands == 3 && static_tensor(op->operands[1]) &&
                             vt_k_clamp_resolve(op->operands[1]->type->dtype, k, &e) == VT_OK;
    case VT_OP_CONVERT: return vt_k_convert_resolve(t0->dtype, op->results[0].type->dtype, k, &e) == VT_OK;
    default: break;
    }
    if (!(vt_op_get_info(op)->flags & VT_OPF_ELEMENTWISE)) return false;
    vt_unary_op u;
    vt_binary_op b;
    if (op->noperands == 1 && vt_unary_op_from_name(vt_op_name(op), &u)) return vt_k_unary_resolve(u, t0->dtype, k, &e) == VT_OK;
    if (op->noperands == 2 && vt_binary_op_from_name(vt_op_name(op), &b)) return vt_k_binary_resolve(b, t0->dtype, k, &e) == VT_OK;
    return false;
}

static uint64_t type_elems(const vt_type *t) {
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= (uint64_t)t->dims[i];
    return n;
}

/* A constant of one element (any rank): a broadcast register of the group. */
static bool is_scalar_const(const vt_op *op) {
    if (op->code != VT_OP_CONSTANT || op->nresults != 1 || op->noperands || op->nregions) return false;
    const vt_type *t = static_tensor(&op->results[0]);
    return t && type_elems(t) == 1 && vt_op_attr(op, "value");
}

/* broadcast_in_dim of a one-element value to `shape` (NULL: any shape): an alias of its
 * operand's broadcast register. */
static bool is_scalar_bcast(const vt_op *op, const vt_type *shape) {
    if (op->code != VT_OP_BROADCAST_IN_DIM || op->noperands != 1 || op->nresults != 1 || op->nregions) return false;
    const vt_type *in = static_tensor(op->operands[0]), *out = static_tensor(&op->results[0]);
    if (!in || !out || type_elems(in) != 1 || in->dtype != out->dtype || (shape && !same_dims(out, shape))) return false;
    /* broadcast_dimensions as the kernel checks them: one per operand dim, in range, distinct */
    int64_t bd[VT_MAX_RANK];
    size_t nb;
    if (!vt_attr_i64s(op, "broadcast_dimensions", bd, VT_MAX_RANK, &nb) || (int)nb != in->rank) return false;
    for (size_t i = 0; i < nb; i++) {
        if (bd[i] < 0 || bd[i] >= out->rank) return false;
        for (size_t j = 0; j < i; j++)
            if (bd[j] == bd[i]) return false;
    }
    return true;
}

/* broadcast_in_dim of a larger value to `shape` (NULL: any): a register filled block by block
 * (k_fused.c), e.g. RMSNorm's gain vector or softmax's row maxima. */
static bool is_expand_bcast(const vt_op *op, const vt_type *shape) {
    if (op->code != VT_OP_BROADCAST_IN_DIM || op->noperands != 1 || op->nresults != 1 || op->nregions) return false;
    const vt_type *in = static_tensor(op->operands[0]), *out = static_tensor(&op->results[0]);
    if (!in || !out || type_elems(in) == 1 || in->dtype != out->dtype || (shape && !same_dims(out, shape))) return false;
    int64_t bd[VT_MAX_RANK];
    size_t nb;
    if (!vt_attr_i64s(op, "broadcast_dimensions", bd, VT_MAX_RANK, &nb) || (int)nb != in->rank) return false;
    bool used[VT_MAX_RANK] = {false};
    for (size_t i = 0; i < nb; i++) {
        if (bd[i] < 0 || bd[i] >= out->rank || used[bd[i]]) return false;
        used[bd[i]] = true;
        if (in->dims[i] != 1 && in->dims[i] != out->dims[bd[i]]) return false;
    }
    return true;
}

/* The op fits a group of shape `shape`: result has the shape, operands the shape or rank 0. */
static bool fits(const vt_op *op, const vt_type *shape) {
    if (!same_dims(op->results[0].type, shape)) return false;
    for (size_t i = 0; i < op->noperands; i++) {
        const vt_type *t = static_tensor(op->operands[i]);
        if (!t || (!same_dims(t, shape) && t->rank != 0)) return false;
    }
    return true;
}

static int find(const vt_value *const *vs, size_t n, const vt_value *v) {
    for (size_t i = 0; i < n; i++)
        if (vs[i] == v) return (int)i;
    return -1;
}

static void free_group(vt_fused_group *g) {
    if (!g) return;
    if (g->consts)
        for (size_t i = 0; i < VT_FUSED_MAX_REGS; i++) vt_tensor_release(g->consts[i]);
    free(g->consts);
    free(g->slot_of);
    free(g->inputs);
    free(g->outputs);
    free(g);
}

void vt_fused_group_free(vt_fused_group *g) { free_group(g); }

/* Member kinds of a group. */
enum { M_ELEMENTWISE, M_CONST, M_BCAST, M_EXPAND };

static int member_kind(const vt_op *op) {
    if (is_scalar_const(op)) return M_CONST;
    if (is_scalar_bcast(op, NULL)) return M_BCAST;
    if (is_expand_bcast(op, NULL)) return M_EXPAND;
    return M_ELEMENTWISE;
}

/* Builds the program for ops [first, first + count); NULL when it does not fit the limits. */
static vt_fused_group *build(const vt_block *b, size_t first, size_t count, const uint32_t *last, uint32_t base,
                             uint32_t nlast) {
    vt_fused_group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->first = first;
    g->count = count;
    g->inputs = calloc(VT_FUSED_MAX_REGS, sizeof *g->inputs);
    g->consts = calloc(VT_FUSED_MAX_REGS, sizeof *g->consts);
    g->slot_of = calloc(VT_FUSED_MAX_REGS, sizeof *g->slot_of);
    g->outputs = calloc(VT_FUSED_MAX_OUTPUTS, sizeof *g->outputs);
    if (!g->inputs || !g->consts || !g->slot_of || !g->outputs) goto fail;
    vt_fused_init(&g->prog);
    vt_error e;
    size_t ninstr = 0;
    for (size_t i = first; i < first + count; i++) ninstr += member_kind(b->ops[i]) == M_ELEMENTWISE;
    /* Pass 1: inputs are operands not defined inside the group, and the group's constants. */
    for (size_t i = first; i < first + count; i++) {
        const vt_op *op = b->ops[i];
        if (member_kind(op) == M_CONST) {
            if (g->ninputs + ninstr >= VT_FUSED_MAX_REGS) goto fail;
            vt_tensor *t = NULL;
            if (vt_attr_dense_materialize(vt_op_attr(op, "value"), 1024, &t, &e) != VT_OK) goto fail;
            int reg;
            if (t->dtype != op->results[0].type->dtype || t->nelem != 1 ||
                vt_fused_input(&g->prog, t->dtype, &reg, &e) != VT_OK) {
                vt_tensor_release(t);
                goto fail;
            }
            g->consts[g->ninputs] = t;
            g->inputs[g->ninputs++] = &op->results[0];
            continue;
        }
        if (member_kind(op) == M_EXPAND) {
            /* its operand must come from outside the group (inside ones have the group's shape) */
            const vt_value *v = op->operands[0];
            if (v->def && v->def->parent == b && v->def->index >= first && v->def->index < i) goto fail;
            if (g->ninputs + ninstr >= VT_FUSED_MAX_REGS) goto fail;
            int64_t bd[VT_MAX_RANK];
            size_t nb = 0;
            int reg;
            vt_attr_i64s(op, "broadcast_dimensions", bd, VT_MAX_RANK, &nb);
            if (vt_fused_input_broadcast(&g->prog, v->type->dtype, (int)nb, bd, &reg, &e) != VT_OK) goto fail;
            g->slot_of[g->ninputs] = v;
            g->inputs[g->ninputs++] = &op->results[0];
            continue;
        }
        for (size_t k = 0; k < op->noperands; k++) {
            const vt_value *v = op->operands[k];
            bool inside = v->def && v->def->parent == b && v->def->index >= first && v->def->index < i;
            if (inside || find(g->inputs, g->ninputs, v) >= 0) continue;
            if (g->ninputs + ninstr >= VT_FUSED_MAX_REGS) goto fail;
            int reg;
            if (vt_fused_input(&g->prog, v->type->dtype, &reg, &e) != VT_OK) goto fail;
            g->inputs[g->ninputs++] = v;
        }
    }
    /* Pass 2: instructions; register of a value = input index, or the op's result register. */
    int result_reg[VT_FUSED_MAX_REGS];
    for (size_t i = first; i < first + count; i++) {
        const vt_op *op = b->ops[i];
        int kind = member_kind(op);
        int src[3] = {-1, -1, -1};
        for (size_t k = 0; kind != M_CONST && kind != M_EXPAND && k < op->noperands && k < 3; k++) {
            const vt_value *v = op->operands[k];
            int in = find(g->inputs, g->ninputs, v);
            if (in < 0 && !(v->def && v->def->parent == b && v->def->index >= first && v->def->index < i)) goto fail;
            src[k] = in >= 0 ? in : result_reg[v->def->index - first];
        }
        int reg = -1;
        if (kind == M_CONST || kind == M_EXPAND) {
            if (kind == M_EXPAND) g->nbcasts++;
            reg = find(g->inputs, g->ninputs, &op->results[0]);
        } else if (kind == M_BCAST) {
            g->nbcasts++;
            reg = src[0];
            /* the alias must be a broadcast register: an input or constant of one element */
            if (reg < 0 || (size_t)reg >= g->ninputs) goto fail;
        } else {
            vt_k_op k;
            if (!resolve(op, &k)) goto fail;
            vt_status s;
            switch (op->code) {
            case VT_OP_SELECT: s = vt_fused_select(&g->prog, src[0], src[1], src[2], &reg, &e); break;
            case VT_OP_CLAMP: s = vt_fused_clamp(&g->prog, src[0], src[1], src[2], &reg, &e); break;
            case VT_OP_CONVERT: s = vt_fused_convert(&g->prog, src[0], op->results[0].type->dtype, &reg, &e); break;
            case VT_OP_COMPARE: {
                vt_cmp_dir dir;
                vt_cmp_type ct = VT_CMPT_DEFAULT;
                const char *ty = vt_attr_enum(op, "compare_type");
                vt_cmp_dir_from_name(vt_attr_enum(op, "comparison_direction"), &dir);
                if (ty) vt_cmp_type_from_name(ty, &ct);
                s = vt_fused_compare(&g->prog, dir, ct, src[0], src[1], &reg, &e);
                break;
            }
            default: {
                vt_unary_op u;
                vt_binary_op bo;
                if (op->noperands == 1 && vt_unary_op_from_name(vt_op_name(op), &u)) s = vt_fused_unary(&g->prog, u, src[0], &reg, &e);
                else if (vt_binary_op_from_name(vt_op_name(op), &bo)) s = vt_fused_binary(&g->prog, bo, src[0], src[1], &reg, &e);
                else s = VT_EUNSUPPORTED;
            }
            }
            if (s != VT_OK) goto fail;
        }
        result_reg[i - first] = reg;
        /* Live after the group: an output (a constant goes to its slot as it is). */
        const vt_value *v = &op->results[0];
        uint32_t idx = v->id - base;
        uint32_t l = idx < nlast ? last[idx] : UINT32_MAX;
        if (kind != M_CONST && l != UINT32_MAX && l >= first + count) {
            if (g->noutputs >= VT_FUSED_MAX_OUTPUTS || vt_fused_output(&g->prog, reg, &e) != VT_OK) goto fail;
            g->outputs[g->noutputs++] = v;
        }
    }
    if (g->noutputs == 0 || ninstr == 0) goto fail;
    return g;
fail:
    free_group(g);
    return NULL;
}

/* Whether op can join a group of shape `shape`. */
static bool member_ok(const vt_op *op, const vt_type *shape) {
    if (is_scalar_const(op)) return true;
    if (is_scalar_bcast(op, shape) || is_expand_bcast(op, shape)) return true;
    vt_k_op k;
    return resolve(op, &k) && fits(op, shape);
}

vt_status vt_plan_fusion(const vt_block *b, vt_block_plan *p, const uint32_t *last, uint32_t base, uint32_t nlast) {
    size_t i = 0;
    while (i < b->nops) {
        vt_k_op k;
        /* The group's shape is that of its first member that is not a scalar constant. */
        size_t h = i;
        while (h < b->nops && is_scalar_const(b->ops[h])) h++;
        const vt_op *op = h < b->nops ? b->ops[h] : NULL;
        if (!op || !(is_scalar_bcast(op, NULL) || is_expand_bcast(op, NULL) ||
                     (resolve(op, &k) && fits(op, op->results[0].type)))) {
            i = h + 1;
            continue;
        }
        const vt_type *shape = op->results[0].type;
        /* Small tensors gain nothing from one pass over memory; the per-op path is cheaper. */
        if (type_elems(shape) < VT_FUSED_BLOCK) {
            i = h + 1;
            continue;
        }
        size_t j = h + 1;
        while (j < b->nops && j - i < VT_FUSED_MAX_REGS / 2 && member_ok(b->ops[j], shape)) j++;
        /* Shrink from the end until the program fits (inputs + instructions <= registers). */
        vt_fused_group *g = NULL;
        size_t n = j - i;
        while (n >= 2 && !(g = build(b, i, n, last, base, nlast))) n--;
        if (g) {
            p->steps[i].fused = g;
            i += n;
        } else {
            i++;
        }
    }
    return VT_OK;
}

vt_status vt_exec_fused(vt_run *r, vt_frame *f, const vt_fused_group *g) {
    const vt_tensor *small[VT_FUSED_MAX_REGS];
    const vt_tensor *shape = NULL;
    for (size_t i = 0; i < g->ninputs; i++) {
        if (g->consts[i]) {
            small[i] = g->consts[i];
            continue;
        }
        const vt_value *v = g->slot_of[i] ? g->slot_of[i] : g->inputs[i];
        const vt_rvalue *sl = &f->slots[v->id - f->base];
        if (sl->kind != VT_RV_TENSOR) return vt_error_set(r->err, VT_EINTERNAL, "fused group input %zu is not a tensor", i);
        small[i] = sl->tensor;
        if (!shape && !g->slot_of[i] && sl->tensor->nelem != 1) shape = sl->tensor;
    }
    vt_tensor *outs[VT_FUSED_MAX_OUTPUTS] = {0};
    vt_status s = VT_OK;
    for (size_t k = 0; k < g->noutputs && !s; k++) {
        const vt_type *t = g->outputs[k]->type;
        outs[k] = shape ? vt_rt_alloc(r, t->dtype, shape->rank, shape->dims) : vt_rt_alloc(r, t->dtype, t->rank, t->dims);
        if (!outs[k]) s = r->err->code;
    }
    if (!s) {
        r->ops += g->count - 1;
        s = vt_rt_charge(r, 16 * (uint64_t)(g->count - 1));
    }
    if (!s && g->nbcasts) { /* what the broadcasts would have charged: their result elements */
        uint64_t n = outs[0] ? outs[0]->nelem : 0, u;
        s = vt_rt_charge(r, vt_mul_u64(n, g->nbcasts, &u) ? u : UINT64_MAX);
    }
    if (!s) s = vt_fused_run(&r->kc, &g->prog, small, outs, r->err);
    for (size_t k = 0; k < g->noutputs; k++) {
        if (s) {
            vt_tensor_release(outs[k]);
            continue;
        }
        vt_rvalue *sl = &f->slots[g->outputs[k]->id - f->base];
        vt_rvalue_release(sl);
        *sl = vt_rvalue_tensor(outs[k]);
    }
    /* constants of the group that later ops read: their slots get the group's tensor */
    for (size_t i = 0; i < g->ninputs && !s; i++) {
        if (!g->consts[i]) continue;
        vt_rvalue *sl = &f->slots[g->inputs[i]->id - f->base];
        vt_rvalue_release(sl);
        *sl = vt_rvalue_tensor(vt_tensor_retain(g->consts[i]));
    }
    return s;
}
