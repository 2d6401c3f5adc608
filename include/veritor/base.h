/* veritor base layer: status codes and error records, arenas, hashing, hex, JSON, logging,
 * overflow-checked sizes and the Threefry-2x32 PRNG that every random number comes from. */
#ifndef VERITOR_BASE_H
#define VERITOR_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes -------------------------------------------------------------------------
 * Every fallible function returns one of these and fills a caller-supplied vt_error.
 * vt_status_exit_code() maps them onto the CLI's four exit codes. */
typedef enum vt_status {
    VT_OK = 0,
    VT_ECHECK,       /* a negative answer: a check or claim failed, corruption found (exit 1) */
    VT_EINPUT,       /* malformed or inconsistent input (exit 2) */
    VT_EUSAGE,       /* bad usage or bad option (exit 2) */
    VT_EUNSUPPORTED, /* well-formed but not supported: the message names what (exit 2) */
    VT_EIO,          /* file or OS error (exit 2) */
    VT_ELIMIT,       /* a configured resource limit was hit (exit 3) */
    VT_ENOMEM,       /* the allocator failed (exit 3) */
    VT_EINTERNAL     /* a bug in veritor (exit 2, message says so) */
} vt_status;

const char *vt_status_name(vt_status s);
int vt_status_exit_code(vt_status s);

/* An error record: code + message with context ("model.mlir:12:7: expected ')'").
 * Callers may pass NULL when they do not want the message. */
#define VT_ERROR_MSG_MAX 1024
typedef struct vt_error {
    vt_status code;
    char msg[VT_ERROR_MSG_MAX];
} vt_error;

