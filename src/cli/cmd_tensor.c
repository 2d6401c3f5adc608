/* `veritor tensor`: show a tensor file's tensors (dtype, shape, statistics, content id) and
 * convert between .npy and safetensors, optionally changing the element type. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char help_text[] =
    "usage: veritor tensor show FILE[:NAME] [--json] [--max-bytes N]\n"
    "       veritor tensor convert IN -o OUT [--dtype T] [--max-bytes N]\n"
    "\n"
    "show: prints every tensor of FILE (all tensors of a safetensors file, or only NAME with\n"
    "  FILE.safetensors:NAME): name, dtype, shape, element count, min/max/mean/std, NaN and Inf\n"
    "  counts and the content id. Statistics are computed in f64 over the finite values (NaN and\n"
    "  Inf are only counted); std is the population standard deviation; complex tensors use the\n"
    "  magnitude |z|. --json prints one JSON object instead (see docs/cli.md).\n"
    "convert: reads IN (.npy, .safetensors, FILE.safetensors:NAME), converts to dtype T when\n"
    "  --dtype is given (round to nearest even, as XLA does), and writes OUT by its extension:\n"
    "  .npy (one tensor, a dtype numpy has) or .safetensors (a whole set is kept together with\n"
    "  its metadata); without a known extension, .npy is appended when numpy has the dtype and\n"
    "  .safetensors otherwise.\n"
    "\n"
    "Files are recognised by extension (.npy, .safetensors), otherwise by their first bytes.\n"
    "Dtype names are StableHLO's: i1 i8 i16 i32 i64 ui8 ... bf16 f16 f32 f64 f8E4M3FN ...\n"
    "complex<f32> complex<f64> (see docs/formats.md).\n"
    "\n"
    "Options:\n"
    "  --json          show: print JSON\n"
    "  -o, --output F  convert: output file\n"
    "  --dtype T       convert: element type of the output\n"
    "  --max-bytes N   refuse tensors larger than N bytes (exit 3); default 64 GiB\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 ok; 2 bad file, bad usage or unsupported type; 3 a size limit was hit.\n";

/* ---- reading ----------------------------------------------------------------------------------- */

/* What `show` and `convert` read: a whole set (safetensors) or one tensor. Every entry has a
 * name: the tensor's own in a safetensors file, "tensor" for .npy (as the one rule for writing
 * files names a lone tensor). */
typedef struct loaded {
    vt_tensor_set *set;
    const char *format; /* "npy" or "safetensors" */
    bool whole_set;     /* all tensors of a safetensors file (metadata kept) */
} loaded;

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* 1: .npy magic, 0: something else, -1: unreadable (err says why). */
static int sniff_npy(const char *path, vt_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char magic[6] = {0};
    ssize_t r = read(fd, magic, sizeof magic);
    close(fd);
    return r == 6 && memcmp(magic, "\x93NUMPY", 6) == 0;
}

/* Makes sure a reader's message names the file the user gave. */
static vt_status name_file(vt_status s, vt_error *err, const char *path) {
    if (s != VT_OK && !strstr(err->msg, path)) vt_error_prefix(err, "%s", path);
    return s;
}

static vt_status wrap_one(loaded *ld, const char *name, vt_tensor *t, const char *format, vt_error *err) {
    ld->set = vt_tensor_set_new();
    if (!ld->set) {
        vt_tensor_release(t);
        return vt_error_set(err, VT_ENOMEM, "out of memory");
    }
    vt_status s = vt_tensor_set_add(ld->set, *name ? name : "tensor", t, err);
    vt_tensor_release(t);
    ld->format = format;
    ld->whole_set = false;
    return s;
}

