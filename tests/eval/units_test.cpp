// make_units with a fake byte tokenizer (one token per byte, id = byte value, BOS = 256):
// sentence mode with and without BOS (first_scored, bytes/chars of the scored text,
// truncation at n_ctx), and stream mode windows (n_ctx tokens, second half scored, bytes of
// scored tokens only, error for a language shorter than one window).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "eval/units.h"

namespace lq {
namespace {

constexpr int32_t kBos = 256;

class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text, bool) const override {
    std::vector<int32_t> ids;
    for (unsigned char c : text) ids.push_back(c);
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids, bool skip_special) const override {
    std::string s;
    for (int32_t id : ids) s += token_bytes(id);
    return s;
  }
  std::string token_text(int32_t id) const override { return id == kBos ? "<s>" : token_bytes(id); }
  std::string token_bytes(int32_t id) const override {
    return id == kBos ? std::string() : std::string(1, static_cast<char>(id));
  }
  std::optional<int32_t> token_to_id(std::string_view t) const override {
    if (t == "<s>") return kBos;
    if (t.size() == 1) return static_cast<unsigned char>(t[0]);
    return std::nullopt;
  }
  size_t vocab_size() const override { return 257; }
};

std::vector<int32_t> bytes_of(const std::string& s) { return ByteTokenizer().encode(s, false); }

HParams hparams(int64_t n_ctx, bool with_bos) {
  HParams hp;
  hp.n_ctx = n_ctx;
  if (with_bos) hp.bos_id = kBos;
  return hp;
}

Corpus corpus(std::vector<std::pair<std::string, std::vector<std::string>>> langs) {
  Corpus c;
  c.layout = "txt";
  for (auto& [code, sentences] : langs) {
    LanguageText lt;
    lt.code = code;
    lt.sources = {code + ".txt"};
    lt.sentences = sentences;
    c.languages.push_back(lt);
  }
  return c;
}

const std::string kHe = "שלום עולם";  // 9 chars, 17 bytes

TEST(SentenceUnits, WithBos) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"en", {"Hello.", "a"}}, {"he", {kHe}}});
  UnitOptions opt;  // sentence mode, model context, BOS
  const UnitSet set = make_units(c, tok, hparams(64, true), opt);
  EXPECT_TRUE(set.bos);
  EXPECT_EQ(set.n_ctx, 64);
  EXPECT_EQ(set.truncated, 0);
  ASSERT_EQ(set.units.size(), 3u);
  const Unit& u = set.units[0];
  EXPECT_EQ(u.lang, 0);
  EXPECT_EQ(u.index, 0);
  std::vector<int32_t> want = {kBos};
  for (int32_t b : bytes_of("Hello.")) want.push_back(b);
  EXPECT_EQ(u.ids, want);
  EXPECT_EQ(u.first_scored, 1);  // every sentence token is scored
  EXPECT_EQ(u.text_offset, 1);
  EXPECT_EQ(u.bytes, 6);
  EXPECT_EQ(u.chars, 6);
  // A one-token sentence is still scored after BOS.
  EXPECT_EQ(set.units[1].ids, (std::vector<int32_t>{kBos, 'a'}));
  EXPECT_EQ(set.units[1].index, 1);
  EXPECT_EQ(set.units[1].bytes, 1);
  // Multi-byte text: bytes and characters of the whole sentence.
  EXPECT_EQ(set.units[2].lang, 1);
  EXPECT_EQ(set.units[2].ids.size(), 18u);
  EXPECT_EQ(set.units[2].bytes, 17);
  EXPECT_EQ(set.units[2].chars, 9);
}

TEST(SentenceUnits, WithoutBos) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"en", {"Hello.", "a", "xy"}}});
  // Either the option is off or the model has no BOS token: the same units.
  for (const auto& [add_bos, model_bos] : {std::pair{false, true}, std::pair{true, false}}) {
    UnitOptions opt;
    opt.add_bos = add_bos;
    const UnitSet set = make_units(c, tok, hparams(64, model_bos), opt);
    EXPECT_FALSE(set.bos);
    // "a" has one token and nothing to score: dropped.
    ASSERT_EQ(set.units.size(), 2u);
    const Unit& u = set.units[0];
    EXPECT_EQ(u.ids, bytes_of("Hello."));
    EXPECT_EQ(u.first_scored, 1);  // the first token has no context
    EXPECT_EQ(u.text_offset, 0);
    EXPECT_EQ(u.bytes, 5);  // "ello."
    EXPECT_EQ(u.chars, 5);
    EXPECT_EQ(set.units[1].index, 2);
    EXPECT_EQ(set.units[1].bytes, 1);
  }
}

