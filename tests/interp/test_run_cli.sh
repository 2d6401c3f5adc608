#!/bin/sh
# `veritor run`: exit codes for limits (3) and refusals (2), determinism of results across
# thread counts, output files, JSON report, input binding errors.
set -u
V="$VERITOR"
PY="${VT_PYTHON:-/usr/bin/python3}"
D="$VT_SOURCE_DIR/tests/interp/data"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
expect() { # expect CODE FRAGMENT -- command...
    want=$1; frag=$2; shift 3
    out=$("$@" 2>&1); got=$?
    if [ "$got" != "$want" ]; then echo "FAIL: exit $got, expected $want: $*"; echo "$out" | head -5; fail=1; return; fi
    case "$out" in *"$frag"*) ;; *) echo "FAIL: output lacks '$frag': $*"; echo "$out" | head -5; fail=1;; esac
}
expect 3 "while-loop iteration limit" -- "$V" run "$D/endless_loop.mlir"
expect 3 "call depth limit" -- "$V" run "$D/recursion.mlir"
expect 3 "exceeds the limit" -- "$V" run "$D/giant_alloc.mlir"
expect 3 "work limit (fuel)" -- "$V" run "$D/giant_dot.mlir" --fuel 100000000000
expect 3 "live memory limit" -- "$V" run "$D/mlp.mlir" --random-inputs 1 --limit-bytes 100000
expect 3 "deadline" -- "$V" run "$D/endless_loop.mlir" --deadline 0.2 --max-iterations 0
expect 2 "custom_call target 'evil.syscall' is not registered" -- "$V" run "$D/unregistered.mlir"
expect 2 "has no input" -- "$V" run "$D/mlp.mlir"
expect 2 "no argument named 'nope'" -- "$V" run "$D/mlp.mlir" --input nope=x.npy
expect 2 "unknown option" -- "$V" run "$D/mlp.mlir" --bogus
expect 2 "missing FILE" -- "$V" run
expect 2 "cannot open" -- "$V" run "$T/does-not-exist.mlir"
expect 0 "usage: veritor run" -- "$V" run --help

# Determinism: identical result ids for 1, 2 and 8 threads, and across repeated runs.
ids=""
for th in 1 2 8 1; do
    id=$("$V" run "$D/mlp.mlir" --random-inputs 7 --threads $th | awk '/result 0/ {print $NF}')
    [ -n "$id" ] || { echo "FAIL: no result id with --threads $th"; fail=1; }
    ids="$ids $id"
done
n=$(echo $ids | tr ' ' '\n' | sort -u | wc -l)
[ "$n" = 1 ] || { echo "FAIL: results differ across thread counts: $ids"; fail=1; }

# Output files and the JSON report.
"$V" run "$D/mlp.mlir" --random-inputs 7 -o "$T/out" --json > "$T/report.json" || { echo "FAIL: run -o"; fail=1; }
[ -f "$T/out/0.npy" ] || { echo "FAIL: no $T/out/0.npy"; fail=1; }
"$PY" - "$T/report.json" "$T/out/0.npy" <<'PY' || fail=1
import json, sys
import numpy as np
r = json.load(open(sys.argv[1]))
p = r["parts"][0]
assert p["status"] == "ok" and r["exit_code"] == 0, r
assert p["results"][0]["dtype"] == "f32" and p["results"][0]["shape"] == [64, 128]
a = np.load(sys.argv[2])
assert a.shape == (64, 128) and a.dtype == np.float32
# each row is a softmax: sums to 1
assert np.allclose(a.sum(axis=1), 1.0, atol=1e-5), a.sum(axis=1)
PY

# A file written by numpy as an input.
"$PY" -c "import numpy as np; np.save('$T/x.npy', np.arange(64*256, dtype=np.float32).reshape(64,256) / 1e4)"
"$V" run "$D/mlp.mlir" --input 0="$T/x.npy" --random-inputs 1 >/dev/null 2>&1 && { echo "FAIL: --input with --random-inputs accepted"; fail=1; }
expect 2 "argument 1" -- "$V" run "$D/mlp.mlir" --input 0="$T/x.npy"
"$PY" -c "import numpy as np; np.save('$T/bad.npy', np.zeros((3,3), dtype=np.float32))"
expect 2 "expected tensor<64x256xf32>, got tensor<3x3xf32>" -- "$V" run "$D/mlp.mlir" --input 0="$T/bad.npy" --input 1="$T/bad.npy" --input 2="$T/bad.npy" --input 3="$T/bad.npy"

[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
