/* The door to outside code: custom_call runs only handlers registered by name (check.* ops of
 * the conformance programs go through the same registry). JAX's sharding annotations and
 * Shardy ops run as identities on one device and are refused by name on a larger mesh. */
#include "interp/interp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vt_hook_entry *find_hook(const vt_engine *e, const char *target) {
    for (size_t i = 0; i < e->nhooks; i++)
        if (strcmp(e->hooks[i].target, target) == 0) return &e->hooks[i];
    return NULL;
}

static bool same_types(const vt_op *op) {
    if (op->noperands != op->nresults) return false;
    for (size_t i = 0; i < op->noperands; i++)
        if (!vt_type_equal(op->operands[i]->type, op->results[i].type)) return false;
    return true;
}

/* mhlo.sharding strings name a device grid like "{devices=[2,1]<=[2]}"; more than one device
 * means the annotation would change how values are laid out across devices. */
static bool sharding_is_single_device(const vt_op *op) {
    vt_attr *a = vt_op_attr(op, "mhlo.sharding");
    const char *s = a ? vt_attr_as_string(a) : NULL;
    if (!s) return true;
    const char *d = strstr(s, "devices=[");
    if (!d) return true;
    for (d += 9; *d && *d != ']'; d++) {
        if (*d >= '0' && *d <= '9') {
            long v = strtol(d, (char **)&d, 10);
            if (v > 1) return false;
            d--;
        }
    }
    return true;
}

static vt_status call_hook(vt_run *r, const vt_op *op, const char *target, vt_rvalue *in, vt_rvalue *out) {
    const vt_hook_entry *h = find_hook(r->e, target);
    if (!h) {
        if (op->code == VT_OP_CUSTOM_CALL)
            return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: custom_call target '%s' is not registered", target);
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: no handler registered for %s", target);
    }
    const vt_type *small[8];
    const vt_type **types = op->nresults <= 8 ? small : malloc(op->nresults * sizeof *types);
    if (!types) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t i = 0; i < op->nresults; i++) types[i] = op->results[i].type;
    vt_hook_call call = {r->e, op, target, in, op->noperands, out, op->nresults, types, r->iters, r->niters,
                         r->replica_id, r->partition_id};
    vt_status s = h->fn(h->user, &call, r->err);
    if (s == VT_OK) {
        for (size_t i = 0; i < op->nresults; i++) {
            const vt_type *t = types[i];
            bool ok;
            if (t->kind == VT_TYPE_TOKEN) ok = out[i].kind == VT_RV_TOKEN;
            else if (t->kind == VT_TYPE_TENSOR) {
                ok = out[i].kind == VT_RV_TENSOR && out[i].tensor && out[i].tensor->dtype == t->dtype &&
                     out[i].tensor->rank == t->rank;
                for (int d = 0; ok && d < t->rank; d++)
                    ok = t->dims[d] == VT_DYN || t->dims[d] == out[i].tensor->dims[d];
            } else ok = out[i].kind != VT_RV_NONE;
            if (!ok) {
                s = vt_error_set(r->err, VT_EINTERNAL, "hook '%s' returned result %zu of the wrong type", target, i);
                break;
            }
        }
    }
    if (types != small) free(types);
    return s;
}

static vt_status exec_custom_call(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    const char *target = vt_op_callee(op);
    if (!target) return vt_error_set(r->err, VT_EINPUT, "custom_call without call_target_name");
    if (strcmp(target, "Sharding") == 0 || strcmp(target, "SPMDFullToShardShape") == 0 ||
        strcmp(target, "SPMDShardToFullShape") == 0) {
        if (!same_types(op) || !sharding_is_single_device(op))
            return vt_error_set(r->err, VT_EUNSUPPORTED,
                                "not supported: custom_call @%s over a mesh of more than one device", target);
        for (size_t i = 0; i < op->noperands; i++) {
            vt_status s = vt_rvalue_copy(&in[i], &out[i], r->err);
            if (s) return s;
        }
        return VT_OK;
    }
    return call_hook(r, op, target, in, out);
}

static vt_status exec_check(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    return call_hook(r, op, vt_op_name(op), in, out);
}

static vt_status exec_sdy_identity(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    if (!same_types(op)) return vt_error_set(r->err, VT_EINPUT, "%s changes the type of its operand", vt_op_name(op));
    for (size_t i = 0; i < op->noperands; i++) {
        vt_status s = vt_rvalue_copy(&in[i], &out[i], r->err);
        if (s) return s;
    }
    return VT_OK;
}

/* On one device the manual (per-device) shapes equal the global ones and the region is just
 * the computation; anything else needs the distributed engine. */
