/* veritor transform layer: rewrites of StableHLO modules that a verifier uses to choose and
 * reshape what it replays (inline, dead code, slicing, batch splitting, autoregressive ->
 * teacher forcing). Every transform reads a source module and builds a new, verified module;
 * every produced op remembers the stable id of the op it came from (docs/transforms.md). */
#ifndef VERITOR_TRANSFORM_H
#define VERITOR_TRANSFORM_H

#include "veritor/hlo.h"
#include "veritor/hlo_builder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- provenance (src/transform/origin.c) ---------------------------------------------------- */
/* Discardable op attribute naming the stable id (docs/op-ids.md) of the op in the ORIGINAL graph
 * that a transformed op was produced from; kept through chains of transforms (the first source
 * wins), printed and re-parsed with the module. */
#define VT_XF_ORIGIN_ATTR "veritor.origin"

/* ---- cloning (src/transform/clone.c) -------------------------------------------------------- */
/* A map from values of a source module to values of the module under construction. */
typedef struct vt_xf_map vt_xf_map;
vt_xf_map *vt_xf_map_new(const vt_module *src, vt_error *err);
void vt_xf_map_free(vt_xf_map *m);
vt_status vt_xf_map_set(vt_xf_map *m, const vt_value *src, vt_value *dst, vt_error *err);
vt_value *vt_xf_map_get(const vt_xf_map *m, const vt_value *src); /* NULL when unmapped */

/* Copies op with its attributes and regions (recursively) to the builder's insertion block.
 * Operands are looked up in map (an unmapped operand is VT_EINPUT naming the op's id); the
 * copy's results are recorded in map. Types and attributes are deep-copied into the builder's
 * module, so the source may be freed afterwards. The copy carries VT_XF_ORIGIN_ATTR (the
 * source op's own origin when it has one, else its vt_op_id). */
vt_op *vt_xf_clone_op(vt_builder *b, const vt_op *op, vt_xf_map *map, vt_error *err);

/* ---- inlining and dead code (src/transform/inline.c, dce.c) -------------------------------- */
/* Sections below are filled by the transform engineers; see docs/transforms.md. */

/* ---- cloning, more (src/transform/clone.c; engineer xfcore) ---------------------------------- */
/* Discardable op attribute of inlined ops: the chain of call-op ids through which the op was
 * inlined, outermost first, joined by ';' ("@main/5;@step/3"). Absent on ops that were not
 * inlined. Together with VT_XF_ORIGIN_ATTR it identifies one call site's copy of a callee op. */
#define VT_XF_CALLSITE_ATTR "veritor.callsite"

/* Called by the cloner for every op it is about to copy inside a block (function bodies given
 * to vt_xf_clone_block, regions of cloned ops): set *handled to true after emitting whatever
 * replaces op at the builder's insertion point (and recording op's results in map); leave it
 * false to let the cloner copy op. */
typedef vt_status (*vt_xf_clone_hook)(vt_builder *b, const vt_op *op, vt_xf_map *map, void *user, bool *handled,
                                      vt_error *err);
typedef struct vt_xf_clone_opts {
    /* non-NULL: every copy gets VT_XF_CALLSITE_ATTR = callsite, followed by ";" and the op's
     * own callsite when it already has one (inlining through several levels) */
    const char *callsite;
    vt_xf_clone_hook hook; /* NULL: copy every op */
    void *user;
    /* true: copies carry no provenance at all, and the source's VT_XF_ORIGIN_ATTR /
     * VT_XF_CALLSITE_ATTR are dropped (callsite above is ignored): vt_xf_strip_provenance */
    bool strip_provenance;
} vt_xf_clone_opts;

/* vt_xf_clone_op with options (opts NULL: as vt_xf_clone_op). */
vt_op *vt_xf_clone_op_ex(vt_builder *b, const vt_op *op, vt_xf_map *map, const vt_xf_clone_opts *opts, vt_error *err);
/* Copies the ops of src (in order) to the builder's insertion block; with skip_terminator the
 * block's final return is not copied (the caller maps its operands: vt_xf_map_get). */
vt_status vt_xf_clone_block(vt_builder *b, const vt_block *src, vt_xf_map *map, const vt_xf_clone_opts *opts,
                            bool skip_terminator, vt_error *err);
/* Deep copies into dst (arena-owned; dense tensors are shared by reference, dst adopts one).
 * map caches copies by source pointer, so a type shared in the source stays shared. */
