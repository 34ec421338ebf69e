// Facts about languages that disparity may be correlated with (issue 15 item 5): the writing
// system, the language family and branch, and a resource class. langquant ships a table of the
// languages of its corpora (ud-pud, ud-mono, xquad, data/sample) and a few common others; users
// extend or correct it with their own TSV, whose cells replace the built-in ones and whose new
// columns (e.g. a numeric "joshi" class, speakers, web share) become series too.
//
// "resource" is langquant's own default grouping, not a measurement: "high" for the ten
// languages outside the default low-resource group (en de fr es it pt ru zh ja nl, README
// "Quantities"), "low" for every other one. A study that needs a graded resource level should
// supply it (e.g. Joshi et al. 2020's classes) in an override file.
//
// TSV layout: a header line whose first column is "code", then one line per language, tab
// separated, every line with the header's number of fields; '#' lines and blank lines are
// skipped. An empty cell means "unknown" (an override's empty cell keeps the built-in value).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace lq::analysis {

class LanguageTable {
 public:
  static LanguageTable builtin();
  // Reads `path` (TSV as above) over `base`; throws lq::Error naming path:line on bad input.
  static LanguageTable with_overrides(LanguageTable base, const std::string& path);

  const std::vector<std::string>& columns() const { return columns_; }  // columns()[0] == "code"
  const std::vector<std::string>& codes() const { return codes_; }      // in table order
  // "" when unknown (no such language, column or value).
  std::string get(const std::string& code, const std::string& column) const;
  bool has_column(const std::string& column) const;
  std::string to_tsv() const;

 private:
  void merge(const std::string& text, const std::string& source);
  std::vector<std::string> columns_, codes_;
  std::map<std::string, std::map<std::string, std::string>> cells_;  // code -> column -> value
};

}  // namespace lq::analysis
