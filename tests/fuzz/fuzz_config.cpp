// config.json into hyper-parameters: the input is a checkpoint's config.json, read as its own
// model_type says and then as every architecture's model_type in turn (so each reader sees
// every mutation), up to the tensor table the hyper-parameters imply.
#include <nlohmann/json.hpp>

#include "formats/model_config.h"
#include "fuzz_util.h"
#include "model/arch.h"

namespace {

void read_as_model(const lq::ModelConfig& config) {
  const lq::Architecture& arch = lq::find_architecture(config);
  const lq::HParams hp = arch.read_hparams(config);
  (void)arch.tensor_table(hp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = (lq::fuzz::scratch_dir() / "ckpt").string();
  static const bool made = lq::fuzz::fs::create_directories(dir);
  static const std::vector<std::string> model_types = lq::architecture_names();
  (void)made;
  lq::fuzz::write_bytes(dir + "/config.json", data, size);
  nlohmann::json raw;
  bool loaded = false;
  lq::fuzz::only_lq_errors([&] {
    const lq::ModelConfig config = lq::ModelConfig::load(dir);
    raw = config.raw();
    loaded = true;
    read_as_model(config);
  });
  if (!loaded || !raw.is_object()) return 0;
  for (const std::string& type : model_types) {
    raw["model_type"] = type;
    lq::fuzz::only_lq_errors([&] { read_as_model(lq::ModelConfig::from_json(raw, dir + "/config.json")); });
  }
  return 0;
}
