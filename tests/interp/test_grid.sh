#!/bin/sh
# `veritor run --replicas R --partitions P` (the entry as an SPMD program on a process grid) and
# interpreter.print through the engine's logger: per-process results and files, bad grids.
set -u
V="$VERITOR"
PY="${VT_PYTHON:-/usr/bin/python3}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
expect() { # expect CODE FRAGMENT -- command...
    want=$1; frag=$2; shift 3
    out=$("$@" 2>&1); got=$?
    if [ "$got" != "$want" ]; then echo "FAIL: exit $got, expected $want: $*"; echo "$out" | head -5; fail=1; return; fi
    case "$out" in *"$frag"*) ;; *) echo "FAIL: output lacks '$frag': $*"; echo "$out" | head -5; fail=1;; esac
}

# Each process adds its replica id to x, then the replicas of one partition sum their values:
# result 1 is 2x + 1 on every process; result 0 is the replica id, result 2 the partition id.
cat > "$T/spmd.mlir" <<'MLIR'
func.func @main(%x: tensor<3xf32>) -> (tensor<ui32>, tensor<3xf32>, tensor<ui32>) {
  %rid = stablehlo.replica_id : tensor<ui32>
  %pid = stablehlo.partition_id : tensor<ui32>
  %rf = stablehlo.convert %rid : (tensor<ui32>) -> tensor<f32>
  %rb = stablehlo.broadcast_in_dim %rf, dims = [] : (tensor<f32>) -> tensor<3xf32>
  %y = stablehlo.add %x, %rb : tensor<3xf32>
  %s = "stablehlo.all_reduce"(%y) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %c = stablehlo.add %a, %b : tensor<f32>
      stablehlo.return %c : tensor<f32>
  }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<3xf32>) -> tensor<3xf32>
  return %rid, %s, %pid : tensor<ui32>, tensor<3xf32>, tensor<ui32>
}
MLIR
"$PY" -c "import numpy as np; np.save('$T/x.npy', np.array([1, 2.5, -4], np.float32))"

out=$("$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --replicas 2 --partitions 1 -o "$T/o21" 2>&1) || { echo "FAIL: 2x1 run: $out"; fail=1; }
for q in "process (0, 0): result 1: tensor<3xf32>" "process (1, 0): result 0: tensor<ui32>"; do
    case "$out" in *"$q"*) ;; *) echo "FAIL: 2x1 output lacks '$q'"; echo "$out"; fail=1;; esac
done
"$PY" - "$T/o21" 2 1 <<'PY' || fail=1
import sys, numpy as np
d, R, P = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = np.array([1, 2.5, -4], np.float32)
for r in range(R):
    for p in range(P):
        base = f"{d}/r{r}p{p}"
        assert np.load(f"{base}/0.npy") == r, (base, np.load(f"{base}/0.npy"))
        got = np.load(f"{base}/1.npy")
        assert got.dtype == np.float32 and (got == 2 * x + 1).all(), (base, got)
        assert np.load(f"{base}/2.npy") == p, base
PY

