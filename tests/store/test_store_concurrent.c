/* Concurrency: one writer process ingesting claims while two reader processes (live, read-only,
 * defensive) list claims, read and re-hash every tensor and check each claim's arithmetic
 * (output = input0 + input1), and run fsck on their snapshot: no errors, no torn reads. Once with
 * the writer in WAL mode (readers read beside it), once in bulk mode (rollback journal: readers
 * wait while a transaction writes, and every tenth transaction also stores a 12 MiB tensor). */
#include "store_test_util.h"

#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLAIMS 60

static int reader(const char *path, const char *done_flag) {
    vt_store_options o = {VT_STORE_READ, false, 1, true};
    vt_store *s = NULL;
    vt_error e;
    if (vt_store_open(path, &o, &s, &e) != VT_OK) {
        fprintf(stderr, "reader open: %s\n", e.msg);
        return 10;
    }
    size_t max_seen = 0;
    int passes = 0, rc = 0;
    for (;;) {
        bool last = access(done_flag, F_OK) == 0;
        json_t *rows;
        if (vt_store_list(s, "claims", NULL, &rows, &e) != VT_OK) {
            fprintf(stderr, "reader list: %s\n", e.msg);
            rc = 11;
            break;
        }
        if (json_array_size(rows) < max_seen) {
            fprintf(stderr, "reader: claims went from %zu to %zu\n", max_seen, json_array_size(rows));
            rc = 12;
        }
        max_seen = json_array_size(rows);
        for (size_t i = 0; !rc && i < json_array_size(rows); i++) {
            vt_hash256 h;
            vt_hash256_parse(json_string_value(json_object_get(json_array_get(rows, i), "id")), &h);
            vt_store_claim c;
            if (vt_store_get_claim(s, &h, &c, &e) != VT_OK) {
                fprintf(stderr, "reader claim: %s\n", e.msg);
                rc = 13;
                break;
            }
            vt_tensor *t[3] = {0};
            for (int k = 0; k < 3 && !rc; k++)
                if (vt_store_get_tensor(s, k < 2 ? &c.inputs[k] : &c.outputs[0], 0, &t[k], &e) != VT_OK) {
                    fprintf(stderr, "reader tensor: %s\n", e.msg);
                    rc = 14;
                }
            for (int k = 0; !rc && k < 6; k++)
                if (((float *)t[2]->data)[k] != ((float *)t[0]->data)[k] + ((float *)t[1]->data)[k]) rc = 15;
            for (int k = 0; k < 3; k++) vt_tensor_release(t[k]);
            vt_store_claim_free(&c);
        }
        json_decref(rows);
        if (!rc && passes % 5 == 0) {
            vt_store_fsck_report r;
            if (vt_store_fsck(s, &r, &e) != VT_OK || r.errors) {
                fprintf(stderr, "reader fsck: %s %s\n", e.msg, vt_buf_cstr(&r.log));
                rc = 16;
            }
            vt_buf_free(&r.log);
        }
        passes++;
        if (rc || last) break;
    }
    vt_store_close(s, &e);
    if (!rc && max_seen != CLAIMS) {
        fprintf(stderr, "reader saw %zu of %d claims at the end\n", max_seen, CLAIMS);
        rc = 17;
    }
    if (!rc && passes < 2) rc = 18;
    return rc;
}

static void one_writer_two_readers(bool bulk) {
    const char *path = db_path(bulk ? "conc_bulk.vdb" : "conc.vdb");
    char flag[600];
    snprintf(flag, sizeof flag, "%s/conc.done", vt_test_tmpdir());
    remove(flag);
    vt_store *w = open_store(path, VT_STORE_CREATE);
    vt_error e;
    vt_hash256 id;
    CHECK_EQ_INT(put_sample_claim(w, 0, "bit_exact", NULL, &id, &e), VT_OK); /* readers find a schema and a claim */
    if (bulk) CHECK_EQ_INT(vt_store_set_bulk(w, true, &e), VT_OK); /* before the readers open it */
    fflush(NULL);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) _exit(reader(path, flag));
    }
    int64_t big_dims[1] = {3 << 20};
    vt_tensor *big = bulk ? make_f32(1, big_dims, 0, 1) : NULL;
    for (int i = 1; i < CLAIMS; i++) {
        vt_status st = vt_store_begin(w, &e);
        if (!st && big && i % 10 == 0) {
            ((float *)big->data)[0] = (float)i; /* a new tensor each time */
            vt_hash256 bid;
            st = vt_store_put_tensor(w, big, &bid, &e);
        }
        if (!st) st = put_sample_claim(w, (float)i, "bit_exact", NULL, &id, &e);
        if (!st) st = vt_store_commit(w, &e);
        else vt_store_rollback(w);
        CHECK_MSG(st == VT_OK, "writer: %s", e.msg);
        usleep(2000);
    }
    FILE *f = fopen(flag, "w");
    if (f) fclose(f);
    for (int i = 0; i < 2; i++) {
        int status;
        waitpid(kids[i], &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader %d failed (status %d)", i, status);
    }
    vt_tensor_release(big);
    CHECK_EQ_INT(vt_store_close(w, &e), VT_OK);
    /* After the last connection closed, the file is in hand-over form again. */
    vt_store *v = open_store(path, VT_STORE_VERIFY);
    vt_store_close(v, &e);
}

TEST(wal_writer_two_readers) { one_writer_two_readers(false); }
TEST(bulk_writer_two_readers) { one_writer_two_readers(true); }

int main(void) {
    RUN(wal_writer_two_readers);
    RUN(bulk_writer_two_readers);
    return vt_test_finish();
}
