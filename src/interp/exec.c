/* The execution loop: frames of value slots, blocks run step by step with buffers released
 * after their last use, function calls with a depth limit, and the public vt_execute. */
#include "interp/fuse.h"

#include <stdlib.h>
#include <string.h>

double vt_rt_now(void);

/* Prefixes the error with where it happened, once (the innermost op names the place). */
static void locate_error(vt_run *r, const vt_op *op) {
    if (r->located) return;
    r->located = true;
    vt_buf id;
    vt_buf_init(&id);
    vt_error tmp;
    if (vt_op_id(op, &id, &tmp) != VT_OK) vt_buf_puts(&id, "?");
    if (r->niters) {
        vt_buf_puts(&id, "#");
        for (size_t i = 0; i < r->niters; i++) vt_buf_printf(&id, i ? ".%llu" : "%llu", (unsigned long long)r->iters[i]);
    }
    const char *file = r->m->filename ? r->m->filename : "<module>";
    if (op->line)
        vt_error_prefix(r->err, "%s:%u:%u: %s (op %s)", file, op->line, op->col, vt_op_name(op), vt_buf_cstr(&id));
    else
        vt_error_prefix(r->err, "%s: %s (op %s)", file, vt_op_name(op), vt_buf_cstr(&id));
    vt_buf_free(&id);
}

