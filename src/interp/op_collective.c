/* interpreter.run_parallel and the collectives: every replica x partition process runs in its own
 * thread with its own vt_run, but only one thread runs at a time (a baton passed in process
 * order), so results and errors never depend on thread timing. See docs/collectives.md. */
#include "interp/interp_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { P_READY, P_ARRIVED, P_DONE };

typedef struct vt_coll_slot {
    vt_run *r;
    vt_frame *f;
    const vt_op *op;
    vt_rvalue *in, *out;
    vt_status status;
} vt_coll_slot;

typedef struct vt_feed_item {
    vt_rvalue *vals;
    size_t n;
} vt_feed_item;

struct vt_coll {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t R, P, N;
    int *state;
    vt_coll_slot *slot;
    int64_t turn; /* the one process allowed to run; -1 when every process is done */
    vt_feed_item *feed;
    size_t nfeed, feedpos;
};

/* ---- small tensor helpers ---- */

static size_t esz(const vt_tensor *t) { return vt_dtype_size(t->dtype); }

/* Views t as [outer, dims[d], inner] and returns outer and inner byte size. */
static void split_at(const vt_tensor *t, int d, size_t *outer, size_t *inner) {
    size_t o = 1, in = esz(t);
    for (int i = 0; i < d; i++) o *= (size_t)t->dims[i];
    for (int i = d + 1; i < t->rank; i++) in *= (size_t)t->dims[i];
    *outer = o;
    *inner = in;
}

/* Copies rows [soff, soff+len) of src along dim d into rows [doff, ...) of dst. */
static void copy_rows(vt_tensor *dst, int64_t doff, const vt_tensor *src, int64_t soff, int64_t len, int d) {
    size_t outer, inner;
    split_at(src, d, &outer, &inner);
    if (!inner || !len) return;
    for (size_t o = 0; o < outer; o++)
        memcpy((char *)dst->data + (o * (size_t)dst->dims[d] + (size_t)doff) * inner,
               (const char *)src->data + (o * (size_t)src->dims[d] + (size_t)soff) * inner, (size_t)len * inner);
}

