/* Transform benchmarks, transform_medium: inline, dce, id map and a plain clone on the medium
 * preset's graphs (decode, prefill, teacher forcing, AdamW train step, emitted in memory and
 * printed), each against parsing the same text (baseline parse_medium; goal: ratio <= 2). */
#include "bench_harness.h"

#include "veritor/transform.h"
#include "veritor/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 7
#define NGRAPHS 4

typedef struct graph {
    const char *name;
    char *text;
    size_t len;
    vt_module *m; /* parsed from text */
} graph;

static int die(const char *what, const vt_error *e) {
    fprintf(stderr, "bench_transform: %s: %s\n", what, e->msg);
    return 1;
}

typedef enum which { W_PARSE, W_CLONE, W_INLINE, W_DCE, W_IDMAP } which;

/* One run of `w` over every graph; returns seconds, or -1 on error. */
static double run_once(graph *g, which w) {
    vt_error e;
    double t0 = vt_bench_now();
    for (int i = 0; i < NGRAPHS; i++) {
        vt_module *out = NULL;
        vt_status s = VT_OK;
        if (w == W_PARSE) {
            s = vt_parse_module(g[i].text, g[i].len, NULL, &out, &e);
        } else if (w == W_CLONE) {
            vt_builder *b = vt_builder_new(g[i].m->name, &e);
            vt_xf_map *map = vt_xf_map_new(g[i].m, &e);
            s = b && map ? vt_xf_clone_module(b, g[i].m, map, &e) : VT_ENOMEM;
            /* finish verifies, as every transform's result is verified */
            if (s == VT_OK) s = vt_builder_finish(b, &out, &e);
            vt_xf_map_free(map);
            vt_builder_free(b);
        } else if (w == W_INLINE) {
            s = vt_xf_inline(g[i].m, NULL, &out, &e);
        } else if (w == W_DCE) {
            s = vt_xf_dce(g[i].m, NULL, &out, &e);
        } else {
            vt_buf b;
            vt_buf_init(&b);
            s = vt_xf_id_map(g[i].m, &b, &e);
            vt_buf_free(&b);
        }
        vt_module_free(out);
        if (s != VT_OK) {
            fprintf(stderr, "bench_transform: %s: %s\n", g[i].name, e.msg);
            return -1;
        }
    }
    return vt_bench_now() - t0;
}

static double median_of(graph *g, which w) {
    double t[REPS];
    for (int r = 0; r < REPS; r++)
        if ((t[r] = run_once(g, w)) < 0) return -1;
    return vt_bench_median(t, REPS);
}

int main(void) {
    vt_model_config c;
    vt_error e;
    if (vt_model_preset("medium", &c, &e) != VT_OK) return die("preset", &e);
    graph g[NGRAPHS] = {{"decode", NULL, 0, NULL}, {"prefill", NULL, 0, NULL}, {"teacher_forcing", NULL, 0, NULL},
                        {"train_step_adamw", NULL, 0, NULL}};
    vt_module *em[NGRAPHS] = {NULL};
    if (vt_model_emit_decode(&c, 8, 24, &em[0], &e) != VT_OK) return die("decode", &e);
    if (vt_model_emit_prefill(&c, 1, 32, &em[1], &e) != VT_OK) return die("prefill", &e);
    if (vt_model_emit_teacher_forcing(&c, 1, 32, &em[2], &e) != VT_OK) return die("teacher_forcing", &e);
    if (vt_model_emit_train_step(&c, 1, 32, VT_OPT_ADAMW, &em[3], &e) != VT_OK) return die("train_step", &e);
    size_t total_bytes = 0, total_ops = 0;
    for (int i = 0; i < NGRAPHS; i++) {
        vt_buf b;
        vt_buf_init(&b);
        if (vt_module_print(em[i], NULL, &b, &e) != VT_OK) return die("print", &e);
        g[i].text = b.data;
        g[i].len = b.len;
        vt_module_free(em[i]);
        if (vt_parse_module(g[i].text, g[i].len, NULL, &g[i].m, &e) != VT_OK) return die(g[i].name, &e);
        total_bytes += g[i].len;
        total_ops += g[i].m->num_ops;
    }
    fprintf(stderr, "transform_medium: %d graphs, %zu bytes of text, %zu ops\n", NGRAPHS, total_bytes, total_ops);
    double parse = median_of(g, W_PARSE);
    if (parse <= 0) return 1;
    vt_bench_print("transform_medium_parse", parse, "s");
    static const struct {
        const char *name;
        which w;
    } rows[] = {{"transform_medium_clone", W_CLONE},
                {"transform_medium_inline", W_INLINE},
                {"transform_medium_dce", W_DCE},
                {"transform_medium_id_map", W_IDMAP}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        if (!vt_bench_selected(rows[k].name)) continue;
        double t = median_of(g, rows[k].w);
        if (t < 0) return 1;
        vt_bench_print_ratio(rows[k].name, t, "s", t / parse, "parse_medium");
    }
    for (int i = 0; i < NGRAPHS; i++) {
        free(g[i].text);
        vt_module_free(g[i].m);
    }
    return 0;
}
