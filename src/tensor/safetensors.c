/* safetensors files: a reader as strict as huggingface/safetensors (and stricter), with an mmap
 * path that wraps tensors without copying, and a streaming atomic writer; F4/F6 are bit-packed
 * in the file, one element per byte in memory. See docs/tensor-files.md. */
#include "tensor/tensor_io.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ST_MAX_HEADER 100000000ull          /* the reference's MAX_HEADER_SIZE */
#define ST_AUTO_MMAP ((uint64_t)64 << 20)  /* files at least this large are mapped */
#define ST_DTYPE_META "veritor.dtype."     /* __metadata__ prefix for types without a code */

/* Every dtype code of the current format, in the reference's Dtype enum order (increasing
 * alignment), which the writer uses to order tensors as the reference writer does. */
typedef struct st_code {
    const char *name;
    vt_dtype dtype;
    unsigned bits; /* bits per element in the file */
} st_code;

static const st_code st_codes[] = {
    {"BOOL", VT_I1, 8},          {"F4", VT_F4E2M1FN, 4},       {"F6_E2M3", VT_F6E2M3FN, 6},
    {"F6_E3M2", VT_F6E3M2FN, 6}, {"U8", VT_U8, 8},             {"I8", VT_I8, 8},
    {"F8_E5M2", VT_F8E5M2, 8},   {"F8_E4M3", VT_F8E4M3FN, 8},  {"F8_E8M0", VT_F8E8M0FNU, 8},
    {"F8_E4M3FNUZ", VT_F8E4M3FNUZ, 8}, {"F8_E5M2FNUZ", VT_F8E5M2FNUZ, 8},
    {"I16", VT_I16, 16},         {"U16", VT_U16, 16},          {"F16", VT_F16, 16},
    {"BF16", VT_BF16, 16},       {"I32", VT_I32, 32},          {"U32", VT_U32, 32},
    {"F32", VT_F32, 32},         {"C64", VT_C64, 64},          {"F64", VT_F64, 64},
    {"I64", VT_I64, 64},         {"U64", VT_U64, 64},
};
#define ST_NCODES ((int)(sizeof st_codes / sizeof st_codes[0]))
#define ST_CODE_U8 4
#define ST_CODE_F64 19

static int code_by_name(const char *s) {
    for (int i = 0; i < ST_NCODES; i++)
        if (strcmp(st_codes[i].name, s) == 0) return i;
    return -1;
}

static int code_by_dtype(vt_dtype t) {
    for (int i = 0; i < ST_NCODES; i++)
        if (st_codes[i].dtype == t) return i;
    return -1;
}

/* Types with no code travel as a code with the same bytes plus a __metadata__ entry naming the
 * real type: one-byte types as U8 (veritor's storage byte), complex<f64> as F64 with a trailing
 * dimension of 2. Other readers see faithful raw data; veritor restores the type. */
static int fallback_code(vt_dtype t) {
    if (t == VT_C128) return ST_CODE_F64;
    if (vt_dtype_size(t) == 1) return ST_CODE_U8;
    return -1;
}

/* ---- the shared mapping ----------------------------------------------------------------------- */

struct vt_file_mapping {
    atomic_int refs;
    void *addr;
    size_t len;
};

void vt_file_mapping_unref(vt_file_mapping *m) {
    if (!m) return;
    if (atomic_fetch_sub(&m->refs, 1) == 1) {
        munmap(m->addr, m->len);
        free(m);
    }
}

static void mapping_release(void *ctx, void *data, size_t nbytes) {
    (void)data;
    (void)nbytes;
    vt_file_mapping_unref(ctx);
}

/* ---- header parsing ---------------------------------------------------------------------------- */

typedef struct st_entry {
    const char *name; /* points into the JSON document */
    int code;
    vt_dtype dtype;   /* the tensor's type (differs from the code's for fallback types) */
    int rank;
    int64_t dims[VT_MAX_RANK + 1];
    uint64_t begin, end;
    size_t index;     /* position in the JSON object, to keep sorting deterministic */
} st_entry;

typedef struct st_header {
    json_t *root;
    st_entry *items;
    size_t count;
    json_t *meta; /* __metadata__ object or NULL */
    uint64_t data_start, data_len;
} st_header;

static void header_free(st_header *h) {
    free(h->items);
    if (h->root) json_decref(h->root);
    memset(h, 0, sizeof *h);
}

