// A dot_general of 8192^3 multiply-adds on broadcast constants: refused before any work under
// a fuel budget of 10^11 units.
func.func @main() -> tensor<8192x8192xf32> {
  %c = stablehlo.constant dense<1.0> : tensor<f32>
  %a = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<8192x8192xf32>
  %d = stablehlo.dot_general %a, %a, contracting_dims = [1] x [0] : (tensor<8192x8192xf32>, tensor<8192x8192xf32>) -> tensor<8192x8192xf32>
  return %d : tensor<8192x8192xf32>
}
