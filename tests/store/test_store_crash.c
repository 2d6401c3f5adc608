/* Crash safety: a writer ingesting claims (tensors + bundle + claim per transaction) is killed
 * with SIGKILL at random points, 20 times in WAL mode and 5 times in bulk mode (rollback journal,
 * 36 MiB checkpoints that overflow the page cache mid-transaction); after each kill the file is
 * recovered by a writer open, fsck finds nothing wrong (no corruption, no orphans) and every
 * claim the writer reported committed is there and reads back intact. */
#include "store_test_util.h"

#include <jansson.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20
#define BULK_ROUNDS 5

/* Written to the pipe (in bulk mode) once the weights are in: the transaction is open and has
 * overflowed the page cache into the file. */
static const uint8_t MARK[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* One claim with a weights bundle (256 KiB, or 36 MiB in bulk mode after the first), all in one
 * transaction. */
static vt_status ingest_one(vt_store *s, int n, bool bulk, bool big, int fd, vt_hash256 *id, vt_error *e) {
    vt_status st = vt_store_begin(s, e);
    if (st) return st;
    int64_t wd[1] = {big ? 9 << 20 : 1 << 16};
    vt_tensor *w = make_f32(1, wd, (float)n, 0.25f);
    vt_store_bundle_tensor bt = {"weights", "w", {{0}}};
    st = vt_store_put_tensor(s, w, &bt.tensor, e);
    vt_tensor_release(w);
    if (!st && bulk && write(fd, MARK, sizeof MARK) != (ssize_t)sizeof MARK) _exit(5);
    vt_hash256 bid;
    if (!st) {
        vt_store_bundle b = {NULL, "checkpoint", true, n, &bt, 1, NULL, 0, NULL, "2026-11-27T00:00:00Z"};
        st = vt_store_put_bundle(s, &b, &bid, e);
    }
    vt_hash256 cid;
    if (!st) st = put_sample_claim(s, (float)n, "bit_exact", NULL, &cid, e); /* nests in our transaction */
    if (st) {
        vt_store_rollback(s);
        return st;
    }
    st = vt_store_commit(s, e);
    *id = cid;
    return st;
}

static void writer(const char *path, int round, bool bulk, int fd) {
    vt_store_options o = {VT_STORE_RW, false, 1, false};
    vt_store *s;
    vt_error e;
    if (vt_store_open(path, &o, &s, &e) != VT_OK) _exit(3);
    if (bulk && vt_store_set_bulk(s, true, &e) != VT_OK) _exit(6);
    for (int i = 0;; i++) {
        vt_hash256 id;
        if (ingest_one(s, round * 100000 + i, bulk, bulk && i > 0, fd, &id, &e) != VT_OK) _exit(4);
        /* Reported only after the commit returned. */
        if (write(fd, id.b, sizeof id.b) != (ssize_t)sizeof id.b) _exit(5);
    }
}

static void check_claim_intact(vt_store *s, const vt_hash256 *id) {
    vt_error e;
    vt_store_claim c;
    vt_status st = vt_store_get_claim(s, id, &c, &e);
    CHECK_MSG(st == VT_OK, "committed claim %s: %s", vt_hash_to_hex(id->b).s, e.msg);
    if (st) return;
    vt_tensor *a = NULL, *b = NULL, *out = NULL;
    CHECK_EQ_INT(vt_store_get_tensor(s, &c.inputs[0], 0, &a, &e), VT_OK);
    CHECK_EQ_INT(vt_store_get_tensor(s, &c.inputs[1], 0, &b, &e), VT_OK);
    CHECK_EQ_INT(vt_store_get_tensor(s, &c.outputs[0], 0, &out, &e), VT_OK);
    if (a && b && out)
        for (int i = 0; i < 6; i++)
            CHECK(((float *)out->data)[i] == ((float *)a->data)[i] + ((float *)b->data)[i]);
    vt_tensor_release(a);
    vt_tensor_release(b);
    vt_tensor_release(out);
    vt_store_claim_free(&c);
}

static bool journal_beside(const char *path) {
    char j[600];
    snprintf(j, sizeof j, "%s-journal", path);
    FILE *f = fopen(j, "rb");
    if (!f) return false;
    bool content = fgetc(f) != EOF;
    fclose(f);
    return content;
}

/* bulk: every round on a fresh file (fsck re-hashes everything, and bulk rounds hold 36 MiB
 * per claim), killed up to 400 ms after the first commit. */
static void kill_rounds(bool bulk, int rounds) {
    const char *path = db_path(bulk ? "crash_bulk.vdb" : "crash.vdb");
    vt_store *s = open_store(path, VT_STORE_CREATE);
    vt_error e;
    vt_store_close(s, &e);
    unsigned seed = bulk ? 777 : 12345;
    size_t total_reported = 0;
    int hot_journals = 0;
    for (int round = 0; round < rounds; round++) {
        if (bulk && round) {
            path = db_path("crash_bulk.vdb");
            s = open_store(path, VT_STORE_CREATE);
            vt_store_close(s, &e);
        }
        int p[2];
        CHECK(pipe(p) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            writer(path, round, bulk, p[1]);
        }
        close(p[1]);
        /* Wait for the first commit (start-up time varies a lot on a loaded machine), then kill
         * at a random point of the ingest that follows; in bulk mode, after the next transaction
         * has written its weights: at once (inside it) or within 60 ms (its commit, or later). */
        vt_hash256 ids[4096];
        size_t got = 0;
        ssize_t r;
        for (bool committed = false, marked = false; !(committed && (marked || !bulk));) {
            size_t want = got + sizeof ids[0];
            while (got < want && (r = read(p[0], (uint8_t *)ids + got, want - got)) > 0) got += (size_t)r;
            if (got < want) break; /* the writer died: waitpid below says how */
            bool is_mark = !memcmp(&ids[got / sizeof ids[0] - 1], MARK, sizeof MARK);
            if (is_mark) got -= sizeof ids[0];
            if (committed && is_mark) marked = true;
            if (!is_mark) committed = true;
        }
        int pick = rand_r(&seed);
        struct timespec ts = {0, (long)(bulk ? (pick % 3 ? pick % 60 : 0) : pick % 80) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "round %d: writer ended on its own (status %d)",
                  round, status);
        /* Everything the writer reported as committed. */
        size_t n = 0;
        while ((r = read(p[0], (uint8_t *)ids + got, sizeof ids - got)) > 0) got += (size_t)r;
        if (bulk) { /* drop the marks */
            size_t k = 0;
            for (size_t i = 0; i < got / sizeof ids[0]; i++)
                if (memcmp(&ids[i], MARK, sizeof MARK)) ids[k++] = ids[i];
            got = k * sizeof ids[0];
        }
        close(p[0]);
        n = got / sizeof ids[0];
        total_reported += n;
        if (journal_beside(path)) hot_journals++;
        /* Recovery is a writer open (it replays the WAL or rolls back the journal); then check
         * everything. */
        s = open_store(path, VT_STORE_RW);
        if (!s) return;
        vt_store_fsck_report rep;
        CHECK_EQ_INT(vt_store_fsck(s, &rep, &e), VT_OK);
        CHECK_MSG(rep.errors == 0 && rep.orphans == 0, "round %d: fsck: %s", round, vt_buf_cstr(&rep.log));
        vt_buf_free(&rep.log);
        for (size_t i = 0; i < n; i++) check_claim_intact(s, &ids[i]);
        /* Claims committed but killed before being reported are fine; every claim must be whole:
         * its references resolve (here) and every byte re-hashes (fsck above). */
        json_t *rows;
        CHECK_EQ_INT(vt_store_list(s, "claims", NULL, &rows, &e), VT_OK);
        CHECK(json_array_size(rows) >= (bulk ? n : total_reported));
        for (size_t i = 0; i < json_array_size(rows); i++) {
            vt_hash256 h;
            vt_store_claim c;
            vt_hash256_parse(json_string_value(json_object_get(json_array_get(rows, i), "id")), &h);
            vt_status cst = vt_store_get_claim(s, &h, &c, &e);
            CHECK_MSG(cst == VT_OK, "round %d: claim: %s", round, e.msg);
            if (!cst) vt_store_claim_free(&c);
        }
        json_decref(rows);
        CHECK_EQ_INT(vt_store_close(s, &e), VT_OK);
    }
    CHECK_MSG(total_reported > 0, "no claim was committed in %d rounds", rounds);
    /* Bulk kills must hit open transactions, or the rounds above proved nothing about them. */
    if (bulk) CHECK_MSG(hot_journals > 0, "no bulk round was killed inside a transaction");
    printf("%s: %zu claims committed and reported across %d kills (%d inside a bulk transaction)\n",
           bulk ? "bulk" : "wal", total_reported, rounds, hot_journals);
}

TEST(sigkill_during_ingest) { kill_rounds(false, ROUNDS); }
TEST(sigkill_during_bulk_ingest) { kill_rounds(true, BULK_ROUNDS); }

int main(void) {
    RUN(sigkill_during_ingest);
    RUN(sigkill_during_bulk_ingest);
    return vt_test_finish();
}
