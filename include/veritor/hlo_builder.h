/* veritor hlo builder: constructs StableHLO modules programmatically (functions, ops with
 * operands, attributes and regions, control flow) into the same IR the parser produces, so that
 * vt_module_verify, vt_module_print and the interpreter treat built and parsed modules alike. */
#ifndef VERITOR_HLO_BUILDER_H
#define VERITOR_HLO_BUILDER_H

#include "veritor/hlo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Errors are sticky: the first misuse (wrong operand count, a value from another function, an
 * op after a terminator, ...) is recorded, every later call returns NULL / the same status, and
 * vt_builder_finish reports it. So generator code may check once at the end. */
typedef struct vt_builder vt_builder;

/* module_name: without '@' ("jit_f"), NULL for an unnamed module. NULL on out of memory. */
vt_builder *vt_builder_new(const char *module_name, vt_error *err);
/* Frees the builder and, unless vt_builder_finish handed it out, the module. */
void vt_builder_free(vt_builder *b);
/* The module under construction (still owned by the builder). */
vt_module *vt_builder_module(vt_builder *b);
/* The first error so far (VT_OK when none); copies its message into err when given. */
vt_status vt_builder_status(const vt_builder *b, vt_error *err);
/* Runs vt_module_verify and hands the module to the caller (vt_module_free). On error the
 * module stays with the builder and *out is NULL. */
vt_status vt_builder_finish(vt_builder *b, vt_module **out, vt_error *err);

/* ---- types (module-owned, may be shared freely) ---- */
const vt_type *vt_builder_tensor_type(vt_builder *b, vt_dtype dtype, int rank, const int64_t *dims);
const vt_type *vt_builder_scalar_type(vt_builder *b, vt_dtype dtype); /* tensor<dtype> */
const vt_type *vt_builder_element_type(vt_builder *b, vt_dtype dtype); /* bare f32, for attributes */
const vt_type *vt_builder_token_type(vt_builder *b);
/* Same shape as t with another element type. */
const vt_type *vt_builder_retype(vt_builder *b, const vt_type *t, vt_dtype dtype);

/* ---- attributes ---- */
vt_attr *vt_builder_attr_unit(vt_builder *b);
vt_attr *vt_builder_attr_bool(vt_builder *b, bool v);
/* type: VT_DTYPE_INVALID for an untyped integer, else `v : type` (e.g. VT_I64, VT_I32). */
vt_attr *vt_builder_attr_int(vt_builder *b, int64_t v, vt_dtype type);
vt_attr *vt_builder_attr_float(vt_builder *b, double v, vt_dtype type);
vt_attr *vt_builder_attr_string(vt_builder *b, const char *s, size_t n);
vt_attr *vt_builder_attr_symbol(vt_builder *b, const char *name); /* @name */
vt_attr *vt_builder_attr_i64_array(vt_builder *b, const int64_t *v, size_t n); /* array<i64: ...> */
vt_attr *vt_builder_attr_int_list(vt_builder *b, const int64_t *v, size_t n);  /* [1, 2] */
vt_attr *vt_builder_attr_array(vt_builder *b, vt_attr *const *elems, size_t n);
/* dense<...> : type. The module takes its own reference to t; t's dtype and shape must match
 * type's (a one-element t with a larger type makes a splat). */
vt_attr *vt_builder_attr_dense(vt_builder *b, vt_tensor *t, const vt_type *type);
/* #dialect<name value>, e.g. ("stablehlo", "comparison_direction", "LT"). */
vt_attr *vt_builder_attr_enum(vt_builder *b, const char *dialect, const char *name, const char *value);
/* {a = .., b = ..} (DICT) and #dialect.name<field = ..., ...> (DIALECT); fields are copied and
 * a DIALECT attribute's fields sorted by name. */
vt_attr *vt_builder_attr_dict(vt_builder *b, const vt_named_attr *fields, size_t n);
vt_attr *vt_builder_attr_dialect(vt_builder *b, const char *dialect, const char *name, const vt_named_attr *fields,
                                 size_t n);

