/* Store layer: objects, tensors (multi-chunk, dedup, streaming), graphs, derivations, traces,
 * bundles, devices, challenges, claims, canonical JSON, queries (with index use), fsck and gc. */
#include "store_test_util.h"

#include <jansson.h>
#include <sqlite3.h>

TEST(objects_roundtrip) {
    vt_store *s = open_store(db_path("obj.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 h, h2;
    const char msg[] = "hello objects";
    CHECK_EQ_INT(vt_store_put_object(s, msg, sizeof msg, &h, &e), VT_OK);
    CHECK_EQ_INT(vt_store_put_object(s, msg, sizeof msg, &h2, &e), VT_OK); /* dedup: same id, one row */
    CHECK(memcmp(&h, &h2, sizeof h) == 0);
    void *d;
    size_t n;
    CHECK_EQ_INT(vt_store_get_object(s, &h, 0, &d, &n, &e), VT_OK);
    CHECK_EQ_INT(n, sizeof msg);
    CHECK(memcmp(d, msg, n) == 0);
    free(d);
    CHECK_ERR(vt_store_get_object(s, &h, 4, &d, &n, &e), &e, VT_ELIMIT, "exceeds the limit");
    vt_hash256 missing;
    memset(&missing, 0x11, sizeof missing);
    CHECK_ERR(vt_store_get_object(s, &missing, 0, &d, &n, &e), &e, VT_ECHECK, "is missing");
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(s, "objects", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    CHECK_EQ_INT(vt_store_close(s, &e), VT_OK);
}

TEST(tensors_multichunk_dedup_stream) {
    vt_store_options o = {VT_STORE_CREATE, true, 2, false};
    vt_store *s;
    vt_error e;
    CHECK_EQ_INT(vt_store_open(db_path("tensors.vdb"), &o, &s, &e), VT_OK);
    /* 9 MiB of f32 -> 3 chunks (4 + 4 + 1 MiB) */
    int64_t dims[1] = {9 << 18};
    vt_tensor *t = make_f32(1, dims, 0, 1);
    vt_hash256 id, id2;
    CHECK_EQ_INT(vt_store_put_tensor(s, t, &id, &e), VT_OK);
    uint8_t want[32];
    vt_tensor_id(t, 1, want);
    CHECK(memcmp(want, id.b, 32) == 0); /* the store's id is the tensor layer's content id */
    /* A second tensor sharing the first chunk: only its two new chunks are stored. */
    vt_tensor *t2 = vt_tensor_clone(t, &e);
    ((float *)t2->data)[dims[0] - 1] = -1;
    ((float *)t2->data)[(size_t)(4 << 20) / 4 + 1] = -1;
    CHECK_EQ_INT(vt_store_put_tensor(s, t2, &id2, &e), VT_OK);
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(s, "objects", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 5);
    json_decref(rows);
    /* Streaming read in odd pieces equals the original bytes. */
    vt_store_tensor_reader *r;
    vt_store_tensor_meta m;
    CHECK_EQ_INT(vt_store_tensor_read_begin(s, &id, &r, &m, &e), VT_OK);
    CHECK_EQ_INT(m.nchunks, 3);
    CHECK_EQ_INT(m.nbytes, t->nbytes);
    uint8_t buf[100003];
    size_t off = 0, got;
    bool same = true;
    do {
        CHECK_EQ_INT(vt_store_tensor_read(r, buf, sizeof buf, &got, &e), VT_OK);
        if (got && memcmp(buf, (uint8_t *)t->data + off, got)) same = false;
        off += got;
    } while (got);
    vt_store_tensor_read_end(r);
    CHECK(same);
    CHECK_EQ_INT(off, t->nbytes);
    vt_tensor *back;
    CHECK_EQ_INT(vt_store_get_tensor(s, &id2, 0, &back, &e), VT_OK);
    CHECK(back && back->nbytes == t2->nbytes && memcmp(back->data, t2->data, t2->nbytes) == 0);
    vt_tensor_release(back);
    CHECK_ERR(vt_store_get_tensor(s, &id2, 1024, &back, &e), &e, VT_ELIMIT, "");
    /* Streaming writer: wrong byte counts are refused and leave nothing behind. */
    vt_store_tensor_writer *w;
    CHECK_EQ_INT(vt_store_tensor_write_begin(s, VT_F32, 1, dims, &w, &e), VT_OK);
    CHECK_EQ_INT(vt_store_tensor_write(w, t->data, 1000, &e), VT_OK);
    CHECK_ERR(vt_store_tensor_write_end(w, &id, &e), &e, VT_EINPUT, "of 9437184 bytes written");
    CHECK_EQ_INT(vt_store_tensor_write_begin(s, VT_F32, 1, dims, &w, &e), VT_OK);
    CHECK_ERR(vt_store_tensor_write(w, t->data, t->nbytes + 4, &e), &e, VT_EINPUT, "written to a tensor of");
    vt_store_tensor_write_abort(w);
    int64_t neg[1] = {-3};
    CHECK_ERR(vt_store_tensor_write_begin(s, VT_F32, 1, neg, &w, &e), &e, VT_EINPUT, "");
    /* Empty and scalar tensors. */
    int64_t zero[1] = {0};
    vt_tensor *z = vt_tensor_create(VT_I8, 1, zero, 0, &e), *sc = vt_tensor_create(VT_BF16, 0, NULL, 0, &e);
    vt_hash256 zid, sid;
    CHECK_EQ_INT(vt_store_put_tensor(s, z, &zid, &e), VT_OK);
    CHECK_EQ_INT(vt_store_put_tensor(s, sc, &sid, &e), VT_OK);
    CHECK_EQ_INT(vt_store_get_tensor(s, &zid, 0, &back, &e), VT_OK);
    CHECK(back && back->nbytes == 0 && back->dtype == VT_I8);
    vt_tensor_release(back);
    CHECK_EQ_INT(vt_store_get_tensor(s, &sid, 0, &back, &e), VT_OK);
    CHECK(back && back->rank == 0 && back->dtype == VT_BF16);
    vt_tensor_release(back);
    vt_tensor_release(z);
    vt_tensor_release(sc);
    /* 37 MiB through the streaming writer in odd pieces: several double-buffered batches. */
    int64_t bd[2] = {37, 1 << 18};
    vt_tensor *big = make_f32(2, bd, 3, 0.5f);
    vt_hash256 bid;
    CHECK_EQ_INT(vt_store_tensor_write_begin(s, VT_F32, 2, bd, &w, &e), VT_OK);
    for (size_t off = 0; off < big->nbytes;) {
        size_t k = big->nbytes - off < 3000017 ? big->nbytes - off : 3000017;
        CHECK_EQ_INT(vt_store_tensor_write(w, (uint8_t *)big->data + off, k, &e), VT_OK);
        off += k;
    }
    CHECK_EQ_INT(vt_store_tensor_write_end(w, &bid, &e), VT_OK);
    vt_tensor_id(big, 2, want);
    CHECK(memcmp(want, bid.b, 32) == 0);
    CHECK_EQ_INT(vt_store_get_tensor(s, &bid, 0, &back, &e), VT_OK);
    CHECK(back && back->nbytes == big->nbytes && memcmp(back->data, big->data, big->nbytes) == 0);
    vt_tensor_release(back);
    vt_tensor_release(big);
    vt_tensor_release(t);
    vt_tensor_release(t2);
    vt_store_fsck_report rep;
    CHECK_EQ_INT(vt_store_fsck(s, &rep, &e), VT_OK);
    CHECK_MSG(rep.errors == 0, "fsck: %s", vt_buf_cstr(&rep.log));
    vt_buf_free(&rep.log);
    vt_store_close(s, &e);
}

TEST(graphs_and_derivations) {
    vt_store *s = open_store(db_path("graphs.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 g, g2, g3;
    vt_store_graph_info info = {"logical", NULL, "{\"model\":\"tiny\"}"};
    CHECK_EQ_INT(vt_store_put_graph(s, vt_test_graph, strlen(vt_test_graph), &info, &g, &e), VT_OK);
    /* CRLF line endings and trailing blanks do not change the id. */
    vt_buf crlf;
    vt_buf_init(&crlf);
    for (const char *p = vt_test_graph; *p; p++) vt_buf_puts(&crlf, *p == '\n' ? "  \r\n" : (char[]){*p, 0});
    vt_buf_puts(&crlf, "\r\n\r\n");
    CHECK_EQ_INT(vt_store_put_graph(s, crlf.data, crlf.len, NULL, &g2, &e), VT_OK);
    CHECK(memcmp(&g, &g2, sizeof g) == 0);
    vt_buf_free(&crlf);
    vt_store_entries ents;
    CHECK_EQ_INT(vt_store_graph_entries(s, &g, &ents, &e), VT_OK);
    CHECK_EQ_INT(ents.count, 2);
    const vt_store_entry *m = vt_store_entries_find(&ents, "main"), *h = vt_store_entries_find(&ents, "helper");
    CHECK(m && m->is_public && m->n_inputs == 2 && m->n_outputs == 1 && m->inputs[0].dtype == VT_F32 &&
          m->inputs[0].rank == 2 && m->inputs[0].dims[1] == 3);
    CHECK(h && !h->is_public && h->inputs[0].rank == 0);
    vt_store_entries_free(&ents);
    char *text;
    size_t len;
    CHECK_EQ_INT(vt_store_get_graph(s, &g, &text, &len, &e), VT_OK);
    CHECK_STR(text, vt_test_graph);
    free(text);
    /* Invalid graphs are refused with the parser's message. */
    CHECK_ERR(vt_store_put_graph(s, "func.func @main( {", 18, NULL, &g3, &e), &e, VT_EINPUT, "graph");
    const char *badtype = "func.func public @main(%a: tensor<2xf32>) -> tensor<3xf32> {\n"
                          "  %0 = stablehlo.add %a, %a : tensor<3xf32>\n  return %0 : tensor<3xf32>\n}\n";
    CHECK_ERR(vt_store_put_graph(s, badtype, strlen(badtype), NULL, &g3, &e), &e, VT_EINPUT, "");
    vt_store_graph_info badrole = {"weird", NULL, NULL};
    CHECK_ERR(vt_store_put_graph(s, vt_test_graph, strlen(vt_test_graph), &badrole, &g3, &e), &e, VT_EINPUT, "role 'weird'");
    vt_store_graph_info badmeta = {NULL, NULL, "[1]"};
    CHECK_ERR(vt_store_put_graph(s, vt_test_graph, strlen(vt_test_graph), &badmeta, &g3, &e), &e, VT_EINPUT, "must be a JSON object");
    /* A verification graph derived from the logical one, and one more step. */
    const char *v2 = "func.func public @main(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
                     "  %0 = stablehlo.multiply %a, %b : tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}\n";
    const char *v3 = "func.func public @main(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {\n  return %a : tensor<2x3xf32>\n}\n";
    vt_store_graph_info vinfo = {"verification", NULL, NULL};
    CHECK_EQ_INT(vt_store_put_graph(s, v2, strlen(v2), &vinfo, &g2, &e), VT_OK);
    CHECK_EQ_INT(vt_store_put_graph(s, v3, strlen(v3), &vinfo, &g3, &e), VT_OK);
    int64_t did;
    CHECK_EQ_INT(vt_store_add_derivation(s, &g, &g2, "ar_to_tf", "{\"steps\":4}", &did, &e), VT_OK);
    CHECK_EQ_INT(vt_store_add_derivation(s, &g2, &g3, "dce", NULL, &did, &e), VT_OK);
    CHECK_ERR(vt_store_add_derivation(s, &g, &g, "x", NULL, &did, &e), &e, VT_EINPUT, "itself");
    vt_hash256 nog;
    memset(&nog, 0x22, sizeof nog);
    CHECK_ERR(vt_store_add_derivation(s, &g, &nog, "x", NULL, &did, &e), &e, VT_ECHECK, "is not in the store");
    json_t *rows;
    CHECK_EQ_INT(vt_store_lineage(s, &g, true, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 1), "graph")), vt_hash_to_hex(g3.b).s);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 1), "depth")), 2);
    json_decref(rows);
    CHECK_EQ_INT(vt_store_lineage(s, &g3, false, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 2);
    json_decref(rows);
    vt_store_filter f = {0};
    f.meta_key = "model";
    f.meta_value = "tiny";
    CHECK_EQ_INT(vt_store_list(s, "graphs", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    vt_store_close(s, &e);
}

TEST(claims_roundtrip_and_checks) {
    vt_store *s = open_store(db_path("claims.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 id, id2;
    CHECK_EQ_INT(put_sample_claim(s, 1, "bit_exact", "{\"request\":\"r1\",\"n\":3}", &id, &e), VT_OK);
    CHECK_EQ_INT(put_sample_claim(s, 2, "stamp", "{\"request\":\"r2\"}", &id2, &e), VT_OK);
    vt_store_claim c;
    CHECK_EQ_INT(vt_store_get_claim(s, &id, &c, &e), VT_OK);
    CHECK_STR(c.entry, "main");
    CHECK_STR(c.strategy, "bit_exact");
    CHECK_EQ_INT(c.n_inputs, 2);
    CHECK_EQ_INT(c.n_outputs, 1);
    /* The id is the SHA-256 of the canonical JSON of exactly these fields. */
    vt_buf canon;
    vt_buf_init(&canon);
    vt_hash256 again;
    CHECK_EQ_INT(vt_store_claim_canonical(&c, &canon, &again, &e), VT_OK);
    CHECK(memcmp(&again, &id, sizeof id) == 0);
    CHECK(strncmp(vt_buf_cstr(&canon), "{\"bundles\":[],\"config\":{},\"created_at\":\"", 39) == 0);
    CHECK(strstr(vt_buf_cstr(&canon), "\"metadata\":{\"n\":3,\"request\":\"r1\"}") != NULL);
    vt_buf_free(&canon);
    /* Any change changes the id. */
    c.entry[0] = 'M';
    vt_buf_init(&canon);
    CHECK_EQ_INT(vt_store_claim_canonical(&c, &canon, &again, &e), VT_OK);
    CHECK(memcmp(&again, &id, sizeof id) != 0);
    vt_buf_free(&canon);
    /* Signature checks on put. */
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_ECHECK, "has no function @Main");
    strcpy(c.entry, "helper");
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_ECHECK, "is private");
    strcpy(c.entry, "main");
    vt_hash256 swap = c.inputs[0];
    c.inputs[0] = c.outputs[0];
    c.outputs[0] = swap;
    c.created_at[0] = 0;
    CHECK_EQ_INT(vt_store_put_claim(s, &c, &again, &e), VT_OK); /* same shapes: allowed */
    strcpy(c.created_at, "2026-11-27T25:00:00Z");
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_EINPUT, "not an RFC 3339 UTC time");
    strcpy(c.created_at, "2026-11-27T12:00:00.5Z");
    c.n_inputs = 1;
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_ECHECK, "takes 2 inputs");
    c.n_inputs = 2;
    memset(&c.inputs[1], 0x33, sizeof c.inputs[1]);
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_ECHECK, "input 1: tensor 3333");
    int64_t d4[1] = {4};
    vt_tensor *t4 = make_f32(1, d4, 0, 1);
    CHECK_EQ_INT(vt_store_put_tensor(s, t4, &c.inputs[1], &e), VT_OK);
    vt_tensor_release(t4);
    CHECK_ERR(vt_store_put_claim(s, &c, &again, &e), &e, VT_ECHECK, "the entry point takes f32 [2,3]");
    vt_store_claim_free(&c);
    /* Parsing claim JSON: strict fields. */
    CHECK_ERR(vt_store_claim_from_json("{\"x\":1}", 7, "c.json", &c, &e), &e, VT_EINPUT, "unknown field 'x'");
    CHECK_ERR(vt_store_claim_from_json("[]", 2, "c.json", &c, &e), &e, VT_EINPUT, "must be a JSON object");
    CHECK_ERR(vt_store_claim_from_json("{\"entry\":\"main\"}", 16, "c.json", &c, &e), &e, VT_EINPUT, "missing field");
    CHECK_ERR(vt_store_claim_from_json("{", 1, "c.json", &c, &e), &e, VT_EINPUT, "c.json");
    /* Queries on claims. */
    json_t *rows;
    vt_store_filter f = {0};
    f.strategy = "stamp";
    CHECK_EQ_INT(vt_store_list(s, "claims", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    memset(&f, 0, sizeof f);
    f.meta_key = "request";
    f.meta_value = "r2";
    CHECK_EQ_INT(vt_store_list(s, "claims", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "id")), vt_hash_to_hex(id2.b).s);
    json_decref(rows);
    f.meta_key = "n"; /* numbers compare as text; the swapped claim kept the metadata */
    f.meta_value = "3";
    CHECK_EQ_INT(vt_store_list(s, "claims", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 2);
    json_decref(rows);
    f.meta_key = "bad\"key";
    CHECK_ERR(vt_store_list(s, "claims", &f, &rows, &e), &e, VT_EUSAGE, "quotes");
    memset(&f, 0, sizeof f);
    f.op_id = "x";
    CHECK_ERR(vt_store_list(s, "claims", &f, &rows, &e), &e, VT_EUSAGE, "--op does not apply");
    CHECK_ERR(vt_store_list(s, "nonsense", NULL, &rows, &e), &e, VT_EUSAGE, "unknown kind");
    /* show: by prefix, with what the claim references. */
    json_t *j;
    char prefix[9];
    memcpy(prefix, vt_hash_to_hex(id.b).s, 8);
    prefix[8] = 0;
    CHECK_EQ_INT(vt_store_show(s, prefix, &j, &e), VT_OK);
    CHECK_STR(json_string_value(json_object_get(j, "kind")), "claim");
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tensors")), 3);
    json_decref(j);
    CHECK_ERR(vt_store_show(s, "zz", &j, &e), &e, VT_EUSAGE, "at least 4 hex digits");
    CHECK_ERR(vt_store_show(s, "ffffffffffff", &j, &e), &e, VT_ECHECK, "nothing in the store");
    vt_store_close(s, &e);
}

TEST(canonical_json_rfc8785) {
    struct {
        const char *in, *out;
    } cases[] = {
        /* RFC 8785 appendix and section 3.2.2 examples */
        {"{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}",
         "{\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27]}"},
        {"[1e21, 1e20, 1e-7, 1e-6, -0.0, 0.1, 100, -5e-324, 1.7976931348623157e308]",
         "[1e+21,100000000000000000000,1e-7,0.000001,0,0.1,100,-5e-324,1.7976931348623157e+308]"},
        {"{\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\"}",
         "{\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"},
        {"{\"\\u20ac\":1,\"\\r\":2,\"\\ud83d\\ude00\":3,\"1\":4,\"\\u0080\":5,\"\\ufb33\":6,\"\\u00f6\":7}",
         "{\"\\r\":2,\"1\":4,\"\xc2\x80\":5,\"\xc3\xb6\":7,\"\xe2\x82\xac\":1,\"\xf0\x9f\x98\x80\":3,\"\xef\xac\xb3\":6}"},
        {"{\"b\":[true,false,null,{}],\"a\":{\"z\":1,\"y\":[]}}", "{\"a\":{\"y\":[],\"z\":1},\"b\":[true,false,null,{}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vt_error e;
        json_t *j = vt_json_parse(cases[i].in, strlen(cases[i].in), "case", &e);
        CHECK_MSG(j != NULL, "case %zu: %s", i, e.msg);
        vt_buf b;
        vt_buf_init(&b);
        CHECK_EQ_INT(vt_canonical_json(j, &b, &e), VT_OK);
        CHECK_STR(vt_buf_cstr(&b), cases[i].out);
        vt_buf_free(&b);
        json_decref(j);
    }
    vt_error e;
    json_t *big = json_integer(9007199254740993LL);
    vt_buf b;
    vt_buf_init(&b);
    CHECK_ERR(vt_canonical_json(big, &b, &e), &e, VT_EINPUT, "beyond 2^53");
    vt_buf_free(&b);
    json_decref(big);
}

TEST(traces_events_window_index) {
    vt_store *s = open_store(db_path("events.vdb"), VT_STORE_CREATE);
    vt_error e;
    int64_t tr;
    CHECK_EQ_INT(vt_store_trace_begin(s, NULL, 1000, "{\"job\":\"j1\"}", &tr, &e), VT_OK);
    vt_store_event ev[300];
    char ops[300][32];
    const char *devs[3] = {"gpu0", "gpu1", "gpu2"};
    for (int i = 0; i < 300; i++) {
        snprintf(ops[i], sizeof ops[i], "@main/%d", i % 7);
        ev[i] = (vt_store_event){1000 + i * 10, (vt_event_kind)(i % VT_EV_KIND_COUNT), devs[i % 3], ops[i], i, NULL, NULL};
    }
    ev[5].payload_json = "{\"k\":1}";
    CHECK_EQ_INT(vt_store_events_append(s, tr, ev, 300, &e), VT_OK);
    CHECK_EQ_INT(vt_store_trace_end(s, tr, 4000, &e), VT_OK);
    CHECK_ERR(vt_store_trace_span(s, tr, 5000, 4000, &e), &e, VT_EINPUT, "is before start");
    CHECK_ERR(vt_store_trace_end(s, 77, 4000, &e), &e, VT_EINPUT, "trace 77 does not exist");
    CHECK_EQ_INT(vt_store_trace_span(s, tr, 1000, 3990, &e), VT_OK);
    vt_store_event bad = {1, VT_EV_SYNC, NULL, NULL, -1, "{oops", NULL};
    CHECK_ERR(vt_store_events_append(s, tr, &bad, 1, &e), &e, VT_EINPUT, "payload");
    bad.payload_json = NULL;
    CHECK_ERR(vt_store_events_append(s, 999, &bad, 1, &e), &e, VT_EINPUT, "trace 999 does not exist");
    bad.kind = (vt_event_kind)77;
    CHECK_ERR(vt_store_events_append(s, tr, &bad, 1, &e), &e, VT_EINPUT, "invalid kind");
    vt_hash256 nobj;
    memset(&nobj, 0x44, sizeof nobj);
    bad.kind = VT_EV_CUSTOM;
    bad.payload_obj = &nobj;
    CHECK_ERR(vt_store_events_append(s, tr, &bad, 1, &e), &e, VT_EINPUT, "payload object is not in the store");
    vt_store_filter f = {0};
    f.has_time = true;
    f.t0 = 1100;
    f.t1 = 1190;
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(s, "events", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 10);
    json_decref(rows);
    char *plan;
    CHECK_EQ_INT(vt_store_list_plan(s, "events", &f, &plan, &e), VT_OK);
    CHECK_MSG(strstr(plan, "USING INDEX events_ts") || strstr(plan, "USING COVERING INDEX events_ts"),
              "time window plan: %s", plan);
    free(plan);
    f.trace = tr;
    CHECK_EQ_INT(vt_store_list_plan(s, "events", &f, &plan, &e), VT_OK);
    CHECK_MSG(strstr(plan, "USING INDEX events_trace_ts (trace_id=? AND ts_ns>? AND ts_ns<?)"), "trace window plan: %s", plan);
    free(plan);
    memset(&f, 0, sizeof f);
    f.device = "gpu0,gpu2";
    CHECK_EQ_INT(vt_store_list(s, "events", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 200);
    json_decref(rows);
    CHECK_EQ_INT(vt_store_list_plan(s, "events", &f, &plan, &e), VT_OK);
    CHECK_MSG(strstr(plan, "events_device_ts"), "device plan: %s", plan);
    free(plan);
    memset(&f, 0, sizeof f);
    f.op_id = "@main/3";
    f.limit = 5;
    CHECK_EQ_INT(vt_store_list(s, "events", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 5);
    json_decref(rows);
    CHECK_EQ_INT(vt_store_list_plan(s, "events", &f, &plan, &e), VT_OK);
    CHECK_MSG(strstr(plan, "events_op_ts"), "op plan: %s", plan);
    free(plan);
    json_t *j;
    CHECK_EQ_INT(vt_store_show(s, "trace:1", &j, &e), VT_OK);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "events"), 0), "count")), 300);
    json_decref(j);
    CHECK_ERR(vt_store_show(s, "trace:x", &j, &e), &e, VT_EUSAGE, "bad number");
    vt_store_close(s, &e);
}

