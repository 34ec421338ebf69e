#include "quant/int_grid.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/half.h"
#include "quant/aciq.h"

namespace lq::quant {
namespace {

constexpr size_t kChunk = 8192;  // fixed summation chunks: results independent of threads

size_t num_chunks(size_t n) { return (n + kChunk - 1) / kChunk; }

// Sum over [0, n) of term(i), in double, chunk by chunk, chunks combined in order.
template <class Term>
double chunked_sum(size_t n, bool parallel, Term term) {
  const size_t nc = num_chunks(n);
  auto chunk = [n, &term](size_t c) {
    double s = 0;
    const size_t end = std::min(n, (c + 1) * kChunk);
    for (size_t i = c * kChunk; i < end; ++i) s += term(i);
    return s;
  };
  if (nc <= 1) return nc ? chunk(0) : 0.0;
  std::vector<double> part(nc, 0.0);
#pragma omp parallel for schedule(static) if (parallel)
  for (long long c = 0; c < static_cast<long long>(nc); ++c) part[size_t(c)] = chunk(size_t(c));
  double total = 0;
  for (double s : part) total += s;
  return total;
}

// Sum of squared errors of w[0..n) on grid g, as fake_quant computes the values. Eight
// fixed lanes (combined in a fixed order) let the compiler vectorise; nearbyint = rint here.
double sq_error(const float* w, size_t n, const IntGrid& g) {
  const float s = g.scale, z = static_cast<float>(g.zero);
  const float lo = static_cast<float>(g.qmin), hi = static_cast<float>(g.qmax);
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  auto term = [&](float x) {
    if (s == 0) return double(x) * double(x);
    float q = std::nearbyint(x / s) + z;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    const double d = double((q - z) * s) - double(x);
    return d * d;
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += term(w[i + j]);
  for (int j = 0; i < n; ++i, ++j) acc[j] += term(w[i]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

void min_max(const float* w, size_t n, bool parallel, float& lo, float& hi) {
  float mn = INFINITY, mx = -INFINITY;
#pragma omp parallel for reduction(min : mn) reduction(max : mx) if (parallel && n > kChunk)
  for (long long i = 0; i < static_cast<long long>(n); ++i) {
    mn = std::min(mn, w[i]);
    mx = std::max(mx, w[i]);
  }
  lo = n ? mn : 0.0f;
  hi = n ? mx : 0.0f;
}

float round_scale_f16(float s) {
  if (!(s > 0)) return 0;
  const float r = f16_to_f32(f32_to_f16(s));
  if (std::isinf(r)) return 65504.0f;
  if (r == 0) return std::ldexp(1.0f, -24);
  return r;
}

// Clip range [lo, hi] by percentile, ACIQ, or absmax.
void clip_range(const Format& f, const float* w, size_t n, bool parallel, float& lo, float& hi) {
  min_max(w, n, parallel, lo, hi);
  if (n == 0) return;
  if (f.method == ScaleMethod::Percentile) {
    std::vector<float> v(w, w + n);
    if (f.asym) {
      hi = percentile(v.data(), n, f.percentile);
      lo = percentile(v.data(), n, 100.0 - f.percentile);
    } else {
      for (float& x : v) x = std::fabs(x);
      hi = percentile(v.data(), n, f.percentile);
      lo = -hi;
    }
  } else if (f.method == ScaleMethod::AciqLaplace || f.method == ScaleMethod::AciqGauss) {
    const double mean = chunked_sum(n, parallel, [w](size_t i) { return double(w[i]); }) / n;
    double spread;  // Laplace b = mean |w - mean|; Gaussian sigma = population std
    if (f.method == ScaleMethod::AciqLaplace) {
      spread = chunked_sum(n, parallel, [w, mean](size_t i) { return std::fabs(w[i] - mean); }) / n;
      spread *= aciq_alpha_laplace(f.bits);
    } else {
      spread = std::sqrt(chunked_sum(n, parallel, [w, mean](size_t i) {
                           const double d = w[i] - mean;
                           return d * d;
                         }) / n);
      spread *= aciq_alpha_gauss(f.bits);
    }
    if (f.asym) {  // clip [mean - alpha, mean + alpha], never wider than the data
      lo = std::max(lo, static_cast<float>(mean - spread));
      hi = std::min(hi, static_cast<float>(mean + spread));
    } else {  // symmetric about 0: reach |mean| + alpha, never beyond absmax
      const float amax = std::max(std::fabs(lo), std::fabs(hi));
      hi = std::min(amax, static_cast<float>(std::fabs(mean) + spread));
      lo = -hi;
    }
  }
}

}  // namespace

IntGrid make_grid(float lo, float hi, int bits, bool asym, bool f16_scale) {
  IntGrid g;
  if (asym) {
    lo = std::min(lo, 0.0f);
    hi = std::max(hi, 0.0f);
    g.qmin = 0;
    g.qmax = (1 << bits) - 1;
    g.scale = (hi - lo) / static_cast<float>(g.qmax);
  } else {
    g.qmax = (1 << (bits - 1)) - 1;
    g.qmin = -g.qmax;
    g.scale = std::max(std::fabs(lo), std::fabs(hi)) / static_cast<float>(g.qmax);
  }
  if (f16_scale) g.scale = round_scale_f16(g.scale);
  if (!(g.scale > 0) || std::isinf(g.scale)) g.scale = 0;
  if (asym && g.scale > 0) {
    const float z = std::rint(-lo / g.scale);
    g.zero = static_cast<int32_t>(std::clamp(z, 0.0f, static_cast<float>(g.qmax)));
  }
  return g;
}

int32_t encode(float w, const IntGrid& g) {
  if (g.scale == 0) return g.zero;
  const float q = std::rint(w / g.scale) + static_cast<float>(g.zero);
  if (std::isnan(q)) return g.zero;
  return static_cast<int32_t>(std::clamp(q, static_cast<float>(g.qmin), static_cast<float>(g.qmax)));
}

float decode(int32_t code, const IntGrid& g) { return static_cast<float>(code - g.zero) * g.scale; }

float percentile(float* v, size_t n, double p) {
  if (n == 0) return 0;
  const double pos = p / 100.0 * static_cast<double>(n - 1);
  const size_t i = std::min(static_cast<size_t>(pos), n - 1);
  std::nth_element(v, v + i, v + n);
  const double a = v[i];
  if (i + 1 >= n) return v[i];
  const double b = *std::min_element(v + i + 1, v + n);  // the next order statistic
  return static_cast<float>(a + (pos - static_cast<double>(i)) * (b - a));
}

IntGrid choose_grid(const Format& f, const float* w, size_t n, bool f16_scale, bool parallel) {
  float lo, hi;
  if (f.method != ScaleMethod::Mse) {
    clip_range(f, w, n, parallel, lo, hi);
    return make_grid(lo, hi, f.bits, f.asym, f16_scale);
  }
  // MSE: shrink the absmax range by r = 1.00, 0.99, ..., 0.01; keep the first best
  // (r = 1 is absmax, so the result is never worse than absmax).
  min_max(w, n, parallel, lo, hi);
  IntGrid best = make_grid(lo, hi, f.bits, f.asym, f16_scale);
  double best_err = INFINITY;
  for (int i = 0; i < 100; ++i) {
    const double r = (100 - i) / 100.0;
    const IntGrid g = make_grid(static_cast<float>(r * lo), static_cast<float>(r * hi), f.bits,
                                f.asym, f16_scale);
    double err;
    if (n <= kChunk) {
      err = sq_error(w, n, g);
    } else {
      std::vector<double> part(num_chunks(n));
#pragma omp parallel for schedule(static) if (parallel)
      for (long long c = 0; c < static_cast<long long>(part.size()); ++c)
        part[size_t(c)] = sq_error(w + size_t(c) * kChunk, std::min(kChunk, n - size_t(c) * kChunk), g);
      err = 0;
      for (double p : part) err += p;
    }
    if (err < best_err) best_err = err, best = g;
  }
  return best;
}

void fake_quantize_span(const Format& f, const float* w, float* out, size_t n, bool f16_scale,
                        bool parallel) {
  const IntGrid g = choose_grid(f, w, n, f16_scale, parallel);
#pragma omp parallel for schedule(static) if (parallel && n > kChunk)
  for (long long i = 0; i < static_cast<long long>(n); ++i) out[i] = fake_quant(w[i], g);
}

}  // namespace lq::quant
