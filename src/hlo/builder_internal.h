/* Private state of the builder (builder.c, builder_ops.c): the module under construction, the
 * insertion block and its stack, and the sticky first error. */
#ifndef VT_HLO_BUILDER_INTERNAL_H
#define VT_HLO_BUILDER_INTERNAL_H

#include "veritor/hlo_builder.h"

struct vt_builder {
    vt_module *m;        /* NULL once vt_builder_finish handed it out */
    vt_block *cur;       /* insertion block */
    vt_block **stack;    /* saved insertion blocks (push/pop) */
    size_t nstack, capstack;
    vt_error err;        /* first error; err.code == VT_OK while none */
};

/* Records the first error ("builder: ..."); returns the recorded code. */
vt_status vt_bld_fail(vt_builder *b, vt_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void *vt_bld_alloc(vt_builder *b, size_t size);
char *vt_bld_strdup(vt_builder *b, const char *s);

#endif
