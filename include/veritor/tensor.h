/* veritor tensor layer: element types of StableHLO, dense row-major tensors, conversions,
 * content ids (one-level Merkle hash), and the .npy / safetensors file formats. */
#ifndef VERITOR_TENSOR_H
#define VERITOR_TENSOR_H

#include "veritor/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. The spelling returned by vt_dtype_name() is StableHLO's and is the canonical
 * name everywhere (hashes, JSON, CLI). Order is part of no format; never persist the number. */
typedef enum vt_dtype {
    VT_I1,
    VT_I2, VT_I4, VT_I8, VT_I16, VT_I32, VT_I64,
    VT_U2, VT_U4, VT_U8, VT_U16, VT_U32, VT_U64,
    VT_F4E2M1FN, VT_F6E2M3FN, VT_F6E3M2FN,
    VT_F8E3M4, VT_F8E4M3, VT_F8E4M3FN, VT_F8E4M3FNUZ, VT_F8E4M3B11FNUZ,
    VT_F8E5M2, VT_F8E5M2FNUZ, VT_F8E8M0FNU,
    VT_BF16, VT_F16, VT_F32, VT_F64,
    VT_C64, VT_C128,
    VT_DTYPE_COUNT,
    VT_DTYPE_INVALID = -1
} vt_dtype;

typedef enum vt_dtype_kind { VT_KIND_BOOL, VT_KIND_SINT, VT_KIND_UINT, VT_KIND_FLOAT, VT_KIND_COMPLEX } vt_dtype_kind;

const char *vt_dtype_name(vt_dtype t);             /* "f32", "complex<f32>", "f8E4M3FN", ... */
vt_dtype vt_dtype_from_name(const char *name);    /* VT_DTYPE_INVALID when unknown */
vt_dtype vt_dtype_from_name_n(const char *name, size_t n);
/* Storage bytes per element. Sub-byte types (i1, i2, i4, u2, u4, f4, f6) use one byte per
 * element: the value in the low bits; signed types sign-extended through the byte, unsigned and
 * float encodings zero-extended; i1 is 0 or 1. */
size_t vt_dtype_size(vt_dtype t);
unsigned vt_dtype_bits(vt_dtype t);              /* logical bit width: 1, 2, 4, 6, 8, ..., 128 */
vt_dtype_kind vt_dtype_kind_of(vt_dtype t);
bool vt_dtype_is_float(vt_dtype t);              /* real floating point (not complex) */
bool vt_dtype_is_int(vt_dtype t);                /* signed or unsigned integer, not i1 */
bool vt_dtype_is_complex(vt_dtype t);
vt_dtype vt_complex_part_dtype(vt_dtype t);       /* c64 -> f32, c128 -> f64 */

/* Format description of a real float type (for kernels and conversions). */
typedef struct vt_float_format {
    unsigned exp_bits, mant_bits;
    int bias;
    bool has_inf;      /* IEEE-like infinities */
    bool has_nan;      /* any NaN encoding at all */
    bool nan_is_neg_zero; /* FNUZ: 0x80-pattern (sign=1, rest 0) is the only NaN, no -0 */
    bool fn_nan_all_ones; /* FN: only exponent+mantissa all ones is NaN (no inf) */
    bool has_sign;     /* f8E8M0FNU has none */
} vt_float_format;
const vt_float_format *vt_float_format_of(vt_dtype t); /* NULL for non-float */

/* Checks that every element's byte holds a valid canonical value for a sub-byte type
 * (e.g. i4 in [-8, 7], i1 in {0, 1}). Other types always pass. */
bool vt_dtype_check_canonical(vt_dtype t, const void *data, size_t nelem, size_t *bad_index);

/* ---- conversions ----------------------------------------------------------------------------
 * Element-wise conversion between every pair of types, following XLA where the spec is open:
 * round to nearest even, rounded once; float -> int saturates, NaN -> 0; to bool: != 0;
 * complex -> real takes the real part; per-format NaN/Inf/saturation rules; denormals kept. */
void vt_convert(vt_dtype src_t, const void *src, vt_dtype dst_t, void *dst, size_t n);
/* Single-element helpers used by kernels and parsers. */
double vt_load_f64(vt_dtype t, const void *elem);           /* real part for complex */
void vt_store_f64(vt_dtype t, void *elem, double v);        /* rounds once to t */
int64_t vt_load_i64(vt_dtype t, const void *elem);          /* ints/bool as is; floats truncate+saturate */
uint64_t vt_load_u64(vt_dtype t, const void *elem);
void vt_store_i64(vt_dtype t, void *elem, int64_t v);       /* integers wrap, floats round once */
void vt_store_u64(vt_dtype t, void *elem, uint64_t v);

/* ---- tensors --------------------------------------------------------------------------------- */
#define VT_MAX_RANK 32
#define VT_DEFAULT_MAX_TENSOR_BYTES ((uint64_t)64 << 30) /* 64 GiB */

typedef void (*vt_release_fn)(void *ctx, void *data, size_t nbytes);

typedef struct vt_tensor {
    int refcount;
    vt_dtype dtype;
    int rank;
    int64_t dims[VT_MAX_RANK];
    size_t nelem;
    size_t nbytes;        /* nelem * vt_dtype_size(dtype) */
    void *data;           /* row-major, little-endian; NULL only when nbytes == 0 */
    vt_release_fn release;/* NULL: data was malloc'ed by the tensor and is freed with free() */
    void *release_ctx;
} vt_tensor;

/* Computes element count and byte size with overflow checks; VT_EINPUT for negative dims or
 * rank out of range, VT_ELIMIT when bytes exceed max_bytes (0 = VT_DEFAULT_MAX_TENSOR_BYTES). */
