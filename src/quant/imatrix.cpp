#include "quant/imatrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"

namespace lq::quant {
namespace {

constexpr const char* kSum2 = ".in_sum2";
constexpr const char* kSum = ".in_sum";
constexpr const char* kCounts = ".counts";

bool strip_suffix(std::string& s, const std::string& suffix) {
  if (s.size() <= suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  s.resize(s.size() - suffix.size());
  return true;
}

std::vector<double> read_f32(const std::string& path, const TensorView& t) {
  if (t.dtype != DType::F32) fail(path, "imatrix tensor " + t.name + " is not F32");
  std::vector<float> f(static_cast<size_t>(t.numel()));
  std::memcpy(f.data(), t.data, f.size() * sizeof(float));
  return {f.begin(), f.end()};
}

}  // namespace

const ImatrixEntry* Imatrix::find(const std::string& name) const {
  auto it = entries.find(name);
  if (it == entries.end()) it = entries.find(name + ".weight");
  return it == entries.end() ? nullptr : &it->second;
}

std::vector<float> Imatrix::column_weights(const std::string& name, int64_t mat) const {
  const ImatrixEntry* e = find(name);
  if (!e) return {};
  if (mat < 0 || mat >= e->n_mat) fail(name, "imatrix has no matrix " + std::to_string(mat));
  std::vector<float> w(static_cast<size_t>(e->cols), 1.0f);
  const auto c = static_cast<double>(e->counts[static_cast<size_t>(mat)]);
  if (c <= 0) return w;
  for (int64_t j = 0; j < e->cols; ++j) w[static_cast<size_t>(j)] = static_cast<float>(e->sum2[static_cast<size_t>(mat * e->cols + j)] / c);
  return w;
}

Imatrix load_imatrix(const std::string& path) {
  GgufFile f(path);
  Imatrix m;
  if (f.find("imatrix.datasets")) m.datasets = f.get_strings("imatrix.datasets");
  m.chunk_count = f.find_int("imatrix.chunk_count").value_or(0);
  m.chunk_size = f.find_int("imatrix.chunk_size").value_or(0);
  struct Parts { const TensorView *sum2 = nullptr, *sum = nullptr, *counts = nullptr; };
  std::map<std::string, Parts> parts;
  for (const auto& [tname, view] : f.tensors()) {
    std::string name = tname;
    if (strip_suffix(name, kSum2)) parts[name].sum2 = &view;
    else if (strip_suffix(name, kCounts)) parts[name].counts = &view;
    else if (strip_suffix(name, kSum)) parts[name].sum = &view;
  }
  if (parts.empty()) fail(path, "not an imatrix: no <name>.in_sum2 / <name>.counts tensors");
  for (const auto& [name, p] : parts) {
    if (!p.sum2 || !p.counts) fail(path, "imatrix entry " + name + " lacks its in_sum2 or counts tensor");
    ImatrixEntry e;
    e.n_mat = p.counts->numel();
    if (e.n_mat < 1 || p.sum2->numel() % e.n_mat != 0)
      fail(path, "imatrix entry " + name + ": in_sum2 size is not a multiple of its counts");
    e.cols = p.sum2->numel() / e.n_mat;
    e.sum2 = read_f32(path, *p.sum2);
    if (p.sum) {
      if (p.sum->numel() != p.sum2->numel()) fail(path, "imatrix entry " + name + ": in_sum and in_sum2 sizes differ");
      e.sum = read_f32(path, *p.sum);
    }
    for (double c : read_f32(path, *p.counts)) {
      if (!(c >= 0)) fail(path, "imatrix entry " + name + " has a negative count");
      e.counts.push_back(std::llround(c));
    }
    m.entries.emplace(name, std::move(e));
  }
  return m;
}

void save_imatrix(const Imatrix& m, const std::string& path) {
  GgufWriter w;
  w.set("general.type", GgufValue::string("imatrix"));
  w.set("imatrix.datasets", GgufValue::strings(m.datasets));
  w.set("imatrix.chunk_count", GgufValue::u32(static_cast<uint32_t>(m.chunk_count)));
  w.set("imatrix.chunk_size", GgufValue::u32(static_cast<uint32_t>(m.chunk_size)));
  auto add = [&](const std::string& name, const std::vector<double>& v, int64_t n_mat, int64_t cols) {
    std::vector<float> f(v.begin(), v.end());
    w.add_tensor(name, DType::F32, {n_mat, cols}, f.data(), f.size() * sizeof(float));
  };
  for (const auto& [name, e] : m.entries) {  // std::map: sorted, as llama-imatrix writes them
    add(name + kSum2, e.sum2, e.n_mat, e.cols);
    add(name + kCounts, std::vector<double>(e.counts.begin(), e.counts.end()), e.n_mat, 1);
    if (!e.sum.empty()) add(name + kSum, e.sum, e.n_mat, e.cols);
  }
  w.write(path);
}

Imatrix mix_imatrices(const std::vector<std::pair<const Imatrix*, double>>& parts) {
  double total = 0;
  for (const auto& [m, wt] : parts) {
    if (!(wt >= 0) || !std::isfinite(wt)) fail("--mix", "weights must be finite and >= 0");
    total += wt;
  }
  if (!(total > 0)) fail("--mix", "at least one language needs a positive weight");
  Imatrix out;
  const Imatrix* first = nullptr;
  for (const auto& [m, wt] : parts) {
    if (wt <= 0) continue;
    out.datasets.insert(out.datasets.end(), m->datasets.begin(), m->datasets.end());
    out.chunk_count += m->chunk_count;
    out.chunk_size = m->chunk_size;
    if (!first) first = m;
    if (m->entries.size() != first->entries.size()) fail("--mix", "the languages' imatrices hold different tensors");
  }
  for (const auto& [name, e0] : first->entries) {
    ImatrixEntry e;
    e.cols = e0.cols;
    e.n_mat = e0.n_mat;
    e.counts.assign(static_cast<size_t>(e.n_mat), 0);
    std::vector<double> mean2(e0.sum2.size(), 0.0), mean(e0.sum2.size(), 0.0);
    bool have_sum = true;
    for (const auto& [m, wt] : parts) {
      if (wt <= 0) continue;
      const ImatrixEntry* p = m->find(name);
      if (!p || p->cols != e.cols || p->n_mat != e.n_mat) fail("--mix", "the languages' imatrices differ at " + name);
      have_sum = have_sum && !p->sum.empty();
      for (int64_t k = 0; k < e.n_mat; ++k) {
        const auto c = static_cast<double>(p->counts[static_cast<size_t>(k)]);
        e.counts[static_cast<size_t>(k)] += p->counts[static_cast<size_t>(k)];
        if (c <= 0) continue;
        for (int64_t j = 0; j < e.cols; ++j) {
          const auto i = static_cast<size_t>(k * e.cols + j);
          mean2[i] += wt / total * p->sum2[i] / c;
          if (!p->sum.empty()) mean[i] += wt / total * p->sum[i] / c;
        }
      }
    }
    e.sum2.resize(mean2.size());
    if (have_sum) e.sum.resize(mean.size());
    for (int64_t k = 0; k < e.n_mat; ++k)
      for (int64_t j = 0; j < e.cols; ++j) {
        const auto i = static_cast<size_t>(k * e.cols + j);
        const auto c = static_cast<double>(e.counts[static_cast<size_t>(k)]);
        e.sum2[i] = mean2[i] * c;
        if (have_sum) e.sum[i] = mean[i] * c;
      }
    out.entries.emplace(name, std::move(e));
  }
  return out;
}

std::vector<double> parse_mix(const std::string& spec, const std::vector<std::string>& langs) {
  if (spec == "balanced") return std::vector<double>(langs.size(), 1.0);
  std::vector<double> w(langs.size(), 0.0);
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t end = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos) fail("--mix", "expected lang=weight, got '" + item + "'");
    const std::string lang = item.substr(0, eq);
    double v = 0;
    try {
      size_t used = 0;
      v = std::stod(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      fail("--mix", "weight of '" + lang + "' is not a number");
    }
    if (!(v >= 0) || !std::isfinite(v)) fail("--mix", "weight of '" + lang + "' must be finite and >= 0");
    if (!seen.insert(lang).second) fail("--mix", "language '" + lang + "' named twice");
    size_t i = 0;
    while (i < langs.size() && langs[i] != lang) ++i;
    if (i == langs.size()) fail("--mix", "language '" + lang + "' is not among the languages run");
    w[i] = v;
    start = end + 1;
  }
  double total = 0;
  for (double v : w) total += v;
  if (!(total > 0)) fail("--mix", "at least one language needs a positive weight");
  return w;
}

std::string language_imatrix_path(const std::string& out, const std::string& lang) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + "." + lang + p.extension().string())).string();
}

