#include "report/html_report.h"

#include "report/tables.h"
#include "report/text_format.h"

namespace lq::report {
namespace {

const char* kStyle = R"(
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 16px}
h1{font-size:24px}h2{font-size:20px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:40px}
h3{font-size:16px;margin-top:28px}
figure.lq-chart{margin:24px 0;padding:8px;border:1px solid #e4e4e4;overflow-x:auto}
figcaption{font-size:13px;color:#444;max-width:1000px;margin-top:6px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}.lq-notes li{font-size:13px;color:#7a4b00}.lq-error{color:#b3262a;font-weight:bold}
)";

// Draws every chart once the page has loaded; failures show in place of the chart.
const char* kRender = R"(
(function(){
  var specs = JSON.parse(document.getElementById('lq-specs').textContent);
  var ids = Object.keys(specs), done = 0, failed = 0;
  function finish(){
    if (done + failed < ids.length) return;
    document.body.setAttribute('data-lq-failed', String(failed));
    document.body.setAttribute('data-lq-rendered', String(done));
  }
  function fail(fig, e){
    var p = document.createElement('p'); p.className = 'lq-error';
    p.textContent = 'This chart could not be drawn: ' + e;
    fig.insertBefore(p, fig.firstChild); fig.setAttribute('data-error', String(e)); failed++; finish();
  }
  ids.forEach(function(id){
    var fig = document.getElementById(id);
    try {
      new vega.View(vega.parse(specs[id]), {renderer: 'svg', container: fig.querySelector('.lq-view'), hover: false})
        .runAsync().then(function(){ fig.setAttribute('data-rendered', '1'); done++; finish(); },
                         function(e){ fail(fig, e); });
    } catch (e) { fail(fig, e); }
  });
  finish();
})();
)";

std::string table_html(const Table& t) {
  std::string h = "<h3>" + html_escape(t.title) + "</h3>\n<table>\n<tr>";
  for (const auto& c : t.header) h += "<th>" + html_escape(c) + "</th>";
  h += "</tr>\n";
  for (const auto& row : t.rows) {
    h += "<tr>";
    for (size_t i = 0; i < row.size(); ++i)
      h += std::string(t.numeric[i] ? "<td class=\"n\">" : "<td>") + html_escape(row[i]) + "</td>";
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string figure_html(const Chart& c) {
  return "<figure class=\"lq-chart\" id=\"" + html_escape(c.id) + "\" data-kind=\"" + html_escape(c.kind) +
         "\" data-points=\"" + std::to_string(c.points) + "\">\n<div class=\"lq-view\"></div>\n<figcaption>" +
         html_escape(c.caption) + "</figcaption>\n</figure>\n";
}

}  // namespace

std::string render_html(const Report& r, const std::string& vega_scripts) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
      "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<title>langquant report</title>\n<style>" + std::string(kStyle) + "</style>\n" + vega_scripts + "</head>\n<body>\n";
  h += "<h1>langquant report</h1>\n<p>Inputs: ";
  for (size_t i = 0; i < r.inputs.size(); ++i) h += (i ? ", " : "") + std::string("<code>") + html_escape(r.inputs[i]) + "</code>";
  if (!r.stats_source.empty()) h += "; weight statistics: <code>" + html_escape(r.stats_source) + "</code>";
  h += ".</p>\n<noscript><p class=\"lq-error\">The charts need JavaScript; the tables below do not.</p></noscript>\n";
  nlohmann::json specs = nlohmann::json::object();
  for (const auto& s : r.sections) {
    const Dataset& d = s.data;
    h += "<section>\n<h2>" + html_escape(d.model) + " on " + html_escape(d.corpus) + " (" + html_escape(d.mode) +
         " mode)</h2>\n<p>" + html_escape(context_caption(d)) + " Results from: " + html_escape([&] {
           std::string x;
           for (const auto& src : d.sources) x += (x.empty() ? "" : ", ") + src;
           return x;
         }()) + ".</p>\n";
    if (!s.notes.empty()) {
      h += "<ul class=\"lq-notes\">\n";
      for (const auto& n : s.notes) h += "<li>" + html_escape(n) + "</li>\n";
      h += "</ul>\n";
    }
    for (const auto& c : s.charts) {
      h += figure_html(c);
      specs[c.id] = c.spec;
    }
    for (const auto& t : section_tables(s)) h += table_html(t);
    h += "</section>\n";
  }
  for (const auto& p : r.patches) {
    h += "<section>\n<h2>Causal patching: " + html_escape(p.data.plan) + " on " + html_escape(p.data.model) +
         "</h2>\n<p>From " + html_escape(p.data.source) + "; corpus " + html_escape(p.data.corpus) + ", " +
         std::to_string(p.data.sentences) + " sentences per language.</p>\n";
    if (const std::string a = p.data.answer(); !a.empty()) h += "<p><strong>" + html_escape(a) + "</strong></p>\n";
    for (const auto& c : p.charts) {
      h += figure_html(c);
      specs[c.id] = c.spec;
    }
    for (const auto& t : patch_tables(p)) h += table_html(t);
    h += "</section>\n";
  }
  h += "<script type=\"application/json\" id=\"lq-specs\">" + script_json(specs) + "</script>\n";
  h += "<script>" + std::string(kRender) + "</script>\n";
  h += "<p style=\"font-size:12px;color:#777\">Written by langquant report; charts drawn by Vega (Debian libjs-vega), "
       "inlined.</p>\n</body>\n</html>\n";
  return h;
}

}  // namespace lq::report
