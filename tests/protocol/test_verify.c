/* vt_verify end to end on a small database: the honest/dishonest matrix, every binding failure,
 * pins and policies, strategy config validation, bit_exact's float rules and scores, reports,
 * the results database, and that verifying never changes the prover's file. */
#include "harness.h"
#include "veritor/verify.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char g_add[] =
    "module @m {\n"
    "  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
    "    %0 = stablehlo.add %arg0, %arg1 : tensor<2x3xf32>\n"
    "    return %0 : tensor<2x3xf32>\n"
    "  }\n"
    "}\n";
static const char g_mul[] =
    "module @m {\n"
    "  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
    "    %0 = stablehlo.multiply %arg0, %arg1 : tensor<2x3xf32>\n"
    "    return %0 : tensor<2x3xf32>\n"
    "  }\n"
    "}\n";
static const char g_spin[] =
    "func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
    "  %c = stablehlo.constant dense<0> : tensor<i64>\n"
    "  %n = stablehlo.constant dense<1000000000000> : tensor<i64>\n"
    "  %0:2 = stablehlo.while(%i = %c, %x = %arg0) : tensor<i64>, tensor<2x3xf32>\n"
    "   cond {\n"
    "    %1 = stablehlo.compare LT, %i, %n, SIGNED : (tensor<i64>, tensor<i64>) -> tensor<i1>\n"
    "    stablehlo.return %1 : tensor<i1>\n"
    "  } do {\n"
    "    %c1 = stablehlo.constant dense<1> : tensor<i64>\n"
    "    %2 = stablehlo.add %i, %c1 : tensor<i64>\n"
    "    %3 = stablehlo.add %x, %arg1 : tensor<2x3xf32>\n"
    "    stablehlo.return %2, %3 : tensor<i64>, tensor<2x3xf32>\n"
    "  }\n"
    "  return %0#1 : tensor<2x3xf32>\n"
    "}\n";

static const int64_t D23[2] = {2, 3};

static vt_tensor *f32(int rank, const int64_t *dims, float base, float step) {
    vt_error e;
    vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, 0, &e);
    float *p = t->data;
    for (size_t i = 0; i < t->nelem; i++) p[i] = base + (float)i * step;
    return t;
}

static vt_tensor *combine(const vt_tensor *a, const vt_tensor *b, bool mul) {
    vt_error e;
    vt_tensor *c = vt_tensor_clone(a, &e);
    float *pc = c->data;
    const float *pb = b->data;
    for (size_t i = 0; i < c->nelem; i++) pc[i] = mul ? pc[i] * pb[i] : pc[i] + pb[i];
    return c;
}

typedef struct db_ctx {
    char path[512];
    vt_store *s;
} db_ctx;

static vt_hash256 put_t(vt_store *s, vt_tensor *t) {
    vt_hash256 id;
    vt_error e;
    vt_status st = vt_store_put_tensor(s, t, &id, &e);
    CHECK_MSG(st == VT_OK, "put tensor: %s", e.msg);
    vt_tensor_release(t);
    return id;
}

/* Stores graph + tensors + claim (takes the tensors). raw: bypass put_claim's signature check
 * by writing the claim row directly, as a hostile prover's tool could. */
