/* bit_exact: the claimed outputs must equal the recomputed ones. Integers and booleans exactly;
 * floats by the configured rule: identical bits (default: the engine is deterministic), a ULP
 * distance in the output's own type, or numpy's allclose for outputs of another engine. */
#include "veritor/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { RULE_BITS, RULE_ULP, RULE_ALLCLOSE } float_rule;

typedef struct bx_state {
    float_rule rule;
    uint64_t max_ulp;
    double rtol, atol;
    bool equal_nan;
} bx_state;

static vt_status bx_configure(const json_t *cfg, void **state, vt_error *err) {
    bx_state st = {RULE_BITS, 0, 0, 0, true};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)cfg, key, v) {
        if (strcmp(key, "float") == 0) {
            const char *r = json_string_value(v);
            if (!r) return vt_error_set(err, VT_EINPUT, "'float' must be \"bits\", \"ulp\" or \"allclose\"");
            if (strcmp(r, "bits") == 0) st.rule = RULE_BITS;
            else if (strcmp(r, "ulp") == 0) st.rule = RULE_ULP;
            else if (strcmp(r, "allclose") == 0) st.rule = RULE_ALLCLOSE;
            else return vt_error_set(err, VT_EINPUT, "'float' is \"%.40s\", expected \"bits\", \"ulp\" or \"allclose\"", r);
        } else if (strcmp(key, "max_ulp") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return vt_error_set(err, VT_EINPUT, "'max_ulp' must be a non-negative integer");
            st.max_ulp = (uint64_t)json_integer_value(v);
        } else if (strcmp(key, "rtol") == 0 || strcmp(key, "atol") == 0) {
            if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v)))
                return vt_error_set(err, VT_EINPUT, "'%s' must be a finite non-negative number", key);
            if (key[0] == 'r') st.rtol = json_number_value(v);
            else st.atol = json_number_value(v);
        } else if (strcmp(key, "equal_nan") == 0) {
            if (!json_is_boolean(v)) return vt_error_set(err, VT_EINPUT, "'equal_nan' must be true or false");
            st.equal_nan = json_is_true(v);
        } else {
            return vt_error_set(err, VT_EINPUT, "unknown key '%s'", key);
        }
    }
    bx_state *p = malloc(sizeof *p);
    if (!p) return vt_error_set(err, VT_ENOMEM, "out of memory");
    *p = st;
    *state = p;
    return VT_OK;
}

static void bx_free(void *state) { free(state); }

static void bx_describe(const void *state, char *out, size_t n) {
    const bx_state *s = state;
    if (s->rule == RULE_BITS) snprintf(out, n, "exact bits");
    else if (s->rule == RULE_ULP) snprintf(out, n, "floats within %llu ULP", (unsigned long long)s->max_ulp);
    else snprintf(out, n, "floats allclose rtol=%g atol=%g", s->rtol, s->atol);
}

/* Raw storage bits of element i (every dtype here is 1, 2, 4 or 8 bytes). */
static uint64_t raw_bits(const vt_tensor *t, size_t esize, size_t i) {
    const uint8_t *p = (const uint8_t *)t->data + i * esize;
    uint64_t v = 0;
    memcpy(&v, p, esize); /* little-endian host, as the tensor layer assumes */
    return v;
}

/* ULP distance between two non-NaN encodings of a float format: magnitudes on a signed line. */
static uint64_t ulp_distance(uint64_t a, uint64_t b, const vt_float_format *f, unsigned bits) {
    uint64_t sign = f->has_sign ? (uint64_t)1 << (bits - 1) : 0;
    uint64_t ma = a & ~sign, mb = b & ~sign;
    bool na = (a & sign) && ma, nb = (b & sign) && mb; /* -0 sits at 0 */
    if (na == nb) return ma > mb ? ma - mb : mb - ma;
    return ma + mb;
}

static void add_hist(vt_output_score *s, double diff) {
    int bin;
    if (!isfinite(diff) || diff >= 1e4) bin = VT_DIFF_HIST_BINS - 1;
    else if (diff < 1e-10) bin = 0;
    else {
        bin = (int)floor(log10(diff)) + 11;
        if (bin < 1) bin = 1;
        if (bin > VT_DIFF_HIST_BINS - 2) bin = VT_DIFF_HIST_BINS - 2;
    }
    s->hist[bin]++;
}