TEST(SentenceUnits, TruncationAtContext) {
  const ByteTokenizer tok;
  const std::string longs = "abcdefghijklmnopqrst";  // 20 tokens
  const Corpus c = corpus({{"en", {longs, "short", "exactly8"}}});
  {
    UnitOptions opt;
    opt.n_ctx = 8;
    const UnitSet set = make_units(c, tok, hparams(64, true), opt);
    EXPECT_EQ(set.n_ctx, 8);
    EXPECT_EQ(set.truncated, 2);  // 21 and 9 ids with BOS; "short" fits (6)
    ASSERT_EQ(set.units.size(), 3u);
    EXPECT_EQ(set.units[0].ids.size(), 8u);
    EXPECT_EQ(set.units[0].ids[0], kBos);
    EXPECT_EQ(set.units[0].ids[7], 'g');
    EXPECT_EQ(set.units[0].bytes, 7);  // scored tokens a..g
    EXPECT_EQ(set.units[0].chars, 7);
    EXPECT_EQ(set.units[1].bytes, 5);
    EXPECT_EQ(set.units[2].ids.size(), 8u);
    EXPECT_EQ(set.units[2].bytes, 7);
  }
  {
    UnitOptions opt;
    opt.n_ctx = 8;
    opt.add_bos = false;
    const UnitSet set = make_units(c, tok, hparams(64, true), opt);
    EXPECT_EQ(set.truncated, 1);  // "exactly8" fits without BOS
    ASSERT_EQ(set.units.size(), 3u);
    EXPECT_EQ(set.units[0].ids, bytes_of("abcdefgh"));
    EXPECT_EQ(set.units[0].bytes, 7);  // b..h: the first token is not scored
    EXPECT_EQ(set.units[2].ids, bytes_of("exactly8"));
    EXPECT_EQ(set.units[2].bytes, 7);
  }
  {
    // --ctx larger than the model's context is capped at the model's.
    UnitOptions opt;
    opt.n_ctx = 1000;
    const UnitSet set = make_units(c, tok, hparams(10, true), opt);
    EXPECT_EQ(set.n_ctx, 10);
    EXPECT_EQ(set.truncated, 1);
    EXPECT_EQ(set.units[0].ids.size(), 10u);
    EXPECT_EQ(set.units[0].bytes, 9);
  }
}

TEST(SentenceUnits, TruncatedMultiByteCountsScoredBytes) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"he", {kHe}}});
  UnitOptions opt;
  opt.n_ctx = 5;  // BOS + 4 bytes = the first two Hebrew letters
  const UnitSet set = make_units(c, tok, hparams(64, true), opt);
  ASSERT_EQ(set.units.size(), 1u);
  EXPECT_EQ(set.truncated, 1);
  EXPECT_EQ(set.units[0].bytes, 4);
  EXPECT_EQ(set.units[0].chars, 2);  // one byte token per byte, two characters
  opt.n_ctx = 4;  // BOS + 3 bytes: "ש" and the first byte of "ל"
  const UnitSet cut = make_units(c, tok, hparams(64, true), opt);
  EXPECT_EQ(cut.units[0].bytes, 3);
  EXPECT_EQ(cut.units[0].chars, 2);
}

TEST(SentenceUnits, ContextTooSmall) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"en", {"abc"}}});
  UnitOptions opt;
  opt.n_ctx = 1;
  EXPECT_THROW(make_units(c, tok, hparams(64, true), opt), Error);
}

