#!/bin/sh
# run_parallel + collectives, dynamic-shape ops, fft, triangular_solve, cholesky, chlo.mulhi and
# chlo.scan through `veritor run`: results checked by check.* ops in the programs, and bad
# programs refused with the exact exit code and a message fragment.
set -u
V="$VERITOR"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
expect() { # expect CODE FRAGMENT FILE [args...]
    want=$1; frag=$2; shift 2
    out=$("$V" run "$@" 2>&1); got=$?
    if [ "$got" != "$want" ]; then echo "FAIL: exit $got, expected $want: $*"; echo "$out" | head -5; fail=1; return; fi
    case "$out" in *"$frag"*) ;; *) echo "FAIL: output lacks '$frag': $*"; echo "$out" | head -5; fail=1;; esac
}
w() { cat >"$T/$1.mlir"; }

# 2 replicas x 2 partitions: all_reduce over cross_replica_and_partition groups, combined in group order
w ar <<'EOF'
func.func @ar(%x : tensor<2xf32>) -> tensor<2xf32> {
  %r = "stablehlo.all_reduce"(%x) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %0 = stablehlo.add %a, %b : tensor<f32>
      stablehlo.return %0 : tensor<f32>
  }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>,
      channel_handle = #stablehlo.channel_handle<handle = 1, type = 0>} : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
func.func @main() {
  %a = stablehlo.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = stablehlo.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %c = stablehlo.constant dense<[100.0, 200.0]> : tensor<2xf32>
  %d = stablehlo.constant dense<[1000.0, 2000.0]> : tensor<2xf32>
  %r:4 = "interpreter.run_parallel"(%a, %b, %c, %d) {programs = [[@ar, @ar], [@ar, @ar]]}
    : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  check.expect_eq_const %r#0, dense<[1111.0, 2222.0]> : tensor<2xf32>
  check.expect_eq_const %r#3, dense<[1111.0, 2222.0]> : tensor<2xf32>
  func.return
}
EOF
expect 0 "" "$T/ar.mlir"
# the checks hold whatever the kernel thread count (processes take turns; see docs/collectives.md)
expect 0 "" "$T/ar.mlir" --threads 1
expect 0 "" "$T/ar.mlir" --threads 4

# collective_permute: a target that receives nothing gets zeros; all_to_all; all_gather; send/recv
w perm <<'EOF'
func.func @p(%x : tensor<2xi32>) -> tensor<2xi32> {
  %r = "stablehlo.collective_permute"(%x) {source_target_pairs = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<2xi32>) -> tensor<2xi32>
  return %r : tensor<2xi32>
}
func.func @g(%x : tensor<1x2xi32>) -> tensor<3x2xi32> {
  %r = "stablehlo.all_gather"(%x) {all_gather_dim = 0 : i64, replica_groups = dense<[[2, 0, 1]]> : tensor<1x3xi64>} : (tensor<1x2xi32>) -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}
func.func @main() {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %b = stablehlo.constant dense<[3, 4]> : tensor<2xi32>
  %c = stablehlo.constant dense<[5, 6]> : tensor<2xi32>
  %r:3 = "interpreter.run_parallel"(%a, %b, %c) {programs = [[@p], [@p], [@p]]} : (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>)
  check.expect_eq_const %r#0, dense<[0, 0]> : tensor<2xi32>
  check.expect_eq_const %r#1, dense<[1, 2]> : tensor<2xi32>
  check.expect_eq_const %r#2, dense<[3, 4]> : tensor<2xi32>
  %x = stablehlo.constant dense<[[1, 2]]> : tensor<1x2xi32>
  %y = stablehlo.constant dense<[[3, 4]]> : tensor<1x2xi32>
  %z = stablehlo.constant dense<[[5, 6]]> : tensor<1x2xi32>
  %g:3 = "interpreter.run_parallel"(%x, %y, %z) {programs = [[@g], [@g], [@g]]} : (tensor<1x2xi32>, tensor<1x2xi32>, tensor<1x2xi32>) -> (tensor<3x2xi32>, tensor<3x2xi32>, tensor<3x2xi32>)
  check.expect_eq_const %g#1, dense<[[5, 6], [1, 2], [3, 4]]> : tensor<3x2xi32>
  func.return
}
EOF
expect 0 "" "$T/perm.mlir"

