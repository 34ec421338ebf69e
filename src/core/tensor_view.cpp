#include "core/tensor_view.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/ggml_dequantize.h"
#include "core/half.h"

namespace lq {

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {
// Elements [offset, offset + n) of a block-type tensor: whole blocks expand straight into dst;
// a partial block at either end expands into a one-block buffer and only its part is copied.
void convert_blocks_to_f32(const TensorView& t, size_t offset, size_t n, float* dst) {
  const size_t bs = static_cast<size_t>(dtype_block_size(t.dtype));
  const size_t bytes = dtype_block_bytes(t.dtype);
  float buf[256];
  if (bs > sizeof(buf) / sizeof(float)) fail(t.name, "block type larger than the decode buffer");
  size_t block = offset / bs, skip = offset % bs;
  while (n > 0) {
    const std::byte* src = t.data + block * bytes;
    if (skip == 0 && n >= bs) {  // the run of whole blocks
      const size_t whole = n / bs;
      dequantize_blocks(t.dtype, src, static_cast<int64_t>(whole * bs), dst);
      dst += whole * bs;
      n -= whole * bs;
      block += whole;
      continue;
    }
    dequantize_blocks(t.dtype, src, static_cast<int64_t>(bs), buf);
    const size_t take = std::min(n, bs - skip);
    std::memcpy(dst, buf + skip, take * sizeof(float));
    dst += take;
    n -= take;
    ++block;
    skip = 0;
  }
}
}  // namespace

void convert_to_f32(const TensorView& t, size_t offset, size_t n, float* dst) {
  if (n == 0) return;  // also keeps memcpy away from the null data of an empty tensor
  switch (t.dtype) {
    case DType::F32:
      std::memcpy(dst, t.data + offset * sizeof(float), n * sizeof(float));
      return;
    case DType::F16:
      f16_to_f32_row(t.data + offset * 2, dst, n);
      return;
    case DType::BF16:
      bf16_to_f32_row(t.data + offset * 2, dst, n);
      return;
    default:
      if (!dtype_is_block(t.dtype))
        fail(t.name, "dtype " + std::string(dtype_name(t.dtype)) + " cannot be used as a weight");
      convert_blocks_to_f32(t, offset, n, dst);
  }
}

std::vector<float> to_f32(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  convert_to_f32(t, 0, out.size(), out.data());
  return out;
}

}  // namespace lq
