// convert_to_f32 / to_f32 on views the readers really produce: half tensors at odd byte offsets
// inside a mapped file, empty tensors with no data, and ggml block tensors read from any element
// range. The first two were UBSan findings (misaligned uint16_t load, memcpy to null); a build
// with -DLANGQUANT_SANITIZE=ON turns a regression into a failure.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "core/ggml_dequantize.h"
#include "core/half.h"
#include "core/tensor_view.h"

namespace lq {
namespace {

TensorView view_of(DType t, const std::byte* data, int64_t n, size_t nbytes) {
  return TensorView{std::string("t"), t, {n}, data, nbytes};
}

TEST(TensorView, HalfTensorAtOddOffset) {
  std::mt19937 rng(1);
  const size_t n = 37;  // vector part and scalar tail
  std::vector<uint16_t> values(n);
  for (auto& v : values) v = static_cast<uint16_t>(rng() & 0x7bff);  // finite halves
  std::vector<std::byte> file(2 * n + 1);
  std::memcpy(file.data() + 1, values.data(), 2 * n);
  for (DType t : {DType::F16, DType::BF16}) {
    const TensorView v = view_of(t, file.data() + 1, static_cast<int64_t>(n), 2 * n);
    const std::vector<float> all = to_f32(v);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(all[i], t == DType::F16 ? f16_to_f32(values[i]) : bf16_to_f32(values[i])) << i;
    std::vector<float> part(n - 3);
    convert_to_f32(v, 3, n - 3, part.data());  // starts at byte 7 of the file
    EXPECT_EQ(part, std::vector<float>(all.begin() + 3, all.end()));
  }
}

TEST(TensorView, EmptyTensorsConvertToNothing) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_K}) {
    const TensorView v = view_of(t, nullptr, 0, 0);
    EXPECT_TRUE(to_f32(v).empty());
    convert_to_f32(v, 0, 0, nullptr);
  }
}

// Bit patterns, so that NaNs from random scale bytes compare too.
std::vector<uint32_t> bits(const std::vector<float>& x) {
  std::vector<uint32_t> b(x.size());
  if (!x.empty()) std::memcpy(b.data(), x.data(), 4 * x.size());
  return b;
}

// Any element range of a block tensor equals that slice of the whole tensor's expansion.
TEST(TensorView, BlockTensorRangesMatchTheWholeExpansion) {
  std::mt19937 rng(5);
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                  DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS}) {
    const int64_t blocks = 5, n = blocks * dtype_block_size(t);
    std::vector<std::byte> bytes(blocks * dtype_block_bytes(t));
    for (auto& b : bytes) b = static_cast<std::byte>(rng());
    const TensorView v = view_of(t, bytes.data(), n, bytes.size());
    std::vector<float> all(static_cast<size_t>(n));
    dequantize_blocks(t, bytes.data(), n, all.data());
    EXPECT_EQ(bits(to_f32(v)), bits(all)) << dtype_name(t);
    for (int trial = 0; trial < 100; ++trial) {
      const size_t offset = std::uniform_int_distribution<size_t>(0, n)(rng);
      const size_t count = std::uniform_int_distribution<size_t>(0, n - offset)(rng);
      std::vector<float> part(count + 1, -7.0f);
      convert_to_f32(v, offset, count, part.data());
      EXPECT_EQ(part[count], -7.0f) << "wrote past the range";
      part.pop_back();
      ASSERT_EQ(bits(part), bits(std::vector<float>(all.begin() + offset, all.begin() + offset + count)))
          << dtype_name(t) << " offset " << offset << " count " << count;
    }
  }
}

}  // namespace
}  // namespace lq