/* ---- functions and insertion point ---- */
/* Appends a function whose body is one block with the arguments (named %arg0...), and makes
 * that block the insertion point. visibility: "public", "private" or NULL. */
vt_func *vt_builder_func(vt_builder *b, const char *name, const char *visibility, const vt_type *const *arg_types,
                         size_t nargs, const vt_type *const *result_types, size_t nresults);
vt_value *vt_builder_func_arg(vt_builder *b, vt_func *f, size_t i);
/* Sets a per-argument / per-result attribute (e.g. "jax.result_info"). */
vt_status vt_builder_func_arg_attr(vt_builder *b, vt_func *f, size_t i, const char *name, vt_attr *value);
vt_status vt_builder_func_result_attr(vt_builder *b, vt_func *f, size_t i, const char *name, vt_attr *value);
/* Insertion point: new ops are appended to this block. push/pop keep a stack for regions. */
vt_block *vt_builder_block(const vt_builder *b);
void vt_builder_set_block(vt_builder *b, vt_block *blk);
void vt_builder_push_block(vt_builder *b, vt_block *blk);
void vt_builder_pop_block(vt_builder *b);
/* Adds a block with arguments of the given types to region i of op (regions are created with
 * the op) and returns it; not yet the insertion point. */
vt_block *vt_builder_add_block(vt_builder *b, vt_op *op, size_t region, const vt_type *const *arg_types, size_t nargs);
vt_value *vt_builder_block_arg(vt_builder *b, vt_block *blk, size_t i);

/* ---- ops ---- */
/* The generic case: `name` is a full op name ("stablehlo.add"; any "dialect.op" is kept opaque).
 * attrs are copied and sorted by name; nregions empty regions are created (fill them with
 * vt_builder_add_block). Operand, result and region counts are checked against the op table. */
vt_op *vt_build_op(vt_builder *b, const char *name, vt_value *const *operands, size_t noperands,
                   const vt_type *const *result_types, size_t nresults, const vt_named_attr *attrs, size_t nattrs,
                   size_t nregions);
vt_value *vt_builder_result(vt_builder *b, vt_op *op, size_t i);

/* Convenience helpers: each returns the op's (first) result, NULL after an error. */
vt_value *vt_build_constant(vt_builder *b, vt_tensor *t); /* dense constant of t's type */
vt_value *vt_build_constant_scalar(vt_builder *b, vt_dtype dtype, double v); /* tensor<dtype> */
vt_value *vt_build_splat(vt_builder *b, const vt_type *type, double v);     /* dense<v> : type */
/* Elementwise unary / binary op by code (result type of x; VT_OP_COMPARE is not one of these). */
vt_value *vt_build_unary(vt_builder *b, vt_opcode code, vt_value *x);
vt_value *vt_build_binary(vt_builder *b, vt_opcode code, vt_value *x, vt_value *y);
/* direction: "EQ","NE","LT","LE","GT","GE"; compare_type: "FLOAT","SIGNED","UNSIGNED","TOTALORDER"
 * or NULL (derived from the element type). */
vt_value *vt_build_compare(vt_builder *b, const char *direction, vt_value *x, vt_value *y, const char *compare_type);
vt_value *vt_build_select(vt_builder *b, vt_value *pred, vt_value *on_true, vt_value *on_false);
vt_value *vt_build_convert(vt_builder *b, vt_value *x, vt_dtype to);
vt_value *vt_build_iota(vt_builder *b, const vt_type *type, int64_t dim);
vt_value *vt_build_broadcast_in_dim(vt_builder *b, vt_value *x, const vt_type *type, const int64_t *dims, size_t n);
vt_value *vt_build_reshape(vt_builder *b, vt_value *x, const vt_type *type);
vt_value *vt_build_transpose(vt_builder *b, vt_value *x, const int64_t *perm, size_t n);
/* Result shape: batch dims, then lhs free dims, then rhs free dims; element type of lhs. */
vt_value *vt_build_dot_general(vt_builder *b, vt_value *lhs, vt_value *rhs, const int64_t *lhs_batch,
                               const int64_t *rhs_batch, size_t nbatch, const int64_t *lhs_contract,
                               const int64_t *rhs_contract, size_t ncontract);
