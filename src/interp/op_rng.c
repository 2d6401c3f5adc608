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
    } else if (o->rank == 0) {
        blocks = 1;
        uint32_t w[2];
        vt_threefry2x32(key, (uint32_t)ctr, (uint32_t)(ctr >> 32), w);
        ((uint32_t *)o->data)[0] = w[0];
    } else {
        /* Current XLA (ThreeFryRngBit32): split the first even dimension (else the largest) in
         * half, rounding up; element at coordinate c along the split dimension takes word c % 2
         * of the block for counter + (row-major index in the half shape with c / 2 there). */
        int split = -1;
        for (int d = 0; d < o->rank && split < 0; d++)
            if (o->dims[d] % 2 == 0) split = d;
        if (split < 0) {
            split = 0;
            for (int d = 1; d < o->rank; d++)
                if (o->dims[d] > o->dims[split]) split = d;
        }
        int64_t half[VT_MAX_RANK], coord[VT_MAX_RANK];
        uint64_t nh = 1;
        for (int d = 0; d < o->rank; d++) {
            half[d] = d == split ? (o->dims[d] + 1) / 2 : o->dims[d];
            nh *= (uint64_t)half[d];
            coord[d] = 0;
        }
        blocks = (size_t)nh;
        uint32_t *dst = o->data;
        for (size_t e = 0; e < n; e++) {
            uint64_t h = 0, stride = 1;
            for (int d = o->rank - 1; d >= 0; d--) {
                int64_t cd = d == split ? coord[d] / 2 : coord[d];
                h += (uint64_t)cd * stride;
                stride *= (uint64_t)half[d];
            }
            uint64_t ci = ctr + h;
            uint32_t w[2];
            vt_threefry2x32(key, (uint32_t)ci, (uint32_t)(ci >> 32), w);
            dst[e] = w[coord[split] % 2];
            for (int d = o->rank - 1; d >= 0; d--) { /* next row-major coordinate */
                if (++coord[d] < o->dims[d]) break;
                coord[d] = 0;
            }
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
