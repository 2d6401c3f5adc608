/* Gradient fingerprints of a train_step: the streaming Rademacher projection
 * (docs/fingerprints.md) of all gradients flattened in canonical parameter order, under
 * vt_key_grad(root, step), so that prover and verifier agree on one k-vector per step. */
#include "veritor/workload.h"

#include <stdlib.h>

vt_status vt_model_grad_fingerprint(const vt_model_config *c, vt_key root, uint64_t step, const vt_tensor *const *grads,
                                    float *out, vt_error *err) {
    vt_lsh_params p = {.key = vt_key_grad(root, step), .k = c->fp_k, .dist = VT_LSH_RADEMACHER};
    vt_lsh_stream s;
    vt_status st = vt_lsh_stream_init(&s, &p, 0, err);
    if (st) return st;
    size_t np = vt_model_num_params(c);
    for (size_t i = 0; i < np && !st; i++) {
        char name[64];
        int rank;
        int64_t dims[2];
        if ((st = vt_model_param_info(c, i, name, sizeof name, &rank, dims, err))) break;
        const vt_tensor *g = grads[i];
        if (!g || g->rank != rank || g->dims[0] != dims[0] || (rank == 2 && g->dims[1] != dims[1])) {
            st = vt_error_set(err, VT_EINPUT, "gradient fingerprint: gradient %zu ('%s'): shape does not match the config",
                              i, name);
            break;
        }
        if (g->dtype == VT_F64) { /* the stream takes f32/bf16/f16: round once, in blocks */
            float buf[4096];
            for (size_t j = 0; j < g->nelem && !st; j += 4096) {
                size_t n = g->nelem - j < 4096 ? g->nelem - j : 4096;
                vt_convert(VT_F64, (const double *)g->data + j, VT_F32, buf, n);
                st = vt_lsh_stream_update(&s, VT_F32, buf, n, err);
            }
        } else {
            st = vt_lsh_stream_update(&s, g->dtype, g->data, g->nelem, err);
        }
        if (st) vt_error_prefix(err, "gradient fingerprint: '%s'", name);
    }
    if (!st) vt_lsh_stream_final(&s, out);
    vt_lsh_stream_free(&s);
    return st;
}