/* reduce x over dims with init (a scalar tensor of x's element type) and a body applying the
 * binary op `kind` (VT_OP_ADD, VT_OP_MAXIMUM, ...). */
vt_value *vt_build_reduce(vt_builder *b, vt_opcode kind, vt_value *x, vt_value *init, const int64_t *dims, size_t n);
vt_value *vt_build_slice(vt_builder *b, vt_value *x, const int64_t *start, const int64_t *limit, const int64_t *strides);
vt_value *vt_build_dynamic_slice(vt_builder *b, vt_value *x, vt_value *const *starts, const int64_t *sizes);
vt_value *vt_build_dynamic_update_slice(vt_builder *b, vt_value *x, vt_value *update, vt_value *const *starts);
vt_value *vt_build_concatenate(vt_builder *b, vt_value *const *xs, size_t n, int64_t dim);

typedef struct vt_gather_dims {
    const int64_t *offset_dims; size_t noffset_dims;
    const int64_t *collapsed_slice_dims; size_t ncollapsed_slice_dims;
    const int64_t *operand_batching_dims; size_t noperand_batching_dims;
    const int64_t *start_indices_batching_dims; size_t nstart_indices_batching_dims;
    const int64_t *start_index_map; size_t nstart_index_map;
    int64_t index_vector_dim;
} vt_gather_dims;
vt_value *vt_build_gather(vt_builder *b, vt_value *operand, vt_value *indices, const vt_gather_dims *d,
                          const int64_t *slice_sizes, size_t nslice, const vt_type *result_type);

typedef struct vt_scatter_dims {
    const int64_t *update_window_dims; size_t nupdate_window_dims;
    const int64_t *inserted_window_dims; size_t ninserted_window_dims;
    const int64_t *input_batching_dims; size_t ninput_batching_dims;
    const int64_t *scatter_indices_batching_dims; size_t nscatter_indices_batching_dims;
    const int64_t *scatter_dims_to_operand_dims; size_t nscatter_dims_to_operand_dims;
    int64_t index_vector_dim;
} vt_scatter_dims;
/* One operand; kind: the combiner (VT_OP_ADD, ...) or VT_OP_UNKNOWN to overwrite (returns the
 * update). */
vt_value *vt_build_scatter(vt_builder *b, vt_value *operand, vt_value *indices, vt_value *updates,
                           const vt_scatter_dims *d, vt_opcode kind);

/* stablehlo.custom_call @target(operands) with result types; backend_config may be NULL. */
vt_op *vt_build_custom_call(vt_builder *b, const char *target, vt_value *const *operands, size_t n,
                            const vt_type *const *result_types, size_t nresults, const char *backend_config);
vt_op *vt_build_call(vt_builder *b, vt_func *callee, vt_value *const *args, size_t n);
/* func.return in a function body, stablehlo.return in a region (chosen from the block). */
vt_op *vt_build_return(vt_builder *b, vt_value *const *values, size_t n);

/* while: begin creates the op with cond and body blocks whose arguments mirror the carried
 * values; build cond (ending in a return of a tensor<i1>) with vt_builder_while_cond, then the
 * body (ending in a return of the carry) with vt_builder_while_body; end restores the insertion
 * point. Results: vt_builder_result(b, op, i). */
vt_op *vt_build_while_begin(vt_builder *b, vt_value *const *init, size_t n);
vt_block *vt_builder_while_cond(vt_builder *b, vt_op *w); /* also becomes the insertion point */
vt_block *vt_builder_while_body(vt_builder *b, vt_op *w); /* also becomes the insertion point */
vt_status vt_build_while_end(vt_builder *b, vt_op *w);

#ifdef __cplusplus
}
#endif
#endif
