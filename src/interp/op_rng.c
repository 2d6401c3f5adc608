/* stablehlo.rng_bit_generator, bit-identical to XLA's expansion (RngBitGeneratorExpander over
 * xla/hlo/builder/lib/prng.cc): THREE_FRY (Threefry-2x32-20) and PHILOX (Philox-4x32-10);
 * DEFAULT is PHILOX, as XLA's CPU and GPU compilers choose. The exact mapping is docs/rng.md. */
#include "interp/interp_internal.h"
#include "interp/k_elementwise.h"

#include <string.h>

/* Philox-4x32 with 10 rounds (Salmon et al. 2011), as XLA's Philox4x32: counter words and key
 * words least significant first. Checked against Random123's known-answer vectors. */
void vt_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
void vt_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3], k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)x0 * 0xD2511F53u, p1 = (uint64_t)x2 * 0xCD9E8D57u;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0, y1 = (uint32_t)p1;
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1, y3 = (uint32_t)p0;
        x0 = y0, x1 = y1, x2 = y2, x3 = y3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = x0, out[1] = x1, out[2] = x2, out[3] = x3;
}

typedef enum { ALG_THREE_FRY, ALG_PHILOX } rng_alg;

/* How raw words become elements: XLA generates 64-bit words for 64-bit types and 32-bit words
 * for everything narrower, then keeps the low `bits` bits (ConvertElementType to the unsigned
 * type of that width); signed sub-byte storage is sign-extended as veritor stores it. */
typedef struct out_fmt {
    size_t size;     /* storage bytes per element */
    unsigned bits;   /* logical width */
    bool sign_extend;
} out_fmt;

typedef struct gen {
    rng_alg alg;
    bool wide;                 /* 64-bit words */
    uint32_t key[2];           /* Threefry / Philox key words */
    uint64_t ctr_lo, ctr_hi;   /* counter (Philox: 128 bits; Threefry: ctr_lo only) */
    /* THREE_FRY 32-bit layout (XLA's SplitShapeIntoHalves) */
    int rank, split;
    int64_t dims[VT_MAX_RANK], half[VT_MAX_RANK];
    out_fmt fmt;
    void *dst;
} gen;

static void store(const out_fmt *f, void *dst, size_t i, uint64_t w) {
    if (f->bits < 64) {
        uint64_t mask = ((uint64_t)1 << f->bits) - 1;
        w &= mask;
        if (f->sign_extend && (w >> (f->bits - 1) & 1)) w |= ~mask;
    }
    unsigned char *p = (unsigned char *)dst + i * f->size;
    switch (f->size) {
    case 1: p[0] = (unsigned char)w; break;
    case 2: { uint16_t v = (uint16_t)w; memcpy(p, &v, 2); } break;
    case 4: { uint32_t v = (uint32_t)w; memcpy(p, &v, 4); } break;
    default: memcpy(p, &w, 8); break;
    }
}

/* Philox block for counter + j (128-bit addition, the carry goes into the high word). */
static void philox_block(const gen *g, uint64_t j, uint32_t w[4]) {
    uint64_t lo = g->ctr_lo + j, hi = g->ctr_hi + (lo < g->ctr_lo);
    uint32_t c[4] = {(uint32_t)lo, (uint32_t)(lo >> 32), (uint32_t)hi, (uint32_t)(hi >> 32)};
    vt_philox4x32_10(c, g->key, w);
}

static void threefry_block(const gen *g, uint64_t j, uint32_t w[2]) {
    uint64_t c = g->ctr_lo + j;
    vt_threefry2x32((vt_key){{g->key[0], g->key[1]}}, (uint32_t)c, (uint32_t)(c >> 32), w);
}

/* Philox: 32-bit element i is word i % 4 of block i / 4; 64-bit element i is words (0, 1) or
 * (2, 3) of block i / 2 (XLA's round-robin concatenation). */
static void fill_philox(const gen *g, size_t b, size_t e) {
    uint64_t have = UINT64_MAX;
    uint32_t w[4] = {0, 0, 0, 0};
    for (size_t i = b; i < e; i++) {
        uint64_t blk = g->wide ? i / 2 : i / 4;
        if (blk != have) {
            philox_block(g, blk, w);
            have = blk;
        }
        uint64_t v;
        if (g->wide) v = i % 2 == 0 ? ((uint64_t)w[0] | (uint64_t)w[1] << 32) : ((uint64_t)w[2] | (uint64_t)w[3] << 32);
        else v = w[i % 4];
        store(&g->fmt, g->dst, i, v);
    }
}

