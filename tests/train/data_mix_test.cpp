// The MIX file reader (normalised weights, paths relative to the file, one-line errors naming
// the file) and the batch sampler (deterministic in seed and step, windows of the streams).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "train/data_mix.h"

namespace fs = std::filesystem;
using namespace lq::train;

namespace {

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("lq_data_mix_test_" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}
void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

}  // namespace

TEST(ReadMix, NormalisesWeightsAndResolvesPaths) {
  const fs::path d = scratch("ok");
  write(d / "en.txt", "hello\n");
  write(d / "de.txt", "hallo\n");
  write(d / "mix.toml", "[[source]]\nlang = \"en\"\nfiles = [\"en.txt\"]\nweight = 3\n"
                        "[[source]]\nlang = \"de\"\nfiles = [\"de.txt\"]\nweight = 1\n");
  const auto mix = read_mix((d / "mix.toml").string());
  ASSERT_EQ(mix.size(), 2u);
  EXPECT_EQ(mix[0].lang, "en");
  EXPECT_DOUBLE_EQ(mix[0].weight, 0.75);
  EXPECT_DOUBLE_EQ(mix[1].weight, 0.25);
  EXPECT_EQ(fs::path(mix[1].files[0]), d / "de.txt");
}

TEST(ReadMix, RejectsBadMixesNamingTheFile) {
  const fs::path d = scratch("bad");
  write(d / "en.txt", "hello\n");
  for (const std::string body :
       {"", "[[source]]\nlang = \"en\"\nfiles = [\"en.txt\"]\nweight = 0\n",
        "[[source]]\nlang = \"en\"\nfiles = [\"nope.txt\"]\nweight = 1\n",
        "[[source]]\nlang = \"en\"\nfiles = [\"en.txt\"]\nweight = 1\nwieght = 2\n",
        "[[source]]\nlang = \"en\"\nfiles = [\"en.txt\"]\nweight = 1\n"
        "[[source]]\nlang = \"en\"\nfiles = [\"en.txt\"]\nweight = 1\n",
        "[[source]\n"}) {
    write(d / "mix.toml", body);
    try {
      read_mix((d / "mix.toml").string());
      ADD_FAILURE() << "accepted: " << body;
    } catch (const lq::Error& e) {
      EXPECT_NE(std::string(e.what()).find("mix.toml"), std::string::npos) << e.what();
    }
  }
}

TEST(SampleBatch, DeterministicWindowsOfTheStreams) {
  std::vector<LanguageStream> streams(2);
  streams[0].weight = 0.5, streams[1].weight = 0.5;
  for (int i = 0; i < 100; ++i) streams[0].tokens.push_back(i), streams[1].tokens.push_back(1000 + i);
  const TrainBatch a = sample_batch(streams, 64, 10, 5, 3), b = sample_batch(streams, 64, 10, 5, 3);
  const TrainBatch c = sample_batch(streams, 64, 10, 5, 4);
  EXPECT_EQ(a.seqs, b.seqs);
  EXPECT_NE(a.seqs, c.seqs);
  int first = 0;
  for (size_t i = 0; i < a.seqs.size(); ++i) {
    ASSERT_EQ(a.seqs[i].size(), 10u);
    const int base = a.lang[i] == 0 ? 0 : 1000;
    for (size_t k = 0; k < 10; ++k) EXPECT_EQ(a.seqs[i][k], a.seqs[i][0] + static_cast<int>(k));
    EXPECT_GE(a.seqs[i][0], base);
    EXPECT_LE(a.seqs[i][9], base + 99);
    first += a.lang[i] == 0;
  }
  EXPECT_GT(first, 10);  // both languages drawn (64 draws at 1/2: P(<=10) < 1e-7)
  EXPECT_LT(first, 54);
}

TEST(SampleBatch, ShortStreamGivesWholeStream) {
  std::vector<LanguageStream> s(1);
  s[0].weight = 1;
  s[0].tokens = {1, 2, 3};
  EXPECT_EQ(sample_batch(s, 2, 10, 0, 0).seqs, (std::vector<std::vector<int32_t>>{{1, 2, 3}, {1, 2, 3}}));
}