static vt_hash256 add_claim(db_ctx *d, const char *graph, vt_tensor **ins, size_t nin, vt_tensor **outs, size_t nout,
                            const char *strategy, const char *config, const char *meta, const char *when, bool raw) {
    vt_error e;
    vt_store_claim c;
    memset(&c, 0, sizeof c);
    vt_hash256 in_ids[4], out_ids[4], id;
    memset(&id, 0, sizeof id);
    CHECK(vt_store_put_graph(d->s, graph, strlen(graph), NULL, &c.graph, &e) == VT_OK);
    for (size_t i = 0; i < nin; i++) in_ids[i] = put_t(d->s, ins[i]);
    for (size_t i = 0; i < nout; i++) out_ids[i] = put_t(d->s, outs[i]);
    snprintf(c.entry, sizeof c.entry, "main");
    snprintf(c.strategy, sizeof c.strategy, "%s", strategy);
    c.inputs = in_ids;
    c.n_inputs = nin;
    c.outputs = out_ids;
    c.n_outputs = nout;
    c.config = (char *)config;
    c.metadata = (char *)meta;
    snprintf(c.created_at, sizeof c.created_at, "%s", when);
    if (!raw) {
        vt_status st = vt_store_put_claim(d->s, &c, &id, &e);
        CHECK_MSG(st == VT_OK, "put claim: %s", e.msg);
        return id;
    }
    vt_buf canon;
    vt_buf_init(&canon);
    CHECK(vt_store_claim_canonical(&c, &canon, &id, &e) == VT_OK);
    char hex[65], g[65];
    vt_hex_encode(id.b, 32, hex);
    vt_hex_encode(c.graph.b, 32, g);
    sqlite3 *db;
    CHECK(sqlite3_open(d->path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "INSERT INTO claims(id, canonical, graph_id, entry, strategy, trace_id, created_at) "
                                 "VALUES (?, ?, ?, 'main', ?, NULL, ?)", -1, &q, NULL) == SQLITE_OK);
    sqlite3_bind_text(q, 1, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, vt_buf_cstr(&canon), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, g, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, strategy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, when, -1, SQLITE_TRANSIENT);
    CHECK_EQ_INT(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(db);
    vt_buf_free(&canon);
    return id;
}

static void open_rw(db_ctx *d, const char *name) {
    snprintf(d->path, sizeof d->path, "%s/%s", vt_test_tmpdir(), name);
    remove(d->path);
    vt_store_options o = {VT_STORE_CREATE, false, 1, false};
    vt_error e;
    vt_status st = vt_store_open(d->path, &o, &d->s, &e);
    CHECK_MSG(st == VT_OK, "create: %s", e.msg);
}

static void close_db(db_ctx *d) {
    vt_error e;
    CHECK(vt_store_close(d->s, &e) == VT_OK);
    d->s = NULL;
}

static vt_store *open_verify(const char *path) {
    vt_store_options o = {VT_STORE_VERIFY, false, 1, false};
    vt_store *s = NULL;
    vt_error e;
    vt_status st = vt_store_open(path, &o, &s, &e);
    CHECK_MSG(st == VT_OK, "open verify: %s", e.msg);
    return s;
}

static bool hash_file(const char *path, uint8_t out[32]) {
    char *d;
    size_t n;
    vt_error e;
    if (vt_read_file(path, 0, &d, &n, &e) != VT_OK) return false;
    vt_sha256(d, n, out);
    free(d);
    return true;
}

static vt_verify_result verify1(vt_store *s, const vt_hash256 *id, const vt_verify_options *o) {
    vt_verify_result r;
    vt_error e;
    vt_error_clear(&e);
    vt_verify_options dflt;
    memset(&dflt, 0, sizeof dflt);
    dflt.threads = 1;
    /* Far below the default: the spinning graph stops fast even under sanitizers. */
    vt_limits lim;
    vt_limits_default(&lim);
    lim.max_iterations = 1000;
    dflt.limits = &lim;
    vt_status st = vt_verify(s, id, o ? o : &dflt, &r, &e);
    CHECK_MSG(st == VT_OK, "vt_verify: %s", e.msg);
    return r;
}

#define CHECK_VERDICT(r, v, cls, frag)                                                                    \
    do {                                                                                                  \
        CHECK_MSG((r).verdict == (v) && (r).exit_class == (cls) && strstr((r).reason, (frag)),            \
                  "verdict %s class %d reason '%s', expected %s class %d with '%s'", vt_verdict_name((r).verdict), \
                  (r).exit_class, (r).reason, vt_verdict_name(v), cls, frag);                            \
    } while (0)

/* Doubles equal as the JSON carries them (NaN equals NaN). */
static bool same_num(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* A result read back from its JSON equals the one written (seconds of the run stats aside, which
 * the JSON does not carry). */
static bool same_result(const vt_verify_result *a, const vt_verify_result *b) {
    if (strcmp(a->claim_id, b->claim_id) || strcmp(a->graph_id, b->graph_id) || strcmp(a->entry, b->entry) ||
        strcmp(a->strategy, b->strategy) || strcmp(a->created_at, b->created_at) || strcmp(a->rule, b->rule) ||
        strcmp(a->reason, b->reason) || strcmp(a->pin, b->pin) || a->verdict != b->verdict || a->status != b->status ||
        a->exit_class != b->exit_class || a->n_outputs != b->n_outputs)
        return false;
    for (size_t i = 0; i < a->n_outputs; i++) {
        const vt_output_score *x = &a->outputs[i], *y = &b->outputs[i];
        if (strcmp(x->type, y->type) || x->elements != y->elements || x->mismatches != y->mismatches ||
            !same_num(x->max_abs_diff, y->max_abs_diff) || !same_num(x->max_rel_diff, y->max_rel_diff) ||
            x->max_ulp != y->max_ulp || x->nonfinite_diff != y->nonfinite_diff || x->has_first != y->has_first ||
            x->passed != y->passed || memcmp(x->hist, y->hist, sizeof x->hist))
            return false;
        if (x->has_first && (x->first_flat != y->first_flat || x->first_rank != y->first_rank ||
                             memcmp(x->first_index, y->first_index, (size_t)x->first_rank * sizeof *x->first_index) ||
                             !same_num(x->first_claimed, y->first_claimed) || !same_num(x->first_computed, y->first_computed)))
            return false;
    }
    vt_run_stats sa = a->stats, sb = b->stats;
    sa.seconds = sb.seconds = 0;
    return !memcmp(&a->limits, &b->limits, sizeof a->limits) && !memcmp(&sa, &sb, sizeof sa) &&
           same_num(a->timings.total, b->timings.total) && same_num(a->timings.execute, b->timings.execute);
}

static vt_status round_trip(const vt_verify_result *r, vt_verify_result *back, vt_error *e) {
    json_t *j = vt_verify_result_json(r);
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    vt_status st = txt ? vt_verify_result_from_json(txt, strlen(txt), back, e) : VT_ENOMEM;
    free(txt);
    return st;
}

TEST(matrix_and_bindings) {
    db_ctx d;
    open_rw(&d, "matrix.vdb");
    vt_tensor *a = f32(2, D23, 1, 0.5f), *b = f32(2, D23, -2, 0.25f);
    /* honest */
    vt_tensor *ins0[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs0[1] = {combine(a, b, false)};
    vt_hash256 honest = add_claim(&d, g_add, ins0, 2, outs0, 1, "bit_exact", NULL, "{\"kind\":\"adder\"}",
                                  "2026-11-27T10:00:00Z", false);
    /* one output element changed */
    vt_tensor *o1 = combine(a, b, false);
    ((float *)o1->data)[5] += 0.5f;
    vt_tensor *ins1[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs1[1] = {o1};
    vt_hash256 bad_out = add_claim(&d, g_add, ins1, 2, outs1, 1, "bit_exact", NULL, NULL, "2026-11-27T10:00:01Z", false);
    /* one input changed, outputs of the original */
    vt_tensor *a2 = vt_tensor_clone(a, NULL);
    ((float *)a2->data)[0] = 7;
    vt_tensor *ins2[2] = {a2, vt_tensor_retain(b)}, *outs2[1] = {combine(a, b, false)};
    vt_hash256 bad_in = add_claim(&d, g_add, ins2, 2, outs2, 1, "bit_exact", NULL, NULL, "2026-11-27T10:00:02Z", false);
    /* graph swapped, outputs recomputed consistently */
    vt_tensor *ins3[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs3[1] = {combine(a, b, true)};
    vt_hash256 swapped = add_claim(&d, g_mul, ins3, 2, outs3, 1, "bit_exact", NULL, "{\"kind\":\"adder\"}",
                                   "2026-11-27T10:00:03Z", false);
    /* graph beyond the limits */
    vt_tensor *ins4[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs4[1] = {combine(a, b, false)};
    vt_hash256 spin = add_claim(&d, g_spin, ins4, 2, outs4, 1, "bit_exact", NULL, NULL, "2026-11-27T10:00:04Z", false);
    /* unknown strategy, bad configs */
    vt_tensor *ins5[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs5[1] = {combine(a, b, false)};
    vt_hash256 unk = add_claim(&d, g_add, ins5, 2, outs5, 1, "stamp_v9", NULL, NULL, "2026-11-27T10:00:05Z", false);
    vt_tensor *ins6[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs6[1] = {combine(a, b, false)};
    vt_hash256 badcfg = add_claim(&d, g_add, ins6, 2, outs6, 1, "bit_exact", "{\"tolerance\":1}", NULL,
                                  "2026-11-27T10:00:06Z", false);
    vt_tensor *ins7[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs7[1] = {combine(a, b, false)};
    vt_hash256 badval = add_claim(&d, g_add, ins7, 2, outs7, 1, "bit_exact", "{\"float\":\"fuzzy\"}", NULL,
                                  "2026-11-27T10:00:07Z", false);
    close_db(&d);
    /* binding failures: rows a hostile tool writes directly, past put_claim's checks */
    vt_store_options rw = {VT_STORE_RW, false, 1, false};
    vt_error e;
    CHECK(vt_store_open(d.path, &rw, &d.s, &e) == VT_OK);
    vt_tensor *ins8[1] = {vt_tensor_retain(a)}, *outs8[1] = {combine(a, b, false)};
    vt_hash256 missing = add_claim(&d, g_add, ins8, 1, outs8, 1, "bit_exact", NULL, NULL, "2026-11-27T11:00:00Z", true);
    vt_tensor *ins9[3] = {vt_tensor_retain(a), vt_tensor_retain(b), vt_tensor_retain(b)}, *outs9[1] = {combine(a, b, false)};
    vt_hash256 extra = add_claim(&d, g_add, ins9, 3, outs9, 1, "bit_exact", NULL, NULL, "2026-11-27T11:00:01Z", true);
    vt_tensor *b64 = vt_tensor_convert(b, VT_F64, &e);
    vt_tensor *ins10[2] = {vt_tensor_retain(a), b64}, *outs10[1] = {combine(a, b, false)};
    vt_hash256 mistyped = add_claim(&d, g_add, ins10, 2, outs10, 1, "bit_exact", NULL, NULL, "2026-11-27T11:00:02Z", true);
    int64_t d32[2] = {3, 2};
    vt_tensor *ins11[2] = {vt_tensor_retain(a), f32(2, d32, 0, 1)}, *outs11[1] = {combine(a, b, false)};
    vt_hash256 shaped = add_claim(&d, g_add, ins11, 2, outs11, 1, "bit_exact", NULL, NULL, "2026-11-27T11:00:03Z", true);
    int64_t d6[1] = {6};
    vt_tensor *ins12[2] = {vt_tensor_retain(a), vt_tensor_retain(b)}, *outs12[1] = {f32(1, d6, 0, 1)};
    vt_hash256 badout = add_claim(&d, g_add, ins12, 2, outs12, 1, "bit_exact", NULL, NULL, "2026-11-27T11:00:04Z", true);
    vt_tensor *ins13[2] = {vt_tensor_retain(a), vt_tensor_retain(b)};
    vt_hash256 noout = add_claim(&d, g_add, ins13, 2, NULL, 0, "bit_exact", NULL, NULL, "2026-11-27T11:00:05Z", true);
    close_db(&d);

    uint8_t before[32], after[32];
    CHECK(hash_file(d.path, before));
    vt_store *s = open_verify(d.path);
    vt_verify_result r;
    r = verify1(s, &honest, NULL);
    CHECK_VERDICT(r, VT_VERDICT_PASSED, 0, "the output matches");
    CHECK_STR(r.pin, "none");
    CHECK(r.n_outputs == 1 && r.outputs[0].passed && r.outputs[0].mismatches == 0);
    vt_verify_result_free(&r);

    r = verify1(s, &bad_out, NULL);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "output 0 differs");
    CHECK(strstr(r.reason, "first at [1,2]") != NULL);
    CHECK(r.n_outputs == 1 && r.outputs[0].mismatches == 1 && r.outputs[0].has_first && r.outputs[0].first_flat == 5);
    CHECK(r.outputs[0].max_abs_diff == 0.5 && r.outputs[0].first_claimed == r.outputs[0].first_computed + 0.5);
    CHECK(r.outputs[0].max_ulp > 0);
    uint64_t hsum = 0;
    for (int i = 0; i < VT_DIFF_HIST_BINS; i++) hsum += r.outputs[0].hist[i];
    CHECK_EQ_INT(hsum, 1);
    CHECK_EQ_INT(r.outputs[0].hist[10], 1); /* [0.1, 1) */
    vt_verify_result_free(&r);

    r = verify1(s, &bad_in, NULL);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "first at [0,0]");
    vt_verify_result_free(&r);

    r = verify1(s, &swapped, NULL);
    CHECK_VERDICT(r, VT_VERDICT_PASSED, 0, "match"); /* unpinned: consistent outputs pass */
    vt_verify_result_free(&r);

    /* pins: --expect-graph, policy by kind, by entry, require_pin */
    vt_verify_result hr = verify1(s, &honest, NULL);
    vt_hash256 pin;
    CHECK(vt_hash256_parse(hr.graph_id, &pin));
    vt_verify_result_free(&hr);
    vt_verify_options po;
    memset(&po, 0, sizeof po);
    po.threads = 1;
    vt_limits fast;
    vt_limits_default(&fast);
    fast.max_iterations = 1000;
    po.limits = &fast;
    po.expect_graph = &pin;
    r = verify1(s, &swapped, &po);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "is not the pinned graph (--expect-graph)");
    vt_verify_result_free(&r);
    r = verify1(s, &honest, &po);
    CHECK_VERDICT(r, VT_VERDICT_PASSED, 0, "match");
    CHECK_STR(r.pin, "--expect-graph");
    vt_verify_result_free(&r);
    char pol_text[400];
    snprintf(pol_text, sizeof pol_text, "{\"format\":\"veritor.policy.v1\",\"kinds\":{\"adder\":[\"%s\"]}}", hr.graph_id);
    vt_policy *pol = NULL;
    CHECK(vt_policy_parse(pol_text, strlen(pol_text), "policy", &pol, &e) == VT_OK);
    po.expect_graph = NULL;
    po.policy = pol;
    r = verify1(s, &swapped, &po);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "policy kind adder");
    vt_verify_result_free(&r);
    r = verify1(s, &bad_out, &po); /* no kind in its metadata, no entry pin: unpinned */
    CHECK_STR(r.pin, "none");
    vt_verify_result_free(&r);
    vt_policy_free(pol);
    snprintf(pol_text, sizeof pol_text, "{\"entries\":{\"main\":\"%s\"},\"require_pin\":true}", hr.graph_id);
    CHECK(vt_policy_parse(pol_text, strlen(pol_text), "policy", &pol, &e) == VT_OK);
    po.policy = pol;
    r = verify1(s, &swapped, &po);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "policy entry main");
    vt_verify_result_free(&r);
    vt_policy_free(pol);
    CHECK(vt_policy_parse("{\"require_pin\":true}", 20, "policy", &pol, &e) == VT_OK);
    po.policy = pol;
    r = verify1(s, &honest, &po);
    CHECK_VERDICT(r, VT_VERDICT_FAILED, 1, "policy requires one");
    vt_verify_result_free(&r);
    vt_policy_free(pol);

    r = verify1(s, &spin, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 3, "iteration limit");
    CHECK_EQ_INT(r.status, VT_ELIMIT);
    vt_verify_result_free(&r);
    vt_limits lim;
    vt_limits_default(&lim);
    lim.fuel = 10;
    po.policy = NULL;
    po.limits = &lim;
    r = verify1(s, &honest, &po);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 3, "fuel");
    CHECK_EQ_INT(r.limits.fuel, 10);
    vt_verify_result_free(&r);
    po.limits = &fast;

    r = verify1(s, &unk, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "not supported: strategy 'stamp_v9'");
    vt_verify_result_free(&r);
    r = verify1(s, &badcfg, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "unknown key 'tolerance'");
    CHECK_EQ_INT(r.status, VT_EINPUT);
    vt_verify_result_free(&r);
    r = verify1(s, &badval, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "\"fuzzy\"");
    vt_verify_result_free(&r);
    /* the caller's config replaces the claim's */
    po.config_json = "{\"float\":\"allclose\",\"atol\":0.6}";
    r = verify1(s, &bad_out, &po);
    CHECK_VERDICT(r, VT_VERDICT_PASSED, 0, "allclose");
    vt_verify_result_free(&r);
    po.config_json = NULL;

    r = verify1(s, &missing, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "input count: the claim has 1, entry point @main has 2 (missing)");
    vt_verify_result_free(&r);
    r = verify1(s, &extra, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "(extra)");
    vt_verify_result_free(&r);
    r = verify1(s, &mistyped, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "input 1: tensor is tensor<2x3xf64>, entry point @main has tensor<2x3xf32>");
    vt_verify_result_free(&r);
    r = verify1(s, &shaped, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "input 1: tensor is tensor<3x2xf32>");
    vt_verify_result_free(&r);
    r = verify1(s, &badout, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "output 0: tensor is tensor<6xf32>");
    vt_verify_result_free(&r);
    r = verify1(s, &noout, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "output count");
    vt_verify_result_free(&r);
    vt_hash256 nosuch;
    memset(&nosuch, 0xab, sizeof nosuch);
    r = verify1(s, &nosuch, NULL);
    CHECK_VERDICT(r, VT_VERDICT_ERROR, 2, "not in the store");
    vt_verify_result_free(&r);

    /* the per-worker cache changes nothing but speed: same verdicts and reasons, twice over */
    vt_hash256 every[] = {honest, bad_out, bad_in, swapped, spin, unk, badcfg, badval, missing, extra, mistyped, shaped,
                          badout, noout, honest, bad_out};
    vt_verify_cache *cache = vt_verify_cache_create(1 << 10);
    CHECK(cache != NULL);
    for (size_t i = 0; i < sizeof every / sizeof every[0]; i++) {
        vt_verify_options co;
        memset(&co, 0, sizeof co);
        co.threads = 1;
        co.limits = &fast;
        vt_verify_result plain = verify1(s, &every[i], &co);
        co.cache = cache;
        vt_verify_result cached = verify1(s, &every[i], &co);
        CHECK_MSG(plain.verdict == cached.verdict && strcmp(plain.reason, cached.reason) == 0,
                  "claim %zu: cached '%s' != '%s'", i, cached.reason, plain.reason);
        vt_verify_result_free(&plain);
        vt_verify_result_free(&cached);
    }
    vt_verify_cache_destroy(cache);

    /* reports and exit codes over the whole set */
    vt_hash256 all[] = {honest, bad_out, spin};
    vt_verify_result rs[3];
    for (int i = 0; i < 3; i++) rs[i] = verify1(s, &all[i], NULL);
    CHECK_EQ_INT(vt_verify_exit_code(rs, 1), 0);
    CHECK_EQ_INT(vt_verify_exit_code(rs, 2), 1);
    CHECK_EQ_INT(vt_verify_exit_code(rs, 3), 3);
    vt_verify_report rep = {"<db & \"x\">", rs, 3, false, NULL, vt_engine_identity(1, NULL)};
    vt_buf out;
    vt_buf_init(&out);
    CHECK(vt_verify_report_json(&rep, &out, &e) == VT_OK);
    json_t *j = vt_json_parse(out.data, out.len, "report", &e);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "format")), "veritor.verify.v1");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "exit_code")), 3);
    json_t *c1 = json_array_get(json_object_get(j, "claims"), 1);
    CHECK_STR(json_string_value(json_object_get(c1, "verdict")), "failed");
    json_t *fm = json_object_get(json_array_get(json_object_get(c1, "outputs"), 0), "first_mismatch");
    CHECK_EQ_INT(json_integer_value(json_array_get(json_object_get(fm, "index"), 1)), 2);
    CHECK(json_object_get(json_object_get(j, "policy"), "warning") != NULL);
    CHECK(json_object_get(json_object_get(json_object_get(j, "engine"), "blas"), "core") != NULL);
    json_decref(j);
    vt_buf_free(&out);
    vt_buf_init(&out);
    CHECK(vt_verify_report_html(&rep, &out, &e) == VT_OK);
    const char *h = vt_buf_cstr(&out);
    CHECK(strstr(h, "&lt;db &amp; &quot;x&quot;&gt;") != NULL);
    CHECK(strstr(h, "<db &") == NULL);
    CHECK(strstr(h, "id=\"claims\"") && strstr(h, "<svg class=\"hist\"") && strstr(h, "id=\"no-pin\""));
    CHECK(strstr(h, "http://") == NULL && strstr(h, "https://") == NULL);
    vt_buf_free(&out);

    /* the results database: its own file, one row per recorded run */
    char rpath[600];
    snprintf(rpath, sizeof rpath, "%s/results.sqlite", vt_test_tmpdir());
    remove(rpath);
    vt_results_db *rdb = NULL;
    CHECK(vt_results_open(rpath, &rdb, &e) == VT_OK);
    char *ej = json_dumps(rep.engine, JSON_COMPACT);
    CHECK(vt_results_begin(rdb, &e) == VT_OK);
    for (int i = 0; i < 3; i++) CHECK(vt_results_record(rdb, &rs[i], ej, &e) == VT_OK);
    CHECK(vt_results_commit(rdb, &e) == VT_OK);
    CHECK(vt_results_record(rdb, &rs[0], ej, &e) == VT_OK);
    int64_t cnt = 0;
    CHECK(vt_results_count(rdb, NULL, &cnt, &e) == VT_OK && cnt == 4);
    CHECK(vt_results_count(rdb, rs[0].claim_id, &cnt, &e) == VT_OK && cnt == 2);
    /* results read back: nothing is found before settings are set; then the latest verdict */
    for (int i = 0; i < 3; i++) {
        vt_verify_result back;
        CHECK_EQ_INT(round_trip(&rs[i], &back, &e), VT_OK);
        CHECK_MSG(same_result(&rs[i], &back), "claim %d does not read back from its JSON", i);
        vt_verify_result_free(&back);
    }
    vt_verify_result found;
    bool hit = true;
    CHECK(vt_results_find_final(rdb, rs[0].claim_id, &found, &hit, &e) == VT_OK && !hit);
    vt_results_set_settings(rdb, "s1");
    for (int i = 0; i < 3; i++) CHECK(vt_results_record(rdb, &rs[i], ej, &e) == VT_OK);
    CHECK(vt_results_find_final(rdb, rs[1].claim_id, &found, &hit, &e) == VT_OK && hit);
    CHECK(hit && same_result(&rs[1], &found) && found.resumed_run == 6 && found.resumed_at[0]);
    vt_verify_result_free(&found);
    CHECK(vt_results_find_final(rdb, rs[2].claim_id, &found, &hit, &e) == VT_OK && !hit); /* a limit is retried */
    vt_results_set_settings(rdb, "s2");
    CHECK(vt_results_find_final(rdb, rs[1].claim_id, &found, &hit, &e) == VT_OK && !hit);
    vt_results_close(rdb);
    free(ej);
    json_decref(rep.engine);
    for (int i = 0; i < 3; i++) vt_verify_result_free(&rs[i]);
    /* a results file that is not a database, or the wrong one */
    char junk[600];
    snprintf(junk, sizeof junk, "%s/junk.sqlite", vt_test_tmpdir());
    FILE *f = fopen(junk, "wb");
    for (int i = 0; i < 200; i++) fputs("not a database at all ", f);
    fclose(f);
    CHECK_ERR(vt_results_open(junk, &rdb, &e), &e, VT_EINPUT, "not a veritor results database");
    CHECK_ERR(vt_results_open(d.path, &rdb, &e), &e, VT_EINPUT, "not a veritor results database");
    CHECK_ERR(vt_results_open("/nonexistent-dir/x.sqlite", &rdb, &e), &e, VT_EIO, "cannot open");

    vt_store_close(s, NULL);
    CHECK(hash_file(d.path, after));
    CHECK_MSG(memcmp(before, after, 32) == 0, "verify modified the prover's file");
    vt_tensor_release(a);
    vt_tensor_release(b);
}

