/* vt_verify: one claim from the workload database, checked end to end — load, pin, parse and
 * type-check the graph, bind the claimed inputs to the entry point, execute within limits,
 * apply the strategy — ending in a verdict with a one-sentence reason. */
#include "verify_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *vt_verdict_name(vt_verdict v) {
    switch (v) {
    case VT_VERDICT_PASSED: return "passed";
    case VT_VERDICT_FAILED: return "failed";
    default: return "error";
    }
}

void vt_verify_result_free(vt_verify_result *r) {
    if (!r) return;
    free(r->outputs);
    r->outputs = NULL;
    r->n_outputs = 0;
}

/* A claim that cannot be checked: exit class 3 for limits (and memory), 2 for everything else. */
static void set_error(vt_verify_result *r, const vt_error *e) {
    r->verdict = VT_VERDICT_ERROR;
    r->status = e->code == VT_OK || e->code == VT_ECHECK ? VT_EINTERNAL : e->code;
    if (e->code == VT_ECHECK) r->status = VT_EINPUT; /* corrupt store content: not checkable */
    r->exit_class = vt_status_exit_code(r->status) == 3 ? 3 : 2;
    snprintf(r->reason, sizeof r->reason, "%s", e->msg[0] ? e->msg : vt_status_name(e->code));
}

static void set_failed(vt_verify_result *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void set_failed(vt_verify_result *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->verdict = VT_VERDICT_FAILED;
    r->status = VT_ECHECK;
    r->exit_class = 1;
}

static void meta_type_str(const vt_store_tensor_meta *m, char *out, size_t n) {
    size_t k = (size_t)snprintf(out, n, "tensor<");
    for (int d = 0; d < m->rank && k < n; d++) k += (size_t)snprintf(out + k, n - k, "%lldx", (long long)m->dims[d]);
    if (k < n) snprintf(out + k, n - k, "%s>", vt_dtype_name(m->dtype));
}

/* A claimed tensor fits a signature type when dtype and rank agree and every static dim does. */
static bool meta_fits(const vt_store_tensor_meta *m, const vt_type *t) {
    if (!vt_type_is_tensor(t) || t->dtype != m->dtype || t->rank != m->rank) return false;
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] >= 0 && t->dims[d] != m->dims[d]) return false;
    return true;
}

/* Header of a claimed tensor: from the cache when it holds the tensor, else the store. */
static vt_status tensor_meta(vt_store *db, vt_verify_cache *cache, const vt_hash256 *id, vt_store_tensor_meta *m,
                             vt_error *e) {
    const vt_tensor *t = vt_vcache_tensor(cache, id);
    if (!t) return vt_store_tensor_meta_get(db, id, m, e);
    memset(m, 0, sizeof *m);
    m->dtype = t->dtype;
    m->rank = t->rank;
    memcpy(m->dims, t->dims, sizeof m->dims);
    m->nbytes = t->nbytes;
    return VT_OK;
}

/* A claimed tensor, re-hashed on its first read; the caller releases it. */
static vt_status tensor_get(vt_store *db, vt_verify_cache *cache, const vt_hash256 *id, uint64_t max_bytes,
                            vt_tensor **out, vt_error *e) {
    vt_tensor *t = vt_vcache_tensor(cache, id);
    if (t) {
        if (max_bytes && t->nbytes > max_bytes)
            return vt_error_set(e, VT_ELIMIT, "tensor of %zu bytes exceeds the limit of %llu bytes", t->nbytes,
                                (unsigned long long)max_bytes);
        *out = vt_tensor_retain(t);
        return VT_OK;
    }
    vt_status st = vt_store_get_tensor(db, id, max_bytes, out, e);
    if (!st) vt_vcache_put_tensor(cache, id, *out);
    return st;
}

/* Checks count and types of the claimed tensors (role "input"/"output") against the entry. */
static vt_status bind_check(vt_store *db, vt_verify_cache *cache, const char *role, const vt_hash256 *ids, size_t n, const vt_type **types,
                            size_t ntypes, const char *entry, vt_error *e) {
    if (n != ntypes)
        return vt_error_set(e, VT_EINPUT, "%s count: the claim has %zu, entry point @%s has %zu (%s)", role, n, entry,
                            ntypes, n < ntypes ? "missing" : "extra");
    for (size_t i = 0; i < n; i++) {
        vt_store_tensor_meta m;
        vt_status st = tensor_meta(db, cache, &ids[i], &m, e);
        if (st) {
            vt_error_prefix(e, "%s %zu", role, i);
            return st;
        }
        if (!meta_fits(&m, types[i])) {
            char have[200], want[200];
            meta_type_str(&m, have, sizeof have);
            vt_type_str(types[i], want, sizeof want);
            return vt_error_set(e, VT_EINPUT, "%s %zu: tensor is %s, entry point @%s has %s", role, i, have, entry, want);
        }
    }
    return VT_OK;
}

