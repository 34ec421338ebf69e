#include "train/fisher.h"

#include <algorithm>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "formats/safetensors_writer.h"

namespace lq::train {
namespace {

const ParamInfo* find_param(const Gpt2Trainable& net, const std::string& hf_name) {
  for (const std::string& name : {hf_name, "transformer." + hf_name}) {
    for (const ParamInfo& p : net.params())
      if (p.name == name) return &p;
  }
  return nullptr;
}

// The tokens of one sentence as the model sees it: [BOS] + text, cut to the context.
std::vector<int32_t> sequence_of(const std::string& sentence, const Tokenizer& tok, const Model& model) {
  std::vector<int32_t> ids;
  if (model.hparams().bos_id) ids.push_back(*model.hparams().bos_id);
  const auto text = tok.encode(sentence);
  ids.insert(ids.end(), text.begin(), text.end());
  if (static_cast<int64_t>(ids.size()) > model.hparams().n_ctx) ids.resize(model.hparams().n_ctx);
  return ids;
}

// Squares of the current gradients, accumulated per weight in double.
void accumulate_squares(const Gpt2Trainable& net, std::vector<double>& acc) {
  const float* g = net.grad_data();
  const int64_t n = net.parameter_count();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) acc[i] += static_cast<double>(g[i]) * g[i];
}

// acc / n for each tensor, in logical order.
std::vector<std::vector<float>> per_tensor(const std::vector<FisherTensor>& ts, const Gpt2Trainable& net,
                                           const std::vector<double>& acc, double n) {
  std::vector<std::vector<float>> out;
  for (const FisherTensor& t : ts) {
    const ParamInfo* p = find_param(net, t.param);
    std::vector<float> v(static_cast<size_t>(p->numel));
    const double* a = acc.data() + p->offset;
    if (!t.transpose) {
      for (int64_t i = 0; i < p->numel; ++i) v[i] = static_cast<float>(a[i] / n);
    } else {  // stored [in, out] -> logical [out, in]
      const int64_t in = p->shape[0], o = p->shape[1];
      for (int64_t i = 0; i < in; ++i)
        for (int64_t j = 0; j < o; ++j) v[j * in + i] = static_cast<float>(a[i * o + j] / n);
    }
    out.push_back(std::move(v));
  }
  return out;
}

double set_mean(const FisherSet& s) {
  double sum = 0;
  int64_t n = 0;
  for (const auto& v : s.values) {
    for (float x : v) sum += x;
    n += static_cast<int64_t>(v.size());
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

std::vector<FisherTensor> fisher_tensors(const Model& model, const Gpt2Trainable& net) {
  if (model.arch().name != "gpt2")
    fail(model.dir(), "Fisher needs the GPT-2 backward; this model's architecture is " + model.arch().name);
  std::vector<FisherTensor> out;
  for (const TensorInfo& t : model.tensors()) {
    const ParamInfo* p = find_param(net, t.hf_name);
    if (!p || p->numel != t.view->numel())
      fail(model.dir(), "tensor " + t.hf_name + " has no GPT-2 parameter of the same size");
    FisherTensor f;
    f.canonical = t.canonical;
    f.param = p->name;
    f.layer = t.layer;
    f.transpose = t.is_matrix() && t.in_major;
    f.shape = t.is_matrix() ? std::vector<int64_t>{t.out_dim(), t.in_dim()} : t.view->shape;
    out.push_back(std::move(f));
  }
  return out;
}

FisherResult compute_fisher(const Model& model, Gpt2Trainable& net, const Tokenizer& tok,
                            const std::vector<FisherLanguage>& langs,
                            const std::map<std::string, std::vector<std::string>>& groups,
                            const FisherOptions& opt, const FisherResume& resume) {
  FisherResult r;
  r.tensors = fisher_tensors(model, net);
  std::vector<double> acc(static_cast<size_t>(net.parameter_count()));
  for (const FisherLanguage& lang : langs) {
    std::vector<std::vector<int32_t>> seqs;
    for (const std::string& s : *lang.sentences) {
      if (opt.max_sequences > 0 && static_cast<int64_t>(seqs.size()) >= opt.max_sequences) break;
      auto ids = sequence_of(s, tok, model);
      if (ids.size() >= 2) seqs.push_back(std::move(ids));  // at least one predicted token
    }
    if (seqs.empty()) fail(lang.code, "no sentence with a token to predict");
    if (auto done = resume.finished ? resume.finished(lang.code) : std::nullopt) {
      bool fits = done->values.size() == r.tensors.size();
      for (size_t t = 0; fits && t < r.tensors.size(); ++t) {
        int64_t n = 1;
        for (int64_t d : r.tensors[t].shape) n *= d;
        fits = static_cast<int64_t>(done->values[t].size()) == n;
      }
      if (!fits) fail(lang.code, "the stored Fisher of this language does not fit the model's tensors");
      r.sets.push_back(std::move(*done));
      continue;
    }
    FisherSet set;
    set.name = lang.code;
    std::fill(acc.begin(), acc.end(), 0.0);
    Progress progress("fisher " + lang.code, static_cast<int64_t>(seqs.size()), "seq", opt.quiet);
    for (const auto& ids : seqs) {
      net.zero_grad();
      set.tokens += net.forward_backward({ids}).second;  // gradient of this sequence's mean NLL
      accumulate_squares(net, acc);
      progress.advance(1);
    }
    progress.finish();
    set.sequences = static_cast<int64_t>(seqs.size());
    set.values = per_tensor(r.tensors, net, acc, static_cast<double>(set.sequences));
    if (resume.on_finished) resume.on_finished(set);
    r.sets.push_back(std::move(set));
  }
  const size_t n_lang = r.sets.size();
  auto lang_index = [&](const std::string& code) {
    for (size_t i = 0; i < n_lang; ++i)
      if (r.sets[i].name == code) return i;
    fail("group", "language '" + code + "' is not among the languages computed");
  };
  for (const auto& [name, members] : groups) {
    FisherSet g;
    g.name = "group:" + name;
    g.values = r.sets[lang_index(members.at(0))].values;
    for (size_t m = 1; m < members.size(); ++m) {
      const auto& other = r.sets[lang_index(members[m])].values;
      for (size_t t = 0; t < g.values.size(); ++t)
        for (size_t i = 0; i < g.values[t].size(); ++i) g.values[t][i] += other[t][i];
    }
    const float inv = 1.0f / static_cast<float>(members.size());
    for (auto& v : g.values)
      for (float& x : v) x *= inv;
    r.sets.push_back(std::move(g));
  }
  if (n_lang > 0) {
    FisherSet mx;
    mx.name = "max";
    mx.values = r.sets[0].values;
    for (auto& v : mx.values) std::fill(v.begin(), v.end(), 0.0f);
    for (size_t l = 0; l < n_lang; ++l) {
      const double mean = set_mean(r.sets[l]);
      if (mean <= 0) continue;  // all-zero gradients carry no ranking
      const auto inv = static_cast<float>(1.0 / mean);
      for (size_t t = 0; t < mx.values.size(); ++t)
        for (size_t i = 0; i < mx.values[t].size(); ++i)
          mx.values[t][i] = std::max(mx.values[t][i], r.sets[l].values[t][i] * inv);
    }
    r.sets.push_back(std::move(mx));
  }
  return r;
}

nlohmann::json fisher_summary(const FisherResult& r) {
  nlohmann::json sets = nlohmann::json::array();
  for (const FisherSet& s : r.sets) {
    double total = 0;
    std::vector<double> sums;
    for (const auto& v : s.values) {
      double x = 0;
      for (float f : v) x += f;
      sums.push_back(x);
      total += x;
    }
    nlohmann::json tensors = nlohmann::json::array();
    std::map<int, double> layers;
    for (size_t t = 0; t < r.tensors.size(); ++t) {
      const auto& v = s.values[t];
      const float mx = v.empty() ? 0.0f : *std::max_element(v.begin(), v.end());
      tensors.push_back({{"tensor", r.tensors[t].canonical}, {"numel", v.size()}, {"sum", sums[t]},
                         {"mean", v.empty() ? 0.0 : sums[t] / static_cast<double>(v.size())}, {"max", mx},
                         {"share", total > 0 ? sums[t] / total : 0.0}});
      layers[r.tensors[t].layer] += sums[t];
    }
    nlohmann::json per_layer = nlohmann::json::array();
    for (const auto& [layer, sum] : layers)
      per_layer.push_back({{"layer", layer < 0 ? nlohmann::json("outside blocks") : nlohmann::json(layer)},
                           {"sum", sum}, {"share", total > 0 ? sum / total : 0.0}});
    nlohmann::json j = {{"set", s.name}, {"total", total}, {"tensors", tensors}, {"layers", per_layer}};
    if (s.sequences > 0) {
      j["sequences"] = s.sequences;
      j["predicted_tokens"] = s.tokens;
    }
    sets.push_back(std::move(j));
  }
  return sets;
}

void write_fisher(const FisherResult& r, const std::string& safetensors_path, const std::string& json_path,
                  const nlohmann::json& about) {
  SafetensorsWriter w;
  std::string names;
  for (const FisherSet& s : r.sets) {
    names += (names.empty() ? "" : ",") + s.name;
    for (size_t t = 0; t < r.tensors.size(); ++t)
      w.add_f32(s.name + "/" + r.tensors[t].canonical, DType::F32, r.tensors[t].shape, s.values[t]);
  }
  w.set_metadata("format", "langquant-fisher-1");
  w.set_metadata("sets", names);
  w.set_metadata("definition",
                 "F_l[i] = mean over sequences s of (d mean_NLL_s / d w_i)^2; group = mean of member F_l; "
                 "max = max_l F_l[i] / mean_j F_l[j]; tensors in logical [out, in] order");
  nlohmann::json summary = about;
  summary["sets"] = fisher_summary(r);
  w.write(safetensors_path);
  write_file_atomic(json_path, summary.dump(2) + "\n");
}

}  // namespace lq::train
