/* Control flow and structure: constant, while (with iteration counters for dynamic op ids),
 * if, case, call, composite, map, optimization_barrier, tuples, tokens, feeds, replica and
 * partition ids. */
#include "interp/interp_internal.h"
#include "interp/k_shape.h"

#include <stdlib.h>
#include <string.h>

static vt_status exec_constant(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)in, (void)c;
    vt_attr *a = vt_op_attr(op, "value");
    if (!a) return vt_error_set(r->err, VT_EINPUT, "constant without a value");
    if (op->results[0].type->quant) {
        /* Quantized constants hold storage values; the interpreter runs them as such. */
    }
    vt_tensor *t;
    vt_status s = vt_attr_dense_materialize(a, r->lim.max_tensor_bytes, &t, r->err);
    if (s) return s;
    out[0] = vt_rvalue_tensor(t);
    return VT_OK;
}

static vt_status copy_all(vt_run *r, const vt_rvalue *in, size_t n, vt_rvalue *out) {
    for (size_t i = 0; i < n; i++) {
        vt_status s = vt_rvalue_copy(&in[i], &out[i], r->err);
        if (s) return s;
    }
    return VT_OK;
}

static vt_status read_pred(vt_run *r, const vt_rvalue *v, const char *what, bool *out) {
    if (v->kind != VT_RV_TENSOR || v->tensor->nelem != 1 || v->tensor->dtype != VT_I1)
        return vt_error_set(r->err, VT_EINPUT, "%s must be a tensor<i1> scalar", what);
    *out = ((uint8_t *)v->tensor->data)[0] != 0;
    return VT_OK;
}

static vt_status exec_while(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    size_t n = op->noperands;
    if (op->nregions != 2 || op->nresults != n) return vt_error_set(r->err, VT_EINPUT, "while: expected cond and body regions");
    if (r->niters >= VT_MAX_LOOP_NEST) return vt_rt_unsupported(r, op, "while loops nested more than 64 deep");
    vt_rvalue *carry = calloc(n ? n : 1, sizeof *carry), *next = calloc(n ? n : 1, sizeof *next);
    if (!carry || !next) {
        free(carry), free(next);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    vt_status s = copy_all(r, in, n, carry);
    size_t level = r->niters++;
    for (uint64_t it = 0; s == VT_OK; it++) {
        r->iters[level] = it;
        vt_rvalue pred = {0};
        s = vt_exec_region(r, f, op->regions[0], carry, n, &pred, 1);
        if (s) break;
        bool go = false;
        s = read_pred(r, &pred, "while condition", &go);
        vt_rvalue_release(&pred);
        if (s || !go) break;
        if (r->lim.max_iterations && ++r->iterations > r->lim.max_iterations) {
            s = vt_error_set(r->err, VT_ELIMIT, "while-loop iteration limit of %llu exceeded",
                             (unsigned long long)r->lim.max_iterations);
            break;
        }
        if (!r->lim.max_iterations) r->iterations++;
        s = vt_exec_region(r, f, op->regions[1], carry, n, next, n);
        for (size_t i = 0; i < n; i++) {
            vt_rvalue_release(&carry[i]);
            carry[i] = next[i];
            next[i] = (vt_rvalue){0};
        }
    }
    r->niters--;
    if (s == VT_OK) {
        for (size_t i = 0; i < n; i++) out[i] = carry[i];
    } else {
        for (size_t i = 0; i < n; i++) vt_rvalue_release(&carry[i]);
    }
    free(carry), free(next);
    return s;
}

static vt_status exec_if(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    bool p = false;
    vt_status s = read_pred(r, &in[0], "if predicate", &p);
    if (s) return s;
    if (op->nregions != 2) return vt_error_set(r->err, VT_EINPUT, "if: expected two branches");
    return vt_exec_region(r, f, op->regions[p ? 0 : 1], NULL, 0, out, op->nresults);
}

static vt_status exec_case(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    if (in[0].kind != VT_RV_TENSOR || in[0].tensor->nelem != 1 || !vt_dtype_is_int(in[0].tensor->dtype))
        return vt_error_set(r->err, VT_EINPUT, "case index must be an integer scalar");
    if (op->nregions == 0) return vt_error_set(r->err, VT_EINPUT, "case without branches");
    int64_t idx = vt_load_i64(in[0].tensor->dtype, in[0].tensor->data);
    /* Out-of-range indices select the last branch (spec). */
    if (idx < 0 || (uint64_t)idx >= op->nregions) idx = (int64_t)op->nregions - 1;
    return vt_exec_region(r, f, op->regions[idx], NULL, 0, out, op->nresults);
}

static vt_status call_symbol(vt_run *r, const vt_op *op, const char *callee, vt_rvalue *in, vt_rvalue *out) {
    if (!callee) return vt_error_set(r->err, VT_EINPUT, "%s without a callee", vt_op_name(op));
    const vt_func *fn = vt_module_find_func(r->m, callee);
    if (!fn) return vt_error_set(r->err, VT_EINPUT, "call to missing function @%s", callee);
    return vt_exec_call(r, fn, in, op->noperands, out, op->nresults);
}

static vt_status exec_call(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    return call_symbol(r, op, vt_op_callee(op), in, out);
}

static vt_status exec_identity(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    if (op->noperands != op->nresults) return vt_error_set(r->err, VT_EINPUT, "operand and result counts differ");
    return copy_all(r, in, op->noperands, out);
}

static vt_status exec_tuple(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_rvalue t = {VT_RV_TUPLE, NULL, op->noperands, calloc(op->noperands ? op->noperands : 1, sizeof(vt_rvalue))};
    if (!t.elems) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    vt_status s = copy_all(r, in, op->noperands, t.elems);
    if (s) {
        vt_rvalue_release(&t);
        return s;
    }
    out[0] = t;
    return VT_OK;
}

static vt_status exec_get_tuple_element(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t idx;
    if (!vt_attr_i64(op, "index", &idx)) return vt_error_set(r->err, VT_EINPUT, "get_tuple_element: missing index");
    if (in[0].kind != VT_RV_TUPLE || idx < 0 || (uint64_t)idx >= in[0].n)
        return vt_error_set(r->err, VT_EINPUT, "get_tuple_element: index %lld out of range", (long long)idx);
    return vt_rvalue_copy(&in[0].elems[idx], &out[0], r->err);
}

static vt_status exec_token(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)r, (void)f, (void)op, (void)in, (void)c;
    out[0] = vt_rvalue_token();
    return VT_OK;
}

