// An entry point is declared by its signature alone (entries.cc):
//
//   entry<&Kernels::axpy, Count, Number, In<Dims<0>>, Out<Dims<0>>>("axpy", "n alpha x y")
//
// reads n (argument 0) as a count, alpha as a number, then x and y as Float32Arrays of at least n
// elements, and calls K().axpy(n, alpha, x, y) if every check passed. Each argument kind reads its
// JS argument(s) at its position and yields kernel parameters; their types must be the kernel's
// parameter types in order (a static_assert says so), and the names must be one per JS argument
// (the table does not compile otherwise). A kernel's double or int64_t result is returned as a
// number. Checks and messages are Call's (call.h); geometries are validated by geometry.h.
#pragma once
#include <stdint.h>

#include <tuple>
#include <type_traits>
#include <utility>

#include "call.h"
#include "geometry.h"

namespace cortado {

// ---- lengths of buffer arguments, from the arguments before them ----

// The product of the counts at positions I...
template <size_t... I>
struct Dims {
  static double of(const Call& c) { return (1.0 * ... * c.dim[I]); }
};

// The count at A when the flag at F is set, else the count at B (gemv's x and y).
template <size_t F, size_t A, size_t B>
struct Either {
  static double of(const Call& c) { return c.dim[F] != 0 ? c.dim[A] : c.dim[B]; }
};

// `rows` rows of `cols` whose starts are `stride` apart: (rows - 1) stride + cols, 0 when either count is 0.
template <size_t R, size_t C, size_t S>
struct Strided {
  static double of(const Call& c) { return c.dim[R] == 0 || c.dim[C] == 0 ? 0 : (c.dim[R] - 1) * c.dim[S] + c.dim[C]; }
};

template <size_t N>
struct Fixed {
  static double of(const Call&) { return double(N); }
};

struct ConvX {
  static double of(const Call& c) { return double(c.conv.num) * c.conv.channels * c.conv.height * c.conv.width; }
};
struct ConvY {
  static double of(const Call& c) { return double(c.conv.num) * c.conv.numOutput * c.conv.outH * c.conv.outW; }
};
struct ConvW {
  static double of(const Call& c) {
    return double(c.conv.numOutput) * (c.conv.channels / c.conv.group) * c.conv.kernelH * c.conv.kernelW;
  }
};
struct PoolX {
  static double of(const Call& c) { return double(c.pool.num) * c.pool.channels * c.pool.height * c.pool.width; }
};
struct PoolY {
  static double of(const Call& c) { return double(c.pool.num) * c.pool.channels * c.pool.outH * c.pool.outW; }
};
struct LRNCount {
  static double of(const Call& c) { return double(c.lrn.num) * c.lrn.channels * c.lrn.height * c.lrn.width; }
};
// Max pooling's mask (as long as the output); mean pooling reads none. M: the method's position.
template <size_t M>
struct PoolMask {
  static double of(const Call& c) { return c.dim[M] == kMaxPool ? PoolY::of(c) : 0; }
};

// ---- argument kinds ----

struct Count {
  static constexpr size_t width = 1;
  static std::tuple<int64_t> read(Call& c, size_t i) {
    int64_t v = c.count(i);
    c.dim[i] = double(v);
    return {v};
  }
};

// A number, passed to the kernel as float.
struct Number {
  static constexpr size_t width = 1;
  static std::tuple<float> read(Call& c, size_t i) { return {float(c.number(i))}; }
};

struct Flag {
  static constexpr size_t width = 1;
  static std::tuple<bool> read(Call& c, size_t i) {
    bool v = c.flag(i);
    c.dim[i] = v ? 1 : 0;
    return {v};
  }
};

// A Float32Array of at least L::of(c) elements that the kernel reads (In) or writes (Out). The
// length is worked out only while every check so far has passed (a bad geometry may divide by 0).
template <class L>
struct In {
  static constexpr size_t width = 1;
  static std::tuple<const float*> read(Call& c, size_t i) { return {c.ok() ? c.f32(i, L::of(c)) : nullptr}; }
};
template <class L>
struct Out {
  static constexpr size_t width = 1;
  static std::tuple<float*> read(Call& c, size_t i) { return {c.ok() ? c.f32(i, L::of(c)) : nullptr}; }
};

// An In that may be null or undefined: the kernel gets nullptr (LayerNorm without scale and bias).
template <class L>
struct OptIn {
  static constexpr size_t width = 1;
  static std::tuple<const float*> read(Call& c, size_t i) {
    return {c.ok() && !c.absent(i) ? c.f32(i, L::of(c)) : nullptr};
  }
};

// The enumerations of cortado.h: their last value, and their name in messages.
template <class E> struct EnumInfo;
template <> struct EnumInfo<BinaryOp> { static constexpr int64_t last = kDiv; static constexpr const char* name = "BinaryOp"; };
template <> struct EnumInfo<UnaryOp> { static constexpr int64_t last = kAddScalar; static constexpr const char* name = "UnaryOp"; };
template <> struct EnumInfo<NeuronOp> { static constexpr int64_t last = kGeluTanh; static constexpr const char* name = "NeuronOp"; };
template <> struct EnumInfo<PoolMethod> { static constexpr int64_t last = kMeanPool; static constexpr const char* name = "PoolMethod"; };
template <> struct EnumInfo<Normalization> { static constexpr int64_t last = kNoNorm; static constexpr const char* name = "Normalization"; };

template <class E>
struct Enum {
  static constexpr size_t width = 1;
  static std::tuple<E> read(Call& c, size_t i) {
    int64_t v = c.count(i);
    if (c.ok() && v > EnumInfo<E>::last)
      c.fail_arg(i, true, "must be a %s from 0 to %lld, got %lld", EnumInfo<E>::name, (long long)EnumInfo<E>::last,
                 (long long)v);
    c.dim[i] = double(v);
    return {E(v)};
  }
};

// An Int32Array holding a ConvGeom or a PoolGeom (the fields in cortado.h's order).
struct Conv {
  static constexpr size_t width = 1;
  static std::tuple<ConvGeom> read(Call& c, size_t i) {
    conv_geom(c, i, &c.conv);
    return {c.conv};
  }
};
struct Pool {
  static constexpr size_t width = 1;
  static std::tuple<PoolGeom> read(Call& c, size_t i) {
    pool_geom(c, i, &c.pool);
    return {c.pool};
  }
};

// An Int32Array with LRN's shape and the numbers alpha, beta and k, as an LRNGeom.
struct LRN {
  static constexpr size_t width = 4;
  static std::tuple<LRNGeom> read(Call& c, size_t i) {
    lrn_geom(c, i, &c.lrn);
    return {c.lrn};
  }
};

// Three counts, outer, classes and inner, as a ClassGeom (their product: Dims<i, i+1, i+2>).
struct Classes {
  static constexpr size_t width = 3;
  static std::tuple<ClassGeom> read(Call& c, size_t i) {
    ClassGeom g{};
    class_geom(c, i, &g);
    return {g};
  }
};

// An int32 or null: (whether there is one, its value).
struct IgnoreLabel {
  static constexpr size_t width = 1;
  static std::tuple<bool, int32_t> read(Call& c, size_t i) {
    int32_t v = 0;
    bool has = c.optional_int(i, &v);
    return {has, v};
  }
};

// ---- the entry point of a signature ----

template <class F> struct KernelOf;
template <class R, class... P>
struct KernelOf<R (*Kernels::*)(P...)> {
  using result = R;
  using params = std::tuple<std::decay_t<P>...>;
};

template <auto Kernel, class... A>
struct Entry {
  static constexpr size_t width = (0 + ... + A::width);

