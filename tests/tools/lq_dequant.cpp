// Test tool for the ggml dequantizer oracle (tests/oracle/test_ggml_dequantize.py):
//   lq_dequant TYPE [OFFSET COUNT] < raw_bytes > float32
//   lq_dequant --portable TYPE < raw_bytes > float32
// reads a tensor of ggml type TYPE (Q4_K, F16, ...) as raw bytes on stdin and writes its
// elements [OFFSET, OFFSET + COUNT) (all of them by default) as little-endian float32 on stdout,
// through core/tensor_view's convert_to_f32: the path the model's weights take. --portable
// expands everything with the portable decoders instead of the vector kernels.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/ggml_dequantize.h"
#include "core/tensor_view.h"

namespace {
std::optional<lq::DType> type_named(const std::string& name) {
  for (uint32_t id = 0; id < 64; ++id)
    if (lq::ggml_type_name(id) == name) return lq::dtype_from_ggml_id(id);
  return std::nullopt;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    const bool portable = argc == 3 && std::string(argv[1]) == "--portable";
    if (portable) ++argv, --argc;
    if (argc != 2 && argc != 4)
      lq::fail("lq_dequant", "usage: lq_dequant [--portable] TYPE [OFFSET COUNT] < bytes > f32");
    const auto type = type_named(argv[1]);
    if (!type) lq::fail("lq_dequant", std::string("no ggml type ") + argv[1] + " that langquant reads");
    std::vector<char> bytes;
    char chunk[1 << 16];
    for (size_t got; (got = std::fread(chunk, 1, sizeof(chunk), stdin)) > 0;) bytes.insert(bytes.end(), chunk, chunk + got);
    if (bytes.size() % lq::dtype_block_bytes(*type) != 0)
      lq::fail("lq_dequant", "input is not a whole number of " + std::string(argv[1]) + " blocks");
    lq::TensorView view;
    view.name = "stdin";
    view.dtype = *type;
    view.shape = {static_cast<int64_t>(bytes.size() / lq::dtype_block_bytes(*type)) * lq::dtype_block_size(*type)};
    view.data = reinterpret_cast<const std::byte*>(bytes.data());
    view.nbytes = bytes.size();
    const size_t offset = argc == 4 ? std::stoull(argv[2]) : 0;
    const size_t count = argc == 4 ? std::stoull(argv[3]) : static_cast<size_t>(view.numel());
    if (offset + count > static_cast<size_t>(view.numel())) lq::fail("lq_dequant", "range past the end of the tensor");
    std::vector<float> out(count);
    if (portable)
      lq::dequantize_blocks_portable(*type, view.data, view.numel(), out.data());
    else
      lq::convert_to_f32(view, offset, count, out.data());
    if (std::fwrite(out.data(), sizeof(float), out.size(), stdout) != out.size()) lq::fail("lq_dequant", "write failed");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
