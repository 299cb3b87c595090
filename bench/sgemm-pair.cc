// Square SGEMM of two builds of native/kernels/gemm.cc and of OpenBLAS, interleaved in one
// process: bench/sgemm-pair.sh builds this file (see there). Each round times every system on the
// same matrices, in an order that rotates; a ratio is taken within a round, so the host's drift
// over seconds (10-50% on a shared VM) mostly cancels out of it.
//   sgemm-pair ROUNDS THREADS n...
#include <stdint.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace cortado {
namespace base_build {
void gemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*, float, float*);
}
namespace new_build {
void gemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*, float, float*);
}
}  // namespace cortado

extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                            float*, int);
extern "C" void openblas_set_num_threads(int);

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sgemm-pair ROUNDS THREADS n...\n");
    return 2;
  }
  const int rounds = atoi(argv[1]);
  openblas_set_num_threads(atoi(argv[2]));
  printf("GFLOP/s, median (best) of the rounds; ratios are medians of each round's ratio\n");
  printf("    n  base            new             openblas        | new/base  base/openblas  new/openblas\n");
  for (int arg = 3; arg < argc; ++arg) {
    const int n = atoi(argv[arg]);
    std::vector<float> A(size_t(n) * n), B(size_t(n) * n), C(size_t(n) * n);
    for (auto& x : A) x = rand() / float(RAND_MAX) - 0.5f;
    for (auto& x : B) x = rand() / float(RAND_MAX) - 0.5f;
    // About 10 GFLOP per system and round.
    const int reps = std::max(3, int(1e10 / (2.0 * n * n * n)));
    auto seconds = [&](int system) {
      auto t = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; ++r) {
        if (system == 0) cortado::base_build::gemm(false, false, n, n, n, 1.0f, A.data(), B.data(), 0.0f, C.data());
        else if (system == 1) cortado::new_build::gemm(false, false, n, n, n, 1.0f, A.data(), B.data(), 0.0f, C.data());
        else cblas_sgemm(101, 111, 111, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);  // row-major, NN
      }
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count() / reps;
    };
    for (int s = 0; s < 3; ++s) seconds(s);  // warm-up: scratch buffers, thread pools
    std::vector<double> t[3], new_base, base_ob, new_ob;
    for (int r = 0; r < rounds; ++r) {
      double x[3];
      for (int i = 0; i < 3; ++i) {
        const int s = (i + r) % 3;
        x[s] = seconds(s);
        t[s].push_back(x[s]);
      }
      new_base.push_back(x[0] / x[1]);
      base_ob.push_back(x[2] / x[0]);
      new_ob.push_back(x[2] / x[1]);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double g = 2.0 * n * n * n / 1e9;
    auto rate = [&](int s) {
      static char buf[3][32];
      snprintf(buf[s], sizeof buf[s], "%6.1f (%6.1f)", g / median(t[s]), g / *std::min_element(t[s].begin(), t[s].end()));
      return buf[s];
    };
    printf("%5d  %s  %s  %s | %7.3fx  %12.3fx  %11.3fx\n", n, rate(0), rate(1), rate(2), median(new_base),
           median(base_ob), median(new_ob));
  }
}
