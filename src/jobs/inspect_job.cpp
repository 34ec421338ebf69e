#include "jobs/inspect_job.h"

#include "core/number_text.h"
#include "model/model.h"

namespace lq::jobs {

InspectResult run_inspect(const std::string& dir) {
  auto model = Model::load(dir);
  const HParams& h = model->hparams();
  InspectResult r;
  nlohmann::json& j = r.json;
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

  std::string& s = r.text;
  s = strprintf("checkpoint    %s\narchitecture  %s (model_type %s)\n", dir.c_str(), model->arch().name.c_str(),
                model->config().model_type().c_str());
  s += strprintf("config        layers %lld, hidden %lld, heads %lld (kv %lld), ffn %lld, vocab %lld, context %lld, "
                 "norm eps %g, activation %s, tied output %s\n",
                 (long long)h.n_layer, (long long)h.n_embd, (long long)h.n_head, (long long)h.n_head_kv,
                 (long long)h.n_ff, (long long)h.n_vocab, (long long)h.n_ctx, h.norm_eps, h.activation.c_str(),
                 h.tied_output ? "yes" : "no");
  size_t bytes = 0;
  for (const auto& t : model->tensors()) bytes += t.view->nbytes;
  s += strprintf("parameters    %lld (%.1f MB stored)\n\n", (long long)model->parameter_count(), bytes / 1e6);
  s += strprintf("%-36s %-28s %-10s %-6s %-5s %-16s %12s\n", "hugging face name", "canonical name", "component",
                 "kind", "dtype", "shape", "bytes");
  for (const auto& t : model->tensors()) {
    std::string canon = t.canonical;
    for (size_t k = 1; k < t.roles.size(); ++k) canon += " = " + t.roles[k];
    s += strprintf("%-36s %-28s %-10s %-6s %-5s %-16s %12zu\n", t.hf_name.c_str(), canon.c_str(),
                   std::string(component_name(t.component)).c_str(), std::string(kind_name(t.kind)).c_str(),
                   std::string(dtype_name(t.view->dtype)).c_str(), t.view->shape_string().c_str(), t.view->nbytes);
  }
  for (const auto& u : model->unused_tensors()) s += "(unused) " + u + "\n";
  return r;
}

}  // namespace lq::jobs
