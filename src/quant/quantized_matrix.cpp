#include "quant/quantized_matrix.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "quant/ggml_blocks.h"
#include "quant/int_grid.h"
#include "quant/simulate.h"

namespace lq::quant {
namespace {

constexpr int64_t kParallelMin = 1 << 16;  // weights below which threads do not pay


bool packs_nibbles(const Format& f) { return f.kind == Kind::Int && f.bits <= 4; }

}  // namespace

std::shared_ptr<QuantizedMatrix> QuantizedMatrix::encode(const Format& f, const float* w, int64_t rows,
                                                         int64_t cols, const float* quant_weights) {
  check_shape(f, rows, cols);
  if (is_ggml_block(f.kind)) ggml::check_row_length(ggml::block_type_of(f.kind), cols);
  else if (quant_weights)
    fail("quant " + canonical_name(f), "importance weights apply to ggml block formats only");
  std::shared_ptr<QuantizedMatrix> q(new QuantizedMatrix());
  q->format_ = f;
  q->rows_ = rows;
  q->cols_ = cols;
  const bool par = rows * cols >= kParallelMin;
  if (rows * cols == 0) return q;  // nothing to store or expand
  switch (f.kind) {
    case Kind::F16:
    case Kind::BF16: {
      q->row_bytes_ = 2 * cols;
      q->data_.resize(static_cast<size_t>(rows * q->row_bytes_));
      auto* h = reinterpret_cast<uint16_t*>(q->data_.data());
      const bool bf = f.kind == Kind::BF16;
#pragma omp parallel for schedule(static) if (par)
      for (int64_t i = 0; i < rows * cols; ++i) h[i] = bf ? f32_to_bf16(w[i]) : f32_to_f16(w[i]);
      return q;
    }
    case Kind::Int: break;
    case Kind::F32: fail("quant " + canonical_name(f), "fp32 is not a compressed format");
    default: {  // ggml blocks: the blocks themselves are the storage
      const ggml::BlockType t = ggml::block_type_of(f.kind);
      q->row_bytes_ = static_cast<int64_t>(ggml::row_bytes(t, cols));
      q->data_.resize(static_cast<size_t>(rows * q->row_bytes_));
#pragma omp parallel for schedule(static) if (par)
      for (int64_t r = 0; r < rows; ++r)
        ggml::quantize_row_into(t, w + r * cols, cols, q->data_.data() + r * q->row_bytes_, quant_weights);
      return q;
    }
  }
  // Int: the same grids fake_quantize picks (simulate.cpp), then the codes themselves.
  const bool nibbles = packs_nibbles(f);
  q->row_bytes_ = nibbles ? (cols + 1) / 2 : cols;
  q->data_.assign(static_cast<size_t>(rows * q->row_bytes_), 0);
  const bool whole = f.granularity == Granularity::Tensor;
  const int64_t span = f.granularity == Granularity::Channel ? std::max<int64_t>(cols, 1) : f.group;
  q->spans_per_row_ = whole ? 1 : (cols + span - 1) / span;
  const int64_t n_grids = whole ? 1 : rows * q->spans_per_row_;
  std::vector<IntGrid> grids(static_cast<size_t>(n_grids));
  if (whole) {
    grids[0] = choose_grid(f, w, static_cast<size_t>(rows * cols), /*f16_scale=*/false, par);
  } else {
#pragma omp parallel for schedule(dynamic, 4) if (par)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t s = 0; s < q->spans_per_row_; ++s) {
        const int64_t c0 = s * span;
        grids[r * q->spans_per_row_ + s] =
            choose_grid(f, w + r * cols + c0, static_cast<size_t>(std::min(span, cols - c0)), /*f16_scale=*/true, false);
      }
  }
  q->qmin_ = grids[0].qmin;
  q->scales_.resize(grids.size());
  q->zeros_.resize(grids.size());
  for (size_t i = 0; i < grids.size(); ++i) {
    q->scales_[i] = grids[i].scale;
    q->zeros_[i] = static_cast<int16_t>(grids[i].zero);
  }
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* out = q->data_.data() + r * q->row_bytes_;
    for (int64_t c = 0; c < cols; ++c) {
      const IntGrid& g = grids[whole ? 0 : r * q->spans_per_row_ + (span > 0 ? c / span : 0)];
      const auto u = static_cast<uint8_t>(quant::encode(w[r * cols + c], g) - q->qmin_);
      if (nibbles)
        out[c / 2] |= static_cast<uint8_t>(c % 2 ? u << 4 : u);
      else
        out[c] = u;
    }
  }
  return q;
}

void QuantizedMatrix::set_patches(std::vector<uint32_t> indices, std::vector<float> values) {
  const std::string where = "quant " + canonical_name(format_);
  if (indices.size() != values.size()) fail(where, "patch indices and values differ in number");
  for (size_t i = 0; i < indices.size(); ++i) {
    if (static_cast<int64_t>(indices[i]) >= rows_ * cols_) fail(where, "patch index outside the matrix");
    if (i > 0 && indices[i] <= indices[i - 1]) fail(where, "patch indices must be sorted and unique");
  }
  patch_index_ = std::move(indices);
  patch_value_ = std::move(values);
}

void QuantizedMatrix::decode_row(int64_t r, float* dst) const {
  const uint8_t* src = data_.data() + r * row_bytes_;
  switch (format_.kind) {
    case Kind::F16: f16_to_f32_row(reinterpret_cast<const uint16_t*>(src), dst, static_cast<size_t>(cols_)); break;
    case Kind::BF16: bf16_to_f32_row(reinterpret_cast<const uint16_t*>(src), dst, static_cast<size_t>(cols_)); break;
    case Kind::Int: {
      const bool nibbles = packs_nibbles(format_);
      const bool whole = format_.granularity == Granularity::Tensor;
      const int64_t span = format_.granularity == Granularity::Group ? format_.group : cols_;
      for (int64_t c0 = 0, s = 0; c0 < cols_; c0 += span, ++s) {
        const size_t gi = whole ? 0 : static_cast<size_t>(r * spans_per_row_ + s);
        const IntGrid g{scales_[gi], zeros_[gi], 0, 0};
        const int64_t end = std::min(cols_, c0 + span);
        for (int64_t c = c0; c < end; ++c) {
          const int32_t u = nibbles ? (src[c / 2] >> (c % 2 ? 4 : 0)) & 0xF : src[c];
          dst[c] = decode(u + qmin_, g);
        }
      }
      break;
    }
    default: ggml::dequantize_row(ggml::block_type_of(format_.kind), src, dst, cols_); break;
  }
  if (patch_index_.empty()) return;
  const auto row_start = static_cast<uint32_t>(r * cols_);
  auto it = std::lower_bound(patch_index_.begin(), patch_index_.end(), row_start);
  for (; it != patch_index_.end() && *it < row_start + cols_; ++it)
    dst[*it - row_start] = patch_value_[static_cast<size_t>(it - patch_index_.begin())];
}

void QuantizedMatrix::decode_rows(int64_t first, int64_t n, float* dst) const {
  if (first < 0 || n < 0 || first + n > rows_) fail("quant " + canonical_name(format_), "row range outside the matrix");
#pragma omp parallel for schedule(static) if (n * cols_ >= kParallelMin)
  for (int64_t r = 0; r < n; ++r) decode_row(first + r, dst + r * cols_);
}

size_t QuantizedMatrix::bytes() const {
  return data_.size() + scales_.size() * sizeof(float) + zeros_.size() * sizeof(int16_t) +
         patch_index_.size() * (sizeof(uint32_t) + sizeof(float));
}

}  // namespace lq::quant
