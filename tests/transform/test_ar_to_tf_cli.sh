#!/bin/sh
# `veritor transform ar-to-tf`: help; the reference decode graph and the JAX-style scan become
# one-pass graphs that parse, verify and (for the scan) reproduce the loop's logits byte for
# byte; `db derive --transform ar-to-tf`; exit codes and messages of refusals and bad input.
set -eu
V=${VERITOR:?VERITOR must name the CLI}
SRC=${VT_SOURCE_DIR:?VT_SOURCE_DIR must name the source tree}
D="$SRC/tests/transform/data"
T=$(mktemp -d "${TMPDIR:-/tmp}/vt-artf-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
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

# ---- help ----
expect 0 "$V" transform ar-to-tf --help
has "$T/out" "usage: veritor transform ar-to-tf FILE"
expect 0 "$V" transform --help
has "$T/out" "ar-to-tf"

# ---- the reference decode graph ----
expect 0 "$V" model init tiny -o "$T/m" --prompt-len 3 --max-new 4
expect 0 "$V" transform ar-to-tf "$T/m/decode.mlir" --explain -o "$T/tf.mlir"
has "$T/err" "6 steps"
has "$T/err" "the given tokens of carry 1"
has "$T/err" "log-probabilities of the tokens of carry 1"
expect 0 "$V" parse "$T/tf.mlir"
has "$T/tf.mlir" "veritor.origin"
expect 0 "$V" transform ar-to-tf "$T/m/decode.mlir" --name replay
has "$T/out" "func.func public @replay("

# ---- the JAX scan: run the loop, replay its tokens, compare all_logits as .npy bytes ----
expect 0 "$V" run "$D/ar_generate.mlir" --args "[dense<3> : tensor<i32>]" -o "$T/ar"
expect 0 "$V" transform ar-to-tf "$D/ar_generate.mlir" --explain -o "$T/g.mlir"
has "$T/err" "arg 0: entry argument 0"
has "$T/err" "arg 1: the given tokens of carry 3"
has "$T/err" "result 0: final buffer of carry 5"
expect 0 "$V" run "$D/ar_generate.mlir" --args "[dense<3> : tensor<i32>]" -o "$T/ar2"
cmp -s "$T/ar/1.npy" "$T/ar2/1.npy" || fail "the loop is not deterministic"
# start token as a scalar .npy: take it from the loop's own token output via the run of a tiny graph
cat >"$T/first.mlir" <<'MLIR'
func.func @main(%t: tensor<5xi32>) -> tensor<i32> {
  %0 = stablehlo.slice %t [0:1] : (tensor<5xi32>) -> tensor<1xi32>
  %1 = stablehlo.reshape %0 : (tensor<1xi32>) -> tensor<i32>
  return %1 : tensor<i32>
}
MLIR
expect 0 "$V" run "$T/first.mlir" --input 0="$T/ar/0.npy" -o "$T/st"
expect 0 "$V" run "$T/g.mlir" --input 0="$T/st/0.npy" --input 1="$T/ar/0.npy" -o "$T/tf"
cmp "$T/tf/0.npy" "$T/ar/1.npy" || fail "teacher forcing all_logits differ from the loop's"

# ---- db derive ----
DB="$T/w.db"
expect 0 "$V" db init "$DB"
expect 0 "$V" db put-graph "$D/ar_generate.mlir" --db "$DB"
G=$(cat "$T/out")
expect 0 "$V" db derive "$G" --db "$DB" --transform ar-to-tf
expect 0 "$V" db ls derivations --db "$DB"
has "$T/out" "ar-to-tf"

# ---- refusals and bad input ----
cat >"$T/sum.mlir" <<'MLIR'
func.func public @main(%arg0: tensor<f32>) -> tensor<f32> {
  %c = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %arg0) : tensor<i32>, tensor<f32>
   cond {
    %c_1 = stablehlo.constant dense<10> : tensor<i32>
    %1 = stablehlo.compare  LT, %iterArg, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  } do {
    %1 = stablehlo.convert %iterArg : (tensor<i32>) -> tensor<f32>
    %2 = stablehlo.add %iterArg_0, %1 : tensor<f32>
    %c_1 = stablehlo.constant dense<1> : tensor<i32>
    %3 = stablehlo.add %iterArg, %c_1 : tensor<i32>
    stablehlo.return %3, %2 : tensor<i32>, tensor<f32>
  }
  return %0#1 : tensor<f32>
}
MLIR
expect 2 "$V" transform ar-to-tf "$T/sum.mlir" -o "$T/x.mlir"
has "$T/err" "not autoregressive"
has "$T/err" "stablehlo.add at @main/1/1/1"
[ ! -e "$T/x.mlir" ] || fail "a refused transform wrote its output"
expect 3 "$V" transform ar-to-tf "$D/ar_generate.mlir" --max-steps 2 -o "$T/x.mlir"
has "$T/err" "over the limit of 2"
expect 2 "$V" transform ar-to-tf "$D/ar_generate.mlir" --max-steps zero -o "$T/x.mlir"
expect 3 "$V" transform ar-to-tf "$D/ar_generate.mlir" --max-analysis-bytes 64 -o "$T/x.mlir"
has "$T/err" "need more than 64 bytes to analyse"
[ ! -e "$T/x.mlir" ] || fail "a transform over its analysis limit wrote its output"
expect 2 "$V" transform ar-to-tf "$D/ar_generate.mlir" --max-analysis-bytes 0 -o "$T/x.mlir"
expect 0 "$V" transform ar-to-tf "$D/ar_generate.mlir" --max-analysis-bytes 100000 -o "$T/x.mlir"
rm -f "$T/x.mlir"
expect 2 "$V" transform ar-to-tf "$D/ar_generate.mlir" --name "a b" -o "$T/x.mlir"
has "$T/err" "not a valid function name"
expect 2 "$V" transform ar-to-tf "$D/ar_generate.mlir" --entry nope -o "$T/x.mlir"
expect 2 "$V" transform ar-to-tf "$T/nonexistent.mlir" -o "$T/x.mlir"
printf 'module @m {\n  func.func @main(%%a: tensor<2xf32>) -> tensor<2xf32> {\n    %%0 = stablehlo.add %%a, ' >"$T/trunc.mlir"
expect 2 "$V" transform ar-to-tf "$T/trunc.mlir" -o "$T/x.mlir"
head -c 3000 /dev/urandom >"$T/junk.mlir"
expect 2 "$V" transform ar-to-tf "$T/junk.mlir" -o "$T/x.mlir"
expect 2 "$V" transform ar-to-tf "$D/ar_generate.mlir" --bogus -o "$T/x.mlir"
echo "ok"
