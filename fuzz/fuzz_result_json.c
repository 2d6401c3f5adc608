/* libFuzzer target for reading a stored verify result back (the results database's result_json,
 * which `verify --resume` trusts only after this reader accepts it): any input gives a result or
 * an error with a message, never a crash; an accepted result writes and reads back unchanged. */
#include "veritor/verify.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vt_verify_result r;
    vt_error err;
    vt_error_clear(&err);
    vt_status s = vt_verify_result_from_json((const char *)data, size, &r, &err);
    if (s != VT_OK) {
        if (r.outputs || r.n_outputs || !err.msg[0] || err.code != s) __builtin_trap();
        return 0;
    }
    json_t *j = vt_verify_result_json(&r);
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!txt) __builtin_trap();
    vt_verify_result back;
    if (vt_verify_result_from_json(txt, strlen(txt), &back, &err) != VT_OK) __builtin_trap();
    if (strcmp(back.claim_id, r.claim_id) || strcmp(back.reason, r.reason) || back.n_outputs != r.n_outputs ||
        back.exit_class != r.exit_class || back.verdict != r.verdict || back.status != r.status)
        __builtin_trap();
    free(txt);
    vt_verify_result_free(&back);
    vt_verify_result_free(&r);
    return 0;
}