void vt_error_clear(vt_error *err);
/* Sets code and message; returns code so that `return vt_error_set(...)` reads naturally. */
vt_status vt_error_set(vt_error *err, vt_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
vt_status vt_error_setv(vt_error *err, vt_status code, const char *fmt, va_list ap);
/* Prepends context: "ctx: " + previous message. Keeps the code. */
void vt_error_prefix(vt_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- logging through a caller-supplied sink (the library never prints) ------------------- */
typedef enum vt_log_level { VT_LOG_DEBUG, VT_LOG_INFO, VT_LOG_WARN, VT_LOG_ERROR } vt_log_level;
typedef void (*vt_log_fn)(void *user, vt_log_level level, const char *msg);
typedef struct vt_logger {
    vt_log_fn fn;   /* NULL: discard */
    void *user;
    vt_log_level min_level;
} vt_logger;
void vt_log(const vt_logger *lg, vt_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- overflow-checked size arithmetic ---------------------------------------------------- */
static inline bool vt_mul_size(size_t a, size_t b, size_t *out) {
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_mul_overflow(a, b, out);
#else
    if (a != 0 && b > SIZE_MAX / a) return false;
    *out = a * b;
    return true;
#endif
}
static inline bool vt_add_size(size_t a, size_t b, size_t *out) {
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_add_overflow(a, b, out);
#else
    if (b > SIZE_MAX - a) return false;
    *out = a + b;
    return true;
#endif
}
static inline bool vt_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_mul_overflow(a, b, out);
#else
    if (a != 0 && b > UINT64_MAX / a) return false;
    *out = a * b;
    return true;
#endif
}
static inline bool vt_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_add_overflow(a, b, out);
#else
    if (b > UINT64_MAX - a) return false;
    *out = a + b;
    return true;
#endif
}

/* ---- arenas: bump allocation, freed all at once (parsing, execution scratch) -------------- */
typedef struct vt_arena_block vt_arena_block;
typedef struct vt_arena {
    vt_arena_block *head;
    size_t used;       /* bytes handed out, including alignment padding */
    size_t reserved;   /* bytes obtained from malloc */
    size_t limit;      /* 0: no limit; otherwise allocations past it fail with VT_ELIMIT */
    size_t block_size; /* default block size; 0 means 64 KiB */
} vt_arena;

void vt_arena_init(vt_arena *a, size_t limit);
/* Returns NULL on overflow, OOM or limit; err (optional) says which. Memory is zeroed. */
void *vt_arena_alloc(vt_arena *a, size_t size, size_t align, vt_error *err);
void *vt_arena_memdup(vt_arena *a, const void *p, size_t size, vt_error *err);
char *vt_arena_strndup(vt_arena *a, const char *s, size_t n, vt_error *err);
void vt_arena_release(vt_arena *a);
/* Released blocks of the standard sizes (64 KiB, 256 KiB) are kept for the next arena, up to a
 * process-wide number of bytes: 16 MiB, or 0 in AddressSanitizer builds (which must see every
 * use after free). Sets the limit (freeing what is over it) and returns the previous one. */
size_t vt_arena_cache_limit(size_t bytes);
/* Bytes of released blocks held for reuse now. */
size_t vt_arena_cache_bytes(void);

/* ---- growable byte buffer (printers, JSON and report writers) ---------------------------- */
typedef struct vt_buf {
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed; later appends are ignored */
} vt_buf;
void vt_buf_init(vt_buf *b);
void vt_buf_free(vt_buf *b);
bool vt_buf_append(vt_buf *b, const void *p, size_t n);
bool vt_buf_puts(vt_buf *b, const char *s);
bool vt_buf_printf(vt_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* NUL-terminated view of the contents (data may be NULL when empty; this returns ""). */
const char *vt_buf_cstr(vt_buf *b);

/* ---- hex ------------------------------------------------------------------------------------ */
/* Writes 2*n lowercase hex chars plus NUL into out (size >= 2n+1). */
void vt_hex_encode(const void *data, size_t n, char *out);
/* Decodes exactly 2*n hex digits (either case). Returns false on a non-hex digit. */
bool vt_hex_decode(const char *hex, size_t n, void *out);

/* ---- SHA-256 (OpenSSL libcrypto) -------------------------------------------------------- */
#define VT_SHA256_LEN 32
typedef struct vt_sha256_ctx vt_sha256_ctx;
vt_sha256_ctx *vt_sha256_new(void);
void vt_sha256_update(vt_sha256_ctx *c, const void *data, size_t n);
void vt_sha256_final(vt_sha256_ctx *c, uint8_t out[VT_SHA256_LEN]); /* also resets for reuse */
void vt_sha256_free(vt_sha256_ctx *c);
void vt_sha256(const void *data, size_t n, uint8_t out[VT_SHA256_LEN]);
/* 64 hex chars + NUL */
typedef struct vt_hash_hex { char s[2 * VT_SHA256_LEN + 1]; } vt_hash_hex;
vt_hash_hex vt_hash_to_hex(const uint8_t h[VT_SHA256_LEN]);

/* ---- JSON (jansson; duplicate keys are rejected) ---------------------------------------- */
struct json_t;
/* Parses text; on error fills err with "what: line L col C: message" (VT_EINPUT). */
struct json_t *vt_json_parse(const char *text, size_t len, const char *what, vt_error *err);

/* ---- files ------------------------------------------------------------------------------- */
/* Reads a whole file, refusing files larger than max_bytes (VT_ELIMIT). Adds a NUL after the
 * data (not counted in *len). Caller frees with free(). */
vt_status vt_read_file(const char *path, size_t max_bytes, char **data, size_t *len, vt_error *err);
/* Writes atomically: temp file in the same folder, fsync, rename. A path that exists and is not
 * a regular file (/dev/null, a FIFO) is written in place; a folder is VT_EIO. */
vt_status vt_write_file_atomic(const char *path, const void *data, size_t len, vt_error *err);

/* ---- Threefry-2x32, 20 rounds (Random123; the block cipher JAX uses) ---------------------- */
typedef struct vt_key {
    uint32_t k[2];
} vt_key;

/* One block: (x0, x1) encrypted under key. */
void vt_threefry2x32(vt_key key, uint32_t x0, uint32_t x1, uint32_t out[2]);
/* JAX's threefry_2x32(key, counts) on a flat array of n words (n even, or odd: padded with one
 * zero that is dropped): pairs (c[i], c[i + n/2]), outputs concatenated. */
void vt_threefry2x32_array(vt_key key, const uint32_t *counts, size_t n, uint32_t *out);
/* jax.random.PRNGKey(seed): (seed >> 32, seed & 0xffffffff) for 64-bit seeds. */
vt_key vt_key_from_seed(uint64_t seed);
/* Parses "0xHHHHHHHH:0xHHHHHHHH" (1..8 hex digits each) or a decimal/0x integer seed. */
vt_status vt_key_parse(const char *text, vt_key *key, vt_error *err);
/* Formats as "0xHHHHHHHH:0xHHHHHHHH" into out (at least 22 bytes). */
void vt_key_format(vt_key key, char out[22]);
/* JAX's original-mode (jax_threefry_partitionable off) split(key, num): out has num keys. */
void vt_key_split_original(vt_key key, size_t num, vt_key *out);

/* Version strings. */
const char *vt_version(void);
const char *vt_git_commit(void);

#ifdef __cplusplus
}
#endif
#endif
