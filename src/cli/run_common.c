/* Loading, binding and running StableHLO files for `veritor run` and `veritor conform`. */
#include "cli/run_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vt_part_results_free(vt_part_result *parts, size_t n) {
    if (!parts) return;
    for (size_t i = 0; i < n; i++) vt_rvalues_release(parts[i].results, parts[i].nresults);
    free(parts);
}

/* Argument i matches NAME when NAME is its index, its SSA name (arg0 or %arg0), or the name JAX
 * recorded in jax.arg_info. */
static bool arg_matches(const vt_func *f, size_t i, const char *name, size_t n) {
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", i);
    if (strlen(buf) == n && memcmp(buf, name, n) == 0) return true;
    if (n && name[0] == '%') name++, n--;
    const vt_value *v = &f->body->blocks[0]->args[i];
    if (v->name && strlen(v->name) == n && memcmp(v->name, name, n) == 0) return true;
    vt_attr *attrs = f->arg_attrs ? f->arg_attrs[i] : NULL;
    vt_attr *info = attrs ? vt_attr_dict_get(attrs, "jax.arg_info") : NULL;
    const char *s = info ? vt_attr_as_string(info) : NULL;
    return s && strlen(s) == n && memcmp(s, name, n) == 0;
}

/* --args "[dense<...> : tensor<...>, ...]": one dense attribute per argument, in order. */
static vt_status bind_args_text(const vt_func *f, const vt_run_config *cfg, vt_rvalue *a, vt_error *err) {
    vt_module *holder;
    vt_attr *list;
    vt_parse_options po = {"--args", 1, NULL};
    vt_status s = vt_parse_attribute_text(cfg->args_text, strlen(cfg->args_text), &po, &holder, &list, err);
    if (s != VT_OK) return s;
    if (list->kind != VT_ATTR_ARRAY)
        s = vt_error_set(err, VT_EINPUT, "--args: expected an array attribute, i.e. --args=\"[dense<1> : tensor<2xi32>, ...]\"");
    for (size_t i = 0; s == VT_OK && i < list->n; i++)
        if (list->elems[i]->kind != VT_ATTR_DENSE)
            s = vt_error_set(err, VT_EINPUT, "--args: element %zu is not a dense elements attribute, i.e. dense<1> : tensor<2xi32>", i);
    if (s == VT_OK && list->n != f->nargs)
        s = vt_error_set(err, VT_EINPUT, "--args: %zu values for the %zu arguments of @%s", list->n, f->nargs, f->name);
    for (size_t i = 0; s == VT_OK && i < list->n; i++) {
        const vt_attr *d = list->elems[i];
        if (!vt_type_equal(d->type, f->arg_types[i])) {
            char want[128], got[128];
            s = vt_error_set(err, VT_EINPUT, "--args: element %zu has type %s, argument %zu of @%s is %s", i,
                             vt_type_str(d->type, got, sizeof got), i, f->name, vt_type_str(f->arg_types[i], want, sizeof want));
            break;
        }
        vt_tensor *t;
        s = vt_attr_dense_materialize(d, cfg->max_input_bytes ? cfg->max_input_bytes : (uint64_t)1 << 32, &t, err);
        if (s == VT_OK) a[i] = vt_rvalue_tensor(t);
    }
    vt_module_free(holder);
    return s;
}

static vt_status bind_inputs(const vt_func *f, const vt_run_config *cfg, vt_rvalue **args, vt_error *err) {
    vt_rvalue *a = calloc(f->nargs ? f->nargs : 1, sizeof *a);
    if (!a) return vt_error_set(err, VT_ENOMEM, "out of memory");
    vt_status s = cfg->args_text ? bind_args_text(f, cfg, a, err) : VT_OK;
    for (size_t k = 0; k < cfg->ninputs && s == VT_OK; k++) {
        const char *spec = cfg->inputs[k], *eq = strchr(spec, '=');
        if (!eq) {
            s = vt_error_set(err, VT_EUSAGE, "--input '%s': expected NAME_OR_INDEX=FILE", spec);
            break;
        }
        size_t idx = f->nargs;
        for (size_t i = 0; i < f->nargs; i++)
            if (arg_matches(f, i, spec, (size_t)(eq - spec))) {
                idx = i;
                break;
            }
        if (idx == f->nargs) {
            s = vt_error_set(err, VT_EINPUT, "--input '%s': @%s has no argument named '%.*s'", spec, f->name,
                             (int)(eq - spec), spec);
            break;
        }
        if (a[idx].kind != VT_RV_NONE) {
            s = vt_error_set(err, VT_EUSAGE, "--input '%s': argument %zu is given twice", spec, idx);
            break;
        }
        vt_read_options ro = {cfg->max_input_bytes, true};
        vt_tensor *t;
        s = vt_tensor_read_any(eq + 1, &ro, &t, err);
        if (s == VT_OK) a[idx] = vt_rvalue_tensor(t);
    }
    for (size_t i = 0; i < f->nargs && s == VT_OK; i++) {
        if (a[i].kind != VT_RV_NONE) continue;
        if (f->arg_types[i]->kind == VT_TYPE_TOKEN) {
            a[i] = vt_rvalue_token();
            continue;
        }
        char t[128];
        s = vt_error_set(err, VT_EINPUT, "argument %zu (%s) of @%s has no input: give --input %zu=FILE or --random-inputs SEED", i,
                         vt_type_str(f->arg_types[i], t, sizeof t), f->name, i);
    }
    if (s != VT_OK) {
        vt_rvalues_release(a, f->nargs);
        return s;
    }
    *args = a;
    return VT_OK;
}

