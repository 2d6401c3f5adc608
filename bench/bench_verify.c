/* verify_small_claims: 10,000 claims of a 64x64 MLP verified end to end (claim load, graph
 * parse, tensor re-hash, execution, bit_exact) on 2 workers, against the bare execution of the
 * same graphs in the same run; the difference per claim is verify's overhead. */
#include "bench_harness.h"
#include "interp/blas.h"
#include "veritor/verify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NCLAIMS
#define NCLAIMS 10000
#endif
#define BATCH 8
#define WIDTH 64

static const char graph[] =
    "func.func public @main(%x: tensor<8x64xf32>, %w1: tensor<64x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x64xf32>,"
    " %b2: tensor<64xf32>) -> tensor<8x64xf32> {\n"
    "  %0 = stablehlo.dot_general %x, %w1, contracting_dims = [1] x [0] : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>\n"
    "  %1 = stablehlo.broadcast_in_dim %b1, dims = [1] : (tensor<64xf32>) -> tensor<8x64xf32>\n"
    "  %2 = stablehlo.add %0, %1 : tensor<8x64xf32>\n"
    "  %z = stablehlo.constant dense<0.0> : tensor<8x64xf32>\n"
    "  %3 = stablehlo.maximum %2, %z : tensor<8x64xf32>\n"
    "  %4 = stablehlo.dot_general %3, %w2, contracting_dims = [1] x [0] : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>\n"
    "  %5 = stablehlo.broadcast_in_dim %b2, dims = [1] : (tensor<64xf32>) -> tensor<8x64xf32>\n"
    "  %6 = stablehlo.add %4, %5 : tensor<8x64xf32>\n"
    "  return %6 : tensor<8x64xf32>\n"
    "}\n";

static void die(const char *what, const vt_error *e) {
    fprintf(stderr, "bench_verify: %s: %s\n", what, e->msg);
    exit(2);
}

static vt_tensor *rand_t(int rank, const int64_t *dims, uint32_t *seed) {
    vt_error e;
    vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, 0, &e);
    float *p = t->data;
    for (size_t i = 0; i < t->nelem; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = (float)((int)(*seed >> 9) % 2001 - 1000) / 4000.0f;
    }
    return t;
}

typedef struct job {
    const char *path;
    vt_hash256 *ids;
    size_t begin, end, passed;
    vt_verify_timings sum; /* per phase, over the job's claims */
} job;

static void *verify_range(void *arg) {
    job *j = arg;
    vt_error e;
    vt_store_options so = {VT_STORE_VERIFY, false, 1, true};
    vt_store *s;
    if (vt_store_open(j->path, &so, &s, &e)) die("open", &e);
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    vt_engine *eng = vt_engine_create(&eo, &e);
    vt_verify_options vo;
    memset(&vo, 0, sizeof vo);
    vo.engine = eng;
    vo.cache = vt_verify_cache_create(0);
    for (size_t i = j->begin; i < j->end; i++) {
        vt_verify_result r;
        if (vt_verify(s, &j->ids[i], &vo, &r, &e)) die("verify", &e);
        j->passed += r.verdict == VT_VERDICT_PASSED;
        j->sum.load += r.timings.load;
        j->sum.parse += r.timings.parse;
        j->sum.execute += r.timings.execute;
        j->sum.check += r.timings.check;
        j->sum.total += r.timings.total;
        vt_verify_result_free(&r);
    }
    vt_verify_cache_destroy(vo.cache);
    vt_engine_destroy(eng);
    vt_store_close(s, NULL);
    return NULL;
}