/* bit_exact's rules on hand-made tensors. */
static vt_output_score score(const char *cfg, const vt_tensor *claimed, const vt_tensor *computed, vt_status *st_out) {
    void *state = NULL;
    vt_error e;
    vt_output_score s;
    memset(&s, 0, sizeof s);
    vt_status st = vt_strategy_configure(&vt_strategy_bit_exact, cfg, &state, &e);
    CHECK_MSG(st == VT_OK, "configure %s: %s", cfg ? cfg : "-", e.msg);
    if (!st) st = vt_strategy_bit_exact.check(state, claimed, computed, &s, &e);
    if (state) vt_strategy_bit_exact.free_state(state);
    if (st_out) *st_out = st;
    return s;
}

/* good with key set to value (in its first output when in_output) must be refused naming frag. */
static void expect_refused(const char *good, bool in_output, const char *key, const char *value, const char *frag) {
    json_t *o = json_loads(good, 0, NULL);
    json_t *target = in_output ? json_array_get(json_object_get(o, "outputs"), 0) : o;
    json_object_set_new(target, key, json_loads(value, JSON_DECODE_ANY, NULL));
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    vt_verify_result back;
    vt_error e;
    CHECK_ERR(vt_verify_result_from_json(t, strlen(t), &back, &e), &e, VT_EINPUT, frag);
    CHECK(back.outputs == NULL && back.n_outputs == 0);
    free(t);
}

