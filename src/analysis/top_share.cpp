#include "analysis/top_share.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "analysis/float_bits.h"

namespace lq::analysis {
namespace {

}  // namespace

std::array<double, 3> top_sums(std::vector<float>& a) {
  std::array<double, 3> out{};
  const int64_t n = static_cast<int64_t>(a.size());
  // Largest K first (the 10% set), then narrow inside it: each nth_element leaves the K
  // largest in front, in some order.
  size_t end = a.size();
  for (int i = 2; i >= 0; --i) {
    const size_t k = static_cast<size_t>(top_count(n, kTopDenominators[i]));
    std::nth_element(a.begin(), a.begin() + (k - 1), a.begin() + end, std::greater<float>());
    double s = 0;
    for (size_t j = 0; j < k; ++j) s += a[j];
    out[i] = s;
    end = k;
  }
  return out;
}

StreamingTopSums::StreamingTopSums() : high_count_(65536, 0), high_sum_(65536, 0.0) {}

void StreamingTopSums::add_pass1(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t b = abs_bits(x[i]);
    ++high_count_[b >> 16];
    high_sum_[b >> 16] += from_bits(b);
  }
  n_ += n;
}

void StreamingTopSums::finish_pass1() {
  for (size_t t = 0; t < targets_.size(); ++t) {
    Target& g = targets_[t];
    g.k = top_count(n_, kTopDenominators[t]);
    // Highest bucket b whose count, with every higher bucket's, reaches k.
    int64_t acc = 0;
    double sum = 0;
    int b = 65535;
    for (; b > 0 && acc + high_count_[b] < g.k; --b) {
      acc += high_count_[b];
      sum += high_sum_[b];
    }
    g.bucket = static_cast<uint32_t>(b);
    g.above = acc;
    g.above_sum = sum;
    g.low.assign(65536, 0);
  }
}

void StreamingTopSums::add_pass2(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t b = abs_bits(x[i]);
    for (Target& g : targets_)
      if ((b >> 16) == g.bucket) ++g.low[b & 0xffffu];
  }
}

std::array<double, 3> StreamingTopSums::finish() {
  std::array<double, 3> out{};
  for (size_t t = 0; t < targets_.size(); ++t) {
    Target& g = targets_[t];
    int64_t need = g.k - g.above;
    double s = g.above_sum;
    for (int low = 65535; low >= 0 && need > 0; --low) {
      const int64_t take = std::min(need, g.low[low]);
      s += static_cast<double>(take) * from_bits(g.bucket << 16 | static_cast<uint32_t>(low));
      need -= take;
    }
    out[t] = s;
    g.low.clear();
    g.low.shrink_to_fit();
  }
  return out;
}

}  // namespace lq::analysis
