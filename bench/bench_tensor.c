/* Benchmarks of tensor content ids: tensor_id_1g (parallel chunk hashing against one stream of
 * libcrypto SHA-256) and safetensors_read_id_1g (open an mmap'ed 1 GiB file and id every tensor,
 * against the same ids computed on the bytes in memory). */
#include "bench_harness.h"

#include "veritor/veritor.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPS 3
#define GIB ((size_t)1 << 30)
#define PARTS 4 /* the file holds 4 tensors of 256 MiB, like the layers of a checkpoint */

static void keep(void *ctx, void *data, size_t nbytes) { (void)ctx, (void)data, (void)nbytes; }

static void fill(uint8_t *p, size_t n) {
    /* xorshift64: incompressible bytes, so nothing below can take a shortcut on zeros. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
}

static double time_sha256_stream(const uint8_t *p, size_t n) {
    uint8_t out[32];
    unsigned len;
    double t0 = vt_bench_now();
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
    return vt_bench_now() - t0;
}

static double time_ids(vt_tensor **ts, int n) {
    uint8_t id[VT_SHA256_LEN];
    double t0 = vt_bench_now();
    for (int i = 0; i < n; i++) vt_tensor_id(ts[i], 0, id);
    return vt_bench_now() - t0;
}

/* Reads the whole file once so that the timed runs see it in the page cache, as a verifier
 * re-reading a database it just received would, rather than the disk's speed. */
static bool warm_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    static char buf[1 << 20];
    while (fread(buf, 1, sizeof buf, f) == sizeof buf) {
    }
    fclose(f);
    return true;
}

int main(void) {
    bool want_id = vt_bench_selected("tensor_id_1g"), want_st = vt_bench_selected("safetensors_read_id_1g");
    if (!want_id && !want_st) return 0;
    uint8_t *data = aligned_alloc(64, GIB);
    if (!data) {
        fprintf(stderr, "bench_tensor: cannot allocate 1 GiB\n");
        return 1;
    }
    fill(data, GIB);
    vt_error err;
    int64_t whole_dims[2] = {16384, 16384}; /* f32: 1 GiB */
    vt_tensor *whole = vt_tensor_wrap(VT_F32, 2, whole_dims, data, GIB, keep, NULL, &err);
    vt_tensor *parts[PARTS];
    int64_t part_dims[2] = {8192, 8192}; /* f32: 256 MiB */
    for (int i = 0; i < PARTS; i++)
        parts[i] = vt_tensor_wrap(VT_F32, 2, part_dims, data + (size_t)i * (GIB / PARTS), GIB / PARTS, keep, NULL, &err);
    int rc = 0;

    double base[REPS], t[REPS];
    double id_time = 0;
    if (want_id) {
        for (int r = 0; r < REPS; r++) base[r] = time_sha256_stream(data, GIB);
        for (int r = 0; r < REPS; r++) t[r] = time_ids(&whole, 1);
        double b = vt_bench_median(base, REPS);
        id_time = vt_bench_median(t, REPS);
        vt_bench_print_ratio("tensor_id_1g", (double)GIB / id_time / 1e9, "GB/s", b / id_time, "sha256_one_stream");
    }

    if (want_st) {
        const char *tmp = getenv("TMPDIR");
        char dir[512], path[600];
        snprintf(dir, sizeof dir, "%s/vt-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "bench_tensor: cannot create a temp folder in %s\n", tmp && *tmp ? tmp : "/tmp");
            rc = 1;
            goto out;
        }
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        vt_tensor_set *set = vt_tensor_set_new();
        vt_status s = set ? VT_OK : VT_ENOMEM;
        for (int i = 0; i < PARTS && s == VT_OK; i++) {
            char name[32];
            snprintf(name, sizeof name, "layer%d.weight", i);
            s = vt_tensor_set_add(set, name, parts[i], &err);
        }
        if (s == VT_OK) s = vt_safetensors_write(path, set, &err);
        vt_tensor_set_free(set);
        if (s != VT_OK || !warm_file(path)) {
            fprintf(stderr, "bench_tensor: cannot write %s: %s\n", path, s != VT_OK ? err.msg : "read back failed");
            rc = 1;
        } else {
            /* Baseline: the same four ids on the bytes in memory, measured now. */
            for (int r = 0; r < REPS; r++) base[r] = time_ids(parts, PARTS);
            uint8_t want[PARTS][VT_SHA256_LEN];
            for (int i = 0; i < PARTS; i++) vt_tensor_id(parts[i], 0, want[i]);
            vt_read_options opt = {.max_tensor_bytes = 0, .use_mmap = true};
            for (int r = 0; r < REPS && rc == 0; r++) {
                double t0 = vt_bench_now();
                vt_tensor_set *in = NULL;
                s = vt_safetensors_read(path, &opt, &in, &err);
                if (s != VT_OK) {
                    fprintf(stderr, "bench_tensor: %s\n", err.msg);
                    rc = 1;
                    break;
                }
                uint8_t id[PARTS][VT_SHA256_LEN];
                for (size_t i = 0; i < in->count && i < PARTS; i++) vt_tensor_id(in->items[i].tensor, 0, id[i]);
                t[r] = vt_bench_now() - t0;
                /* The ids must be those of the bytes written, or the figure means nothing. */
                if (in->count != PARTS || memcmp(id, want, sizeof want) != 0) {
                    fprintf(stderr, "bench_tensor: ids read back from %s differ from the ids in memory\n", path);
                    rc = 1;
                }
                vt_tensor_set_free(in);
            }
            if (rc == 0) {
                double b = vt_bench_median(base, REPS), f = vt_bench_median(t, REPS);
                vt_bench_print_ratio("safetensors_read_id_1g", (double)GIB / f / 1e9, "GB/s", b / f, "tensor_id_1g_in_memory");
            }
        }
        unlink(path);
        rmdir(dir);
    }
out:
    vt_tensor_release(whole);
    for (int i = 0; i < PARTS; i++) vt_tensor_release(parts[i]);
    free(data);
    return rc;
}