static bool same_shape_except(const vt_tensor *a, const vt_tensor *b, int d) {
    if (a->dtype != b->dtype || a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (i != d && a->dims[i] != b->dims[i]) return false;
    return true;
}

/* ---- process groups ---- */

typedef enum { G_CROSS_REPLICA, G_CROSS_PARTITION, G_CROSS_REPLICA_AND_PARTITION, G_FLATTENED } vt_group_mode;

static int64_t channel_id(const vt_op *op) {
    vt_attr *a = vt_op_attr(op, "channel_handle");
    int64_t h = 0;
    if (a) {
        vt_attr *hv = vt_attr_dict_get(a, "handle");
        if (hv) vt_attr_as_i64(hv, &h);
    }
    int64_t cid;
    if (vt_attr_i64(op, "channel_id", &cid)) h = cid;
    return h;
}

/* Reads a 2-D integer attribute (replica_groups, source_target_pairs) into rows x cols. */
static vt_status read_matrix(vt_run *r, const vt_op *op, const char *name, int64_t **vals, int64_t *rows,
                             int64_t *cols) {
    *vals = NULL;
    *rows = *cols = 0;
    vt_attr *a = vt_op_attr(op, name);
    if (!a) return VT_OK;
    vt_tensor *t;
    if (a->kind != VT_ATTR_DENSE || vt_attr_dense_materialize(a, 1 << 20, &t, r->err) != VT_OK)
        return vt_error_set(r->err, VT_EINPUT, "%s: attribute %s is not a dense integer tensor", vt_op_name(op), name);
    if (t->rank != 2 || !vt_dtype_is_int(t->dtype)) {
        vt_tensor_release(t);
        return vt_error_set(r->err, VT_EINPUT, "%s: attribute %s must be a 2-D integer tensor", vt_op_name(op), name);
    }
    *rows = t->dims[0];
    *cols = t->dims[1];
    *vals = malloc((t->nelem ? t->nelem : 1) * sizeof **vals);
    if (!*vals) {
        vt_tensor_release(t);
        return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->nelem; i++) (*vals)[i] = vt_load_i64(t->dtype, (char *)t->data + i * esz(t));
    vt_tensor_release(t);
    return VT_OK;
}

/* The process group (flat process ids r * P + p, in group order) that holds `me` under `mode`
 * built from one row of ids; *found is false when the row does not produce a group with me. */
static size_t group_of_row(const struct vt_coll *c, vt_group_mode mode, const int64_t *row, int64_t cols,
                           uint32_t me, uint32_t *out, bool *found) {
    uint32_t mr = me / c->P, mp = me % c->P;
    size_t n = 0;
    *found = false;
    switch (mode) {
    case G_CROSS_REPLICA: /* one group per partition: replicas of the row, same partition */
        for (int64_t j = 0; j < cols; j++)
            if (row[j] >= 0) {
                out[n] = (uint32_t)row[j] * c->P + mp;
                if (out[n] == me) *found = true;
                n++;
            }
        break;
    case G_CROSS_PARTITION:
        for (int64_t j = 0; j < cols; j++)
            if (row[j] >= 0) {
                out[n] = mr * c->P + (uint32_t)row[j];
                if (out[n] == me) *found = true;
                n++;
            }
        break;
    case G_CROSS_REPLICA_AND_PARTITION:
        for (uint32_t p = 0; p < c->P; p++)
            for (int64_t j = 0; j < cols; j++)
                if (row[j] >= 0) {
                    out[n] = (uint32_t)row[j] * c->P + p;
                    if (out[n] == me) *found = true;
                    n++;
                }
        break;
    case G_FLATTENED:
        for (int64_t j = 0; j < cols; j++)
            if (row[j] >= 0) {
                out[n] = (uint32_t)row[j];
                if (out[n] == me) *found = true;
                n++;
            }
        break;
    }
    return n;
}

static vt_status check_ids(vt_run *r, const struct vt_coll *c, const vt_op *op, vt_group_mode mode, const int64_t *v,
                           size_t n) {
    int64_t lim = mode == G_CROSS_REPLICA || mode == G_CROSS_REPLICA_AND_PARTITION ? c->R
                  : mode == G_CROSS_PARTITION                                       ? c->P
                                                                                    : c->N;
    for (size_t i = 0; i < n; i++)
        if (v[i] < -1 || v[i] >= lim)
            return vt_error_set(r->err, VT_EINPUT, "%s: id %lld in its groups is outside [0, %lld)", vt_op_name(op),
                                (long long)v[i], (long long)lim);
    return VT_OK;
}

/* Finds the group of `me`; *n = 0 when me is in no group. */
static vt_status my_group(vt_run *r, const struct vt_coll *c, const vt_op *op, vt_group_mode mode, const char *attr,
                          uint32_t me, uint32_t *grp, size_t *n) {
    int64_t *v, rows, cols;
    vt_status s = read_matrix(r, op, attr, &v, &rows, &cols);
    if (s) return s;
    *n = 0;
    if (!v) { /* no groups: every process of the replica / partition axis in one group */
        int64_t lim = mode == G_CROSS_PARTITION ? c->P : mode == G_FLATTENED ? c->N : c->R;
        v = malloc((size_t)lim * sizeof *v);
        if (!v) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
        for (int64_t i = 0; i < lim; i++) v[i] = i;
        rows = 1;
        cols = lim;
    }
    if ((s = check_ids(r, c, op, mode, v, (size_t)(rows * cols))) != VT_OK) {
        free(v);
        return s;
    }
    if ((uint64_t)cols * c->P > c->N * (uint64_t)c->N) {
        free(v);
        return vt_error_set(r->err, VT_EINPUT, "%s: groups larger than the process grid", vt_op_name(op));
    }
    for (int64_t i = 0; i < rows; i++) {
        bool found;
        size_t k = group_of_row(c, mode, v + i * cols, cols, me, grp, &found);
        if (found) {
            *n = k;
            break;
        }
    }
    free(v);
    for (size_t i = 0; i < *n; i++)
        for (size_t j = i + 1; j < *n; j++)
            if (grp[i] == grp[j])
                return vt_error_set(r->err, VT_EINPUT, "%s: process %u appears twice in one group", vt_op_name(op), grp[i]);
    return VT_OK;
}

static vt_group_mode mode_all_reduce(const vt_op *op) {
    int64_t ch = channel_id(op);
    bool global = vt_op_attr(op, "use_global_device_ids") != NULL;
    if (global) return G_FLATTENED;
    return ch > 0 ? G_CROSS_REPLICA_AND_PARTITION : G_CROSS_REPLICA;
}

static vt_group_mode mode_replica_or_partition(const vt_op *op) {
    return channel_id(op) > 0 ? G_CROSS_PARTITION : G_CROSS_REPLICA;
}

/* ---- computing one process's results from everyone's deposits ---- */

static vt_status member_operand(vt_run *r, const struct vt_coll *c, const vt_op *op, uint32_t who, size_t k,
                                vt_tensor **out) {
    const vt_coll_slot *s = &c->slot[who];
    if (c->state[who] != P_ARRIVED || !s->op || s->op->code != op->code || strcmp(vt_op_name(s->op), vt_op_name(op)))
        return vt_error_set(r->err, VT_EINPUT, "%s: process %u of the group does not take part in the same collective",
                            vt_op_name(op), who);
    if (k >= s->op->noperands || s->in[k].kind != VT_RV_TENSOR || !s->in[k].tensor)
        return vt_error_set(r->err, VT_EINPUT, "%s: process %u has no tensor operand %zu", vt_op_name(op), who, k);
    *out = s->in[k].tensor;
    return VT_OK;
}

/* Folds the group's operands with the op's body in group order: ((x0 + x1) + x2) ... */
static vt_status reduce_group(vt_run *r, vt_frame *f, const struct vt_coll *c, const vt_op *op, const uint32_t *grp,
                              size_t gn, vt_tensor **res) {
    size_t n = op->noperands;
    if (op->nregions < 1 || op->regions[0]->nblocks != 1)
        return vt_error_set(r->err, VT_EINPUT, "%s: missing reduction body", vt_op_name(op));
    const vt_region *body = op->regions[0];
    if (!vt_region_is_liftable(body))
        return vt_rt_unsupported(r, op, "a reduction body with non-elementwise ops");
    bool joint = body->blocks[0]->nargs == 2 * n; /* one body over all operands */
    if (!joint && body->blocks[0]->nargs != 2)
        return vt_error_set(r->err, VT_EINPUT, "%s: body takes %zu arguments for %zu operands", vt_op_name(op),
                            body->blocks[0]->nargs, n);
    vt_rvalue *acc = calloc(n, sizeof *acc), *args = calloc(2 * n, sizeof *args), *nx = calloc(n, sizeof *nx);
    vt_status s = (acc && args && nx) ? VT_OK : vt_error_set(r->err, VT_ENOMEM, "out of memory");
    for (size_t k = 0; s == VT_OK && k < n; k++) {
        vt_tensor *x;
        if ((s = member_operand(r, c, op, grp[0], k, &x)) == VT_OK) acc[k] = vt_rvalue_tensor(vt_tensor_retain(x));
    }
    for (size_t j = 1; s == VT_OK && j < gn; j++) {
        for (size_t k = 0; s == VT_OK && k < n; k++) {
            vt_tensor *x;
            if ((s = member_operand(r, c, op, grp[j], k, &x)) != VT_OK) break;
            if (!same_shape_except(x, acc[k].tensor, -1))
                s = vt_error_set(r->err, VT_EINPUT, "%s: operand %zu of process %u has another shape", vt_op_name(op), k,
                                 grp[j]);
            else {
                args[k] = acc[k];
                args[n + k] = vt_rvalue_tensor(x); /* borrowed */
            }
        }
        if (s) break;
        if (joint) {
            s = vt_exec_region(r, f, body, args, 2 * n, nx, n);
        } else {
            for (size_t k = 0; s == VT_OK && k < n; k++) {
                vt_rvalue a2[2] = {args[k], args[n + k]};
                s = vt_exec_region(r, f, body, a2, 2, &nx[k], 1);
            }
        }
        for (size_t k = 0; k < n; k++) {
            vt_rvalue_release(&acc[k]);
            acc[k] = nx[k];
            nx[k] = (vt_rvalue){0};
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (s == VT_OK && (acc[k].kind != VT_RV_TENSOR || !acc[k].tensor))
            s = vt_error_set(r->err, VT_EINPUT, "%s: body did not produce a tensor", vt_op_name(op));
        if (s == VT_OK) {
            res[k] = acc[k].tensor;
            acc[k] = (vt_rvalue){0};
        }
        vt_rvalue_release(&acc[k]);
        vt_rvalue_release(&nx[k]);
    }
    free(acc);
    free(args);
    free(nx);
    return s;
}

static vt_status zeros_result(vt_run *r, const vt_op *op, size_t k, vt_rvalue *out) {
    vt_tensor *t = vt_rt_result(r, op, k);
    if (!t) return r->err->code;
    if (t->nbytes) memset(t->data, 0, t->nbytes);
    out[k] = vt_rvalue_tensor(t);
    return VT_OK;
}

static vt_status result_checked(vt_run *r, const vt_op *op, size_t k, vt_tensor **out) {
    if (k >= op->nresults || op->results[k].type->kind != VT_TYPE_TENSOR)
        return vt_error_set(r->err, VT_EINPUT, "%s: result %zu is not a tensor", vt_op_name(op), k);
    *out = vt_rt_result(r, op, k);
    return *out ? VT_OK : r->err->code;
}

/* stablehlo.collective_reduce is not in the op table (a newer op): it is recognised by name. */
static bool is_collective_reduce(const vt_op *op) {
    return op->code == VT_OP_UNKNOWN && strcmp(vt_op_name(op), "stablehlo.collective_reduce") == 0;
}

static vt_status compute_one(const struct vt_coll *c, uint32_t me) {
    const vt_coll_slot *sl = &c->slot[me];
    vt_run *r = sl->r;
    const vt_op *op = sl->op;
    vt_rvalue *out = sl->out;
    uint32_t *grp = malloc((size_t)c->N * c->N * sizeof *grp + sizeof *grp);
    if (!grp) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    size_t gn = 0;
    vt_status s = VT_OK;
    int64_t a64;
    if (is_collective_reduce(op)) {
        /* reduce within the group; the root (group index 0) gets the result, the others zeros */
        if ((s = my_group(r, c, op, mode_all_reduce(op), "replica_groups", me, grp, &gn)) != VT_OK) goto done;
        if (!gn) {
            s = vt_error_set(r->err, VT_EINPUT, "collective_reduce: process %u is in no group", me);
            goto done;
        }
        vt_tensor **full = calloc(op->noperands ? op->noperands : 1, sizeof *full);
        if (!full) {
            s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
            goto done;
        }
        s = reduce_group(r, sl->f, c, op, grp, gn, full);
        for (size_t k = 0; k < op->noperands; k++) {
            if (s == VT_OK && k < op->nresults) {
                if (grp[0] == me) {
                    out[k] = vt_rvalue_tensor(full[k]);
                    full[k] = NULL;
                } else s = zeros_result(r, op, k, out);
            }
            vt_tensor_release(full[k]);
        }
        free(full);
        goto done;
    }
    switch (op->code) {
    case VT_OP_ALL_REDUCE:
    case VT_OP_REDUCE_SCATTER: {
        if ((s = my_group(r, c, op, mode_all_reduce(op), "replica_groups", me, grp, &gn)) != VT_OK) break;
        if (!gn) {
            s = vt_error_set(r->err, VT_EINPUT, "%s: process %u is in no group", vt_op_name(op), me);
            break;
        }
        vt_tensor **full = calloc(op->noperands ? op->noperands : 1, sizeof *full);
        if (!full) {
            s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
            break;
        }
        s = reduce_group(r, sl->f, c, op, grp, gn, full);
        if (s == VT_OK && op->code == VT_OP_ALL_REDUCE) {
            for (size_t k = 0; k < op->noperands; k++) {
                out[k] = vt_rvalue_tensor(full[k]);
                full[k] = NULL;
            }
        } else if (s == VT_OK) {
            size_t idx = 0;
            while (grp[idx] != me) idx++;
            if (!vt_attr_i64(op, "scatter_dimension", &a64) || a64 < 0 || a64 >= full[0]->rank ||
                full[0]->dims[a64] % (int64_t)gn) {
                s = vt_error_set(r->err, VT_EINPUT, "reduce_scatter: bad scatter_dimension or size not divisible by %zu", gn);
            } else {
                int d = (int)a64;
                int64_t piece = full[0]->dims[d] / (int64_t)gn;
                vt_tensor *t;
                if ((s = result_checked(r, op, 0, &t)) == VT_OK) {
                    if (!same_shape_except(t, full[0], d) || t->dims[d] != piece) {
                        vt_tensor_release(t);
                        s = vt_error_set(r->err, VT_EINPUT, "reduce_scatter: result type does not match");
                    } else {
                        copy_rows(t, 0, full[0], (int64_t)idx * piece, piece, d);
                        out[0] = vt_rvalue_tensor(t);
                    }
                }
            }
        }
        for (size_t k = 0; k < op->noperands; k++) vt_tensor_release(full[k]);
        free(full);
        break;
    }
    case VT_OP_ALL_GATHER: {
        if ((s = my_group(r, c, op, mode_all_reduce(op), "replica_groups", me, grp, &gn)) != VT_OK) break;
        if (!gn) {
            s = vt_error_set(r->err, VT_EINPUT, "all_gather: process %u is in no group", me);
            break;
        }
        if (!vt_attr_i64(op, "all_gather_dim", &a64)) {
            s = vt_error_set(r->err, VT_EINPUT, "all_gather: missing all_gather_dim");
            break;
        }
        for (size_t k = 0; s == VT_OK && k < op->noperands && k < op->nresults; k++) {
            vt_tensor *t;
            if ((s = result_checked(r, op, k, &t)) != VT_OK) break;
            int64_t off = 0;
            for (size_t j = 0; s == VT_OK && j < gn; j++) {
                vt_tensor *x;
                if ((s = member_operand(r, c, op, grp[j], k, &x)) != VT_OK) break;
                if (a64 < 0 || a64 >= x->rank || !same_shape_except(x, t, (int)a64) || off + x->dims[a64] > t->dims[a64]) {
                    s = vt_error_set(r->err, VT_EINPUT, "all_gather: operand %zu of process %u does not fit the result", k,
                                     grp[j]);
                    break;
                }
                copy_rows(t, off, x, 0, x->dims[a64], (int)a64);
                off += x->dims[a64];
            }
            if (s == VT_OK && off != t->dims[a64])
                s = vt_error_set(r->err, VT_EINPUT, "all_gather: result %zu is not filled by the group", k);
            if (s) vt_tensor_release(t);
            else out[k] = vt_rvalue_tensor(t);
        }
        break;
    }
    case VT_OP_ALL_TO_ALL: {
        if ((s = my_group(r, c, op, mode_replica_or_partition(op), "replica_groups", me, grp, &gn)) != VT_OK) break;
        int64_t sd, cd, sc;
        if (!vt_attr_i64(op, "split_dimension", &sd) || !vt_attr_i64(op, "concat_dimension", &cd) ||
            !vt_attr_i64(op, "split_count", &sc) || sc != (int64_t)gn || !gn) {
            s = vt_error_set(r->err, VT_EINPUT, "all_to_all: split_count must equal the group size (%zu)", gn);
            break;
        }
        size_t idx = 0;
        while (grp[idx] != me) idx++;
        for (size_t k = 0; s == VT_OK && k < op->noperands && k < op->nresults; k++) {
            vt_tensor *t;
            if ((s = result_checked(r, op, k, &t)) != VT_OK) break;
            int64_t off = 0;
            for (size_t j = 0; s == VT_OK && j < gn; j++) {
                vt_tensor *x;
                if ((s = member_operand(r, c, op, grp[j], k, &x)) != VT_OK) break;
                if (sd < 0 || sd >= x->rank || cd < 0 || cd >= x->rank || x->dims[sd] % sc) {
                    s = vt_error_set(r->err, VT_EINPUT, "all_to_all: bad split or concat dimension");
                    break;
                }
                int64_t piece = x->dims[sd] / sc;
                /* the piece is x restricted along sd; copy it through a temporary when sd != cd */
                int64_t pd[VT_MAX_RANK];
                memcpy(pd, x->dims, sizeof pd);
                pd[sd] = piece;
                vt_tensor *p = vt_rt_alloc(r, x->dtype, x->rank, pd);
                if (!p) {
                    s = r->err->code;
                    break;
                }
                copy_rows(p, 0, x, (int64_t)idx * piece, piece, (int)sd);
                if (!same_shape_except(p, t, (int)cd) || off + p->dims[cd] > t->dims[cd])
                    s = vt_error_set(r->err, VT_EINPUT, "all_to_all: result %zu has the wrong shape", k);
                else copy_rows(t, off, p, 0, p->dims[cd], (int)cd);
                off += p->dims[cd];
                vt_tensor_release(p);
            }
            if (s == VT_OK && off != t->dims[cd]) s = vt_error_set(r->err, VT_EINPUT, "all_to_all: result %zu not filled", k);
            if (s) vt_tensor_release(t);
            else out[k] = vt_rvalue_tensor(t);
        }
        break;
    }
    case VT_OP_COLLECTIVE_PERMUTE: {
        int64_t *v, rows, cols;
        vt_group_mode mode = mode_replica_or_partition(op);
        if ((s = read_matrix(r, op, "source_target_pairs", &v, &rows, &cols)) != VT_OK) break;
        if (cols != 2 && rows) s = vt_error_set(r->err, VT_EINPUT, "collective_permute: source_target_pairs must be Nx2");
        if (s == VT_OK) s = check_ids(r, c, op, mode, v, (size_t)(rows * cols));
        int64_t src = -1;
        for (int64_t i = 0; s == VT_OK && i < rows; i++) {
            bool found;
            uint32_t pair[2];
            /* a pair [s, t] is the group [s, t]: me is its target when pair[1] == me */
            size_t k = group_of_row(c, mode, v + 2 * i, 2, me, pair, &found);
            if (found && k == 2 && pair[1] == me) {
                if (src >= 0) s = vt_error_set(r->err, VT_EINPUT, "collective_permute: process %u has two sources", me);
                src = pair[0];
            }
        }
        free(v);
        if (s) break;
        if (src < 0) {
            s = zeros_result(r, op, 0, out);
        } else {
            vt_tensor *x;
            if ((s = member_operand(r, c, op, (uint32_t)src, 0, &x)) == VT_OK) {
                out[0] = vt_rvalue_tensor(vt_tensor_retain(x));
            }
        }
        break;
    }
    case VT_OP_COLLECTIVE_BROADCAST: {
        if ((s = my_group(r, c, op, mode_replica_or_partition(op), "replica_groups", me, grp, &gn)) != VT_OK) break;
        /* has_dynamic_root: the last operand holds, per data operand, the root's index in the group */
        bool dyn = vt_op_attr(op, "has_dynamic_root") != NULL;
        size_t nd = op->noperands - (dyn ? 1 : 0);
        vt_tensor *roots = NULL;
        if (dyn) {
            if (!op->noperands || sl->in[op->noperands - 1].kind != VT_RV_TENSOR ||
                !(roots = sl->in[op->noperands - 1].tensor) || roots->rank != 1 || roots->nelem != nd ||
                !vt_dtype_is_int(roots->dtype)) {
                s = vt_error_set(r->err, VT_EINPUT, "collective_broadcast: the root operand must hold %zu indices", nd);
                break;
            }
        }
        for (size_t k = 0; s == VT_OK && k < nd && k < op->nresults; k++) {
            if (!gn) {
                s = zeros_result(r, op, k, out);
                continue;
            }
            int64_t root = dyn ? vt_load_i64(roots->dtype, (char *)roots->data + k * vt_dtype_size(roots->dtype)) : 0;
            if (root < 0 || root >= (int64_t)gn) {
                s = vt_error_set(r->err, VT_EINPUT, "collective_broadcast: root %lld outside the group of %zu", (long long)root,
                                 gn);
                break;
            }
            vt_tensor *x;
            if ((s = member_operand(r, c, op, grp[root], k, &x)) == VT_OK) out[k] = vt_rvalue_tensor(vt_tensor_retain(x));
        }
        break;
    }
    case VT_OP_SEND:
        if (op->nresults) out[0] = vt_rvalue_token();
        break;
    case VT_OP_RECV: {
        int64_t ch = channel_id(op);
        int64_t from = -1;
        for (uint32_t p = 0; p < c->N; p++)
            if (c->state[p] == P_ARRIVED && c->slot[p].op->code == VT_OP_SEND && channel_id(c->slot[p].op) == ch) {
                from = p;
                break;
            }
        if (from < 0) {
            s = vt_error_set(r->err, VT_EINPUT, "recv: no process sends on channel %lld at the same step", (long long)ch);
            break;
        }
        const vt_coll_slot *ss = &c->slot[from];
        size_t nv = ss->op->noperands ? ss->op->noperands - 1 : 0;
        if (nv + 1 != op->nresults) {
            s = vt_error_set(r->err, VT_EINPUT, "recv: %zu results, the send on channel %lld has %zu values",
                             op->nresults, (long long)ch, nv);
            break;
        }
        for (size_t k = 0; s == VT_OK && k < nv; k++) s = vt_rvalue_copy(&ss->in[k], &out[k], r->err);
        if (s == VT_OK) out[nv] = vt_rvalue_token();
        break;
    }
    default:
        s = vt_rt_unsupported(r, op, NULL);
    }
done:
    free(grp);
    if (s)
        for (size_t k = 0; k < op->nresults; k++) vt_rvalue_release(&out[k]);
    return s;
}

/* ---- the baton ---- */

/* Called with the lock held by the process that stops running (it arrived or finished): hands
 * the turn to the next ready process in cyclic order, or, when none is left, completes the
 * round: computes every arrived process's results here and lets them all continue. */
static void advance(struct vt_coll *c, uint32_t from) {
    for (uint32_t k = 1; k <= c->N; k++) {
        uint32_t p = (from + k) % c->N;
        if (c->state[p] == P_READY) {
            c->turn = p;
            pthread_cond_broadcast(&c->cv);
            return;
        }
    }
    int64_t first = -1;
    for (uint32_t p = 0; p < c->N; p++)
        if (c->state[p] == P_ARRIVED) c->slot[p].status = compute_one(c, p);
    for (uint32_t p = 0; p < c->N; p++)
        if (c->state[p] == P_ARRIVED) {
            c->state[p] = P_READY;
            if (first < 0) first = p;
        }
    c->turn = first;
    pthread_cond_broadcast(&c->cv);
}

static uint32_t proc_of(const vt_run *r) { return r->replica_id * r->coll->P + r->partition_id; }

static vt_status exchange(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, vt_rvalue *out) {
    struct vt_coll *c = r->coll;
    uint32_t me = proc_of(r);
    pthread_mutex_lock(&c->mu);
    c->slot[me] = (vt_coll_slot){r, f, op, in, out, VT_OK};
    c->state[me] = P_ARRIVED;
    advance(c, me);
    while (c->turn != me) pthread_cond_wait(&c->cv, &c->mu);
    vt_status s = c->slot[me].status;
    c->slot[me] = (vt_coll_slot){0};
    pthread_mutex_unlock(&c->mu);
    return s;
}

static vt_status exec_collective(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t cons, vt_rvalue *out) {
    (void)cons;
    if (!r->coll) {
        /* one process: every group is the process alone */
        struct vt_coll one = {.R = 1, .P = 1, .N = 1};
        int st = P_ARRIVED;
        vt_coll_slot sl = {r, f, op, in, out, VT_OK};
        one.state = &st;
        one.slot = &sl;
        if (op->code == VT_OP_RECV) return vt_rt_unsupported(r, op, "recv outside interpreter.run_parallel");
        return compute_one(&one, 0);
    }
    return exchange(r, f, op, in, out);
}

/* infeed / outfeed: inside run_parallel they read the `infeed` queue and drop outfed values;
 * elsewhere they go to the control-flow implementation (the engine's feeds). */
vt_exec_fn vt_exec_control_fn(const vt_op *op);

static vt_status exec_feed(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t cons, vt_rvalue *out) {
    if (!r->coll) return vt_exec_control_fn(op)(r, f, op, in, cons, out);
    if (op->code == VT_OP_OUTFEED) {
        out[0] = vt_rvalue_token();
        return VT_OK;
    }
    struct vt_coll *c = r->coll;
    size_t n = op->nresults ? op->nresults - 1 : 0;
    /* only the running process touches the queue (the baton), so no lock is needed for order,
     * but take it for memory visibility */
    pthread_mutex_lock(&c->mu);
    vt_feed_item *it = c->feedpos < c->nfeed ? &c->feed[c->feedpos++] : NULL;
    pthread_mutex_unlock(&c->mu);
    if (!it) return vt_error_set(r->err, VT_EINPUT, "infeed: the infeed queue is empty");
    if (it->n != n) return vt_error_set(r->err, VT_EINPUT, "infeed: queue entry has %zu values, %zu expected", it->n, n);
    for (size_t k = 0; k < n; k++) {
        vt_status s = vt_rvalue_copy(&it->vals[k], &out[k], r->err);
        if (s) return s;
    }
    if (op->nresults) out[n] = vt_rvalue_token();
    return VT_OK;
}

/* ---- run_parallel ---- */

typedef struct vt_proc {
    struct vt_coll *c;
    vt_run run;
    vt_error err;
    const vt_func *fn;
    const vt_rvalue *args;
    vt_rvalue *res;
    vt_status status;
    uint32_t id;
} vt_proc;

static void *proc_main(void *arg) {
    vt_proc *p = arg;
    struct vt_coll *c = p->c;
    pthread_mutex_lock(&c->mu);
    while (c->turn != p->id) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    p->status = vt_exec_call(&p->run, p->fn, p->args, p->fn->nargs, p->res, p->fn->nresults);
    pthread_mutex_lock(&c->mu);
    c->state[p->id] = P_DONE;
    advance(c, p->id);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static const vt_func *symbol_func(vt_run *r, const vt_attr *a) {
    if (!a || a->kind != VT_ATTR_SYMBOL || !a->str) return NULL;
    return vt_module_find_func(r->m, a->str);
}

/* The process-running core shared by interpreter.run_parallel and vt_execute_grid: process
 * i = r * P + p runs fns[i] on args[i] into results[i] (each fns[i]->nresults long), with its
 * own vt_run copied from r; feed is the infeed queue (may be empty). On failure every result is
 * released and r's error names the first failing process. */
static vt_status grid_core(vt_run *r, uint32_t R, uint32_t P, const vt_func *const *fns, const vt_rvalue *const *args,
                           vt_rvalue *const *results, vt_feed_item *feed, size_t nfeed) {
    if (R == 0 || P == 0 || R > 64 || P > 64 || R * P > 256)
        return vt_error_set(r->err, R && P ? VT_ELIMIT : VT_EINPUT,
                            "%u x %u processes: the grid must have 1 to 64 replicas, 1 to 64 partitions, at most 256 processes",
                            R, P);
    uint32_t N = R * P;
    struct vt_coll c = {.R = R, .P = P, .N = N, .turn = 0, .feed = feed, .nfeed = nfeed};
    vt_proc *procs = calloc(N, sizeof *procs);
    pthread_t *th = calloc(N, sizeof *th);
    c.state = calloc(N, sizeof *c.state);
    c.slot = calloc(N, sizeof *c.slot);
    vt_status s = VT_OK;
    if (!procs || !th || !c.state || !c.slot) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    if (s == VT_OK) {
        pthread_mutex_init(&c.mu, NULL);
        pthread_cond_init(&c.cv, NULL);
        for (uint32_t i = 0; i < N; i++) {
            vt_proc *p = &procs[i];
            p->c = &c;
            p->id = i;
            p->fn = fns[i];
            p->args = args[i];
            p->res = results[i];
            p->run = *r;
            p->run.replica_id = i / P;
            p->run.partition_id = i % P;
            p->run.coll = &c;
            p->run.err = &p->err;
            p->run.located = false;
            p->run.niters = 0;
            p->run.probe_ids = NULL;
            p->run.probes = NULL;
            p->run.nprobes = 0;
        }
        uint32_t started = 0;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, (size_t)64 << 20);
        for (; started < N; started++)
            if (pthread_create(&th[started], &at, proc_main, &procs[started]) != 0) break;
        pthread_attr_destroy(&at);
        if (started < N) {
            /* the missing processes count as done so the others are not left waiting */
            pthread_mutex_lock(&c.mu);
            for (uint32_t i = started; i < N; i++) {
                c.state[i] = P_DONE;
                procs[i].status = vt_error_set(&procs[i].err, VT_ENOMEM, "could not start a thread");
            }
            if (c.turn >= started) advance(&c, N - 1);
            pthread_mutex_unlock(&c.mu);
        }
        for (uint32_t i = 0; i < started; i++) pthread_join(th[i], NULL);
        uint64_t used = 0, ops = 0;
        for (uint32_t i = 0; i < N; i++) {
            vt_proc *p = &procs[i];
            used += r->kc.fuel_left - p->run.kc.fuel_left;
            ops += p->run.ops - r->ops;
            for (size_t k = 0; k < p->run.nprobes; k++) {
                free(p->run.probe_ids[k]);
                vt_tensor_release(p->run.probes[k]);
            }
            free(p->run.probe_ids);
            free(p->run.probes);
            if (s == VT_OK && p->status != VT_OK) {
                s = vt_error_set(r->err, p->status, "process (replica %u, partition %u): %s", i / P, i % P, p->err.msg);
                r->located = false;
            }
        }
        r->ops += ops;
        if (s == VT_OK) {
            if (used > r->kc.fuel_left) {
                r->kc.fuel_left = 0;
                s = vt_error_set(r->err, VT_ELIMIT, "work limit (fuel) exhausted by the process grid");
            } else r->kc.fuel_left -= used;
        }
        if (s)
            for (uint32_t i = 0; i < N; i++)
                for (size_t k = 0; k < fns[i]->nresults; k++) vt_rvalue_release(&results[i][k]);
        pthread_mutex_destroy(&c.mu);
        pthread_cond_destroy(&c.cv);
    }
    free(procs);
    free(th);
    free(c.state);
    free(c.slot);
    return s;
}

vt_status vt_run_grid(vt_run *r, uint32_t R, uint32_t P, const vt_func *const *fns, const vt_rvalue *const *args,
                      vt_rvalue *const *results);
vt_status vt_run_grid(vt_run *r, uint32_t R, uint32_t P, const vt_func *const *fns, const vt_rvalue *const *args,
                      vt_rvalue *const *results) {
    if (r->coll) return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: a process grid inside a process grid");
    return grid_core(r, R, P, fns, args, results, NULL, 0);
}

static vt_status exec_run_parallel(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t cons,
                                   vt_rvalue *out) {
    (void)f, (void)cons;
    if (r->coll) return vt_rt_unsupported(r, op, "nested interpreter.run_parallel");
    vt_attr *pa = vt_op_attr(op, "programs");
    if (!pa || pa->kind != VT_ATTR_ARRAY || pa->n == 0 || pa->elems[0]->kind != VT_ATTR_ARRAY || pa->elems[0]->n == 0)
        return vt_error_set(r->err, VT_EINPUT, "run_parallel: programs must be a non-empty list of lists of functions");
    if (pa->n > 64 || pa->elems[0]->n > 64 || pa->n * pa->elems[0]->n > 256)
        return vt_error_set(r->err, VT_ELIMIT, "run_parallel: %zu x %zu processes exceed the limit of 256", pa->n,
                            pa->elems[0]->n);
    uint32_t R = (uint32_t)pa->n, P = (uint32_t)pa->elems[0]->n;
    uint32_t N = R * P;
    const vt_func **fns = calloc(N, sizeof *fns);
    const vt_rvalue **args = calloc(N, sizeof *args);
    vt_rvalue **res = calloc(N, sizeof *res);
    vt_feed_item *feed = NULL;
    size_t nfeed = 0;
    vt_status s = VT_OK;
    if (!fns || !args || !res) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
    size_t argpos = 0, respos = 0;
    for (uint32_t i = 0; s == VT_OK && i < R; i++) {
        const vt_attr *row = pa->elems[i];
        if (row->kind != VT_ATTR_ARRAY || row->n != P) {
            s = vt_error_set(r->err, VT_EINPUT, "run_parallel: programs row %u does not list %u functions", i, P);
            break;
        }
        for (uint32_t j = 0; j < P; j++) {
            uint32_t k = i * P + j;
            fns[k] = symbol_func(r, row->elems[j]);
            if (!fns[k]) {
                s = vt_error_set(r->err, VT_EINPUT, "run_parallel: programs[%u][%u] is not a function of the module", i, j);
                break;
            }
            if (argpos + fns[k]->nargs > op->noperands || respos + fns[k]->nresults > op->nresults) {
                s = vt_error_set(r->err, VT_EINPUT, "run_parallel: @%s needs more operands or results than the op has",
                                 fns[k]->name);
                break;
            }
            args[k] = in + argpos;
            res[k] = out + respos;
            argpos += fns[k]->nargs;
            respos += fns[k]->nresults;
        }
    }
    if (s == VT_OK && (argpos != op->noperands || respos != op->nresults))
        s = vt_error_set(r->err, VT_EINPUT, "run_parallel: programs take %zu operands and give %zu results; the op has %zu and %zu",
                         argpos, respos, op->noperands, op->nresults);
    /* the infeed queue: each listed function is run once, here, in order */
    vt_attr *fa = vt_op_attr(op, "infeed");
    if (s == VT_OK && fa) {
        if (fa->kind != VT_ATTR_ARRAY) s = vt_error_set(r->err, VT_EINPUT, "run_parallel: infeed must be a list of functions");
        else if (!(feed = calloc(fa->n ? fa->n : 1, sizeof *feed))) s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
        for (size_t i = 0; s == VT_OK && i < fa->n; i++) {
            const vt_func *qf = symbol_func(r, fa->elems[i]);
            if (!qf || qf->nargs) {
                s = vt_error_set(r->err, VT_EINPUT, "run_parallel: infeed[%zu] is not a function without arguments", i);
                break;
            }
            feed[i].vals = calloc(qf->nresults ? qf->nresults : 1, sizeof(vt_rvalue));
            if (!feed[i].vals) {
                s = vt_error_set(r->err, VT_ENOMEM, "out of memory");
                break;
            }
            feed[i].n = qf->nresults;
            nfeed = i + 1;
            s = vt_exec_call(r, qf, NULL, 0, feed[i].vals, qf->nresults);
        }
    }
    if (s == VT_OK) s = grid_core(r, R, P, fns, args, res, feed, nfeed);
    for (size_t i = 0; i < nfeed; i++) vt_rvalues_release(feed[i].vals, feed[i].n);
    free(feed);
    free(fns);
    free(args);
    free(res);
    return s;
}

vt_exec_fn vt_exec_print_fn(const vt_op *op); /* op_print.c */
vt_exec_fn vt_exec_collective_fn(const vt_op *op);
vt_exec_fn vt_exec_collective_fn(const vt_op *op) {
    switch (op->code) {
    case VT_OP_INTERPRETER_PRINT: return vt_exec_print_fn(op);
    case VT_OP_INTERPRETER_RUN_PARALLEL: return exec_run_parallel;
    case VT_OP_ALL_REDUCE:
    case VT_OP_ALL_GATHER:
    case VT_OP_ALL_TO_ALL:
    case VT_OP_REDUCE_SCATTER:
    case VT_OP_COLLECTIVE_PERMUTE:
    case VT_OP_COLLECTIVE_BROADCAST:
    case VT_OP_SEND:
    case VT_OP_RECV: return exec_collective;
    case VT_OP_UNKNOWN: return is_collective_reduce(op) ? exec_collective : NULL;
    case VT_OP_INFEED:
    case VT_OP_OUTFEED: return exec_feed;
    default: return NULL;
    }
}
