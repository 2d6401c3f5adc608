/* dot_general, dot and convolution on runtime values: decodes the dimension numbers, precision
 * and algorithm attributes into kernel parameters (k_dot.h). An algorithm the kernels cannot
 * honour exactly is refused by name, never ignored. */
#include "interp/interp_internal.h"
#include "interp/k_dot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vt_precision precision_of(const vt_attr *a) {
    const char *s = a ? vt_attr_as_string(a) : NULL;
    if (!s && a && a->kind == VT_ATTR_OPAQUE) s = a->str;
    if (!s) return VT_PRECISION_DEFAULT;
    if (strstr(s, "HIGHEST")) return VT_PRECISION_HIGHEST;
    if (strstr(s, "HIGH")) return VT_PRECISION_HIGH;
    return VT_PRECISION_DEFAULT;
}

static void read_precision(const vt_op *op, vt_precision out[2]) {
    out[0] = out[1] = VT_PRECISION_DEFAULT;
    vt_attr *pc = vt_op_attr(op, "precision_config");
    if (pc && pc->kind == VT_ATTR_ARRAY)
        for (size_t i = 0; i < pc->n && i < 2; i++) out[i] = precision_of(pc->elems[i]);
}

/* Reads `key = value` from the text of #stablehlo.dot_algorithm<...> (kept opaque by the
 * parser) into buf; returns NULL when absent. */
static const char *algo_field(const char *text, const char *key, char *buf, size_t cap) {
    size_t kl = strlen(key);
    for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
        if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) continue;
        const char *q = p + kl;
        while (*q == ' ') q++;
        if (*q != '=') continue;
        q++;
        while (*q == ' ') q++;
        size_t n = 0;
        while (q[n] && q[n] != ',' && q[n] != '>' && q[n] != ' ' && n + 1 < cap) n++;
        memcpy(buf, q, n);
        buf[n] = 0;
        return buf;
    }
    return NULL;
}

typedef struct algo_storage {
    vt_dot_algorithm a;
    char lhs[32], rhs[32], acc[32];
} algo_storage;

static vt_status read_algorithm(vt_run *r, const vt_op *op, algo_storage *st, const vt_dot_algorithm **out) {
    *out = NULL;
    vt_attr *a = vt_op_attr(op, "algorithm");
    if (!a) return VT_OK;
    memset(st, 0, sizeof *st);
    char num[32];
    if (a->kind == VT_ATTR_DIALECT) {
        vt_attr *f;
        if ((f = vt_attr_dict_get(a, "lhs_precision_type")) && f->type) snprintf(st->lhs, sizeof st->lhs, "%s", vt_dtype_name(f->type->dtype));
        if ((f = vt_attr_dict_get(a, "rhs_precision_type")) && f->type) snprintf(st->rhs, sizeof st->rhs, "%s", vt_dtype_name(f->type->dtype));
        if ((f = vt_attr_dict_get(a, "accumulation_type")) && f->type) snprintf(st->acc, sizeof st->acc, "%s", vt_dtype_name(f->type->dtype));
        int64_t v;
        st->a.lhs_component_count = (f = vt_attr_dict_get(a, "lhs_component_count")) && vt_attr_as_i64(f, &v) ? v : 1;
        st->a.rhs_component_count = (f = vt_attr_dict_get(a, "rhs_component_count")) && vt_attr_as_i64(f, &v) ? v : 1;
        st->a.num_primitive_operations = (f = vt_attr_dict_get(a, "num_primitive_operations")) && vt_attr_as_i64(f, &v) ? v : 1;
        st->a.allow_imprecise_accumulation = (f = vt_attr_dict_get(a, "allow_imprecise_accumulation")) && f->kind == VT_ATTR_BOOL && f->b;
    } else if (a->kind == VT_ATTR_OPAQUE && a->str) {
        const char *t = a->str;
        if (!algo_field(t, "lhs_precision_type", st->lhs, sizeof st->lhs) ||
            !algo_field(t, "rhs_precision_type", st->rhs, sizeof st->rhs) ||
            !algo_field(t, "accumulation_type", st->acc, sizeof st->acc))
            return vt_error_set(r->err, VT_EINPUT, "dot algorithm '%s' lacks precision or accumulation types", t);
        st->a.lhs_component_count = algo_field(t, "lhs_component_count", num, sizeof num) ? atoll(num) : 1;
        st->a.rhs_component_count = algo_field(t, "rhs_component_count", num, sizeof num) ? atoll(num) : 1;
        st->a.num_primitive_operations = algo_field(t, "num_primitive_operations", num, sizeof num) ? atoll(num) : 1;
        st->a.allow_imprecise_accumulation =
            algo_field(t, "allow_imprecise_accumulation", num, sizeof num) && strcmp(num, "true") == 0;
    } else {
        return vt_error_set(r->err, VT_EINPUT, "dot algorithm attribute has an unexpected form");
    }
    st->a.lhs_precision_type = st->lhs;
    st->a.rhs_precision_type = st->rhs;
    st->a.accumulation_type = st->acc;
    *out = &st->a;
    return VT_OK;
}

