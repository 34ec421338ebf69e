// A weight matrix held the way a quantized model stores it, not as dequantized F32: integer
// codes bit-packed with one scale (and zero point) per tensor, row or group; llama.cpp's
// blocks byte for byte; or binary16 / bfloat16 values. Elements a plan keeps at another
// format are a sorted patch list (index, value) applied after a row is expanded.
//
// Expanding a row gives bit for bit what fake_quantize() gives for the same format (the codes
// and grids are chosen by the same functions and dequantized with the same f32 arithmetic),
// so a plan scores the same whichever way its weights are held; the memory is about the
// format's own size instead of 4 bytes a weight (int4-g128: ~4.7 bits a weight here: codes
// packed two to a byte plus an f32 scale and an int16 zero point per group).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/matrix.h"
#include "quant/format.h"

namespace lq::quant {

class QuantizedMatrix final : public RowDecoder {
 public:
  // Quantizes w[rows, cols] (row-major, logical [out, in]) in format f: Int, a ggml block
  // format (cols a multiple of ggml_block_weights: 32, or 256 for the K-quants and iq4_xs),
  // F16 or BF16. Throws lq::Error for other formats or bad shapes. ggml formats take optional
  // importance weights quant_weights[0..cols) (llama.cpp's imatrix for this matrix: one per
  // input column, shared by every row), giving the bytes llama-quantize writes with that
  // imatrix; null gives what it writes without one. Other formats refuse them.
  static std::shared_ptr<QuantizedMatrix> encode(const Format& f, const float* w, int64_t rows, int64_t cols,
                                                 const float* quant_weights = nullptr);

  // Replaces the values at sorted, unique flat indices (row * cols + col) after expansion.
  void set_patches(std::vector<uint32_t> indices, std::vector<float> values);

  void decode_rows(int64_t first, int64_t n, float* dst) const override;
  size_t bytes() const override;

  int64_t rows() const override { return rows_; }
  int64_t cols() const override { return cols_; }
  const Format& format() const { return format_; }
  // ggml formats: row r's blocks exactly as ggml stores them (a GGUF tensor's data is the
  // rows back to back), row_bytes() bytes each. Patches are not in them.
  const uint8_t* row_blocks(int64_t r) const { return data_.data() + r * row_bytes_; }
  int64_t row_bytes() const { return row_bytes_; }

 private:
  QuantizedMatrix() = default;
  void decode_row(int64_t r, float* dst) const;

  Format format_;
  int64_t rows_ = 0, cols_ = 0;
  int64_t row_bytes_ = 0;           // bytes of codes (or blocks, or halves) per row
  std::vector<uint8_t> data_;       // rows_ * row_bytes_
  // Int only: one grid per span of a row (span = cols for per-channel, g for groups) or one
  // for the whole tensor. Codes are stored as code - qmin, so they are never negative.
  int64_t spans_per_row_ = 0;
  std::vector<float> scales_;
  std::vector<int16_t> zeros_;
  int32_t qmin_ = 0;
  std::vector<uint32_t> patch_index_;
  std::vector<float> patch_value_;
};

}  // namespace lq::quant
