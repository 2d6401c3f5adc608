/* NumPy .npy files: a strict reader for versions 1.0/2.0/3.0 (either byte order, C or Fortran
 * order; the header dict is parsed as data, never evaluated) and a v1.0/v2.0 writer producing
 * little-endian C-order arrays with numpy's 64-byte header alignment. */
#include "tensor/tensor_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy itself refuses headers above 10000 bytes unless told otherwise; a header this large is
 * no array anyone wrote, and parsing it is wasted work. */
#define NPY_MAX_HEADER ((size_t)1 << 20)

typedef struct npy_type {
    char kind;     /* numpy type character: b i u f c */
    unsigned size; /* itemsize in bytes */
    vt_dtype dtype;
} npy_type;

static const npy_type npy_types[] = {
    {'b', 1, VT_I1},  {'i', 1, VT_I8},  {'i', 2, VT_I16}, {'i', 4, VT_I32},  {'i', 8, VT_I64},
    {'u', 1, VT_U8},  {'u', 2, VT_U16}, {'u', 4, VT_U32}, {'u', 8, VT_U64},  {'f', 2, VT_F16},
    {'f', 4, VT_F32}, {'f', 8, VT_F64}, {'c', 8, VT_C64}, {'c', 16, VT_C128},
};
#define NPY_NTYPES (sizeof npy_types / sizeof npy_types[0])

bool vt_npy_supports(vt_dtype t) {
    for (size_t i = 0; i < NPY_NTYPES; i++)
        if (npy_types[i].dtype == t) return true;
    return false;
}

/* ---- header parsing ---------------------------------------------------------------------------- */

typedef struct header_parser {
    const char *s;    /* header text */
    size_t n, pos;
    size_t base;      /* file offset of s[0], for messages */
    const char *what; /* file name for messages */
    vt_error *err;
} header_parser;

static vt_status hp_fail(header_parser *p, vt_status code, const char *fmt, const char *arg) {
    char detail[256];
    snprintf(detail, sizeof detail, fmt, arg);
    return vt_error_set(p->err, code, "%s: header at byte %zu: %s", p->what, p->base + p->pos, detail);
}

static void hp_skip_ws(header_parser *p) {
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool hp_eat(header_parser *p, char c) {
    hp_skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

/* A Python string literal in single or double quotes, without escapes (numpy never writes any).
 * The result points into the header. */
static vt_status hp_string(header_parser *p, const char **str, size_t *len, const char *expected) {
    hp_skip_ws(p);
    if (p->pos >= p->n || (p->s[p->pos] != '\'' && p->s[p->pos] != '"')) return hp_fail(p, VT_EINPUT, "expected %s", expected);
    char q = p->s[p->pos++];
    size_t start = p->pos;
    while (p->pos < p->n && p->s[p->pos] != q) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '\\') return hp_fail(p, VT_EINPUT, "escape sequences are not allowed in %s", expected);
        if (c == '\n' || c < 0x20) return hp_fail(p, VT_EINPUT, "control character inside %s", expected);
        p->pos++;
    }
    if (p->pos >= p->n) return hp_fail(p, VT_EINPUT, "unterminated string (%s)", expected);
    *str = p->s + start;
    *len = p->pos - start;
    p->pos++;
    return VT_OK;
}

static bool word_at(header_parser *p, const char *w) {
    size_t k = strlen(w);
    if (p->n - p->pos < k || memcmp(p->s + p->pos, w, k) != 0) return false;
    /* Must end there: "Truex" is not a boolean. */
    if (p->pos + k < p->n) {
        char c = p->s[p->pos + k];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return false;
    }
    p->pos += k;
    return true;
}

