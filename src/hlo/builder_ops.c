/* Builder API, op helpers: one function per common StableHLO op that derives the result type
 * where the spec fixes it and spells attributes the way the parser stores them, so built ops
 * print and re-parse exactly like JAX's. */
#include "veritor/hlo_builder.h"
#include "hlo/builder_internal.h"

#include <stdio.h>
#include <string.h>

#define NA(n, v) ((vt_named_attr){(n), (v)})

static vt_value *first(vt_builder *b, vt_op *op) { return op ? vt_builder_result(b, op, 0) : NULL; }

static vt_value *op1(vt_builder *b, const char *name, vt_value *const *ops, size_t n, const vt_type *rt,
                     const vt_named_attr *attrs, size_t nattrs) {
    for (size_t i = 0; i < nattrs; i++)
        if (!attrs[i].value) return NULL; /* an attribute constructor failed: error already set */
    if (!rt) return NULL;
    return first(b, vt_build_op(b, name, ops, n, &rt, 1, attrs, nattrs, 0));
}

/* Checks that values are non-NULL tensors; sets the sticky error otherwise. */
static bool tensors(vt_builder *b, const char *what, vt_value *const *vs, size_t n) {
    if (b->err.code) return false;
    for (size_t i = 0; i < n; i++)
        if (!vs[i] || !vt_type_is_tensor(vs[i]->type)) {
            vt_bld_fail(b, VT_EINPUT, "%s: operand %zu is %s", what, i, vs[i] ? "not a tensor" : "NULL");
            return false;
        }
    return true;
}

static bool check_dim(vt_builder *b, const char *what, int64_t d, int rank) {
    if (d < 0 || d >= rank) {
        vt_bld_fail(b, VT_EINPUT, "%s: dimension %lld outside [0, %d)", what, (long long)d, rank);
        return false;
    }
    return true;
}

vt_value *vt_build_constant(vt_builder *b, vt_tensor *t) {
    if (b->err.code) return NULL;
    if (!t) {
        vt_bld_fail(b, VT_EINPUT, "constant: NULL tensor");
        return NULL;
    }
    const vt_type *ty = vt_builder_tensor_type(b, t->dtype, t->rank, t->dims);
    vt_named_attr a = NA("value", vt_builder_attr_dense(b, t, ty));
    return op1(b, "stablehlo.constant", NULL, 0, ty, &a, 1);
}

vt_value *vt_build_splat(vt_builder *b, const vt_type *type, double v) {
    if (b->err.code) return NULL;
    if (!vt_type_is_tensor(type)) {
        vt_bld_fail(b, VT_EINPUT, "constant: not a tensor type");
        return NULL;
    }
    vt_error e;
    vt_tensor *t = vt_tensor_create(type->dtype, 0, NULL, UINT64_MAX, &e);
    if (!t) {
        vt_bld_fail(b, e.code, "%s", e.msg);
        return NULL;
    }
    vt_store_f64(t->dtype, t->data, v);
    vt_named_attr a = NA("value", vt_builder_attr_dense(b, t, type));
    vt_tensor_release(t);
    return op1(b, "stablehlo.constant", NULL, 0, type, &a, 1);
}

vt_value *vt_build_constant_scalar(vt_builder *b, vt_dtype dtype, double v) {
    return vt_build_splat(b, vt_builder_scalar_type(b, dtype), v);
}

vt_value *vt_build_unary(vt_builder *b, vt_opcode code, vt_value *x) {
    if (!tensors(b, "unary op", &x, 1)) return NULL;
    const vt_op_info *in = vt_op_info_get(code);
    if (!(in->flags & VT_OPF_UNARY)) {
        vt_bld_fail(b, VT_EINPUT, "op code %d is not an elementwise unary op", (int)code);
        return NULL;
    }
    return op1(b, in->name, &x, 1, x->type, NULL, 0);
}