static vt_status load(const char *spec, uint64_t max_bytes, loaded *ld, vt_error *err) {
    memset(ld, 0, sizeof *ld);
    vt_read_options opt = {.max_tensor_bytes = max_bytes, .use_mmap = true};
    bool npy;
    if (ends_with(spec, ".npy")) {
        npy = true;
    } else if (ends_with(spec, ".safetensors") || (strstr(spec, ".safetensors:") && !is_file(spec))) {
        npy = false;
    } else {
        int k = sniff_npy(spec, err);
        if (k < 0) return err->code;
        npy = k == 1;
    }
    vt_tensor *t = NULL;
    vt_status s;
    if (npy) {
        s = name_file(vt_npy_read(spec, &opt, &t, err), err, spec);
        if (s != VT_OK) return s;
        return wrap_one(ld, "tensor", t, "npy", err);
    }
    const char *sep = NULL;
    for (const char *p = strstr(spec, ".safetensors:"); p; p = strstr(p + 1, ".safetensors:")) sep = p;
    if (sep && !is_file(spec)) {
        const char *name = sep + strlen(".safetensors:");
        s = vt_tensor_read_any(spec, &opt, &t, err);
        if (s != VT_OK) return s;
        return wrap_one(ld, name, t, "safetensors", err);
    }
    s = name_file(vt_safetensors_read(spec, &opt, &ld->set, err), err, spec);
    ld->format = "safetensors";
    ld->whole_set = true;
    return s;
}

/* ---- statistics ------------------------------------------------------------------------------- */

typedef struct tensor_stats {
    size_t count;            /* finite values (or magnitudes) the moments cover */
    size_t nan, inf;
    bool exact_int;          /* integer or bool: min/max below are exact */
    bool is_unsigned;
    int64_t imin, imax;
    uint64_t umin, umax;
    double min, max, mean, std;
} tensor_stats;

enum { BLOCK = 4096 };

/* Loads elements [i, i+k) as f64: real values, or |z| for complex (NaN when a part is NaN,
 * Inf when a part is Inf). */
static void load_f64(const vt_tensor *t, size_t i, size_t k, double *tmp, double *out) {
    const uint8_t *src = (const uint8_t *)t->data + i * vt_dtype_size(t->dtype);
    if (vt_dtype_is_complex(t->dtype)) {
        vt_convert(vt_complex_part_dtype(t->dtype), src, VT_F64, tmp, 2 * k);
        for (size_t j = 0; j < k; j++) {
            double re = tmp[2 * j], im = tmp[2 * j + 1];
            out[j] = (isnan(re) || isnan(im)) ? NAN : hypot(re, im);
        }
    } else {
        vt_convert(t->dtype, src, VT_F64, out, k);
    }
}

/* Neumaier's compensated sum: the mean of a billion values stays accurate to the last bits. */
typedef struct ksum { double s, c; } ksum;
static void ksum_add(ksum *k, double x) {
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x)) k->c += (k->s - t) + x;
    else k->c += (x - t) + k->s;
    k->s = t;
}

