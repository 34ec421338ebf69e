// Unit tests of the decoders and post-processors; expectations from tokenizers 0.20.3.
#include <gtest/gtest.h>

#include "tokenizers/decoders_text.h"
#include "tokenizers/post_processor_template.h"
#include "tokenizers/sequence.h"

namespace lq::tok {
namespace {

using Tokens = std::vector<std::string>;

Tokens run(const Decoder& d, Tokens tokens) {
  d.decode_chain(tokens);
  return tokens;
}

TEST(Decoders, Metaspace) {
  EXPECT_EQ(run(MetaspaceDecoder(U'\u2581', true), {"\u2581a\u2581b", "\u2581c", "\u2581"}), (Tokens{"ab", " c", " "}));
  EXPECT_EQ(run(MetaspaceDecoder(U'\u2581', false), {"\u2581a", "\u2581c"}), (Tokens{" a", " c"}));
  EXPECT_EQ(MetaspaceDecoder(U'\u2581', true).token_bytes("\u2581the"), " the");
}

TEST(Decoders, WordPiece) {
  WordPieceDecoder d("##", true);
  EXPECT_EQ(run(d, {"##a", "b", "##c", " .", "do", "not", "?"}), (Tokens{"##a", " b", "c", " .", " do", " not", "?"}));
  EXPECT_EQ(run(d, {"don", "'", "t", "it", "'", "s"}), (Tokens{"don", " '", " t", " it", " '", " s"}));
  EXPECT_EQ(d.token_bytes("##ing"), "ing");
  EXPECT_EQ(d.token_bytes("word"), "word");
}

TEST(Decoders, ByteFallbackFuseStrip) {
  EXPECT_EQ(run(ByteFallbackDecoder(), {"<0xE4>", "<0xB8>", "<0x96>", "a", "<0xE4>", "<0x41>", "<0x+4>", "<0x4a>"}),
            (Tokens{"\u4e16", "a", "\ufffd", "\ufffd", "\ufffd", "\ufffd"}));
  EXPECT_EQ(ByteFallbackDecoder().token_bytes("<0x0A>"), "\n");
  EXPECT_EQ(run(FuseDecoder(), {"a", " b", "c"}), (Tokens{"a bc"}));
  EXPECT_EQ(run(StripDecoder(U' ', 1, 0), {"  a ", " b"}), (Tokens{" a ", "b"}));
  EXPECT_EQ(run(StripDecoder(U' ', 2, 1), {"  a  "}), (Tokens{"a "}));
}

TEST(Decoders, Llama2Sequence) {
  std::vector<std::unique_ptr<Decoder>> parts;
  parts.push_back(std::make_unique<ReplaceDecoder>(ReplacePattern::literal("\u2581", " ")));
  parts.push_back(std::make_unique<ByteFallbackDecoder>());
  parts.push_back(std::make_unique<FuseDecoder>());
  parts.push_back(std::make_unique<StripDecoder>(U' ', 1, 0));
  DecoderSequence d(std::move(parts));
  EXPECT_EQ(run(d, {"\u2581Hello", "\u2581w", "<0xC3>", "<0xA9>"}), (Tokens{"Hello w\u00e9"}));
  EXPECT_EQ(d.token_bytes("\u2581Hello"), " Hello");
  EXPECT_EQ(d.token_bytes("<0xC3>"), "\xc3");
}

TEST(Decoders, BpeSuffix) {
  EXPECT_EQ(run(BpeSuffixDecoder("</w>"), {"hel", "lo</w>", "you</w>"}), (Tokens{"hel", "lo ", "you"}));
}

TEST(PostProcessors, Template) {
  TemplatePostProcessor bert({101}, {102});
  std::vector<int32_t> ids{5, 6};
  bert.process(ids, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{5, 6}));
  bert.process(ids, true);
  EXPECT_EQ(ids, (std::vector<int32_t>{101, 5, 6, 102}));
  std::vector<int32_t> empty;
  TemplatePostProcessor({}, {2}).process(empty, true);
  EXPECT_EQ(empty, (std::vector<int32_t>{2}));
}

}  // namespace
}  // namespace lq::tok
