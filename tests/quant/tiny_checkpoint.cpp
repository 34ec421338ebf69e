#include "tiny_checkpoint.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lq::test {

std::vector<TinyTensor> tiny_gpt2_tensors(const TinyGpt2& c) {
  const int64_t D = c.n_embd, F = 4 * D;
  std::vector<TinyTensor> t = {{"wte.weight", {c.n_vocab, D}, {}}, {"wpe.weight", {c.n_ctx, D}, {}}};
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    t.push_back({h + "ln_1.weight", {D}, {}});
    t.push_back({h + "ln_1.bias", {D}, {}});
    t.push_back({h + "attn.c_attn.weight", {D, 3 * D}, {}});
    t.push_back({h + "attn.c_attn.bias", {3 * D}, {}});
    t.push_back({h + "attn.c_proj.weight", {D, D}, {}});
    t.push_back({h + "attn.c_proj.bias", {D}, {}});
    t.push_back({h + "ln_2.weight", {D}, {}});
    t.push_back({h + "ln_2.bias", {D}, {}});
    t.push_back({h + "mlp.c_fc.weight", {D, F}, {}});
    t.push_back({h + "mlp.c_fc.bias", {F}, {}});
    t.push_back({h + "mlp.c_proj.weight", {F, D}, {}});
    t.push_back({h + "mlp.c_proj.bias", {D}, {}});
  }
  t.push_back({"ln_f.weight", {D}, {}});
  t.push_back({"ln_f.bias", {D}, {}});
  uint64_t s = c.seed * 0x9e3779b97f4a7c15ull + 1;
  for (auto& x : t) {
    int64_t n = 1;
    for (int64_t d : x.shape) n *= d;
    x.data.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (c.value) {
        x.data[i] = c.value(x.name, i);
      } else {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
        x.data[i] = static_cast<float>(static_cast<double>(s >> 11) * 0x1.0p-52 - 1.0);
      }
    }
  }
  return t;
}

void write_safetensors(const std::string& path, const std::vector<TinyTensor>& tensors) {
  nlohmann::json h = nlohmann::json::object();
  size_t off = 0;
  for (const auto& t : tensors) {
    const size_t bytes = t.data.size() * 4;
    h[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {off, off + bytes}}};
    off += bytes;
  }
  std::string header = h.dump();
  while (header.size() % 8) header += ' ';
  std::ofstream f(path, std::ios::binary);
  const uint64_t n = header.size();
  f.write(reinterpret_cast<const char*>(&n), 8);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& t : tensors) f.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size() * 4));
  if (!f) throw std::runtime_error("cannot write " + path);
}

namespace {
// Folders written by this process, removed when it exits.
struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};
TempDirs g_temp_dirs;
}  // namespace

std::string write_tiny_gpt2(const TinyGpt2& c) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lq_tiny_gpt2_XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  g_temp_dirs.dirs.push_back(tmpl);
  nlohmann::json cfg = {{"model_type", "gpt2"},       {"n_layer", c.n_layer}, {"n_embd", c.n_embd},
                        {"n_head", c.n_head},         {"vocab_size", c.n_vocab}, {"n_positions", c.n_ctx},
                        {"layer_norm_epsilon", 1e-5}, {"activation_function", "gelu_new"}};
  std::ofstream(tmpl + "/config.json") << cfg.dump(2);
  write_safetensors(tmpl + "/model.safetensors", tiny_gpt2_tensors(c));
  return tmpl;
}

}  // namespace lq::test
