/* Private helpers shared by the per-op constraint checkers (verify_*.c): error messages that
 * cite file:line:col and the op, and type predicates that treat `?` as compatible. */
#ifndef VT_HLO_VERIFY_INTERNAL_H
#define VT_HLO_VERIFY_INTERNAL_H

#include "veritor/hlo.h"

/* VT_EINPUT "file:line:col: op: <message>". */
vt_status vt_vfail(const vt_module *m, const vt_op *op, vt_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Dimensions equal or either dynamic. */
bool vt_vdim_ok(int64_t a, int64_t b);
/* Both tensors of the same rank with compatible dims. */
bool vt_vsame_shape(const vt_type *a, const vt_type *b);
/* Same element type (quantized types compare their storage; callers skip quantized where the
 * spec allows mixing). */
bool vt_vsame_elem(const vt_type *a, const vt_type *b);
/* Reads an integer list attribute into out (cap entries); false when absent or malformed. */
bool vt_vlist(const vt_op *op, const char *name, int64_t *out, size_t cap, size_t *n);
/* Same for a field of a DIALECT attribute; an absent field is an empty list. */
bool vt_vfield_list(const vt_attr *a, const char *field, int64_t *out, size_t cap, size_t *n);
/* "tensor<2x3xf32>" of a type into a caller buffer of 96 bytes. */
const char *vt_vtype(const vt_type *t, char *buf);

/* Families (verify_shape.c, verify_dot.c, verify_control.c, verify_misc.c). VT_OK when op is
 * not theirs. */
vt_status vt_verify_shape_ops(const vt_module *m, const vt_op *op, vt_error *err);
vt_status vt_verify_dot_ops(const vt_module *m, const vt_op *op, vt_error *err);
vt_status vt_verify_control_ops(const vt_module *m, const vt_op *op, vt_error *err);
vt_status vt_verify_misc_ops(const vt_module *m, const vt_op *op, vt_error *err);

#endif
