/* Test harness implementation (see harness.h). */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int vt_test_failures = 0;
int vt_test_checks = 0;
const char *vt_test_current = "?";

void vt_test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "FAIL %s:%d [%s]: ", file, line, vt_test_current);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    vt_test_failures++;
}

int vt_test_finish(void) {
    printf("%d checks, %d failed\n", vt_test_checks, vt_test_failures);
    return vt_test_failures ? 1 : 0;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}
const char *vt_test_source_dir(void) { return env_or("VT_SOURCE_DIR", ".."); }
const char *vt_test_shared_dir(void) { return env_or("VT_SHARED_DIR", "../../shared"); }
const char *vt_test_cli(void) { return env_or("VERITOR", "./veritor"); }

const char *vt_test_tmpdir(void) {
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/vt-test-XXXXXX", env_or("TMPDIR", "/tmp"));
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

int vt_test_run(const char *cmd, char *out, size_t cap) {
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t n = 0;
    if (out && cap) out[0] = 0;
    char tmp[4096];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, p)) > 0) {
        if (out && n + 1 < cap) {
            size_t k = r < cap - 1 - n ? r : cap - 1 - n;
            memcpy(out + n, tmp, k);
            n += k;
            out[n] = 0;
        }
    }
    int st = pclose(p);
    if (st == -1) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