static vt_status parse_descr(header_parser *p, vt_dtype *dtype, unsigned *itemsize, bool *big_endian) {
    hp_skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == '[') return hp_fail(p, VT_EUNSUPPORTED, "not supported: %s", "structured dtype in 'descr'");
    if (p->pos < p->n && p->s[p->pos] == '(') return hp_fail(p, VT_EUNSUPPORTED, "not supported: %s", "sub-array dtype in 'descr'");
    size_t at = p->pos;
    const char *d;
    size_t len;
    vt_status s = hp_string(p, &d, &len, "a dtype string for 'descr'");
    if (s) return s;
    char text[32];
    snprintf(text, sizeof text, "%.*s", (int)(len < 24 ? len : 24), d);
    size_t save = p->pos;
    p->pos = at;
    if (len < 1 || len > 4) {
        s = hp_fail(p, VT_EINPUT, "unknown dtype '%s' in 'descr'", text);
        p->pos = save;
        return s;
    }
    char order = d[0];
    size_t k = 1;
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        /* numpy also accepts a bare type ("f4", "?"); it means native order. */
        order = '=';
        k = 0;
    }
    if (k >= len) {
        s = hp_fail(p, VT_EINPUT, "unknown dtype '%s' in 'descr'", text);
        p->pos = save;
        return s;
    }
    char kind = d[k];
    if (kind == 'O' || kind == 'V' || kind == 'S' || kind == 'U' || kind == 'a' || kind == 'M' || kind == 'm') {
        s = hp_fail(p, VT_EUNSUPPORTED, "not supported: dtype '%s' in 'descr' (only bool, integers, floats and complex)", text);
        p->pos = save;
        return s;
    }
    unsigned size = 0;
    if (kind == '?' && k + 1 == len) {
        kind = 'b';
        size = 1;
    } else {
        if (k + 1 >= len) {
            s = hp_fail(p, VT_EINPUT, "unknown dtype '%s' in 'descr'", text);
            p->pos = save;
            return s;
        }
        for (size_t i = k + 1; i < len; i++) {
            if (d[i] < '0' || d[i] > '9') {
                s = hp_fail(p, VT_EINPUT, "unknown dtype '%s' in 'descr'", text);
                p->pos = save;
                return s;
            }
            size = size * 10 + (unsigned)(d[i] - '0');
        }
    }
    const npy_type *found = NULL;
    for (size_t i = 0; i < NPY_NTYPES; i++)
        if (npy_types[i].kind == kind && npy_types[i].size == size) found = &npy_types[i];
    if (!found) {
        /* f16/c32 (long double) and other widths exist in numpy but not in StableHLO. */
        bool known_kind = kind == 'b' || kind == 'i' || kind == 'u' || kind == 'f' || kind == 'c';
        s = hp_fail(p, known_kind ? VT_EUNSUPPORTED : VT_EINPUT,
                    known_kind ? "not supported: dtype '%s' in 'descr'" : "unknown dtype '%s' in 'descr'", text);
        p->pos = save;
        return s;
    }
    p->pos = save;
    *dtype = found->dtype;
    *itemsize = found->size;
    /* '=' and '|' mean native order; veritor runs on little-endian hosts only. */
    *big_endian = order == '>' && found->size > 1;
    return VT_OK;
}

