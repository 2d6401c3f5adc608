/* Slice and split-batch benchmarks on the medium preset's prefill graph (emitted in memory,
 * printed, parsed), as emitted (layers outlined into @block) and inlined (one flat @main):
 * transform_medium_slice (from a middle value to the logits), _slice_full_cone (the logits from
 * the arguments) and transform_medium_split_batch (B = 4 -> 1), each against parsing the same
 * text in the same run (baseline parse_medium_prefill[_inlined]; goal: ratio <= 2). */
#include "bench_harness.h"

#include "veritor/transform.h"
#include "veritor/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 9

typedef enum which { W_PARSE, W_SLICE, W_SLICE_ALL, W_SPLIT } which;

typedef struct ctx {
    char *text;
    size_t len;
    vt_module *m;
    char mid[32], last[32]; /* layer 5's call, the logits */
    int *abd;
    size_t nargs;
} ctx;

static double run_once(ctx *c, which w) {
    vt_error e;
    vt_module *out = NULL;
    vt_status s = VT_OK;
    double t0 = vt_bench_now();
    if (w == W_PARSE) {
        s = vt_parse_module(c->text, c->len, NULL, &out, &e);
    } else if (w == W_SLICE || w == W_SLICE_ALL) {
        const char *t[1] = {c->last}, *cut[1] = {c->mid};
        vt_xf_slice_spec sp = {.targets = t, .ntargets = 1, .cuts = cut, .ncuts = w == W_SLICE ? 1 : 0};
        s = vt_xf_slice(c->m, &sp, &out, &e);
    } else {
        int rbd[1] = {0};
        s = vt_xf_split_batch(c->m, NULL, c->abd, c->nargs, rbd, 1, 1, &out, &e);
    }
    double t = vt_bench_now() - t0;
    vt_module_free(out);
    if (s != VT_OK) {
        fprintf(stderr, "bench_transform_slice: %s\n", e.msg);
        return -1;
    }
    return t;
}

static double median_of(ctx *c, which w) {
    double t[REPS];
    for (int r = 0; r < REPS; r++)
        if ((t[r] = run_once(c, w)) < 0) return -1;
    return vt_bench_median(t, REPS);
}

/* Prepares c from module m (taken over): its text, a parsed copy, the slice ids. */
static int setup(ctx *c, vt_module *m) {
    vt_error e;
    memset(c, 0, sizeof *c);
    vt_buf b;
    vt_buf_init(&b);
    if (vt_module_print(m, NULL, &b, &e) != VT_OK || vt_parse_module(b.data, b.len, NULL, &c->m, &e) != VT_OK) {
        fprintf(stderr, "bench_transform_slice: %s\n", e.msg);
        return 1;
    }
    vt_module_free(m);
    c->text = b.data;
    c->len = b.len;
    const vt_func *f = vt_module_find_func(c->m, "main");
    const vt_block *mb = f->body->blocks[0];
    int ncall = 0;
    size_t nop = 0;
    for (size_t i = 0; i < mb->nops; i++) {
        const vt_op *op = mb->ops[i];
        if (op->code == VT_OP_FUNC_CALL && ncall++ == 5)
            snprintf(c->mid, sizeof c->mid, "@main/%zu%s", i, op->nresults > 1 ? ":0" : "");
        if (op->code == VT_OP_DOT_GENERAL) snprintf(c->last, sizeof c->last, "@main/%zu", i);
        /* inlined: the middle op with one result stands for "layer 6's input" */
        if (ncall == 0 && i >= mb->nops / 2 && !nop && op->nresults == 1) nop = i;
    }
    if (!c->mid[0]) snprintf(c->mid, sizeof c->mid, "@main/%zu", nop);
    c->nargs = f->nargs;
    c->abd = malloc(c->nargs * sizeof *c->abd);
    for (size_t i = 0; i < c->nargs; i++) c->abd[i] = i + 1 == c->nargs ? 0 : -1;
    return 0;
}

static int bench(ctx *c, const char *suffix) {
    char name[128], base[128];
    fprintf(stderr, "transform_medium prefill%s: %zu bytes of text, %zu ops; slice %s -> %s\n", suffix, c->len,
            c->m->num_ops, c->mid, c->last);
    double parse = median_of(c, W_PARSE);
    if (parse <= 0) return 1;
    snprintf(name, sizeof name, "transform_medium_prefill%s_parse", suffix);
    snprintf(base, sizeof base, "parse_medium_prefill%s", suffix);
    vt_bench_print(name, parse, "s");
    static const struct {
        const char *name;
        which w;
    } rows[] = {{"transform_medium_slice", W_SLICE},
                {"transform_medium_slice_full_cone", W_SLICE_ALL},
                {"transform_medium_split_batch", W_SPLIT}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        snprintf(name, sizeof name, "%s%s", rows[k].name, suffix);
        if (!vt_bench_selected(name)) continue;
        double t = median_of(c, rows[k].w);
        if (t < 0) return 1;
        vt_bench_print_ratio(name, t, "s", t / parse, base);
    }
    free(c->abd);
    free(c->text);
    vt_module_free(c->m);
    return 0;
}

int main(void) {
    vt_model_config cfg;
    vt_error e;
    vt_module *em = NULL, *inl = NULL;
    if (vt_model_preset("medium", &cfg, &e) != VT_OK || vt_model_emit_prefill(&cfg, 4, 32, &em, &e) != VT_OK ||
        vt_xf_inline(em, NULL, &inl, &e) != VT_OK) {
        fprintf(stderr, "bench_transform_slice: %s\n", e.msg);
        return 1;
    }
    ctx c;
    if (setup(&c, em) || bench(&c, "")) return 1;
    if (setup(&c, inl) || bench(&c, "_inlined")) return 1;
    return 0;
}