static void note_mismatch(vt_output_score *s, const vt_tensor *t, size_t elem, double a, double b, double diff) {
    s->mismatches++;
    add_hist(s, diff);
    if (s->has_first) return;
    s->has_first = true;
    s->first_flat = elem;
    s->first_rank = t->rank;
    size_t rest = elem;
    for (int d = t->rank - 1; d >= 0; d--) {
        size_t n = (size_t)t->dims[d];
        s->first_index[d] = n ? (int64_t)(rest % n) : 0;
        rest = n ? rest / n : 0;
    }
    s->first_claimed = a;
    s->first_computed = b;
}

static void note_diff(vt_output_score *s, double a, double b) {
    if (!isfinite(a) || !isfinite(b)) {
        if (!(a == b)) s->nonfinite_diff = true;
        return;
    }
    double diff = fabs(a - b);
    if (diff > s->max_abs_diff) s->max_abs_diff = diff;
    double rel = diff == 0 ? 0 : (b == 0 ? INFINITY : diff / fabs(b));
    if (rel > s->max_rel_diff) s->max_rel_diff = rel;
}

static vt_status bx_check(const void *state, const vt_tensor *claimed, const vt_tensor *computed, vt_output_score *s,
                          vt_error *err) {
    const bx_state *st = state;
    vt_dtype dt = computed->dtype;
    s->elements = computed->nelem;
    /* Equal bytes mean equal under every rule (NaN payloads included): the common, honest case. */
    if (claimed->nbytes == computed->nbytes &&
        (computed->nbytes == 0 || memcmp(claimed->data, computed->data, computed->nbytes) == 0)) {
        s->passed = true;
        return VT_OK;
    }
    vt_dtype_kind kind = vt_dtype_kind_of(dt);
    bool complex = kind == VT_KIND_COMPLEX;
    vt_dtype pt = complex ? vt_complex_part_dtype(dt) : dt;
    size_t esize = vt_dtype_size(pt);
    size_t nparts = computed->nelem * (complex ? 2 : 1);
    if (esize > 8) return vt_error_set(err, VT_EUNSUPPORTED, "not supported: element type %s", vt_dtype_name(dt));
    size_t last_bad = SIZE_MAX;
    for (size_t i = 0; i < nparts; i++) {
        size_t elem = complex ? i / 2 : i;
        bool ok;
        double a, b;
        if (kind == VT_KIND_FLOAT || complex) {
            const vt_float_format *f = vt_float_format_of(pt);
            unsigned bits = vt_dtype_bits(pt);
            uint64_t ra = raw_bits(claimed, esize, i), rb = raw_bits(computed, esize, i);
            const uint8_t *pa = (const uint8_t *)claimed->data + i * esize, *pb = (const uint8_t *)computed->data + i * esize;
            a = vt_load_f64(pt, pa);
            b = vt_load_f64(pt, pb);
            bool an = isnan(a), bn = isnan(b);
            if (!an && !bn) {
                uint64_t u = ulp_distance(ra, rb, f, bits);
                if (u > s->max_ulp) s->max_ulp = u;
            }
            if (st->rule == RULE_BITS) ok = ra == rb;
            else if (an || bn) ok = an && bn && st->equal_nan;
            else if (st->rule == RULE_ULP) ok = ulp_distance(ra, rb, f, bits) <= st->max_ulp;
            else if (isinf(a) || isinf(b)) ok = a == b;
            else ok = fabs(a - b) <= st->atol + st->rtol * fabs(b);
        } else {
            const uint8_t *pa = (const uint8_t *)claimed->data + i * esize, *pb = (const uint8_t *)computed->data + i * esize;
            if (kind == VT_KIND_UINT) {
                uint64_t x = vt_load_u64(pt, pa), y = vt_load_u64(pt, pb);
                ok = x == y;
                a = (double)x, b = (double)y;
            } else {
                int64_t x = vt_load_i64(pt, pa), y = vt_load_i64(pt, pb);
                ok = x == y;
                a = (double)x, b = (double)y;
            }
        }
        note_diff(s, a, b);
        if (!ok && elem != last_bad) {
            last_bad = elem;
            note_mismatch(s, computed, elem, a, b, fabs(a - b));
        }
    }
    s->passed = s->mismatches == 0;
    return VT_OK;
}

const vt_strategy vt_strategy_bit_exact = {
    "bit_exact",
    "outputs equal the recomputed ones: integers exactly, floats by bits, ULP distance or allclose",
    "{\"float\":\"bits\",\"max_ulp\":0,\"rtol\":1e-05,\"atol\":1e-08,\"equal_nan\":true}",
    bx_configure,
    bx_free,
    bx_describe,
    bx_check,
};