/* A stored result is untrusted input: every field checked, the first bad one named. */
TEST(result_json_hostile) {
    vt_verify_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.claim_id, sizeof r.claim_id, "%064d", 7);
    snprintf(r.graph_id, sizeof r.graph_id, "%064d", 8);
    snprintf(r.entry, sizeof r.entry, "main");
    snprintf(r.strategy, sizeof r.strategy, "bit_exact");
    snprintf(r.reason, sizeof r.reason, "differs");
    r.verdict = VT_VERDICT_FAILED, r.status = VT_ECHECK, r.exit_class = 1;
    vt_output_score sc[2];
    memset(sc, 0, sizeof sc);
    snprintf(sc[0].type, sizeof sc[0].type, "tensor<2x3xf32>");
    sc[0].elements = 6, sc[0].mismatches = 2, sc[0].max_abs_diff = INFINITY, sc[0].max_rel_diff = NAN, sc[0].max_ulp = 99;
    sc[0].has_first = true, sc[0].first_rank = 2, sc[0].first_index[1] = 2, sc[0].first_flat = 2;
    sc[0].first_claimed = -INFINITY, sc[0].first_computed = 1.5, sc[0].hist[15] = 2, sc[0].nonfinite_diff = true;
    snprintf(sc[1].type, sizeof sc[1].type, "tensor<i32>");
    sc[1].elements = 1, sc[1].passed = true;
    r.outputs = sc, r.n_outputs = 2;
    vt_limits_default(&r.limits);
    r.stats.fuel_used = 12, r.timings.total = 0.25;
    vt_error e;
    vt_verify_result back;
    CHECK_EQ_INT(round_trip(&r, &back, &e), VT_OK);
    CHECK(same_result(&r, &back) && isnan(back.outputs[0].max_rel_diff) && back.outputs[0].first_claimed < 0);
    vt_verify_result_free(&back);
    json_t *j = vt_verify_result_json(&r);
    char *good = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    static const struct {
        const char *path, *value, *frag;
    } cases[] = {
        {"id", "5", "'id' is not a string"},
        {"id", "\"<script>\"", "'id' is not a 64-hex-digit claim id"},
        {"graph", "\"0123456789ab<b>\"", "'graph' is not a 64-hex-digit graph id"},
        {"verdict", "\"maybe\"", "'verdict' is not passed"},
        {"verdict", "\"passed\"", "disagrees with exit_class"},
        {"exit_class", "9", "'exit_class' is not 0..3"},
        {"exit_class", "-1", "'exit_class' is negative"},
        {"status", "\"nope\"", "'status' is not a status name"},
        {"outputs", "{}", "'outputs' is not an array"},
        {"outputs", "[1]", "holds a non-object"},
        {"limits", "[]", "'limits' is not an object"},
        {"timings", "{\"load\":0}", "'parse' is missing"},
        {"entry", "null", "'entry' is not a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(good, false, cases[i].path, cases[i].value, cases[i].frag);
    /* an output's fields */
    static const struct {
        const char *key, *value, *frag;
    } ocases[] = {
        {"index", "1", "not in index order"},
        {"mismatches", "7", "exceeds elements"},
        {"diff_histogram", "[1,2]", "'diff_histogram' is not an array"},
        {"max_abs_diff", "\"lots\"", "'max_abs_diff' is not a number"},
        {"max_ulp", "1.5", "'max_ulp' is not an integer"},
        {"first_mismatch", "{\"index\":[-1],\"flat\":0,\"claimed\":0,\"computed\":0}", "has a bad index"},
        {"type", "\"tensor<1x2x3x4x5x6x7x8x9x10x11x12x13x14x15x16x17x18x19x20x21x22x23x24x25x26x27x28x29x30x31x32xf32>\"",
         "'type' is too long"},
    };
    for (size_t i = 0; i < sizeof ocases / sizeof ocases[0]; i++)
        expect_refused(good, true, ocases[i].key, ocases[i].value, ocases[i].frag);
    /* not JSON, truncated, duplicate keys, a NUL inside a string (jansson refuses it) */
    CHECK_ERR(vt_verify_result_from_json("{", 1, &back, &e), &e, VT_EINPUT, "result JSON");
    CHECK_ERR(vt_verify_result_from_json(good, strlen(good) / 2, &back, &e), &e, VT_EINPUT, "result JSON");
    CHECK_ERR(vt_verify_result_from_json("{\"id\":\"a\",\"id\":\"b\"}", 19, &back, &e), &e, VT_EINPUT, "duplicate");
    const char *nul = "{\"id\":\"a\\u0000b\"}";
    CHECK_ERR(vt_verify_result_from_json(nul, strlen(nul), &back, &e), &e, VT_EINPUT, "result JSON");
    CHECK_ERR(vt_verify_result_from_json("[]", 2, &back, &e), &e, VT_EINPUT, "not an object");
    free(good);
}

TEST(bit_exact_rules) {
    int64_t d4[1] = {4};
    vt_error e;
    vt_tensor *x = f32(1, d4, 1, 1), *y = vt_tensor_clone(x, &e);
    uint32_t bits;
    memcpy(&bits, &((float *)y->data)[2], 4);
    bits += 1; /* one ULP up */
    memcpy(&((float *)y->data)[2], &bits, 4);
    vt_output_score s = score(NULL, y, x, NULL);
    CHECK(!s.passed && s.mismatches == 1 && s.max_ulp == 1 && s.first_flat == 2 && s.first_index[0] == 2);
    CHECK(s.max_rel_diff > 0 && s.max_rel_diff < 1e-6);
    s = score("{\"float\":\"ulp\",\"max_ulp\":1}", y, x, NULL);
    CHECK(s.passed && s.max_ulp == 1);
    s = score("{\"float\":\"ulp\"}", y, x, NULL);
    CHECK(!s.passed);
    s = score("{\"float\":\"allclose\"}", y, x, NULL);
    CHECK(s.passed);
    s = score("{\"float\":\"allclose\",\"rtol\":0,\"atol\":0}", y, x, NULL);
    CHECK(!s.passed);
    /* signed zeros: different bits, 0 ULP apart */
    ((float *)x->data)[0] = 0.0f;
    vt_tensor *z = vt_tensor_clone(x, &e);
    ((float *)z->data)[0] = -0.0f;
    s = score(NULL, z, x, NULL);
    CHECK(!s.passed && s.max_ulp == 0 && s.max_abs_diff == 0);
    s = score("{\"float\":\"ulp\"}", z, x, NULL);
    CHECK(s.passed);
    /* NaN: equal_nan decides for ulp/allclose; bits compare payloads */
    ((float *)z->data)[0] = NAN;
    vt_tensor *z2 = vt_tensor_clone(z, &e);
    s = score("{\"float\":\"allclose\"}", z, z2, NULL);
    CHECK(s.passed);
    ((float *)z->data)[1] = NAN;
    s = score("{\"float\":\"allclose\",\"equal_nan\":false}", z, z2, NULL);
    CHECK(!s.passed && s.nonfinite_diff && s.mismatches == 2 && s.hist[VT_DIFF_HIST_BINS - 1] == 2 && s.first_flat == 0);
    /* relative difference against a computed zero */
    vt_tensor *w = vt_tensor_clone(x, &e);
    ((float *)w->data)[0] = 1e-3f;
    s = score(NULL, w, x, NULL);
    CHECK(isinf(s.max_rel_diff) && s.max_ulp > 1000);
    /* integers and booleans: exactly */
    vt_tensor *i1 = vt_tensor_create(VT_I64, 1, d4, 0, &e), *i2 = vt_tensor_create(VT_I64, 1, d4, 0, &e);
    ((int64_t *)i1->data)[3] = INT64_MIN;
    ((int64_t *)i2->data)[3] = INT64_MAX;
    s = score("{\"float\":\"allclose\",\"atol\":1e30}", i1, i2, NULL);
    CHECK(!s.passed && s.mismatches == 1 && s.first_flat == 3 && s.max_abs_diff > 1e19);
    vt_tensor *b1 = vt_tensor_create(VT_I1, 1, d4, 0, &e), *b2 = vt_tensor_create(VT_I1, 1, d4, 0, &e);
    ((uint8_t *)b1->data)[1] = 1;
    s = score(NULL, b1, b2, NULL);
    CHECK(!s.passed && s.mismatches == 1 && s.first_claimed == 1 && s.first_computed == 0);
    vt_tensor *u1 = vt_tensor_create(VT_U64, 1, d4, 0, &e), *u2 = vt_tensor_create(VT_U64, 1, d4, 0, &e);
    ((uint64_t *)u1->data)[0] = UINT64_MAX;
    s = score(NULL, u1, u2, NULL);
    CHECK(!s.passed && s.first_claimed > 1.8e19);
    /* complex: one mismatching element counted once */
    vt_tensor *c1 = vt_tensor_create(VT_C64, 1, d4, 0, &e), *c2 = vt_tensor_create(VT_C64, 1, d4, 0, &e);
    ((float *)c1->data)[4] = 1;
    ((float *)c1->data)[5] = 1;
    s = score(NULL, c1, c2, NULL);
    CHECK(!s.passed && s.mismatches == 1 && s.first_flat == 2);
    /* bf16 ULPs are counted in bf16 */
    vt_tensor *h1 = vt_tensor_convert(x, VT_BF16, &e), *h2 = vt_tensor_convert(x, VT_BF16, &e);
    ((uint16_t *)h1->data)[3] += 3;
    s = score("{\"float\":\"ulp\",\"max_ulp\":2}", h1, h2, NULL);
    CHECK(!s.passed && s.max_ulp == 3);
    vt_tensor *ts[] = {x, y, z, z2, w, i1, i2, b1, b2, u1, u2, c1, c2, h1, h2};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) vt_tensor_release(ts[i]);
}