static vt_status run_dot(vt_run *r, const vt_op *op, vt_rvalue *in, const vt_dot_params *p, vt_rvalue *out) {
    vt_tensor *lhs, *rhs;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &lhs);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &rhs);
    if (s) return s;
    if (op->operands[0]->type->quant || op->operands[1]->type->quant || op->results[0].type->quant)
        return vt_rt_unsupported(r, op, "a quantized element type");
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    s = vt_k_dot_general(&r->kc, lhs, rhs, p, res, r->err);
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status exec_dot_general(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_dot_params p;
    memset(&p, 0, sizeof p);
    vt_attr *dn = vt_op_attr(op, "dot_dimension_numbers");
    if (!dn) return vt_error_set(r->err, VT_EINPUT, "dot_general: missing dot_dimension_numbers");
    size_t nb1, nb2, nc1, nc2;
    if (!vt_field_i64s(dn, "lhs_batching_dimensions", p.lhs_batch, VT_MAX_RANK, &nb1) ||
        !vt_field_i64s(dn, "rhs_batching_dimensions", p.rhs_batch, VT_MAX_RANK, &nb2) ||
        !vt_field_i64s(dn, "lhs_contracting_dimensions", p.lhs_contract, VT_MAX_RANK, &nc1) ||
        !vt_field_i64s(dn, "rhs_contracting_dimensions", p.rhs_contract, VT_MAX_RANK, &nc2))
        return vt_error_set(r->err, VT_EINPUT, "dot_general: malformed dot_dimension_numbers");
    if (nb1 != nb2 || nc1 != nc2)
        return vt_error_set(r->err, VT_EINPUT, "dot_general: batching or contracting dimension lists differ in length");
    p.nbatch = (int)nb1;
    p.ncontract = (int)nc1;
    read_precision(op, p.precision);
    algo_storage st;
    vt_status s = read_algorithm(r, op, &st, &p.algorithm);
    if (s) return s;
    return run_dot(r, op, in, &p, out);
}

static vt_status exec_dot(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_dot_params p;
    memset(&p, 0, sizeof p);
    vt_tensor *lhs;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &lhs);
    if (s) return s;
    /* Legacy dot: contracts the last lhs dimension with the first rhs dimension. */
    p.ncontract = 1;
    p.lhs_contract[0] = lhs->rank - 1;
    p.rhs_contract[0] = 0;
    read_precision(op, p.precision);
    return run_dot(r, op, in, &p, out);
}

static bool list_or_default(const vt_op *op, const char *name, int64_t *out, int n, int64_t dflt) {
    size_t got;
    if (!vt_op_attr(op, name)) {
        for (int i = 0; i < n; i++) out[i] = dflt;
        return true;
    }
    return vt_attr_i64s(op, name, out, VT_MAX_RANK, &got) && (int)got == n;
}

static vt_status exec_convolution(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *lhs, *rhs;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &lhs);
    if (!s) s = vt_rt_expect_tensor(r, op, &in[1], 1, &rhs);
    if (s) return s;
    if (op->operands[0]->type->quant || op->operands[1]->type->quant || op->results[0].type->quant)
        return vt_rt_unsupported(r, op, "a quantized element type");
    int ns = lhs->rank - 2;
    if (ns < 0) return vt_error_set(r->err, VT_EINPUT, "convolution: operand rank %d below 2", lhs->rank);
    vt_conv_params p;
    vt_conv_params_init(&p, ns);
    vt_attr *dn = vt_op_attr(op, "dimension_numbers");
    if (!dn) return vt_error_set(r->err, VT_EINPUT, "convolution: missing dimension_numbers");
    size_t n1, n2, n3;
    int64_t v;
    vt_attr *fa;
