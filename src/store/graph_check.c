/* Graph validation for the store: parse + verify through the hlo layer and list every function
 * with its visibility and signature, so that claims can be checked against their entry point. */
#include "store/store_internal.h"
#include "veritor/hlo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void type_of(const vt_type *t, vt_store_type *out) {
    memset(out, 0, sizeof *out);
    out->dtype = VT_DTYPE_INVALID;
    if (!t) return;
    if (t->kind == VT_TYPE_TENSOR && t->rank >= 0 && t->rank <= VT_MAX_RANK) {
        out->dtype = t->dtype;
        out->rank = t->rank;
        for (int i = 0; i < t->rank; i++) out->dims[i] = t->dims[i] == VT_DYN ? -1 : t->dims[i];
    }
}

void vt_store_entries_free(vt_store_entries *e) {
    if (!e) return;
    for (size_t i = 0; i < e->count; i++) {
        free(e->items[i].inputs);
        free(e->items[i].outputs);
    }
    free(e->items);
    e->items = NULL;
    e->count = 0;
}

const vt_store_entry *vt_store_entries_find(const vt_store_entries *e, const char *name) {
    for (size_t i = 0; e && i < e->count; i++)
        if (strcmp(e->items[i].name, name) == 0) return &e->items[i];
    return NULL;
}

vt_status vt_store_graph_check(const char *text, size_t len, const char *what, vt_store_entries *out, vt_error *err) {
    memset(out, 0, sizeof *out);
    vt_parse_options po = {what ? what : "graph", 1, NULL};
    vt_module *m = NULL;
    vt_status st = vt_parse_module(text, len, &po, &m, err);
    if (st) return st;
    st = vt_module_verify(m, err);
    if (st) {
        vt_module_free(m);
        return st;
    }
    if (m->nfuncs == 0) {
        vt_module_free(m);
        return vt_error_set(err, VT_EINPUT, "%s: the module has no functions", what ? what : "graph");
    }
    out->items = calloc(m->nfuncs, sizeof *out->items);
    if (!out->items) {
        vt_module_free(m);
        return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what ? what : "graph");
    }
    for (size_t i = 0; i < m->nfuncs && !st; i++) {
        const vt_func *f = m->funcs[i];
        vt_store_entry *e = &out->items[out->count++];
        if (strlen(f->name) >= sizeof e->name) {
            st = vt_error_set(err, VT_ELIMIT, "%s: function name of %zu bytes is too long", what ? what : "graph",
                              strlen(f->name));
            break;
        }
        strcpy(e->name, f->name);
        /* MLIR's default visibility is public. */
        e->is_public = !f->visibility || strcmp(f->visibility, "public") == 0;
        e->n_inputs = (int)f->nargs;
        e->n_outputs = (int)f->nresults;
        e->inputs = calloc(f->nargs ? f->nargs : 1, sizeof *e->inputs);
        e->outputs = calloc(f->nresults ? f->nresults : 1, sizeof *e->outputs);
        if (!e->inputs || !e->outputs) {
            st = vt_error_set(err, VT_ENOMEM, "%s: out of memory", what ? what : "graph");
            break;
        }
        for (size_t k = 0; k < f->nargs; k++) type_of(f->arg_types[k], &e->inputs[k]);
        for (size_t k = 0; k < f->nresults; k++) type_of(f->result_types[k], &e->outputs[k]);
    }
    vt_module_free(m);
    if (st) vt_store_entries_free(out);
    return st;
}
