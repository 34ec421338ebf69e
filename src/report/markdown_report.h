// The Markdown report: the same tables and captions as the HTML (a paper takes the numbers
// from here), with each chart's caption standing in for the chart.
#pragma once
#include <string>

#include "report/report_builder.h"

namespace lq::report {

std::string render_markdown(const Report& r);

}  // namespace lq::report
