#include "report/markdown_report.h"

#include "report/tables.h"
#include "report/text_format.h"

namespace lq::report {
namespace {

std::string table_md(const Table& t) {
  std::string m = "### " + md_cell(t.title) + "\n\n|";
  for (const auto& c : t.header) m += " " + md_cell(c) + " |";
  m += "\n|";
  for (bool n : t.numeric) m += n ? "---:|" : "---|";
  m += "\n";
  for (const auto& row : t.rows) {
    m += "|";
    for (const auto& c : row) m += " " + md_cell(c) + " |";
    m += "\n";
  }
  return m + "\n";
}

}  // namespace

std::string render_markdown(const Report& r) {
  std::string m = "# langquant report\n\nInputs: ";
  for (size_t i = 0; i < r.inputs.size(); ++i) m += (i ? ", " : "") + md_cell(r.inputs[i]);
  if (!r.stats_source.empty()) m += "; weight statistics: " + md_cell(r.stats_source);
  m += ".\n\n";
  for (const auto& s : r.sections) {
    const Dataset& d = s.data;
    m += "## " + md_cell(d.model) + " on " + md_cell(d.corpus) + " (" + md_cell(d.mode) + " mode)\n\n" +
         md_cell(context_caption(d)) + "\n\n";
    for (const auto& n : s.notes) m += "- " + md_cell(n) + "\n";
    if (!s.notes.empty()) m += "\n";
    if (!s.charts.empty()) {
      m += "Charts (in the HTML report):\n\n";
      for (const auto& c : s.charts) m += "- " + md_cell(c.caption) + "\n";
      m += "\n";
    }
    for (const auto& t : section_tables(s)) m += table_md(t);
  }
  for (const auto& p : r.patches) {
    m += "## Causal patching: " + md_cell(p.data.plan) + " on " + md_cell(p.data.model) + "\n\nFrom " +
         md_cell(p.data.source) + "; corpus " + md_cell(p.data.corpus) + ", " + std::to_string(p.data.sentences) +
         " sentences per language.\n\n";
    if (const std::string a = p.data.answer(); !a.empty()) m += "**" + md_cell(a) + "**\n\n";
    if (!p.charts.empty()) {
      m += "Charts (in the HTML report):\n\n";
      for (const auto& c : p.charts) m += "- " + md_cell(c.caption) + "\n";
      m += "\n";
    }
    for (const auto& t : patch_tables(p)) m += table_md(t);
  }
  return m;
}

}  // namespace lq::report
