/* Minimal test harness: TEST(name) functions registered from main via RUN(name); CHECK* macros
 * record failures and keep going; the program exits non-zero when anything failed. */
#ifndef VT_TEST_HARNESS_H
#define VT_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "veritor/veritor.h"

extern int vt_test_failures;
extern int vt_test_checks;
extern const char *vt_test_current;

void vt_test_fail(const char *file, int line, const char *fmt, ...);
int vt_test_finish(void);
/* Path helpers: $VT_SOURCE_DIR, $VT_SHARED_DIR, $VERITOR (CLI) and a fresh temp folder. */
const char *vt_test_source_dir(void);
const char *vt_test_shared_dir(void);
const char *vt_test_cli(void);
const char *vt_test_tmpdir(void);
/* Runs a shell command, returns its exit status (or -1); captures stdout+stderr into out. */
int vt_test_run(const char *cmd, char *out, size_t cap);

#define CHECK(cond)                                                                 \
    do {                                                                            \
        vt_test_checks++;                                                           \
        if (!(cond)) vt_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);          \
    } while (0)
#define CHECK_MSG(cond, ...)                                                        \
    do {                                                                            \
        vt_test_checks++;                                                           \
        if (!(cond)) vt_test_fail(__FILE__, __LINE__, __VA_ARGS__);                 \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                          \
    do {                                                                            \
        long long _a = (long long)(a), _b = (long long)(b);                         \
        vt_test_checks++;                                                           \
        if (_a != _b) vt_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, _a, #b, _b); \
    } while (0)
#define CHECK_STR(a, b)                                                             \
    do {                                                                            \
        const char *_a = (a), *_b = (b);                                            \
        vt_test_checks++;                                                           \
        if (!_a || !_b || strcmp(_a, _b) != 0)                                      \
            vt_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
    } while (0)
/* Asserts a status code and that the error message contains a fragment. */
#define CHECK_ERR(status, err, want_code, fragment)                                 \
    do {                                                                            \
        vt_status _s = (status);                                                    \
        vt_test_checks++;                                                           \
        if (_s != (want_code))                                                      \
            vt_test_fail(__FILE__, __LINE__, "status %s (%s), expected %s", vt_status_name(_s), (err)->msg, vt_status_name(want_code)); \
        else if (!strstr((err)->msg, (fragment)))                                   \
            vt_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", (err)->msg, (fragment)); \
    } while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                                                   \
    do {                                                                            \
        vt_test_current = #name;                                                    \
        name();                                                                     \
    } while (0)

#endif