vt_value *vt_build_binary(vt_builder *b, vt_opcode code, vt_value *x, vt_value *y) {
    vt_value *xs[2] = {x, y};
    if (!tensors(b, "binary op", xs, 2)) return NULL;
    const vt_op_info *in = vt_op_info_get(code);
    if (!(in->flags & VT_OPF_BINARY) || code == VT_OP_COMPARE || code == VT_OP_COMPLEX) {
        vt_bld_fail(b, VT_EINPUT, "op code %d is not an elementwise binary op with the operands' type", (int)code);
        return NULL;
    }
    return op1(b, in->name, xs, 2, x->type, NULL, 0);
}

vt_value *vt_build_compare(vt_builder *b, const char *direction, vt_value *x, vt_value *y, const char *compare_type) {
    vt_value *xs[2] = {x, y};
    if (!tensors(b, "compare", xs, 2)) return NULL;
    static const char *const dirs[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
    bool ok = false;
    for (size_t i = 0; direction && i < 6; i++) ok |= strcmp(direction, dirs[i]) == 0;
    if (!ok) {
        vt_bld_fail(b, VT_EINPUT, "compare: direction '%s' is not EQ, NE, LT, LE, GT or GE", direction ? direction : "(null)");
        return NULL;
    }
    vt_dtype dt = x->type->dtype;
    if (!compare_type) {
        vt_dtype_kind k = vt_dtype_kind_of(dt);
        compare_type = k == VT_KIND_FLOAT || k == VT_KIND_COMPLEX ? "FLOAT" : k == VT_KIND_SINT ? "SIGNED" : "UNSIGNED";
    }
    vt_named_attr a[2] = {NA("compare_type", vt_builder_attr_enum(b, "stablehlo", "comparison_type", compare_type)),
                          NA("comparison_direction", vt_builder_attr_enum(b, "stablehlo", "comparison_direction", direction))};
    return op1(b, "stablehlo.compare", xs, 2, vt_builder_retype(b, x->type, VT_I1), a, 2);
}

vt_value *vt_build_select(vt_builder *b, vt_value *pred, vt_value *on_true, vt_value *on_false) {
    vt_value *xs[3] = {pred, on_true, on_false};
    if (!tensors(b, "select", xs, 3)) return NULL;
    return op1(b, "stablehlo.select", xs, 3, on_true->type, NULL, 0);
}

vt_value *vt_build_convert(vt_builder *b, vt_value *x, vt_dtype to) {
    if (!tensors(b, "convert", &x, 1)) return NULL;
    return op1(b, "stablehlo.convert", &x, 1, vt_builder_retype(b, x->type, to), NULL, 0);
}

vt_value *vt_build_iota(vt_builder *b, const vt_type *type, int64_t dim) {
    if (b->err.code) return NULL;
    if (!vt_type_is_tensor(type) || !check_dim(b, "iota", dim, type->rank)) {
        if (!b->err.code) vt_bld_fail(b, VT_EINPUT, "iota: not a tensor type");
        return NULL;
    }
    vt_named_attr a = NA("iota_dimension", vt_builder_attr_int(b, dim, VT_I64));
    return op1(b, "stablehlo.iota", NULL, 0, type, &a, 1);
}

vt_value *vt_build_broadcast_in_dim(vt_builder *b, vt_value *x, const vt_type *type, const int64_t *dims, size_t n) {
    if (!tensors(b, "broadcast_in_dim", &x, 1)) return NULL;
    if (!vt_type_is_tensor(type) || (size_t)x->type->rank != n) {
        vt_bld_fail(b, VT_EINPUT, "broadcast_in_dim: %zu dimensions for an operand of rank %d", n, x->type->rank);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!check_dim(b, "broadcast_in_dim", dims[i], type->rank)) return NULL;
    vt_named_attr a = NA("broadcast_dimensions", vt_builder_attr_i64_array(b, dims, n));
    return op1(b, "stablehlo.broadcast_in_dim", &x, 1, type, &a, 1);
}

vt_value *vt_build_reshape(vt_builder *b, vt_value *x, const vt_type *type) {
    if (!tensors(b, "reshape", &x, 1)) return NULL;
    return op1(b, "stablehlo.reshape", &x, 1, type, NULL, 0);
}

vt_value *vt_build_transpose(vt_builder *b, vt_value *x, const int64_t *perm, size_t n) {
    if (!tensors(b, "transpose", &x, 1)) return NULL;
    const vt_type *t = x->type;
    if ((size_t)t->rank != n) {
        vt_bld_fail(b, VT_EINPUT, "transpose: permutation of %zu for rank %d", n, t->rank);
        return NULL;
    }
    int64_t dims[VT_MAX_RANK];
    for (size_t i = 0; i < n; i++) {
        if (!check_dim(b, "transpose", perm[i], t->rank)) return NULL;
        dims[i] = t->dims[perm[i]];
    }
    vt_named_attr a = NA("permutation", vt_builder_attr_i64_array(b, perm, n));
    return op1(b, "stablehlo.transpose", &x, 1, vt_builder_tensor_type(b, t->dtype, t->rank, dims), &a, 1);
}

static bool in_list(const int64_t *v, size_t n, int64_t d) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == d) return true;
    return false;
}

