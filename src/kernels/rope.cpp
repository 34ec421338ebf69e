#include "kernels/rope.h"

#include <cmath>
#include <stdexcept>

namespace lq {

std::vector<float> rope_inv_freq(const RopeParams& p, int64_t seq_len) {
  const int half = p.n_rot / 2;
  double base = p.theta;
  if (p.scaling == "dynamic" && seq_len > p.original_ctx) {
    const double ratio = p.factor * static_cast<double>(seq_len) / static_cast<double>(p.original_ctx);
    base *= std::pow(ratio - (p.factor - 1.0), static_cast<double>(p.n_rot) / (p.n_rot - 2));
  }
  std::vector<float> f(static_cast<size_t>(half));
  const auto basef = static_cast<float>(base);
  for (int i = 0; i < half; ++i) {
    // torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all float32.
    const float e = static_cast<float>(2 * i) / static_cast<float>(p.n_rot);
    f[i] = 1.0f / std::pow(basef, e);
  }
  if (p.scaling == "linear") {
    for (float& x : f) x = static_cast<float>(x / p.factor);
  } else if (p.scaling == "llama3") {
    const double low_wavelen = p.original_ctx / p.low_freq_factor;
    const double high_wavelen = p.original_ctx / p.high_freq_factor;
    for (float& x : f) {
      const double wavelen = 2 * M_PI / x;
      if (wavelen < high_wavelen) continue;  // high frequencies: unchanged
      if (wavelen > low_wavelen) {           // low frequencies: divided by factor
        x = static_cast<float>(x / p.factor);
      } else {  // between: interpolate
        const double smooth = (p.original_ctx / wavelen - p.low_freq_factor) / (p.high_freq_factor - p.low_freq_factor);
        x = static_cast<float>((1 - smooth) * x / p.factor + smooth * x);
      }
    }
  } else if (p.scaling != "default" && p.scaling != "dynamic") {
    throw std::invalid_argument("unsupported rope scaling type '" + p.scaling + "'");
  }
  return f;
}

void rope_inplace(float* x, int64_t M, int64_t stride, const int32_t* positions, int n_head,
                  int head_dim, int n_rot, const float* inv_freq) {
  const int half = n_rot / 2;
#pragma omp parallel
  {
    std::vector<float> c(static_cast<size_t>(half)), s(static_cast<size_t>(half));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < M; ++r) {
      const auto pos = static_cast<float>(positions[r]);
      for (int i = 0; i < half; ++i) {
        const float a = pos * inv_freq[i];  // float32 angle, as transformers forms it
        c[i] = static_cast<float>(std::cos(static_cast<double>(a)));
        s[i] = static_cast<float>(std::sin(static_cast<double>(a)));
      }
      for (int h = 0; h < n_head; ++h) {
        float* v = x + r * stride + static_cast<int64_t>(h) * head_dim;
        for (int i = 0; i < half; ++i) {
          const float x1 = v[i], x2 = v[i + half];
          v[i] = x1 * c[i] - x2 * s[i];
          v[i + half] = x2 * c[i] + x1 * s[i];
        }
      }
    }
  }
}

void rope_reference(float* x, int64_t M, int64_t stride, const int32_t* positions, int n_head,
                    int head_dim, int n_rot, const float* inv_freq) {
  const int half = n_rot / 2;
  for (int64_t r = 0; r < M; ++r)
    for (int h = 0; h < n_head; ++h) {
      float* v = x + r * stride + static_cast<int64_t>(h) * head_dim;
      std::vector<double> in(v, v + n_rot);
      for (int d = 0; d < n_rot; ++d) {
        const int i = d % half;
        // The angle is the float32 product, as in rope_inplace and transformers (at position
        // 4095 a double angle differs by ~1e-4 rad); everything after it is double.
        const double a = static_cast<float>(static_cast<float>(positions[r]) * inv_freq[i]);
        // rotate_half(x) = cat(-x2, x1);  x' = x cos + rotate_half(x) sin
        const double rot = d < half ? -in[d + half] : in[d - half];
        v[d] = static_cast<float>(in[d] * std::cos(a) + rot * std::sin(a));
      }
    }
}

}  // namespace lq
