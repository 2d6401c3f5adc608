/* The verify report as one self-contained HTML page: inline CSS, inline SVG histograms and a
 * few lines of JS to sort the claim table; nothing is fetched from the network. Every string
 * that came from the database is HTML-escaped. */
#include "veritor/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

static void esc(vt_buf *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': vt_buf_puts(b, "&lt;"); break;
        case '>': vt_buf_puts(b, "&gt;"); break;
        case '&': vt_buf_puts(b, "&amp;"); break;
        case '"': vt_buf_puts(b, "&quot;"); break;
        case '\'': vt_buf_puts(b, "&#39;"); break;
        default: vt_buf_append(b, s, 1);
        }
    }
}

static void fmt_num(char *out, size_t n, double v) {
    if (isnan(v)) snprintf(out, n, "nan");
    else if (isinf(v)) snprintf(out, n, v > 0 ? "inf" : "-inf");
    else snprintf(out, n, "%.6g", v);
}

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
    ".cards{display:flex;gap:12px;flex-wrap:wrap}.card{padding:10px 16px;border-radius:6px;background:#fff;"
    "box-shadow:0 1px 3px #0002;min-width:110px}.card b{display:block;font-size:24px}"
    ".passed{color:#17733a}.failed{color:#b3261e}.error{color:#8a5a00}.limit{color:#6a3fb5}"
    ".warn{background:#fff4d6;border:1px solid #e0b64c;padding:8px 12px;border-radius:6px;margin:12px 0}"
    "table{border-collapse:collapse;background:#fff;margin-top:8px}th,td{border:1px solid #ddd;padding:4px 8px;"
    "font-size:13px;text-align:left;vertical-align:top}th{background:#eee;cursor:pointer;user-select:none}"
    "td.mono,span.mono{font-family:ui-monospace,monospace}.detail{background:#fff;padding:8px 14px;margin:10px 0;"
    "border-left:4px solid #b3261e}svg{background:#fff}";

static const char js[] =
    "function vtSort(th){var t=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th),"
    "asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows);rows.sort(function(a,b){"
    "var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||"
    "b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:"
    "x.localeCompare(y);return asc?c:-c;});rows.forEach(function(r){t.tBodies[0].appendChild(r);});}";

static void histogram_svg(vt_buf *b, const vt_output_score *s) {
    static const char *labels[VT_DIFF_HIST_BINS] = {"<1e-10", "1e-10", "1e-9", "1e-8", "1e-7", "1e-6", "1e-5", "1e-4",
                                                    "1e-3", "1e-2", "0.1", "1", "10", "100", "1e3", "\u22651e4"};
    uint64_t mx = 1;
    for (int i = 0; i < VT_DIFF_HIST_BINS; i++)
        if (s->hist[i] > mx) mx = s->hist[i];
    const int w = 28, h = 120, left = 40;
    vt_buf_printf(b, "<svg class=\"hist\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"histogram of "
                     "differences\">", left + w * VT_DIFF_HIST_BINS + 10, h + 50);
    vt_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", left, h + 10,
                  left + w * VT_DIFF_HIST_BINS, h + 10);
    vt_buf_printf(b, "<text x=\"2\" y=\"18\" font-size=\"10\">%llu</text>", (unsigned long long)mx);
    for (int i = 0; i < VT_DIFF_HIST_BINS; i++) {
        int bh = (int)((double)s->hist[i] / (double)mx * h);
        if (s->hist[i] && bh < 1) bh = 1;
        vt_buf_printf(b, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#b3261e\">"
                         "<title>%s: %llu</title></rect>", left + i * w + 2, h + 10 - bh, w - 4, bh, labels[i],
                      (unsigned long long)s->hist[i]);
        vt_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"9\" transform=\"rotate(45 %d %d)\">%s</text>",
                      left + i * w + 4, h + 22, left + i * w + 4, h + 22, labels[i]);
    }
    vt_buf_puts(b, "</svg>");
}

static const char *klass(const vt_verify_result *r) {
    return r->exit_class == 0 ? "passed" : r->exit_class == 1 ? "failed" : r->exit_class == 3 ? "limit" : "error";
}