TEST(bundles_checkpoints) {
    vt_store *s = open_store(db_path("bundles.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_hash256 g, t[5], b[5];
    CHECK_EQ_INT(vt_store_put_graph(s, vt_test_graph, strlen(vt_test_graph), NULL, &g, &e), VT_OK);
    int64_t d[1] = {16};
    for (int i = 0; i < 5; i++) {
        vt_tensor *x = make_f32(1, d, (float)i, 1);
        CHECK_EQ_INT(vt_store_put_tensor(s, x, &t[i], &e), VT_OK);
        vt_tensor_release(x);
        vt_store_bundle_tensor bt = {"weights", "w", t[i]};
        vt_store_bundle_seed sd = {"dropout", "0x00000001:0x00000002"};
        char meta[64];
        snprintf(meta, sizeof meta, "{\"loss\":%d.5}", 5 - i);
        vt_store_bundle bu = {&g, "checkpoint", true, i * 100, &bt, 1, &sd, 1, meta, "2026-11-27T00:00:00Z"};
        CHECK_EQ_INT(vt_store_put_bundle(s, &bu, &b[i], &e), VT_OK);
    }
    vt_store_filter f = {0};
    f.graph = vt_hash_to_hex(g.b).s;
    f.kind = "checkpoint";
    f.latest = true;
    f.limit = 2;
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(s, "bundles", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 0), "step")), 400);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 1), "step")), 300);
    json_decref(rows);
    char *js;
    CHECK_EQ_INT(vt_store_get_bundle_json(s, &b[2], &js, &e), VT_OK);
    CHECK(strstr(js, "\"step\":200") && strstr(js, "\"seeds\":{\"dropout\":\"0x00000001:0x00000002\"}"));
    free(js);
    vt_store_bundle_tensor bt = {"grads", "w", t[0]};
    vt_store_bundle bu = {NULL, "checkpoint", false, 0, &bt, 1, NULL, 0, NULL, NULL};
    vt_hash256 x;
    CHECK_ERR(vt_store_put_bundle(s, &bu, &x, &e), &e, VT_EINPUT, "role 'grads'");
    bu.created_at = "2026-11-27 00:00:00";
    CHECK_ERR(vt_store_put_bundle(s, &bu, &x, &e), &e, VT_EINPUT, "not an RFC 3339 UTC time");
    bu.created_at = NULL;
    bu.kind = "snapshot";
    CHECK_ERR(vt_store_put_bundle(s, &bu, &x, &e), &e, VT_EINPUT, "kind 'snapshot'");
    bu.kind = "execution";
    bt.role = "inputs";
    memset(&bt.tensor, 0x55, sizeof bt.tensor);
    CHECK_ERR(vt_store_put_bundle(s, &bu, &x, &e), &e, VT_ECHECK, "is not in the store");
    vt_store_bundle_seed sd = {"k", "not a key"};
    bt.tensor = t[0];
    bu.seeds = &sd;
    bu.n_seeds = 1;
    CHECK_ERR(vt_store_put_bundle(s, &bu, &x, &e), &e, VT_EINPUT, "bad key");
    /* A claim resting on a bundle. */
    vt_hash256 cid;
    CHECK_EQ_INT(put_sample_claim(s, 3, "training_replay", NULL, &cid, &e), VT_OK);
    vt_store_close(s, &e);
}

