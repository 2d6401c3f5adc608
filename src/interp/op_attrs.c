/* Attribute readers shared by op implementations: integer lists, scalars and enum values under
 * the spec's attribute names (the parser canonicalises pretty forms into these). */
#include "interp/interp_internal.h"

#include <string.h>

bool vt_attr_i64s(const vt_op *op, const char *name, int64_t *out, size_t cap, size_t *n) {
    vt_attr *a = vt_op_attr(op, name);
    if (!a) {
        *n = 0;
        return false;
    }
    return vt_attr_as_i64_array(a, out, cap, n);
}

bool vt_field_i64s(const vt_attr *dict, const char *name, int64_t *out, size_t cap, size_t *n) {
    vt_attr *a = vt_attr_dict_get(dict, name);
    if (!a) {
        *n = 0;
        return true; /* absent list fields mean "empty" in StableHLO's structured attributes */
    }
    if (a->kind == VT_ATTR_INT) {
        if (cap < 1) return false;
        out[0] = a->i;
        *n = 1;
        return true;
    }
    return vt_attr_as_i64_array(a, out, cap, n);
}

bool vt_attr_i64(const vt_op *op, const char *name, int64_t *out) {
    vt_attr *a = vt_op_attr(op, name);
    return a && vt_attr_as_i64(a, out);
}

const char *vt_attr_enum(const vt_op *op, const char *name) {
    vt_attr *a = vt_op_attr(op, name);
    if (!a) return NULL;
    if (a->kind == VT_ATTR_ENUM || a->kind == VT_ATTR_STRING || a->kind == VT_ATTR_SYMBOL) return a->str;
    if (a->kind == VT_ATTR_OPAQUE) return a->str;
    return NULL;
}

vt_status vt_rt_expect_tensor(vt_run *r, const vt_op *op, const vt_rvalue *v, size_t index, vt_tensor **out) {
    if (v->kind != VT_RV_TENSOR || !v->tensor)
        return vt_error_set(r->err, VT_EINPUT, "%s: operand %zu is not a tensor", vt_op_name(op), index);
    *out = v->tensor;
    return VT_OK;
}

vt_status vt_rt_unsupported(vt_run *r, const vt_op *op, const char *what) {
    if (what) return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: %s in %s", what, vt_op_name(op));
    return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: op '%s'", vt_op_name(op));
}