static void shape_str(const int64_t *dims, int rank, char *out, size_t cap) {
    size_t k = 0;
    out[0] = 0;
    int w = snprintf(out, cap, "[");
    if (w > 0) k = (size_t)w;
    for (int i = 0; i < rank && k < cap; i++) {
        w = snprintf(out + k, cap - k, "%s%lld", i ? "," : "", (long long)dims[i]);
        if (w < 0) return;
        k += (size_t)w;
    }
    if (k < cap) snprintf(out + k, cap - k, "]");
}

static vt_status get_uint(json_t *v, uint64_t *out) {
    if (!json_is_integer(v) || json_integer_value(v) < 0) return VT_EINPUT;
    *out = (uint64_t)json_integer_value(v);
    return VT_OK;
}

static vt_status parse_entry(const char *what, const char *name, json_t *v, st_entry *e, vt_error *err) {
    e->name = name;
    if (!json_is_object(v))
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': expected an object with dtype, shape, data_offsets", what, name);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets"))
            return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': unexpected field '%s' (only dtype, shape, data_offsets)", what,
                                name, key);
    }
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"), *offs = json_object_get(v, "data_offsets");
    if (!dt) return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': missing field 'dtype'", what, name);
    if (!shape) return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': missing field 'shape'", what, name);
    if (!offs) return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': missing field 'data_offsets'", what, name);
    if (!json_is_string(dt)) return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': field 'dtype' is not a string", what, name);
    e->code = code_by_name(json_string_value(dt));
    if (e->code < 0 || strlen(json_string_value(dt)) != json_string_length(dt))
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': unknown dtype '%.40s'", what, name, json_string_value(dt));
    e->dtype = st_codes[e->code].dtype;
    if (!json_is_array(shape)) return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': field 'shape' is not an array", what, name);
    size_t rank = json_array_size(shape);
    if (rank > VT_MAX_RANK)
        return vt_error_set(err, VT_EUNSUPPORTED, "%s: tensor '%s': not supported: shape has %zu dimensions (at most %d)", what,
                            name, rank, VT_MAX_RANK);
    e->rank = (int)rank;
    for (size_t i = 0; i < rank; i++) {
        uint64_t d;
        if (get_uint(json_array_get(shape, i), &d))
            return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': shape[%zu] is not a non-negative integer", what, name, i);
        e->dims[i] = (int64_t)d;
    }
    if (!json_is_array(offs) || json_array_size(offs) != 2 || get_uint(json_array_get(offs, 0), &e->begin) ||
        get_uint(json_array_get(offs, 1), &e->end))
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': data_offsets is not a pair of non-negative integers", what, name);
    if (e->end < e->begin)
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': data_offsets [%llu, %llu) end before they begin", what, name,
                            (unsigned long long)e->begin, (unsigned long long)e->end);
    /* Size = elements x bits / 8, exactly, with every product checked. */
    uint64_t nelem = 1;
    bool zero = false, overflow = false;
    for (int i = 0; i < e->rank; i++) {
        if (e->dims[i] == 0) zero = true;
        else if (!vt_mul_u64(nelem, (uint64_t)e->dims[i], &nelem)) overflow = true;
    }
    if (zero) nelem = 0, overflow = false;
    char sh[160];
    shape_str(e->dims, e->rank, sh, sizeof sh);
    uint64_t nbits;
    if (overflow || !vt_mul_u64(nelem, st_codes[e->code].bits, &nbits))
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': dtype %s x shape %s overflows 64-bit sizes", what, name,
                            st_codes[e->code].name, sh);
    if (nbits % 8)
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': dtype %s x shape %s is not a whole number of bytes", what, name,
                            st_codes[e->code].name, sh);
    if (e->end - e->begin != nbits / 8)
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': data_offsets [%llu, %llu) but dtype %s x shape %s needs %llu bytes",
                            what, name, (unsigned long long)e->begin, (unsigned long long)e->end, st_codes[e->code].name, sh,
                            (unsigned long long)(nbits / 8));
    return VT_OK;
}

