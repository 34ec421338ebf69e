// langquant inspect DIR: what a checkpoint is, tensor by tensor, under both names. The work is
// jobs/inspect_job.h.
#include <iostream>

#include "cli/commands.h"
#include "jobs/inspect_job.h"

namespace lq::cli {

void register_inspect(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("inspect",
                                 "Show a checkpoint: architecture, config, parameter count, and every tensor with its "
                                 "Hugging Face name, canonical name, component, kind, dtype, shape and bytes");
  cmd->add_option("dir", *dir, "Hugging Face checkpoint folder (config.json + safetensors) or GGUF file")->required();
  cmd->add_flag("--json", *json, "Print JSON instead of a table");
  cmd->callback([dir, json] {
    const auto r = jobs::run_inspect(*dir);
    std::cout << (*json ? r.json.dump(2) + "\n" : r.text);
  });
}

}  // namespace lq::cli
