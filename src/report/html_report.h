// The self-contained HTML report: Vega inlined (vega_library.h), every chart's spec embedded as
// JSON, every table, caption and note as escaped text. A Content-Security-Policy forbids any
// network access, so the file renders the same offline as online. When every chart has been
// drawn the body gets data-lq-rendered="<count>" (and data-lq-failed), which tests and
// headless browsers can wait for.
#pragma once
#include <string>

#include "report/report_builder.h"

namespace lq::report {

// vega_scripts: vega_script_elements()'s output.
std::string render_html(const Report& r, const std::string& vega_scripts);

}  // namespace lq::report
