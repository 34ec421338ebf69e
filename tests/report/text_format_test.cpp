#include "report/text_format.h"

#include <gtest/gtest.h>

namespace lq::report {
namespace {

const std::string kEvil = "</script><img src=x onerror=alert(1)> & \"q\" 'a' <!-- |x|";

TEST(ReportText, HtmlEscapeLeavesNoMarkup) {
  const std::string e = html_escape(kEvil);
  EXPECT_EQ(e.find('<'), std::string::npos);
  EXPECT_EQ(e.find('>'), std::string::npos);
  EXPECT_EQ(e.find('"'), std::string::npos);
  EXPECT_EQ(e.find('\''), std::string::npos);
  EXPECT_EQ(html_escape("a<b"), "a&lt;b");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
}

TEST(ReportText, ScriptJsonCannotCloseTheElementAndRoundTrips) {
  const nlohmann::json j = {{"name", kEvil}, {"v", 1.5}};
  const std::string s = script_json(j);
  EXPECT_EQ(s.find('<'), std::string::npos);
  EXPECT_EQ(s.find('>'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(s), j);
  // Invalid UTF-8 from an input file is replaced, not a crash.
  EXPECT_NO_THROW(script_json(nlohmann::json{{"x", std::string("\xff\xfe")}}));
}

TEST(ReportText, MarkdownCellsKeepTheTableIntact) {
  const std::string c = md_cell("a|b\nc<d>");
  EXPECT_EQ(c, "a\\|b c&lt;d&gt;");
}

TEST(ReportText, IntervalsAndUnstableRatios) {
  EXPECT_EQ(with_ci(Value{1.5, 1.25, 2, false}, 1, "%.3g", "x"), "1.5 [1.25, 2]x");
  EXPECT_EQ(with_ci(Value{0.1234, 0.1, 0.2, false}, 100, "%.3g", "%"), "12.3 [10, 20]%");
  EXPECT_EQ(with_ci(Value{2, 1, 3, true}), "unstable");  // never a number, even if one is present
  EXPECT_EQ(with_ci(Value{}), "n/a");
  EXPECT_EQ(fmt(NAN), "");
}

}  // namespace
}  // namespace lq::report