static vt_status parse_shape(header_parser *p, int *rank, int64_t *dims) {
    if (!hp_eat(p, '(')) return hp_fail(p, VT_EINPUT, "expected %s", "a tuple '(...)' for 'shape'");
    int r = 0;
    bool need_sep = false;
    for (;;) {
        hp_skip_ws(p);
        if (hp_eat(p, ')')) break;
        if (need_sep) return hp_fail(p, VT_EINPUT, "expected %s", "',' or ')' in 'shape'");
        if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return hp_fail(p, VT_EINPUT, "expected %s", "a non-negative integer in 'shape'");
        if (p->s[p->pos] == '0' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
            return hp_fail(p, VT_EINPUT, "expected %s", "an integer without leading zeros in 'shape'");
        uint64_t v = 0;
        size_t at = p->pos;
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            unsigned digit = (unsigned)(p->s[p->pos] - '0');
            if (v > ((uint64_t)INT64_MAX - digit) / 10) {
                p->pos = at;
                return hp_fail(p, VT_EINPUT, "dimension %s in 'shape' does not fit in 64 bits", "value");
            }
            v = v * 10 + digit;
            p->pos++;
        }
        /* Python 2 wrote long integers as 3L. */
        if (p->pos < p->n && p->s[p->pos] == 'L') p->pos++;
        if (r >= VT_MAX_RANK) {
            p->pos = at;
            return hp_fail(p, VT_EUNSUPPORTED, "not supported: %s", "'shape' has more than 32 dimensions");
        }
        dims[r++] = (int64_t)v;
        hp_skip_ws(p);
        if (p->pos < p->n && p->s[p->pos] == ',') {
            p->pos++;
            need_sep = false;
        } else {
            need_sep = true;
        }
        /* "(3)" is an int in Python, not a tuple. */
        if (r == 1 && need_sep) {
            hp_skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == ')') return hp_fail(p, VT_EINPUT, "expected %s", "',' after the only dimension of 'shape' (a 1-tuple)");
        }
    }
    *rank = r;
    return VT_OK;
}

typedef struct npy_header {
    vt_dtype dtype;
    unsigned itemsize;
    bool big_endian, fortran;
    int rank;
    int64_t dims[VT_MAX_RANK];
    size_t data_offset; /* where the array data starts */
} npy_header;

/* Parses the preamble (magic, version, header length) from the first bytes of a file: needs
 * at most 12 bytes. Sets *header_len and *header_start. */
