#include "core/tensor_view.h"

#include <cstring>

#include "core/error.h"
#include "core/half.h"

namespace lq {

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void convert_to_f32(const TensorView& t, size_t offset, size_t n, float* dst) {
  switch (t.dtype) {
    case DType::F32:
      std::memcpy(dst, reinterpret_cast<const float*>(t.data) + offset, n * sizeof(float));
      return;
    case DType::F16:
      f16_to_f32_row(reinterpret_cast<const uint16_t*>(t.data) + offset, dst, n);
      return;
    case DType::BF16:
      bf16_to_f32_row(reinterpret_cast<const uint16_t*>(t.data) + offset, dst, n);
      return;
    default:
      fail(t.name, "dtype " + std::string(dtype_name(t.dtype)) + " cannot be used as a weight");
  }
}

std::vector<float> to_f32(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  convert_to_f32(t, 0, out.size(), out.data());
  return out;
}

}  // namespace lq