vt_value *vt_build_dot_general(vt_builder *b, vt_value *lhs, vt_value *rhs, const int64_t *lhs_batch,
                               const int64_t *rhs_batch, size_t nbatch, const int64_t *lhs_contract,
                               const int64_t *rhs_contract, size_t ncontract) {
    vt_value *xs[2] = {lhs, rhs};
    if (!tensors(b, "dot_general", xs, 2)) return NULL;
    const vt_type *lt = lhs->type, *rt = rhs->type;
    int64_t dims[VT_MAX_RANK];
    size_t nd = 0;
    for (size_t i = 0; i < nbatch; i++) {
        if (!check_dim(b, "dot_general lhs batching", lhs_batch[i], lt->rank) ||
            !check_dim(b, "dot_general rhs batching", rhs_batch[i], rt->rank))
            return NULL;
        dims[nd++] = lt->dims[lhs_batch[i]];
    }
    for (size_t i = 0; i < ncontract; i++)
        if (!check_dim(b, "dot_general lhs contracting", lhs_contract[i], lt->rank) ||
            !check_dim(b, "dot_general rhs contracting", rhs_contract[i], rt->rank))
            return NULL;
    for (int d = 0; d < lt->rank; d++)
        if (!in_list(lhs_batch, nbatch, d) && !in_list(lhs_contract, ncontract, d) && nd < VT_MAX_RANK) dims[nd++] = lt->dims[d];
    for (int d = 0; d < rt->rank; d++)
        if (!in_list(rhs_batch, nbatch, d) && !in_list(rhs_contract, ncontract, d) && nd < VT_MAX_RANK) dims[nd++] = rt->dims[d];
    vt_named_attr f[4];
    size_t nf = 0;
    if (nbatch) {
        f[nf++] = NA("lhs_batching_dimensions", vt_builder_attr_int_list(b, lhs_batch, nbatch));
        f[nf++] = NA("rhs_batching_dimensions", vt_builder_attr_int_list(b, rhs_batch, nbatch));
    }
    if (ncontract) {
        f[nf++] = NA("lhs_contracting_dimensions", vt_builder_attr_int_list(b, lhs_contract, ncontract));
        f[nf++] = NA("rhs_contracting_dimensions", vt_builder_attr_int_list(b, rhs_contract, ncontract));
    }
    for (size_t i = 0; i < nf; i++)
        if (!f[i].value) return NULL;
    vt_named_attr a = NA("dot_dimension_numbers", vt_builder_attr_dialect(b, "stablehlo", "dot", f, nf));
    return op1(b, "stablehlo.dot_general", xs, 2, vt_builder_tensor_type(b, lt->dtype, (int)nd, dims), &a, 1);
}

/* Fills region 0 of op with a block (a, b) of scalar type st returning kind(a, b), or b alone
 * for VT_OP_UNKNOWN (scatter's overwrite). */
