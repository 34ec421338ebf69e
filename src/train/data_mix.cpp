#include "train/data_mix.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <toml++/toml.h>

#include "core/error.h"
#include "core/utf8.h"

namespace lq::train {
namespace fs = std::filesystem;

uint64_t mix_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

// Uniform in [0, n) (n > 0) by the high half of a 128-bit product.
int64_t below(uint64_t& state, int64_t n) {
  return static_cast<int64_t>((static_cast<unsigned __int128>(mix_random(state)) * static_cast<uint64_t>(n)) >> 64);
}
double unit(uint64_t& state) { return static_cast<double>(mix_random(state) >> 11) * 0x1.0p-53; }

int pick_language(const std::vector<double>& weights, uint64_t& state) {
  double u = unit(state);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (u < weights[i]) return static_cast<int>(i);
    u -= weights[i];
  }
  return static_cast<int>(weights.size()) - 1;
}

}  // namespace

std::vector<MixSource> read_mix(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    fail(path, std::string("not valid TOML: ") + std::string(e.description()));
  }
  const toml::array* arr = t["source"].as_array();
  if (!arr || arr->empty()) fail(path, "no [[source]] entries (each needs lang, files, weight)");
  const fs::path base = fs::path(path).parent_path();
  std::vector<MixSource> mix;
  double total = 0;
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = path + ": source " + std::to_string(i + 1);
    const toml::table* s = (*arr)[i].as_table();
    if (!s) fail(where, "is not a table");
    MixSource m;
    auto lang = (*s)["lang"].value<std::string>();
    if (!lang || lang->empty()) fail(where, "needs lang = \"...\"");
    m.lang = *lang;
    for (const auto& other : mix)
      if (other.lang == m.lang) fail(where, "language '" + m.lang + "' is listed twice");
    auto w = (*s)["weight"].value<double>();
    if (!w || !(*w > 0) || !std::isfinite(*w)) fail(where, "needs a positive weight");
    m.weight = *w;
    total += *w;
    const toml::array* files = (*s)["files"].as_array();
    if (!files || files->empty()) fail(where, "needs files = [\"...\"]");
    for (const auto& f : *files) {
      auto p = f.value<std::string>();
      if (!p) fail(where, "files must be strings");
      fs::path fp = fs::path(*p).is_absolute() ? fs::path(*p) : base / *p;
      if (!fs::is_regular_file(fp)) fail(where, "file " + fp.string() + " not found");
      m.files.push_back(fp.string());
    }
    for (const auto& [k, v] : *s)
      if (k != "lang" && k != "weight" && k != "files") fail(where, "unknown key '" + std::string(k.str()) + "'");
    mix.push_back(std::move(m));
  }
  for (auto& m : mix) m.weight /= total;
  return mix;
}

std::vector<std::string> read_lines(const MixSource& s) {
  std::vector<std::string> lines;
  for (const auto& f : s.files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) fail(f, "cannot read");
    std::string line;
    int64_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (utf8_first_invalid(line) != std::string::npos)
        fail(f + ":" + std::to_string(n), "invalid UTF-8");
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      lines.push_back(std::move(line));
    }
  }
  if (lines.empty()) fail(s.files.front(), "no text for language '" + s.lang + "'");
  return lines;
}

LanguageStream tokenize_source(const MixSource& s, const Tokenizer& tok, std::optional<int32_t> separator) {
  LanguageStream out;
  out.lang = s.lang;
  out.weight = s.weight;
  for (const std::string& line : read_lines(s)) {
    const std::vector<int32_t> ids = separator ? tok.encode(line) : tok.encode(line + "\n");
    out.tokens.insert(out.tokens.end(), ids.begin(), ids.end());
    if (separator) out.tokens.push_back(*separator);
    ++out.lines;
    out.bytes += static_cast<int64_t>(line.size());
  }
  if (out.tokens.size() < 2) fail(s.files.front(), "too little text for language '" + s.lang + "'");
  return out;
}

TrainBatch sample_batch(const std::vector<LanguageStream>& streams, int64_t batch, int64_t ctx, uint64_t seed,
                        int64_t step) {
  uint64_t state = seed * 0x2545f4914f6cdd1dULL + static_cast<uint64_t>(step);
  mix_random(state);
  std::vector<double> weights;
  for (const auto& s : streams) weights.push_back(s.weight);
  TrainBatch b;
  for (int64_t i = 0; i < batch; ++i) {
    const int l = pick_language(weights, state);
    const auto& toks = streams[l].tokens;
    const int64_t n = std::min<int64_t>(ctx, static_cast<int64_t>(toks.size()));
    const int64_t start = below(state, static_cast<int64_t>(toks.size()) - n + 1);
    b.seqs.emplace_back(toks.begin() + start, toks.begin() + start + n);
    b.lang.push_back(l);
  }
  return b;
}

std::vector<std::string> tokenizer_sample(const std::vector<MixSource>& mix, int64_t total_bytes, uint64_t seed) {
  std::vector<std::string> texts;
  uint64_t state = seed ^ 0x746f6b656e697a65ULL;  // its own stream, apart from the batches'
  for (const auto& s : mix) {
    const std::vector<std::string> lines = read_lines(s);
    const auto budget = static_cast<int64_t>(s.weight * static_cast<double>(total_bytes));
    int64_t used = 0;
    // A random start, then consecutive lines (wrapping): a fair sample without a shuffle.
    const int64_t start = below(state, static_cast<int64_t>(lines.size()));
    for (size_t k = 0; k < lines.size() && (k == 0 || used < budget); ++k) {
      const std::string& line = lines[(start + k) % lines.size()];
      texts.push_back(line);
      used += static_cast<int64_t>(line.size());
    }
  }
  return texts;
}

}  // namespace lq::train