static vt_status exec_manual(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)c;
    const vt_region *reg = op->regions[0];
    if (reg->nblocks != 1 || reg->blocks[0]->nargs != op->noperands)
        return vt_error_set(r->err, VT_EINPUT, "sdy.manual_computation: region arguments do not match operands");
    const vt_block *b = reg->blocks[0];
    for (size_t i = 0; i < op->noperands; i++)
        if (!vt_type_equal(b->args[i].type, op->operands[i]->type))
            return vt_error_set(r->err, VT_EUNSUPPORTED,
                                "not supported: sdy.manual_computation over a mesh of more than one device");
    return vt_exec_region(r, f, reg, in, op->noperands, out, op->nresults);
}

/* interpreter.probe: identity that records its operand under probe_id. */
static vt_status exec_probe(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    (void)f, (void)c;
    vt_attr *a = vt_op_attr(op, "probe_id");
    const char *id = a ? vt_attr_as_string(a) : NULL;
    if (!id) return vt_error_set(r->err, VT_EINPUT, "interpreter.probe without probe_id");
    if (in[0].kind != VT_RV_TENSOR) return vt_error_set(r->err, VT_EINPUT, "interpreter.probe of a non-tensor");
    char **ids = realloc(r->probe_ids, (r->nprobes + 1) * sizeof *ids);
    if (ids) r->probe_ids = ids;
    vt_tensor **ts = ids ? realloc(r->probes, (r->nprobes + 1) * sizeof *ts) : NULL;
    if (ts) r->probes = ts;
    char *dup = ts ? strdup(id) : NULL;
    if (!dup) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    r->probe_ids[r->nprobes] = dup;
    r->probes[r->nprobes++] = vt_tensor_retain(in[0].tensor);
    return vt_rvalue_copy(&in[0], &out[0], r->err);
}

/* check.expect_serialized_eq: the operand must equal, bit for bit, the value probed under
 * probe_id in iteration `iter` (0-based count of that probe's records in execution order, as
 * the reference interpreter numbers its serialized files; absent: 0); the registered check
 * handler is then told that the check passed. */
static vt_status exec_serialized_eq(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c, vt_rvalue *out) {
    vt_attr *a = vt_op_attr(op, "probe_id");
    const char *id = a ? vt_attr_as_string(a) : NULL;
    if (!id) return vt_error_set(r->err, VT_EINPUT, "check.expect_serialized_eq without probe_id");
    int64_t iter = 0;
    if (vt_op_attr(op, "iter") && (!vt_attr_i64(op, "iter", &iter) || iter < 0))
        return vt_error_set(r->err, VT_EINPUT, "check.expect_serialized_eq: iter must be a non-negative integer");
    const vt_tensor *want = NULL;
    int64_t seen = 0;
    for (size_t i = 0; i < r->nprobes && !want; i++)
        if (strcmp(r->probe_ids[i], id) == 0 && seen++ == iter) want = r->probes[i];
    if (!want) {
        if (seen == 0) return vt_error_set(r->err, VT_ECHECK, "check.expect_serialized_eq: nothing was probed as '%s'", id);
        return vt_error_set(r->err, VT_ECHECK, "check.expect_serialized_eq: probe '%s' recorded %lld values, no iteration %lld", id,
                            (long long)seen, (long long)iter);
    }
    const vt_tensor *got = in[0].kind == VT_RV_TENSOR ? in[0].tensor : NULL;
    if (!got || got->dtype != want->dtype || !vt_tensor_same_shape(got, want) || memcmp(got->data, want->data, got->nbytes) != 0)
        return vt_error_set(r->err, VT_ECHECK, "check.expect_serialized_eq: value differs from probe '%s' iteration %lld", id,
                            (long long)iter);
    return exec_check(r, f, op, in, c, out);
}

vt_exec_fn vt_exec_hook_fn(const vt_op *op);
vt_exec_fn vt_exec_hook_fn(const vt_op *op) {
    if (op->code == VT_OP_CUSTOM_CALL) return exec_custom_call;
    if (op->code == VT_OP_INTERPRETER_PROBE) return exec_probe;
    if (op->code == VT_OP_CHECK_EXPECT_SERIALIZED_EQ) return exec_serialized_eq;
    if (vt_op_get_info(op)->flags & VT_OPF_CHECK) return exec_check;
    switch (op->code) {
    case VT_OP_SDY_SHARDING_CONSTRAINT:
    case VT_OP_SDY_RESHARD: return exec_sdy_identity;
    case VT_OP_SDY_MANUAL_COMPUTATION: return exec_manual;
    default: return NULL;
    }
}
