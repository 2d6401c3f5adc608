/* veritor hlo layer: the IR of StableHLO programs (module -> functions -> regions -> blocks ->
 * ops, typed SSA values, attributes), the text parser and printer, parse limits, `// -----`
 * splitting, stable op ids and the op table (include/veritor/hlo_ops.def) every layer reads. */
#ifndef VERITOR_HLO_H
#define VERITOR_HLO_H

#include "veritor/base.h"
#include "veritor/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vt_type vt_type;
typedef struct vt_attr vt_attr;
typedef struct vt_value vt_value;
typedef struct vt_op vt_op;
typedef struct vt_block vt_block;
typedef struct vt_region vt_region;
typedef struct vt_func vt_func;
typedef struct vt_module vt_module;

/* ---- the op table ------------------------------------------------------------------------- */
/* Family / property flags of hlo_ops.def. */
enum {
    VT_OPF_ELEMENTWISE = 1u << 0,
    VT_OPF_UNARY = 1u << 1,       /* one operand (elementwise unary family) */
    VT_OPF_BINARY = 1u << 2,      /* two operands (elementwise binary family) */
    VT_OPF_TERMINATOR = 1u << 3,  /* ends a block: return ops */
    VT_OPF_CONTROL = 1u << 4,     /* while / if / case */
    VT_OPF_COLLECTIVE = 1u << 5,  /* needs several processes */
    VT_OPF_SIDE_EFFECT = 1u << 6, /* never removed by dead-code elimination */
    VT_OPF_CHLO = 1u << 7,
    VT_OPF_CHECK = 1u << 8,       /* check.* ops of the interpreter suite */
    VT_OPF_SHARDY = 1u << 9
};
/* Custom assembly ("pretty") form of an op; see hlo_ops.def. */
typedef enum vt_pretty_kind {
    VT_PK_GENERIC, VT_PK_SIMPLE, VT_PK_CONSTANT, VT_PK_COMPARE, VT_PK_CUSTOM_CALL, VT_PK_CALL,
    VT_PK_RETURN, VT_PK_SLICE, VT_PK_GET_TUPLE_ELEMENT, VT_PK_DOT_GENERAL, VT_PK_CONVOLUTION,
    VT_PK_REDUCE, VT_PK_WHILE, VT_PK_COMPOSITE, VT_PK_SCAN, VT_PK_TOP_K, VT_PK_CHECK_CONST,
    VT_PK_SDY_MESH, VT_PK_SDY_SHARDING, VT_PK_SDY_MANUAL
} vt_pretty_kind;

typedef enum vt_opcode {
    VT_OP_UNKNOWN = 0, /* an op outside the table, kept opaque with its full name */
#define VT_OP(id, name, nops, nres, nreg, flags, pretty) VT_OP_##id,
#include "veritor/hlo_ops.def"
#undef VT_OP
    VT_OP_COUNT
} vt_opcode;

typedef struct vt_op_info {
    const char *name;   /* "stablehlo.add" */
    int num_operands;   /* -1: variadic */
    int num_results;    /* -1: variadic */
    int num_regions;    /* -1: variadic */
    unsigned flags;     /* VT_OPF_* */
    vt_pretty_kind pretty;
} vt_op_info;

const vt_op_info *vt_op_info_get(vt_opcode code); /* VT_OP_UNKNOWN has name "" */
/* Full name ("stablehlo.add"); also accepts the bare forms "return" and "call" of func. */
vt_opcode vt_opcode_from_name(const char *name, size_t n);

/* ---- types ---------------------------------------------------------------------------------- */
#define VT_DYN INT64_MIN /* a dynamic dimension `?` (and "no bound" in bounds) */

typedef enum vt_type_kind {
    VT_TYPE_TENSOR,   /* tensor<2x?xf32>, ranked; scalars are rank 0 */
    VT_TYPE_ELEMENT,  /* a bare element type: f32, i64, complex<f32>, !quant.uniform<...> */
    VT_TYPE_TOKEN,    /* !stablehlo.token */
    VT_TYPE_TUPLE,    /* tuple<T, ...> */
    VT_TYPE_FUNCTION, /* (T, ...) -> (T, ...) */
    VT_TYPE_OPAQUE    /* anything else (index, none, vector<...>, other dialects): raw text */
} vt_type_kind;

