#include "train/train_state.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"

namespace lq::train {
namespace fs = std::filesystem;

std::string step_dir(const std::string& out_dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%06lld", static_cast<long long>(step));
  return (fs::path(out_dir) / name).string();
}

void save_train_state(const std::string& out_dir, int64_t step, const Gpt2Trainable& model, AdamW& opt,
                      const std::string& tokenizer_json, const nlohmann::json& settings) {
  const std::string final_dir = step_dir(out_dir, step);
  const std::string tmp = final_dir + ".partial";
  fs::remove_all(tmp);
  model.save_checkpoint(tmp, tokenizer_json);
  SafetensorsWriter w;
  for (const ParamInfo& p : model.params())
    for (auto [prefix, v] : {std::pair{"exp_avg.", &opt.exp_avg()}, {"exp_avg_sq.", &opt.exp_avg_sq()}})
      w.add_f32(prefix + p.name, DType::F32, p.shape,
                std::vector<float>(v->begin() + p.offset, v->begin() + p.offset + p.numel));
  w.write((fs::path(tmp) / "optimizer.safetensors").string());
  const nlohmann::json state = {{"step", step}, {"adamw_steps", opt.steps()}, {"settings", settings}};
  write_file_atomic((fs::path(tmp) / "trainer_state.json").string(), state.dump(2) + "\n");
  fs::remove_all(final_dir);
  fs::rename(tmp, final_dir);
}

std::optional<int64_t> last_saved_step(const std::string& out_dir) {
  std::optional<int64_t> best;
  if (!fs::is_directory(out_dir)) return best;
  static const std::regex re("step-([0-9]{6,})");
  for (const auto& e : fs::directory_iterator(out_dir)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (e.is_directory() && std::regex_match(name, m, re) && fs::exists(e.path() / "trainer_state.json")) {
      const int64_t s = std::stoll(m[1]);
      if (!best || s > *best) best = s;
    }
  }
  return best;
}

nlohmann::json load_train_state(const std::string& out_dir, int64_t step, Gpt2Trainable& model, AdamW& opt) {
  const std::string dir = step_dir(out_dir, step);
  const std::string state_path = (fs::path(dir) / "trainer_state.json").string();
  const nlohmann::json state = read_json_file(state_path);
  model = Gpt2Trainable::from_checkpoint(dir);
  const SafetensorsFile f((fs::path(dir) / "optimizer.safetensors").string());
  for (const ParamInfo& p : model.params())
    for (auto [prefix, v] : {std::pair{"exp_avg.", &opt.exp_avg()}, {"exp_avg_sq.", &opt.exp_avg_sq()}}) {
      auto it = f.tensors().find(prefix + p.name);
      if (it == f.tensors().end() || it->second.numel() != p.numel)
        fail(f.path(), std::string("missing or misshapen ") + prefix + p.name);
      convert_to_f32(it->second, 0, static_cast<size_t>(p.numel), v->data() + p.offset);
    }
  opt.set_steps(state.at("adamw_steps").get<int64_t>());
  return state;
}

}  // namespace lq::train