static bool binary_body(vt_builder *b, vt_op *op, const vt_type *st, vt_opcode kind) {
    const vt_type *args[2] = {st, st};
    vt_block *blk = vt_builder_add_block(b, op, 0, args, 2);
    if (!blk) return false;
    vt_builder_push_block(b, blk);
    vt_value *r = kind == VT_OP_UNKNOWN ? &blk->args[1] : vt_build_binary(b, kind, &blk->args[0], &blk->args[1]);
    if (r) vt_build_return(b, &r, 1);
    vt_builder_pop_block(b);
    return b->err.code == VT_OK;
}

vt_value *vt_build_reduce(vt_builder *b, vt_opcode kind, vt_value *x, vt_value *init, const int64_t *dims, size_t n) {
    vt_value *xs[2] = {x, init};
    if (!tensors(b, "reduce", xs, 2)) return NULL;
    const vt_type *t = x->type;
    int64_t rd[VT_MAX_RANK];
    int nr = 0;
    for (size_t i = 0; i < n; i++)
        if (!check_dim(b, "reduce", dims[i], t->rank)) return NULL;
    for (int d = 0; d < t->rank; d++)
        if (!in_list(dims, n, d)) rd[nr++] = t->dims[d];
    const vt_type *rt = vt_builder_tensor_type(b, t->dtype, nr, rd);
    vt_named_attr a = NA("dimensions", vt_builder_attr_i64_array(b, dims, n));
    if (!a.value || !rt) return NULL;
    vt_op *op = vt_build_op(b, "stablehlo.reduce", xs, 2, &rt, 1, &a, 1, 1);
    if (!op || !binary_body(b, op, init->type, kind)) return NULL;
    return first(b, op);
}

vt_value *vt_build_slice(vt_builder *b, vt_value *x, const int64_t *start, const int64_t *limit, const int64_t *strides) {
    if (!tensors(b, "slice", &x, 1)) return NULL;
    const vt_type *t = x->type;
    int64_t dims[VT_MAX_RANK], ones[VT_MAX_RANK];
    for (int i = 0; i < t->rank; i++) {
        int64_t s = strides ? strides[i] : 1;
        ones[i] = s;
        if (s <= 0 || start[i] < 0 || limit[i] < start[i] || (t->dims[i] != VT_DYN && limit[i] > t->dims[i])) {
            vt_bld_fail(b, VT_EINPUT, "slice: dimension %d: [%lld:%lld:%lld] does not fit size %lld", i, (long long)start[i],
                        (long long)limit[i], (long long)s, (long long)t->dims[i]);
            return NULL;
        }
        dims[i] = (limit[i] - start[i] + s - 1) / s;
    }
    size_t r = (size_t)t->rank;
    vt_named_attr a[3] = {NA("limit_indices", vt_builder_attr_i64_array(b, limit, r)),
                          NA("start_indices", vt_builder_attr_i64_array(b, start, r)),
                          NA("strides", vt_builder_attr_i64_array(b, ones, r))};
    return op1(b, "stablehlo.slice", &x, 1, vt_builder_tensor_type(b, t->dtype, t->rank, dims), a, 3);
}

vt_value *vt_build_dynamic_slice(vt_builder *b, vt_value *x, vt_value *const *starts, const int64_t *sizes) {
    if (!tensors(b, "dynamic_slice", &x, 1)) return NULL;
    const vt_type *t = x->type;
    vt_value *xs[1 + VT_MAX_RANK];
    xs[0] = x;
    for (int i = 0; i < t->rank; i++) xs[1 + i] = starts[i];
    if (!tensors(b, "dynamic_slice", xs, 1 + (size_t)t->rank)) return NULL;
    vt_named_attr a = NA("slice_sizes", vt_builder_attr_i64_array(b, sizes, (size_t)t->rank));
    return op1(b, "stablehlo.dynamic_slice", xs, 1 + (size_t)t->rank, vt_builder_tensor_type(b, t->dtype, t->rank, sizes), &a, 1);
}

