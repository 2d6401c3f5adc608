/* Parser benchmarks: parse_hex_256m (a module holding 256 MiB of dense<"0x..."> constants,
 * against a plain hex-decode loop over the same bytes; peak RSS against file size + 1.3 x the
 * constant bytes) and parse_ops_200k (200k small ops: MB/s and ops/s). */
#include "bench_harness.h"

#include "veritor/hlo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 3
#define MIB ((size_t)1 << 20)

static char *hex_module(size_t nconst, size_t bytes_each, size_t *len) {
    size_t cap = nconst * (2 * bytes_each + 256) + 1024;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap, "module @big {\n  func.func public @main() -> tensor<%zuxf32> {\n", bytes_each / 4);
    static const char hx[] = "0123456789ABCDEF";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t c = 0; c < nconst; c++) {
        n += (size_t)snprintf(s + n, cap - n, "    %%c%zu = stablehlo.constant dense<\"0x", c);
        for (size_t i = 0; i < bytes_each; i += 8) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            for (int k = 0; k < 8; k++) {
                uint8_t byte = (uint8_t)(x >> (8 * k));
                s[n++] = hx[byte >> 4];
                s[n++] = hx[byte & 15];
            }
        }
        n += (size_t)snprintf(s + n, cap - n, "\"> : tensor<%zuxf32>\n", bytes_each / 4);
    }
    n += (size_t)snprintf(s + n, cap - n, "    return %%c0 : tensor<%zuxf32>\n  }\n}\n", bytes_each / 4);
    *len = n;
    return s;
}

static char *ops_module(size_t nops, size_t *len) {
    size_t cap = nops * 96 + 1024;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap, "func.func @main(%%a: tensor<4xf32>, %%b: tensor<4xf32>) -> tensor<4xf32> {\n");
    n += (size_t)snprintf(s + n, cap - n, "  %%0 = stablehlo.add %%a, %%b : tensor<4xf32>\n");
    for (size_t i = 1; i < nops - 1; i++) {
        if (i % 4 == 0)
            n += (size_t)snprintf(s + n, cap - n, "  %%%zu = stablehlo.constant dense<[1.5, 2.0, -3.0, 4.25]> : tensor<4xf32>\n", i);
        else if (i % 4 == 1)
            n += (size_t)snprintf(s + n, cap - n, "  %%%zu = stablehlo.multiply %%%zu, %%a : tensor<4xf32>\n", i, i - 1);
        else
            n += (size_t)snprintf(s + n, cap - n, "  %%%zu = stablehlo.add %%%zu, %%%zu : tensor<4xf32>\n", i, i - 1, i - 2);
    }
    n += (size_t)snprintf(s + n, cap - n, "  return %%%zu : tensor<4xf32>\n}\n", nops - 2);
    *len = n;
    return s;
}

static void bench_hex(void) {
    const size_t nconst = 16, each = 16 * MIB; /* 256 MiB of constants */
    size_t len;
    char *text = hex_module(nconst, each, &len);
    if (!text) {
        fprintf(stderr, "bench_parse: out of memory\n");
        return;
    }
    /* baseline: decode the same hex digits with a plain loop into a buffer */
    double base[REPS], t[REPS];
    uint8_t *buf = malloc(each);
    for (int r = 0; r < REPS; r++) {
        double t0 = vt_bench_now();
        const char *p = text;
        for (size_t c = 0; c < nconst; c++) {
            p = strstr(p, "\"0x") + 3;
            if (!vt_hex_decode(p, each, buf)) abort();
            p += 2 * each;
        }
        base[r] = vt_bench_now() - t0;
    }
    free(buf);
    size_t peak = 0;
    vt_parse_limits lim;
    vt_parse_limits_default(&lim);
    vt_parse_options o = {"big.mlir", 1, &lim};
    for (int r = 0; r < REPS; r++) {
        /* the first parse measures memory (a verifier parses a graph once); later runs would
         * also count what the allocator kept from the previous module */
        if (r == 0) vt_bench_reset_peak_rss();
        vt_module *m;
        vt_error err;
        double t0 = vt_bench_now();
        if (vt_parse_module(text, len, &o, &m, &err) != VT_OK) {
            fprintf(stderr, "bench_parse: %s\n", err.msg);
            exit(1);
        }
        t[r] = vt_bench_now() - t0;
        if (r == 0) peak = vt_bench_peak_rss();
        vt_module_free(m);
    }
    double b = vt_bench_median(base, REPS), tp = vt_bench_median(t, REPS);
    vt_bench_print_ratio("parse_hex_256m", (double)(nconst * each) / tp / 1e6, "MB/s", b / tp, "hex_decode_loop");
    /* the input text stays resident (it is the "file"); budget = file + 1.3 x constants */
    double budget = (double)len + 1.3 * (double)(nconst * each);
    vt_bench_print_ratio("parse_hex_256m_peak_rss", (double)peak / (double)MIB, "MiB", budget / (double)peak, "file_plus_1.3x_constants");
    free(text);
}

static void bench_ops(void) {
    const size_t nops = 200000;
    size_t len;
    char *text = ops_module(nops, &len);
    if (!text) return;
    double t[REPS];
    vt_parse_options o = {"ops.mlir", 1, NULL};
    size_t count = 0;
    for (int r = 0; r < REPS; r++) {
        vt_module *m;
        vt_error err;
        double t0 = vt_bench_now();
        if (vt_parse_module(text, len, &o, &m, &err) != VT_OK) {
            fprintf(stderr, "bench_parse: %s\n", err.msg);
            exit(1);
        }
        t[r] = vt_bench_now() - t0;
        count = m->num_ops;
        vt_module_free(m);
    }
    double tp = vt_bench_median(t, REPS);
    vt_bench_print("parse_ops_200k", (double)len / tp / 1e6, "MB/s");
    vt_bench_print("parse_ops_200k_ops", (double)count / tp, "ops/s");
    /* printing back the same module, for scale */
    vt_module *m;
    vt_error err;
    if (vt_parse_module(text, len, &o, &m, &err) == VT_OK) {
        double tt[REPS];
        for (int r = 0; r < REPS; r++) {
            vt_buf b;
            vt_buf_init(&b);
            double t0 = vt_bench_now();
            vt_module_print(m, NULL, &b, &err);
            tt[r] = vt_bench_now() - t0;
            vt_buf_free(&b);
        }
        vt_bench_print("print_ops_200k", (double)count / vt_bench_median(tt, REPS), "ops/s");
        vt_module_free(m);
    }
    free(text);
}

int main(void) {
    if (vt_bench_selected("parse_hex_256m")) bench_hex();
    if (vt_bench_selected("parse_ops_200k") || vt_bench_selected("print_ops_200k")) bench_ops();
    return 0;
}