int main(int argc, char **argv) {
    vt_blas_setup(argc, argv);
    if (!vt_bench_selected("verify_small_claims")) return 0;
    vt_error e;
    char path[256];
    snprintf(path, sizeof path, "%s/vt-bench-verify-%d.vdb", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    remove(path);
    vt_store_options co = {VT_STORE_CREATE, false, 1, false};
    vt_store *s;
    if (vt_store_open(path, &co, &s, &e)) die("create", &e);
    vt_module *m;
    if (vt_parse_module(graph, strlen(graph), NULL, &m, &e) || vt_module_verify(m, &e)) die("parse", &e);
    vt_engine_options eo;
    memset(&eo, 0, sizeof eo);
    eo.threads = 1;
    vt_engine *eng = vt_engine_create(&eo, &e);
    uint32_t seed = 1;
    int64_t dx[2] = {BATCH, WIDTH}, dw[2] = {WIDTH, WIDTH}, db[1] = {WIDTH};
    vt_tensor *w1 = rand_t(2, dw, &seed), *b1 = rand_t(1, db, &seed), *w2 = rand_t(2, dw, &seed), *b2 = rand_t(1, db, &seed);
    vt_hash256 gid, wid[4], *ids = calloc(NCLAIMS, sizeof *ids);
    vt_tensor **xs = calloc(NCLAIMS, sizeof *xs);
    if (vt_store_begin(s, &e) || vt_store_put_graph(s, graph, strlen(graph), NULL, &gid, &e)) die("graph", &e);
    vt_tensor *ws[4] = {w1, b1, w2, b2};
    for (int i = 0; i < 4; i++)
        if (vt_store_put_tensor(s, ws[i], &wid[i], &e)) die("weights", &e);
    for (size_t c = 0; c < NCLAIMS; c++) {
        xs[c] = rand_t(2, dx, &seed);
        vt_rvalue args[5] = {vt_rvalue_tensor(vt_tensor_retain(xs[c])), vt_rvalue_tensor(vt_tensor_retain(w1)),
                             vt_rvalue_tensor(vt_tensor_retain(b1)), vt_rvalue_tensor(vt_tensor_retain(w2)),
                             vt_rvalue_tensor(vt_tensor_retain(b2))};
        vt_rvalue *res;
        size_t nres;
        if (vt_execute(eng, m, NULL, args, 5, NULL, &res, &nres, NULL, &e)) die("execute", &e);
        vt_hash256 in[5], out[1];
        if (vt_store_put_tensor(s, xs[c], &in[0], &e) || vt_store_put_tensor(s, res[0].tensor, &out[0], &e)) die("put", &e);
        memcpy(&in[1], wid, sizeof wid);
        vt_store_claim cl;
        memset(&cl, 0, sizeof cl);
        cl.graph = gid;
        snprintf(cl.entry, sizeof cl.entry, "main");
        snprintf(cl.strategy, sizeof cl.strategy, "bit_exact");
        snprintf(cl.created_at, sizeof cl.created_at, "2026-11-27T12:%02d:%02d.%03dZ", (int)(c / 60000 % 60),
                 (int)(c / 1000 % 60), (int)(c % 1000));
        cl.inputs = in;
        cl.n_inputs = 5;
        cl.outputs = out;
        cl.n_outputs = 1;
        if (vt_store_put_claim(s, &cl, &ids[c], &e)) die("claim", &e);
        for (int i = 0; i < 5; i++) vt_rvalue_release(&args[i]);
        vt_rvalues_release(res, nres);
    }
    if (vt_store_commit(s, &e) || vt_store_close(s, &e)) die("commit", &e);

    /* Baseline: the same executions alone, inputs already in memory, one thread. */
    double t0 = vt_bench_now();
    for (size_t c = 0; c < NCLAIMS; c++) {
        vt_rvalue args[5] = {vt_rvalue_tensor(vt_tensor_retain(xs[c])), vt_rvalue_tensor(vt_tensor_retain(w1)),
                             vt_rvalue_tensor(vt_tensor_retain(b1)), vt_rvalue_tensor(vt_tensor_retain(w2)),
                             vt_rvalue_tensor(vt_tensor_retain(b2))};
        vt_rvalue *res;
        size_t nres;
        if (vt_execute(eng, m, NULL, args, 5, NULL, &res, &nres, NULL, &e)) die("execute", &e);
        for (int i = 0; i < 5; i++) vt_rvalue_release(&args[i]);
        vt_rvalues_release(res, nres);
    }
    double exec_s = vt_bench_now() - t0;

    /* verify on 1 worker, then on 2 */
    job one = {path, ids, 0, NCLAIMS, 0, {0, 0, 0, 0, 0}};
    t0 = vt_bench_now();
    verify_range(&one);
    double v1_s = vt_bench_now() - t0;
    job two[2] = {{path, ids, 0, NCLAIMS / 2, 0, {0, 0, 0, 0, 0}}, {path, ids, NCLAIMS / 2, NCLAIMS, 0, {0, 0, 0, 0, 0}}};
    pthread_t th[2];
    t0 = vt_bench_now();
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, verify_range, &two[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    double v2_s = vt_bench_now() - t0;
    if (one.passed != NCLAIMS || two[0].passed + two[1].passed != NCLAIMS) {
        fprintf(stderr, "bench_verify: not every claim passed (%zu, %zu)\n", one.passed, two[0].passed + two[1].passed);
        return 1;
    }
    double exec_rate = NCLAIMS / exec_s;
    vt_bench_print("verify_small_claims_execute_only", exec_rate, "claims/s");
    vt_bench_print_ratio("verify_small_claims_1worker", NCLAIMS / v1_s, "claims/s", exec_s / v1_s,
                         "verify_small_claims_execute_only");
    vt_bench_print_ratio("verify_small_claims", NCLAIMS / v2_s, "claims/s", exec_s / v2_s,
                         "verify_small_claims_execute_only");
    vt_bench_print("verify_small_claims_overhead", (v1_s - exec_s) / NCLAIMS * 1e6, "us/claim");
    /* where a claim's time goes (1 worker): reading and re-hashing, parsing, executing, checking */
    vt_bench_print("verify_small_claims_phase_load", one.sum.load / NCLAIMS * 1e6, "us/claim");
    vt_bench_print("verify_small_claims_phase_parse", one.sum.parse / NCLAIMS * 1e6, "us/claim");
    vt_bench_print("verify_small_claims_phase_execute", one.sum.execute / NCLAIMS * 1e6, "us/claim");
    vt_bench_print("verify_small_claims_phase_check", one.sum.check / NCLAIMS * 1e6, "us/claim");
    for (size_t c = 0; c < NCLAIMS; c++) vt_tensor_release(xs[c]);
    for (int i = 0; i < 4; i++) vt_tensor_release(ws[i]);
    free(xs);
    free(ids);
    vt_engine_destroy(eng);
    vt_module_free(m);
    remove(path);
    return 0;
}
