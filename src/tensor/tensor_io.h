/* Private helpers shared by the tensor file formats (.npy, safetensors, tensor sets): a
 * streaming atomic writer, so that large tensors are written without a second in-memory copy,
 * and the reference-counted file mapping that mmap'ed safetensors tensors point into. */
#ifndef VT_TENSOR_IO_H
#define VT_TENSOR_IO_H

#include "veritor/tensor.h"

/* Writes to a temporary file next to path; commit fsyncs and renames it into place, abort
 * removes it. Any failed write makes commit fail with the first error. A path that exists and
 * is not a regular file (/dev/null, a FIFO) is written directly: renaming over it would
 * replace the device node. */
typedef struct vt_file_writer {
    int fd;
    char *path;
    char *tmp;   /* the temporary file; NULL after commit/abort (a copy of path when direct) */
    bool direct; /* writing to a special file in place */
    vt_status status;
} vt_file_writer;

vt_status vt_file_writer_open(vt_file_writer *w, const char *path, vt_error *err);
vt_status vt_file_writer_write(vt_file_writer *w, const void *data, size_t n, vt_error *err);
vt_status vt_file_writer_commit(vt_file_writer *w, vt_error *err);
void vt_file_writer_abort(vt_file_writer *w);

/* Appends without the duplicate-name check, for readers whose names are already known to be
 * unique (a JSON object without duplicate keys): keeps reading n tensors O(n). */
vt_status vt_tensor_set_append_unique(vt_tensor_set *s, const char *name, vt_tensor *t, vt_error *err);
vt_status vt_tensor_set_append_meta_unique(vt_tensor_set *s, const char *key, const char *value, vt_error *err);

/* A private (copy-on-write) file mapping shared by the tensors wrapped around it; unmapped when
 * the last reference goes (the tensor set holds one, every wrapped tensor one more). */
typedef struct vt_file_mapping vt_file_mapping;
void vt_file_mapping_unref(vt_file_mapping *m);

#endif
