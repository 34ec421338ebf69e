// "How much of a tensor's magnitude sits in its largest weights": the share of sum |w| held by
// the top 0.01%, 1% and 10% of weights by |w| (the seeds' dense-vs-sparse outlier test).
// The count taken is ceil(n * fraction), so a tensor of 100 weights has a top-0.01% of 1.
// Ties at the threshold do not matter: the sum of the K largest values is unique.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace lq::analysis {

constexpr std::array<int64_t, 3> kTopDenominators = {10000, 100, 10};  // 0.01%, 1%, 10%
inline int64_t top_count(int64_t n, int64_t denominator) { return (n + denominator - 1) / denominator; }

// Sum of the K largest of `abs_values` for each K in kTopDenominators (reorders the vector).
std::array<double, 3> top_sums(std::vector<float>& abs_values);

// The same for values that do not fit in memory together (a layer, a component): an exact
// two-pass radix selection on the bits of |w| (non-negative floats order like their bit
// patterns). Pass 1 histograms the upper 16 bits with counts and sums; pass 2 histograms the
// lower 16 bits inside each bucket that holds a K-th largest value.
class StreamingTopSums {
 public:
  StreamingTopSums();
  void add_pass1(const float* x, int64_t n);
  void finish_pass1();                               // picks the buckets pass 2 resolves
  void add_pass2(const float* x, int64_t n);
  std::array<double, 3> finish();
  int64_t count() const { return n_; }

 private:
  int64_t n_ = 0;
  std::vector<int64_t> high_count_;
  std::vector<double> high_sum_;
  struct Target {
    int64_t k = 0;
    uint32_t bucket = 0;
    int64_t above = 0;   // values in higher buckets
    double above_sum = 0;
    std::vector<int64_t> low;  // pass 2 counts of the lower 16 bits inside `bucket`
  };
  std::array<Target, 3> targets_;
};

}  // namespace lq::analysis