static vt_status compute_stats(const vt_tensor *t, tensor_stats *st, vt_error *err) {
    memset(st, 0, sizeof *st);
    vt_dtype_kind kind = vt_dtype_kind_of(t->dtype);
    st->exact_int = kind == VT_KIND_BOOL || kind == VT_KIND_SINT || kind == VT_KIND_UINT;
    st->is_unsigned = kind == VT_KIND_BOOL || kind == VT_KIND_UINT;
    st->imin = INT64_MAX, st->imax = INT64_MIN, st->umin = UINT64_MAX, st->umax = 0;
    st->min = INFINITY, st->max = -INFINITY;
    double *buf = malloc(sizeof(double) * 3 * BLOCK);
    if (!buf) return vt_error_set(err, VT_ENOMEM, "out of memory");
    double *vals = buf, *tmp = buf + BLOCK; /* tmp holds 2*BLOCK parts for complex */
    ksum sum = {0, 0};
    for (size_t i = 0; i < t->nelem; i += BLOCK) {
        size_t k = t->nelem - i < BLOCK ? t->nelem - i : BLOCK;
        if (st->exact_int) {
            /* Exact extremes: through 64-bit integers, not f64 (which rounds above 2^53). */
            const uint8_t *src = (const uint8_t *)t->data + i * vt_dtype_size(t->dtype);
            if (st->is_unsigned) {
                uint64_t *u = (uint64_t *)tmp;
                vt_convert(t->dtype, src, VT_U64, u, k);
                for (size_t j = 0; j < k; j++) {
                    if (u[j] < st->umin) st->umin = u[j];
                    if (u[j] > st->umax) st->umax = u[j];
                }
            } else {
                int64_t *s = (int64_t *)tmp;
                vt_convert(t->dtype, src, VT_I64, s, k);
                for (size_t j = 0; j < k; j++) {
                    if (s[j] < st->imin) st->imin = s[j];
                    if (s[j] > st->imax) st->imax = s[j];
                }
            }
        }
        load_f64(t, i, k, tmp, vals);
        for (size_t j = 0; j < k; j++) {
            double v = vals[j];
            if (isnan(v)) st->nan++;
            else if (isinf(v)) st->inf++;
            else {
                st->count++;
                if (v < st->min) st->min = v;
                if (v > st->max) st->max = v;
                ksum_add(&sum, v);
            }
        }
    }
    if (st->count) {
        st->mean = (sum.s + sum.c) / (double)st->count;
        /* Second pass over the deviations: the textbook one-pass formula loses everything when
         * the mean is large against the spread. */
        ksum dev = {0, 0};
        for (size_t i = 0; i < t->nelem; i += BLOCK) {
            size_t k = t->nelem - i < BLOCK ? t->nelem - i : BLOCK;
            load_f64(t, i, k, tmp, vals);
            for (size_t j = 0; j < k; j++)
                if (isfinite(vals[j])) ksum_add(&dev, (vals[j] - st->mean) * (vals[j] - st->mean));
        }
        st->std = sqrt((dev.s + dev.c) / (double)st->count);
    }
    free(buf);
    return VT_OK;
}

/* ---- show ------------------------------------------------------------------------------------- */

/* Names come from files: control bytes are escaped so a hostile name cannot drive the terminal. */
static void print_escaped(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\') fprintf(f, "\\x%02x", *p);
        else fputc(*p, f);
    }
}