static int entry_cmp(const void *a, const void *b) {
    const st_entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int byname_cmp(const void *a, const void *b) {
    return strcmp((*(st_entry *const *)a)->name, (*(st_entry *const *)b)->name);
}

static int key_cmp(const void *key, const void *elem) { return strcmp(key, (*(st_entry *const *)elem)->name); }

/* One "veritor.dtype.NAME" entry: e is the tensor it names (NULL when none). */
static vt_status fallback_one(st_entry *e, const char *key, const char *tname, json_t *val, const char *what, vt_error *err) {
    if (!e) return vt_error_set(err, VT_EINPUT, "%s: __metadata__ '%s' names no tensor", what, key);
    vt_dtype t = vt_dtype_from_name(json_string_value(val));
    int fb = t == VT_DTYPE_INVALID ? -1 : fallback_code(t);
    if (fb < 0 || code_by_dtype(t) >= 0)
        return vt_error_set(err, VT_EINPUT, "%s: __metadata__ '%s': '%.40s' is not a type that needs this entry", what, key,
                            json_string_value(val));
    if (e->code != fb)
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': stored as %s, but a %s tensor must be stored as %s", what,
                            tname, st_codes[e->code].name, vt_dtype_name(t), st_codes[fb].name);
    if (t == VT_C128) {
        if (e->rank == 0 || e->dims[e->rank - 1] != 2)
            return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': a complex<f64> tensor needs a last dimension of 2", what,
                                tname);
        e->rank--;
    }
    e->dtype = t;
    return VT_OK;
}

/* Applies "veritor.dtype.NAME" metadata entries: restores types that have no code. */
static vt_status apply_fallbacks(st_header *h, const char *what, vt_error *err) {
    if (!h->meta) return VT_OK;
    const char *key;
    json_t *val;
    size_t plen = strlen(ST_DTYPE_META);
    st_entry **byname = NULL; /* built on first use: lookups stay O(log n) on hostile headers */
    vt_status s = VT_OK;
    json_object_foreach(h->meta, key, val) {
        if (strncmp(key, ST_DTYPE_META, plen) != 0) continue;
        if (!byname) {
            byname = malloc((h->count ? h->count : 1) * sizeof *byname);
            if (!byname) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
            for (size_t i = 0; i < h->count; i++) byname[i] = &h->items[i];
            qsort(byname, h->count, sizeof *byname, byname_cmp);
        }
        const char *tname = key + plen;
        st_entry **found = bsearch(tname, byname, h->count, sizeof *byname, key_cmp);
        st_entry *e = found ? *found : NULL;
        s = fallback_one(e, key, tname, val, what, err);
        if (s) break;
    }
    free(byname);
    return s;
}

/* Parses and validates the JSON header; data_len is the size of the data buffer after it. */
static vt_status parse_header(const char *json, size_t n, uint64_t data_len, const char *what, st_header *h, vt_error *err) {
    memset(h, 0, sizeof *h);
    h->data_start = 8 + n;
    h->data_len = data_len;
    char jwhat[300];
    snprintf(jwhat, sizeof jwhat, "%s: header (bytes 8..%zu)", what, n + 8);
    h->root = vt_json_parse(json, n, jwhat, err);
    if (!h->root) return VT_EINPUT;
    if (!json_is_object(h->root)) return vt_error_set(err, VT_EINPUT, "%s: header at byte 8: expected a JSON object", what);
    size_t total = json_object_size(h->root);
    h->items = calloc(total ? total : 1, sizeof *h->items);
    if (!h->items) return vt_error_set(err, VT_ENOMEM, "%s: out of memory for %zu header entries", what, total);
    const char *key;
    json_t *val;
    size_t index = 0;
    json_object_foreach(h->root, key, val) {
        index++;
        if (strcmp(key, "__metadata__") == 0) {
            if (json_is_null(val)) continue;
            if (!json_is_object(val)) return vt_error_set(err, VT_EINPUT, "%s: __metadata__ is not an object", what);
            const char *mk;
            json_t *mv;
            json_object_foreach(val, mk, mv) {
                if (!json_is_string(mv) || strlen(json_string_value(mv)) != json_string_length(mv))
                    return vt_error_set(err, VT_EINPUT, "%s: __metadata__ '%s' is not a string (without NUL)", what, mk);
            }
            h->meta = val;
            continue;
        }
        if (!*key) return vt_error_set(err, VT_EINPUT, "%s: a tensor has an empty name", what);
        st_entry *e = &h->items[h->count++];
        e->index = index;
        vt_status s = parse_entry(what, key, val, e, err);
        if (s) return s;
    }
    vt_status s = apply_fallbacks(h, what, err);
    if (s) return s;
    /* Tensors must tile the data buffer exactly: in offset order, each starts where the last
     * ended, and the last ends at the end of the file. */
    qsort(h->items, h->count, sizeof *h->items, entry_cmp);
    uint64_t pos = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < h->count; i++) {
        st_entry *e = &h->items[i];
        if (e->begin < pos)
            return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': data_offsets [%llu, %llu) overlap tensor '%s' ending at %llu",
                                what, e->name, (unsigned long long)e->begin, (unsigned long long)e->end, prev,
                                (unsigned long long)pos);
        if (e->begin > pos)
            return vt_error_set(err, VT_EINPUT,
                                "%s: gap in the data buffer: bytes [%llu, %llu) belong to no tensor (tensor '%s' starts at %llu)",
                                what, (unsigned long long)pos, (unsigned long long)e->begin, e->name,
                                (unsigned long long)e->begin);
        pos = e->end;
        prev = e->name;
    }
    if (pos > data_len) {
        uint64_t file_len = h->data_start + data_len;
        return vt_error_set(err, VT_EINPUT,
                            "%s: file ends at byte %llu, mid-tensor: tensor '%s' (data_offsets end %llu) needs %llu bytes", what,
                            (unsigned long long)file_len, prev, (unsigned long long)pos,
                            (unsigned long long)(h->data_start + pos));
    }
    if (pos < data_len)
        return vt_error_set(err, VT_EINPUT,
                            "%s: the data buffer has %llu bytes but the tensors cover only %llu (bytes from %llu belong to no tensor)",
                            what, (unsigned long long)data_len, (unsigned long long)pos,
                            (unsigned long long)(h->data_start + pos));
    return VT_OK;
}

