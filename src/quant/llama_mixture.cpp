#include "quant/llama_mixture.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "core/error.h"
#include "model/model.h"

namespace lq::quant {
namespace {

// llama.cpp's mixtures that differ from "every tensor at one type" only through the rules below.
enum class Mix { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K,
                 IQ4_NL, IQ4_XS };

struct MixInfo {
  const char* name;
  Mix mix;
  const char* default_type;
};

const MixInfo kMixes[] = {
    {"Q4_0", Mix::Q4_0, "q4_0"},       {"Q4_1", Mix::Q4_1, "q4_1"},       {"Q5_0", Mix::Q5_0, "q5_0"},
    {"Q5_1", Mix::Q5_1, "q5_1"},       {"Q8_0", Mix::Q8_0, "q8_0"},       {"Q2_K", Mix::Q2_K, "q2_k"},
    {"Q3_K_S", Mix::Q3_K_S, "q3_k"},   {"Q3_K_M", Mix::Q3_K_M, "q3_k"},   {"Q3_K_L", Mix::Q3_K_L, "q3_k"},
    {"Q4_K_S", Mix::Q4_K_S, "q4_k"},   {"Q4_K_M", Mix::Q4_K_M, "q4_k"},   {"Q5_K_S", Mix::Q5_K_S, "q5_k"},
    {"Q5_K_M", Mix::Q5_K_M, "q5_k"},   {"Q6_K", Mix::Q6_K, "q6_k"},       {"IQ4_NL", Mix::IQ4_NL, "iq4_nl"},
    {"IQ4_XS", Mix::IQ4_XS, "iq4_xs"},
};

const MixInfo& mix_info(std::string_view name) {
  for (const auto& m : kMixes)
    if (name == m.name) return m;
  std::string valid;
  for (const auto& m : kMixes) valid += std::string(valid.empty() ? "" : ", ") + m.name;
  fail("llama mixture", "unknown mixture '" + std::string(name) + "' (valid: " + valid + ")");
}

const char* mix_default(Mix mix) {
  for (const auto& m : kMixes)
    if (m.mix == mix) return m.default_type;
  return "f16";
}

// llama.cpp's broad tensor categories: matched on substrings of the name, in this order.
enum class Cat { TokenEmbd, AttnQ, AttnV, AttnK, AttnOutput, FfnUp, FfnGate, FfnDown, Output, Other };

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

Cat category(const std::string& n) {
  if (n == "output.weight") return Cat::Output;
  if (n == "token_embd.weight" || n == "per_layer_token_embd.weight") return Cat::TokenEmbd;
  // attn_qkv and attn_kv_b count as attn_v (the value projection lives in them).
  if (has(n, "attn_qkv.weight") || has(n, "attn_kv_b.weight") || has(n, "attn_v.weight")) return Cat::AttnV;
  if (has(n, "attn_k.weight")) return Cat::AttnK;
  if (has(n, "attn_q.weight")) return Cat::AttnQ;
  if (has(n, "attn_output.weight")) return Cat::AttnOutput;
  if (has(n, "ffn_up")) return Cat::FfnUp;
  if (has(n, "ffn_gate")) return Cat::FfnGate;
  if (has(n, "ffn_down")) return Cat::FfnDown;
  return Cat::Other;
}

// Whether llama-quantize quantizes the tensor at all (the cases that can occur in the
// architectures langquant loads, plus MoE routers and position embeddings).
bool allows_quantization(const MixtureTensor& t) {
  if (t.n_dims < 2) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  for (const char* no : {"_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
                         "ssm_conv1d", "attn_rel_b.weight", "time_mix_first.weight"})
    if (has(n, no)) return false;
  if (n == "position_embd.weight" || n == "token_types.weight") return false;
  return true;
}

int layer_from_name(const std::string& n) {
  int l = -1;
  if (std::sscanf(n.c_str(), "blk.%d.", &l) != 1) return -1;
  return l;
}

Format fmt(const char* name) { return parse_format(name); }
std::string tname(const Format& f) { return canonical_name(f); }

// Block formats with a 32-weight block have no fallback in llama.cpp (it refuses the model).
std::optional<Format> fallback_of(Kind k) {
  switch (k) {
    case Kind::Q2_K:
    case Kind::Q3_K: return fmt("q4_0");
    case Kind::Q4_K: return fmt("q5_0");
    case Kind::Q5_K: return fmt("q5_1");
    case Kind::Q6_K: return fmt("q8_0");
    case Kind::IQ4_XS: return fmt("iq4_nl");
    default: return std::nullopt;
  }
}

struct State {
  int n_attention_wv = 0, i_attention_wv = 0, n_ffn_down = 0, i_ffn_down = 0;
};

// The mixture's rule for one quantizable tensor (llama_tensor_get_type_impl), from the default type.
Format mixture_rule(const MixtureModel& m, Mix mix, bool tied, State& s, const MixtureTensor& t, Cat cat,
                    const MixtureOptions& opt, std::string& why) {
  const Format def = fmt(mix_default(mix));
  Format type = def;
  const bool falcon = m.arch == "falcon";
  const int64_t n_gqa = m.n_head_kv > 0 ? m.n_head / m.n_head_kv : 0;
  // llama.cpp's LLM_TYPE_70B: an 80-layer llama with grouped-query attention.
  const bool is_70b = m.arch == "llama" && m.n_layer == 80 && m.n_head != m.n_head_kv;
  auto more_bits = [](int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; };
  auto set = [&](const char* f, const std::string& reason) {
    type = fmt(f);
    why = reason;
  };
  if (cat == Cat::Output || (tied && cat == Cat::TokenEmbd)) {
    const std::string who = cat == Cat::Output ? "output" : "tied token_embd/output";
    if (opt.output_type) {
      type = *opt.output_type;
      why = who + ": output tensor type " + tname(type);
    } else if (falcon || t.row % ggml_block_weights(def.kind) != 0) {
      set("q8_0", who + ": " + std::to_string(t.row) + " % " + std::to_string(ggml_block_weights(def.kind)) +
                      " != 0 -> q8_0");
    } else if (def.kind != Kind::Q8_0) {
      set("q6_k", who + ": q6_k");
    } else {
      why = who + ": q8_0";
    }
    return type;
  }
  if (cat == Cat::TokenEmbd) return type;  // no rule for the mixtures here
  if (cat == Cat::AttnV) {
    const int i = s.i_attention_wv, n = s.n_attention_wv;
    const std::string at = " layer " + std::to_string(i) + " of " + std::to_string(n);
    if (mix == Mix::Q2_K) set(n_gqa >= 4 ? "q4_k" : "q3_k", "more bits: attn_v (Q2_K, n_gqa " + std::to_string(n_gqa) + ")");
    else if (mix == Mix::Q3_K_M) set(i < 2 ? "q5_k" : "q4_k", "more bits: attn_v" + at + " (Q3_K_M)");
    else if (mix == Mix::Q3_K_L) set("q5_k", "more bits: attn_v (Q3_K_L)");
    else if ((mix == Mix::IQ4_NL || mix == Mix::IQ4_XS) && n_gqa >= 4) set("q5_k", "more bits: attn_v (n_gqa >= 4)");
    else if ((mix == Mix::Q4_K_M || mix == Mix::Q5_K_M) && more_bits(i, n)) set("q6_k", "more bits: attn_v" + at);
    else if (mix == Mix::Q4_K_S && i < 4) set("q5_k", "more bits: attn_v" + at + " (first 4)");
    if (is_70b && (type.kind == Kind::Q3_K || type.kind == Kind::Q4_K)) set("q5_k", "more bits: attn_v (70B)");
    if (m.n_expert == 8) set("q8_0", "more bits: attn_v (8 experts)");
    ++s.i_attention_wv;
    return type;
  }
  if (cat == Cat::AttnK) {
    if (m.n_expert == 8) set("q8_0", "more bits: attn_k (8 experts)");
    return type;
  }
  if (cat == Cat::FfnDown) {
    int i = s.i_ffn_down;
    const int n = s.n_ffn_down;
    if (m.n_expert > 1) {  // experts are not in layer order: the layer comes from the name
      i = layer_from_name(t.name);
      if (i < 0 || i >= n) fail("llama mixture", "cannot tell the layer of " + t.name);
    }
    const std::string at = " layer " + std::to_string(i) + " of " + std::to_string(n);
    if (mix == Mix::Q2_K) set("q3_k", "more bits: ffn_down (Q2_K)");
    else if (mix == Mix::Q3_K_M) {
      if (i < n / 16) set("q5_k", "more bits: ffn_down" + at + " (first 1/16)");
      else if (!falcon || more_bits(i, n)) set("q4_k", "more bits: ffn_down" + at);
    } else if (mix == Mix::Q3_K_L) set(falcon ? "q4_k" : "q5_k", "more bits: ffn_down (Q3_K_L)");
    else if (mix == Mix::Q4_K_M) {
      if (falcon) {
        if (i < n / 16) set("q6_k", "more bits: ffn_down" + at + " (falcon, first 1/16)");
        else if (more_bits(i, n)) set("q5_k", "more bits: ffn_down" + at + " (falcon)");
      } else if (more_bits(i, n)) {
        set("q6_k", "more bits: ffn_down" + at);
      }
    } else if (i < n / 8 && (mix == Mix::IQ4_NL || mix == Mix::IQ4_XS)) set("q5_k", "more bits: ffn_down" + at + " (first 1/8, no imatrix)");
    else if (mix == Mix::Q5_K_M && more_bits(i, n)) set("q6_k", "more bits: ffn_down" + at);
    else if (mix == Mix::Q4_K_S && !falcon && i < n / 8) set("q5_k", "more bits: ffn_down" + at + " (first 1/8)");
    ++s.i_ffn_down;
    return type;
  }
  if (cat == Cat::AttnOutput) {
    if (!falcon) {
      if (m.n_expert == 8) {
        if (mix == Mix::Q2_K || mix == Mix::Q3_K_S || mix == Mix::Q3_K_M || mix == Mix::IQ4_NL || mix == Mix::Q4_K_S ||
            mix == Mix::Q4_K_M || mix == Mix::IQ4_XS)
          set("q5_k", "more bits: attn_output (8 experts)");
      } else if (mix == Mix::Q2_K) set("q3_k", "more bits: attn_output (Q2_K)");
      else if (mix == Mix::Q3_K_M) set("q4_k", "more bits: attn_output (Q3_K_M)");
      else if (mix == Mix::Q3_K_L) set("q5_k", "more bits: attn_output (Q3_K_L)");
    } else if (mix == Mix::Q3_K_L) {
      set("q4_k", "more bits: attn_output (falcon Q3_K_L)");
    }
    return type;
  }
  return type;
}

}  // namespace

bool is_llama_mixture(std::string_view name) {
  return std::any_of(std::begin(kMixes), std::end(kMixes), [&](const MixInfo& m) { return name == m.name; });
}

const std::vector<std::string>& llama_mixture_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& m : kMixes) v.push_back(m.name);
    return v;
  }();
  return names;
}

