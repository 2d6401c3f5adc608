/* Hostile database files handed to a verifier: tampered objects and claims, changed schema,
 * planted triggers/views/indexes, truncation, non-SQLite and foreign SQLite files, newer and
 * older schemas, a leftover WAL. Each is refused (or its damage named) and the file is never
 * modified: its hash is the same before and after. */
#include "store_test_util.h"
#include "store/store_internal.h" /* vt_schema_create_version: writing an old-version file */

#include <sqlite3.h>
#include <unistd.h>

/* A clean, closed database with one claim: the starting point every attack copies. */
static char clean_path[600];
static vt_hash256 clean_claim;

static void make_clean(void) {
    snprintf(clean_path, sizeof clean_path, "%s/clean.vdb", vt_test_tmpdir());
    vt_store *s = open_store(clean_path, VT_STORE_CREATE);
    vt_error e;
    CHECK_EQ_INT(put_sample_claim(s, 1, "bit_exact", NULL, &clean_claim, &e), VT_OK);
    CHECK_EQ_INT(vt_store_close(s, &e), VT_OK);
}

static const char *copy_clean(const char *name) {
    static char p[600];
    snprintf(p, sizeof p, "%s/%s", vt_test_tmpdir(), name);
    char *d;
    size_t n;
    vt_error e;
    CHECK_EQ_INT(vt_read_file(clean_path, 0, &d, &n, &e), VT_OK);
    CHECK_EQ_INT(vt_write_file_atomic(p, d, n, &e), VT_OK);
    free(d);
    return p;
}

