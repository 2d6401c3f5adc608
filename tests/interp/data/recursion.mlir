// Unbounded recursion through func.call.
func.func @main() -> tensor<i32> {
  %c = stablehlo.constant dense<1> : tensor<i32>
  %r = func.call @f(%c) : (tensor<i32>) -> tensor<i32>
  return %r : tensor<i32>
}
func.func private @f(%x: tensor<i32>) -> tensor<i32> {
  %r = func.call @f(%x) : (tensor<i32>) -> tensor<i32>
  return %r : tensor<i32>
}
