/* veritor protocol layer: the randomness, fingerprints and sampling statistics that the
 * verification protocols (STAMP, training replay, challenges, spot checks) are built on. Every
 * random number is specified (docs/randomness.md) so that any party can recompute it. */
#ifndef VERITOR_PROTOCOL_H
#define VERITOR_PROTOCOL_H

#include "veritor/base.h"
#include "veritor/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* =============================================================================================
 * Random streams: JAX's current default Threefry mode (jax_threefry_partitionable=True).
 * Element i of a stream is threefry2x32(key, (hi32(i), lo32(i))); "offset" lets a caller
 * produce any block [offset, offset + n) of the stream jax.random would return for a flat
 * shape, so that large streams can be generated in pieces. docs/randomness.md has the algebra
 * and the golden vectors.
 * ============================================================================================= */

/* jax.random.split(key, n): out[i] = threefry(key, (0, i)) (64-bit i split hi/lo). */
void vt_rand_split(vt_key key, size_t n, vt_key *out);
/* jax.random.fold_in(key, data) (data as uint32): threefry(key, (0, data)). */
vt_key vt_rand_fold_in(vt_key key, uint32_t data);
/* jax.random.bits for flat element indices offset .. offset+n-1. 32-bit: w0 ^ w1; 8/16-bit: the
 * low bits of w0 ^ w1; 64-bit: w0 << 32 | w1. */
void vt_rand_bits32(vt_key key, uint64_t offset, size_t n, uint32_t *out);
void vt_rand_bits16(vt_key key, uint64_t offset, size_t n, uint16_t *out);
void vt_rand_bits8(vt_key key, uint64_t offset, size_t n, uint8_t *out);
void vt_rand_bits64(vt_key key, uint64_t offset, size_t n, uint64_t *out);
/* jax.random.uniform's f32 conversion of one 32-bit word: mantissa fill
 * (bits >> 9 | 0x3F800000) as float minus 1, scaled to [minval, maxval) in f32 and clamped
 * below by minval. */
float vt_rand_bits_to_uniform_f32(uint32_t bits, float minval, float maxval);
void vt_rand_uniform_f32(vt_key key, uint64_t offset, size_t n, float minval, float maxval, float *out);
/* XLA's f32 erf_inv (Giles' polynomial, the constants of xla/client/lib/math.cc). */
float vt_erfinv_f32(float x);
/* jax.random.normal f32: sqrt(2) * erf_inv(uniform(nextafter(-1, 0), 1)). Equal to JAX's up to
 * the platform's log1p in erf_inv (docs/randomness.md). */
void vt_rand_normal_f32(vt_key key, uint64_t offset, size_t n, float *out);
/* A uniform double in [0, 1) with 53 random bits: element 0 of the 64-bit stream, top 53 bits:
 * (bits64(key)[0] >> 11) * 2^-53, i.e. (w0 << 21 | w1 >> 11) * 2^-53. */
double vt_rand_uniform53(vt_key key);

/* ---- the derivation tree of protocol keys (docs/randomness.md) -----------------------------
 * root (claim or session key) -> fold_in(purpose) -> fold_in(index) -> ... Purposes are fixed
 * four-character codes read as big-endian uint32, so they never change meaning. */
#define VT_FOURCC(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
enum {
    VT_PURPOSE_LSH = VT_FOURCC('L', 'S', 'H', 'P'),       /* fingerprint projection matrix */
    VT_PURPOSE_GRAD = VT_FOURCC('G', 'R', 'A', 'D'),      /* gradient fingerprints */
    VT_PURPOSE_SAMPLE = VT_FOURCC('S', 'M', 'P', 'L'),    /* token sampling per request */
    VT_PURPOSE_CHALLENGE = VT_FOURCC('C', 'H', 'L', 'G'), /* challenge schedules */
    VT_PURPOSE_SPOT = VT_FOURCC('S', 'P', 'O', 'T'),      /* memory spot checks */
    VT_PURPOSE_NOISE = VT_FOURCC('N', 'O', 'I', 'S')      /* simulated noise in calibration */
};
/* Root key from a SHA-256 digest (claim id, session id): the first 8 bytes, big-endian words. */
vt_key vt_key_from_digest(const uint8_t digest[VT_SHA256_LEN]);
/* Root key from a text label: vt_key_from_digest(SHA-256(label)). */
vt_key vt_key_from_label(const char *label);
/* Folds in path[0], path[1], ... in order. */
vt_key vt_key_derive(vt_key root, const uint32_t *path, size_t n);
/* The documented protocol keys. */
vt_key vt_key_lsh(vt_key root, uint32_t layer);                 /* root/LSHP/layer */
vt_key vt_key_grad(vt_key root, uint64_t step);                  /* root/GRAD/step_hi/step_lo */
vt_key vt_key_sample(vt_key request, uint64_t position);         /* request/SMPL/pos_hi/pos_lo */
/* Parses a purpose name ("lsh", "grad", "sample", "challenge", "spot", "noise") or a
 * four-character code or an integer. */