/* Runs SQL on a file with plain SQLite, as an attacker would. */
static void raw_sql(const char *path, const char *sql) {
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    CHECK_MSG(rc == SQLITE_OK, "raw sql %s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* Opens for verification expecting a refusal, and checks the file is unchanged. */
static void expect_refused_mode(const char *path, vt_status code, const char *frag, bool live_too) {
    uint8_t before[32], after[32];
    CHECK(file_hash(path, before));
    vt_store_options o = {VT_STORE_VERIFY, false, 1, false};
    vt_store *s = NULL;
    vt_error e;
    vt_error_clear(&e);
    CHECK_ERR(vt_store_open(path, &o, &s, &e), &e, code, frag);
    CHECK(s == NULL);
    if (live_too) {
        o.mode = VT_STORE_READ;
        vt_error_clear(&e);
        CHECK_ERR(vt_store_open(path, &o, &s, &e), &e, code, frag);
        if (s) vt_store_close(s, &e);
    }
    CHECK(file_hash(path, after));
    CHECK_MSG(memcmp(before, after, 32) == 0, "%s was modified", path);
}

static void expect_refused(const char *path, vt_status code, const char *frag) {
    expect_refused_mode(path, code, frag, true);
}

TEST(clean_file_opens_and_is_unchanged) {
    uint8_t before[32], after[32];
    CHECK(file_hash(clean_path, before));
    vt_store *s = open_store(clean_path, VT_STORE_VERIFY);
    vt_error e;
    vt_store_claim c;
    CHECK_EQ_INT(vt_store_get_claim(s, &clean_claim, &c, &e), VT_OK);
    vt_store_claim_free(&c);
    vt_store_fsck_report r;
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK_MSG(r.errors == 0 && r.orphans == 0, "%s", vt_buf_cstr(&r.log));
    vt_buf_free(&r.log);
    vt_store_close(s, &e);
    CHECK(file_hash(clean_path, after));
    CHECK(memcmp(before, after, 32) == 0);
    char side[700];
    snprintf(side, sizeof side, "%s-wal", clean_path);
    CHECK(access(side, F_OK) != 0); /* hand-over form: no WAL beside it */
}

TEST(tampered_object_is_named) {
    const char *p = copy_clean("tampered.vdb");
    /* Change one byte of the first input tensor's only chunk. */
    raw_sql(p, "UPDATE objects SET data = CAST(zeroblob(length(data)) AS BLOB) WHERE hash = "
               "(SELECT chunk FROM tensor_chunks tc JOIN claim_tensors ct ON ct.tensor_id = tc.tensor_id "
               "WHERE ct.role = 'input' AND ct.idx = 0)");
    uint8_t before[32], after[32];
    CHECK(file_hash(p, before));
    vt_store *s = open_store(p, VT_STORE_VERIFY);
    vt_error e;
    vt_store_claim c;
    CHECK_EQ_INT(vt_store_get_claim(s, &clean_claim, &c, &e), VT_OK); /* the claim itself is intact */
    vt_tensor *t = NULL;
    CHECK_ERR(vt_store_get_tensor(s, &c.inputs[0], 0, &t, &e), &e, VT_ECHECK, "content hash mismatch");
    CHECK(strstr(e.msg, "referenced by tensor") != NULL);
    CHECK(strstr(e.msg, vt_hash_to_hex(c.inputs[0].b).s) != NULL);
    vt_store_claim_free(&c);
    vt_store_fsck_report r;
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK_EQ_INT(r.errors, 1);
    CHECK(strstr(vt_buf_cstr(&r.log), "content hash mismatch") && strstr(vt_buf_cstr(&r.log), "used by tensor"));
    vt_buf_free(&r.log);
    vt_store_close(s, &e);
    CHECK(file_hash(p, after));
    CHECK(memcmp(before, after, 32) == 0);
}

TEST(tampered_claim_and_rows) {
    const char *p = copy_clean("claimtamper.vdb");
    raw_sql(p, "UPDATE claims SET canonical = replace(canonical, 'bit_exact', 'bit_exacz')");
    vt_store *s = open_store(p, VT_STORE_VERIFY);
    vt_error e;
    vt_store_claim c;
    CHECK_ERR(vt_store_get_claim(s, &clean_claim, &c, &e), &e, VT_ECHECK, "tampered");
    vt_store_close(s, &e);
    p = copy_clean("columns.vdb");
    raw_sql(p, "UPDATE claims SET strategy = 'stamp'");
    s = open_store(p, VT_STORE_VERIFY);
    CHECK_ERR(vt_store_get_claim(s, &clean_claim, &c, &e), &e, VT_ECHECK, "columns disagree");
    vt_store_close(s, &e);
    p = copy_clean("chunklist.vdb");
    raw_sql(p, "DELETE FROM tensor_chunks WHERE (tensor_id, idx) = (SELECT tensor_id, idx FROM tensor_chunks LIMIT 1)");
    s = open_store(p, VT_STORE_VERIFY);
    vt_store_fsck_report r;
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK(r.errors >= 1);
    CHECK(strstr(vt_buf_cstr(&r.log), "chunks listed") != NULL);
    vt_buf_free(&r.log);
    vt_store_close(s, &e);
    p = copy_clean("dangling.vdb");
    raw_sql(p, "PRAGMA foreign_keys = OFF; DELETE FROM tensors WHERE id IN (SELECT tensor_id FROM claim_tensors "
               "WHERE role = 'output')");
    s = open_store(p, VT_STORE_VERIFY);
    CHECK_ERR(vt_store_get_claim(s, &clean_claim, &c, &e), &e, VT_ECHECK, "output 0: tensor");
    CHECK_EQ_INT(vt_store_fsck(s, &r, &e), VT_OK);
    CHECK(r.errors >= 2); /* the claim and the dangling claim_tensors row */
    CHECK(strstr(vt_buf_cstr(&r.log), "dangling reference") != NULL);
    vt_buf_free(&r.log);
    vt_store_close(s, &e);
}

TEST(changed_schema_refused) {
    const char *p = copy_clean("altered.vdb");
    raw_sql(p, "ALTER TABLE claims ADD COLUMN note TEXT");
    expect_refused(p, VT_EINPUT, "schema does not match");
    p = copy_clean("droppedindex.vdb");
    raw_sql(p, "DROP INDEX events_ts");
    expect_refused(p, VT_EINPUT, "where the schema has 'index|events_ts");
}

TEST(planted_objects_refused) {
    const char *p = copy_clean("trigger.vdb");
    raw_sql(p, "CREATE TRIGGER evil AFTER INSERT ON claims BEGIN DELETE FROM objects; END");
    expect_refused(p, VT_EINPUT, "trigger|evil");
    p = copy_clean("view.vdb");
    raw_sql(p, "CREATE VIEW sneaky AS SELECT * FROM claims");
    expect_refused(p, VT_EINPUT, "view|sneaky");
    p = copy_clean("index.vdb");
    raw_sql(p, "CREATE INDEX extra ON objects(size)");
    expect_refused(p, VT_EINPUT, "index|extra");
    p = copy_clean("table.vdb");
    raw_sql(p, "CREATE TABLE more(x)");
    expect_refused(p, VT_EINPUT, "table|more");
    /* A writer refuses them too, before touching anything. */
    p = copy_clean("trigger_rw.vdb");
    raw_sql(p, "CREATE TRIGGER evil2 AFTER INSERT ON objects BEGIN DELETE FROM claims; END");
    vt_store_options o = {VT_STORE_RW, false, 1, false};
    vt_store *s;
    vt_error e;
    CHECK_ERR(vt_store_open(p, &o, &s, &e), &e, VT_EINPUT, "evil2");
}

TEST(truncated_and_foreign_files) {
    char *d;
    size_t n;
    vt_error e;
    CHECK_EQ_INT(vt_read_file(clean_path, 0, &d, &n, &e), VT_OK);
    char p[600];
    snprintf(p, sizeof p, "%s/trunc.vdb", vt_test_tmpdir());
    CHECK_EQ_INT(vt_write_file_atomic(p, d, n / 2, &e), VT_OK);
    expect_refused(p, VT_EINPUT, "truncated");
    CHECK_EQ_INT(vt_write_file_atomic(p, d, 60, &e), VT_OK);
    expect_refused(p, VT_EINPUT, "truncated");
    /* A flipped byte inside a b-tree page: quick_check catches what the header cannot. */
    size_t page = ((size_t)(unsigned char)d[16] << 8) | (unsigned char)d[17];
    char *c = malloc(n);
    memcpy(c, d, n);
    for (size_t i = page + 8; i < page + 40 && i < n; i++) c[i] = (char)0xff;
    CHECK_EQ_INT(vt_write_file_atomic(p, c, n, &e), VT_OK);
    uint8_t before[32], after[32];
    CHECK(file_hash(p, before));
    vt_store_options o = {VT_STORE_VERIFY, false, 1, false};
    vt_store *s = NULL;
    vt_status st = vt_store_open(p, &o, &s, &e);
    CHECK_MSG(st == VT_EINPUT, "damaged page: %s (%s)", vt_status_name(st), e.msg);
    if (s) vt_store_close(s, &e);
    CHECK(file_hash(p, after));
    CHECK(memcmp(before, after, 32) == 0);
    free(c);
    free(d);
    const char *junk = "this is not a database at all, just some text padding it out to more than 100 bytes.........";
    CHECK_EQ_INT(vt_write_file_atomic(p, junk, strlen(junk), &e), VT_OK);
    expect_refused(p, VT_EINPUT, "not an SQLite database");
    CHECK_EQ_INT(vt_write_file_atomic(p, "", 0, &e), VT_OK);
    expect_refused(p, VT_EINPUT, "empty file");
    snprintf(p, sizeof p, "%s/foreign.sqlite", vt_test_tmpdir());
    remove(p);
    raw_sql(p, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    expect_refused(p, VT_EINPUT, "not a veritor database");
    vt_store_options w = {VT_STORE_RW, false, 1, false};
    CHECK_ERR(vt_store_open(p, &w, &s, &e), &e, VT_EINPUT, "not a veritor database");
    snprintf(p, sizeof p, "%s/missing.vdb", vt_test_tmpdir());
    CHECK_ERR(vt_store_open(p, &o, &s, &e), &e, VT_EIO, "cannot open");
    CHECK_ERR(vt_store_open(p, &w, &s, &e), &e, VT_EIO, "cannot open");
    CHECK_ERR(vt_store_open(vt_test_tmpdir(), &o, &s, &e), &e, VT_EINPUT, "not a regular file");
}

TEST(schema_versions) {
    const char *p = copy_clean("newer.vdb");
    raw_sql(p, "PRAGMA user_version = 99");
    expect_refused(p, VT_EUNSUPPORTED, "schema version 99 is newer");
    vt_store_options w = {VT_STORE_RW, false, 1, false};
    vt_store *s;
    vt_error e;
    CHECK_ERR(vt_store_open(p, &w, &s, &e), &e, VT_EUNSUPPORTED, "newer");
    /* An older file: refused by readers, migrated forward by a writer, then readable. */
    char old[600];
    snprintf(old, sizeof old, "%s/v1.vdb", vt_test_tmpdir());
    remove(old);
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(old, &db), SQLITE_OK);
    CHECK_EQ_INT(vt_schema_create_version(db, 1, &e), VT_OK);
    sqlite3_close(db);
    expect_refused(old, VT_EUNSUPPORTED, "older");
    CHECK_EQ_INT(vt_store_open(old, &w, &s, &e), VT_OK);
    CHECK_EQ_INT(vt_store_file_schema_version(s), vt_store_schema_version());
    vt_store_close(s, &e);
    s = open_store(old, VT_STORE_VERIFY);
    CHECK(s && vt_store_file_schema_version(s) == vt_store_schema_version());
    vt_store_close(s, &e);
}

TEST(leftover_wal_refused) {
    const char *p = copy_clean("walleft.vdb");
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", p);
    vt_error e;
    CHECK_EQ_INT(vt_write_file_atomic(wal, "xxxx", 4, &e), VT_OK);
    /* Only the verifier's immutable open refuses it; a live reader reads through the WAL. */
    expect_refused_mode(p, VT_EINPUT, "write-ahead log", false);
    remove(wal);
}

TEST(leftover_journal_refused) {
    /* A bulk writer's rollback journal (or junk posing as one): the verifier refuses the file;
     * a writer lets SQLite roll it back and then checks the file as usual. */
    const char *p = copy_clean("journalleft.vdb");
    char j[700];
    snprintf(j, sizeof j, "%s-journal", p);
    vt_error e;
    CHECK_EQ_INT(vt_write_file_atomic(j, "garbage journal", 15, &e), VT_OK);
    expect_refused_mode(p, VT_EINPUT, "rollback journal", false);
    vt_store *s = open_store(p, VT_STORE_RW);
    CHECK(s != NULL);
    vt_store_fsck_report rep;
    CHECK_EQ_INT(vt_store_fsck(s, &rep, &e), VT_OK);
    CHECK_EQ_INT((int)rep.errors, 0);
    vt_buf_free(&rep.log);
    vt_store_close(s, &e);
    remove(j);
    /* Junk journal beside a truncated file: the size check is deferred to after SQLite's
     * recovery, not dropped. */
    char *d;
    size_t n;
    CHECK_EQ_INT(vt_read_file(clean_path, 0, &d, &n, &e), VT_OK);
    CHECK_EQ_INT(vt_write_file_atomic(p, d, n / 2, &e), VT_OK);
    free(d);
    CHECK_EQ_INT(vt_write_file_atomic(j, "garbage journal", 15, &e), VT_OK);
    vt_store_options w = {VT_STORE_RW, false, 1, false};
    vt_error_clear(&e);
    vt_status st = vt_store_open(p, &w, &s, &e);
    CHECK_MSG(st == VT_EINPUT && (strstr(e.msg, "truncated") || strstr(e.msg, "malformed")),
              "writer on a truncated file: %s (%s)", vt_status_name(st), e.msg);
    CHECK(s == NULL);
    vt_store_options r = {VT_STORE_READ, false, 1, false};
    st = vt_store_open(p, &r, &s, &e);
    CHECK_MSG(st == VT_EINPUT || st == VT_EIO, "live reader of a truncated file: %s (%s)", vt_status_name(st), e.msg);
    if (s) vt_store_close(s, &e);
    remove(j);
}

TEST(path_with_uri_characters) {
    /* '?' and '#' in a name must not become URI parameters (e.g. "?mode=rwc"). */
    char p[700];
    snprintf(p, sizeof p, "%s/we?ird#name%%20.vdb", vt_test_tmpdir());
    char *d;
    size_t n;
    vt_error e;
    CHECK_EQ_INT(vt_read_file(clean_path, 0, &d, &n, &e), VT_OK);
    CHECK_EQ_INT(vt_write_file_atomic(p, d, n, &e), VT_OK);
    free(d);
    vt_store *s = open_store(p, VT_STORE_VERIFY);
    CHECK(s != NULL);
    vt_store_close(s, &e);
}

int main(void) {
    make_clean();
    RUN(clean_file_opens_and_is_unchanged);
    RUN(tampered_object_is_named);
    RUN(tampered_claim_and_rows);
    RUN(changed_schema_refused);
    RUN(planted_objects_refused);
    RUN(truncated_and_foreign_files);
    RUN(schema_versions);
    RUN(leftover_wal_refused);
    RUN(leftover_journal_refused);
    RUN(path_with_uri_characters);
    return vt_test_finish();
}
