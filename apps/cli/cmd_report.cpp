// langquant report RESULTS.json [MORE.json ...] [--stats stats.json] --html F [--md F]: a
// self-contained HTML report (Vega charts inlined, opens offline) and a Markdown one for papers.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "report/html_report.h"
#include "report/markdown_report.h"
#include "report/report_builder.h"
#include "report/vega_library.h"

namespace lq::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> inputs, patches, contrasts;
  std::string stats, html, md, group, vega_dir;
  size_t max_plans = 12;
};

void run_report(const ReportArgs& a) {
  if (a.html.empty() && a.md.empty()) fail("report", "nothing to write: give --html and/or --md");
  if (a.inputs.empty() && a.patches.empty()) fail("report", "nothing to report: give comparison JSON files and/or --patch");
  // Everything is read and checked before any output file is opened.
  std::vector<report::Dataset> files;
  for (const auto& p : a.inputs) files.push_back(report::load_comparison(p));
  std::vector<report::PatchMatrix> patches;
  for (const auto& p : a.patches) patches.push_back(report::load_patch(p));
  std::vector<std::string> inputs = a.inputs;
  inputs.insert(inputs.end(), a.patches.begin(), a.patches.end());
  const nlohmann::json stats = a.stats.empty() ? nlohmann::json() : read_json_file(a.stats);
  report::ReportOptions opt;
  opt.group = a.group;
  opt.max_language_plans = a.max_plans;
  for (const auto& c : a.contrasts) {
    const auto vs = c.find(" vs ");
    if (vs == std::string::npos || vs == 0 || vs + 4 >= c.size())
      fail("--contrast " + c, "write it as 'PLAN_A vs PLAN_B' (plan names as in the results)");
    opt.contrasts.emplace_back(c.substr(0, vs), c.substr(vs + 4));
  }
  const report::Report rep = report::build_report(std::move(files), inputs, stats, a.stats, opt, std::move(patches));
  std::string html, md;
  if (!a.html.empty()) html = report::render_html(rep, report::vega_script_elements(a.vega_dir.empty() ? report::default_vega_dir() : a.vega_dir));
  if (!a.md.empty()) md = report::render_markdown(rep);
  std::unique_ptr<AtomicFile> hf, mf;
  if (!a.html.empty()) (hf = std::make_unique<AtomicFile>(a.html, true))->stream() << html;
  if (!a.md.empty()) (mf = std::make_unique<AtomicFile>(a.md, true))->stream() << md;
  for (AtomicFile* f : {hf.get(), mf.get()})
    if (f && !f->stream().flush()) fail(f->path(), "write failed (disk full?)");
  for (AtomicFile* f : {hf.get(), mf.get()})
    if (f) f->commit();
  size_t charts = 0;
  for (const auto& s : rep.sections) charts += s.charts.size();
  for (const auto& p : rep.patches) charts += p.charts.size();
  std::cout << rep.sections.size() + rep.patches.size() << " section(s), " << charts << " chart(s)";
  if (hf) std::cout << "; HTML: " << a.html;
  if (mf) std::cout << "; Markdown: " << a.md;
  std::cout << "\n";
}

}  // namespace

void register_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Turn comparison results into a report for a paper: a self-contained HTML file (charts drawn by\n"
      "Vega, inlined from Debian's libjs-vega, so it opens offline) and Markdown tables.\n"
      "Inputs: JSON written by 'langquant eval --plan ... --out' or 'langquant sweep ... --out'; files\n"
      "about the same model, corpus and scoring mode are merged, others get their own section.\n"
      "Charts: per-language degradation, delta_bpb, KL and top-1 with 95% intervals; per-layer\n"
      "criticality (plans a sweep tagged {\"axis\":\"layers\",\"layers\":[N]} or {\"axis\":\"layer\",\"layer\":N}:\n"
      "reduction of the LR disparity, or of the delta_bpb gap when a disparity is unstable, against the\n"
      "base-only plan: one tagged {\"axis\":\"base\"}, or one whose line is 'base=F' for the layer plans'\n"
      "base F, e.g. the preset 'none' of a baseline sweep given as another input;\n"
      "anti-critical layers in red, labelled 'anti'); a disparity heatmap plan x language; the Pareto\n"
      "frontier of overhead vs that objective; with --stats, each per-layer weight statistic against\n"
      "criticality with Pearson/Spearman r, bootstrap interval and permutation p. Unstable ratios\n"
      "are shown as 'unstable', never as a number. Tables add paired 95% intervals where one file's\n"
      "bootstrap replicates allow (schema 2): criticality and rank per layer, each plan's improvement over\n"
      "the base-only plan, and synergies (a layer pair or triple, or a whole layer, against its parts).\n"
      "--patch adds 'langquant patch --out' results: the recovery matrix (restore and inject) per patch and\n"
      "language as heatmaps and tables.");
  cmd->add_option("results", a->inputs, "Comparison JSON files")->check(CLI::ExistingFile);
  cmd->add_option("--contrast", a->contrasts,
                  "'PLAN_A vs PLAN_B': their paired difference and ratio of the fairness objective (repeatable), e.g. "
                  "'neurons-1 vs ffn-magnitude-1'");
  cmd->add_option("--patch", a->patches, "JSON from 'langquant patch --out' (repeatable)")->check(CLI::ExistingFile);
  cmd->add_option("--stats", a->stats, "Weight statistics from 'langquant stats --out' (its \"layers\" array)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--html", a->html, "Write the HTML report here");
  cmd->add_option("--md", a->md, "Write the Markdown report here");
  cmd->add_option("--group", a->group, "Language group treated as low-resource (default: 'lr', else the first)");
  cmd->add_option("--max-plans", a->max_plans, "Plans drawn in the per-language charts (default 12; tables list all)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--vega-dir", a->vega_dir,
                  "Folder of Vega's *.min.js modules (default: $LANGQUANT_VEGA_DIR, else /usr/share/javascript/vega)");
  cmd->callback([a] { run_report(*a); });
}

}  // namespace lq::cli
