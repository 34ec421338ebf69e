// Q4_0, Q4_1, Q5_0, Q5_1 with importance weights (see kquants.h): ggml's quantize_q4_0 etc.
// with quant_weights != null, which replace the closed-form block scale of the _ref writers
// (ggml_blocks.cpp) by the K-quant searches. The importance of weight j is
// qw[j] * sqrt(sigma^2 + x_j^2), sigma^2 the mean square of the whole row. Layouts as in
// ggml_blocks.h. Compiled with -ffp-contract=off.
#include <cmath>

#include "quant/kquants.h"
#include "quant/kquants_search.h"

namespace lq::quant::ggml::kquants {
namespace {

using search::put_f16;

constexpr int kBlock = 32;

float row_sigma2(const float* x, int64_t n) {
  float s = 0.0f;
  for (int64_t j = 0; j < n; ++j) s += x[j] * x[j];
  return s / static_cast<float>(n);
}

void block_weights(const float* x, const float* qw, float sigma2, float* w) {
  for (int j = 0; j < kBlock; ++j) w[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

// Codes 0..15 (or the low 4 bits of 0..31): weight j low nibble of qs[j], j+16 high nibble;
// bit 4 of weight j is bit j of qh.
template <class Code>
void pack(const Code* L, uint8_t* qs, uint8_t* qh) {
  uint32_t h = 0;
  for (int j = 0; j < 16; ++j) {
    const auto lo = static_cast<uint8_t>(L[j]), hi = static_cast<uint8_t>(L[j + 16]);
    qs[j] = static_cast<uint8_t>(qh ? ((lo & 0xF) | (hi & 0xF) << 4) : (lo | hi << 4));
    h |= uint32_t((lo >> 4) & 1u) << j;
    h |= uint32_t((hi >> 4) & 1u) << (j + 16);
  }
  if (qh)
    for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(h >> (8 * i));
}

// Symmetric types: make_qx_quants with nmax 8 (Q4_0) or 16 (Q5_0), codes l + nmax.
void symmetric(const float* x, int64_t n, uint8_t* out, const float* qw, int nmax) {
  const float sigma2 = row_sigma2(x, n);
  const int bytes = nmax == 8 ? 18 : 22;
  float w[kBlock];
  int8_t L[kBlock];
  for (int64_t ib = 0; ib < n / kBlock; ++ib) {
    const float* xb = x + kBlock * ib;
    uint8_t* b = out + bytes * ib;
    block_weights(xb, qw + kBlock * ib, sigma2, w);
    put_f16(b, search::symmetric_scale(kBlock, nmax, xb, w, L));
    if (nmax == 8) pack(L, b + 2, nullptr);
    else pack(L, b + 6, b + 2);
  }
}

// Scale-and-min types: make_qkx3_quants (the weighted scale_min search) with nmax 15 or 31.
void scale_min(const float* x, int64_t n, uint8_t* out, const float* qw, int nmax) {
  const float sigma2 = row_sigma2(x, n);
  const int bytes = nmax == 15 ? 20 : 24;
  float w[kBlock];
  uint8_t L[kBlock], Laux[kBlock];
  for (int64_t ib = 0; ib < n / kBlock; ++ib) {
    const float* xb = x + kBlock * ib;
    uint8_t* b = out + bytes * ib;
    block_weights(xb, qw + kBlock * ib, sigma2, w);
    float neg_min = 0.0f;
    const float d = search::scale_min(kBlock, nmax, xb, w, L, &neg_min, Laux, -0.9f, 0.05f, 36, false);
    put_f16(b, d);
    put_f16(b + 2, -neg_min);
    if (nmax == 15) pack(L, b + 4, nullptr);
    else pack(L, b + 8, b + 4);
  }
}

}  // namespace

void q4_0_weighted(const float* x, int64_t n, uint8_t* out, const float* qw) { symmetric(x, n, out, qw, 8); }
void q5_0_weighted(const float* x, int64_t n, uint8_t* out, const float* qw) { symmetric(x, n, out, qw, 16); }
void q4_1_weighted(const float* x, int64_t n, uint8_t* out, const float* qw) { scale_min(x, n, out, qw, 15); }
void q5_1_weighted(const float* x, int64_t n, uint8_t* out, const float* qw) { scale_min(x, n, out, qw, 31); }

}  // namespace lq::quant::ggml::kquants