Format llama_mixture_default(std::string_view mixture) { return fmt(mix_info(mixture).default_type); }

std::vector<MixtureChoice> llama_mixture_types(std::string_view mixture, const MixtureModel& m,
                                               const MixtureOptions& opt) {
  const MixInfo& info = mix_info(mixture);
  const Format def = fmt(info.default_type);
  const auto& ts = m.tensors;
  if (!opt.manual.empty() && opt.manual.size() != ts.size())
    fail("llama mixture", "manual overrides do not match the model's tensors");
  // llama.cpp visits tensors in its loader's order: by block (non-block tensors first), then name.
  std::vector<size_t> order(ts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = layer_from_name(ts[a].name), lb = layer_from_name(ts[b].name);
    return la != lb ? la < lb : ts[a].name < ts[b].name;
  });
  State s;
  bool tied = true;  // until an output.weight is seen
  for (const auto& t : ts) {
    const Cat c = category(t.name);
    if (c == Cat::AttnV) ++s.n_attention_wv;
    if (c == Cat::Output) tied = false;
  }
  s.n_ffn_down = m.n_layer;

  std::vector<MixtureChoice> out(ts.size());
  for (size_t i : order) {
    const MixtureTensor& t = ts[i];
    MixtureChoice& ch = out[i];
    if (!allows_quantization(t)) {
      ch.format = fmt(t.n_dims < 2 ? "fp32" : "fp16");
      ch.reason = t.n_dims < 2 ? "not quantized: 1-D, kept f32" : "not quantized: kept as stored";
      continue;
    }
    ch.quantized = true;
    const Cat c = category(t.name);
    if (opt.token_embd_type && c == Cat::TokenEmbd) {  // taken as given: no fallback
      ch.format = *opt.token_embd_type;
      ch.reason = "token embedding type " + tname(ch.format);
      continue;
    }
    if (opt.output_type && c == Cat::Output) {
      ch.format = *opt.output_type;
      ch.reason = "output tensor type " + tname(ch.format);
      continue;
    }
    Format type = def;
    std::string why = "default";
    if (!opt.manual.empty() && opt.manual[i]) {
      type = *opt.manual[i];
      ch.manual = true;
      why = "override " + tname(type);
    } else if (!opt.pure) {
      type = mixture_rule(m, info.mix, tied, s, t, c, opt, why);
    } else {
      why = "pure";
    }
    const int64_t block = ggml_block_weights(type.kind);
    if (is_ggml_block(type.kind) && t.row % block != 0) {
      auto fb = fallback_of(type.kind);
      if (!fb) fail("llama mixture", t.name + ": row of " + std::to_string(t.row) + " is not a multiple of " +
                                         std::to_string(block) + " (" + tname(type) + "), and llama.cpp has no fallback");
      Format to = *fb;
      if (t.row % ggml_block_weights(to.kind) != 0) to = fmt("fp16");
      why += "; fallback: " + std::to_string(t.row) + " % " + std::to_string(block) + " != 0 -> " + tname(to);
      type = to;
      ch.fallback = true;
    }
    ch.format = type;
    ch.reason = why;
  }
  return out;
}

MixtureModel mixture_model(const Model& model) {
  MixtureModel m;
  // llama.cpp's architecture names (its rules single out falcon and 80-layer llama).
  m.arch = model.config().model_type();
  if (m.arch == "gemma3_text") m.arch = "gemma3";
  const auto& hp = model.hparams();
  m.n_layer = static_cast<int>(hp.n_layer);
  m.n_head = hp.n_head;
  m.n_head_kv = hp.n_head_kv > 0 ? hp.n_head_kv : hp.n_head;
  for (const auto& t : model.tensors()) {
    MixtureTensor mt;
    mt.name = t.canonical;
    mt.n_dims = static_cast<int>(t.view->shape.size());
    mt.row = t.is_matrix() ? t.in_dim() : t.view->numel();
    m.tensors.push_back(std::move(mt));
  }
  return m;
}

}  // namespace lq::quant
