#!/bin/sh
# `veritor run --args "[dense<...> : tensor<...>, ...]"` (stablehlo-translate's way of passing
# every argument): values reach the entry, and malformed, mistyped, miscounted, oversized and
# trailing-garbage argument lists are refused with exit 2 and a message naming the problem.
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
cat > "$T/add.mlir" <<'MLIR'
func.func @main(%a: tensor<2xi32>, %b: tensor<2xf32>) -> (tensor<2xi32>, tensor<2xf32>) {
  %0 = stablehlo.add %a, %a : tensor<2xi32>
  %1 = stablehlo.multiply %b, %b : tensor<2xf32>
  return %0, %1 : tensor<2xi32>, tensor<2xf32>
}
MLIR
"$V" run "$T/add.mlir" --args "[dense<[3, -4]> : tensor<2xi32>, dense<1.5> : tensor<2xf32>]" -o "$T/out" >/dev/null 2>&1 \
    || { echo "FAIL: a valid --args run"; fail=1; }
"$PY" - "$T/out" <<'PY' || fail=1
import sys, numpy as np
d = sys.argv[1]
a, b = np.load(d + "/0.npy"), np.load(d + "/1.npy")
assert a.dtype == np.int32 and a.tolist() == [6, -8], a
assert b.dtype == np.float32 and b.tolist() == [2.25, 2.25], b
PY
A="$T/add.mlir"
expect 2 "unknown attribute 'not_array'" -- "$V" run "$A" --args "not_array"
expect 2 "expected an array attribute" -- "$V" run "$A" --args "dense<1> : tensor<2xi32>"
expect 2 "element 0 is not a dense elements attribute" -- "$V" run "$A" --args "[4.0 : f32, 1]"
expect 2 "1 values for the 2 arguments of @main" -- "$V" run "$A" --args "[dense<1> : tensor<2xi32>]"
expect 2 "element 1 has type tensor<2xi32>" -- "$V" run "$A" --args "[dense<1> : tensor<2xi32>, dense<1> : tensor<2xi32>]"
expect 2 "unexpected text after the attribute" -- "$V" run "$A" --args "[dense<1> : tensor<2xi32>, dense<1.0> : tensor<2xf32>] extra"
expect 2 "--args:1:" -- "$V" run "$A" --args "[dense<1> : tensor<2xi32>, dense<1.0> : tensor<2xf32"
expect 2 "" -- "$V" run "$A" --args "[dense<[1, 2, 3]> : tensor<2xi32>, dense<1.0> : tensor<2xf32>]"
expect 3 "more elements than the limit" -- "$V" run "$A" --args "[dense<1> : tensor<9999999999999xi32>, dense<1.0> : tensor<2xf32>]"
expect 2 "excludes" -- "$V" run "$A" --args "[]" --random-inputs 1
# Oversized types and deep nesting hit the parser's limits (exit 3), not memory or the stack.
deep=$("$PY" -c "print('[' * 5000 + ']' * 5000)")
expect 3 "nesting deeper than the limit" -- "$V" run "$A" --args "$deep"
exit $fail
