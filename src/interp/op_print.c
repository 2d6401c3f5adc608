/* interpreter.print: formats a value the way the StableHLO reference interpreter does
 * ("%0 = tensor<2xi32> {\n  [0, 1]\n}") and hands it to the engine's logger as one message, so
 * a print inside run_parallel is never interleaved with another process's (the library never prints). */
#include "interp/interp_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A print is text for a human: beyond this many elements it is cut short with "...", so a
 * hostile graph cannot make the logger receive gigabytes. */
#define VT_PRINT_MAX_ELEMS ((size_t)1 << 16)

static void put_elem(vt_buf *b, const vt_tensor *t, size_t i) {
    size_t es = vt_dtype_size(t->dtype);
    const char *p = (const char *)t->data + i * es;
    switch (vt_dtype_kind_of(t->dtype)) {
    case VT_KIND_BOOL: vt_buf_puts(b, vt_load_i64(t->dtype, p) ? "true" : "false"); break;
    case VT_KIND_SINT: vt_buf_printf(b, "%" PRId64, vt_load_i64(t->dtype, p)); break;
    case VT_KIND_UINT: vt_buf_printf(b, "%" PRIu64, vt_load_u64(t->dtype, p)); break;
    case VT_KIND_FLOAT: vt_buf_printf(b, "%e", vt_load_f64(t->dtype, p)); break;
    case VT_KIND_COMPLEX: {
        vt_dtype part = vt_complex_part_dtype(t->dtype);
        size_t ps = vt_dtype_size(part);
        vt_buf_printf(b, "[%e, %e]", vt_load_f64(part, p), vt_load_f64(part, p + ps));
        break;
    }
    }
}

/* Prints dimension d starting at element *i, indented by `ind` spaces; the innermost dimension
 * goes on one line, outer ones open a bracket per line, as the reference interpreter does. */
static void put_dim(vt_buf *b, const vt_tensor *t, int d, size_t *i, int ind, size_t *budget) {
    int64_t n = t->dims[d];
    if (d == t->rank - 1 || n == 0) {
        vt_buf_printf(b, "%*s[", ind, "");
        if (d == t->rank - 1) {
            for (int64_t k = 0; k < n; k++) {
                if (k) vt_buf_puts(b, ", ");
                if (!*budget) {
                    vt_buf_puts(b, "...");
                    break;
                }
                put_elem(b, t, *i + (size_t)k);
                (*budget)--;
            }
            *i += (size_t)n;
        }
        vt_buf_puts(b, "]");
        return;
    }
    vt_buf_printf(b, "%*s[\n", ind, "");
    size_t inner = 1;
    for (int k = d + 1; k < t->rank; k++) inner *= (size_t)t->dims[k];
    for (int64_t k = 0; k < n; k++) {
        if (!*budget) {
            vt_buf_printf(b, "%*s...\n", ind + 2, "");
            *i += (size_t)(n - k) * inner;
            break;
        }
        put_dim(b, t, d + 1, i, ind + 2, budget);
        vt_buf_puts(b, k + 1 < n ? ",\n" : "\n");
    }
    vt_buf_printf(b, "%*s]", ind, "");
}

/* Appends the reference interpreter's text for tensor t (without a name). */
static void put_tensor(vt_buf *b, const vt_tensor *t, size_t *budget) {
    char ty[256];
    vt_tensor_type_str(t, ty, sizeof ty);
    vt_buf_printf(b, "%s {", ty);
    size_t i = 0;
    if (t->rank == 0) {
        if (*budget) (*budget)--;
        put_elem(b, t, 0);
        vt_buf_puts(b, "}");
        return;
    }
    vt_buf_puts(b, "\n");
    put_dim(b, t, 0, &i, 2, budget);
    vt_buf_puts(b, "\n}");
}

/* budget: elements left to print over the whole value (tuples included) */
static void put_value(vt_buf *b, const vt_rvalue *v, size_t *budget) {
    switch (v->kind) {
    case VT_RV_TENSOR:
        if (v->tensor) put_tensor(b, v->tensor, budget);
        else vt_buf_puts(b, "<null>");
        break;
    case VT_RV_TOKEN: vt_buf_puts(b, "!stablehlo.token"); break;
    case VT_RV_TUPLE:
        vt_buf_puts(b, "tuple(");
        for (size_t k = 0; k < v->n; k++) {
            if (k) vt_buf_puts(b, ", ");
            put_value(b, &v->elems[k], budget);
        }
        vt_buf_puts(b, ")");
        break;
    case VT_RV_NONE: vt_buf_puts(b, "<none>"); break;
    }
}

static uint64_t value_elems(const vt_rvalue *v) {
    if (v->kind == VT_RV_TENSOR && v->tensor) return v->tensor->nelem;
    uint64_t n = 1;
    if (v->kind == VT_RV_TUPLE)
        for (size_t k = 0; k < v->n; k++) n += value_elems(&v->elems[k]);
    return n;
}

static vt_status exec_print(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t cons, vt_rvalue *out) {
    (void)f, (void)cons, (void)out;
    if (op->noperands != 1) return vt_error_set(r->err, VT_EINPUT, "interpreter.print takes one operand, got %zu", op->noperands);
    uint64_t n = value_elems(&in[0]);
    vt_status s = vt_kctx_charge(&r->kc, n < VT_PRINT_MAX_ELEMS ? n : VT_PRINT_MAX_ELEMS, r->err);
    if (s != VT_OK) return s;
    if (!r->e->logger.fn || r->e->logger.min_level > VT_LOG_INFO) return VT_OK; /* nobody listens */
    vt_buf b;
    vt_buf_init(&b);
    if (r->coll) vt_buf_printf(&b, "process (%u, %u): ", r->replica_id, r->partition_id);
    const vt_value *v = op->operands[0];
    if (v->name) {
        if (v->grouped) vt_buf_printf(&b, "%%%s#%u = ", v->name, v->index);
        else vt_buf_printf(&b, "%%%s = ", v->name);
    }
    size_t budget = VT_PRINT_MAX_ELEMS;
    put_value(&b, &in[0], &budget);
    const char *msg = vt_buf_cstr(&b);
    if (b.failed) {
        vt_buf_free(&b);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory formatting interpreter.print");
    }
    /* straight to the sink: vt_log formats into a fixed buffer and would cut a large value short */
    r->e->logger.fn(r->e->logger.user, VT_LOG_INFO, msg);
    vt_buf_free(&b);
    return VT_OK;
}

vt_exec_fn vt_exec_print_fn(const vt_op *op);
vt_exec_fn vt_exec_print_fn(const vt_op *op) { return op->code == VT_OP_INTERPRETER_PRINT ? exec_print : NULL; }