/* Reads the 8-byte length and checks it against the file; returns the header length. */
static vt_status parse_length(const uint8_t *b, uint64_t file_len, const char *what, size_t *n, vt_error *err) {
    if (file_len < 8)
        return vt_error_set(err, VT_EINPUT, "%s: truncated at byte %llu: expected the 8-byte header length", what,
                            (unsigned long long)file_len);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = len << 8 | b[i];
    if (len > ST_MAX_HEADER)
        return vt_error_set(err, VT_EINPUT, "%s: byte 0: header length %llu exceeds the format's limit of %llu bytes", what,
                            (unsigned long long)len, ST_MAX_HEADER);
    if (len > file_len - 8)
        return vt_error_set(err, VT_EINPUT, "%s: byte 0: header length %llu runs past the end of the file (%llu bytes)", what,
                            (unsigned long long)len, (unsigned long long)file_len);
    *n = (size_t)len;
    return VT_OK;
}

/* ---- tensors from bytes ------------------------------------------------------------------------- */

/* Element i occupies bits [i*bits, (i+1)*bits) of the buffer read as a little-endian bit
 * stream: for F4 the first element is the low nibble of byte 0 (as torch.float4_e2m1fn_x2
 * and NVIDIA's fp4x2 store it); for F6 four elements fill three bytes the same way. */
static void unpack_bits(const uint8_t *src, uint8_t *dst, size_t nelem, unsigned bits) {
    unsigned mask = (1u << bits) - 1;
    for (size_t i = 0; i < nelem; i++) {
        size_t bit = i * bits;
        size_t byte = bit >> 3;
        unsigned shift = (unsigned)(bit & 7);
        unsigned v = src[byte] >> shift;
        if (shift + bits > 8) v |= (unsigned)src[byte + 1] << (8 - shift);
        dst[i] = (uint8_t)(v & mask);
    }
}

static void pack_bits(const uint8_t *src, uint8_t *dst, size_t nelem, unsigned bits) {
    size_t nbytes = nelem * bits / 8;
    memset(dst, 0, nbytes);
    for (size_t i = 0; i < nelem; i++) {
        size_t bit = i * bits;
        size_t byte = bit >> 3;
        unsigned shift = (unsigned)(bit & 7);
        unsigned v = src[i] & ((1u << bits) - 1);
        dst[byte] |= (uint8_t)(v << shift);
        if (shift + bits > 8) dst[byte + 1] |= (uint8_t)(v >> (8 - shift));
    }
}

static vt_status check_values(const st_entry *e, const vt_tensor *t, const char *what, vt_error *err) {
    size_t bad;
    if (!vt_dtype_check_canonical(t->dtype, t->data, t->nelem, &bad))
        return vt_error_set(err, VT_EINPUT, "%s: tensor '%s': element %zu (0x%02x) is not a valid %s value", what, e->name, bad,
                            ((const uint8_t *)t->data)[bad], vt_dtype_name(t->dtype));
    return VT_OK;
}