  static napi_value call(napi_env env, napi_callback_info info) {
    Call c(env, info);
    auto args = read(c, std::index_sequence_for<A...>{});
    using Fn = KernelOf<decltype(Kernel)>;
    static_assert(std::is_same_v<decltype(args), typename Fn::params>,
                  "an entry's argument kinds must yield the kernel's parameters, in order");
    if (!c.ok()) return nullptr;
    if constexpr (std::is_void_v<typename Fn::result>) {
      std::apply(K().*Kernel, args);
      return nullptr;
    } else {
      return number_value(env, double(std::apply(K().*Kernel, args)));
    }
  }

 private:
  // Position of the first JS argument of kind J.
  template <size_t J>
  static constexpr size_t start() {
    constexpr size_t widths[] = {A::width...};
    size_t at = 0;
    for (size_t k = 0; k < J; ++k) at += widths[k];
    return at;
  }

  // Reads the kinds in order (a braced list is evaluated left to right) and joins their parameters.
  template <size_t... J>
  static auto read(Call& c, std::index_sequence<J...>) {
    std::tuple<decltype(A::read(c, 0))...> parts{A::read(c, start<J>())...};
    return std::apply([](auto&... p) { return std::tuple_cat(p...); }, parts);
  }
};

// Reached only when a table entry names more or fewer arguments than its kinds read: the table is
// constexpr, so such an entry does not compile.
inline void argument_names_do_not_match_the_signature() {}

constexpr size_t word_count(const char* s) {
  size_t n = *s ? 1 : 0;
  for (; *s; ++s)
    if (*s == ' ') ++n;
  return n;
}

template <auto Kernel, class... A>
constexpr Export entry(const char* name, const char* args) {
  static_assert(Entry<Kernel, A...>::width <= kMaxArgs, "more arguments than a Call holds");
  if (word_count(args) != Entry<Kernel, A...>::width) argument_names_do_not_match_the_signature();
  return Export{name, args, &Entry<Kernel, A...>::call};
}

}  // namespace cortado