out=$("$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --replicas 2 --partitions 2 -o "$T/o22" 2>&1) || { echo "FAIL: 2x2 run: $out"; fail=1; }
n=$(echo "$out" | grep -c "process ([01], [01]): result [012]:")
[ "$n" = 12 ] || { echo "FAIL: 2x2 printed $n process results, expected 12"; echo "$out"; fail=1; }
"$PY" - "$T/o22" 2 2 <<'PY' || fail=1
import sys, numpy as np
d, R, P = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = np.array([1, 2.5, -4], np.float32)
for r in range(R):
    for p in range(P):
        base = f"{d}/r{r}p{p}"
        assert np.load(f"{base}/0.npy") == r and np.load(f"{base}/2.npy") == p, base
        assert (np.load(f"{base}/1.npy") == 2 * x + 1).all(), base
PY

# The JSON report names each result's process.
"$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --replicas 2 --json > "$T/r.json" || { echo "FAIL: json run"; fail=1; }
"$PY" - "$T/r.json" <<'PY' || fail=1
import sys, json
p = json.load(open(sys.argv[1]))["parts"][0]
assert p["replicas"] == 2 and p["partitions"] == 1, p
assert [(r["replica"], r["partition"]) for r in p["results"]] == [(0, 0)] * 3 + [(1, 0)] * 3, p["results"]
PY

# 1 x 1 is the plain run: no process prefixes, same ids as without the options.
cat > "$T/ids.mlir" <<'MLIR'
func.func @main(%x: tensor<3xf32>) -> (tensor<ui32>, tensor<3xf32>, tensor<ui32>) {
  %rid = stablehlo.replica_id : tensor<ui32>
  %pid = stablehlo.partition_id : tensor<ui32>
  %y = stablehlo.add %x, %x : tensor<3xf32>
  return %rid, %y, %pid : tensor<ui32>, tensor<3xf32>, tensor<ui32>
}
MLIR
a=$("$V" run "$T/ids.mlir" --input 0="$T/x.npy" 2>&1 | grep "result")
b=$("$V" run "$T/ids.mlir" --input 0="$T/x.npy" --replicas 1 --partitions 1 2>&1 | grep "result")
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: 1x1 differs from the plain run"; echo "$a"; echo "$b"; fail=1; }
case "$a" in *process*) echo "FAIL: 1x1 run prints processes"; fail=1;; esac
# Without a grid the all_reduce group names replica 1, which does not exist.
expect 2 "outside [0, 1)" -- "$V" run "$T/spmd.mlir" --input 0="$T/x.npy"

# Bad grids are usage errors.
expect 2 "--replicas must be in 1..64" -- "$V" run "$T/spmd.mlir" --replicas 0
expect 2 "--partitions must be in 1..64" -- "$V" run "$T/spmd.mlir" --partitions 65
expect 2 "not a non-negative integer" -- "$V" run "$T/spmd.mlir" --replicas -1
expect 2 "not a non-negative integer" -- "$V" run "$T/spmd.mlir" --replicas 2x
expect 2 "needs a value" -- "$V" run "$T/spmd.mlir" --partitions
expect 2 "at most 256 processes" -- "$V" run "$T/spmd.mlir" --replicas 64 --partitions 8
# Groups that do not fit the grid: 1 replica x 2 partitions names replica 1 again; with 3
# replicas the group [0, 1] leaves replica 2 in no group, which the spec makes an error.
expect 2 "outside [0, 1)" -- "$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --partitions 2
expect 2 "process (replica 2, partition 0)" -- "$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --replicas 3
expect 2 "process 2 is in no group" -- "$V" run "$T/spmd.mlir" --input 0="$T/x.npy" --replicas 3

# interpreter.print goes through the engine's logger: stdout in text mode, stderr with --json.
cat > "$T/print.mlir" <<'MLIR'
func.func @main() -> tensor<2x2xi8> {
  %c = stablehlo.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %b = stablehlo.constant dense<[true, false]> : tensor<2xi1>
  %f = stablehlo.constant dense<1.5> : tensor<f32>
  interpreter.print %c : tensor<2x2xi8>
  interpreter.print %b : tensor<2xi1>
  interpreter.print %f : tensor<f32>
  return %c : tensor<2x2xi8>
}
MLIR
"$V" run "$T/print.mlir" > "$T/print.out" 2>&1 || { echo "FAIL: print run"; cat "$T/print.out"; fail=1; }
cat > "$T/print.want" <<'TXT'
%c = tensor<2x2xi8> {
  [
    [1, -2],
    [3, 4]
  ]
}
%b = tensor<2xi1> {
  [true, false]
}
%f = tensor<f32> {1.500000e+00}
TXT
head -10 "$T/print.out" | cmp -s - "$T/print.want" || { echo "FAIL: print output"; cat "$T/print.out"; fail=1; }
"$V" run "$T/print.mlir" --json 2>/dev/null | "$PY" -c "import json,sys; json.load(sys.stdin)" || { echo "FAIL: print corrupts --json"; fail=1; }
# Inside the grid every process prints, each print whole and named by its process.
"$V" run "$T/print.mlir" --replicas 2 > "$T/print2.out" 2>&1 || { echo "FAIL: print grid run"; fail=1; }
grep -q "^process (1, 0): %c = tensor<2x2xi8> {" "$T/print2.out" || { echo "FAIL: grid print"; cat "$T/print2.out"; fail=1; }

[ "$fail" = 0 ] && echo "test_grid: all passed"
exit $fail
