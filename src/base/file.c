/* Whole-file reads with a size cap, and atomic writes (temp + fsync + rename) so that a crash
 * never leaves a half-written output under the final name. */
#include "veritor/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

vt_status vt_read_file(const char *path, size_t max_bytes, char **data, size_t *len, vt_error *err) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return vt_error_set(err, VT_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return vt_error_set(err, VT_EIO, "%s: is a directory", path);
    }
    if (max_bytes && (uint64_t)st.st_size > max_bytes) {
        close(fd);
        return vt_error_set(err, VT_ELIMIT, "%s: file of %lld bytes exceeds the input limit of %zu bytes",
                            path, (long long)st.st_size, max_bytes);
    }
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return vt_error_set(err, VT_ENOMEM, "%s: out of memory reading %zu bytes", path, cap);
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (max_bytes && n >= max_bytes) {
                free(buf);
                close(fd);
                return vt_error_set(err, VT_ELIMIT, "%s: exceeds the input limit of %zu bytes", path, max_bytes);
            }
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                close(fd);
                return vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return vt_error_set(err, VT_EIO, "%s: read error: %s", path, strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (max_bytes && n > max_bytes) {
        free(buf);
        return vt_error_set(err, VT_ELIMIT, "%s: exceeds the input limit of %zu bytes", path, max_bytes);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return VT_OK;
}

/* Writes all of data to fd; VT_EIO naming path on failure. */
static vt_status write_all(int fd, const char *path, const void *data, size_t len, vt_error *err) {
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return vt_error_set(err, VT_EIO, "%s: write error: %s", path, strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
    return VT_OK;
}

vt_status vt_write_file_atomic(const char *path, const void *data, size_t len, vt_error *err) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return vt_error_set(err, VT_EIO, "%s: is a directory", path);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* /dev/null, a FIFO, a terminal: renaming over it would replace the node itself. */
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return vt_error_set(err, VT_EIO, "%s: cannot open: %s", path, strerror(errno));
        vt_status s = write_all(fd, path, data, len, err);
        if (close(fd) != 0 && s == VT_OK) s = vt_error_set(err, VT_EIO, "%s: cannot close: %s", path, strerror(errno));
        return s;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return s;
    }
    vt_status ws = write_all(fd, path, data, len, err);
    if (ws != VT_OK) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return ws;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot flush: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return s;
    }
    if (rename(tmp, path) != 0) {
        vt_status s = vt_error_set(err, VT_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return s;
    }
    free(tmp);
    return VT_OK;
}
