// Picks the kernel table for this CPU once, at first use.
#include <stdlib.h>
#include <string.h>

#include "cortado.h"

namespace cortado {

namespace {

const Kernels* choose() {
  // CORTADO_NATIVE_ISA caps the choice, so the narrower paths can be tested on a wide machine.
  const char* cap = getenv("CORTADO_NATIVE_ISA");
  int limit = 2;
  if (cap && strcmp(cap, "portable") == 0) limit = 0;
  if (cap && strcmp(cap, "avx2") == 0) limit = 1;
#if defined(CORTADO_X86_ISAS)
  __builtin_cpu_init();
  if (limit >= 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return avx512::table();
  if (limit >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return avx2::table();
#else
  (void)limit;
#endif
  return portable::table();
}

}  // namespace

const Kernels& kernels() {
  static const Kernels* k = choose();
  return *k;
}

}  // namespace cortado
