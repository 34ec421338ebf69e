// Keyed numeric series read from the files other commands write (CSV or JSON), so that any
// two measurements can be correlated: per-layer weight statistics against per-layer
// sensitivity, per-language fertility against disparity, ...
//
// A series spec is  PATH[:FIELD][?COL=VALUE[&COL=VALUE...]]
//   CSV  (PATH ends in .csv): one record per row after the header; FIELD names the value
//        column (default: the second column).
//   JSON: FIELD is a dotted path; its last part is the value. Every array on the way fans out
//        into records, each inheriting its parents' plain fields, so stats.json:layers.variance
//        is one record per layer and activations.json:languages.layers.mean_abs one per
//        (language, layer) (pick a language with ?lang=ar). A path ending on an object of
//        numbers reads it as a series keyed by its keys ({"en": 1.2, ...}).
//   Filters keep only records whose column equals VALUE (e.g. eval.csv:degradation?plan=int4).
// The key of a record is --key's column when given, else the first of layer, lang, language,
// name, key, tensor that the record has (CSV: else the first column).
//   @languages:COLUMN[=VALUE]: the language table, below.
// Records whose value is empty or JSON null (e.g. an "unstable" ratio) are skipped and
// counted; a value that is not a number, a missing key or a key seen twice is an error.
#pragma once
#include <string>
#include <vector>

namespace lq::analysis {

struct Series {
  std::string spec;
  std::vector<std::string> keys;
  std::vector<double> values;
  int skipped = 0;  // records without a value
};

// The source "@languages" reads the language table (analysis/language_metadata.h): the built-in
// one, with `languages_file`'s cells over it when given. @languages:COLUMN is a numeric column
// (e.g. an override's "joshi"); @languages:COLUMN=VALUE is 1 for the languages whose COLUMN is
// VALUE and 0 for the others (script=Latn, resource=low, family=Indo-European), so its Pearson r
// with a measurement is the point-biserial correlation. Keys are the language codes.
inline constexpr const char* kLanguagesSource = "@languages";
Series read_series(const std::string& spec, const std::string& key_column = "", const std::string& languages_file = "");

struct Paired {
  std::vector<std::string> keys;  // in the order of x
  std::vector<double> x, y;
};
// Pairs the values whose keys appear in both series.
Paired join(const Series& x, const Series& y);

}  // namespace lq::analysis
