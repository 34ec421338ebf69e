#include "model/gguf_config.h"

#include <string>

#include "core/error.h"
#include "model/hf_config.h"

namespace lq {
namespace {
using nlohmann::json;

// Reads "<arch>.<key>" (GGUF's per-architecture namespace).
struct ArchKeys {
  const GgufFile& g;
  std::string arch;
  int64_t get_int(const std::string& k) const { return g.get_int(arch + "." + k); }
  std::optional<int64_t> find_int(const std::string& k) const { return g.find_int(arch + "." + k); }
  std::optional<double> find_float(const std::string& k) const { return g.find_float(arch + "." + k); }
  double get_float(const std::string& k) const { return g.get_float(arch + "." + k); }
};

int64_t vocab_size(const ArchKeys& a) {
  if (auto v = a.find_int("vocab_size")) return *v;
  if (a.g.find("tokenizer.ggml.tokens")) return static_cast<int64_t>(a.g.find("tokenizer.ggml.tokens")->size());
  const auto it = a.g.tensors().find("token_embd.weight");
  if (it == a.g.tensors().end()) fail(a.g.path(), "no vocabulary size (no " + a.arch + ".vocab_size, tokens or token_embd)");
  return it->second.shape.at(0);
}

void special_ids(const GgufFile& g, json& c) {
  if (auto b = g.find_int("tokenizer.ggml.bos_token_id")) c["bos_token_id"] = *b;
  if (auto e = g.find_int("tokenizer.ggml.eos_token_id")) c["eos_token_id"] = *e;
  if (auto p = g.find_int("tokenizer.ggml.padding_token_id")) c["pad_token_id"] = *p;
}

bool has_output_tensor(const GgufFile& g) { return g.tensors().count("output.weight") > 0; }

// Sizes every decoder-only GGUF architecture names the same way.
json common(const ArchKeys& a) {
  json c;
  c["hidden_size"] = a.get_int("embedding_length");
  c["num_hidden_layers"] = a.get_int("block_count");
  c["num_attention_heads"] = a.get_int("attention.head_count");
  c["num_key_value_heads"] = a.find_int("attention.head_count_kv").value_or(a.get_int("attention.head_count"));
  c["intermediate_size"] = a.get_int("feed_forward_length");
  c["max_position_embeddings"] = a.get_int("context_length");
  c["vocab_size"] = vocab_size(a);
  if (auto k = a.find_int("attention.key_length")) c["head_dim"] = *k;
  special_ids(a.g, c);
  return c;
}

void rope_scaling(const ArchKeys& a, json& c) {
  const auto type = a.g.find_string(a.arch + ".rope.scaling.type");
  if (!type || *type == "none") return;
  const auto factor = a.find_float("rope.scaling.factor");
  if (*type != "linear" || !factor)
    fail(a.g.path(), "RoPE scaling '" + *type + "' is not supported for GGUF files (linear only)");
  c["rope_scaling"] = {{"rope_type", "linear"}, {"factor", *factor}};
}

json llama_like(const ArchKeys& a, const char* model_type, const char* hf_class) {
  if (a.g.tensors().count("rope_freqs.weight"))
    fail(a.g.path(), "per-dimension RoPE frequencies (rope_freqs.weight, Llama 3.1 scaling) are not supported");
  json c = common(a);
  c["model_type"] = model_type;
  c["architectures"] = {hf_class};
  c["rms_norm_eps"] = a.get_float("attention.layer_norm_rms_epsilon");
  c["rope_theta"] = a.find_float("rope.freq_base").value_or(10000.0);
  c["hidden_act"] = "silu";
  c["tie_word_embeddings"] = !has_output_tensor(a.g);
  // Head size from the RoPE dimensions when the file gives no key_length.
  if (!c.contains("head_dim"))
    if (auto r = a.find_int("rope.dimension_count")) c["head_dim"] = *r;
  rope_scaling(a, c);
  return c;
}

json gemma3(const ArchKeys& a) {
  json c = common(a);
  c["model_type"] = "gemma3_text";
  c["architectures"] = {"Gemma3ForCausalLM"};
  c["rms_norm_eps"] = a.get_float("attention.layer_norm_rms_epsilon");
  c["rope_theta"] = a.find_float("rope.freq_base").value_or(1000000.0);
  // llama.cpp does not store these for gemma3 and hard-codes them (llama-model.cpp): local
  // (sliding-window) layers use RoPE base 10000, and every 6th layer is global.
  c["rope_local_base_freq"] = 10000.0;
  c["sliding_window"] = a.get_int("attention.sliding_window");
  const int64_t n_layer = a.get_int("block_count");
  // Bounded before the per-layer list is built: a crafted block_count (up to 2^64) would
  // otherwise allocate a string per layer for minutes (fuzz_gguf); read_hparams checks the same
  // bound on the config this makes.
  if (n_layer < 1 || n_layer > kMaxHParamLayers)
    fail(a.g.path(), "gemma3.block_count is " + std::to_string(n_layer) + ", expected 1.." + std::to_string(kMaxHParamLayers));
  json types = json::array();
  for (int64_t l = 0; l < n_layer; ++l) types.push_back((l + 1) % 6 == 0 ? "full_attention" : "sliding_attention");
  c["layer_types"] = types;
  c["sliding_window_pattern"] = 6;
  // llama.cpp scales attention by 1/sqrt(head_dim), except for the 27B model (the one with 62
  // layers), whose scale is 1/sqrt(n_embd / n_head), as its config's query_pre_attn_scalar says.
  const int64_t head_dim = c.value("head_dim", int64_t(0));
  if (head_dim <= 0) fail(a.g.path(), "gemma3.attention.key_length is missing");
  const int64_t n_head = c["num_attention_heads"].get<int64_t>();
  if (n_layer == 62 && n_head <= 0) fail(a.g.path(), "gemma3.attention.head_count must be positive");
  c["query_pre_attn_scalar"] = n_layer == 62 ? c["hidden_size"].get<int64_t>() / n_head : head_dim;
  c["hidden_activation"] = "gelu_pytorch_tanh";
  c["final_logit_softcapping"] = nullptr;
  c["attn_logit_softcapping"] = nullptr;
  c["tie_word_embeddings"] = !has_output_tensor(a.g);
  rope_scaling(a, c);
  return c;
}

json gpt2(const ArchKeys& a) {
  json c;
  c["model_type"] = "gpt2";
  c["architectures"] = {"GPT2LMHeadModel"};
  c["n_embd"] = a.get_int("embedding_length");
  c["n_layer"] = a.get_int("block_count");
  c["n_head"] = a.get_int("attention.head_count");
  c["n_positions"] = a.get_int("context_length");
  c["n_ctx"] = a.get_int("context_length");
  c["n_inner"] = a.get_int("feed_forward_length");
  c["layer_norm_epsilon"] = a.get_float("attention.layer_norm_epsilon");
  c["vocab_size"] = vocab_size(a);
  c["activation_function"] = "gelu_new";
  c["tie_word_embeddings"] = !has_output_tensor(a.g);
  special_ids(a.g, c);
  return c;
}
}  // namespace

const std::vector<std::string>& gguf_architectures() {
  static const std::vector<std::string> names = {"llama", "qwen2", "gemma3", "gpt2"};
  return names;
}

nlohmann::json hf_config_from_gguf(const GgufFile& g) {
  const std::string arch = g.get_string("general.architecture");
  const ArchKeys a{g, arch};
  if (arch == "llama") return llama_like(a, "llama", "LlamaForCausalLM");
  if (arch == "qwen2") {
    json c = llama_like(a, "qwen2", "Qwen2ForCausalLM");
    c["use_sliding_window"] = false;
    return c;
  }
  if (arch == "gemma3") return gemma3(a);
  if (arch == "gpt2") return gpt2(a);
  std::string known;
  for (const auto& n : gguf_architectures()) known += (known.empty() ? "" : ", ") + n;
  fail(g.path(), "general.architecture '" + arch + "' is not supported (supported: " + known + ")");
}

}  // namespace lq
