// Asks for a 2^40-element f32 tensor (4 TiB).
func.func @main() -> tensor<1048576x1048576xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<f32>
  %b = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<1048576x1048576xf32>
  return %b : tensor<1048576x1048576xf32>
}