static vt_status parse_preamble(const uint8_t *b, size_t avail, uint64_t file_len, const char *what, size_t *header_start,
                                size_t *header_len, int *major, vt_error *err) {
    if (avail < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        if (file_len < NPY_MAGIC_LEN && memcmp(b, NPY_MAGIC, file_len) == 0)
            return vt_error_set(err, VT_EINPUT, "%s: truncated at byte %llu: expected the 6-byte magic \\x93NUMPY",
                                what, (unsigned long long)file_len);
        return vt_error_set(err, VT_EINPUT, "%s: byte 0: wrong magic (not a .npy file: expected \\x93NUMPY)", what);
    }
    if (avail < 8) return vt_error_set(err, VT_EINPUT, "%s: truncated at byte %zu: expected the format version", what, avail);
    *major = b[6];
    int minor = b[7];
    if ((*major != 1 && *major != 2 && *major != 3) || minor != 0)
        return vt_error_set(err, VT_EUNSUPPORTED, "%s: byte 6: not supported: .npy format version %d.%d (known: 1.0, 2.0, 3.0)",
                            what, *major, minor);
    size_t lenbytes = *major == 1 ? 2 : 4;
    if (avail < 8 + lenbytes)
        return vt_error_set(err, VT_EINPUT, "%s: truncated at byte %zu: expected the %zu-byte header length", what, avail, lenbytes);
    uint64_t hl = *major == 1 ? (uint64_t)b[8] | (uint64_t)b[9] << 8
                              : (uint64_t)b[8] | (uint64_t)b[9] << 8 | (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
    *header_start = 8 + lenbytes;
    if (hl > file_len - *header_start)
        return vt_error_set(err, VT_EINPUT, "%s: byte 8: header length %llu runs past the end of the file (%llu bytes)", what,
                            (unsigned long long)hl, (unsigned long long)file_len);
    if (hl > NPY_MAX_HEADER)
        return vt_error_set(err, VT_ELIMIT, "%s: byte 8: header of %llu bytes exceeds the limit of %zu bytes", what,
                            (unsigned long long)hl, NPY_MAX_HEADER);
    *header_len = (size_t)hl;
    return VT_OK;
}

static vt_status parse_dict(const char *text, size_t len, size_t base, const char *what, npy_header *h, vt_error *err) {
    header_parser p = {text, len, 0, base, what, err};
    /* v1/v2 headers are latin-1, v3 UTF-8; a valid header is pure ASCII either way, so any
     * other byte is an error wherever it sits. */
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)text[i] >= 0x80 || text[i] == 0) {
            p.pos = i;
            return hp_fail(&p, VT_EINPUT, "%s", "non-ASCII or NUL byte in the header");
        }
    }
    if (!hp_eat(&p, '{')) return hp_fail(&p, VT_EINPUT, "expected %s", "'{' opening the header dict");
    bool have_descr = false, have_fortran = false, have_shape = false;
    for (;;) {
        if (hp_eat(&p, '}')) break;
        size_t key_at = (hp_skip_ws(&p), p.pos);
        const char *key;
        size_t klen;
        vt_status s = hp_string(&p, &key, &klen, "'descr', 'fortran_order' or 'shape'");
        if (s) return s;
        bool *seen;
        int which;
        if (klen == 5 && memcmp(key, "descr", 5) == 0) which = 0, seen = &have_descr;
        else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) which = 1, seen = &have_fortran;
        else if (klen == 5 && memcmp(key, "shape", 5) == 0) which = 2, seen = &have_shape;
        else {
            char k[64];
            snprintf(k, sizeof k, "%.*s", (int)(klen < 40 ? klen : 40), key);
            p.pos = key_at;
            return hp_fail(&p, VT_EINPUT, "unexpected key '%s' (only 'descr', 'fortran_order', 'shape')", k);
        }
        if (*seen) {
            p.pos = key_at;
            return hp_fail(&p, VT_EINPUT, "duplicate key '%s'", which == 0 ? "descr" : which == 1 ? "fortran_order" : "shape");
        }
        *seen = true;
        if (!hp_eat(&p, ':')) return hp_fail(&p, VT_EINPUT, "expected %s", "':' after the key");
        if (which == 0) {
            s = parse_descr(&p, &h->dtype, &h->itemsize, &h->big_endian);
        } else if (which == 1) {
            hp_skip_ws(&p);
            if (word_at(&p, "True")) h->fortran = true;
            else if (word_at(&p, "False")) h->fortran = false;
            else s = hp_fail(&p, VT_EINPUT, "expected %s", "True or False for 'fortran_order'");
        } else {
            s = parse_shape(&p, &h->rank, h->dims);
        }
        if (s) return s;
        if (hp_eat(&p, ',')) continue;
        if (hp_eat(&p, '}')) break;
        return hp_fail(&p, VT_EINPUT, "expected %s", "',' or '}' in the header dict");
    }
    hp_skip_ws(&p);
    if (p.pos != p.n) return hp_fail(&p, VT_EINPUT, "%s", "unexpected text after the header dict");
    if (!have_descr) return hp_fail(&p, VT_EINPUT, "expected %s", "'descr' (missing key)");
    if (!have_fortran) return hp_fail(&p, VT_EINPUT, "expected %s", "'fortran_order' (missing key)");
    if (!have_shape) return hp_fail(&p, VT_EINPUT, "expected %s", "'shape' (missing key)");
    return VT_OK;
}

/* Checks the declared size against the bytes the file has, then against the limit: a size the
 * file cannot hold is bad input whatever the limit. */
