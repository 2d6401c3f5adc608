/* Reference transformer configs: presets, checks, config.json, the canonical parameter order
 * and the weight derivation from the PRNG (docs/model.md). */
#include "protocol/model_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-layer parameters by slot (model_internal.h); RMSNorm layers omit the two biases. */
static const char *const slot_names[SL_COUNT] = {"attn_norm", "attn_norm_bias", "wq", "wk", "wv",
                                                 "wo", "mlp_norm", "mlp_norm_bias", "w1", "w2"};

void vt_model_layout(const vt_model_config *c, vt_mlayout *lo) {
    bool ln = c->norm == VT_NORM_LAYER;
    lo->wte = 0;
    lo->wpe = c->pos == VT_POS_LEARNED ? 1 : VT_MODEL_NONE;
    lo->layer0 = c->pos == VT_POS_LEARNED ? 2 : 1;
    int j = 0;
    for (int s = 0; s < SL_COUNT; s++) lo->slot[s] = (!ln && (s == SL_N1B || s == SL_N2B)) ? -1 : j++;
    lo->per_layer = (size_t)j;
    lo->fnorm = lo->layer0 + (size_t)c->layers * lo->per_layer;
    lo->fbias = ln ? lo->fnorm + 1 : VT_MODEL_NONE;
    lo->n = lo->fnorm + (ln ? 2 : 1);
}

vt_status vt_model_preset(const char *name, vt_model_config *c, vt_error *err) {
    memset(c, 0, sizeof *c);
    c->compute = VT_F32;
    c->weights = VT_F32;
    c->norm = VT_NORM_RMS;
    c->pos = VT_POS_LEARNED;
    c->fp_k = 64;
    if (name && strcmp(name, "tiny") == 0) {
        c->vocab = 256, c->d_model = 64, c->heads = 4, c->layers = 2, c->d_ff = 256, c->max_seq = 128;
    } else if (name && strcmp(name, "small") == 0) {
        c->vocab = 4096, c->d_model = 256, c->heads = 4, c->layers = 4, c->d_ff = 1024, c->max_seq = 512;
    } else if (name && strcmp(name, "medium") == 0) {
        c->vocab = 32000, c->d_model = 768, c->heads = 12, c->layers = 12, c->d_ff = 3072, c->max_seq = 1024;
    } else {
        return vt_error_set(err, VT_EUSAGE, "model preset '%s': unknown (tiny, small, medium)", name ? name : "");
    }
    return VT_OK;
}

vt_status vt_model_config_check(const vt_model_config *c, vt_error *err) {
    if (c->vocab < 2 || c->vocab > (1u << 24))
        return vt_error_set(err, VT_EINPUT, "model config: vocab %u out of range [2, 2^24]", c->vocab);
    if (c->d_model < 1 || c->d_model > 65536)
        return vt_error_set(err, VT_EINPUT, "model config: d_model %u out of range [1, 65536]", c->d_model);
    if (c->heads < 1 || c->d_model % c->heads)
        return vt_error_set(err, VT_EINPUT, "model config: heads %u does not divide d_model %u", c->heads, c->d_model);
    if (c->layers < 1 || c->layers > 1024)
        return vt_error_set(err, VT_EINPUT, "model config: layers %u out of range [1, 1024]", c->layers);
    if (c->d_ff < 1 || c->d_ff > 262144)
        return vt_error_set(err, VT_EINPUT, "model config: d_ff %u out of range [1, 262144]", c->d_ff);
    if (c->max_seq < 1 || c->max_seq > (1u << 20))
        return vt_error_set(err, VT_EINPUT, "model config: max_seq %u out of range [1, 2^20]", c->max_seq);
    if (c->fp_k < 1 || c->fp_k > VT_LSH_MAX_K)
        return vt_error_set(err, VT_EINPUT, "model config: fp_k %u out of range [1, %d]", c->fp_k, VT_LSH_MAX_K);
    if (c->compute != VT_F32 && c->compute != VT_F64)
        return vt_error_set(err, VT_EINPUT, "model config: compute dtype %s: must be f32 or f64",
                            vt_dtype_name(c->compute));
    if (c->weights != VT_F32 && c->weights != VT_BF16 && c->weights != VT_F64)
        return vt_error_set(err, VT_EINPUT, "model config: weight dtype %s: must be f32, bf16 or f64",
                            vt_dtype_name(c->weights));
    if (c->norm != VT_NORM_RMS && c->norm != VT_NORM_LAYER)
        return vt_error_set(err, VT_EINPUT, "model config: norm %d: must be rmsnorm or layernorm", (int)c->norm);
    if (c->pos != VT_POS_LEARNED && c->pos != VT_POS_ROPE)
        return vt_error_set(err, VT_EINPUT, "model config: positions %d: must be learned or rope", (int)c->pos);
    if (c->pos == VT_POS_ROPE && (c->d_model / c->heads) % 2)
        return vt_error_set(err, VT_EINPUT, "model config: rope needs an even head dimension (d_model / heads = %u)",
                            c->d_model / c->heads);
    return VT_OK;
}

