/* Thin CLI wrapper over vt_blas_setup(): the same start-up logic serves the benchmarks. */
#include "cli/blas_setup.h"

#include "interp/blas.h"

void vt_cli_blas_setup(int argc, char **argv) { vt_blas_setup(argc, argv); }