static void print_shape(FILE *f, const vt_tensor *t) {
    fputc('[', f);
    for (int i = 0; i < t->rank; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
    fputc(']', f);
}

static void print_human(FILE *f, const char *name, const vt_tensor *t, const tensor_stats *st, const char *id) {
    fputs("name:     ", f);
    print_escaped(f, name);
    fprintf(f, "\ndtype:    %s\nshape:    ", vt_dtype_name(t->dtype));
    print_shape(f, t);
    fprintf(f, "\nelements: %zu\nbytes:    %zu\n", t->nelem, t->nbytes);
    const char *of = vt_dtype_is_complex(t->dtype) ? " (of |z|)" : "";
    if (!st->count) {
        fprintf(f, "min:      -\nmax:      -\nmean:     -\nstd:      -\n");
    } else if (st->exact_int && st->is_unsigned) {
        fprintf(f, "min:      %llu\nmax:      %llu\n", (unsigned long long)st->umin, (unsigned long long)st->umax);
    } else if (st->exact_int) {
        fprintf(f, "min:      %lld\nmax:      %lld\n", (long long)st->imin, (long long)st->imax);
    } else {
        fprintf(f, "min:      %.9g%s\nmax:      %.9g%s\n", st->min, of, st->max, of);
    }
    if (st->count) fprintf(f, "mean:     %.9g%s\nstd:      %.9g%s\n", st->mean, of, st->std, of);
    fprintf(f, "nan:      %zu\ninf:      %zu\nid:       %s\n", st->nan, st->inf, id);
}

/* JSON has no NaN or Inf: a moment that overflowed f64 is null. */
static json_t *json_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *json_uint(uint64_t v) {
    return v <= (uint64_t)INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* jansson insists on UTF-8; a name that is not gets its bytes escaped like print_escaped. */
static json_t *json_name(const char *name) {
    json_t *j = json_string(name);
    if (j) return j;
    size_t n = strlen(name);
    char *e = malloc(4 * n + 1);
    if (!e) return NULL;
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') e[k++] = (char)*p;
        else k += (size_t)snprintf(e + k, 5, "\\x%02x", *p);
    }
    e[k] = 0;
    j = json_string(e);
    free(e);
    return j;
}

static json_t *json_tensor(const char *name, const vt_tensor *t, const tensor_stats *st, const char *id) {
    json_t *o = json_object();
    json_t *shape = json_array();
    for (int i = 0; i < t->rank; i++) json_array_append_new(shape, json_integer((json_int_t)t->dims[i]));
    json_object_set_new(o, "name", json_name(name));
    json_object_set_new(o, "dtype", json_string(vt_dtype_name(t->dtype)));
    json_object_set_new(o, "shape", shape);
    json_object_set_new(o, "elements", json_uint(t->nelem));
    json_object_set_new(o, "bytes", json_uint(t->nbytes));
    json_object_set_new(o, "stats_of", json_string(vt_dtype_is_complex(t->dtype) ? "magnitude" : "value"));
    json_object_set_new(o, "finite", json_uint(st->count));
    if (!st->count) {
        json_object_set_new(o, "min", json_null());
        json_object_set_new(o, "max", json_null());
        json_object_set_new(o, "mean", json_null());
        json_object_set_new(o, "std", json_null());
    } else {
        if (st->exact_int && st->is_unsigned) {
            json_object_set_new(o, "min", json_uint(st->umin));
            json_object_set_new(o, "max", json_uint(st->umax));
        } else if (st->exact_int) {
            json_object_set_new(o, "min", json_integer((json_int_t)st->imin));
            json_object_set_new(o, "max", json_integer((json_int_t)st->imax));
        } else {
            json_object_set_new(o, "min", json_num(st->min));
            json_object_set_new(o, "max", json_num(st->max));
        }
        json_object_set_new(o, "mean", json_num(st->mean));
        json_object_set_new(o, "std", json_num(st->std));
    }
    json_object_set_new(o, "nan", json_uint(st->nan));
    json_object_set_new(o, "inf", json_uint(st->inf));
    json_object_set_new(o, "id", json_string(id));
    return o;
}

static int cmd_show(const char *spec, bool as_json, uint64_t max_bytes) {
    vt_error err;
    vt_error_clear(&err);
    loaded ld;
    vt_status s = load(spec, max_bytes, &ld, &err);
    if (s != VT_OK) {
        vt_tensor_set_free(ld.set);
        return vt_cli_fail(&err);
    }
    json_t *root = NULL, *list = NULL;
    if (as_json) {
        root = json_object();
        list = json_array();
        json_object_set_new(root, "file", json_name(spec));
        json_object_set_new(root, "format", json_string(ld.format));
        json_object_set_new(root, "tensors", list);
        if (ld.whole_set) {
            json_t *meta = json_object();
            for (size_t i = 0; i < ld.set->meta_count; i++)
                json_object_set_new(meta, ld.set->meta_keys[i], json_name(ld.set->meta_values[i]));
            json_object_set_new(root, "metadata", meta);
        }
    } else {
        printf("file:     ");
        print_escaped(stdout, spec);
        printf(" (%s, %zu tensor%s)\n", ld.format, ld.set->count, ld.set->count == 1 ? "" : "s");
        if (ld.whole_set)
            for (size_t i = 0; i < ld.set->meta_count; i++) {
                printf("metadata: ");
                print_escaped(stdout, ld.set->meta_keys[i]);
                printf(" = ");
                print_escaped(stdout, ld.set->meta_values[i]);
                printf("\n");
            }
    }
    for (size_t i = 0; i < ld.set->count && s == VT_OK; i++) {
        const vt_named_tensor *nt = &ld.set->items[i];
        tensor_stats st;
        s = compute_stats(nt->tensor, &st, &err);
        if (s != VT_OK) break;
        uint8_t id[VT_SHA256_LEN];
        vt_tensor_id(nt->tensor, 0, id);
        vt_hash_hex hex = vt_hash_to_hex(id);
        if (as_json) {
            json_array_append_new(list, json_tensor(nt->name, nt->tensor, &st, hex.s));
        } else {
            printf("\n");
            print_human(stdout, nt->name, nt->tensor, &st, hex.s);
        }
    }
    int rc = 0;
    if (s != VT_OK) {
        rc = vt_cli_fail(&err);
    } else if (as_json) {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
        if (!text) {
            fprintf(stderr, "veritor: out of memory writing JSON\n");
            rc = 3;
        } else {
            printf("%s\n", text);
            free(text);
        }
    }
    json_decref(root);
    vt_tensor_set_free(ld.set);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "veritor: cannot write to stdout: %s\n", strerror(errno));
        rc = 2;
    }
    return rc;
}

