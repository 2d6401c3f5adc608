/* Claim directories: import validates everything first (graph parses and verifies, the entry
 * point is public, tensor counts/dtypes/shapes match, no symlinks, no stray files, ids in
 * claim.json agree) and writes nothing when a check fails, naming the file; export writes a
 * directory that imports back to the same id. */
#include "store_test_util.h"

#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

static char good[600];

static void write_text(const char *dir, const char *name, const char *text) {
    char p[900];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    vt_error e;
    CHECK_EQ_INT(vt_write_file_atomic(p, text, strlen(text), &e), VT_OK);
}

static void write_npy(const char *dir, const char *name, vt_dtype dt, int rank, const int64_t *dims, float base) {
    char p[900];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    vt_error e;
    vt_tensor *t = make_f32(rank, dims, base, 1);
    if (dt != VT_F32) {
        vt_tensor *c = vt_tensor_convert(t, dt, &e);
        vt_tensor_release(t);
        t = c;
    }
    CHECK_EQ_INT(vt_npy_write(p, t, &e), VT_OK);
    vt_tensor_release(t);
}

static void make_good(const char *dir) {
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/inputs' '%s/outputs'", dir, dir, dir);
    CHECK(system(cmd) == 0);
    int64_t d[2] = {2, 3};
    write_text(dir, "graph.mlir", vt_test_graph);
    write_npy(dir, "inputs/0.npy", VT_F32, 2, d, 1);
    write_npy(dir, "inputs/1.npy", VT_F32, 2, d, 2);
    write_npy(dir, "outputs/0.npy", VT_F32, 2, d, 3);
    write_text(dir, "claim.json", "{\"entry\":\"main\",\"strategy\":\"bit_exact\",\"metadata\":{\"req\":1},"
                                  "\"created_at\":\"2026-11-27T12:00:00Z\"}\n");
}

static const char *variant(const char *name) {
    static char dir[700];
    snprintf(dir, sizeof dir, "%s/%s", vt_test_tmpdir(), name);
    make_good(dir);
    return dir;
}

static void counts(vt_store *s, int64_t out[4]) {
    json_t *info;
    vt_error e;
    CHECK_EQ_INT(vt_store_info(s, &info, &e), VT_OK);
    const char *k[4] = {"objects", "tensors", "graphs", "claims"};
    for (int i = 0; i < 4; i++) out[i] = json_integer_value(json_object_get(json_object_get(info, "counts"), k[i]));
    json_decref(info);
}

static void expect_import_fails(vt_store *s, const char *dir, vt_status code, const char *frag) {
    int64_t before[4], after[4];
    counts(s, before);
    vt_error e;
    vt_hash256 id;
    CHECK_ERR(vt_store_import_claim_dir(s, dir, &id, &e), &e, code, frag);
    counts(s, after);
    CHECK_MSG(memcmp(before, after, sizeof before) == 0, "import of %s wrote something", dir);
}

