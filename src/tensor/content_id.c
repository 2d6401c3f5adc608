/* Content ids: a one-level Merkle hash over a canonical header and the SHA-256 of each 4 MiB
 * chunk of a tensor's storage bytes (format fixed in docs/formats.md). Chunks hash in parallel;
 * the id never depends on the thread count. */
#include "veritor/tensor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "veritor.tensor.v1"

static uint8_t *put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

/* Callers pass shapes that vt_shape_size accepted; an invalid rank is clamped so that a bad
 * caller can never make us read outside dims. The byte count wraps like the shape's product
 * would in u64 rather than failing, because this function has no error path. */
size_t vt_content_header(vt_dtype t, int rank, const int64_t *dims, uint8_t *out, size_t cap) {
    if (rank < 0) rank = 0;
    if (rank > VT_MAX_RANK) rank = VT_MAX_RANK;
    const char *name = vt_dtype_name(t);
    size_t name_len = strlen(name); /* canonical names are at most 16 bytes: fits one byte */
    size_t need = sizeof MAGIC + 1 + name_len + 4 + 8 * (size_t)rank + 8 + 8;
    if (!out || cap < need) return need;
    uint8_t *p = out;
    memcpy(p, MAGIC, sizeof MAGIC); /* sizeof includes the terminating 0x00 */
    p += sizeof MAGIC;
    *p++ = (uint8_t)name_len;
    memcpy(p, name, name_len);
    p += name_len;
    p = put_u32(p, (uint32_t)rank);
    uint64_t n = 1;
    for (int i = 0; i < rank; i++) {
        p = put_u64(p, (uint64_t)dims[i]);
        n *= (uint64_t)dims[i];
    }
    p = put_u64(p, n * (uint64_t)vt_dtype_size(t));
    p = put_u64(p, (uint64_t)VT_CHUNK_SIZE);
    return (size_t)(p - out);
}

typedef struct chunk_job {
    const uint8_t *data;
    size_t nbytes, nchunks;
    uint8_t (*out)[VT_SHA256_LEN];
    atomic_size_t next; /* work stealing: a thread slowed by page faults takes fewer chunks */
} chunk_job;

static void *chunk_worker(void *arg) {
    chunk_job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (i >= j->nchunks) break;
        size_t off = i * VT_CHUNK_SIZE;
        size_t len = j->nbytes - off < VT_CHUNK_SIZE ? j->nbytes - off : VT_CHUNK_SIZE;
        vt_sha256(j->data + off, len, j->out[i]);
    }
    return NULL;
}

void vt_chunk_hashes(const void *data, size_t nbytes, int threads, uint8_t (*out)[VT_SHA256_LEN]) {
    size_t nchunks = nbytes / VT_CHUNK_SIZE + (nbytes % VT_CHUNK_SIZE != 0);
    if (nchunks == 0) return;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)(n < 1024 ? n : 1024) : 1;
    }
    if ((size_t)threads > nchunks) threads = (int)nchunks;
    chunk_job job = {.data = data, .nbytes = nbytes, .nchunks = nchunks, .out = out};
    atomic_init(&job.next, 0);
    /* The calling thread works too; a thread that cannot be created just means fewer workers,
     * never a different result. At most 65 threads: far past that, memory bandwidth and not
     * the core count limits hashing. */
    pthread_t tid[64];
    int started = 0;
    for (int i = 1; i < threads && started < (int)(sizeof tid / sizeof tid[0]); i++) {
        if (pthread_create(&tid[started], NULL, chunk_worker, &job) != 0) break;
        started++;
    }
    chunk_worker(&job);
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
}

void vt_content_id_from_chunks(vt_dtype t, int rank, const int64_t *dims,
                               const uint8_t (*chunks)[VT_SHA256_LEN], size_t nchunks,
                               uint8_t out[VT_SHA256_LEN]) {
    uint8_t header[sizeof MAGIC + 1 + 255 + 4 + 8 * VT_MAX_RANK + 16];
    size_t hlen = vt_content_header(t, rank, dims, header, sizeof header);
    vt_sha256_ctx *c = vt_sha256_new();
    if (!c) {
        /* Only an exhausted allocator gets here; an all-zero id matches no real tensor, so a
         * comparison against it fails instead of passing. */
        memset(out, 0, VT_SHA256_LEN);
        return;
    }
    vt_sha256_update(c, header, hlen);
    if (nchunks) vt_sha256_update(c, chunks, nchunks * VT_SHA256_LEN);
    vt_sha256_final(c, out);
    vt_sha256_free(c);
}

void vt_content_id(vt_dtype t, int rank, const int64_t *dims, const void *data, size_t nbytes,
                   int threads, uint8_t out[VT_SHA256_LEN]) {
    /* Chunk hashes are computed in batches of 256 (1 GiB of data, 8 KiB of hashes on the
     * stack) and streamed into the outer hash, so no allocation can fail here and memory does
     * not grow with the tensor. Starting threads once per GiB costs nothing measurable. */
    enum { BATCH = 256 };
    uint8_t hashes[BATCH][VT_SHA256_LEN];
    uint8_t header[sizeof MAGIC + 1 + 255 + 4 + 8 * VT_MAX_RANK + 16];
    size_t hlen = vt_content_header(t, rank, dims, header, sizeof header);
    vt_sha256_ctx *c = vt_sha256_new();
    if (!c) {
        memset(out, 0, VT_SHA256_LEN); /* see vt_content_id_from_chunks */
        return;
    }
    vt_sha256_update(c, header, hlen);
    const uint8_t *p = data;
    for (size_t off = 0; off < nbytes;) {
        size_t len = nbytes - off;
        if (len > (size_t)BATCH * VT_CHUNK_SIZE) len = (size_t)BATCH * VT_CHUNK_SIZE;
        size_t n = len / VT_CHUNK_SIZE + (len % VT_CHUNK_SIZE != 0);
        vt_chunk_hashes(p + off, len, threads, hashes);
        vt_sha256_update(c, hashes, n * VT_SHA256_LEN);
        off += len;
    }
    vt_sha256_final(c, out);
    vt_sha256_free(c);
}

void vt_tensor_id(const vt_tensor *t, int threads, uint8_t out[VT_SHA256_LEN]) {
    vt_content_id(t->dtype, t->rank, t->dims, t->data, t->nbytes, threads, out);
}