/* ---- convert ---------------------------------------------------------------------------------- */

/* The output tensor: converted (and size-checked against the limit) or the input retained. */
static vt_tensor *converted(vt_tensor *t, vt_dtype to, uint64_t max_bytes, vt_error *err) {
    if (to == VT_DTYPE_INVALID || to == t->dtype) return vt_tensor_retain(t);
    if (vt_shape_size(to, t->rank, t->dims, max_bytes, NULL, NULL, err) != VT_OK) return NULL;
    return vt_tensor_convert(t, to, err);
}

static int cmd_convert(const char *in, const char *out, const char *dtype_name, uint64_t max_bytes) {
    vt_error err;
    vt_error_clear(&err);
    vt_dtype to = VT_DTYPE_INVALID;
    if (dtype_name) {
        to = vt_dtype_from_name(dtype_name);
        if (to == VT_DTYPE_INVALID)
            return vt_cli_usage("tensor", "unknown dtype '%s' (names as StableHLO prints them: f32, bf16, i8, ui8, "
                                "complex<f32>, ...)", dtype_name);
    }
    bool to_npy = ends_with(out, ".npy"), to_st = ends_with(out, ".safetensors");
    loaded ld;
    vt_status s = load(in, max_bytes, &ld, &err);
    if (s != VT_OK) {
        vt_tensor_set_free(ld.set);
        return vt_cli_fail(&err);
    }
    vt_tensor_set *dst = NULL;
    vt_tensor *one = NULL;
    char written[4096];
    snprintf(written, sizeof written, "%s", out);
    if (ld.set->count != 1 && !to_st && !(ld.whole_set && !to_npy)) {
        s = vt_error_set(&err, VT_EUSAGE, "%s holds %zu tensors: write them to a .safetensors file or pick one as %s:NAME",
                         in, ld.set->count, in);
        goto done;
    }
    if (ld.set->count == 0 && to_npy) {
        s = vt_error_set(&err, VT_EINPUT, "%s holds no tensors: nothing to write to %s", in, out);
        goto done;
    }
    if (to_npy || (!to_st && ld.set->count == 1)) {
        one = converted(ld.set->items[0].tensor, to, max_bytes, &err);
        if (!one) {
            s = err.code;
            goto done;
        }
        if (to_npy) {
            if (!vt_npy_supports(one->dtype)) {
                s = vt_error_set(&err, VT_EUNSUPPORTED,
                                 "%s: not supported: numpy has no dtype for %s; write a .safetensors file instead",
                                 out, vt_dtype_name(one->dtype));
                goto done;
            }
            s = vt_npy_write(out, one, &err);
        } else {
            s = vt_tensor_write_auto(out, one, written, sizeof written, &err);
        }
        goto done;
    }
    /* A safetensors output: every tensor under its name, metadata kept. */
    dst = vt_tensor_set_new();
    if (!dst) {
        s = vt_error_set(&err, VT_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ld.set->count && s == VT_OK; i++) {
        vt_tensor *c = converted(ld.set->items[i].tensor, to, max_bytes, &err);
        if (!c) {
            s = err.code;
            vt_error_prefix(&err, "%s: tensor '%s'", in, ld.set->items[i].name);
            break;
        }
        s = vt_tensor_set_add(dst, ld.set->items[i].name, c, &err);
        vt_tensor_release(c);
    }
    for (size_t i = 0; i < ld.set->meta_count && s == VT_OK; i++)
        s = vt_tensor_set_add_meta(dst, ld.set->meta_keys[i], ld.set->meta_values[i], &err);
    if (s == VT_OK) {
        if (!to_st) snprintf(written, sizeof written, "%s.safetensors", out);
        s = vt_safetensors_write(written, dst, &err);
    }
done:
    vt_tensor_release(one);
    vt_tensor_set_free(dst);
    size_t count = ld.set->count;
    vt_tensor_set_free(ld.set);
    if (s != VT_OK) return vt_cli_fail(&err);
    printf("wrote %s (%zu tensor%s)\n", written, count, count == 1 ? "" : "s");
    return 0;
}

/* ---- entry ------------------------------------------------------------------------------------ */

/* Takes the value of an option given as "--opt V" or "--opt=V"; returns NULL when absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt, bool *missing) {
    const char *a = argv[*i];
    size_t n = strlen(lng);
    if (strncmp(a, lng, n) == 0 && a[n] == '=') return a + n + 1;
    if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
        if (*i + 1 >= argc) {
            *missing = true;
            return NULL;
        }
        return argv[++*i];
    }
    return NULL;
}

int vt_cmd_tensor(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (vt_cli_is_help(argv[i])) {
            fputs(help_text, stdout);
            return 0;
        }
    }
    if (argc < 2) return vt_cli_usage("tensor", "missing subcommand: show or convert");
    const char *sub = argv[1];
    bool show = strcmp(sub, "show") == 0, conv = strcmp(sub, "convert") == 0;
    if (!show && !conv) return vt_cli_usage("tensor", "unknown subcommand '%s' (expected show or convert)", sub);

    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *out = NULL, *dtype = NULL;
    bool as_json = false, only_pos = false;
    uint64_t max_bytes = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
        } else if (!only_pos && a[0] == '-' && a[1]) {
            if (strcmp(a, "--json") == 0 && show) {
                as_json = true;
            } else if (conv && ((v = opt_value(argc, argv, &i, "--output", "-o", &missing)) || missing)) {
                if (missing) return vt_cli_usage("tensor", "%s needs a file name", a);
                out = v;
            } else if (conv && ((v = opt_value(argc, argv, &i, "--dtype", NULL, &missing)) || missing)) {
                if (missing) return vt_cli_usage("tensor", "--dtype needs a type name");
                dtype = v;
            } else if ((v = opt_value(argc, argv, &i, "--max-bytes", NULL, &missing)) || missing) {
                if (missing || !vt_cli_parse_u64(v, &max_bytes) || max_bytes == 0)
                    return vt_cli_usage("tensor", "--max-bytes needs a positive integer");
            } else {
                return vt_cli_usage("tensor", "unknown option '%s' for %s", a, sub);
            }
        } else {
            if (npos == 1) return vt_cli_usage("tensor", "%s takes one file, got '%s' too", sub, a);
            pos[npos++] = a;
        }
    }
    if (npos == 0) return vt_cli_usage("tensor", "%s needs a file", sub);
    if (!*pos[0]) return vt_cli_usage("tensor", "empty file name");
    if (show) return cmd_show(pos[0], as_json, max_bytes);
    if (!out || !*out) return vt_cli_usage("tensor", "convert needs an output file: -o OUT");
    return cmd_convert(pos[0], out, dtype, max_bytes);
}