/* A tensor whose bytes are copied (or unpacked) from src. */
static vt_status tensor_from_bytes(const st_entry *e, const uint8_t *src, uint64_t max, const char *what, vt_tensor **out,
                                   vt_error *err) {
    vt_tensor *t = vt_tensor_create_uninit(e->dtype, e->rank, e->dims, max, err);
    if (!t) {
        vt_error_prefix(err, "%s: tensor '%s'", what, e->name);
        return err ? err->code : VT_ENOMEM;
    }
    if (t->nbytes) {
        if (st_codes[e->code].bits < 8) unpack_bits(src, t->data, t->nelem, st_codes[e->code].bits);
        else memcpy(t->data, src, t->nbytes);
    }
    vt_status s = check_values(e, t, what, err);
    if (s) {
        vt_tensor_release(t);
        return s;
    }
    *out = t;
    return VT_OK;
}

static vt_status set_meta(vt_tensor_set *set, const st_header *h, vt_error *err) {
    if (!h->meta) return VT_OK;
    const char *key;
    json_t *val;
    size_t plen = strlen(ST_DTYPE_META);
    json_object_foreach(h->meta, key, val) {
        if (strncmp(key, ST_DTYPE_META, plen) == 0) continue; /* consumed by apply_fallbacks */
        vt_status s = vt_tensor_set_append_meta_unique(set, key, json_string_value(val), err);
        if (s) return s;
    }
    return VT_OK;
}

static vt_status check_limits(const st_header *h, uint64_t max, const char *what, vt_error *err) {
    for (size_t i = 0; i < h->count; i++) {
        const st_entry *e = &h->items[i];
        vt_status s = vt_shape_size(e->dtype, e->rank, e->dims, max, NULL, NULL, err);
        if (s) {
            vt_error_prefix(err, "%s: tensor '%s'", what, e->name);
            return s;
        }
    }
    return VT_OK;
}

static vt_status add_tensor(vt_tensor_set *set, const st_entry *e, vt_tensor *t, vt_error *err) {
    vt_status s = vt_tensor_set_append_unique(set, e->name, t, err);
    vt_tensor_release(t);
    return s;
}

vt_status vt_safetensors_read_mem(const void *data, size_t len, const char *what, const vt_read_options *opt,
                                  vt_tensor_set **out, vt_error *err) {
    *out = NULL;
    if (!what) what = "safetensors";
    if (!data && len) return vt_error_set(err, VT_EUSAGE, "%s: no data", what);
    const uint8_t *b = data;
    size_t n;
    vt_status s = parse_length(b, len, what, &n, err);
    if (s) return s;
    st_header h;
    s = parse_header((const char *)b + 8, n, len - 8 - n, what, &h, err);
    uint64_t max = opt ? opt->max_tensor_bytes : 0;
    if (!s) s = check_limits(&h, max, what, err);
    vt_tensor_set *set = NULL;
    if (!s && !(set = vt_tensor_set_new())) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
    for (size_t i = 0; !s && i < h.count; i++) {
        vt_tensor *t;
        s = tensor_from_bytes(&h.items[i], b + h.data_start + h.items[i].begin, max, what, &t, err);
        if (!s) s = add_tensor(set, &h.items[i], t, err);
    }
    if (!s) s = set_meta(set, &h, err);
    header_free(&h);
    if (s) {
        vt_tensor_set_free(set);
        return s;
    }
    *out = set;
    return VT_OK;
}

static vt_status read_at(int fd, void *buf, size_t n, uint64_t off, const char *path, vt_error *err) {
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return vt_error_set(err, VT_EIO, "%s: read error at byte %llu: %s", path, (unsigned long long)off, strerror(errno));
        }
        if (r == 0)
            return vt_error_set(err, VT_EINPUT, "%s: file ends at byte %llu while reading (did it shrink?)", path,
                                (unsigned long long)off);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return VT_OK;
}

/* Natural alignment of one element (of a complex number's parts). */
static size_t elem_align(vt_dtype t) {
    size_t a = vt_dtype_size(t);
    if (vt_dtype_is_complex(t)) a /= 2;
    return a > 8 ? 8 : a;
}

/* Mapped file: tensors stored byte-for-byte as veritor stores them wrap the mapping when their
 * data is naturally aligned; packed and misaligned ones are copied. */
