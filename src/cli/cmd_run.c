/* `veritor run`: parse, verify and execute a StableHLO file (each `// -----` part), enforce its
 * check ops, and write or print the results. */
#include "cli/cli.h"
#include "cli/run_common.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help_text[] =
    "usage: veritor run FILE [--entry NAME] [--input NAME_OR_INDEX=FILE ...] [--random-inputs SEED]\n"
    "                   [--args \"[dense<...> : tensor<...>, ...]\"]\n"
    "                   [-o DIR] [--limit-bytes N] [--fuel N] [--deadline S] [--max-iterations N]\n"
    "                   [--threads N] [--replicas R] [--partitions P] [--json]\n"
    "\n"
    "Runs @main (or the only public function, or --entry NAME) of every `// -----` part of FILE on\n"
    "veritor's engine. check.* ops and @check.* custom_calls are enforced (tolerances as in the\n"
    "conformance README). Inputs: --input binds an argument (by index, SSA name such as arg0, or\n"
    "the name in jax.arg_info) to FILE.npy, FILE.safetensors (one tensor) or FILE.safetensors:NAME;\n"
    "--random-inputs SEED fills every argument from the Threefry key of SEED (floats N(0,1),\n"
    "integers in [0, 16), booleans; docs/interpreter.md); --args gives every argument in order as\n"
    "one array of dense attributes, as stablehlo-translate --interpret --args does.\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR      write result N as DIR/N.npy (DIR/N.safetensors for types numpy lacks);\n"
    "                        a file of several parts writes DIR/partK/N.*\n"
    "  --limit-bytes N       tensor bytes alive at once (default 16 GiB)\n"
    "  --fuel N              work units: elements touched and multiply-adds (default 2^42)\n"
    "  --deadline S          wall-clock seconds (default: none)\n"
    "  --max-iterations N    while-loop iterations over the run (default 10^6)\n"
    "  --threads N           kernel threads (default: all cores; results do not depend on it)\n"
    "  --json                print a JSON report\n"
    "  --no-fusion           run every elementwise op alone (same results, more memory traffic)\n"
    "  --replicas R          run the entry as an SPMD program on R x P processes (default 1; at most\n"
    "  --partitions P        64 each and 256 in all): same inputs, replica_id / partition_id and the\n"
    "                        collectives see the grid; results print per process and -o writes\n"
    "                        DIR/rRpP/N.npy (docs/collectives.md)\n"
    "\n"
    "interpreter.print writes its value to stdout (stderr with --json).\n"
    "\n"
    "Exit status: 0 ran and every check passed; 1 a check failed; 2 cannot parse, verify or\n"
    "execute (an unsupported op is named); 3 a resource limit was hit.\n";

static int part_exit(const vt_part_result *p) { return vt_status_exit_code(p->status); }

/* 2 wins over 3, 3 over 1, 1 over 0. */
static int combine_exit(int a, int b) {
    static const int rank[4] = {0, 1, 3, 2};
    return rank[b] > rank[a] ? b : a;
}

static uint32_t nprocs(const vt_part_result *p) { return p->replicas && p->partitions ? p->replicas * p->partitions : 1; }

