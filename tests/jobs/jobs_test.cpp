// The job layer's result files and the helpers it merged: every result carries schema_version,
// readers refuse a newer one in one line, results read back what they wrote.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/json_file.h"
#include "core/number_text.h"
#include "core/schema_version.h"
#include "formats/toml_json.h"
#include "jobs/eval_job.h"
#include "jobs/overlap_job.h"
#include "report/report_data.h"
#include "jobs/score_job.h"
#include "support/lq_error.h"

using namespace lq;

namespace {

using test_support::error_of;

jobs::OverlapResult sample_overlap() {
  jobs::OverlapResult r;
  r.spec = {"models/default", "f.safetensors", "group:lr", "component=mlp", "global", {1, 10}};
  r.rows.push_back({1, 7, 3, 3.0 / 7, 0.01, {{"blk.0.ffn_up.weight", 100, 7, 3, 3.0 / 7}}});
  r.rows.push_back({10, 70, 35, 0.5, 0.1, {{"blk.0.ffn_up.weight", 700, 70, 35, 0.5}}});
  return r;
}

}  // namespace

TEST(SchemaVersion, StampedReadAndRefused) {
  nlohmann::json j = nlohmann::json::object();
  stamp_schema_version(j, 1);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(check_schema_version(j, "r.json", "eval result", 1), 1);
  // A file from before versioning reads as version 1.
  EXPECT_EQ(check_schema_version(nlohmann::json::object(), "r.json", "eval result", 1), 1);
  j["schema_version"] = 2;
  const std::string msg = error_of([&] { check_schema_version(j, "r.json", "eval result", 1); });
  EXPECT_EQ(msg, "r.json: eval result file of schema_version 2; this langquant reads versions 1..1 "
                 "(written by a newer langquant?)");
  j["schema_version"] = "1";
  EXPECT_NE(error_of([&] { check_schema_version(j, "r.json", "eval result", 1); }).find("positive integer"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_schema_version(nlohmann::json::array(), "r.json", "x", 1); }).find("JSON object"),
            std::string::npos);
}

TEST(OverlapResult, JsonRoundTripAndVersion) {
  const auto r = sample_overlap();
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j.at("schema_version"), jobs::OverlapResult::kSchemaVersion);
  const auto back = jobs::OverlapResult::from_json(j, "o.json");
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.spec.sets, "group:lr");
  EXPECT_EQ(back.spec.k, (std::vector<double>{1, 10}));
  EXPECT_EQ(back.to_text(), r.to_text());
  nlohmann::json newer = j;
  newer["schema_version"] = 99;
  EXPECT_NE(error_of([&] { jobs::OverlapResult::from_json(newer, "o.json"); }).find("schema_version 99"),
            std::string::npos);
  nlohmann::json broken = j;
  broken.erase("results");
  EXPECT_NE(error_of([&] { jobs::OverlapResult::from_json(broken, "o.json"); }).find("o.json: not an overlap result"),
            std::string::npos);
}

TEST(OverlapResult, TextTable) {
  EXPECT_EQ(sample_overlap().to_text(),
            "k        top-k by Fisher also top-k by |w|   (chance = k)\n"
            "1%       42.86% of 7                        (1.00%)\n"
            "10%      50.00% of 70                       (10.00%)\n");
}

TEST(ScoreResult, JsonLinesRoundTrip) {
  jobs::ScoreResult r;
  r.tokens = {{0, 0, 15, "Hello", -3.8097763061523438}, {2, 1, 7, "\xe4\xbd\xa0", -0.5}};
  const std::string text = r.to_jsonl();
  EXPECT_EQ(text.substr(0, text.find('\n')),
            R"({"id":15,"line":0,"logprob":-3.8097763061523438,"pos":0,"token":"Hello"})");
  const auto back = jobs::ScoreResult::from_jsonl(text, "s.jsonl");
  ASSERT_EQ(back.tokens.size(), 2u);
  EXPECT_EQ(back.tokens[1].token, "\xe4\xbd\xa0");
  EXPECT_EQ(back.tokens[0].logprob, -3.8097763061523438);
  EXPECT_EQ(back.to_jsonl(), text);
  EXPECT_NE(error_of([] { jobs::ScoreResult::from_jsonl("{\"line\":0}\n", "s.jsonl"); }).find("s.jsonl: line 1"),
            std::string::npos);
}

TEST(MergedHelpers, ReadJsonFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("lq_jobs_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string(), bad = (dir / "bad.json").string();
  std::ofstream(good) << R"({"a": [1, 2]})";
  std::ofstream(bad) << "{\"a\": 1e999}";
  EXPECT_EQ(read_json_file(good)["a"][1], 2);
  EXPECT_EQ(error_of([&] { read_json_file(bad); }), bad + ": not valid JSON: number overflow parsing '1e999'");
  EXPECT_EQ(error_of([&] { read_json_file((dir / "none.json").string()); }), (dir / "none.json").string() + ": no such file");
  std::filesystem::remove_all(dir);
}

TEST(MergedHelpers, TomlAsJson) {
  const auto j = toml_text_to_json("name = \"p\"\nn = 3\nx = 0.5\nok = true\n[[rule]]\nkeep = [\"a\", \"b\"]\n", "p.toml");
  EXPECT_EQ(j, nlohmann::json::parse(R"({"name":"p","n":3,"x":0.5,"ok":true,"rule":[{"keep":["a","b"]}]})"));
  EXPECT_TRUE(j["n"].is_number_integer());
  EXPECT_EQ(error_of([] { toml_text_to_json("a = \n", "p.toml"); }).rfind("p.toml: TOML line 1: ", 0), 0u);
}

TEST(MergedHelpers, NumberText) {
  EXPECT_EQ(strprintf("%-8s|%5.2f", "k", 3.14159), "k       | 3.14");
  EXPECT_EQ(strprintf("%s", std::string(1000, 'x').c_str()).size(), 1000u);  // longer than the stack buffer
  EXPECT_EQ(format_number(0.000123456789, "%.6g"), "0.000123457");
  EXPECT_EQ(format_number(std::nan(""), "%.3g", true), "");
  EXPECT_EQ(format_percent(0.123456), "12.35%");
  EXPECT_EQ(format_percent(0.5, 0), "50%");
}

// Eval result files: the reader (and report's, which reads eval --plan and sweep JSON) refuses a
// newer schema_version naming the file, and reads an unversioned (older) file as version 1.
TEST(EvalResult, ReaderChecksVersion) {
  const auto dir = std::filesystem::temp_directory_path() / ("lq_jobs_eval_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string newer = (dir / "newer.json").string(), old = (dir / "old.json").string();
  std::ofstream(newer) << R"({"schema_version": 3, "languages": []})";
  std::ofstream(old) << R"({"languages": []})";
  EXPECT_EQ(error_of([&] { jobs::EvalResult::read_json(newer); }),
            newer + ": eval result file of schema_version 3; this langquant reads versions 1..2 "
                    "(written by a newer langquant?)");
  EXPECT_EQ(jobs::EvalResult::read_json(old)["languages"], nlohmann::json::array());
  EXPECT_NE(error_of([&] { report::load_comparison(newer); }).find("schema_version 3"), std::string::npos);
  std::filesystem::remove_all(dir);
}
