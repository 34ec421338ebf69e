// Parameter layout, initialisation and checkpoint I/O of Gpt2Trainable (the training math is
// in gpt2_forward_backward.cpp).
#include "train/gpt2_trainable.h"

#include <cmath>
#include <filesystem>
#include <random>

#include "core/atomic_file.h"
#include "core/error.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "train/gpt2_workspace.h"
#include "model/arch.h"

namespace lq::train {
namespace fs = std::filesystem;

std::string block_param(int layer, const std::string& suffix) {
  return "transformer.h." + std::to_string(layer) + "." + suffix;
}

Gpt2Trainable::Gpt2Trainable(const Gpt2Shape& shape) : shape_(shape) {
  shape_.validate("GPT-2 shape");
  const int64_t D = shape_.n_embd, F = shape_.ff();
  auto add = [&](std::string name, std::vector<int64_t> dims) {
    ParamInfo p;
    p.name = std::move(name);
    p.shape = std::move(dims);
    p.numel = 1;
    for (int64_t d : p.shape) p.numel *= d;
    p.offset = params_.empty() ? 0 : params_.back().offset + params_.back().numel;
    index_[p.name] = params_.size();
    params_.push_back(std::move(p));
  };
  add("transformer.wte.weight", {shape_.n_vocab, D});
  add("transformer.wpe.weight", {shape_.n_ctx, D});
  for (int l = 0; l < shape_.n_layer; ++l) {
    add(block_param(l, "ln_1.weight"), {D});
    add(block_param(l, "ln_1.bias"), {D});
    add(block_param(l, "attn.c_attn.weight"), {D, 3 * D});
    add(block_param(l, "attn.c_attn.bias"), {3 * D});
    add(block_param(l, "attn.c_proj.weight"), {D, D});
    add(block_param(l, "attn.c_proj.bias"), {D});
    add(block_param(l, "ln_2.weight"), {D});
    add(block_param(l, "ln_2.bias"), {D});
    add(block_param(l, "mlp.c_fc.weight"), {D, F});
    add(block_param(l, "mlp.c_fc.bias"), {F});
    add(block_param(l, "mlp.c_proj.weight"), {F, D});
    add(block_param(l, "mlp.c_proj.bias"), {D});
  }
  add("transformer.ln_f.weight", {D});
  add("transformer.ln_f.bias", {D});
  const int64_t n = params_.back().offset + params_.back().numel;
  values_.assign(static_cast<size_t>(n), 0.0f);
  grads_.assign(static_cast<size_t>(n), 0.0f);
}

Gpt2Trainable Gpt2Trainable::init_random(const Gpt2Shape& shape, uint64_t seed) {
  Gpt2Trainable m(shape);
  std::mt19937_64 rng(seed);
  const float std = shape.initializer_range;
  const float proj_std = std / std::sqrt(2.0f * static_cast<float>(shape.n_layer));
  for (const ParamInfo& p : m.params_) {
    float* v = m.values_.data() + p.offset;
    const bool is_norm = p.name.find(".ln_") != std::string::npos;
    const bool is_bias = p.name.ends_with(".bias");
    if (is_norm && !is_bias) {
      std::fill(v, v + p.numel, 1.0f);
    } else if (!is_bias) {  // matrices and embeddings
      std::normal_distribution<float> normal(0.0f, p.name.ends_with("c_proj.weight") ? proj_std : std);
      for (int64_t i = 0; i < p.numel; ++i) v[i] = normal(rng);
    }  // biases stay 0
  }
  return m;
}

Gpt2Trainable Gpt2Trainable::from_checkpoint(const std::string& dir) {
  const ModelConfig config = ModelConfig::load(dir);
  if (find_architecture(config).name != "gpt2")
    fail(config.path(), "model_type '" + config.model_type() + "' is not gpt2 (only GPT-2 can be trained)");
  const HParams h = gpt2_architecture().read_hparams(config);
  if (h.activation != "gelu_new")
    fail(config.path(), "training supports activation_function gelu_new only, not '" + h.activation + "'");
  if (h.scale_attn_by_inverse_layer_idx)
    fail(config.path(), "training does not support scale_attn_by_inverse_layer_idx");
  Gpt2Trainable m(Gpt2Shape::from_hparams(h));
  m.shape_.initializer_range = static_cast<float>(config.get_float({"initializer_range"}, 0.02));
  const SafetensorsStore store(dir);
  for (const ParamInfo& p : m.params_) {
    const TensorView* t = store.find(p.name);
    if (!t) t = store.find(p.name.substr(std::string("transformer.").size()));
    if (!t) fail(dir, "checkpoint has no tensor " + p.name);
    if (t->shape != p.shape)
      fail(dir, "tensor " + t->name + " has shape " + t->shape_string() + ", the config implies another");
    convert_to_f32(*t, 0, static_cast<size_t>(p.numel), m.values_.data() + p.offset);
  }
  return m;
}

const ParamInfo& Gpt2Trainable::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail("GPT-2 parameters", "no parameter named '" + name + "'");
  return params_[it->second];
}

std::vector<std::string> Gpt2Trainable::names() const {
  std::vector<std::string> out;
  for (const ParamInfo& p : params_) out.push_back(p.name);
  return out;
}
float* Gpt2Trainable::param(const std::string& name) { return values_.data() + info(name).offset; }
float* Gpt2Trainable::grad(const std::string& name) { return grads_.data() + info(name).offset; }
const float* Gpt2Trainable::param(const std::string& name) const { return values_.data() + info(name).offset; }
const float* Gpt2Trainable::grad(const std::string& name) const { return grads_.data() + info(name).offset; }
int64_t Gpt2Trainable::numel(const std::string& name) const { return info(name).numel; }
const std::vector<int64_t>& Gpt2Trainable::shape_of(const std::string& name) const { return info(name).shape; }
void Gpt2Trainable::zero_grad() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

void Gpt2Trainable::save_checkpoint(const std::string& dir, const std::string& tokenizer_json_text) const {
  const nlohmann::json config = gpt2_architecture().make_config(shape_.hparams());
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  for (const ParamInfo& p : params_)
    writer.add_f32(p.name, DType::F32, p.shape,
                   std::vector<float>(values_.begin() + p.offset, values_.begin() + p.offset + p.numel));
  fs::create_directories(dir);
  nlohmann::json full = config;
  full["initializer_range"] = shape_.initializer_range;
  write_file_atomic((fs::path(dir) / "config.json").string(), full.dump(2) + "\n");
  writer.write((fs::path(dir) / "model.safetensors").string());
  write_file_atomic((fs::path(dir) / "tokenizer.json").string(), tokenizer_json_text);
}

}  // namespace lq::train
