// A custom_call to a target nobody registered: the engine must refuse it by name.
func.func @main() -> tensor<2xf32> {
  %c = stablehlo.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %r = stablehlo.custom_call @evil.syscall(%c) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
