/* The engine: thread budget, the hook registry (the only door from a graph to outside code),
 * feeds, limits defaults and runtime values. */
#include "interp/interp_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vt_limits_default(vt_limits *l) {
    memset(l, 0, sizeof *l);
    l->max_live_bytes = (uint64_t)16 << 30;   /* 16 GiB alive at once */
    l->max_total_bytes = (uint64_t)1 << 42;   /* 4 TiB allocated over a run */
    l->fuel = (uint64_t)1 << 42;              /* ~4.4e12 work units */
    l->max_iterations = 1000u * 1000;         /* while iterations per run */
    l->max_call_depth = 256;
    l->max_tensor_bytes = (uint64_t)8 << 30;  /* 8 GiB per tensor */
    l->deadline_seconds = 0;                  /* none unless the caller sets one */
}

vt_engine *vt_engine_create(const vt_engine_options *opt, vt_error *err) {
    vt_engine *e = calloc(1, sizeof *e);
    if (!e) {
        vt_error_set(err, VT_ENOMEM, "out of memory");
        return NULL;
    }
    int threads = opt ? opt->threads : 0;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    e->threads = threads;
    if (opt) e->logger = opt->logger;
    e->num_replicas = opt && opt->num_replicas ? opt->num_replicas : 1;
    e->num_partitions = opt && opt->num_partitions ? opt->num_partitions : 1;
    e->no_fusion = opt && opt->no_fusion;
    return e;
}

void vt_engine_destroy(vt_engine *e) {
    if (!e) return;
    for (size_t i = 0; i < e->nhooks; i++) free(e->hooks[i].target);
    free(e->hooks);
    free(e);
}

int vt_engine_threads(const vt_engine *e) { return e->threads; }

vt_status vt_engine_register_hook(vt_engine *e, const char *target, vt_hook_fn fn, void *user, vt_error *err) {
    for (size_t i = 0; i < e->nhooks; i++) {
        if (strcmp(e->hooks[i].target, target) == 0) {
            e->hooks[i].fn = fn;
            e->hooks[i].user = user;
            return VT_OK;
        }
    }
    if (e->nhooks == e->caphooks) {
        size_t cap = e->caphooks ? e->caphooks * 2 : 16;
        vt_hook_entry *h = realloc(e->hooks, cap * sizeof *h);
        if (!h) return vt_error_set(err, VT_ENOMEM, "out of memory");
        e->hooks = h;
        e->caphooks = cap;
    }
    char *t = strdup(target);
    if (!t) return vt_error_set(err, VT_ENOMEM, "out of memory");
    e->hooks[e->nhooks++] = (vt_hook_entry){t, fn, user};
    return VT_OK;
}

void vt_engine_set_feeds(vt_engine *e, vt_infeed_fn infeed, vt_outfeed_fn outfeed, void *user) {
    e->infeed = infeed;
    e->outfeed = outfeed;
    e->feed_user = user;
}

vt_rvalue vt_rvalue_tensor(vt_tensor *t) {
    vt_rvalue v = {VT_RV_TENSOR, t, 0, NULL};
    return v;
}

vt_rvalue vt_rvalue_token(void) {
    vt_rvalue v = {VT_RV_TOKEN, NULL, 0, NULL};
    return v;
}

vt_status vt_rvalue_copy(const vt_rvalue *v, vt_rvalue *out, vt_error *err) {
    *out = *v;
    if (v->kind == VT_RV_TENSOR) {
        vt_tensor_retain(v->tensor);
    } else if (v->kind == VT_RV_TUPLE) {
        out->elems = v->n ? calloc(v->n, sizeof *out->elems) : NULL;
        if (v->n && !out->elems) {
            out->kind = VT_RV_NONE;
            return vt_error_set(err, VT_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < v->n; i++) {
            vt_status s = vt_rvalue_copy(&v->elems[i], &out->elems[i], err);
            if (s != VT_OK) {
                out->n = i;
                vt_rvalue_release(out);
                return s;
            }
        }
    }
    return VT_OK;
}

void vt_rvalue_release(vt_rvalue *v) {
    if (v->kind == VT_RV_TENSOR) {
        vt_tensor_release(v->tensor);
    } else if (v->kind == VT_RV_TUPLE) {
        for (size_t i = 0; i < v->n; i++) vt_rvalue_release(&v->elems[i]);
        free(v->elems);
    }
    memset(v, 0, sizeof *v);
}

void vt_rvalues_release(vt_rvalue *vs, size_t n) {
    if (!vs) return;
    for (size_t i = 0; i < n; i++) vt_rvalue_release(&vs[i]);
    free(vs);
}
