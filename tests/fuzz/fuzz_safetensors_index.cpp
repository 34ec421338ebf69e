// The sharded checkpoint index: the input is model.safetensors.index.json in a folder that
// holds two valid shards (written once at start-up); the store must validate the weight map
// against them (missing shards, names in the wrong shard, paths leaving the folder, types).
#include "core/tensor_view.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "fuzz_util.h"

namespace {

std::string shard_dir() {
  const std::string dir = (lq::fuzz::scratch_dir() / "sharded").string();
  lq::fuzz::fs::create_directories(dir);
  lq::SafetensorsWriter first;
  first.add_f32("wte.weight", lq::DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  first.add_f32("h.0.ln_1.weight", lq::DType::F16, {3}, {1, 0.5f, -2});
  first.write(dir + "/model-00001-of-00002.safetensors");
  lq::SafetensorsWriter second;
  second.add_f32("h.0.mlp.c_fc.weight", lq::DType::BF16, {3, 2}, {1, -1, 0.25f, 8, 0, 3});
  second.write(dir + "/model-00002-of-00002.safetensors");
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = shard_dir();
  lq::fuzz::write_bytes(dir + "/model.safetensors.index.json", data, size);
  lq::fuzz::only_lq_errors([&] {
    lq::SafetensorsStore store(dir);
    for (const auto& [name, view] : store.all())
      if (lq::dtype_is_weight(view->dtype)) (void)lq::to_f32(*view);
    (void)store.files();
  });
  return 0;
}
