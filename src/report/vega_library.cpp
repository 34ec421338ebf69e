#include "report/vega_library.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace lq::report {
namespace {

// Dependency order: every module after the modules it requires. Geo, force, hierarchy,
// label, regression, voronoi and word-cloud transforms are not loaded: no chart uses them.
const std::vector<std::string> kModules = {
    "vega-util",      "vega-time",         "vega-format",     "vega-loader",         "vega-dataflow",
    "vega-scale",     "vega-canvas",       "vega-scenegraph", "vega-expression",     "vega-selection",
    "vega-statistics", "vega-functions",   "vega-event-selector", "vega-parser",     "vega-runtime",
    "vega-view",      "vega-encode",       "vega-transforms", "vega-view-transforms"};

// AMD loader: a module's dependency names map to modules already loaded ("vega-selections" is
// Debian's vega-selection); LQ_CUR names the module whose <script> is running.
const char* kLoader =
    "var LQ_MODS={},LQ_CUR='';function define(deps,factory){var ex={};factory.apply(null,deps.map(function(d){"
    "if(d==='exports')return ex;var k=d==='vega-selections'?'vega-selection':d;if(!LQ_MODS[k])throw new Error("
    "'Vega module '+d+' needed by '+LQ_CUR+' is not loaded');return LQ_MODS[k];}));LQ_MODS[LQ_CUR]=ex;}"
    "define.amd=true;";

// As the upstream bundle's index: all exports in one namespace, transforms registered by name.
const char* kAssemble =
    "var vega={};for(var k in LQ_MODS)Object.assign(vega,LQ_MODS[k]);"
    "Object.assign(vega.transforms,LQ_MODS['vega-transforms'],LQ_MODS['vega-view-transforms'],"
    "LQ_MODS['vega-encode']);";

std::string read_module(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name + ".min.js";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, "not found: the HTML report inlines Vega from Debian's libjs-vega (apt-get install libjs-vega), "
               "or set LANGQUANT_VEGA_DIR / --vega-dir to a folder holding its *.min.js modules");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  // Either sequence would end or confuse the inline <script> element; Debian's 5.22 has neither.
  if (lower.find("</script") != std::string::npos || lower.find("<!--") != std::string::npos)
    fail(path, "contains '</script' or '<!--' and cannot be inlined safely");
  if (s.find("define.amd") == std::string::npos) fail(path, "is not a UMD module (no AMD branch)");
  return s;
}

}  // namespace

std::string default_vega_dir() {
  const char* env = std::getenv("LANGQUANT_VEGA_DIR");
  return env && *env ? env : "/usr/share/javascript/vega";
}

std::string vega_script_elements(const std::string& dir) {
  std::string out = std::string("<script>") + kLoader + "</script>\n";
  for (const auto& m : kModules) out += "<script>LQ_CUR='" + m + "';\n" + read_module(dir, m) + "\n</script>\n";
  out += std::string("<script>") + kAssemble + "</script>\n";
  return out;
}

}  // namespace lq::report