/* Threefry: a 64-bit element i is block counter + i; 32-bit elements follow XLA's split of the
 * shape in halves: element c takes word c[split] % 2 of the block at the row-major index of c
 * (with c[split] / 2) in the half shape. */
static void fill_threefry(const gen *g, size_t b, size_t e) {
    if (g->wide) {
        for (size_t i = b; i < e; i++) {
            uint32_t w[2];
            threefry_block(g, i, w);
            store(&g->fmt, g->dst, i, (uint64_t)w[0] | (uint64_t)w[1] << 32);
        }
        return;
    }
    if (g->rank == 0) {
        if (b < e) {
            uint32_t w[2];
            threefry_block(g, 0, w);
            store(&g->fmt, g->dst, 0, w[0]);
        }
        return;
    }
    int64_t coord[VT_MAX_RANK];
    size_t rest = b;
    for (int d = g->rank - 1; d >= 0; d--) {
        coord[d] = g->dims[d] ? (int64_t)(rest % (size_t)g->dims[d]) : 0;
        rest = g->dims[d] ? rest / (size_t)g->dims[d] : 0;
    }
    uint64_t have = UINT64_MAX;
    uint32_t w[2] = {0, 0};
    for (size_t i = b; i < e; i++) {
        uint64_t h = 0, stride = 1;
        for (int d = g->rank - 1; d >= 0; d--) {
            int64_t cd = d == g->split ? coord[d] / 2 : coord[d];
            h += (uint64_t)cd * stride;
            stride *= (uint64_t)g->half[d];
        }
        if (h != have) {
            threefry_block(g, h, w);
            have = h;
        }
        store(&g->fmt, g->dst, i, w[coord[g->split] % 2]);
        for (int d = g->rank - 1; d >= 0; d--) { /* next row-major coordinate */
            if (++coord[d] < g->dims[d]) break;
            coord[d] = 0;
        }
    }
}

static void fill_range(void *arg, size_t b, size_t e) {
    const gen *g = arg;
    if (g->alg == ALG_PHILOX) fill_philox(g, b, e);
    else fill_threefry(g, b, e);
}

/* Blocks a Threefry 32-bit output consumes; sets the split dimension and half shape. */
static uint64_t threefry32_layout(gen *g) {
    if (g->rank == 0) return 1;
    g->split = -1;
    for (int d = 0; d < g->rank && g->split < 0; d++)
        if (g->dims[d] % 2 == 0) g->split = d;
    if (g->split < 0) { /* no even dimension: the largest (first of equals) */
        g->split = 0;
        for (int d = 1; d < g->rank; d++)
            if (g->dims[d] > g->dims[g->split]) g->split = d;
    }
    uint64_t nh = 1;
    for (int d = 0; d < g->rank; d++) {
        g->half[d] = d == g->split ? (g->dims[d] + 1) / 2 : g->dims[d];
        nh *= (uint64_t)g->half[d];
    }
    return nh;
}

static vt_status bad(vt_run *r, vt_status code, const char *msg, const char *alg) {
    return vt_error_set(r->err, code, "rng_bit_generator (%s): %s", alg, msg);
}

