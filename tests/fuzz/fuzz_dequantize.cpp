// ggml block dequantization on arbitrary bytes: the first byte picks the type (every block
// type, and F16/BF16/F32), the rest are whole blocks, deliberately misaligned. The AVX2 path
// (dequantize_blocks) and the portable decoders must agree bit for bit, NaNs included.
#include <cstring>
#include <vector>

#include "core/ggml_dequantize.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lq::DType;
  static const DType types[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                                DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K,
                                DType::IQ4_NL, DType::IQ4_XS, DType::F16, DType::BF16, DType::F32};
  const DType t = types[lq::fuzz::take_selector(data, size) % (sizeof types / sizeof types[0])];
  const size_t blocks = size / lq::dtype_block_bytes(t);
  const int64_t n = static_cast<int64_t>(blocks) * lq::dtype_block_size(t);
  std::vector<float> fast(static_cast<size_t>(n)), portable(static_cast<size_t>(n));
  const auto* src = reinterpret_cast<const std::byte*>(data);
  lq::fuzz::only_lq_errors([&] {
    lq::dequantize_blocks(t, src, n, fast.data());
    lq::dequantize_blocks_portable(t, src, n, portable.data());
    if (n > 0 && std::memcmp(fast.data(), portable.data(), static_cast<size_t>(n) * sizeof(float)) != 0)
      lq::fuzz::finding("AVX2 and portable dequantization differ for", std::string(lq::dtype_name(t)).c_str());
  });
  // A count that is not a whole number of blocks must be refused, never read past the end.
  if (lq::dtype_block_size(t) > 1 && n > 0) {
    bool refused = false;
    try {
      lq::dequantize_blocks(t, src, n - 1, fast.data());
    } catch (const lq::Error&) {
      refused = true;
    }
    if (!refused) lq::fuzz::finding("a partial block was accepted for", std::string(lq::dtype_name(t)).c_str());
  }
  return 0;
}
