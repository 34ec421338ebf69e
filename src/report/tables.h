// The report's tables as rows of text, laid out by both writers: strategies (the form
// `eval --plan` prints), per-language results, per-layer criticality, the Pareto points and
// the statistic-vs-criticality correlations. Numbers are formatted here once, so the HTML and
// the Markdown say exactly the same thing.
#pragma once
#include <string>
#include <vector>

#include "report/report_builder.h"

namespace lq::report {

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<bool> numeric;  // right-aligned columns
  std::vector<std::vector<std::string>> rows;
};

std::vector<Table> section_tables(const Section& s);
// A patch result: the plan's loss per language, then the share table of each direction.
std::vector<Table> patch_tables(const PatchSection& p);

}  // namespace lq::report
