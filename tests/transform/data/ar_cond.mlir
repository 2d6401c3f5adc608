module @jit_ar_cond attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<i32> {mhlo.layout_mode = "default"}) -> (tensor<5xi32> {jax.result_info = "[0]", mhlo.layout_mode = "default"}, tensor<4x10xf32> {jax.result_info = "[1]", mhlo.layout_mode = "default"}) {
    %cst = stablehlo.constant dense<[[1.764000e+00, 4.000000e-01, 9.790000e-01, 2.241000e+00, 1.868000e+00, -9.770000e-01, 9.500000e-01, -1.510000e-01], [-1.030000e-01, 4.110000e-01, 1.440000e-01, 1.454000e+00, 7.610000e-01, 1.220000e-01, 4.440000e-01, 3.340000e-01], [1.494000e+00, -2.050000e-01, 3.130000e-01, -8.540000e-01, -2.553000e+00, 6.540000e-01, 8.640000e-01, -7.420000e-01], [2.270000e+00, -1.454000e+00, 4.600000e-02, -1.870000e-01, 1.533000e+00, 1.469000e+00, 1.550000e-01, 3.780000e-01], [-8.880000e-01, -1.981000e+00, -3.480000e-01, 1.560000e-01, 1.230000e+00, 1.202000e+00, -3.870000e-01, -3.020000e-01], [-1.049000e+00, -1.420000e+00, -1.706000e+00, 1.951000e+00, -5.100000e-01, -4.380000e-01, -1.253000e+00, 7.770000e-01], [-1.614000e+00, -2.130000e-01, -8.950000e-01, 3.870000e-01, -5.110000e-01, -1.181000e+00, -2.800000e-02, 4.280000e-01], [6.700000e-02, 3.020000e-01, -6.340000e-01, -3.630000e-01, -6.720000e-01, -3.600000e-01, -8.130000e-01, -1.726000e+00], [1.770000e-01, -4.020000e-01, -1.630000e+00, 4.630000e-01, -9.070000e-01, 5.200000e-02, 7.290000e-01, 1.290000e-01], [1.139000e+00, -1.235000e+00, 4.020000e-01, -6.850000e-01, -8.710000e-01, -5.790000e-01, -3.120000e-01, 5.600000e-02]]> : tensor<10x8xf32>
    %cst_0 = stablehlo.constant dense<[[-1.165000e+00, 9.010000e-01, 4.660000e-01, -1.536000e+00, 1.488000e+00, 1.896000e+00, 1.179000e+00, -1.800000e-01, -1.071000e+00, 1.054000e+00], [-4.030000e-01, 1.222000e+00, 2.080000e-01, 9.770000e-01, 3.560000e-01, 7.070000e-01, 1.100000e-02, 1.786000e+00, 1.270000e-01, 4.020000e-01], [1.883000e+00, -1.348000e+00, -1.270000e+00, 9.690000e-01, -1.173000e+00, 1.944000e+00, -4.140000e-01, -7.470000e-01, 1.923000e+00, 1.481000e+00], [1.868000e+00, 9.060000e-01, -8.610000e-01, 1.910000e+00, -2.680000e-01, 8.020000e-01, 9.470000e-01, -1.550000e-01, 6.140000e-01, 9.220000e-01], [3.760000e-01, -1.099000e+00, 2.980000e-01, 1.326000e+00, -6.950000e-01, -1.500000e-01, -4.350000e-01, 1.849000e+00, 6.720000e-01, 4.070000e-01], [-7.700000e-01, 5.390000e-01, -6.740000e-01, 3.200000e-02, -6.360000e-01, 6.760000e-01, 5.770000e-01, -2.080000e-01, 3.960000e-01, -1.093000e+00], [-1.491000e+00, 4.390000e-01, 1.670000e-01, 6.350000e-01, 2.383000e+00, 9.440000e-01, -9.130000e-01, 1.117000e+00, -1.316000e+00, -4.620000e-01], [-6.800000e-02, 1.713000e+00, -7.450000e-01, -8.260000e-01, -9.800000e-02, -6.630000e-01, 1.127000e+00, -1.080000e+00, -1.147000e+00, -4.380000e-01]]> : tensor<8x10xf32>
    %c = stablehlo.constant dense<0> : tensor<5xi32>
    %c_1 = stablehlo.constant dense<0> : tensor<1xi32>
    %0 = "stablehlo.scatter"(%c, %c_1, %arg0) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
    ^bb0(%arg1: tensor<i32>, %arg2: tensor<i32>):
      stablehlo.return %arg2 : tensor<i32>
    }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
    %c_2 = stablehlo.constant dense<0> : tensor<i32>
    %cst_3 = stablehlo.constant dense<0.000000e+00> : tensor<4x10xf32>
    %c_4 = stablehlo.constant dense<0> : tensor<i32>
    %k5 = stablehlo.constant dense<5> : tensor<i32>
    %big = stablehlo.compare  GT, %arg0, %k5,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %bigi = stablehlo.convert %big : (tensor<i1>) -> tensor<i32>
    %wout = "stablehlo.case"(%bigi) ({
      stablehlo.return %cst_0 : tensor<8x10xf32>
    }, {
      %two = stablehlo.constant dense<2.000000e+00> : tensor<8x10xf32>
      %w2 = stablehlo.multiply %cst_0, %two : tensor<8x10xf32>
      stablehlo.return %w2 : tensor<8x10xf32>
    }) : (tensor<i32>) -> tensor<8x10xf32>
    %1:3 = stablehlo.while(%iterArg_5 = %c_4, %iterArg_6 = %0, %iterArg_8 = %cst_3) : tensor<i32>, tensor<5xi32>, tensor<4x10xf32>
     cond {
      %c_9 = stablehlo.constant dense<4> : tensor<i32>
      %2 = stablehlo.compare  LT, %iterArg_5, %c_9,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %2 : tensor<i1>
    } do {
      %t0 = stablehlo.dynamic_slice %iterArg_6, %iterArg_5, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>
      %t1 = stablehlo.reshape %t0 : (tensor<1xi32>) -> tensor<i32>
      %c_17 = stablehlo.constant dense<0> : tensor<i32>
      %e0 = stablehlo.dynamic_slice %cst, %t1, %c_17, sizes = [1, 8] : (tensor<10x8xf32>, tensor<i32>, tensor<i32>) -> tensor<1x8xf32>
      %x = stablehlo.reshape %e0 : (tensor<1x8xf32>) -> tensor<8xf32>
      %k1 = stablehlo.constant dense<1> : tensor<i32>
      %k4 = stablehlo.constant dense<4> : tensor<i32>
      %pr = stablehlo.compare  GT, %iterArg_5, %k1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %pi = stablehlo.convert %pr : (tensor<i1>) -> tensor<i32>
      %cx = "stablehlo.case"(%pi) ({
        %n = stablehlo.negate %x : tensor<8xf32>
        stablehlo.return %n : tensor<8xf32>
      }, {
        %m = stablehlo.multiply %x, %x : tensor<8xf32>
        stablehlo.return %m : tensor<8xf32>
      }) : (tensor<i32>) -> tensor<8xf32>
      %tp = stablehlo.compare  GT, %t1, %k4,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %iv:2 = "stablehlo.if"(%tp) ({
        %h = stablehlo.constant dense<5.000000e-01> : tensor<8xf32>
        %y = stablehlo.multiply %cx, %h : tensor<8xf32>
        stablehlo.return %y, %k1 : tensor<8xf32>, tensor<i32>
      }, {
        stablehlo.return %cx, %k4 : tensor<8xf32>, tensor<i32>
      }) : (tensor<i1>) -> (tensor<8xf32>, tensor<i32>)
      %sw = "stablehlo.case"(%iterArg_5) ({
        %s0 = stablehlo.add %iv#0, %x : tensor<8xf32>
        stablehlo.return %s0 : tensor<8xf32>
      }, {
        %s1 = stablehlo.subtract %iv#0, %x : tensor<8xf32>
        stablehlo.return %s1 : tensor<8xf32>
      }, {
        stablehlo.return %iv#0 : tensor<8xf32>
      }) : (tensor<i32>) -> tensor<8xf32>
      %ivf = stablehlo.convert %iv#1 : (tensor<i32>) -> tensor<f32>
      %ivb = stablehlo.broadcast_in_dim %ivf, dims = [] : (tensor<f32>) -> tensor<8xf32>
      %xs = stablehlo.add %sw, %ivb : tensor<8xf32>
      %c_22 = stablehlo.constant dense<1> : tensor<i32>
      %l1 = stablehlo.dot_general %xs, %wout, contracting_dims = [0] x [0], precision = [DEFAULT, DEFAULT] : (tensor<8xf32>, tensor<8x10xf32>) -> tensor<10xf32>
      %a1 = func.call @argmax(%l1) : (tensor<10xf32>) -> tensor<i32>
      %w0 = stablehlo.add %iterArg_5, %c_22 : tensor<i32>
      %w4 = stablehlo.broadcast_in_dim %w0, dims = [] : (tensor<i32>) -> tensor<1xi32>
      %w5 = "stablehlo.scatter"(%iterArg_6, %w4, %a1) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
      ^bb0(%arg4: tensor<i32>, %arg5: tensor<i32>):
        stablehlo.return %arg5 : tensor<i32>
      }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
      %d0 = stablehlo.broadcast_in_dim %l1, dims = [1] : (tensor<10xf32>) -> tensor<1x10xf32>
      %d1 = stablehlo.dynamic_update_slice %iterArg_8, %d0, %iterArg_5, %c_17 : (tensor<4x10xf32>, tensor<1x10xf32>, tensor<i32>, tensor<i32>) -> tensor<4x10xf32>
      stablehlo.return %w0, %w5, %d1 : tensor<i32>, tensor<5xi32>, tensor<4x10xf32>
    }
    return %1#1, %1#2 : tensor<5xi32>, tensor<4x10xf32>
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