char *vt_model_config_json(const vt_model_config *c) {
    char tmp[512];
    int n = snprintf(tmp, sizeof tmp,
                     "{\"vocab\": %u, \"d_model\": %u, \"heads\": %u, \"layers\": %u, \"d_ff\": %u, "
                     "\"max_seq\": %u, \"fp_k\": %u, \"compute\": \"%s\", \"weights\": \"%s\", "
                     "\"norm\": \"%s\", \"positions\": \"%s\"}\n",
                     c->vocab, c->d_model, c->heads, c->layers, c->d_ff, c->max_seq, c->fp_k,
                     vt_dtype_name(c->compute), vt_dtype_name(c->weights),
                     c->norm == VT_NORM_LAYER ? "layernorm" : "rmsnorm", c->pos == VT_POS_ROPE ? "rope" : "learned");
    if (n < 0 || (size_t)n >= sizeof tmp) return NULL;
    return strdup(tmp);
}

static vt_status json_u32(json_t *o, const char *k, uint32_t *out, vt_error *err) {
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
        return vt_error_set(err, VT_EINPUT, "config.json: field '%s': expected a non-negative integer", k);
    *out = (uint32_t)json_integer_value(v);
    return VT_OK;
}

static vt_status json_dtype(json_t *o, const char *k, vt_dtype *out, vt_error *err) {
    const char *s = json_string_value(json_object_get(o, k));
    vt_dtype t = s ? vt_dtype_from_name(s) : VT_DTYPE_INVALID;
    if (t == VT_DTYPE_INVALID) return vt_error_set(err, VT_EINPUT, "config.json: field '%s': expected a dtype name", k);
    *out = t;
    return VT_OK;
}

vt_status vt_model_config_parse(const char *text, size_t len, vt_model_config *c, vt_error *err) {
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return vt_error_set(err, VT_EINPUT, "config.json:%d:%d: %s", je.line, je.column,
                            o ? "expected an object" : je.text);
    }
    memset(c, 0, sizeof *c);
    vt_status s = VT_OK;
    if (!s) s = json_u32(o, "vocab", &c->vocab, err);
    if (!s) s = json_u32(o, "d_model", &c->d_model, err);
    if (!s) s = json_u32(o, "heads", &c->heads, err);
    if (!s) s = json_u32(o, "layers", &c->layers, err);
    if (!s) s = json_u32(o, "d_ff", &c->d_ff, err);
    if (!s) s = json_u32(o, "max_seq", &c->max_seq, err);
    if (!s) s = json_u32(o, "fp_k", &c->fp_k, err);
    if (!s) s = json_dtype(o, "compute", &c->compute, err);
    if (!s) s = json_dtype(o, "weights", &c->weights, err);
    if (!s) {
        const char *norm = json_string_value(json_object_get(o, "norm"));
        const char *pos = json_string_value(json_object_get(o, "positions"));
        if (!norm || !pos) s = vt_error_set(err, VT_EINPUT, "config.json: fields 'norm' and 'positions' must be strings");
        else if (strcmp(norm, "rmsnorm") && strcmp(norm, "layernorm"))
            s = vt_error_set(err, VT_EINPUT, "config.json: field 'norm': '%s' is not rmsnorm or layernorm", norm);
        else if (strcmp(pos, "learned") && strcmp(pos, "rope"))
            s = vt_error_set(err, VT_EINPUT, "config.json: field 'positions': '%s' is not learned or rope", pos);
        else {
            c->norm = strcmp(norm, "rmsnorm") == 0 ? VT_NORM_RMS : VT_NORM_LAYER;
            c->pos = strcmp(pos, "learned") == 0 ? VT_POS_LEARNED : VT_POS_ROPE;
        }
    }
    json_decref(o);
    if (!s) s = vt_model_config_check(c, err);
    return s;
}

