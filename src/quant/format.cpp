#include "quant/format.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace lq::quant {
namespace {

struct Named {
  const char* name;
  Kind kind;
  int bits;
};
constexpr Named kNamed[] = {
    {"q4_0", Kind::Q4_0, 4}, {"q4_1", Kind::Q4_1, 4}, {"q5_0", Kind::Q5_0, 5},
    {"q5_1", Kind::Q5_1, 5}, {"q8_0", Kind::Q8_0, 8}, {"fp16", Kind::F16, 16},
    {"bf16", Kind::BF16, 16}, {"fp32", Kind::F32, 32},
};

[[noreturn]] void bad(std::string_view name, const std::string& why) {
  fail("format '" + std::string(name) + "'",
       why + "; valid: fp32, fp16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, "
             "int<k>[-sym|-asym][-chan|-g<N>][-absmax|-p<P>|-mse|-aciq-laplace|-aciq-gauss] "
             "with k = 2..8 (see --help)");
}

std::vector<std::string_view> split_dash(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t d = s.find('-', start);
    out.push_back(s.substr(start, d == std::string_view::npos ? d : d - start));
    if (d == std::string_view::npos) return out;
    start = d + 1;
  }
}

// Parses all of `s` as a number; false if anything is left over.
template <class T>
bool parse_all(std::string_view s, T& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

const std::string& format_help() {
  static const std::string help =
      "Quantization formats:\n"
      "  fp32, fp16, bf16        floating point (fp16/bf16: round to nearest even)\n"
      "  q8_0 q4_0 q4_1 q5_0 q5_1  llama.cpp block formats, bit-exact with ggml's reference\n"
      "                          quantizers (32 weights a block along the input dimension)\n"
      "  int<k>[-<option>...]    k-bit integers, k = 2..8, round to nearest (ties to even);\n"
      "                          options, at most one of each group, in any order:\n"
      "    sym (default) | asym  codes -(2^(k-1)-1)..2^(k-1)-1 times a scale, or 0..2^k-1\n"
      "                          with an integer zero point (the range always includes 0)\n"
      "    (per tensor, default) | chan | g<N>\n"
      "                          one scale per tensor (F32), per output channel (F16), or per\n"
      "                          group of N consecutive inputs of a row (F16)\n"
      "    absmax (default) | p<P> | mse | aciq-laplace | aciq-gauss\n"
      "                          clip at the largest magnitude, at the P-th percentile\n"
      "                          (0 < P <= 100), at the best of the ratios 1.00, 0.99..0.01 by squared\n"
      "                          error, or at ACIQ's analytic optimum for a Laplace or Gaussian\n"
      "                          fitted to each tensor/channel/group (Banner et al. 2019)\n"
      "  examples: int4, int8-chan, int4-g128, int4-asym-g64, int3-chan-mse, int4-p99.9,\n"
      "            int4-chan-aciq-gauss";
  return help;
}

bool is_ggml_block(Kind k) {
  return k == Kind::Q4_0 || k == Kind::Q4_1 || k == Kind::Q5_0 || k == Kind::Q5_1 ||
         k == Kind::Q8_0;
}

Format parse_format(std::string_view name) {
  for (const Named& n : kNamed)
    if (name == n.name) return Format{.kind = n.kind, .bits = n.bits};

  if (name.substr(0, 3) != "int") bad(name, "unknown format");
  std::vector<std::string_view> tok = split_dash(name.substr(3));
  Format f{.kind = Kind::Int};
  if (!parse_all(tok[0], f.bits) || f.bits < 2 || f.bits > 8)
    bad(name, "integer width must be 2..8 bits");

  bool have_sign = false, have_gran = false, have_method = false;
  auto once = [&](bool& seen, std::string_view what) {
    if (seen) bad(name, "more than one " + std::string(what) + " option");
    seen = true;
  };
  for (size_t i = 1; i < tok.size(); ++i) {
    std::string_view t = tok[i];
    if (t == "sym" || t == "asym") {
      once(have_sign, "sym/asym");
      f.asym = t == "asym";
    } else if (t == "chan") {
      once(have_gran, "granularity");
      f.granularity = Granularity::Channel;
    } else if (t.size() > 1 && t[0] == 'g') {
      once(have_gran, "granularity");
      if (!parse_all(t.substr(1), f.group) || f.group < 1) bad(name, "group size must be >= 1");
      f.granularity = Granularity::Group;
    } else if (t == "absmax") {
      once(have_method, "scale");
      f.method = ScaleMethod::AbsMax;
    } else if (t == "mse") {
      once(have_method, "scale");
      f.method = ScaleMethod::Mse;
    } else if (t.size() > 1 && t[0] == 'p') {
      once(have_method, "scale");
      if (!parse_all(t.substr(1), f.percentile) || !(f.percentile > 0 && f.percentile <= 100))
        bad(name, "percentile must be a number in (0, 100]");
      f.method = ScaleMethod::Percentile;
    } else if (t == "aciq") {
      once(have_method, "scale");
      std::string_view d = i + 1 < tok.size() ? tok[++i] : std::string_view();
      if (d == "laplace") f.method = ScaleMethod::AciqLaplace;
      else if (d == "gauss") f.method = ScaleMethod::AciqGauss;
      else bad(name, "aciq needs a distribution: aciq-laplace or aciq-gauss");
    } else {
      bad(name, "unknown option '" + std::string(t) + "'");
    }
  }
  return f;
}

std::string canonical_name(const Format& f) {
  for (const Named& n : kNamed)
    if (f.kind == n.kind) return n.name;
  std::string s = "int" + std::to_string(f.bits);
  if (f.asym) s += "-asym";
  if (f.granularity == Granularity::Channel) s += "-chan";
  if (f.granularity == Granularity::Group) s += "-g" + std::to_string(f.group);
  switch (f.method) {
    case ScaleMethod::AbsMax: break;
    case ScaleMethod::Percentile: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, f.percentile);  // shortest round trip
      s += "-p" + std::string(buf, r.ptr);
      break;
    }
    case ScaleMethod::Mse: s += "-mse"; break;
    case ScaleMethod::AciqLaplace: s += "-aciq-laplace"; break;
    case ScaleMethod::AciqGauss: s += "-aciq-gauss"; break;
  }
  return s;
}

