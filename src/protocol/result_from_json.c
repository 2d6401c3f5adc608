/* A claim's result read back from its JSON (the object vt_verify_result_json writes, as the
 * results database stores it), so `verify --resume` can report a run made earlier exactly as it
 * was reported then. The results file may have been handed around: every field is checked for
 * its type and range and strings must fit their fields; anything else is VT_EINPUT naming the
 * field. Unknown keys are ignored (later versions may add some). */
#include "veritor/verify.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUTPUTS 65536

static vt_status bad(vt_error *err, const char *field, const char *why) {
    return vt_error_set(err, VT_EINPUT, "result JSON: '%s' %s", field, why);
}

static vt_status get_str(json_t *o, const char *k, char *dst, size_t cap, bool required, vt_error *err) {
    json_t *v = json_object_get(o, k);
    if (!v) {
        dst[0] = 0;
        return required ? bad(err, k, "is missing") : VT_OK;
    }
    if (!json_is_string(v)) return bad(err, k, "is not a string");
    size_t n = json_string_length(v);
    if (n >= cap || strlen(json_string_value(v)) != n) return bad(err, k, "is too long or holds a NUL");
    memcpy(dst, json_string_value(v), n + 1);
    return VT_OK;
}

/* Numbers as vt_verify_result_json writes them: JSON reals or integers, or "nan" / "inf" / "-inf". */
static vt_status get_num(json_t *o, const char *k, double *out, vt_error *err) {
    json_t *v = json_object_get(o, k);
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return VT_OK;
    }
    const char *s = json_string_value(v);
    if (s && !strcmp(s, "nan")) *out = NAN;
    else if (s && !strcmp(s, "inf")) *out = INFINITY;
    else if (s && !strcmp(s, "-inf")) *out = -INFINITY;
    else return bad(err, k, v ? "is not a number" : "is missing");
    return VT_OK;
}

static vt_status get_u64(json_t *o, const char *k, uint64_t *out, vt_error *err) {
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return bad(err, k, v ? "is not an integer" : "is missing");
    if (json_integer_value(v) < 0) return bad(err, k, "is negative");
    *out = (uint64_t)json_integer_value(v);
    return VT_OK;
}

static vt_status get_bool(json_t *o, const char *k, bool *out, vt_error *err) {
    json_t *v = json_object_get(o, k);
    if (!json_is_boolean(v)) return bad(err, k, v ? "is not a boolean" : "is missing");
    *out = json_is_true(v);
    return VT_OK;
}

static vt_status get_obj(json_t *o, const char *k, json_t **out, vt_error *err) {
    *out = json_object_get(o, k);
    return json_is_object(*out) ? VT_OK : bad(err, k, *out ? "is not an object" : "is missing");
}

static vt_status read_output(json_t *o, size_t i, vt_output_score *s, vt_error *err) {
    vt_status st;
    uint64_t idx = 0;
    if (!json_is_object(o)) return bad(err, "outputs", "holds a non-object");
    if ((st = get_u64(o, "index", &idx, err))) return st;
    if (idx != i) return bad(err, "outputs", "are not in index order");
    if ((st = get_str(o, "type", s->type, sizeof s->type, true, err)) || (st = get_bool(o, "passed", &s->passed, err)) ||
        (st = get_u64(o, "elements", &s->elements, err)) || (st = get_u64(o, "mismatches", &s->mismatches, err)) ||
        (st = get_num(o, "max_abs_diff", &s->max_abs_diff, err)) || (st = get_num(o, "max_rel_diff", &s->max_rel_diff, err)) ||
        (st = get_u64(o, "max_ulp", &s->max_ulp, err)) || (st = get_bool(o, "nonfinite_diff", &s->nonfinite_diff, err)))
        return st;
    if (s->mismatches > s->elements) return bad(err, "mismatches", "exceeds elements");
    json_t *fm = json_object_get(o, "first_mismatch");
    if (fm && !json_is_null(fm)) {
        json_t *ix = json_object_get(fm, "index");
        if (!json_is_object(fm) || !json_is_array(ix) || json_array_size(ix) > VT_MAX_RANK)
            return bad(err, "first_mismatch", "is malformed");
        s->has_first = true;
        s->first_rank = (int)json_array_size(ix);
        for (size_t d = 0; d < json_array_size(ix); d++) {
            json_t *x = json_array_get(ix, d);
            if (!json_is_integer(x) || json_integer_value(x) < 0) return bad(err, "first_mismatch", "has a bad index");
            s->first_index[d] = json_integer_value(x);
        }
        if ((st = get_u64(fm, "flat", &s->first_flat, err)) || (st = get_num(fm, "claimed", &s->first_claimed, err)) ||
            (st = get_num(fm, "computed", &s->first_computed, err)))
            return st;
    }
    json_t *h = json_object_get(o, "diff_histogram");
    if (!json_is_array(h) || json_array_size(h) != VT_DIFF_HIST_BINS)
        return bad(err, "diff_histogram", "is not an array of one count per bin");
    for (size_t b = 0; b < VT_DIFF_HIST_BINS; b++) {
        json_t *x = json_array_get(h, b);
        if (!json_is_integer(x) || json_integer_value(x) < 0) return bad(err, "diff_histogram", "holds a bad count");
        s->hist[b] = (uint64_t)json_integer_value(x);
    }
    return VT_OK;
}

