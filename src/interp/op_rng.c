/* stablehlo.rng_bit_generator with algorithm THREE_FRY, bit-identical to XLA's expansion
 * (docs/rng.md): state = [key, counter] as two u64; output block i encrypts counter + i.
 * PHILOX and DEFAULT are refused by name until their bits are pinned by golden vectors. */
#include "interp/interp_internal.h"

#include <string.h>

static uint64_t rd64(const vt_tensor *t, size_t i) { return ((const uint64_t *)t->data)[i]; }

static vt_status exec_rng_bit_generator(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                        vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *st;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &st);
    if (s) return s;
    const char *alg = vt_attr_enum(op, "rng_algorithm");
    if (!alg) return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: missing rng_algorithm");
    if (strcmp(alg, "THREE_FRY") != 0)
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: rng_bit_generator algorithm %s (only THREE_FRY)", alg);
    if (vt_dtype_size(st->dtype) != 8 || !vt_dtype_is_int(st->dtype) || st->rank != 1 || st->nelem != 2)
        return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: THREE_FRY state must be a 2-element 64-bit integer tensor");
    if (op->nresults != 2) return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: expected 2 results");
    const vt_type *ot = op->results[1].type;
    if (!ot || ot->kind != VT_TYPE_TENSOR || !vt_dtype_is_int(ot->dtype) ||
        (vt_dtype_size(ot->dtype) != 4 && vt_dtype_size(ot->dtype) != 8))
        return vt_error_set(r->err, VT_EUNSUPPORTED, "not supported: rng_bit_generator output of other than 32- or 64-bit integers");
    vt_tensor *ns = vt_rt_result(r, op, 0);
    if (!ns) return r->err->code;
    vt_tensor *o = vt_rt_result(r, op, 1);
    if (!o) {
        vt_tensor_release(ns);
        return r->err->code;
    }
    if (ns->dtype != st->dtype || ns->nelem != 2 || (s = vt_rt_charge(r, o->nelem)) != VT_OK) {
        vt_tensor_release(ns);
        vt_tensor_release(o);
        return s ? s : vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: output state type differs from the state");
    }
    uint64_t k = rd64(st, 0), ctr = rd64(st, 1);
    vt_key key = {{(uint32_t)k, (uint32_t)(k >> 32)}};
    size_t n = o->nelem, blocks;
    if (vt_dtype_size(o->dtype) == 8) {
        /* element i = x0 | x1 << 32 of the block for counter + i */
        blocks = n;
        uint64_t *d = o->data;
        for (size_t i = 0; i < n; i++) {
            uint64_t ci = ctr + i;
            uint32_t w[2];
            vt_threefry2x32(key, (uint32_t)ci, (uint32_t)(ci >> 32), w);
            d[i] = (uint64_t)w[0] | (uint64_t)w[1] << 32;
        }
    } else {
        /* ceil(n / 2) blocks; the x0 words fill the first half, the x1 words the second */
        blocks = (n + 1) / 2;
        uint32_t *d = o->data;
        for (size_t i = 0; i < blocks; i++) {
            uint64_t ci = ctr + i;
            uint32_t w[2];
            vt_threefry2x32(key, (uint32_t)ci, (uint32_t)(ci >> 32), w);
            d[i] = w[0];
            if (blocks + i < n) d[blocks + i] = w[1];
        }
    }
    uint64_t *nd = ns->data;
    nd[0] = k;
    nd[1] = ctr + blocks;
    out[0] = vt_rvalue_tensor(ns);
    out[1] = vt_rvalue_tensor(o);
    return VT_OK;
}

vt_exec_fn vt_exec_rng_fn(const vt_op *op);
vt_exec_fn vt_exec_rng_fn(const vt_op *op) { return op->code == VT_OP_RNG_BIT_GENERATOR ? exec_rng_bit_generator : NULL; }