TEST(strategy_config_validation) {
    const vt_strategy *s = vt_strategy_find("bit_exact");
    CHECK(s == &vt_strategy_bit_exact && vt_strategy_count() >= 1 && vt_strategy_at(0) != NULL);
    CHECK(vt_strategy_find("nope") == NULL && vt_strategy_find(NULL) == NULL);
    void *st = NULL;
    vt_error e;
    CHECK_ERR(vt_strategy_configure(s, "{\"floats\":\"bits\"}", &st, &e), &e, VT_EINPUT, "unknown key 'floats'");
    CHECK_ERR(vt_strategy_configure(s, "{\"float\":1}", &st, &e), &e, VT_EINPUT, "'float' must be");
    CHECK_ERR(vt_strategy_configure(s, "{\"float\":\"exact\"}", &st, &e), &e, VT_EINPUT, "\"exact\"");
    CHECK_ERR(vt_strategy_configure(s, "{\"max_ulp\":-1}", &st, &e), &e, VT_EINPUT, "'max_ulp'");
    CHECK_ERR(vt_strategy_configure(s, "{\"max_ulp\":1.5}", &st, &e), &e, VT_EINPUT, "'max_ulp'");
    CHECK_ERR(vt_strategy_configure(s, "{\"rtol\":\"big\"}", &st, &e), &e, VT_EINPUT, "'rtol'");
    CHECK_ERR(vt_strategy_configure(s, "{\"atol\":-1e-3}", &st, &e), &e, VT_EINPUT, "'atol'");
    CHECK_ERR(vt_strategy_configure(s, "{\"equal_nan\":1}", &st, &e), &e, VT_EINPUT, "'equal_nan'");
    CHECK_ERR(vt_strategy_configure(s, "[1,2]", &st, &e), &e, VT_EINPUT, "must be a JSON object");
    CHECK_ERR(vt_strategy_configure(s, "{\"float\":", &st, &e), &e, VT_EINPUT, "config");
    CHECK_ERR(vt_strategy_configure(s, "{\"float\":\"bits\",\"float\":\"ulp\"}", &st, &e), &e, VT_EINPUT, "config");
    CHECK(st == NULL);
    CHECK(vt_strategy_configure(s, "{}", &st, &e) == VT_OK && st);
    char desc[128];
    s->describe(st, desc, sizeof desc);
    CHECK_STR(desc, "exact bits");
    s->free_state(st);
}

