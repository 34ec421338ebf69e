// tokenizers' decoders that rewrite token strings (the ByteLevel decoder has its own file):
//   Metaspace    "▁" -> " "; in the first token every "▁" is dropped (unless the prepend
//                scheme is "never"), undoing the prepended space;
//   WordPiece    tokens after the first lose the "##" prefix or get a leading " ", then each
//                token gets BERT's cleanup (" ." -> ".", " n't" -> "n't", ...) if enabled;
//   ByteFallback runs of <0xNN> tokens become their bytes as text (one U+FFFD per byte if
//                the run is not valid UTF-8);
//   Fuse         joins all tokens into one;
//   Strip        removes up to `start` leading and `stop` trailing `content` characters;
//   Replace      replaces a pattern in every token;
//   BPEDecoder   the end-of-word suffix becomes " " (nothing on the last token).
#pragma once
#include <string>

#include "tokenizers/pipeline.h"
#include "tokenizers/replace_pattern.h"

namespace lq::tok {

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool strip_first);
  void decode_chain(std::vector<std::string>& tokens) const override;
  std::string token_bytes(std::string_view token) const override;

 private:
  std::string replacement_;
  bool strip_first_;
};

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override;
  // A word-initial token stands for its own text with no space before it (where the spaces
  // were is not recorded in WordPiece ids); a continuation token loses the prefix.
  std::string token_bytes(std::string_view token) const override;

 private:
  std::string prefix_;
  bool cleanup_;
};

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override;
  std::string token_bytes(std::string_view token) const override;
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override;
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override;

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  explicit ReplaceDecoder(ReplacePattern pattern) : pattern_(std::move(pattern)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) pattern_.apply(token);
  }
  std::string token_bytes(std::string_view token) const override {
    std::string bytes(token);
    pattern_.apply(bytes);
    return bytes;
  }

 private:
  ReplacePattern pattern_;
};

class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override;
  std::string token_bytes(std::string_view token) const override;

 private:
  std::string suffix_;
};

}  // namespace lq::tok