const vt_type *vt_xf_copy_type(vt_xf_map *map, vt_module *dst, const vt_type *t, vt_error *err);
vt_attr *vt_xf_copy_attr(vt_xf_map *map, vt_module *dst, const vt_attr *a, vt_error *err);
/* Copies function f (signature, visibility, argument/result/function attributes, location and,
 * unless f is an external declaration, its body through vt_xf_clone_block) as a new function
 * named new_name (NULL: f's name) of the builder's module. The argument values are mapped. */
vt_func *vt_xf_clone_func(vt_builder *b, const vt_func *f, const char *new_name, vt_xf_map *map,
                          const vt_xf_clone_opts *opts, vt_error *err);
/* Copies the module-level parts of src that are not functions into the builder's module:
 * attributes, location, top-level ops (sdy.mesh, ...) and dialect resource blobs (so that
 * dense_resource constants print with their data). The module name is given to vt_builder_new. */
vt_status vt_xf_clone_module_shell(vt_builder *b, const vt_module *src, vt_xf_map *map, vt_error *err);
/* Copies every function of src (vt_xf_clone_func) and its shell: a transform's starting point. */
vt_status vt_xf_clone_module(vt_builder *b, const vt_module *src, vt_xf_map *map, vt_error *err);

/* A copy of src without any VT_XF_ORIGIN_ATTR / VT_XF_CALLSITE_ATTR, so that the next transform
 * takes its origins from src's own ids: how a verifier treats a graph it did not transform
 * itself (a prover's graph could carry misleading provenance). Same structure, same ids. */
vt_status vt_xf_strip_provenance(const vt_module *src, vt_module **out, vt_error *err);

/* ---- provenance queries (src/transform/origin.c; engineer xfcore) ---------------------------- */
/* The origin of op: its VT_XF_ORIGIN_ATTR string, or NULL when it has none (an untransformed
 * op is its own origin: use vt_op_id). */
const char *vt_xf_origin(const vt_op *op);
const char *vt_xf_callsite(const vt_op *op); /* VT_XF_CALLSITE_ATTR or NULL */
/* JSON object {"PATH_ID": {"op": NAME, "id": PRIMARY_ID, "origin": ORIGIN, "callsite": CHAIN},
 * ...} for every op of every function in walk order; "id" only when it differs from the path
 * id (explicit operation_id), "origin"/"callsite" only when set. Appended to json_out. */
vt_status vt_xf_id_map(const vt_module *m, vt_buf *json_out, vt_error *err);
/* Calls fn for every op of m produced from the original op `origin_id` (a stable id of the
 * original graph; a "#..." instance suffix is ignored): ops whose VT_XF_ORIGIN_ATTR equals it;
 * in a module where no op carries that attribute (not transformed), the op whose own id (path
 * or explicit) equals it. fn returning non-OK stops the walk (that status is returned).
 * *count (may be NULL) gets the matches. */
typedef vt_status (*vt_xf_origin_fn)(const vt_op *op, void *user, vt_error *err);
vt_status vt_xf_find_by_origin(const vt_module *m, const char *origin_id, vt_xf_origin_fn fn, void *user,
                               size_t *count, vt_error *err);

/* ---- inlining (src/transform/inline.c; engineer xfcore) -------------------------------------- */
/* Inlines every func.call (at any depth, inside regions too) into every public function, or
 * only into `entry` when non-NULL (the other functions are then dropped unless reachable from
 * it). Recursion is refused (VT_EINPUT naming the cycle "@a -> @b -> @a"); so is a call to an
 * external declaration. Inlined ops carry VT_XF_ORIGIN_ATTR (the callee op's id) and
 * VT_XF_CALLSITE_ATTR; afterwards symbol DCE drops private functions nobody references.
 * *out is a new verified module; src is not changed. */
vt_status vt_xf_inline(const vt_module *src, const char *entry, vt_module **out, vt_error *err);

/* ---- dead code (src/transform/dce.c; engineer xfcore) ---------------------------------------- */
/* Dead-op elimination (ops whose results are unused and that have no effects: docs/transforms.md
 * has the rule), in regions too, and symbol DCE (functions kept only when referenced by a live op
 * of a kept function through call / custom_call / composite / symbol attributes, starting from
 * the public ones, or `entry` when non-NULL). While-loop signatures are kept. *out is a new
 * verified module. */
vt_status vt_xf_dce(const vt_module *src, const char *entry, vt_module **out, vt_error *err);

/* ---- slicing (src/transform/slice.c; engineer xfslice; docs/transform-slice.md) -------------- */
/* What to cut out of a module. Ids are anything vt_module_find_op accepts (path id, explicit
 * operation_id, optional "#..." instance suffix, which is ignored: a slice is per iteration),
 * optionally followed by ":k" for result k. All targets must lie in one block (a function body
 * or one region, e.g. a while body); values the cone needs from outside that block, and the
 * block's own arguments, become arguments of the slice. */