static vt_status check_size(const npy_header *h, uint64_t file_len, const char *what, uint64_t max_bytes, vt_error *err) {
    uint64_t n = 1;
    bool zero = false, overflow = false;
    for (int i = 0; i < h->rank; i++) {
        if (h->dims[i] == 0) zero = true;
        else if (!vt_mul_u64(n, (uint64_t)h->dims[i], &n)) overflow = true;
    }
    uint64_t need = 0;
    if (!zero && (overflow || !vt_mul_u64(n, h->itemsize, &need)))
        return vt_error_set(err, VT_EINPUT, "%s: 'shape' declares more than 2^64 bytes of data but the file has %llu", what,
                            (unsigned long long)(file_len - h->data_offset));
    if (zero) need = 0;
    uint64_t have = file_len - h->data_offset;
    if (need > have)
        return vt_error_set(err, VT_EINPUT,
                            "%s: file ends at byte %llu, mid-tensor: dtype %s x 'shape' needs %llu bytes from byte %zu", what,
                            (unsigned long long)file_len, vt_dtype_name(h->dtype), (unsigned long long)need, h->data_offset);
    if (need < have)
        return vt_error_set(err, VT_EINPUT, "%s: %llu unexpected bytes after the array data (which ends at byte %llu)", what,
                            (unsigned long long)(have - need), (unsigned long long)(h->data_offset + need));
    size_t nelem, nbytes;
    vt_status s = vt_shape_size(h->dtype, h->rank, h->dims, max_bytes, &nelem, &nbytes, err);
    if (s) vt_error_prefix(err, "%s", what);
    return s;
}

static vt_status parse_header(const uint8_t *b, size_t avail, uint64_t file_len, const char *what, npy_header *h, vt_error *err) {
    memset(h, 0, sizeof *h);
    size_t start = 0, hlen = 0;
    int major;
    vt_status s = parse_preamble(b, avail, file_len, what, &start, &hlen, &major, err);
    if (s) return s;
    if (avail < start + hlen) return vt_error_set(err, VT_EINTERNAL, "%s: internal error: header not loaded", what);
    s = parse_dict((const char *)b + start, hlen, start, what, h, err);
    if (s) return s;
    h->data_offset = start + hlen;
    return VT_OK;
}

/* ---- data conversion --------------------------------------------------------------------------- */

static void byteswap(uint8_t *p, size_t nbytes, unsigned width) {
    for (size_t i = 0; i + width <= nbytes; i += width)
        for (unsigned a = 0, z = width - 1; a < z; a++, z--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + z];
            p[i + z] = t;
        }
}

/* Fortran (column-major) src into row-major dst. */
static void fortran_to_c(const uint8_t *src, uint8_t *dst, const vt_tensor *t) {
    size_t es = vt_dtype_size(t->dtype);
    int r = t->rank;
    size_t fstride[VT_MAX_RANK]; /* column-major strides in elements */
    size_t idx[VT_MAX_RANK] = {0};
    size_t acc = 1;
    for (int i = 0; i < r; i++) {
        fstride[i] = acc;
        acc *= (size_t)t->dims[i];
    }
    size_t inner = (size_t)t->dims[r - 1], istride = fstride[r - 1] * es;
    size_t off = 0; /* source element offset of idx */
    for (size_t o = 0; o < t->nelem; o += inner) {
        const uint8_t *s = src + off * es;
        uint8_t *d = dst + o * es;
        for (size_t j = 0; j < inner; j++, s += istride, d += es) memcpy(d, s, es);
        /* Advance the outer indices (all but the last) like an odometer. */
        for (int k = r - 2; k >= 0; k--) {
            idx[k]++;
            off += fstride[k];
            if (idx[k] < (size_t)t->dims[k]) break;
            off -= fstride[k] * idx[k];
            idx[k] = 0;
        }
    }
}

/* Turns the file's bytes (already in t->data, or in raw when Fortran order) into veritor's
 * little-endian row-major form and checks bool values. */
static vt_status finish_tensor(const npy_header *h, vt_tensor *t, const uint8_t *raw, const char *what, vt_error *err) {
    if (t->nbytes == 0) return VT_OK;
    if (raw) fortran_to_c(raw, t->data, t);
    if (h->big_endian) {
        /* Complex numbers swap each part on its own. */
        unsigned w = vt_dtype_is_complex(h->dtype) ? h->itemsize / 2 : h->itemsize;
        byteswap(t->data, t->nbytes, w);
    }
    size_t bad;
    if (!vt_dtype_check_canonical(t->dtype, t->data, t->nelem, &bad))
        return vt_error_set(err, VT_EINPUT, "%s: element %zu of the bool array is 0x%02x, not 0 or 1", what, bad,
                            ((const uint8_t *)t->data)[bad]);
    return VT_OK;
}