/* !quant.uniform<storage<min:max>:expressed[:axis], {scale:zp, ...}> or <..., scale:zp>. */
typedef struct vt_quant {
    vt_dtype storage;          /* i8, ui8, i4, i32, ... */
    vt_dtype expressed;        /* f32, bf16, f16 */
    bool has_range;            /* storage<min:max> written */
    int64_t storage_min, storage_max; /* always set: explicit range or the storage type's */
    int32_t axis;              /* quantized dimension, -1: per tensor */
    size_t nscales;            /* 1 per tensor; per axis: one per slice */
    double *scales;
    int64_t *zero_points;
} vt_quant;

struct vt_type {
    vt_type_kind kind;
    /* TENSOR and ELEMENT: the element type. For quantized elements dtype is the storage type
     * and quant is set. */
    vt_dtype dtype;
    const vt_quant *quant;
    /* TENSOR: rank and dims (VT_DYN for `?`); bounds is NULL or has rank entries (VT_DYN: no
     * bound), from `#stablehlo.bounds<...>` / `#stablehlo.type_extensions<bounds = ...>`;
     * encoding keeps any other encoding attribute. */
    int rank;
    int64_t *dims;
    int64_t *bounds;
    vt_attr *encoding;
    /* TUPLE: elems; FUNCTION: elems are the inputs, results the results. */
    size_t nelems;
    const vt_type **elems;
    size_t nresults;
    const vt_type **results;
    /* OPAQUE: the text as written (e.g. "index"). */
    const char *text;
};

bool vt_type_equal(const vt_type *a, const vt_type *b);
bool vt_type_is_tensor(const vt_type *t);
bool vt_type_is_static(const vt_type *t); /* a tensor without `?` dims */
/* Element count of a static tensor type with overflow check (VT_EINPUT for `?` dims or
 * non-tensors, VT_ELIMIT on overflow of 64 bits). */
vt_status vt_type_num_elements(const vt_type *t, uint64_t *out, vt_error *err);
/* "tensor<2x3xf32>" into out (truncated with "..." when short); returns out. */
char *vt_type_str(const vt_type *t, char *out, size_t n);
/* Appends the textual form to b. */
void vt_type_print(vt_buf *b, const vt_type *t);

/* ---- attributes ----------------------------------------------------------------------------- */
typedef enum vt_attr_kind {
    VT_ATTR_UNIT,           /* `name` alone in an attribute dictionary, or `unit` */
    VT_ATTR_BOOL,           /* true / false */
    VT_ATTR_INT,            /* 42 or 42 : i32 (type NULL when untyped: i64 semantics) */
    VT_ATTR_FLOAT,          /* 1.5 or 1.5 : f32 (type NULL when untyped: f64) */
    VT_ATTR_STRING,         /* "..." with escapes decoded; may hold any bytes */
    VT_ATTR_DENSE,          /* dense<...> : tensor<...> */
    VT_ATTR_DENSE_RESOURCE, /* dense_resource<name> : tensor<...> */
    VT_ATTR_ARRAY,          /* [a, b, ...] */
    VT_ATTR_DENSE_ARRAY,    /* array<i64: 1, 2> (also i1/i8/i16/i32 and f32/f64 arrays) */
    VT_ATTR_DICT,           /* {a = 1, b} */
    VT_ATTR_ENUM,           /* #stablehlo<comparison_direction LT> */
    VT_ATTR_DIALECT,        /* #stablehlo.dot<field = value, ...>: named fields */
    VT_ATTR_SYMBOL,         /* @f or @a::@b (text without the first '@') */
    VT_ATTR_TYPE,           /* a type used as an attribute */
    VT_ATTR_LOC,            /* loc(...) */
    VT_ATTR_OPAQUE          /* anything else: the exact text, printed back verbatim */
} vt_attr_kind;

typedef struct vt_named_attr {
    const char *name;
    vt_attr *value;
} vt_named_attr;

