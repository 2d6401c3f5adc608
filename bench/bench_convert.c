/* Conversion throughput: f32 -> bf16 -> f32 over 256M elements (1 GiB of f32), fused in
 * cache-sized blocks and unfused per direction, each against memcpy of the same 1 GiB measured in
 * the same run. convert_bf16_256m splits the blocks over all cores (as the engine's convert
 * kernel does); convert_bf16_256m_1core is the same on one thread. Rates: million elements/s. */
#include "bench_harness.h"
#include "veritor/tensor.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define N ((size_t)256 << 20)
#define BLOCK ((size_t)16 << 10) /* 64 KiB of f32 + 32 KiB of bf16: stays in L2 */
#define REPS 7

typedef struct bufs {
    float *src, *dst;
    uint16_t *half;
} bufs;

static double run_memcpy(void *p) {
    bufs *b = p;
    double t0 = vt_bench_now();
    memcpy(b->dst, b->src, N * sizeof(float));
    return vt_bench_now() - t0;
}

static double run_fused(void *p) {
    bufs *b = p;
    double t0 = vt_bench_now();
    for (size_t i = 0; i < N; i += BLOCK) {
        vt_convert(VT_F32, b->src + i, VT_BF16, b->half, BLOCK);
        vt_convert(VT_BF16, b->half, VT_F32, b->dst + i, BLOCK);
    }
    return vt_bench_now() - t0;
}

typedef struct part {
    bufs *b;
    size_t begin, end;
    uint16_t *half;
} part;

static void *fused_part(void *arg) {
    part *pt = arg;
    for (size_t i = pt->begin; i < pt->end; i += BLOCK) {
        vt_convert(VT_F32, pt->b->src + i, VT_BF16, pt->half, BLOCK);
        vt_convert(VT_BF16, pt->half, VT_F32, pt->b->dst + i, BLOCK);
    }
    return NULL;
}

/* The fused round trip with the blocks split evenly over the online cores. */
static double run_fused_mt(void *p) {
    bufs *b = p;
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    int th = nc < 1 ? 1 : nc > 16 ? 16 : (int)nc;
    static uint16_t halves[16][BLOCK];
    pthread_t tid[16];
    part parts[16];
    size_t nblocks = N / BLOCK;
    double t0 = vt_bench_now();
    for (int i = 0; i < th; i++) {
        parts[i] = (part){b, nblocks * i / th * BLOCK, nblocks * (i + 1) / th * BLOCK, halves[i]};
        pthread_create(&tid[i], NULL, fused_part, &parts[i]);
    }
    for (int i = 0; i < th; i++) pthread_join(tid[i], NULL);
    return vt_bench_now() - t0;
}

static double run_to_bf16(void *p) {
    bufs *b = p;
    double t0 = vt_bench_now();
    vt_convert(VT_F32, b->src, VT_BF16, b->half, N);
    return vt_bench_now() - t0;
}

static double run_from_bf16(void *p) {
    bufs *b = p;
    double t0 = vt_bench_now();
    vt_convert(VT_BF16, b->half, VT_F32, b->dst, N);
    return vt_bench_now() - t0;
}

int main(void) {
    const char *names[] = {"convert_bf16_256m_1core", "convert_f32_to_bf16_256m", "convert_bf16_to_f32_256m",
                           "convert_bf16_256m", "convert_memcpy_1g"};
    bool any = false;
    for (int i = 0; i < 5; i++) any = any || vt_bench_selected(names[i]);
    if (!any) return 0;
    bufs b;
    b.src = malloc(N * sizeof(float));
    b.dst = malloc(N * sizeof(float));
    b.half = malloc(N * sizeof(uint16_t));
    if (!b.src || !b.dst || !b.half) {
        fprintf(stderr, "bench_convert: out of memory (needs 2.5 GiB)\n");
        return 1;
    }
    /* Values spread over the whole f32 range (normals, subnormals, a few NaN/inf), all pages
     * touched before timing. */
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint32_t bits = (i & 7) ? (x & 0x3FFFFFFFu) + 0x20000000u : x;
        memcpy(&b.src[i], &bits, 4);
    }
    memset(b.dst, 0, N * sizeof(float));
    memset(b.half, 0, N * sizeof(uint16_t));

    /* Each repetition times memcpy and then every figure, so that the ratios compare runs made
     * under the same machine load; the medians are taken per figure and per ratio. */
    double (*runs[4])(void *) = {run_fused, run_to_bf16, run_from_bf16, run_fused_mt};
    double rate[5][REPS], ratio[4][REPS];
    run_memcpy(&b); /* warm-up */
    run_fused(&b);
    for (int r = 0; r < REPS; r++) {
        double tm = run_memcpy(&b);
        rate[4][r] = (double)N / tm / 1e6;
        for (int k = 0; k < 4; k++) {
            if (!vt_bench_selected(names[k])) continue;
            double t = runs[k](&b);
            rate[k][r] = (double)N / t / 1e6;
            ratio[k][r] = tm / t;
        }
    }
    vt_bench_print("convert_memcpy_1g", vt_bench_median(rate[4], REPS), "Melem/s");
    for (int k = 0; k < 4; k++) {
        if (!vt_bench_selected(names[k])) continue;
        double rt = vt_bench_median(ratio[k], REPS);
        vt_bench_print_ratio(names[k], vt_bench_median(rate[k], REPS), "Melem/s", rt, "convert_memcpy_1g");
    }
    /* the round trip is the identity on bf16 values: check the first block against the kernel */
    run_fused_mt(&b);
    for (size_t i = 0; i < BLOCK; i++) {
        uint32_t d;
        uint16_t h;
        memcpy(&d, &b.dst[i], 4);
        vt_convert(VT_F32, &b.src[i], VT_BF16, &h, 1);
        if (d != (uint32_t)h << 16) {
            fprintf(stderr, "bench_convert: round trip mismatch at %zu\n", i);
            return 1;
        }
    }
    free(b.src);
    free(b.dst);
    free(b.half);
    return 0;
}
