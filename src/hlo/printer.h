/* Private interface of the printer files: module/op structure (printer.c), types and
 * attributes (printer_attrs.c) and the pretty op forms (printer_pretty.c). */
#ifndef VT_HLO_PRINTER_H
#define VT_HLO_PRINTER_H

#include "veritor/hlo.h"

typedef struct vt_printer {
    vt_buf *b;
    vt_print_options o;
    int indent;
} vt_printer;

void vt_pr_indent(vt_printer *pr);
void vt_pr_value(vt_printer *pr, const vt_value *v);
void vt_pr_operands(vt_printer *pr, const vt_op *op, size_t from, size_t to); /* "%a, %b" */
void vt_pr_region(vt_printer *pr, const vt_region *r, bool print_entry_args);
void vt_pr_attr_dict(vt_printer *pr, const vt_named_attr *attrs, size_t n, const char *const *skip, size_t nskip);
/* ": T" or ": (T, T) -> R" for pretty forms */
void vt_pr_signature(vt_printer *pr, const vt_op *op);
void vt_pr_functional_type(vt_printer *pr, const vt_op *op);
void vt_pr_symbol(vt_buf *b, const char *name);
void vt_pr_string(vt_buf *b, const char *s, size_t n);
void vt_pr_loc(vt_printer *pr, const vt_attr *loc);
bool vt_pr_pretty_op(vt_printer *pr, const vt_op *op); /* false: use the generic form */
bool vt_conv_dims_text(const vt_attr *a, vt_buf *b);   /* "[b, 0, 1, f]x[...]->[...]" */

#endif
