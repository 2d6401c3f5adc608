/* `veritor rand`: JAX-compatible random streams (split, fold-in, bits, uniform, normal) from a
 * key, so that anyone can recompute a protocol's random numbers (docs/randomness.md). */
#include "cli/cli.h"
#include "veritor/protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "usage: veritor rand split    --key K [--num N]\n"
    "       veritor rand fold-in  --key K --data D\n"
    "       veritor rand bits     --key K [--num N] [--width 8|16|32|64] [--offset I]\n"
    "       veritor rand uniform  --key K [--num N] [--min A] [--max B] [--offset I]\n"
    "       veritor rand normal   --key K [--num N] [--offset I]\n"
    "       veritor rand uniform53 --key K\n"
    "\n"
    "JAX's current default Threefry mode (jax_threefry_partitionable=True): split is\n"
    "jax.random.split(key, N), fold-in is jax.random.fold_in(key, D), bits/uniform/normal are\n"
    "jax.random.bits/uniform/normal(key, (N,)) elements I .. I+N-1 (f32). uniform53 is the 53-bit\n"
    "uniform the canonical sampler draws. Output: one value per line (keys as 0xHHHHHHHH:0xHHHHHHHH).\n"
    "\n"
    "Options:\n"
    "  --key K         0xHHHHHHHH:0xHHHHHHHH, or an integer seed (jax.random.key(seed))\n"
    "  --num N         how many values (default 1 for streams, 2 for split; at most 10^8)\n"
    "  --data D        a uint32, or a purpose: lsh grad sample challenge spot noise, or a\n"
    "                  four-letter code (e.g. SMPL)\n"
    "  --width W       bits: 8, 16, 32 (default) or 64\n"
    "  --min A --max B uniform range (default [0, 1))\n"
    "  --offset I      first element index (default 0)\n"
    "  -o, --output F  write the lines to F instead of stdout\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad usage or bad key; 3 --num above the limit.\n";

#define RAND_MAX_NUM 100000000ull

static bool parse_f32(const char *s, float *out) {
    errno = 0;
    char *end;
    float v = strtof(s, &end);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

int vt_cmd_rand(int argc, char **argv) {
    if (argc < 2 || vt_cli_is_help(argv[1])) {
        fputs(help_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *key_s = NULL, *data_s = NULL, *out_path = NULL;
    uint64_t num = 0, width = 32, offset = 0;
    bool have_num = false;
    float lo = 0.0f, hi = 1.0f;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            return 0;
        }
        if (!v) return vt_cli_usage("rand", "option %s needs a value", a);
        i++;
        if (!strcmp(a, "--key")) key_s = v;
        else if (!strcmp(a, "--data")) data_s = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) out_path = v;
        else if (!strcmp(a, "--num")) {
            if (!vt_cli_parse_u64(v, &num)) return vt_cli_usage("rand", "--num: expected a count, got '%s'", v);
            have_num = true;
        } else if (!strcmp(a, "--width")) {
            if (!vt_cli_parse_u64(v, &width) || (width != 8 && width != 16 && width != 32 && width != 64))
                return vt_cli_usage("rand", "--width: expected 8, 16, 32 or 64, got '%s'", v);
        } else if (!strcmp(a, "--offset")) {
            if (!vt_cli_parse_u64(v, &offset)) return vt_cli_usage("rand", "--offset: expected an index, got '%s'", v);
        } else if (!strcmp(a, "--min")) {
            if (!parse_f32(v, &lo)) return vt_cli_usage("rand", "--min: expected a number, got '%s'", v);
        } else if (!strcmp(a, "--max")) {
            if (!parse_f32(v, &hi)) return vt_cli_usage("rand", "--max: expected a number, got '%s'", v);
        } else
            return vt_cli_usage("rand", "unknown option '%s'", a);
    }
    if (!key_s) return vt_cli_usage("rand", "--key is required");
    vt_error err;
    vt_key key;
    if (vt_key_parse(key_s, &key, &err) != VT_OK) return vt_cli_fail(&err);
    if (!have_num) num = strcmp(sub, "split") == 0 ? 2 : 1;
    if (num > RAND_MAX_NUM) {
        vt_error_set(&err, VT_ELIMIT, "rand: --num %llu exceeds the limit 10^8", (unsigned long long)num);
        return vt_cli_fail(&err);
    }
    vt_buf b;
    vt_buf_init(&b);
    char ks[22];
    if (!strcmp(sub, "split")) {
        for (uint64_t i = 0; i < num; i++) {
            vt_key k;
            uint32_t o[2];
            vt_threefry2x32(key, (uint32_t)(i >> 32), (uint32_t)i, o); /* block i of split */
            k.k[0] = o[0];
            k.k[1] = o[1];
            vt_key_format(k, ks);
            vt_buf_printf(&b, "%s\n", ks);
        }
    } else if (!strcmp(sub, "fold-in")) {
        if (!data_s) {
            vt_buf_free(&b);
            return vt_cli_usage("rand", "fold-in needs --data");
        }
        uint32_t d;
        if (vt_purpose_parse(data_s, &d, &err) != VT_OK) {
            vt_buf_free(&b);
            return vt_cli_fail(&err);
        }
        vt_key_format(vt_rand_fold_in(key, d), ks);
        vt_buf_printf(&b, "%s\n", ks);
    } else if (!strcmp(sub, "bits") || !strcmp(sub, "uniform") || !strcmp(sub, "normal")) {
        if (offset + num < offset) {
            vt_buf_free(&b);
            return vt_cli_usage("rand", "--offset + --num overflows");
        }
        for (uint64_t i = 0; i < num; i++) {
            uint64_t at = offset + i;
            if (!strcmp(sub, "uniform")) {
                float u;
                vt_rand_uniform_f32(key, at, 1, lo, hi, &u);
                vt_buf_printf(&b, "%.9g\n", (double)u);
            } else if (!strcmp(sub, "normal")) {
                float z;
                vt_rand_normal_f32(key, at, 1, &z);
                vt_buf_printf(&b, "%.9g\n", (double)z);
            } else if (width == 64) {
                uint64_t w;
                vt_rand_bits64(key, at, 1, &w);
                vt_buf_printf(&b, "%llu\n", (unsigned long long)w);
            } else {
                uint32_t w;
                vt_rand_bits32(key, at, 1, &w);
                if (width == 16) w &= 0xffffu;
                if (width == 8) w &= 0xffu;
                vt_buf_printf(&b, "%u\n", w);
            }
        }
    } else if (!strcmp(sub, "uniform53")) {
        vt_buf_printf(&b, "%.17g\n", vt_rand_uniform53(key));
    } else {
        vt_buf_free(&b);
        return vt_cli_usage("rand", "unknown subcommand '%s' (split, fold-in, bits, uniform, normal, uniform53)", sub);
    }
    if (b.failed) {
        vt_buf_free(&b);
        vt_error_set(&err, VT_ENOMEM, "rand: out of memory for the output");
        return vt_cli_fail(&err);
    }
    int rc = 0;
    if (out_path) {
        if (vt_write_file_atomic(out_path, b.data, b.len, &err) != VT_OK) rc = vt_cli_fail(&err);
    } else {
        fwrite(vt_buf_cstr(&b), 1, b.len, stdout);
    }
    vt_buf_free(&b);
    return rc;
}
