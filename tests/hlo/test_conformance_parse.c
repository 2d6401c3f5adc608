/* Every StableHLO conformance program (interpret/ parts and JAX testdata, dynamic/ included)
 * parses, and printing is a fixed point: print -> parse -> print, pretty and generic. */
#include "harness.h"
#include "veritor/hlo.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int files, parts;

static void roundtrip(const char *path, const vt_text_part *pt, size_t k, vt_module *m, bool generic) {
    vt_print_options po = {generic, false};
    vt_buf b1, b2;
    vt_buf_init(&b1);
    vt_buf_init(&b2);
    vt_error err;
    CHECK(vt_module_print(m, &po, &b1, &err) == VT_OK);
    vt_module *m2 = NULL;
    vt_parse_options o = {"printed", 1, NULL};
    vt_status s = vt_parse_module(b1.data, b1.len, &o, &m2, &err);
    CHECK_MSG(s == VT_OK, "%s part %zu (line %u): printed %s text does not parse: %s", path, k, pt->line, generic ? "generic" : "pretty",
              err.msg);
    if (s == VT_OK) {
        CHECK(vt_module_print(m2, &po, &b2, &err) == VT_OK);
        CHECK_MSG(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, "%s part %zu: %s printing is not a fixed point", path, k,
                  generic ? "generic" : "pretty");
        CHECK_EQ_INT(m2->nfuncs, m->nfuncs);
        CHECK_EQ_INT(m2->num_ops, m->num_ops);
        vt_module_free(m2);
    }
    vt_buf_free(&b1);
    vt_buf_free(&b2);
}

static void check_file(const char *path) {
    char *data;
    size_t len;
    vt_error err;
    if (vt_read_file(path, (size_t)1 << 30, &data, &len, &err) != VT_OK) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    files++;
    vt_text_part *pt;
    size_t np;
    CHECK(vt_split_parts(data, len, &pt, &np, &err) == VT_OK);
    for (size_t k = 0; k < np; k++) {
        vt_module *m;
        vt_parse_options o = {path, pt[k].line, NULL};
        vt_status s = vt_parse_module(pt[k].text, pt[k].len, &o, &m, &err);
        CHECK_MSG(s == VT_OK, "%s", err.msg);
        if (s != VT_OK) continue;
        parts++;
        CHECK_MSG(m->nfuncs > 0 || !memmem(pt[k].text, pt[k].len, "func.func", 9), "%s part %zu: functions were lost", path, k);
        roundtrip(path, &pt[k], k, m, false);
        roundtrip(path, &pt[k], k, m, true);
        vt_module_free(m);
    }
    free(pt);
    free(data);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void walk(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) walk(path);
        else if (strlen(names[i]) > 5 && strcmp(names[i] + strlen(names[i]) - 5, ".mlir") == 0) check_file(path);
        free(names[i]);
    }
    free(names);
}

TEST(all_conformance_files) {
    char root[4096];
    snprintf(root, sizeof root, "%s/conformance/stablehlo", vt_test_shared_dir());
    walk(root);
    /* 104 interpret files (about 520 parts) and 877 testdata files */
    CHECK_MSG(files >= 980, "only %d conformance files found under %s", files, root);
    CHECK_MSG(parts >= 1400, "only %d parts parsed", parts);
    printf("conformance: %d files, %d parts parsed and round-tripped\n", files, parts);
}

int main(void) {
    RUN(all_conformance_files);
    return vt_test_finish();
}