TEST(roundtrip) {
    snprintf(good, sizeof good, "%s/good", vt_test_tmpdir());
    make_good(good);
    vt_store *s = open_store(db_path("cd1.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 id, id2, id3;
    CHECK_EQ_INT(vt_store_import_claim_dir(s, good, &id, &e), VT_OK);
    CHECK_EQ_INT(vt_store_import_claim_dir(s, good, &id3, &e), VT_OK); /* idempotent */
    CHECK(memcmp(&id, &id3, sizeof id) == 0);
    char out[700];
    snprintf(out, sizeof out, "%s/exported", vt_test_tmpdir());
    CHECK_EQ_INT(vt_store_export_claim_dir(s, &id, out, &e), VT_OK);
    CHECK_ERR(vt_store_export_claim_dir(s, &id, out, &e), &e, VT_EUSAGE, "not an empty directory");
    vt_store_close(s, &e);
    char *js;
    size_t n;
    char p[800];
    snprintf(p, sizeof p, "%s/claim.json", out);
    CHECK_EQ_INT(vt_read_file(p, 0, &js, &n, &e), VT_OK);
    CHECK(strstr(js, vt_hash_to_hex(id.b).s) != NULL);
    CHECK(strstr(js, "\"format\": \"veritor.claim.v1\"") != NULL);
    free(js);
    vt_store *s2 = open_store(db_path("cd2.vdb"), VT_STORE_CREATE);
    CHECK_EQ_INT(vt_store_import_claim_dir(s2, out, &id2, &e), VT_OK);
    CHECK(memcmp(&id, &id2, sizeof id) == 0);
    vt_store_close(s2, &e);
}

TEST(bf16_via_safetensors) {
    const char *g = "func.func public @main(%a: tensor<4xbf16>) -> tensor<4xbf16> {\n  return %a : tensor<4xbf16>\n}\n";
    char dir[700];
    snprintf(dir, sizeof dir, "%s/bf16", vt_test_tmpdir());
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/inputs' '%s/outputs'", dir, dir, dir);
    CHECK(system(cmd) == 0);
    write_text(dir, "graph.mlir", g);
    write_text(dir, "claim.json", "{\"entry\":\"main\",\"strategy\":\"bit_exact\"}");
    int64_t d[1] = {4};
    vt_error e;
    vt_tensor *t = make_f32(1, d, 1, 1), *b = vt_tensor_convert(t, VT_BF16, &e);
    char p[800];
    snprintf(p, sizeof p, "%s/inputs/0", dir);
    CHECK_EQ_INT(vt_tensor_write_auto(p, b, NULL, 0, &e), VT_OK);
    snprintf(p, sizeof p, "%s/outputs/0", dir);
    CHECK_EQ_INT(vt_tensor_write_auto(p, b, NULL, 0, &e), VT_OK);
    vt_tensor_release(t);
    vt_tensor_release(b);
    vt_store *s = open_store(db_path("cd3.vdb"), VT_STORE_CREATE);
    vt_hash256 id;
    CHECK_EQ_INT(vt_store_import_claim_dir(s, dir, &id, &e), VT_OK);
    char out[700];
    snprintf(out, sizeof out, "%s/bf16_out", vt_test_tmpdir());
    CHECK_EQ_INT(vt_store_export_claim_dir(s, &id, out, &e), VT_OK);
    snprintf(p, sizeof p, "%s/inputs/0.safetensors", out);
    CHECK(access(p, F_OK) == 0);
    vt_store_close(s, &e);
}

TEST(hostile_directories) {
    vt_store *s = open_store(db_path("cd4.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 id;
    CHECK_EQ_INT(put_sample_claim(s, 7, "bit_exact", NULL, &id, &e), VT_OK); /* something already there */
    const char *d;
    char p[900], q[900];
    int64_t d23[2] = {2, 3}, d32[2] = {3, 2};

    d = variant("nojson");
    snprintf(p, sizeof p, "%s/claim.json", d);
    remove(p);
    expect_import_fails(s, d, VT_EINPUT, "nojson/claim.json: cannot open");

    d = variant("badjson");
    write_text(d, "claim.json", "{\"entry\": \"main\",");
    expect_import_fails(s, d, VT_EINPUT, "badjson/claim.json: invalid JSON");

    d = variant("unknownfield");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"foo\":1}");
    expect_import_fails(s, d, VT_EINPUT, "claim.json: unknown field 'foo'");

    d = variant("noentry");
    write_text(d, "claim.json", "{\"entry\":\"nope\",\"strategy\":\"x\"}");
    expect_import_fails(s, d, VT_EINPUT, "noentry/graph.mlir: no function @nope");

    d = variant("private");
    write_text(d, "claim.json", "{\"entry\":\"helper\",\"strategy\":\"x\"}");
    expect_import_fails(s, d, VT_EINPUT, "is private");

    d = variant("badgraph");
    write_text(d, "graph.mlir", "func.func public @main(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {\n  return %b\n}\n");
    expect_import_fails(s, d, VT_EINPUT, "badgraph/graph.mlir");

    d = variant("count");
    snprintf(p, sizeof p, "%s/inputs/1.npy", d);
    remove(p);
    expect_import_fails(s, d, VT_EINPUT, "takes 2 inputs and gives 1 outputs; the directory has 1 and 1");

    d = variant("dtype");
    write_npy(d, "inputs/0.npy", VT_F64, 2, d23, 1);
    expect_import_fails(s, d, VT_EINPUT, "dtype/inputs/0.npy: tensor is tensor<2x3xf64>");

    d = variant("shape");
    write_npy(d, "outputs/0.npy", VT_F32, 2, d32, 1);
    expect_import_fails(s, d, VT_EINPUT, "shape/outputs/0.npy: tensor is tensor<3x2xf32>");

    d = variant("gap");
    snprintf(p, sizeof p, "%s/inputs/1.npy", d);
    snprintf(q, sizeof q, "%s/inputs/2.npy", d);
    CHECK(rename(p, q) == 0);
    expect_import_fails(s, d, VT_EINPUT, "tensor 1 is missing");

    d = variant("twice");
    write_npy(d, "inputs/0.safetensors", VT_F32, 2, d23, 1);
    expect_import_fails(s, d, VT_EINPUT, "is given twice");

    d = variant("stray");
    write_text(d, "README", "hello");
    expect_import_fails(s, d, VT_EINPUT, "stray/README: unexpected file");

    d = variant("strayinput");
    write_text(d, "inputs/a.npy", "x");
    expect_import_fails(s, d, VT_EINPUT, "strayinput/inputs/a.npy: unexpected file");

    d = variant("leadingzero");
    snprintf(p, sizeof p, "%s/inputs/1.npy", d);
    snprintf(q, sizeof q, "%s/inputs/01.npy", d);
    CHECK(rename(p, q) == 0);
    expect_import_fails(s, d, VT_EINPUT, "inputs/01.npy: unexpected file");

    d = variant("symgraph");
    snprintf(p, sizeof p, "%s/graph.mlir", d);
    remove(p);
    snprintf(q, sizeof q, "%s/graph.mlir", good);
    CHECK(symlink(q, p) == 0);
    expect_import_fails(s, d, VT_EINPUT, "symgraph/graph.mlir: is a symbolic link");

    d = variant("symnpy");
    snprintf(p, sizeof p, "%s/inputs/0.npy", d);
    remove(p);
    CHECK(symlink("/etc/passwd", p) == 0);
    expect_import_fails(s, d, VT_EINPUT, "is a symbolic link");

    d = variant("symdir");
    snprintf(p, sizeof p, "rm -rf '%s/inputs' && ln -s '%s/inputs' '%s/inputs'", d, good, d);
    CHECK(system(p) == 0);
    expect_import_fails(s, d, VT_EINPUT, "symdir/inputs: not a directory (or a symbolic link)");

    snprintf(p, sizeof p, "%s/linkdir", vt_test_tmpdir());
    remove(p);
    CHECK(symlink(good, p) == 0);
    expect_import_fails(s, p, VT_EINPUT, "symbolic links are refused");

    d = variant("badid");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"created_at\":\"2026-01-01T00:00:00Z\","
                                "\"id\":\"0000000000000000000000000000000000000000000000000000000000000000\"}");
    expect_import_fails(s, d, VT_EINPUT, "field 'id' does not match");

    d = variant("badinputs");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"inputs\":["
                                "\"1111111111111111111111111111111111111111111111111111111111111111\","
                                "\"2222222222222222222222222222222222222222222222222222222222222222\"]}");
    expect_import_fails(s, d, VT_EINPUT, "inputs[0] does not match the content id");

    d = variant("badgraphid");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"graph\":\"ab\"}");
    expect_import_fails(s, d, VT_EINPUT, "field 'graph' does not match");

    d = variant("truncnpy");
    snprintf(p, sizeof p, "%s/inputs/0.npy", d);
    CHECK(truncate(p, 70) == 0);
    expect_import_fails(s, d, VT_EINPUT, "truncnpy/inputs/0.npy");

    d = variant("trace");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"trace\":5}");
    expect_import_fails(s, d, VT_EINPUT, "trace 5 is not in the store");

    d = variant("bundle");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"bundles\":["
                                "\"3333333333333333333333333333333333333333333333333333333333333333\"]}");
    expect_import_fails(s, d, VT_ECHECK, "bundles[0]: bundle 3333");

    d = variant("format");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"format\":\"v9\"}");
    expect_import_fails(s, d, VT_EUNSUPPORTED, "format must be");

    d = variant("types");
    write_text(d, "claim.json", "{\"entry\":5,\"strategy\":\"x\"}");
    expect_import_fails(s, d, VT_EINPUT, "field 'entry' must be");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"created_at\":\"yesterday\"}");
    expect_import_fails(s, d, VT_EINPUT, "field 'created_at' must be an RFC 3339 UTC time");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"created_at\":\"2026-13-01T00:00:00Z\"}");
    expect_import_fails(s, d, VT_EINPUT, "created_at");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"config\":[]}");
    expect_import_fails(s, d, VT_EINPUT, "field 'config' must be an object");
    write_text(d, "claim.json", "{\"entry\":\"main\",\"strategy\":\"x\",\"metadata\":{\"n\":9007199254740993}}");
    expect_import_fails(s, d, VT_EINPUT, "beyond 2^53");

    d = variant("hugejson");
    {
        size_t big = (1u << 20) + 10;
        char *txt = malloc(big + 1);
        memset(txt, ' ', big);
        memcpy(txt, "{\"entry\":\"main\",\"strategy\":\"x\"}", 31);
        txt[big] = 0;
        write_text(d, "claim.json", txt);
        free(txt);
    }
    expect_import_fails(s, d, VT_ELIMIT, "hugejson/claim.json: 1048586 bytes exceed the limit");

    snprintf(p, sizeof p, "%s/does-not-exist", vt_test_tmpdir());
    expect_import_fails(s, p, VT_EIO, "not a directory");

    /* A read-only store refuses imports. */
    vt_store_close(s, &e);
    snprintf(p, sizeof p, "%s/cd4.vdb", vt_test_tmpdir());
    s = open_store(p, VT_STORE_VERIFY);
    CHECK_ERR(vt_store_import_claim_dir(s, good, &id, &e), &e, VT_EUSAGE, "read-only");
    vt_store_close(s, &e);
}

int main(void) {
    RUN(roundtrip);
    RUN(bf16_via_safetensors);
    RUN(hostile_directories);
    return vt_test_finish();
}
