// Test-only tool for tests/oracle/test_quant_numpy.py:
//   quant_dump --format F --rows R --cols C in.f32 out.f32
// reads R*C raw little-endian float32 (row-major), writes the fake-quantized values the same way.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/format.h"
#include "quant/simulate.h"

int main(int argc, char** argv) {
  std::string format, in, out;
  long long rows = -1, cols = -1;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) lq::fail("quant_dump", a + " needs a value");
        return argv[++i];
      };
      if (a == "--format") format = next();
      else if (a == "--rows") rows = std::stoll(next());
      else if (a == "--cols") cols = std::stoll(next());
      else if (in.empty()) in = a;
      else if (out.empty()) out = a;
      else lq::fail("quant_dump", "unexpected argument " + a);
    }
    if (format.empty() || rows < 0 || cols < 0 || in.empty() || out.empty())
      lq::fail("quant_dump", "usage: quant_dump --format F --rows R --cols C in.f32 out.f32");
    const lq::quant::Format f = lq::quant::parse_format(format);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    std::ifstream is(in, std::ios::binary);
    if (!is.read(reinterpret_cast<char*>(w.data()), static_cast<std::streamsize>(w.size() * 4)) ||
        is.peek() != std::char_traits<char>::eof())
      lq::fail(in, "expected exactly " + std::to_string(w.size()) + " float32 values");
    lq::quant::fake_quantize(f, w.data(), w.data(), rows, cols);
    std::ofstream os(out, std::ios::binary);
    if (!os.write(reinterpret_cast<const char*>(w.data()), static_cast<std::streamsize>(w.size() * 4)))
      lq::fail(out, "cannot write");
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