typedef enum vt_loc_kind {
    VT_LOC_UNKNOWN,  /* loc(unknown) */
    VT_LOC_FILE,     /* "file":line:col [to [line]:col] */
    VT_LOC_NAME,     /* "name" or "name"(child): child in elems[0] when present */
    VT_LOC_CALLSITE, /* callsite(elems[0] at elems[1]) */
    VT_LOC_FUSED,    /* fused[elems...] or fused<metadata>[elems...]: metadata in meta */
    VT_LOC_ALIAS     /* #name: resolved after parsing into `resolved` (NULL if undefined) */
} vt_loc_kind;

struct vt_attr {
    vt_attr_kind kind;
    const vt_type *type; /* INT/FLOAT (NULL: untyped), DENSE/DENSE_RESOURCE (tensor type),
                          * DENSE_ARRAY (element type), TYPE (the type itself) */
    bool b;              /* BOOL */
    int64_t i;           /* INT: the value's 64 bits (unsigned types: read as uint64_t) */
    double f;            /* FLOAT */
    /* STRING: bytes (NUL-terminated copy, len excludes it); SYMBOL: the name; ENUM: the value
     * ("LT"); DENSE_RESOURCE: the resource name; OPAQUE: the raw text; LOC: file or name. */
    const char *str;
    size_t len;
    /* ENUM and DIALECT: dialect ("stablehlo") and attribute name ("comparison_direction",
     * "dot"). */
    const char *dialect;
    const char *name;
    /* DENSE: decoded elements in row-major storage. For a splat (`dense<0.0>`), `splat` is
     * true and the tensor holds ONE element (rank 0) while `type` has the full shape; use
     * vt_attr_dense_materialize() for a full tensor. DENSE_RESOURCE: the decoded blob when the
     * module carries it, NULL for `__elided__` or a missing blob. */
    vt_tensor *tensor;
    bool splat;
    /* ARRAY: elems; DENSE_ARRAY: n values in i64s (ints, bools as 0/1) or f64s (floats). */
    vt_attr **elems;
    size_t n;
    int64_t *i64s;
    double *f64s;
    /* DICT and DIALECT: fields (DICT keeps text order). */
    vt_named_attr *fields;
    size_t nfields;
    /* LOC */
    vt_loc_kind loc_kind;
    uint32_t line, col, end_line, end_col; /* FILE: end_* are 0 when absent */
    vt_attr *meta;                         /* FUSED metadata */
    vt_attr *resolved;                     /* ALIAS */
};

/* Looks a field up in a DICT or DIALECT attribute (NULL when absent or not such a kind). */
vt_attr *vt_attr_dict_get(const vt_attr *a, const char *field);
/* Integer value of INT or BOOL, or a one-element dense integer. */
bool vt_attr_as_i64(const vt_attr *a, int64_t *out);
bool vt_attr_as_f64(const vt_attr *a, double *out); /* FLOAT or INT */
/* Integer list of ARRAY (of INT), DENSE_ARRAY or an integer DENSE of rank <= 1. Writes up to
 * cap values; *n is always the full count; false when a is not such a list or *n > cap. */
bool vt_attr_as_i64_array(const vt_attr *a, int64_t *out, size_t cap, size_t *n);
/* STRING bytes, SYMBOL name, ENUM value; NULL otherwise. */
const char *vt_attr_as_string(const vt_attr *a);
/* A full tensor for a DENSE attribute (splats expanded) or a resolved DENSE_RESOURCE; the
 * caller releases it. VT_EUNSUPPORTED for an elided resource. */
vt_status vt_attr_dense_materialize(const vt_attr *a, uint64_t max_bytes, vt_tensor **out, vt_error *err);
/* Appends the textual form of an attribute to b. */
void vt_attr_print(vt_buf *b, const vt_attr *a);

/* ---- values, ops, blocks, regions ----------------------------------------------------------- */
struct vt_value {
    const vt_type *type;
    vt_op *def;       /* defining op (NULL for a block argument) */
    vt_block *block;  /* owning block for block arguments */
    uint32_t index;   /* result index in def, or argument index in block */
    uint32_t id;      /* unique in the module, < vt_module.num_values (dense arrays of values) */
    /* SSA name without '%' ("0", "arg0", "cst"); for results of a multi-result op written as
     * `%0:2`, all results share the name and are printed `%0#i`. NULL: printer invents one. */
    const char *name;
    bool grouped;     /* printed as name#index */
    vt_attr *loc;     /* block arguments: trailing loc(...) or NULL */
};