static vt_status tensors_from_mapping(vt_tensor_set *set, const st_header *h, vt_file_mapping *m, uint64_t max, const char *path,
                                      vt_error *err) {
    const uint8_t *base = (const uint8_t *)m->addr + h->data_start;
    for (size_t i = 0; i < h->count; i++) {
        const st_entry *e = &h->items[i];
        const uint8_t *src = base + e->begin;
        vt_tensor *t = NULL;
        vt_status s;
        size_t nbytes = (size_t)(e->end - e->begin);
        if (st_codes[e->code].bits >= 8 && nbytes && ((uintptr_t)src % elem_align(e->dtype)) == 0) {
            atomic_fetch_add(&m->refs, 1);
            t = vt_tensor_wrap(e->dtype, e->rank, e->dims, (void *)src, nbytes, mapping_release, m, err);
            if (!t) {
                vt_file_mapping_unref(m);
                vt_error_prefix(err, "%s: tensor '%s'", path, e->name);
                return err ? err->code : VT_ENOMEM;
            }
            s = check_values(e, t, path, err);
            if (s) {
                vt_tensor_release(t);
                return s;
            }
        } else {
            s = tensor_from_bytes(e, src, max, path, &t, err);
            if (s) return s;
        }
        s = add_tensor(set, e, t, err);
        if (s) return s;
    }
    return VT_OK;
}

static vt_status tensors_from_fd(vt_tensor_set *set, const st_header *h, int fd, uint64_t max, const char *path, vt_error *err) {
    for (size_t i = 0; i < h->count; i++) {
        const st_entry *e = &h->items[i];
        size_t nbytes = (size_t)(e->end - e->begin);
        uint64_t off = h->data_start + e->begin;
        vt_tensor *t = vt_tensor_create_uninit(e->dtype, e->rank, e->dims, max, err);
        if (!t) {
            vt_error_prefix(err, "%s: tensor '%s'", path, e->name);
            return err ? err->code : VT_ENOMEM;
        }
        vt_status s = VT_OK;
        if (nbytes && st_codes[e->code].bits < 8) {
            uint8_t *tmp = malloc(nbytes);
            if (!tmp) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
            if (!s) s = read_at(fd, tmp, nbytes, off, path, err);
            if (!s) unpack_bits(tmp, t->data, t->nelem, st_codes[e->code].bits);
            free(tmp);
        } else if (nbytes) {
            s = read_at(fd, t->data, nbytes, off, path, err);
        }
        if (!s) s = check_values(e, t, path, err);
        if (s) {
            vt_tensor_release(t);
            return s;
        }
        s = add_tensor(set, e, t, err);
        if (s) return s;
    }
    return VT_OK;
}

vt_status vt_safetensors_read(const char *path, const vt_read_options *opt, vt_tensor_set **out, vt_error *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vt_error_set(err, VT_EIO, "%s: not a regular file", path);
    }
    uint64_t file_len = (uint64_t)st.st_size;
    uint8_t lenbuf[8];
    size_t n = 0;
    vt_status s = read_at(fd, lenbuf, file_len < 8 ? (size_t)file_len : 8, 0, path, err);
    if (!s) s = parse_length(lenbuf, file_len, path, &n, err);
    char *json = NULL;
    if (!s && !(json = malloc(n ? n : 1))) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory for a %zu-byte header", path, n);
    if (!s) s = read_at(fd, json, n, 8, path, err);
    st_header h;
    memset(&h, 0, sizeof h);
    if (!s) s = parse_header(json, n, file_len - 8 - n, path, &h, err);
    free(json);
    uint64_t max = opt ? opt->max_tensor_bytes : 0;
    if (!s) s = check_limits(&h, max, path, err);
    vt_tensor_set *set = NULL;
    if (!s && !(set = vt_tensor_set_new())) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    bool map = (opt && opt->use_mmap) || file_len >= ST_AUTO_MMAP;
    if (!s && map && file_len > 0) {
        /* Private and writable: tensors behave like any other (a kernel may write its input in
         * place), writes stay in this process, and the file is never modified. */
        void *addr = mmap(NULL, (size_t)file_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (addr == MAP_FAILED) {
            s = vt_error_set(err, VT_EIO, "%s: cannot map %llu bytes: %s", path, (unsigned long long)file_len, strerror(errno));
        } else {
            vt_file_mapping *m = malloc(sizeof *m);
            if (!m) {
                munmap(addr, (size_t)file_len);
                s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
            } else {
                atomic_init(&m->refs, 1);
                m->addr = addr;
                m->len = (size_t)file_len;
                set->mapping = m; /* the set's reference */
                s = tensors_from_mapping(set, &h, m, max, path, err);
            }
        }
    } else if (!s) {
        s = tensors_from_fd(set, &h, fd, max, path, err);
    }
    if (!s) s = set_meta(set, &h, err);
    header_free(&h);
    close(fd);
    if (s) {
        vt_tensor_set_free(set);
        return s;
    }
    *out = set;
    return VT_OK;
}

