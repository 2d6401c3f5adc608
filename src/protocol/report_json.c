/* The verify report as JSON (schema veritor.verify.v1, docs/report-json.md) and the engine's
 * identity recorded with every run. Non-finite numbers are written as strings ("inf", "nan")
 * because JSON has no literal for them. */
#include "veritor/verify.h"

#include "interp/blas.h"

#include <jansson.h>
#include <stdio.h>
#include <math.h>

static json_t *num(double v) {
    if (isnan(v)) return json_string("nan");
    if (isinf(v)) return json_string(v > 0 ? "inf" : "-inf");
    return json_real(v);
}

/* Messages may quote hostile input: invalid UTF-8 becomes '?' instead of losing the string. */
static json_t *str(const char *s) {
    json_t *j = json_string(s);
    if (j) return j;
    char buf[VT_ERROR_MSG_MAX];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof buf; i++) buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    buf[i] = 0;
    return json_string(buf);
}

static json_t *limits_json(const vt_limits *l) {
    return json_pack("{sIsIsIsIsIsIsf}", "max_live_bytes", (json_int_t)l->max_live_bytes, "max_total_bytes",
                     (json_int_t)l->max_total_bytes, "fuel", (json_int_t)l->fuel, "max_iterations",
                     (json_int_t)l->max_iterations, "max_call_depth", (json_int_t)l->max_call_depth,
                     "max_tensor_bytes", (json_int_t)l->max_tensor_bytes, "deadline_seconds", l->deadline_seconds);
}

json_t *vt_engine_identity(int threads, const vt_limits *limits) {
    vt_blas_info bi;
    vt_blas_get_info(&bi);
    vt_limits dflt;
    if (!limits) {
        vt_limits_default(&dflt);
        limits = &dflt;
    }
    return json_pack("{ss ss ss s{ss ss sb sb} si so}", "engine", "veritor", "version", vt_version(), "commit", vt_git_commit(),
                     "blas", "library", bi.library ? bi.library : "none", "core", bi.core, "selftest_ok", bi.selftest_ok,
                     "portable", bi.portable, "threads", threads, "limits", limits_json(limits));
}

json_t *vt_verify_result_json(const vt_verify_result *r) {
    json_t *outs = json_array();
    for (size_t i = 0; i < r->n_outputs; i++) {
        const vt_output_score *s = &r->outputs[i];
        json_t *first = json_null();
        if (s->has_first) {
            json_t *idx = json_array();
            for (int d = 0; d < s->first_rank; d++) json_array_append_new(idx, json_integer(s->first_index[d]));
            first = json_pack("{soso sIso}", "index", idx, "claimed", num(s->first_claimed), "flat",
                              (json_int_t)s->first_flat, "computed", num(s->first_computed));
        }
        json_t *hist = json_array();
        for (int b = 0; b < VT_DIFF_HIST_BINS; b++) json_array_append_new(hist, json_integer((json_int_t)s->hist[b]));
        json_array_append_new(
            outs, json_pack("{sIsssbsIsIsosososbsoso}", "index", (json_int_t)i, "type", s->type, "passed", s->passed,
                            "elements", (json_int_t)s->elements, "mismatches", (json_int_t)s->mismatches,
                            "max_abs_diff", num(s->max_abs_diff), "max_rel_diff", num(s->max_rel_diff), "max_ulp",
                            json_integer((json_int_t)(s->max_ulp > (uint64_t)INT64_MAX ? INT64_MAX : s->max_ulp)),
                            "nonfinite_diff", s->nonfinite_diff, "first_mismatch", first, "diff_histogram", hist));
    }
    json_t *t = json_pack("{sfsfsfsfsf}", "load", r->timings.load, "parse", r->timings.parse, "execute",
                          r->timings.execute, "check", r->timings.check, "total", r->timings.total);
    json_t *stats = json_pack("{sIsIsIsIsI}", "fuel_used", (json_int_t)r->stats.fuel_used, "peak_live_bytes",
                              (json_int_t)r->stats.peak_live_bytes, "total_bytes", (json_int_t)r->stats.total_bytes,
                              "ops_executed", (json_int_t)r->stats.ops_executed, "iterations",
                              (json_int_t)r->stats.iterations);
    json_t *resumed = r->resumed_run ? json_pack("{sIso}", "run", (json_int_t)r->resumed_run, "verified_at", str(r->resumed_at))
                                     : json_null();
    return json_pack("{ss ss so so so ss si ss so so so so so so so so}", "id", r->claim_id, "graph", r->graph_id, "entry",
                     str(r->entry), "strategy", str(r->strategy), "created_at", str(r->created_at), "verdict",
                     vt_verdict_name(r->verdict), "exit_class", r->exit_class, "status", vt_status_name(r->status), "reason",
                     str(r->reason), "rule", str(r->rule), "pin", str(r->pin), "outputs", outs, "limits",
                     limits_json(&r->limits), "stats", stats, "timings", t, "resumed", resumed);
}

vt_status vt_verify_report_json(const vt_verify_report *rep, vt_buf *out, vt_error *err) {
    size_t cnt[4] = {0, 0, 0, 0};
    json_t *claims = json_array();
    for (size_t i = 0; i < rep->n; i++) {
        const vt_verify_result *r = &rep->results[i];
        cnt[r->exit_class & 3]++;
        json_array_append_new(claims, vt_verify_result_json(r));
    }
    json_t *summary = json_pack("{sIsIsIsIsIsi}", "total", (json_int_t)rep->n, "passed", (json_int_t)cnt[0], "failed",
                                (json_int_t)cnt[1], "not_checkable", (json_int_t)cnt[2], "limit", (json_int_t)cnt[3],
                                "exit_code", vt_verify_exit_code(rep->results, rep->n));
    json_t *policy = json_pack("{sbss*}", "pinned", rep->pinned, "file", rep->policy_path);
    if (!rep->pinned)
        json_object_set_new(policy, "warning",
                            json_string("no graph was pinned: a prover could swap the graph and recompute consistent "
                                        "outputs"));
    json_t *j = json_pack("{sssosOsososo}", "format", "veritor.verify.v1", "database", str(rep->database ? rep->database : ""),
                          "engine", rep->engine ? rep->engine : json_null(), "policy", policy, "summary", summary,
                          "claims", claims);
    if (!j) return vt_error_set(err, VT_ENOMEM, "report: out of memory");
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) return vt_error_set(err, VT_ENOMEM, "report: out of memory");
    vt_buf_puts(out, s);
    vt_buf_puts(out, "\n");
    free(s);
    return out->failed ? vt_error_set(err, VT_ENOMEM, "report: out of memory") : VT_OK;
}
