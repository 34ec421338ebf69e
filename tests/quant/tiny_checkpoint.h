// Writes a tiny GPT-2 checkpoint (config.json + model.safetensors with Hugging Face's tensor
// names and Conv1D [in, out] layouts) into a fresh temporary folder, for tests that need a
// real Model::load. No tokenizer is written.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lq::test {

struct TinyTensor {
  std::string name;  // Hugging Face name, e.g. "h.0.attn.c_attn.weight"
  std::vector<int64_t> shape;
  std::vector<float> data;  // F32, row-major in the stored shape
};

struct TinyGpt2 {
  int n_layer = 2, n_embd = 64, n_head = 4, n_vocab = 96, n_ctx = 32;
  uint64_t seed = 1;
  // Value of element i of a tensor; default: deterministic pseudo-random in [-1, 1).
  std::function<float(const std::string& hf_name, int64_t i)> value;
};

// The GPT-2 tensors (wte, wpe, h.N.*, ln_f) with shapes for `cfg`, filled by cfg.value.
std::vector<TinyTensor> tiny_gpt2_tensors(const TinyGpt2& cfg);
// Writes F32 tensors as one safetensors file.
void write_safetensors(const std::string& path, const std::vector<TinyTensor>& tensors);
// Creates a temporary folder with config.json and model.safetensors; returns its path. The
// folder is removed when the process exits.
std::string write_tiny_gpt2(const TinyGpt2& cfg = {});

}  // namespace lq::test
