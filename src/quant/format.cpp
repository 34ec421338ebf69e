#include "quant/format.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
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
    {"q5_1", Kind::Q5_1, 5}, {"q8_0", Kind::Q8_0, 8}, {"q2_k", Kind::Q2_K, 2},
    {"q3_k", Kind::Q3_K, 3}, {"q4_k", Kind::Q4_K, 4}, {"q5_k", Kind::Q5_K, 5},
    {"q6_k", Kind::Q6_K, 6}, {"iq4_nl", Kind::IQ4_NL, 4}, {"iq4_xs", Kind::IQ4_XS, 4},
    {"fp16", Kind::F16, 16}, {"bf16", Kind::BF16, 16}, {"fp32", Kind::F32, 32},
};

// Named formats match case-insensitively: llama.cpp writes "Q4_K", "IQ4_XS", "Q8_0".
bool same_name(std::string_view given, const char* name) {
  if (given.size() != std::char_traits<char>::length(name)) return false;
  for (size_t i = 0; i < given.size(); ++i) {
    const char c = given[i] >= 'A' && given[i] <= 'Z' ? static_cast<char>(given[i] - 'A' + 'a') : given[i];
    if (c != name[i]) return false;
  }
  return true;
}

[[noreturn]] void bad(std::string_view name, const std::string& why) {
  fail("format '" + std::string(name) + "'",
       why + "; valid: fp32, fp16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, "
             "q5_k, q6_k, iq4_nl, iq4_xs, "
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

std::optional<DType> ggml_dtype(Kind k) {
  switch (k) {
    case Kind::Q4_0: return DType::Q4_0;
    case Kind::Q4_1: return DType::Q4_1;
    case Kind::Q5_0: return DType::Q5_0;
    case Kind::Q5_1: return DType::Q5_1;
    case Kind::Q8_0: return DType::Q8_0;
    case Kind::Q2_K: return DType::Q2_K;
    case Kind::Q3_K: return DType::Q3_K;
    case Kind::Q4_K: return DType::Q4_K;
    case Kind::Q5_K: return DType::Q5_K;
    case Kind::Q6_K: return DType::Q6_K;
    case Kind::IQ4_NL: return DType::IQ4_NL;
    case Kind::IQ4_XS: return DType::IQ4_XS;
    default: return std::nullopt;
  }
}

const std::string& format_help() {
  static const std::string help =
      "Quantization formats:\n"
      "  fp32, fp16, bf16        floating point (fp16/bf16: round to nearest even)\n"
      "  q8_0 q4_0 q4_1 q5_0 q5_1  llama.cpp block formats, bit-exact with ggml's reference\n"
      "                          quantizers (32 weights a block along the input dimension)\n"
      "  q2_k q3_k q4_k q5_k q6_k  llama.cpp K-quants (super-blocks of 256 weights: rows must\n"
      "                          hold a multiple of 256), byte-exact with ggml's quantizers\n"
      "  iq4_nl iq4_xs           llama.cpp's non-linear 4-bit grid, blocks of 32 / 256 weights\n"
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

bool is_ggml_block(Kind k) { return ggml_dtype(k).has_value(); }

int64_t ggml_block_weights(Kind k) {
  const std::optional<DType> t = ggml_dtype(k);
  return t ? dtype_block_size(*t) : 1;
}

Format parse_format(std::string_view name) {
  for (const Named& n : kNamed)
    if (same_name(name, n.name)) return Format{.kind = n.kind, .bits = n.bits};

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
    default: {  // ggml blocks: their own bytes, whole blocks along each row
      const DType t = *ggml_dtype(f.kind);
      const auto bw = static_cast<uint64_t>(dtype_block_size(t));
      if (c % bw != 0)
        fail("quant", canonical_name(f) + " needs a row length that is a multiple of " + std::to_string(bw) +
                          ", got " + std::to_string(cols));
      return 8 * static_cast<uint64_t>(dtype_block_bytes(t)) * r * (c / bw);
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