vt_value *vt_build_dynamic_update_slice(vt_builder *b, vt_value *x, vt_value *update, vt_value *const *starts) {
    if (!tensors(b, "dynamic_update_slice", &x, 1)) return NULL;
    const vt_type *t = x->type;
    vt_value *xs[2 + VT_MAX_RANK];
    xs[0] = x;
    xs[1] = update;
    for (int i = 0; i < t->rank; i++) xs[2 + i] = starts[i];
    if (!tensors(b, "dynamic_update_slice", xs, 2 + (size_t)t->rank)) return NULL;
    return op1(b, "stablehlo.dynamic_update_slice", xs, 2 + (size_t)t->rank, t, NULL, 0);
}

vt_value *vt_build_concatenate(vt_builder *b, vt_value *const *xs, size_t n, int64_t dim) {
    if (n == 0) {
        vt_bld_fail(b, VT_EINPUT, "concatenate: no operands");
        return NULL;
    }
    if (!tensors(b, "concatenate", xs, n)) return NULL;
    const vt_type *t = xs[0]->type;
    if (!check_dim(b, "concatenate", dim, t->rank)) return NULL;
    int64_t dims[VT_MAX_RANK];
    memcpy(dims, t->dims, (size_t)t->rank * sizeof *dims);
    dims[dim] = 0;
    for (size_t i = 0; i < n; i++) {
        if (xs[i]->type->rank != t->rank) {
            vt_bld_fail(b, VT_EINPUT, "concatenate: operand %zu has rank %d, operand 0 rank %d", i, xs[i]->type->rank, t->rank);
            return NULL;
        }
        int64_t d = xs[i]->type->dims[dim];
        dims[dim] = (d == VT_DYN || dims[dim] == VT_DYN) ? VT_DYN : dims[dim] + d;
    }
    vt_named_attr a = NA("dimension", vt_builder_attr_int(b, dim, VT_I64));
    return op1(b, "stablehlo.concatenate", xs, n, vt_builder_tensor_type(b, t->dtype, t->rank, dims), &a, 1);
}

vt_value *vt_build_gather(vt_builder *b, vt_value *operand, vt_value *indices, const vt_gather_dims *d,
                          const int64_t *slice_sizes, size_t nslice, const vt_type *result_type) {
    vt_value *xs[2] = {operand, indices};
    if (!tensors(b, "gather", xs, 2)) return NULL;
    if (!d) {
        vt_bld_fail(b, VT_EINPUT, "gather: no dimension numbers");
        return NULL;
    }
    vt_named_attr f[6];
    size_t nf = 0;
    f[nf++] = NA("offset_dims", vt_builder_attr_int_list(b, d->offset_dims, d->noffset_dims));
    f[nf++] = NA("collapsed_slice_dims", vt_builder_attr_int_list(b, d->collapsed_slice_dims, d->ncollapsed_slice_dims));
    if (d->noperand_batching_dims)
        f[nf++] = NA("operand_batching_dims", vt_builder_attr_int_list(b, d->operand_batching_dims, d->noperand_batching_dims));
    if (d->nstart_indices_batching_dims)
        f[nf++] = NA("start_indices_batching_dims",
                     vt_builder_attr_int_list(b, d->start_indices_batching_dims, d->nstart_indices_batching_dims));
    f[nf++] = NA("start_index_map", vt_builder_attr_int_list(b, d->start_index_map, d->nstart_index_map));
    f[nf++] = NA("index_vector_dim", vt_builder_attr_int(b, d->index_vector_dim, VT_DTYPE_INVALID));
    for (size_t i = 0; i < nf; i++)
        if (!f[i].value) return NULL;
    vt_named_attr a[3] = {NA("dimension_numbers", vt_builder_attr_dialect(b, "stablehlo", "gather", f, nf)),
                          NA("indices_are_sorted", vt_builder_attr_bool(b, false)),
                          NA("slice_sizes", vt_builder_attr_i64_array(b, slice_sizes, nslice))};
    return op1(b, "stablehlo.gather", xs, 2, result_type, a, 3);
}

