/* Private helpers shared by the transform layer (the files of src/transform): a pointer-keyed hash map,
 * a string set, builder error capture and symbol reachability. Other transform files may
 * include this read-only; it is not public API. */
#ifndef VT_TRANSFORM_XF_UTIL_H
#define VT_TRANSFORM_XF_UTIL_H

#include "veritor/transform.h"

/* Open-addressing map from pointers to pointers (NULL keys are not stored). */
typedef struct vt_xf_ptrmap {
    const void **keys;
    void **vals;
    size_t cap, n; /* cap is 0 or a power of two */
} vt_xf_ptrmap;
void vt_xf_ptrmap_clear(vt_xf_ptrmap *pm);                /* frees storage */
void *vt_xf_ptrmap_get(const vt_xf_ptrmap *pm, const void *key);
bool vt_xf_ptrmap_put(vt_xf_ptrmap *pm, const void *key, void *val); /* false: out of memory */

/* Set of NUL-terminated strings (copied); used for function names. */
typedef struct vt_xf_strset {
    char **keys;
    size_t cap, n;
} vt_xf_strset;
void vt_xf_strset_clear(vt_xf_strset *s);
bool vt_xf_strset_has(const vt_xf_strset *s, const char *key);
bool vt_xf_strset_add(vt_xf_strset *s, const char *key); /* false: out of memory */

/* The builder's sticky error into err (VT_EINTERNAL when the builder has none recorded). */
vt_status vt_xf_builder_error(const vt_builder *b, vt_error *err);

/* Functions of m reachable from the roots: the public functions (visibility NULL or "public")
 * or only `entry`, following every symbol reference of ops (func.call callee, custom_call
 * call_target_name, composite decomposition, and any SYMBOL attribute naming a function).
 * live[i] is set for m->funcs[i]. VT_EINPUT when entry names no function (message names it). */
vt_status vt_xf_reachable_funcs(const vt_module *m, const char *entry, bool *live, vt_error *err);

/* Marks (and pushes on stack, which needs room for every function) the functions that op itself
 * names, not looking into its regions. */
void vt_xf_refs_push(const vt_module *m, const vt_op *op, bool *live, long *stack, size_t *sp);

/* Names the module under construction after its source for messages ("model.mlir (inline)"). */
vt_status vt_xf_name_result(vt_builder *b, const vt_module *src, const char *what, vt_error *err);

/* Index of function `name` in m->funcs, or -1. */
long vt_xf_func_index(const vt_module *m, const char *name);

#endif
