/* JSON parsing through jansson with duplicate keys rejected: a document with two values for one
 * key means different things to different readers, so it is bad input. */
#include "veritor/base.h"

#include <jansson.h>

json_t *vt_json_parse(const char *text, size_t len, const char *what, vt_error *err) {
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        vt_error_set(err, VT_EINPUT, "%s: invalid JSON at line %d column %d (byte %d): %s",
                     what ? what : "json", je.line, je.column, je.position, je.text);
        return NULL;
    }
    return j;
}
