/* `veritor verify --resume`: claims whose verdict is already in the results database, recorded
 * under the same settings, are reported from that run instead of being verified again. A claim
 * id hashes the graph, inputs, outputs and config, so the same id under the same settings gets
 * the same verdict on this engine; errors and limits are retried. */
#include "cli/verify_resume.h"

#include <stdlib.h>
#include <string.h>

vt_status vt_verify_settings_key(const json_t *engine, const char *strategy, const char *config, const char *expect,
                                 const char *policy_path, char out[65], vt_error *err) {
    char policy_hex[65] = "";
    if (policy_path) {
        char *text = NULL;
        size_t len = 0;
        vt_status st = vt_read_file(policy_path, 1 << 24, &text, &len, err);
        if (st) return st;
        uint8_t d[VT_SHA256_LEN];
        vt_sha256(text, len, d);
        vt_hex_encode(d, sizeof d, policy_hex);
        free(text);
    }
    json_t *blas = json_object_get(engine, "blas");
    json_t *k = json_pack("{sOsOsOsOsOss?ss?ss?ss?}", "version", json_object_get(engine, "version"), "commit",
                          json_object_get(engine, "commit"), "blas_library", json_object_get(blas, "library"), "blas_core",
                          json_object_get(blas, "core"), "limits", json_object_get(engine, "limits"), "strategy", strategy,
                          "config", config, "expect_graph", expect, "policy_sha256", policy_path ? policy_hex : NULL);
    char *s = k ? json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(k);
    if (!s) return vt_error_set(err, VT_EINTERNAL, "verify: cannot describe the run's settings (engine identity incomplete)");
    uint8_t d[VT_SHA256_LEN];
    vt_sha256(s, strlen(s), d);
    vt_hex_encode(d, sizeof d, out);
    free(s);
    return VT_OK;
}

vt_status vt_verify_resume(vt_results_db *rdb, const vt_hash256 *ids, size_t n, vt_verify_result *res, bool *done,
                           size_t *nresumed, vt_error *err) {
    *nresumed = 0;
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        vt_hex_encode(ids[i].b, VT_SHA256_LEN, hex);
        bool found = false;
        vt_status st = vt_results_find_final(rdb, hex, &res[i], &found, err);
        if (st) return st;
        if (found) done[i] = true, ++*nresumed;
    }
    return VT_OK;
}
