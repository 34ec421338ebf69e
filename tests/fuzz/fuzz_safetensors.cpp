// The safetensors header and tensor table: the input is a model.safetensors file, opened as a
// checkpoint folder's only file. Every tensor the reader accepts is then read in full as
// float32 (misaligned data, empty tensors, every dtype) and its metadata touched.
#include <cmath>

#include "core/tensor_view.h"
#include "formats/safetensors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = (lq::fuzz::scratch_dir() / "st").string();
  static const bool made = lq::fuzz::fs::create_directories(dir);
  (void)made;
  lq::fuzz::write_bytes(dir + "/model.safetensors", data, size);
  lq::fuzz::only_lq_errors([&] {
    lq::SafetensorsStore store(dir);
    volatile double sink = 0;
    for (const auto& [name, view] : store.all()) {
      sink = sink + static_cast<double>(view->nbytes) + static_cast<double>(view->shape.size());
      if (!lq::dtype_is_weight(view->dtype)) continue;
      const std::vector<float> values = lq::to_f32(*view);
      if (static_cast<int64_t>(values.size()) != view->numel()) lq::fuzz::finding("to_f32 size", name.c_str());
      for (float v : values) sink = sink + (std::isfinite(v) ? v : 0.0f);
    }
    (void)store.files();
  });
  return 0;
}
