// The files `langquant report` reads, shared between people, so untrusted: the comparison JSON of
// eval --plan and sweep exports, and the JSON of `langquant patch --out`. The selector's bit 1
// reads the input as a patch result; otherwise it is a comparison, and bit 0 merges it with
// itself under another name (the pairing of replicates across files, plan-name clashes). The
// whole report is built and rendered to Markdown: criticality with paired intervals, contrasts,
// Pareto, the recovery matrix and every table must cope with whatever numbers, nulls and tags
// the file holds, or refuse it with lq::Error.
#include "fuzz_util.h"
#include "report/markdown_report.h"
#include "report/report_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned selector = lq::fuzz::take_selector(data, size);
  const std::string a = lq::fuzz::write_input("a.json", data, size);
  lq::fuzz::only_lq_errors([&] {
    std::vector<lq::report::Dataset> files;
    std::vector<lq::report::PatchMatrix> patches;
    std::vector<std::string> inputs = {a};
    if (selector & 2) {
      patches.push_back(lq::report::load_patch(a));
    } else {
      files.push_back(lq::report::load_comparison(a));
      if (selector & 1) {
        const std::string b = lq::fuzz::write_input("b.json", data, size);
        files.push_back(lq::report::load_comparison(b));
        inputs.push_back(b);
      }
    }
    const auto report = lq::report::build_report(lq::report::merge_datasets(std::move(files)), inputs, nullptr, "",
                                                 lq::report::ReportOptions{}, std::move(patches));
    (void)lq::report::render_markdown(report);
  });
  return 0;
}