static bool needs_transpose(const npy_header *h) {
    if (!h->fortran) return false;
    int nontrivial = 0;
    for (int i = 0; i < h->rank; i++)
        if (h->dims[i] != 1) nontrivial++;
    return nontrivial > 1;
}

vt_status vt_npy_read_mem(const void *data, size_t len, const char *what, const vt_read_options *opt, vt_tensor **out,
                          vt_error *err) {
    *out = NULL;
    if (!what) what = "npy";
    if (!data && len) return vt_error_set(err, VT_EUSAGE, "%s: no data", what);
    npy_header h;
    vt_status s = parse_header(data, len, len, what, &h, err);
    if (s) return s;
    uint64_t max = opt ? opt->max_tensor_bytes : 0;
    s = check_size(&h, len, what, max, err);
    if (s) return s;
    vt_tensor *t = vt_tensor_create_uninit(h.dtype, h.rank, h.dims, max, err);
    if (!t) {
        vt_error_prefix(err, "%s", what);
        return err ? err->code : VT_ENOMEM;
    }
    const uint8_t *src = (const uint8_t *)data + h.data_offset;
    bool tr = needs_transpose(&h);
    if (!tr && t->nbytes) memcpy(t->data, src, t->nbytes);
    s = finish_tensor(&h, t, tr ? src : NULL, what, err);
    if (s) {
        vt_tensor_release(t);
        return s;
    }
    *out = t;
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
        if (r == 0) return vt_error_set(err, VT_EINPUT, "%s: file ends at byte %llu while reading (did it shrink?)", path, (unsigned long long)off);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return VT_OK;
}

vt_status vt_npy_read(const char *path, const vt_read_options *opt, vt_tensor **out, vt_error *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vt_error_set(err, VT_EIO, "%s: not a regular file", path);
    }
    uint64_t file_len = (uint64_t)st.st_size;
    /* Read the preamble, then exactly the header, then the data straight into the tensor. */
    uint8_t pre[12];
    size_t pre_n = file_len < sizeof pre ? (size_t)file_len : sizeof pre;
    vt_status s = read_at(fd, pre, pre_n, 0, path, err);
    size_t start = 0, hlen = 0;
    int major = 0;
    if (!s) s = parse_preamble(pre, pre_n, file_len, path, &start, &hlen, &major, err);
    uint8_t *hdr = NULL;
    npy_header h;
    if (!s) {
        hdr = malloc(start + hlen + 1);
        if (!hdr) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    }
    if (!s) s = read_at(fd, hdr, start + hlen, 0, path, err);
    if (!s) s = parse_header(hdr, start + hlen, file_len, path, &h, err);
    free(hdr);
    uint64_t max = opt ? opt->max_tensor_bytes : 0;
    if (!s) s = check_size(&h, file_len, path, max, err);
    vt_tensor *t = NULL;
    uint8_t *raw = NULL;
    if (!s) {
        t = vt_tensor_create_uninit(h.dtype, h.rank, h.dims, max, err);
        if (!t) {
            vt_error_prefix(err, "%s", path);
            s = err ? err->code : VT_ENOMEM;
        }
    }
    bool tr = !s && needs_transpose(&h);
    if (!s && t->nbytes) {
        if (tr) {
            raw = malloc(t->nbytes);
            if (!raw) s = vt_error_set(err, VT_ENOMEM, "%s: out of memory (%zu bytes for the Fortran-order data)", path, t->nbytes);
        }
        if (!s) s = read_at(fd, tr ? raw : t->data, t->nbytes, h.data_offset, path, err);
    }
    if (!s) s = finish_tensor(&h, t, tr ? raw : NULL, path, err);
    free(raw);
    close(fd);
    if (s) {
        vt_tensor_release(t);
        return s;
    }
    *out = t;
    return VT_OK;
}