Imatrix load_imatrix_spec(const std::string& spec) {
  const size_t colon = spec.rfind(':');
  const std::string mix = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (mix.empty() || (mix != "balanced" && mix.find('=') == std::string::npos)) return load_imatrix(spec);
  const std::string base = spec.substr(0, colon);
  std::vector<std::string> langs;
  if (mix == "balanced") {
    const std::filesystem::path p(base);
    const std::string stem = p.stem().string() + ".", ext = p.extension().string();
    const auto dir = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
      const std::string n = f.path().filename().string();
      if (n.size() > stem.size() + ext.size() && n.rfind(stem, 0) == 0 && n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
        langs.push_back(n.substr(stem.size(), n.size() - stem.size() - ext.size()));
    }
    std::sort(langs.begin(), langs.end());
    if (langs.empty()) fail(base, "no per-language imatrix files " + stem + "<lang>" + ext + " beside it");
  } else {
    for (size_t start = 0; start <= mix.size();) {
      const size_t end = std::min(mix.find(',', start), mix.size());
      const std::string item = mix.substr(start, end - start);
      langs.push_back(item.substr(0, item.find('=')));
      start = end + 1;
    }
  }
  const std::vector<double> w = parse_mix(mix, langs);
  std::vector<Imatrix> loaded;
  loaded.reserve(langs.size());
  std::vector<std::pair<const Imatrix*, double>> parts;
  for (size_t i = 0; i < langs.size(); ++i) {
    if (w[i] <= 0) continue;
    loaded.push_back(load_imatrix(language_imatrix_path(base, langs[i])));
    parts.emplace_back(&loaded.back(), w[i]);
  }
  return mix_imatrices(parts);
}

}  // namespace lq::quant
