// The comparison JSON that `langquant report` reads (report/report_data.h): eval --plan and
// sweep exports are shared between people, so their bytes are untrusted. The input is loaded,
// merged with itself under another name (the pairing of replicates across files, plan-name
// clashes), and the whole report is built and rendered to Markdown: per-layer criticality with
// paired intervals, Pareto, and every table must cope with whatever numbers, nulls and tags the
// file holds, or refuse it with lq::Error.
#include "fuzz_util.h"
#include "report/markdown_report.h"
#include "report/report_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned twice = lq::fuzz::take_selector(data, size) & 1;
  const std::string a = lq::fuzz::write_input("a.json", data, size);
  lq::fuzz::only_lq_errors([&] {
    std::vector<lq::report::Dataset> files = {lq::report::load_comparison(a)};
    std::vector<std::string> inputs = {a};
    if (twice) {
      const std::string b = lq::fuzz::write_input("b.json", data, size);
      files.push_back(lq::report::load_comparison(b));
      inputs.push_back(b);
    }
    const auto report = lq::report::build_report(lq::report::merge_datasets(std::move(files)), inputs, nullptr, "",
                                                 lq::report::ReportOptions{});
    (void)lq::report::render_markdown(report);
  });
  return 0;
}
