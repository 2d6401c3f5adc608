module @jit_ar_attn attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<i32> {mhlo.layout_mode = "default"}) -> (tensor<5xi32> {jax.result_info = "[0]", mhlo.layout_mode = "default"}, tensor<4x10xf32> {jax.result_info = "[1]", mhlo.layout_mode = "default"}) {
    %cst = stablehlo.constant dense<[[-6.600000e-01, 1.760000e-01, 4.990000e-01, 1.048000e+00], [2.840000e-01, 1.743000e+00, -2.230000e-01, -9.130000e-01], [-1.681000e+00, -8.890000e-01, 2.420000e-01, -8.890000e-01], [9.370000e-01, 1.412000e+00, -2.370000e+00, 8.640000e-01], [-2.240000e+00, 4.010000e-01, 1.225000e+00, 6.500000e-02], [-1.280000e+00, -5.850000e-01, -2.620000e-01, -1.820000e-01], [-2.030000e-01, -1.100000e-01, 2.130000e-01, -1.209000e+00], [-2.420000e-01, 1.518000e+00, -3.850000e-01, -4.440000e-01], [1.078000e+00, -2.559000e+00, 1.181000e+00, -6.320000e-01], [1.640000e-01, 9.600000e-02, 9.420000e-01, -2.680000e-01]]> : tensor<10x4xf32>
    %cst_0 = stablehlo.constant dense<[[-6.780000e-01, 1.298000e+00, -2.364000e+00, 2.000000e-02, -1.348000e+00, -7.620000e-01, 2.011000e+00, -4.500000e-02, 1.950000e-01, -1.782000e+00], [-7.290000e-01, 1.970000e-01, 3.550000e-01, 6.170000e-01, 9.000000e-03, 5.270000e-01, 4.540000e-01, -1.830000e+00, 3.700000e-02, 7.680000e-01], [5.900000e-01, -3.640000e-01, -8.060000e-01, -1.118000e+00, -1.310000e-01, 1.133000e+00, -1.952000e+00, -6.600000e-01, -1.140000e+00, 7.850000e-01], [-5.540000e-01, -4.710000e-01, -2.170000e-01, 4.450000e-01, -3.920000e-01, -3.046000e+00, 5.430000e-01, 4.390000e-01, -2.200000e-01, -1.084000e+00]]> : tensor<4x10xf32>
    %c = stablehlo.constant dense<0> : tensor<5xi32>
    %c_1 = stablehlo.constant dense<0> : tensor<1xi32>
    %0 = "stablehlo.scatter"(%c, %c_1, %arg0) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
    ^bb0(%arg1: tensor<i32>, %arg2: tensor<i32>):
      stablehlo.return %arg2 : tensor<i32>
    }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
    %c_2 = stablehlo.constant dense<0> : tensor<i32>
    %cst_3 = stablehlo.constant dense<0.000000e+00> : tensor<4x10xf32>
    %c_4 = stablehlo.constant dense<0> : tensor<i32>
    %kv = stablehlo.constant dense<2.500000e-01> : tensor<5x4xf32>
    %1:4 = stablehlo.while(%iterArg_5 = %c_4, %iterArg_6 = %0, %iterArg_k = %kv, %iterArg_8 = %cst_3) : tensor<i32>, tensor<5xi32>, tensor<5x4xf32>, tensor<4x10xf32>
     cond {
      %c_9 = stablehlo.constant dense<4> : tensor<i32>
      %2 = stablehlo.compare  LT, %iterArg_5, %c_9,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %2 : tensor<i1>
    } do {
      %t0 = stablehlo.dynamic_slice %iterArg_6, %iterArg_5, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>
      %t1 = stablehlo.reshape %t0 : (tensor<1xi32>) -> tensor<i32>
      %c_17 = stablehlo.constant dense<0> : tensor<i32>
      %e0 = stablehlo.dynamic_slice %cst, %t1, %c_17, sizes = [1, 4] : (tensor<10x4xf32>, tensor<i32>, tensor<i32>) -> tensor<1x4xf32>
      %k1 = stablehlo.dynamic_update_slice %iterArg_k, %e0, %iterArg_5, %c_17 : (tensor<5x4xf32>, tensor<1x4xf32>, tensor<i32>, tensor<i32>) -> tensor<5x4xf32>
      %q = stablehlo.reshape %e0 : (tensor<1x4xf32>) -> tensor<4xf32>
      %sc = stablehlo.dot_general %k1, %q, contracting_dims = [1] x [0], precision = [DEFAULT, DEFAULT] : (tensor<5x4xf32>, tensor<4xf32>) -> tensor<5xf32>
      %cm = stablehlo.constant dense<0xFF800000> : tensor<f32>
      %mx = stablehlo.reduce(%sc init: %cm) applies stablehlo.maximum across dimensions = [0] : (tensor<5xf32>, tensor<f32>) -> tensor<f32>
      %mb = stablehlo.broadcast_in_dim %mx, dims = [] : (tensor<f32>) -> tensor<5xf32>
      %sd = stablehlo.subtract %sc, %mb : tensor<5xf32>
      %ex = stablehlo.exponential %sd : tensor<5xf32>
      %cz = stablehlo.constant dense<0.000000e+00> : tensor<f32>
      %sm = stablehlo.reduce(%ex init: %cz) applies stablehlo.add across dimensions = [0] : (tensor<5xf32>, tensor<f32>) -> tensor<f32>
      %sb = stablehlo.broadcast_in_dim %sm, dims = [] : (tensor<f32>) -> tensor<5xf32>
      %p = stablehlo.divide %ex, %sb : tensor<5xf32>
      %kt = stablehlo.transpose %k1, dims = [1, 0] : (tensor<5x4xf32>) -> tensor<4x5xf32>
      %o = stablehlo.dot_general %kt, %p, contracting_dims = [1] x [0], precision = [DEFAULT, DEFAULT] : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4xf32>
      %l1 = stablehlo.dot_general %o, %cst_0, contracting_dims = [0] x [0], precision = [DEFAULT, DEFAULT] : (tensor<4xf32>, tensor<4x10xf32>) -> tensor<10xf32>
      %a1 = func.call @argmax(%l1) : (tensor<10xf32>) -> tensor<i32>
      %c_19 = stablehlo.constant dense<1> : tensor<i32>
      %w0 = stablehlo.add %iterArg_5, %c_19 : tensor<i32>
      %w4 = stablehlo.broadcast_in_dim %w0, dims = [] : (tensor<i32>) -> tensor<1xi32>
      %w5 = "stablehlo.scatter"(%iterArg_6, %w4, %a1) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
      ^bb0(%arg4: tensor<i32>, %arg5: tensor<i32>):
        stablehlo.return %arg5 : tensor<i32>
      }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
      %d0 = stablehlo.broadcast_in_dim %l1, dims = [1] : (tensor<10xf32>) -> tensor<1x10xf32>
      %d1 = stablehlo.dynamic_update_slice %iterArg_8, %d0, %iterArg_5, %c_17 : (tensor<4x10xf32>, tensor<1x10xf32>, tensor<i32>, tensor<i32>) -> tensor<4x10xf32>
      stablehlo.return %w0, %w5, %k1, %d1 : tensor<i32>, tensor<5xi32>, tensor<5x4xf32>, tensor<4x10xf32>
    }
    return %1#1, %1#3 : tensor<5xi32>, tensor<4x10xf32>
  }
  func.func private @argmax(%arg0: tensor<10xf32>) -> tensor<i32> {
    %0 = stablehlo.iota dim = 0 : tensor<10xi32>
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %1:2 = stablehlo.reduce(%arg0 init: %cst), (%0 init: %c) across dimensions = [0] : (tensor<10xf32>, tensor<10xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
     reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {
      %2 = stablehlo.compare  GT, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %3 = stablehlo.compare  NE, %arg1, %arg1,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %4 = stablehlo.or %2, %3 : tensor<i1>
      %5 = stablehlo.compare  EQ, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %6 = stablehlo.compare  LT, %arg2, %arg4,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %7 = stablehlo.and %5, %6 : tensor<i1>
      %8 = stablehlo.or %4, %7 : tensor<i1>
      %9 = stablehlo.select %4, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %10 = stablehlo.select %8, %arg2, %arg4 : tensor<i1>, tensor<i32>
      stablehlo.return %9, %10 : tensor<f32>, tensor<i32>
    }
    return %1#1 : tensor<i32>
  }
}
