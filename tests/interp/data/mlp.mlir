// A small MLP (JAX style: outlined call, dot_general, broadcast bias, ReLU via maximum,
// softmax by reduce), run on random inputs to check determinism across thread counts.
module @jit_mlp {
  func.func public @main(%x: tensor<64x256xf32>, %w1: tensor<256x512xf32>, %b1: tensor<512xf32>, %w2: tensor<512x128xf32>) -> tensor<64x128xf32> {
    %h = call @layer(%x, %w1, %b1) : (tensor<64x256xf32>, tensor<256x512xf32>, tensor<512xf32>) -> tensor<64x512xf32>
    %o = stablehlo.dot_general %h, %w2, contracting_dims = [1] x [0] : (tensor<64x512xf32>, tensor<512x128xf32>) -> tensor<64x128xf32>
    %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %m = stablehlo.reduce(%o init: %ninf) applies stablehlo.maximum across dimensions = [1] : (tensor<64x128xf32>, tensor<f32>) -> tensor<64xf32>
    %mb = stablehlo.broadcast_in_dim %m, dims = [0] : (tensor<64xf32>) -> tensor<64x128xf32>
    %s = stablehlo.subtract %o, %mb : tensor<64x128xf32>
    %e = stablehlo.exponential %s : tensor<64x128xf32>
    %zero = stablehlo.constant dense<0.0> : tensor<f32>
    %sum = stablehlo.reduce(%e init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<64x128xf32>, tensor<f32>) -> tensor<64xf32>
    %sb = stablehlo.broadcast_in_dim %sum, dims = [0] : (tensor<64xf32>) -> tensor<64x128xf32>
    %p = stablehlo.divide %e, %sb : tensor<64x128xf32>
    return %p : tensor<64x128xf32>
  }
  func.func private @layer(%x: tensor<64x256xf32>, %w: tensor<256x512xf32>, %b: tensor<512xf32>) -> tensor<64x512xf32> {
    %d = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<64x256xf32>, tensor<256x512xf32>) -> tensor<64x512xf32>
    %bb = stablehlo.broadcast_in_dim %b, dims = [1] : (tensor<512xf32>) -> tensor<64x512xf32>
    %a = stablehlo.add %d, %bb : tensor<64x512xf32>
    %z = stablehlo.constant dense<0.0> : tensor<64x512xf32>
    %r = stablehlo.maximum %a, %z : tensor<64x512xf32>
    return %r : tensor<64x512xf32>
  }
}
