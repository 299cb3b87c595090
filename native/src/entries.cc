// Every Node-API entry point of the addon, one signature each (see entry.h): the kernel, the kind
// of each argument with the length each buffer needs, then the name on the exports and the
// arguments' names for messages. The functions of src/backend/native/load.ts's NativeAddon, in
// the same order.
#include "entry.h"

namespace cortado {

namespace {

using N0 = Dims<0>;             // the count at position 0 (n)
using N1 = Dims<1>;             // the count at position 1 (n after an op)
using Class = Dims<0, 1, 2>;    // outer * classes * inner
using Labels = Dims<0, 2>;      // outer * inner

}  // namespace

constexpr Export kExports[] = {
    // ---- BLAS level 1 and elementwise ----
    entry<&Kernels::set, Count, Number, Out<N0>>("set", "n alpha y"),
    entry<&Kernels::copy, Count, In<N0>, Out<N0>>("copy", "n x y"),
    entry<&Kernels::scal, Count, Number, Out<N0>>("scal", "n alpha x"),
    entry<&Kernels::axpy, Count, Number, In<N0>, Out<N0>>("axpy", "n alpha x y"),
    entry<&Kernels::axpby, Count, Number, In<N0>, Number, Out<N0>>("axpby", "n alpha x beta y"),
    entry<&Kernels::dot, Count, In<N0>, In<N0>>("dot", "n x y"),
    entry<&Kernels::asum, Count, In<N0>>("asum", "n x"),
    entry<&Kernels::binary, Enum<BinaryOp>, Count, In<N1>, In<N1>, Out<N1>>("binary", "op n a b y"),
    entry<&Kernels::unary, Enum<UnaryOp>, Count, In<N1>, Number, Out<N1>>("unary", "op n a p y"),
    entry<&Kernels::clamp, Count, Number, Number, In<N0>, Out<N0>>("clamp", "n lo hi x y"),
    entry<&Kernels::where, Count, Number, Number, In<N0>, In<N0>, In<N0>, Out<N0>>("where", "n lo hi x a b y"),

    // ---- BLAS level 2 and 3 ----
    entry<&Kernels::gemm, Flag, Flag, Count, Count, Count, Number, In<Dims<2, 4>>, In<Dims<4, 3>>, Number,
          Out<Dims<2, 3>>>("gemm", "transA transB M N K alpha A B beta C"),
    entry<&Kernels::gemv, Flag, Count, Count, Number, In<Dims<1, 2>>, In<Either<0, 1, 2>>, Number,
          Out<Either<0, 2, 1>>>("gemv", "transA M N alpha A x beta y"),
    entry<&Kernels::gemmBatched, Count, Flag, Flag, Count, Count, Count, Number, In<Dims<0, 3, 5>>,
          In<Dims<0, 5, 4>>, Number, Out<Dims<0, 3, 4>>>("gemmBatched", "batch transA transB M N K alpha A B beta C"),

    // ---- rows moved by index; -1, or (nothing written) the position of the first bad index ----
    entry<&Kernels::gather, Count, Count, Count, In<Dims<2, 1>>, In<N0>, Number, Out<Dims<0, 1>>>(
        "gather", "rows rowSize srcRows src index scale dst"),
    entry<&Kernels::scatterAdd, Count, Count, Count, In<Dims<0, 1>>, In<N0>, Number, Out<Dims<2, 1>>>(
        "scatterAdd", "rows rowSize dstRows src index scale dst"),
    entry<&Kernels::copy2d, Count, Count, Count, Count, Flag, In<Strided<0, 1, 2>>, Out<Strided<0, 1, 3>>>(
        "copy2d", "rows cols srcStride dstStride accumulate src dst"),

    // ---- convolution, bias, pooling, LRN ----
    entry<&Kernels::convForward, Conv, In<ConvX>, In<ConvW>, Out<ConvY>>("convForward", "geometry x w y"),
    entry<&Kernels::convBackwardData, Conv, In<ConvY>, In<ConvW>, Out<ConvX>>("convBackwardData", "geometry dy w dx"),
    entry<&Kernels::convBackwardFilter, Conv, In<ConvX>, In<ConvY>, Out<ConvW>>("convBackwardFilter",
                                                                                  "geometry x dy dw"),
    entry<&Kernels::biasForward, Count, Count, Count, In<Dims<1>>, Out<Dims<0, 1, 2>>>("biasForward",
                                                                                         "outer channels inner bias y"),
    entry<&Kernels::biasBackward, Count, Count, Count, In<Dims<0, 1, 2>>, Out<Dims<1>>>("biasBackward",
                                                                                          "outer channels inner dy dbias"),
    entry<&Kernels::poolForward, Pool, Enum<PoolMethod>, In<PoolX>, Out<PoolY>, Out<PoolMask<1>>>(
        "poolForward", "geometry method x y mask"),
    entry<&Kernels::poolBackward, Pool, Enum<PoolMethod>, In<PoolY>, In<PoolMask<1>>, Out<PoolX>>(
        "poolBackward", "geometry method dy mask dx"),
    entry<&Kernels::lrnForward, LRN, In<LRNCount>, Out<LRNCount>, Out<LRNCount>>("lrnForward",
                                                                              "geometry alpha beta k x scale y"),
    entry<&Kernels::lrnBackward, LRN, In<LRNCount>, In<LRNCount>, In<LRNCount>, In<LRNCount>, Out<LRNCount>>(
        "lrnBackward", "geometry alpha beta k x y scale dy dx"),

    // ---- neurons, softmax, log-softmax and the softmax loss, dropout, the SGD step ----
    entry<&Kernels::neuronForward, Enum<NeuronOp>, Count, In<N1>, Out<N1>, Number>("neuronForward", "op n x y alpha"),
    entry<&Kernels::neuronBackward, Enum<NeuronOp>, Count, In<N1>, In<N1>, Out<N1>, Number>("neuronBackward",
                                                                                            "op n y dy dx alpha"),
    entry<&Kernels::layerNormForward, Count, Count, Number, In<Dims<0, 1>>, OptIn<Dims<1>>, OptIn<Dims<1>>,
          Out<Dims<0, 1>>, Out<N0>, Out<Dims<0, 1>>>("layerNormForward", "rows D eps x scale bias xhat rstd y"),
    entry<&Kernels::layerNormBackward, Count, Count, In<Dims<0, 1>>, In<N0>, In<Dims<0, 1>>, OptIn<Dims<1>>,
          Out<Dims<0, 1>>>("layerNormBackward", "rows D xhat rstd dy scale dx"),
    entry<&Kernels::softmaxForward, Classes, In<Class>, Out<Class>>("softmaxForward", "outer classes inner x y"),
    entry<&Kernels::softmaxBackward, Classes, In<Class>, In<Class>, Out<Class>>("softmaxBackward",
                                                                                "outer classes inner y dy dx"),
    entry<&Kernels::logSoftmaxForward, Classes, In<Class>, Out<Class>>("logSoftmaxForward", "outer classes inner x y"),
    entry<&Kernels::logSoftmaxBackward, Classes, In<Class>, In<Class>, Out<Class>>("logSoftmaxBackward",
                                                                                   "outer classes inner y dy dx"),
    // The loss entries return -1, or (nothing written) the position of the first label that is no
    // class: the caller reports it in its own words.
    entry<&Kernels::softmaxLossForward, Classes, In<Class>, In<Labels>, IgnoreLabel, Enum<Normalization>,
          Out<Fixed<1>>>("softmaxLossForward", "outer classes inner prob label ignoreLabel normalization loss"),
    entry<&Kernels::softmaxLossBackward, Classes, In<Class>, In<Labels>, IgnoreLabel, Enum<Normalization>, Number,
          Out<Class>>("softmaxLossBackward", "outer classes inner prob label ignoreLabel normalization lossWeight dx"),
    entry<&Kernels::randomUniform, Count, Count, Out<N0>>("randomUniform", "n key y"),
    entry<&Kernels::dropoutForward, Count, In<N0>, In<N0>, Number, Number, Out<N0>>("dropout", "n x rand ratio scale y"),
    entry<&Kernels::sgdUpdate, Count, Out<N0>, In<N0>, Out<N0>, Number, Number, Number, Flag>(
        "sgdUpdate", "n w diff hist lr momentum decay l1"),
};
const size_t kExportCount = sizeof kExports / sizeof kExports[0];

}  // namespace cortado