struct vt_op {
    vt_opcode code;
    const char *name;         /* full name, always set ("stablehlo.add", "mydialect.foo") */
    vt_value **operands;
    size_t noperands;
    vt_value *results;        /* array of nresults values */
    size_t nresults;
    vt_named_attr *attrs;     /* sorted by name */
    size_t nattrs;
    vt_region **regions;
    size_t nregions;
    vt_block *parent;
    size_t index;             /* position in parent->ops */
    vt_attr *loc;             /* trailing loc(...) or NULL */
    uint32_t line, col;       /* where the op starts in the source (0 when built) */
};

struct vt_block {
    const char *label;        /* "bb0" or NULL */
    vt_value *args;
    size_t nargs;
    vt_op **ops;
    size_t nops;
    vt_region *parent;
};

struct vt_region {
    vt_block **blocks;
    size_t nblocks;
    vt_op *parent_op;         /* NULL for a function body */
    vt_func *parent_func;     /* set for a function body */
};

struct vt_func {
    const char *name;         /* without '@' */
    const char *visibility;   /* "public", "private", "nested" or NULL (unspecified) */
    size_t nargs;             /* argument values are body->blocks[0]->args */
    vt_attr **arg_attrs;      /* per argument: DICT or NULL */
    size_t nresults;
    const vt_type **result_types;
    vt_attr **result_attrs;   /* per result: DICT or NULL */
    const vt_type **arg_types;
    vt_attr *attrs;           /* `attributes {...}` DICT or NULL */
    vt_region *body;          /* NULL for an external declaration */
    vt_attr *loc;
    uint32_t line, col;
    vt_module *module;
};

/* A dialect resource blob from the `{-# dialect_resources: {...} #-}` section. */
typedef struct vt_resource {
    const char *dialect;      /* "builtin" */
    const char *name;
    const uint8_t *data;      /* decoded bytes after the 4-byte alignment prefix */
    size_t len;
    uint32_t alignment;
} vt_resource;

struct vt_module {
    const char *name;         /* without '@', NULL when unnamed */
    vt_attr *attrs;           /* `attributes {...}` DICT or NULL */
    vt_attr *loc;
    vt_func **funcs;
    size_t nfuncs;
    vt_op **top_ops;          /* other top-level ops in order (sdy.mesh, ...) */
    size_t ntop_ops;
    vt_resource *resources;
    size_t nresources;
    uint32_t num_values;      /* every vt_value.id is below this */
    size_t num_ops;
    uint64_t constant_bytes;  /* bytes of decoded dense constants */
    const char *filename;     /* for messages */
    vt_arena arena;           /* owns everything above */
    void *internal;           /* tensors to release, symbol table */
};

/* ---- building and freeing ----------------------------------------------------------------- */
vt_module *vt_module_create(const char *filename, vt_error *err);
void vt_module_free(vt_module *m);
void *vt_module_alloc(vt_module *m, size_t size, vt_error *err);       /* zeroed, arena-owned */
char *vt_module_strdup(vt_module *m, const char *s, size_t n, vt_error *err);
/* The module takes over one reference to t, released by vt_module_free. */
vt_status vt_module_adopt_tensor(vt_module *m, vt_tensor *t, vt_error *err);
/* Next value id (for builders that create vt_values). */
uint32_t vt_module_new_value_id(vt_module *m);

vt_func *vt_module_find_func(const vt_module *m, const char *name);
/* Attribute of an op by name (NULL when absent). Works on unsorted attrs too. */
vt_attr *vt_op_attr(const vt_op *op, const char *name);
const char *vt_op_name(const vt_op *op);
const vt_op_info *vt_op_get_info(const vt_op *op);
/* Symbol of func.call (callee), stablehlo.custom_call (call_target_name), composite
 * (decomposition): NULL otherwise. */
const char *vt_op_callee(const vt_op *op);

/* Pre-order walk of every op of every function (and top-level ops), regions included. The
 * callback may return a non-OK status to stop; that status is returned. */
