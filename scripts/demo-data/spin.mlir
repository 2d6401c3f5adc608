module @jit_spin attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<8xf32>) -> (tensor<8xf32> {jax.result_info = ""}) {
    %c = stablehlo.constant dense<0> : tensor<i64>
    %n = stablehlo.constant dense<1000000000000> : tensor<i64>
    %0:2 = stablehlo.while(%iterArg = %c, %iterArg_0 = %arg0) : tensor<i64>, tensor<8xf32>
     cond {
      %1 = stablehlo.compare  LT, %iterArg, %n,  SIGNED : (tensor<i64>, tensor<i64>) -> tensor<i1>
      stablehlo.return %1 : tensor<i1>
    } do {
      %1 = stablehlo.cosine %iterArg_0 : tensor<8xf32>
      %c_1 = stablehlo.constant dense<1> : tensor<i64>
      %2 = stablehlo.add %iterArg, %c_1 : tensor<i64>
      stablehlo.return %2, %1 : tensor<i64>, tensor<8xf32>
    }
    return %0#1 : tensor<8xf32>
  }
}
