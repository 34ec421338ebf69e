// Benchmark: single-thread throughput of core/ggml_dequantize per ggml type, in GB/s of float32
// written, for a slab far larger than the caches (as linear() converts a GGUF weight matrix slab
// by slab) and for one that stays in L2; dequantize_blocks (AVX2 kernels where built) and the
// portable decoders.
//
// Build and run (after building lq_core in build/):
//   g++ -O3 -march=native -std=c++20 -Isrc bench/ggml_dequant.cpp build/src/core/liblq_core.a \
//       -o bench/out/ggml_dequant && bench/out/ggml_dequant
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "core/dtype.h"
#include "core/ggml_dequantize.h"

namespace {

using Expand = void (*)(lq::DType, const std::byte*, int64_t, float*);

double best_gbps(Expand expand, lq::DType t, int64_t n, int repeats) {
  std::mt19937 rng(1);
  std::vector<std::byte> src(lq::dtype_bytes(t, n));
  for (auto& b : src) b = static_cast<std::byte>(rng() & 0xff);
  // Random bytes: some scales are inf/NaN, which x86 vector multiplies handle at full speed;
  // no result is an f32 subnormal (the smallest nonzero product is 2^-24).
  std::vector<float> dst(static_cast<size_t>(n));
  expand(t, src.data(), n, dst.data());  // warm up, fault pages in
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    expand(t, src.data(), n, dst.data());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
  }
  volatile float sink = dst[static_cast<size_t>(n / 2)];
  (void)sink;
  return static_cast<double>(n) * sizeof(float) / best / 1e9;
}

}  // namespace

int main() {
  using lq::DType;
  const DType types[] = {DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                         DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K,
                         DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};
  std::printf("| type | 64 MiB slab | 256 KiB (in cache) | portable, 64 MiB | portable, in cache |\n");
  std::printf("|---|---|---|---|---|\n");
  for (DType t : types) {
    std::printf("| %s", std::string(lq::dtype_name(t)).c_str());
    for (Expand e : {&lq::dequantize_blocks, &lq::dequantize_blocks_portable})
      std::printf(" | %.1f | %.1f", best_gbps(e, t, int64_t(16) << 20, 5), best_gbps(e, t, int64_t(64) << 10, 200));
    std::printf(" |\n");
  }
}
