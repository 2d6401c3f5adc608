/* Traces (one run of a graph on devices) and their events: appended in batches through one
 * prepared statement, indexed per trace, device, op and time. */
#include "store/store_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[VT_EV_KIND_COUNT] = {
    "kernel_launch", "memory_transfer", "collective", "sync", "challenge", "checkpoint", "sample", "custom"};

const char *vt_event_kind_name(vt_event_kind k) {
    return (unsigned)k < VT_EV_KIND_COUNT ? kind_names[k] : "invalid";
}

int vt_event_kind_from_name(const char *name) {
    for (int i = 0; name && i < VT_EV_KIND_COUNT; i++)
        if (strcmp(kind_names[i], name) == 0) return i;
    return -1;
}

vt_status vt_store_trace_begin(vt_store *s, const vt_hash256 *graph, int64_t start_ns, const char *metadata_json,
                               int64_t *trace_id, vt_error *err) {
    vt_status st = vt_require_writable(s, "trace begin", err);
    if (st) return st;
    json_t *meta;
    st = vt_json_object_arg(metadata_json, "trace metadata", &meta, err);
    if (st) return st;
    char *mtext = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(meta);
    if (!mtext) return vt_error_set(err, VT_ENOMEM, "trace: out of memory");
    char ghex[65], now[40];
    if (graph) vt_hash_hex_of(graph, ghex);
    vt_store_now_rfc3339(now);
    sqlite3_stmt *ins;
    st = vt_sql_prepare(s, "INSERT INTO traces(graph_id, start_ns, end_ns, metadata, created_at) VALUES (?, ?, NULL, ?, ?)",
                        &ins, err);
    if (!st) {
        if (graph) sqlite3_bind_text(ins, 1, ghex, 64, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 1);
        sqlite3_bind_int64(ins, 2, start_ns);
        sqlite3_bind_text(ins, 3, mtext, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                     ? vt_error_set(err, VT_ECHECK, "trace: graph %s is not in the store", ghex)
                     : vt_sql_err(s, err, "storing a trace");
        } else
            *trace_id = sqlite3_last_insert_rowid(s->db);
        vt_sql_finalize(s, ins);
    }
    free(mtext);
    return st;
}

static vt_status set_span(vt_store *s, int64_t trace_id, bool set_start, int64_t start_ns, int64_t end_ns,
                          vt_error *err) {
    vt_status st = vt_require_writable(s, "trace end", err);
    if (st) return st;
    if (set_start && end_ns < start_ns)
        return vt_error_set(err, VT_EINPUT, "trace %lld: end %lld is before start %lld", (long long)trace_id,
                            (long long)end_ns, (long long)start_ns);
    sqlite3_stmt *up;
    st = vt_sql_prepare(s, set_start ? "UPDATE traces SET end_ns = ?1, start_ns = ?3 WHERE id = ?2"
                                     : "UPDATE traces SET end_ns = ?1 WHERE id = ?2", &up, err);
    if (st) return st;
    sqlite3_bind_int64(up, 1, end_ns);
    sqlite3_bind_int64(up, 2, trace_id);
    if (set_start) sqlite3_bind_int64(up, 3, start_ns);
    if (sqlite3_step(up) != SQLITE_DONE) st = vt_sql_err(s, err, "ending a trace");
    else if (sqlite3_changes(s->db) == 0) st = vt_error_set(err, VT_EINPUT, "trace %lld does not exist", (long long)trace_id);
    vt_sql_finalize(s, up);
    return st;
}

vt_status vt_store_trace_end(vt_store *s, int64_t trace_id, int64_t end_ns, vt_error *err) {
    return set_span(s, trace_id, false, 0, end_ns, err);
}

vt_status vt_store_trace_span(vt_store *s, int64_t trace_id, int64_t start_ns, int64_t end_ns, vt_error *err) {
    return set_span(s, trace_id, true, start_ns, end_ns, err);
}

vt_status vt_store_events_append(vt_store *s, int64_t trace_id, const vt_store_event *ev, size_t n, vt_error *err) {
    vt_status st = vt_require_writable(s, "append events", err);
    if (st) return st;
    if (n == 0) return VT_OK;
    st = vt_tx_begin(s, err);
    if (st) return st;
    sqlite3_stmt *chk, *ins = NULL;
    st = vt_sql_prepare(s, "SELECT 1 FROM traces WHERE id = ?", &chk, err);
    if (!st) {
        sqlite3_bind_int64(chk, 1, trace_id);
        if (sqlite3_step(chk) != SQLITE_ROW)
            st = vt_error_set(err, VT_EINPUT, "append events: trace %lld does not exist", (long long)trace_id);
        vt_sql_finalize(s, chk);
    }
    if (!st)
        st = vt_sql_prepare(s,
                            "INSERT INTO events(trace_id, ts_ns, kind, device, op_id, mem_bytes, payload, payload_obj) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            &ins, err);
    char ohex[65];
    for (size_t i = 0; !st && i < n; i++) {
        const vt_store_event *e = &ev[i];
        if ((unsigned)e->kind >= VT_EV_KIND_COUNT) {
            st = vt_error_set(err, VT_EINPUT, "append events: event %zu: invalid kind %d", i, (int)e->kind);
            break;
        }
        if (e->payload_json) {
            /* Payloads are read back by other tools: only well-formed JSON goes in. */
            json_error_t je;
            json_t *j = json_loads(e->payload_json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
            if (!j) {
                st = vt_error_set(err, VT_EINPUT, "append events: event %zu: payload: %s", i, je.text);
                break;
            }
            json_decref(j);
        }
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, trace_id);
        sqlite3_bind_int64(ins, 2, e->ts_ns);
        sqlite3_bind_text(ins, 3, kind_names[e->kind], -1, SQLITE_STATIC);
        if (e->device) sqlite3_bind_text(ins, 4, e->device, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 4);
        if (e->op_id) sqlite3_bind_text(ins, 5, e->op_id, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 5);
        if (e->mem_bytes >= 0) sqlite3_bind_int64(ins, 6, e->mem_bytes);
        else sqlite3_bind_null(ins, 6);
        if (e->payload_json) sqlite3_bind_text(ins, 7, e->payload_json, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 7);
        if (e->payload_obj) {
            vt_hash_hex_of(e->payload_obj, ohex);
            sqlite3_bind_text(ins, 8, ohex, 64, SQLITE_TRANSIENT);
        } else
            sqlite3_bind_null(ins, 8);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                     ? vt_error_set(err, VT_EINPUT, "append events: event %zu: payload object is not in the store", i)
                     : vt_sql_err(s, err, "storing an event");
        }
    }
    vt_sql_finalize(s, ins);
    return vt_tx_end(s, st, err);
}
