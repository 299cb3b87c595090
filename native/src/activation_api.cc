// Node-API entry points for neurons, softmax and its loss, dropout and the SGD step.
#include "call.h"

namespace cortado {

namespace {

// ---- neurons, softmax, losses, dropout, solver ----

NeuronOp neuron_op(Call& c, size_t i) {
  int64_t op = c.count(i, "op");
  if (c.ok() && op > kExpNeuron) c.fail(true, "unknown neuron op %lld", (long long)op);
  return NeuronOp(op);
}

napi_value NeuronForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "neuronForward");
  NeuronOp op = neuron_op(c, 0);
  int64_t n = c.count(1, "n");
  float* x = c.f32(2, "x", double(n));
  float* y = c.f32(3, "y", double(n));
  float alpha = float(c.number(4, "alpha"));
  if (c.ok()) K().neuronForward(op, n, x, y, alpha);
  return nullptr;
}

napi_value NeuronBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "neuronBackward");
  NeuronOp op = neuron_op(c, 0);
  int64_t n = c.count(1, "n");
  float* y = c.f32(2, "y", double(n));
  float* dy = c.f32(3, "dy", double(n));
  float* dx = c.f32(4, "dx", double(n));
  float alpha = float(c.number(5, "alpha"));
  if (c.ok()) K().neuronBackward(op, n, y, dy, dx, alpha);
  return nullptr;
}

bool class_geom(Call& c, ClassGeom* g) {
  int64_t outer = c.count(0, "outer"), classes = c.count(1, "classes"), inner = c.count(2, "inner");
  if (c.ok() && (outer > 2147483647 || classes > 2147483647 || inner > 2147483647))
    c.fail(true, "outer, classes and inner must each be below 2^31");
  *g = ClassGeom{int32_t(outer), int32_t(classes), int32_t(inner)};
  return c.ok();
}

double class_size(const ClassGeom& g) { return double(g.outer) * g.classes * g.inner; }

napi_value SoftmaxForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxForward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* x = c.f32(3, "x", class_size(g));
  float* y = c.f32(4, "y", class_size(g));
  if (c.ok()) K().softmaxForward(g, x, y);
  return nullptr;
}

napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxBackward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* y = c.f32(3, "y", class_size(g));
  float* dy = c.f32(4, "dy", class_size(g));
  float* dx = c.f32(5, "dx", class_size(g));
  if (c.ok()) K().softmaxBackward(g, y, dy, dx);
  return nullptr;
}

Normalization normalization(Call& c, size_t i) {
  int64_t v = c.count(i, "normalization");
  if (c.ok() && v > kNoNorm) c.fail(true, "unknown normalization %lld", (long long)v);
  return Normalization(v);
}

// The arguments both loss entry points start with: the geometry (0 to 2), prob (3), label (4),
// ignoreLabel (5) and normalization (6).
struct LossArgs {
  ClassGeom g;
  float* prob = nullptr;
  float* label = nullptr;
  bool has_ignore = false;
  int32_t ignore = 0;
  Normalization norm = kValid;
};

bool loss_args(Call& c, LossArgs* a) {
  if (!class_geom(c, &a->g)) return false;
  a->prob = c.f32(3, "prob", class_size(a->g));
  a->label = c.f32(4, "label", double(a->g.outer) * a->g.inner);
  a->has_ignore = c.optional_int(5, "ignoreLabel", &a->ignore);
  a->norm = normalization(c, 6);
  return c.ok();
}

// The loss entry points return -1, or (nothing written) the position of the first label that is
// no class: the caller reports it in its own words.
napi_value SoftmaxLossForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxLossForward");
  LossArgs a;
  if (!loss_args(c, &a)) return nullptr;
  float* loss = c.f32(7, "loss", 1);
  if (!c.ok()) return nullptr;
  int64_t bad = K().softmaxLossForward(a.g, a.prob, a.label, a.has_ignore, a.ignore, a.norm, loss);
  return number_value(env, double(bad));
}

napi_value SoftmaxLossBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxLossBackward");
  LossArgs a;
  if (!loss_args(c, &a)) return nullptr;
  float weight = float(c.number(7, "lossWeight"));
  float* dx = c.f32(8, "dx", class_size(a.g));
  if (!c.ok()) return nullptr;
  int64_t bad = K().softmaxLossBackward(a.g, a.prob, a.label, a.has_ignore, a.ignore, a.norm, weight, dx);
  return number_value(env, double(bad));
}

napi_value Dropout(napi_env env, napi_callback_info info) {
  Call c(env, info, "dropout");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* rand = c.f32(2, "rand", double(n));
  float ratio = float(c.number(3, "ratio")), scale = float(c.number(4, "scale"));
  float* y = c.f32(5, "y", double(n));
  if (c.ok()) K().dropoutForward(n, x, rand, ratio, scale, y);
  return nullptr;
}

napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  Call c(env, info, "sgdUpdate");
  int64_t n = c.count(0, "n");
  float* w = c.f32(1, "w", double(n));
  float* diff = c.f32(2, "diff", double(n));
  float* hist = c.f32(3, "hist", double(n));
  float lr = float(c.number(4, "lr")), momentum = float(c.number(5, "momentum")), decay = float(c.number(6, "decay"));
  bool l1 = c.flag(7, "l1");
  if (c.ok()) K().sgdUpdate(n, w, diff, hist, lr, momentum, decay, l1);
  return nullptr;
}

}  // namespace

const Export kActivationExports[] = {
    {"neuronForward", NeuronForward},
    {"neuronBackward", NeuronBackward},
    {"softmaxForward", SoftmaxForward},
    {"softmaxBackward", SoftmaxBackward},
    {"softmaxLossForward", SoftmaxLossForward},
    {"softmaxLossBackward", SoftmaxLossBackward},
    {"dropout", Dropout},
    {"sgdUpdate", SgdUpdate},
};
const size_t kActivationExportCount = sizeof kActivationExports / sizeof kActivationExports[0];

}  // namespace cortado
