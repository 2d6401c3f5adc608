module @jit_ar_sample attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
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
    %k = stablehlo.constant dense<[0, 42]> : tensor<2xui32>
    %1:7 = stablehlo.while(%iterArg = %cst, %iterArg_4 = %cst_0, %iterArg_5 = %c_4, %iterArg_6 = %0, %iterArg_7 = %c_2, %iterArg_k = %k, %iterArg_8 = %cst_3) : tensor<10x8xf32>, tensor<8x10xf32>, tensor<i32>, tensor<5xi32>, tensor<i32>, tensor<2xui32>, tensor<4x10xf32>
     cond {
      %c_9 = stablehlo.constant dense<4> : tensor<i32>
      %2 = stablehlo.compare  LT, %iterArg_5, %c_9,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %2 : tensor<i1>
    } do {
      %2:4 = func.call @None(%iterArg, %iterArg_4, %iterArg_6, %iterArg_7, %iterArg_k) : (tensor<10x8xf32>, tensor<8x10xf32>, tensor<5xi32>, tensor<i32>, tensor<2xui32>) -> (tensor<5xi32>, tensor<i32>, tensor<10xf32>, tensor<2xui32>)
      %c_9 = stablehlo.constant dense<0> : tensor<i32>
      %3 = stablehlo.compare  LT, %iterArg_5, %c_9,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %4 = stablehlo.convert %iterArg_5 : tensor<i32>
      %c_10 = stablehlo.constant dense<4> : tensor<i32>
      %5 = stablehlo.add %4, %c_10 : tensor<i32>
      %6 = stablehlo.select %3, %5, %iterArg_5 : tensor<i1>, tensor<i32>
      %7 = stablehlo.broadcast_in_dim %2#2, dims = [1] : (tensor<10xf32>) -> tensor<1x10xf32>
      %c_11 = stablehlo.constant dense<0> : tensor<i32>
      %8 = stablehlo.dynamic_update_slice %iterArg_8, %7, %6, %c_11 : (tensor<4x10xf32>, tensor<1x10xf32>, tensor<i32>, tensor<i32>) -> tensor<4x10xf32>
      %c_12 = stablehlo.constant dense<1> : tensor<i32>
      %9 = stablehlo.add %iterArg_5, %c_12 : tensor<i32>
      stablehlo.return %iterArg, %iterArg_4, %9, %2#0, %2#1, %2#3, %8 : tensor<10x8xf32>, tensor<8x10xf32>, tensor<i32>, tensor<5xi32>, tensor<i32>, tensor<2xui32>, tensor<4x10xf32>
    }
    return %1#3, %1#6 : tensor<5xi32>, tensor<4x10xf32>
  }
  func.func private @_split(%arg0: tensor<2xui32>) -> tensor<2x2xui32> {
    %0 = stablehlo.slice %arg0 [0:1] : (tensor<2xui32>) -> tensor<1xui32>
    %1 = stablehlo.reshape %0 : (tensor<1xui32>) -> tensor<ui32>
    %2 = stablehlo.slice %arg0 [1:2] : (tensor<2xui32>) -> tensor<1xui32>
    %3 = stablehlo.reshape %2 : (tensor<1xui32>) -> tensor<ui32>
    %4 = stablehlo.iota dim = 0 : tensor<4xui32>
    %c = stablehlo.constant dense<0> : tensor<4xui32>
    %5:2 = call @threefry2x32(%1, %3, %c, %4) : (tensor<ui32>, tensor<ui32>, tensor<4xui32>, tensor<4xui32>) -> (tensor<4xui32>, tensor<4xui32>)
    %6 = stablehlo.slice %5#1 [0:2] : (tensor<4xui32>) -> tensor<2xui32>
    %7 = stablehlo.slice %5#1 [2:4] : (tensor<4xui32>) -> tensor<2xui32>
    %8 = stablehlo.reshape %6 : (tensor<2xui32>) -> tensor<1x2xui32>
    %9 = stablehlo.reshape %7 : (tensor<2xui32>) -> tensor<1x2xui32>
    %10 = stablehlo.concatenate %8, %9, dim = 0 : (tensor<1x2xui32>, tensor<1x2xui32>) -> tensor<2x2xui32>
    return %10 : tensor<2x2xui32>
  }
  func.func private @_gumbel(%arg0: tensor<2xui32>) -> tensor<10xf32> {
    %0 = stablehlo.slice %arg0 [0:1] : (tensor<2xui32>) -> tensor<1xui32>
    %1 = stablehlo.reshape %0 : (tensor<1xui32>) -> tensor<ui32>
    %2 = stablehlo.slice %arg0 [1:2] : (tensor<2xui32>) -> tensor<1xui32>
    %3 = stablehlo.reshape %2 : (tensor<1xui32>) -> tensor<ui32>
    %4 = stablehlo.iota dim = 0 : tensor<4xui32>
    %c = stablehlo.constant dense<4> : tensor<4xui32>
    %5 = stablehlo.add %4, %c : tensor<4xui32>
    %6:2 = call @threefry2x32(%1, %3, %4, %5) : (tensor<ui32>, tensor<ui32>, tensor<4xui32>, tensor<4xui32>) -> (tensor<4xui32>, tensor<4xui32>)
    %c_0 = stablehlo.constant dense<8> : tensor<4xui32>
    %7 = stablehlo.add %4, %c_0 : tensor<4xui32>
    %c_1 = stablehlo.constant dense<12> : tensor<4xui32>
    %8 = stablehlo.add %4, %c_1 : tensor<4xui32>
    %9:2 = call @threefry2x32(%1, %3, %7, %8) : (tensor<ui32>, tensor<ui32>, tensor<4xui32>, tensor<4xui32>) -> (tensor<4xui32>, tensor<4xui32>)
    %10 = stablehlo.concatenate %6#0, %6#1, %9#0, dim = 0 : (tensor<4xui32>, tensor<4xui32>, tensor<4xui32>) -> tensor<12xui32>
    %11 = stablehlo.slice %10 [0:10] : (tensor<12xui32>) -> tensor<10xui32>
    %c_2 = stablehlo.constant dense<9> : tensor<10xui32>
    %12 = stablehlo.shift_right_logical %11, %c_2 : tensor<10xui32>
    %c_3 = stablehlo.constant dense<1065353216> : tensor<10xui32>
    %13 = stablehlo.or %12, %c_3 : tensor<10xui32>
    %14 = stablehlo.bitcast_convert %13 : (tensor<10xui32>) -> tensor<10xf32>
    %cst = stablehlo.constant dense<1.000000e+00> : tensor<10xf32>
    %15 = stablehlo.subtract %14, %cst : tensor<10xf32>
    %cst_4 = stablehlo.constant dense<1.17549435E-38> : tensor<10xf32>
    %16 = stablehlo.maximum %cst_4, %15 : tensor<10xf32>
    %17 = stablehlo.log %16 : tensor<10xf32>
    %18 = stablehlo.negate %17 : tensor<10xf32>
    %19 = stablehlo.log %18 : tensor<10xf32>
    %20 = stablehlo.negate %19 : tensor<10xf32>
    return %20 : tensor<10xf32>
  }
  func.func private @None(%arg0: tensor<10x8xf32>, %arg1: tensor<8x10xf32>, %arg2: tensor<5xi32>, %arg3: tensor<i32>, %arg6: tensor<2xui32>) -> (tensor<5xi32>, tensor<i32>, tensor<10xf32>, tensor<2xui32>) {
    %k0 = call @_split(%arg6) : (tensor<2xui32>) -> tensor<2x2xui32>
    %k1 = stablehlo.slice %k0 [0:1, 0:2] : (tensor<2x2xui32>) -> tensor<1x2xui32>
    %k2 = stablehlo.reshape %k1 : (tensor<1x2xui32>) -> tensor<2xui32>
    %k3 = stablehlo.slice %k0 [1:2, 0:2] : (tensor<2x2xui32>) -> tensor<1x2xui32>
    %k4 = stablehlo.reshape %k3 : (tensor<1x2xui32>) -> tensor<2xui32>
    %0 = stablehlo.iota dim = 0 : tensor<5xi32>
    %1 = stablehlo.broadcast_in_dim %arg3, dims = [] : (tensor<i32>) -> tensor<5xi32>
    %2 = stablehlo.compare  LE, %0, %1,  SIGNED : (tensor<5xi32>, tensor<5xi32>) -> tensor<5xi1>
    %3 = stablehlo.convert %2 : (tensor<5xi1>) -> tensor<5xf32>
    %c = stablehlo.constant dense<0> : tensor<5xi32>
    %4 = stablehlo.compare  LT, %arg2, %c,  SIGNED : (tensor<5xi32>, tensor<5xi32>) -> tensor<5xi1>
    %c_0 = stablehlo.constant dense<10> : tensor<5xi32>
    %5 = stablehlo.add %arg2, %c_0 : tensor<5xi32>
    %6 = stablehlo.select %4, %5, %arg2 : tensor<5xi1>, tensor<5xi32>
    %7 = stablehlo.broadcast_in_dim %6, dims = [0] : (tensor<5xi32>) -> tensor<5x1xi32>
    %8 = "stablehlo.gather"(%arg0, %7) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 8>}> : (tensor<10x8xf32>, tensor<5x1xi32>) -> tensor<5x8xf32>
    %9 = stablehlo.broadcast_in_dim %3, dims = [0] : (tensor<5xf32>) -> tensor<5x1xf32>
    %10 = stablehlo.broadcast_in_dim %9, dims = [0, 1] : (tensor<5x1xf32>) -> tensor<5x8xf32>
    %11 = stablehlo.multiply %8, %10 : tensor<5x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %12 = stablehlo.reduce(%11 init: %cst) applies stablehlo.add across dimensions = [0] : (tensor<5x8xf32>, tensor<f32>) -> tensor<8xf32>
    %13 = stablehlo.dot_general %12, %arg1, contracting_dims = [0] x [0], precision = [DEFAULT, DEFAULT] : (tensor<8xf32>, tensor<8x10xf32>) -> tensor<10xf32>
    %g = call @_gumbel(%k4) : (tensor<2xui32>) -> tensor<10xf32>
    %g1 = stablehlo.add %g, %13 : tensor<10xf32>
    %14 = call @argmax(%g1) : (tensor<10xf32>) -> tensor<i32>
    %c_1 = stablehlo.constant dense<1> : tensor<i32>
    %15 = stablehlo.add %arg3, %c_1 : tensor<i32>
    %c_2 = stablehlo.constant dense<0> : tensor<i32>
    %16 = stablehlo.compare  LT, %15, %c_2,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %c_3 = stablehlo.constant dense<5> : tensor<i32>
    %17 = stablehlo.add %15, %c_3 : tensor<i32>
    %18 = stablehlo.select %16, %17, %15 : tensor<i1>, tensor<i32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [] : (tensor<i32>) -> tensor<1xi32>
    %20 = "stablehlo.scatter"(%arg2, %19, %14) <{indices_are_sorted = true, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0]>, unique_indices = true}> ({
    ^bb0(%arg4: tensor<i32>, %arg5: tensor<i32>):
      stablehlo.return %arg5 : tensor<i32>
    }) : (tensor<5xi32>, tensor<1xi32>, tensor<i32>) -> tensor<5xi32>
    %c_4 = stablehlo.constant dense<1> : tensor<i32>
    %21 = stablehlo.add %arg3, %c_4 : tensor<i32>
    return %20, %21, %13, %k2 : tensor<5xi32>, tensor<i32>, tensor<10xf32>, tensor<2xui32>
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
  func.func private @threefry2x32(%arg0: tensor<ui32>, %arg1: tensor<ui32>, %arg2: tensor<4xui32>, %arg3: tensor<4xui32>) -> (tensor<4xui32>, tensor<4xui32>) {
    %1 = stablehlo.broadcast_in_dim %arg0, dims = [] : (tensor<ui32>) -> tensor<4xui32>
    %2 = stablehlo.broadcast_in_dim %arg1, dims = [] : (tensor<ui32>) -> tensor<4xui32>
    %3 = stablehlo.xor %1, %2 : tensor<4xui32>
    %4 = stablehlo.constant dense<466688986> : tensor<4xui32>
    %5 = stablehlo.xor %3, %4 : tensor<4xui32>
    %6 = stablehlo.add %arg2, %1 : tensor<4xui32>
    %7 = stablehlo.add %arg3, %2 : tensor<4xui32>
    %8 = stablehlo.add %6, %7 : tensor<4xui32>
    %9 = stablehlo.constant dense<13> : tensor<4xui32>
    %10 = stablehlo.shift_left %7, %9 : tensor<4xui32>
    %11 = stablehlo.constant dense<19> : tensor<4xui32>
    %12 = stablehlo.shift_right_logical %7, %11 : tensor<4xui32>
    %13 = stablehlo.or %10, %12 : tensor<4xui32>
    %14 = stablehlo.xor %13, %8 : tensor<4xui32>
    %15 = stablehlo.add %8, %14 : tensor<4xui32>
    %16 = stablehlo.constant dense<15> : tensor<4xui32>
    %17 = stablehlo.shift_left %14, %16 : tensor<4xui32>
    %18 = stablehlo.constant dense<17> : tensor<4xui32>
    %19 = stablehlo.shift_right_logical %14, %18 : tensor<4xui32>
    %20 = stablehlo.or %17, %19 : tensor<4xui32>
    %21 = stablehlo.xor %20, %15 : tensor<4xui32>
    %22 = stablehlo.add %15, %21 : tensor<4xui32>
    %23 = stablehlo.constant dense<26> : tensor<4xui32>
    %24 = stablehlo.shift_left %21, %23 : tensor<4xui32>
    %25 = stablehlo.constant dense<6> : tensor<4xui32>
    %26 = stablehlo.shift_right_logical %21, %25 : tensor<4xui32>
    %27 = stablehlo.or %24, %26 : tensor<4xui32>
    %28 = stablehlo.xor %27, %22 : tensor<4xui32>
    %29 = stablehlo.add %22, %28 : tensor<4xui32>
    %30 = stablehlo.constant dense<6> : tensor<4xui32>
    %31 = stablehlo.shift_left %28, %30 : tensor<4xui32>
    %32 = stablehlo.constant dense<26> : tensor<4xui32>
    %33 = stablehlo.shift_right_logical %28, %32 : tensor<4xui32>
    %34 = stablehlo.or %31, %33 : tensor<4xui32>
    %35 = stablehlo.xor %34, %29 : tensor<4xui32>
    %36 = stablehlo.add %29, %2 : tensor<4xui32>
    %37 = stablehlo.add %35, %5 : tensor<4xui32>
    %38 = stablehlo.constant dense<1> : tensor<4xui32>
    %39 = stablehlo.add %37, %38 : tensor<4xui32>
    %40 = stablehlo.add %36, %39 : tensor<4xui32>
    %41 = stablehlo.constant dense<17> : tensor<4xui32>
    %42 = stablehlo.shift_left %39, %41 : tensor<4xui32>
    %43 = stablehlo.constant dense<15> : tensor<4xui32>
    %44 = stablehlo.shift_right_logical %39, %43 : tensor<4xui32>
    %45 = stablehlo.or %42, %44 : tensor<4xui32>
    %46 = stablehlo.xor %45, %40 : tensor<4xui32>
    %47 = stablehlo.add %40, %46 : tensor<4xui32>
    %48 = stablehlo.constant dense<29> : tensor<4xui32>
    %49 = stablehlo.shift_left %46, %48 : tensor<4xui32>
    %50 = stablehlo.constant dense<3> : tensor<4xui32>
    %51 = stablehlo.shift_right_logical %46, %50 : tensor<4xui32>
    %52 = stablehlo.or %49, %51 : tensor<4xui32>
    %53 = stablehlo.xor %52, %47 : tensor<4xui32>
    %54 = stablehlo.add %47, %53 : tensor<4xui32>
    %55 = stablehlo.constant dense<16> : tensor<4xui32>
    %56 = stablehlo.shift_left %53, %55 : tensor<4xui32>
    %57 = stablehlo.constant dense<16> : tensor<4xui32>
    %58 = stablehlo.shift_right_logical %53, %57 : tensor<4xui32>
    %59 = stablehlo.or %56, %58 : tensor<4xui32>
    %60 = stablehlo.xor %59, %54 : tensor<4xui32>
    %61 = stablehlo.add %54, %60 : tensor<4xui32>
    %62 = stablehlo.constant dense<24> : tensor<4xui32>
    %63 = stablehlo.shift_left %60, %62 : tensor<4xui32>
    %64 = stablehlo.constant dense<8> : tensor<4xui32>
    %65 = stablehlo.shift_right_logical %60, %64 : tensor<4xui32>
    %66 = stablehlo.or %63, %65 : tensor<4xui32>
    %67 = stablehlo.xor %66, %61 : tensor<4xui32>
    %68 = stablehlo.add %61, %5 : tensor<4xui32>
    %69 = stablehlo.add %67, %1 : tensor<4xui32>
    %70 = stablehlo.constant dense<2> : tensor<4xui32>
    %71 = stablehlo.add %69, %70 : tensor<4xui32>
    %72 = stablehlo.add %68, %71 : tensor<4xui32>
    %73 = stablehlo.constant dense<13> : tensor<4xui32>
    %74 = stablehlo.shift_left %71, %73 : tensor<4xui32>
    %75 = stablehlo.constant dense<19> : tensor<4xui32>
    %76 = stablehlo.shift_right_logical %71, %75 : tensor<4xui32>
    %77 = stablehlo.or %74, %76 : tensor<4xui32>
    %78 = stablehlo.xor %77, %72 : tensor<4xui32>
    %79 = stablehlo.add %72, %78 : tensor<4xui32>
    %80 = stablehlo.constant dense<15> : tensor<4xui32>
    %81 = stablehlo.shift_left %78, %80 : tensor<4xui32>
    %82 = stablehlo.constant dense<17> : tensor<4xui32>
    %83 = stablehlo.shift_right_logical %78, %82 : tensor<4xui32>
    %84 = stablehlo.or %81, %83 : tensor<4xui32>
    %85 = stablehlo.xor %84, %79 : tensor<4xui32>
    %86 = stablehlo.add %79, %85 : tensor<4xui32>
    %87 = stablehlo.constant dense<26> : tensor<4xui32>
    %88 = stablehlo.shift_left %85, %87 : tensor<4xui32>
    %89 = stablehlo.constant dense<6> : tensor<4xui32>
    %90 = stablehlo.shift_right_logical %85, %89 : tensor<4xui32>
    %91 = stablehlo.or %88, %90 : tensor<4xui32>
    %92 = stablehlo.xor %91, %86 : tensor<4xui32>
    %93 = stablehlo.add %86, %92 : tensor<4xui32>
    %94 = stablehlo.constant dense<6> : tensor<4xui32>
    %95 = stablehlo.shift_left %92, %94 : tensor<4xui32>
    %96 = stablehlo.constant dense<26> : tensor<4xui32>
    %97 = stablehlo.shift_right_logical %92, %96 : tensor<4xui32>
    %98 = stablehlo.or %95, %97 : tensor<4xui32>
    %99 = stablehlo.xor %98, %93 : tensor<4xui32>
    %100 = stablehlo.add %93, %1 : tensor<4xui32>
    %101 = stablehlo.add %99, %2 : tensor<4xui32>
    %102 = stablehlo.constant dense<3> : tensor<4xui32>
    %103 = stablehlo.add %101, %102 : tensor<4xui32>
    %104 = stablehlo.add %100, %103 : tensor<4xui32>
    %105 = stablehlo.constant dense<17> : tensor<4xui32>
    %106 = stablehlo.shift_left %103, %105 : tensor<4xui32>
    %107 = stablehlo.constant dense<15> : tensor<4xui32>
    %108 = stablehlo.shift_right_logical %103, %107 : tensor<4xui32>
    %109 = stablehlo.or %106, %108 : tensor<4xui32>
    %110 = stablehlo.xor %109, %104 : tensor<4xui32>
    %111 = stablehlo.add %104, %110 : tensor<4xui32>
    %112 = stablehlo.constant dense<29> : tensor<4xui32>
    %113 = stablehlo.shift_left %110, %112 : tensor<4xui32>
    %114 = stablehlo.constant dense<3> : tensor<4xui32>
    %115 = stablehlo.shift_right_logical %110, %114 : tensor<4xui32>
    %116 = stablehlo.or %113, %115 : tensor<4xui32>
    %117 = stablehlo.xor %116, %111 : tensor<4xui32>
    %118 = stablehlo.add %111, %117 : tensor<4xui32>
    %119 = stablehlo.constant dense<16> : tensor<4xui32>
    %120 = stablehlo.shift_left %117, %119 : tensor<4xui32>
    %121 = stablehlo.constant dense<16> : tensor<4xui32>
    %122 = stablehlo.shift_right_logical %117, %121 : tensor<4xui32>
    %123 = stablehlo.or %120, %122 : tensor<4xui32>
    %124 = stablehlo.xor %123, %118 : tensor<4xui32>
    %125 = stablehlo.add %118, %124 : tensor<4xui32>
    %126 = stablehlo.constant dense<24> : tensor<4xui32>
    %127 = stablehlo.shift_left %124, %126 : tensor<4xui32>
    %128 = stablehlo.constant dense<8> : tensor<4xui32>
    %129 = stablehlo.shift_right_logical %124, %128 : tensor<4xui32>
    %130 = stablehlo.or %127, %129 : tensor<4xui32>
    %131 = stablehlo.xor %130, %125 : tensor<4xui32>
    %132 = stablehlo.add %125, %2 : tensor<4xui32>
    %133 = stablehlo.add %131, %5 : tensor<4xui32>
    %134 = stablehlo.constant dense<4> : tensor<4xui32>
    %135 = stablehlo.add %133, %134 : tensor<4xui32>
    %136 = stablehlo.add %132, %135 : tensor<4xui32>
    %137 = stablehlo.constant dense<13> : tensor<4xui32>
    %138 = stablehlo.shift_left %135, %137 : tensor<4xui32>
    %139 = stablehlo.constant dense<19> : tensor<4xui32>
    %140 = stablehlo.shift_right_logical %135, %139 : tensor<4xui32>
    %141 = stablehlo.or %138, %140 : tensor<4xui32>
    %142 = stablehlo.xor %141, %136 : tensor<4xui32>
    %143 = stablehlo.add %136, %142 : tensor<4xui32>
    %144 = stablehlo.constant dense<15> : tensor<4xui32>
    %145 = stablehlo.shift_left %142, %144 : tensor<4xui32>
    %146 = stablehlo.constant dense<17> : tensor<4xui32>
    %147 = stablehlo.shift_right_logical %142, %146 : tensor<4xui32>
    %148 = stablehlo.or %145, %147 : tensor<4xui32>
    %149 = stablehlo.xor %148, %143 : tensor<4xui32>
    %150 = stablehlo.add %143, %149 : tensor<4xui32>
    %151 = stablehlo.constant dense<26> : tensor<4xui32>
    %152 = stablehlo.shift_left %149, %151 : tensor<4xui32>
    %153 = stablehlo.constant dense<6> : tensor<4xui32>
    %154 = stablehlo.shift_right_logical %149, %153 : tensor<4xui32>
    %155 = stablehlo.or %152, %154 : tensor<4xui32>
    %156 = stablehlo.xor %155, %150 : tensor<4xui32>
    %157 = stablehlo.add %150, %156 : tensor<4xui32>
    %158 = stablehlo.constant dense<6> : tensor<4xui32>
    %159 = stablehlo.shift_left %156, %158 : tensor<4xui32>
    %160 = stablehlo.constant dense<26> : tensor<4xui32>
    %161 = stablehlo.shift_right_logical %156, %160 : tensor<4xui32>
    %162 = stablehlo.or %159, %161 : tensor<4xui32>
    %163 = stablehlo.xor %162, %157 : tensor<4xui32>
    %164 = stablehlo.add %157, %5 : tensor<4xui32>
    %165 = stablehlo.add %163, %1 : tensor<4xui32>
    %166 = stablehlo.constant dense<5> : tensor<4xui32>
    %167 = stablehlo.add %165, %166 : tensor<4xui32>
    return %164, %167 : tensor<4xui32>, tensor<4xui32>
  }
}
