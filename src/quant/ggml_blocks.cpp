#include "quant/ggml_blocks.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/ggml_dequantize.h"
#include "core/half.h"
#include "quant/kquants.h"

// The arithmetic below must be evaluated exactly as written, in f32, with no fused
// multiply-add: CMakeLists compiles this library with -ffp-contract=off.

namespace lq::quant::ggml {
namespace {

constexpr int kHalf = 16;  // weights j and j+16 share a byte

// ggml converts with a C cast to int8_t/uint8_t: truncation toward zero, then the low byte.
// Out of the int range the cast is undefined in C; that happens only for NaN inputs or when
// 1/d overflows (a block whose largest magnitude is an f32 subnormal), and there we return
// what x86-64 builds of ggml give: cvttss2si yields INT32_MIN, whose low byte is 0.
inline int32_t c_cast_int(float v) {
  if (!(v > -2147483648.0f && v < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(v);
}
inline int8_t to_i8(float v) { return static_cast<int8_t>(c_cast_int(v)); }   // modular (C++20)
inline uint8_t to_u8(float v) { return static_cast<uint8_t>(c_cast_int(v)); }

inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Signed value of largest magnitude; the first such value wins ties (strict comparison).
float signed_absmax(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, float& lo, float& hi) {
  lo = FLT_MAX;
  hi = -FLT_MAX;
  for (int j = 0; j < 32; ++j) {
    if (x[j] < lo) lo = x[j];
    if (x[j] > hi) hi = x[j];
  }
}

inline float inverse(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Symmetric 4/5-bit block (Q4_0 with levels=8, Q5_0 with levels=16): codes 0..2*levels-1.
void quantize_sym(const float* x, int levels, uint8_t* b) {
  const float d = signed_absmax(x) / static_cast<float>(-levels);
  const float id = inverse(d);
  const float bias = static_cast<float>(levels) + 0.5f;  // 8.5 or 16.5, exact
  put_u16(b, f32_to_f16(d));
  uint32_t qh = 0;
  uint8_t* qs = b + (levels == 8 ? 2 : 6);
  for (int j = 0; j < kHalf; ++j) {
    int lo = to_i8(x[j] * id + bias), hi = to_i8(x[j + kHalf] * id + bias);
    const int top = 2 * levels - 1;  // 15 or 31
    if (lo > top) lo = top;
    if (hi > top) hi = top;
    const uint8_t ulo = static_cast<uint8_t>(lo), uhi = static_cast<uint8_t>(hi);
    if (levels == 8) {
      qs[j] = static_cast<uint8_t>(ulo | uhi << 4);  // ggml does not mask Q4_0 codes
    } else {
      qs[j] = static_cast<uint8_t>((ulo & 0x0f) | (uhi & 0x0f) << 4);
      qh |= uint32_t((ulo >> 4) & 1u) << j;
      qh |= uint32_t((uhi >> 4) & 1u) << (j + kHalf);
    }
  }
  if (levels == 16) put_u32(b + 2, qh);
}

// Min/scale 4/5-bit block (Q4_1 with bits=4, Q5_1 with bits=5).
void quantize_minscale(const float* x, int bits, uint8_t* b) {
  float lo, hi;
  min_max(x, lo, hi);
  const int top = (1 << bits) - 1;
  const float d = (hi - lo) / static_cast<float>(top);
  const float id = inverse(d);
  put_u16(b, f32_to_f16(d));
  put_u16(b + 2, f32_to_f16(lo));
  uint32_t qh = 0;
  uint8_t* qs = b + (bits == 4 ? 4 : 8);
  for (int j = 0; j < kHalf; ++j) {
    const float v0 = (x[j] - lo) * id + 0.5f, v1 = (x[j + kHalf] - lo) * id + 0.5f;
    uint8_t c0, c1;
    if (bits == 4) {  // Q4_1 clamps the int8 code to 15; Q5_1 takes the uint8 cast as is
      int a = to_i8(v0), c = to_i8(v1);
      c0 = static_cast<uint8_t>(a > top ? top : a);
      c1 = static_cast<uint8_t>(c > top ? top : c);
      qs[j] = static_cast<uint8_t>(c0 | c1 << 4);
    } else {
      c0 = to_u8(v0);
      c1 = to_u8(v1);
      qs[j] = static_cast<uint8_t>((c0 & 0x0f) | (c1 & 0x0f) << 4);
      qh |= uint32_t((c0 >> 4) & 1u) << j;
      qh |= uint32_t((c1 >> 4) & 1u) << (j + kHalf);
    }
  }
  if (bits == 5) put_u32(b + 4, qh);
}

void quantize_q8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;
  }
  const float d = amax / 127.0f;
  const float id = inverse(d);
  put_u16(b, f32_to_f16(d));
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(to_i8(std::round(x[j] * id)));
}

}  // namespace

DType dtype_of(BlockType t) {
  switch (t) {
    case BlockType::Q4_0: return DType::Q4_0;
    case BlockType::Q4_1: return DType::Q4_1;
    case BlockType::Q5_0: return DType::Q5_0;
    case BlockType::Q5_1: return DType::Q5_1;
    case BlockType::Q8_0: return DType::Q8_0;
    case BlockType::Q2_K: return DType::Q2_K;
    case BlockType::Q3_K: return DType::Q3_K;
    case BlockType::Q4_K: return DType::Q4_K;
    case BlockType::Q5_K: return DType::Q5_K;
    case BlockType::Q6_K: return DType::Q6_K;
    case BlockType::IQ4_NL: return DType::IQ4_NL;
    case BlockType::IQ4_XS: return DType::IQ4_XS;
  }
  fail("ggml", "unknown block type");
}

int64_t block_weights(BlockType t) { return dtype_block_size(dtype_of(t)); }
size_t block_bytes(BlockType t) { return dtype_block_bytes(dtype_of(t)); }
size_t row_bytes(BlockType t, int64_t n) { return block_bytes(t) * static_cast<size_t>(n / block_weights(t)); }

const char* block_name(BlockType t) {
  switch (t) {
    case BlockType::Q4_0: return "q4_0";
    case BlockType::Q4_1: return "q4_1";
    case BlockType::Q5_0: return "q5_0";
    case BlockType::Q5_1: return "q5_1";
    case BlockType::Q8_0: return "q8_0";
    case BlockType::Q2_K: return "q2_k";
    case BlockType::Q3_K: return "q3_k";
    case BlockType::Q4_K: return "q4_k";
    case BlockType::Q5_K: return "q5_k";
    case BlockType::Q6_K: return "q6_k";
    case BlockType::IQ4_NL: return "iq4_nl";
    case BlockType::IQ4_XS: return "iq4_xs";
  }
  return "?";
}

void quantize_row_reference_into(BlockType t, const float* x, int64_t n, uint8_t* out) {
  if (t == BlockType::IQ4_NL) return kquants::iq4_nl(x, n, out, nullptr, /*reference=*/true);
  quantize_row_into(t, x, n, out, nullptr);
}

void quantize_row_into(BlockType t, const float* x, int64_t n, uint8_t* out, const float* qw) {
  switch (t) {
    case BlockType::Q2_K: return kquants::q2_k(x, n, out, qw);
    case BlockType::Q3_K: return kquants::q3_k(x, n, out, qw);
    case BlockType::Q4_K: return kquants::q4_k(x, n, out, qw);
    case BlockType::Q5_K: return kquants::q5_k(x, n, out, qw);
    case BlockType::Q6_K: return kquants::q6_k(x, n, out, qw);
    case BlockType::IQ4_NL: return kquants::iq4_nl(x, n, out, qw, /*reference=*/false);
    case BlockType::IQ4_XS: return kquants::iq4_xs(x, n, out, qw);
    default: break;
  }
  if (qw && t != BlockType::Q8_0) {  // Q8_0 has no weighted variant: ggml ignores the weights
    switch (t) {
      case BlockType::Q4_0: return kquants::q4_0_weighted(x, n, out, qw);
      case BlockType::Q4_1: return kquants::q4_1_weighted(x, n, out, qw);
      case BlockType::Q5_0: return kquants::q5_0_weighted(x, n, out, qw);
      default: return kquants::q5_1_weighted(x, n, out, qw);
    }
  }
  const size_t bb = block_bytes(t);
  for (int64_t i = 0; i < n / 32; ++i) {
    const float* xb = x + 32 * i;
    uint8_t* b = out + bb * static_cast<size_t>(i);
    switch (t) {
      case BlockType::Q4_0: quantize_sym(xb, 8, b); break;
      case BlockType::Q5_0: quantize_sym(xb, 16, b); break;
      case BlockType::Q4_1: quantize_minscale(xb, 4, b); break;
      case BlockType::Q5_1: quantize_minscale(xb, 5, b); break;
      default: quantize_q8_0(xb, b); break;
    }
  }
}

void check_row_length(BlockType t, int64_t n) {
  const int64_t bw = block_weights(t);
  if (n < 0 || n % bw != 0)
    fail("quant", std::string(block_name(t)) + " quantizes rows whose length is a multiple of " +
                      std::to_string(bw) + ", got " + std::to_string(n));
}

std::vector<uint8_t> quantize_row(BlockType t, const float* x, int64_t n, const float* quant_weights) {
  check_row_length(t, n);
  std::vector<uint8_t> out(row_bytes(t, n));
  quantize_row_into(t, x, n, out.data(), quant_weights);
  return out;
}

void dequantize_row(BlockType t, const uint8_t* blocks, float* y, int64_t n) {
  dequantize_blocks(dtype_of(t), reinterpret_cast<const std::byte*>(blocks), n, y);
}

BlockType block_type_of(Kind k) {
  switch (k) {
    case Kind::Q4_0: return BlockType::Q4_0;
    case Kind::Q4_1: return BlockType::Q4_1;
    case Kind::Q5_0: return BlockType::Q5_0;
    case Kind::Q5_1: return BlockType::Q5_1;
    case Kind::Q8_0: return BlockType::Q8_0;
    case Kind::Q2_K: return BlockType::Q2_K;
    case Kind::Q3_K: return BlockType::Q3_K;
    case Kind::Q4_K: return BlockType::Q4_K;
    case Kind::Q5_K: return BlockType::Q5_K;
    case Kind::Q6_K: return BlockType::Q6_K;
    case Kind::IQ4_NL: return BlockType::IQ4_NL;
    case Kind::IQ4_XS: return BlockType::IQ4_XS;
    default: fail("ggml", "not a ggml block format");
  }
}

}  // namespace lq::quant::ggml