vt_value *vt_build_scatter(vt_builder *b, vt_value *operand, vt_value *indices, vt_value *updates,
                           const vt_scatter_dims *d, vt_opcode kind) {
    vt_value *xs[3] = {operand, indices, updates};
    if (!tensors(b, "scatter", xs, 3)) return NULL;
    if (!d) {
        vt_bld_fail(b, VT_EINPUT, "scatter: no dimension numbers");
        return NULL;
    }
    vt_named_attr f[6];
    size_t nf = 0;
    f[nf++] = NA("update_window_dims", vt_builder_attr_int_list(b, d->update_window_dims, d->nupdate_window_dims));
    f[nf++] = NA("inserted_window_dims", vt_builder_attr_int_list(b, d->inserted_window_dims, d->ninserted_window_dims));
    if (d->ninput_batching_dims)
        f[nf++] = NA("input_batching_dims", vt_builder_attr_int_list(b, d->input_batching_dims, d->ninput_batching_dims));
    if (d->nscatter_indices_batching_dims)
        f[nf++] = NA("scatter_indices_batching_dims",
                     vt_builder_attr_int_list(b, d->scatter_indices_batching_dims, d->nscatter_indices_batching_dims));
    f[nf++] = NA("scatter_dims_to_operand_dims",
                 vt_builder_attr_int_list(b, d->scatter_dims_to_operand_dims, d->nscatter_dims_to_operand_dims));
    f[nf++] = NA("index_vector_dim", vt_builder_attr_int(b, d->index_vector_dim, VT_DTYPE_INVALID));
    for (size_t i = 0; i < nf; i++)
        if (!f[i].value) return NULL;
    vt_named_attr a[3] = {NA("indices_are_sorted", vt_builder_attr_bool(b, false)),
                          NA("scatter_dimension_numbers", vt_builder_attr_dialect(b, "stablehlo", "scatter", f, nf)),
                          NA("unique_indices", vt_builder_attr_bool(b, false))};
    for (size_t i = 0; i < 3; i++)
        if (!a[i].value) return NULL;
    const vt_type *rt = operand->type;
    vt_op *op = vt_build_op(b, "stablehlo.scatter", xs, 3, &rt, 1, a, 3, 1);
    if (!op || !binary_body(b, op, vt_builder_scalar_type(b, operand->type->dtype), kind)) return NULL;
    return first(b, op);
}

vt_op *vt_build_custom_call(vt_builder *b, const char *target, vt_value *const *operands, size_t n,
                            const vt_type *const *result_types, size_t nresults, const char *backend_config) {
    if (b->err.code) return NULL;
    if (!target || !*target) {
        vt_bld_fail(b, VT_EINPUT, "custom_call: empty target name");
        return NULL;
    }
    vt_named_attr a[3];
    size_t na = 0;
    a[na++] = NA("api_version", vt_builder_attr_int(b, 2, VT_I32));
    if (backend_config) a[na++] = NA("backend_config", vt_builder_attr_string(b, backend_config, strlen(backend_config)));
    a[na++] = NA("call_target_name", vt_builder_attr_string(b, target, strlen(target)));
    for (size_t i = 0; i < na; i++)
        if (!a[i].value) return NULL;
    return vt_build_op(b, "stablehlo.custom_call", operands, n, result_types, nresults, a, na, 0);
}