#define SCALAR_FIELD(name, dst)                                                                   \
    if (!(fa = vt_attr_dict_get(dn, name)) || !vt_attr_as_i64(fa, &v))                             \
        return vt_error_set(r->err, VT_EINPUT, "convolution: dimension_numbers lacks " name);     \
    dst = v
    SCALAR_FIELD("input_batch_dimension", p.input_batch_dim);
    SCALAR_FIELD("input_feature_dimension", p.input_feature_dim);
    SCALAR_FIELD("kernel_input_feature_dimension", p.kernel_input_feature_dim);
    SCALAR_FIELD("kernel_output_feature_dimension", p.kernel_output_feature_dim);
    SCALAR_FIELD("output_batch_dimension", p.output_batch_dim);
    SCALAR_FIELD("output_feature_dimension", p.output_feature_dim);
#undef SCALAR_FIELD
    if (!vt_field_i64s(dn, "input_spatial_dimensions", p.input_spatial_dims, VT_MAX_RANK, &n1) ||
        !vt_field_i64s(dn, "kernel_spatial_dimensions", p.kernel_spatial_dims, VT_MAX_RANK, &n2) ||
        !vt_field_i64s(dn, "output_spatial_dimensions", p.output_spatial_dims, VT_MAX_RANK, &n3) || (int)n1 != ns ||
        (int)n2 != ns || (int)n3 != ns)
        return vt_error_set(r->err, VT_EINPUT, "convolution: spatial dimension lists must have %d entries", ns);
    if (!list_or_default(op, "window_strides", p.window_strides, ns, 1) ||
        !list_or_default(op, "lhs_dilation", p.lhs_dilation, ns, 1) ||
        !list_or_default(op, "rhs_dilation", p.rhs_dilation, ns, 1))
        return vt_error_set(r->err, VT_EINPUT, "convolution: strides or dilations must have %d entries", ns);
    int64_t rev[VT_MAX_RANK];
    if (!list_or_default(op, "window_reversal", rev, ns, 0))
        return vt_error_set(r->err, VT_EINPUT, "convolution: window_reversal must have %d entries", ns);
    for (int i = 0; i < ns; i++) p.window_reversal[i] = rev[i] != 0;
    vt_attr *pad = vt_op_attr(op, "padding");
    /* dynamic_conv: padding is operand 2 (part2: dynamic ops); k_conv checks hostile values */
    vt_tensor *dynpad = op->code == VT_OP_DYNAMIC_CONV && op->noperands > 2 && in[2].kind == VT_RV_TENSOR ? in[2].tensor : NULL;
    if (op->code == VT_OP_DYNAMIC_CONV && !dynpad) return vt_error_set(r->err, VT_EINPUT, "dynamic_conv: padding operand missing");
    if (pad || dynpad) {
        vt_tensor *pt = NULL;
        if (dynpad) pt = vt_tensor_retain(dynpad);
        else if ((s = vt_attr_dense_materialize(pad, 1 << 20, &pt, r->err))) return s;
        if (pt->nelem != (size_t)(2 * ns) || !vt_dtype_is_int(pt->dtype)) {
            vt_tensor_release(pt);
            return vt_error_set(r->err, VT_EINPUT, "convolution: padding must be %dx2 integers", ns);
        }
        for (int i = 0; i < ns; i++) {
            p.padding[i][0] = vt_load_i64(pt->dtype, (char *)pt->data + (size_t)(2 * i) * vt_dtype_size(pt->dtype));
            p.padding[i][1] = vt_load_i64(pt->dtype, (char *)pt->data + (size_t)(2 * i + 1) * vt_dtype_size(pt->dtype));
        }
        vt_tensor_release(pt);
    }
    int64_t g = 1;
    if (vt_attr_i64(op, "feature_group_count", &g)) p.feature_group_count = g;
    if (vt_attr_i64(op, "batch_group_count", &g)) p.batch_group_count = g;
    read_precision(op, p.precision);
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    s = vt_k_convolution(&r->kc, lhs, rhs, &p, res, r->err);
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

vt_exec_fn vt_exec_dot_fn(const vt_op *op);
vt_exec_fn vt_exec_dot_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_DOT_GENERAL: return exec_dot_general;
    case VT_OP_DOT: return exec_dot;
    case VT_OP_CONVOLUTION:
    case VT_OP_DYNAMIC_CONV: return exec_convolution;
    default: return NULL;
    }
}
