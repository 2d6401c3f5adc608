/* The one rule for tensor files (.npy when numpy has the dtype, .safetensors otherwise), the
 * reader that accepts both ("F.npy", "F.safetensors", "F.safetensors:NAME"), and the streaming
 * atomic writer the formats share. */
#include "tensor/tensor_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- streaming atomic writer ----------------------------------------------------------------- */

vt_status vt_file_writer_open(vt_file_writer *w, const char *path, vt_error *err) {
    memset(w, 0, sizeof *w);
    w->fd = -1;
    size_t n = strlen(path);
    w->path = malloc(n + 1);
    w->tmp = malloc(n + 16);
    if (!w->path || !w->tmp) {
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
        return vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    }
    memcpy(w->path, path, n + 1);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: is a directory", path);
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
        return s;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        memcpy(w->tmp, path, n + 1);
        w->direct = true;
        w->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (w->fd < 0) {
            vt_status s = vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
            free(w->path);
            free(w->tmp);
            w->path = w->tmp = NULL;
            return s;
        }
        w->status = VT_OK;
        return VT_OK;
    }
    /* mkstemp gives a unique name even when several threads write the same path. */
    snprintf(w->tmp, n + 16, "%s.tmp.XXXXXX", path);
    w->fd = mkstemp(w->tmp);
    if (w->fd < 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
        return s;
    }
    /* mkstemp creates 0600; tensor files are ordinary data files. */
    (void)fchmod(w->fd, 0644);
    w->status = VT_OK;
    return VT_OK;
}

vt_status vt_file_writer_write(vt_file_writer *w, const void *data, size_t n, vt_error *err) {
    if (w->status != VT_OK) return w->status;
    const char *p = data;
    while (n) {
        ssize_t r = write(w->fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            w->status = vt_error_set(err, VT_EIO, "%s: write error: %s", w->path, strerror(errno));
            return w->status;
        }
        p += r;
        n -= (size_t)r;
    }
    return VT_OK;
}

static void writer_free(vt_file_writer *w) {
    free(w->path);
    free(w->tmp);
    w->path = w->tmp = NULL;
    w->fd = -1;
}

void vt_file_writer_abort(vt_file_writer *w) {
    if (!w->tmp) return;
    if (w->fd >= 0) close(w->fd);
    if (!w->direct) unlink(w->tmp);
    writer_free(w);
}

vt_status vt_file_writer_commit(vt_file_writer *w, vt_error *err) {
    if (w->status != VT_OK) {
        vt_status s = w->status;
        vt_file_writer_abort(w);
        return s;
    }
    if (!w->direct && fsync(w->fd) != 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot flush: %s", w->path, strerror(errno));
        vt_file_writer_abort(w);
        return s;
    }
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot close: %s", w->path, strerror(errno));
        vt_file_writer_abort(w);
        return s;
    }
    if (!w->direct && rename(w->tmp, w->path) != 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot rename into place: %s", w->path, strerror(errno));
        vt_file_writer_abort(w);
        return s;
    }
    writer_free(w);
    return VT_OK;
}

/* ---- the one rule ------------------------------------------------------------------------------ */

vt_status vt_tensor_write_auto(const char *base_path, const vt_tensor *t, char *path_out, size_t path_cap,
                               vt_error *err) {
    if (!base_path || !*base_path) return vt_error_set(err, VT_EUSAGE, "tensor file: empty output path");
    bool npy = vt_npy_supports(t->dtype);
    const char *ext = npy ? ".npy" : ".safetensors";
    size_t n = strlen(base_path) + strlen(ext) + 1;
    char *path = malloc(n);
    if (!path) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", base_path);
    snprintf(path, n, "%s%s", base_path, ext);
    if (path_out && path_cap < n) {
        vt_status s = vt_error_set(err, VT_EUSAGE, "%s: output path needs %zu bytes, buffer has %zu", path, n, path_cap);
        free(path);
        return s;
    }
    vt_status s;
    if (npy) {
        s = vt_npy_write(path, t, err);
    } else {
        vt_tensor_set *set = vt_tensor_set_new();
        if (!set) {
            free(path);
            return vt_error_set(err, VT_ENOMEM, "%s: out of memory", base_path);
        }
        s = vt_tensor_set_add(set, "tensor", (vt_tensor *)t, err);
        if (s == VT_OK) s = vt_safetensors_write(path, set, err);
        vt_tensor_set_free(set);
    }
    if (s == VT_OK && path_out) memcpy(path_out, path, n);
    free(path);
    return s;
}

static bool ends_with(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Appends "a, b, c" (names of a set) to msg, truncating politely. */
static void list_names(const vt_tensor_set *set, char *out, size_t cap) {
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < set->count && k + 1 < cap; i++) {
        int w = snprintf(out + k, cap - k, "%s'%s'", i ? ", " : "", set->items[i].name);
        if (w < 0 || (size_t)w >= cap - k) {
            if (cap > 4) memcpy(out + cap - 4, "...", 4);
            return;
        }
        k += (size_t)w;
    }
}

vt_status vt_tensor_read_any(const char *spec, const vt_read_options *opt, vt_tensor **out, vt_error *err) {
    *out = NULL;
    if (!spec || !*spec) return vt_error_set(err, VT_EUSAGE, "tensor file: empty path");
    size_t n = strlen(spec);
    if (ends_with(spec, n, ".npy")) return vt_npy_read(spec, opt, out, err);

    /* "FILE.safetensors:NAME": the last ".safetensors:" splits, so names may contain ':'. */
    const char *sep = NULL;
    for (const char *p = strstr(spec, ".safetensors:"); p; p = strstr(p + 1, ".safetensors:")) sep = p;
    const char *name = NULL;
    size_t path_len = n;
    /* A file whose own name contains ".safetensors:" is taken whole when it exists. */
    struct stat st;
    if (sep && !(ends_with(spec, n, ".safetensors") && stat(spec, &st) == 0)) {
        path_len = (size_t)(sep - spec) + strlen(".safetensors");
        name = spec + path_len + 1;
    } else if (!ends_with(spec, n, ".safetensors")) {
        return vt_error_set(err, VT_EUSAGE,
                            "%s: unknown tensor file type (expected FILE.npy, FILE.safetensors or FILE.safetensors:NAME)",
                            spec);
    }
    char *path = malloc(path_len + 1);
    if (!path) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", spec);
    memcpy(path, spec, path_len);
    path[path_len] = 0;

    vt_tensor_set *set = NULL;
    vt_status s = vt_safetensors_read(path, opt, &set, err);
    if (s != VT_OK) {
        free(path);
        return s;
    }
    char names[512];
    if (name) {
        vt_tensor *t = vt_tensor_set_get(set, name);
        if (!t) {
            list_names(set, names, sizeof names);
            s = vt_error_set(err, VT_EINPUT, "%s: no tensor named '%s' (it holds %zu: %s)", path, name, set->count, names);
        } else {
            *out = vt_tensor_retain(t);
        }
    } else if (set->count != 1) {
        list_names(set, names, sizeof names);
        s = vt_error_set(err, VT_EINPUT, "%s: holds %zu tensors (%s), not exactly one: name one as %s:NAME", path,
                         set->count, set->count ? names : "none", path);
    } else {
        *out = vt_tensor_retain(set->items[0].tensor);
    }
    vt_tensor_set_free(set);
    free(path);
    return s;
}
