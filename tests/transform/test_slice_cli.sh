#!/bin/sh
# `veritor transform slice` and `split-batch`: help, outputs that parse and compute the same
# values as the source (compared as .npy bytes), `db derive`, and the exit codes and messages
# of bad ids, bad layouts and graphs that mix batch elements.
set -eu
V=${VERITOR:?VERITOR must name the CLI}
PY=${VT_PYTHON:-python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/vt-slice-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE CMD...: runs CMD, output in $T/out and $T/err, checks the exit code
expect() {
    want=$1
    shift
    set +e
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "exit $rc, expected $want: $*"; }
}
has() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }; }

cat >"$T/g.mlir" <<'MLIR'
func.func @main(%x: tensor<4x3xf32>, %w: tensor<3x3xf32>) -> tensor<4x3xf32> {
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<4x3xf32>, tensor<3x3xf32>) -> tensor<4x3xf32>
  %1 = stablehlo.tanh %0 : tensor<4x3xf32>
  %2 = stablehlo.multiply %1, %x : tensor<4x3xf32>
  return %2 : tensor<4x3xf32>
}
MLIR
cat >"$T/mix.mlir" <<'MLIR'
func.func @main(%x: tensor<4x3xf32>) -> tensor<3xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %r = stablehlo.reduce(%x init: %c) applies stablehlo.add across dimensions = [0] : (tensor<4x3xf32>, tensor<f32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
MLIR
"$PY" - "$T" <<'PY'
import sys, numpy as np
d = sys.argv[1]
x = (np.arange(12, dtype=np.float32).reshape(4, 3) - 5.5) / 3
w = np.array([[0.5, -1, 0.25], [1.5, 0.75, -0.5], [-2, 0.125, 1]], dtype=np.float32)
np.save(d + "/x.npy", x); np.save(d + "/w.npy", w)
np.save(d + "/x01.npy", x[0:2]); np.save(d + "/x23.npy", x[2:4])
PY

# ---- help ----
expect 0 "$V" transform slice --help
has "$T/out" "usage: veritor transform slice FILE --target"
expect 0 "$V" transform split-batch --help
has "$T/out" "--sub-batch S"
expect 0 "$V" transform --help
has "$T/out" "split-batch"

# ---- slice: from @main/1 to @main/2 equals the full run ----
expect 0 "$V" run "$T/g.mlir" --input 0="$T/x.npy" --input 1="$T/w.npy" -o "$T/full"
expect 0 "$V" transform slice "$T/g.mlir" --target @main/1 -o "$T/a.mlir"
expect 0 "$V" run "$T/a.mlir" --input 0="$T/x.npy" --input 1="$T/w.npy" -o "$T/a"
expect 0 "$V" transform slice "$T/g.mlir" --from @main/1 --target @main/2 --name replay -o "$T/s.mlir"
expect 0 "$V" parse "$T/s.mlir"
has "$T/s.mlir" 'func.func public @replay'
has "$T/s.mlir" 'veritor.origin = "@main/1"'
has "$T/s.mlir" 'veritor.origin = "@main:arg0"'
expect 0 "$V" run "$T/s.mlir" --entry replay --input 0="$T/a/0.npy" --input 1="$T/x.npy" -o "$T/s"
cmp "$T/s/0.npy" "$T/full/0.npy" || fail "slice result differs from the full run"
# stdout when no -o; an id map on request
expect 0 "$V" transform slice "$T/g.mlir" --target "@main/0, @main/1" --id-map "$T/map.json"
has "$T/out" "func.func"
has "$T/map.json" '"origin": "@main/1"'

# ---- split-batch: rows 0:2 and 2:4 equal the full run's ----
expect 0 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-1 --result-dims 0 --sub-batch 2 -o "$T/b.mlir"
expect 0 "$V" parse "$T/b.mlir"
has "$T/b.mlir" "tensor<2x3xf32>"
expect 0 "$V" run "$T/b.mlir" --input 0="$T/x01.npy" --input 1="$T/w.npy" -o "$T/b01"
expect 0 "$V" run "$T/b.mlir" --input 0="$T/x23.npy" --input 1="$T/w.npy" -o "$T/b23"
"$PY" - "$T" <<'PY'
import sys, numpy as np
d = sys.argv[1]
full = np.load(d + "/full/0.npy")
a, b = np.load(d + "/b01/0.npy"), np.load(d + "/b23/0.npy")
assert a.shape == (2, 3) and b.shape == (2, 3), (a.shape, b.shape)
assert np.array_equal(np.concatenate([a, b]).view(np.uint32), full.view(np.uint32)), "split rows differ"
PY

# ---- db derive records both transforms ----
DB="$T/w.db"
expect 0 "$V" db init "$DB"
expect 0 "$V" db put-graph "$T/g.mlir" --db "$DB"
G=$(cat "$T/out")
expect 0 "$V" db derive "$G" --db "$DB" --transform slice --target @main/2 --from @main/1
expect 0 "$V" db derive "$G" --db "$DB" --transform split-batch --arg-dims 0,-1 --result-dims 0 --sub-batch 1
expect 0 "$V" db ls derivations --db "$DB"
has "$T/out" "split-batch"
has "$T/out" "slice"

# ---- refusals ----
expect 1 "$V" transform slice "$T/g.mlir" --target @main/77 -o "$T/x.mlir"
has "$T/err" "@main/77"
expect 2 "$V" transform slice "$T/g.mlir" --target @main/3 -o "$T/x.mlir"
has "$T/err" "has no results"
expect 2 "$V" transform slice "$T/g.mlir" -o "$T/x.mlir"
has "$T/err" "no --target"
expect 2 "$V" transform slice "$T/g.mlir" --target @main/1 --entry main -o "$T/x.mlir"
expect 2 "$V" transform slice "$T/nonexistent.mlir" --target @main/1 -o "$T/x.mlir"
expect 2 "$V" transform slice "$T/g.mlir" --target @main/1 --name "a b" -o "$T/x.mlir"
has "$T/err" "not a valid function name"
expect 2 "$V" transform slice "$T/g.mlir" --target @main/1:7 -o "$T/x.mlir"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-1 --result-dims 0 --sub-batch 3 -o "$T/x.mlir"
has "$T/err" "does not divide the batch size 4"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,x --result-dims 0 --sub-batch 2 -o "$T/x.mlir"
has "$T/err" "not a list"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-7 --result-dims 0 --sub-batch 2 -o "$T/x.mlir"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0 --result-dims 0 --sub-batch 2 -o "$T/x.mlir"
has "$T/err" "1 argument batch dims given, @main has 2 arguments"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-1 --result-dims 0 --sub-batch 0 -o "$T/x.mlir"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-1 --result-dims 0 --sub-batch 99999999999999999999 -o "$T/x.mlir"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 0,-1 --sub-batch 2 -o "$T/x.mlir"
has "$T/err" "required"
expect 2 "$V" transform split-batch "$T/g.mlir" --arg-dims 5,-1 --result-dims 0 --sub-batch 2 -o "$T/x.mlir"
has "$T/err" "batch dim 5 outside"
expect 2 "$V" transform split-batch "$T/mix.mlir" --arg-dims 0 --result-dims -1 --sub-batch 2 -o "$T/x.mlir"
has "$T/err" "@main/1 stablehlo.reduce reduces over batch dim 0"
[ ! -e "$T/x.mlir" ] || fail "a refused transform wrote its output"
echo "ok"
