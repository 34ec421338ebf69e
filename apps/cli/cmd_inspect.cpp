// langquant inspect DIR: what a checkpoint is, tensor by tensor, under both names.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "model/model.h"

namespace lq::cli {
namespace {

struct InspectArgs {
  std::string dir;
  bool json = false;
};

void run_inspect(const InspectArgs& a) {
  auto model = Model::load(a.dir);
  const HParams& h = model->hparams();
  if (a.json) {
    nlohmann::json j;
    j["architecture"] = model->arch().name;
    j["config"] = model->config().raw();
    j["parameters"] = model->parameter_count();
    for (const auto& t : model->tensors())
      j["tensors"].push_back({{"hf_name", t.hf_name}, {"canonical", t.canonical}, {"roles", t.roles},
                              {"layer", t.layer}, {"kind", kind_name(t.kind)},
                              {"component", component_name(t.component)},
                              {"dtype", dtype_name(t.view->dtype)}, {"shape", t.view->shape},
                              {"bytes", t.view->nbytes}, {"layout", t.in_major ? "in,out" : "out,in"}});
    j["unused_tensors"] = model->unused_tensors();
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("checkpoint    %s\narchitecture  %s (model_type %s)\n", a.dir.c_str(), model->arch().name.c_str(),
              model->config().model_type().c_str());
  std::printf("config        layers %lld, hidden %lld, heads %lld (kv %lld), ffn %lld, vocab %lld, context %lld, "
              "norm eps %g, activation %s, tied output %s\n",
              (long long)h.n_layer, (long long)h.n_embd, (long long)h.n_head, (long long)h.n_head_kv,
              (long long)h.n_ff, (long long)h.n_vocab, (long long)h.n_ctx, h.norm_eps, h.activation.c_str(),
              h.tied_output ? "yes" : "no");
  size_t bytes = 0;
  for (const auto& t : model->tensors()) bytes += t.view->nbytes;
  std::printf("parameters    %lld (%.1f MB stored)\n\n", (long long)model->parameter_count(), bytes / 1e6);
  std::printf("%-36s %-28s %-10s %-6s %-5s %-16s %12s\n", "hugging face name", "canonical name", "component",
              "kind", "dtype", "shape", "bytes");
  for (const auto& t : model->tensors()) {
    std::string canon = t.canonical;
    for (size_t r = 1; r < t.roles.size(); ++r) canon += " = " + t.roles[r];
    std::printf("%-36s %-28s %-10s %-6s %-5s %-16s %12zu\n", t.hf_name.c_str(), canon.c_str(),
                std::string(component_name(t.component)).c_str(), std::string(kind_name(t.kind)).c_str(),
                std::string(dtype_name(t.view->dtype)).c_str(), t.view->shape_string().c_str(), t.view->nbytes);
  }
  for (const auto& u : model->unused_tensors()) std::printf("(unused) %s\n", u.c_str());
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand("inspect",
                                 "Show a checkpoint: architecture, config, parameter count, and every tensor with its "
                                 "Hugging Face name, canonical name, component, kind, dtype, shape and bytes");
  cmd->add_option("dir", a->dir, "Hugging Face checkpoint folder (config.json + safetensors) or GGUF file")->required();
  cmd->add_flag("--json", a->json, "Print JSON instead of a table");
  cmd->callback([a] { run_inspect(*a); });
}

}  // namespace lq::cli
