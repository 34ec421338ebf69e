#include "cli/help_format.h"

#include <map>
#include <sstream>

namespace lq::cli {
namespace {

// One line each, at most ~90 characters, so the list fits a terminal.
const std::map<std::string, std::string>& summaries() {
  static const std::map<std::string, std::string> m = {
      {"init", "Create a checkpoint with random weights (demos, benchmarks)"},
      {"train", "Train a GPT-2 from scratch on a weighted language mix"},
      {"inspect", "Show a checkpoint's architecture, config and tensors"},
      {"convert", "Write a Hugging Face checkpoint of a GGUF file's weights (dequantized)"},
      {"tokenize", "Tokenize or decode text exactly as Hugging Face tokenizers does"},
      {"score", "Log-probability of every token of a text file (JSON Lines)"},
      {"eval", "Per-language quality (ppl, bpb, intervals), alone or against quantization plans"},
      {"plan", "Quantization plans: list presets, show what a plan keeps, apply it"},
      {"sweep", "Score many plans along experiment axes into a resumable SQLite store"},
      {"correlate", "Correlate two keyed series from CSV/JSON files (Pearson, Spearman, p-values)"},
      {"stats", "Weight statistics per tensor, layer and component, with quantization error"},
      {"activations", "Per-language statistics of every block's output (massive activations)"},
      {"imatrix", "llama.cpp importance matrices per language (llama-imatrix's GGUF format)"},
      {"fertility", "Tokens per word, per character and per byte of each language, and the premium"},
      {"report", "HTML and Markdown report of eval/sweep comparison results"},
      {"fisher", "Per-language diagonal Fisher information of every weight"},
      {"overlap", "How many top-k% weights by Fisher are also top-k% by magnitude"},
      {"predict", "Which pre-quantization statistic predicts layer criticality"},
      {"search", "Cheapest protection meeting a fairness target (greedy/beam, racing)"},
      {"recommend", "Rank layers by criticality, then search a plan in that order"},
      {"export", "Write a plan as a GGUF file or a llama-quantize command for deployment"},
      {"verify-export", "Score an exported GGUF with llama.cpp beside langquant's simulation, per language"},
      {"patch", "Causal patching: share of each language's loss that restoring activations recovers"},
      {"sinks", "Attention sinks per head and language, against weight outliers and loss"},
      {"neurons", "Language-specific feed-forward neurons (activation probability, LAPE)"},
      // plan's own commands
      {"list", "List the preset plans with a one-line description each"},
      {"show", "Resolve a plan on a checkpoint: every tensor's format, overhead, size"},
      {"apply", "Write a checkpoint holding a plan's simulated (dequantized) weights"},
  };
  return m;
}

class SummaryFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true), command_summary(*sub), get_column_width());
    return out.str();
  }
};

}  // namespace

std::string command_summary(const CLI::App& cmd) {
  if (auto it = summaries().find(cmd.get_name()); it != summaries().end()) return it->second;
  // A command the table does not know yet: its description up to the first sentence's end.
  const std::string& d = cmd.get_description();
  size_t end = d.find('\n');
  if (const size_t dot = d.find(". "); dot != std::string::npos && dot < end) end = dot;
  if (end != std::string::npos && end > 0 && d[end - 1] == ':') --end;
  return d.substr(0, end);
}

std::shared_ptr<CLI::Formatter> summary_formatter() { return std::make_shared<SummaryFormatter>(); }

}  // namespace lq::cli