/* ---- writing ------------------------------------------------------------------------------------ */

/* Builds the preamble + header for t into b. */
static vt_status build_header(vt_buf *b, const vt_tensor *t, vt_error *err) {
    const npy_type *nt = NULL;
    for (size_t i = 0; i < NPY_NTYPES; i++)
        if (npy_types[i].dtype == t->dtype) nt = &npy_types[i];
    if (!nt)
        return vt_error_set(err, VT_EUNSUPPORTED, "not supported: .npy has no dtype for %s (write it as .safetensors)",
                            vt_dtype_name(t->dtype));
    vt_buf d;
    vt_buf_init(&d);
    vt_buf_printf(&d, "{'descr': '%c%c%u', 'fortran_order': False, 'shape': (", nt->size == 1 ? '|' : '<', nt->kind, nt->size);
    for (int i = 0; i < t->rank; i++) vt_buf_printf(&d, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
    vt_buf_puts(&d, t->rank == 1 ? ",), }" : "), }");
    if (d.failed) {
        vt_buf_free(&d);
        return vt_error_set(err, VT_ENOMEM, "out of memory building a .npy header");
    }
    /* numpy: magic + version + length + dict + spaces + '\n', total a multiple of 64. */
    size_t lenbytes = 2;
    int major = 1;
    size_t total = NPY_MAGIC_LEN + 2 + lenbytes + d.len + 1;
    size_t padded = (total + 63) / 64 * 64;
    if (padded - NPY_MAGIC_LEN - 2 - lenbytes > 65535) {
        lenbytes = 4;
        major = 2;
        total = NPY_MAGIC_LEN + 2 + lenbytes + d.len + 1;
        padded = (total + 63) / 64 * 64;
    }
    size_t hlen = padded - NPY_MAGIC_LEN - 2 - lenbytes;
    uint8_t pre[12];
    memcpy(pre, NPY_MAGIC, NPY_MAGIC_LEN);
    pre[6] = (uint8_t)major;
    pre[7] = 0;
    for (size_t i = 0; i < lenbytes; i++) pre[8 + i] = (uint8_t)(hlen >> (8 * i));
    vt_buf_append(b, pre, NPY_MAGIC_LEN + 2 + lenbytes);
    vt_buf_append(b, d.data, d.len);
    for (size_t i = d.len + 1; i < hlen; i++) vt_buf_append(b, " ", 1);
    vt_buf_append(b, "\n", 1);
    vt_buf_free(&d);
    if (b->failed) return vt_error_set(err, VT_ENOMEM, "out of memory building a .npy header");
    return VT_OK;
}

vt_status vt_npy_write_buf(vt_buf *out, const vt_tensor *t, vt_error *err) {
    vt_status s = build_header(out, t, err);
    if (s) return s;
    if (t->nbytes && !vt_buf_append(out, t->data, t->nbytes))
        return vt_error_set(err, VT_ENOMEM, "out of memory writing %zu bytes of .npy data", t->nbytes);
    return VT_OK;
}

vt_status vt_npy_write(const char *path, const vt_tensor *t, vt_error *err) {
    vt_buf hdr;
    vt_buf_init(&hdr);
    vt_status s = build_header(&hdr, t, err);
    if (s) {
        vt_buf_free(&hdr);
        vt_error_prefix(err, "%s", path);
        return s;
    }
    vt_file_writer w;
    s = vt_file_writer_open(&w, path, err);
    if (!s) {
        vt_file_writer_write(&w, hdr.data, hdr.len, err);
        if (t->nbytes) vt_file_writer_write(&w, t->data, t->nbytes, err);
        s = vt_file_writer_commit(&w, err);
    }
    vt_buf_free(&hdr);
    return s;
}