static vt_status exec_rng_bit_generator(vt_run *r, vt_frame *f, const vt_op *op, vt_rvalue *in, uint64_t c,
                                        vt_rvalue *out) {
    (void)f, (void)c;
    vt_tensor *st;
    vt_status s = vt_rt_expect_tensor(r, op, &in[0], 0, &st);
    if (s) return s;
    const char *alg_name = vt_attr_enum(op, "rng_algorithm");
    if (!alg_name) return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: missing rng_algorithm");
    gen g;
    memset(&g, 0, sizeof g);
    if (strcmp(alg_name, "THREE_FRY") == 0) g.alg = ALG_THREE_FRY;
    else if (strcmp(alg_name, "PHILOX") == 0 || strcmp(alg_name, "DEFAULT") == 0) g.alg = ALG_PHILOX;
    else return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: unknown rng_algorithm '%s'", alg_name);
    if (vt_dtype_size(st->dtype) != 8 || !vt_dtype_is_int(st->dtype) || st->rank != 1 ||
        st->nbytes != st->nelem * 8 || (st->nelem && !st->data))
        return bad(r, VT_EINPUT, "state must be a rank-1 tensor of 64-bit integers", alg_name);
    if (g.alg == ALG_THREE_FRY ? st->nelem != 2 : (st->nelem != 2 && st->nelem != 3))
        return bad(r, VT_EINPUT, g.alg == ALG_THREE_FRY ? "state must have 2 elements" : "state must have 2 or 3 elements",
                   alg_name);
    if (op->nresults != 2) return vt_error_set(r->err, VT_EINPUT, "rng_bit_generator: expected 2 results");
    const vt_type *ot = op->results[1].type;
    if (!ot || ot->kind != VT_TYPE_TENSOR) return bad(r, VT_EINPUT, "output must be a tensor", alg_name);
    vt_dtype odt = ot->dtype;
    size_t osz = vt_dtype_size(odt);
    unsigned obits = vt_dtype_bits(odt);
    bool is_int = vt_dtype_is_int(odt), is_float = vt_dtype_is_float(odt);
    if (!(is_int || (is_float && obits == 8 * osz)) || obits > 64 || osz == 0 || osz > 8)
        return vt_error_set(r->err, VT_EUNSUPPORTED,
                            "not supported: rng_bit_generator output of %s (integers, and floats of whole bytes, only)",
                            vt_dtype_name(odt));
    vt_tensor *ns = vt_rt_result(r, op, 0);
    if (!ns) return r->err->code;
    vt_tensor *o = vt_rt_result(r, op, 1);
    if (!o) {
        vt_tensor_release(ns);
        return r->err->code;
    }
    if (ns->dtype != st->dtype || ns->nelem != st->nelem) {
        vt_tensor_release(ns);
        vt_tensor_release(o);
        return bad(r, VT_EINPUT, "output state type differs from the state", alg_name);
    }
    if ((s = vt_rt_charge(r, o->nelem)) != VT_OK) {
        vt_tensor_release(ns);
        vt_tensor_release(o);
        return s;
    }
    const uint64_t *sd = st->data;
    uint64_t key = sd[0];
    g.key[0] = (uint32_t)key;
    g.key[1] = (uint32_t)(key >> 32);
    g.wide = obits > 32;
    g.fmt.size = osz;
    g.fmt.bits = is_float ? 8 * (unsigned)osz : obits;
    g.fmt.sign_extend = vt_dtype_kind_of(odt) == VT_KIND_SINT && obits < 8 * osz;
    g.rank = o->rank;
    for (int d = 0; d < o->rank; d++) g.dims[d] = o->dims[d];
    g.dst = o->data;
    size_t n = o->nelem;
    uint64_t blocks;
    if (g.alg == ALG_PHILOX) {
        /* state [key, c] counts from the 128-bit (c, key); [key, lo, hi] from (lo, hi) */
        g.ctr_lo = sd[1];
        g.ctr_hi = st->nelem == 3 ? sd[2] : sd[0];
        blocks = g.wide ? (n + 1) / 2 : (n + 3) / 4;
    } else {
        g.ctr_lo = sd[1];
        blocks = g.wide ? n : threefry32_layout(&g);
    }
    if (n) vt_k_parallel_for(r->kc.threads, n, 1u << 14, fill_range, &g);
    uint64_t *nd = ns->data;
    nd[0] = key;
    uint64_t lo = g.ctr_lo + blocks;
    nd[1] = lo;
    if (g.alg == ALG_PHILOX && st->nelem == 3) nd[2] = g.ctr_hi + (lo < g.ctr_lo); /* [key, c] keeps no carry */
    out[0] = vt_rvalue_tensor(ns);
    out[1] = vt_rvalue_tensor(o);
    return VT_OK;
}

vt_exec_fn vt_exec_rng_fn(const vt_op *op);
vt_exec_fn vt_exec_rng_fn(const vt_op *op) { return op->code == VT_OP_RNG_BIT_GENERATOR ? exec_rng_bit_generator : NULL; }
