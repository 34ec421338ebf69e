// Vega (https://vega.github.io), the charting library the HTML report inlines, read at run time
// from Debian's libjs-vega (/usr/share/javascript/vega). Reading it at run time rather than
// embedding it at build time keeps ~0.6 MB of generated code out of the build and the binary,
// lets everything else build and run on a machine without the package (only `report --html`
// needs it, and says so), and picks up Debian's fixes to the library. The report file itself
// carries the library, so it opens offline.
//
// Debian ships Vega as its separate UMD modules (vega-util, vega-scale, ...), not the single
// upstream bundle. Each module announces itself through AMD `define([deps], factory)`; a
// ten-line loader placed before them resolves each dependency to the module already loaded
// and finally assembles the `vega` namespace as the upstream bundle does (every module's
// exports, and the dataflow transforms registered by name).
#pragma once
#include <string>

namespace lq::report {

// LANGQUANT_VEGA_DIR if set, else /usr/share/javascript/vega.
std::string default_vega_dir();

// <script> elements that define window.vega; throws lq::Error naming the missing file.
std::string vega_script_elements(const std::string& dir);

}  // namespace lq::report
