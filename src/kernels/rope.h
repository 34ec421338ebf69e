// Rotary position embedding (RoPE) in the "rotate_half" form Hugging Face uses for Llama,
// Mistral, Qwen2 and GPT-NeoX: the first n_rot dims of each head are split into halves
// (x1 = dims [0, n_rot/2), x2 = [n_rot/2, n_rot)) and rotated pairwise,
//   x1' = x1 cos(p f_i) - x2 sin(p f_i),   x2' = x2 cos(p f_i) + x1 sin(p f_i),
// dims past n_rot pass through (partial rotary, GPT-NeoX's rotary_pct). Not the interleaved
// (GPT-J / llama.cpp "normal") pairing of adjacent dims.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq {

struct RopeParams {
  int n_rot = 0;                  // rotated dims per head (even); 0: no rotary embedding
  double theta = 10000.0;         // rope_theta / rotary_emb_base
  std::string scaling = "default";  // rope_scaling type: default, linear, dynamic, llama3
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  int64_t original_ctx = 0;  // llama3: original_max_position_embeddings; dynamic: max_position_embeddings
};

// The n_rot/2 inverse frequencies f_i for a sequence of seq_len positions, computed as
// transformers' modeling_rope_utils does (float32 base^(2i/n_rot), then the scaling type's
// rule). Only "dynamic" (NTK) depends on seq_len: it changes the base when seq_len > original_ctx.
std::vector<float> rope_inv_freq(const RopeParams& p, int64_t seq_len);

// Rotates rows x[r * stride + h * head_dim + ...] for r < M, h < n_head in place; row r is at
// position positions[r]. Angles p * f_i are formed in float32 like transformers.
void rope_inplace(float* x, int64_t M, int64_t stride, const int32_t* positions, int n_head,
                  int head_dim, int n_rot, const float* inv_freq);

// Plain double-precision twin of rope_inplace (same float32 angles), the reference it is tested
// against.
void rope_reference(float* x, int64_t M, int64_t stride, const int32_t* positions, int n_head,
                    int head_dim, int n_rot, const float* inv_freq);

}  // namespace lq
