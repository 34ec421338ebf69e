// quant/imatrix: GGUF round trip, llama-quantize's column weights, mixes and --mix parsing.
#include "quant/imatrix.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

namespace lq::quant {
namespace {

Imatrix one(double scale, int64_t count) {
  Imatrix m;
  m.datasets = {"d" + std::to_string(count)};
  m.chunk_count = count / 16;
  m.chunk_size = 16;
  ImatrixEntry e;
  e.cols = 3;
  e.sum2 = {1 * scale, 4 * scale, 0};
  e.sum = {-1, 2, 0};
  e.counts = {count};
  m.entries["blk.0.attn_q.weight"] = e;
  return m;
}

TEST(Imatrix, RoundTripsThroughGguf) {
  const auto path = (std::filesystem::temp_directory_path() / "lq_imatrix_test.gguf").string();
  const Imatrix m = one(2.5, 32);
  save_imatrix(m, path);
  const Imatrix r = load_imatrix(path);
  std::filesystem::remove(path);
  EXPECT_EQ(r.datasets, m.datasets);
  EXPECT_EQ(r.chunk_count, 2);
  EXPECT_EQ(r.chunk_size, 16);
  ASSERT_EQ(r.entries.size(), 1u);
  const ImatrixEntry* e = r.find("blk.0.attn_q");  // with or without ".weight"
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->sum2, m.entries.at("blk.0.attn_q.weight").sum2);
  EXPECT_EQ(e->sum, m.entries.at("blk.0.attn_q.weight").sum);
  EXPECT_EQ(e->counts, std::vector<int64_t>{32});
  const auto w = r.column_weights("blk.0.attn_q.weight");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_FLOAT_EQ(w[0], 2.5f / 32);
  EXPECT_FLOAT_EQ(w[1], 10.0f / 32);
  EXPECT_TRUE(r.column_weights("blk.9.ffn_up").empty());
}

TEST(Imatrix, MixIsTheWeightedMeanSquare) {
  const Imatrix a = one(1, 16), b = one(3, 32);
  const Imatrix m = mix_imatrices({{&a, 3.0}, {&b, 1.0}});  // normalised to 0.75 / 0.25
  const ImatrixEntry& e = m.entries.at("blk.0.attn_q.weight");
  EXPECT_EQ(e.counts[0], 48);
  EXPECT_DOUBLE_EQ(e.sum2[1] / 48, 0.75 * 4 / 16 + 0.25 * 12 / 32);
  EXPECT_EQ(m.chunk_count, 3);
  EXPECT_EQ(m.datasets.size(), 2u);
  // A zero weight leaves that language out entirely.
  const Imatrix only_a = mix_imatrices({{&a, 1.0}, {&b, 0.0}});
  EXPECT_EQ(only_a.entries.at("blk.0.attn_q.weight").counts[0], 16);
  EXPECT_THROW(mix_imatrices({{&a, 0.0}}), std::exception);
}

TEST(Imatrix, ParsesMixSpecs) {
  const std::vector<std::string> langs = {"ar", "en", "ja"};
  EXPECT_EQ(parse_mix("balanced", langs), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(parse_mix("en=0.5,ar=0.1", langs), (std::vector<double>{0.1, 0.5, 0}));
  for (const char* bad : {"en", "en=x", "en=-1", "xx=1", "en=1,en=2", "en=0", "en=1e999", "en=1,"})
    EXPECT_THROW(parse_mix(bad, langs), std::exception) << bad;
}

TEST(Imatrix, LoadsAMixOfPerLanguageFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "lq_imatrix_spec_test";
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "im.gguf").string();
  EXPECT_EQ(language_imatrix_path(out, "en"), (dir / "im.en.gguf").string());
  const Imatrix en = one(1, 16), ar = one(3, 32);
  save_imatrix(en, language_imatrix_path(out, "en"));
  save_imatrix(ar, language_imatrix_path(out, "ar"));
  const auto expect = [](const Imatrix& m, double mean2) {
    const ImatrixEntry& e = m.entries.at("blk.0.attn_q.weight");
    EXPECT_DOUBLE_EQ(e.sum2[1] / static_cast<double>(e.counts[0]), mean2);
  };
  expect(load_imatrix_spec(out + ":balanced"), 0.5 * 4 / 16 + 0.5 * 12 / 32);
  expect(load_imatrix_spec(out + ":en=3,ar=1"), 0.75 * 4 / 16 + 0.25 * 12 / 32);
  expect(load_imatrix_spec(out + ":en=1"), 4.0 / 16);
  expect(load_imatrix_spec(language_imatrix_path(out, "ar")), 12.0 / 32);
  EXPECT_THROW(load_imatrix_spec(out + ":fr=1"), std::exception);  // no im.fr.gguf
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lq::quant