# hostile / malformed collectives
w recv_alone <<'EOF'
func.func @r(%t : !stablehlo.token) -> (tensor<2xi32>, !stablehlo.token) {
  %v, %t2 = "stablehlo.recv"(%t) {channel_handle = #stablehlo.channel_handle<handle = 5, type = 3>} : (!stablehlo.token) -> (tensor<2xi32>, !stablehlo.token)
  return %v, %t2 : tensor<2xi32>, !stablehlo.token
}
func.func @main() {
  %t = stablehlo.after_all : !stablehlo.token
  %r:4 = "interpreter.run_parallel"(%t, %t) {programs = [[@r], [@r]]} : (!stablehlo.token, !stablehlo.token) -> (tensor<2xi32>, !stablehlo.token, tensor<2xi32>, !stablehlo.token)
  func.return
}
EOF
expect 2 "no process sends on channel 5" "$T/recv_alone.mlir"
w badgroup <<'EOF'
func.func @g(%x : tensor<2xi32>) -> tensor<2xi32> {
  %r = "stablehlo.all_reduce"(%x) ({
    ^bb0(%a: tensor<i32>, %b: tensor<i32>):
      %0 = stablehlo.add %a, %b : tensor<i32>
      stablehlo.return %0 : tensor<i32>
  }) {replica_groups = dense<[[0, 7]]> : tensor<1x2xi64>} : (tensor<2xi32>) -> tensor<2xi32>
  return %r : tensor<2xi32>
}
func.func @main() {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %r:2 = "interpreter.run_parallel"(%a, %a) {programs = [[@g], [@g]]} : (tensor<2xi32>, tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>)
  func.return
}
EOF
expect 2 "id 7 in its groups is outside [0, 2)" "$T/badgroup.mlir"
# one process skips the collective the other waits in: an error, never a hang
w mismatch <<'EOF'
func.func @g(%x : tensor<2xi32>) -> tensor<2xi32> {
  %r = "stablehlo.all_reduce"(%x) ({
    ^bb0(%a: tensor<i32>, %b: tensor<i32>):
      %0 = stablehlo.add %a, %b : tensor<i32>
      stablehlo.return %0 : tensor<i32>
  }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2xi32>) -> tensor<2xi32>
  return %r : tensor<2xi32>
}
func.func @idle(%x : tensor<2xi32>) -> tensor<2xi32> {
  return %x : tensor<2xi32>
}
func.func @main() {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %r:2 = "interpreter.run_parallel"(%a, %a) {programs = [[@g], [@idle]]} : (tensor<2xi32>, tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>)
  func.return
}
EOF
expect 2 "does not take part in the same collective" "$T/mismatch.mlir"
w badprog <<'EOF'
func.func @main() {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %r:2 = "interpreter.run_parallel"(%a, %a) {programs = [[@nope], [@nope]]} : (tensor<2xi32>, tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>)
  func.return
}
EOF
expect 2 "is not a function of the module" "$T/badprog.mlir"
w badcount <<'EOF'
func.func @f(%x : tensor<2xi32>) -> tensor<2xi32> {
  return %x : tensor<2xi32>
}
func.func @main() {
  %a = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %r:3 = "interpreter.run_parallel"(%a, %a, %a) {programs = [[@f], [@f]]} : (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>)
  func.return
}
EOF
expect 2 "programs take 2 operands and give 2 results" "$T/badcount.mlir"

# dynamic ops: shapes from operands; inconsistent or hostile shapes are refused
w dyn <<'EOF'
func.func @main() {
  %x = stablehlo.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %s = stablehlo.constant dense<[3, 2]> : tensor<2xi64>
  %r = stablehlo.dynamic_reshape %x, %s : (tensor<2x3xi32>, tensor<2xi64>) -> tensor<?x?xi32>
  check.expect_eq_const %r, dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi32>
  %i = stablehlo.dynamic_iota %s, dim = 1 : (tensor<2xi64>) -> tensor<?x2xi32>
  check.expect_eq_const %i, dense<[[0, 1], [0, 1], [0, 1]]> : tensor<3x2xi32>
  %v = stablehlo.constant dense<[7, 8]> : tensor<2xi32>
  %b = "stablehlo.dynamic_broadcast_in_dim"(%v, %s) {broadcast_dimensions = array<i64: 1>} : (tensor<2xi32>, tensor<2xi64>) -> tensor<?x?xi32>
  check.expect_eq_const %b, dense<[[7, 8], [7, 8], [7, 8]]> : tensor<3x2xi32>
  %z = stablehlo.constant dense<0> : tensor<i32>
  %lo = stablehlo.constant dense<[1]> : tensor<1xi64>
  %hi = stablehlo.constant dense<[0]> : tensor<1xi64>
  %in = stablehlo.constant dense<[1]> : tensor<1xi64>
  %p = stablehlo.dynamic_pad %v, %z, %lo, %hi, %in : (tensor<2xi32>, tensor<i32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xi32>
  check.expect_eq_const %p, dense<[0, 7, 0, 8]> : tensor<4xi32>
  func.return
}
EOF
expect 0 "" "$T/dyn.mlir"
w dyn_bad <<'EOF'
func.func @main() {
  %x = stablehlo.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
  %s = stablehlo.constant dense<[4, 2]> : tensor<2xi64>
  %r = stablehlo.dynamic_reshape %x, %s : (tensor<6xi32>, tensor<2xi64>) -> tensor<?x?xi32>
  func.return
}
EOF
expect 2 "output_shape has 8 elements, the operand 6" "$T/dyn_bad.mlir"
w dyn_neg <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[-3, 2]> : tensor<2xi64>
  %i = stablehlo.dynamic_iota %s, dim = 0 : (tensor<2xi64>) -> tensor<?x2xi32>
  func.return
}
EOF
expect 2 "run-time dim 0 is negative" "$T/dyn_neg.mlir"
w dyn_huge <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[3, 5]> : tensor<2xi64>
  %i = stablehlo.dynamic_iota %s, dim = 0 : (tensor<2xi64>) -> tensor<?x4xi32>
  func.return
}
EOF
expect 2 "run-time dim 1 is 5 but the result type says 4" "$T/dyn_huge.mlir"
w dyn_huge2 <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[4611686018427387904, 4]> : tensor<2xi64>
  %i = stablehlo.dynamic_iota %s, dim = 0 : (tensor<2xi64>) -> tensor<?x?xi32>
  func.return
}
EOF
expect 3 "tensor size limit" "$T/dyn_huge2.mlir"