typedef vt_status (*vt_op_visit_fn)(vt_op *op, void *user, vt_error *err);
vt_status vt_module_walk(vt_module *m, vt_op_visit_fn fn, void *user, vt_error *err);
vt_status vt_region_walk(vt_region *r, vt_op_visit_fn fn, void *user, vt_error *err);

/* ---- parsing -------------------------------------------------------------------------------- */
/* Limits against hostile input. Defaults (vt_parse_limits_default): 1 GiB input, depth 128
 * (regions, attributes and types nested together), 10 million ops, 4 GiB of decoded constants,
 * 2^40 elements in any declared type. Exceeding one is VT_ELIMIT naming the limit. */
typedef struct vt_parse_limits {
    uint64_t max_input_bytes;
    uint32_t max_depth;
    uint64_t max_ops;
    uint64_t max_constant_bytes;
    uint64_t max_type_elements;
} vt_parse_limits;
void vt_parse_limits_default(vt_parse_limits *l);

typedef struct vt_parse_options {
    const char *filename;     /* for messages; NULL: "<input>" */
    uint32_t first_line;      /* line number of the text's first line (parts of a split file) */
    const vt_parse_limits *limits; /* NULL: defaults */
} vt_parse_options;

/* Parses one module (a `module ... {}`, or bare top-level func.func ops that form an implicit
 * module). The text need not stay alive afterwards. Errors: "file:line:col: message", VT_EINPUT
 * for syntax and syntax-level type errors, VT_ELIMIT for limits. */
vt_status vt_parse_module(const char *text, size_t len, const vt_parse_options *opt,
                          vt_module **out, vt_error *err);
/* Parses one attribute written on its own, e.g. `[dense<1> : tensor<2xi32>, dense<2.0> : tensor<f32>]`
 * (command-line arguments); the whole text must be the attribute. *holder owns it (free with
 * vt_module_free). Errors as vt_parse_module. */
vt_status vt_parse_attribute_text(const char *text, size_t len, const vt_parse_options *opt, vt_module **holder,
                                  vt_attr **out, vt_error *err);
/* Type checker of the spec's constraints (src/hlo/verify*.c). */
vt_status vt_module_verify(const vt_module *m, vt_error *err);

/* `// -----` splitting: parts point into text; line is the 1-based line number of the part's
 * first line. *parts is malloc'ed (free() it); a text without markers is one part. */
typedef struct vt_text_part {
    const char *text;
    size_t len;
    uint32_t line;
} vt_text_part;
vt_status vt_split_parts(const char *text, size_t len, vt_text_part **parts, size_t *nparts, vt_error *err);

/* ---- printing ------------------------------------------------------------------------------- */
typedef struct vt_print_options {
    bool generic;   /* every op in the generic form */
    bool locations; /* print loc(...) */
} vt_print_options;
/* Canonical text: print -> parse -> print is a fixed point. */
vt_status vt_module_print(const vt_module *m, const vt_print_options *opt, vt_buf *out, vt_error *err);
void vt_op_print(vt_buf *b, const vt_op *op, const vt_print_options *opt);

/* ---- stable op ids (docs/op-ids.md) -------------------------------------------------------- */
/* Path id: "@main/12", "@f/4/1/7" (op 7 of region 1 of op 4 of @f). */
vt_status vt_op_path_id(const vt_op *op, vt_buf *out, vt_error *err);
/* Primary id: mhlo.frontend_attributes.operation_id when present, else the path id. */
vt_status vt_op_id(const vt_op *op, vt_buf *out, vt_error *err);
/* Dynamic instance: id + "#" + iteration counts of enclosing whiles, outermost first, joined
 * by '.': "@decode/3/1/9#573", "@f/2/1/0/1/4#3.7". */
vt_status vt_op_instance_id(const vt_op *op, const uint64_t *iters, size_t niters, vt_buf *out, vt_error *err);
/* Finds an op by path id, operation_id, or either with a "#..." instance suffix (iteration
 * counts are written to iters, up to cap; *niters gets the count; both may be NULL).
 * VT_ECHECK when no op has that id, VT_EINPUT when the id is malformed. */
vt_status vt_module_find_op(const vt_module *m, const char *id, vt_op **out, uint64_t *iters, size_t cap,
                            size_t *niters, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