TEST(StreamUnits, WindowsScoreTheSecondHalf) {
  const ByteTokenizer tok;
  // Joined with "\n": "abcdefghij\nklmnopqrstu\nvwxyz" = 28 bytes -> 3 windows of 8 (4 left over).
  const Corpus c = corpus({{"en", {"abcdefghij", "klmnopqrstu", "vwxyz"}}});
  UnitOptions opt;
  opt.mode = ScoreMode::Stream;
  opt.n_ctx = 8;
  const UnitSet set = make_units(c, tok, hparams(64, true), opt);
  EXPECT_EQ(set.n_ctx, 8);
  EXPECT_FALSE(set.bos);  // stream windows never start with BOS
  const std::string joined = "abcdefghij\nklmnopqrstu\nvwxyz";
  ASSERT_EQ(set.units.size(), 3u);
  for (int w = 0; w < 3; ++w) {
    const Unit& u = set.units[static_cast<size_t>(w)];
    EXPECT_EQ(u.lang, 0);
    EXPECT_EQ(u.index, w);
    EXPECT_EQ(u.ids, bytes_of(joined.substr(static_cast<size_t>(w) * 8, 8))) << w;
    EXPECT_EQ(u.first_scored, 4);
    EXPECT_EQ(u.text_offset, 0);
    EXPECT_EQ(u.bytes, 4);
    EXPECT_EQ(u.chars, 4);
  }
}

TEST(StreamUnits, BytesOfScoredTokensOnly) {
  const ByteTokenizer tok;
  // 4 ASCII bytes then Hebrew: the scored second half of an 8-token window is Hebrew bytes.
  const Corpus c = corpus({{"mix", {"abcd" + kHe}}});
  UnitOptions opt;
  opt.mode = ScoreMode::Stream;
  opt.n_ctx = 8;
  const UnitSet set = make_units(c, tok, hparams(64, true), opt);
  ASSERT_EQ(set.units.size(), 2u);  // 21 bytes
  EXPECT_EQ(set.units[0].bytes, 4);  // bytes 4..7: "של"
  EXPECT_EQ(set.units[0].chars, 2);
  EXPECT_EQ(set.units[1].bytes, 4);  // bytes 12..15: " ", "ע", the first byte of "ו"
  // Characters are counted where they start: the split "ו" belongs to window 1.
  EXPECT_EQ(set.units[1].chars, 3);
}

TEST(StreamUnits, SeveralLanguagesAndDefaultContext) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"de", {std::string(2100, 'd')}}, {"en", {std::string(1500, 'e')}}});
  UnitOptions opt;
  opt.mode = ScoreMode::Stream;  // n_ctx 0: the model's context capped at 1024
  const UnitSet set = make_units(c, tok, hparams(4096, false), opt);
  EXPECT_EQ(set.n_ctx, 1024);
  ASSERT_EQ(set.units.size(), 3u);  // 2 windows of de, 1 of en
  EXPECT_EQ(set.units[0].lang, 0);
  EXPECT_EQ(set.units[1].lang, 0);
  EXPECT_EQ(set.units[2].lang, 1);
  EXPECT_EQ(set.units[2].index, 0);
  EXPECT_EQ(set.units[2].first_scored, 512);
  EXPECT_EQ(set.units[2].bytes, 512);
  // A smaller model context is used as is.
  const UnitSet small = make_units(c, tok, hparams(512, false), opt);
  EXPECT_EQ(small.n_ctx, 512);
  EXPECT_EQ(small.units.size(), 4u + 2u);
}

TEST(StreamUnits, ErrorWhenLanguageShorterThanOneWindow) {
  const ByteTokenizer tok;
  const Corpus c = corpus({{"en", {std::string(20, 'e')}}, {"sw", {"abc", "de"}}});  // sw: 6 tokens
  UnitOptions opt;
  opt.mode = ScoreMode::Stream;
  opt.n_ctx = 8;
  try {
    make_units(c, tok, hparams(64, true), opt);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("sw.txt"), std::string::npos) << m;
    EXPECT_NE(m.find("'sw'"), std::string::npos) << m;
    EXPECT_NE(m.find("6 tokens"), std::string::npos) << m;
    EXPECT_NE(m.find("window of 8"), std::string::npos) << m;
  }
  // Exactly one window is enough.
  const Corpus one = corpus({{"sw", {"abc", "defg"}}});  // "abc\ndefg" = 8
  EXPECT_EQ(make_units(one, tok, hparams(64, true), opt).units.size(), 1u);
}

TEST(Units, ModeName) {
  EXPECT_EQ(mode_name(ScoreMode::Sentence), "sentence");
  EXPECT_EQ(mode_name(ScoreMode::Stream), "stream");
}

}  // namespace
}  // namespace lq