static vt_status exec_index_id(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)in, (void)c;
    vt_tensor *t = vt_rt_result(r, op, 0);
    if (!t) return r->err->code;
    uint32_t v = op->code == VT_OP_REPLICA_ID ? r->replica_id : r->partition_id;
    vt_store_u64(t->dtype, t->data, v);
    out[0] = vt_rvalue_tensor(t);
    return VT_OK;
}

static vt_status exec_composite(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    return call_symbol(r, op, vt_op_callee(op), in, out);
}

/* map: the computation runs lifted on whole tensors when it is elementwise, else per element. */
static vt_status exec_map(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    const vt_region *body = op->regions[0];
    vt_tensor *res = vt_rt_result(r, op, 0);
    if (!res) return r->err->code;
    vt_status s = VT_OK;
    if (vt_region_is_liftable(body)) {
        vt_rvalue v = {0};
        s = vt_exec_region(r, f, body, in, op->noperands, &v, 1);
        if (s == VT_OK) {
            if (v.kind != VT_RV_TENSOR || v.tensor->dtype != res->dtype ||
                (v.tensor->nelem != res->nelem && v.tensor->nelem != 1))
                s = vt_error_set(r->err, VT_EINPUT, "map: computation result does not match the result type");
            else if (v.tensor->nelem == res->nelem)
                s = vt_k_reshape(&r->kc, v.tensor, res, r->err);
            else
                s = vt_k_broadcast_in_dim(&r->kc, v.tensor, NULL, 0, res, r->err);
        }
        vt_rvalue_release(&v);
    } else {
        size_t n = op->noperands;
        vt_rvalue *args = calloc(n ? n : 1, sizeof *args);
        if (!args) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        for (size_t e = 0; s == VT_OK && e < res->nelem; e++) {
            for (size_t i = 0; i < n && s == VT_OK; i++) {
                vt_tensor *x = in[i].tensor, *sc = vt_rt_alloc(r, x->dtype, 0, NULL);
                if (!sc) {
                    s = r->err->code;
                    break;
                }
                size_t es = vt_dtype_size(x->dtype);
                memcpy(sc->data, (char *)x->data + e * es, es);
                args[i] = vt_rvalue_tensor(sc);
            }
            vt_rvalue v = {0};
            if (s == VT_OK) s = vt_exec_region(r, f, body, args, n, &v, 1);
            if (s == VT_OK) {
                size_t es = vt_dtype_size(res->dtype);
                memcpy((char *)res->data + e * es, v.tensor->data, es);
            }
            vt_rvalue_release(&v);
            for (size_t i = 0; i < n; i++) vt_rvalue_release(&args[i]);
        }
        free(args);
    }
    if (s != VT_OK) {
        vt_tensor_release(res);
        return s;
    }
    out[0] = vt_rvalue_tensor(res);
    return VT_OK;
}