vt_status vt_purpose_parse(const char *text, uint32_t *out, vt_error *err);

/* =============================================================================================
 * Fingerprints: f = (1/sqrt(k)) R h with R in {-1,+1}^{k x d} (Rademacher, canonical) or
 * N(0,1)^{k x d}, generated in blocks from a key and never stored.
 * Layout (docs/fingerprints.md): entry R[j][i] comes from word w = bits32(key)[(i/32)*k + j]:
 * Rademacher: 1 - 2 * ((w >> (i%32)) & 1); Gaussian: normal_f32(key)[i*k + j]. Column i of R
 * depends only on i, so R for a prefix of d is a prefix of R: streaming needs no length.
 * ============================================================================================= */
typedef enum vt_lsh_dist { VT_LSH_RADEMACHER = 0, VT_LSH_GAUSSIAN = 1 } vt_lsh_dist;

#define VT_LSH_MAX_K 4096
#define VT_LSH_MAX_D ((uint64_t)1 << 40)

typedef struct vt_lsh_params {
    vt_key key;
    uint32_t k;          /* output dimension, 1..VT_LSH_MAX_K */
    vt_lsh_dist dist;
} vt_lsh_params;

/* Checks k, dist and d (d = 0 skips the d check). */
vt_status vt_lsh_check(const vt_lsh_params *p, uint64_t d, vt_error *err);
/* R[:, col0 : col0+ncols] as a k x ncols row-major f32 block with leading dimension ld >= ncols
 * (unscaled: entries +-1 or N(0,1)). */
void vt_lsh_matrix_block(const vt_lsh_params *p, uint64_t col0, size_t ncols, float *out, size_t ld);
/* Batch projection: h is [T, d] row-major of dtype f32, bf16 or f16; out is [T, k] f32.
 * Uses cblas_sgemm over column blocks of R generated on the fly. */
vt_status vt_lsh_project(const vt_lsh_params *p, vt_dtype dtype, const void *h, size_t T, size_t d,
                         float *out, vt_error *err);
/* Tensor form: [d] -> [k] or [T, d] -> [T, k]; returns a new f32 tensor. */
vt_status vt_lsh_project_tensor(const vt_lsh_params *p, const vt_tensor *h, vt_tensor **out, vt_error *err);

/* Streaming projection of one long vector (gradient fingerprints, N up to 10^12): feed blocks in
 * order; per-block partial sums are f32 (BLAS), the running sum is f64. Memory O(block). */
typedef struct vt_lsh_stream {
    vt_lsh_params p;
    uint64_t offset;     /* elements consumed */
    double *acc;         /* k running sums */
    float *rblk, *part;  /* scratch: R block and its partial product */
    size_t blk;          /* columns per R block */
} vt_lsh_stream;
vt_status vt_lsh_stream_init(vt_lsh_stream *s, const vt_lsh_params *p, size_t block, vt_error *err);
vt_status vt_lsh_stream_update(vt_lsh_stream *s, vt_dtype dtype, const void *x, size_t n, vt_error *err);
/* Writes the k outputs (scaled by 1/sqrt(k)) into out. The stream stays usable. */
void vt_lsh_stream_final(const vt_lsh_stream *s, float *out);
void vt_lsh_stream_free(vt_lsh_stream *s);