size_t vt_model_num_params(const vt_model_config *c) {
    vt_mlayout lo;
    vt_model_layout(c, &lo);
    return lo.n;
}

vt_status vt_model_param_info(const vt_model_config *c, size_t i, char *name, size_t cap, int *rank, int64_t dims[2],
                              vt_error *err) {
    vt_mlayout lo;
    vt_model_layout(c, &lo);
    int64_t d = c->d_model, f = c->d_ff;
    const char *base = NULL;
    unsigned layer = 0;
    bool in_layer = false;
    if (i >= lo.n) return vt_error_set(err, VT_EINPUT, "model parameter %zu: out of range (%zu parameters)", i, lo.n);
    if (i == lo.wte) base = "wte", *rank = 2, dims[0] = c->vocab, dims[1] = d;
    else if (i == lo.wpe) base = "wpe", *rank = 2, dims[0] = c->max_seq, dims[1] = d;
    else if (i == lo.fnorm) base = "final_norm", *rank = 1, dims[0] = d;
    else if (i == lo.fbias) base = "final_norm_bias", *rank = 1, dims[0] = d;
    else {
        size_t j = (i - lo.layer0) % lo.per_layer;
        int s = 0;
        while (s < SL_COUNT - 1 && lo.slot[s] != (int)j) s++;
        layer = (unsigned)((i - lo.layer0) / lo.per_layer);
        in_layer = true;
        base = slot_names[s];
        if (s == SL_W1) *rank = 2, dims[0] = d, dims[1] = f;
        else if (s == SL_W2) *rank = 2, dims[0] = f, dims[1] = d;
        else if (s >= SL_WQ && s <= SL_WO) *rank = 2, dims[0] = d, dims[1] = d;
        else *rank = 1, dims[0] = d;
    }
    int w = in_layer ? snprintf(name, cap, "layers.%u.%s", layer, base) : snprintf(name, cap, "%s", base);
    if (w < 0 || (size_t)w >= cap) return vt_error_set(err, VT_EINTERNAL, "model parameter %zu: name buffer too small", i);
    return VT_OK;
}