uint64_t stored_bits(const Format& f, int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) fail("quant", "negative tensor shape");
  const uint64_t r = static_cast<uint64_t>(rows), c = static_cast<uint64_t>(cols);
  switch (f.kind) {
    case Kind::F32: return 32 * r * c;
    case Kind::F16:
    case Kind::BF16: return 16 * r * c;
    case Kind::Int: {
      uint64_t scales = 0;
      if (f.granularity == Granularity::Tensor) scales = r * c > 0 ? 1 : 0;
      if (f.granularity == Granularity::Channel) scales = c > 0 ? r : 0;
      if (f.granularity == Granularity::Group)
        scales = r * ((c + static_cast<uint64_t>(f.group) - 1) / static_cast<uint64_t>(f.group));
      const uint64_t scale_bits = f.granularity == Granularity::Tensor ? 32 : 16;
      const uint64_t k = static_cast<uint64_t>(f.bits);
      return k * r * c + scales * (scale_bits + (f.asym ? k : 0));
    }
    default: {  // ggml blocks of 32: f16 d (+ f16 m), packed codes (+ 32 high bits for q5)
      if (c % 32 != 0)
        fail("quant", canonical_name(f) + " needs a row length that is a multiple of 32, got " +
                          std::to_string(cols));
      uint64_t block_bytes = 0;
      switch (f.kind) {
        case Kind::Q4_0: block_bytes = 2 + 16; break;
        case Kind::Q4_1: block_bytes = 4 + 16; break;
        case Kind::Q5_0: block_bytes = 2 + 4 + 16; break;
        case Kind::Q5_1: block_bytes = 4 + 4 + 16; break;
        default: block_bytes = 2 + 32; break;  // Q8_0
      }
      return 8 * block_bytes * r * (c / 32);
    }
  }
}

uint64_t stored_bytes(const Format& f, int64_t rows, int64_t cols) {
  return (stored_bits(f, rows, cols) + 7) / 8;
}

double bits_per_weight(const Format& f, int64_t rows, int64_t cols) {
  if (rows * cols == 0) fail("quant", "bits_per_weight of an empty tensor");
  return static_cast<double>(stored_bits(f, rows, cols)) / static_cast<double>(rows * cols);
}

}  // namespace lq::quant
