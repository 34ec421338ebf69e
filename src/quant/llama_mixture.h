// llama.cpp's quantization mixtures ("file types" of llama-quantize: Q4_K_M, Q3_K_M, Q8_0, ...):
// the ggml type llama-quantize writes for each tensor, with the reason, as its type choice
// (llama_tensor_get_type in llama.cpp's src/llama-quant.cpp) decides it:
//  - only tensors named *weight with at least 2 dimensions are quantized (norms, biases and
//    other 1-D tensors keep their stored type: F32 in a converted GGUF);
//  - the output tensor, and token_embd when the model has no output.weight (tied), get Q6_K
//    (Q8_0 when the row length is not a multiple of the default type's block, or the mixture
//    is Q8_0);
//  - per mixture, attn_v / ffn_down / attn_output get more bits in some layers; the layer of
//    attn_v and ffn_down is a counter over the tensors in llama.cpp's order (block, then name)
//    that only advances when the mixture logic ran for that tensor (a manual override skips it);
//  - a row length that is not a multiple of the type's block falls back (Q4_K -> Q5_0,
//    Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0, IQ4_XS -> IQ4_NL; F16 when even that does
//    not fit).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/format.h"

namespace lq {
class Model;
}

namespace lq::quant {

struct MixtureTensor {
  std::string name;      // canonical GGUF name, e.g. "blk.3.attn_v.weight"
  int64_t row = 0;       // ggml ne[0]: the row length (inputs of a matrix)
  int n_dims = 2;        // 1 for vectors
};

struct MixtureModel {
  std::string arch;      // GGUF architecture name ("llama", "qwen2", "gemma3", "falcon", ...)
  int n_layer = 0;
  int64_t n_head = 0, n_head_kv = 0;
  int n_expert = 0;
  std::vector<MixtureTensor> tensors;
};

struct MixtureOptions {
  bool pure = false;                          // --pure: the default type everywhere (fallbacks still apply)
  std::optional<Format> output_type;          // --output-tensor-type
  std::optional<Format> token_embd_type;      // --token-embedding-type
  // --tensor-type overrides, one per tensor of MixtureModel::tensors (empty: none); a set entry
  // replaces the mixture's choice for that tensor (the fallback still applies).
  std::vector<std::optional<Format>> manual;
};

struct MixtureChoice {
  Format format;
  bool quantized = false;  // llama-quantize quantizes this tensor
  bool fallback = false;   // the row length did not fit the chosen type
  bool manual = false;     // a manual override (MixtureOptions::manual) chose the type
  std::string reason;      // e.g. "default", "more bits: attn_v layer 0", "fallback: 640 % 256 != 0 -> q5_0"
};

// The llama-quantize spelling of a mixture (upper case: "Q4_K_M", "Q8_0", "IQ4_XS") -> true.
bool is_llama_mixture(std::string_view name);
// The mixtures supported, in llama-quantize spelling.
const std::vector<std::string>& llama_mixture_names();
// The default ggml type of a mixture (Q4_K_M -> q4_k).
Format llama_mixture_default(std::string_view mixture);

// One choice per tensor of `m`, in the same order. Throws when llama-quantize would refuse (no
// fallback defined for a type whose block does not fit the row).
std::vector<MixtureChoice> llama_mixture_types(std::string_view mixture, const MixtureModel& m,
                                               const MixtureOptions& opt = {});

// The mixture view of a loaded model: its tensors under their canonical names (a tied
// embedding is token_embd.weight only, as in GGUF), shapes and hyper-parameters.
MixtureModel mixture_model(const Model& model);

}  // namespace lq::quant
