// Text helpers shared by the HTML and Markdown writers: number formatting in the style of
// `eval --plan`'s tables, and escaping of everything that comes from input files (plan names,
// languages, paths) for HTML, for JSON embedded in a <script> element, and for Markdown cells.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "report/report_data.h"

namespace lq::report {

// printf-style formatting of one number; "" for a non-finite one.
std::string fmt(double v, const char* format = "%.3g");
// "1.23 [1.1, 1.4]" + suffix, as `eval --plan` prints ("2.1 [1.8, 2.5]x"); scale multiplies value and
// bounds; "unstable" for an unstable ratio,
// "n/a" when there is no value.
std::string with_ci(const Value& v, double scale = 1, const char* format = "%.3g", const std::string& suffix = "");

// &, <, >, " and ' as character references: safe in element content and quoted attributes.
std::string html_escape(const std::string& s);
// JSON text that can sit inside <script>...</script>: <, > and & become \u003c, \u003e, \u0026
// (legal only inside JSON strings, which is the only place JSON has them), so no input can
// close the element or open a comment; invalid UTF-8 is replaced rather than rejected.
std::string script_json(const nlohmann::json& j);
// A Markdown table cell: '|' escaped, newlines flattened, HTML-significant characters escaped.
std::string md_cell(const std::string& s);

}  // namespace lq::report
