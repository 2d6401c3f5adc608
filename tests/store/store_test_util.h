/* Helpers shared by the store tests (header-only: every tests/<layer>/test_*.c is its own
 * program): a fresh database path, a small valid graph, tensors with chosen contents, file
 * hashing to prove a reader never modified a file. */
#ifndef VT_STORE_TEST_UTIL_H
#define VT_STORE_TEST_UTIL_H

#include "harness.h"
#include "veritor/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char vt_test_graph[] =
    "module @m {\n"
    "  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
    "    %0 = stablehlo.add %arg0, %arg1 : tensor<2x3xf32>\n"
    "    return %0 : tensor<2x3xf32>\n"
    "  }\n"
    "  func.func private @helper(%arg0: tensor<f32>) -> tensor<f32> {\n"
    "    return %arg0 : tensor<f32>\n"
    "  }\n"
    "}\n";

static inline const char *db_path(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", vt_test_tmpdir(), name);
    remove(p);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", p);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", p);
    remove(side);
    return p;
}

static inline vt_store *open_store(const char *path, vt_store_mode mode) {
    vt_store_options o = {mode, false, 2, false};
    vt_store *s = NULL;
    vt_error e;
    vt_error_clear(&e);
    vt_status st = vt_store_open(path, &o, &s, &e);
    CHECK_MSG(st == VT_OK, "open %s: %s", path, e.msg);
    return s;
}

/* f32 tensor of the given shape filled with base + i * step. */
static inline vt_tensor *make_f32(int rank, const int64_t *dims, float base, float step) {
    vt_error e;
    vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, 0, &e);
    if (!t) return NULL;
    float *p = t->data;
    for (size_t i = 0; i < t->nelem; i++) p[i] = base + (float)i * step;
    return t;
}

static inline bool file_hash(const char *path, uint8_t out[32]) {
    char *d;
    size_t n;
    vt_error e;
    if (vt_read_file(path, 0, &d, &n, &e) != VT_OK) return false;
    vt_sha256(d, n, out);
    free(d);
    return true;
}

/* Stores the test graph, two 2x3 inputs and their sum as output, and a claim on them. */
static inline vt_status put_sample_claim(vt_store *s, float base, const char *strategy, const char *meta,
                                         vt_hash256 *claim_id, vt_error *err) {
    int64_t dims[2] = {2, 3};
    vt_tensor *a = make_f32(2, dims, base, 1), *b = make_f32(2, dims, 10 * base, 0.5f), *c = make_f32(2, dims, 0, 0);
    float *pa = a->data, *pb = b->data, *pc = c->data;
    for (int i = 0; i < 6; i++) pc[i] = pa[i] + pb[i];
    vt_store_claim cl;
    memset(&cl, 0, sizeof cl);
    vt_hash256 ins[2], outs[1];
    vt_status st = vt_store_begin(s, err);
    if (!st) st = vt_store_put_graph(s, vt_test_graph, strlen(vt_test_graph), NULL, &cl.graph, err);
    if (!st) st = vt_store_put_tensor(s, a, &ins[0], err);
    if (!st) st = vt_store_put_tensor(s, b, &ins[1], err);
    if (!st) st = vt_store_put_tensor(s, c, &outs[0], err);
    vt_tensor_release(a);
    vt_tensor_release(b);
    vt_tensor_release(c);
    if (!st) {
        strcpy(cl.entry, "main");
        snprintf(cl.strategy, sizeof cl.strategy, "%s", strategy);
        cl.inputs = ins;
        cl.n_inputs = 2;
        cl.outputs = outs;
        cl.n_outputs = 1;
        cl.metadata = (char *)meta;
        st = vt_store_put_claim(s, &cl, claim_id, err);
    }
    if (st) {
        vt_store_rollback(s);
        return st;
    }
    return vt_store_commit(s, err);
}

#endif