vt_op *vt_build_call(vt_builder *b, vt_func *callee, vt_value *const *args, size_t n) {
    if (b->err.code) return NULL;
    if (!callee || callee->module != b->m) {
        vt_bld_fail(b, VT_EINPUT, "call: the callee is not a function of this module");
        return NULL;
    }
    if (n != callee->nargs) {
        vt_bld_fail(b, VT_EINPUT, "call: @%s takes %zu arguments, not %zu", callee->name, callee->nargs, n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!args[i] || !vt_type_equal(args[i]->type, callee->arg_types[i])) {
            vt_bld_fail(b, VT_EINPUT, "call: argument %zu of @%s has the wrong type", i, callee->name);
            return NULL;
        }
    vt_named_attr a = NA("callee", vt_builder_attr_symbol(b, callee->name));
    if (!a.value) return NULL;
    return vt_build_op(b, "func.call", args, n, callee->result_types, callee->nresults, &a, 1, 0);
}

vt_op *vt_build_return(vt_builder *b, vt_value *const *values, size_t n) {
    if (b->err.code) return NULL;
    vt_block *blk = vt_builder_block(b);
    bool in_func = blk && blk->parent && blk->parent->parent_func;
    if (in_func) {
        const vt_func *f = blk->parent->parent_func;
        if (n != f->nresults) {
            vt_bld_fail(b, VT_EINPUT, "return: @%s returns %zu values, not %zu", f->name, f->nresults, n);
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            if (!values[i] || !vt_type_equal(values[i]->type, f->result_types[i])) {
                vt_bld_fail(b, VT_EINPUT, "return: value %zu does not have @%s's result type", i, f->name);
                return NULL;
            }
    }
    return vt_build_op(b, in_func ? "func.return" : "stablehlo.return", values, n, NULL, 0, NULL, 0, 0);
}

/* ---- while ---- */
vt_op *vt_build_while_begin(vt_builder *b, vt_value *const *init, size_t n) {
    if (b->err.code) return NULL;
    if (n == 0 || n > 4096) {
        vt_bld_fail(b, VT_EINPUT, "while: %zu carried values (1..4096)", n);
        return NULL;
    }
    const vt_type *types[4096];
    for (size_t i = 0; i < n; i++) {
        if (!init[i]) {
            vt_bld_fail(b, VT_EINPUT, "while: carried value %zu is NULL", i);
            return NULL;
        }
        types[i] = init[i]->type;
    }
    vt_op *w = vt_build_op(b, "stablehlo.while", init, n, types, n, NULL, 0, 2);
    if (!w) return NULL;
    vt_block *c = vt_builder_add_block(b, w, 0, types, n), *d = vt_builder_add_block(b, w, 1, types, n);
    if (!c || !d) return NULL;
    /* cond and body share argument names (the pretty `while(%iterArg = %x)` form needs that);
     * the id keeps nested loops' names apart */
    for (size_t i = 0; i < n; i++) {
        char nm[48];
        snprintf(nm, sizeof nm, "iterArg_%u", c->args[i].id);
        if (!(c->args[i].name = d->args[i].name = vt_bld_strdup(b, nm))) return NULL;
    }
    vt_builder_push_block(b, w->regions[0]->blocks[0]);
    return w;
}

static vt_block *while_region(vt_builder *b, vt_op *w, size_t r) {
    if (b->err.code) return NULL;
    if (!w || w->code != VT_OP_WHILE) {
        vt_bld_fail(b, VT_EINPUT, "not a while op");
        return NULL;
    }
    vt_block *blk = w->regions[r]->blocks[0];
    vt_builder_set_block(b, blk);
    return blk;
}

vt_block *vt_builder_while_cond(vt_builder *b, vt_op *w) { return while_region(b, w, 0); }
vt_block *vt_builder_while_body(vt_builder *b, vt_op *w) { return while_region(b, w, 1); }

vt_status vt_build_while_end(vt_builder *b, vt_op *w) {
    if (b->err.code) return b->err.code;
    if (!w || w->code != VT_OP_WHILE) return vt_bld_fail(b, VT_EINPUT, "not a while op");
    for (size_t r = 0; r < 2; r++) {
        vt_block *blk = w->regions[r]->blocks[0];
        if (blk->nops == 0 || !(vt_op_get_info(blk->ops[blk->nops - 1])->flags & VT_OPF_TERMINATOR))
            return vt_bld_fail(b, VT_EINPUT, "while: the %s region does not end with a return", r ? "body" : "cond");
    }
    vt_builder_pop_block(b);
    return b->err.code;
}
