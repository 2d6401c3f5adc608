/* `veritor verify --resume`: the settings a run is recorded with, and claims taken from earlier
 * runs made with the same settings (docs/verify.md). */
#ifndef VT_CLI_VERIFY_RESUME_H
#define VT_CLI_VERIFY_RESUME_H

#include "veritor/verify.h"

#include <jansson.h>

/* Hex SHA-256 of what could change a verdict: the engine's version, commit and BLAS (from the
 * identity JSON), its limits, the strategy and config overrides, the pinned graph and the policy
 * file's bytes. Kernel threads and jobs are left out: results do not depend on them. */
vt_status vt_verify_settings_key(const json_t *engine, const char *strategy, const char *config, const char *expect,
                                 const char *policy_path, char out[65], vt_error *err);
/* Fills res[i] and sets done[i] for every claim with a verdict recorded under the database's
 * current settings; *nresumed counts them. */
vt_status vt_verify_resume(vt_results_db *rdb, const vt_hash256 *ids, size_t n, vt_verify_result *res, bool *done,
                           size_t *nresumed, vt_error *err);

#endif