typedef struct vt_xf_slice_spec {
    const char *const *targets; /* the slice's results, in order ("ID" or "ID:k") */
    size_t ntargets;
    const char *const *cuts;    /* "ID" (every result) or "ID:k": given as arguments, not computed */
    size_t ncuts;
    const char *name;           /* name of the new public function; NULL: "main" */
} vt_xf_slice_spec;
/* Builds *out: one public function whose arguments are the cut values (spec order, each op's
 * results in order), then the other live-ins in definition order; every argument carries the
 * attribute veritor.origin = "ID", "ID:k", "@f:argK" or "OWNER_ID/r:argK" naming the source
 * value, every result veritor.origin = its target. The functions the cone calls are copied whole
 * (private). Unknown ids are VT_ECHECK, malformed specs VT_EINPUT. */
vt_status vt_xf_slice(const vt_module *src, const vt_xf_slice_spec *spec, vt_module **out, vt_error *err);

/* ---- batch splitting (src/transform/split_batch*.c; engineer xfslice) ----------------------- */
/* Rewrites function `entry` (NULL: vt_module_entry's choice) for a sub-batch: argument i has its
 * batch dimension at arg_batch_dims[i] (-1: not batched, the same for every batch element),
 * result i at result_batch_dims[i]; every batched dimension has the same size B and sub_batch
 * must divide it. *out holds the rewritten entry (same name, public) and specialised copies of
 * the functions it calls; running it on rows [k*s, (k+1)*s) of every batched argument gives
 * rows [k*s, (k+1)*s) of every batched result, for every k. An op that mixes batch elements is
 * VT_EINPUT naming it ("@main/14 stablehlo.reduce reduces over batch dim 0"); an op the rules
 * do not cover is VT_EUNSUPPORTED naming it. */
vt_status vt_xf_split_batch(const vt_module *src, const char *entry, const int *arg_batch_dims, size_t nargs,
                            const int *result_batch_dims, size_t nresults, int64_t sub_batch, vt_module **out,
                            vt_error *err);

/* ---- autoregressive -> teacher forcing (src/transform/ar_to_tf*.c, vmap*.c; engineer artf) ---
 * docs/transform-ar-to-tf.md. Finds the decode loop (the first autoregressive stablehlo.while
 * reached from the entry, calls followed), classifies its carries (counter, unchanged, buffer
 * written once per step at a position that is a function of the counter, token carried by value,
 * other), and emits one public function
 * that computes every step at once by batching the step body over a leading step dimension S:
 *   arguments: the entry's arguments the result still reads (arg_src[i] >= 0: that argument),
 *              then per fed-back token buffer its FINAL contents, e.g. prompt + generated tokens
 *              (arg_src[i] = -1 - carry), or for a token carried by value (fori style) its values
 *              at steps 0..S as one [S+1, ...] tensor;
 *   results:   the final value of every other written buffer (stacked logits, fingerprints, KV
 *              caches: result_src[i] = carry), then per fed-back buffer the log-probability of
 *              each token it was given, log_softmax(logits)[token], shape [S, rows]
 *              (result_src[i] = -1 - carry).
 * Loops that match no supported pattern are VT_EUNSUPPORTED "not supported: ..." naming the op. */
#define VT_AR_MAX_IO 1024
typedef struct vt_ar_to_tf_options {
    const char *entry;   /* NULL: vt_module_entry's choice */
    const char *name;    /* name of the new public function; NULL: "main" */
    uint64_t max_steps;  /* refuse loops with more steps (VT_ELIMIT); 0: 65536 */
    /* memory for the loop analysis's dependence bits (body values x written / token buffers) and
     * buffer-to-buffer edges; more is VT_ELIMIT. 0: 256 MiB */
    uint64_t max_analysis_bytes;
} vt_ar_to_tf_options;
typedef struct vt_ar_to_tf_info {
    int64_t steps;                     /* S: iterations of the loop */
    char loop_id[128];                 /* stable id of the while */
    size_t nargs, nresults;
    int64_t arg_src[VT_AR_MAX_IO];
    int64_t result_src[VT_AR_MAX_IO];
} vt_ar_to_tf_info;
/* *out is a new, verified module independent of src. info may be NULL. */
vt_status vt_xf_ar_to_tf(const vt_module *src, const vt_ar_to_tf_options *opt, vt_module **out,
                         vt_ar_to_tf_info *info, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