static void format_index(const vt_output_score *s, char *out, size_t n) {
    size_t k = (size_t)snprintf(out, n, "[");
    for (int d = 0; d < s->first_rank && k < n; d++)
        k += (size_t)snprintf(out + k, n - k, d ? ",%lld" : "%lld", (long long)s->first_index[d]);
    if (k < n) snprintf(out + k, n - k, "]");
}

static vt_status run_claim(vt_store *db, const vt_store_claim *c, const vt_verify_options *opt,
                           const vt_strategy *strat, void *state, vt_verify_result *r, vt_error *e) {
    double t = now_s();
    char *text = NULL;
    size_t len = 0;
    vt_module *m = NULL;
    vt_rvalue *args = NULL, *res = NULL;
    size_t nres = 0;
    vt_engine *eng = opt->engine;
    vt_status st = VT_OK;
    const vt_module *mod = vt_vcache_module(opt->cache, &c->graph);
    if (!mod) {
        st = vt_store_get_graph(db, &c->graph, &text, &len, e);
        if (st) goto out;
        r->timings.load += now_s() - t;
        t = now_s();
        vt_parse_options po = {"graph", 0, NULL};
        char fname[80];
        snprintf(fname, sizeof fname, "graph %.12s", r->graph_id);
        po.filename = fname;
        st = vt_parse_module(text, len, &po, &m, e);
        if (!st) st = vt_module_verify(m, e);
        if (st) goto out;
        mod = m;
        if (vt_vcache_put_module(opt->cache, &c->graph, m)) m = NULL; /* the cache owns it now */
    }
    const vt_func *f;
    st = vt_module_entry(mod, c->entry, &f, e);
    if (st) goto out;
    r->timings.parse = now_s() - t;
    t = now_s();
    st = bind_check(db, opt->cache, "input", c->inputs, c->n_inputs, f->arg_types, f->nargs, c->entry, e);
    if (!st) st = bind_check(db, opt->cache, "output", c->outputs, c->n_outputs, f->result_types, f->nresults, c->entry, e);
    if (st) goto out;
    args = calloc(c->n_inputs ? c->n_inputs : 1, sizeof *args);
    if (!args) {
        st = vt_error_set(e, VT_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->n_inputs; i++) {
        vt_tensor *x;
        st = tensor_get(db, opt->cache, &c->inputs[i], r->limits.max_tensor_bytes, &x, e);
        if (st) {
            vt_error_prefix(e, "input %zu", i);
            goto out;
        }
        args[i] = vt_rvalue_tensor(x);
    }
    r->timings.load += now_s() - t;
    if (!eng) {
        vt_engine_options eo;
        memset(&eo, 0, sizeof eo);
        eo.threads = opt->threads;
        eng = vt_engine_create(&eo, e);
        if (!eng) {
            st = e->code ? e->code : VT_ENOMEM;
            goto out;
        }
    }
    t = now_s();
    st = vt_execute(eng, mod, c->entry, args, c->n_inputs, &r->limits, &res, &nres, &r->stats, e);
    r->timings.execute = now_s() - t;
    if (st) goto out;
    t = now_s();
    r->outputs = calloc(nres ? nres : 1, sizeof *r->outputs);
    if (!r->outputs) {
        st = vt_error_set(e, VT_ENOMEM, "out of memory");
        goto out;
    }
    r->n_outputs = nres;
    size_t nbad = 0, first_bad = 0;
    for (size_t i = 0; i < nres && !st; i++) {
        if (res[i].kind != VT_RV_TENSOR) {
            st = vt_error_set(e, VT_EUNSUPPORTED, "not supported: output %zu is not a tensor", i);
            break;
        }
        vt_tensor *got = res[i].tensor, *claimed = NULL;
        vt_tensor_type_str(got, r->outputs[i].type, sizeof r->outputs[i].type);
        double tl = now_s();
        st = tensor_get(db, opt->cache, &c->outputs[i], r->limits.max_tensor_bytes, &claimed, e);
        r->timings.load += now_s() - tl;
        if (st) {
            vt_error_prefix(e, "output %zu", i);
            break;
        }
        if (claimed->dtype != got->dtype || !vt_tensor_same_shape(claimed, got)) {
            char a[100], b[100];
            st = vt_error_set(e, VT_EINPUT, "output %zu: claimed %s, the graph computes %s", i,
                              vt_tensor_type_str(claimed, a, sizeof a), vt_tensor_type_str(got, b, sizeof b));
        } else {
            st = strat->check(state, claimed, got, &r->outputs[i], e);
            if (!st && !r->outputs[i].passed && nbad++ == 0) first_bad = i;
        }
        vt_tensor_release(claimed);
    }
    r->timings.check = now_s() - t;
    if (st) goto out;
    if (nbad == 0) {
        r->verdict = VT_VERDICT_PASSED;
        r->status = VT_OK;
        r->exit_class = 0;
        if (nres == 1) snprintf(r->reason, sizeof r->reason, "the output matches the recomputation (%s).", r->rule);
        else snprintf(r->reason, sizeof r->reason, "all %zu outputs match the recomputation (%s).", nres, r->rule);
    } else {
        const vt_output_score *s = &r->outputs[first_bad];
        char idx[200];
        format_index(s, idx, sizeof idx);
        set_failed(r, "output %zu differs from the recomputation (%s) in %llu of %llu elements, first at %s: claimed %.9g, "
                   "computed %.9g%s.", first_bad, r->rule, (unsigned long long)s->mismatches,
                   (unsigned long long)s->elements, idx, s->first_claimed, s->first_computed,
                   nbad > 1 ? " (and other outputs differ too)" : "");
    }
out:
    if (res) vt_rvalues_release(res, nres);
    if (args) vt_rvalues_release(args, c->n_inputs);
    if (eng && eng != opt->engine) vt_engine_destroy(eng);
    vt_module_free(m);
    free(text);
    return st;
}

vt_status vt_verify(vt_store *db, const vt_hash256 *claim_id, const vt_verify_options *opt, vt_verify_result *r,
                    vt_error *err) {
    vt_verify_options none;
    memset(&none, 0, sizeof none);
    if (!opt) opt = &none;
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    vt_hex_encode(claim_id->b, VT_SHA256_LEN, r->claim_id);
    if (opt->limits) r->limits = *opt->limits;
    else vt_limits_default(&r->limits);
    snprintf(r->pin, sizeof r->pin, "none");
    vt_error e;
    vt_error_clear(&e);
    vt_store_claim c;
    memset(&c, 0, sizeof c);
    void *state = NULL;
    const vt_strategy *strat = NULL;
    vt_status st = vt_store_get_claim(db, claim_id, &c, &e);
    if (st) {
        vt_error_prefix(&e, "claim %.12s", r->claim_id);
        set_error(r, &e);
        goto done;
    }
    vt_hex_encode(c.graph.b, VT_SHA256_LEN, r->graph_id);
    snprintf(r->entry, sizeof r->entry, "%s", c.entry);
    snprintf(r->created_at, sizeof r->created_at, "%s", c.created_at);
    const char *sname = opt->strategy ? opt->strategy : c.strategy;
    snprintf(r->strategy, sizeof r->strategy, "%s", sname);
    strat = vt_strategy_find(sname);
    if (!strat) {
        vt_error_set(&e, VT_EUNSUPPORTED, "not supported: strategy '%.100s' (known: bit_exact)", sname);
        set_error(r, &e);
        goto done;
    }
    st = vt_strategy_configure(strat, opt->config_json ? opt->config_json : c.config, &state, &e);
    if (st) {
        set_error(r, &e);
        goto done;
    }
    strat->describe(state, r->rule, sizeof r->rule);

    /* The pin is checked before any work: a swapped graph is refused however consistent. */
    const vt_hash256 *pins = NULL;
    size_t npins = 0;
    char src[200] = "";
    if (opt->expect_graph) {
        pins = opt->expect_graph;
        npins = 1;
        snprintf(src, sizeof src, "--expect-graph");
    } else {
        npins = vt_policy_pins(opt->policy, c.entry, c.metadata, &pins, src, sizeof src);
    }
    if (npins) {
        snprintf(r->pin, sizeof r->pin, "%s", src);
        bool ok = false;
        for (size_t i = 0; i < npins; i++) ok = ok || memcmp(pins[i].b, c.graph.b, VT_SHA256_LEN) == 0;
        if (!ok) {
            set_failed(r, "graph %.12s is not the pinned graph (%s), so the outputs prove nothing about the expected "
                       "program.", r->graph_id, src);
            goto done;
        }
    } else if (vt_policy_requires_pin(opt->policy)) {
        set_failed(r, "no graph is pinned for entry point @%.200s and the policy requires one.", c.entry);
        goto done;
    }
    r->timings.load = now_s() - t0;
    st = run_claim(db, &c, opt, strat, state, r, &e);
    if (st == VT_ECHECK) {
        /* A hook's check inside the graph failed: the claim's own assertions do not hold. */
        set_failed(r, "%s", e.msg);
    } else if (st) {
        set_error(r, &e);
    }
done:
    if (state) strat->free_state(state);
    vt_store_claim_free(&c);
    r->timings.total = now_s() - t0;
    (void)err;
    return VT_OK;
}

int vt_verify_exit_code(const vt_verify_result *r, size_t n) {
    bool failed = false, limit = false, bad = false;
    for (size_t i = 0; i < n; i++) {
        if (r[i].exit_class == 1) failed = true;
        else if (r[i].exit_class == 3) limit = true;
        else if (r[i].exit_class == 2) bad = true;
    }
    return bad ? 2 : limit ? 3 : failed ? 1 : 0;
}