/* ---- writing ------------------------------------------------------------------------------------ */

typedef struct st_out {
    const vt_named_tensor *item;
    int code;
    bool fallback;
} st_out;

static int out_cmp(const void *a, const void *b) {
    const st_out *x = a, *y = b;
    /* As the reference writer: larger alignment first, then by name, so that every tensor's data
     * lands naturally aligned after the 8-byte-aligned header. */
    if (x->code != y->code) return x->code > y->code ? -1 : 1;
    return strcmp(x->item->name, y->item->name);
}

static vt_status build_json(const vt_tensor_set *set, st_out *outs, const char *path, char **text, size_t *len, vt_error *err) {
    json_t *root = json_object(), *meta = NULL;
    if (!root) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    vt_status s = VT_OK;
    bool need_meta = set->meta_count > 0;
    for (size_t i = 0; i < set->count; i++)
        if (outs[i].fallback) need_meta = true;
    if (need_meta) {
        meta = json_object();
        if (!meta || json_object_set_new(root, "__metadata__", meta)) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
        for (size_t i = 0; !s && i < set->meta_count; i++) {
            json_t *v = json_string(set->meta_values[i]);
            if (!v) s = vt_error_set(err, VT_EINPUT, "%s: metadata '%s': value is not valid UTF-8", path, set->meta_keys[i]);
            else if (json_object_set_new(meta, set->meta_keys[i], v))
                s = vt_error_set(err, VT_EINPUT, "%s: metadata key '%s' is not valid UTF-8", path, set->meta_keys[i]);
        }
    }
    uint64_t offset = 0;
    for (size_t i = 0; !s && i < set->count; i++) {
        const vt_tensor *t = outs[i].item->tensor;
        const char *name = outs[i].item->name;
        unsigned bits = st_codes[outs[i].code].bits;
        uint64_t bytes = bits < 8 ? (uint64_t)t->nelem * bits / 8 : t->nbytes;
        json_t *e = json_object(), *shape = json_array(), *offs = json_array();
        if (!e || !shape || !offs) {
            json_decref(e);
            json_decref(shape);
            json_decref(offs);
            s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
            break;
        }
        for (int d = 0; d < t->rank; d++) json_array_append_new(shape, json_integer(t->dims[d]));
        if (outs[i].fallback && t->dtype == VT_C128) json_array_append_new(shape, json_integer(2));
        json_array_append_new(offs, json_integer((json_int_t)offset));
        json_array_append_new(offs, json_integer((json_int_t)(offset + bytes)));
        offset += bytes;
        json_object_set_new(e, "dtype", json_string(st_codes[outs[i].code].name));
        json_object_set_new(e, "shape", shape);
        json_object_set_new(e, "data_offsets", offs);
        if (json_object_set_new(root, name, e)) {
            s = vt_error_set(err, VT_EINPUT, "%s: tensor name '%s' is not valid UTF-8", path, name);
            break;
        }
        if (outs[i].fallback) {
            size_t kl = strlen(ST_DTYPE_META) + strlen(name) + 1;
            char *key = malloc(kl);
            if (!key) {
                s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
                break;
            }
            snprintf(key, kl, "%s%s", ST_DTYPE_META, name);
            json_object_set_new(meta, key, json_string(vt_dtype_name(t->dtype)));
            free(key);
        }
    }
    if (!s) {
        *text = json_dumps(root, JSON_COMPACT);
        if (!*text) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory serialising the header", path);
        else *len = strlen(*text);
    }
    json_decref(root);
    return s;
}