vt_status vt_model_init_weights(const vt_model_config *c, uint64_t seed, vt_tensor_set **out, vt_error *err) {
    *out = NULL;
    vt_status s = vt_model_config_check(c, err);
    if (s) return s;
    vt_tensor_set *set = vt_tensor_set_new();
    if (!set) return vt_error_set(err, VT_ENOMEM, "model weights: out of memory");
    vt_key root = vt_key_from_seed(seed);
    size_t n = vt_model_num_params(c);
    for (size_t i = 0; i < n && !s; i++) {
        char name[64];
        int rank;
        int64_t dims[2];
        s = vt_model_param_info(c, i, name, sizeof name, &rank, dims, err);
        if (s) break;
        vt_tensor *t = vt_tensor_create(VT_F32, rank, dims, 0, err);
        if (!t) {
            s = err ? err->code : VT_ENOMEM;
            break;
        }
        float *p = t->data;
        if (rank == 1) { /* norm gains are ones, LayerNorm biases zeros */
            float v = strstr(name, "_bias") ? 0.0f : 1.0f;
            for (size_t e = 0; e < t->nelem; e++) p[e] = v;
        } else {
            /* Embeddings: 1/sqrt(d) so that tied logits start near N(0,1); matrices: 1/sqrt(fan_in). */
            double fan = !strcmp(name, "wte") || !strcmp(name, "wpe") ? (double)c->d_model : (double)dims[0];
            float scale = (float)(1.0 / sqrt(fan));
            vt_rand_normal_f32(vt_rand_fold_in(root, (uint32_t)i), 0, t->nelem, p);
            for (size_t e = 0; e < t->nelem; e++) p[e] *= scale;
        }
        if (c->weights != VT_F32) {
            vt_tensor *u = vt_tensor_convert(t, c->weights, err);
            vt_tensor_release(t);
            if (!u) {
                s = err ? err->code : VT_ENOMEM;
                break;
            }
            t = u;
        }
        s = vt_tensor_set_add(set, name, t, err);
        vt_tensor_release(t);
    }
    if (s) {
        vt_tensor_set_free(set);
        return s;
    }
    *out = set;
    return VT_OK;
}

vt_status vt_model_param_args(const vt_model_config *c, const vt_tensor_set *set, vt_rvalue *args, vt_error *err) {
    size_t n = vt_model_num_params(c);
    vt_status s = VT_OK;
    size_t i = 0;
    for (; i < n; i++) {
        char name[64];
        int rank;
        int64_t dims[2];
        if ((s = vt_model_param_info(c, i, name, sizeof name, &rank, dims, err))) break;
        vt_tensor *t = vt_tensor_set_get(set, name);
        if (!t) {
            s = vt_error_set(err, VT_EINPUT, "weights: parameter '%s' missing", name);
            break;
        }
        if (t->rank != rank || t->dims[0] != dims[0] || (rank == 2 && t->dims[1] != dims[1])) {
            s = vt_error_set(err, VT_EINPUT, "weights: parameter '%s': shape does not match the config", name);
            break;
        }
        if (!vt_dtype_is_float(t->dtype)) {
            s = vt_error_set(err, VT_EINPUT, "weights: parameter '%s': dtype %s is not a float type", name,
                             vt_dtype_name(t->dtype));
            break;
        }
        vt_tensor *u = t->dtype == c->compute ? vt_tensor_retain(t) : vt_tensor_convert(t, c->compute, err);
        if (!u) {
            s = err ? err->code : VT_ENOMEM;
            break;
        }
        args[i] = vt_rvalue_tensor(u);
    }
    if (s)
        for (size_t j = 0; j < i; j++) vt_rvalue_release(&args[j]);
    return s;
}

vt_status vt_model_fp_matrix(const vt_model_config *c, vt_key key, vt_tensor **out, vt_error *err) {
    *out = NULL;
    vt_lsh_params p = {.key = key, .k = c->fp_k, .dist = VT_LSH_RADEMACHER};
    vt_status s = vt_lsh_check(&p, c->d_model, err);
    if (s) return s;
    size_t k = c->fp_k, d = c->d_model;
    float *r = malloc(k * d * sizeof *r);
    if (!r) return vt_error_set(err, VT_ENOMEM, "fingerprint matrix: out of memory");
    vt_lsh_matrix_block(&p, 0, d, r, d);
    int64_t dims[2] = {(int64_t)d, (int64_t)k};
    vt_tensor *t = vt_tensor_create(c->compute, 2, dims, 0, err);
    if (!t) {
        free(r);
        return err ? err->code : VT_ENOMEM;
    }
    double scale = 1.0 / sqrt((double)k);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < k; j++) {
            double v = r[j * d + i] * scale;
            if (c->compute == VT_F64) ((double *)t->data)[i * k + j] = v;
            else ((float *)t->data)[i * k + j] = (float)v;
        }
    free(r);
    *out = t;
    return VT_OK;
}
