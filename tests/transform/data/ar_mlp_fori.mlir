module @jit_ar_mlp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<i32> {mhlo.layout_mode = "default"}) -> (tensor<5xi32> {jax.result_info = "[0]", mhlo.layout_mode = "default"}, tensor<4x10xf32> {jax.result_info = "[1]", mhlo.layout_mode = "default"}) {
    %cst = stablehlo.constant dense<[[1.764000e+00, 4.000000e-01, 9.790000e-01, 2.241000e+00, 1.868000e+00, -9.770000e-01, 9.500000e-01, -1.510000e-01], [-1.030000e-01, 4.110000e-01, 1.440000e-01, 1.454000e+00, 7.610000e-01, 1.220000e-01, 4.440000e-01, 3.340000e-01], [1.494000e+00, -2.050000e-01, 3.130000e-01, -8.540000e-01, -2.553000e+00, 6.540000e-01, 8.640000e-01, -7.420000e-01], [2.270000e+00, -1.454000e+00, 4.600000e-02, -1.870000e-01, 1.533000e+00, 1.469000e+00, 1.550000e-01, 3.780000e-01], [-8.880000e-01, -1.981000e+00, -3.480000e-01, 1.560000e-01, 1.230000e+00, 1.202000e+00, -3.870000e-01, -3.020000e-01], [-1.049000e+00, -1.420000e+00, -1.706000e+00, 1.951000e+00, -5.100000e-01, -4.380000e-01, -1.253000e+00, 7.770000e-01], [-1.614000e+00, -2.130000e-01, -8.950000e-01, 3.870000e-01, -5.110000e-01, -1.181000e+00, -2.800000e-02, 4.280000e-01], [6.700000e-02, 3.020000e-01, -6.340000e-01, -3.630000e-01, -6.720000e-01, -3.600000e-01, -8.130000e-01, -1.726000e+00], [1.770000e-01, -4.020000e-01, -1.630000e+00, 4.630000e-01, -9.070000e-01, 5.200000e-02, 7.290000e-01, 1.290000e-01], [1.139000e+00, -1.235000e+00, 4.020000e-01, -6.850000e-01, -8.710000e-01, -5.790000e-01, -3.120000e-01, 5.600000e-02]]> : tensor<10x8xf32>
    %cst_0 = stablehlo.constant dense<[[-2.490000e-01, 9.650000e-01, 4.750000e-01, 4.400000e-02, -6.130000e-01, 4.220000e-01, -5.000000e-01, -7.720000e-01, 5.940000e-01, 1.580000e-01, 4.600000e-01, 1.590000e-01, 4.280000e-01, -3.260000e-01, -5.170000e-01, 3.410000e-01], [-4.020000e-01, -3.450000e-01, -2.280000e-01, 9.000000e-03, -1.770000e-01, -6.870000e-01, -3.220000e-01, -1.112000e+00, 3.130000e-01, -8.010000e-01, -5.520000e-01, 2.600000e-02, -3.700000e-01, 7.720000e-01, -6.460000e-01, 1.340000e-01], [-2.000000e-02, -5.840000e-01, 2.620000e-01, -8.600000e-02, 3.860000e-01, 4.120000e-01, 1.082000e+00, 6.680000e-01, -1.850000e-01, -1.200000e-01, 5.500000e-01, 3.280000e-01, 3.200000e-01, -8.080000e-01, -1.200000e-02, -3.690000e-01], [1.400000e-01, -4.900000e-02, 4.550000e-01, 1.590000e-01, 3.930000e-01, -2.330000e-01, -4.720000e-01, -2.050000e-01, -9.000000e-03, 1.900000e-01, 1.130000e+00, -2.100000e-02, -4.780000e-01, -1.730000e-01, -2.320000e-01, 2.410000e-01], [-7.700000e-01, 3.200000e-02, 7.800000e-02, 1.160000e-01, -2.990000e-01, -1.190000e-01, -7.120000e-01, -2.470000e-01, -2.710000e-01, 2.080000e-01, -5.780000e-01, 3.910000e-01, 7.470000e-01, -1.035000e+00, 2.130000e-01, 3.380000e-01], [-3.190000e-01, -1.990000e-01, -6.600000e-02, -1.490000e-01, -1.550000e-01, -8.380000e-01, 5.760000e-01, 5.400000e-01, -4.070000e-01, -7.330000e-01, 2.610000e-01, -2.880000e-01, 7.100000e-02, -1.600000e-01, 3.460000e-01, 3.470000e-01], [-3.630000e-01, -6.920000e-01, -7.910000e-01, 3.050000e-01, -5.940000e-01, -2.530000e-01, -2.980000e-01, -2.600000e-02, -9.680000e-01, 9.400000e-02, 2.620000e-01, 4.400000e-02, -1.550000e-01, 4.900000e-02, 2.000000e-01, -1.386000e+00], [9.780000e-01, 1.950000e-01, -3.260000e-01, -1.950000e-01, 2.470000e-01, -5.800000e-02, -1.015000e+00, 1.032000e+00, -5.500000e-02, 5.100000e-01, -3.460000e-01, 7.680000e-01, 1.430000e-01, 3.040000e-01, -5.230000e-01, 6.060000e-01]]> : tensor<8x16xf32>
    %cst_w2 = stablehlo.constant dense<[[3.330000e-01, -2.300000e-01, -6.670000e-01, -6.730000e-01, 3.470000e-01, -8.000000e-02, -6.700000e-02, 5.390000e-01, -5.630000e-01, -3.650000e-01], [-1.920000e-01, 4.700000e-02, -2.100000e-02, -1.430000e-01, -3.100000e-02, -5.400000e-02, -3.600000e-01, -4.060000e-01, 1.370000e-01, -4.450000e-01], [-5.790000e-01, -1.560000e-01, -7.900000e-02, 1.128000e+00, -3.520000e-01, 4.720000e-01, 3.740000e-01, -5.940000e-01, 3.870000e-01, -5.920000e-01], [-1.330000e+00, 3.030000e-01, -8.780000e-01, 2.250000e-01, -3.420000e-01, 8.300000e-01, 5.340000e-01, -2.270000e-01, -3.440000e-01, -6.070000e-01], [-2.200000e-01, -1.400000e-01, -1.820000e-01, 7.800000e-02, 2.890000e-01, 1.750000e-01, -3.820000e-01, -7.190000e-01, 6.820000e-01, -3.450000e-01], [-3.260000e-01, -2.610000e-01, -9.220000e-01, -2.390000e-01, -2.400000e-01, 3.100000e-01, 3.490000e-01, 2.000000e-03, 4.660000e-01, 1.700000e-01], [-8.000000e-03, 8.000000e-02, -9.500000e-02, -1.970000e-01, -1.340000e-01, -5.640000e-01, 1.400000e-01, -4.970000e-01, 4.210000e-01, -1.250000e-01], [2.500000e-02, 2.470000e-01, 3.220000e-01, -7.850000e-01, -1.030000e-01, 4.400000e-01, -8.490000e-01, 1.940000e-01, -1.128000e+00, -5.110000e-01], [1.900000e-02, -8.280000e-01, -4.930000e-01, -7.360000e-01, 8.240000e-01, 8.200000e-02, 2.840000e-01, -1.110000e-01, -1.770000e-01, -8.080000e-01], [-1.460000e-01, -3.810000e-01, 4.290000e-01, 5.710000e-01, 7.330000e-01, 4.260000e-01, -2.990000e-01, -5.580000e-01, 3.830000e-01, 1.780000e-01], [-8.840000e-01, 1.780000e-01, 4.070000e-01, 2.900000e-02, -9.300000e-02, -4.040000e-01, -7.230000e-01, 4.000000e-01, -1.550000e-01, -1.170000e-01], [8.660000e-01, 3.420000e-01, 1.850000e-01, 7.100000e-02, 7.600000e-01, 8.600000e-01, 4.650000e-01, 2.910000e-01, -1.047000e+00, 6.200000e-02], [-6.500000e-02, 4.700000e-02, 4.720000e-01, -1.370000e+00, -2.850000e-01, 1.350000e-01, -2.330000e-01, -7.080000e-01, 4.340000e-01, 1.380000e-01], [-4.860000e-01, 1.570000e-01, 4.110000e-01, 3.000000e-03, 4.000000e-01, 3.900000e-02, -1.980000e-01, -5.800000e-01, -4.300000e-02, 9.700000e-02], [4.380000e-01, -5.800000e-02, 2.290000e-01, -4.820000e-01, -3.910000e-01, -5.500000e-02, -5.270000e-01, 4.100000e-01, 2.320000e-01, 1.400000e-01], [1.690000e-01, 1.011000e+00, -2.340000e-01, -1.101000e+00, 1.000000e-01, -2.500000e-02, -2.590000e-01, -4.890000e-01, -2.200000e-01, 9.100000e-02]]> : tensor<16x10xf32>
    %cst_b1 = stablehlo.constant dense<[6.900000e-02, 1.300000e-01, -6.300000e-02, -4.800000e-02, 2.300000e-01, -1.060000e-01, -1.400000e-02, 1.140000e-01, 1.000000e-02, 5.800000e-02, -4.000000e-02, 3.700000e-02, -1.310000e-01, 1.660000e-01, -1.200000e-02, -6.800000e-02]> : tensor<16xf32>
    %cst_b2 = stablehlo.constant dense<[-5.000000e-02, 2.410000e-01, -9.600000e-02, -7.900000e-02, -2.290000e-01, 2.500000e-02, -2.020000e-01, -5.400000e-02, -2.800000e-02, -7.100000e-02]> : tensor<10xf32>
    %cst_p = stablehlo.constant dense<[[5.220000e-01, 2.980000e-01, 3.960000e-01, -2.650000e-01, 3.390000e-01, 1.490000e-01, 2.310000e-01, 3.090000e-01], [-2.730000e-01, -1.270000e-01, 2.590000e-01, -7.970000e-01, 4.540000e-01, 1.660000e-01, -1.400000e-02, 6.600000e-02], [-3.090000e-01, -1.050000e-01, 3.300000e-01, 3.890000e-01, 8.090000e-01, -2.200000e-02, -1.980000e-01, -1.540000e-01], [-3.050000e-01, -2.300000e-02, 1.150000e-01, -1.000000e-02, 3.290000e-01, -7.000000e-02, -1.040000e-01, -1.740000e-01], [-4.900000e-01, -4.700000e-01, -3.540000e-01, 3.900000e-01, 2.690000e-01, 4.120000e-01, -4.000000e-01, -5.910000e-01]]> : tensor<5x8xf32>
    %c = stablehlo.constant dense<0> : tensor<5xi32>
    %c_1 = stablehlo.constant dense<0> : tensor<1xi32>
    %0 = "stablehlo.scatter"(%c, %c_1, %arg0) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
    ^bb0(%arg1: tensor<i32>, %arg2: tensor<i32>):
      stablehlo.return %arg2 : tensor<i32>
    }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
    %c_2 = stablehlo.constant dense<0> : tensor<i32>
    %cst_3 = stablehlo.constant dense<0.000000e+00> : tensor<4x10xf32>
    %c_4 = stablehlo.constant dense<0> : tensor<i32>
    %1:3 = stablehlo.while(%iterArg_5 = %c_4, %iterArg_6 = %0, %iterArg_8 = %cst_3) : tensor<i32>, tensor<5xi32>, tensor<4x10xf32>
     cond {
      %c_9 = stablehlo.constant dense<4> : tensor<i32>
      %2 = stablehlo.compare  LT, %iterArg_5, %c_9,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %2 : tensor<i1>
    } do {
      %c_13 = stablehlo.constant dense<0> : tensor<i32>
      %t0 = stablehlo.compare  LT, %iterArg_5, %c_13,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %c_14 = stablehlo.constant dense<5> : tensor<i32>
      %t1 = stablehlo.add %iterArg_5, %c_14 : tensor<i32>
      %t2 = stablehlo.select %t0, %t1, %iterArg_5 : tensor<i1>, tensor<i32>
      %t3 = stablehlo.dynamic_slice %iterArg_6, %t2, sizes = [1] : (tensor<5xi32>, tensor<i32>) -> tensor<1xi32>
      %t4 = stablehlo.reshape %t3 : (tensor<1xi32>) -> tensor<i32>
      %c_15 = stablehlo.constant dense<0> : tensor<i32>
      %t5 = stablehlo.compare  LT, %t4, %c_15,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %c_16 = stablehlo.constant dense<10> : tensor<i32>
      %t6 = stablehlo.add %t4, %c_16 : tensor<i32>
      %t7 = stablehlo.select %t5, %t6, %t4 : tensor<i1>, tensor<i32>
      %c_17 = stablehlo.constant dense<0> : tensor<i32>
      %t8 = stablehlo.dynamic_slice %cst, %t7, %c_17, sizes = [1, 8] : (tensor<10x8xf32>, tensor<i32>, tensor<i32>) -> tensor<1x8xf32>
      %t9 = stablehlo.reshape %t8 : (tensor<1x8xf32>) -> tensor<8xf32>
      %p0 = stablehlo.dynamic_slice %cst_p, %t2, %c_17, sizes = [1, 8] : (tensor<5x8xf32>, tensor<i32>, tensor<i32>) -> tensor<1x8xf32>
      %p1 = stablehlo.reshape %p0 : (tensor<1x8xf32>) -> tensor<8xf32>
      %m0 = stablehlo.iota dim = 0 : tensor<5xi32>
      %m1 = stablehlo.broadcast_in_dim %iterArg_5, dims = [] : (tensor<i32>) -> tensor<5xi32>
      %m2 = stablehlo.compare  LE, %m0, %m1,  SIGNED : (tensor<5xi32>, tensor<5xi32>) -> tensor<5xi1>
      %m3 = stablehlo.convert %m2 : (tensor<5xi1>) -> tensor<5xf32>
      %m4 = stablehlo.broadcast_in_dim %iterArg_6, dims = [0] : (tensor<5xi32>) -> tensor<5x1xi32>
      %m5 = "stablehlo.gather"(%cst, %m4) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 8>}> : (tensor<10x8xf32>, tensor<5x1xi32>) -> tensor<5x8xf32>
      %m6 = stablehlo.broadcast_in_dim %m3, dims = [0] : (tensor<5xf32>) -> tensor<5x8xf32>
      %m7 = stablehlo.multiply %m5, %m6 : tensor<5x8xf32>
      %cst_18 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
      %m8 = stablehlo.reduce(%m7 init: %cst_18) applies stablehlo.add across dimensions = [0] : (tensor<5x8xf32>, tensor<f32>) -> tensor<8xf32>
      %c_19 = stablehlo.constant dense<1> : tensor<i32>
      %m9 = stablehlo.add %iterArg_5, %c_19 : tensor<i32>
      %m10 = stablehlo.convert %m9 : (tensor<i32>) -> tensor<f32>
      %m11 = stablehlo.broadcast_in_dim %m10, dims = [] : (tensor<f32>) -> tensor<8xf32>
      %m12 = stablehlo.divide %m8, %m11 : tensor<8xf32>
      %oh0 = stablehlo.constant dense<0.000000e+00> : tensor<8xf32>
      %oh1 = stablehlo.constant dense<1.000000e-01> : tensor<1xf32>
      %oh2 = stablehlo.dynamic_update_slice %oh0, %oh1, %t7 : (tensor<8xf32>, tensor<1xf32>, tensor<i32>) -> tensor<8xf32>
      %oh3 = stablehlo.constant dense<-2.000000e-01> : tensor<1xf32>
      %oh4 = stablehlo.dynamic_update_slice %oh2, %oh3, %iterArg_5 : (tensor<8xf32>, tensor<1xf32>, tensor<i32>) -> tensor<8xf32>
      %x0 = stablehlo.add %t9, %p1 : tensor<8xf32>
      %x1a = stablehlo.add %x0, %m12 : tensor<8xf32>
      %x1 = stablehlo.add %x1a, %oh4 : tensor<8xf32>
      %h0 = stablehlo.dot_general %x1, %cst_0, contracting_dims = [0] x [0], precision = [DEFAULT, DEFAULT] : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
      %h1 = stablehlo.add %h0, %cst_b1 : tensor<16xf32>
      %h2 = stablehlo.tanh %h1 : tensor<16xf32>
      %l0 = stablehlo.dot_general %h2, %cst_w2, contracting_dims = [0] x [0], precision = [DEFAULT, DEFAULT] : (tensor<16xf32>, tensor<16x10xf32>) -> tensor<10xf32>
      %l1 = stablehlo.add %l0, %cst_b2 : tensor<10xf32>
      %a0 = stablehlo.iota dim = 0 : tensor<10xi32>
      %cst_20 = stablehlo.constant dense<0xFF800000> : tensor<f32>
      %c_21 = stablehlo.constant dense<0> : tensor<i32>
      %a1:2 = stablehlo.reduce(%l1 init: %cst_20), (%a0 init: %c_21) across dimensions = [0] : (tensor<10xf32>, tensor<10xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
       reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {
        %r2 = stablehlo.compare  GT, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
        %r3 = stablehlo.compare  NE, %arg1, %arg1,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
        %r4 = stablehlo.or %r2, %r3 : tensor<i1>
        %r5 = stablehlo.compare  EQ, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
        %r6 = stablehlo.compare  LT, %arg2, %arg4,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
        %r7 = stablehlo.and %r5, %r6 : tensor<i1>
        %r8 = stablehlo.or %r4, %r7 : tensor<i1>
        %r9 = stablehlo.select %r4, %arg1, %arg3 : tensor<i1>, tensor<f32>
        %r10 = stablehlo.select %r8, %arg2, %arg4 : tensor<i1>, tensor<i32>
        stablehlo.return %r9, %r10 : tensor<f32>, tensor<i32>
      }
      %w0 = stablehlo.add %iterArg_5, %c_19 : tensor<i32>
      %w1 = stablehlo.compare  LT, %w0, %c_13,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %w2 = stablehlo.add %w0, %c_14 : tensor<i32>
      %w3 = stablehlo.select %w1, %w2, %w0 : tensor<i1>, tensor<i32>
      %w4 = stablehlo.broadcast_in_dim %w3, dims = [] : (tensor<i32>) -> tensor<1xi32>
      %w5 = "stablehlo.scatter"(%iterArg_6, %w4, %a1#1) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
      ^bb0(%arg4: tensor<i32>, %arg5: tensor<i32>):
        stablehlo.return %arg5 : tensor<i32>
      }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
      %d0 = stablehlo.broadcast_in_dim %l1, dims = [1] : (tensor<10xf32>) -> tensor<1x10xf32>
      %d1 = stablehlo.dynamic_update_slice %iterArg_8, %d0, %t2, %c_17 : (tensor<4x10xf32>, tensor<1x10xf32>, tensor<i32>, tensor<i32>) -> tensor<4x10xf32>
      stablehlo.return %w0, %w5, %d1 : tensor<i32>, tensor<5xi32>, tensor<4x10xf32>
    }
    return %1#1, %1#2 : tensor<5xi32>, tensor<4x10xf32>
  }
}