/* Runs the entry on an R x P grid and flattens the per-process results into pr->results. */
static vt_status run_grid(vt_engine *e, const vt_module *m, const vt_func *f, const vt_rvalue *args, size_t nargs,
                          const vt_run_config *cfg, uint32_t R, uint32_t P, vt_part_result *pr) {
    vt_error *err = &pr->err;
    vt_rvalue **per = calloc((size_t)R * P, sizeof *per);
    if (!per) return vt_error_set(err, VT_ENOMEM, "out of memory");
    size_t nres = 0;
    vt_status s = vt_execute_grid(e, m, f->name, args, nargs, cfg->limits, R, P, per, &nres, &pr->stats, err);
    if (s == VT_OK) {
        size_t total = (size_t)R * P * nres;
        pr->results = calloc(total ? total : 1, sizeof *pr->results);
        if (!pr->results) s = vt_error_set(err, VT_ENOMEM, "out of memory");
        for (size_t i = 0; i < (size_t)R * P; i++) {
            for (size_t k = 0; k < nres; k++) {
                if (pr->results) pr->results[i * nres + k] = per[i][k];
                else vt_rvalue_release(&per[i][k]);
            }
            free(per[i]);
        }
        if (s == VT_OK) {
            pr->nresults = total;
            pr->replicas = R;
            pr->partitions = P;
        }
    }
    free(per);
    return s;
}

static void run_part(const char *path, const vt_text_part *tp, const vt_run_config *cfg, vt_part_result *pr) {
    pr->line = tp->line;
    vt_module *m = NULL;
    vt_parse_options po = {path, tp->line, NULL};
    vt_error *err = &pr->err;
    pr->status = vt_parse_module(tp->text, tp->len, &po, &m, err);
    if (pr->status != VT_OK) return;
    if ((pr->status = vt_module_verify(m, err)) != VT_OK) {
        vt_module_free(m);
        return;
    }
    if (m->nfuncs == 0 && !cfg->entry) { /* an empty part: nothing to run */
        vt_module_free(m);
        return;
    }
    const vt_func *f;
    if ((pr->status = vt_module_entry(m, cfg->entry, &f, err)) != VT_OK) {
        vt_module_free(m);
        return;
    }
    snprintf(pr->entry, sizeof pr->entry, "%s", f->name);
    vt_rvalue *args = NULL;
    size_t nargs = f->nargs;
    if (cfg->random_inputs) pr->status = vt_random_args(f, cfg->seed, cfg->limits ? cfg->limits->max_tensor_bytes : 0, &args, &nargs, err);
    else pr->status = bind_inputs(f, cfg, &args, err);
    if (pr->status != VT_OK) {
        vt_module_free(m);
        return;
    }
    vt_engine_options eo = {cfg->threads, cfg->logger, 1, 1, cfg->no_fusion};
    vt_engine *e = vt_engine_create(&eo, err);
    uint32_t R = cfg->replicas ? cfg->replicas : 1, P = cfg->partitions ? cfg->partitions : 1;
    pr->replicas = pr->partitions = 1;
    if (!e) {
        pr->status = err->code;
    } else if ((pr->status = vt_engine_register_checks(e, &pr->checks, err)) == VT_OK && R * P > 1) {
        pr->status = run_grid(e, m, f, args, nargs, cfg, R, P, pr);
        if (pr->status == VT_OK && !cfg->keep_results) {
            vt_rvalues_release(pr->results, pr->nresults);
            pr->results = NULL;
        }
    } else if (pr->status == VT_OK) {
        pr->status = vt_execute(e, m, f->name, args, nargs, cfg->limits, &pr->results, &pr->nresults, &pr->stats, err);
        if (pr->status == VT_OK && !cfg->keep_results) {
            vt_rvalues_release(pr->results, pr->nresults);
            pr->results = NULL;
        }
    }
    vt_engine_destroy(e);
    vt_rvalues_release(args, nargs);
    vt_module_free(m);
}

vt_status vt_run_file(const char *path, const vt_run_config *cfg, vt_part_result **parts, size_t *nparts, vt_error *err) {
    *parts = NULL;
    *nparts = 0;
    char *text;
    size_t len;
    vt_status s = vt_read_file(path, cfg->max_input_bytes ? cfg->max_input_bytes : ((size_t)1 << 30), &text, &len, err);
    if (s) return s;
    vt_text_part *tp;
    size_t n;
    s = vt_split_parts(text, len, &tp, &n, err);
    if (s) {
        free(text);
        return s;
    }
    vt_part_result *pr = calloc(n ? n : 1, sizeof *pr);
    if (!pr) {
        free(tp);
        free(text);
        return vt_error_set(err, VT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) run_part(path, &tp[i], cfg, &pr[i]);
    free(tp);
    free(text);
    *parts = pr;
    *nparts = n;
    return VT_OK;
}
