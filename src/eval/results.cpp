#include "eval/results.h"

#include "eval/estimate_json.h"

#include <cstdio>

#include "core/number_text.h"

namespace lq {
namespace {

nlohmann::json summary_json(const LanguageSummary& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["units"] = s.units;
  j["tokens"] = s.tokens;
  j["bytes"] = s.bytes;
  j["chars"] = s.chars;
  j["nll_total"] = s.nll_total;
  put_estimate(j, "nll", s.nll);
  put_estimate(j, "ppl", s.ppl);
  put_estimate(j, "bpb", s.bpb);
  return j;
}

std::string fmt(const char* f, double v) { return format_number(v, f); }

std::string row(const LanguageSummary& s) {
  return "| " + s.name + " | " + std::to_string(s.units) + " | " + std::to_string(s.tokens) + " | " +
         std::to_string(s.bytes) + " | " + fmt("%.4f", s.nll.value) + " | " + fmt("%.3f", s.ppl.value) +
         " [" + fmt("%.3f", s.ppl.lo) + ", " + fmt("%.3f", s.ppl.hi) + "] | " + fmt("%.4f", s.bpb.value) +
         " [" + fmt("%.4f", s.bpb.lo) + ", " + fmt("%.4f", s.bpb.hi) + "] |\n";
}

}  // namespace

nlohmann::json to_json(const EvalResults& r) {
  nlohmann::json j;
  j["model"] = r.model;
  j["corpus"] = r.corpus;
  j["corpus_layout"] = r.corpus_layout;
  j["mode"] = r.mode;
  j["n_ctx"] = r.n_ctx;
  j["bos"] = r.bos;
  j["truncated_units"] = r.truncated;
  j["bootstrap_replicates"] = r.bootstrap_replicates;
  j["interval"] = "95% percentile bootstrap over units";
  j["languages"] = nlohmann::json::array();
  for (const auto& s : r.languages) j["languages"].push_back(summary_json(s));
  j["groups"] = nlohmann::json::array();
  for (const auto& s : r.groups) j["groups"].push_back(summary_json(s));
  return j;
}

std::string to_markdown(const EvalResults& r) {
  std::string md = "# langquant eval\n\nModel `" + r.model + "`, corpus `" + r.corpus + "` (" + r.corpus_layout +
                   "), " + r.mode + " mode, context " + std::to_string(r.n_ctx) + (r.bos ? ", BOS prepended" : "") +
                   ". Intervals: 95% bootstrap over " + (r.mode == "sentence" ? "sentences" : "windows") + " (" +
                   std::to_string(r.bootstrap_replicates) + " replicates).\n\n";
  const std::string head =
      "| language | units | tokens | bytes | nll/token | perplexity [95% CI] | bits/byte [95% CI] |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n";
  md += head;
  for (const auto& s : r.languages) md += row(s);
  if (!r.groups.empty()) {
    md += "\n| group | units | tokens | bytes | nll/token | perplexity [95% CI] | bits/byte [95% CI] |\n"
          "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& s : r.groups) md += row(s);
  }
  if (r.truncated) md += "\n" + std::to_string(r.truncated) + " sentences were longer than the context and cut.\n";
  return md;
}

}  // namespace lq
