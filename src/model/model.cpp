#include "model/model.h"

#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "formats/gguf_store.h"
#include "model/gguf_config.h"

namespace lq {

std::string with_layer(const std::string& pattern, int layer) {
  std::string s = pattern;
  for (size_t p; (p = s.find("{L}")) != std::string::npos;) s.replace(p, 3, std::to_string(layer));
  return s;
}

namespace {
// llama.cpp's converter reorders the Q and K rows of llama-architecture models so that each
// head's rotary pairs are adjacent (its RoPE "normal" mode): within a head of d rows, HF row
// i * d/2 + j was written as row 2j + i. Moving whole stored rows back is exact for any type,
// quantized blocks included, since ggml quantizes row by row.
std::vector<std::byte> unpermute_rope_rows(const TensorView& v, int64_t n_head) {
  const int64_t rows = v.shape.at(0), d = rows / n_head, half = d / 2;
  const size_t row_bytes = v.nbytes / static_cast<size_t>(rows);
  std::vector<std::byte> out(v.nbytes);
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < half; ++j)
        std::memcpy(out.data() + (h * d + i * half + j) * row_bytes, v.data + (h * d + 2 * j + i) * row_bytes,
                    row_bytes);
  return out;
}

std::vector<int64_t> transposed(std::vector<int64_t> s) {
  if (s.size() == 2) std::swap(s[0], s[1]);
  return s;
}
}  // namespace

std::unique_ptr<Model> Model::load(const std::string& path) {
  std::unique_ptr<Model> m(new Model());
  m->dir_ = path;
  // Hugging Face checkpoints are folders; a file is read as GGUF when it says so by name or by
  // magic (so the GGUF reader explains a damaged .gguf file).
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (std::filesystem::path(path).extension() != ".gguf" && !is_gguf_file(path))
      fail(path, "not a folder (expected a Hugging Face checkpoint folder) nor a GGUF file");
    auto store = std::make_unique<GgufStore>(path);
    m->gguf_ = &store->gguf();
    m->config_ = ModelConfig::from_json(hf_config_from_gguf(store->gguf()), path);
    m->store_ = std::move(store);
  } else {
    m->config_ = ModelConfig::load(path);
    m->store_ = std::make_unique<SafetensorsStore>(path);
  }
  m->arch_ = &find_architecture(m->config_);
  m->hparams_ = m->arch_->read_hparams(m->config_);
  m->map_tensors();
  return m;
}

// Walks the architecture's table: a Hugging Face folder is looked up by HF names, a GGUF file
// by canonical names (GGUF's own), its matrices always stored [out, in].
void Model::map_tensors() {
  const bool gguf = gguf_ != nullptr;
  const std::string arch = gguf ? gguf_->get_string("general.architecture") : "";
  std::set<std::string> used;
  for (const TensorRow& row : arch_->tensor_table(hparams_)) {
    const bool per_layer = row.canonical.find("{L}") != std::string::npos;
    const int n = per_layer ? static_cast<int>(hparams_.n_layer) : 1;
    for (int l = 0; l < n; ++l) {
      const auto expand = [&](const std::string& s) { return per_layer ? with_layer(s, l) : s; };
      const std::string canonical = expand(row.canonical);
      const TensorView* view = nullptr;
      std::string stored = canonical, hf = expand(row.hf_names.at(0));
      if (gguf) {
        view = store_->find(canonical);
      } else {
        for (const auto& cand : row.hf_names)
          if ((view = store_->find(hf = expand(cand)))) break;
        stored = hf;
      }
      if (!view) {
        if (!row.required) continue;
        fail(dir_, "checkpoint lacks tensor '" + (gguf ? canonical : expand(row.hf_names[0])) +
                       "' (canonical " + canonical + ")");
      }
      if (gguf ? !dtype_is_weight(view->dtype) : !dtype_is_float_supported(view->dtype))
        fail(dir_, "tensor '" + stored + "' has dtype " + std::string(dtype_name(view->dtype)) +
                       (gguf ? "; langquant reads F32, F16, BF16 and ggml block types"
                             : "; weights must be F32, F16 or BF16"));
      const std::vector<int64_t> expected = gguf && row.in_major ? transposed(row.shape) : row.shape;
      if (!expected.empty() && view->shape != expected) {
        TensorView e;
        e.shape = expected;
        fail(dir_, "tensor '" + stored + "' has shape " + view->shape_string() + " but " +
                       (gguf ? "the GGUF metadata implies " : "config.json implies ") + e.shape_string());
      }
      if (gguf && arch == "llama" && per_layer && (row.canonical == "blk.{L}.attn_q.weight" || row.canonical == "blk.{L}.attn_k.weight")) {
        const int64_t heads = row.canonical == "blk.{L}.attn_q.weight" ? hparams_.n_head : hparams_.n_head_kv;
        owned_views_.push_back(std::make_unique<TensorView>(*view));
        owned_bytes_.push_back(std::make_unique<std::vector<std::byte>>(unpermute_rope_rows(*view, heads)));
        owned_views_.back()->data = owned_bytes_.back()->data();
        view = owned_views_.back().get();
      }
      used.insert(stored);
      TensorInfo t;
      t.canonical = canonical;
      t.roles = {canonical};
      t.hf_name = hf;
      t.layer = layer_of(canonical);
      t.kind = kind_of(canonical);
      t.component = component_of(canonical);
      t.in_major = gguf ? false : row.in_major;
      t.qkv_per_head = row.qkv_per_head;
      t.hf_values = row.hf_values;
      t.view = view;
      tensors_.push_back(std::move(t));
    }
  }
  for (size_t i = 0; i < tensors_.size(); ++i) by_role_[tensors_[i].canonical] = static_cast<int>(i);
  // A tied output head is the token embedding serving a second role.
  if (hparams_.tied_output && !by_role_.count("output.weight") && by_role_.count("token_embd.weight")) {
    const int e = by_role_["token_embd.weight"];
    tensors_[e].roles.push_back("output.weight");
    by_role_["output.weight"] = e;
  }
  for (const auto& [name, view] : store_->all()) {
    if (used.count(name)) continue;
    bool ignored = false;
    for (const auto& suf : arch_->ignored_suffixes)
      ignored |= name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
    if (!ignored) unused_.push_back(name);
  }
}

const TensorInfo* Model::find(const std::string& canonical) const {
  auto it = by_role_.find(canonical);
  return it == by_role_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& Model::get(const std::string& canonical) const {
  const TensorInfo* t = find(canonical);
  if (!t) fail(dir_, "model has no tensor " + canonical);
  return *t;
}

int Model::index_of(const std::string& canonical) const {
  auto it = by_role_.find(canonical);
  return it == by_role_.end() ? -1 : it->second;
}

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const auto& t : tensors_) n += t.view->numel();
  return n;
}

}  // namespace lq
