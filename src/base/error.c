/* Status codes, their exit codes, and error records with context prefixes. */
#include "veritor/base.h"

#include <stdio.h>
#include <string.h>

const char *vt_status_name(vt_status s) {
    switch (s) {
    case VT_OK: return "ok";
    case VT_ECHECK: return "check failed";
    case VT_EINPUT: return "bad input";
    case VT_EUSAGE: return "bad usage";
    case VT_EUNSUPPORTED: return "not supported";
    case VT_EIO: return "i/o error";
    case VT_ELIMIT: return "limit exceeded";
    case VT_ENOMEM: return "out of memory";
    case VT_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

int vt_status_exit_code(vt_status s) {
    switch (s) {
    case VT_OK: return 0;
    case VT_ECHECK: return 1;
    case VT_ELIMIT:
    case VT_ENOMEM: return 3;
    default: return 2;
    }
}

void vt_error_clear(vt_error *err) {
    if (!err) return;
    err->code = VT_OK;
    err->msg[0] = 0;
}

vt_status vt_error_setv(vt_error *err, vt_status code, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

vt_status vt_error_set(vt_error *err, vt_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vt_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void vt_error_prefix(vt_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Build "prefix: old" by hand: the result is cut at the record size on purpose. */
    char old[VT_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3) n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    err->msg[n++] = ':';
    err->msg[n++] = ' ';
    size_t room = sizeof err->msg - 1 - n, m = strlen(old);
    if (m > room) m = room;
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = 0;
}

void vt_log(const vt_logger *lg, vt_log_level level, const char *fmt, ...) {
    if (!lg || !lg->fn || level < lg->min_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lg->fn(lg->user, level, msg);
}

const char *vt_version(void) { return VT_VERSION; }
const char *vt_git_commit(void) { return VT_GIT_COMMIT; }