# linear algebra, fft, chlo
w lin <<'EOF'
func.func @main() {
  %a = stablehlo.constant dense<[[2.0, 0.0], [1.0, 4.0]]> : tensor<2x2xf64>
  %b = stablehlo.constant dense<[[2.0], [9.0]]> : tensor<2x1xf64>
  %x = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose NO_TRANSPOSE>} : (tensor<2x2xf64>, tensor<2x1xf64>) -> tensor<2x1xf64>
  check.expect_eq_const %x, dense<[[1.0], [2.0]]> : tensor<2x1xf64>
  %y = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose TRANSPOSE>} : (tensor<2x2xf64>, tensor<2x1xf64>) -> tensor<2x1xf64>
  check.expect_eq_const %y, dense<[[-0.125], [2.25]]> : tensor<2x1xf64>
  %s = stablehlo.constant dense<[[4.0, 2.0], [2.0, 5.0]]> : tensor<2x2xf64>
  %l = stablehlo.cholesky %s, lower = true : tensor<2x2xf64>
  check.expect_eq_const %l, dense<[[2.0, 0.0], [1.0, 2.0]]> : tensor<2x2xf64>
  %np = stablehlo.constant dense<[[1.0, 2.0], [2.0, 1.0]]> : tensor<2x2xf64>
  %n = stablehlo.cholesky %np, lower = true : tensor<2x2xf64>
  %nn = stablehlo.is_finite %n : (tensor<2x2xf64>) -> tensor<2x2xi1>
  check.expect_eq_const %nn, dense<false> : tensor<2x2xi1>
  %c = stablehlo.constant dense<[(1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]> : tensor<3xcomplex<f64>>
  %f = stablehlo.fft %c, type = FFT, length = [3] : (tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>>
  %g = stablehlo.fft %f, type = IFFT, length = [3] : (tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>>
  check.expect_almost_eq_const %g, dense<[(1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]> : tensor<3xcomplex<f64>>
  %rr = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %rf = stablehlo.fft %rr, type = RFFT, length = [4] : (tensor<4xf32>) -> tensor<3xcomplex<f32>>
  check.expect_almost_eq_const %rf, dense<[(10.0, 0.0), (-2.0, 2.0), (-2.0, 0.0)]> : tensor<3xcomplex<f32>>
  %ir = stablehlo.fft %rf, type = IRFFT, length = [4] : (tensor<3xcomplex<f32>>) -> tensor<4xf32>
  check.expect_almost_eq_const %ir, dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m1 = stablehlo.constant dense<[-1, 9223372036854775807]> : tensor<2xi64>
  %m2 = stablehlo.constant dense<[-1, 4]> : tensor<2xi64>
  %mh = "chlo.mulhi"(%m1, %m2) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  check.expect_eq_const %mh, dense<[0, 1]> : tensor<2xi64>
  func.return
}
EOF
expect 0 "" "$T/lin.mlir"
w lin_bad <<'EOF'
func.func @main() {
  %a = stablehlo.constant dense<[[2.0, 0.0, 1.0], [1.0, 4.0, 1.0]]> : tensor<2x3xf32>
  %b = stablehlo.constant dense<[[2.0], [9.0]]> : tensor<2x1xf32>
  %x = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose NO_TRANSPOSE>} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  func.return
}
EOF
expect 2 "square" "$T/lin_bad.mlir"
w fft_bad <<'EOF'
func.func @main() {
  %c = stablehlo.constant dense<[(1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]> : tensor<3xcomplex<f32>>
  %f = stablehlo.fft %c, type = FFT, length = [4] : (tensor<3xcomplex<f32>>) -> tensor<3xcomplex<f32>>
  func.return
}
EOF
expect 2 "fft_length needs 4" "$T/fft_bad.mlir"
w fft_fuel <<'EOF'
func.func @main() {
  %c = stablehlo.iota dim = 0 : tensor<99991xcomplex<f32>>
  %f = stablehlo.fft %c, type = FFT, length = [99991] : (tensor<99991xcomplex<f32>>) -> tensor<99991xcomplex<f32>>
  func.return
}
EOF
expect 3 "work limit (fuel)" "$T/fft_fuel.mlir" --fuel 1000000

# dynamic_gather / dynamic_conv take sizes and padding from operands: hostile values are refused
w dg_bad <<'EOF'
func.func @main() {
  %x = stablehlo.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %i = stablehlo.constant dense<[[0], [1]]> : tensor<2x1xi64>
  %ss = stablehlo.constant dense<[1, 9]> : tensor<2xi64>
  %r = "stablehlo.dynamic_gather"(%x, %i, %ss) {
    dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>
  } : (tensor<2x2xi64>, tensor<2x1xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  func.return
}
EOF
expect 2 "slice_sizes[1] = 9 outside [0, 2]" "$T/dg_bad.mlir"
w dg_ok <<'EOF'
func.func @main() {
  %x = stablehlo.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %i = stablehlo.constant dense<[[1], [0]]> : tensor<2x1xi64>
  %ss = stablehlo.constant dense<[1, 2]> : tensor<2xi64>
  %r = "stablehlo.dynamic_gather"(%x, %i, %ss) {
    dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>
  } : (tensor<2x2xi64>, tensor<2x1xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  check.expect_eq_const %r, dense<[[3, 4], [1, 2]]> : tensor<2x2xi64>
  func.return
}
EOF
expect 0 "" "$T/dg_ok.mlir"
w dconv_bad <<'EOF'
func.func @main() {
  %lhs = stablehlo.constant dense<1> : tensor<1x4x4x1xi64>
  %rhs = stablehlo.constant dense<1> : tensor<3x3x1x1xi64>
  %padding = stablehlo.constant dense<[[4611686018427387904, 0], [0, 0]]> : tensor<2x2xi64>
  %result = "stablehlo.dynamic_conv"(%lhs, %rhs, %padding) {
    window_strides = array<i64: 1, 1>,
    lhs_dilation = array<i64: 1, 1>,
    rhs_dilation = array<i64: 1, 1>,
    dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>,
    feature_group_count = 1 : i64,
    batch_group_count = 1 : i64
  } : (tensor<1x4x4x1xi64>, tensor<3x3x1x1xi64>, tensor<2x2xi64>) -> tensor<1x2x2x1xi64>
  func.return
}
EOF
expect 2 "padding/dilation overflow" "$T/dconv_bad.mlir"

# rng_bit_generator THREE_FRY: golden words from the testdata file (key (1, 4), counter 2^32)
w rng <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[17179869185, 4294967296]> : tensor<2xui64>
  %ns, %o = stablehlo.rng_bit_generator %s, algorithm = THREE_FRY : (tensor<2xui64>) -> (tensor<2xui64>, tensor<2xui64>)
  check.expect_eq_const %o, dense<[11811099535163642817, 2679220122055838158]> : tensor<2xui64>
  check.expect_eq_const %ns, dense<[17179869185, 4294967298]> : tensor<2xui64>
  func.return
}
EOF
expect 0 "" "$T/rng.mlir"
w rng_philox <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[1, 2, 3]> : tensor<3xui64>
  %ns, %o = stablehlo.rng_bit_generator %s, algorithm = PHILOX : (tensor<3xui64>) -> (tensor<3xui64>, tensor<2xui32>)
  check.expect_eq_const %o, dense<[4031113034, 1366700262]> : tensor<2xui32>
  check.expect_eq_const %ns, dense<[1, 3, 3]> : tensor<3xui64>
  func.return
}
EOF
# Philox-4x32-10 with XLA's key/counter layout (docs/rng.md); bits agree with an independent
# Python Philox (tests/interp/test_rng_philox.c has the Random123 known answers).
expect 0 "" "$T/rng_philox.mlir"
w rng_badstate <<'EOF'
func.func @main() {
  %s = stablehlo.constant dense<[1, 2, 3]> : tensor<3xui64>
  %ns, %o = stablehlo.rng_bit_generator %s, algorithm = THREE_FRY : (tensor<3xui64>) -> (tensor<3xui64>, tensor<2xui32>)
  func.return
}
EOF
expect 2 "state must be a 2-element" "$T/rng_badstate.mlir"

exit $fail
