// Test-only tool for tests/oracle/test_backward.py and test_train_step.py:
//   train_dump grads --model DIR --seqs FILE --out grads.safetensors [--recompute auto|never|always]
//       gradients of the mean NLL (one sequence of ids per line of FILE), stdout: JSON
//       {"sum_nll", "n_predicted", "seq_nll": [...]}
//   train_dump step --model DIR --seqs FILE --out DIR2 --lr X --steps N [--wd --beta1 --beta2
//       --eps --clip]: N AdamW steps (clipping first) on that one batch, saves the checkpoint;
//       stdout: JSON {"grad_norms": [...]}
//   train_dump adamw --in in.safetensors --out out.safetensors --lr X [--wd --beta1 --beta2 --eps
//       --clip --decay 0|1]: AdamW alone on given gradients: tensors "param" and "grad.0",
//       "grad.1", ... (F32, same size), one clipped step per gradient; writes "param"
//   train_dump init --out DIR --vocab V --ctx C --d-model D --heads H --layers L --seed S
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/safetensors_writer.h"
#include "kernels/threads.h"
#include "train/adamw.h"
#include "train/gpt2_trainable.h"

namespace {

std::vector<std::vector<int32_t>> read_seqs(const std::string& path) {
  std::ifstream in(path);
  if (!in) lq::fail(path, "cannot open");
  std::vector<std::vector<int32_t>> seqs;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream is(line);
    std::vector<int32_t> s;
    int32_t id;
    while (is >> id) s.push_back(id);
    if (!s.empty()) seqs.push_back(std::move(s));
  }
  return seqs;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) lq::fail("train_dump", "usage: train_dump grads|step|init ...");
    const std::string mode = argv[1];
    std::map<std::string, std::string> a;
    for (int i = 2; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
    auto get = [&](const std::string& k, const std::string& def = "") {
      auto it = a.find(k);
      if (it != a.end()) return it->second;
      if (def.empty()) lq::fail("train_dump", "missing " + k);
      return def;
    };
    lq::set_compute_threads(std::stoi(get("--threads", "0")));
    nlohmann::json out;
    auto adamw_options = [&] {
      lq::train::AdamWOptions o;
      o.weight_decay = std::stod(get("--wd", "0.1"));
      o.beta1 = std::stod(get("--beta1", "0.9"));
      o.beta2 = std::stod(get("--beta2", "0.95"));
      o.eps = std::stod(get("--eps", "1e-8"));
      return o;
    };
    if (mode == "adamw") {
      lq::SafetensorsFile in(get("--in"));
      std::vector<float> p = lq::to_f32(in.tensors().at("param"));
      const auto n = static_cast<int64_t>(p.size());
      lq::train::AdamW opt(n, std::vector<uint8_t>(p.size(), get("--decay", "1") == "1"), adamw_options());
      std::vector<double> norms;
      for (int k = 0; in.tensors().count("grad." + std::to_string(k)); ++k) {
        std::vector<float> g = lq::to_f32(in.tensors().at("grad." + std::to_string(k)));
        norms.push_back(lq::train::clip_grad_norm(g.data(), {n}, std::stod(get("--clip", "1e30"))));
        opt.step(p.data(), g.data(), std::stod(get("--lr")));
      }
      lq::SafetensorsWriter w;
      w.add_f32("param", lq::DType::F32, {n}, p);
      w.write(get("--out"));
      out = {{"grad_norms", norms}};
    } else if (mode == "init") {
      lq::train::Gpt2Shape s;
      s.n_vocab = std::stoll(get("--vocab"));
      s.n_ctx = std::stoll(get("--ctx"));
      s.n_embd = std::stoll(get("--d-model"));
      s.n_head = std::stoll(get("--heads"));
      s.n_layer = std::stoll(get("--layers"));
      auto m = lq::train::Gpt2Trainable::init_random(s, std::stoull(get("--seed", "0")));
      m.save_checkpoint(get("--out"), read_text(get("--tokenizer")));
    } else {
      auto m = lq::train::Gpt2Trainable::from_checkpoint(get("--model"));
      const std::string rc = get("--recompute", "auto");
      m.set_recompute(rc == "always"  ? lq::train::Recompute::Always
                      : rc == "never" ? lq::train::Recompute::Never
                                      : lq::train::Recompute::Auto);
      const auto seqs = read_seqs(get("--seqs"));
      if (mode == "grads") {
        std::vector<double> seq_nll;
        auto [sum, n] = m.forward_backward(seqs, &seq_nll);
        out = {{"sum_nll", sum}, {"n_predicted", n}, {"seq_nll", seq_nll}};
        lq::SafetensorsWriter w;
        for (const auto& p : m.params())
          w.add_f32(p.name, lq::DType::F32, p.shape,
                    std::vector<float>(m.grad_data() + p.offset, m.grad_data() + p.offset + p.numel));
        w.write(get("--out"));
      } else if (mode == "step") {
        const lq::train::AdamWOptions o = adamw_options();
        const double clip = std::stod(get("--clip", "1.0"));
        std::vector<uint8_t> decay(static_cast<size_t>(m.parameter_count()), 0);
        std::vector<int64_t> sizes;
        for (const auto& p : m.params()) {
          sizes.push_back(p.numel);
          if (p.shape.size() >= 2) std::fill_n(decay.begin() + p.offset, p.numel, 1);
        }
        lq::train::AdamW opt(m.parameter_count(), decay, o);
        std::vector<double> norms;
        for (int s = 0, n = std::stoi(get("--steps", "1")); s < n; ++s) {
          m.zero_grad();
          m.forward_backward(seqs);
          norms.push_back(lq::train::clip_grad_norm(m.grad_data(), sizes, clip));
          opt.step(m.param_data(), m.grad_data(), std::stod(get("--lr")));
        }
        out = {{"grad_norms", norms}};
        m.save_checkpoint(get("--out"), read_text(get("--model") + "/tokenizer.json"));
      } else {
        lq::fail("train_dump", "unknown mode " + mode);
      }
    }
    std::cout << out.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
