/* AR -> TF: vt_xf_ar_to_tf on the medium decode graph vs parsing its text (CPU time, goal <= 2x:
 * the machine's cores are shared), and the small decode (P=8, N=120) replayed by the transformed
 * graph vs the decode loop itself. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

/* CPU time of the calling thread: parse and transform both run on it, and idle pool threads
 * elsewhere in the process do not count. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#ifndef REPS
#define REPS 15
#endif

static vt_status run(vt_engine *e, const vt_module *m, vt_rvalue *args, size_t n, vt_run_stats *st, vt_error *err) {
    vt_limits lim;
    vt_limits_default(&lim);
    vt_rvalue *r = NULL;
    size_t nr = 0;
    vt_status s = vt_execute(e, m, NULL, args, n, &lim, &r, &nr, st, err);
    vt_rvalues_release(r, nr);
    return s;
}

/* decode vs its ar-to-tf replay on small: wall time of one run each (same engine, same run) */
static int replay_small(void) {
    const char *name = "ar_to_tf_replay_small";
    if (!vt_bench_selected(name)) return 0;
    vt_error err;
    vt_model_config c;
    vt_module *dec = NULL, *tf = NULL;
    vt_tensor_set *w = NULL;
    int64_t P = 8, N = 120, T = P + N;
    vt_ar_to_tf_info *info = malloc(sizeof *info);
    if (vt_model_preset("small", &c, &err) || vt_model_emit_decode(&c, P, N, &dec, &err) ||
        vt_xf_ar_to_tf(dec, NULL, &tf, info, &err) || vt_model_init_weights(&c, 0, &w, &err)) {
        fprintf(stderr, "bench_transform_artf: %s\n", err.msg);
        return 1;
    }
    size_t np = vt_model_num_params(&c);
    vt_rvalue *args = calloc(np + 2, sizeof *args), *targs = calloc(info->nargs + 1, sizeof *targs);
    vt_model_param_args(&c, w, args, &err);
    vt_tensor *prompt = vt_tensor_create(VT_I32, 1, &P, 0, &err);
    for (int64_t i = 0; i < P; i++) ((int32_t *)prompt->data)[i] = (int32_t)(i * 7 + 1);
    int64_t two = 2;
    vt_tensor *key = vt_tensor_create(VT_U32, 1, &two, 0, &err);
    args[np] = vt_rvalue_tensor(prompt);
    args[np + 1] = vt_rvalue_tensor(key);
    vt_engine *e = vt_engine_create(NULL, &err);
    vt_limits lim;
    vt_limits_default(&lim);
    vt_rvalue *r = NULL;
    size_t nr = 0;
    double t0 = vt_bench_now();
    vt_status s = vt_execute(e, dec, NULL, args, np + 2, &lim, &r, &nr, NULL, &err);
    double td = vt_bench_now() - t0;
    if (s) {
        fprintf(stderr, "bench_transform_artf: decode: %s\n", err.msg);
        return 1;
    }
    vt_tensor *toks = vt_tensor_create(VT_I32, 1, &T, 0, &err);
    for (int64_t i = 0; i < T; i++)
        ((int32_t *)toks->data)[i] = i < P ? ((int32_t *)prompt->data)[i] : ((int32_t *)r[0].tensor->data)[i - P];
    for (size_t i = 0; i < info->nargs; i++)
        targs[i] = vt_rvalue_tensor(vt_tensor_retain(info->arg_src[i] >= 0 ? args[info->arg_src[i]].tensor : toks));
    vt_run_stats st;
    t0 = vt_bench_now();
    s = run(e, tf, targs, info->nargs, &st, &err);
    double tt = vt_bench_now() - t0;
    if (s) {
        fprintf(stderr, "bench_transform_artf: replay: %s\n", err.msg);
        return 1;
    }
    char unit[160];
    snprintf(unit, sizeof unit, "x faster (replay %.3f s, peak %.1f MiB; decode %.3f s; S=%lld)", tt,
             (double)st.peak_live_bytes / (1 << 20), td, (long long)info->steps);
    vt_bench_print(name, td / tt, unit);
    vt_rvalues_release(r, nr);
    vt_rvalues_release(args, np + 2);
    vt_rvalues_release(targs, info->nargs);
    vt_tensor_release(toks);
    vt_engine_destroy(e);
    vt_tensor_set_free(w);
    vt_module_free(dec);
    vt_module_free(tf);
    free(info);
    return 0;
}

/* Size of the transform's result: every op, regions included, and the constants among them. */
typedef struct op_count {
    size_t ops, constants;
} op_count;

static vt_status count_op(vt_op *op, void *user, vt_error *err) {
    (void)err;
    op_count *c = user;
    c->ops++;
    c->constants += op->code == VT_OP_CONSTANT;
    return VT_OK;
}

int main(void) {
    const char *name = "transform_medium_ar_to_tf";
    if (!vt_bench_selected(name)) return replay_small();
    vt_error err;
    vt_model_config c;
    vt_module *dec = NULL;
    if (vt_model_preset("medium", &c, &err) || vt_model_emit_decode(&c, 8, 24, &dec, &err)) {
        fprintf(stderr, "bench_transform_artf: %s\n", err.msg);
        return 1;
    }
    vt_buf txt;
    vt_buf_init(&txt);
    if (vt_module_print(dec, NULL, &txt, &err)) {
        fprintf(stderr, "bench_transform_artf: %s\n", err.msg);
        return 1;
    }
    vt_module_free(dec);
    double tp[REPS], tx[REPS];
    vt_module *src = NULL;
    for (int r = 0; r < REPS; r++) {
        vt_module *m = NULL;
        double t0 = cpu_now();
        vt_status s = vt_parse_module(txt.data, txt.len, NULL, &m, &err);
        tp[r] = cpu_now() - t0;
        if (s) {
            fprintf(stderr, "bench_transform_artf: parse: %s\n", err.msg);
            return 1;
        }
        if (src) vt_module_free(m);
        else src = m;
    }
    if (vt_module_verify(src, &err)) {
        fprintf(stderr, "bench_transform_artf: verify: %s\n", err.msg);
        return 1;
    }
    vt_ar_to_tf_info *info = malloc(sizeof *info);
    op_count cnt = {0, 0};
    for (int r = 0; r < REPS; r++) {
        vt_module *out = NULL;
        double t0 = cpu_now();
        vt_status s = vt_xf_ar_to_tf(src, NULL, &out, info, &err);
        tx[r] = cpu_now() - t0;
        if (s) {
            fprintf(stderr, "bench_transform_artf: %s\n", err.msg);
            return 1;
        }
        if (r == 0) vt_module_walk(out, count_op, &cnt, &err);
        vt_module_free(out);
    }
    double p = vt_bench_median(tp, REPS), x = vt_bench_median(tx, REPS);
    char unit[192];
    snprintf(unit, sizeof unit, "s (decode P=8 N=24, %zu bytes of text, %lld steps; result %zu ops, %zu constants; parse %.4f s)",
             txt.len, (long long)info->steps, cnt.ops, cnt.constants, p);
    vt_bench_print_ratio(name, x, unit, x / p, "parse_medium_decode");
    free(info);
    vt_module_free(src);
    vt_buf_free(&txt);
    return replay_small();
}