TEST(policy_parsing) {
    vt_policy *p = NULL;
    vt_error e;
    const char *h = "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"";
    char t[512];
    CHECK_ERR(vt_policy_parse("[]", 2, "p.json", &p, &e), &e, VT_EINPUT, "p.json: a policy is a JSON object");
    CHECK_ERR(vt_policy_parse("{\"pins\":{}}", 11, "p.json", &p, &e), &e, VT_EINPUT, "unknown key 'pins'");
    CHECK_ERR(vt_policy_parse("{\"format\":\"v0\"}", 15, "p.json", &p, &e), &e, VT_EUNSUPPORTED, "not supported: format");
    CHECK_ERR(vt_policy_parse("{\"entries\":[]}", 14, "p.json", &p, &e), &e, VT_EINPUT, "'entries' must be an object");
    CHECK_ERR(vt_policy_parse("{\"entries\":{\"main\":[]}}", 23, "p.json", &p, &e), &e, VT_EINPUT, "non-empty list");
    CHECK_ERR(vt_policy_parse("{\"kinds\":{\"k\":[\"00\"]}}", 22, "p.json", &p, &e), &e, VT_EINPUT,
              "kinds.\"k\"[0]: not a 64-hex-digit graph id");
    CHECK_ERR(vt_policy_parse("{\"require_pin\":\"yes\"}", 21, "p.json", &p, &e), &e, VT_EINPUT, "'require_pin'");
    snprintf(t, sizeof t, "{\"entries\":{\"main\":[%s", h); /* truncated */
    CHECK_ERR(vt_policy_parse(t, strlen(t), "p.json", &p, &e), &e, VT_EINPUT, "p.json");
    CHECK_ERR(vt_policy_parse("{\"entries\":{\"m\\u00\":1}}", 23, "p.json", &p, &e), &e, VT_EINPUT, "p.json");
    snprintf(t, sizeof t, "{\"entries\":{\"main\":%s},\"kinds\":{\"mlp\":[%s,%s]}}", h, h, h);
    CHECK(vt_policy_parse(t, strlen(t), "p.json", &p, &e) == VT_OK);
    const vt_hash256 *ids;
    char src[100];
    CHECK_EQ_INT(vt_policy_pins(p, "main", "{\"kind\":\"mlp\"}", &ids, src, sizeof src), 2);
    CHECK_STR(src, "policy kind mlp");
    CHECK_EQ_INT(vt_policy_pins(p, "main", "{\"kind\":\"other\"}", &ids, src, sizeof src), 1);
    CHECK_STR(src, "policy entry main");
    CHECK_EQ_INT(vt_policy_pins(p, "decode", "{}", &ids, src, sizeof src), 0);
    CHECK_EQ_INT(vt_policy_pins(p, "main", "not json", &ids, src, sizeof src), 1);
    CHECK(!vt_policy_requires_pin(p));
    vt_policy_free(p);
    /* files: missing, oversized */
    CHECK_ERR(vt_policy_load("/nonexistent/policy.json", &p, &e), &e, VT_EIO, "/nonexistent/policy.json");
    char big[600];
    snprintf(big, sizeof big, "%s/big-policy.json", vt_test_tmpdir());
    FILE *f = fopen(big, "wb");
    fputs("{\"entries\":{}, \"x\":\"", f);
    char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 4200; i++) fwrite(chunk, 1, sizeof chunk, f);
    fputs("\"}", f);
    fclose(f);
    CHECK_ERR(vt_policy_load(big, &p, &e), &e, VT_ELIMIT, "");
    remove(big);
}

int main(void) {
    RUN(matrix_and_bindings);
    RUN(result_json_hostile);
    RUN(bit_exact_rules);
    RUN(strategy_config_validation);
    RUN(policy_parsing);
    return vt_test_finish();
}