static vt_status exec_infeed(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)in, (void)c;
    if (!r->e->infeed) return vt_rt_unsupported(r, op, "infeed without a feed supplied through the API");
    size_t n = op->nresults ? op->nresults - 1 : 0; /* the last result is the token */
    const vt_type **types = calloc(n ? n : 1, sizeof *types);
    if (!types) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) types[i] = op->results[i].type;
    vt_status s = r->e->infeed(r->e->feed_user, types, n, out, r->err);
    free(types);
    if (s) return s;
    for (size_t i = 0; i < n; i++) {
        const vt_type *t = op->results[i].type;
        bool ok = out[i].kind == VT_RV_TENSOR && out[i].tensor->dtype == t->dtype && out[i].tensor->rank == t->rank;
        for (int d = 0; ok && d < t->rank; d++) ok = out[i].tensor->dims[d] == t->dims[d];
        if (!ok) return vt_error_set(r->err, VT_EINPUT, "infeed: value %zu does not have the declared type", i);
    }
    if (op->nresults) out[op->nresults - 1] = vt_rvalue_token();
    return VT_OK;
}

static vt_status exec_outfeed(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    if (!r->e->outfeed) return vt_rt_unsupported(r, op, "outfeed without a feed supplied through the API");
    size_t n = op->noperands ? op->noperands - 1 : 0;
    vt_status s = r->e->outfeed(r->e->feed_user, in, n, r->err);
    if (s) return s;
    out[0] = vt_rvalue_token();
    return VT_OK;
}

static vt_status exec_get_dimension_size(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    int64_t d;
    if (!vt_attr_i64(op, "dimension", &d)) return vt_error_set(r->err, VT_EINPUT, "get_dimension_size: missing dimension");
    if (in[0].kind != VT_RV_TENSOR || d < 0 || d >= in[0].tensor->rank)
        return vt_error_set(r->err, VT_EINPUT, "get_dimension_size: dimension %lld out of range", (long long)d);
    vt_tensor *t = vt_rt_result(r, op, 0);
    if (!t) return r->err->code;
    vt_store_i64(t->dtype, t->data, in[0].tensor->dims[d]);
    out[0] = vt_rvalue_tensor(t);
    return VT_OK;
}

vt_exec_fn vt_exec_control_fn(const vt_op *op);
vt_exec_fn vt_exec_control_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_CONSTANT: return exec_constant;
    case VT_OP_WHILE: return exec_while;
    case VT_OP_IF: return exec_if;
    case VT_OP_CASE: return exec_case;
    case VT_OP_FUNC_CALL: return exec_call;
    case VT_OP_COMPOSITE: return exec_composite;
    case VT_OP_MAP: return exec_map;
    case VT_OP_OPTIMIZATION_BARRIER: return exec_identity;
    case VT_OP_TUPLE: return exec_tuple;
    case VT_OP_GET_TUPLE_ELEMENT: return exec_get_tuple_element;
    case VT_OP_AFTER_ALL:
    case VT_OP_CREATE_TOKEN: return exec_token;
    case VT_OP_REPLICA_ID:
    case VT_OP_PARTITION_ID: return exec_index_id;
    case VT_OP_INFEED: return exec_infeed;
    case VT_OP_GET_DIMENSION_SIZE: return exec_get_dimension_size;
    case VT_OP_OUTFEED: return exec_outfeed;
    default: return NULL;
    }
}