/* ---- encodings and distances --------------------------------------------------------------- */
typedef enum vt_lsh_enc { VT_LSH_ENC_F32, VT_LSH_ENC_F16, VT_LSH_ENC_INT8, VT_LSH_ENC_SIGN } vt_lsh_enc;
/* Bytes per token for k outputs: f32 4k, f16 2k, int8 k + 4 (f32 scale), sign ceil(k/8). */
size_t vt_lsh_enc_bytes(vt_lsh_enc enc, uint32_t k);
const char *vt_lsh_enc_name(vt_lsh_enc enc);
vt_status vt_lsh_enc_parse(const char *name, vt_lsh_enc *out, vt_error *err);
/* Encodes k values (NaN/Inf rejected with VT_EINPUT for int8) into out (vt_lsh_enc_bytes). */
vt_status vt_lsh_encode(vt_lsh_enc enc, const float *f, uint32_t k, uint8_t *out, vt_error *err);
/* Decodes back to f32 (sign: +1 / -1). */
void vt_lsh_decode(vt_lsh_enc enc, const uint8_t *in, uint32_t k, float *out);
double vt_lsh_l2(const float *a, const float *b, uint32_t k);
/* ||a - b|| / ||b|| (b is the verifier's fingerprint; ||f|| estimates ||h||); inf when b = 0. */
double vt_lsh_l2_rel(const float *a, const float *b, uint32_t k);
/* Cosine similarity in [-1, 1]; 0 when either is zero. */
double vt_lsh_cosine(const float *a, const float *b, uint32_t k);
/* Differing sign bits of two sign encodings. */
uint32_t vt_lsh_hamming(const uint8_t *a, const uint8_t *b, uint32_t k);

/* ---- thresholds with exact error rates ----------------------------------------------------
 * For e ~ N(0, sigma^2 I_d), ||f(e)||^2 = ||R e||^2 / k = sum_i (sigma^2 lambda_i / k) chi2_1,
 * lambda_i the eigenvalues of R R^T. Tail probabilities by Imhof's inversion formula with
 * truncation and quadrature error below VT_LSH_IMHOF_TOL (absolute). */
#define VT_LSH_IMHOF_TOL 1e-12
typedef struct vt_lsh_spectrum {
    uint32_t k;
    uint64_t d;
    double *lambda;   /* k eigenvalues of R R^T, ascending */
    double *evec;     /* k x k eigenvectors (column-major, column i for lambda[i]) */
} vt_lsh_spectrum;
/* Computes R R^T exactly (f64) from generated blocks and its eigen-decomposition (dsyev). */
vt_status vt_lsh_spectrum_compute(const vt_lsh_params *p, uint64_t d, vt_lsh_spectrum *out, vt_error *err);
void vt_lsh_spectrum_free(vt_lsh_spectrum *s);

/* P(Q > x) for Q = sum_i w_i chi2_1(nc_i) repeated n_copies times (nc may be NULL: central).
 * Weights must be >= 0 with a positive sum. */
vt_status vt_imhof_tail(const double *w, const double *nc, size_t m, uint64_t n_copies, double x,
                        double *p, vt_error *err);
/* Threshold on the squared fingerprint distance ||f_a - f_b||^2 (summed over n positions when
 * n > 1) whose false-positive rate under honest noise sigma is fpr. fpr in [1e-9, 0.5]. */
vt_status vt_lsh_threshold(const vt_lsh_spectrum *s, double sigma, uint64_t n, double fpr,
                           double *threshold, vt_error *err);
/* The same threshold a chi2_k model would give (for comparison; wrong for small d/k). */
vt_status vt_lsh_threshold_chi2(uint32_t k, uint64_t d, double sigma, uint64_t n, double fpr,
                                double *threshold, vt_error *err);
/* False-positive rate of a given threshold (the inverse of vt_lsh_threshold). */
vt_status vt_lsh_fpr(const vt_lsh_spectrum *s, double sigma, uint64_t n, double threshold, double *fpr,
                     vt_error *err);
/* Detection power: P(||f(e + shift)||^2 > threshold) for a d-dimensional shift (the same shift
 * at each of n positions), the noise as above. */
vt_status vt_lsh_power(const vt_lsh_params *p, const vt_lsh_spectrum *s, double sigma, uint64_t n,
                       const float *shift, double threshold, double *power, vt_error *err);

/* =============================================================================================
 * Canonical sampler (docs/sampling.md): f32 logits -> repetition penalty -> temperature
 * (T = 0: argmax, ties to the lowest index) -> top-k (ties to the lower index) -> softmax in f64
 * with max subtraction -> top-p (sorted by probability descending, ties by index; the smallest
 * prefix reaching p, crossing token included) -> min-p -> renormalise -> inverse CDF in index
 * order with a 53-bit uniform at vt_key_sample(request, position).
 * ============================================================================================= */
typedef struct vt_sampler_config {
    float temperature;          /* >= 0; 0 = argmax */
    uint32_t top_k;             /* 0 = off */
    double top_p;               /* (0, 1]; 1 = off */
    double min_p;               /* [0, 1]; 0 = off */
    float repetition_penalty;   /* > 0; 1 = off */
    const int32_t *prev_tokens; /* tokens the penalty applies to (each distinct token once) */
    size_t n_prev;
} vt_sampler_config;