/* Ids are written into reports as they are (HTML included): lowercase hex only. */
static bool hex_id(const char *s, bool empty_ok) {
    size_t n = strlen(s);
    if (n == 0) return empty_ok;
    if (n != 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

static vt_status read_status(json_t *o, vt_status *out, vt_error *err) {
    const char *s = json_string_value(json_object_get(o, "status"));
    for (int k = VT_OK; s && k <= VT_EINTERNAL; k++)
        if (!strcmp(vt_status_name((vt_status)k), s)) {
            *out = (vt_status)k;
            return VT_OK;
        }
    return bad(err, "status", "is not a status name");
}

static vt_status read_all(json_t *j, vt_verify_result *r, vt_error *err) {
    vt_status st;
    if (!json_is_object(j)) return vt_error_set(err, VT_EINPUT, "result JSON: not an object");
    if ((st = get_str(j, "id", r->claim_id, sizeof r->claim_id, true, err)) ||
        (st = get_str(j, "graph", r->graph_id, sizeof r->graph_id, true, err)) ||
        (st = get_str(j, "entry", r->entry, sizeof r->entry, true, err)) ||
        (st = get_str(j, "strategy", r->strategy, sizeof r->strategy, true, err)) ||
        (st = get_str(j, "created_at", r->created_at, sizeof r->created_at, true, err)) ||
        (st = get_str(j, "reason", r->reason, sizeof r->reason, true, err)) ||
        (st = get_str(j, "rule", r->rule, sizeof r->rule, true, err)) ||
        (st = get_str(j, "pin", r->pin, sizeof r->pin, true, err)) || (st = read_status(j, &r->status, err)))
        return st;
    if (!hex_id(r->claim_id, false)) return bad(err, "id", "is not a 64-hex-digit claim id");
    if (!hex_id(r->graph_id, true)) return bad(err, "graph", "is not a 64-hex-digit graph id");
    const char *v = json_string_value(json_object_get(j, "verdict"));
    if (v && !strcmp(v, "passed")) r->verdict = VT_VERDICT_PASSED;
    else if (v && !strcmp(v, "failed")) r->verdict = VT_VERDICT_FAILED;
    else if (v && !strcmp(v, "error")) r->verdict = VT_VERDICT_ERROR;
    else return bad(err, "verdict", "is not passed, failed or error");
    uint64_t ec = 0;
    if ((st = get_u64(j, "exit_class", &ec, err))) return st;
    if (ec > 3) return bad(err, "exit_class", "is not 0..3");
    r->exit_class = (int)ec;
    /* the three must tell one story */
    bool consistent = r->verdict == VT_VERDICT_PASSED   ? ec == 0 && r->status == VT_OK
                      : r->verdict == VT_VERDICT_FAILED ? ec == 1 && r->status == VT_ECHECK
                                                        : ec >= 2 && r->status != VT_OK && r->status != VT_ECHECK;
    if (!consistent) return bad(err, "verdict", "disagrees with exit_class and status");
    json_t *outs = json_object_get(j, "outputs");
    if (!json_is_array(outs) || json_array_size(outs) > MAX_OUTPUTS) return bad(err, "outputs", "is not an array of outputs");
    if (json_array_size(outs)) {
        r->outputs = calloc(json_array_size(outs), sizeof *r->outputs);
        if (!r->outputs) return vt_error_set(err, VT_ENOMEM, "result JSON: out of memory");
        r->n_outputs = json_array_size(outs);
        for (size_t i = 0; i < r->n_outputs; i++)
            if ((st = read_output(json_array_get(outs, i), i, &r->outputs[i], err))) return st;
    }
    json_t *lim, *stats, *t;
    if ((st = get_obj(j, "limits", &lim, err)) || (st = get_obj(j, "stats", &stats, err)) || (st = get_obj(j, "timings", &t, err)))
        return st;
    uint64_t depth = 0;
    if ((st = get_u64(lim, "max_live_bytes", &r->limits.max_live_bytes, err)) ||
        (st = get_u64(lim, "max_total_bytes", &r->limits.max_total_bytes, err)) || (st = get_u64(lim, "fuel", &r->limits.fuel, err)) ||
        (st = get_u64(lim, "max_iterations", &r->limits.max_iterations, err)) ||
        (st = get_u64(lim, "max_call_depth", &depth, err)) ||
        (st = get_u64(lim, "max_tensor_bytes", &r->limits.max_tensor_bytes, err)) ||
        (st = get_num(lim, "deadline_seconds", &r->limits.deadline_seconds, err)))
        return st;
    if (depth > UINT32_MAX) return bad(err, "max_call_depth", "is out of range");
    r->limits.max_call_depth = (uint32_t)depth;
    if ((st = get_u64(stats, "fuel_used", &r->stats.fuel_used, err)) ||
        (st = get_u64(stats, "peak_live_bytes", &r->stats.peak_live_bytes, err)) ||
        (st = get_u64(stats, "total_bytes", &r->stats.total_bytes, err)) ||
        (st = get_u64(stats, "ops_executed", &r->stats.ops_executed, err)) ||
        (st = get_u64(stats, "iterations", &r->stats.iterations, err)))
        return st;
    if ((st = get_num(t, "load", &r->timings.load, err)) || (st = get_num(t, "parse", &r->timings.parse, err)) ||
        (st = get_num(t, "execute", &r->timings.execute, err)) || (st = get_num(t, "check", &r->timings.check, err)) ||
        (st = get_num(t, "total", &r->timings.total, err)))
        return st;
    return VT_OK;
}

vt_status vt_verify_result_from_json(const char *text, size_t len, vt_verify_result *out, vt_error *err) {
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) return vt_error_set(err, VT_EINPUT, "result JSON: %s (line %d)", je.text, je.line);
    vt_status st = read_all(j, out, err);
    json_decref(j);
    if (st) {
        vt_verify_result_free(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}
