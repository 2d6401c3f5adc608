/* Shared by `veritor run` and `veritor conform`: load a StableHLO file, split it into its
 * `// -----` parts, parse + verify + execute each with the check handlers registered. */
#ifndef VT_CLI_RUN_COMMON_H
#define VT_CLI_RUN_COMMON_H

#include "veritor/interp.h"

typedef struct vt_part_result {
    uint32_t line;          /* first line of the part */
    vt_status status;       /* VT_OK, VT_ECHECK (a check failed), or the error */
    vt_error err;
    vt_check_stats checks;
    vt_run_stats stats;
    vt_rvalue *results;     /* owned; NULL unless keep_results */
    size_t nresults;
    /* The grid the part ran on (1 x 1 unless --replicas / --partitions): results then hold
     * replicas * partitions groups of nresults / (replicas * partitions) values, process
     * (r, p) at group r * partitions + p. */
    uint32_t replicas, partitions;
    char entry[128];
} vt_part_result;

typedef struct vt_run_config {
    const char *entry;
    const vt_limits *limits;
    int threads;
    bool random_inputs;
    uint64_t seed;
    bool keep_results;
    /* Explicit inputs: specs "NAME_OR_INDEX=FILE" (FILE.npy, FILE.safetensors[:TENSOR]). */
    char **inputs;
    size_t ninputs;
    uint64_t max_input_bytes;
    /* Every argument in order as one array attribute of dense elements (stablehlo-translate's
     * --args: "[dense<1> : tensor<2xi32>, ...]"); excludes inputs and random_inputs. */
    const char *args_text;
    bool no_fusion;
    uint32_t replicas, partitions; /* SPMD grid for the entry (0 means 1) */
    vt_logger logger;              /* receives interpreter.print output (fn NULL: discarded) */
} vt_run_config;

/* Runs every part of `path`. *parts is malloc'ed (vt_part_results_free). Returns VT_OK when the
 * file could be read and split; per-part outcomes are in the results. */
vt_status vt_run_file(const char *path, const vt_run_config *cfg, vt_part_result **parts, size_t *nparts, vt_error *err);
void vt_part_results_free(vt_part_result *parts, size_t n);

#endif
