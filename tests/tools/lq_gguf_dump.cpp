// Test tool for the GGUF reader oracle (tests/oracle/test_gguf_reader.py):
//   lq_gguf_dump FILE          JSON on stdout: version, alignment, files, every metadata key with
//                              its type and value, every tensor's name, ggml type, shape
//                              (outermost-first), byte count and CRC-32 of its bytes
//   lq_gguf_dump --time FILE   opens FILE 5 times and prints the fastest open in seconds
// Metadata values: {"t": TYPE, "v": value}; arrays {"t": "ARRAY", "e": ELEMENT, "v": [...]} whose
// items are plain values, or {"t","e","v"} objects for arrays of arrays. Strings that are not
// valid UTF-8 are {"hex": "..."}; non-finite floats are the strings "nan", "inf", "-inf".
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "core/utf8.h"
#include "formats/gguf.h"

namespace {
using json = nlohmann::json;
using VT = lq::GgufValue::Type;

// CRC-32 (IEEE 802.3, reflected, as zlib.crc32), table-driven.
uint32_t crc32(const std::byte* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ static_cast<uint32_t>(p[i])) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

json string_json(const std::string& s) {
  if (lq::utf8_first_invalid(s) == std::string::npos) return s;
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char ch : s) {
    hex += digits[ch >> 4];
    hex += digits[ch & 15];
  }
  return json{{"hex", hex}};
}

json float_json(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  return f;
}

json plain(const lq::GgufValue& v);

json typed(const lq::GgufValue& v) {
  json j{{"t", lq::GgufValue::type_name(v.type())}, {"v", plain(v)}};
  if (v.is_array()) j["e"] = lq::GgufValue::type_name(v.element_type());
  return j;
}

json plain(const lq::GgufValue& v) {
  switch (v.type()) {
    case VT::STRING: return string_json(*v.as_string());
    case VT::BOOL: return *v.as_bool();
    case VT::F32: case VT::F64: return float_json(*v.as_float());
    case VT::U8: case VT::U16: case VT::U32: case VT::U64: return *v.as_uint();
    case VT::ARRAY: {
      json a = json::array();
      for (const auto& item : v.items()) a.push_back(item.is_array() ? typed(item) : plain(item));
      return a;
    }
    default: return *v.as_int();
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool time_only = argc == 3 && std::string(argv[1]) == "--time";
    if (argc != 2 && !time_only) lq::fail("lq_gguf_dump", "usage: lq_gguf_dump [--time] FILE");
    const std::string path = argv[argc - 1];
    if (time_only) {
      double best = 1e9;
      for (int i = 0; i < 5; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        lq::GgufFile f(path);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      std::printf("%.4f\n", best);
      return 0;
    }
    lq::GgufFile f(path);
    json out{{"version", f.version()}, {"alignment", f.alignment()}, {"files", f.files()}};
    json& md = out["metadata"] = json::object();
    for (const auto& [k, v] : f.metadata()) md[k] = typed(v);
    json& ts = out["tensors"] = json::array();
    for (const auto& [name, t] : f.tensors())
      ts.push_back({{"name", name},
                    {"type", lq::dtype_name(t.dtype)},
                    {"shape", t.shape},
                    {"nbytes", t.nbytes},
                    {"crc32", crc32(t.data, t.nbytes)}});
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  } catch (const lq::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