static bool in_list(const uint32_t *ids, uint32_t n, uint32_t id) {
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

static vt_rvalue *slot(vt_frame *f, const vt_value *v) {
    uint32_t i = v->id - f->base;
    return i < f->n ? &f->slots[i] : NULL;
}

static vt_status exec_block(vt_run *r, vt_frame *f, const vt_block *b, const vt_rvalue *args, size_t nargs,
                            vt_rvalue *results, size_t nresults) {
    const vt_block_plan *p;
    vt_status s = vt_plan_block(r, b, &p);
    if (s != VT_OK) return s;
    if (nargs != b->nargs)
        return vt_error_set(r->err, VT_EINTERNAL, "region expects %zu arguments, got %zu", b->nargs, nargs);
    for (size_t i = 0; i < nargs; i++) {
        vt_rvalue *sl = slot(f, &b->args[i]);
        if (!sl) return vt_error_set(r->err, VT_EINTERNAL, "block argument outside its frame");
        vt_rvalue_release(sl);
        s = vt_rvalue_copy(&args[i], sl, r->err);
        if (s != VT_OK) return s;
    }
    for (uint32_t i = 0; i < p->nrelease_args; i++) vt_rvalue_release(&f->slots[p->release_args[i] - f->base]);

    vt_rvalue in_small[8], out_small[8];
    for (size_t i = 0; i < p->nsteps; i++) {
        const vt_step *st = &p->steps[i];
        const vt_op *op = st->op;
        if (vt_op_get_info(op)->flags & VT_OPF_TERMINATOR) {
            if (op->noperands != nresults)
                return vt_error_set(r->err, VT_EINTERNAL, "%s returns %zu values where %zu are expected", vt_op_name(op),
                                    op->noperands, nresults);
            for (size_t k = 0; k < nresults; k++) {
                s = vt_rvalue_copy(slot(f, op->operands[k]), &results[k], r->err);
                if (s != VT_OK) {
                    for (size_t j = 0; j < k; j++) vt_rvalue_release(&results[j]);
                    return s;
                }
            }
            for (uint32_t k = 0; k < st->nrelease; k++) vt_rvalue_release(&f->slots[st->release[k] - f->base]);
            return VT_OK;
        }
        s = vt_rt_tick(r);
        if (s != VT_OK) {
            locate_error(r, op);
            return s;
        }
        if (st->fused) {
            const vt_fused_group *g = st->fused;
            s = vt_exec_fused(r, f, g);
            if (s != VT_OK) {
                locate_error(r, op);
                return s;
            }
            for (size_t j = i; j < i + g->count; j++)
                for (uint32_t k = 0; k < p->steps[j].nrelease; k++)
                    vt_rvalue_release(&f->slots[p->steps[j].release[k] - f->base]);
            i += g->count - 1;
            continue;
        }
        vt_rvalue *in = op->noperands <= 8 ? in_small : malloc(op->noperands * sizeof *in);
        vt_rvalue *out = op->nresults <= 8 ? out_small : calloc(op->nresults, sizeof *out);
        if (!in || !out) {
            if (in != in_small) free(in);
            if (out != out_small) free(out);
            return vt_error_set(r->err, VT_ENOMEM, "out of memory");
        }
        memset(out, 0, (op->nresults <= 8 ? 8 : op->nresults) * sizeof *out);
        uint64_t consumable = 0;
        for (size_t k = 0; k < op->noperands; k++) {
            vt_rvalue *sl = slot(f, op->operands[k]);
            in[k] = sl ? *sl : (vt_rvalue){0};
            if (k < 64 && in_list(st->release, st->nrelease, op->operands[k]->id)) {
                bool repeated = false;
                for (size_t j = 0; j < op->noperands; j++)
                    if (j != k && op->operands[j] == op->operands[k]) repeated = true;
                if (!repeated) consumable |= (uint64_t)1 << k;
            }
        }
        s = st->fn(r, f, op, in, consumable, out);
        if (in != in_small) free(in);
        if (s != VT_OK) {
            for (size_t k = 0; k < op->nresults; k++) vt_rvalue_release(&out[k]);
            if (out != out_small) free(out);
            locate_error(r, op);
            return s;
        }
        for (size_t k = 0; k < op->nresults; k++) {
            vt_rvalue *sl = slot(f, &op->results[k]);
            vt_rvalue_release(sl);
            *sl = out[k];
        }
        if (out != out_small) free(out);
        for (uint32_t k = 0; k < st->nrelease; k++) vt_rvalue_release(&f->slots[st->release[k] - f->base]);
    }
    return vt_error_set(r->err, VT_EINPUT, "block ends without a terminator");
}

vt_status vt_exec_region(vt_run *r, vt_frame *f, const vt_region *reg, const vt_rvalue *args, size_t nargs,
                         vt_rvalue *results, size_t nresults) {
    if (reg->nblocks != 1)
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: a region with %zu blocks", reg->nblocks);
    return exec_block(r, f, reg->blocks[0], args, nargs, results, nresults);
}

static void frame_clear(vt_frame *f) {
    for (uint32_t i = 0; i < f->n; i++) vt_rvalue_release(&f->slots[i]);
}

vt_status vt_exec_call(vt_run *r, const vt_func *fn, const vt_rvalue *args, size_t nargs, vt_rvalue *results,
                       size_t nresults) {
    if (!fn->body) return vt_error_set(r->err, VT_EINPUT, "function @%s has no body", fn->name);
    if (r->lim.max_call_depth && r->depth >= r->lim.max_call_depth)
        return vt_error_set(r->err, VT_ELIMIT, "call depth limit of %u exceeded calling @%s", r->lim.max_call_depth, fn->name);
    if (nargs != fn->nargs || nresults != fn->nresults)
        return vt_error_set(r->err, VT_EINPUT, "call of @%s with %zu arguments and %zu results; it has %zu and %zu", fn->name,
                            nargs, nresults, fn->nargs, fn->nresults);
    const vt_func_plan *fp;
    vt_status s = vt_plan_func(r, fn, &fp);
    if (s != VT_OK) return s;
    vt_frame f = {calloc(fp->n ? fp->n : 1, sizeof(vt_rvalue)), fp->base, fp->n};
    if (!f.slots) return vt_error_set(r->err, VT_ENOMEM, "out of memory");
    r->depth++;
    s = vt_exec_region(r, &f, fn->body, args, nargs, results, nresults);
    r->depth--;
    frame_clear(&f);
    free(f.slots);
    return s;
}

vt_status vt_module_entry(const vt_module *m, const char *name, const vt_func **out, vt_error *err) {
    if (name) {
        const vt_func *f = vt_module_find_func(m, name[0] == '@' ? name + 1 : name);
        if (!f) return vt_error_set(err, VT_EINPUT, "entry point @%s not found", name[0] == '@' ? name + 1 : name);
        *out = f;
        return VT_OK;
    }
    const vt_func *f = vt_module_find_func(m, "main");
    if (f) {
        *out = f;
        return VT_OK;
    }
    const vt_func *only = NULL;
    size_t npublic = 0;
    for (size_t i = 0; i < m->nfuncs; i++) {
        const char *v = m->funcs[i]->visibility;
        if (!v || strcmp(v, "public") == 0) {
            npublic++;
            only = m->funcs[i];
        }
    }
    if (npublic != 1)
        return vt_error_set(err, VT_EINPUT, "no @main and %zu public functions: choose the entry point with --entry", npublic);
    *out = only;
    return VT_OK;
}

static vt_status check_arg(const vt_func *fn, size_t i, const vt_rvalue *a, vt_error *err) {
    const vt_type *t = fn->arg_types[i];
    if (t->kind == VT_TYPE_TOKEN) {
        if (a->kind != VT_RV_TOKEN) return vt_error_set(err, VT_EINPUT, "argument %zu of @%s must be a token", i, fn->name);
        return VT_OK;
    }
    if (t->kind == VT_TYPE_TUPLE) {
        if (a->kind != VT_RV_TUPLE) return vt_error_set(err, VT_EINPUT, "argument %zu of @%s must be a tuple", i, fn->name);
        return VT_OK;
    }
    if (t->kind != VT_TYPE_TENSOR) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: argument %zu of @%s has a non-tensor type", i, fn->name);
    char want[128], got[128];
    vt_type_str(t, want, sizeof want);
    if (a->kind != VT_RV_TENSOR || !a->tensor)
        return vt_error_set(err, VT_EINPUT, "argument %zu of @%s: expected %s, got a non-tensor value", i, fn->name, want);
    const vt_tensor *x = a->tensor;
    bool ok = x->dtype == t->dtype && x->rank == t->rank;
    for (int d = 0; ok && d < t->rank; d++)
        if (t->dims[d] != VT_DYN && t->dims[d] != x->dims[d]) ok = false;
    if (!ok) {
        vt_tensor_type_str(x, got, sizeof got);
        return vt_error_set(err, VT_EINPUT, "argument %zu of @%s: expected %s, got %s", i, fn->name, want, got);
    }
    if (!vt_dtype_check_canonical(x->dtype, x->data, x->nelem, NULL))
        return vt_error_set(err, VT_EINPUT, "argument %zu of @%s: %s values out of range for the type", i, fn->name,
                            vt_dtype_name(x->dtype));
    return VT_OK;
}

/* Checks the entry's arguments (count, types, canonical sub-byte values); shared with
 * vt_execute_grid (exec_grid.c). */
vt_status vt_check_entry_args(const vt_func *fn, const vt_rvalue *args, size_t nargs, vt_error *err);
vt_status vt_check_entry_args(const vt_func *fn, const vt_rvalue *args, size_t nargs, vt_error *err) {
    if (nargs != fn->nargs)
        return vt_error_set(err, VT_EINPUT, "@%s takes %zu arguments, %zu given", fn->name, fn->nargs, nargs);
    for (size_t i = 0; i < nargs; i++) {
        vt_status s = check_arg(fn, i, &args[i], err);
        if (s != VT_OK) return s;
    }
    return VT_OK;
}

/* The set-up and tear-down of one run (limits, fuel, accounting, plan cache), shared with
 * vt_execute_grid (exec_grid.c). vt_run_end fills stats (may be NULL) and frees the run. */
vt_status vt_run_begin(vt_run *r, vt_engine *e, const vt_module *m, const vt_limits *limits, vt_error *err);
vt_status vt_run_begin(vt_run *r, vt_engine *e, const vt_module *m, const vt_limits *limits, vt_error *err) {
    memset(r, 0, sizeof *r);
    r->e = e;
    r->m = m;
    if (limits) r->lim = *limits;
    else vt_limits_default(&r->lim);
    r->kc.threads = e->threads;
    r->kc.fuel_left = r->lim.fuel ? r->lim.fuel : UINT64_MAX;
    r->kc.max_tensor_bytes = r->lim.max_tensor_bytes;
    r->fuel_start = r->kc.fuel_left;
    r->err = err;
    r->fuse = !e->no_fusion;
    r->t0 = vt_rt_now();
    r->acct = calloc(1, sizeof *r->acct);
    r->cache = vt_plan_cache_new();
    if (!r->acct || !r->cache) {
        free(r->acct);
        vt_plan_cache_free(r->cache);
        r->acct = NULL;
        r->cache = NULL;
        return vt_error_set(err, VT_ENOMEM, "out of memory");
    }
    r->acct->refs = 1;
    return VT_OK;
}

void vt_run_end(vt_run *r, vt_run_stats *stats);
void vt_run_end(vt_run *r, vt_run_stats *stats) {
    if (stats) {
        stats->fuel_used = r->fuel_start - r->kc.fuel_left;
        stats->peak_live_bytes = r->acct->peak;
        stats->total_bytes = r->acct->total;
        stats->ops_executed = r->ops;
        stats->iterations = r->iterations;
        stats->seconds = vt_rt_now() - r->t0;
    }
    vt_plan_cache_free(r->cache);
    for (size_t i = 0; i < r->nprobes; i++) {
        free(r->probe_ids[i]);
        vt_tensor_release(r->probes[i]);
    }
    free(r->probe_ids);
    free(r->probes);
    if (--r->acct->refs == 0) free(r->acct);
}

vt_status vt_execute(vt_engine *e, const vt_module *m, const char *entry, const vt_rvalue *args, size_t nargs,
                     const vt_limits *limits, vt_rvalue **results, size_t *nresults, vt_run_stats *stats,
                     vt_error *err) {
    *results = NULL;
    *nresults = 0;
    const vt_func *fn;
    vt_status s = vt_module_entry(m, entry, &fn, err);
    if (s != VT_OK) return s;
    if ((s = vt_check_entry_args(fn, args, nargs, err)) != VT_OK) return s;
    vt_rvalue *res = calloc(fn->nresults ? fn->nresults : 1, sizeof *res);
    if (!res) return vt_error_set(err, VT_ENOMEM, "out of memory");
    vt_run r;
    if ((s = vt_run_begin(&r, e, m, limits, err)) != VT_OK) {
        free(res);
        return s;
    }
    vt_error_clear(err);
    s = vt_exec_call(&r, fn, args, nargs, res, fn->nresults);
    vt_run_end(&r, stats);
    if (s != VT_OK) {
        free(res);
        return s;
    }
    *results = res;
    *nresults = fn->nresults;
    return VT_OK;
}