static vt_status plan(const vt_tensor_set *set, const char *path, st_out **outs_out, vt_error *err) {
    st_out *outs = calloc(set->count ? set->count : 1, sizeof *outs);
    if (!outs) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    size_t plen = strlen(ST_DTYPE_META);
    for (size_t i = 0; i < set->meta_count; i++) {
        if (strncmp(set->meta_keys[i], ST_DTYPE_META, plen) == 0) {
            free(outs);
            return vt_error_set(err, VT_EINPUT, "%s: metadata key '%s' is reserved (prefix %s)", path, set->meta_keys[i],
                                ST_DTYPE_META);
        }
    }
    for (size_t i = 0; i < set->count; i++) {
        const vt_named_tensor *it = &set->items[i];
        const vt_tensor *t = it->tensor;
        vt_status s = VT_OK;
        if (strcmp(it->name, "__metadata__") == 0)
            s = vt_error_set(err, VT_EINPUT, "%s: tensor name '__metadata__' is reserved", path);
        int code = code_by_dtype(t->dtype);
        bool fb = false;
        if (!s && code < 0) {
            code = fallback_code(t->dtype);
            fb = true;
            if (code < 0) s = vt_error_set(err, VT_EUNSUPPORTED, "%s: tensor '%s': not supported: dtype %s", path, it->name, vt_dtype_name(t->dtype));
        }
        if (!s && fb && t->dtype == VT_C128 && t->rank >= VT_MAX_RANK)
            s = vt_error_set(err, VT_EUNSUPPORTED, "%s: tensor '%s': not supported: complex<f64> of rank %d (stored with one more dimension)",
                             path, it->name, t->rank);
        unsigned bits = code >= 0 ? st_codes[code].bits : 8;
        if (!s && ((uint64_t)t->nelem * bits) % 8)
            s = vt_error_set(err, VT_EUNSUPPORTED,
                             "%s: tensor '%s': not supported: %zu elements of %s do not fill whole bytes (the format needs a multiple of %u)",
                             path, it->name, t->nelem, st_codes[code].name, bits == 4 ? 2 : 4);
        size_t bad;
        if (!s && !vt_dtype_check_canonical(t->dtype, t->data, t->nelem, &bad))
            s = vt_error_set(err, VT_EINPUT, "%s: tensor '%s': element %zu (0x%02x) is not a valid %s value", path, it->name, bad,
                             ((const uint8_t *)t->data)[bad], vt_dtype_name(t->dtype));
        if (s) {
            free(outs);
            return s;
        }
        outs[i].item = it;
        outs[i].code = code;
        outs[i].fallback = fb;
    }
    qsort(outs, set->count, sizeof *outs, out_cmp);
    *outs_out = outs;
    return VT_OK;
}

vt_status vt_safetensors_write(const char *path, const vt_tensor_set *set, vt_error *err) {
    if (!set) return vt_error_set(err, VT_EUSAGE, "%s: no tensor set", path);
    st_out *outs = NULL;
    vt_status s = plan(set, path, &outs, err);
    if (s) return s;
    char *json = NULL;
    size_t jlen = 0;
    s = build_json(set, outs, path, &json, &jlen, err);
    size_t padded = (jlen + 7) / 8 * 8;
    if (!s && padded > ST_MAX_HEADER)
        s = vt_error_set(err, VT_EUNSUPPORTED, "%s: not supported: header of %zu bytes exceeds the format's limit of %llu", path,
                         padded, ST_MAX_HEADER);
    vt_file_writer w;
    if (!s) s = vt_file_writer_open(&w, path, err);
    if (s) {
        free(json);
        free(outs);
        return s;
    }
    uint8_t lenbuf[8];
    for (int i = 0; i < 8; i++) lenbuf[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    vt_file_writer_write(&w, lenbuf, 8, err);
    vt_file_writer_write(&w, json, jlen, err);
    vt_file_writer_write(&w, "        ", padded - jlen, err);
    free(json);
    /* Packed types go through a bounded buffer: 3 KiB of input elements at a time is a whole
     * number of F4 and F6 groups. */
    enum { CHUNK = 3 * 4096 };
    uint8_t packed[CHUNK];
    for (size_t i = 0; i < set->count; i++) {
        const vt_tensor *t = outs[i].item->tensor;
        unsigned bits = st_codes[outs[i].code].bits;
        if (bits >= 8) {
            if (t->nbytes) vt_file_writer_write(&w, t->data, t->nbytes, err);
            continue;
        }
        for (size_t k = 0; k < t->nelem; k += CHUNK) {
            size_t m = t->nelem - k < CHUNK ? t->nelem - k : CHUNK;
            pack_bits((const uint8_t *)t->data + k, packed, m, bits);
            vt_file_writer_write(&w, packed, m * bits / 8, err);
        }
    }
    free(outs);
    return vt_file_writer_commit(&w, err);
}