#define VT_SAMPLER_MAX_VOCAB ((size_t)1 << 26)

void vt_sampler_config_default(vt_sampler_config *c); /* T = 1, everything else off */
vt_status vt_sampler_check(const vt_sampler_config *c, size_t V, vt_error *err);
/* Work space reused across calls (re-entrant: one per thread). */
typedef struct vt_sampler_ws {
    size_t cap;
    double *x, *p;   /* scaled logits; probabilities before renormalisation */
    void *pairs;     /* sort scratch */
    uint8_t *keep;   /* 1 for tokens that survive the filters */
} vt_sampler_ws;
void vt_sampler_ws_init(vt_sampler_ws *ws);
void vt_sampler_ws_free(vt_sampler_ws *ws);
/* The filtered, renormalised distribution: probs[V] (0 for removed tokens) and, when logprobs
 * is not NULL, natural log-probabilities computed from the logits (no underflow to -inf for
 * kept tokens; -INFINITY for removed ones). Either output may be NULL. */
vt_status vt_sampler_distribution(const float *logits, size_t V, const vt_sampler_config *c, vt_sampler_ws *ws,
                                  double *probs, double *logprobs, vt_error *err);
/* Selects by inverse CDF with uniform u in [0, 1) (exposed for tests and in-graph parity). */
vt_status vt_sampler_sample_u(const float *logits, size_t V, const vt_sampler_config *c, double u,
                              vt_sampler_ws *ws, int32_t *token, vt_error *err);
/* sample(logits, config, request key, position). */
vt_status vt_sampler_sample(const float *logits, size_t V, const vt_sampler_config *c, vt_key request,
                            uint64_t position, vt_sampler_ws *ws, int32_t *token, vt_error *err);
/* Natural log-probability of token under the filtered distribution (-INFINITY if removed). */
vt_status vt_sampler_logprob(const float *logits, size_t V, const vt_sampler_config *c, int32_t token,
                             vt_sampler_ws *ws, double *logprob, vt_error *err);

/* =============================================================================================
 * Statistical tests of sampling (docs/sampling.md): claimed tokens against the verifier's
 * logits [n, V] and the claimed config.
 * ============================================================================================= */
typedef enum vt_sampling_method {
    VT_SAMPLING_EXACT = 0,      /* exact distribution of the sum by enumeration (short sequences) */
    VT_SAMPLING_SADDLEPOINT = 1 /* Lugannani-Rice saddlepoint approximation of the sum's tails */
} vt_sampling_method;

typedef struct vt_sampling_result {
    size_t n;                /* positions */
    double loglik;           /* sum of log q(token) */
    double mean, var;        /* mean and variance of the sum of surprisals under the model */
    double z;                /* (surprisal - mean) / sqrt(var); 0 when var = 0 */
    double p_low, p_high;    /* P(S <= observed), P(S >= observed), S the total surprisal */
    double p_value;          /* min(1, 2 min(p_low, p_high)) */
    size_t n_impossible;     /* tokens the filtered distribution excludes */
    vt_sampling_method method;
    bool reject;             /* p_value < fpr, or any impossible token */
} vt_sampling_result;

/* Per-token surprisal -log q(token) (INFINITY when impossible) into surprisal[n] (may be NULL). */
vt_status vt_sampling_surprisal(const float *logits, size_t n, size_t V, const int32_t *tokens,
                                const vt_sampler_config *c, double *surprisal, vt_error *err);
/* Two-sided test at false-positive rate fpr in (0, 1). Exact enumeration when the product of
 * the filtered support sizes is at most VT_SAMPLING_EXACT_MAX, the saddlepoint otherwise. */
#define VT_SAMPLING_EXACT_MAX ((size_t)1 << 16)
vt_status vt_sampling_test(const float *logits, size_t n, size_t V, const int32_t *tokens,
                           const vt_sampler_config *c, double fpr, vt_sampling_result *res, vt_error *err);
/* With the disclosed request key: recompute each token and count matches. */
vt_status vt_sampling_match(const float *logits, size_t n, size_t V, const int32_t *tokens,
                            const vt_sampler_config *c, vt_key request, uint64_t first_position,
                            size_t *matches, vt_error *err);

#ifdef __cplusplus
}
#endif
#endif
