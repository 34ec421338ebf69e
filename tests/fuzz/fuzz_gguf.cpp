// GGUF files: header, metadata (every value type, nested arrays), tensor infos, alignment and
// data offsets. Whatever the reader accepts is then used the way `langquant` uses a GGUF model:
// typed metadata getters, every weight tensor dequantized in full, the hyper-parameters as a
// config.json read by the architecture, and the tokenizer of its tokenizer.ggml.* keys
// (encoding and decoding a short text).
#include <cmath>

#include "core/tensor_view.h"
#include "formats/gguf.h"
#include "formats/model_config.h"
#include "fuzz_util.h"
#include "model/arch.h"
#include "model/gguf_config.h"
#include "tokenizers/gguf_vocab.h"
#include "tokenizers/gguf_vocab_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (lq::fuzz::scratch_dir() / "model.gguf").string();
  lq::fuzz::write_bytes(path, data, size);
  lq::fuzz::only_lq_errors([&] {
    lq::GgufFile gguf(path);
    volatile double sink = 0;
    for (const auto& [key, value] : gguf.metadata()) {
      (void)gguf.find(key);
      try {
        sink = sink + gguf.get_float(key);
      } catch (const lq::Error&) {
      }
      try {
        sink = sink + static_cast<double>(gguf.get_strings(key).size() + gguf.get_floats(key).size());
      } catch (const lq::Error&) {
      }
    }
    for (const auto& [name, view] : gguf.tensors()) {
      if (!lq::dtype_is_weight(view.dtype)) continue;
      const std::vector<float> values = lq::to_f32(view);
      if (static_cast<int64_t>(values.size()) != view.numel()) lq::fuzz::finding("to_f32 size", name.c_str());
      for (float v : values) sink = sink + (std::isfinite(v) ? v : 0.0f);
    }
    lq::fuzz::only_lq_errors([&] {
      const lq::ModelConfig config = lq::ModelConfig::from_json(lq::hf_config_from_gguf(gguf), path);
      const lq::Architecture& arch = lq::find_architecture(config);
      (void)arch.tensor_table(arch.read_hparams(config));
    });
    lq::fuzz::only_lq_errors([&] {
      const auto tokenizer = lq::tokenizer_from_gguf(lq::read_gguf_vocab(gguf));
      const auto ids = tokenizer->encode("Hello world, ça va? 你好 123", true);
      (void)tokenizer->decode(ids, false);
      (void)tokenizer->decode(ids, true);
    });
  });
  return 0;
}