TEST(devices_import) {
    const char *path = db_path("devices.vdb");
    vt_store *s = open_store(path, VT_STORE_CREATE);
    vt_error e;
    char f[600];
    snprintf(f, sizeof f, "%s/devices.json", vt_test_tmpdir());
    const char *js = "{\"devices\":[{\"id\":\"gpu0\",\"kind\":\"gpu\",\"model\":\"H100\",\"memory_bytes\":85899345920,"
                     "\"peak_flops\":9.89e14,\"mem_bandwidth\":3.35e12,\"host\":\"n1\",\"properties\":{\"sm\":132}},"
                     "{\"id\":\"gpu1\",\"kind\":\"gpu\"}],\"links\":[{\"a\":\"gpu0\",\"b\":\"gpu1\",\"bandwidth\":4.5e11,"
                     "\"latency_ns\":1000}]}";
    CHECK_EQ_INT(vt_write_file_atomic(f, js, strlen(js), &e), VT_OK);
    size_t nd, nl;
    CHECK_EQ_INT(vt_store_import_devices(s, f, &nd, &nl, &e), VT_OK);
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_INT(nl, 1);
    /* SLURM subset */
    snprintf(f, sizeof f, "%s/slurm.conf", vt_test_tmpdir());
    const char *sl = "# gres.conf\nNodeName=node[1-2] Name=gpu Type=a100 File=/dev/nvidia[0-3] Memory=80G\n"
                     "NodeName=cpu01 Name=cpu Count=2\n\n"
                     "SwitchName=leaf0 Nodes=node[1-2],cpu01 LinkSpeed=100\nSwitchName=spine Switches=leaf0\n";
    CHECK_EQ_INT(vt_write_file_atomic(f, sl, strlen(sl), &e), VT_OK);
    CHECK_EQ_INT(vt_store_import_devices(s, f, &nd, &nl, &e), VT_OK);
    CHECK_EQ_INT(nd, 3 + 8 + 2 + 2); /* nodes, gpus, cpus, switches */
    CHECK_EQ_INT(nl, 8 + 2 + 3 + 1);
    json_t *rows;
    vt_store_filter flt = {0};
    flt.kind = "gpu";
    CHECK_EQ_INT(vt_store_list(s, "devices", &flt, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 10);
    json_t *n2 = NULL;
    for (size_t i = 0; i < json_array_size(rows); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(rows, i), "id")), "node2/gpu3")) n2 = json_array_get(rows, i);
    CHECK(n2 && json_integer_value(json_object_get(n2, "memory_bytes")) == 80LL << 30);
    CHECK(n2 && !strcmp(json_string_value(json_object_get(json_object_get(n2, "properties"), "file")), "/dev/nvidia3"));
    json_decref(rows);
    /* Bad files: nothing is imported. */
    struct {
        const char *text, *frag;
        vt_status code;
    } bad[] = {
        {"{\"devices\":[{\"id\":\"x\"}]}", "needs string id and kind", VT_EINPUT},
        {"{\"devices\":[{\"id\":\"x\",\"kind\":\"gpu\"}],\"links\":[{\"a\":\"x\",\"b\":\"nope\"}]}", "does not exist", VT_EINPUT},
        {"{\"devices\":[], \"devices\":[]}", "duplicate", VT_EINPUT},
        {"{\"devices\": 3}", "expected {", VT_EINPUT},
        {"NodeName=n[1-3 Name=gpu Count=1\n", "unbalanced", VT_EINPUT},
        {"NodeName=n[3-1] Name=gpu Count=1\n", "descending", VT_EINPUT},
        {"NodeName=n[1-99999999] Name=gpu Count=1\n", "expands to more than", VT_ELIMIT},
        {"NodeName=n1 Name=gpu Count=1 Weight=3\n", "key 'Weight'", VT_EUNSUPPORTED},
        {"NodeName=n1 Name=gpu File=/dev/a[0-1] Count=3\n", "Count=3 but File= names 2", VT_EINPUT},
        {"NodeName=n[1-2]x[1-2] Name=gpu Count=1\n", "more than one [...]", VT_EUNSUPPORTED},
        {"SwitchName=s Nodes=a LinkSpeed=fast\n", "bad LinkSpeed", VT_EINPUT},
        {"garbage\n", "expected Key=Value", VT_EINPUT},
        {"NodeName=a Name=gpu Count=1 \\\n", "line continuations", VT_EUNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(f, sizeof f, "%s/bad%zu.conf", vt_test_tmpdir(), i);
        CHECK_EQ_INT(vt_write_file_atomic(f, bad[i].text, strlen(bad[i].text), &e), VT_OK);
        CHECK_ERR(vt_store_import_devices(s, f, &nd, &nl, &e), &e, bad[i].code, bad[i].frag);
        CHECK_EQ_INT(nd, 0);
    }
    CHECK_EQ_INT(vt_store_list(s, "devices", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 17);
    json_decref(rows);
    char big[600];
    snprintf(big, sizeof big, "%s/huge.json", vt_test_tmpdir());
    {
        size_t n = (16u << 20) + 1;
        char *txt = malloc(n);
        memset(txt, ' ', n);
        txt[0] = '{';
        CHECK_EQ_INT(vt_write_file_atomic(big, txt, n, &e), VT_OK);
        free(txt);
    }
    CHECK_ERR(vt_store_import_devices(s, big, &nd, &nl, &e), &e, VT_ELIMIT, "exceeds the input limit");
    snprintf(f, sizeof f, "%s/nul.conf", vt_test_tmpdir());
    CHECK_EQ_INT(vt_write_file_atomic(f, "NodeName=a\0 Name=gpu", 21, &e), VT_OK);
    CHECK_ERR(vt_store_import_devices(s, f, &nd, &nl, &e), &e, VT_EINPUT, "NUL byte");
    snprintf(big, sizeof big, "%s/nonexistent.json", vt_test_tmpdir());
    CHECK_ERR(vt_store_import_devices(s, big, &nd, &nl, &e), &e, VT_EIO, "cannot open");
    vt_store_close(s, &e);
}

TEST(challenges_and_gc) {
    vt_store *s = open_store(db_path("chal.vdb"), VT_STORE_CREATE);
    vt_error e;
    vt_store_challenge c = {"memory_spot_check", "gpu0", "@main/3", "0x1:0x2", "{\"bytes\":4096}", 100, 200};
    int64_t id;
    CHECK_EQ_INT(vt_store_put_challenge(s, &c, &id, &e), VT_OK);
    CHECK_EQ_INT(vt_store_respond_challenge(s, id, "resp", 4, 150, &e), VT_OK);
    CHECK_ERR(vt_store_respond_challenge(s, id, "again", 5, 160, &e), &e, VT_EINPUT, "already answered");
    CHECK_ERR(vt_store_respond_challenge(s, 99, "x", 1, 160, &e), &e, VT_EINPUT, "does not exist");
    json_t *rows;
    vt_store_filter f = {0};
    f.device = "gpu0";
    CHECK_EQ_INT(vt_store_list(s, "challenges", &f, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    /* An orphan object: fsck reports it (not as corruption), gc removes it, the response stays. */
    vt_hash256 h;
    CHECK_EQ_INT(vt_store_put_object(s, "orphan bytes", 12, &h, &e), VT_OK);
    vt_store_fsck_report r;
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK_EQ_INT(r.errors, 0);
    CHECK_EQ_INT(r.orphans, 1);
    CHECK(strstr(vt_buf_cstr(&r.log), vt_hash_to_hex(h.b).s) != NULL);
    vt_buf_free(&r.log);
    uint64_t n, b;
    CHECK_EQ_INT(vt_store_gc(s, &n, &b, &e), VT_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(b, 12);
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK_EQ_INT(r.orphans, 0);
    CHECK_EQ_INT(r.objects_checked, 1);
    vt_buf_free(&r.log);
    json_t *info;
    CHECK_EQ_INT(vt_store_info(s, &info, &e), VT_OK);
    CHECK_EQ_INT(json_integer_value(json_object_get(info, "schema_version")), vt_store_schema_version());
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(info, "counts"), "challenges")), 1);
    json_decref(info);
    vt_store_close(s, &e);
}

TEST(transactions_all_or_nothing) {
    vt_store *s = open_store(db_path("tx.vdb"), VT_STORE_CREATE);
    vt_error e;
    CHECK_EQ_INT(vt_store_begin(s, &e), VT_OK);
    int64_t d[1] = {8};
    vt_tensor *t = make_f32(1, d, 0, 1);
    vt_hash256 id;
    CHECK_EQ_INT(vt_store_put_tensor(s, t, &id, &e), VT_OK);
    vt_tensor_release(t);
    vt_store_rollback(s);
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(s, "tensors", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 0);
    json_decref(rows);
    CHECK_EQ_INT(vt_store_list(s, "objects", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 0);
    json_decref(rows);
    /* A failing step inside an outer transaction makes the outer commit roll back. */
    CHECK_EQ_INT(vt_store_begin(s, &e), VT_OK);
    t = make_f32(1, d, 0, 1);
    CHECK_EQ_INT(vt_store_put_tensor(s, t, &id, &e), VT_OK);
    vt_tensor_release(t);
    vt_store_claim c;
    memset(&c, 0, sizeof c);
    strcpy(c.entry, "main");
    strcpy(c.strategy, "x");
    CHECK_ERR(vt_store_put_claim(s, &c, &id, &e), &e, VT_ECHECK, "is not in the store");
    CHECK_EQ_INT(vt_store_commit(s, &e), VT_OK); /* put_claim failed before writing: nothing poisoned */
    CHECK_EQ_INT(vt_store_list(s, "tensors", NULL, &rows, &e), VT_OK);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    vt_store_close(s, &e);
    /* Read-only stores refuse writes. */
    char path[600];
    snprintf(path, sizeof path, "%s/tx.vdb", vt_test_tmpdir());
    vt_store *r = open_store(path, VT_STORE_VERIFY);
    vt_hash256 h;
    CHECK_ERR(vt_store_put_object(r, "x", 1, &h, &e), &e, VT_EUSAGE, "read-only");
    CHECK_ERR(vt_store_begin(r, &e), &e, VT_EUSAGE, "read-only");
    vt_store_close(r, &e);
}

TEST(bulk_ingest_mode) {
    const char *path = db_path("bulk.vdb");
    vt_store *s = open_store(path, VT_STORE_CREATE);
    vt_error e;
    /* Not inside a transaction, not while another connection has the file open. */
    CHECK_EQ_INT(vt_store_begin(s, &e), VT_OK);
    CHECK_ERR(vt_store_set_bulk(s, true, &e), &e, VT_EUSAGE, "inside a transaction");
    vt_store_rollback(s);
    vt_store_options ro = {VT_STORE_READ, false, 1, true};
    vt_store *reader;
    CHECK_EQ_INT(vt_store_open(path, &ro, &reader, &e), VT_OK);
    json_t *rows;
    CHECK_EQ_INT(vt_store_list(reader, "tensors", NULL, &rows, &e), VT_OK); /* holds the WAL index open */
    json_decref(rows);
    CHECK_ERR(vt_store_set_bulk(s, true, &e), &e, VT_EIO, "another connection has the file open");
    CHECK_ERR(vt_store_set_bulk(reader, true, &e), &e, VT_EUSAGE, "read-only");
    vt_store_close(reader, &e);
    /* Alone: on, a multi-chunk tensor goes in (no -wal grows), off again, all reads back. */
    CHECK_EQ_INT(vt_store_set_bulk(s, true, &e), VT_OK);
    CHECK_EQ_INT(vt_store_set_bulk(s, true, &e), VT_OK); /* idempotent */
    int64_t dims[1] = {(5 << 20) / 4 + 3};
    vt_tensor *t = make_f32(1, dims, 1, 0.5f);
    vt_hash256 id;
    CHECK_EQ_INT(vt_store_put_tensor(s, t, &id, &e), VT_OK);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    FILE *f = fopen(side, "rb");
    CHECK_MSG(f == NULL, "bulk mode wrote a WAL");
    if (f) fclose(f);
    snprintf(side, sizeof side, "%s-journal", path);
    CHECK_MSG((f = fopen(side, "rb")) == NULL, "a journal is left after commit");
    if (f) fclose(f);
    CHECK_EQ_INT(vt_store_set_bulk(s, false, &e), VT_OK);
    int64_t d2[1] = {7};
    vt_tensor *small = make_f32(1, d2, 3, 1);
    vt_hash256 id2;
    CHECK_EQ_INT(vt_store_put_tensor(s, small, &id2, &e), VT_OK); /* back in WAL mode */
    CHECK_EQ_INT(vt_store_close(s, &e), VT_OK);
    s = open_store(path, VT_STORE_VERIFY);
    vt_tensor *back = NULL;
    CHECK_EQ_INT(vt_store_get_tensor(s, &id, 0, &back, &e), VT_OK);
    CHECK(back && back->nbytes == t->nbytes && memcmp(back->data, t->data, t->nbytes) == 0);
    vt_tensor_release(back);
    CHECK_EQ_INT(vt_store_get_tensor(s, &id2, 0, &back, &e), VT_OK);
    vt_tensor_release(back);
    vt_store_close(s, &e);
    vt_tensor_release(t);
    vt_tensor_release(small);
}

/* The statement cache: a statement reused while an outer use of the same SQL is still stepping
 * (fsck walks objects while reading objects), many distinct statements (eviction), and the
 * cache switched off mid-way; results must not change. */
TEST(statement_cache) {
    const char *path = db_path("cache.vdb");
    vt_store *s = open_store(path, VT_STORE_CREATE);
    vt_error e;
    vt_hash256 ids[80];
    for (int i = 0; i < 80; i++) {
        char txt[32];
        int n = snprintf(txt, sizeof txt, "object %d", i);
        CHECK_EQ_INT(vt_store_put_object(s, txt, (size_t)n, &ids[i], &e), VT_OK);
    }
    /* 80 distinct filters: more distinct SQL texts than cache slots. */
    for (int i = 0; i < 80; i++) {
        vt_store_filter f = {0};
        f.limit = i + 1;
        json_t *rows;
        CHECK_EQ_INT(vt_store_list(s, "objects", &f, &rows, &e), VT_OK);
        CHECK_EQ_INT(json_array_size(rows), (size_t)(i + 1));
        json_decref(rows);
    }
    vt_store_fsck_report rep;
    CHECK_EQ_INT(vt_store_fsck(s, &rep, &e), VT_OK);
    CHECK_EQ_INT((int)rep.objects_checked, 80);
    CHECK_EQ_INT((int)rep.errors, 0);
    vt_buf_free(&rep.log);
    vt_store_set_stmt_cache(s, false);
    for (int i = 0; i < 80; i += 7) {
        void *d;
        size_t n;
        CHECK_EQ_INT(vt_store_get_object(s, &ids[i], 0, &d, &n, &e), VT_OK);
        free(d);
    }
    vt_store_set_stmt_cache(s, true);
    CHECK_EQ_INT(vt_store_fsck(s, &rep, &e), VT_OK);
    CHECK_EQ_INT((int)rep.objects_checked, 80);
    vt_buf_free(&rep.log);
    CHECK_EQ_INT(vt_store_close(s, &e), VT_OK);
}

int main(void) {
    RUN(objects_roundtrip);
    RUN(tensors_multichunk_dedup_stream);
    RUN(graphs_and_derivations);
    RUN(claims_roundtrip_and_checks);
    RUN(canonical_json_rfc8785);
    RUN(traces_events_window_index);
    RUN(bundles_checkpoints);
    RUN(devices_import);
    RUN(challenges_and_gc);
    RUN(transactions_all_or_nothing);
    RUN(bulk_ingest_mode);
    RUN(statement_cache);
    return vt_test_finish();
}