static int write_results(const char *dir, const vt_part_result *p, size_t part, size_t nparts, vt_error *err) {
    char sub[4096];
    if (nparts > 1) snprintf(sub, sizeof sub, "%s/part%zu", dir, part);
    else snprintf(sub, sizeof sub, "%s", dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return vt_error_set(err, VT_EIO, "%s: cannot create: %s", dir, strerror(errno));
    if (nparts > 1 && mkdir(sub, 0755) != 0 && errno != EEXIST)
        return vt_error_set(err, VT_EIO, "%s: cannot create: %s", sub, strerror(errno));
    uint32_t np = nprocs(p);
    size_t per = p->nresults / np;
    for (uint32_t q = 0; q < np; q++) {
        char pdir[4200];
        if (np > 1) {
            snprintf(pdir, sizeof pdir, "%s/r%up%u", sub, q / p->partitions, q % p->partitions);
            if (mkdir(pdir, 0755) != 0 && errno != EEXIST)
                return vt_error_set(err, VT_EIO, "%s: cannot create: %s", pdir, strerror(errno));
        } else snprintf(pdir, sizeof pdir, "%s", sub);
        for (size_t i = 0; i < per; i++) {
            const vt_rvalue *v = &p->results[q * per + i];
            if (v->kind != VT_RV_TENSOR) continue;
            char base[4300];
            snprintf(base, sizeof base, "%s/%zu", pdir, i);
            vt_status s = vt_tensor_write_auto(base, v->tensor, NULL, 0, err);
            if (s) return s;
        }
    }
    return VT_OK;
}

/* interpreter.print output: the library hands each print to this logger as one message. */
static void print_log(void *user, vt_log_level level, const char *msg) {
    (void)level;
    fprintf(user ? stderr : stdout, "%s\n", msg);
}

static void print_part_text(const char *path, const vt_part_result *p, size_t k, size_t n) {
    char where[64] = "";
    if (n > 1) snprintf(where, sizeof where, " part %zu (line %u)", k, p->line);
    if (p->status == VT_OK) {
        printf("%s%s: ok @%s, %llu checks passed, %llu ops, %.3f s\n", path, where, p->entry,
               (unsigned long long)p->checks.passed, (unsigned long long)p->stats.ops_executed, p->stats.seconds);
        uint32_t np = nprocs(p);
        size_t per = p->nresults / np;
        for (size_t j = 0; j < p->nresults; j++) {
            size_t i = j % per;
            char ind[64] = "  ";
            if (np > 1) snprintf(ind, sizeof ind, "  process (%zu, %zu): ", j / per / p->partitions, j / per % p->partitions);
            if (p->results[j].kind != VT_RV_TENSOR) {
                printf("%sresult %zu: %s\n", ind, i, p->results[j].kind == VT_RV_TOKEN ? "token" : "tuple");
                continue;
            }
            char ty[128];
            uint8_t id[32];
            vt_tensor_id(p->results[j].tensor, 0, id);
            printf("%sresult %zu: %s id %s\n", ind, i, vt_tensor_type_str(p->results[j].tensor, ty, sizeof ty), vt_hash_to_hex(id).s);
        }
    } else {
        /* The message already names the file (and line) where it happened. */
        (void)path;
        fprintf(stderr, "veritor:%s %s: %s\n", where, p->status == VT_ECHECK ? "check failed" : vt_status_name(p->status),
                p->err.msg);
    }
}

static json_t *part_json(const vt_part_result *p) {
    json_t *o = json_object();
    json_object_set_new(o, "line", json_integer(p->line));
    json_object_set_new(o, "status", json_string(p->status == VT_OK ? "ok" : p->status == VT_ECHECK ? "check_failed" : vt_status_name(p->status)));
    json_object_set_new(o, "exit_code", json_integer(part_exit(p)));
    if (p->status != VT_OK) json_object_set_new(o, "error", json_string(p->err.msg));
    if (p->entry[0]) json_object_set_new(o, "entry", json_string(p->entry));
    json_t *ck = json_object();
    json_object_set_new(ck, "passed", json_integer((json_int_t)p->checks.passed));
    json_object_set_new(ck, "failed", json_integer((json_int_t)p->checks.failed));
    json_object_set_new(ck, "skipped", json_integer((json_int_t)p->checks.skipped));
    json_object_set_new(o, "checks", ck);
    json_t *st = json_object();
    json_object_set_new(st, "ops", json_integer((json_int_t)p->stats.ops_executed));
    json_object_set_new(st, "fuel_used", json_integer((json_int_t)p->stats.fuel_used));
    json_object_set_new(st, "peak_live_bytes", json_integer((json_int_t)p->stats.peak_live_bytes));
    json_object_set_new(st, "iterations", json_integer((json_int_t)p->stats.iterations));
    json_object_set_new(st, "seconds", json_real(p->stats.seconds));
    json_object_set_new(o, "stats", st);
    json_t *rs = json_array();
    uint32_t np = nprocs(p);
    if (np > 1) {
        json_object_set_new(o, "replicas", json_integer(p->replicas));
        json_object_set_new(o, "partitions", json_integer(p->partitions));
    }
    for (size_t i = 0; i < p->nresults; i++) {
        json_t *r = json_object();
        if (np > 1) {
            size_t q = i / (p->nresults / np);
            json_object_set_new(r, "replica", json_integer((json_int_t)(q / p->partitions)));
            json_object_set_new(r, "partition", json_integer((json_int_t)(q % p->partitions)));
        }
        if (p->results[i].kind == VT_RV_TENSOR) {
            const vt_tensor *t = p->results[i].tensor;
            json_object_set_new(r, "dtype", json_string(vt_dtype_name(t->dtype)));
            json_t *shape = json_array();
            for (int d = 0; d < t->rank; d++) json_array_append_new(shape, json_integer(t->dims[d]));
            json_object_set_new(r, "shape", shape);
            uint8_t id[32];
            vt_tensor_id(t, 0, id);
            json_object_set_new(r, "id", json_string(vt_hash_to_hex(id).s));
        } else {
            json_object_set_new(r, "kind", json_string(p->results[i].kind == VT_RV_TOKEN ? "token" : "tuple"));
        }
        json_array_append_new(rs, r);
    }
    json_object_set_new(o, "results", rs);
    return o;
}

int vt_cmd_run(int argc, char **argv) {
    vt_limits lim;
    vt_limits_default(&lim);
    vt_run_config cfg = {0};
    cfg.limits = &lim;
    cfg.keep_results = true;
    const char *path = NULL, *outdir = NULL;
    bool json = false;
    char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return 3;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (vt_cli_is_help(a)) {
            fputs(help_text, stdout);
            free(inputs);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--no-fusion") == 0) {
            cfg.no_fusion = true;
        } else if (!strcmp(a, "--entry") || !strcmp(a, "--input") || !strcmp(a, "--random-inputs") || !strcmp(a, "--args") || !strcmp(a, "-o") ||
                   !strcmp(a, "--output") || !strcmp(a, "--limit-bytes") || !strcmp(a, "--fuel") ||
                   !strcmp(a, "--deadline") || !strcmp(a, "--threads") || !strcmp(a, "--max-iterations") ||
                   !strcmp(a, "--replicas") || !strcmp(a, "--partitions")) {
            if (!v) {
                rc = vt_cli_usage("run", "%s needs a value", a);
                break;
            }
            i++;
            if (!strcmp(a, "--entry")) cfg.entry = v;
            else if (!strcmp(a, "--input")) inputs[cfg.ninputs++] = (char *)v;
            else if (!strcmp(a, "--args")) cfg.args_text = v;
            else if (!strcmp(a, "-o") || !strcmp(a, "--output")) outdir = v;
            else if (!strcmp(a, "--deadline")) {
                char *end;
                errno = 0;
                double d = strtod(v, &end);
                if (errno || *end || !(d > 0)) {
                    rc = vt_cli_usage("run", "--deadline: '%s' is not a positive number of seconds", v);
                    break;
                }
                lim.deadline_seconds = d;
            } else {
                if (!vt_cli_parse_u64(v, &u)) {
                    rc = vt_cli_usage("run", "%s: '%s' is not a non-negative integer", a, v);
                    break;
                }
                if (!strcmp(a, "--random-inputs")) cfg.random_inputs = true, cfg.seed = u;
                else if (!strcmp(a, "--limit-bytes")) lim.max_live_bytes = u;
                else if (!strcmp(a, "--fuel")) lim.fuel = u;
                else if (!strcmp(a, "--max-iterations")) lim.max_iterations = u;
                else if (!strcmp(a, "--replicas") || !strcmp(a, "--partitions")) {
                    if (u < 1 || u > 64) {
                        rc = vt_cli_usage("run", "%s must be in 1..64", a);
                        break;
                    }
                    if (a[2] == 'r') cfg.replicas = (uint32_t)u;
                    else cfg.partitions = (uint32_t)u;
                } else if (!strcmp(a, "--threads")) {
                    if (u < 1 || u > 1024) {
                        rc = vt_cli_usage("run", "--threads must be in 1..1024");
                        break;
                    }
                    cfg.threads = (int)u;
                }
            }
        } else if (a[0] == '-' && a[1]) {
            rc = vt_cli_usage("run", "unknown option '%s'", a);
            break;
        } else if (!path) {
            path = a;
        } else {
            rc = vt_cli_usage("run", "one FILE only ('%s' is extra)", a);
            break;
        }
    }
    if (rc == 0 && !path) rc = vt_cli_usage("run", "missing FILE");
    if (rc == 0 && (uint64_t)(cfg.replicas ? cfg.replicas : 1) * (cfg.partitions ? cfg.partitions : 1) > 256)
        rc = vt_cli_usage("run", "--replicas x --partitions must be at most 256 processes");
    if (rc == 0 && cfg.random_inputs && cfg.ninputs) rc = vt_cli_usage("run", "--input and --random-inputs exclude each other");
    if (rc == 0 && cfg.args_text && (cfg.random_inputs || cfg.ninputs))
        rc = vt_cli_usage("run", "--args excludes --input and --random-inputs");
    if (rc) {
        free(inputs);
        return rc;
    }
    cfg.inputs = inputs;
    cfg.logger = (vt_logger){print_log, json ? (void *)stderr : NULL, VT_LOG_INFO};
    vt_part_result *parts;
    size_t n;
    vt_error err;
    vt_status s = vt_run_file(path, &cfg, &parts, &n, &err);
    free(inputs);
    if (s) return vt_cli_fail(&err);
    int code = 0;
    json_t *jparts = json ? json_array() : NULL;
    for (size_t k = 0; k < n; k++) {
        code = combine_exit(code, part_exit(&parts[k]));
        if (json) json_array_append_new(jparts, part_json(&parts[k]));
        else print_part_text(path, &parts[k], k, n);
        if (outdir && parts[k].status == VT_OK && write_results(outdir, &parts[k], k, n, &err) != VT_OK) {
            fprintf(stderr, "veritor: %s\n", err.msg);
            code = combine_exit(code, vt_status_exit_code(err.code));
        }
    }
    if (json) {
        json_t *root = json_object();
        json_object_set_new(root, "file", json_string(path));
        json_object_set_new(root, "parts", jparts);
        json_object_set_new(root, "exit_code", json_integer(code));
        char *txt = json_dumps(root, JSON_INDENT(2));
        if (txt) puts(txt);
        free(txt);
        json_decref(root);
    }
    vt_part_results_free(parts, n);
    return code;
}