vt_status vt_verify_report_html(const vt_verify_report *rep, vt_buf *b, vt_error *err) {
    size_t cnt[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < rep->n; i++) cnt[rep->results[i].exit_class & 3]++;
    int code = vt_verify_exit_code(rep->results, rep->n);
    vt_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                   "script-src 'unsafe-inline'; img-src data:\"><title>veritor verify report</title><style>");
    vt_buf_puts(b, css);
    vt_buf_puts(b, "</style></head><body>\n<h1>veritor verify report</h1>\n<p>Database <span class=\"mono\">");
    esc(b, rep->database);
    vt_buf_puts(b, "</span>");
    if (rep->engine) {
        json_t *e = rep->engine;
        vt_buf_puts(b, " &middot; veritor ");
        esc(b, json_string_value(json_object_get(e, "version")));
        vt_buf_puts(b, " (");
        esc(b, json_string_value(json_object_get(e, "commit")));
        vt_buf_puts(b, ") &middot; BLAS ");
        esc(b, json_string_value(json_object_get(json_object_get(e, "blas"), "core")));
        vt_buf_printf(b, " &middot; %d threads", (int)json_integer_value(json_object_get(e, "threads")));
    }
    vt_buf_printf(b, "</p>\n<div class=\"cards\" id=\"summary\"><div class=\"card\">claims<b id=\"n-total\">%zu</b></div>"
                     "<div class=\"card passed\">passed<b id=\"n-passed\">%zu</b></div>"
                     "<div class=\"card failed\">failed<b id=\"n-failed\">%zu</b></div>"
                     "<div class=\"card error\">not checkable<b id=\"n-error\">%zu</b></div>"
                     "<div class=\"card limit\">limit<b id=\"n-limit\">%zu</b></div>"
                     "<div class=\"card\">exit status<b id=\"exit-code\">%d</b></div></div>\n",
                  rep->n, cnt[0], cnt[1], cnt[2], cnt[3], code);
    if (!rep->pinned)
        vt_buf_puts(b, "<div class=\"warn\" id=\"no-pin\">No graph was pinned (no --expect-graph, no policy): a prover "
                       "could swap the graph and recompute consistent outputs.</div>\n");
    else {
        vt_buf_puts(b, "<p id=\"pinned\">Graphs pinned by ");
        esc(b, rep->policy_path ? rep->policy_path : "--expect-graph");
        vt_buf_puts(b, ".</p>\n");
    }
    vt_buf_puts(b, "<h2>Claims</h2>\n<table id=\"claims\" class=\"sortable\"><thead><tr>"
                   "<th onclick=\"vtSort(this)\">#</th><th onclick=\"vtSort(this)\">claim</th>"
                   "<th onclick=\"vtSort(this)\">verdict</th><th onclick=\"vtSort(this)\">entry</th>"
                   "<th onclick=\"vtSort(this)\">strategy</th><th onclick=\"vtSort(this)\">graph</th>"
                   "<th onclick=\"vtSort(this)\">time (ms)</th><th onclick=\"vtSort(this)\">reason</th>"
                   "</tr></thead><tbody>\n");
    for (size_t i = 0; i < rep->n; i++) {
        const vt_verify_result *r = &rep->results[i];
        vt_buf_printf(b, "<tr class=\"claim %s\"><td data-v=\"%zu\">%zu</td><td class=\"mono\">", klass(r), i, i + 1);
        if (r->exit_class == 1) vt_buf_printf(b, "<a href=\"#c-%s\">%.12s</a>", r->claim_id, r->claim_id);
        else vt_buf_printf(b, "%.12s", r->claim_id);
        vt_buf_printf(b, "</td><td class=\"verdict %s\">%s</td><td>", klass(r),
                      r->exit_class == 3 ? "limit" : vt_verdict_name(r->verdict));
        esc(b, r->entry);
        vt_buf_puts(b, "</td><td>");
        esc(b, r->strategy);
        vt_buf_printf(b, "</td><td class=\"mono\">%.12s</td><td data-v=\"%.6f\">%.3f</td><td>", r->graph_id,
                      r->timings.total * 1e3, r->timings.total * 1e3);
        esc(b, r->reason);
        if (r->resumed_run) {
            vt_buf_printf(b, " <span class=\"resumed\">(resumed: run %lld of ", (long long)r->resumed_run);
            esc(b, r->resumed_at);
            vt_buf_puts(b, ")</span>");
        }
        vt_buf_puts(b, "</td></tr>\n");
    }
    vt_buf_puts(b, "</tbody></table>\n");
    if (cnt[1]) vt_buf_puts(b, "<h2>Failing claims</h2>\n");
    for (size_t i = 0; i < rep->n; i++) {
        const vt_verify_result *r = &rep->results[i];
        if (r->exit_class != 1) continue;
        vt_buf_printf(b, "<div class=\"detail\" id=\"c-%s\"><h3 class=\"mono\">claim %s</h3><p>", r->claim_id,
                      r->claim_id);
        esc(b, r->reason);
        vt_buf_puts(b, "</p>");
        if (r->n_outputs) {
            vt_buf_puts(b, "<table class=\"outputs\"><thead><tr><th>output</th><th>type</th><th>mismatches</th>"
                           "<th>max abs diff</th><th>max rel diff</th><th>max ULP</th><th>first mismatch</th>"
                           "</tr></thead><tbody>");
            for (size_t k = 0; k < r->n_outputs; k++) {
                const vt_output_score *s = &r->outputs[k];
                char a[40], rl[40], c1[40], c2[40];
                fmt_num(a, sizeof a, s->max_abs_diff);
                fmt_num(rl, sizeof rl, s->max_rel_diff);
                vt_buf_printf(b, "<tr><td>%zu</td><td class=\"mono\">", k);
                esc(b, s->type);
                vt_buf_printf(b, "</td><td>%llu of %llu</td><td>%s</td><td>%s</td><td>%llu</td><td class=\"mono\">",
                              (unsigned long long)s->mismatches, (unsigned long long)s->elements, a, rl,
                              (unsigned long long)s->max_ulp);
                if (s->has_first) {
                    fmt_num(c1, sizeof c1, s->first_claimed);
                    fmt_num(c2, sizeof c2, s->first_computed);
                    vt_buf_puts(b, "[");
                    for (int d = 0; d < s->first_rank; d++) vt_buf_printf(b, d ? ",%lld" : "%lld", (long long)s->first_index[d]);
                    vt_buf_printf(b, "]: claimed %s, computed %s", c1, c2);
                } else {
                    vt_buf_puts(b, "&ndash;");
                }
                vt_buf_puts(b, "</td></tr>");
            }
            vt_buf_puts(b, "</tbody></table>");
            for (size_t k = 0; k < r->n_outputs; k++) {
                if (r->outputs[k].passed) continue;
                vt_buf_printf(b, "<p>output %zu: |claimed &minus; computed| of the mismatching elements</p>", k);
                histogram_svg(b, &r->outputs[k]);
            }
        }
        vt_buf_puts(b, "</div>\n");
    }
    vt_buf_puts(b, "<script>");
    vt_buf_puts(b, js);
    vt_buf_puts(b, "</script>\n</body></html>\n");
    return b->failed ? vt_error_set(err, VT_ENOMEM, "report: out of memory") : VT_OK;
}