vt_status vt_shape_size(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes,
                        size_t *nelem, size_t *nbytes, vt_error *err);
/* New zero-filled tensor with refcount 1. */
vt_tensor *vt_tensor_create(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes, vt_error *err);
/* Uninitialised data (faster when every byte will be written). */
vt_tensor *vt_tensor_create_uninit(vt_dtype t, int rank, const int64_t *dims, uint64_t max_bytes, vt_error *err);
/* Wraps external data; release(ctx, data, nbytes) is called when the last reference goes. */
vt_tensor *vt_tensor_wrap(vt_dtype t, int rank, const int64_t *dims, void *data, size_t nbytes,
                          vt_release_fn release, void *ctx, vt_error *err);
vt_tensor *vt_tensor_retain(vt_tensor *t);
void vt_tensor_release(vt_tensor *t);
vt_tensor *vt_tensor_clone(const vt_tensor *t, vt_error *err);
bool vt_tensor_same_shape(const vt_tensor *a, const vt_tensor *b);
/* "tensor<2x3xf32>" style into out; returns out. */
char *vt_tensor_type_str(const vt_tensor *t, char *out, size_t n);
/* Converted copy (shape kept). */
vt_tensor *vt_tensor_convert(const vt_tensor *t, vt_dtype to, vt_error *err);

/* ---- content ids ------------------------------------------------------------------------------
 * id = SHA-256(header || SHA-256(chunk 0) || SHA-256(chunk 1) || ...), 4 MiB chunks of the
 * storage bytes; header format in docs/formats.md. */
#define VT_CHUNK_SIZE ((size_t)4 << 20)
size_t vt_content_header(vt_dtype t, int rank, const int64_t *dims, uint8_t *out, size_t cap);
/* threads: 0 = all cores. */
void vt_content_id(vt_dtype t, int rank, const int64_t *dims, const void *data, size_t nbytes,
                   int threads, uint8_t out[VT_SHA256_LEN]);
void vt_tensor_id(const vt_tensor *t, int threads, uint8_t out[VT_SHA256_LEN]);
/* Chunk hashes only (n = ceil(nbytes / VT_CHUNK_SIZE) entries). */
void vt_chunk_hashes(const void *data, size_t nbytes, int threads, uint8_t (*out)[VT_SHA256_LEN]);
/* Combines header and chunk hashes into the id. */
void vt_content_id_from_chunks(vt_dtype t, int rank, const int64_t *dims,
                               const uint8_t (*chunks)[VT_SHA256_LEN], size_t nchunks,
                               uint8_t out[VT_SHA256_LEN]);

/* ---- tensor files ------------------------------------------------------------------------------ */
typedef struct vt_read_options {
    uint64_t max_tensor_bytes; /* 0: VT_DEFAULT_MAX_TENSOR_BYTES */
    bool use_mmap;             /* safetensors: map large files instead of reading them */
} vt_read_options;

/* .npy: reads v1/v2/v3, either byte order, C or Fortran order. */
vt_status vt_npy_read(const char *path, const vt_read_options *opt, vt_tensor **out, vt_error *err);
vt_status vt_npy_read_mem(const void *data, size_t len, const char *what, const vt_read_options *opt,
                          vt_tensor **out, vt_error *err);
/* True when numpy has a dtype for t (bool, ints >= 8 bits, f16/f32/f64, complex). */
bool vt_npy_supports(vt_dtype t);
vt_status vt_npy_write(const char *path, const vt_tensor *t, vt_error *err);
vt_status vt_npy_write_buf(vt_buf *out, const vt_tensor *t, vt_error *err);

/* safetensors: a set of named tensors plus optional __metadata__ (string -> string). */
typedef struct vt_named_tensor {
    char *name;
    vt_tensor *tensor;
} vt_named_tensor;
typedef struct vt_tensor_set {
    vt_named_tensor *items;
    size_t count;
    char **meta_keys, **meta_values;
    size_t meta_count;
    void *mapping;      /* internal: shared mapping the tensors may point into */
} vt_tensor_set;

vt_status vt_safetensors_read(const char *path, const vt_read_options *opt, vt_tensor_set **out, vt_error *err);
vt_status vt_safetensors_read_mem(const void *data, size_t len, const char *what, const vt_read_options *opt,
                                  vt_tensor_set **out, vt_error *err);
vt_status vt_safetensors_write(const char *path, const vt_tensor_set *set, vt_error *err);
vt_tensor_set *vt_tensor_set_new(void);
/* Adds (retains t; copies name). Duplicate names are VT_EINPUT. */
vt_status vt_tensor_set_add(vt_tensor_set *s, const char *name, vt_tensor *t, vt_error *err);
vt_status vt_tensor_set_add_meta(vt_tensor_set *s, const char *key, const char *value, vt_error *err);
vt_tensor *vt_tensor_set_get(const vt_tensor_set *s, const char *name);
void vt_tensor_set_free(vt_tensor_set *s);

/* The one rule for writing tensor files: `.npy` when numpy has the dtype, `.safetensors`
 * otherwise (one tensor named "tensor"). base_path has no extension; the chosen path is
 * written into path_out (may be NULL). */
vt_status vt_tensor_write_auto(const char *base_path, const vt_tensor *t, char *path_out, size_t path_cap, vt_error *err);
/* Reads "FILE.npy", "FILE.safetensors" (must hold exactly one tensor) or "FILE.safetensors:NAME". */
vt_status vt_tensor_read_any(const char *spec, const vt_read_options *opt, vt_tensor **out, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
