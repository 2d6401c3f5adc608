/* CLI start-up hook: picks OpenBLAS's core type before any work (may re-exec the process). */
#ifndef VT_CLI_BLAS_SETUP_H
#define VT_CLI_BLAS_SETUP_H

/* Call first in main(): see vt_blas_setup() in src/interp/blas.h and docs/blas.md. */
void vt_cli_blas_setup(int argc, char **argv);

#endif
