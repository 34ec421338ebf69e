// What langquant knows about each tensor of a loaded model: its canonical (GGUF-style) name,
// the Hugging Face name it was read from, and the kind/component/layer that plans select by.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor_view.h"

namespace lq {

struct ValueMap;  // arch.h

enum class TensorKind { Weight, Bias, Norm };
enum class Component { Embeddings, Attention, Mlp, Output };

std::string_view kind_name(TensorKind k);
std::string_view component_name(Component c);

struct TensorInfo {
  std::string canonical;           // primary canonical name, e.g. "blk.0.attn_qkv.weight"
  std::vector<std::string> roles;  // every canonical name it serves (tied tensors have two)
  std::string hf_name;             // name in the checkpoint
  int layer = -1;                  // block index, -1 outside the blocks
  TensorKind kind = TensorKind::Weight;
  Component component = Component::Embeddings;
  bool in_major = false;           // stored [in, out] (GPT-2 Conv1D) rather than [out, in]
  bool qkv_per_head = false;       // fused QKV rows stored [n_head, 3, head_dim] (see TensorRow)
  const TensorView* view = nullptr;
  // Set when Hugging Face checkpoints store this tensor's values in another convention than
  // the canonical (GGUF) one (Gemma's norms); see ValueMap in arch.h.
  const ValueMap* hf_values = nullptr;

  bool is_matrix() const { return view->shape.size() == 2; }
  // Logical [out, in] of a matrix whatever its storage order.
  int64_t out_dim() const { return in_major ? view->dim(1) : view->dim(0); }
  int64_t in_dim() const { return in_major ? view->dim(0) : view->dim(1); }
};

// Kind and component follow from the canonical name alone (one rule for every architecture).
TensorKind kind_of(std::string_view canonical);
Component component_of(std::string_view canonical);
int layer_of(std::string_view canonical);

}  // namespace lq
