// Test-only tool for tests/oracle/test_kquant_exact.py: quantizes raw float32 rows into ggml
// blocks with langquant's writers (quant/ggml_blocks.h), one row at a time on one thread.
//
//   lq_quantize_rows FORMAT COLS IN.f32 OUT.bin [--weights W.f32] [--reference] [--repeat N]
//
// IN.f32 holds rows of COLS little-endian float32 values; OUT.bin receives each row's blocks
// back to back (a GGUF tensor's layout). --weights: COLS float32 importance values shared by
// every row (llama.cpp's quant_weights). --reference: ggml's quantize_row_<type>_ref instead
// of ggml_quantize_chunk's choice (they differ for iq4_nl only). --repeat N: quantize N times
// and print the seconds of the fastest pass on stdout (for MB/s figures).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/format.h"
#include "quant/ggml_blocks.h"

namespace {

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) lq::fail(path, "cannot open");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() % 4 != 0) lq::fail(path, "size is not a multiple of 4 bytes");
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

int run(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: lq_quantize_rows FORMAT COLS IN.f32 OUT.bin [--weights W.f32] [--reference] [--repeat N]\n";
    return 2;
  }
  const lq::quant::Format f = lq::quant::parse_format(argv[1]);
  if (!lq::quant::is_ggml_block(f.kind)) lq::fail(argv[1], "not a ggml block format");
  const auto t = lq::quant::ggml::block_type_of(f.kind);
  const int64_t cols = std::stoll(argv[2]);
  const std::vector<float> x = read_floats(argv[3]);
  std::vector<float> weights;
  bool reference = false;
  int repeat = 0;
  for (int i = 5; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--weights" && i + 1 < argc) weights = read_floats(argv[++i]);
    else if (a == "--reference") reference = true;
    else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
    else lq::fail(a, "unknown option");
  }
  lq::quant::ggml::check_row_length(t, cols);
  if (cols == 0 || x.size() % static_cast<size_t>(cols) != 0) lq::fail(argv[3], "not a whole number of rows");
  if (!weights.empty() && weights.size() != static_cast<size_t>(cols)) lq::fail("--weights", "needs COLS values");
  if (reference && !weights.empty()) lq::fail("--reference", "takes no weights");
  const int64_t rows = static_cast<int64_t>(x.size()) / cols;
  const size_t row_bytes = lq::quant::ggml::row_bytes(t, cols);
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
  const float* qw = weights.empty() ? nullptr : weights.data();
  auto pass = [&] {
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x.data() + r * cols;
      uint8_t* o = out.data() + row_bytes * static_cast<size_t>(r);
      if (reference) lq::quant::ggml::quantize_row_reference_into(t, xr, cols, o);
      else lq::quant::ggml::quantize_row_into(t, xr, cols, o, qw);
    }
  };
  double best = 1e300;
  for (int k = 0; k < (repeat > 0 ? repeat : 1); ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    pass();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (repeat > 0) std::cout << best << "\n";
  std::ofstream o(argv[4], std::ios::binary);
  o.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!o) lq::fail(argv[4], "cannot write");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
