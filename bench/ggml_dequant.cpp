// Benchmark: single-thread throughput of core/ggml_dequantize (dequantize_blocks) per ggml type,
// in GB/s of float32 written, for a slab far larger than the caches (as linear() converts a
// GGUF weight matrix slab by slab) and for one that stays in L2.
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

double best_gbps(lq::DType t, int64_t n, int repeats) {
  std::mt19937 rng(1);
  std::vector<std::byte> src(lq::dtype_bytes(t, n));
  for (auto& b : src) b = static_cast<std::byte>(rng() & 0xff);
  // Random bytes: some scales are inf/NaN, which x86 vector multiplies handle at full speed;
  // no result is an f32 subnormal (the smallest nonzero product is 2^-24).
  std::vector<float> dst(static_cast<size_t>(n));
  lq::dequantize_blocks(t, src.data(), n, dst.data());  // warm up, fault pages in
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    lq::dequantize_blocks(t, src.data(), n, dst.data());
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
  std::printf("| type | GB/s out, 64 MiB slab | GB/s out, 256 KiB (in cache) |\n|---|---|---|\n");
  for (DType t : types) {
    const double big = best_gbps(t, int64_t(16) << 20, 5);
    const double small = best_gbps(t, int64_t(64) << 10, 200);
    std::printf("| %s | %.1f | %.1f |\n", std::string(lq::dtype_name(t)).c_str(), big, small);
  }
}
